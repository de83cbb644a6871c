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
# 10.91.0.77 too: P's ARP for it would be answered by A from an address
# that is not web's, a spoof counted at a random moment (seen: "web's own
# traffic counted as spoof: 9 -> 10" under load).
rxl_neigh "$P" p0 "$A" mA 10.91.0.2 fd91::2 10.91.0.77
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
    if sys.argv[-1] == 'bypass':	# around tc egress, if it may
        try:
            s.setsockopt(263, 20, 1)	# PACKET_QDISC_BYPASS
        except PermissionError:
            pass
    s.bind((dev, 0))
    try:
        s.send(eth)
    except OSError as e:	# ENOBUFS: dropped on its way (tc)
        if e.errno != 105:
            raise
elif cmd == 'guard':
    # guard: what the sockets that send around tc egress may do here:
    # "bypass=ok|ERR xdp=ok|ERR" (PACKET_QDISC_BYPASS on; an AF_XDP
    # socket's XDP_UMEM_REG, of nothing: EINVAL when it may ask).
    import errno
    def try_(f):
        try:
            f()
            return 'ok'
        except OSError as e:
            return errno.errorcode.get(e.errno, str(e.errno))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    r = ['bypass=' + try_(lambda: s.setsockopt(263, 20, 1))]
    x = socket.socket(44, socket.SOCK_RAW)		# AF_XDP
    r.append('xdp=' + try_(lambda: x.setsockopt(283, 4, bytes(32))))
    print(' '.join(r))
PYEOF
py() { local ns=$1; shift; ip netns exec "$ns" python3 "$PY/cm.py" "$@"; }
cli() { ip netns exec "$H" "$RXL_CLI" "$@" || rxl_fail "rxlane $*"; }
clij() { ip netns exec "$H" "$RXL_CLI" -j "$@"; }
spoofs() { clij stats "$1" | jq -e '.containers[0].spoof.packets'; }
ct_spoofs() { clij ct stats | jq -e '.events.spoof'; }
db_entries() { clij ct list db | jq -e '.entries | length'; }
# arrived TAG: datagrams tagged TAG that reached P's sink.
arrived() { grep -c " $1\$" "$PY/p.log" 2>/dev/null; }
# reached COUNT TAG MSG: COUNT TAG (arrived, at_db) reaches 1 within 30 s,
# else FAIL: MSG.
reached() {
	local deadline=$((SECONDS + 30))

	until [ "$("$1" "$2")" = 1 ]; do
		[ $SECONDS -lt $deadline ] || rxl_fail "$3"
		sleep 0.2
	done
}

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
reached arrived cframe "web's crafted frame with its own MAC never reached P"
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

# ---- check 2: the port check on each container's own interface -------
# (conntrack.rst, "The port check"): web and db, both default drop and
# bound by their MACs, are bound by their macvlans in their namespaces as
# well ('port IF netns PATH'); rxlane_tc_port then runs on the tc egress
# of mA and mB, and sees what the uplink cannot: a frame that forges
# another container's MAC and address together, and frames between the
# sibling macvlans (bridge mode), which never reach the uplink.
NSDIR=/run/netns
ip netns exec "$B" python3 "$PY/cm.py" sink 10.91.0.3 9002 "$PY/b.log" &
RXL_PIDS+=($!)
deadline=$((SECONDS + 60))
until [ "$(ip netns exec "$B" ss -lunH "sport = :9002" | wc -l)" -ge 1 ]; do
	[ $SECONDS -lt $deadline ] || rxl_fail "db's sink not up after 60 s"
	sleep 0.1
done
# at_db TAG: datagrams tagged TAG that reached db's sink (from a sibling).
at_db() { grep -c " $1\$" "$PY/b.log" 2>/dev/null; }
# port_filter NS DEV: rxlane's port check on DEV's tc egress in NS.
port_filter() { tc -n "$1" filter show dev "$2" egress | grep -q rxlane_tc_port; }
# port_key ID IFINDEX COOKIE: rxl_ports binds that interface to container ID.
port_key() {
	bpftool -j map dump pinned "$RXLANE_PIN_DIR/rxl_ports" |
		jq -e --argjson i "$2" --argjson n "$3" --argjson id "$1" \
			'[.[] | select(.formatted.key.ifindex == $i and
			  .formatted.key.netns == $n and
			  .formatted.value.id == $id)] | length == 1' >/dev/null
}
no_port_key() {
	bpftool -j map dump pinned "$RXLANE_PIN_DIR/rxl_ports" |
		jq -e --argjson i "$1" \
			'[.[] | select(.formatted.key.ifindex == $i)] | length == 0' \
			>/dev/null
}
IDX_A=$(ip -n "$A" -j link show mA | jq -r '.[0].ifindex')
cli container add web ip 10.91.0.2 ip fd91::2 default drop mac "$MAC_A" \
	port mA netns "$NSDIR/$A"
