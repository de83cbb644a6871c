// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane: the "rxlane" link kind and its net_device ops.
 *
 * An rxlane device sits over a lower Ethernet device the way a NIC sits on
 * its wire: every frame the lower device receives is taken by an rx_handler
 * and enters the rxlane device; everything the rxlane device transmits goes
 * out through the lower device.
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/rtnetlink.h>
#include <net/udp_tunnel.h>

#include "rxlane.h"

/* Transmit offloads: claimed only while the lower device has them. */
#define RXLANE_TX_OFFLOADS (NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_HIGHDMA | \
			    NETIF_F_GSO_SOFTWARE)
#define RXLANE_FEATURES	(RXLANE_TX_OFFLOADS | NETIF_F_RXCSUM)
#define RXLANE_RX_FEATURES (NETIF_F_NTUPLE | NETIF_F_RX_UDP_TUNNEL_PORT)

/**
 * rxlane_start_xmit() - ndo_start_xmit: out through the lower device
 * @skb:	the frame, from the stack or a macvlan/ipvlan on the NIC
 * @dev:	the NIC
 *
 * A frame a container sends with an address that is not its own is
 * dropped here, before the lower sees it, and counted for that container
 * (the NIC-side spoof check of SR-IOV VFs, Documentation/hwfilter.rst).
 *
 * Context: softirq or process context with BHs off, under RCU; no sleeping.
 * Return: NETDEV_TX_OK, always (the frame is consumed).
 */
static netdev_tx_t rxlane_start_xmit(struct sk_buff *skb,
				     struct net_device *dev)
{
	struct rxlane_priv *priv = netdev_priv(dev);
	unsigned int len = skb->len;
	int ret;

	if (unlikely(rxlane_hw_spoofed(priv, skb))) {
		dev_core_stats_tx_dropped_inc(dev);
		kfree_skb(skb);
		return NETDEV_TX_OK;
	}
	skb->dev = priv->lower;
	ret = dev_queue_xmit(skb);
	if (likely(ret == NET_XMIT_SUCCESS || ret == NET_XMIT_CN))
		dev_sw_netstats_tx_add(dev, 1, len);
	else
		dev_core_stats_tx_dropped_inc(dev);
	return NETDEV_TX_OK;
}

/*
 * CPU hotplug. A queue's CPU is its emulated interrupt affinity; as the
 * core moves a real IRQ off a CPU that goes down, the queue moves to an
 * online CPU (spread over them by queue number) and returns to the CPU it
 * was given (home_cpu) when that CPU comes back. The rx_cpu_rmap follows,
 * so aRFS never steers a flow to a queue by a dead CPU. A kick that still
 * read the old CPU finds it offline and schedules the NAPI locally
 * (rxlane_rxq_kick()); NAPIs already scheduled there are moved by the core
 * (dev_cpu_dead()). Lock order: cpu hotplug lock, then cfg_lock; the
 * callbacks never take RTNL, and nothing that may take the hotplug lock
 * (netif_set_real_num_queues() resetting XPS maps) runs under cfg_lock.
 */

/* The @n-th online CPU other than @cpu (which is online). */
static unsigned int rxlane_online_cpu_but(unsigned int n, unsigned int cpu)
{
	unsigned int others = num_online_cpus() - 1;
	unsigned int t;

	if (!others)
		return cpu;
	n %= others;
	t = cpumask_nth(n, cpu_online_mask);
	return t < cpu ? t : cpumask_nth(n + 1, cpu_online_mask);
}

/**
 * rxlane_cpu_down_prep() - a CPU is going down: move its queues away
 * @cpu:	the CPU, still online
 * @node:	the device's instance
 *
 * Context: the CPU's hotplug thread, CPU hotplug lock held for writing;
 * may sleep.
 * Return: 0.
 */
int rxlane_cpu_down_prep(unsigned int cpu, struct hlist_node *node)
{
	struct rxlane_priv *priv = hlist_entry(node, struct rxlane_priv,
					       cpuhp_node);
	unsigned int i, moved = 0;

	mutex_lock(&priv->cfg_lock);
	for (i = 0; i < priv->num_rxqs; i++) {
		if (priv->rxqs[i].cpu != cpu)
			continue;
		WRITE_ONCE(priv->rxqs[i].cpu, rxlane_online_cpu_but(moved++, cpu));
	}
	if (moved)
		rxlane_arfs_rmap_update(priv);
	mutex_unlock(&priv->cfg_lock);
	return 0;
}

