// SPDX-License-Identifier: GPL-2.0
/*
 * crash_at.so - test helper (LD_PRELOAD) that stops, fails or watches the
 * CLI's map changes, to reach an exact point of a change.
 *
 *   RXLANE_CRASH_AT=N      SIGKILL after the N-th call (0: never)
 *   RXLANE_FAIL_AT=N       the N-th call fails (ENOMEM, the map untouched)
 *                          instead; the calls after it run (cli_fail.sh)
 *   RXLANE_FAIL_SKIP=M,..  calls on the maps named are neither failed nor
 *                          counted (a cache whose write may fail unseen)
 *   RXLANE_CRASH_COUNT=F   write the number of calls made to F at exit
 *   RXLANE_CRASH_TRACE=1   each call, numbered, on stderr
 *   RXLANE_GP_CHECK=F      append to F one line per grace-period violation
 *                          (below) and "ok CALLS REPLACES SYNCS" at exit
 *   RXLANE_FAIL_TC_AT=N    the N-th bpf_tc_attach() fails (-EPERM, nothing
 *                          attached): a tc filter the kernel refuses
 *   RXLANE_TC_COUNT=F      write the number of bpf_tc_attach() calls to F
 *                          at exit
 *   RXLANE_TC_TRACE=F      append to F a line per bpf_tc_attach() and
 *                          bpf_tc_detach(), in order: "attach|detach
 *                          NETNS-INODE IFINDEX in|out RESULT" (the calling
 *                          thread's namespace: the CLI enters a
 *                          container's on a thread of its own)
 *   RXLANE_CRASH_SYSCALL=1 count the bpf(2) commands of those calls
 *                          (libbpf's syscall()), not the functions: for a
 *                          binary with libbpf linked in (rxlane-cni),
 *                          whose calls to them no preload can take
 *
 * Counted: bpf_map_update_elem, bpf_map_delete_elem, bpf_map_update_batch,
 * bpf_map_delete_batch (the CLI's every change of a map goes through
 * them; the address cache's selector is stored through a mapping, so a
 * kill just after the call before it stands for one just before it).
 *
 * Grace periods (RXLANE_GP_CHECK): an update of a key a BPF_MAP_TYPE_HASH
 * map of the fast path holds already replaces its element in place; the
 * old element is freed at once and 6.1's bpf_mem_alloc hands it to the
 * next allocation of that map, while an XDP program may still read it. So
 * after such a replace, the map must see no other update (an allocation)
 * until a grace period has passed, and the process must not end before
 * one: the CLI waits with an update of a BPF_MAP_TYPE_ARRAY_OF_MAPS (which
 * returns after synchronize_rcu()). The CLI's own records (maps "cli_*")
 * are never read by a program and are not watched.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define GP_MAPS		64

static unsigned long crash_at, fail_at, calls;
static bool crash_syscall;	/* RXLANE_CRASH_SYSCALL */
static FILE *gp_log;
static unsigned long gp_replaces, gp_syncs;

static unsigned long tc_calls;	/* bpf_tc_attach() */

/* Maps with a replaced element not yet waited for, by map id. */
static struct {
	__u32 id;
	char name[BPF_OBJ_NAME_LEN];
	unsigned long call;	/* the call that replaced it */
} gp_dirty[GP_MAPS];
static unsigned int gp_ndirty;

/* A call on a map named in RXLANE_FAIL_SKIP: not counted. */
static bool crash_skipped(int fd)
{
	const char *skip = getenv("RXLANE_FAIL_SKIP");
	__u32 len = sizeof(struct bpf_map_info);
	struct bpf_map_info info;
	size_t n;

	memset(&info, 0, sizeof(info));
	if (!skip || !*skip || bpf_obj_get_info_by_fd(fd, &info, &len))
		return false;
	n = strlen(info.name);
	for (; skip; skip = strchr(skip, ',') ? strchr(skip, ',') + 1 : NULL)
		if (!strncmp(skip, info.name, n) &&
		    (skip[n] == ',' || !skip[n]))
			return true;
	return false;
}

/* Before a call: true when it is to fail (and not to run). */
static bool crash_fail_now(int fd)
{
	return fail_at && calls + 1 == fail_at && !crash_skipped(fd);
}

/* After a call (or its failure): count it, and die if it is the one. */
static void crash_tick(int fd)
{
	if (crash_skipped(fd))
		return;
	if (++calls == crash_at)
		raise(SIGKILL);
}

