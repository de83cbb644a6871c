// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_policy.c - rxlane policy check|diff|apply FILE.
 *
 * A policy file states every container and its rules. check parses it
 * with the commands' own parsers; diff compares it with what is
 * configured; apply makes the configuration equal to it: containers not in
 * the file are deleted, the others created or updated. Each container's
 * rule set is replaced atomically in the fast path; when any step fails,
 * the steps already taken are undone in reverse, so the whole file takes
 * effect or nothing changes. Rules equal to configured ones keep their
 * handles (and counters' meaning); new rules get new handles in file order.
 * export writes the configuration as a file that apply reads back to the
 * same configuration.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cli.h"
#include "policy.h"

struct pol_plan {
	struct cli_set *old, *new;
	unsigned int nold, nnew;
	int *old_of;		/* [nnew]: index into old, or -1 */
	bool *kept;		/* [nold]: named in the file */
	unsigned int nrules;
	bool tun;		/* the file states tunnels */
	struct pol_tun tun_old, tun_new;
	bool ct;		/* the file states ct_timeouts */
	int ct_fd;		/* the timeouts map, once read (-1 before) */
	struct rxl_ct_timeouts ct_old, ct_new;
};

static void pol_plan_free(struct pol_plan *p)
{
	unsigned int i;

	for (i = 0; i < p->nold; i++)
		cli_set_free(&p->old[i]);
	for (i = 0; i < p->nnew; i++)
		cli_set_free(&p->new[i]);
	free(p->old);
	free(p->new);
	free(p->old_of);
	free(p->kept);
	pol_tun_free(&p->tun_old);
	pol_tun_free(&p->tun_new);
	if (p->ct && p->ct_fd >= 0)
		close(p->ct_fd);
	memset(p, 0, sizeof(*p));
}

/* The current configuration: every container with its rules. */
static int pol_load_old(struct cli *c, struct pol_plan *p)
{
	struct cli_cont *all;
	int err = 0;

	if (cli_cont_all(c, &all, &p->nold))
		return CLI_ERR;
	p->old = calloc(p->nold ?: 1, sizeof(*p->old));
	p->kept = calloc(p->nold ?: 1, sizeof(*p->kept));
	if (!p->old || !p->kept)
		err = cli_err(c, CLI_ERR, NULL, "out of memory");
	if (!err)
		err = cli_sets_load(c, all, p->nold, p->old);
	free(all);
	return err;
}

/* Rule order by content: @comment too, or the match and action only. */
static int pol_cmp_rule(const struct cli_rule *x, const struct cli_rule *y,
			bool comment)
{
	size_t off = offsetof(struct cli_rule, prio);
	size_t end = offsetof(struct cli_rule, comment);
	int d = memcmp((const char *)x + off, (const char *)y + off, end - off);

	return d || !comment ? d : strcmp(x->comment, y->comment);
}

static int pol_cmp_match(const void *a, const void *b)
{
	return pol_cmp_rule(*(struct cli_rule *const *)a,
			    *(struct cli_rule *const *)b, false);
}

static int pol_cmp_full(const void *a, const void *b)
{
	return pol_cmp_rule(*(struct cli_rule *const *)a,
			    *(struct cli_rule *const *)b, true);
}

static struct cli_rule **pol_sorted(const struct cli_set *s,
				    int (*cmp)(const void *, const void *))
{
	struct cli_rule **v = calloc(s->nrules ?: 1, sizeof(*v));
	unsigned int i;

	for (i = 0; v && i < s->nrules; i++)
		v[i] = &s->rules[i];
	if (v)
		qsort(v, s->nrules, sizeof(*v), cmp);
	return v;
}

static int pol_no_dups(struct cli *c, const struct cli_set *s)
{
	struct cli_rule **v = pol_sorted(s, pol_cmp_match);
	unsigned int i;
	char buf[256];

	if (!v)
		return cli_err(c, CLI_ERR, NULL, "out of memory");
	for (i = 1; i < s->nrules; i++) {
		if (pol_cmp_match(&v[i - 1], &v[i]))
			continue;
		cli_fmt_rule(v[i], buf, sizeof(buf));
		free(v);
		return cli_err(c, CLI_ERR, s->cont.name,
			       "container '%s': rule '%s' given twice",
			       s->cont.name, buf);
	}
	free(v);
	return 0;
}

/* Handles: an unchanged rule keeps its own, a new one gets the next. */
static int pol_handles(struct cli *c, struct cli_set *s,
		       const struct cli_set *old)
{
	struct cli_rule **v = old ? pol_sorted(old, pol_cmp_full) : NULL;
	bool *used = calloc(old ? old->nrules + 1 : 1, sizeof(*used));
	struct cli_rule *key, **hit;
	unsigned int i;

	if ((old && !v) || !used) {
		free(v);
		free(used);
		return cli_err(c, CLI_ERR, NULL, "out of memory");
	}
	for (i = 0; i < s->nrules; i++) {
		key = &s->rules[i];
		hit = old ? bsearch(&key, v, old->nrules, sizeof(*v),
				    pol_cmp_full) : NULL;
		if (hit && !used[hit - v]) {
			used[hit - v] = true;
			key->handle = (*hit)->handle;
		} else {
			key->handle = s->cont.next_handle++;
		}
	}
	qsort(s->rules, s->nrules, sizeof(*s->rules), cli_cmp_rule_handle);
	free(v);
	free(used);
	return 0;
}

static int pol_rules(struct cli *c, const struct pol_cont *pc,
		     struct cli_set *s, const char *file)
{
	unsigned int k;
	int err = 0;

	s->rules = calloc(pc->nrules ?: 1, sizeof(*s->rules));
	if (!s->rules)
		return cli_err(c, CLI_ERR, NULL, "out of memory");
	c->ctx = file;
	c->ctx_name = s->cont.name;
	for (k = 0; k < pc->nrules && !err; k++) {
		c->ctx_rule = k + 1;	/* the message is made on error only */
		err = cli_parse_rule(c, pc->rules[k].argc, pc->rules[k].argv,
				     &s->rules[k]);
		s->nrules++;
	}
	c->ctx = c->ctx_name = NULL;
	c->ctx_rule = 0;
	return err;
}

/* Names and addresses are each used once in the file. */
static int pol_unique(struct cli *c, const struct pol_plan *p,
		      const struct cli_cont *ct)
{
	unsigned int i, j, k;
	char buf[64];

	for (i = 0; i < p->nnew; i++) {
		const struct cli_cont *o = &p->new[i].cont;

		if (!strcmp(o->name, ct->name))
			return cli_err(c, CLI_ERR, ct->name,
				       "container '%s' given twice", ct->name);
		if (ct->port[0] && o->port[0] &&
		    o->port_ifindex == ct->port_ifindex &&
		    o->netns_cookie == ct->netns_cookie)
			return cli_err(c, CLI_ERR, ct->port,
				       "interface '%s' in netns %s is the port of containers '%s' and '%s'",
				       ct->port, ct->netns, o->name, ct->name);
		for (j = 0; j < o->naddrs; j++)
			for (k = 0; k < ct->naddrs; k++) {
				if (memcmp(&o->addrs[j], &ct->addrs[k],
					   sizeof(ct->addrs[k])))
					continue;
				cli_fmt_addr(&ct->addrs[k], buf, sizeof(buf));
				return cli_err(c, CLI_ERR, buf,
					       "address '%s' is in containers '%s' and '%s'",
					       buf, o->name, ct->name);
			}
	}
	return 0;
}

static int pol_old_index(const struct pol_plan *p, const char *name)
{
	unsigned int i;

	for (i = 0; i < p->nold; i++)
		if (!strcmp(p->old[i].cont.name, name))
			return i;
	return -1;
}

static int pol_one(struct cli *c, const struct pol_cont *pc,
		   struct pol_plan *p, const char *file)
{
	struct cli_set *s = &p->new[p->nnew];
	char ctx[128];
	int err, o;

	snprintf(ctx, sizeof(ctx), "%s: container %u", file, p->nnew + 1);
	c->ctx = ctx;
	err = cli_parse_cont(c, pc->cont.argc, pc->cont.argv, &s->cont);
	/* Its port's ifindex and namespace cookie, read now (cmd_container.c). */
	if (!err)
		err = cli_port_resolve(c, &s->cont, NULL, 0);
	if (!err)
		err = pol_unique(c, p, &s->cont);
	if (!err)
		err = pol_tun_check_cont(c, &p->tun_new, &s->cont);
	c->ctx = NULL;
	if (err)
		return err;
	o = pol_old_index(p, s->cont.name);
	p->old_of[p->nnew++] = o;
	if (o >= 0) {
		s->cont.id = p->old[o].cont.id;
		s->cont.next_handle = p->old[o].cont.next_handle;
		p->kept[o] = true;
	}
	err = pol_rules(c, pc, s, file);
	if (!err) {
		c->ctx = file;
		err = pol_no_dups(c, s);
		c->ctx = NULL;
	}
	p->nrules += s->nrules;
	return err ?: pol_handles(c, s, o >= 0 ? &p->old[o] : NULL);
}

/* Ids for new containers: none in use before or after. */
static int pol_ids(struct cli *c, struct pol_plan *p)
{
	bool *taken = calloc(RXL_MAX_CONTAINERS, sizeof(*taken));
	unsigned int i;
	int err = 0;

	if (!taken)
		return cli_err(c, CLI_ERR, NULL, "out of memory");
	for (i = 0; i < p->nold; i++)
		taken[p->old[i].cont.id] = true;
	for (i = 0; i < p->nnew && !err; i++) {
		if (p->old_of[i] >= 0)
			continue;
		err = cli_free_id(c, taken, &p->new[i].cont.id);
		if (!err)
			taken[p->new[i].cont.id] = true;
	}
	free(taken);
	return err;
}

/*
 * The tunnels now and as the file wants them. The fast path's maps are
 * read for a file that states tunnels (and are open for apply); without
 * them there are none. Container addresses are checked against the
 * wanted VTEPs.
 */
static int pol_tunnels(struct cli *c, const struct policy *pol,
		       struct pol_plan *p, const char *file)
{
	int err = 0;

	if (p->tun)
		err = cli_fw_find(c);
	if (err && err != -ENOENT)
		return err;
	/* Without tunnels in the file only the VTEPs are needed (checks). */
	err = pol_tun_read(c, &p->tun_old, p->tun);
	if (!err) {
		c->ctx = file;
		err = pol_tun_want(c, &pol->tun, &p->tun_old, &p->tun_new);
		c->ctx = NULL;
	}
	return err;
}

/*
 * The file's ct_timeouts, checked by the ct commands' parser: every state
 * it names gets its value, the others their default (a file is the whole
 * configuration).
 */
static int pol_ct(struct cli *c, const struct policy *pol, struct pol_plan *p,
		  const char *file)
{
	int i, err = 0;

	p->ct = pol->has_ct;
	p->ct_fd = -1;
	c->ctx = file;
	for (i = 0; p->ct && i + 1 < pol->ct.argc && !err; i += 2)
		err = cli_ct_timeout_word(c, pol->ct.argv[i],
					  pol->ct.argv[i + 1], &p->ct_new);
	c->ctx = NULL;
	return err;
}

/* The timeouts in force, for diff and apply. */
static int pol_ct_read(struct cli *c, struct pol_plan *p)
{
	__u32 zero = 0;

	if (!p->ct)
		return 0;
	p->ct_fd = cli_ct_timeouts_fd(c);
	if (p->ct_fd < 0)
		return CLI_ERR;
	if (bpf_map_lookup_elem(p->ct_fd, &zero, &p->ct_old))
		return cli_err(c, CLI_ERR, NULL, "reading the timeouts: %s",
			       strerror(errno));
	return 0;
}

static int pol_build(struct cli *c, const char *file, struct pol_plan *p)
{
	struct policy pol;
	char why[512];
	unsigned int i;
	int err;

	memset(p, 0, sizeof(*p));
	if (policy_load(file, &pol, why, sizeof(why)))
		return cli_err(c, CLI_ERR, file, "%s", why);
	p->tun = pol.tun.has_vteps || pol.tun.has_vnis || pol.tun.has_ports;
	err = pol_tunnels(c, &pol, p, file) ?: pol_ct(c, &pol, p, file);
	if (!err)
		err = pol_load_old(c, p);
	p->new = calloc(pol.n ?: 1, sizeof(*p->new));
	p->old_of = calloc(pol.n ?: 1, sizeof(*p->old_of));
	if (!err && (!p->new || !p->old_of))
		err = cli_err(c, CLI_ERR, NULL, "out of memory");
	for (i = 0; i < pol.n && !err; i++)
		err = pol_one(c, &pol.conts[i], p, file);
	if (!err)
		err = pol_ids(c, p);
	policy_free(&pol);
	return err;
}

/* ---- showing changes --------------------------------------------------- */

struct pol_out {
	struct cli *c;
	unsigned int n;
	bool quiet;		/* apply without -v: the count only */
};

/*
 * One change of @object ("container", "rule", "vtep", "vni", "ports"):
 * of container @name (NULL for the tunnels), rule @r, or as @text says.
 */
static void pol_change_of(struct pol_out *o, const char *op,
			  const char *object, const char *name,
			  const struct cli_rule *r, const char *text)
{
	struct cli *c = o->c;
	char buf[256];

	o->n++;
	/* apply without -v counts: no text for a million rules. */
	if (!c->json && o->quiet)
		return;
	if (r) {
		cli_fmt_rule(r, buf, sizeof(buf));
		text = buf;
	}
	cli_open_object(c, NULL);
	cli_print_str(c, CLI_JSON, "op", NULL, op);
	cli_printf(c, "%s", !strcmp(op, "add") ? "+" :
		   !strcmp(op, "del") ? "-" : "~");
	cli_print_str(c, CLI_ANY, "object", " %s", object);
	if (name)
		cli_print_str(c, CLI_ANY, "container", " %s", name);
	if (r) {
		/* The text says it in words; JSON adds the handle. */
		cli_open_object(c, "rule");
		cli_print_rule(c, r, CLI_JSON, CLI_JSON);
		cli_close(c);
	}
	if (text)
		cli_print_str(c, CLI_ANY, "text", " %s", text);
	cli_print_nl(c);
	cli_close(c);
}

static void pol_change(struct pol_out *o, const char *op, const char *name,
		       const struct cli_rule *r, const char *text)
{
	pol_change_of(o, op, r ? "rule" : "container", name, r, text);
}

static void pol_tun_change(void *ctx, const char *op, const char *object,
			   const char *text)
{
	pol_change_of(ctx, op, object, NULL, NULL, text);
}

static void pol_cont_text(const struct cli_cont *ct, char *buf, size_t len)
{
	char a[64];
	size_t n;
	unsigned int i;

	n = snprintf(buf, len, "default %s%s",
		     ct->default_drop ? "drop" : "allow",
		     ct->egress_drop ? " egress-default drop" : "");
	for (i = 0; i < ct->naddrs && n < len; i++) {
		cli_fmt_addr(&ct->addrs[i], a, sizeof(a));
		n += snprintf(buf + n, len - n, " ip %s", a);
	}
	if (ct->nvnis && n < len) {
		n += snprintf(buf + n, len - n, " vni ");
		if (n < len)
			cli_fmt_vnis(ct, buf + n, len - n);
		n = strlen(buf);
	}
	if (ct->dev[0] && n < len) {
		cli_dev_now(ct, a);
		n += snprintf(buf + n, len - n, " dev %s", a);
	}
	if (ct->port[0] && n < len)
		n += snprintf(buf + n, len - n, " port %s netns %s", ct->port,
			      ct->netns);
	if (ct->has_mac && n < len) {
		n += snprintf(buf + n, len - n, " mac ");
		if (n < len)
			cli_fmt_mac(ct, buf + n, len - n);
		n = strlen(buf);
	}
	if (ct->cpus && n < len) {
		n += snprintf(buf + n, len - n, " cpus ");
		if (n < len)
			hw_fmt_cpus(ct->cpus, buf + n, len - n);
		n = strlen(buf);
	}
	if (ct->hw && n < len)
		snprintf(buf + n, len - n, " nic %s hw", ct->nic);
}

static bool pol_cont_differs(const struct cli_cont *a, const struct cli_cont *b)
{
	return a->default_drop != b->default_drop ||
	       a->egress_drop != b->egress_drop || a->naddrs != b->naddrs ||
	       memcmp(a->addrs, b->addrs, sizeof(a->addrs)) ||
	       a->nvnis != b->nvnis ||
	       memcmp(a->vnis, b->vnis, sizeof(a->vnis)) ||
	       !a->dev[0] != !b->dev[0] || cli_dev_ref(a) != cli_dev_ref(b) ||
	       a->has_mac != b->has_mac ||
	       strcmp(a->port, b->port) || strcmp(a->netns, b->netns) ||
	       a->port_ifindex != b->port_ifindex ||
	       (a->port[0] && a->netns_cookie != b->netns_cookie) ||
	       (a->has_mac && memcmp(a->mac, b->mac, sizeof(a->mac))) ||
	       a->hw != b->hw ||
	       strcmp(a->nic, b->nic) || a->cpus != b->cpus;
}

static void pol_rules_diff(struct pol_out *o, const struct cli_set *from,
			   const struct cli_set *to)
{
	const char *name = to ? to->cont.name : from->cont.name;
	unsigned int i = 0, j = 0, nf = from ? from->nrules : 0;
	unsigned int nt = to ? to->nrules : 0;

	/* Both sorted by handle: a merge. */
	while (i < nf || j < nt) {
		const struct cli_rule *f = i < nf ? &from->rules[i] : NULL;
		const struct cli_rule *t = j < nt ? &to->rules[j] : NULL;

		if (f && (!t || f->handle < t->handle)) {
			pol_change(o, "del", name, f, NULL);
			i++;
		} else if (t && (!f || t->handle < f->handle)) {
			pol_change(o, "add", name, t, NULL);
			j++;
		} else {
			i++;
			j++;
		}
	}
}

static void pol_diff(struct pol_out *o, const struct pol_plan *p)
{
	char buf[256];
	unsigned int i;

	pol_tun_diff(&p->tun_old, &p->tun_new, pol_tun_change, o);
	for (i = 0; p->ct && i < RXL_CT_STATE__MAX; i++) {
		if (p->ct_old.sec[i] == p->ct_new.sec[i])
			continue;
		if (p->ct_new.sec[i])
			snprintf(buf, sizeof(buf), "%s %u",
				 cli_ct_state_name(i), p->ct_new.sec[i]);
		else
			snprintf(buf, sizeof(buf), "%s default",
				 cli_ct_state_name(i));
		pol_change_of(o, "change", "ct_timeout", NULL, NULL, buf);
	}

	for (i = 0; i < p->nold; i++)
		if (!p->kept[i])
			pol_change(o, "del", p->old[i].cont.name, NULL, NULL);
	for (i = 0; i < p->nnew; i++) {
		const struct cli_set *old = p->old_of[i] >= 0 ?
					    &p->old[p->old_of[i]] : NULL;

		pol_cont_text(&p->new[i].cont, buf, sizeof(buf));
		if (!old)
			pol_change(o, "add", p->new[i].cont.name, NULL, buf);
		else if (pol_cont_differs(&old->cont, &p->new[i].cont))
			pol_change(o, "change", p->new[i].cont.name, NULL, buf);
		pol_rules_diff(o, old, &p->new[i]);
	}
}

/* ---- applying ---------------------------------------------------------- */

struct pol_step {
	const struct cli_set *from, *to;
};

/* Before containers are put back: no VTEP the file added stays in the way. */
static void pol_undo_vteps(struct cli *c, const struct pol_plan *p)
{
	struct pol_tun now;

	if (!p->tun || pol_tun_read(c, &now, false))
		return;
	pol_tun_apply(c, &now, &p->tun_old, POL_TUN_DEL);
	pol_tun_free(&now);
}

/* What the NIC did with a container the apply wrote (cli_hw.c). */
struct pol_hw {
	char name[CLI_NAME_MAX];
	__u32 state;			/* enum cli_hw_state */
	char reason[sizeof(((struct cli *)0)->hw_reason)];
};

/*
 * The containers with hw the apply wrote (every container of the file
 * with hw: an unchanged one is written again, and its NIC step tried
 * again), and whether the NIC holds each or why it fell back to XDP, as
 * container add says it: one line each ("NAME hw fallback (WHY)"),
 * "hw_containers" under -j.
 */
static void pol_print_hw(struct cli *c, const struct pol_hw *hw,
			 unsigned int n)
{
	unsigned int i;

	cli_open_array(c, "hw_containers");
	for (i = 0; i < n; i++) {
		cli_open_object(c, NULL);
		cli_print_str(c, CLI_ANY, "name", "%s", hw[i].name);
		cli_hw_print(c, hw[i].state, hw[i].reason);
		cli_print_nl(c);
		cli_close(c);
	}
	cli_close(c);
}

static int pol_apply(struct cli *c, const struct pol_plan *p)
{
	struct pol_step *st = calloc(p->nold + p->nnew + 1, sizeof(*st));
	struct pol_hw *hw = calloc(p->nnew + 1, sizeof(*hw));
	unsigned int i, n = 0, done, nhw = 0;
	int err = 0;

	if (!st || !hw) {
		free(st);
		free(hw);
		return cli_err(c, CLI_ERR, NULL, "out of memory");
	}
	/* Deletions first (they free addresses), then updates, then new. */
	for (i = 0; i < p->nold; i++)
		if (!p->kept[i])
			st[n++] = (struct pol_step){ &p->old[i], NULL };
	for (i = 0; i < p->nnew; i++)
		if (p->old_of[i] >= 0)
			st[n++] = (struct pol_step){ &p->old[p->old_of[i]],
						     &p->new[i] };
	for (i = 0; i < p->nnew; i++)
		if (p->old_of[i] < 0)
			st[n++] = (struct pol_step){ NULL, &p->new[i] };
	/* VTEPs go first (they free addresses), the other tunnels last. */
	err = p->tun ? pol_tun_apply(c, &p->tun_old, &p->tun_new,
				     POL_TUN_DEL) : 0;
	for (done = 0; done < n && !err; done++) {
		err = cli_sync(c, st[done].from, st[done].to);
		if (err || !c->hw_done || !st[done].to)
			continue;
		snprintf(hw[nhw].name, sizeof(hw[nhw].name), "%s",
			 st[done].to->cont.name);
		hw[nhw].state = c->hw_state;
		snprintf(hw[nhw].reason, sizeof(hw[nhw].reason), "%s",
			 c->hw_reason);
		nhw++;
	}
	if (err && done)
		done--;		/* the failed step undid itself */
	if (!err && p->tun)
		err = pol_tun_apply(c, &p->tun_old, &p->tun_new, POL_TUN_ADD);
	/* The timeouts last: one update of one element, whole or not at all. */
	if (!err && p->ct && !c->dry_run &&
	    memcmp(&p->ct_old, &p->ct_new, sizeof(p->ct_new)) &&
	    bpf_map_update_elem(p->ct_fd, &(__u32){ 0 }, &p->ct_new, BPF_ANY))
		err = cli_err(c, CLI_ERR, NULL, "writing the timeouts: %s",
			      strerror(errno));
	if (err) {
		pol_undo_vteps(c, p);
		while (done-- > 0)
			cli_sync(c, st[done].to, st[done].from);
		if (p->tun)
			pol_tun_restore(c, &p->tun_old);
	} else if (!c->dry_run) {
		pol_print_hw(c, hw, nhw);
	}
	free(hw);
	free(st);
	return err;
}

enum pol_verb { POL_CHECK, POL_DIFF, POL_APPLY };

static int pol_run(struct cli *c, int argc, char **argv, enum pol_verb verb)
{
	struct pol_out o = { .c = c };
	struct pol_plan p = { 0 };
	int err;

	o.quiet = verb == POL_APPLY && !c->verbose && !c->dry_run;
	if (argc != 1)
		return cli_usage_err(c, argc ? argv[1] : NULL,
				     "usage: policy check|diff|apply FILE");
	err = verb == POL_APPLY ? cli_open_rw(c) : cli_open_ro(c);
	if (!err)
		err = pol_build(c, argv[0], &p);
	if (!err && verb != POL_CHECK)
		err = pol_ct_read(c, &p);
	if (err)
		goto out;
	/* What the file holds: the text of check, also in diff's JSON. */
	if (verb == POL_CHECK)
		cli_printf(c, "%s: ", argv[0]);
	cli_print_uint(c, verb == POL_CHECK ? CLI_ANY : CLI_JSON,
		       "container_count", "%llu containers, ", p.nnew);
	cli_print_uint(c, verb == POL_CHECK ? CLI_ANY : CLI_JSON,
		       "rule_count", "%llu rules: ok\n", p.nrules);
	if (verb == POL_CHECK)
		goto out;
	cli_open_array(c, "changes");
	pol_diff(&o, &p);
	cli_close(c);
	if (verb == POL_APPLY)
		err = pol_apply(c, &p);
	if (!err && verb == POL_APPLY)
		cli_printf(c, "%u changes %s\n", o.n,
			   c->dry_run ? "would be applied (dry run)" : "applied");
out:
	pol_plan_free(&p);
	return err;
}

/* ---- export ----------------------------------------------------------- */

/* A rule as a file states it: the listing's object, less what is not. */
static json_t *pol_export_rule(const struct cli_rule *r)
{
	json_t *l = cli_rule_json(r), *o, *d = json_object_get(l, "dport");
	const char *proto = json_string_value(json_object_get(l, "proto"));
	char ports[16];

	o = json_pack("{s:O}", "action", json_object_get(l, "action"));
	if (r->out)	/* absent: in, as files before out rules say */
		json_object_set(o, "direction", json_object_get(l, "direction"));
	if (proto && strcmp(proto, "any"))
		json_object_set(o, "proto", json_object_get(l, "proto"));
	if (json_object_get(l, "from"))
		json_object_set(o, "from", json_object_get(l, "from"));
	if (json_object_get(l, "to"))
		json_object_set(o, "to", json_object_get(l, "to"));
	if (d) {
		snprintf(ports, sizeof(ports), r->dport_lo == r->dport_hi ?
			 "%u" : "%u-%u", r->dport_lo, r->dport_hi);
		json_object_set_new(o, "dport", json_string(ports));
	}
	json_object_set(o, "prio", json_object_get(l, "prio"));
	if (json_object_get(l, "comment"))
		json_object_set(o, "comment", json_object_get(l, "comment"));
	json_decref(l);
	return o;
}

/* A container with its rules in the order they are judged. */
static json_t *pol_export_cont(const struct cli_set *s)
{
	unsigned int *order = cli_rule_order(s->rules, s->nrules), i;
	json_t *o, *ips = json_array(), *rules = json_array();
	char buf[256];

	for (i = 0; i < s->cont.naddrs; i++) {
		cli_fmt_addr(&s->cont.addrs[i], buf, sizeof(buf));
		json_array_append_new(ips, json_string(buf));
	}
	o = json_pack("{s:s, s:o}", "name", s->cont.name, "ips", ips);
	if (s->cont.nvnis) {
		cli_fmt_vnis(&s->cont, buf, sizeof(buf));
		json_object_set_new(o, "vni", json_string(buf));
	}
	json_object_set_new(o, "default", json_string(s->cont.default_drop ?
						      "drop" : "allow"));
	json_object_set_new(o, "egress_default",
			    json_string(s->cont.egress_drop ? "drop" : "allow"));
	if (s->cont.dev[0]) {
		/* Its name now: what 'policy apply' resolves to it. */
		cli_dev_now(&s->cont, buf);
		json_object_set_new(o, "dev", json_string(buf));
	}
	if (s->cont.has_mac) {
		cli_fmt_mac(&s->cont, buf, sizeof(buf));
		json_object_set_new(o, "mac", json_string(buf));
	}
	if (s->cont.port[0]) {
		json_object_set_new(o, "port", json_string(s->cont.port));
		json_object_set_new(o, "netns", json_string(s->cont.netns));
	}
	if (s->cont.hw) {
		json_object_set_new(o, "nic", json_string(s->cont.nic));
		json_object_set_new(o, "hw", json_true());
	}
	if (s->cont.cpus) {
		hw_fmt_cpus(s->cont.cpus, buf, sizeof(buf));
		json_object_set_new(o, "cpus", json_string(buf));
	}
	for (i = 0; order && i < s->nrules; i++)
		json_array_append_new(rules,
				      pol_export_rule(&s->rules[order[i]]));
	json_object_set_new(o, "rules", rules);
	free(order);
	return order || !s->nrules ? o : (json_decref(o), NULL);
}

/* "ct_timeouts": the states set to other than their default. */
static int pol_ct_export(struct cli *c, json_t *doc)
{
	struct rxl_ct_timeouts to;
	int fd = cli_ct_timeouts_fd(c), i, err = 0;
	json_t *o;

	if (fd < 0)
		return CLI_ERR;
	if (bpf_map_lookup_elem(fd, &(__u32){ 0 }, &to))
		err = cli_err(c, CLI_ERR, NULL, "reading the timeouts: %s",
			      strerror(errno));
	close(fd);
	if (err)
		return err;
	o = json_object();
	for (i = 0; i < RXL_CT_STATE__MAX; i++)
		if (to.sec[i] && cli_ct_state_name(i))
			json_object_set_new(o, cli_ct_state_name(i),
					    json_integer(to.sec[i]));
	json_object_set_new(doc, "ct_timeouts", o);
	return 0;
}

/* The whole configuration as a policy file (JSON, schema POL_SCHEMA). */
static int pol_export_doc(struct cli *c, json_t **out, unsigned int *nconts,
			  unsigned int *nrules)
{
	struct cli_set *sets = NULL;
	struct cli_cont *all = NULL;
	json_t *doc, *conts;
	struct pol_tun t;
	unsigned int i;
	int err = cli_fw_find(c);

	*out = NULL;
	*nrules = 0;
	if (err && err != -ENOENT)
		return err;
	err = pol_tun_read(c, &t, true);
	if (!err && cli_cont_all(c, &all, nconts))
		err = CLI_ERR;
	sets = err ? NULL : calloc(*nconts ?: 1, sizeof(*sets));
	if (!err && !sets)
		err = cli_err(c, CLI_ERR, NULL, "out of memory");
	if (!err)
		err = cli_sets_load(c, all, *nconts, sets);
	doc = json_pack("{s:i}", "schema", POL_SCHEMA);
	pol_tun_export(&t, doc);
	if (!err && c->fw_open)
		err = pol_ct_export(c, doc);
	conts = json_array();
	for (i = 0; !err && i < *nconts; i++) {
		json_t *o = pol_export_cont(&sets[i]);

		if (!o)
			err = cli_err(c, CLI_ERR, NULL, "out of memory");
		json_array_append_new(conts, o);
		*nrules += sets[i].nrules;
	}
	json_object_set_new(doc, "containers", conts);
	for (i = 0; sets && i < *nconts; i++)
		cli_set_free(&sets[i]);
	free(sets);
	free(all);
	pol_tun_free(&t);
	if (err)
		json_decref(doc);
	else
		*out = doc;
	return err;
}

/* @doc into @path whole or not at all: a temporary file, then rename. */
static int pol_export_write(struct cli *c, json_t *doc, const char *path)
{
	char tmp[PATH_MAX];
	FILE *f = NULL;
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return cli_err(c, CLI_ERR, path, "%s: name too long", path);
	fd = mkstemp(tmp);
	if (fd >= 0)
		f = fdopen(fd, "w");
	if (!f || json_dumpf(doc, f, JSON_INDENT(2)) || fputc('\n', f) == EOF ||
	    fflush(f) || fsync(fileno(f)))
		err = -errno ?: -EIO;
	if (f && fclose(f) && !err)
		err = -errno;
	else if (!f && fd >= 0)
		close(fd);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		if (fd >= 0)
			unlink(tmp);
		return cli_err(c, CLI_ERR, path, "cannot write %s: %s", path,
			       strerror(-err));
	}
	return 0;
}

