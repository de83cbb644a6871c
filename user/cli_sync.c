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

#include <bpf/bpf.h>

#include "cli.h"

static bool cli_cont_moved(const struct cli_cont *a, const struct cli_cont *b)
{
	return a->id != b->id || a->naddrs != b->naddrs ||
	       memcmp(a->addrs, b->addrs, sizeof(a->addrs)) ||
	       strcmp(a->dev, b->dev);
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
	if (!s->nrules && !s->cont.default_drop)
		return 0;
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
	if (cli_rules_differ(from, to))
		return cli_fw_replace(c, to);
	return 0;
}

/* ---- metadata ---------------------------------------------------------- */

static const struct cli_rule *cli_find_handle(const struct cli_set *s,
					      __u32 handle);

void cli_rule_match(__u32 id, const struct cli_rule *r,
		    struct cli_rule_match *k)
{
	memset(k, 0, sizeof(*k));
	k->id = id;
	k->prio = r->prio;
	k->family = r->family;
	k->plen = r->plen;
	k->proto = r->proto;
	k->drop = r->drop;
	memcpy(k->src, r->src, 16);
	k->dport_lo = r->dport_lo;
	k->dport_hi = r->dport_hi;
}

__u32 cli_rule_dup(struct cli *c, __u32 id, const struct cli_rule *r)
{
	struct cli_rule_match k;
	__u32 handle = 0;

	if (c->idx_fd < 0)
		return 0;
	cli_rule_match(id, r, &k);
	if (bpf_map_lookup_elem(c->idx_fd, &k, &handle))
		return 0;
	return handle;
}

/* Delete @n keys of @ksz bytes: in one batch, else one by one. */
static int cli_delete_keys(int fd, const void *keys, __u32 n, size_t ksz)
{
	__u32 done = n, i;

	if (!n || !bpf_map_delete_batch(fd, keys, &done, NULL))
		return 0;
	for (i = done; i < n; i++)
		if (bpf_map_delete_elem(fd, (const char *)keys + i * ksz) &&
		    errno != ENOENT)
			return -errno;
	return 0;
}

/* Rules of @a not in @b (same handle, same content), as index keys. */
static struct cli_rule_match *cli_index_only(const struct cli_set *a,
					     const struct cli_set *b,
					     __u32 **handles, __u32 *n)
{
	struct cli_rule_match *k = calloc(a->nrules ?: 1, sizeof(*k));
	const struct cli_rule *o;
	unsigned int i;

	*handles = calloc(a->nrules ?: 1, sizeof(**handles));
	*n = 0;
	for (i = 0; k && *handles && i < a->nrules; i++) {
		o = b && b->cont.id == a->cont.id ?
		    cli_find_handle(b, a->rules[i].handle) : NULL;
		if (o && cli_rule_same(o, &a->rules[i]))
			continue;
		cli_rule_match(a->cont.id, &a->rules[i], &k[*n]);
		(*handles)[(*n)++] = a->rules[i].handle;
	}
	if (!*handles) {
		free(k);
		k = NULL;
	}
	return k;
}

/* Index entries: drop @from's that @to lacks, add @to's that @from lacks. */
static int cli_meta_index(struct cli *c, const struct cli_set *from,
			  const struct cli_set *to)
{
	struct cli_rule_match *k;
	__u32 *h, n;
	int err = 0;

	if (from) {
		k = cli_index_only(from, to, &h, &n);
		if (!k)
			return -ENOMEM;
		err = cli_delete_keys(c->idx_fd, k, n, sizeof(*k));
		free(k);
		free(h);
	}
	if (to && !err) {
		k = cli_index_only(to, from, &h, &n);
		if (!k)
			return -ENOMEM;
		if (n && bpf_map_update_batch(c->idx_fd, k, h, &n, NULL))
			err = -errno;
		free(k);
		free(h);
	}
	return err;
}

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

static const struct cli_rule *cli_find_handle(const struct cli_set *s,
					      __u32 handle)
{
	struct cli_rule key = { .handle = handle };

	if (!s || !s->nrules)
		return NULL;
	return bsearch(&key, s->rules, s->nrules, sizeof(key),
		       cli_cmp_rule_handle);
}

/* Write @to's rules that @from lacks or has otherwise. */
static int cli_meta_put_rules(struct cli *c, const struct cli_set *from,
			      const struct cli_set *to)
{
	struct cli_rule_key *k = calloc(to->nrules ?: 1, sizeof(*k));
	struct cli_rule *v = calloc(to->nrules ?: 1, sizeof(*v));
	unsigned int i;
	__u32 n = 0;
	int err = 0;

	if (!k || !v) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < to->nrules; i++) {
		const struct cli_rule *o = cli_find_handle(from,
							   to->rules[i].handle);

		if (o && cli_rule_same(o, &to->rules[i]))
			continue;
		k[n].id = to->cont.id;
		k[n].handle = to->rules[i].handle;
		v[n++] = to->rules[i];
	}
	if (n && bpf_map_update_batch(c->rules_fd, k, v, &n, NULL))
		err = -errno;
out:
	free(k);
	free(v);
	return err;
}

/* Delete @from's rules that @to lacks. */
static int cli_meta_del_rules(struct cli *c, const struct cli_set *from,
			      const struct cli_set *to)
{
	struct cli_rule_key *k;
	unsigned int i;
	__u32 n = 0;
	int err;

	if (!from)
		return 0;
	k = calloc(from->nrules ?: 1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	for (i = 0; i < from->nrules; i++) {
		if (to && to->cont.id == from->cont.id &&
		    cli_find_handle(to, from->rules[i].handle))
			continue;
		k[n].id = from->cont.id;
		k[n++].handle = from->rules[i].handle;
	}
	err = cli_delete_keys(c->rules_fd, k, n, sizeof(*k));
	free(k);
	return err;
}

static int cli_meta_step(struct cli *c, const struct cli_set *from,
			 const struct cli_set *to)
{
	struct cli_cont stored;
	int err = cli_meta_index(c, from, to);

	if (to && !err) {
		cli_cont_stamp(to, &stored);
		err = cli_meta_put_rules(c, from, to);
		if (!err && bpf_map_update_elem(c->conts_fd, &to->cont.id,
						&stored, 0))
			err = -errno;
	}
	if (!err)
		err = cli_meta_del_rules(c, from, to);
	if (!err && from && (!to || to->cont.id != from->cont.id) &&
	    bpf_map_delete_elem(c->conts_fd, &from->cont.id) &&
	    errno != ENOENT)
		err = -errno;
	return err;
}

int cli_sync(struct cli *c, const struct cli_set *old,
	     const struct cli_set *new)
{
	int err;

	if (c->dry_run || (!old && !new))
		return 0;
	err = cli_fw_step(c, old, new);
	if (err)
		return err;
	err = cli_meta_step(c, old, new);
	if (!err)
		return 0;
	cli_meta_step(c, new, old);
	cli_fw_step(c, new, old);
	return cli_err(c, CLI_ERR, (new ? new : old)->cont.name,
		       "saving the metadata of container '%s': %s%s",
		       (new ? new : old)->cont.name, strerror(-err),
		       err == -E2BIG ? " (rule table full)" : "");
}
