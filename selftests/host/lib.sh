# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers of the host shell tests. Source it, then call
# rxl_init NAME: it checks root, picks random names, registers the
# cleanup (namespaces, servers, the private bpffs) and exports
# RXLANE_PIN_DIR so the CLI keeps its state in the test's own bpffs.
#
# Topology of rxl_topo (optional):
#
#   ns $RXL_S (sender)          ns $RXL_R (receiver)          ns $RXL_C
#   vx0 vxlan VNI 100           r0 [XDP]  10.0.0.2 (VTEP)     c0 10.200.0.2
#   10.100.0.1 over s0 ---------           h0 10.200.0.1 ------
#   s0 10.0.0.1
#
# The kernel's vxlan device sends; replies go back as plain IP.

ksft_skip=4
RXL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RXL_CLI=$RXL_TOP/user/rxlane
RXL_OBJ=$RXL_TOP/bpf/rxlane_xdp.o
RXL_NETNS=()
RXL_PIDS=()
RXL_BPFFS=

rxl_fail() { echo "FAIL: $*"; exit 1; }
rxl_ok() { echo "ok: $*"; }
# rxl_skip_case SUBCASE REASON: a part of the test cannot run here; a nested
# TAP skip that scripts/check.sh counts and holds against
# selftests/expected-skips. The test goes on.
rxl_skip_case() { echo "ok 1 $1 # SKIP $2"; }

rxl_cleanup() {
	local p ns

	for p in "${RXL_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for ns in "${RXL_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$RXL_BPFFS" ]; then
		umount "$RXL_BPFFS" 2>/dev/null
		rmdir "$RXL_BPFFS" 2>/dev/null
		# Scratch files named after it (cni_netns.sh's configs).
		rm -f -- "$RXL_BPFFS".*
	fi
}

# rxl_init NAME: root check, a private bpffs, cleanup on exit.
rxl_init() {
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit $ksft_skip; }
	[ -x "$RXL_CLI" ] || rxl_fail "$RXL_CLI not built"
	RXL_ID=$1-$$-$RANDOM
	trap rxl_cleanup EXIT
	RXL_BPFFS=$(mktemp -d /tmp/rxl-bpffs.XXXXXX)
	mount -t bpf bpf "$RXL_BPFFS" || rxl_fail "mount bpffs on $RXL_BPFFS"
	export RXLANE_PIN_DIR=$RXL_BPFFS/rxlane
	export TC_BPF_MNT=$RXL_BPFFS
}

# rxl_own_netns NAME [ARG...]: run the calling script again, with ARGs, in a
# new network namespace of its own, then delete it and exit with the
# script's status; a no-op in that second run. nsenter --net keeps the
# mounts (the private bpffs, /sys). What the script attaches then touches
# only devices it made: no other test adopts its programs or disturbs them.
# RXL_PARENT_NS names the namespace it left (for a check that it did).
rxl_own_netns() {
	local ns rc

	[ -z "${RXL_OWN_NETNS:-}" ] || return 0
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit $ksft_skip; }
	ns=$1-$$-$RANDOM
	shift
	ip netns add "$ns" || rxl_fail "netns add $ns"
	ip -n "$ns" link set lo up
	RXL_OWN_NETNS=$ns RXL_PARENT_NS=/proc/$$/ns/net \
		nsenter --net=/run/netns/"$ns" bash "$0" "$@"
	rc=$?
	ip netns del "$ns"
	exit $rc
}

# rxl_netns NAME: a namespace with lo up, removed at exit.
rxl_netns() {
	ip netns add "$1" || rxl_fail "netns add $1"
	RXL_NETNS+=("$1")
	ip -n "$1" link set lo up
	ip netns exec "$1" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
}

# rxl_port_only NS WANT WHAT DEV...: rxlane's port check (rxlane_tc_port on
# tc egress, conntrack.rst "The port check") is on WANT, the port the
# listing names, among DEV... in namespace NS, and on no other of them.
rxl_port_only() {
	local ns=$1 want=$2 what=$3 d on

	shift 3
	for d in "$@"; do
		on=0
		tc -n "$ns" filter show dev "$d" egress | grep -q rxlane_tc_port && on=1
		if [ "$d" = "$want" ]; then
			[ $on = 1 ] || rxl_fail "$what: no check on $d, the listed port"
		else
			[ $on = 0 ] || rxl_fail "$what: a check is left on $d (the listed port: $want)"
		fi
	done
}

# rxl_veth_ns NS: a namespace with a veth pair v0/v1 up (no addresses).
rxl_veth_ns() {
	rxl_netns "$1"
	ip -n "$1" link add v0 type veth peer name v1 || rxl_fail "veth"
	ip -n "$1" link set v0 up
	ip -n "$1" link set v1 up
}

