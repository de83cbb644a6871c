#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# More than 4,096 containers (issue 16; include/rxlane_maps.h, "A rule
# set's tag"; Documentation/cli.rst, "Map sizes: max-containers"):
#  - 'attach v0 max-containers 5000' sizes every map indexed by container
#    id (and rxl_ports) for 5000 ids; status says so;
#  - one 'policy apply' makes 4200 containers (ids 0-4199). Container id
#    4101 (4096 + 5) and id 5 get rule keys of one set word at the same
#    generation, set apart only by the key's set_hi byte: with opposite
#    rules (UDP 80 allowed on one, dropped on the other; opposite
#    defaults) packets sent through v0's XDP prove that each gets ITS
#    verdicts and counters, for IPv4 and IPv6;
#  - another max-containers on the same pins is refused, as is one below
#    the ids the records hold, with nothing made;
#  - a full id space: 'container add' and rxlane-cni's ADD are refused
#    (exit 1, CNI code 107) with no record, no fast-path entry left, and
#    the DEL the runtime sends after it succeeds;
#  - pinned maps by id of two sizes are refused by every open.
set -u
. "$(dirname "$0")/lib.sh"
rxl_init many
command -v jq >/dev/null || { echo "SKIP: needs jq"; exit $ksft_skip; }
CNI=$RXL_TOP/user/rxlane-cni
[ -x "$CNI" ] || rxl_fail "$CNI not built"
NS=rxl-many-$RXL_ID
rxl_veth_ns "$NS"	# v0 gets the fast path, v1 sends
WORK=$(mktemp -d /tmp/rxl-many.XXXXXX)
trap 'rm -rf "$WORK"; rxl_cleanup' EXIT
PD=$RXLANE_PIN_DIR
N=4200
K=5

cli() { rxl_in "$NS" "$@" || rxl_fail "rxlane $*"; }
# quiet ARGS...: rxlane ARGS, its output shown only when it fails.
quiet() {
	local out

	out=$(rxl_in "$NS" "$@" 2>&1) || rxl_fail "rxlane $*: $out"
}
entries() {
	bpftool -j map show pinned "$1/$2" | jq -r .max_entries
}
# Container i: 10.(100 + i / 250).(i % 250 + 1).2 and fd00:64::i+1.
addr4() { echo "10.$((100 + $1 / 250)).$(($1 % 250 + 1)).2"; }
addr6() { printf 'fd00:64::%x\n' $(($1 + 1)); }

# ---- attach max-containers 5000 ---------------------------------------------
cli attach v0 mode generic max-containers 5000
for m in rxl_cont_cnt rxl_tx_ports rxl_cont_port rxl_spoof_cnt rxl_ports; do
	[ "$(entries "$PD" $m)" = 5000 ] ||
		rxl_fail "max-containers 5000: $m has $(entries "$PD" $m) entries"
done
st=$(cli -j status)
[ "$(echo "$st" | jq .max_containers)" = 5000 ] ||
	rxl_fail "status -j: max_containers $(echo "$st" | jq .max_containers)"
cli status | grep -q "max-containers 5000 " || rxl_fail "status text"
rxl_ok "attach max-containers 5000: every map by id has 5000 entries"

