#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Known answers for the Toeplitz hash: Microsoft's published RSS
verification suite ("Verifying the RSS Hash Calculation"; the same
vectors are in the Intel 82599 datasheet, 7.1.2.8.3), IPv4 and IPv6,
with and without ports, under its 40-byte key.

1. rxl.py's Python Toeplitz (toeplitz, rss_input_v4/v6), which the other
   RSS tests use as their independent prediction, gives every published
   hash (no module needed).
2. The NIC's own Toeplitz: with the published key set (ethtool -X hkey,
   padded to 52 bytes: a 36-byte input never reaches past byte 40), a
   frame of each vector lands on the queue the published hash selects,
   under two tables (equal 16: hash bits 0-3; weight 1 x 16: bits 3-6),
   so all 7 bits that index the table are checked. Frames with ports are
   TCP, frames without are ICMP/ICMPv6, sent raw from the wire namespace.
"""
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

KEY = bytes.fromhex('6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da3'
                    '8030f20c6a42b73bbeac01fa')
# (source, source port, destination, destination port, hash of the
# addresses, hash of addresses and ports), as published.
V4 = [
    ('66.9.149.187', 2794, '161.142.100.80', 1766, 0x323e8fc2, 0x51ccc178),
    ('199.92.111.2', 14230, '65.69.140.83', 4739, 0xd718262a, 0xc626b0ea),
    ('24.19.198.95', 12898, '12.22.207.184', 38024, 0xd2d0a5de, 0x5c2b394a),
    ('38.27.205.30', 48228, '209.142.163.6', 2217, 0x82989176, 0xafc7327f),
    ('153.39.163.191', 44251, '202.188.127.2', 1303, 0x5d1809c5, 0x10e828a2),
]
V6 = [
    ('3ffe:2501:200:1fff::7', 2794, '3ffe:2501:200:3::1', 1766,
     0x2cc18cd5, 0x40207d3d),
    ('3ffe:501:8::260:97ff:fe40:efab', 14230, 'ff02::1', 4739,
     0x0f0c461c, 0xdde51bbf),
    ('3ffe:1900:4545:3:200:f8ff:fe21:67cf', 44251, 'fe80::200:f8ff:fe21:67cf', 38024,
     0x4b61e985, 0x02d1feef),
]


def vectors():
    """(label, family, src, dst, sport or None, dport or None, hash)."""
    for fam, tbl in ((4, V4), (6, V6)):
        for src, sp, dst, dp, h2, h4 in tbl:
            yield 'ipv%d %s -> %s' % (fam, src, dst), fam, src, dst, None, None, h2
            yield 'ipv%d %s:%d -> %s:%d' % (fam, src, sp, dst, dp), fam, src, dst, sp, dp, h4


# ---- 1. the Python Toeplitz ------------------------------------------------
bad = []
for label, fam, src, dst, sp, dp, want in vectors():
    inp = (rss_input_v4 if fam == 4 else rss_input_v6)(src, dst, sp, dp)
    h = toeplitz(KEY, inp)
    if h != want:
        bad.append('%s: 0x%08x, published 0x%08x' % (label, h, want))
check(not bad, 'rxl.toeplitz differs from the published vectors:\n' + '\n'.join(bad))
log('rxl.toeplitz: all %d published vectors' % len(list(vectors())))


# ---- 2. the NIC's Toeplitz -------------------------------------------------
def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frame(dst_mac, src_mac, fam, src, dst, sp, dp):
    """An Ethernet frame of the vector: TCP SYN with ports, else ICMP echo."""
    if sp is not None:
        l4 = struct.pack('!HHIIBBHHH', sp, dp, 1, 0, 5 << 4, 0x02, 8192, 0, 0)
        proto = 6
    else:
        l4 = struct.pack('!BBHHH', 8 if fam == 4 else 128, 0, 0, 1, 1) + b'kat'
        proto = 1 if fam == 4 else 58
    if fam == 4:
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), 7, 0, 64, proto, 0,
                         socket.inet_aton(src), socket.inet_aton(dst))
        ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
        etype = 0x0800
    else:
        ip = struct.pack('!IHBB16s16s', 6 << 28, len(l4), proto, 64,
                         socket.inet_pton(socket.AF_INET6, src),
                         socket.inet_pton(socket.AF_INET6, dst))
        etype = 0x86dd
    return dst_mac + src_mac + struct.pack('!H', etype) + ip + l4


need_root_and_module()
t = Topo(queues=16)
nic_mac = bytes.fromhex(t.mac(t.nic).replace(':', ''))
peer_mac = bytes.fromhex(t.mac(t.peer, t.ns).replace(':', ''))
with netns(t.ns):
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
raw.bind((t.peer, 0))
at_exit(raw.close)

nic_key = KEY + bytes(52 - len(KEY))
for table in ('equal 16', 'weight' + ' 1' * 16):
    sh('ethtool -X %s hkey %s %s' % (t.nic, nic_key.hex(':'), table))
    key, indir = ethtool_x(t.nic)
    check(key == nic_key, 'ethtool -x shows key %s' % key.hex())
    for label, fam, src, dst, sp, dp, h in vectors():
        want = indir[h % len(indir)]
        before = queue_counts(t.stats())
        raw.send(frame(nic_mac, peer_mac, fam, src, dst, sp, dp))
        d = t.wait_packets(before, 1, timeout=60)
        got = [q for q, v in d.items() if v]
        check(got == [want], 'table "%s": %s (published hash 0x%08x) predicted on queue '
              '%d, landed %s' % (table, label, h, want, d))
    log('table "%s": the NIC put all %d vectors on their published queues' %
        (table, len(list(vectors()))))

print('PASS: Toeplitz known answers: rxl.py and the NIC agree with the published vectors')
