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
[ -x "$BIN" ] || { echo "FAIL: $BIN not built (make all)"; exit 1; }
echo "# kernel $(uname -r)"
exec "$BIN"
