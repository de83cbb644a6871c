/* SPDX-License-Identifier: GPL-2.0 */
/*
 * policy.h - a policy file read into the words of the commands it stands
 * for (policy_load.c); checked, compared and applied by cmd_policy.c.
 */
#ifndef _RXLANE_POLICY_H
#define _RXLANE_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

#define POL_SCHEMA	1
#define POL_MAX_WORDS	48

struct pol_words {
	int argc;
	char **argv;		/* one allocation: the pointers, then the words */
};

struct pol_cont {
	struct pol_words cont;		/* NAME ip A ... default D dev X */
	struct pol_words *rules;	/* allow|drop proto ... */
	unsigned int nrules;
};

/*
 * The tunnels of a policy file (JSON or YAML): each part only when it has
 * its key; a part the file leaves out is left as configured.
 */
struct pol_tunnels {
	bool has_vteps, has_vnis, has_ports;
	struct pol_words *vteps;	/* ADDR [type T,...]: vtep add words */
	unsigned int nvteps;
	char **vnis;			/* "N" or "TYPE:N", one each */
	unsigned int nvnis;
	struct pol_words ports;		/* [vxlan N] [geneve N] */
};

struct policy {
	struct pol_cont *conts;
	unsigned int n;
	struct pol_tunnels tun;
	bool has_ct;			/* the file states ct_timeouts */
	struct pol_words ct;		/* STATE SECONDS|default ... */
};

/* ---- tunnels (policy_tunnels.c) --------------------------------------- */
/* VTEPs, ports and VNIs as configured, or as a file wants them. */
struct pol_tun {
	struct rxl_vtep vteps[RXL_MAX_VTEPS];	/* in slot order */
	__u32 nvteps;
	struct rxl_config cfg;	/* ports in use: 0 resolved to the default */
	__u32 *vnis;		/* rxl_cont_vni(type, vni), sorted */
	unsigned int nvnis;
};

enum pol_tun_step {
	POL_TUN_DEL,		/* VTEP deletions only */
	POL_TUN_ADD,		/* the rest: VTEPs added/retyped, ports, VNIs */
	POL_TUN_ALL,
};

/* One change: op "add", "del" or "change"; object "vtep", "vni", "ports". */
typedef void (*pol_tun_change_fn)(void *ctx, const char *op,
				  const char *object, const char *text);

/*
 * What the fast path's maps hold (defaults when there are none); the VNIs
 * (a read of the whole bitmap) only with @vnis.
 */
int pol_tun_read(struct cli *c, struct pol_tun *t, bool vnis);
/* @cur with the parts file @f states; refusals printed (c->ctx: file). */
int pol_tun_want(struct cli *c, const struct pol_tunnels *f,
		 const struct pol_tun *cur, struct pol_tun *want);
/* Refuse, exit 2, a container address that is one of @t's VTEPs. */
int pol_tun_check_cont(struct cli *c, const struct pol_tun *t,
		       const struct cli_cont *ct);
void pol_tun_diff(const struct pol_tun *from, const struct pol_tun *to,
		  pol_tun_change_fn fn, void *ctx);
/* Make the maps go from @from to @to, the part @step says. */
int pol_tun_apply(struct cli *c, const struct pol_tun *from,
		  const struct pol_tun *to, enum pol_tun_step step);
/* Put back @old from whatever the maps hold now. */
int pol_tun_restore(struct cli *c, const struct pol_tun *old);
/* "vteps", "ports" and "vnis" of a policy file into @doc. */
void pol_tun_export(const struct pol_tun *t, json_t *doc);
void pol_tun_free(struct pol_tun *t);

/*
 * JSON, or YAML when @path ends in .yaml or .yml (policy_yaml.c: the
 * CLI's only, rxlane-cni links neither YAML library); @err says why not.
 */
int policy_load(const char *path, struct policy *p, char *err, size_t len);
int policy_load_json(const char *path, struct policy *p, char *err,
		     size_t len);
int policy_load_yaml(const char *path, struct policy *p, char *err,
		     size_t len);
void policy_free(struct policy *p);
/* One container object of a policy file (JSON), as the CNI plugin has it. */
int policy_load_cont(json_t *o, struct pol_cont *pc, char *err, size_t len);
void policy_cont_free(struct pol_cont *pc);

#endif /* _RXLANE_POLICY_H */
