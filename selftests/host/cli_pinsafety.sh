#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What another user, or another program's pins, can do to the CLI (issue
# 13, items 3 and 4): nothing.
# - The lock is the pin directory's flock: 'nobody' cannot open it, and a
#   lock file nobody can take elsewhere (the old /run/lock/rxlane.lock)
#   blocks nothing.
# - A map pinned under one of rxlane's names with another layout (wrong
#   type, value size, a stale max_entries or flags) is refused, exit 1,
#   with its path in the message, and nothing changes; 'attach' refuses to
#   reuse it.
# - 'attach' refuses maps in iproute2's tc/globals when another user owns
#   that directory or it is open to others (Documentation/cli.rst).
# - As non-root the CLI says it lacks the permission, not that the
#   program is not loaded.
set -u
# A private mount namespace with a fresh /run/lock, as after a boot: the
# test neither depends on nor leaves a lock file of the host's.
if [ -z "${RXL_PINSAFE_NS:-}" ] && [ "$(id -u)" -eq 0 ]; then
	RXL_PINSAFE_NS=1 exec unshare --mount --propagation private "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
rxl_init pinsafe
NS=rxl-ps-$RXL_ID
PD=$RXLANE_PIN_DIR
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
command -v bpftool > /dev/null || rxl_fail "bpftool missing (scripts/deps.sh)"
rxl_veth_ns "$NS"

cli() { rxl_in "$NS" "$@" || rxl_fail "rxlane $*"; }
# refused WHAT TEXT CMD...: CMD exits 1 with TEXT in its message.
refused() {
	local what=$1 text=$2 err rc

	shift 2
	err=$(rxl_in "$NS" "$@" 2>&1)
	rc=$?
	[ $rc -eq 1 ] || rxl_fail "$what: 'rxlane $*' exit $rc, want 1: $err"
	case "$err" in
	*"$text"*) ;;
	*) rxl_fail "$what: message '$err' lacks '$text'" ;;
	esac
	rxl_ok "$what refused: $err"
}
no_xdp() {
	ip -n "$NS" -d link show dev "$1" | grep -q "prog/xdp" &&
		rxl_fail "$2: an XDP program got attached to $1"
	return 0
}

cli attach v0
cli container add web ip 10.200.0.2
cli fw add web allow proto tcp dport 80
cli vni add 100

# ---- the lock --------------------------------------------------------
err=$("${NOBODY[@]}" flock -n -x "$PD" true 2>&1) &&
	rxl_fail "nobody took the pin directory's lock"
case "$err" in
*"Permission denied"*) rxl_ok "nobody cannot open the lock ($PD): $err" ;;
*) rxl_fail "nobody's flock of $PD: '$err'" ;;
esac

if mount -t tmpfs -o mode=1777 rxl-lock /run/lock 2> /dev/null; then
	OLD=/run/lock/rxlane.lock
	# One process holds it (no child outlives the kill at cleanup).
	"${NOBODY[@]}" bash -c 'exec 9>> "$1" && flock -x 9 && exec sleep 600' \
		- "$OLD" > /dev/null 2>&1 &
	RXL_PIDS+=($!)
	deadline=$((SECONDS + 60))
	# Root's flock(1) would create the file (0644) before nobody does.
	while [ ! -e "$OLD" ] || flock -n -x "$OLD" true 2> /dev/null; do
		[ $SECONDS -lt $deadline ] ||
			rxl_fail "waited 60 s for nobody to lock $OLD"
		sleep 0.1
	done
	out=$(timeout 120 ip netns exec "$NS" "$RXL_CLI" fw add web drop \
		proto udp dport 53 2>&1)
	rc=$?
	[ $rc -eq 124 ] &&
		rxl_fail "fw add still waiting after 120 s while nobody holds $OLD"
	[ $rc -eq 0 ] || rxl_fail "fw add while nobody holds $OLD: exit $rc: $out"
	rxl_ok "nobody holding $OLD blocks no change"
else
	rxl_skip_case runlock "cannot mount a private /run/lock"
fi

# ---- foreign and stale maps under rxlane's names ----------------------
# layout NAME: "type key value entries flags" of the pinned map.
layout() {
	bpftool -j map show pinned "$PD/$1" |
		jq -r '"\(.type) \(.bytes_key) \(.bytes_value) \(.max_entries) \(.flags)"'
}
# swap_in NAME BPFTOOL-CREATE-ARGS...: pin a map of that layout as NAME.
swap_in() {
	local name=$1

	shift
	REAL_ID=$(bpftool -j map show pinned "$PD/$name" | jq .id) ||
		rxl_fail "no map $PD/$name"
	rm "$PD/$name"
	bpftool map create "$PD/$name" "$@" name "$name" ||
		rxl_fail "bpftool map create $PD/$name $*"
}
restore() {
	rm "$PD/$1"
	bpftool map pin id "$REAL_ID" "$PD/$1" || rxl_fail "re-pin $1"
}
state() {
	rxl_in "$NS" -j fw list web && rxl_in "$NS" -j vni list &&
		rxl_in "$NS" -j container list
}