__attribute__((constructor)) static void crash_init(void)
{
	const char *s = getenv("RXLANE_CRASH_AT");
	const char *f = getenv("RXLANE_FAIL_AT");
	const char *g = getenv("RXLANE_GP_CHECK");

	crash_at = s ? strtoul(s, NULL, 10) : 0;
	fail_at = f ? strtoul(f, NULL, 10) : 0;
	s = getenv("RXLANE_CRASH_SYSCALL");
	crash_syscall = s && !strcmp(s, "1");
	if (g && *g)
		gp_log = fopen(g, "a");
}

static void gp_violation(const char *what, const char *name,
			 unsigned long since)
{
	fprintf(gp_log, "%s: map %s, element replaced in place by call %lu, no grace period since (call %lu)\n",
		what, name, since, calls);
	fflush(gp_log);
}

__attribute__((destructor)) static void crash_fini(void)
{
	const char *f = getenv("RXLANE_CRASH_COUNT");
	unsigned int i;
	FILE *o;

	if (gp_log) {
		for (i = 0; i < gp_ndirty; i++)
			gp_violation("exit", gp_dirty[i].name,
				     gp_dirty[i].call);
		fprintf(gp_log, "ok %lu %lu %lu\n", calls, gp_replaces,
			gp_syncs);
		fclose(gp_log);
	}
	f = getenv("RXLANE_TC_COUNT");
	o = f && *f ? fopen(f, "w") : NULL;
	if (o) {
		fprintf(o, "%lu\n", tc_calls);
		fclose(o);
	}
	f = getenv("RXLANE_CRASH_COUNT");
	if (!f || !*f)
		return;
	o = fopen(f, "w");
	if (o) {
		fprintf(o, "%lu\n", calls);
		fclose(o);
	}
}

/* Type, id, key size and name of map @fd; false if it cannot be read. */
static bool gp_info(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return !bpf_obj_get_info_by_fd(fd, info, &len);
}

static int gp_find(__u32 id)
{
	unsigned int i;

	for (i = 0; i < gp_ndirty; i++)
		if (gp_dirty[i].id == id)
			return i;
	return -1;
}

/*
 * Before a change of map @fd (@nkeys keys at @keys, @update: allocates):
 * a violation if it allocates in a map with an unwaited replace; note
 * the replaces it makes.
 */
static void gp_before(int fd, const void *keys, __u32 nkeys, bool update)
{
	static char value[1 << 16];
	struct bpf_map_info info;
	bool replace = false;
	__u32 i;
	int d;

	if (!gp_log || !gp_info(fd, &info))
		return;
	if (info.type == BPF_MAP_TYPE_ARRAY_OF_MAPS && update) {
		gp_syncs++;
		gp_ndirty = 0;
		return;
	}
	if (info.type != BPF_MAP_TYPE_HASH || !strncmp(info.name, "cli_", 4))
		return;
	d = gp_find(info.id);
	if (update && d >= 0)
		gp_violation("update", info.name, gp_dirty[d].call);
	if (!update || info.value_size > sizeof(value) || !keys)
		return;
	for (i = 0; i < nkeys && !replace; i++)
		replace = !bpf_map_lookup_elem(fd, (const char *)keys +
					       (size_t)i * info.key_size,
					       value);
	if (!replace || d >= 0 || gp_ndirty == GP_MAPS)
		return;
	gp_replaces++;
	gp_dirty[gp_ndirty].id = info.id;
	memcpy(gp_dirty[gp_ndirty].name, info.name, sizeof(info.name));
	gp_dirty[gp_ndirty].call = calls + 1;
	gp_ndirty++;
}

/* RXLANE_CRASH_TRACE: each call, numbered, to stderr (to debug a test). */
static void crash_trace(const char *call, int fd)
{
	struct bpf_map_info info;

	if (!getenv("RXLANE_CRASH_TRACE"))
		return;
	if (!gp_info(fd, &info))
		info.name[0] = '\0';
	fprintf(stderr, "crash_at: %lu %s %s\n", calls + 1, call, info.name);
}

