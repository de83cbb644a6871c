// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane: per-container hardware filters - containers, the NIC entries
 * and RSS contexts they hold, and their lifetime
 * (Documentation/hwfilter.rst).
 *
 * The NIC is programmed through its own ethtool operations (get_rxnfc,
 * set_rxnfc, set_rxfh_context), so the same code drives rxlane's NIC and
 * any driver with ntuple filters and RSS contexts. Everything here runs
 * under RTNL, which those operations need anyway.
 */
#include <linux/bitmap.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/in.h>
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jhash.h>
#include <linux/rculist.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <net/netns/hash.h>

#include "rxlane.h"
#include "hw.h"

static DEFINE_XARRAY_ALLOC(rxlane_hw_conts);
static LIST_HEAD(rxlane_hw_ctxs);
static LIST_HEAD(rxlane_hw_nics);
static struct rhashtable rxlane_hw_names;
static struct rhashtable rxlane_hw_addrs;
static struct rhashtable rxlane_hw_macs;

/* One entry to install: what it is, for which address, rule and block. */
struct rxlane_hw_item {
	u8 kind;
	u8 addr;
	const struct rxlane_hw_rule *rule;
	struct rxlane_hw_block block;
};

static struct rxlane_priv *rxlane_hw_priv(struct net_device *dev)
{
	return dev->rtnl_link_ops == &rxlane_link_ops ? netdev_priv(dev) : NULL;
}

/*
 * The CPU that serves receive queue @q: rxlane's home CPU of the queue;
 * for other drivers queue i serves CPU i, their default IRQ spread.
 */
static unsigned int rxlane_hw_queue_cpu(struct net_device *dev, unsigned int q)
{
	struct rxlane_priv *priv = rxlane_hw_priv(dev);

	if (priv && q < priv->num_rxqs)
		return READ_ONCE(priv->rxqs[q].home_cpu);
	return q;
}

/*
 * Every RSS context call goes through here: set_rxfh_context changed in 6.8
 * (struct ethtool_rxfh_param) and became create/modify/remove_rxfh_context
 * in 6.11; a port to those kernels changes this function only.
 */
static int rxlane_hw_rxfh(struct net_device *dev, const u32 *indir, u32 *id,
			  bool delete)
{
	return dev->ethtool_ops->set_rxfh_context(dev, indir, NULL,
						  ETH_RSS_HASH_NO_CHANGE, id,
						  delete);
}

static int rxlane_hw_nic_ok(struct net_device *dev,
			    struct netlink_ext_ack *extack)
{
	const struct ethtool_ops *ops = dev->ethtool_ops;

	if (!ops || !ops->get_rxnfc || !ops->set_rxnfc) {
		NL_SET_ERR_MSG_MOD(extack, "the NIC has no ntuple filters");
		return -EOPNOTSUPP;
	}
	if (!ops->set_rxfh_context || !ops->get_rxfh_indir_size ||
	    !ops->get_rxfh_indir_size(dev)) {
		NL_SET_ERR_MSG_MOD(extack, "the NIC has no RSS contexts");
		return -EOPNOTSUPP;
	}
	if (!(dev->features & NETIF_F_NTUPLE)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "ntuple filters are off on the NIC (ethtool -K DEV ntuple on)");
		return -EOPNOTSUPP;
	}
	return 0;
}

/**
 * rxlane_hw_ctx_get() - the RSS context of @cpus on @dev, shared or new
 * @dev:	the NIC
 * @cpus:	the CPU set
 * @extack:	why not
 *
 * Context: RTNL held; may sleep.
 * Return: the context or an ERR_PTR; nothing changed on error.
 */
static struct rxlane_hw_ctx *rxlane_hw_ctx_get(struct net_device *dev,
					       u64 cpus,
					       struct netlink_ext_ack *extack)
{
	u32 size = dev->ethtool_ops->get_rxfh_indir_size(dev);
	unsigned int q, n = 0, nq = dev->real_num_rx_queues;
	struct rxlane_hw_ctx *ctx;
	u32 *queues, *indir;
	unsigned int cpu, i;
	int err;

	list_for_each_entry(ctx, &rxlane_hw_ctxs, list) {
		if (ctx->dev == dev && ctx->cpus == cpus) {
			ctx->users++;
			return ctx;
		}
	}
	queues = kcalloc(nq ?: 1, sizeof(*queues), GFP_KERNEL);
	if (!queues)
		return ERR_PTR(-ENOMEM);
	for (q = 0; q < nq; q++) {
		cpu = rxlane_hw_queue_cpu(dev, q);
		if (cpu < 64 && (cpus & BIT_ULL(cpu)))
			queues[n++] = q;
	}
	if (!n) {
		NL_SET_ERR_MSG_MOD(extack, "no queue of the NIC serves a CPU of the set");
		err = -EINVAL;
		goto err_free_queues;
	}
	indir = kcalloc(size, sizeof(*indir), GFP_KERNEL);
	if (!indir) {
		err = -ENOMEM;
		goto err_free_queues;
	}
	for (i = 0; i < size; i++)
		indir[i] = queues[i % n];
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx) {
		err = -ENOMEM;
		goto err_free_indir;
	}
	ctx->id = ETH_RXFH_CONTEXT_ALLOC;
	err = rxlane_hw_rxfh(dev, indir, &ctx->id, false);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "the NIC refused a new RSS context");
		goto err_free_ctx;
	}
	ctx->dev = dev;
	ctx->cpus = cpus;
	ctx->users = 1;
	list_add(&ctx->list, &rxlane_hw_ctxs);
	kfree(indir);
	kfree(queues);
	return ctx;

err_free_ctx:
	kfree(ctx);
err_free_indir:
	kfree(indir);
err_free_queues:
	kfree(queues);
	return ERR_PTR(err);
}

/* Drop a user of @ctx; the last one deletes it from the NIC when @nic. */
static void rxlane_hw_ctx_put(struct rxlane_hw_ctx *ctx, bool nic)
{
	if (--ctx->users)
		return;
	if (nic)
		WARN_ON(rxlane_hw_rxfh(ctx->dev, NULL, &ctx->id, true));
	list_del(&ctx->list);
	kfree(ctx);
}

#define RXLANE_HW_CAP_MAX	65536	/* a table larger is not believed */

/*
 * The table's size from GRXCLSRLCNT's @count_data or else @all_data
 * (GRXCLSRLALL's), 0 when neither holds one hw.c can use.
 *
 * GRXCLSRLCNT's data is the size, with RX_CLS_LOC_SPECIAL, for drivers
 * that place entries themselves as well as at the locations asked for
 * (rxlane's NIC, sfc). Drivers that take chosen locations only may report
 * the size in GRXCLSRLALL's data alone, as ethtool(8) reads it (its
 * rmgr_init()): mlx5 on 6.1 sets only rule_cnt in GRXCLSRLCNT and
 * data = MAX_NUM_OF_ETHTOOL_RULES (1024) in GRXCLSRLALL, and refuses
 * every location at or past it, so [0, data) are exactly the locations
 * it takes.
 */
