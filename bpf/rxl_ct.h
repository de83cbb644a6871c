/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rxl_ct.h - connection tracking, shared by the XDP ingress path
 * (rxl_fastpath.h) and the tc egress program (rxlane_tc.bpf.c).
 *
 * Design: Documentation/conntrack.rst. One LRU hash per family, keyed by
 * (zone = container id, proto, local = the container's side, remote), so
 * that both directions find an entry with one lookup. An entry is written
 * only on a change: its state, or its expiry when that would move by more
 * than RXL_CT_REFRESH_NS, or TCP's next sequence of a side when it
 * moves by more than RXL_CT_SEQ_SLACK. No window tracking, but an RST
 * or FIN changes an entry only when its sequence number is plausible
 * (rxl_ct_seq_plausible()). A new entry starts in the
 * family's small half-open table (rxl_ct4_half, rxl_ct6_half) and moves to
 * the main one when the other side answers, so a flood of new flows can
 * only evict half-open entries.
 *
 * Context: softirq (XDP, tc), or BPF_PROG_TEST_RUN. Never sleeps.
 */
#ifndef _RXL_CT_H
#define _RXL_CT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "rxl_consts.h"
#include "rxl_maps.h"
#include "rxl_parse.h"

#define RXL_TCP_FIN		0x01
#define RXL_TCP_SYN		0x02
#define RXL_TCP_RST		0x04
#define RXL_TCP_ACK		0x10

/*
 * The TCP flag combinations a stack sends, by the bits FIN, SYN, RST and
 * ACK (at most 0x17): SYN, SYN|ACK, RST, RST|ACK, FIN|ACK, ACK. URG, PSH,
 * ECE and CWR may come with any of them (rxl_ct_flags_valid()).
 */
#define RXL_TCP_FLAGS_JUDGED	(RXL_TCP_FIN | RXL_TCP_SYN | RXL_TCP_RST | \
				 RXL_TCP_ACK)
#define RXL_TCP_VALID_FLAGS	((1U << RXL_TCP_SYN) |			\
				 (1U << (RXL_TCP_SYN | RXL_TCP_ACK)) |	\
				 (1U << RXL_TCP_RST) |			\
				 (1U << (RXL_TCP_RST | RXL_TCP_ACK)) |	\
				 (1U << (RXL_TCP_FIN | RXL_TCP_ACK)) |	\
				 (1U << RXL_TCP_ACK))

/* rxl_ct_ingress()'s verdicts. */
#define RXL_CT_RULES		0	/* the rules' verdict stands */
#define RXL_CT_PASS		1	/* a tracked flow's, or related: pass */
#define RXL_CT_INVALID		(-1)	/* invalid TCP flags: drop */

#define RXL_ICMP_ECHO_REPLY	0
#define RXL_ICMP_ECHO		8
#define RXL_ICMP6_ECHO		128
#define RXL_ICMP6_ECHO_REPLY	129

#define RXL_ICMP_UNREACH	3
#define RXL_ICMP_TIME_EXCEEDED	11
#define RXL_ICMP_PARAMPROB	12
#define RXL_ICMP6_UNREACH	1	/* 2: packet too big, 3: time exceeded */
#define RXL_ICMP6_PARAMPROB	4
#define RXL_ICMP_ERR_HLEN	8	/* type, code, checksum, 4 bytes */
#define RXL_IP_OFFMASK		0x1fff

/* What rxl_ct_track() found. */
enum rxl_ct_res {
	RXL_CT_HIT,		/* a live entry of this flow: updated */
	RXL_CT_NEW,		/* none: one was created */
	RXL_CT_MISS,		/* none, and none created */
	RXL_CT_STALE,		/* none live, but a dead one in the main table */
	RXL_CT_OTHER_PATH,	/* a live one of another overlay path: left */
};

/*
 * The way a packet crossed the underlay travels in the caller's value,
 * @pv (struct rxl_ct_val, zeroed by the caller), as an entry keeps it:
 * @pv->tun and @pv->vtep, zero for a packet of no tunnel. The vtep is
 * the remote VTEP: the outer source of what arrives (rxl_ct_path_in()),
 * the outer destination of what leaves (the tc program's parse); IPv4
 * mapped (::ffff:a.b.c.d), so that no IPv6 address is taken for it. The
 * same value is the scratch a new or promoted entry is written from: one
 * 40-byte value on the stack, not two (6.1's verifier counts the tc
 * program's frames together against 512 bytes).
 */

/* The tracked view of one packet: ports (or ICMP id) and TCP flags. */
struct rxl_ct_tuple {
	__u16 lport;		/* the container's port, or the ICMP id */
	__u16 rport;		/* the peer's port, 0 for ICMP */
	__u8 proto;
	__u8 dir;		/* RXL_CT_OUT: from the container */
	__u8 flags;		/* TCP flags */
	__u8 opens;		/* may create an entry: SYN, UDP, echo request */
	__u8 reply;		/* ICMP: an echo reply */
	__u16 len;		/* TCP: payload bytes */
	__u32 seq;		/* TCP, host order: sequence number */
	__u32 ack;		/* TCP, host order: acknowledgment number */
};

/* Bytes of L4 header rxl_ct_tuple() reads for @proto; 0: not tracked. */
static __always_inline __u32 rxl_ct_l4_len(__u8 proto)
{
	switch (proto) {
	case RXL_IPPROTO_TCP:
		return RXL_TCP_HLEN;
	case RXL_IPPROTO_UDP:
		return RXL_UDP_HLEN;
	case RXL_IPPROTO_ICMP:
	case RXL_IPPROTO_ICMPV6:
		return 8;	/* type, code, checksum, id, sequence */
	default:
		return 0;
	}
}

