// SPDX-License-Identifier: GPL-2.0
/*
 * fw.c - userspace access to the rxlane XDP fast path's maps.
 *
 * Rule sets are compiled here: rules are ranked (stable sort by priority),
 * grouped by (family, source prefix, protocol), each group resolved into
 * disjoint destination-port segments, and written under a fresh set tag.
 * The container's address entries are then replaced, one at a time, each
 * followed by an RCU grace period, and only then is the old set removed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
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

#include "fw.h"

#define RXL_SET_GEN_BITS	20
#define RXL_SET_GEN_MASK	((1U << RXL_SET_GEN_BITS) - 1)
#define RXL_MAX_GROUP_RULES	1024	/* rules under one (prefix, proto) */
#define RXL_BATCH		8192

static int rxl_fail(struct rxl_fw *fw, int err, const char *fmt, ...)
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
	{ { "rxl_" #n, BPF_MAP_TYPE_##t, k, v, max, flags },	\
	  offsetof(struct rxl_fw, n) }
#define RXL_U32		sizeof(__u32)
#define RXL_U64		sizeof(__u64)

static const struct rxl_map_ref rxl_maps[] = {
	RXL_MAP(config, ARRAY, RXL_U32, sizeof(struct rxl_config), 1, 0),
	RXL_MAP(vteps, ARRAY, RXL_U32, sizeof(struct rxl_vtep), RXL_MAX_VTEPS,
		0),
	RXL_MAP(vnis, ARRAY, RXL_U32, RXL_U64, RXL_VNI_WORDS, 0),
	RXL_MAP(addrs4, HASH, sizeof(__be32), sizeof(struct rxl_container), 0,
		BPF_F_NO_PREALLOC),
	RXL_MAP(addrs6, HASH, sizeof(struct rxl_in6),
		sizeof(struct rxl_container), 0, BPF_F_NO_PREALLOC),
	RXL_MAP(acache_sel, ARRAY, RXL_U32, RXL_U64, RXL_ACACHE_SLOTS,
		BPF_F_MMAPABLE),
	RXL_MAP(acache, ARRAY, RXL_U32, sizeof(struct rxl_acache_ent),
		2 * RXL_ACACHE_SLOTS, 0),
	RXL_MAP(rules4, HASH, sizeof(struct rxl_rule4_key),
		sizeof(struct rxl_rule_val), 0, BPF_F_NO_PREALLOC),
	RXL_MAP(rules6, HASH, sizeof(struct rxl_rule6_key),
		sizeof(struct rxl_rule_val), 0, BPF_F_NO_PREALLOC),
	RXL_MAP(tx_ports, DEVMAP, RXL_U32, RXL_U32, RXL_MAX_CONTAINERS, 0),
	RXL_MAP(rule_cnt, PERCPU_ARRAY, RXL_U32, sizeof(struct rxl_counter), 0,
		0),
	RXL_MAP(cont_cnt, PERCPU_ARRAY, RXL_U32,
		sizeof(struct rxl_cont_counter), RXL_MAX_CONTAINERS, 0),
	RXL_MAP(drops, PERCPU_ARRAY, RXL_U32, RXL_U64, RXL_DROP__MAX, 0),
	RXL_MAP(stats, PERCPU_ARRAY, RXL_U32, RXL_U64, RXL_STAT__MAX, 0),
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
	return rxl_acache_map(fw);
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
static int rxl_tx_ports_get(const char *path)
{
	int fd = bpf_obj_get(path), err;

	if (fd >= 0 || errno != ENOENT)
		return fd;
	fd = bpf_map_create(BPF_MAP_TYPE_DEVMAP, "rxl_tx_ports", sizeof(__u32),
			    sizeof(__u32), RXL_MAX_CONTAINERS, NULL);
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
				 rxl_tx_ports_get(path) : bpf_obj_get(path);
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
	if (fw->sync_outer >= 0)
		close(fw->sync_outer);
	if (fw->sync_inner >= 0)
		close(fw->sync_inner);
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
static int rxl_lock(struct rxl_fw *fw)
{
	if (fw->lock_fd < 0 || fw->lock_held)
		return 0;
	if (flock(fw->lock_fd, LOCK_EX))
		return rxl_fail(fw, -errno, "cannot lock the pin directory: %s",
				strerror(errno));
	return 0;
}

static int rxl_unlock(struct rxl_fw *fw, int ret)
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
 * first use: creating them costs more than a whole in-place rule append
 * (libbpf 1.1 loads a probe program on its first named map), which needs
 * no grace period.
 */
static int rxl_sync_maps(struct rxl_fw *fw)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);

	if (fw->sync_outer >= 0)
		return 0;
	if (fw->sync_inner < 0)
		fw->sync_inner = bpf_map_create(BPF_MAP_TYPE_ARRAY,
						"rxl_sync_in", 4, 4, 1, NULL);
	if (fw->sync_inner < 0)
		return rxl_fail(fw, -errno, "cannot create sync map: %s",
				strerror(errno));
	opts.inner_map_fd = fw->sync_inner;
	fw->sync_outer = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "rxl_sync",
					4, 4, 1, &opts);
	if (fw->sync_outer < 0)
		return rxl_fail(fw, -errno, "cannot create sync map: %s",
				strerror(errno));
	return 0;
}

/* Wait until no XDP program still holds a value read before this call. */
static int rxl_sync(struct rxl_fw *fw)
{
	__u32 zero = 0;
	int err = rxl_sync_maps(fw);

	if (err)
		return err;
	if (bpf_map_update_elem(fw->sync_outer, &zero, &fw->sync_inner, 0))
		return rxl_fail(fw, -errno, "RCU wait failed: %s",
				strerror(errno));
	fw->acache_dirty = false;
	return 0;
}

/* ---- config, VTEPs, VNIs ------------------------------------------------ */

static int rxl_addr_fd(struct rxl_fw *fw, const struct rxl_addr *a)
{
	return a->family == AF_INET ? fw->addrs4 : fw->addrs6;
}

int rxl_fw_set_config(struct rxl_fw *fw, __u16 vxlan_port,
		      __u16 geneve_port, __u32 flags)
{
	struct rxl_config cfg = {
		.vxlan_port = vxlan_port,
		.geneve_port = geneve_port,
		.flags = flags,
	};
	__u32 zero = 0;

	if (flags & ~RXL_CFG_NO_CONTAINER_DROP)
		return rxl_fail(fw, -EINVAL, "unknown config flags 0x%x",
				flags);
	/* 0 stands for the default: compare the ports the program uses. */
	if ((vxlan_port ?: RXL_VXLAN_PORT) == (geneve_port ?: RXL_GENEVE_PORT))
		return rxl_fail(fw, -EINVAL,
				"VXLAN and GENEVE cannot share UDP port %u",
				vxlan_port ?: RXL_VXLAN_PORT);
	if (bpf_map_update_elem(fw->config, &zero, &cfg, 0))
		return rxl_fail(fw, -errno, "config update: %s",
				strerror(errno));
	return 0;
}

static int rxl_check_addr(struct rxl_fw *fw, const struct rxl_addr *a)
{
	if (a->family != AF_INET && a->family != AF_INET6)
		return rxl_fail(fw, -EAFNOSUPPORT,
				"address family %d is neither IPv4 nor IPv6",
				a->family);
	return 0;
}

const char *rxl_addr_unusable(const struct rxl_addr *a)
{
	static const __u8 zero[16], lo6[16] = { [15] = 1 };
	const __u8 *b = a->addr;

	if (a->family == AF_INET) {
		if (!memcmp(b, zero, 4))
			return "the unspecified address";
		if (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255)
			return "the broadcast address";
		if (b[0] == 127)
			return "a loopback address (127.0.0.0/8)";
		if ((b[0] & 0xf0) == 224)
			return "a multicast address (224.0.0.0/4)";
		return NULL;
	}
	if (!memcmp(b, zero, 16))
		return "the unspecified address";
	if (!memcmp(b, lo6, 16))
		return "the loopback address";
	if (b[0] == 0xff)
		return "a multicast address (ff00::/8)";
	return NULL;
}

/* Slot of @a in the VTEP list (or -1), and the number of slots used. */
static int rxl_vtep_find(struct rxl_fw *fw, const struct rxl_addr *a,
			 __u32 *used)
{
	struct rxl_vtep v;
	int found = -1;
	__u32 i;

	for (i = 0; i < RXL_MAX_VTEPS; i++) {
		if (bpf_map_lookup_elem(fw->vteps, &i, &v) || !v.tun_mask)
			break;
		if (v.family == (a->family == AF_INET ? 4U : 6U) &&
		    !memcmp(v.addr, a->addr, a->family == AF_INET ? 4 : 16))
			found = i;
	}
	*used = i;
	return found;
}

int rxl_fw_vtep_add(struct rxl_fw *fw, const struct rxl_addr *a,
		    __u32 tun_mask)
{
	struct rxl_vtep v = {
		.tun_mask = tun_mask,
		.family = a->family == AF_INET ? 4 : 6,
	};
	int err = rxl_check_addr(fw, a), slot;
	struct rxl_container owner;
	__u32 used;

	if (err)
		return err;
	if (!tun_mask || (tun_mask & ~RXL_TUN_ALL))
		return rxl_fail(fw, -EINVAL, "bad tunnel type mask 0x%x",
				tun_mask);
	memcpy(v.addr, a->addr, a->family == AF_INET ? 4 : 16);
	err = rxl_lock(fw);
	if (err)
		return err;
	if (!bpf_map_lookup_elem(rxl_addr_fd(fw, a), a->addr, &owner)) {
		err = rxl_fail(fw, -EADDRINUSE,
			       "the address is container %u's", owner.id);
		goto out;
	}
	slot = rxl_vtep_find(fw, a, &used);
	if (slot < 0 && used == RXL_MAX_VTEPS) {
		err = rxl_fail(fw, -ENOSPC, "all %u VTEP slots in use",
			       RXL_MAX_VTEPS);
		goto out;
	}
	/* A new VTEP goes after the others, never into the list's middle. */
	if (slot < 0)
		slot = used;
	if (bpf_map_update_elem(fw->vteps, &slot, &v, 0))
		err = rxl_fail(fw, -errno, "VTEP add: %s", strerror(errno));
out:
	return rxl_unlock(fw, err);
}

int rxl_fw_vtep_del(struct rxl_fw *fw, const struct rxl_addr *a)
{
	struct rxl_vtep last, none = {};
	int err = rxl_check_addr(fw, a), slot;
	__u32 used, l;

	if (err)
		return err;
	err = rxl_lock(fw);
	if (err)
		return err;
	slot = rxl_vtep_find(fw, a, &used);
	if (slot < 0) {
		err = rxl_fail(fw, -ENOENT, "no such VTEP");
		goto out;
	}
	/* Keep the list packed: the last VTEP moves into the hole. */
	l = used - 1;
	if ((__u32)slot != l) {
		if (bpf_map_lookup_elem(fw->vteps, &l, &last) ||
		    bpf_map_update_elem(fw->vteps, &slot, &last, 0)) {
			err = rxl_fail(fw, -errno, "VTEP del: %s",
				       strerror(errno));
			goto out;
		}
		err = rxl_sync(fw);
		if (err)
			goto out;
	}
	if (bpf_map_update_elem(fw->vteps, &l, &none, 0))
		err = rxl_fail(fw, -errno, "VTEP del: %s", strerror(errno));
out:
	return rxl_unlock(fw, err);
}

