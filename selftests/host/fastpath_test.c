// SPDX-License-Identifier: GPL-2.0
/*
 * fastpath_test - BPF_PROG_TEST_RUN unit tests of the rxlane XDP fast path.
 *
 * Each test loads the object from its skeleton with unpinned, small maps,
 * configures it through user/fw.c and runs crafted frames through it,
 * checking the verdict, the output bytes and the counters that moved.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>

#include "kselftest_harness.h"
#include "rxlane_xdp.skel.h"
#include "fw.h"
#include "pktbuild.h"
#include "rxl_consts.h"	/* bpf/: the parse bounds under test */

#define VTEP4		"192.0.2.1"
#define VTEP6		"2001:db8::1"
#define PEER4		"198.51.100.7"
#define PEER6		"2001:db8::7"
#define CONT4		"10.1.0.2"
#define CONT6		"fd00:1::2"
#define HOST4		"10.1.0.99"	/* no container's */
#define VNI_VXLAN	100
#define VNI_GENEVE	200
#define VNI_NVGRE	300
#define CID		7

#define NO_DROP		(-1)

/* What one run of the program did. */
struct res {
	int act;
	uint8_t out[PK_MAX];
	uint32_t outlen;
	__u64 drops[RXL_DROP__MAX];	/* deltas */
	__u64 stats[RXL_STAT__MAX];
	__u64 ndrops;			/* sum of drops[] */
};

FIXTURE(fp) {
	struct rxlane_xdp *skel;
	struct rxl_fw fw;
	int prog;
};

/* The container is reached through the fixture's three VNIs. */
static const __u32 fixture_vnis[] = {
	RXL_TUN_VXLAN << 24 | VNI_VXLAN,
	RXL_TUN_GENEVE << 24 | VNI_GENEVE,
	RXL_TUN_NVGRE << 24 | VNI_NVGRE,
};

static int add_addr(struct rxl_addr *a, const char *s)
{
	return rxl_parse_addr(s, a);
}

FIXTURE_SETUP(fp)
{
	struct rxl_addr a[2];
	struct bpf_map *m;

	self->skel = rxlane_xdp__open();
	ASSERT_NE(NULL, self->skel);
	bpf_object__for_each_map(m, self->skel->obj)
		bpf_map__set_pin_path(m, NULL);
	/* Room for two sets of replace_large_set, small elsewhere. */
	bpf_map__set_max_entries(self->skel->maps.rxl_rules4, 1 << 17);
	bpf_map__set_max_entries(self->skel->maps.rxl_rules6, 1 << 14);
	bpf_map__set_max_entries(self->skel->maps.rxl_rule_cnt, 1 << 17);
	ASSERT_EQ(0, rxlane_xdp__load(self->skel));
	ASSERT_EQ(0, rxl_fw_open_obj(&self->fw, self->skel->obj));
	self->prog = bpf_program__fd(self->skel->progs.rxlane_xdp);

	ASSERT_EQ(0, add_addr(&a[0], VTEP4));
	ASSERT_EQ(0, rxl_fw_vtep_add(&self->fw, &a[0], RXL_TUN_ALL));
	ASSERT_EQ(0, add_addr(&a[0], VTEP6));
	ASSERT_EQ(0, rxl_fw_vtep_add(&self->fw, &a[0], RXL_TUN_ALL));
	ASSERT_EQ(0, rxl_fw_vni_add(&self->fw, RXL_TUN_VXLAN, VNI_VXLAN));
	ASSERT_EQ(0, rxl_fw_vni_add(&self->fw, RXL_TUN_GENEVE, VNI_GENEVE));
	ASSERT_EQ(0, rxl_fw_vni_add(&self->fw, RXL_TUN_NVGRE, VNI_NVGRE));
	ASSERT_EQ(0, add_addr(&a[0], CONT4));
	ASSERT_EQ(0, add_addr(&a[1], CONT6));
	ASSERT_EQ(0, rxl_fw_container_add(&self->fw, CID, a, 2, 0));
	ASSERT_EQ(0, rxl_fw_container_bind(&self->fw, CID, fixture_vnis, 3));
}

FIXTURE_TEARDOWN(fp)
{
	rxl_fw_close(&self->fw);
	rxlane_xdp__destroy(self->skel);
}

/* ---- helpers ------------------------------------------------------------ */

static int run_pkt(int prog, struct rxl_fw *fw, const struct pkt *p,
		   struct res *r)
{
	__u64 d0[RXL_DROP__MAX], s0[RXL_STAT__MAX];
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = p->b,
		.data_size_in = p->len,
		.data_out = r->out,
		.data_size_out = sizeof(r->out),
		.repeat = 1,
	);
	int i, err;

	if (rxl_fw_drop_counters(fw, d0) || rxl_fw_stat_counters(fw, s0))
		return -1;
	err = bpf_prog_test_run_opts(prog, &o);
	if (err)
		return err;
	r->act = o.retval;
	r->outlen = o.data_size_out;
	if (rxl_fw_drop_counters(fw, r->drops) ||
	    rxl_fw_stat_counters(fw, r->stats))
		return -1;
	r->ndrops = 0;
	for (i = 0; i < RXL_DROP__MAX; i++) {
		r->drops[i] -= d0[i];
		r->ndrops += r->drops[i];
	}
	for (i = 0; i < RXL_STAT__MAX; i++)
		r->stats[i] -= s0[i];
	return 0;
}

static const char *act_name(int act)
{
	static const char *const n[] = { "ABORTED", "DROP", "PASS", "TX",
					 "REDIRECT" };

	return act >= 0 && act < 5 ? n[act] : "?";
}

/*
 * Run @p and check the verdict; a drop must be counted exactly once under
 * @reason, a pass under no drop reason.
 */
#define CHECK_VERDICT(p, want_act, want_reason, what) do {		\
	struct res *_r = calloc(1, sizeof(*_r));			\
	int _why = (want_reason);					\
									\
	ASSERT_NE(NULL, _r);						\
	ASSERT_EQ(0, run_pkt(self->prog, &self->fw, (p), _r));		\
	EXPECT_EQ((want_act), _r->act) {				\
		TH_LOG("%s: got %s, want %s", (what),			\
		       act_name(_r->act), act_name(want_act));		\
	}								\
	if (_why >= 0) {						\
		EXPECT_EQ(1, _r->drops[_why]) {				\
			TH_LOG("%s: drop reason %s not counted",	\
			       (what), rxl_drop_name(_why));		\
		}							\
	}								\
	EXPECT_EQ(_why >= 0 ? 1 : 0, _r->ndrops) {			\
		TH_LOG("%s: %llu drops counted", (what),		\
		       (unsigned long long)_r->ndrops);			\
	}								\
	free(_r);							\
} while (0)

static void add_l4(struct pkt *p, int fam, uint8_t proto, uint16_t dport)
{
	switch (proto) {
	case IPPROTO_TCP:
		pk_tcp(p, 40000, dport);
		break;
	case IPPROTO_UDP:
		pk_udp(p, 40000, dport, RXL_DROP_L4_TRUNC);
		break;
	default:
		pk_icmp(p, fam == 4 ? 8 : 128);	/* echo request */
		break;
	}
	pk_payload(p, 18);
}

static uint8_t l4_proto(int fam, uint8_t proto)
{
	if (proto == IPPROTO_ICMP && fam == 6)
		return IPPROTO_ICMPV6;
	return proto;
}

/* A frame to @dst from @src, without tunnel. */
static void mk_plain(struct pkt *p, int fam, const char *src, const char *dst,
		     uint8_t proto, uint16_t dport)
{
	pk_init(p);
	if (fam == 4) {
		pk_eth(p, ETH_P_IP, 0);
		pk_ip4(p, src, dst, l4_proto(fam, proto));
	} else {
		pk_eth(p, ETH_P_IPV6, 0);
		pk_ip6(p, src, dst, l4_proto(fam, proto));
	}
	add_l4(p, fam, proto, dport);
	pk_finish(p);
}

/* Outer headers of a tunnel packet to our VTEP, up to the inner frame. */
static void mk_outer(struct pkt *p, int type, int ofam, uint32_t vni)
{
	uint8_t proto = type == RXL_TUN_NVGRE ? IPPROTO_GRE : IPPROTO_UDP;

	pk_init(p);
	if (ofam == 4) {
		pk_eth(p, ETH_P_IP, 0);
		pk_ip4(p, PEER4, VTEP4, proto);
	} else {
		pk_eth(p, ETH_P_IPV6, 0);
		pk_ip6(p, PEER6, VTEP6, proto);
	}
	switch (type) {
	case RXL_TUN_VXLAN:
		pk_udp(p, 51000, RXL_VXLAN_PORT, RXL_DROP_L4_TRUNC);
		pk_vxlan(p, vni);
		break;
	case RXL_TUN_GENEVE:
		pk_udp(p, 51000, RXL_GENEVE_PORT, RXL_DROP_L4_TRUNC);
		pk_geneve(p, vni, 2);
		break;
	default:
		pk_nvgre(p, vni, 0, 0);
		break;
	}
}

static uint32_t vni_of(int type)
{
	return type == RXL_TUN_VXLAN ? VNI_VXLAN :
	       type == RXL_TUN_GENEVE ? VNI_GENEVE : VNI_NVGRE;
}