cli container add db ip 10.91.0.3 ip fd91::3 default drop mac "$MAC_B" \
	port mB netns "$NSDIR/$B"
COOKIE_A=$(clij container show web | jq -e '.container.netns_cookie') ||
	rxl_fail "container show web -j: no netns_cookie"
[ "$(clij container show web | jq -r '.container | "\(.port) \(.netns) \(.port_ifindex)"')" = \
  "mA $NSDIR/$A $IDX_A" ] || rxl_fail "container show web -j: $(clij container show web)"
ip netns exec "$H" "$RXL_CLI" container list | grep -q "^web .* port mA netns $NSDIR/$A" ||
	rxl_fail "container list (text) has no port: $(ip netns exec "$H" "$RXL_CLI" container list)"
rxl_schema container_list "container list" "$(clij container list)" \
	container_show "container show" "$(clij container show web)"
port_filter "$A" mA || rxl_fail "no rxlane_tc_port on mA's egress in web's namespace"
port_key "$(clij container show web | jq -e .container.id)" "$IDX_A" "$COOKIE_A" ||
	rxl_fail "rxl_ports does not bind mA (ifindex $IDX_A, cookie $COOKIE_A) to web"
cli check >/dev/null
rxl_ok "web and db bound by their own interfaces in their namespaces (listed, text and -j; check clean)"
# policy export carries the ports; applied after web is deleted, web is
# bound and checked again as before.
ip netns exec "$H" "$RXL_CLI" policy export > "$PY/pol.json" || rxl_fail "policy export"
jq -e --arg ns "$NSDIR/$A" '.containers[] | select(.name == "web") |
	.port == "mA" and .netns == $ns' "$PY/pol.json" >/dev/null ||
	rxl_fail "policy export: web has no port: $(cat "$PY/pol.json")"
cli container del web
port_filter "$A" mA && rxl_fail "container del left the check on mA"
cli policy apply "$PY/pol.json"
port_filter "$A" mA || rxl_fail "policy apply: no check on mA"
port_key "$(clij container show web | jq -e .container.id)" "$IDX_A" "$COOKIE_A" ||
	rxl_fail "policy apply: rxl_ports does not bind mA to web"
[ -z "$(ip netns exec "$H" "$RXL_CLI" policy diff "$PY/pol.json")" ] ||
	rxl_fail "policy diff after apply: $(ip netns exec "$H" "$RXL_CLI" policy diff "$PY/pol.json")"
jq '(.containers[] | select(.name == "db")) |= (.port = "mA" | .netns = $ns)' \
	--arg ns "$NSDIR/$A" "$PY/pol.json" > "$PY/pol2.json"
out=$(ip netns exec "$H" "$RXL_CLI" policy apply "$PY/pol2.json" 2>&1) &&
	rxl_fail "policy apply with mA for web and db accepted: $out"
echo "$out" | grep -q "port of containers" || rxl_fail "policy apply refusal: $out"
cli check >/dev/null
rxl_ok "policy export carries web's port; apply binds it again; one interface for two containers refused"
genuine web "$A" 10.91.0.2 fd91::2
genuine db "$B" 10.91.0.3 fd91::3
# The control: web's own frame to its sibling db reaches db's sink.
py "$A" frame mA "$MAC_A" "$MAC_B" 10.91.0.2 10.91.0.3 9002 sibok
reached at_db sibok "web's own frame to db (sibling) never arrived"
rxl_ok "web's own traffic passes its port check (to P and to its sibling db)"
spoofed web "web forges db's MAC and address (packet socket)" sboth \
	py "$A" frame mA "$MAC_B" "$MAC_P" 10.91.0.3 10.91.0.1 9001 sboth
