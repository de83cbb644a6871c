// SPDX-License-Identifier: GPL-2.0
/*
 * fw_open.c - open the fast path's maps (from pins, a program or an object),
 * check their layout, lock the pin directory, wait for grace periods.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fw_priv.h"

int rxl_fail(struct rxl_fw *fw, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fw->err, sizeof(fw->err), fmt, ap);
	va_end(ap);
	return err < 0 ? err : -err;
}

const char *rxl_fw_error(const struct rxl_fw *fw)
{
	return fw->err[0] ? fw->err : "no error";
}

/* ---- opening ------------------------------------------------------------ */

/*
 * The fast path's maps as bpf/rxl_maps.h defines them, with sizes from
 * include/rxlane_maps.h: a map is adopted (from pins, a program or an
 * object) only when it matches. max_entries 0: a capacity the loader
 * chooses (the tests shrink the rule maps).
 */
struct rxl_map_ref {
	struct rxl_map_layout l;
	size_t off;
};

#define RXL_MAP(n, t, k, v, max, flags) \
	{ { "rxl_" #n, BPF_MAP_TYPE_##t, k, v, max, flags, false, false, \
	    false }, offsetof(struct rxl_fw, n) }
/* A map sized at load for max-rules (max_entries 0 here). */
#define RXL_MAP_SIZED(n, t, k, v, flags) \
	{ { "rxl_" #n, BPF_MAP_TYPE_##t, k, v, 0, flags, true, false, \
	    false }, offsetof(struct rxl_fw, n) }
/*
 * A map sized at load for max-containers (max_entries 0 here): all have
 * the size of rxl_cont_cnt, checked at open. @opt: as RXL_MAP_OPT.
 */
#define RXL_MAP_CONTS(n, t, k, v, flags, opt) \
	{ { "rxl_" #n, BPF_MAP_TYPE_##t, k, v, 0, flags, false, true, \
	    opt }, offsetof(struct rxl_fw, n) }
/*
 * A map the XDP program does not use (anti-spoofing's, read by the tc
 * programs): absent from the maps of an attached program, so optional;
 * its fd stays -1 and fw_port.c does without it.
 */
#define RXL_MAP_OPT(n, t, k, v, max, flags) \
	{ { "rxl_" #n, BPF_MAP_TYPE_##t, k, v, max, flags, false, false, \
	    true }, offsetof(struct rxl_fw, n) }
#define RXL_U32		sizeof(__u32)
#define RXL_U64		sizeof(__u64)

static const struct rxl_map_ref rxl_maps[] = {
	RXL_MAP(config, ARRAY, RXL_U32, sizeof(struct rxl_config), 1, 0),
	RXL_MAP(vteps, ARRAY, RXL_U32, sizeof(struct rxl_vtep), RXL_MAX_VTEPS,
		0),
	RXL_MAP(vnis, ARRAY, RXL_U32, RXL_U64, RXL_VNI_WORDS, 0),
	RXL_MAP(addrs4, HASH, sizeof(__be32), sizeof(struct rxl_addr_val), 0,
		BPF_F_NO_PREALLOC),
	RXL_MAP(addrs6, HASH, sizeof(struct rxl_in6),
		sizeof(struct rxl_addr_val), 0, BPF_F_NO_PREALLOC),
	RXL_MAP_CONTS(conts, ARRAY, RXL_U32, sizeof(struct rxl_cont_slot),
		      BPF_F_MMAPABLE, false),
	RXL_MAP(acache_sel, ARRAY, RXL_U32, RXL_U64, RXL_ACACHE_SLOTS,
		BPF_F_MMAPABLE),
	RXL_MAP(acache, ARRAY, RXL_U32, sizeof(struct rxl_acache_ent),
		2 * RXL_ACACHE_SLOTS, 0),
	RXL_MAP_SIZED(rules4, HASH, sizeof(struct rxl_rule4_key),
		      sizeof(struct rxl_rule_val), BPF_F_NO_PREALLOC),
	RXL_MAP_SIZED(rules6, HASH, sizeof(struct rxl_rule6_key),
		      sizeof(struct rxl_rule_val), BPF_F_NO_PREALLOC),
	RXL_MAP_CONTS(tx_ports, DEVMAP, RXL_U32, RXL_U32, 0, false),
	RXL_MAP_SIZED(rule_cnt, PERCPU_ARRAY, RXL_U32,
		      sizeof(struct rxl_counter), 0),
	RXL_MAP_CONTS(cont_cnt, PERCPU_ARRAY, RXL_U32,
		      sizeof(struct rxl_cont_counter), 0, false),
	RXL_MAP(drops, PERCPU_ARRAY, RXL_U32, RXL_U64, RXL_DROP__MAX, 0),
	RXL_MAP(stats, PERCPU_ARRAY, RXL_U32, RXL_U64, RXL_STAT__MAX, 0),
	RXL_MAP_CONTS(ports, HASH, sizeof(struct rxl_port_key),
		      sizeof(struct rxl_port), BPF_F_NO_PREALLOC, true),
	RXL_MAP_CONTS(cont_port, ARRAY, RXL_U32, sizeof(struct rxl_port_key),
		      0, true),
	RXL_MAP_CONTS(spoof_cnt, PERCPU_ARRAY, RXL_U32,
		      sizeof(struct rxl_counter), 0, true),
};
#define RXL_NMAPS (sizeof(rxl_maps) / sizeof(rxl_maps[0]))

