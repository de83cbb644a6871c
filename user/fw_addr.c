// SPDX-License-Identifier: GPL-2.0
/*
 * fw_addr.c - the address maps and the address cache: walks over every
 * container address, the cache's slots, the counter slots in use.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fw_priv.h"

int rxl_addr_fd(struct rxl_fw *fw, const struct rxl_addr *a)
{
	return a->family == AF_INET ? fw->addrs4 : fw->addrs6;
}

int rxl_check_family(struct rxl_fw *fw, const struct rxl_addr *a)
{
	if (a->family != AF_INET && a->family != AF_INET6)
		return rxl_fail(fw, -EAFNOSUPPORT,
				"address family %d is neither IPv4 nor IPv6",
				a->family);
	return 0;
}

const char *rxl_addr_unusable(const struct rxl_addr *a)
{
	static const __u8 zero[16], lo6[16] = { [15] = 1 };
	const __u8 *b = a->addr;

	if (a->family == AF_INET) {
		if (!memcmp(b, zero, 4))
			return "the unspecified address";
		if (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255)
			return "the broadcast address";
		if (b[0] == 127)
			return "a loopback address (127.0.0.0/8)";
		if ((b[0] & 0xf0) == 224)
			return "a multicast address (224.0.0.0/4)";
		return NULL;
	}
	if (!memcmp(b, zero, 16))
		return "the unspecified address";
	if (!memcmp(b, lo6, 16))
		return "the loopback address";
	if (b[0] == 0xff)
		return "a multicast address (ff00::/8)";
	return NULL;
}

/* Slot of @a in the VTEP list (or -1), and the number of slots used. */
int rxl_vtep_find(struct rxl_fw *fw, const struct rxl_addr *a,
		  __u32 *used)
{
	struct rxl_vtep v;
	int found = -1;
	__u32 i;

	for (i = 0; i < RXL_MAX_VTEPS; i++) {
		if (bpf_map_lookup_elem(fw->vteps, &i, &v) || !v.tun_mask)
			break;
		if (v.family == (a->family == AF_INET ? 4U : 6U) &&
		    !memcmp(v.addr, a->addr, a->family == AF_INET ? 4 : 16))
			found = i;
	}
	*used = i;
	return found;
}

/* ---- container values (rxl_conts, include/rxlane_maps.h) -------------- */

/* Marks the container each address leads to (rxl_fw_conts_unreached()). */
static int rxl_mark_reached(struct rxl_fw *fw, const struct rxl_addr *a,
			    const struct rxl_container *v, void *arg)
{
	__u8 *reached = arg;

	(void)a;
	if (v->id < fw->max_conts)
		reached[v->id] = 1;
	return 0;
}

long rxl_fw_conts_unreached(struct rxl_fw *fw, bool repair)
{
	__u8 *reached;
	long n = 0;
	__u32 id;
	int err;

	if (!fw->cont_mem)
		return 0;
	reached = calloc(fw->max_conts ?: 1, 1);
	if (!reached)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	err = repair ? rxl_lock(fw) : 0;
	if (err)
		goto out_free;
	err = rxl_walk_addrs(fw, rxl_mark_reached, reached);
	for (id = 0; !err && id < fw->max_conts; id++) {
		if (reached[id] ||
		    __atomic_load_n(&fw->cont_mem[id].live, __ATOMIC_ACQUIRE) ==
		    RXL_CONT_LIVE_NONE)
			continue;
		n++;
		/* No address leads to it: no new packet reads it. */
		if (repair)
			rxl_cont_clear(fw, id);
	}
	/* A packet that read it before its address went has finished. */
	if (!err && repair && n)
		err = rxl_grace_period(fw);
	if (repair)
		rxl_unlock(fw, 0);
out_free:
	free(reached);
	return err ?: n;
}

/* The slot of container @id in the mapping, NULL past max-containers. */
static struct rxl_cont_slot *rxl_cont_slot_of(struct rxl_fw *fw, __u32 id)
{
	return fw->cont_mem && id < fw->max_conts ? &fw->cont_mem[id] : NULL;
}

