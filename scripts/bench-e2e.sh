#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end veth benchmark (make bench): VXLAN frames (VNI 100, inner TCP
# SYN to the container's port 22) sent over a veth pair between two
# namespaces this script creates, dropped on the receiving end by:
#
#   rxlane      the rxlane XDP program, native on the veth: decap, container
#               lookup, N non-matching rules, default drop
#   xdp-filter  xdp-tools' xdp-filter, native: N source addresses + UDP 4789
#   nft-linear  nftables prerouting: N non-matching rules, then a drop
#   nft-set     nftables prerouting: one lookup in a set of N, then a drop
#   vxlan+nft   the kernel's vxlan device decaps, then nft-linear on the
#               inner packet
#   xdp-drop    a native XDP program that drops every frame (xdp_drop_base
#               of bench/rxlane_bench.o): the cost of sending and of
#               receiving anything at all
#
# for N in RULES (default 0 100 1000 10000). The sender (bench/e2e_send:
# AF_PACKET, sendmmsg, qdisc bypass) and the receiver's NAPI share one CPU,
# so a rate is 1 / (send + receive cost). Each variant has its own veth
# pair and receiving namespace; all are loaded at once and measured in
# turn, ROUNDS rounds; the median rate of each is reported, and its ratio
# to rxlane's at the same N, and each variant's receive cost over
# xdp-drop's (1/rate - 1/rate of xdp-drop: what the receiver spends beyond
# an XDP program that only drops), with rxlane's as a fraction of
# vxlan+nft's (issue 17's end-to-end goal). Results: $BENCH_OUT/e2e.txt.
#
#   DUR=2 ROUNDS=5 CPU=1 RULES="0 100 1000 10000" scripts/bench-e2e.sh
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/scripts/bench-host.sh"
OUT=${BENCH_OUT:-$TOP/build/bench}
DUR=${DUR:-2}
ROUNDS=${ROUNDS:-5}
CPU=${CPU:-1}
RULES=${RULES:-0 100 1000 10000}
VARIANTS=${VARIANTS:-rxlane xdp-filter nft-linear nft-set vxlan+nft xdp-drop}
OBJ=$TOP/bpf/rxlane_xdp.o
DROP_OBJ=$TOP/bench/rxlane_bench.o
FWT=$TOP/selftests/host/fw_tool
ID=$$-$RANDOM
G=rxl-bg-$ID
D=
declare -A DNS
PINS=
SEND=$OUT/e2e_send

[ "$(id -u)" -eq 0 ] || { echo "bench-e2e: needs root" >&2; exit 1; }
bench_need bench-e2e nft xdp-filter python3 gcc
[ -r "$OBJ" ] && [ -x "$FWT" ] && [ -r "$DROP_OBJ" ] ||
	{ echo "bench-e2e: build first (make)" >&2; exit 1; }
mkdir -p "$OUT"
gcc -O2 -Wall -o "$SEND" "$TOP/bench/e2e_send.c"

cleanup() {
	local ns

	ip netns del "$G" 2>/dev/null
	for ns in "${DNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$PINS" ]; then
		umount "$PINS" 2>/dev/null
		rmdir "$PINS" 2>/dev/null
	fi
}
trap cleanup EXIT
PINS=$(mktemp -d /tmp/rxl-bench-bpf.XXXXXX)
mount -t bpf bpf "$PINS"

# One receiver namespace and veth pair per variant, all set up at once,
# so that the measurements of the variants can alternate round by round.
ip netns add "$G"
ip -n "$G" link set lo up
k=0
for v in $VARIANTS; do
	D=rxl-bd$k-$ID
	ip netns add "$D"
	DNS[$v]=$D
	ip -n "$G" link add s$k address 02:00:00:00:00:01 type veth peer \
		name v1 address 02:00:00:00:00:02 netns "$D"
	ip -n "$D" link set lo up
	ip -n "$D" addr add 10.0.0.2/24 dev v1
	ip -n "$G" link set s$k up
	ip -n "$D" link set v1 up
	# NAPI on the receiving veth for every variant (XDP gives it anyway).
	ip netns exec "$D" ethtool -K v1 gro on >/dev/null
	k=$((k + 1))
