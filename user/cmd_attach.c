// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_attach.c - rxlane attach|detach|status.
 *
 * attach loads the XDP program through its skeleton with the maps pinned
 * by name: where maps already exist (the CLI's pin directory, or
 * iproute2's tc/globals when 'ip link set dev X xdp obj' came first) they
 * are reused, so every device and every tool shares one set of maps.
 * The program stays attached after the CLI exits; detach removes it from
 * the device and leaves the pinned maps, and with them the configuration.
 */
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "rxlane_xdp.skel.h"

static const char *cli_mode_name(__u8 mode)
{
	switch (mode) {
	case XDP_ATTACHED_DRV:
		return "native";
	case XDP_ATTACHED_SKB:
		return "generic";
	case XDP_ATTACHED_HW:
		return "offload";
	case XDP_ATTACHED_MULTI:
		return "multi";
	default:
		return "none";
	}
}

static int cli_dev(struct cli *c, const char *name)
{
	int ifindex = if_nametoindex(name);

	if (!ifindex)
		cli_err(c, CLI_ERR, name, "no device '%s'", name);
	return ifindex;
}

static bool cli_is_rxlane(int ifindex)
{
	struct rxl_fw fw;

	if (rxl_fw_open_ifindex(&fw, ifindex))
		return false;
	rxl_fw_close(&fw);
	return true;
}

static int cli_parse_mode(struct cli *c, int argc, char **argv, __u32 *flags)
{
	*flags = 0;
	if (argc == 1)
		return 0;
	if (argc != 3 || !cli_is(argv[1], "mode"))
		return cli_usage_err(c, argv[1], "unexpected '%s'", argv[1]);
	if (cli_is(argv[2], "native"))
		*flags = XDP_FLAGS_DRV_MODE;
	else if (cli_is(argv[2], "generic"))
		*flags = XDP_FLAGS_SKB_MODE;
	else if (!cli_is(argv[2], "auto"))
		return cli_err(c, CLI_ERR, argv[2],
			       "bad mode '%s' (native, generic or auto)",
			       argv[2]);
	return 0;
}

/* Where the maps go: where they already are, else the pin directory. */
static const char *cli_attach_dir(struct cli *c, char *buf, size_t len)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/rxl_config", c->pin_dir);
	if (!access(path, F_OK))
		return c->pin_dir;
	cli_iproute_dir(buf, len);
	snprintf(path, sizeof(path), "%s/rxl_config", buf);
	if (!access(path, F_OK))
		return buf;
	return c->pin_dir;
}

/*
 * Take the maps already pinned in @dir as they are. libbpf would refuse
 * some of iproute2's: it creates the devmap with BPF_F_RDONLY_PROG, which
 * our object does not ask for, and libbpf's reuse check compares flags.
 */
static int cli_reuse_pins(struct cli *c, struct bpf_object *obj,
			  const char *dir)
{
	char path[PATH_MAX + 32];
	struct bpf_map *m;
	int fd, err;

	bpf_object__for_each_map(m, obj) {
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(m));
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;	/* libbpf creates and pins it */
		err = bpf_map__reuse_fd(m, fd);
		close(fd);
		if (!err)
			err = bpf_map__set_pin_path(m, NULL);
		if (err)
			return cli_err(c, CLI_ERR, path, "cannot reuse %s: %s",
				       path, strerror(-err));
	}
	return 0;
}

static int cli_load_attach(struct cli *c, const char *dev, int ifindex,
			   __u32 flags)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	char ipr[PATH_MAX];
	struct rxlane_xdp *skel;
	int err;

	opts.pin_root_path = cli_attach_dir(c, ipr, sizeof(ipr));
	skel = rxlane_xdp__open_opts(&opts);
	if (!skel)
		return cli_err(c, CLI_ERR, NULL, "cannot open the XDP object: %s",
			       strerror(errno));
	err = cli_reuse_pins(c, skel->obj, opts.pin_root_path);
	if (err) {
		rxlane_xdp__destroy(skel);
		return err;
	}
	err = rxlane_xdp__load(skel);
	if (err) {
		rxlane_xdp__destroy(skel);
		return cli_err(c, CLI_ERR, NULL,
			       "cannot load the XDP program (maps in %s): %s",
			       opts.pin_root_path, strerror(-err));
	}
	err = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.rxlane_xdp),
			     flags | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	rxlane_xdp__destroy(skel);
	if (err)
		return cli_err(c, CLI_ERR, dev, "cannot attach to %s: %s%s", dev,
			       strerror(-err),
			       err == -EOPNOTSUPP || err == -EINVAL ?
			       " (try 'mode generic')" : "");
	return 0;
}

