#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tunnel ports have owners: a VXLAN device over the NIC's namespace gives
its port through udp_tunnel_nic (shown as "stack" in debugfs
tunnel_ports); the debugfs knob can neither overwrite that port ("geneve
PORT", EBUSY) nor remove it ("del PORT", EBUSY), so the stack's unset
still removes it when the VXLAN device goes. The knob's own ports work
as before."""
import errno
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

need_root_and_module()
t = Topo(queues=2)
sh('modprobe vxlan')
vx = 'rxlvo%d' % (os.getpid() % 10000)
sh('ip link add %s type vxlan id 9 dstport 4791 local %s' % (vx, t.nic_ip))
at_exit(lambda: sh('ip link del %s 2>/dev/null' % vx, check=False))
sh('ip link set %s up' % vx)
check(poll(lambda: 'vxlan 4791 stack' in t.read_debugfs('tunnel_ports'), 60),
      'udp_tunnel_nic did not add port 4791: ' + t.read_debugfs('tunnel_ports'))

for cmd in ('geneve 4791', 'vxlan 4791', 'del 4791'):
    try:
        t.write_debugfs('tunnel_ports', cmd)
        fail('the knob accepted %r for the stack\'s port: %r' %
             (cmd, t.read_debugfs('tunnel_ports')))
    except OSError as e:
        check(e.errno == errno.EBUSY, '%r: %s, want EBUSY' % (cmd, e))
    check(t.read_debugfs('tunnel_ports') == 'vxlan 4791 stack\n',
          'after %r: %r' % (cmd, t.read_debugfs('tunnel_ports')))

t.write_debugfs('tunnel_ports', 'geneve 6082')
sh('ip link del %s' % vx)
check(poll(lambda: '4791' not in t.read_debugfs('tunnel_ports'), 60),
      'the stack could not remove its port 4791: ' + t.read_debugfs('tunnel_ports'))
check(t.read_debugfs('tunnel_ports') == 'geneve 6082\n',
      'knob port: %r' % t.read_debugfs('tunnel_ports'))
t.write_debugfs('tunnel_ports', 'del 6082')
check(t.read_debugfs('tunnel_ports') == '', 'left: %r' % t.read_debugfs('tunnel_ports'))
print('PASS: the knob cannot take the stack\'s tunnel port; the stack removes it')
