#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Native XDP in place (issue 12): the program runs on the skb's own buffer
when it is private, linear and has XDP_PACKET_HEADROOM (ethtool -S
rxN_xdp_inplace), and on a copy when a packet tap on the lower device holds
a clone of the frame (rxN_xdp_copy), which the tap must see as received
although XDP_TX rewrote the frame. CHECKSUM_UNNECESSARY, set by a tc
program on the lower as a NIC's checksum offload would, is still there at
the NIC's tc ingress after XDP_PASS, in place and on a copy, and is not
after the program moved the frame's end. A hwaccel VLAN tag goes back out
with XDP_TX and is put back into the frame for XDP_REDIRECT, for a
kmalloc'ed head (copied) and for a page-fragment head (in place).

    xdp_inplace.py [inplace|tap|csum|vlan ...]   (default: all parts)
"""
import json
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

OBJ = os.path.join(HERE, 'xdp_probe.bpf.o')
N = 20
VID = 71
PACKET_OUTGOING = 4
PARTS = sys.argv[1:] or ['inplace', 'tap', 'csum', 'vlan']

need_root_and_module()
if not os.path.exists(OBJ):
    fail('%s not built (make -C selftests/vm)' % OBJ)
t = Topo(queues=2)
nic_mac, peer_mac = Topo.mac(t.nic), Topo.mac(t.peer, t.ns)
FIELDS = ('xdp_inplace', 'xdp_copy', 'xdp_pass', 'xdp_tx', 'xdp_redirect')


def counts():
    st = t.stats()
    return {f: sum(queue_counts(st, f).values()) for f in FIELDS}


def attach(prog, dev=None, ns=None, maps=False):
    """prog native on dev (the NIC), detached at exit; with maps, return
    {map name: map id} of the program (read with bpf(2))."""
    pre = 'ip -n %s ' % ns if ns else 'ip '
    dev = dev or t.nic
    sh(pre + 'link set dev %s xdpdrv obj %s program %s' % (dev, OBJ, prog))
    at_exit(lambda: sh(pre + 'link set dev %s xdpdrv off' % dev, check=False))
    if maps:
        info = json.loads(sh(pre + '-j -d link show dev %s' % dev))[0]
        return prog_maps(info['xdp']['prog']['id'])


def detach():
    sh('ip link set dev %s xdpdrv off' % t.nic)


def wait_verdicts(before, field, what):
    """Wait for N more `field` verdicts; return the counters' growth."""
    ok = poll(lambda: counts()[field] - before[field] >= N, 60)
    d = delta(counts(), before)
    check(ok and d[field] == N, '%s: waited 60 s for %d more %s, counters grew %s' %
          (what, N, field, d))
    return d


def check_buffers(d, inplace, copy, what):
    check(d['xdp_inplace'] == inplace and d['xdp_copy'] == copy,
          '%s: xdp_inplace grew by %d, xdp_copy by %d; want %d and %d' %
          (what, d['xdp_inplace'], d['xdp_copy'], inplace, copy))


def rx_packets(dev, ns=None):
    """rx packets of dev from /proc/net/dev in ns (no process start)."""
    def read():
        with open('/proc/thread-self/net/dev') as f:
            for line in f:
                name, _, rest = line.partition(':')
                if name.strip() == dev:
                    return int(rest.split()[1])
        fail('%s not in /proc/net/dev' % dev)
    if not ns:
        return read()
    with netns(ns):
        return read()


def wait_rx(dev, ns, base, what):
    ok = poll(lambda: rx_packets(dev, ns) - base >= N, 60)
    got = rx_packets(dev, ns) - base
    check(ok and got == N, '%s: waited 60 s for %s to receive %d frames, it got %d' %
          (what, dev, N, got))


def open_tap():
    """A packet socket on the lower device: its frames reach the NIC cloned."""
    tap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    tap.bind((t.lower, 0))
    tap.setblocking(False)
    at_exit(tap.close)
    return tap


# ---- frames from a socket in the wire namespace run in place -------------
if 'inplace' in PARTS:
    st = t.stats()
    check('rx0_xdp_inplace' in st and 'rx0_xdp_copy' in st,
          'ethtool -S %s has no rxN_xdp_inplace / rxN_xdp_copy counters' % t.nic)
    attach('xdp_count')
    c0 = counts()
    t.send_udp(42000, 7700, N)
    d = wait_verdicts(c0, 'xdp_pass', 'in place')
    check_buffers(d, N, 0, 'frames from a socket, headroom asked of the lower')
    detach()
    log('in place:', d)

