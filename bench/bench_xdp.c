// SPDX-License-Identifier: GPL-2.0
/*
 * bench_xdp - ns/packet of the rxlane XDP fast path against XDP_DROP and
 * xdp-filter, measured with BPF_PROG_TEST_RUN.
 *
 * All variants live in one process, pinned to one CPU, and are timed in
 * every round, in an order rotated from round to round. Each round also
 * times the XDP_DROP baseline; a variant's ratio in a round is its time
 * over the baseline's time in that round. Reported: min and median ns and
 * the min and median of the per-round ratios.
 *
 * The benchmark object puts a decapped frame back with one more
 * bpf_xdp_adjust_head() after the fast path (BPF_PROG_TEST_RUN runs every
 * repeat on the frame as the previous one left it); the real path never
 * makes that call. Variants whose frame the fast path moved (decapped and
 * passed) also get a "net" figure: per round, their time less one call,
 * half of what adjust-head-pair (two such calls) costs over XDP_DROP in
 * that round. Raw figures stay in the table beside it.
 *
 * -I times instead issue 17's cases (Documentation/performance.rst): a
 * container of "allow proto udp dport 8080" + N-1 "allow proto tcp from
 * 11.x.y.z/32 dport 1000-1999" (two shapes), UDP and TCP hits, 10 and 1M
 * rules, and one shape, and a TCP SYN the 10-rule set refuses (through
 * the conntrack hook: two misses, a drop). -b OLD_BENCH_OBJ loads a
 * second benchmark object (another build) on the same maps and times
 * every rxlane variant with both, interleaved in the same rounds; -b may
 * be given up to MAX_OLD times (variants old:, b2:, b3: ...), to compare
 * several builds at once. Every variant also gets its median per-round
 * ratio to xdp-filter.
 *
 * -C times instead connection tracking (issue 14; the comment above
 * add_ct()): an established flow of a default-drop container passed only
 * by its entry, plain and VXLAN, beside the stateless path; a new flow
 * tracked vs not, each run on a table without its entry ("fresh": single
 * runs, a deletion before each); 1k to -F MAX_FLOWS entries in the
 * table; the tc egress program of -T TC_OBJ on an skb vs an empty tc
 * program. Each timing checks the verdict and the ct events it counted.
 *
 *   bench_xdp [-r ROUNDS] [-n REPEAT] [-c CPU] [-m MAX_RULES]
 *             [-o JSON] [-f XDP_FILTER_OBJ] [-I] [-b OLD_BENCH_OBJ]
 *             BENCH_OBJ
 *   bench_xdp -C -T TC_OBJ [-F MAX_FLOWS] [-r ROUNDS] [-n REPEAT] [-c CPU]
 *             [-m MAX_RULES] [-o JSON] [-f XDP_FILTER_OBJ] BENCH_OBJ
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>

#include "fw.h"
#include "pktbuild.h"

#define XDPFILTER_OBJ	"/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_alw_all.o"
#define VTEP4		"192.0.2.1"
#define MAX_VARIANTS	256
#define MAX_ROUNDS	1000
#define MAX_OLD		8	/* -b objects */

static const unsigned int rule_counts[] = { 10, 1000, 100000, 1000000 };
#define NCOUNTS (sizeof(rule_counts) / sizeof(rule_counts[0]))

struct variant {
	char name[48];
	const char *group;	/* curve in the plot */
	unsigned int rules;
	int prog;
	int want;		/* expected XDP action */
	int restored;		/* the bench object restores the frame */
	struct pkt pkt;
	double ns[MAX_ROUNDS];
	double ratio[MAX_ROUNDS];
	double net[MAX_ROUNDS];	/* ns less the restore, if restored */
	double xfilt[MAX_ROUNDS];	/* net (or ns) / xdp-filter's ns */
	/* -C: proof that the packet took the path the name claims. */
	int ct_check;		/* check ct_stats around every timing */
	int ct_stats;		/* rxl_ct_stats of the program's object */
	int ct_stat;		/* the event each run counts, -1: none */
	/* -C: > 0, that many single runs, each after deleting key. */
	unsigned int fresh;
	int ct_fd, half_fd;	/* the tables key is deleted from */
	struct rxl_ct4_key key;
	/* -C: > 0, single runs, each on another of that many flows. */
	unsigned int spread;
	void (*spread_frame)(struct pkt *p, unsigned int flow);
};

static struct variant vars[MAX_VARIANTS];
static int nvars;

