// SPDX-License-Identifier: GPL-2.0
/*
 * fastpath_test - BPF_PROG_TEST_RUN unit tests of the rxlane XDP fast path.
 *
 * Each test loads the object from its skeleton with unpinned, small maps,
 * configures it through the library (user/fw_*.c) and runs crafted frames
 * through it, checking the verdict, the output bytes and the counters
 * that moved.
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
#include "fw_priv.h"
#include "pktbuild.h"
#include "fp_run.h"
#include "rxl_consts.h"	/* bpf/: the parse bounds under test */

#define CONT4		"10.1.0.2"
#define CONT6		"fd00:1::2"
#define HOST4		"10.1.0.99"	/* no container's */
#define VNI_VXLAN	100
#define VNI_GENEVE	200
#define VNI_NVGRE	300
#define CID		7
#define FP_CONTS	(2 * RXL_DEFAULT_CONTAINERS)	/* ids of the maps */

#define NO_DROP		(-1)

/* What one run of the program did. */

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
	/* Ids past the key's 12 bits (high_id_own_rules). */
	bpf_object__for_each_map(m, self->skel->obj)
		if (rxl_map_layout(bpf_map__name(m)) &&
		    rxl_map_layout(bpf_map__name(m))->cont_sized)
			bpf_map__set_max_entries(m, FP_CONTS);
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

static uint32_t vni_of(int type)
{
	return type == RXL_TUN_VXLAN ? VNI_VXLAN :
	       type == RXL_TUN_GENEVE ? VNI_GENEVE : VNI_NVGRE;
}

static void mk_tunnel(struct pkt *p, int type, int ofam, int ifam,
		      uint32_t vni, const char *src, uint8_t proto,
		      uint16_t dport)
{
	mk_outer(p, type, ofam, vni, 0);
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
 * The library's walk of every address reads the address maps in batches
 * of 1,024 (fw_addr.c): with 1,081 addresses (18 containers of 60, over
 * one batch), the walk finds every address of each container
 * (rxl_container_addrs(), which deletion and the name and address checks
 * use), and deleting one through it leaves none of its addresses. Few
 * containers and few deletions (each address waits for a grace period):
 * fastpath_unit.sh runs this under TCG, where both are slow.
 */
TEST_F_TIMEOUT(fp, walk_past_one_batch, 120)	/* TCG, a loaded host */
{
	const unsigned int nc = 18, per = 60;
	struct rxl_addr a[60];
	struct rxl_cont_addrs ca;
	unsigned int i, j, k;
	char s[32];

	for (i = 0; i < nc; i++) {
		for (j = 0; j < per; j++) {
			snprintf(s, sizeof(s), "10.61.%u.%u", i, j + 1);
			ASSERT_EQ(0, add_addr(&a[j], s));
		}
		ASSERT_EQ(0, rxl_fw_container_add(&self->fw, 100 + i, a, per,
						  0));
	}
	EXPECT_EQ(nc * per + 1, count_keys(self->fw.addrs4, 4));
	for (i = 0; i < nc; i++) {
		ASSERT_EQ(0, rxl_container_addrs(&self->fw, 100 + i, &ca));
		ASSERT_EQ(per, ca.n)
			TH_LOG("container %u: the walk found %u of its %u addresses",
			       100 + i, ca.n, per);
		for (k = 0; k < ca.n; k++) {
			EXPECT_EQ(10, ca.addr[k].addr[0]);
			EXPECT_EQ(61, ca.addr[k].addr[1]);
			EXPECT_EQ(i, ca.addr[k].addr[2]);
		}
	}
	ASSERT_EQ(0, rxl_fw_container_del(&self->fw, 100 + nc - 1));
	EXPECT_EQ((nc - 1) * per + 1, count_keys(self->fw.addrs4, 4));
	ASSERT_EQ(0, rxl_container_addrs(&self->fw, 100 + nc - 1, &ca));
	EXPECT_EQ(0, ca.n);
}

/*
 * A set of several insert batches (RXL_BATCH, 8192 keys) is all there and
 * judged; replaced, it leaves no key behind (the walk reads RXL_BATCH keys
 * a call), nor does deleting the container.
 */
TEST_F_TIMEOUT(fp, replace_large_set, 300)	/* minutes under TCG */
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
	int pinned = 0, named = 0;

	ASSERT_NE(NULL, mkdtemp(dir));
	if (mount("bpf", dir, "bpf", 0, NULL)) {
		rmdir(dir);
		SKIP(return, "cannot mount bpffs: %s", strerror(errno));
	}
	bpf_object__for_each_map(m, self->skel->obj) {
		char path[96];

		/* .rodata: bpffs refuses names with a dot (EPERM). */
		if (bpf_map__is_internal(m))
			continue;
		named++;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(m));
		if (!bpf_map__pin(m, path))
			pinned++;
	}
	EXPECT_EQ(named, pinned);
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
		if (!bpf_map__is_internal(m))
			bpf_map__unpin(m, NULL);
	umount(dir);
	rmdir(dir);
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

/*
 * Rules from anywhere of TCP and UDP are judged from the container's
 * value (rxl_container.any), not from rule keys: the lowest rank still
 * wins over them and the keys' rules (a /32 of the same port), in both
 * orders, both families, both protocols; they leave no key; an append of
 * one (fw add) writes the value like a replace and is judged last.
 */
TEST_F(fp, any_rules_in_value)
{
	static const char *const src[2][2] = {
		{ "10.9.1.1", "10.9.1.2" }, { "fd00:9::1", "fd00:9::2" },
	};
	static const char *const pname[2] = { "tcp", "udp" };
	static const __u8 proto[2] = { IPPROTO_TCP, IPPROTO_UDP };
	char r0[96], r1[96], what[128];
	const char *t[2];
	struct rxl_rule ar;
	char err[128];
	int f, q, fam;
	struct pkt p;

	for (f = 0; f < 2; f++)
	for (q = 0; q < 2; q++) {
		fam = f ? 6 : 4;
		/* The /0 rule first: it judges the /32's source too. */
		snprintf(r0, sizeof(r0), "prio 1 proto %s dport 80 drop",
			 pname[q]);
		snprintf(r1, sizeof(r1), "prio 2 proto %s from %s/%u dport 80 allow",
			 pname[q], src[f][0], f ? 128 : 32);
		t[0] = r0;
		t[1] = r1;
		ASSERT_EQ(0, set_rules(&self->fw, CID, false, t, 2));
		/* Only the /32 (or /128) has a key. */
		EXPECT_EQ(f ? 0 : 1, count_keys(self->fw.rules4,
						 sizeof(struct rxl_rule4_key)));
		EXPECT_EQ(f ? 1 : 0, count_keys(self->fw.rules6,
						 sizeof(struct rxl_rule6_key)));
		snprintf(what, sizeof(what), "IPv%d %s: /0 drop before /%u allow",
			 fam, pname[q], f ? 128 : 32);
		mk_plain(&p, fam, src[f][0], f ? CONT6 : CONT4, proto[q], 80);
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_RULE, what);
		EXPECT_EQ(1, rule_hits(&self->fw, 0)) TH_LOG("%s", what);
		mk_plain(&p, fam, src[f][1], f ? CONT6 : CONT4, proto[q], 80);
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_RULE, what);
		mk_plain(&p, fam, src[f][1], f ? CONT6 : CONT4, proto[q], 81);
		CHECK_VERDICT(&p, XDP_PASS, NO_DROP, what);
		/* The /32 first: its source passes, any other is dropped. */
		r0[5] = '2';
		r1[5] = '1';
		ASSERT_EQ(0, set_rules(&self->fw, CID, false, t, 2));
		snprintf(what, sizeof(what), "IPv%d %s: /%u allow before /0 drop",
			 fam, pname[q], f ? 128 : 32);
		mk_plain(&p, fam, src[f][0], f ? CONT6 : CONT4, proto[q], 80);
		CHECK_VERDICT(&p, XDP_PASS, NO_DROP, what);
		EXPECT_EQ(1, rule_hits(&self->fw, 0)) TH_LOG("%s", what);
		EXPECT_EQ(0, rule_hits(&self->fw, 1)) TH_LOG("%s", what);
		mk_plain(&p, fam, src[f][1], f ? CONT6 : CONT4, proto[q], 80);
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_RULE, what);
		EXPECT_EQ(1, rule_hits(&self->fw, 1)) TH_LOG("%s", what);
		/*
		 * An append from anywhere is judged after both: only the
		 * ports no rule had. No key is written for it.
		 */
		snprintf(r0, sizeof(r0), "proto %s dport 80-90 allow",
			 pname[q]);
		ASSERT_EQ(0, rxl_parse_rule(r0, &ar, err, sizeof(err)));
		ASSERT_EQ(0, rxl_fw_rule_append(&self->fw, CID, &ar))
			TH_LOG("%s", rxl_fw_error(&self->fw));
		EXPECT_EQ(1, count_keys(f ? self->fw.rules6 : self->fw.rules4,
					f ? sizeof(struct rxl_rule6_key) :
					    sizeof(struct rxl_rule4_key)));
		snprintf(what, sizeof(what), "IPv%d %s: appended /0 allow",
			 fam, pname[q]);
		mk_plain(&p, fam, src[f][1], f ? CONT6 : CONT4, proto[q], 80);
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_RULE, what);
		mk_plain(&p, fam, src[f][1], f ? CONT6 : CONT4, proto[q], 85);
		CHECK_VERDICT(&p, XDP_PASS, NO_DROP, what);
		EXPECT_EQ(1, rule_hits(&self->fw, 2)) TH_LOG("%s", what);
	}
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

