/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * rxlane_genl.h - the "rxlane" generic netlink family: per-container
 * hardware filters (Documentation/hwfilter.rst).
 *
 * Shared by kernel/genl.c and the CLI (user/hw_nl.c). Every command needs
 * CAP_NET_ADMIN (GENL_ADMIN_PERM), dumps included; objects are looked up
 * in the caller's network namespace, which sees only its own containers.
 */
#ifndef _UAPI_RXLANE_GENL_H
#define _UAPI_RXLANE_GENL_H

#define RXLANE_GENL_NAME	"rxlane"
#define RXLANE_GENL_VERSION	1
/* Multicast group: RXLANE_CMD_CONT_NEW / _DEL when containers come and go. */
#define RXLANE_GENL_MCGRP	"containers"

/*
 * Longest container name, without the NUL: the CLI's and the CNI
 * plugin's (31), so a container has one name everywhere.
 */
#define RXLANE_NAME_MAX		31
/* Addresses of one container, rules of one container. */
#define RXLANE_ADDRS_MAX	8
#define RXLANE_RULES_MAX	64
/* NIC entries of one container (its reply fits one netlink message). */
#define RXLANE_ENTRIES_MAX	256

/**
 * enum rxlane_cmd - commands
 * @RXLANE_CMD_UNSPEC:	 unused
 * @RXLANE_CMD_CONT_NEW: create a container and program its entries: NAME,
 *	IFINDEX, ADDRS required; CPUS, DEFAULT, NETNS_FD, RULES, MAC,
 *	SPOOFCHK optional.
 *	All or nothing: a refused rule (extack points at its nest) leaves
 *	no container and no NIC entry. The allow entries of RULES go into
 *	the NIC before the default (drop) entries. Replies with the
 *	container as CONT_GET does. Also the notification.
 * @RXLANE_CMD_CONT_DEL: remove a container (NAME) and all its entries.
 *	Also the notification (NAME, IFINDEX).
 * @RXLANE_CMD_CONT_GET: one container (NAME) or, with NLM_F_DUMP, every
 *	container of the caller's namespace.
 * @RXLANE_CMD_RULE_NEW: add an allow rule (RULE nest) to container NAME;
 *	replies with the container (the new rule's RULE_ID among its rules).
 * @RXLANE_CMD_RULE_DEL: remove rule RULE_ID of container NAME.
 */
enum rxlane_cmd {
	RXLANE_CMD_UNSPEC,
	RXLANE_CMD_CONT_NEW,
	RXLANE_CMD_CONT_DEL,
	RXLANE_CMD_CONT_GET,
	RXLANE_CMD_RULE_NEW,
	RXLANE_CMD_RULE_DEL,

	__RXLANE_CMD_MAX,
	RXLANE_CMD_MAX = __RXLANE_CMD_MAX - 1
};

/**
 * enum rxlane_default - what the NIC does with other traffic to a container
 * @RXLANE_DEFAULT_DROP:  a drop entry per address below the allow entries
 * @RXLANE_DEFAULT_ALLOW: an entry per address steering to the container's
 *	RSS context instead
 */
enum rxlane_default {
	RXLANE_DEFAULT_DROP,
	RXLANE_DEFAULT_ALLOW,
};

/**
 * enum rxlane_entry_kind - what one NIC entry of a container does
 * @RXLANE_ENTRY_ALLOW:	 from an allow rule, steers to the RSS context
 * @RXLANE_ENTRY_DROP:	 the default drop of one address
 * @RXLANE_ENTRY_STEER:	 the default allow of one address (to the context)
 */
enum rxlane_entry_kind {
	RXLANE_ENTRY_ALLOW,
	RXLANE_ENTRY_DROP,
	RXLANE_ENTRY_STEER,
};

/**
 * enum rxlane_attr - top-level attributes
 * @RXLANE_A_UNSPEC:	unused
 * @RXLANE_A_PAD:	padding of 64-bit attributes
 * @RXLANE_A_NAME:	string, 1..RXLANE_NAME_MAX characters [a-zA-Z0-9_.-]
 * @RXLANE_A_IFINDEX:	u32, the NIC, in the caller's namespace
 * @RXLANE_A_NETNS_FD:	u32, a file descriptor of the container's network
 *	namespace: the container goes with it
 * @RXLANE_A_ADDRS:	nest of RXLANE_ADDR_IN / RXLANE_ADDR_IN6, 1 to
 *	RXLANE_ADDRS_MAX of them
 * @RXLANE_A_CPUS:	u64 bitmap of CPUs 0..63 (default: every online CPU)
 * @RXLANE_A_DEFAULT:	u8, enum rxlane_default (default: drop)
 * @RXLANE_A_RULE:	nest, enum rxlane_rule_attr
 * @RXLANE_A_RULE_ID:	u32, a rule's id within its container
 * @RXLANE_A_RSS_CTX:	u32, reply only: the container's RSS context
 * @RXLANE_A_RULES:	nest of RXLANE_A_RULE nests, 0 to RXLANE_RULES_MAX:
 *	in CONT_NEW the container's first rules (ids 1, 2, ... in order),
 *	in replies its rules
 * @RXLANE_A_ENTRIES:	nest of RXLANE_ENTRY nests, reply only
 * @RXLANE_A_NETNS_COOKIE: u64, reply only: the container's namespace
 *	cookie (SO_NETNS_COOKIE), 0 when none was given
 * @RXLANE_A_MAC:	6 bytes, the container's unicast MAC (its macvlan's)
 * @RXLANE_A_SPOOFCHK:	flag: the NIC drops the container's spoofed egress
 *	(needs MAC; rxlane's NIC only); in replies when on
 * @RXLANE_A_SPOOF_DROPS: u64, reply only, with SPOOFCHK: frames the NIC's
 *	transmit path dropped as spoofed by this container
 */
