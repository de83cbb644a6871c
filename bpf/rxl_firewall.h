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
 * of rules. The lowest rank over all matches wins.
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
static __always_inline __u32 rxl_judge4(const struct rxl_container *c,
			  const struct rxl_pkt *p)
{
	struct rxl_rule4_key key = {};
	__u32 best = RXL_NO_RULE, n, pbit, pm;
	const struct rxl_rule_val *v;
	int i;

	key.set = c->set;
	n = c->nshapes4;
	pbit = rxl_proto_bit(p->proto);

	for (i = 0; i < RXL_MAX_SHAPES; i++) {
		if (i >= n)
			break;
		pm = c->shapes4[i].protos;
		if (pm && !(pm & pbit))
			continue;
		key.plen = c->shapes4[i].plen;
		key.proto = c->shapes4[i].any_proto ? 0 : p->proto;
		key.src = p->saddr4 & c->shapes4[i].mask[0];
		v = bpf_map_lookup_elem(&rxl_rules4, &key);
		if (v)
			best = rxl_better(best, rxl_seg_match(v, p));
	}
	return best;
}

static __always_inline __u32 rxl_judge6(const struct rxl_container *c,
			  const struct rxl_pkt *p)
{
	struct rxl_rule6_key key = {};
	__u32 best = RXL_NO_RULE, n, pbit, pm;
	const __u32 *src;
	const struct rxl_rule_val *v;
	__u32 *dst = (__u32 *)key.src;
	int i, w;

	key.set = c->set;
	n = c->nshapes6;
	pbit = rxl_proto_bit(p->proto);
	src = (const __u32 *)p->saddr6.addr;

	for (i = 0; i < RXL_MAX_SHAPES; i++) {
		if (i >= n)
			break;
		pm = c->shapes6[i].protos;
		if (pm && !(pm & pbit))
			continue;
		key.plen = c->shapes6[i].plen;
		key.proto = c->shapes6[i].any_proto ? 0 : p->proto;
#pragma unroll
		for (w = 0; w < 4; w++)
			dst[w] = src[w] & c->shapes6[i].mask[w];
		v = bpf_map_lookup_elem(&rxl_rules6, &key);
		if (v)
			best = rxl_better(best, rxl_seg_match(v, p));
	}
	return best;
}

#endif /* _RXL_FIREWALL_H */
