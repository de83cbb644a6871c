#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Delivery mode of an attachment, with TCP over VXLAN into a container
# whose host-side device is h0 (container add ... dev h0):
#  - attached by iproute2 ('ip link set dev r0 xdpdrv obj ... sec xdp'),
#    then by 'rxlane attach r0': delivered by XDP_PASS. The receiver's
#    stack forwards the decapsulated frames to h0; the "redirect" counter
#    stays 0. Inner frames addressed to the container's own MAC are not
#    for the receiver's stack: passing cannot deliver them.
#  - 'rxlane attach r0 redirect': delivered by XDP_REDIRECT through the
#    devmap to h0: the "redirect" counter rises, the frames arrive on the
#    veth (c0 counts them) and the handshake completes with inner frames
#    addressed to the container's MAC, which only a redirect delivers.
#    A container without a device is still passed.
# status shows each attachment's delivery mode, in text and JSON, and the
# verified pass program has no bpf_redirect_map call left.
set -u
. "$(dirname "$0")/lib.sh"
rxl_init redirect
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit $ksft_skip; }
command -v bpftool >/dev/null || { echo "SKIP: no bpftool"; exit $ksft_skip; }

rxl_topo
cli() { rxl_in "$RXL_R" "$@" || rxl_fail "rxlane $*"; }
# A redirected frame enters c0 through veth's NAPI: GRO on enables it.
ip netns exec "$RXL_C" ethtool -K c0 gro on >/dev/null 2>&1
ip -n "$RXL_R" link set dev r0 xdpdrv obj "$RXL_OBJ" sec xdp ||
	rxl_fail "attach with iproute2"
cli vtep add 10.0.0.2 type vxlan
cli vni add 100
cli container add web ip 10.200.0.2 vni 100 dev h0
rxl_tcp_server 80

redirects() { rxl_in "$RXL_R" -j stats | jq .events.redirect; }
passed() { rxl_in "$RXL_R" -j stats web | jq '.containers[0].pass.packets'; }
c0_rx() { ip netns exec "$RXL_C" cat /sys/class/net/c0/statistics/rx_packets; }
delivery() { rxl_in "$RXL_R" -j status r0 | jq -r '.attached[0].delivery'; }
inner_mac() {	# the sender's inner destination MAC for the container
	ip -n "$RXL_S" neigh replace 10.200.0.2 lladdr "$1" dev vx0 \
		nud permanent || rxl_fail "neigh replace $1"
}
R0MAC=$(ip netns exec "$RXL_R" cat /sys/class/net/r0/address)
C0MAC=$(ip netns exec "$RXL_C" cat /sys/class/net/c0/address)

# passes WHO: the attachment delivers by XDP_PASS only.
passes() {
	[ "$(delivery)" = pass ] ||
		rxl_fail "$1: status -j says delivery '$(delivery)', want pass"
	cli status r0 | grep -q "^dev r0 prog [0-9]* mode native delivery pass$" ||
		rxl_fail "$1: status: $(cli status r0)"
	inner_mac "$R0MAC"
	p0=$(passed)
	rxl_connect 80 || rxl_fail "$1: TCP to the container refused"
	[ "$(redirects)" -eq 0 ] || rxl_fail "$1: redirect counter $(redirects)"
	[ "$(passed)" -gt "$p0" ] ||
		rxl_fail "$1: container pass counter did not rise"
	# Passed by XDP (the container's pass counter rises), but the
	# receiver's stack drops a frame for another MAC: the container's
	# TCP gets nothing.
	inner_mac "$C0MAC"
	tcp_in=$(rxl_snmp "$RXL_C" Tcp InSegs)
	rxl_refused "$RXL_S" 10.200.0.2 80 passed ||
		rxl_fail "$1: frame for c0's MAC: $RXL_WHY"
	[ "$(rxl_snmp "$RXL_C" Tcp InSegs)" = "$tcp_in" ] ||
		rxl_fail "$1: a frame for c0's MAC was delivered"
	[ "$(redirects)" -eq 0 ] || rxl_fail "$1: redirect counter $(redirects)"
	rxl_ok "$1: delivered by XDP_PASS (redirect counter 0, frames for the container's MAC not delivered)"
}

# redirect_calls: bpf_redirect_map calls left in r0's program once verified.
redirect_calls() {
	local id

	id=$(rxl_in "$RXL_R" -j status r0 | jq '.attached[0].prog_id')
	bpftool prog dump xlated id "$id" | grep -c 'redirect_map'
}

passes "attached by iproute2"
cli detach r0
cli attach r0
passes "rxlane attach r0"
# The flag is a constant to the verifier: off, the branch is gone.
[ "$(redirect_calls)" -eq 0 ] ||
	rxl_fail "a pass attachment still calls bpf_redirect_map"
rxl_ok "pass attachment: no bpf_redirect_map call left after verification"

# ---- with 'redirect': XDP_REDIRECT to h0 -----------------------------------
cli detach r0
cli attach r0 redirect
[ "$(delivery)" = redirect ] ||
	rxl_fail "status -j: delivery '$(delivery)', want redirect"
cli status | grep -q "^dev r0 prog [0-9]* mode native delivery redirect$" ||
	rxl_fail "status: $(cli status)"
[ "$(redirect_calls)" -gt 0 ] ||
	rxl_fail "a redirect attachment has no bpf_redirect_map call"
inner_mac "$C0MAC"
r0=$(redirects)
rx0=$(c0_rx)
rxl_connect 80 || rxl_fail "redirect: TCP to the container refused"
r1=$(redirects)
rx1=$(c0_rx)
[ "$r1" -gt "$r0" ] || rxl_fail "redirect: counter did not rise ($r0 -> $r1)"
[ $((rx1 - rx0)) -ge $((r1 - r0)) ] ||
	rxl_fail "redirect: c0 received $((rx1 - rx0)) of $((r1 - r0)) redirected frames"
rxl_ok "with redirect: $((r1 - r0)) frames redirected, all arrived on c0"

# Frames for the receiver's MAC are redirected too: the veth carries them.
inner_mac "$R0MAC"
r0=$(redirects)
rx0=$(c0_rx)
rxl_connect 80 1
[ "$(redirects)" -gt "$r0" ] || rxl_fail "redirect: counter did not rise"
[ "$(c0_rx)" -gt "$rx0" ] || rxl_fail "redirect: nothing arrived on c0"
rxl_ok "with redirect: every allowed frame goes to the veth"

# A container without a device is still passed by this attachment.
cli container del web
cli container add web ip 10.200.0.2 vni 100
r0=$(redirects)
rxl_connect 80 || rxl_fail "no dev: TCP to the container refused"
[ "$(redirects)" -eq "$r0" ] || rxl_fail "no dev: redirected"
rxl_ok "with redirect: a container without a device is passed"

echo "PASS: delivery by XDP_PASS by default, XDP_REDIRECT with 'redirect'"
exit 0
