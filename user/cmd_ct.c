// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_ct.c - rxlane ct list|flush|stats|timeout: the connection tracking
 * tables (Documentation/conntrack.rst).
 *
 * The tables are the pinned rxl_ct4/rxl_ct6 beside the fast path's other
 * maps, and the half-open ones rxl_ct4_half/rxl_ct6_half (entries no
 * answer has followed yet). An entry's zone is its container's id; list
 * shows an entry as its opener sent it (src is who opened it), with the
 * seconds it has left. Expired entries are not shown (the datapath treats
 * them as misses).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "cli_bpffs.h"

#define CLI_CT_MAX_TIMEOUT	31536000	/* seconds: a year */

static const char *const cli_ct_states[RXL_CT_STATE__MAX] = {
	[RXL_CT_NONE] = "none",
	[RXL_CT_SYN_SENT] = "syn_sent",
	[RXL_CT_ESTABLISHED] = "established",
	[RXL_CT_FIN_WAIT] = "fin_wait",
	[RXL_CT_TIME_WAIT] = "time_wait",
	[RXL_CT_CLOSE] = "close",
	[RXL_CT_UDP] = "udp",
	[RXL_CT_UDP_STREAM] = "udp_stream",
	[RXL_CT_ICMP] = "icmp",
	[RXL_CT_SYN_RECV] = "syn_recv",
};

/* The states with a timeout, in the order of a connection's life. */
static const __u8 cli_ct_order[] = {
	RXL_CT_SYN_SENT, RXL_CT_SYN_RECV, RXL_CT_ESTABLISHED, RXL_CT_FIN_WAIT,
	RXL_CT_TIME_WAIT, RXL_CT_CLOSE, RXL_CT_UDP, RXL_CT_UDP_STREAM,
	RXL_CT_ICMP,
};
_Static_assert(sizeof(cli_ct_order) == RXL_CT_STATE__MAX - 1,
	       "every state with a timeout listed once");

static const char *const cli_ct_events[RXL_CT_STAT__MAX] = {
	[RXL_CT_STAT_CREATE_OUT] = "create_out",
	[RXL_CT_STAT_CREATE_IN] = "create_in",
	[RXL_CT_STAT_CREATE_FAILED] = "create_failed",
	[RXL_CT_STAT_INGRESS] = "ingress",
	[RXL_CT_STAT_EGRESS] = "egress",
	[RXL_CT_STAT_EGRESS_UNTRACKED] = "egress_untracked",
	[RXL_CT_STAT_EGRESS_DROP] = "egress_drop",
	[RXL_CT_STAT_REOPEN] = "reopen",
	[RXL_CT_STAT_EXPIRED] = "expired",
	[RXL_CT_STAT_SPOOF] = "spoof",
	[RXL_CT_STAT_RELATED] = "related",
	[RXL_CT_STAT_PROMOTE] = "promoted",
	[RXL_CT_STAT_FRAG_FOLLOWED] = "frag_followed",
	[RXL_CT_STAT_FRAG_NO_FIRST] = "frag_no_first",
	[RXL_CT_STAT_HALF_INSERTED] = "half_open_inserted",
	[RXL_CT_STAT_HALF_REMOVED] = "half_open_removed",
	[RXL_CT_STAT_HALF_FLUSHED] = "half_open_flushed",
	[RXL_CT_STAT_EGRESS_RELATED] = "egress_related",
	[RXL_CT_STAT_OTHER_PATH] = "other_path",
	[RXL_CT_STAT_SEQ_IGNORED] = "seq_ignored",
};

/*
 * The pinned tables: [0] IPv4, [1] IPv6, main and half-open; then the
 * timeouts and events.
 */
struct cli_ct {
	int tab[2];
	int half[2];
	int timeouts;
	int stats;
	struct cli_cont *conts;
	unsigned int nconts;
	long *half_flushed;	/* ct flush: half-open entries it deleted */
};

static void cli_ct_close(struct cli_ct *t)
{
	int *fds[] = { &t->tab[0], &t->tab[1], &t->half[0], &t->half[1],
		       &t->timeouts, &t->stats };
	unsigned int i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
	free(t->conts);
}

/*
 * The table @name: from the pin directory, or from the program attached
 * to the device whose maps a read adopted by fd (cli_bpffs.c: under 'ip
 * netns exec' the pins of the last command are gone).
 */
