#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# XDP fast path benchmark (make bench): BPF_PROG_TEST_RUN of rxlane,
# xdp-filter and XDP_DROP, interleaved in one process on one CPU, with
# 10 / 1k / 100k / 1M rules. Writes the table, JSON and a PNG plot of
# ns/packet against rule count under $BENCH_OUT (default build/bench).
#
#   ROUNDS=40 REPEAT=50000 CPU=1 MAX_RULES=1000000 scripts/bench-xdp.sh
#
# OLD_REV=REV also builds the benchmark object of REV (a scratch copy in
# OLD_DIR, default build/bench-old/) and times it beside this tree's,
# interleaved, on the same maps; ISSUE17=1 times issue 17's cases instead of the rule-count
# sweep (bench/bench_xdp.c, Documentation/performance.rst).
#
# INSTANCES=N (with OLD_REV, default 3) loads each of the two objects N
# times, alternately: identical programs loaded twice differ by up to 10 %
# on this kind of host (where the JIT puts the image), so a difference
# between two builds counts only beside the spread between copies of one.
# The table then gives, per case and build, the mean of the instances'
# median ratios to xdp-filter, with their range.
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/scripts/bench-host.sh"
OUT=${BENCH_OUT:-$TOP/build/bench}
ROUNDS=${ROUNDS:-40}
REPEAT=${REPEAT:-50000}
CPU=${CPU:-1}
MAX_RULES=${MAX_RULES:-1000000}

[ "$(id -u)" -eq 0 ] || { echo "bench-xdp: needs root (BPF_PROG_TEST_RUN)" >&2; exit 1; }
make -s -C "$TOP/bench"
mkdir -p "$OUT"
EXTRA=()
[ -z "${ISSUE17:-}" ] || EXTRA+=(-I)
if [ -n "${OLD_REV:-}" ]; then
	old=$(git -C "$TOP" rev-parse --short "$OLD_REV")
	od=${OLD_DIR:-$TOP/build/bench-old}
	rm -rf "$od/src" && mkdir -p "$od/src"
	git -C "$TOP" archive "$old" | tar -x -C "$od/src"
	make -s -C "$od/src/bench" rxlane_bench.o
	inst=${INSTANCES:-3}
	EXTRA+=(-b "$od/src/bench/rxlane_bench.o")
	for ((i = 1; i < inst; i++)); do
		EXTRA+=(-b "$TOP/bench/rxlane_bench.o")
		EXTRA+=(-b "$od/src/bench/rxlane_bench.o")
	done
	echo "old: $old; new: $(git -C "$TOP" rev-parse --short HEAD)$(git -C "$TOP" diff --quiet HEAD -- bpf include || echo '-dirty')"
fi

{
	bench_host_facts
	"$TOP/bench/bench_xdp" -r "$ROUNDS" -n "$REPEAT" -c "$CPU" \
		-m "$MAX_RULES" -o "$OUT/xdp.json" ${EXTRA[@]+"${EXTRA[@]}"} \
		"$TOP/bench/rxlane_bench.o"
} | tee "$OUT/xdp.txt"

# Several instances of each build: pool them (see INSTANCES above).
if [ -n "${OLD_REV:-}" ]; then
	python3 - "$OUT/xdp.json" <<'PY' | tee -a "$OUT/xdp.txt"
import json, re, sys
d = json.load(open(sys.argv[1]))
builds = {}
for v in d["variants"]:
    m = re.match(r"(old:|b(\d+):)?(.*)", v["name"])
    if not v["name"].startswith(("old:", "b")) and v["group"] in (
            "baseline", "xdp-filter", "artifact", "host"):
        continue
    if m.group(1) is None:
        build = "new"
    elif m.group(1) == "old:":
        build = "old"
    else:
        build = "new" if int(m.group(2)) % 2 == 0 else "old"
    builds.setdefault(m.group(3), {}).setdefault(build, []).append(
        v["x_filter"])
print("\npooled over instances: mean of the instances' median x_filter "
      "(range)")
print("%-28s %-22s %-22s %s" % ("case", "before", "after", "after/before"))
for case, b in builds.items():
    def f(x):
        return "%.2f (%.2f-%.2f)" % (sum(x) / len(x), min(x), max(x)) if x else "-"
    o, n = b.get("old", []), b.get("new", [])
    r = "%.3f" % ((sum(n) / len(n)) / (sum(o) / len(o))) if o and n else "-"
    print("%-28s %-22s %-22s %s" % (case, f(o), f(n), r))
PY
fi

# One data file per curve: rules, median ns, min ns.
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
d = json.load(open(out + "/xdp.json"))
groups = {}
for v in d["variants"]:
    groups.setdefault(v["group"], []).append(v)
with open(out + "/xdp-flat.txt", "w") as f:
    for g in ("baseline", "xdp-filter"):
        for v in groups.get(g, []):
            f.write("%s %.2f\n" % (g, v["median_ns"]))
for g, vs in groups.items():
    if all(v["rules"] for v in vs) and len(vs) > 1:
        with open("%s/xdp-%s.dat" % (out, g), "w") as f:
            for v in sorted(vs, key=lambda v: v["rules"]):
                f.write("%d %.2f %.2f\n" % (v["rules"], v["median_ns"], v["min_ns"]))
PY

if command -v gnuplot >/dev/null; then
	filt=$(awk '$1 == "xdp-filter" { print $2 }' "$OUT/xdp-flat.txt")
	drop=$(awk '$1 == "baseline" { print $2 }' "$OUT/xdp-flat.txt")
	plots=""
	for g in vxlan-hit geneve-hit nvgre-hit vxlan-port-miss \
		 vxlan-default-deny plain-hit; do
		[ -s "$OUT/xdp-$g.dat" ] &&
			plots="$plots \"$OUT/xdp-$g.dat\" using 1:2 with linespoints title \"$g\","
	done
	[ -n "$filt" ] && plots="$plots $filt with lines dashtype 2 title \"xdp-filter (all features)\","
	plots="$plots $drop with lines dashtype 3 title \"XDP_DROP\""
	gnuplot <<GP
set terminal png size 900,560 noenhanced
set output "$OUT/xdp.png"
set title "rxlane XDP fast path: ns/packet (median of $ROUNDS rounds) vs rules"
set logscale x
set xlabel "rules in the container's set"
set ylabel "ns/packet"
set yrange [0:*]
set key right center
plot $plots
GP
	echo "bench-xdp: plot in $OUT/xdp.png"
fi
echo "bench-xdp: table in $OUT/xdp.txt, JSON in $OUT/xdp.json"
