#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The egress pull (issue 14; Documentation/performance.rst, "Connection
# tracking"): the tc egress program's cost per packet on real TCP traffic
# from a container, two builds interleaved in one run:
#
#   on-demand  bpf/rxlane_tc.o: the headers are made linear
#              (bpf_skb_pull_data()) only when the parse of the linear
#              part found no tuple
#   always     bench/rxlane_tc_pullall.o, the same source built with
#              -DRXL_TC_PULL_ALWAYS: the rule before, a pull whenever the
#              linear part is shorter than RXL_TC_PULL (184 bytes) and the
#              packet goes on, i.e. for every TCP segment with data
#
# Namespace B is the container 'web' (10.86.0.1, default drop) behind its
# veth vb ('rxlane attach vb'); P (10.86.0.2) is the peer. Two kinds of
# traffic from web, each its own phase: rr, 1-byte requests and answers
# over one TCP connection (bench/ct_rr, TCP_NODELAY: every request is a
# data segment, its byte in a page fragment); stream, 64 KiB writes over
# another connection (GSO segments of up to 64 KiB). bench/tc_pull swaps
# the programs at rxlane's place on vb's egress hook every SECONDS,
# ROUNDS times, the order rotated, and reads the kernel's run time of
# each program (BPF_ENABLE_STATS: run_time_ns / run_cnt, the program and
# its helpers, the pull's copy included). Results: $BENCH_OUT/ct-pull.txt
# (default build/bench).
#
#   ROUNDS=10 SECONDS_EACH=1 CPU=1 scripts/bench-ct-pull.sh
set -eu -o pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/scripts/bench-host.sh"
. "$TOP/selftests/host/lib.sh"
OUT=${BENCH_OUT:-$TOP/build/bench}
ROUNDS=${ROUNDS:-10}
SECONDS_EACH=${SECONDS_EACH:-1}
CPU=${CPU:-1}
NEW=$TOP/bpf/rxlane_tc.o
OLD=$TOP/bench/rxlane_tc_pullall.o

bench_need bench-ct-pull taskset python3
[ -r "$NEW" ] || { echo "bench-ct-pull: build first (make)" >&2; exit 1; }
make -s -C "$TOP/bench"
mkdir -p "$OUT"
rxl_init ctpull		# root, a private bpffs, cleanup at exit

B=rxl-bpb-$RXL_ID
P=rxl-bpp-$RXL_ID
rxl_netns "$B"
rxl_netns "$P"
rxl_ns_pair "$B" vb "$P" vp 10.86.0.1/24 10.86.0.2/24
ip netns exec "$B" "$RXL_CLI" attach vb
ip netns exec "$B" "$RXL_CLI" container add web ip 10.86.0.1 default drop

ip netns exec "$P" taskset -c "$CPU" "$TOP/bench/ct_rr" serve 10.86.0.2 9000 &
RXL_PIDS+=($!)
ip netns exec "$P" python3 -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.86.0.2", 9001))
s.listen(1)
c = s.accept()[0]
while c.recv(1 << 20):
    pass
' &
RXL_PIDS+=($!)
rxl_wait_listen "$P" 9000
rxl_wait_listen "$P" 9001

LEN=$((ROUNDS * 2 * (SECONDS_EACH + 1) + 10))
# phase NAME CMD...: CMD (the traffic) in B meanwhile tc_pull measures.
phase() {
	local name=$1 pid

	shift
	ip netns exec "$B" taskset -c "$CPU" "$@" &
	pid=$!
	RXL_PIDS+=($pid)
	sleep 1
	echo "== $name"
	ip netns exec "$B" "$TOP/bench/tc_pull" "$RXLANE_PIN_DIR" vb \
		"$ROUNDS" "$SECONDS_EACH" "$NEW" "$OLD"
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

{
	bench_host_facts
	echo "on-demand: $NEW; always: $OLD"
	phase rr "$TOP/bench/ct_rr" run 10.86.0.2 9000 "$LEN"
	phase stream python3 -c '
import socket
s = socket.create_connection(("10.86.0.2", 9001))
b = b"x" * 65536
while True:
    s.sendall(b)
'
	echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/ct-pull.txt"
echo "bench-ct-pull: table in $OUT/ct-pull.txt"
