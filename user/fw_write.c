// SPDX-License-Identifier: GPL-2.0
/*
 * fw_write.c - changes to the fast path's maps: config, VTEPs, VNIs,
 * containers, rule sets written under a fresh tag and flipped in address by
 * address with a grace period each, in-place appends, and their rollback.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fw_priv.h"

/* ---- config, VTEPs, VNIs ------------------------------------------------ */

int rxl_fw_set_config(struct rxl_fw *fw, __u16 vxlan_port,
		      __u16 geneve_port, __u32 flags)
{
	struct rxl_config cfg;
	__u32 zero = 0;

	if (flags & ~RXL_CFG_NO_CONTAINER_DROP)
		return rxl_fail(fw, -EINVAL, "unknown config flags 0x%x",
				flags);
	/* 0 stands for the default: compare the ports the program uses. */
	if ((vxlan_port ?: RXL_VXLAN_PORT) == (geneve_port ?: RXL_GENEVE_PORT))
		return rxl_fail(fw, -EINVAL,
				"VXLAN and GENEVE cannot share UDP port %u",
				vxlan_port ?: RXL_VXLAN_PORT);
	/* mac_bound is fw_port.c's: kept as it is. */
	if (bpf_map_lookup_elem(fw->config, &zero, &cfg))
		return rxl_fail(fw, -errno, "config read: %s",
				strerror(errno));
	cfg.vxlan_port = vxlan_port;
	cfg.geneve_port = geneve_port;
	cfg.flags = flags;
	if (bpf_map_update_elem(fw->config, &zero, &cfg, 0))
		return rxl_fail(fw, -errno, "config update: %s",
				strerror(errno));
	return 0;
}

int rxl_fw_vtep_add(struct rxl_fw *fw, const struct rxl_addr *a,
		    __u32 tun_mask)
{
	struct rxl_vtep v = {
		.tun_mask = tun_mask,
		.family = a->family == AF_INET ? 4 : 6,
	};
	int err = rxl_check_family(fw, a), slot;
	struct rxl_container owner;
	__u32 used;

	if (err)
		return err;
	if (!tun_mask || (tun_mask & ~RXL_TUN_ALL))
		return rxl_fail(fw, -EINVAL, "bad tunnel type mask 0x%x",
				tun_mask);
	memcpy(v.addr, a->addr, a->family == AF_INET ? 4 : 16);
	err = rxl_lock(fw);
	if (err)
		return err;
	if (!bpf_map_lookup_elem(rxl_addr_fd(fw, a), a->addr, &owner)) {
		err = rxl_fail(fw, -EADDRINUSE,
			       "the address is container %u's", owner.id);
		goto out;
	}
	slot = rxl_vtep_find(fw, a, &used);
	if (slot < 0 && used == RXL_MAX_VTEPS) {
		err = rxl_fail(fw, -ENOSPC, "all %u VTEP slots in use",
			       RXL_MAX_VTEPS);
		goto out;
	}
	/* A new VTEP goes after the others, never into the list's middle. */
	if (slot < 0)
		slot = used;
	if (bpf_map_update_elem(fw->vteps, &slot, &v, 0))
		err = rxl_fail(fw, -errno, "VTEP add: %s", strerror(errno));
out:
	return rxl_unlock(fw, err);
}

int rxl_fw_vtep_del(struct rxl_fw *fw, const struct rxl_addr *a)
{
	struct rxl_vtep last, none = {};
	int err = rxl_check_family(fw, a), slot;
	__u32 used, l;

	if (err)
		return err;
	err = rxl_lock(fw);
	if (err)
		return err;
	slot = rxl_vtep_find(fw, a, &used);
	if (slot < 0) {
		err = rxl_fail(fw, -ENOENT, "no such VTEP");
		goto out;
	}
	/* Keep the list packed: the last VTEP moves into the hole. */
	l = used - 1;
	if ((__u32)slot != l) {
		if (bpf_map_lookup_elem(fw->vteps, &l, &last) ||
		    bpf_map_update_elem(fw->vteps, &slot, &last, 0)) {
			err = rxl_fail(fw, -errno, "VTEP del: %s",
				       strerror(errno));
			goto out;
		}
		err = rxl_grace_period(fw);
		if (err)
			goto out;
	}
	if (bpf_map_update_elem(fw->vteps, &l, &none, 0))
		err = rxl_fail(fw, -errno, "VTEP del: %s", strerror(errno));
out:
	return rxl_unlock(fw, err);
}

static int rxl_vni_check(struct rxl_fw *fw, enum rxl_tun_type type,
			 __u32 vni)
{
	if (type < RXL_TUN_VXLAN || type > RXL_TUN_NVGRE)
		return rxl_fail(fw, -EINVAL, "unknown tunnel type %d", type);
	if (vni > 0xffffff)
		return rxl_fail(fw, -ERANGE, "VNI %u does not fit in 24 bits",
				vni);
	return 0;
}

/* Set or clear one bit of the VNI bitmap, under the lock. */
static int rxl_vni_set(struct rxl_fw *fw, enum rxl_tun_type type, __u32 vni,
		       bool on)
{
	__u32 word = rxl_vni_word(type, vni);
	__u64 bits;
	int err = rxl_vni_check(fw, type, vni);

	if (err)
		return err;
	err = rxl_lock(fw);
	if (err)
		return err;
	if (bpf_map_lookup_elem(fw->vnis, &word, &bits)) {
		err = rxl_fail(fw, -errno, "VNI bitmap: %s", strerror(errno));
		goto out;
	}
	if (!on && !(bits & rxl_vni_bit(vni))) {
		err = rxl_fail(fw, -ENOENT, "VNI %u is not configured", vni);
		goto out;
	}
	bits = on ? bits | rxl_vni_bit(vni) : bits & ~rxl_vni_bit(vni);
	if (bpf_map_update_elem(fw->vnis, &word, &bits, 0))
		err = rxl_fail(fw, -errno, "VNI bitmap: %s", strerror(errno));
out:
	return rxl_unlock(fw, err);
}

