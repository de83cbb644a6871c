// SPDX-License-Identifier: GPL-2.0
/*
 * ct_test - BPF_PROG_TEST_RUN unit tests of connection tracking
 * (Documentation/conntrack.rst): the XDP program judges what comes to a
 * container, the tc egress program what it sends; both share one set of
 * unpinned maps (the tc object reuses the XDP object's by fd).
 *
 * Container CID ("web", CONT4/CONT6) has default drop and one rule, allow
 * TCP dport 8080; container CID_B ("db") egress default drop, the same
 * rule. PEER is the outside.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>

#include "kselftest_harness.h"
#include "rxlane_xdp.skel.h"
#include "rxlane_tc.skel.h"
#include "fw.h"
#include "fw_priv.h"
#include "pktbuild.h"

#define CONT4		"10.1.0.2"
#define CONT6		"fd00:1::2"
#define CONTB4		"10.1.0.3"
#define CONTB6		"fd00:1::3"
#define PEER4		"198.51.100.7"
#define PEER6		"2001:db8::7"
#define CID		7
#define CID_B		8

#define SYN		0x02
#define FIN		0x01
#define RST		0x04
#define ACK		0x10

#define OUT		1	/* from the container: the tc program */
#define IN		2	/* to it: the XDP program */

/* Timeouts the fixture sets (seconds): tell the states apart. */
static const __u32 fixture_to[RXL_CT_TIMEOUT_SLOTS] = {
	[RXL_CT_SYN_SENT] = 11, [RXL_CT_ESTABLISHED] = 1000,
	[RXL_CT_FIN_WAIT] = 13, [RXL_CT_TIME_WAIT] = 14, [RXL_CT_CLOSE] = 15,
	[RXL_CT_UDP] = 16, [RXL_CT_UDP_STREAM] = 17, [RXL_CT_ICMP] = 18,
	[RXL_CT_SYN_RECV] = 19,
};

/*
 * Every case loads and verifies two programs: under TCG on a loaded host
 * (selftests/vm/ct_unit.sh runs this file in a 6.1 guest) that alone
 * nears the harness's default 30 s, so each case gets this long.
 */
#define CT_CASE_TIMEOUT	180

FIXTURE(ct) {
	struct rxlane_xdp *xdp;
	struct rxlane_tc *tc;
	struct rxl_fw fw;
	int ct4, ct6, stats;
	int half4, half6;	/* the half-open tables */
};

static int cont_apply(struct rxl_fw *fw, __u32 id, const char *a4,
		      const char *a6, bool egress_drop)
{
	struct rxl_addr a[2];
	struct rxl_rule r;
	char err[256];
	struct rxl_cont_spec s = {
		.id = id, .addrs = a, .naddrs = 2, .rules = &r, .nrules = 1,
		.default_drop = true, .egress_drop = egress_drop,
	};

	if (rxl_parse_addr(a4, &a[0]) || rxl_parse_addr(a6, &a[1]) ||
	    rxl_parse_rule("allow proto tcp dport 8080", &r, err, sizeof(err)))
		return -EINVAL;
	return rxl_fw_container_apply(fw, &s);
}

/*
 * The fixture's timeouts, with state @state's (-1: none) set to @sec
 * seconds: 0 or -errno.
 */
static int set_timeouts(FIXTURE_DATA(ct) *self, int state, __u32 sec)
{
	struct rxl_ct_timeouts to;
	__u32 zero = 0;

	memcpy(to.sec, fixture_to, sizeof(to.sec));
	if (state >= 0)
		to.sec[state] = sec;
	return bpf_map_update_elem(bpf_map__fd(self->xdp->maps.rxl_ct_timeouts),
				   &zero, &to, 0);
}

/*
 * Load both programs over one set of maps, the main tables holding
 * @entries and the half-open ones @half per family (0: the defaults),
 * with the fixture's timeouts and two containers.
 */
static void ct_load(struct __test_metadata *_metadata,
		     FIXTURE_DATA(ct) *self, __u32 entries, __u32 half)
{
	struct bpf_map *m;

	self->xdp = rxlane_xdp__open();
	ASSERT_NE(NULL, self->xdp);
	bpf_object__for_each_map(m, self->xdp->obj)
		bpf_map__set_pin_path(m, NULL);
	if (entries) {
		ASSERT_EQ(0, bpf_map__set_max_entries(self->xdp->maps.rxl_ct4,
						      entries));
		ASSERT_EQ(0, bpf_map__set_max_entries(self->xdp->maps.rxl_ct6,
						      entries));
	}
	if (half) {
		ASSERT_EQ(0, bpf_map__set_max_entries(self->xdp->maps.rxl_ct4_half,
						      half));
		ASSERT_EQ(0, bpf_map__set_max_entries(self->xdp->maps.rxl_ct6_half,
						      half));
	}
	ASSERT_EQ(0, rxlane_xdp__load(self->xdp));
	self->tc = rxlane_tc__open();
	ASSERT_NE(NULL, self->tc);
	/* The port check's instance: attached in this namespace. */
	self->tc->rodata->rxl_tc_netns = rxl_netns_cookie();
	ASSERT_NE(0, self->tc->rodata->rxl_tc_netns);
	bpf_object__for_each_map(m, self->tc->obj) {
		struct bpf_map *x = bpf_object__find_map_by_name(self->xdp->obj,
								 bpf_map__name(m));

		bpf_map__set_pin_path(m, NULL);
		if (x)
			ASSERT_EQ(0, bpf_map__reuse_fd(m, bpf_map__fd(x)));
	}
	ASSERT_EQ(0, rxlane_tc__load(self->tc));
	ASSERT_EQ(0, rxl_fw_open_obj(&self->fw, self->xdp->obj));
	self->ct4 = bpf_map__fd(self->xdp->maps.rxl_ct4);
	self->ct6 = bpf_map__fd(self->xdp->maps.rxl_ct6);
	self->half4 = bpf_map__fd(self->xdp->maps.rxl_ct4_half);
	self->half6 = bpf_map__fd(self->xdp->maps.rxl_ct6_half);
	self->stats = bpf_map__fd(self->xdp->maps.rxl_ct_stats);
	ASSERT_EQ(0, set_timeouts(self, -1, 0));
	ASSERT_EQ(0, cont_apply(&self->fw, CID, CONT4, CONT6, false));
	ASSERT_EQ(0, cont_apply(&self->fw, CID_B, CONTB4, CONTB6, true));
}

static void ct_unload(FIXTURE_DATA(ct) *self)
{
	rxl_fw_close(&self->fw);
	rxlane_tc__destroy(self->tc);
	rxlane_xdp__destroy(self->xdp);
}

FIXTURE_SETUP(ct)
{
	ct_load(_metadata, self, 0, 0);
}

FIXTURE_TEARDOWN(ct)
{
	ct_unload(self);
}

/* ---- packets ------------------------------------------------------------ */

static void ip_hdr(struct pkt *p, int fam, const char *src, const char *dst,
		   uint8_t proto)
{
	pk_init(p);
	if (fam == 4) {
		pk_eth(p, ETH_P_IP, 0);
		pk_ip4(p, src, dst, proto);
	} else {
		pk_eth(p, ETH_P_IPV6, 0);
		pk_ip6(p, src, dst, proto);
	}
}

/* The container's and the peer's address of family @fam. */
static const char *cont_addr(int fam, int b)
{
	return fam == 4 ? (b ? CONTB4 : CONT4) : (b ? CONTB6 : CONT6);
}

static const char *peer_addr(int fam)
{
	return fam == 4 ? PEER4 : PEER6;
}

/*
 * Initial sequence numbers of the two sides of every TCP flow here: a
 * packet's sequence number is its side's ISN (+1 after its SYN), its
 * acknowledgment the other side's ISN + 1, as real stacks send in a
 * handshake (the opener's ACK must acknowledge the SYN-ACK's ISN).
 */
#define ISN_OUT		0x10000000u	/* the container's */
#define ISN_IN		0xffffffffu	/* the peer's: ISN + 1 wraps to 0 */

static void put32(uint8_t *h, uint32_t v)
{
	pk_put16(h, v >> 16);
	pk_put16(h + 2, v & 0xffff);
}

/*
 * The acknowledgment number of the TCP packet @p built by mk_tcp_peer()
 * (a blind attacker's guess).
 */
static void set_tcp_ack(struct pkt *p, uint32_t ack)
{
	put32(p->b + p->len - 10 - 20 + 8, ack);
	pk_finish(p);
}

/* Its sequence number (a SYN-ACK with another ISN). */
static void set_tcp_seq(struct pkt *p, uint32_t seq)
{
	put32(p->b + p->len - 10 - 20 + 4, seq);
	pk_finish(p);
}

/* TCP between container (port @cport) and peer (@pport), going @dir. */
static void mk_tcp_peer(struct pkt *p, int fam, int b, const char *peer,
			int dir, uint16_t cport, uint16_t pport, uint8_t flags)
{
	uint32_t isn = dir == OUT ? ISN_OUT : ISN_IN;
	uint32_t other = dir == OUT ? ISN_IN : ISN_OUT;
	size_t off;

	if (dir == OUT)
		ip_hdr(p, fam, cont_addr(fam, b), peer, IPPROTO_TCP);
	else
		ip_hdr(p, fam, peer, cont_addr(fam, b), IPPROTO_TCP);
	off = p->len;
	pk_tcp(p, dir == OUT ? cport : pport, dir == OUT ? pport : cport);
	p->b[off + 13] = flags;
	put32(p->b + off + 4, flags & SYN ? isn : isn + 1);
	put32(p->b + off + 8, flags & ACK ? other + 1 : 0);
	pk_payload(p, 10);
	pk_finish(p);
}

static void mk_tcp(struct pkt *p, int fam, int b, int dir, uint16_t cport,
		   uint16_t pport, uint8_t flags)
{
	mk_tcp_peer(p, fam, b, peer_addr(fam), dir, cport, pport, flags);
}

/* UDP between container @b (port @cport) and @peer (@pport), going @dir. */
static void mk_udp_peer(struct pkt *p, int fam, int b, const char *peer,
			int dir, uint16_t cport, uint16_t pport)
{
	if (dir == OUT)
		ip_hdr(p, fam, cont_addr(fam, b), peer, IPPROTO_UDP);
	else
		ip_hdr(p, fam, peer, cont_addr(fam, b), IPPROTO_UDP);
	pk_udp(p, dir == OUT ? cport : pport, dir == OUT ? pport : cport, -1);
	pk_payload(p, 10);
	pk_finish(p);
}

static void mk_udp(struct pkt *p, int fam, int dir, uint16_t cport,
		   uint16_t pport)
{
	mk_udp_peer(p, fam, 0, peer_addr(fam), dir, cport, pport);
}

/* ICMP echo request (@reply 0) or reply with identifier @id. */
static void mk_echo(struct pkt *p, int fam, int dir, int reply, uint16_t id)
{
	uint8_t proto = fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	uint8_t type = fam == 4 ? (reply ? 0 : 8) : (reply ? 129 : 128);
	size_t off;

	if (dir == OUT)
		ip_hdr(p, fam, cont_addr(fam, 0), peer_addr(fam), proto);
	else
		ip_hdr(p, fam, peer_addr(fam), cont_addr(fam, 0), proto);
	off = p->len;
	pk_icmp(p, type);
	pk_put16(p->b + off + 4, id);
	pk_payload(p, 10);
	pk_finish(p);
}

/* ---- running ------------------------------------------------------------ */

/* The verdict of @p: XDP_PASS/XDP_DROP in, TC_ACT_OK/TC_ACT_SHOT out. */
static int run(struct __test_metadata *_metadata, FIXTURE_DATA(ct) *self,
	       int dir, const struct pkt *p)
{
	uint8_t out[PK_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->b,
		    .data_size_in = p->len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);
	int fd = dir == OUT ? bpf_program__fd(self->tc->progs.rxlane_tc) :
		 bpf_program__fd(self->xdp->progs.rxlane_xdp);

	EXPECT_EQ(0, bpf_prog_test_run_opts(fd, &o));
	return o.retval;
}

#define PASSES_IN(p)	EXPECT_EQ(XDP_PASS, run(_metadata, self, IN, (p)))
#define DROPPED_IN(p)	EXPECT_EQ(XDP_DROP, run(_metadata, self, IN, (p)))
#define PASSES_OUT(p)	EXPECT_EQ(TC_ACT_OK, run(_metadata, self, OUT, (p)))
#define DROPPED_OUT(p)	EXPECT_EQ(TC_ACT_SHOT, run(_metadata, self, OUT, (p)))

/* Where entry_in() looks. */
#define MAIN		1
#define HALF		2
#define EITHER		(MAIN | HALF)

/*
 * The key of a flow of container @b with @peer in @zone: in @k4 or @k6
 * (by @fam), which it returns.
 */
static void *flow_key(int fam, __u32 zone, int b, const char *peer,
		      uint8_t proto, uint16_t lport, uint16_t rport,
		      struct rxl_ct4_key *k4, struct rxl_ct6_key *k6)
{
	memset(k4, 0, sizeof(*k4));
	memset(k6, 0, sizeof(*k6));
	if (fam == 4) {
		*k4 = (struct rxl_ct4_key){ .zone = zone, .lport = lport,
					    .rport = rport, .proto = proto };
		inet_pton(AF_INET, cont_addr(4, b), &k4->local);
		inet_pton(AF_INET, peer, &k4->remote);
		return k4;
	}
	*k6 = (struct rxl_ct6_key){ .zone = zone, .lport = lport,
				    .rport = rport, .proto = proto };
	inet_pton(AF_INET6, cont_addr(6, b), k6->local);
	inet_pton(AF_INET6, peer, k6->remote);
	return k6;
}

/*
 * The entry of a flow with @peer in the tables @where; 0 or -ENOENT. An
 * entry is in one table only: in both is -EEXIST.
 */
static int entry_in(FIXTURE_DATA(ct) *self, int where, int fam, __u32 zone,
		    int b, const char *peer, uint8_t proto, uint16_t lport,
		    uint16_t rport, struct rxl_ct_val *v)
{
	struct rxl_ct4_key k4;
	struct rxl_ct6_key k6;
	void *k = flow_key(fam, zone, b, peer, proto, lport, rport, &k4, &k6);
	int in_main, in_half;

	in_half = !bpf_map_lookup_elem(fam == 4 ? self->half4 : self->half6,
				       k, v);
	in_main = !bpf_map_lookup_elem(fam == 4 ? self->ct4 : self->ct6, k, v);
	if (in_main && in_half)
		return -EEXIST;
	if ((in_main && (where & MAIN)) || (in_half && (where & HALF)))
		return 0;
	return -ENOENT;
}

/* The entry of a flow with the peer, in either table; 0 or -ENOENT. */
static int entry(FIXTURE_DATA(ct) *self, int fam, __u32 zone, int b,
		 uint8_t proto, uint16_t lport, uint16_t rport,
		 struct rxl_ct_val *v)
{
	return entry_in(self, EITHER, fam, zone, b, peer_addr(fam), proto,
			lport, rport, v);
}

static __u64 stat(FIXTURE_DATA(ct) *self, __u32 idx)
{
	int n = libbpf_num_possible_cpus(), i;
	__u64 v[n], sum = 0;

	if (bpf_map_lookup_elem(self->stats, &idx, v))
		return ~0ULL;
	for (i = 0; i < n; i++)
		sum += v[i];
	return sum;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Waits (at most 10 s, never a fixed sleep) until @t has passed. */
static bool wait_past(__u64 t)
{
	int i;

	for (i = 0; i < 100 && now_ns() <= t; i++)
		usleep(100000);
	return now_ns() > t;
}

/*
 * A live established entry in @zone of TCP @lport -> 9000 between @a4
 * (and @a6, unless NULL) and the peer, written as the table holds it.
 */
static int put_entry(FIXTURE_DATA(ct) *self, __u32 zone, const char *a4,
		     const char *a6, uint16_t lport)
{
	struct rxl_ct_val v = { .state = RXL_CT_ESTABLISHED,
				.opener = RXL_CT_OUT,
				.expires = now_ns() + 100000000000ULL };
	struct rxl_ct4_key k4 = { .zone = zone, .lport = lport,
				  .rport = 9000, .proto = IPPROTO_TCP };
	struct rxl_ct6_key k6 = { .zone = zone, .lport = lport,
				  .rport = 9000, .proto = IPPROTO_TCP };

	inet_pton(AF_INET, a4, &k4.local);
	inet_pton(AF_INET, PEER4, &k4.remote);
	if (bpf_map_update_elem(self->ct4, &k4, &v, 0))
		return -errno;
	if (!a6)
		return 0;
	inet_pton(AF_INET6, a6, k6.local);
	inet_pton(AF_INET6, PEER6, k6.remote);
	return bpf_map_update_elem(self->ct6, &k6, &v, 0) ? -errno : 0;
}

/*
 * A live half-open entry of container @b's flow with the peer in @zone,
 * opened by the peer (@proto, the container's @lport, the peer's
 * @rport; an echo's id as @lport), written as the table holds it.
 */
static int put_flow_with(FIXTURE_DATA(ct) *self, int fam, __u32 zone,
			 int b, const char *peer, uint8_t proto,
			 uint16_t lport, uint16_t rport)
{
	struct rxl_ct_val v = { .state = proto == IPPROTO_UDP ? RXL_CT_UDP :
					 RXL_CT_ICMP,
				.opener = RXL_CT_IN,
				.expires = now_ns() + 100000000000ULL };
	struct rxl_ct4_key k4;
	struct rxl_ct6_key k6;
	void *k = flow_key(fam, zone, b, peer, proto, lport, rport, &k4, &k6);

	return bpf_map_update_elem(fam == 4 ? self->half4 : self->half6, k, &v,
				   0) ? -errno : 0;
}

static int put_flow(FIXTURE_DATA(ct) *self, int fam, __u32 zone, int b,
		    uint8_t proto, uint16_t lport, uint16_t rport)
{
	return put_flow_with(self, fam, zone, b, peer_addr(fam), proto, lport,
			     rport);
}

/* The entry's expiry is @sec seconds from now, give or take one. */
#define EXPECT_EXPIRES_IN(v, sec) do {						\
	__s64 _left = (__s64)((v).expires - now_ns()) / 1000000000LL;	\
	EXPECT_TRUE(_left >= (sec) - 1 && _left <= (sec)) {		\
		TH_LOG("expires in %lld s, want %d", (long long)_left,	\
		       (int)(sec));					\
	}								\
} while (0)

#define FAMILIES	for (fam = 4; fam <= 6; fam += 2)

/* ---- TCP ---------------------------------------------------------------- */

TEST_F_TIMEOUT(ct, tcp_non_syn_miss_refused, CT_CASE_TIMEOUT)
{
	struct rxl_ct_val v;
	struct pkt p;
	int fam;

	FAMILIES {
		/* Egress allow: passes, creates nothing (no loose pickup). */
		mk_tcp(&p, fam, 0, OUT, 40001, 9000, ACK);
		PASSES_OUT(&p);
		EXPECT_EQ(-ENOENT, entry(self, fam, CID, 0, IPPROTO_TCP,
					 40001, 9000, &v));
		mk_tcp(&p, fam, 0, IN, 40001, 9000, ACK);
		DROPPED_IN(&p);
		/* A SYN-ACK the container sends unasked opens nothing. */
		mk_tcp(&p, fam, 0, OUT, 40001, 9000, SYN | ACK);
		PASSES_OUT(&p);
		EXPECT_EQ(-ENOENT, entry(self, fam, CID, 0, IPPROTO_TCP,
					 40001, 9000, &v));
		/* Egress drop: a non-SYN miss is dropped. */
		mk_tcp(&p, fam, 1, OUT, 40001, 9000, ACK);
		DROPPED_OUT(&p);
	}
	EXPECT_EQ(2, stat(self, RXL_CT_STAT_EGRESS_DROP));
	EXPECT_EQ(0, stat(self, RXL_CT_STAT_CREATE_OUT));
}

/*
 * An established connection of CID on the port pair, the handshake
 * complete (the entry assured: in the main table).
 */
static void establish(struct __test_metadata *_metadata,
		      FIXTURE_DATA(ct) *self, int fam, uint16_t cport)
{
	struct pkt p;

	mk_tcp(&p, fam, 0, OUT, cport, 9000, SYN);
	PASSES_OUT(&p);
	mk_tcp(&p, fam, 0, IN, cport, 9000, SYN | ACK);
	PASSES_IN(&p);
	mk_tcp(&p, fam, 0, OUT, cport, 9000, ACK);
	PASSES_OUT(&p);
}

/*
 * TCP state sequences of container CID, as a table: each step is one
 * packet (direction, flags, the peer's port when not 9000), its verdict
 * and, where given, the entry's state, FIN bits and expiry after it
 * (the fixture's timeouts tell the states apart). Each sequence runs in
 * both families on its own container port; the events it must count
 * (per family) are checked after it.
 */
#define NO_ENTRY	0xff	/* the step leaves no entry */
#define ANY		0xfe	/* not checked */

struct tcp_step {
	int dir;
	uint8_t flags;
	uint16_t pport;		/* 0: 9000 */
	int pass;
	uint8_t state;		/* RXL_CT_*, NO_ENTRY or ANY */
	uint8_t fin_seen;	/* checked with a state other than ANY */
	uint8_t opener;		/* 0: not checked */
	int expires;		/* seconds; 0: not checked */
};

struct tcp_seq {
	const char *name;
	uint16_t cport;
	struct tcp_step steps[8];
	__u32 create_out, ingress, reopen;	/* events per family */
};

static const struct tcp_seq tcp_seqs[] = {
	{ "SYN creates, SYN-ACK answers, the opener's ACK establishes", 40000, {
		/* Without a SYN first: refused, nothing created. */
		{ IN, SYN | ACK, 0, 0, NO_ENTRY },
		{ OUT, SYN, 0, 1, RXL_CT_SYN_SENT, 0, RXL_CT_OUT, 11 },
		/* The opener's own ACK establishes nothing. */
		{ OUT, ACK, 0, 1, RXL_CT_SYN_SENT },
		/* Answered, not acknowledged: syn_recv's timeout. */
		{ IN, SYN | ACK, 0, 1, RXL_CT_SYN_RECV, 0, 0, 19 },
		/* Neither the answerer's ACK nor the opener's SYN again. */
		{ IN, ACK, 0, 1, RXL_CT_SYN_RECV },
		{ OUT, SYN, 0, 1, RXL_CT_SYN_RECV, 0, 0, 19 },
		{ OUT, ACK, 0, 1, RXL_CT_ESTABLISHED, 0, 0, 1000 },
		/* Another peer port of the same container: not tracked. */
		{ IN, ACK, 9001, 0, ANY },
	  }, 1, 2, 0 },
	{ "FIN from each side shortens", 40002, {
		{ OUT, SYN, 0, 1, RXL_CT_SYN_SENT },
		{ IN, SYN | ACK, 0, 1, RXL_CT_SYN_RECV },
		{ OUT, FIN | ACK, 0, 1, RXL_CT_FIN_WAIT, RXL_CT_OUT, 0, 13 },
		{ IN, FIN | ACK, 0, 1, RXL_CT_TIME_WAIT, RXL_CT_OUT | RXL_CT_IN,
		  0, 14 },
		/* The last ACK still belongs to it. */
		{ IN, ACK, 0, 1, RXL_CT_TIME_WAIT, RXL_CT_OUT | RXL_CT_IN },
	  }, 1, 3, 0 },
	{ "RST closes, and closed stays closed", 40003, {
		{ OUT, SYN, 0, 1, RXL_CT_SYN_SENT },
		{ IN, SYN | ACK, 0, 1, RXL_CT_SYN_RECV },
		{ IN, RST, 0, 1, RXL_CT_CLOSE, 0, 0, 15 },
		{ OUT, ACK, 0, 1, RXL_CT_CLOSE },
	  }, 1, 2, 0 },
	{ "a SYN on a closed entry is judged anew", 40004, {
		{ OUT, SYN, 0, 1, RXL_CT_SYN_SENT },
		{ IN, SYN | ACK, 0, 1, RXL_CT_SYN_RECV },
		{ OUT, RST, 0, 1, RXL_CT_CLOSE },
		/* The peer's SYN to that port: a new connection, refused. */
		{ IN, SYN, 0, 0, RXL_CT_CLOSE },
		/* The container's SYN opens a new one. */
		{ OUT, SYN, 0, 1, RXL_CT_SYN_SENT, 0, RXL_CT_OUT },
	  }, 2, 1, 2 },
};

/* Step @i of @q in family @fam; the TH_LOG names it on failure. */
static void tcp_step_run(struct __test_metadata *_metadata,
			 FIXTURE_DATA(ct) *self, const struct tcp_seq *q,
			 int i, int fam)
{
	const struct tcp_step *st = &q->steps[i];
	struct rxl_ct_val v;
	struct pkt p;
	int got, err;

	mk_tcp(&p, fam, 0, st->dir, q->cport, st->pport ?: 9000, st->flags);
	got = run(_metadata, self, st->dir, &p);
	EXPECT_EQ(st->pass ? (st->dir == OUT ? TC_ACT_OK : XDP_PASS) :
		  (st->dir == OUT ? TC_ACT_SHOT : XDP_DROP), got) {
		TH_LOG("%s, v%d, step %d: verdict", q->name, fam, i);
	}
	if (st->state == ANY)
		return;
	err = entry(self, fam, CID, 0, IPPROTO_TCP, q->cport, 9000, &v);
	if (st->state == NO_ENTRY) {
		EXPECT_EQ(-ENOENT, err) {
			TH_LOG("%s, v%d, step %d: an entry", q->name, fam, i);
		}
		return;
	}
	ASSERT_EQ(0, err) {
		TH_LOG("%s, v%d, step %d: no entry", q->name, fam, i);
	}
	EXPECT_EQ(st->state, v.state) {
		TH_LOG("%s, v%d, step %d: state", q->name, fam, i);
	}
	EXPECT_EQ(st->fin_seen, v.fin_seen) {
		TH_LOG("%s, v%d, step %d: FIN bits", q->name, fam, i);
	}
	if (st->opener) {
		EXPECT_EQ(st->opener, v.opener) {
			TH_LOG("%s, v%d, step %d: opener", q->name, fam, i);
		}
	}
	if (st->expires)
		EXPECT_EXPIRES_IN(v, st->expires);
}