static int cli_ct_pin(struct cli *c, const char *name, __u32 ksz, __u32 vsz)
{
	char path[PATH_MAX + 32];
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd;

	if (c->maps_dir[0] == '/') {
		snprintf(path, sizeof(path), "%s/%s", c->maps_dir, name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			fd = -errno;
	} else {
		snprintf(path, sizeof(path), "%s of the program on %s", name,
			 c->maps_dir + strlen("dev "));
		fd = cli_attached_map(c->maps_dir + strlen("dev "), name);
	}
	if (fd < 0)
		return cli_err(c, CLI_ERR, path,
			       "no connection tracking table %s: %s (attach with this rxlane first)",
			       path, strerror(-fd)), -1;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.key_size != ksz ||
	    info.value_size != vsz) {
		close(fd);
		return cli_err(c, CLI_ERR, path,
			       "%s is not this rxlane's %s (another layout)",
			       path, name), -1;
	}
	return fd;
}

/* The tables and the container records; @rw: for a change. */
static int cli_ct_open(struct cli *c, struct cli_ct *t, bool rw)
{
	int err = rw ? cli_open_rw(c) : cli_open_ro(c);

	memset(t, 0, sizeof(*t));
	t->tab[0] = t->tab[1] = t->half[0] = t->half[1] = -1;
	t->timeouts = t->stats = -1;
	if (!err)
		err = cli_fw_open(c);
	if (err)
		return err;
	t->tab[0] = cli_ct_pin(c, "rxl_ct4", sizeof(struct rxl_ct4_key),
			       sizeof(struct rxl_ct_val));
	t->tab[1] = t->tab[0] < 0 ? -1 :
		    cli_ct_pin(c, "rxl_ct6", sizeof(struct rxl_ct6_key),
			       sizeof(struct rxl_ct_val));
	t->timeouts = t->tab[1] < 0 ? -1 :
		      cli_ct_pin(c, "rxl_ct_timeouts", sizeof(__u32),
				 sizeof(struct rxl_ct_timeouts));
	t->stats = t->timeouts < 0 ? -1 :
		   cli_ct_pin(c, "rxl_ct_stats", sizeof(__u32), sizeof(__u64));
	t->half[0] = t->stats < 0 ? -1 :
		     cli_ct_pin(c, "rxl_ct4_half", sizeof(struct rxl_ct4_key),
				sizeof(struct rxl_ct_val));
	t->half[1] = t->half[0] < 0 ? -1 :
		     cli_ct_pin(c, "rxl_ct6_half", sizeof(struct rxl_ct6_key),
				sizeof(struct rxl_ct_val));
	if (t->half[1] < 0)
		return CLI_ERR;
	if (cli_cont_all(c, &t->conts, &t->nconts))
		return cli_err(c, CLI_ERR, NULL, "out of memory");
	return 0;
}

static const char *cli_ct_zone_name(const struct cli_ct *t, __u32 zone)
{
	unsigned int i;

	for (i = 0; i < t->nconts; i++)
		if (t->conts[i].id == zone)
			return t->conts[i].name;
	return "-";
}

/* [NAME]: the zone asked for in *@zone, or -1 for all. */
static int cli_ct_zone(struct cli *c, int argc, char **argv, long *zone)
{
	struct cli_cont ct;
	int err;

	*zone = -1;
	if (!argc)
		return 0;
	err = cli_find_cont(c, argv[0], &ct);
	if (!err)
		*zone = ct.id;
	return err;
}

static __u64 cli_ct_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* An entry as the fields of the key, whichever its family. */
struct cli_ct_ent {
	__u32 zone;
	__u8 family, proto;
	__u16 lport, rport;
	__u8 local[16], remote[16];
	bool half;		/* in the half-open table */
	struct rxl_ct_val v;
};

static void cli_ct_unpack(int fam, const void *key, const struct rxl_ct_val *v,
			  struct cli_ct_ent *e)
{
	memset(e, 0, sizeof(*e));
	e->family = fam;
	e->v = *v;
	if (fam == 4) {
		const struct rxl_ct4_key *k = key;

		e->zone = k->zone;
		e->proto = k->proto;
		e->lport = k->lport;
		e->rport = k->rport;
		memcpy(e->local, &k->local, 4);
		memcpy(e->remote, &k->remote, 4);
	} else {
		const struct rxl_ct6_key *k = key;

		e->zone = k->zone;
		e->proto = k->proto;
		e->lport = k->lport;
		e->rport = k->rport;
		memcpy(e->local, k->local, 16);
		memcpy(e->remote, k->remote, 16);
	}
}