static struct variant *add_variant(const char *group, unsigned int rules,
				   int prog, int want, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static struct variant *add_variant(const char *group, unsigned int rules,
				   int prog, int want, const char *fmt, ...)
{
	struct variant *v;
	va_list ap;

	if (nvars == MAX_VARIANTS) {
		fprintf(stderr, "bench: more than %d variants\n", MAX_VARIANTS);
		exit(2);
	}
	v = &vars[nvars++];
	va_start(ap, fmt);
	vsnprintf(v->name, sizeof(v->name), fmt, ap);
	va_end(ap);
	v->group = group;
	v->rules = rules;
	v->prog = prog;
	v->want = want;
	return v;
}

/* A container whose address shares the address cache slot of 10.1.0.1. */
#define MISS_CID	(NCOUNTS + 1)

static void cont_addr(char *buf, size_t len, unsigned int cid)
{
	__u32 first = htonl(0x0a010001), a;
	unsigned int i;

	if (cid != MISS_CID) {
		snprintf(buf, len, "10.1.0.%u", cid + 1);
		return;
	}
	for (i = 1; i < 65536; i++) {
		a = htonl(0x0a030000 | i);	/* 10.3.x.y */
		if (rxl_acache_slot4(a) == rxl_acache_slot4(first))
			break;
	}
	inet_ntop(AF_INET, &a, buf, len);
}

/* Rule i's source prefix of length @plen: 11.0.0.0 + (i << (32 - plen)). */
static void src_of(unsigned int i, unsigned int plen, __u8 *out)
{
	__u32 a = htonl((11U << 24) + (i << (32 - plen)));

	memset(out, 0, 16);
	memcpy(out, &a, 4);
}

/* An address inside rule i's prefix (its host part + @host). */
static void fmt_src(unsigned int i, unsigned int plen, unsigned int host,
		    char *buf, size_t len)
{
	__u8 a[16];

	src_of(i, plen, a);
	a[3] += host;
	inet_ntop(AF_INET, a, buf, len);
}

/*
 * Container @cid with @n rules "from SRC/plen proto tcp dport 1000-1999
 * allow", default drop. @shapes > 1 spreads the rules over that many
 * prefix lengths (32, 28, 24, 20); @shapes 0 makes rule 0 "proto udp
 * dport 8080 allow" from anywhere (issue 17's set: two shapes).
 */
static const __u32 bench_vnis[] = {
	RXL_TUN_VXLAN << 24 | 100, RXL_TUN_GENEVE << 24 | 200,
	RXL_TUN_NVGRE << 24 | 300,
};

/* The rules of make_container(), calloc()ed; NULL when out of memory. */
static struct rxl_rule *bench_rules(unsigned int n, unsigned int shapes)
{
	static const unsigned int plens[] = { 32, 28, 24, 20 };
	struct rxl_rule *r = calloc(n, sizeof(*r));
	unsigned int i;

	for (i = 0; r && i < n; i++) {
		unsigned int plen = plens[shapes ? i % shapes : 0];

		r[i].prio = i;
		r[i].family = AF_INET;
		r[i].plen = plen;
		src_of(i, plen, r[i].src);
		r[i].proto = IPPROTO_TCP;
		r[i].dport_lo = 1000;
		r[i].dport_hi = 1999;
	}
	if (r && !shapes) {
		r[0].plen = 0;
		memset(r[0].src, 0, sizeof(r[0].src));
		r[0].proto = IPPROTO_UDP;
		r[0].dport_lo = r[0].dport_hi = 8080;
	}
	return r;
}

static int make_container(struct rxl_fw *fw, unsigned int cid, unsigned int n,
			  unsigned int shapes)
{
	struct rxl_rule *r = bench_rules(n, shapes);
	struct rxl_addr a;
	char addr[32];
	int err;

	if (!r)
		return -ENOMEM;
	cont_addr(addr, sizeof(addr), cid);
	rxl_parse_addr(addr, &a);
	err = rxl_fw_container_add(fw, cid, &a, 1, 0);
	if (!err)	/* reached through the benchmark's three tunnels */
		err = rxl_fw_container_bind(fw, cid, bench_vnis, 3);
	if (err)
		goto out;
	err = rxl_fw_rules_replace(fw, cid, r, n, true);
out:
	if (err)
		fprintf(stderr, "bench: container %u: %s\n", cid,
			rxl_fw_error(fw));
	free(r);
	return err;
}

/* A frame from @src:@sport to @dst:@dport; @flags: TCP flags, 0 for SYN. */
static void mk_frame_ports(struct pkt *p, int tun, const char *src,
			   const char *dst, uint8_t proto, uint16_t sport,
			   uint16_t dport, uint8_t flags)
{
	size_t l4;

	pk_init(p);
	if (tun) {
		pk_eth(p, ETH_P_IP, 0);
		pk_ip4(p, "198.51.100.7", VTEP4,
		       tun == RXL_TUN_NVGRE ? IPPROTO_GRE : IPPROTO_UDP);
		if (tun == RXL_TUN_VXLAN) {
			pk_udp(p, 51000, RXL_VXLAN_PORT, -1);
			pk_vxlan(p, 100);
		} else if (tun == RXL_TUN_GENEVE) {
			pk_udp(p, 51000, RXL_GENEVE_PORT, -1);
			pk_geneve(p, 200, 2);
		} else {
			pk_nvgre(p, 300, 0, 0);
		}
	}
	pk_eth(p, ETH_P_IP, tun != 0);
	pk_ip4(p, src, dst, proto);
	l4 = p->len;
	if (proto == IPPROTO_UDP) {
		pk_udp(p, sport, dport, -1);
	} else {
		pk_tcp(p, sport, dport);
		if (flags)
			p->b[l4 + 13] = flags;
	}
	pk_payload(p, 18);
	pk_finish(p);
}

static void mk_frame_proto(struct pkt *p, int tun, const char *src,
			   const char *dst, uint8_t proto, uint16_t dport)
{
	mk_frame_ports(p, tun, src, dst, proto, 40000, dport, 0);
}

static void mk_frame(struct pkt *p, int tun, const char *src, const char *dst,
		     uint16_t dport)
{
	mk_frame_proto(p, tun, src, dst, IPPROTO_TCP, dport);
}

/* ns per packet of @repeat runs of @v; checks the verdict. */
static int time_runs(struct variant *v, unsigned int repeat, double *ns)
{
	uint8_t out[PK_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = v->pkt.b,
		.data_size_in = v->pkt.len,
		.data_out = out,
		.data_size_out = sizeof(out),
		.repeat = repeat,
	);

	if (bpf_prog_test_run_opts(v->prog, &o)) {
		fprintf(stderr, "bench: %s: test run: %s\n", v->name,
			strerror(errno));
		return -1;
	}
	if ((int)o.retval != v->want) {
		fprintf(stderr, "bench: %s: action %u, want %d\n", v->name,
			o.retval, v->want);
		return -1;
	}
	/*
	 * The kernel's own average over the repeats: wall time would add the
	 * ~10 ms per call of switching the XDP dispatcher (an RCU wait).
	 */
	*ns = o.duration;
	return 0;
}

/* The sums over CPUs of the connection tracking events in @fd. */
static int ct_events(int fd, __u64 *sum)
{
	int ncpu = libbpf_num_possible_cpus(), i, c;
	__u64 v[ncpu];

	for (i = 0; i < RXL_CT_STAT__MAX; i++) {
		if (bpf_map_lookup_elem(fd, &i, v))
			return -errno;
		for (sum[i] = 0, c = 0; c < ncpu; c++)
			sum[i] += v[c];
	}
	return 0;
}

/*
 * Whether @runs runs of @v counted exactly @runs of its event and no
 * other (before: @b); the benchmark stops with the reason otherwise.
 */
static int ct_path_ok(const struct variant *v, const __u64 *b,
		      unsigned int runs)
{
	__u64 a[RXL_CT_STAT__MAX], want;
	int i;

	if (ct_events(v->ct_stats, a)) {
		fprintf(stderr, "bench: %s: ct stats: %s\n", v->name,
			strerror(errno));
		return -1;
	}
	for (i = 0; i < RXL_CT_STAT__MAX; i++) {
		want = i == v->ct_stat ? runs : 0;
		/*
		 * An entry is made in a half-open table, and a new key there
		 * is counted too (rxl_ct_create()): a fresh run, its key
		 * deleted before it, makes a new one every time.
		 */
		if (i == RXL_CT_STAT_HALF_INSERTED && v->fresh &&
		    (v->ct_stat == RXL_CT_STAT_CREATE_IN ||
		     v->ct_stat == RXL_CT_STAT_CREATE_OUT))
			want = runs;
		if (a[i] - b[i] != want) {
			fprintf(stderr,
				"bench: %s: off its path: ct event %d counted %llu times in %u runs, want %llu\n",
				v->name, i, (unsigned long long)(a[i] - b[i]),
				runs, (unsigned long long)want);
			return -1;
		}
	}
	return 0;
}

/*
 * ns of one run of @v on a table without its entry: the mean of
 * v->fresh single runs, each after deleting v->key from both tables (a
 * variant that creates no entry deletes a key that is not there, so both
 * pay the same system calls between runs).
 */
static int time_fresh(struct variant *v, double *ns)
{
	double sum = 0, one;
	unsigned int i;

	for (i = 0; i < v->fresh; i++) {
		bpf_map_delete_elem(v->ct_fd, &v->key);
		bpf_map_delete_elem(v->half_fd, &v->key);
		if (time_runs(v, 1, &one))
			return -1;
		sum += one;
	}
	*ns = sum / v->fresh;
	return 0;
}

/*
 * ns of one run of @v on a flow other than the last one's: the mean of
 * CT_FRESH single runs, the @seq-th (counted over the whole benchmark) on
 * flow (seq * 7919) % (v->spread - 1) + 1 of the table (ct_fill()'s
 * peers; 7919 is prime to every N - 1 of ct_flows), so that a big
 * table's entries are not in the cache, as on a link of many flows.
 */
static int time_spread(struct variant *v, unsigned int *seq, double *ns)
{
	double sum = 0, one;
	unsigned int i;

	for (i = 0; i < v->fresh; i++, (*seq)++) {
		v->spread_frame(&v->pkt, (*seq * 7919U) % (v->spread - 1) + 1);
		if (time_runs(v, 1, &one))
			return -1;
		sum += one;
	}
	*ns = sum / v->fresh;
	return 0;
}

/* ns per packet of @repeat runs of @v, with its path checked under -C. */
static int time_variant(struct variant *v, unsigned int repeat, double *ns)
{
	__u64 before[RXL_CT_STAT__MAX];
	int err;

	if (v->ct_check && ct_events(v->ct_stats, before)) {
		fprintf(stderr, "bench: %s: ct stats: %s\n", v->name,
			strerror(errno));
		return -1;
	}
	static unsigned int seq;

	if (v->spread)
		err = time_spread(v, &seq, ns);
	else
		err = v->fresh ? time_fresh(v, ns) : time_runs(v, repeat, ns);
	if (!err && v->ct_check)
		err = ct_path_ok(v, before, v->fresh ? v->fresh : repeat);
	return err;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	double *c = malloc(n * sizeof(*c)), m;

	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_double);
	m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	free(c);
	return m;
}

