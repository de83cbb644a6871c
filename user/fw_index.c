// SPDX-License-Identifier: GPL-2.0
/*
 * fw_index.c - the fast path's index: what one container and one rule set
 * hold, and which rule counter slots are free, by key, so that a change
 * of one container reads what it touches and never walks every address,
 * rule key or counter slot (Documentation/fastpath.rst, "The index").
 *
 * cli_fw_index is a userspace-only hash map pinned beside the maps it
 * indexes (opened pinned only; a fast path opened from an object or a
 * program has none and the library walks, as before). It holds:
 *   CONT id	the container's addresses: a superset, written ahead of
 *		every insert and shrunk after the deletes;
 *   SET tag	a rule set's counter slots and rule keys, written before
 *		its first key, removed after its last key;
 *   BITS n	the counter slots in use, 1 bit each: set before a set
 *		names the slot, cleared after its SET entry is gone;
 *   META	the rules of all sets (the max-rules check) and the lowest
 *		bitmap word that may have a clear bit (absent: none, 0);
 *   WAIT slot	the last address that found its address cache slot taken.
 * Every entry is believed only after what it names is read back: an
 * address only when its map entry has this container's id. Whatever a
 * killed writer left is a superset (an address too many, a slot or a rule
 * counted twice): never a slot handed out twice, never a key kept. The
 * recovery that finishes its change (rxl_fw_dead_keys()) drops the index,
 * and the next change makes it anew from one walk, pinned only when
 * complete. Its name stamps its layout and its size the maps' rule
 * slots: an index of another layout or other maps is made anew.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fw_priv.h"

#define RXL_IDX_PIN	"cli_fw_index"
#define RXL_IDX_NAME	"cli_fw_index2"	/* the map's name: this layout */
#define RXL_IDX_SLOTS	256		/* counter slots of one set */
#define RXL_IDX_KEYS	128		/* rule keys of one set */
#define RXL_IDX_WORDS	512		/* bitmap words of one BITS entry */
#define RXL_IDX_CHUNK	(RXL_IDX_WORDS * 64)	/* slots of one BITS entry */

enum rxl_idx_kind {
	RXL_IDX_META,
	RXL_IDX_CONT,
	RXL_IDX_SET,
	RXL_IDX_BITS,
	RXL_IDX_WAIT,
};

struct rxl_idx_key {
	__u32 kind;
	__u32 pad;
	__u64 n;		/* id, tag, chunk or cache slot */
};

/* Absent: all zero (an index of nothing writes no entry at all). */
struct rxl_idx_meta {
	__u64 rules;		/* of all sets: rxl_rule_room()'s sum */
	__u32 hint;		/* no clear bit below this word */
	__u32 pad;
};

struct rxl_idx_cont {
	__u32 naddrs;
	struct rxl_addr addr[64];
};

struct rxl_idx_rkey {
	__u32 family;		/* 4 or 6 */
	union rxl_any_key k;
};

struct rxl_idx_set {
	__u32 nrules, nslots, nkeys;
	__u32 slot[RXL_IDX_SLOTS];
	struct rxl_idx_rkey key[RXL_IDX_KEYS];
};

union rxl_idx_val {
	struct rxl_idx_meta meta;
	struct rxl_idx_cont cont;
	struct rxl_idx_set set;
	__u64 bits[RXL_IDX_WORDS];
	struct rxl_addr wait;
};

enum { RXL_IDX_UNTRIED, RXL_IDX_OPEN, RXL_IDX_NONE };

static int rxl_idx_path(struct rxl_fw *fw, char *path, size_t len)
{
	char proc[64], dir[PATH_MAX];
	ssize_t n;

	if (fw->lock_fd < 0)
		return -ENOENT;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fw->lock_fd);
	n = readlink(proc, dir, sizeof(dir) - 1);
	if (n <= 0)
		return -ENOENT;
	dir[n] = '\0';
	if ((size_t)snprintf(path, len, "%s/%s", dir, RXL_IDX_PIN) >= len)
		return -ENAMETOOLONG;
	return 0;
}