[ "$(spoofs db)" = 0 ] || rxl_fail "web's forgery counted on db: $(spoofs db)"
spoofed web "web sends its sibling db a frame from 10.91.0.1 (P's)" ssib \
	py "$A" frame mA "$MAC_A" "$MAC_B" 10.91.0.1 10.91.0.3 9002 ssib
[ "$(at_db ssib)" = 0 ] || rxl_fail "db's sink received web's forged frame"
spoofed web "web sends from db's IPv6 address" sport6 \
	py "$A" send fd91::3 fd91::1 9001 sport6 1
# Around the check: a packet socket with PACKET_QDISC_BYPASS, an AF_XDP
# socket send without tc egress. The guard refuses both in web's
# namespace (EPERM); the forgery then takes tc's path and is dropped.
spoofed web "web forges db's MAC and address with PACKET_QDISC_BYPASS" sbyp \
	py "$A" frame mA "$MAC_B" "$MAC_P" 10.91.0.3 10.91.0.1 9001 sbyp bypass
g=$(py "$A" guard)
[ "$g" = "bypass=EPERM xdp=EPERM" ] ||
	rxl_fail "web's namespace: sockets that send around tc egress: $g"
g=$(py "$P" guard)
case $g in
"bypass=ok xdp="*) [ "${g#*xdp=}" != EPERM ] ||
	rxl_fail "P's namespace (no container's port) guarded: $g" ;;
*) rxl_fail "P's namespace (no container's port) guarded: $g" ;;
esac
bpftool -j link show pinned "$RXLANE_PIN_DIR/rxl_guard_link" |
	jq -e '.type == "cgroup" and .attach_type == "cgroup_setsockopt"' >/dev/null ||
	rxl_fail "no guard link: $(bpftool link show pinned "$RXLANE_PIN_DIR/rxl_guard_link" 2>&1)"
rxl_ok "web's namespace guarded: PACKET_QDISC_BYPASS and AF_XDP refused (EPERM), P's not ($g)"
# The guard's pin removed: it is detached; check says so, --repair
# attaches it again.
rm "$RXLANE_PIN_DIR/rxl_guard_link"
g=$(py "$A" guard)
[ "${g%% *}" = bypass=ok ] || rxl_fail "guard unpinned, still refusing: $g"
out=$(ip netns exec "$H" "$RXL_CLI" check 2>&1) &&
	rxl_fail "check with the guard detached exits 0: $out"
echo "$out" | grep -q "the guard against sockets that send around" ||
	rxl_fail "check with the guard detached: $out"
cli check --repair >/dev/null
cli check >/dev/null
[ "$(py "$A" guard)" = "bypass=EPERM xdp=EPERM" ] ||
	rxl_fail "check --repair: web's namespace not guarded again: $(py "$A" guard)"
rxl_ok "the guard detached: check reports it, --repair attaches it again"

# Bad input: a clear error, exit 1, nothing changed.
# refused WHAT WANT ARGS...: 'rxlane ARGS' exits 1 saying WANT; the
# listing, mA's filter and web's binding are as they were.
refused() {
	local what=$1 want=$2 before out rc

	shift 2
	before=$(clij container list)
	out=$(ip netns exec "$H" "$RXL_CLI" "$@" 2>&1)
	rc=$?
	[ $rc = 1 ] || rxl_fail "$what: exit $rc, not 1: $out"
	echo "$out" | grep -q -- "$want" || rxl_fail "$what: no '$want' in: $out"
	[ "$(clij container list)" = "$before" ] ||
		rxl_fail "$what: the listing changed"
	port_filter "$A" mA || rxl_fail "$what: mA lost its check"
	port_key "$(clij container show web | jq -e .container.id)" "$IDX_A" \
		"$COOKIE_A" || rxl_fail "$what: web's binding changed"
	rxl_ok "$what: refused ($out)"
}
refused "a namespace that does not exist" "network namespace" \
	container add x ip 10.91.0.9 port mA netns "$NSDIR/rxl-none-$RXL_ID"
refused "an interface its namespace does not have" "no interface 'nosuch'" \
	container add x ip 10.91.0.9 port nosuch netns "$NSDIR/$A"
refused "web's interface for another container" "container 'web''s port" \
	container add x ip 10.91.0.9 port mA netns "$NSDIR/$A"
refused "db set to web's interface" "container 'web''s port" \
	container set db port mA netns "$NSDIR/$A"
