// SPDX-License-Identifier: GPL-2.0
/*
 * cli_sync.c - every change of the CLI goes through cli_sync(): one
 * container goes from an old state (its metadata and rules) to a new one.
 *
 * A change is an intent until it is done. In order:
 *
 *   1. commit: the new rule records and the intent (old and new container)
 *      in one batch update of cli_rules: one syscall, which SIGKILL
 *      cannot cut in two; before it nothing has changed;
 *   2. cli_conts gets the new container;
 *   3. the fast path becomes the new container in one step
 *      (rxl_fw_container_apply(): a fresh rule set, then a flip);
 *   4. the NIC, for a container with hw (cli_hw.c): programmed, or the
 *      container falls back to XDP, recorded;
 *   5. empty record chunks and the intent go.
 *
 * Until step 3 flips, packets meet the state before the command; from
 * then on, the one the listings show. A command killed anywhere leaves
 * the intent, and the next one to take the lock finishes the change from
 * the records (cli_recover()), which also removes the rule keys of a set
 * that was being written. A step that fails undoes what it did, so a
 * refused change leaves everything as it was.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "cli.h"

static bool cli_rules_same(const struct cli_set *a, const struct cli_set *b)
{
	unsigned int i;

	if (a->nrules != b->nrules)
		return false;
	for (i = 0; i < a->nrules; i++)
		if (a->rules[i].handle != b->rules[i].handle ||
		    !cli_rule_same(&a->rules[i], &b->rules[i]))
			return false;
	return true;
}

int cli_spec_of(const struct cli_set *s, struct rxl_cont_spec *spec,
		struct rxl_addr *a, struct rxl_rule **r)
{
	unsigned int i;

	memset(spec, 0, sizeof(*spec));
	spec->id = s->cont.id;
	spec->addrs = a;
	spec->naddrs = s->cont.naddrs;
	spec->vnis = s->cont.vnis;
	spec->nvnis = s->cont.nvnis;
	spec->nrules = s->nrules;
	spec->default_drop = s->cont.default_drop;
	spec->egress_drop = s->cont.egress_drop;
	spec->has_mac = s->cont.has_mac;
	memcpy(spec->mac, s->cont.mac, sizeof(spec->mac));
	spec->mac_in_nic = s->cont.hw && s->cont.has_mac &&
			   cli_dev_driver_is(s->cont.nic, "rxlane");
	for (i = 0; i < s->cont.naddrs && i < CLI_MAX_ADDRS; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		a[i].family = s->cont.addrs[i].family == 4 ? AF_INET : AF_INET6;
		memcpy(a[i].addr, s->cont.addrs[i].addr, 16);
	}
	*r = calloc(s->nrules ?: 1, sizeof(**r));
	if (!*r)
		return -ENOMEM;
	for (i = 0; i < s->nrules; i++)
		cli_rule_to_fw(&s->rules[i], &(*r)[i]);
	spec->rules = *r;
	if (s->cont.port[0]) {
		spec->port_ifindex = s->cont.port_ifindex;
		spec->port_netns = s->cont.netns_cookie;
	}
	if (s->cont.dev[0]) {
		char name[IF_NAMESIZE];

		spec->redirect_ifindex = cli_dev_now(&s->cont, name);
	}
	return 0;
}

unsigned int cli_dev_ref(const struct cli_cont *ct)
{
	if (!ct->dev[0])
		return 0;
	return ct->dev_ifindex ?: if_nametoindex(ct->dev);
}

/*
 * The device is the ifindex it was recorded with: renamed, it is still
 * the container's; deleted, it is gone even when another device takes
 * its name ('check' says so; --repair or 'policy apply' binds that one).
 * The kernel empties its rxl_tx_ports slot when it goes, so a gone device
 * is no redirect target and no binding in the container's spec.
 */
unsigned int cli_dev_now(const struct cli_cont *ct, char *name)
{
	unsigned int ifindex = cli_dev_ref(ct);
	char now[IF_NAMESIZE];

	snprintf(name, IF_NAMESIZE, "%s", ct->dev);
	if (!ifindex || !if_indextoname(ifindex, now))
		return 0;
	snprintf(name, IF_NAMESIZE, "%s", now);
	return ifindex;
}

/*
 * Make the fast path's container @s->cont.id exactly @s in one step;
 * @keep: its rule set there is @s's already (only the container changed).
 */
