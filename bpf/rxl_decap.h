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

#include "rxl_tunnel.h"

/*
 * On RXL_CONT, *@type is the tunnel type and *@tun the binding the frame
 * came on (rxl_tunnel()), which its container must have.
 */
static __always_inline int rxl_decap(struct xdp_md *ctx, struct rxl_pkt *p,
				     const struct rxl_config *cfg,
				     __u32 tun_mask, __u32 *type, __u32 *tun)
{
	__u32 inner = 0;
	int rc;

	rc = rxl_tunnel(ctx, p, cfg, tun_mask, type, tun, &inner);
	if (rc != RXL_CONT)
		return rc;
	if (p->ip_end < p->len &&
	    bpf_xdp_adjust_tail(ctx, (int)p->ip_end - (int)p->len))
		return RXL_DROP_ADJUST;
	/* The overlay path, for connection tracking (rxl_ct_path_in()). */
	p->tun = *tun;
	p->outer_l3 = p->l3_off;
	p->base = inner;
	p->len = p->ip_end;
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