int rxl_fw_vni_add(struct rxl_fw *fw, enum rxl_tun_type type, __u32 vni)
{
	return rxl_vni_set(fw, type, vni, true);
}

int rxl_fw_vni_del(struct rxl_fw *fw, enum rxl_tun_type type, __u32 vni)
{
	return rxl_vni_set(fw, type, vni, false);
}

/* ---- containers --------------------------------------------------------- */

/* Zero the @n per-CPU counters @list (or @first.. when @list is NULL). */
static int rxl_zero_slots(struct rxl_fw *fw, int fd, const __u32 *list,
			  __u32 first, __u32 n, size_t vsz)
{
	__u32 chunk = n < RXL_BATCH ? n : RXL_BATCH, done = 0, i, cnt;
	void *vals = calloc((size_t)chunk * fw->ncpus, vsz);
	__u32 *keys = calloc(chunk ?: 1, sizeof(*keys));
	int err = 0;

	if (!vals || !keys) {
		err = rxl_fail(fw, -ENOMEM, "out of memory");
		goto out;
	}
	while (done < n) {
		cnt = n - done < chunk ? n - done : chunk;
		for (i = 0; i < cnt; i++)
			keys[i] = list ? list[done + i] : first + done + i;
		if (bpf_map_update_batch(fd, keys, vals, &cnt, NULL)) {
			err = rxl_fail(fw, -errno, "counter reset: %s",
				       strerror(errno));
			goto out;
		}
		done += cnt;
	}
out:
	free(vals);
	free(keys);
	return err;
}

static int rxl_zero_percpu(struct rxl_fw *fw, int fd, __u32 first, __u32 n,
			   size_t vsz)
{
	return rxl_zero_slots(fw, fd, NULL, first, n, vsz);
}

/*
 * The highest rank (counter slot past rule_base 0) of the entries @e of a
 * set: the container value's last_rank (include/rxlane_maps.h).
 */
static __u32 rxl_last_rank(const struct rxl_entry *e, size_t ne)
{
	__u32 last = 0;
	size_t i;

	for (i = 0; i < ne; i++)
		if ((e[i].ref & RXL_RULE_RANK) > last)
			last = e[i].ref & RXL_RULE_RANK;
	return last;
}

/*
 * Counter slots for a new set of @n rules compiled into @e: the @n lowest
 * free ones, zeroed, and @e's references turned from ranks into them.
 */
static int rxl_set_slots(struct rxl_fw *fw, __u32 id, __u32 old_nrules,
			 __u64 tag, struct rxl_entry *e, size_t ne, __u32 n)
{
	__u32 *slots = calloc(n ?: 1, sizeof(*slots));
	int err;

	if (!slots)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	/* The index picks and books them (set @tag), or the walks do. */
	err = rxl_idx_set_new(fw, id, old_nrules, tag, e, ne, n, slots);
	if (err == 1)
		err = rxl_rule_room(fw, id, n) ?:
		      rxl_slots_pick(fw, n, slots);
	if (err)
		goto out;
	err = rxl_zero_slots(fw, fw->rule_cnt, slots, 0, n,
			     sizeof(struct rxl_counter));
	if (err)
		rxl_idx_set_del(fw, tag);
	else
		rxl_refs_to_slots(e, ne, slots);
out:
	free(slots);
	return err;
}

int rxl_fw_container_add(struct rxl_fw *fw, __u32 id,
			 const struct rxl_addr *addrs, unsigned int naddrs,
			 int redirect_ifindex)
{
	struct rxl_container val = { .id = id, .set = (__u32)rxl_tag(id, 0) };
	struct rxl_addr_val av = { .id = id };
	struct rxl_cont_addrs *ca;
	unsigned int i, added = 0;
	bool wrote = false;
	int err;

	if (id >= fw->max_conts)
		return rxl_fail(fw, -EINVAL, "container id %u out of range 0-%u",
				id, fw->max_conts - 1);
	if (!naddrs)
		return rxl_fail(fw, -EINVAL, "container %u needs an address",
				id);
	for (i = 0; i < naddrs; i++) {
		const char *why;

		err = rxl_check_family(fw, &addrs[i]);
		if (err)
			return err;
		why = rxl_addr_unusable(&addrs[i]);
		if (why)
			return rxl_fail(fw, -EINVAL, "address %u is %s", i, why);
	}
	ca = calloc(1, sizeof(*ca));
	if (!ca)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	err = rxl_lock(fw);
	if (err)
		goto out_free;
	rxl_idx_use(fw);
	for (i = 0; i < naddrs; i++) {
		__u32 used;

		if (rxl_vtep_find(fw, &addrs[i], &used) >= 0) {
			err = rxl_fail(fw, -EADDRINUSE,
				       "address %u is a VTEP's", i);
			goto out_unlock;
		}
	}
	err = rxl_container_addrs(fw, id, ca);
	if (err)
		goto out_unlock;
	if (ca->n) {
		err = rxl_fail(fw, -EEXIST, "container %u exists", id);
		goto out_unlock;
	}
	err = rxl_idx_addrs_ahead(fw, id, ca, addrs, naddrs);
	if (err)
		goto out_unlock;
	if (redirect_ifindex > 0) {
		__u32 ifx = redirect_ifindex;

		if (bpf_map_update_elem(fw->tx_ports, &id, &ifx, 0)) {
			err = rxl_fail(fw, -errno,
				       "redirect to ifindex %d: %s",
				       redirect_ifindex, strerror(errno));
			goto out_unlock;
		}
		val.flags |= RXL_CONT_REDIRECT;
	}
	err = rxl_zero_percpu(fw, fw->cont_cnt, id, 1,
			      sizeof(struct rxl_cont_counter));
	if (err)
		goto out_unlock;
	rxl_cont_fold_reset(fw, id);
	/* Its value is live before the first address leads to it. */
	err = rxl_cont_write(fw, &val);
	if (err)
		goto out_undo;
	wrote = true;
	for (i = 0; i < naddrs; i++, added++) {
		if (bpf_map_update_elem(rxl_addr_fd(fw, &addrs[i]),
					addrs[i].addr, &av, BPF_NOEXIST)) {
			err = rxl_fail(fw, -errno,
				       "address %u of container %u: %s", i, id,
				       errno == EEXIST ?
				       "used by another container" :
				       strerror(errno));
			goto out_undo;
		}
		rxl_acache_put(fw, &addrs[i], &val);
	}
	err = rxl_grace_period(fw);
	goto out_unlock;

out_undo:
	while (added--) {
		rxl_acache_drop(fw, &addrs[added]);
		bpf_map_delete_elem(rxl_addr_fd(fw, &addrs[added]),
				    addrs[added].addr);
	}
	if (val.flags & RXL_CONT_REDIRECT)
		bpf_map_delete_elem(fw->tx_ports, &id);
	/* No packet reaches the value any more when it goes. */
	if (wrote && !rxl_grace_period(fw))
		rxl_cont_clear(fw, id);
out_unlock:
	rxl_unlock(fw, 0);
out_free:
	free(ca);
	return err;
}

