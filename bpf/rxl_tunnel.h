/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rxl_tunnel.h - the tunnel headers of VXLAN, GENEVE and NVGRE packets to
 * or from a configured local VTEP, read where they lie. Shared by the XDP
 * program's decap (rxl_decap.h: packets to a VTEP) and the tc egress
 * program (rxlane_tc.bpf.c: packets from one, whose inner tuple it
 * tracks), so both sides accept exactly the same tunnels: the configured
 * UDP ports (rxl_config), the VTEP's tunnel types (rxl_vteps), the known
 * VNIs (rxl_vnis). Reads go through rxl_hdr(), so the context is either
 * program's (RXL_PARSE_CTX).
 */
#ifndef _RXL_TUNNEL_H
#define _RXL_TUNNEL_H

#include "rxl_maps.h"
#include "rxl_parse.h"

static __always_inline __u32 rxl_vni24(const __u8 *v)
{
	return ((__u32)v[0] << 16) | ((__u32)v[1] << 8) | v[2];
}

/* Sets *type, *vni and *inner for a UDP tunnel packet. */
static __always_inline int rxl_udp_tunnel(RXL_PARSE_CTX *ctx,
					  struct rxl_pkt *p,
					  const struct rxl_config *cfg,
					  __u32 *type, __u32 *vni,
					  __u32 *inner)
{
	__u16 vxlan_port = cfg->vxlan_port ?: RXL_VXLAN_PORT;
	__u16 geneve_port = cfg->geneve_port ?: RXL_GENEVE_PORT;
	__u32 off = p->l4_off + RXL_UDP_HLEN;
	__u8 *udp = rxl_hdr(ctx, p, p->l4_off, RXL_UDP_HLEN);
	__u16 dport;

	if (!udp || off > p->ip_end)
		return RXL_DROP_L4_TRUNC;
	dport = bpf_ntohs(*(__be16 *)(udp + 2));
	if (p->frag == RXL_FRAG_FIRST)
		return dport == vxlan_port || dport == geneve_port ?
		       RXL_DROP_OUTER_FRAG : RXL_NOT_TUNNEL;
	if (dport == vxlan_port) {
		struct rxl_vxlanhdr *vx = rxl_hdr(ctx, p, off, sizeof(*vx));

		if (!vx || off + sizeof(*vx) > p->ip_end)
			return RXL_DROP_TUNNEL_TRUNC;
		if (!(vx->flags & RXL_VXLAN_FLAG_I))
			return RXL_DROP_VXLAN_BAD;
		*type = RXL_TUN_VXLAN;
		*vni = rxl_vni24(vx->vni);
		*inner = off + sizeof(*vx);
		return RXL_CONT;
	}
	if (dport == geneve_port) {
		struct rxl_genevehdr *gh = rxl_hdr(ctx, p, off, sizeof(*gh));

		if (!gh || off + sizeof(*gh) > p->ip_end)
			return RXL_DROP_TUNNEL_TRUNC;
		if (RXL_GENEVE_VER(gh) != 0 ||
		    gh->proto != bpf_htons(RXL_ETH_P_TEB))
			return RXL_DROP_GENEVE_BAD;
		/* RFC 8926 3.5: we understand no option, critical or not. */
		if (gh->flags & RXL_GENEVE_FLAG_C)
			return RXL_DROP_GENEVE_CRITICAL;
		/*
		 * RFC 8926 3.4: a control message is for the tunnel
		 * endpoint; its payload must not be forwarded. Not passed
		 * encapsulated either: a kernel geneve device on this port
		 * would decapsulate it past the containers' rules.
		 */
		if (gh->flags & RXL_GENEVE_FLAG_O)
			return RXL_DROP_GENEVE_OAM;
		*inner = off + sizeof(*gh) + RXL_GENEVE_OPTLEN(gh);
		if (*inner > p->ip_end)
			return RXL_DROP_GENEVE_OPTLEN;
		*type = RXL_TUN_GENEVE;
		*vni = rxl_vni24(gh->vni);
		return RXL_CONT;
	}
	return RXL_NOT_TUNNEL;
}

/* NVGRE: GRE version 0, key present, no routing, protocol 0x6558. */
static __always_inline int rxl_gre_tunnel(RXL_PARSE_CTX *ctx,
					  struct rxl_pkt *p, __u32 *type,
					  __u32 *vni, __u32 *inner)
{
	struct rxl_grehdr *gre = rxl_hdr(ctx, p, p->l4_off, sizeof(*gre));
	__u32 off = p->l4_off + sizeof(*gre);
	__u16 flags;
	__u8 *key;

	if (!gre || off > p->ip_end)
		return RXL_DROP_TUNNEL_TRUNC;
	if (gre->proto != bpf_htons(RXL_ETH_P_TEB))
		return RXL_NOT_TUNNEL;
	if (p->frag == RXL_FRAG_FIRST)
		return RXL_DROP_OUTER_FRAG;
	flags = bpf_ntohs(gre->flags);
	if ((flags & (RXL_GRE_VERSION | RXL_GRE_ROUTING)) ||
	    !(flags & RXL_GRE_KEY))
		return RXL_DROP_NVGRE_BAD;
	if (flags & RXL_GRE_CSUM)
		off += 4;
	key = rxl_hdr(ctx, p, off, 4);
	if (!key || off + 4 > p->ip_end)
		return RXL_DROP_TUNNEL_TRUNC;
	*type = RXL_TUN_NVGRE;
	*vni = rxl_vni24(key);	/* VSID: upper 24 bits of the key */
	*inner = off + 4 + ((flags & RXL_GRE_SEQ) ? 4 : 0);
	return RXL_CONT;
}

