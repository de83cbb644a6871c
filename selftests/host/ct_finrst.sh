#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TCP FIN and RST end connection tracking entries (issue 14, Documentation/
# conntrack.rst, "States and timeouts"), with real sockets and short
# timeouts set as users set them ('rxlane ct timeout STATE SECONDS').
# Namespace B is the container 'web' (10.83.0.1, default drop) behind its
# veth vb; namespace P (10.83.0.2) serves TCP on 9000 and has nothing on
# 9001.
#
# - web connects to P:9000, exchanges, and both sides close: the entry
#   is in time_wait (FINs from both sides) with at most the 3 s set, and
#   is gone from 'ct list' once they pass;
# - web connects to P:9001: P's RST ends the attempt: the entry is in
#   close with at most the 2 s set (still half-open: never assured), and
#   is gone once they pass;
# - an attach over pins of the timeouts map's old layout (one slot per
#   state, before syn_recv: 36 bytes) is refused with a message naming
#   the map, and makes nothing (conntrack.rst, "States and timeouts");
#   so is one over the events map of the build before seq_ignored;
# - 'ct timeout syn_recv N' goes through policy files: export writes it,
#   diff and apply of a JSON file change it, a YAML file states it.
set -u
. "$(dirname "$0")/lib.sh"
rxl_init ctfinrst
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit $ksft_skip; }

B=rxl-cfb-$RXL_ID
P=rxl-cfp-$RXL_ID
rxl_netns "$B"
rxl_netns "$P"
rxl_ns_pair "$B" vb "$P" vp "10.83.0.1/24" "10.83.0.2/24"
rxl_neigh "$B" vb "$P" vp 10.83.0.2

cli() { ip netns exec "$B" "$RXL_CLI" "$@" || rxl_fail "rxlane $*"; }
cli attach vb
cli container add web ip 10.83.0.1 default drop
cli ct timeout time_wait 3
cli ct timeout fin_wait 3
cli ct timeout close 2

# A server that answers one line and closes.
ip netns exec "$P" python3 -c '
import socket
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("10.83.0.2", 9000))
ls.listen(8)
while True:
    c = ls.accept()[0]
    c.sendall(c.recv(100))
    c.close()
' &
RXL_PIDS+=($!)
rxl_wait_listen "$P" 9000

# entry PORT: "state timeout half_open" of web's entry to P:PORT, or "".
entry() {
	ip netns exec "$B" "$RXL_CLI" -j ct list web | jq -r --argjson p "$1" \
		'.entries[] | select(.dport == $p and .proto == "tcp")
		 | "\(.state) \(.timeout) \(.half_open)"'
}

# ended PORT STATE MAX WHAT: web's entry to P:PORT reaches STATE with at
# most MAX seconds left, then leaves the listing within MAX + 5 s.
ended() {
	local port=$1 want=$2 max=$3 what=$4 e deadline=$((SECONDS + 30))

	until e=$(entry "$port") && [ "${e%% *}" = "$want" ]; do
		[ $SECONDS -lt $deadline ] ||
			rxl_fail "$what: entry to $port is '$e', want $want"
		sleep 0.1
	done
	set -- $e
	[ "$2" -le "$max" ] ||
		rxl_fail "$what: $want entry has $2 s left, want <= $max"
	rxl_ok "$what: $want with $2 s left (half-open $3)"
	deadline=$((SECONDS + max + 5))
	while [ -n "$(entry "$port")" ]; do
		[ $SECONDS -lt $deadline ] ||
			rxl_fail "$what: entry still listed after $((max + 5)) s: $(entry "$port")"
		sleep 0.2
	done
	rxl_ok "$what: the entry expired within $((max + 5)) s"
}

ip netns exec "$B" python3 -c '
import socket, sys
s = socket.create_connection(("10.83.0.2", 9000), timeout=10)
s.sendall(b"x")
sys.exit(0 if s.recv(100) == b"x" and s.recv(100) == b"" else 1)
' || rxl_fail "exchange with 10.83.0.2:9000 (default drop: only the entry lets the answer in)"
ended 9000 time_wait 3 "FINs from both sides"

ip netns exec "$B" python3 -c '
import socket, sys
try:
    socket.create_connection(("10.83.0.2", 9001), timeout=10)
except ConnectionRefusedError:
    sys.exit(0)
sys.exit(1)
' || rxl_fail "connect to 10.83.0.2:9001 not refused by an RST (the RST must pass)"
ended 9001 close 2 "RST"

