#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A change whose map update fails halfway is undone (issue 13: "a partial
# flip failure is not rolled back"). crash_at.so (LD_PRELOAD) makes the
# N-th map update of a command fail with ENOMEM, for every N of the
# command's own count, over a walk of container add/set/del, fw add (in
# place and by replacement)/del/flush and policy apply (one file with
# ct_timeouts). After each failed command:
#   - the listing (container list, fw list, ct timeout) is the one before it;
#   - the verdicts of probe packets (BPF_PROG_TEST_RUN of the attached
#     program, fp_probe) to every address are those before it;
#   - the next command (an unrelated container added, or deleted) works;
#   - 'rxlane check' then finds nothing (maps and records agree).
# At the end, the same for a container's own interface ('port IF netns
# PATH': add, set from none, set to another interface, set none), each
# tc attach failed too (crash_at.so's RXLANE_FAIL_TC_AT), and each killed
# (SIGKILL) after each of its map updates.
# Writes of the address cache (rxl_acache) are not failed: fw.c ignores a
# failed one (rxl_acache_put() returns nothing), so each would end the
# sweep of its command with a success.
# A command that succeeds although one of its updates failed (one the
# code may retry, as the deletion of an old rule set's keys) must leave
# the state after it, and 'rxlane check' must find nothing after the next
# command. Then the command runs whole and the walk goes on
# from the reference state. A failure after the change was made (an old
# address or the intent record not deleted) must exit 1 and say the next
# command finishes it: the state after the next command is the one after
# the change (strict; the walk goes on to the next step from there).
set -u
. "$(dirname "$0")/lib.sh"

DIR=$(cd "$(dirname "$0")" && pwd)
PROBE=$DIR/fp_probe
[ -x "$PROBE" ] && [ -f "$RXL_SHIM" ] || rxl_fail "crash_at.so and fp_probe not built"

rxl_init fail
RXL_NS=rxl-fail-$RXL_ID
rxl_veth_ns "$RXL_NS"
TMPD=$(mktemp -d /tmp/rxl-fail.XXXXXX)
trap 'rm -rf "$TMPD"; rxl_cleanup' EXIT

cli_failing_at() {
	local n=$1

	shift
	rxl_shim_run RXLANE_FAIL_AT="$n" RXLANE_FAIL_SKIP=rxl_acache -- "$@" \
		>"$TMPD/out" 2>&1
}
cli_count() { rxl_shim_count "$TMPD/count" RXLANE_FAIL_SKIP=rxl_acache -- "$@"; }

rxl_walk_init "$TMPD"
STEPS=("${RXL_WALK[@]}")
PROBES="192.0.2.9,10.200.0.2,tcp,80 192.0.2.9,10.200.0.2,tcp,443
	192.0.2.9,10.200.0.2,tcp,22 198.51.100.1,10.200.0.2,tcp,22
	198.51.100.1,10.200.0.2,udp,53 198.51.100.1,10.200.0.2,icmp,0
	2001:db8::9,fd00::2,tcp,80 2001:db8::9,fd00::2,tcp,443
	2001:db8::9,fd00::2,udp,53 2001:db8::9,fd00::3,tcp,80
	2001:db8::9,fd00::3,tcp,22 192.0.2.9,10.200.0.3,tcp,5432
	192.0.2.9,10.200.0.3,tcp,22 192.0.2.9,10.200.0.4,tcp,80"

# The state: listings without the unrelated container, and verdicts.
tmp=
state() {
	{
		rxl_cli container list | grep -v "^tmp-" |
			sed -E 's/^([^ ]+) id [0-9]+/\1/' | sort
		# One line per container's block, sorted: the order of a
		# listing follows the ids, which the unrelated container moves.
		rxl_cli fw list | awk '/^container / { if (b != "") print b; b = $0; next }
			{ b = b "\x01" $0 } END { if (b != "") print b }' |
			grep -v "^container tmp-" | sort | tr '\001' '\n'
		rxl_ns "$PROBE" v0 $PROBES
		rxl_cli ct timeout | grep -v default
	} 2>&1
}

