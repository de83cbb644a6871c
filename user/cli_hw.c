// SPDX-License-Identifier: GPL-2.0
/*
 * cli_hw.c - the NIC, the third enforcer of the CLI's container model
 * (Documentation/hwfilter.rst, "The CLI's containers in the NIC").
 *
 * A container recorded with 'nic NIC hw' is, besides its fast-path
 * entries, a container of the kernel's "rxlane" generic netlink family
 * of the same name: its addresses, CPUs, default policy and allow rules
 * become NIC entries. cli_sync() calls cli_hw_step() after the fast path
 * took the change and before the intent goes, so a killed command leaves
 * an intent whose recovery runs this step again.
 *
 * The step makes the kernel's container what the record says, with the
 * fewest commands: an unchanged container only gets the allow rules it
 * lacks (RULE_NEW) and loses those it no longer has (RULE_DEL); a changed
 * NIC, address list, CPU set or default policy makes it anew. When the NIC
 * refuses anything (no ntuple or RSS-context ops, a full table, no
 * capability, no rxlane module), or the container's rules are more than
 * the NIC can express (a drop rule, a protocol other than tcp or udp),
 * the kernel's container goes: the container falls back to XDP alone and
 * its record says why (hw_state, hw_reason). That is no error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/genetlink.h>
#include <linux/magic.h>
#include <linux/nsfs.h>

#include "cli.h"
#include "hw_nl.h"

/* A container's name is the kernel's name of it, unchanged. */
_Static_assert(CLI_NAME_MAX - 1 == RXLANE_NAME_MAX,
	       "the CLI's and the kernel's container names differ in length");

static const char *const cli_hw_names[] = {
	[CLI_HW_PENDING] = "pending",
	[CLI_HW_NIC] = "nic",
	[CLI_HW_FALLBACK] = "fallback",
};

/* One allow rule as the kernel holds it. */
struct cli_hw_rule {
	__u32 id;
	__u8 proto;
	__u8 family;		/* 0, 4 or 6 */
	__u8 plen;
	bool matched;
	__u16 lo, hi;
	__u8 src[16];
};

/* The kernel's container, as CONT_GET answers. */
struct cli_hw_cont {
	bool found;
	__u32 ifindex;
	__u64 cpus;
	__u8 def;
	bool has_mac, spoofchk;
	__u8 mac[6];
	__u64 netns_cookie;		/* its namespace's, 0 none */
	unsigned int naddrs, nrules;
	struct cli_addr addrs[RXLANE_ADDRS_MAX];
	struct cli_hw_rule rules[RXLANE_RULES_MAX];
};

void cli_hw_print(struct cli *c, __u32 state, const char *reason)
{
	if (state > CLI_HW_FALLBACK)
		state = CLI_HW_PENDING;
	cli_print_str(c, CLI_ANY, "hw", " hw %s", cli_hw_names[state]);
	if (state == CLI_HW_FALLBACK)
		cli_print_str(c, CLI_ANY, "hw_reason", " (%s)", reason);
}

/* ---- reading the kernel's container ----------------------------------- */

static int cli_hw_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	/* Every nest of the family has fewer types than the top level. */
	if (mnl_attr_get_type(a) <= RXLANE_A_MAX)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static void cli_hw_parse_rule(const struct nlattr *nest,
			      struct cli_hw_rule *r)
{
	const struct nlattr *tb[RXLANE_A_MAX + 1] = {};
	const struct nlattr *src;
	size_t len;

