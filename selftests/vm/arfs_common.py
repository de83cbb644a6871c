# SPDX-License-Identifier: GPL-2.0
"""What the aRFS tests share: a 2-queue NIC (queue 0 on CPU 0, queue 1 on
CPU 1) with RFS on, a container namespace behind a macvlan on the NIC where
servers run pinned to a CPU, clients in the wire namespace, and the choice
of flows the stack will really offer to the NIC.

Which flows the stack offers (Debian 6.1, net/core/dev.c): get_rps_cpu()
looks up the receiving queue's rps_dev_flow slot at skb->hash &
(rps_flow_cnt - 1) and calls set_rps_cpu() -- which calls
ndo_rx_flow_steer() -- only when that slot's CPU differs from the CPU the
consuming socket recorded. set_rps_cpu() writes the wanted CPU into the
slot even when ndo_rx_flow_steer() fails (table full, failed allocation,
aRFS off). So a flow refused once leaves its slot on queue 0 saying "CPU 1",
and a later flow whose hash falls into the same slot is never offered: it
stays on queue 0 with no entry. The NIC's skb->hash is the Toeplitz hash
this file computes (of the inner flow for tunnels), so fresh_sports() picks
flows whose slot no earlier flow of the test used."""
import os
import re
import socket
import subprocess
import threading
import time

from rxl import *  # noqa: F403

PORT = 5001
RFS_SLOTS = 4096    # rps_flow_cnt of each queue
RFS_ENTRIES = 32768  # net.core.rps_sock_flow_entries

# Serves connections, one thread each (TCP), or one connected UDP socket,
# until the test kills it. Prints its pid once it can receive.
SERVER = r'''
import os, socket, sys, threading
proto, ip, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
fam = socket.AF_INET6 if ':' in ip else socket.AF_INET
if proto == 'udp':
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((ip, port))
    # Connected: only then does UDP record the flow for RFS.
    s.connect((sys.argv[5], int(sys.argv[6])))
    print(os.getpid(), flush=True)
    while True:
        s.recv(65536)
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((ip, port))
s.listen(64)
print(os.getpid(), flush=True)


def serve(c):
    while c.recv(65536):
        pass
    c.close()


ths = []
for _ in range(n):
    c, _ = s.accept()
    ths.append(threading.Thread(target=serve, args=(c,)))
    ths[-1].start()
for th in ths:
    th.join()
'''


