// SPDX-License-Identifier: GPL-2.0
/*
 * ct_attach.c - the tc egress program of connection tracking
 * (bpf/rxlane_tc.bpf.c, Documentation/conntrack.rst): sized tables,
 * attach to a device's clsact egress hook beside the XDP program, and
 * detach of exactly that filter.
 *
 * The filter sits at a fixed handle and priority (CLI_TC_HANDLE,
 * CLI_TC_PRIO) on the egress hook; detach removes the filter found there
 * only when its program is rxlane's (SCHED_CLS named rxlane_tc), and the
 * clsact qdisc only when no filter of anyone is left on it.
 */
#include <errno.h>
#include <net/if.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>

#include "cli.h"
#include "rxlane_tc.skel.h"

#define CLI_TC_HANDLE	0x72786c	/* "rxl" */
#define CLI_TC_PRIO	0x7278
#define CLI_TC_PORT_PRIO	(CLI_TC_PRIO - 1)	/* before rxlane_tc */
#define CLI_TC_NAME	"rxlane_tc"
#define CLI_TC_PORT_NAME	"rxlane_tc_port"

__u32 cli_pin_entries(const char *dir, const char *name)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX + 32];
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	return err ? 0 : info.max_entries;
}

/*
 * The size of the tables pinned in @dir as @pin (IPv4's), asked as @want
 * (0: any) with @word, the default @def: into *@size.
 */
static int cli_ct_size_one(struct cli *c, const char *dir, const char *pin,
			   const char *word, const char *what, __u32 want,
			   __u32 def, __u32 *size)
{
	__u32 pinned = cli_pin_entries(dir, pin);

	*size = want ?: def;
	if (!pinned)
		return 0;
	if (want && pinned != want)
		return cli_err(c, CLI_ERR, word,
			       "the %s pinned in %s hold %u entries, not %u: detach every device and remove the pins to size them anew",
			       what, dir, pinned, want);
	*size = pinned;
	return 0;
}

int cli_ct_size(struct cli *c, const char *dir, const struct cli_ct_size *want,
		struct cli_ct_size *size)
{
	static const struct cli_ct_size any;

	if (!want)
		want = &any;
	return cli_ct_size_one(c, dir, "rxl_ct4", "ct-size",
			       "connection tables", want->entries,
			       RXL_CT_DEFAULT_ENTRIES, &size->entries) ?:
	       cli_ct_size_one(c, dir, "rxl_ct4_half", "ct-half-open",
			       "half-open connection tables", want->half_open,
			       RXL_CT_DEFAULT_HALF_OPEN, &size->half_open);
}

void cli_ct_size_maps(struct bpf_object *obj, const struct cli_ct_size *size)
{
	const char *name;
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		name = bpf_map__name(m);
		if (!strcmp(name, "rxl_ct4") || !strcmp(name, "rxl_ct6"))
			bpf_map__set_max_entries(m, size->entries);
		if (!strcmp(name, "rxl_ct4_half") ||
		    !strcmp(name, "rxl_ct6_half"))
			bpf_map__set_max_entries(m, size->half_open);
	}
}

/*
 * One of rxlane's tc filters: the egress program, or the port check on a
 * host-side device's ingress or on a container's own interface's egress.
 * The latter sits one priority ahead of the egress program (tc runs the
 * lower number first) and lets what it passes go on to it (TC_ACT_UNSPEC,
 * rxl_tc_port_next): in cls_bpf's direct-action mode TC_ACT_OK would end
 * classification, and rxlane_tc there would never see the frame.
 */
struct cli_tc_place {
	enum bpf_tc_attach_point ap;
	const char *name;		/* its program's name */
	const char *what;		/* in messages */
	__u32 prio;
	bool port;			/* rxlane_tc_port */
	bool next;			/* pass on to the next filter */
};

static const struct cli_tc_place cli_tc_egress = {
	BPF_TC_EGRESS, CLI_TC_NAME, "tc egress program", CLI_TC_PRIO,
	false, false,
};

static const struct cli_tc_place cli_tc_port = {
	BPF_TC_INGRESS, CLI_TC_PORT_NAME, "anti-spoofing tc ingress program",
	CLI_TC_PRIO, true, false,
};

