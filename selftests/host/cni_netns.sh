#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rxlane-cni and the network namespace of an attachment (Documentation/
# cni.rst, "Namespaces"): ADD records CNI_NETNS's path and the cookie of
# the namespace it names; DEL, GC and CHECK enter a path only while it
# names that namespace.
# - A path bound to another namespace since (the netns file made anew,
#   as a /proc/PID/ns/net of a reused PID would be): DEL of the gone
#   container leaves the programs of the container that now lives there
#   (its policy still enforced on its interface), GC too; CHECK of the
#   gone one through that path is code 106.
# - A namespace that still exists: DEL without CNI_NETNS and GC detach
#   the programs on its interface through the recorded path.
# - Under 'ip netns exec' (a fresh /sys, no bpffs on /sys/fs/bpf, so the
#   default pinDir is out of sight): DEL, GC and ADD are refused with code
#   100 and STATUS answers 50, never "nothing there".
# The test runs in a network namespace of its own (rxl_own_netns).
source "$(dirname "$0")/lib.sh"

CNI=$RXL_TOP/user/rxlane-cni
rxl_own_netns cninetns "$@"
rxl_init cninetns
[ -x "$CNI" ] || rxl_fail "$CNI not built"
command -v jq >/dev/null || { echo "SKIP: needs jq"; exit $ksft_skip; }

SUF=$RANDOM
NET=ns$SUF
PIN=$RXLANE_PIN_DIR

# mkct NS N: netns NS (made anew when it exists) with eth0 10.251.N.2/24,
# its peer hNS here with 10.251.N.1/24.
mkct() {
	ip netns del "$1" 2>/dev/null
	rxl_netns "$1"
	ip link add "h$1" type veth peer name eth0 netns "$1" || rxl_fail "veth h$1"
	ip addr add "10.251.$2.1/24" dev "h$1"
	ip link set "h$1" up
	ip -n "$1" addr add "10.251.$2.2/24" dev eth0
	ip -n "$1" link set eth0 up
}

# conf NS N: ADD's config for address 10.251.N.2 in netns NS (cniVersion
# $VER, default 1.0.0).
conf() {
	jq -nc --arg pin "$PIN" --arg net "$NET" --arg n "$2" --arg ns "/run/netns/$1" \
		--arg v "${VER:-1.0.0}" \
		'{cniVersion: $v, name: $net, type: "rxlane-cni", pinDir: $pin,
		  policy: {default: "drop"},
		  prevResult: {cniVersion: $v,
			interfaces: [{name: "eth0", sandbox: $ns}],
			ips: [{address: ("10.251." + $n + ".2/24"), interface: 0}]}}'
}

# cni CMD ID NS N [NETNS]: CMD for container ID, config of NS and N;
# CNI_NETNS /run/netns/NS unless NETNS is given ("" for none).
cni() {
	OUT=$(env CNI_COMMAND="$1" CNI_CONTAINERID="$2-$SUF" \
		CNI_NETNS="${5-/run/netns/$3}" CNI_IFNAME=eth0 "$CNI" \
		<<< "$(conf "$3" "$4")" 2>"$RXL_BPFFS.err")
	RC=$?
	ERR=$(cat "$RXL_BPFFS.err")
	rm -f "$RXL_BPFFS.err"
}

# gc VALID...: GC (1.1.0) of NET keeping the container ids VALID.
gc() {
	local ids

	ids=$(printf '%s\n' "$@" | jq -Rc --arg s "$SUF" \
		'select(length > 0) | {containerID: (. + "-" + $s), ifname: "eth0"}' |
		jq -sc .)
	OUT=$(jq -nc --arg pin "$PIN" --arg net "$NET" --argjson v "$ids" \
		'{cniVersion: "1.1.0", name: $net, type: "rxlane-cni",
		  pinDir: $pin, "cni.dev/valid-attachments": $v}' |
		env -i CNI_COMMAND=GC CNI_PATH=/usr/lib/cni PATH="$PATH" "$CNI" 2>&1)
	RC=$?
}

xdp_id() { ip -n "$1" -d link show dev eth0 2>/dev/null | grep -o 'prog/xdp id [0-9]*'; }
names() { "$RXL_CLI" -j container list | jq -c '[.containers[].name] | sort'; }
has_cont() { names | jq -e --arg n "$1-$SUF" 'index($n) != null' >/dev/null; }

