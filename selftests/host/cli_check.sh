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
# It says what it checked: the records, the intent, the fast path's maps.
[ "$out" = "consistent: 1 containers and 1 rule records, the intent record, the fast path's maps ($RXLANE_PIN_DIR)" ] ||
	rxl_fail "check said '$out', want 'consistent: ...' with what it checked"
[ "$(probe $P80 $P22)" = "PASS DROP" ] || rxl_fail "web's verdicts"

# 1. A container in the fast path that no record names.
fwt container 7 10.200.0.7 || rxl_fail "fw_tool container 7"
want_found "container id 7: in the fast path without a record"
# 2. A recorded container whose rules were replaced behind the CLI's back.
fwt rules 0 drop "allow proto tcp dport 81" || rxl_fail "fw_tool rules"
[ "$(probe $P80 $P22)" = "DROP DROP" ] || rxl_fail "fw_tool's rules not live"
want_found "container 'web': rules for source .* judge otherwise in the fast path"
# 3. Keys of a rule set whose writer died before its flip.
# Killed right after its first write of the set's keys (the index's
# writes, fw_index.c, come before it).
n=$(in_ns env LD_PRELOAD="$DIR/crash_at.so" RXLANE_CRASH_TRACE=1 \
	"$DIR/fw_tool" --pinned "$RXLANE_PIN_DIR" rules 7 drop \
	"allow from 198.51.100.0/24" 2>&1 >/dev/null |
	awk '$4 == "rxl_rules4" { print $2; exit }')
[ -n "$n" ] || rxl_fail "fw_tool rules 7 wrote no rule key"
in_ns env LD_PRELOAD="$DIR/crash_at.so" RXLANE_CRASH_AT=$n \
	"$DIR/fw_tool" --pinned "$RXLANE_PIN_DIR" rules 7 drop \
	"allow from 203.0.113.0/24" 2>/dev/null
[ $? -eq 137 ] || rxl_fail "fw_tool was not killed at update $n"
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
[ "${out%%:*}" = consistent ] || rxl_fail "check after --repair said '$out'"
# The records won: web is default drop, allows 80 and (the pending add) 22.
cli fw list web | grep -q "allow proto tcp dport 22" ||
	rxl_fail "the pending rule is not listed: $(cli fw list web)"
[ "$(probe $P80 $P22 192.0.2.9,10.200.0.2,tcp,23 192.0.2.9,10.200.0.7,tcp,80)" = \
	"PASS PASS DROP PASS" ] ||
	rxl_fail "verdicts after --repair: $(probe $P80 $P22 192.0.2.9,10.200.0.2,tcp,23 192.0.2.9,10.200.0.7,tcp,80)"

# want_consistent WHAT: check finds nothing, and web judges as listed.
want_consistent() {
	local out v25=DROP

	out=$(cli check) || rxl_fail "$1: check after --repair: $out"
	[ "${out%%:*}" = consistent ] || rxl_fail "$1: check said '$out'"
	cli fw list web | grep -q "dport 25" && v25=PASS
	[ "$(probe $P80 $P22 192.0.2.9,10.200.0.2,tcp,25)" = "PASS PASS $v25" ] ||
		rxl_fail "$1: web's verdicts after --repair: $(probe $P80 $P22 192.0.2.9,10.200.0.2,tcp,25), want PASS PASS $v25"
}

# 5. An orphan holding a recorded container's address: one --repair
# removes the orphan and puts the container back.
bpftool map delete pinned "$RXLANE_PIN_DIR/rxl_addrs4" key 10 200 0 2 ||
	rxl_fail "deleting web's address behind the CLI's back"
fwt container 9 10.200.0.2 || rxl_fail "fw_tool container 9 on web's address"
want_found "container id 9: in the fast path without a record" \
	"container 'web': not in the fast path"
out=$(cli check --repair) || rxl_fail "one check --repair with an orphan on web's address: $out"
want_consistent "an orphan on web's address"

