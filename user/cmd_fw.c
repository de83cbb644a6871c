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

#include "cli.h"

/* Same match, action and priority (the comment does not count). */
static const struct cli_rule *cli_dup(const struct cli_set *s,
				      const struct cli_rule *r)
{
	struct cli_rule a;
	unsigned int i;

	for (i = 0; i < s->nrules; i++) {
		a = s->rules[i];
		strcpy(a.comment, r->comment);
		if (cli_rule_same(&a, r))
			return &s->rules[i];
	}
	return NULL;
}

static int cli_load_named(struct cli *c, const char *name, struct cli_set *s)
{
	struct cli_cont ct;
	int err = cli_find_cont(c, name, &ct);

	return err ?: cli_set_load(c, &ct, s);
}

static int fw_add(struct cli *c, int argc, char **argv)
{
	const struct cli_rule *d;
	struct cli_set old, new;
	struct cli_rule r;
	int err;

	if (argc < 1)
		return cli_usage_err(c, NULL, "usage: fw add NAME allow|drop ...");
	err = cli_parse_rule(c, argc - 1, argv + 1, &r);
	if (!err)
		err = cli_open_rw(c);
	if (!err)
		err = cli_load_named(c, argv[0], &old);
	if (err)
		return err;
	d = cli_dup(&old, &r);
	if (d) {
		err = cli_err(c, CLI_ERR, argv[0],
			      "rule duplicates handle %u of container '%s'",
			      d->handle, argv[0]);
		goto out;
	}
	new = old;
	new.rules = malloc((old.nrules + 1) * sizeof(r));
	if (!new.rules) {
		err = cli_err(c, CLI_ERR, NULL, "out of memory");
		goto out;
	}
	memcpy(new.rules, old.rules, old.nrules * sizeof(r));
	r.handle = new.cont.next_handle++;
	new.rules[new.nrules++] = r;
	err = cli_sync(c, &old, &new);
	if (!err && c->json)
		json_object_set_new(cli_doc(c), "handle",
				    json_integer(r.handle));
	else if (!err)
		printf("handle %u\n", r.handle);
	free(new.rules);
out:
	cli_set_free(&old);
	return err;
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
	cli_set_free(&old);
	return err;
}

static void fw_list_one(struct cli *c, const struct cli_set *s, json_t *arr)
{
	unsigned int i;
	char buf[256];
	json_t *o;

	if (!c->json)
		printf("container %s default %s\n", s->cont.name,
		       s->cont.default_drop ? "drop" : "allow");
	for (i = 0; i < s->nrules; i++) {
		if (c->json) {
			o = cli_rule_json(&s->rules[i]);
			json_object_set_new(o, "container",
					    json_string(s->cont.name));
			json_array_append_new(arr, o);
			continue;
		}
		cli_fmt_rule(&s->rules[i], buf, sizeof(buf));
		printf("\thandle %u %s\n", s->rules[i].handle, buf);
	}
}

static int fw_list(struct cli *c, int argc, char **argv)
{
	json_t *arr = json_array();
	struct cli_cont *all = NULL, one;
	unsigned int n, i;
	struct cli_set s;
	int err;

	if (argc > 1)
		return cli_usage_err(c, argv[1], "unexpected '%s'", argv[1]);
	err = cli_open_ro(c);
	if (!err && argc) {
		err = cli_find_cont(c, argv[0], &one);
		n = 1;
	} else if (!err && cli_cont_all(c, &all, &n)) {
		err = CLI_ERR;
	}
	for (i = 0; !err && i < n; i++) {
		err = cli_set_load(c, all ? &all[i] : &one, &s);
		if (err)
			break;
		fw_list_one(c, &s, arr);
		cli_set_free(&s);
	}
	free(all);
	if (!err && c->json)
		json_object_set_new(cli_doc(c), "rules", json_incref(arr));
	json_decref(arr);
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