const struct rxl_map_layout *rxl_map_layout(const char *name)
{
	unsigned int i;

	for (i = 0; i < RXL_NMAPS; i++)
		if (!strcmp(rxl_maps[i].l.name, name))
			return &rxl_maps[i].l;
	return NULL;
}

static const char *rxl_map_mismatch(const struct bpf_map_info *info,
				    const struct rxl_map_layout *want,
				    __u32 *got, __u32 *exp)
{
	/* The kernel adds this flag to every devmap it creates. */
	__u32 kflags = want->type == BPF_MAP_TYPE_DEVMAP ? BPF_F_RDONLY_PROG : 0;

	if (info->type != want->type) {
		*got = info->type;
		*exp = want->type;
		return "type";
	}
	if (info->key_size != want->key_size) {
		*got = info->key_size;
		*exp = want->key_size;
		return "key size";
	}
	if (info->value_size != want->value_size) {
		*got = info->value_size;
		*exp = want->value_size;
		return "value size";
	}
	if ((info->map_flags & ~kflags) != want->map_flags) {
		*got = info->map_flags & ~kflags;
		*exp = want->map_flags;
		return "flags";
	}
	if (want->max_entries && info->max_entries != want->max_entries) {
		*got = info->max_entries;
		*exp = want->max_entries;
		return "max_entries";
	}
	return NULL;
}

int rxl_map_check(int fd, const struct rxl_map_layout *want,
		  const char *where, char *why, size_t len)
{
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info), got = 0, exp = 0;
	const char *what;

	if (bpf_obj_get_info_by_fd(fd, &info, &ilen)) {
		int err = -errno;

		snprintf(why, len, "%s: cannot read the map's info: %s", where,
			 strerror(-err));
		return err;
	}
	what = rxl_map_mismatch(&info, want, &got, &exp);
	if (!what)
		return 0;
	snprintf(why, len,
		 "%s is not this rxlane's %s: %s %u, want %u (another program's map or an older layout)",
		 where, want->name, what, got, exp);
	return -EINVAL;
}

static int *rxl_fd(struct rxl_fw *fw, unsigned int i)
{
	return (int *)((char *)fw + rxl_maps[i].off);
}

static void rxl_fw_init(struct rxl_fw *fw)
{
	unsigned int i;

	memset(fw, 0, sizeof(*fw));
	for (i = 0; i < RXL_NMAPS; i++)
		*rxl_fd(fw, i) = -1;
	fw->sync_outer = -1;
	fw->sync_inner = -1;
	fw->lock_fd = -1;
	fw->idx_fd = -1;
}

/*
 * Map the address cache's selector array: its slots flip with one aligned
 * store each (a map update is a memcpy, which promises no such thing).
 */
static int rxl_acache_map(struct rxl_fw *fw)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	void *mem;

	if (bpf_obj_get_info_by_fd(fw->acache_sel, &info, &len))
		return rxl_fail(fw, -errno, "rxl_acache_sel info: %s",
				strerror(errno));
	if (info.max_entries != RXL_ACACHE_SLOTS || info.value_size != 8 ||
	    !(info.map_flags & BPF_F_MMAPABLE))
		return rxl_fail(fw, -EINVAL,
				"rxl_acache_sel is not this build's (%u slots)",
				info.max_entries);
	mem = mmap(NULL, RXL_ACACHE_SLOTS * sizeof(__u64),
		   PROT_READ | PROT_WRITE, MAP_SHARED, fw->acache_sel, 0);
	if (mem == MAP_FAILED)
		return rxl_fail(fw, -errno, "cannot map rxl_acache_sel: %s",
				strerror(errno));
	fw->acache_live = mem;
	return 0;
}

