// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane: ethtool ops.
 *
 * -i driver info, -g/-G ring size, -l/-L channels, -x/-X RSS (Toeplitz
 * only, 52-byte key, 128-entry table, extra contexts), -n/-N/-U ntuple,
 * -S counters. All ops
 * run with RTNL held and may sleep unless said otherwise.
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "rxlane.h"

/*
 * No bus: bus_info stays empty, as for veth and macvlan (the lower device
 * is the link's IFLA_LINK, shown by "ip link" as NIC@LOWER).
 */
static void rxlane_get_drvinfo(struct net_device *dev,
			       struct ethtool_drvinfo *info)
{
	strscpy(info->driver, RXLANE_DRV_NAME, sizeof(info->driver));
	strscpy(info->version, RXLANE_VERSION, sizeof(info->version));
	strscpy(info->fw_version, "N/A", sizeof(info->fw_version));
}

static const char rxlane_global_stats[][ETH_GSTRING_LEN] = {
	"rx_filter_drops",
	"ntuple_entries",
	"arfs_entries",
	"arfs_add",
	"arfs_update",
	"arfs_expire",
	"arfs_table_full",
	"arfs_alloc_fail",
	"arfs_flush",
	"xdp_xmit",
	"xdp_xmit_err",
};

static const char rxlane_queue_stats[][ETH_GSTRING_LEN] = {
	"packets",
	"bytes",
	"drops",
	"ring_full",
	"xdp_pass",
	"xdp_drop",
	"xdp_tx",
	"xdp_redirect",
	"xdp_aborted",
	"unclone",
	"xdp_inplace",
	"xdp_copy",
};

#define RXLANE_N_GLOBAL	ARRAY_SIZE(rxlane_global_stats)
#define RXLANE_N_QUEUE	ARRAY_SIZE(rxlane_queue_stats)

static int rxlane_get_sset_count(struct net_device *dev, int sset)
{
	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return RXLANE_N_GLOBAL + RXLANE_N_QUEUE * dev->real_num_rx_queues;
}

static void rxlane_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	unsigned int q, i;

	if (sset != ETH_SS_STATS)
		return;
	memcpy(data, rxlane_global_stats, sizeof(rxlane_global_stats));
	data += sizeof(rxlane_global_stats);
	for (q = 0; q < dev->real_num_rx_queues; q++)
		for (i = 0; i < RXLANE_N_QUEUE; i++)
			ethtool_sprintf(&data, "rx%u_%s", q,
					rxlane_queue_stats[i]);
}

static void rxlane_get_ethtool_stats(struct net_device *dev,
				     struct ethtool_stats *stats, u64 *data)
{
	struct rxlane_priv *priv = netdev_priv(dev);
	struct rxlane_arfs *arfs = &priv->arfs;
	unsigned int q, start;

	*data++ = atomic64_read(&priv->filter_drops);
	*data++ = priv->ntuple.count;
	*data++ = READ_ONCE(arfs->count);
	*data++ = atomic64_read(&arfs->adds);
	*data++ = atomic64_read(&arfs->updates);
	*data++ = atomic64_read(&arfs->expires);
	*data++ = atomic64_read(&arfs->table_full);
	*data++ = atomic64_read(&arfs->alloc_fail);
	*data++ = atomic64_read(&arfs->flushes);
	*data++ = atomic64_read(&priv->xdp_xmit);
	*data++ = atomic64_read(&priv->xdp_xmit_err);

	for (q = 0; q < dev->real_num_rx_queues; q++) {
		struct rxlane_rxq *rxq = &priv->rxqs[q];
		struct rxlane_rxq_stats s;

		do {
			start = u64_stats_fetch_begin(&rxq->stats.syncp);
			s = rxq->stats;
		} while (u64_stats_fetch_retry(&rxq->stats.syncp, start));
		*data++ = s.packets;
		*data++ = s.bytes;
		*data++ = s.drops;
		*data++ = atomic64_read(&rxq->ring_full);
		*data++ = s.xdp_pass;
		*data++ = s.xdp_drop;
		*data++ = s.xdp_tx;
		*data++ = s.xdp_redirect;
		*data++ = s.xdp_aborted;
		*data++ = s.unclone;
		*data++ = s.xdp_inplace;
		*data++ = s.xdp_copy;
	}
}

static void rxlane_get_ringparam(struct net_device *dev,
				 struct ethtool_ringparam *ring,
				 struct kernel_ethtool_ringparam *kring,
				 struct netlink_ext_ack *extack)
{
	struct rxlane_priv *priv = netdev_priv(dev);

	ring->rx_max_pending = RXLANE_RING_MAX;
	ring->rx_pending = READ_ONCE(priv->ring_size);
}

