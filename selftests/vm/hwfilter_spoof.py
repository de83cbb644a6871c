#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The NIC's side of a container (issue 15), as `rxlane hw` shows it:
- the egress spoof check in the NIC's transmit path: a container behind a
  macvlan on the NIC sends its own frames (they pass, its counter stays),
  frames from a foreign source IP, frames from a foreign MAC claiming
  its IP and ARP naming a foreign MAC as its sender (all dropped by the
  NIC, the wire never sees them, the counter rises by exactly the number
  sent); the host's own traffic passes; the
  refusals (spoofchk without a MAC, a MAC another container has) leave
  nothing;
- per-entry hit counters: traffic to an allowed port and to a refused port
  moves exactly the hits of the allow entry and of the drop entry;
- the CLI's container model: 'container add ... mac MAC nic NIC hw' gets
  the check, 'container set ... mac none' takes it away."""
import json
import os
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

need_root_and_module()
CLI = os.path.join(TOP, 'user', 'rxlane')
t = Topo(queues=2)
tag = str(os.getpid() % 100000)
CTR = 'rxsc' + tag
MV = 'rxsmv' + tag
CIP, FOREIGN_IP = '10.77.0.10', '10.77.0.99'
FOREIGN_MAC = '02:00:5e:10:99:99'
SINK = 9000             # the wire's UDP port that counts what arrives
N = 25


def cli(args, ok=True):
    rc, out = sh_rc('%s %s' % (CLI, args))
    if ok:
        check(rc == 0, 'rxlane %s: exit %d: %s' % (args, rc, out.strip()))
    return rc, out


DOCS = []        # every hw list -j, checked against the CLI's schema at the end


def hw(name):
    _, out = cli('-j hw list')
    DOCS.append(out.strip())
    for c in json.loads(out)['containers']:
        if c['name'] == name:
            return c
    fail('hw list has no container %s: %s' % (name, out))


sh('ip netns add %s' % CTR)
at_exit(lambda: sh('ip netns del %s' % CTR, check=False))
MAC = t.macvlan_ns(MV, CTR, CIP)
peer_mac = t.mac(t.peer, t.ns)
sh('ip -n %s neigh replace %s lladdr %s dev %s nud permanent' %
   (CTR, t.wire_ip, peer_mac, MV))
sink = udp_sinks(t.ns, [SINK])[SINK]

# ---- refusals: clear errors, nothing made -----------------------------------
rc, out = cli('hw container add sx dev %s ip 10.77.0.20 spoofchk on' % t.nic, ok=False)
check(rc == 1 and 'the spoof check needs the container\'s MAC' in out,
      'spoofchk without a MAC: exit %d: %s' % (rc, out.strip()))
rc, out = cli('hw container add sx dev %s ip 10.77.0.20 mac 01:00:5e:00:00:01 '
              'spoofchk on' % t.nic, ok=False)
check(rc == 1 and 'not a unicast MAC' in out,
      'a multicast MAC: exit %d: %s' % (rc, out.strip()))
rc, out = cli('hw container add sx dev %s ip 10.77.0.20 mac 02:00:00:00:00' % t.nic,
              ok=False)
check(rc != 0 and 'bad MAC' in out, 'a short MAC: exit %d: %s' % (rc, out.strip()))
_, out = cli('-j hw list')
check(json.loads(out)['containers'] == [], 'a refused container is listed: %s' % out)
log('ok: spoofchk without a MAC, a multicast MAC and a short MAC refused, nothing made')

cli('hw container add sc dev %s ip %s netns %s mac %s spoofchk on' %
    (t.nic, CIP, CTR, MAC))
cli('hw rule add sc allow proto udp dport 7000')
c = hw('sc')
check(c.get('spoofchk') == 'on' and c.get('mac') == MAC and c.get('spoof_drops') == 0,
      'hw list: sc has spoofchk %s mac %s spoof_drops %s, want on %s 0' %
      (c.get('spoofchk'), c.get('mac'), c.get('spoof_drops'), MAC))
rc, out = cli('hw container add sy dev %s ip 10.77.0.21 mac %s' % (t.nic, MAC), ok=False)
check(rc == 1 and 'another container on the NIC has this MAC' in out,
      'a second container with sc\'s MAC: exit %d: %s' % (rc, out.strip()))
_, text = cli('hw list')
check('spoofchk on spoof-drops 0' in text, 'hw list text lacks the spoof check:\n%s' % text)


def arrived(timeout=10):
    """Datagrams at the wire's sink, waiting until no more come."""
    n, last = 0, -1
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        n += udp_drain(sink)
        if n == last:
            break
        last = n
        time.sleep(0.3)
    return n


def drops():
    return hw('sc')['spoof_drops']


