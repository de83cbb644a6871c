#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every slab allocation on rxlane's control paths (device creation over
# rtnetlink, native XDP attach, ntuple insert, a channel change, RSS context
# creation, the rxlane genetlink family's container new/del and rule
# new/del) fails once, one at a time (fail-nth +
# FAILSLAB); each failure must leave no partial state. Needs a kernel with
# fault injection (make check-debug); skips on Debian's.
set -u

ksft_skip=4
TOP=$(cd "$(dirname "$0")/../.." && pwd)
KO=${RXLANE_KO:-$TOP/rxlane.ko}
FAIL_NTH=$(dirname "$0")/fail_nth
NS=rxl-fi-$$

[ -e /proc/thread-self/fail-nth ] ||
	{ echo "SKIP: kernel without CONFIG_FAULT_INJECTION (run make check-debug)"; exit $ksft_skip; }
[ -d /sys/kernel/debug/failslab ] ||
	{ echo "SKIP: kernel without CONFIG_FAILSLAB"; exit $ksft_skip; }

cleanup() {
	ip link del nic0 2>/dev/null
	ip link del wire0 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	grep -q '^rxlane ' /proc/modules && rmmod rxlane
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

grep -q '^rxlane ' /proc/modules || insmod "$KO" || fail "insmod"
modprobe veth 2>/dev/null
ip netns add "$NS" || fail "netns"
ip link add wire0 type veth peer name wire1 netns "$NS" || fail "veth"
ip link set wire0 up

"$FAIL_NTH" newlink wire0 || fail "device creation under allocation failures"

ip link add nic0 link wire0 numrxqueues 4 numtxqueues 4 type rxlane ||
	fail "create nic0"
ip link set nic0 up
"$FAIL_NTH" xdp nic0 "$TOP/bpf/rxlane_xdp.o" || fail "XDP attach under allocation failures"

ethtool -K nic0 ntuple on 2>/dev/null
"$FAIL_NTH" ntuple nic0 || fail "ntuple insert under allocation failures"
"$FAIL_NTH" channels nic0 || fail "channel change under allocation failures"
"$FAIL_NTH" rss-ctx nic0 || fail "RSS context creation under allocation failures"
for op in hw-cont-new hw-cont-del hw-rule-new hw-rule-del; do
	"$FAIL_NTH" $op nic0 || fail "$op under allocation failures"
done
"$TOP/user/rxlane" hw container del rxlfi || fail "hw container del rxlfi"
left=$(ethtool -n nic0 | grep -c '^Filter:')
[ "$left" = 0 ] || fail "$left ntuple entries left after the container went"

ip link del nic0 || fail "delete nic0"
rmmod rxlane || fail "rmmod"
echo "PASS: device creation, XDP attach, ntuple insert, channel change, RSS context creation and hw container/rule new/del survive every allocation failure"
