#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""rxlane basics: ethtool -i/-l/-L/-k/-K/-S, per-queue counters, the
queue -> CPU knob in debugfs, frames spread over the queues. The driver
version is the top Makefile's VERSION (ethtool -i and modinfo alike), there
is no bus-info, and a refused request leaves nothing in the kernel log at
the default level (netdev_dbg)."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

need_root_and_module()
t = Topo(queues=4)
ncpu = os.cpu_count()

out = sh('ethtool -i %s' % t.nic)
check('driver: rxlane' in out, 'ethtool -i: %s' % out)
check(re.search(r'^bus-info: *$', out, re.M), 'ethtool -i: a bus-info for a device with no bus: %s' % out)
with open(os.path.join(TOP, 'Makefile')) as f:
    version = re.search(r'^VERSION\s*:=\s*(\S+)', f.read(), re.M).group(1)
drv = re.search(r'^version: *(\S*)', out, re.M).group(1)
check(re.fullmatch(re.escape(version) + r'(\+g\S+)?', drv),
      'ethtool -i version %r is not the Makefile VERSION %s' % (drv, version))
with open('/sys/module/rxlane/version') as f:
    mod = f.read().strip()
check(mod == drv, 'module version %r, ethtool -i version %r' % (mod, drv))

out = sh('ethtool -l %s' % t.nic)
check(out.count('Combined:\t4') == 2, 'ethtool -l: %s' % out)

check('ntuple-filters: on' in sh('ethtool -k %s' % t.nic), 'ntuple not on by default')
sh('ethtool -K %s ntuple off' % t.nic)
check('ntuple-filters: off' in sh('ethtool -k %s' % t.nic), 'ntuple off failed')
sh('ethtool -K %s ntuple on' % t.nic)

# Default affinity: queue i -> CPU i mod ncpus.
cpus = [tuple(map(int, line.split())) for line in t.read_debugfs('queue_cpu').splitlines()]
check(cpus == [(q, q % ncpu) for q in range(4)], 'default queue_cpu %s' % cpus)
t.set_queue_cpu(1, 0)
check('1 0' in t.read_debugfs('queue_cpu').splitlines(), 'queue_cpu write not applied')
for bad in ('9 0', '0 4096', 'x'):
    try:
        t.write_debugfs('queue_cpu', bad)
        fail('queue_cpu accepted %r' % bad)
    except OSError:
        pass
t.set_queue_cpu(1, 1 % ncpu)

# Traffic spreads over queues and is counted per queue.
st = t.stats()
check(all('rx%d_%s' % (q, f) in st for q in range(4)
          for f in ('packets', 'bytes', 'drops', 'ring_full')),
      'per-queue counters missing: %s' % sorted(st))
before = queue_counts(st)
for sport in spread_ports(20000, 32):
    t.send_udp(sport, 9000, 5)
d = t.wait_packets(before, 160)
log('per-queue packets for 32 flows:', d)
check(sum(d.values()) == 160, 'counted %s, sent 160' % d)
check(sum(1 for v in d.values() if v) >= 2, 'all flows on one queue: %s' % d)

# Channels: shrink, grow, refuse beyond the maximum.
sh('ethtool -L %s combined 2' % t.nic)
check('Combined:\t2' in sh('ethtool -l %s' % t.nic), 'ethtool -L 2 not applied')
st = t.stats()
check('rx1_packets' in st and 'rx2_packets' not in st, 'ethtool -S after -L 2: %s' % sorted(st))
_, indir = ethtool_x(t.nic)
check(set(indir) == {0, 1}, 'indirection table not respread: %s' % set(indir))
marker = 'rxlane-nic-basic-%d' % os.getpid()
with open('/dev/kmsg', 'w') as f:
    f.write(marker + '\n')
rc, _ = sh_rc('ethtool -L %s combined 5' % t.nic)
check(rc != 0, 'ethtool -L 5 accepted with 4 queues')
# The core passes the hash function to the driver, which refuses it.
rc, _ = sh_rc('ethtool -X %s hfunc xor' % t.nic)
check(rc != 0, 'ethtool -X hfunc xor accepted')
after = sh('dmesg').split(marker, 1)[-1]
check(t.nic not in after, 'a refused request is logged at the default level: %s' % after.strip())


def dump_packets():
    """Packets per queue from debugfs, which lists every queue, the
    disabled ones too (ethtool -S shows only the enabled ones)."""
    rows = [line.split() for line in t.read_debugfs('queues').splitlines()[1:]]
    return {int(r[0]): int(r[3]) for r in rows}


# After -L 2 no frame may reach queues 2-3: ethtool -S no longer lists
# them, so count every queue's frames in the debugfs dump.
check(len(dump_packets()) == 4, 'debugfs queues after -L 2:\n' + t.read_debugfs('queues'))
before, dump0 = queue_counts(t.stats()), dump_packets()
for sport in spread_ports(21000, 32):
    t.send_udp(sport, 9000, 2)
check(poll(lambda: sum(delta(dump_packets(), dump0).values()) >= 64, 60),
      'waited 60 s for 64 frames in the debugfs dump: %s' % delta(dump_packets(), dump0))
dd, d = delta(dump_packets(), dump0), delta(queue_counts(t.stats()), before)
check(dd == {0: d[0], 1: d[1], 2: 0, 3: 0} and sum(dd.values()) == 64,
      'after -L 2, 64 frames: debugfs counted %s, ethtool -S %s; queues 2-3 must get '
      'nothing' % (dd, d))
log('after -L 2, 32 flows per queue:', dd)

# Back to 4: the table spreads over all four again and queues 2-3 count.
sh('ethtool -L %s combined 4' % t.nic)
before = queue_counts(t.stats())
check(set(before) == {0, 1, 2, 3}, 'ethtool -S after -L 4: %s' % sorted(before))
for sport in spread_ports(21000, 32):
    t.send_udp(sport, 9000, 2)
d = t.wait_packets(before, 64)
check(sum(d.values()) == 64 and d[2] + d[3] > 0,
      'after -L 4 the 32 flows used only queues 0-1: %s' % d)

print('PASS: ethtool -i/-l/-L/-k/-K/-S, queue_cpu, spreading')
