// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane: accelerated receive flow steering.
 *
 * The stack's RFS finds the CPU that consumes a flow, maps it to a queue
 * through dev->rx_cpu_rmap (which follows each queue's emulated interrupt
 * affinity) and calls ndo_rx_flow_steer(). We install an exact 5-tuple
 * entry sending the flow to that queue; the classifier consults these
 * entries after the user's ntuple rules and before RSS. For a frame on a
 * known tunnel port the 5-tuple is the inner one, so overlay flows follow
 * their consumers after XDP decapsulation. A delayed worker removes an
 * entry when rps_may_expire_flow() allows it, or when no frame used it for
 * arfs_idle_ms (hardware filters with hit timestamps do the same: the
 * stack's own test only advances with RFS traffic on the flow's CPU).
 *
 * Remote peers choose the 5-tuples, so the table must not let them choose
 * buckets: the hash is keyed with a random seed per device, and one expiry
 * pass examines at most arfs->expire_quota entries (under the BH lock),
 * the next pass going on where the last one stopped.
 */
#include <linux/bitmap.h>
#include <linux/jhash.h>
#include <linux/log2.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "rxlane.h"

/**
 * struct rxlane_arfs_entry - one steered flow
 * @hnode:	in the bucket of @key
 * @rcu:	freeing
 * @key:	the 5-tuple (other fields zero)
 * @flow_id:	the stack's flow id, for rps_may_expire_flow()
 * @filter_id:	our id, returned to the stack
 * @queue:	where the flow goes
 * @last_used:	jiffies of the last frame it steered
 */
struct rxlane_arfs_entry {
	struct hlist_node hnode;
	struct rcu_head rcu;
	struct rxlane_flow_key key;
	u32 flow_id;
	u16 filter_id;
	u16 queue;
	unsigned long last_used;
};

static void rxlane_arfs_key(struct rxlane_flow_key *out,
			    const struct rxlane_flow_key *k)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->src, k->src, sizeof(out->src));
	memcpy(out->dst, k->dst, sizeof(out->dst));
	out->sport = k->sport;
	out->dport = k->dport;
	out->l3 = k->l3;
	out->proto = k->proto;
}

static struct hlist_head *rxlane_arfs_bucket(struct rxlane_arfs *arfs,
					     const struct rxlane_flow_key *key)
{
	u32 mask = roundup_pow_of_two(arfs->max) - 1;

	return &arfs->buckets[jhash2((const u32 *)key, RXLANE_KEY_WORDS,
				     arfs->seed) & mask];
}

/**
 * rxlane_arfs_lookup() - the queue of a steered flow
 * @priv:	the device
 * @flow:	the frame's flow (inner for tunnels)
 *
 * Context: RCU read side (softirq).
 * Return: the queue, or -1 when the flow is not steered.
 */
int rxlane_arfs_lookup(struct rxlane_priv *priv,
		       const struct rxlane_flow_key *flow)
{
	struct rxlane_arfs *arfs = &priv->arfs;
	unsigned long now = jiffies;
	struct rxlane_arfs_entry *e;
	struct rxlane_flow_key key;

	if (!READ_ONCE(arfs->count))
		return -1;
	rxlane_arfs_key(&key, flow);
	hlist_for_each_entry_rcu(e, rxlane_arfs_bucket(arfs, &key), hnode) {
		if (memcmp(&e->key, &key, sizeof(key)))
			continue;
		if (READ_ONCE(e->last_used) != now)
			WRITE_ONCE(e->last_used, now);
		return READ_ONCE(e->queue);
	}
	return -1;
}

static struct rxlane_arfs_entry *
rxlane_arfs_find_locked(struct rxlane_arfs *arfs,
			const struct rxlane_flow_key *key)
{
	struct rxlane_arfs_entry *e;

	hlist_for_each_entry(e, rxlane_arfs_bucket(arfs, key), hnode)
		if (!memcmp(&e->key, key, sizeof(*key)))
			return e;
	return NULL;
}