static int rxl_idx_get(int fd, __u32 kind, __u64 n, union rxl_idx_val *v)
{
	struct rxl_idx_key k = { .kind = kind, .n = n };

	return bpf_map_lookup_elem(fd, &k, v) ? -errno : 0;
}

static int rxl_idx_put(int fd, __u32 kind, __u64 n,
		       const union rxl_idx_val *v)
{
	struct rxl_idx_key k = { .kind = kind, .n = n };

	return bpf_map_update_elem(fd, &k, v, 0) ? -errno : 0;
}

static void rxl_idx_del(int fd, __u32 kind, __u64 n)
{
	struct rxl_idx_key k = { .kind = kind, .n = n };

	bpf_map_delete_elem(fd, &k);
}

void rxl_idx_close(struct rxl_fw *fw)
{
	if (fw->idx_state == RXL_IDX_OPEN)
		close(fw->idx_fd);
	fw->idx_state = RXL_IDX_UNTRIED;
	fw->idx_fd = -1;
}

void rxl_idx_drop(struct rxl_fw *fw)
{
	char path[PATH_MAX];

	if (!rxl_idx_path(fw, path, sizeof(path)))
		unlink(path);
	rxl_idx_close(fw);
}

int rxl_fw_index_drop(struct rxl_fw *fw)
{
	int err = rxl_lock(fw);

	if (!err)
		rxl_idx_drop(fw);
	return rxl_unlock(fw, err);
}

int rxl_idx_fd(const struct rxl_fw *fw)
{
	return fw->idx_state == RXL_IDX_OPEN ? fw->idx_fd : -1;
}

/* ---- making the index from one walk ------------------------------------ */

/* One live set while the index is made. */
struct rxl_idx_live {
	__u64 tag;
	__u32 base;
	struct rxl_idx_set *set;
};

struct rxl_idx_build {
	struct rxl_idx_cont *cont;	/* max_conts */
	struct rxl_idx_live *live;
	size_t nlive;
	__u64 *bits;			/* rule_slots bits */
	__u32 rule_slots;
	bool too_big;			/* a set past RXL_IDX_SLOTS/KEYS */
};

/* rxl_val_slots() callback: a slot of the set being collected. */
struct rxl_idx_slot_arg {
	struct rxl_idx_build *b;
	struct rxl_idx_set *set;
};

static void rxl_idx_note_slot(void *arg, __u32 slot);

static int rxl_idx_collect(struct rxl_fw *fw, const struct rxl_addr *a,
			   const struct rxl_container *v, void *arg)
{
	struct rxl_idx_build *b = arg;
	struct rxl_idx_slot_arg sa = { .b = b };
	struct rxl_idx_cont *c;
	size_t i;

	if (v->id >= fw->max_conts)
		return 0;
	c = &b->cont[v->id];
	if (c->naddrs < 64)
		c->addr[c->naddrs++] = *a;
	if (!v->nrules)
		return 0;
	for (i = 0; i < b->nlive; i++)
		if (b->live[i].tag == rxl_cont_tag(v))
			return 0;
	if (b->nlive == 2 * RXL_MAX_ADDRS)
		return 0;
	b->live[b->nlive].set = calloc(1, sizeof(*b->live[0].set));
	if (!b->live[b->nlive].set)
		return -ENOMEM;
	b->live[b->nlive].tag = rxl_cont_tag(v);
	b->live[b->nlive].base = v->rule_base;
	b->live[b->nlive].set->nrules = v->nrules;
	/* The slots of its rules from anywhere: no key names them. */
	sa.set = b->live[b->nlive].set;
	rxl_any_slots(v, rxl_idx_note_slot, &sa);
	b->nlive++;
	return 0;
}

static int rxl_idx_cmp_live(const void *a, const void *b)
{
	const struct rxl_idx_live *x = a, *y = b;

	return x->tag < y->tag ? -1 : x->tag > y->tag;
}

