// SPDX-License-Identifier: GPL-2.0
/*
 * fw_compile_test - unit tests of the pure rule compiler (user/fw_compile.c)
 * without a kernel: it is linked alone, with no libbpf, so no check here
 * can reach a map. Rule expansion and ranking, both address families,
 * port segments, lookup shapes, appends in place and the compiler's limits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "fw_compile.h"

#define WHY_LEN		256

/* A rule from its parts; @src NULL: any source. */
static struct rxl_rule rule(__u32 prio, const char *src, unsigned int plen,
			    __u8 proto, __u16 lo, __u16 hi, bool drop)
{
	struct rxl_rule r = {
		.prio = prio, .family = AF_UNSPEC, .plen = plen,
		.proto = proto, .dport_lo = lo, .dport_hi = hi, .drop = drop,
	};

	if (src && inet_pton(AF_INET, src, r.src) == 1)
		r.family = AF_INET;
	else if (src && inet_pton(AF_INET6, src, r.src) == 1)
		r.family = AF_INET6;
	return r;
}

/* One group's port segments from @n rules of one source and protocol. */
static int resolve(const struct rxl_rule *rules, unsigned int n,
		   struct rxl_rule_val *v, char *why)
{
	struct rxl_entry *e = NULL;
	size_t ne = 0;
	int err;

	err = rxl_expand(why, WHY_LEN, rules, n, &e, &ne);
	if (!err)
		err = rxl_resolve(why, WHY_LEN, e, ne, v);
	free(e);
	return err;
}

TEST(expand_families_and_ranks)
{
	struct rxl_rule r[3] = {
		rule(20, NULL, 0, IPPROTO_TCP, 80, 80, false),	/* rank 2 */
		rule(10, "10.0.0.0", 8, 0, 0, 0xffff, true),	/* rank 0 */
		rule(20, "fd00::", 16, IPPROTO_UDP, 53, 53, false), /* 3 */
	};
	struct rxl_entry *e = NULL;
	char why[WHY_LEN];
	unsigned int n4 = 0, n6 = 0;
	size_t ne = 0, i;

	/* The last rule moves before the first: ranks follow priority. */
	r[2].prio = 15;
	ASSERT_EQ(0, rxl_expand(why, sizeof(why), r, 3, &e, &ne));
	/* Any source: one entry per family; one family: one entry. */
	ASSERT_EQ(4, ne);
	for (i = 0; i < ne; i++) {
		if (e[i].family == 4)
			n4++;
		else
			n6++;
		if (e[i].plen == 8) {
			EXPECT_EQ(4, e[i].family);
			EXPECT_EQ(0 | RXL_RULE_DROP, e[i].ref);
			EXPECT_EQ(10, e[i].src[0]);
		} else if (e[i].plen == 16) {
			EXPECT_EQ(6, e[i].family);
			EXPECT_EQ(1, e[i].ref);
			EXPECT_EQ(53, e[i].lo);
		} else {
			EXPECT_EQ(IPPROTO_TCP, e[i].proto);
			EXPECT_EQ(2, e[i].ref);
		}
	}
	EXPECT_EQ(2, n4);
	EXPECT_EQ(2, n6);
	/* Sorted by group: family first. */
	for (i = 1; i < ne; i++)
		EXPECT_LE(e[i - 1].family, e[i].family);
	free(e);
}

TEST(equal_prio_keeps_list_order)
{
	struct rxl_rule r[3] = {
		rule(5, "10.0.0.0", 8, 0, 0, 0xffff, false),
		rule(5, "10.0.0.0", 8, 0, 0, 0xffff, true),
		rule(1, "fd00::", 8, 0, 0, 0xffff, false),
	};
	struct rxl_entry *e = NULL;
	struct rxl_rule_val v;
	char why[WHY_LEN];
	size_t ne = 0;

	/* Out of order: sorted, and the tie keeps list order (ranks 1, 2). */
	ASSERT_EQ(0, rxl_expand(why, sizeof(why), r, 3, &e, &ne));
	ASSERT_EQ(3, ne);
	ASSERT_EQ(4, e[0].family);
	ASSERT_EQ(0, rxl_resolve(why, sizeof(why), e, 2, &v));
	EXPECT_EQ(1, v.portless);
	ASSERT_EQ(1, v.nsegs);
	EXPECT_EQ(1, v.segs[0].rule);
	EXPECT_EQ(0, e[2].ref);
	free(e);
}

TEST(icmp_per_family)
{
	struct rxl_rule r = rule(1, NULL, 0, IPPROTO_ICMP, 0, 0xffff, false);
	struct rxl_entry *e = NULL;
	char why[WHY_LEN];
	size_t ne = 0, i;

	ASSERT_EQ(0, rxl_expand(why, sizeof(why), &r, 1, &e, &ne));
	ASSERT_EQ(2, ne);
	for (i = 0; i < ne; i++)
		EXPECT_EQ(e[i].family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6,
			  e[i].proto);
	free(e);
}