/*
 * Map the container values (rxl_conts): a value is written into the
 * buffer no packet reads and made live with one aligned store
 * (fw_addr.c, rxl_cont_write()).
 */
static int rxl_conts_map(struct rxl_fw *fw)
{
	size_t len = (size_t)fw->max_conts * sizeof(struct rxl_cont_slot);
	long page = sysconf(_SC_PAGESIZE);
	void *mem;

	len = (len + page - 1) / page * page;
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fw->conts,
		   0);
	if (mem == MAP_FAILED)
		return rxl_fail(fw, -errno, "cannot map rxl_conts: %s",
				strerror(errno));
	fw->cont_mem = mem;
	fw->cont_mem_len = len;
	return 0;
}

/* max_entries of map @fd, 0 when its info cannot be read. */
static __u32 rxl_max_entries(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.max_entries;
}

/*
 * The number of container ids, max-containers: rxl_cont_cnt's size, which
 * every map sized for it must share (pins of mixed sizes would let an id
 * past one map's end in).
 */
static int rxl_conts_check(struct rxl_fw *fw, const char *dir)
{
	unsigned int i;
	__u32 n;

	fw->max_conts = rxl_max_entries(fw->cont_cnt);
	if (!fw->max_conts || fw->max_conts > RXL_MAX_CONTAINERS)
		return rxl_fail(fw, -EINVAL,
				"rxl_cont_cnt holds %u container ids, want 1-%u",
				fw->max_conts, RXL_MAX_CONTAINERS);
	for (i = 0; i < RXL_NMAPS; i++) {
		if (!rxl_maps[i].l.cont_sized || *rxl_fd(fw, i) < 0)
			continue;
		n = rxl_max_entries(*rxl_fd(fw, i));
		if (n != fw->max_conts)
			return rxl_fail(fw, -EINVAL,
					"%s%s%s holds %u container ids, rxl_cont_cnt %u: maps of two sizes",
					dir ?: "map", dir ? "/" : " ",
					rxl_maps[i].l.name, n, fw->max_conts);
	}
	return 0;
}

/*
 * Sizes and helpers every open path needs once the map fds are set. Each
 * map is checked against this build's layout first: a name is no proof
 * (anyone who can pin can pin a map under our name, and an older rxlane
 * left its own layout). @dir names the pins in messages, NULL: by name.
 */
static int rxl_fw_finish_open(struct rxl_fw *fw, const char *dir)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char where[PATH_MAX];
	unsigned int i;
	int err;

	for (i = 0; i < RXL_NMAPS; i++) {
		if (*rxl_fd(fw, i) < 0 && rxl_maps[i].l.optional)
			continue;
		if (*rxl_fd(fw, i) < 0)
			return rxl_fail(fw, -ENOENT, "map %s not found",
					rxl_maps[i].l.name);
		snprintf(where, sizeof(where), "%s%s%s", dir ?: "map",
			 dir ? "/" : " ", rxl_maps[i].l.name);
		err = rxl_map_check(*rxl_fd(fw, i), &rxl_maps[i].l, where,
				    fw->err, sizeof(fw->err));
		if (err)
			return err;
	}
	fw->ncpus = libbpf_num_possible_cpus();
	if (fw->ncpus < 1)
		return rxl_fail(fw, fw->ncpus, "cannot count possible CPUs");
	err = bpf_obj_get_info_by_fd(fw->rule_cnt, &info, &len);
	if (err)
		return rxl_fail(fw, -errno, "rxl_rule_cnt info: %s",
				strerror(errno));
	fw->rule_slots = info.max_entries;
	err = rxl_conts_check(fw, dir);
	return err ?: rxl_conts_map(fw) ?: rxl_acache_map(fw);
}

int rxl_fw_open_obj(struct rxl_fw *fw, struct bpf_object *obj)
{
	unsigned int i;
	int err;

	rxl_fw_init(fw);
	for (i = 0; i < RXL_NMAPS; i++) {
		struct bpf_map *m;

		m = bpf_object__find_map_by_name(obj, rxl_maps[i].l.name);
		if (m)
			*rxl_fd(fw, i) = dup(bpf_map__fd(m));
	}
	err = rxl_fw_finish_open(fw, NULL);
	if (err)
		rxl_fw_close(fw);
	return err;
}