# A careless binding that would cut traffic: the loopback interface (every
# frame the namespace sends itself is from 127.0.0.1 or ::1), or the
# uplink (any interface of the command's own namespace, the host's).
refused "the loopback interface of web's namespace" "is a loopback interface" \
	container add x ip 10.91.0.9 port lo netns "$NSDIR/$A"
refused "db set to the uplink, in the command's own namespace" \
	"this command's own network namespace" \
	container set db port "$UP" netns "$NSDIR/$H"
out=$(ip netns exec "$H" "$RXL_CLI" container add x ip 10.91.0.9 port mA 2>&1)
[ $? = 2 ] || rxl_fail "port without netns: not a usage error: $out"
out=$(ip netns exec "$H" "$RXL_CLI" container add x ip 10.91.0.9 port mA \
	netns "$NSDIR/$A" dev u0 2>&1)
[ $? = 2 ] || rxl_fail "port with dev: not a usage error: $out"
rxl_ok "port without netns, port with dev: usage errors"

# rxlane check sees the check gone from mA; --repair puts it back.
tc -n "$A" filter del dev mA egress
out=$(ip netns exec "$H" "$RXL_CLI" check 2>&1) &&
	rxl_fail "check exited 0 with mA's check removed: $out"
echo "$out" | grep -q "not attached to the egress of mA" ||
	rxl_fail "check does not say mA's check is missing: $out"
cli check --repair >/dev/null
port_filter "$A" mA || rxl_fail "check --repair did not attach mA's check again"
cli check >/dev/null
rxl_ok "check reports mA's missing check; --repair attaches it again"

# 'port none' lifts check 2 for web: the forgery of db's MAC and address
# passes the uplink again (it is db's in every field there); the port
# back, it is refused again.
cli container set web port none
port_filter "$A" mA && rxl_fail "port none left the check on mA"
no_port_key "$IDX_A" || rxl_fail "port none left mA's binding"
[ "$(clij container show web | jq -r '.container.port // "none"')" = none ] ||
	rxl_fail "port none: still listed"
py "$A" frame mA "$MAC_B" "$MAC_P" 10.91.0.3 10.91.0.1 9001 sfree
reached arrived sfree "without web's port check, the forgery of db did not reach P (the control)"
rxl_ok "port none: the check and binding gone, the forgery passes the uplink (what check 1 cannot see)"
g=$(py "$A" guard)
[ "${g%% *}" = bypass=ok ] || rxl_fail "port none: web's namespace still guarded: $g"
cli container set web port mA netns "$NSDIR/$A"
spoofed web "web (its port again) forges db's MAC and address" sback \
	py "$A" frame mA "$MAC_B" "$MAC_P" 10.91.0.3 10.91.0.1 9001 sback

# ---- web's port deleted and made again (a runtime restarting its
# network): same name, MAC and addresses in the same namespace, another
# ifindex. The binding and the check name the old one: until 'check
# --repair' moves them, nothing checks the new mA (the gap is real: a
# forgery from it reaches P), and 'rxlane check' says so (exit 1, naming
# web, mA, the old and the new ifindex).
remake_mA() {
	ip -n "$A" link del mA || rxl_fail "link del mA"
	ip -n "$H" link add mA link "$UP" address "$MAC_A" type macvlan \
		mode bridge || rxl_fail "macvlan mA again"
	ip -n "$H" link set mA netns "$A" || rxl_fail "mA again to $A"
	rxl_ns_addrs "$A" mA 10.91.0.2/24 fd91::2/64 10.91.0.3/32 \
		10.91.0.77/32 fd91::3/128
	ip -n "$A" link set mA up
	rxl_neigh "$A" mA "$P" p0 10.91.0.1 fd91::1
	OLD_IDX=$IDX_A
	IDX_A=$(ip -n "$A" -j link show mA | jq -r '.[0].ifindex')
	[ "$IDX_A" != "$OLD_IDX" ] ||
		rxl_fail "mA made again with its old ifindex $IDX_A (the test needs another)"
}
WEB_ID=$(clij container show web | jq -e .container.id) || rxl_fail "web's id"
remake_mA
port_filter "$A" mA && rxl_fail "the new mA has a check before any repair"
py "$A" frame mA "$MAC_B" "$MAC_P" 10.91.0.3 10.91.0.1 9001 sremade
reached arrived sremade "mA made again, not repaired: web's forgery of db did not reach P (the gap does not show)"
rxl_ok "mA made again (ifindex $OLD_IDX -> $IDX_A): before any repair, web's forgery of db from it reaches P"
want="container 'web': its port mA in netns $NSDIR/$A is ifindex $IDX_A now, not $OLD_IDX"
out=$(ip netns exec "$H" "$RXL_CLI" check 2>&1) &&
	rxl_fail "check exited 0 with web's mA made again: $out"