static double minimum(const double *v, int n)
{
	double m = v[0];
	int i;

	for (i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

/*
 * The program's size as loaded: xlated instructions, JITed bytes and the
 * instructions the verifier processed (the figures beside each table).
 */
static void print_prog_size(const char *what, int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return;
	printf("prog %s: %u xlated insns, %u bytes JITed, %u insns verified\n",
	       what, info.xlated_prog_len / 8, info.jited_prog_len,
	       info.verified_insns);
}

/* Name prefix of the variants of the @i-th -b object: old:, b2:, b3: ... */
static void old_tag(char *buf, size_t len, unsigned int i)
{
	if (i)
		snprintf(buf, len, "b%u:", i + 1);
	else
		snprintf(buf, len, "old:");
}

/*
 * Loads @path; with @share, its maps are @share's maps of the same name,
 * except map @own (unless NULL), its own with @own_entries entries.
 */
static int load_obj_own(const char *path, struct bpf_object **obj, int big,
			struct bpf_object *share, const char *own,
			unsigned int own_entries)
{
	struct bpf_map *m, *o;
	int err;

	*obj = bpf_object__open_file(path, NULL);
	if (!*obj)
		return -errno;
	bpf_object__for_each_map(m, *obj) {
		bpf_map__set_pin_path(m, NULL);
		o = share && !strchr(bpf_map__name(m), '.') ?
		    bpf_object__find_map_by_name(share, bpf_map__name(m)) :
		    NULL;
		/* A build of another layout keeps its own (mirror_old()). */
		if (o && bpf_map__value_size(o) != bpf_map__value_size(m))
			o = NULL;
		if (own && !strcmp(bpf_map__name(m), own)) {
			o = NULL;
			bpf_map__set_max_entries(m, own_entries);
		}
		if (o && bpf_map__reuse_fd(m, bpf_map__fd(o)))
			fprintf(stderr, "bench: %s: cannot share %s\n", path,
				bpf_map__name(m));
		/* Sized maps: the object's default holds too few for 1M. */
		if (!strcmp(bpf_map__name(m), "rxl_rules4") ||
		    !strcmp(bpf_map__name(m), "rxl_rules6") ||
		    !strcmp(bpf_map__name(m), "rxl_rule_cnt"))
			bpf_map__set_max_entries(m, big ? RXL_MAX_RULE_SLOTS :
						 1 << 16);
	}
	err = bpf_object__load(*obj);
	if (err) {
		bpf_object__close(*obj);
		*obj = NULL;
	}
	return err;
}

static int load_obj_on(const char *path, struct bpf_object **obj, int big,
		       struct bpf_object *share)
{
	return load_obj_own(path, obj, big, share, NULL, 0);
}

static int load_obj(const char *path, struct bpf_object **obj, int big)
{
	return load_obj_on(path, obj, big, NULL);
}

/*
 * An -b object of the layout before the rules from anywhere moved into
 * the container value (main before issue 17's fifth pass: a value ends at
 * last_rank) has its own rxl_conts (load_obj_own()). Each live value of
 * this build is copied there, its rules from anywhere turned back into
 * what that build reads: a /0 shape (with the protocols) and its rule
 * keys, written into the shared rule maps under the value's set (this
 * build looks up no /0 TCP or UDP key: they change none of its verdicts).
 * Called once the containers are made, before the timing.
 */
#define OLD_CONT_SIZE	offsetof(struct rxl_container, any_mask)

struct old_cont_slot {
	__u64 live;
	__u8 buf[2][OLD_CONT_SIZE];
};

/* @c's any segments as a /0 shape and rule keys, for the old layout. */
static int old_any_keys(struct rxl_fw *fw, struct rxl_container *c)
{
	struct rxl_rule4_key k4;
	struct rxl_rule6_key k6;
	struct rxl_shape *sh;
	unsigned int a, i, fam;
	__u8 proto, *n;
	int err;

	for (a = 0; a < RXL_ANY_VALS; a++) {
		if (!(c->any_mask & RXL_ANY_BIT(a)))
			continue;
		fam = a < 2 ? 4 : 6;
		n = fam == 4 ? &c->nshapes4 : &c->nshapes6;
		sh = fam == 4 ? c->shapes4 : c->shapes6;
		proto = a & 1 ? IPPROTO_UDP : IPPROTO_TCP;
		for (i = 0; i < *n; i++)
			if (!sh[i].plen && !sh[i].any_proto)
				break;
		if (i == *n) {
			if (*n + (fam == 4 ? rxl_nout4(c) : rxl_nout6(c)) >=
			    RXL_MAX_SHAPES)
				return -E2BIG;
			memset(&sh[i], 0, sizeof(sh[i]));
			sh[i].protos = rxl_proto_bit(proto);
			(*n)++;
		} else if (sh[i].protos) {	/* 0: looked up for all */
			rxl_shape_add_proto(&sh[i], proto);
		}
		memset(&k4, 0, sizeof(k4));
		memset(&k6, 0, sizeof(k6));
		k4.set = k6.set = c->set;
		k4.set_hi = k6.set_hi = c->id >> RXL_TAG_ID_BITS;
		k4.proto = k6.proto = proto;
		err = fam == 4 ? bpf_map_update_elem(fw->rules4, &k4, &c->any[a], 0)
			       : bpf_map_update_elem(fw->rules6, &k6, &c->any[a], 0);
		if (err)
			return -errno;
	}
	return 0;
}

/*
 * Old map @m of the slot layout before rxl_cont_slot.folded: every live
 * value of this build copied there as it is (the container is the same).
 */
static int mirror_values(struct rxl_fw *fw, struct bpf_map *m)
{
	size_t vsz = bpf_map__value_size(m);
	__u32 id, max = bpf_map__max_entries(m);
	int ofd = bpf_map__fd(m), err = 0;
	__u8 *slot = calloc(1, vsz);

	if (!slot)
		return -ENOMEM;
	for (id = 0; !err && id < fw->max_conts && id < max; id++) {
		memcpy(slot, &fw->cont_mem[id], vsz);
		if (bpf_map_update_elem(ofd, &id, slot, 0))
			err = -errno;
	}
	free(slot);
	return err;
}

static int mirror_old(struct rxl_fw *fw, struct bpf_object *old)
{
	struct bpf_map *m = bpf_object__find_map_by_name(old, "rxl_conts");
	struct old_cont_slot os;
	struct rxl_container c;
	__u32 id, max;
	__u64 live;
	int ofd, err;

	if (!m || bpf_map__value_size(m) == sizeof(struct rxl_cont_slot))
		return 0;	/* same layout: maps shared */
	/* The layout before the folded counts: the same buffers. */
	if (bpf_map__value_size(m) == offsetof(struct rxl_cont_slot, folded))
		return mirror_values(fw, m);
	if (bpf_map__value_size(m) != sizeof(os))
		return -EINVAL;
	ofd = bpf_map__fd(m);
	max = bpf_map__max_entries(m);
	for (id = 0; id < fw->max_conts && id < max; id++) {
		live = fw->cont_mem[id].live;
		if (live != 1 && live != 2)
			continue;
		c = fw->cont_mem[id].buf[live - 1];
		err = old_any_keys(fw, &c);
		if (err)
			return err;
		memset(&os, 0, sizeof(os));
		os.live = 1;
		memcpy(os.buf[0], &c, OLD_CONT_SIZE);
		if (bpf_map_update_elem(ofd, &id, &os, 0))
			return -errno;
	}
	return 0;
}

/*
 * Issue 17's cases (rule counts @n_small and @n_big; see the top of the
 * file), with the program @prog, names prefixed with @tag.
 */
#define I17_CID	20

static void add_i17(const char *tag, int prog, unsigned int n_small,
		    unsigned int n_big)
{
	char c2[32], c2b[32], c1[32], hit[32];

	cont_addr(c2, sizeof(c2), I17_CID);
	cont_addr(c2b, sizeof(c2b), I17_CID + 1);
	cont_addr(c1, sizeof(c1), I17_CID + 2);
	fmt_src(n_small / 2, 32, 0, hit, sizeof(hit));
	add_variant("i17-vxlan-udp", n_small, prog, XDP_PASS,
		    "%svxlan-udp-2shapes-%u", tag, n_small);
	mk_frame_proto(&vars[nvars - 1].pkt, RXL_TUN_VXLAN, "12.0.0.1", c2,
		       IPPROTO_UDP, 8080);
	add_variant("i17-vxlan-tcp", n_small, prog, XDP_PASS,
		    "%svxlan-tcp-2shapes-%u", tag, n_small);
	mk_frame_proto(&vars[nvars - 1].pkt, RXL_TUN_VXLAN, hit, c2,
		       IPPROTO_TCP, 1500);
	add_variant("plain-i17-udp", n_small, prog, XDP_PASS,
		    "%splain-udp-2shapes-%u", tag, n_small);
	mk_frame_proto(&vars[nvars - 1].pkt, 0, "12.0.0.1", c2,
		       IPPROTO_UDP, 8080);
	add_variant("i17-vxlan-udp", n_big, prog, XDP_PASS,
		    "%svxlan-udp-2shapes-%u", tag, n_big);
	mk_frame_proto(&vars[nvars - 1].pkt, RXL_TUN_VXLAN, "12.0.0.1", c2b,
		       IPPROTO_UDP, 8080);
	add_variant("i17-vxlan-tcp-1shape", n_small, prog, XDP_PASS,
		    "%svxlan-tcp-1shape-%u", tag, n_small);
	mk_frame_proto(&vars[nvars - 1].pkt, RXL_TUN_VXLAN, hit, c1,
		       IPPROTO_TCP, 1500);
	add_variant("plain-i17-tcp-1shape", n_small, prog, XDP_PASS,
		    "%splain-tcp-1shape-%u", tag, n_small);
	mk_frame_proto(&vars[nvars - 1].pkt, 0, hit, c1, IPPROTO_TCP, 1500);
	/*
	 * A SYN no rule allows (default drop): the one case that enters the
	 * conntrack hook (both tables missed, nothing created, dropped).
	 */
	add_variant("i17-vxlan-tcp-refused", n_small, prog, XDP_DROP,
		    "%svxlan-tcp-refused-%u", tag, n_small);
	mk_frame_proto(&vars[nvars - 1].pkt, RXL_TUN_VXLAN, "12.0.0.1", c2,
		       IPPROTO_TCP, 1500);
}

static int prog_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

	return p ? bpf_program__fd(p) : -1;
}

static struct variant *find_var(const char *name)
{
	int i;

	for (i = 0; i < nvars; i++)
		if (!strcmp(vars[i].name, name))
			return &vars[i];
	return NULL;
}

static double med_of(const char *name, int rounds)
{
	struct variant *v = find_var(name);

	return v ? median(v->ns, rounds) : -1;
}

static double net_of(const char *name, int rounds)
{
	struct variant *v = find_var(name);

	return v ? median(v->net, rounds) : -1;
}

static void print_targets(int rounds, unsigned int max_rules)
{
	char hi[48], lo[48];
	double filt = med_of("xdp-filter", rounds), full, small, d;
	const char *tun[] = { "geneve", "nvgre" };
	int i;

	snprintf(hi, sizeof(hi), "vxlan-hit-%u", max_rules);
	snprintf(lo, sizeof(lo), "vxlan-hit-%u", rule_counts[0]);
	full = med_of(hi, rounds);
	small = med_of(lo, rounds);
	printf("\ntargets (medians):\n");
	if (filt > 0) {
		double net = net_of(hi, rounds);

		printf("  %-44s %6.1f vs %6.1f ns  %s\n",
		       "full VXLAN path <= xdp-filter all features", net, filt,
		       net <= filt ? "met" : "MISSED");
		printf("  %-44s %6.1f vs %6.1f ns  %s\n",
		       "  the same with the bench's restore (raw)", full, filt,
		       full <= filt ? "met" : "over");
	}
	printf("  %-44s %6.2fx       %s\n", "VXLAN cost at max rules / at 10",
	       full / small, full / small <= 1.2 ? "met" : "MISSED");
	for (i = 0; i < 2; i++) {
		char n[48];

		snprintf(n, sizeof(n), "%s-hit-%u", tun[i], max_rules);
		d = med_of(n, rounds) - full;
		printf("  %-44s %+6.1f ns     %s\n",
		       tun[i][0] == 'g' ? "GENEVE - VXLAN (<= 10 ns)" :
					  "NVGRE - VXLAN (<= 10 ns)",
		       d, d <= 10 ? "met" : "MISSED");
	}
}

/*
 * -C: connection tracking (issue 14; Documentation/performance.rst,
 * "Connection tracking"). Container CT_CID has -m rules, none of which
 * matches CT_PEER, and default drop: its established flow CT_PEER:CT_PPORT
 * <-> CT_PORT passes only through its entry in the table. The same
 * container's rule-allowed packets are the stateless path. A second
 * object (its own maps) holds container CT_CID + 1, the same rules with
 * egress default drop, whose allowed new flows are tracked on ingress; a
 * third, its twin, the same container without egress default drop (the
 * stateless new flow timed in an object of its own, like the tracked).
 * Objects that share every map but rxl_ct4 time the same hit with 1k to
 * 1M entries in the table. The tc egress program (-T) shares the first
 * object's maps. Every variant's events in rxl_ct_stats are checked
 * around each timing (ct_path_ok()).
 */
#define CT_CID		30
#define CT_PEER		"12.0.0.1"	/* in none of the rules */
#define CT_PORT		1500		/* the container's */
#define CT_PPORT	40000		/* the peer's */
#define CT_EPORT	45000		/* the container's, named by no rule */
#define CT_FRESH	100		/* single runs a round, fresh variants */
#define CT_OBJS		(NFLOWS + 5)
#define TCP_ACK		0x10

static const unsigned int ct_flows[] = { 1000, 10000, 100000, 1000000 };
#define NFLOWS (sizeof(ct_flows) / sizeof(ct_flows[0]))

static struct bpf_object *ct_objs[CT_OBJS];	/* closed at exit */
static unsigned int ct_nobjs;
/* The two objects of their own: egress default drop, and its twin without. */
static struct rxl_fw ct_fw_own[2];
static int ct_fw_own_open[2];

static int map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	return m ? bpf_map__fd(m) : -1;
}

