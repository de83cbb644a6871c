// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane: the "rxlane" generic netlink family - per-container hardware
 * filters (Documentation/hwfilter.rst, include/rxlane_genl.h).
 *
 * A new family of 6.1: every command is validated strictly (the reserved
 * byte, unknown flags, unknown attributes, un-flagged nests). Every
 * operation, dumps included, needs CAP_NET_ADMIN over the caller's network
 * namespace (GENL_UNS_ADMIN_PERM, as ethtool's changes); the family is
 * netnsok and every object is looked up in the caller's namespace, which
 * sees only its own containers: the root of a user namespace programs the
 * NICs of the network namespaces it owns and nothing else.
 */
#include <linux/ctype.h>
#include <linux/etherdevice.h>
#include <linux/in.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/stringify.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "rxlane.h"
#include "hw.h"

static struct genl_family rxlane_genl_family;
/* The family is registered: notifications may be sent (RTNL). */
static bool rxlane_genl_up;
/* Bumped on every change, for nl_dump_check_consistent() (RTNL). */
static unsigned int rxlane_genl_gen = 1;

static const struct nla_policy rxlane_addr_policy[RXLANE_ADDR_MAX + 1] = {
	[RXLANE_ADDR_IN]	= NLA_POLICY_EXACT_LEN(4),
	[RXLANE_ADDR_IN6]	= NLA_POLICY_EXACT_LEN(16),
};

static const struct nla_policy rxlane_rule_policy[RXLANE_RULE_MAX + 1] = {
	[RXLANE_RULE_PROTO]	= NLA_POLICY_RANGE(NLA_U8, IPPROTO_TCP, IPPROTO_UDP),
	[RXLANE_RULE_DPORT_MIN]	= { .type = NLA_U16 },
	[RXLANE_RULE_DPORT_MAX]	= { .type = NLA_U16 },
	[RXLANE_RULE_SRC_IN]	= NLA_POLICY_EXACT_LEN(4),
	[RXLANE_RULE_SRC_IN6]	= NLA_POLICY_EXACT_LEN(16),
	[RXLANE_RULE_SRC_PLEN]	= NLA_POLICY_MAX(NLA_U8, 128),
};

static const struct nla_policy rxlane_policy[RXLANE_A_MAX + 1] = {
	[RXLANE_A_NAME]		= { .type = NLA_NUL_STRING, .len = RXLANE_NAME_MAX },
	[RXLANE_A_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[RXLANE_A_NETNS_FD]	= { .type = NLA_U32 },
	[RXLANE_A_ADDRS]	= NLA_POLICY_NESTED(rxlane_addr_policy),
	[RXLANE_A_CPUS]		= NLA_POLICY_MIN(NLA_U64, 1),
	[RXLANE_A_DEFAULT]	= NLA_POLICY_MAX(NLA_U8, RXLANE_DEFAULT_ALLOW),
	[RXLANE_A_RULE]		= NLA_POLICY_NESTED(rxlane_rule_policy),
	[RXLANE_A_RULE_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[RXLANE_A_RULES]	= NLA_POLICY_NESTED_ARRAY(rxlane_rule_policy),
	[RXLANE_A_MAC]		= NLA_POLICY_ETH_ADDR,
	[RXLANE_A_SPOOFCHK]	= { .type = NLA_FLAG },
};

/* The size of @c's message, an upper bound. */
static size_t rxlane_genl_size(const struct rxlane_hw_cont *c)
{
	size_t rule = nla_total_size(0) + 3 * nla_total_size(sizeof(u32)) +
		      2 * nla_total_size(sizeof(u16)) +
		      nla_total_size(16) + nla_total_size(sizeof(u8)) +
		      nla_total_size(sizeof(u8));
	size_t entry = nla_total_size(0) + 3 * nla_total_size(sizeof(u32)) +
		       nla_total_size_64bit(sizeof(u64));

	return nla_total_size(RXLANE_NAME_MAX + 1) +
	       2 * nla_total_size(sizeof(u32)) +
	       nla_total_size(0) + c->naddrs * nla_total_size(16) +
	       2 * nla_total_size_64bit(sizeof(u64)) +
	       nla_total_size(sizeof(u8)) +
	       nla_total_size(0) + c->nrules * rule +
	       nla_total_size(0) + c->nentries * entry +
	       nla_total_size(ETH_ALEN) + nla_total_size(0) +
	       nla_total_size_64bit(sizeof(u64));
}

static int rxlane_genl_put_rule(struct sk_buff *skb,
				const struct rxlane_hw_rule *r)
{
	struct nlattr *nest = nla_nest_start(skb, RXLANE_A_RULE);

	if (!nest ||
	    nla_put_u32(skb, RXLANE_RULE_ID, r->id) ||
	    nla_put_u8(skb, RXLANE_RULE_PROTO, r->proto) ||
	    nla_put_u16(skb, RXLANE_RULE_DPORT_MIN, r->dport_min) ||
	    nla_put_u16(skb, RXLANE_RULE_DPORT_MAX, r->dport_max) ||
	    nla_put_u32(skb, RXLANE_RULE_ENTRIES, r->nentries))
		return -EMSGSIZE;
	if (r->src_family &&
	    (nla_put(skb, r->src_family == AF_INET ? RXLANE_RULE_SRC_IN :
		     RXLANE_RULE_SRC_IN6, r->src_family == AF_INET ? 4 : 16,
		     r->src) ||
	     nla_put_u8(skb, RXLANE_RULE_SRC_PLEN, r->src_plen)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int rxlane_genl_put_entries(struct sk_buff *skb,
				   const struct rxlane_hw_cont *c)
{
	struct nlattr *nest, *one;
	unsigned int i;

	nest = nla_nest_start(skb, RXLANE_A_ENTRIES);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < c->nentries; i++) {
		const struct rxlane_hw_entry *e = &c->entries[i];
		u64 hits;

		one = nla_nest_start(skb, RXLANE_ENTRY);
		if (!one ||
		    nla_put_u32(skb, RXLANE_ENTRY_LOC, e->loc) ||
		    nla_put_u8(skb, RXLANE_ENTRY_KIND, e->kind) ||
		    nla_put_u32(skb, RXLANE_ENTRY_RULE_ID, e->rule_id))
			return -EMSGSIZE;
		if (!rxlane_hw_entry_hits(c, e, &hits) &&
		    nla_put_u64_64bit(skb, RXLANE_ENTRY_HITS, hits,
				      RXLANE_ENTRY_PAD))
			return -EMSGSIZE;
		nla_nest_end(skb, one);
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* The container as a message @cmd. Context: RTNL held. */
static int rxlane_genl_fill(struct sk_buff *skb, const struct rxlane_hw_cont *c,
			    u32 portid, u32 seq, int flags, u8 cmd)
{
	struct nlattr *nest;
	unsigned int i;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &rxlane_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, RXLANE_A_NAME, c->name) ||
	    nla_put_u32(skb, RXLANE_A_IFINDEX, c->dev->ifindex) ||
	    nla_put_u64_64bit(skb, RXLANE_A_CPUS, c->cpus, RXLANE_A_PAD) ||
	    nla_put_u8(skb, RXLANE_A_DEFAULT, c->def) ||
	    nla_put_u32(skb, RXLANE_A_RSS_CTX, c->ctx->id) ||
	    nla_put_u64_64bit(skb, RXLANE_A_NETNS_COOKIE, c->netns_cookie,
			      RXLANE_A_PAD))
		goto err_cancel;
	nest = nla_nest_start(skb, RXLANE_A_ADDRS);
	if (!nest)
		goto err_cancel;
	for (i = 0; i < c->naddrs; i++) {
		bool v4 = c->addrs[i].family == AF_INET;

		if (nla_put(skb, v4 ? RXLANE_ADDR_IN : RXLANE_ADDR_IN6,
			    v4 ? 4 : 16, c->addrs[i].a))
			goto err_cancel;
	}
	nla_nest_end(skb, nest);
	nest = nla_nest_start(skb, RXLANE_A_RULES);
	if (!nest)
		goto err_cancel;
	for (i = 0; i < c->nrules; i++)
		if (rxlane_genl_put_rule(skb, &c->rules[i]))
			goto err_cancel;
	nla_nest_end(skb, nest);
	if (rxlane_genl_put_entries(skb, c))
		goto err_cancel;
	if (c->has_mac && nla_put(skb, RXLANE_A_MAC, ETH_ALEN, c->mac))
		goto err_cancel;
	if (c->spoof &&
	    (nla_put_flag(skb, RXLANE_A_SPOOFCHK) ||
	     nla_put_u64_64bit(skb, RXLANE_A_SPOOF_DROPS,
			       rxlane_hw_spoof_drops(c), RXLANE_A_PAD)))
		goto err_cancel;
	genlmsg_end(skb, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/**
 * rxlane_genl_notify() - tell the owner's "containers" group about @c
 * @c:		the container, created or about to go
 * @cmd:	RXLANE_CMD_CONT_NEW or RXLANE_CMD_CONT_DEL
 *
 * Best effort: a listener that misses one sees an overrun on its socket.
 *
 * Context: RTNL held; may sleep.
 */
void rxlane_genl_notify(struct rxlane_hw_cont *c, u8 cmd)
{
	struct net *net = read_pnet(&c->owner);
	struct sk_buff *msg;

	rxlane_genl_gen++;
	if (!rxlane_genl_up ||
	    !genl_has_listeners(&rxlane_genl_family, net, 0))
		return;
	msg = genlmsg_new(rxlane_genl_size(c), GFP_KERNEL);
	if (!msg)
		return;
	if (rxlane_genl_fill(msg, c, 0, 0, 0, cmd)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast_netns(&rxlane_genl_family, net, msg, 0, 0,
				GFP_KERNEL);
}

static int rxlane_genl_reply(struct rxlane_hw_cont *c, struct genl_info *info)
{
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(rxlane_genl_size(c), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = rxlane_genl_fill(msg, c, info->snd_portid, info->snd_seq, 0,
			       info->genlhdr->cmd);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* The container NAME of the caller's namespace. Context: RTNL held. */
static struct rxlane_hw_cont *rxlane_genl_cont(struct genl_info *info)
{
	struct rxlane_hw_cont *c;

	if (GENL_REQ_ATTR_CHECK(info, RXLANE_A_NAME))
		return ERR_PTR(-EINVAL);
	c = rxlane_hw_find(genl_info_net(info),
			   nla_data(info->attrs[RXLANE_A_NAME]));
	if (!c) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[RXLANE_A_NAME],
				    "no container of that name in this namespace");
		return ERR_PTR(-ENOENT);
	}
	return c;
}

static int rxlane_genl_parse_name(struct rxlane_hw_cont *c,
				  const struct nlattr *attr,
				  struct netlink_ext_ack *extack)
{
	const char *s = nla_data(attr);
	size_t i, n = strlen(s);

	for (i = 0; i < n; i++)
		if (!isalnum(s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			break;
	if (!n || i < n) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "a name is 1 to " __stringify(RXLANE_NAME_MAX)
				    " of [a-zA-Z0-9_.-]");
		return -EINVAL;
	}
	strscpy(c->name, s, sizeof(c->name));
	return 0;
}

static int rxlane_genl_parse_addrs(struct rxlane_hw_cont *c,
				   const struct nlattr *nest,
				   struct netlink_ext_ack *extack)
{
	struct rxlane_hw_addr *a;
	const struct nlattr *attr;
	unsigned int i;
	int rem;

	nla_for_each_nested(attr, nest, rem) {
		if (c->naddrs == RXLANE_ADDRS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "too many addresses");
			return -E2BIG;
		}
		a = &c->addrs[c->naddrs];
		a->family = nla_type(attr) == RXLANE_ADDR_IN ? AF_INET : AF_INET6;
		memcpy(a->a, nla_data(attr), nla_len(attr));
		if ((a->family == AF_INET && !a->a[0]) ||
		    (a->family == AF_INET6 && !(a->a[0] | a->a[1] | a->a[2] | a->a[3]))) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "an unspecified address");
			return -EINVAL;
		}
		for (i = 0; i < c->naddrs; i++) {
			if (c->addrs[i].family == a->family &&
			    !memcmp(c->addrs[i].a, a->a, sizeof(a->a))) {
				NL_SET_ERR_MSG_ATTR(extack, attr, "a duplicate address");
				return -EINVAL;
			}
		}
		c->naddrs++;
	}
	if (!c->naddrs) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "no address");
		return -EINVAL;
	}
	return 0;
}

/*
 * The container's namespace: the caller needs CAP_NET_ADMIN over it too,
 * or it could tie a container's life to a namespace it does not own.
 * The container keeps only its cookie (a reference would keep the
 * namespace alive); the reference returned in *@held is the caller's to
 * put once the container is added, so that the namespace cannot go (and
 * its exit run, finding no container) in between.
 */
static int rxlane_genl_parse_netns(struct rxlane_hw_cont *c,
				   const struct sk_buff *skb,
				   const struct nlattr *attr,
				   struct netlink_ext_ack *extack,
				   struct net **held)
{
	struct net *net;

	*held = NULL;
	if (!attr)
		return 0;
	net = get_net_ns_by_fd(nla_get_u32(attr));
	if (IS_ERR(net)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "not a file descriptor of a network namespace");
		return PTR_ERR(net);
	}
	if (!netlink_ns_capable(skb, net->user_ns, CAP_NET_ADMIN)) {
		put_net(net);
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "no CAP_NET_ADMIN over that network namespace");
		return -EPERM;
	}
	c->netns_cookie = net->net_cookie;
	*held = net;
	return 0;
}

/* The container's MAC and whether the NIC checks its egress. */
static int rxlane_genl_parse_mac(struct rxlane_hw_cont *c, struct nlattr **tb,
				 struct netlink_ext_ack *extack)
{
	if (tb[RXLANE_A_MAC]) {
		if (!is_valid_ether_addr(nla_data(tb[RXLANE_A_MAC]))) {
			NL_SET_ERR_MSG_ATTR(extack, tb[RXLANE_A_MAC],
					    "not a unicast MAC");
			return -EINVAL;
		}
		ether_addr_copy(c->mac, nla_data(tb[RXLANE_A_MAC]));
		c->has_mac = true;
	}
	c->spoofchk = nla_get_flag(tb[RXLANE_A_SPOOFCHK]);
	if (c->spoofchk && !c->has_mac) {
		NL_SET_ERR_MSG_ATTR(extack, tb[RXLANE_A_SPOOFCHK],
				    "the spoof check needs the container's MAC");
		return -EINVAL;
	}
	return 0;
}

static u64 rxlane_genl_online_cpus(void)
{
	unsigned int cpu;
	u64 set = 0;

	for_each_online_cpu(cpu)
		if (cpu < 64)
			set |= BIT_ULL(cpu);
	return set;
}

static int rxlane_genl_parse_rule(const struct nlattr *nest,
				  struct rxlane_hw_rule *r,
				  struct netlink_ext_ack *extack)
{
	struct nlattr *tb[RXLANE_RULE_MAX + 1];
	const struct nlattr *src;
	__be32 mask[4];
	unsigned int i, max;
	int err;

	err = nla_parse_nested(tb, RXLANE_RULE_MAX, nest, rxlane_rule_policy,
			       extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, RXLANE_RULE_PROTO) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, RXLANE_RULE_DPORT_MIN))
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->proto = nla_get_u8(tb[RXLANE_RULE_PROTO]);
	if (r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP) {
		NL_SET_ERR_MSG_ATTR(extack, tb[RXLANE_RULE_PROTO],
				    "the protocol is tcp (6) or udp (17)");
		return -EINVAL;
	}
	r->dport_min = nla_get_u16(tb[RXLANE_RULE_DPORT_MIN]);
	r->dport_max = tb[RXLANE_RULE_DPORT_MAX] ?
		       nla_get_u16(tb[RXLANE_RULE_DPORT_MAX]) : r->dport_min;
	if (r->dport_max < r->dport_min) {
		NL_SET_ERR_MSG_ATTR(extack, tb[RXLANE_RULE_DPORT_MAX],
				    "the last port is below the first");
		return -EINVAL;
	}
	if (tb[RXLANE_RULE_SRC_IN] && tb[RXLANE_RULE_SRC_IN6]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[RXLANE_RULE_SRC_IN6],
				    "one source prefix, IPv4 or IPv6");
		return -EINVAL;
	}
	src = tb[RXLANE_RULE_SRC_IN] ?: tb[RXLANE_RULE_SRC_IN6];
	if (!src) {
		if (tb[RXLANE_RULE_SRC_PLEN]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[RXLANE_RULE_SRC_PLEN],
					    "a prefix length without a prefix");
			return -EINVAL;
		}
		return 0;
	}
	r->src_family = src == tb[RXLANE_RULE_SRC_IN] ? AF_INET : AF_INET6;
	max = r->src_family == AF_INET ? 32 : 128;
	memcpy(r->src, nla_data(src), nla_len(src));
	r->src_plen = tb[RXLANE_RULE_SRC_PLEN] ?
		      nla_get_u8(tb[RXLANE_RULE_SRC_PLEN]) : max;
	if (r->src_plen > max) {
		NL_SET_ERR_MSG_ATTR(extack, tb[RXLANE_RULE_SRC_PLEN],
				    "the prefix length is beyond the address");
		return -EINVAL;
	}
	for (i = 0; i < max / 32; i++) {
		unsigned int bits = clamp_t(int, r->src_plen - 32 * i, 0, 32);

		mask[i] = bits ? htonl(~0U << (32 - bits)) : 0;
		if (r->src[i] & ~mask[i]) {
			NL_SET_ERR_MSG_ATTR(extack, src,
					    "the prefix has host bits set");
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * The rules of a new container (RXLANE_A_RULES), each checked as RULE_NEW
 * checks one: the first bad one refuses the whole container, its nest
 * pointed at. @c->rules gets one slot per attribute of the nest, at most
 * RXLANE_RULES_MAX: its owner frees it, on error too.
 */
static int rxlane_genl_parse_rules(struct rxlane_hw_cont *c,
				   const struct nlattr *nest,
				   struct netlink_ext_ack *extack)
{
	struct rxlane_hw_rule *r;
	const struct nlattr *attr;
	unsigned int i, n = 0;
	int rem, err;

	if (!nest)
		return 0;
	nla_for_each_nested(attr, nest, rem)
		if (++n == RXLANE_RULES_MAX)
			break;
	if (!n)
		return 0;
	c->rules = kmalloc_array(n, sizeof(*c->rules), GFP_KERNEL);
	if (!c->rules)
		return -ENOMEM;
	nla_for_each_nested(attr, nest, rem) {
		if (nla_type(attr) != RXLANE_A_RULE) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "RULES holds RULE nests only");
			return -EINVAL;
		}
		if (c->nrules == RXLANE_RULES_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "too many rules");
			return -E2BIG;
		}
		r = &c->rules[c->nrules];
		err = rxlane_genl_parse_rule(attr, r, extack);
		if (err)
			return err;
		for (i = 0; i < c->naddrs; i++)
			if (!r->src_family || r->src_family == c->addrs[i].family)
				break;
		if (i == c->naddrs) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "the rule's source family matches none of the container's addresses");
			return -EINVAL;
		}
		c->nrules++;
	}
	return 0;
}

