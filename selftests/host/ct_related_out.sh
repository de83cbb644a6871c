#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ICMP errors a container sends under egress-default drop (issue 14,
# Documentation/conntrack.rst, "Related ICMP errors"), with real sockets.
# Namespace B is the container 'web' (10.84.0.1, fd84::1, default drop,
# egress-default drop) behind its veth vb, where 'rxlane attach vb' put
# the XDP and tc egress programs; its rules let in UDP to 5353 and TCP to
# 8081, where nothing listens. Namespace P (10.84.0.2, fd84::2) is the
# outside.
#
# - UDP from P to web:5353: web's stack answers with port unreachable
#   (ICMP 3/3, ICMPv6 1/4) about P's datagram, a tracked flow (the rule
#   let it in): the error gets out, P's connected socket reports
#   "connection refused", and ct stats egress_related rises; over IPv4
#   and IPv6;
# - TCP from P to web:8081: web's RST passes (a packet of the entry the
#   SYN made, as before), P's connect is refused;
# - an error forged inside web, about a datagram P never sent, is
#   dropped and counted (egress_drop), and never reaches P (its
#   Icmp InDestUnreachs, Icmp6 InDestUnreachs stay as they were);
# - as nobody, every command (ct stats, list, flush, timeout, fw add,
#   detach) is refused with a permission error and changes nothing;
# - fw add, ct flush and ct timeout SIGKILLed after delays from 1 ms to
#   400 ms leave records and maps that 'check' finds consistent, and the
#   next commands and the errors work.
set -u
. "$(dirname "$0")/lib.sh"
rxl_init ctrelout
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit $ksft_skip; }

B=rxl-crb-$RXL_ID
P=rxl-crp-$RXL_ID
rxl_netns "$B"
rxl_netns "$P"
rxl_ns_pair "$B" vb "$P" vp "10.84.0.1/24 fd84::1/64" "10.84.0.2/24 fd84::2/64"
# Neighbours known up front: ARP and ND are not what is judged here.
rxl_neigh "$B" vb "$P" vp 10.84.0.2 fd84::2
# Every error web's stack owes is sent: no rate limit.
ip netns exec "$B" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0

cli() { ip netns exec "$B" "$RXL_CLI" "$@" || rxl_fail "rxlane $*"; }
cli attach vb
cli container add web ip 10.84.0.1 ip fd84::1 default drop egress-default drop
cli fw add web allow proto udp dport 5353
cli fw add web allow proto tcp dport 8081

# event NAME: the ct stats event NAME.
event() {
	ip netns exec "$B" "$RXL_CLI" -j ct stats | jq -e ".events.$1"
}

# refused PROTO ADDR PORT: from P, a connected PROTO socket to ADDR:PORT
# gets ECONNREFUSED within 5 s (exit 0); 1 on a timeout or an answer.
refused() {
	ip netns exec "$P" python3 -c '
import socket, sys
proto, a, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = socket.AF_INET6 if ":" in a else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM if proto == "udp" else
                  socket.SOCK_STREAM)
s.settimeout(5)
try:
    s.connect((a, port))
    s.send(b"rxlane")
    s.recv(100)
except ConnectionRefusedError:
    sys.exit(0)
except OSError as e:
    print(f"{proto} to {a}:{port}: {e}")
sys.exit(1)
' "$@"
}

for a in 10.84.0.1 fd84::1; do
	before=$(event egress_related) || rxl_fail "ct stats unreadable"
	refused udp "$a" 5353 ||
		rxl_fail "UDP from P to $a:5353 (closed): no port unreachable reached P"
	after=$(event egress_related) || rxl_fail "ct stats unreadable"
	[ "$after" -gt "$before" ] ||
		rxl_fail "UDP to $a:5353 refused, but egress_related $before -> $after"
	rxl_ok "UDP to closed $a:5353: connection refused (egress_related $before -> $after)"
	refused tcp "$a" 8081 ||
		rxl_fail "TCP from P to $a:8081 (closed): web's RST did not reach P"
	rxl_ok "TCP to closed $a:8081: connection refused"
done

# forge ADDR: from inside web, a port unreachable to ADDR about a UDP
# datagram ADDR:40000 -> web:5399 that ADDR never sent (no entry).
forge() {
	ip netns exec "$B" python3 -c '
import errno, socket, struct, sys
peer = sys.argv[1]
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff
udp = struct.pack("!HHHH", 40000, 5399, 16, 0) + b"rxlane!!"
if ":" in peer:
    me = socket.inet_pton(socket.AF_INET6, "fd84::1")
    ip = struct.pack("!IHBB", 6 << 28, len(udp), 17, 64) + \
         socket.inet_pton(socket.AF_INET6, peer) + me
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    try:
        s.sendto(struct.pack("!BBHI", 1, 4, 0, 0) + ip + udp, (peer, 0))
    except OSError as e:
        # IPv6 raw sockets report a drop on the way out (NET_XMIT_DROP).
        if e.errno != errno.ENOBUFS:
            raise
else:
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17,
                     0, socket.inet_aton(peer), socket.inet_aton("10.84.0.1"))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    body = ip + udp
    icmp = struct.pack("!BBHI", 3, 3, 0, 0) + body
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.sendto(icmp, (peer, 0))
' "$1"
}

