// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane: native XDP.
 *
 * The NAPI poll of a queue runs the program with that queue's
 * xdp_rxq_info on the skb's own buffer when it may (linear, neither
 * shared nor cloned, XDP_PACKET_HEADROOM before the frame: as veth), and
 * on a copy in a page of the queue's page_pool when it must. It acts on
 * the verdict: PASS hands the skb (or a new one around the copy) to GRO,
 * TX sends it out through the lower device, REDIRECT hands it to
 * xdp_do_redirect() (flushed once per poll). ndo_xdp_xmit sends frames
 * that a devmap redirects into the NIC out through the lower device.
 */
#include <linux/bpf.h>
#include <linux/bpf_trace.h>
#include <linux/etherdevice.h>
#include <linux/filter.h>
#include <linux/if_vlan.h>
#include <linux/rtnetlink.h>
#include <net/page_pool.h>
#include <net/xdp.h>

#include "rxlane.h"

/**
 * rxlane_xdp_check_mtu() - whether native XDP can serve @mtu
 * @priv:	the device
 * @mtu:	the MTU
 * @extack:	where a refusal says why
 *
 * Context: RTNL held.
 * Return: 0 or -EINVAL.
 */
int rxlane_xdp_check_mtu(struct rxlane_priv *priv, int mtu,
			 struct netlink_ext_ack *extack)
{
	if (mtu + ETH_HLEN + VLAN_HLEN > RXLANE_XDP_MAX_FRAME) {
		NL_SET_ERR_MSG_MOD(extack,
				   "MTU too large for native XDP: a frame must fit in one page (MTU at most 3502 with 4 KiB pages)");
		return -EINVAL;
	}
	return 0;
}

static int rxlane_xdp_setup(struct rxlane_priv *priv, struct bpf_prog *prog,
			    struct netlink_ext_ack *extack)
{
	struct bpf_prog *old;
	int err;

	if (prog) {
		if (priv->faults.fail_xdp) {
			NL_SET_ERR_MSG_MOD(extack,
					   "XDP refused by fault injection (debugfs fail_xdp)");
			return -EIO;
		}
		err = rxlane_xdp_check_mtu(priv, priv->dev->mtu, extack);
		if (err)
			return err;
	}
	old = rtnl_dereference(priv->xdp_prog);
	/*
	 * Ask the lower device for room before the frames it passes on (veth
	 * hands the request to its peer, whose senders then reserve it), so
	 * that the program can run on them in place.
	 */
	if (prog && !old)
		netdev_set_rx_headroom(priv->lower, XDP_PACKET_HEADROOM);
	else if (!prog && old)
		netdev_set_rx_headroom(priv->lower, -1);
	rcu_assign_pointer(priv->xdp_prog, prog);
	/* Programs are freed after a grace period: running polls finish. */
	if (old)
		bpf_prog_put(old);
	return 0;
}

/**
 * rxlane_bpf() - ndo_bpf
 * @dev:	the rxlane device
 * @bpf:	the command
 *
 * Context: RTNL held; may sleep.
 * Return: 0 or -errno with an extack message.
 */
int rxlane_bpf(struct net_device *dev, struct netdev_bpf *bpf)
{
	struct rxlane_priv *priv = netdev_priv(dev);

	switch (bpf->command) {
	case XDP_SETUP_PROG:
		return rxlane_xdp_setup(priv, bpf->prog, bpf->extack);
	default:
		return -EINVAL;
	}
}

/**
 * rxlane_xdp_xmit() - ndo_xdp_xmit: send redirected frames out the lower
 * @dev:	the rxlane device
 * @n:		number of frames
 * @frames:	the frames
 * @flags:	XDP_XMIT_FLUSH (transmission is immediate anyway)
 *
 * Context: softirq (the redirecting device's NAPI), RCU read side.
 * Return: frames consumed; the caller frees the rest, or -errno.
 */