static int rxl_check_vnis(struct rxl_fw *fw, const __u32 *vnis,
			  unsigned int n)
{
	unsigned int i, j, type;

	if (n > RXL_CONT_MAX_VNIS)
		return rxl_fail(fw, -E2BIG, "at most %u VNIs per container",
				RXL_CONT_MAX_VNIS);
	for (i = 0; i < n; i++) {
		type = vnis[i] >> 24;
		if (type < RXL_TUN_VXLAN || type > RXL_TUN_NVGRE)
			return rxl_fail(fw, -EINVAL,
					"binding 0x%x: unknown tunnel type %u",
					vnis[i], type);
		for (j = 0; j < i; j++)
			if (vnis[j] == vnis[i])
				return rxl_fail(fw, -EINVAL,
						"VNI %u given twice",
						vnis[i] & 0xffffff);
	}
	return 0;
}

int rxl_fw_container_bind(struct rxl_fw *fw, __u32 id, const __u32 *vnis,
			  unsigned int n)
{
	struct rxl_cont_addrs *ca;
	struct rxl_container nv;
	int err = rxl_check_vnis(fw, vnis, n);

	if (err)
		return err;
	ca = calloc(1, sizeof(*ca));
	if (!ca)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	err = rxl_lock(fw);
	if (err)
		goto out_free;
	rxl_idx_use(fw);
	err = rxl_container_addrs(fw, id, ca);
	if (!err && !ca->n)
		err = rxl_fail(fw, -ENOENT, "container %u does not exist", id);
	if (err)
		goto out_unlock;
	nv = ca->val;
	memset(nv.vnis, 0, sizeof(nv.vnis));
	memcpy(nv.vnis, vnis, n * sizeof(*vnis));
	nv.nvnis = n;
	/* Every address of it flips at once, as for a rule replace. */
	err = rxl_cont_write(fw, &nv);
out_unlock:
	rxl_unlock(fw, 0);
out_free:
	free(ca);
	return err;
}

/**
 * rxl_rule_batches() - read both rule maps batch by batch
 * @fw: the maps
 * @fn: called with each batch read: @n keys of @ksz bytes at @keys, their
 *      values at @vals, from map @fd; 0 to go on, or -errno (message in
 *      @fw) to stop the walk
 * @arg: passed to @fn
 *
 * RXL_BATCH keys per syscall, bucket by bucket: @fn may delete keys of the
 * batch it was given without disturbing the walk.
 *
 * Return: 0, or the -errno of a failed read or of @fn (message in @fw).
 */
int rxl_rule_batches(struct rxl_fw *fw, rxl_batch_fn fn, void *arg)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	int fds[2] = { fw->rules4, fw->rules6 };
	size_t ksz[2] = { sizeof(struct rxl_rule4_key),
			  sizeof(struct rxl_rule6_key) };
	struct rxl_rule_val *vals = calloc(RXL_BATCH, sizeof(*vals));
	__u8 *keys = calloc(RXL_BATCH, sizeof(struct rxl_rule6_key));
	__u32 pos, next, n;
	int f, err, ret = 0;
	void *in;

	if (!keys || !vals) {
		ret = rxl_fail(fw, -ENOMEM, "out of memory");
		goto out;
	}
	for (f = 0; f < 2; f++) {
		in = NULL;
		do {
			n = RXL_BATCH;
			err = bpf_map_lookup_batch(fds[f], in, &next, keys,
						   vals, &n, &opts);
			if (err && errno != ENOENT) {
				ret = rxl_fail(fw, -errno,
					       "reading rule keys: %s",
					       strerror(errno));
				goto out;
			}
			fw->keys_walked += n;
			ret = n ? fn(fw, fds[f], keys, vals, n, ksz[f], arg) : 0;
			if (ret)
				goto out;
			pos = next;
			in = &pos;
		} while (!err);
	}
out:
	free(keys);
	free(vals);
	return ret;
}

/* rxl_rule_keys_walk()'s state across the batches. */
struct rxl_pick {
	bool (*pick)(__u64 tag, const void *arg);
	const void *arg;
	bool del;
	long found;
};

