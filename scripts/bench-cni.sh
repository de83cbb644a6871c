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
# ops/s, CPU ms per call (user + sys) beside the floor's, and ratios; the
# floor: /bin/true started by the same loop (again beside each phase);
# ratios, not absolute times, compare across runs on a shared machine. The host: CPU model, vulnerabilities, load before/after.
# FIXED=1 (default) first measures the per-call fixed costs, ROUNDS
# (default 3) interleaved rounds of: /bin/true (the floor), VERSION (the
# plugin's start alone), a DEL of an absent container with the state of
# one present container pinned, and an ADD+DEL pair; wall and CPU (user +
# sys) ms per call, each build and the floor side by side. FIXED_ONLY=1
# stops after that.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
NEW=${NEW:-$TOP/user/rxlane-cni}
OLD=${OLD:-}
K=${K:-50}
PRESENT=${PRESENT:-1000 4000 10000}
MAXC=${MAXC-10240}
FIXED=${FIXED:-1}
FIXED_ONLY=${FIXED_ONLY:-0}
ROUNDS=${ROUNDS:-3}
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
# phase WHAT [N]: every build's K ADDs then K DELs, with N present; the
# floor (K starts of /bin/true) beside them. Wall: ops/s; CPU (user + sys
# of the children): ms per call, and over the floor's.
phase() {
	local b f=$B/p.floor.${2:-0}

	timed "$f" run true X
	for b in $BUILDS; do
		if [ "${2:-0}" -gt 0 ] && [ -n "${CAP[$b]:-}" ] &&
		   [ $(($2 + K)) -gt "${CAP[$b]}" ]; then
			echo "$b  $1: skipped, its maps hold ${CAP[$b]} ids"
			continue
		fi
		timed "$B/p.$b.${2:-0}.add" run "$b" ADD
		timed "$B/p.$b.${2:-0}.del" run "$b" DEL
		T[$b.$1.add]=$(cut -d' ' -f1 "$B/p.$b.${2:-0}.add")
		T[$b.$1.del]=$(cut -d' ' -f1 "$B/p.$b.${2:-0}.del")
		printf '%-4s %-14s ADD %8.1f/s  DEL %8.1f/s\n' "$b" "$1" \
			"$(echo "$K / ${T[$b.$1.add]}" | bc -l)" \
			"$(echo "$K / ${T[$b.$1.del]}" | bc -l)"
		awk -v k="$K" -v b="$b" -v w="$1" 'NR == 1 { f = $2 } NR == 2 { a = $2 }
			NR == 3 { d = $2 }
			END { printf "%-4s %-14s CPU ms per call: floor %.2f, ADD %.2f (%.2fx the floor, +%.2f), DEL %.2f (%.2fx, +%.2f)\n",
				b, w, 1000 * f / k, 1000 * a / k, a / f, 1000 * (a - f) / k,
				1000 * d / k, d / f, 1000 * (d - f) / k }' \
			"$f" "$B/p.$b.${2:-0}.add" "$B/p.$b.${2:-0}.del"
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

# ---- the fixed costs per call ----------------------------------------------
# timed OUT CMD...: CMD's wall and CPU (user + sys, its children's) seconds
# appended to OUT as "wall cpu".
timed() {
	local out=$1 t

	shift
	t=$( { TIMEFORMAT='%3R %3U %3S'; time "$@" >/dev/null 2>&1; } 2>&1 ) ||
		{ echo "$*: failed" >&2; exit 1; }
	echo "$t" | awk '{ print $1, $2 + $3 }' >> "$out"
}
# calls BUILD CMD ID: K calls of CMD (ADD, DEL, ADDDEL: both, VERSION) by
# BUILD's plugin on container i's config, CNI_CONTAINERID ID$i.
calls() {
	local i cni=${CNIB[$1]}

	for i in $(seq 1 "$K"); do
		case $2 in
		ADDDEL)
			CNI_COMMAND=ADD CNI_CONTAINERID=$3$i CNI_IFNAME=eth0 \
				CNI_NETNS=/run/netns/bc$i-$SUF "$cni" < "$B/$1.conf$i" ||
				return 1
			CNI_COMMAND=DEL CNI_CONTAINERID=$3$i CNI_IFNAME=eth0 \
				CNI_NETNS=/run/netns/bc$i-$SUF "$cni" < "$B/$1.conf$i" ||
				return 1 ;;
		*)
			CNI_COMMAND=$2 CNI_CONTAINERID=$3$i CNI_IFNAME=eth0 \
				CNI_NETNS=/run/netns/bc$i-$SUF "$cni" < "$B/$1.conf$i" ||
				return 1 ;;
		esac
	done
}
# ms OUT CALLS: the mean wall and CPU ms per call of OUT's rounds.
ms() {
	awk -v n="$2" '{ w += $1; c += $2; r++ }
		END { printf "%7.2f %7.2f", 1000 * w / r / n, 1000 * c / r / n }' "$1"
}
# ratio LABEL A B: B's time over A's, wall and CPU, of all their rounds.
ratio() {
	awk -v w="$1" 'NR == FNR { aw += $1; ac += $2; next }
		{ bw += $1; bc += $2 }
		END { printf "  %-32s wall %.2fx, cpu %.2fx\n", w, bw / aw, bc / ac }' \
		"$2" "$3"
}
# One container of the plugin's stays present throughout, as on a host
# where containers run: the programs stay pinned (the first ADD loads
# them, the last DEL unpins them: neither is a steady call), and DEL of an
# absent one finds the state pinned. "0 present" counts no other. Its own
# netns per build: the builds' programs differ.
for b in $BUILDS; do
	ns=bk$b-$SUF
	ip netns add "$ns" || exit 1
	NSS+=("$ns")
	ip -n "$ns" link add eth0 type veth peer name p0
	ip -n "$ns" link set eth0 up
	jq -c --arg ns "/run/netns/$ns" '.prevResult.ips[0].address =
		"10.97.0.2/16" | .prevResult.interfaces[0].sandbox = $ns' \
		"$B/$b.conf1" > "$B/$b.keep"
	CNI_COMMAND=ADD CNI_CONTAINERID=keep CNI_IFNAME=eth0 \
		CNI_NETNS=/run/netns/$ns "${CNIB[$b]}" \
		< "$B/$b.keep" >/dev/null 2>&1 ||
		{ echo "$b: ADD of the kept container failed" >&2; exit 1; }
