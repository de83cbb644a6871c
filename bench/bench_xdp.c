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
 * rules, and one shape. -b OLD_BENCH_OBJ loads a second benchmark object
 * (another build) on the same maps and times every rxlane variant with
 * both, interleaved in the same rounds; -b may be given up to MAX_OLD
 * times (variants old:, b2:, b3: ...), to compare several builds at once. Every variant also gets its
 * median per-round ratio to xdp-filter.
 *
 *   bench_xdp [-r ROUNDS] [-n REPEAT] [-c CPU] [-m MAX_RULES]
 *             [-o JSON] [-f XDP_FILTER_OBJ] [-I] [-b OLD_BENCH_OBJ]
 *             BENCH_OBJ
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>

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

static int make_container(struct rxl_fw *fw, unsigned int cid, unsigned int n,
			  unsigned int shapes)
{
	static const unsigned int plens[] = { 32, 28, 24, 20 };
	struct rxl_rule *r = calloc(n, sizeof(*r));
	struct rxl_addr a;
	char addr[32];
	unsigned int i;
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
	for (i = 0; i < n; i++) {
		unsigned int plen = plens[shapes ? i % shapes : 0];

		r[i].prio = i;
		r[i].family = AF_INET;
		r[i].plen = plen;
		src_of(i, plen, r[i].src);
		r[i].proto = IPPROTO_TCP;
		r[i].dport_lo = 1000;
		r[i].dport_hi = 1999;
	}
	if (!shapes) {
		r[0].plen = 0;
		memset(r[0].src, 0, sizeof(r[0].src));
		r[0].proto = IPPROTO_UDP;
		r[0].dport_lo = r[0].dport_hi = 8080;
	}
	err = rxl_fw_rules_replace(fw, cid, r, n, true);
out:
	if (err)
		fprintf(stderr, "bench: container %u: %s\n", cid,
			rxl_fw_error(fw));
	free(r);
	return err;
}

static void mk_frame_proto(struct pkt *p, int tun, const char *src,
			   const char *dst, uint8_t proto, uint16_t dport)
{
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
	if (proto == IPPROTO_UDP)
		pk_udp(p, 40000, dport, -1);
	else
		pk_tcp(p, 40000, dport);
	pk_payload(p, 18);
	pk_finish(p);
}

static void mk_frame(struct pkt *p, int tun, const char *src, const char *dst,
		     uint16_t dport)
{
	mk_frame_proto(p, tun, src, dst, IPPROTO_TCP, dport);
}

/* ns per packet of @repeat runs of @v; checks the verdict. */
static int time_variant(struct variant *v, unsigned int repeat, double *ns)
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

/* Loads @path; with @share, its maps are @share's maps of the same name. */
static int load_obj_on(const char *path, struct bpf_object **obj, int big,
		       struct bpf_object *share)
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

static int load_obj(const char *path, struct bpf_object **obj, int big)
{
	return load_obj_on(path, obj, big, NULL);
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
	int issue17 = 0, nold = 0, old_rxs[MAX_OLD];
	struct bpf_object *olds[MAX_OLD] = {};
	char tag[16];
	struct variant *fv;
	int rounds = 40, cpu = 1, opt, base, r, rx;
	char cont[32], hit[32];
	struct variant *pair;
	struct rxl_fw fw;
	struct rxl_addr a;
	cpu_set_t set;

	while ((opt = getopt(argc, argv, "r:n:c:m:o:f:Ib:")) != -1) {
		switch (opt) {
		case 'r': rounds = atoi(optarg); break;
		case 'n': repeat = atoi(optarg); break;
		case 'c': cpu = atoi(optarg); break;
		case 'm': max_rules = atoi(optarg); break;
		case 'o': json = optarg; break;
		case 'f': filt_path = optarg; break;
		case 'I': issue17 = 1; break;
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
	    !repeat) {
		fprintf(stderr, "usage: bench_xdp [-r ROUNDS] [-n REPEAT] [-c CPU] [-m MAX_RULES] [-o JSON] [-f XDP_FILTER_OBJ] [-I] [-b OLD_BENCH_OBJ] BENCH_OBJ\n");
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
	rxl_parse_addr(VTEP4, &a);
	if (rxl_fw_vtep_add(&fw, &a, RXL_TUN_ALL) ||
	    rxl_fw_vni_add(&fw, RXL_TUN_VXLAN, 100) ||
	    rxl_fw_vni_add(&fw, RXL_TUN_GENEVE, 200) ||
	    rxl_fw_vni_add(&fw, RXL_TUN_NVGRE, 300)) {
		fprintf(stderr, "bench: %s\n", rxl_fw_error(&fw));
		return 1;
	}

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
	if (!issue17)
		print_targets(rounds, rule_counts[k - 1]);
	if (json)
		write_json(json, rounds, repeat, cpu);
	rxl_fw_close(&fw);
	bpf_object__close(filt);
	for (i = 0; i < (unsigned int)nold; i++)
		bpf_object__close(olds[i]);
	bpf_object__close(obj);
	return 0;
}
