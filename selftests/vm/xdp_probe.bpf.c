// SPDX-License-Identifier: GPL-2.0
/*
 * XDP programs for the rxlane VM tests. Each acts on IPv4 UDP frames to
 * ports 7700..7799 only, and passes everything else:
 *   xdp_count	  counts frames per (queue, CPU) and passes them
 *   xdp_drop	  counts and drops them
 *   xdp_tx	  counts, swaps MACs and bounces them back (XDP_TX)
 *   xdp_redirect counts and redirects them through tx_port[0] (devmap)
 *   xdp_redirect_all redirects every frame through tx_port[0]
 *   xdp_vxlan_decap strips Ethernet/IPv4/UDP/VXLAN from frames to UDP 4789
 *		  (no options, no checks beyond bounds: a test tool only)
 *   xdp_count_tcp counts IPv4 TCP frames to ports 7700..7799 in tcp_seen
 *		  and passes everything
 *   xdp_grow_tail counts and passes them 4 bytes longer (the stack trims
 *		  the junk after the IP length)
 *   xdp_tx_poke  counts, sends them back to their sender (MACs, IPv4
 *		  addresses and UDP ports swapped: checksums unchanged) with
 *		  the first payload byte XORed with 0x20, fixing the UDP
 *		  checksum only when the second payload byte is 'f'
 * tc programs (sections named for "tc ... bpf obj F sec NAME"):
 *   tc/csum_mark  on the lower's ingress: marks them CHECKSUM_UNNECESSARY
 *		  (as a NIC that verified the checksum would) when they are
 *		  CHECKSUM_NONE
 *   tc/csum_query on the NIC's ingress: counts them in csum_seen[0], and
 *		  those still CHECKSUM_UNNECESSARY in csum_seen[1]
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define MAX_QUEUES	16
#define MAX_CPUS	16

/* hits[queue * MAX_CPUS + cpu]: frames of queue processed on cpu */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_QUEUES * MAX_CPUS);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} tx_port SEC(".maps");

/* map[key] += n, for the counting ARRAY maps of __u64 below. */
static __always_inline void map_add(void *map, __u32 key, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(map, &key);

	if (v)
		__sync_fetch_and_add(v, n);
}

/*
 * The UDP header of an IPv4 (no options) frame starting at its Ethernet
 * header, or NULL: XDP and tc (data at the MAC header) alike.
 */
static __always_inline struct udphdr *ipv4_udp(void *data, void *end)
{
	struct ethhdr *eth = data;
	struct iphdr *iph;
	struct udphdr *uh;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return NULL;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > end || iph->protocol != IPPROTO_UDP ||
	    iph->ihl != 5)
		return NULL;
	uh = (void *)(iph + 1);
	if ((void *)(uh + 1) > end)
		return NULL;
	return uh;
}

/* Whether the frame is one of the tests': IPv4 UDP to ports 7700..7799. */
static __always_inline int probe_port(void *data, void *end)
{
	struct udphdr *uh = ipv4_udp(data, end);

	return uh && bpf_ntohs(uh->dest) >= 7700 && bpf_ntohs(uh->dest) < 7800;
}

static __always_inline int probe_frame(struct xdp_md *ctx)
{
	__u32 key, cpu;

	if (!probe_port((void *)(long)ctx->data, (void *)(long)ctx->data_end))
		return 0;
	cpu = bpf_get_smp_processor_id();
	if (ctx->rx_queue_index >= MAX_QUEUES || cpu >= MAX_CPUS)
		return 1;
	key = ctx->rx_queue_index * MAX_CPUS + cpu;
	map_add(&hits, key, 1);
	return 1;
}

SEC("xdp")
int xdp_grow_tail(struct xdp_md *ctx)
{
	if (probe_frame(ctx) && bpf_xdp_adjust_tail(ctx, 4))
		return XDP_DROP;
	return XDP_PASS;
}

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	probe_frame(ctx);
	return XDP_PASS;
}

SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	return probe_frame(ctx) ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int xdp_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	unsigned char tmp[ETH_ALEN];

	if (!probe_frame(ctx) || (void *)(eth + 1) > end)
		return XDP_PASS;
	__builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
	return XDP_TX;
}

SEC("xdp")
int xdp_redirect(struct xdp_md *ctx)
{
	if (!probe_frame(ctx))
		return XDP_PASS;
	return bpf_redirect_map(&tx_port, 0, 0);
}

SEC("xdp")
int xdp_redirect_all(struct xdp_md *ctx)
{
	return bpf_redirect_map(&tx_port, 0, 0);
}

#define VXLAN_OUTER_LEN (sizeof(struct ethhdr) + sizeof(struct iphdr) + \
			 sizeof(struct udphdr) + 8)

/* The UDP header of an outer IPv4 (no options) frame to @port, or NULL. */
static __always_inline struct udphdr *outer_udp(void *data, void *end,
						__u16 port)
{
	struct udphdr *uh = ipv4_udp(data, end);

	return uh && uh->dest == bpf_htons(port) ? uh : NULL;
}

SEC("xdp")
int xdp_vxlan_decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (!outer_udp(data, end, 4789))
		return XDP_PASS;
	if (data + VXLAN_OUTER_LEN + sizeof(struct ethhdr) > end)
		return XDP_DROP;
	if (bpf_xdp_adjust_head(ctx, VXLAN_OUTER_LEN))
		return XDP_DROP;
	return XDP_PASS;
}