	memset(r, 0, sizeof(*r));
	mnl_attr_parse_nested(nest, cli_hw_attr_cb, tb);
	if (tb[RXLANE_RULE_ID] && !mnl_attr_validate(tb[RXLANE_RULE_ID], MNL_TYPE_U32))
		r->id = mnl_attr_get_u32(tb[RXLANE_RULE_ID]);
	if (tb[RXLANE_RULE_PROTO] && !mnl_attr_validate(tb[RXLANE_RULE_PROTO], MNL_TYPE_U8))
		r->proto = mnl_attr_get_u8(tb[RXLANE_RULE_PROTO]);
	if (tb[RXLANE_RULE_DPORT_MIN] && !mnl_attr_validate(tb[RXLANE_RULE_DPORT_MIN], MNL_TYPE_U16))
		r->lo = mnl_attr_get_u16(tb[RXLANE_RULE_DPORT_MIN]);
	r->hi = r->lo;
	if (tb[RXLANE_RULE_DPORT_MAX] && !mnl_attr_validate(tb[RXLANE_RULE_DPORT_MAX], MNL_TYPE_U16))
		r->hi = mnl_attr_get_u16(tb[RXLANE_RULE_DPORT_MAX]);
	src = tb[RXLANE_RULE_SRC_IN] ?: tb[RXLANE_RULE_SRC_IN6];
	if (!src)
		return;
	len = mnl_attr_get_payload_len(src);
	if (len != 4 && len != 16)
		return;
	r->family = len == 4 ? 4 : 6;
	memcpy(r->src, mnl_attr_get_payload(src), len);
	r->plen = len * 8;
	if (tb[RXLANE_RULE_SRC_PLEN] && !mnl_attr_validate(tb[RXLANE_RULE_SRC_PLEN], MNL_TYPE_U8))
		r->plen = mnl_attr_get_u8(tb[RXLANE_RULE_SRC_PLEN]);
}

static int cli_hw_get_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[RXLANE_A_MAX + 1] = {};
	struct cli_hw_cont *k = data;
	const struct nlattr *a;

	mnl_attr_parse(nlh, GENL_HDRLEN, cli_hw_attr_cb, tb);
	k->found = true;
	if (tb[RXLANE_A_IFINDEX] && !mnl_attr_validate(tb[RXLANE_A_IFINDEX], MNL_TYPE_U32))
		k->ifindex = mnl_attr_get_u32(tb[RXLANE_A_IFINDEX]);
	if (tb[RXLANE_A_CPUS] && !mnl_attr_validate(tb[RXLANE_A_CPUS], MNL_TYPE_U64))
		k->cpus = mnl_attr_get_u64(tb[RXLANE_A_CPUS]);
	if (tb[RXLANE_A_DEFAULT] && !mnl_attr_validate(tb[RXLANE_A_DEFAULT], MNL_TYPE_U8))
		k->def = mnl_attr_get_u8(tb[RXLANE_A_DEFAULT]);
	if (tb[RXLANE_A_MAC] && mnl_attr_get_payload_len(tb[RXLANE_A_MAC]) == 6) {
		memcpy(k->mac, mnl_attr_get_payload(tb[RXLANE_A_MAC]), 6);
		k->has_mac = true;
	}
	k->spoofchk = tb[RXLANE_A_SPOOFCHK];
	if (tb[RXLANE_A_NETNS_COOKIE] &&
	    !mnl_attr_validate(tb[RXLANE_A_NETNS_COOKIE], MNL_TYPE_U64))
		k->netns_cookie = mnl_attr_get_u64(tb[RXLANE_A_NETNS_COOKIE]);
	if (tb[RXLANE_A_ADDRS]) {
		mnl_attr_for_each_nested(a, tb[RXLANE_A_ADDRS]) {
			size_t len = mnl_attr_get_payload_len(a);
			struct cli_addr *ca = &k->addrs[k->naddrs];

			if ((len != 4 && len != 16) ||
			    k->naddrs == RXLANE_ADDRS_MAX)
				continue;
			memset(ca, 0, sizeof(*ca));
			ca->family = len == 4 ? 4 : 6;
			memcpy(ca->addr, mnl_attr_get_payload(a), len);
			k->naddrs++;
		}
	}
	if (tb[RXLANE_A_RULES]) {
		mnl_attr_for_each_nested(a, tb[RXLANE_A_RULES]) {
			if (k->nrules == RXLANE_RULES_MAX)
				break;
			cli_hw_parse_rule(a, &k->rules[k->nrules++]);
		}
	}
	return MNL_CB_OK;
}

