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
 *
 * Each attachment is a program instance of its own. 'attach DEV redirect'
 * sets rxl_deliver_redirect in the instance's .rodata before load, so
 * containers with a device are delivered by XDP_REDIRECT there and by
 * XDP_PASS everywhere else; status reads the flag back from the program's
 * .rodata map (its value's BTF says where the variable is).
 */
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "cli_bpffs.h"
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

bool cli_is_rxlane(int ifindex)
{
	struct rxl_fw fw;

	if (rxl_fw_open_ifindex(&fw, ifindex))
		return false;
	rxl_fw_close(&fw);
	return true;
}

struct cli_attach_opts {
	__u32 flags;		/* XDP_FLAGS_*_MODE, 0: auto */
	bool redirect;		/* deliver by XDP_REDIRECT */
	__u32 max_rules;	/* 0: as pinned, else RXL_DEFAULT_RULES */
	__u32 max_conts;	/* 0: as pinned, else RXL_DEFAULT_CONTAINERS */
	struct cli_ct_size ct;	/* 0: as pinned, else the defaults */
};

/*
 * argv[i] N, N in 1..@max, given once (*@n 0 until then): max-rules,
 * max-containers, ct-size, ct-half-open.
 */
static int cli_parse_count(struct cli *c, int argc, char **argv, int i,
			   __u32 max, __u32 *n)
{
	if (*n)
		return cli_usage_err(c, argv[i], "'%s' given twice", argv[i]);
	if (cli_need_arg(c, argc, argv, i))
		return CLI_USAGE;
	if (rxl_parse_u32(argv[i + 1], max, n) || !*n) {
		*n = 0;
		return cli_err(c, CLI_ERR, argv[i + 1], "bad %s '%s' (1-%u)",
			       argv[i], argv[i + 1], max);
	}
	return 0;
}

/*
 * [mode native|generic|auto] [redirect] [max-rules N] [max-containers N]
 * [ct-size N] [ct-half-open N], in any order, each once.
 */
static int cli_parse_attach(struct cli *c, int argc, char **argv,
			    struct cli_attach_opts *o)
{
	const struct {
		const char *keyword;
		__u32 max;
		__u32 *n;
	} counts[] = {
		{ "max-rules", RXL_MAX_RULES, &o->max_rules },
		{ "max-containers", RXL_MAX_CONTAINERS, &o->max_conts },
		{ "ct-size", RXL_CT_MAX_ENTRIES, &o->ct.entries },
		{ "ct-half-open", RXL_CT_MAX_ENTRIES, &o->ct.half_open },
	};
	bool mode = false;
	unsigned int k;
	int i, err;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		if (cli_is(argv[i], "redirect")) {
			if (o->redirect)
				return cli_usage_err(c, argv[i],
						     "'redirect' given twice");
			o->redirect = true;
			continue;
		}
		for (k = 0; k < sizeof(counts) / sizeof(counts[0]); k++)
			if (cli_is(argv[i], counts[k].keyword))
				break;
		if (k < sizeof(counts) / sizeof(counts[0])) {
			err = cli_parse_count(c, argc, argv, i++, counts[k].max,
					      counts[k].n);
			if (err)
				return err;
			continue;
		}
		if (!cli_is(argv[i], "mode"))
			return cli_usage_err(c, argv[i],
					     "unknown keyword '%s' (mode, redirect, max-rules, max-containers, ct-size, ct-half-open)",
					     argv[i]);
		if (mode)
			return cli_usage_err(c, argv[i], "'mode' given twice");
		if (cli_need_arg(c, argc, argv, i))
			return CLI_USAGE;
		mode = true;
		i++;
		if (cli_is(argv[i], "native"))
			o->flags = XDP_FLAGS_DRV_MODE;
		else if (cli_is(argv[i], "generic"))
			o->flags = XDP_FLAGS_SKB_MODE;
		else if (!cli_is(argv[i], "auto"))
			return cli_err(c, CLI_ERR, argv[i],
				       "bad mode '%s' (native, generic or auto)",
				       argv[i]);
	}
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
 * Maps found in iproute2's directory are reused only if it is as closed
 * as the pin directory: owned by the caller, 0700 (Documentation/cli.rst).
 */
static int cli_attach_check_dir(struct cli *c)
{
	char ipr[PATH_MAX];
	const char *dir = cli_attach_dir(c, ipr, sizeof(ipr));

	return dir == c->pin_dir ? 0 : cli_check_maps_dir(c, dir);
}

/* The maps sized at load for max-rules: the layout table says which. */
static bool cli_map_sized(const struct bpf_map *m)
{
	const struct rxl_map_layout *l = rxl_map_layout(bpf_map__name(m));

	return l && l->rule_sized;
}

/* ... and those sized for max-containers. */
static bool cli_map_conts(const struct bpf_map *m)
{
	const struct rxl_map_layout *l = rxl_map_layout(bpf_map__name(m));

	return l && l->cont_sized;
}

/*
 * Refuse pinned map @fd unless it is laid out as this build's object
 * defines @m: bpf_map__reuse_fd() would take any map of that name, and the
 * program would then read another layout (or another program's data).
 * The sized maps may have any max_entries (user/fw.c's layout table says
 * which); every other property must match.
 */
static int cli_check_pin(struct cli *c, const struct bpf_map *m, int fd,
			 const char *path)
{
	const struct rxl_map_layout *l = rxl_map_layout(bpf_map__name(m));
	struct rxl_map_layout want = {
		.name = bpf_map__name(m),
		.type = bpf_map__type(m),
		.key_size = bpf_map__key_size(m),
		.value_size = bpf_map__value_size(m),
		.max_entries = l && !l->max_entries ? 0 :
			       bpf_map__max_entries(m),
		.map_flags = bpf_map__map_flags(m),
	};
	char why[512];

	if (!rxl_map_check(fd, &want, path, why, sizeof(why)))
		return 0;
	return cli_err(c, CLI_ERR, path, "%s", why);
}

/*
 * The size of the sized maps: as pinned in @dir (a 'max-rules' that
 * differs is refused: the maps cannot be resized under the programs that
 * use them), else RXL_RULE_SLOTS of the max-rules asked for or the
 * default. 0 or an exit code, with the message printed.
 */
static int cli_rule_slots(struct cli *c, const char *dir,
			  const struct cli_attach_opts *o, __u32 *slots)
{
	__u32 pinned = cli_pin_entries(dir, "rxl_rule_cnt");

	*slots = RXL_RULE_SLOTS(o->max_rules ?: RXL_DEFAULT_RULES);
	if (!pinned)
		return 0;	/* none, or its layout check says why */
	if (o->max_rules && pinned != *slots)
		return cli_err(c, CLI_ERR, "max-rules",
			       "the maps pinned in %s hold max-rules %u, not %u: detach every device and remove the pins to size them anew",
			       dir, RXL_RULES_OF_SLOTS(pinned), o->max_rules);
	*slots = pinned;
	return 0;
}

/* The highest id of a record in @dir's cli_conts, if @max or above. */
static bool cli_record_past(const char *dir, __u32 max, __u32 *id)
{
	char path[PATH_MAX + 32];
	__u32 key, next, *prev = NULL;
	bool past = false;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, CLI_CONTS_PIN);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (key >= max && (!past || key > *id)) {
			*id = key;
			past = true;
		}
	}
	close(fd);
	return past;
}

