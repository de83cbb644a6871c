#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Anti-spoofing of containers without a host-side device (issue 14,
# Documentation/conntrack.rst, "Containers without a host-side device"):
# two containers on macvlans of the uplink u0 in namespace H (rxlane
# attached to u0), the peer P on u0's veth peer.
#
#   A web 10.91.0.2 fd91::2 mA --+
#   B db  10.91.0.3 fd91::3 mB --+-- u0 H 10.91.0.254 -- p0 P 10.91.0.1 fd91::1
#
# web and db are bound by their MACs ('container add ... mac MAC', no
# 'dev'); db has 'default drop'. A sends from db's IPv4 and IPv6 address,
# from an address of nobody's, and from its own address with a forged
# MAC, and lies in ARP: each is dropped at u0's tc egress and counted as
# web's spoof (stats text and -j, ct stats), P never sees it, db's zone
# gets no entry. web's, db's and the host's own traffic pass throughout.
# 'mac none' on web lifts only web's binding; a MAC another container has
# is refused and changes nothing.
set -u
. "$(dirname "$0")/lib.sh"
rxl_init ctmacvlan
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit $ksft_skip; }
command -v jq >/dev/null || { echo "SKIP: no jq"; exit $ksft_skip; }

H=rxl-cmh-$RXL_ID
A=rxl-cma-$RXL_ID
B=rxl-cmb-$RXL_ID
P=rxl-cmp-$RXL_ID
RXL_R=$H
PY=$(mktemp -d /tmp/rxl-cm.XXXXXX)
trap 'rxl_cleanup; rm -rf "$PY"' EXIT

for ns in "$H" "$A" "$B" "$P"; do
	rxl_netns "$ns"
done
# RXL_CT_NIC=1 (selftests/vm/ct_macvlan.sh, rxlane.ko loaded): the uplink
# is rxlane's NIC nic0 over u0, its XDP program native.
UP=u0
MODE=
if [ "${RXL_CT_NIC:-0}" = 1 ]; then
	rxl_ns_pair "$H" u0 "$P" p0 "" "10.91.0.1/24 fd91::1/64"
	ip -n "$H" link add nic0 link u0 type rxlane || rxl_fail "rxlane nic0 on u0"
	rxl_ns_addrs "$H" nic0 10.91.0.254/24
	ip -n "$H" link set nic0 up
	UP=nic0
	MODE="mode native"
else
	rxl_ns_pair "$H" u0 "$P" p0 "10.91.0.254/24" "10.91.0.1/24 fd91::1/64"
fi
# macvlan NS DEV ADDRS: a macvlan of the uplink (bridge mode) moved into NS.
macvlan() {
	ip -n "$H" link add "$2" link "$UP" type macvlan mode bridge ||
		rxl_fail "macvlan $2"
	ip -n "$H" link set "$2" netns "$1" || rxl_fail "macvlan $2 to $1"
	rxl_ns_addrs "$1" "$2" $3
	ip -n "$1" link set "$2" up
}
macvlan "$A" mA "10.91.0.2/24 fd91::2/64"
macvlan "$B" mB "10.91.0.3/24 fd91::3/64"
MAC_A=$(ip -n "$A" -j link show mA | jq -r '.[0].address')
MAC_B=$(ip -n "$B" -j link show mB | jq -r '.[0].address')
MAC_P=$(ip -n "$P" -j link show p0 | jq -r '.[0].address')
# Static neighbours: no ARP or ND of a spoofed source is what is judged.
rxl_neigh "$A" mA "$P" p0 10.91.0.1 fd91::1
rxl_neigh "$B" mB "$P" p0 10.91.0.1 fd91::1
rxl_neigh "$P" p0 "$A" mA 10.91.0.2 fd91::2
rxl_neigh "$P" p0 "$B" mB 10.91.0.3 fd91::3
# A may also send from db's addresses and from one of nobody's.
ip -n "$A" addr add 10.91.0.3/32 dev mA
ip -n "$A" addr add 10.91.0.77/32 dev mA
ip -n "$A" addr add fd91::3/128 dev mA nodad
ip netns exec "$A" sysctl -qw net.ipv4.conf.all.arp_announce=2 \
	net.ipv4.conf.all.arp_ignore=1

cat > "$PY/cm.py" <<'PYEOF'
import socket, struct, sys, time
def fam(a):
    return socket.AF_INET6 if ':' in a else socket.AF_INET