int rxlane_xdp_xmit(struct net_device *dev, int n, struct xdp_frame **frames,
		    u32 flags)
{
	struct rxlane_priv *priv = netdev_priv(dev);
	struct sk_buff *skb;
	int i;

	if (unlikely(flags & ~XDP_XMIT_FLAGS_MASK))
		return -EINVAL;
	if (unlikely(!netif_running(dev)))
		return -ENETDOWN;
	for (i = 0; i < n; i++) {
		unsigned int len = frames[i]->len;

		skb = xdp_build_skb_from_frame(frames[i], dev);
		if (unlikely(!skb))
			break;
		skb_push(skb, ETH_HLEN);
		skb->dev = priv->lower;
		if (dev_queue_xmit(skb) == NET_XMIT_SUCCESS) {
			dev_sw_netstats_tx_add(dev, 1, len);
			atomic64_inc(&priv->xdp_xmit);
		} else {
			atomic64_inc(&priv->xdp_xmit_err);
		}
	}
	if (i < n)
		atomic64_add(n - i, &priv->xdp_xmit_err);
	return i;
}

static void rxlane_xdp_count(struct rxlane_rxq *q, u64 *field,
			     unsigned int len, bool drop)
{
	u64_stats_update_begin(&q->stats.syncp);
	q->stats.packets++;
	q->stats.bytes += len;
	(*field)++;
	if (drop)
		q->stats.drops++;
	u64_stats_update_end(&q->stats.syncp);
}

static void rxlane_xdp_count_one(struct rxlane_rxq *q, u64 *field)
{
	u64_stats_update_begin(&q->stats.syncp);
	(*field)++;
	u64_stats_update_end(&q->stats.syncp);
}

/*
 * Whether the program may run on the skb's own buffer, as veth decides:
 * the data is the skb's alone (neither shared nor a clone: a packet tap on
 * the lower device holds a clone of what it captured, and must keep
 * seeing the frame as received), all of it in the head, with
 * XDP_PACKET_HEADROOM before the Ethernet header for bpf_xdp_adjust_head()
 * and for the xdp_frame of a redirect. rxlane_xdp_setup() asks the lower
 * device for that headroom, so a veth peer's senders reserve it.
 */
static bool rxlane_xdp_can_run_inplace(const struct sk_buff *skb)
{
	return !skb_shared(skb) && !skb_cloned(skb) && !skb_is_nonlinear(skb) &&
	       skb_headroom(skb) >= XDP_PACKET_HEADROOM;
}

static struct page *rxlane_xdp_alloc_page(struct rxlane_rxq *q)
{
	if (rxlane_should_fail_alloc(q->priv))
		return NULL;
	return page_pool_dev_alloc_pages(q->page_pool);
}

/*
 * A copy of @skb in a page of the queue's pool (*@pagep), described by
 * @xdp. Return: 0, or why the frame is dropped: PKT_TOO_BIG (it does not
 * fit in one page after XDP_PACKET_HEADROOM), NOMEM (the pool gave no
 * page), HDR_TRUNC (the skb is shorter than its length says).
 */
static enum skb_drop_reason rxlane_xdp_copy_skb(struct rxlane_rxq *q,
						const struct sk_buff *skb,
						struct xdp_buff *xdp,
						struct page **pagep)
{
	struct page *page;

	if (unlikely(skb->len > RXLANE_XDP_MAX_FRAME))
		return SKB_DROP_REASON_PKT_TOO_BIG;
	page = rxlane_xdp_alloc_page(q);
	if (unlikely(!page))
		return SKB_DROP_REASON_NOMEM;
	if (skb_copy_bits(skb, 0, page_address(page) + XDP_PACKET_HEADROOM,
			  skb->len)) {
		page_pool_recycle_direct(q->page_pool, page);
		return SKB_DROP_REASON_HDR_TRUNC;
	}
	xdp_init_buff(xdp, PAGE_SIZE, &q->xdp_rxq);
	xdp_prepare_buff(xdp, page_address(page), XDP_PACKET_HEADROOM,
			 skb->len, true);
	rxlane_xdp_count_one(q, &q->stats.xdp_copy);
	*pagep = page;
	return SKB_NOT_DROPPED_YET;
}