static int rxlane_genl_cont_new(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **tb = info->attrs;
	struct net *net = genl_info_net(info);
	struct net *cnet = NULL;	/* the container's, held until added */
	struct rxlane_hw_cont *c;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, RXLANE_A_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, RXLANE_A_IFINDEX) ||
	    GENL_REQ_ATTR_CHECK(info, RXLANE_A_ADDRS))
		return -EINVAL;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	err = rxlane_genl_parse_name(c, tb[RXLANE_A_NAME], extack);
	if (!err)
		err = rxlane_genl_parse_addrs(c, tb[RXLANE_A_ADDRS], extack);
	if (!err)
		err = rxlane_genl_parse_rules(c, tb[RXLANE_A_RULES], extack);
	if (!err)
		err = rxlane_genl_parse_mac(c, tb, extack);
	if (!err)
		err = rxlane_genl_parse_netns(c, skb, tb[RXLANE_A_NETNS_FD],
					      extack, &cnet);
	if (err)
		goto err_free;
	c->cpus = tb[RXLANE_A_CPUS] ? nla_get_u64(tb[RXLANE_A_CPUS]) :
		  rxlane_genl_online_cpus();
	if (tb[RXLANE_A_DEFAULT])
		c->def = nla_get_u8(tb[RXLANE_A_DEFAULT]);
	write_pnet(&c->owner, net);

	rtnl_lock();
	c->dev = __dev_get_by_index(net, nla_get_u32(tb[RXLANE_A_IFINDEX]));
	if (!c->dev) {
		NL_SET_ERR_MSG_ATTR(extack, tb[RXLANE_A_IFINDEX],
				    "no such device in this namespace");
		err = -ENODEV;
		goto err_unlock;
	}
	err = rxlane_hw_cont_add(c, extack);
	if (err)
		goto err_unlock;
	rxlane_genl_notify(c, RXLANE_CMD_CONT_NEW);
	err = rxlane_genl_reply(c, info);
	rtnl_unlock();
	if (cnet)
		put_net(cnet);
	/* The container exists: a lost reply does not undo it. */
	return err;

