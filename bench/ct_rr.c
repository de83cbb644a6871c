// SPDX-License-Identifier: GPL-2.0
/*
 * ct_rr - TCP_RR-style request/response over one TCP connection, for
 * scripts/bench-ct-rr.sh (netperf is not in Debian's main archive).
 *
 *   ct_rr serve ADDR PORT        echo each byte back, one connection at
 *                                a time, forever
 *   ct_rr run ADDR PORT SECONDS  connect, then send 1 byte and wait for
 *                                its answer, again and again for SECONDS;
 *                                prints the transactions per second, the
 *                                transactions and the client's CPU time
 *                                (user + system, us) over them
 *   ct_rr probe ADDR PORT        exit 0 when the connection attempt got
 *                                an answer (accepted or refused) within
 *                                1 s, 1 when it got none (dropped)
 *
 * IPv4 only; TCP_NODELAY on both ends. Exit 2 on a usage or socket error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "ct_rr: %s: %s\n", what, strerror(errno));
	return 2;
}

static int sockaddr_of(const char *addr, const char *port,
		       struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(atoi(port));
	return inet_pton(AF_INET, addr, &sa->sin_addr) == 1 ? 0 : -1;
}

static void nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int serve(const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), c, one = 1;
	char b;

	if (fd < 0)
		return fail("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) ||
	    listen(fd, 16))
		return fail("bind/listen");
	for (;;) {
		c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		nodelay(c);
		while (read(c, &b, 1) == 1 && write(c, &b, 1) == 1)
			;
		close(c);
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU time of this process so far, us. */
static double cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static int run(const struct sockaddr_in *sa, double secs)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	double t0, t, c0;
	long n = 0;
	char b = 'x';

	if (fd < 0)
		return fail("socket");
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)))
		return fail("connect");
	nodelay(fd);
	c0 = cpu_us();
	t0 = now_s();
	do {
		/* Check the clock every 64 transactions only. */
		for (int i = 0; i < 64; i++, n++)
			if (write(fd, &b, 1) != 1 || read(fd, &b, 1) != 1)
				return fail("transaction");
		t = now_s();
	} while (t - t0 < secs);
	printf("%.0f %ld %.0f\n", n / (t - t0), n, cpu_us() - c0);
	close(fd);
	return 0;
}

static int probe(const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	if (fd < 0)
		return fail("socket");
	if (!connect(fd, (const struct sockaddr *)sa, sizeof(*sa)))
		return 0;
	if (errno != EINPROGRESS)
		return errno == ECONNREFUSED ? 0 : fail("connect");
	/* Writable within 1 s: connected or refused, either way answered. */
	return poll(&p, 1, 1000) == 1 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;

	if (argc < 4 || sockaddr_of(argv[2], argv[3], &sa))
		goto usage;
	if (!strcmp(argv[1], "serve") && argc == 4)
		return serve(&sa);
	if (!strcmp(argv[1], "run") && argc == 5 && atof(argv[4]) > 0)
		return run(&sa, atof(argv[4]));
	if (!strcmp(argv[1], "probe") && argc == 4)
		return probe(&sa);
usage:
	fprintf(stderr, "usage: ct_rr serve|probe ADDR PORT | ct_rr run ADDR PORT SECONDS\n");
	return 2;
}
