#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""RSS: flows land on the queues an independent Toeplitz computation
predicts from the key and table ethtool -x shows; a new table and a new
key move them as predicted."""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

need_root_and_module()
t = Topo(queues=4)
FLOWS = [(30000 + 7 * i, 5000 + i % 3) for i in range(24)]
PKTS = 4


def predict(key, indir):
    out = {}
    for sport, dport in FLOWS:
        h = toeplitz(key, rss_input_v4(t.wire_ip, t.nic_ip, sport, dport))
        out[(sport, dport)] = indir[h % len(indir)]
    return out


def run(label):
    key, indir = ethtool_x(t.nic)
    check(len(key) == 52 and len(indir) == 128,
          'ethtool -x: key %d bytes, %d entries' % (len(key), len(indir)))
    pred = predict(key, indir)
    for flow, q in pred.items():
        before = queue_counts(t.stats())
        t.send_udp(flow[0], flow[1], PKTS)
        d = t.wait_packets(before, PKTS)
        got = [k for k, v in d.items() if v]
        check(got == [q], '%s: flow %s predicted on queue %d, landed %s' %
              (label, flow, q, d))
    log(label, 'all %d flows on their predicted queues' % len(pred))
    return pred


p1 = run('default key and table')
check(len(set(p1.values())) > 1, 'default table put all flows on one queue')

sh('ethtool -X %s weight 0 1 0 3' % t.nic)
p2 = run('table weight 0 1 0 3')
check(set(p2.values()) <= {1, 3}, 'weights 0 1 0 3 used queues %s' % set(p2.values()))
check(p1 != p2, 'the new table moved no flow')

random.seed(4)
key = ':'.join('%02x' % random.randrange(256) for _ in range(52))
sh('ethtool -X %s hkey %s equal 4' % (t.nic, key))
check(ethtool_x(t.nic)[0].hex(':') == key, 'ethtool -x does not show the new key')
p3 = run('new key, equal 4')
check(p3 != p1, 'new key moved no flow')

rc, out = sh_rc('ethtool -X %s hfunc xor' % t.nic)
check(rc != 0, 'hfunc xor accepted')

print('PASS: RSS queues match an independent Toeplitz prediction')
