/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rxl_firewall.h - per-container rule lookup by tuple-space search.
 *
 * A container's rule set is stored as hash entries keyed by (set tag,
 * masked source, prefix length, protocol or 0 for any); each entry holds
 * that key's rules resolved into disjoint destination-port segments. The
 * container's value lists the distinct (prefix length, any-protocol)
 * shapes of its set, at most RXL_MAX_SHAPES per family. Judging a packet
 * costs one hash lookup per shape and a scan of at most RXL_MAX_SEGS
 * segments: the cost depends on the shapes present, never on the number
 * of rules. Ingress TCP and UDP rules from anywhere (/0) have no shape and
 * no key: their segments are in the container value (rxl_any_rule()). The
 * lowest rank over all matches wins.
 */
#ifndef _RXL_FIREWALL_H
#define _RXL_FIREWALL_H

#include "rxl_maps.h"
#include "rxl_parse.h"

static __always_inline __u32 rxl_rank(__u32 rule)
{
	return rule & RXL_RULE_RANK;
}

/* The rule of @v that judges this packet, or RXL_NO_RULE. */
static __always_inline __u32 rxl_seg_match(const struct rxl_rule_val *v,
					   const struct rxl_pkt *p)
{
	__u32 n = v->nsegs;
	int i;

	if (!p->has_ports)
		return v->portless;
#pragma unroll
	for (i = 0; i < RXL_MAX_SEGS; i++) {
		if (i >= n || p->dport < v->segs[i].lo)
			break;
		if (p->dport <= v->segs[i].hi)
			return v->segs[i].rule;
	}
	return RXL_NO_RULE;
}

static __always_inline __u32 rxl_better(__u32 best, __u32 rule)
{
	return rxl_rank(rule) < rxl_rank(best) ? rule : best;
}

/*
 * @rule as @c's value has it: a rule past the set's last rank is one an
 * append is still writing into the keys (the other family's key may not
 * have it yet): no rule until the value that lists it is live. An
 * appended rule is judged after every other, so it only ever fills a
 * port range no earlier rule had: ignoring it is the state before.
 */
static __always_inline __u32 rxl_live_rule(const struct rxl_container *c,
					   __u32 rule)
{
	return rule != RXL_NO_RULE && rxl_rank(rule) > c->last_rank ?
	       RXL_NO_RULE : rule;
}

/*
 * rxl_judge4() and rxl_judge6() are inlined: as global functions (checked
 * once by the verifier) each call and return cost about 10 ns on a host
 * with return thunks (SRSO "safe RET"), 6 % of the VXLAN path. The price
 * is a longer verification (about twice the instructions processed, still
 * a fifth of the limit). The shapes carry their masks: a branch per mask
 * would multiply the paths. A shape none of whose rules names the
 * packet's protocol (rxl_shape.protos) is skipped: its lookup could only
 * miss, and a missing lookup is the dearest step left on a host without
 * the SRSO thunk (Documentation/performance.rst).
 */
/*
 * The rule of IPv4 shape @i of @c that judges the packet, or RXL_NO_RULE.
 * @key holds the set tag; its other fields are rewritten.
 */
static __always_inline __u32 rxl_shape4(const struct rxl_container *c,
					const struct rxl_pkt *p,
					struct rxl_rule4_key *key, __u32 i,
					__u32 pbit)
{
	const struct rxl_shape *sh = &c->shapes4[i];
	const struct rxl_rule_val *v;
	__u32 pm = sh->protos;

	if (pm && !(pm & pbit))
		return RXL_NO_RULE;
	key->plen = sh->plen;
	key->proto = sh->any_proto ? 0 : p->proto;
	key->src = p->saddr4 & sh->mask[0];
	v = bpf_map_lookup_elem(&rxl_rules4, key);
	return v ? rxl_seg_match(v, p) : RXL_NO_RULE;
}

/* As rxl_shape4(), for IPv6 shape @i. */
static __always_inline __u32 rxl_shape6(const struct rxl_container *c,
					const struct rxl_pkt *p,
					struct rxl_rule6_key *key, __u32 i,
					__u32 pbit)
{
	const struct rxl_shape *sh = &c->shapes6[i];
	const __u32 *src = (const __u32 *)p->saddr6.addr;
	__u32 *dst = (__u32 *)key->src;
	const struct rxl_rule_val *v;
	__u32 pm = sh->protos;
	int w;

	if (pm && !(pm & pbit))
		return RXL_NO_RULE;
	key->plen = sh->plen;
	key->proto = sh->any_proto ? 0 : p->proto;
#pragma unroll
	for (w = 0; w < 4; w++)
		dst[w] = src[w] & sh->mask[w];
	v = bpf_map_lookup_elem(&rxl_rules6, key);
	return v ? rxl_seg_match(v, p) : RXL_NO_RULE;
}