def tx_dropped():
    return link_stats(t.nic)['tx_dropped']


def raw_udp(src_mac, src_ip, count):
    """count UDP datagrams to the wire's sink from src_mac/src_ip, written
    whole on an AF_PACKET socket of the container's macvlan."""
    ip_hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + 8 + 16, 0, 0x4000, 64, 17, 0,
                         socket.inet_aton(src_ip), socket.inet_aton(t.wire_ip))
    s = sum(struct.unpack('!10H', ip_hdr))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    ip_hdr = ip_hdr[:10] + struct.pack('!H', ~s & 0xffff) + ip_hdr[12:]
    udp = struct.pack('!HHHH', 40000, SINK, 8 + 16, 0) + b'spoofed-frame...'
    send_frames(bytes.fromhex(peer_mac.replace(':', '')) +
                bytes.fromhex(src_mac.replace(':', '')) + b'\x08\x00' + ip_hdr + udp,
                count)


def send_frames(frame, count):
    """count copies of frame, written whole on an AF_PACKET socket of the
    container's macvlan."""
    with netns(CTR):
        sk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    try:
        sk.bind((MV, 0))
        for _ in range(count):
            sk.send(frame)
    finally:
        sk.close()


# ---- (a) its own frames pass, the counter stays ----------------------------
udp_drain(sink)
d0, tx0 = drops(), tx_dropped()
udp_burst(CTR, (CIP, 40000), (t.wire_ip, SINK), N)
got = arrived()
check(got == N, 'own frames: %d of %d reached the wire' % (got, N))
raw_udp(MAC, CIP, N)            # the same, written whole: the raw path is not the cause
got = arrived()
check(got == N, 'own frames written whole: %d of %d reached the wire' % (got, N))
check(drops() == d0, 'own frames: spoof_drops moved %d -> %d' % (d0, drops()))
log('ok: %d + %d own frames reached the wire, spoof_drops stayed %d' % (N, N, d0))

# ---- (b) a foreign source IP from its MAC: dropped, counted ---------------
sh('ip -n %s addr add %s/32 dev %s' % (CTR, FOREIGN_IP, MV))
udp_burst(CTR, (FOREIGN_IP, 40001), (t.wire_ip, SINK), N)
got = arrived(timeout=3)
check(got == 0, 'a foreign source IP: %d of %d reached the wire' % (got, N))
check(drops() == d0 + N, 'a foreign source IP: spoof_drops %d, want %d' % (drops(), d0 + N))
sh('ip -n %s addr del %s/32 dev %s' % (CTR, FOREIGN_IP, MV))
log('ok: %d datagrams from %s dropped by the NIC, spoof_drops +%d' % (N, FOREIGN_IP, N))

# ---- (c) a foreign MAC claiming its IP: dropped, counted -------------------
raw_udp(FOREIGN_MAC, CIP, N)
got = arrived(timeout=3)
check(got == 0, 'a foreign MAC with %s: %d of %d reached the wire' % (CIP, got, N))
check(drops() == d0 + 2 * N, 'a foreign MAC: spoof_drops %d, want %d' % (drops(), d0 + 2 * N))
check(tx_dropped() - tx0 >= 2 * N, 'the NIC\'s tx_dropped rose by %d, want >= %d' %
      (tx_dropped() - tx0, 2 * N))
log('ok: %d frames from %s claiming %s dropped by the NIC, spoof_drops +%d' %
    (N, FOREIGN_MAC, CIP, N))

# ---- (d) ARP from its MAC naming another MAC as the sender: dropped ----------
def raw_arp(src_mac, sha, count):
    """count gratuitous ARP replies for the container's IP from src_mac
    whose sender hardware address is sha."""
    mac = lambda m: bytes.fromhex(m.replace(':', ''))
    arp = (struct.pack('!HHBBH', 1, 0x0800, 6, 4, 2) + mac(sha) +
           socket.inet_aton(CIP) + mac(peer_mac) + socket.inet_aton(t.wire_ip))
    send_frames(mac(peer_mac) + mac(src_mac) + b'\x08\x06' + arp + bytes(18), count)


# Its own ARP first, then the forged: the frames leave in that order, so
# once the forged ones are counted an own one dropped would show as more.
d1 = drops()
raw_arp(MAC, MAC, N)
raw_arp(MAC, FOREIGN_MAC, N)
poll(lambda: drops() >= d1 + N)
time.sleep(1)
check(drops() == d1 + N, 'ARP from %s (%d own, then %d naming %s as the sender of %s): '
      'spoof_drops %d, want %d' % (MAC, N, N, FOREIGN_MAC, CIP, drops(), d1 + N))
log('ok: %d ARP replies for %s naming %s as its MAC dropped by the NIC; its own passed' %
    (N, CIP, FOREIGN_MAC))
