// SPDX-License-Identifier: GPL-2.0
/*
 * fw_slots.c - rule counter slots: which are in use, which a new set or an
 * appended rule gets, and which slot counts for which rank.
 *
 * A rule reference in a rule key is its counter slot (minus the set's
 * rule_base, 0 for every set written by this build), not its rank: a set
 * of N rules gets the N lowest free slots in rank order, so "lowest
 * reference wins" still means "best rank wins" within the set, and no run
 * of N free slots is needed. A slot is in use while a key of a live set
 * (one a container's value names), or that value's own segments of rules
 * from anywhere (rxl_container.any), refers to it; a set stops being live
 * only after a flip away from it and a grace period, so a slot is reused
 * only after that (Documentation/fastpath.rst, "Rule counters").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fw_priv.h"

/* A live set: its tag and the base its references count from. */
struct rxl_live {
	__u64 tag;
	__u32 base;
};

/*
 * The live sets; @fn, when set, is called with every slot their values'
 * any segments refer to (rxl_any_slots()), which no key names.
 */
struct rxl_lives {
	struct rxl_live *l;
	size_t n;
	rxl_slot_fn fn;
	void *arg;
};

static int rxl_live_collect(struct rxl_fw *fw, const struct rxl_addr *a,
			    const struct rxl_container *v, void *arg)
{
	struct rxl_lives *lv = arg;

	(void)fw;
	(void)a;
	if (v->nrules && lv->fn)
		rxl_any_slots(v, lv->fn, lv->arg);
	if (v->nrules && lv->n < 2 * RXL_MAX_ADDRS)
		lv->l[lv->n++] = (struct rxl_live){ rxl_cont_tag(v),
						    v->rule_base };
	return 0;
}

static int rxl_cmp_live(const void *a, const void *b)
{
	const struct rxl_live *x = a, *y = b;

	return x->tag < y->tag ? -1 : x->tag > y->tag;
}

/* Sorted, without repeats (a container's addresses share one value). */
static void rxl_lives_sort(struct rxl_lives *lv)
{
	size_t i, m = 0;

	if (!lv->n)
		return;		/* lv->l may be NULL: qsort() wants an array */
	qsort(lv->l, lv->n, sizeof(*lv->l), rxl_cmp_live);
	for (i = 0; i < lv->n; i++)
		if (!m || lv->l[m - 1].tag != lv->l[i].tag)
			lv->l[m++] = lv->l[i];
	lv->n = m;
}

/*
 * Call @fn for each rule @v refers to: its slot (@base + rank), with the
 * reference's RXL_RULE_DROP bit when @keep has it.
 */
static void rxl_val_each(const struct rxl_rule_val *v, __u32 base,
			 __u32 keep, rxl_slot_fn fn, void *arg)
{
	__u32 i, ref;

	if (v->portless != RXL_NO_RULE)
		fn(arg, (base + (v->portless & RXL_RULE_RANK)) |
			(v->portless & keep));
	for (i = 0; i < v->nsegs && i < RXL_MAX_SEGS; i++) {
		ref = v->segs[i].rule;
		if (ref != RXL_NO_RULE)
			fn(arg, (base + (ref & RXL_RULE_RANK)) | (ref & keep));
	}
}

void rxl_val_slots(const struct rxl_rule_val *v, __u32 base,
		   rxl_slot_fn fn, void *arg)
{
	rxl_val_each(v, base, 0, fn, arg);
}

static void rxl_any_each(const struct rxl_container *c, __u32 keep,
			 rxl_slot_fn fn, void *arg)
{
	__u32 a;

	for (a = 0; a < RXL_ANY_VALS; a++)
		if (c->any_mask & RXL_ANY_BIT(a))
			rxl_val_each(&c->any[a], c->rule_base, keep, fn, arg);
}

void rxl_any_slots(const struct rxl_container *c, rxl_slot_fn fn, void *arg)
{
	rxl_any_each(c, 0, fn, arg);
}

/* rxl_refs_walk()'s state across the batches. */
struct rxl_refs {
	const struct rxl_lives *lv;
	rxl_slot_fn fn;
	void *arg;
};