/**
 * rxlane_cpu_online() - a CPU came up: its queues return to it
 * @cpu:	the CPU, online
 * @node:	the device's instance
 *
 * Context: the CPU's hotplug thread, CPU hotplug lock held for writing;
 * may sleep.
 * Return: 0.
 */
int rxlane_cpu_online(unsigned int cpu, struct hlist_node *node)
{
	struct rxlane_priv *priv = hlist_entry(node, struct rxlane_priv,
					       cpuhp_node);
	unsigned int i, moved = 0;

	mutex_lock(&priv->cfg_lock);
	for (i = 0; i < priv->num_rxqs; i++) {
		if (priv->rxqs[i].home_cpu != cpu || priv->rxqs[i].cpu == cpu)
			continue;
		WRITE_ONCE(priv->rxqs[i].cpu, cpu);
		moved++;
	}
	if (moved)
		rxlane_arfs_rmap_update(priv);
	mutex_unlock(&priv->cfg_lock);
	return 0;
}

/*
 * Follow CPU hotplug from now on. The queues' CPUs were spread over the
 * CPUs online when they were allocated, and one may have gone down since:
 * once the callbacks see the device, any queue still on an offline CPU
 * moves, under the hotplug lock, so that no change is missed.
 */
static int rxlane_cpuhp_add(struct rxlane_priv *priv)
{
	unsigned int i, moved = 0;
	int err;

	for (i = 0; i < priv->num_rxqs; i++)
		priv->rxqs[i].home_cpu = priv->rxqs[i].cpu;
	err = cpuhp_state_add_instance_nocalls(rxlane_cpuhp_state,
					       &priv->cpuhp_node);
	if (err)
		return err;
	cpus_read_lock();
	mutex_lock(&priv->cfg_lock);
	for (i = 0; i < priv->num_rxqs; i++) {
		struct rxlane_rxq *q = &priv->rxqs[i];

		if (cpu_online(q->cpu))
			continue;
		WRITE_ONCE(q->cpu, cpumask_nth(moved++ % num_online_cpus(),
					       cpu_online_mask));
	}
	if (moved)
		rxlane_arfs_rmap_update(priv);
	mutex_unlock(&priv->cfg_lock);
	cpus_read_unlock();
	return 0;
}

/* The filter of tag protocol @proto (RXLANE_VLAN_*), or -1: none. */
static int rxlane_vlan_proto_idx(__be16 proto)
{
	if (proto == htons(ETH_P_8021Q))
		return RXLANE_VLAN_CTAG;
	if (proto == htons(ETH_P_8021AD))
		return RXLANE_VLAN_STAG;
	return -1;
}

/**
 * rxlane_vlan_filtered() - the VLAN filter drops this frame
 * @priv:	the device
 * @skb:	a received frame (its tag, if any, already in skb->vlan_tci)
 *
 * The NIC claims NETIF_F_HW_VLAN_CTAG_FILTER and NETIF_F_HW_VLAN_STAG_FILTER,
 * so it filters as a NIC does: a frame whose outer tag is 802.1Q or
 * 802.1ad passes only when its VID was added for that protocol
 * (ndo_vlan_rx_add_vid: a VLAN device of that protocol on the NIC). VID 0
 * (priority tags), other tag protocols and everything in promiscuous mode
 * pass.
 *
 * Context: softirq (the lower's rx_handler).
 * Return: true to drop.
 */
bool rxlane_vlan_filtered(const struct rxlane_priv *priv,
			  const struct sk_buff *skb)
{
	int idx;
	u16 vid;

	if (!skb_vlan_tag_present(skb) ||
	    (READ_ONCE(priv->dev->flags) & IFF_PROMISC))
		return false;
	idx = rxlane_vlan_proto_idx(skb->vlan_proto);
	vid = skb_vlan_tag_get_id(skb);
	return idx >= 0 && vid && !test_bit(vid, priv->vlan_vids[idx]);
}

/**
 * rxlane_vlan_rx_add_vid() - ndo_vlan_rx_add_vid: accept VLAN @vid
 * @dev:	the device
 * @proto:	tag protocol (802.1Q or 802.1ad: the filters the NIC claims)
 * @vid:	VLAN ID
 *
 * The lower device is asked first (vlan_vid_add(), as macvlan and vlan
 * do): over a lower that filters VLANs the frames would not reach us.
 *
 * Context: RTNL held.
 * Return: 0 or -errno from the lower, nothing changed.
 */
