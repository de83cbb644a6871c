#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""CPU hotplug under traffic: a queue pinned to CPU 1 moves to CPU 0 when
CPU 1 goes offline (debugfs queue_cpu, and an XDP program sees the queue's
frames on CPU 0) and returns to CPU 1 when it comes back, three rounds
while a sender keeps a flow on that queue. Every frame sent arrives (none
stranded on a ring or a dead CPU); vm-run checks the kernel log.

Needs two CPUs (scripts/vm-run gives the guest two by default) and a CPU 1
that can go offline."""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

OBJ = XDP_PROBE
PORT = 7701
ROUNDS = 3

need_root_and_module()
need_cpu1_hotplug()
if not os.path.exists(OBJ):
    fail('%s not built (make -C selftests/vm)' % OBJ)


t = Topo(queues=2)
hits_id = xdp_attach(t.nic, 'xdp_count')['hits']
sh('ethtool -N %s flow-type udp4 dst-port %d action 1 loc 0' % (t.nic, PORT))
t.set_queue_cpu(0, 0)
t.set_queue_cpu(1, 1)


def queue_cpu(q):
    for line in t.read_debugfs('queue_cpu').splitlines():
        a, b = line.split()
        if int(a) == q:
            return int(b)
    fail('queue %d not in debugfs queue_cpu' % q)


class Sender:
    """Frames to PORT (queue 1) every 2 ms from the wire namespace."""

    def __init__(self):
        self.sock = t.udp_sender(45000)
        self.sent = 0
        self.stop = threading.Event()
        self.err = None
        self.th = threading.Thread(target=self.run, daemon=True)
        self.th.start()

    def run(self):
        try:
            while not self.stop.is_set():
                self.sock.sendto(b'x' * 64, (t.nic_ip, PORT))
                self.sent += 1
                time.sleep(0.002)
        except OSError as e:
            self.err = e

    def close(self):
        self.stop.set()
        self.th.join(30)
        check(self.err is None, 'sender: %s' % self.err)


def q1_hits():
    h = read_hits(hits_id)
    return {cpu: n for (q, cpu), n in h.items() if q == 1}


def processed_on(cpu, what, n=20, timeout=120):
    """Wait until n more frames of queue 1 were seen by XDP on cpu."""
    base = q1_hits().get(cpu, 0)
    ok = poll(lambda: q1_hits().get(cpu, 0) - base >= n, timeout, 0.2)
    check(ok, '%s: waited %d s for %d frames of queue 1 on CPU %d, XDP saw '
          '%s (before: %d on CPU %d)' % (what, timeout, n, cpu, q1_hits(),
                                          base, cpu))


def queue_on(cpu, what, timeout=60):
    ok = poll(lambda: queue_cpu(1) == cpu, timeout, 0.1)
    check(ok, '%s: queue 1 on CPU %d (debugfs queue_cpu), want CPU %d' %
          (what, queue_cpu(1), cpu))


s = Sender()
at_exit(s.stop.set)
processed_on(1, 'CPU 1 online')
for r in range(ROUNDS):
    t0 = time.monotonic()
    set_cpu1_online(0)
    check(not cpu1_online(), 'CPU 1 still online after writing 0')
    queue_on(0, 'round %d, CPU 1 offline' % r)
    check(queue_cpu(0) == 0, 'round %d: queue 0 moved to CPU %d' % (r, queue_cpu(0)))
    processed_on(0, 'round %d, CPU 1 offline' % r)
    set_cpu1_online(1)
    check(cpu1_online(), 'CPU 1 not online after writing 1')
    queue_on(1, 'round %d, CPU 1 back' % r)
    processed_on(1, 'round %d, CPU 1 back' % r)
    log('round %d: queue 1 CPU 1 -> 0 -> 1 under traffic in %.1f s, XDP saw %s' %
        (r, time.monotonic() - t0, q1_hits()))
s.close()

# Every frame sent reached the XDP program: none was left on a ring.
want = s.sent
ok = poll(lambda: sum(q1_hits().values()) >= want, 60, 0.2)
got = sum(q1_hits().values())
st = t.stats()
check(got == want, 'queue 1 processed %d frames, %d were sent (ring_full %s, '
      'drops %s)' % (got, want, st.get('rx1_ring_full'), st.get('rx1_drops')))
log('%d frames sent across %d offline/online rounds, all processed' %
    (want, ROUNDS))

# The knob cannot pin a queue to an offline CPU.
set_cpu1_online(0)
rc, out = sh_rc('echo "1 1" > %s' % t.debugfs('queue_cpu'))
check(rc != 0, 'queue_cpu accepted offline CPU 1')
set_cpu1_online(1)
sys.exit(KSFT_PASS)
