// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_container.c - rxlane container add|set|del|list|show.
 *
 * A container is a name for a set of addresses (the inner destinations the
 * fast path recognises), the tunnels (type and VNI) it may be reached
 * through, a default policy and optionally a host-side device its traffic
 * is redirected to. The CLI picks its numeric id.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cli.h"
#include "hw_nl.h"

/* @s of keyword @kw ("default" or "egress-default"): allow or drop. */
static int cli_parse_default(struct cli *c, const char *kw, const char *s,
			     __u32 *drop)
{
	if (cli_is(s, "allow") || cli_is(s, "drop")) {
		*drop = s[0] == 'd';
		return 0;
	}
	return cli_err(c, CLI_ERR, s, "bad %s policy '%s' (allow or drop)",
		       kw, s);
}

static int cli_add_ip(struct cli *c, struct cli_cont *ct, const char *s)
{
	struct rxl_addr ra = {};
	struct cli_addr a;
	const char *why;
	unsigned int i;

	if (cli_parse_addr(c, s, &a))
		return CLI_ERR;
	ra.family = a.family == 4 ? AF_INET : AF_INET6;
	memcpy(ra.addr, a.addr, 16);
	why = rxl_addr_unusable(&ra);
	if (why)
		return cli_err(c, CLI_USAGE, s,
			       "address '%s' is %s: no container can have it",
			       s, why);
	for (i = 0; i < ct->naddrs; i++)
		if (!memcmp(&ct->addrs[i], &a, sizeof(a)))
			return cli_err(c, CLI_ERR, s, "address '%s' given twice",
				       s);
	if (ct->naddrs == CLI_MAX_ADDRS)
		return cli_err(c, CLI_ERR, s,
			       "address '%s': at most %d per container", s,
			       CLI_MAX_ADDRS);
	ct->addrs[ct->naddrs++] = a;
	return 0;
}

/* One binding: "N" (VXLAN) or "TYPE:N". */
static int cli_parse_vni1(struct cli *c, const char *tok, __u32 *out)
{
	char type[16];
	const char *num = strchr(tok, ':');
	__u32 vni;
	int t = RXL_TUN_VXLAN;

	if (num) {
		if ((size_t)(num - tok) >= sizeof(type))
			return cli_err(c, CLI_ERR, tok,
				       "bad tunnel type in '%s' (vxlan, geneve or nvgre)",
				       tok);
		memcpy(type, tok, num - tok);
		type[num - tok] = '\0';
		t = rxl_tun_type_parse(type);
		if (t < 0)
			return cli_err(c, CLI_ERR, tok,
				       "bad tunnel type '%s' (vxlan, geneve or nvgre)",
				       type);
		num++;
	} else {
		num = tok;
	}
	if (cli_parse_u32(c, num, 0xffffff, &vni, "VNI"))
		return CLI_ERR;
	*out = rxl_cont_vni(t, vni);
	return 0;
}

int cli_parse_vnis(struct cli *c, const char *s, struct cli_cont *ct)
{
	char buf[128], *tok, *save = NULL;
	unsigned int i;
	__u32 v = 0;
	int err;

	ct->nvnis = 0;
	memset(ct->vnis, 0, sizeof(ct->vnis));
	if (cli_is(s, "none"))
		return 0;
	if (!*s || strlen(s) >= sizeof(buf))
		return cli_err(c, CLI_ERR, s, "bad VNI list '%s'", s);
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		err = cli_parse_vni1(c, tok, &v);
		if (err)
			return err;
		for (i = 0; i < ct->nvnis; i++)
			if (ct->vnis[i] == v)
				return cli_err(c, CLI_ERR, tok,
					       "VNI '%s' given twice", tok);
		if (ct->nvnis == RXL_CONT_MAX_VNIS)
			return cli_err(c, CLI_ERR, tok,
				       "VNI '%s': at most %d per container",
				       tok, RXL_CONT_MAX_VNIS);
		ct->vnis[ct->nvnis++] = v;
	}
	return 0;
}