TEST(refusals_say_why)
{
	struct rxl_rule bad[] = {
		rule(1, "10.0.0.0", 33, 0, 0, 0xffff, false),
		rule(1, "10.0.0.1", 8, 0, 0, 0xffff, false),
		rule(1, "fd00::1", 64, 0, 0, 0xffff, false),
		rule(1, NULL, 0, IPPROTO_TCP, 90, 80, false),
		rule(1, NULL, 0, IPPROTO_ICMP, 5, 5, false),
		rule(1, "fd00::", 8, IPPROTO_ICMP, 0, 0xffff, false),
		rule(1, NULL, 0, 132 /* sctp */, 0, 0xffff, false),
	};
	const char *words[] = {
		"exceeds 32", "bits set past /8", "bits set past /64",
		"is empty", "ICMP has no ports", "does not match",
		"protocol 132",
	};
	struct rxl_entry *e = NULL;
	char why[WHY_LEN];
	size_t ne, i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = 0;
		EXPECT_GT(0, rxl_expand(why, sizeof(why), &bad[i], 1, &e,
					&ne)) {
			TH_LOG("rule %zu accepted", i);
		}
		EXPECT_NE(NULL, strstr(why, words[i])) {
			TH_LOG("rule %zu: '%s' lacks '%s'", i, why, words[i]);
		}
	}
}

TEST(single_port)
{
	struct rxl_rule r = rule(1, NULL, 0, IPPROTO_TCP, 80, 80, false);
	struct rxl_rule_val v;
	char why[WHY_LEN];

	ASSERT_EQ(0, resolve(&r, 1, &v, why));
	ASSERT_EQ(1, v.nsegs);
	EXPECT_EQ(80, v.segs[0].lo);
	EXPECT_EQ(80, v.segs[0].hi);
	EXPECT_EQ(RXL_NO_RULE, v.portless);
	EXPECT_EQ(RXL_NO_RULE, rxl_val_judge(&v, 79));
	EXPECT_EQ(0, rxl_val_judge(&v, 80));
	EXPECT_EQ(RXL_NO_RULE, rxl_val_judge(&v, 81));
}

TEST(range_is_one_segment)
{
	struct rxl_rule r = rule(1, NULL, 0, IPPROTO_TCP, 6000, 6003, true);
	struct rxl_rule_val v;
	char why[WHY_LEN];

	ASSERT_EQ(0, resolve(&r, 1, &v, why));
	/* Segments are ranges, not masks: 6000-6003 is one entry. */
	ASSERT_EQ(1, v.nsegs);
	EXPECT_EQ(6000, v.segs[0].lo);
	EXPECT_EQ(6003, v.segs[0].hi);
	EXPECT_EQ(0 | RXL_RULE_DROP, v.segs[0].rule);
	EXPECT_EQ(RXL_NO_RULE, rxl_val_judge(&v, 5999));
	EXPECT_EQ(RXL_NO_RULE, rxl_val_judge(&v, 6004));
}

TEST(full_and_almost_full_range)
{
	struct rxl_rule all = rule(1, NULL, 0, IPPROTO_UDP, 0, 0xffff, false);
	struct rxl_rule most = rule(1, NULL, 0, IPPROTO_UDP, 1, 0xffff, false);
	struct rxl_rule_val v;
	char why[WHY_LEN];

	/* 0-65535 judges packets without ports too. */
	ASSERT_EQ(0, resolve(&all, 1, &v, why));
	EXPECT_EQ(0, v.portless);
	ASSERT_EQ(1, v.nsegs);
	EXPECT_EQ(0, v.segs[0].lo);
	EXPECT_EQ(0xffff, v.segs[0].hi);
	/* 1-65535 does not. */
	ASSERT_EQ(0, resolve(&most, 1, &v, why));
	EXPECT_EQ(RXL_NO_RULE, v.portless);
	ASSERT_EQ(1, v.nsegs);
	EXPECT_EQ(1, v.segs[0].lo);
	EXPECT_EQ(0xffff, v.segs[0].hi);
}