echo "$out" | grep -qF "$want" || rxl_fail "check does not say '$want': $out"
doc=$(clij check)
[ $? = 1 ] || rxl_fail "check -j exited 0 with web's mA made again"
echo "$doc" | jq -e '.problems | map(select(.container == "web" and
	(.problem | contains("is ifindex")) and .repaired == false)) | length == 1' \
	>/dev/null || rxl_fail "check -j: no unrepaired problem of web's port: $doc"
rxl_schema check "check" "$doc"
port_key "$WEB_ID" "$OLD_IDX" "$COOKIE_A" || rxl_fail "check (no --repair) moved web's binding"
out=$(ip netns exec "$H" "$RXL_CLI" check --repair 2>&1) ||
	rxl_fail "check --repair exited $? with web's mA made again: $out"
echo "$out" | grep -qF "$want" || rxl_fail "check --repair does not say '$want': $out"
echo "$out" | grep -q "the new one is not checked: repaired" ||
	rxl_fail "check --repair does not say it repaired it: $out"
[ "$(clij container show web | jq -r .container.port_ifindex)" = "$IDX_A" ] ||
	rxl_fail "check --repair: web's record is not ifindex $IDX_A: $(clij container show web)"
port_key "$WEB_ID" "$IDX_A" "$COOKIE_A" || rxl_fail "check --repair: rxl_ports does not bind the new mA ($IDX_A) to web"
no_port_key "$OLD_IDX" || rxl_fail "check --repair: the old mA's binding ($OLD_IDX) stays"
port_filter "$A" mA || rxl_fail "check --repair: no check on the new mA"
out=$(ip netns exec "$H" "$RXL_CLI" check 2>&1) || rxl_fail "check after --repair: $out"
rxl_ok "check reports web's mA made again ($out); --repair moves the record, the binding and the check"
spoofed web "mA made again, repaired: web forges db's MAC and address" sremade2 \
	py "$A" frame mA "$MAC_B" "$MAC_P" 10.91.0.3 10.91.0.1 9001 sremade2

# The repair killed at each of its map updates (crash_at.so): the old
# state (record, binding: check still reports it) or the new one (record,
# binding and check on the new mA); after the next command (which finishes
# an interrupted change) and 'check --repair', the new one, check clean.
RXL_NS=$H
remake_mA
n=$(rxl_shim_count "$PY/count3" -- check --repair)
for ((i = 1; i <= n; i++)); do
	remake_mA
	rxl_shim_run RXLANE_CRASH_AT="$i" -- check --repair >/dev/null 2>&1
	cli container add fin ip 10.91.0.98
	rec=$(clij container show web | jq -r .container.port_ifindex)
	if [ "$rec" = "$IDX_A" ]; then
		port_key "$WEB_ID" "$IDX_A" "$COOKIE_A" && no_port_key "$OLD_IDX" &&
			port_filter "$A" mA ||
			rxl_fail "repair killed at update $i of $n, then another command: the record is the new mA's, its binding or check is not"
		out=$(ip netns exec "$H" "$RXL_CLI" check 2>&1) ||
			rxl_fail "repair killed at update $i of $n, new state: check: $out"
	elif [ "$rec" = "$OLD_IDX" ]; then
		port_key "$WEB_ID" "$OLD_IDX" "$COOKIE_A" ||
			rxl_fail "repair killed at update $i of $n, then another command: the record is the old mA's, its binding is not"
		out=$(ip netns exec "$H" "$RXL_CLI" check 2>&1) &&
			rxl_fail "repair killed at update $i of $n, old state: check exited 0"
	else
		rxl_fail "repair killed at update $i of $n: web's record names ifindex $rec (old $OLD_IDX, new $IDX_A)"
	fi
	cli check --repair >/dev/null
	port_key "$WEB_ID" "$IDX_A" "$COOKIE_A" && no_port_key "$OLD_IDX" &&
		port_filter "$A" mA ||
		rxl_fail "repair killed at update $i of $n, then check --repair: web is not bound and checked on the new mA"
	out=$(ip netns exec "$H" "$RXL_CLI" check 2>&1) ||
		rxl_fail "repair killed at update $i of $n, repaired again: check: $out"
	cli container del fin