cmd = sys.argv[1]
if cmd == 'sink':		# sink ADDR PORT FILE: "src tag" per datagram, echoed
    s = socket.socket(fam(sys.argv[2]), socket.SOCK_DGRAM)
    s.bind((sys.argv[2], int(sys.argv[3])))
    while True:
        d, a = s.recvfrom(2000)
        with open(sys.argv[4], 'a') as f:
            f.write('%s %s\n' % (a[0], d.decode(errors='replace')))
        s.sendto(d, a)
elif cmd == 'send':		# send SRC DST PORT TAG WAIT: 0 on the echo
    s = socket.socket(fam(sys.argv[2]), socket.SOCK_DGRAM)
    s.bind((sys.argv[2], 0))
    s.settimeout(float(sys.argv[6]))
    s.sendto(sys.argv[5].encode(), (sys.argv[3], int(sys.argv[4])))
    try:
        sys.exit(0 if s.recv(100) == sys.argv[5].encode() else 1)
    except socket.timeout:
        sys.exit(1)
elif cmd in ('frame', 'arp'):
    # frame DEV SMAC DMAC SRC DST PORT TAG: an Ethernet/IPv4/UDP frame
    # written whole through a packet socket (IP checksum right, UDP's 0).
    # arp DEV SMAC DMAC SENDER_IP TARGET_IP: an ARP reply.
    dev, smac, dmac = sys.argv[2:5]
    mac = lambda m: bytes.fromhex(m.replace(':', ''))
    if cmd == 'arp':
        body = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 2, mac(smac),
                           socket.inet_aton(sys.argv[5]), mac(dmac),
                           socket.inet_aton(sys.argv[6]))
        eth = mac(dmac) + mac(smac) + b'\x08\x06' + body
    else:
        src, dst = socket.inet_aton(sys.argv[5]), socket.inet_aton(sys.argv[6])
        data = sys.argv[8].encode()
        udp = struct.pack('!HHHH', 40000, int(sys.argv[7]), 8 + len(data), 0) + data
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 1, 0, 64,
                         17, 0, src, dst)
        c = sum(struct.unpack('!10H', ip))
        c = (c & 0xffff) + (c >> 16)
        c = (c & 0xffff) + (c >> 16)
        ip = ip[:10] + struct.pack('!H', ~c & 0xffff) + ip[12:]
        eth = mac(dmac) + mac(smac) + b'\x08\x00' + ip + udp
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    try:
        s.send(eth)
    except OSError as e:	# ENOBUFS: dropped on its way (tc)
        if e.errno != 105:
            raise
PYEOF
py() { local ns=$1; shift; ip netns exec "$ns" python3 "$PY/cm.py" "$@"; }
cli() { ip netns exec "$H" "$RXL_CLI" "$@" || rxl_fail "rxlane $*"; }
clij() { ip netns exec "$H" "$RXL_CLI" -j "$@"; }
spoofs() { clij stats "$1" | jq -e '.containers[0].spoof.packets'; }
ct_spoofs() { clij ct stats | jq -e '.events.spoof'; }
db_entries() { clij ct list db | jq -e '.entries | length'; }
# arrived TAG: datagrams tagged TAG that reached P's sink.
arrived() { grep -c " $1\$" "$PY/p.log" 2>/dev/null; }

ip netns exec "$P" python3 "$PY/cm.py" sink 10.91.0.1 9001 "$PY/p.log" &
RXL_PIDS+=($!)
ip netns exec "$P" python3 "$PY/cm.py" sink fd91::1 9001 "$PY/p.log" &
RXL_PIDS+=($!)
deadline=$((SECONDS + 60))
until [ "$(ip netns exec "$P" ss -lunH "sport = :9001" | wc -l)" -ge 2 ]; do
	[ $SECONDS -lt $deadline ] || rxl_fail "P's sinks not up after 60 s"
	sleep 0.1
done

cli attach "$UP" $MODE
# web and db start without their MACs: nobody is bound by MAC yet.
cli container add web ip 10.91.0.2 ip fd91::2
cli container add db ip 10.91.0.3 ip fd91::3 default drop