/*
 * A copy of what @xdp holds (metadata included) in a page of the pool
 * (*@pagep). Return: 0, PKT_TOO_BIG or NOMEM as rxlane_xdp_copy_skb().
 */
static enum skb_drop_reason rxlane_xdp_copy_buff(struct rxlane_rxq *q,
						 struct xdp_buff *xdp,
						 struct page **pagep)
{
	unsigned int metalen = xdp->data - xdp->data_meta;
	unsigned int len = xdp->data_end - xdp->data;
	struct page *page;
	void *va;

	if (unlikely(len > RXLANE_XDP_MAX_FRAME))
		return SKB_DROP_REASON_PKT_TOO_BIG;
	page = rxlane_xdp_alloc_page(q);
	if (unlikely(!page))
		return SKB_DROP_REASON_NOMEM;
	va = page_address(page);
	memcpy(va + XDP_PACKET_HEADROOM - metalen, xdp->data_meta,
	       metalen + len);
	xdp_init_buff(xdp, PAGE_SIZE, &q->xdp_rxq);
	xdp_prepare_buff(xdp, va, XDP_PACKET_HEADROOM, len, true);
	xdp->data_meta = xdp->data - metalen;
	rxlane_xdp_count_one(q, &q->stats.xdp_copy);
	*pagep = page;
	return SKB_NOT_DROPPED_YET;
}

/* @xdp over @skb's own buffer (rxlane_xdp_can_run_inplace() holds). */
static void rxlane_xdp_prepare_inplace(struct rxlane_rxq *q,
				       struct sk_buff *skb,
				       struct xdp_buff *xdp)
{
	u32 frame_sz = skb_end_pointer(skb) - skb->head +
		       SKB_DATA_ALIGN(sizeof(struct skb_shared_info));

	xdp_init_buff(xdp, frame_sz, &q->xdp_rxq);
	xdp_prepare_buff(xdp, skb->head, skb_headroom(skb), skb_headlen(skb),
			 true);
	rxlane_xdp_count_one(q, &q->stats.xdp_inplace);
}

/* Make @skb (the buffer @xdp ran on) follow the program's head/tail moves. */
static void rxlane_xdp_sync_skb(struct sk_buff *skb,
				const struct xdp_buff *xdp)
{
	unsigned int metalen = xdp->data - xdp->data_meta;
	int off = xdp->data - (void *)skb->data;

	if (off > 0)
		__skb_pull(skb, off);
	else if (off < 0)
		__skb_push(skb, -off);
	skb->len = xdp->data_end - xdp->data;
	skb_set_tail_pointer(skb, skb->len);
	skb_reset_mac_header(skb);
	if (metalen)
		skb_metadata_set(skb, metalen);
}

/*
 * The checksum verdict a frame keeps on XDP_PASS. CHECKSUM_UNNECESSARY
 * says that the checksums of the headers were verified; it is kept when
 * the program left the frame's start and end where they were (@moved
 * false: no encapsulation pushed or popped, nothing trimmed or added), so
 * the headers that were verified are the ones the stack will read. A
 * program can still rewrite bytes in place, which no pointer shows: as on
 * a NIC whose descriptor carries the checksum verdict into the skb after
 * XDP ran, such a program must fix the checksums it changes. Metadata
 * (data_meta) is not part of the frame and does not count.
 * CHECKSUM_COMPLETE, a sum over every byte, cannot be trusted after any
 * write and is never kept; CHECKSUM_PARTIAL was resolved before the
 * program ran. Anything not kept becomes CHECKSUM_NONE: the stack
 * verifies.
 */
static void rxlane_xdp_set_csum(struct sk_buff *skb, u8 ip_summed,
				u8 csum_level, bool moved)
{
	if (ip_summed == CHECKSUM_UNNECESSARY && !moved) {
		skb->ip_summed = CHECKSUM_UNNECESSARY;
		skb->csum_level = csum_level;
	} else {
		skb->ip_summed = CHECKSUM_NONE;
	}
}

