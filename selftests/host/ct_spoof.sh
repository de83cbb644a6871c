#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Anti-spoofing end to end (issue 14, Documentation/conntrack.rst,
# "Anti-spoofing"). Two containers behind one device: namespace H is the
# host, with rxlane attached to its uplink vu (peer P, the outside) and
# the containers' host-side devices vA and vB; H routes (rp_filter off,
# as on many container hosts, so only rxlane's check stands).
#
#   A 10.79.1.1 eA -- vA                      vu 10.79.9.1 -- vp P 10.79.9.2
#   B 10.79.2.1 eB -- vB   H (rxlane: XDP + tc egress on vu)
#
# 'a' (dev vA) is open, 'b' (dev vB) has default drop. A adds B's address
# and sends UDP from it to P: the frame is dropped at vA (a's spoof
# counter rises), B's zone gets no entry, P never sees it, and the answer
# P would send from the port A chose is still refused by b's default drop.
# Then the MAC: a wrong 'mac' on 'a' drops its traffic, the right one
# passes it. Container del removes the check from vA. A check that cannot
# be attached (another loader's classifier at its place) refuses the
# container add and leaves nothing.
set -u
. "$(dirname "$0")/lib.sh"
rxl_init ctspoof
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit $ksft_skip; }

H=rxl-csh-$RXL_ID
A=rxl-csa-$RXL_ID
B=rxl-csb-$RXL_ID
P=rxl-csp-$RXL_ID
RXL_R=$H
PY=$(mktemp -d /tmp/rxl-cs.XXXXXX)
trap 'rxl_cleanup; rm -rf "$PY"' EXIT

for ns in "$H" "$A" "$B" "$P"; do
	rxl_netns "$ns"
done
ip netns exec "$H" sysctl -qw net.ipv4.ip_forward=1
# A's ARP names the address of the subnet it asks in, not a spoofed one.
ip netns exec "$A" sysctl -qw net.ipv4.conf.all.arp_announce=2
# link NS DEV HOSTDEV NET: DEV in NS with NET.1 (or .2), HOSTDEV in H .254.
link() {
	ip -n "$H" link add "$3" type veth peer name "$2" netns "$1" ||
		rxl_fail "veth $3"
	ip -n "$1" addr add "$4" dev "$2"
	ip -n "$1" link set "$2" up
	ip -n "$H" link set "$3" up
}
link "$A" eA vA 10.79.1.1/24
link "$B" eB vB 10.79.2.1/24
link "$P" vp vu 10.79.9.2/24
ip -n "$H" addr add 10.79.1.254/24 dev vA
ip -n "$H" addr add 10.79.2.254/24 dev vB
ip -n "$H" addr add 10.79.9.1/24 dev vu
ip -n "$A" route add default via 10.79.1.254
ip -n "$B" route add default via 10.79.2.254
ip -n "$P" route add 10.79.0.0/16 via 10.79.9.1

cat > "$PY/udp.py" <<'PYEOF'
import socket, sys, time
cmd = sys.argv[1]
if cmd == 'echo':		# echo ADDR PORT
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[2], int(sys.argv[3])))
    while True:
        d, a = s.recvfrom(2000)
        s.sendto(d, a)
elif cmd == 'sink':		# sink ADDR PORT FILE: a line per datagram
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[2], int(sys.argv[3])))
    while True:
        d, a = s.recvfrom(2000)
        with open(sys.argv[4], 'a') as f:
            f.write('%s:%d\n' % a)
elif cmd == 'send':		# send SRC SPORT DST DPORT WAIT: 0 on an echo
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[2], int(sys.argv[3])))
    s.settimeout(float(sys.argv[6]))
    s.sendto(b'x', (sys.argv[4], int(sys.argv[5])))
    try:
        sys.exit(0 if s.recv(100) == b'x' else 1)
    except socket.timeout:
        sys.exit(1)