/*
 * Fill @t from the L4 header at @l4 (rxl_ct_l4_len(@proto) bytes, checked
 * by the caller) of a packet going @dir, whose IP packet holds @l4_bytes
 * from @l4 on (TCP: header and payload). Returns 0, or -1 for what is not
 * tracked: ICMP other than echo.
 */
static __always_inline int rxl_ct_tuple(const __u8 *l4, __u8 proto, __u8 dir,
					__u32 l4_bytes, struct rxl_ct_tuple *t)
{
	__u16 sport, dport;
	__u32 doff;
	__u8 type;

	t->proto = proto;
	t->dir = dir;
	t->flags = 0;
	t->reply = 0;
	t->len = 0;
	t->seq = 0;
	t->ack = 0;
	if (proto == RXL_IPPROTO_ICMP || proto == RXL_IPPROTO_ICMPV6) {
		type = l4[0];
		if (type == (proto == RXL_IPPROTO_ICMP ? RXL_ICMP_ECHO_REPLY :
			     RXL_ICMP6_ECHO_REPLY))
			t->reply = 1;
		else if (type != (proto == RXL_IPPROTO_ICMP ? RXL_ICMP_ECHO :
				  RXL_ICMP6_ECHO))
			return -1;
		t->opens = !t->reply;
		t->lport = bpf_ntohs(*(__be16 *)(l4 + 4));
		t->rport = 0;
		return 0;
	}
	sport = bpf_ntohs(*(__be16 *)l4);
	dport = bpf_ntohs(*(__be16 *)(l4 + 2));
	t->lport = dir == RXL_CT_OUT ? sport : dport;
	t->rport = dir == RXL_CT_OUT ? dport : sport;
	if (proto == RXL_IPPROTO_TCP) {
		t->flags = l4[13];
		t->seq = bpf_ntohl(*(__be32 *)(l4 + 4));
		t->ack = bpf_ntohl(*(__be32 *)(l4 + 8));
		doff = (l4[12] >> 4) * 4;
		t->len = l4_bytes > doff ? l4_bytes - doff : 0;
		t->opens = (t->flags & (RXL_TCP_SYN | RXL_TCP_ACK |
					RXL_TCP_RST)) == RXL_TCP_SYN;
	} else {
		t->opens = 1;
	}
	return 0;
}

/*
 * rxl_ct_flags_valid() - whether TCP flag byte @f is a combination a TCP
 * stack sends (RXL_TCP_VALID_FLAGS), as nf_conntrack's tcp_valid_flags[]
 * has it: SYN, SYN|ACK, RST, RST|ACK, FIN|ACK or ACK, each with any of
 * URG, PSH, ECE and CWR. Anything else (SYN+FIN, SYN+RST, no flag at
 * all, FIN alone, Xmas: FIN|PSH|URG) is a scanner's or an evasion's:
 * such a segment creates, changes and refreshes no entry, and is dropped
 * where the table judges it (Documentation/conntrack.rst, "Invalid TCP
 * flags"). One mask and one shift: the judged bits are at most 0x17.
 */
static __always_inline int rxl_ct_flags_valid(__u8 f)
{
	return (RXL_TCP_VALID_FLAGS >> (f & RXL_TCP_FLAGS_JUDGED)) & 1;
}

/* Whether tuple @t is a TCP segment with invalid flags. */
static __always_inline int rxl_ct_invalid(const struct rxl_ct_tuple *t)
{
	return t->proto == RXL_IPPROTO_TCP && !rxl_ct_flags_valid(t->flags);
}

/* Count a drop for @reason in rxl_drops, as the XDP program does. */
static __always_inline void rxl_ct_count_drop(__u32 reason)
{
	__u64 *cnt = bpf_map_lookup_elem(&rxl_drops, &reason);

	if (cnt)
		*cnt += 1;
}

static __always_inline void rxl_ct_count(__u32 idx)
{
	__u64 *cnt = bpf_map_lookup_elem(&rxl_ct_stats, &idx);

	if (cnt)
		*cnt += 1;
}

/* Store IPv4 address @a (4 bytes) at @d (16) as ::ffff:a.b.c.d. */
static __always_inline void rxl_ct_vtep4(__u8 *d, const __u8 *a)
{
	__builtin_memset(d, 0, 10);
	d[10] = 0xff;
	d[11] = 0xff;
	__builtin_memcpy(d + 12, a, 4);
}

/*
 * Whether live entry @v was made through another overlay path than the
 * packet's, @pv's (a reply through another VNI or from another VTEP, or
 * a packet of the underlay for a flow of a tunnel): counted. Such a
 * packet is not the entry's: judged as new, the entry left as it is
 * (Documentation/conntrack.rst, "The tunnel in an entry"). An entry made
 * on the underlay holds no path and takes its answer from either: a
 * container's packet that leaves bare may be answered through an overlay
 * (asymmetric routing, as fastpath_nic.sh's peer answers), and a bare
 * flow had no tunnel to bind to. The VTEPs, 8-byte aligned in both, are
 * compared as two words.
 */
static __always_inline int rxl_ct_other_path(const struct rxl_ct_val *v,
					     const struct rxl_ct_val *pv)
{
	const __u64 *a = (const __u64 *)v->vtep;
	const __u64 *b = (const __u64 *)pv->vtep;

	if (!v->tun && !(a[0] | a[1]))
		return 0;
	if (v->tun == pv->tun && a[0] == b[0] && a[1] == b[1])
		return 0;
	rxl_ct_count(RXL_CT_STAT_OTHER_PATH);
	return 1;
}

