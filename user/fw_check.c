// SPDX-License-Identifier: GPL-2.0
/*
 * fw_check.c - what check and recovery look at: rule keys of no live set,
 * and a container in the maps compared with its record.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fw_priv.h"

/* ---- consistency: what check and recovery look at --------------------- */

struct rxl_tags {
	__u64 *tag;
	unsigned int n;
	unsigned char *ids;	/* max_conts: 1 if in the maps */
};

static int rxl_note_live_set(struct rxl_fw *fw, const struct rxl_addr *a,
			     const struct rxl_container *v, void *arg)
{
	struct rxl_tags *t = arg;
	unsigned int i;

	(void)a;
	if (v->id < fw->max_conts)
		t->ids[v->id] = 1;
	for (i = 0; i < t->n; i++)
		if (t->tag[i] == rxl_cont_tag(v))
			return 0;
	if (t->n < 2 * RXL_MAX_ADDRS)
		t->tag[t->n++] = rxl_cont_tag(v);
	return 0;
}

static bool rxl_tag_live(const struct rxl_tags *t, __u64 tag)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		if (t->tag[i] == tag)
			return true;
	return false;
}

static bool rxl_tag_dead(__u64 tag, const void *arg)
{
	return !rxl_tag_live(arg, tag);
}

long rxl_dead_keys_locked(struct rxl_fw *fw, bool purge)
{
	struct rxl_tags t = {
		.tag = calloc(2 * RXL_MAX_ADDRS, sizeof(__u64)),
		.ids = calloc(fw->max_conts, 1),
	};
	long dead;

	if (!t.tag || !t.ids)
		dead = rxl_fail(fw, -ENOMEM, "out of memory");
	else
		dead = rxl_walk_addrs(fw, rxl_note_live_set, &t) ?:
		       rxl_rule_keys_walk(fw, rxl_tag_dead, &t, purge);
	if (purge && dead >= 0)
		fw->keys_left = false;
	free(t.tag);
	free(t.ids);
	return dead;
}

long rxl_fw_dead_keys(struct rxl_fw *fw, bool purge)
{
	long dead = purge ? rxl_lock(fw) : 0;

	if (dead)
		return dead;
	dead = rxl_dead_keys_locked(fw, purge);
	/* A killed writer's index counts too much: made anew (fw_index.c). */
	if (purge)
		rxl_idx_drop(fw);
	if (purge)
		rxl_unlock(fw, 0);
	return dead;
}

int rxl_fw_purge_left(struct rxl_fw *fw)
{
	long ret;

	if (!fw->keys_left)
		return 0;
	ret = rxl_fw_dead_keys(fw, true);
	return ret < 0 ? (int)ret : 0;
}

int rxl_fw_container_ids(struct rxl_fw *fw, bool *present)
{
	struct rxl_tags t = {
		.tag = calloc(2 * RXL_MAX_ADDRS, sizeof(__u64)),
		.ids = calloc(fw->max_conts, 1),
	};
	unsigned int i;
	int err = 0;

	if (!t.tag || !t.ids)
		err = rxl_fail(fw, -ENOMEM, "out of memory");
	else
		err = rxl_walk_addrs(fw, rxl_note_live_set, &t);
	for (i = 0; !err && i < fw->max_conts; i++)
		present[i] = t.ids[i];
	free(t.tag);
	free(t.ids);
	return err;
}

/* The reachable ranks of a set by counter slot, ascending in both. */
struct rxl_slot_ranks {
	__u32 *slot, *rank;
	__u32 n;
	__u32 base;
};

static __u32 rxl_ref_rank(const struct rxl_slot_ranks *sr, __u32 ref)
{
	__u32 lo = 0, hi = sr->n, mid, slot;

	if (ref == RXL_NO_RULE)
		return ref;
	slot = sr->base + (ref & RXL_RULE_RANK);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sr->slot[mid] < slot)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == sr->n || sr->slot[lo] != slot)
		return RXL_NO_RULE - 1;	/* a slot of no rule: differs */
	return sr->rank[lo] | (ref & RXL_RULE_DROP);
}