static u32 rxlane_hw_table_size(u64 count_data, u64 all_data, u32 count)
{
	u64 cap = count_data & ~(u64)RX_CLS_LOC_SPECIAL;

	if (cap && !(count_data & RX_CLS_LOC_SPECIAL))
		return 0;
	if (!cap)
		cap = all_data & ~(u64)RX_CLS_LOC_SPECIAL;
	if (!cap || cap > RXLANE_HW_CAP_MAX || cap < count)
		return 0;
	return cap;
}

/*
 * Read @dev's table size and the locations in use into @nic: once, when
 * the NIC's first container comes.
 */
static int rxlane_hw_nic_read(struct net_device *dev, struct rxlane_hw_nic *nic,
			      struct netlink_ext_ack *extack)
{
	const struct ethtool_ops *ops = dev->ethtool_ops;
	struct ethtool_rxnfc cmd = { .cmd = ETHTOOL_GRXCLSRLCNT };
	u32 *locs, i, count;
	u64 count_data;
	int err;

	err = ops->get_rxnfc(dev, &cmd, NULL);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "the NIC does not report its filter table");
		return err;
	}
	count = cmd.rule_cnt;
	count_data = cmd.data;
	if (count > RXLANE_HW_CAP_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "the NIC reports more filters than a table holds");
		return -EOPNOTSUPP;
	}
	locs = kvcalloc(count ?: 1, sizeof(*locs), GFP_KERNEL);
	if (!locs)
		return -ENOMEM;
	memset(&cmd, 0, sizeof(cmd));
	cmd.cmd = ETHTOOL_GRXCLSRLALL;
	cmd.rule_cnt = count;
	err = ops->get_rxnfc(dev, &cmd, locs);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "the NIC does not list its filters");
		goto err_free_locs;
	}
	nic->cap = rxlane_hw_table_size(count_data, cmd.data, count);
	if (!nic->cap) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the NIC's filter table has no fixed size with chosen locations");
		err = -EOPNOTSUPP;
		goto err_free_locs;
	}
	nic->band = nic->cap / 2;
	nic->low = nic->band;
	nic->high = nic->cap;
	nic->used = bitmap_zalloc(nic->cap, GFP_KERNEL);
	if (!nic->used) {
		err = -ENOMEM;
		goto err_free_locs;
	}
	for (i = 0; i < cmd.rule_cnt && i < count; i++)
		if (locs[i] < nic->cap)
			__set_bit(locs[i], nic->used);
	kvfree(locs);
	return 0;

err_free_locs:
	kvfree(locs);
	return err;
}

/**
 * rxlane_hw_nic_get() - hw.c's state of @dev, for one more container
 * @dev:	the NIC
 * @extack:	why not
 *
 * The first container of a NIC reads its table (the only read of the
 * whole table) and, on rxlane's NIC, reserves the container band.
 *
 * Context: RTNL held; may sleep.
 * Return: the state or an ERR_PTR; nothing changed on error.
 */
static struct rxlane_hw_nic *rxlane_hw_nic_get(struct net_device *dev,
					       struct netlink_ext_ack *extack)
{
	struct rxlane_priv *priv = rxlane_hw_priv(dev);
	struct rxlane_hw_nic *nic;
	int err;

	list_for_each_entry(nic, &rxlane_hw_nics, list) {
		if (nic->dev == dev) {
			nic->nconts++;
			return nic;
		}
	}
	nic = kzalloc(sizeof(*nic), GFP_KERNEL);
	if (!nic)
		return ERR_PTR(-ENOMEM);
	err = rxlane_hw_nic_read(dev, nic, extack);
	if (err) {
		kfree(nic);
		return ERR_PTR(err);
	}
	nic->dev = dev;
	nic->nconts = 1;
	list_add(&nic->list, &rxlane_hw_nics);
	if (priv)
		rxlane_ntuple_set_band(priv, true);
	return nic;
}

/*
 * Drop a container of @nic; with the last one the state goes and, when
 * @touch (the NIC stays registered), rxlane's NIC gives the band back.
 */
static void rxlane_hw_nic_put(struct rxlane_hw_nic *nic, bool touch)
{
	struct rxlane_priv *priv = rxlane_hw_priv(nic->dev);

	if (--nic->nconts)
		return;
	if (priv && touch)
		rxlane_ntuple_set_band(priv, false);
	list_del(&nic->list);
	bitmap_free(nic->used);
	kfree(nic);
}

/* Location @loc of @nic's band is in use from now on. */
static void rxlane_hw_loc_take(struct rxlane_hw_nic *nic, u32 loc)
{
	__set_bit(loc, nic->used);
	if (loc == nic->low)
		nic->low++;
	if (loc + 1 == nic->high)
		nic->high--;
}

/* Location @loc of @nic's band is free again. */
static void rxlane_hw_loc_give(struct rxlane_hw_nic *nic, u32 loc)
{
	if (loc < nic->band || loc >= nic->cap)
		return;
	__clear_bit(loc, nic->used);
	nic->low = min(nic->low, loc);
	nic->high = max(nic->high, loc + 1);
}

/* Give back the @n locations of @locs that are set (not U32_MAX). */
static void rxlane_hw_locs_give(struct rxlane_hw_nic *nic, const u32 *locs,
				unsigned int n)
{
	while (n--)
		if (locs[n] != U32_MAX)
			rxlane_hw_loc_give(nic, locs[n]);
}

/*
 * Whether a free location of @nic holds an entry hw.c did not make (the
 * user's, inserted in the band of a driver that does not reserve it, as
 * rxlane's NIC does): such a location is marked in use for good, so a
 * user's entry is never overwritten. One GRXCLSRULE per location picked.
 */
static bool rxlane_hw_loc_foreign(struct rxlane_hw_nic *nic, u32 loc)
{
	struct ethtool_rxnfc cmd = { .cmd = ETHTOOL_GRXCLSRULE };

	cmd.fs.location = loc;
	if (nic->dev->ethtool_ops->get_rxnfc(nic->dev, &cmd, NULL))
		return false;
	rxlane_hw_loc_take(nic, loc);
	return true;
}

/*
 * Locations for @nallow allow entries (the lowest free ones of the band,
 * below @limit) then @ntail tail entries (the highest free ones): every
 * allow entry sits above every tail entry. They are taken in @nic; on
 * error none is. @low and @high make the search start where the last one
 * ended, not at the band's edge: its cost does not grow with the
 * containers present.
 */
static int rxlane_hw_pick(struct rxlane_hw_nic *nic, u32 *locs,
			  unsigned int nallow, unsigned int ntail, u32 limit,
			  struct netlink_ext_ack *extack)
{
	u32 top = nic->high, loc = nic->low;
	unsigned int i;

