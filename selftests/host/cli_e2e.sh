#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End to end with the CLI: the XDP program is attached with iproute2 (maps
# pinned in tc/globals of the test's bpffs), every rule is set with the
# rxlane CLI, and TCP connections from the kernel's vxlan device into a
# container namespace are allowed and refused exactly as the rules say.
# Then the CLI detaches and re-attaches the program: the rules survive.
set -u
. "$(dirname "$0")/lib.sh"
rxl_init e2e
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit $ksft_skip; }

rxl_topo
TC_BPF_MNT=$RXL_BPFFS ip -n "$RXL_R" link set dev r0 xdpdrv obj "$RXL_OBJ" \
	sec xdp || rxl_fail "attach with iproute2"
cli() { rxl_in "$RXL_R" "$@" || rxl_fail "rxlane $*"; }

cli status | grep -q "maps $RXL_BPFFS/tc/globals" ||
	rxl_fail "status does not find iproute2's maps"
cli status | grep -q "dev r0 prog [0-9]* mode native delivery pass$" ||
	rxl_fail "status does not show r0 attached natively"
cli vtep add 10.0.0.2 type vxlan
cli vni add 100
cli container add web ip 10.200.0.2 vni 100 default drop
cli fw add web allow proto tcp from 10.100.0.0/24 dport 80 comment http >/dev/null
cli fw add web allow proto tcp from 10.99.0.0/24 dport 8080 >/dev/null
rxl_tcp_server 80 8080 22 25

hits() {	# handle -> packets counted for the rule
	rxl_in "$RXL_R" -j stats web |
		jq ".containers[0].rules[] | select(.handle == $1) | .packets"
}
allowed() { rxl_connect "$1" || rxl_fail "$2: port $1 refused"; rxl_ok "$2"; }
# refused PORT WHAT REASON [HANDLE]: by the drop counters (lib.sh).
refused() {
	rxl_cli_refused "$1" web "$3" "${4:-}" || rxl_fail "$2: $RXL_WHY"
	rxl_ok "$2"
}

allowed 80 "allow rule for the source and port"
refused 8080 "port allowed for another source only" default
refused 22 "no rule: default drop" default
[ "$(hits 1)" -gt 0 ] || rxl_fail "handle 1 hits not counted"
[ "$(hits 2)" -eq 0 ] || rxl_fail "handle 2 counted without traffic"

H=$(cli fw add web drop proto tcp dport 80 prio 1)
[ "$H" = "handle 3" ] || rxl_fail "fw add printed '$H'"
refused 80 "a drop rule of lower prio number wins" rule 3
cli fw del web handle 3
allowed 80 "the drop rule deleted"

# Rules judged after all others are appended in place (no recompile).
cli fw add web drop proto tcp dport 25 >/dev/null
msg=$(cli -v fw add web allow proto tcp dport 20-30 2>&1 >/dev/null)
[ "$msg" = "rxlane: rule appended in place" ] ||
	rxl_fail "fw add of a last rule did not append in place: '$msg'"
allowed 22 "appended allow range around an earlier drop"
refused 25 "earlier drop inside an appended range" rule 4
[ "$(hits 5)" -gt 0 ] || rxl_fail "appended rule's hits not counted"

cli container set web default allow
allowed 8080 "default allow"
cli fw add web drop proto tcp dport 8080 >/dev/null
refused 8080 "drop rule under default allow" rule 6

# stats watch: one JSON document per interval, with rates.
WATCH=$(mktemp /tmp/rxl-watch.XXXXXX)
rxl_in "$RXL_R" -j stats web watch 1 count 2 > "$WATCH" &
W=$!
# Traffic for as long as the watch runs: its start takes seconds under load.
while kill -0 $W 2>/dev/null; do
	rxl_connect 80
	sleep 0.2
done
wait $W || rxl_fail "stats watch failed"
[ "$(wc -l < "$WATCH")" -eq 2 ] || rxl_fail "stats watch count 2: $(cat "$WATCH")"
jq -se 'all(.[]; .schema == 2 and .interval > 0.5 and
	(.containers[0].pass | has("pps") and has("bps")))' "$WATCH" >/dev/null ||
	rxl_fail "stats watch documents: $(cat "$WATCH")"
jq -se '[.[].containers[0].pass.pps] | add > 0' "$WATCH" >/dev/null ||
	rxl_fail "stats watch: no pass rate under traffic: $(cat "$WATCH")"
rm -f "$WATCH"
cli stats web watch 1 count 1 | grep -q "pass [0-9]* pkts [0-9]* bytes ([0-9.]* pps" ||
	rxl_fail "stats watch text has no rates"
rxl_ok "stats watch: rates per interval, in JSON and text"

# Detach with the CLI, attach with the CLI: the rules live in the pins.
cli detach r0
cli status | grep -q "not attached in this network namespace" ||
	rxl_fail "still attached after detach"
# Without XDP nothing decapsulates: the receiver has no VXLAN socket, so
# the tunnel packets rise its UDP NoPorts, and the container gets no TCP.
tcp_in=$(rxl_snmp "$RXL_C" Tcp InSegs)
rxl_refused "$RXL_S" 10.200.0.2 80 rxl_snmp "$RXL_R" Udp NoPorts ||
	rxl_fail "detached: $RXL_WHY"
[ "$(rxl_snmp "$RXL_C" Tcp InSegs)" = "$tcp_in" ] ||
	rxl_fail "detached: VXLAN decapsulated without XDP (the container got TCP)"
cli attach r0
cli status | grep -q "dev r0 prog [0-9]* mode native delivery pass$" ||
	rxl_fail "not attached again"
refused 8080 "re-attached: the drop rule is still there" rule 6
allowed 80 "re-attached: the allow rule is still there"

echo "PASS: CLI rules allow and refuse TCP over VXLAN, survive detach/attach"
exit 0