static int rxl_vni_check(struct rxl_fw *fw, enum rxl_tun_type type,
			 __u32 vni)
{
	if (type < RXL_TUN_VXLAN || type > RXL_TUN_NVGRE)
		return rxl_fail(fw, -EINVAL, "unknown tunnel type %d", type);
	if (vni > 0xffffff)
		return rxl_fail(fw, -ERANGE, "VNI %u does not fit in 24 bits",
				vni);
	return 0;
}

/* Set or clear one bit of the VNI bitmap, under the lock. */
static int rxl_vni_set(struct rxl_fw *fw, enum rxl_tun_type type, __u32 vni,
		       bool on)
{
	__u32 word = rxl_vni_word(type, vni);
	__u64 bits;
	int err = rxl_vni_check(fw, type, vni);

	if (err)
		return err;
	err = rxl_lock(fw);
	if (err)
		return err;
	if (bpf_map_lookup_elem(fw->vnis, &word, &bits)) {
		err = rxl_fail(fw, -errno, "VNI bitmap: %s", strerror(errno));
		goto out;
	}
	if (!on && !(bits & rxl_vni_bit(vni))) {
		err = rxl_fail(fw, -ENOENT, "VNI %u is not configured", vni);
		goto out;
	}
	bits = on ? bits | rxl_vni_bit(vni) : bits & ~rxl_vni_bit(vni);
	if (bpf_map_update_elem(fw->vnis, &word, &bits, 0))
		err = rxl_fail(fw, -errno, "VNI bitmap: %s", strerror(errno));
out:
	return rxl_unlock(fw, err);
}

int rxl_fw_vni_add(struct rxl_fw *fw, enum rxl_tun_type type, __u32 vni)
{
	return rxl_vni_set(fw, type, vni, true);
}

int rxl_fw_vni_del(struct rxl_fw *fw, enum rxl_tun_type type, __u32 vni)
{
	return rxl_vni_set(fw, type, vni, false);
}

/* ---- containers --------------------------------------------------------- */

struct rxl_cont_addrs {
	struct rxl_addr addr[64];
	unsigned int n;
	struct rxl_container val;	/* value of the first address found */
};

/*
 * Call @fn for every address of the address maps with its value; a
 * non-zero return of @fn ends the walk and is returned.
 */
static int rxl_walk_addrs(struct rxl_fw *fw,
			  int (*fn)(struct rxl_fw *fw, const struct rxl_addr *a,
				    const struct rxl_container *v, void *arg),
			  void *arg)
{
	int fds[2] = { fw->addrs4, fw->addrs6 };
	int fams[2] = { AF_INET, AF_INET6 };
	unsigned int ksz[2] = { 4, 16 };
	struct rxl_container v;
	struct rxl_addr a;
	int f, ret;

	for (f = 0; f < 2; f++) {
		__u8 key[16], next[16];
		void *prev = NULL;

		while (!bpf_map_get_next_key(fds[f], prev, next)) {
			memcpy(key, next, ksz[f]);
			prev = key;
			if (bpf_map_lookup_elem(fds[f], key, &v))
				continue;
			a.family = fams[f];
			memset(a.addr, 0, sizeof(a.addr));
			memcpy(a.addr, key, ksz[f]);
			ret = fn(fw, &a, &v, arg);
			if (ret)
				return ret;
		}
	}
	return 0;
}

struct rxl_find_arg {
	__u32 id;
	struct rxl_cont_addrs *ca;
};

static int rxl_find_one(struct rxl_fw *fw, const struct rxl_addr *a,
			const struct rxl_container *v, void *arg)
{
	struct rxl_find_arg *fa = arg;
	struct rxl_cont_addrs *ca = fa->ca;

	if (v->id != fa->id)
		return 0;
	if (!ca->n)
		ca->val = *v;
	if (ca->n == 64)
		return rxl_fail(fw, -E2BIG, "container %u has over 64 addresses",
				fa->id);
	ca->addr[ca->n++] = *a;
	return 0;
}

/* Addresses of container @id (all of them, or the first 64). */
static int rxl_find_container(struct rxl_fw *fw, __u32 id,
			      struct rxl_cont_addrs *ca)
{
	struct rxl_find_arg fa = { .id = id, .ca = ca };

	ca->n = 0;
	return rxl_walk_addrs(fw, rxl_find_one, &fa);
}

/* ---- address cache (include/rxlane_maps.h) ------------------------------ */

static __u32 rxl_acache_slot_of(const struct rxl_addr *a)
{
	__u32 w[4];

	memcpy(w, a->addr, sizeof(w));
	return a->family == AF_INET ? rxl_acache_slot4(w[0]) :
				      rxl_acache_slot6(w);
}

/* The live buffer of @slot (1 or 2, its entry in *@e), or 0 if none. */
static unsigned int rxl_acache_live(struct rxl_fw *fw, __u32 slot,
				    struct rxl_acache_ent *e)
{
	__u64 live = __atomic_load_n(&fw->acache_live[slot], __ATOMIC_ACQUIRE);
	__u32 idx = 2 * slot + (__u32)live - 1;

	if (live != 1 && live != 2)
		return 0;
	if (bpf_map_lookup_elem(fw->acache, &idx, e))
		return 0;
	return live;
}

static bool rxl_acache_holds(const struct rxl_acache_ent *e,
			     const struct rxl_addr *a)
{
	if (a->family == AF_INET)
		return e->family == 4 && !memcmp(e->addr, a->addr, 4);
	return e->family == 6 && !memcmp(e->addr, a->addr, 16);
}

/* Equal as the program sees them: it never reads nrules. */
static bool rxl_acache_same(const struct rxl_container *x,
			    const struct rxl_container *y)
{
	struct rxl_container a = *x, b = *y;

	a.nrules = b.nrules = 0;
	return !memcmp(&a, &b, sizeof(a));
}

static void rxl_acache_set(struct rxl_fw *fw, __u32 slot, __u64 live)
{
	__atomic_store_n(&fw->acache_live[slot], live, __ATOMIC_RELEASE);
	fw->acache_dirty = true;
}

/*
 * After @a's value in its address map became @v: the cache follows if
 * @a's slot is free or already @a's (a slot another address holds leaves
 * @a to the map). The buffer that is not live is written and then made
 * live; the caller waits for a grace period (rxl_sync(), which clears
 * fw->acache_dirty) before it unlocks, so that the next writer of this
 * slot finds its other buffer unread. If the write fails the slot is
 * emptied: the program then finds @a in the map, which is already right.
 */
static void rxl_acache_put(struct rxl_fw *fw, const struct rxl_addr *a,
			   const struct rxl_container *v)
{
	struct rxl_acache_ent e, ne;
	__u32 slot = rxl_acache_slot_of(a), idx;
	unsigned int live = rxl_acache_live(fw, slot, &e), next;

	if (live && (!rxl_acache_holds(&e, a) || rxl_acache_same(&e.c, v)))
		return;
	memset(&ne, 0, sizeof(ne));
	ne.family = a->family == AF_INET ? 4 : 6;
	memcpy(ne.addr, a->addr, a->family == AF_INET ? 4 : 16);
	ne.c = *v;
	next = live == 1 ? 2 : 1;
	idx = 2 * slot + next - 1;
	if (bpf_map_update_elem(fw->acache, &idx, &ne, 0)) {
		if (live)
			rxl_acache_set(fw, slot, 0);
		return;
	}
	rxl_acache_set(fw, slot, next);
}

/*
 * Before @a leaves its address map: its slot, if it holds one, empties.
 * Returns whether it did.
 */
static bool rxl_acache_drop(struct rxl_fw *fw, const struct rxl_addr *a)
{
	struct rxl_acache_ent e;
	__u32 slot = rxl_acache_slot_of(a);

	if (!rxl_acache_live(fw, slot, &e) || !rxl_acache_holds(&e, a))
		return false;
	rxl_acache_set(fw, slot, 0);
	return true;
}

static int rxl_acache_fill_one(struct rxl_fw *fw, const struct rxl_addr *a,
			       const struct rxl_container *v, void *arg)
{
	struct rxl_acache_ent e;

	(void)arg;
	if (!rxl_acache_live(fw, rxl_acache_slot_of(a), &e))
		rxl_acache_put(fw, a, v);
	return 0;
}

/*
 * Give every empty slot to an address of the maps that falls in it (one
 * that lost the slot to an address since deleted), then wait for a grace
 * period if any slot flipped. Called after the deletions' own grace
 * period: the buffers of the deleted addresses are unread.
 */
static int rxl_acache_refill(struct rxl_fw *fw)
{
	rxl_walk_addrs(fw, rxl_acache_fill_one, NULL);
	return fw->acache_dirty ? rxl_sync(fw) : 0;
}

static int rxl_zero_percpu(struct rxl_fw *fw, int fd, __u32 first, __u32 n,
			   size_t vsz)
{
	__u32 chunk = n < RXL_BATCH ? n : RXL_BATCH, done = 0, i, cnt;
	void *vals = calloc((size_t)chunk * fw->ncpus, vsz);
	__u32 *keys = calloc(chunk ?: 1, sizeof(*keys));
	int err = 0;

	if (!vals || !keys) {
		err = rxl_fail(fw, -ENOMEM, "out of memory");
		goto out;
	}
	while (done < n) {
		cnt = n - done < chunk ? n - done : chunk;
		for (i = 0; i < cnt; i++)
			keys[i] = first + done + i;
		if (bpf_map_update_batch(fd, keys, vals, &cnt, NULL)) {
			err = rxl_fail(fw, -errno, "counter reset: %s",
				       strerror(errno));
			goto out;
		}
		done += cnt;
	}
out:
	free(vals);
	free(keys);
	return err;
}

