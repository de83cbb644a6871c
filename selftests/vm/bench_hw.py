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

Beside each wall rate, the CPU time it took (this process's system time
for raw netlink: the family's share; the children's user + system time
for the CLI), from getrusage(). Under 'scripts/vm-run --icount 0' every
guest clock counts instructions (1 ns each), so the figures are those of
a CPU retiring one instruction per ns and do not move with the host's
load; the CLI's wall figure still holds its 9p reads, which pass in real
time, and its CPU figure does not (Documentation/performance.rst,
"Containers per second, instruction clock").

    scripts/vm-run -- selftests/vm/bench_hw.py [N [CLI_N [PRESENT [ROUNDS]]]]

BENCH_HW_TRACE="FUNC..." (kernel functions) then adds N containers more with
function_graph tracing only those functions (set_ftrace_filter: the others
run untraced, each traced call adds about 0.7 us under icount) and prints
each one's calls and inclusive time per add: where an add's time goes.
"""
import os
import re
import resource
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


def cont_new_attrs(i):
    return Genl.attrs([(A_NAME, b'b%d\0' % i), (A_IFINDEX, struct.pack('=I', ifindex)),
                       (A_ADDRS, [(1, addr(i))]), (A_CPUS, struct.pack('=Q', 1)),
                       (A_RULES, [rule(6000 + 2 * r) for r in range(RULES)])])


# Every message is encoded before the clock starts: what is timed is the
# round trip (send, the family's work, the reply and ACK read), not
# Python's encoding of the attributes.
NEW = [cont_new_attrs(i) for i in range(N + PRESENT)]
DEL = [Genl.attrs([(A_NAME, b'b%d\0' % i)]) for i in range(N + PRESENT)]


def cont_new(i):
    return NEW[i]


CPU = {}


def cpu_times():
    me = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime, me.ru_stime, ch.ru_utime + ch.ru_stime


def timed(fn, n):
    """Wall seconds of n calls of fn; CPU['last'] holds (user, system,
    children) seconds they took."""
    c0 = cpu_times()
    t0 = time.perf_counter()
    for i in range(n):
        err = fn(i)
        if err:
            fail('request %d: errno %d' % (i, err))
    dt = time.perf_counter() - t0
    CPU['last'] = tuple(b - a for a, b in zip(c0, cpu_times()))
    return dt


def per(n, what):
    """The last timed() loop's CPU time per call, in microseconds."""
    u, s, c = CPU['last']
    return {'user': u, 'sys': s, 'children': c}[what] * 1e6 / n


log('host of the guest: %s; guest CPUs %d; N %d containers of %d rules; '
    'clock: %s' %
    (open('/proc/cpuinfo').read().split('model name')[1].split('\n')[0].strip(': \t'),
     os.cpu_count(), N, RULES,
     'instructions (icount shift %s)' % os.environ['RXLANE_ICOUNT']
     if os.environ.get('RXLANE_ICOUNT') else 'real time'))

# ---- the floor: a request the family answers at once --------------------
MISSING = Genl.attrs([(A_NAME, b'none\0')])
floor = timed(lambda i: 0 if g.request(CONT_GET, MISSING) == 2 else 1, N)
log('raw netlink floor (CONT_GET of a missing name): %.0f requests/s '
    '(%.1f us user + %.1f us system each)' % (N / floor, per(N, 'user'), per(N, 'sys')))

# ---- raw netlink: add in chunks, then delete in chunks -------------------
adds = []
for start in range(0, N, CHUNK):
    n = min(CHUNK, N - start)
    dt = timed(lambda i, s=start: g.request(CONT_NEW, cont_new(s + i)), n)
    adds.append((start, n, dt))
    log('raw netlink: add containers %d..%d (%d present): %.0f containers/s '
        '(%.0f NIC entries/s; %.1f us user + %.1f us system each)' %
        (start, start + n - 1, start, n / dt, n * (RULES + 1) / dt,
         per(n, 'user'), per(n, 'sys')))
entries = len(ethtool_n(t.nic))
check(entries == N * (RULES + 1), 'ethtool -n shows %d entries, want %d' %
      (entries, N * (RULES + 1)))
dels = []
for start in range(0, N, CHUNK):
    n = min(CHUNK, N - start)
    dt = timed(lambda i, s=start: g.request(CONT_DEL, DEL[s + i]), n)
    dels.append((start, n, dt))
    log('raw netlink: delete containers %d..%d (%d present): %.0f containers/s '
        '(%.1f us user + %.1f us system each)' %
        (start, start + n - 1, N - start, n / dt, per(n, 'user'), per(n, 'sys')))
check(len(ethtool_n(t.nic)) == 0, 'entries left after the deletes')
tot_add = sum(d for _, _, d in adds)
tot_del = sum(d for _, _, d in dels)
log('raw netlink: %d containers of %d rules: add %.0f/s, delete %.0f/s overall' %
    (N, RULES, N / tot_add, N / tot_del))