/* The VTEP and the three tunnels every container is bound to. */
static int bench_tunnels(struct rxl_fw *fw)
{
	struct rxl_addr a;

	rxl_parse_addr(VTEP4, &a);
	if (rxl_fw_vtep_add(fw, &a, RXL_TUN_ALL) ||
	    rxl_fw_vni_add(fw, RXL_TUN_VXLAN, 100) ||
	    rxl_fw_vni_add(fw, RXL_TUN_GENEVE, 200) ||
	    rxl_fw_vni_add(fw, RXL_TUN_NVGRE, 300)) {
		fprintf(stderr, "bench: %s\n", rxl_fw_error(fw));
		return -1;
	}
	return 0;
}

static void ct_key(struct rxl_ct4_key *k, unsigned int cid, const char *local,
		   const char *remote, __u16 lport, __u16 rport)
{
	memset(k, 0, sizeof(*k));
	k->zone = cid;
	inet_pton(AF_INET, local, &k->local);
	inet_pton(AF_INET, remote, &k->remote);
	k->lport = lport;
	k->rport = rport;
	k->proto = IPPROTO_TCP;
}

/* An established entry at @k that the container opened, as the tc
 * program leaves it, expiring after the state's default timeout.
 */
static int ct_put(int fd, const struct rxl_ct4_key *k)
{
	struct rxl_ct_val v = { .state = RXL_CT_ESTABLISHED,
				.opener = RXL_CT_OUT };
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	v.expires = ts.tv_sec * 1000000000ULL + ts.tv_nsec +
		    rxl_ct_default_timeout(RXL_CT_ESTABLISHED) * 1000000000ULL;
	return bpf_map_update_elem(fd, k, &v, BPF_ANY) ? -errno : 0;
}

/*
 * @n entries in @fd: @k last (the measured flow, the newest), before it
 * n - 1 flows of the same container with other peers; the oldest must
 * still be there (the LRU evicted nothing).
 */
static int ct_fill(int fd, const struct rxl_ct4_key *k, unsigned int n)
{
	struct rxl_ct4_key o = *k;
	struct rxl_ct_val v;
	unsigned int i;

	for (i = 1; i < n; i++) {
		o.remote = htonl(0x0d000000 + i);	/* 13.0.0.0 + i */
		if (ct_put(fd, &o))
			return -errno;
	}
	if (ct_put(fd, k))
		return -errno;
	o.remote = htonl(0x0d000001);
	if (n > 1 && bpf_map_lookup_elem(fd, &o, &v)) {
		fprintf(stderr, "bench: %u flows: the table evicted\n", n);
		return -ENOSPC;
	}
	return 0;
}

/* The VXLAN ACK of ct_fill()'s flow @flow (peer 13.0.0.0 + @flow). */
static void mk_cold_frame(struct pkt *p, unsigned int flow)
{
	__u32 a = htonl(0x0d000000 + flow);
	char peer[16], cont[32];

	inet_ntop(AF_INET, &a, peer, sizeof(peer));
	cont_addr(cont, sizeof(cont), CT_CID);
	mk_frame_ports(p, RXL_TUN_VXLAN, peer, cont, IPPROTO_TCP, CT_PPORT,
		       CT_PORT, TCP_ACK);
}

/* A VXLAN ACK from the source rule @flow of container CT_CID allows. */
static void mk_allowed_frame(struct pkt *p, unsigned int flow)
{
	char src[32], cont[32];

	fmt_src(flow, 32, 0, src, sizeof(src));
	cont_addr(cont, sizeof(cont), CT_CID);
	mk_frame_ports(p, RXL_TUN_VXLAN, src, cont, IPPROTO_TCP, CT_PPORT,
		       CT_PORT, TCP_ACK);
}

/* A variant of -C, its path checked against @stats' event @stat. */
static struct variant *ct_variant(const char *group, unsigned int rules,
				  int prog, int want, int stats, int stat,
				  const char *name)
{
	struct variant *v = add_variant(group, rules, prog, want, "%s", name);

	v->ct_check = 1;
	v->ct_stats = stats;
	v->ct_stat = stat;
	return v;
}

/* Makes @v a fresh variant whose entry @k is deleted from @obj's tables. */
static void ct_fresh(struct variant *v, struct bpf_object *obj,
		     const struct rxl_ct4_key *k)
{
	v->fresh = CT_FRESH;
	v->ct_fd = map_fd(obj, "rxl_ct4");
	v->half_fd = map_fd(obj, "rxl_ct4_half");
	v->key = *k;
}

/*
 * Container CT_CID + 1 with default drop and @nrules rules, in an object
 * of its own (own maps, own JITed image): with egress default drop when
 * @edrop (its allowed new flows are tracked on ingress), else its twin,
 * which tracks nothing on ingress: the stateless new flow measured the
 * same way (a fresh single run's time depends on which object runs it:
 * Documentation/performance.rst, "The new flow, stage by stage").
 */