/*
 * The number of container ids, as cli_rule_slots() does for the rules:
 * as pinned in @dir (another 'max-containers' is refused), else the one
 * asked for or the default, refused when a container record of the pin
 * directory has an id past it. Kept in c->max_conts for
 * cli_reuse_pins(). 0 or an exit code, with the message printed.
 */
static int cli_cont_slots(struct cli *c, const char *dir,
			  const struct cli_attach_opts *o)
{
	__u32 pinned = cli_pin_entries(dir, "rxl_cont_cnt"), id;
	__u32 want = o->max_conts ?: RXL_DEFAULT_CONTAINERS;

	if (pinned && o->max_conts && pinned != want)
		return cli_err(c, CLI_ERR, "max-containers",
			       "the maps pinned in %s hold max-containers %u, not %u: detach every device and remove the pins to size them anew",
			       dir, pinned, want);
	if (!pinned && cli_record_past(c->pin_dir, want, &id))
		return cli_err(c, CLI_ERR, "max-containers",
			       "max-containers %u: the records in %s have container id %u: give at least %u",
			       want, c->pin_dir, id, id + 1);
	c->max_conts = pinned ?: want;
	return 0;
}

/*
 * Check the maps already pinned in @dir and, with @take, take them (by
 * fd: libbpf's own reuse check compares flags, and the kernel adds
 * BPF_F_RDONLY_PROG to every devmap), each once its layout is checked.
 * Without @take nothing is changed: attach runs this before it creates
 * anything, so that a refusal leaves no pin directory behind. The sized
 * maps libbpf creates get @slots entries. The object does not pin its
 * devmap (bpf/rxl_maps.h): if @dir has none, this attachment's is pinned
 * there.
 */