/* Keep, of a batch's keys, those @arg's pick wants; delete them if asked. */
static int rxl_pick_batch(struct rxl_fw *fw, int fd, __u8 *keys,
			  struct rxl_rule_val *vals, __u32 n, size_t ksz,
			  void *arg)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct rxl_pick *p = arg;
	__u32 i, m = 0;

	(void)vals;
	for (i = 0; i < n; i++) {
		if (!p->pick(rxl_key_tag(keys + i * ksz, ksz), p->arg))
			continue;
		if (m != i)
			memcpy(keys + m * ksz, keys + i * ksz, ksz);
		m++;
	}
	p->found += m;
	if (p->del && m && bpf_map_delete_batch(fd, keys, &m, &opts))
		return rxl_fail(fw, -errno, "deleting rule keys: %s",
				strerror(errno));
	return 0;
}

/**
 * rxl_rule_keys_walk() - count, or delete, the rule keys whose tag @pick
 * wants, in both rule maps
 * @fw: the maps, locked by the caller when @del
 * @pick: true for a tag (a set) whose keys are wanted
 * @arg: passed to @pick
 * @del: delete the keys picked
 *
 * The keys picked of each batch (rxl_rule_batches()) are deleted with one
 * more syscall.
 *
 * Return: the number of keys picked, or -errno (message in @fw) when a
 * read or a delete failed; some keys picked may then be left.
 */
long rxl_rule_keys_walk(struct rxl_fw *fw,
			bool (*pick)(__u64 tag, const void *arg),
			const void *arg, bool del)
{
	struct rxl_pick p = { .pick = pick, .arg = arg, .del = del };
	int err = rxl_rule_batches(fw, rxl_pick_batch, &p);

	return err ? err : p.found;
}

static bool rxl_tag_is(__u64 tag, const void *arg)
{
	return tag == *(const __u64 *)arg;
}

/*
 * Delete every rule key of set @tag; the set must be unreferenced. On a
 * failure keys of it may be left: fw->keys_left says so until a purge of
 * dead keys (rxl_fw_purge_left()) removes them, and no set is written
 * before that (rxl_write_set()), so no later set of the same tag can
 * inherit them.
 */
static int rxl_delete_set(struct rxl_fw *fw, __u64 tag)
{
	long ret = rxl_idx_set_del(fw, tag);

	/* The index names the set's keys; without it, every key is read. */
	if (ret == 1)
		ret = rxl_rule_keys_walk(fw, rxl_tag_is, &tag, true);

	if (ret >= 0)
		return 0;
	fw->keys_left = true;
	return rxl_fail(fw, (int)ret,
			"removing the keys of rule set 0x%llx: %s",
			(unsigned long long)tag,
			strerror((int)-ret));
}

int rxl_fw_container_del(struct rxl_fw *fw, __u32 id)
{
	struct rxl_cont_addrs *ca = calloc(1, sizeof(*ca));
	bool freed = false;
	unsigned int i;
	int err;

	if (!ca)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	err = rxl_lock(fw);
	if (err)
		goto out_free;
	rxl_idx_use(fw);
	err = rxl_container_addrs(fw, id, ca);
	if (!err && !ca->n) {
		/*
		 * A deletion killed after its addresses went left the rest:
		 * the value live, its index entry, its transmit port, its
		 * binding to a device, port or MAC (rxl_ports, which 'rxlane
		 * check' would find bound to no container). They go now, as
		 * they would have then.
		 */
		if (!rxl_cont_read(fw, id, &ca->val)) {
			rxl_cont_clear(fw, id);
			rxl_grace_period(fw);
		}
		rxl_idx_addrs_set(fw, id, NULL, 0);
		bpf_map_delete_elem(fw->tx_ports, &id);
		rxl_fw_port_unbind(fw, id);
		err = rxl_fail(fw, -ENOENT, "container %u does not exist", id);
	}
	if (err)
		goto out_unlock;
	for (i = 0; i < ca->n; i++) {
		freed |= rxl_acache_drop(fw, &ca->addr[i]);
		/*
		 * An address left in the map keeps judging with the deleted
		 * container's rules: a failure here fails the deletion (the
		 * CLI puts the container back whole).
		 */
		if (bpf_map_delete_elem(rxl_addr_fd(fw, &ca->addr[i]),
					ca->addr[i].addr) && errno != ENOENT) {
			err = rxl_fail(fw, -errno, "deleting an address of container %u: %s",
				       id, strerror(errno));
			rxl_grace_period(fw);
			goto out_unlock;
		}
		err = rxl_grace_period(fw);
		if (err)
			goto out_unlock;
	}
	/* Its addresses are gone: so are its value and its index entry. */
	rxl_cont_clear(fw, id);
	rxl_idx_addrs_set(fw, id, NULL, 0);
	/* Only a freed slot can have an address waiting for it. */
	err = freed ? rxl_acache_refill(fw) : 0;
	if (err)
		goto out_unlock;
	bpf_map_delete_elem(fw->tx_ports, &id);
	rxl_fw_port_unbind(fw, id);
	/*
	 * A set without rules has no keys (rxl_write_set writes none). The
	 * container is gone whatever happens here: keys left are the
	 * caller's (rxl_fw_purge_left()).
	 */
	if (ca->val.nrules)
		rxl_delete_set(fw, rxl_cont_tag(&ca->val));
out_unlock:
	rxl_unlock(fw, 0);
out_free:
	free(ca);
	return err;
}

/*
 * Retire the set of @old, a value no packet reads any more (the flip away
 * from it and its grace period are done): what its ingress rules counted
 * goes into the container's folded counts, so that its totals do not drop
 * with the set, then its keys go. Folded first: a process killed between
 * the two leaves keys that recovery purges without folding, so nothing is
 * counted twice; one killed between the flip and the fold loses what the
 * set counted (Documentation/fastpath.rst, "Counters").
 */
static bool rxl_fold_set(struct rxl_fw *fw, const struct rxl_container *old,
			 struct rxl_cont_counter *done)
{
	if (!old->nrules || rxl_set_totals(fw, old, done))
		return false;
	rxl_cont_fold(fw, old->id, done);
	return true;
}

