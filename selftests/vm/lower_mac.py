#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The NIC follows MAC address changes of its lower device: while the NIC
is up the lower holds a unicast entry for the NIC's address exactly when it
is not the lower's own, whatever the order of changes, and deleting the NIC
leaves no entry behind. A veth does not filter unicast, so each entry in
its list counts one in its promiscuity (ip -d link): that is what is read.
Frames to the NIC's address arrive after every change."""
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

need_root_and_module()
t = Topo(queues=1)


def promiscuity(dev):
    return json.loads(sh('ip -d -j link show %s' % dev))[0]['promiscuity']


def rand_mac():
    return '02:%02x:%02x:%02x:%02x:%02x' % tuple(random.randrange(256) for _ in range(5))


def expect_entry(want, what):
    n = promiscuity(t.lower)
    check(n == want, '%s: lower promiscuity %d, want %d (%s our unicast entry)' %
          (what, n, want, 'with' if want else 'without'))


def frames_arrive(what):
    before = queue_counts(t.stats())
    t.send_udp(40000, 9000, 5)
    d = delta(queue_counts(t.stats()), before)
    if sum(d.values()) < 5:
        d = t.wait_packets(before, 5, timeout=60)
    log(what, 'frames to the NIC arrived:', d)


nic_mac = Topo.mac(t.nic)
check(nic_mac == Topo.mac(t.lower), 'the NIC did not take the lower address')
expect_entry(0, 'NIC with the lower address')

# The lower moves away from the NIC's address: the NIC needs an entry.
sh('ip link set %s address %s' % (t.lower, rand_mac()))
expect_entry(1, 'lower address changed under the NIC')
frames_arrive('lower address changed:')
sh('ip link set %s down' % t.nic)
expect_entry(0, 'NIC down')
sh('ip link set %s up' % t.nic)
expect_entry(1, 'NIC up again')

# The lower takes the NIC's address back: the entry goes.
sh('ip link set %s address %s' % (t.lower, nic_mac))
expect_entry(0, 'lower back to the NIC address')

# The NIC takes an address of its own, then the lower takes it too.
own = rand_mac()
sh('ip link set %s address %s' % (t.nic, own))
sh('ip -n %s neigh replace %s lladdr %s dev %s nud permanent' %
   (t.ns, t.nic_ip, own, t.peer))
expect_entry(1, 'NIC address of its own')
sh('ip link set %s address %s' % (t.lower, own))
expect_entry(0, 'lower took the NIC address')
frames_arrive('lower took the NIC address:')

# The lower moves away again, then the NIC is deleted while up.
sh('ip link set %s address %s' % (t.lower, rand_mac()))
expect_entry(1, 'lower left the NIC address')
sh('ip link del %s' % t.nic)
expect_entry(0, 'NIC deleted')
print('PASS: lower MAC changes followed, no unicast entry leaked')
