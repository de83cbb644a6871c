#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ntuple rule hits are counted per CPU and the debugfs dump sums them:
frames matching one rule are received on CPU 0 and on CPU 1 (the sender
pinned to each in turn: a veth delivers on the sending CPU), and the dump
shows them all.

The counters are the table's, one per location (kernel/ntuple.c), so:
- an entry inserted where another was (after a delete, or replacing it)
  starts at 0 hits and counts only its own frames;
- the per-CPU block of a location's counters is allocated by the block's
  first insert: when that fails (debugfs fail_pcpu_alloc) the insert is
  refused and the table is unchanged; the next insert into the block
  allocates nothing."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

N = 15
# Two hit blocks of 512 locations: loc 3 is in the first, 600 in the second.
CAPACITY = 1024
FAIL_PCPU = os.path.join(DEBUGFS, 'fail_pcpu_alloc')

need_root_and_module()
set_param('ntuple_capacity', CAPACITY)
t = Topo(queues=2)


def insert(port, loc):
    sh('ethtool -N %s flow-type udp4 dst-port %d action 1 loc %d' % (t.nic, port, loc))


def hits(loc):
    m = re.search(r'^loc %d .*? hits (\d+)' % loc, t.read_debugfs('ntuple'), re.M)
    return int(m.group(1)) if m else -1


def send(cpus, sport, dport):
    before = queue_counts(t.stats())
    for cpu in cpus:
        os.sched_setaffinity(0, {cpu})
        t.send_udp(sport + cpu, dport, N)
    os.sched_setaffinity(0, set(range(os.cpu_count())))
    t.wait_packets(before, len(cpus) * N)


def fail_pcpu(value):
    """Set fail_pcpu_alloc to value; return what it was."""
    with open(FAIL_PCPU) as f:
        old = f.read().strip()
    with open(FAIL_PCPU, 'w') as f:
        f.write(value)
    return old


insert(7730, 3)
cpus = (0, 1) if os.cpu_count() >= 2 else (0,)
send(cpus, 43000, 7730)
want = len(cpus) * N
check(poll(lambda: hits(3) == want, 30),
      'rule hits %d after %d frames received on CPUs %s' % (hits(3), want, cpus))
print('PASS: rule hits summed over CPUs %s (%d)' % (cpus, hits(3)))

# The location's next entry does not inherit its hits.
sh('ethtool -N %s delete 3' % t.nic)
insert(7730, 3)
check(hits(3) == 0, 'an entry inserted at loc 3 after a delete shows %d hits, '
      'the deleted one\'s' % hits(3))
send((0,), 43100, 7730)
check(poll(lambda: hits(3) == N, 30),
      'the new entry at loc 3 has %d hits after its own %d frames' % (hits(3), N))
# Nor does one that replaces an entry in place (an insert at an occupied
# location replaces it).
insert(7731, 3)
check(hits(3) == 0, 'an entry replacing loc 3 shows %d hits, the old one\'s' % hits(3))
print('PASS: an entry inserted at a used location starts at 0 hits')

# The second block's first insert allocates it; that allocation failing
# refuses the insert and changes nothing.
at_exit(lambda: fail_pcpu('0'))
before = sh('ethtool -n %s' % t.nic)
fail_pcpu('1')
rc, out = sh_rc('ethtool -N %s flow-type udp4 dst-port 7732 action 1 loc 600' % t.nic)
left = fail_pcpu('0')
check(left == '0', 'the first insert into a new hit block made no per-CPU allocation')
# ethtool 6.1 may exit 0 when the kernel refuses (ntuple.py's refused()).
check(rc != 0 or 'Cannot insert' in out,
      'the insert was accepted with its hit block\'s allocation failed: %s' % out.strip())
check('Cannot allocate memory' in out,
      'the failed hit block refused without ENOMEM: %s' % out.strip())
check(sh('ethtool -n %s' % t.nic) == before, 'the refused insert changed the table')
check(hits(600) == -1, 'the refused insert left an entry at loc 600 in debugfs')
insert(7732, 600)
fail_pcpu('1')
insert(7733, 601)
left = fail_pcpu('0')
check(left == '1', 'the second insert into a hit block made a per-CPU allocation')
check(hits(600) == 0 and hits(601) == 0,
      'new entries in a new block show hits %d, %d' % (hits(600), hits(601)))
print('PASS: a hit block is allocated at its first insert; its failure refuses the insert')
