// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane: receive side scaling.
 *
 * Toeplitz hash over the standard fields (Microsoft RSS): source address,
 * destination address, then source and destination port for TCP and UDP
 * frames that are not fragments. The low 7 bits of the hash index a
 * 128-entry indirection table whose entries are queues. Context 0 is the
 * default; extra contexts (ethtool -X context new) have their own key and
 * table and are the target of ntuple rules with "context N".
 */
#include <linux/ethtool.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <asm/unaligned.h>

#include "rxlane.h"

/**
 * rxlane_toeplitz() - Toeplitz hash of a flow key
 * @key:	RXLANE_RSS_KEY_SIZE bytes of key
 * @k:		the flow
 * @l4:		include the ports
 *
 * Context: any.
 * Return: the 32-bit hash.
 */
u32 rxlane_toeplitz(const u8 *key, const struct rxlane_flow_key *k, bool l4)
{
	unsigned int alen = k->l3 == 6 ? 16 : 4, len = 0, i, b;
	u8 in[36];
	u32 hash = 0, v;

	memcpy(in, k->src, alen);
	memcpy(in + alen, k->dst, alen);
	len = 2 * alen;
	if (l4) {
		memcpy(in + len, &k->sport, 2);
		memcpy(in + len + 2, &k->dport, 2);
		len += 4;
	}

	v = get_unaligned_be32(key);
	for (i = 0; i < len; i++) {
		u8 next = key[i + 4];

		for (b = 0; b < 8; b++) {
			if (in[i] & (0x80 >> b))
				hash ^= v;
			v = (v << 1) | ((next >> (7 - b)) & 1);
		}
	}
	return hash;
}

static struct rxlane_rss_ctx *rxlane_rss_ctx_rcu(const struct rxlane_priv *priv,
						 u32 ctx)
{
	struct rxlane_rss_ctx *c = NULL;

	if (ctx < RXLANE_RSS_MAX_CTX)
		c = rcu_dereference(priv->rss[ctx]);
	return c ?: rcu_dereference(priv->rss[0]);
}

/**
 * rxlane_rss_hash() - the RSS hash of a frame in context @ctx
 * @priv:	the device
 * @ctx:	RSS context (the default when it does not exist)
 * @pkt:	the parsed frame
 *
 * Context: RCU read side.
 * Return: the hash, 0 for non-IP frames.
 */
u32 rxlane_rss_hash(const struct rxlane_priv *priv, u32 ctx,
		    const struct rxlane_pkt *pkt)
{
	if (!pkt->flow.l3)
		return 0;
	return rxlane_toeplitz(rxlane_rss_ctx_rcu(priv, ctx)->key, &pkt->flow,
			       pkt->l4);
}

/**
 * rxlane_rss_queue() - the queue the indirection table gives for @hash
 * @priv:	the device
 * @ctx:	RSS context
 * @hash:	the RSS hash
 *
 * Context: RCU read side.
 * Return: a queue number.
 */
int rxlane_rss_queue(const struct rxlane_priv *priv, u32 ctx, u32 hash)
{
	return rxlane_rss_ctx_rcu(priv, ctx)->indir[hash % RXLANE_RSS_INDIR_SIZE];
}

static void rxlane_rss_default_indir(u32 *indir, unsigned int nq)
{
	unsigned int i;

	for (i = 0; i < RXLANE_RSS_INDIR_SIZE; i++)
		indir[i] = ethtool_rxfh_indir_default(i, nq);
}

bool rxlane_rss_ctx_exists(struct rxlane_priv *priv, u32 ctx)
{
	return ctx < RXLANE_RSS_MAX_CTX && rtnl_dereference(priv->rss[ctx]);
}

/**
 * rxlane_rss_get() - read a context's table and key
 * @priv:	the device
 * @ctx:	RSS context
 * @indir:	RXLANE_RSS_INDIR_SIZE entries, or NULL
 * @key:	RXLANE_RSS_KEY_SIZE bytes, or NULL
 *
 * Context: RTNL held.
 * Return: 0 or -ENOENT.
 */
int rxlane_rss_get(struct rxlane_priv *priv, u32 ctx, u32 *indir, u8 *key)
{
	struct rxlane_rss_ctx *c;

	if (ctx >= RXLANE_RSS_MAX_CTX)
		return -ENOENT;
	c = rtnl_dereference(priv->rss[ctx]);
	if (!c)
		return -ENOENT;
	if (indir)
		memcpy(indir, c->indir, sizeof(c->indir));
	if (key)
		memcpy(key, c->key, sizeof(c->key));
	return 0;
}

/**
 * rxlane_rss_set() - change, create or delete an RSS context
 * @priv:	the device
 * @ctx:	the context; ETH_RXFH_CONTEXT_ALLOC creates one and returns its
 *		number here
 * @indir:	new table or NULL to keep it (the default spread for a new one)
 * @key:	new key or NULL to keep it (a random one for a new context)
 * @delete:	delete context *@ctx (not 0; refused while ntuple rules use it)
 *
 * Context: RTNL held; may sleep.
 * Return: 0 or -errno; on error nothing changed.
 */