static void rxl_idx_note_slot(void *arg, __u32 slot)
{
	struct rxl_idx_slot_arg *sa = arg;
	struct rxl_idx_set *set = sa->set;
	__u32 i;

	if (slot < sa->b->rule_slots)
		sa->b->bits[slot / 64] |= 1ULL << (slot % 64);
	for (i = 0; i < set->nslots; i++)
		if (set->slot[i] == slot)
			return;
	if (set->nslots == RXL_IDX_SLOTS) {
		sa->b->too_big = true;
		return;
	}
	/* Kept ascending, as rxl_slots_pick() hands them out. */
	for (i = set->nslots; i > 0 && set->slot[i - 1] > slot; i--)
		set->slot[i] = set->slot[i - 1];
	set->slot[i] = slot;
	set->nslots++;
}

static int rxl_idx_keys_batch(struct rxl_fw *fw, int fd, __u8 *keys,
			      struct rxl_rule_val *vals, __u32 n, size_t ksz,
			      void *arg)
{
	struct rxl_idx_build *b = arg;
	struct rxl_idx_live want, *hit;
	struct rxl_idx_slot_arg sa = { .b = b };
	struct rxl_idx_rkey *rk;
	__u32 i;

	for (i = 0; i < n; i++) {
		want.tag = rxl_key_tag(keys + i * ksz, ksz);
		hit = bsearch(&want, b->live, b->nlive, sizeof(*b->live),
			      rxl_idx_cmp_live);
		if (!hit)
			continue;	/* a dead set's: the purge's */
		sa.set = hit->set;
		rxl_val_slots(&vals[i], hit->base, rxl_idx_note_slot, &sa);
		if (hit->set->nkeys == RXL_IDX_KEYS) {
			b->too_big = true;
			continue;
		}
		rk = &hit->set->key[hit->set->nkeys++];
		memset(rk, 0, sizeof(*rk));
		rk->family = fd == fw->rules4 ? 4 : 6;
		memcpy(&rk->k, keys + i * ksz, ksz);
	}
	return 0;
}

/* Write what @b collected into the new map @fd. */
static int rxl_idx_fill(struct rxl_fw *fw, int fd, struct rxl_idx_build *b)
{
	union rxl_idx_val *v = calloc(1, sizeof(*v));
	__u32 i, chunks = (b->rule_slots + RXL_IDX_CHUNK - 1) / RXL_IDX_CHUNK;
	__u32 words = (b->rule_slots + 63) / 64, w;
	__u64 rules = 0;
	int err = 0;

	if (!v)
		return -ENOMEM;
	for (i = 0; !err && i < fw->max_conts; i++)
		if (b->cont[i].naddrs) {
			v->cont = b->cont[i];
			err = rxl_idx_put(fd, RXL_IDX_CONT, i, v);
		}
	for (i = 0; !err && i < b->nlive; i++) {
		v->set = *b->live[i].set;
		rules += v->set.nrules;
		err = rxl_idx_put(fd, RXL_IDX_SET, b->live[i].tag, v);
	}
	/* An absent chunk has no bit set, an absent META is zero. */
	for (i = 0; !err && i < chunks; i++) {
		bool any = false;

		memset(v, 0, sizeof(*v));
		for (w = 0; w < RXL_IDX_WORDS && i * RXL_IDX_WORDS + w < words;
		     w++) {
			v->bits[w] = b->bits[i * RXL_IDX_WORDS + w];
			any |= v->bits[w] != 0;
		}
		err = any ? rxl_idx_put(fd, RXL_IDX_BITS, i, v) : 0;
	}
	if (!err) {
		memset(v, 0, sizeof(*v));
		v->meta.rules = rules;
		for (w = 0; w < words && b->bits[w] == ~0ULL; w++)
			;
		v->meta.hint = w;
		if (rules || w)
			err = rxl_idx_put(fd, RXL_IDX_META, 0, v);
	}
	free(v);
	return err;
}

/* Entries of an index of maps of @fw's sizes: its size. */
static __u32 rxl_idx_max(const struct rxl_fw *fw)
{
	return fw->max_conts + 2 * RXL_MAX_ADDRS + RXL_ACACHE_SLOTS + 1 +
	       fw->rule_slots;
}

