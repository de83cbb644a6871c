/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rxlane: a software multi-queue NIC over a lower Ethernet device.
 *
 * Private header shared by the files of the module. One file per kernel
 * interface:
 *   main.c	module entry points and parameters
 *   netdev.c	the "rxlane" link kind and its net_device ops
 *   rx.c	the receive engine: classify, rings, IPIs, NAPI
 *   rss.c	Toeplitz hash, key, indirection tables, RSS contexts
 *   ntuple.c	the ntuple filter table (a TCAM emulation)
 *   arfs.c	accelerated RFS: ndo_rx_flow_steer, cpu_rmap, expiry
 *   xdp.c	native XDP: ndo_bpf, ndo_xdp_xmit, per-queue xdp_rxq_info
 *   ethtool.c	ethtool ops
 *   tunnel.c	UDP tunnel ports (udp_tunnel_nic and the debugfs knob)
 *   debugfs.c	dumps, the queue -> CPU knob, fault injection
 *   hw.c, hw_expand.c, genl.c  per-container hardware filters (hw.h)
 */
#ifndef _RXLANE_H
#define _RXLANE_H

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/cpu_rmap.h>
#include <linux/cpuhotplug.h>
#include <linux/ethtool.h>
#include <linux/if_vlan.h>
#include <linux/mutex.h>
#include <linux/rhashtable-types.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <net/xdp.h>

#define RXLANE_DRV_NAME		"rxlane"
/*
 * The version is the top Makefile's VERSION (plus the git revision), the
 * one the CLI reports: Kbuild passes it as RXLANE_VERSION to main.c
 * (MODULE_VERSION) and ethtool.c (drvinfo) only.
 */
#define RXLANE_MAX_QUEUES	64
/* Largest receive ring, in frames (ethtool -G rx, module parameter). */
#define RXLANE_RING_MAX		65536

#define RXLANE_RSS_INDIR_SIZE	128
#define RXLANE_RSS_KEY_SIZE	52
/* Context 0 is the default RSS context; 1..RXLANE_RSS_MAX_CTX-1 are extra. */
#define RXLANE_RSS_MAX_CTX	16

/* aRFS entries one expiry pass examines by default (debugfs). */
#define RXLANE_ARFS_EXPIRE_QUOTA 256

/* Distinct mask shapes the TCAM emulation holds (like hardware profiles). */
#define RXLANE_NTUPLE_MAX_SHAPES 32
#define RXLANE_TUNNEL_MAX_PORTS	8

/* Largest frame native XDP can see: one page with headroom and tailroom. */
#define RXLANE_XDP_MAX_FRAME	(PAGE_SIZE - XDP_PACKET_HEADROOM - \
				 SKB_DATA_ALIGN(sizeof(struct skb_shared_info)))

/* Module parameters (main.c). */
extern unsigned int rxlane_ntuple_capacity;
extern unsigned int rxlane_arfs_max;
extern unsigned int rxlane_ring_size;
extern unsigned int rxlane_arfs_expire_ms;
extern unsigned int rxlane_arfs_idle_ms;

/* The CPU hotplug state every device is an instance of (main.c). */
extern enum cpuhp_state rxlane_cpuhp_state;

/**
 * struct rxlane_flow_key - the header fields the classifier looks at
 * @src:	source address (IPv4 in src[0])
 * @dst:	destination address (IPv4 in dst[0])
 * @sport:	L4 source port, 0 when there is none (fragment, other proto)
 * @dport:	L4 destination port, 0 when there is none
 * @vlan_tci:	VLAN tag control information, 0 when untagged
 * @l3:		4 for IPv4, 6 for IPv6, 0 for anything else
 * @proto:	IP protocol (next header after extension headers for IPv6)
 * @tos:	IPv4 TOS / IPv6 traffic class
 * @pad:	zero
 *
 * The same struct is the value and the mask of an ntuple entry, so that
 * masking is a word-wise AND.
 */
struct rxlane_flow_key {
	__be32 src[4];
	__be32 dst[4];
	__be16 sport;
	__be16 dport;
	__be16 vlan_tci;
	u8 l3;
	u8 proto;
	u8 tos;
	u8 pad[3];
};

#define RXLANE_KEY_WORDS (sizeof(struct rxlane_flow_key) / sizeof(u32))

