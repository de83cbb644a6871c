/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pktbuild.h - build test frames header by header.
 *
 * Each pk_*() appends one header; pk_finish() then writes every length
 * field (IPv4 total length and checksum, IPv6 payload length, UDP length)
 * from the frame's current end, so a frame cut short with pk_cut() and
 * finished again is consistent: the cut lands in the header it cuts.
 * Every header also records a region with the drop reason the fast path
 * must give when the frame ends inside it (pk_expect_cut()).
 */
#ifndef _PKTBUILD_H
#define _PKTBUILD_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "rxlane_maps.h"

#define PK_MAX		2048
#define PK_MAX_FIX	16
#define PK_MAX_REG	32

enum pk_fix_kind { PK_FIX_IP4, PK_FIX_IP6, PK_FIX_UDP };

struct pk_region {
	size_t end;		/* a frame shorter than this ... */
	int reason;		/* ... is dropped for this reason */
};

struct pkt {
	uint8_t b[PK_MAX];
	size_t len;
	struct { int kind; size_t off; } fix[PK_MAX_FIX];
	int nfix;
	struct pk_region reg[PK_MAX_REG];
	int nreg;
	size_t inner;		/* offset of the inner Ethernet header */
};

static inline void pk_init(struct pkt *p)
{
	memset(p, 0, sizeof(*p));
}

static inline uint8_t *pk_put(struct pkt *p, size_t n, int reason)
{
	uint8_t *h = p->b + p->len;

	memset(h, 0, n);
	p->len += n;
	if (reason >= 0 && p->nreg < PK_MAX_REG) {
		p->reg[p->nreg].end = p->len;
		p->reg[p->nreg++].reason = reason;
	}
	return h;
}

static inline void pk_fix(struct pkt *p, int kind, size_t off)
{
	p->fix[p->nfix].kind = kind;
	p->fix[p->nfix++].off = off;
}

static inline void pk_put16(uint8_t *h, uint16_t v)
{
	h[0] = v >> 8;
	h[1] = v & 0xff;
}

static inline void pk_put24(uint8_t *h, uint32_t v)
{
	h[0] = v >> 16;
	h[1] = v >> 8;
	h[2] = v;
}

/* Ethernet; @inner marks the start of a tunnelled frame. */
static inline void pk_eth(struct pkt *p, uint16_t type, int inner)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	uint8_t *h;

	if (inner)
		p->inner = p->len;
	h = pk_put(p, 14, inner ? RXL_DROP_TUNNEL_TRUNC : RXL_DROP_L2_TRUNC);
	memcpy(h, dst, 6);
	memcpy(h + 6, src, 6);
	pk_put16(h + 12, type);
}

static inline void pk_vlan(struct pkt *p, uint16_t tci, uint16_t type)
{
	uint8_t *h = pk_put(p, 4, RXL_DROP_L2_TRUNC);

	pk_put16(h, tci);
	pk_put16(h + 2, type);
}

/* IPv4 with @optlen bytes of options (NOPs). */
static inline void pk_ip4_opt(struct pkt *p, const char *src, const char *dst,
			      uint8_t proto, int optlen)
{
	uint8_t *h;

	pk_fix(p, PK_FIX_IP4, p->len);
	h = pk_put(p, 20 + optlen, RXL_DROP_IPV4_TRUNC);
	h[0] = 0x40 | ((20 + optlen) / 4);
	h[8] = 64;
	h[9] = proto;
	inet_pton(AF_INET, src, h + 12);
	inet_pton(AF_INET, dst, h + 16);
	memset(h + 20, 1, optlen);
}

static inline void pk_ip4(struct pkt *p, const char *src, const char *dst,
			  uint8_t proto)
{
	pk_ip4_opt(p, src, dst, proto, 0);
}

static inline void pk_ip6(struct pkt *p, const char *src, const char *dst,
			  uint8_t nexthdr)
{
	uint8_t *h;

	pk_fix(p, PK_FIX_IP6, p->len);
	h = pk_put(p, 40, RXL_DROP_IPV6_TRUNC);
	h[0] = 0x60;
	h[6] = nexthdr;
	h[7] = 64;
	inet_pton(AF_INET6, src, h + 8);
	inet_pton(AF_INET6, dst, h + 24);
}

/* An options-style extension header of (@len8 + 1) * 8 bytes. */
static inline void pk_ip6_ext(struct pkt *p, uint8_t nexthdr, uint8_t len8)
{
	uint8_t *h = pk_put(p, (len8 + 1) * 8, RXL_DROP_EXTHDR_TRUNC);

	h[0] = nexthdr;
	h[1] = len8;
	h[2] = 1;	/* PadN */
	h[3] = (len8 + 1) * 8 - 4;
}

