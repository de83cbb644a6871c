#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Limits on user input.

- Module parameters are range-checked at load (insmod with a value out of
  range fails) and at write (EINVAL, the value stays); the bounds
  themselves are accepted.
- `ip link add ... numrxqueues N` (and numtxqueues) above 64 is refused
  with an extack message; 64 is accepted.
- A failed per-CPU allocation (debugfs fail_pcpu_alloc, module-wide: the
  device's stats in ndo_init) refuses `ip link add` with ENOMEM and leaves
  no device and a lower that takes the next rxlane device.
- Deleting a NIC waits for one RCU grace period however many queues it
  has: the synchronize_net() calls made by `ip link del` (function tracer)
  are as many for 64 queues as for 1. Sub-case "ftrace" skips on a kernel
  without the function tracer."""
import errno
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

PARAMS = '/sys/module/rxlane/parameters/'
# name: (min, max, default)
RANGES = {
    'ntuple_capacity': (1, 65536, 4096),
    'arfs_max': (1, 65534, 1024),
    'ring_size': (0, 65536, 1024),
    'arfs_expire_ms': (10, 60000, 100),
    'arfs_idle_ms': (0, 3600000, 5000),
}
TRACING = '/sys/kernel/tracing/'
tag = str(os.getpid() % 100000)


def skip_case(case, why):
    print('ok 1 %s # SKIP %s' % (case, why), flush=True)


def bad_values(lo, hi):
    out = [str(hi + 1), '4294967296', '-1', 'x', '']
    if lo > 0:
        out.insert(0, str(lo - 1))
    return out


def read_param(name):
    with open(PARAMS + name) as f:
        return f.read().strip()


def write_param(name, value):
    """Return 0 or the errno of the write."""
    try:
        fd = os.open(PARAMS + name, os.O_WRONLY)
        try:
            os.write(fd, value.encode() or b'\n')
        finally:
            os.close(fd)
    except OSError as e:
        return e.errno
    return 0


if os.geteuid() != 0 or not os.path.exists('/proc/modules'):
    skip('needs root in the VM')
if module_loaded():
    sh('rmmod rxlane')

# ---- at load ---------------------------------------------------------------
for name, (lo, hi, _) in RANGES.items():
    for v in [str(hi + 1)] + ([str(lo - 1)] if lo > 0 else []):
        rc, out = sh_rc('insmod %s %s=%s' % (KO, name, v))
        if rc == 0:
            sh('rmmod rxlane', check=False)
            fail('insmod with %s=%s succeeded' % (name, v))
        check(not module_loaded(), 'module left loaded after a refused insmod')
sh('insmod %s arfs_expire_ms=10 ring_size=65536 ntuple_capacity=65536' % KO)
check(read_param('ring_size') == '65536', 'ring_size=65536 at load not applied')
sh('rmmod rxlane')
need_root_and_module()

# ---- at write --------------------------------------------------------------
for name, (lo, hi, default) in RANGES.items():
    check(read_param(name) == str(default), '%s is %s, want the default %d' %
          (name, read_param(name), default))
    for v in bad_values(lo, hi):
        err = write_param(name, v)
        check(err == errno.EINVAL, 'writing %r to %s: errno %s, want EINVAL' % (v, name, err))
        check(read_param(name) == str(default), '%s changed to %s by a refused write of %r' %
              (name, read_param(name), v))
    for v in (lo, hi, default):
        check(write_param(name, str(v)) == 0, 'writing %d to %s refused' % (v, name))
        check(read_param(name) == str(v), '%s is %s after writing %d' % (name, read_param(name), v))
log('parameters: out-of-range writes refused, bounds accepted')

# ---- numrxqueues / numtxqueues ----------------------------------------------
lower, peer = 'rxlm' + tag, 'rxlmp' + tag
sh('ip link add %s type veth peer name %s' % (lower, peer))
at_exit(lambda: sh('ip link del %s 2>/dev/null' % lower, check=False))
nic = 'rxlmn' + tag
at_exit(lambda: sh('ip link del %s 2>/dev/null' % nic, check=False))
for q in ('numrxqueues 4096', 'numrxqueues 65', 'numtxqueues 65',
          'numrxqueues 4096 numtxqueues 4096'):
    rc, out = sh_rc('ip link add %s link %s %s type rxlane' % (nic, lower, q))
    check(rc != 0, '%s accepted' % q)
    check('rxlane: at most 64 rx and tx queues' in out,
          '%s refused without the message: %s' % (q, out.strip()))
    check(sh_rc('ip link show %s' % nic)[0] != 0, '%s left a device' % q)

# A per-CPU allocation failing at creation: refused, nothing left behind.
FAIL_PCPU = os.path.join(DEBUGFS, 'fail_pcpu_alloc')
with open(FAIL_PCPU, 'w') as f:
    f.write('1')
at_exit(lambda: open(FAIL_PCPU, 'w').write('0'))
rc, out = sh_rc('ip link add %s link %s type rxlane' % (nic, lower))
check(rc != 0, 'ip link add succeeded with its per-CPU stats allocation failed')
check('Cannot allocate memory' in out,
      'a failed per-CPU allocation refused without ENOMEM: %s' % out.strip())
with open(FAIL_PCPU) as f:
    left = f.read().strip()
check(left == '0', 'fail_pcpu_alloc is %s after the refusal: the per-CPU allocation '
      'was never reached' % left)
check(sh_rc('ip link show %s' % nic)[0] != 0, 'the refused creation left a device')
check(not os.path.exists(os.path.join(DEBUGFS, nic)),
      'the refused creation left a debugfs directory')
sh('ip link add %s link %s type rxlane' % (nic, lower))
sh('ip link del %s' % nic)
log('per-CPU allocation failure at creation: ENOMEM, no device, the lower reusable')


def traced_synchronize_net(cmd):
    """synchronize_net() calls made by cmd (and only cmd)."""
    def w(f, v):
        with open(TRACING + f, 'w') as fh:
            fh.write(v)
    w('tracing_on', '0')
    w('current_tracer', 'nop')
    w('set_ftrace_filter', 'synchronize_net')
    w('current_tracer', 'function')
    w('trace', '')
    w('tracing_on', '1')
    try:
        sh("sh -c 'echo $$ > %sset_ftrace_pid && exec %s'" % (TRACING, cmd))
    finally:
        w('tracing_on', '0')
        with open(TRACING + 'trace') as f:
            n = sum(1 for line in f if not line.startswith('#') and
                    ' synchronize_net' in line)
        w('current_tracer', 'nop')
        w('set_ftrace_filter', '')
        w('set_ftrace_pid', '')
    return n


# The largest device: its deletion is one grace period, not 64.
sh('ip link add %s link %s numrxqueues 64 numtxqueues 64 type rxlane' % (nic, lower))
check(sh('ethtool -l %s' % nic).count('Combined:\t64') >= 1, '64 queues not created')
try:
    with open(TRACING + 'available_filter_functions') as f:
        traceable = any(line.split()[0] == 'synchronize_net' for line in f if line.strip())
except OSError:
    traceable = False
if not traceable:
    skip_case('ftrace', 'no function tracer for synchronize_net in this kernel')
    sh('ip link del %s' % nic)
else:
    at_exit(lambda: open(TRACING + 'current_tracer', 'w').write('nop'))
    n64 = traced_synchronize_net('ip link del %s' % nic)
    sh('ip link add %s link %s numrxqueues 1 numtxqueues 1 type rxlane' % (nic, lower))
    n1 = traced_synchronize_net('ip link del %s' % nic)
    log('synchronize_net() calls deleting a NIC: %d with 64 queues, %d with 1' % (n64, n1))
    check(n1 > 0, 'the tracer saw no synchronize_net() call at all')
    check(n64 == n1, 'deleting a 64-queue NIC made %d synchronize_net() calls, a 1-queue '
          'NIC %d: one per queue' % (n64, n1))

print('PASS: parameters range-checked at load and write; queue counts bounded; '
      'teardown grace periods independent of the queue count')