/* The bindings: " vni 100,geneve:200" as text, "vnis": [...] under -j. */
static void cli_print_vnis(struct cli *c, const struct cli_cont *ct)
{
	unsigned int i;
	int t;

	cli_open_array(c, "vnis");
	for (i = 0; i < ct->nvnis && i < RXL_CONT_MAX_VNIS; i++) {
		t = ct->vnis[i] >> 24;
		cli_printf(c, i ? "," : " vni ");
		cli_open_object(c, NULL);
		cli_print_str(c, t == RXL_TUN_VXLAN ? CLI_JSON : CLI_ANY, "type",
			      "%s:", rxl_tun_type_name(t));
		cli_print_uint(c, CLI_ANY, "vni", "%llu",
			       ct->vnis[i] & 0xffffff);
		cli_close(c);
	}
	cli_close(c);
}

void cli_fmt_vnis(const struct cli_cont *ct, char *buf, size_t len)
{
	struct cli t;
	char all[128];

	buf[0] = '\0';
	if (cli_text_open(&t, all, sizeof(all)))
		return;
	cli_print_vnis(&t, ct);
	cli_text_close(&t);
	if (all[0])
		snprintf(buf, len, "%s", all + strlen(" vni "));
}

/*
 * Refuse, exit 2, an address of @ct that is one of the @n VTEPs at @v: the
 * container's rules would judge the host's own underlay traffic. The one
 * check behind 'container add/set' and 'policy apply'.
 */
int cli_check_not_vtep_in(struct cli *c, const struct cli_cont *ct,
			  const struct rxl_vtep *v, unsigned int n)
{
	unsigned int i, k;
	char buf[64];

	for (k = 0; k < n; k++) {
		for (i = 0; i < ct->naddrs; i++) {
			if (v[k].family != ct->addrs[i].family ||
			    memcmp(v[k].addr, ct->addrs[i].addr,
				   v[k].family == 4 ? 4 : 16))
				continue;
			cli_fmt_addr(&ct->addrs[i], buf, sizeof(buf));
			return cli_err(c, CLI_USAGE, buf,
				       "address '%s' is a VTEP's: the container's rules would judge the host's own tunnel traffic",
				       buf);
		}
	}
	return 0;
}

int cli_check_not_vtep(struct cli *c, const struct cli_cont *ct)
{
	struct rxl_vtep v[RXL_MAX_VTEPS];
	unsigned int n = 0;
	__u32 k;

	for (k = 0; c->fw_open && k < RXL_MAX_VTEPS; k++, n++)
		if (bpf_map_lookup_elem(c->fw.vteps, &k, &v[n]) ||
		    !v[n].tun_mask)
			break;
	return cli_check_not_vtep_in(c, ct, v, n);
}

/* ---- anti-spoofing: the container's MAC (conntrack.rst) ---------------- */

/* "02:00:00:00:00:01" into @ct, or "none" (no MAC checked). */
static int cli_parse_mac(struct cli *c, const char *s, struct cli_cont *ct)
{
	unsigned int b[6], i;
	char end;

	memset(ct->mac, 0, sizeof(ct->mac));
	ct->has_mac = 0;
	if (cli_is(s, "none"))
		return 0;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &end) != 6 || strlen(s) != 17)
		return cli_err(c, CLI_ERR, s,
			       "bad MAC '%s' (xx:xx:xx:xx:xx:xx or none)", s);
	if (b[0] & 1)
		return cli_err(c, CLI_ERR, s,
			       "MAC '%s' is a multicast address: no container sends from it",
			       s);
	for (i = 0; i < 6; i++)
		ct->mac[i] = b[i];
	ct->has_mac = 1;
	return 0;
}

void cli_fmt_mac(const struct cli_cont *ct, char *buf, size_t len)
{
	const __u8 *m = ct->mac;

	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		 m[3], m[4], m[5]);
}

/* " mac xx:..." as text, "mac" under -j; nothing when none is set. */
static void cli_print_mac(struct cli *c, const struct cli_cont *ct)
{
	char buf[18];

	if (!ct->has_mac)
		return;
	cli_fmt_mac(ct, buf, sizeof(buf));
	cli_print_str(c, CLI_ANY, "mac", " mac %s", buf);
}

/* 'dev HOSTDEV': recorded with its ifindex, its identity (cli_dev_now()). */
static int cli_set_dev(struct cli *c, struct cli_cont *ct, const char *s)
{
	if (strlen(s) >= sizeof(ct->dev) ||
	    !(ct->dev_ifindex = if_nametoindex(s)))
		return cli_err(c, CLI_ERR, s, "no device '%s'", s);
	strcpy(ct->dev, s);
	return 0;
}

