// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_hw.c - rxlane hw: containers whose firewall the NIC enforces, through
 * the kernel's "rxlane" generic netlink family (Documentation/hwfilter.rst).
 *
 *   hw container add NAME dev NIC ip ADDR[,ADDR]... [cpus LIST]
 *                    [default drop|allow] [netns NAME|PATH]
 *                    [mac MAC [spoofchk on|off]]
 *   hw container del NAME
 *   hw rule add NAME allow proto tcp|udp dport N[-M] [from PREFIX]
 *   hw rule del NAME ID
 *   hw list [NAME]	(with the CLI's containers that have 'nic NIC hw')
 *   hw monitor
 *
 * Every refusal prints the kernel's own message (extack).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/genetlink.h>

#include "cli.h"
#include "hw_nl.h"

static const char *const hw_kind[] = {
	[RXLANE_ENTRY_ALLOW] = "allow",
	[RXLANE_ENTRY_DROP] = "drop",
	[RXLANE_ENTRY_STEER] = "steer",
};

static int hw_open(struct cli *c, struct hw_nl *h)
{
	if (hw_nl_open(h))
		return cli_err(c, CLI_ERR, NULL, "%s", h->err);
	return 0;
}

/* Run @nlh; on a refusal print the kernel's message (or the errno). */
static int hw_talk(struct cli *c, struct hw_nl *h, struct nlmsghdr *nlh,
		   mnl_cb_t cb, void *data, const char *what)
{
	int err = hw_nl_talk(h, nlh, cb, data);
	const char *msg = h->err;

	if (!err)
		return 0;
	/* NL_SET_ERR_MSG_MOD's prefix: the message is the kernel's anyway. */
	if (!strncmp(msg, "rxlane: ", 8))
		msg += 8;
	if (msg[0])
		return cli_err(c, CLI_ERR, NULL, "%s: %s (%s)", what, msg,
			       strerror(-err));
	return cli_err(c, CLI_ERR, NULL, "%s: %s", what, strerror(-err));
}

/* "0-3,6" into a bitmap of CPUs 0..63. */
int hw_parse_cpus(struct cli *c, const char *s, __u64 *out)
{
	char *end;
	const char *p = s;
	unsigned long lo, hi;

	*out = 0;
	do {
		lo = strtoul(p, &end, 10);
		if (end == p)
			goto bad;
		hi = lo;
		if (*end == '-') {
			p = end + 1;
			hi = strtoul(p, &end, 10);
			if (end == p)
				goto bad;
		}
		if (lo > hi || hi > 63)
			goto bad;
		for (; lo <= hi; lo++)
			*out |= 1ULL << lo;
		p = end + 1;
	} while (*end == ',');
	if (*end)
		goto bad;
	return 0;
bad:
	return cli_err(c, CLI_ERR, s, "bad CPU list '%s' (like 0-3,6; CPUs 0-63)",
		       s);
}

void hw_fmt_cpus(__u64 set, char *buf, size_t len)
{
	size_t n = 0;
	int i = 0, j;

	buf[0] = '\0';
	while (i < 64) {
		if (!(set & (1ULL << i))) {
			i++;
			continue;
		}
		for (j = i; j + 1 < 64 && (set & (1ULL << (j + 1))); j++)
			;
		if (n < len)
			n += snprintf(buf + n, len - n, "%s%d", n ? "," : "", i);
		if (j > i && n < len)
			n += snprintf(buf + n, len - n, "-%d", j);
		i = j + 1;
	}
}

/* The namespace NAME (/run/netns/NAME) or PATH, as an open fd. */
static int hw_netns_fd(struct cli *c, const char *s)
{
	char path[PATH_MAX], err[PATH_MAX + 128];
	int fd;

	if (strchr(s, '/'))
		snprintf(path, sizeof(path), "%s", s);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", s);
	fd = cli_netns_fd(path, err, sizeof(err));
	if (fd < 0)
		return -cli_err(c, CLI_ERR, s, "%s", err);
	return fd;
}

/* ---- printing a container (one print path for text and -j) ----------- */

struct hw_print {
	struct cli *c;
	unsigned int n;
};

static void hw_print_addrs(struct cli *c, const struct nlattr *nest)
{
	const struct nlattr *a;
	struct cli_addr ca;
	char buf[64];

	cli_open_array(c, "ips");
	mnl_attr_for_each_nested(a, nest) {
		size_t len = mnl_attr_get_payload_len(a);

		if (len != 4 && len != 16)
			continue;
		memset(&ca, 0, sizeof(ca));
		ca.family = len == 4 ? 4 : 6;
		memcpy(ca.addr, mnl_attr_get_payload(a), len);
		cli_fmt_addr(&ca, buf, sizeof(buf));
		cli_print_str(c, CLI_ANY, NULL, " ip %s", buf);
	}
	cli_close(c);
}

static int hw_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	/* Types beyond the largest we know are newer: skipped. */
	if (mnl_attr_get_type(a) <= RXLANE_A_MAX)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static __u32 hw_u32(const struct nlattr *a)
{
	return a && mnl_attr_get_payload_len(a) >= 4 ? mnl_attr_get_u32(a) : 0;
}

static void hw_print_rule(struct cli *c, const struct nlattr *nest)
{
	const struct nlattr *tb[RXLANE_A_MAX + 1] = {};
	struct cli_addr ca = {};
	char buf[64];
	__u16 lo, hi;

	mnl_attr_parse_nested(nest, hw_attr_cb, tb);
	if (!tb[RXLANE_RULE_PROTO] || !tb[RXLANE_RULE_DPORT_MIN] ||
	    !tb[RXLANE_RULE_DPORT_MAX])
		return;
	cli_open_object(c, NULL);
	cli_print_uint(c, CLI_ANY, "id", "  rule %llu allow",
		       hw_u32(tb[RXLANE_RULE_ID]));
	cli_print_str(c, CLI_ANY, "proto", " proto %s",
		      mnl_attr_get_u8(tb[RXLANE_RULE_PROTO]) == IPPROTO_TCP ?
		      "tcp" : "udp");
	lo = mnl_attr_get_u16(tb[RXLANE_RULE_DPORT_MIN]);
	hi = mnl_attr_get_u16(tb[RXLANE_RULE_DPORT_MAX]);
	if (lo == hi)
		snprintf(buf, sizeof(buf), "%u", lo);
	else
		snprintf(buf, sizeof(buf), "%u-%u", lo, hi);
	cli_print_str(c, CLI_ANY, "dport", " dport %s", buf);
	if (tb[RXLANE_RULE_SRC_IN] || tb[RXLANE_RULE_SRC_IN6]) {
		const struct nlattr *s = tb[RXLANE_RULE_SRC_IN] ?: tb[RXLANE_RULE_SRC_IN6];
		size_t len = mnl_attr_get_payload_len(s) > 16 ? 16 :
			     mnl_attr_get_payload_len(s);
		size_t n;

		ca.family = tb[RXLANE_RULE_SRC_IN] ? 4 : 6;
		memcpy(ca.addr, mnl_attr_get_payload(s), len);
		cli_fmt_addr(&ca, buf, sizeof(buf));
		n = strlen(buf);
		snprintf(buf + n, sizeof(buf) - n, "/%u",
			 tb[RXLANE_RULE_SRC_PLEN] ?
			 mnl_attr_get_u8(tb[RXLANE_RULE_SRC_PLEN]) : 0);
		cli_print_str(c, CLI_ANY, "from", " from %s", buf);
	}
	cli_print_uint(c, CLI_ANY, "entries", " entries %llu\n",
		       hw_u32(tb[RXLANE_RULE_ENTRIES]));
	cli_close(c);
}

static void hw_print_entry(struct cli *c, const struct nlattr *nest)
{
	const struct nlattr *tb[RXLANE_A_MAX + 1] = {};
	__u8 kind;

	mnl_attr_parse_nested(nest, hw_attr_cb, tb);
	if (!tb[RXLANE_ENTRY_LOC] || !tb[RXLANE_ENTRY_KIND])
		return;
	kind = mnl_attr_get_u8(tb[RXLANE_ENTRY_KIND]);
	cli_open_object(c, NULL);
	cli_print_uint(c, CLI_ANY, "loc", "  entry loc %llu",
		       hw_u32(tb[RXLANE_ENTRY_LOC]));
	cli_print_str(c, CLI_ANY, "kind", " %s",
		      kind <= RXLANE_ENTRY_STEER ? hw_kind[kind] : "?");
	if (kind == RXLANE_ENTRY_ALLOW)
		cli_print_uint(c, CLI_ANY, "rule", " rule %llu",
			       hw_u32(tb[RXLANE_ENTRY_RULE_ID]));
	if (tb[RXLANE_ENTRY_HITS] &&
	    mnl_attr_get_payload_len(tb[RXLANE_ENTRY_HITS]) == 8)
		cli_print_uint(c, CLI_ANY, "hits", " hits %llu",
			       mnl_attr_get_u64(tb[RXLANE_ENTRY_HITS]));
	cli_print_nl(c);
	cli_close(c);
}

/* One container message, as text or a JSON object. */
static int hw_print_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[RXLANE_A_MAX + 1] = {};
	struct hw_print *p = data;
	struct cli *c = p->c;
	const struct nlattr *a;
	char buf[IF_NAMESIZE + 256];
	__u32 ifindex;

	mnl_attr_parse(nlh, GENL_HDRLEN, hw_attr_cb, tb);
	if (!tb[RXLANE_A_NAME] || !tb[RXLANE_A_IFINDEX])
		return MNL_CB_OK;
	p->n++;
	cli_open_object(c, NULL);
	cli_print_str(c, CLI_ANY, "name", "%s", mnl_attr_get_str(tb[RXLANE_A_NAME]));
	ifindex = mnl_attr_get_u32(tb[RXLANE_A_IFINDEX]);
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, sizeof(buf), "if%u", ifindex);
	cli_print_str(c, CLI_ANY, "dev", " dev %s", buf);
	cli_print_uint(c, CLI_JSON, "ifindex", NULL, ifindex);
	if (tb[RXLANE_A_CPUS]) {
		hw_fmt_cpus(mnl_attr_get_u64(tb[RXLANE_A_CPUS]), buf, sizeof(buf));
		cli_print_str(c, CLI_ANY, "cpus", " cpus %s", buf);
	}
	if (tb[RXLANE_A_DEFAULT])
		cli_print_str(c, CLI_ANY, "default", " default %s",
			      mnl_attr_get_u8(tb[RXLANE_A_DEFAULT]) ==
			      RXLANE_DEFAULT_ALLOW ? "allow" : "drop");
	cli_print_uint(c, CLI_ANY, "rss_context", " rss-context %llu",
		       hw_u32(tb[RXLANE_A_RSS_CTX]));
	if (tb[RXLANE_A_ADDRS])
		hw_print_addrs(c, tb[RXLANE_A_ADDRS]);
	if (tb[RXLANE_A_MAC] && mnl_attr_get_payload_len(tb[RXLANE_A_MAC]) == 6) {
		const __u8 *m = mnl_attr_get_payload(tb[RXLANE_A_MAC]);

		snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
		cli_print_str(c, CLI_ANY, "mac", " mac %s", buf);
	}
	if (tb[RXLANE_A_SPOOFCHK])
		cli_print_str(c, CLI_ANY, "spoofchk", " spoofchk %s", "on");
	if (tb[RXLANE_A_SPOOF_DROPS] &&
	    mnl_attr_get_payload_len(tb[RXLANE_A_SPOOF_DROPS]) == 8)
		cli_print_uint(c, CLI_ANY, "spoof_drops", " spoof-drops %llu",
			       mnl_attr_get_u64(tb[RXLANE_A_SPOOF_DROPS]));
	if (tb[RXLANE_A_NETNS_COOKIE] &&
	    mnl_attr_get_payload_len(tb[RXLANE_A_NETNS_COOKIE]) == 8 &&
	    mnl_attr_get_u64(tb[RXLANE_A_NETNS_COOKIE]))
		cli_print_uint(c, CLI_ANY, "netns_cookie", " netns-cookie %llu",
			       mnl_attr_get_u64(tb[RXLANE_A_NETNS_COOKIE]));
	cli_print_nl(c);
	cli_open_array(c, "rules");
	if (tb[RXLANE_A_RULES])
		mnl_attr_for_each_nested(a, tb[RXLANE_A_RULES])
			hw_print_rule(c, a);
	cli_close(c);
	cli_open_array(c, "entries");
	if (tb[RXLANE_A_ENTRIES])
		mnl_attr_for_each_nested(a, tb[RXLANE_A_ENTRIES])
			hw_print_entry(c, a);
	cli_close(c);
	cli_close(c);
	return MNL_CB_OK;
}