# ---- 4200 containers by one policy apply ------------------------------------
python3 - "$WORK/pol.json" "$N" "$K" <<'EOF'
import json, sys
path, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
conts = []
for i in range(n):
    c = {"name": "c%d" % i,
         "ips": ["10.%d.%d.2" % (100 + i // 250, i % 250 + 1),
                 "fd00:64::%x" % (i + 1)]}
    if i == k:
        c.update(default="drop", rules=["allow proto udp dport 80"])
    elif i == 4096 + k:
        c.update(default="allow", rules=["drop proto udp dport 80"])
    conts.append(c)
json.dump({"schema": 1, "containers": conts}, open(path, "w"))
EOF
t0=$(date +%s.%N)
quiet policy apply "$WORK/pol.json"
t1=$(date +%s.%N)
[ "$(cli -j container list | jq '.containers | length')" = $N ] ||
	rxl_fail "policy apply made $(cli -j container list | jq '.containers | length') containers, want $N"
LO=c$K HI=c$((4096 + K))
[ "$(cli -j container show $LO | jq .container.id)" = $K ] &&
	[ "$(cli -j container show $HI | jq .container.id)" = $((4096 + K)) ] &&
	[ "$(cli -j container show c$((N - 1)) | jq .container.id)" = $((N - 1)) ] ||
	rxl_fail "ids: $LO $(cli -j container show $LO | jq .container.id), $HI $(cli -j container show $HI | jq .container.id)"
quiet check
rxl_ok "policy apply of $N containers (ids 0-$((N - 1))): $(echo "$t1 - $t0" | bc) s, check clean"

# ---- ITS verdicts: id K and id 4096 + K -------------------------------------
# From v1 to v0 (XDP, generic): the containers' addresses are routed to v1
# with v0's MAC; nothing answers, the counters judge.
MAC0=$(ip -n "$NS" -j link show v0 | jq -r '.[0].address')
ip -n "$NS" addr add 10.99.0.1/32 dev v1
ip -n "$NS" addr add fd00:99::1/128 dev v1 nodad
for i in $K $((4096 + K)); do
	ip -n "$NS" route add "$(addr4 $i)/32" dev v1 src 10.99.0.1
	ip -n "$NS" neigh add "$(addr4 $i)" lladdr "$MAC0" dev v1
	ip -n "$NS" -6 route add "$(addr6 $i)/128" dev v1 src fd00:99::1
	ip -n "$NS" -6 neigh add "$(addr6 $i)" lladdr "$MAC0" dev v1
done
# send ADDR PORT: 3 UDP datagrams.
send() {
	ip netns exec "$NS" python3 - "$1" "$2" <<'EOF' ||
import socket, sys
a, p = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET,
                  socket.SOCK_DGRAM)
for _ in range(3):
    s.sendto(b"x" * 32, (a, p))
EOF
		rxl_fail "send to $1 port $2"
}
# counts NAME: "PASS DROP" packets of container NAME.
counts() {
	cli -j stats "$1" | jq -r '.containers[0] | "\(.pass.packets) \(.drop.packets)"'
}
# judge PORT LO-WANT HI-WANT: 3 datagrams to PORT over IPv4 and IPv6 to
# each of the two; then "PASS DROP" of each, in all.
judge() {
	local i

	for i in $K $((4096 + K)); do
		send "$(addr4 $i)" "$1"
		send "$(addr6 $i)" "$1"
	done
	[ "$(counts $LO)" = "$2" ] && [ "$(counts $HI)" = "$3" ] ||
		rxl_fail "UDP $1: pass/drop $LO (id $K) $(counts $LO), want $2; $HI (id $((4096 + K))) $(counts $HI), want $3"
}
judge 80 "6 0" "0 6"	# LO's rule allows, HI's drops
judge 81 "6 6" "6 6"	# LO's default drops, HI's allows
hits() { cli -j stats "$1" | jq '.containers[0].rules[0].packets'; }
[ "$(hits $LO)" = 6 ] && [ "$(hits $HI)" = 6 ] ||
	rxl_fail "rule hits: $LO $(hits $LO), $HI $(hits $HI), want 6 each"
rxl_ok "id $K and id $((4096 + K)) judge by their own rules and defaults (IPv4, IPv6)"

# ---- other sizes refused ----------------------------------------------------
before=$(rxl_state "$NS")
refused() {
	local what=$1 want=$2 err rc

	shift 2
	err=$(rxl_in "$NS" "$@" 2>&1 >/dev/null)
	rc=$?
	[ $rc = 1 ] || rxl_fail "$what: exit $rc, want 1 ($err)"
	case "$err" in
	*"$want"*) ;;
	*) rxl_fail "$what: message '$err' does not say '$want'" ;;
	esac
	rxl_ok "$what refused: $err"
}
refused "max-containers 4096 on pins of 5000" "hold max-containers 5000, not 4096" \
	attach v1 mode generic max-containers 4096
ip -n "$NS" link show v1 | grep -q xdp && rxl_fail "a refused attach left XDP on v1"
[ "$(rxl_state "$NS")" = "$before" ] || rxl_fail "a refused attach changed the records"
refused "max-containers 0" "bad max-containers" attach v1 max-containers 0
refused "max-containers 65537" "bad max-containers" attach v1 max-containers 65537
# Records that outlive the maps: ids up to 4199 need 4200.
cli detach v0
for p in "$PD"/rxl_* "$PD"/cli_fw_index*; do
	[ -e "$p" ] && rm -f "$p"
