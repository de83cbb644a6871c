// SPDX-License-Identifier: GPL-2.0
/*
 * fail_nth: drive the allocations of one control path of rxlane into
 * failure, one at a time, with the kernel's per-task fault injection
 * (/proc/thread-self/fail-nth + FAILSLAB), and check that each failure
 * leaves no partial state.
 *
 *   fail_nth newlink LOWER      ip link add NAME link LOWER type rxlane
 *   fail_nth xdp DEV PROG.o     native XDP attach of PROG.o's first program
 *   fail_nth ntuple DEV         ethtool -N DEV flow-type tcp4 ... action 0
 *   fail_nth channels DEV       ethtool -L DEV combined MAX from MAX / 2
 *   fail_nth rss-ctx DEV        ethtool -X DEV context new hfunc toeplitz
 *   fail_nth hw-cont-new DEV    rxlane hw container add rxlfi dev DEV ...
 *   fail_nth hw-cont-del DEV    rxlane hw container del rxlfi
 *   fail_nth hw-rule-new DEV    rxlane hw rule add rxlfi allow ... 6000-6003
 *   fail_nth hw-rule-del DEV    rxlane hw rule del rxlfi ID
 *   (the rxlane generic netlink family's commands, Documentation/hwfilter.rst:
 *   a container of one address on CPU 0, with a MAC and the NIC's spoof
 *   check, holds one drop entry, one RSS context and the check's copy,
 *   each rule one allow entry more; hw-cont-new and hw-cont-del's
 *   container comes with two rules in its CONT_NEW, hw-rule-*'s with
 *   none; hw-cont-del and hw-rule-* make what they delete or extend first
 *   and leave the container behind; what else the NIC holds, e.g. another
 *   container, is counted at setup and must stay as it is)
 *
 * Which allocations fail: by default those reached through rxlane's own
 * code, one for each call site in rxlane.ko (a census run first records
 * every slab allocation of the operation with its stack, through the
 * kmem trace events; N is its index among them). That drives every error
 * path of the module at least once in minutes, where failing every
 * allocation of the kernel's own device registration one by one takes
 * hours under KASAN and TCG. An operation of at most EXHAUSTIVE_MAX
 * allocations, and any with -a (or RXL_FAIL_NTH_ALL=1), has every
 * allocation fail in turn: for N = 1, 2, ... until the operation
 * completes without reaching N. KASAN, kmemleak and the refcount trackers
 * of the debug kernel judge the rest.
 * Exit: 0 pass, 1 fail, 4 skip (no fault injection in this kernel).
 */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>

#include "rxlane_genl.h"

#define KSFT_SKIP	4
#define MAX_NTH		5000
#define FAILSLAB	"/sys/kernel/debug/failslab/"
#define RSS_HASH_TOP	1	/* the kernel's ETH_RSS_HASH_TOP: Toeplitz */

static int nth_fd = -1;
static const char *newname = "rxlfi0";

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

/* Arm: the n-th allocation of this thread from now on fails. */
static int nth_arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(nth_fd, buf, len, 0) == len ? 0 : -1;
}

/* Disarm and say whether the armed failure was injected. */
static int nth_disarm(void)
{
	char buf[16] = "";
	ssize_t n = pread(nth_fd, buf, sizeof(buf) - 1, 0);

	pwrite(nth_fd, "0", 1, 0);
	return n > 0 && atoi(buf) == 0;
}

/* ---- rtnetlink: create and delete an rxlane device ---------------------- */

static struct mnl_socket *nl;
static unsigned int nl_seq;

static int nl_talk(struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;

	nlh->nlmsg_seq = ++nl_seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	if (mnl_cb_run(buf, n, nl_seq, mnl_socket_get_portid(nl), NULL, NULL) < 0)
		return -errno;
	return 0;
}

static int link_add(const char *lower)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;
	struct nlattr *info;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, newname);
	mnl_attr_put_u32(nlh, IFLA_LINK, if_nametoindex(lower));
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "rxlane");
	mnl_attr_nest_end(nlh, info);
	return nl_talk(nlh);
}

static int link_del(const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = RTM_DELLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nl_talk(nlh);
}

/* ---- the three operations: run, then check and undo ------------------- */

struct op {
	const char *name;
	int (*run)(void);
	/* After run() returned @err: 0 if the state is whole, undone. */
	int (*settle)(int err, int injected);
};

static const char *arg_dev, *arg_obj;
static int prog_fd = -1, sock_fd = -1;

static int newlink_run(void)
{
	return link_add(arg_dev);
}

static int newlink_settle(int err, int injected)
{
	int exists = if_nametoindex(newname) != 0;

	if (err && exists && !injected) {
		fprintf(stderr, "newlink failed (%d) without a fault, yet %s exists\n",
			err, newname);
		return -1;
	}
	if (exists && link_del(newname)) {
		fprintf(stderr, "cannot delete %s after a fault\n", newname);
		return -1;
	}
	/* The lower device must be free for the next attempt. */
	if (if_nametoindex(newname)) {
		fprintf(stderr, "%s still exists after delete\n", newname);
		return -1;
	}
	return 0;
}

static int xdp_run(void)
{
	return bpf_xdp_attach(if_nametoindex(arg_dev), prog_fd,
			      XDP_FLAGS_DRV_MODE, NULL);
}