/* ---- anti-spoofing: its own interface in its namespace (check 2) ------ */

/* 'port IF': a name only; resolved in its namespace (cli_port_resolve()). */
static int cli_set_port(struct cli *c, struct cli_cont *ct, const char *s)
{
	if (!s[0] || strlen(s) >= sizeof(ct->port) || strchr(s, '/'))
		return cli_err(c, CLI_ERR, s, "bad interface name '%s'", s);
	strcpy(ct->port, s);
	return 0;
}

static int cli_set_netns(struct cli *c, struct cli_cont *ct, const char *s)
{
	if (!s[0] || strlen(s) >= sizeof(ct->netns))
		return cli_err(c, CLI_ERR, s,
			       "bad netns path '%s' (1-%zu bytes)", s,
			       sizeof(ct->netns) - 1);
	strcpy(ct->netns, s);
	ct->netns_cookie = 0;	/* read when resolved */
	return 0;
}

/* 'port' needs 'netns' and excludes 'dev'; 'netns' alone goes with hw. */
static int cli_check_port(struct cli *c, const struct cli_cont *ct)
{
	if (ct->port[0] && ct->dev[0])
		return cli_usage_err(c, "port",
				     "container '%s': port (its own interface) and dev (a host-side device) exclude each other",
				     ct->name);
	if (ct->port[0] && !ct->netns[0])
		return cli_usage_err(c, "port",
				     "container '%s': port %s needs its namespace: port IF netns PATH",
				     ct->name, ct->port);
	if (!ct->port[0] && ct->netns[0] && !ct->hw)
		return cli_usage_err(c, "netns",
				     "container '%s': netns goes with port IF (or nic NIC hw)",
				     ct->name);
	return 0;
}

static int cli_port_index_in(struct cli *c, void *arg)
{
	struct cli_cont *ct = arg;

	(void)c;
	ct->port_ifindex = if_nametoindex(ct->port);
	return ct->port_ifindex ? 0 : -ENODEV;
}

/*
 * As cli_port_index_in(), for a new binding: a loopback interface is
 * refused (-ELOOP): bound, the check would drop every frame the
 * namespace sends itself from 127.0.0.1 or ::1, as not the container's.
 */
static int cli_port_pick_in(struct cli *c, void *arg)
{
	struct cli_cont *ct = arg;
	struct ifreq ifr = {};
	int fd, err;

	err = cli_port_index_in(c, arg);
	if (err)
		return err;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strcpy(ifr.ifr_name, ct->port);		/* < IF_NAMESIZE: cli_set_port() */
	err = ioctl(fd, SIOCGIFFLAGS, &ifr) ? -errno : 0;
	close(fd);
	if (!err && (ifr.ifr_flags & IFF_LOOPBACK))
		err = -ELOOP;
	return err;
}

int cli_port_resolve(struct cli *c, struct cli_cont *ct,
		     const struct cli_cont *all, unsigned int n)
{
	char why[256] = "";
	unsigned int i;
	int err;

	if (!ct->port[0]) {
		ct->port_ifindex = 0;
		return 0;
	}
	err = cli_netns_open(ct->netns, 0, &ct->netns_cookie, why,
			     sizeof(why));
	if (err < 0)
		return cli_err(c, CLI_ERR, ct->netns, "%s", why);
	close(err);
	/*
	 * The command's own namespace is the host's: its interfaces carry
	 * the host's traffic (the uplink among them), which a container's
	 * check would cut. A host-side device is 'dev DEV', checked on its
	 * ingress.
	 */
	if (ct->netns_cookie == rxl_netns_cookie())
		return cli_err(c, CLI_ERR, ct->netns,
			       "container '%s': netns %s is this command's own network namespace, not a container's: its interfaces carry this host's traffic (a host-side device is 'dev DEV')",
			       ct->name, ct->netns);
	err = cli_in_netns(c, ct->netns, ct->netns_cookie, cli_port_pick_in,
			   ct, why, sizeof(why));
	if (err == -ENODEV)
		return cli_err(c, CLI_ERR, ct->port,
			       "no interface '%s' in netns %s", ct->port,
			       ct->netns);
	if (err == -ELOOP)
		return cli_err(c, CLI_ERR, ct->port,
			       "container '%s': %s in netns %s is a loopback interface: bound, the check would drop the namespace's traffic to itself",
			       ct->name, ct->port, ct->netns);
	if (err)
		return cli_err(c, CLI_ERR, ct->netns, "%s", why);
	for (i = 0; i < n; i++)
		if (all[i].id != ct->id && all[i].port[0] &&
		    all[i].port_ifindex == ct->port_ifindex &&
		    all[i].netns_cookie == ct->netns_cookie)
			return cli_err(c, CLI_ERR, ct->port,
				       "interface '%s' in netns %s is container '%s''s port",
				       ct->port, ct->netns, all[i].name);
	return 0;
}

