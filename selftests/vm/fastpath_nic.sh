#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End to end on rxlane's own NIC: the kernel's vxlan, geneve and gretap
# (NVGRE) devices send overlay traffic over a veth whose other end is the
# lower device of an rxlane NIC; the rxlane XDP program runs NATIVELY on
# that NIC (xdpdrv, in the NIC's NAPI poll), decaps, and a container
# namespace behind a veth gets exactly the TCP connections its rules allow.
# Every refusal is proven by its drop counter.
#
#   ns S (wire)                   ns R (receiver)                ns C
#   vx0 vxlan  VNI 100  10.100.0.1 \
#   vx1 vxlan  VNI 101  10.102.0.1  \  s0 ---- r0 (lower)
#   gn0 geneve VNI 200  10.104.0.1  /           |
#   gt0 gretap VSID 300 10.101.0.1 /         nic0 rxlane [xdpdrv]
#   s0 10.0.0.1                               10.0.0.2 (VTEP)
#                                             h0 10.200.0.1 ---- c0 10.200.0.2
#
# Replies go back as plain IP through nic0 (R routes the overlay sources
# to S). Helpers (namespaces, bpffs, servers) come from selftests/host/lib.sh.
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../host/lib.sh
. "$TOP/selftests/host/lib.sh"
KO=$TOP/rxlane.ko
FWT=$TOP/selftests/host/fw_tool
LOADED=0

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit $ksft_skip; }
[ -r /proc/modules ] || { echo "SKIP: kernel without module support"; exit $ksft_skip; }
[ -r "$KO" ] || rxl_fail "$KO not built"
[ -r "$RXL_OBJ" ] || rxl_fail "$RXL_OBJ not built"
[ -x "$FWT" ] || rxl_fail "$FWT not built"
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit $ksft_skip; }

rxl_init fpnic
RXL_S=rxl-s-$RXL_ID
RXL_R=rxl-r-$RXL_ID
RXL_C=rxl-c-$RXL_ID

cleanup() {
	ip -n "$RXL_R" link del nic0 2>/dev/null
	rxl_cleanup
	if [ $LOADED = 1 ] && grep -q '^rxlane ' /proc/modules; then
		rmmod rxlane || echo "FAIL: rmmod rxlane"
	fi
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	[ -n "${FWT_READY:-}" ] && fwt dump | sed 's/^/  counter: /'
	exit 1
}
fwt() { ip netns exec "$RXL_R" "$FWT" --dev nic0 "$@"; }

for m in veth vxlan geneve ip_gre; do
	modprobe -q "$m" || { echo "SKIP: no $m module"; exit $ksft_skip; }
done
if ! grep -q '^rxlane ' /proc/modules; then
	insmod "$KO" || fail "insmod $KO"
	LOADED=1
fi

for ns in "$RXL_S" "$RXL_R" "$RXL_C"; do
	rxl_netns "$ns"
done
ip netns exec "$RXL_R" sysctl -qw net.ipv4.ip_forward=1
ip -n "$RXL_S" link add s0 type veth peer name r0 netns "$RXL_R" ||
	fail "veth s0"
ip -n "$RXL_R" link add nic0 link r0 type rxlane || fail "rxlane nic0 on r0"
ip -n "$RXL_R" link add h0 type veth peer name c0 netns "$RXL_C" ||
	fail "veth h0"
ip -n "$RXL_S" addr add 10.0.0.1/24 dev s0
ip -n "$RXL_R" addr add 10.0.0.2/24 dev nic0
ip -n "$RXL_R" addr add 10.200.0.1/24 dev h0
ip -n "$RXL_C" addr add 10.200.0.2/24 dev c0
for l in "$RXL_S s0" "$RXL_R r0" "$RXL_R nic0" "$RXL_R h0" "$RXL_C c0"; do
	set -- $l
	ip -n "$1" link set "$2" up || fail "link up $2"
	ip netns exec "$1" sysctl -qw net.ipv4.conf."$2".rp_filter=0
done
ip -n "$RXL_C" route add default via 10.200.0.1
for n in 100 101 102 104; do
	ip -n "$RXL_R" route add 10.$n.0.0/24 via 10.0.0.1
done
NICMAC=$(ip netns exec "$RXL_R" cat /sys/class/net/nic0/address)

# Senders: the kernel's tunnels, checksums in software.
add_tunnel() {	# name addr, then the link type arguments
	local dev=$1 addr=$2
	shift 2
	ip -n "$RXL_S" link add "$dev" "$@" || fail "link add $dev $*"
	ip -n "$RXL_S" addr add "$addr"/32 dev "$dev"
	ip -n "$RXL_S" link set "$dev" up
	ip netns exec "$RXL_S" sysctl -qw net.ipv4.conf."$dev".rp_filter=0
	ip netns exec "$RXL_S" ethtool -K "$dev" tx off >/dev/null 2>&1
	ip -n "$RXL_S" neigh add 10.200.0.2 lladdr "$NICMAC" dev "$dev" \
		nud permanent
}
add_tunnel vx0 10.100.0.1 type vxlan id 100 local 10.0.0.1 remote 10.0.0.2 \
	dstport 4789 dev s0