/*
 * The object does not pin its device map (bpf/rxl_maps.h): a directory
 * made by iproute2 has none. The first opener pins one, so that everyone
 * who opens the directory, and every loader that reuses its pins by name
 * (rxlane attach), shares it. Sets errno on failure.
 */
static int rxl_tx_ports_get(const char *path, const char *dir)
{
	int fd = bpf_obj_get(path), err;
	char cnt[PATH_MAX];
	__u32 n;

	if (fd >= 0 || errno != ENOENT)
		return fd;
	/* As many ids as the counters have (rxl_conts_check()). */
	snprintf(cnt, sizeof(cnt), "%s/rxl_cont_cnt", dir);
	fd = bpf_obj_get(cnt);
	if (fd < 0)
		return fd;
	n = rxl_max_entries(fd);
	close(fd);
	fd = bpf_map_create(BPF_MAP_TYPE_DEVMAP, "rxl_tx_ports", sizeof(__u32),
			    sizeof(__u32), n ?: RXL_DEFAULT_CONTAINERS, NULL);
	if (fd < 0 || !bpf_obj_pin(fd, path))
		return fd;
	err = errno;
	close(fd);
	if (err != EEXIST) {
		errno = err;
		return -1;
	}
	return bpf_obj_get(path);	/* pinned meanwhile by another */
}

int rxl_fw_open_pinned(struct rxl_fw *fw, const char *dir)
{
	char path[PATH_MAX];
	unsigned int i;
	int err;

	rxl_fw_init(fw);
	/* The directory is the lock (rxl_lock): open it first. */
	fw->lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fw->lock_fd < 0)
		return rxl_fail(fw, -errno, "cannot open %s: %s", dir,
				strerror(errno));
	for (i = 0; i < RXL_NMAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, rxl_maps[i].l.name);
		*rxl_fd(fw, i) = rxl_fd(fw, i) == &fw->tx_ports ?
				 rxl_tx_ports_get(path, dir) :
				 bpf_obj_get(path);
		if (*rxl_fd(fw, i) < 0 && errno == ENOENT &&
		    rxl_maps[i].l.optional)
			continue;	/* pins of an older build */
		if (*rxl_fd(fw, i) < 0) {
			err = rxl_fail(fw, -errno, "cannot open %s: %s", path,
				       strerror(errno));
			rxl_fw_close(fw);
			return err;
		}
	}
	err = rxl_fw_finish_open(fw, dir);
	if (err)
		rxl_fw_close(fw);
	return err;
}

static void rxl_take_map(struct rxl_fw *fw, int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	unsigned int i;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		goto out;
	for (i = 0; i < RXL_NMAPS; i++) {
		if (strcmp(info.name, rxl_maps[i].l.name) || *rxl_fd(fw, i) >= 0)
			continue;
		*rxl_fd(fw, i) = fd;
		return;
	}
out:
	close(fd);
}

int rxl_fw_open_prog(struct rxl_fw *fw, __u32 prog_id)
{
	__u32 map_ids[64], len, i;
	struct bpf_prog_info info;
	int prog_fd, err;

	rxl_fw_init(fw);
	prog_fd = bpf_prog_get_fd_by_id(prog_id);
	if (prog_fd < 0)
		return rxl_fail(fw, -errno, "XDP program %u: %s", prog_id,
				strerror(errno));
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 64;
	info.map_ids = (__u64)(unsigned long)map_ids;
	len = sizeof(info);
	err = bpf_obj_get_info_by_fd(prog_fd, &info, &len);
	close(prog_fd);
	if (err)
		return rxl_fail(fw, -errno, "XDP program %u info: %s", prog_id,
				strerror(errno));
	for (i = 0; i < info.nr_map_ids && i < 64; i++) {
		int fd = bpf_map_get_fd_by_id(map_ids[i]);

		if (fd >= 0)
			rxl_take_map(fw, fd);
	}
	err = rxl_fw_finish_open(fw, NULL);
	if (err) {
		char why[sizeof(fw->err)];

		memcpy(why, fw->err, sizeof(why));
		rxl_fw_close(fw);
		snprintf(fw->err, sizeof(fw->err),
			 "XDP program %u is not rxlane's: %.200s", prog_id,
			 why);
	}
	return err;
}