TEST(overlaps_split_and_merge)
{
	struct rxl_rule split[2] = {
		rule(2, NULL, 0, IPPROTO_TCP, 6000, 6003, false),
		rule(1, NULL, 0, IPPROTO_TCP, 6001, 6001, true),
	};
	struct rxl_rule merge[2] = {
		rule(1, NULL, 0, IPPROTO_TCP, 1, 0xffff, false),
		rule(2, NULL, 0, IPPROTO_TCP, 80, 80, true),
	};
	struct rxl_rule_val v;
	char why[WHY_LEN];

	/* A better rule inside a range: three segments. */
	ASSERT_EQ(0, resolve(split, 2, &v, why));
	ASSERT_EQ(3, v.nsegs);
	EXPECT_EQ(1, rxl_val_judge(&v, 6000));
	EXPECT_EQ(0 | RXL_RULE_DROP, rxl_val_judge(&v, 6001));
	EXPECT_EQ(1, rxl_val_judge(&v, 6002));
	EXPECT_EQ(1, rxl_val_judge(&v, 6003));
	/* A shadowed rule adds no boundary: the pieces merge back. */
	ASSERT_EQ(0, resolve(merge, 2, &v, why));
	ASSERT_EQ(1, v.nsegs);
	EXPECT_EQ(1, v.segs[0].lo);
	EXPECT_EQ(0xffff, v.segs[0].hi);
	EXPECT_EQ(0, v.segs[0].rule);
}

TEST(segment_limit)
{
	struct rxl_rule r[RXL_MAX_SEGS + 1];
	struct rxl_rule_val v;
	char why[WHY_LEN];
	unsigned int i;

	/* Disjoint ports that cannot merge: RXL_MAX_SEGS fit, one more not. */
	for (i = 0; i <= RXL_MAX_SEGS; i++)
		r[i] = rule(i, NULL, 0, IPPROTO_TCP, 100 + 2 * i, 100 + 2 * i,
			    false);
	ASSERT_EQ(0, resolve(r, RXL_MAX_SEGS, &v, why));
	EXPECT_EQ(RXL_MAX_SEGS, v.nsegs);
	EXPECT_EQ(-E2BIG, resolve(r, RXL_MAX_SEGS + 1, &v, why));
	EXPECT_NE(NULL, strstr(why, "segments"));
}

TEST(group_limit)
{
	struct rxl_rule *r = calloc(RXL_MAX_GROUP_RULES + 1, sizeof(*r));
	struct rxl_rule_val v;
	char why[WHY_LEN];
	unsigned int i;

	ASSERT_NE(NULL, r);
	for (i = 0; i <= RXL_MAX_GROUP_RULES; i++)
		r[i] = rule(1, "10.0.0.0", 8, IPPROTO_TCP, 80, 80, false);
	EXPECT_EQ(0, resolve(r, RXL_MAX_GROUP_RULES, &v, why));
	EXPECT_EQ(-E2BIG, resolve(r, RXL_MAX_GROUP_RULES + 1, &v, why));
	EXPECT_NE(NULL, strstr(why, "share source 10.0.0.0/8"));
	free(r);
}

static int shapes_of(const struct rxl_rule *r, unsigned int n,
		     struct rxl_container *c, char *why)
{
	struct rxl_entry *e = NULL;
	size_t ne = 0;
	int err;

	memset(c, 0, sizeof(*c));
	err = rxl_expand(why, WHY_LEN, r, n, &e, &ne);
	if (!err)
		err = rxl_shapes(why, WHY_LEN, e, ne, c);
	free(e);
	return err;
}

TEST(shapes_per_family)
{
	struct rxl_rule r[4] = {
		rule(1, "10.1.0.0", 16, IPPROTO_TCP, 0, 0xffff, false),
		rule(1, "10.2.0.0", 16, IPPROTO_UDP, 0, 0xffff, false),
		rule(1, "10.3.0.0", 16, 0, 0, 0xffff, false),
		rule(1, "fd00::", 8, 0, 0, 0xffff, false),
	};
	struct rxl_container c;
	char why[WHY_LEN];
	unsigned int k, any = 0;

	ASSERT_EQ(0, shapes_of(r, 4, &c, why));
	/* /16 tcp and /16 udp share a shape; /16 any is another. */
	ASSERT_EQ(2, c.nshapes4);
	for (k = 0; k < c.nshapes4; k++) {
		EXPECT_EQ(16, c.shapes4[k].plen);
		EXPECT_EQ(htonl(0xffff0000), c.shapes4[k].mask[0]);
		any += c.shapes4[k].any_proto;
	}
	EXPECT_EQ(1, any);
	ASSERT_EQ(1, c.nshapes6);
	EXPECT_EQ(8, c.shapes6[0].plen);
	EXPECT_EQ(1, c.shapes6[0].any_proto);
	EXPECT_EQ(htonl(0xff000000), c.shapes6[0].mask[0]);
	EXPECT_EQ(0, c.shapes6[0].mask[1]);
	/* Any source, TCP: in the value (rxl_any_vals()), no shape. */
	r[0] = rule(1, NULL, 0, IPPROTO_TCP, 0, 0xffff, false);
	ASSERT_EQ(0, shapes_of(r, 1, &c, why));
	EXPECT_EQ(0, c.nshapes4);
	EXPECT_EQ(0, c.nshapes6);
	/* Any source, any protocol: a /0 shape in both families. */
	r[0] = rule(1, NULL, 0, 0, 0, 0xffff, false);
	ASSERT_EQ(0, shapes_of(r, 1, &c, why));
	EXPECT_EQ(1, c.nshapes4);
	EXPECT_EQ(1, c.nshapes6);
	EXPECT_EQ(0, c.shapes4[0].plen);
	EXPECT_EQ(0, c.shapes4[0].mask[0]);
}

