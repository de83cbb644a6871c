#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rxlane-cni driven directly with the CNI environment, as a runtime calls
# it (Documentation/cni.rst): VERSION; ADD with bridge-like 0.4.0 and
# 1.0.0 prevResults; CHECK (and CHECK noticing a change made with the
# CLI); DEL twice, DEL after the netns is gone, DEL without prevResult or
# CNI_NETNS; an uplink 'device' attached by ADD and detached by the last
# DEL; malformed configs and environments, each refused with its exit
# status and CNI error code and no state change; 20 parallel ADDs then
# DELs leaving nothing behind. The whole test runs in a network namespace
# of its own (the runtime's "host" here): the uplink and the host-side
# veth ends it attaches to are its own devices.
source "$(dirname "$0")/lib.sh"

CNI=${RXL_CNI_BIN:-$RXL_TOP/user/rxlane-cni}
rxl_own_netns cnihost "$@"
rxl_init cni
[ -x "$CNI" ] || rxl_fail "$CNI not built"
command -v jq >/dev/null || { echo "SKIP: needs jq"; exit $ksft_skip; }

SUF=$RANDOM
NET=rxlt$SUF
PIN=$RXLANE_PIN_DIR
# Host-side devices (each goes with its peer's netns). The bridge of the
# prevResults exists, listed before the veth: the plugin must not pick it
# as 'dev', and must see that it is a bridge in this netns, which /sys
# does not show (nsenter --net keeps the /sys of the netns we left).
DEVS=()
ip link add "rxlbr$SUF" type bridge || rxl_fail "bridge rxlbr$SUF"

# mkct N ADDR: netns ct$N-$SUF with eth0 ADDR/24, its veth peer h$N-$SUF.
mkct() {
	local ns=ct$1-$SUF h=h$1-$SUF

	rxl_netns "$ns"
	ip link add "$h" type veth peer name eth0 netns "$ns" || rxl_fail "veth $h"
	DEVS+=("$h")
	ip link set "$h" up
	ip -n "$ns" link set eth0 up
	ip -n "$ns" addr add "$2/24" dev eth0
}

# prev VERSION N ADDR: a bridge plugin's result for container N.
prev() {
	local v=$1 ipv='"version": "4",'

	[ "$v" = 1.0.0 ] && ipv=
	cat <<EOF
{"cniVersion": "$v",
 "interfaces": [{"name": "rxlbr$SUF", "mac": "02:00:00:00:00:01"},
                {"name": "h$2-$SUF", "mac": "02:00:00:00:00:02"},
                {"name": "eth0", "mac": "02:00:00:00:00:03",
                 "sandbox": "/run/netns/ct$2-$SUF"}],
 "ips": [{$ipv "address": "$3/24", "gateway": "10.251.0.1", "interface": 2}],
 "dns": {}}
EOF
}

# conf VERSION N ADDR [JQ]: the network config ADD gets (JQ edits it).
conf() {
	jq -nc --arg v "$1" --arg pin "$PIN" --arg net "$NET" \
		--argjson prev "$(prev "$1" "$2" "$3")" \
		'{cniVersion: $v, name: $net, type: "rxlane-cni", pinDir: $pin,
		  policy: {default: "drop",
			   rules: [{action: "allow", proto: "tcp", dport: 80},
				   "allow proto icmp",
				   {direction: "out", action: "allow", proto: "udp",
				    to: "10.0.0.53/32", dport: 53}]},
		  prevResult: ($prev | .cniVersion = $v)} | '"${4:-.}"
}

