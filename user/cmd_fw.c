// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_fw.c - rxlane fw add|del|list|flush: a container's ingress rules.
 *
 * Every rule has a handle, unique in its container and never reused.
 * Rules are judged by priority (lowest first), ties by handle. Each change
 * replaces the container's whole rule set in the fast path at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "cli.h"

static int cli_load_named(struct cli *c, const char *name, struct cli_set *s)
{
	struct cli_cont ct;
	int err = cli_find_cont(c, name, &ct);

	return err ?: cli_set_load(c, &ct, s);
}

/*
 * A rule judged after all others (no higher priority in the container) is
 * appended in place: no rule set is read or rewritten, only the keys it
 * touches (rxl_fw_rule_append) and its record. It is committed as every
 * change is (cli_sync.c): the record and the intent in one batch, then
 * the container's record, then the fast path, then the intent goes; a
 * command killed on the way is finished by the next from the records.
 * -EAGAIN: take the slow path, also when earlier rules shadow it (a
 * duplicate is shadowed).
 */
static int fw_add_fast(struct cli *c, const struct cli_cont *ct,
		       struct cli_rule *r)
{
	struct cli_intent in = { .magic = CLI_INTENT_MAGIC,
				 .flags = CLI_INTENT_OLD | CLI_INTENT_NEW };
	struct rxl_rule fr;
	int err;

	/* The NIC's step is cli_sync()'s (cli_hw.c). */
	if (!ct->nrules || r->prio < ct->max_prio || ct->hw)
		return -EAGAIN;
	cli_rule_to_fw(r, &fr);
	err = rxl_fw_rule_append_check(&c->fw, ct->id, &fr);
	if (err == -EAGAIN)
		return err;
	if (err)
		return cli_err(c, CLI_ERR, ct->name, "rules of container '%s': %s",
			       ct->name, rxl_fw_error(&c->fw));
	in.old = *ct;
	in.new = *ct;
	in.new.next_handle++;
	in.new.nrules++;
	in.new.max_prio = r->prio;
	err = cli_rec_commit_one(c, ct->id, r->handle, r, &in);
	if (err)
		return cli_err(c, CLI_ERR, ct->name,
			       "saving rule of container '%s': %s%s", ct->name,
			       strerror(-err),
			       err == -E2BIG ? " (rule table full)" : "");
	if (bpf_map_update_elem(c->conts_fd, &ct->id, &in.new, BPF_EXIST) ||
	    rxl_fw_rule_append(&c->fw, ct->id, &fr)) {
		/* Left to the recovery, which rebuilds it from the records. */
		err = cli_recover(c);
		return err ?: 0;
	}
	return cli_rec_finish(c, NULL) ? CLI_ERR : 0;
}

/* Same match, action and priority (the comment does not count). */
static const struct cli_rule *cli_dup(const struct cli_set *s,
				      const struct cli_rule *r)
{
	struct cli_rule a;
	unsigned int i;

	for (i = 0; i < s->nrules; i++) {
		a = s->rules[i];
		a.handle = r->handle;
		strcpy(a.comment, r->comment);
		if (cli_rule_same(&a, r))
			return &s->rules[i];
	}
	return NULL;
}

/* Any other rule: the container's whole set is compiled and replaced. */
static int fw_add_slow(struct cli *c, const struct cli_cont *ct,
		       const struct cli_rule *r)
{
	const struct cli_rule *d;
	struct cli_set old, new;
	int err = cli_set_load(c, ct, &old);

	if (err)
		return err;
	d = cli_dup(&old, r);
	if (d) {
		err = cli_err(c, CLI_ERR, ct->name,
			      "rule duplicates handle %u of container '%s'",
			      d->handle, ct->name);
		cli_set_free(&old);
		return err;
	}
	new = old;
	new.rules = malloc((old.nrules + 1) * sizeof(*r));
	if (!new.rules) {
		cli_set_free(&old);
		return cli_err(c, CLI_ERR, NULL, "out of memory");
	}
	memcpy(new.rules, old.rules, old.nrules * sizeof(*r));
	new.cont.next_handle++;
	new.rules[new.nrules++] = *r;
	err = cli_sync(c, &old, &new);
	free(new.rules);
	cli_set_free(&old);
	return err;
}

static int fw_add(struct cli *c, int argc, char **argv)
{
	struct cli_cont ct;
	struct cli_rule r;
	int err;

	if (argc < 1)
		return cli_usage_err(c, NULL, "usage: fw add NAME [in|out] allow|drop ...");
	err = cli_parse_rule(c, argc - 1, argv + 1, &r);
	if (!err)
		err = cli_open_rw(c);
	if (!err)
		err = cli_find_cont(c, argv[0], &ct);
	if (err)
		return err;
	r.handle = ct.next_handle;
	err = c->dry_run ? -EAGAIN : fw_add_fast(c, &ct, &r);
	if (!err && c->verbose)
		fprintf(stderr, "%s: rule appended in place\n", c->prog);
	if (err == -EAGAIN)
		err = fw_add_slow(c, &ct, &r);
	if (err)
		return err;
	cli_print_uint(c, CLI_ANY, "handle", "handle %llu\n", r.handle);
	cli_print_hw_done(c, ct.name);
	return 0;
}