int rxl_fw_open_ifindex(struct rxl_fw *fw, int ifindex)
{
	__u32 prog_id = 0;
	int err;

	rxl_fw_init(fw);
	err = bpf_xdp_query_id(ifindex, 0, &prog_id);
	if (err || !prog_id)
		return rxl_fail(fw, err ?: -ENOENT,
				"no XDP program on ifindex %d", ifindex);
	err = rxl_fw_open_prog(fw, prog_id);
	if (err) {
		char why[sizeof(fw->err)];

		memcpy(why, fw->err, sizeof(why));
		snprintf(fw->err, sizeof(fw->err), "%.200s (on ifindex %d)",
			 why, ifindex);
	}
	return err;
}

void rxl_fw_close(struct rxl_fw *fw)
{
	unsigned int i;

	for (i = 0; i < RXL_NMAPS; i++) {
		if (*rxl_fd(fw, i) >= 0)
			close(*rxl_fd(fw, i));
		*rxl_fd(fw, i) = -1;
	}
	if (fw->acache_live)
		munmap(fw->acache_live, RXL_ACACHE_SLOTS * sizeof(__u64));
	fw->acache_live = NULL;
	if (fw->cont_mem)
		munmap(fw->cont_mem, fw->cont_mem_len);
	fw->cont_mem = NULL;
	if (fw->sync_outer >= 0)
		close(fw->sync_outer);
	if (fw->sync_inner >= 0)
		close(fw->sync_inner);
	rxl_idx_close(fw);
	if (fw->lock_fd >= 0)
		close(fw->lock_fd);
	fw->sync_outer = fw->sync_inner = fw->lock_fd = -1;
}

/* ---- locking and grace periods ------------------------------------------ */

/*
 * Changes are serialised by an exclusive flock on the directory the maps
 * are pinned in: closed to others (the CLI insists on 0700), so no other
 * user can take it and stall every change, and it follows the directory
 * whoever opens the maps there. Maps opened from an object or a program
 * have no directory: their caller serialises, as one who holds the lock
 * already does (rxl_fw_lock_held).
 */
int rxl_lock(struct rxl_fw *fw)
{
	if (fw->lock_fd < 0 || fw->lock_held)
		return 0;
	if (flock(fw->lock_fd, LOCK_EX))
		return rxl_fail(fw, -errno, "cannot lock the pin directory: %s",
				strerror(errno));
	return 0;
}

int rxl_unlock(struct rxl_fw *fw, int ret)
{
	if (fw->lock_fd >= 0 && !fw->lock_held)
		flock(fw->lock_fd, LOCK_UN);
	return ret;
}

bool rxl_fw_lock_held(struct rxl_fw *fw, int dir_fd)
{
	struct stat a, b;

	if (fw->lock_fd < 0 || fstat(fw->lock_fd, &a) || fstat(dir_fd, &b) ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return false;
	fw->lock_held = true;
	return true;
}

/*
 * Updating an ARRAY_OF_MAPS returns only after synchronize_rcu(): every
 * XDP program that started before has finished. The two maps are made on
 * first use, which an in-place rule append never reaches, and without a
 * name: libbpf checks that the kernel takes object names before it names
 * a map (BPF_OBJ_NAME, 4.15), and that check loads probe programs, two
 * BPF_PROG_LOADs per process, more than the maps themselves cost
 * (performance.rst, "CNI plugin, per-call cost"). Nobody looks these two
 * up: they live only as long as the command.
 */
static int rxl_grace_maps(struct rxl_fw *fw)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);

	if (fw->sync_outer >= 0)
		return 0;
	if (fw->sync_inner < 0)
		fw->sync_inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL,
						4, 4, 1, NULL);
	if (fw->sync_inner < 0)
		return rxl_fail(fw, -errno, "cannot create sync map: %s",
				strerror(errno));
	opts.inner_map_fd = fw->sync_inner;
	fw->sync_outer = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, NULL,
					4, 4, 1, &opts);
	if (fw->sync_outer < 0)
		return rxl_fail(fw, -errno, "cannot create sync map: %s",
				strerror(errno));
	return 0;
}

/* Wait until no XDP program still holds a value read before this call. */
int rxl_grace_period(struct rxl_fw *fw)
{
	__u32 zero = 0;
	int err = rxl_grace_maps(fw);

	if (err)
		return err;
	if (bpf_map_update_elem(fw->sync_outer, &zero, &fw->sync_inner, 0))
		return rxl_fail(fw, -errno, "RCU wait failed: %s",
				strerror(errno));
	fw->acache_dirty = false;
	return 0;
}

int rxl_fw_settle(struct rxl_fw *fw)
{
	return rxl_grace_period(fw);
}
