// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane XDP entry point: overlay decapsulation and a per-container
 * firewall (rxl_fastpath.h). Attach with
 *   ip link set dev DEV xdp obj rxlane_xdp.o sec xdp
 * or load through the skeleton. Runs in NAPI (softirq) context or under
 * BPF_PROG_TEST_RUN; never sleeps.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "rxl_fastpath.h"

SEC("xdp")
int rxlane_xdp(struct xdp_md *ctx)
{
	return rxl_fastpath(ctx);
}

char LICENSE[] SEC("license") = "GPL";