static void mk_tunnel(struct pkt *p, int type, int ofam, int ifam,
		      uint32_t vni, const char *src, uint8_t proto,
		      uint16_t dport)
{
	mk_outer(p, type, ofam, vni);
	if (ifam == 4) {
		pk_eth(p, ETH_P_IP, 1);
		pk_ip4(p, src, CONT4, l4_proto(ifam, proto));
	} else {
		pk_eth(p, ETH_P_IPV6, 1);
		pk_ip6(p, src, CONT6, l4_proto(ifam, proto));
	}
	add_l4(p, ifam, proto, dport);
	pk_finish(p);
}

static int set_rules(struct rxl_fw *fw, __u32 id, bool default_drop,
		     const char *const *text, unsigned int n)
{
	struct rxl_rule r[32];
	char err[128];
	unsigned int i;

	for (i = 0; i < n; i++)
		if (rxl_parse_rule(text[i], &r[i], err, sizeof(err))) {
			fprintf(stderr, "bad rule '%s': %s\n", text[i], err);
			return -EINVAL;
		}
	if (rxl_fw_rules_replace(fw, id, r, n, default_drop)) {
		fprintf(stderr, "replace: %s\n", rxl_fw_error(fw));
		return -1;
	}
	return 0;
}

#define SET_RULES(dflt, ...) do {					\
	static const char *const _t[] = { __VA_ARGS__ };		\
	ASSERT_EQ(0, set_rules(&self->fw, CID, (dflt), _t,		\
			       sizeof(_t) / sizeof(_t[0])));		\
} while (0)

static __u64 rule_hits(struct rxl_fw *fw, __u32 rank)
{
	struct rxl_counter c = {};

	if (rxl_fw_rule_counter(fw, CID, rank, &c))
		return ~0ULL;
	return c.packets;
}

/* ---- decap matrix ------------------------------------------------------- */

static const char *const tun_name[] = { "", "vxlan", "geneve", "nvgre" };

/* Every decap type x outer IPv4/IPv6 x inner IPv4/IPv6. */
TEST_F(fp, decap_matrix)
{
	int type, ofam, ifam;

	SET_RULES(true, "prio 10 proto tcp dport 80 allow");
	for (type = RXL_TUN_VXLAN; type <= RXL_TUN_NVGRE; type++)
	for (ofam = 4; ofam <= 6; ofam += 2)
	for (ifam = 4; ifam <= 6; ifam += 2) {
		const char *src = ifam == 4 ? "10.5.0.1" : "fd00:5::1";
		struct pkt *p = calloc(1, sizeof(*p));
		struct res *r = calloc(1, sizeof(*r));
		char what[64];
		__u64 hits = rule_hits(&self->fw, 0);

		ASSERT_NE(NULL, p);
		ASSERT_NE(NULL, r);
		snprintf(what, sizeof(what), "%s outer v%d inner v%d",
			 tun_name[type], ofam, ifam);

		/* Known VNI, allowed port: the inner frame, exactly. */
		mk_tunnel(p, type, ofam, ifam, vni_of(type), src,
			  IPPROTO_TCP, 80);
		ASSERT_EQ(0, run_pkt(self->prog, &self->fw, p, r));
		EXPECT_EQ(XDP_PASS, r->act) TH_LOG("%s", what);
		EXPECT_EQ(p->len - p->inner, r->outlen) TH_LOG("%s", what);
		EXPECT_EQ(0, memcmp(r->out, p->b + p->inner,
				    p->len - p->inner)) TH_LOG("%s", what);
		EXPECT_EQ(1, r->stats[RXL_STAT_DECAP_VXLAN + type -
				      RXL_TUN_VXLAN]) TH_LOG("%s", what);
		EXPECT_EQ(hits + 1, rule_hits(&self->fw, 0)) TH_LOG("%s", what);

		/* Refused port: default policy drop. */
		mk_tunnel(p, type, ofam, ifam, vni_of(type), src,
			  IPPROTO_TCP, 81);
		CHECK_VERDICT(p, XDP_DROP, RXL_DROP_DEFAULT, what);

		/* Unknown VNI to our VTEP. */
		mk_tunnel(p, type, ofam, ifam, vni_of(type) + 1, src,
			  IPPROTO_TCP, 80);
		CHECK_VERDICT(p, XDP_DROP, RXL_DROP_UNKNOWN_VNI, what);
		free(p);
		free(r);
	}
}

/* A tunnel packet not to our VTEP is not ours: untouched. */
TEST_F(fp, tunnel_to_other_address_untouched)
{
	struct pkt p;
	struct res r;

	mk_tunnel(&p, RXL_TUN_VXLAN, 4, 4, VNI_VXLAN, "10.5.0.1",
		  IPPROTO_TCP, 80);
	inet_pton(AF_INET, "192.0.2.99", p.b + 14 + 16);
	pk_finish(&p);
	ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
	EXPECT_EQ(XDP_PASS, r.act);
	EXPECT_EQ(p.len, r.outlen);
	EXPECT_EQ(0, memcmp(r.out, p.b, p.len));
	EXPECT_EQ(1, r.stats[RXL_STAT_PASS_HOST]);
}

/* UDP to the VTEP on another port, GRE that is not NVGRE: host traffic. */
TEST_F(fp, vtep_non_tunnel_traffic_untouched)
{
	struct pkt p;
	struct res r;

	pk_init(&p);
	pk_eth(&p, ETH_P_IP, 0);
	pk_ip4(&p, PEER4, VTEP4, IPPROTO_UDP);
	pk_udp(&p, 5353, 53, -1);
	pk_payload(&p, 30);
	pk_finish(&p);
	ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
	EXPECT_EQ(XDP_PASS, r.act);
	EXPECT_EQ(p.len, r.outlen);
	EXPECT_EQ(1, r.stats[RXL_STAT_PASS_HOST]);

	pk_init(&p);
	pk_eth(&p, ETH_P_IP, 0);
	pk_ip4(&p, PEER4, VTEP4, IPPROTO_GRE);
	pk_payload(&p, 4);
	p.b[p.len - 4] = 0;
	p.b[p.len - 3] = 0;
	p.b[p.len - 2] = 0x08;	/* GRE carrying IPv4 */
	p.b[p.len - 1] = 0x00;
	pk_payload(&p, 20);
	pk_finish(&p);
	ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
	EXPECT_EQ(XDP_PASS, r.act);
	EXPECT_EQ(p.len, r.outlen);
	EXPECT_EQ(0, r.ndrops);
}

/* A VTEP that accepts only VXLAN refuses GENEVE. */
TEST_F(fp, vtep_tunnel_type_mask)
{
	struct rxl_addr a;
	struct pkt p;

	ASSERT_EQ(0, add_addr(&a, VTEP4));
	ASSERT_EQ(0, rxl_fw_vtep_add(&self->fw, &a,
				     RXL_TUN_BIT(RXL_TUN_VXLAN)));
	mk_tunnel(&p, RXL_TUN_GENEVE, 4, 4, VNI_GENEVE, "10.5.0.1",
		  IPPROTO_TCP, 80);
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_TUNNEL_TYPE, "geneve");
	mk_tunnel(&p, RXL_TUN_VXLAN, 4, 4, VNI_VXLAN, "10.5.0.1",
		  IPPROTO_TCP, 80);
	CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "vxlan");
}

/* Configurable VXLAN and GENEVE ports. */
TEST_F(fp, configured_ports)
{
	struct pkt p;
	struct res r;

	ASSERT_EQ(0, rxl_fw_set_config(&self->fw, 8472, 0, 0));
	mk_tunnel(&p, RXL_TUN_VXLAN, 4, 4, VNI_VXLAN, "10.5.0.1",
		  IPPROTO_TCP, 80);
	/* 4789 is no longer VXLAN: plain UDP to the host, untouched. */
	ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
	EXPECT_EQ(XDP_PASS, r.act);
	EXPECT_EQ(p.len, r.outlen);
	EXPECT_EQ(1, r.stats[RXL_STAT_PASS_HOST]);
	p.b[14 + 20 + 2] = 8472 >> 8;
	p.b[14 + 20 + 3] = 8472 & 0xff;
	ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
	EXPECT_EQ(XDP_PASS, r.act);
	EXPECT_EQ(p.len - p.inner, r.outlen);
	EXPECT_EQ(1, r.stats[RXL_STAT_DECAP_VXLAN]);
	EXPECT_NE(0, rxl_fw_set_config(&self->fw, 6081, 6081, 0));
	EXPECT_NE(NULL, strstr(rxl_fw_error(&self->fw), "share"));
}

/* NVGRE with the optional checksum and sequence fields. */
TEST_F(fp, nvgre_optional_fields)
{
	struct pkt p;
	struct res r;
	int csum, seq;

	for (csum = 0; csum <= 1; csum++)
	for (seq = 0; seq <= 1; seq++) {
		pk_init(&p);
		pk_eth(&p, ETH_P_IP, 0);
		pk_ip4(&p, PEER4, VTEP4, IPPROTO_GRE);
		pk_nvgre(&p, VNI_NVGRE, csum, seq);
		pk_eth(&p, ETH_P_IP, 1);
		pk_ip4(&p, "10.5.0.1", CONT4, IPPROTO_TCP);
		add_l4(&p, 4, IPPROTO_TCP, 80);
		pk_finish(&p);
		ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
		EXPECT_EQ(XDP_PASS, r.act);
		EXPECT_EQ(p.len - p.inner, r.outlen);
		EXPECT_EQ(0, memcmp(r.out, p.b + p.inner, r.outlen));
	}
}

