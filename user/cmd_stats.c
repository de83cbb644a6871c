// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_stats.c - rxlane stats [NAME] [watch SEC [count N]].
 *
 * Per container: packets and bytes passed and dropped; per rule: packets
 * and bytes it judged; for the whole fast path: drops by reason and other
 * events. watch prints rates (per second) over each interval.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cli.h"

struct cli_snap {
	struct cli_set *sets;
	unsigned int n;
	struct rxl_cont_counter *cont;		/* [n] */
	struct rxl_counter *spoof;		/* [n]: anti-spoofing drops */
	struct rxl_counter **rule;		/* [n][nrules], handle order */
	__u64 drops[RXL_DROP__MAX];
	__u64 events[RXL_STAT__MAX];
	double t;
};

static volatile sig_atomic_t cli_stop;

static void cli_on_signal(int sig)
{
	(void)sig;
	cli_stop = 1;
}

static double cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The sum over CPUs of counter @key of per-CPU map @fd. */
static void cli_sum_ctr(struct cli *c, int fd, __u32 key,
			struct rxl_counter *out, struct rxl_counter *percpu)
{
	int i;

	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(fd, &key, percpu))
		return;
	for (i = 0; i < c->fw.ncpus; i++) {
		out->packets += percpu[i].packets;
		out->bytes += percpu[i].bytes;
	}
}

static int cli_snap_rules(struct cli *c, const struct cli_set *s,
			  struct rxl_counter *out)
{
	struct rxl_counter *percpu = calloc(c->fw.ncpus, sizeof(*percpu));
	unsigned int *rank = calloc(s->nrules ?: 1, sizeof(*rank));
	struct rxl_rule *r = calloc(s->nrules ?: 1, sizeof(*r));
	__u32 *slot = calloc(s->nrules ?: 1, sizeof(*slot));
	unsigned int i;
	int err = 0;

	if (!percpu || !rank || !r || !slot) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < s->nrules; i++)
		cli_rule_to_fw(&s->rules[i], &r[i]);
	/* Not in the fast path as we know it: zeros. */
	if (rxl_fw_rule_slots(&c->fw, s->cont.id, r, s->nrules, slot))
		goto out;
	cli_rule_ranks(s->rules, s->nrules, rank);
	for (i = 0; i < s->nrules; i++)
		if (slot[rank[i]] != RXL_NO_RULE)	/* shadowed: zeros */
			cli_sum_ctr(c, c->fw.rule_cnt, slot[rank[i]], &out[i],
				    percpu);
out:
	free(percpu);
	free(rank);
	free(r);
	free(slot);
	return err;
}

static void cli_snap_free(struct cli_snap *s)
{
	unsigned int i;

	for (i = 0; i < s->n; i++) {
		cli_set_free(&s->sets[i]);
		free(s->rule[i]);
	}
	free(s->sets);
	free(s->rule);
	free(s->cont);
	free(s->spoof);
	memset(s, 0, sizeof(*s));
}

static int cli_snap_alloc(struct cli *c, const char *name,
			  struct cli_snap *s)
{
	struct cli_cont *all;
	unsigned int n, i;
	int err;

	if (cli_cont_all(c, &all, &n))
		return CLI_ERR;
	for (i = 0; name && i < n; i++)
		if (!strcmp(all[i].name, name))
			break;
	if (name && i == n) {
		free(all);
		return cli_err(c, CLI_ERR, name, "no container '%s'", name);
	}
	s->n = name ? 1 : n;
	s->sets = calloc(s->n ?: 1, sizeof(*s->sets));
	s->rule = calloc(s->n ?: 1, sizeof(*s->rule));
	s->cont = calloc(s->n ?: 1, sizeof(*s->cont));
	s->spoof = calloc(s->n ?: 1, sizeof(*s->spoof));
	err = s->sets && s->rule && s->cont && s->spoof ?
	      cli_sets_load(c, name ? &all[i] : all, s->n, s->sets) :
	      cli_err(c, CLI_ERR, NULL, "out of memory");
	for (i = 0; !err && i < s->n; i++) {
		s->rule[i] = calloc(s->sets[i].nrules ?: 1,
				    sizeof(struct rxl_counter));
		if (!s->rule[i])
			err = cli_err(c, CLI_ERR, NULL, "out of memory");
	}
	free(all);
	return err;
}