static int ct_own_world(const char *path, unsigned int nrules, int edrop,
			struct bpf_object **obj)
{
	struct rxl_rule *r = bench_rules(nrules, 1);
	struct rxl_fw *fw = &ct_fw_own[!!edrop];
	struct rxl_addr a;
	char addr[32];
	struct rxl_cont_spec s = {
		.id = CT_CID + 1, .addrs = &a, .naddrs = 1,
		.vnis = bench_vnis, .nvnis = 3, .rules = r, .nrules = nrules,
		.default_drop = true, .egress_drop = !!edrop,
	};
	int err = -ENOMEM;

	if (!r)
		return err;
	err = load_obj(path, obj, 1);
	if (err)
		goto out;
	ct_objs[ct_nobjs++] = *obj;
	err = rxl_fw_open_obj(fw, *obj);
	if (err)
		goto out;
	ct_fw_own_open[!!edrop] = 1;
	err = bench_tunnels(fw);
	if (err)
		goto out;
	cont_addr(addr, sizeof(addr), CT_CID + 1);
	rxl_parse_addr(addr, &a);
	err = rxl_fw_container_apply(fw, &s);
	if (err)
		fprintf(stderr, "bench: %s container: %s\n",
			edrop ? "egress-drop" : "its twin", rxl_fw_error(fw));
out:
	free(r);
	return err;
}

/*
 * The -C variants: @obj (@path) is the benchmark object @fw opened,
 * @base its XDP_DROP program; @tc_path the tc egress object.
 */
static int add_ct(struct rxl_fw *fw, struct bpf_object *obj, const char *path,
		  const char *tc_path, unsigned int nrules,
		  unsigned int max_flows, int base)
{
	int rx = prog_fd(obj, "rxlane_bench"), stats, tcbase, prog;
	char cont[32], econt[32], hit[32], name[48];
	struct bpf_object *e, *twin, *tc, *inst;
	struct rxl_ct4_key k, nk;
	struct variant *v;
	unsigned int i;

	fprintf(stderr, "bench: ct: loading %u rules, three times\n", nrules);
	if (make_container(fw, CT_CID, nrules, 1) ||
	    ct_own_world(path, nrules, 1, &e) ||
	    ct_own_world(path, nrules, 0, &twin))
		return -1;
	stats = map_fd(obj, "rxl_ct_stats");
	cont_addr(cont, sizeof(cont), CT_CID);
	cont_addr(econt, sizeof(econt), CT_CID + 1);
	fmt_src(nrules / 2, 32, 0, hit, sizeof(hit));
	ct_key(&k, CT_CID, cont, CT_PEER, CT_PORT, CT_PPORT);
	ct_key(&nk, CT_CID, cont, CT_PEER, CT_EPORT, CT_PPORT);
	if (ct_put(map_fd(obj, "rxl_ct4"), &k) ||
	    ct_put(map_fd(obj, "rxl_ct4"), &nk))
		return -1;

	/* Ingress, timed as bench_xdp times everything else. */
	snprintf(name, sizeof(name), "ct-hit-vxlan-%u", nrules);
	v = ct_variant("ct-hit", nrules, rx, XDP_PASS, stats,
		       RXL_CT_STAT_INGRESS, name);
	mk_frame_ports(&v->pkt, RXL_TUN_VXLAN, CT_PEER, cont, IPPROTO_TCP,
		       CT_PPORT, CT_PORT, TCP_ACK);
	snprintf(name, sizeof(name), "plain-ct-hit-%u", nrules);
	v = ct_variant("plain-ct-hit", nrules, rx, XDP_PASS, stats,
		       RXL_CT_STAT_INGRESS, name);
	mk_frame_ports(&v->pkt, 0, CT_PEER, cont, IPPROTO_TCP, CT_PPORT,
		       CT_PORT, TCP_ACK);
	/*
	 * The answer to a connection the container opened, on its
	 * ephemeral port, which no rule names (CT_PORT is in the rules'
	 * ports: the hit above pays their lookups).
	 */
	snprintf(name, sizeof(name), "ct-hit-eph-vxlan-%u", nrules);
	v = ct_variant("ct-hit-eph", nrules, rx, XDP_PASS, stats,
		       RXL_CT_STAT_INGRESS, name);
	mk_frame_ports(&v->pkt, RXL_TUN_VXLAN, CT_PEER, cont, IPPROTO_TCP,
		       CT_PPORT, CT_EPORT, TCP_ACK);
	snprintf(name, sizeof(name), "plain-ct-hit-eph-%u", nrules);
	v = ct_variant("plain-ct-hit-eph", nrules, rx, XDP_PASS, stats,
		       RXL_CT_STAT_INGRESS, name);
	mk_frame_ports(&v->pkt, 0, CT_PEER, cont, IPPROTO_TCP, CT_PPORT,
		       CT_EPORT, TCP_ACK);
	/*
	 * The plain hit as a stream: each run the next segment, 64 KiB + 1
	 * on, so that each writes the peer's sequence record into the entry;
	 * and the same program with a step of 0, which writes nothing.
	 */
	snprintf(name, sizeof(name), "plain-ct-hit-seq-moving-%u", nrules);
	v = ct_variant("plain-ct-hit-seq-moving", nrules,
		       prog_fd(obj, "rxlane_bench_seq_step"), XDP_PASS, stats,
		       RXL_CT_STAT_INGRESS, name);
	mk_frame_ports(&v->pkt, 0, CT_PEER, cont, IPPROTO_TCP, CT_PPORT,
		       CT_PORT, TCP_ACK);
	snprintf(name, sizeof(name), "plain-ct-hit-seq-same-%u", nrules);
	v = ct_variant("plain-ct-hit-seq-same", nrules,
		       prog_fd(obj, "rxlane_bench_seq_same"), XDP_PASS, stats,
		       RXL_CT_STAT_INGRESS, name);
	mk_frame_ports(&v->pkt, 0, CT_PEER, cont, IPPROTO_TCP, CT_PPORT,
		       CT_PORT, TCP_ACK);
	snprintf(name, sizeof(name), "stateless-vxlan-%u", nrules);
	v = ct_variant("stateless", nrules, rx, XDP_PASS, stats, -1, name);
	mk_frame_ports(&v->pkt, RXL_TUN_VXLAN, hit, cont, IPPROTO_TCP,
		       CT_PPORT, CT_PORT, TCP_ACK);
	snprintf(name, sizeof(name), "plain-stateless-%u", nrules);
	v = ct_variant("plain-stateless", nrules, rx, XDP_PASS, stats, -1,
		       name);
	mk_frame_ports(&v->pkt, 0, hit, cont, IPPROTO_TCP, CT_PPORT, CT_PORT,
		       TCP_ACK);
	/* Refused by the rules, in neither table: two lookups, a drop. */
	snprintf(name, sizeof(name), "ct-miss-vxlan-%u", nrules);
	v = ct_variant("ct-miss", nrules, rx, XDP_DROP, stats, -1, name);
	mk_frame_ports(&v->pkt, RXL_TUN_VXLAN, CT_PEER, cont, IPPROTO_TCP,
		       CT_PPORT, CT_PORT + 1, TCP_ACK);

	/* A new flow's first packet, each run on a table without it. */
	v = ct_variant("fresh-base", 0, base, XDP_DROP, stats, -1,
		       "fresh-xdp-drop");
	mk_frame(&v->pkt, 0, "11.0.0.1", "10.1.0.1", 1500);
	ct_fresh(v, obj, &k);
	v->key.lport = 1;	/* deletes nothing */
	snprintf(name, sizeof(name), "fresh-stateless-new-vxlan-%u", nrules);
	v = ct_variant("fresh", nrules, rx, XDP_PASS, stats, -1, name);
	mk_frame_ports(&v->pkt, RXL_TUN_VXLAN, hit, cont, IPPROTO_TCP,
		       CT_PPORT, CT_PORT, 0);
	ct_key(&nk, CT_CID, cont, hit, CT_PORT, CT_PPORT);
	ct_fresh(v, obj, &nk);
	snprintf(name, sizeof(name), "fresh-ct-new-vxlan-%u", nrules);
	v = ct_variant("fresh", nrules, prog_fd(e, "rxlane_bench"), XDP_PASS,
		       map_fd(e, "rxl_ct_stats"), RXL_CT_STAT_CREATE_IN, name);
	mk_frame_ports(&v->pkt, RXL_TUN_VXLAN, hit, econt, IPPROTO_TCP,
		       CT_PPORT, CT_PORT, 0);
	ct_key(&nk, CT_CID + 1, econt, hit, CT_PORT, CT_PPORT);
	ct_fresh(v, e, &nk);
	/* The same SYN to the twin: no egress drop, nothing tracked. */
	snprintf(name, sizeof(name), "fresh-twin-new-vxlan-%u", nrules);
	v = ct_variant("fresh", nrules, prog_fd(twin, "rxlane_bench"),
		       XDP_PASS, map_fd(twin, "rxl_ct_stats"), -1, name);
	mk_frame_ports(&v->pkt, RXL_TUN_VXLAN, hit, econt, IPPROTO_TCP,
		       CT_PPORT, CT_PORT, 0);
	ct_fresh(v, twin, &nk);

	/*
	 * The same hit with 1k..1M entries: one object per table, all
	 * tables of one size. The last is a second load of 1k: the spread
	 * between two loads of one program (where the JIT put it).
	 */
	for (i = 0; i <= NFLOWS; i++) {
		unsigned int n = ct_flows[i < NFLOWS ? i : 0];
		int copy = i == NFLOWS;

		if (n > max_flows)
			continue;
		fprintf(stderr, "bench: ct: %u flows\n", n);
		if (load_obj_own(path, &inst, 1, obj, "rxl_ct4",
				 max_flows + max_flows / 4))
			return -1;
		ct_objs[ct_nobjs++] = inst;
		if (ct_fill(map_fd(inst, "rxl_ct4"), &k, n))
			return -1;
		snprintf(name, sizeof(name), "ct-hit-vxlan-flows-%u%s", n,
			 copy ? "-copy" : "");
		v = ct_variant(copy ? "ct-flows-copy" : "ct-flows", n,
			       prog_fd(inst, "rxlane_bench"), XDP_PASS, stats,
			       RXL_CT_STAT_INGRESS, name);
		mk_frame_ports(&v->pkt, RXL_TUN_VXLAN, CT_PEER, cont,
			       IPPROTO_TCP, CT_PPORT, CT_PORT, TCP_ACK);
		if (copy)
			continue;
		/* The same table, each run another flow: cache-cold. */
		snprintf(name, sizeof(name), "ct-cold-vxlan-flows-%u", n);
		v = ct_variant("ct-cold", n, prog_fd(inst, "rxlane_bench"),
			       XDP_PASS, stats, RXL_CT_STAT_INGRESS, name);
		v->fresh = CT_FRESH;
		v->spread = n;
		v->spread_frame = mk_cold_frame;
		mk_cold_frame(&v->pkt, 1);
	}
	/* The stateless path cold: each run from another allowed source. */
	snprintf(name, sizeof(name), "stateless-cold-vxlan-%u", nrules);
	v = ct_variant("stateless-cold", nrules, rx, XDP_PASS, stats, -1, name);
	v->fresh = CT_FRESH;
	v->spread = nrules;
	v->spread_frame = mk_allowed_frame;
	mk_allowed_frame(&v->pkt, 1);

	/* Egress: the tc program on an skb, beside an empty tc program. */
	if (load_obj_on(tc_path, &tc, 1, obj)) {
		fprintf(stderr, "bench: cannot load %s\n", tc_path);
		return -1;
	}
	ct_objs[ct_nobjs++] = tc;
	print_prog_size(tc_path, prog_fd(tc, "rxlane_tc"));
	tcbase = prog_fd(obj, "tc_ok_base");
	prog = prog_fd(tc, "rxlane_tc");
	v = ct_variant("tc", 0, tcbase, TC_ACT_OK, stats, -1, "tc-empty");
	mk_frame_ports(&v->pkt, 0, cont, CT_PEER, IPPROTO_TCP, CT_PORT,
		       CT_PPORT, TCP_ACK);
	v = ct_variant("tc", 0, prog, TC_ACT_OK, stats, RXL_CT_STAT_EGRESS,
		       "tc-egress-established");
	mk_frame_ports(&v->pkt, 0, cont, CT_PEER, IPPROTO_TCP, CT_PORT,
		       CT_PPORT, TCP_ACK);
	v = ct_variant("tc", 0, prog, TC_ACT_OK, stats,
		       RXL_CT_STAT_EGRESS_UNTRACKED, "tc-egress-untracked");
	mk_frame_ports(&v->pkt, 0, cont, CT_PEER, IPPROTO_TCP, CT_PORT + 1,
		       CT_PPORT, TCP_ACK);
	v = ct_variant("tc", 0, prog, TC_ACT_OK, stats, -1,
		       "tc-egress-no-container");
	mk_frame_ports(&v->pkt, 0, "10.9.9.9", CT_PEER, IPPROTO_TCP, CT_PORT,
		       CT_PPORT, TCP_ACK);
	v = ct_variant("fresh-tc", 0, tcbase, TC_ACT_OK, stats, -1,
		       "fresh-tc-empty");
	mk_frame_ports(&v->pkt, 0, cont, CT_PEER, IPPROTO_TCP, CT_PORT + 2,
		       CT_PPORT, 0);
	ct_key(&nk, CT_CID, cont, CT_PEER, CT_PORT + 2, CT_PPORT);
	ct_fresh(v, obj, &nk);
	v = ct_variant("fresh-tc", 0, prog, TC_ACT_OK, stats,
		       RXL_CT_STAT_CREATE_OUT, "fresh-tc-egress-new");
	mk_frame_ports(&v->pkt, 0, cont, CT_PEER, IPPROTO_TCP, CT_PORT + 2,
		       CT_PPORT, 0);
	ct_fresh(v, obj, &nk);
	return 0;
}

