/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rxl_fastpath.h - the rxlane fast path for one frame, shared by the XDP
 * entry point (rxlane_xdp.bpf.c) and the benchmark's object.
 *
 * Packet walk (Documentation/fastpath.rst):
 *   parse Ethernet/VLAN/IP -> destination is a local VTEP and the packet
 *   is VXLAN/GENEVE/NVGRE? decap (known VNI only) and parse the inner frame
 *   -> container by destination address -> L4 header -> ND bypass -> rules
 *   (tuple-space search) -> default policy -> counters -> PASS / DROP /
 *   REDIRECT through rxl_tx_ports.
 */
#ifndef _RXL_FASTPATH_H
#define _RXL_FASTPATH_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "rxl_consts.h"
#include "rxl_maps.h"
#include "rxl_parse.h"
#include "rxl_decap.h"
#include "rxl_firewall.h"
#include "rxl_ct.h"
#include "rxl_frag.h"

static __always_inline void rxl_count(void *map, __u32 idx)
{
	__u64 *cnt = bpf_map_lookup_elem(map, &idx);

	if (cnt)
		*cnt += 1;
}

static __always_inline int rxl_drop(__u32 reason)
{
	rxl_count(&rxl_drops, reason);
	return XDP_DROP;
}

static __always_inline void rxl_add(struct rxl_counter *c, __u64 bytes)
{
	c->packets++;
	c->bytes += bytes;
}

/* Length of the frame judged: the inner frame of a tunnel packet. */
static __always_inline __u64 rxl_frame_len(const struct rxl_pkt *p)
{
	return p->len - p->base;
}

static __always_inline int rxl_cont_drop(const struct rxl_container *c,
					 const struct rxl_pkt *p, __u32 reason)
{
	struct rxl_cont_counter *cc;
	__u32 id = c->id;

	cc = bpf_map_lookup_elem(&rxl_cont_cnt, &id);
	if (cc)
		rxl_add(&cc->drop, rxl_frame_len(p));
	return rxl_drop(reason);
}

/*
 * Delivery of an allowed packet whose container has a device
 * (RXL_CONT_REDIRECT): 0 passes it to the stack like every other, 1
 * redirects it through rxl_tx_ports. Each attachment is its own program
 * instance: the loader sets this in .rodata before load (rxlane attach
 * DEV redirect); iproute2 leaves it 0. The map is frozen, so the verifier
 * knows the value and removes the branch not taken: off costs nothing.
 */
const volatile __u32 rxl_deliver_redirect = 0;

/*
 * Delivers a frame of @len bytes (the frame judged, so computed before the
 * strip: no reload of the packet pointers after the helper call) and
 * counts it once: on @rc, the counter of the allow rule that judged it,
 * which stands for its container's too (userspace adds a live set's rule
 * counters to the container's: Documentation/fastpath.rst, "Counters"),
 * or, with @rc NULL, on its container.
 */
static __always_inline int rxl_deliver(const struct rxl_container *c,
				       struct xdp_md *ctx, __u64 len,
				       struct rxl_counter *rc)
{
	struct rxl_cont_counter *cc;
	__u32 id = c->id;
	int act;

	if (rc) {
		rxl_add(rc, len);
	} else {
		cc = bpf_map_lookup_elem(&rxl_cont_cnt, &id);
		if (cc)
			rxl_add(&cc->pass, len);
	}
	if (!rxl_deliver_redirect || !(c->flags & RXL_CONT_REDIRECT))
		return XDP_PASS;
	act = bpf_redirect_map(&rxl_tx_ports, c->id, XDP_PASS);
	if (act == XDP_REDIRECT)
		rxl_count(&rxl_stats, RXL_STAT_REDIRECT);
	return act;
}

/*
 * Neighbour discovery as RFC 4861 7.1.1 has it: hop limit 255, and not
 * fragmented (RFC 6980: a fragmented ND message is to be ignored, so it
 * earns no exemption from the rules).
 */
static __always_inline int rxl_is_nd(const struct rxl_pkt *p)
{
	return p->family == 6 && p->proto == RXL_IPPROTO_ICMPV6 &&
	       p->frag == RXL_FRAG_NONE &&
	       p->has_icmp && p->icmp_type >= RXL_ND_FIRST &&
	       p->icmp_type <= RXL_ND_LAST &&
	       p->hop_limit == RXL_ND_HOP_LIMIT;
}