/* The value's segments of /0 TCP and UDP rules, per family and protocol. */
TEST(any_vals)
{
	struct rxl_rule r[5] = {
		rule(1, "10.0.0.1", 32, IPPROTO_TCP, 80, 80, false),
		rule(1, NULL, 0, IPPROTO_TCP, 80, 80, true),
		rule(1, "0.0.0.0", 0, IPPROTO_UDP, 53, 53, false),
		rule(1, NULL, 0, IPPROTO_ICMP, 0, 0xffff, false),
		rule(1, NULL, 0, IPPROTO_TCP, 0, 0xffff, false),
	};
	struct rxl_entry *e = NULL;
	struct rxl_container c;
	char why[WHY_LEN];
	size_t ne = 0;

	memset(&c, 0xff, sizeof(c));
	ASSERT_EQ(0, rxl_expand(why, sizeof(why), r, 5, &e, &ne));
	ASSERT_EQ(0, rxl_any_vals(why, sizeof(why), e, ne, &c));
	/* IPv4 TCP and UDP, IPv6 TCP: the UDP rule names IPv4 only. */
	EXPECT_EQ(RXL_ANY_BIT(0) | RXL_ANY_BIT(1) | RXL_ANY_BIT(2),
		  c.any_mask);
	EXPECT_EQ(1 | RXL_RULE_DROP, rxl_val_judge(&c.any[0], 80));
	EXPECT_EQ(4, rxl_val_judge(&c.any[0], 81));
	EXPECT_EQ(4, rxl_val_judge(&c.any[0], -1));
	EXPECT_EQ(2, rxl_val_judge(&c.any[1], 53));
	EXPECT_EQ(RXL_NO_RULE, rxl_val_judge(&c.any[1], -1));
	EXPECT_EQ(1 | RXL_RULE_DROP, rxl_val_judge(&c.any[2], 80));
	EXPECT_EQ(RXL_NO_RULE, c.any[3].portless);
	EXPECT_EQ(0, c.any[3].nsegs);
	/* The /32 TCP and the ICMP /0 rules stay shapes (rule keys). */
	ASSERT_EQ(0, rxl_shapes(why, sizeof(why), e, ne, &c));
	EXPECT_EQ(2, c.nshapes4);
	EXPECT_EQ(1, c.nshapes6);
	EXPECT_EQ(0, c.shapes6[0].plen);
	EXPECT_EQ(rxl_proto_bit(IPPROTO_ICMPV6), c.shapes6[0].protos);
	free(e);
}

TEST(shape_limit)
{
	struct rxl_rule r[RXL_MAX_SHAPES + 1];
	struct rxl_container c;
	char why[WHY_LEN];
	unsigned int i;
	__u8 a[4] = { 10, 0, 0, 0 };
	char s[16];

	for (i = 0; i <= RXL_MAX_SHAPES; i++) {
		inet_ntop(AF_INET, a, s, sizeof(s));
		r[i] = rule(1, s, 8 + i, IPPROTO_TCP, 0, 0xffff, false);
	}
	ASSERT_EQ(0, shapes_of(r, RXL_MAX_SHAPES, &c, why));
	EXPECT_EQ(RXL_MAX_SHAPES, c.nshapes4);
	EXPECT_EQ(-E2BIG, shapes_of(r, RXL_MAX_SHAPES + 1, &c, why));
	EXPECT_NE(NULL, strstr(why, "IPv4 rules use more than"));
}

TEST(entry_key_both_families)
{
	struct rxl_rule r[2] = {
		rule(1, "192.0.2.0", 24, IPPROTO_TCP, 0, 0xffff, false),
		rule(1, "2001:db8::", 32, IPPROTO_UDP, 0, 0xffff, false),
	};
	struct rxl_entry *e = NULL;
	union rxl_any_key k;
	char why[WHY_LEN];
	size_t ne = 0;
	__be32 want;

	ASSERT_EQ(0, rxl_expand(why, sizeof(why), r, 2, &e, &ne));
	ASSERT_EQ(2, ne);
	ASSERT_EQ(4, e[0].family);
	rxl_entry_key(&e[0], 0x1234, &k);
	inet_pton(AF_INET, "192.0.2.0", &want);
	EXPECT_EQ(0x1234, k.k4.set);
	EXPECT_EQ(want, k.k4.src);
	EXPECT_EQ(24, k.k4.plen);
	EXPECT_EQ(IPPROTO_TCP, k.k4.proto);
	EXPECT_EQ(0, k.k4.set_hi);
	rxl_entry_key(&e[1], 0x99, &k);
	EXPECT_EQ(0x99, k.k6.set);
	EXPECT_EQ(0x20, k.k6.src[0]);
	EXPECT_EQ(0xb8, k.k6.src[3]);
	EXPECT_EQ(32, k.k6.plen);
	EXPECT_EQ(IPPROTO_UDP, k.k6.proto);
	EXPECT_EQ(0, k.k6.set_hi);
	free(e);
}

