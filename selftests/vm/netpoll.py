#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""netpoll over the NIC is refused (IFF_DISABLE_NETPOLL): a netconsole
target on the NIC cannot be enabled (configfs write fails, the kernel log
says the NIC "doesn't support polling"), the NIC still receives after
that, and the same target over the lower device works (a kernel message
arrives at a UDP listener in the wire namespace), so the refusal is the
NIC's and not the test's. vm-run checks the kernel log."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

CFG = '/sys/kernel/config'
NC_PORT = 6666

need_root_and_module()
if 'netconsole ' not in open('/proc/modules').read():
    # The debug kernel of make check-debug has no netconsole at all.
    if sh_rc('modinfo netconsole')[0] != 0:
        skip('no netconsole in this kernel (CONFIG_NETCONSOLE)')
    sh('modprobe netconsole')     # and configfs, which makes CFG
    at_exit(lambda: sh('rmmod netconsole', check=False))
if not any(line.split()[2] == 'configfs' for line in open('/proc/mounts')):
    sh('mount -t configfs configfs %s' % CFG)
    at_exit(lambda: sh('umount %s' % CFG, check=False))
if not os.path.isdir(CFG + '/netconsole'):
    skip('netconsole without configfs targets (CONFIG_NETCONSOLE_DYNAMIC)')

t = Topo(queues=2)
tag = 'rxlnp%d' % os.getpid()


def target(name, dev):
    """A netconsole target from dev to the wire end, not enabled yet."""
    d = os.path.join(CFG, 'netconsole', name)
    os.mkdir(d)
    at_exit(lambda: os.rmdir(d))
    for k, v in (('dev_name', dev), ('local_ip', t.nic_ip),
                 ('remote_ip', t.wire_ip), ('remote_port', NC_PORT),
                 ('remote_mac', Topo.mac(t.peer, t.ns))):
        with open(os.path.join(d, k), 'w') as f:
            f.write(str(v))
    return d


def enable(d):
    """Write 1 to d/enabled; return the errno, 0 when it worked."""
    try:
        with open(os.path.join(d, 'enabled'), 'w') as f:
            f.write('1')
    except OSError as e:
        return e.errno
    at_exit(lambda: open(os.path.join(d, 'enabled'), 'w').write('0'))
    return 0


def kmsg(text):
    with open('/dev/kmsg', 'w') as f:
        f.write('<5>%s\n' % text)


# ---- over the NIC: refused -------------------------------------------------
d = target(tag + 'nic', t.nic)
err = enable(d)
check(err != 0, 'netconsole enabled over the NIC (netpoll would call '
      'dev_queue_xmit() on the lower with IRQs off)')
klog = sh('dmesg')
check("%s doesn't support polling" % t.nic in klog,
      'refusal (errno %d) without "%s doesn\'t support polling" in the '
      'kernel log: %s' % (err, t.nic, klog.strip().splitlines()[-3:]))
print('# netconsole over the NIC refused: errno %d (%s)' % (err, os.strerror(err)))
with open(os.path.join(d, 'enabled')) as f:
    check(f.read().strip() == '0', 'target reads enabled after the refusal')

# The NIC goes on receiving.
before = queue_counts(t.stats())
t.send_udp(40000, 9000, 5)
t.wait_packets(before, 5, timeout=60)

# ---- over the lower: works -------------------------------------------------
with netns(t.ns):
    lsn = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
lsn.bind((t.wire_ip, NC_PORT))
lsn.settimeout(0.5)
at_exit(lsn.close)
d = target(tag + 'low', t.lower)
err = enable(d)
check(err == 0, 'netconsole over the lower device refused: %s' % os.strerror(err))
got, end = b'', time.monotonic() + 60
while tag.encode() + b' probe' not in got and time.monotonic() < end:
    kmsg(tag + ' probe')
    try:
        got += lsn.recv(4096)
    except socket.timeout:
        pass
check(tag.encode() + b' probe' in got,
      'no netconsole message over the lower device within 60 s (got %r)' % got[-200:])
print('# netconsole over the lower device delivers: %r' % got.strip()[-60:])
sys.exit(KSFT_PASS)