TEST_F_TIMEOUT(ct, tcp_sequences, CT_CASE_TIMEOUT)
{
	__u64 co, in, ro;
	unsigned int s, i;
	int fam;

	for (s = 0; s < sizeof(tcp_seqs) / sizeof(tcp_seqs[0]); s++) {
		const struct tcp_seq *q = &tcp_seqs[s];

		co = stat(self, RXL_CT_STAT_CREATE_OUT);
		in = stat(self, RXL_CT_STAT_INGRESS);
		ro = stat(self, RXL_CT_STAT_REOPEN);
		FAMILIES {
			for (i = 0; i < 8 && q->steps[i].dir; i++)
				tcp_step_run(_metadata, self, q, i, fam);
		}
		EXPECT_EQ(co + 2 * q->create_out,
			  stat(self, RXL_CT_STAT_CREATE_OUT)) {
			TH_LOG("%s: create_out", q->name);
		}
		EXPECT_EQ(in + 2 * q->ingress, stat(self, RXL_CT_STAT_INGRESS)) {
			TH_LOG("%s: ingress", q->name);
		}
		EXPECT_EQ(ro + 2 * q->reopen, stat(self, RXL_CT_STAT_REOPEN)) {
			TH_LOG("%s: reopen", q->name);
		}
	}
}

/* Only a change is written: a second packet leaves the entry as it was. */
TEST_F_TIMEOUT(ct, refresh_writes_on_change_only, CT_CASE_TIMEOUT)
{
	struct rxl_ct_val a, b;
	struct pkt p;

	__u64 t0;

	establish(_metadata, self, 4, 40005);
	ASSERT_EQ(0, entry(self, 4, CID, 0, IPPROTO_TCP, 40005, 9000, &a));
	/* Let the clock move on: a write would then show. */
	t0 = now_ns();
	while (now_ns() < t0 + 20000000ULL)
		usleep(5000);
	mk_tcp(&p, 4, 0, IN, 40005, 9000, ACK);
	PASSES_IN(&p);
	ASSERT_EQ(0, entry(self, 4, CID, 0, IPPROTO_TCP, 40005, 9000, &b));
	/* Unchanged, or (on a stalled machine) refreshed by over a second. */
	EXPECT_TRUE(b.expires == a.expires ||
		    b.expires > a.expires + RXL_CT_REFRESH_NS) {
		TH_LOG("expiry moved by %lld ns", (long long)(b.expires - a.expires));
	}
}

/* ---- TCP sequence numbers: blind RSTs and FINs ------------------------- */

/*
 * An RST or FIN changes an entry only when its sequence number is near
 * its sender's recorded next sequence (RXL_CT_SEQ_BEHIND before it,
 * RXL_CT_SEQ_AHEAD after it); any other is passed, counted (seq_ignored)
 * and changes nothing. Each sequence is a whole connection of container
 * CID with the peer's port 9000, in both families: its packets' sequence
 * and acknowledgment numbers as given (ack 0: the builder's), then the
 * entry's state after each, and whether it was ignored.
 */
#define NO	(ISN_OUT + 1)		/* the container's next after its SYN */
#define NI	(ISN_IN + 1)		/* the peer's: 0 (wrapped) */
#define BEHIND	RXL_CT_SEQ_BEHIND
#define AHEAD	RXL_CT_SEQ_AHEAD
#define HANDSHAKE							\
	{ OUT, SYN, ISN_OUT, 0, RXL_CT_SYN_SENT },			\
	{ IN, SYN | ACK, ISN_IN, 0, RXL_CT_SYN_RECV },			\
	{ OUT, ACK, NO, 0, RXL_CT_ESTABLISHED }

struct seq_step {
	int dir;
	uint8_t flags;
	uint32_t seq, ack;
	uint8_t state;
	int ignored;
};

static const struct {
	const char *name;
	uint16_t cport;
	struct seq_step s[12];
} seq_cases[] = {
	{ "blind RSTs and FINs leave it established", 40100, {
		HANDSHAKE,
		{ IN, RST, NI + 0x40000000, 0, RXL_CT_ESTABLISHED, 1 },
		/* One past each bound, both sides. */
		{ IN, RST | ACK, NI + AHEAD + 1, 0, RXL_CT_ESTABLISHED, 1 },
		{ IN, RST, NI - BEHIND - 1, 0, RXL_CT_ESTABLISHED, 1 },
		{ IN, FIN | ACK, NI + 0x80000000, 0, RXL_CT_ESTABLISHED, 1 },
		{ OUT, RST, NO + 0x40000000, 0, RXL_CT_ESTABLISHED, 1 },
		{ OUT, RST, NO + AHEAD + 1, 0, RXL_CT_ESTABLISHED, 1 },
		{ OUT, FIN | ACK, NO - BEHIND - 1, 0, RXL_CT_ESTABLISHED, 1 },
		/* On the bound: it closes. */
		{ IN, RST, NI + AHEAD, 0, RXL_CT_CLOSE },
	  } },
	{ "an RST on the lower bound closes", 40107, {
		HANDSHAKE,
		{ OUT, RST, NO - BEHIND, 0, RXL_CT_CLOSE },
	  } },
	{ "FIN, FIN-ACK, ACK: time_wait", 40101, {
		HANDSHAKE,
		{ OUT, ACK, NO, 0, RXL_CT_ESTABLISHED },
		{ OUT, FIN | ACK, NO + 10, 0, RXL_CT_FIN_WAIT },
		{ IN, FIN | ACK, NI, NO + 11, RXL_CT_TIME_WAIT },
		{ OUT, ACK, NO + 11, NI + 1, RXL_CT_TIME_WAIT },
	  } },
	{ "data moves the record, blind data does not", 40102, {
		HANDSHAKE,
		/* Far out: passed, but the record stays. */
		{ IN, ACK, NI + 0x40000000, 0, RXL_CT_ESTABLISHED },
		{ IN, RST, NI + 0x4000000a, 0, RXL_CT_ESTABLISHED, 1 },
		/* 128 KiB on: the record follows (beyond the slack). */
		{ IN, ACK, NI + 0x20000, 0, RXL_CT_ESTABLISHED },
		{ IN, RST, NI + 0x2000a + AHEAD, 0, RXL_CT_CLOSE },
	  } },
	{ "data in flight: an RST behind the record", 40103, {
		HANDSHAKE,
		{ OUT, ACK, NO + 0x30000, 0, RXL_CT_ESTABLISHED },
		/* The peer acked only the start: an RST answering it. */
		{ OUT, RST, NO + 1000, 0, RXL_CT_CLOSE },
	  } },
	{ "sequence numbers wrap around 2^32", 40104, {
		{ OUT, SYN, 0xfffe0000u, 0, RXL_CT_SYN_SENT },
		{ IN, SYN | ACK, ISN_IN, 0xfffe0001u, RXL_CT_SYN_RECV },
		{ OUT, ACK, 0xfffe0001u, 0, RXL_CT_ESTABLISHED },
		/* Across the wrap: the record is 0x1000a now. */
		{ OUT, ACK, 0x10000, 0, RXL_CT_ESTABLISHED },
		{ OUT, RST, 0x80010000u, 0, RXL_CT_ESTABLISHED, 1 },
		{ OUT, RST, 0x1000a + AHEAD + 1, 0, RXL_CT_ESTABLISHED, 1 },
		/* Behind it, before the wrap. */
		{ OUT, RST, 0xffff0000u, 0, RXL_CT_CLOSE },
	  } },
	{ "the record moves across the wrap", 40108, {
		{ OUT, SYN, 0xfffe0000u, 0, RXL_CT_SYN_SENT },
		{ IN, SYN | ACK, ISN_IN, 0xfffe0001u, RXL_CT_SYN_RECV },
		{ OUT, ACK, 0xfffe0001u, 0, RXL_CT_ESTABLISHED },
		{ OUT, ACK, 0x10000, 0, RXL_CT_ESTABLISHED },
		/* On the bound after the moved record: out of the old one's. */
		{ OUT, RST, 0x1000a + AHEAD, 0, RXL_CT_CLOSE },
	  } },
	{ "an RST on the lower bound, across the wrap", 40109, {
		HANDSHAKE,
		/* The peer's record is 0: its bound starts at 2^32 - 1 MiB. */
		{ IN, RST, NI - BEHIND, 0, RXL_CT_CLOSE },
	  } },
	{ "syn_sent: an RST must acknowledge the SYN", 40105, {
		{ OUT, SYN, ISN_OUT, 0, RXL_CT_SYN_SENT },
		{ IN, RST | ACK, 0, ISN_OUT + 2, RXL_CT_SYN_SENT, 1 },
		{ IN, RST, 0, ISN_OUT + 1, RXL_CT_SYN_SENT, 1 },
		{ IN, FIN | ACK, ISN_IN, ISN_OUT, RXL_CT_SYN_SENT, 1 },
		/* A refusing stack's: seq 0, ack ISN + 1. */
		{ IN, RST | ACK, 0, ISN_OUT + 1, RXL_CT_CLOSE },
	  } },
	{ "syn_recv: each side's RST by its ISN", 40106, {
		{ OUT, SYN, ISN_OUT, 0, RXL_CT_SYN_SENT },
		{ IN, SYN | ACK, ISN_IN, 0, RXL_CT_SYN_RECV },
		{ OUT, RST, ISN_OUT + 0x40000000, 0, RXL_CT_SYN_RECV, 1 },
		{ IN, RST, 0x40000000, 0, RXL_CT_SYN_RECV, 1 },
		/* The opener's RST answering the SYN-ACK (seq: its ack). */
		{ OUT, RST, NO, 0, RXL_CT_CLOSE },
	  } },
};

static void seq_step_run(struct __test_metadata *_metadata,
			 FIXTURE_DATA(ct) *self, int fam, int c, int i)
{
	const struct seq_step *st = &seq_cases[c].s[i];
	uint16_t cport = seq_cases[c].cport;
	__u64 ign = stat(self, RXL_CT_STAT_SEQ_IGNORED);
	struct rxl_ct_val v;
	struct pkt p;

	mk_tcp(&p, fam, 0, st->dir, cport, 9000, st->flags);
	set_tcp_seq(&p, st->seq);
	if (st->ack)
		set_tcp_ack(&p, st->ack);
	EXPECT_EQ(st->dir == OUT ? TC_ACT_OK : XDP_PASS,
		  run(_metadata, self, st->dir, &p)) {
		TH_LOG("%s, v%d, step %d: verdict", seq_cases[c].name, fam, i);
	}
	ASSERT_EQ(0, entry(self, fam, CID, 0, IPPROTO_TCP, cport, 9000, &v)) {
		TH_LOG("%s, v%d, step %d: no entry", seq_cases[c].name, fam, i);
	}
	EXPECT_EQ(st->state, v.state) {
		TH_LOG("%s, v%d, step %d: state", seq_cases[c].name, fam, i);
	}
	EXPECT_EQ(ign + !!st->ignored, stat(self, RXL_CT_STAT_SEQ_IGNORED)) {
		TH_LOG("%s, v%d, step %d: seq_ignored", seq_cases[c].name,
		       fam, i);
	}
}

TEST_F_TIMEOUT(ct, tcp_rst_fin_sequence, CT_CASE_TIMEOUT)
{
	unsigned int c, i;
	int fam;

	for (c = 0; c < sizeof(seq_cases) / sizeof(seq_cases[0]); c++)
		FAMILIES {
			for (i = 0; i < 12 && seq_cases[c].s[i].dir; i++)
				seq_step_run(_metadata, self, fam, c, i);
		}
}

/* ---- TCP flags no stack sends (issue 14) -------------------------------- */

#define PSH		0x08
#define URG		0x20
#define ECE		0x40
#define CWR		0x80

static __u64 xdp_count(FIXTURE_DATA(ct) *self, struct bpf_map *m, __u32 idx);

/* Drops counted as invalid TCP flags (tcp_flags), both programs. */
#define BAD_FLAGS()	xdp_count(self, self->xdp->maps.rxl_drops,	\
				  RXL_DROP_TCP_FLAGS)

/*
 * The combinations nf_conntrack calls invalid (tcp_valid_flags[]) that
 * scanners send: nmap -sN, -sF, -sX, and SYN+FIN or SYN+RST past filters
 * that only look for "SYN without ACK".
 */
static const struct {
	const char *name;
	uint8_t flags;
} bad_flags[] = {
	{ "SYN+FIN", SYN | FIN },
	{ "SYN+RST", SYN | RST },
	{ "NULL", 0 },
	{ "FIN alone", FIN },
	{ "Xmas", FIN | PSH | URG },
};

#define NBAD	(sizeof(bad_flags) / sizeof(bad_flags[0]))

/*
 * On a miss, a segment with invalid flags is dropped and counted
 * (tcp_flags), and creates no entry, wherever the table judges it: every
 * egress packet (CID: egress default allow), ingress to a port a rule
 * allows under egress default drop (CID_B, 8080: the table is read for
 * it), ingress the rules would drop (CID, not 8080). Ingress to CID's
 * allowed 8080 (no egress drop) is the stateless path: the table is not
 * read there, and the flags are not judged (conntrack.rst, "Invalid TCP
 * flags"): it passes, creates nothing, is not counted.
 */
TEST_F_TIMEOUT(ct, tcp_invalid_flags_miss, CT_CASE_TIMEOUT)
{
	__u64 bad0 = BAD_FLAGS(), def0 = xdp_count(self, self->xdp->maps.rxl_drops,
						    RXL_DROP_DEFAULT);
	struct rxl_ct_val v;
	unsigned int i;
	uint16_t cport;
	struct pkt p;
	int fam, n = 0;

	FAMILIES
	for (i = 0; i < NBAD; i++) {
		cport = 40200 + n++;
		mk_tcp(&p, fam, 0, OUT, cport, 9000, bad_flags[i].flags);
		EXPECT_EQ(TC_ACT_SHOT, run(_metadata, self, OUT, &p)) {
			TH_LOG("%s v%d out: verdict", bad_flags[i].name, fam);
		}
		EXPECT_EQ(-ENOENT, entry(self, fam, CID, 0, IPPROTO_TCP, cport,
					 9000, &v)) {
			TH_LOG("%s v%d out: an entry", bad_flags[i].name, fam);
		}
		/* From the peer's port cport to CID_B's allowed 8080. */
		mk_tcp(&p, fam, 1, IN, 8080, cport, bad_flags[i].flags);
		EXPECT_EQ(XDP_DROP, run(_metadata, self, IN, &p)) {
			TH_LOG("%s v%d in, egress drop: verdict",
			       bad_flags[i].name, fam);
		}
		EXPECT_EQ(-ENOENT, entry_in(self, EITHER, fam, CID_B, 1,
					    peer_addr(fam), IPPROTO_TCP, 8080,
					    cport, &v)) {
			TH_LOG("%s v%d in: an entry", bad_flags[i].name, fam);
		}
		mk_tcp(&p, fam, 0, IN, cport, 9000, bad_flags[i].flags);
		EXPECT_EQ(XDP_DROP, run(_metadata, self, IN, &p)) {
			TH_LOG("%s v%d in, default drop: verdict",
			       bad_flags[i].name, fam);
		}
		/* The stateless path: the rules' verdict, untracked. */
		mk_tcp(&p, fam, 0, IN, 8080, cport, bad_flags[i].flags);
		EXPECT_EQ(XDP_PASS, run(_metadata, self, IN, &p)) {
			TH_LOG("%s v%d in, stateless: verdict",
			       bad_flags[i].name, fam);
		}
		EXPECT_EQ(-ENOENT, entry_in(self, EITHER, fam, CID, 0,
					    peer_addr(fam), IPPROTO_TCP, 8080,
					    cport, &v));
	}
	EXPECT_EQ(bad0 + 3 * n, BAD_FLAGS());
	EXPECT_EQ(def0, xdp_count(self, self->xdp->maps.rxl_drops,
				  RXL_DROP_DEFAULT));
	EXPECT_EQ(0, stat(self, RXL_CT_STAT_CREATE_OUT));
	EXPECT_EQ(0, stat(self, RXL_CT_STAT_CREATE_IN));
	EXPECT_EQ(0, stat(self, RXL_CT_STAT_EGRESS_DROP));
}

/*
 * On an established entry, a segment with invalid flags either way is
 * dropped and counted, and the entry stays as it was: its state, FIN
 * bits, sequence records and expiry. The expiry is set short first, so
 * that a refresh (to the fixture's 1000 s) would show; each segment's
 * sequence number is its sender's next, near enough to move a record or
 * to close (FIN, SYN+RST) were it judged.
 */
TEST_F_TIMEOUT(ct, tcp_invalid_flags_established, CT_CASE_TIMEOUT)
{
	__u64 bad0 = BAD_FLAGS(), ign0 = stat(self, RXL_CT_STAT_SEQ_IGNORED);
	struct rxl_ct4_key k4;
	struct rxl_ct6_key k6;
	struct rxl_ct_val a, b;
	unsigned int i;
	struct pkt p;
	int fam, n = 0;
	void *k;

	FAMILIES {
		establish(_metadata, self, fam, 40220);
		k = flow_key(fam, CID, 0, peer_addr(fam), IPPROTO_TCP, 40220,
			     9000, &k4, &k6);
		ASSERT_EQ(0, bpf_map_lookup_elem(fam == 4 ? self->ct4 :
						 self->ct6, k, &a));
		a.expires = now_ns() + 50000000000ULL;
		for (i = 0; i < NBAD; i++) {
			/* Each segment alone on the entry as it was. */
			ASSERT_EQ(0, bpf_map_update_elem(fam == 4 ? self->ct4 :
							 self->ct6, k, &a, 0));
			mk_tcp(&p, fam, 0, OUT, 40220, 9000,
			       bad_flags[i].flags);
			set_tcp_seq(&p, NO + 0x20000);
			EXPECT_EQ(TC_ACT_SHOT, run(_metadata, self, OUT, &p)) {
				TH_LOG("%s v%d out: verdict",
				       bad_flags[i].name, fam);
			}
			mk_tcp(&p, fam, 0, IN, 40220, 9000,
			       bad_flags[i].flags);
			set_tcp_seq(&p, NI + 0x20000);
			EXPECT_EQ(XDP_DROP, run(_metadata, self, IN, &p)) {
				TH_LOG("%s v%d in: verdict",
				       bad_flags[i].name, fam);
			}
			n += 2;
			ASSERT_EQ(0, entry_in(self, MAIN, fam, CID, 0,
					      peer_addr(fam), IPPROTO_TCP,
					      40220, 9000, &b));
			EXPECT_EQ(0, memcmp(&a, &b, sizeof(a))) {
				TH_LOG("%s v%d: entry changed: state %u -> %u, fin %u -> %u, expires %+lld ns, nxt %x/%x -> %x/%x",
				       bad_flags[i].name, fam, a.state,
				       b.state, a.fin_seen, b.fin_seen,
				       (long long)(b.expires - a.expires),
				       a.nxt[0], a.nxt[1], b.nxt[0],
				       b.nxt[1]);
			}
		}
	}
	EXPECT_EQ(bad0 + n, BAD_FLAGS());
	EXPECT_EQ(ign0, stat(self, RXL_CT_STAT_SEQ_IGNORED));
}

/*
 * Valid combinations with the flags judged aside (URG, PSH, ECE, CWR)
 * behave as their core: SYN|URG opens (and ECE|CWR on a SYN, ECN's
 * setup), ACK|PSH|ECE|CWR carries an established flow both ways, and
 * nothing is counted as invalid.
 */
TEST_F_TIMEOUT(ct, tcp_valid_flags_unchanged, CT_CASE_TIMEOUT)
{
	__u64 bad0 = BAD_FLAGS();
	struct rxl_ct_val v;
	struct pkt p;
	int fam;

	FAMILIES {
		mk_tcp(&p, fam, 0, OUT, 40230, 9000, SYN | URG);
		PASSES_OUT(&p);
		ASSERT_EQ(0, entry(self, fam, CID, 0, IPPROTO_TCP, 40230, 9000,
				   &v));
		EXPECT_EQ(RXL_CT_SYN_SENT, v.state);
		mk_tcp(&p, fam, 0, OUT, 40231, 9000, SYN | ECE | CWR);
		PASSES_OUT(&p);
		ASSERT_EQ(0, entry(self, fam, CID, 0, IPPROTO_TCP, 40231, 9000,
				   &v));
		establish(_metadata, self, fam, 40232);
		mk_tcp(&p, fam, 0, IN, 40232, 9000, ACK | PSH | ECE | CWR);
		PASSES_IN(&p);
		mk_tcp(&p, fam, 0, OUT, 40232, 9000, ACK | PSH | ECE | CWR);
		PASSES_OUT(&p);
		mk_tcp(&p, fam, 0, IN, 40232, 9000, ACK | URG);
		PASSES_IN(&p);
		ASSERT_EQ(0, entry_in(self, MAIN, fam, CID, 0, peer_addr(fam),
				      IPPROTO_TCP, 40232, 9000, &v));
		EXPECT_EQ(RXL_CT_ESTABLISHED, v.state);
		/* FIN|ACK|PSH closes as FIN|ACK does. */
		mk_tcp(&p, fam, 0, OUT, 40232, 9000, FIN | ACK | PSH);
		PASSES_OUT(&p);
		ASSERT_EQ(0, entry_in(self, MAIN, fam, CID, 0, peer_addr(fam),
				      IPPROTO_TCP, 40232, 9000, &v));
		EXPECT_EQ(RXL_CT_FIN_WAIT, v.state);
	}
	EXPECT_EQ(bad0, BAD_FLAGS());
}

/*
 * An entry an older build wrote (no side's sequence recorded: the byte
 * was padding) is judged as before: any RST closes it. A side's first
 * segment after the handshake records its sequence from then on.
 */
TEST_F_TIMEOUT(ct, tcp_seq_older_entry, CT_CASE_TIMEOUT)
{
	struct rxl_ct_val v;
	struct pkt p;

	ASSERT_EQ(0, put_entry(self, CID, CONT4, NULL, 40110));
	ASSERT_EQ(0, put_entry(self, CID, CONT4, NULL, 40111));
	/* Picked up from the peer's ACK: then a blind RST is ignored. */
	mk_tcp(&p, 4, 0, IN, 40110, 9000, ACK);
	PASSES_IN(&p);
	mk_tcp(&p, 4, 0, IN, 40110, 9000, RST);
	set_tcp_seq(&p, 0x40000000);
	PASSES_IN(&p);
	ASSERT_EQ(0, entry(self, 4, CID, 0, IPPROTO_TCP, 40110, 9000, &v));
	EXPECT_EQ(RXL_CT_ESTABLISHED, v.state);
	EXPECT_EQ(RXL_CT_IN, v.seq_known);
	EXPECT_EQ(1, stat(self, RXL_CT_STAT_SEQ_IGNORED));
	/* Nothing recorded: any RST closes, as it did. */
	mk_tcp(&p, 4, 0, IN, 40111, 9000, RST);
	set_tcp_seq(&p, 0x40000000);
	PASSES_IN(&p);
	ASSERT_EQ(0, entry(self, 4, CID, 0, IPPROTO_TCP, 40111, 9000, &v));
	EXPECT_EQ(RXL_CT_CLOSE, v.state);
}

/* ---- egress drop: allowed ingress flows are tracked for the answer ----- */

TEST_F_TIMEOUT(ct, egress_drop_answers_allowed_flows, CT_CASE_TIMEOUT)
{
	struct rxl_ct_val v;
	struct pkt p;
	int fam;

	FAMILIES {
		mk_tcp(&p, fam, 1, OUT, 8080, 50000, SYN | ACK);
		DROPPED_OUT(&p);
		mk_tcp(&p, fam, 1, IN, 8080, 50000, SYN);
		PASSES_IN(&p);
		ASSERT_EQ(0, entry(self, fam, CID_B, 1, IPPROTO_TCP, 8080,
				   50000, &v));
		EXPECT_EQ(RXL_CT_IN, v.opener);
		mk_tcp(&p, fam, 1, OUT, 8080, 50000, SYN | ACK);
		PASSES_OUT(&p);
		ASSERT_EQ(0, entry(self, fam, CID_B, 1, IPPROTO_TCP, 8080,
				   50000, &v));
		EXPECT_EQ(RXL_CT_SYN_RECV, v.state);
		mk_tcp(&p, fam, 1, IN, 8080, 50000, ACK);
		PASSES_IN(&p);
		ASSERT_EQ(0, entry(self, fam, CID_B, 1, IPPROTO_TCP, 8080,
				   50000, &v));
		EXPECT_EQ(RXL_CT_ESTABLISHED, v.state);
		/* It opens nothing itself. */
		mk_tcp(&p, fam, 1, OUT, 40006, 9000, SYN);
		DROPPED_OUT(&p);
		EXPECT_EQ(-ENOENT, entry(self, fam, CID_B, 1, IPPROTO_TCP,
					 40006, 9000, &v));
	}
	EXPECT_EQ(2, stat(self, RXL_CT_STAT_CREATE_IN));
}

/* ---- UDP and ICMP echo -------------------------------------------------- */

TEST_F_TIMEOUT(ct, udp_request_response, CT_CASE_TIMEOUT)
{
	struct rxl_ct_val v;
	struct pkt p;
	int fam;

	FAMILIES {
		mk_udp(&p, fam, IN, 41000, 53);
		DROPPED_IN(&p);
		mk_udp(&p, fam, OUT, 41000, 53);
		PASSES_OUT(&p);
		ASSERT_EQ(0, entry(self, fam, CID, 0, IPPROTO_UDP, 41000, 53,
				   &v));
		EXPECT_EQ(RXL_CT_UDP, v.state);
		EXPECT_EXPIRES_IN(v, 16);
		mk_udp(&p, fam, IN, 41000, 53);
		PASSES_IN(&p);
		ASSERT_EQ(0, entry(self, fam, CID, 0, IPPROTO_UDP, 41000, 53,
				   &v));
		EXPECT_EQ(RXL_CT_UDP_STREAM, v.state);
		EXPECT_EXPIRES_IN(v, 17);
		mk_udp(&p, fam, IN, 41000, 54);
		DROPPED_IN(&p);
	}
}