/*
 * An id past 4095: CID + 4096 gets CID's key set at the same generation
 * and 1 in the key's set_hi (include/rxlane_maps.h), so the two never
 * share a rule key; each gets its own verdicts and counters.
 */
#define CID_HI		(CID + RXL_DEFAULT_CONTAINERS)
#define CONT4_HI	"10.1.0.3"
#define CONT6_HI	"fd00:1::3"

TEST_F(fp, high_id_own_rules)
{
	static const char *const allow80[] = { "prio 1 proto tcp dport 80 allow" };
	static const char *const drop80[] = { "prio 1 proto tcp dport 80 drop" };
	struct rxl_cont_counter cc = {};
	struct rxl_addr a[2];
	struct pkt p;
	int fam;

	ASSERT_EQ(0, add_addr(&a[0], CONT4_HI));
	ASSERT_EQ(0, add_addr(&a[1], CONT6_HI));
	ASSERT_EQ(0, rxl_fw_container_add(&self->fw, CID_HI, a, 2, 0));
	ASSERT_EQ(0, set_rules(&self->fw, CID, true, allow80, 1));
	ASSERT_EQ(0, set_rules(&self->fw, CID_HI, false, drop80, 1));
	for (fam = 4; fam <= 6; fam += 2) {
		mk_plain(&p, fam, fam == 4 ? "10.9.1.1" : "fd00:7::1",
			 fam == 4 ? CONT4 : CONT6, IPPROTO_TCP, 80);
		CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "low id: its allow");
		mk_plain(&p, fam, fam == 4 ? "10.9.1.1" : "fd00:7::1",
			 fam == 4 ? CONT4_HI : CONT6_HI, IPPROTO_TCP, 80);
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_RULE, "high id: its drop");
		mk_plain(&p, fam, fam == 4 ? "10.9.1.1" : "fd00:7::1",
			 fam == 4 ? CONT4_HI : CONT6_HI, IPPROTO_TCP, 81);
		CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "high id: default allow");
		mk_plain(&p, fam, fam == 4 ? "10.9.1.1" : "fd00:7::1",
			 fam == 4 ? CONT4 : CONT6, IPPROTO_TCP, 81);
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_DEFAULT,
			      "low id: default drop");
	}
	ASSERT_EQ(0, rxl_fw_container_counter(&self->fw, CID_HI, &cc));
	EXPECT_EQ(2, cc.drop.packets);
	EXPECT_EQ(2, cc.pass.packets);
	/* Deleting the high id's set leaves the low id's keys. */
	ASSERT_EQ(0, rxl_fw_container_del(&self->fw, CID_HI));
	mk_plain(&p, 4, "10.9.1.1", CONT4, IPPROTO_TCP, 80);
	CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "low id after the high's del");
	EXPECT_EQ(0, rxl_fw_dead_keys(&self->fw, false));
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

/* rxl_deliver_redirect in the kernel's copy of @skel's .rodata, or -1. */
static long loaded_redirect_flag(struct rxlane_xdp *skel)
{
	size_t off = (char *)&skel->rodata->rxl_deliver_redirect -
		     (char *)skel->rodata;
	__u32 sz = bpf_map__value_size(skel->maps.rodata), zero = 0, v;
	char *buf = calloc(1, sz);
	long ret = -1;

	if (buf && off + sizeof(v) <= sz &&
	    !bpf_map_lookup_elem(bpf_map__fd(skel->maps.rodata), &zero, buf)) {
		memcpy(&v, buf + off, sizeof(v));
		ret = v;
	}
	free(buf);
	return ret;
}

