// SPDX-License-Identifier: GPL-2.0
/*
 * cli_state.c - the CLI's pin directory, its lock, the fast path's maps
 * and the CLI's own metadata maps.
 *
 * bpffs lets anyone who can open a pin use the map, so the pin directory
 * is the access control: it must be a directory on bpffs, owned by the
 * user running the CLI (root) and closed to group and others (0700).
 * Anything else is refused, never repaired. Changes hold an exclusive
 * flock on the directory (as xdp-tools does), the one lock: fw.c locks the
 * directory its maps are pinned in, and takes no lock of its own when that
 * is the one the CLI holds (rxl_fw_lock_held). Only its owner can open a
 * 0700 directory, so no other user can take the lock and stall changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cli.h"
#include "cli_bpffs.h"

#define CLI_RULES_PIN	"cli_rules"

/* Refuse a directory or pin another user made or opened up. */
static int cli_check_owner(struct cli *c, const char *path,
			   const struct stat *st)
{
	if (st->st_uid != geteuid())
		return cli_err(c, CLI_ERR, path,
			       "%s is owned by uid %u, not %u: refusing to use it",
			       path, st->st_uid, geteuid());
	if (st->st_mode & 077)
		return cli_err(c, CLI_ERR, path,
			       "%s has mode %04o, open to others: refusing to use it (want 0700)",
			       path, st->st_mode & 07777);
	return 0;
}