# cni CMD N [VAR=VALUE...] < CONF: the plugin for container N (id
# cid$N-$SUF...), stdout in OUT, status in RC, stderr in $CNI_LOG if set.
cni() {
	local cmd=$1 n=$2

	shift 2
	OUT=$(env CNI_COMMAND="$cmd" CNI_CONTAINERID="c0ffee$n$SUF$SUF" \
		CNI_NETNS="/run/netns/ct$n-$SUF" CNI_IFNAME=eth0 \
		CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=pod$n" CNI_PATH=/usr/lib/cni \
		"$@" timeout 120 "$CNI" 2>"${CNI_LOG:-/dev/null}")
	RC=$?
}

name_of() { echo "pod$1-$(echo "c0ffee$1$SUF$SUF" | cut -c1-12)"; }

# Everything a change could leave: containers and rules, pins, XDP.
state() {
	"$RXL_CLI" -j container list
	"$RXL_CLI" -j fw list
	ls "$PIN" 2>/dev/null
	for h in "${DEVS[@]}"; do
		echo "$h $(ip -o link show dev "$h" 2>/dev/null | grep -o 'prog/xdp id [0-9]*')"
	done
	for ns in "${RXL_NETNS[@]}"; do
		ip -n "$ns" -o link show 2>/dev/null | grep -o 'prog/xdp id [0-9]*'
	done
}

xdp_on() { ip ${2:+-n "$2"} -d link show dev "$1" 2>/dev/null | grep -q 'prog/xdp'; }

has_cont() {
	"$RXL_CLI" -j container list |
		jq -e --arg n "$1" '.containers | any(.name == $n)' >/dev/null
}

for i in 1 2 3 4; do
	mkct "$i" "10.251.0.$((i + 1))"
done

# ---- VERSION ---------------------------------------------------------------
OUT=$(echo '{"cniVersion": "1.0.0"}' | CNI_COMMAND=VERSION "$CNI") ||
	rxl_fail "VERSION: exit $?"
echo "$OUT" | jq -e '.supportedVersions | index("0.4.0") and index("1.0.0") and
	index("1.1.0")' >/dev/null || rxl_fail "VERSION: $OUT"
rxl_ok "VERSION: $OUT"

# ---- ADD, CHECK, DEL with a 1.0.0 and a 0.4.0 prevResult ---------------------
for v in 1.0.0 0.4.0; do
	n=1
	[ "$v" = 0.4.0 ] && n=2
	c=$(conf "$v" $n "10.251.0.$((n + 1))")
	cni ADD $n <<< "$c"
	[ "$RC" = 0 ] || rxl_fail "ADD $v: exit $RC: $OUT"
	# The result is prevResult unchanged, in the request's version.
	[ "$(echo "$OUT" | jq -S .)" = "$(echo "$c" | jq -S .prevResult)" ] ||
		rxl_fail "ADD $v: result is not prevResult: $OUT"
	name=$(name_of $n)
	"$RXL_CLI" -j container show "$name" | jq -e --arg a "10.251.0.$((n + 1))" \
		--arg d "h$n-$SUF" '.container | .ips == [$a] and .default == "drop" and
		.dev == $d and .mac == "02:00:00:00:00:03" and .rule_count == 3' >/dev/null ||
		rxl_fail "ADD $v: container '$name' not as configured: $("$RXL_CLI" container show "$name" 2>&1)"
	"$RXL_CLI" -j fw list "$name" | jq -e '[.rules[] | select(.direction ==
		"out" and .to == "10.0.0.53/32" and .dport.min == 53)] | length == 1' \
		>/dev/null || rxl_fail "ADD $v: no out rule: $("$RXL_CLI" fw list "$name")"
	xdp_on eth0 "ct$n-$SUF" || rxl_fail "ADD $v: no XDP on eth0 in ct$n-$SUF"
	cni CHECK $n <<< "$c"
	[ "$RC" = 0 ] || rxl_fail "CHECK $v: exit $RC: $OUT"
	rxl_ok "ADD + CHECK $v: container $name"
done

# CHECK sees a change made by hand, and a container deleted by hand.
name=$(name_of 1)
"$RXL_CLI" container set "$name" default allow || rxl_fail "container set"
cni CHECK 1 <<< "$(conf 1.0.0 1 10.251.0.2)"
[ "$RC" = 1 ] && [ "$(echo "$OUT" | jq .code)" = 106 ] ||
	rxl_fail "CHECK after 'default allow': exit $RC, $OUT (want code 106)"
"$RXL_CLI" container set "$name" default drop || rxl_fail "container set back"
cni CHECK 1 <<< "$(conf 1.0.0 1 10.251.0.2 '.prevResult.ips[0].address = "10.251.0.9/24"')"
[ "$RC" = 1 ] && [ "$(echo "$OUT" | jq .code)" = 106 ] ||
	rxl_fail "CHECK with other addresses: exit $RC, $OUT (want code 106)"
rxl_ok "CHECK refuses a changed policy and other addresses (106)"

# DEL twice, without prevResult; then nothing of container 1 is left.
del_conf=$(jq -nc --arg pin "$PIN" --arg net "$NET" \
	'{cniVersion: "1.0.0", name: $net, type: "rxlane-cni", pinDir: $pin}')
