#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The CLI where users run it, without RXLANE_PIN_DIR (the default
# /sys/fs/bpf/rxlane): under 'ip netns exec' (a fresh /sys each time:
# nothing mounted on /sys/fs/bpf), under 'nsenter --net' in a mount
# namespace with no bpffs, and in fresh mount namespaces ('unshare -m')
# with an empty bpffs. Each later command must find what the earlier ones
# made: the maps of the program attached in the namespace, and the CLI's
# records bound to it (BPF_PROG_BIND_MAP). Traffic proves the verdicts.
#
# The host's own /sys/fs/bpf is never used: 'ip netns exec' has a private
# /sys, and every other command runs in 'unshare -m --propagation private'.
set -u
. "$(dirname "$0")/lib.sh"
rxl_init netns
unset RXLANE_PIN_DIR TC_BPF_MNT
python3 -c "import jsonschema" 2>/dev/null ||
	{ echo "SKIP: no python3-jsonschema"; exit $ksft_skip; }
for t in python3 jq nsenter unshare bpftool mountpoint; do
	command -v "$t" >/dev/null || { echo "SKIP: no $t"; exit $ksft_skip; }
done
HOST_PINS=absent
[ -e /sys/fs/bpf/rxlane ] && HOST_PINS=present

rxl_topo
ip -n "$RXL_R" link add x0 type veth peer name x1 || rxl_fail "veth x0"
ip -n "$RXL_R" link set x0 up
ip -n "$RXL_R" link set x1 up

# ---- 1. ip netns exec: every command in a fresh /sys -----------------------
cli() { rxl_in "$RXL_R" "$@" || rxl_fail "ip netns exec rxlane $*"; }
cli attach r0
ip netns exec "$RXL_R" sh -c 'mountpoint -q /sys/fs/bpf' &&
	rxl_fail "ip netns exec left bpffs mounted on its /sys (not private?)"
cli vtep add 10.0.0.2 type vxlan
cli vni add 100
cli container add web ip 10.200.0.2 vni 100 default drop
[ "$(cli fw add web allow proto tcp dport 80)" = "handle 1" ] ||
	rxl_fail "ip netns exec: fw add web"
cli container list | grep -q "^web id 0 default drop egress-default allow rules 1 " ||
	rxl_fail "ip netns exec: container list: $(cli container list)"
cli fw list web | grep -q "handle 1 .*allow proto tcp dport 80" ||
	rxl_fail "ip netns exec: fw list: $(cli fw list web)"
cli -j stats | jq -e '.containers | map(.name) == ["web"]' >/dev/null ||
	rxl_fail "ip netns exec: -j stats: $(cli -j stats)"
cli status | grep -q "^containers 1 rules 1$" ||
	rxl_fail "ip netns exec: status: $(cli status)"
rxl_tcp_server 80 22 8080
rxl_connect 80 || rxl_fail "ip netns exec: port 80 allowed, not reached"
rxl_cli_refused 22 web default ||
	rxl_fail "ip netns exec: port 22 not refused: $RXL_WHY"
rxl_ok "ip netns exec: attach, then each command finds what the last made"

# A container with a host-side device under 'ip netns exec': its
# anti-spoofing check (a tc program) is loaded over the maps the commands
# before it made, found through the attachment. Before, the load took
# "dev r0" for a pin directory ('cannot load the anti-spoofing tc ingress
# program (maps in dev r0): Invalid argument'), and the maps of
# anti-spoofing, which the XDP program does not use, were not bound to it:
# a later command could not find the bindings or the spoof counters.
SPN=rxl-sp-$RXL_ID
rxl_netns "$SPN"
ip -n "$RXL_R" link add h1 type veth peer name e1 netns "$SPN" || rxl_fail "veth h1"
ip -n "$RXL_R" addr add 10.200.9.254/24 dev h1
ip -n "$SPN" addr add 10.200.9.1/24 dev e1
ip -n "$SPN" addr add 10.200.9.99/24 dev e1
ip -n "$RXL_R" link set h1 up && ip -n "$SPN" link set e1 up || rxl_fail "h1/e1 up"
cli container add sp ip 10.200.9.1 dev h1
ip netns exec "$RXL_R" tc filter show dev h1 ingress | grep -q rxlane_tc_port ||
	rxl_fail "ip netns exec: container add sp dev h1: no check on h1"
sp_spoofs() { cli -j stats sp | jq -e '.containers[0].spoof.packets'; }
s0=$(sp_spoofs) || rxl_fail "ip netns exec: stats sp"
ip netns exec "$SPN" ping -c 1 -W 2 -I 10.200.9.1 10.200.9.254 >/dev/null ||
	rxl_fail "ip netns exec: sp's own address refused on h1"