static void rxl_retire_set(struct rxl_fw *fw, const struct rxl_container *old)
{
	struct rxl_cont_counter done;

	rxl_fold_set(fw, old, &done);
	rxl_delete_set(fw, rxl_cont_tag(old));
}

/* Write the groups of @e under @tag; on failure remove what was written. */
static int rxl_write_set(struct rxl_fw *fw, const struct rxl_entry *e,
			 size_t n, __u64 tag)
{
	struct rxl_rule6_key *k6 = calloc(RXL_BATCH, sizeof(*k6));
	struct rxl_rule4_key *k4 = calloc(RXL_BATCH, sizeof(*k4));
	struct rxl_rule_val *v4 = calloc(RXL_BATCH, sizeof(*v4));
	struct rxl_rule_val *v6 = calloc(RXL_BATCH, sizeof(*v6));
	union rxl_any_key k;
	__u32 n4 = 0, n6 = 0, cnt;
	size_t i = 0, j;
	int err = 0;

	if (!k4 || !k6 || !v4 || !v6) {
		err = rxl_fail(fw, -ENOMEM, "out of memory");
		goto out;
	}
	/* Keys a failed deletion left could carry @tag: they go first. */
	if (fw->keys_left) {
		long dead = rxl_dead_keys_locked(fw, true);

		if (dead < 0) {
			err = (int)dead;
			goto out;
		}
	}
	while (i < n || n4 || n6) {
		if (i < n && n4 < RXL_BATCH && n6 < RXL_BATCH) {
			for (j = i + 1; j < n && rxl_same_group(&e[i], &e[j]);
			     j++)
				;
			if (rxl_entry_any(&e[i]) >= 0) {
				i = j;	/* in the value (rxl_any_vals()) */
				continue;
			}
			if (e[i].family == 4) {
				rxl_entry_key(&e[i], tag, &k);
				k4[n4] = k.k4;
				err = rxl_resolve(RXL_WHY(fw), &e[i], j - i,
						  &v4[n4++]);
			} else {
				rxl_entry_key(&e[i], tag, &k);
				k6[n6] = k.k6;
				err = rxl_resolve(RXL_WHY(fw), &e[i], j - i,
						  &v6[n6++]);
			}
			if (err)
				goto out_undo;
			i = j;
			continue;
		}
		cnt = n4;
		if (cnt && bpf_map_update_batch(fw->rules4, k4, v4, &cnt, NULL))
			goto out_full;
		cnt = n6;
		if (cnt && bpf_map_update_batch(fw->rules6, k6, v6, &cnt, NULL))
			goto out_full;
		n4 = n6 = 0;
	}
	goto out;

out_full:
	err = rxl_fail(fw, -errno, "writing rules: %s%s", strerror(errno),
		       errno == E2BIG ? " (rule table full)" : "");
out_undo:
	rxl_delete_set(fw, tag);
out:
	free(k4);
	free(k6);
	free(v4);
	free(v6);
	return err;
}

/*
 * The flip: the container's value becomes @nv, for all of its addresses
 * in one store (rxl_cont_write()). A failure leaves the old value live,
 * so the container is judged by its old set again.
 */
static int rxl_flip(struct rxl_fw *fw, const struct rxl_container *nv)
{
	return rxl_cont_write(fw, nv);
}

int rxl_fw_rules_replace(struct rxl_fw *fw, __u32 id,
			 const struct rxl_rule *rules, unsigned int nrules,
			 bool default_drop)
{
	struct rxl_cont_addrs *ca = calloc(1, sizeof(*ca));
	struct rxl_entry *e = NULL;
	struct rxl_container nv;
	size_t ne = 0;
	__u64 tag;
	int err;

	if (!ca)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	if (nrules >= RXL_RULE_RANK) {
		err = rxl_fail(fw, -E2BIG, "too many rules");
		goto out_free;
	}
	err = rxl_expand(RXL_WHY(fw), rules, nrules, &e, &ne);
	if (err)
		goto out_free;
	err = rxl_lock(fw);
	if (err)
		goto out_free;
	rxl_idx_use(fw);
	err = rxl_container_addrs(fw, id, ca);
	if (!err && !ca->n)
		err = rxl_fail(fw, -ENOENT, "container %u does not exist", id);
	if (err)
		goto out_unlock;
	nv = ca->val;
	tag = rxl_tag(id, (ca->val.set + 1) & RXL_SET_GEN_MASK);
	err = rxl_shapes(RXL_WHY(fw), e, ne, &nv) ?:
	      rxl_set_slots(fw, id, ca->val.nrules, tag, e, ne, nrules);
	if (err)
		goto out_unlock;
	/* A refusal here undoes the slots as rxl_write_set()'s own does. */
	err = rxl_any_vals(RXL_WHY(fw), e, ne, &nv);
	if (err)
		rxl_delete_set(fw, tag);
	else
		err = rxl_write_set(fw, e, ne, tag);
	if (err)
		goto out_unlock;
	rxl_port_sum(e, ne, &nv);

	nv.set = (__u32)tag;
	nv.rule_base = 0;
	nv.nrules = nrules;
	nv.last_rank = rxl_last_rank(e, ne);
	nv.flags = (nv.flags & ~RXL_CONT_DEFAULT_DROP) |
		   (default_drop ? RXL_CONT_DEFAULT_DROP : 0);
	err = rxl_flip(fw, &nv);
	/*
	 * An empty old set (a new container's) has no keys to look for.
	 * The new set is live: keys of the old one left are the caller's
	 * (rxl_fw_purge_left()).
	 */
	if (!err && ca->val.nrules)
		rxl_retire_set(fw, &ca->val);
	else if (err && nrules)
		rxl_delete_set(fw, tag);
out_unlock:
	rxl_unlock(fw, 0);
out_free:
	free(e);
	free(ca);
	return err;
}

