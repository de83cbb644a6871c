#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""RSS: flows land on the queues an independent Toeplitz computation
predicts from the key and table ethtool -x shows; a new table and a new
key move them as predicted; the same for IPv6 flows (addresses of 16
bytes), with the default and with a new key."""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

need_root_and_module()
t = Topo(queues=4)
FLOWS = [(30000 + 7 * i, 5000 + i % 3) for i in range(24)]
PKTS = 4


def predict(key, indir):
    out = {}
    for sport, dport in FLOWS:
        h = toeplitz(key, rss_input_v4(t.wire_ip, t.nic_ip, sport, dport))
        out[(sport, dport)] = indir[h % len(indir)]
    return out


def run(label):
    key, indir = ethtool_x(t.nic)
    check(len(key) == 52 and len(indir) == 128,
          'ethtool -x: key %d bytes, %d entries' % (len(key), len(indir)))
    pred = predict(key, indir)
    landed = {}
    for flow, q in pred.items():
        before = queue_counts(t.stats())
        t.send_udp(flow[0], flow[1], PKTS)
        d = t.wait_packets(before, PKTS)
        got = [k for k, v in d.items() if v]
        check(got == [q], '%s: flow %s predicted on queue %d, landed %s' %
              (label, flow, q, d))
        landed[flow] = got[0]
    log(label, 'all %d flows on their predicted queues' % len(pred))
    return landed  # where the NIC put each flow


p1 = run('default key and table')
check(len(set(p1.values())) > 1, 'default table put all flows on one queue')

sh('ethtool -X %s weight 0 1 0 3' % t.nic)
p2 = run('table weight 0 1 0 3')
check(set(p2.values()) <= {1, 3}, 'weights 0 1 0 3 used queues %s' % set(p2.values()))
check(p1 != p2, 'the new table moved no flow')

random.seed(4)
key = ':'.join('%02x' % random.randrange(256) for _ in range(52))
sh('ethtool -X %s hkey %s equal 4' % (t.nic, key))
check(ethtool_x(t.nic)[0].hex(':') == key, 'ethtool -x does not show the new key')
p3 = run('new key, equal 4')
check(p3 != p1, 'new key moved no flow')

# IPv6: source and destination addresses (16 bytes each), then the ports.
t.enable_ipv6()


def run6(label):
    key, indir = ethtool_x(t.nic)
    seen = set()
    for sport, dport in FLOWS:
        q = indir[toeplitz(key, rss_input_v6(t.wire_ip6, t.nic_ip6, sport, dport)) % 128]
        before = queue_counts(t.stats())
        t.send_udp6(sport, dport, PKTS)
        d = t.wait_packets(before, PKTS)
        got = [k for k, v in d.items() if v]
        check(got == [q], '%s: udp6 flow %s predicted on queue %d, landed %s' %
              (label, (sport, dport), q, d))
        seen.update(got)
    check(len(seen) > 1, '%s: the NIC put all udp6 flows on queues %s' % (label, seen))
    log(label, 'all %d udp6 flows on their predicted queues' % len(FLOWS), seen)


run6('ipv6, key set above')
sh('ethtool -X %s hkey %s equal 4' % (t.nic, ':'.join('%02x' % random.randrange(256)
                                                       for _ in range(52))))
run6('ipv6, another key')

rc, out = sh_rc('ethtool -X %s hfunc xor' % t.nic)
check(rc != 0, 'hfunc xor accepted')

# ---- tunnels: frames to a known VXLAN/GENEVE port hash on the inner flow --
import socket  # noqa: E402
import struct  # noqa: E402


def inner_frame(src, dst, sport, dport):
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + 8 + 16, 1, 0, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    udp = struct.pack('!HHHH', sport, dport, 8 + 16, 0)
    eth = bytes.fromhex('020000000001020000000002') + b'\x08\x00'
    return eth + ip + udp + b'i' * 16


def tunnel_header(kind):
    if kind == 'vxlan':
        return struct.pack('!BBBBI', 0x08, 0, 0, 0, 42 << 8)
    return struct.pack('!BBHI', 0, 0, 0x6558, 42 << 8)


def tunnel_round(kind, port, known):
    key, indir = ethtool_x(t.nic)
    s = t.udp_sender(46000)
    outer_q = indir[toeplitz(key, rss_input_v4(t.wire_ip, t.nic_ip, 46000, port)) % 128]
    seen = set()
    for i in range(16):
        isrc, idst, isp, idp = '172.16.0.%d' % (i + 1), '172.16.1.1', 1000 + 13 * i, 80
        want = indir[toeplitz(key, rss_input_v4(isrc, idst, isp, idp)) % 128] if known else outer_q
        before = queue_counts(t.stats())
        for _ in range(PKTS):
            s.sendto(tunnel_header(kind) + inner_frame(isrc, idst, isp, idp), (t.nic_ip, port))
        d = t.wait_packets(before, PKTS)
        got = [q for q, v in d.items() if v]
        check(got == [want], '%s (port %s): inner flow %d predicted on queue %d, landed %s' %
              (kind, 'known' if known else 'unknown', i, want, d))
        seen.update(got)
    s.close()
    log(kind, 'known' if known else 'unknown', 'port: 16 inner flows on predicted queues', seen)
    return seen  # the queues the NIC used, not the predictions


check(len(tunnel_round('vxlan', 4789, False)) == 1, 'unknown port: the NIC spread the inner flows')
t.write_debugfs('tunnel_ports', 'vxlan 4789')
check(len(tunnel_round('vxlan', 4789, True)) > 1, 'inner flows did not spread')
t.write_debugfs('tunnel_ports', 'geneve 6081')
check(len(tunnel_round('geneve', 6081, True)) > 1, 'inner GENEVE flows did not spread')
t.write_debugfs('tunnel_ports', 'del 4789')
t.write_debugfs('tunnel_ports', 'del 6081')
check(t.read_debugfs('tunnel_ports') == '', 'ports left: ' + t.read_debugfs('tunnel_ports'))

# A VXLAN device in the NIC's namespace announces its port (udp_tunnel_nic).
sh('modprobe vxlan')
sh('ip link add rxlvx%d type vxlan id 7 dstport 4790 local %s' % (os.getpid() % 10000, t.nic_ip))
at_exit(lambda: sh('ip link del rxlvx%d 2>/dev/null' % (os.getpid() % 10000), check=False))
sh('ip link set rxlvx%d up' % (os.getpid() % 10000))
check(poll(lambda: 'vxlan 4790 stack' in t.read_debugfs('tunnel_ports'), 10),
      'udp_tunnel_nic did not add port 4790: ' + t.read_debugfs('tunnel_ports'))
sh('ip link del rxlvx%d' % (os.getpid() % 10000))
check(poll(lambda: '4790' not in t.read_debugfs('tunnel_ports'), 10),
      'udp_tunnel_nic did not remove port 4790')

print('PASS: RSS queues match an independent Toeplitz prediction, inner for tunnels')
