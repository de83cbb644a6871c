// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane tc egress program: connection tracking and the egress default
 * policy of the packets containers send (Documentation/conntrack.rst).
 * 'rxlane attach DEV' attaches it to DEV's clsact egress hook beside the
 * XDP program; it shares the XDP program's maps (the same definitions,
 * bpf/rxl_maps.h, reused from their pins).
 *
 * The container is found by the packet's source address. A packet of a
 * tracked flow passes without rules. Any other packet is judged by the
 * container's out rules ('fw add NAME out ...'), then by its egress
 * default; allowed, a new flow (TCP SYN, UDP, ICMP echo request) gets an
 * entry, so its replies pass ingress. IPv6 neighbour discovery always
 * passes.
 *
 * A second program, rxlane_tc_port, is the anti-spoofing check on the
 * tc ingress hook of each container's host-side device (below).
 *
 * Context: softirq or process context (the egress path of the stack),
 * RCU read side; never sleeps.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "rxl_ct.h"
#include "rxl_firewall.h"
#include "rxl_frag.h"

/* Headers read, at most: Ethernet, IPv4 with options, an L4 header. */
#define RXL_TC_PULL	(RXL_ETH_HLEN + 60 + RXL_TCP_HLEN)

/* The parsed packet of rxl_tc_parse(). */
struct rxl_tc_pkt {
	const struct rxl_container *c;
	const __u8 *saddr;	/* 4 or 16 bytes in the packet */
	const __u8 *daddr;
	__u8 family;
	__u8 proto;
	__u8 tracked;		/* t is valid */
	__u8 nd;		/* IPv6 neighbour discovery */
	__u8 frag;		/* enum rxl_frag */
	__u8 frag_nh;		/* IPv6 fragment header's next header */
	__be16 ip_id;		/* IPv4 identification, for a fragment */
	__be32 frag_id;		/* IPv6 fragment header's identification */
	__u32 len;		/* skb->len, for the rule counters */
	struct rxl_ct_tuple t;
};

/* The L4 header at @l4 into @pk->t, when the packet is tracked. */
static __always_inline void rxl_tc_l4(const __u8 *l4, const void *end,
				      struct rxl_tc_pkt *pk)
{
	__u32 len = rxl_ct_l4_len(pk->proto);

	if (pk->proto == RXL_IPPROTO_ICMPV6 && l4 + 1 <= (const __u8 *)end &&
	    l4[0] >= RXL_ND_FIRST && l4[0] <= RXL_ND_LAST)
		pk->nd = 1;
	if (!len || l4 + RXL_TCP_HLEN > (const __u8 *)end)
		goto short_hdr;
	pk->tracked = !rxl_ct_tuple(l4, pk->proto, RXL_CT_OUT, &pk->t);
	return;
short_hdr:
	/*
	 * UDP and ICMP headers are shorter than TCP's: read only those,
	 * from a copy as long as a TCP header, so that no read depends on
	 * the verifier's knowing the protocol (6.1's refused a merged path
	 * that read l4[13] after an 8-byte check).
	 */
	if (len && len <= 8 && l4 + 8 <= (const __u8 *)end) {
		__u8 h[RXL_TCP_HLEN] = {};

		__builtin_memcpy(h, l4, 8);
		pk->tracked = !rxl_ct_tuple(h, pk->proto, RXL_CT_OUT, &pk->t);
	}
}

/*
 * A fragment header right after the IPv6 header at @ip (where Linux
 * writes it when no other extension header comes first): the packet's
 * fragment kind, its datagram's name (pk->frag_id, pk->frag_nh) and its
 * protocol, the fragment header's next header. Returns the first byte
 * after it. An atomic fragment (offset 0, no MF) is a whole packet.
 * Other extension headers are not walked on egress (conntrack.rst).
 */
static __always_inline const __u8 *rxl_tc_frag6(const __u8 *ip,
						const void *end,
						struct rxl_tc_pkt *pk)
{
	const __u8 *fh = ip + RXL_IPV6_HLEN;
	__u16 fo;

	if (fh + 8 > (const __u8 *)end)
		return fh;
	fo = bpf_ntohs(*(const __be16 *)(fh + 2));
	if (fo & 0xfff8)
		pk->frag = RXL_FRAG_LATER;
	else if (fo & 1)
		pk->frag = RXL_FRAG_FIRST;
	pk->frag_id = *(const __be32 *)(fh + 4);
	pk->frag_nh = fh[0];
	pk->proto = fh[0];
	return fh + 8;
}

/*
 * Parse @skb: 0 with @pk filled (pk->c NULL: no container sent it), or
 * -1 when it is not IP or not readable (passed untouched).
 */
