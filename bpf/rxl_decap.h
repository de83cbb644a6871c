/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rxl_decap.h - VXLAN, GENEVE and NVGRE decapsulation for packets
 * addressed to a configured local VTEP.
 *
 * Only called for IPv4/IPv6 packets whose destination is in rxl_vteps
 * and whose protocol is UDP or GRE. A UDP packet to another port, or a GRE
 * packet that does not carry Ethernet (0x6558), is not a tunnel packet and
 * goes on untouched (RXL_NOT_TUNNEL). Anything else that fails is dropped
 * with its reason. For a good packet RXL_CONT is returned and the frame to
 * judge becomes the inner one, where it lies: p->base = its first byte,
 * p->len = the end of the outer IP packet (any Ethernet padding past it
 * is trimmed: bpf_xdp_adjust_tail() moves no data). The outer headers are
 * removed only if the packet is passed (rxl_strip()): a drop never pays
 * for moving the frame.
 *
 * Fragments: only fragments of tunnel traffic are ours. A first fragment
 * to a tunnel port (or of GRE carrying Ethernet) is dropped
 * (RXL_DROP_OUTER_FRAG); a fragment of anything else to the VTEP, and
 * every later fragment (no UDP/GRE header to tell), is host traffic and
 * goes on untouched: without its first fragment a tunnel packet is never
 * reassembled.
 */
#ifndef _RXL_DECAP_H
#define _RXL_DECAP_H

#include "rxl_maps.h"
#include "rxl_parse.h"

static __always_inline __u32 rxl_vni24(const __u8 *v)
{
	return ((__u32)v[0] << 16) | ((__u32)v[1] << 8) | v[2];
}

/* Sets *type, *vni and *inner for a UDP tunnel packet. */
static __always_inline int rxl_udp_tunnel(struct xdp_md *ctx,
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
static __always_inline int rxl_gre_tunnel(struct xdp_md *ctx,
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
 * On RXL_CONT, *@type is the tunnel type and *@tun the binding the frame
 * came on (rxl_cont_vni()), which its container must have.
 */
static __always_inline int rxl_decap(struct xdp_md *ctx, struct rxl_pkt *p,
				     const struct rxl_config *cfg,
				     __u32 tun_mask, __u32 *type, __u32 *tun)
{
	__u32 inner = 0, vni = 0, word;
	__u64 *bits;
	int rc;

	/* A later fragment has no header to tell a tunnel by: the host's. */
	if (p->frag == RXL_FRAG_LATER)
		return RXL_NOT_TUNNEL;
	if (p->proto == RXL_IPPROTO_UDP)
		rc = rxl_udp_tunnel(ctx, p, cfg, type, &vni, &inner);
	else
		rc = rxl_gre_tunnel(ctx, p, type, &vni, &inner);
	if (rc != RXL_CONT)
		return rc;
	if (inner + RXL_ETH_HLEN > p->ip_end)
		return RXL_DROP_TUNNEL_TRUNC;
	if (!(tun_mask & RXL_TUN_BIT(*type)))
		return RXL_DROP_TUNNEL_TYPE;
	word = rxl_vni_word(*type, vni);
	bits = bpf_map_lookup_elem(&rxl_vnis, &word);
	if (!bits || !(*bits & rxl_vni_bit(vni)))
		return RXL_DROP_UNKNOWN_VNI;
	if (p->ip_end < p->len &&
	    bpf_xdp_adjust_tail(ctx, (int)p->ip_end - (int)p->len))
		return RXL_DROP_ADJUST;
	p->base = inner;
	p->len = p->ip_end;
	*tun = rxl_cont_vni(*type, vni);
	return RXL_CONT;
}

/*
 * Makes the frame judged the whole buffer before it is passed: after a
 * decap, the outer headers go. The only data move of the fast path, made
 * once and only for packets that leave it. Returns 0, or non-zero if the
 * helper failed.
 */
static __always_inline int rxl_strip(struct xdp_md *ctx,
				     const struct rxl_pkt *p)
{
	if (!p->base)
		return 0;
	return bpf_xdp_adjust_head(ctx, (int)p->base);
}

#endif /* _RXL_DECAP_H */
