// SPDX-License-Identifier: GPL-2.0
/*
 * cni_prog.c - rxlane-cni's programs: loaded and verified once, pinned in
 * the pin directory (cni_xdp, cni_tc), attached by fd to every container's
 * interface and uplink after that (Documentation/cni.rst, "Programs").
 *
 * A pinned program is used only when its record in cni_state says it was
 * pinned by this build (a fingerprint of both BPF objects) as that very
 * program (its id), and it uses the maps pinned now (the pinned
 * rxl_config is among its maps); else it is replaced: loaded again and
 * pinned over the old pin. Interfaces attached to the old program keep it
 * (the kernel holds it while attached). Everything here runs under the
 * CLI's lock.
 */
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli_bpffs.h"
#include "cni.h"
#include "cni_fp.h"

#define CNI_PROG_MAPS	64

static const char *const cni_prog_pin[CNI_NPROGS] = { "cni_xdp", "cni_tc" };

/*
 * Of both objects, computed when the plugin is built (the Makefile's
 * cni_fp.h: the first 16 hex digits of their SHA-256): another build,
 * another fingerprint. Hashing the 500 KB of the objects at each ADD cost
 * it 0.3 ms (performance.rst, "CNI plugin, per-call cost").
 */
static const char cni_fp[] = CNI_BPF_FP;
_Static_assert(sizeof(cni_fp) == 17, "cni_fp.h: 16 hex digits");

static void cni_prog_key(int which, struct cni_key *k)
{
	memset(k, 0, sizeof(*k));
	strcpy(k->cid, "program");
	strcpy(k->ifname, cni_prog_pin[which]);
}

/*
 * The program pinned as @which, if it may be used: its fd, else -1 (with
 * why on stderr when one was pinned).
 */
static int cni_prog_pinned(struct cli *c, int which, const char *fp)
{
	__u32 ids[CNI_PROG_MAPS], len, cfg, i;
	struct bpf_prog_info info = {};
	char path[PATH_MAX + 32], ipr[PATH_MAX];
	struct cni_key k;
	struct cni_rec v;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", c->pin_dir, cni_prog_pin[which]);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -1;
	cni_prog_key(which, &k);
	len = sizeof(info);
	info.nr_map_ids = CNI_PROG_MAPS;
	info.map_ids = (__u64)(unsigned long)ids;
	if (cni_rec_get(&k, &v) || strcmp(v.cont, fp) ||
	    bpf_obj_get_info_by_fd(fd, &info, &len) || info.id != v.cont_id)
		goto stale;
	/*
	 * The connection table both programs use, where the CLI finds the
	 * maps: the pin dir, else iproute2's.
	 */
	cfg = cli_pinned_id(c->pin_dir, "rxl_ct4") ?:
	      cli_pinned_id(cli_iproute_dir(ipr, sizeof(ipr)), "rxl_ct4");
	for (i = 0; i < info.nr_map_ids && i < CNI_PROG_MAPS; i++)
		if (cfg && ids[i] == cfg)
			return fd;
stale:
	fprintf(stderr, "rxlane-cni: %s was pinned by another build or over other maps: replacing it\n",
		path);
	close(fd);
	return -1;
}

__u32 cni_prog_id(int which)
{
	struct cni_key k;
	struct cni_rec v;

	cni_prog_key(which, &k);
	return cni_rec_get(&k, &v) || v.kind != CNI_REC_PROG ? 0 : v.cont_id;
}

/* Pin @fd as @which (over a stale pin) and record it. */
static int cni_prog_pin_one(struct cni_req *r, struct cli *c, int which,
			    int fd, const char *fp)
{
	struct cni_rec v = { .kind = CNI_REC_PROG };
	struct bpf_prog_info info = {};
	char path[PATH_MAX + 32];
	__u32 len = sizeof(info);
	struct cni_key k;
	int err;

	snprintf(path, sizeof(path), "%s/%s", c->pin_dir, cni_prog_pin[which]);
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return cni_fail(r, CNI_ERR_STATE, "program info: %s",
				strerror(errno));
	/* The record first: a pin without one is stale, never used. */
	v.cont_id = info.id;
	snprintf(v.cont, sizeof(v.cont), "%s", fp);
	cni_prog_key(which, &k);
	err = cni_rec_put(&k, &v);
	if (err)
		return cni_fail(r, CNI_ERR_STATE, "writing the record of %s: %s",
				path, strerror(-err));
	if (unlink(path) && errno != ENOENT)
		return cni_fail(r, CNI_ERR_STATE, "removing stale %s: %s", path,
				strerror(errno));
	if (bpf_obj_pin(fd, path))
		return cni_fail(r, CNI_ERR_STATE, "cannot pin %s: %s", path,
				strerror(errno));
	return 0;
}

int cni_progs_get(struct cni_req *r, struct cli *c, struct cni_progs *p)
{
	const char *fp = cni_fp;
	int i, err;

	for (i = 0; i < CNI_NPROGS; i++)
		p->fd[i] = cni_prog_pinned(c, i, fp);
	if (p->fd[CNI_PROG_XDP] >= 0 && p->fd[CNI_PROG_TC] >= 0)
		return 0;
	cni_progs_put(p);
	cni_lib_begin();
	err = cni_lib_end(r, cli_progs_load(c, &p->fd[CNI_PROG_XDP],
					    &p->fd[CNI_PROG_TC]),
			  CNI_ERR_ATTACH);
	for (i = 0; !err && i < CNI_NPROGS; i++)
		err = cni_prog_pin_one(r, c, i, p->fd[i], fp);
	if (err)
		cni_progs_put(p);
	return err;
}

void cni_progs_put(struct cni_progs *p)
{
	int i;

	for (i = 0; i < CNI_NPROGS; i++) {
		if (p->fd[i] >= 0)
			close(p->fd[i]);
		p->fd[i] = -1;
	}
}

void cni_progs_unpin(struct cli *c)
{
	char path[PATH_MAX + 32];
	struct cni_key k;
	int i;

	for (i = 0; i < CNI_NPROGS; i++) {
		snprintf(path, sizeof(path), "%s/%s", c->pin_dir,
			 cni_prog_pin[i]);
		unlink(path);
		cni_prog_key(i, &k);
		cni_rec_del(&k);
	}
}

int cni_progs_attach(struct cni_req *r, struct cli *c, const char *dev,
		     const struct cni_progs *p)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, undo);
	int ifindex = if_nametoindex(dev), err;

	if (!ifindex)
		return cni_fail(r, CNI_ERR_ATTACH, "no device '%s'", dev);
	err = bpf_xdp_attach(ifindex, p->fd[CNI_PROG_XDP],
			     XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	if (err)
		return cni_fail(r, CNI_ERR_ATTACH, "cannot attach to %s: %s",
				dev, strerror(-err));
	cni_lib_begin();
	err = cni_lib_end(r, cli_tc_attach_fd(c, dev, ifindex,
					      p->fd[CNI_PROG_TC]),
			  CNI_ERR_ATTACH);
	if (err) {
		undo.old_prog_fd = p->fd[CNI_PROG_XDP];
		bpf_xdp_detach(ifindex, 0, &undo);
	}
	return err;
}
