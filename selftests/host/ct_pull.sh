#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The tc egress program on a packet whose headers are not in the linear
# part of its skb (issue 14, Documentation/conntrack.rst, "Headers out of
# the linear part"): it makes them linear and judges the packet by them,
# as any other. Namespace B is the container 'web' (10.85.0.1, fd85::1,
# default drop, egress-default drop, a rule that lets in UDP to 5353)
# behind its veth vb (MTU 9000, so XDP in generic mode: native XDP on a
# veth refuses that MTU), where 'rxlane attach vb mode generic' put the
# programs; P (10.85.0.2, fd85::2) is the outside.
#
# The frames are sent from an AF_PACKET socket in B with a virtio-net
# header whose hdr_len is 14 (PACKET_VNET_HDR): the kernel then puts only
# the Ethernet header in the skb's linear part and the rest, 5000 bytes,
# in page fragments. Over IPv4 and IPv6:
#
# - a UDP datagram of web to P's port 9999, which no flow opened, is
#   dropped (ct stats egress_drop +1) and never reaches P (its UDP
#   counters stay);
# - P sends to web:5353 from port 40001 (the rule lets it in, the entry
#   is made); web's 5000-byte answer of that flow, sent the same way,
#   passes (egress +1) and reaches P's socket whole.
#
# Read without the pull, the IP header is not there, and the packet
# would pass unjudged: the first datagram would reach P.
set -u
. "$(dirname "$0")/lib.sh"
rxl_init ctpull
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit $ksft_skip; }

B=rxl-cpb-$RXL_ID
P=rxl-cpp-$RXL_ID
PY=$(mktemp -d /tmp/rxl-cpull.XXXXXX)
trap 'rxl_cleanup; rm -rf "$PY"' EXIT
rxl_netns "$B"
rxl_netns "$P"
rxl_ns_pair "$B" vb "$P" vp "10.85.0.1/24 fd85::1/64" "10.85.0.2/24 fd85::2/64"
ip -n "$B" link set vb mtu 9000
ip -n "$P" link set vp mtu 9000
PMAC=$(ip -n "$P" -br link show vp | awk '{print $3}')
BMAC=$(ip -n "$B" -br link show vb | awk '{print $3}')

cli() { ip netns exec "$B" "$RXL_CLI" "$@" || rxl_fail "rxlane $*"; }
cli attach vb mode generic
cli container add web ip 10.85.0.1 ip fd85::1 default drop egress-default drop
cli fw add web allow proto udp dport 5353

# send.py SRC DST SPORT DPORT: from B, one UDP datagram of 5000 bytes in
# a frame whose skb holds only its Ethernet header linear.
cat > "$PY/send.py" <<'EOF'
import errno, socket, struct, sys

src, dst, sport, dport = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    int(sys.argv[4])
smac, dmac = (bytes.fromhex(m.replace(":", "")) for m in sys.argv[5:7])
SOL_PACKET, PACKET_VNET_HDR = 263, 15
data = b"rxlane" * 833 + b"xx"		# 5000 bytes

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s >> 16) + (s & 0xffff)
    return ~s & 0xffff

ulen = 8 + len(data)
if ":" in src:
    s6, d6 = (socket.inet_pton(socket.AF_INET6, a) for a in (src, dst))
    pseudo = s6 + d6 + struct.pack("!IxxxB", ulen, 17)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + data
    udp = udp[:6] + struct.pack("!H", csum(pseudo + udp) or 0xffff) + udp[8:]
    ip = struct.pack("!IHBB", 6 << 28, ulen, 17, 64) + s6 + d6
    etype = 0x86dd
else:
    s4, d4 = (socket.inet_aton(a) for a in (src, dst))
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + data
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 1, 0, 64, 17, 0,
                     s4, d4)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    etype = 0x0800
frame = dmac + smac + struct.pack("!H", etype) + ip + udp
# virtio_net_hdr: no offloads, hdr_len 14: the Ethernet header linear.
vnet = struct.pack("<BBHHHH", 0, 0, 14, 0, 0, 0)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
s.bind(("vb", 0))
try:
    s.send(vnet + frame)
except OSError as e:
    # A drop on the way out (NET_XMIT_DROP) is reported to the sender.
    if e.errno != errno.ENOBUFS:
        raise
EOF

# event NAME: the ct stats event NAME.
event() {
	ip netns exec "$B" "$RXL_CLI" -j ct stats | jq -e ".events.$1"
}

# p_udp FIELD: P's UDP counter FIELD, both families summed.
p_udp() {
	local v4 v6

	v4=$(rxl_snmp "$P" Udp "$1")
	v6=$(ip netns exec "$P" awk -v f="Udp6$1" '$1 == f {print $2}' /proc/net/snmp6)
	echo $((v4 + v6))
}

for fam in 4 6; do
	if [ $fam = 4 ]; then me=10.85.0.1 peer=10.85.0.2; else me=fd85::1 peer=fd85::2; fi

	# Unjudged, this one would reach P (NoPorts: nothing on 9999).
	drops=$(event egress_drop) || rxl_fail "ct stats unreadable"
	noports=$(p_udp NoPorts)
	ip netns exec "$B" python3 "$PY/send.py" "$me" "$peer" 40000 9999 \
		"$BMAC" "$PMAC" || rxl_fail "v$fam: sending the frame"
	now=$(event egress_drop)
	[ "$now" -eq $((drops + 1)) ] ||
		rxl_fail "v$fam: web's datagram to P:9999 (no flow): egress_drop $drops -> $now, want +1"
	rxl_stays "v$fam: web's datagram to P:9999 (no flow) reached P: NoPorts" \
		"$noports" p_udp NoPorts
	rxl_ok "v$fam: a datagram with its headers out of the linear part, of no flow: dropped"

	# P opens the flow, then waits for web's 5000-byte answer.
	ip netns exec "$P" python3 -c '
import socket, sys
peer, me = sys.argv[1], sys.argv[2]
fam = socket.AF_INET6 if ":" in me else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((me, 40001))
s.sendto(b"open", (peer, 5353))
s.settimeout(15)
try:
    print(len(s.recv(9000)))
except socket.timeout:
    print("none")
' "$me" "$peer" > "$PY/got" &
	pid=$!
	deadline=$((SECONDS + 15))
	until ip netns exec "$B" "$RXL_CLI" -j ct list web |
	      jq -e --arg a "$peer" '.entries[] | select(.src == $a and .sport == 40001)' >/dev/null; do
		[ $SECONDS -lt $deadline ] || rxl_fail "v$fam: P's datagram to web:5353 made no entry"
		sleep 0.1
	done
	egress=$(event egress) || rxl_fail "ct stats unreadable"
	ip netns exec "$B" python3 "$PY/send.py" "$me" "$peer" 5353 40001 \
		"$BMAC" "$PMAC" || rxl_fail "v$fam: sending the frame"
	wait $pid
	[ "$(cat "$PY/got")" = 5000 ] ||
		rxl_fail "v$fam: web's 5000-byte answer to P:40001: P got '$(cat "$PY/got")'"
	now=$(event egress)
	[ "$now" -gt "$egress" ] ||
		rxl_fail "v$fam: web's answer reached P, but egress $egress -> $now: not judged as the flow's"
	rxl_ok "v$fam: the flow's 5000-byte answer, headers out of the linear part: passed"
done
echo "PASS: ct_pull"