# rxl_ns_addrs NS DEV ADDR/LEN...: the addresses on DEV in NS (IPv6 ones
# without duplicate address detection).
rxl_ns_addrs() {
	local ns=$1 dev=$2 a nodad

	shift 2
	for a in "$@"; do
		nodad=
		case $a in *:*) nodad=nodad ;; esac
		ip -n "$ns" addr add "$a" dev "$dev" $nodad ||
			rxl_fail "addr $a on $dev"
	done
}

# rxl_ns_pair NS1 DEV1 NS2 DEV2 ADDRS1 ADDRS2: a veth pair DEV1 in NS1 and
# DEV2 in NS2 (namespaces made by rxl_netns), up, with the addresses of
# the blank-separated lists ADDRS1 and ADDRS2 (rxl_ns_addrs).
rxl_ns_pair() {
	ip -n "$1" link add "$2" type veth peer name "$4" netns "$3" ||
		rxl_fail "veth $2-$4"
	rxl_ns_addrs "$1" "$2" $5
	rxl_ns_addrs "$3" "$4" $6
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

# rxl_neigh NS DEV PEER_NS PEER_DEV ADDR...: neighbour entries in NS on
# DEV for each ADDR, at PEER_DEV's MAC (ARP and ND are then not what a test
# judges).
rxl_neigh() {
	local ns=$1 dev=$2 mac a

	mac=$(ip -n "$3" -br link show "$4" | awk '{print $3}')
	[ -n "$mac" ] || rxl_fail "no MAC of $4 in $3"
	shift 4
	for a in "$@"; do
		ip -n "$ns" neigh add "$a" lladdr "$mac" dev "$dev" ||
			rxl_fail "neighbour $a on $dev in $ns"
	done
}

# ---- the CLI under crash_at.so (cli_fail.sh, cli_crash.sh, cli_grace.sh) --
RXL_SHIM=$RXL_TOP/selftests/host/crash_at.so

# rxl_ns CMD...: CMD in the network namespace $RXL_NS with the caller's
# mounts (nsenter --net; ip netns exec remounts /sys for every command,
# dear in walks of hundreds of commands).
rxl_ns() { nsenter --net=/run/netns/"$RXL_NS" "$@"; }
# rxl_cli ARGS...: the CLI in $RXL_NS.
rxl_cli() { rxl_ns "$RXL_CLI" "$@"; }
# rxl_shim_run [VAR=VALUE...] -- ARGS...: 'rxlane ARGS' in $RXL_NS with
# crash_at.so preloaded and set by VAR=VALUE (crash_at.c lists them).
rxl_shim_run() {
	local env=()

	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		env+=("$1")
		shift
	done
	shift
	rxl_ns env LD_PRELOAD="$RXL_SHIM" "${env[@]}" "$RXL_CLI" "$@"
}
# rxl_shim_count FILE [VAR=VALUE...] -- ARGS...: run 'rxlane ARGS' whole
# and print how many map changes it made (counted in FILE).
rxl_shim_count() {
	local f=$1

	shift
	rxl_shim_run RXLANE_CRASH_COUNT="$f" "$@" >/dev/null ||
		rxl_fail "'rxlane $*' failed with nothing failing"
	cat "$f"
}

# rxl_walk_init DIR: RXL_WALK, the walk of cli_fail.sh and cli_crash.sh
# from nothing, through every kind of change (container add, set, del; fw
# add in place and by replacement, del, flush; two policy applies, one
# changing a container's addresses), back to nothing; its policy files in
# DIR.
rxl_walk_init() {
	local dir=$1

	cat > "$dir/p1.json" <<'JSON'
{"schema": 1, "containers": [
  {"name": "web", "ips": ["10.200.0.2", "fd00::3"], "default": "drop",
   "rules": ["allow proto tcp from 192.0.2.0/24 dport 22 prio 1",
	     "allow proto tcp dport 80"]},
  {"name": "db", "ips": ["10.200.0.3"], "default": "allow",
   "rules": ["drop proto tcp dport 5432"]},
  {"name": "cache", "ips": ["10.200.0.4"], "default": "drop"}]}
JSON
	cat > "$dir/p2.json" <<'JSON'
{"schema": 1, "containers": [
  {"name": "web", "ips": ["10.200.0.2", "fd00::2"], "default": "drop",
   "rules": ["allow proto tcp dport 80", "allow proto tcp dport 443"]},
  {"name": "db", "ips": ["10.200.0.3"], "default": "drop"}],
 "ct_timeouts": {"udp": 45}}
JSON

	RXL_WALK=(
		"container add web ip 10.200.0.2 ip fd00::2 default drop"
		"fw add web allow proto tcp dport 80"
		"fw add web allow proto tcp dport 443"
		"fw add web allow from 192.0.2.0/24 prio 1"
		"fw add web drop proto udp dport 53 prio 5"
		"container set web default allow"
		"container add db ip 10.200.0.3 default drop vni 100"
		"fw add db allow proto tcp dport 5432"
		"fw del web handle 2"
		"policy apply $dir/p1.json"
		"fw add web drop proto udp"
		"policy apply $dir/p2.json"
		"fw flush web"
		"container del db"
		"container del web"
		"ct timeout udp default"
	)
}

# The CLI inside namespace $1.
rxl_in() {
	local ns=$1

	shift
	ip netns exec "$ns" "$RXL_CLI" "$@"
}

# rxl_add_tunnel NS MAC DEV ADDR TYPE-ARGS...: a sending tunnel device DEV
# in NS ('ip link add DEV TYPE-ARGS'), up, with ADDR/32, the container
# 10.200.0.2 reached at the receiver's MAC, checksums in software
# (offloaded ones never get filled in here) and no IPv6: its router
# solicitations, DAD and MLD reports would reach the VTEP as tunnelled
# frames of their own, at times of the kernel's choosing, and spoil the
# tests' exact drop and decap counts.
rxl_add_tunnel() {
	local ns=$1 mac=$2 dev=$3 addr=$4

	shift 4
	ip -n "$ns" link add "$dev" "$@" || return 1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf."$dev".disable_ipv6=1 ||
		return 1
	ip -n "$ns" addr add "$addr"/32 dev "$dev"
	ip -n "$ns" link set "$dev" up
	ip netns exec "$ns" sysctl -qw net.ipv4.conf."$dev".rp_filter=0
	ip netns exec "$ns" ethtool -K "$dev" tx off >/dev/null 2>&1
	ip -n "$ns" neigh add 10.200.0.2 lladdr "$mac" dev "$dev" nud permanent
}

rxl_topo() {
	RXL_S=rxl-s-$RXL_ID
	RXL_R=rxl-r-$RXL_ID
	RXL_C=rxl-c-$RXL_ID
	local ns l r0mac

	for ns in "$RXL_S" "$RXL_R" "$RXL_C"; do
		rxl_netns "$ns"
	done
	ip netns exec "$RXL_R" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$RXL_S" link add s0 type veth peer name r0 netns "$RXL_R" ||
		rxl_fail "veth s0"
	ip -n "$RXL_R" link add h0 type veth peer name c0 netns "$RXL_C" ||
		rxl_fail "veth h0"
	ip -n "$RXL_S" addr add 10.0.0.1/24 dev s0
	ip -n "$RXL_R" addr add 10.0.0.2/24 dev r0
	ip -n "$RXL_R" addr add 10.200.0.1/24 dev h0
	ip -n "$RXL_C" addr add 10.200.0.2/24 dev c0
	for l in "$RXL_S s0" "$RXL_R r0" "$RXL_R h0" "$RXL_C c0"; do
		set -- $l
		ip -n "$1" link set "$2" up
		ip netns exec "$1" sysctl -qw net.ipv4.conf."$2".rp_filter=0
	done
	ip -n "$RXL_C" route add default via 10.200.0.1
	ip -n "$RXL_R" route add 10.100.0.0/24 via 10.0.0.1
	r0mac=$(ip netns exec "$RXL_R" cat /sys/class/net/r0/address)
	rxl_add_tunnel "$RXL_S" "$r0mac" vx0 10.100.0.1 type vxlan id 100 \
		local 10.0.0.1 remote 10.0.0.2 dstport 4789 dev s0 ||
		rxl_fail "vxlan"
	ip netns exec "$RXL_S" ethtool -K s0 tx off >/dev/null 2>&1
	ip -n "$RXL_S" route add 10.200.0.0/24 dev vx0 src 10.100.0.1
}

# rxl_tcp_server PORT...: the container accepts (and closes) on each port.
rxl_tcp_server() {
	local p

	ip netns exec "$RXL_C" python3 -c '
import select, socket, sys
ls = []
for port in sys.argv[1:]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("10.200.0.2", int(port)))
    s.listen(64)
    ls.append(s)
while True:
    for s in select.select(ls, [], [])[0]:
        s.accept()[0].close()
' "$@" &
	RXL_PIDS+=($!)
	rxl_wait_listen "$RXL_C" "$@"
}

