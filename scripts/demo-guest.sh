#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo itself, run as root on a kernel that can load rxlane.ko: a
# "wire" namespace at one end of a veth, an rxlane NIC over the other end,
# the XDP program attached to the NIC, traffic, and what the NIC saw; then
# scripts/demo-cli.sh: a container over VXLAN, firewall rules set with the
# rxlane CLI, allowed and refused connections, the counters.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
WIRE=rxl-demo-wire
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

cleanup() {
	set +e
	ip link del nic0 2>/dev/null
	ip link del wire0 2>/dev/null
	ip netns del $WIRE 2>/dev/null
	grep -q '^rxlane ' /proc/modules && rmmod rxlane
}
trap cleanup EXIT

step "load the module"
grep -q '^rxlane ' /proc/modules && rmmod rxlane
run insmod "$TOP/rxlane.ko"
modprobe veth

step "a wire: veth wire0 here, wire1 in namespace $WIRE (192.0.2.2)"
ip netns add $WIRE
run ip link add wire0 type veth peer name wire1 netns $WIRE
ip -n $WIRE addr add 192.0.2.2/24 dev wire1
ip -n $WIRE link set wire1 up
ip link set wire0 up

step "the rxlane NIC over wire0"
run ip link add nic0 link wire0 type rxlane
ip addr add 192.0.2.1/24 dev nic0
ip link set nic0 up
run ip -d link show nic0

step "attach the XDP program"
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
if ip link set dev nic0 xdpdrv obj "$TOP/bpf/rxlane_xdp.o" sec xdp 2>/dev/null; then
	echo "attached natively (driver mode)"
else
	run ip link set dev nic0 xdpgeneric obj "$TOP/bpf/rxlane_xdp.o" sec xdp
	echo "attached in generic mode (this NIC has no native XDP yet)"
fi
ip link show nic0 | grep -o 'prog/xdp[a-z]* id [0-9]*'

step "traffic from the wire into the NIC"
run ip netns exec $WIRE ping -c 5 -i 0.2 192.0.2.1

step "what the NIC counted"
run ip -s link show nic0
if ethtool -S nic0 >/dev/null 2>&1; then
	run ethtool -S nic0
fi
run "$TOP/user/rxlane" version

step "clean up"
ip link set dev nic0 xdp off
run ip link del nic0
run rmmod rxlane
trap - EXIT
ip link del wire0 2>/dev/null || true
ip netns del $WIRE

step "the fast path and the CLI: a container reached over VXLAN"
"$TOP/scripts/demo-cli.sh"
echo "demo: done"