/* Length of a loaded program's instructions after verification. */
static __u32 xlated_len(int prog)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(prog, &info, &len))
		return 0;
	return info.xlated_prog_len;
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

	red = load_redirecting(self->skel);
	ASSERT_NE(NULL, red);
	/* What each loaded program's verifier saw, read back from the kernel. */
	EXPECT_EQ(0, loaded_redirect_flag(self->skel));
	EXPECT_EQ(1, loaded_redirect_flag(red));
	/* The flag is a constant: off, the redirect branch is pruned. */
	EXPECT_LT(xlated_len(self->prog),
		  xlated_len(bpf_program__fd(red->progs.rxlane_xdp)));
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

	/* The grammar refuses what the compiler would (cli_bad_inputs.sh). */
	EXPECT_NE(0, rxl_parse_rule("from 10.0.0.1/8 allow", &r, err,
				    sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "bits set past /8"));
	EXPECT_NE(0, rxl_parse_rule("proto icmp dport 5 allow", &r, err,
				    sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "icmp has no ports"));
	/* The library refuses them too, when given as structs. */
	ASSERT_EQ(0, rxl_parse_rule("from 10.0.0.0/8 allow", &r, err,
				    sizeof(err)));
	r.src[3] = 1;
	EXPECT_EQ(-EINVAL, rxl_fw_rules_replace(&self->fw, CID, &r, 1, 0));
	EXPECT_NE(NULL, strstr(rxl_fw_error(&self->fw), "bits set"));
	ASSERT_EQ(0, rxl_parse_rule("proto icmp allow", &r, err,
				    sizeof(err)));
	r.dport_lo = r.dport_hi = 5;
	EXPECT_EQ(-EINVAL, rxl_fw_rules_replace(&self->fw, CID, &r, 1, 0));
	EXPECT_NE(NULL, strstr(rxl_fw_error(&self->fw), "ICMP"));
	/* One default priority: the CLI's. */
	ASSERT_EQ(0, rxl_parse_rule("allow", &r, err, sizeof(err)));
	EXPECT_EQ(RXL_DEFAULT_PRIO, r.prio);
	ASSERT_EQ(0, rxl_parse_rule("allow", &r, err, sizeof(err)));
	EXPECT_EQ(-ENOENT, rxl_fw_rules_replace(&self->fw, 99, &r, 1, 0));
	EXPECT_NE(NULL, strstr(rxl_fw_error(&self->fw), "does not exist"));

	EXPECT_EQ(-ERANGE, rxl_fw_vni_add(&self->fw, RXL_TUN_VXLAN,
					  1 << 24));
	ASSERT_EQ(0, add_addr(&a, CONT4));
	EXPECT_EQ(-EEXIST, rxl_fw_container_add(&self->fw, CID, &a, 1, 0));
	EXPECT_EQ(FP_CONTS, self->fw.max_conts);
	EXPECT_EQ(-EINVAL, rxl_fw_container_add(&self->fw, FP_CONTS, &a, 1,
						0));
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
			mk_outer(&p, RXL_TUN_VXLAN, 4, VNI_VXLAN, 0);
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
 * frag_tiny); a later fragment whose first passed follows it (IPv4); any
 * other has no ports and is judged only by rules
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
		/* Another datagram's later fragment: its first never came. */
		mk_frag(&p, fam, 0, 1, 64, 0);
		if (fam == 4)
			pk_put16(p.b + 14 + 4, 0x1234);
		else	/* the fragment header's identification */
			pk_put16(p.b + 14 + 40 + 6, 0x1234);
		ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
		EXPECT_EQ(XDP_DROP, r.act) TH_LOG("later frag, default drop");
		EXPECT_EQ(1, r.drops[RXL_DROP_FRAG_NO_FIRST]);
		EXPECT_EQ(1, r.stats[RXL_STAT_FRAG_PORTLESS]);
		/*
		 * The allowed first fragment's own later one follows it
		 * (ct_test.c, frag_* and frag6_*).
		 */
		mk_frag(&p, fam, 0, 1, 64, 0);
		ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
		EXPECT_EQ(XDP_PASS, r.act)
			TH_LOG("later frag of the allowed first, IPv%d", fam);
		EXPECT_EQ(1, r.stats[RXL_STAT_FRAG_FOLLOWED]);

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
	int stop;
	struct pkt p, s;
	/* Written by the traffic thread only (relaxed atomics). */
	unsigned long runs, p_passed, s_pass, s_drop, errors;
};

static void bump(unsigned long *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

static unsigned long peek(unsigned long *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static void *flip_traffic(void *arg)
{
	struct flipper *f = arg;
	uint8_t out[PK_MAX];

	while (!__atomic_load_n(&f->stop, __ATOMIC_RELAXED)) {
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
			bump(&f->errors);
			break;
		}
		if (o.retval != XDP_DROP)
			bump(&f->p_passed);
		if (os.retval == XDP_PASS)
			bump(&f->s_pass);
		else if (os.retval == XDP_DROP)
			bump(&f->s_drop);
		else
			bump(&f->errors);
		bump(&f->runs);
	}
	return NULL;
}

/*
 * Sets A and B flip at least 1000 times (FASTPATH_MIN_FLIPS: fewer under
 * TCG, where each grace period is slow) while another thread runs P and S
 * through the program; every run must be judged by A or by B, whole:
 *  - P (VXLAN, TCP 22 from 10.9.1.1) is dropped by a rule under both (A's
 *    rank 0, B's rank 1). A torn A (rank 0 gone) or an empty one passes
 *    it; a torn B drops it by B's default instead of a rule.
 *  - S (plain TCP 80 from 10.9.1.1) is passed by A's rank 1 rule and
 *    dropped by B's default; a torn A passes it by A's default allow.
 * So the drop reasons and events must add up to exactly what the runs saw.
 */
TEST_F_TIMEOUT(fp, atomic_replace_1000_flips, 600)
{
	struct flipper *f = calloc(1, sizeof(*f));
	__u64 d0[RXL_DROP__MAX], d1[RXL_DROP__MAX];
	__u64 s0[RXL_STAT__MAX], s1[RXL_STAT__MAX];
	unsigned long main_a = 0, main_b = 0, flips, runs, alldrops = 0;
	struct rxl_cont_counter c0, c1;
	const char *env = getenv("FASTPATH_MIN_FLIPS");
	unsigned long min_flips = env ? strtoul(env, NULL, 10) : 1000;
	pthread_t th;
	int i;

	ASSERT_NE(NULL, f);
	ASSERT_LT(0, min_flips) TH_LOG("FASTPATH_MIN_FLIPS '%s'", env);
	f->prog = self->prog;
	mk_tunnel(&f->p, RXL_TUN_VXLAN, 4, 4, VNI_VXLAN, "10.9.1.1",
		  IPPROTO_TCP, 22);
	mk_plain(&f->s, 4, "10.9.1.1", CONT4, IPPROTO_TCP, 80);
	ASSERT_EQ(0, set_rules(&self->fw, CID, false, set_a, 3));
	ASSERT_EQ(0, rxl_fw_drop_counters(&self->fw, d0));
	ASSERT_EQ(0, rxl_fw_stat_counters(&self->fw, s0));
	ASSERT_EQ(0, rxl_fw_container_counter(&self->fw, CID, &c0));
	ASSERT_EQ(0, pthread_create(&th, NULL, flip_traffic, f));
	/* 1000 flips, and on until the thread has seen both sets judge S. */
	for (flips = 0; flips < min_flips ||
	     ((!peek(&f->s_pass) || !peek(&f->s_drop)) && flips < 100000 &&
	      !peek(&f->errors)); flips++) {
		int b = !(flips & 1);
		struct res r;

		ASSERT_EQ(0, set_rules(&self->fw, CID, b, b ? set_b : set_a,
				       3));
		/* Right after a flip this thread sees exactly the new set. */
		ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &f->s, &r));
		ASSERT_EQ(b ? XDP_DROP : XDP_PASS, r.act);
		if (b)
			main_b++;
		else
			main_a++;
	}
	__atomic_store_n(&f->stop, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	ASSERT_EQ(0, rxl_fw_drop_counters(&self->fw, d1));
	ASSERT_EQ(0, rxl_fw_stat_counters(&self->fw, s1));
	ASSERT_EQ(0, rxl_fw_container_counter(&self->fw, CID, &c1));
	runs = f->runs;
	TH_LOG("%lu flips, %lu concurrent runs: S passed %lu, dropped %lu",
	       flips, runs, f->s_pass, f->s_drop);
	EXPECT_EQ(0, f->errors);
	EXPECT_EQ(0, f->p_passed);
	/* The thread ran under both sets: the flips were really concurrent. */
	EXPECT_LT(0, f->s_pass) TH_LOG("no run saw set A after %lu flips", flips);
	EXPECT_LT(0, f->s_drop) TH_LOG("no run saw set B after %lu flips", flips);
	EXPECT_EQ(runs, f->s_pass + f->s_drop);
	/* Every P dropped by a rule of A or B, never by a default. */
	EXPECT_EQ(runs, d1[RXL_DROP_RULE] - d0[RXL_DROP_RULE]);
	/* S dropped only by B's default: the thread's and ours. */
	EXPECT_EQ(f->s_drop + main_b, d1[RXL_DROP_DEFAULT] -
		  d0[RXL_DROP_DEFAULT]);
	for (i = 0; i < RXL_DROP__MAX; i++)
		alldrops += d1[i] - d0[i];
	EXPECT_EQ(runs + f->s_drop + main_b, alldrops);
	/* S passed only by A's rule: A's default allow never judged it. */
	EXPECT_EQ(0, s1[RXL_STAT_DEFAULT_ALLOW] - s0[RXL_STAT_DEFAULT_ALLOW]);
	EXPECT_EQ(runs, s1[RXL_STAT_DECAP_VXLAN] - s0[RXL_STAT_DECAP_VXLAN]);
	/* Every run found the container in the cache, which flipped each time. */
	EXPECT_EQ(0, s1[RXL_STAT_ACACHE_MISS] - s0[RXL_STAT_ACACHE_MISS]);
	/* The container's own counters: each run counted once, where it went. */
	EXPECT_EQ(f->s_pass + main_a, c1.pass.packets - c0.pass.packets);
	EXPECT_EQ(runs + f->s_drop + main_b, c1.drop.packets - c0.drop.packets);
	free(f);
}

