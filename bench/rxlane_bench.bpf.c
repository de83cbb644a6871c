// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane_bench.bpf.c - the programs bench_xdp times with BPF_PROG_TEST_RUN.
 *
 * BPF_PROG_TEST_RUN with repeat > 1 runs the program again on the frame as
 * the previous run left it, so a decapped frame would be judged without
 * its tunnel from the second run on. rxlane_bench runs the real fast path
 * and then, if it moved the frame (only a decapped frame that is passed
 * is moved), puts the outer headers back with one more
 * bpf_xdp_adjust_head(): a call the real path does not make.
 * adjust_pair times two such calls, and bench_xdp reports the variants
 * that pay it both raw and less half of adjust_pair in the same round.
 * rxlane_bench_seq_step/_same make a plain TCP frame a stream (bench_seq()).
 * xdp_drop_base is the baseline every figure is divided by.
 * xdp_pass_base passes everything (scripts/bench-ct-rr.sh).
 * tc_ok_base is the "no program" baseline of the tc egress program
 * (bench_xdp -C): an skb program that only returns TC_ACT_OK.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "rxl_fastpath.h"

SEC("xdp")
int rxlane_bench(struct xdp_md *ctx)
{
	int len0 = ctx->data_end - ctx->data;
	int act = rxl_fastpath(ctx);
	int len1 = ctx->data_end - ctx->data;

	if (len1 < len0)
		bpf_xdp_adjust_head(ctx, len1 - len0);
	return act;
}

/*
 * The plain TCP frame of a stream: each run gets the next sequence
 * number, *@next + @step, before the fast path sees it, so that with a
 * step past RXL_CT_SEQ_SLACK every run writes its side's record into the
 * entry (bpf/rxl_ct.h, rxl_ct_seq_record()), and with 0 none does, at the
 * same instructions. Kept in a global, not in the frame: each
 * BPF_PROG_TEST_RUN call starts again from the frame as given, which
 * would put the stream back behind its record. Frames other than
 * Ethernet + IPv4 (no options) + TCP are left alone.
 */
static __u32 bench_seq_moving, bench_seq_same;

static __always_inline int bench_seq(struct xdp_md *ctx, __u32 *next,
				     __u32 step)
{
	__u8 *d = (void *)(long)ctx->data;
	__u32 *seq = (void *)(d + 38);

	if ((void *)(seq + 1) <= (void *)(long)ctx->data_end &&
	    d[12] == 0x08 && d[13] == 0x00 && d[14] == 0x45 && d[23] == 6) {
		*next += step;
		*seq = bpf_htonl(*next);
	}
	return rxl_fastpath(ctx);
}

SEC("xdp")
int rxlane_bench_seq_step(struct xdp_md *ctx)
{
	return bench_seq(ctx, &bench_seq_moving, RXL_CT_SEQ_SLACK + 1);
}

SEC("xdp")
int rxlane_bench_seq_same(struct xdp_md *ctx)
{
	return bench_seq(ctx, &bench_seq_same, 0);
}

/* What the restore above costs: one adjust_head forth and back. */
SEC("xdp")
int adjust_pair(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_head(ctx, 14))
		return XDP_ABORTED;
	bpf_xdp_adjust_head(ctx, -14);
	return XDP_DROP;
}

SEC("xdp")
int xdp_drop_base(struct xdp_md *ctx)
{
	return XDP_DROP;
}

/* scripts/bench-ct-rr.sh's "xdp-pass": a veth in XDP (NAPI) mode alone. */
SEC("xdp")
int xdp_pass_base(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc")
int tc_ok_base(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