/* Nanoseconds an entry in @state lives after its last refresh. */
static __always_inline __u64 rxl_ct_timeout(__u32 state)
{
	const struct rxl_ct_timeouts *to;
	__u32 zero = 0, sec = 0;

	state &= 15;
	to = bpf_map_lookup_elem(&rxl_ct_timeouts, &zero);
	if (to && state < RXL_CT_STATE__MAX)
		sec = to->sec[state];
	if (!sec)
		sec = rxl_ct_default_timeout(state);
	return sec * 1000000000ULL;
}

/* The state a new entry for @t starts in. */
static __always_inline __u8 rxl_ct_first_state(const struct rxl_ct_tuple *t)
{
	if (t->proto == RXL_IPPROTO_TCP)
		return RXL_CT_SYN_SENT;
	if (t->proto == RXL_IPPROTO_UDP)
		return RXL_CT_UDP;
	return RXL_CT_ICMP;
}

/* Entry @v's recorded next sequence number of the side sending @dir. */
static __always_inline __u32 rxl_ct_nxt(const struct rxl_ct_val *v, __u8 dir)
{
	return dir == RXL_CT_OUT ? v->nxt[0] : v->nxt[1];
}

/*
 * Set entry @v's next sequence of side @dir to @nxt. Two stores, not an
 * index: the compiler made an index into a value on the stack a bitwise
 * OR on its pointer, which the verifier refuses.
 */
static __always_inline void rxl_ct_set_nxt(struct rxl_ct_val *v, __u8 dir,
					   __u32 nxt)
{
	if (dir == RXL_CT_OUT)
		v->nxt[0] = nxt;
	else
		v->nxt[1] = nxt;
	v->seq_known |= dir;
}

/*
 * The sequence number after TCP segment @t: SYN and FIN count one. A
 * SYN's is its ISN + 1, data or not: data on a SYN (TCP Fast Open) may
 * be refused and sent again, and the answer acknowledges ISN + 1 then.
 */
static __always_inline __u32 rxl_ct_seq_end(const struct rxl_ct_tuple *t)
{
	if (t->flags & RXL_TCP_SYN)
		return t->seq + 1;
	return t->seq + t->len + !!(t->flags & RXL_TCP_FIN);
}

/*
 * Whether @seq lies at most RXL_CT_SEQ_BEHIND before, or RXL_CT_SEQ_AHEAD
 * after, @nxt, modulo 2^32 (one unsigned compare: the distance from the
 * bound's start).
 */
static __always_inline int rxl_ct_seq_near(__u32 seq, __u32 nxt)
{
	return seq - (nxt - RXL_CT_SEQ_BEHIND) <=
	       RXL_CT_SEQ_BEHIND + RXL_CT_SEQ_AHEAD;
}

/*
 * rxl_ct_seq_plausible() - whether RST or FIN @t may change entry @v
 *
 * Its sequence number must lie near (rxl_ct_seq_near()) its sender's
 * recorded next sequence: an off-path source that guessed the tuple must
 * also guess that. In syn_sent the answerer has none recorded: its RST
 * (or FIN) must acknowledge the opener's SYN exactly (ACK set, ack =
 * ISN + 1), as a stack's RST refusing a SYN does (its sequence number
 * is 0). An entry that records neither side's (written by an older
 * build) is judged as before: plausible.
 */
static __always_inline int rxl_ct_seq_plausible(const struct rxl_ct_val *v,
						const struct rxl_ct_tuple *t)
{
	if (v->seq_known & t->dir)
		return rxl_ct_seq_near(t->seq, rxl_ct_nxt(v, t->dir));
	if (v->seq_known & v->opener)
		return (t->flags & RXL_TCP_ACK) &&
		       t->ack == rxl_ct_nxt(v, v->opener);
	return 1;
}

/*
 * Whether the opener's ACK @t acknowledges the answerer's SYN-ACK: its
 * ISN + 1, recorded as the answerer's next sequence. An entry of an
 * older build holds that ISN in network order where nxt[0] is.
 */
static __always_inline int rxl_ct_acks_answer(const struct rxl_ct_val *v,
					      const struct rxl_ct_tuple *t)
{
	__u8 ans = v->opener == RXL_CT_OUT ? RXL_CT_IN : RXL_CT_OUT;

	if (v->seq_known & ans)
		return t->ack == rxl_ct_nxt(v, ans);
	if (v->seq_known)	/* answered with no SYN-ACK: nothing to ack */
		return 0;
	return t->ack == bpf_ntohl(v->nxt[0]) + 1;
}

/*
 * The state after packet @t on entry @v, or RXL_CT_NONE when the packet
 * does not belong to the entry (an ICMP echo the wrong way). An RST or
 * FIN out of its sender's sequence bounds (rxl_ct_seq_plausible())
 * changes nothing: counted, and passed like any packet of the entry (the
 * endpoint's stack judges it, and answers a near miss with a challenge
 * ACK, RFC 5961).
 */