/* The kernel's container @name into @k: 0 (k->found says whether) or -errno. */
static int cli_hw_get(struct hw_nl *h, const char *name, struct cli_hw_cont *k)
{
	struct nlmsghdr *nlh;
	int err;

	memset(k, 0, sizeof(*k));
	nlh = hw_nl_msg(h, RXLANE_CMD_CONT_GET, NLM_F_ACK);
	mnl_attr_put_strz(nlh, RXLANE_A_NAME, name);
	err = hw_nl_talk(h, nlh, cli_hw_get_cb, k);
	if (err == -ENOENT) {
		k->found = false;
		return 0;
	}
	return err;
}

static int cli_hw_del(struct hw_nl *h, const char *name)
{
	struct nlmsghdr *nlh = hw_nl_msg(h, RXLANE_CMD_CONT_DEL, NLM_F_ACK);
	int err;

	mnl_attr_put_strz(nlh, RXLANE_A_NAME, name);
	err = hw_nl_talk(h, nlh, NULL, NULL);
	return err == -ENOENT ? 0 : err;
}

/* ---- what the record wants --------------------------------------------- */

/*
 * Whether rule @r goes to the NIC: its entries filter what the container
 * receives, so out rules ('fw add NAME out ...') stay with the tc egress
 * program alone.
 */
static bool cli_hw_takes(const struct cli_rule *r)
{
	return !r->out;
}

/* Why @s cannot be in the NIC, or NULL. */
static const char *cli_hw_unfit(const struct cli_set *s, char *buf,
				size_t len)
{
	const struct cli_rule *r;
	unsigned int i, n = 0;

	for (i = 0; i < s->nrules; i++)
		n += cli_hw_takes(&s->rules[i]);
	if (n > RXLANE_RULES_MAX) {
		snprintf(buf, len, "%u rules, the NIC takes %d per container",
			 n, RXLANE_RULES_MAX);
		return buf;
	}
	for (i = 0; i < s->nrules; i++) {
		r = &s->rules[i];
		if (!cli_hw_takes(r))
			continue;
		if (r->drop) {
			snprintf(buf, len,
				 "rule %u drops: the NIC takes allow rules only",
				 r->handle);
			return buf;
		}
		if (r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP) {
			snprintf(buf, len,
				 "rule %u is not for tcp or udp: the NIC matches ports only",
				 r->handle);
			return buf;
		}
	}
	return NULL;
}

static bool cli_hw_prefix_eq(const __u8 *a, const __u8 *b, unsigned int plen)
{
	unsigned int full = plen / 8, rest = plen % 8;
	__u8 m = rest ? (__u8)(0xff << (8 - rest)) : 0;

	if (memcmp(a, b, full))
		return false;
	return !rest || ((a[full] ^ b[full]) & m) == 0;
}

static bool cli_hw_rule_is(const struct cli_hw_rule *k,
			   const struct cli_rule *r)
{
	if (k->proto != r->proto || k->lo != r->dport_lo ||
	    k->hi != r->dport_hi)
		return false;
	/* A prefix of length 0 is no prefix, for either. */
	if ((r->family && r->plen) != (k->family && k->plen))
		return false;
	if (!r->family || !r->plen)
		return true;
	return k->family == r->family && k->plen == r->plen &&
	       cli_hw_prefix_eq(k->src, r->src, r->plen);
}

/* The kernel's container has @s's NIC, addresses, CPUs and default. */
/*
 * The NIC checks @s's egress for spoofing when @s has a MAC (the MAC is
 * the CLI's anti-spoofing setting, conntrack.rst) and its NIC is rxlane's,
 * whose transmit path can (hwfilter.rst, "Egress spoof check"). Another
 * driver's NIC takes the container without it: its host-side device, if
 * any, keeps the tc check.
 */
static bool cli_hw_spoofchk(const struct cli_set *s)
{
	return s->cont.has_mac && cli_dev_driver_is(s->cont.nic, "rxlane");
}

