#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A container's totals outlive its rule sets (issue 17, fastpath.rst
# "Counters"). The program counts a packet a rule judged on that rule
# alone; 'stats' adds a container's live ingress rules to what no rule
# judged, and a set that a change retires has its counts folded into the
# container's first. So, with probe packets (fp_probe: BPF_PROG_TEST_RUN
# of the attached program) of known verdicts:
# - the pass and drop totals, text and -j alike, and the 'rule' and
#   'default' drop reasons are exactly what the probes got;
# - they stay exactly that across 'fw del', 'fw add' (in place and by
#   replacement), 'container set ... default' and 'policy apply';
# - each of 'fw del' and 'policy apply' stopped (SIGKILL) after each of
#   its map updates, then finished by the next command, never counts
#   anything twice, and loses counts only where the stop falls between
#   the flip and the fold (at most one stop of each command: the retired
#   set's counts, which recovery purges with its keys).
set -u
. "$(dirname "$0")/lib.sh"

DIR=$(cd "$(dirname "$0")" && pwd)
PROBE=$DIR/fp_probe
[ -x "$PROBE" ] && [ -f "$RXL_SHIM" ] || rxl_fail "crash_at.so and fp_probe not built"
command -v jq >/dev/null || { echo "SKIP: no jq"; exit $ksft_skip; }

rxl_init statsfold
RXL_NS=rxl-sfold-$RXL_ID
rxl_veth_ns "$RXL_NS"
TMPD=$(mktemp -d /tmp/rxl-sfold.XXXXXX)
trap 'rm -rf "$TMPD"; rxl_cleanup' EXIT

# A rule from anywhere (in the container value), a /24 drop and a /24
# allow (rule keys), default drop.
cat > "$TMPD/a.json" <<'JSON'
{"schema": 1, "containers": [
  {"name": "web", "ips": ["10.200.0.2", "fd00::2"], "default": "drop",
   "rules": ["allow proto tcp dport 80",
	     "drop proto tcp from 192.0.2.0/24 dport 22",
	     "allow proto tcp from 198.51.100.0/24 dport 443"]}]}
JSON
cat > "$TMPD/b.json" <<'JSON'
{"schema": 1, "containers": [
  {"name": "web", "ips": ["10.200.0.2", "fd00::2"], "default": "allow",
   "rules": ["drop proto tcp dport 80"]}]}
JSON
PROBES="192.0.2.9,10.200.0.2,tcp,80 198.51.100.1,10.200.0.2,tcp,443
	192.0.2.9,10.200.0.2,tcp,22 192.0.2.9,10.200.0.2,tcp,99
	2001:db8::9,fd00::2,tcp,80"

# send: the probes once; P and D grow by the PASS and DROP verdicts (the
# bytes are checked from the next expect on).
P=0 D=0
send() {
	local v

	v=$(rxl_ns "$PROBE" v0 $PROBES) || rxl_fail "fp_probe: $v"
	P=$((P + $(grep -o PASS <<< "$v" | wc -l)))
	D=$((D + $(grep -o DROP <<< "$v" | wc -l)))
	BYTES=""
}
# totals: "PASS_PKTS DROP_PKTS PASS_BYTES DROP_BYTES" from -j, checked
# against the text line of the same numbers.
totals() {
	local j t want

	j=$(rxl_cli -j stats web) || rxl_fail "stats web -j"
	read -r -a t <<< "$(jq -r '.containers[0] | "\(.pass.packets) \(.drop.packets) \(.pass.bytes) \(.drop.bytes)"' <<< "$j")"
	want="pass ${t[0]} pkts ${t[2]} bytes drop ${t[1]} pkts ${t[3]} bytes"
	rxl_cli stats web | grep -q "$want" ||
		rxl_fail "stats web text does not say '$want': $(rxl_cli stats web)"
	echo "${t[*]}"
}
# reasons: "RULE DEFAULT" drops.
reasons() {
	rxl_cli -j stats | jq -r '"\(.drops.rule) \(.drops.default)"'
}
# expect WHAT: the packet totals are P and D, and the bytes what they were.
BYTES=""
expect() {
	local t

	read -r -a t <<< "$(totals)"
	[ "${t[0]} ${t[1]}" = "$P $D" ] ||
		rxl_fail "$1: web's pass and drop packets ${t[0]} ${t[1]}, want $P $D"
	[ -z "$BYTES" ] || [ "${t[2]} ${t[3]}" = "$BYTES" ] ||
		rxl_fail "$1: web's pass and drop bytes ${t[2]} ${t[3]}, want $BYTES"
	BYTES="${t[2]} ${t[3]}"
}