done

# Outer 10.0.0.1 -> 10.0.0.2 UDP 4789, VXLAN VNI 100, inner
# 10.100.0.1 -> 10.200.0.2 TCP SYN to port 22 (inner MAC: vx0's).
FRAME=$(python3 - <<'PY'
import struct
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return struct.pack("!H", ~s & 0xffff)
def ip4(src, dst, proto, payload):
    h = struct.pack("!BBHHHBB2s4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64,
                    proto, b"\0\0", bytes(src), bytes(dst))
    return h[:10] + csum(h) + h[12:] + payload
tcp = struct.pack("!HHIIBBHHH", 40000, 22, 1, 0, 5 << 4, 0x02, 65535, 0, 0)
inner = bytes.fromhex("020000000200" "020000000100" "0800") + \
    ip4([10, 100, 0, 1], [10, 200, 0, 2], 6, tcp)
vxlan = struct.pack("!II", 0x08000000, 100 << 8)
udp = struct.pack("!HHHH", 40000, 4789, 8 + len(vxlan) + len(inner), 0)
outer = bytes.fromhex("020000000002" "020000000001" "0800") + \
    ip4([10, 0, 0, 1], [10, 0, 0, 2], 17, udp + vxlan + inner)
print(outer.hex())
PY
)

addr() { echo "10.$((50 + $1 / 65536)).$(($1 / 256 % 256)).$(($1 % 256))"; }

setup_rxlane() {
	local i args=()
	TC_BPF_MNT=$PINS ip -n "$D" link set dev v1 xdpdrv obj "$OBJ" sec xdp
	ip netns exec "$D" "$FWT" --dev v1 vtep 10.0.0.2
	ip netns exec "$D" "$FWT" --dev v1 vni vxlan 100
	ip netns exec "$D" "$FWT" --dev v1 container 1 10.200.0.2
	for ((i = 0; i < $1; i++)); do
		args+=("prio $i from $(addr $i)/32 proto tcp dport 22 allow")
	done
	ip netns exec "$D" "$FWT" --dev v1 rules 1 drop "${args[@]}"
}
teardown_rxlane() {
	ip -n "$D" link set dev v1 xdpdrv off
	rm -rf "$PINS/tc"
}

setup_xdp-filter() {
	export LIBXDP_BPFFS=$PINS
	local i
	ip netns exec "$D" xdp-filter load -m native v1
	ip netns exec "$D" xdp-filter port -p udp -m dst 4789
	for ((i = 0; i < $1; i++)); do
		echo "$(addr $i)"
	done | xargs -r -n 1 ip netns exec "$D" xdp-filter ip -m src
}
teardown_xdp-filter() { LIBXDP_BPFFS=$PINS ip netns exec "$D" xdp-filter unload v1; }

nft_load() {	# N iifname verdict-rule
	local i
	{
		echo "table ip bench { chain pre { type filter hook prerouting priority 0; policy accept;"
		for ((i = 0; i < $1; i++)); do
			echo "iifname \"$2\" ip saddr $(addr $i) accept"
		done
		echo "$3"
		echo "}"; echo "}"
	} | ip netns exec "$D" nft -f -
}
setup_nft-linear() { nft_load "$1" v1 'iifname "v1" udp dport 4789 drop'; }
teardown_nft-linear() { ip netns exec "$D" nft delete table ip bench; }
setup_nft-set() {
	local i
	{
		echo "table ip bench { set s { type ipv4_addr;"
		if [ "$1" -gt 0 ]; then
			echo -n "elements = { "
			for ((i = 0; i < $1; i++)); do
				echo -n "$(addr $i), "
			done
			echo "}"
		fi
		echo "}"
		echo "chain pre { type filter hook prerouting priority 0; policy accept;"
		echo 'ip saddr @s accept'
		echo 'iifname "v1" udp dport 4789 drop'
		echo "}"; echo "}"
	} | ip netns exec "$D" nft -f -
}
teardown_nft-set() { teardown_nft-linear; }
setup_vxlan+nft() {
	ip -n "$D" link add vx0 address 02:00:00:00:02:00 type vxlan id 100 \
		local 10.0.0.2 dstport 4789 dev v1
	ip -n "$D" addr add 10.200.0.2/24 dev vx0
	ip -n "$D" link set vx0 up
	nft_load "$1" vx0 'iifname "vx0" tcp dport 22 drop'
}
teardown_vxlan+nft() {
	teardown_nft-linear
	ip -n "$D" link del vx0
}