/*
 * The overlay path of an entry tracked through a tunnel: " vni
 * [TYPE:]VNI vtep ADDR" as text (VXLAN's type left out, as in 'container
 * list'), "tunnel": {"type", "vni", "vtep"} under -j; nothing for a flow
 * of the underlay.
 */
static void cli_ct_print_path(struct cli *c, const struct rxl_ct_val *v)
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };
	char vtep[INET6_ADDRSTRLEN];
	int t = v->tun >> 24;

	if (!v->tun)
		return;
	if (!memcmp(v->vtep, mapped, sizeof(mapped)))
		inet_ntop(AF_INET, v->vtep + 12, vtep, sizeof(vtep));
	else
		inet_ntop(AF_INET6, v->vtep, vtep, sizeof(vtep));
	cli_open_object(c, "tunnel");
	cli_printf(c, " vni ");
	cli_print_str(c, t == RXL_TUN_VXLAN ? CLI_JSON : CLI_ANY, "type",
		      "%s:", rxl_tun_type_name(t));
	cli_print_uint(c, CLI_ANY, "vni", "%llu", v->tun & 0xffffff);
	cli_print_str(c, CLI_ANY, "vtep", " vtep %s", vtep);
	cli_close(c);
}

/*
 * "NAME PROTO STATE src A dst B sport N dport M timeout S [vni V vtep
 * ADDR] [half-open]" (ICMP: "id N" for the ports), src being the side
 * that opened the connection.
 */
static void cli_ct_print(struct cli *c, const struct cli_ct *t,
			 const struct cli_ct_ent *e, __u64 now)
{
	bool out = e->v.opener == RXL_CT_OUT;
	int af = e->family == 4 ? AF_INET : AF_INET6;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	__u8 st = e->v.state < RXL_CT_STATE__MAX ? e->v.state : 0;

	inet_ntop(af, out ? e->local : e->remote, src, sizeof(src));
	inet_ntop(af, out ? e->remote : e->local, dst, sizeof(dst));
	cli_print_str(c, CLI_ANY, "container", "%s",
		      cli_ct_zone_name(t, e->zone));
	cli_print_uint(c, CLI_JSON, "zone", NULL, e->zone);
	cli_print_uint(c, CLI_JSON, "family", NULL, e->family);
	cli_print_str(c, CLI_ANY, "proto", " %s",
		      cli_proto_name(e->proto, true) ?: "other");
	cli_print_str(c, CLI_ANY, "state", " %s", cli_ct_states[st]);
	cli_print_str(c, CLI_ANY, "direction", " %s", out ? "out" : "in");
	cli_print_str(c, CLI_ANY, "src", " src %s", src);
	cli_print_str(c, CLI_ANY, "dst", " dst %s", dst);
	if (e->proto == IPPROTO_TCP || e->proto == IPPROTO_UDP) {
		cli_print_uint(c, CLI_ANY, "sport", " sport %llu",
			       out ? e->lport : e->rport);
		cli_print_uint(c, CLI_ANY, "dport", " dport %llu",
			       out ? e->rport : e->lport);
	} else {
		cli_print_uint(c, CLI_ANY, "id", " id %llu", e->lport);
	}
	cli_print_uint(c, CLI_ANY, "timeout", " timeout %llu",
		       (e->v.expires - now) / 1000000000ULL);
	cli_ct_print_path(c, &e->v);
	cli_print_bool(c, CLI_JSON, "half_open", NULL, e->half);
	if (e->half)
		cli_print_str(c, CLI_TEXT, NULL, " %s", "half-open");
	cli_print_nl(c);
}

typedef void cli_ct_fn(struct cli *c, const struct cli_ct *t, int fd,
		       const void *key, const struct cli_ct_ent *e, __u64 now);

/*
 * Walk table @fam of @t (@half: the half-open one), calling @fn on each
 * entry of @zone (-1: all); with @live, expired entries are skipped.
 * @fn NULL only counts them. Returns the count, or -errno.
 */