# ---- a packet tap on the lower: copies, the tap sees frames unchanged ----
if 'tap' in PARTS:
    # Checksums filled in by the sender: skb_checksum_help() would give a
    # CHECKSUM_PARTIAL clone a private head first, run on in place.
    sh('ip netns exec %s ethtool -K %s tx off' % (t.ns, t.peer))
    tap = open_tap()
    attach('xdp_tx')
    c0 = counts()
    t.send_udp(42001, 7701, N)
    d = wait_verdicts(c0, 'xdp_tx', 'tapped XDP_TX')
    seen = []

    def read_tap():
        while True:
            try:
                frame, addr = tap.recvfrom(2048)
            except BlockingIOError:
                return len(seen) >= N
            if (addr[2] != PACKET_OUTGOING and len(frame) >= 42 and
                    frame[12:14] == b'\x08\x00' and frame[23] == 17 and
                    struct.unpack('!H', frame[36:38])[0] == 7701):
                seen.append(frame[:12])
    poll(read_tap, 30)
    want = bytes.fromhex(nic_mac.replace(':', '') + peer_mac.replace(':', ''))
    check(len(seen) == N, 'the tap captured %d of %d frames to port 7701' % (len(seen), N))
    changed = [f.hex() for f in seen if f != want]
    check(not changed, 'the tap saw %d frames rewritten by XDP_TX (MACs %s), want '
          'dst %s src %s as received' % (len(changed), changed[:2], nic_mac, peer_mac))
    check_buffers(d, 0, N, 'frames a tap holds clones of')
    detach()
    tap.close()
    sh('ip netns exec %s ethtool -K %s tx on' % (t.ns, t.peer))
    log('tap: frames copied, the tap saw them as received:', d)

# ---- CHECKSUM_UNNECESSARY kept on XDP_PASS unless the frame moved --------
if 'csum' in PARTS:
    # GRO would verify and mark the checksums itself: off on the NIC, so
    # the NIC's tc ingress sees what the XDP path left. The sender computes
    # checksums (tx off) and the lower's tc marks them verified.
    sh('ethtool -K %s gro off' % t.nic)
    sh('ip netns exec %s ethtool -K %s tx off' % (t.ns, t.peer))
    tc_attach(t.lower, 'tc/csum_mark')
    csum_seen = U64Array(tc_attach(t.nic, 'tc/csum_query')['csum_seen'])

    def seen():
        return csum_seen.get(0), csum_seen.get(1)

    def csum_round(prog, port, tapped, unnecessary, what):
        attach(prog)
        c0, s0 = counts(), seen()
        t.send_udp(42002, port, N)
        ok = poll(lambda: seen()[0] - s0[0] >= N, 60)
        got = (seen()[0] - s0[0], seen()[1] - s0[1])
        check(ok and got == (N, unnecessary),
              '%s: at the NIC\'s tc ingress (frames, CHECKSUM_UNNECESSARY) grew by %s, '
              'want (%d, %d)' % (what, got, N, unnecessary))
        d = wait_verdicts(c0, 'xdp_pass', what)
        check_buffers(d, 0 if tapped else N, N if tapped else 0, what)
        detach()
        log(what, ': checksum verdicts kept', got[1], 'of', got[0])

    csum_round('xdp_count', 7702, False, N, 'in place, unchanged')
    tap = open_tap()
    csum_round('xdp_count', 7702, True, N, 'copied, unchanged')
    tap.close()
    # The stack verifies what lost the verdict: the datagrams still arrive.
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind((t.nic_ip, 7703))
    rx.setblocking(False)
    at_exit(rx.close)
    csum_round('xdp_grow_tail', 7703, False, 0, 'in place, tail grown by 4')
    got = []

    def drain():
        while True:
            try:
                got.append(rx.recv(2048))
            except BlockingIOError:
                return len(got) >= N
    poll(drain, 30)
    check(len(got) == N and all(p == b'x' * 64 for p in got),
          'a socket got %d of %d datagrams whose tail XDP grew (%s)' %
          (len(got), N, set(len(p) for p in got)))
    sh('ip netns exec %s ethtool -K %s tx on' % (t.ns, t.peer))

