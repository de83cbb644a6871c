#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""aRFS beyond TCP over IPv4: a TCP flow over IPv6, and UDP flows over IPv4
and IPv6 to a connected UDP socket (the stack records only connected UDP
sockets for RFS). Each starts on the RSS queue of CPU 0, moves to the queue
of CPU 1 where its server runs, follows the server to CPU 0, and its entry
expires after the client stops. The IPv6 wire end sends nothing to
multicast, so only the test's frames reach the NIC."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403
from arfs_common import *  # noqa: E402,F403

a = ArfsTopo(16)
t = a.t
a.add_ip('10.77.0.10', t.wire_ip)
a.enable_ipv6('fd00:77::10')

scenario(a, 'tcp6', t.wire_ip6, 'fd00:77::10', 'tcp', 45000)
scenario(a, 'udp', t.wire_ip, '10.77.0.10', 'udp', 47000)
scenario(a, 'udp6', t.wire_ip6, 'fd00:77::10', 'udp', 49000)
st = a.stats()
check(st['arfs_table_full'] == 0 and st['arfs_alloc_fail'] == 0,
      'refusals: table_full %d alloc_fail %d' % (st['arfs_table_full'], st['arfs_alloc_fail']))

print('PASS: aRFS steers TCP over IPv6 and connected UDP over IPv4 and IPv6 '
      'to the consuming CPU\'s queue, follows it, and expires the entries')
