// SPDX-License-Identifier: GPL-2.0
/*
 * cni_cmd.c - rxlane-cni ADD, DEL, CHECK and GC, each under the CLI's lock
 * (cli_state_open()), through the functions 'rxlane detach', 'container
 * add' and 'container del' use: cmd_detach(), cli_check_new(),
 * cli_sync(); the programs are pinned once and attached by fd
 * (cni_prog.c). Containers and records are found by key, never by
 * listing them all: ADD's name and address check and its id through the
 * records' index (cli_records.c).
 */
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cni.h"

/* The uplink's record: the plugin attached rxlane to it. */
static void cni_uplink_key(const char *dev, struct cni_key *k)
{
	memset(k, 0, sizeof(*k));
	strcpy(k->cid, "uplink");
	snprintf(k->ifname, sizeof(k->ifname), "%s", dev);
}

/*
 * The XDP program on @ifindex is the one the plugin loaded (its id is the
 * pinned program's, recorded at load): detach it and rxlane's tc
 * programs as 'rxlane detach' does, without reading every map of the
 * program to learn that it is rxlane's. 1: it is not (or not alone).
 */
static int cni_detach_ours(struct cni_req *r, struct cli *c, const char *dev,
			   int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	__u32 ours = cni_prog_id(CNI_PROG_XDP), mode;
	int fd, err;

	if (!ours || bpf_xdp_query(ifindex, 0, &q) || q.prog_id != ours ||
	    q.attach_mode == XDP_ATTACHED_MULTI)
		return 1;
	mode = q.attach_mode == XDP_ATTACHED_SKB ? XDP_FLAGS_SKB_MODE :
						    XDP_FLAGS_DRV_MODE;
	/* Only the program checked: another one attached since stays. */
	fd = bpf_prog_get_fd_by_id(ours);
	if (fd < 0)
		return 1;
	opts.old_prog_fd = fd;
	cni_lib_begin();
	err = bpf_xdp_detach(ifindex, mode, &opts);
	close(fd);
	if (err)
		cli_err(c, CLI_ERR, dev, "cannot detach from %s: %s", dev,
			strerror(-err));
	else
		cli_tc_detach(c, dev, ifindex);
	return cni_lib_end(r, 0, 0);
}

unsigned int cni_prog_checks;

/* 'rxlane detach DEV' when rxlane is there; never an error (undo, DEL). */
static int cni_detach_dev(struct cni_req *r, struct cli *c, void *dev)
{
	char *argv[] = { dev, NULL };
	int ifindex = if_nametoindex(dev);

	if (ifindex && cni_detach_ours(r, c, dev, ifindex) != 1)
		return 0;
	/* Another program, or a pin of another build: the full check. */
	cni_prog_checks += ifindex > 0;
	if (!ifindex || !cli_is_rxlane(ifindex))
		return 0;
	cni_lib_begin();
	cmd_detach(c, 1, argv);
	return cni_lib_end(r, 0, 0);
}

/*
 * The lock and the CLI's state, made when missing; a change a killed
 * command (a plugin or the CLI) left half done is finished first, as the
 * CLI's commands do: cli_recover() needs the fast path's maps open, and
 * cli_state_open() opened without them. They are opened here only when
 * there is an intent to finish (one lookup): a DEL with nothing to do
 * then opens no map of the fast path (performance.rst, "rxlane-cni's
 * fixed costs"); the steps that change the fast path open them.
 */
static int cni_lock(struct cni_req *r, struct cli *c)
{
	struct cli_intent in;
	int err;

	cni_lib_begin();
	err = cli_state_open(c, true);
	if (!err && cli_intent_get(c, &in) != -ENOENT && !cli_fw_find(c))
		err = cli_recover(c);
	return cni_lib_end(r, err, CNI_ERR_STATE);
}

/*
 * The programs on CNI_IFNAME, in the container's netns; first the
 * namespace's record (its path and cookie), so that DEL, GC and CHECK
 * find it, and never enter another namespace bound to the path since.
 */