# genuine NAME NS SRC...: NS's datagrams from each SRC are answered, and
# NAME's spoof counter does not move.
genuine() {
	local name=$1 ns=$2 src dst before

	shift 2
	before=$(spoofs "$name") || rxl_fail "stats $name unreadable"
	for src in "$@"; do
		case $src in *:*) dst=fd91::1 ;; *) dst=10.91.0.1 ;; esac
		py "$ns" send "$src" "$dst" 9001 "ok-$name" 10 ||
			rxl_fail "$name's datagram from $src to $dst unanswered"
	done
	[ "$(spoofs "$name")" = "$before" ] ||
		rxl_fail "$name's own traffic counted as spoof: $before -> $(spoofs "$name")"
}
# mac_bound: rxl_config's count of containers bound by MAC (fw_port.c),
# the flag of the pairing check; mac_keys: the MAC bindings in rxl_ports.
mac_bound() {
	bpftool -j map lookup pinned "$RXLANE_PIN_DIR/rxl_config" key 0 0 0 0 |
		jq -e '.formatted.value.mac_bound'
}
mac_keys() {
	bpftool -j map dump pinned "$RXLANE_PIN_DIR/rxl_ports" |
		jq -e '[.[].formatted.key | select(.ifindex == 0)] | length'
}
# bound N WHAT: the count is N, as many as the MAC bindings.
bound() {
	[ "$(mac_bound)" = "$1" ] && [ "$(mac_keys)" = "$1" ] ||
		rxl_fail "$2: mac_bound $(mac_bound), MAC bindings $(mac_keys), not $1"
}
bound 0 "web and db without MACs"
genuine web "$A" 10.91.0.2 fd91::2
genuine db "$B" 10.91.0.3 fd91::3
[ "$(spoofs web):$(spoofs db)" = 0:0 ] || rxl_fail "spoofs before any spoof"
rxl_ping_ok "$A" 10.91.0.1 || rxl_fail "web's ping to P"
rxl_ping_ok "$H" 10.91.0.1 || rxl_fail "the host's ping to P"
rxl_ok "web, db (default drop, through its entries) and the host reach P"
# Nobody bound by MAC: the pairing check is skipped, nothing is refused.
py "$A" send 10.91.0.77 10.91.0.1 9001 nomac 5 ||
	rxl_fail "no MAC bound: web's datagram from 10.91.0.77 did not pass"
[ "$(spoofs web)" = 0 ] || rxl_fail "no MAC bound: a spoof counted"
rxl_ok "no container bound by MAC: web's datagram from 10.91.0.77 passes"

# spoofed WHO WHAT TAG CMD...: CMD sends one frame tagged TAG from A that
# is not web's: WHO's spoof counter and ct stats' spoof rise, P never
# gets it, db's zone holds no entry, and web, db and the host still pass.
spoofed() {
	local who=$1 what=$2 tag=$3 before ct_before after deadline

	shift 3
	cli ct flush db
	before=$(spoofs "$who") || rxl_fail "stats $who unreadable"
	ct_before=$(ct_spoofs) || rxl_fail "ct stats unreadable"
	"$@"
	deadline=$((SECONDS + 30))
	until after=$(spoofs "$who") && [ "$after" -gt "$before" ]; do
		[ $SECONDS -lt $deadline ] ||
			rxl_fail "$what: $who's spoof counter $before -> $after after 30 s"
		sleep 0.2
	done
	[ "$(ct_spoofs)" -gt "$ct_before" ] || rxl_fail "$what: ct stats spoof did not rise"
	sleep 0.5
	[ "$(arrived "$tag")" = 0 ] || rxl_fail "$what: P received it"
	[ "$(db_entries)" = 0 ] ||
		rxl_fail "$what: db's zone has entries: $(clij ct list db)"
	genuine web "$A" 10.91.0.2 fd91::2
	genuine db "$B" 10.91.0.3 fd91::3
	rxl_ping_ok "$H" 10.91.0.1 || rxl_fail "$what: the host's ping to P"
	rxl_ok "$what: dropped at $UP, counted as $who's spoof ($before -> $after)"
}
# The first container bound by MAC, after traffic: its check starts.
cli container set web mac "$MAC_A"
bound 1 "web bound by its MAC"
spoofed web "web, the first bound by MAC, sends from 10.91.0.77" s77f \
	py "$A" send 10.91.0.77 10.91.0.1 9001 s77f 1
