// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane tc egress program: connection tracking and the egress default
 * policy of the packets containers send (Documentation/conntrack.rst).
 * 'rxlane attach DEV' attaches it to DEV's clsact egress hook beside the
 * XDP program; it shares the XDP program's maps (the same definitions,
 * bpf/rxl_maps.h, reused from their pins).
 *
 * The container is found by the packet's source address: the inner one
 * of a VXLAN, GENEVE or NVGRE packet a local VTEP sends, whose inner tuple
 * is then tracked (rxl_tc_parse(), Documentation/conntrack.rst, "Tunnels
 * and extension headers on egress"). A packet of a tracked flow passes
 * without rules. Any other packet is judged by the container's out rules
 * ('fw add NAME out ...'), then by its egress default; allowed, a new
 * flow (TCP SYN, UDP, ICMP echo request) gets an entry, so its replies
 * pass ingress. IPv6 neighbour discovery always passes.
 *
 * A second program, rxlane_tc_port, is the anti-spoofing check on the
 * tc ingress hook of each container's host-side device, or on the tc
 * egress hook of its own interface in its namespace (below).
 *
 * Context: softirq or process context (the egress path of the stack),
 * RCU read side; never sleeps.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* The shared parsers read this program's context (rxl_parse.h). */
#define RXL_PARSE_CTX struct __sk_buff

#include "rxl_ct.h"
#include "rxl_firewall.h"
#include "rxl_frag.h"
#include "rxl_tunnel.h"

/*
 * Bytes made linear when the headers are not (bpf_skb_pull_data()), at
 * most: Ethernet, IPv4 with options, UDP, VXLAN, the inner Ethernet,
 * IPv4 with options, TCP. A longer chain (GENEVE options, IPv6 extension
 * headers) is read as far as the stack put it in the linear part. Pulled
 * only when the parse of the linear part found no tuple (rxlane_tc()).
 */
#define RXL_TC_PULL	(2 * (RXL_ETH_HLEN + 60) + RXL_UDP_HLEN + 8 + \
			 RXL_TCP_HLEN)

#define RXL_ARP_HLEN	28	/* Ethernet/IPv4 ARP */
#define RXL_ICMP6_NS	135
#define RXL_MLD_FIRST	130	/* query, v1 report, v1 done */
#define RXL_MLD_LAST	132
#define RXL_MLD2_REPORT	143

/*
 * The packet rxl_tc_parse() found: its sender's (maybe inner) addresses
 * and tracked tuple. Only scalars are written by the parse (a global
 * function, below); the container is looked up after it.
 */
struct rxl_tc_pkt {
	const struct rxl_container *c;	/* the sender, or NULL */
	__u8 saddr[16];		/* IPv4: the first 4 bytes */
	__u8 daddr[16];
	__u8 family;
	__u8 proto;		/* after IPv6 extension headers */
	__u8 tracked;		/* t is valid */
	__u8 nd;		/* IPv6 neighbour discovery */
	__u8 frag;		/* enum rxl_frag */
	__u8 frag_nh;		/* IPv6 fragment header's next header */
	__u8 inner;		/* carried in a tunnel from a local VTEP */
	__u8 related;		/* an ICMP error: t is its embedded tuple */
	/* A source that names nobody, allowed: ND, MLD, an ARP probe. */
	__u8 anon;
	__u8 arp_sha_differs;	/* ARP sender's MAC is not smac */
	/*
	 * IP, but its headers could not be read to the L4 header
	 * (rxl_parse_l3() or rxl_parse_l4() failed: an IPv6 chain too long,
	 * too deep or cut, a first fragment without its whole L4 header, a
	 * TCP data offset below 5): no out rule can judge it
	 * (rxl_tc_judge()).
	 */
	__u8 unread;
	__u8 smac[6];		/* the Ethernet source of the frame judged */
	__be16 ip_id;		/* IPv4 identification, for a fragment */
	__be32 frag_id;		/* IPv6 fragment header's identification */
	__u32 len;		/* skb->len, for the rule counters */
	/*
	 * inner: 1 + the container whose bound MAC the outer frame carries
	 * while its outer source (a local VTEP) is none of that container's
	 * addresses (rxl_tc_outer_owner()); 0: none.
	 */
	__u32 outer_spoofer;
	/*
	 * inner: tun and vtep, the binding (rxl_cont_vni()) and remote VTEP
	 * it goes to; the value a new entry is written from (rxl_ct_track())
	 */
	struct rxl_ct_val nv;
	struct rxl_ct_tuple t;
};

/*
 * An ICMP or ICMPv6 error @p the container sends (rxl_ct_is_error()):
 * when it embeds a packet the peer sent the container, and goes back to
 * that peer, @pk->t becomes the tuple of the entry that packet would
 * have, as the container's side sees it (lport its port or the echo
 * identifier, rport the peer's), and @pk->related is set. The embedded
 * destination must be the error's source (the container's address, by
 * which the container is found) and the embedded source the error's
 * destination: an error about a flow goes to that flow's peer only, so
 * a tracked tuple opens no way to anyone else.
 */
static __always_inline void rxl_tc_related(struct __sk_buff *skb,
					   struct rxl_pkt *p,
					   struct rxl_tc_pkt *pk)
{
	struct rxl_ct4_key k4 = {};
	__u16 lport, rport;
	__u8 proto, *ip;

