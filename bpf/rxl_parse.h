/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rxl_parse.h - bounds-checked header parsing for the rxlane XDP fast path
 * and the tc egress program (RXL_PARSE_CTX).
 *
 * Positions are offsets from the start of the buffer. The frame being
 * judged runs from p->base to p->len, the end of the buffer: the whole
 * buffer, or after a decap the inner frame, parsed where it lies (the
 * outer headers are removed only when the packet is passed, rxl_strip()).
 * Every read goes through rxl_hdr(), which refuses offsets past
 * RXL_MAX_HDR_OFF and headers past the buffer. Lengths the verifier
 * cannot judge are
 * checked explicitly: IPv4 IHL >= 5, IPv4 total length and IPv6 payload
 * length within the frame, extension headers within the IP packet, TCP data
 * offset >= 5 and within the IP packet.
 *
 * Bounds (rxl_consts.h): at most RXL_VLAN_MAX_DEPTH VLAN tags, at most
 * RXL_IPV6_MAX_EXTHDRS extension headers, L4 header before RXL_MAX_L4_OFF
 * (counted from the start of the frame being judged).
 *
 * The parse functions return RXL_CONT to go on, or an enum rxl_drop_reason.
 */
#ifndef _RXL_PARSE_H
#define _RXL_PARSE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "rxl_consts.h"
#include "rxlane_maps.h"

/*
 * The program context the parsers read the packet from: struct xdp_md
 * (the XDP program, the default) or struct __sk_buff (the tc program
 * defines RXL_PARSE_CTX so before it includes this header). Both have
 * data and data_end, all the parsers touch.
 */
#ifndef RXL_PARSE_CTX
#define RXL_PARSE_CTX struct xdp_md
#endif

#define RXL_CONT	(-1)	/* parsed, go on */
#define RXL_NOT_TUNNEL	(-2)	/* addressed to a VTEP but not a tunnel */

/* What the parser learnt about the frame being judged. */
struct rxl_pkt {
	__u32 base;		/* start of the frame: 0, or the inner frame */
	__u32 len;		/* end of the frame */
	__u32 l3_off;		/* IP header */
	__u32 l4_off;		/* first byte after the IP headers */
	__u32 ip_end;		/* one past the IP packet */
	__u16 eth_proto;	/* host order, after VLAN tags */
	__u16 dport;		/* host order, valid if has_ports */
	__u8 family;		/* 4, 6, or 0 for non-IP */
	__u8 proto;		/* L4 protocol after extension headers */
	__u8 frag;		/* enum rxl_frag */
	__u8 has_ports;		/* TCP/UDP header seen */
	__u8 icmp_type;		/* valid if has_icmp */
	__u8 has_icmp;
	__u8 hop_limit;		/* IPv6 only */
	__u8 frag_nh;		/* IPv6 fragment: its next header */
	__be32 saddr4;
	__be32 daddr4;
	__be32 frag_id;		/* IPv6 fragment: its identification */
	struct rxl_in6 saddr6;
	struct rxl_in6 daddr6;
	/*
	 * Set by rxl_decap() only, read only when @base is not 0: the
	 * binding the frame came on (rxl_cont_vni()) and the offset of the
	 * outer IP header, whose source is the remote VTEP (rxl_ct.h,
	 * rxl_ct_path_in()).
	 */
	__u32 tun;
	__u32 outer_l3;
};

/* @len bytes at @off of the buffer [@data, @data_end), or NULL. */
static __always_inline void *rxl_hdr_in(void *data, void *data_end, __u32 off,
					__u32 len)
{
	__u64 o = off;
	void *h;

	if (o > RXL_MAX_HDR_OFF)
		return NULL;
	/*
	 * Bound the very register the add uses: the compiler may test a
	 * copy of @off and add one it spilled before the test, and 6.1's
	 * verifier does not carry the test's bound to a copy spilled
	 * before it (the pointer then has no range, and every read
	 * through it is refused). The mask keeps every offset the test
	 * let through.
	 */
	asm volatile("%0 &= %1" : "+r"(o) : "i"(RXL_HDR_OFF_MASK));
	h = data + o;
	if (h + len > data_end)
		return NULL;
	return h;
}