err_unlock:
	rtnl_unlock();
err_free:
	if (cnet)
		put_net(cnet);
	kfree(c->rules);
	kfree(c);
	return err;
}

static int rxlane_genl_cont_del(struct sk_buff *skb, struct genl_info *info)
{
	struct rxlane_hw_cont *c;
	int err = 0;

	rtnl_lock();
	c = rxlane_genl_cont(info);
	if (IS_ERR(c))
		err = PTR_ERR(c);
	else
		rxlane_hw_cont_del(c);
	rtnl_unlock();
	return err;
}

static int rxlane_genl_cont_get(struct sk_buff *skb, struct genl_info *info)
{
	struct rxlane_hw_cont *c;
	int err;

	rtnl_lock();
	c = rxlane_genl_cont(info);
	err = IS_ERR(c) ? PTR_ERR(c) : rxlane_genl_reply(c, info);
	rtnl_unlock();
	return err;
}

/* The dump cursor: the xarray index of the next container to send. */
struct rxlane_genl_dump {
	unsigned long index;
};

static int rxlane_genl_cont_dump(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct rxlane_genl_dump *d = (struct rxlane_genl_dump *)cb->ctx;
	struct net *net = sock_net(skb->sk);
	struct rxlane_hw_cont *c;
	int err = 0;

	BUILD_BUG_ON(sizeof(*d) > sizeof(cb->ctx));
	rtnl_lock();
	cb->seq = rxlane_genl_gen;
	while ((c = rxlane_hw_next(net, &d->index))) {
		err = rxlane_genl_fill(skb, c, NETLINK_CB(cb->skb).portid,
				       cb->nlh->nlmsg_seq, NLM_F_MULTI,
				       RXLANE_CMD_CONT_GET);
		if (err)
			break;
		nl_dump_check_consistent(cb, nlmsg_hdr(skb));
		d->index++;
	}
	rtnl_unlock();
	/* Full: send what we have, resume at d->index. */
	if (err && skb->len)
		return skb->len;
	return err;
}

