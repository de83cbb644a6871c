// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_tunnel.c - rxlane vtep add|del|list and vni add|del|list.
 *
 * A VTEP is a local address overlay traffic is decapsulated for, with the
 * tunnel types it accepts. UDP ports are per tunnel type for the whole
 * fast path (VXLAN 4789, GENEVE 6081 unless set with 'port').
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "cli.h"

static const char *const cli_tun_names[] = {
	[RXL_TUN_VXLAN] = "vxlan",
	[RXL_TUN_GENEVE] = "geneve",
	[RXL_TUN_NVGRE] = "nvgre",
};

int cli_parse_types(struct cli *c, const char *s, __u32 *mask)
{
	char buf[64], *tok, *save = NULL;
	int t;

	*mask = 0;
	if (strlen(s) >= sizeof(buf) || !*s)
		return cli_err(c, CLI_ERR, s, "bad tunnel type '%s'", s);
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		t = rxl_tun_type_parse(tok);
		if (t < 0)
			return cli_err(c, CLI_ERR, tok,
				       "bad tunnel type '%s' (vxlan, geneve or nvgre)",
				       tok);
		*mask |= RXL_TUN_BIT(t);
	}
	if (!*mask)
		return cli_err(c, CLI_ERR, s, "bad tunnel type '%s'", s);
	return 0;
}

void cli_types_text(__u32 mask, char *buf, size_t len)
{
	int t;

	buf[0] = '\0';
	for (t = RXL_TUN_VXLAN; t <= RXL_TUN_NVGRE; t++) {
		if (!(mask & RXL_TUN_BIT(t)))
			continue;
		if (buf[0])
			strncat(buf, ",", len - strlen(buf) - 1);
		strncat(buf, cli_tun_names[t], len - strlen(buf) - 1);
	}
}

/* " type vxlan,geneve" as text, "type": ["vxlan", "geneve"] under -j. */
static void cli_print_types(struct cli *c, __u32 mask)
{
	bool first = true;
	int t;

	cli_open_array(c, "type");
	cli_printf(c, " type ");
	for (t = RXL_TUN_VXLAN; t <= RXL_TUN_NVGRE; t++) {
		if (!(mask & RXL_TUN_BIT(t)))
			continue;
		cli_print_str(c, CLI_ANY, NULL, first ? "%s" : ",%s",
			      cli_tun_names[t]);
		first = false;
	}
	cli_close(c);
}

/* The fast path's maps, even for a dry run; the lock for a change. */
static int cli_open_tunnels(struct cli *c)
{
	int err = cli_fw_open(c);

	return err ?: cli_state_open(c, !c->dry_run);
}

int cli_read_config(struct cli *c, struct rxl_config *cfg)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(c->fw.config, &zero, cfg))
		return cli_err(c, CLI_ERR, NULL, "reading the config: %s",
			       strerror(errno));
	return 0;
}

int cli_read_vteps(struct cli *c, struct rxl_vtep *v, __u32 *n)
{
	for (*n = 0; *n < RXL_MAX_VTEPS; (*n)++) {
		if (bpf_map_lookup_elem(c->fw.vteps, n, &v[*n]))
			return cli_err(c, CLI_ERR, NULL, "reading VTEPs: %s",
				       strerror(errno));
		if (!v[*n].tun_mask)
			break;
	}
	return 0;
}

static int cli_vtep_find(const struct rxl_vtep *v, __u32 n,
			 const struct cli_addr *a)
{
	__u32 i;

	for (i = 0; i < n; i++)
		if (v[i].family == a->family &&
		    !memcmp(v[i].addr, a->addr, a->family == 4 ? 4 : 16))
			return i;
	return -1;
}

/* Refuse, exit 2, a VTEP on a container's address. */
static int cli_vtep_not_container(struct cli *c, const struct cli_addr *a,
				  const char *s)
{
	struct rxl_addr_val v;
	struct cli_cont ct;
	const char *name = "?";

	if (bpf_map_lookup_elem(a->family == 4 ? c->fw.addrs4 : c->fw.addrs6,
				a->addr, &v))
		return 0;
	if (c->conts_fd >= 0 &&
	    !bpf_map_lookup_elem(c->conts_fd, &v.id, &ct))
		name = ct.name;
	return cli_err(c, CLI_USAGE, s,
		       "address '%s' belongs to container '%s' (id %u): a VTEP there would hand it the container's traffic",
		       s, name, v.id);
}

