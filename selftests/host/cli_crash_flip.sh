#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One flip for all of a container's addresses (issue 17, fastpath.rst
# "Atomic replacement"): a container with three addresses (two IPv4, one
# IPv6) has every change that moves its rules or policy stopped after
# each of its map updates in turn (crash_at.so, SIGKILL after the N-th,
# for every N of the command's count). After each stop, probe packets
# to ALL of its addresses must give the verdicts of the state before the
# command, or all those of the state after it: never one address by the
# old set and another by the new. Each command is then run to its end and
# the state put back for the next stop. A policy that swaps an address
# as well: the address that goes is never judged by the new set, the one
# that comes never by the old.
set -u
. "$(dirname "$0")/lib.sh"

DIR=$(cd "$(dirname "$0")" && pwd)
PROBE=$DIR/fp_probe
[ -x "$PROBE" ] && [ -f "$RXL_SHIM" ] || rxl_fail "crash_at.so and fp_probe not built"

rxl_init crashflip
RXL_NS=rxl-cflip-$RXL_ID
rxl_veth_ns "$RXL_NS"
TMPD=$(mktemp -d /tmp/rxl-cflip.XXXXXX)
trap 'rm -rf "$TMPD"; rxl_cleanup' EXIT

# The state every command starts from.
cat > "$TMPD/a.json" <<'JSON'
{"schema": 1, "containers": [
  {"name": "web", "ips": ["10.200.0.2", "10.200.0.5", "fd00::2"],
   "default": "drop", "rules": ["allow proto tcp dport 80"]}]}
JSON
cat > "$TMPD/b.json" <<'JSON'
{"schema": 1, "containers": [
  {"name": "web", "ips": ["10.200.0.2", "10.200.0.5", "fd00::2"],
   "default": "allow", "rules": ["drop proto tcp dport 80",
				 "allow proto tcp dport 443"]}]}
JSON
# The same rules as b.json, and an address swapped: 10.200.0.5 goes,
# 10.200.0.6 comes.
cat > "$TMPD/c.json" <<'JSON'
{"schema": 1, "containers": [
  {"name": "web", "ips": ["10.200.0.2", "10.200.0.6", "fd00::2"],
   "default": "allow", "rules": ["drop proto tcp dport 80",
				 "allow proto tcp dport 443"]}]}
JSON
# Rules from anywhere (in the container's value, fastpath.rst "Rules from
# anywhere") and a /32 of the same ports (a rule key) in one set: the
# value's segments and the keys change in one replace.
cat > "$TMPD/d.json" <<'JSON'
{"schema": 1, "containers": [
  {"name": "web", "ips": ["10.200.0.2", "10.200.0.5", "fd00::2"],
   "default": "allow", "rules": ["allow proto tcp from 192.0.2.9/32 dport 22",
				 "allow proto tcp from 2001:db8::9/128 dport 80",
				 "drop proto tcp dport 22",
				 "drop proto tcp dport 80"]}]}
JSON
# Each changes the verdict of at least one probe, by each path that
# flips a container's value: an append in place (of one family, and of
# both: it extends the IPv4 key and then the IPv6 one, and the rule stays
# dark until the value naming it as the set's last is live: fastpath.rst,
# "Appends"), a replace, a policy change, a policy file.
CMDS=(
	"fw add web allow proto tcp from 192.0.2.0/24 dport 443"
	"fw add web allow proto tcp dport 443"
	"fw flush web"
	"container set web default allow"
	"policy apply $TMPD/b.json"
	"policy apply $TMPD/d.json"
)
PROBES=""
for d in 10.200.0.2 10.200.0.5; do
	PROBES+=" 192.0.2.9,$d,tcp,80 192.0.2.9,$d,tcp,443 192.0.2.9,$d,tcp,22"
done
PROBES+=" 2001:db8::9,fd00::2,tcp,80 2001:db8::9,fd00::2,tcp,443 2001:db8::9,fd00::2,tcp,22"
# No container's in a.json and b.json; c.json's new address.
PROBES+=" 192.0.2.9,10.200.0.6,tcp,80 192.0.2.9,10.200.0.6,tcp,443 192.0.2.9,10.200.0.6,tcp,22"

verdicts() { rxl_ns "$PROBE" v0 $PROBES; }
reset() {
	rxl_cli policy apply "$TMPD/a.json" >/dev/null ||
		rxl_fail "policy apply a.json after a stop: $*"
}

