/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cni.h - rxlane-cni, the chained CNI plugin (Documentation/cni.rst): the
 * request (environment, network config, prevResult), its errors and the
 * plugin's records, over the CLI's library (cli.h).
 */
#ifndef _RXLANE_CNI_H
#define _RXLANE_CNI_H

#include <stdbool.h>

#include <jansson.h>

#include "cli.h"

#define CNI_NET_MAX		64	/* network name, with its NUL */
#define CNI_CID_MAX		128	/* CNI_CONTAINERID, with its NUL */
#define CNI_IFNAME_MAX		16	/* IFNAMSIZ */
#define CNI_STATE_PIN		"cni_state"
#define CNI_NETNS_PIN		"cni_netns"
#define CNI_STATE_MAX		RXL_MAX_CONTAINERS
#define CNI_BPFFS		"/sys/fs/bpf"	/* ADD mounts it (cli.rst) */

/* Error codes: the spec's, then rxlane's own (>= 100). */
enum cni_code {
	CNI_ERR_VERSION = 1,
	CNI_ERR_UNSUPPORTED = 2,
	CNI_ERR_ENV = 4,
	CNI_ERR_DECODE = 6,
	CNI_ERR_CONFIG = 7,
	CNI_ERR_AGAIN = 11,
	CNI_ERR_UNAVAILABLE = 50,	/* STATUS: cannot ADD now */
	CNI_ERR_STATE = 100,
	CNI_ERR_ATTACH = 101,
	CNI_ERR_DEVICE_BUSY = 102,
	CNI_ERR_CLASH = 103,
	CNI_ERR_EXISTS = 104,
	CNI_ERR_MISSING = 105,
	CNI_ERR_DIFFERS = 106,
	CNI_ERR_FULL = 107,
};

/* Key of cni_state: one attachment of a container to a network. */
struct cni_key {
	char net[CNI_NET_MAX];		/* "" for an uplink's record */
	char cid[CNI_CID_MAX];
	char ifname[CNI_IFNAME_MAX];	/* the uplink, for its record */
};

#define CNI_REC_CONT		1	/* a container the plugin made */
#define CNI_REC_UPLINK		2	/* an uplink the plugin attached */
#define CNI_REC_PROG		3	/* a program it pinned (cni_prog.c) */

/* Value of cni_state. Stored: fixed layout. */
struct cni_rec {
	__u32 kind;			/* CNI_REC_* */
	__u32 cont_id;			/* the container's id; a program's */
	char cont[CLI_NAME_MAX];	/* its name; a program's build */
	char uplink[CNI_IFNAME_MAX];	/* its config's device, "" none */
};

/*
 * Value of cni_netns (keyed as cni_state, container attachments only):
 * the network namespace of the attachment's interface, as CNI_NETNS named
 * it at ADD and by the cookie of the namespace it named then
 * (SO_NETNS_COOKIE). DEL, GC and CHECK enter a path only while it names
 * that namespace: a path bound to another namespace since (a netns file
 * made anew, a /proc/PID/ns/net of a reused PID) is never entered. path ""
 * when CNI_NETNS was too long to keep. Stored: fixed layout.
 */
struct cni_netns {
	__u64 cookie;
	char path[CLI_NETNS_MAX];
};

struct cni_req {
	const char *cmd;		/* ADD, DEL, CHECK, GC, STATUS, VERSION */
	const char *cid, *netns, *ifname, *args;
	json_t *conf;			/* stdin */
	const char *version;		/* its cniVersion */
	const char *net;		/* its name */
	const char *device;		/* the uplink, NULL for none */
	const char *pin_dir;
	json_t *prev;			/* prevResult, NULL when absent */
	json_t *valid;			/* GC: cni.dev/valid-attachments */
	const char *mac;		/* CNI_IFNAME's there, NULL none */
	bool set_dev;			/* a host-side device found there */
	bool hw;			/* 'hw': true: the NIC 'device' too */
	const char *cpus;		/* hw: its CPU list, NULL: every CPU */
	__u64 netns_cookie;		/* ADD: CNI_NETNS's, once entered */
	struct cni_key key;
	char name[CLI_NAME_MAX];	/* the container's */
	struct cli_set set;		/* the container as config wants it */
	int code;			/* the error, 0 none */
	char msg[512];
	char details[512];
};

