/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hw_nl.h - a small generic netlink client for the "rxlane" family
 * (libmnl; extack messages are returned to the caller to show).
 */
#ifndef RXLANE_HW_NL_H
#define RXLANE_HW_NL_H

#include <stddef.h>
#include <libmnl/libmnl.h>

#include "rxlane_genl.h"

struct hw_nl {
	struct mnl_socket *nl;
	unsigned int portid;
	unsigned int seq;
	__u16 family;		/* the family's id */
	__u32 mcgrp;		/* the "containers" group */
	char *buf;		/* HW_NL_BUF bytes */
	char err[256];		/* the last error: the kernel's extack or ours */
};

#define HW_NL_BUF	65536

/* Open a socket and resolve the family; 0 or -errno (h->err says why). */
int hw_nl_open(struct hw_nl *h);
void hw_nl_close(struct hw_nl *h);
/* A request @cmd in h->buf: NLM_F_REQUEST plus @flags. */
struct nlmsghdr *hw_nl_msg(struct hw_nl *h, __u8 cmd, __u16 flags);
/*
 * Send @nlh and read the answer to the end (ACK, DONE or error): @cb for
 * each message. 0 or -errno; h->err holds the kernel's message if any.
 */
int hw_nl_talk(struct hw_nl *h, struct nlmsghdr *nlh, mnl_cb_t cb,
	       void *data);

/* cmd_hw.c */
struct cli;
int cmd_hw(struct cli *c, int argc, char **argv);

#endif /* RXLANE_HW_NL_H */
