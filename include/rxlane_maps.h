/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rxlane_maps.h - map keys and values shared by the XDP fast path (bpf/)
 * and userspace (user/).
 *
 * Plain __u8/__u16/__u32/__u64 only, no pointers, no bitfields, explicit
 * padding: the same bytes mean the same thing on both sides. Every struct's
 * size is pinned with _Static_assert. Addresses and the VNI-bearing fields
 * are in network byte order; ports, counts and indices in host order.
 *
 * Layout summary (see Documentation/fastpath.rst):
 *
 *   rxl_config      ARRAY[1]       struct rxl_config
 *   rxl_vteps       ARRAY[RXL_MAX_VTEPS] struct rxl_vtep, packed from 0
 *   rxl_vnis        ARRAY[RXL_VNI_WORDS] __u64: bitmap of known VNIs/VSIDs
 *   rxl_addrs4      HASH  __be32   -> struct rxl_addr_val (container id)
 *   rxl_addrs6      HASH  rxl_in6  -> struct rxl_addr_val
 *   rxl_conts       ARRAY[container id] struct rxl_cont_slot, mmapable,
 *                   sized by max-containers: two buffers of a
 *                   container's value (with the port segments of its
 *                   TCP/UDP rules from anywhere), the word saying
 *                   which is live, and the counts of its retired sets
 *   rxl_acache_sel  ARRAY[RXL_ACACHE_SLOTS] __u64, mmapable: which buffer
 *                   of a slot is live (0 none, 1 or 2)
 *   rxl_acache      ARRAY[2 * RXL_ACACHE_SLOTS] struct rxl_acache_ent:
 *                   a direct-mapped copy of the address maps (address
 *                   -> container id), two buffers per slot
 *   rxl_rules4      HASH  rxl_rule4_key -> struct rxl_rule_val, sized
 *   rxl_rules6      HASH  rxl_rule6_key -> struct rxl_rule_val, sized
 *   rxl_tx_ports    DEVMAP[container id] -> ifindex (XDP_REDIRECT target;
 *                   not pinned by the object, see bpf/rxl_maps.h)
 *   rxl_rule_cnt    PERCPU_ARRAY[rule slot]    -> struct rxl_counter, sized
 *   (sized: max_entries RXL_RULE_SLOTS(max-rules), chosen at load)
 *   rxl_cont_cnt    PERCPU_ARRAY[container id] -> struct rxl_cont_counter:
 *                   the packets no rule judged (a rule's count in
 *                   rxl_rule_cnt stands for its container's too), sized
 *                   by max-containers, as are rxl_tx_ports and the
 *                   anti-spoofing maps below
 *   rxl_drops       PERCPU_ARRAY[RXL_DROP_*]   -> __u64 packets
 *   rxl_stats       PERCPU_ARRAY[RXL_STAT_*]   -> __u64 packets
 */
#ifndef _RXLANE_MAPS_H
#define _RXLANE_MAPS_H

#include <linux/types.h>

/* ---- capacities (max_entries) ------------------------------------------ */
#define RXL_MAX_VTEPS		16	/* scanned in order: keep few */
#define RXL_MAX_ADDRS		16384
/*
 * Containers: the maps indexed by container id (rxl_conts, rxl_cont_cnt,
 * rxl_tx_ports, rxl_cont_port, rxl_spoof_cnt) and rxl_ports are sized at
 * load for a number of ids ('rxlane attach DEV max-containers N'): ids
 * are 0..N-1. The counters are allocated whole for every possible CPU:
 * N x 48 bytes per CPU (192 KiB at the default). The values (rxl_conts)
 * once: N x 1,384 bytes (5.4 MiB at the default, 86.5 MiB at 65,536).
 */
#define RXL_DEFAULT_CONTAINERS	4096	/* max-containers when attach gives none */
#define RXL_MAX_CONTAINERS	65536	/* highest max-containers */
/*
 * Rules: the rule keys (per family) and the per-CPU rule counters are
 * sized at load for a number of rules in all containers together
 * ('rxlane attach DEV max-rules N', Documentation/cli.rst). A replaced set
 * and its successor hold keys and counter slots at once, so the maps get
 * RXL_RULE_SLOTS(N) entries; the limit is read back from them with
 * RXL_RULES_OF_SLOTS(). The counters are allocated whole for every
 * possible CPU: 2 x N x 16 bytes per CPU (256 KiB at the default).
 */
#define RXL_DEFAULT_RULES	8192	/* max-rules when attach gives none */
#define RXL_MAX_RULES		(1U << 20)	/* highest max-rules */
#define RXL_RULE_SLOTS(rules)	(2 * (rules))
#define RXL_RULES_OF_SLOTS(slots)	((slots) / 2)
#define RXL_MAX_RULE_KEYS	RXL_RULE_SLOTS(RXL_MAX_RULES)	/* per family */
#define RXL_MAX_RULE_SLOTS	RXL_RULE_SLOTS(RXL_MAX_RULES)	/* all sets */

/* Distinct (prefix length, protocol-or-any) shapes per family in one set. */
#define RXL_MAX_SHAPES		8
/* Disjoint destination-port segments under one (prefix, protocol) key. */
#define RXL_MAX_SEGS		8

/* Default UDP ports when rxl_config leaves them 0. */
#define RXL_VXLAN_PORT		4789
#define RXL_GENEVE_PORT		6081

/* ---- tunnel types (VNI bitmap, VTEP masks) ------------------------------ */
enum rxl_tun_type {
	RXL_TUN_VXLAN	= 1,
	RXL_TUN_GENEVE	= 2,
	RXL_TUN_NVGRE	= 3,
};

#define RXL_TUN_BIT(t)		(1U << (t))
#define RXL_TUN_ALL		(RXL_TUN_BIT(RXL_TUN_VXLAN) | \
				 RXL_TUN_BIT(RXL_TUN_GENEVE) | \
				 RXL_TUN_BIT(RXL_TUN_NVGRE))

