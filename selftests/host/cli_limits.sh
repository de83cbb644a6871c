#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Maps sized at load, and a detach that removes only rxlane's program
# (issue 13, "Works where users run it"):
#  - a default attach allocates small per-CPU rule counters (bpf map info:
#    max_entries x value size), and status says the limit and the memory;
#  - 'attach DEV max-rules 1000' sizes the rule maps for 1000 rules: rule
#    1001 is refused by every path (fw add appended in place, fw add judged
#    first, policy apply) with a message naming the limit, and leaves the
#    records and the fast path's rule keys as they were; a deleted rule
#    makes room again;
#  - the sized maps are not "foreign" to a second attach or to the other
#    commands, a different max-rules on the same pins is refused, and a
#    rule counter map of another layout still is;
#  - 'ip link set ... xdp obj' over maps of another max-containers is
#    refused (by libbpf), with nothing loaded or pinned;
#  - 'rxlane detach' leaves another loader's program: one attached after
#    rxlane's attach and detach, and one that replaces rxlane's between
#    detach's check and its detach (gdb stops the CLI right there:
#    XDP_FLAGS_REPLACE with the checked program as the expected one).
set -u
. "$(dirname "$0")/lib.sh"
rxl_init limits
NS=rxl-lim-$RXL_ID
rxl_veth_ns "$NS"
ip -n "$NS" link add v2 type veth peer name v3 || rxl_fail "veth v2"
ip -n "$NS" link set v2 up
ip -n "$NS" link set v3 up
PD=$RXLANE_PIN_DIR
WORK=$(mktemp -d /tmp/rxl-limits.XXXXXX)
trap 'rm -rf "$WORK"; rxl_cleanup' EXIT
XDPDUMP=/usr/lib/$(gcc -dumpmachine)/bpf/xdpdump_xdp.o

cli() { rxl_in "$NS" "$@" || rxl_fail "rxlane $*"; }
# quiet ARGS...: rxlane ARGS with its output kept, and shown when it fails
# (a 'cli ... >/dev/null' would send rxl_fail's message there too).
quiet() {
	local out

	out=$(rxl_in "$NS" "$@" 2>&1) || rxl_fail "rxlane $*: $out"
}
# entries DIR NAME: max_entries and value size of a pinned map.
entries() {
	bpftool -j map show pinned "$1/$2" |
		jq -r '"\(.max_entries) \(.bytes_value)"'
}
# keys DIR: rule keys in the fast path (both families).
keys() {
	echo $(( $(bpftool -j map dump pinned "$1/rxl_rules4" | jq length) +
		 $(bpftool -j map dump pinned "$1/rxl_rules6" | jq length) ))
}

# ---- default: small ------------------------------------------------------
DEF=$RXL_BPFFS/default
RXLANE_PIN_DIR=$DEF rxl_in "$NS" attach v2 mode generic ||
	rxl_fail "default attach"
read -r n v <<< "$(entries "$DEF" rxl_rule_cnt)"
[ $((n * v)) -le $((1 << 20)) ] ||
	rxl_fail "default rule counters: $n x $v bytes per CPU, want at most 1 MiB"
st=$(RXLANE_PIN_DIR=$DEF rxl_in "$NS" -j status) || rxl_fail "status"
[ "$(echo "$st" | jq .max_rules)" = 8192 ] ||
	rxl_fail "default status: max_rules $(echo "$st" | jq .max_rules), want 8192"
pcb=$(echo "$st" | jq .percpu_bytes)
[ "$pcb" -ge $((n * v)) ] && [ "$pcb" -le $((1 << 20)) ] ||
	rxl_fail "default status: percpu_bytes $pcb (rule counters $((n * v)))"
RXLANE_PIN_DIR=$DEF rxl_in "$NS" detach v2 || rxl_fail "detach v2"
rxl_ok "default attach: rule counters $n x $v B, $pcb B per CPU in all"