/* A new index of the maps as they are, pinned at @path when complete. */
static int rxl_idx_make(struct rxl_fw *fw, const char *path)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	struct rxl_idx_build b = { .rule_slots = fw->rule_slots };
	__u32 max = rxl_idx_max(fw);
	int fd = -1, err;
	size_t i;

	b.cont = calloc(fw->max_conts, sizeof(*b.cont));
	b.live = calloc(2 * RXL_MAX_ADDRS, sizeof(*b.live));
	b.bits = calloc((fw->rule_slots + 63) / 64 ?: 1, sizeof(*b.bits));
	err = b.cont && b.live && b.bits ? 0 : -ENOMEM;
	if (!err)
		err = rxl_walk_addrs(fw, rxl_idx_collect, &b);
	if (!err) {
		qsort(b.live, b.nlive, sizeof(*b.live), rxl_idx_cmp_live);
		err = b.nlive ? rxl_rule_batches(fw, rxl_idx_keys_batch, &b)
			      : 0;
	}
	/* A set too big to index: no index, the walks as before. */
	if (!err && b.too_big)
		err = -E2BIG;
	if (!err) {
		fd = bpf_map_create(BPF_MAP_TYPE_HASH, RXL_IDX_NAME,
				    sizeof(struct rxl_idx_key),
				    sizeof(union rxl_idx_val), max, &opts);
		err = fd < 0 ? -errno : 0;
	}
	if (!err)
		err = rxl_idx_fill(fw, fd, &b);
	if (!err && bpf_obj_pin(fd, path))
		err = -errno;
	for (i = 0; i < b.nlive; i++)
		free(b.live[i].set);
	free(b.cont);
	free(b.live);
	free(b.bits);
	if (err && fd >= 0)
		close(fd);
	return err ? err : fd;
}

/* The pin at @path if it is an index of this layout for these maps. */
static int rxl_idx_adopt(struct rxl_fw *fw, const char *path)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path), ok;

	if (fd < 0)
		return -errno;
	ok = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	     info.type == BPF_MAP_TYPE_HASH &&
	     !strcmp(info.name, RXL_IDX_NAME) &&
	     info.key_size == sizeof(struct rxl_idx_key) &&
	     info.value_size == sizeof(union rxl_idx_val) &&
	     info.max_entries == rxl_idx_max(fw);
	if (ok)
		return fd;
	close(fd);
	return -ESTALE;
}

/*
 * Open the index, or make it, for a change: the caller holds the lock.
 * Without one (maps not opened from pins, a set too big, no memory) the
 * library walks, as it did before the index.
 */
void rxl_idx_use(struct rxl_fw *fw)
{
	char path[PATH_MAX];
	int fd;

	fw->idx_nfreed = 0;
	if (fw->idx_state != RXL_IDX_UNTRIED)
		return;
	fw->idx_state = RXL_IDX_NONE;
	if (rxl_idx_path(fw, path, sizeof(path)))
		return;
	fd = rxl_idx_adopt(fw, path);
	if (fd == -ESTALE)
		unlink(path);
	if (fd < 0)
		fd = rxl_idx_make(fw, path);
	if (fd < 0)
		return;
	fw->idx_fd = fd;
	fw->idx_state = RXL_IDX_OPEN;
}

/* ---- containers' addresses ---------------------------------------------- */

int rxl_idx_addrs(struct rxl_fw *fw, __u32 id, struct rxl_cont_addrs *ca)
{
	int fd = rxl_idx_fd(fw), err;
	union rxl_idx_val *v;
	struct rxl_addr_val c;
	__u32 i;

	if (fd < 0)
		return 1;
	ca->n = 0;
	v = calloc(1, sizeof(*v));
	if (!v)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	err = rxl_idx_get(fd, RXL_IDX_CONT, id, v);
	if (err == -ENOENT)
		err = 0;
	else if (err)
		err = rxl_fail(fw, err, "reading the index: %s",
			       strerror(-err));
	else
		for (i = 0; i < v->cont.naddrs && i < 64; i++) {
			const struct rxl_addr *a = &v->cont.addr[i];

			fw->addrs_walked++;
			/* Believed only when the map says it is @id's. */
			if (bpf_map_lookup_elem(rxl_addr_fd(fw, a), a->addr,
						&c) || c.id != id)
				continue;
			if (!ca->n)
				rxl_cont_value(fw, id, &ca->val);
			ca->addr[ca->n++] = *a;
		}
	free(v);
	return err;
}