# rxl_wait_listen NS PORT...: every PORT has a TCP listener in NS; fails
# after 60 s (starting python3 takes seconds on a loaded machine).
rxl_wait_listen() {
	local ns=$1 p deadline=$((SECONDS + 60))

	shift
	for p in "$@"; do
		until ip netns exec "$ns" ss -ltnH "sport = :$p" | grep -q .; do
			[ $SECONDS -lt $deadline ] ||
				rxl_fail "no TCP listener on port $p in $ns after 60 s"
			sleep 0.1
		done
	done
}

# rxl_connect PORT [TIMEOUT]: 0 when a TCP handshake over vx0 completes
# within TIMEOUT seconds (10: generous, a success returns at once).
# Never prove a refusal by its failure: see rxl_refused, rxl_cli_refused.
rxl_connect() {
	ip netns exec "$RXL_S" timeout "${2:-10}" bash -c \
		"exec 3<>/dev/tcp/10.200.0.2/$1" 2>/dev/null
}

# rxl_wait_connect ADDR PORT: a TCP handshake with ADDR:PORT from this
# namespace completes; fails the test after 60 s (a container's server may
# take a while to start). A refusal is never proven by its failure.
rxl_wait_connect() {
	local deadline=$((SECONDS + 60))

	until timeout 5 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] ||
			rxl_fail "TCP $1:$2 (allowed) did not connect within 60 s"
		sleep 0.5
	done
}