/* Print the container(s) of the answer to @nlh under "containers". */
static int hw_show(struct cli *c, struct hw_nl *h, struct nlmsghdr *nlh,
		   const char *what)
{
	struct hw_print p = { .c = c };
	int ret;

	cli_open_array(c, "containers");
	ret = hw_talk(c, h, nlh, hw_print_cb, &p, what);
	cli_close(c);
	return ret;
}

/* A device name, or an interface index as a number (what the kernel sees). */
static unsigned int hw_ifindex(const char *dev)
{
	unsigned int ifindex = if_nametoindex(dev);
	unsigned long n;
	char *end;

	if (ifindex || !dev[0])
		return ifindex;
	n = strtoul(dev, &end, 10);
	return *end || n > 0x7fffffff ? 0 : n;
}

/* "xx:xx:xx:xx:xx:xx" into @mac. */
static int hw_parse_mac(struct cli *c, const char *s, __u8 *mac)
{
	unsigned int b[6];
	int i, n = -1;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &n) != 6 || n != (int)strlen(s) || n != 17)
		return cli_err(c, CLI_ERR, s, "bad MAC '%s' (like 02:00:00:00:00:01)",
			       s);
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
	return 0;
}

static int hw_cont_add(struct cli *c, int argc, char **argv)
{
	const char *name, *dev = NULL;
	struct nlattr *nest;
	struct nlmsghdr *nlh;
	struct hw_nl h;
	__u64 cpus = 0;
	int i, ret, netns = -1, def = -1, spoofchk = 0;
	bool has_mac = false;
	__u8 mac[6];
	char *addrs[RXLANE_ADDRS_MAX];
	unsigned int naddrs = 0, ifindex;
	struct cli_addr a;

	if (argc < 1)
		return cli_usage_err(c, NULL, "hw container add NAME dev NIC ip ADDR...");
	name = argv[0];
	if (!cli_name_ok(name) || strlen(name) > RXLANE_NAME_MAX)
		return cli_err(c, CLI_ERR, name,
			       "bad name '%s' (1-%d of [a-zA-Z0-9_.-])", name,
			       RXLANE_NAME_MAX);
	for (i = 1; i < argc; i++) {
		if (cli_need_arg(c, argc, argv, i))
			goto err_usage;
		if (cli_is(argv[i], "dev")) {
			dev = argv[++i];
		} else if (cli_is(argv[i], "ip")) {
			char *tok, *save = NULL;

			for (tok = strtok_r(argv[++i], ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				if (naddrs == RXLANE_ADDRS_MAX) {
					ret = cli_err(c, CLI_ERR, tok,
						      "more than %d addresses",
						      RXLANE_ADDRS_MAX);
					goto out;
				}
				addrs[naddrs++] = tok;
			}
		} else if (cli_is(argv[i], "cpus")) {
			if (hw_parse_cpus(c, argv[++i], &cpus)) {
				ret = CLI_ERR;
				goto out;
			}
			if (!cpus) {
				ret = cli_err(c, CLI_ERR, argv[i], "an empty CPU list");
				goto out;
			}
		} else if (cli_is(argv[i], "default")) {
			i++;
			if (cli_is(argv[i], "drop")) {
				def = RXLANE_DEFAULT_DROP;
			} else if (cli_is(argv[i], "allow")) {
				def = RXLANE_DEFAULT_ALLOW;
			} else {
				ret = cli_usage_err(c, argv[i],
						    "default is drop or allow, not '%s'",
						    argv[i]);
				goto out;
			}
		} else if (cli_is(argv[i], "mac")) {
			if (hw_parse_mac(c, argv[++i], mac)) {
				ret = CLI_ERR;
				goto out;
			}
			has_mac = true;
		} else if (cli_is(argv[i], "spoofchk")) {
			i++;
			if (!cli_is(argv[i], "on") && !cli_is(argv[i], "off")) {
				ret = cli_usage_err(c, argv[i],
						    "spoofchk is on or off, not '%s'",
						    argv[i]);
				goto out;
			}
			spoofchk = cli_is(argv[i], "on");
		} else if (cli_is(argv[i], "netns")) {
			if (netns >= 0)
				close(netns);
			netns = hw_netns_fd(c, argv[++i]);
			if (netns < 0) {
				ret = CLI_ERR;
				goto out;
			}
		} else {
			ret = cli_usage_err(c, argv[i], "unknown word '%s'", argv[i]);
			goto out;
		}
	}
	if (!dev || !naddrs) {
		ret = cli_usage_err(c, NULL, "hw container add needs dev NIC and ip ADDR");
		goto out;
	}
	ifindex = hw_ifindex(dev);
	if (!ifindex) {
		ret = cli_err(c, CLI_ERR, dev, "no device '%s'", dev);
		goto out;
	}
	ret = hw_open(c, &h);
	if (ret)
		goto out;
	nlh = hw_nl_msg(&h, RXLANE_CMD_CONT_NEW, NLM_F_ACK);
	mnl_attr_put_strz(nlh, RXLANE_A_NAME, name);
	mnl_attr_put_u32(nlh, RXLANE_A_IFINDEX, ifindex);
	nest = mnl_attr_nest_start(nlh, RXLANE_A_ADDRS);
	for (i = 0; i < (int)naddrs; i++) {
		if (cli_parse_addr(c, addrs[i], &a)) {
			ret = CLI_ERR;
			goto out_close;
		}
		mnl_attr_put(nlh, a.family == 4 ? RXLANE_ADDR_IN : RXLANE_ADDR_IN6,
			     a.family == 4 ? 4 : 16, a.addr);
	}
	mnl_attr_nest_end(nlh, nest);
	if (cpus)
		mnl_attr_put_u64(nlh, RXLANE_A_CPUS, cpus);
	if (def >= 0)
		mnl_attr_put_u8(nlh, RXLANE_A_DEFAULT, def);
	if (netns >= 0)
		mnl_attr_put_u32(nlh, RXLANE_A_NETNS_FD, netns);
	if (has_mac)
		mnl_attr_put(nlh, RXLANE_A_MAC, sizeof(mac), mac);
	if (spoofchk)
		mnl_attr_put(nlh, RXLANE_A_SPOOFCHK, 0, NULL);
	ret = hw_show(c, &h, nlh, "hw container add");
out_close:
	hw_nl_close(&h);
out:
	if (netns >= 0)
		close(netns);
	return ret;
err_usage:
	ret = CLI_USAGE;
	goto out;
}

static int hw_cont_del(struct cli *c, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	struct hw_nl h;
	int ret;

	if (argc != 1)
		return cli_usage_err(c, NULL, "hw container del NAME");
	ret = hw_open(c, &h);
	if (ret)
		return ret;
	nlh = hw_nl_msg(&h, RXLANE_CMD_CONT_DEL, NLM_F_ACK);
	mnl_attr_put_strz(nlh, RXLANE_A_NAME, argv[0]);
	ret = hw_talk(c, &h, nlh, NULL, NULL, "hw container del");
	hw_nl_close(&h);
	return ret;
}

static int hw_container(struct cli *c, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "add", hw_cont_add },
		{ "del", hw_cont_del },
		{ NULL, NULL },
	};

	return cli_dispatch(c, cmds, "hw container command", argc, argv);
}