/*
 * Strips a decapped frame (rxl_strip()), then delivers it, counted on @rc
 * (the allow rule that judged it) or, when NULL, on its container.
 */
static __always_inline int rxl_pass(const struct rxl_container *c,
				    struct xdp_md *ctx, const struct rxl_pkt *p,
				    struct rxl_counter *rc)
{
	__u64 len = rxl_frame_len(p);

	if (rxl_strip(ctx, p))
		return rxl_cont_drop(c, p, RXL_DROP_ADJUST);
	return rxl_deliver(c, ctx, len, rc);
}

/* The IP identification of IPv4 packet @p into *@id; -1 if unreadable. */
static __always_inline int rxl_ip4_id(struct xdp_md *ctx,
				      const struct rxl_pkt *p, __be16 *id)
{
	__u8 *ip = rxl_hdr(ctx, p, p->l3_off, RXL_IPV4_HLEN);

	if (!ip)
		return -1;
	*id = *(__be16 *)(ip + 4);
	return 0;
}

/*
 * Whether @p, a later fragment to container @c, follows a first fragment
 * that passed (rxl_frag.h) along the same overlay path. IPv6 names the
 * datagram by its fragment header (p->frag_id, p->frag_nh: set by the
 * parser for every fragment).
 */
static __always_inline int rxl_frag_follows(const struct rxl_container *c,
					    struct xdp_md *ctx,
					    const struct rxl_pkt *p)
{
	struct rxl_ct_val pv = {};
	__be16 id;

	/* The way it came: a tunnel's binding and remote VTEP, or none. */
	rxl_ct_path_in(ctx, p, &pv);
	if (p->family == 6)
		return rxl_frag6_follows(c->id, &p->saddr6, &p->daddr6,
					 p->frag_id, p->frag_nh, &pv);
	if (rxl_ip4_id(ctx, p, &id))
		return 0;
	return rxl_frag4_follows(c->id, p->saddr4, p->daddr4, id, p->proto,
				 &pv);
}

/*
 * Passes @p to container @c (rxl_pass(), counted on @rc or the
 * container); a first fragment is noted first, with the overlay path it
 * came along, so that its later fragments follow it that way.
 */
static __always_inline int rxl_pass_noted(const struct rxl_container *c,
					  struct xdp_md *ctx,
					  const struct rxl_pkt *p,
					  struct rxl_counter *rc)
{
	struct rxl_ct_val pv = {};
	__be16 id;

	if (p->frag != RXL_FRAG_FIRST)
		return rxl_pass(c, ctx, p, rc);
	rxl_ct_path_in(ctx, p, &pv);
	if (p->family == 6)
		rxl_frag6_note(c->id, &p->saddr6, &p->daddr6, p->frag_id,
			       p->frag_nh, &pv);
	else if (!rxl_ip4_id(ctx, p, &id))
		rxl_frag4_note(c->id, p->saddr4, p->daddr4, id, p->proto,
			       &pv);
	return rxl_pass(c, ctx, p, rc);
}

/**
 * rxl_ct_ingress_call() - rxl_ct_ingress() for rxl_filter(), as a global
 * function
 * @c: the packet's container
 * @ctx: the frame
 * @p: the parsed packet
 * @rule: what the rules said
 *
 * Only drops and containers under egress default drop enter the hook.
 * Inlined, its body (larger since the tunnel path in an entry) changed
 * the register allocation and stack layout of the path every allowed
 * packet takes: the VXLAN TCP cases cost 0.13-0.17 of xdp-filter more
 * (Documentation/performance.rst, "Issue 13: the VXLAN path"). A global
 * function is verified once, on its own, whatever the paths that reach
 * it (a static one would be verified again for each).
 *
 * Context: softirq (XDP), or BPF_PROG_TEST_RUN.
 * Return: as rxl_ct_ingress() (RXL_CT_PASS, RXL_CT_INVALID or
 * RXL_CT_RULES); RXL_CT_RULES for a NULL @c or @p, which no caller
 * passes.
 */
__noinline int rxl_ct_ingress_call(const struct rxl_container *c,
				   struct xdp_md *ctx, struct rxl_pkt *p,
				   __u32 rule)
{
	if (!c || !p)
		return 0;
	return rxl_ct_ingress(c, ctx, p, rule);
}

