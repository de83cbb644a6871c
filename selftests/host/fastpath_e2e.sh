#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End to end: the kernel's own vxlan and gretap devices send overlay
# traffic to a receiver running the rxlane XDP program (attached with
# iproute2); the program decaps it and a container namespace behind a veth
# gets exactly the TCP connections its rules allow.
#
#   ns S (sender)                 ns R (receiver)             ns C (container)
#   vx0 vxlan VNI 100  \
#   vx1 vxlan VNI 101   \
#   vx6 vxlan VNI 100   / s0 ---- r0 [XDP rxlane]   h0 ---- c0 10.200.0.2
#       over IPv6      /          10.0.0.2, fd0f::2 (VTEPs)
#   gt0 gretap VSID 300           10.200.0.1
#   10.0.0.1, fd0f::1
#
# Replies go back as plain IP (R routes the overlay sources to S).
# Kernels without gretap (this host's) skip the gretap cases as a
# sub-case skip ("ok 1 gretap # SKIP ..."); NVGRE decap is then covered by
# fastpath_test alone.
# The program's maps are pinned in a bpffs of this test's own (TC_BPF_MNT),
# and fw_tool finds them through the program attached to r0.
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh
. "$TOP/selftests/host/lib.sh"	# rxl_refused, ksft_skip
OBJ=$TOP/bpf/rxlane_xdp.o
FWT=$(dirname "$0")/fw_tool
ID=$$-$RANDOM
S=rxl-e2e-s-$ID
R=rxl-e2e-r-$ID
C=rxl-e2e-c-$ID
PINS=$(mktemp -d /tmp/rxl-e2e-bpf.XXXXXX)
SERVER_PID=

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit $ksft_skip; }
[ -r "$OBJ" ] || { echo "FAIL: $OBJ not built"; exit 1; }
[ -x "$FWT" ] || { echo "FAIL: $FWT not built"; exit 1; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit $ksft_skip; }

cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
	kill $(jobs -p) 2>/dev/null
	wait 2>/dev/null
	ip netns del "$S" 2>/dev/null
	ip netns del "$R" 2>/dev/null
	ip netns del "$C" 2>/dev/null
	umount "$PINS" 2>/dev/null
	rmdir "$PINS" 2>/dev/null
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	[ -n "${FWT_READY:-}" ] && fwt dump | sed 's/^/  counter: /'
	exit 1
}
fwt() { ip netns exec "$R" "$FWT" --dev r0 "$@"; }

# In a guest whose drivers are modules (the VM), load them; the host has
# them built in (and no modules at all).
for m in veth vxlan ip_gre; do modprobe -q "$m" 2>/dev/null; done

for ns in "$S" "$R" "$C"; do
	ip netns add "$ns" || fail "netns add $ns"
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
done
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1

ip -n "$S" link add s0 type veth peer name r0 netns "$R" || fail "veth s0"
ip -n "$R" link add h0 type veth peer name c0 netns "$C" || fail "veth h0"
ip -n "$S" addr add 10.0.0.1/24 dev s0
ip -n "$R" addr add 10.0.0.2/24 dev r0
ip -n "$S" addr add fd0f::1/64 dev s0 nodad
ip -n "$R" addr add fd0f::2/64 dev r0 nodad
ip -n "$R" addr add 10.200.0.1/24 dev h0
ip -n "$C" addr add 10.200.0.2/24 dev c0
for l in "$S s0" "$R r0" "$R h0" "$C c0"; do
	set -- $l
	ip -n "$1" link set "$2" up
	ip netns exec "$1" sysctl -qw net.ipv4.conf."$2".rp_filter=0
done
ip -n "$C" route add default via 10.200.0.1
ip -n "$R" route add 10.100.0.0/24 via 10.0.0.1
ip -n "$R" route add 10.101.0.0/24 via 10.0.0.1
ip -n "$R" route add 10.102.0.0/24 via 10.0.0.1
ip -n "$R" route add 10.103.0.0/24 via 10.0.0.1
R0MAC=$(ip netns exec "$R" cat /sys/class/net/r0/address)

# Senders: the kernel's tunnels (lib.sh: checksums in software, no IPv6).
add_tunnel() { rxl_add_tunnel "$S" "$R0MAC" "$@"; }
add_tunnel vx0 10.100.0.1 type vxlan id 100 local 10.0.0.1 remote 10.0.0.2 \
	dstport 4789 dev s0 || fail "vxlan vx0"
add_tunnel vx1 10.102.0.1 type vxlan id 101 local 10.0.0.1 remote 10.0.0.2 \
	dstport 4789 dev s0 || fail "vxlan vx1"
add_tunnel vx6 10.103.0.1 type vxlan id 100 local fd0f::1 remote fd0f::2 \
	dstport 4789 dev s0 || fail "vxlan vx6"
