#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Benchmark (VM, make bench): containers programmed into rxlane's NIC per
second, each with 10 allow rules (10 NIC entries) and its drop entry, and
removed per second (issue 15; Documentation/performance.rst, "Containers
into the NIC").

- raw netlink: one CONT_NEW with RULES per container, one CONT_DEL each,
  from one socket in this process (Genl in rxl.py); the same loop of
  CONT_GET for a missing name is the floor of the driver and the syscall;
- the CLI: 'rxlane hw container add' and 10 'rxlane hw rule add' per
  container, 'rxlane hw container del'; '/bin/true' started by the same
  loop is the floor of a process start.

The raw figures are taken in chunks as the table fills (the rate at 0 and
at N containers present). With PRESENT (> 0), the rate at 0 and at
PRESENT containers present is also measured in ROUNDS paired rounds: in
each, N containers are added and deleted with none present, then PRESENT
are added, N more added and deleted beside them, and the PRESENT deleted;
the ratio of the two rates in one round is free of the host's load drift
between rounds (an add independent of the containers present gives about
1). Prints one line per figure; fails only when a request fails.

    scripts/vm-run -- selftests/vm/bench_hw.py [N [CLI_N [PRESENT [ROUNDS]]]]
"""
import os
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

need_root_and_module()
N = int(sys.argv[1]) if len(sys.argv) > 1 else 500
CLI_N = int(sys.argv[2]) if len(sys.argv) > 2 else 10
PRESENT = int(sys.argv[3]) if len(sys.argv) > 3 else 0
ROUNDS = int(sys.argv[4]) if len(sys.argv) > 4 else 3
CHUNK = max(N // 5, 1)
RULES = 10
CONT_NEW, CONT_DEL, CONT_GET = 1, 2, 3
A_NAME, A_IFINDEX, A_ADDRS, A_CPUS, A_RULE, A_RULES = 2, 3, 5, 6, 8, 11
CLI = os.path.join(TOP, 'user', 'rxlane')

set_param('ntuple_capacity', 65536)     # a band of 32768 entries
t = Topo(queues=2)
ifindex = int(open('/sys/class/net/%s/ifindex' % t.nic).read())
g = Genl()


def addr(i):
    return socket.inet_aton('10.%d.%d.%d' % (100 + i // 65536, i // 256 % 256, i % 256))


def rule(port):
    return (A_RULE, [(1, b'\x11'), (2, struct.pack('=H', port)),
                     (3, struct.pack('=H', port))])


def cont_new(i):
    return [(A_NAME, b'b%d\0' % i), (A_IFINDEX, struct.pack('=I', ifindex)),
            (A_ADDRS, [(1, addr(i))]), (A_CPUS, struct.pack('=Q', 1)),
            (A_RULES, [rule(6000 + 2 * r) for r in range(RULES)])]


def timed(fn, n):
    t0 = time.perf_counter()
    for i in range(n):
        err = fn(i)
        if err:
            fail('request %d: errno %d' % (i, err))
    return time.perf_counter() - t0


log('host of the guest: %s; guest CPUs %d; N %d containers of %d rules' %
    (open('/proc/cpuinfo').read().split('model name')[1].split('\n')[0].strip(': \t'),
     os.cpu_count(), N, RULES))

# ---- the floor: a request the family answers at once --------------------
floor = timed(lambda i: 0 if g.request(CONT_GET, [(A_NAME, b'none\0')]) == 2 else 1,
              N)
log('raw netlink floor (CONT_GET of a missing name): %.0f requests/s' % (N / floor))

# ---- raw netlink: add in chunks, then delete in chunks -------------------
adds = []
for start in range(0, N, CHUNK):
    n = min(CHUNK, N - start)
    dt = timed(lambda i, s=start: g.request(CONT_NEW, cont_new(s + i)), n)
    adds.append((start, n, dt))
    log('raw netlink: add containers %d..%d (%d present): %.0f containers/s '
        '(%.0f NIC entries/s)' % (start, start + n - 1, start, n / dt,
                                  n * (RULES + 1) / dt))
entries = len(ethtool_n(t.nic))
check(entries == N * (RULES + 1), 'ethtool -n shows %d entries, want %d' %
      (entries, N * (RULES + 1)))
dels = []
for start in range(0, N, CHUNK):
    n = min(CHUNK, N - start)
    dt = timed(lambda i, s=start: g.request(CONT_DEL, [(A_NAME, b'b%d\0' % (s + i))]), n)
    dels.append((start, n, dt))
    log('raw netlink: delete containers %d..%d (%d present): %.0f containers/s' %
        (start, start + n - 1, N - start, n / dt))
check(len(ethtool_n(t.nic)) == 0, 'entries left after the deletes')
tot_add = sum(d for _, _, d in adds)
tot_del = sum(d for _, _, d in dels)
log('raw netlink: %d containers of %d rules: add %.0f/s, delete %.0f/s overall' %
    (N, RULES, N / tot_add, N / tot_del))

# ---- paired rounds: N adds with 0 and with PRESENT containers present -------
def add_del(first, n):
    """Seconds to add containers first..first+n-1, then delete them."""
    dt = timed(lambda i: g.request(CONT_NEW, cont_new(first + i)), n)
    timed(lambda i: g.request(CONT_DEL, [(A_NAME, b'b%d\0' % (first + i))]), n)
    return dt


ratios = []
for r in range(ROUNDS if PRESENT else 0):
    empty = add_del(PRESENT, N)
    timed(lambda i: g.request(CONT_NEW, cont_new(i)), PRESENT)
    full = add_del(PRESENT, N)
    timed(lambda i: g.request(CONT_DEL, [(A_NAME, b'b%d\0' % i)]), PRESENT)
    ratios.append(empty / full)
    log('round %d: add %d containers: %.0f/s with 0 present, %.0f/s with %d '
        'present: ratio %.2f' % (r + 1, N, N / empty, N / full, PRESENT,
                                 empty / full))
if ratios:
    check(len(ethtool_n(t.nic)) == 0, 'entries left after the rounds')
    log('paired rounds: rate with %d present / rate with 0 present: median %.2f '
        '(%s)' % (PRESENT, sorted(ratios)[len(ratios) // 2],
                  ', '.join('%.2f' % x for x in ratios)))

# ---- the CLI: one process per command ---------------------------------------
def run(args):
    return subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode


if not CLI_N:
    g.close()
    log('PASS')
    sys.exit(0)
floor = timed(lambda i: run(['/bin/true']), CLI_N * (RULES + 1))
log('process floor (/bin/true): %.1f starts/s' % (CLI_N * (RULES + 1) / floor))


def cli_add(i):
    err = run([CLI, 'hw', 'container', 'add', 'c%d' % i, 'dev', t.nic, 'ip',
               socket.inet_ntoa(addr(i)), 'cpus', '0'])
    for r in range(RULES):
        err = err or run([CLI, 'hw', 'rule', 'add', 'c%d' % i, 'allow', 'proto', 'udp',
                          'dport', str(6000 + 2 * r)])
    return err


dt = timed(cli_add, CLI_N)
log('CLI (hw container add + %d hw rule add): %.2f containers/s' % (RULES, CLI_N / dt))
check(len(ethtool_n(t.nic)) == CLI_N * (RULES + 1), 'the CLI\'s entries are not all there')
dt = timed(lambda i: run([CLI, 'hw', 'container', 'del', 'c%d' % i]), CLI_N)
log('CLI (hw container del): %.2f containers/s' % (CLI_N / dt))
g.close()
log('PASS')
