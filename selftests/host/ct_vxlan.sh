#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Connection tracking over VXLAN (issue 14, Documentation/conntrack.rst,
# "Tunnels and extension headers on egress"), over an IPv4 and then an
# IPv6 underlay. Namespace C is the container 'web' (10.200.0.2,
# fd00:200::2, default drop) behind the host H, which routes its traffic
# into the kernel's vxlan device vx0 (VNI 100) over the underlay veth u0,
# where 'rxlane attach u0' put the XDP and tc egress programs. The peer P
# (10.100.0.1, fd00:100::1) sits behind its own vxlan device; its answers
# come back encapsulated and XDP decaps them.
#
#   ns C              ns H                                 ns P
#   c0 ---------- h0  vx0 VNI 100 (VTEP 10.0.0.2           vx0 VNI 100
#   10.200.0.2          or fd00:10::2)
#                     u0 10.0.0.2 fd00:10::2 ------------- u1 10.0.0.1
#                        [XDP, tc egress]                     fd00:10::1
#
# For each underlay (vx0 made anew over it, the VTEP moved to its
# address): with the XDP program alone (iproute2), the container's
# outbound TCP, UDP (a request and its response) and ICMP echo to P get
# no answer, each refusal proven by the default drop counter. With
# 'rxlane attach u0' they all work, over IPv4 and IPv6 inside: the tc
# program reads each packet through its outer Ethernet/IP/UDP/VXLAN
# headers and tracks the inner tuple, which 'ct list -j' shows.
# Unsolicited inbound over VXLAN to the same ports is still dropped.
# Every command runs as users run it: ip netns exec NS rxlane ...
#
# RXL_CT_TUN=nvgre runs the same with the kernel's gretap (ip6gretap over
# IPv6, which adds its encapsulation-limit destination option) sending
# NVGRE with VSID 100 instead: selftests/vm/ct_nvgre.sh, in the guest,
# whose kernel has the modules (the host's has no gretap).
set -u
. "$(dirname "$0")/lib.sh"
rxl_init ctvx
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit $ksft_skip; }
command -v jq >/dev/null || { echo "SKIP: no jq"; exit $ksft_skip; }
TUN=${RXL_CT_TUN:-vxlan}
case $TUN in
vxlan) TNAME=VXLAN ;;
nvgre) TNAME=NVGRE ;;
*) rxl_fail "RXL_CT_TUN=$TUN: vxlan or nvgre" ;;
esac

C=rxl-cvc-$RXL_ID
H=rxl-cvh-$RXL_ID
P=rxl-cvp-$RXL_ID
RXL_R=$H		# rxl_drop_count reads the stats of this namespace

rxl_netns "$C"
rxl_netns "$H"
rxl_netns "$P"
ip netns exec "$H" sysctl -qw net.ipv4.ip_forward=1 \
	net.ipv6.conf.all.forwarding=1
rxl_ns_pair "$C" c0 "$H" h0 "10.200.0.2/24 fd00:200::2/64" \
	"10.200.0.1/24 fd00:200::1/64"
rxl_ns_pair "$H" u0 "$P" u1 "10.0.0.2/24 fd00:10::2/64" \
	"10.0.0.1/24 fd00:10::1/64"
ip -n "$C" route add default via 10.200.0.1
ip -n "$C" -6 route add default via fd00:200::1

mac() { ip -n "$1" -br link show "$2" | awk '{print $3}'; }
# vxlan NS LOCAL REMOTE DEV: vx0, VNI 100 over the underlay (VXLAN, or
# NVGRE: gretap with key 100 << 8, VSID 100), up, checksums in software
# (an XDP program passes what it decaps as it is, without the sender's
# offload state).
vxlan() {
	local gre=gretap

	case $2 in *:*) gre=ip6gretap ;; esac
	if [ "$TUN" = nvgre ]; then
		ip -n "$1" link add vx0 type $gre local "$2" remote "$3" \
			key $((100 << 8)) || rxl_fail "$gre in $1"
	else
		ip -n "$1" link add vx0 type vxlan id 100 local "$2" \
			remote "$3" dstport 4789 dev "$4" ||
			rxl_fail "vxlan in $1"
	fi
	ip netns exec "$1" sysctl -qw net.ipv6.conf.vx0.accept_dad=0 \
		net.ipv4.conf.vx0.rp_filter=0
	ip -n "$1" link set vx0 up
	ip netns exec "$1" ethtool -K vx0 tx off >/dev/null 2>&1
	ip netns exec "$1" ethtool -K "$4" tx off >/dev/null 2>&1
}
# underlay FAM: vx0 in H and P made anew over the underlay of family FAM,
# with P's overlay addresses, the overlay routes and the neighbours.
# Sets HV and PV, H's and P's underlay addresses.
underlay() {
	local ns a

	case $1 in
	4) HV=10.0.0.2 PV=10.0.0.1 ;;
	6) HV=fd00:10::2 PV=fd00:10::1 ;;
	esac
	for ns in "$H" "$P"; do
		ip -n "$ns" link del vx0 2>/dev/null
	done
	vxlan "$H" "$HV" "$PV" u0
	vxlan "$P" "$PV" "$HV" u1
	rxl_ns_addrs "$P" vx0 10.100.0.1/24 fd00:100::1/64
	ip -n "$H" route add 10.100.0.0/24 dev vx0
	ip -n "$H" -6 route add fd00:100::/64 dev vx0
	ip -n "$P" route add 10.200.0.0/24 dev vx0
	ip -n "$P" -6 route add fd00:200::/64 dev vx0
	# Neighbours known up front: ARP and ND over the tunnel are not
	# what is judged here. P addresses the container's frames to u0's
	# MAC: XDP on u0 decaps them and the host routes the inner frame on
	# to C.
	for a in 10.100.0.1 fd00:100::1; do
		ip -n "$H" neigh add "$a" lladdr "$(mac "$P" vx0)" dev vx0 ||
			rxl_fail "neigh $a"
	done
	for a in 10.200.0.2 fd00:200::2; do
		ip -n "$P" neigh add "$a" lladdr "$(mac "$H" u0)" dev vx0 ||
			rxl_fail "neigh $a"
	done
}

