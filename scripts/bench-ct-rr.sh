#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Request/response through a default-drop container (make bench; issue
# 14): transactions per second of 1-byte request, 1-byte answer over one
# TCP connection (bench/ct_rr, TCP_NODELAY), TCP_RR-style, between the
# container's namespace B (10.78.0.1, veth vb) and a peer's P (10.78.0.2),
# with B protected by:
#
#   rxlane    'rxlane attach vb' (XDP + tc egress), container web with
#             default drop and 'fw add web allow proto tcp dport 8080'
#   nft       nftables input chain, policy drop: ct state
#             established,related accept; lo accept; tcp dport 8080
#             accept (the same rule)
#   xdp-pass  nothing but an XDP program that passes all (the veth in XDP
#             mode, as under rxlane: NAPI on its receive side)
#   none      nothing
#
# Two directions: "in", P connects to B's allowed port 8080; "out", B
# connects to P's port 9000, so the answers reach B only as an
# established flow (rxlane's ct hit; nft's ct state rule). Each variant
# has its own pair of namespaces, all set up at once and measured in
# turn, round after round; client and server are pinned to CPU. Beside
# the rate, the CPU time client and server spent per transaction (their
# user + system time; this kernel has no IRQ time accounting, so the
# softirq work done in their context, the veth and both firewalls, is
# in it, sampled at each tick): on a loaded host the rate mostly
# measures waiting for the CPU, the CPU time much less so. Checked
# before measuring: B's port 9999 answers nothing under rxlane and nft
# (the drop works) and answers (refused) under xdp-pass and none; after
# each "out" run of rxlane, its ct event "ingress" grew by at least the
# transactions made. Everything created is removed at exit.
# Results: $BENCH_OUT/ct-rr.txt (default build/bench).
#
#   DUR=2 ROUNDS=5 CPU=1 VARIANTS="none xdp-pass nft rxlane" \
#   scripts/bench-ct-rr.sh
set -eu -o pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/scripts/bench-host.sh"
. "$TOP/selftests/host/lib.sh"
OUT=${BENCH_OUT:-$TOP/build/bench}
DUR=${DUR:-2}
ROUNDS=${ROUNDS:-5}
CPU=${CPU:-1}
VARIANTS=${VARIANTS:-none xdp-pass nft rxlane}
RR=$TOP/bench/ct_rr
PASS_OBJ=$TOP/bench/rxlane_bench.o
declare -A BNS PNS SRV
HZ=$(getconf CLK_TCK)

bench_need bench-ct-rr nft taskset python3 jq
[ -r "$TOP/bpf/rxlane_xdp.o" ] || { echo "bench-ct-rr: build first (make)" >&2; exit 1; }
make -s -C "$TOP/bench"
mkdir -p "$OUT"
rxl_init ctrr		# root, a private bpffs, cleanup at exit

setup_none() { :; }
setup_xdp-pass() {
	ip -n "$B" link set dev vb xdpdrv obj "$PASS_OBJ" program xdp_pass_base
}
setup_nft() {
	ip netns exec "$B" nft -f - <<'NFT'
table inet rxlbench {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iifname "lo" accept
		tcp dport 8080 accept
	}
}
NFT
}
setup_rxlane() {
	local c

	for c in "attach vb" "container add web ip 10.78.0.1 default drop" \
		 "fw add web allow proto tcp dport 8080"; do
		ip netns exec "$B" "$RXL_CLI" $c >/dev/null ||
			rxl_fail "rxlane $c"
	done
}

# probe VARIANT PORT: whether B's PORT answers P (0) or not (1).
probe() {
	ip netns exec "${PNS[$1]}" "$RR" probe 10.78.0.1 "$2"
}

# cpu_ticks PID: its user + system time, in ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

ct_ingress() {
	ip netns exec "${BNS[rxlane]}" "$RXL_CLI" -j ct stats |
		jq -e '.events.ingress'
}

# measure VARIANT DIR: transactions per second over DUR s, and the CPU
# time of client and server per transaction (us).
measure() {
	local ns=${PNS[$1]} to=10.78.0.1 port=8080 before after srv s0 s1
	local tps n cli

	if [ "$2" = out ]; then
		ns=${BNS[$1]} to=10.78.0.2 port=9000
	fi
	srv=${SRV[$1/$2]}
	[ "$1/$2" != rxlane/out ] || before=$(ct_ingress)
	s0=$(cpu_ticks "$srv")
	read -r tps n cli < <(ip netns exec "$ns" taskset -c "$CPU" "$RR" \
		run "$to" "$port" "$DUR") && [ -n "$cli" ] ||
		rxl_fail "$1 $2: no transactions"
	s1=$(cpu_ticks "$srv")
	if [ "$1/$2" = rxlane/out ]; then
		after=$(ct_ingress)
		[ $((after - before)) -ge "$n" ] ||
			rxl_fail "rxlane out: ct ingress grew by $((after - before)) for $n transactions: not the ct path"
	fi
	echo "$tps $(awk -v c="$cli" -v s=$((s1 - s0)) -v hz="$HZ" -v n="$n" \
		'BEGIN { printf "%.2f", (c + s * 1e6 / hz) / n }')"
}

