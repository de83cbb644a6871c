#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A frame that reaches a ring while the NIC is being opened is delivered.

The core marks a device running before it calls ndo_open, and the NIC's
rx_handler takes frames as soon as it is running; a frame put on a ring
before that queue's NAPI is enabled cannot schedule the poll (it only sets
NAPI_STATE_MISSED) and, unless the open polls pending queues, waits on the
ring for the next frame of its queue. The window is a few microseconds;
the debugfs knob open_delay_ms holds ndo_open there (before NAPI is
enabled) so that the test can put a frame into it: frames go to queue 0
until the queues dump shows one on its ring, then no more are sent; once
`ip link set up` returns, the ring must empty and queue 0 must have
delivered every frame that was put there. (Whether the stack then finds
a socket is the stack's business: the address's routes come back only on
NETDEV_UP, after ndo_open.)"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

DPORT = 9310


def queues(t, field):
    """{queue: field} from the queues dump (2: ring length, 3: packets)."""
    out = {}
    for line in t.read_debugfs('queues').splitlines()[1:]:
        f = line.split()
        out[int(f[0])] = int(f[field])
    return out


def rings(t):
    return queues(t, 2)


need_root_and_module()
t = Topo(queues=2)
key, indir = ethtool_x(t.nic)
sport = next(p for p in spread_ports(31000, 2000)
             if indir[toeplitz(key, rss_input_v4(t.wire_ip, t.nic_ip, p, DPORT)) % 128] == 0)

tx = t.udp_sender(sport)

for attempt in range(3):
    sh('ip link set %s down' % t.nic)
    before = queues(t, 3)[0]
    t.write_debugfs('open_delay_ms', str(3000 * (attempt + 1)))
    opener = subprocess.Popen(['ip', 'link', 'set', t.nic, 'up'])
    sent, queued = 0, {}
    while opener.poll() is None:
        tx.sendto(b'open%d' % sent, (t.nic_ip, DPORT))
        sent += 1
        queued = poll(lambda: {q: n for q, n in rings(t).items() if n}, 0.2, 0.02)
        if queued:
            break
    rc = opener.wait()
    t.write_debugfs('open_delay_ms', '0')
    check(rc == 0, 'ip link set %s up: exit %d' % (t.nic, rc))
    if queued:
        break
    log('attempt %d: ndo_open returned before a frame reached a ring (%d sent)' %
        (attempt, sent))
check(queued, 'no frame reached a ring while ndo_open waited (3 attempts)')
log('frames on the rings while ndo_open waited: %s (%d sent)' % (queued, sent))
check(list(queued) == [0], 'frames on queues %s, expected queue 0 only' % list(queued))

def drained():
    return not any(rings(t).values()) and queues(t, 3)[0] - before >= queued[0]


if not poll(drained, 60):
    fail('60 s after the NIC was up: rings %s, queue 0 delivered %d of the %d '
         'frames queued during the open' % (rings(t), queues(t, 3)[0] - before, queued[0]))
print('PASS: %d frame(s) queued while ndo_open waited were delivered' % queued[0])
