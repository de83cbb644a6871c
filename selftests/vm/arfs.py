#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""aRFS: a TCP server pinned to CPU 1 in a container namespace behind a
macvlan on the NIC; the client's flow starts on the RSS queue of CPU 0,
moves to the queue whose CPU is 1, follows the server to CPU 0, and its
entry expires after close. Then the same for a flow inside VXLAN, hashed
and matched on its inner 5-tuple, decapsulated by XDP on the NIC."""
import json
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

OBJ = os.path.join(HERE, 'xdp_probe.bpf.o')
PORT = 5001

need_root_and_module()
if os.cpu_count() < 2:
    skip('aRFS needs two CPUs')
set_param('arfs_idle_ms', 1500)
t = Topo(queues=2)
t.set_queue_cpu(0, 0)
t.set_queue_cpu(1, 1)

sh('sysctl -qw net.core.rps_sock_flow_entries=32768')
at_exit(lambda: sh('sysctl -qw net.core.rps_sock_flow_entries=0', check=False))
for q in range(2):
    with open('/sys/class/net/%s/queues/rx-%d/rps_flow_cnt' % (t.nic, q), 'w') as f:
        f.write('256')
sh('ip netns exec %s ethtool -K %s tso off gso off' % (t.ns, t.peer))

sh('modprobe macvlan')
sh('modprobe vxlan')
ctr = 'rxlc%d' % os.getpid()
mv = 'rxlmv%d' % (os.getpid() % 10000)
sh('ip netns add %s' % ctr)
at_exit(lambda: sh('ip netns del %s' % ctr, check=False))
sh('ip link add %s link %s type macvlan mode bridge' % (mv, t.nic))
sh('ip link set %s netns %s' % (mv, ctr))
sh('ip netns exec %s sysctl -qw net.ipv6.conf.all.disable_ipv6=1' % ctr)
sh('ip -n %s link set lo up && ip -n %s link set %s up' % (ctr, ctr, mv))
mv_mac = Topo.mac(mv, ctr)
peer_mac = Topo.mac(t.peer, t.ns)

SERVER = r'''
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
print(os.getpid(), flush=True)
c, _ = s.accept()
while c.recv(65536):
    pass
'''


def start_server(ip):
    p = subprocess.Popen(['ip', 'netns', 'exec', ctr, 'taskset', '-c', '1',
                          'python3', '-c', SERVER, ip, str(PORT)],
                         stdout=subprocess.PIPE, text=True)
    at_exit(lambda: p.poll() is None and p.kill())
    pid = int(p.stdout.readline())
    check(os.sched_getaffinity(pid) == {1}, 'server not pinned to CPU 1')
    return p, pid


class Client:
    """Sends 512-byte writes every 2 ms from a thread until stopped."""

    def __init__(self, src, sport, dst):
        with netns(t.ns):
            self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.s.bind((src, sport))
        self.s.connect((dst, PORT))
        self.stop = False
        self.th = threading.Thread(target=self.run, daemon=True)
        self.th.start()

    def run(self):
        while not self.stop:
            self.s.send(b'z' * 512)
            time.sleep(0.002)

    def close(self):
        self.stop = True
        self.th.join()
        self.s.close()


def settled_on(queue, timeout=40):
    """Wait until a 0.5 s window of traffic lands only on queue."""
    def window():
        before = queue_counts(t.stats())
        time.sleep(0.5)
        d = delta(queue_counts(t.stats()), before)
        return d if d.get(queue, 0) > 5 and sum(d.values()) == d[queue] else None
    d = poll(window, timeout, 0)
    if not d:
        before = queue_counts(t.stats())
        time.sleep(0.5)
        fail('flow not on queue %d: last window %s, arfs:\n%s' %
             (queue, delta(queue_counts(t.stats()), before), t.read_debugfs('arfs')))
    return d


def rss_queue(src, sport, dst):
    key, indir = ethtool_x(t.nic)
    return indir[toeplitz(key, rss_input_v4(src, dst, sport, PORT)) % 128]


def scenario(label, src, dst):
    sport = next(p for p in range(45000, 45200) if rss_queue(src, p, dst) == 0)
    server, pid = start_server(dst)
    st0 = t.stats()
    c = Client(src, sport, dst)
    d = settled_on(1)
    st = t.stats()
    check(st['arfs_add'] > st0['arfs_add'], 'no aRFS entry added')
    check('queue 1 ' in t.read_debugfs('arfs'), 'no entry to queue 1:\n' + t.read_debugfs('arfs'))
    log(label, 'server on CPU 1: flow on queue 1', d)

    os.sched_setaffinity(pid, {0})
    d = settled_on(0)
    check(t.stats()['arfs_update'] > st['arfs_update'], 'the entry was not updated')
    log(label, 'server moved to CPU 0: flow on queue 0', d)

    c.close()
    server.wait(timeout=30)
    ok = poll(lambda: t.stats()['arfs_entries'] == 0, 30)
    check(ok, 'entry did not expire after close:\n' + t.read_debugfs('arfs'))
    check(t.stats()['arfs_expire'] > st0['arfs_expire'], 'arfs_expire did not grow')
    log(label, 'entry expired after close')


# ---- plain TCP -----------------------------------------------------------
sh('ip -n %s addr add 10.77.0.10/24 dev %s' % (ctr, mv))
sh('ip -n %s neigh replace %s lladdr %s dev %s nud permanent' % (ctr, t.wire_ip, peer_mac, mv))
sh('ip -n %s neigh replace 10.77.0.10 lladdr %s dev %s nud permanent' % (t.ns, mv_mac, t.peer))
scenario('tcp', t.wire_ip, '10.77.0.10')

# ---- TCP inside VXLAN, decapsulated by XDP on the NIC --------------------
t.write_debugfs('tunnel_ports', 'vxlan 4789')
check('vxlan 4789' in t.read_debugfs('tunnel_ports'), 'tunnel port not set')
sh('ip -n %s link add vx0 type vxlan id 42 local %s remote %s dstport 4789 dev %s' %
   (t.ns, t.wire_ip, t.nic_ip, t.peer))
sh('ip netns exec %s ethtool -K vx0 tso off gso off' % t.ns)
sh('ip -n %s link set vx0 up && ip -n %s addr add 10.88.0.2/24 dev vx0' % (t.ns, t.ns))
sh('ip -n %s neigh replace 10.88.0.10 lladdr %s dev vx0 nud permanent' % (t.ns, mv_mac))
sh('ip -n %s addr add 10.88.0.10/24 dev %s' % (ctr, mv))
sh('ip -n %s neigh replace 10.88.0.2 lladdr %s dev %s nud permanent' % (ctr, peer_mac, mv))
sh('ip link set dev %s xdpdrv obj %s program xdp_vxlan_decap' % (t.nic, OBJ))
at_exit(lambda: sh('ip link set dev %s xdpdrv off' % t.nic, check=False))
scenario('vxlan', '10.88.0.2', '10.88.0.10')

print('PASS: aRFS follows the consuming CPU, plain and inside VXLAN; entries expire')