static int rxlane_vlan_rx_add_vid(struct net_device *dev, __be16 proto,
				  u16 vid)
{
	struct rxlane_priv *priv = netdev_priv(dev);
	int idx = rxlane_vlan_proto_idx(proto);
	int err;

	if (idx < 0)
		return -EPROTONOSUPPORT;
	err = vlan_vid_add(priv->lower, proto, vid);
	if (err)
		return err;
	set_bit(vid, priv->vlan_vids[idx]);
	return 0;
}

/**
 * rxlane_vlan_rx_kill_vid() - ndo_vlan_rx_kill_vid: stop accepting @vid
 * @dev:	the device
 * @proto:	tag protocol
 * @vid:	VLAN ID
 *
 * Context: RTNL held.
 * Return: 0.
 */
static int rxlane_vlan_rx_kill_vid(struct net_device *dev, __be16 proto,
				   u16 vid)
{
	struct rxlane_priv *priv = netdev_priv(dev);
	int idx = rxlane_vlan_proto_idx(proto);

	if (idx < 0)
		return 0;
	clear_bit(vid, priv->vlan_vids[idx]);
	vlan_vid_del(priv->lower, proto, vid);
	return 0;
}

/*
 * The core removes every VID before ndo_uninit (VLAN devices go with the
 * NIC, the 8021q module drops VID 0 at close). Only VID 0 can be left,
 * when 8021q was unloaded while the NIC was up; the lower gets it back.
 */
static void rxlane_vlan_release(struct rxlane_priv *priv)
{
	static const __be16 protos[RXLANE_VLAN_PROTOS] = {
		[RXLANE_VLAN_CTAG] = htons(ETH_P_8021Q),
		[RXLANE_VLAN_STAG] = htons(ETH_P_8021AD),
	};
	unsigned int vid, i;

	for (i = 0; i < RXLANE_VLAN_PROTOS; i++) {
		for_each_set_bit(vid, priv->vlan_vids[i], VLAN_N_VID) {
			WARN_ON(vid);
			clear_bit(vid, priv->vlan_vids[i]);
			vlan_vid_del(priv->lower, protos[i], vid);
		}
	}
}

/**
 * rxlane_lower_limits() - take the lower device's TSO and GSO limits
 * @priv: the device
 *
 * Everything the NIC sends goes out through the lower, so no GSO frame
 * may be larger (or have more segments) than the lower takes: the TSO
 * maxima are inherited (netif_inherit_tso_max(), as vlan and macvlan do)
 * and gso_max_size/segs are the lower's (6.1 has no helper a module can
 * call for those; sk_setup_caps() reads them locklessly). Called at
 * creation, at open and on the lower's NETDEV_UP, NETDEV_CHANGE and
 * NETDEV_FEAT_CHANGE. 6.1 sends no event when only the lower's
 * gso_max_size/segs change; until the next event a GSO frame above them
 * is segmented by the core at the lower (gso_features_check()), which
 * costs CPU but sends nothing the lower cannot take.
 *
 * Context: RTNL held.
 */
static void rxlane_lower_limits(struct rxlane_priv *priv)
{
	struct net_device *dev = priv->dev, *lower = priv->lower;

	netif_inherit_tso_max(dev, lower);
	WRITE_ONCE(dev->gso_max_size, min(READ_ONCE(lower->gso_max_size),
					  dev->tso_max_size));
	WRITE_ONCE(dev->gso_max_segs, min(READ_ONCE(lower->gso_max_segs),
					  dev->tso_max_segs));
}

/**
 * rxlane_init() - ndo_init: build the "hardware" of a new device
 * @dev: the device, being registered; priv->lower is set
 *
 * Context: RTNL held; may sleep.
 * Return: 0 or -errno; on error nothing is left.
 */
