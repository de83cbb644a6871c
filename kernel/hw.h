/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rxlane: per-container hardware filters (Documentation/hwfilter.rst).
 *
 *   hw.c	containers, their NIC entries and RSS contexts, lifetime
 *   hw_expand.c port ranges into masked entries (pure)
 *   genl.c	the "rxlane" generic netlink family
 *
 * Every container, context and entry list changes under RTNL only.
 */
#ifndef _RXLANE_HW_H
#define _RXLANE_HW_H

#include <linux/netdevice.h>
#include <linux/rhashtable.h>
#include <linux/types.h>
#include <net/net_namespace.h>
#include <net/netlink.h>

#include <rxlane_genl.h>

#include "hw_expand.h"

/**
 * struct rxlane_hw_ctx - an RSS context shared by the containers of one NIC
 *			  with the same CPU set
 * @list:	in the global list of contexts
 * @dev:	the NIC
 * @cpus:	the CPU set
 * @id:		the NIC's context number
 * @users:	containers using it
 */
struct rxlane_hw_ctx {
	struct list_head list;
	struct net_device *dev;
	u64 cpus;
	u32 id;
	unsigned int users;
};

/**
 * struct rxlane_hw_addr - one address of a container
 * @family:	AF_INET or AF_INET6
 * @a:		the address, IPv4 in a[0]
 */
struct rxlane_hw_addr {
	u8 family;
	__be32 a[4];
};

/**
 * struct rxlane_hw_rule - an allow rule
 * @id:		its id within the container (from 1)
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @dport_min:	first destination port
 * @dport_max:	last destination port
 * @src_family:	AF_INET or AF_INET6 when a source prefix is given, else 0
 * @src_plen:	the prefix length
 * @src:	the prefix, host bits zero
 * @nentries:	NIC entries it took
 */
struct rxlane_hw_rule {
	u32 id;
	u8 proto;
	u16 dport_min;
	u16 dport_max;
	u8 src_family;
	u8 src_plen;
	__be32 src[4];
	unsigned int nentries;
};

/**
 * struct rxlane_hw_entry - one entry a container holds in the NIC
 * @loc:	its ethtool location
 * @kind:	enum rxlane_entry_kind
 * @rule_id:	the rule it comes from (RXLANE_ENTRY_ALLOW), else 0
 */
struct rxlane_hw_entry {
	u32 loc;
	u8 kind;
	u32 rule_id;
};

/**
 * struct rxlane_hw_spoof_key - an address as the spoof check hashes it
 * @a:		IPv4 in a[0] (the rest 0), or IPv6
 * @family:	AF_INET or AF_INET6
 */
struct rxlane_hw_spoof_key {
	__be32 a[4];
	u32 family;
};

/**
 * struct rxlane_hw_spoof_addr - one address of a checked container, in its
 *				 NIC's rxlane_priv.hw_spoof_addr
 * @node:	hash table linkage
 * @key:	the address
 * @owner:	the container's spoof check
 */
struct rxlane_hw_spoof_addr {
	struct rhash_head node;
	struct rxlane_hw_spoof_key key;
	struct rxlane_hw_spoof *owner;
};

/**
 * struct rxlane_hw_spoof - what the NIC's transmit path checks for one
 *			    container: a copy of its MAC and addresses, read
 *			    under RCU
 * @list:	in the NIC's rxlane_priv.hw_spoof; RTNL writers
 * @node:	in the NIC's rxlane_priv.hw_spoof_mac, keyed by @mac
 * @mac:	the container's MAC
 * @addrs:	its addresses, each in the NIC's rxlane_priv.hw_spoof_addr
 * @naddrs:	entries of @addrs in use
 * @drops:	frames dropped as its spoofed egress
 * @rcu:	freed after a grace period
 */
struct rxlane_hw_spoof {
	struct list_head list;
	struct rhash_head node;
	u8 mac[ETH_ALEN];
	struct rxlane_hw_spoof_addr addrs[RXLANE_ADDRS_MAX];
	unsigned int naddrs;
	atomic64_t drops;
	struct rcu_head rcu;
};

/**
 * struct rxlane_hw_nic - what hw.c keeps of a NIC while containers sit on it
 * @list:	in hw.c's list of NICs
 * @dev:	the NIC, no reference: it goes with its last container
 * @nconts:	containers on it
 * @cap:	its filter table's size
 * @band:	the first location of the container band (@cap / 2)
 * @used:	locations of the band in use (a bitmap of @cap bits): read from
 *		the NIC once, when its first container came, then kept by
 *		hw.c's own inserts and deletes
 * @low:	every location in [@band, @low) is in use
 * @high:	every location in [@high, @cap) is in use
 *
 * So an add costs the same with one container on the NIC or thousands:
 * nothing here is found by reading the NIC's whole table again.
 */
struct rxlane_hw_nic {
	struct list_head list;
	struct net_device *dev;
	unsigned int nconts;
	u32 cap;
	u32 band;
	unsigned long *used;
	u32 low;
	u32 high;
};

