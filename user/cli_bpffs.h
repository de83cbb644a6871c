/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cli_bpffs.h - the CLI's state across mount and network namespaces
 * (cli_bpffs.c): mount bpffs where none is, adopt the maps of the rxlane
 * program attached in this network namespace, bind the CLI's records to
 * the programs that use them.
 */
#ifndef _RXLANE_CLI_BPFFS_H
#define _RXLANE_CLI_BPFFS_H

#include <stdbool.h>

struct cli;

/*
 * Before the pin directory is opened. Without pins there: for a change
 * (@create), mount bpffs on /sys/fs/bpf if the pin directory is under it
 * and none is mounted, and pin the maps of the rxlane program attached in
 * this netns into the pin directory; for a read, set c->conts_fd and
 * c->rules_fd to that program's bound records (the pin directory is then
 * not opened). 0 or an exit code, with the message printed.
 */
int cli_bpffs_prepare(struct cli *c, bool create);
/*
 * Bind c->conts_fd and c->rules_fd (BPF_PROG_BIND_MAP), and the
 * anti-spoofing maps pinned in @dir (rxl_ports, rxl_cont_port,
 * rxl_spoof_cnt: the XDP program does not use them), to @prog_fd; or when
 * it is -1 to every rxlane program in this netns that uses the pinned
 * rxl_config, with the maps pinned beside it (@dir unused). 0 or an exit
 * code, with the message printed.
 */
int cli_bpffs_bind(struct cli *c, int prog_fd, const char *dir);
/* The id of the map pinned as @dir/@name, 0: none. */
__u32 cli_pinned_id(const char *dir, const char *name);
/*
 * Create the pin directory (0700) unless it exists; refused, with nothing
 * made, when its parent is not on bpffs. 0 or an exit code, with the
 * message printed.
 */
int cli_pin_dir_make(struct cli *c);
/*
 * A map named @name of the rxlane program attached to @dev (XDP) in this
 * netns: its fd, or -errno (-ENOENT: no such program or map). For reads
 * that adopted a program's maps by fd (c->maps_dir "dev NAME").
 */
int cli_attached_map(const char *dev, const char *name);
/* The id of program @prog_id's rxl_config (its map set), 0: none. */
__u32 cli_prog_config_id(__u32 prog_id);

#endif /* _RXLANE_CLI_BPFFS_H */
