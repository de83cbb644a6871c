// SPDX-License-Identifier: GPL-2.0
/*
 * fw_parse.c - text forms: addresses, numbers, prefixes, port ranges,
 * rules and tunnel types.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fw_priv.h"

const char *rxl_tun_type_name(int type)
{
	static const char *const names[] = {
		[RXL_TUN_VXLAN] = "vxlan",
		[RXL_TUN_GENEVE] = "geneve",
		[RXL_TUN_NVGRE] = "nvgre",
	};

	return type >= RXL_TUN_VXLAN && type <= RXL_TUN_NVGRE ? names[type] :
	       "?";
}

int rxl_tun_type_parse(const char *s)
{
	if (!strcmp(s, "vxlan"))
		return RXL_TUN_VXLAN;
	if (!strcmp(s, "geneve"))
		return RXL_TUN_GENEVE;
	if (!strcmp(s, "nvgre"))
		return RXL_TUN_NVGRE;
	return -EINVAL;
}

int rxl_parse_addr(const char *s, struct rxl_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->addr) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->addr) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/**
 * rxl_parse_u32() - parse a decimal number from 0 to @max
 * @s: the text: digits only (strtoul() alone would take leading blanks,
 *     a sign or "0x")
 * @max: the largest value accepted
 * @out: the value, written only on success
 *
 * The one number parser of the library and the CLI.
 *
 * Return: 0, or -EINVAL.
 */
int rxl_parse_u32(const char *s, unsigned long max, __u32 *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int rxl_parse_prefix(const char *s, struct rxl_rule *r)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	struct rxl_addr a;
	__u32 plen;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (rxl_parse_addr(buf, &a))
		return -EINVAL;
	plen = a.family == AF_INET ? 32 : 128;
	if (slash && rxl_parse_u32(slash + 1, plen, &plen))
		return -ERANGE;
	r->family = a.family;
	memcpy(r->src, a.addr, 16);
	r->plen = plen;
	return 0;
}

static int rxl_parse_ports(const char *s, struct rxl_rule *r)
{
	char buf[16], *dash;
	__u32 lo, hi;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (rxl_parse_u32(buf, 65535, &lo) ||
	    rxl_parse_u32(dash ? dash + 1 : buf, 65535, &hi) || lo > hi)
		return -EINVAL;
	r->dport_lo = lo;
	r->dport_hi = hi;
	return 0;
}

int rxl_parse_rule(const char *s, struct rxl_rule *r, char *err, size_t len)
{
	char buf[256], *tok, *save = NULL, *arg;
	int action = 0;
	__u32 v;

	memset(r, 0, sizeof(*r));
	r->family = AF_UNSPEC;
	r->dport_hi = 0xffff;
	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, len, "rule too long");
		return -EINVAL;
	}
	strcpy(buf, s);
	for (tok = strtok_r(buf, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (!strcmp(tok, "allow") || !strcmp(tok, "drop")) {
			r->drop = tok[0] == 'd';
			action = 1;
			continue;
		}
		arg = strtok_r(NULL, " \t", &save);
		if (!arg) {
			snprintf(err, len, "'%s' needs a value", tok);
			return -EINVAL;
		}
		if (!strcmp(tok, "prio")) {
			if (rxl_parse_u32(arg, UINT32_MAX, &v)) {
				snprintf(err, len, "bad priority '%s'", arg);
				return -EINVAL;
			}
			r->prio = v;
		} else if (!strcmp(tok, "from")) {
			if (rxl_parse_prefix(arg, r)) {
				snprintf(err, len, "bad source prefix '%s'",
					 arg);
				return -EINVAL;
			}
		} else if (!strcmp(tok, "proto")) {
			if (!strcmp(arg, "tcp"))
				r->proto = IPPROTO_TCP;
			else if (!strcmp(arg, "udp"))
				r->proto = IPPROTO_UDP;
			else if (!strcmp(arg, "icmp"))
				r->proto = IPPROTO_ICMP;
			else if (!strcmp(arg, "any"))
				r->proto = 0;
			else {
				snprintf(err, len,
					 "protocol '%s' is not tcp, udp, icmp or any",
					 arg);
				return -EINVAL;
			}
		} else if (!strcmp(tok, "dport")) {
			if (rxl_parse_ports(arg, r)) {
				snprintf(err, len, "bad port range '%s'", arg);
				return -EINVAL;
			}
		} else {
			snprintf(err, len, "unknown keyword '%s'", tok);
			return -EINVAL;
		}
	}
	if (!action) {
		snprintf(err, len, "rule needs 'allow' or 'drop'");
		return -EINVAL;
	}
	if (r->proto == IPPROTO_ICMP && r->family == AF_INET6)
		r->proto = IPPROTO_ICMPV6;
	return 0;
}