static int rxl_refs_batch(struct rxl_fw *fw, int fd, __u8 *keys,
			  struct rxl_rule_val *vals, __u32 n, size_t ksz,
			  void *arg)
{
	const struct rxl_refs *r = arg;
	struct rxl_live want, *hit;
	__u32 i;

	(void)fw;
	(void)fd;
	for (i = 0; i < n; i++) {
		want.tag = rxl_key_tag(keys + i * ksz, ksz);
		hit = bsearch(&want, r->lv->l, r->lv->n, sizeof(*r->lv->l),
			      rxl_cmp_live);
		if (hit)
			rxl_val_slots(&vals[i], hit->base, r->fn, r->arg);
	}
	return 0;
}

/*
 * Call @fn for every counter slot a key of a set in @lv (sorted) refers
 * to, in both rule maps (rxl_rule_batches()).
 */
static int rxl_refs_walk(struct rxl_fw *fw, const struct rxl_lives *lv,
			 rxl_slot_fn fn, void *arg)
{
	struct rxl_refs r = { .lv = lv, .fn = fn, .arg = arg };

	return lv->n ? rxl_rule_batches(fw, rxl_refs_batch, &r) : 0;
}

/*
 * Call @fn for every counter slot the set of @v refers to: its keys' and
 * its value's any segments'.
 */
static int rxl_set_refs(struct rxl_fw *fw, const struct rxl_container *v,
			rxl_slot_fn fn, void *arg)
{
	struct rxl_live one = { rxl_cont_tag(v), v->rule_base };
	struct rxl_lives lv = { .l = &one, .n = 1 };

	rxl_any_slots(v, fn, arg);
	return rxl_refs_walk(fw, &lv, fn, arg);
}

/* Slots in use: a byte per slot of rxl_rule_cnt. */
struct rxl_used {
	__u8 *map;
	__u32 n;
};

static void rxl_mark_used(void *arg, __u32 slot)
{
	struct rxl_used *u = arg;

	if (slot < u->n)
		u->map[slot] = 1;
}

/* Which counter slots a key of any live set refers to, into @u. */
static int rxl_slots_in_use(struct rxl_fw *fw, struct rxl_used *u)
{
	struct rxl_lives lv = {
		.l = calloc(2 * RXL_MAX_ADDRS, sizeof(*lv.l)),
		.fn = rxl_mark_used,
		.arg = u,
	};
	int err;

	u->n = fw->rule_slots;
	u->map = calloc(u->n ?: 1, 1);
	if (!lv.l || !u->map) {
		free(lv.l);
		return rxl_fail(fw, -ENOMEM, "out of memory");
	}
	err = rxl_walk_addrs(fw, rxl_live_collect, &lv);
	if (!err) {
		rxl_lives_sort(&lv);
		err = rxl_refs_walk(fw, &lv, rxl_mark_used, u);
	}
	free(lv.l);
	return err;
}

int rxl_slots_pick(struct rxl_fw *fw, __u32 n, __u32 *slots)
{
	struct rxl_used u = {};
	__u32 s, k = 0;
	int err;

	if (!n)
		return 0;
	err = rxl_slots_in_use(fw, &u);
	for (s = 0; !err && s < u.n && k < n; s++)
		if (!u.map[s])
			slots[k++] = s;
	if (!err && k < n)
		err = rxl_fail(fw, -ENOSPC,
			       "no room for %u rule counters (%u slots in all)",
			       n, fw->rule_slots);
	free(u.map);
	return err;
}

/* The highest slot of one set. */
struct rxl_top {
	__u32 top;
	bool any;
};

static void rxl_note_top(void *arg, __u32 slot)
{
	struct rxl_top *t = arg;

	if (!t->any || slot > t->top)
		t->top = slot;
	t->any = true;
}

int rxl_slot_after(struct rxl_fw *fw, const struct rxl_container *v,
		   __u32 *slot)
{
	struct rxl_top t = {};
	struct rxl_used u = {};
	__u32 s;
	int err;

	err = rxl_set_refs(fw, v, rxl_note_top, &t) ?:
	      rxl_slots_in_use(fw, &u);
	if (err)
		goto out;
	/* A set of old that counted from a base: never below it. */
	s = t.any ? t.top + 1 : v->rule_base;
	while (s < u.n && u.map[s])
		s++;
	*slot = s;
	if (s >= u.n || s - v->rule_base >= RXL_RULE_RANK)
		err = -EAGAIN;
out:
	free(u.map);
	return err;
}

