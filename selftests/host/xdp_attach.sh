#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The XDP object attaches with iproute2 ('ip link set dev X xdp obj F sec
# xdp') to a veth in a fresh namespace, and traffic still flows over it.
# Then the ways the pinned maps meet (Documentation/fastpath.rst, "Sharing
# maps"), each proven by the map ids of the attached programs:
#
#   1. iproute2, detach, iproute2 again: the second load reuses the pins
#   2. iproute2 then 'rxlane attach': the CLI takes iproute2's pins
#   3. iproute2 again after the CLI pinned its device map there
#   4. 'rxlane attach' first (pin directory = iproute2's), then iproute2
#
# Everything is pinned in the test's own bpffs (TC_BPF_MNT) and removed
# with it.
set -u

. "$(dirname "$0")/lib.sh"
rxl_init xa

NS_A=rxl-xa-a-$RXL_ID
NS_B=rxl-xa-b-$RXL_ID
PINS=$TC_BPF_MNT/tc/globals
SHARED="rxl_config rxl_vteps rxl_vnis rxl_addrs4 rxl_addrs6 rxl_acache_sel
	rxl_acache rxl_rules4 rxl_rules6 rxl_rule_cnt rxl_cont_cnt rxl_drops
	rxl_stats"

fail() { rxl_fail "$@"; }

# prog_of DEV: id of the XDP program attached to DEV in $NS_B.
prog_of() {
	ip -n "$NS_B" -j -d link show dev "$1" | jq -r '.[0].xdp.prog.id // empty'
}

# ip_attach DEV [TC_BPF_MNT]: attach with iproute2.
ip_attach() {
	TC_BPF_MNT=${2:-$TC_BPF_MNT} ip -n "$NS_B" link set dev "$1" xdpdrv \
		obj "$RXL_OBJ" sec xdp
}

# cli_attach DEV PIN_DIR [TC_BPF_MNT]: attach with the CLI.
cli_attach() {
	RXLANE_PIN_DIR=$2 TC_BPF_MNT=${3:-$TC_BPF_MNT} \
		ip netns exec "$NS_B" "$RXL_CLI" attach "$1" >/dev/null
}

# shares PROG DIR MAPS...: every map pinned as DIR/NAME is one of PROG's.
shares() {
	local prog=$1 dir=$2 ids id name

	shift 2
	ids=" $(bpftool -j prog show id "$prog" | jq -r '.map_ids | join(" ")') "
	for name in "$@"; do
		id=$(bpftool -j map show pinned "$dir/$name" | jq -r .id) ||
			fail "$dir/$name not pinned"
		case $ids in
		*" $id "*) ;;
		*) fail "program $prog does not use $dir/$name (map $id; its maps:$ids)" ;;
		esac
	done
}

rxl_netns "$NS_A"
rxl_netns "$NS_B"
ip -n "$NS_A" link add veth0 type veth peer name veth0 netns "$NS_B" ||
	fail "cannot create veth"
ip -n "$NS_A" addr add 192.0.2.1/24 dev veth0
ip -n "$NS_B" addr add 192.0.2.2/24 dev veth0
ip -n "$NS_A" link set veth0 up
ip -n "$NS_B" link set veth0 up
for i in 1 2 3 4; do
	ip -n "$NS_B" link add "v$i" type veth peer name "p$i" ||
		fail "cannot create v$i"
	ip -n "$NS_B" link set "v$i" up
	ip -n "$NS_B" link set "p$i" up
done

ip_attach veth0 || fail "ip link set xdpdrv obj $RXL_OBJ sec xdp"
prog=$(prog_of veth0)
[ -n "$prog" ] || fail "no native XDP program shown on veth0"
ip netns exec "$NS_A" ping -c 3 -i 0.2 -W 2 192.0.2.2 >/dev/null ||
	fail "ping through the XDP program failed"
shares "$prog" "$PINS" $SHARED
[ -e "$PINS/rxl_tx_ports" ] && fail "iproute2 pinned the device map"
config=$(bpftool -j map show pinned "$PINS/rxl_config" | jq -r .id)
ip -n "$NS_B" link set dev veth0 xdpdrv off || fail "detach failed"
[ -z "$(prog_of veth0)" ] || fail "program still attached after detach"
rxl_ok "attached with iproute2, ping flows, detached"

# 1. The maps are pinned now: the second load reuses every one of them.
ip_attach veth0 || fail "iproute2 cannot attach again over its own pins"
prog=$(prog_of veth0)
shares "$prog" "$PINS" $SHARED
[ "$(bpftool -j map show pinned "$PINS/rxl_config" | jq -r .id)" = "$config" ] ||
	fail "rxl_config was replaced"
rxl_ok "iproute2, detach, iproute2 again: one set of maps"

# 2. The CLI, its own pin directory empty, takes iproute2's pins and pins
# the device map beside them; both programs share every map.
cli_attach v1 "$TC_BPF_MNT/rxlane" || fail "rxlane attach after iproute2"
cli=$(prog_of v1)
[ -n "$cli" ] || fail "rxlane attach left no program on v1"
shares "$cli" "$PINS" $SHARED rxl_tx_ports
shares "$prog" "$PINS" $SHARED
[ -e "$TC_BPF_MNT/rxlane/rxl_config" ] && fail "the CLI made a second set"
rxl_ok "iproute2 then rxlane attach: one set of maps"

# 3. A pinned device map does not stop iproute2 (it does not look for one).
ip_attach v2 || fail "iproute2 cannot attach beside the CLI's pins"
shares "$(prog_of v2)" "$PINS" $SHARED
rxl_ok "iproute2 after the CLI: one set of maps"

# 4. The CLI first, pinning where iproute2 looks, then iproute2.
mkdir -m 0700 -p "$TC_BPF_MNT/cli-first/tc" || fail "mkdir"
cli_attach v3 "$TC_BPF_MNT/cli-first/tc/globals" "$TC_BPF_MNT/cli-first" ||
	fail "rxlane attach into a fresh directory"
cli=$(prog_of v3)
shares "$cli" "$TC_BPF_MNT/cli-first/tc/globals" $SHARED rxl_tx_ports
ip_attach v4 "$TC_BPF_MNT/cli-first" || fail "iproute2 cannot attach over the CLI's pins"
shares "$(prog_of v4)" "$TC_BPF_MNT/cli-first/tc/globals" $SHARED
rxl_ok "rxlane attach then iproute2: one set of maps"

for dev in veth0 v1 v2 v3 v4; do
	ip -n "$NS_B" link set dev "$dev" xdpdrv off ||
		fail "detach from $dev"
done
echo "PASS: XDP attached with iproute2 and the CLI in every order, one set of maps"
exit 0