	memset(locs, 0xff, (nallow + ntail) * sizeof(*locs));
	for (i = 0; i < ntail; i++) {
		do {
			if (top <= nic->band)
				goto err_nospc;
			top--;
		} while (test_bit(top, nic->used) ||
			 rxlane_hw_loc_foreign(nic, top));
		locs[nallow + i] = top;
		rxlane_hw_loc_take(nic, top);
	}
	limit = min(limit, top);
	for (i = 0; i < nallow; i++) {
		do {
			loc = find_next_zero_bit(nic->used, limit, loc);
			if (loc >= limit)
				goto err_nospc;
		} while (rxlane_hw_loc_foreign(nic, loc));
		locs[i] = loc;
		rxlane_hw_loc_take(nic, loc);
	}
	return 0;

err_nospc:
	rxlane_hw_locs_give(nic, locs, nallow + ntail);
	NL_SET_ERR_MSG_MOD(extack,
			   "the NIC's container band has too few free entries (nothing was installed)");
	return -ENOSPC;
}

/* A prefix mask of @plen bits over @words 32-bit words. */
static void rxlane_hw_mask(__be32 *m, unsigned int words, unsigned int plen)
{
	unsigned int i;

	for (i = 0; i < words; i++, plen = plen > 32 ? plen - 32 : 0)
		m[i] = plen >= 32 ? htonl(~0U) : plen ? htonl(~0U << (32 - plen)) : 0;
}

/* The ethtool insert of @it for @c at @loc. */
static void rxlane_hw_spec(const struct rxlane_hw_cont *c,
			   const struct rxlane_hw_item *it, u32 loc,
			   struct ethtool_rxnfc *cmd)
{
	const struct rxlane_hw_addr *a = &c->addrs[it->addr];
	const struct rxlane_hw_rule *r = it->rule;
	struct ethtool_rx_flow_spec *fs = &cmd->fs;
	bool v6 = a->family == AF_INET6;

	memset(cmd, 0, sizeof(*cmd));
	cmd->cmd = ETHTOOL_SRXCLSRLINS;
	fs->location = loc;
	if (it->kind == RXLANE_ENTRY_ALLOW && !v6) {
		struct ethtool_tcpip4_spec *h = &fs->h_u.tcp_ip4_spec;
		struct ethtool_tcpip4_spec *m = &fs->m_u.tcp_ip4_spec;

		fs->flow_type = r->proto == IPPROTO_TCP ? TCP_V4_FLOW : UDP_V4_FLOW;
		h->ip4dst = a->a[0];
		m->ip4dst = htonl(~0U);
		h->pdst = htons(it->block.value);
		m->pdst = htons(it->block.mask);
		if (r->src_family) {
			rxlane_hw_mask(&m->ip4src, 1, r->src_plen);
			h->ip4src = r->src[0];
		}
	} else if (it->kind == RXLANE_ENTRY_ALLOW) {
		struct ethtool_tcpip6_spec *h = &fs->h_u.tcp_ip6_spec;
		struct ethtool_tcpip6_spec *m = &fs->m_u.tcp_ip6_spec;

		fs->flow_type = r->proto == IPPROTO_TCP ? TCP_V6_FLOW : UDP_V6_FLOW;
		memcpy(h->ip6dst, a->a, sizeof(h->ip6dst));
		rxlane_hw_mask(m->ip6dst, 4, 128);
		h->pdst = htons(it->block.value);
		m->pdst = htons(it->block.mask);
		if (r->src_family) {
			rxlane_hw_mask(m->ip6src, 4, r->src_plen);
			memcpy(h->ip6src, r->src, sizeof(h->ip6src));
		}
	} else if (!v6) {
		fs->flow_type = IPV4_USER_FLOW;
		fs->h_u.usr_ip4_spec.ip_ver = ETH_RX_NFC_IP4;
		fs->h_u.usr_ip4_spec.ip4dst = a->a[0];
		fs->m_u.usr_ip4_spec.ip4dst = htonl(~0U);
	} else {
		fs->flow_type = IPV6_USER_FLOW;
		memcpy(fs->h_u.usr_ip6_spec.ip6dst, a->a,
		       sizeof(fs->h_u.usr_ip6_spec.ip6dst));
		rxlane_hw_mask(fs->m_u.usr_ip6_spec.ip6dst, 4, 128);
	}
	if (it->kind == RXLANE_ENTRY_DROP) {
		fs->ring_cookie = RX_CLS_FLOW_DISC;
		return;
	}
	fs->flow_type |= FLOW_RSS;
	cmd->rss_context = c->ctx->id;
}

/* Insert or delete through the NIC's set_rxnfc, as the band's writer. */
static int rxlane_hw_rxnfc(struct net_device *dev, struct ethtool_rxnfc *cmd)
{
	struct rxlane_priv *priv = rxlane_hw_priv(dev);
	int err;

	if (priv)
		rxlane_ntuple_band_write(priv, true);
	err = dev->ethtool_ops->set_rxnfc(dev, cmd);
	if (priv)
		rxlane_ntuple_band_write(priv, false);
	return err;
}

static void rxlane_hw_entry_del(struct net_device *dev, u32 loc)
{
	struct ethtool_rxnfc cmd = { .cmd = ETHTOOL_SRXCLSRLDEL };
	int err;

	cmd.fs.location = loc;
	err = rxlane_hw_rxnfc(dev, &cmd);
	/* -ENOENT: the driver lost it already (a reset); nothing to undo. */
	if (err && err != -ENOENT)
		netdev_warn(dev, "rxlane hw: deleting entry %u failed: %d\n",
			    loc, err);
}

/**
 * rxlane_hw_install() - install @n entries of @c, all or nothing
 * @c:		the container
 * @items:	the entries, allow entries first
 * @nallow:	allow entries in @items
 * @n:		entries in @items
 * @limit:	allow entries go below this location
 * @extack:	why not
 *
 * Locations are chosen before anything is inserted; an insert the driver
 * refuses part-way removes those already inserted, in reverse.
 *
 * Context: RTNL held; may sleep.
 * Return: 0 or -errno; on error the NIC and @c are as before.
 */
static int rxlane_hw_install(struct rxlane_hw_cont *c,
			     const struct rxlane_hw_item *items,
			     unsigned int nallow, unsigned int n, u32 limit,
			     struct netlink_ext_ack *extack)
{
	struct rxlane_hw_entry *entries;
	struct ethtool_rxnfc *cmd;
	unsigned int i = 0;
	u32 *locs;
	int err;