int rxl_fw_container_add(struct rxl_fw *fw, __u32 id,
			 const struct rxl_addr *addrs, unsigned int naddrs,
			 int redirect_ifindex)
{
	struct rxl_container val = { .id = id, .set = id << RXL_SET_GEN_BITS };
	struct rxl_cont_addrs *ca;
	unsigned int i, added = 0;
	int err;

	if (id >= RXL_MAX_CONTAINERS)
		return rxl_fail(fw, -EINVAL, "container id %u out of range 0-%u",
				id, RXL_MAX_CONTAINERS - 1);
	if (!naddrs)
		return rxl_fail(fw, -EINVAL, "container %u needs an address",
				id);
	for (i = 0; i < naddrs; i++) {
		const char *why;

		err = rxl_check_addr(fw, &addrs[i]);
		if (err)
			return err;
		why = rxl_addr_unusable(&addrs[i]);
		if (why)
			return rxl_fail(fw, -EINVAL, "address %u is %s", i, why);
	}
	ca = calloc(1, sizeof(*ca));
	if (!ca)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	err = rxl_lock(fw);
	if (err)
		goto out_free;
	for (i = 0; i < naddrs; i++) {
		__u32 used;

		if (rxl_vtep_find(fw, &addrs[i], &used) >= 0) {
			err = rxl_fail(fw, -EADDRINUSE,
				       "address %u is a VTEP's", i);
			goto out_unlock;
		}
	}
	err = rxl_find_container(fw, id, ca);
	if (err)
		goto out_unlock;
	if (ca->n) {
		err = rxl_fail(fw, -EEXIST, "container %u exists", id);
		goto out_unlock;
	}
	if (redirect_ifindex > 0) {
		__u32 ifx = redirect_ifindex;

		if (bpf_map_update_elem(fw->tx_ports, &id, &ifx, 0)) {
			err = rxl_fail(fw, -errno,
				       "redirect to ifindex %d: %s",
				       redirect_ifindex, strerror(errno));
			goto out_unlock;
		}
		val.flags |= RXL_CONT_REDIRECT;
	}
	err = rxl_zero_percpu(fw, fw->cont_cnt, id, 1,
			      sizeof(struct rxl_cont_counter));
	if (err)
		goto out_unlock;
	for (i = 0; i < naddrs; i++, added++) {
		if (bpf_map_update_elem(rxl_addr_fd(fw, &addrs[i]),
					addrs[i].addr, &val, BPF_NOEXIST)) {
			err = rxl_fail(fw, -errno,
				       "address %u of container %u: %s", i, id,
				       errno == EEXIST ?
				       "used by another container" :
				       strerror(errno));
			goto out_undo;
		}
		rxl_acache_put(fw, &addrs[i], &val);
	}
	err = rxl_sync(fw);
	goto out_unlock;

out_undo:
	while (added--) {
		rxl_acache_drop(fw, &addrs[added]);
		bpf_map_delete_elem(rxl_addr_fd(fw, &addrs[added]),
				    addrs[added].addr);
	}
	if (val.flags & RXL_CONT_REDIRECT)
		bpf_map_delete_elem(fw->tx_ports, &id);
	if (fw->acache_dirty)
		rxl_sync(fw);
out_unlock:
	rxl_unlock(fw, 0);
out_free:
	free(ca);
	return err;
}

static int rxl_check_vnis(struct rxl_fw *fw, const __u32 *vnis,
			  unsigned int n)
{
	unsigned int i, j, type;

	if (n > RXL_CONT_MAX_VNIS)
		return rxl_fail(fw, -E2BIG, "at most %u VNIs per container",
				RXL_CONT_MAX_VNIS);
	for (i = 0; i < n; i++) {
		type = vnis[i] >> 24;
		if (type < RXL_TUN_VXLAN || type > RXL_TUN_NVGRE)
			return rxl_fail(fw, -EINVAL,
					"binding 0x%x: unknown tunnel type %u",
					vnis[i], type);
		for (j = 0; j < i; j++)
			if (vnis[j] == vnis[i])
				return rxl_fail(fw, -EINVAL,
						"VNI %u given twice",
						vnis[i] & 0xffffff);
	}
	return 0;
}

int rxl_fw_container_bind(struct rxl_fw *fw, __u32 id, const __u32 *vnis,
			  unsigned int n)
{
	struct rxl_cont_addrs *ca;
	struct rxl_container nv;
	unsigned int i;
	int err = rxl_check_vnis(fw, vnis, n);

	if (err)
		return err;
	ca = calloc(1, sizeof(*ca));
	if (!ca)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	err = rxl_lock(fw);
	if (err)
		goto out_free;
	err = rxl_find_container(fw, id, ca);
	if (!err && !ca->n)
		err = rxl_fail(fw, -ENOENT, "container %u does not exist", id);
	if (err)
		goto out_unlock;
	nv = ca->val;
	memset(nv.vnis, 0, sizeof(nv.vnis));
	memcpy(nv.vnis, vnis, n * sizeof(*vnis));
	nv.nvnis = n;
	for (i = 0; i < ca->n && !err; i++) {
		/* One value replaced, then a grace period, as a rule flip. */
		if (bpf_map_update_elem(rxl_addr_fd(fw, &ca->addr[i]),
					ca->addr[i].addr, &nv, BPF_EXIST)) {
			err = rxl_fail(fw, -errno, "binding container %u: %s",
				       id, strerror(errno));
			break;
		}
		rxl_acache_put(fw, &ca->addr[i], &nv);
		err = rxl_sync(fw);
	}
out_unlock:
	rxl_unlock(fw, 0);
out_free:
	free(ca);
	return err;
}

/* Delete the keys of set @tag among the @n keys at @keys (@ksz each). */
static void rxl_delete_tagged(int fd, __u8 *keys, __u32 n, size_t ksz,
			      __u32 tag)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 i, m = 0;

	for (i = 0; i < n; i++) {
		if (*(__u32 *)(keys + i * ksz) != tag)
			continue;
		if (m != i)
			memcpy(keys + m * ksz, keys + i * ksz, ksz);
		m++;
	}
	if (m)
		bpf_map_delete_batch(fd, keys, &m, &opts);
}

/*
 * Delete every rule key of set @tag; the set must be unreferenced. The
 * map is read RXL_BATCH keys per syscall (bucket by bucket) and each
 * batch's keys of the set are deleted with one more: deleting keys of
 * buckets already read does not disturb the walk.
 */
static void rxl_delete_set(struct rxl_fw *fw, __u32 tag)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	int fds[2] = { fw->rules4, fw->rules6 };
	size_t ksz[2] = { sizeof(struct rxl_rule4_key),
			  sizeof(struct rxl_rule6_key) };
	struct rxl_rule_val *vals = calloc(RXL_BATCH, sizeof(*vals));
	__u8 *keys = calloc(RXL_BATCH, sizeof(struct rxl_rule6_key));
	__u32 pos, next, n;
	void *in;
	int f, err;

	for (f = 0; keys && vals && f < 2; f++) {
		in = NULL;
		do {
			n = RXL_BATCH;
			err = bpf_map_lookup_batch(fds[f], in, &next, keys,
						   vals, &n, &opts);
			if (err && errno != ENOENT)
				break;
			rxl_delete_tagged(fds[f], keys, n, ksz[f], tag);
			pos = next;
			in = &pos;
		} while (!err);
	}
	free(keys);
	free(vals);
}

int rxl_fw_container_del(struct rxl_fw *fw, __u32 id)
{
	struct rxl_cont_addrs *ca = calloc(1, sizeof(*ca));
	bool freed = false;
	unsigned int i;
	int err;

	if (!ca)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	err = rxl_lock(fw);
	if (err)
		goto out_free;
	err = rxl_find_container(fw, id, ca);
	if (!err && !ca->n)
		err = rxl_fail(fw, -ENOENT, "container %u does not exist", id);
	if (err)
		goto out_unlock;
	for (i = 0; i < ca->n; i++) {
		freed |= rxl_acache_drop(fw, &ca->addr[i]);
		bpf_map_delete_elem(rxl_addr_fd(fw, &ca->addr[i]),
				    ca->addr[i].addr);
		err = rxl_sync(fw);
		if (err)
			goto out_unlock;
	}
	/* Only a freed slot can have an address waiting for it. */
	err = freed ? rxl_acache_refill(fw) : 0;
	if (err)
		goto out_unlock;
	bpf_map_delete_elem(fw->tx_ports, &id);
	/* A set without rules has no keys (rxl_write_set writes none). */
	if (ca->val.nrules)
		rxl_delete_set(fw, ca->val.set);
out_unlock:
	rxl_unlock(fw, 0);
out_free:
	free(ca);
	return err;
}

/* ---- rule compilation --------------------------------------------------- */

/* A rule for one family, as stored: the unit of grouping. */
struct rxl_entry {
	__u8 family;		/* 4 or 6 */
	__u8 plen;
	__u8 proto;
	__u8 src[16];
	__u16 lo, hi;
	__u32 ref;		/* rank | RXL_RULE_DROP */
};

struct rxl_ranked {
	const struct rxl_rule *r;
	unsigned int pos;
};

