// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_check.c - rxlane check [--repair]: the fast path's maps against the
 * records, as fsck checks a file system.
 *
 * Found, one line (or one JSON object) each:
 *   - an interrupted change (the intent of a killed command, cli_sync.c);
 *   - a recorded container the fast path lacks or holds otherwise
 *     (addresses, default policy, redirect, VNIs, rules, judged by the
 *     verdict of every port: rxl_fw_container_verify());
 *   - a recorded container whose anti-spoofing binding (rxl_cont_port,
 *     rxl_ports: fw_port.c) is missing or another than its record says;
 *   - a container id in the fast path with no record;
 *   - anti-spoofing bindings that no container record explains;
 *   - a container with hw that the NIC does not hold as its record says
 *     (cli_hw.c);
 *   - a container whose port ('port IF netns PATH') or host-side device
 *     ('dev') was deleted and made again under another ifindex (--repair
 *     moves it to the new one);
 *   - rule keys of no container's set, address cache slots that disagree
 *     with the address maps, rule records of no container.
 * Exit 1 when anything was found (with --repair: when anything is left
 * after repairing). --repair takes the lock, finishes an interrupted
 * change as the next command would, makes every container what its
 * records say (the records are the truth) and removes what belongs to
 * nobody; then it checks again.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct chk {
	struct cli *c;
	bool repair;
	bool quiet;		/* count only (the pass after repairs) */
	unsigned int found, left;
	unsigned int nconts, nrecs;	/* what was checked */
};

