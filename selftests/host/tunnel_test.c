// SPDX-License-Identifier: GPL-2.0
/*
 * tunnel_test - BPF_PROG_TEST_RUN tests of what the fast path lets out of
 * a tunnel (issue 13, security): a decapsulated frame reaches a container
 * bound to its VNI or is dropped, never passed bare; GENEVE critical
 * options; the hop limit of exempted neighbour discovery; host fragments
 * to a VTEP; the UDP port clash; container and VTEP addresses refused.
 *
 * Each case checks the verdict and that exactly its drop reason moved.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>

#include "kselftest_harness.h"
#include "rxlane_xdp.skel.h"
#include "fw.h"
#include "pktbuild.h"
#include "fp_run.h"

#define CONT4		"10.1.0.2"
#define CONT6		"fd00:1::2"
#define HOST4		"10.1.0.99"	/* no container's */
#define VNI_A		100		/* known, container bound (VXLAN) */
#define VNI_B		101		/* known, not bound */
#define CID		7
#define NO_DROP		(-1)


FIXTURE(tun) {
	struct rxlane_xdp *skel;
	struct rxl_fw fw;
	int prog;
};

FIXTURE_SETUP(tun)
{
	struct rxl_addr a[2];
	struct bpf_map *m;
	int t;

	self->skel = rxlane_xdp__open();
	ASSERT_NE(NULL, self->skel);
	bpf_object__for_each_map(m, self->skel->obj)
		bpf_map__set_pin_path(m, NULL);
	bpf_map__set_max_entries(self->skel->maps.rxl_rules4, 1024);
	bpf_map__set_max_entries(self->skel->maps.rxl_rules6, 1024);
	bpf_map__set_max_entries(self->skel->maps.rxl_rule_cnt, 1024);
	ASSERT_EQ(0, rxlane_xdp__load(self->skel));
	ASSERT_EQ(0, rxl_fw_open_obj(&self->fw, self->skel->obj));
	self->prog = bpf_program__fd(self->skel->progs.rxlane_xdp);

	ASSERT_EQ(0, rxl_parse_addr(VTEP4, &a[0]));
	ASSERT_EQ(0, rxl_fw_vtep_add(&self->fw, &a[0], RXL_TUN_ALL));
	ASSERT_EQ(0, rxl_parse_addr(VTEP6, &a[0]));
	ASSERT_EQ(0, rxl_fw_vtep_add(&self->fw, &a[0], RXL_TUN_ALL));
	for (t = RXL_TUN_VXLAN; t <= RXL_TUN_NVGRE; t++) {
		ASSERT_EQ(0, rxl_fw_vni_add(&self->fw, t, VNI_A));
		ASSERT_EQ(0, rxl_fw_vni_add(&self->fw, t, VNI_B));
	}
	ASSERT_EQ(0, rxl_parse_addr(CONT4, &a[0]));
	ASSERT_EQ(0, rxl_parse_addr(CONT6, &a[1]));
	ASSERT_EQ(0, rxl_fw_container_add(&self->fw, CID, a, 2, 0));
}

FIXTURE_TEARDOWN(tun)
{
	rxl_fw_close(&self->fw);
	rxlane_xdp__destroy(self->skel);
}

/* ---- helpers ------------------------------------------------------------ */

static const char *const tun_name[] = { "", "vxlan", "geneve", "nvgre" };

/* Inner IPv4 TCP SYN from @src to @dst. */
static void mk_syn(struct pkt *p, int type, uint32_t vni, const char *dst)
{
	mk_outer(p, type, 4, vni, 0);
	pk_eth(p, ETH_P_IP, 1);
	pk_ip4(p, "10.9.9.9", dst, IPPROTO_TCP);
	pk_tcp(p, 40000, 22);
	pk_finish(p);
}

/* An ICMPv6 message of @type with hop limit @hlim to @dst (@inner_vni >= 0:
 * tunnelled on VXLAN VNI @inner_vni). */
static void mk_icmp6(struct pkt *p, int inner_vni, const char *dst,
		     uint8_t type, uint8_t hlim)
{
	size_t ip;

	if (inner_vni >= 0) {
		mk_outer(p, RXL_TUN_VXLAN, 4, inner_vni, 0);
		pk_eth(p, ETH_P_IPV6, 1);
	} else {
		pk_init(p);
		pk_eth(p, ETH_P_IPV6, 0);
	}
	ip = p->len;
	pk_ip6(p, "fe80::1", dst, IPPROTO_ICMPV6);
	p->b[ip + 7] = hlim;
	pk_icmp(p, type);
	pk_payload(p, 16);
	pk_finish(p);
}

