#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Native XDP on rxlane: attach, per-queue CPU seen by the program follows
the queue -> CPU knob, XDP_DROP counted, XDP_TX, redirect from the NIC to a
veth and from a veth into the NIC through a devmap, refusals (fault
injection, MTU)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

OBJ = XDP_PROBE
N = 20

need_root_and_module()
if not os.path.exists(OBJ):
    fail('%s not built (make -C selftests/vm)' % OBJ)
t = Topo(queues=2)
ncpu = os.cpu_count()


def attach(dev, sec, ns=None):
    return xdp_attach(dev, sec, ns)


def detach(dev):
    sh('ip link set dev %s xdpdrv off' % dev)


def ifindex(dev, ns=None):
    pre = 'ip -n %s ' % ns if ns else 'ip '
    return json.loads(sh(pre + '-j link show dev %s' % dev))[0]['ifindex']


def rx_packets(dev, ns=None):
    pre = 'ip -n %s ' % ns if ns else 'ip '
    return json.loads(sh(pre + '-j -s link show dev %s' % dev))[0]['stats64']['rx']['packets']


def sum_field(field):
    return sum(queue_counts(t.stats(), field).values())


def wait_field(field, base, n):
    ok = poll(lambda: sum_field(field) - base >= n)
    check(ok and sum_field(field) - base == n,
          '%s grew by %d, want %d' % (field, sum_field(field) - base, n))


# ---- affinity: the program sees each queue's frames on the queue's CPU ----
maps = attach(t.nic, 'xdp_count')
sh('ethtool -N %s flow-type udp4 dst-port 7700 action 0 loc 0' % t.nic)
sh('ethtool -N %s flow-type udp4 dst-port 7701 action 1 loc 1' % t.nic)


def affinity_round(cpu_of):
    for q, cpu in cpu_of.items():
        t.set_queue_cpu(q, cpu)
    before = read_hits(maps['hits'])
    base = sum_field('xdp_pass')
    for q in cpu_of:
        t.send_udp(40000 + q, 7700 + q, N)
    wait_field('xdp_pass', base, N * len(cpu_of))
    got = read_hits(maps['hits'])
    d = {k: v - before.get(k, 0) for k, v in got.items() if v - before.get(k, 0)}
    want = {(q, cpu): N for q, cpu in cpu_of.items()}
    check(d == want, 'frames per (queue, cpu) %s, want %s' % (d, want))
    log('queue -> cpu', cpu_of, 'seen by XDP as', d)


if ncpu >= 2:
    affinity_round({0: 0, 1: 1})
    affinity_round({0: 1, 1: 0})
    affinity_round({0: 1, 1: 1})
    t.set_queue_cpu(0, 0)
    t.set_queue_cpu(1, 1)
else:
    skip_case('affinity', 'one CPU: queues cannot move between CPUs')
    affinity_round({0: 0, 1: 0})
detach(t.nic)

# ---- XDP_DROP is counted, nothing reaches the socket ----------------------
import socket  # noqa: E402
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.bind((t.nic_ip, 7702))
rx.setblocking(False)
attach(t.nic, 'xdp_drop')
base = sum_field('xdp_drop')
t.send_udp(41000, 7702, 30)
wait_field('xdp_drop', base, 30)
try:
    rx.recv(64)
    fail('a dropped datagram reached the socket')
except BlockingIOError:
    pass
sh('ping -c 1 -W 5 %s' % t.wire_ip)  # other traffic passes
detach(t.nic)

# ---- XDP_TX bounces frames back out through the lower device --------------
attach(t.nic, 'xdp_tx')
base, wire_rx = sum_field('xdp_tx'), rx_packets(t.peer, t.ns)
t.send_udp(41001, 7703, N)
wait_field('xdp_tx', base, N)
check(poll(lambda: rx_packets(t.peer, t.ns) - wire_rx >= N),
      'the wire saw %d of %d bounced frames' % (rx_packets(t.peer, t.ns) - wire_rx, N))