/* One problem: @name (or NULL) and @id (or -1) say whose. */
static void chk_report(struct chk *k, const char *name, long id,
		       bool repaired, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void chk_report(struct chk *k, const char *name, long id,
		       bool repaired, const char *fmt, ...)
{
	struct cli *c = k->c;
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	k->found++;
	if (!repaired)
		k->left++;
	if (k->quiet)
		return;
	/* An object of "problems" (cmd_check() opened it), a line of text. */
	cli_open_object(c, NULL);
	if (name)
		cli_print_str(c, CLI_TEXT, NULL, "container '%s': ", name);
	else if (id >= 0)
		cli_print_uint(c, CLI_TEXT, NULL, "container id %llu: ", id);
	cli_print_str(c, CLI_ANY, "problem", "%s", msg);
	cli_print_bool(c, CLI_JSON, "repaired", NULL, repaired);
	if (repaired)
		cli_printf(c, ": repaired");
	if (name)
		cli_print_str(c, CLI_JSON, "container", NULL, name);
	if (id >= 0)
		cli_print_uint(c, CLI_JSON, "id", NULL, id);
	cli_print_nl(c);
	cli_close(c);
}

/*
 * Every recorded container against the fast path. A repair can be
 * refused while another container still holds an address (two records
 * swapped addresses): repairs go round while any succeeds, so one
 * --repair ends at a fixed point; each problem is reported once.
 */
static int chk_containers(struct chk *k, const struct cli_set *sets,
			  unsigned int n)
{
	char (*why)[160] = calloc(n ?: 1, sizeof(*why));
	bool *bad = calloc(n ?: 1, sizeof(*bad));
	bool *fixed = calloc(n ?: 1, sizeof(*fixed));
	struct rxl_addr a[CLI_MAX_ADDRS];
	struct rxl_cont_spec spec;
	bool progress = true;
	struct rxl_rule *r;
	unsigned int i;
	int ret, err = 0;

	if (!why || !bad || !fixed) {
		err = cli_err(k->c, CLI_ERR, NULL, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		/* A device gone is none: still a redirect target differs. */
		if (cli_spec_of(&sets[i], &spec, a, &r) == -ENOMEM) {
			err = cli_err(k->c, CLI_ERR, NULL, "out of memory");
			goto out;
		}
		ret = rxl_fw_container_verify(&k->c->fw, &spec, why[i],
					      sizeof(why[i]));
		if (!ret)
			ret = rxl_fw_port_verify(&k->c->fw, &spec, why[i],
						 sizeof(why[i]));
		free(r);
		if (ret < 0) {
			err = cli_fw_err(k->c, "checking the fast path");
			goto out;
		}
		bad[i] = ret;
	}
	while (k->repair && progress) {
		progress = false;
		for (i = 0; i < n; i++)
			if (bad[i] && !fixed[i] &&
			    !cli_fw_replace(k->c, &sets[i]))
				progress = fixed[i] = true;
	}
	for (i = 0; i < n; i++)
		if (bad[i])
			chk_report(k, sets[i].cont.name, -1, fixed[i], "%s",
				   why[i]);
out:
	free(why);
	free(bad);
	free(fixed);
	return err;
}

/*
 * Containers with hw against the kernel's containers (cli_hw.c): one in
 * the NIC per its record must be there as recorded, one that fell back
 * must not be; --repair programs it again (or it falls back, recorded).
 */
static void chk_hw(struct chk *k, const struct cli_set *sets, unsigned int n)
{
	unsigned int i;
	char why[160];
	int ret;

	for (i = 0; i < n; i++) {
		ret = cli_hw_verify(k->c, &sets[i], why, sizeof(why));
		if (!ret)
			continue;
		if (ret < 0 && !why[0])
			snprintf(why, sizeof(why), "the NIC: %s", strerror(-ret));
		if (k->repair)
			cli_hw_repair(k->c, &sets[i]);
		chk_report(k, sets[i].cont.name, -1, k->repair, "%s", why);
	}
}

/*
 * A container bound by its own interface ('port IF netns PATH') has its
 * check on that interface's egress in its namespace: --repair attaches
 * it again. A namespace or interface gone is not reported here.
 */
static void chk_port_progs(struct chk *k, const struct cli_cont *all,
			   unsigned int n)
{
	bool guard = false;
	unsigned int i;

	for (i = 0; i < n; i++)
		guard |= all[i].port[0] != 0;
	/* The guard of their namespaces (ct_guard.c): once for them all. */
	if (guard && !k->c->dry_run && !cli_port_guarded(k->c))
		chk_report(k, NULL, -1, k->repair && !cli_port_guard(k->c),
			   "the guard against sockets that send around the anti-spoofing check (%s/rxl_guard_link) is not attached",
			   k->c->maps_dir);
	for (i = 0; i < n; i++) {
		if (!all[i].port[0] || cli_tc_port_attached(k->c, &all[i]))
			continue;
		chk_report(k, all[i].name, -1,
			   k->repair && !cli_tc_port_sync(k->c, NULL, &all[i]),
			   "its anti-spoofing check is not attached to the egress of %s in netns %s",
			   all[i].port, all[i].netns);
	}
}

/* The container of @all (@n) other than @self bound by @ifindex there. */
static const struct cli_cont *chk_port_owner(const struct cli_cont *all,
					     unsigned int n,
					     const struct cli_cont *self,
					     __u32 ifindex)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (all[i].id != self->id && all[i].port[0] &&
		    all[i].port_ifindex == ifindex &&
		    all[i].netns_cookie == self->netns_cookie)
			return &all[i];
	return NULL;
}

/*
 * Container @ct (its set @set) is bound by an ifindex that is gone, and
 * its port (@port) or host-side device is ifindex @now under the same name
 * (@what names it): deleted and made again. Reported; --repair moves the
 * container to @now through cli_sync(), unless @owner (or NULL) has it.
 */
static void chk_rebind(struct chk *k, struct cli_cont *ct,
		       struct cli_set *set, bool port, __u32 now,
		       const struct cli_cont *owner, const char *what)
{
	__u32 *rec = port ? &ct->port_ifindex : &ct->dev_ifindex;
	struct cli_set new = *set;
	bool fixed;

	if (owner) {
		chk_report(k, ct->name, -1, false,
			   "%s is ifindex %u now, not %u, and that is container '%s''s %s: not %s as its own",
			   what, now, *rec, owner->name,
			   port ? "port" : "device", port ? "checked" : "bound");
		return;
	}
	if (port)
		new.cont.port_ifindex = now;
	else
		new.cont.dev_ifindex = now;
	fixed = k->repair && !cli_sync(k->c, set, &new);
	chk_report(k, ct->name, -1, fixed,
		   "%s is ifindex %u now, not %u (deleted and made again): %s",
		   what, now, *rec,
		   port ? "its anti-spoofing binding and check are on the old one, the new one is not checked" :
		   "nothing is redirected to the new one or checked on it");
	if (fixed) {
		*rec = now;
		set->cont = new.cont;
	} else if (k->repair) {
		/*
		 * The move failed part way: its intent record stands, and
		 * this run's picture of the container (@set) may be the old
		 * one or the new one. A repair from it would undo half of
		 * the move, and another container's change would replace
		 * the intent record: no more repairs in this run. The next
		 * command, or check --repair, finishes the move first.
		 */
		k->repair = false;
		chk_report(k, ct->name, -1, false,
			   "its move to ifindex %u failed part way: no more repairs in this run (the next change, or check --repair, finishes it)",
			   now);
	}
}

/*
 * A container bound by its own interface ('port IF netns PATH') is bound
 * by the ifindex IF had when it was named. IF deleted and made again in
 * the same namespace (a runtime restarting the container's network) has
 * another: the binding (rxl_ports) and the check name the old one, and
 * nothing checks the new one. Reported; --repair re-resolves it through
 * cli_sync(), as 'container set NAME port IF netns PATH' would: the
 * record's port_ifindex, the binding and the check move to the new
 * interface together, under the intent record (a kill leaves the old
 * state or the new one, and the next command finishes it). @all and
 * @sets then hold the new ifindex, for chk_port_progs(). A port gone with
 * no replacement, or a namespace gone or rebound, is no problem here
 * (chk_port_notes()).
 */
static void chk_port_moved(struct chk *k, struct cli_cont *all,
			   struct cli_set *sets, unsigned int n)
{
	char why[256], what[CLI_NETNS_MAX + 64];
	unsigned int i;
	__u32 now;

	for (i = 0; i < n; i++) {
		if (!all[i].port[0] ||
		    cli_port_now(k->c, &all[i], &now, why, sizeof(why)) ||
		    now == all[i].port_ifindex)
			continue;
		snprintf(what, sizeof(what), "its port %s in netns %s",
			 all[i].port, all[i].netns);
		chk_rebind(k, &all[i], &sets[i], true, now,
			   chk_port_owner(all, n, &all[i], now), what);
	}
}

/*
 * A host-side device ('dev') is the ifindex it was recorded with
 * (cli_dev_now()): renamed, it is still the container's, no problem.
 * Deleted and made again under its name (a runtime restarting the
 * container's network), the new device is not the container's: nothing is
 * redirected to it or checked on it. Reported; --repair binds the new one
 * through cli_sync(), as 'policy apply' naming it would, unless another
 * container has it. Before chk_containers(), which then checks the result.
 * A device gone with no replacement is a note (chk_port_notes()).
 */
static void chk_dev_moved(struct chk *k, struct cli_cont *all,
			  struct cli_set *sets, unsigned int n)
{
	char name[IF_NAMESIZE], what[64];
	unsigned int i, j, now;

	for (i = 0; i < n; i++) {
		if (!all[i].dev[0] || !all[i].dev_ifindex ||
		    cli_dev_now(&all[i], name))
			continue;
		now = if_nametoindex(all[i].dev);
		if (!now)
			continue;
		for (j = 0; j < n; j++)
			if (j != i && cli_dev_ref(&all[j]) == now)
				break;
		snprintf(what, sizeof(what), "its host-side device %s",
			 all[i].dev);
		chk_rebind(k, &all[i], &sets[i], false, now,
			   j < n ? &all[j] : NULL, what);
	}
}

/* One note of "notes": @name's (NULL: nobody's) @msg. */
static void chk_note(struct cli *c, const char *name, const char *msg)
{
	cli_open_object(c, NULL);
	if (name)
		cli_print_str(c, CLI_TEXT, NULL, "container '%s': ", name);
	cli_print_str(c, CLI_TEXT, NULL, "%s", "note: ");
	cli_print_str(c, CLI_ANY, "note", "%s", msg);
	if (name)
		cli_print_str(c, CLI_JSON, "container", NULL, name);
	cli_print_nl(c);
	cli_close(c);
}

/*
 * What is no problem but is said (text: "container 'NAME': note: ...",
 * -j: "notes"): a port gone from its namespace with no replacement, a
 * namespace gone, a path that names another namespace now. Nothing can
 * send through the interface the binding names (its namespace's cookie
 * is never used again), so nothing is unchecked that was; the runtime's
 * DEL (or 'container del') removes the container, and other commands are
 * not refused for it.
 */
static int chk_port_notes(struct chk *k)
{
	struct cli *c = k->c;
	struct cli_cont *all = NULL;
	unsigned int n = 0, i;
	char why[256], msg[PATH_MAX + 320];
	__u32 now;
	int err = cli_cont_all(c, &all, &n);

	if (err)
		return err;
	cli_open_array(c, "notes");
	/*
	 * The guard with no port to guard: left by a change killed after
	 * its records (it refuses nothing then); --repair removes it.
	 */
	if (cli_port_guard_unused(c)) {
		snprintf(msg, sizeof(msg),
			 "the guard against sockets that send around the anti-spoofing check (%s/rxl_guard_link) is attached, but no container has a port: %s",
			 c->maps_dir,
			 !k->repair ? "'rxlane check --repair' removes it" :
			 cli_port_unguard(c) ? "it cannot be removed" :
			 "removed");
		chk_note(c, NULL, msg);
	}
	for (i = 0; i < n; i++) {
		/* A host-side device gone (not made again: chk_dev_moved()). */
		if (all[i].dev[0] && !cli_dev_now(&all[i], why) &&
		    !(all[i].dev_ifindex && if_nametoindex(all[i].dev))) {
			snprintf(msg, sizeof(msg),
				 "its host-side device %s (ifindex %u) is gone: nothing is redirected to it or sends through it; the runtime's DEL (container del) removes the container",
				 all[i].dev, cli_dev_ref(&all[i]));
			chk_note(c, all[i].name, msg);
		}
		if (!all[i].port[0])
			continue;
		err = cli_port_now(c, &all[i], &now, why, sizeof(why));
		if (!err)
			continue;
		if (err == -ENODEV)
			snprintf(msg, sizeof(msg),
				 "its port %s (ifindex %u) is gone from netns %s: nothing sends through it; 'container set %s port IF netns PATH' binds another",
				 all[i].port, all[i].port_ifindex, all[i].netns,
				 all[i].name);
		else
			snprintf(msg, sizeof(msg),
				 "its namespace is gone or another one now (%s): its port %s is not checked there; the runtime's DEL (container del) removes it",
				 why, all[i].port);
		chk_note(c, all[i].name, msg);
	}
	cli_close(c);
	free(all);
	return 0;
}

/* Container ids in the fast path that no record names. */
static int chk_orphans(struct chk *k, const struct cli_cont *all,
		       unsigned int n)
{
	bool *fp = calloc(RXL_MAX_CONTAINERS, sizeof(*fp));
	bool *rec = calloc(RXL_MAX_CONTAINERS, sizeof(*rec));
	unsigned int i;
	int err = 0;

	if (!fp || !rec || rxl_fw_container_ids(&k->c->fw, fp))
		err = cli_err(k->c, CLI_ERR, NULL, "reading the fast path: %s",
			      rxl_fw_error(&k->c->fw));
	for (i = 0; !err && i < n; i++)
		rec[all[i].id % RXL_MAX_CONTAINERS] = true;
	for (i = 0; !err && i < RXL_MAX_CONTAINERS; i++)
		if (fp[i] && !rec[i])
			chk_report(k, NULL, i, k->repair &&
				   !rxl_fw_container_del(&k->c->fw, i),
				   "in the fast path without a record");
	free(fp);
	free(rec);
	return err;
}

/*
 * rxl_config.mac_bound against the MAC bindings in rxl_ports. Below them,
 * the uplink's pairing check is skipped while a container is bound by its
 * MAC: its spoofs pass. Above them, every frame leaving the uplink pays
 * the lookup for nothing; a pending intent (reported on its own) leaves it
 * there by design (fw_port.c), so that is no problem of its own then.
 * After the stale bindings' removal, which lowers the count with them.
 */
static int chk_mac_bound(struct chk *k)
{
	struct rxl_fw *fw = &k->c->fw;
	struct cli_intent in;
	__u32 bound;
	long n = rxl_fw_port_macs(fw, &bound);

	if (n == -ENOENT)
		return 0;	/* maps of no anti-spoofing */
	if (n < 0)
		return cli_err(k->c, CLI_ERR, NULL,
			       "reading the MAC bindings: %s",
			       strerror((int)-n));
	if (bound == n || (bound > n && !cli_intent_get(k->c, &in)))
		return 0;
	if (k->repair)
		rxl_fw_port_recount(fw);
	chk_report(k, NULL, -1, k->repair && rxl_fw_port_macs(fw, &bound) == n &&
		   bound == n,
		   bound < n ?
		   "rxl_config counts %u MAC bindings, rxl_ports holds %ld: the uplink's pairing check is skipped for some" :
		   "rxl_config counts %u MAC bindings, rxl_ports holds %ld: every frame leaving the uplink pays a lookup for nothing",
		   bound, n);
	return 0;
}

/*
 * Anti-spoofing bindings no record explains (rxl_fw_ports_stale()): a
 * device or MAC bound to a removed container keeps checking frames in
 * its name. After chk_containers(), whose repairs rebind the recorded
 * containers first.
 */
static int chk_ports(struct chk *k, const struct cli_cont *all,
		     unsigned int n)
{
	struct rxl_fw *fw = &k->c->fw;
	bool *rec = calloc(fw->max_conts ?: 1, sizeof(*rec));
	unsigned int i;
	long bad;

	if (!rec)
		return cli_err(k->c, CLI_ERR, NULL, "out of memory");
	for (i = 0; i < n; i++)
		if (all[i].id < fw->max_conts)
			rec[all[i].id] = true;
	bad = rxl_fw_ports_stale(fw, rec, k->repair);
	free(rec);
	if (bad < 0)
		return cli_err(k->c, CLI_ERR, NULL,
			       "reading the anti-spoofing bindings: %s",
			       strerror((int)-bad));
	if (bad)
		chk_report(k, NULL, -1, k->repair,
			   "%ld anti-spoofing bindings (rxl_ports, rxl_cont_port) belong to no recorded container",
			   bad);
	return chk_mac_bound(k);
}

/* Rule records of container ids that have no container record. */
static int chk_records(struct chk *k, const struct cli_cont *all,
		       unsigned int n)
{
	__u32 *maxh = calloc(RXL_MAX_CONTAINERS, sizeof(*maxh));
	struct cli_rule_key *keys = NULL;
	struct cli_rule *rules = NULL;
	unsigned int nr = 0, i;
	struct cli_cont ct;
	int err = maxh ? cli_rules_all(k->c, &keys, &rules, &nr) : -ENOMEM;

	k->nrecs = nr;
	for (i = 0; !err && i < nr; i++)
		if (keys[i].id < RXL_MAX_CONTAINERS &&
		    keys[i].handle > maxh[keys[i].id])
			maxh[keys[i].id] = keys[i].handle;
	for (i = 0; !err && i < n; i++)
		maxh[all[i].id % RXL_MAX_CONTAINERS] = 0;
	for (i = 0; !err && i < RXL_MAX_CONTAINERS; i++) {
		if (!maxh[i])
			continue;
		memset(&ct, 0, sizeof(ct));
		ct.id = i;
		ct.next_handle = maxh[i] + 1;
		chk_report(k, NULL, i, k->repair && !cli_rec_drop_all(k->c, &ct),
			   "rule records without a container record");
	}
	free(maxh);
	free(keys);
	free(rules);
	if (err)
		return cli_err(k->c, CLI_ERR, NULL, "reading rules: %s",
			       strerror(-err));
	return 0;
}

/* The intent record: pending, or corrupt (repaired before chk_run()). */
static void chk_intent(struct chk *k)
{
	struct cli_intent in;
	char why[64];
	int err = cli_intent_get(k->c, &in);

	if (!err)
		chk_report(k, (in.flags & CLI_INTENT_NEW) ? in.new.name :
			   in.old.name, -1, false,
			   k->c->fw_open ?
			   "an interrupted change is pending (the next change, or check --repair, finishes it)" :
			   "an interrupted change is pending (nothing is attached to finish it in)");
	else if (cli_intent_bad(err, &in, why, sizeof(why)))
		chk_report(k, NULL, -1, false,
			   "the intent record (%s) is corrupt: %s",
			   CLI_INTENT_REC, why);
}

/*
 * The fast path's own consistency: keys of no set, the address cache,
 * container values no address leads to.
 */
static int chk_fast_path(struct chk *k)
{
	long bad = rxl_fw_dead_keys(&k->c->fw, k->repair);

	if (bad < 0)
		return cli_fw_err(k->c, "reading the rule keys");
	if (bad)
		chk_report(k, NULL, -1, k->repair,
			   "%ld rule keys belong to no container's rule set",
			   bad);
	bad = rxl_fw_acache_stale(&k->c->fw, k->repair);
	if (bad < 0)
		return cli_fw_err(k->c, "reading the address cache");
	if (bad)
		chk_report(k, NULL, -1, k->repair,
			   "%ld address cache slots disagree with the address maps",
			   bad);
	bad = rxl_fw_conts_unreached(&k->c->fw, k->repair);
	if (bad < 0)
		return cli_fw_err(k->c, "reading the container values");
	if (bad)
		chk_report(k, NULL, -1, k->repair,
			   "%ld container values in rxl_conts are live with no address leading to them",
			   bad);
	return 0;
}

/*
 * Everything pinned: the intent and the records always; with the fast
 * path's maps, those against the records. Orphans go before containers
 * are repaired: an orphan may hold a recorded container's address.
 */
static int chk_run(struct chk *k)
{
	struct cli_set *sets = NULL;
	struct cli_cont *all = NULL;
	unsigned int n = 0, i;
	int err;

	chk_intent(k);
	err = cli_cont_all(k->c, &all, &n);
	k->nconts = n;
	if (!err && k->c->fw_open) {
		sets = calloc(n ?: 1, sizeof(*sets));
		err = sets ? cli_sets_load(k->c, all, n, sets) : CLI_ERR;
		err = err ?: chk_orphans(k, all, n);
		if (!err)
			chk_dev_moved(k, all, sets, n);
		err = err ?: chk_containers(k, sets, n) ?: chk_ports(k, all, n);
		if (!err)
			chk_hw(k, sets, n);
		if (!err)
			chk_port_moved(k, all, sets, n);
		if (!err)
			chk_port_progs(k, all, n);
	}
	err = err ?: chk_records(k, all, n);
	if (!err && k->c->fw_open)
		err = chk_fast_path(k);
	for (i = 0; sets && i < n; i++)
		cli_set_free(&sets[i]);
	free(sets);
	free(all);
	return err;
}

/*
 * A corrupt intent record says nothing of the change it stood for, so it
 * cannot be finished: it goes, and the repairs after it make the fast
 * path what the records say (Documentation/fastpath.rst, "Recovery").
 */
static int chk_repair_intent(struct chk *k)
{
	struct cli_intent in;
	char why[64];
	int err = cli_intent_get(k->c, &in);

	if (!cli_intent_bad(err, &in, why, sizeof(why)))
		return 0;
	err = cli_rec_finish(k->c, NULL);
	chk_report(k, NULL, -1, !err, "the intent record (%s) was corrupt: %s",
		   CLI_INTENT_REC, why);
	return err ? cli_err(k->c, CLI_ERR, NULL,
			     "removing the corrupt intent record: %s",
			     strerror(-err)) : 0;
}

/*
 * What was checked: as text only when nothing was found ("consistent:
 * ..."), always under -j.
 */
static void chk_print_checked(const struct chk *k, int err)
{
	struct cli *c = k->c;
	bool text = !err && !k->found;
	enum cli_mode m = text ? CLI_ANY : CLI_JSON;

	cli_print_uint(c, m, "container_count", "consistent: %llu containers",
		       k->nconts);
	cli_print_uint(c, m, "record_count",
		       " and %llu rule records, the intent record", k->nrecs);
	if (c->fw_open)
		cli_print_str(c, m, "maps", ", the fast path's maps (%s)\n",
			      c->maps_dir);
	else if (text)
		cli_printf(c, "; no fast path maps (nothing attached)\n");
}

int cmd_check(struct cli *c, int argc, char **argv)
{
	struct chk k = { .c = c };
	unsigned int recovered = 0;
	struct cli_intent in;
	long dead = 0;
	int err;

	if (argc == 1 && (!strcmp(argv[0], "--repair") ||
			  !strcmp(argv[0], "repair")))
		k.repair = true;
	else if (argc)
		return cli_usage_err(c, argv[0], "usage: check [--repair]");
	if (k.repair && c->dry_run)
		return cli_usage_err(c, "--repair", "check --repair changes maps: not with -n");
	err = cli_fw_find(c);
	if (err == -ENOENT)
		err = 0;	/* nothing attached: records and intent only */
	if (!err)
		err = cli_state_open(c, false);
	if (!err && c->dir_fd >= 0)
		err = cli_lock(c);	/* a change in progress ends */
	if (!err && k.repair) {
		err = chk_repair_intent(&k);
		/* cli_recover() finishes an interrupted change, locked. */
		recovered = !err && c->fw_open && !cli_intent_get(c, &in);
		/* Recovery removes dead keys too: count them first. */
		dead = recovered ? rxl_fw_dead_keys(&c->fw, false) : 0;
		if (!err)
			err = cli_recover(c);
		/*
		 * The repair trusts no cache of the maps: the fast path's
		 * index (fw_index.c) is made anew from them at the first
		 * change. A writer that bypassed it (an older build, the
		 * library on maps not opened from pins) left it short, and a
		 * container it does not name could not be removed.
		 */
		if (!err && c->fw_open)
			err = rxl_fw_index_drop(&c->fw);
	}
	if (err)
		return err;
	cli_open_array(c, "problems");
	if (recovered)
		chk_report(&k, in.flags & CLI_INTENT_NEW ? in.new.name :
			   in.old.name, -1, true,
			   "an interrupted change was pending");
	if (dead > 0)
		chk_report(&k, NULL, -1, true,
			   "%ld rule keys belong to no container's rule set",
			   dead);
	err = chk_run(&k);
	cli_close(c);
	if (!err)
		err = chk_port_notes(&k);
	if (!err && k.repair && k.found) {
		/* What is left after the repairs is what counts. */
		struct chk again = { .c = c, .quiet = true };

		err = chk_run(&again);
		k.left = again.found;
	}
	cli_print_uint(c, CLI_JSON, "problem_count", NULL, k.found);
	cli_print_uint(c, !err && k.repair && k.left ? CLI_ANY : CLI_JSON,
		       "unrepaired_count", "%llu problems left after repairing\n",
		       k.left);
	chk_print_checked(&k, err);
	if (c->json && (err || k.left)) {
		/* main() prints the document only on success. */
		cli_flush(c);
		c->printed = true;
	}
	return err ?: k.left ? CLI_ERR : 0;
}