static const struct cli_tc_place cli_tc_port_egress = {
	BPF_TC_EGRESS, CLI_TC_PORT_NAME, "anti-spoofing tc egress program",
	CLI_TC_PORT_PRIO, true, true,
};

/* Whether program @id is rxlane's program @name. */
static bool cli_tc_prog_ours(__u32 id, const char *name)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);
	bool ours;

	if (fd < 0)
		return false;
	ours = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	       info.type == BPF_PROG_TYPE_SCHED_CLS &&
	       !strcmp(info.name, name);
	close(fd);
	return ours;
}

/* The program id at rxlane's place @ap, @prio on @ifindex, or 0. */
static __u32 cli_tc_query(int ifindex, enum bpf_tc_attach_point ap,
			  __u32 prio)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = ap);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = CLI_TC_HANDLE,
		    .priority = prio);

	return bpf_tc_query(&hook, &q) ? 0 : q.prog_id;
}

/*
 * Load the tc object with the maps pinned in @dir and give a new fd of
 * the program of place @pl in *@prog_fd: the egress program, or the
 * anti-spoofing check, whose namespace cookie is the loader's (it must
 * run in the namespace it is attached in).
 */
static int cli_tc_place_load(struct cli *c, const struct cli_tc_place *pl,
			     const char *dir, __u32 slots,
			     const struct cli_ct_size *ct, int *prog_fd)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = dir);
	struct rxlane_tc *skel;
	int err;

	*prog_fd = -1;
	skel = rxlane_tc__open_opts(&oo);
	if (!skel)
		return cli_err(c, CLI_ERR, NULL, "cannot open the tc object: %s",
			       strerror(errno));
	skel->rodata->rxl_tc_netns = rxl_netns_cookie();
	skel->rodata->rxl_tc_port_next = pl->next;
	cli_ct_size_maps(skel->obj, ct);
	err = cli_reuse_pins(c, skel->obj, dir, slots, true);
	if (err)
		goto out;
	err = rxlane_tc__load(skel);
	if (err) {
		err = cli_err(c, CLI_ERR, NULL,
			      "cannot load the %s (maps in %s): %s", pl->what,
			      dir, strerror(-err));
		goto out;
	}
	*prog_fd = dup(bpf_program__fd(pl->port ?
				       skel->progs.rxlane_tc_port :
				       skel->progs.rxlane_tc));
	if (*prog_fd < 0)
		err = cli_err(c, CLI_ERR, NULL, "dup: %s", strerror(errno));
out:
	rxlane_tc__destroy(skel);
	return err;
}

/* Refuse when another loader's program is at rxlane's place @pl. */
static int cli_tc_place_free(struct cli *c, const struct cli_tc_place *pl,
			     const char *dev, int ifindex)
{
	__u32 old = cli_tc_query(ifindex, pl->ap, pl->prio);

	if (old && !cli_tc_prog_ours(old, pl->name))
		return cli_err(c, CLI_ERR, dev,
			       "%s has another program (%u) at rxlane's %s place (handle 0x%x prio %u): not replacing it",
			       dev, old, pl->what, CLI_TC_HANDLE, pl->prio);
	return 0;
}

static int cli_tc_place_attach_fd(struct cli *c, const struct cli_tc_place *pl,
				  const char *dev, int ifindex, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = pl->ap);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = CLI_TC_HANDLE,
		    .priority = pl->prio);
	__u32 old;
	int err = cli_tc_place_free(c, pl, dev, ifindex);

	if (err)
		return err;
	old = cli_tc_query(ifindex, pl->ap, pl->prio);
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return cli_err(c, CLI_ERR, dev, "cannot add clsact to %s: %s",
			       dev, strerror(-err));
	opts.prog_fd = prog_fd;
	/* A filter of an earlier attach (its XDP program went another way). */
	opts.flags = old ? BPF_TC_F_REPLACE : 0;
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		return cli_err(c, CLI_ERR, dev, "cannot attach the %s to %s: %s",
			       pl->what, dev, strerror(-err));
	return 0;
}