int cli_port_now(struct cli *c, const struct cli_cont *ct, __u32 *ifindex,
		 char *why, size_t len)
{
	struct cli_cont t = *ct;
	int err;

	why[0] = '\0';
	err = cli_in_netns(c, ct->netns, ct->netns_cookie, cli_port_index_in,
			   &t, why, len);
	*ifindex = err ? 0 : t.port_ifindex;
	return err;
}

/* " port IF netns PATH" as text, "port", "netns" under -j. */
static void cli_print_port(struct cli *c, const struct cli_cont *ct)
{
	if (!ct->port[0])
		return;
	cli_print_str(c, CLI_ANY, "port", " port %s", ct->port);
	cli_print_str(c, CLI_ANY, "netns", " netns %s", ct->netns);
	cli_print_uint(c, CLI_ANY, "port_ifindex", " port-ifindex %llu",
		       ct->port_ifindex);
	cli_print_uint(c, CLI_ANY, "netns_cookie", " netns-cookie %llu",
		       ct->netns_cookie);
}

/* 'nic NIC': the NIC that enforces it with 'hw' (Documentation/hwfilter.rst). */
static int cli_set_nic(struct cli *c, struct cli_cont *ct, const char *s)
{
	if (strlen(s) >= sizeof(ct->nic) || !if_nametoindex(s))
		return cli_err(c, CLI_ERR, s, "no NIC '%s'", s);
	strcpy(ct->nic, s);
	return 0;
}

/* 'hw', 'nic' and 'cpus' go together. */
static int cli_check_hw(struct cli *c, const struct cli_cont *ct,
			bool cpus)
{
	if (ct->hw && !ct->nic[0])
		return cli_usage_err(c, "hw",
				     "container '%s': hw needs the NIC: nic NIC hw",
				     ct->name);
	if (!ct->hw && ct->nic[0])
		return cli_usage_err(c, "nic",
				     "container '%s': nic %s without hw: the NIC enforces with hw",
				     ct->name, ct->nic);
	if (!ct->hw && cpus)
		return cli_usage_err(c, "cpus",
				     "container '%s': cpus are the NIC's (nic NIC hw)",
				     ct->name);
	return 0;
}

/*
 * NAME ip A [ip B]... [vni LIST] [default allow|drop]
 * [egress-default allow|drop] [dev DEV] [mac MAC] [cpus LIST] [nic NIC hw]
 */
int cli_parse_cont(struct cli *c, int argc, char *const *argv,
		   struct cli_cont *ct)
{
	bool cpus = false;
	int i, err = 0;

