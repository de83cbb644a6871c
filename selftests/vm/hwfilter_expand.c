// SPDX-License-Identifier: GPL-2.0
/*
 * hwfilter_expand - kernel/hw_expand.c, compiled as is, against a brute
 * force: for every range tested, the blocks are aligned prefix blocks,
 * disjoint, cover exactly [lo, hi] (every port of the 65536 checked for
 * the edge cases), and
 * are as few as a binary split of the port space gives (an independent
 * count). Ranges: every edge case, then random ones (seed in argv[1]).
 * Exit 0 pass, 1 fail ("FAIL: ..." says which range).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw_expand.h"

/* Blocks of the binary split of [base, base + size) that [lo, hi] needs. */
static unsigned int split_count(unsigned int lo, unsigned int hi,
				unsigned int base, unsigned int size)
{
	if (hi < base || lo > base + size - 1)
		return 0;
	if (lo <= base && base + size - 1 <= hi)
		return 1;
	return split_count(lo, hi, base, size / 2) +
	       split_count(lo, hi, base + size / 2, size / 2);
}

/*
 * @every: check every port (the edge cases); else (random ranges, cheap
 * under TCG) the blocks lie within [lo, hi], are disjoint and add up to
 * its size, which is the same.
 */
static int check(unsigned int lo, unsigned int hi, int every)
{
	static unsigned char hit[65536];
	struct rxlane_hw_block b[RXLANE_HW_MAX_BLOCKS];
	unsigned int n, i, j, p, want = split_count(lo, hi, 0, 65536);
	unsigned long total = 0;

	n = rxlane_hw_expand_ports(lo, hi, b);
	if (n != want) {
		printf("FAIL: %u-%u: %u blocks, the split needs %u\n", lo, hi, n, want);
		return 1;
	}
	memset(hit, 0, sizeof(hit));
	for (i = 0; i < n; i++) {
		unsigned int size = (unsigned short)~b[i].mask + 1u;

		/* The mask is a prefix: its complement is 2^k - 1. */
		if (size & (size - 1) || b[i].value & (size - 1)) {
			printf("FAIL: %u-%u: block %u/%#x is not an aligned prefix\n",
			       lo, hi, b[i].value, b[i].mask);
			return 1;
		}
		if (b[i].value < lo || b[i].value + size - 1 > hi) {
			printf("FAIL: %u-%u: block %u/%#x reaches outside\n",
			       lo, hi, b[i].value, b[i].mask);
			return 1;
		}
		for (j = 0; j < i; j++) {
			if ((b[j].value & b[i].mask) == b[i].value ||
			    (b[i].value & b[j].mask) == b[j].value) {
				printf("FAIL: %u-%u: blocks %u and %u overlap\n",
				       lo, hi, j, i);
				return 1;
			}
		}
		total += size;
		for (p = 0; every && p < 65536; p++)
			if ((p & b[i].mask) == b[i].value)
				hit[p]++;
	}
	if (total != hi - lo + 1) {
		printf("FAIL: %u-%u: blocks cover %lu ports\n", lo, hi, total);
		return 1;
	}
	for (p = 0; every && p < 65536; p++) {
		if (hit[p] != (p >= lo && p <= hi)) {
			printf("FAIL: %u-%u: port %u matched by %u blocks\n",
			       lo, hi, p, hit[p]);
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const unsigned int edges[][2] = {
		{ 0, 0 }, { 0, 65535 }, { 1, 65535 }, { 1, 65534 },
		{ 65535, 65535 }, { 6000, 6003 }, { 5999, 6004 },
		{ 1024, 2047 }, { 1023, 2048 }, { 32767, 32768 },
	};
	unsigned int seed = argc > 1 ? strtoul(argv[1], NULL, 0) : 1;
	unsigned int i, lo, hi, fails = 0;

	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		fails += check(edges[i][0], edges[i][1], 1);
	srandom(seed);
	for (i = 0; i < 300; i++) {
		lo = random() % 65536;
		hi = lo + random() % (i % 3 ? 64 : 65536 - lo);
		if (hi > 65535)	/* ports are 16-bit: a range ends at 65535 */
			hi = 65535;
		fails += check(lo, hi, 0);
	}
	printf("# %u ranges checked (seed %u), %u failed\n",
	       (unsigned int)(sizeof(edges) / sizeof(edges[0])) + 300, seed,
	       fails);
	return fails ? 1 : 0;
}
