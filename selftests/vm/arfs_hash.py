#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""aRFS table hardening against flows chosen by remote peers.

quota: with arfs_expire_quota 4, 20 entries that may all expire are
       removed by passes that each examine at most 4 of them (debugfs
       arfs_expiry), each entry examined once: at least 5 passes.
seed:  the same 16 flows, injected through debugfs arfs_inject (the
       insertion ndo_rx_flow_steer uses), land in different buckets on two
       NICs (debugfs arfs_buckets walks the real hash chains): the bucket
       hash is keyed per device, so a peer cannot aim at one bucket.

Usage: arfs_hash.py [seed|quota] (default: both)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

FLOWS = 16
QUOTA, ENTRIES = 4, 20
parts = sys.argv[1:] or ['quota', 'seed']
need_root_and_module()
tag = str(os.getpid() % 10000)


def nic(letter):
    """A NIC, up (aRFS takes entries only then), with no addresses."""
    t = Topo(queues=1, tag=letter + tag, up=False)
    sh('ip link set %s up && ip link set %s up' % (t.lower, t.nic))
    return t


a, b = nic('a'), nic('b')
check(os.path.exists(a.debugfs('arfs_inject')),
      'no debugfs arfs_inject: a module without the aRFS test knobs')


def buckets(t):
    return {int(b): int(c) for b, c in
            (line.split() for line in t.read_debugfs('arfs_buckets').splitlines())}


def injected_buckets(t):
    """The occupancy right after injecting the flows. The expiry worker
    removes them at its next pass, so inject again until one read saw
    them all."""
    def once():
        t.write_debugfs('arfs_inject', str(FLOWS))
        b = buckets(t)
        return b if sum(b.values()) == FLOWS else None
    b = poll(once, 60, 0)
    check(b, '%s: never saw all %d injected entries in arfs_buckets within 60 s' %
          (t.nic, FLOWS))
    return b


def expiry(t):
    return {k: int(v) for k, v in
            (line.split() for line in t.read_debugfs('arfs_expiry').splitlines())}


if 'quota' in parts:
    # First, on a fresh NIC: no pass examined more than 4 entries yet.
    e0 = expiry(a)
    check(e0['quota'] == 256, 'default arfs_expire_quota %d, want 256' % e0['quota'])
    a.write_debugfs('arfs_expire_quota', str(QUOTA))
    a.write_debugfs('arfs_inject', str(ENTRIES))
    ok = poll(lambda: a.stats()['arfs_entries'] == 0, 60)
    e = expiry(a)
    check(ok, '%d injected entries not expired within 60 s: %s' % (ENTRIES, e))
    passes = e['passes'] - e0['passes']
    scanned = e['scanned'] - e0['scanned']
    log('%d entries expired by %d passes, quota %d: %s' % (ENTRIES, passes, QUOTA, e))
    check(e['scan_max'] <= QUOTA,
          'one expiry pass examined %d entries, quota %d' % (e['scan_max'], QUOTA))
    check(passes >= -(-ENTRIES // QUOTA),
          '%d entries expired in %d passes with quota %d' % (ENTRIES, passes, QUOTA))
    check(scanned == ENTRIES, 'the passes examined %d entries for %d that all expire '
          '(an entry examined twice, or skipped)' % (scanned, ENTRIES))
    check(a.stats()['arfs_expire'] >= ENTRIES, 'arfs_expire %d, want %d' %
          (a.stats()['arfs_expire'], ENTRIES))

if 'seed' in parts:
    ba, bb = injected_buckets(a), injected_buckets(b)
    log('buckets of the same %d flows: %s: %s, %s: %s' % (FLOWS, a.nic, ba, b.nic, bb))
    check(ba != bb, 'the same %d flows fill the same buckets on %s and %s: %s '
          '(the hash seed is not random per device)' % (FLOWS, a.nic, b.nic, ba))

print('PASS: aRFS %s' % ' and '.join(parts))