	memset(ct, 0, sizeof(*ct));
	if (argc < 1)
		return cli_usage_err(c, NULL, "container add needs a NAME");
	if (!cli_name_ok(argv[0]))
		return cli_err(c, CLI_ERR, argv[0],
			       "bad container name '%s' (1-%d of A-Z a-z 0-9 _ . -, not starting with -)",
			       argv[0], CLI_NAME_MAX - 1);
	strcpy(ct->name, argv[0]);
	ct->next_handle = 1;
	for (i = 1; i < argc && !err; i += 2) {
		/* The one word without a value. */
		if (!strcmp(argv[i], "hw")) {
			ct->hw = 1;
			i--;
			continue;
		}
		if (!cli_is(argv[i], "ip") && !cli_is(argv[i], "default") &&
		    !cli_is(argv[i], "dev") && !cli_is(argv[i], "vni") &&
		    !cli_is(argv[i], "egress-default") &&
		    !cli_is(argv[i], "mac") && !cli_is(argv[i], "nic") &&
		    !cli_is(argv[i], "cpus") && !cli_is(argv[i], "port") &&
		    !cli_is(argv[i], "netns"))
			return cli_usage_err(c, argv[i], "unknown keyword '%s'",
					     argv[i]);
		err = cli_need_arg(c, argc, argv, i);
		if (err)
			return err;
		if (cli_is(argv[i], "nic")) {
			err = cli_set_nic(c, ct, argv[i + 1]);
		} else if (cli_is(argv[i], "cpus")) {
			cpus = true;
			err = hw_parse_cpus(c, argv[i + 1], &ct->cpus);
		} else if (cli_is(argv[i], "ip"))
			err = cli_add_ip(c, ct, argv[i + 1]);
		else if (cli_is(argv[i], "default"))
			err = cli_parse_default(c, "default", argv[i + 1],
						&ct->default_drop);
		else if (cli_is(argv[i], "vni"))
			err = cli_parse_vnis(c, argv[i + 1], ct);
		else if (cli_is(argv[i], "egress-default"))
			err = cli_parse_default(c, "egress-default",
						argv[i + 1], &ct->egress_drop);
		else if (cli_is(argv[i], "mac"))
			err = cli_parse_mac(c, argv[i + 1], ct);
		else if (cli_is(argv[i], "port"))
			err = cli_set_port(c, ct, argv[i + 1]);
		else if (cli_is(argv[i], "netns"))
			err = cli_set_netns(c, ct, argv[i + 1]);
		else
			err = cli_set_dev(c, ct, argv[i + 1]);
	}
	if (!err && !ct->naddrs)
		return cli_usage_err(c, argv[0],
				     "container '%s' needs an address: ip ADDR",
				     argv[0]);
	return err ?: cli_check_hw(c, ct, cpus) ?: cli_check_port(c, ct);
}

/* The container keywords given at most once: all but 'ip'. */
static const char *const cli_cont_once[] = {
	"default", "egress-default", "dev", "mac", "vni", "nic", "cpus",
	"port", "netns", "hw", NULL,
};

/* The index of @kw in cli_cont_once (a prefix of it, as cli_is()), or -1. */
static int cli_cont_once_idx(const char *kw)
{
	int k;

	for (k = 0; cli_cont_once[k]; k++)
		if (cli_is(kw, cli_cont_once[k]))
			return k;
	return -1;
}

/*
 * Refuse a keyword of cli_cont_once that @argv (NAME, then keywords)
 * repeats: the last one would silently win ('default drop ... default
 * allow' would open the container). @bare_hw: 'hw' takes no value
 * (container add); every other keyword takes one.
 */
static int cli_cont_once_check(struct cli *c, int argc, char *const *argv,
			       bool bare_hw)
{
	unsigned int seen = 0;
	int i, k;

	for (i = 1; i < argc; i += bare_hw && cli_is(argv[i], "hw") ? 1 : 2) {
		k = cli_cont_once_idx(argv[i]);
		if (k < 0)
			continue;
		if (seen & (1U << k))
			return cli_usage_err(c, argv[i], "'%s' given twice",
					     argv[i]);
		seen |= 1U << k;
	}
	return 0;
}

/* Refuse a name or address another container already has. */
int cli_check_new(struct cli *c, struct cli_cont *ct,
		  const struct cli_cont *all, unsigned int n, bool *taken)
{
	unsigned int i, j, k;
	char buf[64];

	for (i = 0; i < n; i++) {
		taken[all[i].id] = true;
		if (!strcmp(all[i].name, ct->name))
			return cli_err(c, CLI_ERR, ct->name,
				       "container '%s' exists", ct->name);
		for (j = 0; j < all[i].naddrs; j++)
			for (k = 0; k < ct->naddrs; k++)
				if (!memcmp(&all[i].addrs[j], &ct->addrs[k],
					    sizeof(ct->addrs[k]))) {
					cli_fmt_addr(&ct->addrs[k], buf,
						     sizeof(buf));
					return cli_err(c, CLI_ERR, buf,
						       "address '%s' belongs to container '%s'",
						       buf, all[i].name);
				}
	}
	return 0;
}

/*
 * What the change did with the NIC (cli_hw.c), when it has hw: "NAME hw
 * nic" or "NAME hw fallback (WHY)" as text, "hw" and "hw_reason" under -j.
 */