/**
 * struct rxlane_pkt - what the parser found in one frame
 * @outer:	the outer headers (ntuple matches these)
 * @flow:	the headers RSS and aRFS use: the inner ones for a frame on a
 *		known tunnel port, else the same as @outer
 * @l4:		@flow carries ports (TCP or UDP, not a fragment)
 * @tunnel:	@flow is the inner flow of a VXLAN/GENEVE frame
 */
struct rxlane_pkt {
	struct rxlane_flow_key outer;
	struct rxlane_flow_key flow;
	bool l4;
	bool tunnel;
};

/* Where the classifier sends a frame. */
enum rxlane_verdict_kind {
	RXLANE_TO_RSS,		/* default RSS */
	RXLANE_TO_QUEUE,
	RXLANE_TO_CTX,		/* an RSS context, plus a queue offset */
	RXLANE_TO_DROP,
};

/**
 * struct rxlane_action - the action of an ntuple entry
 * @kind:	see enum rxlane_verdict_kind
 * @queue:	the queue (RXLANE_TO_QUEUE) or offset (RXLANE_TO_CTX)
 * @ctx:	RSS context (RXLANE_TO_CTX)
 */
struct rxlane_action {
	u8 kind;
	u16 queue;
	u32 ctx;
};

/**
 * struct rxlane_rxq_stats - counters a queue's NAPI poll updates
 * @packets:	frames handed to XDP or the stack
 * @bytes:	their bytes
 * @drops:	frames dropped after the ring (XDP drop/abort, failures)
 * @xdp_pass:	XDP_PASS verdicts
 * @xdp_drop:	XDP_DROP verdicts
 * @xdp_tx:	XDP_TX verdicts transmitted
 * @xdp_redirect: XDP_REDIRECT verdicts redirected
 * @xdp_aborted: XDP_ABORTED or invalid verdicts
 * @unclone:	frames whose head was shared with another skb (a local
 *		sender's clone) and was copied before GRO
 * @xdp_inplace: frames the XDP program ran on in the skb's own buffer
 * @xdp_copy:	frames copied into a page of the queue's page_pool: before
 *		the program (a clone, a paged skb, too little headroom) or,
 *		for XDP_REDIRECT, from a buffer that cannot become an xdp_frame
 * @syncp:	for 64-bit reads on 32-bit hosts
 */
struct rxlane_rxq_stats {
	u64 packets;
	u64 bytes;
	u64 drops;
	u64 xdp_pass;
	u64 xdp_drop;
	u64 xdp_tx;
	u64 xdp_redirect;
	u64 xdp_aborted;
	u64 unclone;
	u64 xdp_inplace;
	u64 xdp_copy;
	struct u64_stats_sync syncp;
};

/**
 * struct rxlane_rxq - one receive queue
 *
 * Three groups, each starting a cache line: what every side reads and
 * almost nobody writes; what the producers (rx_handlers on any CPU)
 * write per frame; what the queue's NAPI poll writes per frame. So a
 * producer taking @ring.lock does not pull the line holding @stats away
 * from the poll's CPU, nor the other way round. Measured with pahole on
 * x86_64 (64-byte lines): read-mostly at 0, @ring at 64 (@ring.lock at
 * 84, @ring_full 88, @csd 96), @napi at 128, @xdp_rxq at 576, @stats at
 * 640; 768 bytes in all. rxlane_rx_init() checks the split with
 * BUILD_BUG_ON.
 *
 * @priv:	the device
 * @cpu:	the queue's CPU (its interrupt affinity): @home_cpu while it is
 *		online, else an online CPU chosen when it went down
 * @home_cpu:	the CPU the queue was given (default spread or the debugfs
 *		knob); the queue returns to it when it comes back online
 * @index:	queue number
 * @ring:	frames classified to this queue, bounded by priv->ring_size
 * @ring_full:	frames dropped because @ring was full (any CPU)
 * @csd:	the emulated MSI-X vector: an IPI to @cpu that schedules @napi;
 *		used by the producer that won NAPI_STATE_SCHED
 * @napi:	the queue's NAPI context
 * @polling:	frames taken from @ring by the poll (NAPI-private)
 * @page_pool:	pages for the frames XDP cannot run on in place
 * @pool_mem:	@page_pool's memory model, as registered in @xdp_rxq
 * @xdp_rxq:	XDP queue info
 * @stats:	counters owned by the NAPI poll
 */
struct rxlane_rxq {
	/* Read-mostly. */
	struct rxlane_priv *priv;
	int cpu;
	int home_cpu;
	u16 index;