# The next command works (and finishes what the last one left to it): an
# unrelated container comes or goes.
next_command() {
	if [ -z "$tmp" ]; then
		tmp=tmp-$1-$2
		rxl_cli container add "$tmp" ip 10.200.9.9 >/dev/null ||
			rxl_fail "'$step' with update $2 failing: the next container add failed"
	else
		rxl_cli container del "$tmp" >/dev/null ||
			rxl_fail "'$step' with update $2 failing: the next container del failed"
		tmp=
	fi
}

rxl_cli attach v0 >/dev/null || rxl_fail "attach v0"
declare -a REF CNT
REF[0]=$(state)
for k in "${!STEPS[@]}"; do
	CNT[k]=$(cli_count ${STEPS[k]})
	REF[k + 1]=$(state)
done
echo "map updates per step: ${CNT[*]}"

fails=0 tolerated=0 made=0 t0=$SECONDS
for k in "${!STEPS[@]}"; do
	step=${STEPS[k]}
	done_=
	for ((n = ${RXL_FAIL_FIRST:-1}; n <= CNT[k]; n++)); do
		if cli_failing_at "$n" $step; then
			# The failed update did not matter: the change is whole.
			cur=$(state)
			[ "$cur" == "${REF[k + 1]}" ] ||
				rxl_fail "'$step' with update $n of ${CNT[k]} failing exited 0; the state is not the one after it: $(diff <(echo "${REF[k + 1]}") <(echo "$cur"))"
			tolerated=$((tolerated + 1))
			# A policy apply deletes the containers its file does
			# not list.
			[ -n "$tmp" ] && ! rxl_cli container list | grep -q "^$tmp " && tmp=
			next_command "$k" "$n"
			[ "$(state)" == "${REF[k + 1]}" ] ||
				rxl_fail "'$step' with update $n failing, then the next command: the state is not the one after it"
			out=$(rxl_cli check 2>&1) ||
				rxl_fail "'$step' with update $n failing exited 0, then the next command: rxlane check: $out"
			echo "'$step': update $n of ${CNT[k]} failing is ignored"
			done_=1
			break
		fi
		fails=$((fails + 1))
		# Strict: a failure after the change was made exits 1 and
		# says so; the change stands and the next command finishes it.
		if grep -q "the change is made, but .*the next command" "$TMPD/out"; then
			[ -n "$tmp" ] && ! rxl_cli container list | grep -q "^$tmp " && tmp=
			next_command "$k" "$n"
			cur=$(state)
			[ "$cur" == "${REF[k + 1]}" ] ||
				rxl_fail "'$step' failed at update $n of ${CNT[k]} after the change ($(head -c 300 "$TMPD/out")), then the next command: the state is not the one after it: $(diff <(echo "${REF[k + 1]}") <(echo "$cur"))"
			out=$(rxl_cli check 2>&1) ||
				rxl_fail "'$step' failed at update $n after the change, then the next command: rxlane check: $out"
			echo "'$step': update $n of ${CNT[k]} failing after the change: exit 1, finished by the next command"
			made=$((made + 1))
			done_=1
			break
		fi
		cur=$(state)
		[ "$cur" == "${REF[k]}" ] ||
			rxl_fail "'$step' failed at update $n of ${CNT[k]} ($(head -c 300 "$TMPD/out")) and left a state other than the one before (diff before/now): $(diff <(echo "${REF[k]}") <(echo "$cur"))"
		next_command "$k" "$n"
		# The next change also finished anything left: all agree.
		out=$(rxl_cli check 2>&1) ||
			rxl_fail "'$step' failed at update $n, then the next command (tmp: '$tmp'): rxlane check: $out"
	done
	if [ -z "$done_" ]; then
		rxl_cli $step >/dev/null || rxl_fail "'$step' without a failure failed"
	fi
	[ "$(state)" == "${REF[k + 1]}" ] ||
		rxl_fail "'$step': the state after it differs from the reference walk"
	out=$(rxl_cli check 2>&1) ||
		rxl_fail "after '$step' (tmp: '$tmp'): rxlane check: $out"
	# A policy apply deletes containers it does not list.
	[ -n "$tmp" ] && ! rxl_cli container list | grep -q "^$tmp " && tmp=