static int cni_attach_ifname(struct cni_req *r, struct cli *c, void *progs)
{
	struct cni_netns ns = { .cookie = rxl_netns_cookie() };
	int err;

	if (!ns.cookie)
		return cni_fail(r, CNI_ERR_STATE,
				"CNI_NETNS '%s': no cookie (SO_NETNS_COOKIE): %s",
				r->netns, strerror(errno));
	if (strlen(r->netns) < sizeof(ns.path))
		strcpy(ns.path, r->netns);	/* else GC cannot enter it */
	err = cni_netns_put(&r->key, &ns);
	if (err)
		return cni_fail(r, CNI_ERR_STATE,
				"writing the namespace record: %s",
				strerror(-err));
	r->netns_cookie = ns.cookie;
	return cni_progs_attach(r, c, r->ifname, progs);
}

/*
 * rxlane on the uplink: attached by this ADD (*@ours, its record written
 * first, so that a killed ADD's DEL detaches it), found there, or refused
 * when another program holds the device.
 */
static int cni_uplink_attach(struct cni_req *r, struct cli *c,
			     const struct cni_progs *p, bool *ours)
{
	struct cni_rec up = { .kind = CNI_REC_UPLINK };
	int ifindex = if_nametoindex(r->device), err;
	__u32 prog_id = 0;
	struct cni_key uk;

	*ours = false;
	if (!ifindex)
		return cni_fail(r, CNI_ERR_CONFIG, "no device '%s'", r->device);
	if (!bpf_xdp_query_id(ifindex, 0, &prog_id) && prog_id) {
		if (cli_is_rxlane(ifindex))
			return 0;
		return cni_fail(r, CNI_ERR_DEVICE_BUSY,
				"device '%s' has XDP program %u, not rxlane's: detach it or leave 'device' out",
				r->device, prog_id);
	}
	cni_uplink_key(r->device, &uk);
	err = cni_rec_put(&uk, &up);
	if (err)
		return cni_fail(r, CNI_ERR_STATE, "writing the record: %s",
				strerror(-err));
	if (cni_progs_attach(r, c, r->device, p)) {
		cni_rec_del(&uk);
		return -1;
	}
	*ours = true;
	return 0;
}

/*
 * The new container's name and addresses are nobody's; its id. By the
 * records' index (cli_records.c): a lookup per name and address and one
 * bitmap word, however many containers there are; without one (an older
 * pin directory being indexed failed), by reading every record.
 */
static int cni_check_free(struct cni_req *r, struct cli *c)
{
	struct cli_cont *all = NULL;
	unsigned int n;
	bool *taken;
	int err;

	cni_lib_begin();
	err = cli_idx_check_new(c, &r->set.cont);
	if (err <= 0) {
		err = cni_lib_end(r, err, CNI_ERR_CLASH);
		if (err)
			return err;
		cni_lib_begin();
		err = cli_idx_free_id(c, &r->set.cont.id);
		if (err <= 0)
			return cni_lib_end(r, err, CNI_ERR_STATE);
	}
	cni_lib_end(r, 0, 0);
	taken = calloc(RXL_MAX_CONTAINERS, sizeof(*taken));
	if (!taken)
		return cni_fail(r, CNI_ERR_STATE, "out of memory");
	cni_lib_begin();
	err = cli_conts_dump(c, &all, &n);
	if (!err)
		err = cni_lib_end(r, cli_check_new(c, &r->set.cont, all, n,
						   taken), CNI_ERR_CLASH);
	else
		cni_lib_end(r, err, CNI_ERR_STATE);
	if (!err) {
		cni_lib_begin();
		err = cni_lib_end(r, cli_free_id(c, taken, &r->set.cont.id),
				  CNI_ERR_FULL);
	}
	free(all);
	free(taken);
	return err;
}

/* The container in the fast path and the records, as cli_sync() makes it. */
static int cni_create(struct cni_req *r, struct cli *c)
{
	int err;

	cni_lib_begin();
	err = cni_lib_end(r, cli_open_rw(c), CNI_ERR_STATE);
	if (!err) {
		cni_lib_begin();
		err = cni_lib_end(r, cli_check_not_vtep(c, &r->set.cont),
				  CNI_ERR_CLASH);
	}
	if (!err) {
		cni_lib_begin();
		err = cni_lib_end(r, cli_sync(c, NULL, &r->set),
				  CNI_ERR_STATE);
	}
	return err;
}