static inline void pk_ip6_frag(struct pkt *p, uint8_t nexthdr,
			       uint16_t offset8, int more)
{
	uint8_t *h = pk_put(p, 8, RXL_DROP_EXTHDR_TRUNC);

	h[0] = nexthdr;
	pk_put16(h + 2, (offset8 << 3) | (more ? 1 : 0));
	h[7] = 0x2a;	/* identification */
}

static inline void pk_udp(struct pkt *p, uint16_t sport, uint16_t dport,
			  int reason)
{
	uint8_t *h;

	pk_fix(p, PK_FIX_UDP, p->len);
	h = pk_put(p, 8, reason);
	pk_put16(h, sport);
	pk_put16(h + 2, dport);
}

static inline void pk_tcp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	uint8_t *h = pk_put(p, 20, RXL_DROP_L4_TRUNC);

	pk_put16(h, sport);
	pk_put16(h + 2, dport);
	h[12] = 5 << 4;
	h[13] = 0x02;	/* SYN */
	pk_put16(h + 14, 65535);
}

static inline void pk_icmp(struct pkt *p, uint8_t type)
{
	uint8_t *h = pk_put(p, 4, RXL_DROP_L4_TRUNC);

	h[0] = type;
	pk_put(p, 4, -1);	/* rest of the echo header: not needed */
}

static inline void pk_vxlan(struct pkt *p, uint32_t vni)
{
	uint8_t *h = pk_put(p, 8, RXL_DROP_TUNNEL_TRUNC);

	h[0] = 0x08;
	pk_put24(h + 4, vni);
}

/* GENEVE with @optlen4 four-byte words of options. */
static inline void pk_geneve(struct pkt *p, uint32_t vni, int optlen4)
{
	uint8_t *h = pk_put(p, 8, RXL_DROP_TUNNEL_TRUNC);

	h[0] = optlen4 & 0x3f;
	pk_put16(h + 2, 0x6558);
	pk_put24(h + 4, vni);
	if (optlen4) {
		h = pk_put(p, optlen4 * 4, RXL_DROP_GENEVE_OPTLEN);
		pk_put16(h, 0x0104);	/* option class */
		h[3] = optlen4 - 1;	/* type 0, length in words */
	}
}

/* NVGRE: GRE with key (VSID << 8 | flow id); @csum, @seq add fields. */
static inline void pk_nvgre(struct pkt *p, uint32_t vsid, int csum, int seq)
{
	uint16_t flags = 0x2000 | (csum ? 0x8000 : 0) | (seq ? 0x1000 : 0);
	uint8_t *h = pk_put(p, 4, RXL_DROP_TUNNEL_TRUNC);

	pk_put16(h, flags);
	pk_put16(h + 2, 0x6558);
	if (csum)
		pk_put(p, 4, RXL_DROP_TUNNEL_TRUNC);
	h = pk_put(p, 4, RXL_DROP_TUNNEL_TRUNC);
	pk_put24(h, vsid);
	h[3] = 0x5a;
	if (seq)
		pk_put(p, 4, RXL_DROP_TUNNEL_TRUNC);
}

static inline void pk_payload(struct pkt *p, size_t n)
{
	uint8_t *h = pk_put(p, n, -1);
	size_t i;

	for (i = 0; i < n; i++)
		h[i] = i & 0xff;
}

static inline uint16_t pk_csum(const uint8_t *h, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (h[i] << 8) | h[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

/* Write every length field from the current end of the frame. */
static inline void pk_finish(struct pkt *p)
{
	int i;

	for (i = 0; i < p->nfix; i++) {
		uint8_t *h = p->b + p->fix[i].off;
		size_t rest = p->len > p->fix[i].off ? p->len - p->fix[i].off : 0;

		switch (p->fix[i].kind) {
		case PK_FIX_IP4:
			pk_put16(h + 2, rest);
			pk_put16(h + 10, 0);
			pk_put16(h + 10, pk_csum(h, (h[0] & 0xf) * 4));
			break;
		case PK_FIX_IP6:
			pk_put16(h + 4, rest > 40 ? rest - 40 : 0);
			break;
		case PK_FIX_UDP:
			pk_put16(h + 4, rest);
			break;
		}
	}
}

/* Cut the frame to @len bytes and make its length fields agree. */
static inline void pk_cut(struct pkt *p, size_t len)
{
	p->len = len;
	pk_finish(p);
}

/* The drop reason for a frame cut to @len bytes, or -1: not dropped. */
static inline int pk_expect_cut(const struct pkt *p, size_t len)
{
	int i;

	for (i = 0; i < p->nreg; i++)
		if (len < p->reg[i].end)
			return p->reg[i].reason;
	return -1;
}

#endif /* _PKTBUILD_H */