static int xdp_settle(int err, int injected)
{
	__u32 id = 0;
	int ifindex = if_nametoindex(arg_dev);

	if (bpf_xdp_query_id(ifindex, XDP_FLAGS_DRV_MODE, &id)) {
		fprintf(stderr, "cannot query XDP on %s\n", arg_dev);
		return -1;
	}
	if (err && id && !injected) {
		fprintf(stderr, "attach failed (%d) but a program is attached\n", err);
		return -1;
	}
	if (id && bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL)) {
		fprintf(stderr, "cannot detach XDP from %s\n", arg_dev);
		return -1;
	}
	return 0;
}

static int rxnfc(struct ethtool_rxnfc *nfc)
{
	struct ifreq ifr = {};

	strncpy(ifr.ifr_name, arg_dev, IFNAMSIZ - 1);
	ifr.ifr_data = (void *)nfc;
	return ioctl(sock_fd, SIOCETHTOOL, &ifr) ? -errno : 0;
}

static int rule_count(void)
{
	struct ethtool_rxnfc nfc = { .cmd = ETHTOOL_GRXCLSRLCNT };

	return rxnfc(&nfc) ? -1 : (int)nfc.rule_cnt;
}

static int ntuple_run(void)
{
	struct ethtool_rxnfc nfc = {
		.cmd = ETHTOOL_SRXCLSRLINS,
		.fs = {
			.flow_type = TCP_V4_FLOW,
			.h_u.tcp_ip4_spec = {
				.ip4src = htonl(0xc0000201),
				.pdst = htons(8080),
			},
			.m_u.tcp_ip4_spec = {
				.ip4src = 0xffffffff,
				.pdst = 0xffff,
			},
			.ring_cookie = 0,
			.location = 7,
		},
	};

	return rxnfc(&nfc);
}

static int ntuple_settle(int err, int injected)
{
	struct ethtool_rxnfc del = { .cmd = ETHTOOL_SRXCLSRLDEL };
	int cnt = rule_count();

	if (cnt < 0) {
		fprintf(stderr, "cannot count ntuple rules on %s\n", arg_dev);
		return -1;
	}
	if (err && cnt && !injected) {
		fprintf(stderr, "insert failed (%d) but %d rules exist\n", err, cnt);
		return -1;
	}
	if (cnt) {
		del.fs.location = 7;
		if (rxnfc(&del) || rule_count() != 0) {
			fprintf(stderr, "cannot delete the rule after a fault\n");
			return -1;
		}
	}
	return 0;
}

/*
 * Channels: grow from half to all queues. The ioctl allocates nothing
 * after the driver's op returns, so here a failure must change nothing
 * at all: the count stays and so does the default indirection table.
 */
static unsigned int ch_from, ch_to;

static int channels(struct ethtool_channels *ch, __u32 cmd)
{
	ch->cmd = cmd;
	return rxnfc((struct ethtool_rxnfc *)ch);
}

static int channels_set(unsigned int n)
{
	struct ethtool_channels ch = { .combined_count = n };

	return channels(&ch, ETHTOOL_SCHANNELS);
}

/* The highest queue of the main indirection table, or -1. */
static int indir_max(__u32 context)
{
	struct {
		struct ethtool_rxfh h;
		__u32 indir[256];
	} r = { .h = { .cmd = ETHTOOL_GRSSH, .rss_context = context,
		       .indir_size = 128 } };
	int max = 0;
	__u32 i;

	if (rxnfc((struct ethtool_rxnfc *)&r) || r.h.indir_size > 256)
		return -1;
	for (i = 0; i < r.h.indir_size; i++)
		if ((int)r.indir[i] > max)
			max = r.indir[i];
	return max;
}

static int channels_setup(void)
{
	struct ethtool_channels ch = {};

	if (channels(&ch, ETHTOOL_GCHANNELS) || ch.max_combined < 2) {
		fprintf(stderr, "%s needs 2 or more queues\n", arg_dev);
		return -1;
	}
	ch_to = ch.max_combined;
	ch_from = ch_to / 2;
	if (channels_set(ch_from) || indir_max(0) != (int)ch_from - 1) {
		fprintf(stderr, "cannot set %u channels with the default table\n",
			ch_from);
		return -1;
	}
	return 0;
}

static int channels_run(void)
{
	return channels_set(ch_to);
}

static int channels_settle(int err, int injected)
{
	struct ethtool_channels ch = {};
	unsigned int want = err ? ch_from : ch_to;

	if (channels(&ch, ETHTOOL_GCHANNELS)) {
		fprintf(stderr, "cannot read channels of %s\n", arg_dev);
		return -1;
	}
	if (ch.combined_count != want || indir_max(0) != (int)want - 1) {
		fprintf(stderr, "set_channels %s (%d): %u channels, table up to queue %d; want %u\n",
			err ? "failed" : "passed", err, ch.combined_count,
			indir_max(0), want);
		return -1;
	}
	return channels_set(ch_from) ? -1 : 0;
}

/*
 * RSS context creation: on failure no context exists, on success exactly
 * the one created, which is deleted again.
 */
static int rss_ctx_run(void)
{
	struct ethtool_rxfh r = {
		.cmd = ETHTOOL_SRSSH,
		.rss_context = ETH_RXFH_CONTEXT_ALLOC,
		.indir_size = ETH_RXFH_INDIR_NO_CHANGE,
		.hfunc = RSS_HASH_TOP,
	};

	return rxnfc((struct ethtool_rxnfc *)&r);
}