	if (c->nentries + n > RXLANE_ENTRIES_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "the container would hold too many NIC entries");
		return -E2BIG;
	}
	locs = kcalloc(n, sizeof(*locs), GFP_KERNEL);
	cmd = kmalloc(sizeof(*cmd), GFP_KERNEL);
	entries = kvcalloc(c->nentries + n, sizeof(*entries), GFP_KERNEL);
	if (!locs || !cmd || !entries) {
		err = -ENOMEM;
		goto err_free;
	}
	err = rxlane_hw_pick(c->nic, locs, nallow, n - nallow, limit, extack);
	if (err)
		goto err_free;
	for (i = 0; i < n; i++) {
		rxlane_hw_spec(c, &items[i], locs[i], cmd);
		err = rxlane_hw_rxnfc(c->dev, cmd);
		if (!err && cmd->fs.location != locs[i]) {
			/* inserted, at a location we did not ask for */
			rxlane_hw_entry_del(c->dev, cmd->fs.location);
			err = -EIO;
		}
		if (err) {
			NL_SET_ERR_MSG_MOD(extack,
					   "the NIC refused an entry (nothing was installed)");
			goto err_undo;
		}
	}
	memcpy(entries, c->entries, c->nentries * sizeof(*entries));
	for (i = 0; i < n; i++) {
		struct rxlane_hw_entry *e = &entries[c->nentries + i];

		e->loc = locs[i];
		e->kind = items[i].kind;
		e->rule_id = items[i].rule ? items[i].rule->id : 0;
	}
	kvfree(c->entries);
	c->entries = entries;
	c->nentries += n;
	kfree(cmd);
	kfree(locs);
	return 0;

err_undo:
	while (i--)
		rxlane_hw_entry_del(c->dev, locs[i]);
	rxlane_hw_locs_give(c->nic, locs, n);
err_free:
	kvfree(entries);
	kfree(cmd);
	kfree(locs);
	return err;
}

/*
 * Allow items of @r for @c, appended at @items, or only counted when
 * @items is NULL; returns how many. Counting first lets the caller
 * allocate exactly the items it needs: the expansion costs less than
 * zeroing an array sized for the worst case.
 */
static unsigned int rxlane_hw_rule_items(const struct rxlane_hw_cont *c,
					 const struct rxlane_hw_rule *r,
					 struct rxlane_hw_item *items)
{
	struct rxlane_hw_block blocks[RXLANE_HW_MAX_BLOCKS];
	unsigned int nb, b, a, n = 0;

	nb = rxlane_hw_expand_ports(r->dport_min, r->dport_max, blocks);
	for (a = 0; a < c->naddrs; a++) {
		if (r->src_family && r->src_family != c->addrs[a].family)
			continue;
		for (b = 0; items && b < nb; b++) {
			items[n + b].kind = RXLANE_ENTRY_ALLOW;
			items[n + b].addr = a;
			items[n + b].rule = r;
			items[n + b].block = blocks[b];
		}
		n += nb;
	}
	return n;
}

/* ---- names, addresses and MACs taken: hash tables, RTNL writers ------- */

/* The key of rxlane_hw_names: a container's owner and name. */
struct rxlane_hw_name_arg {
	const struct net *net;
	const char *name;
};

static u32 rxlane_hw_name_hashfn(const void *data, u32 len, u32 seed)
{
	const struct rxlane_hw_name_arg *k = data;

	return jhash(k->name, strlen(k->name), seed ^ net_hash_mix(k->net));
}

static u32 rxlane_hw_name_obj_hashfn(const void *data, u32 len, u32 seed)
{
	const struct rxlane_hw_cont *c = data;
	struct rxlane_hw_name_arg k = {
		.net = read_pnet(&c->owner),
		.name = c->name,
	};

	return rxlane_hw_name_hashfn(&k, len, seed);
}

static int rxlane_hw_name_cmpfn(struct rhashtable_compare_arg *arg,
				const void *obj)
{
	const struct rxlane_hw_name_arg *k = arg->key;
	const struct rxlane_hw_cont *c = obj;

	return !net_eq(read_pnet(&c->owner), k->net) || strcmp(c->name, k->name);
}

static const struct rhashtable_params rxlane_hw_name_params = {
	.head_offset = offsetof(struct rxlane_hw_cont, name_node),
	.hashfn = rxlane_hw_name_hashfn,
	.obj_hashfn = rxlane_hw_name_obj_hashfn,
	.obj_cmpfn = rxlane_hw_name_cmpfn,
	.automatic_shrinking = true,
};