/* ---- in-place append (rxlane fw add) against a full recompile ----------- */

/*
 * rxl_fw_rule_append() must leave exactly what rxl_fw_rules_replace() of
 * the whole set would: the same rule keys and values, the same container
 * value (but its tag and counter base), so the same verdicts and the same
 * rule counting. The reference is a second, independent program instance
 * whose container gets every set by a full replace.
 */
struct fp_ref {
	struct rxlane_xdp *skel;
	struct rxl_fw fw;
	int prog;
};

static int ref_load(struct fp_ref *ref)
{
	struct rxl_addr a[2];
	struct bpf_map *m;

	ref->skel = rxlane_xdp__open();
	if (!ref->skel)
		return -1;
	bpf_object__for_each_map(m, ref->skel->obj)
		bpf_map__set_pin_path(m, NULL);
	bpf_map__set_max_entries(ref->skel->maps.rxl_rules4, 1 << 12);
	bpf_map__set_max_entries(ref->skel->maps.rxl_rules6, 1 << 12);
	bpf_map__set_max_entries(ref->skel->maps.rxl_rule_cnt, 1 << 12);
	if (rxlane_xdp__load(ref->skel) ||
	    rxl_fw_open_obj(&ref->fw, ref->skel->obj))
		return -1;
	ref->prog = bpf_program__fd(ref->skel->progs.rxlane_xdp);
	if (add_addr(&a[0], CONT4) || add_addr(&a[1], CONT6))
		return -1;
	return rxl_fw_container_add(&ref->fw, CID, a, 2, 0);
}

/* The live value of container @id (rxl_conts), or -1. */
static int id_val(struct rxl_fw *fw, __u32 id, struct rxl_container *c)
{
	struct rxl_cont_slot *s = fw->cont_mem && id < fw->max_conts ?
				  &fw->cont_mem[id] : NULL;

	if (!s || (s->live != 1 && s->live != 2))
		return -1;
	*c = s->buf[s->live - 1];
	return 0;
}

/*
 * The live value of CID (rxl_conts), both of whose addresses must lead to
 * it.
 */
static int cont_val(struct rxl_fw *fw, struct rxl_container *c)
{
	struct rxl_addr_val v4, v6;
	struct rxl_cont_slot *s;
	struct rxl_addr a4, a6;
	__u32 id = CID;

	s = malloc(sizeof(*s));
	if (!s || add_addr(&a4, CONT4) || add_addr(&a6, CONT6) ||
	    bpf_map_lookup_elem(fw->addrs4, a4.addr, &v4) ||
	    bpf_map_lookup_elem(fw->addrs6, a6.addr, &v6) ||
	    bpf_map_lookup_elem(fw->conts, &id, s) ||
	    (s->live != 1 && s->live != 2)) {
		free(s);
		return -1;
	}
	*c = s->buf[s->live - 1];
	free(s);
	return v4.id != CID || v6.id != CID ? -2 : 0;
}

#define MAX_VIEW_KEYS	64

/* Rule keys of one set (tag cleared) with their values, in key order. */
struct set_view {
	unsigned int n[2];
	struct { union rxl_view_key {
			struct rxl_rule4_key k4;
			struct rxl_rule6_key k6;
		} k;
		struct rxl_rule_val v;
	} e[2][MAX_VIEW_KEYS];
};

static int view_cmp4(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct rxl_rule4_key));
}

static int view_cmp6(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct rxl_rule6_key));
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* Each reference: a counter slot of the set. */
#define VIEW_REFS(sv, f, i, j, ref)					\
	for (j = 0; j <= RXL_MAX_SEGS; j++)				\
		if ((ref = j < RXL_MAX_SEGS ?				\
		     &(sv)->e[f][i].v.segs[j].rule :			\
		     &(sv)->e[f][i].v.portless), j < RXL_MAX_SEGS &&	\
		    j >= (sv)->e[f][i].v.nsegs)				\
			continue;					\
		else if (*ref != RXL_NO_RULE)

/*
 * References from counter slots to their order in the set (slots ascend
 * with rank): two sets judge alike whatever slots they were given.
 */
static void view_ranks(struct set_view *sv)
{
	static __u32 slots[2 * MAX_VIEW_KEYS * (RXL_MAX_SEGS + 1)];
	unsigned int f, i, j, n = 0, m = 0;
	__u32 *ref, *hit;

	for (f = 0; f < 2; f++)
		for (i = 0; i < sv->n[f]; i++)
			VIEW_REFS(sv, f, i, j, ref)
				slots[n++] = *ref & RXL_RULE_RANK;
	qsort(slots, n, sizeof(*slots), cmp_u32);
	for (i = 0; i < n; i++)
		if (!m || slots[m - 1] != slots[i])
			slots[m++] = slots[i];
	for (f = 0; f < 2; f++)
		for (i = 0; i < sv->n[f]; i++)
			VIEW_REFS(sv, f, i, j, ref) {
				__u32 s = *ref & RXL_RULE_RANK;

				hit = bsearch(&s, slots, m, sizeof(*slots),
					      cmp_u32);
				*ref = (*ref & RXL_RULE_DROP) |
				       (__u32)(hit - slots);
			}
}

static int set_view(struct rxl_fw *fw, __u32 tag, struct set_view *sv)
{
	int fds[2] = { fw->rules4, fw->rules6 }, f;

	memset(sv, 0, sizeof(*sv));
	for (f = 0; f < 2; f++) {
		union rxl_view_key k, next;
		void *prev = NULL;

		/* A v4 key fills only the first 12 bytes: compare zeros. */
		memset(&next, 0, sizeof(next));
		while (!bpf_map_get_next_key(fds[f], prev, &next)) {
			k = next;
			prev = &k;
			/* set is the first field of both key types */
			if (k.k4.set != tag)
				continue;
			if (sv->n[f] == MAX_VIEW_KEYS)
				return -1;
			sv->e[f][sv->n[f]].k = k;
			sv->e[f][sv->n[f]].k.k4.set = 0;
			if (bpf_map_lookup_elem(fds[f], &k,
						&sv->e[f][sv->n[f]].v))
				return -1;
			sv->n[f]++;
		}
		qsort(sv->e[f], sv->n[f], sizeof(sv->e[f][0]),
		      f ? view_cmp6 : view_cmp4);
	}
	view_ranks(sv);
	return 0;
}

