// SPDX-License-Identifier: GPL-2.0
/*
 * rxlane: port ranges into the fewest prefix-masked entries.
 */
#include "hw_expand.h"

/**
 * rxlane_hw_expand_ports() - cover [@lo, @hi] with aligned blocks
 * @lo:		first port
 * @hi:		last port, @lo <= @hi
 * @out:	RXLANE_HW_MAX_BLOCKS blocks, filled from @lo upward
 *
 * At each step the block is the largest one that starts at the lowest
 * port not yet covered, is aligned to its size and ends within the range:
 * the fewest blocks whose masks are prefixes (6000-6003 is one block,
 * 6000/0xfffc; 1-65535 is sixteen).
 *
 * Context: any; pure function.
 * Return: the number of blocks written.
 */
unsigned int rxlane_hw_expand_ports(u16 lo, u16 hi,
				    struct rxlane_hw_block *out)
{
	unsigned int n = 0;
	unsigned int cur = lo;

	while (cur <= hi && n < RXLANE_HW_MAX_BLOCKS) {
		unsigned int size = 1;

		/* Grow while aligned and still inside the range. */
		while (size < 0x10000 && !(cur & (size * 2 - 1)) &&
		       cur + size * 2 - 1 <= hi)
			size *= 2;
		out[n].value = cur;
		out[n].mask = (u16)~(size - 1);
		n++;
		cur += size;
	}
	return n;
}
