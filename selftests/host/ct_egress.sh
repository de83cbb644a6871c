#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Egress rules end to end (issue 14, Documentation/conntrack.rst, "Egress
# rules"). Namespace B is the container 'web' (10.79.0.1, fd79::1) behind
# its veth vb, where 'rxlane attach vb' put the XDP and tc egress
# programs; namespace P (10.79.0.2, fd79::2) is the outside, with UDP
# echo servers on ports 53 and 54 (DNS-like request and response).
#
# 'web' has default drop and egress-default drop, and out rules that let
# it ask 10.79.0.2 and fd79::2 on port 53 only: the request and its
# answer pass; the same peer's port 54 is dropped and counted (ct stats
# egress_drop); 'fw list' shows the direction in text and -j (schema);
# an out rule appended in place by 'fw add' is enforced and 'check'
# finds the fast path consistent; an out drop rule of a better priority
# refuses port 53 and counts its hits; 'fw del' of the out rule refuses
# new requests while a running exchange (its entry) goes on until 'ct
# flush web'. Bad input ('out ...
# from', 'in ... to', a second direction) is refused with exit 2 and
# changes nothing. Every command runs as users run it: ip netns exec NS
# rxlane ...
set -u
. "$(dirname "$0")/lib.sh"
rxl_init ctegress
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit $ksft_skip; }

B=rxl-ceb-$RXL_ID
P=rxl-cep-$RXL_ID
PY=$(mktemp -d /tmp/rxl-ceg.XXXXXX)
trap 'rxl_cleanup; rm -rf "$PY"' EXIT

rxl_netns "$B"
rxl_netns "$P"
rxl_ns_pair "$B" vb "$P" vp "10.79.0.1/24 fd79::1/64" "10.79.0.2/24 fd79::2/64"
# Neighbours known up front: ARP and ND are not what is judged here.
rxl_neigh "$B" vb "$P" vp 10.79.0.2 fd79::2

cat > "$PY/dns.py" <<'EOF'
import socket, sys, threading, time

def fam_of(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET

def echo(addr, port):
    s = socket.socket(fam_of(addr), socket.SOCK_DGRAM)
    s.bind((addr, port))
    while True:
        d, a = s.recvfrom(2000)
        s.sendto(d, a)

cmd = sys.argv[1]
if cmd == 'serve':		# serve ADDR...: UDP echo on 53 and 54
    for a in sys.argv[2:]:
        for p in (53, 54):
            threading.Thread(target=echo, args=(a, p), daemon=True).start()
    while True:
        time.sleep(3600)
elif cmd == 'ask':		# ask ADDR PORT WAIT [SPORT]: one query, its echo
    s = socket.socket(fam_of(sys.argv[2]), socket.SOCK_DGRAM)
    if len(sys.argv) > 5:
        s.bind(('', int(sys.argv[5])))
    s.settimeout(float(sys.argv[4]))
    s.sendto(b'q', (sys.argv[2], int(sys.argv[3])))
    try:
        sys.exit(0 if s.recv(100) == b'q' else 1)
    except socket.timeout:
        sys.exit(1)
EOF

cli() { ip netns exec "$B" "$RXL_CLI" "$@" || rxl_fail "rxlane $*"; }
ask() { ip netns exec "$B" python3 "$PY/dns.py" ask "$@"; }
ip netns exec "$P" python3 "$PY/dns.py" serve 10.79.0.2 fd79::2 &
RXL_PIDS+=($!)
deadline=$((SECONDS + 60))
until [ "$(ip netns exec "$P" ss -lunH | grep -c ':5[34] ')" -ge 4 ]; do
	[ $SECONDS -lt $deadline ] || rxl_fail "no UDP servers after 60 s"
	sleep 0.1
done

# egress_drops: packets the egress program dropped (ct stats).
egress_drops() {
	ip netns exec "$B" "$RXL_CLI" -j ct stats | jq -e ".events.egress_drop"
}

# rule_hits HANDLE: packets out rule HANDLE of web judged.
rule_hits() {
	ip netns exec "$B" "$RXL_CLI" -j stats |
		jq -e --argjson h "$1" '.containers[] | select(.name == "web")
			| .rules[] | select(.handle == $h) | .packets'
}

# dropped_out WHAT ADDR PORT [SPORT]: a query from web (from SPORT) to
# ADDR:PORT gets no answer and the egress drop counter rose (the drop,
# not a lost answer).
dropped_out() {
	local before after

	before=$(egress_drops) || rxl_fail "$1: ct stats unreadable"
	ask "$2" "$3" 2 ${4:-} && rxl_fail "$1: answered"
	after=$(egress_drops) || rxl_fail "$1: ct stats unreadable"
	[ "$after" -gt "$before" ] ||
		rxl_fail "$1: no egress drop counted ($before -> $after)"
	rxl_ok "$1 dropped and counted ($before -> $after)"
}

cli attach vb
cli container add web ip 10.79.0.1 ip fd79::1 default drop \
	egress-default drop
H4=$(ip netns exec "$B" "$RXL_CLI" -j fw add web out allow proto udp \
	to 10.79.0.2/32 dport 53 | jq -e .handle) || rxl_fail "fw add out v4"
H6=$(ip netns exec "$B" "$RXL_CLI" -j fw add web out allow proto udp \
	to fd79::2/128 dport 53 | jq -e .handle) || rxl_fail "fw add out v6"

# ---- the listing knows the direction ------------------------------------
LIST=$(ip netns exec "$B" "$RXL_CLI" fw list web) || rxl_fail "fw list"
echo "$LIST" | grep -q "handle $H4 prio [0-9]* out allow proto udp to 10.79.0.2/32 dport 53" ||
	rxl_fail "fw list text: $LIST"
JLIST=$(ip netns exec "$B" "$RXL_CLI" -j fw list web) || rxl_fail "fw list -j"
[ "$(echo "$JLIST" | jq -r --argjson h "$H6" \
	'.rules[] | select(.handle == $h) | [.direction, .to] | @tsv')" = \
	"$(printf 'out\tfd79::2/128')" ] || rxl_fail "fw list -j: $JLIST"
rxl_schema fw_list "fw list web" "$JLIST" \
	stats stats "$(ip netns exec "$B" "$RXL_CLI" -j stats)"
rxl_ok "fw list shows out rules (text and -j)"

# ---- allowed peer and port: the query and its answer ---------------------
for a in 10.79.0.2 fd79::2; do
	ask "$a" 53 10 || rxl_fail "query to $a:53 unanswered"
	rxl_ok "query to $a:53 answered"
	dropped_out "query to $a:54" "$a" 54
done
[ "$(rule_hits "$H4")" -ge 1 ] && [ "$(rule_hits "$H6")" -ge 1 ] ||
	rxl_fail "out rules counted no hit: $(rule_hits "$H4") $(rule_hits "$H6")"
ip netns exec "$B" "$RXL_CLI" -j ct list web |
	jq -e '[.entries[] | select(.proto == "udp" and .dport == 53 and
		.direction == "out")] | length == 2' >/dev/null ||
	rxl_fail "ct list: no out entries for port 53: $(ip netns exec "$B" \
		"$RXL_CLI" -j ct list web)"