/* Ethernet padding after the outer IP packet is not part of the inner. */
TEST_F(fp, decap_trims_padding)
{
	struct pkt p;
	struct res r;
	size_t inner_len;

	mk_tunnel(&p, RXL_TUN_VXLAN, 4, 4, VNI_VXLAN, "10.5.0.1",
		  IPPROTO_TCP, 80);
	inner_len = p.len - p.inner;
	memset(p.b + p.len, 0xee, 10);
	p.len += 10;	/* not finished: the IP length stays */
	ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
	EXPECT_EQ(XDP_PASS, r.act);
	EXPECT_EQ(inner_len, r.outlen);
	EXPECT_EQ(0, memcmp(r.out, p.b + p.inner, inner_len));
}

/* ---- configuration changes ---------------------------------------------- */

static void mk_vxlan_to(struct pkt *p, const char *vtep)
{
	mk_tunnel(p, RXL_TUN_VXLAN, 4, 4, VNI_VXLAN, "10.5.0.1", IPPROTO_TCP,
		  80);
	inet_pton(AF_INET, vtep, p->b + 14 + 16);
	pk_finish(p);
}

/* Deleting a VTEP keeps the others; a deleted one is plain host traffic. */
TEST_F(fp, vtep_delete_keeps_others)
{
	struct rxl_addr a;
	struct pkt p;
	struct res r;
	char ip[32];
	int i;

	ASSERT_EQ(0, add_addr(&a, "192.0.2.2"));
	ASSERT_EQ(0, rxl_fw_vtep_add(&self->fw, &a, RXL_TUN_ALL));
	ASSERT_EQ(0, add_addr(&a, "192.0.2.3"));
	ASSERT_EQ(0, rxl_fw_vtep_add(&self->fw, &a, RXL_TUN_ALL));
	ASSERT_EQ(0, add_addr(&a, "192.0.2.2"));
	ASSERT_EQ(0, rxl_fw_vtep_del(&self->fw, &a));
	EXPECT_EQ(-ENOENT, rxl_fw_vtep_del(&self->fw, &a));

	mk_vxlan_to(&p, "192.0.2.2");
	ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
	EXPECT_EQ(XDP_PASS, r.act);
	EXPECT_EQ(p.len, r.outlen);	/* not decapped */
	EXPECT_EQ(1, r.stats[RXL_STAT_PASS_HOST]);
	mk_vxlan_to(&p, "192.0.2.3");
	ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
	EXPECT_EQ(1, r.stats[RXL_STAT_DECAP_VXLAN]) TH_LOG("moved VTEP");
	mk_vxlan_to(&p, VTEP4);
	ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
	EXPECT_EQ(1, r.stats[RXL_STAT_DECAP_VXLAN]) TH_LOG("first VTEP");

	/* 16 slots: VTEP4, VTEP6, .3 and 13 more; the 17th is refused. */
	for (i = 0; i < RXL_MAX_VTEPS - 3; i++) {
		snprintf(ip, sizeof(ip), "192.0.2.%d", 10 + i);
		ASSERT_EQ(0, add_addr(&a, ip));
		ASSERT_EQ(0, rxl_fw_vtep_add(&self->fw, &a, RXL_TUN_ALL));
	}
	ASSERT_EQ(0, add_addr(&a, "192.0.2.99"));
	EXPECT_EQ(-ENOSPC, rxl_fw_vtep_add(&self->fw, &a, RXL_TUN_ALL));
	/* The last slot works like the first. */
	snprintf(ip, sizeof(ip), "192.0.2.%d", 10 + RXL_MAX_VTEPS - 4);
	mk_vxlan_to(&p, ip);
	ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
	EXPECT_EQ(1, r.stats[RXL_STAT_DECAP_VXLAN]) TH_LOG("last slot");
}

TEST_F(fp, vni_delete)
{
	struct pkt p;

	mk_tunnel(&p, RXL_TUN_VXLAN, 4, 4, VNI_VXLAN, "10.5.0.1",
		  IPPROTO_TCP, 80);
	CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "known");
	ASSERT_EQ(0, rxl_fw_vni_del(&self->fw, RXL_TUN_VXLAN, VNI_VXLAN));
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_UNKNOWN_VNI, "deleted");
	EXPECT_EQ(-ENOENT, rxl_fw_vni_del(&self->fw, RXL_TUN_VXLAN,
					  VNI_VXLAN));
	/* The same number under another tunnel type is another VNI. */
	mk_tunnel(&p, RXL_TUN_GENEVE, 4, 4, VNI_VXLAN, "10.5.0.1",
		  IPPROTO_TCP, 80);
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_UNKNOWN_VNI, "geneve 100");
}

static unsigned int count_keys(int fd, size_t ksz)
{
	__u8 k[32], next[32];
	void *prev = NULL;
	unsigned int n = 0;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(k, next, ksz);
		prev = k;
		n++;
	}
	return n;
}

/* A deleted container takes its addresses and its rule keys along. */
TEST_F(fp, container_delete)
{
	struct rxl_addr a[2];
	struct pkt p;
	struct res r;

	SET_RULES(true, "prio 1 from 10.9.0.0/16 proto tcp dport 22 allow",
		  "prio 2 from fd00:9::/32 allow");
	EXPECT_EQ(1, count_keys(self->fw.rules4,
				sizeof(struct rxl_rule4_key)));
	EXPECT_EQ(1, count_keys(self->fw.rules6,
				sizeof(struct rxl_rule6_key)));
	/* A replacement leaves only the new set's keys. */
	SET_RULES(true, "prio 1 from 10.9.0.0/16 proto tcp dport 22 allow",
		  "prio 2 from 10.8.0.0/16 allow");
	EXPECT_EQ(2, count_keys(self->fw.rules4,
				sizeof(struct rxl_rule4_key)));
	EXPECT_EQ(0, count_keys(self->fw.rules6,
				sizeof(struct rxl_rule6_key)));
	mk_plain(&p, 4, "10.7.0.1", CONT4, IPPROTO_TCP, 80);
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_DEFAULT, "before");
	ASSERT_EQ(0, rxl_fw_container_del(&self->fw, CID));
	EXPECT_EQ(-ENOENT, rxl_fw_container_del(&self->fw, CID));
	EXPECT_EQ(0, count_keys(self->fw.rules4,
				sizeof(struct rxl_rule4_key)));
	EXPECT_EQ(0, count_keys(self->fw.addrs4, 4));
	EXPECT_EQ(0, count_keys(self->fw.addrs6, 16));
	ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
	EXPECT_EQ(XDP_PASS, r.act);
	EXPECT_EQ(1, r.stats[RXL_STAT_PASS_HOST]);
	/* The id and the addresses can be used again. */
	ASSERT_EQ(0, add_addr(&a[0], CONT4));
	ASSERT_EQ(0, add_addr(&a[1], CONT6));
	ASSERT_EQ(0, rxl_fw_container_add(&self->fw, CID, a, 2, 0));
	CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "re-added, default allow");
}

/*
 * A set of several insert batches (RXL_BATCH, 8192 keys) is all there and
 * judged; replaced, it leaves no key behind (the walk reads RXL_BATCH keys
 * a call), nor does deleting the container.
 */
TEST_F(fp, replace_large_set)
{
	const unsigned int n = 40000;
	char src[32];
	struct pkt p;
	struct rxl_rule *r = calloc(n, sizeof(*r));
	unsigned int i;

	ASSERT_NE(NULL, r);
	for (i = 0; i < n; i++) {
		r[i].prio = 1;
		r[i].family = AF_INET;
		r[i].src[0] = 10;
		r[i].src[1] = i >> 16;
		r[i].src[2] = i >> 8;
		r[i].src[3] = i;
		r[i].plen = 32;
		r[i].proto = IPPROTO_TCP;
		r[i].dport_lo = 80;
		r[i].dport_hi = 80;
	}
	ASSERT_EQ(0, rxl_fw_rules_replace(&self->fw, CID, r, n, true));
	EXPECT_EQ(n, count_keys(self->fw.rules4,
				sizeof(struct rxl_rule4_key)));
	/* The first and the last key of the set are both live. */
	for (i = 0; i < n; i += n - 1) {
		snprintf(src, sizeof(src), "10.%u.%u.%u", (i >> 16) & 255,
			 (i >> 8) & 255, i & 255);
		mk_plain(&p, 4, src, CONT4, IPPROTO_TCP, 80);
		CHECK_VERDICT(&p, XDP_PASS, NO_DROP, src);
		mk_plain(&p, 4, src, CONT4, IPPROTO_TCP, 81);
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_DEFAULT, src);
	}
	ASSERT_EQ(0, rxl_fw_rules_replace(&self->fw, CID, r, 1, true));
	EXPECT_EQ(1, count_keys(self->fw.rules4,
				sizeof(struct rxl_rule4_key)));
	ASSERT_EQ(0, rxl_fw_rules_replace(&self->fw, CID, r, n, true));
	EXPECT_EQ(n, count_keys(self->fw.rules4,
				sizeof(struct rxl_rule4_key)));
	ASSERT_EQ(0, rxl_fw_container_del(&self->fw, CID));
	EXPECT_EQ(0, count_keys(self->fw.rules4,
				sizeof(struct rxl_rule4_key)));
	free(r);
}

