#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rxlane-cni killed in the middle of an ADD (Documentation/cni.rst, "A
# killed ADD"). crash_at.so (LD_PRELOAD, as cli_crash.sh uses it for the
# CLI) SIGKILLs the plugin right after its N-th map change, for every N of
# an ADD: the first one (which loads and pins the programs and attaches
# the uplink 'device') and one beside a container already present (the
# programs pinned). After each kill the runtime's DEL must succeed and
# leave nothing of the container (no container, record, rule, XDP or tc
# filter on its interface or on the uplink, no program pin when it was the
# only one), the other container untouched; then a new ADD of the same
# container works and its DEL cleans up. Then a program of another
# object pinned as cni_xdp (a stale pin, as after an upgrade) is replaced
# by the next ADD, never attached. Last, GC (CNI 1.1) killed after each
# of its map changes: the next GC finishes it.
source "$(dirname "$0")/lib.sh"

CNI=$RXL_TOP/user/rxlane-cni
rxl_init cnikill
[ -x "$CNI" ] || rxl_fail "$CNI not built"
[ -f "$RXL_SHIM" ] || rxl_fail "$RXL_SHIM not built"
command -v jq >/dev/null || { echo "SKIP: needs jq"; exit $ksft_skip; }

SUF=$RANDOM
NET=rxlk$SUF
PIN=$RXLANE_PIN_DIR
UP=upk$SUF
T=$(mktemp -d /tmp/rxl-cnikill.XXXXXX)
cleanup() {
	rm -rf "$T"
	rxl_cleanup
}
trap cleanup EXIT

# mkct N: netns k$N-$SUF with eth0 10.252.0.N/24 (its peer goes with it).
mkct() {
	rxl_netns "k$1-$SUF"
	ip -n "k$1-$SUF" link add eth0 type veth peer name p0 ||
		rxl_fail "veth in k$1-$SUF"
	ip -n "k$1-$SUF" link set eth0 up
	ip -n "k$1-$SUF" link set p0 up
}
mkct 1
mkct 2
# The plugin runs in a netns of its own holding the uplink: an rxlane
# program on a device of the host's netns would be adopted by any other
# test or benchmark that starts with an empty pin directory there
# (cli_bpffs.c, step 3), and its containers would land in our maps.
HOSTNS=kh-$SUF
rxl_netns "$HOSTNS"
ip -n "$HOSTNS" link add "$UP" type veth peer name "$UP"b ||
	rxl_fail "uplink veth"
ip -n "$HOSTNS" link set "$UP" up

# conf N [JQ]: the config container N's ADD gets.
conf() {
	jq -nc --arg pin "$PIN" --arg net "$NET" --arg ns "/run/netns/k$1-$SUF" \
		--arg a "10.252.0.$1/24" \
		'{cniVersion: "1.0.0", name: $net, type: "rxlane-cni", pinDir: $pin,
		  policy: {default: "drop", rules: [range(3) |
			{action: "allow", proto: "tcp", dport: (80 + .)}]},
		  prevResult: {cniVersion: "1.0.0",
			interfaces: [{name: "eth0", sandbox: $ns}],
			ips: [{address: $a, interface: 0}]}} | '"${2:-.}"
}