d0 += N

# ---- the host's own traffic (no container's MAC or IP) passes ---------------
udp_burst(None, (t.nic_ip, 40002), (t.wire_ip, SINK), N)
got = arrived()
check(got == N and drops() == d0 + 2 * N,
      'the host\'s own frames: %d of %d arrived, spoof_drops %d' % (got, N, drops()))
log('ok: the host\'s own %d frames passed' % N)

# ---- per-entry hits: the allow entry and the drop entry, exactly ------------
c = hw('sc')
ent = {e['kind']: e for e in c['entries']}
check(set(ent) == {'allow', 'drop'} and all('hits' in e for e in c['entries']),
      'sc\'s entries: %s' % c['entries'])
h0 = {k: e['hits'] for k, e in ent.items()}
A, R = 7, 5
udp_burst(t.ns, (t.wire_ip, 41000), (CIP, 7000), A)    # allowed: the allow entry
udp_burst(t.ns, (t.wire_ip, 41001), (CIP, 7001), R)    # refused: the drop entry


def hits():
    return {e['kind']: e['hits'] for e in hw('sc')['entries']}


ok = poll(lambda: hits() == {'allow': h0['allow'] + A, 'drop': h0['drop'] + R}, timeout=20)
check(ok, 'hits after %d allowed and %d refused datagrams: %s, from %s' % (A, R, hits(), h0))
_, text = cli('hw list')
check('allow rule 1 hits %d' % (h0['allow'] + A) in text and
      'drop hits %d' % (h0['drop'] + R) in text,
      'hw list text lacks the hits:\n%s' % text)
log('ok: %d allowed datagrams moved the allow entry\'s hits, %d refused the drop '
    'entry\'s, exactly' % (A, R))

cli('hw container del sc')
_, out = cli('-j hw list')
check(json.loads(out)['containers'] == [], 'hw container del sc left %s' % out)
udp_burst(CTR, (CIP, 40003), (t.wire_ip, SINK), N)   # no check any more
got = arrived()
check(got == N, 'after del, %d of %d of the container\'s frames arrived' % (got, N))
log('ok: deleted, the check is gone')

# ---- the CLI's container model: a MAC in rxlane's NIC turns the check on ----
# 'container add ... mac MAC nic NIC hw' is the same container as above made
# the way users make it: its MAC (the CLI's anti-spoofing setting) reaches
# the NIC with the spoof check, 'mac none' takes it away, check agrees.
cli('attach %s mode native' % t.nic)
at_exit(lambda: cli('detach %s' % t.nic, ok=False))
at_exit(lambda: cli('container del sm', ok=False))
cli('container add sm ip %s mac %s nic %s hw' % (CIP, MAC, t.nic))
c = hw('sm')
check(c.get('spoofchk') == 'on' and c.get('mac') == MAC and c.get('spoof_drops') == 0,
      'container add sm ... mac %s nic %s hw: the NIC holds %s' % (MAC, t.nic, c))
raw_udp(FOREIGN_MAC, CIP, N)
got = arrived(timeout=3)
check(got == 0 and hw('sm')['spoof_drops'] == N,
      'sm: %d of %d frames from a foreign MAC claiming %s reached the wire, '
      'spoof_drops %d' % (got, N, CIP, hw('sm')['spoof_drops']))
cli('check')
cli('container set sm mac none')
c = hw('sm')
check('spoofchk' not in c and 'mac' not in c,
      'container set sm mac none: the NIC still holds %s' % c)
raw_udp(FOREIGN_MAC, CIP, N)
got = arrived()
check(got == N, 'sm without a MAC: %d of %d frames arrived' % (got, N))
cli('check')
cli('container set sm mac %s' % MAC)
check(hw('sm').get('spoofchk') == 'on', 'container set sm mac %s: %s' % (MAC, hw('sm')))
cli('check')
cli('container del sm')
log('ok: container add ... mac MAC nic NIC hw checks in the NIC (%d dropped), '
    'mac none and back follow, check agrees' % N)

# ---- every hw list -j above matches the schema (spoofchk, spoof_drops, hits)
docs = ''.join('hw_list\thw list\t%s\n' % json.dumps(json.loads(d)) for d in DOCS)
r = subprocess.run(['/usr/bin/python3', os.path.join(TOP, 'selftests', 'host', 'cli_schema.py'),
                    os.path.join(TOP, 'Documentation', 'rxlane-cli.schema.json')],
                   input=docs, capture_output=True, text=True)
check(r.returncode == 0, 'hw list -j against the schema: %s%s' % (r.stdout, r.stderr))
log('ok: %d hw list -j documents match the schema' % len(DOCS))
log('PASS')