GRETAP=1
add_tunnel gt0 10.101.0.1 type gretap local 10.0.0.1 remote 10.0.0.2 \
	key $((300 << 8)) 2>/dev/null || GRETAP=0
ip netns exec "$S" ethtool -K s0 tx off >/dev/null 2>&1

# The receiver: attached by iproute2, maps pinned in our own bpffs.
mount -t bpf bpf "$PINS" || fail "mount bpffs on $PINS"
TC_BPF_MNT=$PINS ip -n "$R" link set dev r0 xdpdrv obj "$OBJ" sec xdp ||
	fail "attach $OBJ to r0"
[ -e "$PINS/tc/globals/rxl_rules4" ] || fail "maps not pinned under $PINS"
FWT_READY=1
fwt vtep 10.0.0.2 || fail "vtep"
fwt vtep fd0f::2 || fail "vtep6"
fwt vni vxlan 100 || fail "vni"
fwt vni nvgre 300 || fail "vsid"
fwt container 1 10.200.0.2 || fail "container"
fwt bind 1 vxlan:100 nvgre:300 || fail "bind VNIs"
fwt rules 1 drop "prio 10 from 10.100.0.0/24 proto tcp dport 80 allow" \
	"prio 20 from 10.101.0.0/24 proto tcp dport 8080 allow" \
	"prio 30 from 10.103.0.0/24 proto tcp dport 8080 allow" ||
	fail "rules"

# The container listens on 80, 8080 and 22.
ip netns exec "$C" python3 -c '
import select, socket
ls = []
for port in (80, 8080, 22):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("10.200.0.2", port))
    s.listen(16)
    ls.append(s)
while True:
    for s in select.select(ls, [], [])[0]:
        s.accept()[0].close()
' &
SERVER_PID=$!
rxl_wait_listen "$C" 80 8080 22

# Route the container's subnet through tunnel device $1 (its address as
# the source).
route_via() {
	ip -n "$S" route replace 10.200.0.0/24 dev "$1" \
		src "$(ip -n "$S" -4 -o addr show dev "$1" | awk '{print $4}' |
		       cut -d/ -f1)"
}

# connect PORT [SECONDS]: 0 if the TCP handshake completes in time.
connect() {
	ip netns exec "$S" timeout "${2:-10}" bash -c \
		"exec 3<>/dev/tcp/10.200.0.2/$1" 2>/dev/null
}

drops() { fwt drop "$1"; }

expect_allowed() {
	route_via "$1"
	connect "$2" || fail "$3: TCP to port $2 via $1 refused"
	echo "ok: $3"
}

# A refusal is proven by the drop counter of reason $4 (lib.sh).
expect_refused() {
	route_via "$1"
	rxl_refused "$S" 10.200.0.2 "$2" drops "$4" || fail "$3: $RXL_WHY"
	echo "ok: $3"
}

expect_allowed vx0 80 "vxlan, allowed source and port"
expect_refused vx0 8080 "vxlan, port allowed only for another source" default
expect_refused vx0 22 "vxlan, port not allowed" default
expect_allowed vx6 8080 "vxlan over IPv6, allowed source and port"
expect_refused vx6 80 "vxlan over IPv6, port of another source" default
expect_refused vx1 80 "vxlan, unknown VNI" unknown_vni
if [ $GRETAP = 1 ]; then
	expect_allowed gt0 8080 "gretap (NVGRE), allowed source and port"
	expect_refused gt0 80 "gretap (NVGRE), port of another source" default
else
	# A sub-case skip (scripts/tap-tally.sh counts it, and
	# selftests/expected-skips lists it for the host).
	rxl_skip_case gretap "no gretap in this kernel"
fi

[ "$(fwt rule-hits 1 0)" -gt 0 ] || fail "rule 0 hits not counted"
[ "$(fwt rule-hits 1 2)" -gt 0 ] || fail "rule 2 hits not counted"
read -r _ pass _ drop <<< "$(fwt counter 1)"
[ "$pass" -gt 0 ] && [ "$drop" -gt 0 ] ||
	fail "container counters pass $pass drop $drop"

# Replace the rule set: now 22 is open and 80 closed for the vxlan source.
fwt rules 1 drop "prio 1 from 10.100.0.0/24 proto tcp dport 80 drop" \
	"prio 5 from 10.100.0.0/24 proto tcp dport 22 allow" ||
	fail "replace rules"
expect_allowed vx0 22 "after replace, newly allowed port"
expect_refused vx0 80 "after replace, explicitly dropped port" rule
expect_refused vx6 8080 "after replace, rule gone" default

# Default allow: everything not dropped by a rule gets through.
fwt rules 1 allow "prio 1 proto tcp dport 80 drop" || fail "default allow"
expect_allowed vx6 22 "default allow"
expect_refused vx6 80 "default allow, drop rule" rule

echo "PASS: kernel tunnel senders, TCP allowed and refused by the rules"
exit 0