class ArfsTopo:
    """The NIC, RFS, and a container namespace ctr behind macvlan mv."""

    def __init__(self, arfs_max, idle_ms=1500):
        need_root_and_module()
        if os.cpu_count() < 2:
            skip('aRFS needs two CPUs')
        set_param('arfs_idle_ms', idle_ms)
        self.arfs_max = arfs_max
        set_param('arfs_max', arfs_max)  # read when the NIC is created
        t = self.t = Topo(queues=2)
        t.set_queue_cpu(0, 0)
        t.set_queue_cpu(1, 1)
        sh('sysctl -qw net.core.rps_sock_flow_entries=%d' % RFS_ENTRIES)
        at_exit(lambda: sh('sysctl -qw net.core.rps_sock_flow_entries=0', check=False))
        self.set_flow_cnt()
        sh('ip netns exec %s ethtool -K %s tso off gso off' % (t.ns, t.peer))
        sh('modprobe macvlan')
        self.ctr = ctr = 'rxlc%d' % os.getpid()
        self.mv = mv = 'rxlmv%d' % (os.getpid() % 10000)
        sh('ip netns add %s' % ctr)
        at_exit(lambda: sh('ip netns del %s' % ctr, check=False))
        sh('ip link add %s link %s type macvlan mode bridge' % (mv, t.nic))
        sh('ip link set %s netns %s' % (mv, ctr))
        sh('ip netns exec %s sysctl -qw net.ipv6.conf.all.disable_ipv6=1' % ctr)
        sh('ip -n %s link set lo up && ip -n %s link set %s up' % (ctr, ctr, mv))
        self.mv_mac = Topo.mac(mv, ctr)
        self.peer_mac = Topo.mac(t.peer, t.ns)
        # Queue-0 rps_dev_flow slots used by a flow of the test so far.
        self.used_slots = {}

    def set_flow_cnt(self):
        """rps_flow_cnt on every queue in use (a queue removed by ethtool -L
        loses its table)."""
        nic = self.t.nic
        for q in sorted(os.listdir('/sys/class/net/%s/queues' % nic)):
            if q.startswith('rx-'):
                with open('/sys/class/net/%s/queues/%s/rps_flow_cnt' % (nic, q), 'w') as f:
                    f.write(str(RFS_SLOTS))

    def add_ip(self, ctr_ip, wire_ip, wire_dev=None):
        """ctr_ip on the macvlan, static neighbours both ways with wire_ip
        (on wire_dev in the wire namespace, by default the veth end)."""
        t, ctr, mv = self.t, self.ctr, self.mv
        if ':' in ctr_ip:
            sh('ip -n %s addr add %s/64 dev %s nodad' % (ctr, ctr_ip, mv))
        else:
            sh('ip -n %s addr add %s/24 dev %s' % (ctr, ctr_ip, mv))
        sh('ip -n %s neigh replace %s lladdr %s dev %s nud permanent' %
           (ctr, wire_ip, self.peer_mac, mv))
        sh('ip -n %s neigh replace %s lladdr %s dev %s nud permanent' %
           (t.ns, ctr_ip, self.mv_mac, wire_dev or t.peer))

    def enable_ipv6(self, ctr_ip6):
        """IPv6 between the wire end and the macvlan, without background
        traffic (see Topo.enable_ipv6)."""
        t, ctr, mv = self.t, self.ctr, self.mv
        t.enable_ipv6()
        for k, v in (('addr_gen_mode', 1), ('accept_dad', 0), ('accept_ra', 0),
                     ('router_solicitations', 0), ('disable_ipv6', 0)):
            sh('ip netns exec %s sysctl -qw net.ipv6.conf.%s.%s=%d' % (ctr, mv, k, v))
        self.add_ip(ctr_ip6, t.wire_ip6)

    # ---- flows ------------------------------------------------------------
    def flow_hash(self, src, dst, sport, proto='tcp'):
        key, _ = ethtool_x(self.t.nic)
        if ':' in src:
            return toeplitz(key, rss_input_v6(src, dst, sport, PORT))
        return toeplitz(key, rss_input_v4(src, dst, sport, PORT))

    def rfs_slot(self, src, dst, sport):
        return self.flow_hash(src, dst, sport) & (RFS_SLOTS - 1)

    def fresh_sports(self, src, dst, n, start, queue=0):
        """n source ports whose flows to dst:PORT RSS puts on queue, each in
        a queue-0 rps_dev_flow slot no earlier flow of the test used (see
        the top of this file: a flow in the slot of a refused one would
        never be offered to the NIC). The slots are then taken."""
        key, indir = ethtool_x(self.t.nic)
        inp = rss_input_v6 if ':' in src else rss_input_v4
        out = []
        for p in spread_ports(start, 60 * n):
            h = toeplitz(key, inp(src, dst, p, PORT))
            slot = h & (RFS_SLOTS - 1)
            if indir[h % len(indir)] == queue and slot not in self.used_slots:
                self.used_slots[slot] = p
                out.append(p)
                if len(out) == n:
                    return out
        fail('not %d ports on queue %d in unused rps_dev_flow slots (used %d)' %
             (n, queue, len(self.used_slots)))

    # ---- processes ----------------------------------------------------------
    def start_server(self, ip, conns=1, proto='tcp', peer=None, cpu=1):
        """A server pinned to cpu in the container namespace; for UDP a
        socket connected to peer (ip, port)."""
        argv = ['ip', 'netns', 'exec', self.ctr, 'taskset', '-c', str(cpu),
                'python3', '-c', SERVER, proto, ip, str(PORT), str(conns)]
        if peer:
            argv += [peer[0], str(peer[1])]
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        at_exit(lambda: p.poll() is None and p.kill())
        line = p.stdout.readline()
        check(line.strip().isdigit(), 'server did not start (exit %s)' % p.poll())
        pid = int(line)
        check(os.sched_getaffinity(pid) == {cpu}, 'server not pinned to CPU %d' % cpu)
        return p, pid

    @staticmethod
    def end_server(p, timeout=60, kill=False):
        """Wait for the server to end after its clients closed (or kill it)."""
        if kill:
            p.kill()
        ok = poll(lambda: p.poll() is not None, timeout, 0.1)
        check(ok, 'server still running %d s after its clients closed' % timeout)

    @staticmethod
    def move(pid, cpu):
        """Move every thread of pid (a connection is served by a thread)."""
        for tid in os.listdir('/proc/%d/task' % pid):
            os.sched_setaffinity(int(tid), {cpu})

    # ---- what the NIC did ---------------------------------------------------
    def stats(self):
        return self.t.stats()

    def arfs_table(self):
        return self.t.read_debugfs('arfs')

    def arfs_sports(self):
        """The source ports of the entries in the debugfs table."""
        return sorted(int(re.search(r':(\d+) -> ', line).group(1))
                      for line in self.arfs_table().splitlines()[1:])

    def settled_on(self, queue, timeout=60):
        """Wait until a 0.5 s window of traffic lands only on queue."""
        t = self.t

        def window():
            before = queue_counts(t.stats())
            time.sleep(0.5)
            d = delta(queue_counts(t.stats()), before)
            return d if d.get(queue, 0) > 5 and sum(d.values()) == d[queue] else None
        d = poll(window, timeout, 0)
        if not d:
            before = queue_counts(t.stats())
            time.sleep(0.5)
            fail('flow not on queue %d within %d s: last window %s, arfs:\n%s' %
                 (queue, timeout, delta(queue_counts(t.stats()), before),
                  self.arfs_table()))
        return d

    def traffic_on(self, queues, what, timeout=60):
        """Wait until frames arrived on every queue of queues."""
        t = self.t
        before = queue_counts(t.stats())

        def grown():
            d = delta(queue_counts(t.stats()), before)
            return d if all(d.get(q, 0) > 0 for q in queues) else None
        d = poll(grown, timeout, 0.1)
        check(d, '%s: no frames on queues %s within %d s: %s' %
              (what, queues, timeout, delta(queue_counts(t.stats()), before)))
        return d

    def expired_all(self, before, n, timeout=60):
        ok = poll(lambda: self.stats()['arfs_entries'] == 0, timeout)
        check(ok, 'entries did not expire within %d s:\n%s' % (timeout, self.arfs_table()))
        grew = self.stats()['arfs_expire'] - before['arfs_expire']
        check(grew >= n, 'arfs_expire grew by %d, want %d' % (grew, n))


