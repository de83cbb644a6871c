/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fw.h - userspace access to the rxlane XDP fast path's maps: VTEPs, VNIs,
 * containers, rule sets (replaced atomically) and counters.
 *
 * Shared by the rxlane CLI and the tests. Every function returns 0 or a
 * negative errno; on failure rxl_fw_error() says why in words.
 * Mutating calls of maps opened from pins take an exclusive flock on the
 * pin directory, so two processes never interleave their changes; the
 * directory's mode decides who can take it (keep it 0700). Every open
 * path checks each map's type, key and value size, flags and fixed
 * max_entries against this build's layout before using it.
 */
#ifndef _RXLANE_FW_H
#define _RXLANE_FW_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "rxlane_maps.h"

#define RXL_FW_PIN_ROOT		"/sys/fs/bpf/rxlane"	/* rxlane loader */
#define RXL_FW_PIN_IPROUTE	"/sys/fs/bpf/tc/globals"	/* ip link ... xdp */

struct bpf_object;

/* An IPv4 (first 4 bytes used) or IPv6 address. */
struct rxl_addr {
	int family;		/* AF_INET or AF_INET6 */
	__u8 addr[16];
};

/* One firewall rule as the user states it. */
struct rxl_rule {
	__u32 prio;		/* lower is judged first; ties: list order */
	int family;		/* AF_INET, AF_INET6, or AF_UNSPEC: any source */
	__u8 src[16];		/* source prefix (AF_INET: first 4 bytes) */
	__u8 plen;		/* source prefix length */
	__u8 proto;		/* 0 (any), IPPROTO_TCP, _UDP, _ICMP, _ICMPV6 */
	__u16 dport_lo;		/* destination ports, inclusive; */
	__u16 dport_hi;		/* 0-65535 means any */
	bool drop;		/* drop, else allow */
	bool out;		/* egress: src names the destination peer */
};

#define RXL_IDX_FREED	64

struct rxl_fw {
	int config, vteps, vnis, addrs4, addrs6, rules4, rules6;
	int tx_ports, rule_cnt, cont_cnt, drops, stats;
	int acache_sel, acache;		/* the address cache */
	int ports, cont_port, spoof_cnt;	/* anti-spoofing (fw_port.c) */
	int conts;			/* container values (rxl_conts) */
	struct rxl_cont_slot *cont_mem;	/* rxl_conts, mmapped */
	size_t cont_mem_len;
	__u64 *acache_live;		/* rxl_acache_sel, mmapped */
	bool acache_dirty;		/* a slot flipped since the last sync */
	int sync_outer, sync_inner;	/* ARRAY_OF_MAPS: waits for RCU */
	int lock_fd;			/* the pin directory: flocked */
	bool lock_held;			/* ... by the caller, for us */
	int ncpus;
	__u32 rule_slots;		/* max_entries of rxl_rule_cnt */
	__u32 max_conts;		/* ... of rxl_cont_cnt: ids below */
	bool keys_left;			/* a set's keys failed to go */
	bool addrs_left;		/* an old address failed to go */
	bool port_left;			/* an old binding failed to go */
	unsigned long addrs_walked;	/* by rxl_walk_addrs() (tests) */
	unsigned long keys_walked;	/* rule keys read or deleted (tests) */
	unsigned long slots_visited;	/* slot bitmap words read (tests) */
	int idx_fd, idx_state;		/* cli_fw_index (fw_index.c) */
	__u32 idx_freed[RXL_IDX_FREED];	/* cache slots this change freed */
	unsigned int idx_nfreed;
	char err[256];
};

/* Maps of a loaded object (e.g. a skeleton's obj). */
int rxl_fw_open_obj(struct rxl_fw *fw, struct bpf_object *obj);
/* Maps pinned under @dir (RXL_FW_PIN_ROOT or RXL_FW_PIN_IPROUTE). */
int rxl_fw_open_pinned(struct rxl_fw *fw, const char *dir);
/* Maps of XDP program @prog_id, however it was loaded. */
int rxl_fw_open_prog(struct rxl_fw *fw, __u32 prog_id);
/* Maps of the XDP program attached to @ifindex, however it was loaded. */
int rxl_fw_open_ifindex(struct rxl_fw *fw, int ifindex);
void rxl_fw_close(struct rxl_fw *fw);
/*
 * The caller holds an exclusive flock on directory @dir_fd for as long as
 * it uses @fw: if that is the directory @fw's maps are pinned in, @fw's
 * calls take the lock no more (a second open file of the directory would
 * wait for the caller's lock forever). Returns whether it is.
 */
bool rxl_fw_lock_held(struct rxl_fw *fw, int dir_fd);