/* ---- appending one rule in place (for the CLI's fw add) ----------------- */

/* The new value of the group key of @e in set @tag. */
static int rxl_append_entry(struct rxl_fw *fw, const struct rxl_entry *e,
			    __u64 tag, union rxl_any_key *k,
			    struct rxl_rule_val *v, bool *changed)
{
	int fd = e->family == 4 ? fw->rules4 : fw->rules6;

	rxl_entry_key(e, tag, k);
	if (bpf_map_lookup_elem(fd, k, v)) {
		memset(v, 0, sizeof(*v));
		v->portless = RXL_NO_RULE;
	}
	return rxl_fill_ports(v, e->lo, e->hi, e->ref, changed);
}

/*
 * @e, a rule from anywhere of TCP or UDP, appended to the segments in the
 * value @nv (rxl_container.any): written with the value, as a replace.
 */
static int rxl_append_any(struct rxl_container *nv, const struct rxl_entry *e,
			  bool *changed)
{
	int a = rxl_entry_any(e);

	if (!(nv->any_mask & RXL_ANY_BIT(a))) {
		memset(&nv->any[a], 0, sizeof(nv->any[a]));
		nv->any[a].portless = RXL_NO_RULE;
		nv->any_mask |= RXL_ANY_BIT(a);
	}
	return rxl_fill_ports(&nv->any[a], e->lo, e->hi, e->ref, changed);
}

static int rxl_append_write(struct rxl_fw *fw,
			    const struct rxl_entry *e, size_t ne,
			    const union rxl_any_key *k,
			    const struct rxl_rule_val *v,
			    const struct rxl_container *nv, __u32 slot)
{
	unsigned int i, keys = 0;
	int err;

	err = rxl_zero_percpu(fw, fw->rule_cnt, slot, 1,
			      sizeof(struct rxl_counter));
	for (i = 0; !err && i < ne; i++) {
		/* A rule from anywhere of TCP or UDP is in @nv alone. */
		if (rxl_entry_any(&e[i]) >= 0)
			continue;
		keys++;
		if (bpf_map_update_elem(e[i].family == 4 ? fw->rules4 :
					fw->rules6, &k[i], &v[i], 0))
			err = rxl_fail(fw, -errno, "writing rules: %s%s",
				       strerror(errno), errno == E2BIG ?
				       " (rule table full)" : "");
	}
	/*
	 * The key is live now; the container's value brings nrules along.
	 * Each update above replaced a live hash element, and 6.1's
	 * bpf_mem_alloc hands a freed element to the very next allocation
	 * of that map: a grace period after each, before any other update,
	 * so no packet still reads an element when it is reused.
	 */
	if (!err && keys)
		err = rxl_grace_period(fw);
	return err ?: rxl_flip(fw, nv);
}

static int rxl_rule_append(struct rxl_fw *fw, __u32 id,
			   const struct rxl_rule *r, bool dry)
{
	struct rxl_cont_addrs *ca = calloc(1, sizeof(*ca));
	struct rxl_entry e[2];
	union rxl_any_key k[2];
	struct rxl_rule_val v[2];
	struct rxl_container nv;
	bool changed = false;
	size_t ne = 0, i;
	__u32 ref, slot = 0;
	int err;

	if (!ca)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	err = rxl_check_rule(RXL_WHY(fw), r, 0) ?: rxl_lock(fw);
	if (err)
		goto out_free;
	/* An append takes a slot in place: the index is made anew after. */
	if (!dry)
		rxl_idx_drop(fw);
	err = rxl_container_addrs(fw, id, ca);
	if (!err && !ca->n)
		err = rxl_fail(fw, -ENOENT, "container %u does not exist", id);
	if (err)
		goto out_unlock;
	nv = ca->val;
	/* Judged after every rule of the set: a slot past all of theirs. */
	err = rxl_rule_room(fw, id, nv.nrules + 1) ?:
	      rxl_slot_after(fw, &nv, &slot);
	if (err)
		goto out_unlock;
	ref = (slot - nv.rule_base) | (r->drop ? RXL_RULE_DROP : 0);
	if (r->family != AF_INET6)
		rxl_add_entry(&e[ne++], r, 4, ref);
	if (r->family != AF_INET)
		rxl_add_entry(&e[ne++], r, 6, ref);
	for (i = 0; !err && i < ne; i++)
		err = rxl_entry_any(&e[i]) >= 0 ?
		      rxl_append_any(&nv, &e[i], &changed) :
		      rxl_has_shape(&nv, &e[i]) ?:
		      rxl_append_entry(fw, &e[i], rxl_cont_tag(&nv), &k[i],
				       &v[i], &changed);
	/* Shadowed by earlier rules (a duplicate is): the caller decides. */
	if (!err && !changed)
		err = -EAGAIN;
	if (err)
		goto out_unlock;
	nv.nrules++;
	nv.last_rank = ref & RXL_RULE_RANK;	/* past all of theirs */
	/* Its ports join the summary in the value that makes it live. */
	for (i = 0; i < ne; i++)
		rxl_port_sum_add(&nv, &e[i]);
	if (!dry)
		err = rxl_append_write(fw, e, ne, k, v, &nv, slot);
out_unlock:
	rxl_unlock(fw, 0);
out_free:
	free(ca);
	if (err == -EAGAIN)
		snprintf(fw->err, sizeof(fw->err),
			 "the rule cannot be appended in place");
	return err;
}

int rxl_fw_rule_append(struct rxl_fw *fw, __u32 id, const struct rxl_rule *r)
{
	return rxl_rule_append(fw, id, r, false);
}

int rxl_fw_rule_append_check(struct rxl_fw *fw, __u32 id,
			     const struct rxl_rule *r)
{
	return rxl_rule_append(fw, id, r, true);
}

