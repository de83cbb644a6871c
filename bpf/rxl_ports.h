/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rxl_ports.h - the anti-spoofing bindings (include/rxlane_maps.h),
 * written by user/fw_port.c: rxl_maps.h includes it with the fast path's
 * other maps, rxlane_guard.bpf.c alone (it reads no other map).
 */
#ifndef _RXL_PORTS_H
#define _RXL_PORTS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "rxlane_maps.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RXL_MAX_PORTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct rxl_port_key);
	__type(value, struct rxl_port);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_ports SEC(".maps");

#endif /* _RXL_PORTS_H */
