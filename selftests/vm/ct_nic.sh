#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Connection tracking on rxlane's own NIC (issue 14, conntrack.rst): the
# host tests of ct_e2e.sh, ct_spoof.sh and ct_frag.sh again, with the XDP
# program run natively by the NIC (in its NAPI poll) and the tc egress
# program on the same NIC. R routes between the outside (P, behind the
# NIC's lower device) and the container 'web' (C, behind the veth h0):
#
#   ns P (outside)           ns R (host)                      ns C (web)
#   p0 10.0.0.1 ------------ r0 (lower)
#      fd00::1                nic0 rxlane [xdpdrv + tc egress]
#                               10.0.0.2, fd00::2
#                            h0 10.200.0.1 fd20::1 ---------- c0 10.200.0.2
#                               [tc ingress: anti-spoofing]      fd20::2
#
# 'web' has default drop, one TCP rule (8080) and one UDP rule (5353),
# and 'dev h0'. Then:
#  - outbound TCP, UDP (request/response) and ICMP echo from web work over
#    IPv4 and IPv6: they leave through nic0's tc egress program, which
#    tracks them, and their replies are passed by the entries on nic0's
#    XDP (ct stats: create_out, ingress); 'ct list -j' shows them;
#  - unsolicited inbound to the same ports and ping are dropped, each
#    proven by the default drop counter;
#  - a held connection survives a rule-set replace; 'ct flush web' cuts
#    it (a default drop counted);
#  - web sending from an address that is not its own is dropped at h0
#    (its spoof counter), and P never sees it;
#  - 8000-byte UDP datagrams (six IPv4 fragments over MTU 1500) both ways:
#    web's query and its answer, P's query to 5353 and web's answer; the
#    later fragments follow their first on ingress (stats frag_followed);
#  - without nic0's tc egress filter (removed) web's outbound TCP is
#    refused again by the default drop: the tracking above was nic0's.
# vm-run checks that the guest's kernel log stays clean.
# Every command runs as users run it: ip netns exec NS rxlane ...
#
#   scripts/vm-run --timeout 2400 -- selftests/vm/ct_nic.sh
set -u

. "$(dirname "$0")/nic_lib.sh"
rxl_nic_init ctnic veth
RXL_P=rxl-p-$RXL_ID
RXL_R=rxl-r-$RXL_ID
RXL_C=rxl-c-$RXL_ID
HOLD=$(mktemp -d /tmp/rxl-ctnic.XXXXXX)
trap 'rxl_nic_cleanup; rm -rf "$HOLD"' EXIT

for ns in "$RXL_P" "$RXL_R" "$RXL_C"; do
	rxl_netns "$ns"
done
ip netns exec "$RXL_R" sysctl -qw net.ipv4.ip_forward=1 \
	net.ipv6.conf.all.forwarding=1
ip -n "$RXL_P" link add p0 type veth peer name r0 netns "$RXL_R" ||
	fail "veth p0"
ip -n "$RXL_R" link add nic0 link r0 type rxlane || fail "rxlane nic0 on r0"
ip -n "$RXL_R" link add h0 type veth peer name c0 netns "$RXL_C" ||
	fail "veth h0"
rxl_ns_addrs "$RXL_P" p0 10.0.0.1/24 fd00::1/64
rxl_ns_addrs "$RXL_R" nic0 10.0.0.2/24 fd00::2/64
rxl_ns_addrs "$RXL_R" h0 10.200.0.1/24 fd20::1/64
rxl_ns_addrs "$RXL_C" c0 10.200.0.2/24 fd20::2/64
for l in "$RXL_P p0" "$RXL_R r0" "$RXL_R nic0" "$RXL_R h0" "$RXL_C c0"; do
	set -- $l
	ip -n "$1" link set "$2" up || fail "link up $2"
	ip netns exec "$1" sysctl -qw net.ipv4.conf."$2".rp_filter=0