	if (p->family == 4) {
		if (rxl_ct_embedded4(skb, p, &k4) || k4.remote != p->saddr4 ||
		    k4.local != p->daddr4)
			return;
		proto = k4.proto;
		lport = k4.lport;
		rport = k4.rport;
	} else {
		/* Compared where they lie: copies of both cost 200 bytes of stack. */
		ip = rxl_ct_embedded6_hdr(skb, p);
		if (!ip || !rxl_in6_eq(ip + 24, p->saddr6.addr) ||
		    !rxl_in6_eq(ip + 8, p->daddr6.addr))
			return;
		proto = ip[6];
		if (rxl_ct_inner_ports(ip + RXL_IPV6_HLEN, proto, &lport,
				       &rport))
			return;
	}
	/* The peer's packet: its destination port is the container's. */
	pk->t.proto = proto;
	pk->t.lport = proto == RXL_IPPROTO_TCP || proto == RXL_IPPROTO_UDP ?
		      rport : lport;
	pk->t.rport = proto == RXL_IPPROTO_TCP || proto == RXL_IPPROTO_UDP ?
		      lport : 0;
	pk->related = 1;
}

/*
 * Whether an IPv6 packet from @saddr with ICMPv6 type @type is neighbour
 * discovery or MLD from a source that names no container, as the port
 * check allows them (rxl_ip6_local_ok()): the unspecified address for a
 * neighbour solicitation or an MLDv2 report (duplicate address
 * detection), a link-local one for ND and MLD.
 */
static __always_inline int rxl_tc_anon(const __u8 *saddr, __u8 type)
{
	__u64 hi = *(const __u64 *)saddr, lo = *(const __u64 *)(saddr + 8);

	if (!hi && !lo)
		return type == RXL_ICMP6_NS || type == RXL_MLD2_REPORT;
	if (saddr[0] != 0xfe || (saddr[1] & 0xc0) != 0x80)
		return 0;
	return (type >= RXL_ND_FIRST && type <= RXL_ND_LAST) ||
	       (type >= RXL_MLD_FIRST && type <= RXL_MLD_LAST) ||
	       type == RXL_MLD2_REPORT;
}

/*
 * The L4 header of @p into @pk->t, when the packet is tracked: its L4
 * header whole and sane (rxl_parse_l4(): a TCP data offset of 5 or more,
 * all inside the IP packet), and not a later fragment. An ICMP error's
 * embedded tuple instead (rxl_tc_related()).
 */
static __always_inline void rxl_tc_l4(struct __sk_buff *skb,
				      struct rxl_pkt *p, struct rxl_tc_pkt *pk)
{
	__u32 len = rxl_ct_l4_len(p->proto);
	__u8 *l4;

	if (rxl_parse_l4(skb, p) != RXL_CONT) {
		pk->unread = 1;
		return;
	}
	if (p->frag == RXL_FRAG_LATER)
		return;
	/*
	 * Neighbour discovery as ingress has it (rxl_is_nd()): hop limit
	 * 255 and not fragmented (RFC 4861 7.1.1, RFC 6980). Any other
	 * ICMPv6 of those types is judged: passed unjudged, it carried any
	 * data past the egress default to any address, a first fragment
	 * with its later ones in tow.
	 */
	if (p->has_icmp && p->proto == RXL_IPPROTO_ICMPV6 &&
	    p->icmp_type >= RXL_ND_FIRST && p->icmp_type <= RXL_ND_LAST &&
	    p->hop_limit == RXL_ND_HOP_LIMIT && p->frag == RXL_FRAG_NONE)
		pk->nd = 1;
	if (p->has_icmp && p->proto == RXL_IPPROTO_ICMPV6)
		pk->anon = rxl_tc_anon(pk->saddr, p->icmp_type);
	if (p->has_icmp && rxl_ct_is_error(p->proto, p->icmp_type) &&
	    p->proto == (p->family == 4 ? RXL_IPPROTO_ICMP :
					  RXL_IPPROTO_ICMPV6)) {
		rxl_tc_related(skb, p, pk);
		return;
	}
	if (!len || p->l4_off + len > p->ip_end)
		return;
	if (len == RXL_TCP_HLEN) {
		l4 = rxl_hdr(skb, p, p->l4_off, RXL_TCP_HLEN);
		if (l4)
			pk->tracked = !rxl_ct_tuple(l4, p->proto, RXL_CT_OUT,
						    p->ip_end - p->l4_off,
						    &pk->t);
		return;
	}
	/*
	 * UDP and ICMP headers are shorter than TCP's: read only those,
	 * from a copy as long as a TCP header, so that no read depends on
	 * the verifier's knowing the protocol (6.1's refused a merged path
	 * that read l4[13] after an 8-byte check).
	 */
	l4 = rxl_hdr(skb, p, p->l4_off, 8);
	if (l4) {
		__u8 h[RXL_TCP_HLEN] = {};

		__builtin_memcpy(h, l4, 8);
		pk->tracked = !rxl_ct_tuple(h, p->proto, RXL_CT_OUT,
					    p->ip_end - p->l4_off, &pk->t);
	}
}