static int cli_vtep_port(struct cli *c, __u32 mask, const char *s)
{
	struct rxl_config cfg;
	__u32 port;
	int err;

	if (mask != RXL_TUN_BIT(RXL_TUN_VXLAN) &&
	    mask != RXL_TUN_BIT(RXL_TUN_GENEVE))
		return cli_usage_err(c, s,
				     "'port %s' needs one UDP tunnel type: type vxlan or type geneve",
				     s);
	err = cli_parse_u32(c, s, 65535, &port, "port");
	if (!err && !port)
		err = cli_err(c, CLI_ERR, s, "bad port '%s' (1-65535)", s);
	if (!err)
		err = cli_read_config(c, &cfg);
	if (err)
		return err;
	if (mask == RXL_TUN_BIT(RXL_TUN_VXLAN))
		cfg.vxlan_port = port;
	else
		cfg.geneve_port = port;
	/* 0 stands for the default port: compare the ports in use. */
	if ((cfg.vxlan_port ?: RXL_VXLAN_PORT) ==
	    (cfg.geneve_port ?: RXL_GENEVE_PORT))
		return cli_err(c, CLI_USAGE, s,
			       "port %s is %s's: VXLAN and GENEVE cannot share a UDP port",
			       s, mask == RXL_TUN_BIT(RXL_TUN_VXLAN) ?
			       "GENEVE" : "VXLAN");
	if (c->dry_run)
		return 0;
	if (rxl_fw_set_config(&c->fw, cfg.vxlan_port, cfg.geneve_port,
			      cfg.flags))
		return cli_err(c, CLI_ERR, s, "port %s: %s", s,
			       rxl_fw_error(&c->fw));
	return 0;
}

static int vtep_add(struct cli *c, int argc, char **argv)
{
	struct rxl_vtep v[RXL_MAX_VTEPS];
	const char *port = NULL;
	__u32 mask = RXL_TUN_ALL, n;
	struct cli_addr a;
	struct rxl_addr ra;
	int i, err;

	if (argc < 1)
		return cli_usage_err(c, NULL, "usage: vtep add ADDR [type T] [port N]");
	err = cli_parse_addr(c, argv[0], &a);
	for (i = 1; i < argc && !err; i += 2) {
		if (!cli_is(argv[i], "type") && !cli_is(argv[i], "port"))
			return cli_usage_err(c, argv[i], "unknown keyword '%s'",
					     argv[i]);
		err = cli_need_arg(c, argc, argv, i);
		if (!err && cli_is(argv[i], "type"))
			err = cli_parse_types(c, argv[i + 1], &mask);
		else if (!err)
			port = argv[i + 1];
	}
	if (!err)
		err = cli_open_tunnels(c);
	if (!err)
		err = cli_read_vteps(c, v, &n);
	if (err)
		return err;
	if (cli_vtep_find(v, n, &a) >= 0)
		return cli_err(c, CLI_ERR, argv[0], "VTEP %s exists", argv[0]);
	err = cli_vtep_not_container(c, &a, argv[0]);
	if (err)
		return err;
	if (n == RXL_MAX_VTEPS)
		return cli_err(c, CLI_ERR, argv[0],
			       "VTEP %s: all %u VTEP slots are in use", argv[0],
			       RXL_MAX_VTEPS);
	if (port) {
		err = cli_vtep_port(c, mask, port);
		if (err)
			return err;
	}
	if (c->dry_run)
		return 0;
	ra.family = a.family == 4 ? AF_INET : AF_INET6;
	memcpy(ra.addr, a.addr, 16);
	if (rxl_fw_vtep_add(&c->fw, &ra, mask))
		return cli_err(c, CLI_ERR, argv[0], "VTEP %s: %s", argv[0],
			       rxl_fw_error(&c->fw));
	return 0;
}

