// SPDX-License-Identifier: GPL-2.0
/*
 * cli_rule.c - firewall rules and addresses in words and in JSON.
 *
 * The words are parsed by the library's one grammar (fw_parse.c:
 * rxl_parse_rule_words); here they become records, text and JSON.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

_Static_assert(CLI_COMMENT_MAX == RXL_COMMENT_MAX, "one comment size");

int cli_parse_addr(struct cli *c, const char *s, struct cli_addr *a)
{
	struct rxl_addr ra;

	memset(a, 0, sizeof(*a));
	if (rxl_parse_addr(s, &ra))
		return cli_err(c, CLI_ERR, s, "bad address '%s'", s);
	a->family = ra.family == AF_INET ? 4 : 6;
	memcpy(a->addr, ra.addr, sizeof(a->addr));
	return 0;
}

void cli_fmt_addr(const struct cli_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->addr, buf, len))
		snprintf(buf, len, "?");
}

/* The rule grammar is the library's (fw_parse.c): its refusals, our exit. */
int cli_parse_rule(struct cli *c, int argc, char *const *argv,
		   struct cli_rule *r)
{
	struct rxl_parse_err pe;
	struct rxl_rule fr;

	memset(r, 0, sizeof(*r));
	if (rxl_parse_rule_words(argc, argv, &fr, r->comment,
				 sizeof(r->comment), &pe)) {
		if (pe.usage)
			return cli_usage_err(c, pe.token, "%s", pe.msg);
		return cli_err(c, CLI_ERR, pe.token, "%s", pe.msg);
	}
	r->prio = fr.prio;
	r->family = fr.family == AF_INET ? 4 : fr.family == AF_INET6 ? 6 : 0;
	memcpy(r->src, fr.src, 16);
	r->plen = fr.plen;
	r->proto = fr.proto;
	r->dport_lo = fr.dport_lo;
	r->dport_hi = fr.dport_hi;
	r->drop = fr.drop;
	r->out = fr.out;
	return 0;
}

const char *cli_proto_name(__u8 proto, bool icmp6)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMPV6:
		return icmp6 ? "icmpv6" : "icmp";
	case IPPROTO_ICMP:
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

static bool cli_has_ports(const struct cli_rule *r)
{
	return r->dport_lo != 0 || r->dport_hi != 0xffff;
}

void cli_print_rule(struct cli *c, const struct cli_rule *r,
		    enum cli_mode handle, enum cli_mode words)
{
	const char *proto = cli_proto_name(r->proto, false);
	char pfx[64];

	cli_print_uint(c, handle, "handle", "handle %llu ", r->handle);
	cli_print_uint(c, words, "prio", "prio %llu", r->prio);
	/* Text leaves out the default direction, as ingress rules read. */
	cli_print_str(c, r->out ? words : words & CLI_JSON, "direction",
		      " %s", r->out ? "out" : "in");
	cli_print_str(c, words, "action", " %s", r->drop ? "drop" : "allow");
	/* Text leaves out what a rule without it means: any. */
	cli_print_str(c, proto ? words : words & CLI_JSON, "proto",
		      " proto %s", proto ?: "any");
	if (r->family) {
		cli_fmt_prefix(r, pfx, sizeof(pfx));
		if (r->out)
			cli_print_str(c, words, "to", " to %s", pfx);
		else
			cli_print_str(c, words, "from", " from %s", pfx);
	}
	if (cli_has_ports(r)) {
		if (words & CLI_JSON)
			cli_open_object(c, "dport");
		cli_print_uint(c, words, "min", " dport %llu", r->dport_lo);
		cli_print_uint(c, r->dport_hi != r->dport_lo ? words :
			       words & CLI_JSON, "max", "-%llu", r->dport_hi);
		if (words & CLI_JSON)
			cli_close(c);
	}
	if (r->comment[0])
		cli_print_str(c, words, "comment", " comment \"%s\"",
			      r->comment);
}

void cli_fmt_rule(const struct cli_rule *r, char *buf, size_t len)
{
	struct cli t;

	if (cli_text_open(&t, buf, len))
		return;
	cli_print_rule(&t, r, CLI_NONE, CLI_TEXT);
	cli_text_close(&t);
}

json_t *cli_rule_json(const struct cli_rule *r)
{
	struct cli j = { .json = true };
	json_t *o = json_object();

	cli_open_json(&j, o);
	cli_print_rule(&j, r, CLI_JSON, CLI_JSON);
	return o;
}

bool cli_rule_same(const struct cli_rule *a, const struct cli_rule *b)
{
	return a->prio == b->prio && a->family == b->family &&
	       a->plen == b->plen && a->proto == b->proto &&
	       a->drop == b->drop && a->out == b->out &&
	       !memcmp(a->src, b->src, 16) &&
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
	out->out = r->out;
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