static int cli_tc_place_attach(struct cli *c, const struct cli_tc_place *pl,
			       const char *dir, const char *dev, int ifindex,
			       __u32 slots, const struct cli_ct_size *ct)
{
	int fd, err = cli_tc_place_free(c, pl, dev, ifindex);

	if (err)
		return err;
	err = cli_tc_place_load(c, pl, dir, slots, ct, &fd);
	if (err)
		return err;
	err = cli_tc_place_attach_fd(c, pl, dev, ifindex, fd);
	close(fd);
	return err;
}

int cli_tc_load(struct cli *c, const char *dir, __u32 slots,
		const struct cli_ct_size *ct, int *prog_fd)
{
	return cli_tc_place_load(c, &cli_tc_egress, dir, slots, ct, prog_fd);
}

int cli_tc_attach_fd(struct cli *c, const char *dev, int ifindex, int prog_fd)
{
	return cli_tc_place_attach_fd(c, &cli_tc_egress, dev, ifindex,
				      prog_fd);
}

int cli_tc_attach(struct cli *c, const char *dir, const char *dev,
		  int ifindex, __u32 slots, const struct cli_ct_size *ct)
{
	return cli_tc_place_attach(c, &cli_tc_egress, dir, dev, ifindex,
				   slots, ct);
}

/*
 * 'rxlane attach DEV' on a device that has rxlane's XDP program already:
 * re-add the tc egress filter when it is missing (tc filter del, a
 * clsact deleted by hand), over the maps in @dir that the XDP program
 * uses. Another loader's filter at rxlane's place is refused and left
 * alone. *@added tells whether a filter was added (would be, dry run); 0
 * with it false: the filter is there, nothing was missing.
 */
int cli_tc_repair(struct cli *c, const char *dir, const char *dev,
		  int ifindex, const struct cli_ct_size *ct_want, bool *added)
{
	__u32 id = cli_tc_query(ifindex, BPF_TC_EGRESS, CLI_TC_PRIO), slots;
	struct cli_ct_size size;
	char path[PATH_MAX + 32];
	int err;

	*added = false;
	if (id && cli_tc_prog_ours(id, CLI_TC_NAME))
		return 0;
	err = cli_tc_place_free(c, &cli_tc_egress, dev, ifindex);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/rxl_config", dir);
	if (access(path, F_OK))
		return cli_err(c, CLI_ERR, dev,
			       "the %s is missing on %s, but the maps of its XDP program are not pinned in %s: detach %s and attach it again",
			       cli_tc_egress.what, dev, dir, dev);
	slots = cli_pin_entries(dir, "rxl_rule_cnt");
	err = cli_ct_size(c, dir, ct_want, &size);
	if (!err && !c->dry_run)
		err = cli_tc_attach(c, dir, dev, ifindex, slots, &size);
	*added = !err;
	return err;
}

/* ---- detach ------------------------------------------------------------ */

static int cli_tc_count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	++*(unsigned int *)data;
	return MNL_CB_OK;
}

/* Filters on @ifindex's clsact hook @parent (any owner), or -errno. */
static int cli_tc_filters(int ifindex, __u32 parent)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	unsigned int seq = time(NULL), n = 0, portid;
	struct nlmsghdr *nlh;
	struct tcmsg *tcm;
	int ret, err = 0;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID)) {
		err = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETTFILTER;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = parent;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	do {
		ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret <= 0) {
			err = ret < 0 ? -errno : -EIO;
			break;
		}
		ret = mnl_cb_run(buf, ret, seq, portid, cli_tc_count_cb, &n);
	} while (ret > MNL_CB_STOP);
	if (!err && ret < 0)
		err = errno == ENOENT || errno == EINVAL ? 0 : -errno;
out:
	mnl_socket_close(nl);
	return err ?: (int)n;
}