	/* Producers. */
	struct sk_buff_head ring ____cacheline_aligned_in_smp;
	atomic64_t ring_full;
	call_single_data_t csd;

	/* The NAPI poll. */
	struct napi_struct napi ____cacheline_aligned_in_smp;
	struct sk_buff_head polling;
	struct page_pool *page_pool;
	struct xdp_mem_info pool_mem;
	struct xdp_rxq_info xdp_rxq;
	struct rxlane_rxq_stats stats;
} ____cacheline_aligned_in_smp;

/**
 * struct rxlane_rss_ctx - one RSS context
 * @rcu:	freeing
 * @indir:	indirection table
 * @key:	Toeplitz key
 * @user_indir: @indir was set by the user (not the default spread)
 */
struct rxlane_rss_ctx {
	struct rcu_head rcu;
	u32 indir[RXLANE_RSS_INDIR_SIZE];
	u8 key[RXLANE_RSS_KEY_SIZE];
	bool user_indir;
};

/**
 * struct rxlane_ntuple - the ntuple filter table
 * @by_loc:	entries by location (capacity slots); RTNL writers, RCU readers
 * @hit_blocks:	per-CPU hit counters by location, RXLANE_NTUPLE_HIT_BLOCK
 *		a block, a block allocated at its first insert (RTNL) and
 *		freed with the table (ntuple.c)
 * @buckets:	hash of masked key + shape, RCU readers
 * @hash_bits:	log2 of the bucket count
 * @shapes:	distinct masks in use, RCU readers
 * @nr_shapes:	length of @shapes
 * @capacity:	slots in @by_loc
 * @count:	entries installed
 * @band:	first location of the container band (hw.c): automatic
 *		placement picks below it, and only hw.c writes at or above
 *		it; @capacity while no container holds entries here
 * @band_writer: hw.c is inserting or deleting (RTNL held throughout)
 * @enabled:	NETIF_F_NTUPLE is on: lookups happen
 * @inserts:	inserts so far (RTNL): each entry's seq in the debugfs dump
 */
struct rxlane_ntuple {
	struct rxlane_ntuple_rule __rcu **by_loc;
	u64 __percpu **hit_blocks;
	struct hlist_head *buckets;
	unsigned int hash_bits;
	struct list_head shapes;
	unsigned int nr_shapes;
	unsigned int capacity;
	unsigned int count;
	unsigned int band;
	bool band_writer;
	bool enabled;
	u64 inserts;
};

/**
 * struct rxlane_arfs - accelerated RFS state
 * @lock:	protects the table against concurrent ndo_rx_flow_steer calls,
 *		the expiry worker and flushes (BH-safe)
 * @buckets:	hash of the 5-tuple, RCU readers
 * @seed:	jhash seed, random per device: peers cannot aim at a bucket
 * @slots:	entries by filter id
 * @ids:	filter ids in use
 * @max:	capacity (filter ids are 0..@max-1)
 * @count:	entries installed
 * @expire_work: the expiry worker
 * @expire_quota: entries one expiry pass examines at most (debugfs; 0
 *		counts as 1)
 * @expire_next: filter id where the next expiry pass starts
 * @expire_passes: expiry passes run
 * @expire_scanned: entries the expiry passes examined
 * @expire_scan_max: most entries one pass examined
 * @adds:	entries added
 * @updates:	entries moved to another queue
 * @expires:	entries expired by rps_may_expire_flow()
 * @table_full: requests refused because the table was full
 * @alloc_fail: requests refused because an allocation failed
 * @flushes:	entries removed by a flush (ntuple off, channels, stop)
 * @enabled:	ndo_rx_flow_steer() may add entries: the device is up and
 *		NETIF_F_NTUPLE is on (changed under @lock)
 */
struct rxlane_arfs {
	spinlock_t lock; /* see above */
	struct hlist_head *buckets;
	u32 seed;
	struct rxlane_arfs_entry **slots;
	unsigned long *ids;
	unsigned int max;
	unsigned int count;
	struct delayed_work expire_work;
	u32 expire_quota;
	unsigned int expire_next;
	u64 expire_passes;
	u64 expire_scanned;
	unsigned int expire_scan_max;
	atomic64_t adds;
	atomic64_t updates;
	atomic64_t expires;
	atomic64_t table_full;
	atomic64_t alloc_fail;
	atomic64_t flushes;
	bool enabled;
};