/* Same rule keys and values, same container but for tag and base. */
static void expect_same_maps(struct __test_metadata *_metadata,
			     struct rxl_fw *fw, struct rxl_fw *ref,
			     const char *what)
{
	struct set_view *x = calloc(1, sizeof(*x)), *y = calloc(1, sizeof(*y));
	struct rxl_container cx, cy;
	int f;

	ASSERT_NE(NULL, x);
	ASSERT_NE(NULL, y);
	ASSERT_EQ(0, cont_val(fw, &cx)) TH_LOG("%s", what);
	ASSERT_EQ(0, cont_val(ref, &cy)) TH_LOG("%s", what);
	EXPECT_EQ(cy.nrules, cx.nrules) TH_LOG("%s", what);
	EXPECT_EQ(cy.flags, cx.flags) TH_LOG("%s", what);
	EXPECT_EQ(cy.nshapes4, cx.nshapes4) TH_LOG("%s", what);
	EXPECT_EQ(cy.nshapes6, cx.nshapes6) TH_LOG("%s", what);
	EXPECT_EQ(0, memcmp(cx.shapes4, cy.shapes4, sizeof(cx.shapes4)))
		TH_LOG("%s: IPv4 shapes differ", what);
	EXPECT_EQ(0, memcmp(cx.shapes6, cy.shapes6, sizeof(cx.shapes6)))
		TH_LOG("%s: IPv6 shapes differ", what);
	ASSERT_EQ(0, set_view(fw, cx.set, x)) TH_LOG("%s", what);
	ASSERT_EQ(0, set_view(ref, cy.set, y)) TH_LOG("%s", what);
	for (f = 0; f < 2; f++) {
		EXPECT_EQ(y->n[f], x->n[f])
			TH_LOG("%s: IPv%d keys", what, f ? 6 : 4);
		if (x->n[f] == y->n[f])
			EXPECT_EQ(0, memcmp(x->e[f], y->e[f],
					    x->n[f] * sizeof(x->e[f][0])))
				TH_LOG("%s: IPv%d rule keys or values differ",
				       what, f ? 6 : 4);
	}
	free(x);
	free(y);
}

/* The verdict of one run of @p, or -1. */
static int run_act(int prog, const struct pkt *p)
{
	uint8_t out[PK_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = p->b, .data_size_in = p->len,
		.data_out = out, .data_size_out = sizeof(out),
		.repeat = 1);

	return bpf_prog_test_run_opts(prog, &o) ? -1 : (int)o.retval;
}

/*
 * Rule counters of ranks 0..n-1 of CID, whose set is @rules: through the
 * slots the library says each rank counts in (a shadowed rank: 0).
 */
static void rank_hits(struct rxl_fw *fw, const struct rxl_rule *rules,
		      unsigned int n, __u64 *out)
{
	struct rxl_counter pc[512];
	__u32 slot[64];
	unsigned int i;
	int c;

	memset(out, 0xff, n * sizeof(*out));
	if (rxl_fw_rule_slots(fw, CID, rules, n, slot))
		return;
	for (i = 0; i < n; i++) {
		out[i] = 0;
		if (slot[i] == RXL_NO_RULE ||
		    bpf_map_lookup_elem(fw->rule_cnt, &slot[i], pc))
			continue;
		for (c = 0; c < fw->ncpus && c < 512; c++)
			out[i] += pc[c].packets;
	}
}

/*
 * Crafted frames to the container, both families: each must get the same
 * verdict, drop reason and judging rule from both programs.
 */
static void expect_same_verdicts(struct __test_metadata *_metadata,
				 FIXTURE_DATA(fp) *self, struct fp_ref *ref,
				 const struct rxl_rule *rules,
				 unsigned int nrules, const char *what)
{
	static const char *const src4[] = { "10.9.1.1", "10.7.0.1",
		"10.8.1.1", "10.3.2.1", "11.0.0.1" };
	static const char *const src6[] = { "fd00:9::1", "fd00:1::5",
		"2001:db8::9" };
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP,
					  IPPROTO_ICMP };
	static const uint16_t ports[] = { 0, 20, 21, 22, 25, 30, 31, 53, 80,
		100, 110, 150, 443, 450, 500, 501, 1000, 1010, 1070, 5000,
		5999, 6000, 6500, 6501, 8080, 65535 };
	__u64 hx0[64], hx1[64], hy0[64], hy1[64];
	__u64 dx0[RXL_DROP__MAX], dx1[RXL_DROP__MAX];
	__u64 dy0[RXL_DROP__MAX], dy1[RXL_DROP__MAX];
	struct pkt *p = calloc(1, sizeof(*p));
	unsigned int s, q, k, i, n = 0;

	ASSERT_NE(NULL, p);
	ASSERT_GE(64, nrules);
	rank_hits(&self->fw, rules, nrules, hx0);
	rank_hits(&ref->fw, rules, nrules, hy0);
	for (i = 0; i < nrules; i++)
		ASSERT_NE(~0ULL, hx0[i] & hy0[i])
			TH_LOG("%s: no counter slots for the rules", what);
	ASSERT_EQ(0, rxl_fw_drop_counters(&self->fw, dx0));
	ASSERT_EQ(0, rxl_fw_drop_counters(&ref->fw, dy0));
	for (s = 0; s < 8; s++)
	for (q = 0; q < 3; q++)
	for (k = 0; k < sizeof(ports) / sizeof(ports[0]); k++) {
		int fam = s < 5 ? 4 : 6, ax, ay;

		if (protos[q] == IPPROTO_ICMP && k)
			continue;
		mk_plain(p, fam, s < 5 ? src4[s] : src6[s - 5],
			 fam == 4 ? CONT4 : CONT6, protos[q], ports[k]);
		ax = run_act(self->prog, p);
		ay = run_act(ref->prog, p);
		EXPECT_EQ(ay, ax)
			TH_LOG("%s: %s proto %u port %u", what,
			       s < 5 ? src4[s] : src6[s - 5], protos[q],
			       ports[k]);
		n++;
	}
	/* The same drops by the same reasons, judged by the same ranks. */
	ASSERT_EQ(0, rxl_fw_drop_counters(&self->fw, dx1));
	ASSERT_EQ(0, rxl_fw_drop_counters(&ref->fw, dy1));
	for (i = 0; i < RXL_DROP__MAX; i++)
		EXPECT_EQ(dy1[i] - dy0[i], dx1[i] - dx0[i])
			TH_LOG("%s: drops %s", what, rxl_drop_name(i));
	rank_hits(&self->fw, rules, nrules, hx1);
	rank_hits(&ref->fw, rules, nrules, hy1);
	for (i = 0; i < nrules; i++)
		EXPECT_EQ(hy1[i] - hy0[i], hx1[i] - hx0[i])
			TH_LOG("%s: packets judged by rank %u", what, i);
	EXPECT_LT(100, n);
	free(p);
}

enum append_outcome {
	APPENDED,	/* in place: same tag, same counter base */
	FB_SLOT,	/* the counter slot after the set is another's */
	FB_SHAPE,	/* a source shape the set does not have */
	FB_SEGS,	/* past RXL_MAX_SEGS: the full replace refuses too */
	FB_SHADOW,	/* earlier rules cover it all */
};

static const char *const outcome_name[] = { "appended", "slot taken",
	"new shape", "segments", "shadowed" };

struct append_state {
	struct rxl_rule rules[64];
	unsigned int n;
	unsigned int seen[5];
};

/*
 * Add @text as rxlane fw add does: in place, else a full replace of the
 * set with it; the reference gets the full replace. Checks the outcome
 * is @want and what it left in the maps.
 */
static void append_step(struct __test_metadata *_metadata,
			FIXTURE_DATA(fp) *self, struct fp_ref *ref,
			struct append_state *st, const char *text, int want)
{
	struct rxl_container before, after;
	struct set_view *sv0 = NULL, *sv1 = NULL;
	char err[128], what[160];
	int ret, full = 0;