/*
 * policy export [FILE]: the file on stdout (also under -j: it is JSON),
 * or written to FILE, then counted.
 */
static int policy_export(struct cli *c, int argc, char **argv)
{
	unsigned int nc = 0, nr = 0;
	json_t *doc;
	int err;

	if (argc > 1)
		return cli_usage_err(c, argv[1], "usage: policy export [FILE]");
	err = cli_open_ro(c) ?: pol_export_doc(c, &doc, &nc, &nr);
	if (err)
		return err;
	if (!argc || !strcmp(argv[0], "-")) {
		json_dumpf(doc, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		c->printed = true;
	} else {
		err = pol_export_write(c, doc, argv[0]);
	}
	json_decref(doc);
	if (err || c->printed)
		return err;
	cli_printf(c, "%s: ", argv[0]);
	cli_print_uint(c, CLI_ANY, "container_count", "%llu containers, ", nc);
	cli_print_uint(c, CLI_ANY, "rule_count", "%llu rules\n", nr);
	return 0;
}

static int policy_check(struct cli *c, int argc, char **argv)
{
	return pol_run(c, argc, argv, POL_CHECK);
}

static int policy_diff(struct cli *c, int argc, char **argv)
{
	return pol_run(c, argc, argv, POL_DIFF);
}

static int policy_apply(struct cli *c, int argc, char **argv)
{
	return pol_run(c, argc, argv, POL_APPLY);
}

static const struct cli_cmd policy_cmds[] = {
	{ "check", policy_check },
	{ "diff", policy_diff },
	{ "apply", policy_apply },
	{ "export", policy_export },
	{ NULL, NULL },
};

int cmd_policy(struct cli *c, int argc, char **argv)
{
	return cli_dispatch(c, policy_cmds, "policy command", argc, argv);
}