done
[ -z "$tmp" ] || rxl_cli container del "$tmp" >/dev/null || rxl_fail "container del $tmp"
# ---- a delete that fails once the change is made: reported, finished ------
# Strict: the command must exit 1 and say the next command finishes it; the
# listing already shows the change; the next command finishes it and check
# finds nothing. Cases: the delete of an address a policy apply drops
# (rxl_apply_drop_old()), and the delete of the intent record at the end.
cat > "$TMPD/s1.json" <<'JSON'
{"schema": 1, "containers": [
  {"name": "sw", "ips": ["10.200.7.1", "10.200.7.2"], "default": "drop",
   "rules": ["allow proto tcp dport 80"]}]}
JSON
cat > "$TMPD/s2.json" <<'JSON'
{"schema": 1, "containers": [
  {"name": "sw", "ips": ["10.200.7.1", "10.200.7.3"], "default": "drop",
   "rules": ["allow proto tcp dport 81"]}]}
JSON
# last_call MAP CALL: the number of the last CALL on MAP of s1 -> s2.
last_call() {
	rxl_cli policy apply "$TMPD/s1.json" >/dev/null || rxl_fail "policy apply s1.json"
	rxl_shim_run RXLANE_CRASH_TRACE=1 RXLANE_FAIL_SKIP=rxl_acache -- \
		policy apply "$TMPD/s2.json" 2>&1 >/dev/null |
		awk -v m="$1" -v c="$2" '$3 == c && $4 == m { n = $2 } END { print n }'
}
strict_case() {
	local what=$1 map=$2 want=$3 n out rc

	n=$(last_call "$map" bpf_map_delete_elem)
	[ -n "$n" ] || rxl_fail "$what: no delete on $map in policy apply s2.json"
	rxl_cli policy apply "$TMPD/s1.json" >/dev/null || rxl_fail "policy apply s1.json"
	out=$(rxl_shim_run RXLANE_FAIL_AT="$n" RXLANE_FAIL_SKIP=rxl_acache -- \
		policy apply "$TMPD/s2.json" 2>&1)
	rc=$?
	[ $rc -eq 1 ] || rxl_fail "$what failing (update $n): exit $rc, want 1: $out"
	case "$out" in
	*"$want"*"the next command"*) ;;
	*) rxl_fail "$what failing (update $n): message '$out' does not say '$want' and that the next command finishes it" ;;
	esac
	rxl_cli container list | grep -q "^sw .*10.200.7.3" ||
		rxl_fail "$what failing: the listing does not show the change: $(rxl_cli container list)"
	rxl_cli container add strict-tmp ip 10.200.9.8 >/dev/null ||
		rxl_fail "$what failing: the next command failed"
	out=$(rxl_cli check 2>&1) ||
		rxl_fail "$what failing, then the next command: rxlane check: $out"
	[ "$(rxl_ns "$PROBE" v0 192.0.2.9,10.200.7.2,tcp,22)" = \
	  "$(rxl_ns "$PROBE" v0 192.0.2.9,10.200.9.99,tcp,22)" ] ||
		rxl_fail "$what failing, then the next command: 10.200.7.2 is still a container's"
	rxl_cli container del strict-tmp >/dev/null || rxl_fail "container del strict-tmp"
	rxl_ok "$what failing: exit 1 ($want), the next command finished it"
}
strict_case "the delete of a dropped address" rxl_addrs4 \
	"an address it no longer has could not be removed"
strict_case "the delete of the intent record" cli_rules \
	"intent record"
rxl_cli policy apply "$TMPD/s1.json" >/dev/null
rxl_cli container del sw >/dev/null || rxl_fail "container del sw"
out=$(rxl_cli check 2>&1) || rxl_fail "rxlane check at the end: $out"
echo "failed commands: $fails (after the change: $made), a failure ignored: $tolerated; $((SECONDS - t0)) s"
rxl_ok "every failed map update left the state before the command"

