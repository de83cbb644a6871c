#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fragmented UDP end to end (issue 14, Documentation/conntrack.rst,
# "Fragments"). Namespace B is the container 'web' (10.80.0.1) behind its
# veth vb (MTU 1500), where 'rxlane attach vb' put the XDP and tc egress
# programs; namespace P (10.80.0.2) is the outside. 'web' has default
# drop and egress-default drop, one in rule (UDP 5353) and one out rule
# (UDP to 10.80.0.2 port 53), and the same over IPv6 (fd80::1, fd80::2).
# Every datagram is 8000 bytes, six fragments on the wire (IPv4: the IP
# header's offset and id; IPv6: a fragment header).
#
# - web asks P:53 and gets its 8000-byte echo: the request's later
#   fragments follow their first out (ct stats frag_followed), the
#   answer's in (stats frag_followed);
# - P asks web:5353 and gets its echo: the same, the other way;
# - P's datagram to web:5354 (no rule) is dropped: its first fragment as
#   'default', its later ones as 'frag_no_first';
# - all three again over IPv6.
# Every command runs as users run it: ip netns exec NS rxlane ...
set -u
. "$(dirname "$0")/lib.sh"
rxl_init ctfrag
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit $ksft_skip; }

B=rxl-cfb-$RXL_ID
P=rxl-cfp-$RXL_ID
PY=$(mktemp -d /tmp/rxl-cfr.XXXXXX)
trap 'rxl_cleanup; rm -rf "$PY"' EXIT

rxl_netns "$B"
rxl_netns "$P"
rxl_ns_pair "$B" vb "$P" vp "10.80.0.1/24 fd80::1/64" "10.80.0.2/24 fd80::2/64"
ip -n "$B" link set vb mtu 1500
ip -n "$P" link set vp mtu 1500
# Neighbours known up front: ARP is not what is judged here.
rxl_neigh "$B" vb "$P" vp 10.80.0.2 fd80::2
rxl_neigh "$P" vp "$B" vb 10.80.0.1 fd80::1

cat > "$PY/big.py" <<'EOF'
import os, socket, sys, time

SIZE = 8000

cmd = sys.argv[1]
fam = socket.AF_INET6 if ':' in sys.argv[2] else socket.AF_INET
if cmd == 'serve':		# serve ADDR PORT: UDP echo
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((sys.argv[2], int(sys.argv[3])))
    while True:
        d, a = s.recvfrom(65536)
        s.sendto(d, a)
elif cmd == 'ask':		# ask ADDR PORT WAIT: one 8000-byte query, its echo
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(float(sys.argv[4]))
    q = os.urandom(SIZE)
    s.sendto(q, (sys.argv[2], int(sys.argv[3])))
    try:
        sys.exit(0 if s.recv(65536) == q else 1)
    except socket.timeout:
        sys.exit(1)
EOF

cli() { ip netns exec "$B" "$RXL_CLI" "$@" || rxl_fail "rxlane $*"; }
ask() { ip netns exec "$1" python3 "$PY/big.py" ask "${@:2}"; }
for a in 10.80.0. fd80::; do
	ip netns exec "$P" python3 "$PY/big.py" serve ${a}2 53 &
	RXL_PIDS+=($!)
	ip netns exec "$B" python3 "$PY/big.py" serve ${a}1 5353 &
	RXL_PIDS+=($!)
	ip netns exec "$B" python3 "$PY/big.py" serve ${a}1 5354 &
	RXL_PIDS+=($!)
done
deadline=$((SECONDS + 60))
until [ "$(ip netns exec "$P" ss -lunH | grep -c ':53 ')" -ge 2 ] &&
      [ "$(ip netns exec "$B" ss -lunH | grep -c ':535[34] ')" -ge 4 ]; do
	[ $SECONDS -lt $deadline ] || rxl_fail "no UDP servers after 60 s"
	sleep 0.1
done

# counter JQ [ct]: a counter of 'stats -j' (or 'ct stats -j').
counter() {
	if [ "${2:-}" = ct ]; then
		ip netns exec "$B" "$RXL_CLI" -j ct stats | jq -e "$1"
	else
		ip netns exec "$B" "$RXL_CLI" -j stats | jq -e "$1"
	fi
}

cli attach vb
cli container add web ip 10.80.0.1 ip fd80::1 default drop egress-default drop
cli fw add web allow proto udp dport 5353
cli fw add web out allow proto udp to 10.80.0.2/32 dport 53
cli fw add web out allow proto udp to fd80::2/128 dport 53

# fragmented WEB PEER: the three exchanges between web's address WEB and
# P's address PEER.
fragmented() {
	local web=$1 peer=$2 in0 in1 in2 out0 out1 out2 nf0 nf1 df0 df1

	# ---- web asks out: 8000 bytes each way ---------------------------
	in0=$(counter .events.frag_followed) || rxl_fail "stats -j"
	out0=$(counter .events.frag_followed ct) || rxl_fail "ct stats -j"
	ask "$B" "$peer" 53 10 ||
		rxl_fail "web's 8000-byte query to $peer:53 unanswered"
	in1=$(counter .events.frag_followed)
	out1=$(counter .events.frag_followed ct)
	[ "$out1" -ge $((out0 + 5)) ] ||
		rxl_fail "$peer: egress frag_followed $out0 -> $out1, want 5 more"
	[ "$in1" -ge $((in0 + 5)) ] ||
		rxl_fail "$peer: ingress frag_followed $in0 -> $in1, want 5 more"
	rxl_ok "$web: web's fragmented query and its fragmented answer pass ($out0 -> $out1 out, $in0 -> $in1 in)"

	# ---- P asks in: 8000 bytes each way ------------------------------
	ask "$P" "$web" 5353 10 ||
		rxl_fail "P's 8000-byte query to $web:5353 unanswered"
	in2=$(counter .events.frag_followed)
	out2=$(counter .events.frag_followed ct)
	[ "$in2" -ge $((in1 + 5)) ] && [ "$out2" -ge $((out1 + 5)) ] ||
		rxl_fail "$web: frag_followed in $in1 -> $in2, out $out1 -> $out2"
	rxl_ok "$web: P's fragmented query to an allowed port and web's answer pass"

	# ---- no rule: every fragment dropped, the later ones frag_no_first
	nf0=$(counter .drops.frag_no_first) || rxl_fail "stats -j drops"
	df0=$(counter .drops.default)
	ask "$P" "$web" 5354 3 &&
		rxl_fail "P's query to $web:5354 (no rule) answered"
	nf1=$(counter .drops.frag_no_first)
	df1=$(counter .drops.default)
	[ "$nf1" -ge $((nf0 + 5)) ] && [ "$df1" -ge $((df0 + 1)) ] ||
		rxl_fail "$web: drops: frag_no_first $nf0 -> $nf1, default $df0 -> $df1"
	rxl_ok "$web: a datagram to a refused port: first fragment 'default', later ones 'frag_no_first'"
}

fragmented 10.80.0.1 10.80.0.2
fragmented fd80::1 fd80::2

rxl_schema stats stats "$(ip netns exec "$B" "$RXL_CLI" -j stats)" \
	ct_stats "ct stats" "$(ip netns exec "$B" "$RXL_CLI" -j ct stats)"

cli container del web
cli detach vb
rxl_ok "ct_frag"