static int rss_ctx_settle(int err, int injected)
{
	struct ethtool_rxfh del = { .cmd = ETHTOOL_SRSSH };
	unsigned int id, found = 0, which = 0;

	for (id = 1; id < 32; id++)
		if (indir_max(id) >= 0) {
			found++;
			which = id;
		}
	if (found != (err ? 0U : 1U)) {
		fprintf(stderr, "context create %s (%d), yet %u contexts exist\n",
			err ? "failed" : "passed", err, found);
		return -1;
	}
	if (found) {
		del.rss_context = which;
		if (rxnfc((struct ethtool_rxnfc *)&del) || indir_max(which) >= 0) {
			fprintf(stderr, "cannot delete RSS context %u\n", which);
			return -1;
		}
	}
	return 0;
}

/* ---- the rxlane generic netlink family ---------------------------------- */

#define HW_NAME		"rxlfi"

static struct mnl_socket *gnl;
static __u16 hw_family;
static __u32 hw_rule_id;	/* the container's last rule, 0: none */
static unsigned int hw_nrules;
/*
 * What the NIC holds besides our container (fault_injection.sh's other
 * container, on another CPU: so hw.c's NIC state outlives every failure,
 * and a location a failure left taken shows): counted at setup.
 */
static int hw_base_rules, hw_base_ctx;

static int hw_family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			hw_family = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

/* The container's rules: how many, and the last one's id. */
static int hw_cont_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a, *r, *f;

	hw_nrules = 0;
	hw_rule_id = 0;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) != RXLANE_A_RULES)
			continue;
		mnl_attr_for_each_nested(r, a) {
			hw_nrules++;
			mnl_attr_for_each_nested(f, r)
				if (mnl_attr_get_type(f) == RXLANE_RULE_ID)
					hw_rule_id = mnl_attr_get_u32(f);
		}
	}
	return MNL_CB_OK;
}

static struct nlmsghdr *hw_msg(char *buf, __u16 type, __u8 cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = 1;
	return nlh;
}

/*
 * A failed allocation can cut a request's answer short (the reply or the
 * ACK lost: ENOBUFS) and leave the rest queued: drop what is left before
 * the next request, or it would be read as that one's answer.
 */
static void hw_drain(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	while (recv(mnl_socket_get_fd(gnl), buf, sizeof(buf), MSG_DONTWAIT) >= 0 ||
	       errno == ENOBUFS)
		;
}

/* Send, read the reply (to @cb) and the ACK: 0 or -errno. */
static int hw_talk(struct nlmsghdr *nlh, mnl_cb_t cb)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;
	int ret;

	hw_drain();
	nlh->nlmsg_seq = ++nl_seq;
	if (mnl_socket_sendto(gnl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(gnl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, n, nl_seq, mnl_socket_get_portid(gnl),
				 cb, NULL);
	} while (ret > 0);
	return ret < 0 ? -errno : 0;
}

static const unsigned char hw_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0xfe, 0x01 };

/*
 * hw-cont-new and hw-cont-del make the container with two rules in the
 * request (RXLANE_A_RULES), so that the rules' entries are made and
 * undone inside CONT_NEW and removed by CONT_DEL under every failure;
 * hw-rule-* start from a container without rules.
 */
static bool hw_with_rules;

static void hw_put_rule(struct nlmsghdr *nlh, __u8 proto, __u16 lo, __u16 hi)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, RXLANE_A_RULE);

	mnl_attr_put_u8(nlh, RXLANE_RULE_PROTO, proto);
	mnl_attr_put_u16(nlh, RXLANE_RULE_DPORT_MIN, lo);
	mnl_attr_put_u16(nlh, RXLANE_RULE_DPORT_MAX, hi);
	mnl_attr_nest_end(nlh, nest);
}

static int hw_cont_new(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = hw_msg(buf, hw_family, RXLANE_CMD_CONT_NEW);
	struct nlattr *nest;

	mnl_attr_put_strz(nlh, RXLANE_A_NAME, HW_NAME);
	mnl_attr_put_u32(nlh, RXLANE_A_IFINDEX, if_nametoindex(arg_dev));
	nest = mnl_attr_nest_start(nlh, RXLANE_A_ADDRS);
	mnl_attr_put_u32(nlh, RXLANE_ADDR_IN, htonl(0x0a420001));
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u64(nlh, RXLANE_A_CPUS, 1);
	/* The NIC's spoof check too: its copy and its two hash tables. */
	mnl_attr_put(nlh, RXLANE_A_MAC, sizeof(hw_mac), hw_mac);
	mnl_attr_put(nlh, RXLANE_A_SPOOFCHK, 0, NULL);
	if (hw_with_rules) {
		/* One entry each: a port, and a range that is one mask. */
		nest = mnl_attr_nest_start(nlh, RXLANE_A_RULES);
		hw_put_rule(nlh, IPPROTO_TCP, 80, 80);
		hw_put_rule(nlh, IPPROTO_UDP, 7000, 7003);
		mnl_attr_nest_end(nlh, nest);
	}
	return hw_talk(nlh, NULL);
}

static int hw_cont_del(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = hw_msg(buf, hw_family, RXLANE_CMD_CONT_DEL);

	mnl_attr_put_strz(nlh, RXLANE_A_NAME, HW_NAME);
	return hw_talk(nlh, NULL);
}

