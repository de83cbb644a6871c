// SPDX-License-Identifier: GPL-2.0
/*
 * cli_bpffs.c - find the CLI's state where users run it: inside
 * 'ip netns exec' (a fresh /sys: nothing mounted on /sys/fs/bpf),
 * 'nsenter --net' or a new mount namespace ('unshare -m').
 *
 * Pins live in a mount namespace, the XDP program on a device of a network
 * namespace. Each 'ip netns exec' mounts a fresh /sys, so the bpffs one
 * command mounted is gone for the next: pins alone cannot carry the state
 * from one command to the next. The kernel objects can: the program
 * attached to a device holds every map it uses, and the CLI binds its
 * record maps (cli_conts, cli_rules) to every rxlane program with
 * BPF_PROG_BIND_MAP, so that they are found through the attachment too.
 *
 * The order (Documentation/cli.rst, "Namespaces and bpffs"):
 *  1. pins: the pin directory (or iproute2's tc/globals) holds rxl_config
 *     or cli_conts: use them, as before;
 *  2. mount: a change, with the pin directory under /sys/fs/bpf and no
 *     bpffs mounted there, mounts one (mode 0700), as iproute2 and bpftool
 *     do;
 *  3. adopt: an rxlane program attached to a device of this network
 *     namespace gives its maps: a change re-pins them into the pin
 *     directory (so that a later 'attach' reuses them), a read uses them
 *     by fd and leaves the mounts and bpffs as they are.
 * Programs with different map sets in one namespace (attached with
 * different pin directories): a change is refused, a read shows the set of
 * the device with the lowest ifindex and warns.
 */
#define _GNU_SOURCE	/* renameat2() */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/magic.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "cli_bpffs.h"

#define CLI_BPFFS		"/sys/fs/bpf"
#define CLI_PROG_MAPS		64	/* map ids read per program */

/* One rxlane program attached in this network namespace. */
struct cli_prog {
	char dev[16];
	__u32 prog_id;
	__u32 config_id;	/* its rxl_config: names the map set */
	__u32 conts_id, rules_id;	/* bound records, 0: none */
	__u32 nids;
	__u32 ids[CLI_PROG_MAPS];
};

static int cli_map_name(__u32 id, char *name, size_t len)
{
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info);
	int fd = bpf_map_get_fd_by_id(id), err;

	if (fd < 0)
		return -errno;
	err = bpf_obj_get_info_by_fd(fd, &info, &ilen) ? -errno : 0;
	close(fd);
	if (!err)
		snprintf(name, len, "%s", info.name);
	return err;
}

/* Fill @p from program @prog_id's maps: 0 when it is rxlane's. */
static int cli_prog_scan(__u32 prog_id, struct cli_prog *p)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), i;
	char name[BPF_OBJ_NAME_LEN];
	int fd, err;

	p->prog_id = prog_id;
	p->config_id = 0;
	p->conts_id = 0;
	p->rules_id = 0;
	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return -errno;
	info.nr_map_ids = CLI_PROG_MAPS;
	info.map_ids = (__u64)(unsigned long)p->ids;
	err = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
	close(fd);
	if (err)
		return err;
	p->nids = info.nr_map_ids < CLI_PROG_MAPS ? info.nr_map_ids :
		  CLI_PROG_MAPS;
	for (i = 0; i < p->nids; i++) {
		if (cli_map_name(p->ids[i], name, sizeof(name)))
			continue;
		if (!strcmp(name, "rxl_config"))
			p->config_id = p->ids[i];
		/* Records bound twice (pins removed, records made anew): the newest. */
		else if (!strcmp(name, "cli_conts") && p->ids[i] > p->conts_id)
			p->conts_id = p->ids[i];
		else if (!strcmp(name, "cli_rules") && p->ids[i] > p->rules_id)
			p->rules_id = p->ids[i];
	}
	return p->config_id ? 0 : -ENOENT;
}

__u32 cli_prog_config_id(__u32 prog_id)
{
	struct cli_prog p;

	return cli_prog_scan(prog_id, &p) ? 0 : p.config_id;
}

int cli_attached_map(const char *dev, const char *name)
{
	char n[BPF_OBJ_NAME_LEN];
	unsigned int ifindex = if_nametoindex(dev);
	__u32 prog_id = 0, i;
	struct cli_prog p;
	int err, fd;

	if (!ifindex)
		return -errno;
	err = bpf_xdp_query_id(ifindex, 0, &prog_id);
	if (err)
		return err;
	err = prog_id ? cli_prog_scan(prog_id, &p) : -ENOENT;
	for (i = 0; !err && i < p.nids; i++) {
		if (cli_map_name(p.ids[i], n, sizeof(n)) || strcmp(n, name))
			continue;
		fd = bpf_map_get_fd_by_id(p.ids[i]);
		return fd < 0 ? -errno : fd;
	}
	return err ?: -ENOENT;
}

