// SPDX-License-Identifier: GPL-2.0
/*
 * tc_pull - the tc egress program's cost per packet on real traffic, two
 * builds of it interleaved on one device, for scripts/bench-ct-pull.sh
 * (Documentation/performance.rst, "Connection tracking").
 *
 *   tc_pull PINDIR DEV ROUNDS SECONDS OBJ...
 *
 * Loads each OBJ (a build of bpf/rxlane_tc.bpf.c) over the maps pinned in
 * PINDIR ('rxlane attach' made them), then, ROUNDS times, puts each
 * program in turn at rxlane's place on DEV's clsact egress hook (the
 * handle and priority of user/ct_attach.c, replacing what is there) for
 * SECONDS, the order rotated every round, and reads the kernel's run
 * statistics of that program (BPF_ENABLE_STATS while this runs: no sysctl
 * is changed). Prints one line a round and variant, "round R OBJ runs N
 * ns/run X", then "median OBJ ns/run X runs N" per OBJ. The caller runs
 * the traffic meanwhile. At exit the first OBJ's program stays attached.
 *
 * Exit 1 when a window saw no run (the program is not on the traffic's
 * path), 2 on a usage or load error.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define TC_HANDLE	0x72786c	/* user/ct_attach.c: CLI_TC_HANDLE */
#define TC_PRIO		0x7278		/* CLI_TC_PRIO */
#define MAX_OBJS	4
#define MAX_ROUNDS	200

struct variant {
	const char *path;
	struct bpf_object *obj;
	int fd;
	double ns[MAX_ROUNDS];
	__u64 runs;
};

/* Load @v's object with every map it shares with the pins in @dir. */
static int load(struct variant *v, const char *dir)
{
	char path[4096];
	struct bpf_program *prog;
	struct bpf_map *m;
	int fd, err;

	v->obj = bpf_object__open_file(v->path, NULL);
	if (!v->obj)
		return -errno;
	bpf_object__for_each_map(m, v->obj) {
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(m));
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		err = bpf_map__reuse_fd(m, fd);
		close(fd);
		if (!err)
			err = bpf_map__set_pin_path(m, NULL);
		if (err)
			return err;
	}
	bpf_object__for_each_map(m, v->obj)
		bpf_map__set_pin_path(m, NULL);
	err = bpf_object__load(v->obj);
	if (err)
		return err;
	prog = bpf_object__find_program_by_name(v->obj, "rxlane_tc");
	if (!prog)
		return -ENOENT;
	v->fd = bpf_program__fd(prog);
	return 0;
}

static int attach(int ifindex, int fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE,
		    .priority = TC_PRIO, .prog_fd = fd,
		    .flags = BPF_TC_F_REPLACE);

	return bpf_tc_attach(&hook, &opts);
}

static int stats(int fd, __u64 *cnt, __u64 *ns)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*cnt = info.run_cnt;
	*ns = info.run_time_ns;
	return 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct variant v[MAX_OBJS] = {};
	int nv = argc - 5, ifindex, rounds, secs, r, i, k, sfd, err;
	__u64 c0, n0, c1, n1;

	if (argc < 6 || nv > MAX_OBJS) {
		fprintf(stderr,
			"usage: tc_pull PINDIR DEV ROUNDS SECONDS OBJ...\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[2]);
	rounds = atoi(argv[3]);
	secs = atoi(argv[4]);
	if (!ifindex || rounds < 1 || rounds > MAX_ROUNDS || secs < 1) {
		fprintf(stderr, "tc_pull: bad device, rounds or seconds\n");
		return 2;
	}
	sfd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (sfd < 0) {
		fprintf(stderr, "tc_pull: BPF_ENABLE_STATS: %s\n",
			strerror(errno));
		return 2;
	}
	for (i = 0; i < nv; i++) {
		v[i].path = argv[5 + i];
		err = load(&v[i], argv[1]);
		if (err) {
			fprintf(stderr, "tc_pull: loading %s: %s\n", v[i].path,
				strerror(-err));
			return 2;
		}
	}
	for (r = 0; r < rounds; r++) {
		for (k = 0; k < nv; k++) {
			i = (r + k) % nv;
			err = attach(ifindex, v[i].fd) ?:
			      stats(v[i].fd, &c0, &n0);
			if (!err) {
				sleep(secs);
				err = stats(v[i].fd, &c1, &n1);
			}
			if (err) {
				fprintf(stderr, "tc_pull: %s: %s\n", v[i].path,
					strerror(-err));
				return 2;
			}
			if (c1 == c0) {
				fprintf(stderr,
					"tc_pull: %s ran 0 times in %d s: not on the traffic's path\n",
					v[i].path, secs);
				return 1;
			}
			v[i].ns[r] = (double)(n1 - n0) / (c1 - c0);
			v[i].runs += c1 - c0;
			printf("round %d %s runs %llu ns/run %.1f\n", r,
			       v[i].path, (unsigned long long)(c1 - c0),
			       v[i].ns[r]);
			fflush(stdout);
		}
	}
	attach(ifindex, v[0].fd);
	for (i = 0; i < nv; i++) {
		qsort(v[i].ns, rounds, sizeof(double), cmp);
		printf("median %s ns/run %.1f runs %llu\n", v[i].path,
		       v[i].ns[rounds / 2], (unsigned long long)v[i].runs);
		bpf_object__close(v[i].obj);
	}
	close(sfd);
	return 0;
}