/*
 * rxl_tc_l3() - Ethernet, VLAN and IP headers of the frame at @p->base
 * (rxl_parse_l3()), for the outer frame and for a tunnel's inner one. A
 * global function: the verifier checks it once, not once for every way
 * through the outer headers (inlined twice, the tunnel's parse alone
 * passed its 1,000,000-instruction limit).
 * Return: RXL_CONT or a drop reason (rxl_parse.h).
 */
__noinline int rxl_tc_l3(struct __sk_buff *skb, struct rxl_pkt *p)
{
	if (!p)
		return RXL_DROP_L2_TRUNC;
	return rxl_parse_l3(skb, p);
}

/*
 * The outer frame @p of a tunnel packet from a local VTEP, while some
 * container is bound by its MAC (@cfg->mac_bound): when its Ethernet
 * source is a container's bound MAC and its source address (the VTEP's)
 * none of that container's, 1 + that container's id, else 0. The host's
 * own tunnel packets leave with the uplink's MAC, no container's; a
 * container that wraps a frame in a tunnel header itself, with its own
 * MAC and the host's VTEP address, is caught here, where the inner frame
 * alone (rxl_tc_unpaired()) would let any source of nobody's pass
 * unjudged (Documentation/conntrack.rst, "The pairing check").
 */
static __always_inline __u32 rxl_tc_outer_owner(struct __sk_buff *skb,
						struct rxl_pkt *p,
						const struct rxl_config *cfg)
{
	const struct rxl_addr_val *a;
	const struct rxl_port *owner;
	struct rxl_port_key k = {};
	__u8 *eth;

	if (!cfg->mac_bound)
		return 0;
	eth = rxl_hdr(skb, p, 0, RXL_ETH_HLEN);
	if (!eth)
		return 0;
	__builtin_memcpy(&k.netns, eth + 6, 6);
	owner = bpf_map_lookup_elem(&rxl_ports, &k);
	if (!owner)
		return 0;
	if (p->family == 4)
		a = bpf_map_lookup_elem(&rxl_addrs4, &p->saddr4);
	else
		a = bpf_map_lookup_elem(&rxl_addrs6, &p->saddr6);
	return a && a->id == owner->id ? 0 : owner->id + 1;
}

/*
 * A packet sent from a local VTEP (@p, its outer headers, parsed whole):
 * when it is a tunnel packet the XDP program would accept on the way in
 * (the same ports, tunnel types and VNIs: rxl_tunnel()), @p becomes its
 * inner frame, *@tun the binding it goes on, and *@spoofer what
 * rxl_tc_outer_owner() says of its outer frame.
 * Return: what parsing the inner frame returned (RXL_CONT, or a reason),
 * or RXL_NOT_TUNNEL for anything else: the host's own traffic from that
 * address, a tunnel rxlane does not know, a malformed or fragmented tunnel
 * packet.
 */
static __always_inline int rxl_tc_inner(struct __sk_buff *skb,
					struct rxl_pkt *p, __u32 *tun,
					__u32 *spoofer)
{
	const struct rxl_config *cfg;
	__u32 zero = 0, type, inner = 0, vtep;

	vtep = rxl_vtep_src(p);
	cfg = bpf_map_lookup_elem(&rxl_config, &zero);
	if (!vtep || !cfg ||
	    rxl_tunnel(skb, p, cfg, vtep, &type, tun, &inner) != RXL_CONT)
		return RXL_NOT_TUNNEL;
	*spoofer = rxl_tc_outer_owner(skb, p, cfg);
	p->base = inner;
	p->len = p->ip_end;
	p->family = 0;
	p->frag = RXL_FRAG_NONE;
	return rxl_tc_l3(skb, p);
}

/*
 * An ARP frame @p (not in a tunnel): when it is Ethernet/IPv4 ARP, its
 * sender's address becomes @pk->saddr, so that the pairing check
 * (rxl_tc_unpaired()) sees who it claims to be. A probe's sender 0.0.0.0
 * (RFC 5227) names nobody (@pk->anon).
 * Return: 1 (rxl_tc_parse()), or -1 for other ARP: passed untouched.
 */
static __always_inline int rxl_tc_arp(struct __sk_buff *skb,
				      struct rxl_pkt *p, struct rxl_tc_pkt *pk)
{
	__u8 *arp = rxl_hdr(skb, p, p->l3_off, RXL_ARP_HLEN);

	if (!arp || *(__be16 *)arp != bpf_htons(1) ||
	    *(__be16 *)(arp + 2) != bpf_htons(RXL_ETH_P_IP) ||
	    arp[4] != 6 || arp[5] != 4)
		return -1;
	pk->family = 4;
	__builtin_memcpy(pk->saddr, arp + 14, 4);
	pk->anon = !*(__u32 *)(arp + 14);
	pk->arp_sha_differs = *(__u32 *)(arp + 8) != *(__u32 *)pk->smac ||
			      *(__u16 *)(arp + 12) != *(__u16 *)(pk->smac + 4);
	return 1;
}

