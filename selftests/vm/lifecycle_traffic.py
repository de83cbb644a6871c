#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Removal under traffic: the NIC deleted, its lower device deleted, or the
module removed, while frames flow, with XDP attached, ntuple rules and aRFS
configured and the configuration changing. Repeated; the module's
reference count must return to zero; vm-run judges the kernel log."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rxl  # noqa: E402
from rxl import *  # noqa: E402,F403

OBJ = os.path.join(HERE, 'xdp_probe.bpf.o')
ROUNDS = int(os.environ.get('ROUNDS', '3'))

BLASTER = r'''
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dst = sys.argv[1]
i = 0
while True:
    try:
        s.sendto(b'b' * 200, (dst, 7700 + i % 64))
    except OSError:
        pass
    i += 1
'''

if os.geteuid() != 0 or not os.path.exists('/proc/modules'):
    skip('needs root in the VM')
if not os.path.exists(OBJ):
    fail('%s not built' % OBJ)
sh('modprobe veth')
if module_loaded():
    sh('rmmod rxlane')
ncpu = os.cpu_count()


def refcount():
    with open('/proc/modules') as f:
        for line in f:
            if line.startswith('rxlane '):
                return int(line.split()[2])
    return None


for r in range(ROUNDS):
    mode = ('delete the NIC', 'delete the lower device', 'rmmod')[r % 3]
    sh('insmod %s' % KO)
    t = Topo(queues=4, tag='lc%d' % r)
    sh('ip link set dev %s xdpdrv obj %s program xdp_count' % (t.nic, OBJ))
    sh('ethtool -N %s flow-type udp4 dst-port 7701 action 3 loc 0' % t.nic)
    sh('ethtool -N %s flow-type udp4 dst-port 7702 action -1 loc 1' % t.nic)
    sh('sysctl -qw net.core.rps_sock_flow_entries=4096')
    for q in range(4):
        with open('/sys/class/net/%s/queues/rx-%d/rps_flow_cnt' % (t.nic, q), 'w') as f:
            f.write('64')
    t.write_debugfs('tunnel_ports', 'vxlan 4789')
    blasters = [subprocess.Popen(['ip', 'netns', 'exec', t.ns, 'python3', '-c',
                                  BLASTER, t.nic_ip]) for _ in range(1)]
    try:
        before = sum(queue_counts(t.stats()).values())
        check(poll(lambda: sum(queue_counts(t.stats()).values()) - before > 200, 60),
              'round %d: no traffic' % r)
        # Change the configuration while frames flow.
        for i in range(3):
            t.set_queue_cpu(i % 4, (i + 1) % ncpu)
            sh('ethtool -N %s flow-type udp4 dst-port %d action %d loc 2' %
               (t.nic, 7710 + i, i % 3))
            sh('ethtool -X %s weight %s' % (t.nic, ' '.join(str((i + j) % 2) for j in range(4))))
        sh('ethtool -X %s equal 4' % t.nic)
        sh('ethtool -N %s delete 2' % t.nic)
        sh('ethtool -L %s combined 4' % t.nic)
        time.sleep(0.3)
        if mode == 'delete the NIC':
            sh('ip link del %s' % t.nic)
        elif mode == 'delete the lower device':
            sh('ip link del %s' % t.lower)
            check(sh_rc('ip link show %s' % t.nic)[0] != 0, 'NIC survived its lower')
        else:
            sh('rmmod rxlane')
            check(sh_rc('ip link show %s' % t.nic)[0] != 0, 'NIC survived rmmod')
    finally:
        for b in blasters:
            b.kill()
            b.wait()
    sh('ip link del %s 2>/dev/null' % t.lower, check=False)
    sh('ip netns del %s' % t.ns, check=False)
    rxl._run_cleanups()
    if module_loaded():
        check(poll(lambda: refcount() == 0, 10), 'round %d: refcount %s' % (r, refcount()))
        sh('rmmod rxlane')
    log('round %d: %s under traffic: clean' % (r, mode))

sh('sysctl -qw net.core.rps_sock_flow_entries=0')
print('PASS: %d removals under traffic with XDP, rules and aRFS' % ROUNDS)
