// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane: command-line interface.
 *
 *   rxlane [OPTIONS] OBJECT VERB [ARGS]
 *
 * Objects and verbs match by unique prefix, as in ip(8). Exit status:
 * 0 done, 1 refused or failed, 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "cli.h"
#include "hw_nl.h"

#ifndef RXLANE_VERSION
#define RXLANE_VERSION "unknown"
#endif

static bool cli_verbose, cli_timing;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rxlane [OPTIONS] OBJECT COMMAND [ARGS]\n"
		"\n"
		"Options:\n"
		"  -j, --json          JSON output (and JSON errors on stderr)\n"
		"  -p, --pretty        indented JSON\n"
		"  -n, --dry-run       check and show, change nothing\n"
		"  -P, --pin-dir DIR   state directory on bpffs (default %s,\n"
		"                      or $RXLANE_PIN_DIR)\n"
		"  -v, --verbose       show libbpf's messages\n"
		"  -t, --timing        print the command's own run time on stderr\n"
		"\n"
		"Commands:\n"
		"  attach DEV [mode native|generic|auto] [redirect] [max-rules N]\n"
		"         [max-containers N] [ct-size N] [ct-half-open N]\n"
		"  detach DEV\n"
		"  status [DEV]\n"
		"  vtep add ADDR [type vxlan|geneve|nvgre[,...]] [port N]\n"
		"  vtep del ADDR | vtep list\n"
		"  vni add|del VNI [type vxlan|geneve|nvgre] | vni list\n"
		"  container add NAME ip ADDR [ip ADDR]... [vni LIST] [default allow|drop]\n"
		"         [egress-default allow|drop] [dev HOSTDEV]\n"
		"         [[cpus LIST] nic NIC hw]\n"
		"  container set NAME [default allow|drop] [egress-default allow|drop]\n"
		"         [vni LIST|none] [nic NIC|none] [hw on|off] [cpus LIST|all]\n"
		"  container del NAME | container list | container show NAME\n"
		"  fw add NAME [in|out] allow|drop [proto tcp|udp|icmp|any]\n"
		"         [from PREFIX (in) | to PREFIX (out)] [dport N[-M]] [prio N]\n"
		"         [comment TEXT]\n"
		"  fw del NAME handle H | fw list [NAME] | fw flush NAME\n"
		"  policy check|diff|apply FILE   (JSON, or YAML: *.yaml, *.yml)\n"
		"  policy export [FILE]           (JSON: apply reads it back)\n"
		"  stats [NAME] [watch SEC [count N]]\n"
		"  ct list [NAME] | ct flush [NAME] | ct stats\n"
		"  ct timeout [STATE SECONDS|default]\n"
		"  check [--repair]\n"
		"  hw container add NAME dev NIC ip ADDR[,ADDR] [cpus LIST]\n"
		"         [default drop|allow] [netns NAME|PATH]\n"
		"  hw container del NAME | hw list [NAME]\n"
		"  hw rule add NAME allow proto tcp|udp dport N[-M] [from PREFIX]\n"
		"  hw rule del NAME ID | hw monitor\n"
		"  version        print the version of rxlane and its libraries\n"
		"  help           print this help\n",
		CLI_PIN_DIR);
}

static int cmd_version(struct cli *c, int argc, char **argv)
{
	char lib[32];

	(void)argc;
	(void)argv;
	snprintf(lib, sizeof(lib), "%u.%u", libbpf_major_version(),
		 libbpf_minor_version());
	cli_print_str(c, CLI_ANY, "version", "rxlane %s", RXLANE_VERSION);
	cli_print_str(c, CLI_ANY, "libbpf", " (libbpf %s", lib);
	cli_print_str(c, CLI_ANY, "jansson", ", jansson %s)\n",
		      JANSSON_VERSION);
	return 0;
}

static int cmd_help(struct cli *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	c->printed = true;	/* text, also under -j */
	usage(stdout);
	return 0;
}

static const struct cli_cmd cli_objects[] = {
	{ "attach", cmd_attach },
	{ "detach", cmd_detach },
	{ "status", cmd_status },
	{ "vtep", cmd_vtep },
	{ "vni", cmd_vni },
	{ "container", cmd_container },
	{ "fw", cmd_fw },
	{ "policy", cmd_policy },
	{ "stats", cmd_stats },
	{ "hw", cmd_hw },
	{ "version", cmd_version },
	{ "help", cmd_help },
	{ NULL, NULL },
};

static int cli_libbpf_print(enum libbpf_print_level level, const char *fmt,
			    va_list ap)
{
	(void)level;
	if (!cli_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int cli_options(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "pin-dir", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "timing", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	opterr = 0;
	/* ':' first: a missing value is told apart from an unknown option. */
	while ((o = getopt_long(argc, argv, "+:jpnP:vthV", opts, NULL)) != -1) {
		switch (o) {
		case 'j':
			c->json = true;
			break;
		case 'p':
			c->json = c->pretty = true;
			break;
		case 'n':
			c->dry_run = true;
			break;
		case 'P':
			c->pin_dir = optarg;
			break;
		case 'v':
			cli_verbose = c->verbose = true;
			break;
		case 't':
			cli_timing = true;
			break;
		case 'h':
			return -'h';
		case 'V':
			return -'V';
		case ':':
			return cli_usage_err(c, argv[optind - 1],
					     "option '%s' needs a value",
					     argv[optind - 1]);
		default:
			return cli_usage_err(c, argv[optind - 1],
					     "unknown option '%s'",
					     argv[optind - 1]);
		}
	}
	/* Before anything is made: a relative one would land in the cwd. */
	if (c->pin_dir[0] != '/')
		return cli_err(c, CLI_ERR, c->pin_dir,
			       "pin directory '%s' is not an absolute path",
			       c->pin_dir);
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1, c0, c1;
	struct cli c = {
		.prog = "rxlane", .dir_fd = -1, .conts_fd = -1, .rules_fd = -1,
	};
	int ret;

	c.pin_dir = getenv("RXLANE_PIN_DIR") ?: CLI_PIN_DIR;
	libbpf_set_print(cli_libbpf_print);
	ret = cli_options(&c, argc, argv);
	if (ret == -'h')
		return cmd_help(&c, 0, NULL);
	if (ret == -'V') {
		cmd_version(&c, 0, NULL);
		cli_flush(&c);
		return 0;
	}
	if (ret)
		return ret;
	if (optind >= argc) {
		usage(stderr);
		return CLI_USAGE;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	/*
	 * check and ct are matched by their whole names only: a prefix
	 * would make 'rxlane c l' (container list) ambiguous.
	 */
	if (!strcmp(argv[optind], "check"))
		ret = cmd_check(&c, argc - optind - 1, argv + optind + 1);
	else if (!strcmp(argv[optind], "ct"))
		ret = cmd_ct(&c, argc - optind - 1, argv + optind + 1);
	else
		ret = cli_dispatch(&c, cli_objects, "command", argc - optind,
				   argv + optind);
	/* Under -j every success prints a document, {"schema":2} at least. */
	if (!ret && c.json && !c.printed)
		cli_doc(&c);
	if (!ret)
		cli_flush(&c);
	json_decref(c.out);
	cli_state_close(&c);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	if (cli_timing)
		fprintf(stderr, "time: %.3f ms, cpu %.3f ms\n",
			(t1.tv_sec - t0.tv_sec) * 1e3 +
			(t1.tv_nsec - t0.tv_nsec) / 1e6,
			(c1.tv_sec - c0.tv_sec) * 1e3 +
			(c1.tv_nsec - c0.tv_nsec) / 1e6);
	return ret;
}