# 6. A corrupt intent record is named by check, refused by every change
# (which points to check --repair) and cleared by check --repair.
REC=$RXLANE_PIN_DIR/cli_rules
IKEY="0xff 0xff 0xff 0xff 0 0 0 0"
VSZ=$(bpftool -j map show pinned "$REC" | jq .bytes_value)
[ "$VSZ" -gt 4 ] || rxl_fail "cli_rules' value size: '$VSZ'"
# corrupt_intent WHAT PATTERN HEX-BYTES...: the record, then its refusals
corrupt_intent() {
	local what=$1 pat=$2 out

	shift 2
	bpftool map update pinned "$REC" key $IKEY value hex "$@" ||
		rxl_fail "$what: writing the intent record"
	want_found "the intent record (cli_rules key (0xffffffff, 0)) is corrupt: $pat"
	out=$(cli fw add web allow proto tcp dport 26 2>&1) &&
		rxl_fail "$what: fw add ran over a corrupt intent: $out"
	grep -q "intent record .* is corrupt: $pat.*rxlane check --repair" <<<"$out" ||
		rxl_fail "$what: fw add's refusal does not point to check --repair: $out"
	cli fw list web | grep -q "dport 26" && rxl_fail "$what: the refused rule is listed"
	# Not root: each command, a reading one too, names the permission
	# and what rxlane needs, and leaves the record.
	local before args
	before=$(bpftool -j map lookup pinned "$REC" key $IKEY)
	for args in "fw add web allow proto tcp dport 27" "check --repair" \
		    "container list" "check" "fw list" "ct list" "stats"; do
		# shellcheck disable=SC2086 # $args: words
		out=$(in_ns setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$RXL_CLI" $args 2>&1) &&
			rxl_fail "$what: '$args' as nobody succeeded: $out"
		case $out in
		*"Permission denied (rxlane needs root: CAP_BPF, CAP_NET_ADMIN)"* | \
		*"Operation not permitted (rxlane needs root: CAP_BPF, CAP_NET_ADMIN)"*) ;;
		*) rxl_fail "$what: '$args' as nobody: '$out' names no permission or no need" ;;
		esac
	done
	[ "$(bpftool -j map lookup pinned "$REC" key $IKEY)" = "$before" ] ||
		rxl_fail "$what: a command as nobody changed the intent record"
	out=$(cli check --repair) || rxl_fail "$what: check --repair: $out"
	grep -q "intent record .* was corrupt: $pat: repaired" <<<"$out" ||
		rxl_fail "$what: check --repair did not clear the intent: $out"
	want_consistent "$what"
}
corrupt_intent "bad magic" "bad magic 0x12345678" 78 56 34 12 \
	$(printf '00 %.0s' $(seq 5 "$VSZ"))
# A real intent (the CLI killed after its commit), with a byte past it.
in_ns env LD_PRELOAD="$DIR/crash_at.so" RXLANE_CRASH_AT=1 \
	"$RXL_CLI" fw add web allow proto tcp dport 25 >/dev/null 2>&1
[ $? -eq 137 ] || rxl_fail "the CLI was not killed after its commit"
mapfile -t B < <(bpftool -j map lookup pinned "$REC" key $IKEY |
	jq -r '.value[]' | sed 's/^0x//')
[ "${#B[@]}" -eq "$VSZ" ] || rxl_fail "reading the intent: ${#B[@]} bytes"
[ "${B[0]}${B[1]}${B[2]}${B[3]}" = 31697872 ] ||
	rxl_fail "the killed CLI left no intent: ${B[*]:0:4}"
B[VSZ - 1]=01
corrupt_intent "a record longer than an intent" "bytes past the intent's [0-9]*" "${B[@]}"

# 6b. A live container value no address leads to (a container add or del
# killed between the value and its addresses): reported, --repair clears
# it. Made behind the CLI's back: a value of id 77 with one address, the
# address then deleted.
fwt container 77 10.200.0.77 || rxl_fail "fw_tool container 77"
bpftool map delete pinned "$RXLANE_PIN_DIR/rxl_addrs4" key 10 200 0 77 ||
	rxl_fail "deleting 10.200.0.77"
want_found "1 container values in rxl_conts are live with no address leading to them"
out=$(cli check --repair)
grep -q "1 container values in rxl_conts are live with no address leading to them: repaired" <<<"$out" ||
	rxl_fail "check --repair of the unreached value: $out"
out=$(cli check) || rxl_fail "check after the repair of the unreached value: $out"
live=$(bpftool -j map lookup pinned "$RXLANE_PIN_DIR/rxl_conts" key 77 0 0 0 |
	jq -r '.value[0:8] | join(" ")')