/*
 * rxl_tunnel() - the tunnel headers of UDP or GRE packet @p
 * @ctx: the packet
 * @p: its outer headers, parsed (rxl_parse_l3())
 * @cfg: the tunnel ports
 * @tun_mask: the tunnel types the VTEP at its end accepts (rxl_vtep())
 * @type: the tunnel type, on RXL_CONT
 * @tun: the binding it came on (rxl_cont_vni()), which its container must
 *	have (rxl_vni_bound()), on RXL_CONT
 * @inner: the offset of the inner Ethernet frame, on RXL_CONT
 *
 * Context: softirq (XDP, tc), or BPF_PROG_TEST_RUN.
 * Return: RXL_CONT for a tunnel packet of an accepted type and a known
 * VNI whose inner Ethernet header lies inside the outer IP packet;
 * RXL_NOT_TUNNEL for a UDP packet to another port, GRE that does not
 * carry Ethernet, or a later fragment; else the drop reason.
 */
static __always_inline int rxl_tunnel(RXL_PARSE_CTX *ctx, struct rxl_pkt *p,
				      const struct rxl_config *cfg,
				      __u32 tun_mask, __u32 *type, __u32 *tun,
				      __u32 *inner)
{
	__u32 vni = 0, word;
	__u64 *bits;
	int rc;

	/* A later fragment has no header to tell a tunnel by: the host's. */
	if (p->frag == RXL_FRAG_LATER)
		return RXL_NOT_TUNNEL;
	if (p->proto == RXL_IPPROTO_UDP)
		rc = rxl_udp_tunnel(ctx, p, cfg, type, &vni, inner);
	else
		rc = rxl_gre_tunnel(ctx, p, type, &vni, inner);
	if (rc != RXL_CONT)
		return rc;
	if (*inner + RXL_ETH_HLEN > p->ip_end)
		return RXL_DROP_TUNNEL_TRUNC;
	if (!(tun_mask & RXL_TUN_BIT(*type)))
		return RXL_DROP_TUNNEL_TYPE;
	word = rxl_vni_word(*type, vni);
	bits = bpf_map_lookup_elem(&rxl_vnis, &word);
	if (!bits || !(*bits & rxl_vni_bit(vni)))
		return RXL_DROP_UNKNOWN_VNI;
	*tun = rxl_cont_vni(*type, vni);
	return RXL_CONT;
}

/*
 * The tunnel types accepted at the packet's destination (@src 0: the
 * XDP program's question) or source (@src 1: the tc program's, for what
 * leaves), 0 if no VTEP has that address.
 */
static __always_inline __u32 rxl_vtep_at(const struct rxl_pkt *p, int src)
{
	const struct rxl_vtep *v;
	int i;

	if (p->proto != RXL_IPPROTO_UDP && p->proto != RXL_IPPROTO_GRE)
		return 0;
	/* Unrolled: 6.1's verifier calls a loop over a stack key infinite. */
#pragma unroll
	for (i = 0; i < RXL_MAX_VTEPS; i++) {
		__u32 key = i;

		v = bpf_map_lookup_elem(&rxl_vteps, &key);
		if (!v || !v->tun_mask)
			return 0;
		if (v->family != p->family)
			continue;
		if (p->family == 4 ?
		    *(__be32 *)v->addr == (src ? p->saddr4 : p->daddr4) :
		    rxl_in6_eq(v->addr, src ? p->saddr6.addr : p->daddr6.addr))
			return v->tun_mask;
	}
	return 0;
}

/* The tunnel types accepted at the packet's destination, 0 if no VTEP. */
static __always_inline __u32 rxl_vtep(const struct rxl_pkt *p)
{
	return rxl_vtep_at(p, 0);
}

/* The tunnel types sent from the packet's source, 0 if no VTEP. */
static __always_inline __u32 rxl_vtep_src(const struct rxl_pkt *p)
{
	return rxl_vtep_at(p, 1);
}

/* Whether container @c may be reached through tunnel binding @tun. */
static __always_inline int rxl_vni_bound(const struct rxl_container *c,
					 __u32 tun)
{
	__u32 n = c->nvnis;
	int i;

#pragma unroll
	for (i = 0; i < RXL_CONT_MAX_VNIS; i++)
		if (i < n && c->vnis[i] == tun)
			return 1;
	return 0;
}

#endif /* _RXL_TUNNEL_H */