/* 1: the container exists (hw_nrules, hw_rule_id set), 0: not, -1: error. */
static int hw_cont_get(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = hw_msg(buf, hw_family, RXLANE_CMD_CONT_GET);
	int err;

	mnl_attr_put_strz(nlh, RXLANE_A_NAME, HW_NAME);
	err = hw_talk(nlh, hw_cont_cb);
	if (err == -ENOENT)
		return 0;
	return err ? -1 : 1;
}

static int hw_rule_new(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = hw_msg(buf, hw_family, RXLANE_CMD_RULE_NEW);

	mnl_attr_put_strz(nlh, RXLANE_A_NAME, HW_NAME);
	hw_put_rule(nlh, IPPROTO_UDP, 6000, 6003);
	return hw_talk(nlh, NULL);
}

static int hw_rule_del(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = hw_msg(buf, hw_family, RXLANE_CMD_RULE_DEL);

	mnl_attr_put_strz(nlh, RXLANE_A_NAME, HW_NAME);
	mnl_attr_put_u32(nlh, RXLANE_A_RULE_ID, hw_rule_id);
	return hw_talk(nlh, NULL);
}

static int rss_ctx_count(void)
{
	unsigned int id, n = 0;

	for (id = 1; id < 32; id++)
		n += indir_max(id) >= 0;
	return n;
}

/*
 * The NIC holds what the container says and nothing else: with the
 * container, its drop entry, one per rule more, and its RSS context;
 * without it, no entry and no context.
 */
static int hw_whole(const char *what, int err)
{
	int exists = hw_cont_get();
	int want_rules = hw_base_rules + (exists > 0 ? 1 + (int)hw_nrules : 0);
	int want_ctx = hw_base_ctx + (exists > 0);

	if (exists < 0 || rule_count() != want_rules ||
	    rss_ctx_count() != want_ctx) {
		fprintf(stderr, "%s (%d): container %s, %u rules; the NIC has %d entries (want %d), %d RSS contexts (want %d)\n",
			what, err, exists > 0 ? "present" : exists ? "unreadable" : "absent",
			exists > 0 ? hw_nrules : 0, rule_count(), want_rules,
			rss_ctx_count(), want_ctx);
		return -1;
	}
	return exists;
}

static int hw_cont_new_settle(int err, int injected)
{
	int exists = hw_whole("hw-cont-new", err);

	if (exists < 0)
		return -1;
	if (err && exists && !injected) {
		fprintf(stderr, "container new failed (%d) without a fault, yet exists\n", err);
		return -1;
	}
	/* A reply lost after the change does not undo it (genl.c). */
	if (exists && (hw_cont_del() || hw_whole("hw-cont-new undo", 0))) {
		fprintf(stderr, "cannot delete the container after a fault\n");
		return -1;
	}
	return 0;
}

static int hw_cont_del_settle(int err, int injected)
{
	int exists = hw_whole("hw-cont-del", err);

	if (exists < 0)
		return -1;
	if (!err && exists) {
		fprintf(stderr, "container del passed, yet the container exists\n");
		return -1;
	}
	if (!exists && (hw_cont_new() || hw_whole("hw-cont-del redo", 0) != 1)) {
		fprintf(stderr, "cannot make the container again\n");
		return -1;
	}
	return 0;
}

/*
 * hw-rule-new (@adds) or hw-rule-del: the rule is there or not, as the
 * result says (a lost reply may leave it made); then back to the start.
 */
static int hw_rule_settle(bool adds, int err, int injected)
{
	const char *what = adds ? "hw-rule-new" : "hw-rule-del";
	int changed;

	if (hw_whole(what, err) != 1) {
		fprintf(stderr, "%s (%d): the container is gone\n", what, err);
		return -1;
	}
	changed = adds ? hw_nrules == 1 : hw_nrules == 0;
	if ((err && changed && !injected) || (!err && !changed)) {
		fprintf(stderr, "%s returned %d, yet the container has %u rules\n",
			what, err, hw_nrules);
		return -1;
	}
	if (changed && ((adds ? hw_rule_del() : hw_rule_new()) ||
			hw_whole(what, 0) != 1 || hw_nrules != !adds)) {
		fprintf(stderr, "%s: cannot put the rule back as it was\n", what);
		return -1;
	}
	return 0;
}

static int hw_rule_new_settle(int err, int injected)
{
	return hw_rule_settle(true, err, injected);
}

static int hw_rule_del_settle(int err, int injected)
{
	return hw_rule_settle(false, err, injected);
}

