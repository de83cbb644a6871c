// SPDX-License-Identifier: GPL-2.0
/*
 * cni_status.c - rxlane-cni STATUS (CNI spec 1.1): exit 0 when an ADD
 * could run now, else the spec's code 50 ("plugin not available") with
 * the reason. What ADD needs first: a pin directory it may use (or may
 * make), the lock on it, and the pins it would reuse (the fast path's
 * maps, cni_state) of the layouts this build uses. Nothing is made,
 * changed or recovered: STATUS only looks, and lets the lock go.
 */
#include <errno.h>
#include <limits.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cni.h"

#define CNI_STATUS_WAIT		5	/* s STATUS waits for the lock */

static void cni_status_alarm(int sig)
{
	(void)sig;	/* only interrupts flock() */
}

/* The lock ADD takes, taken within CNI_STATUS_WAIT and let go. */
static int cni_status_lock(struct cni_req *r, struct cli *c)
{
	struct sigaction sa = { .sa_handler = cni_status_alarm }, old;
	int err = 0;

	sigaction(SIGALRM, &sa, &old);	/* no SA_RESTART: flock() gives up */
	alarm(CNI_STATUS_WAIT);
	if (flock(c->dir_fd, LOCK_EX))
		err = errno;
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	if (err == EINTR)
		return cni_fail(r, CNI_ERR_UNAVAILABLE,
				"the lock on %s was not free in %d s: a command holds it",
				c->pin_dir, CNI_STATUS_WAIT);
	if (err)
		return cni_fail(r, CNI_ERR_UNAVAILABLE, "cannot lock %s: %s",
				c->pin_dir, strerror(err));
	flock(c->dir_fd, LOCK_UN);
	return 0;
}

/*
 * No pin directory yet: ADD makes it (cli_pin_dir_make()) in a parent on
 * bpffs, or under /sys/fs/bpf, where it mounts bpffs when none is.
 */
static int cni_status_new_dir(struct cni_req *r, struct cli *c)
{
	char parent[PATH_MAX], *slash;
	size_t n = strlen(CNI_BPFFS);
	struct statfs sfs;

	snprintf(parent, sizeof(parent), "%s", c->pin_dir);
	slash = strrchr(parent, '/');
	if (slash)
		slash[slash == parent] = '\0';
	if (statfs(parent, &sfs))
		return cni_fail(r, CNI_ERR_UNAVAILABLE,
				"pinDir %s cannot be made: %s: %s", c->pin_dir,
				parent, strerror(errno));
	if (sfs.f_type != BPF_FS_MAGIC &&
	    (strncmp(c->pin_dir, CNI_BPFFS, n) || c->pin_dir[n] != '/' ||
	     strcmp(parent, CNI_BPFFS)))
		return cni_fail(r, CNI_ERR_UNAVAILABLE,
				"pinDir %s is not on a bpf filesystem",
				c->pin_dir);
	if (access(parent, W_OK | X_OK))
		return cni_fail(r, CNI_ERR_UNAVAILABLE,
				"pinDir %s cannot be made in %s: %s",
				c->pin_dir, parent, strerror(errno));
	return 0;
}

int cni_status(struct cni_req *r, struct cli *c)
{
	int err;

	if (cni_pins_hidden(r, c->pin_dir)) {
		r->code = CNI_ERR_UNAVAILABLE;	/* its message stays */
		return -1;
	}
	cni_lib_begin();
	err = cli_state_open(c, false);
	if (!err && c->dir_fd >= 0) {
		err = cli_fw_find(c);
		err = err == -ENOENT ? 0 : err;
	}
	if (cni_lib_end(r, err, CNI_ERR_UNAVAILABLE))
		return -1;
	if (c->dir_fd < 0)
		return cni_status_new_dir(r, c);
	if (cni_state_open(r, c, false) < 0) {
		r->code = CNI_ERR_UNAVAILABLE;	/* its message stays */
		return -1;
	}
	return cni_status_lock(r, c);
}