static int cli_snap_take(struct cli *c, const char *name, struct cli_snap *s)
{
	struct rxl_counter *percpu;
	unsigned int i;
	int err;

	memset(s, 0, sizeof(*s));
	err = cli_snap_alloc(c, name, s);
	percpu = calloc(c->fw.ncpus, sizeof(*percpu));
	if (!err && !percpu)
		err = cli_err(c, CLI_ERR, NULL, "out of memory");
	for (i = 0; !err && i < s->n; i++) {
		cli_sum_ctr(c, c->fw.spoof_cnt, s->sets[i].cont.id,
			    &s->spoof[i], percpu);
		if (!s->rule[i] ||
		    rxl_fw_container_counter(&c->fw, s->sets[i].cont.id,
					     &s->cont[i]) ||
		    cli_snap_rules(c, &s->sets[i], s->rule[i]))
			err = cli_fw_err(c, "reading counters");
	}
	if (!err && (rxl_fw_drop_counters(&c->fw, s->drops) ||
		     rxl_fw_stat_counters(&c->fw, s->events)))
		err = cli_fw_err(c, "reading counters");
	free(percpu);
	s->t = cli_now();
	if (err)
		cli_snap_free(s);
	return err;
}

/* ---- printing --------------------------------------------------------- */

static double cli_rate(__u64 now, __u64 before, double dt)
{
	return dt > 0 && now >= before ? (now - before) / dt : 0;
}

/*
 * " LABEL N pkts N bytes" (with "(N pps N Bps)" against @before) as text;
 * under -j packets, bytes (pps, bps) in object @key (NULL: the current).
 */
static void cli_print_ctr(struct cli *c, const char *key, const char *label,
			  const struct rxl_counter *now,
			  const struct rxl_counter *before, double dt)
{
	if (key)
		cli_open_object(c, key);
	cli_printf(c, " %s", label);
	cli_print_uint(c, CLI_ANY, "packets", " %llu pkts", now->packets);
	cli_print_uint(c, CLI_ANY, "bytes", " %llu bytes", now->bytes);
	if (before) {
		cli_print_real(c, CLI_ANY, "pps", " (%.1f pps",
			       cli_rate(now->packets, before->packets, dt));
		cli_print_real(c, CLI_ANY, "bps", " %.1f Bps)",
			       cli_rate(now->bytes, before->bytes, dt));
	}
	if (key)
		cli_close(c);
}

static void cli_print_set(struct cli *c, const struct cli_snap *s,
			  const struct cli_snap *p, unsigned int i)
{
	const struct cli_set *set = &s->sets[i];
	double dt = p ? s->t - p->t : 0;
	unsigned int k;

	/* The previous sample is comparable when the rules are the same. */
	if (p && (i >= p->n || p->sets[i].cont.id != set->cont.id ||
		  p->sets[i].nrules != set->nrules))
		p = NULL;
	cli_open_object(c, NULL);
	cli_print_str(c, CLI_ANY, "name", "container %s", set->cont.name);
	cli_print_uint(c, CLI_ANY, "id", " id %llu:", set->cont.id);
	cli_print_ctr(c, "pass", "pass", &s->cont[i].pass,
		      p ? &p->cont[i].pass : NULL, dt);
	cli_print_ctr(c, "drop", "drop", &s->cont[i].drop,
		      p ? &p->cont[i].drop : NULL, dt);
	/* Anti-spoofing (conntrack.rst): what it sent that was not its own. */
	cli_print_ctr(c, "spoof", "spoof", &s->spoof[i],
		      p ? &p->spoof[i] : NULL, dt);
	cli_print_nl(c);
	cli_open_array(c, "rules");
	for (k = 0; k < set->nrules; k++) {
		cli_open_object(c, NULL);
		cli_printf(c, "\t");
		cli_print_rule(c, &set->rules[k], CLI_ANY, CLI_ANY);
		cli_printf(c, ":");
		cli_print_ctr(c, NULL, "hits", &s->rule[i][k],
			      p ? &p->rule[i][k] : NULL, dt);
		cli_print_nl(c);
		cli_close(c);
	}
	cli_close(c);
	cli_close(c);
}

