#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rxlane check [--repair] (issue 13): every kind of disagreement between
# the fast path's maps and the CLI's records is found, one line each, exit
# 1; --repair fixes them all (the records are the truth), after which
# check is silent and the verdicts of probe packets (BPF_PROG_TEST_RUN,
# fp_probe) are the listing's again. The disagreements are made behind
# the CLI's back with fw_tool (user/fw.c alone) and with a CLI killed
# right after its commit (crash_at.so).
set -u
. "$(dirname "$0")/lib.sh"

DIR=$(cd "$(dirname "$0")" && pwd)
for f in fp_probe fw_tool crash_at.so; do
	[ -e "$DIR/$f" ] || rxl_fail "$f not built"
done

rxl_init check
NS=rxl-check-$RXL_ID
rxl_veth_ns "$NS"

in_ns() { nsenter --net=/run/netns/"$NS" "$@"; }
cli() { in_ns "$RXL_CLI" "$@"; }
fwt() { in_ns "$DIR/fw_tool" --pinned "$RXLANE_PIN_DIR" "$@"; }
probe() { in_ns "$DIR/fp_probe" v0 "$@"; }
# check's lines must hold each of the patterns given; exit 1 wanted
want_found() {
	local out p

	out=$(cli check)
	[ $? -eq 1 ] || rxl_fail "check exited 0 with $*: $out"
	for p in "$@"; do
		grep -q -- "$p" <<<"$out" || rxl_fail "check did not say '$p': $out"
	done
}

P80=192.0.2.9,10.200.0.2,tcp,80
P22=192.0.2.9,10.200.0.2,tcp,22
cli attach v0 >/dev/null || rxl_fail "attach v0"
cli container add web ip 10.200.0.2 default drop >/dev/null &&
	cli fw add web allow proto tcp dport 80 >/dev/null ||
	rxl_fail "container web"
out=$(cli check) || rxl_fail "check of a consistent state: $out"
[ "$out" = consistent ] || rxl_fail "check said '$out', want 'consistent'"
[ "$(probe $P80 $P22)" = "PASS DROP" ] || rxl_fail "web's verdicts"

# 1. A container in the fast path that no record names.
fwt container 7 10.200.0.7 || rxl_fail "fw_tool container 7"
want_found "container id 7: in the fast path without a record"
# 2. A recorded container whose rules were replaced behind the CLI's back.
fwt rules 0 drop "allow proto tcp dport 81" || rxl_fail "fw_tool rules"
[ "$(probe $P80 $P22)" = "DROP DROP" ] || rxl_fail "fw_tool's rules not live"
want_found "container 'web': rules for source .* judge otherwise in the fast path"
# 3. Keys of a rule set whose writer died before its flip.
n=$(in_ns env LD_PRELOAD="$DIR/crash_at.so" RXLANE_CRASH_COUNT=/dev/stdout \
	"$DIR/fw_tool" --pinned "$RXLANE_PIN_DIR" rules 7 drop \
	"allow from 198.51.100.0/24" | tail -1)
in_ns env LD_PRELOAD="$DIR/crash_at.so" RXLANE_CRASH_AT=2 \
	"$DIR/fw_tool" --pinned "$RXLANE_PIN_DIR" rules 7 drop \
	"allow from 203.0.113.0/24" 2>/dev/null
[ $? -eq 137 ] || rxl_fail "fw_tool was not killed at update 2 of $n"
want_found "rule keys belong to no container's rule set"
# 4. A CLI killed right after its commit: the change is pending.
in_ns env LD_PRELOAD="$DIR/crash_at.so" RXLANE_CRASH_AT=1 \
	"$RXL_CLI" fw add web allow proto tcp dport 22 >/dev/null 2>&1
[ $? -eq 137 ] || rxl_fail "the CLI was not killed after its commit"
want_found "container 'web': an interrupted change is pending" \
	"container id 7: in the fast path without a record" \
	"rule keys belong to no container's rule set"
# -j: one object per problem, counted.
cli -j check > "$RXL_BPFFS.json"
[ $? -eq 1 ] || rxl_fail "-j check exited $?, want 1"
jq -e '.problem_count >= 3 and .unrepaired_count == .problem_count and
	(.problems | length) == .problem_count' "$RXL_BPFFS.json" >/dev/null ||
	rxl_fail "-j check: $(cat "$RXL_BPFFS.json")"
rm -f "$RXL_BPFFS.json"

# Repair: each problem said once more, as repaired; then nothing.
out=$(cli check --repair) || rxl_fail "check --repair: $out"
grep -q "interrupted change was pending: repaired" <<<"$out" ||
	rxl_fail "repair did not finish the pending change: $out"
grep -q "container id 7: in the fast path without a record: repaired" <<<"$out" ||
	rxl_fail "repair did not remove container 7: $out"
grep -q "rule keys belong to no container's rule set: repaired" <<<"$out" ||
	rxl_fail "repair did not remove the dead keys: $out"
out=$(cli check) || rxl_fail "check after --repair: $out"
[ "$out" = consistent ] || rxl_fail "check after --repair said '$out'"
# The records won: web is default drop, allows 80 and (the pending add) 22.
cli fw list web | grep -q "allow proto tcp dport 22" ||
	rxl_fail "the pending rule is not listed: $(cli fw list web)"
[ "$(probe $P80 $P22 192.0.2.9,10.200.0.2,tcp,23 192.0.2.9,10.200.0.7,tcp,80)" = \
	"PASS PASS DROP PASS" ] ||
	rxl_fail "verdicts after --repair: $(probe $P80 $P22 192.0.2.9,10.200.0.2,tcp,23 192.0.2.9,10.200.0.7,tcp,80)"
rxl_ok "check finds every disagreement and --repair fixes it"