/* ---- configuration ------------------------------------------------------ */
/* Traffic to an address that is no container's is dropped, not passed. */
#define RXL_CFG_NO_CONTAINER_DROP	(1U << 0)

struct rxl_config {
	__u16 vxlan_port;	/* host order, 0 = RXL_VXLAN_PORT */
	__u16 geneve_port;	/* host order, 0 = RXL_GENEVE_PORT */
	__u32 flags;		/* RXL_CFG_* */
	/*
	 * How many containers rxl_ports binds by their MAC (user/fw_port.c):
	 * while 0, the tc egress program skips the uplink's pairing check
	 * (rxl_tc_unpaired()). Raised before such a binding is written and
	 * recounted after each change, so a killed change leaves it too
	 * high (the check runs), never too low.
	 */
	__u32 mac_bound;
};
_Static_assert(sizeof(struct rxl_config) == 12, "rxl_config size");

/*
 * A local VTEP address. Slots are used from 0 up with no hole; the first
 * slot with tun_mask 0 ends the list (a scan of a few slots is cheaper
 * than a hash lookup for the handful of VTEPs a host has).
 */
struct rxl_vtep {
	__u32 tun_mask;		/* RXL_TUN_BIT()s accepted; 0: end of list */
	__u32 family;		/* 4 or 6 */
	__u8 addr[16];		/* IPv4: first 4 bytes */
};
_Static_assert(sizeof(struct rxl_vtep) == 24, "rxl_vtep size");

struct rxl_in6 {
	__u8 addr[16];
};
_Static_assert(sizeof(struct rxl_in6) == 16, "rxl_in6 size");

/*
 * Known VNIs (VXLAN, GENEVE) and VSIDs (NVGRE): one bit each, 2^24 per
 * tunnel type, in __u64 words: an array lookup instead of a hash lookup
 * on the hot path.
 */
#define RXL_VNI_WORD_BITS	18	/* 2^24 VNIs / 64 bits per word */
#define RXL_VNI_WORDS		(3U << RXL_VNI_WORD_BITS)

static inline __u32 rxl_vni_word(__u32 type, __u32 vni)
{
	return ((type - 1) << RXL_VNI_WORD_BITS) | ((vni & 0xffffff) >> 6);
}

static inline __u64 rxl_vni_bit(__u32 vni)
{
	return 1ULL << (vni & 63);
}

/* ---- counters (per-CPU) ------------------------------------------------- */
struct rxl_counter {
	__u64 packets;
	__u64 bytes;
};
_Static_assert(sizeof(struct rxl_counter) == 16, "rxl_counter size");

struct rxl_cont_counter {
	struct rxl_counter pass;	/* passed or redirected */
	struct rxl_counter drop;
};
_Static_assert(sizeof(struct rxl_cont_counter) == 32, "rxl_cont_counter size");

/* ---- containers --------------------------------------------------------- */
#define RXL_CONT_DEFAULT_DROP	(1U << 0)	/* default policy: drop */
#define RXL_CONT_REDIRECT	(1U << 1)	/* deliver via rxl_tx_ports[id] */

/*
 * The tunnels a container may be reached through: (tunnel type, VNI)
 * pairs, at most RXL_CONT_MAX_VNIS. A decapsulated frame is delivered
 * only to a container bound to the VNI it came on; a container bound to
 * none is reached from the underlay only (Documentation/fastpath.rst).
 */
#define RXL_CONT_MAX_VNIS	8

/* A binding: tunnel type in the top byte, VNI below; never 0. */
static inline __u32 rxl_cont_vni(__u32 type, __u32 vni)
{
	return (type << 24) | (vni & 0xffffff);
}

/*
 * One rule shape: rules with this prefix length and protocol kind. The
 * source mask is precomputed so the program masks without branching.
 * @protos has the rxl_proto_bit() of every protocol the shape's rules
 * name: the program skips the shape's lookup for a packet whose bit is
 * not in it. 0 means "always look up" (any-protocol shapes, and every
 * shape written by a build from before the field, where it was padding).
 */
struct rxl_shape {
	__u8 plen;		/* source prefix length */
	__u8 any_proto;		/* 1: key protocol is 0 (any) */
	__u16 protos;		/* rxl_proto_bit()s of its rules; 0: all */
	__be32 mask[4];		/* prefix mask; IPv4 uses mask[0] */
};
_Static_assert(sizeof(struct rxl_shape) == 20, "rxl_shape size");

/*
 * The bit of L4 protocol @proto in rxl_shape.protos: a fold of the
 * number into 4 bits, one shift and two ALU operations in the program.
 * TCP (6), UDP (17), ICMP (1) and ICMPv6 (58), all a rule can name, get
 * bits of their own (6, 0, 1, 9); a protocol sharing a bit with one of
 * them only costs a lookup that misses.
 */
