#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The NIC's VLAN filters, 802.1Q (rx-vlan-filter: on [fixed]) and
802.1ad (rx-vlan-stag-filter: on [fixed]), and their propagation to the
lower device.

Over a veth: a VLAN device on the NIC receives its frames; frames of a
VLAN the NIC has no device for are dropped by the filter (rx_dropped,
no queue sees them), until the NIC is promiscuous; deleting the VLAN
device closes its VID again.

Over a lower that filters VLANs: NIC A over the veth, a macvlan over A,
NIC B over the macvlan, a VLAN device on B. B's VID reaches A's filter
only through B's ndo_vlan_rx_add_vid (vlan_vid_add() on the macvlan,
which passes it to A): frames arrive at B's VLAN device, and are dropped
by A again once that device is deleted.

The same for S-tags: an 802.1ad device on the NIC receives, S-tagged
frames of a VID with no 802.1ad device are dropped (also when an 802.1Q
device has that VID: one filter per tag protocol), and an 802.1ad device
on B receives through A's filter (the macvlan inherits the S-tag filter
and passes the VID on), dropped by A once deleted.

Every filter drop is seen by the skb:kfree_skb tracepoint with reason
OTHERHOST (Documentation/nic.rst, "Drops")."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

N = 10
PORT = 7400

need_root_and_module()
sh('modprobe 8021q && modprobe macvlan')
t = Topo(queues=2)
tag = str(os.getpid() % 100000)
drops = DropTrace()
if drops is None:
    skip_case('drop_reason', 'no tracefs in this kernel')
elif not drops.hist:
    skip_case('drop_location', 'no hist triggers in this kernel')


def sysfs(dev, name):
    with open('/sys/class/net/%s/%s' % (dev, name)) as f:
        return f.read().strip()


def quiet(dev, ns=None):
    """IPv6 off on dev before it goes up (no DAD, RS or MLD frames)."""
    def write():
        with open('/proc/sys/net/ipv6/conf/%s/disable_ipv6' % dev, 'w') as f:
            f.write('1')
    if ns:
        with netns(ns):
            write()
    else:
        write()


PEER_MAC = Topo.mac(t.peer, t.ns)


def wire_vlan(vid, proto='802.1Q'):
    """rxpeer.VID in the wire namespace with 10.78.VID.2."""
    dev = 'rxpeer.%d' % vid
    sh('ip -n %s link add link %s name %s type vlan proto %s id %d' %
       (t.ns, t.peer, dev, proto, vid))
    quiet(dev, t.ns)
    sh("printf 'addr add 10.78.%d.2/24 dev %s\\nlink set %s up\\n' | ip -n %s -b -" %
       (vid, dev, dev, t.ns))
    return dev


def nic_vlan(nic, vid, proto='802.1Q', addr=True):
    """NIC.VID with 10.78.VID.1, the wire's neighbour entry pointing at it
    (without addr: the device alone, its VID added to the NIC's filter)."""
    dev = '%s.%d' % (nic, vid)
    sh('ip link add link %s name %s type vlan proto %s id %d' % (nic, dev, proto, vid))
    at_exit(lambda: sh('ip link del %s 2>/dev/null' % dev, check=False))
    quiet(dev)
    if not addr:
        sh('ip link set %s up' % dev)
        return dev
    sh("printf 'addr add 10.78.%d.1/24 dev %s\\nlink set %s up\\n"
       "neigh replace 10.78.%d.2 lladdr %s dev %s nud permanent\\n' | ip -b -" %
       (vid, dev, dev, vid, PEER_MAC, dev))
    wire_neigh(vid, nic)
    return dev


def wire_neigh(vid, nic):
    """The wire sends to 10.78.VID.1 at nic's MAC."""
    sh('ip -n %s neigh replace 10.78.%d.1 lladdr %s dev rxpeer.%d nud permanent' %
       (t.ns, vid, sysfs(nic, 'address'), vid))


def send(vid, n=N):
    udp_burst(t.ns, ('10.78.%d.2' % vid, 45000), ('10.78.%d.1' % vid, PORT), n,
              lambda i: b'%d' % i)


def rx_dropped(dev):
    """rx_dropped as ip -s link shows it (both read dev_get_stats())."""
    return int(sysfs(dev, 'statistics/rx_dropped'))


def queue_packets(dev):
    return sum(queue_counts(ethtool_stats(dev)).values())


def receiver(vid):
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.bind(('10.78.%d.1' % vid, PORT))
    r.settimeout(0.2)
    at_exit(r.close)
    return r


def receive_all(r, what, n=N, timeout=60):
    got, end = 0, time.monotonic() + timeout
    while got < n and time.monotonic() < end:
        try:
            r.recv(100)
            got += 1
        except socket.timeout:
            pass
    check(got == n, '%s: %d of %d frames arrived in %d s' % (what, got, n, timeout))