# reused: the netns file of container OLD (gone without a DEL, as after a
# runtime crash) is made anew and NEW is ADDed there: same path, same
# interface name, another namespace.
A=ra$SUF
mkct "$A" 1
cni ADD a "$A" 1
[ "$RC" = 0 ] || rxl_fail "ADD a: exit $RC: $OUT $ERR"
mkct "$A" 2
cni ADD b "$A" 2
[ "$RC" = 0 ] || rxl_fail "ADD b in the new namespace at $A's path: exit $RC: $OUT $ERR"
b_prog=$(xdp_id "$A")
[ -n "$b_prog" ] || rxl_fail "ADD b attached nothing to eth0 in $A"
rxl_ping "$RXL_OWN_NETNS" 10.251.2.2 1 && rxl_fail "ping of b (default drop) answered after ADD"
rxl_ok "a's netns file made anew, b ADDed in the namespace it names now ($b_prog)"

cni CHECK a "$A" 1
[ "$RC" = 1 ] && echo "$OUT" | jq -e '.code == 106 and (.msg | test("another network namespace"))' >/dev/null ||
	rxl_fail "CHECK of a through a path that names another namespace: exit $RC, '$OUT' (want code 106)"
cni DEL a "$A" 1
[ "$RC" = 0 ] || rxl_fail "DEL a: exit $RC: $OUT $ERR"
[ "$(xdp_id "$A")" = "$b_prog" ] ||
	rxl_fail "DEL a (its netns path now b's) detached b's program: eth0 has '$(xdp_id "$A")', had '$b_prog'"
rxl_ping "$RXL_OWN_NETNS" 10.251.2.2 1 && rxl_fail "ping of b answered after DEL a"
echo "$ERR" | grep -q "another network namespace than at ADD" ||
	rxl_fail "DEL a did not say why it left the namespace alone: '$ERR'"
has_cont a && rxl_fail "DEL a left its container: $(names)"
cni CHECK b "$A" 2
[ "$RC" = 0 ] || rxl_fail "CHECK b after DEL a: exit $RC: $OUT"
rxl_ok "through a path that names another namespace now: CHECK a is 106, DEL a removes a and leaves b's program (b still drops)"

# The same through GC: c's netns file made anew, d ADDed there, c's
# attachment not valid.
C=rc$SUF
mkct "$C" 3
VER=1.1.0 cni ADD c "$C" 3
[ "$RC" = 0 ] || rxl_fail "ADD c: exit $RC: $OUT $ERR"
mkct "$C" 4
VER=1.1.0 cni ADD d "$C" 4
[ "$RC" = 0 ] || rxl_fail "ADD d: exit $RC: $OUT $ERR"
d_prog=$(xdp_id "$C")
gc b d
[ "$RC" = 0 ] || rxl_fail "GC keeping b, d: exit $RC: $OUT"
has_cont c && rxl_fail "GC left c: $(names)"
[ "$(xdp_id "$C")" = "$d_prog" ] ||
	rxl_fail "GC of c (its netns path now d's) detached d's program: eth0 has '$(xdp_id "$C")', had '$d_prog'"
rxl_ping "$RXL_OWN_NETNS" 10.251.4.2 1 && rxl_fail "ping of d answered after GC of c"
rxl_ok "GC of c, whose netns path names d's namespace now, leaves d's program"

# ---- namespaces that still exist ------------------------------------------
# GC: e's namespace is still there; its program goes with its attachment.
E=re$SUF
mkct "$E" 5
VER=1.1.0 cni ADD e "$E" 5
[ "$RC" = 0 ] || rxl_fail "ADD e: exit $RC: $OUT $ERR"
[ -n "$(xdp_id "$E")" ] || rxl_fail "ADD e attached nothing"
gc b d
[ "$RC" = 0 ] || rxl_fail "GC keeping b, d (e stale): exit $RC: $OUT"
has_cont e && rxl_fail "GC left e: $(names)"
[ -z "$(xdp_id "$E")" ] ||
	rxl_fail "GC of e left '$(xdp_id "$E")' on eth0 in its namespace, which still exists"
[ "$(xdp_id "$A")" = "$b_prog" ] && [ "$(xdp_id "$C")" = "$d_prog" ] ||
	rxl_fail "GC of e changed b's or d's program"
rxl_ok "GC of e detaches its program in its namespace, which still exists (b's and d's stay)"