rxl_ok "out rules open flows and count their hits"

# ---- fw add's in-place path: an out rule of an out shape already there ---
OUT=$(ip netns exec "$B" "$RXL_CLI" -v fw add web out allow proto udp \
	to 10.79.0.2/32 dport 54 2>&1) || rxl_fail "fw add out :54: $OUT"
case "$OUT" in
*"rule appended in place"*) ;;
*) rxl_fail "fw add out :54 did not append in place: $OUT" ;;
esac
ask 10.79.0.2 54 10 || rxl_fail "query to 10.79.0.2:54 unanswered after fw add"
dropped_out "query to fd79::2:54 (no rule for it)" fd79::2 54
ip netns exec "$B" "$RXL_CLI" check >/dev/null ||
	rxl_fail "check after the in-place out rule: $(ip netns exec "$B" \
		"$RXL_CLI" check 2>&1)"
cli fw del web handle "$(ip netns exec "$B" "$RXL_CLI" -j fw list web |
	jq -e '.rules[] | select(.dport.min == 54) | .handle')"
rxl_ok "an out rule appended in place is enforced and consistent (check)"

# ---- a better-priority out drop rule ------------------------------------
HD=$(ip netns exec "$B" "$RXL_CLI" -j fw add web out drop proto udp \
	dport 53 prio 1 | jq -e .handle) || rxl_fail "fw add out drop"
dropped_out "query to 10.79.0.2:53 under an out drop rule" 10.79.0.2 53
[ "$(rule_hits "$HD")" -ge 1 ] || rxl_fail "out drop rule counted no hit"
cli fw del web handle "$HD"
rxl_ok "an out drop rule refuses and counts"

# ---- fw del: established exchanges go on until ct flush ------------------
ask 10.79.0.2 53 10 40053 || rxl_fail "query from port 40053 unanswered"
cli fw del web handle "$H4"
ask 10.79.0.2 53 10 40053 ||
	rxl_fail "the tracked exchange from 40053 was cut by fw del"
dropped_out "a new query after fw del" 10.79.0.2 53
cli ct flush web
dropped_out "the tracked exchange after ct flush" 10.79.0.2 53 40053
rxl_ok "fw del keeps established flows until ct flush"

# ---- bad input: exit 2, nothing changed ----------------------------------
rxl_refusals "$B" <<'EOF'
2|an out rule names its peer with 'to PREFIX'|fw add web out allow proto udp from 10.0.0.0/8
2|an in rule names its peer with 'from PREFIX'|fw add web in allow proto udp to 10.0.0.0/8
2|an in rule names its peer with 'from PREFIX'|fw add web allow to 10.0.0.0/8
2|second direction 'in'|fw add web out in allow
EOF
rxl_ok "$RXL_N bad rules refused with nothing changed"

cli container del web
cli detach vb
rxl_ok "ct_egress"