void cli_print_hw_done(struct cli *c, const char *name)
{
	if (!c->hw_done)
		return;
	cli_print_str(c, CLI_TEXT, NULL, "%s", name);
	cli_hw_print(c, c->hw_state, c->hw_reason);
	cli_print_nl(c);
}

static int container_add(struct cli *c, int argc, char **argv)
{
	struct cli_set s = {};
	struct cli_cont *all;
	bool *taken;
	unsigned int n;
	int err;

	err = cli_parse_cont(c, argc, argv, &s.cont) ?:
	      cli_cont_once_check(c, argc, argv, true);
	if (!err)
		err = cli_open_rw(c);
	if (err)
		return err;
	taken = calloc(RXL_MAX_CONTAINERS, sizeof(*taken));
	if (!taken || cli_cont_all(c, &all, &n)) {
		free(taken);
		return cli_err(c, CLI_ERR, NULL, "out of memory");
	}
	err = cli_check_new(c, &s.cont, all, n, taken);
	if (!err)
		err = cli_check_not_vtep(c, &s.cont);
	if (!err)
		err = cli_free_id(c, taken, &s.cont.id);
	if (!err)
		err = cli_port_resolve(c, &s.cont, all, n);
	if (!err)
		err = cli_sync(c, NULL, &s);
	if (!err) {
		cli_open_object(c, "container");
		cli_print_str(c, CLI_JSON, "name", NULL, s.cont.name);
		cli_print_uint(c, CLI_JSON, "id", NULL, s.cont.id);
		cli_print_hw_done(c, s.cont.name);
		cli_close(c);
	}
	free(all);
	free(taken);
	return err;
}

/*
 * 'container set ... port IF|none netns PATH' into @ct: 'port none'
 * unbinds it (its namespace is forgotten too, unless the NIC's container
 * goes with it: hw); a new port or namespace is resolved anew.
 */
static int cli_set_port_of(struct cli *c, struct cli_cont *ct,
			   const struct cli_cont *want, bool port, bool netns)
{
	struct cli_cont *all;
	unsigned int n;
	int err;

	if (port) {
		memcpy(ct->port, want->port, sizeof(ct->port));
		ct->port_ifindex = 0;
	}
	if (netns) {
		memcpy(ct->netns, want->netns, sizeof(ct->netns));
		ct->netns_cookie = 0;
	}
	if (port && !ct->port[0] && !netns && !ct->hw) {
		memset(ct->netns, 0, sizeof(ct->netns));
		ct->netns_cookie = 0;
	}
	err = cli_check_port(c, ct);
	if (err || !ct->port[0])
		return err;
	if (cli_cont_all(c, &all, &n))
		return cli_err(c, CLI_ERR, NULL, "out of memory");
	err = cli_port_resolve(c, ct, all, n);
	free(all);
	return err;
}

/*
 * NAME [default allow|drop] [egress-default allow|drop] [vni LIST|none]
 * [mac MAC|none] [port IF|none] [netns PATH]
 */