/*
 * rxl_tc_parse() - the sender's addresses and tracked tuple of @skb
 * @skb: the packet
 * @pk: zeroed by the caller; filled on 0 (all but pk->c)
 *
 * Ethernet, VLAN tags, IPv4 (options) or IPv6 (extension headers, a
 * bounded walk: rxl_parse_ipv6()), the L4 header (rxl_parse_l4()). A
 * UDP or GRE packet from a local VTEP is read through its tunnel headers
 * (rxl_tc_inner()): its inner frame is the container's (@pk->inner,
 * @pk->nv: its binding and the outer destination, the remote VTEP),
 * and its inner tuple is tracked. An IPv6 packet whose
 * extension headers cannot be walked (too many, truncated), or whose L4
 * header is not whole, gets no tuple: judged without ports, never
 * tracked, never passed unjudged.
 *
 * A global function: the verifier checks it once, and the caller's judge
 * once after it, not once for every way through the headers (inlined,
 * the two passed the verifier's 1,000,000-instruction limit).
 *
 * Context: the tc program's.
 * Return: 0 for an IP packet (its sender is to be found by @pk->saddr),
 * 1 for Ethernet/IPv4 ARP (@pk->saddr its sender's address),
 * -1 for one that is not the containers' (not IP, an IPv4 header that
 * fails, anything from a VTEP that is not an accepted tunnel packet
 * carrying IP): passed untouched.
 */
__noinline int rxl_tc_parse(struct __sk_buff *skb, struct rxl_tc_pkt *pk)
{
	struct rxl_pkt p = { .len = skb->len };
	__u8 *ip, *eth;
	int rc;

	if (!pk)
		return -1;
	rc = rxl_tc_l3(skb, &p);
	if (rc == RXL_CONT && p.family &&
	    (p.proto == RXL_IPPROTO_UDP || p.proto == RXL_IPPROTO_GRE) &&
	    rxl_vtep_src(&p)) {
		if (p.family == 4)
			rxl_ct_vtep4(pk->nv.vtep, (const __u8 *)&p.daddr4);
		else
			__builtin_memcpy(pk->nv.vtep, &p.daddr6, 16);
		rc = rxl_tc_inner(skb, &p, &pk->nv.tun, &pk->outer_spoofer);
		if (rc == RXL_NOT_TUNNEL)
			return -1;
		pk->inner = 1;
	}
	eth = rxl_hdr(skb, &p, p.base, RXL_ETH_HLEN);
	if (eth)
		__builtin_memcpy(pk->smac, eth + 6, 6);
	/* ARP: only its sender's pairing is checked (rxlane_tc()). */
	if (!p.family && !p.base && rc == RXL_CONT &&
	    p.eth_proto == RXL_ETH_P_ARP)
		return rxl_tc_arp(skb, &p, pk);
	/* Not IP, or an IPv4 header that failed: no address to judge by. */
	if (!p.family)
		return -1;
	pk->family = p.family;
	pk->proto = p.proto;
	if (p.family == 4) {
		__builtin_memcpy(pk->saddr, &p.saddr4, 4);
		__builtin_memcpy(pk->daddr, &p.daddr4, 4);
		if (p.frag) {
			pk->frag = p.frag;
			ip = rxl_hdr(skb, &p, p.l3_off, RXL_IPV4_HLEN);
			if (ip)
				pk->ip_id = *(__be16 *)(ip + 4);
		}
	} else {
		__builtin_memcpy(pk->saddr, &p.saddr6, 16);
		__builtin_memcpy(pk->daddr, &p.daddr6, 16);
		/* A fragment header: the datagram's name (rxl_frag6). */
		if (p.frag == RXL_FRAG_FIRST || p.frag == RXL_FRAG_LATER) {
			pk->frag = p.frag;
			pk->frag_id = p.frag_id;
			pk->frag_nh = p.frag_nh;
		}
	}
	if (rc == RXL_CONT)
		rxl_tc_l4(skb, &p, pk);
	else
		pk->unread = 1;
	return 0;
}

/* The container whose address is @pk's source, or NULL. */
static __always_inline const struct rxl_container *
rxl_tc_sender(const struct rxl_tc_pkt *pk)
{
	const struct rxl_addr_val *v;
	struct rxl_in6 a6;
	__be32 a4;

	if (pk->family == 4) {
		__builtin_memcpy(&a4, pk->saddr, 4);
		v = bpf_map_lookup_elem(&rxl_addrs4, &a4);
	} else {
		__builtin_memcpy(&a6, pk->saddr, 16);
		v = bpf_map_lookup_elem(&rxl_addrs6, &a6);
	}
	return v ? rxl_cont_get(v->id) : NULL;
}

/*
 * The out rules of @pk->c on packet @pk: a rule reference, or
 * RXL_NO_RULE (none matched, or the container has no out rule). The
 * peer's port is the tuple's (read once, by rxl_ct_tuple()): a TCP or
 * UDP packet whose header is not there is judged without ports, as a
 * later fragment is.
 */
static __always_inline __u32 rxl_tc_rules(const struct rxl_tc_pkt *pk)
{
	const struct rxl_container *c = pk->c;
	struct rxl_pkt peer = {
		.proto = pk->proto,
		.dport = pk->t.rport,
		.has_ports = pk->tracked && (pk->proto == RXL_IPPROTO_TCP ||
					     pk->proto == RXL_IPPROTO_UDP),
	};

	if (!c->nout)
		return RXL_NO_RULE;
	if (pk->family == 4) {
		peer.saddr4 = *(const __be32 *)pk->daddr;
		return rxl_judge_out4(c, &peer);
	}
	__builtin_memcpy(peer.saddr6.addr, pk->daddr, 16);
	return rxl_judge_out6(c, &peer);
}