# stop_at CMD K N: from a.json's state, CMD stopped after the K-th of
# its N map updates; the verdicts then in V.
stop_at() {
	local rc

	reset "'$1' (reference)"
	rxl_shim_run RXLANE_CRASH_AT="$2" -- $1 >"$TMPD/out" 2>&1
	rc=$?
	[ $rc -eq 137 ] || [ $rc -eq 0 ] ||
		rxl_fail "'$1' exited $rc, not stopped at $2 of $3: $(cat "$TMPD/out")"
	stops=$((stops + 1))
	V=$(verdicts)
}
# settle CMD K: the next command finishes or undoes CMD stopped at K;
# then all agree on a.json's verdicts.
settle() {
	local v

	reset "'$1' stopped at $2"
	v=$(verdicts)
	[ "$v" == "$A_VERD" ] ||
		rxl_fail "'$1' stopped at $2, then a.json: verdicts '$v', want '$A_VERD'"
}

rxl_cli attach v0 >/dev/null || rxl_fail "attach v0"
reset "at the start"
A_VERD=$(verdicts)
BEFORE=$A_VERD
stops=0 t0=$SECONDS
for cmd in "${CMDS[@]}"; do
	n=$(rxl_shim_count "$TMPD/count" -- $cmd)
	AFTER=$(verdicts)
	[ "$AFTER" != "$BEFORE" ] || rxl_fail "'$cmd' changes no verdict"
	for ((k = 1; k <= n; k++)); do
		stop_at "$cmd" $k $n
		[ "$V" == "$BEFORE" ] || [ "$V" == "$AFTER" ] ||
			rxl_fail "'$cmd' stopped after map update $k of $n: verdicts '$V', want all of before '$BEFORE' or all of after '$AFTER'"
		settle "$cmd" $k
	done
	echo "'$cmd': $n map updates, stopped after each"
done
# An address swap: the addresses kept are judged by one set, all before
# or all after; the address that goes is web's before or no one's after
# (never judged by web's new set); the address that comes is no one's
# before or web's after (never by web's old set). Probe words: 0-2
# 10.200.0.2 (kept), 3-5 10.200.0.5 (goes), 6-8 fd00::2 (kept), 9-11
# 10.200.0.6 (comes).
group() { local w; read -r -a w <<< "$1"; shift; echo "${w[*]:$1:$2}"; }
kept() { echo "$(group "$1" 0 3) $(group "$1" 6 3)"; }
cmd="policy apply $TMPD/c.json"
reset "at the swap"
BEFORE=$(verdicts)
n=$(rxl_shim_count "$TMPD/count" -- $cmd)
AFTER=$(verdicts)
[ "$(group "$AFTER" 3 3)" == "PASS PASS PASS" ] &&
	[ "$(group "$AFTER" 9 3)" != "PASS PASS PASS" ] ||
	rxl_fail "'$cmd': the swap is not seen: '$BEFORE' -> '$AFTER'"
for ((k = 1; k <= n; k++)); do
	stop_at "$cmd" $k $n
	[ "$(kept "$V")" == "$(kept "$BEFORE")" ] ||
		[ "$(kept "$V")" == "$(kept "$AFTER")" ] ||
		rxl_fail "'$cmd' stopped after map update $k of $n: the kept addresses' verdicts '$(kept "$V")', want all of before '$(kept "$BEFORE")' or all of after '$(kept "$AFTER")'"
	for w in 3 9; do
		g=$(group "$V" $w 3)
		[ "$g" == "$(group "$BEFORE" $w 3)" ] ||
			[ "$g" == "$(group "$AFTER" $w 3)" ] ||
			rxl_fail "'$cmd' stopped after map update $k of $n: probes $w-$((w + 2)) (10.200.0.$([ $w = 3 ] && echo 5 || echo 6)) '$g', want before '$(group "$BEFORE" $w 3)' or after '$(group "$AFTER" $w 3)'"
	done
	settle "$cmd" $k
done
echo "'$cmd': $n map updates, stopped after each"
out=$(rxl_cli check 2>&1) || rxl_fail "rxlane check at the end: $out"
rxl_ok "$stops stops: every address of the container judged by one set ($((SECONDS - t0)) s)"