static int vtep_del(struct cli *c, int argc, char **argv)
{
	struct rxl_vtep v[RXL_MAX_VTEPS];
	struct cli_addr a;
	struct rxl_addr ra;
	__u32 n;
	int err;

	if (argc != 1)
		return cli_usage_err(c, argc ? argv[1] : NULL,
				     "usage: vtep del ADDR");
	err = cli_parse_addr(c, argv[0], &a);
	if (!err)
		err = cli_open_tunnels(c);
	if (!err)
		err = cli_read_vteps(c, v, &n);
	if (err)
		return err;
	if (cli_vtep_find(v, n, &a) < 0)
		return cli_err(c, CLI_ERR, argv[0], "no VTEP %s", argv[0]);
	if (c->dry_run)
		return 0;
	ra.family = a.family == 4 ? AF_INET : AF_INET6;
	memcpy(ra.addr, a.addr, 16);
	if (rxl_fw_vtep_del(&c->fw, &ra))
		return cli_err(c, CLI_ERR, argv[0], "VTEP %s: %s", argv[0],
			       rxl_fw_error(&c->fw));
	return 0;
}

static int vtep_list(struct cli *c, int argc, char **argv)
{
	struct rxl_vtep v[RXL_MAX_VTEPS];
	char addr[INET6_ADDRSTRLEN];
	struct rxl_config cfg;
	__u32 n, i;
	int err;

	if (argc)
		return cli_usage_err(c, argv[0], "unexpected '%s'", argv[0]);
	err = cli_fw_open(c);
	if (!err)
		err = cli_read_vteps(c, v, &n);
	if (!err)
		err = cli_read_config(c, &cfg);
	if (err)
		return err;
	cfg.vxlan_port = cfg.vxlan_port ?: RXL_VXLAN_PORT;
	cfg.geneve_port = cfg.geneve_port ?: RXL_GENEVE_PORT;
	cli_open_array(c, "vteps");
	for (i = 0; i < n; i++) {
		inet_ntop(v[i].family == 4 ? AF_INET : AF_INET6, v[i].addr,
			  addr, sizeof(addr));
		cli_open_object(c, NULL);
		cli_print_str(c, CLI_ANY, "addr", "vtep %s", addr);
		cli_print_types(c, v[i].tun_mask);
		cli_print_nl(c);
		cli_close(c);
	}
	cli_close(c);
	cli_open_object(c, "ports");
	cli_printf(c, "port");
	cli_print_pair(c, CLI_ANY, "vxlan", cfg.vxlan_port);
	cli_print_pair(c, CLI_ANY, "geneve", cfg.geneve_port);
	cli_print_nl(c);
	cli_close(c);
	return 0;
}

/* ---- VNIs ------------------------------------------------------------- */

static int cli_parse_vni(struct cli *c, int argc, char **argv, __u32 *vni,
			 int *type)
{
	int err;

	*type = RXL_TUN_VXLAN;
	if (argc < 1)
		return cli_usage_err(c, NULL, "usage: vni add|del VNI [type T]");
	if (argc != 1 && (argc != 3 || !cli_is(argv[1], "type")))
		return cli_usage_err(c, argv[1], "unexpected '%s'", argv[1]);
	err = cli_parse_u32(c, argv[0], 0xffffff, vni, "VNI");
	if (!err && argc == 3) {
		*type = rxl_tun_type_parse(argv[2]);
		if (*type < 0)
			err = cli_err(c, CLI_ERR, argv[2],
				      "bad tunnel type '%s' (vxlan, geneve or nvgre)",
				      argv[2]);
	}
	return err;
}

static int cli_vni_known(struct cli *c, int type, __u32 vni, bool *known)
{
	__u32 word = rxl_vni_word(type, vni);
	__u64 bits;

	if (bpf_map_lookup_elem(c->fw.vnis, &word, &bits))
		return cli_err(c, CLI_ERR, NULL, "reading VNIs: %s",
			       strerror(errno));
	*known = bits & rxl_vni_bit(vni);
	return 0;
}

