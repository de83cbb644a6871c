/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fw_compile.h - the rule compiler (fw_compile.c): struct rxl_rule in,
 * rule keys, port segments and lookup shapes out. Pure: no map, no
 * syscall, no global state; a refusal is written to @why (@len bytes) and
 * returned as -errno. The unit tests (selftests/host/fw_compile_test.c)
 * link it alone.
 */
#ifndef _RXLANE_FW_COMPILE_H
#define _RXLANE_FW_COMPILE_H

#include <string.h>

#include "fw.h"

#define RXL_MAX_GROUP_RULES	1024	/* rules under one (prefix, proto) */

/* A rule for one family, as stored: the unit of grouping. */
struct rxl_entry {
	__u8 family;		/* 4 or 6 */
	__u8 dir;		/* RXL_RULE_IN or RXL_RULE_OUT */
	__u8 plen;
	__u8 proto;
	__u8 src[16];
	__u16 lo, hi;
	__u32 ref;		/* rank | RXL_RULE_DROP */
};

union rxl_any_key {
	struct rxl_rule4_key k4;
	struct rxl_rule6_key k6;
};

/* Is @r a rule the fast path can judge? @i numbers it in messages. */
int rxl_check_rule(char *why, size_t len, const struct rxl_rule *r,
		   unsigned int i);
/* @r as the entry of @family (4 or 6) with reference @ref. */
void rxl_add_entry(struct rxl_entry *e, const struct rxl_rule *r,
		   int family, __u32 ref);
/*
 * Check and rank @rules (stable sort by priority) and expand each into
 * one entry per family it covers, sorted by group; *@out is the caller's
 * to free.
 */
int rxl_expand(char *why, size_t len, const struct rxl_rule *rules,
	       unsigned int n, struct rxl_entry **out, size_t *nout);
/* Do @x and @y share one rule key (family, dir, peer prefix, protocol)? */
int rxl_same_group(const struct rxl_entry *x, const struct rxl_entry *y);
#define RXL_SET_GEN_BITS	20
#define RXL_SET_GEN_MASK	((1U << RXL_SET_GEN_BITS) - 1)
_Static_assert(RXL_TAG_ID_BITS + RXL_SET_GEN_BITS == 32, "a tag's set");

/*
 * A rule set's tag (include/rxlane_maps.h): the keys' set in the low 32
 * bits, their set_hi above. rxl_tag() is container @id's at generation
 * @gen, rxl_cont_tag() the one @v names, rxl_key_tag() the one of rule key
 * @key (@ksz bytes: set first, set_hi last).
 */
static inline __u64 rxl_tag(__u32 id, __u32 gen)
{
	return (__u64)(id >> RXL_TAG_ID_BITS) << 32 |
	       (id & RXL_TAG_ID_MASK) << RXL_SET_GEN_BITS | gen;
}

static inline __u64 rxl_cont_tag(const struct rxl_container *v)
{
	return (__u64)(v->id >> RXL_TAG_ID_BITS) << 32 | v->set;
}

static inline __u64 rxl_key_tag(const void *key, size_t ksz)
{
	__u32 set;

	memcpy(&set, key, sizeof(set));
	return (__u64)((const __u8 *)key)[ksz - 1] << 32 | set;
}

/*
 * The entry of rxl_container.any that holds @e (an ingress rule from
 * anywhere of TCP or UDP: no rule key, no shape), or -1 for an entry kept
 * in the rule keys.
 */
static inline int rxl_entry_any(const struct rxl_entry *e)
{
	if (e->dir != RXL_RULE_IN || e->plen)
		return -1;
	return rxl_any_idx(e->family, e->proto);
}

/*
 * The segments of the entries @e (sorted, references final) that
 * rxl_entry_any() places in the value, into @c->any and @c->any_mask.
 */
int rxl_any_vals(char *why, size_t len, const struct rxl_entry *e, size_t n,
		 struct rxl_container *c);

/*
 * The port summary (rxl_container.sum) of the ingress entries @e into @c:
 * rxl_port_sum() anew from all of them, rxl_port_sum_add() one more (an
 * append). rxl_port_sum_covers(): does @have skip no packet that @want
 * would judge (every port of @want within @have, or @have's protocol not
 * summarised)?
 */
void rxl_port_sum(const struct rxl_entry *e, size_t n,
		  struct rxl_container *c);
void rxl_port_sum_add(struct rxl_container *c, const struct rxl_entry *e);
bool rxl_port_sum_covers(const struct rxl_container *have,
			 const struct rxl_container *want);

/* The rule key of @e's group in set @tag. */
void rxl_entry_key(const struct rxl_entry *e, __u64 tag, union rxl_any_key *k);
/* Resolve the @n entries of one group into disjoint port segments in @v. */
int rxl_resolve(char *why, size_t len, const struct rxl_entry *e,
		size_t n, struct rxl_rule_val *v);
/* The lookup shapes of the sorted entries @e into @c; E2BIG past the max. */
int rxl_shapes(char *why, size_t len, const struct rxl_entry *e, size_t n,
	       struct rxl_container *c);
/* Does @c look up the shape of @e already? 0, else -EAGAIN. */
int rxl_has_shape(struct rxl_container *c, const struct rxl_entry *e);
/*
 * Give the ports of [@lo, @hi] no segment of @v covers to @ref (a rule
 * judged after all of @v's); -EAGAIN past RXL_MAX_SEGS segments.
 */
int rxl_fill_ports(struct rxl_rule_val *v, __u32 lo, __u32 hi,
		   __u32 ref, bool *changed);
/* The rule judging @port (-1: a packet without ports) in @v. */
__u32 rxl_val_judge(const struct rxl_rule_val *v, int port);
/* Same verdict for every port? */
bool rxl_val_equiv(const struct rxl_rule_val *a,
		   const struct rxl_rule_val *b);
bool rxl_shapes_equal(const struct rxl_container *a,
		      const struct rxl_container *b);
/* "SRC/PLEN proto N" of @e, for messages. */
void rxl_fmt_src(const struct rxl_entry *e, char *buf, size_t len);

#endif /* _RXLANE_FW_COMPILE_H */
