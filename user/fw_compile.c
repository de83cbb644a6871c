// SPDX-License-Identifier: GPL-2.0
/*
 * fw_compile.c - the rule compiler: rules ranked (stable sort by priority),
 * expanded per family, grouped by (family, source prefix, protocol), each
 * group resolved into disjoint destination-port segments; the lookup
 * shapes of a set. Pure: plain structs in, plain structs out, no map.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw_compile.h"

/* Say why in @why (@len bytes) and return -@err. */
static int rxl_refuse(char *why, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return err < 0 ? err : -err;
}

void rxl_entry_key(const struct rxl_entry *e, __u64 tag, union rxl_any_key *k)
{
	memset(k, 0, sizeof(*k));
	if (e->family == 4) {
		k->k4.set = (__u32)tag;
		k->k4.set_hi = tag >> 32;
		memcpy(&k->k4.src, e->src, 4);
		k->k4.plen = e->plen;
		k->k4.proto = e->proto;
		k->k4.dir = e->dir;
	} else {
		k->k6.set = (__u32)tag;
		k->k6.set_hi = tag >> 32;
		memcpy(k->k6.src, e->src, 16);
		k->k6.plen = e->plen;
		k->k6.proto = e->proto;
		k->k6.dir = e->dir;
	}
}

/* ---- rule compilation --------------------------------------------------- */

struct rxl_ranked {
	const struct rxl_rule *r;
	unsigned int pos;
};