/*
 * Rules, then the default policy, of the container @c. The verdict is
 * known before anything is counted: an allowed packet to a container
 * without egress default drop (the common case) goes straight to its
 * counters and delivery; only a drop, or a container whose allowed flows
 * are tracked, enters rxl_ct_ingress() (which would return 0 at once for
 * the others: the test here only keeps its body off the hot path).
 */
static __always_inline int rxl_filter(const struct rxl_container *c,
				      struct xdp_md *ctx, struct rxl_pkt *p)
{
	struct rxl_counter *rc;
	__u32 rule, slot, drop;
	int ct;

	/* A later fragment whose first passed gets its verdict. */
	if (p->frag == RXL_FRAG_LATER) {
		if (rxl_frag_follows(c, ctx, p)) {
			rxl_count(&rxl_stats, RXL_STAT_FRAG_FOLLOWED);
			return rxl_pass(c, ctx, p, NULL);
		}
		rxl_count(&rxl_stats, RXL_STAT_FRAG_PORTLESS);
	}
	/*
	 * No rule names the port (the answer to a connection the container
	 * opened, on its ephemeral port): no judgement, the default policy
	 * and the table decide as after a judgement that found no rule.
	 */
	if (rxl_port_unruled(c, p))
		rule = RXL_NO_RULE;
	else
		rule = p->family == 4 ? rxl_judge4(c, p) : rxl_judge6(c, p);
	drop = rule == RXL_NO_RULE ? c->flags & RXL_CONT_DEFAULT_DROP :
				     rule & RXL_RULE_DROP;
	/*
	 * A tracked connection passes what the rules would drop; a TCP
	 * segment with invalid flags is dropped wherever the table judges.
	 */
	if (drop || (c->flags & RXL_CONT_EGRESS_DROP)) {
		ct = rxl_ct_ingress_call(c, ctx, p, rule);
		if (ct > 0)
			goto pass;
		if (ct < 0)
			return rxl_cont_drop(c, p, RXL_DROP_TCP_FLAGS);
	}
	if (rule == RXL_NO_RULE) {
		/* A later fragment no first fragment let through. */
		if (drop)
			return rxl_cont_drop(c, p, p->frag == RXL_FRAG_LATER ?
					     RXL_DROP_FRAG_NO_FIRST :
					     RXL_DROP_DEFAULT);
		rxl_count(&rxl_stats, RXL_STAT_DEFAULT_ALLOW);
		goto pass;
	}
	/*
	 * One counter for a packet a rule judged: the rule's, which stands
	 * for the container's pass or drop too (userspace sums them). A drop
	 * is counted under its reason as well, like every drop.
	 */
	slot = c->rule_base + rxl_rank(rule);
	rc = bpf_map_lookup_elem(&rxl_rule_cnt, &slot);
	if (drop) {
		if (rc)
			rxl_add(rc, rxl_frame_len(p));
		return rxl_drop(RXL_DROP_RULE);
	}
	return rxl_pass_noted(c, ctx, p, rc);
pass:
	return rxl_pass_noted(c, ctx, p, NULL);
}

/*
 * A frame that is no container's. From the underlay it is the host's and
 * passes untouched. A decapsulated one is dropped: passed, it would
 * reach the host stack bare, as if it came from the underlay's own link
 * (ARP, router advertisements, spoofed sources for anyone who can send
 * UDP to a VTEP and guess a VNI).
 */
static __always_inline int rxl_pass_untouched(const struct rxl_pkt *p,
					      __u32 stat)
{
	if (p->base)
		return rxl_drop(RXL_DROP_TUNNEL_NO_CONTAINER);
	rxl_count(&rxl_stats, stat);
	return XDP_PASS;
}

/* The live cache entry of @slot, or NULL. */
static __always_inline const struct rxl_acache_ent *rxl_acache_get(__u32 slot)
{
	const __u64 *sel = bpf_map_lookup_elem(&rxl_acache_sel, &slot);
	__u32 idx;
	__u64 s;

	if (!sel)
		return NULL;
	s = *(const volatile __u64 *)sel;	/* read once: it may flip */
	if (!s)
		return NULL;
	idx = 2 * slot + (__u32)s - 1;
	return bpf_map_lookup_elem(&rxl_acache, &idx);
}