static __always_inline __u8 rxl_ct_next(const struct rxl_ct_val *v,
					const struct rxl_ct_tuple *t,
					__u8 *fin_seen)
{
	__u8 f = t->flags, answer = t->dir != v->opener;

	*fin_seen = v->fin_seen;
	switch (t->proto) {
	case RXL_IPPROTO_TCP:
		if ((f & (RXL_TCP_RST | RXL_TCP_FIN)) &&
		    !rxl_ct_seq_plausible(v, t)) {
			rxl_ct_count(RXL_CT_STAT_SEQ_IGNORED);
			return v->state;
		}
		if (f & RXL_TCP_RST)
			return RXL_CT_CLOSE;
		if (v->state == RXL_CT_CLOSE)
			return RXL_CT_CLOSE;
		if (f & RXL_TCP_FIN) {
			*fin_seen |= t->dir;
			return *fin_seen == (RXL_CT_OUT | RXL_CT_IN) ?
			       RXL_CT_TIME_WAIT : RXL_CT_FIN_WAIT;
		}
		/*
		 * The answer (SYN-ACK), then the opener's ACK of it: of its
		 * sequence number + 1 (rxl_ct_acks_answer(), recorded by
		 * rxl_ct_seq_record()),
		 * so that a source that never saw the SYN-ACK (a flood's
		 * forged one) cannot establish, and assure, an entry blind.
		 */
		if (v->state == RXL_CT_SYN_SENT && answer && (f & RXL_TCP_ACK))
			return RXL_CT_SYN_RECV;
		if (v->state == RXL_CT_SYN_RECV && !answer &&
		    (f & (RXL_TCP_SYN | RXL_TCP_ACK)) == RXL_TCP_ACK &&
		    rxl_ct_acks_answer(v, t))
			return RXL_CT_ESTABLISHED;
		return v->state;
	case RXL_IPPROTO_UDP:
		return answer ? RXL_CT_UDP_STREAM : v->state;
	default:
		/* The opener sends requests, the other side replies. */
		return t->reply == answer ? v->state : RXL_CT_NONE;
	}
}

/*
 * A live entry at @key that a new connection may not replace: not
 * expired, and for a SYN not closing (a SYN on a closed entry is a new
 * connection, judged anew). *@dead is set when an entry is there but is
 * not live.
 */
static __always_inline struct rxl_ct_val *
rxl_ct_live(void *map, const void *key, const struct rxl_ct_tuple *t,
	    __u64 now, int *dead)
{
	struct rxl_ct_val *v = bpf_map_lookup_elem(map, key);

	if (!v)
		return NULL;
	*dead = 1;
	if (v->expires <= now) {
		rxl_ct_count(RXL_CT_STAT_EXPIRED);
		return NULL;
	}
	if (t->proto == RXL_IPPROTO_TCP && t->opens &&
	    (v->state == RXL_CT_CLOSE || v->state == RXL_CT_TIME_WAIT)) {
		rxl_ct_count(RXL_CT_STAT_REOPEN);
		return NULL;
	}
	*dead = 0;
	return v;
}

/*
 * Create the half-open entry at @key in @half for @t, which opens a
 * connection and missed, at time @now (bpf_ktime_get_coarse_ns()), from
 * @nv (zeroed by the caller: where it lives decides the XDP program's
 * stack layout, kept as it was before the tc program needed this step
 * alone), whose @tun and @vtep are the packet's overlay path, which the
 * entry keeps. @res is what the lookup found: on RXL_CT_STALE the main
 * table @map still holds the dead entry of an older connection of this
 * tuple (closed, or expired), which would take the answer: it goes
 * first; on RXL_CT_OTHER_PATH a live entry of another overlay path holds
 * the key, and stays.
 * Return: RXL_CT_NEW, or RXL_CT_MISS when the table refused it (or a
 * live entry of another path holds the key).
 */
static __always_inline int rxl_ct_create(void *map, void *half,
					 const void *key,
					 const struct rxl_ct_tuple *t,
					 __u64 now, struct rxl_ct_val *nv,
					 int res)
{
	if (res == RXL_CT_OTHER_PATH)
		return RXL_CT_MISS;
	if (res == RXL_CT_STALE)
		bpf_map_delete_elem(map, key);
	nv->fin_seen = 0;
	nv->seq_known = 0;
	if (t->proto == RXL_IPPROTO_TCP)
		rxl_ct_set_nxt(nv, t->dir, rxl_ct_seq_end(t));
	nv->state = rxl_ct_first_state(t);
	nv->opener = t->dir;
	nv->expires = now + rxl_ct_timeout(nv->state);
	/*
	 * A new key is counted, so that 'ct stats' can tell how many the
	 * LRU evicted; a dead entry of the same key is overwritten, which
	 * adds nothing to the table.
	 */
	if (!bpf_map_update_elem(half, key, nv, BPF_NOEXIST)) {
		rxl_ct_count(RXL_CT_STAT_HALF_INSERTED);
	} else if (bpf_map_update_elem(half, key, nv, BPF_ANY)) {
		rxl_ct_count(RXL_CT_STAT_CREATE_FAILED);
		return RXL_CT_MISS;
	}
	rxl_ct_count(t->dir == RXL_CT_OUT ? RXL_CT_STAT_CREATE_OUT :
					    RXL_CT_STAT_CREATE_IN);
	return RXL_CT_NEW;
}

/*
 * Whether packet @t, which gave half-open entry @v the state @state,
 * makes it assured (nf_conntrack's word), to move to the main table: the
 * opener speaks again after the other side answered. TCP: its ACK of the
 * SYN-ACK (the handshake complete: syn_recv -> established, rxl_ct_next());
 * UDP: its next datagram after a reply.
 * An answer alone is not enough: a server answers every SYN of a flood
 * from forged sources, which never come back. ICMP echo entries, an RST
 * or a FIN stay half-open until they expire.
 */