static int container_set(struct cli *c, int argc, char **argv)
{
	struct cli_cont ct, want = {};
	struct cli_set old, new;
	bool dflt = false, vni = false, egress = false, mac = false;
	bool nic = false, hw = false, cpus = false, port = false;
	bool netns = false;
	int i, err = 0;

	if (argc < 2)
		return cli_usage_err(c, NULL,
				     "usage: container set NAME [default allow|drop] [egress-default allow|drop] [vni LIST|none] [mac MAC|none] [port IF|none] [netns PATH] [nic NIC|none] [hw on|off] [cpus LIST|all]");
	err = cli_cont_once_check(c, argc, argv, false);
	for (i = 1; i < argc && !err; i += 2) {
		/* A keyword of set ('dev' and 'ip' are add's) with no value. */
		if (i + 1 >= argc && !cli_is(argv[i], "dev") &&
		    !cli_is(argv[i], "ip") && cli_cont_once_idx(argv[i]) >= 0)
			return cli_need_arg(c, argc, argv, i);
		if (i + 1 >= argc)
			return cli_usage_err(c, argv[i], "unknown keyword '%s'",
					     argv[i]);
		if (cli_is(argv[i], "port")) {
			port = true;
			if (!cli_is(argv[i + 1], "none"))
				err = cli_set_port(c, &want, argv[i + 1]);
		} else if (cli_is(argv[i], "netns")) {
			netns = true;
			err = cli_set_netns(c, &want, argv[i + 1]);
		} else if (cli_is(argv[i], "nic")) {
			nic = true;
			if (!cli_is(argv[i + 1], "none"))
				err = cli_set_nic(c, &want, argv[i + 1]);
		} else if (cli_is(argv[i], "hw")) {
			hw = true;
			if (cli_is(argv[i + 1], "on") || cli_is(argv[i + 1], "off"))
				want.hw = cli_is(argv[i + 1], "on");
			else
				err = cli_usage_err(c, argv[i + 1],
						    "hw is on or off, not '%s'",
						    argv[i + 1]);
		} else if (cli_is(argv[i], "cpus")) {
			cpus = true;
			if (!cli_is(argv[i + 1], "all"))
				err = hw_parse_cpus(c, argv[i + 1], &want.cpus);
		} else if (cli_is(argv[i], "default")) {
			dflt = true;
			err = cli_parse_default(c, "default", argv[i + 1],
						&want.default_drop);
		} else if (cli_is(argv[i], "egress-default")) {
			egress = true;
			err = cli_parse_default(c, "egress-default",
						argv[i + 1], &want.egress_drop);
		} else if (cli_is(argv[i], "vni")) {
			vni = true;
			err = cli_parse_vnis(c, argv[i + 1], &want);
		} else if (cli_is(argv[i], "mac")) {
			mac = true;
			err = cli_parse_mac(c, argv[i + 1], &want);
		} else {
			return cli_usage_err(c, argv[i], "unknown keyword '%s'",
					     argv[i]);
		}
	}
	if (!err)
		err = cli_open_rw(c);
	if (!err)
		err = cli_find_cont(c, argv[0], &ct);
	if (!err)
		err = cli_set_load(c, &ct, &old);
	if (err)
		return err;
	new = old;
	if (dflt)
		new.cont.default_drop = want.default_drop;
	if (egress)
		new.cont.egress_drop = want.egress_drop;
	if (vni) {
		new.cont.nvnis = want.nvnis;
		memcpy(new.cont.vnis, want.vnis, sizeof(want.vnis));
	}
	if (mac) {
		new.cont.has_mac = want.has_mac;
		memcpy(new.cont.mac, want.mac, sizeof(want.mac));
	}
	if (nic)
		memcpy(new.cont.nic, want.nic, sizeof(want.nic));
	if (hw)
		new.cont.hw = want.hw;
	if (cpus)
		new.cont.cpus = want.cpus;
	/* 'hw off' leaves the NIC: its NIC and CPUs go, unless given. */
	if (!new.cont.hw) {
		if (!nic)
			memset(new.cont.nic, 0, sizeof(new.cont.nic));
		if (!cpus)
			new.cont.cpus = 0;
		new.cont.hw_state = CLI_HW_PENDING;
		memset(new.cont.hw_reason, 0, sizeof(new.cont.hw_reason));
	}
	err = cli_check_hw(c, &new.cont, new.cont.cpus != 0);
	if (!err && (port || netns))
		err = cli_set_port_of(c, &new.cont, &want, port, netns);
	if (!err)
		err = cli_sync(c, &old, &new);
	if (!err)
		cli_print_hw_done(c, new.cont.name);
	cli_set_free(&old);
	return err;
}

static int container_del(struct cli *c, int argc, char **argv)
{
	struct cli_cont ct;
	struct cli_set old;
	int err;

	if (argc != 1)
		return cli_usage_err(c, argc ? argv[1] : NULL,
				     "usage: container del NAME");
	err = cli_open_rw(c);
	if (!err)
		err = cli_find_cont(c, argv[0], &ct);
	if (!err)
		err = cli_set_load(c, &ct, &old);
	if (err)
		return err;
	err = cli_sync(c, &old, NULL);
	cli_set_free(&old);
	return err;
}