/* ND of @type with hop limit 255 behind a fragment header (offset 0). */
static void mk_frag_nd(struct pkt *p, uint8_t type, int more)
{
	size_t ip;

	pk_init(p);
	pk_eth(p, ETH_P_IPV6, 0);
	ip = p->len;
	pk_ip6(p, "fe80::1", CONT6, IPPROTO_FRAGMENT);
	p->b[ip + 7] = 255;
	pk_ip6_frag(p, IPPROTO_ICMPV6, 0, more);
	pk_icmp(p, type);
	pk_payload(p, 16);
	pk_finish(p);
}

static int bind_vnis(struct rxl_fw *fw, unsigned int n, ...)
{
	__u32 v[8];
	unsigned int i;
	va_list ap;

	va_start(ap, n);
	for (i = 0; i < n && i < 8; i++)
		v[i] = va_arg(ap, __u32);
	va_end(ap);
	return rxl_fw_container_bind(fw, CID, v, n);
}

/* ---- 1. nothing leaves a tunnel bare ----------------------------------- */

/*
 * What issue 13 saw passed with VNI 100: an inner broadcast ARP reply, an
 * inner router advertisement (hop limit 255), an inner SYN to the host's
 * own address. Each is dropped as tunnel_no_container, on every tunnel
 * type; the same frames from the underlay are the host's and pass.
 */
TEST_F(tun, decap_no_container_dropped)
{
	struct pkt p;
	struct res r;
	int t;

	ASSERT_EQ(0, bind_vnis(&self->fw, 3, rxl_cont_vni(1, VNI_A),
			       rxl_cont_vni(2, VNI_A), rxl_cont_vni(3, VNI_A)));
	for (t = RXL_TUN_VXLAN; t <= RXL_TUN_NVGRE; t++) {
		mk_outer(&p, t, 4, VNI_A, 0);
		pk_eth(&p, ETH_P_ARP, 1);
		memset(pk_put(&p, 28, -1), 0xff, 28);
		pk_finish(&p);
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_TUNNEL_NO_CONTAINER,
			      tun_name[t]);

		mk_syn(&p, t, VNI_A, HOST4);
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_TUNNEL_NO_CONTAINER,
			      "inner SYN to no container");
		mk_syn(&p, t, VNI_A, VTEP4);
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_TUNNEL_NO_CONTAINER,
			      "inner SYN to the VTEP's own address");
		/* The container itself is reached. */
		mk_syn(&p, t, VNI_A, CONT4);
		CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "inner SYN to container");
	}
	mk_icmp6(&p, VNI_A, "ff02::1", 134, 255);
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_TUNNEL_NO_CONTAINER, "inner RA");

	/* From the underlay: the host's, untouched. */
	pk_init(&p);
	pk_eth(&p, ETH_P_ARP, 0);
	pk_payload(&p, 28);
	ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
	EXPECT_EQ(XDP_PASS, r.act);
	EXPECT_EQ(1, r.stats[RXL_STAT_PASS_NON_IP]);
	mk_icmp6(&p, -1, "ff02::1", 134, 255);
	ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
	EXPECT_EQ(XDP_PASS, r.act);
	EXPECT_EQ(1, r.stats[RXL_STAT_PASS_HOST]);
	EXPECT_EQ(0, r.ndrops);
}

/* ---- 2. VNIs bound to containers ---------------------------------------- */