rxl_cli attach v0 >/dev/null || rxl_fail "attach v0"
rxl_cli policy apply "$TMPD/a.json" >/dev/null || rxl_fail "policy apply a.json"
send
send
[ "$P $D" = "6 4" ] || rxl_fail "a.json's probes: $P passed, $D dropped, want 6 4"
expect "two rounds of probes"
[ "$(reasons)" = "2 2" ] || rxl_fail "drops by reason rule, default: $(reasons), want 2 2"
hits=$(rxl_cli -j stats web | jq -c '[.containers[0].rules[].packets]')
[ "$hits" = "[4,2,2]" ] || rxl_fail "rule hits $hits, want [4,2,2]"
rxl_ok "totals are the rules' and the default's counts, text and -j alike"

# Every change that retires a set: nothing sent between, nothing moves.
handle() {
	rxl_cli -j fw list web |
		jq -r ".rules[] | select(.dport.min == $1) | .handle"
}
h=$(handle 443)
[ -n "$h" ] || rxl_fail "no handle for the dport 443 rule: $(rxl_cli -j fw list web)"
for cmd in "fw del web handle $h" \
	   "fw add web allow proto tcp dport 8080" \
	   "fw add web drop proto tcp dport 8081 prio 1" \
	   "container set web default allow" \
	   "policy apply $TMPD/b.json" \
	   "policy apply $TMPD/a.json"; do
	rxl_cli $cmd >/dev/null || rxl_fail "rxlane $cmd"
	expect "after '$cmd'"
	[ "$(reasons)" = "2 2" ] || rxl_fail "after '$cmd': drops by reason rule, default: $(reasons), want 2 2"
done
rxl_ok "totals kept across fw del, fw add, container set, policy apply"
send
expect "a.json's probes after the changes"
[ "$(reasons)" = "3 3" ] || rxl_fail "drops by reason after a third round: $(reasons), want 3 3"
rxl_ok "the new sets count on top"

# A change stopped after each of its map updates, finished by the next.
lost=0
# (a.json puts the deleted rule back under a new handle: H is looked up
# after each reset.)
for tmpl in "fw del web handle H" "policy apply $TMPD/b.json"; do
	rxl_cli policy apply "$TMPD/a.json" >/dev/null || rxl_fail "reset"
	cmd=${tmpl/handle H/handle $(handle 443)}
	send
	expect "before '$cmd'"
	n=$(rxl_shim_count "$TMPD/count" -- $cmd)
	expect "'$cmd' whole"
	lossy=0
	for ((k = 1; k <= n; k++)); do
		rxl_cli policy apply "$TMPD/a.json" >/dev/null || rxl_fail "reset at $k"
		cmd=${tmpl/handle H/handle $(handle 443)}
		send
		expect "'$cmd' before the stop at $k"
		rxl_shim_run RXLANE_CRASH_AT=$k -- $cmd >"$TMPD/out" 2>&1
		rc=$?
		[ $rc -eq 137 ] || [ $rc -eq 0 ] ||
			rxl_fail "'$cmd' exited $rc, not stopped at $k of $n: $(cat "$TMPD/out")"
		rxl_cli policy apply "$TMPD/a.json" >/dev/null ||
			rxl_fail "policy apply after '$cmd' stopped at $k"
		read -r -a t <<< "$(totals)"
		[ "${t[0]}" -le "$P" ] && [ "${t[1]}" -le "$D" ] ||
			rxl_fail "'$cmd' stopped after map update $k of $n: pass, drop ${t[0]} ${t[1]}, more than the $P $D sent"
		if [ "${t[0]} ${t[1]}" != "$P $D" ]; then
			lossy=$((lossy + 1)); echo "# stop $k lost $((P + D - t[0] - t[1]))"
			lost=$((lost + P + D - t[0] - t[1]))
			P=${t[0]} D=${t[1]}
		fi
	done
	[ $lossy -le 1 ] ||
		rxl_fail "'$cmd': $lossy of its $n stops lost counts, want at most 1 (between the flip and the fold)"
	echo "'$cmd': $n map updates, stopped after each; $lossy stop(s) lost the retired set's counts"
done
rxl_ok "stopped changes count nothing twice ($lost packets lost in all)"
rxl_cli check >/dev/null || rxl_fail "check at the end: $(rxl_cli check)"
echo "ok 1 cli_stats_fold"
