#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""aRFS: a TCP server pinned to CPU 1 in a container namespace behind a
macvlan on the NIC; the client's flow starts on the RSS queue of CPU 0,
moves to the queue whose CPU is 1, follows the server to CPU 0, and its
entry expires after close. Then the same for flows inside VXLAN and inside
GENEVE, hashed and matched on their inner 5-tuple, decapsulated by XDP on
the NIC. Then the error paths: a table of arfs_max 2 entries with four
flows (refusals counted in arfs_table_full, the flows keep flowing, room
returns after expiry) and an injected allocation failure (counted in
arfs_alloc_fail, the flow keeps flowing, the next flow gets its entry)."""
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
ARFS_MAX = 2
set_param('arfs_max', ARFS_MAX)  # read when the NIC is created
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

# Serves N connections, one thread each, until all are closed.
SERVER = r'''
import os, socket, sys, threading
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(8)
print(os.getpid(), flush=True)


def serve(c):
    while c.recv(65536):
        pass
    c.close()


ths = []
for _ in range(int(sys.argv[3])):
    c, _ = s.accept()
    ths.append(threading.Thread(target=serve, args=(c,)))
    ths[-1].start()
for th in ths:
    th.join()
'''


def start_server(ip, conns=1):
    p = subprocess.Popen(['ip', 'netns', 'exec', ctr, 'taskset', '-c', '1',
                          'python3', '-c', SERVER, ip, str(PORT), str(conns)],
                         stdout=subprocess.PIPE, text=True)
    at_exit(lambda: p.poll() is None and p.kill())
    pid = int(p.stdout.readline())
    check(os.sched_getaffinity(pid) == {1}, 'server not pinned to CPU 1')
    return p, pid


class Client:
    """Sends 512-byte writes every interval seconds from a thread until
    stopped."""

    def __init__(self, src, sport, dst, interval=0.002):
        with netns(t.ns):
            self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.s.bind((src, sport))
        self.s.connect((dst, PORT))
        self.interval = interval
        self.stop = False
        self.th = threading.Thread(target=self.run, daemon=True)
        self.th.start()

    def run(self):
        while not self.stop:
            self.s.send(b'z' * 512)
            time.sleep(self.interval)

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


def sports_on_queue(queue, src, dst, n, start):
    """n source ports whose flows to dst:PORT RSS puts on queue."""
    key, indir = ethtool_x(t.nic)
    out = [p for p in spread_ports(start, 40 * n)
           if indir[toeplitz(key, rss_input_v4(src, dst, p, PORT)) % 128] == queue]
    check(len(out) >= n, 'not %d ports on queue %d' % (n, queue))
    return out[:n]


def scenario(label, src, dst):
    sport = sports_on_queue(0, src, dst, 1, 45000)[0]
    server, pid = start_server(dst)
    st0 = t.stats()
    c = Client(src, sport, dst)
    d = settled_on(1)
    st = t.stats()
    check(st['arfs_add'] > st0['arfs_add'], 'no aRFS entry added')
    check('queue 1 ' in t.read_debugfs('arfs'), 'no entry to queue 1:\n' + t.read_debugfs('arfs'))
    log(label, 'server on CPU 1: flow on queue 1', d)

    # The connection is served by a thread: move every thread.
    for tid in os.listdir('/proc/%d/task' % pid):
        os.sched_setaffinity(int(tid), {0})
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

# ---- TCP inside GENEVE (port known through the debugfs knob) -------------
sh('ip link set dev %s xdpdrv off' % t.nic)
t.write_debugfs('tunnel_ports', 'geneve 6081')
check('geneve 6081' in t.read_debugfs('tunnel_ports'), 'GENEVE port not set')
sh('modprobe geneve')
sh('ip -n %s link add gn0 type geneve id 43 remote %s dstport 6081' % (t.ns, t.nic_ip))
sh('ip netns exec %s ethtool -K gn0 tso off gso off' % t.ns)
sh('ip -n %s link set gn0 up && ip -n %s addr add 10.89.0.2/24 dev gn0' % (t.ns, t.ns))
sh('ip -n %s neigh replace 10.89.0.10 lladdr %s dev gn0 nud permanent' % (t.ns, mv_mac))
sh('ip -n %s addr add 10.89.0.10/24 dev %s' % (ctr, mv))
sh('ip -n %s neigh replace 10.89.0.2 lladdr %s dev %s nud permanent' % (ctr, peer_mac, mv))
sh('ip link set dev %s xdpdrv obj %s program xdp_geneve_decap' % (t.nic, OBJ))
scenario('geneve', '10.89.0.2', '10.89.0.10')
# fail_alloc below must hit aRFS entries only, not XDP buffers.
sh('ip link set dev %s xdpdrv off' % t.nic)


def stat_grew(before, name, n, timeout=40):
    return poll(lambda: t.stats()[name] - before[name] >= n, timeout)


def arfs_sports():
    return sorted(int(line.split(':')[1].split()[0])
                  for line in t.read_debugfs('arfs').splitlines()[1:])


def expired_all(before, n):
    ok = poll(lambda: t.stats()['arfs_entries'] == 0, 30)
    check(ok, 'entries did not expire:\n' + t.read_debugfs('arfs'))
    check(t.stats()['arfs_expire'] - before['arfs_expire'] >= n,
          'arfs_expire grew by %d, want %d' %
          (t.stats()['arfs_expire'] - before['arfs_expire'], n))


def window(secs=1.0):
    before = queue_counts(t.stats())
    time.sleep(secs)
    return delta(queue_counts(t.stats()), before)


# ---- table full: 4 flows, room for ARFS_MAX entries ----------------------
src, dst = t.wire_ip, '10.77.0.10'
ports = sports_on_queue(0, src, dst, 8, 46000)
server, pid = start_server(dst, 4)
st0 = t.stats()
clients = [Client(src, p, dst, 0.01) for p in ports[:4]]
ok = poll(lambda: (t.stats()['arfs_entries'] == ARFS_MAX and
                   t.stats()['arfs_table_full'] - st0['arfs_table_full'] >= 2), 60)
st = t.stats()
check(ok, 'table full not reached: entries %d, table_full +%d\n%s' %
      (st['arfs_entries'], st['arfs_table_full'] - st0['arfs_table_full'],
       t.read_debugfs('arfs')))
steered = arfs_sports()
check(len(steered) == ARFS_MAX and set(steered) <= set(ports[:4]),
      'entries %s are not flows of the test %s' % (steered, ports[:4]))
# Nothing breaks: the steered flows on queue 1, the refused ones on queue 0.
d = window()
check(d.get(0, 0) > 0 and d.get(1, 0) > 0,
      'with a full table, traffic per queue %s' % d)
check(all(c.th.is_alive() for c in clients), 'a client died')
log('table full: %d entries %s, arfs_table_full +%d, traffic %s' %
    (ARFS_MAX, steered, st['arfs_table_full'] - st0['arfs_table_full'], d))
for c in clients:
    c.close()
server.wait(timeout=30)
expired_all(st0, ARFS_MAX)

# Room returns: two new flows get entries, nothing refused.
server, pid = start_server(dst, 2)
st1 = t.stats()
clients = [Client(src, p, dst, 0.01) for p in ports[4:6]]
ok = poll(lambda: t.stats()['arfs_entries'] == 2 and
          t.stats()['arfs_add'] - st1['arfs_add'] >= 2, 60)
check(ok, 'no room after expiry:\n' + t.read_debugfs('arfs'))
check(arfs_sports() == sorted(ports[4:6]), 'entries %s, want %s' %
      (arfs_sports(), ports[4:6]))
settled_on(1)
check(t.stats()['arfs_table_full'] == st1['arfs_table_full'],
      'refused with room in the table')
log('room returned: new flows steered', ports[4:6])
for c in clients:
    c.close()
server.wait(timeout=30)
expired_all(st1, 2)

# ---- allocation failure (debugfs fail_alloc) ------------------------------
server, pid = start_server(dst, 2)
st2 = t.stats()
t.write_debugfs('fail_alloc', '1')
c1 = Client(src, ports[6], dst, 0.01)
check(stat_grew(st2, 'arfs_alloc_fail', 1), 'arfs_alloc_fail did not grow')
st = t.stats()
check(t.read_debugfs('fail_alloc').strip() == '0', 'fail_alloc not consumed')
check(st['arfs_alloc_fail'] - st2['arfs_alloc_fail'] == 1,
      'arfs_alloc_fail +%d for one failure' % (st['arfs_alloc_fail'] - st2['arfs_alloc_fail']))
check(st['arfs_entries'] == 0 and st['arfs_add'] == st2['arfs_add'],
      'an entry was added although its allocation failed:\n' + t.read_debugfs('arfs'))
d = window()
check(d.get(0, 0) > 0, 'the flow stopped after the failed allocation: %s' % d)
c2 = Client(src, ports[7], dst, 0.01)
ok = poll(lambda: t.stats()['arfs_add'] - st2['arfs_add'] >= 1, 60)
check(ok, 'the next flow got no entry:\n' + t.read_debugfs('arfs'))
check(ports[7] in arfs_sports(), 'entries %s lack %d' % (arfs_sports(), ports[7]))
check(t.stats()['arfs_alloc_fail'] == st['arfs_alloc_fail'], 'more allocation failures')
log('allocation failure counted once, the flow went on; the next flow steered')
c1.close()
c2.close()
server.wait(timeout=30)
expired_all(st2, 1)

print('PASS: aRFS follows the consuming CPU, plain and inside VXLAN and GENEVE; '
      'entries expire; a full table and a failed allocation are counted and harmless')