done
rxl_ok "check --repair of mA made again killed at each of its $n map updates: the old state or the new one, finished by the next"
spoofed web "mA made again $n times, repaired: web forges db's MAC and address" sremade3 \
	py "$A" frame mA "$MAC_B" "$MAC_P" 10.91.0.3 10.91.0.1 9001 sremade3

# rxlane_tc in web's namespace on mA (the CNI layout) runs after the port
# check on the same hook: web's egress rules still judge what it passes.
ip netns exec "$A" "$RXL_CLI" attach mA || rxl_fail "rxlane attach mA in web's namespace"
tc -n "$A" filter show dev mA egress | grep -q 'rxlane_tc ' ||
	rxl_fail "no rxlane_tc on mA's egress"
cli container set web egress-default drop
cli fw add web out allow proto udp dport 9001
py "$A" frame mA "$MAC_A" "$MAC_B" 10.91.0.2 10.91.0.3 9002 sorder
sleep 2
[ "$(at_db sorder)" = 0 ] ||
	rxl_fail "web's frame to db:9002 (no out rule) passed mA: the port check ended classification before rxlane_tc"
genuine web "$A" 10.91.0.2
rxl_ok "after the port check, rxlane_tc on mA still applies web's egress default (db:9002 dropped, P:9001 allowed)"
ip netns exec "$A" "$RXL_CLI" detach mA || rxl_fail "rxlane detach mA"
port_filter "$A" mA || rxl_fail "detach mA removed the port check"
cli container set web egress-default allow

# A change killed at each of its map updates: the next command finishes
# it (cli_recover()), and then the binding and the check agree with the
# records ('check' clean); 'container del' removes both.
cli container del web
port_filter "$A" mA && rxl_fail "container del left the check on mA"
no_port_key "$IDX_A" || rxl_fail "container del left mA's binding"
n=$(rxl_shim_count "$PY/count2" -- container add web ip 10.91.0.2 \
	port mA netns "$NSDIR/$A")
cli container del web
for ((i = 1; i <= n; i++)); do
	rxl_shim_run RXLANE_CRASH_AT="$i" -- container add web ip 10.91.0.2 \
		port mA netns "$NSDIR/$A" >/dev/null 2>&1
	# Any command that takes the lock finishes the killed change first.
	cli container add fin ip 10.91.0.98
	out=$(ip netns exec "$H" "$RXL_CLI" check 2>&1) ||
		rxl_fail "container add port killed at update $i of $n, then another command: check: $out"
	if clij container show web >/dev/null 2>&1; then
		port_filter "$A" mA ||
			rxl_fail "killed at update $i of $n, finished: web has no check on mA"
	fi
	cli container del fin
	ip netns exec "$H" "$RXL_CLI" container del web >/dev/null 2>&1
	port_filter "$A" mA &&
		rxl_fail "killed at update $i of $n, then del: the check stays on mA"
	no_port_key "$IDX_A" ||
		rxl_fail "killed at update $i of $n, then del: mA's binding stays"
done
rxl_ok "container add ... port killed at each of its $n map updates: finished by the next command, removed by del"
# After del, web's forgery of db passes the uplink again (the control).
py "$A" frame mA "$MAC_B" "$MAC_P" 10.91.0.3 10.91.0.1 9001 sdel
reached arrived sdel "after del, web's forgery did not reach P"
rxl_ok "container del: web's check and binding gone"

