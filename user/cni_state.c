// SPDX-License-Identifier: GPL-2.0
/*
 * cni_state.c - rxlane-cni's records: the pinned hash maps cni_state and
 * cni_netns (an attachment's namespace) in the CLI's pin directory (bpffs
 * holds no files), keyed by (network name, CNI_CONTAINERID, CNI_IFNAME),
 * changed only under the CLI's lock; and running a step inside the
 * container's network namespace, once its cookie says it is the one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cni.h"

static int cni_state_fd = -1;
static int cni_netns_fd = -1;

/* A pinned map of another layout is refused, never reused. */
static int cni_pin_check(struct cni_req *r, int fd, const char *path,
			 __u32 value_size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return cni_fail(r, CNI_ERR_STATE, "%s: %s", path,
				strerror(errno));
	if (info.type != BPF_MAP_TYPE_HASH ||
	    info.key_size != sizeof(struct cni_key) ||
	    info.value_size != value_size)
		return cni_fail(r, CNI_ERR_STATE,
				"%s is not rxlane-cni's record map (type %u, key %u, value %u bytes): refusing to use it",
				path, info.type, info.key_size,
				info.value_size);
	return 0;
}

/*
 * The record map pinned as @name in the pin directory, with values of
 * @value_size bytes, into *@fd: opened, or created and pinned with
 * @create; 1 when it is absent and not @create.
 */
static int cni_pin_open(struct cni_req *r, struct cli *c, const char *name,
			__u32 value_size, bool create, int *fd)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", c->pin_dir, name);
	*fd = bpf_obj_get(path);
	if (*fd < 0 && (errno != ENOENT || !create))
		return errno == ENOENT ? 1 :
		       cni_fail(r, CNI_ERR_STATE, "%s: %s", path,
				strerror(errno));
	if (*fd < 0) {
		*fd = bpf_map_create(BPF_MAP_TYPE_HASH, name,
				     sizeof(struct cni_key), value_size,
				     CNI_STATE_MAX, &opts);
		if (*fd < 0 || bpf_obj_pin(*fd, path)) {
			cni_fail(r, CNI_ERR_STATE, "cannot create %s: %s",
				 path, strerror(errno));
			if (*fd >= 0)
				close(*fd);
			*fd = -1;
			return -1;
		}
	}
	return cni_pin_check(r, *fd, path, value_size);
}

int cni_state_open(struct cni_req *r, struct cli *c, bool create)
{
	int err, ns;

	err = cni_pin_open(r, c, CNI_STATE_PIN, sizeof(struct cni_rec),
			   create, &cni_state_fd);
	if (err < 0)
		return err;
	/* Checked also without cni_state: STATUS refuses a foreign one. */
	ns = cni_pin_open(r, c, CNI_NETNS_PIN, sizeof(struct cni_netns),
			  create, &cni_netns_fd);
	return ns < 0 ? ns : err;
}

void cni_state_close(void)
{
	if (cni_state_fd >= 0)
		close(cni_state_fd);
	if (cni_netns_fd >= 0)
		close(cni_netns_fd);
	cni_state_fd = -1;
	cni_netns_fd = -1;
}

/* A record by key in the map of @fd (-1: absent, nothing in it). */
static int cni_key_get(int fd, const struct cni_key *k, void *v)
{
	if (fd < 0)
		return -ENOENT;
	return bpf_map_lookup_elem(fd, k, v) ? -errno : 0;
}

static int cni_key_del(int fd, const struct cni_key *k)
{
	if (fd < 0)
		return 0;
	if (bpf_map_delete_elem(fd, k) && errno != ENOENT)
		return -errno;
	return 0;
}

int cni_rec_get(const struct cni_key *k, struct cni_rec *v)
{
	return cni_key_get(cni_state_fd, k, v);
}

int cni_rec_put(const struct cni_key *k, const struct cni_rec *v)
{
	return bpf_map_update_elem(cni_state_fd, k, v, BPF_ANY) ? -errno : 0;
}

int cni_rec_del(const struct cni_key *k)
{
	return cni_key_del(cni_state_fd, k);
}

int cni_netns_get(const struct cni_key *k, struct cni_netns *v)
{
	return cni_key_get(cni_netns_fd, k, v);
}

int cni_netns_put(const struct cni_key *k, const struct cni_netns *v)
{
	return bpf_map_update_elem(cni_netns_fd, k, v, BPF_ANY) ? -errno : 0;
}

int cni_netns_del(const struct cni_key *k)
{
	return cni_key_del(cni_netns_fd, k);
}

bool cni_uplink_used(const char *dev)
{
	struct cni_key key, next, *prev = NULL;
	struct cni_rec v;

	while (cni_state_fd >= 0 &&
	       !bpf_map_get_next_key(cni_state_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(cni_state_fd, &key, &v) &&
		    v.kind == CNI_REC_CONT && !strcmp(v.uplink, dev))
			return true;
	}
	return false;
}