static void rxlane_arfs_remove_locked(struct rxlane_arfs *arfs,
				      struct rxlane_arfs_entry *e)
{
	hlist_del_rcu(&e->hnode);
	arfs->slots[e->filter_id] = NULL;
	__clear_bit(e->filter_id, arfs->ids);
	WRITE_ONCE(arfs->count, arfs->count - 1);
	kfree_rcu(e, rcu);
}

/**
 * rxlane_arfs_insert() - add or update the entry of a flow
 * @priv:	the device
 * @key:	the flow, from rxlane_arfs_key()
 * @queue:	where it goes
 * @flow_id:	the stack's flow id
 *
 * Context: any context that may take a BH spinlock; does not sleep.
 * Return: the filter id or -errno (-EPERM: aRFS off, -EBUSY: table full,
 * -ENOMEM).
 */
static int rxlane_arfs_insert(struct rxlane_priv *priv,
			      const struct rxlane_flow_key *key, u16 queue,
			      u32 flow_id)
{
	struct rxlane_arfs *arfs = &priv->arfs;
	struct rxlane_arfs_entry *e;
	unsigned long id;

	spin_lock_bh(&arfs->lock);
	if (!arfs->enabled) {
		spin_unlock_bh(&arfs->lock);
		return -EPERM;
	}
	e = rxlane_arfs_find_locked(arfs, key);
	if (e) {
		if (e->queue != queue) {
			WRITE_ONCE(e->queue, queue);
			atomic64_inc(&arfs->updates);
		}
		e->flow_id = flow_id;
		WRITE_ONCE(e->last_used, jiffies);
		id = e->filter_id;
		goto out_unlock;
	}
	if (arfs->count >= arfs->max) {
		atomic64_inc(&arfs->table_full);
		spin_unlock_bh(&arfs->lock);
		return -EBUSY;
	}
	e = rxlane_should_fail_alloc(priv) ? NULL :
	    kzalloc(sizeof(*e), GFP_ATOMIC);
	if (!e) {
		atomic64_inc(&arfs->alloc_fail);
		spin_unlock_bh(&arfs->lock);
		return -ENOMEM;
	}
	id = find_first_zero_bit(arfs->ids, arfs->max);
	__set_bit(id, arfs->ids);
	e->key = *key;
	e->flow_id = flow_id;
	e->filter_id = id;
	e->queue = queue;
	e->last_used = jiffies;
	arfs->slots[id] = e;
	hlist_add_head_rcu(&e->hnode, rxlane_arfs_bucket(arfs, key));
	WRITE_ONCE(arfs->count, arfs->count + 1);
	atomic64_inc(&arfs->adds);
	if (arfs->count == 1)
		schedule_delayed_work(&arfs->expire_work,
				      msecs_to_jiffies(READ_ONCE(rxlane_arfs_expire_ms)));
out_unlock:
	spin_unlock_bh(&arfs->lock);
	return id;
}

/**
 * rxlane_rx_flow_steer() - ndo_rx_flow_steer: steer a flow to a queue
 * @dev:	the rxlane device
 * @skb:	a frame of the flow, data at its network header
 * @rxq_index:	the queue whose CPU consumes the flow
 * @flow_id:	the stack's flow id
 *
 * get_rps_cpu() calls it for a frame whose rps_dev_flow slot (on the
 * receiving queue) names another CPU than the flow's consumer, and then
 * writes the consumer's CPU into that slot even when we refuse: a refused
 * flow, and any later flow hashed to the same slot, is asked for again
 * only when the consumer's CPU changes.
 *
 * Context: softirq, RCU read side; must not sleep.
 * Return: the filter id (0..arfs_max-1) or -errno.
 */
int rxlane_rx_flow_steer(struct net_device *dev, const struct sk_buff *skb,
			 u16 rxq_index, u32 flow_id)
{
	struct rxlane_priv *priv = netdev_priv(dev);
	struct rxlane_flow_key key;
	struct rxlane_pkt pkt;

	if (rxq_index >= dev->real_num_rx_queues)
		return -EINVAL;
	rxlane_parse(priv, skb, skb_network_offset(skb), skb->protocol, &pkt);
	if (!pkt.l4)
		return -EPROTONOSUPPORT;
	rxlane_arfs_key(&key, &pkt.flow);
	return rxlane_arfs_insert(priv, &key, rxq_index, flow_id);
}