/* The maps pinned in a bpffs are found by path. */
TEST_F(fp, open_pinned)
{
	char dir[] = "/tmp/rxl-fp-pins.XXXXXX";
	struct bpf_map *m;
	struct rxl_fw pf;
	struct pkt p;
	int pinned = 0;

	ASSERT_NE(NULL, mkdtemp(dir));
	if (mount("bpf", dir, "bpf", 0, NULL)) {
		rmdir(dir);
		SKIP(return, "cannot mount bpffs: %s", strerror(errno));
	}
	bpf_object__for_each_map(m, self->skel->obj) {
		char path[96];

		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(m));
		if (!bpf_map__pin(m, path))
			pinned++;
	}
	EXPECT_EQ(0, rxl_fw_open_pinned(&pf, dir)) {
		TH_LOG("%s", rxl_fw_error(&pf));
	}
	mk_tunnel(&p, RXL_TUN_NVGRE, 4, 4, 4242, "10.5.0.1", IPPROTO_TCP, 80);
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_UNKNOWN_VNI, "before");
	EXPECT_EQ(0, rxl_fw_vni_add(&pf, RXL_TUN_NVGRE, 4242));
	/* Decapped now; the container is not bound to VSID 4242. */
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_VNI_NOT_BOUND,
		      "added through the pins");
	rxl_fw_close(&pf);
	EXPECT_NE(0, rxl_fw_open_pinned(&pf, "/nonexistent"));
	EXPECT_NE(NULL, strstr(rxl_fw_error(&pf), "/nonexistent"));
	bpf_object__for_each_map(m, self->skel->obj)
		bpf_map__unpin(m, NULL);
	umount(dir);
	rmdir(dir);
	EXPECT_LT(0, pinned);
}

/* ---- rules -------------------------------------------------------------- */

struct rule_case {
	const char *name;
	int fam;
	const char *src;
	uint8_t proto;
	uint16_t dport;
	int act;
	int rank;	/* rule expected to judge, -1: default policy */
};

/*
 * Ranks: prio 5 -> 0, 10 -> 1, 20 -> 2, 30 -> 3, 40 -> 4, 50 -> 5,
 * 60 -> 6, 70 -> 7.
 */
static const char *const field_rules[] = {
	"prio 10 from 10.9.0.0/16 proto tcp dport 22 drop",
	"prio 20 from 10.9.0.0/16 proto tcp dport 1-1024 allow",
	"prio 30 from 10.0.0.0/8 proto udp dport 53 allow",
	"prio 40 proto icmp allow",
	"prio 50 from 10.8.1.7/32 allow",
	"prio 60 from fd00:9::/32 proto tcp dport 443 allow",
	"prio 5 from 10.9.9.0/24 proto any dport 5000-6000 drop",
	"prio 70 from 10.9.9.0/24 proto tcp dport 5000-5100 allow",
};

static const struct rule_case field_cases[] = {
	{ "port hit drop", 4, "10.9.1.1", IPPROTO_TCP, 22, XDP_DROP, 1 },
	{ "range low end", 4, "10.9.1.1", IPPROTO_TCP, 1, XDP_PASS, 2 },
	{ "range inside", 4, "10.9.1.1", IPPROTO_TCP, 80, XDP_PASS, 2 },
	{ "range high end", 4, "10.9.1.1", IPPROTO_TCP, 1024, XDP_PASS, 2 },
	{ "range one past", 4, "10.9.1.1", IPPROTO_TCP, 1025, XDP_DROP, -1 },
	{ "port 0 outside", 4, "10.9.1.1", IPPROTO_TCP, 0, XDP_DROP, -1 },
	{ "proto mismatch", 4, "10.9.1.1", IPPROTO_UDP, 80, XDP_DROP, -1 },
	{ "udp hit", 4, "10.200.1.1", IPPROTO_UDP, 53, XDP_PASS, 3 },
	{ "udp port miss", 4, "10.200.1.1", IPPROTO_UDP, 54, XDP_DROP, -1 },
	{ "prefix miss", 4, "11.0.0.1", IPPROTO_UDP, 53, XDP_DROP, -1 },
	{ "prefix edge", 4, "10.255.255.255", IPPROTO_UDP, 53, XDP_PASS, 3 },
	{ "icmp any src v4", 4, "203.0.113.9", IPPROTO_ICMP, 0, XDP_PASS, 4 },
	{ "icmp any src v6", 6, "2001:db8:77::1", IPPROTO_ICMP, 0,
	  XDP_PASS, 4 },
	{ "host /32 any proto", 4, "10.8.1.7", IPPROTO_TCP, 9999,
	  XDP_PASS, 5 },
	{ "host /32 udp", 4, "10.8.1.7", IPPROTO_UDP, 7, XDP_PASS, 5 },
	{ "host /32 neighbour", 4, "10.8.1.8", IPPROTO_TCP, 9999,
	  XDP_DROP, -1 },
	{ "v6 prefix hit", 6, "fd00:9:1::1", IPPROTO_TCP, 443, XDP_PASS, 6 },
	{ "v6 port miss", 6, "fd00:9:1::1", IPPROTO_TCP, 444, XDP_DROP, -1 },
	{ "v6 prefix miss", 6, "fd00:a::1", IPPROTO_TCP, 443, XDP_DROP, -1 },
	{ "v4 rule not v6", 6, "::ffff:10.9.1.1", IPPROTO_TCP, 22,
	  XDP_DROP, -1 },
	{ "prio beats overlap", 4, "10.9.9.5", IPPROTO_TCP, 5050,
	  XDP_DROP, 0 },
	{ "any proto range udp", 4, "10.9.9.5", IPPROTO_UDP, 6000,
	  XDP_DROP, 0 },
	{ "any proto range out", 4, "10.9.9.5", IPPROTO_UDP, 6001,
	  XDP_DROP, -1 },
	{ "ranged any-proto rule skips icmp", 4, "10.9.9.5", IPPROTO_ICMP, 0,
	  XDP_PASS, 4 },
};

static void run_rule_cases(struct __test_metadata *_metadata,
			   FIXTURE_DATA(fp) *self,
			   const struct rule_case *c, size_t n, int tunnel)
{
	size_t i;

	for (i = 0; i < n; i++, c++) {
		struct rxl_cont_counter cc0, cc1;
		struct pkt p;
		struct res r;
		__u64 h0 = c->rank >= 0 ? rule_hits(&self->fw, c->rank) : 0;

		if (tunnel)
			mk_tunnel(&p, RXL_TUN_VXLAN, 4, c->fam, VNI_VXLAN,
				  c->src, c->proto, c->dport);
		else
			mk_plain(&p, c->fam, c->src,
				 c->fam == 4 ? CONT4 : CONT6, c->proto,
				 c->dport);
		ASSERT_EQ(0, rxl_fw_container_counter(&self->fw, CID, &cc0));
		ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
		ASSERT_EQ(0, rxl_fw_container_counter(&self->fw, CID, &cc1));
		EXPECT_EQ(c->act, r.act) TH_LOG("%s", c->name);
		if (c->rank >= 0) {
			EXPECT_EQ(h0 + 1, rule_hits(&self->fw, c->rank))
				TH_LOG("%s: rule rank %d", c->name, c->rank);
			if (c->act == XDP_DROP)
				EXPECT_EQ(1, r.drops[RXL_DROP_RULE])
					TH_LOG("%s", c->name);
		} else if (c->act == XDP_DROP) {
			EXPECT_EQ(1, r.drops[RXL_DROP_DEFAULT])
				TH_LOG("%s", c->name);
		}
		EXPECT_EQ(c->act == XDP_DROP ? 1 : 0, r.ndrops)
			TH_LOG("%s", c->name);
		/*
		 * Container counters: packets and bytes of the frame judged
		 * (the inner frame of a tunnel packet). A passed frame leaves
		 * decapped; a dropped one is never moved.
		 */
		if (c->act == XDP_DROP) {
			EXPECT_EQ(cc0.drop.packets + 1, cc1.drop.packets)
				TH_LOG("%s", c->name);
			EXPECT_EQ(cc0.drop.bytes + p.len - p.inner,
				  cc1.drop.bytes) TH_LOG("%s", c->name);
		} else {
			EXPECT_EQ(p.len - p.inner, r.outlen)
				TH_LOG("%s", c->name);
			EXPECT_EQ(cc0.pass.packets + 1, cc1.pass.packets)
				TH_LOG("%s", c->name);
			EXPECT_EQ(cc0.pass.bytes + p.len - p.inner,
				  cc1.pass.bytes) TH_LOG("%s", c->name);
		}
	}
}

TEST_F(fp, rule_fields_plain)
{
	ASSERT_EQ(0, set_rules(&self->fw, CID, true, field_rules,
			       sizeof(field_rules) / sizeof(field_rules[0])));
	run_rule_cases(_metadata, self, field_cases,
		       sizeof(field_cases) / sizeof(field_cases[0]), 0);
}

TEST_F(fp, rule_fields_vxlan)
{
	ASSERT_EQ(0, set_rules(&self->fw, CID, true, field_rules,
			       sizeof(field_rules) / sizeof(field_rules[0])));
	run_rule_cases(_metadata, self, field_cases,
		       sizeof(field_cases) / sizeof(field_cases[0]), 1);
}