# ---- the host-side device after a failed change ---------------------------
# Container 'sp' has the anti-spoofing check on its host-side device dA
# (its other end eA is in namespace SA). A policy apply that moves it to
# dB, and a 'container set sp mac' of a MAC that is not eA's, fail at each
# of their map updates in turn. After every failure dA must still be
# bound to 'sp' and enforced as before: the check is on dA and not on dB,
# a ping from sp's own address passes dA, and one from an address that is
# not sp's is dropped and counted as spoof.
SA=rxl-fsa-$RXL_ID
rxl_netns "$SA"
ip -n "$RXL_NS" link add dA type veth peer name eA netns "$SA" || rxl_fail "veth dA"
ip -n "$RXL_NS" link add dB type veth peer name eB || rxl_fail "veth dB"
rxl_ns_addrs "$RXL_NS" dA 10.200.6.254/24
rxl_ns_addrs "$SA" eA 10.200.6.1/24 10.200.6.99/24
for l in "$RXL_NS dA" "$RXL_NS dB" "$RXL_NS eB" "$SA eA"; do
	set -- $l
	ip -n "$1" link set "$2" up || rxl_fail "link up $2"
done
mac_of() { ip -n "$1" -br link show "$2" | awk '{print $3}'; }
ip -n "$SA" neigh add 10.200.6.254 lladdr "$(mac_of "$RXL_NS" dA)" dev eA
ip -n "$RXL_NS" neigh add 10.200.6.1 lladdr "$(mac_of "$SA" eA)" dev dA
ip -n "$RXL_NS" neigh add 10.200.6.99 lladdr "$(mac_of "$SA" eA)" dev dA
printf '{"schema": 1, "containers": [{"name": "sp", "ips": ["10.200.6.1"], "dev": "%s"}]}\n' \
	dA > "$TMPD/dA.json"
printf '{"schema": 1, "containers": [{"name": "sp", "ips": ["10.200.6.1"], "dev": "%s",
  "default": "drop", "rules": ["allow proto tcp dport 80"]}]}\n' dB > "$TMPD/dB.json"
spoofs() { rxl_cli -j stats sp | jq -e '.containers[0].spoof.packets'; }
on_dev() { rxl_ns tc filter show dev "$1" ingress | grep -q rxlane_tc; }
# enforced_on_dA WHAT: dA is bound to sp and checked.
enforced_on_dA() {
	local s0 s1

	rxl_cli container list | grep -q "^sp .*dev dA" ||
		rxl_fail "$1: the listing lost dev dA: $(rxl_cli container list)"
	on_dev dA || rxl_fail "$1: no anti-spoofing check on dA"
	on_dev dB && rxl_fail "$1: an anti-spoofing check was left on dB"
	ip netns exec "$SA" ping -c 1 -W 2 -I 10.200.6.1 10.200.6.254 >/dev/null ||
		rxl_fail "$1: sp's own address refused on dA"
	s0=$(spoofs) || rxl_fail "$1: stats -j sp"
	ip netns exec "$SA" ping -c 1 -W 0.5 -I 10.200.6.99 10.200.6.254 >/dev/null &&
		rxl_fail "$1: a spoofed source passed dA (dA no longer bound to sp)"
	s1=$(spoofs)
	[ "$s1" -gt "$s0" ] ||
		rxl_fail "$1: the spoofed ping was not counted as spoof ($s0 -> $s1)"
}
# walk_dev_change WHAT ARGS...: 'rxlane ARGS' from dA.json's state, failing
# at each of its map updates; dA enforced after each failure.
walk_dev_change() {
	local what=$1 n k out failed=0

	shift
	rxl_cli policy apply "$TMPD/dA.json" >/dev/null || rxl_fail "policy apply dA.json"
	enforced_on_dA "dA.json applied"
	n=$(cli_count "$@")
	for ((k = 1; k <= n; k++)); do
		rxl_cli policy apply "$TMPD/dA.json" >/dev/null ||
			rxl_fail "policy apply dA.json (before update $k)"
		cli_failing_at "$k" "$@" && continue
		grep -q "the change is made" "$TMPD/out" && continue
		failed=$((failed + 1))
		enforced_on_dA "$what with update $k of $n failing ($(head -c 200 "$TMPD/out"))"
		out=$(rxl_cli check 2>&1) ||
			rxl_fail "$what with update $k of $n failing: rxlane check: $out"
	done
	[ "$failed" -gt 0 ] || rxl_fail "$what: no failure of its $n updates was refused"
	rxl_ok "$what: dA bound and enforced after each of $failed failed updates (of $n)"
}
walk_dev_change "policy apply moving sp to dB" policy apply "$TMPD/dB.json"
walk_dev_change "container set sp mac (not eA's)" container set sp mac 02:00:00:00:00:99
rxl_cli container del sp >/dev/null || rxl_fail "container del sp"
on_dev dA && rxl_fail "container del sp left the check on dA"
rxl_ok "the host-side device keeps its binding through failed changes"

