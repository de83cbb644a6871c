#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every slab allocation on rxlane's control paths (device creation over
# rtnetlink, native XDP attach, ntuple insert, a channel change, RSS context
# creation, the rxlane genetlink family's container new/del and rule
# new/del) fails once, one at a time (fail-nth +
# FAILSLAB); each failure must leave no partial state. Needs a kernel with
# fault injection (make check-debug); skips on Debian's.
# RXL_FI_HW_ONLY=1 runs the generic netlink family's stages alone (a
# quicker run while working on kernel/hw.c). RXL_FI_NEWLINK_ONLY=1 runs
# the device creation stage alone (the longest: about 30 call sites).
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
# A stage that fails does not stop the next: one census miss (development.rst)
# must not hide what the other operations' failures leave behind.
failed=()
stage() {
	local what=$1

	shift
	"$FAIL_NTH" "$@" || { echo "FAIL: $what under allocation failures"; failed+=("$what"); }
}

grep -q '^rxlane ' /proc/modules || insmod "$KO" || fail "insmod"
modprobe veth 2>/dev/null
ip netns add "$NS" || fail "netns"
ip link add wire0 type veth peer name wire1 netns "$NS" || fail "veth"
ip link set wire0 up

hw_only=${RXL_FI_HW_ONLY:-0}
[ "$hw_only" = 1 ] || stage "device creation" newlink wire0
if [ "${RXL_FI_NEWLINK_ONLY:-0}" = 1 ]; then
	[ ${#failed[@]} -eq 0 ] || fail "device creation under allocation failures"
	ip link del wire0 || fail "delete wire0"
	rmmod rxlane || fail "rmmod"
	echo "PASS: device creation survives every allocation failure"
	exit 0
fi

ip link add nic0 link wire0 numrxqueues 4 numtxqueues 4 type rxlane ||
	fail "create nic0"
ip link set nic0 up
[ "$hw_only" = 1 ] || stage "XDP attach" xdp nic0 "$TOP/bpf/rxlane_xdp.o"

ethtool -K nic0 ntuple on 2>/dev/null
if [ "$hw_only" != 1 ]; then
	stage "ntuple insert" ntuple nic0
	stage "channel change" channels nic0
	stage "RSS context creation" rss-ctx nic0
fi

# The NIC's first container: hw.c's state of it (its table read, the
# bitmap) is made, and undone under every failure.
stage "hw-cont-new (the NIC's first)" hw-cont-new nic0

# The hw stages beside another container (rxlfb, on CPU 1: its own RSS
# context), so hw.c's state of nic0 lives through every failure. A
# location a failure left taken (hw.c's bitmap) would move the entries of
# a container made after the stages: rxlfp must get the same locations
# before and after.
RXL="$TOP/user/rxlane"
probe_locs() {
	"$RXL" hw container add rxlfp dev nic0 ip 10.66.0.3 cpus 1 \
		>/dev/null || return 1
	# An allow entry (the band's low end) and a drop entry (its top).
	"$RXL" hw rule add rxlfp allow proto tcp dport 80 >/dev/null || return 1
	"$RXL" -j hw list rxlfp | jq -c '[.containers[0].entries[].loc]'
	"$RXL" hw container del rxlfp
}
"$RXL" hw container add rxlfb dev nic0 ip 10.66.0.2 cpus 1 >/dev/null ||
	fail "hw container add rxlfb"
locs0=$(probe_locs) || fail "hw container add rxlfp"
for op in hw-cont-new hw-cont-del hw-rule-new hw-rule-del; do
	stage "$op" $op nic0
done
"$RXL" hw container del rxlfi 2>/dev/null ||
	[ ${#failed[@]} -gt 0 ] || fail "hw container del rxlfi"
locs1=$(probe_locs) || fail "hw container add rxlfp after the stages"
[ "$locs1" = "$locs0" ] ||
	fail "a container made after the hw stages is at $locs1, before them at $locs0: locations leaked"
"$RXL" hw container del rxlfb || fail "hw container del rxlfb"
left=$(ethtool -n nic0 | grep -c '^Filter:')
[ "$left" = 0 ] || fail "$left ntuple entries left after the container went"

ip link del nic0 || fail "delete nic0"
rmmod rxlane || fail "rmmod"
[ ${#failed[@]} -eq 0 ] || fail "${#failed[@]} stage(s): ${failed[*]}"
[ "$hw_only" = 1 ] && echo "PASS: hw container/rule new/del survive every allocation failure" ||
	echo "PASS: device creation, XDP attach, ntuple insert, channel change, RSS context creation and hw container/rule new/del survive every allocation failure"