PYEOF
py() { local ns=$1; shift; ip netns exec "$ns" python3 "$PY/udp.py" "$@"; }
bg() {
	local ns=$1

	shift
	ip netns exec "$ns" python3 "$PY/udp.py" "$@" &
	RXL_PIDS+=($!)
}
cli() { ip netns exec "$H" "$RXL_CLI" "$@" || rxl_fail "rxlane $*"; }
clij() { ip netns exec "$H" "$RXL_CLI" -j "$@"; }
# spoofs NAME: packets container NAME sent that were not its own.
spoofs() {
	clij stats "$1" | jq -e '.containers[0].spoof.packets'
}
# b_entries: live entries in b's zone.
b_entries() {
	clij ct list b | jq -e '.entries | length'
}

bg "$P" echo 10.79.9.2 9001
bg "$P" sink 10.79.9.2 9002 "$PY/p.log"
bg "$B" sink 10.79.2.1 40123 "$PY/b.log"
deadline=$((SECONDS + 60))
until ip netns exec "$P" ss -lunH "sport = :9002" | grep -q . &&
      ip netns exec "$B" ss -lunH "sport = :40123" | grep -q .; do
	[ $SECONDS -lt $deadline ] || rxl_fail "UDP servers not up after 60 s"
	sleep 0.1
done

cli attach vu
cli container add a ip 10.79.1.1 dev vA
cli container add b ip 10.79.2.1 dev vB default drop
for d in vA vB; do
	ip netns exec "$H" tc filter show dev "$d" ingress |
		grep -q rxlane_tc_port ||
		rxl_fail "no anti-spoofing program on $d after container add"
done
rxl_ok "container add attaches the check to vA and vB"

# Both containers work from their own addresses (b through its entries).
py "$A" send 10.79.1.1 40001 10.79.9.2 9001 10 || rxl_fail "a to P"
py "$B" send 10.79.2.1 40002 10.79.9.2 9001 10 || rxl_fail "b to P"
[ "$(spoofs a)" = 0 ] || rxl_fail "a's own traffic counted as spoof"
[ "$(spoofs b)" = 0 ] || rxl_fail "b's own traffic counted as spoof"
rxl_ok "each container's own traffic passes"

# ---- A sends with B's address ------------------------------------------
cli ct flush b
ip -n "$A" addr add 10.79.2.1/32 dev eA
py "$A" send 10.79.2.1 40123 10.79.9.2 9002 2 &&
	rxl_fail "spoofed datagram answered"
deadline=$((SECONDS + 60))
until [ "$(spoofs a)" -gt 0 ]; do
	[ $SECONDS -lt $deadline ] ||
		rxl_fail "a's spoof counter still $(spoofs a) 60 s after it sent with b's address"
	sleep 0.2
done
[ "$(b_entries)" = 0 ] ||
	rxl_fail "b's zone has entries after a spoofed its address: $(clij ct list b)"
[ -e "$PY/p.log" ] && rxl_fail "P received the spoofed datagram: $(cat "$PY/p.log")"
[ "$(clij ct stats | jq '.events.spoof')" -gt 0 ] ||
	rxl_fail "ct stats: no spoof event"
rxl_ok "a's datagram from b's address dropped, counted, no entry in b's zone"

# The peer A chose answers from the port A used: b's default drop holds.
before=$(rxl_drop_count default) || rxl_fail "stats unreadable"
py "$P" send 10.79.9.2 9002 10.79.2.1 40123 2 && rxl_fail "b answered"
deadline=$((SECONDS + 60))
until after=$(rxl_drop_count default) && [ "$after" -gt "$before" ]; do
	[ $SECONDS -lt $deadline ] ||
		rxl_fail "the chosen peer's datagram to b: no default drop in 60 s ($before -> $after)"
	sleep 0.2
done
[ -e "$PY/b.log" ] && rxl_fail "b received the chosen peer's datagram"
rxl_ok "b's default drop still refuses the peer a chose"
ip -n "$A" addr del 10.79.2.1/32 dev eA