/* The family, and the state each operation starts from. */
static int hw_setup(const struct op *op)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = hw_msg(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
	int exists;

	gnl = mnl_socket_open(NETLINK_GENERIC);
	if (!gnl || mnl_socket_bind(gnl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    setsockopt(mnl_socket_get_fd(gnl), SOL_SOCKET, SO_RCVTIMEO,
		       &(struct timeval){ .tv_sec = 10 }, sizeof(struct timeval))) {
		perror("generic netlink");
		return -1;
	}
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, RXLANE_GENL_NAME);
	if (hw_talk(nlh, hw_family_cb) || !hw_family) {
		fprintf(stderr, "no generic netlink family %s\n", RXLANE_GENL_NAME);
		return -1;
	}
	hw_with_rules = !strncmp(op->name, "hw-cont-", 8);
	exists = hw_cont_get();
	if (exists < 0)
		return -1;
	hw_base_rules = rule_count() - (exists ? 1 + (int)hw_nrules : 0);
	hw_base_ctx = rss_ctx_count() - exists;
	if (!strcmp(op->name, "hw-cont-new"))
		return exists ? (fprintf(stderr, "%s exists already\n", HW_NAME), -1) : 0;
	if (!exists && hw_cont_new()) {
		fprintf(stderr, "cannot make container %s\n", HW_NAME);
		return -1;
	}
	if (hw_cont_get() != 1)
		return -1;
	/*
	 * hw-cont-del starts with its two rules, hw-rule-new without a
	 * rule, hw-rule-del with one.
	 */
	if (!strcmp(op->name, "hw-cont-del"))
		return hw_nrules == 2 && hw_whole("setup", 0) == 1 ? 0 : -1;
	while (hw_nrules && strcmp(op->name, "hw-rule-del"))
		if (hw_rule_del() || hw_cont_get() != 1)
			return -1;
	if (!strcmp(op->name, "hw-rule-del") && !hw_nrules &&
	    (hw_rule_new() || hw_cont_get() != 1))
		return -1;
	return hw_whole("setup", 0) == 1 ? 0 : -1;
}

static const struct op ops[] = {
	{ "newlink", newlink_run, newlink_settle },
	{ "xdp", xdp_run, xdp_settle },
	{ "ntuple", ntuple_run, ntuple_settle },
	{ "channels", channels_run, channels_settle },
	{ "rss-ctx", rss_ctx_run, rss_ctx_settle },
	{ "hw-cont-new", hw_cont_new, hw_cont_new_settle },
	{ "hw-cont-del", hw_cont_del, hw_cont_del_settle },
	{ "hw-rule-new", hw_rule_new, hw_rule_new_settle },
	{ "hw-rule-del", hw_rule_del, hw_rule_del_settle },
};

static int setup(const struct op *op)
{
	struct bpf_object *obj;
	struct bpf_program *prog;

	if (!if_nametoindex(arg_dev)) {
		fprintf(stderr, "no device %s\n", arg_dev);
		return -1;
	}
	if (!strcmp(op->name, "xdp")) {
		obj = bpf_object__open_file(arg_obj, NULL);
		if (!obj || bpf_object__load(obj)) {
			fprintf(stderr, "cannot load %s\n", arg_obj);
			return -1;
		}
		prog = bpf_object__next_program(obj, NULL);
		prog_fd = prog ? bpf_program__fd(prog) : -1;
		if (prog_fd < 0)
			return -1;
	}
	sock_fd = socket(AF_INET, SOCK_DGRAM, 0);
	nl = mnl_socket_open(NETLINK_ROUTE);
	if (sock_fd < 0 || !nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("socket");
		return -1;
	}
	if (!strcmp(op->name, "channels") && channels_setup())
		return -1;
	if (!strncmp(op->name, "hw-", 3) && hw_setup(op))
		return -1;
	/* A failed ack must not leave us waiting forever. */
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO,
		       &(struct timeval){ .tv_sec = 10 }, sizeof(struct timeval))) {
		perror("SO_RCVTIMEO");
		return -1;
	}
	return 0;
}

/* ---- census: which allocation numbers to fail ------------------------ */

#define TRACEFS		"/sys/kernel/tracing/"
#define EXHAUSTIVE_MAX	150	/* fewer allocations: fail every one */
#define MAX_TARGETS	512
/*
 * kmalloc() above 8 KiB takes whole pages from the page allocator, past
 * failslab: its bytes_alloc is PAGE_SIZE << order, order 2 or more. A
 * slab's bytes_alloc can exceed 8 KiB too (KASAN's metadata), but is no
 * such multiple.
 */
static int kmalloc_large(int bytes_alloc)
{
	return bytes_alloc >= 16384 && !(bytes_alloc & (bytes_alloc - 1));
}

static unsigned int targets[MAX_TARGETS], n_targets;
static char sites[MAX_TARGETS][128];

/*
 * Write @val to a tracefs file. Truncating matters: it is what empties
 * "trace" and replaces (instead of extends) "set_event_pid".
 */
