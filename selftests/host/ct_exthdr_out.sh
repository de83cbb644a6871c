#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Headers the out rules cannot read, end to end (issue 14,
# Documentation/conntrack.rst, "Headers the out rules cannot read").
# Namespace B is the container 'web' (fd81::1) behind its veth vb, where
# 'rxlane attach vb' put the XDP and tc egress programs; namespace P
# (fd81::2) is the outside, counting the UDP datagrams it receives on
# ports 5555 and 5556. 'web' has egress-default allow. From a raw socket
# in B, before any out rule: a datagram to 5555 behind seven destination
# options headers reaches P (Linux reads such a chain; the egress
# default decides). With one out rule, drop UDP to port 5555: a plain
# datagram to 5555 is dropped as the rule says, to 5556 it passes; the
# seven-header one to 5555 is dropped and counted (egress_drop), where
# before the fix it reached P, the rule unread; to 5556 too (no out
# rule can read it, so a container with out rules does not send it).
set -u
. "$(dirname "$0")/lib.sh"
rxl_init ctexthdr
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit $ksft_skip; }

B=rxl-cxb-$RXL_ID
P=rxl-cxp-$RXL_ID
PY=$(mktemp -d /tmp/rxl-cxh.XXXXXX)
trap 'rxl_cleanup; rm -rf "$PY"' EXIT

rxl_netns "$B"
rxl_netns "$P"
rxl_ns_pair "$B" vb "$P" vp "10.81.0.1/24 fd81::1/64" "10.81.0.2/24 fd81::2/64"
rxl_neigh "$B" vb "$P" vp 10.81.0.2 fd81::2

cat > "$PY/x.py" <<'PYEOF'
import socket, struct, sys, threading, time

def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def count(port, out):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(('fd81::2', port))
    n = 0
    while True:
        s.recv(2000)
        n += 1
        with open('%s.%d' % (out, port), 'w') as f:
            f.write('%d\n' % n)

cmd = sys.argv[1]
if cmd == 'serve':		# serve OUT: count datagrams on 5555, 5556
    for p in (5555, 5556):
        open('%s.%d' % (sys.argv[2], p), 'w').write('0\n')
        threading.Thread(target=count, args=(p, sys.argv[2]),
                         daemon=True).start()
    while True:
        time.sleep(3600)
elif cmd == 'send':		# send NHDRS DPORT: UDP behind NHDRS dstopts
    n, dport = int(sys.argv[2]), int(sys.argv[3])
    src = socket.inet_pton(socket.AF_INET6, 'fd81::1')
    dst = socket.inet_pton(socket.AF_INET6, 'fd81::2')
    data = b'x' * 16
    udp = struct.pack('!HHHH', 40000, dport, 8 + len(data), 0) + data
    pseudo = src + dst + struct.pack('!IxxxB', len(udp), 17)
    c = csum(pseudo + udp) or 0xffff
    udp = udp[:6] + struct.pack('!H', c) + udp[8:]
    ext = b''
    for i in range(n):
        nh = 60 if i + 1 < n else 17
        ext += struct.pack('!BBBB4x', nh, 0, 1, 4)
    first = 60 if n else 17
    ip6 = struct.pack('!IHBB', 6 << 28, len(ext) + len(udp), first, 64)
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(ip6 + src + dst + ext + udp, ('fd81::2', 0))
PYEOF

cli() { ip netns exec "$B" "$RXL_CLI" "$@" || rxl_fail "rxlane $*"; }
ip netns exec "$P" python3 "$PY/x.py" serve "$PY/got" &
RXL_PIDS+=($!)
deadline=$((SECONDS + 60))
until [ "$(ip netns exec "$P" ss -lunH | grep -c ':555[56] ')" -ge 2 ]; do
	[ $SECONDS -lt $deadline ] || rxl_fail "no UDP counters after 60 s"
	sleep 0.1
done

egress_drops() {
	ip netns exec "$B" "$RXL_CLI" -j ct stats | jq -e ".events.egress_drop"
}
got() { cat "$PY/got.$1"; }

# sent WHAT NHDRS PORT WANT: one datagram; P's count on PORT must rise
# by WANT (0 or 1) within 3 s, and egress_drop by 1 - WANT.
sent() {
	local b d0 d1 i

	b=$(got "$3"); d0=$(egress_drops) || rxl_fail "ct stats"
	ip netns exec "$B" python3 "$PY/x.py" send "$2" "$3" ||
		rxl_fail "$1: send"
	for i in $(seq 30); do
		[ "$(got "$3")" -gt "$b" ] && break
		sleep 0.1
	done
	d1=$(egress_drops) || rxl_fail "ct stats"
	[ "$(got "$3")" -eq $((b + $4)) ] ||
		rxl_fail "$1: P got $(got "$3") on $3, had $b, want +$4"
	[ "$d1" -eq $((d0 + 1 - $4)) ] ||
		rxl_fail "$1: egress_drop $d0 -> $d1, want +$((1 - $4))"
	rxl_ok "$1 ($([ "$4" = 1 ] && echo reached P || echo dropped, counted))"
}

cli attach vb
cli container add web ip 10.81.0.1 ip fd81::1 default drop \
	egress-default allow

sent "no out rules: UDP to 5555 behind 7 destination options headers" \
	7 5555 1
cli fw add web out drop proto udp dport 5555
sent "plain UDP to 5556" 0 5556 1
sent "plain UDP to 5555" 0 5555 0
sent "UDP to 5555 behind 7 destination options headers" 7 5555 0
sent "UDP to 5556 behind 7 destination options headers" 7 5556 0
echo "PASS: ct_exthdr_out"
