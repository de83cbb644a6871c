// SPDX-License-Identifier: GPL-2.0
/*
 * policy_tunnels.c - the tunnels of a policy file: VTEPs, the UDP ports and
 * the known VNIs. Read from the fast path's maps, made from a file's words
 * (with the vtep and vni commands' own parsers), compared, converged and
 * exported (policy export).
 *
 * A file states each part only if it has its key ("vteps", "ports",
 * "vnis"); a part it leaves out stays as configured, so files written
 * before these keys existed mean what they meant.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "policy.h"

static int pol_cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

void pol_tun_free(struct pol_tun *t)
{
	free(t->vnis);
	memset(t, 0, sizeof(*t));
}

int pol_tun_read(struct cli *c, struct pol_tun *t, bool vnis)
{
	int err;

	memset(t, 0, sizeof(*t));
	t->cfg.vxlan_port = RXL_VXLAN_PORT;
	t->cfg.geneve_port = RXL_GENEVE_PORT;
	if (!c->fw_open)
		return 0;	/* nothing configured yet */
	err = cli_read_vteps(c, t->vteps, &t->nvteps) ?:
	      cli_read_config(c, &t->cfg) ?:
	      (vnis ? cli_vnis_read(c, &t->vnis, &t->nvnis) : 0);
	t->cfg.vxlan_port = t->cfg.vxlan_port ?: RXL_VXLAN_PORT;
	t->cfg.geneve_port = t->cfg.geneve_port ?: RXL_GENEVE_PORT;
	return err;
}

static int pol_vtep_find(const struct pol_tun *t, const struct rxl_vtep *v)
{
	__u32 i;

	for (i = 0; i < t->nvteps; i++)
		if (t->vteps[i].family == v->family &&
		    !memcmp(t->vteps[i].addr, v->addr, v->family == 4 ? 4 : 16))
			return i;
	return -1;
}

/* One VTEP from its words: ADDR [type T,...], as 'vtep add' takes them. */
static int pol_vtep_parse(struct cli *c, const struct pol_words *w,
			  struct rxl_vtep *v)
{
	__u32 mask = RXL_TUN_ALL;
	struct cli_addr a;
	int err;

	if (w->argc != 1 && (w->argc != 3 || !cli_is(w->argv[1], "type")))
		return cli_err(c, CLI_ERR, w->argc > 1 ? w->argv[1] : NULL,
			       "a VTEP is {\"addr\": ADDR, \"type\": TYPES}");
	err = cli_parse_addr(c, w->argv[0], &a);
	if (!err && w->argc == 3)
		err = cli_parse_types(c, w->argv[2], &mask);
	if (err)
		return err;
	memset(v, 0, sizeof(*v));
	v->tun_mask = mask;
	v->family = a.family;
	memcpy(v->addr, a.addr, 16);
	return 0;
}

static int pol_vteps_want(struct cli *c, const struct pol_tunnels *f,
			  struct pol_tun *t)
{
	char ctx[PATH_MAX + 32];
	const char *file = c->ctx;
	struct rxl_vtep v;
	unsigned int i;
	int err = 0;

	t->nvteps = 0;
	for (i = 0; i < f->nvteps && !err; i++) {
		snprintf(ctx, sizeof(ctx), "%s: vtep %u", file, i + 1);
		c->ctx = ctx;
		err = pol_vtep_parse(c, &f->vteps[i], &v);
		if (!err && pol_vtep_find(t, &v) >= 0)
			err = cli_err(c, CLI_ERR, f->vteps[i].argv[0],
				      "VTEP %s given twice",
				      f->vteps[i].argv[0]);
		if (!err && t->nvteps == RXL_MAX_VTEPS)
			err = cli_err(c, CLI_ERR, f->vteps[i].argv[0],
				      "VTEP %s: at most %u VTEPs",
				      f->vteps[i].argv[0], RXL_MAX_VTEPS);
		if (!err)
			t->vteps[t->nvteps++] = v;
	}
	c->ctx = file;
	return err;
}

/* [vxlan N] [geneve N]: a port not given stays as configured. */
static int pol_ports_want(struct cli *c, const struct pol_tunnels *f,
			  struct pol_tun *t)
{
	const struct pol_words *w = &f->ports;
	__u32 port;
	int i, err;

	for (i = 0; i + 1 < w->argc; i += 2) {
		err = cli_parse_u32(c, w->argv[i + 1], 65535, &port, "port");
		if (!err && !port)
			err = cli_err(c, CLI_ERR, w->argv[i + 1],
				      "bad port '%s' (1-65535)", w->argv[i + 1]);
		if (err)
			return err;
		if (!strcmp(w->argv[i], "vxlan"))
			t->cfg.vxlan_port = port;
		else
			t->cfg.geneve_port = port;
	}
	if (t->cfg.vxlan_port == t->cfg.geneve_port)
		return cli_err(c, CLI_USAGE, "ports",
			       "ports: VXLAN and GENEVE cannot share UDP port %u",
			       t->cfg.vxlan_port);
	return 0;
}