def dropped_by_filter(nic, vid, what):
    """Frames of vid die at nic's filter: rx_dropped + n, no queue saw them,
    skb:kfree_skb saw n OTHERHOST drops."""
    d0, p0 = rx_dropped(nic), queue_packets(nic)
    if drops:
        drops.clear()
    send(vid)
    ok = poll(lambda: rx_dropped(nic) - d0 >= N, 60)
    dd, dp = rx_dropped(nic) - d0, queue_packets(nic) - p0
    check(ok and dd == N and dp == 0,
          '%s: VID %d frames: %s rx_dropped +%d, queues +%d; want +%d, +0 '
          '(the VLAN filter drops them)' % (what, vid, nic, dd, dp, N))
    if drops:
        got = dict(drops.reasons())
        check(got.get('OTHERHOST') == N, '%s: skb:kfree_skb saw reasons %s, want %d '
              'OTHERHOST' % (what, got, N))
        if drops.hist:
            where = dict(drops.locations('OTHERHOST'))
            check(sum(where.values()) == N and
                  all(w.endswith('[rxlane]') for w in where),
                  '%s: the %d OTHERHOST drops were made at %s, want all %d inside '
                  'rxlane.ko' % (what, sum(where.values()), where, N))


def receives(nic, vid, proto, what):
    """A VLAN device for vid on nic receives the wire's frames of vid;
    return the device and its socket."""
    dev = nic_vlan(nic, vid, proto)
    r = receiver(vid)
    send(vid)
    receive_all(r, what)
    log(what, 'receives')
    return dev, r


def closed_again(nic, dev, r, vid, what):
    """Deleting the VLAN device closes its VID again at nic's filter."""
    r.close()
    sh('ip link del %s' % dev)
    dropped_by_filter(nic, vid, what)
    log(what, ': its VID is filtered again')


feat = sh('ethtool -k %s' % t.nic)
check('rx-vlan-filter: on' in feat and 'rx-vlan-stag-filter: on' in feat,
      'rx-vlan-filter or rx-vlan-stag-filter not on: %s' %
      [x for x in feat.splitlines() if 'vlan' in x and 'filter' in x])


# ---- one NIC over a veth: each tag protocol has its own filter ---------------
def one_nic(proto, other_proto, vid, vid_off):
    """A proto VLAN vid on the NIC receives; frames of proto VID vid_off are
    dropped by the filter, also with an other_proto device of that VID;
    deleting vid's device filters it again."""
    wire_vlan(vid, proto)
    wire_vlan(vid_off, proto)
    dev, r = receives(t.nic, vid, proto, '%s VLAN %d on the NIC' % (proto, vid))
    wire_neigh(vid_off, t.nic)
    dropped_by_filter(t.nic, vid_off, 'no %s VLAN %d on the NIC' % (proto, vid_off))
    other = nic_vlan(t.nic, vid_off, other_proto, addr=False)
    dropped_by_filter(t.nic, vid_off, 'an %s VLAN %d (not %s) on the NIC' %
                      (other_proto, vid_off, proto))
    sh('ip link del %s' % other)
    log('%s VID %d frames dropped by the filter, also with an %s device' %
        (proto, vid_off, other_proto))
    return dev, r


dev, r = one_nic('802.1Q', '802.1ad', 10, 20)
sh('ip link set %s promisc on' % t.nic)
p0 = queue_packets(t.nic)
send(20)
ok = poll(lambda: queue_packets(t.nic) - p0 >= N, 60)
check(ok, 'promiscuous NIC: VID 20 frames reached the queues %d times, want %d' %
      (queue_packets(t.nic) - p0, N))
sh('ip link set %s promisc off' % t.nic)
log('promiscuous: VID 20 frames pass')
closed_again(t.nic, dev, r, 10, '802.1Q VLAN 10 device deleted')

dev, r = one_nic('802.1ad', '802.1Q', 30, 40)
closed_again(t.nic, dev, r, 30, '802.1ad VLAN 30 device deleted')

# ---- NIC B over a macvlan over NIC A (which filters) -------------------------
mv, nb = 'rxmv' + tag, 'rxnb' + tag
sh('ip link add link %s name %s type macvlan mode bridge' % (t.nic, mv))
at_exit(lambda: sh('ip link del %s 2>/dev/null' % mv, check=False))
sh('ip link add %s link %s type rxlane' % (nb, mv))
at_exit(lambda: sh('ip link del %s 2>/dev/null' % nb, check=False))
for d in (mv, nb):
    quiet(d)
sh('ip link set %s up && ip link set %s up' % (mv, nb))
feat = sh('ethtool -k %s' % mv)
check('rx-vlan-filter: on' in feat and 'rx-vlan-stag-filter: on' in feat,
      'the macvlan over the NIC does not filter VLANs and S-tags: %s' %
      [x for x in feat.splitlines() if 'vlan' in x and 'filter' in x])
for proto, vid in (('802.1Q', 10), ('802.1ad', 30)):
    what = '%s VLAN %d on NIC B over macvlan over NIC A' % (proto, vid)
    dev, r = receives(nb, vid, proto, what)
    closed_again(t.nic, dev, r, vid, '%s VLAN %d on NIC B deleted' % (proto, vid))
sys.exit(KSFT_PASS)