static int rxlane_init(struct net_device *dev)
{
	struct rxlane_priv *priv = netdev_priv(dev);
	int err;

	dev->tstats = rxlane_should_fail_pcpu() ? NULL :
		      netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		return -ENOMEM;
	mutex_init(&priv->cfg_lock);
	atomic64_set(&priv->filter_drops, 0);
	atomic64_set(&priv->xdp_xmit, 0);
	atomic64_set(&priv->xdp_xmit_err, 0);
	rxlane_tunnel_init(priv);

	err = rxlane_hw_nic_init(priv);
	if (err)
		goto err_free_stats;
	err = rxlane_rss_init(priv);
	if (err)
		goto err_hw_uninit;
	err = rxlane_rx_init(priv);
	if (err)
		goto err_rss_uninit;
	err = rxlane_ntuple_init(priv);
	if (err)
		goto err_rx_uninit;
	err = rxlane_arfs_init(priv);
	if (err)
		goto err_ntuple_uninit;
	err = rxlane_cpuhp_add(priv);
	if (err)
		goto err_arfs_uninit;
	rxlane_debugfs_init(priv);
	netdev_hold(priv->lower, &priv->lower_tracker, GFP_KERNEL);
	return 0;

err_arfs_uninit:
	rxlane_arfs_uninit(priv);
err_ntuple_uninit:
	rxlane_ntuple_uninit(priv);
err_rx_uninit:
	rxlane_rx_uninit(priv);
err_rss_uninit:
	rxlane_rss_uninit(priv);
err_hw_uninit:
	rxlane_hw_nic_uninit(priv);
err_free_stats:
	free_percpu(dev->tstats);
	return err;
}

/**
 * rxlane_uninit() - ndo_uninit: free everything ndo_init built
 * @dev: the device, closed, its XDP program removed by the core
 *
 * Context: RTNL held; may sleep.
 */
static void rxlane_uninit(struct net_device *dev)
{
	struct rxlane_priv *priv = netdev_priv(dev);

	rxlane_debugfs_uninit(priv);
	cpuhp_state_remove_instance_nocalls(rxlane_cpuhp_state,
					    &priv->cpuhp_node);
	rxlane_arfs_uninit(priv);
	rxlane_ntuple_uninit(priv);
	rxlane_rx_uninit(priv);
	rxlane_rss_uninit(priv);
	/* The containers on the NIC went at NETDEV_UNREGISTER (hw.c). */
	rxlane_hw_nic_uninit(priv);
	rxlane_tunnel_uninit(priv);
	rxlane_vlan_release(priv);
	netdev_put(priv->lower, &priv->lower_tracker);
	free_percpu(dev->tstats);
}

/*
 * The lower device must accept our address when it is not its own. Both
 * compare with priv->lower_addr, which NETDEV_CHANGEADDR keeps current
 * (rxlane_lower_addr_follow()), so that an entry added is the entry
 * removed.
 */
static int rxlane_lower_addr_add(struct rxlane_priv *priv, const u8 *addr)
{
	if (ether_addr_equal(addr, priv->lower_addr))
		return 0;
	return dev_uc_add(priv->lower, addr);
}

static void rxlane_lower_addr_del(struct rxlane_priv *priv, const u8 *addr)
{
	if (!ether_addr_equal(addr, priv->lower_addr))
		dev_uc_del(priv->lower, addr);
}

/**
 * rxlane_lower_addr_follow() - the lower device changed its MAC address
 * @priv: the device whose lower it is
 *
 * While we are up the lower holds an entry for our address exactly when it
 * is not the lower's own. A new lower address can make the entry needed
 * (we kept the lower's old address: without it a filtering lower drops
 * our frames) or needless (the lower took our address: it would be left
 * behind by ndo_stop). The same rule as vlan_sync_address().
 *
 * Context: RTNL held (NETDEV_CHANGEADDR of the lower).
 */
static void rxlane_lower_addr_follow(struct rxlane_priv *priv)
{
	struct net_device *dev = priv->dev, *lower = priv->lower;
	bool had = !ether_addr_equal(dev->dev_addr, priv->lower_addr);
	bool needs = !ether_addr_equal(dev->dev_addr, lower->dev_addr);

	if (dev->flags & IFF_UP) {
		if (needs && !had && dev_uc_add(lower, dev->dev_addr))
			netdev_warn(dev, "cannot add our address to %s's unicast list\n",
				    lower->name);
		if (!needs && had)
			dev_uc_del(lower, dev->dev_addr);
	}
	ether_addr_copy(priv->lower_addr, lower->dev_addr);
}

static int rxlane_open(struct net_device *dev)
{
	struct rxlane_priv *priv = netdev_priv(dev);
	struct net_device *lower = priv->lower;
	int err;

	rxlane_lower_limits(priv);
	rxlane_rx_start(priv);
	ether_addr_copy(priv->lower_addr, lower->dev_addr);
	err = rxlane_lower_addr_add(priv, dev->dev_addr);
	if (err)
		goto err_rx_stop;
	if (dev->flags & IFF_ALLMULTI) {
		err = dev_set_allmulti(lower, 1);
		if (err)
			goto err_del_addr;
	}
	if (dev->flags & IFF_PROMISC) {
		err = dev_set_promiscuity(lower, 1);
		if (err)
			goto err_clear_allmulti;
	}
	if (dev->features & NETIF_F_NTUPLE)
		rxlane_arfs_enable(priv);
	netif_stacked_transfer_operstate(lower, dev);
	return 0;

err_clear_allmulti:
	if (dev->flags & IFF_ALLMULTI)
		dev_set_allmulti(lower, -1);
err_del_addr:
	rxlane_lower_addr_del(priv, dev->dev_addr);
err_rx_stop:
	rxlane_rx_stop(priv);
	return err;
}

