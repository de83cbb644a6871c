/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cli.h - the rxlane CLI's shared context: options, output (text or JSON),
 * errors, the pin directory, the CLI's own metadata maps and the one
 * function every change goes through (cli_sync()).
 *
 * Names, handles and comments live in two userspace-only BPF hash maps
 * pinned in the CLI's pin directory (cli_conts, cli_rules); the XDP
 * program never reads them. The fast path's maps hold the compiled form.
 */
#ifndef _RXLANE_CLI_H
#define _RXLANE_CLI_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "fw.h"

/*
 * "schema" of every JSON document; Documentation/rxlane-cli.schema.json
 * describes version 2 (counts are *_count, lists are arrays, a port range
 * is {"min", "max"}).
 */
#define CLI_SCHEMA		2
#define CLI_PIN_DIR		RXL_FW_PIN_ROOT
#define CLI_NAME_MAX		32	/* container name, with its NUL */
#define CLI_NETNS_MAX		128	/* a container's netns path, with NUL */
#define CLI_COMMENT_MAX		64	/* rule comment, with its NUL */
#define CLI_MAX_ADDRS		8	/* addresses per container */
#define CLI_CONTS_PIN		"cli_conts"	/* the container records */
#define CLI_MAX_RULES		RXL_MAX_RULE_SLOTS	/* all containers */
#define CLI_PRINT_DEPTH		8	/* nested JSON objects and arrays */

/* Said after a permission error: what rxlane needs. */
#define CLI_NEEDS_ROOT		" (rxlane needs root: CAP_BPF, CAP_NET_ADMIN)"

/* Exit codes. */
#define CLI_OK			0
#define CLI_ERR			1
#define CLI_USAGE		2

struct cli_addr {
	__u8 family;		/* 4 or 6 */
	__u8 pad[3];
	__u8 addr[16];
};

/* Value of cli_conts (key: container id). Stored: fixed layout. */
struct cli_cont {
	char name[CLI_NAME_MAX];
	__u32 id;
	__u32 default_drop;
	__u32 naddrs;
	__u32 next_handle;	/* handles are never reused in a container */
	struct cli_addr addrs[CLI_MAX_ADDRS];
	char dev[16];		/* redirect target, "" for none */
	__u32 nrules;		/* as last written by cli_sync() */
	__u32 max_prio;		/* highest rule priority, 0 without rules */
	__u32 nvnis;		/* tunnels it is reached through */
	__u32 vnis[RXL_CONT_MAX_VNIS];	/* rxl_cont_vni() bindings */
	__u32 egress_drop;	/* egress default policy drop (conntrack.rst) */
	__u8 mac[6];		/* anti-spoofing: its MAC, when has_mac */
	__u8 has_mac;
	__u8 pad_mac;
	/* The NIC (cli_hw.c, Documentation/hwfilter.rst): with 'nic NIC hw'. */
	__u32 hw;		/* the NIC is to enforce it */
	__u32 hw_state;		/* enum cli_hw_state: what the NIC did */
	__u64 cpus;		/* its CPUs (0..63) in the NIC, 0: all */
	char nic[16];		/* the NIC (IFNAMSIZ), "" without hw */
	char hw_reason[128];	/* why it fell back (the kernel's extack) */
	/*
	 * The network namespace (a path: the CNI plugin's CNI_NETNS) the
	 * NIC's container goes with (NETNS_FD, whenever the CLI makes it
	 * anew: check --repair, container set); "" none.
	 */
	char netns[CLI_NETNS_MAX];
	/*
	 * The cookie (SO_NETNS_COOKIE) of the namespace @netns named when it
	 * was recorded, 0 none: a path bound later to another namespace is
	 * refused, not tied (cli_netns_open()).
	 */
	__u64 netns_cookie;
	/*
	 * Its own interface in @netns ('port IF netns PATH', a container
	 * without a host-side device: macvlan, ipvlan): the anti-spoofing
	 * check runs on its tc egress there, bound by @port_ifindex (as
	 * named when recorded) and @netns_cookie. "" none.
	 */
	char port[16];
	__u32 port_ifindex;
	/*
	 * @dev's ifindex when it was named (in the CLI's namespace): the
	 * device's identity, so that a rename keeps the container on it and
	 * a device deleted (and perhaps made again under the name) is told
	 * apart (cli_dev_now()). 0 in records of older builds: @dev by name.
	 */
	__u32 dev_ifindex;
};