/*
 * The rule of @c's ingress /0 rules of the packet's protocol (TCP or UDP,
 * IPv6 when @v6) that judges it, or RXL_NO_RULE: their segments are in
 * the value itself (rxl_container.any), so no hash lookup. @v6 is a
 * constant: the index is 0..3 and the verifier bounds it. A value with no
 * such rule (any_mask 0: a set judged by its keys alone) costs one load
 * and one branch, not the protocol tests (issue 17: they made the plain
 * TCP case 1.5 ns dearer).
 */
static __always_inline __u32 rxl_any_rule(const struct rxl_container *c,
					  const struct rxl_pkt *p, __u32 v6)
{
	__u32 mask = c->any_mask, i = v6 ? 2 : 0;

	if (!mask)
		return RXL_NO_RULE;
	if (p->proto == RXL_IPPROTO_UDP)
		i++;
	else if (p->proto != RXL_IPPROTO_TCP)
		return RXL_NO_RULE;
	if (!(mask & RXL_ANY_BIT(i)))
		return RXL_NO_RULE;
	return rxl_seg_match(&c->any[i & 3], p);
}

/**
 * rxl_port_unruled() - can no ingress rule of @c judge packet @p?
 * @c: the container's live value
 * @p: the parsed packet
 *
 * True when @p is TCP or UDP with ports, the value's port summary of that
 * protocol is valid (rxl_container.sum_valid) and @p's destination port
 * lies in none of its ranges: every rule lookup would miss, so the
 * default policy judges, as after a judgement that found no rule. Costs
 * a load and a branch for a value without a summary, else a test of each
 * of its RXL_SUM_RANGES ranges.
 *
 * Context: softirq (XDP).
 * Return: 1 when no rule can match, else 0 (judge the packet).
 */
static __always_inline int rxl_port_unruled(const struct rxl_container *c,
					    const struct rxl_pkt *p)
{
	const struct rxl_port_range *r;
	__u32 valid = c->sum_valid, i, n, in = 0;
	int k;

	if (!valid || !p->has_ports)
		return 0;
	if (p->proto == RXL_IPPROTO_TCP)
		i = RXL_SUM_TCP;
	else if (p->proto == RXL_IPPROTO_UDP)
		i = RXL_SUM_UDP;
	else
		return 0;
	if (!(valid & (1U << i)))
		return 0;
	n = c->sum_n[i];
	r = c->sum[i];
	/* No early exit: a loop with one is not unrolled here (clang 14). */
#pragma unroll
	for (k = 0; k < RXL_SUM_RANGES; k++)
		in |= k < n && r[k].lo <= p->dport && p->dport <= r[k].hi;
	return !in;
}

/*
 * The /0 TCP and UDP rules are read from the value first
 * (rxl_any_rule()); a set with no other shape (the common case: rules
 * from anywhere that differ only in ports and protocol) needs no lookup at
 * all. A set of one or two shapes is judged without the loop. The lowest
 * rank over the value's segments and all shapes wins.
 */
static __always_inline __u32 rxl_judge4(const struct rxl_container *c,
					const struct rxl_pkt *p)
{
	struct rxl_rule4_key key = {};
	__u32 best = rxl_any_rule(c, p, 0), n = c->nshapes4, pbit;
	int i;

	if (!n)
		return rxl_live_rule(c, best);
	key.set = c->set;
	key.set_hi = c->id >> RXL_TAG_ID_BITS;
	pbit = rxl_proto_bit(p->proto);
	if (n == 1)
		return rxl_live_rule(c, rxl_better(best,
					rxl_shape4(c, p, &key, 0, pbit)));
	if (n == 2)
		return rxl_live_rule(c, rxl_better(best,
				     rxl_better(rxl_shape4(c, p, &key, 0, pbit),
						rxl_shape4(c, p, &key, 1, pbit))));
	for (i = 0; i < RXL_MAX_SHAPES; i++) {
		if (i >= n)
			break;
		best = rxl_better(best, rxl_shape4(c, p, &key, i, pbit));
	}
	return rxl_live_rule(c, best);
}

