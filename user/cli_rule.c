// SPDX-License-Identifier: GPL-2.0
/*
 * cli_rule.c - firewall rules and addresses in words and in JSON.
 *
 *   allow|drop [proto tcp|udp|icmp|any] [from PREFIX] [dport N[-M]]
 *              [prio N] [comment TEXT]
 *
 * Keywords come in any order, each at most once. Every refusal names the
 * word it refuses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CLI_DEFAULT_PRIO	1000

int cli_parse_addr(struct cli *c, const char *s, struct cli_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->addr) == 1) {
		a->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->addr) == 1) {
		a->family = 6;
		return 0;
	}
	return cli_err(c, CLI_ERR, s, "bad address '%s'", s);
}

void cli_fmt_addr(const struct cli_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->addr, buf, len))
		snprintf(buf, len, "?");
}

static bool cli_host_bits(const __u8 *src, unsigned int plen,
			  unsigned int max)
{
	unsigned int b;

	for (b = plen; b < max; b++)
		if (src[b / 8] & (0x80 >> (b % 8)))
			return true;
	return false;
}

/* Decimal, no sign, at most @max; silent (the caller names the token). */
static bool cli_u32(const char *s, unsigned long max, __u32 *out)
{
	return !rxl_parse_u32(s, max, out);
}

static int cli_parse_prefix(struct cli *c, const char *s, struct cli_rule *r)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	struct cli_addr a;
	__u32 plen, max;

	if (strlen(s) >= sizeof(buf))
		return cli_err(c, CLI_ERR, s, "bad prefix '%s'", s);
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, buf, a.addr) == 1)
		a.family = 4;
	else if (inet_pton(AF_INET6, buf, a.addr) == 1)
		a.family = 6;
	else
		return cli_err(c, CLI_ERR, s,
			       "bad prefix '%s': '%s' is not an address", s, buf);
	max = a.family == 4 ? 32 : 128;
	plen = max;
	if (slash && !cli_u32(slash + 1, max, &plen))
		return cli_err(c, CLI_ERR, s,
			       "bad prefix '%s': length must be 0-%u", s, max);
	if (cli_host_bits(a.addr, plen, max))
		return cli_err(c, CLI_ERR, s,
			       "bad prefix '%s': address bits set past /%u", s,
			       plen);
	r->family = a.family;
	r->plen = plen;
	memcpy(r->src, a.addr, 16);
	return 0;
}

static int cli_parse_ports(struct cli *c, const char *s, struct cli_rule *r)
{
	char buf[16], *dash;
	__u32 lo, hi;

	if (strlen(s) >= sizeof(buf))
		goto bad;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (!cli_u32(buf, 65535, &lo) ||
	    !cli_u32(dash ? dash + 1 : buf, 65535, &hi))
		goto bad;
	if (lo > hi)
		return cli_err(c, CLI_ERR, s,
			       "bad port range '%s': %u is above %u", s, lo, hi);
	r->dport_lo = lo;
	r->dport_hi = hi;
	return 0;
bad:
	return cli_err(c, CLI_ERR, s,
		       "bad port range '%s' (N or N-M, 0-65535)", s);
}

