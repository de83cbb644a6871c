/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rxl_frag.h - IPv4 and IPv6 fragments follow their first fragment,
 * shared by the XDP ingress path (rxl_fastpath.h) and the tc egress
 * program (rxlane_tc.bpf.c).
 *
 * Only the first fragment of a datagram carries its ports, so only it
 * can be judged by port rules or matched to a tracked connection. When it
 * passes, its datagram, (source, destination, IP id, protocol), is noted
 * in rxl_frag4 (IPv6: the fragment header's 32-bit identification and
 * next header, in rxl_frag6) with the container's id, the overlay path it
 * took (binding and remote VTEP, none for a bare one) and an expiry
 * RXL_FRAG_TIMEOUT_NS ahead; a later fragment (offset > 0) of a noted,
 * unexpired datagram of the same container, along the same path, gets
 * the first fragment's verdict, pass. Nothing is
 * buffered: a later fragment that arrives before its first one misses
 * (Documentation/conntrack.rst, "Fragments").
 *
 * Only fragments reach these functions: a packet without MF and offset
 * costs nothing here.
 *
 * Context: softirq (XDP, tc), or BPF_PROG_TEST_RUN. Never sleeps.
 */
#ifndef _RXL_FRAG_H
#define _RXL_FRAG_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "rxl_maps.h"

/**
 * rxl_frag4_note() - note that the first fragment of a datagram passed
 * @zone: the container it belongs to
 * @saddr: its source address
 * @daddr: its destination address
 * @id: its IP identification, as on the wire
 * @proto: its protocol
 * @pv: the overlay path it took (tun, vtep; zeroed for none)
 *
 * A full table evicts the least recently noted datagram: its later
 * fragments are then judged as if their first never came.
 */
static __always_inline void rxl_frag4_note(__u32 zone, __be32 saddr,
					   __be32 daddr, __be16 id, __u8 proto,
					   const struct rxl_ct_val *pv)
{
	struct rxl_frag4_key k = {
		.saddr = saddr,
		.daddr = daddr,
		.id = id,
		.proto = proto,
	};
	struct rxl_frag_val v = {
		.expires = bpf_ktime_get_coarse_ns() + RXL_FRAG_TIMEOUT_NS,
		.zone = zone,
		.tun = pv->tun,
	};

	__builtin_memcpy(v.vtep, pv->vtep, 16);
	bpf_map_update_elem(&rxl_frag4, &k, &v, BPF_ANY);
}

/*
 * Whether note @v lets a later fragment of container @zone that came or
 * goes along overlay path @pv follow: the same container, the same path
 * exactly (a datagram's fragments all take its sender's; a later one
 * that comes another way, bare or through another binding or VTEP, is
 * not its first fragment's, as a tracked flow's packet from another path
 * is not its entry's: rxl_ct_other_path()), not expired.
 */
static __always_inline int rxl_frag_match(const struct rxl_frag_val *v,
					  __u32 zone,
					  const struct rxl_ct_val *pv)
{
	const __u64 *a = (const __u64 *)v->vtep;
	const __u64 *b = (const __u64 *)pv->vtep;

	return v->zone == zone && v->tun == pv->tun && a[0] == b[0] &&
	       a[1] == b[1] && v->expires > bpf_ktime_get_coarse_ns();
}

/**
 * rxl_frag4_follows() - whether a later fragment follows a passed first
 * @zone: the container the later fragment belongs to
 * @saddr: its source address
 * @daddr: its destination address
 * @id: its IP identification, as on the wire
 * @proto: its protocol
 * @pv: the overlay path it came or goes along (zeroed for none)
 *
 * Return: 1 when the first fragment of the same datagram passed for
 * container @zone along the same path and has not expired, else 0.
 * Reads only.
 */
static __always_inline int rxl_frag4_follows(__u32 zone, __be32 saddr,
					     __be32 daddr, __be16 id,
					     __u8 proto,
					     const struct rxl_ct_val *pv)
{
	struct rxl_frag4_key k = {
		.saddr = saddr,
		.daddr = daddr,
		.id = id,
		.proto = proto,
	};
	const struct rxl_frag_val *v = bpf_map_lookup_elem(&rxl_frag4, &k);

	return v && rxl_frag_match(v, zone, pv);
}

/* The rxl_frag6 key of a datagram (rxl_frag6_note()'s arguments). */
static __always_inline void rxl_frag6_key(struct rxl_frag6_key *k,
					  const void *saddr,
					  const void *daddr, __be32 id,
					  __u8 nexthdr)
{
	__builtin_memcpy(k->saddr, saddr, 16);
	__builtin_memcpy(k->daddr, daddr, 16);
	k->id = id;
	k->nexthdr = nexthdr;
}

/**
 * rxl_frag6_note() - note that the first fragment of an IPv6 datagram passed
 * @zone: the container it belongs to
 * @saddr: its source address (16 bytes)
 * @daddr: its destination address (16 bytes)
 * @id: the fragment header's identification, as on the wire
 * @nexthdr: the fragment header's next header
 * @pv: the overlay path it took (tun, vtep; zeroed for none)
 *
 * As rxl_frag4_note().
 */
static __always_inline void rxl_frag6_note(__u32 zone, const void *saddr,
					   const void *daddr, __be32 id,
					   __u8 nexthdr,
					   const struct rxl_ct_val *pv)
{
	struct rxl_frag6_key k = {};
	struct rxl_frag_val v = {
		.expires = bpf_ktime_get_coarse_ns() + RXL_FRAG_TIMEOUT_NS,
		.zone = zone,
		.tun = pv->tun,
	};

	__builtin_memcpy(v.vtep, pv->vtep, 16);
	rxl_frag6_key(&k, saddr, daddr, id, nexthdr);
	bpf_map_update_elem(&rxl_frag6, &k, &v, BPF_ANY);
}

/**
 * rxl_frag6_follows() - whether a later IPv6 fragment follows a passed first
 * @zone: the container the later fragment belongs to
 * @saddr: its source address (16 bytes)
 * @daddr: its destination address (16 bytes)
 * @id: the fragment header's identification, as on the wire
 * @nexthdr: the fragment header's next header
 * @pv: the overlay path it came or goes along (zeroed for none)
 *
 * Return: as rxl_frag4_follows(). Reads only.
 */
static __always_inline int rxl_frag6_follows(__u32 zone, const void *saddr,
					     const void *daddr, __be32 id,
					     __u8 nexthdr,
					     const struct rxl_ct_val *pv)
{
	struct rxl_frag6_key k = {};
	const struct rxl_frag_val *v;

	rxl_frag6_key(&k, saddr, daddr, id, nexthdr);
	v = bpf_map_lookup_elem(&rxl_frag6, &k);
	return v && rxl_frag_match(v, zone, pv);
}

#endif /* _RXL_FRAG_H */