/* Drops by reason and events: the non-zero ones as text, all under -j. */
static void cli_print_global(struct cli *c, const struct cli_snap *s)
{
	unsigned int i;

	cli_open_object(c, "drops");
	cli_printf(c, "drops");
	for (i = 0; i < RXL_DROP__MAX; i++)
		cli_print_pair(c, s->drops[i] ? CLI_ANY : CLI_JSON,
			       rxl_drop_name(i), s->drops[i]);
	cli_print_nl(c);
	cli_close(c);
	cli_open_object(c, "events");
	cli_printf(c, "events");
	for (i = 0; i < RXL_STAT__MAX; i++)
		cli_print_pair(c, s->events[i] ? CLI_ANY : CLI_JSON,
			       rxl_stat_name(i), s->events[i]);
	cli_print_nl(c);
	cli_close(c);
}

/* One sample (@p: the one before, for rates), printed at once. */
static void cli_snap_print(struct cli *c, const struct cli_snap *s,
			   const struct cli_snap *p, bool global)
{
	unsigned int i;

	if (p)
		cli_print_real(c, CLI_ANY, "interval", "--- %.1f s\n",
			       s->t - p->t);
	cli_open_array(c, "containers");
	for (i = 0; i < s->n; i++)
		cli_print_set(c, s, p, i);
	cli_close(c);
	if (global)
		cli_print_global(c, s);
	cli_flush(c);
	c->printed = c->json;
}

static int cli_watch(struct cli *c, const char *name, __u32 sec, __u32 count)
{
	struct cli_snap prev, cur;
	__u32 done = 0;
	int err;

	signal(SIGINT, cli_on_signal);
	signal(SIGTERM, cli_on_signal);
	err = cli_snap_take(c, name, &prev);
	while (!err && !cli_stop && (!count || done < count)) {
		sleep(sec);
		if (cli_stop)
			break;
		err = cli_snap_take(c, name, &cur);
		if (err)
			break;
		cli_snap_print(c, &cur, &prev, !name);
		cli_snap_free(&prev);
		prev = cur;
		done++;
	}
	if (!err)
		cli_snap_free(&prev);
	return err;
}

int cmd_stats(struct cli *c, int argc, char **argv)
{
	const char *name = NULL;
	__u32 sec = 0, count = 0;
	struct cli_snap s;
	int i = 0, err;

	if (argc > i && !cli_is(argv[i], "watch"))
		name = argv[i++];
	if (argc > i) {
		if (!cli_is(argv[i], "watch"))
			return cli_usage_err(c, argv[i], "unexpected '%s'", argv[i]);
		if (cli_need_arg(c, argc, argv, i))
			return CLI_USAGE;
		if (cli_parse_u32(c, argv[i + 1], 3600, &sec, "interval"))
			return CLI_ERR;
		if (!sec)
			return cli_err(c, CLI_ERR, argv[i + 1],
				       "bad interval '%s' (1-3600)", argv[i + 1]);
		i += 2;
	}
	if (argc > i) {
		if (!sec || !cli_is(argv[i], "count"))
			return cli_usage_err(c, argv[i], "unexpected '%s'", argv[i]);
		if (cli_need_arg(c, argc, argv, i))
			return CLI_USAGE;
		if (cli_parse_u32(c, argv[i + 1], UINT32_MAX, &count, "count"))
			return CLI_ERR;
		i += 2;
	}
	if (argc > i)
		return cli_usage_err(c, argv[i], "unexpected '%s'", argv[i]);
	err = cli_fw_open(c);
	if (!err)
		err = cli_open_ro(c);
	if (err)
		return err;
	if (sec)
		return cli_watch(c, name, sec, count);
	err = cli_snap_take(c, name, &s);
	if (err)
		return err;
	cli_snap_print(c, &s, NULL, !name);
	cli_snap_free(&s);
	return 0;
}