static int rxl_cmp_ranked(const void *a, const void *b)
{
	const struct rxl_ranked *x = a, *y = b;

	if (x->r->prio != y->r->prio)
		return x->r->prio < y->r->prio ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int rxl_cmp_entry(const void *a, const void *b)
{
	const struct rxl_entry *x = a, *y = b;

	if (x->family != y->family)
		return x->family - y->family;
	if (x->plen != y->plen)
		return x->plen - y->plen;
	if (x->proto != y->proto)
		return x->proto - y->proto;
	return memcmp(x->src, y->src, 16);
}

static int rxl_same_group(const struct rxl_entry *x, const struct rxl_entry *y)
{
	return x->family == y->family && x->plen == y->plen &&
	       x->proto == y->proto && !memcmp(x->src, y->src, 16);
}

static int rxl_cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static void rxl_fmt_src(const struct rxl_entry *e, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(e->family == 4 ? AF_INET : AF_INET6, e->src, a, sizeof(a));
	snprintf(buf, len, "%s/%u proto %u", a, e->plen, e->proto);
}

static __u32 rxl_better(__u32 best, __u32 ref)
{
	return (ref & RXL_RULE_RANK) < (best & RXL_RULE_RANK) ? ref : best;
}

/* Resolve the @n entries of one group into port segments. */
static int rxl_resolve(struct rxl_fw *fw, const struct rxl_entry *e,
		       size_t n, struct rxl_rule_val *v)
{
	__u32 pts[2 * RXL_MAX_GROUP_RULES];
	size_t np = 0, i, j, u = 0;
	char what[80];

	memset(v, 0, sizeof(*v));
	v->portless = RXL_NO_RULE;
	if (n > RXL_MAX_GROUP_RULES) {
		rxl_fmt_src(e, what, sizeof(what));
		return rxl_fail(fw, -E2BIG,
				"%zu rules share source %s; at most %u",
				n, what, RXL_MAX_GROUP_RULES);
	}
	for (i = 0; i < n; i++) {
		if (e[i].lo == 0 && e[i].hi == 0xffff)
			v->portless = rxl_better(v->portless, e[i].ref);
		pts[np++] = e[i].lo;
		pts[np++] = (__u32)e[i].hi + 1;
	}
	qsort(pts, np, sizeof(pts[0]), rxl_cmp_u32);
	for (i = 0; i < np; i++)
		if (!u || pts[u - 1] != pts[i])
			pts[u++] = pts[i];
	for (j = 0; j + 1 < u; j++) {
		__u32 lo = pts[j], hi = pts[j + 1] - 1, best = RXL_NO_RULE;
		struct rxl_seg *last = v->nsegs ? &v->segs[v->nsegs - 1] : NULL;

		for (i = 0; i < n; i++)
			if (e[i].lo <= lo && e[i].hi >= hi)
				best = rxl_better(best, e[i].ref);
		if (best == RXL_NO_RULE)
			continue;
		if (last && last->rule == best && last->hi + 1U == lo) {
			last->hi = hi;
			continue;
		}
		if (v->nsegs == RXL_MAX_SEGS) {
			rxl_fmt_src(e, what, sizeof(what));
			return rxl_fail(fw, -E2BIG,
					"rules for source %s split the ports into more than %u segments",
					what, RXL_MAX_SEGS);
		}
		v->segs[v->nsegs].lo = lo;
		v->segs[v->nsegs].hi = hi;
		v->segs[v->nsegs].rule = best;
		v->nsegs++;
	}
	return 0;
}

static int rxl_check_rule(struct rxl_fw *fw, const struct rxl_rule *r,
			  unsigned int i)
{
	unsigned int max = r->family == AF_INET ? 32 : 128, b;

	if (r->family != AF_INET && r->family != AF_INET6 &&
	    r->family != AF_UNSPEC)
		return rxl_fail(fw, -EINVAL, "rule %u: bad family %d", i,
				r->family);
	if (r->family != AF_UNSPEC && r->plen > max)
		return rxl_fail(fw, -EINVAL,
				"rule %u: prefix length %u exceeds %u", i,
				r->plen, max);
	if (r->family != AF_UNSPEC)
		for (b = r->plen; b < max; b++)
			if (r->src[b / 8] & (0x80 >> (b % 8)))
				return rxl_fail(fw, -EINVAL,
						"rule %u: source has bits set past /%u",
						i, r->plen);
	if (r->dport_lo > r->dport_hi)
		return rxl_fail(fw, -EINVAL,
				"rule %u: port range %u-%u is empty", i,
				r->dport_lo, r->dport_hi);
	switch (r->proto) {
	case 0:
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		return 0;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (r->dport_lo != 0 || r->dport_hi != 0xffff)
			return rxl_fail(fw, -EINVAL,
					"rule %u: ICMP has no ports", i);
		if ((r->proto == IPPROTO_ICMP && r->family == AF_INET6) ||
		    (r->proto == IPPROTO_ICMPV6 && r->family == AF_INET))
			return rxl_fail(fw, -EINVAL,
					"rule %u: ICMP version does not match the source family",
					i);
		return 0;
	default:
		return rxl_fail(fw, -EPROTONOSUPPORT,
				"rule %u: protocol %u is not tcp, udp, icmp or any",
				i, r->proto);
	}
}

static void rxl_add_entry(struct rxl_entry *e, const struct rxl_rule *r,
			  int family, __u32 ref)
{
	memset(e, 0, sizeof(*e));
	e->family = family;
	if (r->family != AF_UNSPEC) {
		e->plen = r->plen;
		memcpy(e->src, r->src, 16);
	}
	e->proto = r->proto;
	if (r->proto == IPPROTO_ICMP || r->proto == IPPROTO_ICMPV6)
		e->proto = family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	e->lo = r->dport_lo;
	e->hi = r->dport_hi;
	e->ref = ref;
}

/* Rank @rules and expand them into per-family entries, sorted by group. */
static int rxl_expand(struct rxl_fw *fw, const struct rxl_rule *rules,
		      unsigned int n, struct rxl_entry **out, size_t *nout)
{
	struct rxl_ranked *rk = calloc(n ?: 1, sizeof(*rk));
	struct rxl_entry *e = calloc(2 * (size_t)n + 1, sizeof(*e));
	unsigned int i;
	bool sorted = true;
	size_t ne = 0;
	int err = 0;

	if (!rk || !e) {
		err = rxl_fail(fw, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		err = rxl_check_rule(fw, &rules[i], i);
		if (err)
			goto out;
		rk[i].r = &rules[i];
		rk[i].pos = i;
		if (i && rules[i].prio < rules[i - 1].prio)
			sorted = false;
	}
	/* Often already in order (one priority): then the sort is a copy. */
	if (!sorted)
		qsort(rk, n, sizeof(*rk), rxl_cmp_ranked);
	for (i = 0; i < n; i++) {
		const struct rxl_rule *r = rk[i].r;
		__u32 ref = i | (r->drop ? RXL_RULE_DROP : 0);

		if (r->family != AF_INET6)
			rxl_add_entry(&e[ne++], r, 4, ref);
		if (r->family != AF_INET)
			rxl_add_entry(&e[ne++], r, 6, ref);
	}
	for (i = 1; i < ne && rxl_cmp_entry(&e[i - 1], &e[i]) <= 0; i++)
		;
	if (i < ne)
		qsort(e, ne, sizeof(*e), rxl_cmp_entry);
	*out = e;
	*nout = ne;
	e = NULL;
out:
	free(rk);
	free(e);
	return err;
}

/* The mask of a /@plen prefix as four big-endian words. */
static void rxl_prefix_mask(unsigned int plen, __be32 mask[4])
{
	__u8 *b = (__u8 *)mask;
	unsigned int i;

	memset(mask, 0, 16);
	for (i = 0; i < plen && i < 128; i++)
		b[i / 8] |= 0x80 >> (i % 8);
}

/* Shapes of the sorted entries into @c; fails past RXL_MAX_SHAPES. */
static int rxl_shapes(struct rxl_fw *fw, const struct rxl_entry *e, size_t n,
		      struct rxl_container *c)
{
	size_t i;

	c->nshapes4 = c->nshapes6 = 0;
	for (i = 0; i < n; i++) {
		struct rxl_shape *sh = e[i].family == 4 ? c->shapes4 :
							  c->shapes6;
		__u8 *ns = e[i].family == 4 ? &c->nshapes4 : &c->nshapes6;
		__u8 any = e[i].proto == 0;
		unsigned int k;

		for (k = 0; k < *ns; k++)
			if (sh[k].plen == e[i].plen && sh[k].any_proto == any)
				break;
		if (k < *ns) {
			rxl_shape_add_proto(&sh[k], e[i].proto);
			continue;
		}
		if (*ns == RXL_MAX_SHAPES)
			return rxl_fail(fw, -E2BIG,
					"IPv%u rules use more than %u distinct (prefix length, protocol-or-any) shapes",
					e[i].family, RXL_MAX_SHAPES);
		sh[*ns].plen = e[i].plen;
		sh[*ns].any_proto = any;
		sh[*ns].protos = 0;
		rxl_shape_add_proto(&sh[*ns], e[i].proto);
		rxl_prefix_mask(e[i].plen, sh[*ns].mask);
		(*ns)++;
	}
	return 0;
}

struct rxl_range {
	__u32 base, n;
};

static int rxl_cmp_range(const void *a, const void *b)
{
	const struct rxl_range *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/*
 * Refuse to give container @id a set of @n rules when all containers
 * together would then have more than max-rules, the limit the maps were
 * sized for at load (RXL_RULES_OF_SLOTS of the counter slots). Checked
 * before anything is written; each container is counted once, however
 * many addresses share its value.
 */
static int rxl_rule_limit(struct rxl_fw *fw, __u32 id, __u32 n)
{
	__u32 max = RXL_RULES_OF_SLOTS(fw->rule_slots);
	bool *seen = calloc(RXL_MAX_CONTAINERS, sizeof(*seen));
	int fds[2] = { fw->addrs4, fw->addrs6 };
	unsigned int ksz[2] = { 4, 16 };
	__u64 total = n;
	int f;

	if (!seen)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	for (f = 0; f < 2; f++) {
		__u8 key[16], next[16];
		struct rxl_container v;
		void *prev = NULL;

		while (!bpf_map_get_next_key(fds[f], prev, next)) {
			memcpy(key, next, ksz[f]);
			prev = key;
			if (bpf_map_lookup_elem(fds[f], key, &v) || v.id == id ||
			    v.id >= RXL_MAX_CONTAINERS || seen[v.id])
				continue;
			seen[v.id] = true;
			total += v.nrules;
		}
	}
	free(seen);
	if (total <= max)
		return 0;
	return rxl_fail(fw, -ENOSPC,
			"max-rules %u reached: %llu rules in all containers (the maps were sized by 'rxlane attach ... max-rules N')",
			max, (unsigned long long)total);
}

/* First fit of @n counter slots beside every set in use. */
static int rxl_alloc_slots(struct rxl_fw *fw, __u32 n, __u32 *base)
{
	int fds[2] = { fw->addrs4, fw->addrs6 };
	unsigned int ksz[2] = { 4, 16 };
	struct rxl_range *used;
	size_t nu = 0, i;
	__u32 at = 0;
	int f;

	*base = 0;
	if (!n)
		return 0;
	used = calloc(2 * RXL_MAX_ADDRS, sizeof(*used));
	if (!used)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	for (f = 0; f < 2; f++) {
		__u8 key[16], next[16];
		struct rxl_container v;
		void *prev = NULL;

		while (!bpf_map_get_next_key(fds[f], prev, next) &&
		       nu < 2 * RXL_MAX_ADDRS) {
			memcpy(key, next, ksz[f]);
			prev = key;
			if (!bpf_map_lookup_elem(fds[f], key, &v) && v.nrules) {
				used[nu].base = v.rule_base;
				used[nu++].n = v.nrules;
			}
		}
	}
	qsort(used, nu, sizeof(*used), rxl_cmp_range);
	for (i = 0; i < nu; i++) {
		if (used[i].base >= at && used[i].base - at >= n)
			break;
		if (used[i].base + used[i].n > at)
			at = used[i].base + used[i].n;
	}
	free(used);
	if (at > fw->rule_slots || fw->rule_slots - at < n)
		return rxl_fail(fw, -ENOSPC,
				"no room for %u rule counters (%u slots in all)",
				n, fw->rule_slots);
	*base = at;
	return 0;
}

/* Write the groups of @e under @tag; on failure remove what was written. */
static int rxl_write_set(struct rxl_fw *fw, const struct rxl_entry *e,
			 size_t n, __u32 tag)
{
	struct rxl_rule6_key *k6 = calloc(RXL_BATCH, sizeof(*k6));
	struct rxl_rule4_key *k4 = calloc(RXL_BATCH, sizeof(*k4));
	struct rxl_rule_val *v4 = calloc(RXL_BATCH, sizeof(*v4));
	struct rxl_rule_val *v6 = calloc(RXL_BATCH, sizeof(*v6));
	__u32 n4 = 0, n6 = 0, cnt;
	size_t i = 0, j;
	int err = 0;

	if (!k4 || !k6 || !v4 || !v6) {
		err = rxl_fail(fw, -ENOMEM, "out of memory");
		goto out;
	}
	while (i < n || n4 || n6) {
		if (i < n && n4 < RXL_BATCH && n6 < RXL_BATCH) {
			for (j = i + 1; j < n && rxl_same_group(&e[i], &e[j]);
			     j++)
				;
			if (e[i].family == 4) {
				k4[n4] = (struct rxl_rule4_key){
					.set = tag, .plen = e[i].plen,
					.proto = e[i].proto };
				memcpy(&k4[n4].src, e[i].src, 4);
				err = rxl_resolve(fw, &e[i], j - i, &v4[n4++]);
			} else {
				k6[n6] = (struct rxl_rule6_key){
					.set = tag, .plen = e[i].plen,
					.proto = e[i].proto };
				memcpy(k6[n6].src, e[i].src, 16);
				err = rxl_resolve(fw, &e[i], j - i, &v6[n6++]);
			}
			if (err)
				goto out_undo;
			i = j;
			continue;
		}
		cnt = n4;
		if (cnt && bpf_map_update_batch(fw->rules4, k4, v4, &cnt, NULL))
			goto out_full;
		cnt = n6;
		if (cnt && bpf_map_update_batch(fw->rules6, k6, v6, &cnt, NULL))
			goto out_full;
		n4 = n6 = 0;
	}
	goto out;

out_full:
	err = rxl_fail(fw, -errno, "writing rules: %s%s", strerror(errno),
		       errno == E2BIG ? " (rule table full)" : "");
out_undo:
	rxl_delete_set(fw, tag);
out:
	free(k4);
	free(k6);
	free(v4);
	free(v6);
	return err;
}

/*
 * The flip: every address of @ca gets @nv, one value replaced and then a
 * grace period each. A failure puts back the values already replaced
 * (ca->val), so the container is judged by its old set again.
 */
static int rxl_flip(struct rxl_fw *fw, const struct rxl_cont_addrs *ca,
		    const struct rxl_container *nv)
{
	unsigned int i, done;
	int err = 0;

	for (done = 0; done < ca->n; done++) {
		const struct rxl_addr *a = &ca->addr[done];

		if (bpf_map_update_elem(rxl_addr_fd(fw, a), a->addr, nv,
					BPF_EXIST)) {
			err = rxl_fail(fw, -errno, "switching container %u: %s",
				       nv->id, strerror(errno));
			break;
		}
		rxl_acache_put(fw, a, nv);
		err = rxl_sync(fw);
		if (err) {
			done++;
			break;
		}
	}
	if (!err)
		return 0;
	for (i = done; i-- > 0;) {
		const struct rxl_addr *a = &ca->addr[i];

		bpf_map_update_elem(rxl_addr_fd(fw, a), a->addr, &ca->val,
				    BPF_EXIST);
		rxl_acache_put(fw, a, &ca->val);
		rxl_sync(fw);
	}
	return err;
}

int rxl_fw_rules_replace(struct rxl_fw *fw, __u32 id,
			 const struct rxl_rule *rules, unsigned int nrules,
			 bool default_drop)
{
	struct rxl_cont_addrs *ca = calloc(1, sizeof(*ca));
	struct rxl_entry *e = NULL;
	struct rxl_container nv;
	__u32 old_tag, tag, base;
	size_t ne = 0;
	int err;

	if (!ca)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	if (nrules >= RXL_RULE_RANK) {
		err = rxl_fail(fw, -E2BIG, "too many rules");
		goto out_free;
	}
	err = rxl_expand(fw, rules, nrules, &e, &ne);
	if (err)
		goto out_free;
	err = rxl_lock(fw);
	if (err)
		goto out_free;
	err = rxl_find_container(fw, id, ca);
	if (!err && !ca->n)
		err = rxl_fail(fw, -ENOENT, "container %u does not exist", id);
	if (err)
		goto out_unlock;
	nv = ca->val;
	err = rxl_shapes(fw, e, ne, &nv) ?: rxl_rule_limit(fw, id, nrules);
	if (err)
		goto out_unlock;
	err = rxl_alloc_slots(fw, nrules, &base);
	if (err)
		goto out_unlock;
	err = rxl_zero_percpu(fw, fw->rule_cnt, base, nrules,
			      sizeof(struct rxl_counter));
	if (err)
		goto out_unlock;
	old_tag = ca->val.set;
	tag = (id << RXL_SET_GEN_BITS) | ((old_tag + 1) & RXL_SET_GEN_MASK);
	err = rxl_write_set(fw, e, ne, tag);
	if (err)
		goto out_unlock;

	nv.set = tag;
	nv.rule_base = base;
	nv.nrules = nrules;
	nv.flags = (nv.flags & ~RXL_CONT_DEFAULT_DROP) |
		   (default_drop ? RXL_CONT_DEFAULT_DROP : 0);
	err = rxl_flip(fw, ca, &nv);
	/* An empty old set (a new container's) has no keys to look for. */
	if (!err && ca->val.nrules)
		rxl_delete_set(fw, old_tag);
	else if (err && nrules)
		rxl_delete_set(fw, tag);
out_unlock:
	rxl_unlock(fw, 0);
out_free:
	free(e);
	free(ca);
	return err;
}

/* ---- counters ----------------------------------------------------------- */

static int rxl_sum_percpu(struct rxl_fw *fw, int fd, __u32 key, __u64 *out,
			  unsigned int nwords)
{
	__u64 *vals = calloc((size_t)fw->ncpus * nwords, sizeof(__u64));
	unsigned int c, w;

	if (!vals)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	if (bpf_map_lookup_elem(fd, &key, vals)) {
		free(vals);
		return rxl_fail(fw, -errno, "counter %u: %s", key,
				strerror(errno));
	}
	memset(out, 0, nwords * sizeof(__u64));
	for (c = 0; c < (unsigned int)fw->ncpus; c++)
		for (w = 0; w < nwords; w++)
			out[w] += vals[c * nwords + w];
	free(vals);
	return 0;
}

int rxl_fw_rule_counter(struct rxl_fw *fw, __u32 id, __u32 rank,
			struct rxl_counter *out)
{
	struct rxl_cont_addrs *ca = calloc(1, sizeof(*ca));
	int err;

	if (!ca)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	err = rxl_find_container(fw, id, ca);
	if (!err && !ca->n)
		err = rxl_fail(fw, -ENOENT, "container %u does not exist", id);
	if (!err && rank >= ca->val.nrules)
		err = rxl_fail(fw, -ENOENT, "container %u has %u rules, no rank %u",
			       id, ca->val.nrules, rank);
	if (!err)
		err = rxl_sum_percpu(fw, fw->rule_cnt, ca->val.rule_base + rank,
				     (__u64 *)out, 2);
	free(ca);
	return err;
}

int rxl_fw_container_counter(struct rxl_fw *fw, __u32 id,
			     struct rxl_cont_counter *out)
{
	if (id >= RXL_MAX_CONTAINERS)
		return rxl_fail(fw, -EINVAL, "container id %u out of range",
				id);
	return rxl_sum_percpu(fw, fw->cont_cnt, id, (__u64 *)out, 4);
}

/* Sum keys 0..@n-1 of a per-CPU array of single counters into @out. */
static int rxl_sum_percpu_array(struct rxl_fw *fw, int fd, __u32 n,
				__u64 *out)
{
	__u32 i;
	int err;

	for (i = 0; i < n; i++) {
		err = rxl_sum_percpu(fw, fd, i, &out[i], 1);
		if (err)
			return err;
	}
	return 0;
}

int rxl_fw_drop_counters(struct rxl_fw *fw, __u64 out[RXL_DROP__MAX])
{
	return rxl_sum_percpu_array(fw, fw->drops, RXL_DROP__MAX, out);
}

int rxl_fw_stat_counters(struct rxl_fw *fw, __u64 out[RXL_STAT__MAX])
{
	return rxl_sum_percpu_array(fw, fw->stats, RXL_STAT__MAX, out);
}

/* ---- text --------------------------------------------------------------- */

static const char *const rxl_drop_names[RXL_DROP__MAX] = {
	[RXL_DROP_L2_TRUNC]	= "l2_trunc",
	[RXL_DROP_VLAN_DEPTH]	= "vlan_depth",
	[RXL_DROP_IP_VERSION]	= "ip_version",
	[RXL_DROP_IPV4_TRUNC]	= "ipv4_trunc",
	[RXL_DROP_IPV4_IHL]	= "ipv4_ihl",
	[RXL_DROP_IPV4_LEN]	= "ipv4_len",
	[RXL_DROP_IPV6_TRUNC]	= "ipv6_trunc",
	[RXL_DROP_IPV6_LEN]	= "ipv6_len",
	[RXL_DROP_EXTHDR_TRUNC]	= "exthdr_trunc",
	[RXL_DROP_EXTHDR_CHAIN]	= "exthdr_chain",
	[RXL_DROP_HDR_DEPTH]	= "hdr_depth",
	[RXL_DROP_L4_TRUNC]	= "l4_trunc",
	[RXL_DROP_TCP_DOFF]	= "tcp_doff",
	[RXL_DROP_FRAG_TINY]	= "frag_tiny",
	[RXL_DROP_OUTER_FRAG]	= "outer_frag",
	[RXL_DROP_VXLAN_BAD]	= "vxlan_bad",
	[RXL_DROP_GENEVE_BAD]	= "geneve_bad",
	[RXL_DROP_GENEVE_OPTLEN] = "geneve_optlen",
	[RXL_DROP_NVGRE_BAD]	= "nvgre_bad",
	[RXL_DROP_TUNNEL_TRUNC]	= "tunnel_trunc",
	[RXL_DROP_UNKNOWN_VNI]	= "unknown_vni",
	[RXL_DROP_TUNNEL_TYPE]	= "tunnel_type",
	[RXL_DROP_NO_CONTAINER]	= "no_container",
	[RXL_DROP_RULE]		= "rule",
	[RXL_DROP_DEFAULT]	= "default",
	[RXL_DROP_ADJUST]	= "adjust",
	[RXL_DROP_TUNNEL_NO_CONTAINER] = "tunnel_no_container",
	[RXL_DROP_VNI_NOT_BOUND] = "vni_not_bound",
	[RXL_DROP_GENEVE_CRITICAL] = "geneve_critical",
	[RXL_DROP_GENEVE_OAM]	= "geneve_oam",
};

static const char *const rxl_stat_names[RXL_STAT__MAX] = {
	[RXL_STAT_DECAP_VXLAN]	= "decap_vxlan",
	[RXL_STAT_DECAP_GENEVE]	= "decap_geneve",
	[RXL_STAT_DECAP_NVGRE]	= "decap_nvgre",
	[RXL_STAT_PASS_NON_IP]	= "pass_non_ip",
	[RXL_STAT_PASS_HOST]	= "pass_host",
	[RXL_STAT_PASS_ND]	= "pass_nd",
	[RXL_STAT_DEFAULT_ALLOW] = "default_allow",
	[RXL_STAT_REDIRECT]	= "redirect",
	[RXL_STAT_FRAG_PORTLESS] = "frag_portless",
	[RXL_STAT_ACACHE_MISS]	= "acache_miss",
};

const char *rxl_drop_name(unsigned int reason)
{
	return reason < RXL_DROP__MAX && rxl_drop_names[reason] ?
	       rxl_drop_names[reason] : "?";
}

const char *rxl_stat_name(unsigned int stat)
{
	return stat < RXL_STAT__MAX && rxl_stat_names[stat] ?
	       rxl_stat_names[stat] : "?";
}

const char *rxl_tun_type_name(int type)
{
	static const char *const names[] = {
		[RXL_TUN_VXLAN] = "vxlan",
		[RXL_TUN_GENEVE] = "geneve",
		[RXL_TUN_NVGRE] = "nvgre",
	};

	return type >= RXL_TUN_VXLAN && type <= RXL_TUN_NVGRE ? names[type] :
	       "?";
}

int rxl_tun_type_parse(const char *s)
{
	if (!strcmp(s, "vxlan"))
		return RXL_TUN_VXLAN;
	if (!strcmp(s, "geneve"))
		return RXL_TUN_GENEVE;
	if (!strcmp(s, "nvgre"))
		return RXL_TUN_NVGRE;
	return -EINVAL;
}

int rxl_parse_addr(const char *s, struct rxl_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->addr) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->addr) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/**
 * rxl_parse_u32() - parse a decimal number from 0 to @max
 * @s: the text: digits only (strtoul() alone would take leading blanks,
 *     a sign or "0x")
 * @max: the largest value accepted
 * @out: the value, written only on success
 *
 * The one number parser of the library and the CLI.
 *
 * Return: 0, or -EINVAL.
 */
int rxl_parse_u32(const char *s, unsigned long max, __u32 *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int rxl_parse_prefix(const char *s, struct rxl_rule *r)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	struct rxl_addr a;
	__u32 plen;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (rxl_parse_addr(buf, &a))
		return -EINVAL;
	plen = a.family == AF_INET ? 32 : 128;
	if (slash && rxl_parse_u32(slash + 1, plen, &plen))
		return -ERANGE;
	r->family = a.family;
	memcpy(r->src, a.addr, 16);
	r->plen = plen;
	return 0;
}

static int rxl_parse_ports(const char *s, struct rxl_rule *r)
{
	char buf[16], *dash;
	__u32 lo, hi;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (rxl_parse_u32(buf, 65535, &lo) ||
	    rxl_parse_u32(dash ? dash + 1 : buf, 65535, &hi) || lo > hi)
		return -EINVAL;
	r->dport_lo = lo;
	r->dport_hi = hi;
	return 0;
}

int rxl_parse_rule(const char *s, struct rxl_rule *r, char *err, size_t len)
{
	char buf[256], *tok, *save = NULL, *arg;
	int action = 0;
	__u32 v;

	memset(r, 0, sizeof(*r));
	r->family = AF_UNSPEC;
	r->dport_hi = 0xffff;
	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, len, "rule too long");
		return -EINVAL;
	}
	strcpy(buf, s);
	for (tok = strtok_r(buf, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (!strcmp(tok, "allow") || !strcmp(tok, "drop")) {
			r->drop = tok[0] == 'd';
			action = 1;
			continue;
		}
		arg = strtok_r(NULL, " \t", &save);
		if (!arg) {
			snprintf(err, len, "'%s' needs a value", tok);
			return -EINVAL;
		}
		if (!strcmp(tok, "prio")) {
			if (rxl_parse_u32(arg, UINT32_MAX, &v)) {
				snprintf(err, len, "bad priority '%s'", arg);
				return -EINVAL;
			}
			r->prio = v;
		} else if (!strcmp(tok, "from")) {
			if (rxl_parse_prefix(arg, r)) {
				snprintf(err, len, "bad source prefix '%s'",
					 arg);
				return -EINVAL;
			}
		} else if (!strcmp(tok, "proto")) {
			if (!strcmp(arg, "tcp"))
				r->proto = IPPROTO_TCP;
			else if (!strcmp(arg, "udp"))
				r->proto = IPPROTO_UDP;
			else if (!strcmp(arg, "icmp"))
				r->proto = IPPROTO_ICMP;
			else if (!strcmp(arg, "any"))
				r->proto = 0;
			else {
				snprintf(err, len,
					 "protocol '%s' is not tcp, udp, icmp or any",
					 arg);
				return -EINVAL;
			}
		} else if (!strcmp(tok, "dport")) {
			if (rxl_parse_ports(arg, r)) {
				snprintf(err, len, "bad port range '%s'", arg);
				return -EINVAL;
			}
		} else {
			snprintf(err, len, "unknown keyword '%s'", tok);
			return -EINVAL;
		}
	}
	if (!action) {
		snprintf(err, len, "rule needs 'allow' or 'drop'");
		return -EINVAL;
	}
	if (r->proto == IPPROTO_ICMP && r->family == AF_INET6)
		r->proto = IPPROTO_ICMPV6;
	return 0;
}

/* ---- appending one rule in place (for the CLI's fw add) ----------------- */

union rxl_any_key {
	struct rxl_rule4_key k4;
	struct rxl_rule6_key k6;
};

/* Is counter slot @slot free of every other container's rule set? */
struct rxl_slot_arg {
	__u32 id;
	__u32 slot;
};

static int rxl_slot_used(struct rxl_fw *fw, const struct rxl_addr *a,
			 const struct rxl_container *v, void *arg)
{
	const struct rxl_slot_arg *sa = arg;

	(void)fw;
	(void)a;
	return v->id != sa->id && sa->slot >= v->rule_base &&
	       sa->slot - v->rule_base < v->nrules;
}

static int rxl_slot_free(struct rxl_fw *fw, __u32 id, __u32 slot)
{
	struct rxl_slot_arg sa = { .id = id, .slot = slot };

	if (slot >= fw->rule_slots)
		return 0;
	return !rxl_walk_addrs(fw, rxl_slot_used, &sa);
}

/*
 * Give the ports of [lo, hi] that no segment of @v covers to @ref (a rule
 * judged after all of @v's); *@changed tells whether @v changed.
 * -EAGAIN past RXL_MAX_SEGS segments.
 */
static int rxl_fill_ports(struct rxl_rule_val *v, __u32 lo, __u32 hi,
			  __u32 ref, bool *changed)
{
	struct rxl_seg segs[2 * RXL_MAX_SEGS + 1];
	__u32 cur = lo, i, n = 0;

	if (lo == 0 && hi == 0xffff && v->portless == RXL_NO_RULE) {
		v->portless = ref;
		*changed = true;
	}
	for (i = 0; i < v->nsegs && i < RXL_MAX_SEGS; i++) {
		const struct rxl_seg *s = &v->segs[i];

		if (s->hi >= cur && s->lo <= hi && s->lo > cur)
			segs[n++] = (struct rxl_seg){ cur, s->lo - 1, ref };
		if (s->hi >= cur && s->lo <= hi)
			cur = s->hi + 1U;
		segs[n++] = *s;
	}
	if (cur <= hi)
		segs[n++] = (struct rxl_seg){ cur, hi, ref };
	/* Pieces went in before the segment that ends them: sort by lo. */
	for (i = 1; i < n; i++) {
		struct rxl_seg t = segs[i];
		__u32 j = i;

		while (j && segs[j - 1].lo > t.lo) {
			segs[j] = segs[j - 1];
			j--;
		}
		segs[j] = t;
	}
	if (n > RXL_MAX_SEGS)
		return -EAGAIN;
	if (n != v->nsegs)
		*changed = true;
	memcpy(v->segs, segs, n * sizeof(segs[0]));
	v->nsegs = n;
	return 0;
}

/*
 * Does @c already look up shape (plen, any) of @e? Then it looks it up
 * for @e's protocol from now on (rxl_shape.protos; 0 stays 0). A new shape
 * is left to the whole-set path (rxl_shapes() fills in everything a shape
 * holds).
 */
static int rxl_has_shape(struct rxl_container *c, const struct rxl_entry *e)
{
	struct rxl_shape *sh = e->family == 4 ? c->shapes4 : c->shapes6;
	unsigned int k, ns = e->family == 4 ? c->nshapes4 : c->nshapes6;

	for (k = 0; k < ns && k < RXL_MAX_SHAPES; k++)
		if (sh[k].plen == e->plen && sh[k].any_proto == (e->proto == 0)) {
			if (sh[k].protos)
				rxl_shape_add_proto(&sh[k], e->proto);
			return 0;
		}
	return -EAGAIN;
}

/* The new value of the group key of @e in set @tag. */
static int rxl_append_entry(struct rxl_fw *fw, const struct rxl_entry *e,
			    __u32 tag, union rxl_any_key *k,
			    struct rxl_rule_val *v, bool *changed)
{
	int fd = e->family == 4 ? fw->rules4 : fw->rules6;

	memset(k, 0, sizeof(*k));
	if (e->family == 4) {
		k->k4.set = tag;
		memcpy(&k->k4.src, e->src, 4);
		k->k4.plen = e->plen;
		k->k4.proto = e->proto;
	} else {
		k->k6.set = tag;
		memcpy(k->k6.src, e->src, 16);
		k->k6.plen = e->plen;
		k->k6.proto = e->proto;
	}
	if (bpf_map_lookup_elem(fd, k, v)) {
		memset(v, 0, sizeof(*v));
		v->portless = RXL_NO_RULE;
	}
	return rxl_fill_ports(v, e->lo, e->hi, e->ref, changed);
}

static int rxl_append_write(struct rxl_fw *fw, struct rxl_cont_addrs *ca,
			    const struct rxl_entry *e, size_t ne,
			    const union rxl_any_key *k,
			    const struct rxl_rule_val *v,
			    const struct rxl_container *nv)
{
	unsigned int i;
	int err;

	err = rxl_zero_percpu(fw, fw->rule_cnt, nv->rule_base + nv->nrules - 1,
			      1, sizeof(struct rxl_counter));
	for (i = 0; !err && i < ne; i++)
		if (bpf_map_update_elem(e[i].family == 4 ? fw->rules4 :
					fw->rules6, &k[i], &v[i], 0))
			err = rxl_fail(fw, -errno, "writing rules: %s%s",
				       strerror(errno), errno == E2BIG ?
				       " (rule table full)" : "");
	/*
	 * The key is live now; the container's entries bring nrules along.
	 * Each update above replaced a live hash element, and 6.1's
	 * bpf_mem_alloc hands a freed element to the very next allocation
	 * of that map: a grace period after each, before any other update,
	 * so no packet still reads an element when it is reused.
	 */
	if (!err)
		err = rxl_sync(fw);
	for (i = 0; !err && i < ca->n; i++) {
		if (bpf_map_update_elem(rxl_addr_fd(fw, &ca->addr[i]),
					ca->addr[i].addr, nv, BPF_EXIST))
			err = rxl_fail(fw, -errno, "switching container %u: %s",
				       nv->id, strerror(errno));
		else
			rxl_acache_put(fw, &ca->addr[i], nv);
		err = rxl_sync(fw) ?: err;
	}
	return err;
}

static int rxl_rule_append(struct rxl_fw *fw, __u32 id,
			   const struct rxl_rule *r, bool dry)
{
	struct rxl_cont_addrs *ca = calloc(1, sizeof(*ca));
	struct rxl_entry e[2];
	union rxl_any_key k[2];
	struct rxl_rule_val v[2];
	struct rxl_container nv;
	bool changed = false;
	size_t ne = 0, i;
	__u32 ref;
	int err;

	if (!ca)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	err = rxl_check_rule(fw, r, 0) ?: rxl_lock(fw);
	if (err)
		goto out_free;
	err = rxl_find_container(fw, id, ca);
	if (!err && !ca->n)
		err = rxl_fail(fw, -ENOENT, "container %u does not exist", id);
	if (err)
		goto out_unlock;
	nv = ca->val;
	err = rxl_rule_limit(fw, id, nv.nrules + 1);
	if (err)
		goto out_unlock;
	ref = nv.nrules | (r->drop ? RXL_RULE_DROP : 0);
	if (nv.nrules + 1 >= RXL_RULE_RANK ||
	    !rxl_slot_free(fw, id, nv.rule_base + nv.nrules)) {
		err = -EAGAIN;
		goto out_unlock;
	}
	if (r->family != AF_INET6)
		rxl_add_entry(&e[ne++], r, 4, ref);
	if (r->family != AF_INET)
		rxl_add_entry(&e[ne++], r, 6, ref);
	for (i = 0; !err && i < ne; i++)
		err = rxl_has_shape(&nv, &e[i]) ?:
		      rxl_append_entry(fw, &e[i], nv.set, &k[i], &v[i],
				       &changed);
	/* Shadowed by earlier rules (a duplicate is): the caller decides. */
	if (!err && !changed)
		err = -EAGAIN;
	if (err)
		goto out_unlock;
	nv.nrules++;
	if (!dry)
		err = rxl_append_write(fw, ca, e, ne, k, v, &nv);
out_unlock:
	rxl_unlock(fw, 0);
out_free:
	free(ca);
	if (err == -EAGAIN)
		snprintf(fw->err, sizeof(fw->err),
			 "the rule cannot be appended in place");
	return err;
}

int rxl_fw_rule_append(struct rxl_fw *fw, __u32 id, const struct rxl_rule *r)
{
	return rxl_rule_append(fw, id, r, false);
}

int rxl_fw_rule_append_check(struct rxl_fw *fw, __u32 id,
			     const struct rxl_rule *r)
{
	return rxl_rule_append(fw, id, r, true);
}

/* ---- a container made exactly as stated (CLI changes, recovery) ------- */

static bool rxl_addr_in(const struct rxl_addr *a, const struct rxl_addr *set,
			unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (set[i].family == a->family &&
		    !memcmp(set[i].addr, a->addr, 16))
			return true;
	return false;
}

static int rxl_spec_check(struct rxl_fw *fw, const struct rxl_cont_spec *s)
{
	unsigned int i;
	const char *why;
	int err;

	if (s->id >= RXL_MAX_CONTAINERS)
		return rxl_fail(fw, -EINVAL, "container id %u out of range 0-%u",
				s->id, RXL_MAX_CONTAINERS - 1);
	if (!s->naddrs || s->naddrs > 64)
		return rxl_fail(fw, -EINVAL, "container %u needs 1-64 addresses",
				s->id);
	if (s->nrules >= RXL_RULE_RANK)
		return rxl_fail(fw, -E2BIG, "too many rules");
	for (i = 0; i < s->naddrs; i++) {
		err = rxl_check_addr(fw, &s->addrs[i]);
		if (err)
			return err;
		why = rxl_addr_unusable(&s->addrs[i]);
		if (why)
			return rxl_fail(fw, -EINVAL, "address %u is %s", i, why);
	}
	return rxl_check_vnis(fw, s->vnis, s->nvnis);
}

/* Refuse addresses a VTEP or another container has, before any change. */
static int rxl_spec_addrs_free(struct rxl_fw *fw, const struct rxl_cont_spec *s)
{
	struct rxl_container v;
	unsigned int i;
	__u32 used;

	for (i = 0; i < s->naddrs; i++) {
		const struct rxl_addr *a = &s->addrs[i];

		if (rxl_vtep_find(fw, a, &used) >= 0)
			return rxl_fail(fw, -EADDRINUSE,
					"address %u is a VTEP's", i);
		if (!bpf_map_lookup_elem(rxl_addr_fd(fw, a), a->addr, &v) &&
		    v.id != s->id)
			return rxl_fail(fw, -EADDRINUSE,
					"address %u of container %u: used by container %u",
					i, s->id, v.id);
	}
	return 0;
}

/*
 * Put back what rxl_fw_container_apply() changed: the first @done
 * addresses of @s (their old value if @ca had them, else none), the
 * device map slot (@old_ifx, 0: none) and the new set @tag (@new_set).
 */
static void rxl_apply_undo(struct rxl_fw *fw, const struct rxl_cont_spec *s,
			   const struct rxl_cont_addrs *ca, unsigned int done,
			   __u32 old_ifx, bool new_set, __u32 tag)
{
	unsigned int i;
	__u32 id = s->id;

	for (i = done; i-- > 0;) {
		const struct rxl_addr *a = &s->addrs[i];

		if (rxl_addr_in(a, ca->addr, ca->n)) {
			bpf_map_update_elem(rxl_addr_fd(fw, a), a->addr,
					    &ca->val, BPF_EXIST);
			rxl_acache_put(fw, a, &ca->val);
		} else {
			rxl_acache_drop(fw, a);
			bpf_map_delete_elem(rxl_addr_fd(fw, a), a->addr);
		}
		rxl_sync(fw);
	}
	if (old_ifx)
		bpf_map_update_elem(fw->tx_ports, &id, &old_ifx, 0);
	else if (s->redirect_ifindex > 0)
		bpf_map_delete_elem(fw->tx_ports, &id);
	if (new_set && s->nrules)
		rxl_delete_set(fw, tag);
}

/* The addresses @ca had that @s does not: gone, each with a grace period. */
static int rxl_apply_drop_old(struct rxl_fw *fw, const struct rxl_cont_spec *s,
			      const struct rxl_cont_addrs *ca)
{
	bool freed = false;
	unsigned int i;
	int err = 0;

	for (i = 0; i < ca->n && !err; i++) {
		const struct rxl_addr *a = &ca->addr[i];

		if (rxl_addr_in(a, s->addrs, s->naddrs))
			continue;
		freed |= rxl_acache_drop(fw, a);
		bpf_map_delete_elem(rxl_addr_fd(fw, a), a->addr);
		err = rxl_sync(fw);
	}
	return err ?: freed ? rxl_acache_refill(fw) : 0;
}

static int rxl_apply_locked(struct rxl_fw *fw, const struct rxl_cont_spec *s,
			    struct rxl_cont_addrs *ca)
{
	struct rxl_container nv;
	struct rxl_entry *e = NULL;
	__u32 id = s->id, tag = 0, base = 0, old_ifx = 0, ifx;
	bool exists, new_set;
	unsigned int done = 0;
	size_t ne = 0;
	int err;

	err = rxl_find_container(fw, id, ca) ?: rxl_spec_addrs_free(fw, s);
	if (err)
		return err;
	exists = ca->n > 0;
	new_set = !exists || !s->keep_rules;
	if (new_set) {
		err = rxl_expand(fw, s->rules, s->nrules, &e, &ne);
		if (err)
			return err;
	}
	memset(&nv, 0, sizeof(nv));
	if (exists)
		nv = ca->val;
	nv.id = id;
	if (new_set) {
		err = rxl_shapes(fw, e, ne, &nv) ?:
		      rxl_rule_limit(fw, id, s->nrules) ?:
		      rxl_alloc_slots(fw, s->nrules, &base) ?:
		      rxl_zero_percpu(fw, fw->rule_cnt, base, s->nrules,
				      sizeof(struct rxl_counter));
		if (err)
			goto out;
		/* A fresh tag, unless this id has no set in the fast path. */
		tag = id << RXL_SET_GEN_BITS;
		if (exists)
			tag |= (ca->val.set + 1) & RXL_SET_GEN_MASK;
		err = rxl_write_set(fw, e, ne, tag);
		if (err)
			goto out;
		nv.set = tag;
		nv.rule_base = base;
		nv.nrules = s->nrules;
	}
	nv.flags = (s->default_drop ? RXL_CONT_DEFAULT_DROP : 0) |
		   (s->redirect_ifindex > 0 ? RXL_CONT_REDIRECT : 0);
	memset(nv.vnis, 0, sizeof(nv.vnis));
	if (s->nvnis)
		memcpy(nv.vnis, s->vnis, s->nvnis * sizeof(*s->vnis));
	nv.nvnis = s->nvnis;
	if (bpf_map_lookup_elem(fw->tx_ports, &id, &old_ifx))
		old_ifx = 0;
	if (s->redirect_ifindex > 0) {
		ifx = s->redirect_ifindex;
		if (bpf_map_update_elem(fw->tx_ports, &id, &ifx, 0)) {
			err = rxl_fail(fw, -errno, "redirect to ifindex %d: %s",
				       s->redirect_ifindex, strerror(errno));
			goto out_undo;
		}
	}
	if (!exists)
		err = rxl_zero_percpu(fw, fw->cont_cnt, id, 1,
				      sizeof(struct rxl_cont_counter));
	/* New addresses are inserted, kept ones flipped: never deleted. */
	for (; !err && done < s->naddrs; done++) {
		const struct rxl_addr *a = &s->addrs[done];
		bool had = rxl_addr_in(a, ca->addr, ca->n);

		if (bpf_map_update_elem(rxl_addr_fd(fw, a), a->addr, &nv,
					had ? BPF_EXIST : BPF_NOEXIST)) {
			err = rxl_fail(fw, -errno,
				       "address %u of container %u: %s", done,
				       id, strerror(errno));
			break;
		}
		rxl_acache_put(fw, a, &nv);
		if (had || fw->acache_dirty) {
			err = rxl_sync(fw);
			if (err)
				done++;
		}
	}
	if (err)
		goto out_undo;
	err = rxl_apply_drop_old(fw, s, ca);
	if (err)
		goto out;
	if (s->redirect_ifindex <= 0 && old_ifx)
		bpf_map_delete_elem(fw->tx_ports, &id);
	if (new_set && exists && ca->val.nrules)
		rxl_delete_set(fw, ca->val.set);
	goto out;

out_undo:
	rxl_apply_undo(fw, s, ca, done, old_ifx, new_set, tag);
out:
	free(e);
	return err;
}

int rxl_fw_container_apply(struct rxl_fw *fw, const struct rxl_cont_spec *s)
{
	struct rxl_cont_addrs *ca;
	int err = rxl_spec_check(fw, s);

	if (err)
		return err;
	ca = calloc(1, sizeof(*ca));
	if (!ca)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	err = rxl_lock(fw);
	if (!err)
		err = rxl_apply_locked(fw, s, ca);
	rxl_unlock(fw, 0);
	free(ca);
	return err;
}

int rxl_fw_settle(struct rxl_fw *fw)
{
	return rxl_sync(fw);
}

/* ---- consistency: what check and recovery look at --------------------- */

struct rxl_tags {
	__u32 *tag;
	unsigned int n;
	unsigned char *ids;	/* RXL_MAX_CONTAINERS: 1 if in the maps */
};

static int rxl_tag_add(struct rxl_fw *fw, const struct rxl_addr *a,
		       const struct rxl_container *v, void *arg)
{
	struct rxl_tags *t = arg;
	unsigned int i;

	(void)fw;
	(void)a;
	if (v->id < RXL_MAX_CONTAINERS)
		t->ids[v->id] = 1;
	for (i = 0; i < t->n; i++)
		if (t->tag[i] == v->set)
			return 0;
	if (t->n < 2 * RXL_MAX_ADDRS)
		t->tag[t->n++] = v->set;
	return 0;
}

static bool rxl_tag_live(const struct rxl_tags *t, __u32 tag)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		if (t->tag[i] == tag)
			return true;
	return false;
}