# foreign WHAT NAME CREATE-ARGS...: every use of the pins refuses NAME.
foreign() {
	local what=$1 name=$2 before dump

	shift 2
	before=$(state) || rxl_fail "state before $what"
	swap_in "$name" "$@"
	dump=$(bpftool -j map dump pinned "$PD/$name")
	refused "$what (fw add)" "$PD/$name" fw add web allow proto tcp dport 22
	refused "$what (vni add)" "$PD/$name" vni add 200
	refused "$what (container add)" "$PD/$name" container add db ip 10.200.0.3
	[ "$(bpftool -j map dump pinned "$PD/$name")" = "$dump" ] ||
		rxl_fail "$what: the foreign map was written"
	restore "$name"
	[ "$(state)" = "$before" ] || rxl_fail "$what: the state changed"
}

read -r _ k v n f <<< "$(layout rxl_config)"
foreign "rxl_config of another value size" rxl_config \
	type array key "$k" value $((v + 8)) entries "$n"
read -r _ k v n f <<< "$(layout rxl_vnis)"
foreign "rxl_vnis of another type" rxl_vnis \
	type percpu_array key "$k" value "$v" entries "$n"
read -r _ k v n f <<< "$(layout rxl_drops)"
foreign "rxl_drops of a build with a drop reason fewer" rxl_drops \
	type percpu_array key "$k" value "$v" entries $((n - 1))
read -r _ k v n f <<< "$(layout rxl_addrs4)"
[ "$f" -ne 0 ] || rxl_fail "rxl_addrs4 has no flags: want BPF_F_NO_PREALLOC"
foreign "rxl_addrs4 preallocated (other flags)" rxl_addrs4 \
	type hash key "$k" value "$v" entries "$n"
# The layout before rxl_conts: a whole container value (376 bytes) per
# address, where an address now holds only its container's id.
[ "$v" -eq 4 ] || rxl_fail "rxl_addrs4 value size $v: want 4 (the container id)"
foreign "rxl_addrs4 of the layout before rxl_conts" rxl_addrs4 \
	type hash key "$k" value 376 entries "$n" flags "$f"
read -r _ k v n f <<< "$(layout rxl_conts)"
[ "$f" -ne 0 ] || rxl_fail "rxl_conts has no flags: want BPF_F_MMAPABLE"
foreign "rxl_conts not mmapable" rxl_conts \
	type array key "$k" value "$v" entries "$n"
# The layout before the rules from anywhere moved into the value: a slot
# of 768 bytes (two 380-byte buffers and the live word).
[ "$v" -eq 1456 ] || rxl_fail "rxl_conts value size $v: want 1456"
foreign "rxl_conts of the layout before rules from anywhere" rxl_conts \
	type array key "$k" value 768 entries "$n" flags "$f"
# The layout before the folded counts of retired sets (1352 bytes).
foreign "rxl_conts of the layout before folded counts" rxl_conts \
	type array key "$k" value 1352 entries "$n" flags "$f"
# The layout before the port summary (1384 bytes: two 672-byte values).
foreign "rxl_conts of the layout before the port summary" rxl_conts \
	type array key "$k" value 1384 entries "$n" flags "$f"

# attach reuses pins: not a foreign one.
read -r _ k v n f <<< "$(layout rxl_config)"
swap_in rxl_config type array key "$k" value $((v + 8)) entries "$n"
refused "attach with a foreign rxl_config" "$PD/rxl_config" attach v1
no_xdp v1 "foreign rxl_config"
restore rxl_config
cli attach v1
cli detach v1

# ---- iproute2's directory of another user ------------------------------
TCG=$RXL_BPFFS/tc/globals
mkdir -p "$TCG"
chmod 0700 "$RXL_BPFFS/tc" "$TCG"
for p in "$PD"/rxl_*; do
	bpftool map pin id "$(bpftool -j map show pinned "$p" | jq .id)" \
		"$TCG/${p##*/}" || rxl_fail "pin ${p##*/} in $TCG"