static __always_inline int rxl_ct_assured(const struct rxl_ct_val *v,
					  __u8 state,
					  const struct rxl_ct_tuple *t)
{
	return t->dir == v->opener &&
	       (state == RXL_CT_ESTABLISHED || state == RXL_CT_UDP_STREAM);
}

/*
 * Move the half-open entry @v at @key from @half to the main table @map
 * with its new @state, FIN bits @fin and expiry @exp, through @nv (the
 * caller's value: rxl_ct_track()'s @pv). A main table that refuses it leaves the entry
 * where it was, updated: it still matches, and may be evicted early.
 */
static __always_inline void rxl_ct_promote(void *map, void *half,
					   const void *key,
					   struct rxl_ct_val *v, __u8 state,
					   __u8 fin, __u64 exp,
					   struct rxl_ct_val *nv)
{
	nv->state = state;
	nv->opener = v->opener;
	nv->fin_seen = fin;
	nv->expires = exp;
	nv->tun = v->tun;
	__builtin_memcpy(nv->vtep, v->vtep, sizeof(nv->vtep));
	nv->seq_known = v->seq_known;
	nv->nxt[0] = v->nxt[0];
	nv->nxt[1] = v->nxt[1];
	if (bpf_map_update_elem(map, key, nv, BPF_ANY)) {
		rxl_ct_count(RXL_CT_STAT_CREATE_FAILED);
		v->state = state;
		v->fin_seen = fin;
		v->expires = exp;
		return;
	}
	/* Not there any more: the LRU evicted it meanwhile (counted so). */
	if (!bpf_map_delete_elem(half, key))
		rxl_ct_count(RXL_CT_STAT_HALF_REMOVED);
	rxl_ct_count(RXL_CT_STAT_PROMOTE);
}

/*
 * rxl_ct_seq_record() - record TCP packet @t's next sequence in entry @v
 * (before @t changed its state)
 *
 * The handshake's are exact: a SYN of the opener or a SYN-ACK of the
 * answerer in syn_sent or syn_recv records ISN + 1 (a later one, after
 * a restart, replaces it). After the handshake a segment moves its
 * side's record forward only when its sequence number is near it
 * (rxl_ct_seq_near(): a blind segment cannot move it) and by more than
 * RXL_CT_SEQ_SLACK, so a flow writes its entry once per 64 KiB per side,
 * not once a packet. An RST records nothing. A side of an entry made by
 * an older build (not in @v->seq_known) takes its first segment's.
 */
static __always_inline void rxl_ct_seq_record(struct rxl_ct_val *v,
					      const struct rxl_ct_tuple *t)
{
	__u8 f = t->flags, d = t->dir;
	__u32 end = rxl_ct_seq_end(t), nxt = rxl_ct_nxt(v, d);

	if (t->proto != RXL_IPPROTO_TCP || (f & RXL_TCP_RST))
		return;
	if (v->state == RXL_CT_SYN_SENT || v->state == RXL_CT_SYN_RECV) {
		if (!(f & RXL_TCP_SYN) ||
		    !(f & RXL_TCP_ACK) != (d == v->opener))
			return;
	} else if (v->state != RXL_CT_ESTABLISHED &&
		   v->state != RXL_CT_FIN_WAIT &&
		   v->state != RXL_CT_TIME_WAIT) {
		return;
	} else if (v->seq_known & d) {
		if (!rxl_ct_seq_near(t->seq, nxt) ||
		    (__s32)(end - nxt) <= (__s32)RXL_CT_SEQ_SLACK)
			return;
	}
	rxl_ct_set_nxt(v, d, end);
}

/**
 * rxl_ct_track() - look up, update or create the entry of a packet
 * @map: rxl_ct4 or rxl_ct6, the assured entries
 * @half: rxl_ct4_half or rxl_ct6_half, the half-open ones
 * @key: the packet's key (struct rxl_ct4_key or rxl_ct6_key)
 * @t: the packet's tuple view
 * @pv: the packet's overlay path (@pv->tun, @pv->vtep; zeroed: none),
 *	in a value of the caller's that a new or promoted entry is
 *	written from (its other fields are overwritten)
 * @create: a miss that opens a connection creates an entry
 *
 * The main table is read first (an established flow costs one lookup),
 * then the half-open one. A new entry goes to @half; the opener's packet
 * after the answer (rxl_ct_assured()) moves it to @map. A live entry of
 * another overlay path (rxl_ct_other_path()) is not the packet's: left
 * as it is, and none is created over it.
 *
 * Context: softirq. Writes the entry only when its state changes, its
 * expiry would move by more than RXL_CT_REFRESH_NS, or TCP's next
 * sequence of a side by more than RXL_CT_SEQ_SLACK (rxl_ct_seq_record()).
 * Return: enum rxl_ct_res.
 */
static __always_inline int rxl_ct_track(void *map, void *half,
					const void *key,
					const struct rxl_ct_tuple *t,
					struct rxl_ct_val *pv, int create)
{
	__u64 now = bpf_ktime_get_coarse_ns(), exp;
	struct rxl_ct_val *v;
	int dead = 0, dead_half = 0;
	__u8 state, fin;