# rxl_refused NS ADDR PORT COUNTER_CMD...: a TCP connect from NS to
# ADDR:PORT is refused by a drop, proven by COUNTER_CMD's output rising
# within 60 s (TCG guests take seconds just to start the client) while the
# connect has not succeeded. Returns 1 with the reason in RXL_WHY.
rxl_refused() {
	local ns=$1 addr=$2 port=$3 before after pid deadline
	shift 3
	before=$("$@")
	# A counter that cannot be read must not pass for one that did not rise.
	case "$before" in
	''|*[!0-9]*) RXL_WHY="counter '$*' unreadable: '$before'"; return 1 ;;
	esac
	# Not through rxl_connect: $! must be ip, which execs timeout, which
	# passes our signal on to bash.
	ip netns exec "$ns" timeout 60 bash -c \
		"exec 3<>/dev/tcp/$addr/$port" 2>/dev/null &
	pid=$!
	deadline=$((SECONDS + 60))
	while :; do
		after=$("$@")
		case "$after" in
		''|*[!0-9]*) after=$before ;;	# judged below, unreadable
		esac
		[ "$after" -gt "$before" ] && break
		kill -0 "$pid" 2>/dev/null || break
		[ $SECONDS -lt $deadline ] || break
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	elif wait "$pid"; then
		RXL_WHY="TCP to $addr:$port allowed"
		return 1
	fi
	if [ "$after" -le "$before" ]; then
		RXL_WHY="no drop counted ($before -> $after)"
		return 1
	fi
	return 0
}

# rxl_state NS: the whole configuration the CLI shows (attachments,
# containers, rules, VTEPs, VNIs) as JSON, to compare before and after.
rxl_state() {
	local what

	for what in status "container list" "fw list" "vtep list" "vni list"; do
		rxl_in "$1" -j $what || echo "state: $what failed"
	done
}

# rxl_refusals NS < TABLE: each row "EXIT|TEXT|ARGS" is a command that must
# be refused, run twice: in text (exit status EXIT, TEXT in the message on
# stderr) and under -j (stderr exactly one JSON error with that status and
# message). After every row the configuration (rxl_state) must be what it
# was. In ARGS, %SP% is a blank inside one argument and %EMPTY% an empty
# argument. Sets RXL_N to the number of rows; fails the test on the first
# row that does not hold.
rxl_refusals() {
	local ns=$1 want text args err rc before
	local -a argv

	RXL_N=0
	before=$(rxl_state "$ns")
	while IFS='|' read -r want text args; do
		[ -n "$want" ] || continue
		read -r -a argv <<< "$args"
		argv=("${argv[@]//%SP%/ }")
		argv=("${argv[@]//%EMPTY%/}")
		err=$(rxl_in "$ns" "${argv[@]}" 2>&1 >/dev/null)
		rc=$?
		[ "$rc" -eq "$want" ] ||
			rxl_fail "'$args': exit $rc, want $want ($err)"
		case "$err" in
		*"$text"*) ;;
		*) rxl_fail "'$args': message '$err' lacks \"$text\"" ;;
		esac
		err=$(rxl_in "$ns" -j "${argv[@]}" 2>&1 >/dev/null)
		rc=$?
		[ "$rc" -eq "$want" ] ||
			rxl_fail "-j '$args': exit $rc, want $want"
		echo "$err" | jq -e --arg t "$text" --argjson w "$want" \
			'.schema == 2 and .error.exit == $w and
			 (.error.message | contains($t))' >/dev/null ||
			rxl_fail "-j '$args': bad JSON error: $err"
		[ "$(echo "$err" | jq -s length)" = 1 ] ||
			rxl_fail "-j '$args': not one JSON error: $err"
		[ "$(rxl_state "$ns")" = "$before" ] ||
			rxl_fail "'$args' changed the configuration"
		RXL_N=$((RXL_N + 1))
	done
}

