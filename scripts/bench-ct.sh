#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Connection tracking benchmark (make bench; issue 14): bench_xdp -C, i.e.
# BPF_PROG_TEST_RUN of the XDP fast path and the tc egress program,
# interleaved in one process on one CPU, beside XDP_DROP, xdp-filter and
# an empty tc program:
#
#   ct-hit-*         a default-drop container's established flow, passed
#                    only by its entry (plain and VXLAN), vs the same
#                    container's rule-allowed packet (stateless-*)
#   fresh-*          a new flow's first packet on a table without its
#                    entry, tracked (egress default drop) or not
#   ct-hit-vxlan-flows-N   the hit with 1k .. MAX_FLOWS entries in the table
#   tc-*             the egress program on an skb: tracked, untracked, not a
#                    container's, and a new flow, vs an empty tc program
#
# Each timing checks the verdict and that the ct event counters moved as
# the path claims (a hit counts ct_ingress once a run, ...): the benchmark
# stops if a packet is off its path. Table and JSON under $BENCH_OUT
# (default build/bench): ct.txt, ct.json. Documentation/performance.rst,
# "Connection tracking".
#
#   ROUNDS=40 REPEAT=50000 CPU=1 MAX_RULES=1000000 MAX_FLOWS=1000000 \
#   scripts/bench-ct.sh
set -eu -o pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/scripts/bench-host.sh"
OUT=${BENCH_OUT:-$TOP/build/bench}
ROUNDS=${ROUNDS:-40}
REPEAT=${REPEAT:-50000}
CPU=${CPU:-1}
MAX_RULES=${MAX_RULES:-1000000}
MAX_FLOWS=${MAX_FLOWS:-1000000}
# TC_OBJ: another build of the tc program (bench/rxlane_tc_pairall.o).
TC_OBJ=${TC_OBJ:-$TOP/bpf/rxlane_tc.o}

[ "$(id -u)" -eq 0 ] || { echo "bench-ct: needs root (BPF_PROG_TEST_RUN)" >&2; exit 1; }
[ -r "$TC_OBJ" ] || { echo "bench-ct: build first (make)" >&2; exit 1; }
make -s -C "$TOP/bench"
mkdir -p "$OUT"
{
	bench_host_facts
	"$TOP/bench/bench_xdp" -C -T "$TC_OBJ" -F "$MAX_FLOWS" \
		-r "$ROUNDS" -n "$REPEAT" -c "$CPU" -m "$MAX_RULES" \
		-o "$OUT/ct.json" "$TOP/bench/rxlane_bench.o"
	echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/ct.txt"
echo "bench-ct: table in $OUT/ct.txt, JSON in $OUT/ct.json"
