#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End to end on rxlane's own NIC, driven by the rxlane CLI: the kernel's
# vxlan, geneve and gretap (NVGRE) devices send overlay traffic, over an
# IPv4 and an IPv6 underlay, through a veth whose other end is the lower
# device of an rxlane NIC; 'rxlane attach nic0 mode native' runs the XDP
# program natively on that NIC (in its NAPI poll), it decaps, and a
# container namespace behind a veth gets exactly the TCP connections its
# rules ('rxlane vtep/vni/container/fw') allow. Every refusal is proven by
# its drop counter ('rxlane -j stats'). Then connection tracking: the
# default-drop container's own outbound connection works only with the
# tc egress program 'attach' puts on nic0; its replies arrive in VXLAN.
#
#   ns S (wire)                      ns R (receiver)              ns C
#   vx0 vxlan  VNI 100  10.100.0.1 \
#   vx1 vxlan  VNI 101  10.102.0.1  \
#   gn0 geneve VNI 200  10.104.0.1   \ s0 ---- r0 (lower)
#   gt0 gretap VSID 300 10.101.0.1   / |           |
#   vx6 vxlan  VNI 110  10.106.0.1  /  |        nic0 rxlane [xdpdrv]
#   gn6 geneve VNI 210  10.108.0.1 /   |        10.0.0.2, fd00::2 (VTEPs)
#   s0 10.0.0.1, fd00::1 (vx6, gn6: outer IPv6)
#                                      h0 10.200.0.1 ---- c0 10.200.0.2
#
# Replies go back as plain IPv4 through nic0 (R routes the overlay sources
# to S). Helpers (namespaces, bpffs, servers) come from selftests/host/lib.sh.
#
#   scripts/vm-run --timeout 900 -- sh -c 'cd selftests/vm && ./fastpath_nic.sh'
set -u
. "$(dirname "$0")/nic_lib.sh"
rxl_nic_init fpnic veth vxlan geneve ip_gre
RXL_S=rxl-s-$RXL_ID
RXL_R=rxl-r-$RXL_ID
RXL_C=rxl-c-$RXL_ID

drops() { rxl_in "$RXL_R" -j stats | jq ".drops.$1"; }
hits() {	# handle -> packets counted for the rule
	rxl_in "$RXL_R" -j stats web |
		jq ".containers[0].rules[] | select(.handle == $1) | .packets"
}

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
ip -n "$RXL_S" addr add fd00::1/64 dev s0 nodad
ip -n "$RXL_R" addr add 10.0.0.2/24 dev nic0
ip -n "$RXL_R" addr add fd00::2/64 dev nic0 nodad
ip -n "$RXL_R" addr add 10.200.0.1/24 dev h0
ip -n "$RXL_C" addr add 10.200.0.2/24 dev c0
for l in "$RXL_S s0" "$RXL_R r0" "$RXL_R nic0" "$RXL_R h0" "$RXL_C c0"; do
	set -- $l
	ip -n "$1" link set "$2" up || fail "link up $2"
	ip netns exec "$1" sysctl -qw net.ipv4.conf."$2".rp_filter=0
done
ip -n "$RXL_C" route add default via 10.200.0.1
for n in 100 101 102 104 106 108; do
	ip -n "$RXL_R" route add 10.$n.0.0/24 via 10.0.0.1
done
NICMAC=$(ip netns exec "$RXL_R" cat /sys/class/net/nic0/address)

# Senders: the kernel's tunnels (lib.sh: checksums in software, no IPv6).
add_tunnel() { rxl_add_tunnel "$RXL_S" "$NICMAC" "$@" || fail "link add $*"; }
add_tunnel vx0 10.100.0.1 type vxlan id 100 local 10.0.0.1 remote 10.0.0.2 \
	dstport 4789 dev s0
add_tunnel vx1 10.102.0.1 type vxlan id 101 local 10.0.0.1 remote 10.0.0.2 \
	dstport 4789 dev s0
add_tunnel gn0 10.104.0.1 type geneve id 200 remote 10.0.0.2
add_tunnel gt0 10.101.0.1 type gretap local 10.0.0.1 remote 10.0.0.2 \
	key $((300 << 8))
