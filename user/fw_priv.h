/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fw_priv.h - what the fw_*.c files share; not part of the library's API
 * (fw.h).
 */
#ifndef _RXLANE_FW_PRIV_H
#define _RXLANE_FW_PRIV_H

#include "fw.h"
#include "fw_compile.h"

/* A refusal of the pure compiler lands in the library's message. */
#define RXL_WHY(fw)	(fw)->err, sizeof((fw)->err)

#define RXL_BATCH		8192

struct rxl_cont_addrs {
	struct rxl_addr addr[64];
	unsigned int n;
	struct rxl_container val;	/* value of the first address found */
};

/* fw_open.c */
int rxl_fail(struct rxl_fw *fw, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int rxl_lock(struct rxl_fw *fw);
int rxl_unlock(struct rxl_fw *fw, int ret);
int rxl_grace_period(struct rxl_fw *fw);

/* fw_write.c */
typedef int (*rxl_batch_fn)(struct rxl_fw *fw, int fd, __u8 *keys,
			    struct rxl_rule_val *vals, __u32 n, size_t ksz,
			    void *arg);
int rxl_rule_batches(struct rxl_fw *fw, rxl_batch_fn fn, void *arg);
long rxl_rule_keys_walk(struct rxl_fw *fw,
			bool (*pick)(__u64 tag, const void *arg),
			const void *arg, bool del);

/* fw_check.c: rxl_fw_dead_keys() with the lock held (when @purge) */
long rxl_dead_keys_locked(struct rxl_fw *fw, bool purge);

/* fw_addr.c */
int rxl_addr_fd(struct rxl_fw *fw, const struct rxl_addr *a);
int rxl_check_family(struct rxl_fw *fw, const struct rxl_addr *a);
int rxl_vtep_find(struct rxl_fw *fw, const struct rxl_addr *a,
		  __u32 *used);
int rxl_walk_addrs(struct rxl_fw *fw,
		   int (*fn)(struct rxl_fw *fw, const struct rxl_addr *a,
			     const struct rxl_container *v, void *arg),
		   void *arg);
int rxl_container_addrs(struct rxl_fw *fw, __u32 id,
			struct rxl_cont_addrs *ca);
/* The live value of container @id (-ENOENT: none). */
int rxl_cont_read(struct rxl_fw *fw, __u32 id, struct rxl_container *v);
/* As rxl_cont_read(), or a value of only @id when it has none. */
void rxl_cont_value(struct rxl_fw *fw, __u32 id, struct rxl_container *v);
int rxl_cont_write(struct rxl_fw *fw, const struct rxl_container *nv);
void rxl_cont_clear(struct rxl_fw *fw, __u32 id);
/* rxl_cont_slot.folded of @id: added to, taken back, zeroed, read. */
void rxl_cont_fold(struct rxl_fw *fw, __u32 id,
		   const struct rxl_cont_counter *add);
void rxl_cont_unfold(struct rxl_fw *fw, __u32 id,
		     const struct rxl_cont_counter *add);
void rxl_cont_fold_reset(struct rxl_fw *fw, __u32 id);
void rxl_cont_folded(struct rxl_fw *fw, __u32 id, struct rxl_cont_counter *out);
void rxl_acache_put(struct rxl_fw *fw, const struct rxl_addr *a,
		    const struct rxl_container *v);
bool rxl_acache_drop(struct rxl_fw *fw, const struct rxl_addr *a);
int rxl_acache_refill(struct rxl_fw *fw);
int rxl_rule_room(struct rxl_fw *fw, __u32 id, __u32 n);
bool rxl_addr_in(const struct rxl_addr *a, const struct rxl_addr *set,
		 unsigned int n);

/* fw_index.c: 1 (or -1 for the fd) when there is no index */
int rxl_idx_fd(const struct rxl_fw *fw);
void rxl_idx_use(struct rxl_fw *fw);
void rxl_idx_close(struct rxl_fw *fw);
void rxl_idx_drop(struct rxl_fw *fw);
int rxl_idx_addrs(struct rxl_fw *fw, __u32 id, struct rxl_cont_addrs *ca);
int rxl_idx_addrs_ahead(struct rxl_fw *fw, __u32 id,
			const struct rxl_cont_addrs *ca,
			const struct rxl_addr *add, unsigned int n);
void rxl_idx_addrs_set(struct rxl_fw *fw, __u32 id,
		       const struct rxl_addr *addrs, unsigned int n);
int rxl_idx_set_new(struct rxl_fw *fw, __u32 id, __u32 old_nrules,
		    __u64 tag, const struct rxl_entry *e, size_t ne, __u32 n,
		    __u32 *slot);
int rxl_idx_set_del(struct rxl_fw *fw, __u64 tag);
void rxl_idx_wait(struct rxl_fw *fw, __u32 slot, const struct rxl_addr *a);
void rxl_idx_freed(struct rxl_fw *fw, __u32 slot);
int rxl_idx_refill(struct rxl_fw *fw,
		   void (*put)(struct rxl_fw *fw, const struct rxl_addr *a,
			       const struct rxl_container *v));

/* fw_slots.c */
typedef void (*rxl_slot_fn)(void *arg, __u32 slot);
/* Call @fn for each counter slot value @v refers to (from @base). */
void rxl_val_slots(const struct rxl_rule_val *v, __u32 base,
		   rxl_slot_fn fn, void *arg);
/* Call @fn for each counter slot the any segments of @c refer to. */
void rxl_any_slots(const struct rxl_container *c, rxl_slot_fn fn, void *arg);
/* The @n lowest counter slots no live set refers to, ascending. */
int rxl_slots_pick(struct rxl_fw *fw, __u32 n, __u32 *slots);
/*
 * The lowest free slot past every slot of @v's set (an appended rule's),
 * or -EAGAIN when there is none.
 */
int rxl_slot_after(struct rxl_fw *fw, const struct rxl_container *v,
		   __u32 *slot);
/* References of @e from ranks to the slots @slots[rank]. */
void rxl_refs_to_slots(struct rxl_entry *e, size_t ne, const __u32 *slots);
int rxl_rank_slots(struct rxl_fw *fw, const struct rxl_container *v,
		   const struct rxl_entry *e, size_t ne, __u32 *slot);
/* What the ingress rules of @v's set counted, as @v's pass and drop. */
int rxl_set_totals(struct rxl_fw *fw, const struct rxl_container *v,
		   struct rxl_cont_counter *out);

/* fw_stats.c */
int rxl_sum_rule(struct rxl_fw *fw, __u32 slot, struct rxl_counter *out);

#endif /* _RXLANE_FW_PRIV_H */
