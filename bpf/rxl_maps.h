/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rxl_maps.h - BPF map definitions of the rxlane XDP fast path.
 *
 * Every map but the device map is pinned by name (LIBBPF_PIN_BY_NAME):
 * iproute2 pins them under /sys/fs/bpf/tc/globals/, the rxlane loader
 * under its own root, and a second load of the object reuses whatever is
 * already pinned there. Keys and values are the structs of
 * include/rxlane_maps.h.
 *
 * The rule maps' max_entries here are the defaults for RXL_DEFAULT_RULES;
 * 'rxlane attach ... max-rules N' sets RXL_RULE_SLOTS(N) before the load
 * (bpf_map__set_max_entries), and every loader that reuses pinned maps
 * takes them at the size they were made.
 */
#ifndef _RXL_MAPS_H
#define _RXL_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "rxlane_maps.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rxl_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RXL_MAX_VTEPS);
	__type(key, __u32);
	__type(value, struct rxl_vtep);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_vteps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RXL_VNI_WORDS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_vnis SEC(".maps");

/*
 * Address -> container id. An address's value never changes while it
 * exists: the rules live in rxl_conts, so a rule replace touches no
 * address.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RXL_MAX_ADDRS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __be32);
	__type(value, struct rxl_addr_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_addrs4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RXL_MAX_ADDRS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct rxl_in6);
	__type(value, struct rxl_addr_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_addrs6 SEC(".maps");

/*
 * Container id -> its value, double-buffered (struct rxl_cont_slot):
 * read-only to the programs. Mmapable, so that userspace writes the idle
 * buffer and flips @live with one aligned store (a map update is a
 * memcpy over the whole slot, live buffer included). Sized at load for
 * max-containers, as rxl_cont_cnt.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RXL_DEFAULT_CONTAINERS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct rxl_cont_slot);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_conts SEC(".maps");

/*
 * The live value of container @id, or NULL. @live is read once: it may
 * flip under the packet, and both buffers stay intact for a grace period
 * after it does. An ARRAY lookup is inlined by the verifier: two loads.
 */
static __always_inline const struct rxl_container *rxl_cont_get(__u32 id)
{
	const struct rxl_cont_slot *s = bpf_map_lookup_elem(&rxl_conts, &id);
	__u64 live;

	if (!s)
		return NULL;
	live = *(const volatile __u64 *)&s->live;
	if (live == 1)
		return &s->buf[0];
	if (live == 2)
		return &s->buf[1];
	return NULL;
}

/*
 * The address cache (include/rxlane_maps.h): read-only to the program.
 * The selector is mmapable so that userspace flips a slot with one
 * aligned store, which a map update (a memcpy) does not promise.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RXL_ACACHE_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_acache_sel SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * RXL_ACACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct rxl_acache_ent);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_acache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RXL_RULE_SLOTS(RXL_DEFAULT_RULES));
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct rxl_rule4_key);
	__type(value, struct rxl_rule_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_rules4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RXL_RULE_SLOTS(RXL_DEFAULT_RULES));
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct rxl_rule6_key);
	__type(value, struct rxl_rule_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_rules6 SEC(".maps");

/*
 * Not pinned by the object. The kernel creates every DEVMAP with
 * BPF_F_RDONLY_PROG added to its flags and refuses that flag in a
 * create request, while libbpf (1.1, iproute2's) reuses a pin only if its
 * flags equal the definition's: no definition both creates and reuses a
 * pinned devmap, so a pinned one made every later 'ip link set ... xdp
 * obj' fail. Each program instance gets its own, unless its loader reuses
 * the pinned one by fd: user/fw.c pins one in a pin directory that has
 * none, and 'rxlane attach' reuses it (or pins its own). Only attachments
 * with rxl_deliver_redirect set ever read it; iproute2's do not.
 */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, RXL_DEFAULT_CONTAINERS);
	__type(key, __u32);
	__type(value, __u32);
} rxl_tx_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RXL_RULE_SLOTS(RXL_DEFAULT_RULES));
	__type(key, __u32);
	__type(value, struct rxl_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_rule_cnt SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RXL_DEFAULT_CONTAINERS);
	__type(key, __u32);
	__type(value, struct rxl_cont_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_cont_cnt SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RXL_DROP__MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RXL_STAT__MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_stats SEC(".maps");

/*
 * First fragments that passed, shared with the tc egress program
 * (bpf/rxl_frag.h, Documentation/conntrack.rst "Fragments").
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RXL_FRAG_ENTRIES);
	__type(key, struct rxl_frag4_key);
	__type(value, struct rxl_frag_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_frag4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RXL_FRAG_ENTRIES);
	__type(key, struct rxl_frag6_key);
	__type(value, struct rxl_frag_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_frag6 SEC(".maps");

/*
 * Connection tracking (Documentation/conntrack.rst), shared with the tc
 * egress program (rxlane_tc.bpf.c), which defines the same maps and
 * reuses these pins. The tables' max_entries is the default; 'rxlane
 * attach DEV ct-size N' sets it before the first load.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RXL_CT_DEFAULT_ENTRIES);
	__type(key, struct rxl_ct4_key);
	__type(value, struct rxl_ct_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_ct4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RXL_CT_DEFAULT_ENTRIES);
	__type(key, struct rxl_ct6_key);
	__type(value, struct rxl_ct_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_ct6 SEC(".maps");

/*
 * Half-open entries (a new flow not assured yet: the opener has not
 * spoken again after an answer) live in their own small LRU tables, so that a
 * flood of new flows churns only these and never evicts an assured
 * entry from rxl_ct4/rxl_ct6 (Documentation/conntrack.rst, "A full
 * table"). 'rxlane attach DEV ct-half-open N' sets their size.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RXL_CT_DEFAULT_HALF_OPEN);
	__type(key, struct rxl_ct4_key);
	__type(value, struct rxl_ct_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_ct4_half SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RXL_CT_DEFAULT_HALF_OPEN);
	__type(key, struct rxl_ct6_key);
	__type(value, struct rxl_ct_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_ct6_half SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rxl_ct_timeouts);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_ct_timeouts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RXL_CT_STAT__MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_ct_stats SEC(".maps");

/* Anti-spoofing: rxl_ports (rxl_ports.h, also the guard's). */
#include "rxl_ports.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RXL_DEFAULT_CONTAINERS);
	__type(key, __u32);
	__type(value, struct rxl_port_key);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_cont_port SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RXL_DEFAULT_CONTAINERS);
	__type(key, __u32);
	__type(value, struct rxl_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rxl_spoof_cnt SEC(".maps");

#endif /* _RXL_MAPS_H */