int rxl_idx_addrs_ahead(struct rxl_fw *fw, __u32 id,
			const struct rxl_cont_addrs *ca,
			const struct rxl_addr *add, unsigned int n)
{
	int fd = rxl_idx_fd(fw), err;
	union rxl_idx_val *v;
	bool trimmed = false;
	unsigned int i;

	if (fd < 0)
		return 0;
	v = calloc(1, sizeof(*v));
	if (!v)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	/* What the entry names and what the maps hold, plus @add. */
	if (rxl_idx_get(fd, RXL_IDX_CONT, id, v))
		v->cont.naddrs = 0;
	for (i = 0; i < ca->n; i++)
		if (!rxl_addr_in(&ca->addr[i], v->cont.addr, v->cont.naddrs) &&
		    v->cont.naddrs < 64)
			v->cont.addr[v->cont.naddrs++] = ca->addr[i];
	for (i = 0; i < n; i++) {
		if (rxl_addr_in(&add[i], v->cont.addr, v->cont.naddrs))
			continue;
		if (v->cont.naddrs == 64 && !trimmed) {
			/* Stale entries fill it: keep only the live ones. */
			memcpy(v->cont.addr, ca->addr, ca->n * sizeof(*ca->addr));
			v->cont.naddrs = ca->n;
			trimmed = true;
			i = -1U;	/* and add @add again */
			continue;
		}
		if (v->cont.naddrs == 64) {
			/* Old and new over 64: no superset fits, no index. */
			rxl_idx_drop(fw);
			fw->idx_state = RXL_IDX_NONE;
			free(v);
			return 0;
		}
		v->cont.addr[v->cont.naddrs++] = add[i];
	}
	err = rxl_idx_put(fd, RXL_IDX_CONT, id, v);
	free(v);
	if (err)
		return rxl_fail(fw, err, "writing the index: %s",
				strerror(-err));
	return 0;
}

void rxl_idx_addrs_set(struct rxl_fw *fw, __u32 id,
		       const struct rxl_addr *addrs, unsigned int n)
{
	int fd = rxl_idx_fd(fw);
	union rxl_idx_val *v;

	if (fd < 0)
		return;
	if (!n) {
		rxl_idx_del(fd, RXL_IDX_CONT, id);
		return;
	}
	v = calloc(1, sizeof(*v));
	if (!v)
		return;		/* the superset stays: right, if longer */
	v->cont.naddrs = n;
	memcpy(v->cont.addr, addrs, n * sizeof(*addrs));
	rxl_idx_put(fd, RXL_IDX_CONT, id, v);
	free(v);
}

/* ---- counter slots and rule sets --------------------------------------- */

/* Set (@on) or clear the @n slots @slot in the bitmap, @meta's hint too. */
static int rxl_idx_bits(int fd, const __u32 *slot, __u32 n, bool on,
			struct rxl_idx_meta *meta, union rxl_idx_val *v)
{
	__u32 i = 0, chunk, s;
	int err = 0;

	while (!err && i < n) {
		chunk = slot[i] / RXL_IDX_CHUNK;
		if (rxl_idx_get(fd, RXL_IDX_BITS, chunk, v))
			memset(v->bits, 0, sizeof(v->bits));
		for (; i < n && slot[i] / RXL_IDX_CHUNK == chunk; i++) {
			s = slot[i] % RXL_IDX_CHUNK;
			if (on)
				v->bits[s / 64] |= 1ULL << (s % 64);
			else
				v->bits[s / 64] &= ~(1ULL << (s % 64));
			if (!on && slot[i] / 64 < meta->hint)
				meta->hint = slot[i] / 64;
		}
		err = rxl_idx_put(fd, RXL_IDX_BITS, chunk, v);
	}
	return err;
}