static inline __u16 rxl_proto_bit(__u8 proto)
{
	return 1U << ((proto ^ (proto >> 4)) & 15);
}

/* Records in @sh that one of its rules names @proto (0: any protocol). */
static inline void rxl_shape_add_proto(struct rxl_shape *sh, __u8 proto)
{
	if (proto)
		sh->protos |= rxl_proto_bit(proto);
}

/* rxl_container.any: IPv4 TCP, IPv4 UDP, IPv6 TCP, IPv6 UDP. */
#define RXL_ANY_VALS		4
#define RXL_ANY_BIT(i)		(1U << (i))

/* Destination ports [lo, hi] (host order) decide by rule @rule. */
struct rxl_seg {
	__u16 lo;
	__u16 hi;
	__u32 rule;
};
_Static_assert(sizeof(struct rxl_seg) == 8, "rxl_seg size");

/*
 * All rules of a set with one (source prefix, protocol) resolved by
 * userspace into sorted disjoint port segments, plus the rule that judges
 * packets without ports (ICMP, other protocols, non-first fragments): the
 * best rule whose port range is the full 0-65535.
 */
struct rxl_rule_val {
	__u32 nsegs;		/* <= RXL_MAX_SEGS */
	__u32 portless;		/* rule reference or RXL_NO_RULE */
	struct rxl_seg segs[RXL_MAX_SEGS];
};
_Static_assert(sizeof(struct rxl_rule_val) == 8 + 8 * RXL_MAX_SEGS,
	       "rxl_rule_val size");

/*
 * The port summary of a set (rxl_container.sum): per protocol, at most
 * RXL_SUM_RANGES ranges of destination ports. Userspace merges ranges to
 * stay within it (bridging the narrowest gap: a superset stays correct,
 * it only skips less).
 */
#define RXL_SUM_TCP		0
#define RXL_SUM_UDP		1
#define RXL_SUM_PROTOS		2
#define RXL_SUM_RANGES		4

struct rxl_port_range {
	__u16 lo;
	__u16 hi;
};
_Static_assert(sizeof(struct rxl_port_range) == 4, "rxl_port_range size");

/*
 * The value of a container, found through its id (struct rxl_cont_slot).
 * It carries the active rule set (its tag, counter base and shapes), so
 * making another copy of it live flips the whole rule set of every
 * address of the container at once.
 */
struct rxl_container {
	__u32 id;		/* < max-containers: counters, devmap */
	__u32 set;		/* rule-key tag of the active set */
	__u32 rule_base;	/* first slot of the set in rxl_rule_cnt */
	__u32 nrules;		/* rules in the active set */
	__u32 flags;		/* RXL_CONT_* */
	__u8 nshapes4;		/* ingress shapes: shapes4[0, nshapes4) */
	__u8 nshapes6;
	__u8 nvnis;		/* <= RXL_CONT_MAX_VNIS */
	__u8 nout;		/* egress shapes, rxl_nout4() and rxl_nout6() */
	__u32 vnis[RXL_CONT_MAX_VNIS];	/* rxl_cont_vni() bindings */
	/*
	 * The port summary of the active set (rxl_port_unruled()): for
	 * protocol RXL_SUM_TCP / RXL_SUM_UDP whose bit is in @sum_valid,
	 * the destination ports that ANY ingress rule of the set (allow or
	 * drop, every family and prefix) can match lie in @sum[i][0,
	 * sum_n[i]), sorted, disjoint ranges: a superset, never less. A
	 * packet of that protocol whose port is in none was judged by no
	 * rule: the fast path skips the judgement. A bit clear (a rule of
	 * any protocol, a zeroed value) means "judge as always". It flips
	 * with the value, as the rules do.
	 */
	__u8 sum_valid;
	__u8 sum_n[RXL_SUM_PROTOS];
	__u8 sum_pad;
	struct rxl_port_range sum[RXL_SUM_PROTOS][RXL_SUM_RANGES];
	struct rxl_shape shapes4[RXL_MAX_SHAPES];
	struct rxl_shape shapes6[RXL_MAX_SHAPES];
	/*
	 * The highest rank of the set's rules. A rule key may name a rank
	 * past it only while an append extends live keys in place (one
	 * family's key after the other's): such a rule is not live until
	 * this value, which brings the new last_rank, is (rxl_live_rule()).
	 */
	__u32 last_rank;
	/*
	 * Ingress rules from anywhere (source /0) of TCP and UDP: their port
	 * segments, resolved as a rule key's value would be, live here and
	 * not in rxl_rules4/6 (rxl_any_idx()). The judge reads them from the
	 * value it already holds (no hash lookup), and they flip with it.
	 * Only the entries whose RXL_ANY_BIT() is in @any_mask are read: a
	 * zeroed value has none. Such rules form no shape.
	 */
	__u32 any_mask;
	struct rxl_rule_val any[RXL_ANY_VALS];
};
_Static_assert(sizeof(struct rxl_container) ==
	       28 + 4 * RXL_CONT_MAX_VNIS +
	       4 + 4 * RXL_SUM_PROTOS * RXL_SUM_RANGES + 2 * 8 * 20 + 4 +
	       RXL_ANY_VALS * (8 + 8 * RXL_MAX_SEGS), "rxl_container size");

