/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rxlane: port ranges into masked entries. Pure C with no kernel
 * dependency: the module and a userspace test (selftests/vm/
 * hwfilter_expand.c) compile the same kernel/hw_expand.c.
 */
#ifndef _RXLANE_HW_EXPAND_H
#define _RXLANE_HW_EXPAND_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
typedef unsigned short u16;
#endif

/* Most blocks a 16-bit range needs (1..65534 needs 30). */
#define RXLANE_HW_MAX_BLOCKS	32

/**
 * struct rxlane_hw_block - one masked port entry
 * @value:	the first port of the block, aligned to its size
 * @mask:	the bits a port must share with @value (contiguous from the top)
 */
struct rxlane_hw_block {
	u16 value;
	u16 mask;
};

unsigned int rxlane_hw_expand_ports(u16 lo, u16 hi,
				    struct rxlane_hw_block *out);

#endif /* _RXLANE_HW_EXPAND_H */