/*
 * The container's record, before anything is attached or created: what a
 * DEL (after a failure, or a kill) undoes is found through it.
 */
static int cni_put_rec(struct cni_req *r)
{
	struct cni_rec rec = { .kind = CNI_REC_CONT };
	int err;

	rec.cont_id = r->set.cont.id;
	strcpy(rec.cont, r->set.cont.name);
	if (r->device)
		snprintf(rec.uplink, sizeof(rec.uplink), "%s", r->device);
	err = cni_rec_put(&r->key, &rec);
	if (err)
		return cni_fail(r, CNI_ERR_STATE, "writing the record: %s",
				strerror(-err));
	return 0;
}

/* ADD's result: prevResult as it came, in the request's cniVersion. */
static void cni_print_result(struct cni_req *r)
{
	json_t *res = json_deep_copy(r->prev);

	json_object_set_new(res, "cniVersion", json_string(r->version));
	json_dumpf(res, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	fflush(stdout);
	json_decref(res);
}

int cni_add(struct cni_req *r, struct cli *c)
{
	struct cni_progs p = { .fd = { -1, -1 } };
	struct cni_key uk;
	struct cni_rec old;
	bool uplink = false;
	int err;

	if (cni_build(r, c) || cni_pins_hidden(r, c->pin_dir))
		return -1;
	if (cni_lock(r, c) || cni_state_open(r, c, true))
		goto err_gc;
	if (!cni_rec_get(&r->key, &old)) {
		cni_fail(r, CNI_ERR_EXISTS,
			 "network '%s' container '%s' interface '%s' was added already (as rxlane container '%s'): DEL it first",
			 r->net, r->cid, r->ifname, old.cont);
		goto err_gc;
	}
	if (cni_check_free(r, c) || cni_progs_get(r, c, &p))
		goto err_gc;
	if (cni_put_rec(r))
		goto err_progs;
	if (r->device && cni_uplink_attach(r, c, &p, &uplink))
		goto err_rec;
	err = cni_in_netns(r, r->netns, 0, cni_attach_ifname, c, &p);
	if (err == -ENOENT)
		cni_fail(r, CNI_ERR_ENV, "CNI_NETNS '%s' is gone", r->netns);
	if (err)
		goto err_uplink;
	if (cni_create(r, c))
		goto err_netns;
	cni_progs_put(&p);
	cni_print_result(r);
	return 0;

err_netns:
	cni_in_netns(r, r->netns, r->netns_cookie, cni_detach_dev, c,
		     (void *)r->ifname);
err_uplink:
	if (uplink) {
		cni_detach_dev(r, c, (void *)r->device);
		cni_uplink_key(r->device, &uk);
		cni_rec_del(&uk);
	}
err_rec:
	cni_netns_del(&r->key);
	cni_rec_del(&r->key);
err_progs:
	cni_progs_put(&p);
err_gc:
	cni_state_gc(c);
	return -1;
}

/* The container of @rec, deleted as 'container del' does. */
static int cni_del_cont(struct cni_req *r, struct cli *c,
			const struct cni_rec *rec)
{
	struct cli_cont ct;
	struct cli_set old;
	int err;

	if (cli_cont_by_id(c, rec->cont_id, &ct) || strcmp(ct.name, rec->cont))
		return 0;	/* gone already (by hand), or never made */
	cni_lib_begin();
	err = cli_open_rw(c);
	if (!err)
		err = cli_set_load_own(c, &ct, &old);
	if (!err) {
		err = cli_sync(c, &old, NULL);
		cli_set_free(&old);
	}
	return cni_lib_end(r, err, CNI_ERR_STATE);
}

/* The last container that named @dev is gone: detach what ADD attached. */
static void cni_uplink_release(struct cni_req *r, struct cli *c,
			       const char *dev)
{
	struct cni_key uk;
	struct cni_rec up;

	if (!dev[0] || cni_uplink_used(dev))
		return;
	cni_uplink_key(dev, &uk);
	if (cni_rec_get(&uk, &up))
		return;		/* not the plugin's: it found rxlane there */
	cni_detach_dev(r, c, (void *)dev);
	cni_rec_del(&uk);
}

/*
 * The programs on @k's interface detached in its network namespace:
 * @netns (CNI_NETNS), else the path its namespace record keeps (DEL
 * without CNI_NETNS, GC), entered only while it names the namespace ADD
 * recorded (its cookie). An attachment of an older build has no record:
 * @netns is entered as it is.
 */
static void cni_detach_attachment(struct cni_req *r, struct cli *c,
				  const struct cni_key *k, const char *netns)
{
	struct cni_netns ns;

	if (cni_netns_get(k, &ns)) {
		if (netns)
			cni_in_netns(r, netns, 0, cni_detach_dev, c,
				     (void *)k->ifname);
		return;
	}
	if (netns || ns.path[0])
		cni_in_netns(r, netns ?: ns.path, ns.cookie, cni_detach_dev, c,
			     (void *)k->ifname);
}

/*
 * One attachment (@k, its record @rec) removed as DEL removes it: the
 * container, the programs on its interface (cni_detach_attachment()),
 * the records, and the uplink when no other record names it. On failure
 * the record stays, so that a retry finds it.
 */
static int cni_del_attachment(struct cni_req *r, struct cli *c,
			      const struct cni_key *k,
			      const struct cni_rec *rec, const char *netns)
{
	int err;

	if (cni_del_cont(r, c, rec))
		return -1;
	cni_detach_attachment(r, c, k, netns);
	err = cni_rec_del(k);
	if (err)
		return cni_fail(r, CNI_ERR_STATE, "removing the record: %s",
				strerror(-err));
	/* Left alone, it names no attachment: ADD of the key writes it anew. */
	cni_netns_del(k);
	cni_uplink_release(r, c, rec->uplink);
	return 0;
}

int cni_del(struct cni_req *r, struct cli *c)
{
	struct cni_rec rec;
	int err;

	if (cni_pins_hidden(r, c->pin_dir))
		return -1;
	if (access(c->pin_dir, F_OK) && errno == ENOENT)
		return 0;	/* nothing was ever made */
	if (cni_lock(r, c))
		return -1;
	err = cni_state_open(r, c, false);
	if (err)
		return err > 0 ? 0 : -1;
	if (cni_rec_get(&r->key, &rec)) {
		/* A second DEL, or an ADD that failed or was killed early. */
		cni_state_gc(c);
		return 0;
	}
	if (cni_del_attachment(r, c, &r->key, &rec, r->netns))
		return -1;
	cni_state_gc(c);
	return 0;
}

/* GC's test: (containerID, ifname) of @k is in cni.dev/valid-attachments. */
static bool cni_gc_valid(const struct cni_key *k, void *valid)
{
	json_t *a;
	size_t i;

	json_array_foreach((json_t *)valid, i, a)
		if (!strcmp(json_string_value(json_object_get(a, "containerID")),
			    k->cid) &&
		    !strcmp(json_string_value(json_object_get(a, "ifname")),
			    k->ifname))
			return true;
	return false;
}

int cni_gc(struct cni_req *r, struct cli *c)
{
	struct cni_key *stale;
	struct cni_rec rec;
	int err, ret = 0;
	size_t n, i;

	if (cni_pins_hidden(r, c->pin_dir))
		return -1;
	if (access(c->pin_dir, F_OK) && errno == ENOENT)
		return 0;	/* nothing was ever made */
	if (cni_lock(r, c))
		return -1;
	err = cni_state_open(r, c, false);
	if (err)
		return err > 0 ? 0 : -1;
	err = cni_conts_of_net(r->net, cni_gc_valid, r->valid, &stale, &n);
	if (err)
		return cni_fail(r, CNI_ERR_STATE, "reading the records: %s",
				strerror(-err));
	/*
	 * The sandbox of a stale attachment is the runtime's to remove; the
	 * programs on its interface are detached if its namespace is still
	 * the one ADD recorded (cni.rst, "GC").
	 */
	for (i = 0; i < n; i++)
		if (!cni_rec_get(&stale[i], &rec) &&
		    cni_del_attachment(r, c, &stale[i], &rec, NULL))
			ret = -1;	/* its record stays: a retry finds it */
	free(stale);
	cni_state_gc(c);
	return ret;
}

static bool cni_same_addrs(const struct cli_cont *a, const struct cli_cont *b)
{
	unsigned int i, k;

	if (a->naddrs != b->naddrs)
		return false;
	for (i = 0; i < a->naddrs; i++) {
		for (k = 0; k < b->naddrs; k++)
			if (!memcmp(&a->addrs[i], &b->addrs[k],
				    sizeof(a->addrs[i])))
				break;
		if (k == b->naddrs)
			return false;
	}
	return true;
}

/* What differs between the container as stored and as wanted, or NULL. */
static const char *cni_differs(const struct cli_set *have,
			       const struct cli_set *want)
{
	unsigned int i;

	if (!cni_same_addrs(&have->cont, &want->cont))
		return "its addresses are not prevResult's";
	if (have->cont.default_drop != want->cont.default_drop)
		return "its default policy is not the config's";
	/* 'cpus' (runtimeConfig's or the config's), with hw: 0 is all. */
	if (have->cont.cpus != want->cont.cpus)
		return "its CPU set is not the config's (cpus)";
	if (have->nrules != want->nrules)
		return "its rule count is not the config's";
	for (i = 0; i < want->nrules; i++)
		if (!cli_rule_same(&have->rules[i], &want->rules[i]))
			return "its rules are not the config's";
	return NULL;
}

static int cni_check_prog(struct cni_req *r, struct cli *c, void *dev)
{
	int ifindex = if_nametoindex(dev);

	(void)c;
	if (!ifindex || !cli_is_rxlane(ifindex))
		return cni_fail(r, CNI_ERR_DIFFERS,
				"interface '%s' in %s has no rxlane program",
				(char *)dev, r->netns);
	return 0;
}

int cni_check(struct cni_req *r, struct cli *c)
{
	struct cli_set have;
	struct cni_netns ns;
	struct cni_rec rec;
	struct cli_cont ct;
	const char *why;
	int err;

	if (cni_build(r, c) || cni_pins_hidden(r, c->pin_dir) ||
	    cni_lock(r, c))
		return -1;
	err = cni_state_open(r, c, false);
	if (err < 0)
		return -1;
	if (err || cni_rec_get(&r->key, &rec))
		return cni_fail(r, CNI_ERR_MISSING,
				"no record of network '%s' container '%s' interface '%s'",
				r->net, r->cid, r->ifname);
	if (cli_cont_by_id(c, rec.cont_id, &ct) || strcmp(ct.name, rec.cont))
		return cni_fail(r, CNI_ERR_MISSING,
				"rxlane container '%s' is gone", rec.cont);
	cni_lib_begin();
	err = cni_lib_end(r, cli_set_load_own(c, &ct, &have), CNI_ERR_STATE);
	if (err)
		return err;
	why = cni_differs(&have, &r->set);
	cli_set_free(&have);
	if (why)
		return cni_fail(r, CNI_ERR_DIFFERS, "rxlane container '%s': %s",
				rec.cont, why);
	err = cni_in_netns(r, r->netns,
			   cni_netns_get(&r->key, &ns) ? 0 : ns.cookie,
			   cni_check_prog, c, (void *)r->ifname);
	if (err == -ENOENT)
		return cni_fail(r, CNI_ERR_ENV, "CNI_NETNS '%s' is gone",
				r->netns);
	if (err == -ESTALE)
		return cni_fail(r, CNI_ERR_DIFFERS,
				"CNI_NETNS '%s' is another network namespace than the one ADD attached in",
				r->netns);
	return err;
}