/*
 * @len bytes at @off of the packet of @ctx (either context type), or NULL
 * when they are not all in the buffer (for a tc program: in the linear
 * part). The frame judged always ends where the buffer does:
 * rxl_decap() trims any padding past the outer IP packet. @p, the frame,
 * is for the reader. A macro, not a function, so that code written for
 * one context type (rxl_ct.h's XDP-only related-error lookups) still
 * compiles in the other program's object.
 */
#define rxl_hdr(ctx, p, off, len)					\
	rxl_hdr_in((void *)(long)(ctx)->data,				\
		   (void *)(long)(ctx)->data_end, (off), (len))

/* Ethernet and up to RXL_VLAN_MAX_DEPTH VLAN tags. */
static __always_inline int rxl_parse_l2(RXL_PARSE_CTX *ctx, struct rxl_pkt *p)
{
	__u8 *eth = rxl_hdr(ctx, p, p->base, RXL_ETH_HLEN);
	__u32 off = p->base + RXL_ETH_HLEN;
	__be16 proto;
	int i;

	if (!eth)
		return RXL_DROP_L2_TRUNC;
	proto = *(__be16 *)(eth + 12);
#pragma unroll
	for (i = 0; i < RXL_VLAN_MAX_DEPTH; i++) {
		__u8 *vlan;

		if (proto != bpf_htons(RXL_ETH_P_8021Q) &&
		    proto != bpf_htons(RXL_ETH_P_8021AD))
			break;
		vlan = rxl_hdr(ctx, p, off, RXL_VLAN_HLEN);
		if (!vlan)
			return RXL_DROP_L2_TRUNC;
		proto = *(__be16 *)(vlan + 2);
		off += RXL_VLAN_HLEN;
	}
	if (proto == bpf_htons(RXL_ETH_P_8021Q) ||
	    proto == bpf_htons(RXL_ETH_P_8021AD))
		return RXL_DROP_VLAN_DEPTH;
	p->eth_proto = bpf_ntohs(proto);
	p->l3_off = off;
	return RXL_CONT;
}

static __always_inline int rxl_parse_ipv4(RXL_PARSE_CTX *ctx,
					  struct rxl_pkt *p)
{
	__u8 *iph = rxl_hdr(ctx, p, p->l3_off, RXL_IPV4_HLEN);
	__u32 hlen, tot;
	__u16 frag;

	if (!iph)
		return RXL_DROP_IPV4_TRUNC;
	if ((iph[0] >> 4) != 4)
		return RXL_DROP_IP_VERSION;
	hlen = (iph[0] & 0xf) * 4;
	if (hlen < RXL_IPV4_HLEN)
		return RXL_DROP_IPV4_IHL;
	if (p->l3_off + hlen > p->len)
		return RXL_DROP_IPV4_TRUNC;
	tot = bpf_ntohs(*(__be16 *)(iph + 2));
	if (tot < hlen || p->l3_off + tot > p->len)
		return RXL_DROP_IPV4_LEN;
	frag = bpf_ntohs(*(__be16 *)(iph + 6));
	if (frag & RXL_IP_OFFSET)
		p->frag = RXL_FRAG_LATER;
	else if (frag & RXL_IP_MF)
		p->frag = RXL_FRAG_FIRST;
	p->family = 4;
	p->proto = iph[9];
	p->saddr4 = *(__be32 *)(iph + 12);
	p->daddr4 = *(__be32 *)(iph + 16);
	p->l4_off = p->l3_off + hlen;
	p->ip_end = p->l3_off + tot;
	return RXL_CONT;
}

/* One IPv6 extension header at p->l4_off; updates *nexthdr, p->l4_off. */
static __always_inline int rxl_skip_exthdr(RXL_PARSE_CTX *ctx,
					   struct rxl_pkt *p, __u8 *nexthdr)
{
	__u8 *h;
	__u32 hlen;
	__u16 fo;