static bool cli_hw_shape_same(const struct cli_hw_cont *k,
			      const struct cli_set *s, unsigned int ifindex)
{
	unsigned int i, j;

	if (k->ifindex != ifindex || k->naddrs != s->cont.naddrs ||
	    k->def != (s->cont.default_drop ? RXLANE_DEFAULT_DROP :
					       RXLANE_DEFAULT_ALLOW))
		return false;
	/* Without a CPU list the kernel took every online CPU: any is his. */
	if (s->cont.cpus && k->cpus != s->cont.cpus)
		return false;
	if (k->has_mac != !!s->cont.has_mac ||
	    (k->has_mac && memcmp(k->mac, s->cont.mac, 6)) ||
	    k->spoofchk != cli_hw_spoofchk(s))
		return false;
	/* Tied to a namespace or not, as the record says (not which one). */
	if (!k->netns_cookie != !s->cont.netns[0])
		return false;
	for (i = 0; i < s->cont.naddrs; i++) {
		for (j = 0; j < k->naddrs; j++)
			if (k->addrs[j].family == s->cont.addrs[i].family &&
			    !memcmp(k->addrs[j].addr, s->cont.addrs[i].addr,
				    k->addrs[j].family == 4 ? 4 : 16))
				break;
		if (j == k->naddrs)
			return false;
	}
	return true;
}

/*
 * Whether the kernel's container is tied to the namespace the record's
 * cookie names (a record without a cookie names none to compare); when
 * not, @why says so.
 */
static bool cli_hw_tie_same(const struct cli_hw_cont *k,
			    const struct cli_set *s, char *why, size_t len)
{
	if (!s->cont.netns_cookie || !k->netns_cookie ||
	    k->netns_cookie == s->cont.netns_cookie)
		return true;
	snprintf(why, len,
		 "the NIC ties it to another network namespace (cookie %llu, recorded %llu)",
		 (unsigned long long)k->netns_cookie,
		 (unsigned long long)s->cont.netns_cookie);
	return false;
}

/*
 * check, a container the NIC does not hold: whether a repair could tie
 * it to its namespace again, added to @why when it could not (the path
 * gone, or bound to another namespace since).
 */
static void cli_hw_netns_gone(const struct cli_set *s, char *why, size_t len)
{
	char err[CLI_NETNS_MAX + 128];
	size_t n = strlen(why);
	__u64 cookie;
	int fd;

	if (!s->cont.netns[0])
		return;
	fd = cli_netns_open(s->cont.netns, s->cont.netns_cookie, &cookie,
			    err, sizeof(err));
	if (fd >= 0) {
		close(fd);
		return;
	}
	if (n < len)
		snprintf(why + n, len - n, "; %s", err);
}

/* ---- programming ------------------------------------------------------- */

/* @r as a RXLANE_A_RULE nest. */
static void cli_hw_put_rule(struct nlmsghdr *nlh, const struct cli_rule *r)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, RXLANE_A_RULE);

	mnl_attr_put_u8(nlh, RXLANE_RULE_PROTO, r->proto);
	mnl_attr_put_u16(nlh, RXLANE_RULE_DPORT_MIN, r->dport_lo);
	mnl_attr_put_u16(nlh, RXLANE_RULE_DPORT_MAX, r->dport_hi);
	if (r->family && r->plen) {
		mnl_attr_put(nlh, r->family == 4 ? RXLANE_RULE_SRC_IN :
			     RXLANE_RULE_SRC_IN6, r->family == 4 ? 4 : 16,
			     r->src);
		mnl_attr_put_u8(nlh, RXLANE_RULE_SRC_PLEN, r->plen);
	}
	mnl_attr_nest_end(nlh, nest);
}

