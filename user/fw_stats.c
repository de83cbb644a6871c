// SPDX-License-Identifier: GPL-2.0
/*
 * fw_stats.c - counters (per-CPU, summed) and the names of drop reasons
 * and events.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fw_priv.h"

/* ---- counters ----------------------------------------------------------- */

static int rxl_sum_percpu(struct rxl_fw *fw, int fd, __u32 key, __u64 *out,
			  unsigned int nwords)
{
	__u64 *vals = calloc((size_t)fw->ncpus * nwords, sizeof(__u64));
	unsigned int c, w;

	if (!vals)
		return rxl_fail(fw, -ENOMEM, "out of memory");
	if (bpf_map_lookup_elem(fd, &key, vals)) {
		free(vals);
		return rxl_fail(fw, -errno, "counter %u: %s", key,
				strerror(errno));
	}
	memset(out, 0, nwords * sizeof(__u64));
	for (c = 0; c < (unsigned int)fw->ncpus; c++)
		for (w = 0; w < nwords; w++)
			out[w] += vals[c * nwords + w];
	free(vals);
	return 0;
}

int rxl_sum_rule(struct rxl_fw *fw, __u32 slot, struct rxl_counter *out)
{
	return rxl_sum_percpu(fw, fw->rule_cnt, slot, (__u64 *)out, 2);
}

/* @to += @add, field by field. */
static void rxl_cont_add(struct rxl_cont_counter *to,
			 const struct rxl_cont_counter *add)
{
	to->pass.packets += add->pass.packets;
	to->pass.bytes += add->pass.bytes;
	to->drop.packets += add->drop.packets;
	to->drop.bytes += add->drop.bytes;
}

/*
 * A container's totals: what no rule judged (rxl_cont_cnt), what its
 * retired sets judged (rxl_cont_slot.folded) and what its live set's
 * ingress rules judged (rxl_set_totals()): the program counts a packet a
 * rule judged on the rule only (Documentation/fastpath.rst, "Counters").
 */
int rxl_fw_container_counter(struct rxl_fw *fw, __u32 id,
			     struct rxl_cont_counter *out)
{
	struct rxl_cont_counter part;
	struct rxl_container v;
	int err;

	if (id >= fw->max_conts)
		return rxl_fail(fw, -EINVAL, "container id %u out of range",
				id);
	err = rxl_sum_percpu(fw, fw->cont_cnt, id, (__u64 *)out, 4);
	if (err)
		return err;
	rxl_cont_folded(fw, id, &part);
	rxl_cont_add(out, &part);
	if (rxl_cont_read(fw, id, &v))
		return 0;
	err = rxl_set_totals(fw, &v, &part);
	if (!err)
		rxl_cont_add(out, &part);
	return err;
}

/* Sum keys 0..@n-1 of a per-CPU array of single counters into @out. */
static int rxl_sum_percpu_array(struct rxl_fw *fw, int fd, __u32 n,
				__u64 *out)
{
	__u32 i;
	int err;

	for (i = 0; i < n; i++) {
		err = rxl_sum_percpu(fw, fd, i, &out[i], 1);
		if (err)
			return err;
	}
	return 0;
}

int rxl_fw_drop_counters(struct rxl_fw *fw, __u64 out[RXL_DROP__MAX])
{
	return rxl_sum_percpu_array(fw, fw->drops, RXL_DROP__MAX, out);
}

int rxl_fw_stat_counters(struct rxl_fw *fw, __u64 out[RXL_STAT__MAX])
{
	return rxl_sum_percpu_array(fw, fw->stats, RXL_STAT__MAX, out);
}

/* ---- text --------------------------------------------------------------- */

static const char *const rxl_drop_names[RXL_DROP__MAX] = {
	[RXL_DROP_L2_TRUNC]	= "l2_trunc",
	[RXL_DROP_VLAN_DEPTH]	= "vlan_depth",
	[RXL_DROP_IP_VERSION]	= "ip_version",
	[RXL_DROP_IPV4_TRUNC]	= "ipv4_trunc",
	[RXL_DROP_IPV4_IHL]	= "ipv4_ihl",
	[RXL_DROP_IPV4_LEN]	= "ipv4_len",
	[RXL_DROP_IPV6_TRUNC]	= "ipv6_trunc",
	[RXL_DROP_IPV6_LEN]	= "ipv6_len",
	[RXL_DROP_EXTHDR_TRUNC]	= "exthdr_trunc",
	[RXL_DROP_EXTHDR_CHAIN]	= "exthdr_chain",
	[RXL_DROP_HDR_DEPTH]	= "hdr_depth",
	[RXL_DROP_L4_TRUNC]	= "l4_trunc",
	[RXL_DROP_TCP_DOFF]	= "tcp_doff",
	[RXL_DROP_FRAG_TINY]	= "frag_tiny",
	[RXL_DROP_OUTER_FRAG]	= "outer_frag",
	[RXL_DROP_VXLAN_BAD]	= "vxlan_bad",
	[RXL_DROP_GENEVE_BAD]	= "geneve_bad",
	[RXL_DROP_GENEVE_OPTLEN] = "geneve_optlen",
	[RXL_DROP_NVGRE_BAD]	= "nvgre_bad",
	[RXL_DROP_TUNNEL_TRUNC]	= "tunnel_trunc",
	[RXL_DROP_UNKNOWN_VNI]	= "unknown_vni",
	[RXL_DROP_TUNNEL_TYPE]	= "tunnel_type",
	[RXL_DROP_NO_CONTAINER]	= "no_container",
	[RXL_DROP_RULE]		= "rule",
	[RXL_DROP_DEFAULT]	= "default",
	[RXL_DROP_ADJUST]	= "adjust",
	[RXL_DROP_TUNNEL_NO_CONTAINER] = "tunnel_no_container",
	[RXL_DROP_VNI_NOT_BOUND] = "vni_not_bound",
	[RXL_DROP_GENEVE_CRITICAL] = "geneve_critical",
	[RXL_DROP_GENEVE_OAM]	= "geneve_oam",
	[RXL_DROP_FRAG_NO_FIRST] = "frag_no_first",
	[RXL_DROP_TCP_FLAGS]	= "tcp_flags",
};

static const char *const rxl_stat_names[RXL_STAT__MAX] = {
	[RXL_STAT_DECAP_VXLAN]	= "decap_vxlan",
	[RXL_STAT_DECAP_GENEVE]	= "decap_geneve",
	[RXL_STAT_DECAP_NVGRE]	= "decap_nvgre",
	[RXL_STAT_PASS_NON_IP]	= "pass_non_ip",
	[RXL_STAT_PASS_HOST]	= "pass_host",
	[RXL_STAT_PASS_ND]	= "pass_nd",
	[RXL_STAT_DEFAULT_ALLOW] = "default_allow",
	[RXL_STAT_REDIRECT]	= "redirect",
	[RXL_STAT_FRAG_PORTLESS] = "frag_portless",
	[RXL_STAT_ACACHE_MISS]	= "acache_miss",
	[RXL_STAT_FRAG_FOLLOWED] = "frag_followed",
};

const char *rxl_drop_name(unsigned int reason)
{
	return reason < RXL_DROP__MAX && rxl_drop_names[reason] ?
	       rxl_drop_names[reason] : "?";
}

const char *rxl_stat_name(unsigned int stat)
{
	return stat < RXL_STAT__MAX && rxl_stat_names[stat] ?
	       rxl_stat_names[stat] : "?";
}
