#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""aRFS: a TCP server pinned to CPU 1 in a container namespace behind a
macvlan on the NIC; the client's flow starts on the RSS queue of CPU 0,
moves to the queue whose CPU is 1, follows the server to CPU 0, and its
entry expires after close. Then the same for flows inside VXLAN and inside
GENEVE, hashed and matched on their inner 5-tuple, decapsulated by XDP on
the NIC. Then the error paths: a table of arfs_max 2 entries with four
flows (refusals counted in arfs_table_full, the flows keep flowing, room
returns after expiry) and an injected allocation failure (counted in
arfs_alloc_fail, the flow keeps flowing, the next flow gets its entry).
Every flow is chosen in an rps_dev_flow slot no earlier flow used: see
arfs_common.py for why a refused flow would otherwise hide the next one."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403
from arfs_common import *  # noqa: E402,F403

OBJ = os.path.join(HERE, 'xdp_probe.bpf.o')
ARFS_MAX = 2

a = ArfsTopo(ARFS_MAX)
t, ctr, mv = a.t, a.ctr, a.mv
mv_mac, peer_mac = a.mv_mac, a.peer_mac
sh('modprobe vxlan')

# ---- plain TCP -----------------------------------------------------------
a.add_ip('10.77.0.10', t.wire_ip)
scenario(a, 'tcp', t.wire_ip, '10.77.0.10')

# ---- TCP inside VXLAN, decapsulated by XDP on the NIC --------------------
t.write_debugfs('tunnel_ports', 'vxlan 4789')
check('vxlan 4789' in t.read_debugfs('tunnel_ports'), 'tunnel port not set')
sh('ip -n %s link add vx0 type vxlan id 42 local %s remote %s dstport 4789 dev %s' %
   (t.ns, t.wire_ip, t.nic_ip, t.peer))
sh('ip netns exec %s ethtool -K vx0 tso off gso off' % t.ns)
sh('ip netns exec %s sysctl -qw net.ipv6.conf.vx0.disable_ipv6=1' % t.ns)  # no ND/MLD chatter
sh('ip -n %s link set vx0 up && ip -n %s addr add 10.88.0.2/24 dev vx0' % (t.ns, t.ns))
sh('ip -n %s neigh replace 10.88.0.10 lladdr %s dev vx0 nud permanent' % (t.ns, mv_mac))
sh('ip -n %s addr add 10.88.0.10/24 dev %s' % (ctr, mv))
sh('ip -n %s neigh replace 10.88.0.2 lladdr %s dev %s nud permanent' % (ctr, peer_mac, mv))
sh('ip link set dev %s xdpdrv obj %s program xdp_vxlan_decap' % (t.nic, OBJ))
at_exit(lambda: sh('ip link set dev %s xdpdrv off' % t.nic, check=False))
scenario(a, 'vxlan', '10.88.0.2', '10.88.0.10')

# ---- TCP inside GENEVE (port known through the debugfs knob) -------------
sh('ip link set dev %s xdpdrv off' % t.nic)
t.write_debugfs('tunnel_ports', 'geneve 6081')
check('geneve 6081' in t.read_debugfs('tunnel_ports'), 'GENEVE port not set')
sh('modprobe geneve')
sh('ip -n %s link add gn0 type geneve id 43 remote %s dstport 6081' % (t.ns, t.nic_ip))
sh('ip netns exec %s ethtool -K gn0 tso off gso off' % t.ns)
sh('ip netns exec %s sysctl -qw net.ipv6.conf.gn0.disable_ipv6=1' % t.ns)  # no ND/MLD chatter
sh('ip -n %s link set gn0 up && ip -n %s addr add 10.89.0.2/24 dev gn0' % (t.ns, t.ns))
sh('ip -n %s neigh replace 10.89.0.10 lladdr %s dev gn0 nud permanent' % (t.ns, mv_mac))
sh('ip -n %s addr add 10.89.0.10/24 dev %s' % (ctr, mv))
sh('ip -n %s neigh replace 10.89.0.2 lladdr %s dev %s nud permanent' % (ctr, peer_mac, mv))
sh('ip link set dev %s xdpdrv obj %s program xdp_geneve_decap' % (t.nic, OBJ))
scenario(a, 'geneve', '10.89.0.2', '10.89.0.10')
# fail_alloc below must hit aRFS entries only, not XDP buffers.
sh('ip link set dev %s xdpdrv off' % t.nic)


def stat_grew(before, name, n, timeout=60):
    return poll(lambda: t.stats()[name] - before[name] >= n, timeout)


