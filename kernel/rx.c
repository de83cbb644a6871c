// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane: the receive engine.
 *
 * Per frame, on the CPU the lower device received it on (its rx_handler):
 * parse, classify (ntuple table, then aRFS table, then RSS), set the hash
 * and the queue, put the frame on the queue's bounded ring and kick the
 * queue's NAPI on the queue's CPU with an IPI, the way an MSI-X vector with
 * that affinity would. The NAPI poll runs native XDP and hands the rest to
 * the stack through GRO.
 */
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/filter.h>
#include <net/dsfield.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "rxlane.h"

#define RXLANE_VXLAN_HLEN	8
/* Frames per timed batch of the classifier benchmark. */
#define RXLANE_BENCH_BATCH	1024U
#define RXLANE_GENEVE_HLEN	8
/* Bound of the open_delay_ms fault injection knob (RTNL is held). */
#define RXLANE_OPEN_DELAY_MAX_MS	10000U

bool rxlane_should_fail_alloc(struct rxlane_priv *priv)
{
	return atomic_add_unless(&priv->faults.fail_alloc, -1, 0);
}

/* Parse an IPv4/IPv6 header at @off into @k; Return: L4 offset or -1. */
static int rxlane_parse_l3(const struct sk_buff *skb, unsigned int off,
			   __be16 proto, struct rxlane_flow_key *k)
{
	if (proto == htons(ETH_P_IP)) {
		const struct iphdr *iph;
		struct iphdr _iph;

		iph = skb_header_pointer(skb, off, sizeof(_iph), &_iph);
		if (!iph || iph->version != 4 || iph->ihl < 5)
			return -1;
		k->l3 = 4;
		k->src[0] = iph->saddr;
		k->dst[0] = iph->daddr;
		k->proto = iph->protocol;
		k->tos = iph->tos;
		if (ip_is_fragment(iph))
			return -1;
		return off + iph->ihl * 4;
	}
	if (proto == htons(ETH_P_IPV6)) {
		const struct ipv6hdr *ip6h;
		struct ipv6hdr _ip6h;
		__be16 frag_off = 0;
		u8 nexthdr;
		int l4off;

		ip6h = skb_header_pointer(skb, off, sizeof(_ip6h), &_ip6h);
		if (!ip6h || ip6h->version != 6)
			return -1;
		k->l3 = 6;
		memcpy(k->src, &ip6h->saddr, sizeof(k->src));
		memcpy(k->dst, &ip6h->daddr, sizeof(k->dst));
		k->tos = ipv6_get_dsfield(ip6h);
		nexthdr = ip6h->nexthdr;
		k->proto = nexthdr;
		l4off = ipv6_skip_exthdr(skb, off + sizeof(*ip6h), &nexthdr,
					 &frag_off);
		if (l4off < 0)
			return -1;
		k->proto = nexthdr;
		if (frag_off)
			return -1;
		return l4off;
	}
	return -1;
}

/* Ports of a TCP/UDP header at @l4off; Return: true when found. */
static bool rxlane_parse_ports(const struct sk_buff *skb, int l4off,
			       struct rxlane_flow_key *k)
{
	__be16 _ports[2];
	const __be16 *ports;

	if (l4off < 0 || (k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP))
		return false;
	ports = skb_header_pointer(skb, l4off, sizeof(_ports), _ports);
	if (!ports)
		return false;
	k->sport = ports[0];
	k->dport = ports[1];
	return true;
}