int rxl_cont_read(struct rxl_fw *fw, __u32 id, struct rxl_container *v)
{
	struct rxl_cont_slot *s = rxl_cont_slot_of(fw, id);
	__u64 live;

	if (!s)
		return -ENOENT;
	live = __atomic_load_n(&s->live, __ATOMIC_ACQUIRE);
	if (live != 1 && live != 2)
		return -ENOENT;
	*v = s->buf[live - 1];
	return 0;
}

void rxl_cont_value(struct rxl_fw *fw, __u32 id, struct rxl_container *v)
{
	if (rxl_cont_read(fw, id, v)) {
		memset(v, 0, sizeof(*v));
		v->id = id;
	}
}

/**
 * rxl_cont_write() - make @nv the value of container nv->id, whole
 * @fw: the maps, locked
 * @nv: the new value
 *
 * The buffer no packet reads is written through the mapping, made live
 * with one aligned store, and a grace period passes before this returns:
 * every address of the container judges by the old value or by @nv, never
 * a mix, and the buffer just left is unread when the next write comes.
 * If the wait fails, the old buffer (untouched) is made live again.
 *
 * Return: 0 or -errno (message in @fw).
 */
int rxl_cont_write(struct rxl_fw *fw, const struct rxl_container *nv)
{
	struct rxl_cont_slot *s = rxl_cont_slot_of(fw, nv->id);
	__u64 live, next;
	int err;

	if (!s)
		return rxl_fail(fw, -EINVAL, "container id %u out of range",
				nv->id);
	live = __atomic_load_n(&s->live, __ATOMIC_ACQUIRE);
	if ((live == 1 || live == 2) && !memcmp(&s->buf[live - 1], nv,
						 sizeof(*nv)))
		return 0;
	next = live == 1 ? 2 : 1;
	s->buf[next - 1] = *nv;
	__atomic_store_n(&s->live, next, __ATOMIC_RELEASE);
	err = rxl_grace_period(fw);
	if (err)
		__atomic_store_n(&s->live, live, __ATOMIC_RELEASE);
	return err;
}

/*
 * Container @id has no value any more. The caller removed its addresses
 * and waited for a grace period first: no packet reads either buffer.
 */
void rxl_cont_clear(struct rxl_fw *fw, __u32 id)
{
	struct rxl_cont_slot *s = rxl_cont_slot_of(fw, id);

	if (s)
		__atomic_store_n(&s->live, RXL_CONT_LIVE_NONE,
				 __ATOMIC_RELEASE);
}

/*
 * The counts of container @id's retired rule sets (rxl_cont_slot.folded):
 * added to by rxl_cont_fold() (locked; rxl_cont_unfold() takes it back
 * when the change is undone), set to zero by
 * rxl_cont_fold_reset() when the id gets a new container. No program
 * touches them: plain stores through the mapping.
 */
void rxl_cont_fold(struct rxl_fw *fw, __u32 id,
		   const struct rxl_cont_counter *add)
{
	struct rxl_cont_slot *s = rxl_cont_slot_of(fw, id);

	if (!s)
		return;
	s->folded.pass.packets += add->pass.packets;
	s->folded.pass.bytes += add->pass.bytes;
	s->folded.drop.packets += add->drop.packets;
	s->folded.drop.bytes += add->drop.bytes;
}

/* Takes back what rxl_cont_fold() added (a change undone). */
void rxl_cont_unfold(struct rxl_fw *fw, __u32 id,
		     const struct rxl_cont_counter *add)
{
	struct rxl_cont_slot *s = rxl_cont_slot_of(fw, id);

	if (!s)
		return;
	s->folded.pass.packets -= add->pass.packets;
	s->folded.pass.bytes -= add->pass.bytes;
	s->folded.drop.packets -= add->drop.packets;
	s->folded.drop.bytes -= add->drop.bytes;
}