static int rxlane_stop(struct net_device *dev)
{
	struct rxlane_priv *priv = netdev_priv(dev);
	struct net_device *lower = priv->lower;

	dev_uc_unsync(lower, dev);
	dev_mc_unsync(lower, dev);
	if (dev->flags & IFF_ALLMULTI)
		dev_set_allmulti(lower, -1);
	if (dev->flags & IFF_PROMISC)
		dev_set_promiscuity(lower, -1);
	rxlane_lower_addr_del(priv, dev->dev_addr);
	rxlane_rx_stop(priv);
	/* No frame reaches the stack any more: the entries go. */
	rxlane_arfs_disable(priv);
	return 0;
}

static void rxlane_change_rx_flags(struct net_device *dev, int change)
{
	struct rxlane_priv *priv = netdev_priv(dev);

	if (!(dev->flags & IFF_UP))
		return;
	if (change & IFF_ALLMULTI)
		dev_set_allmulti(priv->lower, dev->flags & IFF_ALLMULTI ? 1 : -1);
	if (change & IFF_PROMISC)
		dev_set_promiscuity(priv->lower,
				    dev->flags & IFF_PROMISC ? 1 : -1);
}

static void rxlane_set_rx_mode(struct net_device *dev)
{
	struct rxlane_priv *priv = netdev_priv(dev);

	dev_uc_sync(priv->lower, dev);
	dev_mc_sync(priv->lower, dev);
}

static int rxlane_set_mac_address(struct net_device *dev, void *p)
{
	struct rxlane_priv *priv = netdev_priv(dev);
	struct sockaddr *addr = p;
	int err;

	if (!is_valid_ether_addr(addr->sa_data))
		return -EADDRNOTAVAIL;
	if (dev->flags & IFF_UP) {
		err = rxlane_lower_addr_add(priv, addr->sa_data);
		if (err)
			return err;
		rxlane_lower_addr_del(priv, dev->dev_addr);
	}
	eth_hw_addr_set(dev, addr->sa_data);
	return 0;
}

static int rxlane_change_mtu(struct net_device *dev, int new_mtu)
{
	struct rxlane_priv *priv = netdev_priv(dev);

	if (new_mtu > priv->lower->mtu)
		return -EINVAL;
	if (rtnl_dereference(priv->xdp_prog) &&
	    rxlane_xdp_check_mtu(priv, new_mtu, NULL))
		return -EINVAL;
	dev->mtu = new_mtu;
	return 0;
}

/**
 * rxlane_fix_features() - ndo_fix_features: no offload the lower lacks
 * @dev:	the device
 * @features:	the features asked for
 *
 * Frames the NIC sends leave through the lower device: a transmit offload
 * it lacks would only be done in software there, after our layer (as vlan
 * does, a lower that checksums IPv4 and IPv6 counts as checksumming all).
 * The lower's NETDEV_FEAT_CHANGE re-runs this; an offload the lower gets
 * back returns when it is still wanted.
 *
 * Context: RTNL held.
 * Return: @features without the transmit offloads the lower does not have.
 */
static netdev_features_t rxlane_fix_features(struct net_device *dev,
					     netdev_features_t features)
{
	struct rxlane_priv *priv = netdev_priv(dev);
	netdev_features_t lower = priv->lower->features;

	if (lower & (NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM))
		lower |= NETIF_F_HW_CSUM;
	return features & (lower | ~RXLANE_TX_OFFLOADS);
}

/**
 * rxlane_set_features() - ndo_set_features
 * @dev:	the device
 * @features:	the new features
 *
 * Turning ntuple off stops ntuple and aRFS lookups and flushes the aRFS
 * entries; the ntuple entries stay installed and count again when it is
 * turned on. dev->features still has the old value here (the core sets it
 * after we return): @features is the new one.
 *
 * Context: RTNL held.
 * Return: 0.
 */
