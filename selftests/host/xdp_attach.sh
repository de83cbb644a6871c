#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The XDP object attaches with iproute2 ('ip link set dev X xdp obj F sec
# xdp') to a veth in a fresh namespace, and traffic still flows over it.
set -u

ksft_skip=4
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OBJ=$TOP/bpf/rxlane_xdp.o
NS_A=rxl-xa-$$-$RANDOM
NS_B=rxl-xb-$$-$RANDOM

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit $ksft_skip; }
[ -r "$OBJ" ] || { echo "FAIL: $OBJ not built"; exit 1; }

cleanup() {
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; exit 1; }

ip netns add "$NS_A" && ip netns add "$NS_B" || fail "cannot create namespaces"
ip -n "$NS_A" link add veth0 type veth peer name veth0 netns "$NS_B" ||
	fail "cannot create veth"
ip -n "$NS_A" addr add 192.0.2.1/24 dev veth0
ip -n "$NS_B" addr add 192.0.2.2/24 dev veth0
ip -n "$NS_A" link set veth0 up
ip -n "$NS_B" link set veth0 up

# The bpffs that iproute2 pins maps in is not mounted by default.
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

ip -n "$NS_B" link set dev veth0 xdpdrv obj "$OBJ" sec xdp ||
	fail "ip link set xdpdrv obj $OBJ sec xdp"
ip -n "$NS_B" -d link show dev veth0 | grep -q 'prog/xdp id' ||
	fail "no native XDP program shown on veth0"

ip netns exec "$NS_A" ping -c 3 -i 0.2 -W 2 192.0.2.2 >/dev/null ||
	fail "ping through the XDP program failed"

ip -n "$NS_B" link set dev veth0 xdpdrv off || fail "detach failed"
ip -n "$NS_B" -d link show dev veth0 | grep -q 'prog/xdp' &&
	fail "program still attached after detach"

echo "PASS: XDP attached with iproute2, ping flows, detached"
exit 0
