#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The BPF unit tests of the fast path (selftests/host/fastpath_test, built
# on the host) on the guest's kernel: Debian's 6.1, the kernel users run,
# with its own verifier and helpers. The tree is the same, at the same
# path, so the binary and bpf/ are the ones the host group ran.
# A case that needs a kernel feature 6.1 lacks reports itself as a
# sub-case skip (kselftest_harness: "ok N fp.CASE # SKIP reason").
set -u

ksft_skip=4
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$TOP/selftests/host/fastpath_test

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit $ksft_skip; }
# On the debug kernel (make check-debug) KASAN, lockdep and kmemleak make
# the verifier so slow under TCG that every case runs past its timeout
# (seen: fastpath_unit.sh, 7 of 7 cases terminated by timeout). These
# tests prove what Debian's 6.1 verifier accepts and how the programs
# judge, which make check does on the same 6.1 verifier; they load no
# rxlane.ko code for the debug kernel to check.
[ "${RXLANE_DEBUG_KERNEL:-}" != 1 ] ||
	{ echo "SKIP: the debug kernel's verifier is too slow under TCG (make check runs this test)"; exit $ksft_skip; }
[ -x "$BIN" ] || { echo "FAIL: $BIN not built (make all)"; exit 1; }
echo "# kernel $(uname -r)"
# Each rule set flip waits for RCU grace periods, which take many times
# longer under TCG: 100 flips (the host runs 1000) keep the vm group inside
# make check's budget. The concurrency is still proven: the test flips on
# until the other thread has seen both sets judge, and the drop reasons and
# events must add up to exactly what its runs saw.
FASTPATH_MIN_FLIPS=100 exec "$BIN"