void rxl_cont_fold_reset(struct rxl_fw *fw, __u32 id)
{
	struct rxl_cont_slot *s = rxl_cont_slot_of(fw, id);

	if (s)
		memset(&s->folded, 0, sizeof(s->folded));
}

void rxl_cont_folded(struct rxl_fw *fw, __u32 id, struct rxl_cont_counter *out)
{
	struct rxl_cont_slot *s = rxl_cont_slot_of(fw, id);

	if (s)
		*out = s->folded;
	else
		memset(out, 0, sizeof(*out));
}

/* Entries of an address map read per BPF_MAP_LOOKUP_BATCH call. */
#define RXL_WALK_BATCH	1024
#define RXL_ENOTSUPP	524	/* the kernel's ENOTSUPP, not in errno.h */

/* @a from a key of @family's address map (@ksz bytes). */
static void rxl_addr_of_key(struct rxl_addr *a, int family, const void *key,
			    unsigned int ksz)
{
	a->family = family;
	memset(a->addr, 0, sizeof(a->addr));
	memcpy(a->addr, key, ksz);
}

/* The map's addresses one by one: for kernels without batch reads. */
static int rxl_walk_addrs_slow(struct rxl_fw *fw, int fd, int family,
			       unsigned int ksz,
			       int (*fn)(struct rxl_fw *fw,
					 const struct rxl_addr *a,
					 const struct rxl_container *v,
					 void *arg),
			       void *arg)
{
	__u8 key[16], next[16];
	struct rxl_container v;
	struct rxl_addr_val av;
	struct rxl_addr a;
	void *prev = NULL;
	int ret;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, ksz);
		prev = key;
		fw->addrs_walked++;
		if (bpf_map_lookup_elem(fd, key, &av))
			continue;
		rxl_addr_of_key(&a, family, key, ksz);
		rxl_cont_value(fw, av.id, &v);
		ret = fn(fw, &a, &v, arg);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * One address map in batches of RXL_WALK_BATCH (a few system calls for
 * thousands of addresses, where a lookup per address cost two: with 4,000
 * containers that was 8,000 calls per walk). Every batch is read before
 * @fn sees it, so @fn may write the other maps. *@slow: the kernel
 * cannot read this map in batches (the caller walks it one by one).
 */
static int rxl_walk_addrs_batch(struct rxl_fw *fw, int fd, int family,
				unsigned int ksz,
				int (*fn)(struct rxl_fw *fw,
					  const struct rxl_addr *a,
					  const struct rxl_container *v,
					  void *arg),
				void *arg, bool *slow)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 cap = RXL_WALK_BATCH, cnt, i;
	struct rxl_addr_val *vals = NULL;
	struct rxl_container v;
	__u8 *keys = NULL;
	__u64 token = 0;
	bool first = true, done = false;
	struct rxl_addr a;
	int ret = 0;

	while (!done && !ret) {
		if (!keys) {
			keys = malloc((size_t)cap * ksz);
			vals = malloc((size_t)cap * sizeof(*vals));
			if (!keys || !vals) {
				ret = rxl_fail(fw, -ENOMEM, "out of memory");
				break;
			}
		}
		cnt = cap;
		if (bpf_map_lookup_batch(fd, first ? NULL : &token, &token,
					 keys, vals, &cnt, &opts)) {
			if (errno == ENOSPC && !cnt && cap < RXL_MAX_ADDRS) {
				/* A bucket holds more than @cap: retry wider. */
				cap *= 4;
				free(keys);
				free(vals);
				keys = NULL;
				vals = NULL;
				continue;
			}
			if (errno != ENOENT) {
				*slow = first && (errno == EINVAL ||
						  errno == RXL_ENOTSUPP ||
						  errno == EOPNOTSUPP);
				if (!*slow)
					ret = rxl_fail(fw, -errno,
						       "cannot read the address map: %s",
						       strerror(errno));
				break;
			}
			done = true;
		}
		first = false;
		fw->addrs_walked += cnt;
		for (i = 0; i < cnt && !ret; i++) {
			rxl_addr_of_key(&a, family, keys + (size_t)i * ksz, ksz);
			rxl_cont_value(fw, vals[i].id, &v);
			ret = fn(fw, &a, &v, arg);
		}
	}
	free(keys);
	free(vals);
	return ret;
}