static int trace_set(const char *file, const char *val)
{
	char path[256];
	int fd, ok;

	snprintf(path, sizeof(path), TRACEFS "%s", file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

static int trace_setup(int on)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (!on) {
		trace_set("tracing_on", "0");
		trace_set("events/kmem/kmalloc/enable", "0");
		trace_set("events/kmem/kmem_cache_alloc/enable", "0");
		trace_set("options/stacktrace", "0");
		trace_set("set_event_pid", "");
		return 0;
	}
	if (trace_set("tracing_on", "0") || trace_set("trace", "") ||
	    trace_set("buffer_size_kb", "16384") ||
	    trace_set("set_event_pid", pid) ||
	    trace_set("options/sym-offset", "1") ||
	    trace_set("options/stacktrace", "1") ||
	    trace_set("events/kmem/kmalloc/enable", "1") ||
	    trace_set("events/kmem/kmem_cache_alloc/enable", "1"))
		return -1;
	return trace_set("tracing_on", "1");
}

/*
 * One traced allocation: does failslab count it (so that it has a
 * number), is it reached through rxlane.ko (so that we fail it), did it
 * fail?
 */
struct alloc_ev {
	int counted;		/* in task context, slab, may fail */
	int ours;		/* an rxlane frame on the stack */
	int kmemleak;		/* kmemleak's own bookkeeping */
	int failed;		/* returned NULL */
	char site[128];		/* innermost rxlane frame */
};

/* The numbered, rxlane-reached allocations of one traced run. */
struct trace_run {
	unsigned int n;			/* allocations counted */
	unsigned int n_ours;
	unsigned int index[MAX_TARGETS];
	char site[MAX_TARGETS][128];
	unsigned int failed_index;	/* 0: none failed */
	char failed_site[128];
};

/*
 * kmemleak records every object with an allocation of its own, made in
 * the slab's post-allocation hook: failslab counts the object first and
 * kmemleak's record second, but the trace shows the record first (the
 * object's event is emitted when the allocation returns). So a counted
 * kmemleak event is held back until the next event: if that one is
 * counted too, it takes the earlier number. A record that failed (6.1's
 * kmemleak takes one from its emergency pool then: the failure is
 * absorbed) is still the failure of its run, named as such: its number is
 * what the search needs to correct its aim.
 */
#define KML_HELD	1
#define KML_HELD_FAILED	2

static void run_failed(struct trace_run *r, unsigned int nr, const char *site)
{
	if (r->failed_index)
		return;
	r->failed_index = nr;
	snprintf(r->failed_site, sizeof(r->failed_site), "%.120s", site);
}

static void run_add(struct trace_run *r, const struct alloc_ev *ev,
		    int *kml_pending)
{
	unsigned int mine;
	int held = *kml_pending;

	if (held) {
		*kml_pending = 0;
		if (ev->counted && !ev->kmemleak) {
			mine = ++r->n;
			++r->n;		/* the held-back record */
			if (held == KML_HELD_FAILED)
				run_failed(r, r->n, "(kmemleak's record of the next allocation)");
			goto numbered;
		}
		++r->n;
		if (held == KML_HELD_FAILED)
			run_failed(r, r->n, "(a kmemleak record)");
	}
	if (!ev->counted)
		return;
	if (ev->kmemleak) {
		*kml_pending = ev->failed ? KML_HELD_FAILED : KML_HELD;
		return;
	}
	mine = ++r->n;
numbered:
	if (ev->failed)
		run_failed(r, mine, ev->ours ? ev->site : "(not rxlane)");
	if (!ev->ours || r->n_ours == MAX_TARGETS)
		return;
	r->index[r->n_ours] = mine;
	snprintf(r->site[r->n_ours], sizeof(r->site[0]), "%.120s", ev->site);
	r->n_ours++;
}

/* Parse the trace buffer into @r. */
static int trace_read(struct trace_run *r)
{
	struct alloc_ev ev = {};
	int have = 0, events = 0, kml = 0;
	char line[1024], *p;
	FILE *f = fopen(TRACEFS "trace", "r");

	memset(r, 0, sizeof(*r));
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		p = strstr(line, ": kmalloc: ");
		if (!p)
			p = strstr(line, ": kmem_cache_alloc: ");
		if (p) {
			char *flags = strchr(line, ']');
			char *ba = strstr(p, "bytes_alloc=");

			if (have)
				run_add(r, &ev, &kml);
			memset(&ev, 0, sizeof(ev));
			have = 1;
			events++;
			/* Context flags "dNhp.": h, s, H or Z = interrupt. */
			ev.counted = flags && strlen(flags) > 4 &&
				     !strchr("hsHZ", flags[4]) &&
				     !strstr(p, "__GFP_NOFAIL") &&
				     !(strstr(p, ": kmalloc: ") && ba &&
				       kmalloc_large(atoi(ba + 12)));
			ev.failed = strstr(p, "ptr=(null)") ||
				    strstr(p, "ptr=0000000000000000");
			continue;
		}
		if (!have || strncmp(line, " => ", 4))
			continue;
		if (strstr(line, "kmemleak"))
			ev.kmemleak = 1;
		if (!ev.ours && strstr(line, " [rxlane]")) {
			ev.ours = 1;
			line[strcspn(line, "\n")] = 0;
			snprintf(ev.site, sizeof(ev.site), "%.120s", line + 4);
		}
	}
	if (have)
		run_add(r, &ev, &kml);
	if (kml)
		r->n++;
	if (kml == KML_HELD_FAILED)
		run_failed(r, r->n, "(a kmemleak record)");
	fclose(f);
	return events ? 0 : -1;
}

/* Run the operation once with the trace on; @nth > 0 arms a failure. */
static int traced_run(const struct op *op, unsigned int nth,
		      struct trace_run *r, int *err, int *injected)
{
	int ret;

	if (trace_setup(1)) {
		trace_setup(0);
		printf("# no kmem trace events in this kernel\n");
		return -1;
	}
	if (nth && nth_arm(nth))
		return -1;
	*err = op->run();
	*injected = nth ? nth_disarm() : 0;
	trace_set("tracing_on", "0");
	ret = trace_read(r);
	trace_setup(0);
	trace_set("trace", "");
	return ret;
}

static struct trace_run census_run, try_run;

static int census(const struct op *op)
{
	unsigned int i, j;
	int err, injected;

	/* A first run warms whatever the kernel allocates only once. */
	err = op->run();
	if (err || op->settle(err, 0)) {
		printf("FAIL: %s fails without any fault: %d\n", op->name, err);
		return -1;
	}
	if (traced_run(op, 0, &census_run, &err, &injected) || err ||
	    op->settle(err, 0)) {
		printf("FAIL: %s: census run failed (%d)\n", op->name, err);
		return -1;
	}
	/* The first allocation of each rxlane call site. */
	for (i = 0; i < census_run.n_ours; i++) {
		for (j = 0; j < n_targets; j++)
			if (!strcmp(sites[j], census_run.site[i]))
				break;
		if (j < n_targets)
			continue;
		targets[n_targets] = census_run.index[i];
		memcpy(sites[n_targets], census_run.site[i], sizeof(sites[0]));
		n_targets++;
	}
	printf("# census: %u allocations counted, %u reached through rxlane, %u call sites\n",
	       census_run.n, census_run.n_ours, n_targets);
	return 0;
}