	snprintf(what, sizeof(what), "'%s' (%s)", text, outcome_name[want]);
	ASSERT_GT(64, st->n);
	ASSERT_EQ(0, rxl_parse_rule(text, &st->rules[st->n], err,
				    sizeof(err))) TH_LOG("%s: %s", text, err);
	ASSERT_EQ(0, cont_val(&self->fw, &before));
	ret = rxl_fw_rule_append(&self->fw, CID, &st->rules[st->n]);
	ASSERT_EQ(want == APPENDED ? 0 : -EAGAIN, ret)
		TH_LOG("%s: append returned %d (%s)", what, ret,
		       rxl_fw_error(&self->fw));
	if (ret == -EAGAIN) {
		ASSERT_EQ(0, cont_val(&self->fw, &after));
		EXPECT_EQ(0, memcmp(&before, &after, sizeof(after)))
			TH_LOG("%s: a refused append changed the container",
			       what);
		sv0 = calloc(1, sizeof(*sv0));
		sv1 = calloc(1, sizeof(*sv1));
		ASSERT_NE(NULL, sv0);
		ASSERT_NE(NULL, sv1);
		ASSERT_EQ(0, set_view(&self->fw, before.set, sv0));
		full = rxl_fw_rules_replace(&self->fw, CID, st->rules,
					    st->n + 1, true);
	}
	ret = rxl_fw_rules_replace(&ref->fw, CID, st->rules, st->n + 1, true);
	ASSERT_EQ(0, cont_val(&self->fw, &after));
	switch (want) {
	case APPENDED:
		EXPECT_EQ(0, ret) TH_LOG("%s: %s", what, rxl_fw_error(&ref->fw));
		EXPECT_EQ(before.set, after.set) TH_LOG("%s: new tag", what);
		EXPECT_EQ(before.rule_base, after.rule_base) TH_LOG("%s", what);
		EXPECT_EQ(before.nrules + 1, after.nrules) TH_LOG("%s", what);
		break;
	case FB_SEGS:
		/* Nothing can hold it: both refuse, nothing changed. */
		EXPECT_EQ(-E2BIG, full) TH_LOG("%s", what);
		EXPECT_NE(NULL, strstr(rxl_fw_error(&self->fw), "segments"));
		EXPECT_EQ(-E2BIG, ret) TH_LOG("%s: reference", what);
		EXPECT_EQ(0, memcmp(&before, &after, sizeof(after)))
			TH_LOG("%s: changed", what);
		ASSERT_EQ(0, set_view(&self->fw, after.set, sv1));
		EXPECT_EQ(0, memcmp(sv0, sv1, sizeof(*sv0))) TH_LOG("%s", what);
		break;
	default:
		EXPECT_EQ(0, full) TH_LOG("%s: %s", what,
					  rxl_fw_error(&self->fw));
		EXPECT_EQ(0, ret) TH_LOG("%s: %s", what, rxl_fw_error(&ref->fw));
		EXPECT_NE(before.set, after.set)
			TH_LOG("%s: not replaced", what);
		EXPECT_EQ(before.nrules + 1, after.nrules) TH_LOG("%s", what);
		break;
	}
	/* What shows which fallback it was, in the maps. */
	if (want == FB_SLOT)
		EXPECT_NE(before.rule_base, after.rule_base) TH_LOG("%s", what);
	if (want == FB_SHAPE)
		EXPECT_EQ(before.nshapes4 + before.nshapes6 + 1,
			  after.nshapes4 + after.nshapes6) TH_LOG("%s", what);
	if (want == FB_SHADOW) {
		ASSERT_EQ(0, set_view(&self->fw, after.set, sv1));
		EXPECT_EQ(0, memcmp(sv0, sv1, sizeof(*sv0)))
			TH_LOG("%s: a shadowed rule changed rule keys", what);
	}
	if (want != FB_SEGS)
		st->n++;
	st->seen[want]++;
	free(sv0);
	free(sv1);
	expect_same_maps(_metadata, &self->fw, &ref->fw, what);
	expect_same_verdicts(_metadata, self, ref, st->rules, st->n, what);
}

/* Append rules to the (IPv4 or IPv6) key of @fmt until one cannot be. */
static void fill_segments(struct __test_metadata *_metadata,
			  FIXTURE_DATA(fp) *self, struct fp_ref *ref,
			  struct append_state *st, const char *fmt)
{
	char text[96];
	int i;

	for (i = 0; i <= RXL_MAX_SEGS; i++) {
		snprintf(text, sizeof(text), fmt, 1000 + 10 * i);
		append_step(_metadata, self, ref, st, text,
			    i < RXL_MAX_SEGS ? APPENDED : FB_SEGS);
		if (st->seen[FB_SEGS])
			return;
	}
}

TEST_F_TIMEOUT(fp, append_matches_full_replace, 600)
{
	static const char *const first[] = {
		"prio 10 from 10.9.0.0/16 proto tcp dport 22 drop",
		"prio 10 from fd00:9::/32 proto tcp dport 443 allow",
		"prio 10 proto icmp allow",
		"prio 10 from 10.8.0.0/16 proto any dport 5000-5999 drop",
	};
	struct append_state *st = calloc(1, sizeof(*st));
	struct fp_ref ref = {};
	struct rxl_container cx, cz;
	struct rxl_addr z;
	char err[128];
	unsigned int i;

	ASSERT_NE(NULL, st);
	ASSERT_EQ(0, ref_load(&ref));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, rxl_parse_rule(first[i], &st->rules[i], err,
					    sizeof(err)));
	st->n = 4;
	ASSERT_EQ(0, rxl_fw_rules_replace(&self->fw, CID, st->rules, 4, true));
	ASSERT_EQ(0, rxl_fw_rules_replace(&ref.fw, CID, st->rules, 4, true));
	expect_same_maps(_metadata, &self->fw, &ref.fw, "first set");

	/* Segment filling, IPv4 then IPv6: around, between, past a key. */
	append_step(_metadata, self, &ref, st,
		    "prio 20 from 10.9.0.0/16 proto tcp dport 20-30 allow",
		    APPENDED);
	append_step(_metadata, self, &ref, st,
		    "prio 20 from fd00:9::/32 proto tcp dport 400-500 drop",
		    APPENDED);
	/* A new key of a known shape, all ports: it judges portless too. */
	append_step(_metadata, self, &ref, st,
		    "prio 20 from 10.7.0.0/16 proto udp allow", APPENDED);
	append_step(_metadata, self, &ref, st,
		    "prio 30 from fd00:9::/32 proto tcp allow", APPENDED);
	/* Both families at once, and an any-protocol key. */
	append_step(_metadata, self, &ref, st,
		    "prio 30 proto tcp dport 8080 allow", APPENDED);
	append_step(_metadata, self, &ref, st,
		    "prio 30 from 10.8.0.0/16 dport 5500-6500 allow", APPENDED);

	/*
	 * Another container's set takes the counter slot right after this
	 * one's: an append is still in place, its counter the next free slot
	 * past it (a slot is a reference, no run of slots is needed).
	 */
	ASSERT_EQ(0, add_addr(&z, "10.1.0.9"));
	ASSERT_EQ(0, rxl_fw_container_add(&self->fw, 9, &z, 1, 0));
	ASSERT_EQ(0, set_rules(&self->fw, 9, false,
			       (const char *const[]){ "prio 1 allow" }, 1));
	ASSERT_EQ(0, cont_val(&self->fw, &cx));
	ASSERT_EQ(0, id_val(&self->fw, 9, &cz));
	ASSERT_EQ(0, cz.rule_base);
	append_step(_metadata, self, &ref, st,
		    "prio 40 from 10.9.0.0/16 proto tcp dport 80 allow",
		    APPENDED);
	append_step(_metadata, self, &ref, st,
		    "prio 40 from 10.9.0.0/16 proto tcp dport 100-150 drop",
		    APPENDED);

	append_step(_metadata, self, &ref, st,
		    "prio 40 from 10.0.0.0/8 proto tcp dport 80 allow",
		    FB_SHAPE);
	append_step(_metadata, self, &ref, st,
		    "prio 40 from fd00::/16 allow", FB_SHAPE);
	append_step(_metadata, self, &ref, st,
		    "prio 50 from 10.9.0.0/16 proto tcp dport 22 allow",
		    FB_SHADOW);
	append_step(_metadata, self, &ref, st,
		    "prio 50 from 10.7.0.0/16 proto udp allow", FB_SHADOW);

	fill_segments(_metadata, self, &ref, st,
		      "prio 60 from 10.3.0.0/16 proto udp dport %d drop");
	st->seen[FB_SEGS] = 0;
	fill_segments(_metadata, self, &ref, st,
		      "prio 60 from fd00:1::/32 proto udp dport %d drop");
	TH_LOG("%u rules: appended %u, fell back: slot %u, shape %u, shadowed %u; segments refused",
	       st->n, st->seen[APPENDED], st->seen[FB_SLOT], st->seen[FB_SHAPE],
	       st->seen[FB_SHADOW]);
	rxl_fw_close(&ref.fw);
	rxlane_xdp__destroy(ref.skel);
	free(st);
}