[ "$live" = "0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00" ] ||
	rxl_fail "id 77's value is still live (its live word: $live)"

# 6c. Rules from anywhere live in the container value (rxl_conts: the
# TCP/UDP /0 segments, no rule key): web's live value with its IPv4 TCP
# segment taken away behind the CLI's back is reported by that segment
# (rxl_verify_any()), and --repair puts it back.
OFFS=$(mktemp /tmp/rxl-check-offs.XXXXXX)
printf '%s\n' '#include <stddef.h>' '#include <stdio.h>' \
	'#include <linux/types.h>' '#include "rxlane_maps.h"' \
	'int main(void) { printf("%zu %zu\n", sizeof(struct rxl_container),' \
	'offsetof(struct rxl_container, any_mask)); return 0; }' |
	cc -x c -I"$RXL_TOP/include" -o "$OFFS" - ||
	{ rm -f "$OFFS"; rxl_fail "cannot build the layout probe"; }
read -r CSZ MOFF <<<"$("$OFFS")"
rm -f "$OFFS"
WID=$(cli -j container show web | jq .container.id)
WKEY=$(printf '%d %d %d %d' $((WID & 255)) $((WID >> 8 & 255)) \
	$((WID >> 16 & 255)) $((WID >> 24 & 255)))
CONTS=$RXLANE_PIN_DIR/rxl_conts
# shellcheck disable=SC2086 # the key's bytes
mapfile -t B < <(bpftool -j map lookup pinned "$CONTS" key $WKEY |
	jq -r '.value[]' | sed 's/^0x//')