/**
 * rxlane_arfs_inject() - add synthetic entries (debugfs, for tests)
 * @priv:	the device
 * @n:		how many: TCP 198.18.0.1:1..@n -> 198.18.0.2:9, queue 0
 *
 * They go through the same insertion as ndo_rx_flow_steer() and carry no
 * flow id of the stack (~0), so rps_may_expire_flow() lets the expiry pass
 * that examines them remove them.
 *
 * Context: process context.
 * Return: 0, or the first error of rxlane_arfs_insert().
 */
int rxlane_arfs_inject(struct rxlane_priv *priv, unsigned int n)
{
	struct rxlane_flow_key key = {
		.src = { htonl(0xc6120001) },
		.dst = { htonl(0xc6120002) },
		.dport = htons(9),
		.l3 = 4,
		.proto = IPPROTO_TCP,
	};
	unsigned int i;
	int ret;

	for (i = 1; i <= n && i <= U16_MAX; i++) {
		key.sport = htons(i);
		ret = rxlane_arfs_insert(priv, &key, 0, U32_MAX);
		if (ret < 0)
			return ret;
		cond_resched();
	}
	return 0;
}

static bool rxlane_arfs_may_expire(struct rxlane_priv *priv,
				   struct rxlane_arfs_entry *e,
				   unsigned long idle)
{
	return rps_may_expire_flow(priv->dev, e->queue, e->flow_id,
				   e->filter_id) ||
	       (idle && time_after(jiffies, READ_ONCE(e->last_used) + idle));
}

/**
 * rxlane_arfs_expire() - one expiry pass
 * @work:	the device's expire_work
 *
 * Examines at most expire_quota entries, in filter id order from where the
 * last pass stopped (wrapping around), so that the BH lock is held for a
 * bounded time however large the table is; a full table is covered in
 * arfs_max / expire_quota periods.
 *
 * Context: process context (workqueue); takes the table lock.
 */
static void rxlane_arfs_expire(struct work_struct *work)
{
	struct rxlane_arfs *arfs = container_of(to_delayed_work(work),
						struct rxlane_arfs, expire_work);
	struct rxlane_priv *priv = container_of(arfs, struct rxlane_priv, arfs);
	unsigned long idle = msecs_to_jiffies(READ_ONCE(rxlane_arfs_idle_ms));
	unsigned int budget, scanned = 0;
	struct rxlane_arfs_entry *e;
	unsigned long id;

	spin_lock_bh(&arfs->lock);
	/* Never more than the entries present: none is examined twice. */
	budget = min(max(READ_ONCE(arfs->expire_quota), 1U), arfs->count);
	id = arfs->expire_next;
	while (scanned < budget) {
		id = find_next_bit(arfs->ids, arfs->max, id);
		if (id >= arfs->max)
			id = find_first_bit(arfs->ids, arfs->max);
		e = arfs->slots[id];
		scanned++;
		if (rxlane_arfs_may_expire(priv, e, idle)) {
			rxlane_arfs_remove_locked(arfs, e);
			atomic64_inc(&arfs->expires);
		}
		id++;
	}
	arfs->expire_next = id < arfs->max ? id : 0;
	arfs->expire_passes++;
	arfs->expire_scanned += scanned;
	arfs->expire_scan_max = max(arfs->expire_scan_max, scanned);
	if (arfs->count)
		schedule_delayed_work(&arfs->expire_work,
				      msecs_to_jiffies(READ_ONCE(rxlane_arfs_expire_ms)));
	spin_unlock_bh(&arfs->lock);
}

static void rxlane_arfs_flush_locked(struct rxlane_arfs *arfs)
{
	unsigned long id;

	for_each_set_bit(id, arfs->ids, arfs->max) {
		rxlane_arfs_remove_locked(arfs, arfs->slots[id]);
		atomic64_inc(&arfs->flushes);
	}
}

