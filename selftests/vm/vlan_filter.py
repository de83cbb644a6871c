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
and passes the VID on), dropped by A once deleted."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

N = 10
PORT = 7400

need_root_and_module()
sh('modprobe 8021q')
sh('modprobe macvlan')
t = Topo(queues=2)
tag = str(os.getpid() % 100000)


def quiet(dev, ns=None):
    pre = 'ip netns exec %s ' % ns if ns else ''
    sh(pre + 'sysctl -qw net/ipv6/conf/%s/disable_ipv6=1' % dev)


def wire_vlan(vid, proto='802.1Q'):
    """rxpeer.VID in the wire namespace with 10.78.VID.2."""
    dev = 'rxpeer.%d' % vid
    sh('ip -n %s link add link %s name %s type vlan proto %s id %d' %
       (t.ns, t.peer, dev, proto, vid))
    quiet(dev, t.ns)
    sh('ip -n %s addr add 10.78.%d.2/24 dev %s' % (t.ns, vid, dev))
    sh('ip -n %s link set %s up' % (t.ns, dev))
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
    sh('ip addr add 10.78.%d.1/24 dev %s' % (vid, dev))
    sh('ip link set %s up' % dev)
    sh('ip neigh replace 10.78.%d.2 lladdr %s dev %s nud permanent' %
       (vid, Topo.mac(t.peer, t.ns), dev))
    sh('ip -n %s neigh replace 10.78.%d.1 lladdr %s dev rxpeer.%d nud permanent' %
       (t.ns, vid, Topo.mac(nic), vid))
    return dev


def send(vid, n=N):
    with netns(t.ns):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('10.78.%d.2' % vid, 45000))
    for i in range(n):
        s.sendto(b'%d' % i, ('10.78.%d.1' % vid, PORT))
    s.close()


def rx_dropped(dev):
    return json.loads(sh('ip -j -s link show %s' % dev))[0]['stats64']['rx']['dropped']


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
    """Frames of vid die at nic's filter: rx_dropped + n, no queue saw them."""
    d0, p0 = rx_dropped(nic), queue_packets(nic)
    send(vid)
    ok = poll(lambda: rx_dropped(nic) - d0 >= N, 60)
    dd, dp = rx_dropped(nic) - d0, queue_packets(nic) - p0
    check(ok and dd == N and dp == 0,
          '%s: VID %d frames: %s rx_dropped +%d, queues +%d; want +%d, +0 '
          '(the VLAN filter drops them)' % (what, vid, nic, dd, dp, N))


feat = sh('ethtool -k %s' % t.nic)
check('rx-vlan-filter: on' in feat and 'rx-vlan-stag-filter: on' in feat,
      'rx-vlan-filter or rx-vlan-stag-filter not on: %s' %
      [x for x in feat.splitlines() if 'vlan' in x and 'filter' in x])

# ---- one NIC over a veth ----------------------------------------------------
wire_vlan(10)
wire_vlan(20)
v10 = nic_vlan(t.nic, 10)
r10 = receiver(10)
send(10)
receive_all(r10, 'VLAN 10 on the NIC')
log('VLAN 10 on the NIC receives')

sh('ip -n %s neigh replace 10.78.20.1 lladdr %s dev rxpeer.20 nud permanent' %
   (t.ns, Topo.mac(t.nic)))
dropped_by_filter(t.nic, 20, 'no VLAN 20 on the NIC')
log('VID 20 frames dropped by the filter')

sh('ip link set %s promisc on' % t.nic)
p0 = queue_packets(t.nic)
send(20)
ok = poll(lambda: queue_packets(t.nic) - p0 >= N, 60)
check(ok, 'promiscuous NIC: VID 20 frames reached the queues %d times, want %d' %
      (queue_packets(t.nic) - p0, N))
sh('ip link set %s promisc off' % t.nic)
log('promiscuous: VID 20 frames pass')

r10.close()
sh('ip link del %s' % v10)
dropped_by_filter(t.nic, 10, 'VLAN 10 device deleted')
log('VLAN 10 device deleted: its VID is filtered again')

# ---- 802.1ad: S-tags have their own filter ------------------------------------
wire_vlan(30, '802.1ad')
wire_vlan(40, '802.1ad')
v30 = nic_vlan(t.nic, 30, '802.1ad')
r30 = receiver(30)
send(30)
receive_all(r30, '802.1ad VLAN 30 on the NIC')
log('802.1ad VLAN 30 on the NIC receives')
sh('ip -n %s neigh replace 10.78.40.1 lladdr %s dev rxpeer.40 nud permanent' %
   (t.ns, Topo.mac(t.nic)))
dropped_by_filter(t.nic, 40, 'no 802.1ad VLAN 40 on the NIC')
c40 = nic_vlan(t.nic, 40, '802.1Q', addr=False)
dropped_by_filter(t.nic, 40, 'an 802.1Q VLAN 40 (not 802.1ad) on the NIC')
sh('ip link del %s' % c40)
log('S-VID 40 frames dropped by the filter, also with a C-VID 40 device')
r30.close()
sh('ip link del %s' % v30)
dropped_by_filter(t.nic, 30, '802.1ad VLAN 30 device deleted')
log('802.1ad VLAN 30 device deleted: its S-VID is filtered again')

# ---- NIC B over a macvlan over NIC A (which filters) -------------------------
mv, nb = 'rxmv' + tag, 'rxnb' + tag
sh('ip link add link %s name %s type macvlan mode bridge' % (t.nic, mv))
at_exit(lambda: sh('ip link del %s 2>/dev/null' % mv, check=False))
sh('ip link add %s link %s type rxlane' % (nb, mv))
at_exit(lambda: sh('ip link del %s 2>/dev/null' % nb, check=False))
for d in (mv, nb):
    quiet(d)
    sh('ip link set %s up' % d)
check('rx-vlan-filter: on' in sh('ethtool -k %s' % mv),
      'the macvlan over the NIC does not filter VLANs')
vb = nic_vlan(nb, 10)
rb = receiver(10)
send(10)
receive_all(rb, 'VLAN 10 on NIC B over macvlan over NIC A')
log('VLAN 10 on NIC B reached through the filter of NIC A')
rb.close()
sh('ip link del %s' % vb)
dropped_by_filter(t.nic, 10, 'VLAN 10 on NIC B deleted')
log('VLAN 10 on NIC B deleted: NIC A filters VID 10 again')

check('rx-vlan-stag-filter: on' in sh('ethtool -k %s' % mv),
      'the macvlan over the NIC does not filter S-tags')
vb = nic_vlan(nb, 30, '802.1ad')
rb = receiver(30)
send(30)
receive_all(rb, '802.1ad VLAN 30 on NIC B over macvlan over NIC A')
log('802.1ad VLAN 30 on NIC B reached through the S-tag filter of NIC A')
rb.close()
sh('ip link del %s' % vb)
dropped_by_filter(t.nic, 30, '802.1ad VLAN 30 on NIC B deleted')
log('802.1ad VLAN 30 on NIC B deleted: NIC A filters S-VID 30 again')
sys.exit(KSFT_PASS)