# IPv6 underlay: outer IPv6 to the VTEP fd00::2.
add_tunnel vx6 10.106.0.1 type vxlan id 110 local fd00::1 remote fd00::2 \
	dstport 4789 dev s0
add_tunnel gn6 10.108.0.1 type geneve id 210 remote fd00::2
ip netns exec "$RXL_S" ethtool -K s0 tx off >/dev/null 2>&1

# Native XDP on the rxlane NIC, attached and configured with the CLI; maps
# pinned in the test's bpffs.
cli attach nic0 mode native
ip -n "$RXL_R" -d link show nic0 | grep -q 'prog/xdp ' ||
	fail "nic0: XDP not attached in native mode"
[ -e "$RXLANE_PIN_DIR/rxl_rules4" ] || fail "maps not pinned in $RXLANE_PIN_DIR"
CLI_READY=1
cli vtep add 10.0.0.2
cli vtep add fd00::2
cli vni add 100
cli vni add 110
cli vni add 200 type geneve
cli vni add 210 type geneve
cli vni add 300 type nvgre
cli container add web ip 10.200.0.2 default drop \
	vni 100,110,geneve:200,geneve:210,nvgre:300
cli fw add web allow proto tcp from 10.100.0.0/24 dport 80 prio 10
cli fw add web allow proto tcp from 10.101.0.0/24 dport 8080 prio 20
cli fw add web allow proto tcp from 10.104.0.0/24 dport 22 prio 30
cli fw add web allow proto tcp from 10.106.0.0/24 dport 80 prio 40
cli fw add web allow proto tcp from 10.108.0.0/24 dport 22 prio 50
rxl_in "$RXL_R" vtep list | grep -q 'fd00::2' || fail "vtep list lacks fd00::2"

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
	rxl_refused "$RXL_S" 10.200.0.2 "$2" drops "$4" || fail "$3: $RXL_WHY"
	echo "ok: $3"
}

# decaps TYPE: packets the fast path decapsulated of that tunnel type.
decaps() { rxl_in "$RXL_R" -j stats | jq ".events.decap_$1"; }

expect_allowed vx0 80 "vxlan, allowed source and port"
expect_refused vx0 8080 "vxlan, port allowed only for another source" default
expect_allowed gn0 22 "geneve, allowed source and port"
expect_refused gn0 80 "geneve, port of another source" default
expect_allowed gt0 8080 "gretap (NVGRE), allowed source and port"
expect_refused gt0 22 "gretap (NVGRE), port of another source" default
expect_refused vx1 80 "vxlan, unknown VNI" unknown_vni

# IPv6 underlay: the same rules judge the inner packet.
v6_vxlan=$(decaps vxlan)
expect_allowed vx6 80 "vxlan over IPv6, allowed source and port"
expect_refused vx6 22 "vxlan over IPv6, port of another source" default
[ "$(decaps vxlan)" -gt "$v6_vxlan" ] || fail "vxlan over IPv6 not decapped"
v6_geneve=$(decaps geneve)
expect_allowed gn6 22 "geneve over IPv6, allowed source and port"
expect_refused gn6 8080 "geneve over IPv6, port of another source" default
[ "$(decaps geneve)" -gt "$v6_geneve" ] || fail "geneve over IPv6 not decapped"
cli vni del 210 type geneve
expect_refused gn6 22 "geneve over IPv6, VNI deleted" unknown_vni
cli vni add 210 type geneve
# A deleted VTEP: its tunnel packets are host traffic, passed untouched
# (no geneve device on R takes them), never decapped.
cli vtep del fd00::2
route_via gn6
g0=$(decaps geneve)
h0=$(rxl_in "$RXL_R" -j stats | jq .events.pass_host)
rxl_connect 22 5 && fail "geneve over IPv6 to a deleted VTEP reached the container"
[ "$(decaps geneve)" -eq "$g0" ] || fail "decapped for a deleted VTEP"
[ "$(rxl_in "$RXL_R" -j stats | jq .events.pass_host)" -gt "$h0" ] ||
	fail "tunnel packets to a deleted VTEP not passed as host traffic"
echo "ok: geneve over IPv6, VTEP deleted: passed as host traffic, not decapped"
cli vtep add fd00::2
expect_allowed gn6 22 "geneve over IPv6, VTEP added again"

