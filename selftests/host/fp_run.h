/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fp_run.h - run one crafted packet through the XDP program with
 * BPF_PROG_TEST_RUN and judge its verdict and the drop reasons it moved;
 * shared by the kselftest_harness BPF unit tests (fastpath_test,
 * tunnel_test). Include after kselftest_harness.h, fw.h and pktbuild.h; the
 * fixture must have `prog` (the program's fd) and `fw` (struct rxl_fw).
 */
#ifndef RXL_FP_RUN_H
#define RXL_FP_RUN_H

/* The test's underlay: our VTEP and the peer that tunnels to it. */
#define VTEP4		"192.0.2.1"
#define VTEP6		"2001:db8::1"
#define PEER4		"198.51.100.7"
#define PEER6		"2001:db8::7"

/*
 * Outer headers of a tunnel packet from PEER to our VTEP, up to the inner
 * frame; @gflags is the GENEVE flags byte (O and C bits).
 */
static void mk_outer(struct pkt *p, int type, int ofam, uint32_t vni,
		     uint8_t gflags)
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
		p->b[p->len - 16 + 1] = gflags;	/* 8-byte header, 8 of opts */
		break;
	default:
		pk_nvgre(p, vni, 0, 0);
		break;
	}
}

/* One run's outcome; counters are deltas over the run. */
struct res {
	int act;
	uint8_t out[PK_MAX];
	uint32_t outlen;
	__u64 drops[RXL_DROP__MAX];	/* deltas */
	__u64 stats[RXL_STAT__MAX];
	__u64 ndrops;			/* sum of drops[] */
};

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

#endif /* RXL_FP_RUN_H */