static long cli_ct_walk(struct cli *c, const struct cli_ct *t, int fam,
			bool half, long zone, bool live, cli_ct_fn *fn)
{
	int fd = half ? t->half[fam == 6] : t->tab[fam == 6];
	__u8 key[sizeof(struct rxl_ct6_key)], next[sizeof(key)];
	struct rxl_ct_val v;
	struct cli_ct_ent e;
	__u64 now = cli_ct_now();
	void *prev = NULL;
	long n = 0;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, sizeof(key));
		prev = key;
		if (bpf_map_lookup_elem(fd, key, &v))
			continue;	/* gone meanwhile */
		cli_ct_unpack(fam, key, &v, &e);
		e.half = half;
		if ((zone >= 0 && e.zone != zone) || (live && v.expires <= now))
			continue;
		if (fn)
			fn(c, t, fd, key, &e, now);
		n++;
	}
	return errno == ENOENT ? n : -errno;
}

/*
 * cli_ct_walk() over the four tables: IPv4 main and half-open, then
 * IPv6. Returns the count, or -errno.
 */
static long cli_ct_walk_all(struct cli *c, const struct cli_ct *t, long zone,
			    bool live, cli_ct_fn *fn)
{
	long n = 0, r;
	int i;

	for (i = 0; i < 4; i++) {
		r = cli_ct_walk(c, t, i < 2 ? 4 : 6, i & 1, zone, live, fn);
		if (r < 0)
			return r;
		n += r;
	}
	return n;
}

static void cli_ct_list_one(struct cli *c, const struct cli_ct *t, int fd,
			    const void *key, const struct cli_ct_ent *e,
			    __u64 now)
{
	(void)fd;
	(void)key;
	cli_open_object(c, NULL);
	cli_ct_print(c, t, e, now);
	cli_close(c);
}

static int ct_list(struct cli *c, int argc, char **argv)
{
	struct cli_ct t;
	long zone, n;
	int err;

	if (argc > 1)
		return cli_usage_err(c, argv[1], "usage: ct list [NAME]");
	err = cli_ct_open(c, &t, false) ?: cli_ct_zone(c, argc, argv, &zone);
	if (err) {
		cli_ct_close(&t);
		return err;
	}
	cli_open_array(c, "entries");
	n = cli_ct_walk_all(c, &t, zone, true, cli_ct_list_one);
	cli_close(c);
	cli_ct_close(&t);
	if (n < 0)
		return cli_err(c, CLI_ERR, NULL, "reading the tables: %s",
			       strerror((int)-n));
	if (c->json)
		json_object_set_new(cli_doc(c), "entry_count",
				    json_integer(n));
	return 0;
}

static void cli_ct_del_one(struct cli *c, const struct cli_ct *t, int fd,
			   const void *key, const struct cli_ct_ent *e,
			   __u64 now)
{
	(void)c;
	(void)e;
	(void)now;
	if (!bpf_map_delete_elem(fd, key) &&
	    (fd == t->half[0] || fd == t->half[1]))
		(*t->half_flushed)++;
}

/*
 * Add @n to the rxl_ct_stats slot @idx, one the programs never write
 * (RXL_CT_STAT_HALF_FLUSHED): its first CPU's value holds the sum.
 */
static void cli_ct_stat_add(const struct cli_ct *t, __u32 idx, long n)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *pc;

	if (!n || ncpu <= 0)
		return;
	pc = calloc(ncpu, sizeof(*pc));
	if (!pc)
		return;
	if (!bpf_map_lookup_elem(t->stats, &idx, pc)) {
		pc[0] += n;
		bpf_map_update_elem(t->stats, &idx, pc, BPF_ANY);
	}
	free(pc);
}

/*
 * The half-open entries the LRU evicted, as far as the counters tell:
 * every key inserted is removed by a promotion, by 'ct flush', or is
 * still there; the rest were evicted (Documentation/conntrack.rst, "A
 * full table": exact when no packet is tracked during the read).
 */
static __u64 cli_ct_evicted(const __u64 *sum, long live)
{
	__u64 gone = sum[RXL_CT_STAT_HALF_REMOVED] +
		     sum[RXL_CT_STAT_HALF_FLUSHED] + (__u64)live;

	return sum[RXL_CT_STAT_HALF_INSERTED] > gone ?
	       sum[RXL_CT_STAT_HALF_INSERTED] - gone : 0;
}

/*
 * Every entry of NAME (all without it) goes, live or not: its connection
 * is judged anew by its next packet. Deleting while walking may make the
 * walk restart; a second pass catches what the first one skipped.
 */
