// SPDX-License-Identifier: GPL-2.0
/*
 * e2e_send: send one Ethernet frame (given in hex) out of IFNAME as fast
 * as AF_PACKET + sendmmsg allow, for SECONDS, bypassing the qdisc. Prints
 * the frames the kernel accepted. Used by scripts/bench-e2e.sh only.
 *
 *   e2e_send IFNAME SECONDS HEXFRAME
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BATCH 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static unsigned char frame[2048];
	struct mmsghdr msgs[BATCH];
	struct sockaddr_ll sll = { 0 };
	struct iovec iov;
	unsigned long long sent = 0;
	double end;
	size_t len, i;
	int fd, one = 1, n;

	if (argc != 4 || strlen(argv[3]) % 2 || strlen(argv[3]) / 2 > sizeof(frame)) {
		fprintf(stderr, "usage: e2e_send IFNAME SECONDS HEXFRAME\n");
		return 2;
	}
	len = strlen(argv[3]) / 2;
	for (i = 0; i < len; i++)
		sscanf(argv[3] + 2 * i, "%2hhx", &frame[i]);

	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = if_nametoindex(argv[1]);
	sll.sll_halen = ETH_ALEN;
	if (!sll.sll_ifindex) {
		perror(argv[1]);
		return 1;
	}
	iov.iov_base = frame;
	iov.iov_len = len;
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_name = &sll;
		msgs[i].msg_hdr.msg_namelen = sizeof(sll);
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	end = now() + atof(argv[2]);
	while (now() < end) {
		n = sendmmsg(fd, msgs, BATCH, 0);
		if (n > 0)
			sent += n;
	}
	printf("%llu\n", sent);
	return 0;
}
