// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane tc egress program: connection tracking and the egress default
 * policy of the packets containers send (Documentation/conntrack.rst).
 * 'rxlane attach DEV' attaches it to DEV's clsact egress hook beside the
 * XDP program; it shares the XDP program's maps (the same definitions,
 * bpf/rxl_maps.h, reused from their pins).
 *
 * The container is found by the packet's source address. With egress
 * default allow, a new flow (TCP SYN, UDP, ICMP echo request) gets an
 * entry and everything passes; with egress default drop, only packets of
 * tracked flows (and IPv6 neighbour discovery) pass.
 *
 * Context: softirq or process context (the egress path of the stack),
 * RCU read side; never sleeps.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "rxl_ct.h"

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
	/* UDP and ICMP headers are shorter than TCP's: read only those. */
	if (len && len <= 8 && l4 + 8 <= (const __u8 *)end)
		pk->tracked = !rxl_ct_tuple(l4, pk->proto, RXL_CT_OUT, &pk->t);
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
		/* A later fragment has no L4 header: never tracked. */
		if (pk->c && !(bpf_ntohs(*(__be16 *)(ip + 6)) & RXL_IP_OFFSET))
			rxl_tc_l4(ip + hlen, end, pk);
		return 0;
	}
	if (skb->protocol == bpf_htons(RXL_ETH_P_IPV6)) {
		struct rxl_in6 src;

		if (ip + RXL_IPV6_HLEN > (__u8 *)end)
			return -1;
		pk->family = 6;
		pk->proto = ip[6];	/* extension headers: not tracked */
		pk->saddr = ip + 8;
		pk->daddr = ip + 24;
		__builtin_memcpy(&src, ip + 8, 16);
		pk->c = bpf_map_lookup_elem(&rxl_addrs6, &src);
		if (pk->c)
			rxl_tc_l4(ip + RXL_IPV6_HLEN, end, pk);
		return 0;
	}
	return -1;
}

/* The egress verdict of a packet its container @pk->c sent. */
static __always_inline int rxl_tc_judge(struct rxl_tc_pkt *pk)
{
	const struct rxl_container *c = pk->c;
	int allow = !(c->flags & RXL_CONT_EGRESS_DROP), res = RXL_CT_MISS;
	__u8 local[16], remote[16];

	if (pk->nd)
		return TC_ACT_OK;
	if (pk->tracked && pk->family == 4) {
		res = rxl_ct_track4(c->id, *(const __be32 *)pk->saddr,
				    *(const __be32 *)pk->daddr, &pk->t, allow);
	} else if (pk->tracked) {
		__builtin_memcpy(local, pk->saddr, 16);
		__builtin_memcpy(remote, pk->daddr, 16);
		res = rxl_ct_track6(c->id, local, remote, &pk->t, allow);
	}
	if (res == RXL_CT_HIT) {
		rxl_ct_count(RXL_CT_STAT_EGRESS);
		return TC_ACT_OK;
	}
	if (res == RXL_CT_NEW)
		return TC_ACT_OK;
	if (allow) {
		rxl_ct_count(RXL_CT_STAT_EGRESS_UNTRACKED);
		return TC_ACT_OK;
	}
	rxl_ct_count(RXL_CT_STAT_EGRESS_DROP);
	return TC_ACT_SHOT;
}

SEC("tc")
int rxlane_tc(struct __sk_buff *skb)
{
	struct rxl_tc_pkt pk = {};

	if (rxl_tc_parse(skb, &pk) || !pk.c)
		return TC_ACT_OK;
	return rxl_tc_judge(&pk);
}

char LICENSE[] SEC("license") = "GPL";
