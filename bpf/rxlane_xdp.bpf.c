// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane XDP entry point. For now it passes every packet; the fast path
 * (overlay decap, container firewall) is built on this object.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int rxlane_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