/* An skb around the page of a copied frame, with @orig's receive state. */
static struct sk_buff *rxlane_xdp_build_skb(struct rxlane_rxq *q,
					    struct xdp_buff *xdp,
					    const struct sk_buff *orig,
					    bool moved)
{
	unsigned int metalen = xdp->data - xdp->data_meta;
	struct sk_buff *skb;

	skb = build_skb(xdp->data_hard_start, PAGE_SIZE);
	if (unlikely(!skb))
		return NULL;
	skb_mark_for_recycle(skb);
	skb_reserve(skb, xdp->data - xdp->data_hard_start);
	__skb_put(skb, xdp->data_end - xdp->data);
	if (metalen)
		skb_metadata_set(skb, metalen);
	if (orig->hash)
		skb_set_hash(skb, orig->hash,
			     orig->l4_hash ? PKT_HASH_TYPE_L4 : PKT_HASH_TYPE_L3);
	skb_record_rx_queue(skb, q->index);
	__vlan_hwaccel_copy_tag(skb, orig);
	rxlane_xdp_set_csum(skb, orig->ip_summed, orig->csum_level, moved);
	return skb;
}

/*
 * Put a new skb around the copy in @page in the place of *@skbp, which is
 * consumed. Return: 0, or NOMEM with @page recycled and *@skbp untouched.
 */
static enum skb_drop_reason rxlane_xdp_skb_of_copy(struct rxlane_rxq *q,
						   struct xdp_buff *xdp,
						   struct page *page,
						   struct sk_buff **skbp,
						   bool moved)
{
	struct sk_buff *nskb;

	nskb = rxlane_xdp_build_skb(q, xdp, *skbp, moved);
	if (unlikely(!nskb)) {
		page_pool_recycle_direct(q->page_pool, page);
		return SKB_DROP_REASON_NOMEM;
	}
	consume_skb(*skbp);
	*skbp = nskb;
	return SKB_NOT_DROPPED_YET;
}

/*
 * A frame leaving as an xdp_frame has no skb to carry a VLAN tag the lower
 * device took out of the frame (hwaccel): put it back in the frame, as it
 * was on the wire. Room before the metadata is needed for the tag and for
 * the xdp_frame xdp_do_redirect() writes at the start of the buffer.
 */
static bool rxlane_xdp_push_vlan(struct xdp_buff *xdp, __be16 proto, u16 tci)
{
	unsigned int metalen = xdp->data - xdp->data_meta;
	struct vlan_ethhdr *vhdr;

	if (xdp->data_end - xdp->data < ETH_HLEN ||
	    xdp->data_meta - xdp->data_hard_start <
	    VLAN_HLEN + sizeof(struct xdp_frame))
		return false;
	memmove(xdp->data_meta - VLAN_HLEN, xdp->data_meta,
		metalen + 2 * ETH_ALEN);
	xdp->data_meta -= VLAN_HLEN;
	xdp->data -= VLAN_HLEN;
	vhdr = xdp->data;
	vhdr->h_vlan_proto = proto;
	vhdr->h_vlan_TCI = htons(tci);
	return true;
}

static const struct xdp_mem_info rxlane_xdp_mem_shared = {
	.type = MEM_TYPE_PAGE_SHARED,
};

/*
 * XDP_REDIRECT: the buffer becomes an xdp_frame that the target frees
 * through the memory model. A copy is a page of the pool already. The
 * skb's own buffer can go as it is when it is a page fragment
 * (MEM_TYPE_PAGE_SHARED, freed with page_frag_free()): the frame takes a
 * reference on the page, as in veth. A kmalloc'ed head cannot be freed
 * that way and is copied into a page of the pool.
 *
 * @skb is consumed only once the redirect succeeded, so that a failed one
 * is an skb drop with its reason (skb:kfree_skb, as generic XDP in
 * do_xdp_generic()). Freeing it after xdp_do_redirect() is safe for a
 * frame in the skb's own buffer: the targets only queue the frame (devmap
 * and cpumap bulk queues, sent at xdp_do_flush() after the poll) or copy
 * it at once (AF_XDP in copy mode), so nothing writes the buffer's
 * skb_shared_info, which the skb's release reads, before the skb is gone.
 * Return: 0 with @skb (and @page) consumed, or why the frame is dropped
 * with the copy freed and @skb left to the caller.
 */
