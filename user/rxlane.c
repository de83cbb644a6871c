// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane: command-line interface.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "rxlane_xdp.skel.h"

#ifndef RXLANE_VERSION
#define RXLANE_VERSION "unknown"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rxlane [OPTIONS] COMMAND\n"
		"\n"
		"Commands:\n"
		"  version        print the version of rxlane and its libraries\n"
		"  help           print this help\n");
}

static int cmd_version(void)
{
	printf("rxlane %s (libbpf %u.%u)\n", RXLANE_VERSION,
	       libbpf_major_version(), libbpf_minor_version());
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version") ||
	    !strcmp(argv[1], "-V"))
		return cmd_version();
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "rxlane: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