void rxl_refs_to_slots(struct rxl_entry *e, size_t ne, const __u32 *slots)
{
	size_t i;

	for (i = 0; i < ne; i++)
		e[i].ref = slots[e[i].ref & RXL_RULE_RANK] |
			   (e[i].ref & RXL_RULE_DROP);
}

/* ---- which slot counts for which rank ------------------------------------ */

struct rxl_slot_list {
	__u32 *s;
	size_t n, cap;
};

static void rxl_list_add(void *arg, __u32 slot)
{
	struct rxl_slot_list *l = arg;
	__u32 *grown;

	if (l->n == l->cap) {
		grown = realloc(l->s, (l->cap * 2 + 64) * sizeof(*l->s));
		if (!grown)
			return;		/* counted short: seen as a mismatch */
		l->s = grown;
		l->cap = l->cap * 2 + 64;
	}
	l->s[l->n++] = slot;
}

static int rxl_cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static void rxl_list_uniq(struct rxl_slot_list *l)
{
	size_t i, m = 0;

	if (!l->n)
		return;		/* l->s may be NULL: qsort() wants an array */
	qsort(l->s, l->n, sizeof(*l->s), rxl_cmp_u32);
	for (i = 0; i < l->n; i++)
		if (!m || l->s[m - 1] != l->s[i])
			l->s[m++] = l->s[i];
	l->n = m;
}

static void rxl_mark_rank(void *arg, __u32 rank)
{
	struct rxl_used *u = arg;

	if (rank < u->n)
		u->map[rank] = 1;
}

/**
 * rxl_rank_slots() - the counter slot of each rank of a live set
 * @fw: the maps
 * @v: the container's value (names the set)
 * @e: the set's rules compiled by rxl_expand() (references are ranks)
 * @ne: entries in @e
 * @slot: out, v->nrules entries: the slot of each rank, RXL_NO_RULE for
 *	a rule no key refers to (earlier rules shadow it: it judges, and
 *	counts, nothing)
 *
 * The set's slots ascend with rank, so the k-th rank that some key names
 * counts in the k-th lowest slot the set's keys refer to.
 *
 * Return: 0; 1 when the set's keys name another number of slots than the
 * rules compile to (the maps are not this set); or -errno.
 */
int rxl_rank_slots(struct rxl_fw *fw, const struct rxl_container *v,
		   const struct rxl_entry *e, size_t ne, __u32 *slot)
{
	struct rxl_used ranks = { .n = v->nrules };
	struct rxl_slot_list l = {};
	struct rxl_rule_val val;
	size_t i = 0, j, k = 0;
	__u32 r;
	int err;

	ranks.map = calloc(v->nrules ?: 1, 1);
	if (!ranks.map)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	while (i < ne) {
		for (j = i + 1; j < ne && rxl_same_group(&e[i], &e[j]); j++)
			;
		err = rxl_resolve(RXL_WHY(fw), &e[i], j - i, &val);
		if (err)
			goto out;
		rxl_val_slots(&val, 0, rxl_mark_rank, &ranks);
		i = j;
	}
	err = rxl_set_refs(fw, v, rxl_list_add, &l);
	if (err)
		goto out;
	rxl_list_uniq(&l);
	for (r = 0; r < v->nrules; r++) {
		slot[r] = RXL_NO_RULE;
		if (ranks.map[r] && k < l.n)
			slot[r] = l.s[k];
		k += ranks.map[r];
	}
	err = k != l.n;
out:
	free(l.s);
	free(ranks.map);
	return err;
}

int rxl_fw_rule_slots(struct rxl_fw *fw, __u32 id,
		      const struct rxl_rule *rules, unsigned int n,
		      __u32 *slot)
{
	struct rxl_cont_addrs *ca = calloc(1, sizeof(*ca));
	struct rxl_entry *e = NULL;
	size_t ne = 0;
	int err;

	if (!ca)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	err = rxl_container_addrs(fw, id, ca);
	if (!err && !ca->n)
		err = rxl_fail(fw, -ENOENT, "container %u does not exist", id);
	if (!err && ca->val.nrules != n)
		err = 1;
	if (!err)
		err = rxl_expand(RXL_WHY(fw), rules, n, &e, &ne) ?:
		      rxl_rank_slots(fw, &ca->val, e, ne, slot);
	free(e);
	free(ca);
	return err;
}

