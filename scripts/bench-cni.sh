#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rxlane-cni ADD and DEL per second, process start included (as runtimes
# call it), 10 rules per container, with 0 and each count of PRESENT
# (default "1000 4000 10000") containers already configured. The maps are
# made first by 'rxlane attach DEV max-containers MAXC' (default 10240;
# a veth of the bench's own; MAXC= empty: by the first ADD, 4096 ids), so
# that PRESENT may pass 4095; a build whose maps hold fewer ids (an older
# one, which has no max-containers) skips the counts that do not fit. K
# (default 50) ADDs then K DELs each. With OLD=path/to/an/older/rxlane-cni
# (and its rxlane beside it; NEW= likewise, default this tree's), the older build is measured in the same run,
# each build on its own bpffs, one after the other, phase by phase. Prints
# ops/s and ratios, and the floor: /bin/true started by the same loop;
# ratios, not absolute times, compare across runs on a shared machine. The host: CPU model, vulnerabilities, load before/after.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
NEW=${NEW:-$TOP/user/rxlane-cni}
OLD=${OLD:-}
K=${K:-50}
PRESENT=${PRESENT:-1000 4000 10000}
MAXC=${MAXC-10240}
SUF=$RANDOM
B=$(mktemp -d /tmp/rxl-bench-cni.XXXXXX)
NSS=()
MNT=()

cleanup() {
	local ns m

	for ns in "${NSS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	for m in "${MNT[@]}"; do
		umount "$m" 2>/dev/null
		rmdir "$m" 2>/dev/null
	done
	rm -rf "$B"
}
trap cleanup EXIT

for i in $(seq 1 "$K"); do
	ns=bc$i-$SUF
	ip netns add "$ns" || exit 1
	NSS+=("$ns")
	ip -n "$ns" link add eth0 type veth peer name p0
	ip -n "$ns" link set eth0 up
done

# conf PIN N: container N's config.
conf() {
	jq -nc --arg pin "$1" --arg ns "/run/netns/bc$2-$SUF" \
		--arg a "10.99.$(($2 / 250)).$(($2 % 250 + 2))/16" \
		'{cniVersion: "1.0.0", name: "bench", type: "rxlane-cni",
		  pinDir: $pin,
		  policy: {default: "drop", rules: [range(10) |
			{action: "allow", proto: "tcp", from: "10.1.\(.).0/24", dport: 80}]},
		  prevResult: {cniVersion: "1.0.0",
			interfaces: [{name: "eth0", sandbox: $ns}],
			ips: [{address: $a, interface: 0}]}}'
}

# run BUILD CMD: K calls of BUILD's plugin, the seconds they took.
run() {
	local t0 t1 i

	t0=$(date +%s.%N)
	for i in $(seq 1 "$K"); do
		CNI_COMMAND=$2 CNI_CONTAINERID=bench$i CNI_IFNAME=eth0 \
			CNI_NETNS=/run/netns/bc$i-$SUF "${CNIB[$1]}" \
			< "$B/$1.conf$i" > /dev/null 2>&1 ||
			{ echo "$1 $2 $i failed" >&2; exit 1; }
	done
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}

declare -A CNIB=([new]=$NEW) PIN
BUILDS=new
[ -n "$OLD" ] && CNIB[old]=$OLD && BUILDS="old new"
for b in $BUILDS; do
	mkdir "$B/$b"
	mount -t bpf bpf "$B/$b" || exit 1
	MNT+=("$B/$b")
	PIN[$b]=$B/$b/rxlane
	for i in $(seq 1 "$K"); do
		conf "${PIN[$b]}" "$i" > "$B/$b.conf$i"
	done
done