static int cli_tc_place_detach(struct cli *c, const struct cli_tc_place *pl,
			       const char *dev, int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = pl->ap);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = CLI_TC_HANDLE,
		    .priority = pl->prio);
	__u32 id = cli_tc_query(ifindex, pl->ap, pl->prio);
	int err, in, out;

	if (!id || !cli_tc_prog_ours(id, pl->name))
		return 0;	/* none, or another loader's: left alone */
	if (c->dry_run)
		return 0;
	err = bpf_tc_detach(&hook, &opts);
	if (err && err != -ENOENT)
		return cli_err(c, CLI_ERR, dev, "cannot detach the %s from %s: %s",
			       pl->what, dev, strerror(-err));
	in = cli_tc_filters(ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS));
	out = cli_tc_filters(ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS));
	if (in == 0 && out == 0) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
	return 0;
}

int cli_tc_detach(struct cli *c, const char *dev, int ifindex)
{
	return cli_tc_place_detach(c, &cli_tc_egress, dev, ifindex);
}

/* ---- anti-spoofing on containers' devices ------------------------------ */

/* The sizes of the tables pinned in c->maps_dir, for a load beside them. */
static int cli_tc_port_sizes(struct cli *c, const char *dev, __u32 *slots,
			     struct cli_ct_size *size)
{
	if (!c->maps_dir[0])
		return cli_err(c, CLI_ERR, dev,
			       "no pinned maps for the anti-spoofing program on %s",
			       dev);
	*slots = cli_pin_entries(c->maps_dir, "rxl_rule_cnt");
	return cli_ct_size(c, c->maps_dir, NULL, size);
}

/*
 * In @ct's namespace (cli_in_netns()): the check on the egress of its
 * interface, recorded by ifindex. Loaded here, so that the instance's
 * rxl_tc_netns is this namespace's cookie.
 */
static int cli_tc_port_on_in(struct cli *c, void *arg)
{
	const struct cli_cont *ct = arg;
	char name[IF_NAMESIZE];
	struct cli_ct_size size;
	__u32 slots = 0;
	int err;

	if (!if_indextoname(ct->port_ifindex, name)) {
		unsigned int now = if_nametoindex(ct->port);

		/* Made again: 'check --repair' moves the binding to it. */
		if (now)
			return cli_err(c, CLI_ERR, ct->port,
				       "container '%s': its port %s in netns %s is ifindex %u now, not %u (deleted and made again): run 'rxlane check --repair'",
				       ct->name, ct->port, ct->netns, now,
				       ct->port_ifindex);
		/* Gone: nothing can send through it, nothing to attach. */
		fprintf(stderr, "container '%s': no anti-spoofing check to attach to %s: no interface '%s' (ifindex %u) in netns %s any more\n",
			ct->name, ct->port, ct->port, ct->port_ifindex,
			ct->netns);
		return 0;
	}
	err = cli_tc_port_sizes(c, ct->port, &slots, &size);
	if (!err)
		err = cli_tc_place_attach(c, &cli_tc_port_egress, c->maps_dir,
					  ct->port, ct->port_ifindex, slots,
					  &size);
	return err;
}

static int cli_tc_port_off_in(struct cli *c, void *arg)
{
	const struct cli_cont *ct = arg;

	/* Gone, or another interface took its ifindex: nothing of ours. */
	return cli_tc_place_detach(c, &cli_tc_port_egress, ct->port,
				   ct->port_ifindex);
}

/*
 * Whether the namespace @ct's port was recorded in is gone: its path
 * removed, nothing bound there, or another namespace bound there since
 * (cookies are never reused). Its interface went with it, and with it
 * everything the check was to stop: nothing to attach, no error (a
 * runtime's DEL, or 'port none', unbinds the container). @why says which.
 */
static bool cli_port_ns_gone(const struct cli_cont *ct, char *why,
			     size_t len)
{
	__u64 cookie;
	int fd;

	fd = cli_netns_open(ct->netns, ct->netns_cookie, &cookie, why, len);
	if (fd >= 0) {
		close(fd);
		return false;
	}
	return fd == -ENOENT || fd == -EINVAL || fd == -ESTALE;
}

/*
 * The check on @ct's device, if it has one that exists: attached with the
 * fast path's maps (c->maps_dir), where the binding is (fw_port.c). Or on
 * its own interface in its namespace, which must be there: the binding
 * written before this names it.
 */