/* "NAME id N default D rules N ip A... [vni L] [dev D]": one container. */
static void cli_print_cont(struct cli *c, const struct cli_set *s)
{
	char buf[64];
	unsigned int i;

	cli_print_str(c, CLI_ANY, "name", "%s", s->cont.name);
	cli_print_uint(c, CLI_ANY, "id", " id %llu", s->cont.id);
	cli_print_str(c, CLI_ANY, "default", " default %s",
		      s->cont.default_drop ? "drop" : "allow");
	cli_print_str(c, CLI_ANY, "egress_default", " egress-default %s",
		      s->cont.egress_drop ? "drop" : "allow");
	cli_print_uint(c, CLI_ANY, "rule_count", " rules %llu", s->nrules);
	cli_open_array(c, "ips");
	for (i = 0; i < s->cont.naddrs; i++) {
		cli_fmt_addr(&s->cont.addrs[i], buf, sizeof(buf));
		cli_print_str(c, CLI_ANY, NULL, " ip %s", buf);
	}
	cli_close(c);
	cli_print_vnis(c, &s->cont);
	if (s->cont.dev[0]) {
		/* Its name now (renamed since), or as recorded (gone). */
		cli_dev_now(&s->cont, buf);
		cli_print_str(c, CLI_ANY, "dev", " dev %s", buf);
	}
	cli_print_mac(c, &s->cont);
	cli_print_port(c, &s->cont);
	if (s->cont.hw) {
		if (s->cont.cpus) {
			hw_fmt_cpus(s->cont.cpus, buf, sizeof(buf));
			cli_print_str(c, CLI_ANY, "cpus", " cpus %s", buf);
		}
		cli_print_str(c, CLI_ANY, "nic", " nic %s", s->cont.nic);
		if (s->cont.netns[0] && !s->cont.port[0])
			cli_print_str(c, CLI_ANY, "netns", " netns %s",
				      s->cont.netns);
		if (s->cont.netns_cookie && !s->cont.port[0])
			cli_print_uint(c, CLI_ANY, "netns_cookie",
				       " netns-cookie %llu",
				       s->cont.netns_cookie);
		cli_hw_print(c, s->cont.hw_state, s->cont.hw_reason);
	}
	cli_print_nl(c);
}

static int container_list(struct cli *c, int argc, char **argv)
{
	struct cli_set *sets = NULL;
	struct cli_cont *all;
	unsigned int n, i;
	int err;

	if (argc)
		return cli_usage_err(c, argv[0], "unexpected '%s'", argv[0]);
	err = cli_open_ro(c);
	if (err || cli_cont_all(c, &all, &n))
		return err ?: CLI_ERR;
	sets = calloc(n ?: 1, sizeof(*sets));
	err = sets ? cli_sets_load(c, all, n, sets) :
		     cli_err(c, CLI_ERR, NULL, "out of memory");
	cli_open_array(c, "containers");
	for (i = 0; i < n && !err; i++) {
		cli_open_object(c, NULL);
		cli_print_cont(c, &sets[i]);
		cli_close(c);
	}
	cli_close(c);
	for (i = 0; sets && i < n; i++)
		cli_set_free(&sets[i]);
	free(sets);
	free(all);
	return err;
}

static int container_show(struct cli *c, int argc, char **argv)
{
	unsigned int i, *order;
	struct cli_cont ct;
	struct cli_set s;
	int err;

	if (argc != 1)
		return cli_usage_err(c, argc ? argv[1] : NULL,
				     "usage: container show NAME");
	err = cli_open_ro(c);
	if (!err)
		err = cli_find_cont(c, argv[0], &ct);
	if (!err)
		err = cli_set_load(c, &ct, &s);
	if (err)
		return err;
	order = cli_rule_order(s.rules, s.nrules);
	if (!order) {
		cli_set_free(&s);
		return cli_err(c, CLI_ERR, NULL, "out of memory");
	}
	cli_open_object(c, "container");
	cli_print_cont(c, &s);
	cli_open_array(c, "rules");
	for (i = 0; i < s.nrules; i++) {
		cli_open_object(c, NULL);
		cli_printf(c, "\t");
		cli_print_rule(c, &s.rules[order[i]], CLI_ANY, CLI_ANY);
		cli_print_nl(c);
		cli_close(c);
	}
	cli_close(c);
	cli_close(c);
	free(order);
	cli_set_free(&s);
	return 0;
}

static const struct cli_cmd container_cmds[] = {
	{ "add", container_add },
	{ "set", container_set },
	{ "del", container_del },
	{ "delete", container_del },
	{ "list", container_list },
	{ "ls", container_list },
	{ "show", container_show },
	{ NULL, NULL },
};

int cmd_container(struct cli *c, int argc, char **argv)
{
	return cli_dispatch(c, container_cmds, "container command", argc, argv);
}