	v = rxl_ct_live(map, key, t, now, &dead);
	if (!v) {
		v = rxl_ct_live(half, key, t, now, &dead_half);
		if (!v) {
			if (!create || !t->opens)
				return dead ? RXL_CT_STALE : RXL_CT_MISS;
			return rxl_ct_create(map, half, key, t, now, pv,
					     dead ? RXL_CT_STALE :
						    RXL_CT_MISS);
		}
		if (rxl_ct_other_path(v, pv))
			return RXL_CT_OTHER_PATH;
		state = rxl_ct_next(v, t, &fin);
		if (state == RXL_CT_NONE)
			return RXL_CT_MISS;
		if (rxl_ct_assured(v, state, t)) {
			rxl_ct_promote(map, half, key, v, state, fin,
				       now + rxl_ct_timeout(state), pv);
			return RXL_CT_HIT;
		}
	} else {
		if (rxl_ct_other_path(v, pv))
			return RXL_CT_OTHER_PATH;
		state = rxl_ct_next(v, t, &fin);
		if (state == RXL_CT_NONE)
			return RXL_CT_MISS;
	}
	exp = now + rxl_ct_timeout(state);
	rxl_ct_seq_record(v, t);
	if (state != v->state || fin != v->fin_seen) {
		v->state = state;
		v->fin_seen = fin;
		v->expires = exp;
	} else if (exp > v->expires + RXL_CT_REFRESH_NS || exp < v->expires) {
		/* Refreshed, or shortened by a lower 'ct timeout'. */
		v->expires = exp;
	}
	return RXL_CT_HIT;
}

/* Track an IPv4 packet of container @zone, local and remote as the key. */
static __always_inline int rxl_ct_track4(__u32 zone, __be32 local,
					 __be32 remote,
					 const struct rxl_ct_tuple *t,
					 struct rxl_ct_val *pv, int create)
{
	struct rxl_ct4_key k = {
		.zone = zone,
		.local = local,
		.remote = remote,
		.lport = t->lport,
		.rport = t->rport,
		.proto = t->proto,
	};

	return rxl_ct_track(&rxl_ct4, &rxl_ct4_half, &k, t, pv, create);
}

static __always_inline int rxl_ct_track6(__u32 zone, const __u8 *local,
					 const __u8 *remote,
					 const struct rxl_ct_tuple *t,
					 struct rxl_ct_val *pv, int create)
{
	struct rxl_ct6_key k = {
		.zone = zone,
		.lport = t->lport,
		.rport = t->rport,
		.proto = t->proto,
	};

	__builtin_memcpy(k.local, local, 16);
	__builtin_memcpy(k.remote, remote, 16);
	return rxl_ct_track(&rxl_ct6, &rxl_ct6_half, &k, t, pv, create);
}

/*
 * ICMP errors whose embedded header names the packet that caused them
 * (RFC 792: destination unreachable incl. fragmentation needed, time
 * exceeded, parameter problem; RFC 4443: destination unreachable, packet
 * too big, time exceeded, parameter problem).
 */
static __always_inline int rxl_ct_is_error(__u8 proto, __u8 type)
{
	if (proto == RXL_IPPROTO_ICMP)
		return type == RXL_ICMP_UNREACH || type == RXL_ICMP_TIME_EXCEEDED ||
		       type == RXL_ICMP_PARAMPROB;
	return type >= RXL_ICMP6_UNREACH && type <= RXL_ICMP6_PARAMPROB;
}

/*
 * The key ports of the embedded L4 header @l4 (8 bytes, checked) of
 * protocol @proto, sent by the container: its source port is lport. An
 * embedded ICMP message must be an echo (request or reply: the
 * container's side of an echo entry either way), by identifier.
 * Returns 0, or -1 for what has no entry.
 */
static __always_inline int rxl_ct_inner_ports(const __u8 *l4, __u8 proto,
					      __u16 *lport, __u16 *rport)
{
	__u8 type = l4[0];

	if (proto == RXL_IPPROTO_TCP || proto == RXL_IPPROTO_UDP) {
		*lport = bpf_ntohs(*(__be16 *)l4);
		*rport = bpf_ntohs(*(__be16 *)(l4 + 2));
		return 0;
	}
	if ((proto == RXL_IPPROTO_ICMP &&
	     (type == RXL_ICMP_ECHO || type == RXL_ICMP_ECHO_REPLY)) ||
	    (proto == RXL_IPPROTO_ICMPV6 &&
	     (type == RXL_ICMP6_ECHO || type == RXL_ICMP6_ECHO_REPLY))) {
		*lport = bpf_ntohs(*(__be16 *)(l4 + 4));
		*rport = 0;
		return 0;
	}
	return -1;
}

/*
 * Whether the main table @map or the half-open one @half has a live
 * (unexpired) entry at @key that the error's overlay path @pv may speak
 * for: an error about a SYN (host unreachable, a router's fragmentation
 * needed) is about a half-open one. An error through another tunnel, VNI
 * or VTEP than a tunnelled flow's (rxl_ct_other_path(): counted) is not
 * its: it could come from anyone who can reach a VTEP and guess a tuple.
 * Reads only.
 */
static __always_inline int rxl_ct_alive(void *map, void *half,
					const void *key,
					const struct rxl_ct_val *pv)
{
	const struct rxl_ct_val *v = bpf_map_lookup_elem(map, key);

	if (!v)
		v = bpf_map_lookup_elem(half, key);
	return v && v->expires > bpf_ktime_get_coarse_ns() &&
	       !rxl_ct_other_path(v, pv);
}