class Client:
    """Sends 512-byte writes (TCP) or datagrams (connected UDP) every
    interval seconds from a thread in the wire namespace until stopped."""

    def __init__(self, ns, src, sport, dst, interval=0.002, proto='tcp'):
        fam = socket.AF_INET6 if ':' in dst else socket.AF_INET
        kind = socket.SOCK_DGRAM if proto == 'udp' else socket.SOCK_STREAM
        with netns(ns):
            self.s = socket.socket(fam, kind)
        self.s.bind((src, sport))
        self.s.settimeout(60)
        try:
            self.s.connect((dst, PORT))
        except OSError as e:
            fail('%s connect from port %d to %s: %s (60 s allowed)' % (proto, sport, dst, e))
        # A send never blocks for good (on a NIC that is down, say).
        self.s.settimeout(10)
        self.interval = interval
        self.stop = False
        self.error = None
        self.th = threading.Thread(target=self.run, daemon=True)
        self.th.start()
        at_exit(self.close)

    def run(self):
        try:
            while not self.stop:
                self.s.send(b'z' * 512)
                if self.interval:
                    time.sleep(self.interval)
        except OSError as e:
            self.error = e

    def alive(self):
        return self.th.is_alive() and not self.error

    def close(self):
        if self.stop:
            return
        self.stop = True
        self.th.join()
        self.s.close()


def scenario(a, label, src, dst, proto='tcp', start=45000):
    """One flow from src (wire namespace) to dst:PORT (container), first on
    the RSS queue of CPU 0: it moves to queue 1 while its server is on
    CPU 1, back to queue 0 when the server moves to CPU 0, and its entry
    expires after the client stops."""
    t = a.t
    sport = a.fresh_sports(src, dst, 1, start)[0]
    server, pid = a.start_server(dst, proto=proto, peer=(src, sport))
    st0 = a.stats()
    c = Client(t.ns, src, sport, dst, proto=proto)
    d = a.settled_on(1)
    st = a.stats()
    check(st['arfs_add'] > st0['arfs_add'], '%s: no aRFS entry added' % label)
    check(a.arfs_sports() == [sport] and 'queue 1 ' in a.arfs_table(),
          '%s: no entry for port %d to queue 1:\n%s' % (label, sport, a.arfs_table()))
    log(label, 'server on CPU 1: flow on queue 1', d)

    a.move(pid, 0)
    d = a.settled_on(0)
    check(a.stats()['arfs_update'] > st['arfs_update'], '%s: the entry was not updated' % label)
    log(label, 'server moved to CPU 0: flow on queue 0', d)

    c.close()
    a.end_server(server, kill=proto == 'udp')
    a.expired_all(st0, 1)
    log(label, 'entry expired after close')