TEST_F(tun, vni_binding)
{
	struct rxl_cont_counter cc;
	const char *const plain[] = { "prio 1 proto tcp dport 22 allow" };
	struct rxl_rule rule;
	char err[64];
	struct pkt p;
	__u32 many[RXL_CONT_MAX_VNIS + 1];
	int i;

	/* Default: bound to nothing, reached from the underlay only. */
	mk_syn(&p, RXL_TUN_VXLAN, VNI_A, CONT4);
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_VNI_NOT_BOUND, "unbound");
	ASSERT_EQ(0, rxl_fw_container_counter(&self->fw, CID, &cc));
	EXPECT_EQ(1, cc.drop.packets);
	pk_init(&p);
	pk_eth(&p, ETH_P_IP, 0);
	pk_ip4(&p, "10.9.9.9", CONT4, IPPROTO_TCP);
	pk_tcp(&p, 40000, 22);
	pk_finish(&p);
	CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "underlay, unbound");

	ASSERT_EQ(0, bind_vnis(&self->fw, 1, rxl_cont_vni(RXL_TUN_VXLAN,
							   VNI_A)));
	mk_syn(&p, RXL_TUN_VXLAN, VNI_A, CONT4);
	CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "bound VNI");
	mk_syn(&p, RXL_TUN_VXLAN, VNI_B, CONT4);
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_VNI_NOT_BOUND,
		      "known VNI, not bound");
	/* The same number on another tunnel type is another network. */
	mk_syn(&p, RXL_TUN_GENEVE, VNI_A, CONT4);
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_VNI_NOT_BOUND, "geneve VNI_A");
	mk_syn(&p, RXL_TUN_NVGRE, VNI_A, CONT4);
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_VNI_NOT_BOUND, "nvgre VNI_A");

	/* A rule set replacement keeps the binding. */
	ASSERT_EQ(0, rxl_parse_rule(plain[0], &rule, err, sizeof(err)));
	ASSERT_EQ(0, rxl_fw_rules_replace(&self->fw, CID, &rule, 1, true));
	mk_syn(&p, RXL_TUN_VXLAN, VNI_A, CONT4);
	CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "bound VNI after replace");
	mk_syn(&p, RXL_TUN_VXLAN, VNI_B, CONT4);
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_VNI_NOT_BOUND,
		      "not bound after replace");

	/* Several slots, on every tunnel type. */
	ASSERT_EQ(0, bind_vnis(&self->fw, 4, rxl_cont_vni(1, VNI_B),
			       rxl_cont_vni(2, VNI_A), rxl_cont_vni(3, VNI_B),
			       rxl_cont_vni(1, VNI_A)));
	mk_syn(&p, RXL_TUN_VXLAN, VNI_A, CONT4);
	CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "4th slot");
	mk_syn(&p, RXL_TUN_NVGRE, VNI_B, CONT4);
	CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "3rd slot");
	mk_syn(&p, RXL_TUN_NVGRE, VNI_A, CONT4);
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_VNI_NOT_BOUND, "nvgre, unbound");

	/* Unbound again. */
	ASSERT_EQ(0, rxl_fw_container_bind(&self->fw, CID, NULL, 0));
	mk_syn(&p, RXL_TUN_VXLAN, VNI_A, CONT4);
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_VNI_NOT_BOUND, "unbound again");

	/* One past the limit refused, the limit taken; twice the same, no
	 * type, no container refused. */
	for (i = 0; i <= RXL_CONT_MAX_VNIS; i++)
		many[i] = rxl_cont_vni(RXL_TUN_VXLAN, 1000 + i);
	many[RXL_CONT_MAX_VNIS - 1] = rxl_cont_vni(RXL_TUN_VXLAN, VNI_A);
	EXPECT_EQ(-E2BIG, rxl_fw_container_bind(&self->fw, CID, many,
						RXL_CONT_MAX_VNIS + 1));
	/* The last slot is read. */
	ASSERT_EQ(0, rxl_fw_container_bind(&self->fw, CID, many,
					   RXL_CONT_MAX_VNIS));
	mk_syn(&p, RXL_TUN_VXLAN, VNI_A, CONT4);
	CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "last slot");
	many[1] = many[0];
	EXPECT_EQ(-EINVAL, rxl_fw_container_bind(&self->fw, CID, many, 2));
	many[0] = 100;
	EXPECT_EQ(-EINVAL, rxl_fw_container_bind(&self->fw, CID, many, 1));
	EXPECT_EQ(-ENOENT, rxl_fw_container_bind(&self->fw, CID + 1, NULL, 0));
}

/* ---- 6. GENEVE critical options, ND hop limit, the port clash ---------- */

TEST_F(tun, geneve_critical_options)
{
	struct pkt p;

	ASSERT_EQ(0, bind_vnis(&self->fw, 1, rxl_cont_vni(RXL_TUN_GENEVE,
							   VNI_A)));
	mk_outer(&p, RXL_TUN_GENEVE, 4, VNI_A, 0x40);	/* C */
	pk_eth(&p, ETH_P_IP, 1);
	pk_ip4(&p, "10.9.9.9", CONT4, IPPROTO_TCP);
	pk_tcp(&p, 40000, 22);
	pk_finish(&p);
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_GENEVE_CRITICAL, "C bit");
	p.b[p.inner - 16 + 1] = 0xc0;	/* O and C */
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_GENEVE_CRITICAL, "O and C bits");
	/* O only: a control message, whose payload must not be forwarded */
	p.b[p.inner - 16 + 1] = 0x80;
	CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_GENEVE_OAM, "O bit");
	p.b[p.inner - 16 + 1] = 0;
	CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "no flags");
}

/*
 * ND is exempted from the rules only with hop limit 255 (RFC 4861
 * 7.1.1); with less it is judged like any ICMPv6: here a rule drops it.
 */