for h in 1 2 3 4 5; do
	[ "$(hits $h)" -gt 0 ] || fail "rule handle $h hits not counted"
done

# A drop rule judged first, an allow for 22: each 'fw add' replaces the
# set atomically.
cli fw add web drop proto tcp from 10.100.0.0/24 dport 80 prio 1
cli fw add web allow proto tcp from 10.100.0.0/24 dport 22 prio 5
expect_allowed vx0 22 "after replace, newly allowed port"
expect_refused vx0 80 "after replace, explicitly dropped port" rule

# Every packet to the container found it through the address cache,
# across the rule set replacements above.
miss=$(rxl_in "$RXL_R" -j stats | jq .events.acache_miss)
[ "$miss" = 0 ] || fail "$miss packets found the container past the address cache"
echo "ok: the container was found through the address cache (0 misses)"

# The NIC itself ran the program (native mode): its per-queue XDP
# counters saw both verdicts.
xdp_sum() {
	ip netns exec "$RXL_R" ethtool -S nic0 |
		awk -v k="$1" '$1 ~ "^rx[0-9]+_" k ":$" { s += $2 } END { print s + 0 }'
}
[ "$(xdp_sum xdp_pass)" -gt 0 ] || fail "nic0 counted no XDP_PASS"
[ "$(xdp_sum xdp_drop)" -gt 0 ] || fail "nic0 counted no XDP_DROP"
echo "ok: nic0 ran XDP natively: pass $(xdp_sum xdp_pass), drop $(xdp_sum xdp_drop)"

# Connection tracking on the NIC (issue 14): the default-drop container
# opens a connection itself. The SYN leaves as plain IPv4 through nic0,
# where 'attach' put the tc egress program; the SYN-ACK comes back in
# VXLAN (S routes 10.200.0.0/24 into vx0), is decapped natively by XDP and
# passed by the entry, though the rules would drop it. Without the egress
# program (its filter removed) the same connection is refused, proven by
# the default drop counter.
route_via vx0
ip netns exec "$RXL_S" python3 -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.100.0.1", 9000))
s.listen(16)
while True:
    c = s.accept()[0]
    c.sendall(b"hello\n")
    c.close()
' &
RXL_PIDS+=($!)
rxl_wait_listen "$RXL_S" 9000
tcfilter() { ip netns exec "$RXL_R" tc filter show dev nic0 egress; }
tcfilter | grep -q rxlane_tc || fail "attach put no tc egress program on nic0: $(tcfilter)"
ip netns exec "$RXL_R" tc filter del dev nic0 egress ||
	fail "removing rxlane's tc egress filter"
rxl_refused "$RXL_C" 10.100.0.1 9000 drops default ||
	fail "outbound without the egress program: $RXL_WHY"
echo "ok: outbound from the default-drop container without tracking: refused"
cli detach nic0
cli attach nic0 mode native
tcfilter | grep -q rxlane_tc || fail "attach again: no tc egress program"
got=$(ip netns exec "$RXL_C" timeout 60 python3 -c '
import socket
s = socket.create_connection(("10.100.0.1", 9000), timeout=50)
print(s.makefile().readline().strip())') ||
	fail "outbound TCP from the default-drop container through nic0 failed"
[ "$got" = hello ] || fail "outbound TCP read '$got', want hello"
ent=$(rxl_in "$RXL_R" -j ct list web | jq -c '[.entries[] |
	select(.proto == "tcp" and .dst == "10.100.0.1" and .dport == 9000 and
	       .direction == "out")] | length')
[ "$ent" -ge 1 ] || fail "no outbound entry in ct list: $(rxl_in "$RXL_R" ct list)"
in=$(rxl_in "$RXL_R" -j ct stats | jq .events.ingress)
[ "$in" -gt 0 ] || fail "no reply passed by an entry (events.ingress $in): $(rxl_in "$RXL_R" ct stats)"
echo "ok: outbound TCP from the default-drop container: tracked on nic0's egress, its VXLAN replies passed after decap ($in by entries)"

cli detach nic0
ip -n "$RXL_R" -d link show nic0 | grep -q 'prog/xdp' && fail "still attached"
echo "PASS: rxlane NIC, native XDP, CLI-configured; vxlan/geneve/gretap over IPv4, vxlan/geneve over IPv6; rules enforced"
exit 0