/* Count packet @pk on out rule @rule of its container. */
static __always_inline void rxl_tc_count_rule(const struct rxl_tc_pkt *pk,
					      __u32 rule)
{
	__u32 slot = pk->c->rule_base + rxl_rank(rule);
	struct rxl_counter *rc = bpf_map_lookup_elem(&rxl_rule_cnt, &slot);

	if (rc) {
		rc->packets++;
		rc->bytes += pk->len;
	}
}

/*
 * Whether packet @pk, which belongs to no tracked flow, may leave: its
 * out rules, else the egress default (the rule that decided is counted,
 * and *@ruled set).
 */
static __always_inline int rxl_tc_allowed(const struct rxl_tc_pkt *pk,
					  int *ruled)
{
	__u32 rule = rxl_tc_rules(pk);

	if (rule == RXL_NO_RULE)
		return !(pk->c->flags & RXL_CONT_EGRESS_DROP);
	*ruled = 1;
	rxl_tc_count_rule(pk, rule);
	return !(rule & RXL_RULE_DROP);
}

/*
 * The egress verdict of a packet its container @pk->c sent: a TCP
 * segment with invalid flags (rxl_ct_flags_valid()) is dropped, counted
 * in rxl_drops (tcp_flags), before any lookup; a tracked
 * flow passes; anything else is judged (rxl_tc_allowed()) and, allowed
 * and opening a flow, creates its entry. A container without out rules
 * knows its verdict before the lookup, which then creates the entry at
 * once (one lookup, as before out rules). An ICMP error about a tracked
 * flow (@pk->related) passes where the verdict is drop: the table is
 * read for it only then, as on ingress (rxl_ct_related()).
 */
static __always_inline int rxl_tc_judge(struct rxl_tc_pkt *pk)
{
	const struct rxl_container *c = pk->c;
	int allow = !(c->flags & RXL_CONT_EGRESS_DROP), res = RXL_CT_MISS;
	int ruled = 0;
	/* One or the other: 24 bytes of the 512 the frames share on 6.1. */
	union {
		struct rxl_ct4_key k4;
		struct rxl_ct6_key k6;
	} k = {};
	void *map = &rxl_ct4, *half = &rxl_ct4_half, *key = &k.k4;

	if (pk->nd)
		return TC_ACT_OK;
	/* No stack sends these: no entry is read or written for them. */
	if (pk->tracked && rxl_ct_invalid(&pk->t)) {
		rxl_ct_count_drop(RXL_DROP_TCP_FLAGS);
		return TC_ACT_SHOT;
	}
	if (pk->tracked || pk->related) {
		if (pk->family == 4) {
			k.k4.zone = c->id;
			k.k4.local = *(const __be32 *)pk->saddr;
			k.k4.remote = *(const __be32 *)pk->daddr;
			k.k4.lport = pk->t.lport;
			k.k4.rport = pk->t.rport;
			k.k4.proto = pk->t.proto;
		} else {
			k.k6.zone = c->id;
			__builtin_memcpy(k.k6.local, pk->saddr, 16);
			__builtin_memcpy(k.k6.remote, pk->daddr, 16);
			k.k6.lport = pk->t.lport;
			k.k6.rport = pk->t.rport;
			k.k6.proto = pk->t.proto;
			map = &rxl_ct6;
			half = &rxl_ct6_half;
			key = &k.k6;
		}
	}
	if (pk->tracked)
		res = rxl_ct_track(map, half, key, &pk->t, &pk->nv,
				   allow && !c->nout);
	if (res == RXL_CT_HIT) {
		rxl_ct_count(RXL_CT_STAT_EGRESS);
		return TC_ACT_OK;
	}
	if (res == RXL_CT_NEW)
		return TC_ACT_OK;
	/*
	 * Headers the parse could not read to their L4 header hide what the
	 * out rules name (a port, the protocol): judged without them, a
	 * drop rule would miss what its receiver reads. A container with
	 * out rules does not send them; without any, the egress default
	 * decides as for any packet (Documentation/conntrack.rst, "Headers
	 * the out rules cannot read").
	 */
	if (c->nout) {
		allow = !pk->unread && rxl_tc_allowed(pk, &ruled);
		if (allow && pk->tracked && pk->t.opens &&
		    rxl_ct_create(map, half, key, &pk->t,
				  bpf_ktime_get_coarse_ns(), &pk->nv, res) ==
		    RXL_CT_NEW)
			return TC_ACT_OK;
	}
	if (allow) {
		rxl_ct_count(RXL_CT_STAT_EGRESS_UNTRACKED);
		return TC_ACT_OK;
	}
	if (pk->related && rxl_ct_alive(map, half, key, &pk->nv)) {
		rxl_ct_count(RXL_CT_STAT_EGRESS_RELATED);
		return TC_ACT_OK;
	}
	/* The egress default refused a later fragment its first did not open. */
	rxl_ct_count(pk->frag == RXL_FRAG_LATER && !ruled ?
		     RXL_CT_STAT_FRAG_NO_FIRST : RXL_CT_STAT_EGRESS_DROP);
	return TC_ACT_SHOT;
}

/*
 * A later fragment of container @pk->c whose first fragment passed
 * (rxl_frag.h) and goes the same way (@pk->nv: the tunnel's binding and
 * remote VTEP, zero for a bare packet): it passes too.
 */