/* What a map must be to be adopted as the fast path's map @name. */
struct rxl_map_layout {
	const char *name;
	__u32 type;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;	/* 0: a capacity the loader chooses */
	__u32 map_flags;	/* devmaps: BPF_F_RDONLY_PROG aside */
	bool rule_sized;	/* sized at load for max-rules */
	bool cont_sized;	/* sized at load for max-containers */
	bool optional;		/* not every program uses it: may be absent */
};

/* This build's layout of map @name (bpf/rxl_maps.h), or NULL. */
const struct rxl_map_layout *rxl_map_layout(const char *name);
/*
 * 0 when map @fd is laid out as @want; else -EINVAL (-errno when its info
 * cannot be read) and in @why a message naming @where (its pin path) and
 * the first difference.
 */
int rxl_map_check(int fd, const struct rxl_map_layout *want,
		  const char *where, char *why, size_t len);
const char *rxl_fw_error(const struct rxl_fw *fw);

int rxl_fw_set_config(struct rxl_fw *fw, __u16 vxlan_port,
		      __u16 geneve_port, __u32 flags);
int rxl_fw_vtep_add(struct rxl_fw *fw, const struct rxl_addr *a,
		    __u32 tun_mask);
int rxl_fw_vtep_del(struct rxl_fw *fw, const struct rxl_addr *a);
int rxl_fw_vni_add(struct rxl_fw *fw, enum rxl_tun_type type, __u32 vni);
int rxl_fw_vni_del(struct rxl_fw *fw, enum rxl_tun_type type, __u32 vni);

/*
 * A container @id (< @fw->max_conts) with its addresses, an empty rule
 * set and default policy allow. With @redirect_ifindex > 0 its traffic is
 * redirected to that device instead of passed to the stack.
 */
int rxl_fw_container_add(struct rxl_fw *fw, __u32 id,
			 const struct rxl_addr *addrs, unsigned int naddrs,
			 int redirect_ifindex);
int rxl_fw_container_del(struct rxl_fw *fw, __u32 id);

/*
 * Bind container @id to the @n tunnels (rxl_cont_vni(type, vni), at most
 * RXL_CONT_MAX_VNIS) it may be reached through, replacing its bindings:
 * a decapsulated frame reaches it only on one of them. A new container
 * has none: it is reached from the underlay only. Every packet sees the
 * old bindings or the new ones.
 */
int rxl_fw_container_bind(struct rxl_fw *fw, __u32 id, const __u32 *vnis,
			  unsigned int n);

/*
 * Replace container @id's rule set and default policy at once: every packet
 * is judged by the old set or by the new one. The set's rules count in the
 * lowest free counter slots, in rank order (the position of a rule after a
 * stable sort by priority): rxl_fw_rule_slots() says which.
 */
int rxl_fw_rules_replace(struct rxl_fw *fw, __u32 id,
			 const struct rxl_rule *rules, unsigned int nrules,
			 bool default_drop);

/*
 * Append @r to container @id's rule set in place, judged after all its
 * rules: the caller makes sure no rule has a higher priority. Only the keys
 * the rule touches and the container's entries are rewritten; a packet
 * judges by the set with or without @r. -EAGAIN when that cannot be done
 * in place (no free counter slot past the set's, too many port
 * segments, a source shape the set does not have yet) or when earlier
 * rules shadow @r completely (as they do a duplicate): then replace the
 * whole set.
 */
int rxl_fw_rule_append(struct rxl_fw *fw, __u32 id, const struct rxl_rule *r);

/* The same checks without a change: 0 when @r can be appended in place. */
int rxl_fw_rule_append_check(struct rxl_fw *fw, __u32 id,
			     const struct rxl_rule *r);

/* A container as it must be, whatever the fast path holds now. */
struct rxl_cont_spec {
	__u32 id;
	const struct rxl_addr *addrs;	/* 1..64 */
	unsigned int naddrs;
	int redirect_ifindex;		/* > 0: redirect to that device */
	/*
	 * Its own interface in its namespace ('port IF netns PATH'): bound
	 * by that ifindex and the namespace's cookie instead of a host-side
	 * device's (fw_port.c); 0 none.
	 */
	int port_ifindex;
	__u64 port_netns;
	const __u32 *vnis;		/* rxl_cont_vni() bindings */
	unsigned int nvnis;
	const struct rxl_rule *rules;
	unsigned int nrules;
	bool default_drop;
	bool keep_rules;		/* its set in the maps is @rules */
	bool egress_drop;		/* RXL_CONT_EGRESS_DROP */
	bool has_mac;			/* anti-spoofing checks @mac */
	__u8 mac[6];
	/*
	 * Its NIC checks @mac on transmit (rxlane's NIC, 'hw'): not bound
	 * by MAC on the uplink's tc egress, which would drop its spoofed
	 * frames before the NIC saw them (fw_port.c).
	 */
	bool mac_in_nic;
};