# ---- 'check --repair' of a host-side device made again ---------------------
# sp is bound to dA; dA (and its peer eA) is deleted and made again under
# its name, as a runtime restarting the container does: a new ifindex.
# 'check' reports it; 'check --repair' rebinds sp to the new dA. That
# repair fails at each of its map updates, and is killed (SIGKILL) after
# each, in turn. After each: the new dA is either bound (check clean) or
# not (check still reports it made again, exit 1), never half bound; a
# second 'check --repair' (after the next command, for a kill) then
# finishes it, and dA is enforced: sp's own address passes, a spoofed one
# is dropped and counted. Before the second repair, 'check' finds the fast
# path as the records say: a repair that failed part way stops repairing
# (before, it went on from its stale picture of sp and set sp's redirect
# back to none while the record named the new dA).
remake_dA() {
	ip -n "$RXL_NS" link del dA || rxl_fail "deleting dA"
	ip -n "$RXL_NS" link add dA type veth peer name eA netns "$SA" ||
		rxl_fail "veth dA made again"
	rxl_ns_addrs "$RXL_NS" dA 10.200.6.254/24
	rxl_ns_addrs "$SA" eA 10.200.6.1/24 10.200.6.99/24
	ip -n "$RXL_NS" link set dA up && ip -n "$SA" link set eA up ||
		rxl_fail "link up dA/eA made again"
	ip -n "$SA" neigh add 10.200.6.254 lladdr "$(mac_of "$RXL_NS" dA)" dev eA
	ip -n "$RXL_NS" neigh add 10.200.6.1 lladdr "$(mac_of "$SA" eA)" dev dA
	ip -n "$RXL_NS" neigh add 10.200.6.99 lladdr "$(mac_of "$SA" eA)" dev dA
}
# repair_setup: sp bound to a dA that is gone, a new dA in its place.
repair_setup() {
	local out

	rxl_cli container del sp >/dev/null 2>&1
	rxl_cli policy apply "$TMPD/dA.json" >/dev/null || rxl_fail "policy apply dA.json"
	remake_dA
	out=$(rxl_cli check 2>&1) && rxl_fail "check after dA was made again found nothing"
	case $out in
	*"dA is ifindex"*"made again"*) ;;
	*) rxl_fail "check after dA was made again: '$out'" ;;
	esac
}
# repair_after WHAT: the half-way state is whole (bound, or reported), then
# a second repair finishes it.
repair_after() {
	local what=$1 out rc

	# A move that stopped half way is pending, and the fast path is
	# what the records say (not half undone by a repair from a stale
	# picture). Not moved at all, the state before: dA made again.
	out=$(rxl_cli check 2>&1)
	case $out in
	*pending*differs*|*differs*pending*)
		rxl_fail "$what: the move is pending and the fast path differs from the records: '$out'" ;;
	esac
	if grep -q "the change is made" "$TMPD/out"; then
		# Said so: the next command finishes it.
		rxl_cli container add ptmp ip 10.200.9.7 >/dev/null &&
			rxl_cli container del ptmp >/dev/null ||
			rxl_fail "$what: the next command failed"
	fi
	out=$(rxl_cli check 2>&1)
	rc=$?
	if [ $rc = 0 ]; then
		enforced_on_dA "$what: repaired"
	else
		case $out in
		*"dA is ifindex"*"made again"*) ;;
		*) rxl_fail "$what: check: '$out'" ;;
		esac
		# Not bound yet, not half bound: no check on the new dA.
		on_dev dA && rxl_fail "$what: the check is on the new dA, but check says it is not bound"
		out=$(rxl_cli check --repair 2>&1) ||
			rxl_fail "$what: a second check --repair failed: $out"
	fi
	out=$(rxl_cli check 2>&1) || rxl_fail "$what, then check --repair: rxlane check: $out"
	enforced_on_dA "$what, then check --repair"
}
repair_setup
n=$(cli_count check --repair)
[ "$n" -gt 0 ] || rxl_fail "check --repair of dA made again changed no map"
enforced_on_dA "check --repair of dA made again"
for ((k = 1; k <= n; k++)); do
	repair_setup
	cli_failing_at "$k" check --repair
	repair_after "check --repair with update $k of $n failing (exit $?: $(head -c 200 "$TMPD/out"))"
	repair_setup
	rxl_shim_run RXLANE_CRASH_AT="$k" -- check --repair >"$TMPD/out" 2>&1
	rxl_cli container add ptmp ip 10.200.9.7 >/dev/null &&
		rxl_cli container del ptmp >/dev/null ||
		rxl_fail "check --repair killed at update $k of $n: the next command failed"
	repair_after "check --repair killed at update $k of $n, then the next command"