static int hw_rule_add(struct cli *c, int argc, char **argv)
{
	struct cli_rule r;
	struct nlattr *nest;
	struct nlmsghdr *nlh;
	struct hw_nl h;
	int i, ret;

	if (argc < 2)
		return cli_usage_err(c, NULL,
				     "hw rule add NAME allow proto tcp|udp dport N[-M] [from PREFIX]");
	if (cli_parse_rule(c, argc - 1, argv + 1, &r))
		return CLI_ERR;
	if (r.out)
		return cli_err(c, CLI_ERR, argv[1],
			       "the NIC filters what a container receives: an out rule belongs to 'rxlane fw add'");
	if (r.drop || (r.proto != IPPROTO_TCP && r.proto != IPPROTO_UDP))
		return cli_err(c, CLI_ERR, argv[1],
			       "the NIC takes allow rules for proto tcp or udp");
	for (i = 1; i < argc; i++)
		if (cli_is(argv[i], "prio") || cli_is(argv[i], "comment"))
			return cli_err(c, CLI_ERR, argv[i],
				       "a NIC rule has no %s", argv[i]);
	ret = hw_open(c, &h);
	if (ret)
		return ret;
	nlh = hw_nl_msg(&h, RXLANE_CMD_RULE_NEW, NLM_F_ACK);
	mnl_attr_put_strz(nlh, RXLANE_A_NAME, argv[0]);
	nest = mnl_attr_nest_start(nlh, RXLANE_A_RULE);
	mnl_attr_put_u8(nlh, RXLANE_RULE_PROTO, r.proto);
	mnl_attr_put_u16(nlh, RXLANE_RULE_DPORT_MIN, r.dport_lo);
	mnl_attr_put_u16(nlh, RXLANE_RULE_DPORT_MAX, r.dport_hi);
	if (r.family) {
		mnl_attr_put(nlh, r.family == 4 ? RXLANE_RULE_SRC_IN :
			     RXLANE_RULE_SRC_IN6, r.family == 4 ? 4 : 16, r.src);
		mnl_attr_put_u8(nlh, RXLANE_RULE_SRC_PLEN, r.plen);
	}
	mnl_attr_nest_end(nlh, nest);
	ret = hw_show(c, &h, nlh, "hw rule add");
	hw_nl_close(&h);
	return ret;
}