ip netns exec "$SPN" ping -c 1 -W 0.5 -I 10.200.9.99 10.200.9.254 >/dev/null 2>&1 &&
	rxl_fail "ip netns exec: a spoofed source passed h1"
s1=$(sp_spoofs)
[ "$s1" -gt "$s0" ] ||
	rxl_fail "ip netns exec: the spoofed ping was not counted as sp's spoof ($s0 -> $s1)"
out=$(rxl_in "$RXL_R" check 2>&1) || rxl_fail "ip netns exec: check with sp: $out"
cli container del sp
ip netns exec "$RXL_R" tc filter show dev h1 ingress | grep -q rxlane_tc_port &&
	rxl_fail "ip netns exec: container del sp left the check on h1"
rxl_ok "ip netns exec: a container's host-side device is checked, its spoofs counted, its check removed"

# ---- 2. nsenter --net in a private mount namespace without bpffs -----------
# in_mnt SCRIPT: bash SCRIPT in a new private mount namespace in which
# nothing is mounted on /sys/fs/bpf.
in_mnt() {
	unshare -m --propagation private bash -c '
		while mountpoint -q /sys/fs/bpf; do
			umount -l /sys/fs/bpf || exit 99
		done
		'"$1"
}
export RXL_CLI RXL_R
NX='nsenter --net=/run/netns/$RXL_R $RXL_CLI'
out=$(in_mnt "
	set -e
	$NX container add db ip 10.200.0.3 vni 100
	mountpoint -q /sys/fs/bpf || { echo 'no bpffs mounted'; exit 1; }
	$NX fw add web allow proto tcp dport 8080
	test -e /sys/fs/bpf/rxlane/cli_conts
	$NX container list
	$NX fw list web" 2>&1) ||
	rxl_fail "nsenter --net without bpffs: $out"
echo "$out" | grep -q "^db id 1 " ||
	rxl_fail "nsenter --net: container list: $out"
echo "$out" | grep -q "handle 2 .*allow proto tcp dport 8080" ||
	rxl_fail "nsenter --net: fw list: $out"
# A later nsenter in another mount namespace finds it all again.
out=$(in_mnt "$NX -j container list" 2>&1) ||
	rxl_fail "nsenter --net, second mount namespace: $out"
echo "$out" | jq -e '[.containers[].name] == ["web", "db"]' >/dev/null ||
	rxl_fail "nsenter --net, second mount namespace: $out"
rxl_connect 8080 || rxl_fail "nsenter --net: port 8080 allowed, not reached"
rxl_ok "nsenter --net: bpffs mounted, pins found, then adopted again"

# ---- 3. unshare -m: a fresh, empty bpffs for every command ----------------
# fresh CMD...: CMD in the receiver's netns and a new mount namespace with
# an empty bpffs on /sys/fs/bpf.
fresh() {
	unshare -m --propagation private bash -c '
		mount -t bpf bpf /sys/fs/bpf || exit 99
		exec nsenter --net=/run/netns/$RXL_R "$@"' fresh "$@"
}
H=$(fresh "$RXL_CLI" fw add web drop proto tcp dport 80 prio 1) ||
	rxl_fail "unshare -m: fw add"
[ "$H" = "handle 3" ] || rxl_fail "unshare -m: fw add printed '$H'"
out=$(fresh "$RXL_CLI" -j fw list web) || rxl_fail "unshare -m: fw list"
echo "$out" | jq -e '([.rules[].handle] | sort) == [1, 2, 3]' >/dev/null ||
	rxl_fail "unshare -m: fw list: $out"
fresh "$RXL_CLI" attach x0 || rxl_fail "unshare -m: attach x0"
out=$(fresh "$RXL_CLI" -j status) || rxl_fail "unshare -m: status"
echo "$out" | jq -e '.container_count == 2 and .rule_count == 3 and
	([.attached[] | select(.rxlane)] | length) == 2' >/dev/null ||
	rxl_fail "unshare -m: status: $out"
# Both programs run with one set of maps and the records bound.
shared=
for p in $(echo "$out" | jq -r '.attached[] | select(.rxlane) | .prog_id'); do
	ids=$(bpftool -j prog show id "$p" | jq -c '.map_ids')
	names=$(bpftool -j map show | jq -r --argjson i "$ids" \
		'[.[] | select(.id as $x | $i | index($x)) |
		  select(.name | test("^(rxl_config|cli_conts|cli_rules)$")) |
		  "\(.name)=\(.id)"] | sort | join(" ")')
	[ -n "$shared" ] || shared=$names
	[ "$names" = "$shared" ] ||
		rxl_fail "programs do not share maps: '$shared' vs '$names'"
done
case $shared in
cli_conts=*" cli_rules="*" rxl_config="*) ;;
*) rxl_fail "records not bound to the programs: '$shared'" ;;
esac
rxl_cli_refused 80 web rule 3 ||
	rxl_fail "unshare -m: port 80 not refused by rule 3: $RXL_WHY"