static const struct rhashtable_params rxlane_hw_addr_params = {
	.key_len = offsetofend(struct rxlane_hw_addr_key, family),
	.key_offset = offsetof(struct rxlane_hw_addr_node, key),
	.head_offset = offsetof(struct rxlane_hw_addr_node, node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params rxlane_hw_mac_params = {
	.key_len = offsetofend(struct rxlane_hw_mac_node, mac) -
		   offsetof(struct rxlane_hw_mac_node, dev),
	.key_offset = offsetof(struct rxlane_hw_mac_node, dev),
	.head_offset = offsetof(struct rxlane_hw_mac_node, node),
	.automatic_shrinking = true,
};

/* Fill @c's hash keys from its NIC, addresses and MAC. */
static void rxlane_hw_cont_keys(struct rxlane_hw_cont *c)
{
	struct rxlane_hw_addr_key *k;
	unsigned int i;

	for (i = 0; i < c->naddrs; i++) {
		k = &c->addr_nodes[i].key;
		memset(k, 0, sizeof(*k));
		k->dev = c->dev;
		k->family = c->addrs[i].family;
		memcpy(k->a, c->addrs[i].a, sizeof(k->a));
	}
	c->mac_node.dev = c->dev;
	memcpy(c->mac_node.mac, c->mac, ETH_ALEN);
}

/* Whether another container on @c's NIC has one of @c's addresses. */
static bool rxlane_hw_addr_taken(const struct rxlane_hw_cont *c)
{
	unsigned int i;

	for (i = 0; i < c->naddrs; i++)
		if (rhashtable_lookup_fast(&rxlane_hw_addrs, &c->addr_nodes[i].key,
					   rxlane_hw_addr_params))
			return true;
	return false;
}

/* Whether another container on @c's NIC has @c's MAC. */
static bool rxlane_hw_mac_taken(const struct rxlane_hw_cont *c)
{
	return rhashtable_lookup_fast(&rxlane_hw_macs, &c->mac_node.dev,
				      rxlane_hw_mac_params);
}

/* Unhash @c's name, its first @naddrs addresses and, with @mac, its MAC. */
static void rxlane_hw_cont_unhash(struct rxlane_hw_cont *c,
				  unsigned int naddrs, bool mac)
{
	if (mac)
		rhashtable_remove_fast(&rxlane_hw_macs, &c->mac_node.node,
				       rxlane_hw_mac_params);
	while (naddrs--)
		rhashtable_remove_fast(&rxlane_hw_addrs,
				       &c->addr_nodes[naddrs].node,
				       rxlane_hw_addr_params);
	rhashtable_remove_fast(&rxlane_hw_names, &c->name_node,
			       rxlane_hw_name_params);
}

/*
 * Hash @c's name, addresses and MAC, checked free before (a name, address
 * or MAC taken here is a bug: -EEXIST); -ENOMEM or -EBUSY come from the
 * hash tables. Context: RTNL held. On error @c is in no table.
 */
static int rxlane_hw_cont_hash(struct rxlane_hw_cont *c)
{
	struct rxlane_hw_name_arg k = {
		.net = read_pnet(&c->owner),
		.name = c->name,
	};
	unsigned int i;
	int err;

	err = rhashtable_lookup_insert_key(&rxlane_hw_names, &k, &c->name_node,
					   rxlane_hw_name_params);
	if (err)
		return err;
	for (i = 0; i < c->naddrs; i++) {
		err = rhashtable_lookup_insert_fast(&rxlane_hw_addrs,
						    &c->addr_nodes[i].node,
						    rxlane_hw_addr_params);
		if (err)
			goto err_unhash;
	}
	if (c->has_mac) {
		err = rhashtable_lookup_insert_fast(&rxlane_hw_macs,
						    &c->mac_node.node,
						    rxlane_hw_mac_params);
		if (err)
			goto err_unhash;
	}
	return 0;

err_unhash:
	rxlane_hw_cont_unhash(c, i, false);
	return err;
}

/* ---- the egress spoof check (rxlane's NIC, its transmit path) ---------- */

/* @k for address @a of @family, as the spoof check hashes it. */
static void rxlane_hw_spoof_key(struct rxlane_hw_spoof_key *k, u8 family,
				const __be32 *a)
{
	memset(k, 0, sizeof(*k));
	k->family = family;
	if (family == AF_INET)
		k->a[0] = a[0];
	else
		memcpy(k->a, a, sizeof(k->a));
}

/*
 * The spoof check of @c, ready to go into its NIC's list: on rxlane's NIC
 * only (the transmit path is ours), for a container with a MAC.
 */
static int rxlane_hw_spoof_prep(struct rxlane_hw_cont *c,
				struct rxlane_hw_spoof **sp,
				struct netlink_ext_ack *extack)
{
	struct rxlane_hw_spoof *s;
	unsigned int i;

	*sp = NULL;
	if (!c->spoofchk)
		return 0;
	if (!rxlane_hw_priv(c->dev)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the NIC has no egress spoof check (rxlane's NIC has one)");
		return -EOPNOTSUPP;
	}
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	ether_addr_copy(s->mac, c->mac);
	for (i = 0; i < c->naddrs; i++) {
		rxlane_hw_spoof_key(&s->addrs[i].key, c->addrs[i].family,
				    c->addrs[i].a);
		s->addrs[i].owner = s;
	}
	s->naddrs = c->naddrs;
	atomic64_set(&s->drops, 0);
	*sp = s;
	return 0;
}

static const struct rhashtable_params rxlane_hw_spoof_mac_params = {
	.key_len = ETH_ALEN,
	.key_offset = offsetof(struct rxlane_hw_spoof, mac),
	.head_offset = offsetof(struct rxlane_hw_spoof, node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params rxlane_hw_spoof_addr_params = {
	.key_len = sizeof(struct rxlane_hw_spoof_key),
	.key_offset = offsetof(struct rxlane_hw_spoof_addr, key),
	.head_offset = offsetof(struct rxlane_hw_spoof_addr, node),
	.automatic_shrinking = true,
};

/**
 * rxlane_hw_nic_init() - the NIC's spoof check tables, empty
 * @priv:	the NIC being initialised
 *
 * Context: process context (ndo_init, RTNL held); may sleep.
 * Return: 0 or -errno; on error nothing is left.
 */
int rxlane_hw_nic_init(struct rxlane_priv *priv)
{
	int err;

	INIT_LIST_HEAD(&priv->hw_spoof);
	err = rhashtable_init(&priv->hw_spoof_mac, &rxlane_hw_spoof_mac_params);
	if (err)
		return err;
	err = rhashtable_init(&priv->hw_spoof_addr,
			      &rxlane_hw_spoof_addr_params);
	if (err)
		rhashtable_destroy(&priv->hw_spoof_mac);
	return err;
}

/**
 * rxlane_hw_nic_uninit() - free the NIC's spoof check tables
 * @priv:	the NIC, its containers gone (NETDEV_UNREGISTER)
 *
 * Context: process context (ndo_uninit, RTNL held); may sleep.
 */
void rxlane_hw_nic_uninit(struct rxlane_priv *priv)
{
	WARN_ON(!list_empty(&priv->hw_spoof));
	rhashtable_destroy(&priv->hw_spoof_addr);
	rhashtable_destroy(&priv->hw_spoof_mac);
}

/* Unhash @s's first @naddrs addresses and, with @mac, its MAC. */
static void rxlane_hw_spoof_unhash(struct rxlane_priv *priv,
				   struct rxlane_hw_spoof *s,
				   unsigned int naddrs, bool mac)
{
	while (naddrs--)
		rhashtable_remove_fast(&priv->hw_spoof_addr,
				       &s->addrs[naddrs].node,
				       rxlane_hw_spoof_addr_params);
	if (mac)
		rhashtable_remove_fast(&priv->hw_spoof_mac, &s->node,
				       rxlane_hw_spoof_mac_params);
}

/*
 * Put @s in its NIC's tables: from here on the transmit path checks the
 * container's egress. A MAC or address already there (another container
 * has it: refused earlier, so only a race with nothing) fails with
 * -EEXIST; -ENOMEM and -EBUSY come from the hash tables.
 *
 * Context: RTNL held.
 * Return: 0 or -errno; on error @s is in no table and was never visible.
 */
static int rxlane_hw_spoof_link(struct rxlane_priv *priv,
				struct rxlane_hw_spoof *s)
{
	unsigned int i;
	int err;

	err = rhashtable_lookup_insert_fast(&priv->hw_spoof_mac, &s->node,
					    rxlane_hw_spoof_mac_params);
	if (err)
		return err;
	for (i = 0; i < s->naddrs; i++) {
		err = rhashtable_lookup_insert_fast(&priv->hw_spoof_addr,
						    &s->addrs[i].node,
						    rxlane_hw_spoof_addr_params);
		if (err) {
			rxlane_hw_spoof_unhash(priv, s, i, true);
			return err;
		}
	}
	list_add_tail_rcu(&s->list, &priv->hw_spoof);
	return 0;
}

/* Take @s out of its NIC's tables and free it after a grace period. */
static void rxlane_hw_spoof_unlink(struct rxlane_priv *priv,
				   struct rxlane_hw_spoof *s)
{
	list_del_rcu(&s->list);
	rxlane_hw_spoof_unhash(priv, s, s->naddrs, true);
	kfree_rcu(s, rcu);
}

static bool rxlane_hw_spoof_own(const struct rxlane_hw_spoof *s,
				const struct rxlane_hw_spoof_key *k)
{
	unsigned int i;

	for (i = 0; i < s->naddrs; i++)
		if (!memcmp(&s->addrs[i].key, k, sizeof(*k)))
			return true;
	return false;
}

/*
 * Sources a host uses before, or besides, its addresses: 0.0.0.0 (DHCP,
 * ARP probes), :: (DAD) and fe80::/10 (neighbour discovery, MLD).
 */
static bool rxlane_hw_spoof_exempt(u8 family, const __be32 *a)
{
	if (family == AF_INET)
		return !a[0];
	return !(a[0] | a[1] | a[2] | a[3]) ||
	       (a[0] & htonl(0xffc00000)) == htonl(0xfe800000);
}

/*
 * The network source of @skb (from its MAC header @eth at skb->data):
 * IPv4's or IPv6's source, ARP's sender address, after at most two in-band
 * VLAN tags. An ARP frame whose sender hardware address is not its
 * Ethernet source sets @forged (it would teach neighbours another MAC for
 * the sender address). Returns the family, or 0 when the frame carries
 * none (another protocol, or too short to hold one).
 */
static u8 rxlane_hw_spoof_src(const struct sk_buff *skb,
			      const struct ethhdr *eth, __be32 *a,
			      bool *forged)
{
	__be16 proto = eth->h_proto;
	u8 sbuf[ETH_ALEN];
	const u8 *sha;
	unsigned int off = ETH_HLEN, depth;
	const struct vlan_hdr *vh;
	const struct arphdr *arp;
	struct vlan_hdr vbuf;
	struct arphdr abuf;
	const __be32 *p;

	for (depth = 0; depth < 2 && eth_type_vlan(proto); depth++) {
		vh = skb_header_pointer(skb, off, sizeof(vbuf), &vbuf);
		if (!vh)
			return 0;
		proto = vh->h_vlan_encapsulated_proto;
		off += VLAN_HLEN;
	}
	switch (proto) {
	case htons(ETH_P_IP):
		p = skb_header_pointer(skb, off + offsetof(struct iphdr, saddr),
				       4, a);
		if (!p)
			return 0;
		a[0] = p[0];
		return AF_INET;
	case htons(ETH_P_IPV6):
		p = skb_header_pointer(skb, off + offsetof(struct ipv6hdr, saddr),
				       16, a);
		if (!p)
			return 0;
		memmove(a, p, 16);
		return AF_INET6;
	case htons(ETH_P_ARP):
		arp = skb_header_pointer(skb, off, sizeof(abuf), &abuf);
		if (!arp || arp->ar_hrd != htons(ARPHRD_ETHER) ||
		    arp->ar_pro != htons(ETH_P_IP) || arp->ar_hln != ETH_ALEN ||
		    arp->ar_pln != 4)
			return 0;
		sha = skb_header_pointer(skb, off + sizeof(*arp), ETH_ALEN,
					 sbuf);
		p = skb_header_pointer(skb, off + sizeof(*arp) + ETH_ALEN, 4, a);
		if (!sha || !p)
			return 0;
		*forged = !ether_addr_equal(sha, eth->h_source);
		a[0] = p[0];
		return AF_INET;
	}
	return 0;
}

/**
 * rxlane_hw_spoofed() - whether a container sends @skb with an address
 *			 that is not its own
 * @priv:	the NIC
 * @skb:	a frame being transmitted, its MAC header at skb->data
 *
 * The sender is the container whose MAC is the frame's source MAC; its
 * frame is spoofed when its network source is not one of its addresses
 * (and not a source any host uses, see rxlane_hw_spoof_exempt()), or when
 * it is ARP with a sender hardware address other than that MAC. A frame
 * with no container's MAC is spoofed when its network source is a
 * container's address. A frame that claims no container at all (the
 * host's own traffic) passes. The container counts the drop.
 *
 * Context: the transmit path, under RCU (BHs off); no sleeping.
 * Return: true when the frame must be dropped.
 */
bool rxlane_hw_spoofed(struct rxlane_priv *priv, const struct sk_buff *skb)
{
	struct rxlane_hw_spoof *owner = NULL;
	struct rxlane_hw_spoof_addr *sa;
	struct rxlane_hw_spoof_key key;
	bool spoofed = false, forged = false;
	const struct ethhdr *eth;
	struct ethhdr ebuf;
	__be32 src[4];
	u8 family;

	if (list_empty(&priv->hw_spoof))
		return false;
	eth = skb_header_pointer(skb, 0, sizeof(ebuf), &ebuf);
	if (!eth)
		return false;
	family = rxlane_hw_spoof_src(skb, eth, src, &forged);
	if (family)
		rxlane_hw_spoof_key(&key, family, src);
	rcu_read_lock();
	owner = rhashtable_lookup(&priv->hw_spoof_mac, eth->h_source,
				  rxlane_hw_spoof_mac_params);
	if (owner) {
		spoofed = forged ||
			  (family && !rxlane_hw_spoof_own(owner, &key) &&
			   !rxlane_hw_spoof_exempt(family, src));
	} else if (family) {
		sa = rhashtable_lookup(&priv->hw_spoof_addr, &key,
				       rxlane_hw_spoof_addr_params);
		if (sa) {
			owner = sa->owner;
			spoofed = true;
		}
	}
	if (spoofed)
		atomic64_inc(&owner->drops);
	rcu_read_unlock();
	return spoofed;
}

/**
 * rxlane_hw_spoof_drops() - frames dropped as @c's spoofed egress
 * @c:	the container, with its spoof check on
 *
 * Context: RTNL held.
 * Return: the count.
 */
u64 rxlane_hw_spoof_drops(const struct rxlane_hw_cont *c)
{
	return atomic64_read(&c->spoof->drops);
}

/**
 * rxlane_hw_entry_hits() - frames entry @e of @c matched
 * @c:		the container
 * @e:		one of its entries
 * @hits:	set to the count
 *
 * Context: RTNL held.
 * Return: 0, or -EOPNOTSUPP when the NIC (a driver other than rxlane's)
 * does not report per-entry hits, -ENOENT when the entry is gone.
 */
int rxlane_hw_entry_hits(const struct rxlane_hw_cont *c,
			 const struct rxlane_hw_entry *e, u64 *hits)
{
	struct rxlane_priv *priv = rxlane_hw_priv(c->dev);

	if (!priv)
		return -EOPNOTSUPP;
	return rxlane_ntuple_hits(priv, e->loc, hits);
}

/**
 * rxlane_hw_find() - the container @name of namespace @net
 * @net:	the caller's namespace
 * @name:	the name
 *
 * One hash lookup, whatever the containers present.
 *
 * Context: RTNL held.
 * Return: the container or NULL.
 */
struct rxlane_hw_cont *rxlane_hw_find(struct net *net, const char *name)
{
	struct rxlane_hw_name_arg k = { .net = net, .name = name };

	return rhashtable_lookup_fast(&rxlane_hw_names, &k,
				      rxlane_hw_name_params);
}

/**
 * rxlane_hw_next() - the first container of @net at or after *@index
 * @net:	the caller's namespace
 * @index:	the dump cursor; set to the container's index
 *
 * Context: RTNL held.
 * Return: the container or NULL when there is none left.
 */
struct rxlane_hw_cont *rxlane_hw_next(struct net *net, unsigned long *index)
{
	struct rxlane_hw_cont *c;

	xa_for_each_start(&rxlane_hw_conts, *index, c, *index)
		if (net_eq(read_pnet(&c->owner), net))
			return c;
	return NULL;
}

/*
 * The items of every rule of @c (each rule's nentries set) then its tail
 * entries, in *@itemsp: an array of exactly *@n, the caller's to kfree().
 * -E2BIG when they are too many, -EINVAL when a rule yields none.
 */
static int rxlane_hw_cont_items(struct rxlane_hw_cont *c,
				struct rxlane_hw_item **itemsp,
				unsigned int *nallow, unsigned int *n,
				struct netlink_ext_ack *extack)
{
	struct rxlane_hw_item *items;
	unsigned int i, k = 0;

	for (i = 0; i < c->nrules && k <= RXLANE_ENTRIES_MAX; i++) {
		c->rules[i].nentries = rxlane_hw_rule_items(c, &c->rules[i],
							    NULL);
		if (!c->rules[i].nentries) {
			NL_SET_ERR_MSG_MOD(extack,
					   "a rule's source family matches none of the container's addresses");
			return -EINVAL;
		}
		k += c->rules[i].nentries;
	}
	if (k + c->naddrs > RXLANE_ENTRIES_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "the container would hold too many NIC entries");
		return -E2BIG;
	}
	items = kmalloc_array(k + c->naddrs, sizeof(*items), GFP_KERNEL);
	if (!items)
		return -ENOMEM;
	for (i = 0, k = 0; i < c->nrules; i++)
		k += rxlane_hw_rule_items(c, &c->rules[i], &items[k]);
	*nallow = k;
	for (i = 0; i < c->naddrs; i++, k++) {
		items[k].kind = c->def == RXLANE_DEFAULT_ALLOW ?
				RXLANE_ENTRY_STEER : RXLANE_ENTRY_DROP;
		items[k].addr = i;
		items[k].rule = NULL;
		items[k].block = (struct rxlane_hw_block){};
	}
	*n = k;
	*itemsp = items;
	return 0;
}

/**
 * rxlane_hw_cont_add() - program a new container into its NIC
 * @c:		the container: name, owner, dev, addresses, CPUs, default
 *		and its first rules (@c->rules, @c->nrules; ids unset) set
 * @extack:	why not
 *
 * Gets the RSS context of its CPU set and installs, in one all-or-nothing
 * step, the allow entries of its rules and then one tail entry per
 * address: the drop entries go in last, so no packet to an allowed port
 * meets a drop entry while the container is being made. With its spoof
 * check on, the NIC's transmit path checks its egress from then on.
 *
 * Context: RTNL held; may sleep.
 * Return: 0 or -errno; on error nothing changed and @c is the caller's.
 */
int rxlane_hw_cont_add(struct rxlane_hw_cont *c, struct netlink_ext_ack *extack)
{
	unsigned int i, nallow = 0, n = 0;
	struct rxlane_hw_spoof *spoof;
	struct rxlane_hw_item *items;
	int err;

	if (rxlane_hw_find(read_pnet(&c->owner), c->name)) {
		NL_SET_ERR_MSG_MOD(extack, "a container of that name exists");
		return -EEXIST;
	}
	err = rxlane_hw_nic_ok(c->dev, extack);
	if (err)
		return err;
	rxlane_hw_cont_keys(c);
	if (rxlane_hw_addr_taken(c)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "another container on the NIC has one of these addresses");
		return -EADDRINUSE;
	}
	if (c->has_mac && rxlane_hw_mac_taken(c)) {
		NL_SET_ERR_MSG_MOD(extack, "another container on the NIC has this MAC");
		return -EADDRINUSE;
	}
	err = rxlane_hw_spoof_prep(c, &spoof, extack);
	if (err)
		return err;
	for (i = 0; i < c->nrules; i++)
		c->rules[i].id = i + 1;
	err = rxlane_hw_cont_items(c, &items, &nallow, &n, extack);
	if (err)
		goto err_free_spoof;
	c->ctx = rxlane_hw_ctx_get(c->dev, c->cpus, extack);
	if (IS_ERR(c->ctx)) {
		err = PTR_ERR(c->ctx);
		goto err_free_items;
	}
	c->nic = rxlane_hw_nic_get(c->dev, extack);
	if (IS_ERR(c->nic)) {
		err = PTR_ERR(c->nic);
		goto err_put_ctx;
	}
	err = xa_alloc(&rxlane_hw_conts, &c->id, c, xa_limit_31b, GFP_KERNEL);
	if (err)
		goto err_put_nic;
	err = rxlane_hw_cont_hash(c);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack,
				   "cannot hash the container's name and addresses");
		goto err_erase;
	}
	if (spoof) {
		err = rxlane_hw_spoof_link(rxlane_hw_priv(c->dev), spoof);
		if (err) {
			NL_SET_ERR_MSG_MOD(extack,
					   "cannot add the container to the NIC's spoof check");
			goto err_unhash;
		}
	}
	err = rxlane_hw_install(c, items, nallow, n, U32_MAX, extack);
	if (err)
		goto err_unlink;
	c->next_rule_id = c->nrules + 1;
	c->spoof = spoof;
	kfree(items);
	return 0;

err_unlink:
	if (spoof) {
		rxlane_hw_spoof_unlink(rxlane_hw_priv(c->dev), spoof);
		spoof = NULL;
	}
err_unhash:
	rxlane_hw_cont_unhash(c, c->naddrs, c->has_mac);
err_erase:
	xa_erase(&rxlane_hw_conts, c->id);
err_put_nic:
	rxlane_hw_nic_put(c->nic, true);
	c->nic = NULL;
err_put_ctx:
	rxlane_hw_ctx_put(c->ctx, true);
	c->ctx = NULL;
err_free_items:
	kfree(items);
err_free_spoof:
	kfree(spoof);
	return err;
}

/* Remove @c from the NIC (when @nic) and from the table, and free it. */
static void rxlane_hw_cont_remove(struct rxlane_hw_cont *c, bool nic,
				  bool notify)
{
	unsigned int i;

	if (notify)
		rxlane_genl_notify(c, RXLANE_CMD_CONT_DEL);
	if (c->spoof)
		rxlane_hw_spoof_unlink(rxlane_hw_priv(c->dev), c->spoof);
	for (i = c->nentries; nic && i--; ) {
		rxlane_hw_entry_del(c->dev, c->entries[i].loc);
		rxlane_hw_loc_give(c->nic, c->entries[i].loc);
	}
	rxlane_hw_ctx_put(c->ctx, nic);
	rxlane_hw_nic_put(c->nic, nic);
	rxlane_hw_cont_unhash(c, c->naddrs, c->has_mac);
	xa_erase(&rxlane_hw_conts, c->id);
	kvfree(c->entries);
	kfree(c->rules);
	kfree(c);
}

/**
 * rxlane_hw_cont_del() - remove a container and its entries
 * @c:	the container
 *
 * Context: RTNL held; may sleep.
 */
void rxlane_hw_cont_del(struct rxlane_hw_cont *c)
{
	rxlane_hw_cont_remove(c, true, true);
}

/**
 * rxlane_hw_rule_add() - add an allow rule and its entries
 * @c:		the container
 * @r:		the rule (its id is assigned here)
 * @extack:	why not
 *
 * Context: RTNL held; may sleep.
 * Return: 0 or -errno; on error nothing changed.
 */
int rxlane_hw_rule_add(struct rxlane_hw_cont *c,
		       const struct rxlane_hw_rule *r,
		       struct netlink_ext_ack *extack)
{
	struct rxlane_hw_rule *nr, *rules;
	struct rxlane_hw_item *items;
	u32 limit = U32_MAX;
	unsigned int i, n;
	int err;

	if (c->nrules >= RXLANE_RULES_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "the container has too many rules");
		return -E2BIG;
	}
	/* A slot for it; on a later error the array stays as large. */
	rules = krealloc_array(c->rules, c->nrules + 1, sizeof(*rules),
			       GFP_KERNEL);
	if (!rules)
		return -ENOMEM;
	c->rules = rules;
	nr = &c->rules[c->nrules];
	*nr = *r;
	nr->id = c->next_rule_id;
	n = rxlane_hw_rule_items(c, nr, NULL);
	if (!n) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the rule's source family matches none of the container's addresses");
		return -EINVAL;
	}
	items = kmalloc_array(n, sizeof(*items), GFP_KERNEL);
	if (!items)
		return -ENOMEM;
	rxlane_hw_rule_items(c, nr, items);
	for (i = 0; i < c->nentries; i++)
		if (c->entries[i].kind != RXLANE_ENTRY_ALLOW)
			limit = min(limit, c->entries[i].loc);
	err = rxlane_hw_install(c, items, n, n, limit, extack);
	if (err)
		goto out;
	nr->nentries = n;
	c->nrules++;
	c->next_rule_id++;