static int rxlane_set_features(struct net_device *dev,
			       netdev_features_t features)
{
	struct rxlane_priv *priv = netdev_priv(dev);
	netdev_features_t changed = dev->features ^ features;

	if (changed & NETIF_F_NTUPLE) {
		WRITE_ONCE(priv->ntuple.enabled, !!(features & NETIF_F_NTUPLE));
		if (!(features & NETIF_F_NTUPLE))
			rxlane_arfs_disable(priv);
		else if (netif_running(dev))
			rxlane_arfs_enable(priv);
	}
	return 0;
}

/**
 * rxlane_get_stats64() - ndo_get_stats64: what "ip -s link" shows
 * @dev:	the device
 * @s:		the counters, zeroed by the core
 *
 * Packets and bytes are the per-CPU software counters (dev_get_tstats64()).
 * Drops, as include/uapi/linux/if_link.h defines them:
 *
 * - rx_missed_errors: frames a full receive ring refused (the sum of the
 *   rxN_ring_full counters; the analogue of a NIC out of descriptors);
 * - rx_dropped: frames an ntuple drop action refused (rx_filter_drops),
 *   XDP_DROP/XDP_ABORTED verdicts and receive failures after the ring,
 *   frames purged from a stopped queue (the rxN_drops counters); the core
 *   adds what the rx_handler dropped while the device was down;
 * - tx_dropped: frames ndo_xdp_xmit could not send (xdp_xmit_err); the
 *   core adds ndo_start_xmit's drops.
 *
 * Every queue counts, active or not: counters never go backwards when
 * ethtool -L shrinks the channels. /proc/net/dev folds rx_missed_errors
 * into its "drop" column.
 *
 * Context: any, concurrently with the datapath; does not sleep.
 */
static void rxlane_get_stats64(struct net_device *dev,
			       struct rtnl_link_stats64 *s)
{
	struct rxlane_priv *priv = netdev_priv(dev);
	unsigned int i, start;
	u64 drops;

	dev_get_tstats64(dev, s);
	for (i = 0; i < priv->num_rxqs; i++) {
		struct rxlane_rxq *q = &priv->rxqs[i];

		do {
			start = u64_stats_fetch_begin(&q->stats.syncp);
			drops = q->stats.drops;
		} while (u64_stats_fetch_retry(&q->stats.syncp, start));
		s->rx_dropped += drops;
		s->rx_missed_errors += atomic64_read(&q->ring_full);
	}
	s->rx_dropped += atomic64_read(&priv->filter_drops);
	s->tx_dropped += atomic64_read(&priv->xdp_xmit_err);
}

static int rxlane_get_iflink(const struct net_device *dev)
{
	struct rxlane_priv *priv = netdev_priv(dev);

	return priv->lower->ifindex;
}

static const struct net_device_ops rxlane_netdev_ops = {
	.ndo_init		= rxlane_init,
	.ndo_uninit		= rxlane_uninit,
	.ndo_open		= rxlane_open,
	.ndo_stop		= rxlane_stop,
	.ndo_start_xmit		= rxlane_start_xmit,
	.ndo_change_rx_flags	= rxlane_change_rx_flags,
	.ndo_set_rx_mode	= rxlane_set_rx_mode,
	.ndo_set_mac_address	= rxlane_set_mac_address,
	.ndo_change_mtu		= rxlane_change_mtu,
	.ndo_get_iflink		= rxlane_get_iflink,
	.ndo_get_stats64	= rxlane_get_stats64,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_fix_features	= rxlane_fix_features,
	.ndo_set_features	= rxlane_set_features,
	.ndo_vlan_rx_add_vid	= rxlane_vlan_rx_add_vid,
	.ndo_vlan_rx_kill_vid	= rxlane_vlan_rx_kill_vid,
	.ndo_rx_flow_steer	= rxlane_rx_flow_steer,
	.ndo_bpf		= rxlane_bpf,
	.ndo_xdp_xmit		= rxlane_xdp_xmit,
};