/* ---- shape protocol mask (rxl_shape.protos) ------------------------------ */

/*
 * Sets protos of IPv4 shape @k of CID to @protos where the program reads
 * it: CID's live value, in place through the library's mapping of
 * rxl_conts (no packet is in flight here).
 */
static int poke_protos4(struct rxl_fw *fw, unsigned int k, __u16 protos)
{
	struct rxl_cont_slot *s = fw->cont_mem ? &fw->cont_mem[CID] : NULL;

	if (!s || (s->live != 1 && s->live != 2))
		return -1;
	s->buf[s->live - 1].shapes4[k].protos = protos;
	return 0;
}

/* The IPv4 shape of CID with prefix length @plen, or -1. */
static int shape4_of(struct rxl_fw *fw, unsigned int plen,
		     struct rxl_shape *out)
{
	struct rxl_container c;
	unsigned int k;

	if (cont_val(fw, &c))
		return -1;
	for (k = 0; k < c.nshapes4 && k < RXL_MAX_SHAPES; k++)
		if (c.shapes4[k].plen == plen) {
			*out = c.shapes4[k];
			return k;
		}
	return -1;
}

#define MASK_VERDICT(src, proto, dport, want, what) do {		\
	struct pkt _p;							\
									\
	mk_tunnel(&_p, RXL_TUN_VXLAN, 4, 4, VNI_VXLAN, (src), (proto),	\
		  (dport));						\
	CHECK_VERDICT(&_p, (want), (want) == XDP_DROP ?			\
		      RXL_DROP_DEFAULT : NO_DROP, (what));		\
} while (0)

/*
 * The compiler records in each shape the protocols its rules name, and the
 * program skips a shape's lookup for any other protocol: the two
 * shapes (udp dport 8080 from a /8; tcp from a /32) judge as before.
 * A mask that omits a protocol a shape's rules name is a wrong verdict
 * (the program honours the mask), protos 0 (pins of an older build) looks
 * up always, and a rule appended in place with a protocol new to its
 * shape adds it to the mask.
 */
TEST_F(fp, shape_protocol_mask)
{
	struct rxl_shape sh;
	struct rxl_rule r;
	char err[128];
	int k0, k32;

	/* A /8, not the issue's /0: UDP from anywhere has no shape. */
	SET_RULES(true, "allow proto udp from 11.0.0.0/8 dport 8080",
		  "allow proto tcp from 11.0.0.1/32 dport 1000-1999",
		  "allow proto icmp from 11.0.0.1/32");
	k0 = shape4_of(&self->fw, 8, &sh);
	ASSERT_LE(0, k0);
	EXPECT_EQ(rxl_proto_bit(IPPROTO_UDP), sh.protos);
	k32 = shape4_of(&self->fw, 32, &sh);
	ASSERT_LE(0, k32);
	EXPECT_EQ(rxl_proto_bit(IPPROTO_TCP) | rxl_proto_bit(IPPROTO_ICMP),
		  sh.protos);
	/* The four protocols a rule can name have bits of their own. */
	EXPECT_EQ(4, __builtin_popcount(rxl_proto_bit(IPPROTO_TCP) |
					rxl_proto_bit(IPPROTO_UDP) |
					rxl_proto_bit(IPPROTO_ICMP) |
					rxl_proto_bit(IPPROTO_ICMPV6)));

	MASK_VERDICT("11.0.0.1", IPPROTO_TCP, 1500, XDP_PASS, "tcp /32");
	MASK_VERDICT("11.0.0.1", IPPROTO_ICMP, 0, XDP_PASS, "icmp /32");
	MASK_VERDICT("11.0.0.2", IPPROTO_TCP, 1500, XDP_DROP, "tcp other");
	MASK_VERDICT("11.0.0.2", IPPROTO_UDP, 8080, XDP_PASS, "udp 8080");
	MASK_VERDICT("11.0.0.1", IPPROTO_UDP, 1500, XDP_DROP, "udp /32");

	/* A mask without TCP: the /32 shape is no longer looked up. */
	ASSERT_EQ(0, poke_protos4(&self->fw, k32,
				  rxl_proto_bit(IPPROTO_ICMP)));
	MASK_VERDICT("11.0.0.1", IPPROTO_TCP, 1500, XDP_DROP,
		     "tcp /32, mask without tcp");
	MASK_VERDICT("11.0.0.1", IPPROTO_ICMP, 0, XDP_PASS,
		     "icmp /32, mask without tcp");
	/* 0, as an older build left it: always looked up. */
	ASSERT_EQ(0, poke_protos4(&self->fw, k32, 0));
	ASSERT_EQ(0, poke_protos4(&self->fw, k0, 0));
	MASK_VERDICT("11.0.0.1", IPPROTO_TCP, 1500, XDP_PASS, "tcp, mask 0");
	MASK_VERDICT("11.0.0.2", IPPROTO_UDP, 8080, XDP_PASS, "udp, mask 0");
	MASK_VERDICT("11.0.0.1", IPPROTO_UDP, 1500, XDP_DROP,
		     "udp /32, mask 0");

	/* Appending UDP to the tcp /32 shape must make it look up UDP. */
	SET_RULES(true, "allow proto udp dport 8080",
		  "allow proto tcp from 11.0.0.1/32 dport 1000-1999");
	ASSERT_EQ(0, rxl_parse_rule("allow proto udp from 11.0.0.3/32 dport 53",
				    &r, err, sizeof(err)));
	ASSERT_EQ(0, rxl_fw_rule_append(&self->fw, CID, &r))
		TH_LOG("append: %s", rxl_fw_error(&self->fw));
	k32 = shape4_of(&self->fw, 32, &sh);
	ASSERT_LE(0, k32);
	EXPECT_EQ(rxl_proto_bit(IPPROTO_TCP) | rxl_proto_bit(IPPROTO_UDP),
		  sh.protos);
	MASK_VERDICT("11.0.0.3", IPPROTO_UDP, 53, XDP_PASS,
		     "udp appended to the tcp /32 shape");
	MASK_VERDICT("11.0.0.1", IPPROTO_TCP, 1500, XDP_PASS,
		     "tcp /32 after the append");
}

/* A VXLAN frame to CID and the verdict its set must give it. */
struct shape_case {
	int phase;		/* the set it is judged by: shape_sets[] */
	int fam;		/* inner family, 4 or 6 */
	const char *src;
	uint8_t proto;
	uint16_t dport;
	int want;		/* XDP_PASS or XDP_DROP */
	int why;		/* RXL_DROP_* or NO_DROP */
	const char *what;
};

/* The sets, in order; SH_MASK is SH_ONE with its /24 mask without TCP. */
enum { SH_ONE, SH_MASK, SH_ANY, SH_TWO, SH_BACK };