/* The rxlane programs attached in this netns, by ifindex; *@out malloc'ed. */
static int cli_progs(struct cli_prog **out, unsigned int *n)
{
	struct cli_xdp_link *links;
	unsigned int nl, i;
	int err;

	*out = NULL;
	*n = 0;
	err = cli_xdp_list(0, &links, &nl);
	if (err)
		return err;
	*out = calloc(nl ?: 1, sizeof(**out));
	if (!*out) {
		free(links);
		return -ENOMEM;
	}
	for (i = 0; i < nl; i++) {
		struct cli_prog *p = &(*out)[*n];

		if (cli_prog_scan(links[i].prog_id, p))
			continue;
		snprintf(p->dev, sizeof(p->dev), "%s", links[i].name);
		(*n)++;
	}
	free(links);
	return 0;
}

static bool cli_pinned(const char *dir, const char *name)
{
	char path[PATH_MAX + 32];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !lstat(path, &st);
}

/*
 * 0: @dir does not exist; 1: it is one cli_state_open() accepts (a
 * directory on bpffs, ours, 0700); -1: it will be refused there, with the
 * reason, so nothing may be adopted into it or instead of it.
 */
static int cli_dir_state(const char *dir)
{
	struct statfs sfs;
	struct stat st;

	if (lstat(dir, &st))
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode) || statfs(dir, &sfs) ||
	    sfs.f_type != BPF_FS_MAGIC || st.st_uid != geteuid() ||
	    (st.st_mode & 077))
		return -1;
	return 1;
}

/* Step 2: bpffs on /sys/fs/bpf when the pin directory lies under it. */
static int cli_bpffs_mount(struct cli *c)
{
	size_t n = strlen(CLI_BPFFS);
	struct statfs sfs;

	if (strncmp(c->pin_dir, CLI_BPFFS, n) || c->pin_dir[n] != '/')
		return 0;
	if (!statfs(CLI_BPFFS, &sfs) && sfs.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", CLI_BPFFS, "bpf", 0, "mode=0700"))
		return cli_err(c, CLI_ERR, CLI_BPFFS,
			       "no bpffs on %s and cannot mount one: %s",
			       CLI_BPFFS, strerror(errno));
	if (c->verbose)
		fprintf(stderr, "%s: mounted bpffs on %s\n", c->prog,
			CLI_BPFFS);
	return 0;
}

/*
 * Pin map @id as DIR/its name. Internal maps (".rodata"...) are the
 * instance's own and never pinned; records ("cli_*") only when @records.
 */
static int cli_pin_id(struct cli *c, __u32 id, bool records)
{
	char name[BPF_OBJ_NAME_LEN], path[PATH_MAX + 32];
	int fd, err = 0;

	if (cli_map_name(id, name, sizeof(name)) || strchr(name, '.') ||
	    (!records && !strncmp(name, "cli_", 4)))
		return 0;
	snprintf(path, sizeof(path), "%s/%s", c->pin_dir, name);
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0 || (bpf_obj_pin(fd, path) && errno != EEXIST))
		err = cli_err(c, CLI_ERR, path, "cannot pin %s (map %u): %s",
			      path, id, strerror(errno));
	if (fd >= 0)
		close(fd);
	return err;
}

/* nftw(): stop at the first pinned object (a file that is no symlink). */
static int cli_pin_seen(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	(void)path;
	(void)st;
	(void)ftw;
	return type == FTW_F || type == FTW_DNR || type == FTW_NS;
}

/*
 * The pin directory exists and another user made it. bpffs's root is 1777
 * unless mounted with a mode (systemd mounts it 0700; other hosts and
 * containers do not), so any user can make /sys/fs/bpf/rxlane first, and
 * cli_check_owner() would then refuse every change: a denial of service,
 * as a lock file in a world-writable directory was. Root takes the name
 * back when nothing is pinned below that directory: only pins give it a
 * meaning, and a user without BPF privileges can make directories and
 * symlinks there, never pins. The directory is kept for its owner under
 * another name (nothing of theirs is deleted), and root makes its own. A
 * directory with pins (another user's rxlane state) is never touched: it
 * is refused by cli_check_dir() as before. The new name has no '.': bpffs
 * refuses such names (its own files are maps.debug, progs.debug).
 */