/*
 * Call @fn for every address of the address maps with its value; a
 * non-zero return of @fn ends the walk and is returned.
 */
int rxl_walk_addrs(struct rxl_fw *fw,
		   int (*fn)(struct rxl_fw *fw, const struct rxl_addr *a,
			     const struct rxl_container *v, void *arg),
		   void *arg)
{
	int fds[2] = { fw->addrs4, fw->addrs6 };
	int fams[2] = { AF_INET, AF_INET6 };
	unsigned int ksz[2] = { 4, 16 };
	bool slow;
	int f, ret;

	for (f = 0; f < 2; f++) {
		slow = false;
		ret = rxl_walk_addrs_batch(fw, fds[f], fams[f], ksz[f], fn,
					   arg, &slow);
		if (slow)
			ret = rxl_walk_addrs_slow(fw, fds[f], fams[f], ksz[f],
						  fn, arg);
		if (ret)
			return ret;
	}
	return 0;
}

struct rxl_container_addrs_arg {
	__u32 id;
	struct rxl_cont_addrs *ca;
};

static int rxl_container_addr_one(struct rxl_fw *fw,
				  const struct rxl_addr *a,
				  const struct rxl_container *v, void *arg)
{
	struct rxl_container_addrs_arg *fa = arg;
	struct rxl_cont_addrs *ca = fa->ca;

	if (v->id != fa->id)
		return 0;
	if (!ca->n)
		ca->val = *v;
	if (ca->n == 64)
		return rxl_fail(fw, -E2BIG, "container %u has over 64 addresses",
				fa->id);
	ca->addr[ca->n++] = *a;
	return 0;
}

/* Addresses of container @id (all of them, or the first 64). */
int rxl_container_addrs(struct rxl_fw *fw, __u32 id,
			struct rxl_cont_addrs *ca)
{
	struct rxl_container_addrs_arg fa = { .id = id, .ca = ca };
	int ret = rxl_idx_addrs(fw, id, ca);

	if (ret != 1)
		return ret;
	ca->n = 0;
	return rxl_walk_addrs(fw, rxl_container_addr_one, &fa);
}

/* ---- address cache (include/rxlane_maps.h) ------------------------------ */

static __u32 rxl_acache_slot_of(const struct rxl_addr *a)
{
	__u32 w[4];

	memcpy(w, a->addr, sizeof(w));
	return a->family == AF_INET ? rxl_acache_slot4(w[0]) :
				      rxl_acache_slot6(w);
}

/* The live buffer of @slot (1 or 2, its entry in *@e), or 0 if none. */
static unsigned int rxl_acache_live(struct rxl_fw *fw, __u32 slot,
				    struct rxl_acache_ent *e)
{
	__u64 live = __atomic_load_n(&fw->acache_live[slot], __ATOMIC_ACQUIRE);
	__u32 idx = 2 * slot + (__u32)live - 1;

	if (live != 1 && live != 2)
		return 0;
	if (bpf_map_lookup_elem(fw->acache, &idx, e))
		return 0;
	return live;
}

static bool rxl_acache_holds(const struct rxl_acache_ent *e,
			     const struct rxl_addr *a)
{
	if (a->family == AF_INET)
		return e->family == 4 && !memcmp(e->addr, a->addr, 4);
	return e->family == 6 && !memcmp(e->addr, a->addr, 16);
}

/* The entry holds @v's container: the rules are not the cache's. */
static bool rxl_acache_same(const struct rxl_addr_val *x,
			    const struct rxl_container *v)
{
	return x->id == v->id;
}

static void rxl_acache_set(struct rxl_fw *fw, __u32 slot, __u64 live)
{
	__atomic_store_n(&fw->acache_live[slot], live, __ATOMIC_RELEASE);
	fw->acache_dirty = true;
}