LIVE=$((16#${B[0]}))
[ "$LIVE" -eq 1 ] || [ "$LIVE" -eq 2 ] || rxl_fail "web's value: live word $LIVE"
M=$((8 + (LIVE - 1) * CSZ + MOFF))
[ $((16#${B[M]} & 1)) -eq 1 ] ||
	rxl_fail "web's value holds no IPv4 TCP rule from anywhere (mask ${B[M]})"
B[M]=$(printf '%02x' $((16#${B[M]} & ~1)))
# shellcheck disable=SC2086
bpftool map update pinned "$CONTS" key $WKEY value hex "${B[@]}" ||
	rxl_fail "writing web's value"
[ "$(probe $P80)" = DROP ] || rxl_fail "web's value without its /0 TCP segment still passes port 80"
want_found "container 'web'" "0.0.0.0/0 proto 6"
out=$(cli check --repair) || rxl_fail "check --repair of web's /0 segment: $out"
want_consistent "web's value without its /0 TCP segment"

# 6d. Anti-spoofing bindings (fw_port.c): web bound by its MAC. Its
# binding deleted from rxl_ports behind the CLI's back is reported as
# web's and --repair writes it again; a binding of id 77 (no record) in
# rxl_ports and rxl_cont_port, a MAC that would still check frames in a
# removed container's name, is reported and --repair removes both.
cli container set web mac 02:00:00:00:00:21 >/dev/null ||
	rxl_fail "container set web mac"
out=$(cli check) || rxl_fail "check of web bound by its MAC: $out"
PORTS=$RXLANE_PIN_DIR/rxl_ports
CPORT=$RXLANE_PIN_DIR/rxl_cont_port
WMAC="00 00 00 00 00 00 00 00 02 00 00 00 00 21 00 00"
bpftool map lookup pinned "$PORTS" key hex $WMAC >/dev/null ||
	rxl_fail "web's MAC is not bound"
bpftool map delete pinned "$PORTS" key hex $WMAC ||
	rxl_fail "deleting web's binding"
want_found "container 'web': its anti-spoofing binding (MAC 02:00:00:00:00:21) is missing from rxl_ports or differs"
out=$(cli check --repair) || rxl_fail "check --repair of web's binding: $out"
bpftool map lookup pinned "$PORTS" key hex $WMAC >/dev/null ||
	rxl_fail "--repair did not bind web's MAC again: $out"
want_consistent "web's binding deleted"
OMAC="00 00 00 00 00 00 00 00 02 00 00 00 00 77 00 00"
bpftool map update pinned "$PORTS" key hex $OMAC \
	value hex 4d 00 00 00 02 00 00 00 00 77 01 00 &&
	bpftool map update pinned "$CPORT" key 77 0 0 0 value hex $OMAC ||
	rxl_fail "writing id 77's binding"
want_found "2 anti-spoofing bindings (rxl_ports, rxl_cont_port) belong to no recorded container"
out=$(cli check --repair)
grep -q "2 anti-spoofing bindings (rxl_ports, rxl_cont_port) belong to no recorded container: repaired" <<<"$out" ||
	rxl_fail "check --repair of id 77's binding: $out"
! bpftool map lookup pinned "$PORTS" key hex $OMAC >/dev/null 2>&1 ||
	rxl_fail "id 77's MAC is still bound after --repair"
[ "$(bpftool -j map lookup pinned "$CPORT" key 77 0 0 0 | jq -r '.value | join(" ")')" = \
	"$(printf '0x00 %.0s' $(seq 16) | sed 's/ $//')" ] ||
	rxl_fail "id 77's rxl_cont_port entry is still set after --repair"
bpftool map lookup pinned "$PORTS" key hex $WMAC >/dev/null ||
	rxl_fail "--repair of id 77's binding took web's"
want_consistent "id 77's binding"

# 6e. rxl_config.mac_bound, the count of MAC bindings the tc program reads
# before the pairing check: below the MAC keys (here 0 with web bound) the
# check is skipped and web's spoofs pass; above them every frame pays a
# lookup. Both are reported with the two numbers and --repair recounts.
CONFIG=$RXLANE_PIN_DIR/rxl_config
# set_mac_bound N: rxl_config's bytes with mac_bound (bytes 8-11) = N
set_mac_bound() {
	local b

	mapfile -t b < <(bpftool -j map lookup pinned "$CONFIG" key 0 0 0 0 |
		jq -r '.value[]')
	b[8]=$(($1 & 255)) b[9]=0 b[10]=0 b[11]=0
	bpftool map update pinned "$CONFIG" key 0 0 0 0 value "${b[@]}" ||
		rxl_fail "writing mac_bound $1"
}
mac_bound() {
	bpftool -j map lookup pinned "$CONFIG" key 0 0 0 0 |
		jq -e '.formatted.value.mac_bound'
}
[ "$(mac_bound)" = 1 ] || rxl_fail "mac_bound $(mac_bound) with web bound by its MAC, want 1"
for n in 0 5; do
	set_mac_bound $n
	if [ $n -eq 0 ]; then
		want_found "rxl_config counts 0 MAC bindings, rxl_ports holds 1: the uplink's pairing check is skipped for some"
	else
		want_found "rxl_config counts 5 MAC bindings, rxl_ports holds 1: every frame leaving the uplink pays a lookup for nothing"
	fi
	out=$(cli check --repair)
	grep -q "rxl_config counts $n MAC bindings, rxl_ports holds 1: .*: repaired" <<<"$out" ||
		rxl_fail "check --repair of mac_bound $n: $out"
	[ "$(mac_bound)" = 1 ] || rxl_fail "mac_bound $(mac_bound) after --repair, want 1"
	want_consistent "mac_bound $n with one MAC binding"
done

# 7. Nothing attached: check still reads the records and the intent.
cli detach v0 >/dev/null || rxl_fail "detach v0"
rm -f "$RXLANE_PIN_DIR"/rxl_* || rxl_fail "removing the fast path's pins"
out=$(cli check) || rxl_fail "check with nothing attached: $out"
[ "$out" = "consistent: 1 containers and 3 rule records, the intent record; no fast path maps (nothing attached)" ] ||
	[ "$out" = "consistent: 1 containers and 2 rule records, the intent record; no fast path maps (nothing attached)" ] ||
	rxl_fail "check with nothing attached said '$out'"
bpftool map update pinned "$REC" key $IKEY value hex 78 56 34 12 \
	$(printf '00 %.0s' $(seq 5 "$VSZ")) || rxl_fail "writing the intent record"
want_found "the intent record (cli_rules key (0xffffffff, 0)) is corrupt: bad magic 0x12345678"
out=$(cli check --repair) || rxl_fail "check --repair with nothing attached: $out"
grep -q "was corrupt: bad magic 0x12345678: repaired" <<<"$out" ||
	rxl_fail "check --repair with nothing attached: $out"
rxl_ok "check finds every disagreement and --repair fixes it"