/* Where @site's first allocation came in run @r, or 0. */
static unsigned int run_find(const struct trace_run *r, const char *site)
{
	unsigned int i;

	for (i = 0; i < r->n_ours; i++)
		if (!strcmp(r->site[i], site))
			return r->index[i];
	return 0;
}

#define AIM_TRIES	32
#define STEADY_RUNS	5

/*
 * A call site that could not be hit: does it allocate in every run of
 * the operation? One that does not cannot be aimed at by number.
 * 1: absent from some of STEADY_RUNS unfailed runs, 0: present in all
 * (a real miss), -1: the operation failed.
 */
static int site_unsteady(const struct op *op, const char *site)
{
	unsigned int k, seen = 0;
	int err, injected;

	for (k = 0; k < STEADY_RUNS; k++) {
		if (traced_run(op, 0, &try_run, &err, &injected) || err ||
		    op->settle(err, 0)) {
			printf("FAIL: %s fails without any fault: %d\n",
			       op->name, err);
			return -1;
		}
		seen += !!run_find(&try_run, site);
	}
	if (seen == STEADY_RUNS)
		return 0;
	printf("# %s: %s allocates in %u of %u unfailed runs: timing-dependent, not counted\n",
	       op->name, site, seen, STEADY_RUNS);
	return 1;
}

/*
 * The next number to aim at for call site @i: @est, moved into the open
 * interval (@lo, @hi) of numbers not yet known to come too early or too
 * late, and off any number already tried. 0: none left.
 */
static unsigned int aim_next(unsigned int est, unsigned int lo,
			     unsigned int hi, const unsigned int *tried,
			     unsigned int n_tried)
{
	unsigned int d, k, cand;
	int side;

	for (d = 0; d <= 2 * AIM_TRIES + 8; d++) {
		for (side = 0; side < 2; side++) {
			if (side && !d)
				continue;
			cand = side ? est - d : est + d;
			if (side && d >= est)
				continue;
			if (cand <= lo || (hi && cand >= hi))
				continue;
			for (k = 0; k < n_tried; k++)
				if (tried[k] == cand)
					break;
			if (k == n_tried)
				return cand;
		}
	}
	return 0;
}

/*
 * Fail each call site's allocation once. Allocation counts are not quite
 * deterministic (a large kvmalloc() may or may not fall back to vmalloc,
 * which allocates more; a link-watch event may or may not be pending and
 * take a reference tracker), so every attempt is traced: the allocation
 * that returned NULL names the site that really failed, and a miss is
 * retried at the number the site had in that run. The search keeps what
 * each miss proved about @nth: a failure that came before the site's
 * first allocation in that run (or cut the operation short of it) bounds
 * it from below, one that came after the site's allocation, or a run past
 * the operation's end, from above; no number is tried twice, so it cannot
 * circle between a few numbers (as the estimate alone did, around
 * netif_stacked_transfer_operstate()'s tracker). Bounds that close with no
 * number left between them were made wrong by a run that numbered
 * differently (the per-CPU allocator or a vmalloc fallback allocates more
 * in some runs than in others): they and the numbers tried under them are
 * dropped, as often as that happens within AIM_TRIES, and the search goes
 * on from the last run's estimate.
 */