int cli_netns_fd(const char *path, char *err, size_t len)
{
	struct statfs fs;
	int fd, ret;

	/* O_NONBLOCK: a FIFO at @path must not hang the command. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, len, "network namespace %s: %s", path,
			 strerror(errno));
		return ret;
	}
	if (fstatfs(fd, &fs) || fs.f_type != NSFS_MAGIC) {
		snprintf(err, len,
			 "network namespace %s: no namespace is bound there (not an nsfs file)",
			 path);
		goto err_close;
	}
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		snprintf(err, len,
			 "network namespace %s: a namespace of another kind", path);
		goto err_close;
	}
	return fd;

err_close:
	close(fd);
	return -EINVAL;
}

struct cli_netns_probe {
	int fd;		/* the namespace to read */
	__u64 cookie;	/* its cookie, 0 when @err says why not */
	int err;	/* errno */
};

/*
 * A thread of its own enters the namespace: a thread's network namespace
 * is its own (setns() changes the caller's only), so the process never
 * leaves the one it runs in, and no failure can strand it elsewhere.
 */
static void *cli_netns_probe(void *arg)
{
	struct cli_netns_probe *p = arg;

	if (setns(p->fd, CLONE_NEWNET)) {
		p->err = errno;
		return NULL;
	}
	/* Its cookie is that of a socket made in it (SO_NETNS_COOKIE, 5.14). */
	p->cookie = rxl_netns_cookie();
	if (!p->cookie)
		p->err = errno ? errno : EOPNOTSUPP;
	return NULL;
}

int cli_netns_open(const char *path, __u64 want, __u64 *cookie, char *err,
		   size_t len)
{
	struct cli_netns_probe p = {};
	pthread_t t;
	int fd, ret;

	fd = cli_netns_fd(path, err, len);
	if (fd < 0)
		return fd;
	p.fd = fd;
	ret = pthread_create(&t, NULL, cli_netns_probe, &p);
	if (ret) {
		snprintf(err, len, "network namespace %s: no thread to read it: %s",
			 path, strerror(ret));
		ret = -ret;
		goto err_close;
	}
	pthread_join(t, NULL);
	*cookie = p.cookie;
	if (!p.cookie) {
		ret = -p.err;
		snprintf(err, len, "network namespace %s: cannot read its cookie: %s",
			 path, strerror(p.err));
		goto err_close;
	}
	if (want && *cookie != want) {
		ret = -ESTALE;
		snprintf(err, len,
			 "netns %s is another namespace now (cookie %llu, recorded %llu)",
			 path, (unsigned long long)*cookie,
			 (unsigned long long)want);
		goto err_close;
	}
	return fd;

err_close:
	close(fd);
	return ret;
}

struct cli_netns_call {
	struct cli *c;
	int (*fn)(struct cli *c, void *arg);
	void *arg;
	int fd;
	int ret;
};

/* As cli_netns_probe(): setns() changes this thread's namespace only. */
static void *cli_netns_call(void *arg)
{
	struct cli_netns_call *k = arg;

	if (setns(k->fd, CLONE_NEWNET)) {
		k->ret = -errno;
		return NULL;
	}
	k->ret = k->fn(k->c, k->arg);
	return NULL;
}

int cli_in_netns(struct cli *c, const char *path, __u64 want,
		 int (*fn)(struct cli *c, void *arg), void *arg, char *err,
		 size_t len)
{
	struct cli_netns_call k = { .c = c, .fn = fn, .arg = arg };
	__u64 cookie;
	pthread_t t;
	int ret;

	k.fd = cli_netns_open(path, want, &cookie, err, len);
	if (k.fd < 0)
		return k.fd;
	ret = pthread_create(&t, NULL, cli_netns_call, &k);
	if (ret) {
		snprintf(err, len, "network namespace %s: no thread to enter it: %s",
			 path, strerror(ret));
		k.ret = -ret;
	} else {
		pthread_join(t, NULL);
		if (k.ret < 0 && err[0] == 0)
			snprintf(err, len, "network namespace %s: %s", path,
				 strerror(-k.ret));
	}
	close(k.fd);
	return k.ret;
}

