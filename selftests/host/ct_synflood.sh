#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A full connection table under a SYN flood (issue 14, Documentation/
# conntrack.rst, "A full table"), as users run it: namespace B is the
# container 'web' (10.82.0.1) behind its veth vb, attached with tiny
# tables ('rxlane attach vb ct-size 64 ct-half-open 16'), default drop
# and egress-default drop, one rule: allow TCP 8080, where it serves.
# Namespace P (10.82.0.2) is the outside.
#
# Two TCP connections are established first: P to web:8080 (opened by
# the peer), and web to P:9000 (opened by the container: only its entry
# lets P's data in). Then P sends 3000 SYNs to web:8080 from forged
# sources (198.18.0.0/16, raw socket), which web's stack answers with
# SYN-ACKs that no one acknowledges: 3000 new flows against a main table
# of 64 entries. Both connections must still carry data both ways
# afterwards, the half-open table must hold at most its 16 entries, and
# 'ct list -j' (schema) shows the two connections assured (not
# half-open). With new entries made in the main table, the flood evicts
# both connections.
set -u
. "$(dirname "$0")/lib.sh"
rxl_init ctsynflood
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit $ksft_skip; }

B=rxl-csb-$RXL_ID
P=rxl-csp-$RXL_ID
PY=$(mktemp -d /tmp/rxl-csf.XXXXXX)
trap 'rxl_cleanup; rm -rf "$PY"' EXIT
FLOOD=3000

rxl_netns "$B"
rxl_netns "$P"
rxl_ns_pair "$B" vb "$P" vp "10.82.0.1/24" "10.82.0.2/24"
ip -n "$B" route add default via 10.82.0.2
# Neighbours known up front: ARP is not what is judged here.
rxl_neigh "$B" vb "$P" vp 10.82.0.2
rxl_neigh "$P" vp "$B" vb 10.82.0.1

cat > "$PY/t.py" <<'EOF'
import os, socket, struct, sys, time

def serve(addr, port):		# an echo server, one thread a connection
    import threading
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(16)
    def echo(c):
        while True:
            d = c.recv(100)
            if not d:
                return
            c.sendall(d)
    while True:
        c = ls.accept()[0]
        threading.Thread(target=echo, args=(c,), daemon=True).start()

def hold(addr, port, d):	# connect, exchange; at d/go exchange again
    s = socket.create_connection((addr, port), timeout=10)
    s.sendall(b'before')
    ok = s.recv(100) == b'before'
    open(os.path.join(d, 'ready'), 'w').write('ok' if ok else 'bad')
    while not os.path.exists(os.path.join(d, 'go')):
        time.sleep(0.05)
    s.settimeout(10)
    try:
        s.sendall(b'after')
        ok = s.recv(100) == b'after'
    except OSError as e:
        ok = False
    open(os.path.join(d, 'done'), 'w').write('ok' if ok else 'bad')

def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff

def flood(dst, port, n, first):	# n SYNs from forged sources of 198.18/16
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    d = socket.inet_aton(dst)
    for i in range(first, first + n):
        src = socket.inet_aton('198.18.%d.%d' % ((i >> 8) & 255, i & 255))
        sport = 1024 + i
        tcp = struct.pack('!HHIIBBHHH', sport, port, i, 0, 5 << 4, 0x02,
                          64240, 0, 0)
        ph = src + d + struct.pack('!BBH', 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack('!H', csum(ph + tcp)) + tcp[18:]
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), i & 0xffff,
                         0, 64, 6, 0, src, d)
        r.sendto(ip + tcp, (dst, 0))

cmd = sys.argv[1]
if cmd == 'serve':
    serve(sys.argv[2], int(sys.argv[3]))
elif cmd == 'hold':
    hold(sys.argv[2], int(sys.argv[3]), sys.argv[4])
elif cmd == 'flood':
    flood(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
          int(sys.argv[5]) if len(sys.argv) > 5 else 0)
EOF

cli() { ip netns exec "$B" "$RXL_CLI" "$@" || rxl_fail "rxlane $*"; }
cli attach vb ct-size 64 ct-half-open 16
cli container add web ip 10.82.0.1 default drop egress-default drop
cli fw add web allow proto tcp dport 8080
# The container may open connections to P's 9000 (egress-default drop).
cli fw add web out allow proto tcp to 10.82.0.2/32 dport 9000

ip netns exec "$B" python3 "$PY/t.py" serve 10.82.0.1 8080 &
RXL_PIDS+=($!)
ip netns exec "$P" python3 "$PY/t.py" serve 10.82.0.2 9000 &
RXL_PIDS+=($!)
rxl_wait_listen "$B" 8080
rxl_wait_listen "$P" 9000

# hold NS ADDR PORT DIR: a connection from NS, kept until DIR/go.
mkdir "$PY/in" "$PY/out"
ip netns exec "$P" python3 "$PY/t.py" hold 10.82.0.1 8080 "$PY/in" &
RXL_PIDS+=($!)
ip netns exec "$B" python3 "$PY/t.py" hold 10.82.0.2 9000 "$PY/out" &
RXL_PIDS+=($!)
deadline=$((SECONDS + 60))
until [ -e "$PY/in/ready" ] && [ -e "$PY/out/ready" ]; do
	[ $SECONDS -lt $deadline ] || rxl_fail "connections not up after 60 s"
	sleep 0.1
done
for d in in out; do
	[ "$(cat "$PY/$d/ready")" = ok ] ||
		rxl_fail "connection $d: no echo before the flood"
done
rxl_ok "two connections established (peer to web:8080, web to P:9000)"

