// SPDX-License-Identifier: GPL-2.0
/*
 * cli_sync.c - every change of the CLI goes through cli_sync(): one
 * container goes from an old state (its metadata and rules) to a new one,
 * first in the fast path's maps (fw.c: a rule set is replaced atomically),
 * then in the CLI's metadata. A step that fails undoes what it did, so a
 * refused change leaves both as they were.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "cli.h"

static bool cli_cont_moved(const struct cli_cont *a, const struct cli_cont *b)
{
	return a->id != b->id || a->naddrs != b->naddrs ||
	       memcmp(a->addrs, b->addrs, sizeof(a->addrs)) ||
	       strcmp(a->dev, b->dev);
}

static bool cli_vnis_differ(const struct cli_cont *a, const struct cli_cont *b)
{
	return a->nvnis != b->nvnis ||
	       memcmp(a->vnis, b->vnis, a->nvnis * sizeof(a->vnis[0]));
}

/* Bind the container to its tunnels (none: underlay only). */
static int cli_fw_bind(struct cli *c, const struct cli_set *s)
{
	if (rxl_fw_container_bind(&c->fw, s->cont.id, s->cont.vnis,
				  s->cont.nvnis))
		return cli_err(c, CLI_ERR, s->cont.name,
			       "VNIs of container '%s': %s", s->cont.name,
			       rxl_fw_error(&c->fw));
	return 0;
}

static bool cli_rules_differ(const struct cli_set *a, const struct cli_set *b)
{
	unsigned int i;

	if (a->nrules != b->nrules ||
	    a->cont.default_drop != b->cont.default_drop)
		return true;
	for (i = 0; i < a->nrules; i++)
		if (a->rules[i].handle != b->rules[i].handle ||
		    !cli_rule_same(&a->rules[i], &b->rules[i]))
			return true;
	return false;
}

int cli_fw_replace(struct cli *c, const struct cli_set *s)
{
	struct rxl_rule *r = calloc(s->nrules ?: 1, sizeof(*r));
	unsigned int i;
	int err;

	if (!r)
		return cli_err(c, CLI_ERR, NULL, "out of memory");
	for (i = 0; i < s->nrules; i++)
		cli_rule_to_fw(&s->rules[i], &r[i]);
	err = rxl_fw_rules_replace(&c->fw, s->cont.id, r, s->nrules,
				   s->cont.default_drop);
	free(r);
	if (err)
		return cli_err(c, CLI_ERR, s->cont.name,
			       "rules of container '%s': %s", s->cont.name,
			       rxl_fw_error(&c->fw));
	return 0;
}

static int cli_fw_add(struct cli *c, const struct cli_set *s)
{
	struct rxl_addr a[CLI_MAX_ADDRS];
	int ifindex = 0, err;
	unsigned int i;

	if (s->cont.dev[0]) {
		ifindex = if_nametoindex(s->cont.dev);
		if (!ifindex)
			return cli_err(c, CLI_ERR, s->cont.dev,
				       "no device '%s'", s->cont.dev);
	}
	for (i = 0; i < s->cont.naddrs; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		a[i].family = s->cont.addrs[i].family == 4 ? AF_INET : AF_INET6;
		memcpy(a[i].addr, s->cont.addrs[i].addr, 16);
	}
	if (rxl_fw_container_add(&c->fw, s->cont.id, a, s->cont.naddrs,
				 ifindex))
		return cli_err(c, CLI_ERR, s->cont.name,
			       "container '%s': %s", s->cont.name,
			       rxl_fw_error(&c->fw));
	err = s->cont.nvnis ? cli_fw_bind(c, s) : 0;
	if (!err && (s->nrules || s->cont.default_drop))
		err = cli_fw_replace(c, s);
	if (err)
		rxl_fw_container_del(&c->fw, s->cont.id);
	return err;
}

static int cli_fw_del(struct cli *c, const struct cli_set *s)
{
	int err = rxl_fw_container_del(&c->fw, s->cont.id);

	/* Gone from the fast path already (its maps were recreated): fine. */
	if (err && err != -ENOENT)
		return cli_err(c, CLI_ERR, s->cont.name,
			       "container '%s': %s", s->cont.name,
			       rxl_fw_error(&c->fw));
	return 0;
}

static int cli_fw_step(struct cli *c, const struct cli_set *from,
		       const struct cli_set *to)
{
	int err;

	if (!to)
		return cli_fw_del(c, from);
	if (!from || cli_cont_moved(&from->cont, &to->cont)) {
		if (from && cli_fw_del(c, from))
			return CLI_ERR;
		err = cli_fw_add(c, to);
		if (err && from)
			cli_fw_add(c, from);
		return err;
	}
	if (cli_vnis_differ(&from->cont, &to->cont)) {
		err = cli_fw_bind(c, to);
		if (err)
			return err;
	}
	if (cli_rules_differ(from, to)) {
		err = cli_fw_replace(c, to);
		if (err && cli_vnis_differ(&from->cont, &to->cont))
			cli_fw_bind(c, from);
		return err;
	}
	return 0;
}

/* ---- metadata ---------------------------------------------------------- */


/* The container as stored: with its rule count and highest priority. */
static void cli_cont_stamp(const struct cli_set *s, struct cli_cont *out)
{
	unsigned int i;

	*out = s->cont;
	out->nrules = s->nrules;
	out->max_prio = 0;
	for (i = 0; i < s->nrules; i++)
		if (s->rules[i].prio > out->max_prio)
			out->max_prio = s->rules[i].prio;
}

static int cli_meta_step(struct cli *c, const struct cli_set *from,
			 const struct cli_set *to)
{
	struct cli_cont stored;
	int err = cli_rec_write(c, from, to);

	if (to && !err) {
		cli_cont_stamp(to, &stored);
		if (bpf_map_update_elem(c->conts_fd, &to->cont.id, &stored, 0))
			err = -errno;
	}
	if (!err && from && (!to || to->cont.id != from->cont.id) &&
	    bpf_map_delete_elem(c->conts_fd, &from->cont.id) &&
	    errno != ENOENT)
		err = -errno;
	return err;
}

static double cli_ms(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1e3 + (b->tv_nsec - a->tv_nsec) / 1e6;
}

int cli_sync(struct cli *c, const struct cli_set *old,
	     const struct cli_set *new)
{
	int err;

	struct timespec t0, t1, t2;

	if (c->dry_run || (!old && !new))
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = cli_fw_step(c, old, new);
	if (err)
		return err;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	err = cli_meta_step(c, old, new);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	if (c->verbose)
		fprintf(stderr, "%s: container '%s': fast path %.1f ms, records %.1f ms\n",
			c->prog, (new ? new : old)->cont.name, cli_ms(&t0, &t1),
			cli_ms(&t1, &t2));
	if (!err)
		return 0;
	cli_meta_step(c, new, old);
	cli_fw_step(c, new, old);
	return cli_err(c, CLI_ERR, (new ? new : old)->cont.name,
		       "saving the metadata of container '%s': %s%s",
		       (new ? new : old)->cont.name, strerror(-err),
		       err == -E2BIG ? " (rule table full)" : "");
}