/**
 * rxl_fw_container_apply() - make container @s->id exactly @s, in one step
 * @fw: the maps
 * @s: addresses, redirect, bindings, rules and default policy
 *
 * Creates the container with its compiled rules (never an open or a
 * default-drop container first), or changes one in place: the new set is
 * written under a fresh tag, kept addresses are flipped (never deleted
 * and re-added), new ones inserted, dropped ones deleted, each with a
 * grace period; then the old set goes. Every packet to an address sees
 * the container as it was or as @s says. Idempotent: running it again
 * after a crash converges. On failure whatever it changed is put back.
 * An address @s drops that cannot be deleted once the others are flipped
 * leaves the change standing: 0, with @fw->addrs_left set and the reason
 * in rxl_fw_error(); that address still judges by the old set, which is
 * kept, and applying @s again removes both. The old anti-spoofing binding
 * of a container moved to another (rxl_fw_port_move()) that cannot be
 * deleted leaves it standing too: 0, with @fw->port_left set (the
 * caller's recovery removes it: rxl_fw_port_forget()).
 *
 * Context: takes the pin directory's lock unless the caller holds it.
 * Return: 0 or -errno (rxl_fw_error() says why).
 */
int rxl_fw_container_apply(struct rxl_fw *fw, const struct rxl_cont_spec *s);
/* 0 when container @s->id in the maps is @s; 1 and @why when not. */
int rxl_fw_container_verify(struct rxl_fw *fw, const struct rxl_cont_spec *s,
			    char *why, size_t len);
/*
 * What rxl_fw_port_move() replaced: container @id's binding before it
 * (@old, @old_port when @had), and the device it bound (@key, when
 * @bound), so that rxl_fw_port_undo() can put the old one back.
 */
struct rxl_port_undo {
	bool tried, had, bound;
	struct rxl_port_key old, key;
	struct rxl_port old_port;
};

/*
 * Anti-spoofing (fw_port.c): bind @s->redirect_ifindex (in the caller's
 * network namespace) to container @s->id with its MAC; without a device,
 * bind its MAC (checked on the uplink's tc egress) unless its NIC checks
 * it; else unbind what it had.
 */
int rxl_fw_port_bind(struct rxl_fw *fw, const struct rxl_cont_spec *s);
/*
 * The same, undoably (rxl_fw_container_apply()): the new binding is
 * written before the old one goes, so a failed update leaves the old
 * device bound; @u (zeroed by the caller) records the change.
 */
int rxl_fw_port_move(struct rxl_fw *fw, const struct rxl_cont_spec *s,
		     struct rxl_port_undo *u);
/* Container @id's binding back to what it was before @u's move. */
void rxl_fw_port_undo(struct rxl_fw *fw, __u32 id,
		      const struct rxl_port_undo *u);
void rxl_fw_port_unbind(struct rxl_fw *fw, __u32 id);
/*
 * The binding @old (a container as it was before a change) implies,
 * removed when it is still @old->id's in rxl_ports but no longer the one
 * rxl_cont_port points to: what a move killed between the new binding
 * and the old one's removal leaves (cli_recover()).
 */
void rxl_fw_port_forget(struct rxl_fw *fw, const struct rxl_cont_spec *old);
/*
 * rxl_config's count of MAC bindings (mac_bound) set to those in
 * rxl_ports: after a killed change, which may have left it too high.
 */
void rxl_fw_port_recount(struct rxl_fw *fw);
/*
 * The MAC bindings in rxl_ports (the return value) and rxl_config's count
 * of them (*@bound), which the tc program trusts; -errno.
 */
long rxl_fw_port_macs(struct rxl_fw *fw, __u32 *bound);
/*
 * 0 when container @s->id's anti-spoofing binding (rxl_cont_port and
 * rxl_ports) is the one @s implies; 1 and @why when not; -errno.
 */
int rxl_fw_port_verify(struct rxl_fw *fw, const struct rxl_cont_spec *s,
		       char *why, size_t len);
/*
 * Bindings no recorded container explains (@recorded, by id, of
 * @fw->max_conts): rxl_ports entries of an id without a record, or that
 * their container's rxl_cont_port does not point to, and rxl_cont_port
 * entries of ids without a record. Their count; with @repair they are
 * removed. -ENOMEM.
 */
long rxl_fw_ports_stale(struct rxl_fw *fw, const bool *recorded,
			bool repair);