/*
 * The kernel's container @s, its rules included: one CONT_NEW, so the NIC
 * never holds its drop entries without its allow entries. With a netns in
 * its record (a path) it goes with that network namespace too; a path
 * that names no namespace any more, or another namespace than the one
 * recorded (its cookie), is a refusal (the fallback). The cookie is read
 * from the fd the kernel gets, so the two cannot differ.
 */
static int cli_hw_new(struct hw_nl *h, const struct cli_set *s,
		      unsigned int ifindex)
{
	const char *netns = s->cont.netns[0] ? s->cont.netns : NULL;
	struct nlmsghdr *nlh = hw_nl_msg(h, RXLANE_CMD_CONT_NEW, NLM_F_ACK);
	const struct cli_addr *a;
	struct nlattr *nest;
	unsigned int i;
	int fd = -1, err;
	__u64 cookie;

	if (netns) {
		fd = cli_netns_open(netns, s->cont.netns_cookie, &cookie,
				    h->err, sizeof(h->err));
		if (fd < 0)
			return fd;
		mnl_attr_put_u32(nlh, RXLANE_A_NETNS_FD, fd);
	}

	mnl_attr_put_strz(nlh, RXLANE_A_NAME, s->cont.name);
	mnl_attr_put_u32(nlh, RXLANE_A_IFINDEX, ifindex);
	nest = mnl_attr_nest_start(nlh, RXLANE_A_ADDRS);
	for (i = 0; i < s->cont.naddrs; i++) {
		a = &s->cont.addrs[i];
		mnl_attr_put(nlh, a->family == 4 ? RXLANE_ADDR_IN :
			     RXLANE_ADDR_IN6, a->family == 4 ? 4 : 16, a->addr);
	}
	mnl_attr_nest_end(nlh, nest);
	if (s->cont.cpus)
		mnl_attr_put_u64(nlh, RXLANE_A_CPUS, s->cont.cpus);
	if (s->cont.has_mac)
		mnl_attr_put(nlh, RXLANE_A_MAC, 6, s->cont.mac);
	if (cli_hw_spoofchk(s))
		mnl_attr_put(nlh, RXLANE_A_SPOOFCHK, 0, NULL);
	mnl_attr_put_u8(nlh, RXLANE_A_DEFAULT, s->cont.default_drop ?
			RXLANE_DEFAULT_DROP : RXLANE_DEFAULT_ALLOW);
	nest = mnl_attr_nest_start(nlh, RXLANE_A_RULES);
	for (i = 0; i < s->nrules; i++)
		if (cli_hw_takes(&s->rules[i]))
			cli_hw_put_rule(nlh, &s->rules[i]);
	mnl_attr_nest_end(nlh, nest);
	err = hw_nl_talk(h, nlh, NULL, NULL);
	if (fd >= 0)
		close(fd);
	return err;
}

static int cli_hw_rule_new(struct hw_nl *h, const char *name,
			   const struct cli_rule *r)
{
	struct nlmsghdr *nlh = hw_nl_msg(h, RXLANE_CMD_RULE_NEW, NLM_F_ACK);

	mnl_attr_put_strz(nlh, RXLANE_A_NAME, name);
	cli_hw_put_rule(nlh, r);
	return hw_nl_talk(h, nlh, NULL, NULL);
}

static int cli_hw_rule_del(struct hw_nl *h, const char *name, __u32 id)
{
	struct nlmsghdr *nlh = hw_nl_msg(h, RXLANE_CMD_RULE_DEL, NLM_F_ACK);

	mnl_attr_put_strz(nlh, RXLANE_A_NAME, name);
	mnl_attr_put_u32(nlh, RXLANE_A_RULE_ID, id);
	return hw_nl_talk(h, nlh, NULL, NULL);
}

/* The kernel's message of the last refusal, or @err's text, into @why. */
static void cli_hw_why(struct hw_nl *h, int err, const char *what,
		       char *why, size_t len)
{
	const char *msg = h->err;

	if (!strncmp(msg, "rxlane: ", 8))
		msg += 8;
	snprintf(why, len, "%s: %s%s%s%s", what, msg[0] ? msg : "",
		 msg[0] ? " (" : "", strerror(-err), msg[0] ? ")" : "");
}

