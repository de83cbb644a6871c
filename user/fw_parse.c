// SPDX-License-Identifier: GPL-2.0
/*
 * fw_parse.c - the one parser of each text form, used by the CLI, policy
 * files and the tests alike: addresses, numbers, prefixes, port ranges,
 * tunnel types, and the rule grammar:
 *
 *   [in|out] allow|drop [proto tcp|udp|icmp|any] [from|to PREFIX]
 *                       [dport N[-M]] [prio N] [comment TEXT]
 *
 * Keywords come in any order, each at most once; prio defaults to
 * RXL_DEFAULT_PRIO, the direction to in. An in rule's peer is its
 * source ('from'), an out rule's its destination ('to'), and dport is
 * the peer's port for both. Every refusal names the word it refuses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw.h"

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

/* Refuse @token with a message; a usage error is about the words' shape. */
static int rxl_refuse_word(struct rxl_parse_err *pe, const char *token,
			   bool usage, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int rxl_refuse_word(struct rxl_parse_err *pe, const char *token,
			   bool usage, const char *fmt, ...)
{
	va_list ap;

	pe->token = token;
	pe->usage = usage;
	va_start(ap, fmt);
	vsnprintf(pe->msg, sizeof(pe->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool rxl_host_bits(const __u8 *src, unsigned int plen,
			  unsigned int max)
{
	unsigned int b;

	for (b = plen; b < max; b++)
		if (src[b / 8] & (0x80 >> (b % 8)))
			return true;
	return false;
}

int rxl_parse_prefix(const char *s, struct rxl_rule *r,
		     struct rxl_parse_err *pe)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	struct rxl_addr a;
	__u32 plen, max;

	if (strlen(s) >= sizeof(buf))
		return rxl_refuse_word(pe, s, false, "bad prefix '%s'", s);
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (rxl_parse_addr(buf, &a))
		return rxl_refuse_word(pe, s, false,
				       "bad prefix '%s': '%s' is not an address",
				       s, buf);
	max = a.family == AF_INET ? 32 : 128;
	plen = max;
	if (slash && rxl_parse_u32(slash + 1, max, &plen))
		return rxl_refuse_word(pe, s, false,
				       "bad prefix '%s': length must be 0-%u",
				       s, max);
	if (rxl_host_bits(a.addr, plen, max))
		return rxl_refuse_word(pe, s, false,
				       "bad prefix '%s': address bits set past /%u",
				       s, plen);
	r->family = a.family;
	memcpy(r->src, a.addr, 16);
	r->plen = plen;
	return 0;
}

int rxl_parse_ports(const char *s, struct rxl_rule *r,
		    struct rxl_parse_err *pe)
{
	char buf[16], *dash;
	__u32 lo, hi;

	if (strlen(s) >= sizeof(buf))
		goto bad;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (rxl_parse_u32(buf, 65535, &lo) ||
	    rxl_parse_u32(dash ? dash + 1 : buf, 65535, &hi))
		goto bad;
	if (lo > hi)
		return rxl_refuse_word(pe, s, false,
				       "bad port range '%s': %u is above %u",
				       s, lo, hi);
	r->dport_lo = lo;
	r->dport_hi = hi;
	return 0;
bad:
	return rxl_refuse_word(pe, s, false,
			       "bad port range '%s' (N or N-M, 0-65535)", s);
}

static int rxl_parse_proto(const char *s, struct rxl_rule *r,
			   struct rxl_parse_err *pe)
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
	return rxl_refuse_word(pe, s, false,
			       "bad protocol '%s' (tcp, udp, icmp or any)", s);
}

static int rxl_parse_comment(const char *s, char *comment, size_t len,
			     struct rxl_parse_err *pe)
{
	const char *p;

	if (strlen(s) >= len)
		return rxl_refuse_word(pe, s, false,
				       "comment '%s' is longer than %zu", s,
				       len - 1);
	for (p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '"' || *p == '\\' ||
		    *p == 0x7f)
			return rxl_refuse_word(pe, s, false,
					       "comment '%s' has a quote, backslash or control character",
					       s);
	strcpy(comment, s);
	return 0;
}

static const char *const rxl_rule_words[] = {
	"proto", "from", "dport", "prio", "comment", "to", NULL
};

/* Indexes in rxl_rule_words of the peer's two keywords. */
#define RXL_WORD_FROM	1
#define RXL_WORD_TO	5

static int rxl_rule_word(int k, const char *arg, struct rxl_rule *r,
			 char *comment, size_t clen, struct rxl_parse_err *pe)
{
	__u32 prio;

	switch (k) {
	case 0:
		return rxl_parse_proto(arg, r, pe);
	case 1:
		return rxl_parse_prefix(arg, r, pe);
	case 2:
		return rxl_parse_ports(arg, r, pe);
	case RXL_WORD_TO:
		return rxl_parse_prefix(arg, r, pe);
	case 3:
		if (rxl_parse_u32(arg, UINT32_MAX, &prio))
			return rxl_refuse_word(pe, arg, false,
					       "bad priority '%s' (0-%lu)", arg,
					       (unsigned long)UINT32_MAX);
		r->prio = prio;
		return 0;
	case 4:
		return rxl_parse_comment(arg, comment, clen, pe);
	}
	return 0;
}

/*
 * A rule names its peer: the source of an in rule ('from'), the
 * destination of an out rule ('to'). The other keyword is refused, as
 * is giving both.
 */
static int rxl_rule_peer(struct rxl_rule *r, unsigned int seen, int argc,
			 char *const *argv, struct rxl_parse_err *pe)
{
	const char *bad = r->out ? "from" : "to";
	int i;

	if (!(seen & (1U << (r->out ? RXL_WORD_FROM : RXL_WORD_TO))))
		return 0;
	for (i = 0; i < argc && strcmp(argv[i], bad); i++)
		;
	return rxl_refuse_word(pe, i < argc ? argv[i] : NULL, true,
			       r->out ? "an out rule names its peer with 'to PREFIX', not 'from'" :
				        "an in rule names its peer with 'from PREFIX', not 'to'");
}

/* Checks across words, once every word is read. */
static int rxl_rule_finish(struct rxl_rule *r, int argc, char *const *argv,
			   struct rxl_parse_err *pe)
{
	bool ports = r->dport_lo != 0 || r->dport_hi != 0xffff;
	int i;

	if (r->proto == IPPROTO_ICMP && ports) {
		for (i = 0; i < argc && strcmp(argv[i], "dport"); i++)
			;
		return rxl_refuse_word(pe, i + 1 < argc ? argv[i + 1] : NULL,
				       false, "icmp has no ports: no 'dport %s'",
				       i + 1 < argc ? argv[i + 1] : "");
	}
	if (r->proto == IPPROTO_ICMP && r->family == AF_INET6)
		r->proto = IPPROTO_ICMPV6;
	return 0;
}

int rxl_parse_rule_words(int argc, char *const *argv, struct rxl_rule *r,
			 char *comment, size_t clen, struct rxl_parse_err *pe)
{
	bool action = false, dir = false;
	unsigned int seen = 0;
	int i, k, err;

	memset(r, 0, sizeof(*r));
	memset(pe, 0, sizeof(*pe));
	if (clen)
		comment[0] = '\0';
	r->prio = RXL_DEFAULT_PRIO;
	r->family = AF_UNSPEC;
	r->dport_hi = 0xffff;
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "allow") || !strcmp(argv[i], "drop")) {
			if (action)
				return rxl_refuse_word(pe, argv[i], true,
						       "second action '%s'",
						       argv[i]);
			action = true;
			r->drop = argv[i][0] == 'd';
			continue;
		}
		if (!strcmp(argv[i], "in") || !strcmp(argv[i], "out")) {
			if (dir)
				return rxl_refuse_word(pe, argv[i], true,
						       "second direction '%s'",
						       argv[i]);
			dir = true;
			r->out = argv[i][0] == 'o';
			continue;
		}
		for (k = 0; rxl_rule_words[k]; k++)
			if (!strcmp(argv[i], rxl_rule_words[k]))
				break;
		if (!rxl_rule_words[k])
			return rxl_refuse_word(pe, argv[i], true,
					       "unknown rule keyword '%s'",
					       argv[i]);
		if (seen & (1U << k))
			return rxl_refuse_word(pe, argv[i], true,
					       "'%s' given twice", argv[i]);
		seen |= 1U << k;
		if (i + 1 >= argc)
			return rxl_refuse_word(pe, argv[i], true,
					       "'%s' needs a value", argv[i]);
		err = rxl_rule_word(k, argv[++i], r, comment, clen, pe);
		if (err)
			return err;
	}
	if (!action)
		return rxl_refuse_word(pe, NULL, true,
				       "a rule needs 'allow' or 'drop'");
	return rxl_rule_peer(r, seen, argc, argv, pe) ?:
	       rxl_rule_finish(r, argc, argv, pe);
}

int rxl_parse_rule(const char *s, struct rxl_rule *r, char *err, size_t len)
{
	char buf[256], *words[32], *save = NULL, *w;
	char comment[RXL_COMMENT_MAX];
	struct rxl_parse_err pe;
	int n = 0, ret;

	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, len, "rule too long");
		return -EINVAL;
	}
	strcpy(buf, s);
	for (w = strtok_r(buf, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		if (n == 32) {
			snprintf(err, len, "rule has over 32 words");
			return -EINVAL;
		}
		words[n++] = w;
	}
	ret = rxl_parse_rule_words(n, words, r, comment, sizeof(comment), &pe);
	if (ret)
		snprintf(err, len, "%s", pe.msg);
	return ret;
}