/**
 * struct rxlane_faults - fault injection (debugfs)
 * @fail_xdp:		refuse XDP_SETUP_PROG
 * @fail_filter_insert:	refuse ntuple inserts
 * @fail_alloc:		number of allocations still to fail (ntuple and
 *			aRFS entries, XDP buffers)
 * @open_delay_ms:	ndo_open waits this long before enabling NAPI (the
 *			window in which frames reach the rings of a device
 *			that is running but not polling yet)
 * @table_size_in:	where ETHTOOL_GRXCLS* report the table's size, as
 *			other drivers do (enum rxlane_table_size_in)
 */
struct rxlane_faults {
	bool fail_xdp;
	bool fail_filter_insert;
	atomic_t fail_alloc;
	u32 open_delay_ms;
	u32 table_size_in;
};

/**
 * enum rxlane_table_size_in - where the NIC reports its ntuple table's size
 * @RXLANE_SIZE_IN_COUNT:	ETHTOOL_GRXCLSRLCNT, with RX_CLS_LOC_SPECIAL
 *				(rxlane's own way), and GRXCLSRLALL
 * @RXLANE_SIZE_IN_ALL:		GRXCLSRLALL only, without RX_CLS_LOC_SPECIAL:
 *				GRXCLSRLCNT's data is 0 (mlx5 on 6.1)
 * @RXLANE_SIZE_NOWHERE:	neither: both data are 0
 */
enum rxlane_table_size_in {
	RXLANE_SIZE_IN_COUNT,
	RXLANE_SIZE_IN_ALL,
	RXLANE_SIZE_NOWHERE,
};

/* The tag protocols the VLAN filter knows: 802.1Q (C-tag), 802.1ad (S-tag). */
enum {
	RXLANE_VLAN_CTAG,
	RXLANE_VLAN_STAG,
	RXLANE_VLAN_PROTOS,
};

/**
 * struct rxlane_priv - per-device state
 * @dev:	the rxlane net device
 * @lower:	the device frames are received from and sent through; holds a
 *		reference for as long as the rxlane device exists
 * @lower_tracker: reference tracker for @lower
 * @cpuhp_node: the device's instance of the CPU hotplug state (main.c)
 * @vlan_vids:	VLAN IDs the receive filter accepts, per tag protocol
 *		(RXLANE_VLAN_CTAG: 802.1Q, RXLANE_VLAN_STAG: 802.1ad; RTNL writers,
 *		lockless bit tests in the receive path); VID 0 always passes
 * @lower_addr:	the lower's MAC address as last seen (RTNL): while the device
 *		is up, the lower holds a unicast entry for dev_addr exactly
 *		when dev_addr differs from it
 * @rxqs:	the receive queues, dev->num_rx_queues of them
 * @num_rxqs:	number of entries in @rxqs
 * @ring_size:	frames each receive ring holds, 0..RXLANE_RING_MAX (ethtool
 *		-G rx; rxlane_ring_size when the device was created); read
 *		locklessly by the rx_handler, written under RTNL
 * @cfg_lock:	serialises queue -> CPU changes and the rmap
 * @qcpu_gen:	bumped under cfg_lock whenever a queue changes CPU, so a map
 *		built before cfg_lock was dropped can tell it is stale
 * @rss:	RSS contexts, [0] the default; RCU readers, RTNL writers
 * @ntuple:	ntuple filter table
 * @arfs:	aRFS table
 * @tunnel_ports: UDP ports carrying VXLAN (low 16 bits) or GENEVE
 *		(RXLANE_TUNNEL_GENEVE set); 0 = free slot
 * @tunnel_from_stack: the slot was set by udp_tunnel_nic (not the knob)
 * @xdp_prog:	native XDP program, RCU readers, RTNL writers
 * @filter_drops: frames dropped by a drop action
 * @hw_spoof:	struct rxlane_hw_spoof of the containers on this NIC whose
 *		egress is checked: RTNL writers (hw.c); the transmit path
 *		only asks whether it is empty
 * @hw_spoof_mac: the same, hashed by MAC: RCU readers (transmit)
 * @hw_spoof_addr: their addresses (struct rxlane_hw_spoof_addr), hashed:
 *		RCU readers (transmit)
 * @xdp_xmit:	frames sent by ndo_xdp_xmit
 * @xdp_xmit_err: frames ndo_xdp_xmit could not send
 * @faults:	fault injection knobs
 * @ddir:	debugfs directory
 * @bench_ps:	last result of the classifier benchmark (debugfs)
 * @bench_sink:	keeps the benchmark loop from being optimised away
 */