for a in 10.84.0.2 fd84::2; do
	case $a in *:*) proto=Icmp6 ;; *) proto=Icmp ;; esac
	if [ $proto = Icmp6 ]; then
		seen() { ip netns exec "$P" awk '$1 == "Icmp6InDestUnreachs" {print $2}' /proc/net/snmp6; }
	else
		seen() { rxl_snmp "$P" Icmp InDestUnreachs; }
	fi
	before=$(event egress_drop) || rxl_fail "ct stats unreadable"
	in_before=$(seen)
	forge "$a" || rxl_fail "forging an error to $a"
	after=$(event egress_drop) || rxl_fail "ct stats unreadable"
	[ "$after" -eq $((before + 1)) ] ||
		rxl_fail "a forged error to $a: egress_drop $before -> $after, want +1"
	# Dropped before it left web: P never counts it.
	rxl_stays "a forged error reached P: $proto InDestUnreachs" \
		"$in_before" seen
	rxl_ok "a forged error to $a dropped (egress_drop $before -> $after)"
done
# ---- not root: every command refused, nothing changed ---------------------
# A fresh tracked flow (P's datagram to 5353) whose entry must survive;
# no entry may expire meanwhile.
cli ct timeout udp 600
refused udp 10.84.0.1 5353 || rxl_fail "UDP to 10.84.0.1:5353 before the nobody checks"
entries() {
	ip netns exec "$B" "$RXL_CLI" -j ct list web |
		jq -c '[.entries[] | [.src, .dst, .proto, .sport, .dport]] | sort'
}
state() { entries; ip netns exec "$B" "$RXL_CLI" -j fw list web; }
before=$(state) || rxl_fail "ct list, fw list unreadable"
case $before in '[]'*) rxl_fail "no entry to keep: $before" ;; esac
for args in "ct stats" "ct list web" "ct flush web" "ct timeout udp 5" \
	    "fw add web allow proto udp dport 5354" "detach vb"; do
	# shellcheck disable=SC2086 # $args: words
	out=$(ip netns exec "$B" setpriv --reuid=65534 --regid=65534 \
		--clear-groups "$RXL_CLI" $args 2>&1) &&
		rxl_fail "'rxlane $args' as nobody succeeded: $out"
	case $out in
	*"Permission denied"* | *"Operation not permitted"*) ;;
	*) rxl_fail "'rxlane $args' as nobody: '$out' names no permission" ;;
	esac
done
[ "$(state)" = "$before" ] ||
	rxl_fail "a command as nobody changed the entries or rules: $(state), was $before"
rxl_ok "as nobody: ct stats, list, flush, timeout, fw add, detach refused; nothing changed"

# ---- killed mid-command: the next command does not trip -------------------
# Each command SIGKILLed after a growing delay, from before its first map
# change to after its last; then 'check' finds the records and maps
# consistent and the next command works.
k=0 killed=0
# The short delays land inside a command on a quiet machine, the long
# ones under load.
for delay in 0.001 0.003 0.006 0.01 0.03 0.1 0.4; do
	for args in "fw add web allow proto udp dport $((5400 + k))" \
		    "ct flush web" "ct timeout udp $((31 + k))"; do
		# stderr of the group takes bash's "Killed".
		# shellcheck disable=SC2086 # $args: words
		rc=$({ timeout -s KILL "$delay" ip netns exec "$B" \
			"$RXL_CLI" $args >/dev/null 2>&1; echo $?; } 2>/dev/null)
		[ "$rc" = 137 ] && killed=$((killed + 1))
		out=$(ip netns exec "$B" "$RXL_CLI" check 2>&1) ||
			rxl_fail "check after 'rxlane $args' killed at $delay s: $out"
		[ "${out%%:*}" = consistent ] ||
			rxl_fail "after 'rxlane $args' killed at $delay s, check said: $out"
	done
	k=$((k + 1))
done
cli fw add web allow proto udp dport 5399
cli ct timeout udp 30
ip netns exec "$B" "$RXL_CLI" fw list web | grep -q "dport 5399" ||
	rxl_fail "the rule added after the kills is not listed"
before=$(event egress_related) || rxl_fail "ct stats unreadable"
refused udp 10.84.0.1 5353 ||
	rxl_fail "after the kills: UDP to 10.84.0.1:5353 got no port unreachable"
after=$(event egress_related) || rxl_fail "ct stats unreadable"
[ "$after" -gt "$before" ] ||
	rxl_fail "after the kills: egress_related $before -> $after"
rxl_ok "$((3 * k)) commands, $killed killed by SIGKILL: check consistent each time, errors still pass"
echo "PASS: ct_related_out"