# ---- paired rounds: N adds with 0 and with PRESENT containers present -------
def add_del(first, n):
    """Seconds to add containers first..first+n-1, then delete them, and
    the system time of one add in microseconds."""
    dt = timed(lambda i: g.request(CONT_NEW, cont_new(first + i)), n)
    sys_us = per(n, 'sys')
    timed(lambda i: g.request(CONT_DEL, DEL[first + i]), n)
    return dt, sys_us


ratios = []
for r in range(ROUNDS if PRESENT else 0):
    empty, sys0 = add_del(PRESENT, N)
    timed(lambda i: g.request(CONT_NEW, cont_new(i)), PRESENT)
    full, sys1 = add_del(PRESENT, N)
    timed(lambda i: g.request(CONT_DEL, DEL[i]), PRESENT)
    ratios.append(empty / full)
    log('round %d: add %d containers: %.0f/s with 0 present, %.0f/s with %d '
        'present: ratio %.2f (system %.1f / %.1f us each)' %
        (r + 1, N, N / empty, N / full, PRESENT, empty / full, sys0, sys1))
if ratios:
    check(len(ethtool_n(t.nic)) == 0, 'entries left after the rounds')
    log('paired rounds: rate with %d present / rate with 0 present: median %.2f '
        '(%s)' % (PRESENT, sorted(ratios)[len(ratios) // 2],
                  ', '.join('%.2f' % x for x in ratios)))

# ---- where an add's time goes: function_graph over a few functions -------
def trace_adds(funcs):
    tr = '/sys/kernel/tracing'
    if not os.path.exists(tr + '/trace'):
        sh('mount -t tracefs nodev %s' % tr)

    def put(f, v, mode='w'):
        with open(os.path.join(tr, f), mode) as fh:
            fh.write(v)
    put('current_tracer', 'nop')
    put('buffer_size_kb', '16384')
    put('set_ftrace_filter', '')
    for f in funcs:
        try:
            put('set_ftrace_filter', f + '\n', 'a')
        except OSError:
            log('trace: %s cannot be traced (inlined, or no such function)' % f)
    put('current_tracer', 'function_graph')
    put('trace_options', 'funcgraph-tail')     # exists under function_graph
    put('trace', '')
    put('tracing_on', '1')
    timed(lambda i: g.request(CONT_NEW, cont_new(i)), N)
    put('tracing_on', '0')          # a change of tracer would empty the buffer
    tot, cnt = {}, {}
    pat = re.compile(r'([\d.]+) us\s+\|\s+(?:\} /\* (\w+)(?: \[\w+\])? \*/|'
                     r'(\w+)(?: \[\w+\])?\(\);)')
    for line in open(tr + '/trace'):
        m = pat.search(line)
        if m:
            f = m.group(2) or m.group(3)
            tot[f] = tot.get(f, 0) + float(m.group(1))
            cnt[f] = cnt.get(f, 0) + 1
    put('current_tracer', 'nop')
    put('tracing_on', '1')
    timed(lambda i: g.request(CONT_DEL, DEL[i]), N)
    for f in sorted(tot, key=lambda f: -tot[f]):
        log('trace: %-28s %5.2f calls/add  %8.2f us/add inclusive' %
            (f, cnt[f] / N, tot[f] / N))


if os.environ.get('BENCH_HW_TRACE'):
    trace_adds(os.environ['BENCH_HW_TRACE'].split())

# ---- the CLI: one process per command ---------------------------------------
def run(args):
    return subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode


if not CLI_N:
    g.close()
    log('PASS')
    sys.exit(0)
floor = timed(lambda i: run(['/bin/true']), CLI_N * (RULES + 1))
log('process floor (/bin/true): %.1f starts/s (%.0f us CPU each)' %
    (CLI_N * (RULES + 1) / floor, per(CLI_N * (RULES + 1), 'children')))


def cli_add(i):
    err = run([CLI, 'hw', 'container', 'add', 'c%d' % i, 'dev', t.nic, 'ip',
               socket.inet_ntoa(addr(i)), 'cpus', '0'])
    for r in range(RULES):
        err = err or run([CLI, 'hw', 'rule', 'add', 'c%d' % i, 'allow', 'proto', 'udp',
                          'dport', str(6000 + 2 * r)])
    return err


dt = timed(cli_add, CLI_N)
log('CLI (hw container add + %d hw rule add): %.2f containers/s '
    '(%.0f us CPU of its processes each)' % (RULES, CLI_N / dt, per(CLI_N, 'children')))
check(len(ethtool_n(t.nic)) == CLI_N * (RULES + 1), 'the CLI\'s entries are not all there')
dt = timed(lambda i: run([CLI, 'hw', 'container', 'del', 'c%d' % i]), CLI_N)
log('CLI (hw container del): %.2f containers/s (%.0f us CPU of its process each)' %
    (CLI_N / dt, per(CLI_N, 'children')))
g.close()
log('PASS')
