#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The NIC claims no more than its lower device takes: at creation and
after every change of the lower, the NIC's gso_max_size/segs are the
lower's and its tso_max_size/segs the lower's (ip -d -j link), and the
transmit offloads the lower lacks (ethtool -K LOWER tso off, tx off) are
off on the NIC (ethtool -k), back when the lower has them again. A TCP
stream through the NIC then reaches the wire with no frame above the
lower's gso_max_size (the wire end's GRO is off, so what arrives is what
the lower carried: its rx_bytes / rx_packets stays under the limit)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

need_root_and_module()
tag = str(os.getpid() % 100000)
ns, lower, nic = 'rxlw' + tag, 'rxlo' + tag, 'rxn' + tag

sh('ip netns add %s' % ns)
at_exit(lambda: sh('ip netns del %s' % ns, check=False))
sh('ip link add %s type veth peer name rxpeer netns %s' % (lower, ns))
at_exit(lambda: sh('ip link del %s 2>/dev/null' % lower, check=False))
sh('ip link set dev %s gso_max_size 16384 gso_max_segs 20' % lower)
sh('ip link add %s link %s type rxlane' % (nic, lower))
at_exit(lambda: sh('ip link del %s 2>/dev/null' % nic, check=False))


def link(dev):
    return json.loads(sh('ip -d -j link show dev %s' % dev))[0]


def limits_follow(what):
    lo, n = link(lower), link(nic)
    for k in ('gso_max_size', 'gso_max_segs', 'tso_max_size', 'tso_max_segs'):
        if k not in lo:
            fail('ip -d -j link shows no %s' % k)
        check(n[k] == lo[k], '%s: NIC %s %d, lower %d' % (what, k, n[k], lo[k]))
    log(what, {k: n[k] for k in ('gso_max_size', 'gso_max_segs',
                                 'tso_max_size', 'tso_max_segs')})


def features(dev):
    out = {}
    for line in sh('ethtool -k %s' % dev).splitlines()[1:]:
        k, _, v = line.strip().partition(': ')
        out[k] = v.split()[0] if v else ''
    return out


def feature_is(dev, name, want, what):
    got = features(dev).get(name)
    check(got == want, '%s: %s %s on %s, want %s' % (what, name, got, dev, want))


def addresses():
    sh('sysctl -qw net.ipv6.conf.%s.disable_ipv6=1' % nic)
    sh('ip addr add 10.77.0.1/24 dev %s' % nic)
    sh('ip -n %s link set rxpeer up && ip -n %s addr add 10.77.0.2/24 dev rxpeer' %
       (ns, ns))
    sh('ip neigh replace 10.77.0.2 lladdr %s dev %s nud permanent' %
       (Topo.mac('rxpeer', ns), nic))
    sh('ip -n %s neigh replace 10.77.0.1 lladdr %s dev rxpeer nud permanent' %
       (ns, Topo.mac(nic)))


def rx_counts():
    st = json.loads(sh('ip -n %s -j -s link show rxpeer' % ns))[0]['stats64']['rx']
    return st['packets'], st['bytes']


def stream_within(limit, what):
    """4 MiB of TCP through the NIC. The veth passes GSO frames on whole
    and counts each as one packet in the wire end's rx stats: their mean
    size is above two MTUs when GSO frames crossed the lower, and at most
    its gso_max_size. A NIC building larger GSO frames than the lower
    takes has them all segmented in software at the lower (6.1's
    gso_features_check()): MTU-sized frames cross."""
    srv = subprocess.Popen(['ip', 'netns', 'exec', ns, 'python3', '-c',
                            'import socket;s=socket.socket();'
                            's.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);'
                            's.bind(("10.77.0.2",7300));s.listen();print(1,flush=True);'
                            'c,_=s.accept()\nwhile c.recv(65536):pass'],
                           stdout=subprocess.PIPE, text=True)
    at_exit(lambda: srv.poll() is None and srv.kill())
    check(srv.stdout.readline().strip() == '1', 'server did not start')
    p0, b0 = rx_counts()
    c = socket.create_connection(('10.77.0.2', 7300), timeout=60)
    c.sendall(b'x' * (4 << 20))
    c.close()
    ok = poll(lambda: srv.poll() is not None, 120, 0.1)
    check(ok and srv.poll() == 0, 'receiver did not finish within 120 s (exit %s)' %
          srv.poll())
    p1, b1 = rx_counts()
    check(p1 > p0, 'no frame reached the wire end')
    per = (b1 - b0) / (p1 - p0)
    check(2 * 1500 < per <= limit,
          '%s: frames of %.0f bytes on average crossed a lower with gso_max_size '
          '%d, want GSO frames (above 3000) within it' % (what, per, limit))
    log('%s: 4 MiB of TCP in %d frames, %.0f bytes each on average, lower '
        'gso_max_size %d' % (what, p1 - p0, per, limit))


sh('ip link set %s up && ip link set %s up' % (lower, nic))
addresses()
stream_within(16384, 'created over a lower with gso_max_size 16384')
limits_follow('created over a lower with gso_max_size 16384')
sh('ip link set dev %s gso_max_size 8192 gso_max_segs 10' % lower)
sh('ip link set %s down && ip link set %s up' % (lower, lower))
limits_follow('lower at 8192/10, down and up (NETDEV_UP)')
sh('ip link set dev %s gso_max_size 32768 gso_max_segs 40' % lower)
sh('ethtool -K %s tso off' % lower)
feature_is(nic, 'tcp-segmentation-offload', 'off', 'lower tso off')
limits_follow('lower raised to 32768/40, then tso off (NETDEV_FEAT_CHANGE)')
sh('ethtool -K %s tso on' % lower)
feature_is(nic, 'tcp-segmentation-offload', 'on', 'lower tso on again')
sh('ethtool -K %s tx off' % lower)
feature_is(nic, 'tx-checksumming', 'off', 'lower tx off')
feature_is(nic, 'tcp-segmentation-offload', 'off', 'lower tx off')
sh('ethtool -K %s tx on' % lower)
feature_is(nic, 'tx-checksumming', 'on', 'lower tx on again')
feature_is(nic, 'tcp-segmentation-offload', 'on', 'lower tx on again')
limits_follow('after the feature changes')
stream_within(32768, 'lower at 32768/40')
sys.exit(KSFT_PASS)