static int cli_pin_dir_reclaim(struct cli *c)
{
	char aside[PATH_MAX];
	struct stat st;

	if (geteuid() || lstat(c->pin_dir, &st) || !S_ISDIR(st.st_mode) ||
	    st.st_uid == geteuid())
		return 0;	/* cli_check_dir() says what is wrong */
	if (nftw(c->pin_dir, cli_pin_seen, 16, FTW_PHYS))
		return 0;	/* pins, or what cannot be read: refused */
	if (snprintf(aside, sizeof(aside), "%s-uid%u-%d", c->pin_dir,
		     st.st_uid, getpid()) >= (int)sizeof(aside))
		return 0;
	if (renameat2(AT_FDCWD, c->pin_dir, AT_FDCWD, aside,
		      RENAME_NOREPLACE))
		return cli_err(c, CLI_ERR, c->pin_dir,
			       "%s (made by uid %u, no pin in it): cannot move it aside to %s: %s",
			       c->pin_dir, st.st_uid, aside, strerror(errno));
	fprintf(stderr,
		"rxlane: warning: %s was made by uid %u and held no pin: moved to %s\n",
		c->pin_dir, st.st_uid, aside);
	if (mkdir(c->pin_dir, 0700))
		return cli_err(c, CLI_ERR, c->pin_dir,
			       "cannot create %s after moving uid %u's aside: %s",
			       c->pin_dir, st.st_uid, strerror(errno));
	return 0;
}

int cli_pin_dir_make(struct cli *c)
{
	char parent[PATH_MAX], *slash;
	struct statfs sfs;

	if (strlen(c->pin_dir) >= sizeof(parent))
		return cli_err(c, CLI_ERR, c->pin_dir, "%s: %s", c->pin_dir,
			       strerror(ENAMETOOLONG));
	strcpy(parent, c->pin_dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	else if (slash)
		slash[1] = '\0';
	/* Refuse before making anything: a directory off bpffs holds no pin. */
	if (!access(c->pin_dir, F_OK) || statfs(parent, &sfs))
		goto make;
	if (sfs.f_type != BPF_FS_MAGIC)
		return cli_err(c, CLI_ERR, c->pin_dir,
			       "%s is not on a bpf filesystem (mount -t bpf bpf /sys/fs/bpf)",
			       c->pin_dir);
make:
	if (!mkdir(c->pin_dir, 0700))
		return 0;
	if (errno != EEXIST)
		return cli_err(c, CLI_ERR, c->pin_dir,
			       "cannot create %s: %s (is bpffs mounted?)",
			       c->pin_dir, strerror(errno));
	return cli_pin_dir_reclaim(c);
}

/* A read: take the records by fd, nothing pinned (cli_state_open). */
static int cli_adopt_fds(struct cli *c, const struct cli_prog *p)
{
	if (!p->conts_id || !p->rules_id)
		return 0;
	c->conts_fd = bpf_map_get_fd_by_id(p->conts_id);
	c->rules_fd = bpf_map_get_fd_by_id(p->rules_id);
	if (c->conts_fd >= 0 && c->rules_fd >= 0)
		return 0;
	return cli_err(c, CLI_ERR, p->dev,
		       "cannot open the records bound to program %u on %s: %s",
		       p->prog_id, p->dev, strerror(errno));
}

/* A change: re-pin @p's maps (and its set's records) into the pin dir. */
static int cli_adopt_pins(struct cli *c, const struct cli_prog *p)
{
	int err = cli_pin_dir_make(c);
	__u32 i;

	for (i = 0; i < p->nids && !err; i++)
		err = cli_pin_id(c, p->ids[i], false);
	if (!err && p->conts_id)
		err = cli_pin_id(c, p->conts_id, true);
	if (!err && p->rules_id)
		err = cli_pin_id(c, p->rules_id, true);
	if (!err && c->verbose)
		fprintf(stderr, "%s: pinned the maps of program %u on %s in %s\n",
			c->prog, p->prog_id, p->dev, c->pin_dir);
	return err;
}

/*
 * Step 3: the set of the first program (lowest ifindex), with records
 * from whichever program of that set has them bound.
 */
static int cli_adopt(struct cli *c, struct cli_prog *v, unsigned int n,
		     bool create)
{
	struct cli_prog *p = &v[0];
	unsigned int i;

	for (i = 1; i < n; i++) {
		if (v[i].config_id == p->config_id) {
			p->conts_id = p->conts_id ?: v[i].conts_id;
			p->rules_id = p->rules_id ?: v[i].rules_id;
			continue;
		}
		if (create)
			return cli_err(c, CLI_ERR, v[i].dev,
				       "%s and %s run rxlane with different maps (loaded over different pins) and %s has no pins: detach one, or use the pin directory that holds them",
				       p->dev, v[i].dev, c->pin_dir);
		fprintf(stderr,
			"%s: warning: %s runs rxlane with other maps than %s: showing %s's\n",
			c->prog, v[i].dev, p->dev, p->dev);
	}
	return create ? cli_adopt_pins(c, p) : cli_adopt_fds(c, p);
}

int cli_bpffs_prepare(struct cli *c, bool create)
{
	struct cli_prog *progs;
	char ipr[PATH_MAX];
	unsigned int n;
	int err = 0;

	if (cli_pinned(c->pin_dir, "rxl_config") ||
	    cli_pinned(c->pin_dir, "cli_conts") ||
	    cli_pinned(cli_iproute_dir(ipr, sizeof(ipr)), "rxl_config"))
		return 0;
	if (cli_dir_state(c->pin_dir) < 0)
		return 0;	/* cli_state_open() says why */
	if (cli_progs(&progs, &n))
		n = 0;		/* no dump: as if nothing were attached */
	if (create)
		err = cli_bpffs_mount(c);
	if (!err && n)
		err = cli_adopt(c, progs, n, create);
	free(progs);
	return err;
}

/*
 * The maps of anti-spoofing (fw_port.c): the tc programs use them, the XDP
 * program does not, so they are not among its maps unless bound to it.
 */
static const char *const cli_port_maps[] = {
	"rxl_ports", "rxl_cont_port", "rxl_spoof_cnt",
};

/*
 * Bind the records (c->conts_fd, c->rules_fd) and the anti-spoofing maps
 * pinned in @dir (NULL: none) to XDP program @prog_fd (@prog_id, for the
 * message), so that a command that finds no pins (a fresh 'ip netns exec')
 * finds them all through the attachment. A map bound already is no change.
 */
static int cli_bind_prog(struct cli *c, int prog_fd, __u32 prog_id,
			 const char *dir)
{
	char path[PATH_MAX + 32];
	unsigned int i;
	int fd, err;

	if (bpf_prog_bind_map(prog_fd, c->conts_fd, NULL) ||
	    bpf_prog_bind_map(prog_fd, c->rules_fd, NULL))
		return cli_err(c, CLI_ERR, NULL,
			       "cannot bind the records to XDP program %u: %s",
			       prog_id, strerror(errno));
	for (i = 0; dir && i < sizeof(cli_port_maps) / sizeof(*cli_port_maps);
	     i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, cli_port_maps[i]);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;	/* pins of an older build */
		err = bpf_prog_bind_map(prog_fd, fd, NULL) ? -errno : 0;
		close(fd);
		if (err)
			return cli_err(c, CLI_ERR, path,
				       "cannot bind %s to XDP program %u: %s",
				       path, prog_id, strerror(-err));
	}
	return 0;
}