/*
 * Ids below 4096 keep the tags (and so the keys) of every older build,
 * id << 20 | generation with a zero byte after dir; an id k + 4096 * j
 * gets k's set and j in set_hi, so no two ids share a key.
 */
TEST(tag_keeps_old_keys_and_splits_high_ids)
{
	struct rxl_rule r[2] = {
		rule(1, "192.0.2.0", 24, IPPROTO_TCP, 0, 0xffff, false),
		rule(1, "2001:db8::", 32, IPPROTO_UDP, 0, 0xffff, false),
	};
	struct rxl_container v = { .id = 4095 };
	struct rxl_entry *e = NULL;
	union rxl_any_key k, old;
	__u32 id, gen = 0xabcde;
	char why[WHY_LEN];
	size_t ne = 0;

	ASSERT_EQ(0, rxl_expand(why, sizeof(why), r, 2, &e, &ne));
	for (id = 0; id < 4096; id += 4095) {
		/* The old build's key: set = id << 20 | gen, byte 11 zero. */
		rxl_entry_key(&e[0], rxl_tag(id, gen), &k);
		rxl_entry_key(&e[0], 0, &old);
		old.k4.set = id << 20 | gen;
		EXPECT_EQ(0, memcmp(&k.k4, &old.k4, sizeof(old.k4)))
			TH_LOG("id %u", id);
		EXPECT_EQ((__u64)(id << 20 | gen), rxl_tag(id, gen));
		rxl_entry_key(&e[1], rxl_tag(id, gen), &k);
		EXPECT_EQ(0, ((__u8 *)&k.k6)[sizeof(k.k6) - 1]);
	}
	rxl_entry_key(&e[0], rxl_tag(7, gen), &old);
	rxl_entry_key(&e[0], rxl_tag(4096 + 7, gen), &k);
	EXPECT_EQ(old.k4.set, k.k4.set);
	EXPECT_EQ(1, k.k4.set_hi);
	EXPECT_NE(0, memcmp(&k.k4, &old.k4, sizeof(old.k4)));
	rxl_entry_key(&e[1], rxl_tag(65535, gen), &k);
	EXPECT_EQ(15, k.k6.set_hi);
	EXPECT_EQ(0xfffU << 20 | gen, k.k6.set);
	/* What a key says is what the container's value says. */
	EXPECT_EQ(rxl_key_tag(&k.k6, sizeof(k.k6)), rxl_tag(65535, gen));
	v.id = 65535;
	v.set = (__u32)rxl_tag(65535, gen);
	EXPECT_EQ(rxl_cont_tag(&v), rxl_tag(65535, gen));
	free(e);
}

TEST(append_fills_only_free_ports)
{
	struct rxl_rule r = rule(1, NULL, 0, IPPROTO_TCP, 6000, 6003, false);
	struct rxl_rule_val v;
	char why[WHY_LEN];
	bool changed = false;

	ASSERT_EQ(0, resolve(&r, 1, &v, why));
	/* Rule 1, judged after rule 0, gets 5990-5999 and 6004-6010. */
	ASSERT_EQ(0, rxl_fill_ports(&v, 5990, 6010, 1, &changed));
	EXPECT_TRUE(changed);
	ASSERT_EQ(3, v.nsegs);
	EXPECT_EQ(1, rxl_val_judge(&v, 5990));
	EXPECT_EQ(0, rxl_val_judge(&v, 6000));
	EXPECT_EQ(0, rxl_val_judge(&v, 6003));
	EXPECT_EQ(1, rxl_val_judge(&v, 6004));
	EXPECT_EQ(RXL_NO_RULE, rxl_val_judge(&v, 6011));
	/* A rule shadowed entirely changes nothing. */
	changed = false;
	ASSERT_EQ(0, rxl_fill_ports(&v, 6001, 6002, 2, &changed));
	EXPECT_FALSE(changed);
}

