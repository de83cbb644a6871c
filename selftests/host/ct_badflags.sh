#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TCP segments with flag combinations no stack sends (issue 14,
# Documentation/conntrack.rst, "Invalid TCP flags"), with real sockets.
# Namespace B is the container 'web' (10.84.0.1, default drop and
# egress-default drop, allow tcp dport 8080) behind its veth vb, where
# rxlane is attached; namespace P (10.84.0.2) is the outside.
#
# - P sends a SYN+FIN and a NULL segment (python3 raw socket, a
#   hand-built TCP header) to web's allowed 8080, where a server listens:
#   both are dropped and counted as 'tcp_flags' in 'rxlane stats', and
#   'ct list' holds no entry of their port;
# - a normal connection from P to the same port still works, and its
#   entry is listed;
# - web sends a SYN+FIN and a NULL segment out: dropped, counted as
#   'tcp_flags' (not as the egress default's drop);
# - an attach over pins of the previous build's drop counters (31
#   reasons) is refused with a message naming the map, and makes nothing.
set -u
. "$(dirname "$0")/lib.sh"
rxl_init ctbadflags
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit $ksft_skip; }

B=rxl-cgb-$RXL_ID
P=rxl-cgp-$RXL_ID
RXL_R=$B		# rxl_drop_count reads the stats of this namespace
rxl_netns "$B"
rxl_netns "$P"
rxl_ns_pair "$B" vb "$P" vp "10.84.0.1/24" "10.84.0.2/24"
rxl_neigh "$B" vb "$P" vp 10.84.0.2

cli() { ip netns exec "$B" "$RXL_CLI" "$@" || rxl_fail "rxlane $*"; }
cli attach vb
cli container add web ip 10.84.0.1 default drop egress-default drop
cli fw add web allow proto tcp dport 8080 >/dev/null

# The container's server: answers one line.
ip netns exec "$B" python3 -c '
import socket
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("10.84.0.1", 8080))
ls.listen(8)
while True:
    c = ls.accept()[0]
    c.sendall(c.recv(100))
    c.close()
' &
RXL_PIDS+=($!)
rxl_wait_listen "$B" 8080

# raw NS SRC DST SPORT DPORT FLAGS...: one TCP segment from NS with the
# named flags (none: a NULL segment), its header and checksum built here.
raw() {
	ip netns exec "$1" python3 - "${@:2}" <<'PY'
import socket, struct, sys
src, dst, sport, dport = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
bits = {"fin": 1, "syn": 2, "rst": 4, "psh": 8, "ack": 16, "urg": 32}
flags = sum(bits[f] for f in sys.argv[5:])
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
hdr = struct.pack("!HHIIBBHHH", sport, dport, 0x1234567, 0, 5 << 4, flags,
                  64240, 0, 0)
pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack(
    "!BBH", 0, socket.IPPROTO_TCP, len(hdr))
hdr = hdr[:16] + struct.pack("!H", csum(pseudo + hdr)) + hdr[18:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
s.bind((src, 0))
s.sendto(hdr, (dst, 0))
PY
}

# entries PORT: web's TCP entries with PORT on the peer's side.
entries() {
	ip netns exec "$B" "$RXL_CLI" -j ct list web |
		jq --argjson p "$1" '[.entries[] | select(.proto == "tcp" and
			(.sport == $p or .dport == $p))] | length'
}

# bad_counted WHAT N: the tcp_flags drops rose by N since $bad0 (the
# frames are counted as they are dropped, but wait for them at most 10 s).
bad_counted() {
	local deadline=$((SECONDS + 10)) got

	while :; do
		got=$(rxl_drop_count tcp_flags) ||
			rxl_fail "$1: rxlane -j stats has no drops.tcp_flags"
		[ "$got" -eq $((bad0 + $2)) ] && break
		[ $SECONDS -lt $deadline ] ||
			rxl_fail "$1: tcp_flags drops $bad0 -> $got, want +$2"
		sleep 0.2
	done
}

# ---- from the outside, to the allowed port -----------------------------
bad0=$(rxl_drop_count tcp_flags) ||
	rxl_fail "rxlane -j stats has no drops.tcp_flags"
def0=$(rxl_drop_count default) || rxl_fail "stats: drops.default"
raw "$P" 10.84.0.2 10.84.0.1 40001 8080 syn fin
raw "$P" 10.84.0.2 10.84.0.1 40002 8080
bad_counted "SYN+FIN and NULL to web:8080" 2
for port in 40001 40002; do
	[ "$(entries $port)" = 0 ] ||
		rxl_fail "an entry of the peer's port $port: $(ip netns exec "$B" "$RXL_CLI" ct list web)"