/* The lower priority number wins; equal priorities: list order. */
TEST_F(fp, priorities)
{
	struct pkt p;

	mk_plain(&p, 4, "10.9.1.1", CONT4, IPPROTO_TCP, 22);
	SET_RULES(false, "prio 1 proto tcp dport 22 drop",
		  "prio 2 from 10.9.1.1/32 allow");
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_RULE, "drop first");
	SET_RULES(true, "prio 2 proto tcp dport 22 drop",
		  "prio 1 from 10.9.1.1/32 allow");
	CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "allow first");
	SET_RULES(true, "prio 3 from 10.9.1.1/32 allow",
		  "prio 3 proto tcp dport 22 drop");
	CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "tie: first listed");
	EXPECT_EQ(1, rule_hits(&self->fw, 0));
	EXPECT_EQ(0, rule_hits(&self->fw, 1));
	SET_RULES(true, "prio 3 proto tcp dport 22 drop",
		  "prio 3 from 10.9.1.1/32 allow");
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_RULE, "tie: first listed drop");
}

TEST_F(fp, default_policies)
{
	struct pkt p;

	mk_plain(&p, 6, "fd00:7::1", CONT6, IPPROTO_UDP, 9);
	SET_RULES(false);
	CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "default allow");
	SET_RULES(true);
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_DEFAULT, "default drop");
	SET_RULES(false, "prio 1 proto udp dport 9 drop");
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_RULE, "explicit drop");
}

/* ARP and neighbour discovery are never dropped, even by policy. */
TEST_F(fp, arp_and_nd_never_dropped)
{
	struct pkt p;
	struct res r;
	int type;

	SET_RULES(true, "prio 1 proto icmp drop");
	pk_init(&p);
	pk_eth(&p, ETH_P_ARP, 0);
	pk_payload(&p, 28);
	ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
	EXPECT_EQ(XDP_PASS, r.act);
	EXPECT_EQ(1, r.stats[RXL_STAT_PASS_NON_IP]);

	mk_tunnel(&p, RXL_TUN_VXLAN, 4, 4, VNI_VXLAN, "10.5.0.1",
		  IPPROTO_TCP, 80);
	p.b[p.inner + 12] = ETH_P_ARP >> 8;
	p.b[p.inner + 13] = ETH_P_ARP & 0xff;
	/* A tunnelled frame reaches a container or nothing (tunnel_test). */
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_TUNNEL_NO_CONTAINER, "inner ARP");

	for (type = 133; type <= 137; type++) {
		pk_init(&p);
		pk_eth(&p, ETH_P_IPV6, 0);
		pk_ip6(&p, "fe80::1", CONT6, IPPROTO_ICMPV6);
		pk_icmp(&p, type);
		pk_payload(&p, 16);
		p.b[ETH_HLEN + 7] = 255;	/* hop limit (RFC 4861) */
		pk_finish(&p);
		ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
		EXPECT_EQ(XDP_PASS, r.act) TH_LOG("ND type %d", type);
		EXPECT_EQ(1, r.stats[RXL_STAT_PASS_ND]);
	}
	/* Echo request is ICMPv6 but not ND: the rule drops it. */
	mk_plain(&p, 6, "fe80::1", CONT6, IPPROTO_ICMP, 0);
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_RULE, "echo");
}

/* Traffic to no container: passed, or dropped when configured. */
TEST_F(fp, no_container)
{
	struct pkt p;
	struct res r;

	mk_plain(&p, 4, "10.9.1.1", HOST4, IPPROTO_TCP, 22);
	ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
	EXPECT_EQ(XDP_PASS, r.act);
	EXPECT_EQ(p.len, r.outlen);
	EXPECT_EQ(0, memcmp(p.b, r.out, p.len));
	EXPECT_EQ(1, r.stats[RXL_STAT_PASS_HOST]);
	ASSERT_EQ(0, rxl_fw_set_config(&self->fw, 0, 0,
				       RXL_CFG_NO_CONTAINER_DROP));
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_NO_CONTAINER, "configured");
}

/* The program with rxl_deliver_redirect set, sharing @skel's maps. */
static struct rxlane_xdp *load_redirecting(struct rxlane_xdp *skel)
{
	struct rxlane_xdp *r = rxlane_xdp__open();
	struct bpf_map *m;

	if (!r)
		return NULL;
	r->rodata->rxl_deliver_redirect = 1;
	bpf_object__for_each_map(m, r->obj) {
		struct bpf_map *own;

		/* libbpf would take (or make) pins in /sys/fs/bpf instead. */
		bpf_map__set_pin_path(m, NULL);
		if (bpf_map__is_internal(m))
			continue;
		own = bpf_object__find_map_by_name(skel->obj,
						   bpf_map__name(m));
		if (!own || bpf_map__reuse_fd(m, bpf_map__fd(own)))
			goto err;
	}
	if (rxlane_xdp__load(r))
		goto err;
	return r;
err:
	rxlane_xdp__destroy(r);
	return NULL;
}

/*
 * A container with a device: passed to the stack by a program loaded
 * as it comes, redirected through the devmap by one loaded with
 * rxl_deliver_redirect set (rxlane attach DEV redirect).
 */
TEST_F(fp, redirect)
{
	struct rxlane_xdp *red;
	struct rxl_addr a;
	struct pkt p;
	struct res r;

	ASSERT_EQ(0, add_addr(&a, "10.1.0.3"));
	ASSERT_EQ(0, rxl_fw_container_add(&self->fw, 9, &a, 1, 1 /* lo */));
	mk_plain(&p, 4, "10.9.1.1", "10.1.0.3", IPPROTO_TCP, 22);
	ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
	EXPECT_EQ(XDP_PASS, r.act);
	EXPECT_EQ(0, r.stats[RXL_STAT_REDIRECT]);
	EXPECT_EQ(1, self->skel->rodata->rxl_deliver_redirect == 0);

	red = load_redirecting(self->skel);
	ASSERT_NE(NULL, red);
	ASSERT_EQ(0, run_pkt(bpf_program__fd(red->progs.rxlane_xdp),
			     &self->fw, &p, &r));
	EXPECT_EQ(XDP_REDIRECT, r.act);
	EXPECT_EQ(1, r.stats[RXL_STAT_REDIRECT]);
	/* A container without a device is passed by both. */
	mk_plain(&p, 4, "10.9.1.1", CONT4, IPPROTO_TCP, 22);
	ASSERT_EQ(0, run_pkt(bpf_program__fd(red->progs.rxlane_xdp),
			     &self->fw, &p, &r));
	EXPECT_EQ(XDP_PASS, r.act);
	EXPECT_EQ(0, r.stats[RXL_STAT_REDIRECT]);
	rxlane_xdp__destroy(red);
}

TEST_F(fp, counters_per_container_and_reason)
{
	struct rxl_cont_counter cc;
	struct pkt p;
	int i;

	SET_RULES(true, "prio 1 proto tcp dport 80 allow");
	mk_plain(&p, 4, "10.9.1.1", CONT4, IPPROTO_TCP, 80);
	for (i = 0; i < 3; i++)
		CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "allowed");
	mk_plain(&p, 4, "10.9.1.1", CONT4, IPPROTO_TCP, 81);
	for (i = 0; i < 2; i++)
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_DEFAULT, "refused");
	ASSERT_EQ(0, rxl_fw_container_counter(&self->fw, CID, &cc));
	EXPECT_EQ(3, cc.pass.packets);
	EXPECT_EQ(3 * p.len, cc.pass.bytes);
	EXPECT_EQ(2, cc.drop.packets);
	EXPECT_EQ(2 * p.len, cc.drop.bytes);
	EXPECT_EQ(3, rule_hits(&self->fw, 0));
	/* A new set starts its rule counters at zero. */
	SET_RULES(true, "prio 1 proto tcp dport 80 allow");
	EXPECT_EQ(0, rule_hits(&self->fw, 0));
}

/* ---- configuration errors ----------------------------------------------- */

TEST_F(fp, bad_input_refused_with_reason)
{
	struct rxl_rule r;
	struct rxl_addr a;
	char err[128];

	EXPECT_NE(0, rxl_parse_rule("from 10.0.0.0/33 allow", &r, err,
				    sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "prefix"));
	EXPECT_NE(0, rxl_parse_rule("proto sctp allow", &r, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "sctp"));
	EXPECT_NE(0, rxl_parse_rule("dport 90-80 allow", &r, err,
				    sizeof(err)));
	EXPECT_NE(0, rxl_parse_rule("dport 70000 allow", &r, err,
				    sizeof(err)));
	EXPECT_NE(0, rxl_parse_rule("proto tcp", &r, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "allow"));

	ASSERT_EQ(0, rxl_parse_rule("from 10.0.0.1/8 allow", &r, err,
				    sizeof(err)));
	EXPECT_EQ(-EINVAL, rxl_fw_rules_replace(&self->fw, CID, &r, 1, 0));
	EXPECT_NE(NULL, strstr(rxl_fw_error(&self->fw), "bits set"));
	ASSERT_EQ(0, rxl_parse_rule("proto icmp dport 5 allow", &r, err,
				    sizeof(err)));
	EXPECT_EQ(-EINVAL, rxl_fw_rules_replace(&self->fw, CID, &r, 1, 0));
	EXPECT_NE(NULL, strstr(rxl_fw_error(&self->fw), "ICMP"));
	ASSERT_EQ(0, rxl_parse_rule("allow", &r, err, sizeof(err)));
	EXPECT_EQ(-ENOENT, rxl_fw_rules_replace(&self->fw, 99, &r, 1, 0));
	EXPECT_NE(NULL, strstr(rxl_fw_error(&self->fw), "does not exist"));

	EXPECT_EQ(-ERANGE, rxl_fw_vni_add(&self->fw, RXL_TUN_VXLAN,
					  1 << 24));
	ASSERT_EQ(0, add_addr(&a, CONT4));
	EXPECT_EQ(-EEXIST, rxl_fw_container_add(&self->fw, CID, &a, 1, 0));
	EXPECT_EQ(-EINVAL, rxl_fw_container_add(&self->fw,
						RXL_MAX_CONTAINERS, &a, 1, 0));
	EXPECT_EQ(-EEXIST, rxl_fw_container_add(&self->fw, 3, &a, 1, 0));
	EXPECT_NE(NULL, strstr(rxl_fw_error(&self->fw), "another container"));
}

