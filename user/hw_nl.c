// SPDX-License-Identifier: GPL-2.0
/*
 * hw_nl.c - the generic netlink client of 'rxlane hw', after iproute2's
 * lib/mnl_utils.c: family resolution, extended ACKs (NETLINK_EXT_ACK,
 * NETLINK_CAP_ACK) and the kernel's message on every refusal, whether
 * it comes in an error (a request) or in DONE (a dump).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "cli.h"
#include "hw_nl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

struct hw_nl_req {
	struct hw_nl *h;
	mnl_cb_t cb;
	void *data;
};

static int hw_nl_ext_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(a, NLMSGERR_ATTR_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

/* The extack message after @off bytes of @nlh's payload, into h->err. */
static void hw_nl_ext_msg(struct hw_nl *h, const struct nlmsghdr *nlh,
			  unsigned int off)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};
	const char *msg;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (mnl_attr_parse(nlh, off, hw_nl_ext_attr, tb) < 0 ||
	    !tb[NLMSGERR_ATTR_MSG] ||
	    mnl_attr_validate(tb[NLMSGERR_ATTR_MSG], MNL_TYPE_NUL_STRING) < 0)
		return;
	msg = mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]);
	snprintf(h->err, sizeof(h->err), "%s", msg);
}

static int hw_nl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct hw_nl_req *req = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	unsigned int off = sizeof(*e);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	hw_nl_ext_msg(req->h, nlh, off);
	if (!e->error)
		return MNL_CB_STOP;
	errno = -e->error;
	return MNL_CB_ERROR;
}

static int hw_nl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct hw_nl_req *req = data;
	int err = 0;

	if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(int)))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	hw_nl_ext_msg(req->h, nlh, sizeof(int));
	if (err < 0) {
		errno = -err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int hw_nl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct hw_nl_req *req = data;

	return req->cb ? req->cb(nlh, req->data) : MNL_CB_OK;
}

struct nlmsghdr *hw_nl_msg(struct hw_nl *h, __u8 cmd, __u16 flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(h->buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = h->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++h->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = RXLANE_GENL_VERSION;
	return nlh;
}

int hw_nl_talk(struct hw_nl *h, struct nlmsghdr *nlh, mnl_cb_t cb,
	       void *data)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = hw_nl_error_cb,
		[NLMSG_DONE] = hw_nl_done_cb,
	};
	struct hw_nl_req req = { .h = h, .cb = cb, .data = data };
	unsigned int seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	h->err[0] = '\0';
	if (mnl_socket_sendto(h->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(h->nl, h->buf, HW_NL_BUF);
		if (n < 0)
			return -errno;
		ret = mnl_cb_run2(h->buf, n, seq, h->portid, hw_nl_data_cb,
				  &req, ctl, NLMSG_MIN_TYPE);
	} while (ret > 0);
	return ret < 0 ? -errno : 0;
}

struct hw_nl_family {
	__u16 id;
	__u32 grp;
};

static int hw_nl_grp_cb(const struct nlattr *a, struct hw_nl_family *f)
{
	const struct nlattr *g;
	const char *name = NULL;
	__u32 id = 0;

	mnl_attr_for_each_nested(g, a) {
		if (mnl_attr_get_type(g) == CTRL_ATTR_MCAST_GRP_NAME &&
		    mnl_attr_validate(g, MNL_TYPE_NUL_STRING) >= 0)
			name = mnl_attr_get_str(g);
		if (mnl_attr_get_type(g) == CTRL_ATTR_MCAST_GRP_ID &&
		    mnl_attr_validate(g, MNL_TYPE_U32) >= 0)
			id = mnl_attr_get_u32(g);
	}
	if (name && !strcmp(name, RXLANE_GENL_MCGRP))
		f->grp = id;
	return MNL_CB_OK;
}

static int hw_nl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct hw_nl_family *f = data;
	const struct nlattr *a, *g;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) >= 0)
				f->id = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(g, a)
				hw_nl_grp_cb(g, f);
			break;
		}
	}
	return MNL_CB_OK;
}

int hw_nl_open(struct hw_nl *h)
{
	struct hw_nl_family f = {};
	struct nlmsghdr *nlh;
	int one = 1, err;

	memset(h, 0, sizeof(*h));
	h->buf = malloc(HW_NL_BUF);
	h->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!h->buf || !h->nl || mnl_socket_bind(h->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		snprintf(h->err, sizeof(h->err), "generic netlink: %s",
			 strerror(errno));
		hw_nl_close(h);
		return err;
	}
	/* Without them we would only see an errno: best effort. */
	mnl_socket_setsockopt(h->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(h->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	h->portid = mnl_socket_get_portid(h->nl);
	h->seq = time(NULL);
	h->family = GENL_ID_CTRL;
	nlh = hw_nl_msg(h, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, RXLANE_GENL_NAME);
	err = hw_nl_talk(h, nlh, hw_nl_family_cb, &f);
	if (err || !f.id) {
		snprintf(h->err, sizeof(h->err),
			 "no generic netlink family '%s' (is rxlane.ko loaded?)",
			 RXLANE_GENL_NAME);
		hw_nl_close(h);
		return err ?: -ENOENT;
	}
	h->family = f.id;
	h->mcgrp = f.grp;
	return 0;
}

void hw_nl_close(struct hw_nl *h)
{
	if (h->nl)
		mnl_socket_close(h->nl);
	free(h->buf);
	h->nl = NULL;
	h->buf = NULL;
}
