// SPDX-License-Identifier: GPL-2.0
/*
 * cli_link.c - the devices of the current network namespace that have an
 * XDP program, from one RTM_GETLINK dump read with libmnl: IFLA_IFNAME
 * and the IFLA_XDP nest (IFLA_XDP_ATTACHED, IFLA_XDP_PROG_ID, and the
 * per-mode ids when several modes are attached at once). Whoever attached
 * the program (rxlane, iproute2, xdp-loader), it is found here; rxlane
 * status then asks the program itself whether it is rxlane's.
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "cli.h"

/* Dump replies are up to a page of messages; leave room for big ones. */
#define CLI_NL_BUF	32768

struct cli_link_walk {
	struct cli_xdp_link *v;
	unsigned int n, cap;
	int ifindex;		/* > 0: only this device */
};

static int cli_link_push(struct cli_link_walk *w, const struct ifinfomsg *ifm,
			 const char *name, __u32 prog_id, __u8 mode)
{
	struct cli_xdp_link *l;

	if (!prog_id)
		return 0;
	if (w->n == w->cap) {
		unsigned int cap = w->cap ? 2 * w->cap : 16;

		l = realloc(w->v, cap * sizeof(*l));
		if (!l)
			return -ENOMEM;
		w->v = l;
		w->cap = cap;
	}
	l = &w->v[w->n++];
	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->ifindex = ifm->ifi_index;
	l->prog_id = prog_id;
	l->mode = mode;
	return 0;
}

/* Attributes of IFLA_XDP: one u8, the rest u32 program ids. */
static int cli_xdp_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, IFLA_XDP_MAX) < 0)
		return MNL_CB_OK;
	switch (type) {
	case IFLA_XDP_ATTACHED:
		if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		break;
	case IFLA_XDP_PROG_ID:
	case IFLA_XDP_DRV_PROG_ID:
	case IFLA_XDP_SKB_PROG_ID:
	case IFLA_XDP_HW_PROG_ID:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		break;
	default:
		return MNL_CB_OK;
	}
	tb[type] = a;
	return MNL_CB_OK;
}

static int cli_link_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, IFLA_MAX) < 0)
		return MNL_CB_OK;
	if (type == IFLA_IFNAME &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_ERROR;
	if (type == IFLA_XDP && mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
		return MNL_CB_ERROR;
	tb[type] = a;
	return MNL_CB_OK;
}

static __u32 cli_xdp_u32(const struct nlattr *const *xdp, int type)
{
	return xdp[type] ? mnl_attr_get_u32(xdp[type]) : 0;
}

/* One RTM_NEWLINK of the dump: its XDP program(s), if any. */
static int cli_link_msg(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFLA_MAX + 1] = {};
	const struct nlattr *xdp[IFLA_XDP_MAX + 1] = {};
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct cli_link_walk *w = data;
	const char *name;
	__u8 attached;
	int err = 0;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (w->ifindex > 0 && ifm->ifi_index != w->ifindex)
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(*ifm), cli_link_attr, tb) < 0)
		return MNL_CB_ERROR;
	if (!tb[IFLA_XDP] || !tb[IFLA_IFNAME])
		return MNL_CB_OK;
	if (mnl_attr_parse_nested(tb[IFLA_XDP], cli_xdp_attr, xdp) < 0)
		return MNL_CB_ERROR;
	name = mnl_attr_get_str(tb[IFLA_IFNAME]);
	attached = xdp[IFLA_XDP_ATTACHED] ?
		   mnl_attr_get_u8(xdp[IFLA_XDP_ATTACHED]) : XDP_ATTACHED_NONE;
	switch (attached) {
	case XDP_ATTACHED_DRV:
	case XDP_ATTACHED_SKB:
	case XDP_ATTACHED_HW:
		err = cli_link_push(w, ifm, name,
				    cli_xdp_u32(xdp, IFLA_XDP_PROG_ID),
				    attached);
		break;
	case XDP_ATTACHED_MULTI:
		/* One program per mode: each is an attachment of its own. */
		err = cli_link_push(w, ifm, name,
				    cli_xdp_u32(xdp, IFLA_XDP_DRV_PROG_ID),
				    XDP_ATTACHED_DRV) ?:
		      cli_link_push(w, ifm, name,
				    cli_xdp_u32(xdp, IFLA_XDP_SKB_PROG_ID),
				    XDP_ATTACHED_SKB) ?:
		      cli_link_push(w, ifm, name,
				    cli_xdp_u32(xdp, IFLA_XDP_HW_PROG_ID),
				    XDP_ATTACHED_HW);
		break;
	}
	return err ? MNL_CB_ERROR : MNL_CB_OK;
}

static int cli_cmp_link(const void *a, const void *b)
{
	const struct cli_xdp_link *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return x->mode - y->mode;
}

/* Send the dump request and run the replies through cli_link_msg(). */
static int cli_link_dump(struct mnl_socket *nl, char *buf,
			 struct cli_link_walk *w)
{
	unsigned int seq = time(NULL), portid = mnl_socket_get_portid(nl);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;
	ssize_t len;
	int ret;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	/* Counters are the bulk of a link message and not wanted here. */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		len = mnl_socket_recvfrom(nl, buf, CLI_NL_BUF);
		if (len < 0)
			return -errno;
		errno = 0;
		ret = mnl_cb_run(buf, len, seq, portid, cli_link_msg, w);
	} while (ret > MNL_CB_STOP);
	if (ret < 0)
		return errno ? -errno : -EIO;
	return 0;
}

int cli_xdp_list(int ifindex, struct cli_xdp_link **out, unsigned int *n)
{
	struct cli_link_walk w = { .ifindex = ifindex };
	struct mnl_socket *nl;
	char *buf;
	int err;

	*out = NULL;
	*n = 0;
	buf = malloc(CLI_NL_BUF);
	if (!buf)
		return -ENOMEM;
	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl) {
		err = -errno;
		goto out_free;
	}
	err = mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) ? -errno :
	      cli_link_dump(nl, buf, &w);
	mnl_socket_close(nl);
out_free:
	free(buf);
	if (err) {
		free(w.v);
		return err;
	}
	if (w.n)
		qsort(w.v, w.n, sizeof(*w.v), cli_cmp_link);
	*out = w.v;
	*n = w.n;
	return 0;
}

int cli_xdp_links(struct cli *c, int ifindex, struct cli_xdp_link **out,
		  unsigned int *n)
{
	int err = cli_xdp_list(ifindex, out, n);

	if (err)
		return cli_err(c, CLI_ERR, NULL,
			       "cannot list devices (RTM_GETLINK): %s",
			       strerror(-err));
	return 0;
}

/*
 * Whether device @name of this network namespace has driver @driver, as
 * ETHTOOL_GDRVINFO through a socket of this netns says. Not through
 * /sys/class/net, which shows the netns that mounted /sys: under
 * 'nsenter --net' that is another one.
 */
bool cli_dev_driver_is(const char *name, const char *driver)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = {};
	bool is;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (void *)&info;
	is = !ioctl(fd, SIOCETHTOOL, &ifr) && !strcmp(info.driver, driver);
	close(fd);
	return is;
}