/*
 * rxl_ct_embedded4() - the tuple of the IPv4 packet embedded in the ICMP
 * error @p (its header checked by rxl_parse_l4()), as the key of an entry
 * opened by that packet's sender: @k->local and @k->lport are the
 * embedded source and its port (or the echo identifier), @k->remote and
 * @k->rport the destination's (0 for an echo); @k->zone is left as it is.
 * Bounds: the embedded IPv4 header (IHL 5-15) and 8 bytes of L4 must lie
 * inside the error's IP packet and the buffer; a non-first fragment (no
 * ports) has no tuple. Either program's context (RXL_PARSE_CTX): ingress
 * reads the errors a container receives, egress the ones it sends.
 * Return: 0, or -1 for no tuple.
 */
static __always_inline int rxl_ct_embedded4(RXL_PARSE_CTX *ctx,
					    const struct rxl_pkt *p,
					    struct rxl_ct4_key *k)
{
	__u32 off = p->l4_off + RXL_ICMP_ERR_HLEN, ihl;
	__u8 *ip, *l4;

	if (off + RXL_IPV4_HLEN > p->ip_end)
		return -1;
	ip = rxl_hdr(ctx, p, off, RXL_IPV4_HLEN);
	if (!ip || (ip[0] >> 4) != 4)
		return -1;
	ihl = (ip[0] & 15) * 4;
	if (ihl < RXL_IPV4_HLEN ||
	    (*(__be16 *)(ip + 6) & bpf_htons(RXL_IP_OFFMASK)))
		return -1;
	k->proto = ip[9];
	k->local = *(__be32 *)(ip + 12);
	k->remote = *(__be32 *)(ip + 16);
	off += ihl;
	if (off + 8 > p->ip_end)
		return -1;
	l4 = rxl_hdr(ctx, p, off, 8);
	if (!l4 || rxl_ct_inner_ports(l4, k->proto, &k->lport, &k->rport))
		return -1;
	return 0;
}

/*
 * The IPv6 header embedded in the ICMPv6 error @p and the 8 bytes after
 * it, checked to lie inside the error's IP packet and the buffer, or
 * NULL. The embedded header must be followed directly by TCP, UDP or
 * ICMPv6 (the stacks at both ends send no extension headers on these
 * flows; an embedded packet with some has no tuple).
 */
static __always_inline __u8 *rxl_ct_embedded6_hdr(RXL_PARSE_CTX *ctx,
						  const struct rxl_pkt *p)
{
	__u32 off = p->l4_off + RXL_ICMP_ERR_HLEN;
	__u8 *ip;

	if (off + RXL_IPV6_HLEN + 8 > p->ip_end)
		return NULL;
	ip = rxl_hdr(ctx, p, off, RXL_IPV6_HLEN + 8);
	if (!ip || (ip[0] >> 4) != 6)
		return NULL;
	return ip;
}

/*
 * IPv6, as rxl_ct_embedded4() (rxl_ct_embedded6_hdr()). The embedded
 * packet may be the first fragment of a datagram the container sent
 * larger than the path (a packet too big about it is how its stack learns
 * the path's MTU): its fragment header is walked over to the ports. A
 * later fragment (offset not 0) has none: related to nothing. Other
 * extension headers are not walked.
 */
static __always_inline int rxl_ct_embedded6(RXL_PARSE_CTX *ctx,
					    const struct rxl_pkt *p,
					    struct rxl_ct6_key *k)
{
	__u32 off = p->l4_off + RXL_ICMP_ERR_HLEN + RXL_IPV6_HLEN;
	__u8 *ip = rxl_ct_embedded6_hdr(ctx, p), *fh;

	if (!ip)
		return -1;
	k->proto = ip[6];
	__builtin_memcpy(k->local, ip + 8, 16);
	__builtin_memcpy(k->remote, ip + 24, 16);
	if (k->proto != RXL_IPPROTO_FRAGMENT)
		return rxl_ct_inner_ports(ip + RXL_IPV6_HLEN, k->proto,
					  &k->lport, &k->rport);
	/* The fragment header (8 bytes), then 8 of the L4 header. */
	if (off + 16 > p->ip_end)
		return -1;
	fh = rxl_hdr(ctx, p, off, 16);
	if (!fh || (fh[2] | (fh[3] & 0xf8)))
		return -1;
	k->proto = fh[0];
	return rxl_ct_inner_ports(fh + 8, k->proto, &k->lport, &k->rport);
}

/*
 * rxl_ct_related4() - whether the ICMP error @p to container @c embeds
 * the header of a packet of one of @c's tracked flows.
 *
 * The embedded packet is one the container sent: its source is the
 * container's address (and must be the error's destination, by which @c
 * was found: nf_conntrack's check), its destination the peer. So its
 * tuple is the entry's own (local, remote, lport, rport) in zone @c->id
 * (rxl_ct_embedded4()): one lookup, the entry left as it is.
 */
static __always_inline int rxl_ct_related4(const struct rxl_container *c,
					   RXL_PARSE_CTX *ctx,
					   const struct rxl_pkt *p,
					   const struct rxl_ct_val *pv)
{
	struct rxl_ct4_key k = { .zone = c->id };

	if (rxl_ct_embedded4(ctx, p, &k) || k.local != p->daddr4)
		return 0;
	return rxl_ct_alive(&rxl_ct4, &rxl_ct4_half, &k, pv);
}

/* IPv6, as rxl_ct_related4(). */
static __always_inline int rxl_ct_related6(const struct rxl_container *c,
					   RXL_PARSE_CTX *ctx,
					   const struct rxl_pkt *p,
					   const struct rxl_ct_val *pv)
{
	struct rxl_ct6_key k = { .zone = c->id };

	if (rxl_ct_embedded6(ctx, p, &k) ||
	    !rxl_in6_eq(k.local, p->daddr6.addr))
		return 0;
	return rxl_ct_alive(&rxl_ct6, &rxl_ct6_half, &k, pv);
}

