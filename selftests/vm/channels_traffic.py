#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Shrinking channels under traffic with RFS on: a UDP blast that RSS puts
on queue 3, then `ethtool -L combined 2` and back to 4, 20 times. No frame
recorded on queue 3 may reach the stack once the NIC has two queues: the
core's get_rps_cpu() warns "received packet on queue 3, but number of RX
queues is 2" (once per boot; vm-run fails on it too). Also: queue 3's
packet counter does not move while the NIC has two queues and its ring is
empty after each shrink."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

ROUNDS = 20
DPORT = 9300
WARN = 'but number of RX queues is'

BLASTER = r'''
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
dst = (sys.argv[3], int(sys.argv[4]))
p = b'q' * 64
while True:
    try:
        s.sendto(p, dst)
    except OSError:
        pass
'''


def kmsg_warnings():
    return [line for line in sh('dmesg').splitlines() if WARN in line]


def debugfs_queue(t, q):
    """(ring length, packets) of queue q from the queues dump."""
    for line in t.read_debugfs('queues').splitlines()[1:]:
        f = line.split()
        if int(f[0]) == q:
            return int(f[2]), int(f[3])
    fail('queue %d not in the queues dump' % q)


need_root_and_module()
t = Topo(queues=4)
warned_before = len(kmsg_warnings())

old = sh('sysctl -n net.core.rps_sock_flow_entries').strip()
sh('sysctl -qw net.core.rps_sock_flow_entries=4096')
at_exit(lambda: sh('sysctl -qw net.core.rps_sock_flow_entries=%s' % old, check=False))
for q in range(4):
    with open('/sys/class/net/%s/queues/rx-%d/rps_flow_cnt' % (t.nic, q), 'w') as f:
        f.write('64')

# A source port that RSS puts on queue 3.
key, indir = ethtool_x(t.nic)
sport = next(p for p in spread_ports(30000, 4000)
             if indir[toeplitz(key, rss_input_v4(t.wire_ip, t.nic_ip, p, DPORT)) % 128] == 3)
before = queue_counts(t.stats())
t.send_udp(sport, DPORT, 5)
d = t.wait_packets(before, 5)
check(d.get(3) == 5, 'source port %d expected on queue 3, got %s' % (sport, d))

blaster = subprocess.Popen(['ip', 'netns', 'exec', t.ns, 'python3', '-c', BLASTER,
                            t.wire_ip, str(sport), t.nic_ip,
                            str(DPORT)])
at_exit(lambda: (blaster.kill(), blaster.wait()))


def q3_packets():
    return debugfs_queue(t, 3)[1]


for r in range(ROUNDS):
    start = q3_packets()
    check(poll(lambda: q3_packets() - start >= 50, 60),
          'round %d: queue 3 got %d frames in 60 s, want 50 (blaster running: %s)' %
          (r, q3_packets() - start, blaster.poll() is None))
    sh('ethtool -L %s combined 2' % t.nic)
    ring, pkts = debugfs_queue(t, 3)
    check(ring == 0, 'round %d: %d frames left on queue 3\'s ring after the shrink' %
          (r, ring))
    # Frames keep arriving (now on queues 0-1); queue 3 must not deliver.
    st = queue_counts(t.stats())
    poll(lambda: sum(delta(queue_counts(t.stats()), st).values()) >= 50, 30)
    check(q3_packets() == pkts, 'round %d: queue 3 delivered %d frames after the shrink' %
          (r, q3_packets() - pkts))
    sh('ethtool -L %s combined 4' % t.nic)
    w = kmsg_warnings()
    check(len(w) == warned_before, 'round %d: %s' % (r, w[-1] if w else '?'))

blaster.kill()
blaster.wait()
print('PASS: %d shrinks to 2 channels under a blast to queue 3 with RFS on' % ROUNDS)