TEST(equivalent_values)
{
	struct rxl_rule one = rule(1, NULL, 0, IPPROTO_TCP, 10, 20, false);
	struct rxl_rule two[2] = {
		rule(1, NULL, 0, IPPROTO_TCP, 10, 15, false),
		rule(1, NULL, 0, IPPROTO_TCP, 16, 21, false),
	};
	struct rxl_rule_val a, b;
	char why[WHY_LEN];

	ASSERT_EQ(0, resolve(&one, 1, &a, why));
	/* Split differently, same verdicts: equivalent. */
	b = a;
	b.nsegs = 2;
	b.segs[0].hi = 14;
	b.segs[1] = (struct rxl_seg){ 15, 20, 0 };
	EXPECT_TRUE(rxl_val_equiv(&a, &b));
	/* Ports 16-21 judged by another rule: not. */
	ASSERT_EQ(0, resolve(two, 2, &b, why));
	EXPECT_FALSE(rxl_val_equiv(&a, &b));
	/* One port more at the end: not. */
	b = a;
	b.segs[0].hi = 21;
	EXPECT_FALSE(rxl_val_equiv(&a, &b));
}

/* @r as an out rule (its prefix names the destination peer). */
static struct rxl_rule out(struct rxl_rule r)
{
	r.out = true;
	return r;
}

TEST(directions_keys_and_shapes)
{
	struct rxl_rule r[4] = {
		rule(1, NULL, 0, IPPROTO_UDP, 53, 53, false),
		out(rule(1, NULL, 0, IPPROTO_UDP, 53, 53, false)),
		out(rule(1, "10.0.0.53", 32, IPPROTO_UDP, 53, 53, false)),
		out(rule(1, "2001:db8::", 32, 0, 0, 0xffff, true)),
	};
	struct rxl_entry *e = NULL;
	struct rxl_container c;
	union rxl_any_key k;
	char why[WHY_LEN];
	size_t ne = 0, i, nout = 0;

	ASSERT_EQ(0, rxl_expand(why, sizeof(why), r, 4, &e, &ne));
	ASSERT_EQ(6, ne);
	for (i = 0; i < ne; i++) {
		rxl_entry_key(&e[i], 7, &k);
		EXPECT_EQ(e[i].dir, e[i].family == 4 ? k.k4.dir : k.k6.dir);
		nout += e[i].dir == RXL_RULE_OUT;
	}
	EXPECT_EQ(4, nout);
	/* The in and the out rule of one peer and port: two groups. */
	for (i = 1; i < ne; i++)
		EXPECT_FALSE(rxl_same_group(&e[i - 1], &e[i]));
	free(e);
	ASSERT_EQ(0, shapes_of(r, 4, &c, why));
	/* In: /0 udp in both families, in the value (no shape). */
	EXPECT_EQ(0, c.nshapes4);
	EXPECT_EQ(0, c.nshapes6);
	/* Out: IPv4 /0 and /32, IPv6 /0 and /32 any, from the end. */
	EXPECT_EQ(2, rxl_nout4(&c));
	EXPECT_EQ(2, rxl_nout6(&c));
	EXPECT_EQ(0, c.shapes4[RXL_OUT_SHAPE(0)].plen);
	EXPECT_EQ(32, c.shapes4[RXL_OUT_SHAPE(1)].plen);
	EXPECT_EQ(htonl(0xffffffff), c.shapes4[RXL_OUT_SHAPE(1)].mask[0]);
	EXPECT_EQ(0, c.shapes6[RXL_OUT_SHAPE(0)].plen);
	EXPECT_EQ(32, c.shapes6[RXL_OUT_SHAPE(1)].plen);
	EXPECT_EQ(1, c.shapes6[RXL_OUT_SHAPE(1)].any_proto);
	/* Nothing in between was written. */
	EXPECT_EQ(0, c.shapes4[1].plen + c.shapes4[1].protos);
	EXPECT_EQ(0, c.shapes4[RXL_OUT_SHAPE(2)].protos);
	/* Only the out rules: the ingress judge sees no shape at all. */
	ASSERT_EQ(0, shapes_of(r + 1, 3, &c, why));
	EXPECT_EQ(0, c.nshapes4);
	EXPECT_EQ(0, c.nshapes6);
	EXPECT_EQ(0x22, c.nout);
}

TEST(directions_share_shape_limit)
{
	struct rxl_rule r[RXL_MAX_SHAPES + 1];
	struct rxl_container c;
	char why[WHY_LEN];
	unsigned int i;

	/* Half in, half out, all IPv4 and of distinct prefix lengths. */
	for (i = 0; i <= RXL_MAX_SHAPES; i++) {
		r[i] = rule(1, "10.0.0.0", 8 + i, IPPROTO_TCP, 0, 0xffff,
			    false);
		r[i].out = i % 2;
	}
	ASSERT_EQ(0, shapes_of(r, RXL_MAX_SHAPES, &c, why));
	EXPECT_EQ(RXL_MAX_SHAPES / 2, c.nshapes4);
	EXPECT_EQ(RXL_MAX_SHAPES / 2, rxl_nout4(&c));
	EXPECT_EQ(-E2BIG, shapes_of(r, RXL_MAX_SHAPES + 1, &c, why));
	EXPECT_NE(NULL, strstr(why, "IPv4 rules use more than 8 distinct"));
}