static int cli_tc_port_on(struct cli *c, const struct cli_cont *ct)
{
	char dev[IF_NAMESIZE];
	int ifindex = cli_dev_now(ct, dev);
	struct cli_ct_size size;
	char why[256] = "";
	__u32 slots = 0;
	int err;

	if (c->dry_run)
		return 0;
	if (ct->port[0] && cli_port_ns_gone(ct, why, sizeof(why))) {
		fprintf(stderr, "container '%s': no anti-spoofing check to attach to %s: %s (its interface went with its namespace)\n",
			ct->name, ct->port, why);
		return 0;
	}
	if (ct->port[0]) {
		err = cli_in_netns(c, ct->netns, ct->netns_cookie,
				   cli_tc_port_on_in, (void *)ct, why,
				   sizeof(why));
		if (err < 0)
			return cli_err(c, CLI_ERR, ct->port,
				       "container '%s': cannot attach the anti-spoofing check to %s: %s",
				       ct->name, ct->port, why);
		/* No socket of its namespace may send around the check. */
		return err ?: cli_port_guard(c);
	}
	/* No device, or gone: nothing sends through it. */
	if (!ifindex)
		return 0;
	err = cli_tc_port_sizes(c, dev, &slots, &size);
	if (!err)
		err = cli_tc_place_attach(c, &cli_tc_port, c->maps_dir, dev,
					  ifindex, slots, &size);
	return err;
}

static int cli_tc_port_off(struct cli *c, const struct cli_cont *ct)
{
	char dev[IF_NAMESIZE];
	int ifindex = cli_dev_now(ct, dev);
	char why[256] = "";
	int err;

	if (ct->port[0]) {
		if (c->dry_run)
			return 0;
		/* The namespace gone, or another one at its path: not ours. */
		err = cli_in_netns(c, ct->netns, ct->netns_cookie,
				   cli_tc_port_off_in, (void *)ct, why,
				   sizeof(why));
		return err > 0 ? err : 0;
	}
	/* By ifindex: renamed since, it is still the one it was put on. */
	return ifindex ? cli_tc_place_detach(c, &cli_tc_port, dev, ifindex) :
			 0;
}

static int cli_tc_port_attached_in(struct cli *c, void *arg)
{
	const struct cli_cont *ct = arg;
	char name[IF_NAMESIZE];
	__u32 id;

	(void)c;
	if (!if_indextoname(ct->port_ifindex, name))
		return 0;	/* gone: nothing to tell */
	id = cli_tc_query(ct->port_ifindex, BPF_TC_EGRESS, CLI_TC_PORT_PRIO);
	return id && cli_tc_prog_ours(id, CLI_TC_PORT_NAME) ? 0 : 1;
}

bool cli_tc_port_attached(struct cli *c, const struct cli_cont *ct)
{
	char why[256] = "";

	return !ct->port[0] ||
	       cli_in_netns(c, ct->netns, ct->netns_cookie,
			    cli_tc_port_attached_in, (void *)ct, why,
			    sizeof(why)) != 1;
}

/*
 * Whether @a and @b are checked at the same place: the same interface of
 * the same namespace, or the same host-side device (by ifindex: a name
 * may have been given to it since).
 */
static bool cli_tc_port_same(const struct cli_cont *a, const struct cli_cont *b)
{
	if (a->port[0] && b->port[0])
		return a->port_ifindex == b->port_ifindex &&
		       a->netns_cookie == b->netns_cookie;
	if (a->port[0] || b->port[0])
		return false;
	return cli_dev_ref(a) == cli_dev_ref(b);
}

int cli_tc_port_sync(struct cli *c, const struct cli_cont *from,
		     const struct cli_cont *to)
{
	/*
	 * The new place first: a move whose new check cannot be attached
	 * leaves the old one where it was, never detached for a moment
	 * (the caller puts the binding back).
	 */
	if (to && cli_tc_port_on(c, to))
		return CLI_ERR;
	if (from && (from->dev[0] || from->port[0]) &&
	    (!to || !cli_tc_port_same(from, to)) && cli_tc_port_off(c, from))
		return CLI_ERR;
	return 0;
}