/* The inner flow of a VXLAN/GENEVE frame whose UDP header is at @l4off. */
static bool rxlane_parse_inner(const struct sk_buff *skb, int l4off,
			       bool geneve, struct rxlane_pkt *pkt)
{
	unsigned int off = l4off + sizeof(struct udphdr);
	struct rxlane_flow_key k = {};
	__be16 _proto, proto;
	const __be16 *pp;
	int inner_l4;

	if (geneve) {
		u8 _hdr[4];
		const u8 *hdr;

		hdr = skb_header_pointer(skb, off, sizeof(_hdr), _hdr);
		if (!hdr || (hdr[0] >> 6) != 0)
			return false;
		proto = *(const __be16 *)(hdr + 2);
		off += RXLANE_GENEVE_HLEN + (hdr[0] & 0x3f) * 4;
		if (proto != htons(ETH_P_TEB))
			goto l3;
	} else {
		off += RXLANE_VXLAN_HLEN;
	}
	/* Inner Ethernet header, at most one VLAN tag. */
	off += ETH_ALEN * 2;
	pp = skb_header_pointer(skb, off, sizeof(_proto), &_proto);
	if (!pp)
		return false;
	proto = *pp;
	off += sizeof(__be16);
	if (eth_type_vlan(proto)) {
		pp = skb_header_pointer(skb, off + 2, sizeof(_proto), &_proto);
		if (!pp)
			return false;
		proto = *pp;
		off += VLAN_HLEN;
	}
l3:
	inner_l4 = rxlane_parse_l3(skb, off, proto, &k);
	if (!k.l3)
		return false;
	pkt->l4 = rxlane_parse_ports(skb, inner_l4, &k);
	pkt->flow = k;
	pkt->tunnel = true;
	return true;
}

/**
 * rxlane_parse() - find the fields the classifier needs
 * @priv:	the device (for its tunnel ports)
 * @skb:	the frame, any of its data may be paged
 * @nhoff:	offset of the network header from skb->data
 * @proto:	network protocol
 * @pkt:	result
 *
 * Context: any; does not sleep.
 * Return: 0 (non-IP frames give an all-zero key).
 */
int rxlane_parse(const struct rxlane_priv *priv, const struct sk_buff *skb,
		 unsigned int nhoff, __be16 proto, struct rxlane_pkt *pkt)
{
	struct rxlane_flow_key *k = &pkt->outer;
	int l4off, tunnel;

	memset(pkt, 0, sizeof(*pkt));
	if (skb_vlan_tag_present(skb))
		k->vlan_tci = htons(skb_vlan_tag_get(skb));
	l4off = rxlane_parse_l3(skb, nhoff, proto, k);
	pkt->l4 = rxlane_parse_ports(skb, l4off, k);
	pkt->flow = *k;
	pkt->flow.vlan_tci = 0;
	if (!pkt->l4 || k->proto != IPPROTO_UDP)
		return 0;
	tunnel = rxlane_tunnel_lookup(priv, k->dport);
	if (tunnel >= 0 && !rxlane_parse_inner(skb, l4off, tunnel, pkt)) {
		pkt->flow = *k;
		pkt->flow.vlan_tci = 0;
		pkt->l4 = true;
	}
	return 0;
}

/*
 * Classify: ntuple table, then aRFS, then RSS.
 * @bench: the classifier benchmark's synthetic frames: no rule hit is
 * counted and the aRFS table is not consulted (a lookup refreshes the
 * entry it finds), so that a benchmark changes no state.
 * Return: the queue, or -1 to drop; *hash gets the default RSS hash.
 */
static int rxlane_classify(struct rxlane_priv *priv,
			   const struct rxlane_pkt *pkt, u32 *hash, bool bench)
{
	unsigned int nq = READ_ONCE(priv->dev->real_num_rx_queues);
	struct rxlane_action act;
	int q;

	*hash = rxlane_rss_hash(priv, 0, pkt);
	if (READ_ONCE(priv->ntuple.enabled)) {
		if (rxlane_ntuple_lookup(priv, &pkt->outer, &act, !bench)) {
			switch (act.kind) {
			case RXLANE_TO_DROP:
				return -1;
			case RXLANE_TO_QUEUE:
				q = act.queue;
				goto out;
			case RXLANE_TO_CTX:
				q = rxlane_rss_queue(priv, act.ctx,
						     rxlane_rss_hash(priv, act.ctx,
								     pkt));
				q += act.queue;
				goto out;
			}
		}
		if (pkt->l4 && !bench) {
			q = rxlane_arfs_lookup(priv, &pkt->flow);
			if (q >= 0)
				goto out;
		}
	}
	q = rxlane_rss_queue(priv, 0, *hash);
out:
	/* Channels just shrank under a rule or entry being replaced. */
	if (unlikely(q >= nq))
		q = nq ? q % nq : 0;
	return q;
}