TEST_F_TIMEOUT(ct, icmp_echo_by_id, CT_CASE_TIMEOUT)
{
	struct rxl_ct_val v;
	struct pkt p;
	int fam;
	uint8_t proto;

	FAMILIES {
		proto = fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		mk_echo(&p, fam, IN, 1, 0x1234);
		DROPPED_IN(&p);
		mk_echo(&p, fam, OUT, 0, 0x1234);
		PASSES_OUT(&p);
		ASSERT_EQ(0, entry(self, fam, CID, 0, proto, 0x1234, 0, &v));
		EXPECT_EQ(RXL_CT_ICMP, v.state);
		EXPECT_EXPIRES_IN(v, 18);
		mk_echo(&p, fam, IN, 1, 0x1234);
		PASSES_IN(&p);
		mk_echo(&p, fam, IN, 1, 0x1235);
		DROPPED_IN(&p);
		/* A request from the peer with that id is no reply. */
		mk_echo(&p, fam, IN, 0, 0x1234);
		DROPPED_IN(&p);
	}
}

/* ---- zones -------------------------------------------------------------- */

/* An entry of another zone with this container's tuple matches nothing. */
TEST_F_TIMEOUT(ct, zone_isolation, CT_CASE_TIMEOUT)
{
	struct pkt p;
	int fam;

	ASSERT_EQ(0, put_entry(self, CID_B, CONT4, CONT6, 40007));
	FAMILIES {
		mk_tcp(&p, fam, 0, IN, 40007, 9000, ACK);
		DROPPED_IN(&p);
	}
	/* The same entries in the right zone: they match. */
	ASSERT_EQ(0, put_entry(self, CID, CONT4, CONT6, 40007));
	FAMILIES {
		mk_tcp(&p, fam, 0, IN, 40007, 9000, ACK);
		PASSES_IN(&p);
	}
}

/* ---- expiry ------------------------------------------------------------- */

TEST_F_TIMEOUT(ct, expired_entry_misses, CT_CASE_TIMEOUT)
{
	struct rxl_ct_val v;
	struct pkt p;

	ASSERT_EQ(0, set_timeouts(self, RXL_CT_UDP, 1));
	mk_udp(&p, 4, OUT, 41001, 53);
	PASSES_OUT(&p);
	ASSERT_EQ(0, entry(self, 4, CID, 0, IPPROTO_UDP, 41001, 53, &v));
	ASSERT_TRUE(wait_past(v.expires));
	mk_udp(&p, 4, IN, 41001, 53);
	DROPPED_IN(&p);
	EXPECT_EQ(1, stat(self, RXL_CT_STAT_EXPIRED));
}

/* ---- a full table: half-open entries apart -------------------------------- */

/* The number of entries in the map @fd whose keys are @ksz bytes. */
static long map_count(int fd, size_t ksz)
{
	uint8_t key[sizeof(struct rxl_ct6_key)], next[sizeof(key)];
	void *prev = NULL;
	long n = 0;

	while (ksz <= sizeof(key) && !bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, ksz);
		prev = key;
		n++;
	}
	return n;
}

/*
 * A new flow's entry is half-open until it is assured, the opener
 * speaking again after the answer: then it is in the main table only.
 * The answer alone leaves it half-open (a SYN flood's SYN-ACKs), as do
 * an RST and ICMP echo.
 */
TEST_F_TIMEOUT(ct, half_open_then_promoted, CT_CASE_TIMEOUT)
{
	uint8_t icmp;
	struct rxl_ct_val v;
	struct pkt p;
	int fam;

	FAMILIES {
		icmp = fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		/* TCP, opened by the container. */
		mk_tcp(&p, fam, 0, OUT, 40020, 9000, SYN);
		PASSES_OUT(&p);
		ASSERT_EQ(0, entry_in(self, HALF, fam, CID, 0, peer_addr(fam),
				      IPPROTO_TCP, 40020, 9000, &v));
		EXPECT_EQ(RXL_CT_SYN_SENT, v.state);
		mk_tcp(&p, fam, 0, IN, 40020, 9000, SYN | ACK);
		PASSES_IN(&p);
		ASSERT_EQ(0, entry_in(self, HALF, fam, CID, 0, peer_addr(fam),
				      IPPROTO_TCP, 40020, 9000, &v));
		EXPECT_EQ(RXL_CT_SYN_RECV, v.state);
		mk_tcp(&p, fam, 0, IN, 40020, 9000, ACK);
		PASSES_IN(&p);
		mk_tcp(&p, fam, 0, OUT, 40020, 9000, ACK);
		PASSES_OUT(&p);
		ASSERT_EQ(0, entry_in(self, MAIN, fam, CID, 0, peer_addr(fam),
				      IPPROTO_TCP, 40020, 9000, &v));
		EXPECT_EQ(RXL_CT_ESTABLISHED, v.state);
		EXPECT_EQ(RXL_CT_OUT, v.opener);
		EXPECT_EXPIRES_IN(v, 1000);
		/* UDP: a second request after the reply moves it. */
		mk_udp(&p, fam, OUT, 41020, 53);
		PASSES_OUT(&p);
		ASSERT_EQ(0, entry_in(self, HALF, fam, CID, 0, peer_addr(fam),
				      IPPROTO_UDP, 41020, 53, &v));
		mk_udp(&p, fam, IN, 41020, 53);
		PASSES_IN(&p);
		ASSERT_EQ(0, entry_in(self, HALF, fam, CID, 0, peer_addr(fam),
				      IPPROTO_UDP, 41020, 53, &v));
		EXPECT_EQ(RXL_CT_UDP_STREAM, v.state);
		mk_udp(&p, fam, OUT, 41020, 53);
		PASSES_OUT(&p);
		ASSERT_EQ(0, entry_in(self, MAIN, fam, CID, 0, peer_addr(fam),
				      IPPROTO_UDP, 41020, 53, &v));
		EXPECT_EQ(RXL_CT_UDP_STREAM, v.state);
		/* ICMP echo: half-open for its life. */
		mk_echo(&p, fam, OUT, 0, 0x4020);
		PASSES_OUT(&p);
		mk_echo(&p, fam, IN, 1, 0x4020);
		PASSES_IN(&p);
		mk_echo(&p, fam, OUT, 0, 0x4020);
		PASSES_OUT(&p);
		ASSERT_EQ(0, entry_in(self, HALF, fam, CID, 0, peer_addr(fam),
				      icmp, 0x4020, 0, &v));
		/* Opened by the peer (egress drop): the container answers. */
		mk_tcp(&p, fam, 1, IN, 8080, 50020, SYN);
		PASSES_IN(&p);
		ASSERT_EQ(0, entry_in(self, HALF, fam, CID_B, 1, peer_addr(fam),
				      IPPROTO_TCP, 8080, 50020, &v));
		EXPECT_EQ(RXL_CT_IN, v.opener);
		mk_tcp(&p, fam, 1, OUT, 8080, 50020, SYN | ACK);
		PASSES_OUT(&p);
		ASSERT_EQ(0, entry_in(self, HALF, fam, CID_B, 1, peer_addr(fam),
				      IPPROTO_TCP, 8080, 50020, &v));
		mk_tcp(&p, fam, 1, IN, 8080, 50020, ACK);
		PASSES_IN(&p);
		ASSERT_EQ(0, entry_in(self, MAIN, fam, CID_B, 1, peer_addr(fam),
				      IPPROTO_TCP, 8080, 50020, &v));
		EXPECT_EQ(RXL_CT_IN, v.opener);
		EXPECT_EQ(RXL_CT_ESTABLISHED, v.state);
		/* Refused with an RST: closed where it was. */
		mk_tcp(&p, fam, 0, OUT, 40021, 9000, SYN);
		PASSES_OUT(&p);
		mk_tcp(&p, fam, 0, IN, 40021, 9000, RST | ACK);
		PASSES_IN(&p);
		ASSERT_EQ(0, entry_in(self, HALF, fam, CID, 0, peer_addr(fam),
				      IPPROTO_TCP, 40021, 9000, &v));
		EXPECT_EQ(RXL_CT_CLOSE, v.state);
		EXPECT_EXPIRES_IN(v, 15);
	}
	EXPECT_EQ(2 * 3, stat(self, RXL_CT_STAT_PROMOTE));
	EXPECT_EQ(0, stat(self, RXL_CT_STAT_CREATE_FAILED));
}

/* A half-open entry lives its state's timeout: then its answer is new. */
TEST_F_TIMEOUT(ct, half_open_times_out, CT_CASE_TIMEOUT)
{
	struct rxl_ct_val v;
	struct pkt p;

	ASSERT_EQ(0, set_timeouts(self, RXL_CT_SYN_SENT, 1));
	mk_tcp(&p, 4, 0, OUT, 40022, 9000, SYN);
	PASSES_OUT(&p);
	ASSERT_EQ(0, entry_in(self, HALF, 4, CID, 0, PEER4, IPPROTO_TCP,
			      40022, 9000, &v));
	EXPECT_EXPIRES_IN(v, 1);
	ASSERT_TRUE(wait_past(v.expires));
	mk_tcp(&p, 4, 0, IN, 40022, 9000, SYN | ACK);
	DROPPED_IN(&p);
	EXPECT_EQ(-ENOENT, entry_in(self, MAIN, 4, CID, 0, PEER4, IPPROTO_TCP,
				    40022, 9000, &v));
	EXPECT_EQ(1, stat(self, RXL_CT_STAT_EXPIRED));
	EXPECT_EQ(0, stat(self, RXL_CT_STAT_PROMOTE));
}

/*
 * syn_recv: the answer (SYN-ACK) to a SYN moves the half-open entry to
 * syn_recv with its own timeout (nf_conntrack's SYN_RECV, 60 s by
 * default), not established's; only the opener's ACK of it establishes
 * the connection and moves it to the main table. Both openers: the
 * container (web, its SYN out) and the peer (db, egress drop, its SYN
 * in).
 */
TEST_F_TIMEOUT(ct, syn_recv_then_established, CT_CASE_TIMEOUT)
{
	static const struct { int b, opener; uint16_t cport, pport; } o[] = {
		{ 0, OUT, 40030, 9000 }, { 1, IN, 8080, 50030 },
	};
	struct rxl_ct_val v;
	unsigned int i;
	struct pkt p;
	int fam;

	FAMILIES for (i = 0; i < 2; i++) {
		int b = o[i].b, op = o[i].opener, ans = op == OUT ? IN : OUT;
		__u32 zone = b ? CID_B : CID;
		uint16_t cp = o[i].cport, pp = o[i].pport;
		uint32_t isn = ans == OUT ? ISN_OUT : ISN_IN;
		/*
		 * Each packet (@num, when not 0: a SYN-ACK's sequence number,
		 * another packet's acknowledgment), then the entry's table
		 * and state after it.
		 */
		const struct {
			int dir; uint8_t flags; int where, state; uint32_t num;
		} s[] = {
			{ op, SYN, HALF, RXL_CT_SYN_SENT },
			{ ans, SYN | ACK, HALF, RXL_CT_SYN_RECV },
			/* The answerer's own ACK: still unacknowledged. */
			{ ans, ACK, HALF, RXL_CT_SYN_RECV },
			/*
			 * The opener's ACK of another number than the
			 * SYN-ACK's + 1 (a blind guess): not established.
			 */
			{ op, ACK, HALF, RXL_CT_SYN_RECV, isn + 2 },
			{ op, ACK, HALF, RXL_CT_SYN_RECV, isn },
			/* A SYN-ACK with another ISN: the one to ack now. */
			{ ans, SYN | ACK, HALF, RXL_CT_SYN_RECV, 0x12345678 },
			{ op, ACK, HALF, RXL_CT_SYN_RECV },
			/* The opener's ACK of it: established, assured, moved. */
			{ op, ACK, MAIN, RXL_CT_ESTABLISHED, 0x12345679 },
		};
		unsigned int k;

		for (k = 0; k < sizeof(s) / sizeof(s[0]); k++) {
			mk_tcp(&p, fam, b, s[k].dir, cp, pp, s[k].flags);
			if (s[k].num && (s[k].flags & SYN))
				set_tcp_seq(&p, s[k].num);
			else if (s[k].num)
				set_tcp_ack(&p, s[k].num);
			EXPECT_EQ(s[k].dir == OUT ? TC_ACT_OK : XDP_PASS,
				  run(_metadata, self, s[k].dir, &p));
			ASSERT_EQ(0, entry_in(self, s[k].where, fam, zone, b,
					      peer_addr(fam), IPPROTO_TCP, cp,
					      pp, &v)) {
				TH_LOG("v%d opener %d step %u: not in table %d",
				       fam, op, k, s[k].where);
			}
			EXPECT_EQ(s[k].state, v.state) {
				TH_LOG("v%d opener %d step %u", fam, op, k);
			}
		}
		EXPECT_EXPIRES_IN(v, 1000);
	}
	EXPECT_EQ(2 * 2, stat(self, RXL_CT_STAT_PROMOTE));
}

/*
 * A SYN-ACK that is never acknowledged: its entry lives syn_recv's
 * timeout ('ct timeout syn_recv 1'), not syn_sent's or established's;
 * then the peer's packets of that tuple are new again.
 */
TEST_F_TIMEOUT(ct, syn_recv_times_out, CT_CASE_TIMEOUT)
{
	struct rxl_ct_val v;
	struct pkt p;
	int fam;

	ASSERT_EQ(0, set_timeouts(self, RXL_CT_SYN_RECV, 1));
	FAMILIES {
		mk_tcp(&p, fam, 0, OUT, 40031, 9000, SYN);
		PASSES_OUT(&p);
		mk_tcp(&p, fam, 0, IN, 40031, 9000, SYN | ACK);
		PASSES_IN(&p);
		ASSERT_EQ(0, entry_in(self, HALF, fam, CID, 0, peer_addr(fam),
				      IPPROTO_TCP, 40031, 9000, &v));
		EXPECT_EQ(RXL_CT_SYN_RECV, v.state);
		EXPECT_EXPIRES_IN(v, 1);
	}
	ASSERT_TRUE(wait_past(v.expires));
	FAMILIES {
		/* The peer's retransmitted SYN-ACK: dropped as new. */
		mk_tcp(&p, fam, 0, IN, 40031, 9000, SYN | ACK);
		DROPPED_IN(&p);
		/* A late ACK of the opener establishes nothing. */
		mk_tcp(&p, fam, 0, OUT, 40031, 9000, ACK);
		PASSES_OUT(&p);
		EXPECT_EQ(-ENOENT, entry_in(self, MAIN, fam, CID, 0,
					    peer_addr(fam), IPPROTO_TCP, 40031,
					    9000, &v));
	}
	EXPECT_EQ(0, stat(self, RXL_CT_STAT_PROMOTE));
	EXPECT_LE(2, stat(self, RXL_CT_STAT_EXPIRED));
}

/*
 * A SYN that reopens a tuple whose closed entry is in the main table
 * removes that entry: the new connection's answer must find its own
 * half-open entry, not the closed one (which would keep it closed).
 */
TEST_F_TIMEOUT(ct, reopen_replaces_closed_entry, CT_CASE_TIMEOUT)
{
	struct rxl_ct_val v;
	struct pkt p;
	int fam;

	FAMILIES {
		establish(_metadata, self, fam, 40023);
		mk_tcp(&p, fam, 0, IN, 40023, 9000, RST);
		PASSES_IN(&p);
		ASSERT_EQ(0, entry_in(self, MAIN, fam, CID, 0, peer_addr(fam),
				      IPPROTO_TCP, 40023, 9000, &v));
		EXPECT_EQ(RXL_CT_CLOSE, v.state);
		mk_tcp(&p, fam, 0, OUT, 40023, 9000, SYN);
		PASSES_OUT(&p);
		ASSERT_EQ(0, entry_in(self, HALF, fam, CID, 0, peer_addr(fam),
				      IPPROTO_TCP, 40023, 9000, &v));
		mk_tcp(&p, fam, 0, IN, 40023, 9000, SYN | ACK);
		PASSES_IN(&p);
		mk_tcp(&p, fam, 0, OUT, 40023, 9000, ACK);
		PASSES_OUT(&p);
		ASSERT_EQ(0, entry_in(self, MAIN, fam, CID, 0, peer_addr(fam),
				      IPPROTO_TCP, 40023, 9000, &v));
		EXPECT_EQ(RXL_CT_ESTABLISHED, v.state);
	}
}

/*
 * Tiny tables: main FULL_MAIN, half-open FULL_HALF entries per family.
 * The flood is many times both.
 */
#define FULL_MAIN	256
#define FULL_HALF	32
#define FULL_FLOOD	2048	/* new flows per direction */
#define FULL_EST	24	/* established flows per direction (v4) */
#define FULL_EST6	8	/* and over IPv6 */

FIXTURE(ct_full) {
	FIXTURE_DATA(ct) d;
};

FIXTURE_SETUP(ct_full)
{
	ct_load(_metadata, &self->d, FULL_MAIN, FULL_HALF);
}

FIXTURE_TEARDOWN(ct_full)
{
	ct_unload(&self->d);
}

/* Flood source @i: an address of 198.18.0.0/15 (v6: 2001:db8:f::/64). */
static const char *flood_src(int fam, unsigned int i, char *buf, size_t n)
{
	if (fam == 4)
		snprintf(buf, n, "198.18.%u.%u", (i >> 8) & 255, i & 255);
	else
		snprintf(buf, n, "2001:db8:f::%x", i + 1);
	return buf;
}

/*
 * Flows established before, both ways: CID's own connections (to the
 * peer's 9000) and connections the peer opened to CID_B's 8080 (egress
 * drop: only its table entry lets the answers out). Then a flood of
 * FULL_FLOOD SYNs from random sources to CID_B's allowed port, and as
 * many from CID to random peers (a scan): every established flow still
 * matches, both ways, and sits in the main table; the half-open table
 * never holds more than its size, and the flood's newest SYN can still
 * be answered.
 *
 * With @blind, each forged source also sends the handshake's last ACK
 * after the container's SYN-ACK, as an off-path attacker can without
 * seeing it, with an acknowledgment number it had to guess (wrong): no
 * entry of the flood may be established, so none reaches the main table.
 */
static void syn_flood(struct __test_metadata *_metadata,
		      FIXTURE_DATA(ct) *self, int blind)
{
	char src[INET6_ADDRSTRLEN];
	struct rxl_ct_val v;
	unsigned int i;
	struct pkt p;
	int fam, n;

	FAMILIES {
		n = fam == 4 ? FULL_EST : FULL_EST6;
		for (i = 0; i < (unsigned int)n; i++) {
			establish(_metadata, self, fam, 42000 + i);
			mk_tcp(&p, fam, 1, IN, 8080, 52000 + i, SYN);
			PASSES_IN(&p);
			mk_tcp(&p, fam, 1, OUT, 8080, 52000 + i, SYN | ACK);
			PASSES_OUT(&p);
			mk_tcp(&p, fam, 1, IN, 8080, 52000 + i, ACK);
			PASSES_IN(&p);
		}
	}
	EXPECT_EQ(2 * (FULL_EST + FULL_EST6), stat(self, RXL_CT_STAT_PROMOTE));
	for (i = 0; i < FULL_FLOOD; i++) {
		fam = i % 8 ? 4 : 6;	/* one in eight over IPv6 */
		flood_src(fam, i, src, sizeof(src));
		/* The server answers each: the forged source never will. */
		mk_tcp_peer(&p, fam, 1, src, IN, 8080, 1024 + i, SYN);
		PASSES_IN(&p);
		mk_tcp_peer(&p, fam, 1, src, OUT, 8080, 1024 + i, SYN | ACK);
		PASSES_OUT(&p);
		if (blind) {
			/* Any number but ISN_OUT + 1: the SYN-ACK's. */
			mk_tcp_peer(&p, fam, 1, src, IN, 8080, 1024 + i, ACK);
			set_tcp_ack(&p, ISN_OUT + 2 + i * 7919u);
			PASSES_IN(&p);	/* the entry's, half-open */
		}
		mk_tcp_peer(&p, fam, 0, src, OUT, 30000 + i, 80, SYN);
		PASSES_OUT(&p);
	}
	EXPECT_EQ(2 * (FULL_EST + FULL_EST6), stat(self, RXL_CT_STAT_PROMOTE));
	EXPECT_LE(map_count(self->half4, sizeof(struct rxl_ct4_key)),
		  FULL_HALF);
	EXPECT_LE(map_count(self->half6, sizeof(struct rxl_ct6_key)),
		  FULL_HALF);
	FAMILIES {
		n = fam == 4 ? FULL_EST : FULL_EST6;
		for (i = 0; i < (unsigned int)n; i++) {
			mk_tcp(&p, fam, 0, IN, 42000 + i, 9000, ACK);
			EXPECT_EQ(XDP_PASS, run(_metadata, self, IN, &p)) {
				TH_LOG("v%d: CID's flow from %u lost", fam,
				       42000 + i);
			}
			mk_tcp(&p, fam, 1, OUT, 8080, 52000 + i, ACK);
			EXPECT_EQ(TC_ACT_OK, run(_metadata, self, OUT, &p)) {
				TH_LOG("v%d: CID_B's flow from %u lost", fam,
				       52000 + i);
			}
			EXPECT_EQ(0, entry_in(self, MAIN, fam, CID, 0,
					      peer_addr(fam), IPPROTO_TCP,
					      42000 + i, 9000, &v));
		}
	}
	/* The newest half-open entry is there: its handshake completes. */
	i = FULL_FLOOD - 1;
	flood_src(4, i, src, sizeof(src));
	mk_tcp_peer(&p, 4, 1, src, IN, 8080, 1024 + i, ACK);
	PASSES_IN(&p);
	EXPECT_EQ(0, entry_in(self, MAIN, 4, CID_B, 1, src, IPPROTO_TCP,
			      8080, 1024 + i, &v));
}

TEST_F_TIMEOUT(ct_full, syn_flood_spares_established, CT_CASE_TIMEOUT)
{
	syn_flood(_metadata, &self->d, 0);
}

TEST_F_TIMEOUT(ct_full, blind_ack_flood_spares_established, CT_CASE_TIMEOUT)
{
	syn_flood(_metadata, &self->d, 1);
}

/* ---- malformed ---------------------------------------------------------- */

TEST_F_TIMEOUT(ct, malformed, CT_CASE_TIMEOUT)
{
	struct rxl_ct_val v;
	struct pkt p;
	int fam;

	FAMILIES {
		/* An echo reply cut inside its identifier matches nothing. */
		mk_echo(&p, fam, OUT, 0, 0x2222);
		PASSES_OUT(&p);
		mk_echo(&p, fam, IN, 1, 0x2222);
		pk_cut(&p, p.len - 10 - 3);
		DROPPED_IN(&p);
		/* Nor opens one on egress. */
		mk_echo(&p, fam, OUT, 0, 0x2223);
		pk_cut(&p, p.len - 10 - 3);
		PASSES_OUT(&p);
		EXPECT_EQ(-ENOENT, entry(self, fam, CID, 0,
					 fam == 4 ? IPPROTO_ICMP :
					 IPPROTO_ICMPV6, 0x2223, 0, &v));
		/* Under egress drop a cut header is dropped. */
		mk_tcp(&p, fam, 1, OUT, 8080, 50001, ACK);
		pk_cut(&p, p.len - 10 - 8);
		DROPPED_OUT(&p);
	}
	/*
	 * (A frame cut inside its IP header cannot be run: the test run of a
	 * tc program refuses it, as the stack never sends one.) Not IP:
	 * untouched, even under egress drop.
	 */
	pk_init(&p);
	pk_eth(&p, ETH_P_ARP, 0);
	pk_payload(&p, 28);
	PASSES_OUT(&p);
	/* IPv4 IHL below 5: not parsed, passed untouched. */
	mk_tcp(&p, 4, 1, OUT, 8080, 50001, SYN);
	p.b[14] = 0x44;
	PASSES_OUT(&p);
	/* A later fragment never opens anything. */
	mk_udp(&p, 4, OUT, 41002, 53);
	pk_put16(p.b + 14 + 6, 100);	/* offset 800 */
	PASSES_OUT(&p);
	EXPECT_EQ(-ENOENT, entry(self, 4, CID, 0, IPPROTO_UDP, 41002, 53, &v));
	EXPECT_EQ(0, stat(self, RXL_CT_STAT_CREATE_FAILED));
}

/* ---- related ICMP errors ------------------------------------------------ */

#define ROUTER4		"192.0.2.1"
#define ROUTER6		"2001:db8:ff::1"

/* ICMP (v4 / v6) error types and codes. */
#define E4_UNREACH	3
#define E4_FRAG_NEEDED	4	/* code of E4_UNREACH */
#define E4_TIME_EXCEEDED 11
#define E4_PARAMPROB	12
#define E4_REDIRECT	5
#define E6_UNREACH	1
#define E6_TOO_BIG	2
#define E6_TIME_EXCEEDED 3
#define E6_PARAMPROB	4

/*
 * An ICMP error of @type/@code from @osrc to @odst embedding a packet
 * from @isrc to @idst: protocol @proto, ports @isport -> @idport (an echo
 * request with id @isport for ICMP). The embedded IPv4 header has
 * @optlen bytes of options.
 */
static void mk_error_pkt(struct pkt *p, int fam, const char *osrc,
			 const char *odst, const char *isrc, const char *idst,
			 uint8_t type, uint8_t code, uint8_t proto,
			 uint16_t isport, uint16_t idport, int optlen)
{
	uint8_t oproto = fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	size_t off;

	ip_hdr(p, fam, osrc, odst, oproto);
	off = p->len;
	pk_icmp(p, type);
	p->b[off + 1] = code;
	pk_put16(p->b + off + 6, 1280);		/* the MTU of frag-needed */
	if (fam == 4)
		pk_ip4_opt(p, isrc, idst, proto, optlen);
	else
		pk_ip6(p, isrc, idst, proto);
	off = p->len;
	if (proto == IPPROTO_TCP) {
		pk_tcp(p, isport, idport);
	} else if (proto == IPPROTO_UDP) {
		pk_udp(p, isport, idport, -1);
	} else {
		pk_icmp(p, fam == 4 ? 8 : 128);
		pk_put16(p->b + off + 4, isport);
	}
	pk_payload(p, 16);
	pk_finish(p);
}