/*
 * The entry of rxl_container.any for an ingress /0 rule of @family (4 or
 * 6) and protocol @proto (6 TCP or 17 UDP; -1 for any other protocol,
 * whose /0 rules stay rule keys).
 */
static inline int rxl_any_idx(int family, __u8 proto)
{
	int i = family == 6 ? 2 : 0;

	if (proto == 6)
		return i;
	return proto == 17 ? i + 1 : -1;
}

/*
 * Egress ("out") rule shapes share a family's RXL_MAX_SHAPES with the
 * ingress ones, from the other end of the array: out shape i is
 * shapes4[RXL_MAX_SHAPES - 1 - i]. Their counts are the nibbles of
 * rxl_container.nout (0 in a value written before out rules), so the
 * ingress program reads exactly what it read before
 * (Documentation/conntrack.rst, "Egress rules").
 */
#define RXL_OUT_SHAPE(i)	(RXL_MAX_SHAPES - 1 - (i))

static inline __u32 rxl_nout4(const struct rxl_container *c)
{
	return c->nout & 15;
}

static inline __u32 rxl_nout6(const struct rxl_container *c)
{
	return c->nout >> 4;
}

/*
 * A container's value, double-buffered: the program reads buf[live - 1]
 * (live 0: no container has this id). Userspace writes the buffer that
 * is not live through its mapping of rxl_conts, makes it live with one
 * aligned 8-byte store into @live and waits for an RCU grace period
 * before it writes the other buffer again: a packet judges by the old
 * value or the new one, whole, on every address of the container at once
 * (Documentation/fastpath.rst, "Atomic replacement").
 */
#define RXL_CONT_LIVE_NONE	0

/*
 * @folded: what the container's rule sets that are no longer live judged
 * (its ingress rules' counts, allow rules as pass, drop rules as drop),
 * added when a replace retires a set. Userspace only: no program reads
 * or writes it. The program counts a packet a rule judged on the rule
 * alone (rxl_rule_cnt); a container's pass and drop totals are
 * rxl_cont_cnt (what no rule judged) + @folded + its live set's ingress
 * rule counters (user/fw_stats.c, Documentation/fastpath.rst "Counters").
 */
struct rxl_cont_slot {
	__u64 live;		/* 0 none, 1 buf[0], 2 buf[1] */
	struct rxl_container buf[2];
	struct rxl_cont_counter folded;
};
_Static_assert(sizeof(struct rxl_cont_slot) ==
	       8 + 2 * sizeof(struct rxl_container) +
	       sizeof(struct rxl_cont_counter), "rxl_cont_slot size");
_Static_assert(sizeof(struct rxl_cont_slot) % 8 == 0,
	       "rxl_cont_slot keeps @live 8-byte aligned in the array");

/*
 * The value of an address in rxl_addrs4/6: only the container's id, so an
 * address changes only when it comes or goes, never with the rules.
 */
struct rxl_addr_val {
	__u32 id;
};
_Static_assert(sizeof(struct rxl_addr_val) == 4, "rxl_addr_val size");

/* ---- address cache ---------------------------------------------------- */
/*
 * A hash map lookup is the dearest step of the fast path (a call into
 * the map, jhash, and a memcmp call: about 40 ns of a 170 ns VXLAN path
 * here). The address cache answers the same question with two inlined
 * array reads: slot rxl_acache_slot() of the packet's destination holds,
 * in one of its two buffers, one address and its container's id. An
 * address whose slot another address holds is found in rxl_addrs4/6
 * instead, which stay the source of truth (user/fw.c keeps both).
 *
 * Atomicity: the program never writes the cache. Userspace writes the
 * buffer that is not live, then makes it live with one aligned 8-byte
 * store into rxl_acache_sel (through mmap), then waits for an RCU grace
 * period before the other buffer may be written again: a packet reads
 * either the old copy or the new one, whole.
 */
#define RXL_ACACHE_BITS		13
#define RXL_ACACHE_SLOTS	(1U << RXL_ACACHE_BITS)

struct rxl_acache_ent {
	__u32 family;		/* 4 or 6 */
	__u8 addr[16];		/* IPv4: first 4 bytes, rest 0 */
	struct rxl_addr_val v;	/* its container */
};
_Static_assert(sizeof(struct rxl_acache_ent) == 24, "rxl_acache_ent size");

/*
 * Slot of an address, from its bytes as they lie in memory (the program
 * and userspace run on the same host): a multiplicative hash whose top
 * bits are the slot. An IPv6 address's words are folded as a polynomial,
 * not by XOR, which would put fd00:1::2 and fd00:2::1 in one slot.
 */
#define RXL_ACACHE_MUL		0x9e3779b1U

static inline __u32 rxl_acache_hash(__u32 fold)
{
	return (fold * RXL_ACACHE_MUL) >> (32 - RXL_ACACHE_BITS);
}

static inline __u32 rxl_acache_slot4(__u32 addr_raw)
{
	return rxl_acache_hash(addr_raw);
}

static inline __u32 rxl_acache_slot6(const __u32 w[4])
{
	return rxl_acache_hash(((w[0] * RXL_ACACHE_MUL + w[1]) * RXL_ACACHE_MUL +
				w[2]) * RXL_ACACHE_MUL + w[3]);
}

