/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rxl_consts.h - protocol constants, on-wire tunnel headers and the parse
 * bounds of the rxlane XDP fast path.
 */
#ifndef _RXL_CONSTS_H
#define _RXL_CONSTS_H

#include <linux/types.h>

/*
 * Parse bounds. Each is tested one past the bound in
 * selftests/host/fastpath_test.c.
 */
#define RXL_VLAN_MAX_DEPTH	2	/* 802.1Q/802.1ad tags per frame */
#define RXL_IPV6_MAX_EXTHDRS	6	/* extension headers skipped */
#define RXL_MAX_L4_OFF		512	/* L4 header must start before this */

/*
 * No header read starts past this buffer offset: an inner frame starts at
 * most RXL_MAX_L4_OFF + 8 (UDP) + 8 + 252 (GENEVE and its options) in,
 * and reads into a frame stop RXL_MAX_L4_OFF + 64 past its start.
 */
#define RXL_MAX_HDR_OFF		(2 * RXL_MAX_L4_OFF + 8 + 260 + 64)
/* All ones, at least RXL_MAX_HDR_OFF: rxl_hdr_in()'s mask. */
#define RXL_HDR_OFF_MASK	0x7ff
_Static_assert(RXL_HDR_OFF_MASK >= RXL_MAX_HDR_OFF &&
	       !(RXL_HDR_OFF_MASK & (RXL_HDR_OFF_MASK + 1)), "RXL_HDR_OFF_MASK");

#define RXL_ETH_HLEN		14
#define RXL_VLAN_HLEN		4
#define RXL_IPV4_HLEN		20
#define RXL_IPV6_HLEN		40
#define RXL_UDP_HLEN		8
#define RXL_TCP_HLEN		20
#define RXL_ICMP_HLEN		4	/* type, code, checksum */

#define RXL_ETH_P_IP		0x0800
#define RXL_ETH_P_ARP		0x0806
#define RXL_ETH_P_8021Q		0x8100
#define RXL_ETH_P_8021AD	0x88A8
#define RXL_ETH_P_IPV6		0x86DD
#define RXL_ETH_P_TEB		0x6558	/* transparent Ethernet bridging */

#define RXL_IPPROTO_HOPOPTS	0
#define RXL_IPPROTO_ICMP	1
#define RXL_IPPROTO_TCP		6
#define RXL_IPPROTO_UDP		17
#define RXL_IPPROTO_ROUTING	43
#define RXL_IPPROTO_FRAGMENT	44
#define RXL_IPPROTO_GRE		47
#define RXL_IPPROTO_AH		51
#define RXL_IPPROTO_ICMPV6	58
#define RXL_IPPROTO_DSTOPTS	60

/* IPv4 frag_off bits (host order after bpf_ntohs). */
#define RXL_IP_MF		0x2000
#define RXL_IP_OFFSET		0x1fff

/*
 * ICMPv6 neighbour discovery types: never filtered when they come with
 * hop limit 255 (RFC 4861 7.1.1: anything less was forwarded, and every
 * receiver discards it).
 */
#define RXL_ND_FIRST		133	/* router solicitation */
#define RXL_ND_LAST		137	/* redirect */
#define RXL_ND_HOP_LIMIT	255

/* Fragment state of the packet being judged. */
enum rxl_frag {
	RXL_FRAG_NONE,		/* not a fragment */
	RXL_FRAG_FIRST,		/* offset 0, more fragments follow */
	RXL_FRAG_LATER,		/* offset > 0: no L4 header */
	RXL_FRAG_ATOMIC,	/* IPv6 fragment header on a whole packet */
};

/* VXLAN (RFC 7348). */
struct rxl_vxlanhdr {
	__u8 flags;		/* RXL_VXLAN_FLAG_I must be set */
	__u8 rsvd1[3];
	__u8 vni[3];
	__u8 rsvd2;
};
#define RXL_VXLAN_FLAG_I	0x08

/* GENEVE (RFC 8926). */
struct rxl_genevehdr {
	__u8 ver_optlen;	/* version (2 bits) | options length (6) */
	__u8 flags;		/* O, C */
	__be16 proto;		/* RXL_ETH_P_TEB */
	__u8 vni[3];
	__u8 rsvd;
};
#define RXL_GENEVE_FLAG_O	0x80	/* control message (OAM) */
#define RXL_GENEVE_FLAG_C	0x40	/* critical options present */
#define RXL_GENEVE_VER(h)	((h)->ver_optlen >> 6)
#define RXL_GENEVE_OPTLEN(h)	(((h)->ver_optlen & 0x3f) * 4)

/* GRE base header (RFC 2784/2890); NVGRE is RFC 7637. */
struct rxl_grehdr {
	__be16 flags;
	__be16 proto;
};
#define RXL_GRE_CSUM		0x8000
#define RXL_GRE_ROUTING		0x4000
#define RXL_GRE_KEY		0x2000
#define RXL_GRE_SEQ		0x1000
#define RXL_GRE_VERSION		0x0007

#endif /* _RXL_CONSTS_H */