int cli_reuse_pins(struct cli *c, struct bpf_object *obj, const char *dir,
		   __u32 slots, bool take)
{
	char path[PATH_MAX + 32];
	struct bpf_map *m;
	int fd, err;

	bpf_object__for_each_map(m, obj) {
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(m));
		fd = bpf_obj_get(path);
		if (fd < 0 && (cli_map_sized(m) || cli_map_conts(m))) {
			err = bpf_map__set_max_entries(m, cli_map_sized(m) ?
							  slots :
							  cli_max_conts(c));
			if (err)
				return cli_err(c, CLI_ERR, path,
					       "cannot size %s: %s",
					       bpf_map__name(m), strerror(-err));
		}
		if (fd < 0 && take && bpf_map__type(m) == BPF_MAP_TYPE_DEVMAP) {
			/* The object leaves it unpinned: pin it here. */
			err = bpf_map__set_pin_path(m, path);
			if (err)
				return cli_err(c, CLI_ERR, path,
					       "cannot pin %s: %s", path,
					       strerror(-err));
		}
		if (fd < 0)
			continue;	/* libbpf creates and pins it */
		if (cli_check_pin(c, m, fd, path)) {
			close(fd);
			return CLI_ERR;
		}
		err = take ? bpf_map__reuse_fd(m, fd) : 0;
		close(fd);
		if (!err && take)
			err = bpf_map__set_pin_path(m, NULL);
		if (err)
			return cli_err(c, CLI_ERR, path, "cannot reuse %s: %s",
				       path, strerror(-err));
	}
	return 0;
}

/* The skeleton, its maps checked against the pins in @dir (nothing made). */
static int cli_attach_open(struct cli *c, const char *dir,
			   const struct cli_attach_opts *o,
			   struct rxlane_xdp **out, __u32 *slots)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = dir);
	struct rxlane_xdp *skel;
	struct cli_ct_size ct;
	int err;

	*out = NULL;
	err = cli_rule_slots(c, dir, o, slots) ?:
	      cli_cont_slots(c, dir, o) ?:
	      cli_ct_size(c, dir, &o->ct, &ct);
	if (err)
		return err;
	skel = rxlane_xdp__open_opts(&opts);
	if (!skel)
		return cli_err(c, CLI_ERR, NULL, "cannot open the XDP object: %s",
			       strerror(errno));
	skel->rodata->rxl_deliver_redirect = o->redirect;
	cli_ct_size_maps(skel->obj, &ct);
	err = cli_reuse_pins(c, skel->obj, dir, *slots, false);
	if (err) {
		rxlane_xdp__destroy(skel);
		return err;
	}
	*out = skel;
	return 0;
}

/*
 * Load one XDP program instance over the maps of the attach directory
 * (*@dir), the records bound to it: its skeleton in *@out, the rule slots
 * its sized maps hold in *@slots.
 */
static int cli_xdp_load(struct cli *c, const struct cli_attach_opts *o,
			const char *dir, struct rxlane_xdp **out, __u32 *slots)
{
	struct rxlane_xdp *skel;
	int err;

	/* Again: the pin directory may have adopted maps meanwhile. */
	err = cli_attach_open(c, dir, o, &skel, slots);
	if (err)
		return err;
	err = cli_reuse_pins(c, skel->obj, dir, *slots, true);
	if (err) {
		rxlane_xdp__destroy(skel);
		return err;
	}
	err = rxlane_xdp__load(skel);
	if (err) {
		rxlane_xdp__destroy(skel);
		return cli_err(c, CLI_ERR, NULL,
			       "cannot load the XDP program (maps in %s): %s",
			       dir, strerror(-err));
	}
	/* The records are found through the attachment (cli_bpffs.c). */
	err = cli_bpffs_bind(c, bpf_program__fd(skel->progs.rxlane_xdp), dir);
	if (err) {
		rxlane_xdp__destroy(skel);
		return err;
	}
	*out = skel;
	return 0;
}

