#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""RSS for frames without ports (Documentation/nic.rst, RSS): IP frames
that are not TCP/UDP, and every fragment, hash over the two addresses
only; non-IP frames get hash 0, the queue of table entry 0.

- ICMP echo requests (IPv4) and ICMPv6 echo requests from 16 source
  addresses land on the queue the Toeplitz of (source, destination)
  predicts;
- UDP datagrams of 4000 bytes, fragmented by the sender (IPv4 and IPv6),
  land whole, all fragments of a datagram, on the queue of the address
  hash: the first fragment's ports are not hashed (the test checks that,
  for its key and addresses, the port hash would have picked another
  queue for some datagrams, so a NIC hashing them fails);
- non-IP frames (a raw ethertype, ARP) land on the queue of entry 0,
  under three tables whose entry 0 differ.
The queues are what the NIC counted (rxN_packets); there is no other
traffic (static neighbours, IPv6 multicast dropped at the wire)."""
import os
import random
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

NSRC = 16
PKTS = 2
BIG = 4000  # UDP payload: 3 fragments at MTU 1500, both families
PORT = 9100

need_root_and_module()
t = Topo(queues=4)
t.enable_ipv6()
rng = random.Random(7)
key = bytes(rng.randrange(256) for _ in range(52))
sh('ethtool -X %s hkey %s equal 4' % (t.nic, key.hex(':')))
peer_mac = t.mac(t.peer, t.ns)

# Source addresses on the wire end, static neighbours for them on the NIC
# (replies and ICMP errors must not make the NIC resolve them: ARP
# replies would be frames of their own).
SRC4 = ['10.77.0.%d' % (100 + i) for i in range(NSRC)]
SRC6 = ['fd00:77::%x' % (0x100 + i) for i in range(NSRC)]
wire_cmds, nic_cmds = [], []
for a in SRC4:
    wire_cmds.append('addr add %s/32 dev %s' % (a, t.peer))
    nic_cmds.append('neigh replace %s lladdr %s dev %s nud permanent' % (a, peer_mac, t.nic))
for a in SRC6:
    wire_cmds.append('addr add %s/128 dev %s nodad' % (a, t.peer))
    nic_cmds.append('neigh replace %s lladdr %s dev %s nud permanent' % (a, peer_mac, t.nic))
batch = os.path.join('/tmp', 'rxl-noports-%d' % os.getpid())
at_exit(lambda: os.path.exists(batch) and os.unlink(batch))
for cmds, ns in ((wire_cmds, t.ns), (nic_cmds, None)):
    with open(batch, 'w') as f:
        f.write('\n'.join(cmds) + '\n')
    sh('ip %s-batch %s' % ('-n %s ' % ns if ns else '', batch))


RSS_KEY, RSS_INDIR = ethtool_x(t.nic)
check(RSS_KEY == key and set(RSS_INDIR) == {0, 1, 2, 3},
      'ethtool -x after -X: key %s, queues %s' % (RSS_KEY.hex(), set(RSS_INDIR)))


def queue_of(fam, src, dst, sport=None, dport=None):
    k, indir = RSS_KEY, RSS_INDIR
    inp = (rss_input_v4 if fam == 4 else rss_input_v6)(src, dst, sport, dport)
    return indir[toeplitz(k, inp) % len(indir)]


def landed(before, n):
    d = t.wait_packets(before, n, timeout=60)
    check(sum(d.values()) == n, 'sent %d frames, the NIC counted %s' % (n, d))
    return [q for q, v in d.items() if v], d


# ---- ICMP and ICMPv6 echo: the address hash -----------------------------
def echo(fam, src, ident):
    with netns(t.ns):
        if fam == 4:
            s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        else:
            s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.bind((src, 0))
    msg = struct.pack('!BBHHH', 8 if fam == 4 else 128, 0, 0, ident, 1) + b'rss'
    if fam == 4:  # the kernel sums ICMPv6 itself
        b = msg + b'\0'
        c = sum(struct.unpack('!%dH' % (len(b) // 2), b))
        c = (c & 0xffff) + (c >> 16)
        c = ~((c & 0xffff) + (c >> 16)) & 0xffff
        msg = msg[:2] + struct.pack('!H', c) + msg[4:]
    for _ in range(PKTS):
        s.sendto(msg, (t.nic_ip if fam == 4 else t.nic_ip6, 0))
    s.close()


for fam, srcs in ((4, SRC4), (6, SRC6)):
    dst = t.nic_ip if fam == 4 else t.nic_ip6
    seen = set()
    for i, src in enumerate(srcs):
        want = queue_of(fam, src, dst)
        before = queue_counts(t.stats())
        echo(fam, src, 1000 + 77 * i)
        got, d = landed(before, PKTS)
        check(got == [want], 'ICMP%s echo from %s: predicted on queue %d (addresses), '
              'landed %s' % ('' if fam == 4 else 'v6', src, want, d))
        seen.update(got)
    check(len(seen) > 1, 'ipv%d ICMP from %d sources: the NIC used only queues %s' %
          (fam, NSRC, seen))
    log('ICMP%s: %d sources on their address-hash queues' % ('' if fam == 4 else 'v6', NSRC),
        sorted(seen))


# ---- fragments: all of a datagram on the address-hash queue ---------------
def frag_round(fam, srcs):
    dst = t.nic_ip if fam == 4 else t.nic_ip6
    af = socket.AF_INET if fam == 4 else socket.AF_INET6
    rx = socket.socket(af, socket.SOCK_DGRAM)
    rx.bind((dst, PORT))
    rx.settimeout(20)
    seen, port_differs = set(), 0
    for i, src in enumerate(srcs):
        sport = 20000 + 1931 * i
        want = queue_of(fam, src, dst)
        port_differs += queue_of(fam, src, dst, sport, PORT) != want
        with netns(t.ns):
            s = socket.socket(af, socket.SOCK_DGRAM)
        if fam == 4:
            s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER: DONT
        s.bind((src, sport))
        before = queue_counts(t.stats())
        payload = bytes([i]) * BIG
        s.sendto(payload, (dst, PORT))
        s.close()
        got, d = landed(before, 3)
        check(got == [want], 'ipv%d datagram of %d bytes from %s:%d: its 3 fragments '
              'predicted on queue %d (addresses only), landed %s' %
              (fam, BIG, src, sport, want, d))
        try:
            msg = rx.recv(BIG + 1)
        except socket.timeout:
            fail('ipv%d: the fragmented datagram from %s was not reassembled' % (fam, src))
        check(msg == payload, 'ipv%d: reassembled datagram differs' % fam)
        seen.update(got)
    rx.close()
    check(port_differs > 0, 'ipv%d: for every datagram the port hash picks the address '
          'hash\'s queue: the check cannot tell them apart' % fam)
    check(len(seen) > 1, 'ipv%d fragments: the NIC used only queues %s' % (fam, seen))
    log('ipv%d fragments: %d datagrams whole on their address-hash queues %s '
        '(the port hash differs for %d)' % (fam, len(srcs), sorted(seen), port_differs))


frag_round(4, SRC4)
frag_round(6, SRC6)

# ---- non-IP: hash 0, the queue of entry 0 ---------------------------------
nic_mac = bytes.fromhex(t.mac(t.nic).replace(':', ''))
with netns(t.ns):
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
raw.bind((t.peer, 0))
at_exit(raw.close)


def non_ip_frames():
    out = []
    for i in range(8):
        src_mac = bytes([2, 0, 0, 0x5e, i, 1])
        # IEEE local experimental ethertype 0x88b5
        out.append(nic_mac + src_mac + b'\x88\xb5' + bytes([i]) * 46)
    # ARP requests (broadcast) for addresses nobody has
    for i in range(8):
        arp = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1,
                          bytes.fromhex(peer_mac.replace(':', '')),
                          socket.inet_aton(t.wire_ip), bytes(6),
                          socket.inet_aton('10.77.0.%d' % (200 + i)))
        out.append(b'\xff' * 6 + bytes.fromhex(peer_mac.replace(':', '')) +
                   b'\x08\x06' + arp + bytes(18))
    return out


seen = set()
for table in ('equal 4', 'weight 0 1 1 1', 'weight 0 0 1 1'):
    sh('ethtool -X %s %s' % (t.nic, table))
    _, indir = ethtool_x(t.nic)
    frames = non_ip_frames()
    before = queue_counts(t.stats())
    for f in frames:
        raw.send(f)
    got, d = landed(before, len(frames))
    check(got == [indir[0]], 'table "%s": %d non-IP frames predicted on queue %d '
          '(entry 0), landed %s' % (table, len(frames), indir[0], d))
    seen.update(got)
check(seen == {0, 1, 2}, 'non-IP frames used queues %s, want 0, 1, 2' % seen)
log('non-IP: 16 frames on the queue of entry 0 under three tables')

print('PASS: RSS without ports: ICMP, fragments (whole on the address hash), non-IP')