static int hw_rule_del(struct cli *c, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	struct hw_nl h;
	__u32 id;
	int ret;

	if (argc != 2)
		return cli_usage_err(c, NULL, "hw rule del NAME ID");
	if (cli_parse_u32(c, argv[1], UINT32_MAX, &id, "rule id"))
		return CLI_ERR;
	ret = hw_open(c, &h);
	if (ret)
		return ret;
	nlh = hw_nl_msg(&h, RXLANE_CMD_RULE_DEL, NLM_F_ACK);
	mnl_attr_put_strz(nlh, RXLANE_A_NAME, argv[0]);
	mnl_attr_put_u32(nlh, RXLANE_A_RULE_ID, id);
	ret = hw_talk(c, &h, nlh, NULL, NULL, "hw rule del");
	hw_nl_close(&h);
	return ret;
}

static int hw_rule(struct cli *c, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "add", hw_rule_add },
		{ "del", hw_rule_del },
		{ NULL, NULL },
	};

	return cli_dispatch(c, cmds, "hw rule command", argc, argv);
}

/*
 * The CLI's containers with hw (cli_hw.c), @name's only when given: where
 * each is enforced, under "records". Nothing when no state is pinned.
 */
static int hw_list_records(struct cli *c, const char *name)
{
	struct cli_cont *all;
	unsigned int n, i;
	char buf[256];

	if (cli_open_ro(c) || cli_cont_all(c, &all, &n))
		return CLI_ERR;
	cli_open_array(c, "records");
	for (i = 0; i < n; i++) {
		if (!all[i].hw || (name && strcmp(all[i].name, name)))
			continue;
		cli_open_object(c, NULL);
		cli_print_str(c, CLI_ANY, "name", "record %s", all[i].name);
		cli_print_uint(c, CLI_JSON, "id", NULL, all[i].id);
		cli_print_str(c, CLI_ANY, "nic", " nic %s", all[i].nic);
		if (all[i].cpus) {
			hw_fmt_cpus(all[i].cpus, buf, sizeof(buf));
			cli_print_str(c, CLI_ANY, "cpus", " cpus %s", buf);
		}
		if (all[i].netns[0])
			cli_print_str(c, CLI_ANY, "netns", " netns %s",
				      all[i].netns);
		if (all[i].netns_cookie)
			cli_print_uint(c, CLI_ANY, "netns_cookie",
				       " netns-cookie %llu",
				       all[i].netns_cookie);
		cli_hw_print(c, all[i].hw_state, all[i].hw_reason);
		cli_print_nl(c);
		cli_close(c);
	}
	cli_close(c);
	free(all);
	return 0;
}

