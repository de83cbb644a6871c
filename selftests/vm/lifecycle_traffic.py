#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Removal under traffic: the NIC deleted, its lower device deleted, or the
module removed, while frames flow, with XDP attached, ntuple rules and aRFS
configured and the configuration changing. ROUNDS rounds (default 60)
rotate the three removals: at least 20 of each. After every round the
module's reference count must be zero; vm-run judges the kernel log.

Under TCG every process start costs up to a second on a loaded host, so a
round starts few: commands run without a shell, ip reads one batch per
namespace, sysctl and debugfs are written directly, ntuple rules and the
RSS table change through the ioctls ethtool -N/-X use (rxl.py; ntuple.py
and rss.py drive the ethtool binary), the wire namespace
lives for the whole test, and the module stays loaded between rounds that
do not remove it (its reference count is checked instead)."""
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

OBJ = os.path.join(HERE, 'xdp_probe.bpf.o')
ROUNDS = int(os.environ.get('ROUNDS', '60'))
MODES = ('delete the NIC', 'delete the lower device', 'rmmod')
TAG = os.getpid() % 100000
WNS = 'rxlw%d' % TAG
PEER = 'rxpeer'
NIC_IP, WIRE_IP = '10.77.0.1', '10.77.0.2'
LOWER_MAC, PEER_MAC = '02:00:00:77:00:01', '02:00:00:77:00:02'


class Blaster:
    """UDP to 64 ports of dst from a thread of this process, with its socket
    in namespace ns, until stopped. Paced, 8 frames every 2 ms at most:
    flat out, the sender and the NIC's NAPI take both guest CPUs under TCG
    and every command of the round waits. Send errors (the device is
    gone) are part of the test."""

    def __init__(self, ns, dst):
        with netns(ns):
            self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.dst = dst
        self.stop = False
        self.th = threading.Thread(target=self.run, daemon=True)
        self.th.start()

    def run(self):
        payload, i = b'b' * 200, 0
        while not self.stop:
            try:
                self.s.sendto(payload, (self.dst, 7700 + i % 64))
            except OSError:
                pass
            i += 1
            if i % 8 == 0:
                time.sleep(0.002)

    def close(self):
        self.stop = True
        self.th.join()
        self.s.close()


def run(*argv, stdin=None, check=True):
    """Run argv without a shell; fail the test on error. Returns stdout."""
    r = subprocess.run(argv, input=stdin, capture_output=True, text=True)
    if check and r.returncode:
        fail('%s: exit %d: %s' % (' '.join(argv), r.returncode, r.stderr.strip()))
    return r.stdout


def write(path, value):
    with open(path, 'w') as f:
        f.write(str(value))


def frames(nic):
    return sum(queue_counts(ethtool_stats(nic)).values())


def setup(r):
    """A NIC with 4 queues over a new veth pair to the wire namespace, XDP,
    two ntuple rules, RFS and a tunnel port. Returns (lower, nic)."""
    lower, nic = 'rxlo%d' % r, 'rxn%d' % r
    if not module_loaded():
        run('insmod', KO)
    run('ip', '-batch', '-', stdin='\n'.join([
        'link add %s address %s type veth peer name %s address %s netns %s' %
        (lower, LOWER_MAC, PEER, PEER_MAC, WNS),
        'link add %s link %s numrxqueues 4 numtxqueues 4 type rxlane' % (nic, lower),
        'link set %s up' % lower,
        'link set %s up' % nic,
        'addr add %s/24 dev %s' % (NIC_IP, nic),
        'neigh replace %s lladdr %s dev %s nud permanent' % (WIRE_IP, PEER_MAC, nic),
    ]) + '\n')
    run('ip', '-n', WNS, '-batch', '-', stdin='\n'.join([
        'link set %s up' % PEER,
        'addr add %s/24 dev %s' % (WIRE_IP, PEER),
        'neigh replace %s lladdr %s dev %s nud permanent' % (NIC_IP, LOWER_MAC, PEER),
    ]) + '\n')
    run('ip', 'link', 'set', 'dev', nic, 'xdpdrv', 'obj', OBJ, 'program',
        'xdp_count')
    ntuple_udp4_add(nic, 7701, 3, 0)
    ntuple_udp4_add(nic, 7702, -1, 1)
    for q in range(4):
        write('/sys/class/net/%s/queues/rx-%d/rps_flow_cnt' % (nic, q), 64)
    write(os.path.join(DEBUGFS, nic, 'tunnel_ports'), 'vxlan 4789')
    return lower, nic


if os.geteuid() != 0 or not os.path.exists('/proc/modules'):
    skip('needs root in the VM')
if not os.path.exists(OBJ):
    fail('%s not built' % OBJ)
run('modprobe', 'veth')
if module_loaded():
    run('rmmod', 'rxlane')
at_exit(lambda: module_loaded() and subprocess.run(['rmmod', 'rxlane']))
run('ip', 'netns', 'add', WNS)
at_exit(lambda: subprocess.run(['ip', 'netns', 'del', WNS]))
write('/proc/sys/net/core/rps_sock_flow_entries', 4096)
at_exit(lambda: write('/proc/sys/net/core/rps_sock_flow_entries', 0))
ncpu = os.cpu_count()
start = time.monotonic()

for r in range(ROUNDS):
    mode = MODES[r % 3]
    lower, nic = setup(r)
    # Only a round that failed leaves its lower device: no process start
    # per finished round at exit (each costs up to a second under TCG).
    at_exit(lambda lower=lower: os.path.exists('/sys/class/net/' + lower) and
            subprocess.run(['ip', 'link', 'del', lower]))
    blaster = Blaster(WNS, NIC_IP)
    try:
        before = frames(nic)
        check(poll(lambda: frames(nic) - before > 200, 60),
              'round %d: not 200 frames received within 60 s' % r)
        # Change the configuration while frames flow.
        i = r % 3
        write(os.path.join(DEBUGFS, nic, 'queue_cpu'), '%d %d' % (i, (i + 1) % ncpu))
        ntuple_udp4_add(nic, 7710 + i, i, 2)
        table = rss_set_indir(nic, [(i + j) % 2 for j in range(4)])
        if r == 0:
            # The ioctls did what ethtool -N/-X would have done.
            rules = run('ethtool', '-n', nic)
            check('Filter: 2' in rules and 'Dest port: %d' % (7710 + i) in rules
                  and 'Action: Direct to queue %d' % i in rules,
                  'ntuple rule at loc 2 not as set:\n' + rules)
            check(ethtool_x(nic)[1] == table and set(table) == {1, 3},
                  'RSS table %s, want %s over queues 1 and 3' % (ethtool_x(nic)[1], table))
        rss_set_indir(nic, [1] * 4)
        ntuple_del(nic, 2)
        # Removed under traffic: frames still arrive after the changes.
        before = frames(nic)
        check(poll(lambda: frames(nic) - before > 50, 60),
              'round %d: not 50 frames received within 60 s after the changes' % r)
        if mode == 'delete the NIC':
            run('ip', 'link', 'del', nic)
        elif mode == 'delete the lower device':
            run('ip', 'link', 'del', lower)
        else:
            run('rmmod', 'rxlane')
        check(not os.path.exists('/sys/class/net/' + nic), 'round %d: %s survived: %s' %
              (r, nic, mode))
    finally:
        blaster.close()
    run('ip', 'link', 'del', lower, check=False)
    if module_loaded():
        check(poll(lambda: module_refcount() == 0, 30),
              'round %d: module reference count %s 30 s after %s' %
              (r, module_refcount(), mode))
    log('round %d: %s under traffic: clean' % (r, mode))

if module_loaded():
    run('rmmod', 'rxlane')
print('PASS: %d removals under traffic with XDP, rules and aRFS (%d of each kind) '
      'in %.0f s' % (ROUNDS, ROUNDS // 3, time.monotonic() - start))