TEST(direction_append_shape)
{
	struct rxl_rule r[2] = {
		rule(1, "10.0.0.0", 8, IPPROTO_TCP, 80, 80, false),
		out(rule(1, NULL, 0, IPPROTO_UDP, 53, 53, false)),
	};
	struct rxl_rule o = out(rule(1, NULL, 0, IPPROTO_UDP, 123, 123,
				     false));
	struct rxl_rule in = rule(1, "10.0.0.0", 8, IPPROTO_UDP, 123, 123,
				  false);
	struct rxl_container c;
	struct rxl_entry e;
	char why[WHY_LEN];

	ASSERT_EQ(0, shapes_of(r, 2, &c, why));
	/* An out rule of the out shape appends in place... */
	rxl_add_entry(&e, &o, 4, 2);
	EXPECT_EQ(RXL_RULE_OUT, e.dir);
	EXPECT_EQ(0, rxl_has_shape(&c, &e));
	/* ...and its protocol joins the out shape, not the in one. */
	rxl_add_entry(&e, &in, 4, 3);
	EXPECT_EQ(0, rxl_has_shape(&c, &e));
	EXPECT_TRUE(c.shapes4[0].protos & rxl_proto_bit(IPPROTO_UDP));
	/* An out rule of a shape only in rules have: the whole-set path. */
	r[1].out = false;
	ASSERT_EQ(0, shapes_of(r, 2, &c, why));
	rxl_add_entry(&e, &o, 4, 2);
	EXPECT_EQ(-EAGAIN, rxl_has_shape(&c, &e));
}

TEST(direction_parse)
{
	struct rxl_rule r;
	char err[256];

	ASSERT_EQ(0, rxl_parse_rule("out allow proto udp to 10.0.0.53/32 dport 53",
				    &r, err, sizeof(err)));
	EXPECT_TRUE(r.out);
	EXPECT_EQ(AF_INET, r.family);
	EXPECT_EQ(32, r.plen);
	EXPECT_EQ(53, r.dport_lo);
	ASSERT_EQ(0, rxl_parse_rule("in drop from 10.0.0.0/8", &r, err,
				    sizeof(err)));
	EXPECT_FALSE(r.out);
	ASSERT_EQ(0, rxl_parse_rule("allow proto tcp", &r, err, sizeof(err)));
	EXPECT_FALSE(r.out);
	EXPECT_EQ(-EINVAL, rxl_parse_rule("out allow from 10.0.0.0/8", &r,
					  err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "an out rule names its peer with 'to"));
	EXPECT_EQ(-EINVAL, rxl_parse_rule("allow to 10.0.0.0/8", &r, err,
					  sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "an in rule names its peer with 'from"));
	EXPECT_EQ(-EINVAL, rxl_parse_rule("in allow to 10.0.0.0/8", &r, err,
					  sizeof(err)));
	EXPECT_EQ(-EINVAL, rxl_parse_rule("out in allow", &r, err,
					  sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "second direction 'in'"));
	EXPECT_EQ(-EINVAL, rxl_parse_rule("out allow to 10.0.0.1/32 from 10.0.0.2/32",
					  &r, err, sizeof(err)));
}

/* Summary @i of @c is exactly the @n ranges lo0, hi0, lo1, hi1, ... */
static bool sum_is(const struct rxl_container *c, int i, unsigned int n,
		   const unsigned int *lohi)
{
	unsigned int k;

	if (!(c->sum_valid & (1U << i)) || c->sum_n[i] != n)
		return false;
	for (k = 0; k < n; k++)
		if (c->sum[i][k].lo != lohi[2 * k] ||
		    c->sum[i][k].hi != lohi[2 * k + 1])
			return false;
	return true;
}

static int sum_of(const struct rxl_rule *r, unsigned int n,
		  struct rxl_container *c)
{
	struct rxl_entry *e = NULL;
	char why[WHY_LEN];
	size_t ne = 0;
	int err;

	memset(c, 0xff, sizeof(*c));
	err = rxl_expand(why, sizeof(why), r, n, &e, &ne);
	if (!err)
		rxl_port_sum(e, ne, c);
	free(e);
	return err;
}

/*
 * The port summary: every ingress rule's ports (allow and drop, any
 * source, both families) merged per protocol, egress rules and other
 * protocols left out; past RXL_SUM_RANGES the narrowest gap is joined.
 */