/*
 * An ICMP error of @type/@code from a router to container @b (its outer
 * destination @to, or the container's own address when NULL) about a
 * packet the container (@inner_src, or its address) sent to the peer:
 * protocol @proto, ports @cport -> @pport (an echo request with id @cport
 * for ICMP). The embedded IPv4 header has @optlen bytes of options.
 */
static void mk_error_to(struct pkt *p, int fam, int b, const char *to,
			const char *inner_src, uint8_t type, uint8_t code,
			uint8_t proto, uint16_t cport, uint16_t pport,
			int optlen)
{
	mk_error_pkt(p, fam, fam == 4 ? ROUTER4 : ROUTER6,
		     to ?: cont_addr(fam, b), inner_src ?: cont_addr(fam, b),
		     peer_addr(fam), type, code, proto, cport, pport, optlen);
}

static void mk_error(struct pkt *p, int fam, uint8_t type, uint8_t code,
		     uint8_t proto, uint16_t cport, uint16_t pport)
{
	mk_error_to(p, fam, 0, NULL, NULL, type, code, proto, cport, pport, 0);
}

/* Offset of the embedded IP header in a frame of mk_error(). */
#define INNER_OFF(fam)	(14 + ((fam) == 4 ? 20 : 40) + 8)

TEST_F_TIMEOUT(ct, related_v4_frag_needed, CT_CASE_TIMEOUT)
{
	struct pkt p;

	mk_error(&p, 4, E4_UNREACH, E4_FRAG_NEEDED, IPPROTO_TCP, 40010, 9000);
	DROPPED_IN(&p);			/* no flow yet: the default drop */
	establish(_metadata, self, 4, 40010);
	PASSES_IN(&p);
	/* An embedded header with options (IHL 7) is walked over. */
	mk_error_to(&p, 4, 0, NULL, NULL, E4_UNREACH, E4_FRAG_NEEDED,
		    IPPROTO_TCP, 40010, 9000, 8);
	PASSES_IN(&p);
	EXPECT_EQ(2, stat(self, RXL_CT_STAT_RELATED));
}

/* An error about a SYN not answered yet (its entry half-open) passes. */
TEST_F_TIMEOUT(ct, related_half_open, CT_CASE_TIMEOUT)
{
	struct rxl_ct_val v;
	struct pkt p;
	int fam;

	FAMILIES {
		mk_error(&p, fam, fam == 4 ? E4_UNREACH : E6_UNREACH, 1,
			 IPPROTO_TCP, 40024, 9000);
		DROPPED_IN(&p);
		mk_tcp(&p, fam, 0, OUT, 40024, 9000, SYN);
		PASSES_OUT(&p);
		ASSERT_EQ(0, entry_in(self, HALF, fam, CID, 0, peer_addr(fam),
				      IPPROTO_TCP, 40024, 9000, &v));
		mk_error(&p, fam, fam == 4 ? E4_UNREACH : E6_UNREACH, 1,
			 IPPROTO_TCP, 40024, 9000);
		PASSES_IN(&p);
	}
	EXPECT_EQ(2, stat(self, RXL_CT_STAT_RELATED));
}

TEST_F_TIMEOUT(ct, related_v6_packet_too_big, CT_CASE_TIMEOUT)
{
	struct pkt p;

	mk_error(&p, 6, E6_TOO_BIG, 0, IPPROTO_UDP, 41010, 53);
	DROPPED_IN(&p);
	mk_udp(&p, 6, OUT, 41010, 53);
	PASSES_OUT(&p);
	mk_error(&p, 6, E6_TOO_BIG, 0, IPPROTO_UDP, 41010, 53);
	PASSES_IN(&p);
	EXPECT_EQ(1, stat(self, RXL_CT_STAT_RELATED));
}

/*
 * An ICMPv6 packet too big from the router to the container about a
 * fragment of a UDP datagram it sent (cport -> pport): the embedded IPv6
 * header, its fragment header (@offset8, more fragments) and, in a first
 * fragment, the UDP header; in a later one, data.
 */
static void mk_too_big_frag(struct pkt *p, uint16_t offset8, uint16_t cport,
			    uint16_t pport)
{
	size_t off;

	ip_hdr(p, 6, ROUTER6, cont_addr(6, 0), IPPROTO_ICMPV6);
	off = p->len;
	pk_icmp(p, E6_TOO_BIG);
	pk_put16(p->b + off + 6, 1280);
	pk_ip6(p, cont_addr(6, 0), peer_addr(6), IPPROTO_FRAGMENT);
	pk_ip6_frag(p, IPPROTO_UDP, offset8, 1);
	if (offset8)
		pk_payload(p, 8);
	else
		pk_udp(p, cport, pport, -1);
	pk_payload(p, 16);
	pk_finish(p);
}

/*
 * A packet too big about the first fragment of a tracked UDP flow's
 * datagram is related (its fragment header is walked over to the UDP
 * ports), so that a default-drop container sending datagrams larger than
 * the path learns the path's MTU; one about a later fragment (no ports)
 * is not, nor one about the first fragment of an untracked flow. Before,
 * the fragment header was taken for the L4 header: never related.
 */
TEST_F_TIMEOUT(ct, related_v6_too_big_fragment, CT_CASE_TIMEOUT)
{
	struct pkt p;

	mk_too_big_frag(&p, 0, 41020, 5353);
	DROPPED_IN(&p);			/* no flow yet: the default drop */
	mk_udp(&p, 6, OUT, 41020, 5353);
	PASSES_OUT(&p);
	mk_too_big_frag(&p, 0, 41020, 5353);
	PASSES_IN(&p);
	EXPECT_EQ(1, stat(self, RXL_CT_STAT_RELATED));
	mk_too_big_frag(&p, 185, 41020, 5353);
	DROPPED_IN(&p);			/* a later fragment: no ports */
	mk_too_big_frag(&p, 0, 41021, 5353);
	DROPPED_IN(&p);			/* another flow's */
	mk_too_big_frag(&p, 0, 41020, 5354);
	DROPPED_IN(&p);
	EXPECT_EQ(1, stat(self, RXL_CT_STAT_RELATED));
}

/* Every error type of both families, about TCP, UDP and echo flows. */
TEST_F_TIMEOUT(ct, related_error_types, CT_CASE_TIMEOUT)
{
	static const struct { int fam; uint8_t type, code; } e[] = {
		{ 4, E4_UNREACH, 3 }, { 4, E4_TIME_EXCEEDED, 0 },
		{ 4, E4_PARAMPROB, 0 }, { 6, E6_UNREACH, 4 },
		{ 6, E6_TIME_EXCEEDED, 0 }, { 6, E6_PARAMPROB, 0 },
	};
	unsigned int i;
	struct pkt p;
	int fam;

	FAMILIES {
		establish(_metadata, self, fam, 40011);
		mk_udp(&p, fam, OUT, 41011, 53);
		PASSES_OUT(&p);
		mk_echo(&p, fam, OUT, 0, 0x3333);
		PASSES_OUT(&p);
	}
	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		uint8_t icmp = e[i].fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;

		mk_error(&p, e[i].fam, e[i].type, e[i].code, IPPROTO_TCP,
			 40011, 9000);
		EXPECT_EQ(XDP_PASS, run(_metadata, self, IN, &p)) {
			TH_LOG("v%d type %u about TCP", e[i].fam, e[i].type);
		}
		mk_error(&p, e[i].fam, e[i].type, e[i].code, IPPROTO_UDP,
			 41011, 53);
		EXPECT_EQ(XDP_PASS, run(_metadata, self, IN, &p)) {
			TH_LOG("v%d type %u about UDP", e[i].fam, e[i].type);
		}
		/* traceroute's ping: time exceeded about an echo request */
		mk_error(&p, e[i].fam, e[i].type, e[i].code, icmp, 0x3333, 0);
		EXPECT_EQ(XDP_PASS, run(_metadata, self, IN, &p)) {
			TH_LOG("v%d type %u about echo", e[i].fam, e[i].type);
		}
	}
	EXPECT_EQ(3 * sizeof(e) / sizeof(e[0]), stat(self, RXL_CT_STAT_RELATED));
}

/* Errors that match no flow are judged by the rules: dropped here. */
TEST_F_TIMEOUT(ct, related_no_match, CT_CASE_TIMEOUT)
{
	struct pkt p;
	int fam;

	FAMILIES {
		uint8_t un = fam == 4 ? E4_UNREACH : E6_UNREACH;

		establish(_metadata, self, fam, 40012);
		/* Another port of either side, another protocol. */
		mk_error(&p, fam, un, 0, IPPROTO_TCP, 40013, 9000);
		DROPPED_IN(&p);
		mk_error(&p, fam, un, 0, IPPROTO_TCP, 40012, 9001);
		DROPPED_IN(&p);
		mk_error(&p, fam, un, 0, IPPROTO_UDP, 40012, 9000);
		DROPPED_IN(&p);
		/* Not an error type: a v4 redirect, a v6 echo request. */
		mk_error(&p, fam, fam == 4 ? E4_REDIRECT : 128, 0,
			 IPPROTO_TCP, 40012, 9000);
		DROPPED_IN(&p);
	}
	/*
	 * An embedded source that is not the error's destination, even with
	 * an entry in the container's zone for it (nf_conntrack's check).
	 */
	ASSERT_EQ(0, put_entry(self, CID, "10.1.0.9", NULL, 40012));
	mk_error_to(&p, 4, 0, NULL, "10.1.0.9", E4_UNREACH, 0, IPPROTO_TCP,
		    40012, 9000, 0);
	DROPPED_IN(&p);
	/* An embedded non-first IPv4 fragment has no ports. */
	mk_error(&p, 4, E4_UNREACH, 0, IPPROTO_TCP, 40012, 9000);
	pk_put16(p.b + INNER_OFF(4) + 6, 100);
	DROPPED_IN(&p);
	/* An embedded header of the wrong version. */
	mk_error(&p, 4, E4_UNREACH, 0, IPPROTO_TCP, 40012, 9000);
	p.b[INNER_OFF(4)] = 0x65;
	DROPPED_IN(&p);
	EXPECT_EQ(0, stat(self, RXL_CT_STAT_RELATED));
}

/* A cut embedded header never matches, and is never read past its end. */
TEST_F_TIMEOUT(ct, related_truncated, CT_CASE_TIMEOUT)
{
	struct pkt p;
	size_t in, cut;
	int fam;

	FAMILIES {
		uint8_t un = fam == 4 ? E4_UNREACH : E6_UNREACH;
		size_t ihl = fam == 4 ? 20 : 40;

		establish(_metadata, self, fam, 40014);
		in = INNER_OFF(fam);
		/* Whole (IP header + 8 bytes of L4): passes. */
		mk_error(&p, fam, un, 0, IPPROTO_TCP, 40014, 9000);
		pk_cut(&p, in + ihl + 8);
		PASSES_IN(&p);
		/* Cut inside the embedded IP header, or its first 8 L4 bytes. */
		for (cut = in; cut < in + ihl + 8; cut += 3) {
			mk_error(&p, fam, un, 0, IPPROTO_TCP, 40014, 9000);
			pk_cut(&p, cut);
			EXPECT_EQ(XDP_DROP, run(_metadata, self, IN, &p)) {
				TH_LOG("v%d cut at %zu (embedded header at %zu)",
				       fam, cut, in);
			}
		}
	}
	/* IPv4: an IHL below 5, and options that run past the packet. */
	mk_error(&p, 4, E4_UNREACH, 0, IPPROTO_TCP, 40014, 9000);
	p.b[INNER_OFF(4)] = 0x44;
	DROPPED_IN(&p);
	mk_error(&p, 4, E4_UNREACH, 0, IPPROTO_TCP, 40014, 9000);
	p.b[INNER_OFF(4)] = 0x4f;	/* 60 bytes: past the 20 + 20 + 16 */
	pk_cut(&p, INNER_OFF(4) + 56);
	DROPPED_IN(&p);
	EXPECT_EQ(2, stat(self, RXL_CT_STAT_RELATED));
}

/* The embedded tuple is looked up in the zone of the error's container. */
TEST_F_TIMEOUT(ct, related_wrong_zone, CT_CASE_TIMEOUT)
{
	struct pkt p;
	int fam;

	/* db's (CID_B) tuple, but in web's zone (CID): no match for db. */
	ASSERT_EQ(0, put_entry(self, CID, CONTB4, CONTB6, 40015));
	FAMILIES {
		uint8_t un = fam == 4 ? E4_UNREACH : E6_UNREACH;

		mk_error_to(&p, fam, 1, NULL, NULL, un, 0, IPPROTO_TCP,
			    40015, 9000, 0);
		DROPPED_IN(&p);
		/* web's own flow, in an error sent to db: not db's. */
		establish(_metadata, self, fam, 40016);
		mk_error_to(&p, fam, 1, NULL, cont_addr(fam, 0), un, 0,
			    IPPROTO_TCP, 40016, 9000, 0);
		DROPPED_IN(&p);
	}
	EXPECT_EQ(0, stat(self, RXL_CT_STAT_RELATED));
	/* The same entries in db's zone: they match. */
	ASSERT_EQ(0, put_entry(self, CID_B, CONTB4, CONTB6, 40015));
	FAMILIES {
		mk_error_to(&p, fam, 1, NULL, NULL,
			    fam == 4 ? E4_UNREACH : E6_UNREACH, 0,
			    IPPROTO_TCP, 40015, 9000, 0);
		PASSES_IN(&p);
	}
	EXPECT_EQ(2, stat(self, RXL_CT_STAT_RELATED));
}

/* ---- related ICMP errors the container sends (egress) ------------------- */

/*
 * An ICMP error container db (CID_B: egress drop) sends, from its address
 * to the peer (@to, or the peer when NULL), about a packet the peer sent
 * it (to @inner_dst, or db's address): protocol @proto, the peer's port
 * @pport -> db's @cport (an echo request with id @pport for ICMP).
 */
static void mk_error_out(struct pkt *p, int fam, const char *to,
			 const char *inner_dst, uint8_t type, uint8_t code,
			 uint8_t proto, uint16_t cport, uint16_t pport)
{
	mk_error_pkt(p, fam, cont_addr(fam, 1), to ?: peer_addr(fam),
		     peer_addr(fam), inner_dst ?: cont_addr(fam, 1), type,
		     code, proto, pport, cport, 0);
}

/* Port unreachable of each family (ICMP 3/3, ICMPv6 1/4). */
#define PORT_UNREACH(fam)	((fam) == 4 ? E4_UNREACH : E6_UNREACH), \
				((fam) == 4 ? 3 : 4)

/*
 * Errors db (egress drop) sends about a tracked flow's packet pass its
 * egress default drop: port unreachable about the peer's UDP datagram to
 * a closed port, and every error type about its TCP (the SYN its rule let
 * in) and echo flows; counted as egress_related. Without the flow, the
 * same error is dropped (egress_drop). A container with egress allow
 * sends them untracked, as before, with no lookup.
 */
TEST_F_TIMEOUT(ct, related_out_passes, CT_CASE_TIMEOUT)
{
	static const struct { int fam; uint8_t type, code; } e[] = {
		{ 4, E4_UNREACH, 3 }, { 4, E4_UNREACH, 1 },
		{ 4, E4_TIME_EXCEEDED, 0 }, { 4, E4_PARAMPROB, 0 },
		{ 6, E6_UNREACH, 4 }, { 6, E6_UNREACH, 1 },
		{ 6, E6_TOO_BIG, 0 }, { 6, E6_TIME_EXCEEDED, 0 },
		{ 6, E6_PARAMPROB, 0 },
	};
	unsigned int i, n = sizeof(e) / sizeof(e[0]);
	struct pkt p;
	uint8_t icmp;
	int fam;

	FAMILIES {
		mk_error_out(&p, fam, NULL, NULL, PORT_UNREACH(fam),
			     IPPROTO_UDP, 5353, 50040);
		DROPPED_OUT(&p);
		ASSERT_EQ(0, put_flow(self, fam, CID_B, 1, IPPROTO_UDP, 5353,
				      50040));
		PASSES_OUT(&p);
		mk_tcp(&p, fam, 1, IN, 8080, 50041, SYN);
		PASSES_IN(&p);
		ASSERT_EQ(0, put_flow(self, fam, CID_B, 1,
				      fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6,
				      0x5042, 0));
	}
	EXPECT_EQ(2, stat(self, RXL_CT_STAT_EGRESS_RELATED));
	EXPECT_EQ(2, stat(self, RXL_CT_STAT_EGRESS_DROP));
	for (i = 0; i < n; i++) {
		fam = e[i].fam;
		icmp = fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		mk_error_out(&p, fam, NULL, NULL, e[i].type, e[i].code,
			     IPPROTO_TCP, 8080, 50041);
		EXPECT_EQ(TC_ACT_OK, run(_metadata, self, OUT, &p)) {
			TH_LOG("v%d type %u code %u about TCP", fam, e[i].type,
			       e[i].code);
		}
		mk_error_out(&p, fam, NULL, NULL, e[i].type, e[i].code, icmp,
			     0, 0x5042);
		EXPECT_EQ(TC_ACT_OK, run(_metadata, self, OUT, &p)) {
			TH_LOG("v%d type %u code %u about echo", fam,
			       e[i].type, e[i].code);
		}
	}
	EXPECT_EQ(2 + 2 * n, stat(self, RXL_CT_STAT_EGRESS_RELATED));
	EXPECT_EQ(2, stat(self, RXL_CT_STAT_EGRESS_DROP));
	/* web (egress allow): passed untracked, the table not read. */
	FAMILIES {
		establish(_metadata, self, fam, 40042);
		mk_error_pkt(&p, fam, cont_addr(fam, 0), peer_addr(fam),
			     peer_addr(fam), cont_addr(fam, 0),
			     PORT_UNREACH(fam), IPPROTO_TCP, 9000, 40042, 0);
		PASSES_OUT(&p);
	}
	EXPECT_EQ(2 + 2 * n, stat(self, RXL_CT_STAT_EGRESS_RELATED));
}

/*
 * What db must not get out under egress drop, each dropped and counted
 * as egress_drop: an error about no flow, about a flow's tuple but sent
 * to another address (an error goes to the peer it is about), embedding
 * a packet to another address (not db's: another container's), a tuple
 * of another zone, a cut embedded header, a type that is no error.
 */
TEST_F_TIMEOUT(ct, related_out_refused, CT_CASE_TIMEOUT)
{
	struct pkt p;
	size_t in, cut;
	__u64 drops = 0;
	int fam;

	FAMILIES {
		const char *other = fam == 4 ? "198.51.100.99" : "2001:db8::99";
		size_t ihl = fam == 4 ? 20 : 40;

		ASSERT_EQ(0, put_flow(self, fam, CID_B, 1, IPPROTO_UDP, 5353,
				      50050));
		/* Another port of either side. */
		mk_error_out(&p, fam, NULL, NULL, PORT_UNREACH(fam),
			     IPPROTO_UDP, 5354, 50050);
		DROPPED_OUT(&p);
		mk_error_out(&p, fam, NULL, NULL, PORT_UNREACH(fam),
			     IPPROTO_UDP, 5353, 50051);
		DROPPED_OUT(&p);
		/* The flow's tuple, but to another host. */
		mk_error_out(&p, fam, other, NULL, PORT_UNREACH(fam),
			     IPPROTO_UDP, 5353, 50050);
		DROPPED_OUT(&p);
		/*
		 * The same, when db also has a flow with that host on the
		 * same ports: the entry of the error's destination exists,
		 * but the error is about the peer's packet, not that host's
		 * (the embedded source must be the error's destination).
		 */
		ASSERT_EQ(0, put_flow_with(self, fam, CID_B, 1, other,
					   IPPROTO_UDP, 5353, 50050));
		mk_error_out(&p, fam, other, NULL, PORT_UNREACH(fam),
			     IPPROTO_UDP, 5353, 50050);
		DROPPED_OUT(&p) TH_LOG("v%d: to %s about the peer's datagram",
				       fam, other);
		drops++;
		/* The control: about that host's own datagram, it passes. */
		mk_error_pkt(&p, fam, cont_addr(fam, 1), other, other,
			     cont_addr(fam, 1), PORT_UNREACH(fam), IPPROTO_UDP,
			     50050, 5353, 0);
		PASSES_OUT(&p) TH_LOG("v%d: to %s about its datagram", fam,
				      other);
		/* A packet the peer sent web, in an error from db. */
		mk_error_out(&p, fam, NULL, cont_addr(fam, 0),
			     PORT_UNREACH(fam), IPPROTO_UDP, 5353, 50050);
		DROPPED_OUT(&p);
		/* Not an error: an echo request, a v4 redirect. */
		mk_error_out(&p, fam, NULL, NULL, fam == 4 ? E4_REDIRECT : 128,
			     0, IPPROTO_UDP, 5353, 50050);
		DROPPED_OUT(&p);
		drops += 5;
		/* Cut inside the embedded header or its 8 bytes of L4. */
		in = INNER_OFF(fam);
		for (cut = in; cut < in + ihl + 8; cut += 3) {
			mk_error_out(&p, fam, NULL, NULL, PORT_UNREACH(fam),
				     IPPROTO_UDP, 5353, 50050);
			pk_cut(&p, cut);
			EXPECT_EQ(TC_ACT_SHOT, run(_metadata, self, OUT, &p)) {
				TH_LOG("v%d cut at %zu (embedded header at %zu)",
				       fam, cut, in);
			}
			drops++;
		}
		/* Whole: passes (the flow is there). */
		mk_error_out(&p, fam, NULL, NULL, PORT_UNREACH(fam),
			     IPPROTO_UDP, 5353, 50050);
		pk_cut(&p, in + ihl + 8);
		PASSES_OUT(&p);
		/* db's tuple in web's zone. */
		ASSERT_EQ(0, put_flow(self, fam, CID, 1, IPPROTO_UDP, 5355,
				      50050));
		mk_error_out(&p, fam, NULL, NULL, PORT_UNREACH(fam),
			     IPPROTO_UDP, 5355, 50050);
		DROPPED_OUT(&p);
		drops++;
	}
	EXPECT_EQ(2 + 2, stat(self, RXL_CT_STAT_EGRESS_RELATED));
	EXPECT_EQ(drops, stat(self, RXL_CT_STAT_EGRESS_DROP));
}

/* ---- anti-spoofing: the port check on a container's device ------------ */

/*
 * The test run gives the frame the loopback device (ifindex 1): bind it
 * to container @id as its host-side device, with @mac (NULL: none), in
 * this namespace or (@other_ns) under another namespace's cookie.
 */
static int bind_lo(FIXTURE_DATA(ct) *self, __u32 id, const uint8_t *mac,
		   bool other_ns)
{
	struct rxl_cont_spec s = { .id = id, .redirect_ifindex = 1 };
	struct rxl_port_key k = { .ifindex = 1 };
	struct rxl_port v = { .id = id };

	if (mac) {
		s.has_mac = true;
		memcpy(s.mac, mac, 6);
	}
	if (!other_ns)
		return rxl_fw_port_bind(&self->fw, &s);
	k.netns = rxl_netns_cookie() + 1;
	return bpf_map_update_elem(self->fw.ports, &k, &v, 0);
}

static int run_port(struct __test_metadata *_metadata, FIXTURE_DATA(ct) *self,
		    const struct pkt *p)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->b,
		    .data_size_in = p->len, .repeat = 1);

	EXPECT_EQ(0, bpf_prog_test_run_opts(bpf_program__fd(self->tc->progs.rxlane_tc_port),
					    &o));
	return o.retval;
}

/* A frame the container sends: its device's check, then the egress. */
static int send_out(struct __test_metadata *_metadata, FIXTURE_DATA(ct) *self,
		    const struct pkt *p)
{
	int v = run_port(_metadata, self, p);

	return v == TC_ACT_OK ? run(_metadata, self, OUT, p) : v;
}

#define SENT(p)		EXPECT_EQ(TC_ACT_OK, send_out(_metadata, self, (p)))
#define SPOOFED(p)	EXPECT_EQ(TC_ACT_SHOT, send_out(_metadata, self, (p)))

static __u64 spoofs(FIXTURE_DATA(ct) *self, __u32 id)
{
	int n = libbpf_num_possible_cpus(), i;
	struct rxl_counter v[n];
	__u64 sum = 0;

	if (bpf_map_lookup_elem(self->fw.spoof_cnt, &id, v))
		return ~0ULL;
	for (i = 0; i < n; i++)
		sum += v[i].packets;
	return sum;
}

/* Container CID sends with CID_B's source: dropped before egress. */
TEST_F_TIMEOUT(ct, spoof_neighbour_source, CT_CASE_TIMEOUT)
{
	struct rxl_ct_val v;
	struct pkt p;
	int fam, n = 0;

	ASSERT_EQ(0, bind_lo(self, CID, NULL, false));
	FAMILIES {
		/* B's address, from A's device: no entry in B's zone. */
		mk_tcp(&p, fam, 1, OUT, 8081, 443, SYN);
		SPOOFED(&p);
		EXPECT_EQ(++n, spoofs(self, CID));
		EXPECT_EQ(-ENOENT, entry(self, fam, CID_B, 1, IPPROTO_TCP,
					 8081, 443, &v));
		/* And B's default drop still refuses the peer A chose. */
		mk_tcp(&p, fam, 1, IN, 8081, 443, SYN | ACK);
		DROPPED_IN(&p);
		/* Its own address passes and is tracked in its own zone. */
		mk_tcp(&p, fam, 0, OUT, 8081, 443, SYN);
		SENT(&p);
		EXPECT_EQ(0, entry(self, fam, CID, 0, IPPROTO_TCP, 8081, 443,
				   &v));
		/* A source that is no container's. */
		ip_hdr(&p, fam, peer_addr(fam), cont_addr(fam, 0), IPPROTO_UDP);
		pk_udp(&p, 53, 53, -1);
		pk_finish(&p);
		SPOOFED(&p);
		EXPECT_EQ(++n, spoofs(self, CID));
	}
	EXPECT_EQ(0, spoofs(self, CID_B));
	EXPECT_EQ((__u64)n, stat(self, RXL_CT_STAT_SPOOF));
}