/* Where a container with hw is enforced (struct cli_cont's hw_state). */
enum cli_hw_state {
	CLI_HW_PENDING,		/* not yet programmed (an unfinished change) */
	CLI_HW_NIC,		/* in the NIC, and in XDP as always */
	CLI_HW_FALLBACK,	/* the NIC refused: in XDP only (hw_reason) */
};

struct cli_rule_key {
	__u32 id;
	__u32 handle;
};

/* One rule's record (a slot of struct cli_chunk). */
struct cli_rule {
	__u32 handle;
	__u32 prio;
	__u8 family;		/* 0 (any source), 4 or 6 */
	__u8 plen;
	__u8 proto;		/* 0, IPPROTO_TCP, _UDP, _ICMP, _ICMPV6 */
	__u8 drop : 1;		/* 0 or 1 in records older than out rules */
	__u8 out : 1;		/* egress rule: src is the destination peer */
	__u8 : 6;
	__u8 src[16];
	__u16 dport_lo, dport_hi;
	char comment[CLI_COMMENT_MAX];
};

/* Records in cli_rules: chunks of CLI_CHUNK by handle (cli_records.c). */
#define CLI_CHUNK		64

struct cli_chunk_key {
	__u32 id;
	__u32 chunk;		/* (handle - 1) / CLI_CHUNK */
};

struct cli_chunk {
	struct cli_rule r[CLI_CHUNK];	/* handle 0: an empty slot */
};

/*
 * The intent of the change in progress (cli_sync.c): stored in cli_rules
 * under key { CLI_INTENT_ID, 0 } in the same batch as the new records, so
 * a change is committed by one syscall, which SIGKILL cannot cut. Until
 * it is cleared, the next command to take the lock finishes the change
 * (cli_recover()): the container becomes @new (or goes, without it) in
 * cli_conts and in the fast path, rebuilt from the records.
 */
#define CLI_INTENT_ID		0xffffffffU
#define CLI_INTENT_MAGIC	0x72786931U	/* "rxi1" */
#define CLI_INTENT_OLD		(1U << 0)
#define CLI_INTENT_NEW		(1U << 1)

struct cli_intent {
	__u32 magic;
	__u32 flags;		/* CLI_INTENT_OLD, CLI_INTENT_NEW */
	struct cli_cont old;	/* as stored before the change */
	struct cli_cont new;	/* as stored after it */
};
_Static_assert(sizeof(struct cli_intent) <= sizeof(struct cli_chunk),
	       "the intent fits a record chunk");

/* A container with its rules, sorted by handle. */
struct cli_set {
	struct cli_cont cont;
	struct cli_rule *rules;
	unsigned int nrules;
};

struct cli {
	bool json, pretty, dry_run, verbose;
	bool printed;			/* JSON already written (stats) */
	const char *pin_dir;
	char maps_dir[PATH_MAX];	/* where the fast path's maps are */
	int dir_fd;			/* the pin directory, flocked */
	int conts_fd, rules_fd;		/* metadata maps, -1 until opened */
	bool fw_open;
	bool locked;			/* dir_fd is flocked */
	bool idx_open;			/* idx_fd tried (cli_records.c) */
	int idx_fd;			/* cli_index, -1: none */
	unsigned long conts_read;	/* cli_conts values read (tests) */
	bool no_bind;			/* lock without cli_bpffs_bind() */
	unsigned int link_dumps;	/* by cli_bpffs_bind() (tests) */
	struct rxl_fw fw;
	json_t *out;			/* the JSON document under -j */
	json_t *stack[CLI_PRINT_DEPTH];	/* what cli_print_*() fill, in out */
	unsigned int depth;
	FILE *text;			/* text output, NULL: stdout */
	const char *prog;		/* "rxlane" */
	const char *ctx;		/* prefix of error messages */
	const char *ctx_name;		/* then "container 'NAME'" */
	unsigned int ctx_rule;		/* then "rule N" when not 0 */
	/* What the last cli_sync() did with the NIC (cli_hw.c). */
	bool hw_done;			/* a container with hw was synced */
	__u32 hw_state;			/* enum cli_hw_state */
	char hw_reason[128];
	__u32 max_conts;		/* cli_max_conts() of unopened maps */
};

