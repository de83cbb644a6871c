#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""debugfs: the RSS dump matches ethtool -x, the ntuple dump shows entries
with hits, the queues dump shows CPUs and counters, fail_alloc makes the
XDP receive path drop (counted) exactly as many frames as asked, a full
ring drops and counts, and a renamed device keeps its directory."""
import os
import re
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

OBJ = os.path.join(HERE, 'xdp_probe.bpf.o')
need_root_and_module()
t = Topo(queues=2)

files = sorted(os.listdir(os.path.join(DEBUGFS, t.nic)))
want = ['arfs', 'arfs_buckets', 'arfs_expire_quota', 'arfs_expiry', 'arfs_inject', 'classify_bench',
        'fail_alloc', 'fail_filter_insert', 'fail_xdp', 'ntuple', 'open_delay_ms',
        'queue_cpu', 'queues', 'rss', 'table_size_in', 'tunnel_ports']
check(files == want, 'debugfs files %s' % files)

key, indir = ethtool_x(t.nic)
rss = t.read_debugfs('rss')
check('key ' + key.hex(':') in rss, 'rss dump key differs from ethtool -x:\n' + rss)
check('indir ' + ' '.join(map(str, indir)) in rss, 'rss dump table differs')

sh('ethtool -N %s flow-type udp4 dst-port 7720 action 1 loc 4' % t.nic)
t.send_udp(47000, 7720, 7)
check(poll(lambda: re.search(r'^loc 4 action queue 1 hits 7 .*dport 7720/0xffff',
                             t.read_debugfs('ntuple'), re.M)),
      'ntuple dump:\n' + t.read_debugfs('ntuple'))

# The ntuple hits count at classification; the queue counts when its NAPI
# takes the frame off the ring, which a loaded guest may do much later.
# Wait until queue 1's ring is empty and it counted the 7 frames (the
# frames must not still sit on the ring when XDP is attached below).
q = t.read_debugfs('queues').splitlines()
check(q[0].startswith('queue cpu ring packets') and len(q) == 3, 'queues dump:\n' + '\n'.join(q))


def queue1_drained():
    row = t.read_debugfs('queues').splitlines()[2].split()
    return int(row[2]) == 0 and int(row[3]) >= 7


check(poll(queue1_drained, 60),
      'waited 60 s for queue 1 to take 7 frames off its ring '
      '(queue cpu ring packets ...): %s' % t.read_debugfs('queues').splitlines()[2])

# fail_alloc: the next N buffer allocations of the XDP path fail. XDP
# runs on the frames in place and allocates nothing unless it must copy:
# a packet tap on the lower makes them clones, which it copies (with
# checksums filled in by the sender: skb_checksum_help() would give a
# CHECKSUM_PARTIAL clone a private head, which XDP then runs on in place).
sh('ip netns exec %s ethtool -K %s tx off' % (t.ns, t.peer))
tap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
tap.bind((t.lower, 0))
sh('ip link set dev %s xdpdrv obj %s program xdp_count' % (t.nic, OBJ))
at_exit(lambda: sh('ip link set dev %s xdpdrv off' % t.nic, check=False))
# Wait until all 12 frames were either passed or dropped, then demand
# exact numbers: 5 drops, 7 passes.
st = t.stats()
drops0, pass0 = queue_counts(st, 'drops'), queue_counts(st, 'xdp_pass')


def fail_alloc_result():
    st = t.stats()
    return (sum(delta(queue_counts(st, 'drops'), drops0).values()),
            sum(delta(queue_counts(st, 'xdp_pass'), pass0).values()))


t.write_debugfs('fail_alloc', '5')
t.send_udp(47001, 7720, 12)
check(poll(lambda: sum(fail_alloc_result()) >= 12, 60),
      'waited 60 s for 12 frames passed or dropped: (drops, passes) %s' %
      (fail_alloc_result(),))
check(fail_alloc_result() == (5, 7),
      'fail_alloc=5 on 12 frames: (drops, passes) %s, want (5, 7)' % (fail_alloc_result(),))
check(t.read_debugfs('fail_alloc').strip() == '0', 'fail_alloc not used up')
tap.close()
sh('ip netns exec %s ethtool -K %s tx on' % (t.ns, t.peer))
sh('ip link set dev %s xdpdrv off' % t.nic)

# A full ring drops and counts (rings of 0 frames: every ring is full).
sh('ethtool -G %s rx 0' % t.nic)
before = queue_counts(t.stats(), 'ring_full')
t.send_udp(47002, 7721, 9)
check(poll(lambda: sum(delta(queue_counts(t.stats(), 'ring_full'), before).values()) >= 9, 60),
      'ring_full grew by %s, want 9' % delta(queue_counts(t.stats(), 'ring_full'), before))
sh('ethtool -G %s rx 1024' % t.nic)

# A rename moves the directory.
sh('ip link set %s down && ip link set %s name %sr' % (t.nic, t.nic, t.nic))
at_exit(lambda: sh('ip link del %sr 2>/dev/null' % t.nic, check=False))
check(os.path.isdir(os.path.join(DEBUGFS, t.nic + 'r')), 'no directory after rename')
check(not os.path.exists(os.path.join(DEBUGFS, t.nic)), 'old directory left after rename')

print('PASS: debugfs dumps, fail_alloc, rename')