static __always_inline int rxl_tc_frag_follows(const struct rxl_tc_pkt *pk)
{
	int follows;

	if (pk->frag != RXL_FRAG_LATER)
		return 0;
	if (pk->family == 6)
		follows = rxl_frag6_follows(pk->c->id, pk->saddr, pk->daddr,
					    pk->frag_id, pk->frag_nh, &pk->nv);
	else
		follows = rxl_frag4_follows(pk->c->id,
					    *(const __be32 *)pk->saddr,
					    *(const __be32 *)pk->daddr,
					    pk->ip_id, pk->proto, &pk->nv);
	if (!follows)
		return 0;
	rxl_ct_count(RXL_CT_STAT_FRAG_FOLLOWED);
	return 1;
}

/* Note the first fragment @pk, which passed, and its path, for its later. */
static __always_inline void rxl_tc_frag_note(const struct rxl_tc_pkt *pk)
{
	if (pk->family == 6)
		rxl_frag6_note(pk->c->id, pk->saddr, pk->daddr, pk->frag_id,
			       pk->frag_nh, &pk->nv);
	else
		rxl_frag4_note(pk->c->id, *(const __be32 *)pk->saddr,
			       *(const __be32 *)pk->daddr, pk->ip_id,
			       pk->proto, &pk->nv);
}

/*
 * Whether the headers @pk's parse found no tuple in may lie past the
 * linear part of @skb: it is shorter than RXL_TC_PULL and the packet
 * goes on.
 */
static __always_inline int rxl_tc_short(struct __sk_buff *skb,
					const struct rxl_tc_pkt *pk)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;

	return !pk->tracked && !pk->related && data + RXL_TC_PULL > end &&
	       skb->len > end - data;
}

/* A frame of container @id that is not its own: dropped and counted. */
static __always_inline int rxl_spoof(struct __sk_buff *skb, __u32 id)
{
	struct rxl_counter *cnt = bpf_map_lookup_elem(&rxl_spoof_cnt, &id);

	if (cnt) {
		cnt->packets++;
		cnt->bytes += skb->len;
	}
	rxl_ct_count(RXL_CT_STAT_SPOOF);
	return TC_ACT_SHOT;
}

#define RXL_NOT_SPOOFED	0xffffffffU

/*
 * rxl_tc_unpaired() - the uplink's pairing check of MACs and addresses
 * @pk: the frame, parsed, with its sender (@pk->c, by source address)
 *
 * A container without a host-side device (macvlan, a frame bridged into
 * an overlay) whose MAC is known is bound by it: rxl_ports holds its MAC
 * key (ifindex 0, the MAC in netns) and rxl_cont_port[id] that key
 * (user/fw_port.c). Its frames reach this device's egress with the MAC
 * and addresses it wrote and nothing else that names it, so the two must
 * agree: a frame with a bound MAC must carry one of that container's
 * addresses as its source (or a source that names nobody: ND and MLD
 * from :: or link-local, an ARP probe), and a frame from the address of
 * a container bound by MAC must carry that MAC. An ARP frame with a
 * bound MAC must also name it as its sender's. Containers with a device
 * (their frames are routed here, with this device's MAC) and frames of
 * no container's MAC or address (the host's) are never refused here.
 * Documentation/conntrack.rst, "Containers without a host-side device".
 *
 * Return: the container to count the spoof on (the MAC's, else the
 * address's), or RXL_NOT_SPOOFED.
 */
static __always_inline __u32 rxl_tc_unpaired(const struct rxl_tc_pkt *pk)
{
	const struct rxl_port_key *bound;
	const struct rxl_port *owner;
	struct rxl_port_key k = {};

	__builtin_memcpy(&k.netns, pk->smac, 6);
	owner = bpf_map_lookup_elem(&rxl_ports, &k);
	if (owner) {
		if (pk->arp_sha_differs)
			return owner->id;
		if (pk->c ? pk->c->id == owner->id : pk->anon)
			return RXL_NOT_SPOOFED;
		return owner->id;
	}
	if (!pk->c)
		return RXL_NOT_SPOOFED;
	bound = bpf_map_lookup_elem(&rxl_cont_port, &pk->c->id);
	if (bound && !bound->ifindex && bound->netns &&
	    bound->netns != k.netns)
		return pk->c->id;
	return RXL_NOT_SPOOFED;
}

/*
 * Whether any container is bound by its MAC (rxl_config.mac_bound, kept
 * by user/fw_port.c never below the bindings): while none is, the
 * pairing check has nothing to find, and a frame leaving the uplink (the
 * host's own among them) pays an array read instead of its hash lookup.
 * Without the config, the check runs.
 */
static __always_inline int rxl_tc_macs_bound(void)
{
	const struct rxl_config *cfg;
	__u32 zero = 0;

#ifdef RXL_TC_PAIR_ALWAYS
	/* The rule before: bench/Makefile builds it for bench-ct.sh. */
	return 1;
#endif
	cfg = bpf_map_lookup_elem(&rxl_config, &zero);
	return !cfg || cfg->mac_bound;
}