# A namespace that is gone already: del is no error.
C=rxl-cmc-$RXL_ID
rxl_netns "$C"
macvlan "$C" mC "10.91.0.5/24"
cli container add z ip 10.91.0.5 port mC netns "$NSDIR/$C"
port_filter "$C" mC || rxl_fail "no check on mC"
# A port gone with no replacement, a namespace gone, a path that names
# another namespace: notes of check (text and -j), not problems (exit 0);
# other commands work.
# noted WHAT WANT: check and check -j exit 0 with a note of z saying WANT.
noted() {
	local out doc

	out=$(ip netns exec "$H" "$RXL_CLI" check 2>&1) ||
		rxl_fail "$1: check exited 1: $out"
	echo "$out" | grep -q "^container 'z': note: .*$2" ||
		rxl_fail "$1: check has no note of z saying '$2': $out"
	doc=$(clij check) || rxl_fail "$1: check -j exited 1: $doc"
	echo "$doc" | jq -e --arg w "$2" '.problem_count == 0 and
		(.notes | map(select(.container == "z" and
		(.note | contains($w)))) | length == 1)' >/dev/null ||
		rxl_fail "$1: check -j: no note of z saying '$2': $doc"
	rxl_schema check "check ($1)" "$doc"
	cli container set db default allow
	cli container set db default drop
	rxl_ok "$1: check notes it ($(echo "$out" | grep "note:")), exit 0; other changes work"
}
ip -n "$C" link del mC
noted "z's port mC gone" "is gone from netns $NSDIR/$C"
out=$(ip netns exec "$H" "$RXL_CLI" container set z default allow 2>&1) ||
	rxl_fail "container set of a container whose port is gone: $out"
echo "$out" | grep -q "no interface 'mC'" ||
	rxl_fail "container set, port gone: no word of it: '$out'"
ip netns del "$C"
noted "z's namespace gone" "gone or another one now"
# A change to it is no error either (its interface went with the
# namespace: nothing to attach), and check is clean.
out=$(ip netns exec "$H" "$RXL_CLI" container set z default drop 2>&1) ||
	rxl_fail "container set of a container whose namespace is gone: $out"
echo "$out" | grep -q "no anti-spoofing check to attach to mC" ||
	rxl_fail "container set, namespace gone: no word of it: '$out'"
cli check >/dev/null
# Its path bound to another namespace with an mC of its own: never tied
# to it (the cookie), neither by a change nor by check --repair.
rxl_netns "$C"
macvlan "$C" mC "10.91.0.5/24"
noted "z's namespace path bound to another namespace" "is another namespace now"
out=$(ip netns exec "$H" "$RXL_CLI" container set z default allow 2>&1) ||
	rxl_fail "container set, its path rebound: $out"
echo "$out" | grep -q "is another namespace now" ||
	rxl_fail "container set, its path rebound: no word of it: '$out'"
cli check --repair >/dev/null
cli check >/dev/null
port_filter "$C" mC &&
	rxl_fail "the check was attached to mC of the namespace now at z's path"
cli container del z
port_filter "$C" mC && rxl_fail "container del z left a check on the new mC"
ip netns del "$C"
rxl_ok "a container whose namespace is gone: set and check are no error and tie nothing to a new namespace at its path; del"
# guard_id: the link id of the guard pinned now; guard_gone WHAT ID: its
# pin gone, and the link ID (ids are not handed out again soon) too.
guard_id() {
	bpftool -j link show pinned "$RXLANE_PIN_DIR/rxl_guard_link" |
		jq -e 'select(.attach_type == "cgroup_setsockopt") | .id'
}
guard_gone() {
	[ ! -e "$RXLANE_PIN_DIR/rxl_guard_link" ] ||
		rxl_fail "$1: the guard's pin stays: $(bpftool link show pinned "$RXLANE_PIN_DIR/rxl_guard_link" 2>&1)"
	! bpftool link show id "$2" >/dev/null 2>&1 ||
		rxl_fail "$1: the guard's link $2 is still attached: $(bpftool link show id "$2" 2>&1)"
}
GUARD_ID=$(guard_id) || rxl_fail "db is bound by mB: no guard"
cli container del db
# The last container with a port gone, its guard goes too: nothing of
# rxlane's stays attached to the cgroup root.
guard_gone "the last container with a port deleted" "$GUARD_ID"
out=$(ip netns exec "$H" "$RXL_CLI" check 2>&1) ||
	rxl_fail "check after the last port went: $out"