# ---- the MAC ------------------------------------------------------------
MAC=$(ip -n "$A" -j link show eA | jq -r '.[0].address')
cli container set a mac 02:00:00:00:79:99
[ "$(clij container list | jq -r '.containers[] | select(.name == "a") | .mac')" = 02:00:00:00:79:99 ] ||
	rxl_fail "container list -j: no mac"
n=$(spoofs a)
py "$A" send 10.79.1.1 40003 10.79.9.2 9001 2 &&
	rxl_fail "a's traffic passed with another MAC set"
[ "$(spoofs a)" -gt "$n" ] || rxl_fail "wrong MAC: no spoof counted"
cli container set a mac "$MAC"
py "$A" send 10.79.1.1 40004 10.79.9.2 9001 10 ||
	rxl_fail "a's traffic refused with its own MAC set"
ip netns exec "$H" "$RXL_CLI" container list | grep -q "^a .* mac $MAC" ||
	rxl_fail "container list: no 'mac $MAC'"
rxl_ok "a MAC set is checked"

# ---- container del removes the check ----------------------------------
cli container del a
ip netns exec "$H" tc filter show dev vA ingress | grep -q rxlane_tc_port &&
	rxl_fail "anti-spoofing program left on vA after container del"
rxl_ok "container del removes the check from vA"

# ---- a check that cannot be attached leaves nothing ----------------------
# Another loader's classifier at rxlane's place on vA: 'container add ...
# dev vA' is refused, and neither the records nor the fast path keep the
# container (before, the fast path enforced an unlisted one).
PROBE_O=$RXL_TOP/selftests/vm/xdp_probe.bpf.o
[ -r "$PROBE_O" ] || rxl_fail "$PROBE_O not built"
ip netns exec "$H" tc qdisc add dev vA clsact 2>/dev/null
ip netns exec "$H" tc filter add dev vA ingress prio 0x7278 handle 0x72786c \
	bpf da obj "$PROBE_O" sec tc/csum_mark ||
	rxl_fail "a foreign classifier at rxlane's place on vA"
before=$(clij container list)
out=$(ip netns exec "$H" "$RXL_CLI" container add a ip 10.79.1.1 dev vA 2>&1)
rc=$?
[ $rc -eq 1 ] || rxl_fail "container add with vA taken: exit $rc: $out"
grep -q "another program .* not replacing it" <<< "$out" ||
	rxl_fail "container add with vA taken: '$out'"
[ "$(clij container list)" = "$before" ] ||
	rxl_fail "the refused container add changed the listing: $(clij container list)"
out=$(ip netns exec "$H" "$RXL_CLI" check 2>&1) ||
	rxl_fail "after the refused container add: check: $out"
ip netns exec "$H" tc filter show dev vA ingress | grep -q tc_csum_mark ||
	rxl_fail "the other loader's classifier on vA was removed"
rxl_ok "a check that cannot be attached: container add refused, nothing left ($out)"
# ---- b's host-side device renamed, deleted, made again -------------------
# The record names the device by its ifindex (Documentation/cli.rst,
# "Two devices, two words"). Renamed, vB is still b's: listed under its new
# name, consistent, still checked, and container del takes the check off
# it (before: 'no device' for every change, and the check left behind).
# Deleted: b has no redirect and no check, its commands still work, check
# notes it. Made again under the name: check says so, --repair binds it.
ip -n "$H" link set vB down
ip -n "$H" link set vB name vBr || rxl_fail "rename vB"
ip -n "$H" link set vBr up
[ "$(clij container show b | jq -r .container.dev)" = vBr ] ||
	rxl_fail "container show b after vB was renamed vBr: $(clij container show b)"
out=$(ip netns exec "$H" "$RXL_CLI" check 2>&1) ||
	rxl_fail "check after vB was renamed vBr: $out"