/* Keep, of the @n keys at @keys, those of no live set; returns how many. */
static __u32 rxl_keep_dead(__u8 *keys, __u32 n, size_t ksz,
			   const struct rxl_tags *t)
{
	__u32 i, m = 0;

	for (i = 0; i < n; i++) {
		if (rxl_tag_live(t, *(__u32 *)(keys + i * ksz)))
			continue;
		if (m != i)
			memcpy(keys + m * ksz, keys + i * ksz, ksz);
		m++;
	}
	return m;
}

long rxl_fw_dead_keys(struct rxl_fw *fw, bool purge)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	int fds[2] = { fw->rules4, fw->rules6 };
	size_t ksz[2] = { sizeof(struct rxl_rule4_key),
			  sizeof(struct rxl_rule6_key) };
	struct rxl_tags t = {
		.tag = calloc(2 * RXL_MAX_ADDRS, sizeof(__u32)),
		.ids = calloc(RXL_MAX_CONTAINERS, 1),
	};
	struct rxl_rule_val *vals = calloc(RXL_BATCH, sizeof(*vals));
	__u8 *keys = calloc(RXL_BATCH, sizeof(struct rxl_rule6_key));
	__u32 pos, next, n, m;
	long dead = 0;
	void *in;
	int f, err;

	if (!t.tag || !t.ids || !vals || !keys) {
		dead = rxl_fail(fw, -ENOMEM, "out of memory");
		goto out;
	}
	if (purge) {
		dead = rxl_lock(fw);
		if (dead)
			goto out;
	}
	rxl_walk_addrs(fw, rxl_tag_add, &t);
	for (f = 0; f < 2; f++) {
		in = NULL;
		do {
			n = RXL_BATCH;
			err = bpf_map_lookup_batch(fds[f], in, &next, keys,
						   vals, &n, &opts);
			if (err && errno != ENOENT) {
				dead = rxl_fail(fw, -errno, "reading rules: %s",
						strerror(errno));
				goto out_unlock;
			}
			m = rxl_keep_dead(keys, n, ksz[f], &t);
			dead += m;
			if (purge && m)
				bpf_map_delete_batch(fds[f], keys, &m, &opts);
			pos = next;
			in = &pos;
		} while (!err);
	}