static int rxlane_genl_rule_new(struct sk_buff *skb, struct genl_info *info)
{
	struct rxlane_hw_rule r;
	struct rxlane_hw_cont *c;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, RXLANE_A_RULE))
		return -EINVAL;
	err = rxlane_genl_parse_rule(info->attrs[RXLANE_A_RULE], &r,
				     info->extack);
	if (err)
		return err;
	rtnl_lock();
	c = rxlane_genl_cont(info);
	if (IS_ERR(c)) {
		err = PTR_ERR(c);
		goto out;
	}
	err = rxlane_hw_rule_add(c, &r, info->extack);
	if (err)
		goto out;
	rxlane_genl_gen++;
	err = rxlane_genl_reply(c, info);
out:
	rtnl_unlock();
	return err;
}

static int rxlane_genl_rule_del(struct sk_buff *skb, struct genl_info *info)
{
	struct rxlane_hw_cont *c;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, RXLANE_A_RULE_ID))
		return -EINVAL;
	rtnl_lock();
	c = rxlane_genl_cont(info);
	if (IS_ERR(c)) {
		err = PTR_ERR(c);
	} else {
		err = rxlane_hw_rule_del(c,
					 nla_get_u32(info->attrs[RXLANE_A_RULE_ID]),
					 info->extack);
		rxlane_genl_gen++;
	}
	rtnl_unlock();
	return err;
}