/*
 * hw list [NAME]: the CLI's containers with hw and where each is enforced,
 * then the kernel's containers of this namespace with their NIC entries.
 */
static int hw_list(struct cli *c, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	struct hw_nl h;
	int ret;

	if (argc > 1)
		return cli_usage_err(c, argv[1], "hw list [NAME]");
	ret = hw_open(c, &h);
	if (ret)
		return ret;
	ret = hw_list_records(c, argc ? argv[0] : NULL);
	if (ret) {
		hw_nl_close(&h);
		return ret;
	}
	if (argc) {
		nlh = hw_nl_msg(&h, RXLANE_CMD_CONT_GET, NLM_F_ACK);
		mnl_attr_put_strz(nlh, RXLANE_A_NAME, argv[0]);
	} else {
		nlh = hw_nl_msg(&h, RXLANE_CMD_CONT_GET, NLM_F_DUMP);
	}
	ret = hw_show(c, &h, nlh, "hw list");
	hw_nl_close(&h);
	return ret;
}

/* One notification: its event and the container, printed at once. */
static int hw_event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct hw_print *p = data;
	struct cli *c = p->c;

	if (g->cmd != RXLANE_CMD_CONT_NEW && g->cmd != RXLANE_CMD_CONT_DEL)
		return MNL_CB_OK;
	cli_print_str(c, CLI_ANY, "event", "%s ",
		      g->cmd == RXLANE_CMD_CONT_NEW ? "new" : "del");
	cli_open_array(c, "containers");
	hw_print_cb(nlh, data);
	cli_close(c);
	cli_flush(c);
	c->printed = c->json;
	return MNL_CB_OK;
}