/*
 * The @n lowest clear bits from the hint, into @slot (ascending). Every
 * word below the last one picked from is full afterwards: the hint moves
 * there.
 */
static int rxl_idx_find(struct rxl_fw *fw, int fd, __u32 n, __u32 *slot,
			struct rxl_idx_meta *meta, union rxl_idx_val *v)
{
	__u32 words = (fw->rule_slots + 63) / 64, w, k = 0, s;
	__u32 chunk = -1U;

	for (w = meta->hint; w < words && k < n; w++) {
		if (w / RXL_IDX_WORDS != chunk) {
			chunk = w / RXL_IDX_WORDS;
			if (rxl_idx_get(fd, RXL_IDX_BITS, chunk, v))
				memset(v->bits, 0, sizeof(v->bits));
		}
		fw->slots_visited++;
		for (s = w * 64; s < w * 64 + 64 && s < fw->rule_slots &&
		     k < n; s++)
			if (!(v->bits[w % RXL_IDX_WORDS] & (1ULL << (s % 64))))
				slot[k++] = s;
	}
	if (k < n)
		return rxl_fail(fw, -ENOSPC,
				"no room for %u rule counters (%u slots in all)",
				n, fw->rule_slots);
	meta->hint = slot[n - 1] / 64;
	return 0;
}

int rxl_idx_set_new(struct rxl_fw *fw, __u32 id, __u32 old_nrules,
		    __u64 tag, const struct rxl_entry *e, size_t ne, __u32 n,
		    __u32 *slot)
{
	__u32 max = RXL_RULES_OF_SLOTS(fw->rule_slots);
	int fd = rxl_idx_fd(fw), err;
	struct rxl_idx_meta meta;
	union rxl_idx_val *v;
	struct rxl_idx_set *set;
	size_t i, j;

	if (fd < 0)
		return 1;
	if (!n)
		return 0;	/* no keys, no slots: nothing to index */
	v = calloc(1, sizeof(*v));
	set = calloc(1, sizeof(*set));
	if (!v || !set) {
		err = rxl_fail(fw, -ENOMEM, "out of memory");
		goto out;
	}
	/* The set's keys, one per group, as rxl_write_set() writes them. */
	for (i = 0; i < ne; i = j) {
		for (j = i + 1; j < ne && rxl_same_group(&e[i], &e[j]); j++)
			;
		if (rxl_entry_any(&e[i]) >= 0)
			continue;	/* in the value: no key */
		if (set->nkeys == RXL_IDX_KEYS)
			break;
		set->key[set->nkeys].family = e[i].family;
		rxl_entry_key(&e[i], tag, &set->key[set->nkeys++].k);
	}
	if (i < ne || n > RXL_IDX_SLOTS) {
		/* Too big to index: the walks, from now on. */
		rxl_idx_drop(fw);
		fw->idx_state = RXL_IDX_NONE;
		err = 1;
		goto out;
	}
	err = rxl_idx_get(fd, RXL_IDX_META, 0, v);
	if (err == -ENOENT)
		memset(v, 0, sizeof(*v));
	else if (err) {
		err = rxl_fail(fw, err, "reading the index: %s",
			       strerror(-err));
		goto out;
	}
	err = 0;
	meta = v->meta;
	(void)id;
	if (meta.rules - old_nrules + n > max) {
		err = rxl_fail(fw, -ENOSPC,
			       "max-rules %u reached: %llu rules in all containers (the maps were sized by 'rxlane attach ... max-rules N')",
			       max, (unsigned long long)
			       (meta.rules - old_nrules + n));
		goto out;
	}
	/* Bits and the count first, the set's entry next: then its keys. */
	err = rxl_idx_find(fw, fd, n, slot, &meta, v) ?:
	      rxl_idx_bits(fd, slot, n, true, &meta, v);
	if (err)
		goto out_err;
	meta.rules += n;
	memset(v, 0, sizeof(*v));
	v->meta = meta;
	err = rxl_idx_put(fd, RXL_IDX_META, 0, v);
	if (err)
		goto out_err;
	set->nrules = n;
	set->nslots = n;
	memcpy(set->slot, slot, n * sizeof(*slot));
	memset(v, 0, sizeof(*v));
	v->set = *set;
	err = rxl_idx_put(fd, RXL_IDX_SET, tag, v);
out_err:
	if (err < 0 && err != -ENOSPC)
		err = rxl_fail(fw, err, "writing the index: %s",
			       strerror(-err));
out:
	free(set);
	free(v);
	return err;
}