for k in 1 2; do
	cni DEL 1 <<< "$del_conf"
	[ "$RC" = 0 ] && [ -z "$OUT" ] || rxl_fail "DEL #$k: exit $RC: $OUT"
done
has_cont "$name" && rxl_fail "DEL: container $name still listed"
xdp_on eth0 "ct1-$SUF" && rxl_fail "DEL: XDP left on eth0 in ct1-$SUF"
cni CHECK 1 <<< "$(conf 1.0.0 1 10.251.0.2)"
[ "$(echo "$OUT" | jq .code)" = 105 ] || rxl_fail "CHECK after DEL: $OUT (want 105)"
rxl_ok "DEL twice (no prevResult): container and XDP gone, CHECK says 105"

# DEL after the netns is gone (podman rm -f); then DEL with no CNI_NETNS.
ip netns del "ct2-$SUF"
# A FIFO left where the namespace was: DEL neither hangs opening it nor
# fails (the namespace is gone whatever the path holds now).
mkfifo "/run/netns/ct2-$SUF" || rxl_fail "mkfifo /run/netns/ct2-$SUF"
cni DEL 2 <<< "$(conf 0.4.0 2 10.251.0.3)"
rm -f "/run/netns/ct2-$SUF"
[ "$RC" = 0 ] || rxl_fail "DEL with a FIFO at its netns path: exit $RC: $OUT"
has_cont "$(name_of 2)" && rxl_fail "DEL with a FIFO at its netns path: container left"
cni DEL 2 <<< "$(conf 0.4.0 2 10.251.0.3)"
[ "$RC" = 0 ] || rxl_fail "DEL after netns del: exit $RC: $OUT"
has_cont "$(name_of 2)" && rxl_fail "DEL after netns del: container left"
cni DEL 2 CNI_NETNS= <<< "$del_conf"
[ "$RC" = 0 ] || rxl_fail "DEL without CNI_NETNS: exit $RC: $OUT"
[ -e "$PIN/cni_state" ] && rxl_fail "the last DEL left $PIN/cni_state"
rxl_ok "DEL after the netns is gone, DEL without CNI_NETNS"