/* ---- output and errors (cli_out.c) ------------------------------------- */
int cli_err(struct cli *c, int code, const char *token, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int cli_fw_err(struct cli *c, const char *what);
int cli_usage_err(struct cli *c, const char *token, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- the one print path for text and JSON (cli_print.c) --------------- */
enum cli_mode {
	CLI_NONE = 0,		/* not printed */
	CLI_TEXT = 1 << 0,	/* as text only */
	CLI_JSON = 1 << 1,	/* under -j only */
	CLI_ANY = CLI_TEXT | CLI_JSON,
};

/* Under -j: the top-level object with "schema", created on first use. */
json_t *cli_doc(struct cli *c);
/* Print the document (under -j) and flush stdout. */
void cli_flush(struct cli *c);
/* Print in text mode only (separators, newlines). */
void cli_printf(struct cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cli_print_nl(struct cli *c);
/*
 * Open an object or array under @key of the object being built (NULL:
 * appended to the array being built); under -j only. cli_close() ends it.
 */
void cli_open_object(struct cli *c, const char *key);
void cli_open_array(struct cli *c, const char *key);
void cli_close(struct cli *c);
/* Build into @o instead of the document (a JSON-only @c). */
void cli_open_json(struct cli *c, json_t *o);
/*
 * One field: as text with @fmt (NULL: none) or under -j as @key (NULL: an
 * array element), when @mode includes the form printed.
 */
void cli_print_str(struct cli *c, enum cli_mode mode, const char *key,
		   const char *fmt, const char *val);
void cli_print_uint(struct cli *c, enum cli_mode mode, const char *key,
		    const char *fmt, unsigned long long val);
void cli_print_real(struct cli *c, enum cli_mode mode, const char *key,
		    const char *fmt, double val);
/* @fmt gets "yes" or "no" as text; true or false under -j. */
void cli_print_bool(struct cli *c, enum cli_mode mode, const char *key,
		    const char *fmt, bool val);
/* " KEY VALUE" as text, "KEY": VALUE under -j. */
void cli_print_pair(struct cli *c, enum cli_mode mode, const char *key,
		    unsigned long long val);
/* A text-only @t printing into @buf (cut at @len), until cli_text_close. */
int cli_text_open(struct cli *t, char *buf, size_t len);
void cli_text_close(struct cli *t);

/* ---- words ------------------------------------------------------------- */
struct cli_cmd {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
};

/* Unique-prefix match of @word in @cmds; NULL when none (error printed). */
const struct cli_cmd *cli_match(struct cli *c, const struct cli_cmd *cmds,
				const char *word, const char *what);
int cli_dispatch(struct cli *c, const struct cli_cmd *cmds, const char *what,
		 int argc, char **argv);
bool cli_is(const char *word, const char *keyword);
int cli_parse_u32(struct cli *c, const char *s, unsigned long max, __u32 *out,
		  const char *what);
int cli_need_arg(struct cli *c, int argc, char *const *argv, int i);
bool cli_name_ok(const char *s);

/* ---- rules and addresses in text (cli_rule.c) -------------------------- */
/*
 * The name of L4 protocol @proto: "tcp", "udp", "icmp" (ICMPv6 too, as a
 * rule names both, unless @icmp6: "icmpv6"), or NULL for any other.
 */
const char *cli_proto_name(__u8 proto, bool icmp6);
int cli_parse_addr(struct cli *c, const char *s, struct cli_addr *a);
void cli_fmt_addr(const struct cli_addr *a, char *buf, size_t len);
/* Parse rule words (allow|drop, proto, from, dport, prio, comment). */
int cli_parse_rule(struct cli *c, int argc, char *const *argv,
		   struct cli_rule *r);
/* The rule's words in canonical order, without handle. */
void cli_fmt_rule(const struct cli_rule *r, char *buf, size_t len);
json_t *cli_rule_json(const struct cli_rule *r);
/*
 * The one printer of a rule: "handle N " as @handle says, then its words
 * ("prio N allow ...", text) or members (JSON) as @words says.
 */
void cli_print_rule(struct cli *c, const struct cli_rule *r,
		    enum cli_mode handle, enum cli_mode words);
bool cli_rule_same(const struct cli_rule *a, const struct cli_rule *b);
void cli_rule_to_fw(const struct cli_rule *r, struct rxl_rule *out);
/* Rank of every rule as the fast path counts them: @rank[i] for rules[i]. */
void cli_rule_ranks(const struct cli_rule *rules, unsigned int n,
		    unsigned int *rank);
/* Indexes of @rules in the order they are judged (NULL: out of memory). */
unsigned int *cli_rule_order(const struct cli_rule *rules, unsigned int n);

/* ---- state (cli_state.c) ----------------------------------------------- */
/* Open (creating with @create) and check the pin directory. */
int cli_state_open(struct cli *c, bool create);
int cli_lock(struct cli *c);
/* Refuse (exit 1) maps in @dir when another user owns it or may write it. */
int cli_check_maps_dir(struct cli *c, const char *dir);
/* The fast path's maps: pin dir, iproute2's pins, or an attached program. */
int cli_fw_open(struct cli *c);
/* The same, silent when there are none: -ENOENT. */
int cli_fw_find(struct cli *c);
void cli_state_close(struct cli *c);
/* For a change: the fast path's maps, then the pin directory, locked. */
int cli_open_rw(struct cli *c);
/* For reading: whatever exists, nothing created. */
int cli_open_ro(struct cli *c);
const char *cli_iproute_dir(char *buf, size_t len);

int cli_cont_by_name(struct cli *c, const char *name, struct cli_cont *out);
/* By key, never by listing (cli_records.c): the container of id @id. */
int cli_cont_by_id(struct cli *c, __u32 id, struct cli_cont *out);
/* @cont's rules by its own record chunks (cli_set_load() reads all). */
int cli_set_load_own(struct cli *c, const struct cli_cont *cont,
		     struct cli_set *s);
/*
 * The index of cli_conts (cli_records.c): cli_conts_step() calls
 * cli_idx_before() before it writes a record and cli_idx_after() once the
 * old one is gone. cli_idx_check_new() and cli_idx_free_id() answer as
 * cli_check_new() and cli_free_id() do, by key; 1: no index, read every
 * record instead.
 */
int cli_idx_before(struct cli *c, const struct cli_cont *new);
void cli_idx_after(struct cli *c, const struct cli_cont *old,
		   const struct cli_cont *new);
int cli_idx_check_new(struct cli *c, const struct cli_cont *ct);
int cli_idx_free_id(struct cli *c, __u32 *id);
void cli_idx_close(struct cli *c);
/* Every container in cli_conts by batch reads; *@out malloc'ed. */
int cli_conts_dump(struct cli *c, struct cli_cont **out, unsigned int *n);
/* All containers sorted by id; *n is their count. */
int cli_cont_all(struct cli *c, struct cli_cont **out, unsigned int *n);
int cli_set_load(struct cli *c, const struct cli_cont *cont,
		 struct cli_set *s);
/* Every rule of every container, grouped by container id. */
int cli_rules_all(struct cli *c, struct cli_rule_key **keys,
		  struct cli_rule **rules, unsigned int *n);
/* The same for @n containers at once (one read of all rules). */
int cli_sets_load(struct cli *c, const struct cli_cont *conts, unsigned int n,
		  struct cli_set *sets);
void cli_set_free(struct cli_set *s);
/* qsort/bsearch order of struct cli_rule by handle. */
int cli_cmp_rule_handle(const void *a, const void *b);
/*
 * The lowest id not in @taken (RXL_MAX_CONTAINERS entries) below
 * cli_max_conts(); exit 1 when all are.
 */
int cli_free_id(struct cli *c, const bool *taken, __u32 *id);
/*
 * Container ids the fast path's maps hold (max-containers): of the maps
 * opened, else of those pinned, else RXL_DEFAULT_CONTAINERS.
 */
__u32 cli_max_conts(struct cli *c);
/* Look up a container by name; message naming @name when absent. */
int cli_find_cont(struct cli *c, const char *name, struct cli_cont *out);

/* ---- XDP attachments (cli_link.c: an RTM_GETLINK dump with libmnl) --- */
struct cli_xdp_link {
	char name[16];		/* IFNAMSIZ */
	int ifindex;
	__u32 prog_id;
	__u8 mode;		/* XDP_ATTACHED_DRV, _SKB or _HW */
};

/*
 * Every XDP program attached in this network namespace (@ifindex > 0:
 * to that device only), sorted by ifindex and mode; *@out is malloc'ed.
 */
int cli_xdp_links(struct cli *c, int ifindex, struct cli_xdp_link **out,
		  unsigned int *n);
/* The same without a message: 0 or -errno. */
int cli_xdp_list(int ifindex, struct cli_xdp_link **out, unsigned int *n);
bool cli_dev_driver_is(const char *name, const char *driver);

/* ---- changes (cli_sync.c) ---------------------------------------------- */
/*
 * Make the fast path and the metadata go from @old to @new (either NULL:
 * add or delete). On failure nothing of this step is left changed.
 */
int cli_sync(struct cli *c, const struct cli_set *old,
	     const struct cli_set *new);
/*
 * The library's spec of container @s (addresses into @a, CLI_MAX_ADDRS;
 * rules into *@r, to free): 0 or -ENOMEM. A host-side device that is gone
 * is none: no redirect, no binding (cli_dev_now()).
 */
int cli_spec_of(const struct cli_set *s, struct rxl_cont_spec *spec,
		struct rxl_addr *a, struct rxl_rule **r);
/*
 * @ct's host-side device ('dev') now: its ifindex, 0 when it has none or
 * the device is gone; its name now into @name (IF_NAMESIZE bytes), the
 * recorded one when it is gone. cli_dev_ref(): the ifindex it was
 * recorded with (by name for a record of an older build), gone or not.
 */
unsigned int cli_dev_now(const struct cli_cont *ct, char *name);
unsigned int cli_dev_ref(const struct cli_cont *ct);
/*
 * The NIC's step of a change (cli_hw.c): container @from (NULL: none)
 * leaves the NIC and @to (NULL: none) goes in, when it asks for hw. A
 * refusal is no error: @to falls back to XDP, and its record and
 * c->hw_state say so (and stderr).
 */
void cli_hw_step(struct cli *c, const struct cli_cont *from,
		 const struct cli_set *to);
/*
 * check: what differs between @s's record and the kernel's container of
 * its name (in @why): 0 nothing, 1 something, -errno (@why says why).
 */
int cli_hw_verify(struct cli *c, const struct cli_set *s, char *why,
		  size_t len);
/* check --repair: the NIC as @s's record says, or a fallback. */
void cli_hw_repair(struct cli *c, const struct cli_set *s);
/*
 * Network namespace @path, opened (cli_hw.c): its fd; -errno and @err when
 * it cannot be opened or is no network namespace (a FIFO, a regular file,
 * a mount point with nothing bound, a namespace of another kind: -EINVAL).
 */
int cli_netns_fd(const char *path, char *err, size_t len);
/*
 * Network namespace @path, opened (cli_hw.c): its fd, its cookie in
 * *@cookie; -errno and @err when it cannot be opened or entered, or when
 * @want is not 0 and it is another namespace than the one of cookie @want
 * (-ESTALE: the path was bound to another namespace since). A thread of
 * its own enters the namespace: the process never leaves its own.
 */
int cli_netns_open(const char *path, __u64 want, __u64 *cookie, char *err,
		   size_t len);
/*
 * @fn(@c, @arg) run on a thread of its own inside network namespace
 * @path (cli_hw.c), entered only while it is the one of cookie @want (0:
 * any): its return; -errno and @err when the namespace cannot be opened
 * or entered, -ESTALE when it is another one now. The process, and every
 * other thread, stay in their own namespace.
 */
int cli_in_netns(struct cli *c, const char *path, __u64 want,
		 int (*fn)(struct cli *c, void *arg), void *arg, char *err,
		 size_t len);
/* " hw nic|fallback|pending" and why (text), "hw", "hw_reason" (-j). */
void cli_hw_print(struct cli *c, __u32 state, const char *reason);
/* After a change: what the NIC did, when the container has hw. */
void cli_print_hw_done(struct cli *c, const char *name);
/* "0-3,6" into a bitmap of CPUs 0..63 (cmd_hw.c); 0 or CLI_ERR (printed). */
int hw_parse_cpus(struct cli *c, const char *s, __u64 *out);
void hw_fmt_cpus(__u64 set, char *buf, size_t len);

/* Replace the container's rule set in the fast path with @s's. */
int cli_fw_replace(struct cli *c, const struct cli_set *s);

/* ---- records (cli_records.c) ------------------------------------------- */
int cli_rec_create_size(__u32 *ksz, __u32 *vsz, __u32 *max);
/* Make the records of @to's container what @to says (@from: as they are). */
int cli_rec_write(struct cli *c, const struct cli_set *from,
		  const struct cli_set *to);
/* Set (or clear, @r NULL) the record of @handle in container @id. */
int cli_rec_put_one(struct cli *c, __u32 id, __u32 handle,
		    const struct cli_rule *r);
/*
 * The commit: the records of @to (removed ones emptied) and the intent
 * @in, in one batch update. On failure the records are as they were.
 */
int cli_rec_commit(struct cli *c, const struct cli_set *from,
		   const struct cli_set *to, const struct cli_intent *in);
/* The same for one rule record (@r NULL: cleared) of container @id. */
int cli_rec_commit_one(struct cli *c, __u32 id, __u32 handle,
		       const struct cli_rule *r, const struct cli_intent *in);
/* After the change: empty chunks of container @id, then the intent, go. */
int cli_rec_finish(struct cli *c, const struct cli_cont *ct);
/* Every chunk of container @id goes. */
int cli_rec_drop_all(struct cli *c, const struct cli_cont *ct);
/*
 * The intent of an unfinished change: 0, -ENOENT when there is none, or
 * (a corrupt record) -EBADMSG, -EMSGSIZE or -EINVAL: see cli_intent_bad().
 */
int cli_intent_get(struct cli *c, struct cli_intent *in);
/*
 * What is wrong with a corrupt intent record (@err from cli_intent_get(),
 * -EBADMSG, -EMSGSIZE or -EINVAL), in @buf; NULL for any other @err.
 */
const char *cli_intent_bad(int err, const struct cli_intent *in,
			   char *buf, size_t len);
#define CLI_INTENT_REC	"cli_rules key (0xffffffff, 0)"
/* Finish (roll forward) a change a killed command left; 0 when none. */
int cli_recover(struct cli *c);
/* The container as stored: with its rule count and highest priority. */
void cli_cont_stamp(const struct cli_set *s, struct cli_cont *out);

/* ---- commands ---------------------------------------------------------- */
/*
 * NAME ip A [ip B]... [vni LIST] [default allow|drop]
 * [egress-default allow|drop] [dev DEV] (cmd_container.c). Refuses,
 * exit 2, an address no container can have.
 */
int cli_parse_cont(struct cli *c, int argc, char *const *argv,
		   struct cli_cont *ct);
/*
 * Refuse (exit 1) a name or address of @ct that one of the @n containers
 * @all has; marks their ids in @taken (RXL_MAX_CONTAINERS entries).
 */
int cli_check_new(struct cli *c, struct cli_cont *ct,
		  const struct cli_cont *all, unsigned int n, bool *taken);
/* "100,geneve:200,nvgre:7" or "none" -> ct->vnis (VXLAN when untyped). */
int cli_parse_vnis(struct cli *c, const char *s, struct cli_cont *ct);
/* The same text back ("" when none). */
void cli_fmt_vnis(const struct cli_cont *ct, char *buf, size_t len);
/* A container's MAC as xx:xx:xx:xx:xx:xx (set or not). */
void cli_fmt_mac(const struct cli_cont *ct, char *buf, size_t len);
/* Refuse, exit 2, an address of @ct that is a VTEP's (needs the maps). */
int cli_check_not_vtep(struct cli *c, const struct cli_cont *ct);
/* The same against the @n VTEPs at @v (a policy's, before they exist). */
int cli_check_not_vtep_in(struct cli *c, const struct cli_cont *ct,
			  const struct rxl_vtep *v, unsigned int n);

/* ---- tunnels (cmd_tunnel.c) ------------------------------------------- */
/* "vxlan,geneve" -> mask of RXL_TUN_BIT()s, and back. */
int cli_parse_types(struct cli *c, const char *s, __u32 *mask);
void cli_types_text(__u32 mask, char *buf, size_t len);
int cli_read_config(struct cli *c, struct rxl_config *cfg);
/* The VTEPs in their slots (RXL_MAX_VTEPS), with *n their count. */
int cli_read_vteps(struct cli *c, struct rxl_vtep *v, __u32 *n);
/* Every known VNI as rxl_cont_vni(type, vni), sorted; *@out malloc'ed. */
int cli_vnis_read(struct cli *c, __u32 **out, unsigned int *n);

/* rxlane's program (its maps are the fast path's) is on @ifindex. */
bool cli_is_rxlane(int ifindex);
/*
 * Check the maps pinned in @dir against @obj's and, with @take, make @obj
 * use them (cmd_attach.c); the rule-sized maps libbpf creates get @slots.
 */
int cli_reuse_pins(struct cli *c, struct bpf_object *obj, const char *dir,
		   __u32 slots, bool take);
/*
 * Load rxlane's XDP program (delivery by XDP_PASS, records bound) and its
 * tc egress program over the pinned maps (made when missing), as 'attach'
 * does, and attach them nowhere: their fds, for a caller that pins them and
 * attaches them to many devices (rxlane-cni, Documentation/cni.rst).
 */
int cli_progs_load(struct cli *c, int *xdp_fd, int *tc_fd);

/* ---- connection tracking's tc egress program (ct_attach.c) ------------ */
/* max_entries of the map pinned as @dir/@name; 0 when none or unreadable. */
__u32 cli_pin_entries(const char *dir, const char *name);
/* The tables' sizes per family: 'attach ... ct-size N ct-half-open N'. */
struct cli_ct_size {
	__u32 entries;		/* rxl_ct4/6; 0: as pinned, or the default */
	__u32 half_open;	/* rxl_ct4_half/6_half; the same */
};
/* The sizes: as pinned in @dir (a different @want is refused). */
int cli_ct_size(struct cli *c, const char *dir, const struct cli_ct_size *want,
		struct cli_ct_size *size);
void cli_ct_size_maps(struct bpf_object *obj, const struct cli_ct_size *size);
/* Load and attach it to @ifindex's clsact egress, maps from @dir. */
int cli_tc_attach(struct cli *c, const char *dir, const char *dev,
		  int ifindex, __u32 slots, const struct cli_ct_size *ct);
/* Load it over the maps in @dir, attached nowhere: its fd in *@prog_fd. */
int cli_tc_load(struct cli *c, const char *dir, __u32 slots,
		const struct cli_ct_size *ct, int *prog_fd);
/* Attach loaded program @prog_fd to @ifindex's clsact egress. */
int cli_tc_attach_fd(struct cli *c, const char *dev, int ifindex, int prog_fd);
/*
 * Re-add it on @ifindex (rxlane's XDP program there) when it is missing;
 * *@added: whether it was. Another loader's filter at its place: refused.
 */
int cli_tc_repair(struct cli *c, const char *dir, const char *dev,
		  int ifindex, const struct cli_ct_size *ct_want, bool *added);
/* Remove rxlane's filter (only rxlane's), and clsact when left empty. */
int cli_tc_detach(struct cli *c, const char *dev, int ifindex);
/*
 * Anti-spoofing: the check on the tc ingress of @to's device ('dev'), or
 * on the tc egress of its own interface in its namespace ('port IF netns
 * PATH'), removed from @from's when that device or interface is no
 * longer its (either NULL: a container added or deleted). After the fast
 * path's change. The new check is attached before the old one goes, so a
 * move that fails leaves the old place checked throughout. An interface
 * or namespace gone already is no error.
 */
int cli_tc_port_sync(struct cli *c, const struct cli_cont *from,
		     const struct cli_cont *to);
/*
 * The guard (ct_guard.c): no PACKET_QDISC_BYPASS, no AF_XDP socket in a
 * namespace that holds a container's own interface. Attached to the
 * cgroup v2 root once, its link pinned beside the maps; 0 when it is.
 */
int cli_port_guard(struct cli *c);
/* Whether rxlane's guard is attached for the maps in c->maps_dir. */
bool cli_port_guarded(struct cli *c);
/* Whether it is attached while no container has a port to guard. */
bool cli_port_guard_unused(struct cli *c);
/*
 * The guard detached (its pin removed) when no container has a port any
 * more: the last one deleted or unbound leaves nothing attached to the
 * cgroup root. A failure is said on stderr and is no error of the
 * change (the guard refuses nothing then); 'check --repair' removes it.
 */
int cli_port_unguard(struct cli *c);
/*
 * Whether @ct's check is on its interface's egress, or nothing can be
 * told (no port; its namespace or interface gone): true. False only when
 * the interface is there without rxlane's check.
 */
bool cli_tc_port_attached(struct cli *c, const struct cli_cont *ct);
/*
 * 'port IF netns PATH' of @ct resolved (cmd_container.c): the namespace's
 * cookie and IF's ifindex there recorded in @ct; a clear error when the
 * namespace or the interface does not exist, or when another container
 * of @all (@n, @ct's own id skipped) is bound by that interface.
 */
int cli_port_resolve(struct cli *c, struct cli_cont *ct,
		     const struct cli_cont *all, unsigned int n);
/*
 * Where @ct's port is now (cmd_container.c): IF's ifindex in the recorded
 * namespace (entered only while the path names the namespace of the
 * recorded cookie) in *@ifindex, which differs from the recorded one when
 * IF was deleted and made again. -ENODEV: no IF there now; -ESTALE: the
 * path names another namespace now; another -errno: the namespace is
 * gone or cannot be entered (@why says which). Prints nothing.
 */
int cli_port_now(struct cli *c, const struct cli_cont *ct, __u32 *ifindex,
		 char *why, size_t len);

int cmd_attach(struct cli *c, int argc, char **argv);
int cmd_detach(struct cli *c, int argc, char **argv);
int cmd_status(struct cli *c, int argc, char **argv);
int cmd_vtep(struct cli *c, int argc, char **argv);
int cmd_vni(struct cli *c, int argc, char **argv);
int cmd_container(struct cli *c, int argc, char **argv);
int cmd_fw(struct cli *c, int argc, char **argv);
int cmd_policy(struct cli *c, int argc, char **argv);
int cmd_stats(struct cli *c, int argc, char **argv);
int cmd_check(struct cli *c, int argc, char **argv);
/* ct list|flush|stats|timeout (cmd_ct.c). */
int cmd_ct(struct cli *c, int argc, char **argv);
/* Set @to's timeout of @state from @val (SECONDS or "default"); refusals printed. */
int cli_ct_timeout_word(struct cli *c, const char *state, const char *val,
			struct rxl_ct_timeouts *to);
/* The name of timeout @state (enum rxl_ct_state), NULL if none. */
const char *cli_ct_state_name(unsigned int state);
/* The fd of the timeouts map of the fast path's maps, or -1 (printed). */
int cli_ct_timeouts_fd(struct cli *c);

#endif /* _RXLANE_CLI_H */
