#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The hash of a VXLAN frame survives decapsulation.

A VXLAN device in the NIC's namespace announces its port (udp_tunnel_nic),
so the NIC hashes frames to it on their inner flow and marks the hash
PKT_HASH_TYPE_L4. The kernel's vxlan keeps an L4 hash through
decapsulation (__iptunnel_pull_header() clears only the others), so the
inner frame reaches the VXLAN device -- and the socket, whose recorded
hash RFS and aRFS steer by -- with the NIC's Toeplitz hash of the inner
flow: a tc program on the VXLAN device's ingress sees exactly that value
for each of 8 inner flows. With PKT_HASH_TYPE_L3 it would see 0."""
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

PORT = 4789
FLOWS = 8
N = 5

need_root_and_module()
if not os.path.exists(XDP_PROBE):
    fail('%s not built (make -C selftests/vm)' % XDP_PROBE)
sh('modprobe vxlan')
t = Topo(queues=2)
vx = 'rxlvx%d' % (os.getpid() % 10000)
sh('ip link add %s type vxlan id 42 dstport %d local %s nolearning' % (vx, PORT, t.nic_ip))
at_exit(lambda: sh('ip link del %s 2>/dev/null' % vx, check=False))
with open('/proc/sys/net/ipv6/conf/%s/disable_ipv6' % vx, 'w') as f:
    f.write('1')
sh('ip link set %s up && ip addr add 172.16.1.1/24 dev %s' % (vx, vx))
ok = poll(lambda: 'vxlan %d stack' % PORT in t.read_debugfs('tunnel_ports'), 30)
check(ok, 'the VXLAN device did not announce port %d (debugfs tunnel_ports: %r)' %
      (PORT, t.read_debugfs('tunnel_ports')))

hash_seen = U64Array(tc_attach(vx, 'tc/hash_seen')['hash_seen'])


def seen():
    """(frames, last skb->hash) at the VXLAN device's tc ingress."""
    return hash_seen.get(0), hash_seen.get(1)


def vxlan_frame(src, dst, sport, dport):
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + 8 + 16, 1, 0, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    udp = struct.pack('!HHHH', sport, dport, 8 + 16, 0)
    eth = bytes.fromhex(VX_MAC.replace(':', '') + '020000000002') + b'\x08\x00'
    return struct.pack('!BBBBI', 0x08, 0, 0, 0, 42 << 8) + eth + ip + udp + b'i' * 16


with open('/sys/class/net/%s/address' % vx) as f:
    VX_MAC = f.read().strip()
key, _ = ethtool_x(t.nic)
s = t.udp_sender(46000)
for i in range(FLOWS):
    src, dst, sport, dport = '172.16.0.%d' % (i + 2), '172.16.1.1', 1000 + 13 * i, 7777
    want = toeplitz(key, rss_input_v4(src, dst, sport, dport))
    n0 = seen()[0]
    for _ in range(N):
        s.sendto(vxlan_frame(src, dst, sport, dport), (t.nic_ip, PORT))
    ok = poll(lambda: seen()[0] - n0 >= N, 60)
    got = seen()
    check(ok, 'inner flow %d: %d of %d frames reached %s\'s tc ingress in 60 s' %
          (i, got[0] - n0, N, vx))
    check(got[1] == want, 'inner flow %d: skb->hash after decapsulation %#x, want the '
          'NIC\'s Toeplitz hash of the inner flow %#x' % (i, got[1], want))
log('%d inner flows: skb->hash after vxlan decapsulation = the NIC\'s inner hash' % FLOWS)
print('PASS: the NIC\'s L4 hash of a VXLAN frame\'s inner flow survives decapsulation')