int rxl_idx_set_del(struct rxl_fw *fw, __u64 tag)
{
	int fd = rxl_idx_fd(fw), err = 0;
	struct rxl_idx_set *set;
	union rxl_idx_val *v;
	struct rxl_idx_meta meta;
	__u32 i;

	if (fd < 0)
		return 1;
	v = calloc(1, sizeof(*v));
	set = calloc(1, sizeof(*set));
	if (!v || !set) {
		err = rxl_fail(fw, -ENOMEM, "out of memory");
		goto out;
	}
	if (rxl_idx_get(fd, RXL_IDX_SET, tag, v))
		goto out;	/* no set of this tag has keys */
	*set = v->set;
	for (i = 0; i < set->nkeys; i++) {
		fw->keys_walked++;
		if (bpf_map_delete_elem(set->key[i].family == 4 ? fw->rules4 :
					fw->rules6, &set->key[i].k) &&
		    errno != ENOENT) {
			err = rxl_fail(fw, -errno, "deleting rule keys: %s",
				       strerror(errno));
			goto out;	/* the entry and its slots stay */
		}
	}
	/* The keys are gone: the entry, then its slots and rules. */
	rxl_idx_del(fd, RXL_IDX_SET, tag);
	if (rxl_idx_get(fd, RXL_IDX_META, 0, v))
		memset(v, 0, sizeof(*v));
	meta = v->meta;
	if (!rxl_idx_bits(fd, set->slot, set->nslots, false, &meta, v)) {
		meta.rules -= meta.rules < set->nrules ? meta.rules
						       : set->nrules;
		memset(v, 0, sizeof(*v));
		v->meta = meta;
		rxl_idx_put(fd, RXL_IDX_META, 0, v);
	}
out:
	free(set);
	free(v);
	return err;
}

/* ---- the address cache's waiting addresses ----------------------------- */

void rxl_idx_wait(struct rxl_fw *fw, __u32 slot, const struct rxl_addr *a)
{
	int fd = rxl_idx_fd(fw);
	union rxl_idx_val *v;

	if (fd < 0)
		return;
	v = calloc(1, sizeof(*v));
	if (!v)
		return;
	v->wait = *a;
	rxl_idx_put(fd, RXL_IDX_WAIT, slot, v);
	free(v);
}

void rxl_idx_freed(struct rxl_fw *fw, __u32 slot)
{
	if (fw->idx_nfreed < RXL_IDX_FREED)
		fw->idx_freed[fw->idx_nfreed] = slot;
	fw->idx_nfreed++;
}

int rxl_idx_refill(struct rxl_fw *fw,
		   void (*put)(struct rxl_fw *fw, const struct rxl_addr *a,
			       const struct rxl_container *v))
{
	int fd = rxl_idx_fd(fw);
	union rxl_idx_val *v;
	struct rxl_container c;
	struct rxl_addr_val av;
	__u32 i;

	if (fd < 0 || !fw->idx_nfreed || fw->idx_nfreed > RXL_IDX_FREED)
		return 1;
	v = calloc(1, sizeof(*v));
	if (!v)
		return 1;
	for (i = 0; i < fw->idx_nfreed; i++) {
		if (rxl_idx_get(fd, RXL_IDX_WAIT, fw->idx_freed[i], v))
			continue;
		fw->addrs_walked++;
		if (!bpf_map_lookup_elem(rxl_addr_fd(fw, &v->wait),
					 v->wait.addr, &av)) {
			rxl_cont_value(fw, av.id, &c);
			put(fw, &v->wait, &c);
		}
		rxl_idx_del(fd, RXL_IDX_WAIT, fw->idx_freed[i]);
	}
	fw->idx_nfreed = 0;
	free(v);
	return 0;
}