static int fw_del(struct cli *c, int argc, char **argv)
{
	struct cli_set old, new;
	unsigned int i, k = 0;
	__u32 h;
	int err;

	if (argc != 3 || !cli_is(argv[1], "handle"))
		return cli_usage_err(c, argc > 1 ? argv[1] : NULL,
				     "usage: fw del NAME handle H");
	err = cli_parse_u32(c, argv[2], UINT32_MAX, &h, "handle");
	if (!err)
		err = cli_open_rw(c);
	if (!err)
		err = cli_load_named(c, argv[0], &old);
	if (err)
		return err;
	new = old;
	new.rules = malloc((old.nrules ?: 1) * sizeof(*new.rules));
	for (i = 0; new.rules && i < old.nrules; i++)
		if (old.rules[i].handle != h)
			new.rules[k++] = old.rules[i];
	new.nrules = k;
	if (!new.rules)
		err = cli_err(c, CLI_ERR, NULL, "out of memory");
	else if (k == old.nrules)
		err = cli_err(c, CLI_ERR, argv[2],
			      "container '%s' has no rule with handle %s",
			      argv[0], argv[2]);
	else
		err = cli_sync(c, &old, &new);
	if (!err)
		cli_print_hw_done(c, old.cont.name);
	free(new.rules);
	cli_set_free(&old);
	return err;
}

static int fw_flush(struct cli *c, int argc, char **argv)
{
	struct cli_set old, new;
	int err;

	if (argc != 1)
		return cli_usage_err(c, argc ? argv[1] : NULL,
				     "usage: fw flush NAME");
	err = cli_open_rw(c);
	if (!err)
		err = cli_load_named(c, argv[0], &old);
	if (err)
		return err;
	new = old;
	new.rules = NULL;
	new.nrules = 0;
	err = cli_sync(c, &old, &new);
	if (!err)
		cli_print_hw_done(c, old.cont.name);
	cli_set_free(&old);
	return err;
}

/*
 * A container's rules in the order they are judged: under its name as
 * text, each naming it under -j.
 */
static int fw_list_one(struct cli *c, const struct cli_set *s)
{
	unsigned int *order = cli_rule_order(s->rules, s->nrules), j;

	if (!order)
		return cli_err(c, CLI_ERR, NULL, "out of memory");
	cli_printf(c, "container %s default %s\n", s->cont.name,
		   s->cont.default_drop ? "drop" : "allow");
	for (j = 0; j < s->nrules; j++) {
		cli_open_object(c, NULL);
		cli_printf(c, "\t");
		cli_print_rule(c, &s->rules[order[j]], CLI_ANY, CLI_ANY);
		cli_print_str(c, CLI_JSON, "container", NULL, s->cont.name);
		cli_print_nl(c);
		cli_close(c);
	}
	free(order);
	return 0;
}

static int fw_list(struct cli *c, int argc, char **argv)
{
	struct cli_cont *all = NULL;
	struct cli_set *sets = NULL;
	unsigned int n = 0, i;
	int err;

	if (argc > 1)
		return cli_usage_err(c, argv[1], "unexpected '%s'", argv[1]);
	err = cli_open_ro(c);
	if (!err && argc) {
		all = malloc(sizeof(*all));
		n = 1;
		err = all ? cli_find_cont(c, argv[0], all) : CLI_ERR;
	} else if (!err && cli_cont_all(c, &all, &n)) {
		err = CLI_ERR;
	}
	if (!err) {
		sets = calloc(n ?: 1, sizeof(*sets));
		err = sets ? cli_sets_load(c, all, n, sets) : CLI_ERR;
	}
	if (!err)
		cli_open_array(c, "rules");
	for (i = 0; !err && i < n; i++)
		err = fw_list_one(c, &sets[i]);
	cli_close(c);
	for (i = 0; sets && i < n; i++)
		cli_set_free(&sets[i]);
	free(sets);
	free(all);
	return err;
}

static const struct cli_cmd fw_cmds[] = {
	{ "add", fw_add },
	{ "del", fw_del },
	{ "delete", fw_del },
	{ "list", fw_list },
	{ "ls", fw_list },
	{ "flush", fw_flush },
	{ NULL, NULL },
};

int cmd_fw(struct cli *c, int argc, char **argv)
{
	return cli_dispatch(c, fw_cmds, "fw command", argc, argv);
}