done
rxl_cli container del sp >/dev/null || rxl_fail "container del sp"
on_dev dA && rxl_fail "container del sp left the check on the new dA"
rxl_ok "check --repair of a host-side device made again: failed or killed at each of its $n map updates, whole, finished by the next repair"

# ---- a container's own interface after a failed change (check 2) ----------
# Container 'pt' is bound by its interface in namespace PN ('port IF netns
# PATH'): eP, or eQ (veths whose peers pP, pQ are in $RXL_NS). 'container
# add ... port', 'container set ... port' (from none, and from eP to eQ)
# and 'container set ... port none' fail at each of their map updates,
# and at each tc attach (crash_at.so's RXLANE_FAIL_TC_AT), in turn. After
# each failure (and the next command, when the change said it was made),
# the listing, the bindings (rxl_ports, rxl_cont_port) and the tc filters
# in PN are all the state before the command (or all the state after),
# with nothing half bound; on eP a spoofed ping is dropped and counted as
# pt's spoof whenever pt is bound by eP; 'rxlane check' finds nothing.
# A move from eP to eQ whose check on eQ is refused never detached eP's
# (crash_at.so's RXLANE_TC_TRACE: the new place is attached first).
# Then each is killed after each of its map updates: after the next
# command, the same holds of the state before or the state after.
PN=rxl-fpn-$RXL_ID
PNS=/run/netns/$PN
rxl_netns "$PN"
ip -n "$RXL_NS" link add pP type veth peer name eP netns "$PN" || rxl_fail "veth eP"
ip -n "$RXL_NS" link add pQ type veth peer name eQ netns "$PN" || rxl_fail "veth eQ"
rxl_ns_addrs "$RXL_NS" pP 10.200.5.254/24
rxl_ns_addrs "$PN" eP 10.200.5.1/24 10.200.5.99/24
rxl_ns_addrs "$RXL_NS" pQ 10.200.4.254/24
rxl_ns_addrs "$PN" eQ 10.200.4.1/24
for l in "$RXL_NS pP" "$RXL_NS pQ" "$PN eP" "$PN eQ"; do
	set -- $l
	ip -n "$1" link set "$2" up || rxl_fail "link up $2"