__u32 cli_pinned_id(const char *dir, const char *name)
{
	struct bpf_map_info info = {};
	char path[PATH_MAX + 32];
	__u32 len = sizeof(info);
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	close(fd);
	return info.id;
}

int cli_bpffs_bind(struct cli *c, int prog_fd, const char *dir)
{
	struct cli_prog *progs;
	char ipr[PATH_MAX];
	unsigned int n, i;
	__u32 config;
	int err = 0;

	if (c->conts_fd < 0 || c->rules_fd < 0)
		return 0;
	if (prog_fd >= 0)
		return cli_bind_prog(c, prog_fd, 0, dir);
	/*
	 * The lock's bind (prog_fd < 0) dumps every link of the netns: with
	 * a host-side veth per container it grows with them. rxlane-cni
	 * skips it: the programs it attaches were bound when loaded, and
	 * one attached by 'ip link ... xdp obj' is bound by the next CLI
	 * command's lock.
	 */
	if (c->no_bind)
		return 0;
	config = cli_pinned_id(c->pin_dir, "rxl_config");
	dir = c->pin_dir;
	if (!config) {
		dir = cli_iproute_dir(ipr, sizeof(ipr));
		config = cli_pinned_id(dir, "rxl_config");
	}
	c->link_dumps += !!config;
	if (!config || cli_progs(&progs, &n))
		return 0;
	for (i = 0; i < n && !err; i++) {
		if (progs[i].config_id != config)
			continue;
		prog_fd = bpf_prog_get_fd_by_id(progs[i].prog_id);
		if (prog_fd < 0)
			continue;	/* detached meanwhile */
		err = cli_bind_prog(c, prog_fd, progs[i].prog_id, dir);
		close(prog_fd);
	}
	free(progs);
	return err;
}