static enum skb_drop_reason rxlane_xdp_redirect(struct rxlane_rxq *q,
						struct bpf_prog *prog,
						struct sk_buff *skb,
						struct page *page,
						struct xdp_buff *xdp)
{
	bool tagged = skb_vlan_tag_present(skb);
	__be16 vlan_proto = skb->vlan_proto;
	u16 vlan_tci = skb_vlan_tag_get(skb);
	enum skb_drop_reason reason;
	int err;

	if (!page && !skb->head_frag) {
		reason = rxlane_xdp_copy_buff(q, xdp, &page);
		if (unlikely(reason))
			return reason;
	}
	if (!page) {
		get_page(virt_to_head_page(xdp->data));
		q->xdp_rxq.mem = rxlane_xdp_mem_shared;
	}
	if (tagged && !rxlane_xdp_push_vlan(xdp, vlan_proto, vlan_tci))
		err = -ENOSPC;
	else
		err = xdp_do_redirect(q->priv->dev, xdp, prog);
	if (err)
		xdp_return_buff(xdp);
	q->xdp_rxq.mem = q->pool_mem;
	if (unlikely(err))
		return SKB_DROP_REASON_XDP;
	consume_skb(skb);
	return SKB_NOT_DROPPED_YET;
}

/*
 * XDP_PASS: the skb goes on with what the program left, its own buffer
 * (in place) or a new skb around the copy.
 */
static enum skb_drop_reason rxlane_xdp_pass(struct rxlane_rxq *q,
					    struct sk_buff *skb,
					    struct page *page,
					    struct xdp_buff *xdp, bool moved)
{
	struct net_device *dev = q->priv->dev;
	enum skb_drop_reason reason;

	if (page) {
		reason = rxlane_xdp_skb_of_copy(q, xdp, page, &skb, moved);
		if (unlikely(reason))
			return reason;
	} else {
		rxlane_xdp_sync_skb(skb, xdp);
		rxlane_xdp_set_csum(skb, skb->ip_summed, skb->csum_level,
				    moved);
	}
	skb->protocol = eth_type_trans(skb, dev);
	dev_sw_netstats_rx_add(dev, skb->len + ETH_HLEN);
	napi_gro_receive(&q->napi, skb);
	return SKB_NOT_DROPPED_YET;
}

/*
 * A frame that leaves after the program ran on its own buffer carries its
 * checksums in its bytes, as the program left them. The receive verdict
 * speaks of the bytes as received: CHECKSUM_UNNECESSARY (verified) and
 * CHECKSUM_COMPLETE (a sum over them) would reach a veth peer's stack
 * unchanged, which would then trust a frame the program broke, or find
 * the sum wrong ("hw csum failure"). The frame leaves CHECKSUM_NONE, as a
 * copy does and as veth's own XDP_TX frames do (they become xdp_frames,
 * and the peer builds a new skb). Generic XDP (do_xdp_generic()) keeps
 * the receive state on XDP_TX in 6.1; native XDP must not.
 */
static void rxlane_xdp_clear_rx_csum(struct sk_buff *skb)
{
	skb->ip_summed = CHECKSUM_NONE;
	skb->csum_level = 0;
	skb->csum_valid = 0;
	skb->csum_complete_sw = 0;
}

/*
 * XDP_TX: out through the lower device as an skb, which keeps a VLAN tag
 * the lower device took out of the frame (hwaccel) for the lower to put
 * back on transmit. The skb's receive checksum state is dropped.
 */
