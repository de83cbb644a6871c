#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The BPF unit tests of connection tracking (selftests/host/ct_test, built
# on the host) on the guest's kernel: Debian's 6.1, whose verifier must
# accept the XDP and tc programs as users get them (it once refused the
# tc program that the host's accepted: issue 14, c4's notes). The tree is
# the same, at the same path, so the binary and bpf/ are the ones the
# host group ran. Every case loads and verifies both programs, which
# under TCG takes a good part of the harness's default 30 s: ct_test
# gives each case CT_CASE_TIMEOUT (180 s) instead.
set -u

ksft_skip=4
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$TOP/selftests/host/ct_test

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
exec "$BIN"
