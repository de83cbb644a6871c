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

/* The container's value in the fast path: where its rule counters are. */
static int cli_fp_cont(struct cli *c, const struct cli_cont *ct,
		       struct rxl_container *v)
{
	const struct cli_addr *a = &ct->addrs[0];

	if (bpf_map_lookup_elem(a->family == 4 ? c->fw.addrs4 : c->fw.addrs6,
				a->addr, v))
		return -errno;
	return 0;
}

static void cli_sum_rule(struct cli *c, __u32 slot, struct rxl_counter *out,
			 struct rxl_counter *percpu)
{
	int i;

	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(c->fw.rule_cnt, &slot, percpu))
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
	struct rxl_container v;
	unsigned int i;
	int err = 0;

	if (!percpu || !rank) {
		err = -ENOMEM;
		goto out;
	}
	if (cli_fp_cont(c, &s->cont, &v) || v.nrules != s->nrules)
		goto out;	/* not in the fast path as we know it: zeros */
	cli_rule_ranks(s->rules, s->nrules, rank);
	for (i = 0; i < s->nrules; i++)
		cli_sum_rule(c, v.rule_base + rank[i], &out[i], percpu);
out:
	free(percpu);
	free(rank);
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
	err = s->sets && s->rule && s->cont ?
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
	unsigned int i;
	int err;

	memset(s, 0, sizeof(*s));
	err = cli_snap_alloc(c, name, s);
	for (i = 0; !err && i < s->n; i++) {
		if (!s->rule[i] ||
		    rxl_fw_container_counter(&c->fw, s->sets[i].cont.id,
					     &s->cont[i]) ||
		    cli_snap_rules(c, &s->sets[i], s->rule[i]))
			err = cli_fw_err(c, "reading counters");
	}
	if (!err && (rxl_fw_drop_counters(&c->fw, s->drops) ||
		     rxl_fw_stat_counters(&c->fw, s->events)))
		err = cli_fw_err(c, "reading counters");
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

static json_t *cli_ctr_json(const struct rxl_counter *now,
			    const struct rxl_counter *before, double dt)
{
	json_t *o = json_pack("{s:I, s:I}", "packets",
			      (json_int_t)now->packets, "bytes",
			      (json_int_t)now->bytes);

	if (before) {
		json_object_set_new(o, "pps", json_real(cli_rate(now->packets,
						       before->packets, dt)));
		json_object_set_new(o, "bps", json_real(cli_rate(now->bytes,
						       before->bytes, dt)));
	}
	return o;
}

static void cli_ctr_text(const char *what, const struct rxl_counter *now,
			 const struct rxl_counter *before, double dt)
{
	printf(" %s %llu pkts %llu bytes", what,
	       (unsigned long long)now->packets,
	       (unsigned long long)now->bytes);
	if (before)
		printf(" (%.1f pps %.1f Bps)",
		       cli_rate(now->packets, before->packets, dt),
		       cli_rate(now->bytes, before->bytes, dt));
}

static json_t *cli_set_stats(struct cli *c, const struct cli_snap *s,
			     const struct cli_snap *p, unsigned int i)
{
	const struct cli_set *set = &s->sets[i];
	json_t *rules = json_array(), *r;
	double dt = p ? s->t - p->t : 0;
	char buf[256];
	unsigned int k;

	/* The previous sample is comparable when the rules are the same. */
	if (p && (i >= p->n || p->sets[i].cont.id != set->cont.id ||
		  p->sets[i].nrules != set->nrules))
		p = NULL;
	if (!c->json) {
		printf("container %s id %u:", set->cont.name, set->cont.id);
		cli_ctr_text("pass", &s->cont[i].pass, p ? &p->cont[i].pass : NULL, dt);
		cli_ctr_text("drop", &s->cont[i].drop, p ? &p->cont[i].drop : NULL, dt);
		printf("\n");
	}
	for (k = 0; k < set->nrules; k++) {
		const struct rxl_counter *b = p ? &p->rule[i][k] : NULL;

		if (!c->json) {
			cli_fmt_rule(&set->rules[k], buf, sizeof(buf));
			printf("\thandle %u %s:", set->rules[k].handle, buf);
			cli_ctr_text("hits", &s->rule[i][k], b, dt);
			printf("\n");
			continue;
		}
		r = cli_ctr_json(&s->rule[i][k], b, dt);
		json_object_set_new(r, "handle",
				    json_integer(set->rules[k].handle));
		json_array_append_new(rules, r);
	}
	return json_pack("{s:s, s:I, s:o, s:o, s:o}", "name", set->cont.name,
			 "id", (json_int_t)set->cont.id, "pass",
			 cli_ctr_json(&s->cont[i].pass, p ? &p->cont[i].pass : NULL, dt),
			 "drop",
			 cli_ctr_json(&s->cont[i].drop, p ? &p->cont[i].drop : NULL, dt),
			 "rules", rules);
}

static json_t *cli_global_stats(struct cli *c, const struct cli_snap *s)
{
	json_t *drops = json_object(), *events = json_object();
	unsigned int i;

	for (i = 0; i < RXL_DROP__MAX; i++)
		json_object_set_new(drops, rxl_drop_name(i),
				    json_integer(s->drops[i]));
	for (i = 0; i < RXL_STAT__MAX; i++)
		json_object_set_new(events, rxl_stat_name(i),
				    json_integer(s->events[i]));
	if (!c->json) {
		printf("drops");
		for (i = 0; i < RXL_DROP__MAX; i++)
			if (s->drops[i])
				printf(" %s %llu", rxl_drop_name(i),
				       (unsigned long long)s->drops[i]);
		printf("\nevents");
		for (i = 0; i < RXL_STAT__MAX; i++)
			if (s->events[i])
				printf(" %s %llu", rxl_stat_name(i),
				       (unsigned long long)s->events[i]);
		printf("\n");
	}
	return json_pack("{s:o, s:o}", "drops", drops, "events", events);
}

static void cli_snap_print(struct cli *c, const struct cli_snap *s,
			   const struct cli_snap *p, bool global)
{
	json_t *doc = json_pack("{s:i}", "schema", CLI_SCHEMA);
	json_t *arr = json_array();
	unsigned int i;

	if (p) {
		json_object_set_new(doc, "interval", json_real(s->t - p->t));
		if (!c->json)
			printf("--- %.1f s\n", s->t - p->t);
	}
	for (i = 0; i < s->n; i++)
		json_array_append_new(arr, cli_set_stats(c, s, p, i));
	json_object_set_new(doc, "containers", arr);
	if (global) {
		json_t *g = cli_global_stats(c, s);

		json_object_update(doc, g);
		json_decref(g);
	}
	if (c->json) {
		json_dumpf(doc, stdout, c->pretty ? JSON_INDENT(2) : JSON_COMPACT);
		printf("\n");
		c->printed = true;
	}
	fflush(stdout);
	json_decref(doc);
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