/* ---- rules -------------------------------------------------------------- */
/*
 * A rule reference: its rank in the set (0 = matched first, from priority
 * then order of definition) with RXL_RULE_DROP set for a drop rule. The
 * lowest rank over all matching keys wins.
 */
#define RXL_RULE_DROP		(1U << 31)
#define RXL_RULE_RANK		(~RXL_RULE_DROP)
#define RXL_NO_RULE		0xffffffffU	/* rank loses to every rule */

/*
 * The direction of a rule key. An in rule's src is the packet's source
 * (the peer sending to the container), an out rule's the packet's
 * destination (the peer the container sends to): both name the peer.
 */
#define RXL_RULE_IN		0
#define RXL_RULE_OUT		1

/*
 * A rule set's tag is 40 bits: the key's set, (id & RXL_TAG_ID_MASK) <<
 * 20 | generation (rxl_container.set), and the key's set_hi, the id's
 * high bits (id >> RXL_TAG_ID_BITS), which the programs take from
 * rxl_container.id. set_hi was a pad byte, always 0: ids below 4096 keep
 * the keys of older builds, and higher ids never meet them.
 */
#define RXL_TAG_ID_BITS		12
#define RXL_TAG_ID_MASK		((1U << RXL_TAG_ID_BITS) - 1)
_Static_assert((RXL_MAX_CONTAINERS - 1) >> RXL_TAG_ID_BITS <= 0xff,
	       "the id's high bits fit set_hi");

struct rxl_rule4_key {
	__u32 set;		/* rxl_container.set */
	__u32 src;		/* source address & prefix mask (be) */
	__u8 plen;
	__u8 proto;		/* IPPROTO_*, 0 = any */
	__u8 dir;		/* RXL_RULE_IN or RXL_RULE_OUT */
	__u8 set_hi;		/* rxl_container.id >> RXL_TAG_ID_BITS */
};
_Static_assert(sizeof(struct rxl_rule4_key) == 12, "rxl_rule4_key size");

struct rxl_rule6_key {
	__u32 set;
	__u8 src[16];
	__u8 plen;
	__u8 proto;
	__u8 dir;
	__u8 set_hi;
};
_Static_assert(sizeof(struct rxl_rule6_key) == 24, "rxl_rule6_key size");

/* ---- drop reasons and events (per-CPU counters) ------------------------ */
/* Why a packet was dropped: index of rxl_drops. */
enum rxl_drop_reason {
	RXL_DROP_L2_TRUNC,	/* Ethernet or VLAN header past the frame */
	RXL_DROP_VLAN_DEPTH,	/* more than RXL_VLAN_MAX_DEPTH tags */
	RXL_DROP_IP_VERSION,	/* version field disagrees with ethertype */
	RXL_DROP_IPV4_TRUNC,	/* IPv4 header (with options) past the frame */
	RXL_DROP_IPV4_IHL,	/* IHL below 5 */
	RXL_DROP_IPV4_LEN,	/* total length < header or past the frame */
	RXL_DROP_IPV6_TRUNC,	/* fixed IPv6 header past the frame */
	RXL_DROP_IPV6_LEN,	/* payload length past the frame */
	RXL_DROP_EXTHDR_TRUNC,	/* an extension header past the packet */
	RXL_DROP_EXTHDR_CHAIN,	/* more than RXL_IPV6_MAX_EXTHDRS headers */
	RXL_DROP_HDR_DEPTH,	/* L4 header starts past RXL_MAX_L4_OFF */
	RXL_DROP_L4_TRUNC,	/* TCP/UDP/ICMP header past the packet */
	RXL_DROP_TCP_DOFF,	/* TCP data offset below 5 or past packet */
	RXL_DROP_FRAG_TINY,	/* first fragment without the whole L4 hdr */
	RXL_DROP_OUTER_FRAG,	/* fragmented tunnel packet to our VTEP */
	RXL_DROP_VXLAN_BAD,	/* VXLAN without the I flag */
	RXL_DROP_GENEVE_BAD,	/* GENEVE version != 0 or not Ethernet */
	RXL_DROP_GENEVE_OPTLEN,	/* GENEVE options past the packet */
	RXL_DROP_NVGRE_BAD,	/* NVGRE without key, or bad version/flags */
	RXL_DROP_TUNNEL_TRUNC,	/* tunnel header or inner frame truncated */
	RXL_DROP_UNKNOWN_VNI,	/* VNI/VSID not configured */
	RXL_DROP_TUNNEL_TYPE,	/* tunnel type not enabled on this VTEP */
	RXL_DROP_NO_CONTAINER,	/* no container (RXL_CFG_NO_CONTAINER_DROP) */
	RXL_DROP_RULE,		/* a drop rule matched */
	RXL_DROP_DEFAULT,	/* no rule matched, default policy drop */
	RXL_DROP_ADJUST,	/* bpf_xdp_adjust_head failed */
	RXL_DROP_TUNNEL_NO_CONTAINER,	/* decapped frame: no container */
	RXL_DROP_VNI_NOT_BOUND,	/* container not bound to the frame's VNI */
	RXL_DROP_GENEVE_CRITICAL,	/* GENEVE C bit: critical options */
	RXL_DROP_GENEVE_OAM,	/* GENEVE O bit: a control message */
	RXL_DROP_FRAG_NO_FIRST,	/* later fragment, no first fragment passed */
	RXL_DROP_TCP_FLAGS,	/* TCP flags no stack sends (SYN+FIN, NULL,
				 * Xmas...), judged with the ct table */
	RXL_DROP__MAX,
};