rxl_ok "unshare -m: adopted into each new bpffs; attach x0 shares the maps"

# ---- -j listings from each entry path, against the schema -----------------
# The documents a listing prints where users run it, without
# RXLANE_PIN_DIR, validated as cli_json.sh validates its own.
SCHEMA=$RXL_TOP/Documentation/rxlane-cli.schema.json
DOCS=$(mktemp /tmp/rxl-netns.XXXXXX)
trap 'rm -f "$DOCS"; rxl_cleanup' EXIT
LISTINGS="status|status
status|status r0
vtep_list|vtep list
vni_list|vni list
container_list|container list
container_show|container show web
fw_list|fw list
fw_list|fw list web
stats|stats
stats|stats web
ct_list|ct list
ct_list|ct list web
ct_stats|ct stats
ct_timeout|ct timeout
check|check
version|version"
# An entry to list: the container's echo request leaves through r0, whose
# tc egress program tracks it (the reply's fate does not matter).
ip netns exec "$RXL_C" ping -c 1 -W 2 10.100.0.1 >/dev/null 2>&1
n=0
for how in "ip netns exec" "nsenter --net" "unshare -m"; do
	while IFS='|' read -r def args; do
		case $how in
		"ip netns exec") out=$(rxl_in "$RXL_R" -j $args 2>&1) ;;
		"nsenter --net") out=$(in_mnt "$NX -j $args" 2>&1) ;;
		*) out=$(fresh "$RXL_CLI" -j $args 2>&1) ;;
		esac || rxl_fail "$how: rxlane -j $args: $out"
		[ "$(wc -l <<< "$out")" -eq 1 ] ||
			rxl_fail "$how: rxlane -j $args: not one document: $out"
		printf '%s\t%s: %s\t%s\n' "$def" "$how" "$args" "$out" >> "$DOCS"
		n=$((n + 1))
	done <<< "$LISTINGS"
done
if ! err=$(python3 "$(dirname "$0")/cli_schema.py" "$SCHEMA" < "$DOCS"); then
	echo "$err" | sed 's/^/  /'
	rxl_fail "-j output under the three entry paths does not match $SCHEMA"
fi
# The reads found the tables through the attached program, not by name.
grep -P '^ct_list\tip netns exec: ct list web\t' "$DOCS" | cut -f3 |
	jq -e '.entry_count >= 1 and .entries[0].proto == "icmp"' >/dev/null ||
	rxl_fail "ip netns exec: ct list web has no echo entry: $(grep -P '^ct_list\tip netns exec: ct list web' "$DOCS")"
rxl_ok "$n -j documents from ip netns exec, nsenter --net and unshare -m match the schema"

# ---- two map sets in one namespace ----------------------------------------
# iproute2 with its own pins on x1: a read warns and shows the set of the
# lowest ifindex (r0's), a change is refused.
fresh env TC_BPF_MNT=/sys/fs/bpf ip link set dev x1 xdpdrv obj "$RXL_OBJ" \
	sec xdp || rxl_fail "iproute2 attach on x1"
out=$(rxl_in "$RXL_R" container list 2>&1) ||
	rxl_fail "two map sets: container list failed: $out"
echo "$out" | grep -q "warning: x1 runs rxlane with other maps" ||
	rxl_fail "two map sets: no warning: $out"
echo "$out" | grep -q "^web " || rxl_fail "two map sets: r0's set not shown"
out=$(rxl_in "$RXL_R" container add z ip 10.200.0.7 2>&1)
[ $? -eq 1 ] || rxl_fail "two map sets: a change was not refused: $out"
echo "$out" | grep -q "different maps" ||
	rxl_fail "two map sets: refusal says '$out'"
ip -n "$RXL_R" link set dev x1 xdpdrv off || rxl_fail "detach x1"
rxl_ok "two map sets in one netns: read warns, change refused"

cli detach x0
cli detach r0
ip -n "$RXL_R" link show | grep -q "prog/xdp" && rxl_fail "XDP left attached"
if [ $HOST_PINS = absent ] && [ -e /sys/fs/bpf/rxlane ]; then
	rxl_fail "the host's /sys/fs/bpf/rxlane was created"
fi
echo "PASS: ip netns exec, nsenter --net and unshare -m find the state"
exit 0
