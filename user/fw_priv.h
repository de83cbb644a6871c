/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fw_priv.h - what the fw_*.c files share; not part of the library's API
 * (fw.h).
 */
#ifndef _RXLANE_FW_PRIV_H
#define _RXLANE_FW_PRIV_H

#include "fw.h"

#define RXL_SET_GEN_BITS	20
#define RXL_SET_GEN_MASK	((1U << RXL_SET_GEN_BITS) - 1)
#define RXL_MAX_GROUP_RULES	1024	/* rules under one (prefix, proto) */
#define RXL_BATCH		8192

struct rxl_cont_addrs {
	struct rxl_addr addr[64];
	unsigned int n;
	struct rxl_container val;	/* value of the first address found */
};

/* A rule for one family, as stored: the unit of grouping. */
struct rxl_entry {
	__u8 family;		/* 4 or 6 */
	__u8 plen;
	__u8 proto;
	__u8 src[16];
	__u16 lo, hi;
	__u32 ref;		/* rank | RXL_RULE_DROP */
};

union rxl_any_key {
	struct rxl_rule4_key k4;
	struct rxl_rule6_key k6;
};

/* fw_open.c */
int rxl_fail(struct rxl_fw *fw, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int rxl_lock(struct rxl_fw *fw);
int rxl_unlock(struct rxl_fw *fw, int ret);
int rxl_sync(struct rxl_fw *fw);

/* fw_addr.c */
int rxl_addr_fd(struct rxl_fw *fw, const struct rxl_addr *a);
int rxl_check_addr(struct rxl_fw *fw, const struct rxl_addr *a);
int rxl_vtep_find(struct rxl_fw *fw, const struct rxl_addr *a,
		  __u32 *used);
int rxl_walk_addrs(struct rxl_fw *fw,
		   int (*fn)(struct rxl_fw *fw, const struct rxl_addr *a,
			     const struct rxl_container *v, void *arg),
		   void *arg);
int rxl_find_container(struct rxl_fw *fw, __u32 id,
		       struct rxl_cont_addrs *ca);
void rxl_acache_put(struct rxl_fw *fw, const struct rxl_addr *a,
		    const struct rxl_container *v);
bool rxl_acache_drop(struct rxl_fw *fw, const struct rxl_addr *a);
int rxl_acache_refill(struct rxl_fw *fw);
int rxl_rule_limit(struct rxl_fw *fw, __u32 id, __u32 n);
int rxl_alloc_slots(struct rxl_fw *fw, __u32 n, __u32 *base);
int rxl_slot_free(struct rxl_fw *fw, __u32 id, __u32 slot);
bool rxl_addr_in(const struct rxl_addr *a, const struct rxl_addr *set,
		 unsigned int n);

/* fw_compile.c */
int rxl_same_group(const struct rxl_entry *x, const struct rxl_entry *y);
void rxl_fmt_src(const struct rxl_entry *e, char *buf, size_t len);
int rxl_resolve(struct rxl_fw *fw, const struct rxl_entry *e,
		size_t n, struct rxl_rule_val *v);
int rxl_check_rule(struct rxl_fw *fw, const struct rxl_rule *r,
		   unsigned int i);
void rxl_add_entry(struct rxl_entry *e, const struct rxl_rule *r,
		   int family, __u32 ref);
int rxl_expand(struct rxl_fw *fw, const struct rxl_rule *rules,
	       unsigned int n, struct rxl_entry **out, size_t *nout);
int rxl_shapes(struct rxl_fw *fw, const struct rxl_entry *e, size_t n,
	       struct rxl_container *c);
int rxl_fill_ports(struct rxl_rule_val *v, __u32 lo, __u32 hi,
		   __u32 ref, bool *changed);
int rxl_has_shape(const struct rxl_container *c,
		  const struct rxl_entry *e);
bool rxl_val_equiv(const struct rxl_rule_val *a,
		   const struct rxl_rule_val *b);
bool rxl_shapes_equal(const struct rxl_container *a,
		      const struct rxl_container *b);

#endif /* _RXLANE_FW_PRIV_H */