/* Limits: shapes per family, port segments per key. */
TEST_F(fp, rule_set_limits)
{
	struct rxl_rule r[RXL_MAX_SHAPES + 1];
	char err[128], txt[64];
	int i;

	for (i = 0; i <= RXL_MAX_SHAPES; i++) {
		snprintf(txt, sizeof(txt), "prio %d from 10.0.0.0/%d allow",
			 i, 8 + i);
		ASSERT_EQ(0, rxl_parse_rule(txt, &r[i], err, sizeof(err)));
	}
	EXPECT_EQ(0, rxl_fw_rules_replace(&self->fw, CID, r, RXL_MAX_SHAPES,
					  1));
	EXPECT_EQ(-E2BIG, rxl_fw_rules_replace(&self->fw, CID, r,
					       RXL_MAX_SHAPES + 1, 1));
	EXPECT_NE(NULL, strstr(rxl_fw_error(&self->fw), "shapes"));

	for (i = 0; i <= RXL_MAX_SEGS; i++) {
		snprintf(txt, sizeof(txt), "prio %d proto tcp dport %d %s",
			 i, 100 + 2 * i, "allow");
		ASSERT_EQ(0, rxl_parse_rule(txt, &r[i], err, sizeof(err)));
	}
	EXPECT_EQ(0, rxl_fw_rules_replace(&self->fw, CID, r, RXL_MAX_SEGS, 1));
	EXPECT_EQ(-E2BIG, rxl_fw_rules_replace(&self->fw, CID, r,
					       RXL_MAX_SEGS + 1, 1));
	EXPECT_NE(NULL, strstr(rxl_fw_error(&self->fw), "segments"));
}

/* ---- malformed corpus --------------------------------------------------- */

/* Cut @p at every length from 14 on; each cut has its defined verdict. */
static void cut_everywhere(struct __test_metadata *_metadata,
			   FIXTURE_DATA(fp) *self, const struct pkt *orig,
			   const char *name)
{
	struct pkt *p = malloc(sizeof(*p));
	struct res *r = malloc(sizeof(*r));
	size_t k;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, r);
	for (k = ETH_HLEN; k <= orig->len; k++) {
		int want = pk_expect_cut(orig, k);

		*p = *orig;
		pk_cut(p, k);
		ASSERT_EQ(0, run_pkt(self->prog, &self->fw, p, r));
		if (want >= 0) {
			EXPECT_EQ(XDP_DROP, r->act)
				TH_LOG("%s cut at %zu: want drop %s", name, k,
				       rxl_drop_name(want));
			EXPECT_EQ(1, r->drops[want])
				TH_LOG("%s cut at %zu: want %s", name, k,
				       rxl_drop_name(want));
		} else {
			EXPECT_EQ(XDP_PASS, r->act)
				TH_LOG("%s cut at %zu: want pass", name, k);
			EXPECT_EQ(0, r->ndrops)
				TH_LOG("%s cut at %zu", name, k);
		}
		/* The same cut with the lengths left long: bad L3 length. */
		if (k < orig->len) {
			size_t l3 = (orig->b[12] == 0x81) ? 18 : 14;
			int v6 = orig->b[l3] >> 4 == 6;
			size_t hl = v6 ? 40 : (orig->b[l3] & 0xf) * 4;

			*p = *orig;
			p->len = k;
			ASSERT_EQ(0, run_pkt(self->prog, &self->fw, p, r));
			EXPECT_EQ(XDP_DROP, r->act)
				TH_LOG("%s raw cut at %zu", name, k);
			EXPECT_EQ(1, r->ndrops)
				TH_LOG("%s raw cut at %zu", name, k);
			if (k >= l3 + hl)
				EXPECT_EQ(1, r->drops[v6 ? RXL_DROP_IPV6_LEN :
						       RXL_DROP_IPV4_LEN])
					TH_LOG("%s raw cut at %zu", name, k);
		}
	}
	free(p);
	free(r);
}

TEST_F(fp, truncation_at_every_offset)
{
	struct pkt p;
	int type, ofam, ifam;

	SET_RULES(false);
	mk_plain(&p, 4, "10.9.1.1", CONT4, IPPROTO_TCP, 80);
	cut_everywhere(_metadata, self, &p, "plain v4 tcp");
	mk_plain(&p, 6, "fd00:9::1", CONT6, IPPROTO_UDP, 80);
	cut_everywhere(_metadata, self, &p, "plain v6 udp");
	mk_plain(&p, 4, "10.9.1.1", CONT4, IPPROTO_ICMP, 0);
	cut_everywhere(_metadata, self, &p, "plain v4 icmp");

	pk_init(&p);
	pk_eth(&p, 0x8100, 0);
	pk_vlan(&p, 5, ETH_P_IPV6);
	pk_ip6(&p, "fd00:9::1", CONT6, 0);
	pk_ip6_ext(&p, 60, 1);
	pk_ip6_ext(&p, IPPROTO_TCP, 0);
	add_l4(&p, 6, IPPROTO_TCP, 80);
	pk_finish(&p);
	cut_everywhere(_metadata, self, &p, "vlan v6 exthdrs tcp");

	pk_init(&p);
	pk_eth(&p, ETH_P_IP, 0);
	pk_ip4_opt(&p, "10.9.1.1", CONT4, IPPROTO_TCP, 8);
	add_l4(&p, 4, IPPROTO_TCP, 80);
	pk_finish(&p);
	cut_everywhere(_metadata, self, &p, "v4 options tcp");

	for (type = RXL_TUN_VXLAN; type <= RXL_TUN_NVGRE; type++)
	for (ofam = 4; ofam <= 6; ofam += 2)
	for (ifam = 4; ifam <= 6; ifam += 2) {
		char what[48];

		snprintf(what, sizeof(what), "%s v%d/v%d", tun_name[type],
			 ofam, ifam);
		mk_tunnel(&p, type, ofam, ifam, vni_of(type),
			  ifam == 4 ? "10.9.1.1" : "fd00:9::1",
			  IPPROTO_TCP, 80);
		cut_everywhere(_metadata, self, &p, what);
	}
}

TEST_F(fp, bad_ipv4_header)
{
	struct pkt p, t;
	int ihl;

	for (ihl = 0; ihl < 5; ihl++) {
		mk_plain(&p, 4, "10.9.1.1", CONT4, IPPROTO_TCP, 80);
		p.b[14] = 0x40 | ihl;
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_IPV4_IHL, "outer ihl");
		mk_tunnel(&p, RXL_TUN_VXLAN, 4, 4, VNI_VXLAN, "10.9.1.1",
			  IPPROTO_TCP, 80);
		p.b[p.inner + 14] = 0x40 | ihl;
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_IPV4_IHL, "inner ihl");
	}
	/* IHL longer than the total length. */
	mk_plain(&p, 4, "10.9.1.1", CONT4, IPPROTO_TCP, 80);
	t = p;
	t.b[14 + 2] = 0;
	t.b[14 + 3] = 20;
	t.b[14] = 0x46;
	CHECK_VERDICT(&t, XDP_DROP, RXL_DROP_IPV4_LEN, "tot_len < ihl");
	t = p;
	t.b[14 + 3] += 1;
	CHECK_VERDICT(&t, XDP_DROP, RXL_DROP_IPV4_LEN, "tot_len past frame");
	t = p;
	t.b[14] = 0x65;
	CHECK_VERDICT(&t, XDP_DROP, RXL_DROP_IP_VERSION, "version 6 in v4");
}

TEST_F(fp, bad_ipv6_payload_length)
{
	struct pkt p;

	mk_plain(&p, 6, "fd00:9::1", CONT6, IPPROTO_TCP, 80);
	p.b[14 + 5] += 1;
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_IPV6_LEN, "outer");
	mk_tunnel(&p, RXL_TUN_GENEVE, 6, 6, VNI_GENEVE, "fd00:9::1",
		  IPPROTO_TCP, 80);
	p.b[p.inner + 14 + 5] += 1;
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_IPV6_LEN, "inner");
	/* Shorter payload length than the frame is fine (padding). */
	mk_plain(&p, 6, "fd00:9::1", CONT6, IPPROTO_TCP, 80);
	p.b[14 + 5] -= 1;
	CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "short");
}