done
if [ "$FIXED" = 1 ]; then
	for _ in $(seq 1 "$ROUNDS"); do
		timed "$B/f.true" run true X
		for b in $BUILDS; do
			timed "$B/f.$b.version" calls "$b" VERSION x
			timed "$B/f.$b.delabsent" calls "$b" DEL absent
			timed "$B/f.$b.adddel" calls "$b" ADDDEL pair
		done
	done
	echo "fixed costs, ms per call (wall cpu), $ROUNDS rounds of K=$K, interleaved:"
	printf '  %-24s %s\n' "floor (/bin/true)" "$(ms "$B/f.true" "$K")"
	for b in $BUILDS; do
		printf '  %-24s %s\n' "$b VERSION" "$(ms "$B/f.$b.version" "$K")"
		printf '  %-24s %s\n' "$b DEL absent" "$(ms "$B/f.$b.delabsent" "$K")"
		printf '  %-24s %s\n' "$b ADD+DEL pair" "$(ms "$B/f.$b.adddel" "$K")"
	done
	for b in $BUILDS; do
		for w in version delabsent adddel; do
			ratio "$b $w / floor" "$B/f.true" "$B/f.$b.$w"
		done
	done
	if [ -n "$OLD" ]; then
		for w in version delabsent adddel; do
			ratio "new / old time ($w)" "$B/f.old.$w" "$B/f.new.$w"
		done
	fi
	[ "$FIXED_ONLY" = 1 ] && { echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"; exit 0; }
fi

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