for v in $VARIANTS; do
	B=rxl-rrb-$v-$RXL_ID
	P=rxl-rrp-$v-$RXL_ID
	BNS[$v]=$B
	PNS[$v]=$P
	rxl_netns "$B"
	rxl_netns "$P"
	rxl_ns_pair "$B" vb "$P" vp 10.78.0.1/24 10.78.0.2/24
	ip netns exec "$B" taskset -c "$CPU" "$RR" serve 10.78.0.1 8080 &
	RXL_PIDS+=($!)
	SRV[$v/in]=$!
	ip netns exec "$P" taskset -c "$CPU" "$RR" serve 10.78.0.2 9000 &
	RXL_PIDS+=($!)
	SRV[$v/out]=$!
	"setup_$v" || rxl_fail "setup $v"
done
sleep 0.5
for v in $VARIANTS; do
	probe "$v" 8080 || rxl_fail "$v: the allowed port 8080 does not answer"
	case $v in
	nft|rxlane) ! probe "$v" 9999 || rxl_fail "$v: port 9999 answered: nothing drops" ;;
	*) probe "$v" 9999 || rxl_fail "$v: port 9999 does not answer" ;;
	esac
done

RES=$OUT/ct-rr.raw
: > "$RES"
for r in $(seq "$ROUNDS"); do
	for v in $VARIANTS; do
		for d in in out; do
			# rxl_fail prints on stdout: show why, then stop.
			m=$(measure "$v" "$d") || { echo "$m" >&2; exit 1; }
			echo "$v $d $r $m $(cut -d' ' -f1 /proc/loadavg)" |
				tee -a "$RES" >&2
		done
	done
done

{
bench_host_facts
python3 - "$RES" "$DUR" "$ROUNDS" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
tps, cpu, load = {}, {}, {}
for v, d, r, t, c, l in rows:
    tps.setdefault((v, d), []).append(int(t))
    cpu.setdefault((v, d), []).append(float(c))
    load.setdefault((v, d), []).append(float(l))
variants = list(dict.fromkeys(r[0] for r in rows))
print("TCP_RR over veth, 1-byte transactions, %s s per measurement, "
      "median of %s rounds" % tuple(sys.argv[2:4]))
print("%-9s %-4s %10s %10s %10s %13s %9s %9s %6s" % ("variant", "dir",
      "trans/s", "min", "max", "us over none", "cpu us/tr", "over none",
      "load"))
med = {k: statistics.median(x) for k, x in tps.items()}
mcpu = {k: statistics.median(x) for k, x in cpu.items()}
for d in ("in", "out"):
    for v in variants:
        m = med[(v, d)]
        none = med.get(("none", d))
        cn = mcpu.get(("none", d))
        print("%-9s %-4s %10.0f %10d %10d %13s %9.2f %9s %6.1f" % (
            v, d, m, min(tps[(v, d)]), max(tps[(v, d)]),
            "%.2f" % (1e6 / m - 1e6 / none) if none else "-",
            mcpu[(v, d)], "%.2f" % (mcpu[(v, d)] - cn) if cn else "-",
            statistics.median(load[(v, d)])))
for d in ("in", "out"):
    if ("rxlane", d) in med and ("nft", d) in med:
        # The ratio of the same round's two figures, median over rounds.
        x = statistics.median(a / b for a, b in
                              zip(tps[("rxlane", d)], tps[("nft", d)]))
        print("rxlane / nft, %-3s: %.2fx (per-round median; goal >= 1.5x: %s)"
              % (d, x, "met" if x >= 1.5 else "MISSED"))
        # CPU per transaction, nft's over rxlane's: the rate ratio a
        # CPU-bound run would give.
        y = statistics.median(b / a for a, b in
                              zip(cpu[("rxlane", d)], cpu[("nft", d)]))
        print("nft / rxlane CPU per transaction, %-3s: %.2fx (per-round "
              "median; goal >= 1.5x: %s)" % (d, y, "met" if y >= 1.5 else
                                             "MISSED"))
PY
} | tee "$OUT/ct-rr.txt"
echo "bench-ct-rr: table in $OUT/ct-rr.txt"