static int cli_check_dir(struct cli *c, int fd, const char *path)
{
	struct statfs sfs;
	struct stat st;

	if (fstat(fd, &st) || fstatfs(fd, &sfs))
		return cli_err(c, CLI_ERR, path, "%s: %s", path,
			       strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return cli_err(c, CLI_ERR, path, "%s is not a directory", path);
	if (sfs.f_type != BPF_FS_MAGIC)
		return cli_err(c, CLI_ERR, path,
			       "%s is not on a bpf filesystem (mount -t bpf bpf /sys/fs/bpf)",
			       path);
	return cli_check_owner(c, path, &st);
}

static int cli_open_pin(struct cli *c, const char *name)
{
	char path[PATH_MAX + 32];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", c->pin_dir, name);
	if (lstat(path, &st))
		return -errno;
	if (cli_check_owner(c, path, &st))
		return -EPERM;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	return fd;
}

static int cli_make_map(struct cli *c, const char *name, __u32 ksz,
			__u32 vsz, __u32 max)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	char path[PATH_MAX + 32];
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_HASH, name, ksz, vsz, max, &opts);
	if (fd < 0) {
		cli_err(c, CLI_ERR, name, "cannot create map %s: %s", name,
			strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", c->pin_dir, name);
	if (bpf_obj_pin(fd, path)) {
		cli_err(c, CLI_ERR, path, "cannot pin %s: %s", path,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The metadata maps; created when @create and missing. */
static int cli_meta_open(struct cli *c, bool create)
{
	__u32 ksz, vsz, max;

	c->conts_fd = cli_open_pin(c, CLI_CONTS_PIN);
	if (c->conts_fd == -ENOENT && create)
		c->conts_fd = cli_make_map(c, CLI_CONTS_PIN, sizeof(__u32),
					   sizeof(struct cli_cont),
					   RXL_MAX_CONTAINERS);
	c->rules_fd = cli_open_pin(c, CLI_RULES_PIN);
	cli_rec_create_size(&ksz, &vsz, &max);
	if (c->rules_fd == -ENOENT && create)
		c->rules_fd = cli_make_map(c, CLI_RULES_PIN, ksz, vsz, max);
	if (c->conts_fd == -EPERM || c->rules_fd == -EPERM)
		return CLI_ERR;
	if (create && (c->conts_fd < 0 || c->rules_fd < 0))
		return cli_err(c, CLI_ERR, c->pin_dir,
			       "cannot open the metadata maps in %s",
			       c->pin_dir);
	return 0;
}

int cli_lock(struct cli *c)
{
	if (c->dir_fd < 0)
		return 0;
	if (flock(c->dir_fd, LOCK_EX))
		return cli_err(c, CLI_ERR, c->pin_dir, "cannot lock %s: %s",
			       c->pin_dir, strerror(errno));
	c->locked = true;
	if (c->fw_open)
		rxl_fw_lock_held(&c->fw, c->dir_fd);
	return 0;
}

/*
 * The pin directory, resolved as Documentation/cli.rst says: its pins, a
 * bpffs mounted where none is, or the maps of the rxlane program attached
 * in this netns (cli_bpffs.c); a read may get the records by fd only.
 */
int cli_state_open(struct cli *c, bool create)
{
	int err;

	err = cli_bpffs_prepare(c, create);
	if (err || c->conts_fd >= 0)
		return err;
	if (create && cli_pin_dir_make(c))
		return CLI_ERR;
	c->dir_fd = open(c->pin_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			 O_CLOEXEC);
	if (c->dir_fd < 0 && errno == ENOENT && !create)
		return 0;	/* nothing configured yet */
	if (c->dir_fd < 0)
		return cli_err(c, CLI_ERR, c->pin_dir, "cannot open %s: %s%s",
			       c->pin_dir, strerror(errno),
			       errno == EACCES || errno == EPERM ?
			       CLI_NEEDS_ROOT : "");
	err = cli_check_dir(c, c->dir_fd, c->pin_dir);
	if (!err && create)
		err = cli_lock(c);
	if (!err)
		err = cli_meta_open(c, create);
	if (!err && create)
		err = cli_bpffs_bind(c, -1, NULL);
	/* Under the lock: finish what a killed command left undone. */
	if (!err && create)
		err = cli_recover(c);
	return err;
}

void cli_state_close(struct cli *c)
{
	if (c->fw_open)
		rxl_fw_close(&c->fw);
	c->fw_open = false;
	cli_idx_close(c);
	if (c->conts_fd >= 0)
		close(c->conts_fd);
	if (c->rules_fd >= 0)
		close(c->rules_fd);
	if (c->dir_fd >= 0)
		close(c->dir_fd);
	c->conts_fd = c->rules_fd = c->dir_fd = -1;
	c->locked = false;
}

/* ---- the fast path's maps ---------------------------------------------- */

const char *cli_iproute_dir(char *buf, size_t len)
{
	const char *mnt = getenv("TC_BPF_MNT");

	snprintf(buf, len, "%s/tc/globals", mnt && *mnt ? mnt : "/sys/fs/bpf");
	return buf;
}

/* 1: @dir holds the fast path's maps, 0: it does not, -errno: unknown. */
static int cli_has_maps(const char *dir)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/rxl_config", dir);
	if (!access(path, F_OK))
		return 1;
	return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
}

/* Maps in @dir are used only if no other user could have put them there. */
int cli_check_maps_dir(struct cli *c, const char *dir)
{
	struct stat st;

	if (stat(dir, &st))
		return cli_err(c, CLI_ERR, dir, "%s: %s", dir, strerror(errno));
	return cli_check_owner(c, dir, &st);
}

static int cli_open_dir_maps(struct cli *c, const char *dir)
{
	if (cli_check_maps_dir(c, dir))
		return CLI_ERR;
	if (rxl_fw_open_pinned(&c->fw, dir))
		return cli_fw_err(c, "opening the fast path's maps");
	snprintf(c->maps_dir, sizeof(c->maps_dir), "%s", dir);
	c->fw_open = true;
	if (c->locked)
		rxl_fw_lock_held(&c->fw, c->dir_fd);
	return 0;
}

/*
 * The maps of an rxlane program attached to any device in this netns;
 * -ENOENT when there is none, -EPERM when one could not be read.
 */
static int cli_open_attached(struct cli *c)
{
	struct cli_xdp_link *links;
	unsigned int n, i;
	int ret = -ENOENT, err;

	if (cli_xdp_list(0, &links, &n))
		return -ENOENT;
	for (i = 0; i < n && ret; i++) {
		err = rxl_fw_open_prog(&c->fw, links[i].prog_id);
		if (err == -EPERM || err == -EACCES) {
			ret = err;
			continue;
		}
		if (err)
			continue;
		snprintf(c->maps_dir, sizeof(c->maps_dir), "dev %s",
			 links[i].name);
		c->fw_open = true;
		ret = 0;
	}
	free(links);
	return ret;
}

/* Why the maps in @dir cannot even be looked for: a permission, mostly. */
static int cli_no_access(struct cli *c, const char *dir, int err)
{
	return cli_err(c, CLI_ERR, dir, "cannot use %s: %s%s", dir,
		       strerror(-err),
		       err == -EACCES || err == -EPERM ? CLI_NEEDS_ROOT : "");
}

int cli_fw_find(struct cli *c)
{
	char ipr[PATH_MAX];
	int has, err;

	if (c->fw_open)
		return 0;
	has = cli_has_maps(c->pin_dir);
	if (has < 0)
		return cli_no_access(c, c->pin_dir, has);
	if (has)
		return cli_open_dir_maps(c, c->pin_dir);
	cli_iproute_dir(ipr, sizeof(ipr));
	has = cli_has_maps(ipr);
	if (has < 0)
		return cli_no_access(c, ipr, has);
	if (has)
		return cli_open_dir_maps(c, ipr);
	err = cli_open_attached(c);
	if (err == -EPERM || err == -EACCES)
		return cli_err(c, CLI_ERR, NULL,
			       "cannot read the XDP programs of this network namespace: %s"
			       CLI_NEEDS_ROOT, strerror(-err));
	return err;
}

int cli_fw_open(struct cli *c)
{
	int err = cli_fw_find(c);

	if (err != -ENOENT)
		return err;
	return cli_err(c, CLI_ERR, NULL,
		       "the rxlane XDP program is not loaded: run 'rxlane attach DEV' first");
}

/* ---- metadata ---------------------------------------------------------- */

static int cli_cmp_cont(const void *a, const void *b)
{
	const struct cli_cont *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * A committed change that is not done yet (its command is running, or
 * was killed): the listing shows the containers as the intent leaves
 * them, as the records already do, and as the fast path will.
 */
static void cli_cont_intent(struct cli *c, struct cli_cont *v, unsigned int *n)
{
	struct cli_intent in;
	unsigned int i, k = 0;

	if (cli_intent_get(c, &in))
		return;
	for (i = 0; i < *n; i++) {
		if ((in.flags & CLI_INTENT_OLD) && v[i].id == in.old.id)
			continue;
		if ((in.flags & CLI_INTENT_NEW) && v[i].id == in.new.id)
			continue;
		v[k++] = v[i];
	}
	if ((in.flags & CLI_INTENT_NEW) && k < cli_max_conts(c))
		v[k++] = in.new;
	*n = k;
}

__u32 cli_max_conts(struct cli *c)
{
	char ipr[PATH_MAX];

	if (c->fw_open && c->fw.max_conts)
		return c->fw.max_conts;
	if (!c->max_conts)
		c->max_conts = cli_pin_entries(c->pin_dir, "rxl_cont_cnt") ?:
			       cli_pin_entries(cli_iproute_dir(ipr, sizeof(ipr)),
					       "rxl_cont_cnt") ?:
			       RXL_DEFAULT_CONTAINERS;
	return c->max_conts < RXL_MAX_CONTAINERS ? c->max_conts :
						   RXL_MAX_CONTAINERS;
}

int cli_cont_all(struct cli *c, struct cli_cont **out, unsigned int *n)
{
	__u32 key, next, *prev = NULL, max = cli_max_conts(c);
	struct cli_cont *v;

	*n = 0;
	*out = v = calloc(max, sizeof(*v));
	if (!v)
		return cli_err(c, CLI_ERR, NULL, "out of memory");
	if (c->conts_fd < 0)
		return 0;
	while (*n < max &&
	       !bpf_map_get_next_key(c->conts_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(c->conts_fd, &key, &v[*n]))
			(*n)++;
	}
	cli_cont_intent(c, v, n);
	qsort(v, *n, sizeof(*v), cli_cmp_cont);
	return 0;
}

int cli_cont_by_name(struct cli *c, const char *name, struct cli_cont *out)
{
	struct cli_cont *all;
	unsigned int n, i;
	int ret = -ENOENT;

	if (cli_cont_all(c, &all, &n))
		return -ENOMEM;
	for (i = 0; i < n && ret; i++) {
		if (!strcmp(all[i].name, name)) {
			*out = all[i];
			ret = 0;
		}
	}
	free(all);
	return ret;
}

int cli_find_cont(struct cli *c, const char *name, struct cli_cont *out)
{
	if (!cli_cont_by_name(c, name, out))
		return 0;
	return cli_err(c, CLI_ERR, name, "no container '%s'", name);
}

int cli_free_id(struct cli *c, const bool *taken, __u32 *id)
{
	__u32 i, max = cli_max_conts(c);

	for (i = 0; i < max; i++) {
		if (!taken[i]) {
			*id = i;
			return 0;
		}
	}
	return cli_err(c, CLI_ERR, NULL,
		       "all %u container ids are in use (the maps were sized by 'rxlane attach DEV max-containers N')",
		       max);
}

int cli_cmp_rule_handle(const void *a, const void *b)
{
	const struct cli_rule *x = a, *y = b;

	return x->handle < y->handle ? -1 : x->handle > y->handle;
}

int cli_set_load(struct cli *c, const struct cli_cont *cont,
		 struct cli_set *s)
{
	struct cli_rule_key *keys;
	struct cli_rule *rules;
	unsigned int n, i, k = 0;
	int err;

	memset(s, 0, sizeof(*s));
	s->cont = *cont;
	err = cli_rules_all(c, &keys, &rules, &n);
	if (err) {
		free(keys);
		free(rules);
		return cli_err(c, CLI_ERR, NULL, "reading rules: %s",
			       strerror(-err));
	}
	for (i = 0; i < n; i++)
		if (keys[i].id == cont->id)
			rules[k++] = rules[i];
	free(keys);
	qsort(rules, k, sizeof(*rules), cli_cmp_rule_handle);
	s->rules = rules;
	s->nrules = k;
	return 0;
}

void cli_set_free(struct cli_set *s)
{
	free(s->rules);
	s->rules = NULL;
	s->nrules = 0;
}

int cli_open_rw(struct cli *c)
{
	int err = 0;

	if (!c->dry_run)
		err = cli_fw_open(c);
	if (!err)
		err = cli_state_open(c, !c->dry_run);
	/*
	 * Maps found through the attachment ("dev X": no pins were seen)
	 * are pinned in the pin directory now (cli_bpffs_prepare()): the
	 * loaders of the tc programs and the guard reuse them from there.
	 */
	if (!err && c->fw_open && !strncmp(c->maps_dir, "dev ", 4) &&
	    cli_has_maps(c->pin_dir) == 1)
		snprintf(c->maps_dir, sizeof(c->maps_dir), "%s", c->pin_dir);
	return err;
}

int cli_open_ro(struct cli *c)
{
	return cli_state_open(c, false);
}

/* The rules of all @n containers @conts at once: one dump of cli_rules. */
int cli_sets_load(struct cli *c, const struct cli_cont *conts, unsigned int n,
		  struct cli_set *sets)
{
	int *slot = malloc(RXL_MAX_CONTAINERS * sizeof(*slot));
	struct cli_rule_key *keys = NULL;
	struct cli_rule *rules = NULL;
	unsigned int i, total = 0;
	int err = slot ? cli_rules_all(c, &keys, &rules, &total) : -ENOMEM;

	for (i = 0; i < n; i++) {
		memset(&sets[i], 0, sizeof(sets[i]));
		sets[i].cont = conts[i];
	}
	for (i = 0; !err && i < RXL_MAX_CONTAINERS; i++)
		slot[i] = -1;
	for (i = 0; !err && i < n; i++)
		slot[conts[i].id % RXL_MAX_CONTAINERS] = i;
	for (i = 0; !err && i < total; i++)
		if (keys[i].id < RXL_MAX_CONTAINERS && slot[keys[i].id] >= 0)
			sets[slot[keys[i].id]].nrules++;
	for (i = 0; !err && i < n; i++) {
		sets[i].rules = malloc((sets[i].nrules ?: 1) * sizeof(*rules));
		if (!sets[i].rules)
			err = -ENOMEM;
		sets[i].nrules = 0;
	}
	for (i = 0; !err && i < total; i++) {
		struct cli_set *s;

		if (keys[i].id >= RXL_MAX_CONTAINERS || slot[keys[i].id] < 0)
			continue;
		s = &sets[slot[keys[i].id]];
		s->rules[s->nrules++] = rules[i];
	}
	for (i = 0; !err && i < n; i++)
		qsort(sets[i].rules, sets[i].nrules, sizeof(*rules),
		      cli_cmp_rule_handle);
	free(slot);
	free(keys);
	free(rules);
	if (err)
		return cli_err(c, CLI_ERR, NULL, "reading rules: %s",
			       strerror(-err));
	return 0;
}