/*
 * Make the kernel's container @s, or tell what differs (@dry: nothing is
 * changed). 0 when it is (or would be left) as @s says; 1 with @dry and a
 * difference; -errno with @why when the NIC refused (the caller removes
 * the kernel's container: the fallback).
 */
static int cli_hw_apply(struct hw_nl *h, const struct cli_set *s,
			bool dry, char *why, size_t len)
{
	struct cli_hw_cont *k;
	unsigned int ifindex, i, j;
	bool *have = NULL, tie;
	int err;

	ifindex = if_nametoindex(s->cont.nic);
	if (!ifindex) {
		snprintf(why, len, "no device '%s'", s->cont.nic);
		return -ENODEV;
	}
	k = calloc(1, sizeof(*k));
	have = calloc(s->nrules ?: 1, sizeof(*have));
	if (!k || !have) {
		err = -ENOMEM;
		snprintf(why, len, "out of memory");
		goto out;
	}
	err = cli_hw_get(h, s->cont.name, k);
	if (err) {
		cli_hw_why(h, err, "reading the NIC's container", why, len);
		goto out;
	}
	tie = !k->found || cli_hw_tie_same(k, s, why, len);
	if (k->found && (!tie || !cli_hw_shape_same(k, s, ifindex))) {
		err = 1;
		if (tie)
			snprintf(why, len, "the NIC holds it with another NIC, address, CPU set, default, MAC or namespace tie");
		if (dry)
			goto out;
		err = cli_hw_del(h, s->cont.name);
		if (err) {
			cli_hw_why(h, err, "removing it from the NIC", why, len);
			goto out;
		}
		k->found = false;
		k->nrules = 0;
	}
	if (!k->found) {
		err = 1;
		snprintf(why, len, "the NIC does not hold it");
		if (dry) {
			cli_hw_netns_gone(s, why, len);
			goto out;
		}
		err = cli_hw_new(h, s, ifindex);
		if (err) {
			cli_hw_why(h, err, s->cont.nic, why, len);
			goto out;
		}
		/* Made with every rule of the record: nothing to pair. */
		err = 0;
		goto out;
	}
	/* Pair the kernel's rules with the record's, one to one. */
	for (j = 0; j < s->nrules; j++)
		have[j] = !cli_hw_takes(&s->rules[j]);	/* not the NIC's */
	for (i = 0; i < k->nrules; i++) {
		for (j = 0; j < s->nrules; j++) {
			if (have[j] || !cli_hw_rule_is(&k->rules[i], &s->rules[j]))
				continue;
			have[j] = k->rules[i].matched = true;
			break;
		}
	}
	err = 0;
	for (i = 0; i < k->nrules && !err; i++) {
		if (k->rules[i].matched)
			continue;
		snprintf(why, len, "the NIC holds its rule %u, which it no longer has",
			 k->rules[i].id);
		if (dry) {
			err = 1;
			goto out;
		}
		err = cli_hw_rule_del(h, s->cont.name, k->rules[i].id);
		if (err)
			cli_hw_why(h, err, "removing a rule from the NIC", why, len);
	}
	for (j = 0; j < s->nrules && !err; j++) {
		if (have[j])
			continue;
		snprintf(why, len, "the NIC lacks its rule %u", s->rules[j].handle);
		if (dry) {
			err = 1;
			goto out;
		}
		err = cli_hw_rule_new(h, s->cont.name, &s->rules[j]);
		if (err)
			cli_hw_why(h, err, s->cont.nic, why, len);
	}
out:
	free(have);
	free(k);
	return err;
}