out_unlock:
	if (purge)
		rxl_unlock(fw, 0);
out:
	free(t.tag);
	free(t.ids);
	free(vals);
	free(keys);
	return dead;
}

int rxl_fw_container_ids(struct rxl_fw *fw, bool present[RXL_MAX_CONTAINERS])
{
	struct rxl_tags t = {
		.tag = calloc(2 * RXL_MAX_ADDRS, sizeof(__u32)),
		.ids = calloc(RXL_MAX_CONTAINERS, 1),
	};
	unsigned int i;
	int err = 0;

	if (!t.tag || !t.ids)
		err = rxl_fail(fw, -ENOMEM, "out of memory");
	else
		err = rxl_walk_addrs(fw, rxl_tag_add, &t);
	for (i = 0; !err && i < RXL_MAX_CONTAINERS; i++)
		present[i] = t.ids[i];
	free(t.tag);
	free(t.ids);
	return err;
}

/* The rule judging port @port (-1: a packet without ports) in @v. */
static __u32 rxl_val_judge(const struct rxl_rule_val *v, int port)
{
	__u32 i;

	if (port < 0)
		return v->portless;
	for (i = 0; i < v->nsegs && i < RXL_MAX_SEGS; i++)
		if (port >= v->segs[i].lo && port <= v->segs[i].hi)
			return v->segs[i].rule;
	return RXL_NO_RULE;
}