out:
	kfree(items);
	return err;
}

/**
 * rxlane_hw_rule_del() - remove rule @id and its entries
 * @c:		the container
 * @id:		the rule's id
 * @extack:	why not
 *
 * Context: RTNL held; may sleep.
 * Return: 0 or -ENOENT.
 */
int rxlane_hw_rule_del(struct rxlane_hw_cont *c, u32 id,
		       struct netlink_ext_ack *extack)
{
	unsigned int i, j, r;

	for (r = 0; r < c->nrules && c->rules[r].id != id; r++)
		;
	if (r == c->nrules) {
		NL_SET_ERR_MSG_MOD(extack, "the container has no rule of that id");
		return -ENOENT;
	}
	for (i = c->nentries; i--; ) {
		if (c->entries[i].rule_id == id) {
			rxlane_hw_entry_del(c->dev, c->entries[i].loc);
			rxlane_hw_loc_give(c->nic, c->entries[i].loc);
		}
	}
	for (i = 0, j = 0; i < c->nentries; i++)
		if (c->entries[i].rule_id != id)
			c->entries[j++] = c->entries[i];
	c->nentries = j;
	memmove(&c->rules[r], &c->rules[r + 1],
		(c->nrules - r - 1) * sizeof(c->rules[0]));
	c->nrules--;
	return 0;
}