/* @v's references from counter slots back to ranks, as compiled. */
static void rxl_val_to_ranks(struct rxl_rule_val *v,
			     const struct rxl_slot_ranks *sr)
{
	__u32 i;

	v->portless = rxl_ref_rank(sr, v->portless);
	for (i = 0; i < v->nsegs && i < RXL_MAX_SEGS; i++)
		v->segs[i].rule = rxl_ref_rank(sr, v->segs[i].rule);
}

/*
 * Every key the compiled @e (references: ranks) expects in @c's set, with
 * an equal verdict once the keys' slots are read back as ranks.
 */
static int rxl_verify_keys(struct rxl_fw *fw, const struct rxl_entry *e,
			   size_t n, __u64 tag, const struct rxl_slot_ranks *sr,
			   char *why, size_t len)
{
	union rxl_any_key k;
	struct rxl_rule_val want, got;
	size_t i = 0, j;
	int fd, err;

	while (i < n) {
		for (j = i + 1; j < n && rxl_same_group(&e[i], &e[j]); j++)
			;
		if (rxl_entry_any(&e[i]) >= 0) {
			i = j;	/* in the value: rxl_verify_any() */
			continue;
		}
		rxl_entry_key(&e[i], tag, &k);
		fd = e[i].family == 4 ? fw->rules4 : fw->rules6;
		err = rxl_resolve(RXL_WHY(fw), &e[i], j - i, &want);
		if (err)
			return err;
		if (bpf_map_lookup_elem(fd, &k, &got)) {
			rxl_fmt_src(&e[i], why, len);
			return 1;
		}
		rxl_val_to_ranks(&got, sr);
		if (!rxl_val_equiv(&want, &got)) {
			rxl_fmt_src(&e[i], why, len);
			return 2;
		}
		i = j;
	}
	return 0;
}

/*
 * The segments of rules from anywhere in value @v against @want's (the
 * compiled set's, references: ranks): the same verdict for every port.
 */
static int rxl_verify_any(const struct rxl_container *want,
			  const struct rxl_container *v,
			  const struct rxl_slot_ranks *sr, char *why,
			  size_t len)
{
	static const char *const what[RXL_ANY_VALS] = {
		"0.0.0.0/0 proto 6", "0.0.0.0/0 proto 17",
		"::/0 proto 6", "::/0 proto 17",
	};
	struct rxl_rule_val a, b;
	int i;

	for (i = 0; i < RXL_ANY_VALS; i++) {
		memset(&a, 0, sizeof(a));
		a.portless = RXL_NO_RULE;
		b = a;
		if (want->any_mask & RXL_ANY_BIT(i))
			a = want->any[i];
		if (v->any_mask & RXL_ANY_BIT(i)) {
			b = v->any[i];
			rxl_val_to_ranks(&b, sr);
		}
		if (!rxl_val_equiv(&a, &b)) {
			snprintf(why, len, "%s", what[i]);
			return 2;
		}
	}
	return 0;
}