done
refused "the default below the records' ids" "container id $((N - 1)): give at least $N" \
	attach v0 mode generic
refused "max-containers 4100 below the records' ids" "give at least $N" \
	attach v0 mode generic max-containers 4100
[ -e "$PD/rxl_config" ] && rxl_fail "a refused attach pinned maps"
rxl_ok "no map pinned by the refused attaches"

# ---- a full id space ------------------------------------------------------
SMALL=$RXL_BPFFS/small
RXLANE_PIN_DIR=$SMALL rxl_in "$NS" attach v1 mode generic max-containers 2 ||
	rxl_fail "attach max-containers 2"
sm() { RXLANE_PIN_DIR=$SMALL rxl_in "$NS" "$@"; }
sm container add a ip 10.50.0.1 >/dev/null && sm container add b ip 10.50.0.2 \
	>/dev/null || rxl_fail "two containers in 2 ids"
full=$(sm -j container list)
err=$(sm container add x ip 10.50.0.3 2>&1 >/dev/null)
rc=$?
[ $rc = 1 ] && echo "$err" | grep -q "all 2 container ids are in use" ||
	rxl_fail "container add past max-containers 2: exit $rc: $err"
rxl_ok "container add with all 2 ids taken: exit 1: $err"
# rxlane-cni: ADD refused with code 107, nothing made, DEL succeeds.
CNS=rxl-many-c-$RXL_ID
rxl_netns "$CNS"
ip -n "$CNS" link add eth0 type veth peer name p0 || rxl_fail "veth eth0"
ip -n "$CNS" link set eth0 up
conf=$(jq -nc --arg pin "$SMALL" --arg ns "/run/netns/$CNS" \
	'{cniVersion: "1.0.0", name: "many", type: "rxlane-cni", pinDir: $pin,
	  policy: {default: "drop", rules: []},
	  prevResult: {cniVersion: "1.0.0",
		interfaces: [{name: "eth0", sandbox: $ns}],
		ips: [{address: "10.50.0.9/16", interface: 0}]}}')
cni() {
	CNI_COMMAND=$1 CNI_CONTAINERID=many$RXL_ID CNI_IFNAME=eth0 \
		CNI_NETNS=/run/netns/$CNS CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=pod" \
		"$CNI" <<< "$conf" 2>/dev/null
}
out=$(cni ADD)
rc=$?
[ $rc = 1 ] && [ "$(echo "$out" | jq .code)" = 107 ] ||
	rxl_fail "CNI ADD with all 2 ids taken: exit $rc: $out (want code 107)"
[ "$(sm -j container list)" = "$full" ] ||
	rxl_fail "a refused ADD changed the containers"
[ "$(bpftool -j map dump pinned "$SMALL/rxl_addrs4" | jq length)" = 2 ] ||
	rxl_fail "a refused ADD left an address in the fast path"
msg=$(echo "$out" | jq -r .msg)
out=$(cni DEL) || rxl_fail "DEL after the refused ADD: $out"
ip -n "$CNS" link show eth0 | grep -q xdp &&
	rxl_fail "XDP left on eth0 after the refused ADD and its DEL"
rxl_ok "CNI ADD with all 2 ids taken: code 107 ($msg), nothing made, DEL ok"

# ---- pins of two sizes ------------------------------------------------------
# A spoofing counter map of 3 ids beside container counters of 2: every
# open refuses them (an id could pass one map's end).
rm -f "$SMALL/rxl_spoof_cnt"
bpftool map create "$SMALL/rxl_spoof_cnt" type percpu_array key 4 value 16 \
	entries 3 name rxl_spoof_cnt || rxl_fail "bpftool map create"
err=$(sm stats 2>&1 >/dev/null)
rc=$?
[ $rc = 1 ] && echo "$err" | grep -q "rxl_spoof_cnt holds 3 container ids, rxl_cont_cnt 2" ||
	rxl_fail "maps of two sizes: exit $rc: $err"
rxl_ok "maps of two sizes refused: $err"
exit 0
