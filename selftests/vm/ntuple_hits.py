#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ntuple rule hits are counted per CPU and the debugfs dump sums them:
frames matching one rule are received on CPU 0 and on CPU 1 (the sender
pinned to each in turn: a veth delivers on the sending CPU), and the dump
shows them all."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

N = 15

need_root_and_module()
if os.cpu_count() < 2:
    skip('one CPU: nothing to sum')
t = Topo(queues=2)
sh('ethtool -N %s flow-type udp4 dst-port 7730 action 1 loc 3' % t.nic)


def hits():
    m = re.search(r'^loc 3 .*? hits (\d+)', t.read_debugfs('ntuple'), re.M)
    return int(m.group(1)) if m else -1


before = queue_counts(t.stats())
for cpu in (0, 1):
    os.sched_setaffinity(0, {cpu})
    t.send_udp(43000 + cpu, 7730, N)
os.sched_setaffinity(0, set(range(os.cpu_count())))
t.wait_packets(before, 2 * N)
check(poll(lambda: hits() == 2 * N, 30),
      'rule hits %d after %d frames received on CPU 0 and %d on CPU 1' % (hits(), N, N))
print('PASS: rule hits summed over CPUs (%d)' % hits())