/* The binding is by ifindex and namespace: another's never matches. */
TEST_F_TIMEOUT(ct, spoof_binding_scoped, CT_CASE_TIMEOUT)
{
	struct pkt p;

	/* Not bound: not checked (the egress program alone decides). */
	mk_tcp(&p, 4, 1, OUT, 8082, 443, SYN);
	EXPECT_EQ(TC_ACT_OK, run_port(_metadata, self, &p));
	/* Bound in another namespace with the same ifindex: still not. */
	ASSERT_EQ(0, bind_lo(self, CID, NULL, true));
	EXPECT_EQ(TC_ACT_OK, run_port(_metadata, self, &p));
	/* Here: checked. Unbound again (its device gone): not. */
	ASSERT_EQ(0, bind_lo(self, CID, NULL, false));
	EXPECT_EQ(TC_ACT_SHOT, run_port(_metadata, self, &p));
	rxl_fw_port_unbind(&self->fw, CID);
	EXPECT_EQ(TC_ACT_OK, run_port(_metadata, self, &p));
	EXPECT_EQ(1, spoofs(self, CID));
}

/* pk_eth()'s source MAC. */
static const uint8_t mac_ok[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac_other[6] = { 0x02, 0, 0, 0, 0, 0x09 };

TEST_F_TIMEOUT(ct, spoof_mac, CT_CASE_TIMEOUT)
{
	struct pkt p;

	ASSERT_EQ(0, bind_lo(self, CID, mac_other, false));
	mk_tcp(&p, 4, 0, OUT, 8083, 443, SYN);
	SPOOFED(&p);
	pk_init(&p);
	pk_eth(&p, 0x88b5, 0);		/* local experimental: MAC only */
	pk_payload(&p, 46);
	SPOOFED(&p);
	ASSERT_EQ(0, bind_lo(self, CID, mac_ok, false));
	mk_tcp(&p, 4, 0, OUT, 8083, 443, SYN);
	SENT(&p);
	pk_init(&p);
	pk_eth(&p, 0x88b5, 0);
	pk_payload(&p, 46);
	SENT(&p);
	/* A tagged frame could go past the check: refused. */
	pk_init(&p);
	pk_eth(&p, ETH_P_8021Q, 0);
	pk_vlan(&p, 5, ETH_P_IP);
	pk_ip4(&p, CONT4, PEER4, IPPROTO_UDP);
	pk_udp(&p, 53, 53, -1);
	pk_finish(&p);
	SPOOFED(&p);
	EXPECT_EQ(3, spoofs(self, CID));
}

/* Ethernet/IPv4 ARP with sender @mac and address @sip. */
static void mk_arp(struct pkt *p, const uint8_t *mac, const char *sip)
{
	uint8_t *h;

	pk_init(p);
	pk_eth(p, ETH_P_ARP, 0);
	h = pk_put(p, 28, -1);
	memset(h, 0, 28);
	pk_put16(h, 1);
	pk_put16(h + 2, ETH_P_IP);
	h[4] = 6;
	h[5] = 4;
	pk_put16(h + 6, 1);		/* request */
	memcpy(h + 8, mac, 6);
	inet_pton(AF_INET, sip, h + 14);
	inet_pton(AF_INET, PEER4, h + 24);
}

TEST_F_TIMEOUT(ct, spoof_arp, CT_CASE_TIMEOUT)
{
	struct pkt p;

	ASSERT_EQ(0, bind_lo(self, CID, mac_ok, false));
	mk_arp(&p, mac_ok, CONT4);
	SENT(&p);
	mk_arp(&p, mac_ok, "0.0.0.0");	/* RFC 5227 probe */
	SENT(&p);
	mk_arp(&p, mac_ok, CONTB4);	/* the neighbour's address */
	SPOOFED(&p);
	mk_arp(&p, mac_other, CONT4);	/* another sender MAC */
	SPOOFED(&p);
	mk_arp(&p, mac_ok, CONT4);
	p.b[14 + 5] = 16;		/* not IPv4 ARP */
	SPOOFED(&p);
	mk_arp(&p, mac_ok, CONT4);
	pk_cut(&p, 14 + 20);		/* cut before the sender address */
	SPOOFED(&p);
	EXPECT_EQ(4, spoofs(self, CID));
}

/* IPv6 from :: or fe80::/10: neighbour discovery and MLD only. */
TEST_F_TIMEOUT(ct, spoof_ipv6_nd, CT_CASE_TIMEOUT)
{
	static const struct { const char *src; uint8_t proto, type; int hbh;
			      int ok; } c[] = {
		{ "::", IPPROTO_ICMPV6, 135, 0, 1 },	/* DAD */
		{ "::", IPPROTO_ICMPV6, 143, 1, 1 },	/* MLDv2, DAD */
		{ "::", IPPROTO_ICMPV6, 128, 0, 0 },	/* echo */
		{ "::", IPPROTO_ICMPV6, 136, 0, 0 },	/* NA from :: */
		{ "::", IPPROTO_UDP, 0, 0, 0 },
		{ "fe80::1", IPPROTO_ICMPV6, 133, 0, 1 },	/* RS */
		{ "fe80::1", IPPROTO_ICMPV6, 136, 0, 1 },	/* NA */
		{ "fe80::1", IPPROTO_ICMPV6, 131, 1, 1 },	/* MLDv1 */
		{ "fe80::1", IPPROTO_ICMPV6, 128, 0, 0 },	/* echo */
		{ "fe80::1", IPPROTO_TCP, 0, 0, 0 },
		{ "fd00:9::1", IPPROTO_ICMPV6, 135, 0, 0 },	/* not its */
	};
	unsigned int i, bad = 0;
	struct pkt p;

	ASSERT_EQ(0, bind_lo(self, CID, NULL, false));
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		pk_init(&p);
		pk_eth(&p, ETH_P_IPV6, 0);
		pk_ip6(&p, c[i].src, "ff02::1", c[i].hbh ? 0 : c[i].proto);
		if (c[i].hbh)
			pk_ip6_ext(&p, c[i].proto, 0);
		if (c[i].proto == IPPROTO_ICMPV6)
			pk_icmp(&p, c[i].type);
		else if (c[i].proto == IPPROTO_UDP)
			pk_udp(&p, 546, 547, -1);
		else
			pk_tcp(&p, 1000, 80);
		pk_finish(&p);
		EXPECT_EQ(c[i].ok ? TC_ACT_OK : TC_ACT_SHOT,
			  run_port(_metadata, self, &p)) {
			TH_LOG("case %u: %s proto %u type %u", i, c[i].src,
			       c[i].proto, c[i].type);
		}
		bad += !c[i].ok;
	}
	EXPECT_EQ(bad, spoofs(self, CID));
}

/* ---- egress rules ------------------------------------------------------- */

#define OTHER4		"198.51.100.8"
#define OTHER6		"2001:db8::8"

/*
 * Container @id (@a4, @a6) with default drop, egress default @egress_drop
 * and the rules @rules (rule grammar, NULL-terminated).
 */
static int cont_rules(struct rxl_fw *fw, __u32 id, const char *a4,
		      const char *a6, bool egress_drop,
		      const char *const *rules)
{
	struct rxl_rule r[8];
	struct rxl_addr a[2];
	char err[256];
	struct rxl_cont_spec s = {
		.id = id, .addrs = a, .naddrs = 2, .rules = r,
		.default_drop = true, .egress_drop = egress_drop,
	};

	if (rxl_parse_addr(a4, &a[0]) || rxl_parse_addr(a6, &a[1]))
		return -EINVAL;
	for (; rules[s.nrules]; s.nrules++)
		if (s.nrules == 8 ||
		    rxl_parse_rule(rules[s.nrules], &r[s.nrules], err,
				   sizeof(err)))
			return -EINVAL;
	return rxl_fw_container_apply(fw, &s);
}

/* "db" (egress drop) may ask the peer's DNS port, over either family. */
static const char *const dns_rules[] = {
	"allow proto tcp dport 8080",
	"out allow proto udp to " PEER4 "/32 dport 53",
	"out allow proto udp to " PEER6 "/128 dport 53",
	NULL
};

static __u64 rule_packets(FIXTURE_DATA(ct) *self, __u32 id, __u32 rank)
{
	struct rxl_counter c;

	if (rxl_fw_rule_counter(&self->fw, id, rank, &c))
		return ~0ULL;
	return c.packets;
}

TEST_F_TIMEOUT(ct, egress_rule_opens_flow, CT_CASE_TIMEOUT)
{
	const char *other;
	struct rxl_ct_val v;
	struct pkt p;
	int fam;

	ASSERT_EQ(0, cont_rules(&self->fw, CID_B, CONTB4, CONTB6, true,
				dns_rules));
	FAMILIES {
		other = fam == 4 ? OTHER4 : OTHER6;
		/* The allowed peer and port: out, an entry, the answer in. */
		mk_udp_peer(&p, fam, 1, peer_addr(fam), OUT, 41000, 53);
		PASSES_OUT(&p);
		ASSERT_EQ(0, entry(self, fam, CID_B, 1, IPPROTO_UDP, 41000,
				   53, &v));
		EXPECT_EQ(RXL_CT_OUT, v.opener);
		EXPECT_EQ(RXL_CT_UDP, v.state);
		mk_udp_peer(&p, fam, 1, peer_addr(fam), IN, 41000, 53);
		PASSES_IN(&p);
		/* Another port of that peer, the same port of another. */
		mk_udp_peer(&p, fam, 1, peer_addr(fam), OUT, 41001, 54);
		DROPPED_OUT(&p);
		EXPECT_EQ(-ENOENT, entry(self, fam, CID_B, 1, IPPROTO_UDP,
					 41001, 54, &v));
		mk_udp_peer(&p, fam, 1, other, OUT, 41002, 53);
		DROPPED_OUT(&p);
		/* TCP to the allowed peer and port: no rule names it. */
		mk_tcp(&p, fam, 1, OUT, 41003, 53, SYN);
		DROPPED_OUT(&p);
		/* Unsolicited, to the port the container asked from. */
		mk_udp_peer(&p, fam, 1, other, IN, 41000, 53);
		DROPPED_IN(&p);
	}
	/* Ranks 1 and 2: one opening packet each (replies count on none). */
	EXPECT_EQ(1, rule_packets(self, CID_B, 1));
	EXPECT_EQ(1, rule_packets(self, CID_B, 2));
	EXPECT_EQ(6, stat(self, RXL_CT_STAT_EGRESS_DROP));
	EXPECT_EQ(2, stat(self, RXL_CT_STAT_CREATE_OUT));
}

TEST_F_TIMEOUT(ct, egress_rule_drop_and_prio, CT_CASE_TIMEOUT)
{
	static const char *const rules[] = {
		"out allow proto udp dport 50-60 prio 20",
		"out drop proto udp to " PEER4 "/32 dport 53 prio 10",
		"out drop proto udp to " PEER6 "/128 dport 53 prio 10",
		NULL
	};
	struct rxl_ct_val v;
	struct pkt p;
	int fam;

	/* "web": egress default allow; the drop rule still refuses. */
	ASSERT_EQ(0, cont_rules(&self->fw, CID, CONT4, CONT6, false, rules));
	FAMILIES {
		mk_udp(&p, fam, OUT, 42000, 53);
		DROPPED_OUT(&p);
		EXPECT_EQ(-ENOENT, entry(self, fam, CID, 0, IPPROTO_UDP,
					 42000, 53, &v));
		mk_udp(&p, fam, OUT, 42000, 54);
		PASSES_OUT(&p);
		ASSERT_EQ(0, entry(self, fam, CID, 0, IPPROTO_UDP, 42000, 54,
				   &v));
	}
	/* Ranks by prio: the drops are 0 and 1, the allow 2. */
	EXPECT_EQ(1, rule_packets(self, CID, 0));
	EXPECT_EQ(1, rule_packets(self, CID, 1));
	EXPECT_EQ(2, rule_packets(self, CID, 2));
}

TEST_F_TIMEOUT(ct, egress_established_survives_rule_change, CT_CASE_TIMEOUT)
{
	/* The allows go, a drop of the same port comes: out rules remain. */
	static const char *const none[] = { "allow proto tcp dport 8080",
					    "out drop proto udp dport 53",
					    NULL };
	struct rxl_ct6_key k6 = { .zone = CID_B, .lport = 41000, .rport = 53,
				  .proto = IPPROTO_UDP };
	struct rxl_ct4_key k4 = { .zone = CID_B, .lport = 41000, .rport = 53,
				  .proto = IPPROTO_UDP };
	struct rxl_ct_val v;
	struct pkt p;
	int fam;

	ASSERT_EQ(0, cont_rules(&self->fw, CID_B, CONTB4, CONTB6, true,
				dns_rules));
	FAMILIES {
		mk_udp_peer(&p, fam, 1, peer_addr(fam), OUT, 41000, 53);
		PASSES_OUT(&p);
	}
	/*
	 * The out allows go: the flows stay, both ways, not judged by the
	 * drop rule; new ones are.
	 */
	ASSERT_EQ(0, cont_rules(&self->fw, CID_B, CONTB4, CONTB6, true, none));
	FAMILIES {
		mk_udp_peer(&p, fam, 1, peer_addr(fam), IN, 41000, 53);
		PASSES_IN(&p);
		mk_udp_peer(&p, fam, 1, peer_addr(fam), OUT, 41000, 53);
		PASSES_OUT(&p);
		mk_udp_peer(&p, fam, 1, peer_addr(fam), OUT, 41005, 53);
		DROPPED_OUT(&p);
	}
	/* What 'ct flush db' does: then the flow is judged anew. */
	inet_pton(AF_INET, CONTB4, &k4.local);
	inet_pton(AF_INET, PEER4, &k4.remote);
	inet_pton(AF_INET6, CONTB6, k6.local);
	inet_pton(AF_INET6, PEER6, k6.remote);
	ASSERT_EQ(0, bpf_map_delete_elem(self->ct4, &k4));
	ASSERT_EQ(0, bpf_map_delete_elem(self->ct6, &k6));
	FAMILIES {
		mk_udp_peer(&p, fam, 1, peer_addr(fam), OUT, 41000, 53);
		DROPPED_OUT(&p);
		mk_udp_peer(&p, fam, 1, peer_addr(fam), IN, 41000, 53);
		DROPPED_IN(&p);
		EXPECT_EQ(-ENOENT, entry(self, fam, CID_B, 1, IPPROTO_UDP,
					 41000, 53, &v));
	}
}

/*
 * A rule judges its own direction only, even where an in rule and an
 * out rule have one shape (any peer, UDP) and the same port.
 */
TEST_F_TIMEOUT(ct, egress_rule_direction_only, CT_CASE_TIMEOUT)
{
	static const char *const rules[] = {
		"allow proto udp dport 5353",
		"out allow proto udp dport 5300",
		"out allow proto tcp dport 9000",
		NULL
	};
	struct pkt p;
	int fam;

	ASSERT_EQ(0, cont_rules(&self->fw, CID_B, CONTB4, CONTB6, true,
				rules));
	FAMILIES {
		/* The in rule's port, sent: no out rule allows it. */
		mk_udp_peer(&p, fam, 1, peer_addr(fam), OUT, 43000, 5353);
		DROPPED_OUT(&p);
		/* The out rules' ports, received: no in rule allows them. */
		mk_udp_peer(&p, fam, 1, peer_addr(fam), IN, 5300, 43000);
		DROPPED_IN(&p);
		mk_tcp(&p, fam, 1, IN, 9000, 43000, SYN);
		DROPPED_IN(&p);
		/* Each in its own direction. */
		mk_udp_peer(&p, fam, 1, peer_addr(fam), IN, 5353, 43000);
		PASSES_IN(&p);
		mk_udp_peer(&p, fam, 1, peer_addr(fam), OUT, 43001, 5300);
		PASSES_OUT(&p);
		mk_tcp(&p, fam, 1, OUT, 43002, 9000, SYN);
		PASSES_OUT(&p);
	}
}

/* ---- fragments ---------------------------------------------------------- */

#define FRAG_ID		0x4242
#define FRAG_ID6	0x81424200	/* every byte of the 32 bits counts */
#define FRAG_LATER_OFF	185	/* 1480 bytes, in 8-byte units */

/* The identification of datagram @n of family @fam. */
static uint32_t frag_id(int fam, int n)
{
	return (fam == 4 ? FRAG_ID : FRAG_ID6) + n;
}

/*
 * Make @p, an IPv4 packet built whole by mk_udp()/mk_tcp(), a fragment
 * of datagram @id: the first (offset 0, MF) or a later one (the last),
 * whose bytes after the IP header are then data, not an L4 header.
 */
static void frag4(struct pkt *p, uint16_t id, int first)
{
	pk_put16(p->b + 14 + 4, id);
	pk_put16(p->b + 14 + 6, first ? 0x2000 : FRAG_LATER_OFF);
}

/*
 * The same for an IPv6 packet: a fragment header goes in after the IPv6
 * header (as Linux writes it), or, when it is there, is rewritten.
 */
static void frag6(struct pkt *p, uint32_t id, int first)
{
	uint8_t *ip = p->b + 14, *fh = ip + 40;

	if (ip[6] != IPPROTO_FRAGMENT) {
		memmove(fh + 8, fh, p->len - 54);
		fh[0] = ip[6];
		fh[1] = 0;
		ip[6] = IPPROTO_FRAGMENT;
		p->len += 8;
		pk_put16(ip + 4, p->len - 54);
	}
	pk_put16(fh + 2, first ? 1 : FRAG_LATER_OFF << 3);
	pk_put16(fh + 4, id >> 16);
	pk_put16(fh + 6, id & 0xffff);
}

/* Make @p a fragment of datagram @n of its family @fam. */
static void frag(struct pkt *p, int fam, int n, int first)
{
	if (fam == 4)
		frag4(p, frag_id(fam, n), first);
	else
		frag6(p, frag_id(fam, n), first);
}

static __u64 xdp_count(FIXTURE_DATA(ct) *self, struct bpf_map *m, __u32 idx)
{
	int n = libbpf_num_possible_cpus(), i;
	__u64 v[n], sum = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(m), &idx, v))
		return ~0ULL;
	for (i = 0; i < n; i++)
		sum += v[i];
	return sum;
}

#define DROPS(r)	xdp_count(self, self->xdp->maps.rxl_drops, (r))
#define EVENTS(e)	xdp_count(self, self->xdp->maps.rxl_stats, (e))

/*
 * The fragment map of family @fam and the key of datagram @n from @src
 * to @dst (@proto: IPv4's protocol, IPv6's fragment header next header).
 */
static int frag_key(FIXTURE_DATA(ct) *self, int fam, const char *src,
		    const char *dst, uint8_t proto, int n,
		    struct rxl_frag4_key *k4, struct rxl_frag6_key *k6,
		    void **key)
{
	memset(k4, 0, sizeof(*k4));
	memset(k6, 0, sizeof(*k6));
	if (fam == 4) {
		k4->id = htons(frag_id(fam, n));
		k4->proto = proto;
		inet_pton(AF_INET, src, &k4->saddr);
		inet_pton(AF_INET, dst, &k4->daddr);
		*key = k4;
		return bpf_map__fd(self->xdp->maps.rxl_frag4);
	}
	k6->id = htonl(frag_id(fam, n));
	k6->nexthdr = proto;
	inet_pton(AF_INET6, src, k6->saddr);
	inet_pton(AF_INET6, dst, k6->daddr);
	*key = k6;
	return bpf_map__fd(self->xdp->maps.rxl_frag6);
}

/* The note of datagram @n of family @fam from @src to @dst; 0 or -ENOENT. */
static int frag_entry(FIXTURE_DATA(ct) *self, int fam, const char *src,
		      const char *dst, uint8_t proto, int n,
		      struct rxl_frag_val *v)
{
	struct rxl_frag4_key k4;
	struct rxl_frag6_key k6;
	void *k;
	int fd = frag_key(self, fam, src, dst, proto, n, &k4, &k6, &k);

	return bpf_map_lookup_elem(fd, k, v) ? -ENOENT : 0;
}

static int frag_put(FIXTURE_DATA(ct) *self, int fam, const char *src,
		    const char *dst, uint8_t proto, int n,
		    const struct rxl_frag_val *v)
{
	struct rxl_frag4_key k4;
	struct rxl_frag6_key k6;
	void *k;
	int fd = frag_key(self, fam, src, dst, proto, n, &k4, &k6, &k);

	return bpf_map_update_elem(fd, k, v, 0);
}

#define FRAG_ARGS	struct __test_metadata *_metadata, \
			FIXTURE_DATA(ct) *self, int fam