TEST(port_sum)
{
	static const unsigned int tcp[] = { 80, 80, 440, 445, 8000, 8010 };
	static const unsigned int udp[] = { 53, 53 };
	static const unsigned int five[] = { 100, 100, 200, 210, 300, 400,
					     500, 500 };
	static const unsigned int joined[] = { 100, 100, 200, 210, 300, 441,
					       500, 500 };
	struct rxl_rule r[6] = {
		rule(1, "10.0.0.1", 32, IPPROTO_TCP, 8000, 8010, false),
		rule(2, NULL, 0, IPPROTO_TCP, 443, 445, true),
		rule(3, "fd00::1", 128, IPPROTO_TCP, 440, 443, false),
		rule(4, NULL, 0, IPPROTO_UDP, 53, 53, false),
		rule(5, NULL, 0, IPPROTO_ICMP, 0, 0xffff, false),
		rule(6, NULL, 0, IPPROTO_TCP, 80, 80, false),
	};
	struct rxl_container c, w;
	struct rxl_entry e;
	unsigned int k;

	ASSERT_EQ(0, sum_of(r, 6, &c));
	EXPECT_EQ(3, c.sum_valid);
	EXPECT_TRUE(sum_is(&c, RXL_SUM_TCP, 3, tcp));
	EXPECT_TRUE(sum_is(&c, RXL_SUM_UDP, 1, udp));
	/* Adjacent ranges merge: 446-450 joins 440-445. */
	r[5] = rule(6, NULL, 0, IPPROTO_TCP, 446, 450, false);
	ASSERT_EQ(0, sum_of(r, 6, &c));
	EXPECT_EQ(2, c.sum_n[RXL_SUM_TCP]);
	EXPECT_EQ(440, c.sum[RXL_SUM_TCP][0].lo);
	EXPECT_EQ(450, c.sum[RXL_SUM_TCP][0].hi);
	/* An egress rule names no ingress port. */
	r[5] = rule(6, NULL, 0, IPPROTO_TCP, 9000, 9000, false);
	r[5].out = 1;
	ASSERT_EQ(0, sum_of(r, 6, &c));
	EXPECT_EQ(2, c.sum_n[RXL_SUM_TCP]);
	/* A rule of any protocol: neither protocol is summarised. */
	r[5] = rule(6, "10.0.0.0", 8, 0, 0, 0xffff, false);
	ASSERT_EQ(0, sum_of(r, 6, &c));
	EXPECT_EQ(0, c.sum_valid);
	/* A TCP rule of every port: TCP unsummarised, UDP still. */
	r[5] = rule(6, "10.0.0.0", 8, IPPROTO_TCP, 0, 0xffff, false);
	ASSERT_EQ(0, sum_of(r, 6, &c));
	EXPECT_EQ(1U << RXL_SUM_UDP, c.sum_valid);
	/* No rule: both summarised, no port named. */
	ASSERT_EQ(0, sum_of(r, 0, &c));
	EXPECT_EQ(3, c.sum_valid);
	EXPECT_EQ(0, c.sum_n[RXL_SUM_TCP]);
	/* Five ranges: the narrowest gap (300-400 / 500) joins... */
	r[0] = rule(1, NULL, 0, IPPROTO_TCP, 100, 100, false);
	r[1] = rule(1, NULL, 0, IPPROTO_TCP, 200, 210, false);
	r[2] = rule(1, NULL, 0, IPPROTO_TCP, 300, 400, false);
	r[3] = rule(1, NULL, 0, IPPROTO_TCP, 500, 500, false);
	r[4] = rule(1, NULL, 0, IPPROTO_TCP, 440, 441, true);
	ASSERT_EQ(0, sum_of(r, 5, &c));
	EXPECT_EQ(RXL_SUM_RANGES, c.sum_n[RXL_SUM_TCP]);
	EXPECT_TRUE(sum_is(&c, RXL_SUM_TCP, 4, joined));
	/* ...and the summary still covers every rule's ports. */
	ASSERT_EQ(0, sum_of(r, 4, &w));
	EXPECT_TRUE(sum_is(&w, RXL_SUM_TCP, 4, five));
	EXPECT_TRUE(rxl_port_sum_covers(&c, &w));
	EXPECT_FALSE(rxl_port_sum_covers(&w, &c));
	/* An append adds one range to a live summary. */
	rxl_add_entry(&e, &r[4], 4, 5);
	rxl_port_sum_add(&w, &e);
	EXPECT_TRUE(rxl_port_sum_covers(&w, &c));
	for (k = 0; k < w.sum_n[RXL_SUM_TCP]; k++) {
		EXPECT_LE(w.sum[RXL_SUM_TCP][k].lo, w.sum[RXL_SUM_TCP][k].hi);
	}
	/* A value without a summary covers anything; one with none not. */
	w.sum_valid = 0;
	EXPECT_TRUE(rxl_port_sum_covers(&w, &c));
	c.sum_valid = 0;
	w.sum_valid = 3;
	EXPECT_FALSE(rxl_port_sum_covers(&w, &c));
}

TEST_HARNESS_MAIN