#define CRASH_WRAP(name, proto, args, fd, keys, nkeys, update)		\
int name proto								\
{									\
	static int (*real) proto;					\
	int ret;							\
									\
	if (!real)							\
		real = dlsym(RTLD_NEXT, #name);				\
	if (crash_syscall)	/* counted at its bpf(2) */		\
		return real args;					\
	gp_before(fd, keys, nkeys, update);				\
	crash_trace(#name, fd);						\
	if (crash_fail_now(fd)) {					\
		crash_tick(fd);						\
		errno = ENOMEM;						\
		return -ENOMEM;						\
	}								\
	ret = real args;						\
	crash_tick(fd);							\
	return ret;							\
}

CRASH_WRAP(bpf_map_update_elem,
	   (int fd, const void *key, const void *value, __u64 flags),
	   (fd, key, value, flags), fd, key, 1, true)
CRASH_WRAP(bpf_map_delete_elem, (int fd, const void *key), (fd, key),
	   fd, key, 1, false)
CRASH_WRAP(bpf_map_update_batch,
	   (int fd, const void *keys, const void *values, __u32 *count,
	    const struct bpf_map_batch_opts *opts),
	   (fd, keys, values, count, opts), fd, keys, count ? *count : 0, true)
CRASH_WRAP(bpf_map_delete_batch,
	   (int fd, const void *keys, __u32 *count,
	    const struct bpf_map_batch_opts *opts),
	   (fd, keys, count, opts), fd, keys, 0, false)

/*
 * RXLANE_CRASH_SYSCALL: the same four changes, as libbpf makes them:
 * syscall(__NR_bpf, cmd, attr, size). A failure is -1 with errno, which
 * libbpf turns into -ENOMEM as the functions above return it.
 */
long syscall(long nr, ...)
{
	static long (*real)(long nr, ...);
	const union bpf_attr *attr;
	const char *name = NULL;
	const void *keys = NULL;
	__u32 nkeys = 0;
	bool update = false;
	long a[6], ret;
	va_list ap;
	int fd = -1, i;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (!real)
		real = dlsym(RTLD_NEXT, "syscall");
	attr = (const union bpf_attr *)a[1];
	if (crash_syscall && nr == __NR_bpf && attr) {
		switch (a[0]) {
		case BPF_MAP_UPDATE_ELEM:
			update = true;
			/* fall through */
		case BPF_MAP_DELETE_ELEM:
			name = update ? "bpf_map_update_elem" :
					"bpf_map_delete_elem";
			fd = attr->map_fd;
			keys = (const void *)(unsigned long)attr->key;
			nkeys = 1;
			break;
		case BPF_MAP_UPDATE_BATCH:
			update = true;
			/* fall through */
		case BPF_MAP_DELETE_BATCH:
			name = update ? "bpf_map_update_batch" :
					"bpf_map_delete_batch";
			fd = attr->batch.map_fd;
			keys = (const void *)(unsigned long)attr->batch.keys;
			nkeys = update ? attr->batch.count : 0;
			break;
		}
	}
	if (!name)
		return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	gp_before(fd, keys, nkeys, update);
	crash_trace(name, fd);
	if (crash_fail_now(fd)) {
		crash_tick(fd);
		errno = ENOMEM;
		return -1;
	}
	ret = real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	crash_tick(fd);
	return ret;
}

/* RXLANE_TC_TRACE: one line per tc attach or detach, appended. */
static void tc_trace(const char *what, const struct bpf_tc_hook *hook,
		     int ret)
{
	const char *f = getenv("RXLANE_TC_TRACE");
	struct stat st = { 0 };
	FILE *o;

	if (!f || !*f)
		return;
	o = fopen(f, "a");
	if (!o)
		return;
	stat("/proc/thread-self/ns/net", &st);
	fprintf(o, "%s %lu %d %s %d\n", what, (unsigned long)st.st_ino,
		hook->ifindex,
		hook->attach_point == BPF_TC_INGRESS ? "in" :
		hook->attach_point == BPF_TC_EGRESS ? "out" : "other", ret);
	fclose(o);
}

/*
 * RXLANE_FAIL_TC_AT: the N-th tc attach (the CLI's every tc filter goes
 * through libbpf's bpf_tc_attach()) fails as the kernel's refusal would,
 * nothing attached; RXLANE_TC_COUNT counts them.
 */
int bpf_tc_attach(const struct bpf_tc_hook *hook, struct bpf_tc_opts *opts)
{
	static int (*real)(const struct bpf_tc_hook *hook,
			   struct bpf_tc_opts *opts);
	const char *s = getenv("RXLANE_FAIL_TC_AT");
	int ret;

	if (!real)
		real = dlsym(RTLD_NEXT, "bpf_tc_attach");
	tc_calls++;
	ret = s && strtoul(s, NULL, 10) == tc_calls ? -EPERM :
						       real(hook, opts);
	tc_trace("attach", hook, ret);
	return ret;
}

int bpf_tc_detach(const struct bpf_tc_hook *hook,
		  const struct bpf_tc_opts *opts)
{
	static int (*real)(const struct bpf_tc_hook *hook,
			   const struct bpf_tc_opts *opts);
	int ret;

	if (!real)
		real = dlsym(RTLD_NEXT, "bpf_tc_detach");
	ret = real(hook, opts);
	tc_trace("detach", hook, ret);
	return ret;
}