/**
 * rxlane_rx_bench() - time the classifier on synthetic frames
 * @priv:	the device
 * @n:		frames to classify
 *
 * For benchmarks: what the table size costs per frame, without the noise
 * of the rest of the receive path. The frames are UDP 198.51.100.1:1024+i
 * -> 198.51.100.2:30000+(i/8 mod 1024): a port rule's shape looks at the
 * destination port, so the probes spread over the buckets and the figure
 * is the mean chain, not the one bucket a fixed port would land in. The
 * frames go in batches of RXLANE_BENCH_BATCH, each timed on its own with bottom halves off; the
 * cheapest batch is the result. The work is CPU-bound, so preemption of
 * the (virtual) CPU by the host only ever adds: the minimum over many
 * short batches is the cost, where a total over the whole run would mostly
 * measure how busy the host was.
 *
 * The run changes no state (no rule hit is counted, no aRFS entry is
 * looked up and refreshed) and is bounded: it stops between batches when
 * the device is being unregistered (whose debugfs removal, under RTNL,
 * waits for this write) or the writer got a fatal signal.
 *
 * Context: process context; may sleep between batches.
 * Return: picoseconds per frame of the cheapest batch run, 0 for none.
 */
u64 rxlane_rx_bench(struct rxlane_priv *priv, u32 n)
{
	u64 t0, dt, best = U64_MAX, sum = 0;
	struct rxlane_pkt pkt = {};
	u32 i = 0, hash, batch, len;

	pkt.outer.l3 = 4;
	pkt.outer.proto = IPPROTO_UDP;
	pkt.outer.src[0] = htonl(0xc6336401);
	pkt.outer.dst[0] = htonl(0xc6336402);
	pkt.l4 = true;
	while (i < n) {
		len = min(n - i, RXLANE_BENCH_BATCH);
		rcu_read_lock();
		local_bh_disable();
		t0 = ktime_get_ns();
		for (batch = len; batch; batch--, i++) {
			pkt.outer.sport = htons(1024 + (i & 0x3fff));
			pkt.outer.dport = htons(30000 + ((i >> 3) & 0x3ff));
			pkt.flow = pkt.outer;
			sum += rxlane_classify(priv, &pkt, &hash, true);
		}
		dt = ktime_get_ns() - t0;
		local_bh_enable();
		rcu_read_unlock();
		best = min(best, dt * 1000 / len);
		cond_resched();
		if (fatal_signal_pending(current) ||
		    READ_ONCE(priv->dev->reg_state) != NETREG_REGISTERED)
			break;
	}
	/* Keep the loop from being optimised away. */
	WRITE_ONCE(priv->bench_sink, sum);
	return i ? best : 0;
}

static void rxlane_rxq_ipi(void *info)
{
	struct rxlane_rxq *q = info;

	__napi_schedule_irqoff(&q->napi);
}

/* Raise the queue's "interrupt": schedule its NAPI on the queue's CPU. */
static void rxlane_rxq_kick(struct rxlane_rxq *q)
{
	int cpu = READ_ONCE(q->cpu);

	/* Winning SCHED also serialises the use of q->csd. */
	if (!napi_schedule_prep(&q->napi))
		return;
	if (cpu == smp_processor_id() ||
	    smp_call_function_single_async(cpu, &q->csd))
		__napi_schedule(&q->napi);
}

static void rxlane_rxq_enqueue(struct rxlane_rxq *q, struct sk_buff *skb)
{
	spin_lock(&q->ring.lock);
	if (unlikely(skb_queue_len(&q->ring) >= READ_ONCE(q->priv->ring_size))) {
		spin_unlock(&q->ring.lock);
		atomic64_inc(&q->ring_full);
		kfree_skb_reason(skb, SKB_DROP_REASON_FULL_RING);
		return;
	}
	__skb_queue_tail(&q->ring, skb);
	spin_unlock(&q->ring.lock);
	rxlane_rxq_kick(q);
}