static int fail_targets(const struct op *op)
{
	unsigned int i, nth, tries, hit, at, covered = 0, refused = 0;
	unsigned int lo, hi, tried[AIM_TRIES], est, unsteady = 0;
	unsigned int epoch;
	int err, injected, shift = 0;

	for (i = 0; i < n_targets; i++) {
		/* Allocations the trace does not show shift all later ones. */
		nth = targets[i] + shift;
		lo = 0;
		hi = 0;
		epoch = 0;
		for (tries = 0; tries < AIM_TRIES; tries++) {
			tried[tries] = nth;
			if (traced_run(op, nth, &try_run, &err, &injected))
				return 1;
			if (op->settle(err, injected)) {
				printf("FAIL: %s: allocation %u (%s) failed, state not whole\n",
				       op->name, nth, try_run.failed_site);
				return 1;
			}
			if (!strcmp(try_run.failed_site, sites[i]))
				break;
			printf("# %s: aimed at %s with %u, hit %s (allocation %u)\n",
			       op->name, sites[i], nth,
			       try_run.failed_index ? try_run.failed_site : "nothing",
			       try_run.failed_index);
			/*
			 * Missed. The trace and failslab number alike, give
			 * or take allocations the trace does not show: aim
			 * as far from @nth as the site was from the failure
			 * in this run, or one further if nothing showed.
			 */
			hit = try_run.failed_index;
			at = run_find(&try_run, sites[i]);
			if (injected && hit) {
				if (at && at < hit) {
					if (!hi || nth < hi)
						hi = nth;
				} else if (nth > lo) {
					lo = nth;
				}
			}
			if (!injected) {
				/*
				 * Past the operation's last allocation: the run
				 * was unfailed, so its numbering is a fresh
				 * census; aim at the site's place in it.
				 */
				if (!hi || nth < hi)
					hi = nth;
				est = at && at < nth ? at : nth - 1;
			} else {
				if (hit && !at) {
					/* Not reached: where does it come unfailed? */
					if (traced_run(op, 0, &try_run, &err, &injected) ||
					    err || op->settle(err, 0)) {
						printf("FAIL: %s fails without any fault: %d\n",
						       op->name, err);
						return 1;
					}
					at = run_find(&try_run, sites[i]);
				}
				if (hit && at && at != hit)
					est = nth + (int)at - (int)hit;
				else
					est = nth + 1;
			}
			nth = aim_next(est, lo, hi, tried + epoch,
				       tries + 1 - epoch);
			if (!nth) {
				/*
				 * The bounds closed: runs that numbered
				 * differently set them. Start afresh from
				 * this run's estimate; only this run's
				 * number is excluded.
				 */
				epoch = tries;
				lo = 0;
				hi = 0;
				nth = aim_next(est, lo, hi, tried + epoch, 1);
			}
			if (!nth) {
				tries = AIM_TRIES;
				break;
			}
		}
		if (tries == AIM_TRIES) {
			printf("# %s: %s not hit in %u tries\n", op->name,
			       sites[i], AIM_TRIES);
			err = site_unsteady(op, sites[i]);
			if (err < 0)
				return 1;
			unsteady += err;
			continue;
		}
		shift = (int)nth - (int)targets[i];
		covered++;
		refused += !!err;
		printf("# %s: failed allocation %u via %s: %s\n", op->name, nth,
		       sites[i], err ? "refused, nothing left" : "absorbed");
	}
	if (op->run() || op->settle(0, 0)) {
		printf("FAIL: %s fails without any fault afterwards\n", op->name);
		return 1;
	}
	if (covered + unsteady < n_targets) {
		printf("FAIL: %s: %u of %u rxlane call sites could not be failed\n",
		       op->name, n_targets - covered - unsteady, n_targets);
		return 1;
	}
	printf("PASS: %s: %u of %u rxlane call sites failed one by one (%u refused the operation, %u were absorbed), each left no partial state; %u allocate only in some runs\n",
	       op->name, covered, n_targets, refused, covered - refused,
	       unsteady);
	return 0;
}

int main(int argc, char **argv)
{
	const char *env = getenv("RXL_FAIL_NTH_ALL");
	int all = env && !strcmp(env, "1");
	const struct op *op = NULL;
	unsigned int n, injected_total = 0;
	int err, injected;
	size_t i;

	if (argc > 1 && !strcmp(argv[1], "-a")) {
		all = 1;
		argc--;
		argv++;
	}

	if (argc < 3) {
		fprintf(stderr, "usage: fail_nth [-a] newlink LOWER | xdp DEV PROG.o | ntuple DEV | channels DEV | rss-ctx DEV | hw-cont-new|hw-cont-del|hw-rule-new|hw-rule-del DEV\n");
		return 2;
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(argv[1], ops[i].name))
			op = &ops[i];
	if (!op || (!strcmp(argv[1], "xdp") && argc < 4)) {
		fprintf(stderr, "fail_nth: unknown or incomplete operation '%s'\n", argv[1]);
		return 2;
	}
	/* Progress shows in the streamed test output, not only at exit. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	arg_dev = argv[2];
	arg_obj = argc > 3 ? argv[3] : NULL;

	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth_fd < 0) {
		printf("SKIP: no /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION)\n");
		return KSFT_SKIP;
	}
	/* Sleeping allocations are the ones our control paths make. */
	/* RXL_FAIL_NTH_VERBOSE=1: the kernel logs the stack of each failure. */
	env = getenv("RXL_FAIL_NTH_VERBOSE");
	if (write_str(FAILSLAB "ignore-gfp-wait", "N") ||
	    write_str(FAILSLAB "verbose", env && !strcmp(env, "1") ? "1" : "0")) {
		printf("SKIP: no failslab in debugfs (CONFIG_FAILSLAB)\n");
		return KSFT_SKIP;
	}
	if (setup(op))
		return 1;

	if (!all) {
		if (census(op))
			return 1;
		/*
		 * A short operation (XDP attach, ntuple insert, a channel
		 * change: none creates a device) is cheap enough to fail
		 * every allocation of, the kernel's own included.
		 */
		if (census_run.n > EXHAUSTIVE_MAX)
			return fail_targets(op);
		printf("# %s: %u allocations: failing each in turn\n", op->name,
		       census_run.n);
	}

	for (n = 1; n <= MAX_NTH; n++) {
		if (nth_arm(n))
			return 1;
		err = op->run();
		injected = nth_disarm();
		if (op->settle(err, injected)) {
			printf("FAIL: %s: allocation %u failed, state not whole\n",
			       op->name, n);
			return 1;
		}
		if (!injected) {
			if (err) {
				printf("FAIL: %s fails without any fault: %d\n", op->name, err);
				return 1;
			}
			printf("PASS: %s: %u allocations failed one by one, each left no partial state\n",
			       op->name, injected_total);
			return 0;
		}
		if (++injected_total % 100 == 0)
			printf("# %s: %u allocations failed so far\n", op->name,
			       injected_total);
	}
	printf("FAIL: %s still allocating after %u faults\n", op->name, MAX_NTH);
	return 1;
}