done
other() { RXLANE_PIN_DIR=$RXL_BPFFS/other rxl_in "$NS" "$@"; }
chown 65534 "$TCG"
err=$(other attach v1 2>&1)
rc=$?
[ $rc -eq 1 ] || rxl_fail "attach with $TCG owned by nobody: exit $rc: $err"
case "$err" in
*"$TCG is owned by uid 65534"*) ;;
*) rxl_fail "attach, $TCG owned by nobody: '$err'" ;;
esac
no_xdp v1 "tc/globals owned by nobody"
[ -e "$RXL_BPFFS/other" ] && rxl_fail "refused attach made $RXL_BPFFS/other"
rxl_ok "attach refuses $TCG owned by nobody: $err"
chown 0 "$TCG"
chmod 0755 "$TCG"
err=$(other attach v1 2>&1) && rxl_fail "attach with $TCG 0755 accepted"
case "$err" in
*"has mode 0755"*) rxl_ok "attach refuses $TCG open to others: $err" ;;
*) rxl_fail "attach, $TCG 0755: '$err'" ;;
esac
no_xdp v1 "tc/globals 0755"
chmod 0700 "$TCG"
other attach v1 || rxl_fail "attach with $TCG 0700, owned by root"
other detach v1
rm -r "$TCG"

# ---- a pin directory another user made first ---------------------------
# bpffs's root is 1777 unless mounted with a mode: nobody can make the pin
# directory before root does. Holding no pin, it is moved aside (kept for
# its owner) and root's change goes on; holding a pin, it is refused.
NS2=rxl-ps2-$RXL_ID
rxl_veth_ns "$NS2"
FD=$RXL_BPFFS/taken
fd() { RXLANE_PIN_DIR=$FD rxl_in "$NS2" "$@"; }
"${NOBODY[@]}" mkdir -p "$FD/sub/deeper" || rxl_fail "nobody's mkdir $FD"
"${NOBODY[@]}" ln -s /nonexistent "$FD/sub/link" || rxl_fail "nobody's ln"
out=$(fd attach v0 2>&1) ||
	rxl_fail "attach with $FD made by nobody, no pin in it: $out"
case "$out" in
*"$FD was made by uid 65534 and held no pin: moved to $FD-uid65534-"*) ;;
*) rxl_fail "attach over nobody's $FD: no word of the move: '$out'" ;;
esac
[ "$(stat -c '%u %a' "$FD")" = "0 700" ] ||
	rxl_fail "$FD after the move: $(stat -c '%u %a' "$FD")"
aside=$(echo "$FD"-uid65534-*)
[ "$(stat -c %u "$aside")" = 65534 ] && [ -L "$aside/sub/link" ] ||
	rxl_fail "nobody's directory not kept as it was at $aside"
fd container add web ip 10.200.0.2 || rxl_fail "container add in $FD"
fd fw add web allow proto tcp dport 80 || rxl_fail "fw add in $FD"
rxl_ok "nobody's $FD with no pin moved to $aside; root's change went on"
fd detach v0 || rxl_fail "detach v0 in $NS2"
# Another user's directory with a pin in it: never touched.
rm -r "$FD" "$aside"
"${NOBODY[@]}" mkdir "$FD" || rxl_fail "nobody's mkdir $FD"
bpftool map pin id "$(bpftool -j map show pinned "$PD/rxl_config" | jq .id)" \
	"$FD/pinned" || rxl_fail "pin a map in $FD"
err=$(fd attach v0 2>&1) && rxl_fail "attach over nobody's $FD with a pin"
case "$err" in
*"$FD is owned by uid 65534"*) ;;
*) rxl_fail "attach over nobody's $FD with a pin: '$err'" ;;
esac
[ -e "$FD/pinned" ] && [ "$(stat -c %u "$FD")" = 65534 ] ||
	rxl_fail "nobody's $FD with a pin was changed"
compgen -G "$FD-uid*" > /dev/null && rxl_fail "nobody's $FD with a pin moved"
no_xdp_ns() { ! ip -n "$NS2" -d link show dev v0 | grep -q prog/xdp; }
no_xdp_ns || rxl_fail "refused attach left XDP on $NS2's v0"
rxl_ok "nobody's $FD with a pin in it refused, untouched: $err"
rm -r "$FD"

# ---- not root ---------------------------------------------------------
# nonroot WHAT ENV...: fw add as nobody names the permission.
nonroot() {
	local what=$1 err rc

	shift
	err=$(env "$@" ip netns exec "$NS" "${NOBODY[@]}" "$RXL_CLI" \
		fw add web allow 2>&1)
	rc=$?
	[ $rc -eq 1 ] || rxl_fail "non-root fw add ($what): exit $rc: $err"
	case "$err" in
	*"not loaded"*) rxl_fail "non-root fw add ($what): '$err'" ;;
	*"Permission denied"* | *"Operation not permitted"*) ;;
	*) rxl_fail "non-root fw add ($what): '$err' names no permission" ;;
	esac
	rxl_ok "non-root fw add ($what): $err"
}
nonroot "pin directory" RXLANE_PIN_DIR="$PD"
nonroot "attached program" RXLANE_PIN_DIR="$RXL_BPFFS/none" \
	TC_BPF_MNT="$RXL_BPFFS/none"
exit 0