/*
 * Receive one frame on the NIC: classify it and put it on its queue's
 * ring. @skb is consumed. Drops say why (kfree_skb_reason(), seen by the
 * skb:kfree_skb tracepoint and drop monitors) and are counted in the
 * device's rx_dropped or rx_missed_errors (rxlane_get_stats64()):
 *   DEV_READY	the NIC is down (core rx_dropped)
 *   OTHERHOST	a VLAN the NIC has no device for (core rx_dropped):
 *		6.1 has no VLAN reason; the core itself marks a frame of a
 *		VID nobody claims PACKET_OTHERHOST, and IP drops it so
 *   TC_INGRESS	an ntuple rule's drop action (rx_filter_drops): a
 *		classifier's drop at ingress, the closest reason 6.1 has
 *   FULL_RING	the queue's ring holds ring_size frames (rxN_ring_full)
 */
static void rxlane_rx_frame(struct rxlane_priv *priv, struct sk_buff *skb)
{
	struct net_device *dev = priv->dev;
	struct rxlane_pkt pkt;
	u32 hash;
	int q;

	if (unlikely(!netif_running(dev))) {
		dev_core_stats_rx_dropped_inc(dev);
		kfree_skb_reason(skb, SKB_DROP_REASON_DEV_READY);
		return;
	}
	/* The VLAN filter: a frame for another VID is not for this host. */
	if (unlikely(rxlane_vlan_filtered(priv, skb))) {
		dev_core_stats_rx_dropped_inc(dev);
		kfree_skb_reason(skb, SKB_DROP_REASON_OTHERHOST);
		return;
	}
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb)) {
		dev_core_stats_rx_dropped_inc(dev);
		return;
	}

	/* The lower device pulled the Ethernet header for itself: redo it. */
	skb_push(skb, -skb_mac_offset(skb));
	skb->protocol = eth_type_trans(skb, dev);

	rxlane_parse(priv, skb, 0, skb->protocol, &pkt);
	q = rxlane_classify(priv, &pkt, &hash, false);
	if (unlikely(q < 0)) {
		atomic64_inc(&priv->filter_drops);
		kfree_skb_reason(skb, SKB_DROP_REASON_TC_INGRESS);
		return;
	}
	/*
	 * For a frame on a known tunnel port the hash is of the inner flow,
	 * and L4 when that flow has ports: the stack reads an L4 hash of an
	 * encapsulated frame as the inner flow's and keeps it through
	 * decapsulation (__iptunnel_pull_header() clears only non-L4
	 * hashes), so the inner socket records the hash aRFS and RFS steer
	 * the outer frames by, as with NICs that hash inner headers (ice,
	 * mlx5). An L3 type would make vxlan/geneve drop it and the socket
	 * record a software hash the outer frames never carry.
	 */
	if (pkt.outer.l3)
		skb_set_hash(skb, hash,
			     pkt.l4 ? PKT_HASH_TYPE_L4 : PKT_HASH_TYPE_L3);
	skb_record_rx_queue(skb, q);
	rxlane_rxq_enqueue(&priv->rxqs[q], skb);
}

/**
 * rxlane_handle_frame() - rx_handler installed on the lower device
 * @pskb: the received frame
 *
 * What the lower device keeps, as macvlan and ipvlan leave it to their
 * lower device (Documentation/nic.rst, "What the lower device receives"):
 *
 * - unicast to the lower's own MAC address, when it is not the NIC's:
 *   passed to the lower only, whether the NIC is up or not;
 * - broadcast and multicast: passed to the lower, and a clone enters the
 *   NIC when it is up (macvlan's policy for its lower);
 * - frames the lower looped back itself (PACKET_LOOPBACK).
 *
 * Every other frame (unicast to the NIC's address, or to any other
 * address while the lower is promiscuous) enters the NIC only.
 *
 * Context: softirq (or BH disabled), RCU read side held by the core.
 * Return: RX_HANDLER_PASS for what the lower keeps, RX_HANDLER_CONSUMED
 * for a frame the NIC took (put on a ring or dropped).
 */
