#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""debugfs classify_bench changes no state and is bounded: an ntuple rule
that every synthetic frame of the benchmark matches (UDP to
198.51.100.2 ports 30000-31023) keeps its hit count across a run, a run
above the cap (10M frames) is refused, and a rule still counts real
frames afterwards."""
import errno
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403


def hits(t, loc):
    m = re.search(r'^loc %d .*? hits (\d+)' % loc, t.read_debugfs('ntuple'), re.M)
    check(m, 'rule %d not in the ntuple dump:\n%s' % (loc, t.read_debugfs('ntuple')))
    return int(m.group(1))


need_root_and_module()
t = Topo(queues=2)
sh('ethtool -N %s flow-type udp4 dst-ip 198.51.100.2 action 1 loc 3' % t.nic)
sh('ethtool -N %s flow-type udp4 dst-port 7730 action 1 loc 4' % t.nic)
check(hits(t, 3) == 0, 'rule 3 has hits before any frame')

t.write_debugfs('classify_bench', '20000')
ps = int(t.read_debugfs('classify_bench'))
check(ps > 0, 'classify_bench gave %d ps/frame' % ps)
check(hits(t, 3) == 0, 'a benchmark of 20000 frames counted %d hits on the rule its '
      'frames match' % hits(t, 3))

try:
    t.write_debugfs('classify_bench', '10000001')
    fail('classify_bench accepted 10000001 frames')
except OSError as e:
    check(e.errno == errno.EINVAL, 'classify_bench 10000001: %s' % e)

t.send_udp(47100, 7730, 4)
check(poll(lambda: hits(t, 4) == 4), 'real frames: rule 4 hits %d, want 4' % hits(t, 4))
print('PASS: classify_bench counted no hits (%d ps/frame), cap enforced' % ps)