static void rxlane_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &rxlane_netdev_ops;
	dev->ethtool_ops = &rxlane_ethtool_ops;
	dev->udp_tunnel_nic_info = &rxlane_udp_tunnel_info;
	dev->needs_free_netdev = true;
	/*
	 * No netpoll: transmit is dev_queue_xmit() on the lower, which must
	 * not run with IRQs off (Documentation/nic.rst); netconsole goes
	 * over the lower device itself.
	 */
	dev->priv_flags |= IFF_NO_QUEUE | IFF_DISABLE_NETPOLL;
	/*
	 * Unicast filtering is the lower's (ndo_set_rx_mode syncs our list
	 * to it), as for vlan: an address added to the NIC (a macvlan over
	 * it) must not make the NIC promiscuous, which would also open its
	 * VLAN filter.
	 */
	dev->priv_flags |= IFF_UNICAST_FLT;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->features |= RXLANE_FEATURES | RXLANE_RX_FEATURES | NETIF_F_LLTX |
			 NETIF_F_NETNS_LOCAL | NETIF_F_HW_VLAN_CTAG_FILTER |
			 NETIF_F_HW_VLAN_STAG_FILTER;
	dev->hw_features |= RXLANE_FEATURES | RXLANE_RX_FEATURES;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = ETH_MAX_MTU;
}

static int rxlane_validate(struct nlattr *tb[], struct nlattr *data[],
			   struct netlink_ext_ack *extack)
{
	if (tb[IFLA_ADDRESS]) {
		if (nla_len(tb[IFLA_ADDRESS]) != ETH_ALEN) {
			NL_SET_ERR_MSG_MOD(extack, "MAC address must be 6 bytes");
			return -EINVAL;
		}
		if (!is_valid_ether_addr(nla_data(tb[IFLA_ADDRESS]))) {
			NL_SET_ERR_MSG_MOD(extack, "invalid unicast MAC address");
			return -EADDRNOTAVAIL;
		}
	}
	if (!tb[IFLA_LINK]) {
		NL_SET_ERR_MSG_MOD(extack, "a lower device is required ('link DEV')");
		return -EINVAL;
	}
	/* Queues cost memory and teardown work: keep user input bounded. */
	if ((tb[IFLA_NUM_RX_QUEUES] &&
	     nla_get_u32(tb[IFLA_NUM_RX_QUEUES]) > RXLANE_MAX_QUEUES) ||
	    (tb[IFLA_NUM_TX_QUEUES] &&
	     nla_get_u32(tb[IFLA_NUM_TX_QUEUES]) > RXLANE_MAX_QUEUES)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "at most " __stringify(RXLANE_MAX_QUEUES) " rx and tx queues");
		return -EINVAL;
	}
	return 0;
}

static struct net_device *rxlane_find_lower(struct net *net, u32 ifindex,
					    struct netlink_ext_ack *extack)
{
	struct net_device *lower = __dev_get_by_index(net, ifindex);

	if (!lower) {
		NL_SET_ERR_MSG_MOD(extack, "lower device not found");
		return ERR_PTR(-ENODEV);
	}
	if (lower->type != ARPHRD_ETHER || lower->addr_len != ETH_ALEN ||
	    (lower->flags & IFF_LOOPBACK)) {
		NL_SET_ERR_MSG_MOD(extack, "lower device is not an Ethernet device");
		return ERR_PTR(-EINVAL);
	}
	if (lower->rtnl_link_ops == &rxlane_link_ops) {
		NL_SET_ERR_MSG_MOD(extack, "lower device is an rxlane device");
		return ERR_PTR(-EINVAL);
	}
	if (netdev_is_rx_handler_busy(lower)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "lower device already has a receive handler (bridge port, bond slave, macvlan or rxlane lower?)");
		return ERR_PTR(-EBUSY);
	}
	return lower;
}

/**
 * rxlane_newlink() - create an rxlane device over the lower device IFLA_LINK
 * @src_net: namespace in which IFLA_LINK is looked up
 * @dev: the new device, allocated by the core with our setup
 * @tb: generic link attributes
 * @data: IFLA_INFO_DATA attributes (none are defined)
 * @extack: where a refusal says why
 *
 * Context: process context, RTNL held; may sleep.
 * Return: 0 or a negative errno; on error nothing of the device is left.
 */
static int rxlane_newlink(struct net *src_net, struct net_device *dev,
			  struct nlattr *tb[], struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	struct rxlane_priv *priv = netdev_priv(dev);
	struct net_device *lower;
	int err;

	lower = rxlane_find_lower(src_net, nla_get_u32(tb[IFLA_LINK]), extack);
	if (IS_ERR(lower))
		return PTR_ERR(lower);

	if (!tb[IFLA_MTU]) {
		dev->mtu = lower->mtu;
	} else if (dev->mtu > lower->mtu) {
		NL_SET_ERR_MSG_MOD(extack, "MTU is above the lower device's MTU");
		return -EINVAL;
	}
	if (!tb[IFLA_ADDRESS])
		eth_hw_addr_set(dev, lower->dev_addr);

	priv->dev = dev;
	priv->lower = lower;
	rxlane_lower_limits(priv);

	err = register_netdevice(dev);
	if (err)
		return err;

	err = netdev_upper_dev_link(lower, dev, extack);
	if (err)
		goto err_unregister;

	err = netdev_rx_handler_register(lower, rxlane_handle_frame, priv);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "cannot take the lower device's receive path");
		goto err_unlink;
	}

	netif_stacked_transfer_operstate(lower, dev);
	return 0;