/*
 * After @a's value in its address map became @v: the cache follows if
 * @a's slot is free or already @a's (a slot another address holds leaves
 * @a to the map). The buffer that is not live is written and then made
 * live; the caller waits for a grace period (rxl_grace_period(), which clears
 * fw->acache_dirty) before it unlocks, so that the next writer of this
 * slot finds its other buffer unread. If the write fails the slot is
 * emptied: the program then finds @a in the map, which is already right.
 */
void rxl_acache_put(struct rxl_fw *fw, const struct rxl_addr *a,
		    const struct rxl_container *v)
{
	struct rxl_acache_ent e, ne;
	__u32 slot = rxl_acache_slot_of(a), idx;
	unsigned int live = rxl_acache_live(fw, slot, &e), next;

	if (live && !rxl_acache_holds(&e, a)) {
		/* Another address has it: @a waits for it (fw_index.c). */
		rxl_idx_wait(fw, slot, a);
		return;
	}
	if (live && rxl_acache_same(&e.v, v))
		return;
	memset(&ne, 0, sizeof(ne));
	ne.family = a->family == AF_INET ? 4 : 6;
	memcpy(ne.addr, a->addr, a->family == AF_INET ? 4 : 16);
	ne.v.id = v->id;
	next = live == 1 ? 2 : 1;
	idx = 2 * slot + next - 1;
	if (bpf_map_update_elem(fw->acache, &idx, &ne, 0)) {
		if (live)
			rxl_acache_set(fw, slot, 0);
		return;
	}
	rxl_acache_set(fw, slot, next);
}

/*
 * Before @a leaves its address map: its slot, if it holds one, empties.
 * Returns whether it did.
 */
bool rxl_acache_drop(struct rxl_fw *fw, const struct rxl_addr *a)
{
	struct rxl_acache_ent e;
	__u32 slot = rxl_acache_slot_of(a);

	if (!rxl_acache_live(fw, slot, &e) || !rxl_acache_holds(&e, a))
		return false;
	rxl_acache_set(fw, slot, 0);
	rxl_idx_freed(fw, slot);
	return true;
}

static int rxl_acache_fill_one(struct rxl_fw *fw, const struct rxl_addr *a,
			       const struct rxl_container *v, void *arg)
{
	__u64 live = __atomic_load_n(&fw->acache_live[rxl_acache_slot_of(a)],
				     __ATOMIC_ACQUIRE);

	/* The slot's word, not its entry: no lookup per address. */
	(void)arg;
	if (live != 1 && live != 2)
		rxl_acache_put(fw, a, v);
	return 0;
}

/*
 * Give every empty slot to an address of the maps that falls in it (one
 * that lost the slot to an address since deleted; with the index, the
 * last address that found each slot this change freed taken), then wait for a grace
 * period if any slot flipped. Called after the deletions' own grace
 * period: the buffers of the deleted addresses are unread.
 */
int rxl_acache_refill(struct rxl_fw *fw)
{
	/* The index knows who waits for the slots freed: else every one. */
	if (rxl_idx_refill(fw, rxl_acache_put) == 1)
		rxl_walk_addrs(fw, rxl_acache_fill_one, NULL);
	return fw->acache_dirty ? rxl_grace_period(fw) : 0;
}

/* The rule set of one address's value: its container and size. */
struct rxl_set_use {
	__u32 id, n;
};

struct rxl_sets {
	struct rxl_set_use *use;
	size_t n;
};

static int rxl_set_collect(struct rxl_fw *fw, const struct rxl_addr *a,
			   const struct rxl_container *v, void *arg)
{
	struct rxl_sets *sets = arg;

	(void)fw;
	(void)a;
	if (v->nrules && sets->n < 2 * RXL_MAX_ADDRS)
		sets->use[sets->n++] = (struct rxl_set_use){
			v->id, v->nrules };
	return 0;
}

/*
 * Refuse to give container @id a set of @n rules when all containers
 * together would then have more than max-rules, the limit the maps were
 * sized for at load (RXL_RULES_OF_SLOTS of the counter slots). Each
 * container is counted once (by the first of its addresses), however many
 * addresses share its value.
 */
