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
# the state put back for the next stop.
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
# Each changes the verdict of at least one probe, by each path that
# flips a container's value: an append in place, a replace, a policy
# change, a policy file. The append names one family: an append of a
# rule of both families writes its two keys in place one after the other
# (fastpath.rst, "The one window that remains").
CMDS=(
	"fw add web allow proto tcp from 192.0.2.0/24 dport 443"
	"fw flush web"
	"container set web default allow"
	"policy apply $TMPD/b.json"
)
PROBES=""
for d in 10.200.0.2 10.200.0.5; do
	PROBES+=" 192.0.2.9,$d,tcp,80 192.0.2.9,$d,tcp,443 192.0.2.9,$d,tcp,22"
done
PROBES+=" 2001:db8::9,fd00::2,tcp,80 2001:db8::9,fd00::2,tcp,443 2001:db8::9,fd00::2,tcp,22"

verdicts() { rxl_ns "$PROBE" v0 $PROBES; }
reset() {
	rxl_cli policy apply "$TMPD/a.json" >/dev/null ||
		rxl_fail "policy apply a.json after a stop: $*"
}

rxl_cli attach v0 >/dev/null || rxl_fail "attach v0"
reset "at the start"
BEFORE=$(verdicts)
stops=0 t0=$SECONDS
for cmd in "${CMDS[@]}"; do
	n=$(rxl_shim_count "$TMPD/count" -- $cmd)
	AFTER=$(verdicts)
	[ "$AFTER" != "$BEFORE" ] || rxl_fail "'$cmd' changes no verdict"
	for ((k = 1; k <= n; k++)); do
		reset "'$cmd' (reference)"
		rxl_shim_run RXLANE_CRASH_AT="$k" -- $cmd >"$TMPD/out" 2>&1
		rc=$?
		[ $rc -eq 137 ] || [ $rc -eq 0 ] ||
			rxl_fail "'$cmd' exited $rc, not stopped at $k of $n: $(cat "$TMPD/out")"
		stops=$((stops + 1))
		v=$(verdicts)
		[ "$v" == "$BEFORE" ] || [ "$v" == "$AFTER" ] ||
			rxl_fail "'$cmd' stopped after map update $k of $n: verdicts '$v', want all of before '$BEFORE' or all of after '$AFTER'"
		# The next command finishes or undoes it; then all agree.
		reset "'$cmd' stopped at $k"
		v=$(verdicts)
		[ "$v" == "$BEFORE" ] ||
			rxl_fail "'$cmd' stopped at $k, then a.json: verdicts '$v', want '$BEFORE'"
	done
	echo "'$cmd': $n map updates, stopped after each"
done
out=$(rxl_cli check 2>&1) || rxl_fail "rxlane check at the end: $out"
rxl_ok "$stops stops: every address of the container judged by one set ($((SECONDS - t0)) s)"