/*
 * Whether packet @p to container @c, an ICMP or ICMPv6 message of type
 * @type that came through overlay path @pv (rxl_ct_path_in()), is an
 * error related to one of @c's tracked flows: counted.
 */
static __always_inline int rxl_ct_related(const struct rxl_container *c,
					  RXL_PARSE_CTX *ctx,
					  const struct rxl_pkt *p, __u8 type,
					  const struct rxl_ct_val *pv)
{
	int hit;

	if (p->proto != (p->family == 4 ? RXL_IPPROTO_ICMP :
			 RXL_IPPROTO_ICMPV6) ||
	    !rxl_ct_is_error(p->proto, type))
		return 0;
	hit = p->family == 4 ? rxl_ct_related4(c, ctx, p, pv) :
			       rxl_ct_related6(c, ctx, p, pv);
	if (hit)
		rxl_ct_count(RXL_CT_STAT_RELATED);
	return hit;
}

/*
 * The overlay path of packet @p to a container into @pv (rxl_ct_track()):
 * when it was decapsulated (@p->base), its binding and the outer source,
 * read where the outer IP header still lies (rxl_decap() moves no data).
 * Untouched (zeroed by the caller) for a packet of no tunnel.
 */
static __always_inline void rxl_ct_path_in(RXL_PARSE_CTX *ctx,
					   const struct rxl_pkt *p,
					   struct rxl_ct_val *pv)
{
	__u8 *ip;

	if (!p->base)
		return;
	pv->tun = p->tun;
	ip = rxl_hdr(ctx, p, p->outer_l3, RXL_IPV6_HLEN);
	if (ip && (ip[0] >> 4) == 6) {
		__builtin_memcpy(pv->vtep, ip + 8, 16);
		return;
	}
	ip = rxl_hdr(ctx, p, p->outer_l3, RXL_IPV4_HLEN);
	if (ip)
		rxl_ct_vtep4(pv->vtep, ip + 12);
}

/**
 * rxl_ct_ingress() - connection tracking of a packet to container @c
 * @c: the container the packet is for
 * @ctx: the frame
 * @p: the parsed packet (L4 header checked by rxl_parse_l4())
 * @rule: what the rules said: a rule reference or RXL_NO_RULE
 *
 * The table is read only when the rules would drop the packet, or for a
 * container with egress default drop (whose allowed new flows get an
 * entry, so it may answer them): every other allowed packet costs two
 * tests (Documentation/conntrack.rst).
 *
 * A TCP segment with invalid flags (rxl_ct_flags_valid()) reads and
 * writes no entry: RXL_CT_INVALID, dropped by the caller.
 *
 * Context: softirq.
 * Return: RXL_CT_PASS when the rules would drop the packet but it
 * belongs to a tracked connection, or is an ICMP error related to one
 * (rxl_ct_related()): pass it. RXL_CT_INVALID: drop it (invalid TCP
 * flags). RXL_CT_RULES: the rules' verdict stands.
 */
static __always_inline int rxl_ct_ingress(const struct rxl_container *c,
					  RXL_PARSE_CTX *ctx,
					  const struct rxl_pkt *p, __u32 rule)
{
	int drop = rule == RXL_NO_RULE ? c->flags & RXL_CONT_DEFAULT_DROP :
					 rule & RXL_RULE_DROP;
	__u8 h[RXL_TCP_HLEN] = {};
	struct rxl_ct_val pv = {};
	struct rxl_ct_tuple t;
	__u32 len;
	__u8 *l4;
	int res;

	if (!drop && !(c->flags & RXL_CONT_EGRESS_DROP))
		return 0;
	len = rxl_ct_l4_len(p->proto);
	if (!len || p->frag == RXL_FRAG_LATER || p->l4_off + len > p->ip_end)
		return 0;
	/*
	 * The tuple is read from a copy as long as a TCP header, as on
	 * egress (rxlane_tc.bpf.c): no read then depends on the verifier's
	 * tying the protocol to the length checked, which a compiler's
	 * merged path can undo (l4[13] read after an 8-byte check).
	 */
	if (len == RXL_TCP_HLEN) {
		l4 = rxl_hdr(ctx, p, p->l4_off, RXL_TCP_HLEN);
		if (!l4)
			return 0;
		__builtin_memcpy(h, l4, RXL_TCP_HLEN);
	} else {
		l4 = rxl_hdr(ctx, p, p->l4_off, 8);
		if (!l4)
			return 0;
		__builtin_memcpy(h, l4, 8);
	}
	rxl_ct_path_in(ctx, p, &pv);
	if (rxl_ct_tuple(h, p->proto, RXL_CT_IN, p->ip_end - p->l4_off, &t))
		/* Not tracked itself: an error about a tracked flow passes. */
		return drop && rxl_ct_related(c, ctx, p, h[0], &pv);
	if (rxl_ct_invalid(&t))
		return RXL_CT_INVALID;
	if (p->family == 4)
		res = rxl_ct_track4(c->id, p->daddr4, p->saddr4, &t, &pv,
				    !drop);
	else
		res = rxl_ct_track6(c->id, p->daddr6.addr, p->saddr6.addr, &t,
				    &pv, !drop);
	if (!drop || res != RXL_CT_HIT)
		return RXL_CT_RULES;
	rxl_ct_count(RXL_CT_STAT_INGRESS);
	return RXL_CT_PASS;
}

#endif /* _RXL_CT_H */