setup_xdp-drop() {
	TC_BPF_MNT=$PINS ip -n "$D" link set dev v1 xdpdrv obj "$DROP_OBJ" \
		program xdp_drop_base
}
teardown_xdp-drop() { ip -n "$D" link set dev v1 xdpdrv off; }

rx() { ip netns exec "$D" cat /sys/class/net/v1/statistics/rx_packets; }

# measure VARIANT: packets per second its receiver took in over DUR s.
measure() {
	local before after k=0 w
	for w in $VARIANTS; do
		[ "$w" = "$1" ] && break
		k=$((k + 1))
	done
	D=${DNS[$1]}
	before=$(rx)
	ip netns exec "$G" taskset -c "$CPU" "$SEND" s$k "$DUR" "$FRAME" >/dev/null
	after=$(rx)
	echo $(((after - before) / DUR))
}

RES=$OUT/e2e.raw
: > "$RES"
# At each N all variants are loaded (xdp-filter takes one command per
# address: 10k of them take about two minutes), then measured in turn,
# round after round, so that the machine's load drifts over all alike.
for n in $RULES; do
	for v in $VARIANTS; do
		D=${DNS[$v]}
		"setup_$v" "$n" >/dev/null
	done
	for r in $(seq "$ROUNDS"); do
		for v in $VARIANTS; do
			pps=$(measure "$v")
			echo "$v $n $r $pps" | tee -a "$RES" >&2
		done
	done
	# A teardown that fails (seen: xdp-filter saying it is not loaded on
	# a shared machine) must not lose the measurements made: the
	# namespaces go at exit anyway.
	for v in $VARIANTS; do
		D=${DNS[$v]}
		"teardown_$v" >/dev/null ||
			echo "bench-e2e: teardown of $v at $n rules failed" >&2
	done
done

{
bench_host_facts
python3 - "$RES" "$DUR" "$ROUNDS" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = {}
for v, n, r, pps in rows:
    med.setdefault((v, int(n)), []).append(int(pps))
med = {k: statistics.median(x) for k, x in med.items()}
variants = list(dict.fromkeys(r[0] for r in rows))
ns = sorted({k[1] for k in med})
print("end-to-end veth, %s s per measurement, median of %s rounds" % tuple(sys.argv[2:4]))
print("%-11s %6s %10s %8s %13s" % ("variant", "rules", "kpps", "x rxlane",
                                    "ns over drop"))
for n in ns:
    base = med.get(("rxlane", n))
    drop = med.get(("xdp-drop", n))
    over = {}
    for v in variants:
        p = med[(v, n)]
        if drop and p:
            over[v] = 1e9 / p - 1e9 / drop
        print("%-11s %6d %10.1f %8s %13s" % (v, n, p / 1e3,
              "%.3f" % (p / base) if base else "-",
              "%.0f" % over[v] if v in over else "-"))
    if over.get("vxlan+nft", 0) > 0 and "rxlane" in over:
        print("%-11s %6d receive cost over xdp-drop: rxlane %.2fx vxlan+nft"
              % ("", n, over["rxlane"] / over["vxlan+nft"]))
PY
} | tee "$OUT/e2e.txt"