/* ---- errors (cni_main.c) ------------------------------------------------ */
/* Record error @code with its message; returns -1. */
int cni_fail(struct cni_req *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Around calls into the CLI library: its messages (on stderr) are kept,
 * and cni_lib_end() makes the last one the error of @code when @ret is not
 * 0. They are also passed on to the real stderr (the runtime's log).
 */
void cni_lib_begin(void);
int cni_lib_end(struct cni_req *r, int ret, int code);

/* ---- the request (cni_conf.c) ------------------------------------------- */
int cni_parse_env(struct cni_req *r);
int cni_parse_conf(struct cni_req *r, bool policy);
/* GC and STATUS: cniVersion 1.1.0; GC's list of valid attachments. */
int cni_parse_gc(struct cni_req *r);
/* The container's name, addresses, device and rules (ADD, CHECK). */
int cni_build(struct cni_req *r, struct cli *c);
bool cni_version_ok(const char *v);
/* @v is at least 0.4.0 (CHECK and DEL's prevResult). */
bool cni_version_checkable(const char *v);

/* ---- commands (cni_cmd.c) ----------------------------------------------- */
/* Detaches that read every map of a program to know it (RXLANE_CNI_DEBUG). */
extern unsigned int cni_prog_checks;
int cni_add(struct cni_req *r, struct cli *c);
int cni_del(struct cni_req *r, struct cli *c);
int cni_check(struct cni_req *r, struct cli *c);
/*
 * GC: every attachment the plugin made on the config's network (a
 * CNI_REC_CONT record keyed by its name) that r->valid does not list is
 * removed as its DEL would; then what the last DEL removes.
 */
int cni_gc(struct cni_req *r, struct cli *c);

/* ---- STATUS (cni_status.c) ---------------------------------------------- */
/* 0 when an ADD could run now, else code 50 with the reason. */
int cni_status(struct cni_req *r, struct cli *c);

/* ---- programs (cni_prog.c) ---------------------------------------------- */
#define CNI_PROG_XDP		0
#define CNI_PROG_TC		1
#define CNI_NPROGS		2

struct cni_progs {
	int fd[CNI_NPROGS];		/* -1: none */
};

/*
 * The pinned programs, loaded and pinned first when missing or stale.
 * Under the lock, with cni_state open.
 */
int cni_progs_get(struct cni_req *r, struct cli *c, struct cni_progs *p);
void cni_progs_put(struct cni_progs *p);
/* Remove the pins and their records (the last container is gone). */
void cni_progs_unpin(struct cli *c);
/*
 * The id of the program the plugin loaded and pinned as @which, from its
 * record (written before the pin), or 0.
 */
__u32 cni_prog_id(int which);
/* XDP and tc egress on @dev of the current netns; undone on failure. */
int cni_progs_attach(struct cni_req *r, struct cli *c, const char *dev,
		     const struct cni_progs *p);

/* ---- records and attachments (cni_state.c) ------------------------------ */
/*
 * The cni_state and cni_netns maps: opened, or created and pinned with
 * @create; 1 when cni_state is absent and not @create. A missing
 * cni_netns (pins of an older build) is made with @create, else left
 * out: its attachments have no namespace record.
 */
int cni_state_open(struct cni_req *r, struct cli *c, bool create);
void cni_state_close(void);
int cni_rec_get(const struct cni_key *k, struct cni_rec *v);
int cni_rec_put(const struct cni_key *k, const struct cni_rec *v);
int cni_rec_del(const struct cni_key *k);
/* An attachment's namespace record; -ENOENT when it has none. */
int cni_netns_get(const struct cni_key *k, struct cni_netns *v);
int cni_netns_put(const struct cni_key *k, const struct cni_netns *v);
int cni_netns_del(const struct cni_key *k);
/* A container is recorded with uplink @dev (stops at the first). */
bool cni_uplink_used(const char *dev);
/*
 * The keys of the container records of network @net that @keep does not
 * keep, in *@out (malloc'ed; free it), *@n of them; -errno on failure.
 */
int cni_conts_of_net(const char *net,
		     bool (*keep)(const struct cni_key *k, void *arg),
		     void *arg, struct cni_key **out, size_t *n);
/*
 * When no container or uplink is recorded: unpin the programs, then
 * cni_state. Costs as many steps as there are program records + 1.
 */
void cni_state_gc(struct cli *c);
/*
 * The pin directory lies under /sys/fs/bpf, no bpffs is mounted there,
 * and this is not the mount namespace of the caller (the runtime): a
 * fresh /sys, as 'ip netns exec' mounts one. The pins of the runtime's other calls are
 * out of sight, and what a call pinned here would go with its mount
 * namespace: -1 with code 100, never "nothing there"; else 0.
 */
int cni_pins_hidden(struct cni_req *r, const char *pin_dir);
/*
 * Run @fn in the network namespace at @path, on a thread of its own (the
 * process stays where it is): its result;
 * -ENOENT when @path names none, -ESTALE (@fn not run) when @want is not
 * 0 and the namespace's cookie is not @want.
 */
int cni_in_netns(struct cni_req *r, const char *path, __u64 want,
		 int (*fn)(struct cni_req *r, struct cli *c, void *arg),
		 struct cli *c, void *arg);

#endif /* _RXLANE_CNI_H */