#define GENEVE_OUTER_LEN (sizeof(struct ethhdr) + sizeof(struct iphdr) + \
			  sizeof(struct udphdr))
#define GENEVE_HLEN 8

/* GENEVE on 6081 carrying Ethernet, options skipped (opt_len words). */
SEC("xdp")
int xdp_geneve_decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct udphdr *uh = outer_udp(data, end, 6081);
	__u8 *gnv;
	int len;

	if (!uh)
		return XDP_PASS;
	gnv = (void *)(uh + 1);
	if ((void *)(gnv + GENEVE_HLEN) > end)
		return XDP_DROP;
	if ((gnv[0] >> 6) != 0 || gnv[2] != 0x65 || gnv[3] != 0x58)
		return XDP_DROP;
	len = GENEVE_OUTER_LEN + GENEVE_HLEN + (gnv[0] & 0x3f) * 4;
	if (data + len + sizeof(struct ethhdr) > end)
		return XDP_DROP;
	if (bpf_xdp_adjust_head(ctx, len))
		return XDP_DROP;
	return XDP_PASS;
}

enum {
	TCP_SEEN_FRAMES,	/* frames */
	TCP_SEEN_PAYLOAD,	/* TCP payload bytes */
	TCP_SEEN_OVERSIZE,	/* frames longer than ETH_FRAME_LEN */
	TCP_SEEN_MAX,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TCP_SEEN_MAX);
	__type(key, __u32);
	__type(value, __u64);
} tcp_seen SEC(".maps");

SEC("xdp")
int xdp_count_tcp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	struct tcphdr *th;
	__u32 hlen;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > end || iph->protocol != IPPROTO_TCP ||
	    iph->ihl != 5)
		return XDP_PASS;
	th = (void *)(iph + 1);
	if ((void *)(th + 1) > end || bpf_ntohs(th->dest) < 7700 ||
	    bpf_ntohs(th->dest) >= 7800)
		return XDP_PASS;
	hlen = sizeof(*iph) + th->doff * 4;
	map_add(&tcp_seen, TCP_SEEN_FRAMES, 1);
	if (bpf_ntohs(iph->tot_len) > hlen)
		map_add(&tcp_seen, TCP_SEEN_PAYLOAD, bpf_ntohs(iph->tot_len) - hlen);
	if (end - data > ETH_FRAME_LEN)
		map_add(&tcp_seen, TCP_SEEN_OVERSIZE, 1);
	return XDP_PASS;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} csum_seen SEC(".maps");

static __always_inline int probe_skb(struct __sk_buff *skb)
{
	return probe_port((void *)(long)skb->data, (void *)(long)skb->data_end);
}

SEC("tc/csum_mark")
int tc_csum_mark(struct __sk_buff *skb)
{
	if (probe_skb(skb))
		bpf_csum_level(skb, BPF_CSUM_LEVEL_INC);
	return TC_ACT_OK;
}

SEC("tc/csum_query")
int tc_csum_query(struct __sk_buff *skb)
{
	if (!probe_skb(skb))
		return TC_ACT_OK;
	map_add(&csum_seen, 0, 1);
	if (bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY) >= 0)
		map_add(&csum_seen, 1, 1);
	return TC_ACT_OK;
}

/* hash_seen[0]: frames to ports 7700..7799, [1]: the last one's skb->hash */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} hash_seen SEC(".maps");

/* The hash an skb carries as it is (no bpf_get_hash_recalc()). */
SEC("tc/hash_seen")
int tc_hash_seen(struct __sk_buff *skb)
{
	__u32 key = 1;
	__u64 hash = skb->hash;

	if (!probe_skb(skb))
		return TC_ACT_OK;
	bpf_map_update_elem(&hash_seen, &key, &hash, BPF_ANY);
	map_add(&hash_seen, 0, 1);
	return TC_ACT_OK;
}

/* One's complement sum of a 16-bit checksum with @old replaced by @new. */
static __always_inline __u16 csum_replace16(__u16 check, __u16 old, __u16 new)
{
	__u32 sum = (__u16)~check + (__u16)~old + new;
	__u16 res;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	res = ~sum;
	return res ? res : 0xffff;	/* 0 means "no checksum" in UDP */
}

SEC("xdp")
int xdp_tx_poke(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct udphdr *uh = ipv4_udp(data, end);
	struct ethhdr *eth = data;
	unsigned char tmp[ETH_ALEN];
	struct iphdr *iph;
	__u16 old, new;
	__u8 *pl;
	__be32 a;
	__be16 p;

	if (!uh || !probe_frame(ctx))
		return XDP_PASS;
	pl = (__u8 *)(uh + 1);
	if ((void *)(pl + 2) > end)
		return XDP_PASS;
	__builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
	iph = (void *)(eth + 1);
	a = iph->saddr;
	iph->saddr = iph->daddr;
	iph->daddr = a;
	p = uh->source;
	uh->source = uh->dest;
	uh->dest = p;
	/* The payload starts at an even offset: pl[0] is a word's high byte. */
	old = (__u16)pl[0] << 8 | pl[1];
	pl[0] ^= 0x20;
	new = (__u16)pl[0] << 8 | pl[1];
	if (pl[1] == 'f' && uh->check)
		uh->check = bpf_htons(csum_replace16(bpf_ntohs(uh->check),
						     old, new));
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