static int rxl_rule_limit(struct rxl_fw *fw, const struct rxl_sets *sets,
			  __u32 id, __u32 n)
{
	__u32 max = RXL_RULES_OF_SLOTS(fw->rule_slots);
	bool *seen = calloc(RXL_MAX_CONTAINERS, sizeof(*seen));
	__u64 total = n;
	size_t i;

	if (!seen)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	for (i = 0; i < sets->n; i++) {
		const struct rxl_set_use *u = &sets->use[i];

		if (u->id == id || u->id >= RXL_MAX_CONTAINERS || seen[u->id])
			continue;
		seen[u->id] = true;
		total += u->n;
	}
	free(seen);
	if (total <= max)
		return 0;
	return rxl_fail(fw, -ENOSPC,
			"max-rules %u reached: %llu rules in all containers (the maps were sized by 'rxlane attach ... max-rules N')",
			max, (unsigned long long)total);
}

/*
 * Room for a set of @n rules of container @id: within max-rules, checked
 * before anything is written. Which slots it gets: rxl_slots_pick().
 */
int rxl_rule_room(struct rxl_fw *fw, __u32 id, __u32 n)
{
	struct rxl_sets sets = {
		.use = calloc(2 * RXL_MAX_ADDRS, sizeof(*sets.use)),
	};
	int err;

	if (!sets.use)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	err = rxl_walk_addrs(fw, rxl_set_collect, &sets) ?:
	      rxl_rule_limit(fw, &sets, id, n);
	free(sets.use);
	return err;
}

bool rxl_addr_in(const struct rxl_addr *a, const struct rxl_addr *set,
		 unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (set[i].family == a->family &&
		    !memcmp(set[i].addr, a->addr, 16))
			return true;
	return false;
}

/* A live cache slot whose copy is not its address's value in the map. */
struct rxl_stale_arg {
	bool repair;
	long n;
};

static int rxl_acache_stale_one(struct rxl_fw *fw, const struct rxl_addr *a,
				const struct rxl_container *v, void *arg)
{
	struct rxl_stale_arg *sa = arg;
	struct rxl_acache_ent e;
	__u32 slot = rxl_acache_slot_of(a);

	if (!rxl_acache_live(fw, slot, &e) || !rxl_acache_holds(&e, a) ||
	    rxl_acache_same(&e.v, v))
		return 0;
	sa->n++;
	if (sa->repair)
		rxl_acache_put(fw, a, v);
	return 0;
}

/* A live slot whose address is in no map at all. */
static long rxl_acache_orphans(struct rxl_fw *fw, bool repair)
{
	struct rxl_acache_ent e;
	struct rxl_addr_val v;
	struct rxl_addr a;
	long n = 0;
	__u32 slot;

	for (slot = 0; slot < RXL_ACACHE_SLOTS; slot++) {
		if (!rxl_acache_live(fw, slot, &e))
			continue;
		memset(&a, 0, sizeof(a));
		a.family = e.family == 4 ? AF_INET : AF_INET6;
		memcpy(a.addr, e.addr, 16);
		if (!bpf_map_lookup_elem(rxl_addr_fd(fw, &a), a.addr, &v))
			continue;
		n++;
		if (repair)
			rxl_acache_set(fw, slot, 0);
	}
	return n;
}

long rxl_fw_acache_stale(struct rxl_fw *fw, bool repair)
{
	struct rxl_stale_arg sa = { .repair = repair };
	int err = repair ? rxl_lock(fw) : 0;

	if (err)
		return err;
	rxl_walk_addrs(fw, rxl_acache_stale_one, &sa);
	sa.n += rxl_acache_orphans(fw, repair);
	if (repair && fw->acache_dirty)
		err = rxl_grace_period(fw);
	if (repair && !err)
		err = rxl_acache_refill(fw);
	rxl_unlock(fw, 0);
	return err ?: sa.n;
}
