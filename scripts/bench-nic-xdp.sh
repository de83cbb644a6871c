#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Native XDP through the NIC vs a bare veth with the same program, before
# and after a change, in one VM boot with interleaved rounds (make bench).
# Builds rxlane.ko of OLD_REV (default: the commit before native XDP ran
# in place) into build/bench-old/, then runs selftests/vm/bench_nic.py xdp
# (see selftests/vm/bench_nic_xdp.py) on that build and on ./rxlane.ko.
# Prints the host's CPU model and mitigations; the guest prints its own.
#
#   OLD_REV=REV RUN_SECONDS=2 ROUNDS=3 REPS=3 scripts/bench-nic-xdp.sh
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/scripts/bench-host.sh"
OUT=${BENCH_OUT:-$TOP/build/bench}
SECONDS_PER_RUN=${RUN_SECONDS:-2}
cd "$TOP"
if [ -z "${OLD_REV:-}" ]; then
	first=$(git log -1 --format=%H --grep='^XDP in place on the skb')
	[ -n "$first" ] || { echo "bench-nic-xdp: set OLD_REV" >&2; exit 1; }
	OLD_REV=$first^
fi
OLD_REV=$(git rev-parse --short "$OLD_REV")
mkdir -p "$OUT" build/bench-old
rm -rf build/bench-old/src && mkdir build/bench-old/src
git archive "$OLD_REV" | tar -x -C build/bench-old/src
make -s -C build/bench-old/src module >/dev/null
cp build/bench-old/src/rxlane.ko build/bench-old/rxlane-"$OLD_REV".ko
gcc -O2 -Wall -o "$OUT/e2e_send" bench/e2e_send.c

{
	bench_host_facts
	echo "old: $OLD_REV; new: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- kernel || echo '-dirty')"
} | tee "$OUT/nic-xdp.txt"
ROUNDS=${ROUNDS:-3} REPS=${REPS:-3} scripts/vm-run --timeout 3000 -- \
	env ROUNDS="${ROUNDS:-3}" REPS="${REPS:-3}" \
	selftests/vm/bench_nic.py xdp "$SECONDS_PER_RUN" \
	build/bench-old/rxlane-"$OLD_REV".ko rxlane.ko | tee -a "$OUT/nic-xdp.txt"
echo "bench-nic-xdp: table in $OUT/nic-xdp.txt"
