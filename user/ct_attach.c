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

/* One of rxlane's tc filters: the egress program, or the port check. */
struct cli_tc_place {
	enum bpf_tc_attach_point ap;
	const char *name;		/* its program's name */
	const char *what;		/* in messages */
};

static const struct cli_tc_place cli_tc_egress = {
	BPF_TC_EGRESS, CLI_TC_NAME, "tc egress program",
};

static const struct cli_tc_place cli_tc_port = {
	BPF_TC_INGRESS, CLI_TC_PORT_NAME, "anti-spoofing tc ingress program",
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

/* The program id at rxlane's place @ap on @ifindex, or 0. */
static __u32 cli_tc_query(int ifindex, enum bpf_tc_attach_point ap)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = ap);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = CLI_TC_HANDLE,
		    .priority = CLI_TC_PRIO);

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
	*prog_fd = dup(bpf_program__fd(pl->ap == BPF_TC_INGRESS ?
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
	__u32 old = cli_tc_query(ifindex, pl->ap);

	if (old && !cli_tc_prog_ours(old, pl->name))
		return cli_err(c, CLI_ERR, dev,
			       "%s has another program (%u) at rxlane's %s place (handle 0x%x prio %u): not replacing it",
			       dev, old, pl->what, CLI_TC_HANDLE, CLI_TC_PRIO);
	return 0;
}

static int cli_tc_place_attach_fd(struct cli *c, const struct cli_tc_place *pl,
				  const char *dev, int ifindex, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = pl->ap);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = CLI_TC_HANDLE,
		    .priority = CLI_TC_PRIO);
	__u32 old;
	int err = cli_tc_place_free(c, pl, dev, ifindex);

	if (err)
		return err;
	old = cli_tc_query(ifindex, pl->ap);
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
	__u32 id = cli_tc_query(ifindex, BPF_TC_EGRESS), slots;
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
		    .priority = CLI_TC_PRIO);
	__u32 id = cli_tc_query(ifindex, pl->ap);
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

/*
 * The check on @ct's device, if it has one that exists: attached with the
 * fast path's maps (c->maps_dir), where the binding is (fw_port.c).
 */
static int cli_tc_port_on(struct cli *c, const struct cli_cont *ct)
{
	const char *dir = c->maps_dir;
	int ifindex = ct->dev[0] ? (int)if_nametoindex(ct->dev) : 0;
	struct cli_ct_size size;
	__u32 slots;
	int err;

	if (!ifindex || c->dry_run)
		return 0;
	if (!dir[0])
		return cli_err(c, CLI_ERR, ct->dev,
			       "no pinned maps for the anti-spoofing program on %s",
			       ct->dev);
	slots = cli_pin_entries(dir, "rxl_rule_cnt");
	err = cli_ct_size(c, dir, NULL, &size);
	if (!err)
		err = cli_tc_place_attach(c, &cli_tc_port, dir, ct->dev, ifindex,
					  slots, &size);
	return err;
}

static int cli_tc_port_off(struct cli *c, const struct cli_cont *ct)
{
	int ifindex = ct->dev[0] ? (int)if_nametoindex(ct->dev) : 0;

	return ifindex ? cli_tc_place_detach(c, &cli_tc_port, ct->dev,
					     ifindex) : 0;
}

int cli_tc_port_sync(struct cli *c, const struct cli_cont *from,
		     const struct cli_cont *to)
{
	if (from && from->dev[0] && (!to || strcmp(from->dev, to->dev)) &&
	    cli_tc_port_off(c, from))
		return CLI_ERR;
	return to ? cli_tc_port_on(c, to) : 0;
}