static int ct_flush(struct cli *c, int argc, char **argv)
{
	long zone, n = 0, r, pass, half_flushed = 0;
	struct cli_ct t;
	int err;

	if (argc > 1)
		return cli_usage_err(c, argv[1], "usage: ct flush [NAME]");
	err = cli_ct_open(c, &t, true) ?: cli_ct_zone(c, argc, argv, &zone);
	if (err) {
		cli_ct_close(&t);
		return err;
	}
	if (c->dry_run) {
		/* What a flush would say: the entries there now, live or not. */
		n = cli_ct_walk_all(c, &t, zone, false, NULL);
		cli_ct_close(&t);
		if (n < 0)
			return cli_err(c, CLI_ERR, NULL, "reading the tables: %s",
				       strerror((int)-n));
		cli_print_uint(c, CLI_JSON, "flushed_count", NULL, n);
		return 0;
	}
	t.half_flushed = &half_flushed;
	for (pass = 0; pass < 2; pass++) {
		r = cli_ct_walk_all(c, &t, zone, false, cli_ct_del_one);
		if (r < 0) {
			cli_ct_stat_add(&t, RXL_CT_STAT_HALF_FLUSHED,
					half_flushed);
			cli_ct_close(&t);
			return cli_err(c, CLI_ERR, NULL,
				       "flushing the tables: %s",
				       strerror((int)-r));
		}
		n += r;
	}
	cli_ct_stat_add(&t, RXL_CT_STAT_HALF_FLUSHED, half_flushed);
	cli_ct_close(&t);
	cli_print_uint(c, CLI_JSON, "flushed_count", NULL, n);
	return 0;
}

static long cli_ct_count(int fd)
{
	__u8 key[sizeof(struct rxl_ct6_key)], next[sizeof(key)];
	void *prev = NULL;
	long n = 0;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, sizeof(key));
		prev = key;
		n++;
	}
	return n;
}

static int ct_stats(struct cli *c, int argc, char **argv)
{
	int ncpu = libbpf_num_possible_cpus();
	struct bpf_map_info info = {};
	__u64 *pc, sum[RXL_CT_STAT__MAX] = {};
	__u32 len = sizeof(info), i;
	long live;
	struct cli_ct t;
	int err, k;

	if (argc)
		return cli_usage_err(c, argv[0], "usage: ct stats");
	err = cli_ct_open(c, &t, false);
	pc = ncpu > 0 ? calloc(ncpu, sizeof(*pc)) : NULL;
	if (!err && !pc)
		err = cli_err(c, CLI_ERR, NULL, "out of memory");
	if (err) {
		free(pc);
		cli_ct_close(&t);
		return err;
	}
	bpf_obj_get_info_by_fd(t.tab[0], &info, &len);
	cli_print_uint(c, CLI_ANY, "ipv4_count", "entries ipv4 %llu",
		       cli_ct_count(t.tab[0]));
	cli_print_uint(c, CLI_ANY, "ipv6_count", " ipv6 %llu",
		       cli_ct_count(t.tab[1]));
	cli_print_uint(c, CLI_ANY, "max_entries", " max %llu per family\n",
		       info.max_entries);
	len = sizeof(info);
	memset(&info, 0, sizeof(info));
	bpf_obj_get_info_by_fd(t.half[0], &info, &len);
	live = cli_ct_count(t.half[0]);
	cli_print_uint(c, CLI_ANY, "half_open_ipv4_count",
		       "half-open ipv4 %llu", live);
	k = cli_ct_count(t.half[1]);
	live += k;
	cli_print_uint(c, CLI_ANY, "half_open_ipv6_count", " ipv6 %llu", k);
	cli_print_uint(c, CLI_ANY, "half_open_max_entries",
		       " max %llu per family\n", info.max_entries);
	for (i = 0; i < RXL_CT_STAT__MAX; i++)
		if (!bpf_map_lookup_elem(t.stats, &i, pc))
			for (k = 0; k < ncpu; k++)
				sum[i] += pc[k];
	cli_print_uint(c, CLI_ANY, "half_open_evicted",
		       "half-open evicted %llu\n", cli_ct_evicted(sum, live));
	cli_open_object(c, "events");
	for (i = 0; i < RXL_CT_STAT__MAX; i++) {
		cli_printf(c, "%s %llu\n", cli_ct_events[i],
			   (unsigned long long)sum[i]);
		cli_print_uint(c, CLI_JSON, cli_ct_events[i], NULL, sum[i]);
	}
	cli_close(c);
	free(pc);
	cli_ct_close(&t);
	return 0;
}