/*
 * A fragment is judged like a whole packet (a later one without ports),
 * unless it is a later one whose first passed; a first one that passes
 * is noted for its later ones. A packet that is no fragment tests
 * pk.frag twice (one judge inlined, not two: 1300 instructions fewer).
 *
 * The parse reads the linear part as it is. Only when it found no tuple
 * there and the packet goes on past it are the headers made linear
 * (bpf_skb_pull_data()) and the packet parsed again: a TCP segment,
 * whose headers the stack keeps linear and its data in fragments, is not
 * pulled (a pull of such a clone copies its head: performance.rst,
 * "Connection tracking"). A tuple once found is whole: every read of the
 * parse is bounded by the linear part, and a read that fails leaves no
 * tuple (Documentation/conntrack.rst, "Headers out of the linear part").
 */
SEC("tc")
int rxlane_tc(struct __sk_buff *skb)
{
	struct rxl_tc_pkt pk = { .len = skb->len };
	__u32 spoofer;
	int act, rc;

#ifdef RXL_TC_PULL_ALWAYS
	/* The rule before: bench/Makefile builds it for bench-ct-pull.sh. */
	if ((void *)(long)skb->data + RXL_TC_PULL >
	    (void *)(long)skb->data_end &&
	    skb->len > skb->data_end - skb->data)
		bpf_skb_pull_data(skb, skb->len < RXL_TC_PULL ? skb->len :
							    RXL_TC_PULL);
#endif
	rc = rxl_tc_parse(skb, &pk);
	if (rxl_tc_short(skb, &pk)) {
		bpf_skb_pull_data(skb, skb->len < RXL_TC_PULL ? skb->len :
							    RXL_TC_PULL);
		__builtin_memset(&pk, 0, sizeof(pk));
		pk.len = skb->len;
		rc = rxl_tc_parse(skb, &pk);
	}
	if (rc < 0)
		return TC_ACT_OK;
	pk.c = rxl_tc_sender(&pk);
	/* The outer frame of a tunnel packet first: its own MAC's. */
	if (pk.outer_spoofer)
		return rxl_spoof(skb, pk.outer_spoofer - 1);
	spoofer = rxl_tc_macs_bound() ? rxl_tc_unpaired(&pk) :
					RXL_NOT_SPOOFED;
	if (spoofer != RXL_NOT_SPOOFED)
		return rxl_spoof(skb, spoofer);
	if (rc || !pk.c)
		return TC_ACT_OK;	/* ARP after its check, the host's */
	/* Its replies could not come back (vni_not_bound): never tracked. */
	if (pk.inner && !rxl_vni_bound(pk.c, pk.nv.tun))
		pk.tracked = 0;
	if (pk.frag && rxl_tc_frag_follows(&pk))
		return TC_ACT_OK;
	act = rxl_tc_judge(&pk);
	if (pk.frag == RXL_FRAG_FIRST && act == TC_ACT_OK)
		rxl_tc_frag_note(&pk);
	return act;
}

/* ---- anti-spoofing: tc ingress on a container's host-side device ------ */

/*
 * The cookie of the network namespace this instance was attached in
 * (SO_NETNS_COOKIE), set by the loader before load: with the ifindex it
 * names the device (struct rxl_port_key).
 */
const volatile __u64 rxl_tc_netns = 0;

/*
 * The verdict of a frame the check lets pass, set by the loader before
 * load: 0 TC_ACT_OK (ends classification: the ingress of a host-side
 * device, where the check is alone), 1 TC_ACT_UNSPEC (the next filter
 * runs: the egress of a container's own interface, where rxlane_tc may
 * follow at a later priority and must still see the frame;
 * Documentation/conntrack.rst, "The port check").
 */
const volatile __u32 rxl_tc_port_next = 0;

static __always_inline int rxl_port_pass(void)
{
	return rxl_tc_port_next ? TC_ACT_UNSPEC : TC_ACT_OK;
}

/* Headers read, at most: Ethernet, IPv6, a hop-by-hop header, ICMPv6. */
#define RXL_PORT_PULL	(RXL_ETH_HLEN + RXL_IPV6_HLEN + 8 + 4)

static __always_inline int rxl_mac_eq(const __u8 *a, const __u8 *b)
{
	return *(const __u32 *)a == *(const __u32 *)b &&
	       *(const __u16 *)(a + 4) == *(const __u16 *)(b + 4);
}

/* Whether the IPv4 address at @a is container @id's. */
static __always_inline int rxl_own4(const __u8 *a, __u32 id)
{
	__be32 k = *(const __be32 *)a;
	const struct rxl_addr_val *v = bpf_map_lookup_elem(&rxl_addrs4, &k);

	return v && v->id == id;
}

static __always_inline int rxl_own6(const __u8 *a, __u32 id)
{
	const struct rxl_addr_val *v;
	struct rxl_in6 k;

	__builtin_memcpy(&k, a, 16);
	v = bpf_map_lookup_elem(&rxl_addrs6, &k);
	return v && v->id == id;
}

/*
 * ARP from container @id (Ethernet/IPv4 only): the sender's address must
 * be its own, or 0.0.0.0 (an RFC 5227 probe); the sender's MAC its MAC
 * when one is set. Other ARP (another hardware or protocol type) is
 * refused: it is not the container's to send.
 */