# ---- max-rules 1000 --------------------------------------------------------
cli attach v0 max-rules 1000
read -r n v <<< "$(entries "$PD" rxl_rule_cnt)"
[ "$n" = 2000 ] || rxl_fail "max-rules 1000: rxl_rule_cnt has $n entries, want 2000"
for m in rxl_rules4 rxl_rules6; do
	read -r k _ <<< "$(entries "$PD" $m)"
	[ "$k" = 2000 ] || rxl_fail "max-rules 1000: $m has $k entries, want 2000"
done
out=$(cli status)
echo "$out" | grep -q "^max-rules 1000 max-containers 4096 counters [0-9.]* KiB per CPU$" ||
	rxl_fail "status text: $out"
st=$(cli -j status)
[ "$(echo "$st" | jq .max_rules)" = 1000 ] || rxl_fail "status -j: $st"
[ "$(echo "$st" | jq .percpu_bytes)" -ge $((2000 * 16)) ] ||
	rxl_fail "status -j percpu_bytes: $st"
rxl_ok "attach max-rules 1000: rule maps of 2000 entries, status says so"

# policy FILE N: container web with N rules, one /32 source each.
policy() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
path, n = sys.argv[1], int(sys.argv[2])
rules = ["allow proto tcp from 10.1.%d.%d/32 dport 80" % (i >> 8, i & 255)
         for i in range(n)]
json.dump({"schema": 1, "containers": [
    {"name": "web", "ips": ["10.200.0.2"], "rules": rules}]}, open(path, "w"))
EOF
}
policy "$WORK/full.json" 1000
policy "$WORK/over.json" 1001
quiet policy apply "$WORK/full.json"
[ "$(cli -j fw list web | jq '.rules | length')" = 1000 ] ||
	rxl_fail "1000 rules not all there"
cli container add db ip 10.200.0.3

FULL=$(rxl_state "$NS")
KEYS=$(keys "$PD")
# over WHAT ARGS...: refused, naming the limit; nothing changed.
over() {
	local what=$1 err rc

	shift
	err=$(rxl_in "$NS" "$@" 2>&1 >/dev/null)
	rc=$?
	[ $rc -eq 1 ] || rxl_fail "$what: exit $rc, want 1 ($err)"
	case "$err" in
	*"max-rules 1000"*) ;;
	*) rxl_fail "$what: message '$err' does not name max-rules 1000" ;;
	esac
	[ "$(rxl_state "$NS")" = "$FULL" ] || rxl_fail "$what changed the records"
	[ "$(keys "$PD")" = "$KEYS" ] || rxl_fail "$what changed the rule keys"
	rxl_ok "$what refused: $err"
}
over "rule 1001 appended" fw add web allow proto tcp from 10.9.0.0/16 dport 80
over "rule 1001 judged first" fw add web drop proto udp prio 1
over "rule 1001 in another container" fw add db allow proto tcp dport 22
over "a policy of 1001 rules" policy apply "$WORK/over.json"
cli fw del web handle 1
quiet fw add db allow proto tcp dport 22
rxl_ok "a deleted rule makes room for one more"

# ---- a killed replace at max-rules: the next command finishes it -----------
# The table is full (999 + 1 rules of 1000). A policy that rewrites web's
# 999 rules is killed after each of its map changes in turn; the next
# command must finish (or drop) it although the killed writer's keys, the
# live set and the fresh set it writes (2997) cannot all fit in the 2 x 1000
# rule keys at once, and the fresh set's 999 counter slots are wherever the
# live sets left them free (fw_slots.c: no run of slots is needed).
SHIM=$(dirname "$0")/crash_at.so
[ -f "$SHIM" ] || rxl_fail "crash_at.so not built"
python3 - "$WORK" <<'EOF'
import json, sys
for name, net in (("a", 1), ("b", 2)):
    rules = ["allow proto tcp from 10.%d.%d.%d/32 dport 80" % (net, i >> 8, i & 255)
             for i in range(999)]
    json.dump({"schema": 1, "containers": [
        {"name": "web", "ips": ["10.200.0.2"], "rules": rules},
        {"name": "db", "ips": ["10.200.0.3"],
         "rules": ["allow proto tcp dport 22"]}]},
        open("%s/%s.json" % (sys.argv[1], name), "w"))