TEST_F(tun, nd_exemption_needs_hop_limit_255)
{
	const char *const text = "prio 1 proto icmp drop";
	struct rxl_rule rule;
	char err[64];
	struct pkt p;
	struct res r;
	int type;

	ASSERT_EQ(0, rxl_parse_rule(text, &rule, err, sizeof(err)));
	ASSERT_EQ(0, rxl_fw_rules_replace(&self->fw, CID, &rule, 1, true));
	for (type = 133; type <= 137; type++) {
		mk_icmp6(&p, -1, CONT6, type, 255);
		ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
		EXPECT_EQ(XDP_PASS, r.act) TH_LOG("ND %d, hop limit 255", type);
		EXPECT_EQ(1, r.stats[RXL_STAT_PASS_ND]);
		mk_icmp6(&p, -1, CONT6, type, 254);
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_RULE, "hop limit 254");
		mk_icmp6(&p, -1, CONT6, type, 64);
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_RULE, "hop limit 64");
		/* RFC 6980: fragmented ND is ignored, never exempted. */
		mk_frag_nd(&p, type, 1);
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_RULE, "first fragment");
		mk_frag_nd(&p, type, 0);
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_RULE, "atomic fragment");
	}
}

TEST_F(tun, vxlan_geneve_port_clash_refused)
{
	struct pkt p;

	/* 0 is the default port: compared as the port the program uses. */
	EXPECT_EQ(-EINVAL, rxl_fw_set_config(&self->fw, 0, RXL_VXLAN_PORT, 0));
	EXPECT_EQ(-EINVAL, rxl_fw_set_config(&self->fw, RXL_GENEVE_PORT, 0, 0));
	EXPECT_EQ(-EINVAL, rxl_fw_set_config(&self->fw, 7000, 7000, 0));
	EXPECT_NE(NULL, strstr(rxl_fw_error(&self->fw), "7000"));
	/* Nothing changed: VXLAN still on its default port. */
	ASSERT_EQ(0, bind_vnis(&self->fw, 1, rxl_cont_vni(RXL_TUN_VXLAN,
							   VNI_A)));
	mk_syn(&p, RXL_TUN_VXLAN, VNI_A, CONT4);
	CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "vxlan after refusals");
	/* Swapped ports are fine. */
	EXPECT_EQ(0, rxl_fw_set_config(&self->fw, RXL_GENEVE_PORT,
				       RXL_VXLAN_PORT, 0));
	EXPECT_EQ(0, rxl_fw_set_config(&self->fw, 0, 0, 0));
}

/* ---- 7. host fragments to a VTEP --------------------------------------- */

/* A UDP (or GRE, @gre) fragment to VTEP@fam, to @dport. */
static void mk_vtep_frag(struct pkt *p, int fam, int first, uint16_t dport,
			 int gre)
{
	uint8_t proto = gre ? IPPROTO_GRE : IPPROTO_UDP;

	pk_init(p);
	if (fam == 4) {
		pk_eth(p, ETH_P_IP, 0);
		pk_ip4(p, PEER4, VTEP4, proto);
		pk_put16(p->b + 14 + 6, first ? 0x2000 : 185);
	} else {
		pk_eth(p, ETH_P_IPV6, 0);
		pk_ip6(p, PEER6, VTEP6, 44);
		pk_ip6_frag(p, proto, first ? 0 : 185, first);
	}
	if (!first) {
		pk_payload(p, 64);
	} else if (gre) {
		uint8_t *h = pk_put(p, 8, -1);

		pk_put16(h, 0x2000);
		pk_put16(h + 2, dport);	/* GRE protocol */
		pk_payload(p, 56);
	} else {
		pk_udp(p, 53, dport, -1);
		pk_payload(p, 56);
	}
	pk_finish(p);
}

/*
 * The fragmented DNS reply of issue 13: fragments of UDP to another port
 * (and every later fragment, which has no header to tell) are the host's;
 * only a first fragment of tunnel traffic is refused (outer_frag), which
 * is enough: without it the packet is never reassembled.
 */