static __always_inline int rxl_arp_ok(const __u8 *arp, const void *end,
				      const struct rxl_port *port)
{
	if (arp + RXL_ARP_HLEN > (const __u8 *)end)
		return 0;
	if (*(const __be16 *)arp != bpf_htons(1) ||
	    *(const __be16 *)(arp + 2) != bpf_htons(RXL_ETH_P_IP) ||
	    arp[4] != 6 || arp[5] != 4)
		return 0;
	if ((port->flags & RXL_PORT_MAC) && !rxl_mac_eq(arp + 8, port->mac))
		return 0;
	return !*(const __u32 *)(arp + 14) || rxl_own4(arp + 14, port->id);
}

/*
 * An IPv6 source that is none of the container's addresses is allowed
 * for neighbour discovery and MLD only: the unspecified address for
 * duplicate address detection (a neighbour solicitation, an MLDv2
 * report: RFC 4862 5.4.2, RFC 3810 5.2.13), a link-local one for ND and
 * MLD (RFC 4861, 4291): neither can name a container, so neither can
 * create an entry in any zone. One hop-by-hop header (MLD's router alert)
 * is skipped.
 */
static __always_inline int rxl_ip6_local_ok(const __u8 *ip6, const void *end)
{
	const __u8 *l4 = ip6 + RXL_IPV6_HLEN;
	__u8 next = ip6[6], type;
	int any = 1, i;

	for (i = 0; i < 16; i++)
		if (ip6[8 + i])
			any = 0;
	if (!any && !(ip6[8] == 0xfe && (ip6[9] & 0xc0) == 0x80))
		return 0;
	if (next == RXL_IPPROTO_HOPOPTS) {
		if (l4 + 8 > (const __u8 *)end)
			return 0;
		next = l4[0];
		if (l4[1])
			return 0;	/* longer than MLD's 8 bytes */
		l4 += 8;
	}
	if (next != RXL_IPPROTO_ICMPV6 || l4 + 1 > (const __u8 *)end)
		return 0;
	type = l4[0];
	if (any)
		return type == RXL_ICMP6_NS || type == RXL_MLD2_REPORT;
	return (type >= RXL_ND_FIRST && type <= RXL_ND_LAST) ||
	       (type >= RXL_MLD_FIRST && type <= RXL_MLD_LAST) ||
	       type == RXL_MLD2_REPORT;
}

/*
 * rxlane_tc_port() - anti-spoofing of what a container sends
 *
 * Attached to the tc ingress hook of a container's host-side device
 * ('container add ... dev DEV'): every frame the container sends enters
 * the host there, before it is routed or bridged anywhere, so before any
 * program could create a connection-tracking entry for it. Or, for a
 * container without one (macvlan, ipvlan: 'container add ... port IF
 * netns PATH'), to the tc egress hook of its own interface in its
 * namespace, ahead of rxlane_tc there (rxl_tc_port_next). The device
 * names the container (rxl_ports, by ifindex and namespace cookie); the
 * frame must carry its MAC (when set) and one of its addresses (IPv4,
 * IPv6, ARP's sender), else it is dropped and counted as spoof
 * (Documentation/conntrack.rst, "Anti-spoofing"). Other ethertypes are
 * checked for the MAC only: they reach no tracked path.
 *
 * Context: softirq (the receive path of the device), RCU read side.
 */
SEC("tc")
int rxlane_tc_port(struct __sk_buff *skb)
{
	struct rxl_port_key k = { .ifindex = skb->ifindex,
				  .netns = rxl_tc_netns };
	const struct rxl_port *port = bpf_map_lookup_elem(&rxl_ports, &k);
	void *data, *end;
	__u8 *eth, *l3;

	if (!port)
		return rxl_port_pass();	/* no container's device (any more) */
	/* A container sends untagged frames: a tag could hide a source. */
	if (skb->vlan_present)
		return rxl_spoof(skb, port->id);
	if (skb->len > skb->data_end - skb->data)
		bpf_skb_pull_data(skb, RXL_PORT_PULL);
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	eth = data;
	l3 = eth + RXL_ETH_HLEN;
	if (l3 > (__u8 *)end)
		return rxl_spoof(skb, port->id);
	if ((port->flags & RXL_PORT_MAC) && !rxl_mac_eq(eth + 6, port->mac))
		return rxl_spoof(skb, port->id);
	switch (bpf_ntohs(*(__be16 *)(eth + 12))) {
	case RXL_ETH_P_IP:
		if (l3 + RXL_IPV4_HLEN > (__u8 *)end ||
		    !rxl_own4(l3 + 12, port->id))
			return rxl_spoof(skb, port->id);
		return rxl_port_pass();
	case RXL_ETH_P_IPV6:
		if (l3 + RXL_IPV6_HLEN > (__u8 *)end)
			return rxl_spoof(skb, port->id);
		if (rxl_own6(l3 + 8, port->id) || rxl_ip6_local_ok(l3, end))
			return rxl_port_pass();
		return rxl_spoof(skb, port->id);
	case RXL_ETH_P_ARP:
		if (!rxl_arp_ok(l3, end, port))
			return rxl_spoof(skb, port->id);
		return rxl_port_pass();
	case RXL_ETH_P_8021Q:
	case RXL_ETH_P_8021AD:
		return rxl_spoof(skb, port->id);
	default:
		return rxl_port_pass();
	}
}

char LICENSE[] SEC("license") = "GPL";
