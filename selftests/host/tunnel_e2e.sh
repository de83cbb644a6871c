#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End to end: nothing leaves a tunnel bare (issue 13, items 1 and 2).
# The kernel's vxlan device (VNI 100, a known VNI) carries raw frames
# written to it with a packet socket: a broadcast ARP reply poisoning the
# sender's underlay address, an IPv6 router advertisement (hop limit 255),
# a TCP SYN to the host's own address and one to an address no container
# has. None of them may appear on the receiver's underlay device r0 (a
# packet socket there sees what XDP passes), none may reach the host's
# neighbour table, and each is counted as tunnel_no_container. The same
# ARP frame sent bare over the underlay does appear: the capture works.
# Then the container's VNI binding: a connect over VNI 100 is refused
# (vni_not_bound) until `container set web vni 100`, then allowed.
set -u
. "$(dirname "$0")/lib.sh"
rxl_init tun
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit $ksft_skip; }
command -v jq >/dev/null || { echo "SKIP: no jq"; exit $ksft_skip; }

rxl_topo
TC_BPF_MNT=$RXL_BPFFS ip -n "$RXL_R" link set dev r0 xdpdrv obj "$RXL_OBJ" \
	sec xdp || rxl_fail "attach with iproute2"
cli() { rxl_in "$RXL_R" "$@" || rxl_fail "rxlane $*"; }
drops() { rxl_in "$RXL_R" -j stats | jq ".drops.$1"; }

cli vtep add 10.0.0.2 type vxlan
cli vni add 100
cli container add web ip 10.200.0.2 default allow
rxl_tcp_server 22

CAP=$(mktemp /tmp/rxl-tun-cap.XXXXXX)
trap 'rm -f "$CAP"; rxl_cleanup' EXIT

# The capture: every frame r0 hands the stack whose source MAC is one of
# our markers (02:de:ad:00:00:0N) or whose payload carries our tag, one
# line per frame ("N"), flushed; started first, ready when it says so.
ip netns exec "$RXL_R" python3 -u -c '
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("r0", 0))
print("ready", flush=True)
while True:
    f = s.recv(4096)
    if f[6:11] == bytes.fromhex("02dead0000"):
        print(f[11], flush=True)
' >"$CAP" &
RXL_PIDS+=($!)
for _ in $(seq 100); do grep -q ready "$CAP" && break; sleep 0.1; done
grep -q ready "$CAP" || rxl_fail "capture on r0 did not start in 10 s"

# send DEV N: the marked frame N written raw to DEV in the sender.
send() {
	ip netns exec "$RXL_S" python3 - "$1" "$2" <<'EOF'
import socket, struct, sys
dev, n = sys.argv[1], int(sys.argv[2])
src = bytes.fromhex("02dead0000") + bytes([n])
bcast = b"\xff" * 6
def ip4(a): return socket.inet_aton(a)
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def ipv4(src_ip, dst_ip, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64,
                    proto, 0, ip4(src_ip), ip4(dst_ip))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload
if n in (1, 5):		# ARP reply, broadcast: "10.0.0.1 is at <marker>"
    who = "10.0.0.1" if n == 1 else "10.0.0.77"	# the control harms none
    f = bcast + src + b"\x08\x06" + struct.pack("!HHBBH6s4s6s4s", 1, 0x0800,
        6, 4, 2, src, ip4(who), bcast, ip4("10.0.0.2"))
elif n == 2:		# router advertisement to all nodes, hop limit 255
    ra = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0)
    f = (b"\x33\x33\x00\x00\x00\x01" + src + b"\x86\xdd" +
         struct.pack("!IHBB", 0x60000000, len(ra), 58, 255) +
         socket.inet_pton(socket.AF_INET6, "fe80::dead") +
         socket.inet_pton(socket.AF_INET6, "ff02::1") + ra)
else:			# TCP SYN to the host (3) or to no container (4)
    dst = "10.0.0.2" if n == 3 else "10.200.0.99"
    tcp = struct.pack("!HHIIBBHHH", 40000, 22, 1, 0, 5 << 4, 2, 65535, 0, 0)
    f = (b"\x02\x00\x00\x00\x00\x02" + src + b"\x08\x00" +
         ipv4("10.0.0.1", dst, 6, tcp))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
s.send(f)
EOF
}

before=$(drops tunnel_no_container)
for n in 1 2 3 4; do
	send vx0 "$n" || rxl_fail "sending frame $n through vx0"
done
# The control: an ARP reply sent bare on the underlay does show up (so
# the capture would have seen the tunnelled ones, which came first). It
# speaks for an address nobody uses: R's entry for 10.0.0.1 stays true.
send s0 5 || rxl_fail "sending frame 5 on s0"
deadline=$((SECONDS + 30))
until grep -qx 5 "$CAP"; do
	[ $SECONDS -lt $deadline ] ||
		rxl_fail "the capture on r0 did not see the bare control frame in 30 s"
	sleep 0.2
done
for n in 1 2 3 4; do
	grep -qx "$n" "$CAP" &&
		rxl_fail "tunnelled frame $n appeared bare on r0"
done
rxl_ok "no tunnelled frame appeared on r0; the bare control frame did"
# Each tunnelled frame is counted as it is dropped (poll: slow machines).
deadline=$((SECONDS + 30))
while [ "$(drops tunnel_no_container)" -lt $((before + 4)) ]; do
	[ $SECONDS -lt $deadline ] ||
		rxl_fail "tunnel_no_container: $(drops tunnel_no_container), want $((before + 4)) within 30 s"
	sleep 0.2
done
rxl_ok "4 tunnelled frames to no container dropped and counted"

ip -n "$RXL_R" neigh show 10.0.0.1 | grep -q "02:de:ad:00:00:01" &&
	rxl_fail "the tunnelled ARP reply poisoned R's neighbour table"
rxl_ok "R's neighbour table not poisoned through the tunnel"

# VNI binding: web is bound to no VNI, so VNI 100 does not reach it.
before=$(drops vni_not_bound)
rxl_connect 22 2 && rxl_fail "TCP over VNI 100 reached a container bound to no VNI"
[ "$(drops vni_not_bound)" -gt "$before" ] ||
	rxl_fail "no vni_not_bound drop counted"
rxl_ok "container bound to no VNI: tunnelled connect refused (vni_not_bound)"
cli container set web vni 100
cli container show web | grep -q " vni 100" ||
	rxl_fail "container show does not list vni 100"
rxl_connect 22 10 || rxl_fail "TCP over VNI 100 refused after binding it"
rxl_ok "bound to VNI 100: tunnelled connect allowed"
cli container set web vni none
rxl_connect 22 2 && rxl_fail "TCP over VNI 100 allowed after unbinding"
rxl_ok "unbound again: refused"

echo "PASS: nothing leaves a tunnel bare; VNIs bound to containers"
exit 0