int cmd_attach(struct cli *c, int argc, char **argv)
{
	__u32 flags, prog_id = 0;
	int ifindex, err;

	if (argc < 1)
		return cli_usage_err(c, NULL,
				     "usage: attach DEV [mode native|generic|auto]");
	err = cli_parse_mode(c, argc, argv, &flags);
	if (err)
		return err;
	ifindex = cli_dev(c, argv[0]);
	if (!ifindex)
		return CLI_ERR;
	if (!bpf_xdp_query_id(ifindex, 0, &prog_id) && prog_id)
		return cli_err(c, CLI_ERR, argv[0],
			       cli_is_rxlane(ifindex) ?
			       "rxlane is already attached to %s (program %u)" :
			       "%s already has XDP program %u: detach it first",
			       argv[0], prog_id);
	err = cli_state_open(c, !c->dry_run);
	if (err || c->dry_run)
		return err;
	return cli_load_attach(c, argv[0], ifindex, flags);
}

int cmd_detach(struct cli *c, int argc, char **argv)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int ifindex, err;

	if (argc != 1)
		return cli_usage_err(c, argc ? argv[1] : NULL,
				     "usage: detach DEV");
	ifindex = cli_dev(c, argv[0]);
	if (!ifindex)
		return CLI_ERR;
	err = bpf_xdp_query(ifindex, 0, &q);
	if (err || !q.prog_id)
		return cli_err(c, CLI_ERR, argv[0], "no XDP program on %s",
			       argv[0]);
	if (!cli_is_rxlane(ifindex))
		return cli_err(c, CLI_ERR, argv[0],
			       "XDP program %u on %s is not rxlane's: not detaching it",
			       q.prog_id, argv[0]);
	if (c->dry_run)
		return 0;
	err = bpf_xdp_detach(ifindex, q.attach_mode == XDP_ATTACHED_SKB ?
			     XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		return cli_err(c, CLI_ERR, argv[0], "cannot detach from %s: %s",
			       argv[0], strerror(-err));
	return 0;
}

/* ---- status ------------------------------------------------------------ */

static void cli_status_dev(struct cli *c, const struct if_nameindex *i,
			   json_t *arr)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	bool ours;

	if (bpf_xdp_query(i->if_index, 0, &q) || !q.prog_id)
		return;
	ours = cli_is_rxlane(i->if_index);
	cli_printf(c, "dev %s prog %u mode %s%s\n", i->if_name, q.prog_id,
		   cli_mode_name(q.attach_mode), ours ? "" : " (not rxlane)");
	json_array_append_new(arr, json_pack("{s:s, s:i, s:I, s:s, s:b}",
					     "dev", i->if_name, "ifindex",
					     (int)i->if_index, "prog_id",
					     (json_int_t)q.prog_id, "mode",
					     cli_mode_name(q.attach_mode),
					     "rxlane", ours));
}

static void cli_status_counts(struct cli *c)
{
	struct cli_rule_key *keys = NULL;
	struct cli_rule *rules = NULL;
	struct cli_cont *all = NULL;
	unsigned int nc = 0, nr = 0;

	cli_cont_all(c, &all, &nc);
	cli_rules_all(c, &keys, &rules, &nr);
	cli_printf(c, "containers %u rules %u\n", nc, nr);
	if (c->json) {
		json_object_set_new(cli_doc(c), "containers", json_integer(nc));
		json_object_set_new(cli_doc(c), "rules", json_integer(nr));
	}
	free(all);
	free(keys);
	free(rules);
}

int cmd_status(struct cli *c, int argc, char **argv)
{
	struct if_nameindex *ifs, *i;
	json_t *arr;
	int err;

	if (argc)
		return cli_usage_err(c, argv[0], "unexpected '%s'", argv[0]);
	err = cli_open_ro(c);
	if (err)
		return err;
	arr = json_array();
	ifs = if_nameindex();
	for (i = ifs; i && i->if_index; i++)
		cli_status_dev(c, i, arr);
	if (ifs)
		if_freenameindex(ifs);
	if (!json_array_size(arr))
		cli_printf(c, "not attached in this network namespace\n");
	cli_printf(c, "pins %s\n", c->pin_dir);
	if (!cli_fw_find(c))
		cli_printf(c, "maps %s\n", c->maps_dir);
	if (c->json) {
		json_object_set_new(cli_doc(c), "attached", json_incref(arr));
		json_object_set_new(cli_doc(c), "pin_dir",
				    json_string(c->pin_dir));
		json_object_set_new(cli_doc(c), "maps",
				    c->fw_open ? json_string(c->maps_dir) :
				    json_null());
	}
	json_decref(arr);
	cli_status_counts(c);
	return 0;
}
