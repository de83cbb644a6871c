#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ntuple filters (IPv4 and IPv6): a rule moves a flow to its queue, a drop rule drops
before any socket and counts exactly, the lower location wins, deleting
restores RSS, the table has a fixed capacity, bad specs and injected
faults fail and change nothing, an insert makes no per-CPU allocation of
its own, channels cannot orphan a rule."""
import os
import re
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

need_root_and_module()
set_param('ntuple_capacity', 16)
t = Topo(queues=4)
N = 20


def rss_queue(sport, dport):
    key, indir = ethtool_x(t.nic)
    return indir[toeplitz(key, rss_input_v4(t.wire_ip, t.nic_ip, sport, dport)) % 128]


def lands(sport, dport, n=N):
    before = queue_counts(t.stats())
    t.send_udp(sport, dport, n)
    d = t.wait_packets(before, n)
    got = [q for q, v in d.items() if v]
    check(len(got) == 1, 'flow %d->%d split over queues %s' % (sport, dport, d))
    return got[0]


def rules():
    return sh('ethtool -n %s' % t.nic)


def hits(loc):
    m = re.search(r'^loc %d .* hits (\d+)' % loc, t.read_debugfs('ntuple'), re.M)
    check(m, 'no entry at %d in debugfs ntuple' % loc)
    return int(m.group(1))


def refused(spec, why):
    before = rules()
    rc, out = sh_rc('ethtool -N %s %s' % (t.nic, spec))
    # ethtool 6.1 exits 0 when the kernel refuses an automatic placement.
    check(rc != 0 or 'Cannot insert' in out, '%s accepted: %s' % (why, spec))
    check(rules() == before, '%s changed the table' % why)


# A flow whose RSS queue is not 3, moved to 3 by a rule.
sport = next(p for p in spread_ports(40000, 100) if rss_queue(p, 7001) != 3)
q0 = rss_queue(sport, 7001)
check(lands(sport, 7001) == q0, 'flow not on its RSS queue %d' % q0)
sh('ethtool -N %s flow-type udp4 dst-port 7001 action 3 loc 10' % t.nic)
check(lands(sport, 7001) == 3, 'rule to queue 3 did not move the flow')
check(hits(10) == N, 'rule 10 hits %d, want %d' % (hits(10), N))

# Lower location wins between overlapping rules, whatever the order.
other = next(q for q in (1, 2, 0) if q not in (3, q0))
sh('ethtool -N %s flow-type udp4 src-ip %s dst-port 7001 src-port %d action %d loc 5' %
   (t.nic, t.wire_ip, sport, other))
check(lands(sport, 7001) == other, 'loc 5 did not win over loc 10')
sh('ethtool -N %s flow-type udp4 dst-port 7001 action %d loc 12' % (t.nic, q0))
check(lands(sport, 7001) == other, 'loc 12 won over loc 5')
sh('ethtool -N %s delete 5' % t.nic)
check(lands(sport, 7001) == 3, 'after deleting loc 5, loc 10 does not apply')
sh('ethtool -N %s delete 10' % t.nic)
sh('ethtool -N %s delete 12' % t.nic)
check(lands(sport, 7001) == q0, 'deleting the rules did not restore RSS')

# A drop rule drops before any socket; its counter equals what was sent.
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.bind((t.nic_ip, 7002))
rx.setblocking(False)
sh('ethtool -N %s flow-type udp4 dst-ip %s dst-port 7002 action -1 loc 1' %
   (t.nic, t.nic_ip))
drops0 = t.stats()['rx_filter_drops']
t.send_udp(41000, 7002, 25)
check(poll(lambda: t.stats()['rx_filter_drops'] - drops0 >= 25),
      'rx_filter_drops grew by %d, want 25' % (t.stats()['rx_filter_drops'] - drops0))
check(t.stats()['rx_filter_drops'] - drops0 == 25, 'more drops than sent')
check(hits(1) == 25, 'drop rule hits %d, want 25' % hits(1))
try:
    rx.recv(100)
    fail('the socket received a dropped datagram')
except BlockingIOError:
    pass
sh('ethtool -N %s delete 1' % t.nic)


def try_recv():
    try:
        return rx.recv(100)
    except BlockingIOError:
        return None


t.send_udp(41000, 7002, 3)
check(poll(try_recv, 10, 0.05), 'no datagram after the drop rule went')

# ip4 rules, tcp4 rules and masks.
sh('ethtool -N %s flow-type ip4 src-ip %s m 0.0.0.255 l4proto 17 action 2 loc 3' %
   (t.nic, t.wire_ip))
check(lands(43000, 7003) == 2, 'ip4 rule with a masked source did not apply')
sh('ethtool -N %s delete 3' % t.nic)

# Capacity (module parameter, 16 here): automatic placement until full.
for i in range(16):
    sh('ethtool -N %s flow-type tcp4 dst-port %d action 1' % (t.nic, 8000 + i))
check('Total 16 rules' in rules(), 'not 16 rules: %s' % rules()[:200])
refused('flow-type tcp4 dst-port 9999 action 1', 'a rule past capacity')
st = t.stats()
check(st['ntuple_entries'] == 16, 'ntuple_entries %d' % st['ntuple_entries'])
for loc in range(16):
    sh('ethtool -N %s delete %d' % (t.nic, loc))

# Bad specs fail and change nothing.
sh('ethtool -N %s flow-type udp4 dst-port 7100 action 1 loc 2' % t.nic)
refused('flow-type udp4 dst-port 7101 action 4 loc 3', 'queue beyond channels')
refused('flow-type ip4 l4data 0x1234 action 1 loc 3', 'unsupported mask (l4data)')
refused('flow-type udp4 dst-port 7101 vf 1 queue 1 loc 3', 'VF bits')
refused('flow-type udp4 dst-port 7101 action 1 loc 16', 'location past capacity')
refused('flow-type udp4 dst-port 7101 action 1 loc 99999', 'bad location')
refused('flow-type ether proto 0x88cc action 1 loc 3', 'unsupported flow type')
refused('flow-type udp4 dst-port 7101 dst-mac 02:00:00:00:00:01 action 1 loc 3',
        'dst-mac')
refused('flow-type udp4 dst-port 7101 context 5 action 0 loc 3', 'missing context')

# Injected faults fail inserts and change nothing.
t.write_debugfs('fail_filter_insert', '1')
refused('flow-type udp4 dst-port 7102 action 1 loc 4', 'fail_filter_insert')
t.write_debugfs('fail_filter_insert', '0')
t.write_debugfs('fail_alloc', '1')
refused('flow-type udp4 dst-port 7102 src-port 9 action 1 loc 4', 'fail_alloc')
t.write_debugfs('fail_alloc', '0')
# An insert makes no per-CPU allocation of its own: its hit counter is its
# location's, in a block the table allocated at the block's first insert
# (loc 2 above). The failure of that block's allocation: ntuple_hits.py.
FAIL_PCPU = os.path.join(DEBUGFS, 'fail_pcpu_alloc')
with open(FAIL_PCPU, 'w') as f:
    f.write('1')
at_exit(lambda: open(FAIL_PCPU, 'w').write('0'))
sh('ethtool -N %s flow-type udp4 dst-port 7102 src-port 9 action 1 loc 4' % t.nic)
with open(FAIL_PCPU) as f:
    left = f.read().strip()
with open(FAIL_PCPU, 'w') as f:
    f.write('0')
check(left == '1', 'an insert into an allocated hit block made a per-CPU allocation '
      '(fail_pcpu_alloc %s)' % left)
sh('ethtool -N %s delete 4' % t.nic)

# Channels cannot orphan a rule; they can once it is gone.
sh('ethtool -N %s flow-type udp4 dst-port 7103 action 3 loc 6' % t.nic)
rc, out = sh_rc('ethtool -L %s combined 2' % t.nic)
check(rc != 0, 'ethtool -L 2 orphaned a rule to queue 3')
# 6.1 passes no extack to set_channels: the errno and the log say why. The
# driver logs refusals at debug level (netdev_dbg), so the reason shows once
# dynamic debug is on for the module, as a user chasing a refusal turns it on.
check('busy' in out.lower(), 'ethtool -L refused without EBUSY: %s' % out)


def dyndbg(flags, quiet=False):
    try:
        with open('/proc/dynamic_debug/control', 'w') as f:
            f.write('module rxlane %s\n' % flags)
    except OSError:
        if not quiet:
            raise


if os.path.exists('/proc/dynamic_debug/control'):
    dyndbg('+p')
    at_exit(lambda: dyndbg('-p', quiet=True))
    rc, out = sh_rc('ethtool -L %s combined 2' % t.nic)
    check(rc != 0, 'ethtool -L 2 orphaned a rule to queue 3 (debug on)')
    check('%s: an ntuple rule uses queue 3: delete it first' % t.nic in sh('dmesg | tail -n 20'),
          'no debug log line for the refused ethtool -L')
    dyndbg('-p')
else:
    skip_case('dyndbg', 'no CONFIG_DYNAMIC_DEBUG: the refusal\'s netdev_dbg line cannot be turned on')
sh('ethtool -N %s delete 6' % t.nic)
sh('ethtool -L %s combined 2' % t.nic)
sh('ethtool -L %s combined 4' % t.nic)

# ntuple off: rules stay but do not apply, no new ones are accepted.
sh('ethtool -N %s flow-type udp4 dst-port 7001 action 3 loc 7' % t.nic)
sh('ethtool -K %s ntuple off' % t.nic)
check(lands(sport, 7001) == q0, 'rule applied with ntuple off')
refused('flow-type udp4 dst-port 7104 action 1 loc 8', 'insert with ntuple off')
sh('ethtool -K %s ntuple on' % t.nic)
check(lands(sport, 7001) == 3, 'rule did not apply again with ntuple on')

# VLAN through FLOW_EXT: only tagged frames with that VID match.
sh('modprobe 8021q')
sh('ip -n %s link add link %s name %s.10 type vlan id 10' % (t.ns, t.peer, t.peer))
# No IPv6 on it: its DAD, router solicitations and MLD reports, sent when
# the kernel chooses, are tagged frames of their own that the exact
# per-queue counts below would see (a CI run once counted one on queue 1).
sh('ip netns exec %s sysctl -qw net/ipv6/conf/%s.10/disable_ipv6=1' % (t.ns, t.peer))
sh('ip -n %s addr add 10.76.0.2/24 dev %s.10 && ip -n %s link set %s.10 up' %
   (t.ns, t.peer, t.ns, t.peer))
sh('ip -n %s neigh replace 10.76.0.1 lladdr %s dev %s.10 nud permanent' %
   (t.ns, Topo.mac(t.nic), t.peer))
# The NIC filters VLANs (rx-vlan-filter on [fixed]): VID 10 passes only
# with a VLAN device for it on the NIC.
sh('ip link add link %s name %s.10 type vlan id 10' % (t.nic, t.nic))
at_exit(lambda: sh('ip link del %s.10' % t.nic, check=False))
sh('sysctl -qw net/ipv6/conf/%s.10/disable_ipv6=1 && ip link set %s.10 up' %
   (t.nic, t.nic))
sh('ethtool -N %s flow-type udp4 dst-port 7300 vlan 10 vlan-mask 0xf000 action 2 loc 11' % t.nic)
with netns(t.ns):
    vs = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
vs.bind(('10.76.0.2', 0))
before = queue_counts(t.stats())
for _ in range(N):
    vs.sendto(b'v' * 32, ('10.76.0.1', 7300))
d = t.wait_packets(before, N)
check([q for q, v in d.items() if v] == [2], 'tagged flow not on queue 2: %s' % d)
check(hits(11) == N, 'vlan rule hits %d' % hits(11))
sport_v = next(p for p in spread_ports(40000, 100) if rss_queue(p, 7300) != 2)
check(lands(sport_v, 7300) != 2, 'untagged frame matched a VLAN rule')
sh('ethtool -N %s delete 11' % t.nic)

# IPv6 end to end: udp6, tcp6 and ip6 rules move flows, a drop rule drops
# before the socket and counts exactly, rules are listed and deleted.
t.enable_ipv6()


def rss_queue6(sport, dport):
    key, indir = ethtool_x(t.nic)
    return indir[toeplitz(key, rss_input_v6(t.wire_ip6, t.nic_ip6, sport, dport)) % 128]


def lands6(sport, dport, n=N):
    before = queue_counts(t.stats())
    t.send_udp6(sport, dport, n)
    d = t.wait_packets(before, n)
    got = [q for q, v in d.items() if v]
    check(len(got) == 1, 'udp6 flow %d->%d split over queues %s' % (sport, dport, d))
    return got[0]


sport6 = next(p for p in spread_ports(40000, 100) if rss_queue6(p, 7401) != 2)
q6 = rss_queue6(sport6, 7401)
check(lands6(sport6, 7401) == q6, 'udp6 flow not on its RSS queue %d' % q6)
sh('ethtool -N %s flow-type udp6 dst-ip %s dst-port 7401 action 2 loc 13' %
   (t.nic, t.nic_ip6))
check(lands6(sport6, 7401) == 2, 'udp6 rule to queue 2 did not move the flow')
check(hits(13) == N, 'udp6 rule hits %d, want %d' % (hits(13), N))
sh('ethtool -N %s flow-type ip6 src-ip %s m ::ffff:ffff:ffff:ffff l4proto 17 '
   'action 3 loc 12' % (t.nic, t.wire_ip6))
check(lands6(sport6, 7401) == 3, 'ip6 rule (/64 source, loc 12) did not win over loc 13')
out = rules()
check(out.count('IPv6') >= 2, 'ipv6 rules not listed: ' + out)
sh('ethtool -N %s delete 12 && ethtool -N %s delete 13' % (t.nic, t.nic))
check(lands6(sport6, 7401) == q6, 'deleting the udp6 rules did not restore RSS')

# udp6 drop rule: nothing reaches the socket, the counters equal what was sent.
rx6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
rx6.bind((t.nic_ip6, 7402))
rx6.setblocking(False)
sh('ethtool -N %s flow-type udp6 dst-ip %s dst-port 7402 action -1 loc 14' %
   (t.nic, t.nic_ip6))
drops0 = t.stats()['rx_filter_drops']
t.send_udp6(41000, 7402, 25)
check(poll(lambda: t.stats()['rx_filter_drops'] - drops0 >= 25),
      'udp6: rx_filter_drops grew by %d, want 25' % (t.stats()['rx_filter_drops'] - drops0))
check(t.stats()['rx_filter_drops'] - drops0 == 25, 'udp6: more drops than sent')
check(hits(14) == 25, 'udp6 drop rule hits %d, want 25' % hits(14))


def try_recv6():
    try:
        return rx6.recv(100)
    except BlockingIOError:
        return None


check(try_recv6() is None, 'the socket received a dropped udp6 datagram')
sh('ethtool -N %s delete 14' % t.nic)
t.send_udp6(41000, 7402, 3)
check(poll(try_recv6, 10, 0.05), 'no udp6 datagram after the drop rule went')
rx6.close()

# tcp6: every frame of a real connection lands on the rule's queue.
srv6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
srv6.bind((t.nic_ip6, 7403))
srv6.listen(1)
tsport = next(p for p in spread_ports(42000, 100) if rss_queue6(p, 7403) != 1)
sh('ethtool -N %s flow-type tcp6 src-ip %s src-port %d dst-port 7403 action 1 loc 11' %
   (t.nic, t.wire_ip6, tsport))
before = queue_counts(t.stats())
with netns(t.ns):
    cl6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
cl6.bind((t.wire_ip6, tsport))
cl6.connect((t.nic_ip6, 7403))
conn, _ = srv6.accept()
cl6.sendall(b't' * 20000)
cl6.close()
got = b''
conn.settimeout(20)
while len(got) < 20000:
    chunk = conn.recv(65536)
    if not chunk:
        break
    got += chunk
check(len(got) == 20000, 'tcp6: the server got %d of 20000 bytes' % len(got))
conn.close()
srv6.close()


def tcp6_all_on_1():
    d = delta(queue_counts(t.stats()), before)
    h = hits(11)
    return h >= 3 and d.get(1, 0) == h and sum(d.values()) == h


check(poll(tcp6_all_on_1, 60), 'tcp6: %d frames hit the rule, per queue %s' %
      (hits(11), delta(queue_counts(t.stats()), before)))
sh('ethtool -N %s delete 11' % t.nic)
log('ipv6: udp6/ip6/tcp6 rules steer, a udp6 drop rule drops exactly')

# RSS contexts as a rule's target.
out = sh('ethtool -X %s context new weight 0 0 1 1' % t.nic)
ctx = int(re.search(r'(\d+)', out).group(1))
sh('ethtool -N %s flow-type udp4 dst-port 7200 context %d loc 9' % (t.nic, ctx))
qs = set(lands(44000 + i, 7200, 4) for i in range(8))
check(qs <= {2, 3}, 'context %d (queues 2, 3) sent flows to %s' % (ctx, qs))
rc, _ = sh_rc('ethtool -X %s context %d delete' % (t.nic, ctx))
check(rc != 0, 'deleted a context a rule uses')
sh('ethtool -N %s delete 9' % t.nic)
sh('ethtool -X %s context %d delete' % (t.nic, ctx))

print('PASS: ntuple steering, drop, priority, capacity, refusals, faults')