/**
 * rxlane_arfs_flush() - remove every entry
 * @priv: the device
 *
 * New entries may follow at once: see rxlane_arfs_disable() for a flush
 * that stays empty.
 *
 * Context: any context that may take a BH spinlock.
 */
void rxlane_arfs_flush(struct rxlane_priv *priv)
{
	struct rxlane_arfs *arfs = &priv->arfs;

	spin_lock_bh(&arfs->lock);
	rxlane_arfs_flush_locked(arfs);
	spin_unlock_bh(&arfs->lock);
}

/**
 * rxlane_arfs_enable() - let ndo_rx_flow_steer() add entries again
 * @priv: the device, up, with NETIF_F_NTUPLE on
 *
 * Context: RTNL held.
 */
void rxlane_arfs_enable(struct rxlane_priv *priv)
{
	struct rxlane_arfs *arfs = &priv->arfs;

	spin_lock_bh(&arfs->lock);
	arfs->enabled = true;
	spin_unlock_bh(&arfs->lock);
}

/**
 * rxlane_arfs_disable() - refuse new entries, then remove every entry
 * @priv: the device, going down or turning NETIF_F_NTUPLE off
 *
 * The core clears NETIF_F_NTUPLE in dev->features only after
 * ndo_set_features() returns, and get_rps_cpu() keeps calling
 * ndo_rx_flow_steer() until then: a flush alone could be followed by a
 * new entry that nothing would remove until it expired. The flag goes down
 * under the table lock, so every request that takes the lock after this
 * flush is refused; every one before it is flushed.
 *
 * Context: RTNL held; any context that may take a BH spinlock.
 */
void rxlane_arfs_disable(struct rxlane_priv *priv)
{
	struct rxlane_arfs *arfs = &priv->arfs;

	spin_lock_bh(&arfs->lock);
	arfs->enabled = false;
	rxlane_arfs_flush_locked(arfs);
	spin_unlock_bh(&arfs->lock);
}

/**
 * rxlane_arfs_dump() - the table for debugfs
 * @priv:	the device
 * @seq:	where to print
 *
 * Context: process context.
 */
void rxlane_arfs_dump(struct rxlane_priv *priv, struct seq_file *seq)
{
	struct rxlane_arfs *arfs = &priv->arfs;
	struct rxlane_arfs_entry *e;
	unsigned long id;

	spin_lock_bh(&arfs->lock);
	seq_printf(seq, "capacity %u entries %u\n", arfs->max, arfs->count);
	for_each_set_bit(id, arfs->ids, arfs->max) {
		e = arfs->slots[id];
		seq_printf(seq, "filter %lu queue %u flow_id %u proto %u ", id,
			   e->queue, e->flow_id, e->key.proto);
		if (e->key.l3 == 6)
			seq_printf(seq, "[%pI6c]:%u -> [%pI6c]:%u\n", e->key.src,
				   ntohs(e->key.sport), e->key.dst,
				   ntohs(e->key.dport));
		else
			seq_printf(seq, "%pI4:%u -> %pI4:%u\n", e->key.src,
				   ntohs(e->key.sport), e->key.dst,
				   ntohs(e->key.dport));
	}
	spin_unlock_bh(&arfs->lock);
}

/**
 * rxlane_arfs_dump_buckets() - bucket occupancy for debugfs
 * @priv:	the device
 * @seq:	where to print
 *
 * One "BUCKET ENTRIES" line per non-empty bucket: where the seeded hash
 * really put the entries (the same flows land elsewhere on another device).
 *
 * Context: process context.
 */