/* Median over rounds of @a's figure over @b's (net figures with @net). */
static double pair_med(const char *a, const char *b, int rounds, int net)
{
	struct variant *x = find_var(a), *y = find_var(b);
	double q[MAX_ROUNDS];
	int r;

	if (!x || !y)
		return -1;
	for (r = 0; r < rounds; r++)
		q[r] = net ? x->net[r] / y->net[r] : x->ns[r] / y->ns[r];
	return median(q, rounds);
}

/* The same, both figures less @base's in the round first. */
static double pair_med_over(const char *a, const char *b, const char *base,
			    int rounds)
{
	struct variant *x = find_var(a), *y = find_var(b), *z = find_var(base);
	double q[MAX_ROUNDS];
	int r;

	if (!x || !y || !z)
		return -1;
	for (r = 0; r < rounds; r++)
		q[r] = (x->net[r] - z->ns[r]) / (y->net[r] - z->ns[r]);
	return median(q, rounds);
}

static double xfilt_of(const char *name, int rounds)
{
	struct variant *v = find_var(name);

	return v ? median(v->xfilt, rounds) : -1;
}

/* The egress program's cost per packet: what, variant, its baseline. */
static const char *const tc_costs[][3] = {
	{ "tc egress, established - empty tc", "tc-egress-established",
	  "tc-empty" },
	{ "tc egress, untracked - empty tc", "tc-egress-untracked",
	  "tc-empty" },
	{ "tc egress, no container - empty tc", "tc-egress-no-container",
	  "tc-empty" },
	{ "tc egress, new flow (fresh) - empty (fresh)",
	  "fresh-tc-egress-new", "fresh-tc-empty" },
};

/*
 * The sweep @kind-vxlan-flows-N: each N over the smallest, and the worst
 * against the goal, titled @what.
 */
static void print_flow_sweep(const char *kind, const char *what, int rounds,
			     unsigned int max_flows)
{
	char a[48], lo[48];
	double x, worst = 0;
	unsigned int i;

	snprintf(lo, sizeof(lo), "%s-vxlan-flows-%u", kind, ct_flows[0]);
	for (i = 1; i < NFLOWS && ct_flows[i] <= max_flows; i++) {
		snprintf(a, sizeof(a), "%s-vxlan-flows-%u", kind, ct_flows[i]);
		x = pair_med(a, lo, rounds, 1);
		printf("  %-50s %6.2fx\n", a, x);
		if (x > worst)
			worst = x;
	}
	if (worst > 0)
		printf("  %-50s %6.2fx  %s\n", what, worst,
		       worst <= 1.2 ? "met" : "MISSED");
}