enum rxlane_attr {
	RXLANE_A_UNSPEC,
	RXLANE_A_PAD,
	RXLANE_A_NAME,
	RXLANE_A_IFINDEX,
	RXLANE_A_NETNS_FD,
	RXLANE_A_ADDRS,
	RXLANE_A_CPUS,
	RXLANE_A_DEFAULT,
	RXLANE_A_RULE,
	RXLANE_A_RULE_ID,
	RXLANE_A_RSS_CTX,
	RXLANE_A_RULES,
	RXLANE_A_ENTRIES,
	RXLANE_A_NETNS_COOKIE,
	RXLANE_A_MAC,
	RXLANE_A_SPOOFCHK,
	RXLANE_A_SPOOF_DROPS,

	__RXLANE_A_MAX,
	RXLANE_A_MAX = __RXLANE_A_MAX - 1
};

/* In RXLANE_A_ADDRS: IPv4 (4 bytes) or IPv6 (16 bytes), network order. */
enum rxlane_addr_attr {
	RXLANE_ADDR_UNSPEC,
	RXLANE_ADDR_IN,
	RXLANE_ADDR_IN6,

	__RXLANE_ADDR_MAX,
	RXLANE_ADDR_MAX = __RXLANE_ADDR_MAX - 1
};

/**
 * enum rxlane_rule_attr - an allow rule (in RXLANE_A_RULE)
 * @RXLANE_RULE_UNSPEC:	   unused
 * @RXLANE_RULE_PROTO:	   u8, IPPROTO_TCP or IPPROTO_UDP (required)
 * @RXLANE_RULE_DPORT_MIN: u16, first destination port (required)
 * @RXLANE_RULE_DPORT_MAX: u16, last destination port (default: MIN)
 * @RXLANE_RULE_SRC_IN:	   4 bytes, IPv4 source prefix address
 * @RXLANE_RULE_SRC_IN6:   16 bytes, IPv6 source prefix address
 * @RXLANE_RULE_SRC_PLEN:  u8, its length (0..32 or 0..128; default: all)
 * @RXLANE_RULE_ID:	   u32, reply only: the rule's id
 * @RXLANE_RULE_ENTRIES:   u32, reply only: NIC entries it took
 */
enum rxlane_rule_attr {
	RXLANE_RULE_UNSPEC,
	RXLANE_RULE_PROTO,
	RXLANE_RULE_DPORT_MIN,
	RXLANE_RULE_DPORT_MAX,
	RXLANE_RULE_SRC_IN,
	RXLANE_RULE_SRC_IN6,
	RXLANE_RULE_SRC_PLEN,
	RXLANE_RULE_ID,
	RXLANE_RULE_ENTRIES,

	__RXLANE_RULE_MAX,
	RXLANE_RULE_MAX = __RXLANE_RULE_MAX - 1
};

/**
 * enum rxlane_entry_attr - one NIC entry (RXLANE_ENTRY in RXLANE_A_ENTRIES)
 * @RXLANE_ENTRY_UNSPEC:   unused
 * @RXLANE_ENTRY_LOC:	   u32, its ethtool location (ethtool -n)
 * @RXLANE_ENTRY_KIND:	   u8, enum rxlane_entry_kind
 * @RXLANE_ENTRY_RULE_ID:  u32, the rule it comes from (ALLOW only)
 * @RXLANE_ENTRY_HITS:	   u64, frames it matched, as the NIC counts them
 *	(absent when the NIC does not report per-entry hits)
 * @RXLANE_ENTRY_PAD:	   padding of 64-bit attributes
 */
enum rxlane_entry_attr {
	RXLANE_ENTRY_UNSPEC,
	RXLANE_ENTRY_LOC,
	RXLANE_ENTRY_KIND,
	RXLANE_ENTRY_RULE_ID,
	RXLANE_ENTRY_HITS,
	RXLANE_ENTRY_PAD,

	__RXLANE_ENTRY_MAX,
	RXLANE_ENTRY_MAX = __RXLANE_ENTRY_MAX - 1
};

/* The nest type of each entry in RXLANE_A_ENTRIES. */
#define RXLANE_ENTRY	1

#endif /* _UAPI_RXLANE_GENL_H */