int rxl_fw_rule_counter(struct rxl_fw *fw, __u32 id, __u32 rank,
			struct rxl_counter *out)
{
	struct rxl_cont_addrs *ca = calloc(1, sizeof(*ca));
	struct rxl_slot_list l = {};
	int err;

	if (!ca)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	err = rxl_container_addrs(fw, id, ca);
	if (!err && !ca->n)
		err = rxl_fail(fw, -ENOENT, "container %u does not exist", id);
	if (!err && rank >= ca->val.nrules)
		err = rxl_fail(fw, -ENOENT, "container %u has %u rules, no rank %u",
			       id, ca->val.nrules, rank);
	if (err)
		goto out;
	err = rxl_set_refs(fw, &ca->val, rxl_list_add, &l);
	if (err)
		goto out;
	rxl_list_uniq(&l);
	if (l.n != ca->val.nrules)
		err = rxl_fail(fw, -ENOENT,
			       "container %u: %zu of its %u rules judge anything: rank %u's counter needs its rules (rxl_fw_rule_slots())",
			       id, l.n, ca->val.nrules, rank);
	else
		err = rxl_sum_rule(fw, l.s[rank], out);
out:
	free(l.s);
	free(ca);
	return err;
}

/* ---- what a set counted, for its container ------------------------------ */

/* rxl_in_refs_batch()'s state: the set, and its references so far. */
struct rxl_in_refs {
	__u64 tag;
	__u32 base;
	struct rxl_slot_list *l;
};

/* The references, drop bit kept, of the batch's ingress keys of one set. */
static int rxl_in_refs_batch(struct rxl_fw *fw, int fd, __u8 *keys,
			     struct rxl_rule_val *vals, __u32 n, size_t ksz,
			     void *arg)
{
	const struct rxl_in_refs *r = arg;
	const __u8 *key;
	__u8 dir;
	__u32 i;

	(void)fw;
	(void)fd;
	for (i = 0; i < n; i++) {
		key = keys + i * ksz;
		dir = ksz == sizeof(struct rxl_rule4_key) ?
		      ((const struct rxl_rule4_key *)key)->dir :
		      ((const struct rxl_rule6_key *)key)->dir;
		if (dir == RXL_RULE_IN && rxl_key_tag(key, ksz) == r->tag)
			rxl_val_each(&vals[i], r->base, RXL_RULE_DROP,
				     rxl_list_add, r->l);
	}
	return 0;
}

/**
 * rxl_set_totals() - what the ingress rules of a set counted
 * @fw: the maps
 * @v: a container's value (names the set: live, or retired and not yet
 *	deleted)
 * @out: its allow rules' counts as pass, its drop rules' as drop
 *
 * The program counts a packet an ingress rule judged on that rule alone
 * (bpf/rxl_fastpath.h): these are the container's share of its pass and
 * drop totals that rxl_cont_cnt does not hold. Egress rules (out keys,
 * the tc program's) count on their rules only and never did on the
 * container. Each slot is counted once, however many segments name it.
 * Reads every rule key once (batched).
 *
 * Return: 0 or -errno (message in @fw).
 */
int rxl_set_totals(struct rxl_fw *fw, const struct rxl_container *v,
		   struct rxl_cont_counter *out)
{
	struct rxl_slot_list l = {};
	struct rxl_in_refs r = { rxl_cont_tag(v), v->rule_base, &l };
	struct rxl_counter c, *to;
	size_t i;
	int err;

	memset(out, 0, sizeof(*out));
	if (!v->nrules)
		return 0;
	rxl_any_each(v, RXL_RULE_DROP, rxl_list_add, &l);
	err = rxl_rule_batches(fw, rxl_in_refs_batch, &r);
	if (!err)
		rxl_list_uniq(&l);
	for (i = 0; !err && i < l.n; i++) {
		err = rxl_sum_rule(fw, l.s[i] & RXL_RULE_RANK, &c);
		to = l.s[i] & RXL_RULE_DROP ? &out->drop : &out->pass;
		to->packets += c.packets;
		to->bytes += c.bytes;
	}
	free(l.s);
	return err;
}