/*
 * Events that are not drops: index of rxl_stats. Packets an allow rule
 * passed are counted by the rule (rxl_rule_cnt), not here.
 */
enum rxl_stat {
	RXL_STAT_DECAP_VXLAN,
	RXL_STAT_DECAP_GENEVE,
	RXL_STAT_DECAP_NVGRE,
	RXL_STAT_PASS_NON_IP,	/* ARP, other ethertypes: untouched */
	RXL_STAT_PASS_HOST,	/* IP to no container: untouched */
	RXL_STAT_PASS_ND,	/* IPv6 neighbour discovery: never filtered */
	RXL_STAT_DEFAULT_ALLOW,	/* no rule matched, default policy allow */
	RXL_STAT_REDIRECT,	/* XDP_REDIRECT to the container's port */
	RXL_STAT_FRAG_PORTLESS,	/* non-first fragment judged without ports */
	RXL_STAT_ACACHE_MISS,	/* container found past the address cache */
	RXL_STAT_FRAG_FOLLOWED,	/* later fragment passed after its first */
	RXL_STAT__MAX,
};

/* ---- fragments (Documentation/conntrack.rst, "Fragments") -------------- */
/*
 *   rxl_frag4       LRU_HASH rxl_frag4_key -> struct rxl_frag_val: the
 *                   first fragment of each datagram that passed (XDP
 *                   ingress or tc egress); its later fragments follow it
 *   rxl_frag6       LRU_HASH rxl_frag6_key -> struct rxl_frag_val: the
 *                   same for IPv6 (the fragment header's identification)
 */
#define RXL_FRAG_ENTRIES	8192
/* Nanoseconds a first fragment's later fragments may follow it. */
#define RXL_FRAG_TIMEOUT_NS	(5 * 1000000000ULL)

/* One datagram: RFC 791 names it by (source, destination, id, protocol). */
struct rxl_frag4_key {
	__be32 saddr;
	__be32 daddr;
	__be16 id;		/* as on the wire */
	__u8 proto;
	__u8 pad;
};
_Static_assert(sizeof(struct rxl_frag4_key) == 12, "rxl_frag4_key size");

/*
 * One IPv6 datagram: RFC 8200 names it by (source, destination,
 * identification); the fragment header's next header is part of the key
 * too, as the protocol is of rxl_frag4_key (Linux writes the same value
 * in every fragment of a datagram).
 */
struct rxl_frag6_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__be32 id;		/* the fragment header's, as on the wire */
	__u8 nexthdr;		/* the fragment header's next header */
	__u8 pad[3];
};
_Static_assert(sizeof(struct rxl_frag6_key) == 40, "rxl_frag6_key size");

/*
 * The overlay path is the first fragment's: its binding and remote VTEP,
 * as struct rxl_ct_val holds them (0 for a fragment of no tunnel). A
 * later fragment follows only along the same path (bpf/rxl_frag.h). 16
 * bytes before it (no path): pins of that layout are refused at attach.
 */
struct rxl_frag_val {
	__u64 expires;		/* bpf_ktime_get_coarse_ns() */
	__u32 zone;		/* the container whose first fragment passed */
	__u32 tun;		/* its binding (rxl_cont_vni()), 0: none */
	__u8 vtep[16];		/* its remote VTEP (IPv4: ::ffff:a.b.c.d) */
};
_Static_assert(sizeof(struct rxl_frag_val) == 32, "rxl_frag_val size");

/* ---- connection tracking (Documentation/conntrack.rst) ----------------- */
/*
 *   rxl_ct4         LRU_HASH rxl_ct4_key -> struct rxl_ct_val, sized at attach
 *   rxl_ct6         LRU_HASH rxl_ct6_key -> struct rxl_ct_val, sized at attach
 *   rxl_ct4_half    LRU_HASH rxl_ct4_key -> struct rxl_ct_val: half-open
 *   rxl_ct6_half    LRU_HASH rxl_ct6_key -> struct rxl_ct_val  entries,
 *                   moved to rxl_ct4/6 once assured (the opener's packet
 *                   after an answer); sized at attach ('ct-half-open N')
 *   rxl_ct_timeouts ARRAY[1] struct rxl_ct_timeouts
 *   rxl_ct_stats    PERCPU_ARRAY[RXL_CT_STAT_*] -> __u64 packets
 */
/* The container's egress default policy is drop (tracked flows only). */
#define RXL_CONT_EGRESS_DROP	(1U << 2)

#define RXL_CT_DEFAULT_ENTRIES	65536	/* per family, 'attach ct-size N' */
#define RXL_CT_MAX_ENTRIES	(1U << 24)
/* Half-open entries per family, 'attach ct-half-open N' (same maximum). */
#define RXL_CT_DEFAULT_HALF_OPEN	8192
/* An entry's expiry is rewritten only when it would move by more. */
#define RXL_CT_REFRESH_NS	1000000000ULL
/*
 * TCP sequence bounds (Documentation/conntrack.rst, "Sequence numbers"):
 * an RST or FIN is plausible when its sequence number lies at most
 * RXL_CT_SEQ_BEHIND before or RXL_CT_SEQ_AHEAD after its sender's
 * recorded next sequence (rxl_ct_val.nxt); that record is rewritten only
 * when a plausible segment moves it by more than RXL_CT_SEQ_SLACK.
 */
