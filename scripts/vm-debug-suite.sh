#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the debug-kernel guest (make check-debug): the whole vm group with
# the module built against the debug kernel, then a kmemleak scan.
# usage: scripts/vm-debug-suite.sh DEBUG_KO [TEST...]   (default: all)
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
KO=${1:?usage: vm-debug-suite.sh DEBUG_KO [TEST...]}
shift
KML=/sys/kernel/debug/kmemleak

[ "${RXLANE_DEBUG_KERNEL:-}" = 1 ] || { echo "not on the debug kernel" >&2; exit 2; }

# Every test loads $TOP/rxlane.ko: show them the debug build there.
mount --bind "$KO" "$TOP/rxlane.ko" || exit 1
# KASAN and lockdep make everything several times slower: give each test
# four times its usual limit (the runner reads only the settings file).
settings=$(mktemp)
sed 's/^timeout=\([0-9]*\)/echo timeout=$((\1 * 4))/e' "$TOP/selftests/vm/settings" > "$settings"
mount --bind "$settings" "$TOP/selftests/vm/settings" || exit 1
trap 'umount "$TOP/selftests/vm/settings" "$TOP/rxlane.ko"; rm -f "$settings"' EXIT

# Forget what boot allocated; only what the suite leaks counts.
echo clear > $KML

if [ $# -gt 0 ]; then
	make -s -C "$TOP/selftests/vm" run_tests TEST_PROGS="$*"
else
	make -s -C "$TOP/selftests/vm" run_tests
fi
rc=$?

# Objects freed by RCU or by deferred work need a moment; kmemleak also
# wants two scans before it reports an object.
sleep 5
echo scan > $KML
sleep 5
echo scan > $KML
leaks=$(cat $KML)
if [ -n "$leaks" ]; then
	echo "kmemleak: suspected memory leaks after the suite:" | tee /dev/kmsg
	echo "$leaks" | head -n 200
	echo "$leaks" | head -n 60 > /dev/kmsg
	exit 1
fi
echo "kmemleak: no leaks after the suite"
exit $rc