/* The record of container @id gets @state and @why (best effort). */
static void cli_hw_record(struct cli *c, __u32 id, __u32 state,
			  const char *why)
{
	struct cli_cont ct;

	c->hw_done = true;
	c->hw_state = state;
	snprintf(c->hw_reason, sizeof(c->hw_reason), "%s",
		 state == CLI_HW_FALLBACK ? why : "");
	if (bpf_map_lookup_elem(c->conts_fd, &id, &ct))
		return;
	ct.hw_state = state;
	memset(ct.hw_reason, 0, sizeof(ct.hw_reason));
	snprintf(ct.hw_reason, sizeof(ct.hw_reason), "%s", c->hw_reason);
	bpf_map_update_elem(c->conts_fd, &id, &ct, BPF_EXIST);
}

/* @s is enforced by XDP alone, because of @why: recorded, and said. */
static void cli_hw_fallback(struct cli *c, const struct cli_set *s,
			    const char *why)
{
	cli_hw_record(c, s->cont.id, CLI_HW_FALLBACK, why);
	/* Under -j the documents say it ("hw", "hw_reason"); stderr is errors'. */
	if (!c->json)
		fprintf(stderr, "%s: container '%s': enforced by XDP alone: %s\n",
			c->prog, s->cont.name, why);
}

void cli_hw_step(struct cli *c, const struct cli_cont *from,
		 const struct cli_set *to)
{
	bool want = to && to->cont.hw;
	char why[sizeof(c->hw_reason)];
	struct hw_nl h;
	int err;

	c->hw_done = false;
	if (!want && !(from && from->hw))
		return;
	if (hw_nl_open(&h)) {
		/* Without the family no NIC holds anything of ours. */
		if (want)
			cli_hw_fallback(c, to, h.err);
		return;
	}
	if (from && from->hw && (!want || strcmp(from->name, to->cont.name)))
		cli_hw_del(&h, from->name);
	if (want) {
		const char *unfit = cli_hw_unfit(to, why, sizeof(why));

		if (unfit) {
			if (unfit != why)
				snprintf(why, sizeof(why), "%s", unfit);
			err = -EOPNOTSUPP;
		} else {
			err = cli_hw_apply(&h, to, false, why, sizeof(why));
		}
		/* All or nothing: a half-programmed NIC would drop allowed traffic. */
		if (err) {
			cli_hw_del(&h, to->cont.name);
			cli_hw_fallback(c, to, why);
		} else {
			cli_hw_record(c, to->cont.id, CLI_HW_NIC, "");
		}
	}
	hw_nl_close(&h);
}

/*
 * For check (cmd_check.c), a container with hw: what differs between its
 * record and the kernel's container of its name, in @why; 0 when nothing
 * does, 1 when something does, -errno when the NIC cannot be asked.
 */
int cli_hw_verify(struct cli *c, const struct cli_set *s, char *why,
		  size_t len)
{
	__u32 state = s->cont.hw_state;
	struct cli_hw_cont *k;
	struct hw_nl h;
	int err;

	(void)c;
	if (!s->cont.hw)
		return 0;
	if (state != CLI_HW_NIC && state != CLI_HW_FALLBACK) {
		snprintf(why, len, "its NIC step was not finished");
		return 1;
	}
	if (hw_nl_open(&h)) {
		if (state == CLI_HW_FALLBACK)
			return 0;
		snprintf(why, len, "in the NIC per its record, but %s", h.err);
		return 1;
	}
	if (state == CLI_HW_NIC) {
		err = cli_hw_apply(&h, s, true, why, len);
		hw_nl_close(&h);
		return err;
	}
	k = calloc(1, sizeof(*k));
	err = k ? cli_hw_get(&h, s->cont.name, k) : -ENOMEM;
	if (err)
		cli_hw_why(&h, err, "reading the NIC's container", why, len);
	else if (k->found)
		snprintf(why, len, "falls back to XDP per its record, but the NIC holds it");
	err = err ?: k->found;
	free(k);
	hw_nl_close(&h);
	return err;
}

/* check --repair: the NIC as @s's record says, or a fallback. */
void cli_hw_repair(struct cli *c, const struct cli_set *s)
{
	cli_hw_step(c, NULL, s);
}
