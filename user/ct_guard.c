// SPDX-License-Identifier: GPL-2.0
/*
 * ct_guard.c - the guard of containers' namespaces against sockets that
 * send around tc egress (bpf/rxlane_guard.bpf.c; Documentation/
 * conntrack.rst, "The port check").
 *
 * One cgroup link per set of maps: rxlane_sockopt attached to the cgroup
 * v2 root, its link pinned beside the maps as rxl_guard_link. It is made
 * with the first container bound by its own interface ('port IF netns
 * PATH') and lives as long as the pin: removing the pin directory (or
 * unmounting its bpffs) detaches it. Bound to no such container, it
 * refuses nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "cli.h"
#include "rxlane_guard.skel.h"

#define CLI_GUARD_PIN	"rxl_guard_link"
#define CLI_GUARD_PROG	"rxlane_sockopt"

static void cli_guard_path(const struct cli *c, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", c->maps_dir, CLI_GUARD_PIN);
}

bool cli_port_guarded(struct cli *c)
{
	struct bpf_link_info link = {};
	struct bpf_prog_info prog = {};
	__u32 llen = sizeof(link), plen = sizeof(prog);
	char path[PATH_MAX + 32];
	int fd, pfd;
	bool ok;

	if (!c->maps_dir[0])
		return false;
	cli_guard_path(c, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	ok = !bpf_obj_get_info_by_fd(fd, &link, &llen) &&
	     link.type == BPF_LINK_TYPE_CGROUP &&
	     link.cgroup.attach_type == BPF_CGROUP_SETSOCKOPT;
	close(fd);
	if (!ok)
		return false;
	pfd = bpf_prog_get_fd_by_id(link.prog_id);
	if (pfd < 0)
		return false;
	ok = !bpf_obj_get_info_by_fd(pfd, &prog, &plen) &&
	     !strcmp(prog.name, CLI_GUARD_PROG);
	close(pfd);
	return ok;
}

/*
 * The cgroup v2 root, opened: where systemd mounts it (unified or
 * hybrid), else (not mounted
 * in this mount namespace: 'ip netns exec' mounts a fresh /sys) a mount
 * of our own on a temporary directory, detached once it is open.
 */
static int cli_cgroup_root(struct cli *c)
{
	char dir[] = "/tmp/rxlane-cg.XXXXXX";
	struct statfs fs;
	int fd, err;

	static const char *const where[] = {
		"/sys/fs/cgroup",		/* unified */
		"/sys/fs/cgroup/unified",	/* hybrid (systemd) */
	};
	unsigned int i;

	for (i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		fd = open(where[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 && !fstatfs(fd, &fs) &&
		    fs.f_type == CGROUP2_SUPER_MAGIC)
			return fd;
		if (fd >= 0)
			close(fd);
	}
	if (!mkdtemp(dir))
		return cli_err(c, CLI_ERR, NULL,
			       "no cgroup v2 hierarchy at /sys/fs/cgroup, and no directory to mount one: %s",
			       strerror(errno));
	if (mount("cgroup2", dir, "cgroup2", 0, NULL)) {
		err = errno;
		rmdir(dir);
		return cli_err(c, CLI_ERR, NULL,
			       "no cgroup v2 hierarchy at /sys/fs/cgroup, and none can be mounted: %s",
			       strerror(err));
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	err = errno;
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	if (fd < 0)
		return cli_err(c, CLI_ERR, NULL, "cgroup v2 root: %s",
			       strerror(err));
	return fd;
}

int cli_port_guard(struct cli *c)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = c->maps_dir);
	char path[PATH_MAX + 32];
	struct rxlane_guard *skel;
	struct bpf_link *link;
	int cg, err;

	if (c->dry_run || cli_port_guarded(c))
		return 0;
	cli_guard_path(c, path, sizeof(path));
	/* Not ours (another program's link, a file): not replaced. */
	if (!access(path, F_OK))
		return cli_err(c, CLI_ERR, path,
			       "%s is not rxlane's guard (a cgroup link of %s): remove it",
			       path, CLI_GUARD_PROG);
	/* rxl_ports only, checked and reused: never made here. */
	snprintf(path, sizeof(path), "%s/rxl_ports", c->maps_dir);
	err = bpf_obj_get(path);
	if (err < 0)
		return cli_err(c, CLI_ERR, path,
			       "no anti-spoofing bindings pinned at %s: %s",
			       path, strerror(errno));
	close(err);
	cli_guard_path(c, path, sizeof(path));
	skel = rxlane_guard__open_opts(&oo);
	if (!skel)
		return cli_err(c, CLI_ERR, NULL, "cannot open the guard object: %s",
			       strerror(errno));
	err = cli_reuse_pins(c, skel->obj, c->maps_dir, 0, true);
	if (err)
		goto out;
	err = rxlane_guard__load(skel);
	if (err) {
		err = cli_err(c, CLI_ERR, NULL,
			      "cannot load the guard (maps in %s): %s",
			      c->maps_dir, strerror(-err));
		goto out;
	}
	cg = cli_cgroup_root(c);
	if (cg < 0) {
		err = cg;
		goto out;
	}
	link = bpf_program__attach_cgroup(skel->progs.rxlane_sockopt, cg);
	err = link ? 0 : -errno;
	close(cg);
	if (err) {
		err = cli_err(c, CLI_ERR, NULL,
			      "cannot attach the guard to the cgroup v2 root: %s",
			      strerror(-err));
		goto out;
	}
	err = bpf_link__pin(link, path);
	if (err)
		err = cli_err(c, CLI_ERR, path, "cannot pin the guard at %s: %s",
			      path, strerror(-err));
	/* Pinned, it stays attached; unpinned, it goes with its fd. */
	bpf_link__destroy(link);
out:
	rxlane_guard__destroy(skel);
	return err;
}

/*
 * Whether any container of the records is bound by its own interface:
 * -1 when the records cannot be read (then the guard stays).
 */
static int cli_port_any(struct cli *c)
{
	struct cli_cont *all = NULL;
	unsigned int n = 0, i;
	int any = 0;

	if (cli_cont_all(c, &all, &n))
		return -1;
	for (i = 0; i < n && !any; i++)
		any = all[i].port[0] != 0;
	free(all);
	return any;
}

bool cli_port_guard_unused(struct cli *c)
{
	return !c->dry_run && cli_port_guarded(c) && cli_port_any(c) == 0;
}

int cli_port_unguard(struct cli *c)
{
	char path[PATH_MAX + 32];

	if (!cli_port_guard_unused(c))
		return 0;
	cli_guard_path(c, path, sizeof(path));
	/* The pin was the link's last holder: the program is detached. */
	if (unlink(path) && errno != ENOENT) {
		fprintf(stderr, "%s: the guard (%s) is no longer needed, but cannot be removed: %s; 'rxlane check --repair' removes it\n",
			c->prog, path, strerror(errno));
		return -errno;
	}
	return 0;
}
