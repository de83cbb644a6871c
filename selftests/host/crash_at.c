// SPDX-License-Identifier: GPL-2.0
/*
 * crash_at.so - test helper (LD_PRELOAD): kill the process with SIGKILL
 * right after its N-th map-changing libbpf call returns, to stop the CLI
 * at an exact point of a change.
 *
 *   RXLANE_CRASH_AT=N      SIGKILL after the N-th call (0: never)
 *   RXLANE_CRASH_COUNT=F   write the number of calls made to F at exit
 *
 * Counted: bpf_map_update_elem, bpf_map_delete_elem, bpf_map_update_batch,
 * bpf_map_delete_batch (the CLI's every change of a map goes through
 * them; the address cache's selector is stored through a mapping, so a
 * kill just after the call before it stands for one just before it).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <bpf/bpf.h>

static unsigned long crash_at, calls;

static void crash_tick(void)
{
	if (crash_at && ++calls == crash_at)
		raise(SIGKILL);
	else if (!crash_at)
		calls++;
}

__attribute__((constructor)) static void crash_init(void)
{
	const char *s = getenv("RXLANE_CRASH_AT");

	crash_at = s ? strtoul(s, NULL, 10) : 0;
}

__attribute__((destructor)) static void crash_fini(void)
{
	const char *f = getenv("RXLANE_CRASH_COUNT");
	FILE *o;

	if (!f || !*f)
		return;
	o = fopen(f, "w");
	if (o) {
		fprintf(o, "%lu\n", calls);
		fclose(o);
	}
}

#define CRASH_WRAP(name, proto, args)					\
int name proto								\
{									\
	static int (*real) proto;					\
	int ret;							\
									\
	if (!real)							\
		real = dlsym(RTLD_NEXT, #name);				\
	ret = real args;						\
	crash_tick();							\
	return ret;							\
}

CRASH_WRAP(bpf_map_update_elem,
	   (int fd, const void *key, const void *value, __u64 flags),
	   (fd, key, value, flags))
CRASH_WRAP(bpf_map_delete_elem, (int fd, const void *key), (fd, key))
CRASH_WRAP(bpf_map_update_batch,
	   (int fd, const void *keys, const void *values, __u32 *count,
	    const struct bpf_map_batch_opts *opts),
	   (fd, keys, values, count, opts))
CRASH_WRAP(bpf_map_delete_batch,
	   (int fd, const void *keys, __u32 *count,
	    const struct bpf_map_batch_opts *opts),
	   (fd, keys, count, opts))