# ---- table full: 4 flows, room for ARFS_MAX entries ----------------------
# The two refused flows leave their queue-0 slots saying "CPU 1" (the stack
# does so on any refusal); fresh_sports() keeps every later flow out of
# them, or that flow would never be offered to the NIC.
src, dst = t.wire_ip, '10.77.0.10'
ports = a.fresh_sports(src, dst, 8, 46000)
server, pid = a.start_server(dst, 4)
st0 = t.stats()
clients = [Client(t.ns, src, p, dst, 0.01) for p in ports[:4]]
ok = poll(lambda: (t.stats()['arfs_entries'] == ARFS_MAX and
                   t.stats()['arfs_table_full'] - st0['arfs_table_full'] >= 2), 60)
st = t.stats()
check(ok, 'table full not reached within 60 s: entries %d, table_full +%d\n%s' %
      (st['arfs_entries'], st['arfs_table_full'] - st0['arfs_table_full'],
       a.arfs_table()))
steered = a.arfs_sports()
check(len(steered) == ARFS_MAX and set(steered) <= set(ports[:4]),
      'entries %s are not flows of the test %s' % (steered, ports[:4]))
# Nothing breaks: the steered flows on queue 1, the refused ones on queue 0.
d = a.traffic_on([0, 1], 'with a full table')
check(all(c.alive() for c in clients), 'a client died: %s' %
      [str(c.error) for c in clients if not c.alive()])
log('table full: %d entries %s, arfs_table_full +%d, traffic %s' %
    (ARFS_MAX, steered, st['arfs_table_full'] - st0['arfs_table_full'], d))
for c in clients:
    c.close()
a.end_server(server)
a.expired_all(st0, ARFS_MAX)

# Room returns: two new flows get entries, nothing refused.
server, pid = a.start_server(dst, 2)
st1 = t.stats()
clients = [Client(t.ns, src, p, dst, 0.01) for p in ports[4:6]]
ok = poll(lambda: t.stats()['arfs_entries'] == 2 and
          t.stats()['arfs_add'] - st1['arfs_add'] >= 2, 60)
check(ok, 'no room after expiry (waited 60 s for 2 entries of %s):\n%s' %
      (ports[4:6], a.arfs_table()))
check(a.arfs_sports() == sorted(ports[4:6]), 'entries %s, want %s' %
      (a.arfs_sports(), ports[4:6]))
a.settled_on(1)
check(t.stats()['arfs_table_full'] == st1['arfs_table_full'],
      'refused with room in the table')
log('room returned: new flows steered', ports[4:6])
for c in clients:
    c.close()
a.end_server(server)
a.expired_all(st1, 2)

# ---- allocation failure (debugfs fail_alloc) ------------------------------
server, pid = a.start_server(dst, 2)
st2 = t.stats()
t.write_debugfs('fail_alloc', '1')
c1 = Client(t.ns, src, ports[6], dst, 0.01)
check(stat_grew(st2, 'arfs_alloc_fail', 1), 'arfs_alloc_fail did not grow within 60 s')
st = t.stats()
check(t.read_debugfs('fail_alloc').strip() == '0', 'fail_alloc not consumed')
check(st['arfs_alloc_fail'] - st2['arfs_alloc_fail'] == 1,
      'arfs_alloc_fail +%d for one failure' % (st['arfs_alloc_fail'] - st2['arfs_alloc_fail']))
check(st['arfs_entries'] == 0 and st['arfs_add'] == st2['arfs_add'],
      'an entry was added although its allocation failed:\n' + a.arfs_table())
a.traffic_on([0], 'the flow after the failed allocation')
c2 = Client(t.ns, src, ports[7], dst, 0.01)
ok = poll(lambda: t.stats()['arfs_add'] - st2['arfs_add'] >= 1, 60)
check(ok, 'the next flow (port %d, rps_dev_flow slot %d on queue 0, not the '
      'slot %d of the refused port %d) got no entry within 60 s:\n%s' %
      (ports[7], a.rfs_slot(src, dst, ports[7]), a.rfs_slot(src, dst, ports[6]),
       ports[6], a.arfs_table()))
check(ports[7] in a.arfs_sports(), 'entries %s lack %d' % (a.arfs_sports(), ports[7]))
check(t.stats()['arfs_alloc_fail'] == st['arfs_alloc_fail'], 'more allocation failures')
log('allocation failure counted once, the flow went on; the next flow steered')
c1.close()
c2.close()
a.end_server(server)
a.expired_all(st2, 1)

print('PASS: aRFS follows the consuming CPU, plain and inside VXLAN and GENEVE; '
      'entries expire; a full table and a failed allocation are counted and harmless')