done
[ "$(rxl_drop_count default)" = "$def0" ] ||
	rxl_fail "the invalid segments were counted as 'default' too"
rxl_ok "SYN+FIN and NULL to web's allowed 8080: dropped as tcp_flags, no entry"

ip netns exec "$P" python3 -c '
import socket, sys
s = socket.create_connection(("10.84.0.1", 8080), timeout=10)
s.sendall(b"x")
sys.exit(0 if s.recv(100) == b"x" else 1)
' || rxl_fail "a normal connection to web:8080 after the invalid segments"
n=$(ip netns exec "$B" "$RXL_CLI" -j ct list web |
	jq '[.entries[] | select(.proto == "tcp" and .dport == 8080)] | length')
[ "$n" -ge 1 ] || rxl_fail "the normal connection to 8080 has no entry"
rxl_ok "a normal connection to web:8080 works and is tracked"

# ---- from the container -------------------------------------------------
bad0=$(rxl_drop_count tcp_flags)
raw "$B" 10.84.0.1 10.84.0.2 40003 9000 syn fin
raw "$B" 10.84.0.1 10.84.0.2 40004 9000
bad_counted "SYN+FIN and NULL from web" 2
for port in 40003 40004; do
	[ "$(ip netns exec "$B" "$RXL_CLI" -j ct list web |
	     jq --argjson p $port '[.entries[] | select(.sport == $p)] | length')" = 0 ] ||
		rxl_fail "an entry of web's port $port"
done
rxl_ok "SYN+FIN and NULL from web: dropped on egress as tcp_flags"
text=$(ip netns exec "$B" "$RXL_CLI" stats) || rxl_fail "rxlane stats"
grep -q "tcp_flags $((bad0 + 2))" <<<"$text" ||
	rxl_fail "rxlane stats (text) does not show tcp_flags $((bad0 + 2)): $text"
rxl_ok "rxlane stats prints tcp_flags in text"

# ---- pins of the build before tcp_flags ---------------------------------
OLD=$RXL_BPFFS/old
mkdir "$OLD" || rxl_fail "mkdir $OLD"
bpftool map create "$OLD/rxl_drops" type percpu_array key 4 value 8 \
	entries 31 name rxl_drops || rxl_fail "bpftool map create"
ip -n "$B" link add vo0 type veth peer name vo1 || rxl_fail "veth vo0"
ip -n "$B" link set vo0 up
out=$(RXLANE_PIN_DIR=$OLD ip netns exec "$B" "$RXL_CLI" attach vo0 2>&1)
rc=$?
[ $rc -eq 1 ] || rxl_fail "attach over the old drops layout: exit $rc, want 1: $out"
grep -q "$OLD/rxl_drops is not this rxlane's rxl_drops: max_entries 31, want 32" <<<"$out" ||
	rxl_fail "attach over the old drops layout: the message does not name the map: $out"
! ip -n "$B" link show vo0 | grep -q xdp ||
	rxl_fail "attach refused, yet vo0 has an XDP program"
[ -z "$(tc -n "$B" filter show dev vo0 egress)" ] ||
	rxl_fail "attach refused, yet vo0 has a tc egress filter"
[ "$(ls "$OLD")" = rxl_drops ] ||
	rxl_fail "attach refused, yet pinned: $(ls "$OLD" | tr '\n' ' ')"
rxl_ok "attach over the old drops layout refused: $out"

# The same release grew the fragment notes (16 -> 32 bytes: the overlay
# path of the first fragment, conntrack.rst "Fragments"): refused alike.
OLD2=$RXL_BPFFS/old2
mkdir "$OLD2" || rxl_fail "mkdir $OLD2"
bpftool map create "$OLD2/rxl_frag4" type lru_hash key 12 value 16 \
	entries 8192 name rxl_frag4 || rxl_fail "bpftool map create rxl_frag4"
out=$(RXLANE_PIN_DIR=$OLD2 ip netns exec "$B" "$RXL_CLI" attach vo0 2>&1)
rc=$?
[ $rc -eq 1 ] || rxl_fail "attach over the old fragment notes: exit $rc, want 1: $out"
grep -q "$OLD2/rxl_frag4 is not this rxlane's rxl_frag4: value size 16, want 32" <<<"$out" ||
	rxl_fail "attach over the old fragment notes: the message does not name the map: $out"
! ip -n "$B" link show vo0 | grep -q xdp ||
	rxl_fail "attach refused, yet vo0 has an XDP program"
[ "$(ls "$OLD2")" = rxl_frag4 ] ||
	rxl_fail "attach refused, yet pinned: $(ls "$OLD2" | tr '\n' ' ')"
rxl_ok "attach over the old fragment notes refused: $out"
echo "PASS: ct_badflags"