echo "$out" | grep -q "note:" && rxl_fail "check after the last port went notes: $out"
# Killed after its records, before the guard went (the last update: the
# intent's removal): check notes the guard left (exit 0), --repair
# removes it.
cli container add x ip 10.91.0.9 port mB netns "$NSDIR/$B"
id=$(guard_id) || rxl_fail "container add x port mB: no guard"
n=$(rxl_shim_count "$PY/count3" -- container del x)
guard_gone "container del x" "$id"
cli container add x ip 10.91.0.9 port mB netns "$NSDIR/$B"
id=$(guard_id) || rxl_fail "container add x port mB again: no guard"
rxl_shim_run RXLANE_CRASH_AT="$n" -- container del x >/dev/null 2>&1
[ -z "$(clij container show x 2>/dev/null)" ] ||
	rxl_fail "container del x killed at its last update ($n): x still listed"
out=$(ip netns exec "$H" "$RXL_CLI" check 2>&1) ||
	rxl_fail "check with the guard left: exit 1: $out"
echo "$out" | grep -q "note: the guard .* is attached, but no container has a port" ||
	rxl_fail "check with the guard left: no note: $out"
out=$(ip netns exec "$H" "$RXL_CLI" -j check) || rxl_fail "check -j: $out"
echo "$out" | jq -e '.notes | any(.note | test("no container has a port"))' >/dev/null ||
	rxl_fail "check -j with the guard left: no note: $out"
out=$(ip netns exec "$H" "$RXL_CLI" check --repair 2>&1) ||
	rxl_fail "check --repair with the guard left: $out"
guard_gone "check --repair with the guard left" "$id"
rxl_ok "the last port gone, the guard goes; left by a kill, check notes it and --repair removes it"

# ipvlan (the guest's kernel has it; the host's does not): containers that
# all send with the uplink's MAC, told apart only by check 2.
Q=rxl-cmq-$RXL_ID
R=rxl-cmr-$RXL_ID
# A lower of its own: u0 already has an rx_handler (macvlan's, the NIC's),
# which ipvlan refuses.
ip -n "$H" link add u1 type veth peer name p1 netns "$P" || rxl_fail "veth u1"
if ip -n "$H" link add rxl-ipvt link u1 type ipvlan mode l2 2>/dev/null; then
	ip -n "$H" link del rxl-ipvt
	rxl_netns "$Q"
	rxl_netns "$R"
	ip -n "$H" link set u1 up
	rxl_ns_addrs "$P" p1 10.92.0.1/24
	ip -n "$P" link set p1 up
	for x in "$Q:i1:10.92.0.2" "$R:i2:10.92.0.3"; do
		IFS=: read -r ns dev addr <<<"$x"
		ip -n "$H" link add "$dev" link u1 type ipvlan mode l2 ||
			rxl_fail "ipvlan $dev"
		ip -n "$H" link set "$dev" netns "$ns"
		rxl_ns_addrs "$ns" "$dev" "$addr/24"
		ip -n "$ns" link set "$dev" up
	done
	MAC_I=$(ip -n "$Q" -j link show i1 | jq -r '.[0].address')
	MAC_P1=$(ip -n "$P" -j link show p1 | jq -r '.[0].address')
	ip netns exec "$P" python3 "$PY/cm.py" sink 10.92.0.1 9001 "$PY/p.log" &
	RXL_PIDS+=($!)
	cli container add q ip 10.92.0.2 default drop port i1 netns "$NSDIR/$Q"
	cli container add r ip 10.92.0.3 default drop port i2 netns "$NSDIR/$R"
	py "$Q" frame i1 "$MAC_I" "$MAC_P1" 10.92.0.2 10.92.0.1 9001 ipok
	reached arrived ipok "q's own frame never reached P (ipvlan)"
	before=$(spoofs q)
	py "$Q" frame i1 "$MAC_I" "$MAC_P1" 10.92.0.3 10.92.0.1 9001 ipspoof
	deadline=$((SECONDS + 30))
	until [ "$(spoofs q)" -gt "$before" ]; do
		[ $SECONDS -lt $deadline ] ||
			rxl_fail "ipvlan: q forges r's address: q's spoof counter $before -> $(spoofs q) after 30 s"
		sleep 0.2
	done
	sleep 0.5
	[ "$(arrived ipspoof)" = 0 ] || rxl_fail "ipvlan: P received q's forgery of r"
	[ "$(spoofs r)" = 0 ] || rxl_fail "ipvlan: q's forgery counted on r"
	rxl_ok "ipvlan: q's frame from r's address dropped and counted as q's spoof; q's own passes"
	cli container del q
	cli container del r
else
	rxl_skip_case ipvlan "no ipvlan in this kernel"
fi
echo "PASS"