static int cli_fw_container_apply(struct cli *c, const struct cli_set *s,
				  bool keep)
{
	struct rxl_addr a[CLI_MAX_ADDRS];
	struct rxl_cont_spec spec;
	struct rxl_rule *r;
	const char *why;
	bool rules;
	int err = cli_spec_of(s, &spec, a, &r);

	if (err == -ENOMEM)
		return cli_err(c, CLI_ERR, NULL, "out of memory");
	spec.keep_rules = keep;
	err = rxl_fw_container_apply(&c->fw, &spec);
	free(r);
	if (!err)
		return 0;
	/* The rule set was refused (a limit, a rule, no room): say so. */
	why = rxl_fw_error(&c->fw);
	rules = !keep && strstr(why, "rule");
	return cli_err(c, CLI_ERR, s->cont.name, "%scontainer '%s': %s",
		       rules ? "rules of " : "", s->cont.name, why);
}

int cli_fw_replace(struct cli *c, const struct cli_set *s)
{
	return cli_fw_container_apply(c, s, false);
}

static int cli_fw_container_del(struct cli *c, __u32 id, const char *name)
{
	int err = rxl_fw_container_del(&c->fw, id);

	/* Gone from the fast path already (its maps were recreated): fine. */
	if (err && err != -ENOENT)
		return cli_err(c, CLI_ERR, name, "container '%s': %s", name,
			       rxl_fw_error(&c->fw));
	return 0;
}

/* cli_fw_step()'s failure after the fast path was changed. */
#define CLI_STEP_MADE	(-2)

static int cli_fw_step(struct cli *c, const struct cli_set *from,
		       const struct cli_set *to)
{
	bool same = from && to && from->cont.id == to->cont.id;

	if (from && !same &&
	    cli_fw_container_del(c, from->cont.id, from->cont.name))
		return CLI_ERR;
	if (to && cli_fw_container_apply(c, to,
					 same && cli_rules_same(from, to)))
		return CLI_ERR;
	/*
	 * Anti-spoofing on the devices (ct_attach.c). When the check cannot
	 * be attached, the fast path is already the new container's: the
	 * caller puts it back (CLI_STEP_MADE).
	 */
	if (cli_tc_port_sync(c, from ? &from->cont : NULL,
			     to ? &to->cont : NULL))
		return CLI_STEP_MADE;
	return 0;
}

/*
 * Keys of a rule set the fast path failed to delete after its change was
 * done (rxl_fw_purge_left()): removed now, or the intent stays, and the
 * next command's recovery removes them before it writes any set. True
 * when they are left (the caller keeps the intent).
 */
static bool cli_keys_left(struct cli *c, const char *name)
{
	if (!c->fw_open || !rxl_fw_purge_left(&c->fw))
		return false;
	fprintf(stderr, "%s: container '%s': rule keys of its old set are left (%s); the next command removes them\n",
		c->prog, name, rxl_fw_error(&c->fw));
	return true;
}

/* ---- metadata ---------------------------------------------------------- */

void cli_cont_stamp(const struct cli_set *s, struct cli_cont *out)
{
	unsigned int i;

	*out = s->cont;
	out->nrules = s->nrules;
	out->max_prio = 0;
	for (i = 0; i < s->nrules; i++)
		if (s->rules[i].prio > out->max_prio)
			out->max_prio = s->rules[i].prio;
}

/* cli_conts from the intent's old container to its new one. */
static int cli_conts_step(struct cli *c, const struct cli_intent *in)
{
	bool moved = (in->flags & CLI_INTENT_OLD) &&
		     (!(in->flags & CLI_INTENT_NEW) ||
		      in->old.id != in->new.id);

	/* The index (cli_records.c) is ahead of the records both ways. */
	if ((in->flags & CLI_INTENT_NEW) && cli_idx_before(c, &in->new))
		return -EIO;
	if ((in->flags & CLI_INTENT_NEW) &&
	    bpf_map_update_elem(c->conts_fd, &in->new.id, &in->new, 0))
		return -errno;
	if (moved && bpf_map_delete_elem(c->conts_fd, &in->old.id) &&
	    errno != ENOENT)
		return -errno;
	if (in->flags & CLI_INTENT_OLD)
		cli_idx_after(c, &in->old,
			      (in->flags & CLI_INTENT_NEW) ? &in->new : NULL);
	return 0;
}