/* Issue 14's goals, from the medians of the per-round ratios. */
static void print_ct_targets(int rounds, unsigned int nrules,
			     unsigned int max_flows)
{
	char hit[48], sl[48], a[48], b[48], lo[48];
	double x;
	unsigned int i;

	snprintf(hit, sizeof(hit), "ct-hit-vxlan-%u", nrules);
	snprintf(sl, sizeof(sl), "stateless-vxlan-%u", nrules);
	printf("\nconnection tracking targets (medians of per-round ratios):\n");
	x = xfilt_of(hit, rounds);
	printf("  %-50s %6.2fx  %s\n", "ct hit, VXLAN, net / xdp-filter (<= 0.8x)",
	       x, x > 0 && x <= 0.8 ? "met" : "MISSED");
	snprintf(a, sizeof(a), "ct-hit-eph-vxlan-%u", nrules);
	x = xfilt_of(a, rounds);
	printf("  %-50s %6.2fx  %s\n",
	       "ct hit, ephemeral port, net / xdp-filter (<= 0.8x)", x,
	       x > 0 && x <= 0.8 ? "met" : "MISSED");
	printf("  %-50s %6.2fx\n", "  ct hit, ephemeral port / stateless, net",
	       pair_med(a, sl, rounds, 1));
	printf("  %-50s %6.2fx\n", "  stateless VXLAN, net / xdp-filter",
	       xfilt_of(sl, rounds));
	printf("  %-50s %6.2fx\n", "  ct hit / stateless, VXLAN, net",
	       pair_med(hit, sl, rounds, 1));
	snprintf(a, sizeof(a), "fresh-ct-new-vxlan-%u", nrules);
	snprintf(b, sizeof(b), "fresh-stateless-new-vxlan-%u", nrules);
	x = pair_med(a, b, rounds, 1);
	printf("  %-50s %6.2fx  %s\n", "new flow tracked / stateless (<= 1.2x)",
	       x, x > 0 && x <= 1.2 ? "met" : "MISSED");
	printf("  %-50s %6.2fx\n", "  the same, both less fresh-xdp-drop",
	       pair_med_over(a, b, "fresh-xdp-drop", rounds));
	snprintf(b, sizeof(b), "fresh-twin-new-vxlan-%u", nrules);
	x = pair_med(a, b, rounds, 1);
	printf("  %-50s %6.2fx  %s\n",
	       "new flow tracked / stateless, twin objects (<= 1.2x)", x,
	       x > 0 && x <= 1.2 ? "met" : "MISSED");
	snprintf(a, sizeof(a), "fresh-stateless-new-vxlan-%u", nrules);
	printf("  %-50s %6.2fx\n", "  stateless: twin object / first object",
	       pair_med(b, a, rounds, 1));
	snprintf(a, sizeof(a), "ct-miss-vxlan-%u", nrules);
	printf("  %-50s %6.2fx\n", "  refused, ct miss / stateless pass, net",
	       pair_med(a, sl, rounds, 1));
	snprintf(a, sizeof(a), "ct-cold-vxlan-flows-%u", max_flows);
	snprintf(b, sizeof(b), "stateless-cold-vxlan-%u", nrules);
	printf("  %-50s %6.2fx\n", "  cache-cold: ct hit (max flows) / stateless",
	       pair_med(a, b, rounds, 1));
	print_flow_sweep("ct-hit", "flows: worst / 1000 flows (<= 1.2x)",
			 rounds, max_flows);
	print_flow_sweep("ct-cold",
			 "flows, cache-cold: worst / 1000 flows (<= 1.2x)",
			 rounds, max_flows);
	snprintf(a, sizeof(a), "ct-hit-vxlan-flows-%u-copy", ct_flows[0]);
	snprintf(lo, sizeof(lo), "ct-hit-vxlan-flows-%u", ct_flows[0]);
	printf("  %-50s %6.2fx\n", "  spread: a second load of 1000 flows",
	       pair_med(a, lo, rounds, 1));
	snprintf(a, sizeof(a), "plain-ct-hit-seq-moving-%u", nrules);
	snprintf(b, sizeof(b), "plain-ct-hit-seq-same-%u", nrules);
	printf("  %-50s %+6.1f ns\n",
	       "hit writing the sequence record - not (plain)",
	       med_of(a, rounds) - med_of(b, rounds));
	for (i = 0; i < sizeof(tc_costs) / sizeof(tc_costs[0]); i++)
		printf("  %-50s %+6.1f ns\n", tc_costs[i][0],
		       med_of(tc_costs[i][1], rounds) -
		       med_of(tc_costs[i][2], rounds));
}

/* Closes what add_ct() loaded. */
static void ct_close(void)
{
	int i;

	for (i = 0; i < 2; i++)
		if (ct_fw_own_open[i])
			rxl_fw_close(&ct_fw_own[i]);
	while (ct_nobjs)
		bpf_object__close(ct_objs[--ct_nobjs]);
}