/* ---- a container made exactly as stated (CLI changes, recovery) ------- */

static int rxl_spec_check(struct rxl_fw *fw, const struct rxl_cont_spec *s)
{
	unsigned int i;
	const char *why;
	int err;

	if (s->id >= fw->max_conts)
		return rxl_fail(fw, -EINVAL, "container id %u out of range 0-%u",
				s->id, fw->max_conts - 1);
	if (!s->naddrs || s->naddrs > 64)
		return rxl_fail(fw, -EINVAL, "container %u needs 1-64 addresses",
				s->id);
	if (s->nrules >= RXL_RULE_RANK)
		return rxl_fail(fw, -E2BIG, "too many rules");
	for (i = 0; i < s->naddrs; i++) {
		err = rxl_check_family(fw, &s->addrs[i]);
		if (err)
			return err;
		why = rxl_addr_unusable(&s->addrs[i]);
		if (why)
			return rxl_fail(fw, -EINVAL, "address %u is %s", i, why);
	}
	return rxl_check_vnis(fw, s->vnis, s->nvnis);
}

/* Refuse addresses a VTEP or another container has, before any change. */
static int rxl_spec_addrs_free(struct rxl_fw *fw, const struct rxl_cont_spec *s)
{
	struct rxl_addr_val v;
	unsigned int i;
	__u32 used;

	for (i = 0; i < s->naddrs; i++) {
		const struct rxl_addr *a = &s->addrs[i];

		if (rxl_vtep_find(fw, a, &used) >= 0)
			return rxl_fail(fw, -EADDRINUSE,
					"address %u is a VTEP's", i);
		if (!bpf_map_lookup_elem(rxl_addr_fd(fw, a), a->addr, &v) &&
		    v.id != s->id)
			return rxl_fail(fw, -EADDRINUSE,
					"address %u of container %u: used by container %u",
					i, s->id, v.id);
	}
	return 0;
}

/*
 * Put back what rxl_fw_container_apply() changed: the first @done
 * addresses of @s (gone, unless @ca had them), the addresses of @ca that
 * @s has not (@dropped: back, leading to the id), the container's value
 * (@wrote: its old one, or none), the device map slot (@old_ifx, 0: none)
 * and the new set @tag (@new_set).
 */
static void rxl_apply_undo(struct rxl_fw *fw, const struct rxl_cont_spec *s,
			   const struct rxl_cont_addrs *ca, unsigned int done,
			   bool dropped, bool wrote, __u32 old_ifx,
			   bool new_set, __u64 tag)
{
	struct rxl_addr_val av = { .id = s->id };
	unsigned int i;
	__u32 id = s->id;

	for (i = done; i-- > 0;) {
		const struct rxl_addr *a = &s->addrs[i];

		if (rxl_addr_in(a, ca->addr, ca->n))
			continue;
		rxl_acache_drop(fw, a);
		bpf_map_delete_elem(rxl_addr_fd(fw, a), a->addr);
	}
	if (!rxl_grace_period(fw) && wrote) {
		if (ca->n)
			rxl_cont_write(fw, &ca->val);
		else
			rxl_cont_clear(fw, id);
	}
	/* The old value is live again: the lost addresses lead to it. */
	for (i = 0; dropped && i < ca->n; i++) {
		const struct rxl_addr *a = &ca->addr[i];

		if (rxl_addr_in(a, s->addrs, s->naddrs))
			continue;
		if (!bpf_map_update_elem(rxl_addr_fd(fw, a), a->addr, &av, 0))
			rxl_acache_put(fw, a, &ca->val);
	}
	if (old_ifx)
		bpf_map_update_elem(fw->tx_ports, &id, &old_ifx, 0);
	else if (s->redirect_ifindex > 0)
		bpf_map_delete_elem(fw->tx_ports, &id);
	if (new_set && s->nrules)
		rxl_delete_set(fw, tag);
}

/*
 * The addresses @ca had that @s does not: gone, each with a grace period,
 * before the value flips (an address leaving the container is never
 * judged by its new set: it is the container's before, no one's after).
 * One that cannot be deleted stays, leading to the container: the rest
 * go all the same, and fw->addrs_left says so.
 */
static int rxl_apply_drop_old(struct rxl_fw *fw, const struct rxl_cont_spec *s,
			      const struct rxl_cont_addrs *ca)
{
	bool freed = false;
	unsigned int i;
	int err = 0;

	for (i = 0; i < ca->n && !err; i++) {
		const struct rxl_addr *a = &ca->addr[i];

		if (rxl_addr_in(a, s->addrs, s->naddrs))
			continue;
		/* Uncached, a left address is judged from its map entry. */
		freed |= rxl_acache_drop(fw, a);
		if (bpf_map_delete_elem(rxl_addr_fd(fw, a), a->addr) &&
		    errno != ENOENT) {
			rxl_fail(fw, -errno,
				 "an address it no longer has could not be removed: %s",
				 strerror(errno));
			fw->addrs_left = true;
		}
		err = rxl_grace_period(fw);
	}
	return err ?: freed ? rxl_acache_refill(fw) : 0;
}

static int rxl_apply_locked(struct rxl_fw *fw, const struct rxl_cont_spec *s,
			    struct rxl_cont_addrs *ca)
{
	struct rxl_port_undo port = {};
	struct rxl_addr_val av = { .id = s->id };
	struct rxl_container nv;
	struct rxl_entry *e = NULL;
	__u32 id = s->id, old_ifx = 0, ifx;
	__u64 tag = 0;
	bool exists, new_set, wrote = false, dropped = false, folded = false;
	struct rxl_cont_counter moved;
	unsigned int done = 0;
	size_t ne = 0;
	int err;