/* Same verdict for every port? (Appends split ports otherwise.) */
static bool rxl_val_equiv(const struct rxl_rule_val *a,
			  const struct rxl_rule_val *b)
{
	const struct rxl_rule_val *vs[2] = { a, b };
	unsigned int k, i;
	int p;

	if (a->portless != b->portless)
		return false;
	for (k = 0; k < 2; k++)
		for (i = 0; i < vs[k]->nsegs && i < RXL_MAX_SEGS; i++) {
			p = vs[k]->segs[i].lo;
			if (rxl_val_judge(a, p) != rxl_val_judge(b, p))
				return false;
			p = vs[k]->segs[i].hi + 1;
			if (p <= 0xffff &&
			    rxl_val_judge(a, p) != rxl_val_judge(b, p))
				return false;
		}
	return rxl_val_judge(a, 0) == rxl_val_judge(b, 0);
}

/*
 * Does @b look up each of the @n shapes of @a, for @a's protocols at
 * least? protos 0 (a pin from an older build) looks up for every one.
 */
static bool rxl_shapes_cover(const struct rxl_shape *a,
			     const struct rxl_shape *b, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (a[i].plen != b[i].plen || a[i].any_proto != b[i].any_proto ||
		    memcmp(a[i].mask, b[i].mask, sizeof(a[i].mask)) ||
		    (b[i].protos && (a[i].protos & ~b[i].protos)))
			return false;
	return true;
}