static const struct shape_case shape_cases[] = {
	{ SH_ONE, 4, "10.9.1.5", IPPROTO_TCP, 22, XDP_PASS, NO_DROP,
	  "v4 allow" },
	{ SH_ONE, 4, "10.9.1.5", IPPROTO_TCP, 23, XDP_DROP, RXL_DROP_DEFAULT,
	  "v4 port outside" },
	{ SH_ONE, 4, "10.9.2.200", IPPROTO_TCP, 80, XDP_DROP, RXL_DROP_RULE,
	  "v4 drop rule" },
	{ SH_ONE, 4, "10.9.3.7", IPPROTO_UDP, 53, XDP_PASS, NO_DROP,
	  "v4 udp, every port" },
	{ SH_ONE, 4, "10.9.3.7", IPPROTO_TCP, 53, XDP_DROP, RXL_DROP_DEFAULT,
	  "v4 protocol of the key" },
	{ SH_ONE, 4, "10.9.4.5", IPPROTO_TCP, 22, XDP_DROP, RXL_DROP_DEFAULT,
	  "v4 source outside the mask" },
	{ SH_ONE, 4, "10.9.1.5", IPPROTO_ICMP, 0, XDP_DROP, RXL_DROP_DEFAULT,
	  "v4 icmp, no rule names it" },
	{ SH_ONE, 6, "fd00:9::77", IPPROTO_TCP, 443, XDP_PASS, NO_DROP,
	  "v6 allow" },
	{ SH_ONE, 6, "fd00:9:0:1::77", IPPROTO_TCP, 443, XDP_DROP,
	  RXL_DROP_DEFAULT, "v6 source outside the mask" },
	{ SH_ONE, 6, "fd00:9::77", IPPROTO_UDP, 443, XDP_DROP,
	  RXL_DROP_DEFAULT, "v6 protocol of the key" },
	/* The protocol mask of the one shape is honoured too. */
	{ SH_MASK, 4, "10.9.1.5", IPPROTO_TCP, 22, XDP_DROP, RXL_DROP_DEFAULT,
	  "v4 tcp, mask without tcp" },
	{ SH_MASK, 4, "10.9.3.7", IPPROTO_UDP, 53, XDP_PASS, NO_DROP,
	  "v4 udp, mask without tcp" },
	/* One any-protocol shape. */
	{ SH_ANY, 4, "10.9.200.1", IPPROTO_UDP, 9, XDP_PASS, NO_DROP,
	  "v4 any protocol, udp" },
	{ SH_ANY, 4, "10.9.200.1", IPPROTO_ICMP, 0, XDP_PASS, NO_DROP,
	  "v4 any protocol, icmp" },
	{ SH_ANY, 4, "10.10.0.1", IPPROTO_TCP, 9, XDP_DROP, RXL_DROP_DEFAULT,
	  "v4 any protocol, outside" },
	{ SH_ANY, 6, "fd00:9:ff::1", IPPROTO_TCP, 9, XDP_DROP, RXL_DROP_RULE,
	  "v6 any protocol drop" },
	/* A second shape, then back to one: each judged by all it has. */
	{ SH_TWO, 4, "10.9.1.5", IPPROTO_TCP, 22, XDP_DROP, RXL_DROP_RULE,
	  "two shapes: the /32 drop ranks first" },
	{ SH_TWO, 4, "10.9.1.6", IPPROTO_TCP, 22, XDP_PASS, NO_DROP,
	  "two shapes: the /24 allow" },
	/* Verdicts of each shape alone, not the default's (allow). */
	{ SH_TWO, 4, "10.9.1.6", IPPROTO_TCP, 23, XDP_DROP, RXL_DROP_RULE,
	  "two shapes: the /24 drop" },
	{ SH_TWO, 4, "10.9.1.5", IPPROTO_TCP, 23, XDP_DROP, RXL_DROP_RULE,
	  "two shapes: the /32 misses the port, the /24 drops" },
	{ SH_BACK, 4, "10.9.1.5", IPPROTO_TCP, 22, XDP_DROP, RXL_DROP_RULE,
	  "back to one: the /32 drop" },
	{ SH_BACK, 4, "10.9.1.6", IPPROTO_TCP, 22, XDP_DROP, RXL_DROP_DEFAULT,
	  "back to one: the /24 is gone" },
	{ SH_BACK, 6, "fd00:9::77", IPPROTO_TCP, 443, XDP_DROP,
	  RXL_DROP_DEFAULT, "v6 without shapes" },
};

/* Each phase's set and how many shapes per family it compiles to. */
static const struct {
	const char *rules[4];
	unsigned int nrules, nshapes4, nshapes6;
} shape_sets[] = {
	[SH_ONE] = { { "allow proto tcp from 10.9.1.0/24 dport 22",
		       "drop proto tcp from 10.9.2.0/24 dport 1-1000",
		       "allow proto udp from 10.9.3.0/24",
		       "allow proto tcp from fd00:9::/64 dport 443" },
		     4, 1, 1 },
	[SH_MASK] = { { NULL }, 0, 1, 1 },	/* SH_ONE's, its mask poked */
	[SH_ANY] = { { "allow from 10.9.0.0/16", "drop from fd00:9::/32" },
		     2, 1, 1 },
	[SH_TWO] = { { "prio 2 allow proto tcp from 10.9.1.0/24 dport 22",
		       "prio 1 drop proto tcp from 10.9.1.5/32 dport 22",
		       "prio 3 drop proto tcp from 10.9.1.0/24 dport 23" },
		     3, 2, 0 },
	[SH_BACK] = { { "drop proto tcp from 10.9.1.5/32 dport 22" }, 1, 1, 0 },
};

/* Make the set of @phase (or poke SH_MASK's mask) and check its shapes. */
static void shape_phase(struct __test_metadata *_metadata,
			FIXTURE_DATA(fp) *self, int phase)
{
	struct rxl_container c;
	struct rxl_shape sh;

	/* The IPv4 value alone is poked: its IPv6 twin differs then. */
	if (phase == SH_MASK) {
		ASSERT_EQ(0, shape4_of(&self->fw, 24, &sh));
		ASSERT_EQ(0, poke_protos4(&self->fw, 0,
					  rxl_proto_bit(IPPROTO_UDP)));
		return;
	}
	ASSERT_EQ(0, set_rules(&self->fw, CID, true, shape_sets[phase].rules,
			       shape_sets[phase].nrules));
	ASSERT_EQ(0, cont_val(&self->fw, &c));
	ASSERT_EQ(shape_sets[phase].nshapes4, c.nshapes4)
		TH_LOG("phase %d", phase);
	ASSERT_EQ(shape_sets[phase].nshapes6, c.nshapes6)
		TH_LOG("phase %d", phase);
}

/*
 * A set whose rules all have one shape per family is judged by that shape
 * alone (rxl_judge4/6 skip the loop): its mask, its protocol kind, its
 * protocol mask and every segment's verdict still count, and a set that
 * grows a second shape, or shrinks back to one, is judged by all of them.
 * One table of frames; each phase's set is made before its first frame.
 */
TEST_F(fp, single_shape)
{
	int phase = -1;
	size_t i;

	for (i = 0; i < sizeof(shape_cases) / sizeof(shape_cases[0]); i++) {
		const struct shape_case *t = &shape_cases[i];
		struct pkt p;

		while (phase < t->phase)
			shape_phase(_metadata, self, ++phase);
		mk_tunnel(&p, RXL_TUN_VXLAN, 4, t->fam, VNI_VXLAN, t->src,
			  t->proto, t->dport);
		CHECK_VERDICT(&p, t->want, t->why, t->what);
	}
	ASSERT_EQ(SH_BACK, phase);
}

TEST_HARNESS_MAIN