done
ip -n "$PN" neigh add 10.200.5.254 lladdr "$(mac_of "$RXL_NS" pP)" dev eP
ip -n "$RXL_NS" neigh add 10.200.5.1 lladdr "$(mac_of "$PN" eP)" dev pP
ip -n "$RXL_NS" neigh add 10.200.5.99 lladdr "$(mac_of "$PN" eP)" dev pP
IDX_P=$(ip -n "$PN" -j link show eP | jq -r '.[0].ifindex')
IDX_Q=$(ip -n "$PN" -j link show eQ | jq -r '.[0].ifindex')
PN_INO=$(stat -L -c %i "$PNS")
pt_spoofs() { rxl_cli -j stats pt | jq -e '.containers[0].spoof.packets'; }
# dev_keys: the device bindings in rxl_ports, "IFINDEX:ID" sorted.
dev_keys() {
	bpftool -j map dump pinned "$RXLANE_PIN_DIR/rxl_ports" |
		jq -r '[.[] | select(.formatted.key.ifindex != 0) |
			"\(.formatted.key.ifindex):\(.formatted.value.id)"] |
			sort | join(" ")'
}
# port_setup STATE: absent (no pt), none (pt without a port), eP or eQ.
port_setup() {
	rxl_cli container del pt >/dev/null 2>&1
	case $1 in
	absent) ;;
	none) rxl_cli container add pt ip 10.200.5.1 >/dev/null ;;
	*) rxl_cli container add pt ip 10.200.5.1 port "$1" netns "$PNS" >/dev/null ;;
	esac || rxl_fail "setting up pt: $1"
}
# port_state STATE WHAT: the listing, the bindings, the filters and the
# packets are STATE's, all of them.
port_state() {
	local want=$1 what=$2 doc l id keys exp ck s0 s1

	doc=$(rxl_cli -j container show pt 2>/dev/null)
	if [ "$want" = absent ]; then
		[ -z "$doc" ] || rxl_fail "$what: pt is listed: $doc"
		id=
	else
		l=$(echo "$doc" | jq -r '.container.port // "none"')
		[ "$l" = "$want" ] || rxl_fail "$what: pt is listed with port $l, not $want"
		id=$(echo "$doc" | jq -e .container.id) || rxl_fail "$what: pt's id"
	fi
	keys=$(dev_keys)
	case $want in
	eP) exp="$IDX_P:$id" ;;
	eQ) exp="$IDX_Q:$id" ;;
	*) exp= ;;
	esac
	[ "$keys" = "$exp" ] ||
		rxl_fail "$what: device bindings in rxl_ports '$keys', not '$exp' (half bound)"
	if [ -n "$id" ]; then
		ck=$(bpftool -j map lookup pinned "$RXLANE_PIN_DIR/rxl_cont_port" \
			key $((id & 255)) $((id >> 8 & 255)) 0 0 |
			jq -r '.formatted.value.ifindex')
		case $want in eP) exp=$IDX_P ;; eQ) exp=$IDX_Q ;; *) exp=0 ;; esac
		[ "$ck" = "$exp" ] ||
			rxl_fail "$what: rxl_cont_port of pt names ifindex $ck, not $exp"
	fi
	rxl_port_only "$PN" "$want" "$what" eP eQ
	[ "$want" = eP ] || return 0
	ip netns exec "$PN" ping -c 1 -W 2 -I 10.200.5.1 10.200.5.254 >/dev/null ||
		rxl_fail "$what: pt's own address refused on eP"
	s0=$(pt_spoofs) || rxl_fail "$what: stats -j pt"
	ip netns exec "$PN" ping -c 1 -W 0.5 -I 10.200.5.99 10.200.5.254 >/dev/null 2>&1 &&
		rxl_fail "$what: a spoofed source passed eP (eP no longer pt's)"
	s1=$(pt_spoofs)
	[ "$s1" -gt "$s0" ] ||
		rxl_fail "$what: the spoofed ping was not counted as pt's spoof ($s0 -> $s1)"
}
cli_tc_count() {
	rxl_shim_run RXLANE_TC_COUNT="$TMPD/tcc" -- "$@" >/dev/null ||
		rxl_fail "'rxlane $*' failed with nothing failing"
	cat "$TMPD/tcc"
}
# port_after WHAT FROM TO: after a failed command (its output in
# $TMPD/out, its exit status $1), the state before or, when it went
# through or said the change is made (finished by the next command), after.
port_after() {
	local rc=$1 what=$2 from=$3 to=$4 out

	if [ "$rc" = 0 ]; then
		port_state "$to" "$what (exit 0)"
	elif grep -q "the change is made" "$TMPD/out"; then
		rxl_cli container add ptmp ip 10.200.9.7 >/dev/null &&
			rxl_cli container del ptmp >/dev/null ||
			rxl_fail "$what: the next command failed"
		port_state "$to" "$what (the change is made), then the next command"
	else
		port_state "$from" "$what ($(head -c 200 "$TMPD/out"))"
	fi
	out=$(rxl_cli check 2>&1) || rxl_fail "$what: rxlane check: $out"
}
# walk_port_change FROM TO ARGS...: 'rxlane ARGS' from state FROM, each of
# its map updates and tc attaches failing in turn.
walk_port_change() {
	local from=$1 to=$2 n t k rc got out failed=0

	shift 2
	port_setup "$from"
	port_state "$from" "'$*': before"
	n=$(cli_count "$@")
	port_state "$to" "'$*': after"
	port_setup "$from"
	t=$(cli_tc_count "$@")
	for ((k = 1; k <= n; k++)); do
		port_setup "$from"
		cli_failing_at "$k" "$@"
		rc=$?
		[ $rc = 0 ] || failed=$((failed + 1))
		port_after $rc "'$*' with update $k of $n failing" "$from" "$to"
	done
	for ((k = 1; k <= t; k++)); do
		port_setup "$from"
		rm -f "$TMPD/tct"
		rxl_shim_run RXLANE_FAIL_TC_AT="$k" RXLANE_TC_TRACE="$TMPD/tct" \
			-- "$@" >"$TMPD/out" 2>&1
		rc=$?
		[ $rc != 0 ] || rxl_fail "'$*' with tc attach $k of $t failing exited 0"
		failed=$((failed + 1))
		port_after $rc "'$*' with tc attach $k of $t failing" "$from" "$to"
		# A move whose new check is refused never took the old one
		# away, not even for a moment: no detach on the old port.
		case $from in eP|eQ)
			[ "$from" = eP ] && got=$IDX_P || got=$IDX_Q
			! grep -q "^detach $PN_INO $got out" "$TMPD/tct" ||
				rxl_fail "'$*' with tc attach $k of $t failing: the check on $from was detached while the move failed: $(tr '\n' ';' < "$TMPD/tct")"
		esac
	done
	[ "$failed" -gt 0 ] || rxl_fail "'$*': no failure of its $n updates and $t attaches was refused"
	rxl_ok "'$*' ($from -> $to): the state before or after, nothing half bound, check clean, after each of $failed failures ($n map updates, $t tc attaches)"
	# SIGKILL after each map update: after the next command (which
	# finishes an interrupted change), the state before or after, whole.
	for ((k = 1; k <= n; k++)); do
		port_setup "$from"
		rxl_shim_run RXLANE_CRASH_AT="$k" -- "$@" >/dev/null 2>&1
		rxl_cli container add ptmp ip 10.200.9.7 >/dev/null &&
			rxl_cli container del ptmp >/dev/null ||
			rxl_fail "'$*' killed at update $k of $n: the next command failed"
		got=$(rxl_cli -j container show pt 2>/dev/null |
			jq -r '.container.port // "none"')
		[ -n "$got" ] || got=absent
		[ "$got" = "$from" ] || [ "$got" = "$to" ] ||
			rxl_fail "'$*' killed at update $k of $n: pt is listed with port $got"
		port_state "$got" "'$*' killed at update $k of $n, then the next command"
		out=$(rxl_cli check 2>&1) ||
			rxl_fail "'$*' killed at update $k of $n, then the next command: rxlane check: $out"
	done
	rxl_ok "'$*' killed at each of its $n map updates: after the next command, the state before or after, whole; check clean"
}
walk_port_change absent eP container add pt ip 10.200.5.1 port eP netns "$PNS"
walk_port_change none eP container set pt port eP netns "$PNS"
walk_port_change eP eQ container set pt port eQ netns "$PNS"
walk_port_change eP none container set pt port none
rxl_cli container del pt >/dev/null || rxl_fail "container del pt"
port_state absent "container del pt"
rxl_ok "a container's own interface keeps its binding and check through failed changes"