rx_handler_result_t rxlane_handle_frame(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb, *clone;
	struct net_device *lower = skb->dev;
	struct rxlane_priv *priv;
	const u8 *dest;

	if (unlikely(skb->pkt_type == PACKET_LOOPBACK))
		return RX_HANDLER_PASS;

	priv = rcu_dereference(lower->rx_handler_data);
	dest = eth_hdr(skb)->h_dest;
	if (unlikely(is_multicast_ether_addr(dest))) {
		if (!netif_running(priv->dev))
			return RX_HANDLER_PASS;
		clone = skb_clone(skb, GFP_ATOMIC);
		if (likely(clone))
			rxlane_rx_frame(priv, clone);
		else
			dev_core_stats_rx_dropped_inc(priv->dev);
		return RX_HANDLER_PASS;
	}
	if (unlikely(ether_addr_equal_64bits(dest, lower->dev_addr) &&
		     !ether_addr_equal_64bits(dest, priv->dev->dev_addr)))
		return RX_HANDLER_PASS;

	rxlane_rx_frame(priv, skb);
	return RX_HANDLER_CONSUMED;
}

/*
 * Frames from the lower device may be clones: a veth peer in this host
 * passes on the very skbs a local TCP sender cloned from its
 * retransmission queue. GRO merges a frame by moving its page fragments
 * out of skb_shinfo() into the held packet's, and a clone shares that
 * shinfo with the sender's copy, whose fragments would vanish under it
 * (the sender then leaks the pages, or hits the BUG_ON in skb_shift()
 * when a SACK arrives). So a clone gets its own head first (counted as
 * rxN_unclone), as veth does; if that fails it skips GRO.
 */
static void rxlane_rx_deliver(struct rxlane_rxq *q, struct sk_buff *skb)
{
	struct net_device *dev = q->priv->dev;
	unsigned int len = skb->len + ETH_HLEN;
	bool cloned = skb_cloned(skb);
	bool gro = !cloned || !skb_unclone(skb, GFP_ATOMIC);

	u64_stats_update_begin(&q->stats.syncp);
	q->stats.packets++;
	q->stats.bytes += len;
	q->stats.unclone += cloned && gro;
	u64_stats_update_end(&q->stats.syncp);
	dev_sw_netstats_rx_add(dev, len);
	if (likely(gro))
		napi_gro_receive(&q->napi, skb);
	else
		netif_receive_skb(skb);
}

static struct sk_buff *rxlane_rxq_next(struct rxlane_rxq *q)
{
	struct sk_buff *skb = __skb_dequeue(&q->polling);

	if (skb)
		return skb;
	spin_lock(&q->ring.lock);
	skb_queue_splice_tail_init(&q->ring, &q->polling);
	spin_unlock(&q->ring.lock);
	return __skb_dequeue(&q->polling);
}

/**
 * rxlane_poll() - NAPI poll of one queue
 * @napi:	the queue's NAPI context
 * @budget:	frames it may process
 *
 * Context: softirq on the CPU the queue's IPI went to.
 * Return: frames processed.
 */
static int rxlane_poll(struct napi_struct *napi, int budget)
{
	struct rxlane_rxq *q = container_of(napi, struct rxlane_rxq, napi);
	bool redirected = false;
	struct bpf_prog *prog;
	struct sk_buff *skb;
	int done = 0;

	rcu_read_lock();
	prog = rcu_dereference(q->priv->xdp_prog);
	while (done < budget) {
		skb = rxlane_rxq_next(q);
		if (!skb)
			break;
		if (prog)
			rxlane_xdp_run(q, prog, skb, &redirected);
		else
			rxlane_rx_deliver(q, skb);
		done++;
	}
	if (redirected)
		xdp_do_flush();
	rcu_read_unlock();

	if (done < budget && napi_complete_done(napi, done)) {
		/* A producer that lost the race to SCHED left frames behind. */
		if (!skb_queue_empty_lockless(&q->ring))
			rxlane_rxq_kick(q);
	}
	return done;
}

/**
 * rxlane_set_queue_cpu() - move a queue's emulated interrupt to @cpu
 * @priv:	the device
 * @queue:	queue number
 * @cpu:	an online CPU
 *
 * @cpu becomes the queue's home: CPU hotplug moves the queue off it and
 * back (netdev.c).
 *
 * Context: process context; takes the CPU hotplug lock (read) and
 * cfg_lock. The rx_cpu_rmap follows.
 * Return: 0 or -EINVAL.
 */