cli container set db mac "$MAC_B"
bound 2 "web and db bound by their MACs"
spoofed web "web sends from db's IPv4 address" s4 \
	py "$A" send 10.91.0.3 10.91.0.1 9001 s4 1
spoofed web "web sends from db's IPv6 address" s6 \
	py "$A" send fd91::3 fd91::1 9001 s6 1
spoofed web "web sends from 10.91.0.77, nobody's" s77 \
	py "$A" send 10.91.0.77 10.91.0.1 9001 s77 1
spoofed web "web sends from its own address with a forged MAC" smac \
	py "$A" frame mA 02:00:00:00:91:99 "$MAC_P" 10.91.0.2 10.91.0.1 9001 smac
spoofed web "web's ARP reply says 10.91.0.3 is at its MAC" sarp \
	py "$A" arp mA "$MAC_A" "$MAC_P" 10.91.0.3 10.91.0.1
[ "$(spoofs db)" = 0 ] || rxl_fail "web's spoofs counted on db: $(spoofs db)"

# The packet socket's frames pass with web's own MAC (the test's control).
py "$A" frame mA "$MAC_A" "$MAC_P" 10.91.0.2 10.91.0.1 9001 cframe
deadline=$((SECONDS + 30))
until [ "$(arrived cframe)" = 1 ]; do
	[ $SECONDS -lt $deadline ] ||
		rxl_fail "web's crafted frame with its own MAC never reached P"
	sleep 0.2
done
rxl_ok "the same crafted frame with web's MAC reaches P"

# The listing and the text.
ip netns exec "$H" "$RXL_CLI" stats web | grep -Eq 'spoof +[1-9]' ||
	rxl_fail "stats web (text): no spoof count: $(ip netns exec "$H" "$RXL_CLI" stats web)"
rxl_ok "stats web shows the spoofs (text and -j)"
rxl_schema stats "stats web" "$(clij stats web)" \
	ct_stats "ct stats" "$(clij ct stats)"

# A MAC another container is bound by: refused, nothing changed.
before=$(clij container list)
out=$(ip netns exec "$H" "$RXL_CLI" container add x ip 10.91.0.9 mac "$MAC_A" 2>&1) &&
	rxl_fail "container add x with web's MAC accepted: $out"
echo "$out" | grep -q "MAC $MAC_A" || rxl_fail "refusal does not name the MAC: $out"
[ "$(clij container list)" = "$before" ] ||
	rxl_fail "the refused container add changed the listing"
cli check >/dev/null
rxl_ok "a MAC bound to web refused for another container ($out)"

# Each half alone. 'mac none' lifts web's binding: A's datagram from
# 10.91.0.77 (which only web's MAC refused) reaches P; one from db's
# address is still refused by db's binding (db's address without db's
# MAC), counted as db's.
cli container set web mac none
bound 1 "web's MAC lifted"
py "$A" send 10.91.0.77 10.91.0.1 9001 nocheck 5 ||
	rxl_fail "without web's MAC, its datagram from 10.91.0.77 did not pass"
spoofed db "web (no MAC) sends from db's address" sdb \
	py "$A" send 10.91.0.3 10.91.0.1 9001 sdb 1
cli container set web mac "$MAC_A"
spoofed web "web (its MAC again) sends from 10.91.0.77" s77b \
	py "$A" send 10.91.0.77 10.91.0.1 9001 s77b 1
cli container del web
bound 1 "web deleted"

# A change killed at each of its map updates leaves the count at least
# the MAC bindings (errs on checking); the next change makes it exact.
RXL_NS=$H
n=$(rxl_shim_count "$PY/count" -- container add web ip 10.91.0.2 mac "$MAC_A")
cli container del web
for ((i = 1; i <= n; i++)); do
	rxl_shim_run RXLANE_CRASH_AT="$i" -- container add web ip 10.91.0.2 \
		mac "$MAC_A" >/dev/null 2>&1
	[ "$(mac_bound)" -ge "$(mac_keys)" ] ||
		rxl_fail "container add killed at update $i of $n: mac_bound $(mac_bound) below $(mac_keys) MAC bindings"
	ip netns exec "$H" "$RXL_CLI" container del web >/dev/null 2>&1
	bound 1 "container add killed at update $i of $n, then del"
done
rxl_ok "container add web killed at each of its $n map updates: mac_bound never below the MAC bindings"
cli container del db
bound 0 "web and db deleted"
echo "PASS"