static int cli_load_attach(struct cli *c, const char *dev, int ifindex,
			   const struct cli_attach_opts *o)
{
	char ipr[PATH_MAX];
	const char *dir = cli_attach_dir(c, ipr, sizeof(ipr));
	LIBBPF_OPTS(bpf_xdp_attach_opts, undo);
	struct rxlane_xdp *skel;
	struct cli_ct_size ct;
	__u32 slots;
	int err;

	err = cli_xdp_load(c, o, dir, &skel, &slots);
	if (err)
		return err;
	err = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.rxlane_xdp),
			     o->flags | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	if (err) {
		rxlane_xdp__destroy(skel);
		return cli_err(c, CLI_ERR, dev, "cannot attach to %s: %s%s", dev,
			       strerror(-err),
			       err == -EOPNOTSUPP || err == -EINVAL ?
			       " (try 'mode generic')" : "");
	}
	/* Connection tracking's egress half (ct_attach.c); undone on failure. */
	err = cli_ct_size(c, dir, NULL, &ct) ?:
	      cli_tc_attach(c, dir, dev, ifindex, slots, &ct);
	if (err) {
		undo.old_prog_fd = bpf_program__fd(skel->progs.rxlane_xdp);
		bpf_xdp_detach(ifindex, o->flags, &undo);
	}
	rxlane_xdp__destroy(skel);
	return err;
}

int cli_progs_load(struct cli *c, int *xdp_fd, int *tc_fd)
{
	struct cli_attach_opts o = {};
	char ipr[PATH_MAX];
	const char *dir;
	struct rxlane_xdp *skel = NULL;
	struct cli_ct_size ct;
	__u32 slots;
	int err;

	*xdp_fd = -1;
	*tc_fd = -1;
	err = cli_attach_check_dir(c);
	if (!err)
		err = cli_state_open(c, true);
	if (err)
		return err;
	dir = cli_attach_dir(c, ipr, sizeof(ipr));
	err = cli_xdp_load(c, &o, dir, &skel, &slots) ?:
	      cli_ct_size(c, dir, NULL, &ct) ?:
	      cli_tc_load(c, dir, slots, &ct, tc_fd);
	if (!err) {
		*xdp_fd = dup(bpf_program__fd(skel->progs.rxlane_xdp));
		if (*xdp_fd < 0)
			err = cli_err(c, CLI_ERR, NULL, "dup: %s",
				      strerror(errno));
	}
	if (err && *tc_fd >= 0) {
		close(*tc_fd);
		*tc_fd = -1;
	}
	rxlane_xdp__destroy(skel);
	return err;
}

/*
 * rxlane's XDP program is on @dev already: add what of the attachment is
 * missing (the tc egress filter, ct_attach.c) and say so; with nothing
 * missing, refuse as before ("already attached"), changing nothing.
 */
static int cli_attach_repair(struct cli *c, const char *dev, int ifindex,
			     __u32 prog_id, const struct cli_attach_opts *o)
{
	char ipr[PATH_MAX];
	bool added;
	int err;

	err = cli_attach_check_dir(c) ?: cli_state_open(c, !c->dry_run);
	if (!err)
		err = cli_tc_repair(c, cli_attach_dir(c, ipr, sizeof(ipr)),
				    dev, ifindex, &o->ct, &added);
	if (err)
		return err;
	if (!added)
		return cli_err(c, CLI_ERR, dev,
			       "rxlane is already attached to %s (program %u)",
			       dev, prog_id);
	if (!c->dry_run)
		fprintf(stderr,
			"%s: rxlane was attached to %s without its tc egress program: re-added it\n",
			c->prog, dev);
	return 0;
}

