// SPDX-License-Identifier: GPL-2.0
/*
 * fp_probe - test helper: the verdicts of the XDP program attached to a
 * device for crafted underlay packets, through BPF_PROG_TEST_RUN (the
 * program and maps that packets really meet; nothing is sent).
 *
 *   fp_probe IFNAME PROBE...
 *     PROBE: SRC,DST,tcp|udp|icmp,DPORT   e.g. 192.0.2.9,10.200.0.2,tcp,80
 *
 * Prints one word per probe on one line: PASS, DROP, REDIRECT, ...
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>

#include "pktbuild.h"

static const char *const act_names[] = { "ABORTED", "DROP", "PASS", "TX",
					 "REDIRECT" };

static int build(struct pkt *p, char *spec)
{
	char *src = strtok(spec, ","), *dst = strtok(NULL, ","),
	     *proto = strtok(NULL, ","), *port = strtok(NULL, ",");
	int fam;

	if (!src || !dst || !proto || !port)
		return -EINVAL;
	fam = strchr(dst, ':') ? 6 : 4;
	pk_init(p);
	pk_eth(p, fam == 4 ? ETH_P_IP : ETH_P_IPV6, 0);
	if (!strcmp(proto, "tcp") || !strcmp(proto, "udp")) {
		int ip = !strcmp(proto, "tcp") ? IPPROTO_TCP : IPPROTO_UDP;

		if (fam == 4)
			pk_ip4(p, src, dst, ip);
		else
			pk_ip6(p, src, dst, ip);
		if (ip == IPPROTO_TCP)
			pk_tcp(p, 40000, atoi(port));
		else
			pk_udp(p, 40000, atoi(port), -1);
	} else {
		if (fam == 4)
			pk_ip4(p, src, dst, IPPROTO_ICMP);
		else
			pk_ip6(p, src, dst, IPPROTO_ICMPV6);
		pk_icmp(p, fam == 4 ? 8 : 128);
	}
	pk_payload(p, 18);
	pk_finish(p);
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t out[PK_MAX];
	static struct pkt p;
	__u32 prog_id = 0;
	int ifindex, fd, i;

	if (argc < 3) {
		fprintf(stderr, "usage: fp_probe IFNAME SRC,DST,PROTO,DPORT...\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex || bpf_xdp_query_id(ifindex, 0, &prog_id) || !prog_id) {
		fprintf(stderr, "fp_probe: no XDP program on %s\n", argv[1]);
		return 1;
	}
	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0) {
		perror("fp_probe: program");
		return 1;
	}
	for (i = 2; i < argc; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p.b,
			    .data_out = out, .data_size_out = sizeof(out),
			    .repeat = 1);

		if (build(&p, argv[i])) {
			fprintf(stderr, "fp_probe: bad probe '%s'\n", argv[i]);
			return 2;
		}
		o.data_size_in = p.len;
		if (bpf_prog_test_run_opts(fd, &o)) {
			perror("fp_probe: test run");
			return 1;
		}
		printf("%s%s", i > 2 ? " " : "",
		       o.retval < 5 ? act_names[o.retval] : "?");
	}
	printf("\n");
	return 0;
}