# cni CMD N [VAR=VALUE...]: the plugin for container N; RC, OUT.
cni() {
	local cmd=$1 n=$2

	shift 2
	OUT=$(env CNI_COMMAND="$cmd" CNI_CONTAINERID="k1ll$n$SUF" \
		CNI_NETNS="/run/netns/k$n-$SUF" CNI_IFNAME=eth0 \
		CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=kpod$n" "$@" \
		nsenter --net="/run/netns/$HOSTNS" "$CNI" \
		< "$T/conf$n" 2>"$T/err")
	RC=$?
}

name_of() { echo "kpod$1-$(echo "k1ll$1$SUF" | cut -c1-12)"; }
has_cont() {
	"$RXL_CLI" -j container list |
		jq -e --arg n "$1" '.containers | any(.name == $n)' >/dev/null
}
# hooks NS DEV: rxlane's XDP and tc egress filters on DEV, as words: a
# container's eth0 (no host-side device) has three, the conntrack's
# rxlane_tc and the anti-spoofing rxlane_tc_port (conntrack.rst, "The port
# check") on its egress.
hooks() {
	ip ${1:+-n "$1"} -d link show dev "$2" 2>/dev/null | grep -o 'prog/xdp'
	tc ${1:+-n "$1"} filter show dev "$2" egress 2>/dev/null |
		grep -o 'name rxlane_tc[a-z_]*'
}

# clean N OTHER WHEN: nothing of container N is left; container OTHER
# (0: none) is intact, and without it no program pin or record is left.
clean() {
	local n=$1 other=$2 when=$3 h

	has_cont "$(name_of "$n")" && rxl_fail "$when: container $(name_of "$n") left"
	h=$(hooks "k$n-$SUF" eth0)
	[ -z "$h" ] || rxl_fail "$when: left on eth0 of k$n-$SUF: $h"
	if [ "$other" = 0 ]; then
		[ "$("$RXL_CLI" -j container list | jq '.containers | length')" = 0 ] ||
			rxl_fail "$when: containers left: $("$RXL_CLI" container list)"
		ls "$PIN" 2>/dev/null | grep -q '^cni_' &&
			rxl_fail "$when: pins left: $(ls "$PIN" | grep '^cni_' | tr '\n' ' ')"
		h=$(hooks "$HOSTNS" "$UP")
		[ -z "$h" ] || rxl_fail "$when: left on uplink $UP: $h"
	else
		has_cont "$(name_of "$other")" ||
			rxl_fail "$when: container $(name_of "$other") is gone"
		[ "$(hooks "k$other-$SUF" eth0 | wc -l)" = 3 ] ||
			rxl_fail "$when: container $other lost its programs"
	fi
	[ "$("$RXL_CLI" -j fw list | jq '[.rules[] | select(.container ==
		"'"$(name_of "$n")"'")] | length')" = 0 ] ||
		rxl_fail "$when: rules of $(name_of "$n") left"
	"$RXL_CLI" check >/dev/null 2>&1 ||
		rxl_fail "$when: rxlane check: $("$RXL_CLI" check 2>&1)"
}

# add_ok N WHEN: a full ADD of container N works and is as configured.
add_ok() {
	cni ADD "$1"
	[ "$RC" = 0 ] || rxl_fail "$2: ADD: exit $RC: $OUT $(cat "$T/err")"
	has_cont "$(name_of "$1")" || rxl_fail "$2: ADD made no container"
	[ "$(hooks "k$1-$SUF" eth0 | wc -l)" = 3 ] ||
		rxl_fail "$2: ADD: eth0 of k$1-$SUF has not XDP, tc and the port check: $(hooks "k$1-$SUF" eth0)"
}
del_ok() {
	cni DEL "$1"
	[ "$RC" = 0 ] || rxl_fail "$2: DEL: exit $RC: $OUT $(cat "$T/err")"
}

# walk N OTHER WHAT: count the map changes of ADD N, then kill it after
# each one in turn; DEL, check, ADD again, DEL.
walk() {
	local n=$1 other=$2 what=$3 calls k

	cni ADD "$n" LD_PRELOAD="$RXL_SHIM" RXLANE_CRASH_SYSCALL=1 RXLANE_CRASH_COUNT="$T/count"
	[ "$RC" = 0 ] || rxl_fail "$what: counted ADD: exit $RC: $OUT"
	calls=$(cat "$T/count")
	del_ok "$n" "$what: counted ADD"
	clean "$n" "$other" "$what: after the counted ADD's DEL"
	[ "$calls" -ge 3 ] || rxl_fail "$what: an ADD makes only $calls map changes"
	for k in $(seq 1 $((calls - 1))); do
		cni ADD "$n" LD_PRELOAD="$RXL_SHIM" RXLANE_CRASH_SYSCALL=1 RXLANE_CRASH_AT="$k"
		[ "$RC" = 137 ] ||
			rxl_fail "$what: ADD killed at change $k/$calls: exit $RC, not SIGKILL"
		[ -z "$OUT" ] || rxl_fail "$what: killed ADD printed '$OUT'"
		del_ok "$n" "$what: kill at $k/$calls"
		clean "$n" "$other" "$what: DEL after a kill at change $k/$calls"
		del_ok "$n" "$what: second DEL after a kill at $k/$calls"
		add_ok "$n" "$what: ADD after a kill at $k/$calls"
		del_ok "$n" "$what: after a kill at $k/$calls"
	done
	# The last ADD after a kill, deleted (once: a loaded machine's 600 s).
	clean "$n" "$other" "$what: the last ADD after a kill, deleted"
	rxl_ok "$what: killed after each of its $((calls - 1)) first map changes: DEL succeeded and left nothing, a new ADD worked"
}