static int rxl_cmp_ranked(const void *a, const void *b)
{
	const struct rxl_ranked *x = a, *y = b;

	if (x->r->prio != y->r->prio)
		return x->r->prio < y->r->prio ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int rxl_cmp_entry(const void *a, const void *b)
{
	const struct rxl_entry *x = a, *y = b;

	if (x->family != y->family)
		return x->family - y->family;
	if (x->dir != y->dir)
		return x->dir - y->dir;
	if (x->plen != y->plen)
		return x->plen - y->plen;
	if (x->proto != y->proto)
		return x->proto - y->proto;
	return memcmp(x->src, y->src, 16);
}

int rxl_same_group(const struct rxl_entry *x, const struct rxl_entry *y)
{
	return x->family == y->family && x->dir == y->dir &&
	       x->plen == y->plen &&
	       x->proto == y->proto && !memcmp(x->src, y->src, 16);
}

static int rxl_cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

void rxl_fmt_src(const struct rxl_entry *e, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(e->family == 4 ? AF_INET : AF_INET6, e->src, a, sizeof(a));
	snprintf(buf, len, "%s/%u proto %u", a, e->plen, e->proto);
}

static __u32 rxl_better(__u32 best, __u32 ref)
{
	return (ref & RXL_RULE_RANK) < (best & RXL_RULE_RANK) ? ref : best;
}

/* Resolve the @n entries of one group into port segments. */
int rxl_resolve(char *why, size_t len, const struct rxl_entry *e,
		size_t n, struct rxl_rule_val *v)
{
	__u32 pts[2 * RXL_MAX_GROUP_RULES];
	size_t np = 0, i, j, u = 0;
	char what[80];

	memset(v, 0, sizeof(*v));
	v->portless = RXL_NO_RULE;
	if (n > RXL_MAX_GROUP_RULES) {
		rxl_fmt_src(e, what, sizeof(what));
		return rxl_refuse(why, len, -E2BIG,
				  "%zu rules share source %s; at most %u",
				  n, what, RXL_MAX_GROUP_RULES);
	}
	for (i = 0; i < n; i++) {
		if (e[i].lo == 0 && e[i].hi == 0xffff)
			v->portless = rxl_better(v->portless, e[i].ref);
		pts[np++] = e[i].lo;
		pts[np++] = (__u32)e[i].hi + 1;
	}
	qsort(pts, np, sizeof(pts[0]), rxl_cmp_u32);
	for (i = 0; i < np; i++)
		if (!u || pts[u - 1] != pts[i])
			pts[u++] = pts[i];
	for (j = 0; j + 1 < u; j++) {
		__u32 lo = pts[j], hi = pts[j + 1] - 1, best = RXL_NO_RULE;
		struct rxl_seg *last = v->nsegs ? &v->segs[v->nsegs - 1] : NULL;

		for (i = 0; i < n; i++)
			if (e[i].lo <= lo && e[i].hi >= hi)
				best = rxl_better(best, e[i].ref);
		if (best == RXL_NO_RULE)
			continue;
		if (last && last->rule == best && last->hi + 1U == lo) {
			last->hi = hi;
			continue;
		}
		if (v->nsegs == RXL_MAX_SEGS) {
			rxl_fmt_src(e, what, sizeof(what));
			return rxl_refuse(why, len, -E2BIG,
					  "rules for source %s split the ports into more than %u segments",
					  what, RXL_MAX_SEGS);
		}
		v->segs[v->nsegs].lo = lo;
		v->segs[v->nsegs].hi = hi;
		v->segs[v->nsegs].rule = best;
		v->nsegs++;
	}
	return 0;
}

int rxl_check_rule(char *why, size_t len, const struct rxl_rule *r,
		   unsigned int i)
{
	unsigned int max = r->family == AF_INET ? 32 : 128, b;

	if (r->family != AF_INET && r->family != AF_INET6 &&
	    r->family != AF_UNSPEC)
		return rxl_refuse(why, len, -EINVAL, "rule %u: bad family %d", i,
				  r->family);
	if (r->family != AF_UNSPEC && r->plen > max)
		return rxl_refuse(why, len, -EINVAL,
				  "rule %u: prefix length %u exceeds %u", i,
				  r->plen, max);
	if (r->family != AF_UNSPEC)
		for (b = r->plen; b < max; b++)
			if (r->src[b / 8] & (0x80 >> (b % 8)))
				return rxl_refuse(why, len, -EINVAL,
						  "rule %u: source has bits set past /%u",
						  i, r->plen);
	if (r->dport_lo > r->dport_hi)
		return rxl_refuse(why, len, -EINVAL,
				  "rule %u: port range %u-%u is empty", i,
				  r->dport_lo, r->dport_hi);
	switch (r->proto) {
	case 0:
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		return 0;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (r->dport_lo != 0 || r->dport_hi != 0xffff)
			return rxl_refuse(why, len, -EINVAL,
					  "rule %u: ICMP has no ports", i);
		if ((r->proto == IPPROTO_ICMP && r->family == AF_INET6) ||
		    (r->proto == IPPROTO_ICMPV6 && r->family == AF_INET))
			return rxl_refuse(why, len, -EINVAL,
					  "rule %u: ICMP version does not match the source family",
					  i);
		return 0;
	default:
		return rxl_refuse(why, len, -EPROTONOSUPPORT,
				  "rule %u: protocol %u is not tcp, udp, icmp or any",
				  i, r->proto);
	}
}

void rxl_add_entry(struct rxl_entry *e, const struct rxl_rule *r,
		   int family, __u32 ref)
{
	memset(e, 0, sizeof(*e));
	e->family = family;
	e->dir = r->out ? RXL_RULE_OUT : RXL_RULE_IN;
	if (r->family != AF_UNSPEC) {
		e->plen = r->plen;
		memcpy(e->src, r->src, 16);
	}
	e->proto = r->proto;
	if (r->proto == IPPROTO_ICMP || r->proto == IPPROTO_ICMPV6)
		e->proto = family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	e->lo = r->dport_lo;
	e->hi = r->dport_hi;
	e->ref = ref;
}

/* Rank @rules and expand them into per-family entries, sorted by group. */
int rxl_expand(char *why, size_t len, const struct rxl_rule *rules,
	       unsigned int n, struct rxl_entry **out, size_t *nout)
{
	struct rxl_ranked *rk = calloc(n ?: 1, sizeof(*rk));
	struct rxl_entry *e = calloc(2 * (size_t)n + 1, sizeof(*e));
	unsigned int i;
	bool sorted = true;
	size_t ne = 0;
	int err = 0;

	if (!rk || !e) {
		err = rxl_refuse(why, len, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		err = rxl_check_rule(why, len, &rules[i], i);
		if (err)
			goto out;
		rk[i].r = &rules[i];
		rk[i].pos = i;
		if (i && rules[i].prio < rules[i - 1].prio)
			sorted = false;
	}
	/* Often already in order (one priority): then the sort is a copy. */
	if (!sorted)
		qsort(rk, n, sizeof(*rk), rxl_cmp_ranked);
	for (i = 0; i < n; i++) {
		const struct rxl_rule *r = rk[i].r;
		__u32 ref = i | (r->drop ? RXL_RULE_DROP : 0);

		if (r->family != AF_INET6)
			rxl_add_entry(&e[ne++], r, 4, ref);
		if (r->family != AF_INET)
			rxl_add_entry(&e[ne++], r, 6, ref);
	}
	for (i = 1; i < ne && rxl_cmp_entry(&e[i - 1], &e[i]) <= 0; i++)
		;
	if (i < ne)
		qsort(e, ne, sizeof(*e), rxl_cmp_entry);
	*out = e;
	*nout = ne;
	e = NULL;
out:
	free(rk);
	free(e);
	return err;
}

/* The mask of a /@plen prefix as four big-endian words. */
static void rxl_prefix_mask(unsigned int plen, __be32 mask[4])
{
	__u8 *b = (__u8 *)mask;
	unsigned int i;

	memset(mask, 0, 16);
	for (i = 0; i < plen && i < 128; i++)
		b[i / 8] |= 0x80 >> (i % 8);
}

/*
 * Shape @k of @c for @e's family and direction: in shapes grow from the
 * start of the array, out shapes from its end (RXL_OUT_SHAPE()).
 */
static struct rxl_shape *rxl_shape_at(struct rxl_container *c,
				      const struct rxl_entry *e,
				      unsigned int k)
{
	struct rxl_shape *sh = e->family == 4 ? c->shapes4 : c->shapes6;

	return &sh[e->dir == RXL_RULE_OUT ? RXL_OUT_SHAPE(k) : k];
}

static unsigned int rxl_nshapes(const struct rxl_container *c, int family,
				int dir)
{
	if (dir == RXL_RULE_OUT)
		return family == 4 ? rxl_nout4(c) : rxl_nout6(c);
	return family == 4 ? c->nshapes4 : c->nshapes6;
}

static void rxl_nshapes_inc(struct rxl_container *c, int family, int dir)
{
	if (dir == RXL_RULE_OUT)
		c->nout += family == 4 ? 1 : 0x10;
	else if (family == 4)
		c->nshapes4++;
	else
		c->nshapes6++;
}

/* Shapes of the sorted entries into @c; fails past RXL_MAX_SHAPES. */
int rxl_shapes(char *why, size_t len, const struct rxl_entry *e, size_t n,
	       struct rxl_container *c)
{
	size_t i;

	c->nshapes4 = c->nshapes6 = c->nout = 0;
	for (i = 0; i < n; i++) {
		unsigned int ns = rxl_nshapes(c, e[i].family, e[i].dir), k;
		__u8 any = e[i].proto == 0;
		struct rxl_shape *sh;

		/* In the value (rxl_any_vals()): looked up by no shape. */
		if (rxl_entry_any(&e[i]) >= 0)
			continue;

		for (k = 0; k < ns; k++) {
			sh = rxl_shape_at(c, &e[i], k);
			if (sh->plen == e[i].plen && sh->any_proto == any)
				break;
		}
		if (k < ns) {
			rxl_shape_add_proto(sh, e[i].proto);
			continue;
		}
		if (rxl_nshapes(c, e[i].family, RXL_RULE_IN) +
		    rxl_nshapes(c, e[i].family, RXL_RULE_OUT) == RXL_MAX_SHAPES)
			return rxl_refuse(why, len, -E2BIG,
					  "IPv%u rules use more than %u distinct (direction, prefix length, protocol-or-any) shapes",
					  e[i].family, RXL_MAX_SHAPES);
		sh = rxl_shape_at(c, &e[i], ns);
		sh->plen = e[i].plen;
		sh->any_proto = any;
		sh->protos = 0;
		rxl_shape_add_proto(sh, e[i].proto);
		rxl_prefix_mask(e[i].plen, sh->mask);
		rxl_nshapes_inc(c, e[i].family, e[i].dir);
	}
	return 0;
}

int rxl_any_vals(char *why, size_t len, const struct rxl_entry *e, size_t n,
		 struct rxl_container *c)
{
	size_t i = 0, j;
	int a, err;

	c->any_mask = 0;
	memset(c->any, 0, sizeof(c->any));
	for (a = 0; a < RXL_ANY_VALS; a++)
		c->any[a].portless = RXL_NO_RULE;
	while (i < n) {
		for (j = i + 1; j < n && rxl_same_group(&e[i], &e[j]); j++)
			;
		a = rxl_entry_any(&e[i]);
		if (a >= 0) {
			err = rxl_resolve(why, len, &e[i], j - i, &c->any[a]);
			if (err)
				return err;
			c->any_mask |= RXL_ANY_BIT(a);
		}
		i = j;
	}
	return 0;
}

/* The summary index of @proto, or -1 for one the summary leaves out. */
static int rxl_sum_idx(__u8 proto)
{
	if (proto == IPPROTO_TCP)
		return RXL_SUM_TCP;
	return proto == IPPROTO_UDP ? RXL_SUM_UDP : -1;
}

/*
 * [@lo, @hi] into summary @i of @c: sorted, merged with the ranges it
 * touches; past RXL_SUM_RANGES the two ranges with the narrowest gap are
 * joined (more ports than the rules name: the fast path judges them, as
 * it would without a summary). A summary of every port is dropped: it
 * would only cost its test.
 */
static void rxl_sum_range(struct rxl_container *c, int i, __u32 lo, __u32 hi)
{
	struct rxl_port_range r[RXL_SUM_RANGES + 1];
	__u32 n = c->sum_n[i], m = 0, k, best, gap;

	for (k = 0; k < n && k < RXL_SUM_RANGES; k++) {
		const struct rxl_port_range *s = &c->sum[i][k];

		if (s->hi + 1U < lo || hi + 1U < s->lo) {
			r[m++] = *s;
			continue;
		}
		lo = s->lo < lo ? s->lo : lo;
		hi = s->hi > hi ? s->hi : hi;
	}
	/* Insert [lo, hi] in order: the others are disjoint from it. */
	for (k = m; k && r[k - 1].lo > lo; k--)
		r[k] = r[k - 1];
	r[k] = (struct rxl_port_range){ lo, hi };
	m++;
	if (m > RXL_SUM_RANGES) {
		best = 0;
		gap = ~0U;
		for (k = 0; k + 1 < m; k++)
			if ((__u32)r[k + 1].lo - r[k].hi < gap) {
				gap = r[k + 1].lo - r[k].hi;
				best = k;
			}
		r[best].hi = r[best + 1].hi;
		for (k = best + 1; k + 1 < m; k++)
			r[k] = r[k + 1];
		m--;
	}
	memcpy(c->sum[i], r, m * sizeof(r[0]));
	c->sum_n[i] = m;
	if (m == 1 && r[0].lo == 0 && r[0].hi == 0xffff)
		c->sum_valid &= ~(1U << i);
}

void rxl_port_sum_add(struct rxl_container *c, const struct rxl_entry *e)
{
	int i;

	if (e->dir != RXL_RULE_IN)
		return;
	if (!e->proto) {
		/* Any protocol: its rule judges every port of both. */
		c->sum_valid = 0;
		return;
	}
	i = rxl_sum_idx(e->proto);
	if (i >= 0 && (c->sum_valid & (1U << i)))
		rxl_sum_range(c, i, e->lo, e->hi);
}

void rxl_port_sum(const struct rxl_entry *e, size_t n,
		  struct rxl_container *c)
{
	size_t k;

	c->sum_valid = (1U << RXL_SUM_TCP) | (1U << RXL_SUM_UDP);
	memset(c->sum_n, 0, sizeof(c->sum_n));
	c->sum_pad = 0;
	memset(c->sum, 0, sizeof(c->sum));
	for (k = 0; k < n; k++)
		rxl_port_sum_add(c, &e[k]);
}

bool rxl_port_sum_covers(const struct rxl_container *have,
			 const struct rxl_container *want)
{
	__u32 i, k, h;

	for (i = 0; i < RXL_SUM_PROTOS; i++) {
		if (!(have->sum_valid & (1U << i)))
			continue;
		if (!(want->sum_valid & (1U << i)) ||
		    have->sum_n[i] > RXL_SUM_RANGES)
			return false;
		for (k = 0; k < want->sum_n[i] && k < RXL_SUM_RANGES; k++) {
			const struct rxl_port_range *w = &want->sum[i][k];

			for (h = 0; h < have->sum_n[i]; h++)
				if (have->sum[i][h].lo <= w->lo &&
				    w->hi <= have->sum[i][h].hi)
					break;
			if (h == have->sum_n[i])
				return false;
		}
	}
	return true;
}

/*
 * Give the ports of [lo, hi] that no segment of @v covers to @ref (a rule
 * judged after all of @v's); *@changed tells whether @v changed.
 * -EAGAIN past RXL_MAX_SEGS segments.
 */
int rxl_fill_ports(struct rxl_rule_val *v, __u32 lo, __u32 hi,
		   __u32 ref, bool *changed)
{
	struct rxl_seg segs[2 * RXL_MAX_SEGS + 1];
	__u32 cur = lo, i, n = 0;

	if (lo == 0 && hi == 0xffff && v->portless == RXL_NO_RULE) {
		v->portless = ref;
		*changed = true;
	}
	for (i = 0; i < v->nsegs && i < RXL_MAX_SEGS; i++) {
		const struct rxl_seg *s = &v->segs[i];

		if (s->hi >= cur && s->lo <= hi && s->lo > cur)
			segs[n++] = (struct rxl_seg){ cur, s->lo - 1, ref };
		if (s->hi >= cur && s->lo <= hi)
			cur = s->hi + 1U;
		segs[n++] = *s;
	}
	if (cur <= hi)
		segs[n++] = (struct rxl_seg){ cur, hi, ref };
	/* Pieces went in before the segment that ends them: sort by lo. */
	for (i = 1; i < n; i++) {
		struct rxl_seg t = segs[i];
		__u32 j = i;

		while (j && segs[j - 1].lo > t.lo) {
			segs[j] = segs[j - 1];
			j--;
		}
		segs[j] = t;
	}
	if (n > RXL_MAX_SEGS)
		return -EAGAIN;
	if (n != v->nsegs)
		*changed = true;
	memcpy(v->segs, segs, n * sizeof(segs[0]));
	v->nsegs = n;
	return 0;
}

/*
 * Does @c already look up shape (plen, any) of @e? Then it looks it up
 * for @e's protocol from now on (rxl_shape.protos; 0 stays 0). A new shape
 * is left to the whole-set path (rxl_shapes() fills in everything a shape
 * holds).
 */
int rxl_has_shape(struct rxl_container *c, const struct rxl_entry *e)
{
	unsigned int k, ns = rxl_nshapes(c, e->family, e->dir);
	struct rxl_shape *sh;

	for (k = 0; k < ns && k < RXL_MAX_SHAPES; k++) {
		sh = rxl_shape_at(c, e, k);
		if (sh->plen == e->plen && sh->any_proto == (e->proto == 0)) {
			if (sh->protos)
				rxl_shape_add_proto(sh, e->proto);
			return 0;
		}
	}
	return -EAGAIN;
}

/* The rule judging port @port (-1: a packet without ports) in @v. */
__u32 rxl_val_judge(const struct rxl_rule_val *v, int port)
{
	__u32 i;

	if (port < 0)
		return v->portless;
	for (i = 0; i < v->nsegs && i < RXL_MAX_SEGS; i++)
		if (port >= v->segs[i].lo && port <= v->segs[i].hi)
			return v->segs[i].rule;
	return RXL_NO_RULE;
}

/* Same verdict for every port? (Appends split ports otherwise.) */
bool rxl_val_equiv(const struct rxl_rule_val *a,
		   const struct rxl_rule_val *b)
{
	const struct rxl_rule_val *vs[2] = { a, b };
	unsigned int k, i;
	int p;

	if (a->portless != b->portless)
		return false;
	for (k = 0; k < 2; k++)
		for (i = 0; i < vs[k]->nsegs && i < RXL_MAX_SEGS; i++) {
			p = vs[k]->segs[i].lo;
			if (rxl_val_judge(a, p) != rxl_val_judge(b, p))
				return false;
			p = vs[k]->segs[i].hi + 1;
			if (p <= 0xffff &&
			    rxl_val_judge(a, p) != rxl_val_judge(b, p))
				return false;
		}
	return rxl_val_judge(a, 0) == rxl_val_judge(b, 0);
}

/*
 * Does @b look up each of the @n shapes of @a, for @a's protocols at
 * least? protos 0 (a pin from an older build) looks up for every one.
 */
static bool rxl_shapes_cover(const struct rxl_shape *a,
			     const struct rxl_shape *b, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (a[i].plen != b[i].plen || a[i].any_proto != b[i].any_proto ||
		    memcmp(a[i].mask, b[i].mask, sizeof(a[i].mask)) ||
		    (b[i].protos && (a[i].protos & ~b[i].protos)))
			return false;
	return true;
}

bool rxl_shapes_equal(const struct rxl_container *a,
		      const struct rxl_container *b)
{
	unsigned int o4 = RXL_MAX_SHAPES - rxl_nout4(a);
	unsigned int o6 = RXL_MAX_SHAPES - rxl_nout6(a);

	return a->nshapes4 == b->nshapes4 && a->nshapes6 == b->nshapes6 &&
	       a->nout == b->nout &&
	       rxl_shapes_cover(a->shapes4, b->shapes4, a->nshapes4) &&
	       rxl_shapes_cover(a->shapes6, b->shapes6, a->nshapes6) &&
	       rxl_shapes_cover(a->shapes4 + o4, b->shapes4 + o4,
				rxl_nout4(a)) &&
	       rxl_shapes_cover(a->shapes6 + o6, b->shapes6 + o6,
				rxl_nout6(a));
}