EOF
quiet policy apply "$WORK/a.json"
out=$(ip netns exec "$NS" env LD_PRELOAD="$SHIM" RXLANE_CRASH_COUNT="$WORK/count" \
	"$RXL_CLI" policy apply "$WORK/b.json" 2>&1) ||
	rxl_fail "policy apply b.json (not killed): $out"
calls=$(cat "$WORK/count")
[ "$calls" -ge 2 ] || rxl_fail "policy apply b.json made $calls map changes"
# Every other point: the batches of one kind of write are alike.
for k in $(seq 1 2 "$calls"); do
	quiet policy apply "$WORK/a.json"
	{ ip netns exec "$NS" env LD_PRELOAD="$SHIM" RXLANE_CRASH_AT="$k" \
		"$RXL_CLI" policy apply "$WORK/b.json"; } >/dev/null 2>&1
	err=$(rxl_in "$NS" container set db default drop 2>&1) ||
		rxl_fail "killed at map change $k of $calls: the next command failed: $err"
	err=$(rxl_in "$NS" check 2>&1) ||
		rxl_fail "killed at map change $k of $calls: check after the next command: $err"
	cli container set db default allow
done
rxl_ok "a replace of 999 rules killed at every other one of its $calls map changes at max-rules: the next command finished it"

# ---- churn: any set within max-rules fits ----------------------------------
# Replaces of sets of varying sizes interleaved across three containers
# (each step a fresh set: new sources), then web gets max-rules minus the
# others. With counter slots first-fit contiguous (rule_base + rank) this
# sequence leaves no run of 800 free slots beside the live sets and the
# last step was refused "no room for 800 rule counters" below max-rules.
# churn WEB DB APP: a policy of three containers with those counts; a
# container's sources change with its count (a fresh set, not a keep).
churn() {
	python3 - "$WORK/churn.json" "$@" <<'EOF'
import json, sys
def rules(n, c):
    return ["allow proto tcp from 10.%d.%d.%d/32 dport 80" %
            (16 * c + n % 16, i >> 8, i & 255) for i in range(n)]
json.dump({"schema": 1, "containers": [
    {"name": name, "ips": [ip], "rules": rules(int(n), c)}
    for c, (name, ip, n) in enumerate(zip(("web", "db", "app"),
        ("10.200.0.2", "10.200.0.3", "10.200.0.4"), sys.argv[2:5]))]},
    open(sys.argv[1], "w"))
EOF
}
web=0 db=0 app=0 step=0
churn 0 0 0
quiet policy apply "$WORK/churn.json"
for s in web:250 db:100 app:150 web:100 db:300 app:250 web:400 db:150 app:50 \
	 web:800; do
	step=$((step + 1))
	eval "${s%%:*}=${s#*:}"
	churn "$web" "$db" "$app"
	err=$(rxl_in "$NS" policy apply "$WORK/churn.json" 2>&1 >/dev/null) ||
		rxl_fail "churn step $step ($s: web $web db $db app $app, $((web + db + app)) of 1000 rules): $err"
	got=$(cli -j fw list "${s%%:*}" | jq '.rules | length')
	[ "$got" = "${s#*:}" ] ||
		rxl_fail "churn step $step: ${s%%:*} has $got rules, want ${s#*:}"
done
err=$(rxl_in "$NS" check 2>&1) || rxl_fail "check after the churn: $err"
rxl_ok "churn over three containers, then web at 1000 minus the others ($web + $db + $app): fits"