/*
 * A namespace goes: the containers it owns and those living in it. The
 * namespace's devices went already (device exits run before subsystem
 * exits), and with them, through the notifier, the containers on them:
 * what is left here sits on NICs of other namespaces, which are there.
 */
static void __net_exit rxlane_hw_net_exit(struct net *net)
{
	struct rxlane_hw_cont *c;
	unsigned long i;
	bool owned;

	rtnl_lock();
	xa_for_each(&rxlane_hw_conts, i, c) {
		owned = net_eq(read_pnet(&c->owner), net);
		if (owned || c->netns_cookie == net->net_cookie)
			rxlane_hw_cont_remove(c, true, !owned);
	}
	rtnl_unlock();
}

static struct pernet_operations rxlane_hw_net_ops = {
	.exit = rxlane_hw_net_exit,
};

/*
 * A NIC goes: its table goes with it, the driver is not asked. A NIC that
 * only leaves the namespace (still NETREG_REGISTERED) keeps its table:
 * the entries are deleted from it.
 */
static int rxlane_hw_netdev_event(struct notifier_block *nb,
				  unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct rxlane_hw_cont *c;
	unsigned long i;
	bool moving;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	moving = dev->reg_state == NETREG_REGISTERED;
	xa_for_each(&rxlane_hw_conts, i, c)
		if (c->dev == dev)
			rxlane_hw_cont_remove(c, moving, true);
	return NOTIFY_DONE;
}