cli fw add b allow proto udp dport 40123
# b's own traffic passes, another source is dropped on vBr.
spoof_b() {
	local n

	n=$(spoofs b)
	py "$B" send 10.79.2.1 "$1" 10.79.9.2 9001 10 ||
		rxl_fail "$2: b's own datagram"
	ip -n "$B" addr add 10.79.5.5/32 dev eB
	py "$B" send 10.79.5.5 "$1" 10.79.9.2 9001 2 &&
		rxl_fail "$2: b's datagram from 10.79.5.5 answered"
	ip -n "$B" addr del 10.79.5.5/32 dev eB
	[ "$(spoofs b)" -gt "$n" ] ||
		rxl_fail "$2: no spoof counted for b ($n -> $(spoofs b))"
}
spoof_b 40005 "vB renamed vBr"
cli container del b
ip netns exec "$H" tc filter show dev vBr ingress | grep -q rxlane_tc_port &&
	rxl_fail "anti-spoofing program left on vBr (vB renamed) after container del"
rxl_ok "a renamed host-side device: listed, checked, consistent, detached"

cli container add b ip 10.79.2.1 dev vBr default drop
ip -n "$H" link del vBr
cli fw add b allow proto udp dport 53
cli container set b egress-default drop
out=$(clij check) || rxl_fail "check after vBr was deleted (and b changed): $out"
jq -e '.notes[] | select(.container == "b") | .note | contains("vBr") and contains("is gone")' \
	<<< "$out" >/dev/null || rxl_fail "check: no note of b's gone device: $out"
# Made again under the name, with B's end as before.
ip -n "$H" link add vBr type veth peer name eB netns "$B" || rxl_fail "veth vBr"
ip -n "$B" addr add 10.79.2.1/24 dev eB
ip -n "$B" link set eB up
ip -n "$H" addr add 10.79.2.254/24 dev vBr
ip -n "$H" link set vBr up
ip -n "$B" route add default via 10.79.2.254
out=$(ip netns exec "$H" "$RXL_CLI" check 2>&1) &&
	rxl_fail "check with vBr made again: exit 0: $out"
grep -q "deleted and made again" <<< "$out" ||
	rxl_fail "check with vBr made again: '$out'"
out=$(ip netns exec "$H" "$RXL_CLI" check --repair 2>&1) ||
	rxl_fail "check --repair with vBr made again: $out"
out=$(ip netns exec "$H" "$RXL_CLI" check 2>&1) ||
	rxl_fail "check after the repair: $out"
ip netns exec "$H" tc filter show dev vBr ingress | grep -q rxlane_tc_port ||
	rxl_fail "no anti-spoofing program on the new vBr after check --repair"
cli container set b egress-default allow
spoof_b 40006 "vBr made again, repaired"
cli container del b
ip netns exec "$H" tc filter show dev vBr ingress | grep -q rxlane_tc_port &&
	rxl_fail "anti-spoofing program left on the new vBr after container del"
rxl_ok "a deleted host-side device: commands work, check notes it; made again: --repair binds it"
# Made again, but another container named the new device first: not moved
# to it (check says whose it is, --repair leaves it), and deleting the
# first container leaves the other's check on it.
ip -n "$H" link add vC type veth peer name vCp || rxl_fail "veth vC"
cli container add c ip 10.79.3.1 dev vC
ip -n "$H" link del vC
ip -n "$H" link add vC type veth peer name vCp || rxl_fail "veth vC again"
cli container add d ip 10.79.3.2 dev vC
out=$(ip netns exec "$H" "$RXL_CLI" check --repair 2>&1) &&
	rxl_fail "check --repair with c's vC made again as d's: exit 0: $out"
grep -q "vC is ifindex .* and that is container 'd''s device: not bound as its own" <<< "$out" ||
	rxl_fail "check --repair with c's vC made again as d's: '$out'"
cli container del c
ip netns exec "$H" tc filter show dev vC ingress | grep -q rxlane_tc_port ||
	rxl_fail "container del c (its vC gone) took d's check off the new vC"
out=$(ip netns exec "$H" "$RXL_CLI" check 2>&1) ||
	rxl_fail "check after c went: $out"
cli container del d
ip -n "$H" link del vC
rxl_ok "a device made again as another container's: reported, not taken; its check stays"
exit 0