/* The state whose timeout is called @name, or -1. */
static int cli_ct_state_of(const char *name)
{
	int i;

	for (i = RXL_CT_SYN_SENT; i < RXL_CT_STATE__MAX; i++)
		if (!strcmp(cli_ct_states[i], name))
			return i;
	return -1;
}

int cli_ct_timeout_word(struct cli *c, const char *state, const char *val,
			struct rxl_ct_timeouts *to)
{
	int st = cli_ct_state_of(state);
	__u32 sec = 0;

	if (st < 0)
		return cli_err(c, CLI_ERR, state,
			       "no timeout is named '%s' (syn_sent, syn_recv, established, fin_wait, time_wait, close, udp, udp_stream, icmp)",
			       state);
	if (!cli_is(val, "default") &&
	    (rxl_parse_u32(val, CLI_CT_MAX_TIMEOUT, &sec) || !sec))
		return cli_err(c, CLI_ERR, val,
			       "bad timeout '%s' (1-%u seconds or default)",
			       val, CLI_CT_MAX_TIMEOUT);
	to->sec[st] = sec;
	return 0;
}

const char *cli_ct_state_name(unsigned int state)
{
	return state >= RXL_CT_SYN_SENT && state < RXL_CT_STATE__MAX ?
	       cli_ct_states[state] : NULL;
}

int cli_ct_timeouts_fd(struct cli *c)
{
	int err = cli_fw_open(c);

	if (err)
		return -1;
	return cli_ct_pin(c, "rxl_ct_timeouts", sizeof(__u32),
			  sizeof(struct rxl_ct_timeouts));
}

/* [STATE SECONDS|default]: list the timeouts, or set one. */
static int ct_timeout(struct cli *c, int argc, char **argv)
{
	struct rxl_ct_timeouts to = {}, set = {};
	__u32 zero = 0, sec, k;
	struct cli_ct t;
	int i, st = -1, err;

	if (argc != 0 && argc != 2)
		return cli_usage_err(c, argc > 2 ? argv[2] : argv[0],
				     "usage: ct timeout [STATE SECONDS|default]");
	if (argc) {
		err = cli_ct_timeout_word(c, argv[0], argv[1], &set);
		if (err)
			return err;
		st = cli_ct_state_of(argv[0]);
	}
	err = cli_ct_open(c, &t, argc != 0);
	if (!err && bpf_map_lookup_elem(t.timeouts, &zero, &to))
		err = cli_err(c, CLI_ERR, NULL, "reading the timeouts: %s",
			      strerror(errno));
	if (!err && argc && !c->dry_run) {
		to.sec[st] = set.sec[st];
		if (bpf_map_update_elem(t.timeouts, &zero, &to, BPF_ANY))
			err = cli_err(c, CLI_ERR, NULL,
				      "writing the timeouts: %s",
				      strerror(errno));
	}
	cli_ct_close(&t);
	if (err || argc)
		return err;
	cli_open_object(c, "timeouts");
	for (k = 0; k < sizeof(cli_ct_order); k++) {
		i = cli_ct_order[k];
		sec = to.sec[i] ?: rxl_ct_default_timeout(i);
		cli_printf(c, "%s %u%s\n", cli_ct_states[i], sec,
			   to.sec[i] ? "" : " (default)");
		cli_print_uint(c, CLI_JSON, cli_ct_states[i], NULL, sec);
	}
	cli_close(c);
	/* What text marks "(default)": the states never set, or set back. */
	cli_open_array(c, "default");
	for (k = 0; k < sizeof(cli_ct_order); k++)
		if (!to.sec[cli_ct_order[k]])
			cli_print_str(c, CLI_JSON, NULL, NULL,
				      cli_ct_states[cli_ct_order[k]]);
	cli_close(c);
	return 0;
}

static const struct cli_cmd ct_cmds[] = {
	{ "list", ct_list },
	{ "ls", ct_list },
	{ "flush", ct_flush },
	{ "stats", ct_stats },
	{ "timeout", ct_timeout },
	{ NULL, NULL },
};

int cmd_ct(struct cli *c, int argc, char **argv)
{
	return cli_dispatch(c, ct_cmds, "ct command", argc, argv);
}