/*
 * hw monitor: the "containers" group of this namespace, one line (or one
 * JSON document) per container made or gone, until killed.
 */
static int hw_monitor(struct cli *c, int argc, char **argv)
{
	struct hw_print p = { .c = c };
	struct hw_nl h;
	ssize_t n;
	int ret;

	if (argc)
		return cli_usage_err(c, argv[0], "hw monitor takes no argument");
	ret = hw_open(c, &h);
	if (ret)
		return ret;
	if (!h.mcgrp ||
	    mnl_socket_setsockopt(h.nl, NETLINK_ADD_MEMBERSHIP, &h.mcgrp,
				  sizeof(h.mcgrp)) < 0) {
		ret = cli_err(c, CLI_ERR, NULL, "hw monitor: group '%s': %s",
			      RXLANE_GENL_MCGRP,
			      h.mcgrp ? strerror(errno) : "not offered");
		goto out;
	}
	/* On stderr, so that a script knows no event is missed from here. */
	fprintf(stderr, "hw monitor: listening\n");
	for (;;) {
		n = mnl_socket_recvfrom(h.nl, h.buf, HW_NL_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			fprintf(stderr, "hw monitor: events lost (overrun)\n");
			continue;
		}
		if (n < 0) {
			ret = cli_err(c, CLI_ERR, NULL, "hw monitor: %s",
				      strerror(errno));
			break;
		}
		if (mnl_cb_run(h.buf, n, 0, 0, hw_event_cb, &p) < 0) {
			ret = cli_err(c, CLI_ERR, NULL, "hw monitor: %s",
				      strerror(errno));
			break;
		}
	}
out:
	hw_nl_close(&h);
	return ret;
}

int cmd_hw(struct cli *c, int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "container", hw_container },
		{ "rule", hw_rule },
		{ "list", hw_list },
		{ "ls", hw_list },
		{ "monitor", hw_monitor },
		{ NULL, NULL },
	};

	return cli_dispatch(c, cmds, "hw command", argc, argv);
}