conf 1 | jq -c --arg up "$UP" '.device = $up' > "$T/conf1"
conf 2 > "$T/conf2"
walk 1 0 "first ADD (programs pinned, uplink attached)"

# Beside container 2: the programs are pinned; a kill must not touch it.
add_ok 2 "container 2"
conf 1 > "$T/conf1"
walk 1 2 "ADD beside another container"

# A stale pin (another build's program, as after an upgrade) is replaced,
# never attached: an XDP program of another object pinned as cni_xdp.
FAKE=$T/fake.o
printf '%s\n' '__attribute__((section("xdp"), used)) int fake_xdp(void *c) { return 2; }' \
	'char _license[] __attribute__((section("license"), used)) = "GPL";' > "$T/fake.c"
clang -O2 -target bpf -c "$T/fake.c" -o "$FAKE" || rxl_fail "cannot build $FAKE"
rm -f "$PIN/cni_xdp"
bpftool prog load "$FAKE" "$PIN/cni_xdp" type xdp ||
	rxl_fail "cannot pin $FAKE as cni_xdp"
fake=$(bpftool -j prog show pinned "$PIN/cni_xdp" | jq .id)
add_ok 1 "ADD over a stale cni_xdp"
grep -q "cni_xdp was pinned by another build" "$T/err" ||
	rxl_fail "ADD over a stale cni_xdp did not say it replaced it: $(cat "$T/err")"
now=$(bpftool -j prog show pinned "$PIN/cni_xdp" | jq .id)
on=$(ip -n "k1-$SUF" -j -d link show dev eth0 | jq '.[0].xdp.prog.id')
[ "$now" != "$fake" ] && [ "$on" = "$now" ] ||
	rxl_fail "stale cni_xdp (program $fake): pinned now $now, on eth0 $on"
bpftool -j prog show id "$on" | jq -e '.name == "rxlane_xdp"' >/dev/null ||
	rxl_fail "eth0 of k1-$SUF runs $(bpftool prog show id "$on")"
del_ok 1 "container 1 after the stale pin"
rxl_ok "a stale cni_xdp pin (program $fake of another object) replaced by rxlane's ($now), never attached"

# ---- a killed GC ------------------------------------------------------------
# GC (1.1.0, as libcni 1.2 calls it) with only container 2 valid removes
# container 1 (and its programs: its namespace still exists). Killed after
# each of its map changes in turn, the next GC finishes the job: container
# 1 gone, container 2 intact, rxlane check clean.
gc_run() {
	OUT=$(jq -nc --arg pin "$PIN" --arg net "$NET" --arg k "k1ll2$SUF" \
		'{cniVersion: "1.1.0", name: $net, type: "rxlane-cni", pinDir: $pin,
		  "cni.dev/valid-attachments": [{containerID: $k, ifname: "eth0"}]}' |
		env -i CNI_COMMAND=GC CNI_PATH=/usr/lib/cni PATH="$PATH" "$@" \
		nsenter --net="/run/netns/$HOSTNS" "$CNI" 2>"$T/err")
	RC=$?
}
add_ok 1 "GC walk: container 1"
gc_run LD_PRELOAD="$RXL_SHIM" RXLANE_CRASH_SYSCALL=1 RXLANE_CRASH_COUNT="$T/count"
[ "$RC" = 0 ] || rxl_fail "counted GC: exit $RC: $OUT $(cat "$T/err")"
calls=$(cat "$T/count")
clean 1 2 "after the counted GC"
[ "$calls" -ge 3 ] || rxl_fail "a GC of one container makes only $calls map changes"
for k in $(seq 1 $((calls - 1))); do
	add_ok 1 "GC walk: ADD before a kill at $k/$calls"
	gc_run LD_PRELOAD="$RXL_SHIM" RXLANE_CRASH_SYSCALL=1 RXLANE_CRASH_AT="$k"
	[ "$RC" = 137 ] || rxl_fail "GC killed at change $k/$calls: exit $RC, not SIGKILL"
	gc_run
	[ "$RC" = 0 ] || rxl_fail "GC after a kill at $k/$calls: exit $RC: $OUT $(cat "$T/err")"
	clean 1 2 "GC after a kill at change $k/$calls"
done
rxl_ok "GC killed after each of its $((calls - 1)) first map changes: the next GC finished it, container 2 intact"

del_ok 2 "container 2"
clean 2 0 "the last DEL"
rxl_ok "the last DEL removed the program pins"
exit 0