# ---- no host-side device (macvlan, ipvlan): bound by CNI_IFNAME ------------
# A prevResult with only the sandbox's interface, as macvlan's and
# ipvlan's are: the container is bound by eth0 in its namespace, and the
# anti-spoofing check runs on eth0's tc egress there, ahead of rxlane_tc
# (conntrack.rst, "The port check"); DEL removes it.
mkct 5 10.251.0.6
c=$(conf 1.0.0 5 10.251.0.6 '.prevResult.interfaces = [.prevResult.interfaces[2]] |
	.prevResult.ips[0].interface = 0')
cni ADD 5 <<< "$c"
[ "$RC" = 0 ] || rxl_fail "ADD without a host-side device: exit $RC: $OUT"
name=$(name_of 5)
"$RXL_CLI" -j container show "$name" | jq -e --arg ns "/run/netns/ct5-$SUF" \
	'.container | .port == "eth0" and .netns == $ns and (has("dev") | not) and
	 .mac == "02:00:00:00:00:03"' >/dev/null ||
	rxl_fail "ADD without a host-side device: not bound by eth0: $("$RXL_CLI" container show "$name" 2>&1)"
filters=$(tc -n "ct5-$SUF" filter show dev eth0 egress)
echo "$filters" | grep -q rxlane_tc_port ||
	rxl_fail "ADD without a host-side device: no port check on eth0's egress: $filters"
# The check first (the lower priority number), rxlane_tc after it.
[ "$(echo "$filters" | grep -o 'rxlane_tc[_a-z]*' | head -1)" = rxlane_tc_port ] ||
	rxl_fail "the port check does not run before rxlane_tc: $filters"
ip -n "ct5-$SUF" link set eth0 address 02:00:00:00:00:03
ip -n "ct5-$SUF" addr add 10.251.0.77/32 dev eth0
ip -n "ct5-$SUF" neigh replace 10.251.0.1 lladdr 02:00:00:00:00:09 dev eth0
sp() { "$RXL_CLI" -j stats "$name" | jq -e '.containers[0].spoof.packets'; }
before=$(sp) || rxl_fail "stats $name"
ip netns exec "ct5-$SUF" ping -c 1 -W 1 -I 10.251.0.77 10.251.0.1 >/dev/null 2>&1
[ "$(sp)" -gt "$before" ] ||
	rxl_fail "a ping from 10.251.0.77 out of ct5's eth0: spoof counter $before -> $(sp)"
before=$(sp)
ip netns exec "ct5-$SUF" ping -c 1 -W 1 -I 10.251.0.6 10.251.0.1 >/dev/null 2>&1
[ "$(sp)" = "$before" ] || rxl_fail "ct5's own ping counted as spoof"
rxl_ok "ADD without a host-side device: bound by eth0 in its netns, a forged source dropped as spoof"
# The guard: no socket of ct5's namespace may send around that check
# (PACKET_QDISC_BYPASS refused; conntrack.rst, "The port check").
bypass() {
	ip netns exec "ct5-$SUF" python3 -c 'import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
try:
    s.setsockopt(263, 20, 1)
    print("ok")
except OSError as e:
    print(e.errno)'
}
[ "$(bypass)" = 1 ] ||
	rxl_fail "ADD without a host-side device: PACKET_QDISC_BYPASS in ct5's namespace: $(bypass), not EPERM"
cni CHECK 5 <<< "$c"
[ "$RC" = 0 ] || rxl_fail "CHECK without a host-side device: exit $RC: $OUT"
cni DEL 5 <<< "$c"
[ "$RC" = 0 ] || rxl_fail "DEL without a host-side device: exit $RC: $OUT"
has_cont "$name" && rxl_fail "DEL: container $name left"
tc -n "ct5-$SUF" filter show dev eth0 egress | grep -q rxlane_tc &&
	rxl_fail "DEL left a filter on eth0's egress: $(tc -n "ct5-$SUF" filter show dev eth0 egress)"
[ "$(bypass)" = ok ] ||
	rxl_fail "DEL without a host-side device: ct5's namespace still guarded: $(bypass)"
rxl_ok "DEL without a host-side device: the port check, the guard of its namespace and the container gone"

# ---- the uplink 'device': attached by ADD, detached by the last DEL --------
rxl_netns "upl-$SUF"
ip link add "up$SUF" type veth peer name upp netns "upl-$SUF" ||
	rxl_fail "uplink veth"
ip link add "upx$SUF" type veth peer name upy netns "upl-$SUF" ||
	rxl_fail "second uplink veth"
DEVS+=("up$SUF" "upx$SUF")
# They are this test's own: not in the namespace it was started in
# (rxl_own_netns; without it, that is this one).
nsenter --net="${RXL_PARENT_NS:-/proc/$$/ns/net}" ip -o link show dev "up$SUF" \
	>/dev/null 2>&1 && rxl_fail "up$SUF is in the namespace the test was started in"
ip link set "up$SUF" up
ip link set "upx$SUF" up
c=$(conf 1.0.0 3 10.251.0.4 ".device = \"up$SUF\"")
cni ADD 3 <<< "$c"
[ "$RC" = 0 ] || rxl_fail "ADD with device: exit $RC: $OUT"
xdp_on "up$SUF" || rxl_fail "ADD with device: no XDP on up$SUF"
cni ADD 4 <<< "$(conf 1.0.0 4 10.251.0.5 ".device = \"up$SUF\"")"
[ "$RC" = 0 ] || rxl_fail "second ADD with device: exit $RC: $OUT"
cni DEL 3 <<< "$del_conf"
xdp_on "up$SUF" || rxl_fail "DEL of one of two: XDP left up$SUF"
cni DEL 4 <<< "$del_conf"
[ "$RC" = 0 ] || rxl_fail "last DEL with device: exit $RC: $OUT"
xdp_on "up$SUF" && rxl_fail "the last DEL left XDP on up$SUF"
rxl_ok "uplink: attached by the first ADD, detached by the last DEL"