# syn_recv in policy files: export, diff and apply of JSON, YAML parsed.
PF=$(mktemp -d /tmp/rxl-cfr.XXXXXX)
trap 'rxl_cleanup; rm -rf "$PF"' EXIT
cli ct timeout syn_recv 7
ip netns exec "$B" "$RXL_CLI" policy export > "$PF/p.json" ||
	rxl_fail "policy export"
jq -e '.ct_timeouts.syn_recv == 7' "$PF/p.json" >/dev/null ||
	rxl_fail "policy export lacks syn_recv 7: $(jq -c .ct_timeouts "$PF/p.json")"
jq '.ct_timeouts.syn_recv = 5' "$PF/p.json" > "$PF/q.json"
d=$(ip netns exec "$B" "$RXL_CLI" -j policy diff "$PF/q.json" |
    jq -c '[.changes[] | select(.object == "ct_timeout") | .text]')
[ "$d" = '["syn_recv 5"]' ] || rxl_fail "policy diff of syn_recv 7 -> 5: $d"
cli policy apply "$PF/q.json" >/dev/null
[ "$(ip netns exec "$B" "$RXL_CLI" -j ct timeout | jq '.timeouts.syn_recv')" = 5 ] ||
	rxl_fail "policy apply did not set syn_recv 5"
cat > "$PF/r.yaml" <<'YAML'
schema: 1
ct_timeouts:
  syn_recv: 4
  time_wait: 3
  fin_wait: 3
  close: 2
containers:
  - name: web
    ips: [10.83.0.1]
    default: drop
YAML
d=$(ip netns exec "$B" "$RXL_CLI" -j policy diff "$PF/r.yaml" |
    jq -c '[.changes[] | .text]')
[ "$d" = '["syn_recv 4"]' ] || rxl_fail "policy diff of a YAML file with syn_recv 4: $d"
rxl_ok "syn_recv in policy files: export, diff, apply (JSON), diff (YAML)"

# The timeouts map as the build before syn_recv pinned it.
OLD=$RXL_BPFFS/old
mkdir "$OLD" || rxl_fail "mkdir $OLD"
bpftool map create "$OLD/rxl_ct_timeouts" type array key 4 value 36 \
	entries 1 name rxl_ct_timeouts || rxl_fail "bpftool map create"
ip -n "$B" link add vo0 type veth peer name vo1 || rxl_fail "veth vo0"
ip -n "$B" link set vo0 up
out=$(RXLANE_PIN_DIR=$OLD ip netns exec "$B" "$RXL_CLI" attach vo0 2>&1)
rc=$?
[ $rc -eq 1 ] || rxl_fail "attach over the old timeouts layout: exit $rc, want 1: $out"
grep -q "$OLD/rxl_ct_timeouts is not this rxlane's rxl_ct_timeouts: value size 36, want 64" <<<"$out" ||
	rxl_fail "attach over the old timeouts layout: the message does not name the map: $out"
! ip -n "$B" link show vo0 | grep -q xdp ||
	rxl_fail "attach refused, yet vo0 has an XDP program"
[ -z "$(tc -n "$B" filter show dev vo0 egress)" ] ||
	rxl_fail "attach refused, yet vo0 has a tc egress filter"
[ "$(ls "$OLD")" = rxl_ct_timeouts ] ||
	rxl_fail "attach refused, yet pinned: $(ls "$OLD" | tr '\n' ' ')"
rxl_ok "attach over the old timeouts layout refused: $out"

# The events map as the build before seq_ignored pinned it (19 slots):
# refused the same way (conntrack.rst, "Sequence numbers").
OLD2=$RXL_BPFFS/old2
mkdir "$OLD2" || rxl_fail "mkdir $OLD2"
bpftool map create "$OLD2/rxl_ct_stats" type percpu_array key 4 value 8 \
	entries 19 name rxl_ct_stats || rxl_fail "bpftool map create"
out=$(RXLANE_PIN_DIR=$OLD2 ip netns exec "$B" "$RXL_CLI" attach vo0 2>&1)
rc=$?
[ $rc -eq 1 ] || rxl_fail "attach over the old events layout: exit $rc, want 1: $out"
grep -q "$OLD2/rxl_ct_stats is not this rxlane's rxl_ct_stats: max_entries 19, want 20" <<<"$out" ||
	rxl_fail "attach over the old events layout: the message does not name the map: $out"
[ "$(ls "$OLD2")" = rxl_ct_stats ] ||
	rxl_fail "attach refused, yet pinned: $(ls "$OLD2" | tr '\n' ' ')"
rxl_ok "attach over the old events layout refused: $out"
echo "PASS: ct_finrst"
