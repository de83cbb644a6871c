// SPDX-License-Identifier: GPL-2.0
/*
 * fw_tool - test helper: drive the library (user/fw_*.c) from shell tests.
 *
 *   fw_tool (--dev IFNAME | --pinned DIR) COMMAND ARGS...
 *     vtep ADDR                   accept VXLAN, GENEVE and NVGRE at ADDR
 *     vni vxlan|geneve|nvgre N    accept VNI/VSID N
 *     container ID ADDR...        add a container
 *     bind ID TYPE:VNI...         the tunnels it is reached through
 *     rules ID allow|drop [RULE]...  replace the rules and default policy
 *     counter ID                  "pass PKTS drop PKTS"
 *     rule-hits ID RANK           packets judged by that rule
 *     drop NAME                   packets dropped for reason NAME
 *     dump                        every non-zero drop and stat counter
 *
 * The rxlane CLI will offer these to users; this exists for the tests.
 */
#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: fw_tool (--dev IFNAME | --pinned DIR) COMMAND ARGS...\n");
	return 2;
}

/* A decimal number, as every other parser of the project reads it. */
static __u32 num(const char *s)
{
	__u32 v;

	if (rxl_parse_u32(s, UINT32_MAX, &v)) {
		fprintf(stderr, "fw_tool: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static int cmd_rules(struct rxl_fw *fw, __u32 id, int argc, char **argv)
{
	struct rxl_rule *r = calloc(argc ?: 1, sizeof(*r));
	char err[128];
	int i, ret;

	if (!r)
		return -ENOMEM;
	if (argc < 1 || (strcmp(argv[0], "allow") && strcmp(argv[0], "drop"))) {
		fprintf(stderr, "fw_tool: rules ID allow|drop [RULE]...\n");
		free(r);
		return -EINVAL;
	}
	for (i = 1; i < argc; i++) {
		if (rxl_parse_rule(argv[i], &r[i - 1], err, sizeof(err))) {
			fprintf(stderr, "fw_tool: rule '%s': %s\n", argv[i],
				err);
			free(r);
			return -EINVAL;
		}
	}
	ret = rxl_fw_rules_replace(fw, id, r, argc - 1,
				   !strcmp(argv[0], "drop"));
	free(r);
	return ret;
}

static int run(struct rxl_fw *fw, int argc, char **argv)
{
	const char *cmd = argv[0];
	struct rxl_addr a[16];
	int i, type;

	if (!strcmp(cmd, "vtep") && argc == 2) {
		if (rxl_parse_addr(argv[1], &a[0]))
			return -EINVAL;
		return rxl_fw_vtep_add(fw, &a[0], RXL_TUN_ALL);
	}
	if (!strcmp(cmd, "vni") && argc == 3) {
		type = rxl_tun_type_parse(argv[1]);
		if (type < 0)
			return type;
		return rxl_fw_vni_add(fw, type, num(argv[2]));
	}
	if (!strcmp(cmd, "container") && argc >= 3 && argc - 2 <= 16) {
		for (i = 2; i < argc; i++)
			if (rxl_parse_addr(argv[i], &a[i - 2]))
				return -EINVAL;
		return rxl_fw_container_add(fw, num(argv[1]), a,
					    argc - 2, 0);
	}
	if (!strcmp(cmd, "bind") && argc >= 2 && argc - 2 <= 4) {
		__u32 v[4];

		for (i = 2; i < argc; i++) {
			char *colon = strchr(argv[i], ':');

			if (!colon)
				return -EINVAL;
			*colon = '\0';
			type = rxl_tun_type_parse(argv[i]);
			if (type < 0)
				return type;
			v[i - 2] = rxl_cont_vni(type, num(colon + 1));
		}
		return rxl_fw_container_bind(fw, num(argv[1]), v,
					     argc - 2);
	}
	if (!strcmp(cmd, "rules") && argc >= 3)
		return cmd_rules(fw, num(argv[1]), argc - 2,
				 argv + 2);
	if (!strcmp(cmd, "counter") && argc == 2) {
		struct rxl_cont_counter c;
		int err = rxl_fw_container_counter(fw, num(argv[1]),
						   &c);

		if (!err)
			printf("pass %llu drop %llu\n",
			       (unsigned long long)c.pass.packets,
			       (unsigned long long)c.drop.packets);
		return err;
	}
	if (!strcmp(cmd, "rule-hits") && argc == 3) {
		struct rxl_counter c;
		int err = rxl_fw_rule_counter(fw, num(argv[1]),
					      num(argv[2]), &c);

		if (!err)
			printf("%llu\n", (unsigned long long)c.packets);
		return err;
	}
	if (!strcmp(cmd, "drop") && argc == 2) {
		__u64 d[RXL_DROP__MAX];
		int err = rxl_fw_drop_counters(fw, d);

		for (i = 0; !err && i < RXL_DROP__MAX; i++)
			if (!strcmp(argv[1], rxl_drop_name(i))) {
				printf("%llu\n", (unsigned long long)d[i]);
				return 0;
			}
		return err ?: -ENOENT;
	}
	if (!strcmp(cmd, "dump") && argc == 1) {
		__u64 d[RXL_DROP__MAX], st[RXL_STAT__MAX];
		int err = rxl_fw_drop_counters(fw, d) ?:
			  rxl_fw_stat_counters(fw, st);

		for (i = 0; !err && i < RXL_DROP__MAX; i++)
			if (d[i])
				printf("drop %s %llu\n", rxl_drop_name(i),
				       (unsigned long long)d[i]);
		for (i = 0; !err && i < RXL_STAT__MAX; i++)
			if (st[i])
				printf("stat %s %llu\n", rxl_stat_name(i),
				       (unsigned long long)st[i]);
		return err;
	}
	fprintf(stderr, "fw_tool: bad command '%s'\n", cmd);
	return -EINVAL;
}

int main(int argc, char **argv)
{
	struct rxl_fw fw;
	int err;

	if (argc < 4)
		return usage();
	if (!strcmp(argv[1], "--dev")) {
		int ifindex = if_nametoindex(argv[2]);

		if (!ifindex) {
			fprintf(stderr, "fw_tool: no device %s\n", argv[2]);
			return 1;
		}
		err = rxl_fw_open_ifindex(&fw, ifindex);
	} else if (!strcmp(argv[1], "--pinned")) {
		err = rxl_fw_open_pinned(&fw, argv[2]);
	} else {
		return usage();
	}
	if (err) {
		fprintf(stderr, "fw_tool: %s\n", rxl_fw_error(&fw));
		return 1;
	}
	err = run(&fw, argc - 3, argv + 3);
	if (err)
		fprintf(stderr, "fw_tool: %s: %s\n", argv[3],
			fw.err[0] ? rxl_fw_error(&fw) : strerror(-err));
	rxl_fw_close(&fw);
	return err ? 1 : 0;
}