static const struct genl_ops rxlane_genl_ops[] = {
	{
		.cmd	= RXLANE_CMD_CONT_NEW,
		.doit	= rxlane_genl_cont_new,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= RXLANE_CMD_CONT_DEL,
		.doit	= rxlane_genl_cont_del,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= RXLANE_CMD_CONT_GET,
		.doit	= rxlane_genl_cont_get,
		.dumpit	= rxlane_genl_cont_dump,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= RXLANE_CMD_RULE_NEW,
		.doit	= rxlane_genl_rule_new,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= RXLANE_CMD_RULE_DEL,
		.doit	= rxlane_genl_rule_del,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group rxlane_genl_mcgrps[] = {
	{
		.name	= RXLANE_GENL_MCGRP,
#ifdef GENL_MCAST_CAP_NET_ADMIN
		.flags	= GENL_MCAST_CAP_NET_ADMIN,
#else
		.flags	= GENL_UNS_ADMIN_PERM,
#endif
	},
};

static struct genl_family rxlane_genl_family __ro_after_init = {
	.name		= RXLANE_GENL_NAME,
	.version	= RXLANE_GENL_VERSION,
	.maxattr	= RXLANE_A_MAX,
	.policy		= rxlane_policy,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.ops		= rxlane_genl_ops,
	.n_ops		= ARRAY_SIZE(rxlane_genl_ops),
	.mcgrps		= rxlane_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(rxlane_genl_mcgrps),
};

/**
 * rxlane_genl_init() - register the family
 *
 * Context: module init, after rxlane_hw_init().
 * Return: 0 or -errno.
 */
int rxlane_genl_init(void)
{
	int err;

	err = genl_register_family(&rxlane_genl_family);
	if (err)
		return err;
	rtnl_lock();
	rxlane_genl_up = true;
	rtnl_unlock();
	return 0;
}

/**
 * rxlane_genl_uninit() - unregister the family: no request runs after
 *
 * Context: module exit, before rxlane_hw_uninit().
 */
void rxlane_genl_uninit(void)
{
	rtnl_lock();
	rxlane_genl_up = false;
	rtnl_unlock();
	genl_unregister_family(&rxlane_genl_family);
}
