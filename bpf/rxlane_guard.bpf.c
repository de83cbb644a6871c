// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane guard: no sending around tc egress in a container's namespace.
 *
 * A container without a host-side device (macvlan, ipvlan) is checked on
 * the tc egress hook of its own interface (rxlane_tc_port, "The port
 * check" in Documentation/conntrack.rst). Two kinds of socket send
 * frames that never reach that hook: a packet socket with
 * PACKET_QDISC_BYPASS (packet_direct_xmit(), dev_direct_xmit()) and an
 * AF_XDP socket (xsk_generic_xmit(), __dev_direct_xmit()). Both need
 * CAP_NET_RAW, which container runtimes grant by default. This program,
 * attached to the cgroup v2 root (BPF_CGROUP_SETSOCKOPT, with
 * BPF_F_ALLOW_MULTI: every socket of every cgroup), refuses with EPERM
 * turning PACKET_QDISC_BYPASS on and every SOL_XDP option (an AF_XDP
 * socket cannot be bound without its UMEM, nor send without its TX ring)
 * on a socket of a network namespace that holds a container's own
 * interface (rxl_ports, RXL_PORT_OWN). Any other option, and any socket
 * of another namespace (the host's, a container with a host-side
 * device: its frames enter the host through that device's tc ingress,
 * which no socket of the container can pass around), is left alone.
 *
 * Context: process context (setsockopt()), may not sleep here.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "rxl_ports.h"

#define RXL_SOL_PACKET		263	/* linux/socket.h */
#define RXL_SOL_XDP		283
#define RXL_PACKET_QDISC_BYPASS	20	/* linux/if_packet.h */

struct rxl_guard_find {
	__u64 netns;
	__u32 found;
};

static long rxl_guard_cb(void *map, const struct rxl_port_key *k,
			 const struct rxl_port *p, struct rxl_guard_find *f)
{
	if (k->ifindex && k->netns == f->netns && (p->flags & RXL_PORT_OWN)) {
		f->found = 1;
		return 1;	/* stop */
	}
	return 0;
}

SEC("cgroup/setsockopt")
int rxlane_sockopt(struct bpf_sockopt *ctx)
{
	struct rxl_guard_find f = {};
	int *val;

	if (ctx->level == RXL_SOL_PACKET) {
		if (ctx->optname != RXL_PACKET_QDISC_BYPASS)
			return 1;
		/* Turning it off is never refused. */
		val = ctx->optval;
		if ((void *)(val + 1) <= ctx->optval_end && !*val)
			return 1;
	} else if (ctx->level != RXL_SOL_XDP) {
		return 1;
	}
	/* Rare calls: the walk over the bindings costs nothing elsewhere. */
	f.netns = bpf_get_netns_cookie(ctx);
	bpf_for_each_map_elem(&rxl_ports, rxl_guard_cb, &f, 0);
	return f.found ? 0 : 1;
}

char LICENSE[] SEC("license") = "GPL";