# ---- sized maps are rxlane's; foreign ones are not -------------------------
cli attach v1 mode generic
for dev in v0 v1; do
	id=$(ip -n "$NS" -j -d link show dev $dev | jq '.[0].xdp.prog.id')
	bpftool -j prog show id "$id" | jq -e --argjson m \
		"$(bpftool -j map show pinned "$PD/rxl_rule_cnt" | jq .id)" \
		'.map_ids | index($m)' >/dev/null ||
		rxl_fail "$dev's program does not use the pinned rule counters"
done
cli detach v1
rxl_ok "a second attach reuses the max-rules maps (not refused as foreign)"

BEFORE=$(find "$RXL_BPFFS" | sort)
err=$(rxl_in "$NS" attach v1 max-rules 2000 2>&1)
[ $? -eq 1 ] || rxl_fail "attach max-rules 2000 over maps of 1000 accepted"
case "$err" in
*"hold max-rules 1000, not 2000"*) ;;
*) rxl_fail "attach max-rules 2000 over 1000: '$err'" ;;
esac
[ "$(find "$RXL_BPFFS" | sort)" = "$BEFORE" ] ||
	rxl_fail "the refused attach changed $RXL_BPFFS"
rxl_ok "a different max-rules on the same pins refused: $err"

# A rule counter map of another value size: attach and fw add refuse it.
REAL=$(bpftool -j map show pinned "$PD/rxl_rule_cnt" | jq .id)
rm "$PD/rxl_rule_cnt"
bpftool map create "$PD/rxl_rule_cnt" type percpu_array key 4 value 32 \
	entries 2000 name rxl_rule_cnt || rxl_fail "bpftool map create"
for args in "attach v1" "fw add db allow proto tcp dport 23"; do
	err=$(rxl_in "$NS" $args 2>&1)
	[ $? -eq 1 ] || rxl_fail "$args with a foreign rxl_rule_cnt accepted"
	case "$err" in
	*"$PD/rxl_rule_cnt is not this rxlane's rxl_rule_cnt: value size 32, want 16"*) ;;
	*) rxl_fail "$args with a foreign rxl_rule_cnt: '$err'" ;;
	esac
done
rm "$PD/rxl_rule_cnt"
bpftool map pin id "$REAL" "$PD/rxl_rule_cnt" || rxl_fail "re-pin"
rxl_ok "rxl_rule_cnt of another layout still refused"

# ---- iproute2 over maps of another max-containers: refused by libbpf ------
# Maps made by 'attach ... max-containers 5000' in iproute2's own pin
# directory (TC_BPF_MNT/tc/globals; xdp/globals is the same), under a
# TC_BPF_MNT of this case's own: 'ip link set ... xdp obj' cannot reuse
# them (max_entries differ from the object's 4096), loads nothing and
# leaves the pins as they were. In a netns of its own: an attach to an
# empty pin directory adopts the maps of rxlane programs attached in its
# netns (cli.rst), here v0's.
NSI=rxl-limi-$RXL_ID
rxl_veth_ns "$NSI"
IPM=$RXL_BPFFS/ipr
IPR=$IPM/tc/globals
mkdir -m 0700 "$IPM" "$IPM/tc" "$IPR" || rxl_fail "mkdir $IPR"
TC_BPF_MNT=$IPM RXLANE_PIN_DIR=$IPR rxl_in "$NSI" attach v1 mode generic max-containers 5000 ||
	rxl_fail "attach v1 max-containers 5000 in $IPR"
TC_BPF_MNT=$IPM RXLANE_PIN_DIR=$IPR rxl_in "$NSI" detach v1 ||
	rxl_fail "detach v1"
[ "$(entries "$IPR" rxl_cont_cnt | cut -d' ' -f1)" = 5000 ] ||
	rxl_fail "rxl_cont_cnt in $IPR: $(entries "$IPR" rxl_cont_cnt), want 5000 entries"