	if (p->l4_off - p->base > RXL_MAX_L4_OFF)
		return RXL_DROP_HDR_DEPTH;
	h = rxl_hdr(ctx, p, p->l4_off, 8);
	if (!h || p->l4_off + 8 > p->ip_end)
		return RXL_DROP_EXTHDR_TRUNC;
	switch (*nexthdr) {
	case RXL_IPPROTO_FRAGMENT:
		/*
		 * A second fragment header never makes the packet less of a
		 * fragment: an atomic one after a first fragment's leaves
		 * it a first fragment (LATER > FIRST > ATOMIC > NONE).
		 */
		fo = bpf_ntohs(*(__be16 *)(h + 2));
		if (fo & 0xfff9) {
			/* The datagram's name, for rxl_frag6 (rxl_frag.h). */
			p->frag_id = *(__be32 *)(h + 4);
			p->frag_nh = h[0];
		}
		if (fo & 0xfff8)
			p->frag = RXL_FRAG_LATER;
		else if (fo & 1) {
			if (p->frag != RXL_FRAG_LATER)
				p->frag = RXL_FRAG_FIRST;
		} else if (p->frag == RXL_FRAG_NONE) {
			/* RFC 6946: a whole packet, remembered for ND */
			p->frag = RXL_FRAG_ATOMIC;
		}
		hlen = 8;
		break;
	case RXL_IPPROTO_AH:
		hlen = (h[1] + 2) * 4;
		break;
	default:	/* hop-by-hop, routing, destination options */
		hlen = (h[1] + 1) * 8;
		break;
	}
	if (p->l4_off + hlen > p->ip_end)
		return RXL_DROP_EXTHDR_TRUNC;
	*nexthdr = h[0];
	p->l4_off += hlen;
	return RXL_CONT;
}

static __always_inline int rxl_is_exthdr(__u8 nexthdr)
{
	return nexthdr == RXL_IPPROTO_HOPOPTS ||
	       nexthdr == RXL_IPPROTO_ROUTING ||
	       nexthdr == RXL_IPPROTO_FRAGMENT ||
	       nexthdr == RXL_IPPROTO_AH ||
	       nexthdr == RXL_IPPROTO_DSTOPTS;
}

static __always_inline int rxl_parse_ipv6(RXL_PARSE_CTX *ctx,
					  struct rxl_pkt *p)
{
	__u8 *ip6 = rxl_hdr(ctx, p, p->l3_off, RXL_IPV6_HLEN);
	__u8 nexthdr;
	int i, rc;

	if (!ip6)
		return RXL_DROP_IPV6_TRUNC;
	if ((ip6[0] >> 4) != 6)
		return RXL_DROP_IP_VERSION;
	p->ip_end = p->l3_off + RXL_IPV6_HLEN +
		    bpf_ntohs(*(__be16 *)(ip6 + 4));
	if (p->ip_end > p->len)
		return RXL_DROP_IPV6_LEN;
	p->family = 6;
	p->hop_limit = ip6[7];
	__builtin_memcpy(&p->saddr6, ip6 + 8, 16);
	__builtin_memcpy(&p->daddr6, ip6 + 24, 16);
	nexthdr = ip6[6];
	p->l4_off = p->l3_off + RXL_IPV6_HLEN;
#pragma unroll
	for (i = 0; i < RXL_IPV6_MAX_EXTHDRS; i++) {
		if (!rxl_is_exthdr(nexthdr) || p->frag == RXL_FRAG_LATER)
			break;
		rc = rxl_skip_exthdr(ctx, p, &nexthdr);
		if (rc != RXL_CONT)
			return rc;
	}
	if (rxl_is_exthdr(nexthdr) && p->frag != RXL_FRAG_LATER)
		return RXL_DROP_EXTHDR_CHAIN;
	p->proto = nexthdr;
	return RXL_CONT;
}

/*
 * The common frame in one step: Ethernet without a VLAN tag, IPv4
 * without options, not a fragment, its total length within the frame.
 * One bounds check for both headers, one compare for version and IHL.
 * Sets what rxl_parse_l2() and rxl_parse_ipv4() would set, to the same
 * values, and returns 1; returns 0 (having set nothing) for any other
 * frame, which the general parsers then judge, errors included: for every
 * frame the result is theirs (issue 17: the general walk cost 8 % of the
 * VXLAN path, which runs it twice).
 */
static __always_inline int rxl_parse_l3_common(RXL_PARSE_CTX *ctx,
					       struct rxl_pkt *p)
{
	__u8 *h = rxl_hdr(ctx, p, p->base, RXL_ETH_HLEN + RXL_IPV4_HLEN);
	__u32 l3 = p->base + RXL_ETH_HLEN, tot;