static struct notifier_block rxlane_hw_notifier = {
	.notifier_call = rxlane_hw_netdev_event,
};

/* The tables of names, addresses and MACs taken, empty. */
static int rxlane_hw_tables_init(void)
{
	int err;

	err = rhashtable_init(&rxlane_hw_names, &rxlane_hw_name_params);
	if (err)
		return err;
	err = rhashtable_init(&rxlane_hw_addrs, &rxlane_hw_addr_params);
	if (err)
		goto err_destroy_names;
	err = rhashtable_init(&rxlane_hw_macs, &rxlane_hw_mac_params);
	if (err)
		goto err_destroy_addrs;
	return 0;

err_destroy_addrs:
	rhashtable_destroy(&rxlane_hw_addrs);
err_destroy_names:
	rhashtable_destroy(&rxlane_hw_names);
	return err;
}

static void rxlane_hw_tables_uninit(void)
{
	rhashtable_destroy(&rxlane_hw_macs);
	rhashtable_destroy(&rxlane_hw_addrs);
	rhashtable_destroy(&rxlane_hw_names);
}

/**
 * rxlane_hw_init() - make the tables, register the pernet operations and
 *		      the notifier
 *
 * Context: module init.
 * Return: 0 or -errno.
 */
int rxlane_hw_init(void)
{
	int err;

	err = rxlane_hw_tables_init();
	if (err)
		return err;
	err = register_pernet_subsys(&rxlane_hw_net_ops);
	if (err)
		goto err_tables_uninit;
	err = register_netdevice_notifier(&rxlane_hw_notifier);
	if (err)
		goto err_unregister_pernet;
	return 0;

err_unregister_pernet:
	unregister_pernet_subsys(&rxlane_hw_net_ops);
err_tables_uninit:
	rxlane_hw_tables_uninit();
	return err;
}

/**
 * rxlane_hw_uninit() - remove every container, then unregister
 *
 * The family is gone already: no request can add one meanwhile.
 * Unregistering the pernet operations runs their exit for every
 * namespace, which removes every container.
 *
 * Context: module exit.
 */
void rxlane_hw_uninit(void)
{
	unregister_pernet_subsys(&rxlane_hw_net_ops);
	unregister_netdevice_notifier(&rxlane_hw_notifier);
	WARN_ON(!xa_empty(&rxlane_hw_conts));
	WARN_ON(!list_empty(&rxlane_hw_ctxs));
	WARN_ON(!list_empty(&rxlane_hw_nics));
	rxlane_hw_tables_uninit();
}
