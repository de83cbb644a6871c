#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Rounds of: insmod, create an rxlane device over a veth, check it carries
# traffic, delete it, rmmod. The module's reference count must return to
# zero and rmmod must succeed every time; vm-run judges the kernel log.
set -u

ksft_skip=4
TOP=$(cd "$(dirname "$0")/../.." && pwd)
KO=$TOP/rxlane.ko
# One round per removal method: lifecycle_traffic.py removes the NIC 20
# times by each method under traffic; this test adds the bare lifecycle,
# the refusals (round 1) and rmmod with a device present.
ROUNDS=${ROUNDS:-3}
NS=rxl-wire-$$

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit $ksft_skip; }
[ -r /proc/modules ] || { echo "SKIP: kernel without module support"; exit $ksft_skip; }
[ -r "$KO" ] || { echo "FAIL: $KO not built"; exit 1; }

# A module that cannot be removed at the end (a leaked reference) fails the
# test: exit in an EXIT trap sets the script's exit status.
cleanup() {
	local err

	ip link del nic0 2>/dev/null
	ip link del wire0 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	grep -q '^rxlane ' /proc/modules || return 0
	if ! err=$(rmmod rxlane 2>&1); then
		echo "FAIL: rmmod rxlane: $err"
		exit 1
	fi
}
trap cleanup EXIT

fail() { echo "FAIL: round $r: $*"; exit 1; }

modprobe veth || { echo "SKIP: no veth"; exit $ksft_skip; }

for r in $(seq 1 "$ROUNDS"); do
	insmod "$KO" || fail "insmod"
	ip netns add "$NS" || fail "netns"
	ip link add wire0 type veth peer name wire1 netns "$NS" || fail "veth"
	ip link add nic0 link wire0 type rxlane || fail "ip link add type rxlane"
	ip -d link show nic0 | grep -q 'rxlane' || fail "nic0 is not of kind rxlane"
	ip link show nic0 | grep -q 'nic0@wire0' || fail "nic0 does not show its lower"

	ip link set wire0 up && ip link set nic0 up || fail "link up"
	ip addr add 198.51.100.1/24 dev nic0
	ip -n "$NS" addr add 198.51.100.2/24 dev wire1
	ip -n "$NS" link set wire1 up
	ping -c 2 -i 0.2 -W 3 198.51.100.2 >/dev/null || fail "no traffic through nic0"

	# Refusals say why and leave nothing behind (once: they do not
	# depend on the round).
	expect_refused() {
		local want=$1; shift
		local err
		err=$(ip link add "$@" type rxlane 2>&1) && fail "accepted: ip link add $*"
		echo "$err" | grep -q "$want" || fail "ip link add $*: '$err' does not say '$want'"
	}
	if [ "$r" = 1 ]; then
		expect_refused "lower device is required" nic1
		expect_refused "already has a receive handler" nic1 link wire0
		expect_refused "not an Ethernet device" nic1 link lo
		expect_refused "lower device is an rxlane device" nic1 link nic0
		ip link show nic1 >/dev/null 2>&1 && fail "a refused nic1 exists"
	fi

	# Rotate the three ways a device goes away: deleted, with its
	# lower device, or with the module.
	case $((r % 3)) in
	0)	ip link del nic0 || fail "ip link del nic0"
		ip link del wire0 ;;
	1)	ip link del wire0 || fail "ip link del wire0"
		ip link show nic0 >/dev/null 2>&1 && fail "nic0 survived its lower device" ;;
	2)	rmmod rxlane || fail "rmmod with a device present"
		ip link show nic0 >/dev/null 2>&1 && fail "nic0 survived rmmod"
		ip link show wire0 >/dev/null 2>&1 || fail "rmmod took the lower device"
		ip link set wire0 promisc on && ip link set wire0 promisc off ||
			fail "lower device unusable after rmmod"
		ip link del wire0 ;;
	esac
	ip netns del "$NS"

	if grep -q '^rxlane ' /proc/modules; then
		refs=$(awk '$1 == "rxlane" { print $3 }' /proc/modules)
		[ "$refs" = 0 ] || fail "module refcount $refs after removal, want 0"
		rmmod rxlane || fail "rmmod"
	fi
done

echo "PASS: $ROUNDS rounds of insmod, create, traffic, delete, rmmod"
exit 0