# DEL without CNI_NETNS: f's programs go through the recorded path.
F=rf$SUF
mkct "$F" 6
cni ADD f "$F" 6
[ "$RC" = 0 ] || rxl_fail "ADD f: exit $RC: $OUT $ERR"
cni DEL f "$F" 6 ""
[ "$RC" = 0 ] || rxl_fail "DEL f without CNI_NETNS: exit $RC: $OUT $ERR"
[ -z "$(xdp_id "$F")" ] ||
	rxl_fail "DEL f without CNI_NETNS left '$(xdp_id "$F")' on eth0 in its namespace"
rxl_ok "DEL without CNI_NETNS detaches the programs in the recorded namespace"

# ---- the pins out of sight: 'ip netns exec' mounts a fresh /sys ----------
# In a mount namespace of the test's own, with a bpffs of its own on
# /sys/fs/bpf, g is ADDed with the default pinDir; under 'ip netns exec'
# (no bpffs on /sys/fs/bpf there) DEL, GC and ADD are refused (code 100)
# and STATUS is 50, nothing made or removed; DEL outside then removes g.
G=rg$SUF
mkct "$G" 7
conf "$G" 7 | jq -c 'del(.pinDir)' > "$RXL_BPFFS.g"
jq -c '.cniVersion = "1.1.0" | del(.prevResult) | ."cni.dev/valid-attachments" = []' \
	"$RXL_BPFFS.g" > "$RXL_BPFFS.gc"
export CNI G SUF RXL_CLI RXL_BPFFS RXL_OWN_NETNS
hidden=$(unshare -m --propagation private bash -s 2>&1 <<'EOS'
	fail() { echo "FAIL: $*"; exit 1; }
	# run CMD [ip netns exec NS]: the plugin for g; RC, OUT.
	run() {
		OUT=$(env CNI_COMMAND="$1" CNI_CONTAINERID="g-$SUF" \
			CNI_NETNS="/run/netns/$G" CNI_IFNAME=eth0 "${@:2}" "$CNI" \
			< "$RXL_BPFFS.${GCONF:-g}" 2>/dev/null)
		RC=$?
	}
	code() {
		[ "$RC" = 1 ] && echo "$OUT" | jq -e --argjson c "$2" \
			'.code == $c and (.msg | test("cannot be seen"))' >/dev/null ||
			fail "$1 under ip netns exec: exit $RC, '$OUT' (want code $2)"
	}
	listed() { "$RXL_CLI" -P /sys/fs/bpf/rxlane -j container list | jq -e --arg n "g-$SUF" \
			'[.containers[].name] | index($n) != null' >/dev/null; }
	mount -t bpf bpf /sys/fs/bpf -o mode=0700 || fail "mount bpffs"
	run ADD
	[ "$RC" = 0 ] || fail "ADD with the default pinDir: exit $RC: $OUT"
	listed || fail "ADD made no container g"
	X=(ip netns exec "$RXL_OWN_NETNS")
	run DEL "${X[@]}"
	code DEL 100
	GCONF=gc run GC "${X[@]}"
	code GC 100
	GCONF=gc run STATUS "${X[@]}"
	code STATUS 50
	run ADD "${X[@]}"
	code ADD 100
	listed || fail "a refused call removed container g"
	run DEL
	[ "$RC" = 0 ] || fail "DEL outside ip netns exec: exit $RC: $OUT"
	listed && fail "DEL outside ip netns exec left container g"
	echo done
EOS
)
[ "$hidden" = done ] || rxl_fail "${hidden:-the mount namespace part said nothing}"
[ -z "$(xdp_id "$G")" ] || rxl_fail "DEL of g left '$(xdp_id "$G")'"
rxl_ok "under ip netns exec (no bpffs on /sys/fs/bpf): DEL, GC, ADD refused (100), STATUS 50, nothing changed; DEL outside removes g"

# The last ones: the records go with cni_state.
for id in b d; do
	n=2
	[ $id = d ] && n=4
	ns=$A
	[ $id = d ] && ns=$C
	cni DEL $id "$ns" $n
	[ "$RC" = 0 ] || rxl_fail "DEL $id: exit $RC: $OUT $ERR"
	[ -z "$(xdp_id "$ns")" ] || rxl_fail "DEL $id left '$(xdp_id "$ns")'"
done
for p in cni_state cni_netns cni_xdp cni_tc; do
	[ -e "$PIN/$p" ] && rxl_fail "the last DEL left $PIN/$p"
done
rxl_ok "the last DEL removes cni_netns with cni_state"
exit 0