/*
 * Only the receive rings have a size (the NIC transmits through the lower
 * device); the core refuses the others, whose maximum is 0. Every queue's
 * ring takes the new bound at once: nothing is allocated (a ring is a list),
 * and a ring that holds more than the new size refuses frames until its
 * poll has taken it below. 0 refuses every frame (ring_full): a test knob.
 */
static int rxlane_set_ringparam(struct net_device *dev,
				struct ethtool_ringparam *ring,
				struct kernel_ethtool_ringparam *kring,
				struct netlink_ext_ack *extack)
{
	struct rxlane_priv *priv = netdev_priv(dev);

	if (ring->rx_pending > RXLANE_RING_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "rx ring size must be 0.." __stringify(RXLANE_RING_MAX));
		return -EINVAL;
	}
	if (ring->tx_pending || ring->rx_mini_pending || ring->rx_jumbo_pending) {
		NL_SET_ERR_MSG_MOD(extack, "only the rx ring has a size");
		return -EINVAL;
	}
	WRITE_ONCE(priv->ring_size, ring->rx_pending);
	return 0;
}

static void rxlane_get_channels(struct net_device *dev,
				struct ethtool_channels *ch)
{
	struct rxlane_priv *priv = netdev_priv(dev);

	ch->max_combined = priv->num_rxqs;
	ch->combined_count = dev->real_num_rx_queues;
}

/*
 * Refused when an ntuple rule or a user-set indirection entry points at a
 * queue that would disappear. aRFS entries are flushed; the default
 * indirection table is spread again unless the user set it. A change that
 * fails (out of memory) leaves channels, table and rmap as they were.
 */
static int rxlane_set_channels(struct net_device *dev,
			       struct ethtool_channels *ch)
{
	struct rxlane_priv *priv = netdev_priv(dev);
	unsigned int n = ch->combined_count;
	struct rxlane_rss_ctx *rss;
	struct cpu_rmap *rmap;
	unsigned int gen;
	int err;

	if (ch->rx_count || ch->tx_count || ch->other_count) {
		netdev_dbg(dev, "only combined channels exist\n");
		return -EINVAL;
	}
	if (!n || n > priv->num_rxqs) {
		netdev_dbg(dev, "channels must be 1..%u\n", priv->num_rxqs);
		return -EINVAL;
	}
	if (priv->ntuple.count && rxlane_ntuple_max_queue(priv) >= n) {
		netdev_dbg(dev, "an ntuple rule uses queue %u: delete it first\n",
			   rxlane_ntuple_max_queue(priv));
		return -EBUSY;
	}
	if (rxlane_rss_max_queue(priv) >= n) {
		netdev_dbg(dev, "the RSS indirection table uses queue %u: change it first\n",
			   rxlane_rss_max_queue(priv));
		return -EBUSY;
	}

	/* All that can fail comes first: a failed change changes nothing. */
	rss = rxlane_rss_respread(priv, n);
	if (IS_ERR(rss))
		return PTR_ERR(rss);
	mutex_lock(&priv->cfg_lock);
	rmap = rxlane_arfs_rmap_new(priv, n);
	gen = priv->qcpu_gen;
	mutex_unlock(&priv->cfg_lock);
	if (!rmap) {
		err = -ENOMEM;
		goto err_rss;
	}
	/*
	 * Not under cfg_lock: shrinking the tx queues resets XPS maps, which
	 * takes the CPU hotplug lock (netif_reset_xps_queues_gt()), and the
	 * hotplug callbacks take cfg_lock with that lock held for writing.
	 * RTNL keeps the queue count ours; a queue that moved CPU meanwhile
	 * is caught up below.
	 */
	err = rxlane_rx_set_num_queues(priv, n);
	if (err)
		goto err_rmap;
	mutex_lock(&priv->cfg_lock);
	/* Out of memory here leaves an entry pointing near the old CPU, as a
	 * failed update in a hotplug callback does: steering, not safety.
	 */
	if (priv->qcpu_gen != gen)
		rxlane_arfs_rmap_fill(priv, rmap);
	rxlane_rss_respread_commit(priv, rss);
	rxlane_arfs_rmap_commit(priv, rmap);
	/*
	 * The commit waited for get_rps_cpu() callers of the old rmap: no
	 * entry made for the old queues can be added after this flush.
	 */
	rxlane_arfs_flush(priv);
	mutex_unlock(&priv->cfg_lock);
	return 0;

err_rmap:
	cpu_rmap_put(rmap);
err_rss:
	kfree(rss);
	return err;
}

static u32 rxlane_get_rxfh_key_size(struct net_device *dev)
{
	return RXLANE_RSS_KEY_SIZE;
}

static u32 rxlane_get_rxfh_indir_size(struct net_device *dev)
{
	return RXLANE_RSS_INDIR_SIZE;
}

static int rxlane_get_rxfh_context(struct net_device *dev, u32 *indir,
				   u8 *key, u8 *hfunc, u32 ctx)
{
	if (hfunc)
		*hfunc = ETH_RSS_HASH_TOP;
	return rxlane_rss_get(netdev_priv(dev), ctx, indir, key);
}