	if (!h || *(__be16 *)(h + 12) != bpf_htons(RXL_ETH_P_IP) ||
	    h[RXL_ETH_HLEN] != 0x45 ||
	    (*(__be16 *)(h + RXL_ETH_HLEN + 6) &
	     bpf_htons(RXL_IP_MF | RXL_IP_OFFSET)))
		return 0;
	tot = bpf_ntohs(*(__be16 *)(h + RXL_ETH_HLEN + 2));
	if (tot < RXL_IPV4_HLEN || l3 + tot > p->len)
		return 0;
	p->eth_proto = RXL_ETH_P_IP;
	p->l3_off = l3;
	p->family = 4;
	p->proto = h[RXL_ETH_HLEN + 9];
	p->saddr4 = *(__be32 *)(h + RXL_ETH_HLEN + 12);
	p->daddr4 = *(__be32 *)(h + RXL_ETH_HLEN + 16);
	p->l4_off = l3 + RXL_IPV4_HLEN;
	p->ip_end = l3 + tot;
	return 1;
}

/*
 * Ethernet, VLAN, IPv4/IPv6 and IPv6 extension headers of the frame at
 * [p->base, p->len).
 */
static __always_inline int rxl_parse_l3(RXL_PARSE_CTX *ctx, struct rxl_pkt *p)
{
	int rc;

	if (rxl_parse_l3_common(ctx, p))
		return RXL_CONT;
	rc = rxl_parse_l2(ctx, p);
	if (rc != RXL_CONT)
		return rc;
	if (p->eth_proto == RXL_ETH_P_IP)
		rc = rxl_parse_ipv4(ctx, p);
	else if (p->eth_proto == RXL_ETH_P_IPV6)
		rc = rxl_parse_ipv6(ctx, p);
	if (rc == RXL_CONT && p->family &&
	    p->l4_off - p->base > RXL_MAX_L4_OFF)
		return RXL_DROP_HDR_DEPTH;
	return rc;
}

/*
 * TCP, UDP, ICMP/ICMPv6 header of the IP packet. A non-first fragment has
 * no L4 header and is judged without ports. A first fragment must hold
 * the whole L4 header, or it is dropped (RXL_DROP_FRAG_TINY): ports can
 * then never hide in a later fragment.
 */
static __always_inline int rxl_parse_l4(RXL_PARSE_CTX *ctx, struct rxl_pkt *p)
{
	int trunc = p->frag == RXL_FRAG_FIRST ? RXL_DROP_FRAG_TINY :
						RXL_DROP_L4_TRUNC;
	__u32 off = p->l4_off;
	__u8 *l4;

	if (p->frag == RXL_FRAG_LATER)
		return RXL_CONT;
	switch (p->proto) {
	case RXL_IPPROTO_TCP:
		l4 = rxl_hdr(ctx, p, off, RXL_TCP_HLEN);
		if (!l4 || off + RXL_TCP_HLEN > p->ip_end)
			return trunc;
		if ((l4[12] >> 4) < 5)
			return RXL_DROP_TCP_DOFF;
		if (off + (l4[12] >> 4) * 4 > p->ip_end)
			return p->frag == RXL_FRAG_FIRST ? RXL_DROP_FRAG_TINY :
							   RXL_DROP_TCP_DOFF;
		break;
	case RXL_IPPROTO_UDP:
		l4 = rxl_hdr(ctx, p, off, RXL_UDP_HLEN);
		if (!l4 || off + RXL_UDP_HLEN > p->ip_end)
			return trunc;
		break;
	case RXL_IPPROTO_ICMP:
	case RXL_IPPROTO_ICMPV6:
		l4 = rxl_hdr(ctx, p, off, RXL_ICMP_HLEN);
		if (!l4 || off + RXL_ICMP_HLEN > p->ip_end)
			return trunc;
		p->icmp_type = l4[0];
		p->has_icmp = 1;
		return RXL_CONT;
	default:
		return RXL_CONT;
	}
	p->dport = bpf_ntohs(*(__be16 *)(l4 + 2));
	p->has_ports = 1;
	return RXL_CONT;
}

/* Whether IPv6 addresses @a and @b are the same. */
static __always_inline int rxl_in6_eq(const __u8 *a, const __u8 *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

#endif /* _RXL_PARSE_H */