static int pol_vnis_want(struct cli *c, const struct pol_tunnels *f,
			 struct pol_tun *t)
{
	struct cli_cont one;
	unsigned int i, k = 0;

	free(t->vnis);
	t->nvnis = 0;
	t->vnis = calloc(f->nvnis ?: 1, sizeof(*t->vnis));
	if (!t->vnis)
		return cli_err(c, CLI_ERR, NULL, "out of memory");
	for (i = 0; i < f->nvnis; i++) {
		/* The grammar of a container's VNI list, one at a time. */
		if (cli_parse_vnis(c, f->vnis[i], &one))
			return CLI_ERR;
		if (one.nvnis != 1)
			return cli_err(c, CLI_ERR, f->vnis[i],
				       "vnis: '%s' is not one VNI", f->vnis[i]);
		t->vnis[t->nvnis++] = one.vnis[0];
	}
	qsort(t->vnis, t->nvnis, sizeof(*t->vnis), pol_cmp_u32);
	for (i = 0; i < t->nvnis; i++)
		if (!k || t->vnis[k - 1] != t->vnis[i])
			t->vnis[k++] = t->vnis[i];
	t->nvnis = k;
	return 0;
}

int pol_tun_want(struct cli *c, const struct pol_tunnels *f,
		 const struct pol_tun *cur, struct pol_tun *want)
{
	int err = 0;

	*want = *cur;
	want->vnis = malloc((cur->nvnis ?: 1) * sizeof(*want->vnis));
	if (!want->vnis)
		return cli_err(c, CLI_ERR, NULL, "out of memory");
	memcpy(want->vnis, cur->vnis, cur->nvnis * sizeof(*want->vnis));
	if (f->has_vteps)
		err = pol_vteps_want(c, f, want);
	if (!err && f->has_ports)
		err = pol_ports_want(c, f, want);
	if (!err && f->has_vnis)
		err = pol_vnis_want(c, f, want);
	return err;
}

int pol_tun_check_cont(struct cli *c, const struct pol_tun *t,
		       const struct cli_cont *ct)
{
	return cli_check_not_vtep_in(c, ct, t->vteps, t->nvteps);
}

/* ---- text -------------------------------------------------------------- */

static void pol_vtep_text(const struct rxl_vtep *v, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], types[32];

	inet_ntop(v->family == 4 ? AF_INET : AF_INET6, v->addr, a, sizeof(a));
	cli_types_text(v->tun_mask, types, sizeof(types));
	snprintf(buf, len, "%s type %s", a, types);
}

/* "100" for VXLAN, "geneve:200": as a container's VNI list writes one. */
static void pol_vni_text(__u32 vni, char *buf, size_t len)
{
	struct cli_cont one = { .nvnis = 1, .vnis = { vni } };

	cli_fmt_vnis(&one, buf, len);
}

void pol_tun_diff(const struct pol_tun *from, const struct pol_tun *to,
		  pol_tun_change_fn fn, void *ctx)
{
	unsigned int i = 0, j = 0;
	char buf[96];
	int k;

	for (i = 0; i < from->nvteps; i++)
		if (pol_vtep_find(to, &from->vteps[i]) < 0) {
			pol_vtep_text(&from->vteps[i], buf, sizeof(buf));
			fn(ctx, "del", "vtep", buf);
		}
	for (i = 0; i < to->nvteps; i++) {
		k = pol_vtep_find(from, &to->vteps[i]);
		if (k >= 0 && from->vteps[k].tun_mask == to->vteps[i].tun_mask)
			continue;
		pol_vtep_text(&to->vteps[i], buf, sizeof(buf));
		fn(ctx, k < 0 ? "add" : "change", "vtep", buf);
	}
	if (from->cfg.vxlan_port != to->cfg.vxlan_port ||
	    from->cfg.geneve_port != to->cfg.geneve_port) {
		snprintf(buf, sizeof(buf), "vxlan %u geneve %u",
			 to->cfg.vxlan_port, to->cfg.geneve_port);
		fn(ctx, "change", "ports", buf);
	}
	/* Both sorted: a merge. */
	for (i = 0, j = 0; i < from->nvnis || j < to->nvnis;) {
		if (j == to->nvnis ||
		    (i < from->nvnis && from->vnis[i] < to->vnis[j])) {
			pol_vni_text(from->vnis[i++], buf, sizeof(buf));
			fn(ctx, "del", "vni", buf);
		} else if (i == from->nvnis || to->vnis[j] < from->vnis[i]) {
			pol_vni_text(to->vnis[j++], buf, sizeof(buf));
			fn(ctx, "add", "vni", buf);
		} else {
			i++;
			j++;
		}
	}
}

/* ---- changes ----------------------------------------------------------- */