/* The cookie of the caller's network namespace; 0 when unknown. */
__u64 rxl_netns_cookie(void);
/* Which container ids have an address in the maps (@fw->max_conts). */
int rxl_fw_container_ids(struct rxl_fw *fw, bool *present);
/* Rule keys of no container's set (a killed writer's): count, or delete. */
long rxl_fw_dead_keys(struct rxl_fw *fw, bool purge);
/*
 * Keys of a rule set that could not be deleted after the change that
 * unreferenced it was done (the change stands and returned 0; the
 * message is in rxl_fw_error()). They judge nothing, as no container
 * refers to their set, but must go before a set reuses their tag: the
 * next set written purges them first, and this purges them now.
 * Return: 0 when none are left, else -errno.
 */
int rxl_fw_purge_left(struct rxl_fw *fw);
/* Address cache slots that disagree with the maps: count, or repair. */
long rxl_fw_acache_stale(struct rxl_fw *fw, bool repair);
/*
 * Live values in rxl_conts that no address leads to (left by a container
 * add or del killed between the value and its addresses; harmless: no
 * packet reads them); with @repair, they are cleared (the lock is taken).
 * Return: how many, or -errno.
 */
long rxl_fw_conts_unreached(struct rxl_fw *fw, bool repair);
/*
 * Remove the index of the pinned maps (fw_index.c); the next change makes
 * it anew from one walk. rxl_fw_dead_keys() with @purge does this too.
 */
int rxl_fw_index_drop(struct rxl_fw *fw);
/* A grace period: a killed writer may have left recycled elements read. */
int rxl_fw_settle(struct rxl_fw *fw);

/*
 * The counter slot of each of the @n rules of container @id (@rules as
 * its set was written) into @slot, by rank; RXL_NO_RULE for a rule earlier
 * rules shadow (it counts nothing). 0, 1 when the set in the maps is not
 * @rules, or -errno.
 */
int rxl_fw_rule_slots(struct rxl_fw *fw, __u32 id,
		      const struct rxl_rule *rules, unsigned int n,
		      __u32 *slot);
/*
 * The counter of the rule of rank @rank of container @id; -ENOENT when a
 * rule of the set is shadowed (use rxl_fw_rule_slots() then).
 */
int rxl_fw_rule_counter(struct rxl_fw *fw, __u32 id, __u32 rank,
			struct rxl_counter *out);
int rxl_fw_container_counter(struct rxl_fw *fw, __u32 id,
			     struct rxl_cont_counter *out);
int rxl_fw_drop_counters(struct rxl_fw *fw, __u64 out[RXL_DROP__MAX]);
int rxl_fw_stat_counters(struct rxl_fw *fw, __u64 out[RXL_STAT__MAX]);

/* Text forms. */
int rxl_parse_addr(const char *s, struct rxl_addr *a);
/* Decimal digits only, 0..max; -EINVAL otherwise. */
int rxl_parse_u32(const char *s, unsigned long max, __u32 *out);
/*
 * Why @a can be no container's address (unspecified, broadcast,
 * loopback, multicast), or NULL when it can.
 */
const char *rxl_addr_unusable(const struct rxl_addr *a);
/* The rule grammar (fw_parse.c): prio when none is given, comment size. */
#define RXL_DEFAULT_PRIO	1000
#define RXL_COMMENT_MAX		64	/* with its NUL */

/* Why words were refused: the message names the word. */
struct rxl_parse_err {
	const char *token;	/* the word refused (in argv), or NULL */
	bool usage;		/* the words' shape is wrong, not a value */
	char msg[256];
};

/* "from" PREFIX: an address, /N optional, no bits set past /N. */
int rxl_parse_prefix(const char *s, struct rxl_rule *r,
		     struct rxl_parse_err *pe);
/* "dport" N or N-M, 0-65535. */
int rxl_parse_ports(const char *s, struct rxl_rule *r,
		    struct rxl_parse_err *pe);
/*
 * "[in|out] allow|drop [proto tcp|udp|icmp|any] [from|to PREFIX]
 *  [dport N[-M]] [prio N] [comment TEXT]" as @argc words (in: 'from'
 *  only, out: 'to' only); the comment goes to @comment
 * (@clen bytes, at least 1). 0, or -EINVAL and @pe.
 */
int rxl_parse_rule_words(int argc, char *const *argv, struct rxl_rule *r,
			 char *comment, size_t clen, struct rxl_parse_err *pe);
/* The same grammar in one string (words split at blanks); no comment kept. */
int rxl_parse_rule(const char *s, struct rxl_rule *r, char *err, size_t len);
const char *rxl_drop_name(unsigned int reason);
const char *rxl_stat_name(unsigned int stat);
int rxl_tun_type_parse(const char *s);
const char *rxl_tun_type_name(int type);

#endif /* _RXLANE_FW_H */