int cni_conts_of_net(const char *net,
		     bool (*keep)(const struct cni_key *k, void *arg),
		     void *arg, struct cni_key **out, size_t *n)
{
	struct cni_key key, next, *prev = NULL, *v = NULL, *grown;
	size_t cap = 0;
	struct cni_rec rec;

	*out = NULL;
	*n = 0;
	while (cni_state_fd >= 0 &&
	       !bpf_map_get_next_key(cni_state_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(cni_state_fd, &key, &rec) ||
		    rec.kind != CNI_REC_CONT ||
		    strncmp(key.net, net, sizeof(key.net)) || keep(&key, arg))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			grown = realloc(v, cap * sizeof(*v));
			if (!grown) {
				free(v);
				*n = 0;
				return -ENOMEM;
			}
			v = grown;
		}
		v[(*n)++] = key;
	}
	*out = v;
	return 0;
}

/* A record other than a program's: at most CNI_NPROGS + 1 steps. */
static bool cni_state_in_use(void)
{
	struct cni_key key, next, *prev = NULL;
	struct cni_rec v;

	while (!bpf_map_get_next_key(cni_state_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(cni_state_fd, &key, &v) ||
		    v.kind != CNI_REC_PROG)
			return true;
	}
	return false;
}

void cni_state_gc(struct cli *c)
{
	char path[PATH_MAX + 32];

	if (cni_state_fd < 0 || cni_state_in_use())
		return;
	cni_progs_unpin(c);
	snprintf(path, sizeof(path), "%s/%s", c->pin_dir, CNI_NETNS_PIN);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", c->pin_dir, CNI_STATE_PIN);
	unlink(path);
}

int cni_pins_hidden(struct cni_req *r, const char *pin_dir)
{
	size_t n = strlen(CNI_BPFFS);
	struct stat self, caller;
	char path[64];
	struct statfs sfs;

	if (strncmp(pin_dir, CNI_BPFFS, n) || pin_dir[n] != '/' ||
	    (!statfs(CNI_BPFFS, &sfs) && sfs.f_type == BPF_FS_MAGIC))
		return 0;
	/*
	 * The runtime's (the parent's) mount namespace, as a plugin runs:
	 * ADD mounts bpffs there, as the CLI does. 'ip netns exec' made one
	 * of its own between them.
	 */
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)getppid());
	if (stat("/proc/self/ns/mnt", &self) || stat(path, &caller) ||
	    (self.st_ino == caller.st_ino && self.st_dev == caller.st_dev))
		return 0;
	return cni_fail(r, CNI_ERR_STATE,
			"%s cannot be seen: no bpffs is mounted on %s in this mount namespace (a fresh /sys, as 'ip netns exec' mounts one): run rxlane-cni in the host's mount namespace",
			pin_dir, CNI_BPFFS);
}

struct cni_netns_call {
	struct cni_req *r;
	struct cli *c;
	int (*fn)(struct cni_req *r, struct cli *c, void *arg);
	void *arg;
	const char *path;
	__u64 want;
	int ns;
	int ret;
};

/*
 * A thread of its own enters the container's namespace, as
 * cli_netns_open() reads a cookie: a thread's network namespace is its
 * own, so the process never leaves the runtime's, and no failure to come
 * back can strand the rest of the command in the container's. Every step
 * @fn takes reaches the namespace through sockets it opens (rtnetlink,
 * ethtool ioctls, libbpf's netlink), never through /proc/self or /sys.
 */
static void *cni_netns_thread(void *arg)
{
	struct cni_netns_call *k = arg;
	__u64 cookie;

	if (setns(k->ns, CLONE_NEWNET)) {
		k->ret = cni_fail(k->r, CNI_ERR_STATE,
				  "cannot enter network namespace %s: %s",
				  k->path, strerror(errno));
		return NULL;
	}
	cookie = k->want ? rxl_netns_cookie() : 0;
	if (k->want && cookie != k->want) {
		fprintf(stderr, "rxlane-cni: %s is another network namespace than at ADD (cookie %llu, recorded %llu): not entered\n",
			k->path, (unsigned long long)cookie,
			(unsigned long long)k->want);
		k->ret = -ESTALE;
		return NULL;
	}
	k->ret = k->fn(k->r, k->c, k->arg);
	return NULL;
}

int cni_in_netns(struct cni_req *r, const char *path, __u64 want,
		 int (*fn)(struct cni_req *r, struct cli *c, void *arg),
		 struct cli *c, void *arg)
{
	struct cni_netns_call k = {
		.r = r, .c = c, .fn = fn, .arg = arg, .path = path,
		.want = want,
	};
	pthread_t t;
	int err;

	/* O_NONBLOCK: whatever the path holds now (a FIFO) cannot hang us. */
	k.ns = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (k.ns < 0)
		return -ENOENT;
	err = pthread_create(&t, NULL, cni_netns_thread, &k);
	if (err) {
		k.ret = cni_fail(r, CNI_ERR_STATE,
				 "network namespace %s: no thread to enter it: %s",
				 path, strerror(err));
	} else {
		pthread_join(t, NULL);
	}
	close(k.ns);
	return k.ret;
}