TEST_F(fp, bad_tunnel_headers)
{
	struct pkt p;
	size_t th;

	/* GENEVE: options length past the packet, version, protocol. */
	mk_tunnel(&p, RXL_TUN_GENEVE, 4, 4, VNI_GENEVE, "10.9.1.1",
		  IPPROTO_TCP, 80);
	th = 14 + 20 + 8;
	p.b[th] = 0x3f;
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_GENEVE_OPTLEN, "optlen 63");
	mk_tunnel(&p, RXL_TUN_GENEVE, 4, 4, VNI_GENEVE, "10.9.1.1",
		  IPPROTO_TCP, 80);
	p.b[th] |= 0x40;
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_GENEVE_BAD, "version 1");
	mk_tunnel(&p, RXL_TUN_GENEVE, 4, 4, VNI_GENEVE, "10.9.1.1",
		  IPPROTO_TCP, 80);
	p.b[th + 2] = 0x08;
	p.b[th + 3] = 0x00;
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_GENEVE_BAD, "not Ethernet");

	/* VXLAN without the I flag. */
	mk_tunnel(&p, RXL_TUN_VXLAN, 4, 4, VNI_VXLAN, "10.9.1.1",
		  IPPROTO_TCP, 80);
	p.b[th] = 0;
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_VXLAN_BAD, "no I flag");

	/* NVGRE: no key, version 1, routing present. */
	th = 14 + 20;
	mk_tunnel(&p, RXL_TUN_NVGRE, 4, 4, VNI_NVGRE, "10.9.1.1",
		  IPPROTO_TCP, 80);
	p.b[th] = 0;
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_NVGRE_BAD, "no key");
	mk_tunnel(&p, RXL_TUN_NVGRE, 4, 4, VNI_NVGRE, "10.9.1.1",
		  IPPROTO_TCP, 80);
	p.b[th + 1] = 1;
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_NVGRE_BAD, "version 1");
	mk_tunnel(&p, RXL_TUN_NVGRE, 4, 4, VNI_NVGRE, "10.9.1.1",
		  IPPROTO_TCP, 80);
	p.b[th] |= 0x40;
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_NVGRE_BAD, "routing");
}

/* Two VLAN tags are parsed, a third is one past the bound. */
TEST_F(fp, vlan_depth)
{
	struct pkt p;
	int depth, inner;

	SET_RULES(true, "prio 1 proto tcp dport 80 allow");
	for (inner = 0; inner <= 1; inner++)
	for (depth = 0; depth <= RXL_VLAN_MAX_DEPTH + 1; depth++) {
		char what[32];
		int i;

		snprintf(what, sizeof(what), "%s depth %d",
			 inner ? "inner" : "outer", depth);
		pk_init(&p);
		if (inner) {
			mk_outer(&p, RXL_TUN_VXLAN, 4, VNI_VXLAN);
			p.inner = p.len;
		}
		pk_eth(&p, depth ? 0x8100 : ETH_P_IP, 0);
		for (i = 0; i < depth; i++)
			pk_vlan(&p, i + 1, i + 1 < depth ? 0x8100 : ETH_P_IP);
		pk_ip4(&p, "10.9.1.1", CONT4, IPPROTO_TCP);
		add_l4(&p, 4, IPPROTO_TCP, 80);
		pk_finish(&p);
		if (depth <= RXL_VLAN_MAX_DEPTH)
			CHECK_VERDICT(&p, XDP_PASS, NO_DROP, what);
		else
			CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_VLAN_DEPTH, what);
	}
	/* 802.1ad outer tag counts the same. */
	pk_init(&p);
	pk_eth(&p, 0x88a8, 0);
	pk_vlan(&p, 1, 0x8100);
	pk_vlan(&p, 2, ETH_P_IP);
	pk_ip4(&p, "10.9.1.1", CONT4, IPPROTO_TCP);
	add_l4(&p, 4, IPPROTO_TCP, 80);
	pk_finish(&p);
	CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "QinQ");
}

/* Up to RXL_IPV6_MAX_EXTHDRS extension headers; one more is refused. */
TEST_F(fp, ipv6_exthdr_chain)
{
	struct pkt p;
	int n, i;

	SET_RULES(true, "prio 1 proto tcp dport 80 allow");
	for (n = 0; n <= RXL_IPV6_MAX_EXTHDRS + 1; n++) {
		char what[32];

		snprintf(what, sizeof(what), "%d ext headers", n);
		pk_init(&p);
		pk_eth(&p, ETH_P_IPV6, 0);
		pk_ip6(&p, "fd00:9::1", CONT6, n ? 60 : IPPROTO_TCP);
		for (i = 0; i < n; i++)
			pk_ip6_ext(&p, i + 1 < n ? 60 : IPPROTO_TCP, 0);
		add_l4(&p, 6, IPPROTO_TCP, 80);
		pk_finish(&p);
		if (n <= RXL_IPV6_MAX_EXTHDRS)
			CHECK_VERDICT(&p, XDP_PASS, NO_DROP, what);
		else
			CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_EXTHDR_CHAIN,
				      what);
	}
	/* Hop-by-hop, routing, AH then TCP. */
	pk_init(&p);
	pk_eth(&p, ETH_P_IPV6, 0);
	pk_ip6(&p, "fd00:9::1", CONT6, 0);
	pk_ip6_ext(&p, 43, 0);
	pk_ip6_ext(&p, 51, 0);
	pk_ip6_ext(&p, IPPROTO_TCP, 2);	/* AH: (2 + 2) * 4 = 16 bytes */
	add_l4(&p, 6, IPPROTO_TCP, 80);
	/* The AH header above was written as 24 bytes: fix its length. */
	p.b[14 + 40 + 8 + 8 + 1] = 4;	/* (4 + 2) * 4 = 24 */
	pk_finish(&p);
	CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "hbh routing ah");
	/* Extension headers pushing L4 past RXL_MAX_L4_OFF. */
	pk_init(&p);
	pk_eth(&p, ETH_P_IPV6, 0);
	pk_ip6(&p, "fd00:9::1", CONT6, 0);
	pk_ip6_ext(&p, 60, 31);
	pk_ip6_ext(&p, IPPROTO_TCP, 31);
	add_l4(&p, 6, IPPROTO_TCP, 80);
	pk_finish(&p);
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_HDR_DEPTH, "deep L4");
	/* An extension header longer than the packet. */
	pk_init(&p);
	pk_eth(&p, ETH_P_IPV6, 0);
	pk_ip6(&p, "fd00:9::1", CONT6, 0);
	pk_ip6_ext(&p, IPPROTO_TCP, 0);
	add_l4(&p, 6, IPPROTO_TCP, 80);
	pk_finish(&p);
	p.b[14 + 40 + 1] = 200;
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_EXTHDR_TRUNC, "long exthdr");
}

TEST_F(fp, tcp_data_offset)
{
	struct pkt p;
	int doff;

	SET_RULES(false);
	for (doff = 0; doff < 5; doff++) {
		mk_plain(&p, 4, "10.9.1.1", CONT4, IPPROTO_TCP, 80);
		p.b[14 + 20 + 12] = doff << 4;
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_TCP_DOFF, "doff < 5");
	}
	mk_plain(&p, 4, "10.9.1.1", CONT4, IPPROTO_TCP, 80);
	p.b[14 + 20 + 12] = 15 << 4;	/* 60 bytes: past the packet */
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_TCP_DOFF, "doff past packet");
	p.b[14 + 20 + 12] = 6 << 4;	/* 24 bytes: within the payload */
	CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "doff 6");
}

/* Build a fragment of a TCP packet to port @dport. */
static void mk_frag(struct pkt *p, int fam, int first, int more,
		    size_t l4len, uint16_t dport)
{
	pk_init(p);
	if (fam == 4) {
		pk_eth(p, ETH_P_IP, 0);
		pk_ip4(p, "10.9.1.1", CONT4, IPPROTO_TCP);
		pk_put16(p->b + 14 + 6, (more ? 0x2000 : 0) |
			 (first ? 0 : 185));
	} else {
		pk_eth(p, ETH_P_IPV6, 0);
		pk_ip6(p, "fd00:9::1", CONT6, 44);
		pk_ip6_frag(p, IPPROTO_TCP, first ? 0 : 185, more);
	}
	if (first) {
		size_t at = p->len;

		pk_tcp(p, 40000, dport);
		p->len = at + l4len;
	} else {
		pk_payload(p, l4len);
	}
	pk_finish(p);
}

/*
 * Fragments: a first fragment must carry the whole L4 header (else
 * frag_tiny); a later fragment has no ports and is judged only by rules
 * that do not name ports, so a refused port never gets a later fragment
 * delivered under a default-drop policy, and under default-allow its
 * first fragment (the only one with the ports) is refused.
 */
TEST_F(fp, fragments)
{
	struct pkt p;
	struct res r;
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		SET_RULES(true, "prio 1 proto tcp dport 80 allow");
		mk_frag(&p, fam, 1, 1, 20, 80);
		CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "first frag, allowed");
		mk_frag(&p, fam, 1, 1, 20, 22);
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_DEFAULT,
			      "first frag, refused");
		mk_frag(&p, fam, 1, 1, 4, 80);
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_FRAG_TINY,
			      "tiny first frag");
		mk_frag(&p, fam, 0, 1, 64, 0);
		ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
		EXPECT_EQ(XDP_DROP, r.act) TH_LOG("later frag, default drop");
		EXPECT_EQ(1, r.drops[RXL_DROP_DEFAULT]);
		EXPECT_EQ(1, r.stats[RXL_STAT_FRAG_PORTLESS]);

		/* A portless allow admits later fragments... */
		SET_RULES(true, "prio 1 from 10.9.1.1/32 proto tcp allow",
			  "prio 1 from fd00:9::1/128 proto tcp allow");
		mk_frag(&p, fam, 0, 0, 64, 0);
		CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "later frag, src allow");

		/* ...and a port drop with default allow refuses the first. */
		SET_RULES(false, "prio 1 proto tcp dport 22 drop");
		mk_frag(&p, fam, 1, 1, 20, 22);
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_RULE,
			      "first frag to refused port");
	}

	/* A fragmented tunnel packet to our VTEP is refused. */
	mk_tunnel(&p, RXL_TUN_VXLAN, 4, 4, VNI_VXLAN, "10.9.1.1",
		  IPPROTO_TCP, 80);
	p.b[14 + 6] = 0x20;
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_OUTER_FRAG, "outer MF");
}