static int pol_fw_fail(struct cli *c, const char *what, const char *text)
{
	return cli_err(c, CLI_ERR, text, "%s %s: %s", what, text,
		       rxl_fw_error(&c->fw));
}

static void pol_rxl_addr(const struct rxl_vtep *v, struct rxl_addr *a)
{
	a->family = v->family == 4 ? AF_INET : AF_INET6;
	memcpy(a->addr, v->addr, 16);
}

static int pol_vteps_del(struct cli *c, const struct pol_tun *from,
			 const struct pol_tun *to)
{
	struct rxl_addr a;
	char buf[96];
	__u32 i;

	for (i = 0; i < from->nvteps; i++) {
		if (pol_vtep_find(to, &from->vteps[i]) >= 0)
			continue;
		pol_rxl_addr(&from->vteps[i], &a);
		if (rxl_fw_vtep_del(&c->fw, &a)) {
			pol_vtep_text(&from->vteps[i], buf, sizeof(buf));
			return pol_fw_fail(c, "VTEP", buf);
		}
	}
	return 0;
}

/* VTEPs added or retyped, ports, VNIs: all but the VTEP deletions. */
static int pol_tun_add(struct cli *c, const struct pol_tun *from,
		       const struct pol_tun *to)
{
	unsigned int i = 0, j = 0;
	struct rxl_addr a;
	char buf[96];
	int k, err = 0;

	for (i = 0; i < to->nvteps && !err; i++) {
		k = pol_vtep_find(from, &to->vteps[i]);
		if (k >= 0 && from->vteps[k].tun_mask == to->vteps[i].tun_mask)
			continue;
		pol_rxl_addr(&to->vteps[i], &a);
		if (rxl_fw_vtep_add(&c->fw, &a, to->vteps[i].tun_mask)) {
			pol_vtep_text(&to->vteps[i], buf, sizeof(buf));
			err = pol_fw_fail(c, "VTEP", buf);
		}
	}
	if (!err && (from->cfg.vxlan_port != to->cfg.vxlan_port ||
		     from->cfg.geneve_port != to->cfg.geneve_port) &&
	    rxl_fw_set_config(&c->fw, to->cfg.vxlan_port, to->cfg.geneve_port,
			      from->cfg.flags))
		err = pol_fw_fail(c, "ports", "");
	for (i = 0, j = 0; !err && (i < from->nvnis || j < to->nvnis);) {
		__u32 v;
		bool add;

		if (i < from->nvnis && j < to->nvnis &&
		    from->vnis[i] == to->vnis[j]) {
			i++;
			j++;
			continue;
		}
		add = i == from->nvnis ||
		      (j < to->nvnis && to->vnis[j] < from->vnis[i]);
		v = add ? to->vnis[j++] : from->vnis[i++];
		if (add ? rxl_fw_vni_add(&c->fw, v >> 24, v & 0xffffff) :
			  rxl_fw_vni_del(&c->fw, v >> 24, v & 0xffffff)) {
			pol_vni_text(v, buf, sizeof(buf));
			err = pol_fw_fail(c, "VNI", buf);
		}
	}
	return err;
}

int pol_tun_apply(struct cli *c, const struct pol_tun *from,
		  const struct pol_tun *to, enum pol_tun_step step)
{
	int err = 0;

	if (c->dry_run)
		return 0;
	if (step != POL_TUN_ADD)
		err = pol_vteps_del(c, from, to);
	if (!err && step != POL_TUN_DEL)
		err = pol_tun_add(c, from, to);
	return err;
}

int pol_tun_restore(struct cli *c, const struct pol_tun *old)
{
	struct pol_tun now;
	int err = pol_tun_read(c, &now, true);

	if (!err)
		err = pol_tun_apply(c, &now, old, POL_TUN_ALL);
	pol_tun_free(&now);
	return err;
}

/* ---- export ------------------------------------------------------------ */

void pol_tun_export(const struct pol_tun *t, json_t *doc)
{
	json_t *vteps = json_array(), *vnis = json_array();
	char a[INET6_ADDRSTRLEN], buf[96];
	unsigned int i;

	for (i = 0; i < t->nvteps; i++) {
		inet_ntop(t->vteps[i].family == 4 ? AF_INET : AF_INET6,
			  t->vteps[i].addr, a, sizeof(a));
		cli_types_text(t->vteps[i].tun_mask, buf, sizeof(buf));
		json_array_append_new(vteps, json_pack("{s:s, s:s}", "addr", a,
						       "type", buf));
	}
	for (i = 0; i < t->nvnis; i++) {
		pol_vni_text(t->vnis[i], buf, sizeof(buf));
		json_array_append_new(vnis, json_string(buf));
	}
	json_object_set_new(doc, "vteps", vteps);
	json_object_set_new(doc, "ports",
			    json_pack("{s:i, s:i}", "vxlan", t->cfg.vxlan_port,
				      "geneve", t->cfg.geneve_port));
	json_object_set_new(doc, "vnis", vnis);
}