static enum skb_drop_reason rxlane_xdp_tx(struct rxlane_rxq *q,
					  struct sk_buff *skb,
					  struct page *page,
					  struct xdp_buff *xdp)
{
	enum skb_drop_reason reason;

	if (page) {
		reason = rxlane_xdp_skb_of_copy(q, xdp, page, &skb, true);
		if (unlikely(reason))
			return reason;
		skb_reset_mac_header(skb);
	} else {
		rxlane_xdp_sync_skb(skb, xdp);
		rxlane_xdp_clear_rx_csum(skb);
		/* A receive timestamp is no departure time (EDT qdiscs). */
		skb_clear_tstamp(skb);
	}
	/* Taps on the lower's egress check it (dev_queue_xmit_nit()). */
	skb_set_network_header(skb, ETH_HLEN);
	skb->protocol = eth_hdr(skb)->h_proto;
	skb->dev = q->priv->lower;
	dev_queue_xmit(skb);
	return SKB_NOT_DROPPED_YET;
}

/* Run @prog on one frame whose data starts at its Ethernet header. */
static void rxlane_xdp_run_one(struct rxlane_rxq *q, struct bpf_prog *prog,
			       struct sk_buff *skb, bool *redirected)
{
	struct net_device *dev = q->priv->dev;
	enum skb_drop_reason reason;
	unsigned int len = skb->len;
	struct page *page = NULL;
	void *data, *data_end;
	struct xdp_buff xdp;
	u32 act;

	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb)) {
		reason = SKB_DROP_REASON_SKB_CSUM;
		goto drop;
	}
	if (rxlane_xdp_can_run_inplace(skb)) {
		rxlane_xdp_prepare_inplace(q, skb, &xdp);
	} else {
		reason = rxlane_xdp_copy_skb(q, skb, &xdp, &page);
		if (unlikely(reason))
			goto drop;
	}
	data = xdp.data;
	data_end = xdp.data_end;
	act = bpf_prog_run_xdp(prog, &xdp);

	switch (act) {
	case XDP_PASS:
		reason = rxlane_xdp_pass(q, skb, page, &xdp,
					 xdp.data != data ||
					 xdp.data_end != data_end);
		if (unlikely(reason))
			goto drop;
		rxlane_xdp_count(q, &q->stats.xdp_pass, len, false);
		return;
	case XDP_TX:
		reason = rxlane_xdp_tx(q, skb, page, &xdp);
		if (unlikely(reason))
			goto drop;
		rxlane_xdp_count(q, &q->stats.xdp_tx, len, false);
		return;
	case XDP_REDIRECT:
		reason = rxlane_xdp_redirect(q, prog, skb, page, &xdp);
		if (unlikely(reason))
			goto drop;
		*redirected = true;
		rxlane_xdp_count(q, &q->stats.xdp_redirect, len, false);
		return;
	default:
		bpf_warn_invalid_xdp_action(dev, prog, act);
		fallthrough;
	case XDP_ABORTED:
		trace_xdp_exception(dev, prog, act);
		rxlane_xdp_count(q, &q->stats.xdp_aborted, len, true);
		break;
	case XDP_DROP:
		rxlane_xdp_count(q, &q->stats.xdp_drop, len, true);
		break;
	}
	if (page)
		page_pool_recycle_direct(q->page_pool, page);
	kfree_skb_reason(skb, SKB_DROP_REASON_XDP);
	return;

drop:
	/* Counted in rxN_drops, and so in rx_dropped (ndo_get_stats64). */
	u64_stats_update_begin(&q->stats.syncp);
	q->stats.drops++;
	u64_stats_update_end(&q->stats.syncp);
	kfree_skb_reason(skb, reason);
}

/**
 * rxlane_xdp_run() - run the XDP program on a frame from a ring
 * @q:		the queue
 * @prog:	the program
 * @skb:	the frame, data at its network header; consumed
 * @redirected:	set when a frame was redirected (flush needed)
 *
 * GSO frames (from a local sender through a veth, or a GRO lower) are
 * segmented first, so the program sees wire-sized frames.
 *
 * Context: NAPI poll (softirq), RCU read side.
 * Return: 0.
 */