STATS=$(ip netns exec "$B" "$RXL_CLI" -j ct stats) || rxl_fail "ct stats"
[ "$(echo "$STATS" | jq -r '[.max_entries, .half_open_max_entries] | @tsv')" = \
	"$(printf '64\t16')" ] || rxl_fail "table sizes: $STATS"
PROMOTED=$(echo "$STATS" | jq -e .events.promoted) || rxl_fail "ct stats: $STATS"
[ "$PROMOTED" -ge 2 ] || rxl_fail "ct stats: promoted $PROMOTED, want >= 2"

# A flood smaller than the half-open table evicts nothing (its sources
# are not the big flood's).
ip netns exec "$P" python3 "$PY/t.py" flood 10.82.0.1 8080 8 50000 ||
	rxl_fail "small flood"
deadline=$((SECONDS + 30))
until STATS=$(ip netns exec "$B" "$RXL_CLI" -j ct stats) &&
	[ "$(echo "$STATS" | jq -e .events.create_in)" -ge 9 ]; do
	[ $SECONDS -lt $deadline ] ||
		rxl_fail "the small flood made too few entries: $STATS"
	sleep 0.2
done
[ "$(echo "$STATS" | jq -e .half_open_evicted)" = 0 ] ||
	rxl_fail "8 SYNs into a half-open table of 16 evicted: $STATS"
rxl_ok "8 forged SYNs: half-open entries $(echo "$STATS" |
	jq .half_open_ipv4_count), none evicted"

ip netns exec "$P" python3 "$PY/t.py" flood 10.82.0.1 8080 "$FLOOD" ||
	rxl_fail "flood"
# The flood's SYNs were judged: web's allowed port made half-open entries.
deadline=$((SECONDS + 30))
until STATS=$(ip netns exec "$B" "$RXL_CLI" -j ct stats) &&
	[ "$(echo "$STATS" | jq -e .events.create_in)" -ge "$FLOOD" ]; do
	[ $SECONDS -lt $deadline ] ||
		rxl_fail "the flood made too few entries: $STATS"
	sleep 0.2
done
HALF=$(echo "$STATS" | jq -e .half_open_ipv4_count) || rxl_fail "$STATS"
[ "$HALF" -le 16 ] || rxl_fail "half-open table holds $HALF, size 16"
# Each forged SYN of both floods made one entry: all but the ones left
# were evicted, none counted twice.
EVICTED=$(echo "$STATS" | jq -e .half_open_evicted) || rxl_fail "$STATS"
[ "$EVICTED" -ge $((FLOOD + 8 - 16)) ] &&
	[ "$EVICTED" -le $((FLOOD + 8)) ] ||
	rxl_fail "half_open_evicted $EVICTED after $FLOOD SYNs into 16 entries: $STATS"
rxl_ok "the flood's evictions counted: $EVICTED"
rxl_ok "$FLOOD forged SYNs to web:8080 made $(echo "$STATS" |
	jq .events.create_in) entries; $HALF half-open left"

touch "$PY/in/go" "$PY/out/go"
deadline=$((SECONDS + 60))
until [ -e "$PY/in/done" ] && [ -e "$PY/out/done" ]; do
	[ $SECONDS -lt $deadline ] || rxl_fail "connections hung after the flood"
	sleep 0.1
done
[ "$(cat "$PY/in/done")" = ok ] ||
	rxl_fail "the peer's connection to web:8080 lost by the flood: $(ip netns exec "$B" "$RXL_CLI" ct stats)"
[ "$(cat "$PY/out/done")" = ok ] ||
	rxl_fail "web's connection to P:9000 lost by the flood: $(ip netns exec "$B" "$RXL_CLI" ct stats)"
rxl_ok "both connections still carry data after the flood"

LIST=$(ip netns exec "$B" "$RXL_CLI" -j ct list web) || rxl_fail "ct list -j"
# (The clients have closed by now: the entries may be closing.)
for q in '.direction == "in" and .src == "10.82.0.2" and .dport == 8080' \
	 '.direction == "out" and .dport == 9000'; do
	echo "$LIST" | jq -e "[.entries[] | select($q and .half_open == false)]
		| length == 1" > /dev/null ||
		rxl_fail "ct list -j: no assured entry where $q: $LIST"
done
if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
	printf 'ct_list\tct list web\t%s\nct_stats\tct stats\t%s\n' \
		"$(echo "$LIST" | jq -c .)" "$(echo "$STATS" | jq -c .)" |
		python3 "$RXL_TOP/selftests/host/cli_schema.py" \
			"$RXL_TOP/Documentation/rxlane-cli.schema.json" ||
		rxl_fail "ct list -j / ct stats -j do not match the schema"
	rxl_ok "ct list -j and ct stats -j match the schema"
else
	rxl_skip_case schema "no python3-jsonschema"
fi
ip netns exec "$B" "$RXL_CLI" ct list web | grep -q ' half-open$' ||
	rxl_fail "ct list: no half-open entry of the flood shown"
rxl_ok "ct list shows the connections assured, the flood half-open"

# 'ct flush' deletes half-open entries: they are not evictions.
B4=$(ip netns exec "$B" "$RXL_CLI" -j ct stats | jq -e .half_open_evicted) ||
	rxl_fail "ct stats"
cli ct flush web
STATS=$(ip netns exec "$B" "$RXL_CLI" -j ct stats) || rxl_fail "ct stats"
[ "$(echo "$STATS" | jq -e .half_open_evicted)" = "$B4" ] &&
	[ "$(echo "$STATS" | jq -e .events.half_open_flushed)" -ge 1 ] ||
	rxl_fail "ct flush changed half_open_evicted (was $B4): $STATS"
rxl_ok "ct flush: half_open_flushed $(echo "$STATS" |
	jq .events.half_open_flushed), half_open_evicted still $B4"
echo "PASS: ct_synflood"