detach(t.nic)

# ---- redirect from the NIC into a veth through a devmap -------------------
sink = 'rxls%d' % os.getpid()
sh('ip netns add %s' % sink)
at_exit(lambda: sh('ip netns del %s' % sink, check=False))
sh('ip link add rxlt0 type veth peer name rxlt1 netns %s' % sink)
at_exit(lambda: sh('ip link del rxlt0 2>/dev/null', check=False))
sh('ip link set rxlt0 up && ip -n %s link set rxlt1 up' % sink)
sh('ip netns exec %s ethtool -K rxlt1 gro on' % sink)  # veth NAPI for xdp_xmit
maps = attach(t.nic, 'xdp_redirect')
devmap_set(maps['tx_port'], ifindex('rxlt0'))
base, sink_rx = sum_field('xdp_redirect'), rx_packets('rxlt1', sink)
t.send_udp(41002, 7704, N)
wait_field('xdp_redirect', base, N)
check(poll(lambda: rx_packets('rxlt1', sink) - sink_rx >= N),
      'the veth peer saw %d of %d redirected frames' % (rx_packets('rxlt1', sink) - sink_rx, N))
detach(t.nic)

# ---- redirect from a veth into the NIC (ndo_xdp_xmit) ---------------------
src = 'rxlsrc%d' % os.getpid()
sh('ip netns add %s' % src)
at_exit(lambda: sh('ip netns del %s' % src, check=False))
sh('ip link add rxlu0 type veth peer name rxlu1 netns %s' % src)
at_exit(lambda: sh('ip link del rxlu0 2>/dev/null', check=False))
sh('ip link set rxlu0 up && ip -n %s link set rxlu1 up' % src)
sh('ip -n %s addr add 10.79.0.1/24 dev rxlu1' % src)
sh('ip -n %s neigh replace 10.79.0.2 lladdr %s dev rxlu1 nud permanent' %
   (src, Topo.mac(t.peer, t.ns)))
maps = attach('rxlu0', 'xdp_redirect_all')
devmap_set(maps['tx_port'], ifindex(t.nic))
base, wire_rx = t.stats()['xdp_xmit'], rx_packets(t.peer, t.ns)
udp_burst(src, ('0.0.0.0', 0), ('10.79.0.2', 7705), N, b'y' * 64)
check(poll(lambda: t.stats()['xdp_xmit'] - base >= N),
      'xdp_xmit grew by %d, want %d' % (t.stats()['xdp_xmit'] - base, N))
check(poll(lambda: rx_packets(t.peer, t.ns) - wire_rx >= N),
      'the wire saw %d of %d frames sent by ndo_xdp_xmit' % (rx_packets(t.peer, t.ns) - wire_rx, N))
detach('rxlu0')

# ---- refusals say why ----------------------------------------------------
t.write_debugfs('fail_xdp', '1')
rc, out = sh_rc('ip link set dev %s xdpdrv obj %s program xdp_count' % (t.nic, OBJ))
check(rc != 0 and 'fault injection' in out, 'fail_xdp: rc %d, %s' % (rc, out))
t.write_debugfs('fail_xdp', '0')
sh('ip link set %s mtu 9000' % t.lower)
sh('ip link set %s mtu 9000' % t.nic)
rc, out = sh_rc('ip link set dev %s xdpdrv obj %s program xdp_count' % (t.nic, OBJ))
check(rc != 0 and 'MTU too large' in out, 'XDP with MTU 9000: rc %d, %s' % (rc, out))
sh('ip link set %s mtu 1500' % t.nic)
attach(t.nic, 'xdp_count')
rc, out = sh_rc('ip link set %s mtu 9000' % t.nic)
check(rc != 0, 'MTU 9000 accepted with XDP attached')
detach(t.nic)

print('PASS: native XDP: affinity, drop, tx, redirect in and out, refusals')