int rxlane_rss_set(struct rxlane_priv *priv, u32 *ctx, const u32 *indir,
		   const u8 *key, bool delete)
{
	struct rxlane_rss_ctx *old = NULL, *c;
	u32 id = *ctx;

	if (id == ETH_RXFH_CONTEXT_ALLOC) {
		if (delete)
			return -EINVAL;
		for (id = 1; id < RXLANE_RSS_MAX_CTX; id++)
			if (!rtnl_dereference(priv->rss[id]))
				break;
		if (id == RXLANE_RSS_MAX_CTX) {
			netdev_dbg(priv->dev, "all %d RSS contexts are in use\n",
				   RXLANE_RSS_MAX_CTX - 1);
			return -ENOSPC;
		}
	} else {
		if (id >= RXLANE_RSS_MAX_CTX)
			return -ENOENT;
		old = rtnl_dereference(priv->rss[id]);
		if (!old)
			return -ENOENT;
	}

	if (delete) {
		if (!id)
			return -EINVAL;
		if (rxlane_ntuple_uses_ctx(priv, id)) {
			netdev_dbg(priv->dev,
				   "RSS context %u is used by ntuple rules\n", id);
			return -EBUSY;
		}
		RCU_INIT_POINTER(priv->rss[id], NULL);
		kfree_rcu(old, rcu);
		return 0;
	}

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	if (old) {
		memcpy(c->indir, old->indir, sizeof(c->indir));
		memcpy(c->key, old->key, sizeof(c->key));
		c->user_indir = old->user_indir;
	} else {
		rxlane_rss_default_indir(c->indir,
					 priv->dev->real_num_rx_queues);
		get_random_bytes(c->key, sizeof(c->key));
	}
	if (indir) {
		memcpy(c->indir, indir, sizeof(c->indir));
		c->user_indir = true;
	}
	if (key)
		memcpy(c->key, key, sizeof(c->key));
	rcu_assign_pointer(priv->rss[id], c);
	if (old)
		kfree_rcu(old, rcu);
	*ctx = id;
	return 0;
}

/**
 * rxlane_rss_max_queue() - the highest queue any indirection table uses
 * @priv: the device
 *
 * Context: RTNL held.
 * Return: that queue.
 */
u32 rxlane_rss_max_queue(struct rxlane_priv *priv)
{
	struct rxlane_rss_ctx *c;
	unsigned int id, i;
	u32 max = 0;

	for (id = 0; id < RXLANE_RSS_MAX_CTX; id++) {
		c = rtnl_dereference(priv->rss[id]);
		if (!c || (!id && !(priv->dev->priv_flags & IFF_RXFH_CONFIGURED)))
			continue;
		for (i = 0; i < RXLANE_RSS_INDIR_SIZE; i++)
			max = max_t(u32, max, c->indir[i]);
	}
	return max;
}

/**
 * rxlane_rss_respread() - the default context spread again over @nq queues
 * @priv:	the device
 * @nq:		the queue count about to take effect
 *
 * The first half of a channel change: everything that can fail happens
 * here, before the change is made; rxlane_rss_respread_commit() installs
 * the result and cannot fail. A table the user set is left alone.
 *
 * Context: RTNL held; may sleep.
 * Return: the new default context; NULL when the user set the table and
 * there is nothing to do; ERR_PTR(-ENOMEM).
 */
struct rxlane_rss_ctx *rxlane_rss_respread(struct rxlane_priv *priv,
					   unsigned int nq)
{
	struct rxlane_rss_ctx *c;

	if (priv->dev->priv_flags & IFF_RXFH_CONFIGURED)
		return NULL;
	c = kmemdup(rtnl_dereference(priv->rss[0]), sizeof(*c), GFP_KERNEL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	rxlane_rss_default_indir(c->indir, nq);
	c->user_indir = false;
	return c;
}

/**
 * rxlane_rss_respread_commit() - install what rxlane_rss_respread() made
 * @priv:	the device
 * @c:		its result (NULL: nothing to do)
 *
 * Context: RTNL held.
 */
void rxlane_rss_respread_commit(struct rxlane_priv *priv,
				struct rxlane_rss_ctx *c)
{
	struct rxlane_rss_ctx *old = rtnl_dereference(priv->rss[0]);

	if (!c)
		return;
	rcu_assign_pointer(priv->rss[0], c);
	kfree_rcu(old, rcu);
}

/**
 * rxlane_rss_init() - default context: random key, even spread
 * @priv: the device, being registered
 *
 * Context: RTNL held; may sleep.
 * Return: 0 or -ENOMEM.
 */
int rxlane_rss_init(struct rxlane_priv *priv)
{
	struct rxlane_rss_ctx *c;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	netdev_rss_key_fill(c->key, sizeof(c->key));
	rxlane_rss_default_indir(c->indir, priv->dev->real_num_rx_queues);
	RCU_INIT_POINTER(priv->rss[0], c);
	return 0;
}

/**
 * rxlane_rss_uninit() - free every context
 * @priv: the device, no longer receiving
 *
 * Context: RTNL held.
 */
void rxlane_rss_uninit(struct rxlane_priv *priv)
{
	struct rxlane_rss_ctx *c;
	unsigned int id;

	for (id = 0; id < RXLANE_RSS_MAX_CTX; id++) {
		c = rtnl_dereference(priv->rss[id]);
		RCU_INIT_POINTER(priv->rss[id], NULL);
		if (c)
			kfree_rcu(c, rcu);
	}
}