/*
 * The container of the packet's (inner) destination: its id from the
 * address cache first, from the address maps for an address whose slot
 * another holds (and for host traffic, which no slot holds); then its
 * live value by id (rxl_cont_get()).
 */
static __always_inline const struct rxl_container *
rxl_container_of(const struct rxl_pkt *p)
{
	const struct rxl_acache_ent *e;
	const struct rxl_addr_val *a;
	const __u32 *d6 = (const __u32 *)p->daddr6.addr;

	if (p->family == 4) {
		e = rxl_acache_get(rxl_acache_slot4(p->daddr4));
		if (e && e->family == 4 && *(const __u32 *)e->addr == p->daddr4)
			return rxl_cont_get(e->v.id);
		a = bpf_map_lookup_elem(&rxl_addrs4, &p->daddr4);
	} else {
		e = rxl_acache_get(rxl_acache_slot6(d6));
		if (e && e->family == 6 && rxl_in6_eq(e->addr, p->daddr6.addr))
			return rxl_cont_get(e->v.id);
		a = bpf_map_lookup_elem(&rxl_addrs6, &p->daddr6);
	}
	if (!a)
		return NULL;
	rxl_count(&rxl_stats, RXL_STAT_ACACHE_MISS);
	return rxl_cont_get(a->id);
}

/*
 * The whole fast path for one frame; returns the XDP action. A
 * decapsulated frame leaves it only to a container bound to its VNI;
 * anything else it carried is dropped, never passed bare.
 */
static __always_inline int rxl_fastpath(struct xdp_md *ctx)
{
	const struct rxl_config *cfg;
	const struct rxl_container *c;
	struct rxl_pkt p;
	__u32 zero = 0, type, vtep, tun = 0;
	int rc;

	cfg = bpf_map_lookup_elem(&rxl_config, &zero);
	if (!cfg)
		return XDP_PASS;
	/*
	 * Not zeroed whole (10 stores, 3 % of the VXLAN path): the parsers
	 * set every other field before it is read.
	 */
	p.base = 0;
	p.len = ctx->data_end - ctx->data;
	p.family = 0;
	p.frag = RXL_FRAG_NONE;
	p.has_ports = 0;
	p.has_icmp = 0;
	rc = rxl_parse_l3(ctx, &p);
	if (rc != RXL_CONT)
		return rxl_drop(rc);
	if (!p.family)
		goto non_ip;

	vtep = rxl_vtep(&p);
	if (vtep) {
		/* Sets p.base and p.len to the inner frame; moves no data. */
		rc = rxl_decap(ctx, &p, cfg, vtep, &type, &tun);
		if (rc >= 0)
			return rxl_drop(rc);
		if (rc == RXL_CONT) {
			rxl_count(&rxl_stats, RXL_STAT_DECAP_VXLAN + type -
					      RXL_TUN_VXLAN);
			/* Only what the parsers set conditionally. */
			p.family = 0;
			p.frag = RXL_FRAG_NONE;
			rc = rxl_parse_l3(ctx, &p);
			if (rc != RXL_CONT)
				return rxl_drop(rc);
			if (!p.family)
				goto non_ip;
		}
	}

	c = rxl_container_of(&p);
	if (!c) {
		if (cfg->flags & RXL_CFG_NO_CONTAINER_DROP)
			return rxl_drop(RXL_DROP_NO_CONTAINER);
		return rxl_pass_untouched(&p, RXL_STAT_PASS_HOST);
	}
	/* Decapped: the container must be bound to the frame's VNI. */
	if (p.base && !rxl_vni_bound(c, tun))
		return rxl_cont_drop(c, &p, RXL_DROP_VNI_NOT_BOUND);
	rc = rxl_parse_l4(ctx, &p);
	if (rc != RXL_CONT)
		return rxl_cont_drop(c, &p, rc);
	if (rxl_is_nd(&p)) {
		rxl_count(&rxl_stats, RXL_STAT_PASS_ND);
		return rxl_pass(c, ctx, &p, NULL);
	}
	return rxl_filter(c, ctx, &p);

non_ip:
	/* ARP and every other non-IP frame: never filtered. */
	return rxl_pass_untouched(&p, RXL_STAT_PASS_NON_IP);
}

#endif /* _RXL_FASTPATH_H */