/* The cases frag_NAME (IPv4) and frag6_NAME (IPv6) of body frag_NAME(). */
#define FRAG_CASES(name)						\
	TEST_F_TIMEOUT(ct, frag_##name, CT_CASE_TIMEOUT)		\
	{								\
		frag_##name(_metadata, self, 4);			\
	}								\
	TEST_F_TIMEOUT(ct, frag6_##name, CT_CASE_TIMEOUT)		\
	{								\
		frag_##name(_metadata, self, 6);			\
	}

/*
 * The fragmented reply of a tracked flow: its first fragment passes by
 * the entry and is noted; its later fragment follows, though the rules
 * (default drop) would refuse it. A later fragment of another datagram,
 * or alone, is dropped as frag_no_first.
 */
static void frag_follows_tracked_first(FRAG_ARGS)
{
	struct rxl_frag_val fv;
	struct pkt p;

	mk_udp(&p, fam, OUT, 41000, 53);
	PASSES_OUT(&p);
	mk_udp(&p, fam, IN, 41000, 53);
	frag(&p, fam, 0, 1);
	PASSES_IN(&p);
	ASSERT_EQ(0, frag_entry(self, fam, peer_addr(fam), cont_addr(fam, 0),
				IPPROTO_UDP, 0, &fv));
	EXPECT_EQ(CID, fv.zone);
	EXPECT_LT(now_ns(), fv.expires);
	EXPECT_GE(now_ns() + RXL_FRAG_TIMEOUT_NS + 1000000000ULL,
		  fv.expires);
	mk_udp(&p, fam, IN, 41000, 53);
	frag(&p, fam, 0, 0);
	PASSES_IN(&p);
	PASSES_IN(&p);		/* every later fragment, not just one */
	EXPECT_EQ(2, EVENTS(RXL_STAT_FRAG_FOLLOWED));
	EXPECT_EQ(0, DROPS(RXL_DROP_FRAG_NO_FIRST));

	/* Another datagram of the same flow: its first never came. */
	frag(&p, fam, 1, 0);
	DROPPED_IN(&p);
	EXPECT_EQ(1, DROPS(RXL_DROP_FRAG_NO_FIRST));
	EXPECT_EQ(0, DROPS(RXL_DROP_DEFAULT));
}

FRAG_CASES(follows_tracked_first)

/* A first fragment allowed by a port rule: its later ones follow. */
static void frag_follows_allowed_first(FRAG_ARGS)
{
	struct pkt p;

	mk_tcp(&p, fam, 0, IN, 8080, 50000, SYN);
	frag(&p, fam, 0, 0);
	DROPPED_IN(&p);		/* before its first: not buffered */
	EXPECT_EQ(1, DROPS(RXL_DROP_FRAG_NO_FIRST));
	mk_tcp(&p, fam, 0, IN, 8080, 50000, SYN);
	frag(&p, fam, 0, 1);
	PASSES_IN(&p);
	mk_tcp(&p, fam, 0, IN, 8080, 50000, SYN);
	frag(&p, fam, 0, 0);
	PASSES_IN(&p);
	EXPECT_EQ(1, EVENTS(RXL_STAT_FRAG_FOLLOWED));
}

FRAG_CASES(follows_allowed_first)

/* The later fragments of a first fragment the rules dropped are dropped. */
static void frag_of_dropped_first_dropped(FRAG_ARGS)
{
	struct rxl_frag_val fv;
	struct pkt p;

	mk_udp(&p, fam, IN, 41000, 53);	/* unsolicited: no entry */
	frag(&p, fam, 0, 1);
	DROPPED_IN(&p);
	EXPECT_EQ(1, DROPS(RXL_DROP_DEFAULT));
	EXPECT_EQ(-ENOENT, frag_entry(self, fam, peer_addr(fam),
				      cont_addr(fam, 0), IPPROTO_UDP, 0,
				      &fv));
	mk_udp(&p, fam, IN, 41000, 53);
	frag(&p, fam, 0, 0);
	DROPPED_IN(&p);
	EXPECT_EQ(1, DROPS(RXL_DROP_FRAG_NO_FIRST));
	EXPECT_EQ(0, EVENTS(RXL_STAT_FRAG_FOLLOWED));
}

FRAG_CASES(of_dropped_first_dropped)

/*
 * An expired note, or one of another container, is no note; nor is one
 * of another protocol (IPv6: fragment header next header).
 */
static void frag_expired_or_other_zone(FRAG_ARGS)
{
	struct rxl_frag_val fv = { .zone = CID };
	const char *peer = peer_addr(fam), *cont = cont_addr(fam, 0);
	struct pkt p;

	fv.expires = now_ns() - 1;
	ASSERT_EQ(0, frag_put(self, fam, peer, cont, IPPROTO_UDP, 0, &fv));
	mk_udp(&p, fam, IN, 41000, 53);
	frag(&p, fam, 0, 0);
	DROPPED_IN(&p);
	fv.expires = now_ns() + RXL_FRAG_TIMEOUT_NS;
	fv.zone = CID_B;
	ASSERT_EQ(0, frag_put(self, fam, peer, cont, IPPROTO_UDP, 0, &fv));
	DROPPED_IN(&p);
	fv.zone = CID;
	ASSERT_EQ(0, frag_put(self, fam, peer, cont, IPPROTO_TCP, 0, &fv));
	DROPPED_IN(&p);
	EXPECT_EQ(3, DROPS(RXL_DROP_FRAG_NO_FIRST));
	ASSERT_EQ(0, frag_put(self, fam, peer, cont, IPPROTO_UDP, 0, &fv));
	PASSES_IN(&p);
}

FRAG_CASES(expired_or_other_zone)

/*
 * Egress under egress default drop: the later fragments of a tracked
 * flow's first fragment follow it out; another datagram's are dropped.
 */
static void frag_follows_egress(FRAG_ARGS)
{
	struct rxl_frag_val fv;
	struct pkt p;

	mk_tcp(&p, fam, 1, IN, 8080, 50000, SYN);
	PASSES_IN(&p);
	mk_tcp(&p, fam, 1, OUT, 8080, 50000, SYN | ACK);
	frag(&p, fam, 0, 1);
	PASSES_OUT(&p);
	ASSERT_EQ(0, frag_entry(self, fam, cont_addr(fam, 1), peer_addr(fam),
				IPPROTO_TCP, 0, &fv));
	EXPECT_EQ(CID_B, fv.zone);
	mk_tcp(&p, fam, 1, OUT, 8080, 50000, SYN | ACK);
	frag(&p, fam, 0, 0);
	PASSES_OUT(&p);
	EXPECT_EQ(1, stat(self, RXL_CT_STAT_FRAG_FOLLOWED));
	frag(&p, fam, 1, 0);
	DROPPED_OUT(&p);
	EXPECT_EQ(1, stat(self, RXL_CT_STAT_FRAG_NO_FIRST));
	EXPECT_EQ(0, stat(self, RXL_CT_STAT_EGRESS_DROP));
	/* A dropped first fragment notes nothing. */
	mk_udp_peer(&p, fam, 1, peer_addr(fam), OUT, 41000, 53);
	frag(&p, fam, 2, 1);
	DROPPED_OUT(&p);
	EXPECT_EQ(1, stat(self, RXL_CT_STAT_EGRESS_DROP));
	frag(&p, fam, 2, 0);
	DROPPED_OUT(&p);
	EXPECT_EQ(1, stat(self, RXL_CT_STAT_FRAG_FOLLOWED));
	EXPECT_EQ(2, stat(self, RXL_CT_STAT_FRAG_NO_FIRST));
}

FRAG_CASES(follows_egress)

/*
 * Egress drop reasons of a later fragment without its first: one an out
 * drop rule matches (without ports, as on ingress) is egress_drop; one
 * the egress default refuses is frag_no_first.
 */
TEST_F_TIMEOUT(ct, frag_egress_reasons, CT_CASE_TIMEOUT)
{
	static const char *const rules[] = {
		"out drop proto udp",
		NULL
	};
	struct pkt p;
	int fam;

	ASSERT_EQ(0, cont_rules(&self->fw, CID_B, CONTB4, CONTB6, true,
				rules));
	FAMILIES {
		mk_udp_peer(&p, fam, 1, peer_addr(fam), OUT, 41000, 53);
		frag(&p, fam, 0, 0);
		DROPPED_OUT(&p);
		mk_tcp(&p, fam, 1, OUT, 41000, 9000, ACK);
		frag(&p, fam, 0, 0);
		DROPPED_OUT(&p);
	}
	EXPECT_EQ(2, stat(self, RXL_CT_STAT_EGRESS_DROP));
	EXPECT_EQ(2, stat(self, RXL_CT_STAT_FRAG_NO_FIRST));
}

/* ---- egress through a tunnel, IPv6 extension headers (c8) --------------- */

#define VTEP_L4		"203.0.113.1"	/* the local VTEP: egress leaves it */
#define VTEP_L6		"2001:db8:f::1"
#define VTEP_R4		"203.0.113.9"	/* the peer's */
#define VTEP_R6		"2001:db8:f::9"
#define VNI_BOUND	100		/* every tunnel type, CID bound */
#define VNI_UNBOUND	101		/* known, CID not bound */
#define EXTHDRS_MAX	6	/* RXL_IPV6_MAX_EXTHDRS (bpf/rxl_consts.h) */

#define TUNNELS		for (tun = RXL_TUN_VXLAN; tun <= RXL_TUN_NVGRE; tun++)

/*
 * The local VTEPs (both families, all tunnel types), the known VNIs, and
 * CID and CID_B bound to VNI_BOUND of VXLAN, GENEVE and NVGRE.
 */
static void tunnels_setup(struct __test_metadata *_metadata,
			  FIXTURE_DATA(ct) *self)
{
	__u32 vnis[3] = { rxl_cont_vni(RXL_TUN_VXLAN, VNI_BOUND),
			  rxl_cont_vni(RXL_TUN_GENEVE, VNI_BOUND),
			  rxl_cont_vni(RXL_TUN_NVGRE, VNI_BOUND) };
	struct rxl_addr a;
	int tun;

	ASSERT_EQ(0, rxl_parse_addr(VTEP_L4, &a));
	ASSERT_EQ(0, rxl_fw_vtep_add(&self->fw, &a, RXL_TUN_ALL));
	ASSERT_EQ(0, rxl_parse_addr(VTEP_L6, &a));
	ASSERT_EQ(0, rxl_fw_vtep_add(&self->fw, &a, RXL_TUN_ALL));
	TUNNELS {
		ASSERT_EQ(0, rxl_fw_vni_add(&self->fw, tun, VNI_BOUND));
		ASSERT_EQ(0, rxl_fw_vni_add(&self->fw, tun, VNI_UNBOUND));
	}
	ASSERT_EQ(0, rxl_fw_container_bind(&self->fw, CID, vnis, 3));
	ASSERT_EQ(0, rxl_fw_container_bind(&self->fw, CID_B, vnis, 3));
}

/* The tunnel header of @tun after the outer IP header, then @in. */
static void tun_hdr(struct pkt *out, const struct pkt *in, int tun,
		    uint32_t vni, int gre_opts)
{
	if (tun == RXL_TUN_NVGRE)
		pk_nvgre(out, vni, gre_opts, gre_opts);
	else
		pk_udp(out, 49152 + (vni & 0xff),
		       tun == RXL_TUN_VXLAN ? 4789 : 6081, -1);
	if (tun == RXL_TUN_VXLAN)
		pk_vxlan(out, vni);
	else if (tun == RXL_TUN_GENEVE)
		pk_geneve(out, vni, 0);
	memcpy(pk_put(out, in->len, -1), in->b, in->len);
	pk_finish(out);
}

static uint8_t tun_proto(int tun)
{
	return tun == RXL_TUN_NVGRE ? IPPROTO_GRE : IPPROTO_UDP;
}

/*
 * @in (a frame from Ethernet on, finished) carried in @tun (RXL_TUN_VXLAN,
 * RXL_TUN_GENEVE or RXL_TUN_NVGRE: GRE with key, and with checksum and
 * sequence fields when @gre_opts) with @vni over outer family @ofam:
 * going @dir OUT, from the local VTEP @src (NULL: VTEP_L4/6) to the
 * peer's; IN, the other way. Only the outer lengths are written: the
 * inner frame is copied.
 */
static void wrap_opts(struct pkt *out, const struct pkt *in, int tun,
		      int ofam, int dir, uint32_t vni, const char *src,
		      int gre_opts)
{
	const char *l = src ?: (ofam == 4 ? VTEP_L4 : VTEP_L6);
	const char *r = ofam == 4 ? VTEP_R4 : VTEP_R6;

	ip_hdr(out, ofam, dir == OUT ? l : r, dir == OUT ? r : l,
	       tun_proto(tun));
	tun_hdr(out, in, tun, vni, gre_opts);
}

static void wrap_from(struct pkt *out, const struct pkt *in, int tun,
		      int ofam, int dir, uint32_t vni, const char *src)
{
	wrap_opts(out, in, tun, ofam, dir, vni, src, 0);
}

static void wrap(struct pkt *out, const struct pkt *in, int tun, int ofam,
		 int dir)
{
	wrap_from(out, in, tun, ofam, dir, VNI_BOUND, NULL);
}

/*
 * A TCP connection of CID (@cport -> 9000, inner family @fam) carried in
 * @tun over outer family @ofam: SYN out, SYN-ACK in, ACK out, each passed;
 * the entry made by the SYN, and assured (in the main table, established)
 * by the ACK.
 */
static void tunnel_establish(struct __test_metadata *_metadata,
			     FIXTURE_DATA(ct) *self, int tun, int ofam,
			     int fam, uint16_t cport)
{
	struct rxl_ct_val v;
	struct pkt in, p;

	mk_tcp(&in, fam, 0, OUT, cport, 9000, SYN);
	wrap(&p, &in, tun, ofam, OUT);
	PASSES_OUT(&p);
	ASSERT_EQ(0, entry(self, fam, CID, 0, IPPROTO_TCP, cport, 9000,
			   &v)) TH_LOG("tun %d outer v%d inner v%d", tun,
				       ofam, fam);
	EXPECT_EQ(RXL_CT_SYN_SENT, v.state);
	mk_tcp(&in, fam, 0, IN, cport, 9000, SYN | ACK);
	wrap(&p, &in, tun, ofam, IN);
	PASSES_IN(&p);
	mk_tcp(&in, fam, 0, OUT, cport, 9000, ACK);
	wrap(&p, &in, tun, ofam, OUT);
	PASSES_OUT(&p);
	ASSERT_EQ(0, entry_in(self, MAIN, fam, CID, 0, peer_addr(fam),
			      IPPROTO_TCP, cport, 9000, &v));
	EXPECT_EQ(RXL_CT_ESTABLISHED, v.state);
}

/*
 * What leaves the local VTEP carrying a container's packet is tracked by
 * the inner tuple, in the container's zone: the reply that comes back
 * encapsulated (decapped by XDP) passes the container's default drop;
 * unsolicited inbound to the same ports does not. TCP, UDP and ICMP echo,
 * inner IPv4 and IPv6, over outer IPv4 and IPv6, VXLAN, GENEVE and NVGRE.
 */
TEST_F_TIMEOUT(ct, tunnel_egress_tracks_inner, CT_CASE_TIMEOUT)
{
	struct pkt in, p;
	struct rxl_ct_val v;
	int fam, ofam, tun, n = 0;
	uint16_t cport;

	tunnels_setup(_metadata, self);
	TUNNELS
	for (ofam = 4; ofam <= 6; ofam += 2)
	FAMILIES {
		cport = 42000 + n++;
		/* TCP: SYN out, SYN-ACK in, ACK out; then assured. */
		tunnel_establish(_metadata, self, tun, ofam, fam, cport);
		/* UDP: a request and its response. */
		mk_udp(&in, fam, OUT, cport, 53);
		wrap(&p, &in, tun, ofam, OUT);
		PASSES_OUT(&p);
		mk_udp(&in, fam, IN, cport, 53);
		wrap(&p, &in, tun, ofam, IN);
		PASSES_IN(&p);
		EXPECT_EQ(0, entry(self, fam, CID, 0, IPPROTO_UDP, cport, 53,
				   &v));
		EXPECT_EQ(RXL_CT_UDP_STREAM, v.state);
		/* ICMP echo by identifier. */
		mk_echo(&in, fam, OUT, 0, cport);
		wrap(&p, &in, tun, ofam, OUT);
		PASSES_OUT(&p);
		mk_echo(&in, fam, IN, 1, cport);
		wrap(&p, &in, tun, ofam, IN);
		PASSES_IN(&p);
		/* Unsolicited: the peer's own SYN and datagram to the port. */
		mk_tcp(&in, fam, 0, IN, cport + 1000, 9000, SYN);
		wrap(&p, &in, tun, ofam, IN);
		DROPPED_IN(&p);
		mk_udp(&in, fam, IN, cport + 1000, 53);
		wrap(&p, &in, tun, ofam, IN);
		DROPPED_IN(&p);
	}
	/* 3 entries each of 12 ways: every one made by the inner tuple. */
	EXPECT_EQ(3 * n, stat(self, RXL_CT_STAT_CREATE_OUT));
}

/*
 * A blind RST or FIN through the tunnel (the inner tuple's entry): its
 * sequence number is judged as a bare one's (tcp_rst_fin_sequence),
 * after decap on ingress and through the outer headers on egress.
 */
TEST_F_TIMEOUT(ct, tunnel_blind_rst_ignored, CT_CASE_TIMEOUT)
{
	struct pkt in, p;
	struct rxl_ct_val v;
	int fam, ofam, tun, n = 0;
	uint16_t cport;

	tunnels_setup(_metadata, self);
	TUNNELS
	for (ofam = 4; ofam <= 6; ofam += 2)
	FAMILIES {
		cport = 42100 + n++;
		tunnel_establish(_metadata, self, tun, ofam, fam, cport);
		/* Forged, far from each side's: passed, nothing changes. */
		mk_tcp(&in, fam, 0, IN, cport, 9000, RST);
		set_tcp_seq(&in, ISN_IN + 1 + 0x40000000);
		wrap(&p, &in, tun, ofam, IN);
		PASSES_IN(&p);
		mk_tcp(&in, fam, 0, OUT, cport, 9000, FIN | ACK);
		set_tcp_seq(&in, ISN_OUT + 1 + 0x40000000);
		wrap(&p, &in, tun, ofam, OUT);
		PASSES_OUT(&p);
		ASSERT_EQ(0, entry_in(self, MAIN, fam, CID, 0, peer_addr(fam),
				      IPPROTO_TCP, cport, 9000, &v));
		EXPECT_EQ(RXL_CT_ESTABLISHED, v.state) {
			TH_LOG("tun %d outer v%d inner v%d", tun, ofam, fam);
		}
		/* The peer's own: closes. */
		mk_tcp(&in, fam, 0, IN, cport, 9000, RST);
		wrap(&p, &in, tun, ofam, IN);
		PASSES_IN(&p);
		ASSERT_EQ(0, entry_in(self, MAIN, fam, CID, 0, peer_addr(fam),
				      IPPROTO_TCP, cport, 9000, &v));
		EXPECT_EQ(RXL_CT_CLOSE, v.state) {
			TH_LOG("tun %d outer v%d inner v%d", tun, ofam, fam);
		}
	}
	EXPECT_EQ(2 * n, stat(self, RXL_CT_STAT_SEQ_IGNORED));
}

/*
 * Invalid TCP flags through VXLAN (the inner segment's): a SYN+FIN to
 * CID_B's allowed port, decapped, creates no entry; on CID's
 * established inner flow, a NULL segment in and a SYN+FIN out are
 * dropped and leave the entry as it was. Inner and outer IPv4 and IPv6.
 */
TEST_F_TIMEOUT(ct, tunnel_invalid_flags, CT_CASE_TIMEOUT)
{
	__u64 bad0 = BAD_FLAGS();
	struct rxl_ct_val a, b;
	struct pkt in, p;
	int fam, ofam, n = 0;
	uint16_t cport;

	tunnels_setup(_metadata, self);
	for (ofam = 4; ofam <= 6; ofam += 2)
	FAMILIES {
		cport = 42200 + n++;
		mk_tcp(&in, fam, 1, IN, 8080, cport, SYN | FIN);
		wrap(&p, &in, RXL_TUN_VXLAN, ofam, IN);
		DROPPED_IN(&p);
		EXPECT_EQ(-ENOENT, entry_in(self, EITHER, fam, CID_B, 1,
					    peer_addr(fam), IPPROTO_TCP, 8080,
					    cport, &a)) {
			TH_LOG("outer v%d inner v%d: an entry", ofam, fam);
		}
		tunnel_establish(_metadata, self, RXL_TUN_VXLAN, ofam, fam,
				 cport);
		ASSERT_EQ(0, entry_in(self, MAIN, fam, CID, 0, peer_addr(fam),
				      IPPROTO_TCP, cport, 9000, &a));
		mk_tcp(&in, fam, 0, IN, cport, 9000, 0);
		wrap(&p, &in, RXL_TUN_VXLAN, ofam, IN);
		DROPPED_IN(&p);
		mk_tcp(&in, fam, 0, OUT, cport, 9000, SYN | FIN);
		wrap(&p, &in, RXL_TUN_VXLAN, ofam, OUT);
		DROPPED_OUT(&p);
		ASSERT_EQ(0, entry_in(self, MAIN, fam, CID, 0, peer_addr(fam),
				      IPPROTO_TCP, cport, 9000, &b));
		EXPECT_EQ(a.state, b.state) {
			TH_LOG("outer v%d inner v%d: state", ofam, fam);
		}
		EXPECT_EQ(a.fin_seen, b.fin_seen);
	}
	EXPECT_EQ(bad0 + 3 * n, BAD_FLAGS());
}

/* ---- the overlay path in an entry (h4) --------------------------------- */

#define VNI_OTHER	102		/* known, CID bound too (vxlan) */
#define VTEP_O4		"203.0.113.10"	/* another remote VTEP */
#define VTEP_O6		"2001:db8:f::10"

/*
 * @in carried in @tun with @vni between the local VTEP and the remote
 * VTEP @remote, going @dir (wrap_opts(), another peer's VTEP).
 */
static void wrap_via(struct pkt *out, const struct pkt *in, int tun, int ofam,
		     int dir, uint32_t vni, const char *remote)
{
	const char *l = ofam == 4 ? VTEP_L4 : VTEP_L6;

	ip_hdr(out, ofam, dir == OUT ? l : remote, dir == OUT ? remote : l,
	       tun_proto(tun));
	tun_hdr(out, in, tun, vni, 0);
}

/* Whether entry @v keeps binding @tun and remote VTEP @vtep (or none). */
static bool has_path(const struct rxl_ct_val *v, __u32 tun, const char *vtep)
{
	uint8_t want[16] = {};

	if (vtep && strchr(vtep, ':')) {
		inet_pton(AF_INET6, vtep, want);
	} else if (vtep) {
		want[10] = want[11] = 0xff;
		inet_pton(AF_INET, vtep, want + 12);
	}
	return v->tun == tun && !memcmp(v->vtep, want, sizeof(want));
}

/*
 * A flow tracked through a tunnel keeps its binding (type and VNI) and
 * the remote VTEP in its entry: the peer's answer through another VNI of
 * the container, another tunnel type, from another VTEP, or bare on the
 * underlay is judged as new (dropped by CID's default drop, counted as
 * other_path) and leaves the entry as it was, half-open and, after the
 * promotion, in the main table; the genuine answer passes. A flow of the
 * underlay takes its answer bare or through a tunnel. The container's packet on
 * another path creates nothing over the live entry.
 */
TEST_F_TIMEOUT(ct, tunnel_path_in_entry, CT_CASE_TIMEOUT)
{
	__u32 vnis[4] = { rxl_cont_vni(RXL_TUN_VXLAN, VNI_BOUND),
			  rxl_cont_vni(RXL_TUN_VXLAN, VNI_OTHER),
			  rxl_cont_vni(RXL_TUN_GENEVE, VNI_BOUND),
			  rxl_cont_vni(RXL_TUN_NVGRE, VNI_BOUND) };
	__u32 bound = rxl_cont_vni(RXL_TUN_VXLAN, VNI_BOUND);
	int fam, ofam, n = 0, w, other = 0;
	__u64 related;
	const char *r, *o;
	struct pkt in, p;
	struct rxl_ct_val v;
	uint16_t cport;
	/* The answer's other ways: tunnel type, VNI, remote VTEP (0: R's). */
	static const struct { int tun; uint32_t vni; int other_vtep; } way[] = {
		{ RXL_TUN_VXLAN, VNI_OTHER, 0 },
		{ RXL_TUN_GENEVE, VNI_BOUND, 0 },
		{ RXL_TUN_VXLAN, VNI_BOUND, 1 },
	};

	tunnels_setup(_metadata, self);
	ASSERT_EQ(0, rxl_fw_vni_add(&self->fw, RXL_TUN_VXLAN, VNI_OTHER));
	ASSERT_EQ(0, rxl_fw_container_bind(&self->fw, CID, vnis, 4));
	for (ofam = 4; ofam <= 6; ofam += 2)
	FAMILIES {
		r = ofam == 4 ? VTEP_R4 : VTEP_R6;
		o = ofam == 4 ? VTEP_O4 : VTEP_O6;
		cport = 43000 + n++;
		mk_tcp(&in, fam, 0, OUT, cport, 9000, SYN);
		wrap_via(&p, &in, RXL_TUN_VXLAN, ofam, OUT, VNI_BOUND, r);
		PASSES_OUT(&p);
		ASSERT_EQ(0, entry_in(self, HALF, fam, CID, 0, peer_addr(fam),
				      IPPROTO_TCP, cport, 9000, &v));
		EXPECT_TRUE(has_path(&v, bound, r))
			TH_LOG("outer v%d inner v%d", ofam, fam);
		/* The SYN-ACK another way, then bare: each a new packet. */
		mk_tcp(&in, fam, 0, IN, cport, 9000, SYN | ACK);
		for (w = 0; w < 3; w++) {
			wrap_via(&p, &in, way[w].tun, ofam, IN, way[w].vni,
				 way[w].other_vtep ? o : r);
			DROPPED_IN(&p) TH_LOG("SYN-ACK way %d", w);
			other++;
		}
		DROPPED_IN(&in);
		other++;
		ASSERT_EQ(0, entry_in(self, HALF, fam, CID, 0, peer_addr(fam),
				      IPPROTO_TCP, cport, 9000, &v));
		EXPECT_EQ(RXL_CT_SYN_SENT, v.state);
		EXPECT_TRUE(has_path(&v, bound, r));
		/* The genuine one, the ACK: promoted with its path. */
		wrap_via(&p, &in, RXL_TUN_VXLAN, ofam, IN, VNI_BOUND, r);
		PASSES_IN(&p);
		mk_tcp(&in, fam, 0, OUT, cport, 9000, ACK);
		wrap_via(&p, &in, RXL_TUN_VXLAN, ofam, OUT, VNI_BOUND, r);
		PASSES_OUT(&p);
		ASSERT_EQ(0, entry_in(self, MAIN, fam, CID, 0, peer_addr(fam),
				      IPPROTO_TCP, cport, 9000, &v));
		EXPECT_EQ(RXL_CT_ESTABLISHED, v.state);
		EXPECT_TRUE(has_path(&v, bound, r))
			TH_LOG("promoted: outer v%d inner v%d", ofam, fam);
		/* Established: the peer's data from another VTEP, bare. */
		mk_tcp(&in, fam, 0, IN, cport, 9000, ACK);
		wrap_via(&p, &in, RXL_TUN_VXLAN, ofam, IN, VNI_BOUND, o);
		DROPPED_IN(&p);
		DROPPED_IN(&in);
		other += 2;
		wrap_via(&p, &in, RXL_TUN_VXLAN, ofam, IN, VNI_BOUND, r);
		PASSES_IN(&p);
		/*
		 * An error about the flow (fragmentation needed, packet too
		 * big) is related only through the flow's own path: from
		 * another VNI, tunnel type or VTEP, or bare, anyone who can
		 * reach a VTEP could send it.
		 */
		if (fam == 4)
			mk_error(&in, 4, E4_UNREACH, E4_FRAG_NEEDED,
				 IPPROTO_TCP, cport, 9000);
		else
			mk_error(&in, 6, E6_TOO_BIG, 0, IPPROTO_TCP, cport,
				 9000);
		for (w = 0; w < 3; w++) {
			wrap_via(&p, &in, way[w].tun, ofam, IN, way[w].vni,
				 way[w].other_vtep ? o : r);
			DROPPED_IN(&p) TH_LOG("error way %d", w);
			other++;
		}
		DROPPED_IN(&in);
		other++;
		related = stat(self, RXL_CT_STAT_RELATED);
		wrap_via(&p, &in, RXL_TUN_VXLAN, ofam, IN, VNI_BOUND, r);
		PASSES_IN(&p);
		EXPECT_EQ(related + 1, stat(self, RXL_CT_STAT_RELATED));
		/* UDP: the container's datagram to another VTEP makes none. */
		mk_udp(&in, fam, OUT, cport, 53);
		wrap_via(&p, &in, RXL_TUN_VXLAN, ofam, OUT, VNI_BOUND, r);
		PASSES_OUT(&p);
		wrap_via(&p, &in, RXL_TUN_VXLAN, ofam, OUT, VNI_BOUND, o);
		PASSES_OUT(&p);
		other++;
		ASSERT_EQ(0, entry(self, fam, CID, 0, IPPROTO_UDP, cport, 53,
				   &v));
		EXPECT_TRUE(has_path(&v, bound, r));
		mk_udp(&in, fam, IN, cport, 53);
		wrap_via(&p, &in, RXL_TUN_VXLAN, ofam, IN, VNI_OTHER, r);
		DROPPED_IN(&p);
		other++;
		wrap_via(&p, &in, RXL_TUN_VXLAN, ofam, IN, VNI_BOUND, r);
		PASSES_IN(&p);
		/*
		 * A flow of the underlay holds no path: answered bare or
		 * through a tunnel (asymmetric routing), as fastpath_nic.sh's
		 * peer answers a bare SYN in VXLAN.
		 */
		mk_udp(&in, fam, OUT, cport, 54);
		PASSES_OUT(&in);
		ASSERT_EQ(0, entry(self, fam, CID, 0, IPPROTO_UDP, cport, 54,
				   &v));
		EXPECT_TRUE(has_path(&v, 0, NULL));
		mk_udp(&in, fam, IN, cport, 54);
		wrap_via(&p, &in, RXL_TUN_VXLAN, ofam, IN, VNI_BOUND, r);
		PASSES_IN(&p);
		PASSES_IN(&in);
		ASSERT_EQ(0, entry(self, fam, CID, 0, IPPROTO_UDP, cport, 54,
				   &v));
		EXPECT_TRUE(has_path(&v, 0, NULL));
	}
	EXPECT_EQ(other, stat(self, RXL_CT_STAT_OTHER_PATH));
}

/*
 * Only what the XDP program would accept on the way in is read as a
 * tunnel: from a configured local VTEP, to the configured port, a known
 * VNI. Anything else from a VTEP address is the host's and passes
 * untouched, tracked in no zone. A container not bound to the packet's
 * VNI (its replies would be dropped as vni_not_bound) is judged by its
 * egress policy and never tracked.
 */
TEST_F_TIMEOUT(ct, tunnel_egress_accepts_what_ingress_does, CT_CASE_TIMEOUT)
{
	struct rxl_ct_val v;
	struct pkt in, p;
	struct rxl_addr a;

	tunnels_setup(_metadata, self);
	mk_tcp(&in, 4, 0, OUT, 43000, 9000, SYN);
	/* Not from a VTEP. */
	wrap_from(&p, &in, RXL_TUN_VXLAN, 4, OUT, VNI_BOUND, "203.0.113.2");
	PASSES_OUT(&p);
	/* An unknown VNI. */
	wrap_from(&p, &in, RXL_TUN_VXLAN, 4, OUT, 102, NULL);
	PASSES_OUT(&p);
	/* Another UDP port: plain UDP of the host. */
	wrap(&p, &in, RXL_TUN_VXLAN, 4, OUT);
	pk_put16(p.b + 14 + 20 + 2, 4790);
	PASSES_OUT(&p);
	/* VXLAN without its I flag. */
	wrap(&p, &in, RXL_TUN_VXLAN, 4, OUT);
	p.b[14 + 20 + 8] = 0;
	PASSES_OUT(&p);
	/* GENEVE from a VTEP that takes VXLAN only. */
	ASSERT_EQ(0, rxl_parse_addr(VTEP_L4, &a));
	ASSERT_EQ(0, rxl_fw_vtep_del(&self->fw, &a));
	ASSERT_EQ(0, rxl_fw_vtep_add(&self->fw, &a,
				     RXL_TUN_BIT(RXL_TUN_VXLAN)));
	wrap(&p, &in, RXL_TUN_GENEVE, 4, OUT);
	PASSES_OUT(&p);
	EXPECT_EQ(-ENOENT, entry(self, 4, CID, 0, IPPROTO_TCP, 43000, 9000,
				 &v));
	EXPECT_EQ(0, stat(self, RXL_CT_STAT_CREATE_OUT));
	EXPECT_EQ(0, stat(self, RXL_CT_STAT_EGRESS_UNTRACKED));
	/* The same VXLAN packet, as configured: tracked (the control). */
	wrap(&p, &in, RXL_TUN_VXLAN, 4, OUT);
	PASSES_OUT(&p);
	EXPECT_EQ(0, entry(self, 4, CID, 0, IPPROTO_TCP, 43000, 9000, &v));

	/* A known VNI the containers are not bound to: judged, not tracked. */
	mk_tcp(&in, 4, 0, OUT, 43001, 9000, SYN);
	wrap_from(&p, &in, RXL_TUN_VXLAN, 4, OUT, VNI_UNBOUND, NULL);
	PASSES_OUT(&p);
	EXPECT_EQ(-ENOENT, entry(self, 4, CID, 0, IPPROTO_TCP, 43001, 9000,
				 &v));
	EXPECT_EQ(1, stat(self, RXL_CT_STAT_EGRESS_UNTRACKED));
	mk_tcp(&in, 4, 1, OUT, 43001, 9000, SYN);
	wrap_from(&p, &in, RXL_TUN_VXLAN, 4, OUT, VNI_UNBOUND, NULL);
	DROPPED_OUT(&p);
	EXPECT_EQ(1, stat(self, RXL_CT_STAT_EGRESS_DROP));
	EXPECT_EQ(1, stat(self, RXL_CT_STAT_CREATE_OUT));
}

/*
 * Cut anywhere, a tunnel packet creates no entry and, from a container
 * with egress default allow, passes: a cut in the outer or tunnel
 * headers makes it no tunnel packet (the host's), a cut in the inner
 * frame leaves an inner IP header that does not fit (the host's stack
 * never forwards one: passed untouched) or an L4 header that is not
 * whole (judged without a tuple). Whole inner headers of a container
 * with egress default drop that cannot be tracked are dropped.
 */
TEST_F_TIMEOUT(ct, tunnel_egress_malformed, CT_CASE_TIMEOUT)
{
	struct pkt in, p, c;
	int fam, ofam, tun;
	size_t len;

	tunnels_setup(_metadata, self);
	TUNNELS
	FAMILIES
	for (ofam = 4; ofam <= 6; ofam += 2) {
		mk_tcp(&in, fam, 0, OUT, 44000, 9000, SYN);
		wrap(&p, &in, tun, ofam, OUT);
		for (len = 14 + (ofam == 4 ? 20 : 40); len < p.len; len++) {
			c = p;
			pk_cut(&c, len);
			PASSES_OUT(&c) TH_LOG("tun %d: v%d in v%d cut to %zu",
					      tun, fam, ofam, len);
		}
		EXPECT_EQ(0, stat(self, RXL_CT_STAT_CREATE_OUT))
			TH_LOG("tun %d: v%d in v%d", tun, fam, ofam);
		/* The inner lengths agree, its TCP header is 10 bytes. */
		mk_tcp(&in, fam, 1, OUT, 44000, 9000, SYN);
		pk_cut(&in, in.len - 10 - 10);
		wrap(&p, &in, tun, ofam, OUT);
		DROPPED_OUT(&p) TH_LOG("tun %d: v%d in v%d", tun, fam, ofam);
		/* A TCP data offset below 5, from egress default drop. */
		mk_tcp(&in, fam, 1, OUT, 44000, 9000, SYN);
		in.b[in.len - 10 - 20 + 12] = 4 << 4;
		wrap(&p, &in, tun, ofam, OUT);
		DROPPED_OUT(&p) TH_LOG("tun %d: v%d in v%d", tun, fam, ofam);
		/* An outer first fragment: not read as a tunnel. */
		mk_tcp(&in, fam, 1, OUT, 44000, 9000, SYN);
		wrap(&p, &in, tun, ofam, OUT);
		if (ofam == 4) {
			p.b[14 + 6] = 0x20;	/* MF */
			pk_finish(&p);
			PASSES_OUT(&p) TH_LOG("tun %d: v%d", tun, fam);
		}
	}
	EXPECT_EQ(0, stat(self, RXL_CT_STAT_CREATE_OUT));
	EXPECT_EQ(3 * 8, stat(self, RXL_CT_STAT_EGRESS_DROP));
}

/*
 * NVGRE on egress, where it differs from the UDP tunnels. Packets with
 * GRE's checksum and sequence fields are read past them. A container
 * with egress default drop (CID_B) answers a peer's connection that came
 * in NVGRE, and its answer, leaving NVGRE-encapsulated, is found by the
 * entry the peer's SYN made; a connection it opens itself is dropped.
 * GRE from the VTEP that is no NVGRE (another protocol, no key, version
 * 1, routing), an unknown VSID, or NVGRE from a VTEP that does not take
 * it, is the host's: CID_B's SYN inside it passes untouched, tracked in
 * no zone; the same SYN in NVGRE is the control, dropped.
 */
TEST_F_TIMEOUT(ct, nvgre_egress, CT_CASE_TIMEOUT)
{
	/* A 16-bit word of the GRE header rewritten: flags, or protocol. */
	static const struct { const char *what; int off; uint16_t val; } host[] = {
		{ "GRE carrying IPv4", 2, 0x0800 },
		{ "GRE without key", 0, 0x0000 },
		{ "GRE version 1", 0, 0x2001 },
		{ "GRE with routing", 0, 0x6000 },
	};
	struct rxl_ct_val v;
	struct pkt in, p;
	struct rxl_addr a;
	int fam, ofam, opts, i, drops = 0, n = 0;
	uint16_t cport;

	tunnels_setup(_metadata, self);
	for (ofam = 4; ofam <= 6; ofam += 2)
	FAMILIES
	for (opts = 0; opts <= 1; opts++) {
		cport = 46000 + n++;
		/* CID's connection, both ways in NVGRE. */
		mk_tcp(&in, fam, 0, OUT, cport, 9000, SYN);
		wrap_opts(&p, &in, RXL_TUN_NVGRE, ofam, OUT, VNI_BOUND, NULL,
			  opts);
		PASSES_OUT(&p);
		EXPECT_EQ(0, entry(self, fam, CID, 0, IPPROTO_TCP, cport, 9000,
				   &v)) TH_LOG("outer v%d inner v%d opts %d",
					       ofam, fam, opts);
		mk_tcp(&in, fam, 0, IN, cport, 9000, SYN | ACK);
		wrap_opts(&p, &in, RXL_TUN_NVGRE, ofam, IN, VNI_BOUND, NULL,
			  opts);
		PASSES_IN(&p);
		/* The peer's connection to CID_B, answered in NVGRE. */
		mk_tcp(&in, fam, 1, IN, 8080, cport, SYN);
		wrap_opts(&p, &in, RXL_TUN_NVGRE, ofam, IN, VNI_BOUND, NULL,
			  opts);
		PASSES_IN(&p);
		mk_tcp(&in, fam, 1, OUT, 8080, cport, SYN | ACK);
		wrap_opts(&p, &in, RXL_TUN_NVGRE, ofam, OUT, VNI_BOUND, NULL,
			  opts);
		PASSES_OUT(&p) TH_LOG("CID_B's answer: outer v%d inner v%d "
				      "opts %d", ofam, fam, opts);
		/* CID_B opens nothing itself. */
		mk_tcp(&in, fam, 1, OUT, cport, 9000, SYN);
		wrap_opts(&p, &in, RXL_TUN_NVGRE, ofam, OUT, VNI_BOUND, NULL,
			  opts);
		DROPPED_OUT(&p) TH_LOG("CID_B's SYN: outer v%d inner v%d "
				       "opts %d", ofam, fam, opts);
		drops++;
		EXPECT_EQ(-ENOENT, entry(self, fam, CID_B, 1, IPPROTO_TCP,
					 cport, 9000, &v));
	}
	EXPECT_EQ(n, stat(self, RXL_CT_STAT_CREATE_OUT));
	EXPECT_EQ(drops, stat(self, RXL_CT_STAT_EGRESS_DROP));

	/* The host's GRE: CID_B's SYN inside passes untouched. */
	for (ofam = 4; ofam <= 6; ofam += 2)
	for (i = 0; i < (int)(sizeof(host) / sizeof(host[0])); i++) {
		size_t gre = 14 + (ofam == 4 ? 20 : 40);

		mk_tcp(&in, 4, 1, OUT, 46100, 9000, SYN);
		wrap(&p, &in, RXL_TUN_NVGRE, ofam, OUT);
		pk_put16(p.b + gre + host[i].off, host[i].val);
		PASSES_OUT(&p) TH_LOG("%s over v%d", host[i].what, ofam);
	}
	mk_tcp(&in, 4, 1, OUT, 46100, 9000, SYN);
	wrap_from(&p, &in, RXL_TUN_NVGRE, 4, OUT, 102, NULL);
	PASSES_OUT(&p) TH_LOG("an unknown VSID");
	EXPECT_EQ(drops, stat(self, RXL_CT_STAT_EGRESS_DROP));
	/* A VSID the containers are not bound to: judged, not tracked. */
	wrap_from(&p, &in, RXL_TUN_NVGRE, 4, OUT, VNI_UNBOUND, NULL);
	DROPPED_OUT(&p);
	EXPECT_EQ(++drops, stat(self, RXL_CT_STAT_EGRESS_DROP));
	/* A VTEP that takes VXLAN only. */
	ASSERT_EQ(0, rxl_parse_addr(VTEP_L4, &a));
	ASSERT_EQ(0, rxl_fw_vtep_del(&self->fw, &a));
	ASSERT_EQ(0, rxl_fw_vtep_add(&self->fw, &a,
				     RXL_TUN_BIT(RXL_TUN_VXLAN)));
	wrap(&p, &in, RXL_TUN_NVGRE, 4, OUT);
	PASSES_OUT(&p) TH_LOG("NVGRE from a VXLAN-only VTEP");
	EXPECT_EQ(drops, stat(self, RXL_CT_STAT_EGRESS_DROP));
	EXPECT_EQ(n, stat(self, RXL_CT_STAT_CREATE_OUT));
	/* The control: the same SYN, in NVGRE as configured, is judged. */
	wrap(&p, &in, RXL_TUN_NVGRE, 6, OUT);
	DROPPED_OUT(&p);
	EXPECT_EQ(++drops, stat(self, RXL_CT_STAT_EGRESS_DROP));
}

#define OUTER_EXTHDRS	1	/* hop-by-hop and destination options */
#define OUTER_FIRST	2	/* a fragment header: a first fragment */
#define OUTER_LATER	3	/* a fragment header: a later fragment */

/*
 * @in in @tun over an IPv6 underlay whose header is followed by
 * extension headers (@ext: OUTER_*) before the tunnel's UDP or GRE
 * header, going @dir.
 */
static void wrap6_ext(struct pkt *out, const struct pkt *in, int tun,
		      int dir, int ext)
{
	uint8_t proto = tun_proto(tun);

	ip_hdr(out, 6, dir == OUT ? VTEP_L6 : VTEP_R6,
	       dir == OUT ? VTEP_R6 : VTEP_L6,
	       ext == OUTER_EXTHDRS ? IPPROTO_HOPOPTS : IPPROTO_FRAGMENT);
	if (ext == OUTER_EXTHDRS) {
		pk_ip6_ext(out, IPPROTO_DSTOPTS, 0);
		pk_ip6_ext(out, proto, 1);
	} else {
		pk_ip6_frag(out, proto, ext == OUTER_LATER ? 100 : 0,
			    ext == OUTER_FIRST);
	}
	tun_hdr(out, in, tun, VNI_BOUND, 0);
}

/*
 * Over an IPv6 underlay the tunnel header may follow extension headers,
 * which both programs walk (rxl_parse_ipv6()) before they read it: CID's
 * SYN leaving behind hop-by-hop and destination options is tracked by
 * its inner tuple and the answer, with the same headers, is decapped and
 * passes. An outer IPv6 fragment is never read as a tunnel: on egress
 * CID_B's SYN inside a first or a later one passes untouched (the host's;
 * not dropped as egress drop would); on ingress the first fragment is
 * dropped as outer_frag, a later one passes to the host.
 */
TEST_F_TIMEOUT(ct, tunnel_outer_ipv6, CT_CASE_TIMEOUT)
{
	struct rxl_ct_val v;
	struct pkt in, p;
	int fam, tun, n = 0;
	uint16_t cport;

	tunnels_setup(_metadata, self);
	TUNNELS
	FAMILIES {
		cport = 47000 + n++;
		mk_tcp(&in, fam, 0, OUT, cport, 9000, SYN);
		wrap6_ext(&p, &in, tun, OUT, OUTER_EXTHDRS);
		PASSES_OUT(&p);
		EXPECT_EQ(0, entry(self, fam, CID, 0, IPPROTO_TCP, cport, 9000,
				   &v)) TH_LOG("tun %d inner v%d", tun, fam);
		mk_tcp(&in, fam, 0, IN, cport, 9000, SYN | ACK);
		wrap6_ext(&p, &in, tun, IN, OUTER_EXTHDRS);
		PASSES_IN(&p) TH_LOG("tun %d inner v%d", tun, fam);
		/* Without the entry the same answer is dropped (the control). */
		mk_tcp(&in, fam, 0, IN, cport + 100, 9000, SYN | ACK);
		wrap6_ext(&p, &in, tun, IN, OUTER_EXTHDRS);
		DROPPED_IN(&p) TH_LOG("tun %d inner v%d", tun, fam);

		mk_tcp(&in, fam, 1, OUT, cport, 9000, SYN);
		wrap6_ext(&p, &in, tun, OUT, OUTER_FIRST);
		PASSES_OUT(&p) TH_LOG("first fragment, tun %d", tun);
		wrap6_ext(&p, &in, tun, OUT, OUTER_LATER);
		PASSES_OUT(&p) TH_LOG("later fragment, tun %d", tun);
		mk_tcp(&in, fam, 0, IN, cport, 9000, ACK);
		wrap6_ext(&p, &in, tun, IN, OUTER_FIRST);
		EXPECT_EQ(XDP_DROP, run(_metadata, self, IN, &p))
			TH_LOG("first fragment in, tun %d", tun);
		wrap6_ext(&p, &in, tun, IN, OUTER_LATER);
		EXPECT_EQ(XDP_PASS, run(_metadata, self, IN, &p))
			TH_LOG("later fragment in, tun %d", tun);
	}
	EXPECT_EQ(n, stat(self, RXL_CT_STAT_CREATE_OUT));
	EXPECT_EQ(0, stat(self, RXL_CT_STAT_EGRESS_DROP));
}

/*
 * @p: from container @b (0: CID, egress allow; 1: CID_B, egress drop)
 * over IPv6 with @n extension headers (hop-by-hop, routing, destination
 * options...) before its L4 header: CID a UDP datagram @cport -> 53, CID_B
 * its SYN-ACK 8080 -> @cport; carried in VXLAN when @tun.
 */
static void mk_exthdr_out(struct pkt *p, int b, int n, int tun,
			  uint16_t cport)
{
	static const uint8_t chain[] = { IPPROTO_HOPOPTS, IPPROTO_ROUTING,
					 IPPROTO_DSTOPTS };
	uint8_t l4 = b ? IPPROTO_TCP : IPPROTO_UDP;
	struct pkt in;
	int i;

	pk_init(&in);
	pk_eth(&in, ETH_P_IPV6, 0);
	pk_ip6(&in, cont_addr(6, b), PEER6, chain[0]);
	for (i = 0; i < n; i++)
		pk_ip6_ext(&in, i + 1 < n ? chain[i + 1 < 2 ? i + 1 : 2] : l4,
			   i & 1);
	if (b) {
		pk_tcp(&in, 8080, cport);
		in.b[in.len - 20 + 13] = SYN | ACK;
	} else {
		pk_udp(&in, cport, 53, -1);
	}
	pk_payload(&in, 10);
	pk_finish(&in);
	if (tun)
		wrap(p, &in, RXL_TUN_VXLAN, 4, OUT);
	else
		*p = in;
}

/* Bind container @id by its MAC @mac (a macvlan's: no device). */
static int bind_mac(FIXTURE_DATA(ct) *self, __u32 id, const uint8_t *mac)
{
	struct rxl_cont_spec s = { .id = id, .has_mac = true };

	memcpy(s.mac, mac, 6);
	return rxl_fw_port_bind(&self->fw, &s);
}

/*
 * A container bound by its MAC (the uplink's pairing check) that wraps a
 * frame in a tunnel header itself: its own MAC outside with the host's
 * VTEP address as the outer source, a MAC and a source address of
 * nobody's inside. The inner frame alone names nobody, so the frame went
 * out unjudged, past CID_B's egress default drop, as the host's tunnel
 * traffic: now it is CID_B's spoof (its outer frame pairs its MAC with an
 * address not its own). The same frame with a MAC of nobody's outside
 * (what the pairing check cannot tell from the host's: documented) and
 * the host's own tunnel packet carrying CID's frame still pass, the
 * latter tracked by its inner tuple.
 */
TEST_F_TIMEOUT(ct, mac_bound_tunnel_outer, CT_CASE_TIMEOUT)
{
	struct rxl_ct_val v;
	struct pkt in, p;
	int fam, ofam, tun, n = 0;
	uint16_t cport = 46000;

	tunnels_setup(_metadata, self);
	ASSERT_EQ(0, bind_mac(self, CID_B, mac_ok));
	TUNNELS
	for (ofam = 4; ofam <= 6; ofam += 2)
	FAMILIES {
		ip_hdr(&in, fam, fam == 4 ? "192.0.2.77" : "2001:db8:99::77",
		       peer_addr(fam), IPPROTO_UDP);
		memcpy(in.b + 6, mac_other, 6);
		pk_udp(&in, 5353, 9001, -1);
		pk_payload(&in, 10);
		pk_finish(&in);
		wrap(&p, &in, tun, ofam, OUT);
		EXPECT_EQ(TC_ACT_SHOT, run(_metadata, self, OUT, &p)) {
			TH_LOG("tun %d outer v%d inner v%d: CID_B's MAC, the VTEP's address",
			       tun, ofam, fam);
		}
		EXPECT_EQ((__u64)++n, spoofs(self, CID_B));
		/* A MAC of nobody's outside: the host's, as far as U can tell. */
		memcpy(p.b + 6, mac_other, 6);
		PASSES_OUT(&p);
		/* The host's tunnel packet with CID's frame: tracked. */
		mk_udp_peer(&in, fam, 0, peer_addr(fam), OUT, ++cport, 9001);
		memcpy(in.b + 6, mac_other, 6);
		wrap(&p, &in, tun, ofam, OUT);
		memcpy(p.b + 6, mac_other, 6);
		PASSES_OUT(&p);
		EXPECT_EQ(0, entry(self, fam, CID, 0, IPPROTO_UDP, cport, 9001,
				   &v));
	}
	EXPECT_EQ(0, spoofs(self, CID));
	EXPECT_EQ((__u64)n, stat(self, RXL_CT_STAT_SPOOF));
}

/*
 * IPv6 extension headers on egress: hop-by-hop, routing and destination
 * options before the L4 header are walked (at most RXL_IPV6_MAX_EXTHDRS,
 * as on ingress) and the real L4 tuple is tracked, plain and in a
 * tunnel: CID's datagram creates its entry and the reply passes; CID_B's
 * SYN-ACK (egress default drop) is found by the entry its peer's SYN
 * made (through the same tunnel: tunnel_path_in_entry). A chain one too long, or one cut short, gets no tuple: judged
 * without ports (dropped under egress default drop), never tracked.
 */
TEST_F_TIMEOUT(ct, ipv6_exthdr_egress, CT_CASE_TIMEOUT)
{
	struct rxl_ct_val v;
	struct pkt in, p;
	int n, b, t;

	tunnels_setup(_metadata, self);
	for (n = 1; n <= EXTHDRS_MAX + 1; n++)
	for (b = 0; b <= 1; b++)
	for (t = 0; t <= 1; t++) {
		uint16_t cport = 45000 + n * 4 + b * 2 + t;
		int ok = n <= EXTHDRS_MAX;

		if (b) {
			/* The peer's SYN comes the way the answer goes. */
			mk_tcp(&in, 6, 1, IN, 8080, cport, SYN);
			if (t)
				wrap(&p, &in, RXL_TUN_VXLAN, 4, IN);
			else
				p = in;
			PASSES_IN(&p);
		}
		mk_exthdr_out(&p, b, n, t, cport);
		if (ok || !b) {
			PASSES_OUT(&p) TH_LOG("%d headers, tunnel %d, "
					      "container %d", n, t, b);
		} else {
			DROPPED_OUT(&p) TH_LOG("%d headers, tunnel %d", n, t);
		}
		if (b)
			continue;
		EXPECT_EQ(ok ? 0 : -ENOENT,
			  entry(self, 6, CID, 0, IPPROTO_UDP, cport, 53, &v))
			TH_LOG("%d headers, tunnel %d", n, t);
		if (!ok)
			continue;
		/* The reply passes the default drop. */
		mk_udp(&in, 6, IN, cport, 53);
		if (t) {
			wrap(&p, &in, RXL_TUN_VXLAN, 4, IN);
		} else {
			p = in;
		}
		PASSES_IN(&p);
	}
	/*
	 * CID's entries, one per chain of 1 to 6 headers, plain and in
	 * VXLAN: a chain that failed (in a tunnel, the outer UDP header is
	 * the last L4 header parsed) made none from stray bytes.
	 */
	EXPECT_EQ(2 * EXTHDRS_MAX, stat(self, RXL_CT_STAT_CREATE_OUT));
	/* A chain cut inside its last header, lengths agreeing. */
	pk_init(&in);
	pk_eth(&in, ETH_P_IPV6, 0);
	pk_ip6(&in, CONTB6, PEER6, IPPROTO_DSTOPTS);
	pk_ip6_ext(&in, IPPROTO_TCP, 1);
	pk_tcp(&in, 45100, 9000);
	in.b[in.len - 20 + 13] = SYN;
	pk_cut(&in, 14 + 40 + 8);
	DROPPED_OUT(&in);
	EXPECT_EQ(-ENOENT, entry(self, 6, CID_B, 1, IPPROTO_TCP, 45100, 9000,
				 &v));
	/* ND behind a hop-by-hop header still passes egress default drop. */
	pk_init(&in);
	pk_eth(&in, ETH_P_IPV6, 0);
	pk_ip6(&in, CONTB6, PEER6, IPPROTO_HOPOPTS);
	in.b[14 + 7] = 255;	/* ND's hop limit (nd_egress_is_nd_only) */
	pk_ip6_ext(&in, IPPROTO_ICMPV6, 0);
	pk_icmp(&in, 135);
	pk_finish(&in);
	PASSES_OUT(&in);
}

/*
 * Neighbour discovery passes egress default drop unjudged only as
 * ingress takes it (rxl_is_nd()): hop limit 255, not fragmented. CID_B
 * (egress default drop) sends a neighbour solicitation with data to the
 * peer: with hop limit 255 it passes; with 64 (routed off the link), or
 * as a first fragment (whose later fragments would have followed it), it
 * is judged and dropped, and its later fragment too (frag_no_first).
 * Before, every ICMPv6 of types 133-137 passed, carrying anything to
 * any address.
 */
TEST_F_TIMEOUT(ct, nd_egress_is_nd_only, CT_CASE_TIMEOUT)
{
	struct pkt p;
	int hl, first;

	for (hl = 64; hl <= 255; hl += 191) {
		pk_init(&p);
		pk_eth(&p, ETH_P_IPV6, 0);
		pk_ip6(&p, CONTB6, PEER6, IPPROTO_ICMPV6);
		p.b[14 + 7] = hl;
		pk_icmp(&p, 135);
		pk_payload(&p, 64);
		pk_finish(&p);
		EXPECT_EQ(hl == 255 ? TC_ACT_OK : TC_ACT_SHOT,
			  run(_metadata, self, OUT, &p)) {
			TH_LOG("neighbour solicitation, hop limit %d", hl);
		}
	}
	EXPECT_EQ(1, stat(self, RXL_CT_STAT_EGRESS_DROP));
	for (first = 1; first >= 0; first--) {
		pk_init(&p);
		pk_eth(&p, ETH_P_IPV6, 0);
		pk_ip6(&p, CONTB6, PEER6, IPPROTO_FRAGMENT);
		p.b[14 + 7] = 255;
		pk_ip6_frag(&p, IPPROTO_ICMPV6, first ? 0 : 8, first);
		pk_icmp(&p, 135);
		pk_payload(&p, 64);
		pk_finish(&p);
		EXPECT_EQ(TC_ACT_SHOT, run(_metadata, self, OUT, &p)) {
			TH_LOG("neighbour solicitation, %s fragment",
			       first ? "first" : "later");
		}
	}
	EXPECT_EQ(0, stat(self, RXL_CT_STAT_FRAG_FOLLOWED));
	EXPECT_EQ(2, stat(self, RXL_CT_STAT_EGRESS_DROP));
	EXPECT_EQ(1, stat(self, RXL_CT_STAT_FRAG_NO_FIRST));
}

/* ---- the port summary (rxl_port_unruled()) ------------------------------ */

/*
 * Container @id with @rules (NULL-terminated, at most 8) and default
 * policy @drop: 0 or -errno.
 */
static int cont_policy(struct rxl_fw *fw, __u32 id, const char *a4,
		       const char *a6, bool drop, const char *const *rules)
{
	struct rxl_rule r[8];
	struct rxl_addr a[2];
	char err[256];
	struct rxl_cont_spec s = {
		.id = id, .addrs = a, .naddrs = 2, .rules = r,
		.default_drop = drop,
	};

	if (rxl_parse_addr(a4, &a[0]) || rxl_parse_addr(a6, &a[1]))
		return -EINVAL;
	for (; rules[s.nrules]; s.nrules++)
		if (s.nrules == 8 ||
		    rxl_parse_rule(rules[s.nrules], &r[s.nrules], err,
				   sizeof(err)))
			return -EINVAL;
	return rxl_fw_container_apply(fw, &s);
}

/* The live value of container @id. */
static int cont_val(FIXTURE_DATA(ct) *self, __u32 id, struct rxl_container *v)
{
	return rxl_cont_read(&self->fw, id, v);
}

/*
 * "web" (default drop): a range from one source (a shape), a /0 drop rule
 * on one port, a UDP port. Ports no rule names skip the rules: the
 * table's entry passes the answer on an ephemeral port, everything else
 * there is the default drop; every named port is judged as before, the
 * drop rule's counter and drop reason included, at each edge.
 */
TEST_F_TIMEOUT(ct, port_summary_default_drop, CT_CASE_TIMEOUT)
{
	static const char *const rules[] = {
		"allow proto tcp from " PEER4 "/32 dport 8000-8010",
		"allow proto tcp from " PEER6 "/128 dport 8000-8010",
		"drop proto tcp dport 9500",
		"allow proto udp dport 53",
		NULL
	};
	__u64 def, rule, ingress;
	struct rxl_container v;
	struct pkt p;
	int fam;

	ASSERT_EQ(0, cont_policy(&self->fw, CID, CONT4, CONT6, true, rules));
	ASSERT_EQ(0, cont_val(self, CID, &v));
	ASSERT_EQ(3, v.sum_valid);
	ASSERT_EQ(0, put_entry(self, CID, CONT4, CONT6, 45000));
	ASSERT_EQ(0, put_entry(self, CID, CONT4, CONT6, 9500));
	FAMILIES {
		/* The rule's range, at both ends: the rule's pass. */
		mk_tcp(&p, fam, 0, IN, 8000, 40000, SYN);
		PASSES_IN(&p);
		mk_tcp(&p, fam, 0, IN, 8010, 40000, SYN);
		PASSES_IN(&p);
		/* One past each end, no entry: the default drop. */
		def = DROPS(RXL_DROP_DEFAULT);
		mk_tcp(&p, fam, 0, IN, 7999, 40000, SYN);
		DROPPED_IN(&p);
		mk_tcp(&p, fam, 0, IN, 8011, 40000, SYN);
		DROPPED_IN(&p);
		EXPECT_EQ(def + 2, DROPS(RXL_DROP_DEFAULT));
		/* The answer on an ephemeral port: its entry passes it. */
		ingress = stat(self, RXL_CT_STAT_INGRESS);
		mk_tcp(&p, fam, 0, IN, 45000, 9000, ACK);
		PASSES_IN(&p);
		EXPECT_EQ(ingress + 1, stat(self, RXL_CT_STAT_INGRESS));
		/* Another ephemeral port, no entry: the default drop. */
		mk_tcp(&p, fam, 0, IN, 45001, 9000, ACK);
		DROPPED_IN(&p);
		EXPECT_EQ(def + 3, DROPS(RXL_DROP_DEFAULT));
		/* The drop rule's port: judged, a rule's drop, counted. */
		rule = DROPS(RXL_DROP_RULE);
		mk_tcp(&p, fam, 0, IN, 9500, 40000, SYN);
		DROPPED_IN(&p);
		EXPECT_EQ(rule + 1, DROPS(RXL_DROP_RULE));
		/* Its tracked flow passes, as a drop rule's always did. */
		mk_tcp(&p, fam, 0, IN, 9500, 9000, ACK);
		PASSES_IN(&p);
		/* UDP has its own summary: 53 allowed, 54 not. */
		mk_udp(&p, fam, IN, 53, 40000);
		PASSES_IN(&p);
		mk_udp(&p, fam, IN, 54, 40000);
		DROPPED_IN(&p);
		EXPECT_EQ(def + 4, DROPS(RXL_DROP_DEFAULT));
	}
	EXPECT_EQ(4, rule_packets(self, CID, 0) + rule_packets(self, CID, 1));
	EXPECT_EQ(2, rule_packets(self, CID, 2));
	EXPECT_EQ(2, rule_packets(self, CID, 3));
}

/*
 * Default allow with a drop rule: a summary that left the drop rule out
 * would pass what it drops.
 */
TEST_F_TIMEOUT(ct, port_summary_drop_rule, CT_CASE_TIMEOUT)
{
	static const char *const rules[] = {
		"drop proto tcp dport 9500",
		"drop proto udp from " PEER4 "/32 dport 5000-5001",
		"drop proto udp from " PEER6 "/128 dport 5000-5001",
		NULL
	};
	__u64 allow;
	struct pkt p;
	int fam;

	ASSERT_EQ(0, cont_policy(&self->fw, CID, CONT4, CONT6, false, rules));
	FAMILIES {
		mk_tcp(&p, fam, 0, IN, 9500, 40000, SYN);
		DROPPED_IN(&p);
		mk_udp(&p, fam, IN, 5001, 40000);
		DROPPED_IN(&p);
		allow = EVENTS(RXL_STAT_DEFAULT_ALLOW);
		mk_tcp(&p, fam, 0, IN, 9501, 40000, SYN);
		PASSES_IN(&p);
		mk_udp(&p, fam, IN, 5002, 40000);
		PASSES_IN(&p);
		EXPECT_EQ(allow + 2, EVENTS(RXL_STAT_DEFAULT_ALLOW));
	}
	EXPECT_EQ(2, rule_packets(self, CID, 0));
	EXPECT_EQ(2, rule_packets(self, CID, 1) + rule_packets(self, CID, 2));
}

/*
 * A replace that adds a port, an append that adds one: the value that
 * makes the rule live brings its port into the summary.
 */
TEST_F_TIMEOUT(ct, port_summary_flip_adds_port, CT_CASE_TIMEOUT)
{
	static const char *const one[] = { "allow proto tcp dport 8080", NULL };
	static const char *const two[] = {
		"allow proto tcp dport 8080", "allow proto tcp dport 6000",
		"allow proto tcp from " PEER4 "/32 dport 8000", NULL
	};
	struct rxl_rule r;
	char err[256];
	struct pkt p;
	int fam;

	ASSERT_EQ(0, cont_policy(&self->fw, CID, CONT4, CONT6, true, one));
	FAMILIES {
		mk_tcp(&p, fam, 0, IN, 6000, 40000, SYN);
		DROPPED_IN(&p);
	}
	ASSERT_EQ(0, cont_policy(&self->fw, CID, CONT4, CONT6, true, two));
	FAMILIES {
		mk_tcp(&p, fam, 0, IN, 6000, 40000, SYN);
		PASSES_IN(&p);
		mk_tcp(&p, fam, 0, IN, 7000, 40000, SYN);
		DROPPED_IN(&p);
	}
	/*
	 * Appended from one source (into the /32 key, in place) and from
	 * anywhere (into the value).
	 */
	ASSERT_EQ(0, rxl_parse_rule("allow proto tcp from " PEER4
				    "/32 dport 7000", &r, err, sizeof(err)));
	ASSERT_EQ(0, rxl_fw_rule_append(&self->fw, CID, &r));
	ASSERT_EQ(0, rxl_parse_rule("allow proto udp dport 7001", &r, err,
				    sizeof(err)));
	ASSERT_EQ(0, rxl_fw_rule_append(&self->fw, CID, &r));
	mk_tcp(&p, 4, 0, IN, 7000, 40000, SYN);
	PASSES_IN(&p);
	mk_tcp(&p, 6, 0, IN, 7000, 40000, SYN);
	DROPPED_IN(&p);
	FAMILIES {
		mk_udp(&p, fam, IN, 7001, 40000);
		PASSES_IN(&p);
	}
	EXPECT_EQ(1, rule_packets(self, CID, 3));
	EXPECT_EQ(2, rule_packets(self, CID, 4));
}

/*
 * Rules that judge every port: no summary of that protocol (a rule of
 * any protocol, one with no port), and more ranges than the value holds
 * (joined: the gap is judged, and no rule matches it).
 */
TEST_F_TIMEOUT(ct, port_summary_wide_rules, CT_CASE_TIMEOUT)
{
	static const char *const anyproto[] = {
		"allow from " PEER4 "/32", "allow from " PEER6 "/128", NULL
	};
	static const char *const noport[] = {
		"allow proto udp", "allow proto tcp dport 80", NULL
	};
	static const char *const many[] = {
		"allow proto tcp dport 100", "allow proto tcp dport 200",
		"allow proto tcp dport 300", "allow proto tcp dport 400",
		"allow proto tcp dport 500", NULL
	};
	struct rxl_container v;
	struct pkt p;
	int fam;

	ASSERT_EQ(0, cont_policy(&self->fw, CID, CONT4, CONT6, true,
				 anyproto));
	ASSERT_EQ(0, cont_val(self, CID, &v));
	EXPECT_EQ(0, v.sum_valid);
	FAMILIES {
		mk_tcp(&p, fam, 0, IN, 45000, 9000, ACK);
		PASSES_IN(&p);
		mk_udp(&p, fam, IN, 45000, 9000);
		PASSES_IN(&p);
	}
	EXPECT_EQ(4, rule_packets(self, CID, 0) + rule_packets(self, CID, 1));

	ASSERT_EQ(0, cont_policy(&self->fw, CID, CONT4, CONT6, true, noport));
	ASSERT_EQ(0, cont_val(self, CID, &v));
	EXPECT_EQ(1U << RXL_SUM_TCP, v.sum_valid);
	FAMILIES {
		mk_udp(&p, fam, IN, 45000, 9000);
		PASSES_IN(&p);
		mk_tcp(&p, fam, 0, IN, 81, 9000, SYN);
		DROPPED_IN(&p);
	}
	EXPECT_EQ(2, rule_packets(self, CID, 0));

	ASSERT_EQ(0, cont_policy(&self->fw, CID, CONT4, CONT6, true, many));
	ASSERT_EQ(0, cont_val(self, CID, &v));
	EXPECT_EQ(RXL_SUM_RANGES, v.sum_n[RXL_SUM_TCP]);
	FAMILIES {
		int port;

		for (port = 100; port <= 500; port += 100) {
			mk_tcp(&p, fam, 0, IN, port, 9000, SYN);
			PASSES_IN(&p);
			mk_tcp(&p, fam, 0, IN, port + 1, 9000, SYN);
			DROPPED_IN(&p);
		}
	}
}

/*
 * Packets the summary does not decide: a later fragment (no ports)
 * follows its first, which the entry passed on an unnamed port; an ICMP
 * error about the tracked flow passes as related.
 */
TEST_F_TIMEOUT(ct, port_summary_frag_and_errors, CT_CASE_TIMEOUT)
{
	__u64 followed, related;
	struct pkt p;
	int fam;

	ASSERT_EQ(0, put_entry(self, CID, CONT4, CONT6, 45000));
	FAMILIES {
		followed = EVENTS(RXL_STAT_FRAG_FOLLOWED);
		mk_tcp(&p, fam, 0, IN, 45000, 9000, ACK);
		frag(&p, fam, 70, 1);
		PASSES_IN(&p);
		mk_tcp(&p, fam, 0, IN, 45000, 9000, ACK);
		frag(&p, fam, 70, 0);
		PASSES_IN(&p);
		EXPECT_EQ(followed + 1, EVENTS(RXL_STAT_FRAG_FOLLOWED));
		/* A later fragment of a datagram not seen: dropped. */
		mk_tcp(&p, fam, 0, IN, 45000, 9000, ACK);
		frag(&p, fam, 71, 0);
		DROPPED_IN(&p);
		related = stat(self, RXL_CT_STAT_RELATED);
		mk_error(&p, fam, fam == 4 ? E4_UNREACH : E6_UNREACH, 1,
			 IPPROTO_TCP, 45000, 9000);
		PASSES_IN(&p);
		EXPECT_EQ(related + 1, stat(self, RXL_CT_STAT_RELATED));
	}
}

/* ---- headers the out rules cannot read (rev) ---------------------------- */

/*
 * An IPv6 packet of container @b to the peer, @l4 (TCP or UDP) to port
 * @pport behind @n destination options headers of (@len8 + 1) * 8 bytes
 * each.
 */
static void mk_deep6_out(struct pkt *p, int b, int n, uint8_t len8,
			 uint8_t l4, uint16_t cport, uint16_t pport)
{
	int i;

	pk_init(p);
	pk_eth(p, ETH_P_IPV6, 0);
	pk_ip6(p, cont_addr(6, b), PEER6, IPPROTO_DSTOPTS);
	for (i = 0; i < n; i++)
		pk_ip6_ext(p, i + 1 < n ? IPPROTO_DSTOPTS : l4, len8);
	if (l4 == IPPROTO_TCP)
		pk_tcp(p, cport, pport);
	else
		pk_udp(p, cport, pport, -1);
	pk_payload(p, 10);
	pk_finish(p);
}

/*
 * A container with out drop rules ("web", egress default allow; drop
 * TCP to port 25, drop UDP) hides the port or the protocol the rules
 * name where the parse cannot read it, and the receiver still can: its
 * TCP or UDP behind seven destination options headers (one more than
 * RXL_IPV6_MAX_EXTHDRS; Linux reads any number), behind one header of
 * 520 bytes (past RXL_MAX_L4_OFF), or as a first fragment holding 8
 * bytes of its TCP header (ports in, data offset not: the later
 * fragment brings the rest). Judged without ports, or without a
 * protocol, no drop rule matched and the egress default let them out,
 * and the first fragment was noted, so its later fragments followed:
 * now each is dropped (egress_drop) and nothing is noted. Without out
 * rules the egress default still decides (the 7-header packet passes
 * before the rules are set); the same packets with a port no rule
 * names, read whole, pass.
 */
TEST_F_TIMEOUT(ct, egress_unreadable_headers_ruled, CT_CASE_TIMEOUT)
{
	static const char *const rules[] = {
		"out drop proto tcp dport 25",
		"out drop proto udp",
		NULL
	};
	struct rxl_frag_val fv;
	__u64 drops;
	struct pkt p;
	int fam;

	/* No out rules: the egress default (allow) decides, as before. */
	mk_deep6_out(&p, 0, EXTHDRS_MAX + 1, 0, IPPROTO_TCP, 46000, 25);
	PASSES_OUT(&p) TH_LOG("7 headers, no out rules");
	ASSERT_EQ(0, cont_rules(&self->fw, CID, CONT4, CONT6, false, rules));
	drops = stat(self, RXL_CT_STAT_EGRESS_DROP);
	FAMILIES {
		/* Read whole: the rule refuses 25, not 26. */
		mk_tcp(&p, fam, 0, OUT, 46001, 25, SYN);
		DROPPED_OUT(&p) TH_LOG("v%d: TCP to 25", fam);
		mk_tcp(&p, fam, 0, OUT, 46002, 26, SYN);
		PASSES_OUT(&p) TH_LOG("v%d: TCP to 26", fam);
		/* A first fragment with 8 bytes of TCP header, to 25. */
		mk_tcp(&p, fam, 0, OUT, 46003, 25, SYN);
		frag(&p, fam, 80, 1);
		pk_cut(&p, 14 + (fam == 4 ? 20 : 48) + 8);
		DROPPED_OUT(&p) TH_LOG("v%d: tiny first fragment to 25", fam);
		EXPECT_EQ(-ENOENT, frag_entry(self, fam, cont_addr(fam, 0),
					      peer_addr(fam), IPPROTO_TCP, 80,
					      &fv))
			TH_LOG("v%d: the tiny first fragment was noted", fam);
	}
	/* IPv6 chains the parse cannot walk. */
	mk_deep6_out(&p, 0, EXTHDRS_MAX + 1, 0, IPPROTO_TCP, 46004, 25);
	DROPPED_OUT(&p) TH_LOG("7 headers, TCP to 25");
	mk_deep6_out(&p, 0, EXTHDRS_MAX + 1, 0, IPPROTO_UDP, 46005, 53);
	DROPPED_OUT(&p) TH_LOG("7 headers, UDP");
	mk_deep6_out(&p, 0, 1, 64, IPPROTO_TCP, 46006, 25);
	DROPPED_OUT(&p) TH_LOG("one 520-byte header, TCP to 25");
	/* Six headers are walked: judged by their port. */
	mk_deep6_out(&p, 0, EXTHDRS_MAX, 0, IPPROTO_TCP, 46007, 25);
	DROPPED_OUT(&p) TH_LOG("6 headers, TCP to 25");
	mk_deep6_out(&p, 0, EXTHDRS_MAX, 0, IPPROTO_TCP, 46008, 26);
	PASSES_OUT(&p) TH_LOG("6 headers, TCP to 26");
	/* Each refusal counted: 2 + 2 per family, 3 chains, 1 of 6. */
	EXPECT_EQ(drops + 8, stat(self, RXL_CT_STAT_EGRESS_DROP));
}

/* ---- fragments keep the overlay path of their first (rev) --------------- */

/*
 * A later fragment follows its first fragment only along the way the
 * first came. CID opens UDP to the peer through VXLAN (VNI_BOUND, the
 * remote VTEP R): the entry keeps that path, and the peer's answer
 * from any other way is judged as new (tunnel_path_in_entry). Its
 * fragmented answer's first fragment passes by the entry and is noted;
 * a later fragment of that datagram sent another way, through CID's
 * other VNI, through GENEVE, from another remote VTEP or bare on the
 * underlay, followed the note (what the entry refuses, its datagram's
 * later fragments let in: anyone who can reach a VTEP and guess a
 * 16-bit IPv4 id within 5 s fed the datagram's reassembly); now each is
 * dropped as frag_no_first, and the genuine later fragment passes. On
 * egress CID_B (egress default drop, its DNS rule) sends a first
 * fragment through VXLAN to R: its later fragment through VXLAN to R
 * follows, the same one bare or to another VTEP does not.
 */
TEST_F_TIMEOUT(ct, frag_tunnel_path, CT_CASE_TIMEOUT)
{
	__u32 vnis[4] = { rxl_cont_vni(RXL_TUN_VXLAN, VNI_BOUND),
			  rxl_cont_vni(RXL_TUN_VXLAN, VNI_OTHER),
			  rxl_cont_vni(RXL_TUN_GENEVE, VNI_BOUND),
			  rxl_cont_vni(RXL_TUN_NVGRE, VNI_BOUND) };
	static const struct { int tun; uint32_t vni; int other_vtep; } way[] = {
		{ RXL_TUN_VXLAN, VNI_OTHER, 0 },
		{ RXL_TUN_GENEVE, VNI_BOUND, 0 },
		{ RXL_TUN_VXLAN, VNI_BOUND, 1 },
	};
	struct rxl_frag_val fv;
	struct rxl_ct_val pv;
	int fam, ofam, w, n = 0;
	__u64 no_first, e_no_first;
	const char *r, *o;
	struct pkt in, p;
	uint16_t cport;

	ASSERT_EQ(0, cont_rules(&self->fw, CID_B, CONTB4, CONTB6, true,
				dns_rules));
	tunnels_setup(_metadata, self);
	ASSERT_EQ(0, rxl_fw_vni_add(&self->fw, RXL_TUN_VXLAN, VNI_OTHER));
	ASSERT_EQ(0, rxl_fw_container_bind(&self->fw, CID, vnis, 4));
	for (ofam = 4; ofam <= 6; ofam += 2)
	FAMILIES {
		r = ofam == 4 ? VTEP_R4 : VTEP_R6;
		o = ofam == 4 ? VTEP_O4 : VTEP_O6;
		cport = 47000 + n;
		mk_udp(&in, fam, OUT, cport, 53);
		wrap_via(&p, &in, RXL_TUN_VXLAN, ofam, OUT, VNI_BOUND, r);
		PASSES_OUT(&p);
		/* The answer's first fragment, the way the request went. */
		mk_udp(&in, fam, IN, cport, 53);
		frag(&in, fam, 100 + n, 1);
		wrap_via(&p, &in, RXL_TUN_VXLAN, ofam, IN, VNI_BOUND, r);
		PASSES_IN(&p) TH_LOG("outer v%d inner v%d: first", ofam, fam);
		ASSERT_EQ(0, frag_entry(self, fam, peer_addr(fam),
					cont_addr(fam, 0), IPPROTO_UDP,
					100 + n, &fv));
		memset(&pv, 0, sizeof(pv));
		pv.tun = fv.tun;
		memcpy(pv.vtep, fv.vtep, sizeof(pv.vtep));
		EXPECT_TRUE(has_path(&pv, rxl_cont_vni(RXL_TUN_VXLAN,
						       VNI_BOUND), r))
			TH_LOG("outer v%d inner v%d: the note's path", ofam,
			       fam);
		/* Its later fragment any other way: dropped. */
		mk_udp(&in, fam, IN, cport, 53);
		frag(&in, fam, 100 + n, 0);
		no_first = DROPS(RXL_DROP_FRAG_NO_FIRST);
		for (w = 0; w < 3; w++) {
			wrap_via(&p, &in, way[w].tun, ofam, IN, way[w].vni,
				 way[w].other_vtep ? o : r);
			DROPPED_IN(&p) TH_LOG("outer v%d inner v%d: later "
					      "fragment, way %d", ofam, fam, w);
		}
		DROPPED_IN(&in) TH_LOG("outer v%d inner v%d: later fragment "
				       "bare", ofam, fam);
		EXPECT_EQ(no_first + 4, DROPS(RXL_DROP_FRAG_NO_FIRST));
		/* The genuine one. */
		wrap_via(&p, &in, RXL_TUN_VXLAN, ofam, IN, VNI_BOUND, r);
		PASSES_IN(&p) TH_LOG("outer v%d inner v%d: genuine later "
				     "fragment", ofam, fam);
		/* Egress: CID_B's datagram to the peer's DNS port. */
		mk_udp_peer(&in, fam, 1, peer_addr(fam), OUT, cport, 53);
		frag(&in, fam, 200 + n, 1);
		wrap_via(&p, &in, RXL_TUN_VXLAN, ofam, OUT, VNI_BOUND, r);
		PASSES_OUT(&p) TH_LOG("outer v%d inner v%d: CID_B first",
				      ofam, fam);
		mk_udp_peer(&in, fam, 1, peer_addr(fam), OUT, cport, 53);
		frag(&in, fam, 200 + n, 0);
		e_no_first = stat(self, RXL_CT_STAT_FRAG_NO_FIRST);
		DROPPED_OUT(&in) TH_LOG("outer v%d inner v%d: CID_B later "
					"bare", ofam, fam);
		wrap_via(&p, &in, RXL_TUN_VXLAN, ofam, OUT, VNI_BOUND, o);
		DROPPED_OUT(&p) TH_LOG("outer v%d inner v%d: CID_B later to "
				       "another VTEP", ofam, fam);
		EXPECT_EQ(e_no_first + 2,
			  stat(self, RXL_CT_STAT_FRAG_NO_FIRST));
		wrap_via(&p, &in, RXL_TUN_VXLAN, ofam, OUT, VNI_BOUND, r);
		PASSES_OUT(&p) TH_LOG("outer v%d inner v%d: CID_B later, its "
				      "way", ofam, fam);
		n++;
	}
}

/*
 * An ICMP error about an ICMP error is related to nothing: only an
 * embedded echo (request or reply) names an echo entry, by its
 * identifier. CID's echo request (id 0x7777) makes an entry; a router's
 * unreachable embedding that request passes (related), the same one
 * embedding an ICMP error whose bytes 4-5 (an unused field or the MTU)
 * carry 0x7777 is dropped by the default drop: an error forged about an
 * error does not ride the echo entry (a review case: the code refused
 * it, no test sent it).
 */
TEST_F_TIMEOUT(ct, related_error_about_error, CT_CASE_TIMEOUT)
{
	static const uint8_t inner_err[2][3] = {
		{ 3, 11, 12 },		/* IPv4: unreachable, time, param */
		{ 1, 2, 3 },		/* IPv6: unreachable, too big, time */
	};
	__u64 related;
	struct pkt p;
	int fam, i;

	FAMILIES {
		mk_echo(&p, fam, OUT, 0, 0x7777);
		PASSES_OUT(&p);
		related = stat(self, RXL_CT_STAT_RELATED);
		mk_error(&p, fam, fam == 4 ? E4_UNREACH : E6_UNREACH, 0,
			 fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, 0x7777, 0);
		PASSES_IN(&p) TH_LOG("v%d: about the echo request", fam);
		EXPECT_EQ(related + 1, stat(self, RXL_CT_STAT_RELATED));
		for (i = 0; i < 3; i++) {
			mk_error(&p, fam, fam == 4 ? E4_UNREACH : E6_UNREACH,
				 0, fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6,
				 0x7777, 0);
			/* The embedded ICMP message's type, after its IP header. */
			p.b[INNER_OFF(fam) + (fam == 4 ? 20 : 40)] =
				inner_err[fam == 6][i];
			DROPPED_IN(&p) TH_LOG("v%d: about an error of type %d",
					      fam, inner_err[fam == 6][i]);
		}
		EXPECT_EQ(related + 1, stat(self, RXL_CT_STAT_RELATED));
	}
}

TEST_HARNESS_MAIN