int cmd_attach(struct cli *c, int argc, char **argv)
{
	struct rxlane_xdp *skel = NULL;
	struct cli_attach_opts o;
	char ipr[PATH_MAX];
	__u32 prog_id = 0, slots;
	int ifindex, err;

	if (argc < 1)
		return cli_usage_err(c, NULL,
				     "usage: attach DEV [mode native|generic|auto] [redirect] [max-rules N] [max-containers N] [ct-size N] [ct-half-open N]");
	err = cli_parse_attach(c, argc, argv, &o);
	if (err)
		return err;
	ifindex = cli_dev(c, argv[0]);
	if (!ifindex)
		return CLI_ERR;
	if (!bpf_xdp_query_id(ifindex, 0, &prog_id) && prog_id) {
		if (cli_is_rxlane(ifindex))
			return cli_attach_repair(c, argv[0], ifindex, prog_id,
						 &o);
		return cli_err(c, CLI_ERR, argv[0],
			       "%s already has XDP program %u: detach it first",
			       argv[0], prog_id);
	}
	/* Every check that can refuse runs before anything is created. */
	err = cli_attach_check_dir(c);
	if (!err)
		err = cli_attach_open(c, cli_attach_dir(c, ipr, sizeof(ipr)),
				      &o, &skel, &slots);
	rxlane_xdp__destroy(skel);
	if (!err)
		err = cli_state_open(c, !c->dry_run);
	if (err || c->dry_run)
		return err;
	return cli_load_attach(c, argv[0], ifindex, &o);
}

static bool cli_prog_is_rxlane(__u32 prog_id)
{
	struct rxl_fw fw;

	if (rxl_fw_open_prog(&fw, prog_id))
		return false;
	rxl_fw_close(&fw);
	return true;
}

/*
 * The program to detach from @ifindex: rxlane's, in the mode it is
 * attached in (a device may hold a native and a generic program at once).
 * 0 with *@prog_id 0 when the device has no program.
 */
static int cli_detach_target(int ifindex, __u32 *prog_id, __u32 *mode)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int err = bpf_xdp_query(ifindex, 0, &q);

	*prog_id = 0;
	if (err)
		return err;
	*prog_id = q.prog_id;
	*mode = q.attach_mode == XDP_ATTACHED_SKB ? XDP_FLAGS_SKB_MODE :
		XDP_FLAGS_DRV_MODE;
	if (q.attach_mode != XDP_ATTACHED_MULTI)
		return 0;
	*prog_id = q.drv_prog_id;
	if (!cli_prog_is_rxlane(q.drv_prog_id) && q.skb_prog_id) {
		*prog_id = q.skb_prog_id;
		*mode = XDP_FLAGS_SKB_MODE;
	}
	return 0;
}

/*
 * Whether the program @prog_id on @dev runs with this CLI's maps: those
 * pinned where attach would put them (the pin directory, else iproute2's).
 * Nothing pinned there is no refusal (the pins were removed: the program
 * is found through the device, cli.rst "Where the state lives"); another
 * set pinned there is, since that instance did not attach it: a detach
 * with the wrong -P would leave the other instance's containers without
 * their program.
 */
static int cli_detach_ours(struct cli *c, const char *dev, __u32 prog_id)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), id;
	char ipr[PATH_MAX], path[PATH_MAX + 32];
	const char *dir = cli_attach_dir(c, ipr, sizeof(ipr));
	int fd;

	snprintf(path, sizeof(path), "%s/rxl_config", dir);
	fd = bpf_obj_get(path);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return cli_err(c, CLI_ERR, path, "cannot open %s: %s", path,
			       strerror(errno));
	id = bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
	close(fd);
	if (id && id == cli_prog_config_id(prog_id))
		return 0;
	return cli_err(c, CLI_ERR, dev,
		       "rxlane program %u on %s runs with other maps than those pinned in %s: not detaching it (detach it with the pin directory that attached it)",
		       prog_id, dev, dir);
}

/*
 * Detach only the program that was checked: XDP_FLAGS_REPLACE with the
 * checked program as the expected one (bpf_xdp_detach's old_prog_fd), so
 * that a program another loader attached between the check and the
 * detach stays (the kernel answers EEXIST). The fd also keeps the checked
 * program's id from being reused meanwhile.
 */
