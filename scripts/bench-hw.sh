#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Containers programmed into rxlane's NIC per second, 10 rules each, and
# removed per second, through raw generic netlink and through the CLI, in
# one VM boot (selftests/vm/bench_hw.py; make bench). Prints the host's CPU
# model, mitigations and load beside the guest's figures.
#
#   N=500 CLI_N=10 scripts/bench-hw.sh
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/scripts/bench-host.sh"
OUT=${BENCH_OUT:-$TOP/build/bench}
cd "$TOP"
mkdir -p "$OUT"
bench_host_facts | tee "$OUT/hw.txt"
scripts/vm-run --timeout 1800 -- selftests/vm/bench_hw.py "${N:-500}" "${CLI_N:-10}" |
	tee -a "$OUT/hw.txt"
bench_host_facts | sed 's/^/after: /' | grep load | tee -a "$OUT/hw.txt"
echo "bench-hw: figures in $OUT/hw.txt"