done
ip -n "$RXL_P" route add 10.200.0.0/24 via 10.0.0.2
ip -n "$RXL_P" route add fd20::/64 via fd00::2
ip -n "$RXL_C" route add default via 10.200.0.1
ip -n "$RXL_C" route add default via fd20::1
# web's ARP names its own address, not the spoofed one (below).
ip netns exec "$RXL_C" sysctl -qw net.ipv4.conf.all.arp_announce=2

cli attach nic0 mode native
ip -n "$RXL_R" -d link show nic0 | grep -q 'prog/xdp ' ||
	fail "nic0: XDP not attached in native mode"
tcfilter() { ip netns exec "$RXL_R" tc filter show dev nic0 egress; }
tcfilter | grep -q rxlane_tc || fail "attach put no tc egress program on nic0: $(tcfilter)"
CLI_READY=1
cli container add web ip 10.200.0.2 ip fd20::2 default drop dev h0
cli fw add web allow proto tcp dport 8080
cli fw add web allow proto udp dport 5353
# The listing below must still hold the first ping's entry: on the debug
# kernel (make check-debug) both families' exchanges take longer than
# ICMP's 30 s ("ct list -j lacks web's icmp entry to 10.0.0.1", IPv6's
# was still there).
cli ct timeout icmp 600
cli ct timeout udp 600
ip netns exec "$RXL_R" tc filter show dev h0 ingress | grep -q rxlane_tc ||
	fail "container add ... dev h0 put no anti-spoofing check on h0"

rxl_peer_bg "$RXL_P" serve 10.0.0.1 fd00::1
rxl_peer_bg "$RXL_C" serve 10.200.0.2 fd20::2
rxl_peer_bg "$RXL_C" udpecho 10.200.0.2 5353
rxl_wait_listen "$RXL_P" 9000 9002
rxl_wait_listen "$RXL_C" 9000 9002

ctstat() { rxl_in "$RXL_R" -j ct stats | jq -e ".events.$1"; }
event() { rxl_in "$RXL_R" -j stats | jq -e ".events.$1"; }
spoof() { rxl_in "$RXL_R" -j stats web | jq -e '.containers[0].spoof.packets'; }

# ---- outbound from the default-drop container, both families -------------
out0=$(ctstat create_out) && in0=$(ctstat ingress) || fail "ct stats -j"
rxl_outbound_all "$RXL_C" 20 10.0.0.1 fd00::1
out1=$(ctstat create_out) && in1=$(ctstat ingress) || fail "ct stats -j"
[ "$out1" -ge $((out0 + 6)) ] && [ "$in1" -gt "$in0" ] ||
	fail "ct stats: create_out $out0 -> $out1 (want 6 more), ingress $in0 -> $in1"
LIST=$(rxl_in "$RXL_R" -j ct list web) || fail "ct list -j"
for a in 10.0.0.1 fd00::1; do
	for p in tcp udp icmp; do
		echo "$LIST" | jq -e --arg a "$a" --arg p "$p" \
			'[.entries[] | select(.container == "web" and
			  .direction == "out" and .dst == $a and
			  (.proto | startswith($p)))] | length >= 1' >/dev/null ||
			fail "ct list -j lacks web's $p entry to $a: $LIST"
	done
done
rxl_ok "tracked on nic0's egress, replies passed by nic0's XDP ($out0 -> $out1 entries made, $in0 -> $in1 passed)"

# ---- unsolicited inbound to the same ports -------------------------------
for a in 10.200.0.2 fd20::2; do
	rxl_refused_all "$RXL_P" "$a" "unsolicited"
done

# ---- a held connection: rule-set replace, then ct flush -----------------
rxl_ct_hold_replace_flush "$RXL_C" 10.0.0.1 "$HOLD"

# ---- a spoofed source from inside the container --------------------------
# web adds an address that is not its own and sends from it to a closed
# port of P: dropped at h0's tc ingress (spoof counter), so P's Udp
# NoPorts does not move.
ip -n "$RXL_C" addr add 10.200.0.77/24 dev c0 || fail "spoofed address on c0"
s0=$(spoof) || fail "stats -j web: no spoof counter"
f0=$(rxl_snmp "$RXL_P" Udp NoPorts)
ip netns exec "$RXL_C" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.200.0.77", 0))
for i in range(5):
    s.sendto(b"spoof", ("10.0.0.1", 9999))'