# rxl_cli_refused PORT CONTAINER REASON [HANDLE]: a TCP connect over vx0
# to the container's PORT is refused by drops of REASON ('default',
# 'rule', ...: rxlane -j stats), proven by the counters, not by a time
# out: REASON's counter rises while the connect has not succeeded
# (rxl_refused); then, once the counters settle, the container's drop
# counter rose by exactly as much as REASON's, no other reason counted a
# drop, the container passed nothing, and rule HANDLE (if given) judged
# every one of those packets. Returns 1 with the reason in RXL_WHY.
rxl_cli_refused() {
	local port=$1 cont=$2 reason=$3 handle=${4:-} b a d deadline
	local q='def c($s): $s.containers[] | select(.name == $n);
		def h($s): if $h == "" then 0 else
			[c($s).rules[] | select(.handle == ($h | tonumber))
			 | .packets][0] end;
		[$a.drops[$r] - $b.drops[$r],
		 (c($a).drop.packets - c($b).drop.packets),
		 ([$a.drops[]] | add) - ([$b.drops[]] | add),
		 (c($a).pass.packets - c($b).pass.packets),
		 h($a) - h($b)] | @tsv'

	# Packets of earlier connections must not count as this one's: the
	# test's server accepts and closes when it gets the CPU, so on a
	# loaded machine the sender's last ACK of an allowed connection can
	# pass seconds after its connect returned. Start from quiet.
	rxl_tcp_quiet "$RXL_S" 10.200.0.2 || return 1
	b=$(rxl_stats_settled "$RXL_R") || { RXL_WHY="rxlane stats failed"; return 1; }
	rxl_refused "$RXL_S" 10.200.0.2 "$port" rxl_drop_count "$reason" ||
		return 1
	deadline=$((SECONDS + 30))
	while :; do
		a=$(rxl_in "$RXL_R" -j stats) &&
			d=$(jq -rn --argjson a "$a" --argjson b "$b" \
				--arg r "$reason" --arg n "$cont" \
				--arg h "$handle" "$q") || d=
		set -- $d
		# Equal once the last retransmission has been counted everywhere.
		[ $# -eq 5 ] && [ "$1" -gt 0 ] && [ "$2" = "$1" ] &&
			[ "$3" = "$1" ] && [ "$4" = 0 ] &&
			{ [ -z "$handle" ] || [ "$5" = "$1" ]; } && return 0
		[ $SECONDS -lt $deadline ] || break
		sleep 0.2
	done
	RXL_WHY="drops of '$reason', of container $cont, of all reasons, container passes${handle:+, rule $handle hits}: ${d:-unreadable} (want N N N 0${handle:+ N})"
	return 1
}

# rxl_tcp_quiet NS ADDR: wait until NS has no TCP connection to ADDR that
# may still send (anything but TIME-WAIT: a socket there has sent its last
# ACK). Returns 1 with the sockets in RXL_WHY after 60 s.
rxl_tcp_quiet() {
	local open deadline=$((SECONDS + 60))

	while :; do
		open=$(ip netns exec "$1" ss -tnH state syn-sent state established \
			state fin-wait-1 state fin-wait-2 state close-wait \
			state last-ack state closing dst "$2")
		[ -z "$open" ] && return 0
		[ $SECONDS -lt $deadline ] || break
		sleep 0.2
	done
	RXL_WHY="TCP connections to $2 still open after 60 s: $open"
	return 1
}

# rxl_stats_settled NS: `rxlane -j stats` in NS once two reads 0.3 s apart
# agree (a frame already sent is counted; at most 30 s).
rxl_stats_settled() {
	local a b deadline=$((SECONDS + 30))

	a=$(rxl_in "$1" -j stats) || return 1
	while [ $SECONDS -lt $deadline ]; do
		sleep 0.3
		b=$(rxl_in "$1" -j stats) || return 1
		[ "$a" = "$b" ] && break
		a=$b
	done
	printf '%s\n' "$a"
}

# rxl_drop_count REASON: packets the fast path in $RXL_R dropped for REASON.
rxl_drop_count() {
	rxl_in "$RXL_R" -j stats | jq -e ".drops.\"$1\""
}

# rxl_snmp NS PROTO FIELD: a counter of /proc/net/snmp in namespace NS
# (e.g. rxl_snmp "$RXL_C" Tcp InSegs), found by its column's name.
rxl_snmp() {
	ip netns exec "$1" awk -v p="$2:" -v f="$3" '
		$1 == p && !h { for (i = 2; i <= NF; i++) if ($i == f) c = i; h = 1; next }
		$1 == p && h && c { print $c; exit }' /proc/net/snmp
}

# ---- connection tracking traffic (ct_e2e.sh, selftests/vm/ct_nic.sh) ------
RXL_PEER=$RXL_TOP/selftests/host/ct_peer.py

# rxl_peer NS ARGS...: ct_peer.py ARGS in NS (its header lists them).
rxl_peer() {
	local ns=$1

	shift
	ip netns exec "$ns" python3 "$RXL_PEER" "$@"
}

# rxl_peer_bg NS ARGS...: the same in the background, killed at exit ($!
# is ip, which execs python3).
rxl_peer_bg() {
	local ns=$1

	shift
	ip netns exec "$ns" python3 "$RXL_PEER" "$@" &
	RXL_PIDS+=($!)
}

# rxl_ping NS ADDR WAIT: one echo answered within WAIT seconds.
rxl_ping() { ip netns exec "$1" ping -c 1 -W "$3" "$2" >/dev/null; }

# rxl_refused_by WHAT CMD...: CMD (a client that fails without an answer)
# fails and the default drop counter (rxl_drop_count) rose meanwhile.
rxl_refused_by() {
	local what=$1 before after

	shift
	before=$(rxl_drop_count default) || rxl_fail "$what: stats unreadable"
	"$@" && rxl_fail "$what: allowed"
	after=$(rxl_drop_count default) || rxl_fail "$what: stats unreadable"
	[ "$after" -gt "$before" ] ||
		rxl_fail "$what: no default drop counted ($before -> $after)"
	rxl_ok "$what refused"
}

# rxl_refused_all NS ADDR WHAT: TCP to ADDR:9000, UDP to ADDR:9001 and ping
# of ADDR from NS (ct_peer.py serve) are all refused, each proven by the
# default drop counter.
rxl_refused_all() {
	rxl_refused "$1" "$2" 9000 rxl_drop_count default ||
		rxl_fail "$3 TCP to $2: $RXL_WHY"
	rxl_ok "$3 TCP to $2 refused"
	rxl_refused_by "$3 UDP to $2" rxl_peer "$1" udp "$2" 9001 3
	rxl_refused_by "$3 ping of $2" rxl_ping "$1" "$2" 3
}

# rxl_outbound_all NS WAIT ADDR...: from NS, TCP to ADDR:9000, UDP to
# ADDR:9001 and a ping of ADDR (ct_peer.py serve) are each answered,
# within WAIT seconds for UDP and ping.
rxl_outbound_all() {
	local ns=$1 wait=$2 a

	shift 2
	for a in "$@"; do
		rxl_peer "$ns" tcp "$a" 9000 || rxl_fail "outbound TCP to $a"
		rxl_peer "$ns" udp "$a" 9001 "$wait" || rxl_fail "outbound UDP to $a"
		rxl_ping "$ns" "$a" "$wait" || rxl_fail "ping $a from $ns"
		rxl_ok "outbound TCP, UDP and ICMP echo to $a"
	done
}

# rxl_hold_step DIR N: request N of the connection 'ct_peer.py hold' holds
# with DIR; 0 when it was answered. Fails the test after 60 s without an
# outcome.
rxl_hold_step() {
	local deadline=$((SECONDS + 60))

	touch "$1/req.$2"
	until [ -e "$1/ok.$2" ] || [ -e "$1/fail.$2" ]; do
		[ $SECONDS -lt $deadline ] ||
			rxl_fail "request $2 of the held connection: no outcome after 60 s"
		sleep 0.1
	done
	[ -e "$1/ok.$2" ]
}

# rxl_ct_hold_replace_flush NS ADDR DIR: a connection from NS to ADDR:9000
# (ct_peer.py hold, its files in DIR) survives a replace of container
# web's rule set (flushed, then udp 5353 and tcp 8080 allowed), and 'ct
# flush web' cuts it, proven by the default drop counter. The CLI runs in
# $RXL_R.
rxl_ct_hold_replace_flush() {
	local before after

	rxl_peer_bg "$1" hold "$2" 9000 "$3"
	rxl_hold_step "$3" 1 || rxl_fail "held connection: first request"
	rxl_in "$RXL_R" fw flush web >/dev/null &&
	rxl_in "$RXL_R" fw add web allow proto udp dport 5353 >/dev/null &&
	rxl_in "$RXL_R" fw add web allow proto tcp dport 8080 >/dev/null ||
		rxl_fail "replacing web's rule set"
	rxl_hold_step "$3" 2 || rxl_fail "held connection cut by a rule-set replace"
	rxl_ok "a connection survives rule-set replaces"
	# A dry run says how many entries the flush would delete (the held
	# connection's at least), and deletes none: the held one stays
	# listed (others of the test may expire meanwhile).
	held='[.entries[] | select(.dport == 9000 and .state == "established")] | length'
	before=$(rxl_in "$RXL_R" -j ct list web | jq "$held")
	after=$(rxl_in "$RXL_R" -n -j ct flush web | jq .flushed_count)
	[ "$before" -ge 1 ] && [ "${after:-0}" != null ] &&
		[ "${after:-0}" -ge "$before" ] ||
		rxl_fail "-n ct flush web: would flush '$after' entries ($before held)"
	[ "$(rxl_in "$RXL_R" -j ct list web | jq "$held")" = "$before" ] ||
		rxl_fail "-n ct flush web deleted the held connection's entry"
	rxl_ok "-n ct flush web: $after entries would go, none went"
	rxl_in "$RXL_R" ct flush web >/dev/null || rxl_fail "ct flush web"
	before=$(rxl_drop_count default)
	rxl_hold_step "$3" 3 && rxl_fail "held connection still answered after ct flush web"
	after=$(rxl_drop_count default)
	[ "$after" -gt "$before" ] ||
		rxl_fail "ct flush: the cut was not a default drop ($before -> $after)"
	rxl_ok "ct flush web cuts the connection"
}

# ---- CNI runtimes (cni_podman.sh, cni_containerd.sh) ----------------------
# rxl_cni_runtime_dir W CNI VERSION NET BR SUB FILE: in W, a busybox-static
# rootfs (W/rootfs: sh, httpd, nc, sleep; /www/index.html), W/bin with
# Debian's plugins (/usr/lib/cni) and CNI as rxlane-cni, and W/net.d/FILE:
# a conflist (cniVersion VERSION, network NET) of bridge BR with
# host-local SUB/24 (its dataDir W/ipam), then rxlane-cni with pins in
# $RXLANE_PIN_DIR, default drop, TCP 8080 allowed.
rxl_cni_runtime_dir() {
	local w=$1 d a

	mkdir -p "$w/net.d" "$w/bin" "$w/rootfs/bin" "$w/rootfs/www" ||
		rxl_fail "mkdir in $w"
	for d in proc sys dev etc tmp run; do
		mkdir -p "$w/rootfs/$d"
	done
	cp /bin/busybox "$w/rootfs/bin/busybox" || rxl_fail "busybox"
	for a in sh httpd nc sleep; do
		ln -s busybox "$w/rootfs/bin/$a"
	done
	echo rxlane > "$w/rootfs/www/index.html"
	ln -s /usr/lib/cni/* "$w/bin/"
	ln -s "$2" "$w/bin/rxlane-cni"
	jq -n --arg v "$3" --arg net "$4" --arg br "$5" --arg sub "$6/24" \
		--arg ipam "$w/ipam" --arg pin "$RXLANE_PIN_DIR" \
		'{cniVersion: $v, name: $net, plugins: [
		   {type: "bridge", bridge: $br, isGateway: true, ipMasq: false,
		    ipam: {type: "host-local", subnet: $sub, dataDir: $ipam,
			   routes: [{dst: "0.0.0.0/0"}]}},
		   {type: "rxlane-cni", pinDir: $pin,
		    policy: {default: "drop",
			     rules: [{action: "allow", proto: "tcp",
				      dport: 8080}]}}]}' > "$w/net.d/$7" ||
		rxl_fail "conflist $w/net.d/$7"
}

# ---- echo servers and clients of any namespace (ct_vxlan.sh) -------------
# rxl_echo_servers NS ADDR...: in NS, on each ADDR, a TCP server on port
# 9000 that accepts (and keeps) connections and a UDP echo on port 9001;
# killed at exit, ready when this returns.
rxl_echo_servers() {
	local ns=$1 deadline=$((SECONDS + 60))

	shift
	ip netns exec "$ns" python3 -c '
import socket, sys, threading
def tcp(a):
    s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a, 9000))
    s.listen(64)
    keep = []
    while True:
        keep.append(s.accept()[0])
def udp(a):
    s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET,
                      socket.SOCK_DGRAM)
    s.bind((a, 9001))
    while True:
        d, peer = s.recvfrom(2000)
        s.sendto(d, peer)
for a in sys.argv[1:]:
    for f in (tcp, udp):
        threading.Thread(target=f, args=(a,), daemon=True).start()
threading.Event().wait()
' "$@" &
	RXL_PIDS+=($!)
	rxl_wait_listen "$ns" 9000
	until [ "$(ip netns exec "$ns" ss -lunH "sport = :9001" | wc -l)" -ge $# ]; do
		[ $SECONDS -lt $deadline ] ||
			rxl_fail "no UDP echo on port 9001 in $ns after 60 s"
		sleep 0.1
	done
}

# rxl_tcp_ok NS ADDR PORT [TIMEOUT]: 0 when a TCP handshake from NS with
# ADDR:PORT completes within TIMEOUT seconds (10).
rxl_tcp_ok() {
	ip netns exec "$1" timeout "${4:-10}" bash -c \
		"exec 3<>/dev/tcp/$2/$3" 2>/dev/null
}

# rxl_udp_ok NS ADDR PORT [TIMEOUT]: 0 when a datagram from NS to
# ADDR:PORT is echoed within TIMEOUT seconds (10).
rxl_udp_ok() {
	ip netns exec "$1" python3 -c '
import socket, sys
a, port, wait = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET,
                  socket.SOCK_DGRAM)
s.settimeout(wait)
s.sendto(b"rxlane", (a, port))
try:
    sys.exit(0 if s.recv(100) == b"rxlane" else 1)
except socket.timeout:
    sys.exit(1)
' "$2" "$3" "${4:-10}"
}

# rxl_ping_ok NS ADDR [TIMEOUT]: 0 when one echo from NS to ADDR is
# answered within TIMEOUT seconds (10).
rxl_ping_ok() {
	ip netns exec "$1" ping -c 1 -W "${3:-10}" "$2" >/dev/null 2>&1
}

# rxl_refused_counted WHAT COUNTER_CMD -- CMD...: CMD (a client that fails
# without an answer) fails while COUNTER_CMD's output rises. Returns 1
# with the reason in RXL_WHY.
rxl_refused_counted() {
	local what=$1 before after
	local -a counter=()

	shift
	while [ "$1" != -- ]; do
		counter+=("$1")
		shift
	done
	shift
	before=$("${counter[@]}")
	if "$@"; then
		RXL_WHY="$what allowed"
		return 1
	fi
	after=$("${counter[@]}")
	case "$before:$after" in
	:*|*:|*[!0-9:]*)
		RXL_WHY="$what: counter unreadable ('$before', '$after')"
		return 1 ;;
	esac
	[ "$after" -gt "$before" ] && return 0
	RXL_WHY="$what: no drop counted ($before -> $after)"
	return 1
}

# rxl_schema DEF ARGS DOC [DEF ARGS DOC]...: each -j document DOC (what
# 'rxlane -j ARGS' printed) matches the CLI schema's $defs entry DEF
# (cli_schema.py); a skipped case without python3-jsonschema.
rxl_schema() {
	local docs= what=

	if ! /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
		rxl_skip_case schema "no python3-jsonschema"
		return 0
	fi
	while [ $# -ge 3 ]; do
		docs+=$(printf '%s\t%s\t%s' "$1" "$2" "$(echo "$3" | jq -c .)")$'\n'
		what+="${what:+, }$2 -j"
		shift 3
	done
	printf '%s' "$docs" |
		python3 "$RXL_TOP/selftests/host/cli_schema.py" \
			"$RXL_TOP/Documentation/rxlane-cli.schema.json" ||
		rxl_fail "$what do not match the schema"
	rxl_ok "$what match the schema"
}

# rxl_ct_has LIST CONT SRC DST PROTO [DPORT]: 0 when the 'rxlane -j ct
# list' document LIST has an entry of container CONT opened outward from
# SRC to DST, whose protocol starts with PROTO (icmp: icmp and icmpv6),
# to DPORT if given.
rxl_ct_has() {
	echo "$1" | jq -e --arg c "$2" --arg s "$3" --arg a "$4" --arg p "$5" \
		--arg d "${6:-}" '[.entries[] | select(.container == $c and
		  .direction == "out" and .src == $s and .dst == $a and
		  (.proto | startswith($p)) and
		  ($d == "" or .dport == ($d | tonumber)))] | length >= 1' \
		>/dev/null
}

# rxl_stays WHAT VALUE CMD...: CMD's output stays VALUE for a second (five
# reads 0.2 s apart): what must not arrive has not. Fails with WHAT.
rxl_stays() {
	local what=$1 want=$2 i got

	shift 2
	for i in 1 2 3 4 5; do
		got=$("$@")
		[ "$got" = "$want" ] || rxl_fail "$what ($want -> $got)"
		sleep 0.2
	done
}
