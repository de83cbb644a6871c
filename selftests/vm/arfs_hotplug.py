#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The aRFS rmap follows CPU hotplug (queue 0 on CPU 0, queue 1 on CPU 1).

- CPU 1 online: a flow whose server runs on CPU 0 and whose RSS queue is
  1 is steered to queue 0 (the rmap names queue 0 for CPU 0);
- CPU 1 offline, with a flow consumed on CPU 1 under way: queue 1 moves to
  CPU 0, the server with it, and every aRFS entry names a queue whose CPU
  (debugfs queue_cpu) is online;
- CPU 1 back: a new flow of the first kind is steered to queue 0 again.
  The rmap remembers one queue per CPU: when queue 1 moved to CPU 0 it
  became CPU 0's queue, and updating only queue 1 when it returns to
  CPU 1 left CPU 0 mapped to queue 1 as its nearest, so such a flow
  stayed on queue 1, served on CPU 1 for a consumer on CPU 0.

With two CPUs both queues sit on the one live CPU while CPU 1 is offline,
so no steering there can name a dead CPU's queue however the rmap is
kept; what the rmap must get right is the way back."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403
from arfs_common import *  # noqa: E402,F403


a = ArfsTopo(64)
need_cpu1_hotplug()
t = a.t
src, dst = t.wire_ip, '10.77.0.10'
a.add_ip(dst, src)


def queue_cpus():
    """{queue: cpu} from debugfs queue_cpu."""
    return {int(q): int(c) for q, c in
            (line.split() for line in t.read_debugfs('queue_cpu').splitlines())}


def wait_queue_cpus(want, what):
    ok = poll(lambda: queue_cpus() == want, 60, 0.1)
    check(ok, '%s: debugfs queue_cpu %s, want %s (waited 60 s)' %
          (what, queue_cpus(), want))


def steered_to_cpu0(label, start):
    """A flow on RSS queue 1 to a server on CPU 0 ends on queue 0."""
    sport = a.fresh_sports(src, dst, 1, start, queue=1)[0]
    server, _ = a.start_server(dst, cpu=0)
    c = Client(t.ns, src, sport, dst)
    d = a.settled_on(0)
    check(a.arfs_sports() == [sport] and 'queue 0 ' in a.arfs_table(),
          '%s: no entry for port %d to queue 0:\n%s' % (label, sport, a.arfs_table()))
    log(label, ': flow of RSS queue 1, server on CPU 0, steered to queue 0', d)
    c.close()
    a.end_server(server)
    ok = poll(lambda: a.stats()['arfs_entries'] == 0, 60)
    check(ok, '%s: the entry did not expire within 60 s:\n%s' % (label, a.arfs_table()))


wait_queue_cpus({0: 0, 1: 1}, 'start')
steered_to_cpu0('CPU 1 online', 21000)

# A flow consumed on CPU 1 (RSS queue 0, steered to queue 1), then CPU 1 goes.
sport = a.fresh_sports(src, dst, 1, 31000)[0]
server, _ = a.start_server(dst, cpu=1)
c = Client(t.ns, src, sport, dst)
a.settled_on(1)
set_cpu1_online(0)
check(not cpu1_online(), 'CPU 1 still online after writing 0')
wait_queue_cpus({0: 0, 1: 0}, 'CPU 1 offline')
before = queue_counts(t.stats())
ok = poll(lambda: sum(delta(queue_counts(t.stats()), before).values()) > 20, 60, 0.1)
check(ok, 'CPU 1 offline: the flow stopped: %s' % delta(queue_counts(t.stats()), before))
for q in re.findall(r'queue (\d+) ', a.arfs_table()):
    check(queue_cpus()[int(q)] == 0, 'CPU 1 offline: an entry names queue %s on CPU %d:\n%s' %
          (q, queue_cpus()[int(q)], a.arfs_table()))
c.close()
a.end_server(server)
set_cpu1_online(1)
check(cpu1_online(), 'CPU 1 not online after writing 1')
wait_queue_cpus({0: 0, 1: 1}, 'CPU 1 back')
ok = poll(lambda: a.stats()['arfs_entries'] == 0, 60)
check(ok, 'CPU 1 back: the entry did not expire within 60 s:\n%s' % a.arfs_table())

steered_to_cpu0('CPU 1 back', 41000)
print('PASS: aRFS rmap: CPU 0 flows steered to queue 0 before and after CPU 1 '
      'went offline and came back; entries named live CPUs while it was away')