static int vni_change(struct cli *c, int argc, char **argv, bool add)
{
	bool known = false;
	__u32 vni;
	int type, err;

	err = cli_parse_vni(c, argc, argv, &vni, &type);
	if (!err)
		err = cli_open_tunnels(c);
	if (!err)
		err = cli_vni_known(c, type, vni, &known);
	if (err)
		return err;
	if (add && known)
		return cli_err(c, CLI_ERR, argv[0], "%s VNI %u exists",
			       cli_tun_names[type], vni);
	if (!add && !known)
		return cli_err(c, CLI_ERR, argv[0], "no %s VNI %u",
			       cli_tun_names[type], vni);
	if (c->dry_run)
		return 0;
	err = add ? rxl_fw_vni_add(&c->fw, type, vni) :
		    rxl_fw_vni_del(&c->fw, type, vni);
	if (err)
		return cli_err(c, CLI_ERR, argv[0], "VNI %u: %s", vni,
			       rxl_fw_error(&c->fw));
	return 0;
}

static int vni_add(struct cli *c, int argc, char **argv)
{
	return vni_change(c, argc, argv, true);
}

static int vni_del(struct cli *c, int argc, char **argv)
{
	return vni_change(c, argc, argv, false);
}

/* The VNIs set in bitmap word @word, appended to @out as rxl_cont_vni(). */
static void cli_vni_word(__u32 word, __u64 bits, __u32 *out, unsigned int *n)
{
	int type = (word >> RXL_VNI_WORD_BITS) + 1, b;

	for (b = 0; b < 64; b++)
		if (bits & (1ULL << b))
			out[(*n)++] = rxl_cont_vni(type,
				((word & ((1U << RXL_VNI_WORD_BITS) - 1)) << 6) | b);
}

int cli_vnis_read(struct cli *c, __u32 **out, unsigned int *n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 *keys = calloc(RXL_VNI_WORDS, sizeof(*keys)), cnt, next = 0, i;
	__u64 *vals = calloc(RXL_VNI_WORDS, sizeof(*vals));
	size_t nbits = 0;
	int err = 0;

	*out = NULL;
	*n = 0;
	cnt = RXL_VNI_WORDS;
	if (!keys || !vals ||
	    (bpf_map_lookup_batch(c->fw.vnis, NULL, &next, keys, vals, &cnt,
				  &opts) && errno != ENOENT)) {
		err = cli_err(c, CLI_ERR, NULL, "reading VNIs: %s",
			      strerror(errno));
		goto out;
	}
	for (i = 0; i < cnt; i++)
		nbits += __builtin_popcountll(vals[i]);
	*out = calloc(nbits ?: 1, sizeof(**out));
	if (!*out) {
		err = cli_err(c, CLI_ERR, NULL, "out of memory");
		goto out;
	}
	/* An array's batch lookup returns its keys in order. */
	for (i = 0; i < cnt; i++)
		if (vals[i])
			cli_vni_word(keys[i], vals[i], *out, n);
out:
	free(keys);
	free(vals);
	return err;
}

static int vni_list(struct cli *c, int argc, char **argv)
{
	unsigned int n = 0, i;
	__u32 *vnis;
	int err;

	if (argc)
		return cli_usage_err(c, argv[0], "unexpected '%s'", argv[0]);
	err = cli_fw_open(c) ?: cli_vnis_read(c, &vnis, &n);
	if (err)
		return err;
	cli_open_array(c, "vnis");
	for (i = 0; i < n; i++) {
		cli_open_object(c, NULL);
		cli_print_uint(c, CLI_ANY, "vni", "vni %llu",
			       vnis[i] & 0xffffff);
		cli_print_str(c, CLI_ANY, "type", " type %s",
			      cli_tun_names[vnis[i] >> 24]);
		cli_print_nl(c);
		cli_close(c);
	}
	cli_close(c);
	free(vnis);
	return 0;
}

static const struct cli_cmd vtep_cmds[] = {
	{ "add", vtep_add },
	{ "del", vtep_del },
	{ "delete", vtep_del },
	{ "list", vtep_list },
	{ "ls", vtep_list },
	{ NULL, NULL },
};

static const struct cli_cmd vni_cmds[] = {
	{ "add", vni_add },
	{ "del", vni_del },
	{ "delete", vni_del },
	{ "list", vni_list },
	{ "ls", vni_list },
	{ NULL, NULL },
};

int cmd_vtep(struct cli *c, int argc, char **argv)
{
	return cli_dispatch(c, vtep_cmds, "vtep command", argc, argv);
}

int cmd_vni(struct cli *c, int argc, char **argv)
{
	return cli_dispatch(c, vni_cmds, "vni command", argc, argv);
}