# The maps of each build, made by attach when MAXC is set; CAP: the ids
# they hold (rxl_cont_cnt's entries).
declare -A CAP
if [ -n "${MAXC:-}" ]; then
	ns=bm-$SUF
	ip netns add "$ns" || exit 1
	NSS+=("$ns")
	ip -n "$ns" link add m0 type veth peer name m1
	ip -n "$ns" link set m0 up
	ip -n "$ns" link set m1 up
	for b in $BUILDS; do
		cli=$(dirname "${CNIB[$b]}")/rxlane
		RXLANE_PIN_DIR=${PIN[$b]} ip netns exec "$ns" "$cli" attach m0 \
			mode generic max-containers "$MAXC" 2>/dev/null ||
			RXLANE_PIN_DIR=${PIN[$b]} ip netns exec "$ns" "$cli" \
				attach m0 mode generic || exit 1
		CAP[$b]=$(bpftool -j map show pinned "${PIN[$b]}/rxl_cont_cnt" |
			  jq .max_entries)
		RXLANE_PIN_DIR=${PIN[$b]} ip netns exec "$ns" "$cli" detach m0 ||
			exit 1
		echo "$b: maps of ${CAP[$b]} container ids"
	done
fi

declare -A T
# phase WHAT [N]: every build's K ADDs then K DELs, with N present.
phase() {
	local b add del

	for b in $BUILDS; do
		if [ "${2:-0}" -gt 0 ] && [ -n "${CAP[$b]:-}" ] &&
		   [ $(($2 + K)) -gt "${CAP[$b]}" ]; then
			echo "$b  $1: skipped, its maps hold ${CAP[$b]} ids"
			continue
		fi
		add=$(run "$b" ADD) || exit 1
		del=$(run "$b" DEL) || exit 1
		T[$b.$1.add]=$add
		T[$b.$1.del]=$del
		printf '%-4s %-14s ADD %8.1f/s  DEL %8.1f/s\n' "$b" "$1" \
			"$(echo "$K / $add" | bc -l)" "$(echo "$K / $del" | bc -l)"
	done
}

echo "host: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), $(nproc) CPUs"
grep -H . /sys/devices/system/cpu/vulnerabilities/* 2>/dev/null |
	sed 's|.*/||' | tr '\n' ';'
echo
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); K=$K PRESENT=$PRESENT"
# The floor: K starts of /bin/true through the same loop.
CNIB[true]=/bin/true
for i in $(seq 1 "$K"); do
	: > "$B/true.conf$i"
done
printf 'process start (/bin/true): %.1f/s\n' "$(echo "$K / $(run true X)" | bc -l)"
phase "0 present"
# Each count of PRESENT containers by one policy file per build (its maps
# exist now); a larger count keeps the smaller one's containers.
for p in $PRESENT; do
	jq -n --argjson n "$p" '{schema: 1, containers: [range($n) |
		{name: "p\(.)", ips: ["10.98.\(. / 250 | floor).\(. % 250 + 2)"],
		 default: "drop"}]}' > "$B/policy.json"
	for b in $BUILDS; do
		[ -n "${CAP[$b]:-}" ] && [ $((p + K)) -gt "${CAP[$b]}" ] &&
			continue
		RXLANE_PIN_DIR=${PIN[$b]} "$(dirname "${CNIB[$b]}")/rxlane" \
			policy apply "$B/policy.json" >/dev/null ||
			{ echo "$b: policy apply of $p containers failed" >&2; exit 1; }
	done
	phase "$p present" "$p"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
for b in $BUILDS; do
	for p in $PRESENT; do
		[ -n "${T[$b.$p present.add]:-}" ] || continue
		printf '%-4s ratio (%s present / 0): ADD time %.2fx, DEL time %.2fx\n' \
			"$b" "$p" \
			"$(echo "${T[$b.$p present.add]} / ${T[$b.0 present.add]}" | bc -l)" \
			"$(echo "${T[$b.$p present.del]} / ${T[$b.0 present.del]}" | bc -l)"
	done
done
if [ -n "$OLD" ]; then
	for p in 0 $PRESENT; do
		p="$p present"
		[ -n "${T[old.$p.add]:-}" ] || continue
		printf 'new / old speed (%s): ADD %.1fx, DEL %.1fx\n' "$p" \
			"$(echo "${T[old.$p.add]} / ${T[new.$p.add]}" | bc -l)" \
			"$(echo "${T[old.$p.del]} / ${T[new.$p.del]}" | bc -l)"
	done
fi