struct rxlane_priv {
	struct net_device *dev;
	struct net_device *lower;
	netdevice_tracker lower_tracker;
	struct hlist_node cpuhp_node;
	DECLARE_BITMAP(vlan_vids[RXLANE_VLAN_PROTOS], VLAN_N_VID);
	u8 lower_addr[ETH_ALEN];
	struct rxlane_rxq *rxqs;
	unsigned int num_rxqs;
	u32 ring_size;
	struct mutex cfg_lock; /* see above */
	unsigned int qcpu_gen;
	struct rxlane_rss_ctx __rcu *rss[RXLANE_RSS_MAX_CTX];
	struct rxlane_ntuple ntuple;
	struct rxlane_arfs arfs;
	u32 tunnel_ports[RXLANE_TUNNEL_MAX_PORTS];
	bool tunnel_from_stack[RXLANE_TUNNEL_MAX_PORTS];
	struct bpf_prog __rcu *xdp_prog;
	atomic64_t filter_drops;
	struct list_head hw_spoof;
	struct rhashtable hw_spoof_mac;
	struct rhashtable hw_spoof_addr;
	atomic64_t xdp_xmit;
	atomic64_t xdp_xmit_err;
	struct rxlane_faults faults;
	struct dentry *ddir;
	u64 bench_ps;
	u64 bench_sink;
};

#define RXLANE_TUNNEL_GENEVE	BIT(16)

extern struct rtnl_link_ops rxlane_link_ops;
extern const struct ethtool_ops rxlane_ethtool_ops;

/* netdev.c */
int rxlane_netdev_init(void);
void rxlane_netdev_uninit(void);
int rxlane_cpu_online(unsigned int cpu, struct hlist_node *node);
int rxlane_cpu_down_prep(unsigned int cpu, struct hlist_node *node);
bool rxlane_vlan_filtered(const struct rxlane_priv *priv,
			  const struct sk_buff *skb);

/* rx.c */
int rxlane_rx_init(struct rxlane_priv *priv);
void rxlane_rx_uninit(struct rxlane_priv *priv);
void rxlane_rx_start(struct rxlane_priv *priv);
void rxlane_rx_stop(struct rxlane_priv *priv);
int rxlane_rx_set_num_queues(struct rxlane_priv *priv, unsigned int n);
rx_handler_result_t rxlane_handle_frame(struct sk_buff **pskb);
int rxlane_parse(const struct rxlane_priv *priv, const struct sk_buff *skb,
		 unsigned int nhoff, __be16 proto, struct rxlane_pkt *pkt);
int rxlane_set_queue_cpu(struct rxlane_priv *priv, unsigned int queue,
			 int cpu);
bool rxlane_should_fail_alloc(struct rxlane_priv *priv);
bool rxlane_should_fail_pcpu(void);
u64 rxlane_rx_bench(struct rxlane_priv *priv, u32 n);

/* rss.c */
int rxlane_rss_init(struct rxlane_priv *priv);
void rxlane_rss_uninit(struct rxlane_priv *priv);
u32 rxlane_toeplitz(const u8 *key, const struct rxlane_flow_key *k, bool l4);
u32 rxlane_rss_hash(const struct rxlane_priv *priv, u32 ctx,
		    const struct rxlane_pkt *pkt);
int rxlane_rss_queue(const struct rxlane_priv *priv, u32 ctx, u32 hash);
int rxlane_rss_get(struct rxlane_priv *priv, u32 ctx, u32 *indir, u8 *key);
int rxlane_rss_set(struct rxlane_priv *priv, u32 *ctx, const u32 *indir,
		   const u8 *key, bool delete);
bool rxlane_rss_ctx_exists(struct rxlane_priv *priv, u32 ctx);
u32 rxlane_rss_max_queue(struct rxlane_priv *priv);
struct rxlane_rss_ctx *rxlane_rss_respread(struct rxlane_priv *priv,
					   unsigned int nq);
void rxlane_rss_respread_commit(struct rxlane_priv *priv,
				struct rxlane_rss_ctx *c);

/* ntuple.c */
int rxlane_ntuple_init(struct rxlane_priv *priv);
void rxlane_ntuple_uninit(struct rxlane_priv *priv);
int rxlane_ntuple_module_init(void);
void rxlane_ntuple_module_uninit(void);
bool rxlane_ntuple_lookup(struct rxlane_priv *priv,
			  const struct rxlane_flow_key *key,
			  struct rxlane_action *act, bool count_hit);
