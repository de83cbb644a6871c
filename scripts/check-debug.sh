#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-debug: build the debug kernel if needed, build rxlane.ko
# against it (out of the way of the normal build), and run the whole vm
# group on it in one guest; vm-run fails the run on any KASAN, lockdep,
# kmemleak, refcount-tracker or other kernel report.
# TESTS="a.sh b.py" (make check-debug TESTS=...) runs only those.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$TOP/build/check
MOD=$TOP/build/debug-module
mkdir -p "$OUT"

t0=$SECONDS
KDIR=$("$TOP/scripts/debug-kernel.sh" | tail -n 1)
echo "check-debug: debug kernel ready ($((SECONDS - t0)) s): $KDIR"

rm -rf "$MOD" && mkdir -p "$MOD"
cp -r "$TOP/Kbuild" "$TOP/kernel" "$MOD/"
[ -d "$TOP/include" ] && cp -r "$TOP/include" "$MOD/"
# The copy has no top Makefile for Kbuild to read the version from: the
# same version string as the normal build (VERSION+gREV), which nic_basic.py
# checks against the Makefile.
ver=$(sed -n 's/^VERSION[[:space:]]*:=[[:space:]]*//p' "$TOP/Makefile")
rev=$(git -C "$TOP" describe --always --dirty 2>/dev/null || true)
make -s -C "$KDIR" M="$MOD" W=1 RXLANE_VERSION="$ver${rev:++g$rev}" modules
echo "check-debug: module built against $(cat "$KDIR/include/config/kernel.release")"

t1=$SECONDS
set +e
"$TOP/scripts/vm-run" --kernel debug --smp 2 --timeout 10800 \
	--log "$OUT/vm-debug-console.log" -- \
	"$TOP/scripts/vm-debug-suite.sh" "$MOD/rxlane.ko" ${TESTS:-} 2>&1 | tee "$OUT/vm-debug.tap"
rc=${PIPESTATUS[0]}
set -e
echo "check-debug: suite on the debug kernel took $((SECONDS - t1)) s (vm-run exit $rc)"

set +e
. "$TOP/scripts/tap-tally.sh"
tally_init
tally check-debug vm "$OUT/vm-debug.tap"
if [ "$rc" -eq 0 ]; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	failures+=("vm: debug guest kernel log, kmemleak or run failed (vm-run exit $rc; see $OUT/vm-debug-console.log)")
fi
if [ ${#failures[@]} -gt 0 ]; then
	echo "== failures"
	printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