TEST_F(tun, host_fragments_to_vtep_pass)
{
	struct pkt p;
	struct res r;
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		mk_vtep_frag(&p, fam, 1, 40000, 0);
		ASSERT_EQ(0, run_pkt(self->prog, &self->fw, &p, &r));
		EXPECT_EQ(XDP_PASS, r.act) TH_LOG("IPv%d first UDP frag", fam);
		EXPECT_EQ(0, r.ndrops);
		EXPECT_EQ(1, r.stats[RXL_STAT_PASS_HOST]);
		EXPECT_EQ(p.len, r.outlen);
		EXPECT_EQ(0, memcmp(p.b, r.out, p.len));

		mk_vtep_frag(&p, fam, 0, 0, 0);
		CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "later UDP frag");
		mk_vtep_frag(&p, fam, 0, 0, 1);
		CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "later GRE frag");
		mk_vtep_frag(&p, fam, 1, ETH_P_IP, 1);
		CHECK_VERDICT(&p, XDP_PASS, NO_DROP, "first GRE frag, not TEB");

		mk_vtep_frag(&p, fam, 1, RXL_VXLAN_PORT, 0);
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_OUTER_FRAG,
			      "first frag to VXLAN port");
		mk_vtep_frag(&p, fam, 1, RXL_GENEVE_PORT, 0);
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_OUTER_FRAG,
			      "first frag to GENEVE port");
		mk_vtep_frag(&p, fam, 1, 0x6558, 1);
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_OUTER_FRAG,
			      "first NVGRE frag");
	}
}

/*
 * Two fragment headers: a first fragment's, then an atomic one (Linux
 * reassembles it; the second header adds nothing). The packet is still a
 * first fragment of tunnel traffic, in either order, and a later
 * fragment's header is never made a first one.
 */
TEST_F(tun, nested_fragment_headers_stay_fragments)
{
	static const struct { uint16_t off1; int more1; uint16_t off2;
			      int more2; const char *what; } c[] = {
		{ 0, 1, 0, 0, "first, then atomic" },
		{ 0, 0, 0, 1, "atomic, then first" },
	};
	struct pkt p;
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		pk_init(&p);
		pk_eth(&p, ETH_P_IPV6, 0);
		pk_ip6(&p, PEER6, VTEP6, 44);
		pk_ip6_frag(&p, 44, c[i].off1, c[i].more1);
		pk_ip6_frag(&p, IPPROTO_UDP, c[i].off2, c[i].more2);
		pk_udp(&p, 53, RXL_VXLAN_PORT, -1);
		pk_payload(&p, 56);
		pk_finish(&p);
		CHECK_VERDICT(&p, XDP_DROP, RXL_DROP_OUTER_FRAG, c[i].what);
	}
}

/* ---- 5. addresses a container cannot have ------------------------------ */

TEST_F(tun, container_addresses_refused)
{
	static const char *const bad[] = {
		"0.0.0.0", "255.255.255.255", "127.0.0.1", "127.255.0.9",
		"224.0.0.1", "239.1.2.3", "::", "::1", "ff02::1", "ff0e::5",
	};
	struct rxl_addr a;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_EQ(0, rxl_parse_addr(bad[i], &a));
		EXPECT_NE(NULL, rxl_addr_unusable(&a)) TH_LOG("%s", bad[i]);
		EXPECT_EQ(-EINVAL, rxl_fw_container_add(&self->fw, 20, &a, 1,
							0)) TH_LOG("%s", bad[i]);
	}
	/* Neighbours of the refused ranges are fine. */
	ASSERT_EQ(0, rxl_parse_addr("126.255.255.255", &a));
	EXPECT_EQ(NULL, rxl_addr_unusable(&a));
	ASSERT_EQ(0, rxl_parse_addr("223.255.255.254", &a));
	EXPECT_EQ(NULL, rxl_addr_unusable(&a));
	ASSERT_EQ(0, rxl_parse_addr("::2", &a));
	EXPECT_EQ(NULL, rxl_addr_unusable(&a));
	ASSERT_EQ(0, rxl_parse_addr("fe80::1", &a));
	EXPECT_EQ(NULL, rxl_addr_unusable(&a));

	/* The VTEP's own address is no container's, and the reverse. */
	ASSERT_EQ(0, rxl_parse_addr(VTEP4, &a));
	EXPECT_EQ(-EADDRINUSE, rxl_fw_container_add(&self->fw, 20, &a, 1, 0));
	ASSERT_EQ(0, rxl_parse_addr(VTEP6, &a));
	EXPECT_EQ(-EADDRINUSE, rxl_fw_container_add(&self->fw, 20, &a, 1, 0));
	ASSERT_EQ(0, rxl_parse_addr(CONT4, &a));
	EXPECT_EQ(-EADDRINUSE, rxl_fw_vtep_add(&self->fw, &a, RXL_TUN_ALL));
	EXPECT_NE(NULL, strstr(rxl_fw_error(&self->fw), "container 7"));
	ASSERT_EQ(0, rxl_parse_addr(CONT6, &a));
	EXPECT_EQ(-EADDRINUSE, rxl_fw_vtep_add(&self->fw, &a, RXL_TUN_ALL));
}

TEST_HARNESS_MAIN