static __always_inline int rxl_tc_parse(struct __sk_buff *skb,
					struct rxl_tc_pkt *pk)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	__u8 *ip = data + RXL_ETH_HLEN;
	__u32 hlen;
	__u16 frag;

	if (data + RXL_TC_PULL > end && skb->len > end - data) {
		bpf_skb_pull_data(skb, RXL_TC_PULL);
		data = (void *)(long)skb->data;
		end = (void *)(long)skb->data_end;
		ip = data + RXL_ETH_HLEN;
	}
	if (skb->protocol == bpf_htons(RXL_ETH_P_IP)) {
		if (ip + RXL_IPV4_HLEN > (__u8 *)end)
			return -1;
		hlen = (ip[0] & 0xf) * 4;
		if (hlen < RXL_IPV4_HLEN)
			return -1;
		pk->family = 4;
		pk->proto = ip[9];
		pk->saddr = ip + 12;
		pk->daddr = ip + 16;
		pk->c = bpf_map_lookup_elem(&rxl_addrs4, ip + 12);
		frag = bpf_ntohs(*(__be16 *)(ip + 6));
		if (frag & (RXL_IP_MF | RXL_IP_OFFSET)) {
			pk->frag = frag & RXL_IP_OFFSET ? RXL_FRAG_LATER :
							  RXL_FRAG_FIRST;
			pk->ip_id = *(__be16 *)(ip + 4);
		}
		/* A later fragment has no L4 header: never tracked. */
		if (pk->c && pk->frag != RXL_FRAG_LATER)
			rxl_tc_l4(ip + hlen, end, pk);
		return 0;
	}
	if (skb->protocol == bpf_htons(RXL_ETH_P_IPV6)) {
		const __u8 *l4 = ip + RXL_IPV6_HLEN;
		struct rxl_in6 src;

		if (ip + RXL_IPV6_HLEN > (__u8 *)end)
			return -1;
		pk->family = 6;
		pk->proto = ip[6];	/* extension headers: not tracked */
		pk->saddr = ip + 8;
		pk->daddr = ip + 24;
		__builtin_memcpy(&src, ip + 8, 16);
		pk->c = bpf_map_lookup_elem(&rxl_addrs6, &src);
		if (pk->proto == RXL_IPPROTO_FRAGMENT)
			l4 = rxl_tc_frag6(ip, end, pk);
		if (pk->c && pk->frag != RXL_FRAG_LATER)
			rxl_tc_l4(l4, end, pk);
		return 0;
	}
	return -1;
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
 * The egress verdict of a packet its container @pk->c sent: a tracked
 * flow passes; anything else is judged (rxl_tc_allowed()) and, allowed
 * and opening a flow, creates its entry. A container without out rules
 * knows its verdict before the lookup, which then creates the entry at
 * once (one lookup, as before out rules).
 */
static __always_inline int rxl_tc_judge(struct rxl_tc_pkt *pk)
{
	const struct rxl_container *c = pk->c;
	int allow = !(c->flags & RXL_CONT_EGRESS_DROP), res = RXL_CT_MISS;
	int ruled = 0;
	struct rxl_ct4_key k4 = {};
	struct rxl_ct6_key k6 = {};
	struct rxl_ct_val nv = {};
	void *map = &rxl_ct4, *half = &rxl_ct4_half, *key = &k4;

	if (pk->nd)
		return TC_ACT_OK;
	if (pk->tracked) {
		if (pk->family == 4) {
			k4.zone = c->id;
			k4.local = *(const __be32 *)pk->saddr;
			k4.remote = *(const __be32 *)pk->daddr;
			k4.lport = pk->t.lport;
			k4.rport = pk->t.rport;
			k4.proto = pk->t.proto;
		} else {
			k6.zone = c->id;
			__builtin_memcpy(k6.local, pk->saddr, 16);
			__builtin_memcpy(k6.remote, pk->daddr, 16);
			k6.lport = pk->t.lport;
			k6.rport = pk->t.rport;
			k6.proto = pk->t.proto;
			map = &rxl_ct6;
			half = &rxl_ct6_half;
			key = &k6;
		}
		res = rxl_ct_track(map, half, key, &pk->t,
				   allow && !c->nout);
	}
	if (res == RXL_CT_HIT) {
		rxl_ct_count(RXL_CT_STAT_EGRESS);
		return TC_ACT_OK;
	}
	if (res == RXL_CT_NEW)
		return TC_ACT_OK;
	if (c->nout) {
		allow = rxl_tc_allowed(pk, &ruled);
		if (allow && pk->tracked && pk->t.opens &&
		    rxl_ct_create(map, half, key, &pk->t,
				  bpf_ktime_get_coarse_ns(), &nv, res) ==
		    RXL_CT_NEW)
			return TC_ACT_OK;
	}
	if (allow) {
		rxl_ct_count(RXL_CT_STAT_EGRESS_UNTRACKED);
		return TC_ACT_OK;
	}
	/* The egress default refused a later fragment its first did not open. */
	rxl_ct_count(pk->frag == RXL_FRAG_LATER && !ruled ?
		     RXL_CT_STAT_FRAG_NO_FIRST : RXL_CT_STAT_EGRESS_DROP);
	return TC_ACT_SHOT;
}