static bool rxl_shapes_equal(const struct rxl_container *a,
			     const struct rxl_container *b)
{
	return a->nshapes4 == b->nshapes4 && a->nshapes6 == b->nshapes6 &&
	       rxl_shapes_cover(a->shapes4, b->shapes4, a->nshapes4) &&
	       rxl_shapes_cover(a->shapes6, b->shapes6, a->nshapes6);
}

/* Every key the compiled @e expects under @tag, with an equal verdict. */
static int rxl_verify_keys(struct rxl_fw *fw, const struct rxl_entry *e,
			   size_t n, __u32 tag, char *why, size_t len)
{
	union rxl_any_key k;
	struct rxl_rule_val want, got;
	size_t i = 0, j;
	int fd, err;

	while (i < n) {
		for (j = i + 1; j < n && rxl_same_group(&e[i], &e[j]); j++)
			;
		memset(&k, 0, sizeof(k));
		if (e[i].family == 4) {
			k.k4 = (struct rxl_rule4_key){ .set = tag,
				.plen = e[i].plen, .proto = e[i].proto };
			memcpy(&k.k4.src, e[i].src, 4);
			fd = fw->rules4;
		} else {
			k.k6 = (struct rxl_rule6_key){ .set = tag,
				.plen = e[i].plen, .proto = e[i].proto };
			memcpy(k.k6.src, e[i].src, 16);
			fd = fw->rules6;
		}
		err = rxl_resolve(fw, &e[i], j - i, &want);
		if (err)
			return err;
		if (bpf_map_lookup_elem(fd, &k, &got)) {
			rxl_fmt_src(&e[i], why, len);
			return 1;
		}
		if (!rxl_val_equiv(&want, &got)) {
			rxl_fmt_src(&e[i], why, len);
			return 2;
		}
		i = j;
	}
	return 0;
}

int rxl_fw_container_verify(struct rxl_fw *fw, const struct rxl_cont_spec *s,
			    char *why, size_t len)
{
	struct rxl_cont_addrs *ca = calloc(1, sizeof(*ca));
	struct rxl_container want = {}, *v;
	struct rxl_entry *e = NULL;
	char src[80];
	unsigned int i;
	size_t ne = 0;
	__u32 ifx;
	int err;

	*why = 0;
	if (!ca)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	err = rxl_find_container(fw, s->id, ca);
	if (err)
		goto out;
	err = 1;
	v = &ca->val;
	if (!ca->n) {
		snprintf(why, len, "not in the fast path");
		goto out;
	}
	for (i = 0; i < s->naddrs; i++)
		if (!rxl_addr_in(&s->addrs[i], ca->addr, ca->n)) {
			snprintf(why, len, "address %u missing from the fast path",
				 i);
			goto out;
		}
	if (ca->n != s->naddrs) {
		snprintf(why, len, "%u addresses in the fast path, %u recorded",
			 ca->n, s->naddrs);
		goto out;
	}
	for (i = 0; i < ca->n; i++) {
		struct rxl_container o;

		bpf_map_lookup_elem(rxl_addr_fd(fw, &ca->addr[i]),
				    ca->addr[i].addr, &o);
		if (memcmp(&o, v, sizeof(o))) {
			snprintf(why, len, "its addresses disagree (a flip was cut short)");
			goto out;
		}
	}
	if (!(v->flags & RXL_CONT_DEFAULT_DROP) != !s->default_drop) {
		snprintf(why, len, "default policy %s in the fast path",
			 v->flags & RXL_CONT_DEFAULT_DROP ? "drop" : "allow");
		goto out;
	}
	if (!(v->flags & RXL_CONT_REDIRECT) != !(s->redirect_ifindex > 0) ||
	    (s->redirect_ifindex > 0 &&
	     (bpf_map_lookup_elem(fw->tx_ports, &s->id, &ifx) ||
	      (int)ifx != s->redirect_ifindex))) {
		snprintf(why, len, "redirect target differs");
		goto out;
	}
	if (v->nvnis != s->nvnis ||
	    memcmp(v->vnis, s->vnis ?: v->vnis, s->nvnis * sizeof(__u32))) {
		snprintf(why, len, "VNI bindings differ");
		goto out;
	}
	if (v->nrules != s->nrules) {
		snprintf(why, len, "%u rules in the fast path, %u recorded",
			 v->nrules, s->nrules);
		goto out;
	}
	err = rxl_expand(fw, s->rules, s->nrules, &e, &ne) ?:
	      rxl_shapes(fw, e, ne, &want);
	if (err)
		goto out;
	err = 1;
	if (!rxl_shapes_equal(&want, v)) {
		snprintf(why, len, "rule shapes differ");
		goto out;
	}
	err = rxl_verify_keys(fw, e, ne, v->set, src, sizeof(src));
	if (err > 0)
		snprintf(why, len, "rules for source %s %s", src,
			 err == 1 ? "missing from the fast path" :
			 "judge otherwise in the fast path");
out:
	free(e);
	free(ca);
	return err;
}

/* A live cache slot whose copy is not its address's value in the map. */
struct rxl_stale_arg {
	bool repair;
	long n;
};

static int rxl_acache_stale_one(struct rxl_fw *fw, const struct rxl_addr *a,
				const struct rxl_container *v, void *arg)
{
	struct rxl_stale_arg *sa = arg;
	struct rxl_acache_ent e;
	__u32 slot = rxl_acache_slot_of(a);

	if (!rxl_acache_live(fw, slot, &e) || !rxl_acache_holds(&e, a) ||
	    rxl_acache_same(&e.c, v))
		return 0;
	sa->n++;
	if (sa->repair)
		rxl_acache_put(fw, a, v);
	return 0;
}

/* A live slot whose address is in no map at all. */
static long rxl_acache_orphans(struct rxl_fw *fw, bool repair)
{
	struct rxl_acache_ent e;
	struct rxl_container v;
	struct rxl_addr a;
	long n = 0;
	__u32 slot;

	for (slot = 0; slot < RXL_ACACHE_SLOTS; slot++) {
		if (!rxl_acache_live(fw, slot, &e))
			continue;
		memset(&a, 0, sizeof(a));
		a.family = e.family == 4 ? AF_INET : AF_INET6;
		memcpy(a.addr, e.addr, 16);
		if (!bpf_map_lookup_elem(rxl_addr_fd(fw, &a), a.addr, &v))
			continue;
		n++;
		if (repair)
			rxl_acache_set(fw, slot, 0);
	}
	return n;
}

long rxl_fw_acache_stale(struct rxl_fw *fw, bool repair)
{
	struct rxl_stale_arg sa = { .repair = repair };
	int err = repair ? rxl_lock(fw) : 0;

	if (err)
		return err;
	rxl_walk_addrs(fw, rxl_acache_stale_one, &sa);
	sa.n += rxl_acache_orphans(fw, repair);
	if (repair && fw->acache_dirty)
		err = rxl_sync(fw);
	if (repair && !err)
		err = rxl_acache_refill(fw);
	rxl_unlock(fw, 0);
	return err ?: sa.n;
}
