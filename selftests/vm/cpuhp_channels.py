#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""`ethtool -L` racing CPU hotplug with XPS in use.

Shrinking the tx queues resets XPS maps, which takes the CPU hotplug lock;
the NIC's hotplug callbacks run with that lock held for writing and take
the NIC's cfg_lock. A set_channels that held cfg_lock across the queue
change deadlocked against a CPU going offline (ethtool waits for the
hotplug lock, the hotplug thread for cfg_lock). Here one thread shrinks and
grows the channels while another takes CPU 1 offline and online, with an
XPS map set so the reset path runs; both must finish, and the NIC must end
with its queues on online CPUs. On the debug kernel (make check-debug)
lockdep reports the inverted order from one round of each, race or not.

Needs two CPUs and a CPU 1 that can go offline."""
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

ROUNDS = 12
DEADLINE = 600          # a hang, not a slow host: each round takes ~2 s idle

need_root_and_module()
need_cpu1_hotplug()

t = Topo(queues=4)
# An XPS map on a queue that the shrink removes: the static key xps_needed
# is on, so netif_set_real_num_tx_queues() reaches cpus_read_lock().
xps = '/sys/class/net/%s/queues/tx-3/xps_cpus' % t.nic


def set_xps():
    """The shrink frees tx-3's map and turns the key off again: set it
    after each grow."""
    with open(xps, 'w') as f:
        f.write('2\n')


set_xps()
sh('ethtool -K %s ntuple on' % t.nic)


class Loop(threading.Thread):
    def __init__(self, name, steps):
        super().__init__(daemon=True)
        self.name, self.steps = name, steps
        self.done = 0
        self.err = None
        self.doing = None

    def run(self):
        try:
            for _ in range(ROUNDS):
                for what, fn in self.steps:
                    self.doing = what
                    fn()
                self.done += 1
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            self.err = '%s: %s' % (self.doing, e)


def ethtool_l(n):
    def fn():
        r = subprocess.run(['ethtool', '-L', t.nic, 'combined', str(n)],
                           capture_output=True, text=True)
        if r.returncode:
            raise RuntimeError('exit %d: %s' % (r.returncode, r.stderr.strip()))
    return fn


def cpu(v):
    return lambda: set_cpu1_online(v)


chan = Loop('ethtool -L', [('ethtool -L combined 2', ethtool_l(2)),
                           ('ethtool -L combined 4', ethtool_l(4)),
                           ('XPS map on tx-3', set_xps)])
hp = Loop('CPU 1 hotplug', [('CPU 1 offline', cpu(0)),
                            ('CPU 1 online', cpu(1))])
t0 = time.monotonic()
chan.start()
hp.start()
for th in (chan, hp):
    th.join(max(1, DEADLINE - (time.monotonic() - t0)))
for th in (chan, hp):
    check(not th.is_alive(), '%s hung in "%s" after %d of %d rounds (waited '
          '%d s; cfg_lock held across the CPU hotplug lock?)' %
          (th.name, th.doing, th.done, ROUNDS, DEADLINE))
    check(th.err is None, '%s failed: %s' % (th.name, th.err))
log('%d rounds of ethtool -L 2/4 against CPU 1 offline/online in %.1f s' %
    (ROUNDS, time.monotonic() - t0))

check(cpu1_online(), 'CPU 1 offline at the end')
for line in t.read_debugfs('queue_cpu').splitlines():
    q, c = (int(x) for x in line.split())
    check(os.path.exists('/sys/devices/system/cpu/cpu%d' % c) and
          (c == 0 or open('/sys/devices/system/cpu/cpu%d/online' % c).read().strip() == '1'),
          'queue %d on CPU %d, which is not online' % (q, c))
with open(xps) as f:
    log('xps_cpus of tx-3 after the rounds: %s' % f.read().strip())
sys.exit(KSFT_PASS)