void rxlane_arfs_dump_buckets(struct rxlane_priv *priv, struct seq_file *seq)
{
	struct rxlane_arfs *arfs = &priv->arfs;
	unsigned int b, nb = roundup_pow_of_two(arfs->max), n;
	struct rxlane_arfs_entry *e;

	spin_lock_bh(&arfs->lock);
	for (b = 0; b < nb; b++) {
		n = 0;
		hlist_for_each_entry(e, &arfs->buckets[b], hnode)
			n++;
		if (n)
			seq_printf(seq, "%u %u\n", b, n);
	}
	spin_unlock_bh(&arfs->lock);
}

/**
 * rxlane_arfs_dump_expiry() - expiry pass counters for debugfs
 * @priv:	the device
 * @seq:	where to print
 *
 * Context: process context.
 */
void rxlane_arfs_dump_expiry(struct rxlane_priv *priv, struct seq_file *seq)
{
	struct rxlane_arfs *arfs = &priv->arfs;

	spin_lock_bh(&arfs->lock);
	seq_printf(seq, "quota %u\npasses %llu\nscanned %llu\nscan_max %u\nnext %u\n",
		   READ_ONCE(arfs->expire_quota), arfs->expire_passes,
		   arfs->expire_scanned, arfs->expire_scan_max,
		   arfs->expire_next);
	spin_unlock_bh(&arfs->lock);
}

/**
 * rxlane_arfs_rmap_new() - a cpu_rmap for queues 0..@nq-1 at their CPUs
 * @priv:	the device
 * @nq:		the queue count it is for
 *
 * The map is built without IRQs: entry i is queue i, at the CPU the
 * queue's NAPI runs on. Nothing is installed; see rxlane_arfs_rmap_commit().
 *
 * Context: cfg_lock held (queue CPUs cannot move); may sleep.
 * Return: the map, or NULL when out of memory.
 */
struct cpu_rmap *rxlane_arfs_rmap_new(struct rxlane_priv *priv,
				      unsigned int nq)
{
	struct cpu_rmap *rmap;
	unsigned int i;

	lockdep_assert_held(&priv->cfg_lock);
	rmap = alloc_cpu_rmap(nq, GFP_KERNEL);
	if (!rmap)
		return NULL;
	for (i = 0; i < nq; i++)
		cpu_rmap_add(rmap, &priv->rxqs[i]);
	if (rxlane_arfs_rmap_fill(priv, rmap)) {
		cpu_rmap_put(rmap);
		return NULL;
	}
	return rmap;
}

/**
 * rxlane_arfs_rmap_fill() - point every entry of @rmap at its queue's CPU
 * @priv:	the device
 * @rmap:	a map from rxlane_arfs_rmap_new(), installed or not
 *
 * Also brings a map built before a queue moved up to date.
 *
 * Context: cfg_lock held; may sleep.
 * Return: 0 or -ENOMEM (entries before the failing one are updated).
 */
int rxlane_arfs_rmap_fill(struct rxlane_priv *priv, struct cpu_rmap *rmap)
{
	unsigned int i;
	int err;

	lockdep_assert_held(&priv->cfg_lock);
	for (i = 0; i < rmap->used; i++) {
		err = cpu_rmap_update(rmap, i, cpumask_of(priv->rxqs[i].cpu));
		if (err)
			return err;
	}
	return 0;
}

/**
 * rxlane_arfs_rmap_commit() - install @rmap and release the old map
 * @priv:	the device
 * @rmap:	from rxlane_arfs_rmap_new() under the same cfg_lock hold
 *
 * Context: RTNL and cfg_lock held; may sleep (waits for RCU readers of
 * the old map in get_rps_cpu()). Cannot fail.
 */
void rxlane_arfs_rmap_commit(struct rxlane_priv *priv, struct cpu_rmap *rmap)
{
	struct cpu_rmap *old = priv->dev->rx_cpu_rmap;

	lockdep_assert_held(&priv->cfg_lock);
	priv->dev->rx_cpu_rmap = rmap;
	if (old) {
		synchronize_net();
		cpu_rmap_put(old);
	}
}

/**
 * rxlane_arfs_rmap_build() - a new cpu_rmap for the current channels
 * @priv: the device
 *
 * Context: RTNL held; may sleep; takes cfg_lock.
 * Return: 0 or -ENOMEM (the old map stays).
 */