int rxlane_set_queue_cpu(struct rxlane_priv *priv, unsigned int queue,
			 int cpu)
{
	int err = -EINVAL;

	if (queue >= priv->num_rxqs || cpu < 0 || cpu >= nr_cpu_ids)
		return -EINVAL;
	cpus_read_lock();
	if (cpu_online(cpu)) {
		mutex_lock(&priv->cfg_lock);
		WRITE_ONCE(priv->rxqs[queue].cpu, cpu);
		priv->rxqs[queue].home_cpu = cpu;
		rxlane_arfs_rmap_update(priv);
		mutex_unlock(&priv->cfg_lock);
		err = 0;
	}
	cpus_read_unlock();
	return err;
}

/* Free every frame of @list as dropped: its queue stopped (DEV_READY). */
static void rxlane_skb_queue_drop(struct sk_buff_head *list, bool locked)
{
	struct sk_buff *skb;

	while ((skb = locked ? skb_dequeue(list) : __skb_dequeue(list)))
		kfree_skb_reason(skb, SKB_DROP_REASON_DEV_READY);
}

/* Drop what a stopped queue holds (its NAPI disabled, no producer left). */
static void rxlane_rxq_purge(struct rxlane_rxq *q)
{
	unsigned int n = skb_queue_len(&q->ring) + skb_queue_len(&q->polling);

	if (!n)
		return;
	rxlane_skb_queue_drop(&q->ring, true);
	rxlane_skb_queue_drop(&q->polling, false);
	u64_stats_update_begin(&q->stats.syncp);
	q->stats.drops += n;
	u64_stats_update_end(&q->stats.syncp);
}

/* Poll every queue from @from to @to - 1 whose ring holds frames. */
static void rxlane_rxq_kick_pending(struct rxlane_priv *priv,
				    unsigned int from, unsigned int to)
{
	unsigned int i;

	local_bh_disable();
	for (i = from; i < to; i++)
		if (!skb_queue_empty_lockless(&priv->rxqs[i].ring))
			rxlane_rxq_kick(&priv->rxqs[i]);
	local_bh_enable();
}

/**
 * rxlane_rx_start() - let the queues run (ndo_open)
 * @priv: the device
 *
 * The core marks the device running before ndo_open, and from then on the
 * rx_handler puts frames on the rings; a frame that arrives before its
 * queue's NAPI is enabled only sets NAPI_STATE_MISSED and would wait on
 * the ring for the next frame of that queue. So every queue with frames is
 * polled once all are enabled. The rings are empty before (stop purged
 * them with no rx_handler left that saw the device running).
 *
 * Context: RTNL held; may sleep (the open_delay_ms knob).
 */
void rxlane_rx_start(struct rxlane_priv *priv)
{
	unsigned int i, delay = READ_ONCE(priv->faults.open_delay_ms);

	if (delay)
		msleep(min(delay, RXLANE_OPEN_DELAY_MAX_MS));
	for (i = 0; i < priv->num_rxqs; i++)
		napi_enable(&priv->rxqs[i].napi);
	rxlane_rxq_kick_pending(priv, 0, priv->num_rxqs);
}

/**
 * rxlane_rx_set_num_queues() - change the number of active receive queues
 * @priv:	the device
 * @n:		the new number, 1..num_rxqs
 *
 * A frame recorded on queue q must not reach the stack once the device
 * has q queues or fewer: get_rps_cpu() warns about it (and RFS is on
 * wherever aRFS is used). So, when the count shrinks on a running device,
 * the NAPI of every queue that goes away is disabled first (a running poll
 * finishes and flushes its GRO while the old count still holds), the count
 * changes, the rx_handlers that classified with the old count finish
 * (synchronize_net), what they left on those rings is dropped, and the
 * queues are enabled again, idle: no frame is classified to them any more.
 *
 * Context: RTNL held; may sleep.
 * Return: 0, or -errno from netif_set_real_num_queues() with the count
 * unchanged and no frame dropped.
 */
