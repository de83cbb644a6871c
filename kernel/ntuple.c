// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane: the ntuple filter table, an emulated TCAM.
 *
 * Every entry has a location (0 .. capacity-1); among entries matching a
 * frame the lowest location wins, as in hardware where the TCAM row is the
 * priority. Entries are grouped by the shape of their mask: each distinct
 * mask ("shape", like a hardware profile) is one exact-match lookup of the
 * masked key in a hash table, so a lookup costs one hash probe per shape in
 * use, whatever the number of entries.
 *
 * Writers hold RTNL (ethtool); the datapath reads under RCU.
 *
 * Hit counters belong to locations, as a NIC keeps one counter per TCAM
 * row: per-CPU blocks of RXLANE_NTUPLE_HIT_BLOCK counters, a block
 * allocated by the first insert into its locations and kept until the
 * table goes. An insert then costs no per-CPU allocation of its own (one
 * alloc_percpu() was half of a container's add, performance.rst).
 */
#include <linux/ethtool.h>
#include <linux/jhash.h>
#include <linux/log2.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "rxlane.h"

/*
 * Counters per hit block: 4 KiB per CPU, below the percpu allocator's
 * largest unit (PCPU_MIN_UNIT_SIZE, 32 KiB). 8 blocks (32 KiB per CPU) at
 * the default capacity of 4,096, 128 (512 KiB per CPU) at 65,536.
 */
#define RXLANE_NTUPLE_HIT_BLOCK	512

/**
 * struct rxlane_ntuple_shape - one distinct mask
 * @list:	in rxlane_ntuple.shapes
 * @rcu:	freeing
 * @mask:	the mask
 * @seed:	random hash seed of this shape (chains cannot be predicted,
 *		and equal masked keys of two shapes land apart)
 * @users:	entries with this mask
 * @nwords:	number of 32-bit words of the key the mask looks at
 * @words:	their indexes: only they are masked, hashed and compared
 * @wmask:	the mask of each of them, next to its index (one load less
 *		per word in the datapath than going through @mask)
 */
struct rxlane_ntuple_shape {
	struct list_head list;
	struct rcu_head rcu;
	struct rxlane_flow_key mask;
	u32 seed;
	unsigned int users;
	unsigned int nwords;
	u8 words[RXLANE_KEY_WORDS];
	u32 wmask[RXLANE_KEY_WORDS];
};

/**
 * struct rxlane_ntuple_rule - one entry
 * @hnode:	in the bucket of (@key, @shape)
 * @rcu:	freeing
 * @shape:	its mask
 * @key:	the value, already masked
 * @act:	what to do with a matching frame
 * @location:	row, the priority (lower wins)
 * @hits:	the per-CPU counter of its location (readers sum them): a
 *		counter shared by every CPU would bounce between them on
 *		each match. It lives in the table's hit block, not in the
 *		entry, so a reader still holding the entry after its removal
 *		counts into memory that outlives it (see rxlane_ntuple_insert())
 * @hits_base:	the location's count when the entry was inserted: the
 *		entry's hits are the count less this, so a new entry never
 *		shows an earlier one's
 * @fs:		the spec as the user gave it, for ethtool -n
 * @seq:	its rank in the order of inserts on this NIC (debugfs), so a
 *		test can see the order of one multi-entry call (hw.c puts a
 *		container's allow entries in before its drop entries)
 */
struct rxlane_ntuple_rule {
	struct hlist_node hnode;
	struct rcu_head rcu;
	struct rxlane_ntuple_shape *shape;
	struct rxlane_flow_key key;
	struct rxlane_action act;
	u32 location;
	u64 __percpu *hits;
	u64 hits_base;
	struct ethtool_rx_flow_spec fs;
	u64 seq;
};

/*
 * Entries come from a cache of their own: 288 bytes in kmalloc's 512-byte
 * bucket would waste 224 per entry (15 MB at 65,536 entries), and every
 * allocation is zeroed whole when init_on_alloc is on (Debian's default).
 */
static struct kmem_cache *rxlane_ntuple_rule_cache;

#define RXLANE_REFUSE(priv, err, fmt, ...)				\
	({								\
		netdev_dbg((priv)->dev, "ntuple: " fmt "\n", ##__VA_ARGS__); \
		err;							\
	})

static void rxlane_key_and(struct rxlane_flow_key *out,
			   const struct rxlane_flow_key *k,
			   const struct rxlane_flow_key *m)
{
	const u32 *a = (const u32 *)k, *b = (const u32 *)m;
	u32 *o = (u32 *)out;
	unsigned int i;

	for (i = 0; i < RXLANE_KEY_WORDS; i++)
		o[i] = a[i] & b[i];
}

/* Word @i of the words @shape looks at, of @k masked by @shape. */
static __always_inline u32 rxlane_ntuple_word(const struct rxlane_ntuple_shape *shape,
					      const u32 *k, unsigned int i)
{
	return k[shape->words[i]] & shape->wmask[i];
}

/*
 * The bucket of @key masked by @shape (@key already masked or not): only
 * the words the shape looks at are masked and hashed, jhash2() over them
 * with the shape's seed, computed on the fly.
 *
 * Nothing is stored on the stack: a masked copy of the key would be a
 * local array, which the kernel's automatic variable initialisation zeroes
 * on every call (a rep stos, costly under TCG) even when no shape exists.
 * jhash's adds, xors and constant rotations are also cheaper under TCG
 * than a multiply-xor hash with a variable shift (measured: 40 against
 * 80 ns per probe).
 */
static __always_inline u32
rxlane_ntuple_bucket(const struct rxlane_ntuple *nt,
		     const struct rxlane_ntuple_shape *shape,
		     const struct rxlane_flow_key *key)
{
	unsigned int i = 0, n = shape->nwords;
	const u32 *k = (const u32 *)key;
	u32 a, b, c;

	a = JHASH_INITVAL + (n << 2) + shape->seed;
	b = a;
	c = a;
	while (n - i > 3) {
		a += rxlane_ntuple_word(shape, k, i);
		b += rxlane_ntuple_word(shape, k, i + 1);
		c += rxlane_ntuple_word(shape, k, i + 2);
		__jhash_mix(a, b, c);
		i += 3;
	}
	switch (n - i) {
	case 3:
		c += rxlane_ntuple_word(shape, k, i + 2);
		fallthrough;
	case 2:
		b += rxlane_ntuple_word(shape, k, i + 1);
		fallthrough;
	case 1:
		a += rxlane_ntuple_word(shape, k, i);
		__jhash_final(a, b, c);
		break;
	}
	return c & ((1U << nt->hash_bits) - 1);
}

/* Whether entry key @entry (masked) equals @key masked by @shape. */
static __always_inline bool
rxlane_ntuple_key_eq(const struct rxlane_ntuple_shape *shape,
		     const struct rxlane_flow_key *entry,
		     const struct rxlane_flow_key *key)
{
	const u32 *e = (const u32 *)entry, *k = (const u32 *)key;
	unsigned int i;

	for (i = 0; i < shape->nwords; i++)
		if (e[shape->words[i]] != rxlane_ntuple_word(shape, k, i))
			return false;
	return true;
}

/**
 * rxlane_ntuple_lookup() - the winning entry for a frame
 * @priv:	the device
 * @key:	the frame's outer headers
 * @act:	the winning entry's action
 * @count_hit:	increment the winning entry's hit counter (false for the
 *		classifier benchmark, which must not change what it measures)
 *
 * Context: RCU read side (softirq).
 * Return: true when an entry matched.
 */
bool rxlane_ntuple_lookup(struct rxlane_priv *priv,
			  const struct rxlane_flow_key *key,
			  struct rxlane_action *act, bool count_hit)
{
	struct rxlane_ntuple *nt = &priv->ntuple;
	struct rxlane_ntuple_rule *r, *best = NULL;
	struct rxlane_ntuple_shape *shape;
	struct hlist_head *bucket;

	list_for_each_entry_rcu(shape, &nt->shapes, list) {
		bucket = &nt->buckets[rxlane_ntuple_bucket(nt, shape, key)];
		hlist_for_each_entry_rcu(r, bucket, hnode) {
			if (r->shape == shape &&
			    (!best || r->location < best->location) &&
			    rxlane_ntuple_key_eq(shape, &r->key, key))
				best = r;
		}
	}
	if (!best)
		return false;
	if (count_hit)
		this_cpu_inc(*best->hits);
	*act = best->act;
	return true;
}

static int rxlane_ntuple_from_spec(struct rxlane_priv *priv,
				   const struct ethtool_rxnfc *cmd,
				   struct rxlane_flow_key *k,
				   struct rxlane_flow_key *m,
				   struct rxlane_action *act)
{
	const struct ethtool_rx_flow_spec *fs = &cmd->fs;
	u32 flow = fs->flow_type & ~(FLOW_EXT | FLOW_MAC_EXT | FLOW_RSS);
	unsigned int nq = priv->dev->real_num_rx_queues;
	u64 queue;

	memset(k, 0, sizeof(*k));
	memset(m, 0, sizeof(*m));
	switch (flow) {
	case TCP_V4_FLOW:
	case UDP_V4_FLOW: {
		const struct ethtool_tcpip4_spec *h = &fs->h_u.tcp_ip4_spec;
		const struct ethtool_tcpip4_spec *mk = &fs->m_u.tcp_ip4_spec;

		k->proto = flow == TCP_V4_FLOW ? IPPROTO_TCP : IPPROTO_UDP;
		m->proto = 0xff;
		k->src[0] = h->ip4src;
		m->src[0] = mk->ip4src;
		k->dst[0] = h->ip4dst;
		m->dst[0] = mk->ip4dst;
		k->sport = h->psrc;
		m->sport = mk->psrc;
		k->dport = h->pdst;
		m->dport = mk->pdst;
		k->tos = h->tos;
		m->tos = mk->tos;
		k->l3 = 4;
		break;
	}
	case IPV4_USER_FLOW: {
		const struct ethtool_usrip4_spec *h = &fs->h_u.usr_ip4_spec;
		const struct ethtool_usrip4_spec *mk = &fs->m_u.usr_ip4_spec;

		if (mk->l4_4_bytes)
			return RXLANE_REFUSE(priv, -EOPNOTSUPP,
					     "matching l4data is not supported");
		if (mk->ip_ver && h->ip_ver != ETH_RX_NFC_IP4)
			return RXLANE_REFUSE(priv, -EINVAL,
					     "ip4 rule with ip_ver %u", h->ip_ver);
		k->src[0] = h->ip4src;
		m->src[0] = mk->ip4src;
		k->dst[0] = h->ip4dst;
		m->dst[0] = mk->ip4dst;
		k->tos = h->tos;
		m->tos = mk->tos;
		k->proto = h->proto;
		m->proto = mk->proto;
		k->l3 = 4;
		break;
	}
	case TCP_V6_FLOW:
	case UDP_V6_FLOW: {
		const struct ethtool_tcpip6_spec *h = &fs->h_u.tcp_ip6_spec;
		const struct ethtool_tcpip6_spec *mk = &fs->m_u.tcp_ip6_spec;

		k->proto = flow == TCP_V6_FLOW ? IPPROTO_TCP : IPPROTO_UDP;
		m->proto = 0xff;
		memcpy(k->src, h->ip6src, sizeof(k->src));
		memcpy(m->src, mk->ip6src, sizeof(m->src));
		memcpy(k->dst, h->ip6dst, sizeof(k->dst));
		memcpy(m->dst, mk->ip6dst, sizeof(m->dst));
		k->sport = h->psrc;
		m->sport = mk->psrc;
		k->dport = h->pdst;
		m->dport = mk->pdst;
		k->tos = h->tclass;
		m->tos = mk->tclass;
		k->l3 = 6;
		break;
	}
	case IPV6_USER_FLOW: {
		const struct ethtool_usrip6_spec *h = &fs->h_u.usr_ip6_spec;
		const struct ethtool_usrip6_spec *mk = &fs->m_u.usr_ip6_spec;

		if (mk->l4_4_bytes)
			return RXLANE_REFUSE(priv, -EOPNOTSUPP,
					     "matching l4data is not supported");
		memcpy(k->src, h->ip6src, sizeof(k->src));
		memcpy(m->src, mk->ip6src, sizeof(m->src));
		memcpy(k->dst, h->ip6dst, sizeof(k->dst));
		memcpy(m->dst, mk->ip6dst, sizeof(m->dst));
		k->tos = h->tclass;
		m->tos = mk->tclass;
		k->proto = h->l4_proto;
		m->proto = mk->l4_proto;
		k->l3 = 6;
		break;
	}
	default:
		return RXLANE_REFUSE(priv, -EOPNOTSUPP,
				     "flow type %#x is not supported (tcp4, udp4, ip4, tcp6, udp6, ip6 are)",
				     flow);
	}
	m->l3 = 0xff;

	if (fs->flow_type & FLOW_MAC_EXT)
		return RXLANE_REFUSE(priv, -EOPNOTSUPP,
				     "dst-mac matching is not supported");
	if (fs->flow_type & FLOW_EXT) {
		if (fs->m_ext.vlan_etype)
			return RXLANE_REFUSE(priv, -EOPNOTSUPP,
					     "vlan-etype matching is not supported");
		if (fs->m_ext.data[0] || fs->m_ext.data[1])
			return RXLANE_REFUSE(priv, -EOPNOTSUPP,
					     "user-def matching is not supported");
		k->vlan_tci = fs->h_ext.vlan_tci;
		m->vlan_tci = fs->m_ext.vlan_tci;
	}
	rxlane_key_and(k, k, m);

	memset(act, 0, sizeof(*act));
	if (fs->ring_cookie == RX_CLS_FLOW_DISC) {
		if (fs->flow_type & FLOW_RSS)
			return RXLANE_REFUSE(priv, -EINVAL,
					     "drop action with an RSS context");
		act->kind = RXLANE_TO_DROP;
		return 0;
	}
	if (fs->ring_cookie == RX_CLS_FLOW_WAKE)
		return RXLANE_REFUSE(priv, -EOPNOTSUPP,
				     "wake-on-LAN action is not supported");
	if (ethtool_get_flow_spec_ring_vf(fs->ring_cookie))
		return RXLANE_REFUSE(priv, -EOPNOTSUPP,
				     "there are no VFs (vf %llu)",
				     ethtool_get_flow_spec_ring_vf(fs->ring_cookie));
	queue = ethtool_get_flow_spec_ring(fs->ring_cookie);
	if (queue >= nq)
		return RXLANE_REFUSE(priv, -EINVAL,
				     "queue %llu is beyond the %u channels", queue,
				     nq);
	act->queue = queue;
	act->kind = RXLANE_TO_QUEUE;
	if (fs->flow_type & FLOW_RSS) {
		if (!cmd->rss_context ||
		    !rxlane_rss_ctx_exists(priv, cmd->rss_context))
			return RXLANE_REFUSE(priv, -EINVAL,
					     "RSS context %u does not exist",
					     cmd->rss_context);
		act->kind = RXLANE_TO_CTX;
		act->ctx = cmd->rss_context;
	}
	return 0;
}

static struct rxlane_ntuple_shape *
rxlane_ntuple_shape_get(struct rxlane_priv *priv,
			const struct rxlane_flow_key *mask)
{
	struct rxlane_ntuple *nt = &priv->ntuple;
	struct rxlane_ntuple_shape *shape;
	unsigned int i;

	list_for_each_entry(shape, &nt->shapes, list) {
		if (!memcmp(&shape->mask, mask, sizeof(*mask))) {
			shape->users++;
			return shape;
		}
	}
	if (nt->nr_shapes >= RXLANE_NTUPLE_MAX_SHAPES)
		return ERR_PTR(RXLANE_REFUSE(priv, -ENOSPC,
					     "all %d mask shapes are in use",
					     RXLANE_NTUPLE_MAX_SHAPES));
	if (rxlane_should_fail_alloc(priv))
		return ERR_PTR(-ENOMEM);
	shape = kzalloc(sizeof(*shape), GFP_KERNEL);
	if (!shape)
		return ERR_PTR(-ENOMEM);
	shape->seed = get_random_u32();
	shape->mask = *mask;
	shape->users = 1;
	for (i = 0; i < RXLANE_KEY_WORDS; i++) {
		if (!((const u32 *)mask)[i])
			continue;
		shape->words[shape->nwords] = i;
		shape->wmask[shape->nwords++] = ((const u32 *)mask)[i];
	}
	list_add_tail_rcu(&shape->list, &nt->shapes);
	nt->nr_shapes++;
	return shape;
}

static void rxlane_ntuple_shape_put(struct rxlane_priv *priv,
				    struct rxlane_ntuple_shape *shape)
{
	if (--shape->users)
		return;
	list_del_rcu(&shape->list);
	priv->ntuple.nr_shapes--;
	kfree_rcu(shape, rcu);
}

static void rxlane_ntuple_rule_free(struct rxlane_ntuple_rule *r)
{
	kmem_cache_free(rxlane_ntuple_rule_cache, r);
}

static void rxlane_ntuple_rule_free_rcu(struct rcu_head *head)
{
	rxlane_ntuple_rule_free(container_of(head, struct rxlane_ntuple_rule,
					     rcu));
}

/* A location's counter summed over the CPUs. */
static u64 rxlane_ntuple_count(u64 __percpu *counter)
{
	unsigned int cpu;
	u64 sum = 0;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(counter, cpu));
	return sum;
}

/* Frames @r matched on every CPU. Context: @r cannot be freed meanwhile. */
static u64 rxlane_ntuple_rule_hits(const struct rxlane_ntuple_rule *r)
{
	return rxlane_ntuple_count(r->hits) - r->hits_base;
}

/*
 * The per-CPU counter of location @loc, its block allocated if it is the
 * block's first insert (the only per-CPU allocation an insert can make:
 * fail_pcpu_alloc reaches it). Context: RTNL held; may sleep.
 */
static u64 __percpu *rxlane_ntuple_counter(struct rxlane_ntuple *nt, u32 loc)
{
	u64 __percpu **block = &nt->hit_blocks[loc / RXLANE_NTUPLE_HIT_BLOCK];

	if (!*block && !rxlane_should_fail_pcpu())
		*block = __alloc_percpu(RXLANE_NTUPLE_HIT_BLOCK * sizeof(u64),
					sizeof(u64));
	return *block ? *block + loc % RXLANE_NTUPLE_HIT_BLOCK : NULL;
}

/* The entry at @loc, or NULL. Context: RTNL held. */
static struct rxlane_ntuple_rule *rxlane_ntuple_at(struct rxlane_ntuple *nt,
						   u32 loc)
{
	return loc < nt->capacity ? rtnl_dereference(nt->by_loc[loc]) : NULL;
}

/**
 * rxlane_ntuple_hits() - the hit counter of the entry at @loc
 * @priv:	the NIC
 * @loc:	the entry's location
 * @hits:	set to the frames it matched, summed over the CPUs
 *
 * For hw.c's container dump: the per-entry counter a real NIC keeps.
 *
 * Context: RTNL held.
 * Return: 0, or -ENOENT when no entry is at @loc.
 */
int rxlane_ntuple_hits(struct rxlane_priv *priv, u32 loc, u64 *hits)
{
	struct rxlane_ntuple_rule *r = rxlane_ntuple_at(&priv->ntuple, loc);

	if (!r)
		return -ENOENT;
	*hits = rxlane_ntuple_rule_hits(r);
	return 0;
}

static void rxlane_ntuple_remove(struct rxlane_priv *priv,
				 struct rxlane_ntuple_rule *r)
{
	struct rxlane_ntuple *nt = &priv->ntuple;

	RCU_INIT_POINTER(nt->by_loc[r->location], NULL);
	hlist_del_rcu(&r->hnode);
	rxlane_ntuple_shape_put(priv, r->shape);
	nt->count--;
	call_rcu(&r->rcu, rxlane_ntuple_rule_free_rcu);
}

static int rxlane_ntuple_pick_location(struct rxlane_priv *priv, u32 loc)
{
	struct rxlane_ntuple *nt = &priv->ntuple;
	int i;

	if (!(loc & RX_CLS_LOC_SPECIAL)) {
		if (loc >= nt->capacity)
			return RXLANE_REFUSE(priv, -EINVAL,
					     "location %u is beyond the table's %u entries",
					     loc, nt->capacity);
		return loc;
	}
	/* Automatic placement stays above the container band (hw.c). */
	switch (loc) {
	case RX_CLS_LOC_FIRST:
		for (i = 0; i < nt->band; i++)
			if (!rtnl_dereference(nt->by_loc[i]))
				return i;
		break;
	case RX_CLS_LOC_ANY:
	case RX_CLS_LOC_LAST:
		for (i = nt->band - 1; i >= 0; i--)
			if (!rtnl_dereference(nt->by_loc[i]))
				return i;
		break;
	default:
		return RXLANE_REFUSE(priv, -EINVAL, "bad location %#x", loc);
	}
	return RXLANE_REFUSE(priv, -ENOSPC, "the table's %u entries are in use",
			     nt->band);
}

/* Whether location @loc belongs to the container band and hw.c is not the writer. */
static bool rxlane_ntuple_in_band(struct rxlane_priv *priv, u32 loc)
{
	struct rxlane_ntuple *nt = &priv->ntuple;

	if (loc < nt->band || loc >= nt->capacity || nt->band_writer)
		return false;
	netdev_info(priv->dev,
		    "ntuple: locations %u and up hold container entries (use rxlane hw)\n",
		    nt->band);
	return true;
}

/**
 * rxlane_ntuple_set_band() - reserve the container band or give it back
 * @priv:	the device
 * @on:		reserve locations capacity / 2 and up for hw.c
 *
 * Context: RTNL held.
 */
void rxlane_ntuple_set_band(struct rxlane_priv *priv, bool on)
{
	struct rxlane_ntuple *nt = &priv->ntuple;

	nt->band = on ? nt->capacity / 2 : nt->capacity;
}

/**
 * rxlane_ntuple_band_write() - hw.c starts or ends writing in the band
 * @priv:	the device
 * @on:		whether it starts
 *
 * Context: RTNL held from start to end.
 */
void rxlane_ntuple_band_write(struct rxlane_priv *priv, bool on)
{
	priv->ntuple.band_writer = on;
}

/**
 * rxlane_ntuple_insert() - ETHTOOL_SRXCLSRLINS
 * @priv:	the device
 * @cmd:	the rule; the chosen location is written to cmd->fs.location
 *
 * An entry at an occupied location replaces it.
 *
 * Context: RTNL held; may sleep.
 * Return: 0 or -errno; on error the table is unchanged.
 */
int rxlane_ntuple_insert(struct rxlane_priv *priv, struct ethtool_rxnfc *cmd)
{
	struct rxlane_ntuple *nt = &priv->ntuple;
	struct rxlane_ntuple_rule *r, *old;
	struct rxlane_ntuple_shape *shape;
	struct rxlane_flow_key key, mask;
	struct rxlane_action act;
	int loc, err;

	if (!nt->enabled)
		return RXLANE_REFUSE(priv, -EOPNOTSUPP,
				     "filters are off (ethtool -K %s ntuple on)",
				     priv->dev->name);
	if (priv->faults.fail_filter_insert)
		return RXLANE_REFUSE(priv, -EIO, "insert failed (fault injection)");
	err = rxlane_ntuple_from_spec(priv, cmd, &key, &mask, &act);
	if (err)
		return err;
	loc = rxlane_ntuple_pick_location(priv, cmd->fs.location);
	if (loc < 0)
		return loc;
	if (rxlane_ntuple_in_band(priv, loc))
		return -EBUSY;

	shape = rxlane_ntuple_shape_get(priv, &mask);
	if (IS_ERR(shape))
		return PTR_ERR(shape);
	r = rxlane_should_fail_alloc(priv) ? NULL :
	    kmem_cache_zalloc(rxlane_ntuple_rule_cache, GFP_KERNEL);
	if (!r) {
		err = -ENOMEM;
		goto err_put_shape;
	}
	r->hits = rxlane_ntuple_counter(nt, loc);
	if (!r->hits) {
		err = -ENOMEM;
		goto err_free_rule;
	}
	/*
	 * The entry counts from the location's count now rather than by
	 * zeroing it: another CPU's this_cpu_inc() is a read-modify-write
	 * of its own slot, and a zero stored into that slot meanwhile would
	 * be lost, the old count coming back whole. Readers that found the
	 * entry this one replaces (or one deleted less than a grace period
	 * ago) may still count one frame each into the location after this:
	 * at most one per CPU inside a lookup, a frame that matched this
	 * row while it was being rewritten, as a NIC's row counter may when
	 * the driver rewrites the row under traffic. Memory-safe: the block
	 * outlives every entry (rxlane_ntuple_uninit()).
	 */
	r->hits_base = rxlane_ntuple_count(r->hits);
	r->shape = shape;
	r->key = key;
	r->act = act;
	r->location = loc;
	r->fs = cmd->fs;
	r->fs.location = loc;
	r->seq = ++nt->inserts;

	old = rtnl_dereference(nt->by_loc[loc]);
	if (old)
		rxlane_ntuple_remove(priv, old);
	hlist_add_head_rcu(&r->hnode,
			   &nt->buckets[rxlane_ntuple_bucket(nt, shape, &key)]);
	rcu_assign_pointer(nt->by_loc[loc], r);
	nt->count++;
	cmd->fs.location = loc;
	return 0;

err_free_rule:
	rxlane_ntuple_rule_free(r);
err_put_shape:
	rxlane_ntuple_shape_put(priv, shape);
	return err;
}

/**
 * rxlane_ntuple_delete() - ETHTOOL_SRXCLSRLDEL
 * @priv:	the device
 * @location:	the entry's location
 *
 * Context: RTNL held.
 * Return: 0 or -ENOENT.
 */
int rxlane_ntuple_delete(struct rxlane_priv *priv, u32 location)
{
	struct rxlane_ntuple_rule *r = rxlane_ntuple_at(&priv->ntuple, location);

	if (!r)
		return -ENOENT;
	if (rxlane_ntuple_in_band(priv, location))
		return -EBUSY;
	rxlane_ntuple_remove(priv, r);
	return 0;
}

/**
 * rxlane_ntuple_get() - ETHTOOL_GRXCLSRULE
 * @priv:	the device
 * @cmd:	cmd->fs.location selects the entry
 *
 * Context: RTNL held.
 * Return: 0 or -ENOENT.
 */
int rxlane_ntuple_get(struct rxlane_priv *priv, struct ethtool_rxnfc *cmd)
{
	struct rxlane_ntuple *nt = &priv->ntuple;
	struct rxlane_ntuple_rule *r;

	if (cmd->fs.location >= nt->capacity)
		return -EINVAL;
	r = rtnl_dereference(nt->by_loc[cmd->fs.location]);
	if (!r)
		return -ENOENT;
	cmd->fs = r->fs;
	if (r->act.kind == RXLANE_TO_CTX)
		cmd->rss_context = r->act.ctx;
	cmd->data = nt->capacity;
	return 0;
}

/**
 * rxlane_ntuple_get_all() - ETHTOOL_GRXCLSRLALL
 * @priv:	the device
 * @cmd:	cmd->rule_cnt is the room in @rule_locs
 * @rule_locs:	the locations in use
 *
 * Context: RTNL held.
 * Return: 0 or -EMSGSIZE.
 */
int rxlane_ntuple_get_all(struct rxlane_priv *priv, struct ethtool_rxnfc *cmd,
			  u32 *rule_locs)
{
	struct rxlane_ntuple *nt = &priv->ntuple;
	unsigned int i, n = 0;

	for (i = 0; i < nt->capacity; i++) {
		if (!rtnl_dereference(nt->by_loc[i]))
			continue;
		if (n >= cmd->rule_cnt)
			return -EMSGSIZE;
		rule_locs[n++] = i;
	}
	cmd->rule_cnt = n;
	cmd->data = nt->capacity;
	return 0;
}

/**
 * rxlane_ntuple_max_queue() - the highest queue an entry sends to
 * @priv: the device
 *
 * Context: RTNL held.
 * Return: that queue, 0 without entries.
 */
u32 rxlane_ntuple_max_queue(struct rxlane_priv *priv)
{
	struct rxlane_ntuple *nt = &priv->ntuple;
	struct rxlane_ntuple_rule *r;
	unsigned int i;
	u32 max = 0;

	for (i = 0; i < nt->capacity; i++) {
		r = rtnl_dereference(nt->by_loc[i]);
		if (r && r->act.kind != RXLANE_TO_DROP)
			max = max_t(u32, max, r->act.queue);
	}
	return max;
}

/**
 * rxlane_ntuple_uses_ctx() - whether an entry sends to RSS context @ctx
 * @priv:	the device
 * @ctx:	the context
 *
 * Context: RTNL held.
 * Return: true if one does.
 */
bool rxlane_ntuple_uses_ctx(struct rxlane_priv *priv, u32 ctx)
{
	struct rxlane_ntuple *nt = &priv->ntuple;
	struct rxlane_ntuple_rule *r;
	unsigned int i;

	for (i = 0; i < nt->capacity; i++) {
		r = rtnl_dereference(nt->by_loc[i]);
		if (r && r->act.kind == RXLANE_TO_CTX && r->act.ctx == ctx)
			return true;
	}
	return false;
}

static void rxlane_key_print(struct seq_file *seq, const char *name,
			     const __be32 *addr, u8 l3)
{
	if (l3 == 6)
		seq_printf(seq, " %s=%pI6c", name, addr);
	else
		seq_printf(seq, " %s=%pI4", name, addr);
}

/**
 * rxlane_ntuple_dump() - the table for debugfs
 * @priv:	the device
 * @seq:	where to print
 *
 * One line per entry: location, action, hits, then value/mask pairs.
 *
 * Context: process context; takes the RCU read lock.
 */
void rxlane_ntuple_dump(struct rxlane_priv *priv, struct seq_file *seq)
{
	struct rxlane_ntuple *nt = &priv->ntuple;
	unsigned int i, len, longest = 0;
	struct rxlane_ntuple_rule *r;

	rcu_read_lock();
	for (i = 0; i < 1U << nt->hash_bits; i++) {
		len = 0;
		hlist_for_each_entry_rcu(r, &nt->buckets[i], hnode)
			len++;
		longest = max(longest, len);
	}
	seq_printf(seq, "capacity %u entries %u shapes %u enabled %d buckets %u longest_chain %u\n",
		   nt->capacity, READ_ONCE(nt->count), READ_ONCE(nt->nr_shapes),
		   READ_ONCE(nt->enabled), 1U << nt->hash_bits, longest);
	for (i = 0; i < nt->capacity; i++) {
		const struct rxlane_flow_key *k, *m;

		r = rcu_dereference(nt->by_loc[i]);
		if (!r)
			continue;
		k = &r->key;
		m = &r->shape->mask;
		seq_printf(seq, "loc %u", i);
		switch (r->act.kind) {
		case RXLANE_TO_DROP:
			seq_puts(seq, " action drop");
			break;
		case RXLANE_TO_CTX:
			seq_printf(seq, " action context %u +%u", r->act.ctx,
				   r->act.queue);
			break;
		default:
			seq_printf(seq, " action queue %u", r->act.queue);
		}
		seq_printf(seq, " hits %llu l3 %u proto %u/%#x",
			   rxlane_ntuple_rule_hits(r), k->l3, k->proto,
			   m->proto);
		rxlane_key_print(seq, "src", k->src, k->l3);
		rxlane_key_print(seq, "/", m->src, k->l3);
		rxlane_key_print(seq, "dst", k->dst, k->l3);
		rxlane_key_print(seq, "/", m->dst, k->l3);
		seq_printf(seq, " sport %u/%#x dport %u/%#x tos %#x/%#x vlan %#x/%#x seq %llu\n",
			   ntohs(k->sport), ntohs(m->sport), ntohs(k->dport),
			   ntohs(m->dport), k->tos, m->tos, ntohs(k->vlan_tci),
			   ntohs(m->vlan_tci), r->seq);
	}
	rcu_read_unlock();
}

/**
 * rxlane_ntuple_init() - an empty table of rxlane_ntuple_capacity entries
 * @priv: the device, being registered
 *
 * Context: RTNL held; may sleep.
 * Return: 0 or -ENOMEM.
 */
int rxlane_ntuple_init(struct rxlane_priv *priv)
{
	struct rxlane_ntuple *nt = &priv->ntuple;
	unsigned int cap = clamp_t(unsigned int, READ_ONCE(rxlane_ntuple_capacity),
				   1, 65536);

	nt->capacity = cap;
	nt->band = cap;
	/* Four buckets per entry: a probe that misses walks 0.25 entries. */
	nt->hash_bits = ilog2(roundup_pow_of_two(cap)) + 2;
	/*
	 * The small slab allocation first: the kvcalloc()s below take pages
	 * or fall back to vmalloc, which allocates more from the slab in some
	 * runs than in others, and fault injection numbers the allocations
	 * that come after them (selftests/vm/fail_nth.c).
	 */
	nt->hit_blocks = kcalloc(DIV_ROUND_UP(cap, RXLANE_NTUPLE_HIT_BLOCK),
				 sizeof(*nt->hit_blocks), GFP_KERNEL);
	if (!nt->hit_blocks)
		return -ENOMEM;
	nt->by_loc = kvcalloc(cap, sizeof(*nt->by_loc), GFP_KERNEL);
	if (!nt->by_loc)
		goto err_free_hit_blocks;
	nt->buckets = kvcalloc(1U << nt->hash_bits, sizeof(*nt->buckets),
			       GFP_KERNEL);
	if (!nt->buckets)
		goto err_free_by_loc;
	INIT_LIST_HEAD(&nt->shapes);
	nt->enabled = true;
	return 0;

err_free_by_loc:
	kvfree(nt->by_loc);
	nt->by_loc = NULL;
err_free_hit_blocks:
	kfree(nt->hit_blocks);
	nt->hit_blocks = NULL;
	return -ENOMEM;
}

/**
 * rxlane_ntuple_uninit() - remove every entry and free the table
 * @priv: the device, no longer receiving
 *
 * Context: RTNL held; may sleep.
 */
void rxlane_ntuple_uninit(struct rxlane_priv *priv)
{
	struct rxlane_ntuple *nt = &priv->ntuple;
	struct rxlane_ntuple_rule *r;
	unsigned int i;

	for (i = 0; i < nt->capacity; i++) {
		r = rtnl_dereference(nt->by_loc[i]);
		if (r)
			rxlane_ntuple_remove(priv, r);
	}
	WARN_ON(nt->count || nt->nr_shapes || !list_empty(&nt->shapes));
	/* Readers of the buckets are gone: the rx_handler is unregistered. */
	synchronize_rcu();
	/* Removed rules are freed (call_rcu): none outlives the module. */
	rcu_barrier();
	/* No reader or entry is left to count into the hit blocks. */
	for (i = 0; i < DIV_ROUND_UP(nt->capacity, RXLANE_NTUPLE_HIT_BLOCK); i++)
		free_percpu(nt->hit_blocks[i]);
	kfree(nt->hit_blocks);
	kvfree(nt->buckets);
	kvfree(nt->by_loc);
	nt->hit_blocks = NULL;
	nt->buckets = NULL;
	nt->by_loc = NULL;
}

/**
 * rxlane_ntuple_module_init() - create the cache of entries
 *
 * Context: module init, before any device.
 * Return: 0 or -ENOMEM.
 */
int rxlane_ntuple_module_init(void)
{
	rxlane_ntuple_rule_cache = KMEM_CACHE(rxlane_ntuple_rule, 0);
	return rxlane_ntuple_rule_cache ? 0 : -ENOMEM;
}

/**
 * rxlane_ntuple_module_uninit() - destroy the cache of entries
 *
 * Context: module exit, every device gone (each waited for its entries'
 * RCU frees in rxlane_ntuple_uninit()).
 */
void rxlane_ntuple_module_uninit(void)
{
	rcu_barrier();
	kmem_cache_destroy(rxlane_ntuple_rule_cache);
}