static int cli_parse_proto(struct cli *c, const char *s, struct cli_rule *r)
{
	static const struct { const char *name; __u8 proto; } p[] = {
		{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
		{ "icmp", IPPROTO_ICMP }, { "any", 0 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		if (!strcmp(s, p[i].name)) {
			r->proto = p[i].proto;
			return 0;
		}
	}
	return cli_err(c, CLI_ERR, s,
		       "bad protocol '%s' (tcp, udp, icmp or any)", s);
}

static int cli_parse_comment(struct cli *c, const char *s, struct cli_rule *r)
{
	const char *p;

	if (strlen(s) >= CLI_COMMENT_MAX)
		return cli_err(c, CLI_ERR, s, "comment '%s' is longer than %d",
			       s, CLI_COMMENT_MAX - 1);
	for (p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '"' || *p == '\\' ||
		    *p == 0x7f)
			return cli_err(c, CLI_ERR, s,
				       "comment '%s' has a quote, backslash or control character",
				       s);
	strcpy(r->comment, s);
	return 0;
}

static const char *const cli_rule_words[] = {
	"proto", "from", "dport", "prio", "comment", NULL
};

static int cli_rule_word(struct cli *c, struct cli_rule *r, int k,
			 const char *arg)
{
	switch (k) {
	case 0:
		return cli_parse_proto(c, arg, r);
	case 1:
		return cli_parse_prefix(c, arg, r);
	case 2:
		return cli_parse_ports(c, arg, r);
	case 3:
		return cli_parse_u32(c, arg, UINT32_MAX, &r->prio, "priority");
	default:
		return cli_parse_comment(c, arg, r);
	}
}

/* Checks across fields, once every word is read. */
static int cli_rule_finish(struct cli *c, struct cli_rule *r, char *const *argv,
			   int argc)
{
	bool ports = r->dport_lo != 0 || r->dport_hi != 0xffff;
	int i;

	if (r->proto == IPPROTO_ICMP && ports) {
		for (i = 0; i < argc && strcmp(argv[i], "dport"); i++)
			;
		return cli_err(c, CLI_ERR, i + 1 < argc ? argv[i + 1] : NULL,
			       "icmp has no ports: no 'dport %s'",
			       i + 1 < argc ? argv[i + 1] : "");
	}
	if (r->proto == IPPROTO_ICMP && r->family == 6)
		r->proto = IPPROTO_ICMPV6;
	return 0;
}

int cli_parse_rule(struct cli *c, int argc, char *const *argv,
		   struct cli_rule *r)
{
	unsigned int seen = 0;
	bool action = false;
	int i, k, err;

	memset(r, 0, sizeof(*r));
	r->prio = CLI_DEFAULT_PRIO;
	r->dport_hi = 0xffff;
	for (i = 0; i < argc; i++) {
		if (cli_is(argv[i], "allow") || cli_is(argv[i], "drop")) {
			if (action)
				return cli_usage_err(c, argv[i],
						     "second action '%s'", argv[i]);
			action = true;
			r->drop = argv[i][0] == 'd';
			continue;
		}
		for (k = 0; cli_rule_words[k]; k++)
			if (cli_is(argv[i], cli_rule_words[k]))
				break;
		if (!cli_rule_words[k])
			return cli_usage_err(c, argv[i],
					     "unknown rule keyword '%s'", argv[i]);
		if (seen & (1U << k))
			return cli_usage_err(c, argv[i], "'%s' given twice",
					     argv[i]);
		seen |= 1U << k;
		err = cli_need_arg(c, argc, argv, i);
		if (!err)
			err = cli_rule_word(c, r, k, argv[++i]);
		if (err)
			return err;
	}
	if (!action)
		return cli_usage_err(c, NULL, "a rule needs 'allow' or 'drop'");
	return cli_rule_finish(c, r, argv, argc);
}

static const char *cli_proto_name(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return "icmp";
	default:
		return NULL;
	}
}

static void cli_fmt_prefix(const struct cli_rule *r, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(r->family == 4 ? AF_INET : AF_INET6, r->src, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, r->plen);
}

static void cli_fmt_ports(const struct cli_rule *r, char *buf, size_t len)
{
	if (r->dport_lo == r->dport_hi)
		snprintf(buf, len, "%u", r->dport_lo);
	else
		snprintf(buf, len, "%u-%u", r->dport_lo, r->dport_hi);
}

static bool cli_has_ports(const struct cli_rule *r)
{
	return r->dport_lo != 0 || r->dport_hi != 0xffff;
}

void cli_fmt_rule(const struct cli_rule *r, char *buf, size_t len)
{
	char pfx[64], ports[16];
	size_t n;

	n = snprintf(buf, len, "prio %u %s", r->prio,
		     r->drop ? "drop" : "allow");
	if (cli_proto_name(r->proto) && n < len)
		n += snprintf(buf + n, len - n, " proto %s",
			      cli_proto_name(r->proto));
	if (r->family && n < len) {
		cli_fmt_prefix(r, pfx, sizeof(pfx));
		n += snprintf(buf + n, len - n, " from %s", pfx);
	}
	if (cli_has_ports(r) && n < len) {
		cli_fmt_ports(r, ports, sizeof(ports));
		n += snprintf(buf + n, len - n, " dport %s", ports);
	}
	if (r->comment[0] && n < len)
		snprintf(buf + n, len - n, " comment \"%s\"", r->comment);
}

json_t *cli_rule_json(const struct cli_rule *r)
{
	json_t *o = json_pack("{s:I, s:I, s:s}", "handle",
			      (json_int_t)r->handle, "prio",
			      (json_int_t)r->prio, "action",
			      r->drop ? "drop" : "allow");
	char buf[64];

	json_object_set_new(o, "proto", json_string(cli_proto_name(r->proto) ?:
						   "any"));
	if (r->family) {
		cli_fmt_prefix(r, buf, sizeof(buf));
		json_object_set_new(o, "from", json_string(buf));
	}
	if (cli_has_ports(r))
		json_object_set_new(o, "dport",
				    json_pack("{s:i, s:i}", "min", r->dport_lo,
					      "max", r->dport_hi));
	if (r->comment[0])
		json_object_set_new(o, "comment", json_string(r->comment));
	return o;
}

bool cli_rule_same(const struct cli_rule *a, const struct cli_rule *b)
{
	return a->prio == b->prio && a->family == b->family &&
	       a->plen == b->plen && a->proto == b->proto &&
	       a->drop == b->drop && !memcmp(a->src, b->src, 16) &&
	       a->dport_lo == b->dport_lo && a->dport_hi == b->dport_hi &&
	       !strcmp(a->comment, b->comment);
}

void cli_rule_to_fw(const struct cli_rule *r, struct rxl_rule *out)
{
	memset(out, 0, sizeof(*out));
	out->prio = r->prio;
	out->family = r->family == 4 ? AF_INET :
		      r->family == 6 ? AF_INET6 : AF_UNSPEC;
	memcpy(out->src, r->src, 16);
	out->plen = r->plen;
	out->proto = r->proto;
	out->dport_lo = r->dport_lo;
	out->dport_hi = r->dport_hi;
	out->drop = r->drop;
}

struct cli_rank_ent {
	__u32 prio;
	unsigned int pos;
};

static int cli_cmp_rank(const void *a, const void *b)
{
	const struct cli_rank_ent *x = a, *y = b;

	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

void cli_rule_ranks(const struct cli_rule *rules, unsigned int n,
		    unsigned int *rank)
{
	struct cli_rank_ent *e = calloc(n ?: 1, sizeof(*e));
	unsigned int i;

	if (!e) {
		for (i = 0; i < n; i++)
			rank[i] = i;
		return;
	}
	for (i = 0; i < n; i++) {
		e[i].prio = rules[i].prio;
		e[i].pos = i;
	}
	qsort(e, n, sizeof(*e), cli_cmp_rank);
	for (i = 0; i < n; i++)
		rank[e[i].pos] = i;
	free(e);
}

unsigned int *cli_rule_order(const struct cli_rule *rules, unsigned int n)
{
	unsigned int *rank = calloc(n ?: 1, sizeof(*rank));
	unsigned int *order = calloc(n ?: 1, sizeof(*order));
	unsigned int i;

	if (!rank || !order) {
		free(rank);
		free(order);
		return NULL;
	}
	cli_rule_ranks(rules, n, rank);
	for (i = 0; i < n; i++)
		order[rank[i]] = i;
	free(rank);
	return order;
}