#define RXL_CT_SEQ_BEHIND	(1U << 20)
#define RXL_CT_SEQ_AHEAD	(1U << 20)
#define RXL_CT_SEQ_SLACK	(1U << 16)

/*
 * Keys are oriented by the container: local is its address and port,
 * remote the peer's, whichever way the packet goes. ICMP echo: lport is
 * the identifier, rport 0. Ports in host order. zone: the container id.
 */
struct rxl_ct4_key {
	__u32 zone;
	__be32 local;
	__be32 remote;
	__u16 lport;
	__u16 rport;
	__u8 proto;
	__u8 pad[3];
};
_Static_assert(sizeof(struct rxl_ct4_key) == 20, "rxl_ct4_key size");

struct rxl_ct6_key {
	__u32 zone;
	__u8 local[16];
	__u8 remote[16];
	__u16 lport;
	__u16 rport;
	__u8 proto;
	__u8 pad[3];
};
_Static_assert(sizeof(struct rxl_ct6_key) == 44, "rxl_ct6_key size");

/* Connection states; also the index of a timeout in rxl_ct_timeouts. */
enum rxl_ct_state {
	RXL_CT_NONE,
	RXL_CT_SYN_SENT,	/* SYN seen, no answer yet */
	RXL_CT_ESTABLISHED,	/* handshake done: the opener's ACK */
	RXL_CT_FIN_WAIT,	/* FIN from one side */
	RXL_CT_TIME_WAIT,	/* FINs from both sides */
	RXL_CT_CLOSE,		/* RST */
	RXL_CT_UDP,		/* UDP, unanswered */
	RXL_CT_UDP_STREAM,	/* UDP, answered */
	RXL_CT_ICMP,		/* ICMP echo */
	/*
	 * The other side answered the SYN (SYN-ACK), the opener has not
	 * acknowledged it yet (nf_conntrack's SYN_RECV). Last, so that the
	 * states above keep their values.
	 */
	RXL_CT_SYN_RECV,
	RXL_CT_STATE__MAX,
};

/* Who opened the connection (rxl_ct_val.opener); bits of fin_seen. */
#define RXL_CT_OUT		1	/* the container (egress) */
#define RXL_CT_IN		2	/* the peer (ingress) */

/*
 * An entry. @tun and @vtep, the overlay path (Documentation/conntrack.rst,
 * "The tunnel in an entry"), were added at the end (the 16-byte value
 * had @pad[5] where @pad and @tun are now): a flow tracked through a
 * tunnel matches only packets of the same binding and remote VTEP, a flow
 * of the underlay only packets of no tunnel. Pins of the 16-byte layout
 * are refused at attach (detach every device, remove the pins).
 */
struct rxl_ct_val {
	__u64 expires;		/* bpf_ktime_get_coarse_ns() */
	__u8 state;		/* enum rxl_ct_state */
	__u8 opener;		/* RXL_CT_OUT or RXL_CT_IN */
	__u8 fin_seen;		/* RXL_CT_OUT | RXL_CT_IN */
	/*
	 * TCP: the directions (RXL_CT_OUT | RXL_CT_IN) whose @nxt is
	 * recorded. Was a pad byte, zero in entries an older build wrote:
	 * their RSTs and FINs are judged as before (any sequence number).
	 */
	__u8 seq_known;
	__u32 tun;		/* the binding (rxl_cont_vni()), 0: no tunnel */
	/* The remote VTEP with @tun: IPv6, or IPv4 mapped (::ffff:a.b.c.d). */
	__u8 vtep[16];
	/*
	 * TCP, host order: per direction ([0] RXL_CT_OUT, [1] RXL_CT_IN),
	 * the sender's next sequence number (sequence + payload + SYN +
	 * FIN) seen, written only when it moves by more than
	 * RXL_CT_SEQ_SLACK. The SYN's and the SYN-ACK's (ISN + 1) are exact:
	 * the opener's ACK must acknowledge the answerer's to establish the
	 * entry. An RST or FIN changes the entry only when its sequence
	 * number lies within RXL_CT_SEQ_BEHIND / RXL_CT_SEQ_AHEAD of its
	 * sender's (Documentation/conntrack.rst, "Sequence numbers").
	 * Was @isn (the SYN-ACK's sequence number, network order) and @pad2:
	 * the same 40 bytes. Pins of the 32-byte layout are refused at
	 * attach (detach every device, remove the pins).
	 */
	__u32 nxt[2];
};
_Static_assert(sizeof(struct rxl_ct_val) == 40, "rxl_ct_val size");

/*
 * Seconds per state; 0: the default (nf_conntrack's). Room for
 * RXL_CT_TIMEOUT_SLOTS states, more than there are: a state added later
 * does not change the pinned map's value size (adding syn_recv to the
 * 9-slot array did, so pins of that layout are refused at attach).
 */
#define RXL_CT_TIMEOUT_SLOTS	16

struct rxl_ct_timeouts {
	__u32 sec[RXL_CT_TIMEOUT_SLOTS];
};
_Static_assert(sizeof(struct rxl_ct_timeouts) == 64, "rxl_ct_timeouts size");
_Static_assert(RXL_CT_STATE__MAX <= RXL_CT_TIMEOUT_SLOTS,
	       "rxl_ct_timeouts slots");