int cmd_detach(struct cli *c, int argc, char **argv)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	__u32 prog_id, mode;
	int ifindex, err, fd;

	if (argc != 1)
		return cli_usage_err(c, argc ? argv[1] : NULL,
				     "usage: detach DEV");
	ifindex = cli_dev(c, argv[0]);
	if (!ifindex)
		return CLI_ERR;
	err = cli_detach_target(ifindex, &prog_id, &mode);
	if (err || !prog_id)
		return cli_err(c, CLI_ERR, argv[0], "no XDP program on %s",
			       argv[0]);
	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return cli_err(c, CLI_ERR, argv[0],
			       "XDP program %u on %s: %s", prog_id, argv[0],
			       strerror(errno));
	if (!cli_prog_is_rxlane(prog_id)) {
		close(fd);
		return cli_err(c, CLI_ERR, argv[0],
			       "XDP program %u on %s is not rxlane's: not detaching it",
			       prog_id, argv[0]);
	}
	err = cli_detach_ours(c, argv[0], prog_id);
	if (err) {
		close(fd);
		return err;
	}
	opts.old_prog_fd = fd;
	err = c->dry_run ? 0 : bpf_xdp_detach(ifindex, mode, &opts);
	close(fd);
	if (!err)
		err = cli_tc_detach(c, argv[0], ifindex);
	if (err > 0)
		return err;
	if (err == -EEXIST)
		return cli_err(c, CLI_ERR, argv[0],
			       "the XDP program on %s is no longer rxlane's program %u (another loader replaced it): not detaching it",
			       argv[0], prog_id);
	if (err)
		return cli_err(c, CLI_ERR, argv[0], "cannot detach from %s: %s",
			       argv[0], strerror(-err));
	return 0;
}

/* ---- status ------------------------------------------------------------ */

/* Offset of variable @name in the DATASEC of a map's value, or -1. */
static int cli_rodata_off(const struct bpf_map_info *mi, const char *name)
{
	const struct btf_var_secinfo *vs;
	const struct btf_type *t;
	struct btf *btf;
	int off = -1, i;

	if (!mi->btf_id || !mi->btf_value_type_id)
		return -1;
	btf = btf__load_from_kernel_by_id(mi->btf_id);
	if (!btf)
		return -1;
	t = btf__type_by_id(btf, mi->btf_value_type_id);
	if (!t || !btf_is_datasec(t))
		goto out;
	vs = btf_var_secinfos(t);
	for (i = 0; i < btf_vlen(t); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);

		if (v && !strcmp(btf__name_by_offset(btf, v->name_off), name) &&
		    vs->size == sizeof(__u32) &&
		    vs->offset + sizeof(__u32) <= mi->value_size) {
			off = vs->offset;
			break;
		}
	}
out:
	btf__free(btf);
	return off;
}

/*
 * How the program delivers, from rxl_deliver_redirect in its .rodata map:
 * "pass" or "redirect"; "unknown" when it has no such variable (an rxlane
 * build from before the choice existed, which always redirected) or it
 * cannot be read.
 */
static const char *cli_prog_delivery(__u32 prog_id)
{
	struct bpf_prog_info info = {};
	__u32 ids[64], len = sizeof(info), i, zero = 0, val = 0;
	int fd = bpf_prog_get_fd_by_id(prog_id), err, got = 0;

	if (fd < 0)
		return "unknown";
	info.nr_map_ids = 64;
	info.map_ids = (__u64)(unsigned long)ids;
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	for (i = 0; !err && !got && i < info.nr_map_ids && i < 64; i++) {
		struct bpf_map_info mi = {};
		__u32 mlen = sizeof(mi);
		size_t nl;
		void *v;
		int off;

		fd = bpf_map_get_fd_by_id(ids[i]);
		if (fd < 0)
			continue;
		nl = bpf_obj_get_info_by_fd(fd, &mi, &mlen) ? 0 :
		     strlen(mi.name);
		off = nl > 7 && !strcmp(mi.name + nl - 7, ".rodata") ?
		      cli_rodata_off(&mi, "rxl_deliver_redirect") : -1;
		v = off >= 0 ? calloc(1, mi.value_size) : NULL;
		if (v && !bpf_map_lookup_elem(fd, &zero, v)) {
			memcpy(&val, (char *)v + off, sizeof(val));
			got = 1;
		}
		free(v);
		close(fd);
	}
	return !got ? "unknown" : val ? "redirect" : "pass";
}