int rxlane_ntuple_insert(struct rxlane_priv *priv, struct ethtool_rxnfc *cmd);
int rxlane_ntuple_delete(struct rxlane_priv *priv, u32 location);
int rxlane_ntuple_get(struct rxlane_priv *priv, struct ethtool_rxnfc *cmd);
int rxlane_ntuple_get_all(struct rxlane_priv *priv, struct ethtool_rxnfc *cmd,
			  u32 *rule_locs);
u32 rxlane_ntuple_max_queue(struct rxlane_priv *priv);
bool rxlane_ntuple_uses_ctx(struct rxlane_priv *priv, u32 ctx);
void rxlane_ntuple_dump(struct rxlane_priv *priv, struct seq_file *seq);
void rxlane_ntuple_set_band(struct rxlane_priv *priv, bool on);
void rxlane_ntuple_band_write(struct rxlane_priv *priv, bool on);
int rxlane_ntuple_hits(struct rxlane_priv *priv, u32 loc, u64 *hits);

/* hw.c: the egress spoof check of the transmit path */
bool rxlane_hw_spoofed(struct rxlane_priv *priv, const struct sk_buff *skb);
int rxlane_hw_nic_init(struct rxlane_priv *priv);
void rxlane_hw_nic_uninit(struct rxlane_priv *priv);

/* arfs.c */
int rxlane_arfs_init(struct rxlane_priv *priv);
void rxlane_arfs_uninit(struct rxlane_priv *priv);
int rxlane_arfs_lookup(struct rxlane_priv *priv,
		       const struct rxlane_flow_key *key);
void rxlane_arfs_flush(struct rxlane_priv *priv);
void rxlane_arfs_enable(struct rxlane_priv *priv);
void rxlane_arfs_disable(struct rxlane_priv *priv);
int rxlane_arfs_rmap_build(struct rxlane_priv *priv);
struct cpu_rmap *rxlane_arfs_rmap_new(struct rxlane_priv *priv,
				      unsigned int nq);
int rxlane_arfs_rmap_fill(struct rxlane_priv *priv, struct cpu_rmap *rmap);
void rxlane_arfs_rmap_commit(struct rxlane_priv *priv, struct cpu_rmap *rmap);
void rxlane_arfs_rmap_update(struct rxlane_priv *priv);
void rxlane_arfs_dump(struct rxlane_priv *priv, struct seq_file *seq);
void rxlane_arfs_dump_buckets(struct rxlane_priv *priv, struct seq_file *seq);
void rxlane_arfs_dump_expiry(struct rxlane_priv *priv, struct seq_file *seq);
int rxlane_arfs_inject(struct rxlane_priv *priv, unsigned int n);
int rxlane_rx_flow_steer(struct net_device *dev, const struct sk_buff *skb,
			 u16 rxq_index, u32 flow_id);

/* xdp.c */
int rxlane_xdp_init(struct rxlane_priv *priv);
void rxlane_xdp_uninit(struct rxlane_priv *priv);
int rxlane_bpf(struct net_device *dev, struct netdev_bpf *bpf);
int rxlane_xdp_xmit(struct net_device *dev, int n, struct xdp_frame **frames,
		    u32 flags);
int rxlane_xdp_run(struct rxlane_rxq *q, struct bpf_prog *prog,
		   struct sk_buff *skb, bool *redirected);
int rxlane_xdp_check_mtu(struct rxlane_priv *priv, int mtu,
			 struct netlink_ext_ack *extack);

/* tunnel.c */
void rxlane_tunnel_init(struct rxlane_priv *priv);
void rxlane_tunnel_uninit(struct rxlane_priv *priv);
int rxlane_tunnel_lookup(const struct rxlane_priv *priv, __be16 port);
int rxlane_tunnel_add(struct rxlane_priv *priv, u16 port, bool geneve,
		      bool from_stack);
int rxlane_tunnel_del(struct rxlane_priv *priv, u16 port, bool from_stack);
extern const struct udp_tunnel_nic_info rxlane_udp_tunnel_info;

/* debugfs.c */
void rxlane_debugfs_module_init(void);
void rxlane_debugfs_module_uninit(void);
void rxlane_debugfs_init(struct rxlane_priv *priv);
void rxlane_debugfs_uninit(struct rxlane_priv *priv);
void rxlane_debugfs_rename(struct rxlane_priv *priv);

#endif /* _RXLANE_H */