/*
 * A later fragment of container @pk->c whose first fragment passed
 * (rxl_frag.h): it passes too.
 */
static __always_inline int rxl_tc_frag_follows(const struct rxl_tc_pkt *pk)
{
	int follows;

	if (pk->frag != RXL_FRAG_LATER)
		return 0;
	if (pk->family == 6)
		follows = rxl_frag6_follows(pk->c->id, pk->saddr, pk->daddr,
					    pk->frag_id, pk->frag_nh);
	else
		follows = rxl_frag4_follows(pk->c->id,
					    *(const __be32 *)pk->saddr,
					    *(const __be32 *)pk->daddr,
					    pk->ip_id, pk->proto);
	if (!follows)
		return 0;
	rxl_ct_count(RXL_CT_STAT_FRAG_FOLLOWED);
	return 1;
}

/* Note the first fragment @pk, which passed, for its later ones. */
static __always_inline void rxl_tc_frag_note(const struct rxl_tc_pkt *pk)
{
	if (pk->family == 6)
		rxl_frag6_note(pk->c->id, pk->saddr, pk->daddr, pk->frag_id,
			       pk->frag_nh);
	else
		rxl_frag4_note(pk->c->id, *(const __be32 *)pk->saddr,
			       *(const __be32 *)pk->daddr, pk->ip_id,
			       pk->proto);
}

/*
 * A fragment is judged like a whole packet (a later one without ports),
 * unless it is a later one whose first passed; a first one that passes
 * is noted for its later ones. A packet that is no fragment tests
 * pk.frag twice (one judge inlined, not two: 1300 instructions fewer).
 */
SEC("tc")
int rxlane_tc(struct __sk_buff *skb)
{
	struct rxl_tc_pkt pk = { .len = skb->len };
	int act;

	if (rxl_tc_parse(skb, &pk) || !pk.c)
		return TC_ACT_OK;
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

/* Headers read, at most: Ethernet, IPv6, a hop-by-hop header, ICMPv6. */
#define RXL_PORT_PULL	(RXL_ETH_HLEN + RXL_IPV6_HLEN + 8 + 4)

#define RXL_ARP_HLEN	28	/* Ethernet/IPv4 ARP */
#define RXL_ICMP6_NS	135
#define RXL_MLD_FIRST	130	/* query, v1 report, v1 done */
#define RXL_MLD_LAST	132
#define RXL_MLD2_REPORT	143

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

static __always_inline int rxl_mac_eq(const __u8 *a, const __u8 *b)
{
	return *(const __u32 *)a == *(const __u32 *)b &&
	       *(const __u16 *)(a + 4) == *(const __u16 *)(b + 4);
}

/* Whether the IPv4 address at @a is container @id's. */
static __always_inline int rxl_own4(const __u8 *a, __u32 id)
{
	__be32 k = *(const __be32 *)a;
	const struct rxl_container *c = bpf_map_lookup_elem(&rxl_addrs4, &k);

	return c && c->id == id;
}

static __always_inline int rxl_own6(const __u8 *a, __u32 id)
{
	const struct rxl_container *c;
	struct rxl_in6 k;

	__builtin_memcpy(&k, a, 16);
	c = bpf_map_lookup_elem(&rxl_addrs6, &k);
	return c && c->id == id;
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
 * program could create a connection-tracking entry for it. The device
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
		return TC_ACT_OK;	/* no container's device (any more) */
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
		return TC_ACT_OK;
	case RXL_ETH_P_IPV6:
		if (l3 + RXL_IPV6_HLEN > (__u8 *)end)
			return rxl_spoof(skb, port->id);
		if (rxl_own6(l3 + 8, port->id) || rxl_ip6_local_ok(l3, end))
			return TC_ACT_OK;
		return rxl_spoof(skb, port->id);
	case RXL_ETH_P_ARP:
		if (!rxl_arp_ok(l3, end, port))
			return rxl_spoof(skb, port->id);
		return TC_ACT_OK;
	case RXL_ETH_P_8021Q:
	case RXL_ETH_P_8021AD:
		return rxl_spoof(skb, port->id);
	default:
		return TC_ACT_OK;
	}
}

char LICENSE[] SEC("license") = "GPL";