static __always_inline __u32 rxl_judge6(const struct rxl_container *c,
					const struct rxl_pkt *p)
{
	struct rxl_rule6_key key = {};
	__u32 best = rxl_any_rule(c, p, 1), n = c->nshapes6, pbit;
	int i;

	if (!n)
		return rxl_live_rule(c, best);
	key.set = c->set;
	key.set_hi = c->id >> RXL_TAG_ID_BITS;
	pbit = rxl_proto_bit(p->proto);
	if (n == 1)
		return rxl_live_rule(c, rxl_better(best,
					rxl_shape6(c, p, &key, 0, pbit)));
	if (n == 2)
		return rxl_live_rule(c, rxl_better(best,
				     rxl_better(rxl_shape6(c, p, &key, 0, pbit),
						rxl_shape6(c, p, &key, 1, pbit))));
	for (i = 0; i < RXL_MAX_SHAPES; i++) {
		if (i >= n)
			break;
		best = rxl_better(best, rxl_shape6(c, p, &key, i, pbit));
	}
	return rxl_live_rule(c, best);
}

/*
 * Egress rules (tc program): the out shapes of @c, from the end of its
 * shape arrays (RXL_OUT_SHAPE()), judged with the key's dir set. @p is
 * the packet seen from the peer's side: its saddr4/saddr6 is the
 * packet's destination (the peer), dport and has_ports the peer's port,
 * proto the protocol. The ingress judges above never read these shapes.
 */
static __always_inline __u32 rxl_out4_shape(const struct rxl_shape *sh,
					    const struct rxl_pkt *p,
					    struct rxl_rule4_key *key,
					    __u32 pbit)
{
	const struct rxl_rule_val *v;
	__u32 pm = sh->protos;

	if (pm && !(pm & pbit))
		return RXL_NO_RULE;
	key->plen = sh->plen;
	key->proto = sh->any_proto ? 0 : p->proto;
	key->src = p->saddr4 & sh->mask[0];
	v = bpf_map_lookup_elem(&rxl_rules4, key);
	return v ? rxl_seg_match(v, p) : RXL_NO_RULE;
}

static __always_inline __u32 rxl_judge_out4(const struct rxl_container *c,
					    const struct rxl_pkt *p)
{
	struct rxl_rule4_key key = { .set = c->set, .dir = RXL_RULE_OUT,
				     .set_hi = c->id >> RXL_TAG_ID_BITS };
	__u32 best = RXL_NO_RULE, n = rxl_nout4(c), pbit;
	int i;

	pbit = rxl_proto_bit(p->proto);
	for (i = 0; i < RXL_MAX_SHAPES; i++) {
		if (i >= n)
			break;
		best = rxl_better(best,
				  rxl_out4_shape(&c->shapes4[RXL_OUT_SHAPE(i)],
						 p, &key, pbit));
	}
	return rxl_live_rule(c, best);
}

static __always_inline __u32 rxl_out6_shape(const struct rxl_shape *sh,
					    const struct rxl_pkt *p,
					    struct rxl_rule6_key *key,
					    __u32 pbit)
{
	const __u32 *src = (const __u32 *)p->saddr6.addr;
	__u32 *dst = (__u32 *)key->src, pm = sh->protos;
	const struct rxl_rule_val *v;
	int w;

	if (pm && !(pm & pbit))
		return RXL_NO_RULE;
	key->plen = sh->plen;
	key->proto = sh->any_proto ? 0 : p->proto;
#pragma unroll
	for (w = 0; w < 4; w++)
		dst[w] = src[w] & sh->mask[w];
	v = bpf_map_lookup_elem(&rxl_rules6, key);
	return v ? rxl_seg_match(v, p) : RXL_NO_RULE;
}

static __always_inline __u32 rxl_judge_out6(const struct rxl_container *c,
					    const struct rxl_pkt *p)
{
	struct rxl_rule6_key key = { .set = c->set, .dir = RXL_RULE_OUT,
				     .set_hi = c->id >> RXL_TAG_ID_BITS };
	__u32 best = RXL_NO_RULE, n = rxl_nout6(c), pbit;
	int i;

	pbit = rxl_proto_bit(p->proto);
	for (i = 0; i < RXL_MAX_SHAPES; i++) {
		if (i >= n)
			break;
		best = rxl_better(best,
				  rxl_out6_shape(&c->shapes6[RXL_OUT_SHAPE(i)],
						 p, &key, pbit));
	}
	return rxl_live_rule(c, best);
}

#endif /* _RXL_FIREWALL_H */