int rxlane_arfs_rmap_build(struct rxlane_priv *priv)
{
	struct cpu_rmap *rmap;

	mutex_lock(&priv->cfg_lock);
	rmap = rxlane_arfs_rmap_new(priv, priv->dev->real_num_rx_queues);
	if (rmap)
		rxlane_arfs_rmap_commit(priv, rmap);
	mutex_unlock(&priv->cfg_lock);
	return rmap ? 0 : -ENOMEM;
}

/**
 * rxlane_arfs_rmap_update() - the rmap follows the queues' CPUs
 * @priv:	the device, after one or more queues changed CPU
 *
 * Every queue is given again, in order, not only the ones that moved: a
 * cpu_rmap keeps one nearest queue per CPU, and a queue that moves away
 * from a CPU where it was that CPU's queue leaves the CPU the nearest
 * other queue, however far, even when another queue still runs there.
 * (Queue 1 moved to CPU 0 while CPU 1 was offline and back again left
 * CPU 0 mapped to queue 1 on CPU 1.) Giving each queue again in order
 * makes each CPU with a queue map to a queue on it.
 *
 * Context: cfg_lock held; may sleep.
 */
void rxlane_arfs_rmap_update(struct rxlane_priv *priv)
{
	struct cpu_rmap *rmap = priv->dev->rx_cpu_rmap;

	lockdep_assert_held(&priv->cfg_lock);
	priv->qcpu_gen++;
	if (rmap)
		rxlane_arfs_rmap_fill(priv, rmap);
}

/**
 * rxlane_arfs_init() - empty table, the rmap, the expiry worker
 * @priv: the device, being registered (queues allocated)
 *
 * Context: RTNL held; may sleep.
 * Return: 0 or -ENOMEM.
 */
int rxlane_arfs_init(struct rxlane_priv *priv)
{
	struct rxlane_arfs *arfs = &priv->arfs;
	int err = -ENOMEM;

	spin_lock_init(&arfs->lock);
	INIT_DELAYED_WORK(&arfs->expire_work, rxlane_arfs_expire);
	arfs->seed = get_random_u32();
	arfs->expire_quota = RXLANE_ARFS_EXPIRE_QUOTA;
	arfs->max = clamp_t(unsigned int, READ_ONCE(rxlane_arfs_max), 1,
			    RPS_NO_FILTER - 1);
	arfs->buckets = kvcalloc(roundup_pow_of_two(arfs->max),
				 sizeof(*arfs->buckets), GFP_KERNEL);
	if (!arfs->buckets)
		return -ENOMEM;
	arfs->slots = kvcalloc(arfs->max, sizeof(*arfs->slots), GFP_KERNEL);
	if (!arfs->slots)
		goto err_free_buckets;
	arfs->ids = bitmap_zalloc(arfs->max, GFP_KERNEL);
	if (!arfs->ids)
		goto err_free_slots;
	err = rxlane_arfs_rmap_build(priv);
	if (err)
		goto err_free_ids;
	return 0;

err_free_ids:
	bitmap_free(arfs->ids);
err_free_slots:
	kvfree(arfs->slots);
err_free_buckets:
	kvfree(arfs->buckets);
	return err;
}

/**
 * rxlane_arfs_uninit() - stop the worker, drop the entries and the rmap
 * @priv: the device, stopped
 *
 * Context: RTNL held; may sleep.
 */
void rxlane_arfs_uninit(struct rxlane_priv *priv)
{
	struct rxlane_arfs *arfs = &priv->arfs;
	struct cpu_rmap *rmap = priv->dev->rx_cpu_rmap;

	cancel_delayed_work_sync(&arfs->expire_work);
	rxlane_arfs_flush(priv);
	WARN_ON(arfs->count);
	priv->dev->rx_cpu_rmap = NULL;
	synchronize_net();
	if (rmap)
		cpu_rmap_put(rmap);
	bitmap_free(arfs->ids);
	kvfree(arfs->slots);
	kvfree(arfs->buckets);
}