add_tunnel vx1 10.102.0.1 type vxlan id 101 local 10.0.0.1 remote 10.0.0.2 \
	dstport 4789 dev s0
add_tunnel gn0 10.104.0.1 type geneve id 200 remote 10.0.0.2
add_tunnel gt0 10.101.0.1 type gretap local 10.0.0.1 remote 10.0.0.2 \
	key $((300 << 8))
ip netns exec "$RXL_S" ethtool -K s0 tx off >/dev/null 2>&1

# Native XDP on the rxlane NIC; maps pinned in the test's bpffs.
ip -n "$RXL_R" link set dev nic0 xdpdrv obj "$RXL_OBJ" sec xdp ||
	fail "attach $RXL_OBJ natively to nic0"
ip -n "$RXL_R" -d link show nic0 | grep -q 'prog/xdp ' ||
	fail "nic0: XDP not attached in native mode"
[ -e "$RXL_BPFFS/tc/globals/rxl_rules4" ] || fail "maps not pinned"
FWT_READY=1
fwt vtep 10.0.0.2 || fail "vtep"
fwt vni vxlan 100 || fail "vni vxlan"
fwt vni geneve 200 || fail "vni geneve"
fwt vni nvgre 300 || fail "vsid"
fwt container 1 10.200.0.2 || fail "container"
fwt rules 1 drop "prio 10 from 10.100.0.0/24 proto tcp dport 80 allow" \
	"prio 20 from 10.101.0.0/24 proto tcp dport 8080 allow" \
	"prio 30 from 10.104.0.0/24 proto tcp dport 22 allow" ||
	fail "rules"

rxl_tcp_server 22 80 8080

route_via() {
	ip -n "$RXL_S" route replace 10.200.0.0/24 dev "$1" \
		src "$(ip -n "$RXL_S" -4 -o addr show dev "$1" |
		       awk '{print $4}' | cut -d/ -f1)"
}

expect_allowed() {
	route_via "$1"
	rxl_connect "$2" 30 || fail "$3: TCP to port $2 via $1 refused"
	echo "ok: $3"
}

# A refusal is proven by the drop counter of reason $4 (lib.sh).
expect_refused() {
	route_via "$1"
	rxl_refused "$RXL_S" 10.200.0.2 "$2" fwt drop "$4" || fail "$3: $RXL_WHY"
	echo "ok: $3"
}

expect_allowed vx0 80 "vxlan, allowed source and port"
expect_refused vx0 8080 "vxlan, port allowed only for another source" default
expect_allowed gn0 22 "geneve, allowed source and port"
expect_refused gn0 80 "geneve, port of another source" default
expect_allowed gt0 8080 "gretap (NVGRE), allowed source and port"
expect_refused gt0 22 "gretap (NVGRE), port of another source" default
expect_refused vx1 80 "vxlan, unknown VNI" unknown_vni

[ "$(fwt rule-hits 1 0)" -gt 0 ] || fail "rule 0 hits not counted"
[ "$(fwt rule-hits 1 1)" -gt 0 ] || fail "rule 1 hits not counted"
[ "$(fwt rule-hits 1 2)" -gt 0 ] || fail "rule 2 hits not counted"

# Replace the rule set: 80 explicitly dropped, 22 open for vxlan.
fwt rules 1 drop "prio 1 from 10.100.0.0/24 proto tcp dport 80 drop" \
	"prio 5 from 10.100.0.0/24 proto tcp dport 22 allow" ||
	fail "replace rules"
expect_allowed vx0 22 "after replace, newly allowed port"
expect_refused vx0 80 "after replace, explicitly dropped port" rule

# The NIC itself ran the program (native mode): its per-queue XDP
# counters saw both verdicts.
xdp_sum() {
	ip netns exec "$RXL_R" ethtool -S nic0 |
		awk -v k="$1" '$1 ~ "^rx[0-9]+_" k ":$" { s += $2 } END { print s + 0 }'
}
[ "$(xdp_sum xdp_pass)" -gt 0 ] || fail "nic0 counted no XDP_PASS"
[ "$(xdp_sum xdp_drop)" -gt 0 ] || fail "nic0 counted no XDP_DROP"
echo "ok: nic0 ran XDP natively: pass $(xdp_sum xdp_pass), drop $(xdp_sum xdp_drop)"

ip -n "$RXL_R" link set dev nic0 xdpdrv off || fail "detach"
echo "PASS: rxlane NIC, native XDP, vxlan/geneve/gretap senders, rules enforced"
exit 0