# ---- a hwaccel VLAN tag survives XDP_TX and XDP_REDIRECT -----------------
if 'vlan' in PARTS:
    vnic_ip, vwire_ip = '10.71.0.1', '10.71.0.2'
    vdev = 'rxpeer.%d' % VID
    # The NIC filters VLANs (vlan_filter.py): tagged frames reach its XDP
    # only for a VID that has a VLAN device on the NIC (left down here).
    sh('ip link add link %s name %s.%d type vlan id %d' % (t.nic, t.nic, VID, VID))
    at_exit(lambda: sh('ip link del %s.%d' % (t.nic, VID), check=False))

    def add_vlan(link, ns, ip=None):
        """link.VID in ns, IPv6 off before it goes up."""
        name = '%s.%d' % (link, VID)
        sh('ip -n %s link add link %s name %s type vlan id %d' % (ns, link, name, VID))
        with netns(ns):
            with open('/proc/sys/net/ipv6/conf/%s/disable_ipv6' % name, 'w') as f:
                f.write('1')
        cmds = 'link set %s up\\n' % name
        if ip:
            cmds += 'addr add %s/24 dev %s\\n' % (ip, name)
        sh("printf '%s' | ip -n %s -b -" % (cmds, ns))
        return name

    def send_vlan(port):
        udp_burst(t.ns, (vwire_ip, 42003), (vnic_ip, port), N, b'v' * 64)

    # Attached first: the VLAN device inherits the headroom asked of the lower.
    attach('xdp_tx')
    add_vlan(t.peer, t.ns, vwire_ip)
    sh('ip -n %s neigh replace %s lladdr %s dev %s nud permanent' %
       (t.ns, vnic_ip, nic_mac, vdev))
    c0, r0 = counts(), rx_packets(vdev, t.ns)
    send_vlan(7704)
    d = wait_verdicts(c0, 'xdp_tx', 'tagged XDP_TX')
    wait_rx(vdev, t.ns, r0, 'XDP_TX of frames tagged %d' % VID)
    # Buffer counts are checked after every tag: each tag check stands alone.
    buffers = [(d, N, 0, 'tagged XDP_TX')]
    detach()

    sink = 'rxlvs%d' % os.getpid()
    sh('ip netns add %s' % sink)
    at_exit(lambda: sh('ip netns del %s' % sink, check=False))
    sh('ip link add rxlv0 type veth peer name rxlv1 netns %s' % sink)
    at_exit(lambda: sh('ip link del rxlv0 2>/dev/null', check=False))
    sh('sysctl -qw net.ipv6.conf.rxlv0.disable_ipv6=1')
    sh('ip netns exec %s sysctl -qw net.ipv6.conf.rxlv1.disable_ipv6=1' % sink)
    sh('ip link set rxlv0 up && ip -n %s link set rxlv1 up' % sink)
    sh('ip netns exec %s ethtool -K rxlv1 gro on' % sink)  # veth NAPI for xdp_xmit
    sink_vdev = add_vlan('rxlv1', sink)
    dm = attach('xdp_redirect', maps=True)['tx_port']
    with open('/sys/class/net/rxlv0/ifindex') as f:
        devmap_set(dm, int(f.read()))

    # A socket's skb has a kmalloc'ed head: copied for the redirect.
    c0, r0 = counts(), rx_packets(sink_vdev, sink)
    send_vlan(7705)
    d = wait_verdicts(c0, 'xdp_redirect', 'tagged XDP_REDIRECT (socket)')
    wait_rx(sink_vdev, sink, r0, 'XDP_REDIRECT of frames tagged %d from a socket' % VID)
    buffers.append((d, N, N, 'tagged XDP_REDIRECT of kmalloc\'ed heads'))

    # Frames that reach the lower as xdp_frames (redirected into its veth
    # peer by XDP on another veth) become skbs with page-fragment heads:
    # redirected in place. Their sender tags them in the frame (txvlan off),
    # the lower's stack moves the tag out (hwaccel).
    src = 'rxlvc%d' % os.getpid()
    sh('ip netns add %s' % src)
    at_exit(lambda: sh('ip netns del %s' % src, check=False))
    sh('ip -n %s link add rxlw0 type veth peer name rxlw1 netns %s' % (t.ns, src))
    for ns, dev in ((t.ns, 'rxlw0'), (src, 'rxlw1')):
        sh('ip netns exec %s sysctl -qw net.ipv6.conf.%s.disable_ipv6=1' % (ns, dev))
        sh('ip -n %s link set %s up' % (ns, dev))
    sh('ip netns exec %s ethtool -K rxlw1 txvlan off' % src)
    add_vlan('rxlw1', src, '10.71.0.3')
    sh('ip -n %s neigh replace %s lladdr %s dev rxlw1.%d nud permanent' %
       (src, vnic_ip, nic_mac, VID))
    sh('ethtool -K %s gro on' % t.lower)  # veth NAPI for xdp_xmit
    fdm = attach('xdp_redirect_all', 'rxlw0', t.ns, maps=True)['tx_port']
    # A devmap resolves the ifindex in the namespace of who updates it.
    pidx = json.loads(sh('ip -n %s -j link show dev %s' % (t.ns, t.peer)))[0]['ifindex']
    sh('ip netns exec %s bpftool map update id %d key 0 0 0 0 value %s' %
       (t.ns, fdm, ' '.join(str(b) for b in struct.pack('<I', pidx))))
    c0, r0 = counts(), rx_packets(sink_vdev, sink)
    udp_burst(src, ('10.71.0.3', 42004), (vnic_ip, 7706), N, b'w' * 64)
    d = wait_verdicts(c0, 'xdp_redirect', 'tagged XDP_REDIRECT (page fragments)')
    wait_rx(sink_vdev, sink, r0, 'XDP_REDIRECT of frames tagged %d, page-fragment heads' % VID)
    buffers.append((d, N, 0, 'tagged XDP_REDIRECT of page-fragment heads'))
    log('redirect of page-fragment heads:', d)
    for b in buffers:
        check_buffers(*b)
    detach()

print('PASS: XDP in place (%s)' % ' '.join(PARTS))