err_unlink:
	netdev_upper_dev_unlink(lower, dev);
err_unregister:
	unregister_netdevice(dev);
	return err;
}

/**
 * rxlane_dellink() - detach an rxlane device from its lower device
 * @dev: the rxlane device
 * @head: list to queue @dev on for unregistration (may be NULL)
 *
 * Context: process context, RTNL held; may sleep.
 */
static void rxlane_dellink(struct net_device *dev, struct list_head *head)
{
	struct rxlane_priv *priv = netdev_priv(dev);

	netdev_rx_handler_unregister(priv->lower);
	netdev_upper_dev_unlink(priv->lower, dev);
	unregister_netdevice_queue(dev, head);
}

static unsigned int rxlane_get_num_queues(void)
{
	return clamp_t(unsigned int, num_online_cpus(), 1, RXLANE_MAX_QUEUES);
}

static struct net *rxlane_get_link_net(const struct net_device *dev)
{
	struct rxlane_priv *priv = netdev_priv(dev);

	return dev_net(priv->lower);
}

struct rtnl_link_ops rxlane_link_ops = {
	.kind			= RXLANE_DRV_NAME,
	.priv_size		= sizeof(struct rxlane_priv),
	.setup			= rxlane_setup,
	.validate		= rxlane_validate,
	.newlink		= rxlane_newlink,
	.dellink		= rxlane_dellink,
	.get_num_tx_queues	= rxlane_get_num_queues,
	.get_num_rx_queues	= rxlane_get_num_queues,
	.get_link_net		= rxlane_get_link_net,
};

static struct rxlane_priv *rxlane_priv_of_lower(struct net_device *lower)
{
	if (rcu_access_pointer(lower->rx_handler) != rxlane_handle_frame)
		return NULL;
	return rtnl_dereference(lower->rx_handler_data);
}

static int rxlane_lower_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct net_device *lower = netdev_notifier_info_to_dev(ptr);
	struct rxlane_priv *priv;
	LIST_HEAD(list_kill);

	if (event == NETDEV_CHANGENAME &&
	    lower->rtnl_link_ops == &rxlane_link_ops) {
		rxlane_debugfs_rename(netdev_priv(lower));
		return NOTIFY_DONE;
	}
	priv = rxlane_priv_of_lower(lower);
	if (!priv)
		return NOTIFY_DONE;

	switch (event) {
	case NETDEV_UP:
	case NETDEV_CHANGE:
		rxlane_lower_limits(priv);
		fallthrough;
	case NETDEV_DOWN:
		netif_stacked_transfer_operstate(lower, priv->dev);
		break;
	case NETDEV_FEAT_CHANGE:
		rxlane_lower_limits(priv);
		netdev_update_features(priv->dev);
		break;
	case NETDEV_CHANGEADDR:
		rxlane_lower_addr_follow(priv);
		break;
	case NETDEV_CHANGEMTU:
		if (priv->dev->mtu > lower->mtu)
			dev_set_mtu(priv->dev, lower->mtu);
		break;
	case NETDEV_PRE_TYPE_CHANGE:
		return NOTIFY_BAD;
	case NETDEV_UNREGISTER:
		/* A move to another namespace also unregisters: keep going. */
		if (lower->reg_state != NETREG_UNREGISTERING)
			break;
		rxlane_dellink(priv->dev, &list_kill);
		unregister_netdevice_many(&list_kill);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block rxlane_notifier = {
	.notifier_call = rxlane_lower_event,
};

int rxlane_netdev_init(void)
{
	int err;

	err = register_netdevice_notifier(&rxlane_notifier);
	if (err)
		return err;
	err = rtnl_link_register(&rxlane_link_ops);
	if (err)
		goto err_unregister_notifier;
	return 0;

err_unregister_notifier:
	unregister_netdevice_notifier(&rxlane_notifier);
	return err;
}

void rxlane_netdev_uninit(void)
{
	rtnl_link_unregister(&rxlane_link_ops);
	unregister_netdevice_notifier(&rxlane_notifier);
}