int rxl_fw_container_verify(struct rxl_fw *fw, const struct rxl_cont_spec *s,
			    char *why, size_t len)
{
	struct rxl_cont_addrs *ca = calloc(1, sizeof(*ca));
	struct rxl_container want = {}, *v;
	struct rxl_entry *e = NULL;
	struct rxl_slot_ranks sr = {};
	__u32 *slot_of = NULL, r;
	char src[80];
	unsigned int i;
	size_t ne = 0;
	__u32 ifx;
	int err;

	*why = 0;
	if (!ca)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	err = rxl_container_addrs(fw, s->id, ca);
	if (err)
		goto out;
	err = 1;
	v = &ca->val;
	if (!ca->n) {
		snprintf(why, len, "not in the fast path");
		goto out;
	}
	for (i = 0; i < s->naddrs; i++)
		if (!rxl_addr_in(&s->addrs[i], ca->addr, ca->n)) {
			snprintf(why, len, "address %u missing from the fast path",
				 i);
			goto out;
		}
	if (ca->n != s->naddrs) {
		snprintf(why, len, "%u addresses in the fast path, %u recorded",
			 ca->n, s->naddrs);
		goto out;
	}
	/* Its addresses name it; its value must be live (rxl_conts). */
	if (rxl_cont_read(fw, s->id, v)) {
		snprintf(why, len, "its value is not live in rxl_conts");
		goto out;
	}
	if (!(v->flags & RXL_CONT_DEFAULT_DROP) != !s->default_drop) {
		snprintf(why, len, "default policy %s in the fast path",
			 v->flags & RXL_CONT_DEFAULT_DROP ? "drop" : "allow");
		goto out;
	}
	if (!(v->flags & RXL_CONT_EGRESS_DROP) != !s->egress_drop) {
		snprintf(why, len, "egress default policy differs");
		goto out;
	}
	if (!(v->flags & RXL_CONT_REDIRECT) != !(s->redirect_ifindex > 0) ||
	    (s->redirect_ifindex > 0 &&
	     (bpf_map_lookup_elem(fw->tx_ports, &s->id, &ifx) ||
	      (int)ifx != s->redirect_ifindex))) {
		snprintf(why, len, "redirect target differs");
		goto out;
	}
	if (v->nvnis != s->nvnis ||
	    memcmp(v->vnis, s->vnis ?: v->vnis, s->nvnis * sizeof(__u32))) {
		snprintf(why, len, "VNI bindings differ");
		goto out;
	}
	if (v->nrules != s->nrules) {
		snprintf(why, len, "%u rules in the fast path, %u recorded",
			 v->nrules, s->nrules);
		goto out;
	}
	err = rxl_expand(RXL_WHY(fw), s->rules, s->nrules, &e, &ne) ?:
	      rxl_shapes(RXL_WHY(fw), e, ne, &want);
	if (err)
		goto out;
	err = 1;
	if (!rxl_shapes_equal(&want, v)) {
		snprintf(why, len, "rule shapes differ");
		goto out;
	}
	slot_of = calloc(v->nrules ?: 1, sizeof(*slot_of));
	sr.slot = calloc(v->nrules ?: 1, sizeof(*sr.slot));
	sr.rank = calloc(v->nrules ?: 1, sizeof(*sr.rank));
	if (!slot_of || !sr.slot || !sr.rank) {
		err = rxl_fail(fw, -ENOMEM, "out of memory");
		goto out;
	}
	err = rxl_rank_slots(fw, v, e, ne, slot_of);
	if (err) {
		if (err > 0)
			snprintf(why, len, "its rule counter slots differ");
		goto out;
	}
	sr.base = v->rule_base;
	for (r = 0; r < v->nrules; r++)
		if (slot_of[r] != RXL_NO_RULE) {
			sr.slot[sr.n] = slot_of[r];
			sr.rank[sr.n++] = r;
		}
	err = rxl_any_vals(RXL_WHY(fw), e, ne, &want) ?:
	      rxl_verify_keys(fw, e, ne, rxl_cont_tag(v), &sr, src,
			      sizeof(src)) ?:
	      rxl_verify_any(&want, v, &sr, src, sizeof(src));
	if (err > 0) {
		snprintf(why, len, "rules for source %s %s", src,
			 err == 1 ? "missing from the fast path" :
			 "judge otherwise in the fast path");
		goto out;
	}
	/* Rules as recorded: the summary must not hide a port they name. */
	rxl_port_sum(e, ne, &want);
	if (!err && !rxl_port_sum_covers(v, &want)) {
		snprintf(why, len,
			 "its port summary leaves out ports its rules name");
		err = 1;
	}
out:
	free(sr.slot);
	free(sr.rank);
	free(slot_of);
	free(e);
	free(ca);
	return err;
}