int rxlane_xdp_run(struct rxlane_rxq *q, struct bpf_prog *prog,
		   struct sk_buff *skb, bool *redirected)
{
	struct sk_buff *segs, *next;

	skb_push(skb, skb->data - skb_mac_header(skb));
	if (!skb_is_gso(skb)) {
		rxlane_xdp_run_one(q, prog, skb, redirected);
		return 0;
	}
	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		u64_stats_update_begin(&q->stats.syncp);
		q->stats.drops++;
		u64_stats_update_end(&q->stats.syncp);
		kfree_skb_reason(skb, SKB_DROP_REASON_SKB_GSO_SEG);
		return 0;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, segs, next) {
		skb_mark_not_on_list(segs);
		rxlane_xdp_run_one(q, prog, segs, redirected);
	}
	return 0;
}

/* Pages a queue's pool keeps for recycling (its ptr_ring). */
#define RXLANE_PAGE_POOL_SIZE	256

static int rxlane_xdp_rxq_init(struct rxlane_priv *priv, struct rxlane_rxq *q)
{
	struct page_pool_params pp = {
		.order = 0,
		.pool_size = RXLANE_PAGE_POOL_SIZE,
		.nid = cpu_to_node(q->cpu),
		.dev = &priv->dev->dev,
	};
	int err;

	q->page_pool = page_pool_create(&pp);
	if (IS_ERR(q->page_pool)) {
		err = PTR_ERR(q->page_pool);
		goto err_null_pool;
	}
	err = xdp_rxq_info_reg(&q->xdp_rxq, priv->dev, q->index,
			       q->napi.napi_id);
	if (err)
		goto err_destroy_pool;
	err = xdp_rxq_info_reg_mem_model(&q->xdp_rxq, MEM_TYPE_PAGE_POOL,
					 q->page_pool);
	if (err)
		goto err_unreg_rxq;
	q->pool_mem = q->xdp_rxq.mem;
	return 0;

err_unreg_rxq:
	xdp_rxq_info_unreg(&q->xdp_rxq);
err_destroy_pool:
	page_pool_destroy(q->page_pool);
err_null_pool:
	q->page_pool = NULL;
	return err;
}

/* Undo rxlane_xdp_rxq_init(); pages still in flight keep the pool. */
static void rxlane_xdp_rxq_uninit(struct rxlane_rxq *q)
{
	/* Drops the memory model's reference on the pool... */
	xdp_rxq_info_unreg(&q->xdp_rxq);
	/* ...and this one page_pool_create()'s. */
	page_pool_destroy(q->page_pool);
	q->page_pool = NULL;
}

/**
 * rxlane_xdp_init() - every queue's page_pool and xdp_rxq_info
 * @priv: the device, queues allocated
 *
 * Context: RTNL held; may sleep.
 * Return: 0 or -errno.
 */
int rxlane_xdp_init(struct rxlane_priv *priv)
{
	unsigned int i;
	int err;

	for (i = 0; i < priv->num_rxqs; i++) {
		err = rxlane_xdp_rxq_init(priv, &priv->rxqs[i]);
		if (err)
			goto err_uninit;
	}
	return 0;

err_uninit:
	while (i--)
		rxlane_xdp_rxq_uninit(&priv->rxqs[i]);
	return err;
}

/**
 * rxlane_xdp_uninit() - free the queues' page_pools and xdp_rxq_info
 * @priv: the device; the core removed the program already
 *
 * Context: RTNL held.
 */
void rxlane_xdp_uninit(struct rxlane_priv *priv)
{
	unsigned int i;

	WARN_ON(rtnl_dereference(priv->xdp_prog));
	for (i = 0; i < priv->num_rxqs; i++)
		rxlane_xdp_rxq_uninit(&priv->rxqs[i]);
}