cli() { rxl_in "$H" "$@" || rxl_fail "rxlane $*"; }
DEFAULT=(rxl_drop_count default)

underlay 4
# P's servers stay bound when vx0, and the addresses, are made anew.
rxl_echo_servers "$P" 10.100.0.1 fd00:100::1
rxl_echo_servers "$C" 10.200.0.2 fd00:200::2

# refused_all NS ADDR WHAT: TCP to ADDR:9000, UDP to ADDR:9001 and ping of
# ADDR from NS are all refused, proven by the default drop counter.
refused_all() {
	rxl_refused "$1" "$2" 9000 "${DEFAULT[@]}" ||
		rxl_fail "$3 TCP to $2: $RXL_WHY"
	rxl_refused_counted "$3 UDP to $2" "${DEFAULT[@]}" -- \
		rxl_udp_ok "$1" "$2" 9001 3 || rxl_fail "$RXL_WHY"
	rxl_refused_counted "$3 ping of $2" "${DEFAULT[@]}" -- \
		rxl_ping_ok "$1" "$2" 3 || rxl_fail "$RXL_WHY"
	rxl_ok "$3 TCP, UDP and ICMP echo to $2 refused"
}

# run_underlay FAM: every check over the underlay of family FAM, which
# underlay made; the first (4) also makes the VNI and the container.
run_underlay() {
	local a src want list ul="the IPv$1 underlay"

	# ---- the XDP program alone: the answers are dropped ----------------
	ip -n "$H" link set dev u0 xdpdrv obj "$RXL_OBJ" sec xdp ||
		rxl_fail "attach with iproute2"
	cli vtep add "$HV" type "$TUN"
	if [ "$1" = 4 ]; then
		cli vni add 100 type "$TUN"
		cli container add web ip 10.200.0.2 ip fd00:200::2 \
			default drop vni "$TUN:100"
	fi
	# The last underlay's entries must not answer for this one.
	cli ct flush web
	for a in 10.100.0.1 fd00:100::1; do
		refused_all "$C" "$a" "$ul, without the egress program:"
	done
	cli detach u0

	# ---- rxlane attach: XDP and the tc egress program --------------------
	cli attach u0
	ip netns exec "$H" tc filter show dev u0 egress | grep -q rxlane_tc ||
		rxl_fail "no tc egress program on u0 after attach"
	for a in 10.100.0.1 fd00:100::1; do
		rxl_tcp_ok "$C" "$a" 9000 ||
			rxl_fail "$ul: outbound TCP to $a over $TNAME"
		rxl_udp_ok "$C" "$a" 9001 ||
			rxl_fail "$ul: outbound UDP to $a over $TNAME"
		rxl_ping_ok "$C" "$a" || rxl_fail "$ul: ping of $a over $TNAME"
		rxl_ok "$ul: outbound TCP, UDP request/response and ICMP echo to $a over $TNAME"
	done

	# 'ct list -j': the inner tuples, in web's zone.
	list=$(rxl_in "$H" -j ct list web) || rxl_fail "ct list -j"
	for a in 10.100.0.1 fd00:100::1; do
		case $a in *:*) src=fd00:200::2 ;; *) src=10.200.0.2 ;; esac
		for want in "tcp 9000" "udp 9001" "icmp"; do
			rxl_ct_has "$list" web "$src" "$a" $want ||
				rxl_fail "$ul: ct list -j lacks the inner $want entry $src -> $a: $list"
		done
	done
	echo "$list" | jq -e --arg h "$HV" --arg p "$PV" \
		'[.entries[] | select(.src == $h or .dst == $p)] | length == 0' \
		>/dev/null ||
		rxl_fail "$ul: ct list -j has an entry of the outer (underlay) tuple: $list"
	rxl_ok "$ul: ct list -j shows the inner tuples, none of the underlay"
	# Each keeps the way it came: the tunnel and P's VTEP (conntrack.rst,
	# "The tunnel in an entry"), in text and -j, as the schema says.
	echo "$list" | jq -e --arg t "$TUN" --arg v "$PV" \
		'(.entries | length) > 0 and all(.entries[];
		 .tunnel == {type: $t, vni: 100, vtep: $v})' >/dev/null ||
		rxl_fail "$ul: ct list -j: an entry without tunnel $TUN 100 from $PV: $list"
	want=" vni 100 vtep $PV"
	[ "$TUN" = vxlan ] || want=" vni $TUN:100 vtep $PV"
	a=$(rxl_in "$H" ct list web) || rxl_fail "ct list"
	echo "$a" | grep -q -- "$want" && ! echo "$a" | grep -v -q -- "$want" ||
		rxl_fail "$ul: ct list: not every entry shows '$want': $a"
	rxl_schema ct_list "ct list web" "$list" \
		ct_stats "ct stats" "$(rxl_in "$H" -j ct stats)"
	rxl_ok "$ul: ct list shows each entry's tunnel and P's VTEP $PV"

	# ---- unsolicited inbound in the tunnel to the same ports -------------
	for a in 10.200.0.2 fd00:200::2; do
		refused_all "$P" "$a" "$ul, unsolicited over $TNAME:"
	done
	cli detach u0
	cli vtep del "$HV"
}

run_underlay 4
underlay 6
run_underlay 6
exit 0
