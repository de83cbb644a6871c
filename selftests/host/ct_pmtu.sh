#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Path MTU discovery through a default-drop container (issue 14, "related
# traffic"; Documentation/conntrack.rst, "Related ICMP errors").
#
#   ns B (container 'web')      ns R (router)                ns P (peer)
#   vb 10.79.1.1  [XDP + tc] -- vr1 10.79.1.254
#      fd79:1::1                    fd79:1::fe
#                               vr2 10.79.2.254  mtu 1280 -- vp 10.79.2.1
#                                   fd79:2::fe                  fd79:2::1
#
# 'web' has default drop and no rule. Its TCP connections to P send
# full-size segments with DF (Linux's default); R cannot forward them and
# answers with ICMP "fragmentation needed" (IPv4) or "packet too big"
# (IPv6) from its own address. Only when the XDP program passes these
# errors (their embedded header matches the connection's entry) does the
# container's stack lower its path MTU and the transfer complete; dropped,
# the connection black-holes (no MTU probing by default) and the client
# times out. Proven by the transfer, the lowered route MTU in B and the
# 'related' counter of 'ct stats'. Errors that match no flow (crafted,
# truncated, another zone's) are ct_test.c's related_* cases.
set -u
. "$(dirname "$0")/lib.sh"
rxl_init ctpmtu
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit $ksft_skip; }
command -v jq >/dev/null || { echo "SKIP: no jq"; exit $ksft_skip; }

B=rxl-pmb-$RXL_ID
R=rxl-pmr-$RXL_ID
P=rxl-pmp-$RXL_ID
PY=$(mktemp -d /tmp/rxl-pmtu.XXXXXX)
trap 'rxl_cleanup; rm -rf "$PY"' EXIT

rxl_netns "$B"
rxl_netns "$R"
rxl_netns "$P"
ip -n "$B" link add vb type veth peer name vr1 netns "$R" || rxl_fail "veth B-R"
ip -n "$R" link add vr2 type veth peer name vp netns "$P" || rxl_fail "veth R-P"
ip -n "$R" link set vr2 mtu 1280
ip -n "$B" addr add 10.79.1.1/24 dev vb
ip -n "$B" addr add fd79:1::1/64 dev vb nodad
ip -n "$R" addr add 10.79.1.254/24 dev vr1
ip -n "$R" addr add fd79:1::fe/64 dev vr1 nodad
ip -n "$R" addr add 10.79.2.254/24 dev vr2
ip -n "$R" addr add fd79:2::fe/64 dev vr2 nodad
ip -n "$P" addr add 10.79.2.1/24 dev vp
ip -n "$P" addr add fd79:2::1/64 dev vp nodad
for l in "$B vb" "$R vr1" "$R vr2" "$P vp"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
ip -n "$B" route add default via 10.79.1.254
ip -n "$B" -6 route add default via fd79:1::fe
ip -n "$P" route add default via 10.79.2.254
ip -n "$P" -6 route add default via fd79:2::fe
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1 \
	net.ipv6.conf.all.forwarding=1 || rxl_fail "forwarding in R"

cat > "$PY/pmtu.py" <<'EOF'
import socket, sys, threading

N = 256 * 1024

def serve(addr):
    fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
    s = socket.socket(fam)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 9000))
    s.listen(8)
    def one(c):
        n = 0
        while n < N:
            d = c.recv(65536)
            if not d:
                break
            n += len(d)
        c.sendall(b'%d\n' % n)
        c.close()
    while True:
        threading.Thread(target=one, args=(s.accept()[0],),
                         daemon=True).start()

if sys.argv[1] == 'serve':
    for a in sys.argv[2:]:
        threading.Thread(target=serve, args=(a,), daemon=True).start()
    threading.Event().wait()
else:				# send ADDR WAIT: N bytes, the count echoed
    s = socket.create_connection((sys.argv[2], 9000),
                                 timeout=float(sys.argv[3]))
    s.sendall(bytes(N))
    sys.exit(0 if s.makefile('rb').readline() == b'%d\n' % N else 1)
EOF

ip netns exec "$P" python3 "$PY/pmtu.py" serve 10.79.2.1 fd79:2::1 &
RXL_PIDS+=($!)
rxl_wait_listen "$P" 9000

cli() { ip netns exec "$B" "$RXL_CLI" "$@" || rxl_fail "rxlane $*"; }
related() { ip netns exec "$B" "$RXL_CLI" -j ct stats | jq '.events.related'; }

cli attach vb
cli container add web ip 10.79.1.1 ip fd79:1::1 default drop

for a in 10.79.2.1 fd79:2::1; do
	before=$(related) || rxl_fail "ct stats -j"
	ip netns exec "$B" python3 "$PY/pmtu.py" send "$a" 20 ||
		rxl_fail "256 KiB over TCP to $a through the 1280-byte link: black-holed (related ICMP errors dropped?)"
	after=$(related) || rxl_fail "ct stats -j"
	[ "$after" -gt "$before" ] ||
		rxl_fail "transfer to $a: no related ICMP error counted ($before -> $after)"
	ip -n "$B" route get "$a" | grep -q "mtu 1280" ||
		rxl_fail "no lowered path MTU to $a in B: $(ip -n "$B" route get "$a")"
	rxl_ok "PMTU discovery to $a through default drop ($((after - before)) related errors passed)"
done

# A UDP datagram larger than the path, over IPv6: B's stack fragments it
# (1500-byte link), R answers the first fragment with a packet too big
# that embeds the fragment header. Only when that error is related (the
# fragment header walked over to the ports) does B lower its path MTU to a
# peer address it has not used before. Before: dropped, no MTU learnt.
ip -n "$P" addr add fd79:2::2/64 dev vp nodad
before=$(related) || rxl_fail "ct stats -j"
for i in 1 2 3; do
	ip netns exec "$B" python3 -c "
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.sendto(bytes(4000), ('fd79:2::2', 9001))"
	ip -n "$B" route get fd79:2::2 | grep -q "mtu 1280" && break
	sleep 1
done
after=$(related) || rxl_fail "ct stats -j"
ip -n "$B" route get fd79:2::2 | grep -q "mtu 1280" ||
	rxl_fail "a 4000-byte UDP datagram to fd79:2::2: no path MTU learnt (a packet too big about a fragment dropped?): $(ip -n "$B" route get fd79:2::2); related $before -> $after"
[ "$after" -gt "$before" ] ||
	rxl_fail "UDP fragments to fd79:2::2: no related error counted ($before -> $after)"
rxl_ok "PMTU discovery for fragmented UDP over IPv6 through default drop ($((after - before)) related errors passed)"

exit 0