/**
 * struct rxlane_hw_addr_key - an address of a container on a NIC, as the
 *			       table of taken addresses hashes it
 * @dev:	the NIC
 * @a:		IPv4 in a[0] (the rest 0), or IPv6
 * @family:	AF_INET or AF_INET6
 */
struct rxlane_hw_addr_key {
	const struct net_device *dev;
	__be32 a[4];
	u32 family;
};

/**
 * struct rxlane_hw_addr_node - a container's address in hw.c's table of
 *				taken addresses
 * @node:	hash table linkage
 * @key:	the NIC and the address
 */
struct rxlane_hw_addr_node {
	struct rhash_head node;
	struct rxlane_hw_addr_key key;
};

/**
 * struct rxlane_hw_mac_node - a container's MAC in hw.c's table of taken
 *			       MACs
 * @node:	hash table linkage
 * @dev:	the NIC (the key: @dev and @mac)
 * @mac:	the MAC
 */
struct rxlane_hw_mac_node {
	struct rhash_head node;
	const struct net_device *dev;
	u8 mac[ETH_ALEN];
};

/**
 * struct rxlane_hw_cont - a container whose firewall the NIC enforces
 * @id:		index in the container xarray (the dump cursor)
 * @name:	its name, unique within @owner
 * @owner:	the namespace it was created from, no reference: the
 *		container goes in that namespace's pernet exit
 * @netns_cookie: the cookie of the container's own namespace (0: none),
 *		no reference: the container goes in its pernet exit
 * @dev:	the NIC, no reference: the container goes at its
 *		NETDEV_UNREGISTER
 * @addrs:	its addresses
 * @naddrs:	entries of @addrs in use
 * @cpus:	its CPU set
 * @def:	enum rxlane_default
 * @ctx:	its RSS context
 * @rules:	its allow rules, by id: an array of at least @nrules
 *		(kmalloc; NULL while it has none), grown by rule adds
 * @nrules:	entries of @rules in use
 * @next_rule_id: the id the next rule gets
 * @entries:	its NIC entries, allow entries first
 * @nentries:	entries of @entries in use
 * @has_mac:	@mac is set
 * @mac:	its MAC (RXLANE_A_MAC)
 * @spoofchk:	its egress spoof check was asked for (RXLANE_A_SPOOFCHK)
 * @spoof:	its egress spoof check (RXLANE_A_SPOOFCHK), else NULL; in the
 *		NIC's list from rxlane_hw_cont_add() to its removal
 * @nic:	hw.c's state of @dev
 * @name_node:	in hw.c's table of names, keyed by @owner and @name
 * @addr_nodes:	@addrs in hw.c's table of taken addresses
 * @mac_node:	@mac in hw.c's table of taken MACs, when @has_mac
 */
struct rxlane_hw_cont {
	u32 id;
	char name[RXLANE_NAME_MAX + 1];
	possible_net_t owner;
	u64 netns_cookie;
	struct net_device *dev;
	struct rxlane_hw_addr addrs[RXLANE_ADDRS_MAX];
	unsigned int naddrs;
	u64 cpus;
	u8 def;
	struct rxlane_hw_ctx *ctx;
	struct rxlane_hw_rule *rules;
	unsigned int nrules;
	u32 next_rule_id;
	struct rxlane_hw_entry *entries;
	unsigned int nentries;
	bool has_mac;
	u8 mac[ETH_ALEN];
	bool spoofchk;
	struct rxlane_hw_spoof *spoof;
	struct rxlane_hw_nic *nic;
	struct rhash_head name_node;
	struct rxlane_hw_addr_node addr_nodes[RXLANE_ADDRS_MAX];
	struct rxlane_hw_mac_node mac_node;
};

/* hw.c */
int rxlane_hw_init(void);
void rxlane_hw_uninit(void);
struct rxlane_hw_cont *rxlane_hw_find(struct net *net, const char *name);
struct rxlane_hw_cont *rxlane_hw_next(struct net *net, unsigned long *index);
int rxlane_hw_cont_add(struct rxlane_hw_cont *c, struct netlink_ext_ack *extack);
void rxlane_hw_cont_del(struct rxlane_hw_cont *c);
int rxlane_hw_rule_add(struct rxlane_hw_cont *c,
		       const struct rxlane_hw_rule *r,
		       struct netlink_ext_ack *extack);
int rxlane_hw_rule_del(struct rxlane_hw_cont *c, u32 id,
		       struct netlink_ext_ack *extack);
u64 rxlane_hw_spoof_drops(const struct rxlane_hw_cont *c);
int rxlane_hw_entry_hits(const struct rxlane_hw_cont *c,
			 const struct rxlane_hw_entry *e, u64 *hits);

/* genl.c */
int rxlane_genl_init(void);
void rxlane_genl_uninit(void);
void rxlane_genl_notify(struct rxlane_hw_cont *c, u8 cmd);

#endif /* _RXLANE_HW_H */