int rxlane_rx_set_num_queues(struct rxlane_priv *priv, unsigned int n)
{
	struct net_device *dev = priv->dev;
	unsigned int i, old = dev->real_num_rx_queues;
	bool quiesce = netif_running(dev) && n < old;
	int err;

	if (quiesce)
		for (i = n; i < old; i++)
			napi_disable(&priv->rxqs[i].napi);
	err = netif_set_real_num_queues(dev, min(n, dev->num_tx_queues), n);
	if (!quiesce)
		return err;
	if (!err) {
		synchronize_net();
		for (i = n; i < old; i++)
			rxlane_rxq_purge(&priv->rxqs[i]);
	}
	for (i = n; i < old; i++)
		napi_enable(&priv->rxqs[i].napi);
	if (err)
		rxlane_rxq_kick_pending(priv, n, old);
	return err;
}

/**
 * rxlane_rx_stop() - stop the queues and drop what their rings hold
 * @priv: the device
 *
 * Context: RTNL held, the device no longer running; may sleep.
 */
void rxlane_rx_stop(struct rxlane_priv *priv)
{
	unsigned int i;

	/* rx_handlers that saw the device running have finished. */
	synchronize_net();
	for (i = 0; i < priv->num_rxqs; i++) {
		napi_disable(&priv->rxqs[i].napi);
		rxlane_rxq_purge(&priv->rxqs[i]);
	}
}

/*
 * Unlist every queue's NAPI, then wait once for the readers of the lists
 * (busy polling looks NAPIs up under RCU): one grace period per device,
 * not one per queue under RTNL, as veth does.
 */
static void rxlane_rx_napi_del(struct rxlane_priv *priv)
{
	unsigned int i;

	for (i = 0; i < priv->num_rxqs; i++)
		__netif_napi_del(&priv->rxqs[i].napi);
	synchronize_net();
}

/**
 * rxlane_rx_init() - allocate the queues with their NAPI and XDP info
 * @priv: the device, being registered
 *
 * Context: RTNL held (ndo_init); may sleep.
 * Return: 0 or -errno.
 */
int rxlane_rx_init(struct rxlane_priv *priv)
{
	struct net_device *dev = priv->dev;
	unsigned int i, ncpus = num_online_cpus();
	int err;

	/* Producers and the poll write on cache lines of their own. */
	BUILD_BUG_ON(IS_ENABLED(CONFIG_SMP) &&
		     (offsetof(struct rxlane_rxq, ring) % SMP_CACHE_BYTES ||
		      offsetof(struct rxlane_rxq, napi) % SMP_CACHE_BYTES ||
		      offsetofend(struct rxlane_rxq, csd) >
		      offsetof(struct rxlane_rxq, napi)));

	priv->num_rxqs = dev->num_rx_queues;
	priv->ring_size = READ_ONCE(rxlane_ring_size);
	priv->rxqs = kvcalloc(priv->num_rxqs, sizeof(*priv->rxqs), GFP_KERNEL);
	if (!priv->rxqs)
		return -ENOMEM;

	for (i = 0; i < priv->num_rxqs; i++) {
		struct rxlane_rxq *q = &priv->rxqs[i];

		q->priv = priv;
		q->index = i;
		q->cpu = cpumask_nth(i % ncpus, cpu_online_mask);
		skb_queue_head_init(&q->ring);
		__skb_queue_head_init(&q->polling);
		INIT_CSD(&q->csd, rxlane_rxq_ipi, q);
		u64_stats_init(&q->stats.syncp);
		atomic64_set(&q->ring_full, 0);
		netif_napi_add(dev, &q->napi, rxlane_poll);
	}
	err = rxlane_xdp_init(priv);
	if (err)
		goto err_del_napi;
	return 0;

err_del_napi:
	rxlane_rx_napi_del(priv);
	kvfree(priv->rxqs);
	priv->rxqs = NULL;
	return err;
}

/**
 * rxlane_rx_uninit() - free the queues
 * @priv: the device, stopped
 *
 * Context: RTNL held (ndo_uninit); may sleep.
 */
void rxlane_rx_uninit(struct rxlane_priv *priv)
{
	unsigned int i;

	rxlane_xdp_uninit(priv);
	rxlane_rx_napi_del(priv);
	for (i = 0; i < priv->num_rxqs; i++) {
		struct rxlane_rxq *q = &priv->rxqs[i];

		WARN_ON(!skb_queue_empty(&q->ring));
		rxlane_rxq_purge(q);
	}
	kvfree(priv->rxqs);
	priv->rxqs = NULL;
}
