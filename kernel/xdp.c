// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane: native XDP.
 *
 * The NAPI poll of a queue copies each frame into a page of its own (as a
 * NIC's DMA would), runs the program on it with that queue's xdp_rxq_info,
 * and acts on the verdict: PASS builds an skb around the page for GRO, TX
 * sends it out through the lower device, REDIRECT hands it to
 * xdp_do_redirect() (flushed once per poll). ndo_xdp_xmit sends frames that
 * a devmap redirects into the NIC out through the lower device.
 */
#include <linux/bpf.h>
#include <linux/bpf_trace.h>
#include <linux/etherdevice.h>
#include <linux/filter.h>
#include <linux/if_vlan.h>
#include <linux/rtnetlink.h>
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

static struct sk_buff *rxlane_xdp_build_skb(struct xdp_buff *xdp,
					    const struct sk_buff *orig,
					    unsigned int queue)
{
	unsigned int metalen = xdp->data - xdp->data_meta;
	struct sk_buff *skb;

	skb = build_skb(xdp->data_hard_start, PAGE_SIZE);
	if (unlikely(!skb))
		return NULL;
	skb_reserve(skb, xdp->data - xdp->data_hard_start);
	__skb_put(skb, xdp->data_end - xdp->data);
	if (metalen)
		skb_metadata_set(skb, metalen);
	if (orig->hash)
		skb_set_hash(skb, orig->hash,
			     orig->l4_hash ? PKT_HASH_TYPE_L4 : PKT_HASH_TYPE_L3);
	skb_record_rx_queue(skb, queue);
	__vlan_hwaccel_copy_tag(skb, orig);
	return skb;
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

/* Run @prog on one frame whose data starts at its Ethernet header. */
static void rxlane_xdp_run_one(struct rxlane_rxq *q, struct bpf_prog *prog,
			       struct sk_buff *skb, bool *redirected)
{
	struct net_device *dev = q->priv->dev;
	unsigned int len = skb->len;
	struct sk_buff *nskb;
	struct xdp_buff xdp;
	struct page *page;
	u32 act;

	if (unlikely(len > RXLANE_XDP_MAX_FRAME))
		goto drop;
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		goto drop;
	page = rxlane_should_fail_alloc(q->priv) ? NULL : dev_alloc_page();
	if (unlikely(!page))
		goto drop;
	if (skb_copy_bits(skb, 0, page_address(page) + XDP_PACKET_HEADROOM,
			  len))
		goto drop_page;

	xdp_init_buff(&xdp, PAGE_SIZE, &q->xdp_rxq);
	xdp_prepare_buff(&xdp, page_address(page), XDP_PACKET_HEADROOM, len,
			 true);
	act = bpf_prog_run_xdp(prog, &xdp);

	switch (act) {
	case XDP_PASS:
		nskb = rxlane_xdp_build_skb(&xdp, skb, q->index);
		if (unlikely(!nskb))
			goto drop_page;
		nskb->protocol = eth_type_trans(nskb, dev);
		rxlane_xdp_count(q, &q->stats.xdp_pass, len, false);
		dev_sw_netstats_rx_add(dev, nskb->len + ETH_HLEN);
		consume_skb(skb);
		napi_gro_receive(&q->napi, nskb);
		return;
	case XDP_TX:
		nskb = rxlane_xdp_build_skb(&xdp, skb, q->index);
		if (unlikely(!nskb))
			goto drop_page;
		skb_reset_mac_header(nskb);
		nskb->protocol = eth_hdr(nskb)->h_proto;
		nskb->dev = q->priv->lower;
		rxlane_xdp_count(q, &q->stats.xdp_tx, len, false);
		consume_skb(skb);
		dev_queue_xmit(nskb);
		return;
	case XDP_REDIRECT:
		if (xdp_do_redirect(dev, &xdp, prog))
			goto drop_page;
		*redirected = true;
		rxlane_xdp_count(q, &q->stats.xdp_redirect, len, false);
		consume_skb(skb);
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
	put_page(page);
	kfree_skb_reason(skb, SKB_DROP_REASON_XDP);
	return;

drop_page:
	put_page(page);
drop:
	u64_stats_update_begin(&q->stats.syncp);
	q->stats.drops++;
	u64_stats_update_end(&q->stats.syncp);
	kfree_skb(skb);
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

/**
 * rxlane_xdp_init() - register every queue's xdp_rxq_info
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
		struct rxlane_rxq *q = &priv->rxqs[i];

		err = xdp_rxq_info_reg(&q->xdp_rxq, priv->dev, i,
				       q->napi.napi_id);
		if (err)
			goto err_unreg;
		err = xdp_rxq_info_reg_mem_model(&q->xdp_rxq,
						 MEM_TYPE_PAGE_SHARED, NULL);
		if (err) {
			xdp_rxq_info_unreg(&q->xdp_rxq);
			goto err_unreg;
		}
	}
	return 0;

err_unreg:
	while (i--)
		xdp_rxq_info_unreg(&priv->rxqs[i].xdp_rxq);
	return err;
}

/**
 * rxlane_xdp_uninit() - unregister the queues' xdp_rxq_info
 * @priv: the device; the core removed the program already
 *
 * Context: RTNL held.
 */
void rxlane_xdp_uninit(struct rxlane_priv *priv)
{
	unsigned int i;

	WARN_ON(rtnl_dereference(priv->xdp_prog));
	for (i = 0; i < priv->num_rxqs; i++)
		xdp_rxq_info_unreg(&priv->rxqs[i].xdp_rxq);
}