static void cli_intent_make(struct cli_intent *in, const struct cli_set *from,
			    const struct cli_set *to)
{
	memset(in, 0, sizeof(*in));
	in->magic = CLI_INTENT_MAGIC;
	if (from) {
		in->flags |= CLI_INTENT_OLD;
		cli_cont_stamp(from, &in->old);
	}
	if (to) {
		in->flags |= CLI_INTENT_NEW;
		cli_cont_stamp(to, &in->new);
	}
}

/* Records of a failed change back to @from; the intent says so too. */
static void cli_sync_undo(struct cli *c, const struct cli_set *from,
			  const struct cli_set *to, bool fw_touched)
{
	struct cli_intent back;

	cli_intent_make(&back, to, from);
	if (cli_rec_commit(c, to, from, &back))
		return;		/* the intent of the change stays: recovery */
	cli_conts_step(c, &back);
	if (fw_touched)
		cli_fw_step(c, to, from);
	if (!cli_keys_left(c, (from ? from : to)->cont.name))
		cli_rec_finish(c, from ? &back.new : NULL);
}

static double cli_ms(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1e3 + (b->tv_nsec - a->tv_nsec) / 1e6;
}

int cli_sync(struct cli *c, const struct cli_set *old,
	     const struct cli_set *new)
{
	const struct cli_set *named = new ? new : old;
	struct timespec t0, t1, t2;
	struct cli_intent in;
	int err;

	if (c->dry_run || (!old && !new))
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cli_intent_make(&in, old, new);
	err = cli_rec_commit(c, old, new, &in);
	if (!err)
		err = cli_conts_step(c, &in);
	if (err) {
		cli_sync_undo(c, old, new, false);
		return cli_err(c, CLI_ERR, named->cont.name,
			       "saving the records of container '%s': %s%s",
			       named->cont.name, strerror(-err),
			       err == -E2BIG ? " (rule table full)" : "");
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	err = cli_fw_step(c, old, new);
	if (err) {
		/*
		 * rxl_fw_container_apply() undoes its own failure; a deletion
		 * (of a container, or of its old id) may stop halfway: the
		 * old container is applied again. After a refused
		 * anti-spoofing check the whole step is undone.
		 */
		cli_sync_undo(c, old, new, err == CLI_STEP_MADE ||
			      (old && (!new || old->cont.id != new->cont.id)));
		return CLI_ERR;
	}
	/*
	 * The NIC (cli_hw.c), while the intent stands: killed here, the
	 * next command's recovery runs this step again. A refusal is no
	 * error: the container falls back to XDP, recorded.
	 */
	cli_hw_step(c, old ? &old->cont : NULL, new);
	/* Done, but an old address or binding stayed: the intent stays. */
	if (c->fw_open && (c->fw.addrs_left || c->fw.port_left))
		return cli_err(c, CLI_ERR, named->cont.name,
			       "container '%s': the change is made, but %s; the next command removes it",
			       named->cont.name, rxl_fw_error(&c->fw));
	if (!cli_keys_left(c, named->cont.name)) {
		err = cli_rec_finish(c, new ? &in.new : &in.old);
		if (err)
			return cli_err(c, CLI_ERR, named->cont.name,
				       "container '%s': the change is made, but its intent record (%s in %s) could not be removed: %s; the next command finishes it",
				       named->cont.name, CLI_INTENT_REC,
				       c->pin_dir, strerror(-err));
	}
	/* The last container with a port gone: its guard goes too. */
	if (old && old->cont.port[0] && !(new && new->cont.port[0]))
		cli_port_unguard(c);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	if (c->verbose)
		fprintf(stderr, "%s: container '%s': records %.1f ms, fast path %.1f ms\n",
			c->prog, named->cont.name, cli_ms(&t0, &t1),
			cli_ms(&t1, &t2));
	return 0;
}

/* ---- recovery ---------------------------------------------------------- */

/*
 * The binding of @old, the container before the interrupted change, when
 * the change moved it and was killed after the container's pointer moved
 * but before the old binding went (rxl_fw_port_move()'s order): removed,
 * or 'rxlane check' would find it belonging to nobody.
 */
static void cli_port_forget(struct cli *c, const struct cli_cont *old)
{
	struct cli_set s = { .cont = *old };
	struct rxl_addr a[CLI_MAX_ADDRS];
	struct rxl_cont_spec spec;
	struct rxl_rule *r = NULL;

	if (cli_spec_of(&s, &spec, a, &r) != -ENOMEM) {
		/* Its device, gone since or not, is what it was bound by. */
		if (!old->port[0] && old->dev[0])
			spec.redirect_ifindex = cli_dev_ref(old);
		rxl_fw_port_forget(&c->fw, &spec);
	}
	free(r);
}

int cli_recover(struct cli *c)
{
	struct cli_intent in;
	const char *name;
	struct cli_set s;
	char why[64];
	int err;

	if (c->dry_run)
		return 0;
	err = cli_intent_get(c, &in);
	/* Unreadable, it cannot be finished; only check --repair clears it. */
	if (cli_intent_bad(err, &in, why, sizeof(why)))
		return cli_err(c, CLI_ERR, NULL,
			       "the intent record (%s in %s) is corrupt: %s; a change may be half done: run 'rxlane check --repair'",
			       CLI_INTENT_REC, c->pin_dir, why);
	if (err == -ENOMEM)
		return cli_err(c, CLI_ERR, NULL, "out of memory");
	if (err || !c->fw_open)
		return 0;
	/* The killed writer may not have waited after its last update. */
	rxl_fw_settle(&c->fw);
	/* It may have raised the MAC bindings' count and bound nothing. */
	rxl_fw_port_recount(&c->fw);
	/*
	 * Keys of a set the killed writer was writing (or of the set its
	 * flip replaced) go first: the fresh set written below then fits
	 * beside the live one, even at max-rules, and cannot inherit them.
	 * Left, they would: the intent stays for the next command.
	 */
	if (rxl_fw_dead_keys(&c->fw, true) < 0)
		return cli_fw_err(c, "finishing an interrupted change");
	if ((in.flags & CLI_INTENT_OLD) &&
	    (!(in.flags & CLI_INTENT_NEW) || in.old.id != in.new.id)) {
		cli_fw_container_del(c, in.old.id, in.old.name);
		cli_rec_drop_all(c, &in.old);
		if (!(in.flags & CLI_INTENT_NEW)) {
			cli_hw_step(c, &in.old, NULL);
			cli_tc_port_sync(c, &in.old, NULL);
		}
	}
	err = cli_conts_step(c, &in);
	if (!err && (in.flags & CLI_INTENT_NEW)) {
		err = cli_set_load(c, &in.new, &s);
		if (!err) {
			cli_cont_stamp(&s, &in.new);
			s.cont = in.new;
			if (bpf_map_update_elem(c->conts_fd, &in.new.id,
						&in.new, 0))
				err = -errno;
			err = err ?: cli_fw_container_apply(c, &s, false);
			/*
			 * The killed change may have bound a device or port
			 * and not attached its check, or not removed it.
			 */
			if (!err && (in.flags & CLI_INTENT_OLD))
				cli_port_forget(c, &in.old);
			if (!err)
				cli_tc_port_sync(c, (in.flags & CLI_INTENT_OLD) ?
						 &in.old : NULL, &s.cont);
			if (!err)
				cli_hw_step(c, (in.flags & CLI_INTENT_OLD) ?
					    &in.old : NULL, &s);
			/* An old address stayed: the intent stays for it. */
			if (!err && (c->fw.addrs_left || c->fw.port_left))
				err = cli_err(c, CLI_ERR, in.new.name, "%s",
					      rxl_fw_error(&c->fw));
			cli_set_free(&s);
		}
	}
	/* Keys of the set the apply above replaced. */
	if (rxl_fw_dead_keys(&c->fw, true) < 0) {
		err = err ?: CLI_ERR;
		goto out_keep;
	}
	/*
	 * The records hold only the new state, so a change that cannot be
	 * finished cannot be taken back either. The intent goes all the
	 * same: kept, it would make every later command fail here, even
	 * the one that would remove the cause. The difference stays
	 * visible to `rxlane check`, and `check --repair` retries.
	 */
	cli_rec_finish(c, (in.flags & CLI_INTENT_NEW) ? &in.new : NULL);
out_keep:
	name = (in.flags & CLI_INTENT_NEW) ? in.new.name : in.old.name;
	if (err)
		return cli_err(c, CLI_ERR, name,
			       "cannot finish the interrupted change of container '%s'%s%s: its fast path and its records differ; `rxlane check --repair` retries",
			       name, err < 0 ? ": " : "",
			       err < 0 ? strerror(-err) : "");
	if ((in.flags & CLI_INTENT_OLD) && in.old.port[0] &&
	    !((in.flags & CLI_INTENT_NEW) && in.new.port[0]))
		cli_port_unguard(c);
	if (c->verbose)
		fprintf(stderr, "%s: finished the interrupted change of container '%s'\n",
			c->prog, name);
	return 0;
}