	err = rxl_container_addrs(fw, id, ca) ?: rxl_spec_addrs_free(fw, s);
	if (err)
		return err;
	exists = ca->n > 0;
	new_set = !exists || !s->keep_rules;
	if (new_set) {
		err = rxl_expand(RXL_WHY(fw), s->rules, s->nrules, &e, &ne);
		if (err)
			return err;
	}
	memset(&nv, 0, sizeof(nv));
	if (exists)
		nv = ca->val;
	nv.id = id;
	if (new_set) {
		/* A fresh tag, unless this id has no set in the fast path. */
		tag = rxl_tag(id, exists ? (ca->val.set + 1) & RXL_SET_GEN_MASK
					 : 0);
		err = rxl_shapes(RXL_WHY(fw), e, ne, &nv) ?:
		      rxl_set_slots(fw, id, exists ? ca->val.nrules : 0, tag,
				    e, ne, s->nrules);
		if (err)
			goto out;
		err = rxl_any_vals(RXL_WHY(fw), e, ne, &nv);
		if (err)
			rxl_delete_set(fw, tag);
		else
			err = rxl_write_set(fw, e, ne, tag);
		if (err)
			goto out;
		rxl_port_sum(e, ne, &nv);
		nv.set = (__u32)tag;
		nv.rule_base = 0;
		nv.nrules = s->nrules;
		nv.last_rank = rxl_last_rank(e, ne);
	}
	nv.flags = (s->default_drop ? RXL_CONT_DEFAULT_DROP : 0) |
		   (s->redirect_ifindex > 0 ? RXL_CONT_REDIRECT : 0) |
		   (s->egress_drop ? RXL_CONT_EGRESS_DROP : 0);
	memset(nv.vnis, 0, sizeof(nv.vnis));
	if (s->nvnis)
		memcpy(nv.vnis, s->vnis, s->nvnis * sizeof(*s->vnis));
	nv.nvnis = s->nvnis;
	if (bpf_map_lookup_elem(fw->tx_ports, &id, &old_ifx))
		old_ifx = 0;
	/* The index names every address before it is inserted. */
	err = rxl_idx_addrs_ahead(fw, id, ca, s->addrs, s->naddrs);
	if (err)
		goto out_undo;
	if (s->redirect_ifindex > 0) {
		ifx = s->redirect_ifindex;
		if (bpf_map_update_elem(fw->tx_ports, &id, &ifx, 0)) {
			err = rxl_fail(fw, -errno, "redirect to ifindex %d: %s",
				       s->redirect_ifindex, strerror(errno));
			goto out_undo;
		}
	}
	if (!exists) {
		rxl_cont_fold_reset(fw, id);
		err = rxl_zero_percpu(fw, fw->cont_cnt, id, 1,
				      sizeof(struct rxl_cont_counter)) ?:
		      (fw->spoof_cnt < 0 ? 0 :
		       rxl_zero_percpu(fw, fw->spoof_cnt, id, 1,
				       sizeof(struct rxl_counter)));
	}
	/* Anti-spoofing: its device bound before its addresses are live. */
	if (!err)
		err = rxl_fw_port_move(fw, s, &port);
	/*
	 * The addresses it loses go first; then the value flips for every
	 * address it keeps at once; then the new addresses lead to it. Kept
	 * ones are not touched: their value is the id.
	 */
	if (!err) {
		dropped = true;
		err = rxl_apply_drop_old(fw, s, ca);
	}
	if (!err)
		err = rxl_cont_write(fw, &nv);
	wrote = !err;
	/*
	 * The old set is read no more: its counts are the container's from
	 * now (the stop that loses them is only the one just before), its
	 * keys go at the end.
	 */
	folded = wrote && new_set && exists &&
		 rxl_fold_set(fw, &ca->val, &moved);
	for (; !err && done < s->naddrs; done++) {
		const struct rxl_addr *a = &s->addrs[done];

		if (rxl_addr_in(a, ca->addr, ca->n))
			continue;
		if (bpf_map_update_elem(rxl_addr_fd(fw, a), a->addr, &av,
					BPF_NOEXIST)) {
			err = rxl_fail(fw, -errno,
				       "address %u of container %u: %s", done,
				       id, strerror(errno));
			break;
		}
		rxl_acache_put(fw, a, &nv);
		if (fw->acache_dirty) {
			err = rxl_grace_period(fw);
			if (err)
				done++;
		}
	}
	if (err)
		goto out_undo;
	/* An address left stays in the index with it. */
	if (!fw->addrs_left)
		rxl_idx_addrs_set(fw, id, s->addrs, s->naddrs);
	if (s->redirect_ifindex <= 0 && old_ifx)
		bpf_map_delete_elem(fw->tx_ports, &id);
	/*
	 * Done: keys of the old set left are the caller's (keys_left). An
	 * address left (addrs_left) keeps the old set's keys, as before.
	 */
	if (new_set && exists && ca->val.nrules && !fw->addrs_left)
		rxl_delete_set(fw, rxl_cont_tag(&ca->val));
	goto out;

out_undo:
	rxl_apply_undo(fw, s, ca, done, dropped, wrote, old_ifx, new_set,
		       tag);
	/* The old set judges again: what it counted is its own again. */
	if (folded)
		rxl_cont_unfold(fw, id, &moved);
	/* The device bound before, the old MAC: the old container's. */
	rxl_fw_port_undo(fw, id, &port);
out:
	free(e);
	return err;
}

int rxl_fw_container_apply(struct rxl_fw *fw, const struct rxl_cont_spec *s)
{
	struct rxl_cont_addrs *ca;
	int err = rxl_spec_check(fw, s);

	if (err)
		return err;
	ca = calloc(1, sizeof(*ca));
	if (!ca)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	fw->addrs_left = false;
	fw->port_left = false;
	err = rxl_lock(fw);
	if (!err) {
		rxl_idx_use(fw);
		err = rxl_apply_locked(fw, s, ca);
	}
	rxl_unlock(fw, 0);
	free(ca);
	return err;
}
