#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/vm-run itself: passes the command's exit status out, fails a run
# whose guest kernel log reports a problem or an unexpected taint, reports
# a crashed guest, and never hangs.
set -u

ksft_skip=4
TOP=$(cd "$(dirname "$0")/../.." && pwd)
VMRUN=$TOP/scripts/vm-run
ls /boot/vmlinuz-* >/dev/null 2>&1 || { echo "SKIP: no guest kernel"; exit $ksft_skip; }

fail() { echo "FAIL: $*"; exit 1; }
expect() {
	local want=$1 what=$2 rc
	shift 2
	"$VMRUN" --quiet "$@" > /dev/null 2>&1
	rc=$?
	[ "$rc" -eq "$want" ] || fail "$what: exit $rc, want $want"
	echo "ok: $what (exit $rc)"
}

expect 0 "clean run" -- true
expect 7 "exit status passed out" -- sh -c 'exit 7'
expect 1 "WARNING in the kernel log" -- sh -c 'echo "WARNING: CPU: 0 PID: 1 at test" > /dev/kmsg'
expect 1 "taint beyond O and E" -- sh -c 'echo 1 > /proc/sys/kernel/tainted'
expect 125 "guest crash" -- sh -c 'echo c > /proc/sysrq-trigger'
expect 124 "time limit" --timeout 25 -- sleep 600
out=$("$VMRUN" --quiet -- sh -c 'echo out-$((6 * 7))' 2>/dev/null)
[ "$out" = out-42 ] || fail "command output not passed out: '$out'"
echo "PASS: vm-run reports status, kernel problems, crashes and timeouts"