deadline=$((SECONDS + 60))
until [ "$(spoof)" -ge $((s0 + 5)) ]; do
	[ $SECONDS -lt $deadline ] || fail "spoof counter $s0 -> $(spoof), want 5 more"
	sleep 0.2
done
f1=$(rxl_snmp "$RXL_P" Udp NoPorts)
[ "$f1" = "$f0" ] || fail "P received $((f1 - f0)) of web's spoofed datagrams (Udp NoPorts)"
ip -n "$RXL_C" addr del 10.200.0.77/24 dev c0
rxl_ok "a spoofed source from web dropped at h0 ($s0 -> $(spoof) spoof)"

# ---- fragmented UDP, 8000-byte datagrams both ways (IPv4) ----------------
ff0=$(event frag_followed) || fail "stats -j: no frag_followed"
rxl_peer "$RXL_C" udp 10.0.0.1 9001 20 8000 ||
	fail "web's 8000-byte datagram to P:9001 unanswered"
ff1=$(event frag_followed)
[ "$ff1" -ge $((ff0 + 5)) ] ||
	fail "ingress frag_followed $ff0 -> $ff1 for P's fragmented answer, want 5 more"
rxl_peer "$RXL_P" udp 10.200.0.2 5353 20 8000 ||
	fail "P's 8000-byte datagram to web:5353 unanswered"
ff2=$(event frag_followed)
[ "$ff2" -ge $((ff1 + 5)) ] ||
	fail "ingress frag_followed $ff1 -> $ff2 for P's fragmented query, want 5 more"
rxl_ok "8000-byte UDP both ways through nic0 ($ff0 -> $ff2 later fragments followed)"

# ---- the tracking was nic0's: without its tc egress filter, refused -----
ip netns exec "$RXL_R" tc filter del dev nic0 egress ||
	fail "removing rxlane's tc egress filter"
rxl_refused "$RXL_C" 10.0.0.1 9000 rxl_drop_count default ||
	fail "outbound without nic0's egress program: $RXL_WHY"
rxl_ok "without nic0's tc egress filter web's outbound TCP is refused"

# The NIC ran the program natively: its per-queue XDP counters saw both.
xdp_sum() {
	ip netns exec "$RXL_R" ethtool -S nic0 |
		awk -v k="$1" '$1 ~ "^rx[0-9]+_" k ":$" { s += $2 } END { print s + 0 }'
}
[ "$(xdp_sum xdp_pass)" -gt 0 ] && [ "$(xdp_sum xdp_drop)" -gt 0 ] ||
	fail "nic0 counted XDP_PASS $(xdp_sum xdp_pass), XDP_DROP $(xdp_sum xdp_drop)"

if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
	printf 'ct_list\tct list\t%s\nct_stats\tct stats\t%s\nstats\tstats\t%s\n' \
		"$LIST" "$(rxl_in "$RXL_R" -j ct stats | jq -c .)" \
		"$(rxl_in "$RXL_R" -j stats | jq -c .)" |
		python3 "$RXL_TOP/selftests/host/cli_schema.py" \
			"$RXL_TOP/Documentation/rxlane-cli.schema.json" ||
		fail "ct list -j / ct stats -j / stats -j do not match the schema"
	rxl_ok "ct list -j, ct stats -j and stats -j match the schema"
else
	rxl_skip_case schema "no python3-jsonschema"
fi

cli container del web
cli detach nic0
ip netns exec "$RXL_R" tc filter show dev h0 ingress | grep -q rxlane_tc &&
	fail "container del left the anti-spoofing check on h0"
echo "PASS: connection tracking on rxlane's NIC: native XDP + tc egress, IPv4 and IPv6"
exit 0
