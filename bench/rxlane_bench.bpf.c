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