static int rxlane_get_rxfh(struct net_device *dev, u32 *indir, u8 *key,
			   u8 *hfunc)
{
	return rxlane_get_rxfh_context(dev, indir, key, hfunc, 0);
}

static int rxlane_set_rxfh_context(struct net_device *dev, const u32 *indir,
				   const u8 *key, const u8 hfunc, u32 *ctx,
				   bool delete)
{
	if (hfunc != ETH_RSS_HASH_NO_CHANGE && hfunc != ETH_RSS_HASH_TOP) {
		netdev_dbg(dev, "only the Toeplitz hash is supported\n");
		return -EOPNOTSUPP;
	}
	return rxlane_rss_set(netdev_priv(dev), ctx, indir, key, delete);
}

static int rxlane_set_rxfh(struct net_device *dev, const u32 *indir,
			   const u8 *key, const u8 hfunc)
{
	u32 ctx = 0;

	return rxlane_set_rxfh_context(dev, indir, key, hfunc, &ctx, false);
}

static u64 rxlane_rxfh_fields(u32 flow_type)
{
	switch (flow_type) {
	case TCP_V4_FLOW:
	case UDP_V4_FLOW:
	case TCP_V6_FLOW:
	case UDP_V6_FLOW:
		return RXH_IP_SRC | RXH_IP_DST | RXH_L4_B_0_1 | RXH_L4_B_2_3;
	case IPV4_FLOW:
	case IPV6_FLOW:
	case SCTP_V4_FLOW:
	case SCTP_V6_FLOW:
	case AH_ESP_V4_FLOW:
	case AH_ESP_V6_FLOW:
		return RXH_IP_SRC | RXH_IP_DST;
	default:
		return 0;
	}
}

static int rxlane_get_rxnfc(struct net_device *dev, struct ethtool_rxnfc *cmd,
			    u32 *rule_locs)
{
	struct rxlane_priv *priv = netdev_priv(dev);
	int err;

	switch (cmd->cmd) {
	case ETHTOOL_GRXRINGS:
		cmd->data = dev->real_num_rx_queues;
		return 0;
	case ETHTOOL_GRXCLSRLCNT:
		cmd->rule_cnt = priv->ntuple.count;
		cmd->data = priv->ntuple.capacity | RX_CLS_LOC_SPECIAL;
		if (priv->faults.table_size_in != RXLANE_SIZE_IN_COUNT)
			cmd->data = 0;
		return 0;
	case ETHTOOL_GRXCLSRULE:
		return rxlane_ntuple_get(priv, cmd);
	case ETHTOOL_GRXCLSRLALL:
		err = rxlane_ntuple_get_all(priv, cmd, rule_locs);
		if (priv->faults.table_size_in == RXLANE_SIZE_NOWHERE)
			cmd->data = 0;
		return err;
	case ETHTOOL_GRXFH:
		cmd->data = rxlane_rxfh_fields(cmd->flow_type);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static int rxlane_set_rxnfc(struct net_device *dev, struct ethtool_rxnfc *cmd)
{
	struct rxlane_priv *priv = netdev_priv(dev);

	switch (cmd->cmd) {
	case ETHTOOL_SRXCLSRLINS:
		return rxlane_ntuple_insert(priv, cmd);
	case ETHTOOL_SRXCLSRLDEL:
		return rxlane_ntuple_delete(priv, cmd->fs.location);
	case ETHTOOL_SRXFH:
		if (cmd->data == rxlane_rxfh_fields(cmd->flow_type))
			return 0;
		netdev_dbg(dev, "the hashed fields are fixed\n");
		return -EOPNOTSUPP;
	default:
		return -EOPNOTSUPP;
	}
}

const struct ethtool_ops rxlane_ethtool_ops = {
	.get_drvinfo		= rxlane_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_sset_count		= rxlane_get_sset_count,
	.get_strings		= rxlane_get_strings,
	.get_ethtool_stats	= rxlane_get_ethtool_stats,
	.get_ringparam		= rxlane_get_ringparam,
	.set_ringparam		= rxlane_set_ringparam,
	.get_channels		= rxlane_get_channels,
	.set_channels		= rxlane_set_channels,
	.get_rxfh_key_size	= rxlane_get_rxfh_key_size,
	.get_rxfh_indir_size	= rxlane_get_rxfh_indir_size,
	.get_rxfh		= rxlane_get_rxfh,
	.set_rxfh		= rxlane_set_rxfh,
	.get_rxfh_context	= rxlane_get_rxfh_context,
	.set_rxfh_context	= rxlane_set_rxfh_context,
	.get_rxnfc		= rxlane_get_rxnfc,
	.set_rxnfc		= rxlane_set_rxnfc,
};