# The pins (iproute2 adds its own xdp and ip links to tc beside them).
BEFORE=$(find "$IPR" "$PD" | sort)
err=$(TC_BPF_MNT=$IPM ip -n "$NSI" link set dev v1 xdpgeneric obj "$RXL_OBJ" \
	sec xdp 2>&1) &&
	rxl_fail "ip link set dev v1 xdpgeneric obj over maps of max-containers 5000 accepted: $err"
# libbpf stops at the first map of another size: any map sized by
# max-containers (rxl_conts is the first of them in the object).
case "$err" in
*"reuse pinned map"*"rxl_conts"* | *"reuse pinned map"*"rxl_cont_cnt"*) ;;
*) rxl_fail "ip link ... xdp obj over max-containers 5000: '$err' does not name a map sized by max-containers (rxl_conts, rxl_cont_cnt)" ;;
esac
ip -n "$NSI" -d link show dev v1 | grep -q prog/xdp &&
	rxl_fail "the refused ip link ... xdp obj left a program on v1"
[ "$(find "$IPR" "$PD" | sort)" = "$BEFORE" ] ||
	rxl_fail "the refused ip link ... xdp obj changed the pins: $(diff <(echo "$BEFORE") <(find "$IPR" "$PD" | sort))"
rxl_ok "ip link ... xdp obj over pins of max-containers 5000 refused by libbpf, nothing loaded or pinned: $(echo "$err" | grep -m1 'reuse pinned map')"

# ---- detach removes only rxlane's program ----------------------------------
# (another loader's program: xdp-tools' xdpdump_xdp.o)
detach_cases() {
	prog_of() {
		ip -n "$NS" -j -d link show dev "$1" | jq -r '.[0].xdp.prog.id // empty'
	}
	cli attach v1 mode generic
	cli detach v1
	ip -n "$NS" link set dev v1 xdpgeneric obj "$XDPDUMP" sec xdp ||
		rxl_fail "ip link set dev v1 xdpgeneric obj $XDPDUMP"
	other=$(prog_of v1)
	err=$(rxl_in "$NS" detach v1 2>&1)
	[ $? -eq 1 ] || rxl_fail "detach removed another loader's program"
	[ "$(prog_of v1)" = "$other" ] || rxl_fail "program $other left v1"
	rxl_ok "detach refuses a program attached after rxlane's detach: $err"
	ip -n "$NS" link set dev v1 xdpgeneric off

	if command -v gdb >/dev/null; then
		cli attach v1 mode generic
		ours=$(prog_of v1)
		# Stopped where detach calls the kernel, after every check: another
		# loader replaces rxlane's program, then the CLI goes on.
		out=$(ip netns exec "$NS" gdb -nx -batch \
			-ex 'set breakpoint pending on' -ex 'break bpf_xdp_detach' \
			-ex run \
			-ex "shell ip -force link set dev v1 xdpgeneric obj $XDPDUMP sec xdp" \
			-ex continue -ex 'print $_exitcode' \
			--args "$RXL_CLI" detach v1 2>&1)
		case "$out" in
		*"Breakpoint 1, "*) ;;
		*) rxl_fail "gdb never stopped in bpf_xdp_detach: $out" ;;
		esac
		other=$(prog_of v1)
		[ -n "$other" ] && [ "$other" != "$ours" ] ||
			rxl_fail "race: the other program is gone from v1 (rxlane's was $ours, now '${other}'): $out"
		case "$out" in
		*"is no longer rxlane's program $ours"*"= 1"*) ;;
		*) rxl_fail "race: detach did not refuse with exit 1: $out" ;;
		esac
		ip -n "$NS" link set dev v1 xdpgeneric off
		rxl_ok "a program that replaced rxlane's during detach stays (program $other)"
	else
		rxl_skip_case detach_race "no gdb to stop the CLI inside detach"
	fi
}
if [ -r "$XDPDUMP" ]; then
	detach_cases
else
	rxl_skip_case detach "no $XDPDUMP (xdp-tools): no other loader's program"
fi

echo "PASS: maps sized by max-rules, limit enforced, detach leaves others' programs"
exit 0