static void write_json(const char *path, int rounds, unsigned int repeat,
		       int cpu)
{
	FILE *f = fopen(path, "w");
	int i;

	if (!f) {
		perror(path);
		return;
	}
	fprintf(f, "{\n  \"method\": \"BPF_PROG_TEST_RUN, interleaved, "
		   "pinned\",\n  \"rounds\": %d,\n  \"repeat\": %u,\n"
		   "  \"cpu\": %d,\n  \"variants\": [\n", rounds, repeat, cpu);
	for (i = 0; i < nvars; i++) {
		struct variant *v = &vars[i];

		fprintf(f, "    {\"name\": \"%s\", \"group\": \"%s\", "
			   "\"rules\": %u, \"min_ns\": %.2f, "
			   "\"median_ns\": %.2f, \"min_ratio\": %.3f, "
			   "\"median_ratio\": %.3f, \"restored\": %d, "
			   "\"net_median_ns\": %.2f, \"x_filter\": %.3f}%s\n",
			v->name, v->group, v->rules, minimum(v->ns, rounds),
			median(v->ns, rounds), minimum(v->ratio, rounds),
			median(v->ratio, rounds), v->restored,
			median(v->net, rounds), median(v->xfilt, rounds),
			i + 1 < nvars ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	fclose(f);
}

int main(int argc, char **argv)
{
	unsigned int repeat = 50000, max_rules = 1000000, i, k;
	const char *json = NULL, *filt_path = XDPFILTER_OBJ;
	struct bpf_object *obj, *filt = NULL;
	const char *old_path[MAX_OLD];
	int issue17 = 0, nold = 0, old_rxs[MAX_OLD], ct = 0;
	const char *tc_path = NULL;
	unsigned int max_flows = 1000000;
	struct bpf_object *olds[MAX_OLD] = {};
	char tag[16];
	struct variant *fv;
	int rounds = 40, cpu = 1, opt, base, r, rx;
	char cont[32], hit[32];
	struct variant *pair;
	struct rxl_fw fw;
	cpu_set_t set;

	while ((opt = getopt(argc, argv, "r:n:c:m:o:f:Ib:CT:F:")) != -1) {
		switch (opt) {
		case 'r': rounds = atoi(optarg); break;
		case 'n': repeat = atoi(optarg); break;
		case 'c': cpu = atoi(optarg); break;
		case 'm': max_rules = atoi(optarg); break;
		case 'o': json = optarg; break;
		case 'f': filt_path = optarg; break;
		case 'I': issue17 = 1; break;
		case 'C': ct = 1; break;
		case 'T': tc_path = optarg; break;
		case 'F': max_flows = atoi(optarg); break;
		case 'b':
			if (nold == MAX_OLD) {
				fprintf(stderr, "bench: at most %d -b\n",
					MAX_OLD);
				return 2;
			}
			old_path[nold++] = optarg;
			break;
		default: return 2;
		}
	}
	if (optind + 1 != argc || rounds < 1 || rounds > MAX_ROUNDS ||
	    !repeat || (ct && (!tc_path || issue17 || nold || max_rules < 2 ||
			       max_flows < ct_flows[0]))) {
		fprintf(stderr, "usage: bench_xdp [-r ROUNDS] [-n REPEAT] [-c CPU] [-m MAX_RULES] [-o JSON] [-f XDP_FILTER_OBJ] [-I] [-b OLD_BENCH_OBJ] BENCH_OBJ\n"
				"       bench_xdp -C -T TC_OBJ [-F MAX_FLOWS (>= 1000)] [-r ROUNDS] [-n REPEAT] [-c CPU] [-m MAX_RULES (>= 2)] [-o JSON] [-f XDP_FILTER_OBJ] BENCH_OBJ\n");
		return 2;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("sched_setaffinity");
		return 1;
	}
	libbpf_set_print(NULL);
	if (load_obj(argv[optind], &obj, 1)) {
		fprintf(stderr, "bench: cannot load %s\n", argv[optind]);
		return 1;
	}
	if (rxl_fw_open_obj(&fw, obj)) {
		fprintf(stderr, "bench: %s\n", rxl_fw_error(&fw));
		return 1;
	}
	rx = prog_fd(obj, "rxlane_bench");
	base = prog_fd(obj, "xdp_drop_base");
	print_prog_size(argv[optind], rx);
	for (i = 0; i < (unsigned int)nold; i++) {
		if (load_obj_on(old_path[i], &olds[i], 1, obj)) {
			fprintf(stderr, "bench: cannot load %s\n", old_path[i]);
			return 1;
		}
		old_rxs[i] = prog_fd(olds[i], "rxlane_bench");
		old_tag(tag, sizeof(tag), i);
		print_prog_size(tag, old_rxs[i]);
	}
	if (bench_tunnels(&fw))
		return 1;

	add_variant("baseline", 0, base, XDP_DROP, "xdp_drop");
	mk_frame(&vars[nvars - 1].pkt, 0, "11.0.0.1", "10.1.0.1", 1500);
	if (!load_obj(filt_path, &filt, 1)) {
		struct bpf_program *p = bpf_object__next_program(filt, NULL);

		add_variant("xdp-filter", 0, bpf_program__fd(p), XDP_PASS,
			    "xdp-filter");
		mk_frame(&vars[nvars - 1].pkt, 0, "11.0.0.1", "10.1.0.1",
			 1500);
	} else {
		fprintf(stderr, "bench: %s not loaded: no xdp-filter figures\n",
			filt_path);
	}
	pair = add_variant("artifact", 0, prog_fd(obj, "adjust_pair"),
			   XDP_DROP, "adjust-head-pair");
	mk_frame(&vars[nvars - 1].pkt, 0, "11.0.0.1", "10.1.0.1", 1500);
	/* Decapsulated, for no container: dropped (tunnel_no_container). */
	add_variant("host", 0, rx, XDP_DROP, "vxlan-no-container");
	mk_frame(&vars[nvars - 1].pkt, RXL_TUN_VXLAN, "11.0.0.1", "10.2.0.1",
		 1500);

	if (ct) {
		if (add_ct(&fw, obj, argv[optind], tc_path, max_rules,
			   max_flows, base))
			return 1;
		k = 0;
		goto timing;
	}
	if (issue17) {
		unsigned int big = max_rules < 10 ? 10 : max_rules;

		fprintf(stderr, "bench: issue 17 sets: 10, %u rules\n", big);
		if (make_container(&fw, I17_CID, 10, 0) ||
		    make_container(&fw, I17_CID + 1, big, 0) ||
		    make_container(&fw, I17_CID + 2, 10, 1))
			return 1;
		add_i17("", rx, 10, big);
		for (i = 0; i < (unsigned int)nold; i++) {
			old_tag(tag, sizeof(tag), i);
			add_i17(tag, old_rxs[i], 10, big);
		}
		k = 0;
		goto timing;
	}
	for (k = 0; k < NCOUNTS && rule_counts[k] <= max_rules; k++) {
		unsigned int n = rule_counts[k];

		fprintf(stderr, "bench: loading %u rules\n", n);
		if (make_container(&fw, k, n, 1))
			return 1;
		cont_addr(cont, sizeof(cont), k);
		fmt_src(n / 2, 32, 0, hit, sizeof(hit));
		add_variant("plain-hit", n, rx, XDP_PASS, "plain-hit-%u", n);
		mk_frame(&vars[nvars - 1].pkt, 0, hit, cont, 1500);
		add_variant("vxlan-hit", n, rx, XDP_PASS, "vxlan-hit-%u", n);
		mk_frame(&vars[nvars - 1].pkt, RXL_TUN_VXLAN, hit, cont, 1500);
		add_variant("geneve-hit", n, rx, XDP_PASS, "geneve-hit-%u", n);
		mk_frame(&vars[nvars - 1].pkt, RXL_TUN_GENEVE, hit, cont,
			 1500);
		add_variant("nvgre-hit", n, rx, XDP_PASS, "nvgre-hit-%u", n);
		mk_frame(&vars[nvars - 1].pkt, RXL_TUN_NVGRE, hit, cont, 1500);
		add_variant("vxlan-port-miss", n, rx, XDP_DROP,
			    "vxlan-port-miss-%u", n);
		mk_frame(&vars[nvars - 1].pkt, RXL_TUN_VXLAN, hit, cont, 2500);
		add_variant("vxlan-default-deny", n, rx, XDP_DROP,
			    "vxlan-default-deny-%u", n);
		mk_frame(&vars[nvars - 1].pkt, RXL_TUN_VXLAN, "12.0.0.1",
			 cont, 1500);
	}
	/*
	 * vxlan-hit-10 again, to an address whose cache slot vxlan-hit-10's
	 * container holds: the cost of an address found in the hash map.
	 */
	fprintf(stderr, "bench: loading 10 rules behind a taken cache slot\n");
	if (make_container(&fw, MISS_CID, 10, 1))
		return 1;
	cont_addr(cont, sizeof(cont), MISS_CID);
	fmt_src(5, 32, 0, hit, sizeof(hit));
	add_variant("acache-miss", 10, rx, XDP_PASS, "vxlan-hit-acache-miss-10");
	mk_frame(&vars[nvars - 1].pkt, RXL_TUN_VXLAN, hit, cont, 1500);

	/* Four shapes (prefix lengths 32/28/24/20) in one set. */
	if (max_rules >= 100000) {
		fprintf(stderr, "bench: loading 100000 rules in 4 shapes\n");
		if (make_container(&fw, NCOUNTS, 100000, 4))
			return 1;
		cont_addr(cont, sizeof(cont), NCOUNTS);
		fmt_src(3, 20, 5, hit, sizeof(hit));	/* rule 3: a /20 */
		add_variant("vxlan-hit-4shapes", 100000, rx, XDP_PASS,
			    "vxlan-hit-4shapes-100000");
		mk_frame(&vars[nvars - 1].pkt, RXL_TUN_VXLAN, hit, cont, 1500);
	}

	for (k = 0; k < (unsigned int)nold; k++) {
		int n0 = nvars;

		old_tag(tag, sizeof(tag), k);
		for (i = 0; i < (unsigned int)n0; i++) {
			struct variant *v;

			if (vars[i].prog != rx)
				continue;
			v = add_variant(vars[i].group, vars[i].rules,
					old_rxs[k], vars[i].want, "%s%s", tag,
					vars[i].name);
			v->pkt = vars[i].pkt;
		}
	}
	k = NCOUNTS;
	while (k > 0 && rule_counts[k - 1] > max_rules)
		k--;
timing:
	for (i = 0; i < (unsigned int)nold; i++)
		if (mirror_old(&fw, olds[i])) {
			fprintf(stderr, "bench: %s: cannot mirror the maps of the old layout\n",
				old_path[i]);
			return 1;
		}
	for (i = 0; i < (unsigned int)nvars; i++)
		vars[i].restored = vars[i].prog != base &&
				   vars[i].prog != pair->prog &&
				   strcmp(vars[i].group, "xdp-filter") &&
				   vars[i].want == XDP_PASS &&
				   strncmp(vars[i].group, "plain", 5);
	fprintf(stderr, "bench: %d variants, %d rounds of %u runs on CPU %d\n",
		nvars, rounds, repeat, cpu);
	for (r = 0; r < rounds; r++) {
		double b;

		if (time_variant(&vars[0], repeat, &b))
			return 1;
		vars[0].ns[r] = b;
		vars[0].ratio[r] = 1;
		for (i = 0; i < (unsigned int)nvars - 1; i++) {
			struct variant *v = &vars[1 + (i + r) % (nvars - 1)];

			if (time_variant(v, repeat, &v->ns[r]))
				return 1;
			v->ratio[r] = v->ns[r] / b;
		}
		/* One call: half of what the pair adds to XDP_DROP. */
		for (i = 0; i < (unsigned int)nvars; i++)
			vars[i].net[r] = vars[i].ns[r] - (vars[i].restored ?
					 (pair->ns[r] - b) / 2 : 0);
		fv = find_var("xdp-filter");
		for (i = 0; fv && i < (unsigned int)nvars; i++)
			vars[i].xfilt[r] = vars[i].net[r] / fv->ns[r];
	}

	printf("%-28s %9s %9s %9s %9s %9s %9s %9s\n", "variant", "rules",
	       "min_ns", "median_ns", "min_x", "median_x", "net_ns",
	       "x_filter");
	for (i = 0; i < (unsigned int)nvars; i++) {
		struct variant *v = &vars[i];
		char net[16] = "-";

		if (v->restored)
			snprintf(net, sizeof(net), "%.1f",
				 median(v->net, rounds));
		printf("%-28s %9u %9.1f %9.1f %9.2f %9.2f %9s %9.2f\n",
		       v->name, v->rules, minimum(v->ns, rounds),
		       median(v->ns, rounds), minimum(v->ratio, rounds),
		       median(v->ratio, rounds), net,
		       median(v->xfilt, rounds));
	}
	printf("net_ns: median over rounds of (ns - (adjust-head-pair - xdp_drop) "
	       "/ 2) for the\nvariants whose frame the benchmark object "
	       "restores with a bpf_xdp_adjust_head()\nthe real path does "
	       "not make\nx_filter: median over rounds of net_ns (ns if not "
	       "restored) / xdp-filter's ns\n");
	if (ct)
		print_ct_targets(rounds, max_rules, max_flows);
	else if (!issue17)
		print_targets(rounds, rule_counts[k - 1]);
	if (json)
		write_json(json, rounds, repeat, cpu);
	ct_close();
	rxl_fw_close(&fw);
	bpf_object__close(filt);
	for (i = 0; i < (unsigned int)nold; i++)
		bpf_object__close(olds[i]);
	bpf_object__close(obj);
	return 0;
}