# ---- hw: true: no NIC takes it here (no rxlane module), XDP enforces -------
# The fallback is no error: ADD succeeds, the log (stderr) and the record
# say why; DEL removes it. The name is over the kernel's old 15
# characters. (On rxlane's NIC: selftests/vm/hwfilter_cni.py.)
log=$(mktemp /tmp/rxl-cnihw.XXXXXX)
# Its CPUs: the config's 'cpus', overridden by runtimeConfig's.
c=$(conf 1.0.0 3 10.251.0.4 ".device = \"up$SUF\" | .hw = true | .cpus = \"0\" |
	.runtimeConfig = {cpus: \"1\"}")
CNI_LOG=$log cni ADD 3 <<< "$c"
[ "$RC" = 0 ] || { rm -f "$log"; rxl_fail "ADD with hw: exit $RC: $OUT"; }
why=$(cat "$log")
rm -f "$log"
echo "$why" | grep -q "container '$(name_of 3)': enforced by XDP alone: no generic netlink family 'rxlane'" ||
	rxl_fail "ADD with hw: no fallback in the log: '$why'"
# The log is the runtime's: libbpf's own lines ("Kernel error message:
# Parent Qdisc doesn't exists" of every tc query) stay out unless asked.
echo "$why" | grep -q "libbpf" &&
	rxl_fail "ADD with hw: libbpf's lines in the runtime's log: '$why'"
rec=$("$RXL_CLI" -j container show "$(name_of 3)")
# The record keeps CNI_NETNS's cookie (SO_NETNS_COOKIE of a socket in it).
ck=$(ip netns exec "ct3-$SUF" python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
print(int.from_bytes(s.getsockopt(socket.SOL_SOCKET, 71, 8), sys.byteorder))')
echo "$rec" | jq -e --arg up "up$SUF" --arg ns "/run/netns/ct3-$SUF" \
	--argjson ck "${ck:-0}" \
	'.container | .hw == "fallback" and .nic == $up and .cpus == "1" and
	.netns == $ns and .netns_cookie == $ck and $ck > 0 and
	(.hw_reason | startswith("no generic netlink family"))' \
	>/dev/null || rxl_fail "ADD with hw: the record (cpus 1, netns, cookie $ck): $rec"
err=$(printf 'container_show\tcontainer show\t%s\n' "$rec" |
	python3 "$RXL_TOP/selftests/host/cli_schema.py" \
	"$RXL_TOP/Documentation/rxlane-cli.schema.json") ||
	rxl_fail "ADD with hw: the record is no container_show document: $err"
# CHECK compares the CPU set: the same passes, another is refused (106).
cni CHECK 3 <<< "$c"
[ "$RC" = 0 ] || rxl_fail "CHECK with hw and the same cpus: exit $RC: $OUT"
for other in '.runtimeConfig.cpus = "0"' 'del(.runtimeConfig) | del(.cpus)'; do
	cni CHECK 3 <<< "$(echo "$c" | jq -c "$other")"
	[ "$(echo "$OUT" | jq .code)" = 106 ] &&
		echo "$OUT" | jq -r .msg | grep -q 'its CPU set is not the config' ||
		rxl_fail "CHECK with hw, $other: exit $RC, $OUT (want code 106, the CPU set)"
done
cni DEL 3 <<< "$del_conf"
[ "$RC" = 0 ] || rxl_fail "DEL with hw: exit $RC: $OUT"
"$RXL_CLI" container show "$(name_of 3)" >/dev/null 2>&1 &&
	rxl_fail "DEL with hw left the container"
xdp_on "up$SUF" && rxl_fail "DEL with hw left XDP on up$SUF"
rxl_ok "hw: true without a NIC that takes it: ADD falls back to XDP, says why in the log and the record, keeps runtimeConfig's cpus and CNI_NETNS and its cookie; CHECK compares cpus"

# ---- refusals: exit 1, the code, no state change ----------------------------
# A container made with the CLI, whose name and address ADDs below clash with.
"$RXL_CLI" container add "$(name_of 9)" ip 10.251.0.99 || rxl_fail "CLI container"
# Container 3's ADD is done once; a second ADD of it is refused (104).
cni ADD 3 <<< "$(conf 1.0.0 3 10.251.0.4)"
[ "$RC" = 0 ] || rxl_fail "ADD 3 again: exit $RC: $OUT"
# Another XDP program on a device: 'device' naming it is refused (102).
printf '%s\n' '#include <linux/bpf.h>' \
	'__attribute__((section("xdp"), used)) int pass(struct xdp_md *x) { return XDP_PASS; }' \
	'char _l[] __attribute__((section("license"), used)) = "GPL";' > "$RXL_BPFFS.c"
clang -O2 -target bpf -I"/usr/include/$(gcc -dumpmachine)" -c "$RXL_BPFFS.c" \
	-o "$RXL_BPFFS.o" || rxl_fail "cannot build an XDP pass program"
ip link set "upx$SUF" xdpgeneric obj "$RXL_BPFFS.o" sec xdp ||
	rxl_fail "cannot attach the pass program"
rm -f "$RXL_BPFFS.c" "$RXL_BPFFS.o"
# rows: CODE|COMMAND|JQ filter on the config (RAW:TEXT: stdin)|VAR=VALUE...
refusals() {
	cat <<EOF
6|ADD|RAW:{|
6|ADD|RAW:[]|
6|ADD|RAW:"x"|
6|ADD|RAW:|
6|ADD|RAW:{"a": 1, "a": 2}|
7|ADD|del(.cniVersion)|
7|ADD|.cniVersion = 1|
1|ADD|.cniVersion = "9.9.9"|
1|ADD|.cniVersion = "0.2.0"|
7|ADD|del(.name)|
7|ADD|.name = "a/b"|
7|ADD|.name = ("n" * 70)|
7|ADD|del(.type)|
7|ADD|.type = 5|
7|ADD|del(.prevResult)|
7|ADD|.prevResult = "x"|
7|ADD|del(.prevResult.ips)|
7|ADD|.prevResult.ips[0].interface = 1|
7|ADD|.prevResult.ips[0].interface = "2"|
7|ADD|del(.prevResult.ips[0].address)|
7|ADD|.prevResult.ips[0].address = "300.1.1.1/24"|
7|ADD|.prevResult.ips[0].address = "127.0.0.5/8"|
7|ADD|.prevResult.interfaces = {}|
7|ADD|.prevResult.interfaces[2].mac = 5|
7|ADD|.prevResult.interfaces[2].mac = "zz:00:00:00:00:03"|
7|ADD|.prevResult.interfaces[2].mac = "01:00:5e:00:00:03"|
7|ADD|.policy = []|
7|ADD|.policy.egress = "drop"|
7|ADD|.policy.default = "maybe"|
7|ADD|.policy.rules = {}|
7|ADD|.policy.rules = [{"action": "permit"}]|
7|ADD|.policy.rules = [{"action": "allow", "dport": 70000}]|
7|ADD|.policy.rules = [{"action": "allow", "from": "10.0.0.1/24"}]|
7|ADD|.policy.rules = [{"action": "allow", "port": 80}]|
7|ADD|.policy.rules = [{"proto": "tcp"}]|
7|ADD|.policy.rules = ["allow proto tcp dport 80", "allow proto tcp dport 80"]|
7|ADD|.policy.rules = ["allow proto sctp"]|
7|ADD|.policy.rules = [{"direction": "out", "action": "allow", "from": "10.0.0.0/8"}]|
7|ADD|.policy.rules = [{"direction": "in", "action": "allow", "to": "10.0.0.0/8"}]|
7|ADD|.policy.rules = [{"direction": "sideways", "action": "allow"}]|
7|ADD|.hw = true|
7|ADD|.hw = "yes"|
7|ADD|.cpus = "0"|
7|ADD|.runtimeConfig = {"cpus": "0"}|
7|ADD|.device = "up$SUF" %PIPE% .hw = true %PIPE% .cpus = 5|
7|ADD|.device = "up$SUF" %PIPE% .hw = true %PIPE% .cpus = ""|
7|ADD|.device = "up$SUF" %PIPE% .hw = true %PIPE% .runtimeConfig = {"cpus": "64"}|
7|ADD|.device = 5|
7|ADD|.device = "nodev$SUF"|
102|ADD|.device = "upx$SUF"|
7|ADD|.pinDir = "rel/dir"|
2|CHECK|.cniVersion = "0.3.1"|
4|ADD|.|CNI_COMMAND=
4|ADD|.|CNI_COMMAND=FOO
4|ADD|.|CNI_CONTAINERID=
4|ADD|.|CNI_CONTAINERID=a/b
4|ADD|.|CNI_IFNAME=
4|ADD|.|CNI_IFNAME=averylonginterfacename
4|ADD|.|CNI_NETNS=
4|ADD|.|CNI_NETNS=/nonexistent/ns
4|ADD|.|CNI_NETNS=/etc/passwd
4|ADD|.|CNI_NETNS=/proc/self/ns/net
4|ADD|.|CNI_NETNS=/proc/self/ns/uts
4|ADD|.|CNI_NETNS=$FIFO
4|ADD|.|CNI_ARGS=garbage
103|ADD|.|CNI_ARGS=K8S_POD_NAME=pod9 CNI_CONTAINERID=c0ffee9$SUF$SUF
103|ADD|.prevResult.ips[0].address = "10.251.0.99/24"|
104|ADD|.|CNI_CONTAINERID=c0ffee3$SUF$SUF CNI_NETNS=/run/netns/ct3-$SUF
101|ADD|.prevResult.interfaces[2].name = "eth9"|CNI_IFNAME=eth9
101|ADD|.prevResult.interfaces[2].name = "eth9" %PIPE% .device = "up$SUF"|CNI_IFNAME=eth9
EOF
}

# A FIFO as CNI_NETNS must not hang the plugin (opened without blocking).
TMPD=$(mktemp -d /tmp/rxl-cnififo.XXXXXX)
trap 'rxl_cleanup; rm -rf "$TMPD"' EXIT
FIFO=$TMPD/fifo
mkfifo "$FIFO" || rxl_fail "mkfifo $FIFO"
before=$(state)
xdp_on "up$SUF" && rxl_fail "up$SUF has XDP before the refusals"
N=0
while IFS='|' read -r code cmd filter envs; do
	[ -n "$code" ] || continue
	filter=${filter//%PIPE%/|}
	if [ "${filter#RAW:}" != "$filter" ]; then
		input=${filter#RAW:}
	else
		input=$(conf 1.0.0 4 10.251.0.5 "$filter") ||
			rxl_fail "row '$filter': bad test filter"
	fi
	# shellcheck disable=SC2086 # VAR=VALUE words
	cni "$cmd" 4 $envs <<< "$input"
	[ "$RC" = 1 ] || rxl_fail "$cmd '$filter' $envs: exit $RC, want 1: $OUT"
	echo "$OUT" | jq -e --argjson c "$code" \
		'.code == $c and (.msg | length > 0) and (.cniVersion | type == "string")' \
		>/dev/null || rxl_fail "$cmd '$filter' $envs: want code $code: $OUT"
	[ "$(state)" = "$before" ] ||
		rxl_fail "$cmd '$filter' $envs changed the state: $(diff <(echo "$before") <(state))"
	N=$((N + 1))
done < <(refusals)
[ $N -ge 30 ] || rxl_fail "only $N refusals ran"
rxl_ok "$N malformed configs and environments refused with their codes, nothing changed"
ip link set "upx$SUF" xdpgeneric off
cni DEL 3 <<< "$del_conf"
"$RXL_CLI" container del "$(name_of 9)" || rxl_fail "CLI container del"

# ---- 20 parallel ADDs, then 20 parallel DELs ---------------------------------
P=20
for i in $(seq 10 $((10 + P - 1))); do
	mkct "$i" "10.251.1.$i"
done
start=$SECONDS
pids=()
for i in $(seq 10 $((10 + P - 1))); do
	( cni ADD "$i" <<< "$(conf 1.0.0 "$i" "10.251.1.$i")"
	  [ "$RC" = 0 ] || echo "ADD $i: exit $RC: $OUT" ) > "$RXL_BPFFS.add$i" &
	pids+=($!)
done
wait "${pids[@]}"
for i in $(seq 10 $((10 + P - 1))); do
	[ -s "$RXL_BPFFS.add$i" ] && rxl_fail "$(cat "$RXL_BPFFS.add$i")"
	rm -f "$RXL_BPFFS.add$i"
	xdp_on eth0 "ct$i-$SUF" || rxl_fail "parallel ADD $i: no XDP"
done
n=$("$RXL_CLI" -j container list | jq '.containers | length')
[ "$n" = $P ] || rxl_fail "$P parallel ADDs: $n containers"
"$RXL_CLI" check >/dev/null || rxl_fail "rxlane check after parallel ADDs: $("$RXL_CLI" check 2>&1)"
pids=()
for i in $(seq 10 $((10 + P - 1))); do
	cni DEL "$i" <<< "$del_conf" &
	pids+=($!)
done
wait "${pids[@]}"
n=$("$RXL_CLI" -j container list | jq '.containers | length')
[ "$n" = 0 ] || rxl_fail "$P parallel DELs: $n containers left"
[ "$("$RXL_CLI" -j fw list | jq '.rules | length')" = 0 ] ||
	rxl_fail "$P parallel DELs: rules left"
[ -e "$PIN/cni_state" ] && rxl_fail "parallel DELs left cni_state"
for i in $(seq 10 $((10 + P - 1))); do
	xdp_on eth0 "ct$i-$SUF" && rxl_fail "parallel DEL $i: XDP left"
done
rxl_ok "$P parallel ADDs then DELs: nothing left ($((SECONDS - start)) s)"
exit 0