static inline __u32 rxl_ct_default_timeout(__u32 state)
{
	switch (state) {
	case RXL_CT_SYN_SENT:		return 120;
	case RXL_CT_SYN_RECV:		return 60;
	case RXL_CT_ESTABLISHED:	return 432000;
	case RXL_CT_FIN_WAIT:		return 120;
	case RXL_CT_TIME_WAIT:		return 120;
	case RXL_CT_CLOSE:		return 10;
	case RXL_CT_UDP:		return 30;
	case RXL_CT_UDP_STREAM:		return 120;
	default:			return 30;	/* ICMP */
	}
}

/* Events of connection tracking: index of rxl_ct_stats. */
enum rxl_ct_stat {
	RXL_CT_STAT_CREATE_OUT,		/* entry made by the container's packet */
	RXL_CT_STAT_CREATE_IN,		/* entry made by an allowed ingress one */
	RXL_CT_STAT_CREATE_FAILED,	/* the table refused an entry */
	RXL_CT_STAT_INGRESS,		/* ingress the rules would drop, passed */
	RXL_CT_STAT_EGRESS,		/* egress packet of a tracked flow */
	RXL_CT_STAT_EGRESS_UNTRACKED,	/* egress allowed, nothing to track */
	RXL_CT_STAT_EGRESS_DROP,	/* no entry: out drop rule or default */
	RXL_CT_STAT_REOPEN,		/* SYN on a closed entry: judged anew */
	RXL_CT_STAT_EXPIRED,		/* entry found past its expiry */
	RXL_CT_STAT_SPOOF,		/* egress not from its container: drop */
	RXL_CT_STAT_RELATED,		/* ICMP error of a tracked flow, passed */
	RXL_CT_STAT_PROMOTE,		/* assured: half-open table -> main */
	RXL_CT_STAT_FRAG_FOLLOWED,	/* egress later fragment after its first */
	RXL_CT_STAT_FRAG_NO_FIRST,	/* egress later fragment, no first: drop */
	/*
	 * The half-open tables' own bookkeeping, for the evictions the LRU
	 * does silently ('ct stats' half_open_evicted: inserted - removed -
	 * flushed - live entries; Documentation/conntrack.rst).
	 */
	RXL_CT_STAT_HALF_INSERTED,	/* a new key written to a half table */
	RXL_CT_STAT_HALF_REMOVED,	/* deleted from it by a promotion */
	RXL_CT_STAT_HALF_FLUSHED,	/* deleted by 'ct flush' (CLI only) */
	RXL_CT_STAT_EGRESS_RELATED,	/* ICMP error the container sent about
					 * a tracked flow, passed where its
					 * egress policy would drop it */
	RXL_CT_STAT_OTHER_PATH,		/* a packet of a tracked flow through
					 * another tunnel or VTEP: judged as
					 * new, the entry left as it was */
	RXL_CT_STAT_SEQ_IGNORED,	/* an RST or FIN out of its sender's
					 * sequence bounds: passed, the entry
					 * left as it was */
	RXL_CT_STAT__MAX,
};

/* ---- anti-spoofing (Documentation/conntrack.rst, "Anti-spoofing") ----- */
/*
 *   rxl_ports       HASH  rxl_port_key -> struct rxl_port: the container a
 *                   device belongs to (its host-side device, 'dev')
 *   rxl_cont_port   ARRAY[container id] -> struct rxl_port_key: its device
 *                   or its MAC (all zeroes: none)
 *   rxl_spoof_cnt   PERCPU_ARRAY[container id] -> struct rxl_counter:
 *                   frames it sent with a source that is not its own
 *
 * A device is named by its ifindex *and* its network namespace's cookie
 * (SO_NETNS_COOKIE): ifindexes are per namespace, and every program
 * instance knows the cookie of the namespace it was attached in.
 *
 * A container without a device but with a MAC is bound by the MAC: its
 * key has ifindex 0 (no device has it) and the MAC in the first 6 bytes
 * of netns, the rest 0. rxl_ports then maps the MAC to the container and
 * rxl_cont_port[id] holds that key: the tc egress program on the uplink
 * checks that MAC and the container's addresses go together
 * (Documentation/conntrack.rst, "Containers without a host-side device").
 * A key of all zeroes is no binding.
 */
#define RXL_MAX_PORTS		RXL_DEFAULT_CONTAINERS	/* sized as the ids */

struct rxl_port_key {
	__u32 ifindex;
	__u32 pad;
	__u64 netns;		/* the namespace's cookie */
};
_Static_assert(sizeof(struct rxl_port_key) == 16, "rxl_port_key size");

#define RXL_PORT_MAC		(1U << 0)	/* mac is set: checked */
/*
 * The key names a container's own interface in its namespace ('port IF
 * netns PATH'), not a host-side device: that namespace is guarded
 * (bpf/rxlane_guard.bpf.c) against sockets that send around tc egress.
 */
#define RXL_PORT_OWN		(1U << 1)

struct rxl_port {
	__u32 id;		/* the container */
	__u8 mac[6];		/* its MAC, when RXL_PORT_MAC */
	__u8 flags;		/* RXL_PORT_* */
	__u8 pad;
};
_Static_assert(sizeof(struct rxl_port) == 12, "rxl_port size");

#endif /* _RXLANE_MAPS_H */
