#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rxlane-cni ADD and DEL per second, process start included (as runtimes
# call it), 10 rules per container, with 0 and PRESENT (default 1000)
# containers already configured; K (default 20) ADDs then K DELs each.
# Prints ops/s and the ratio of the two; ratios, not absolute times, are
# what compares across runs on a shared machine.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
CNI=$TOP/user/rxlane-cni
CLI=$TOP/user/rxlane
K=${K:-20}
PRESENT=${PRESENT:-1000}
SUF=$RANDOM
B=$(mktemp -d /tmp/rxl-bench-cni.XXXXXX)
PIN=$B/rxlane
NSS=()

cleanup() {
	local ns

	for ns in "${NSS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	umount "$B" 2>/dev/null
	rmdir "$B" 2>/dev/null
	rm -f "$B.policy.json"
}
trap cleanup EXIT
mount -t bpf bpf "$B" || exit 1

for i in $(seq 1 "$K"); do
	ns=bc$i-$SUF
	ip netns add "$ns" || exit 1
	NSS+=("$ns")
	ip -n "$ns" link add eth0 type veth peer name p0
	ip -n "$ns" link set eth0 up
done

conf() {
	jq -nc --arg pin "$PIN" --arg ns "/run/netns/bc$1-$SUF" \
		--arg a "10.99.$(($1 / 250)).$(($1 % 250 + 2))/16" \
		'{cniVersion: "1.0.0", name: "bench", type: "rxlane-cni",
		  pinDir: $pin,
		  policy: {default: "drop", rules: [range(10) |
			{action: "allow", proto: "tcp", from: "10.1.\(.).0/24", dport: 80}]},
		  prevResult: {cniVersion: "1.0.0",
			interfaces: [{name: "eth0", sandbox: $ns}],
			ips: [{address: $a, interface: 0}]}}'
}

# run CMD: K calls, the seconds they took on stdout.
run() {
	local t0 t1 i

	t0=$(date +%s.%N)
	for i in $(seq 1 "$K"); do
		CNI_COMMAND=$1 CNI_CONTAINERID=bench$i CNI_IFNAME=eth0 \
			CNI_NETNS=/run/netns/bc$i-$SUF "$CNI" \
			< "$B.conf$i" > /dev/null || { echo "$1 $i failed" >&2; exit 1; }
	done
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}

for i in $(seq 1 "$K"); do
	conf "$i" > "$B.conf$i"
done

phase() {
	local add del

	add=$(run ADD) || exit 1
	del=$(run DEL) || exit 1
	printf '%-10s ADD %7.1f/s  DEL %7.1f/s\n' "$1" \
		"$(echo "$K / $add" | bc -l)" "$(echo "$K / $del" | bc -l)" >&2
	echo "$add $del"
}

read -r a0 d0 < <(phase "0 present")
# PRESENT containers by one policy file (the maps exist after phase 0).
jq -n --argjson n "$PRESENT" '{schema: 1, containers: [range($n) |
	{name: "p\(.)", ips: ["10.98.\(. / 250 | floor).\(. % 250 + 2)"],
	 default: "drop"}]}' > "$B.policy.json"
RXLANE_PIN_DIR=$PIN "$CLI" policy apply "$B.policy.json" >/dev/null ||
	{ echo "policy apply of $PRESENT containers failed" >&2; exit 1; }
read -r a1 d1 < <(phase "$PRESENT present")
printf 'ratio (%s present / 0): ADD time %.2fx, DEL time %.2fx\n' "$PRESENT" \
	"$(echo "$a1 / $a0" | bc -l)" "$(echo "$d1 / $d0" | bc -l)"
rm -f "$B".conf*