/* ---- atomic replacement ------------------------------------------------- */

/*
 * Set A drops P by its first rule; B drops P by its second. Any mix that
 * shows A's allow without A's drop, or B's default... passes P: P must
 * never pass. S passes under A and is dropped under B.
 */
/* ---- address cache ------------------------------------------------------ */

static __u32 slot_of(const struct rxl_addr *a)
{
	__u32 w[4];

	memcpy(w, a->addr, sizeof(w));
	return a->family == AF_INET ? rxl_acache_slot4(w[0]) :
				      rxl_acache_slot6(w);
}

/* Another address of @a's family (varying its last two bytes) in its slot. */
static int colliding(const struct rxl_addr *a, struct rxl_addr *b)
{
	unsigned int i, last = a->family == AF_INET ? 2 : 14;

	for (i = 1; i < 65536; i++) {
		*b = *a;
		b->addr[last] ^= i >> 8;
		b->addr[last + 1] ^= i & 0xff;
		if (slot_of(b) == slot_of(a))
			return 0;
	}
	return -1;
}

/* Verdict of a TCP frame to @dst port @dport, and the cache misses it made. */
static int judge(FIXTURE_DATA(fp) *self, const struct rxl_addr *dst,
		 uint16_t dport, __u64 *misses)
{
	char d[INET6_ADDRSTRLEN];
	struct res *r = calloc(1, sizeof(*r));
	int fam = dst->family == AF_INET ? 4 : 6, act = -1;
	struct pkt p;

	inet_ntop(dst->family, dst->addr, d, sizeof(d));
	mk_plain(&p, fam, fam == 4 ? "10.9.1.1" : "fd00:9::1", d, IPPROTO_TCP,
		 dport);
	if (r && !run_pkt(self->prog, &self->fw, &p, r)) {
		act = r->act;
		*misses = r->stats[RXL_STAT_ACACHE_MISS];
	}
	free(r);
	return act;
}

#define JUDGE(dst, dport, want_act, want_miss) do {			\
	__u64 _m = ~0ULL;						\
	int _a = judge(self, (dst), (dport), &_m);			\
									\
	EXPECT_EQ((want_act), _a) {					\
		TH_LOG("line %d: got %s", __LINE__, act_name(_a));	\
	}								\
	EXPECT_EQ((want_miss), _m) {					\
		TH_LOG("line %d: %llu cache misses", __LINE__,		\
		       (unsigned long long)_m);				\
	}								\
} while (0)

/*
 * The program finds a container through the address cache (no miss
 * counted); of two addresses in one slot the first added holds it and
 * the other is found in the address map (one miss a packet). The cache
 * follows a rule set replacement, and a deleted address's slot goes to
 * the address that waited for it.
 */
TEST_F(fp, address_cache)
{
	static const char *const first[] = { "10.2.0.1", "fd00:2::1" };
	static const char *const allow80[] = { "prio 1 proto tcp dport 80 allow" };
	static const char *const allow81[] = { "prio 1 proto tcp dport 81 allow" };
	static const char *const drop80[] = { "prio 1 proto tcp dport 80 drop" };
	struct rxl_addr a, b, c;
	int f;

	for (f = 0; f < 2; f++) {
		ASSERT_EQ(0, add_addr(&a, first[f]));
		ASSERT_EQ(0, colliding(&a, &b));
		/* The fixture's container holds its own slots. */
		ASSERT_EQ(0, add_addr(&c, f ? CONT6 : CONT4));
		ASSERT_NE(slot_of(&c), slot_of(&a));
		ASSERT_EQ(0, rxl_fw_container_add(&self->fw, 20, &a, 1, 0));
		ASSERT_EQ(0, rxl_fw_container_add(&self->fw, 21, &b, 1, 0));
		ASSERT_EQ(0, set_rules(&self->fw, 20, true, allow80, 1));
		ASSERT_EQ(0, set_rules(&self->fw, 21, false, drop80, 1));

		JUDGE(&a, 80, XDP_PASS, 0);
		JUDGE(&a, 81, XDP_DROP, 0);
		JUDGE(&b, 80, XDP_DROP, 1);
		JUDGE(&b, 81, XDP_PASS, 1);

		/* The cached copy flips with the set. */
		ASSERT_EQ(0, set_rules(&self->fw, 20, true, allow81, 1));
		JUDGE(&a, 80, XDP_DROP, 0);
		JUDGE(&a, 81, XDP_PASS, 0);

		/* a's slot goes to b; a is host traffic now. */
		ASSERT_EQ(0, rxl_fw_container_del(&self->fw, 20));
		JUDGE(&a, 80, XDP_PASS, 0);
		JUDGE(&b, 80, XDP_DROP, 0);
		JUDGE(&b, 81, XDP_PASS, 0);

		/* Back again, a waits for b's slot. */
		ASSERT_EQ(0, rxl_fw_container_add(&self->fw, 20, &a, 1, 0));
		ASSERT_EQ(0, set_rules(&self->fw, 20, true, allow80, 1));
		JUDGE(&a, 80, XDP_PASS, 1);
		JUDGE(&a, 81, XDP_DROP, 1);
		JUDGE(&b, 80, XDP_DROP, 0);

		ASSERT_EQ(0, rxl_fw_container_del(&self->fw, 21));
		ASSERT_EQ(0, rxl_fw_container_del(&self->fw, 20));
		JUDGE(&a, 80, XDP_PASS, 0);
		JUDGE(&b, 80, XDP_PASS, 0);
	}
}

static const char *const set_a[] = {
	"prio 1 from 10.9.0.0/16 proto tcp dport 22 drop",
	"prio 5 from 10.9.1.0/24 proto tcp allow",
	"prio 6 from fd00:9::/32 proto tcp allow",
};
static const char *const set_b[] = {
	"prio 1 from 10.9.1.1/32 proto udp allow",
	"prio 5 from 10.9.0.0/16 proto tcp dport 22 drop",
	"prio 6 from fd00:9::/32 proto udp allow",
};

struct flipper {
	int prog;
	volatile int stop;
	struct pkt p, s;
	unsigned long runs, p_passed, s_pass, s_drop, errors;
};

static void *flip_traffic(void *arg)
{
	struct flipper *f = arg;
	uint8_t out[PK_MAX];

	while (!f->stop) {
		LIBBPF_OPTS(bpf_test_run_opts, o,
			.data_in = f->p.b, .data_size_in = f->p.len,
			.data_out = out, .data_size_out = sizeof(out),
			.repeat = 1);
		LIBBPF_OPTS(bpf_test_run_opts, os,
			.data_in = f->s.b, .data_size_in = f->s.len,
			.data_out = out, .data_size_out = sizeof(out),
			.repeat = 1);

		if (bpf_prog_test_run_opts(f->prog, &o) ||
		    bpf_prog_test_run_opts(f->prog, &os)) {
			f->errors++;
			continue;
		}
		f->runs++;
		if (o.retval != XDP_DROP)
			f->p_passed++;
		if (os.retval == XDP_PASS)
			f->s_pass++;
		else if (os.retval == XDP_DROP)
			f->s_drop++;
		else
			f->errors++;
	}
	return NULL;
}

TEST_F_TIMEOUT(fp, atomic_replace_1000_flips, 240)
{
	struct flipper *f = calloc(1, sizeof(*f));
	__u64 stats[RXL_STAT__MAX];
	pthread_t th;
	int i;

	ASSERT_NE(NULL, f);
	f->prog = self->prog;
	mk_tunnel(&f->p, RXL_TUN_VXLAN, 4, 4, VNI_VXLAN, "10.9.1.1",
		  IPPROTO_TCP, 22);
	mk_plain(&f->s, 4, "10.9.1.1", CONT4, IPPROTO_TCP, 80);
	ASSERT_EQ(0, set_rules(&self->fw, CID, false, set_a, 3));
	ASSERT_EQ(0, pthread_create(&th, NULL, flip_traffic, f));
	for (i = 0; i < 1000; i++) {
		int b = !(i & 1);
		struct res r;

		ASSERT_EQ(0, set_rules(&self->fw, CID, b, b ? set_b : set_a,
				       3));
		/* Right after a flip this thread sees exactly the new set. */
		ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &f->s, &r));
		ASSERT_EQ(b ? XDP_DROP : XDP_PASS, r.act);
	}
	f->stop = 1;
	pthread_join(th, NULL);
	ASSERT_EQ(0, rxl_fw_stat_counters(&self->fw, stats));
	TH_LOG("%lu concurrent runs: S passed %lu, dropped %lu", f->runs,
	       f->s_pass, f->s_drop);
	/* Every run found the container in the cache, which flipped 1000 times. */
	EXPECT_EQ(0, stats[RXL_STAT_ACACHE_MISS]);
	EXPECT_EQ(0, f->errors);
	EXPECT_EQ(0, f->p_passed);
	EXPECT_LT(0, f->runs);
	free(f);
}

TEST_HARNESS_MAIN