/* One attachment: an object of "attached", a line of text. */
static void cli_status_link(struct cli *c, const struct cli_xdp_link *l)
{
	bool ours = cli_prog_is_rxlane(l->prog_id);

	cli_open_object(c, NULL);
	cli_print_str(c, CLI_ANY, "dev", "dev %s", l->name);
	cli_print_uint(c, CLI_JSON, "ifindex", NULL, l->ifindex);
	cli_print_uint(c, CLI_ANY, "prog_id", " prog %llu", l->prog_id);
	cli_print_str(c, CLI_ANY, "mode", " mode %s", cli_mode_name(l->mode));
	cli_print_bool(c, CLI_JSON, "rxlane", NULL, ours);
	if (ours)
		cli_print_str(c, CLI_ANY, "delivery", " delivery %s",
			      cli_prog_delivery(l->prog_id));
	else
		cli_printf(c, " (not rxlane)");
	cli_print_nl(c);
	cli_close(c);
}

/*
 * Bytes every possible CPU holds for the per-CPU maps (the counters): the
 * kernel allocates max_entries values, each rounded up to 8 bytes, per
 * possible CPU when the map is created.
 */
static __u64 cli_percpu_bytes(struct cli *c)
{
	const int fds[] = { c->fw.rule_cnt, c->fw.cont_cnt, c->fw.drops,
			    c->fw.stats };
	__u64 sum = 0;
	unsigned int i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_obj_get_info_by_fd(fds[i], &info, &len))
			sum += (__u64)info.max_entries *
			       ((info.value_size + 7) & ~7U);
	}
	return sum;
}

/* The limits the maps were sized for at load, and what they cost. */
static void cli_status_limits(struct cli *c)
{
	__u32 max_rules = RXL_RULES_OF_SLOTS(c->fw.rule_slots);
	__u64 bytes = cli_percpu_bytes(c);

	cli_print_uint(c, CLI_ANY, "max_rules", "max-rules %llu", max_rules);
	cli_print_uint(c, CLI_ANY, "max_containers", " max-containers %llu",
		       c->fw.max_conts);
	cli_print_uint(c, CLI_JSON, "percpu_bytes", NULL, bytes);
	cli_print_real(c, CLI_TEXT, NULL, " counters %.1f KiB per CPU\n",
		       bytes / 1024.0);
}

static void cli_status_counts(struct cli *c)
{
	struct cli_rule_key *keys = NULL;
	struct cli_rule *rules = NULL;
	struct cli_cont *all = NULL;
	unsigned int nc = 0, nr = 0;

	cli_cont_all(c, &all, &nc);
	cli_rules_all(c, &keys, &rules, &nr);
	cli_print_uint(c, CLI_ANY, "container_count", "containers %llu", nc);
	cli_print_uint(c, CLI_ANY, "rule_count", " rules %llu\n", nr);
	free(all);
	free(keys);
	free(rules);
}

int cmd_status(struct cli *c, int argc, char **argv)
{
	struct cli_xdp_link *links = NULL;
	unsigned int n = 0, i;
	int ifindex = 0, err;

	if (argc > 1)
		return cli_usage_err(c, argv[1], "unexpected '%s'", argv[1]);
	if (argc) {
		ifindex = cli_dev(c, argv[0]);
		if (!ifindex)
			return CLI_ERR;
	}
	err = cli_open_ro(c);
	if (err)
		return err;
	err = cli_xdp_links(c, ifindex, &links, &n);
	if (err)
		return err;
	cli_open_array(c, "attached");
	for (i = 0; i < n; i++)
		cli_status_link(c, &links[i]);
	cli_close(c);
	free(links);
	if (!n && argc)
		cli_printf(c, "no XDP program on %s\n", argv[0]);
	else if (!n)
		cli_printf(c, "not attached in this network namespace\n");
	cli_print_str(c, CLI_ANY, "pin_dir", "pins %s\n", c->pin_dir);
	/* No maps found: no member (the schema's maps is a path). */
	if (!cli_fw_find(c))
		cli_print_str(c, CLI_ANY, "maps", "maps %s\n", c->maps_dir);
	if (c->fw_open)
		cli_status_limits(c);
	cli_status_counts(c);
	return 0;
}
