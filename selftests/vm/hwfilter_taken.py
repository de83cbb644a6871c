#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What a new hw container may take, as the kernel keeps it without
looking at the containers present (issue 15; Documentation/hwfilter.rst,
"Adding a container"):
- a user's entry in the container band, put there before the first
  container, is never overwritten, and the band's first free locations are
  where the next container goes;
- an address another container on the same NIC has is refused (IPv4 and
  IPv6) and nothing changes; the same address on another NIC is taken;
  once its owner goes, the address is free again; likewise a name;
- a full band refuses the next container and nothing changes; a deleted
  container's locations are exactly the ones the next container gets;
- with the last container gone, the NIC gives the band back: the user's
  entry in it can be deleted again;
- a NIC that reports its table's size in ETHTOOL_GRXCLSRLALL only (mlx5 on
  6.1; rxlane's debugfs table_size_in 1) takes containers in the band of
  that size; one that reports no size (2) is refused."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

need_root_and_module()
CAP = 64                         # band: CAP/2 .. CAP-1
BAND = CAP // 2
set_param('ntuple_capacity', CAP)
t = Topo(queues=2)
t2 = Topo(queues=2, tag='x' + str(os.getpid() % 100000), nic_ip='10.78.0.1',
          wire_ip='10.78.0.2')
USER_LOC = CAP - 1               # the user's own entry, in the band


cli = rxlane                     # rxl.py
hw_list = hw_containers


def locs(name, kind=None):
    return sorted(e['loc'] for e in hw_list()[name]['entries']
                  if kind is None or e['kind'] == kind)


def state():
    return (ethtool_n(t.nic), ethtool_n(t2.nic), hw_list())


def refused(args, why, what):
    before = state()
    rc, out = cli(args, ok=False)
    check(rc == 1 and why in out, '%s: exit %d: %s' % (what, rc, out.strip()))
    check(state() == before, '%s: the refusal changed the NIC or the list' % what)


# ---- a user's entry in the band, before any container ----------------------
ntuple_udp4_add(t.nic, 9, 0, USER_LOC)
cli('hw container add a1 dev %s ip 10.1.0.1,fd00:1::1 cpus 0' % t.nic)
cli('hw rule add a1 allow proto udp dport 7000')
check(locs('a1', 'drop') == [CAP - 3, CAP - 2],
      'a1\'s drop entries at %s, want %s (below the user\'s entry at %d)' %
      (locs('a1', 'drop'), [CAP - 3, CAP - 2], USER_LOC))
check(locs('a1', 'allow') == [BAND, BAND + 1],
      'a1\'s allow entries at %s, want the band\'s first two' % locs('a1', 'allow'))
check('Dest port: 9 mask' in ethtool_n(t.nic).get(USER_LOC, ''),
      'the user\'s entry at %d was overwritten: %s' %
      (USER_LOC, ethtool_n(t.nic).get(USER_LOC)))
log('the user\'s entry at %d kept; a1 at %s' % (USER_LOC, locs('a1')))

# ---- addresses and names taken ---------------------------------------------
for ip in ('10.1.0.1', 'fd00:1::1'):
    refused('hw container add a2 dev %s ip 10.1.0.9,%s' % (t.nic, ip),
            'another container on the NIC has one of these addresses',
            'a2 with a1\'s %s' % ip)
refused('hw container add a1 dev %s ip 10.1.0.9' % t.nic,
        'a container of that name exists', 'a second a1')
cli('hw container add b1 dev %s ip 10.1.0.1,fd00:1::1' % t2.nic)
check(set(hw_list()) == {'a1', 'b1'}, 'the same addresses on another NIC: %s' %
      sorted(hw_list()))
cli('hw container del a1')
cli('hw container add a2 dev %s ip 10.1.0.1,fd00:1::1' % t.nic)
cli('hw container add a1 dev %s ip 10.1.0.2' % t.nic)
refused('hw container add a3 dev %s ip 10.1.0.2' % t.nic,
        'another container on the NIC has one of these addresses',
        'a3 with the new a1\'s address')
cli('hw container del b1')
cli('hw container add b1 dev %s ip 10.1.0.1' % t2.nic)
log('taken addresses refused, freed ones taken again (IPv4, IPv6, two NICs)')

# ---- a full band, then a deleted container's locations ----------------------
fills, free = hw_fill_band(t.nic, CAP, lambda name, ips: cli(
    'hw container add %s dev %s ip %s cpus 0' % (name, t.nic, ips)))
check(len(fills) >= 2, 'the band holds %d containers of 8' % len(fills))
ips = ','.join('10.98.0.%d' % i for i in range(1, free + 2))
refused('hw container add full dev %s ip %s' % (t.nic, ips),
        'too few free entries', 'a container of %d addresses, %d free' %
        (free + 1, free))
freed = locs(fills[0])
cli('hw container del %s' % fills[0])
cli('hw container add again dev %s ip %s cpus 0' %
    (t.nic, ','.join('10.97.0.%d' % i for i in range(1, 9))))
check(locs('again') == freed, 'the new container is at %s, want %s\'s %s' %
      (locs('again'), fills[0], freed))
refused('hw container add full dev %s ip %s' % (t.nic, ips),
        'too few free entries', 'the band full again')
log('%d containers filled the band; %s\'s %d locations went to the next' %
    (len(fills), fills[0], len(freed)))

# ---- the last container gone: the band is the user's again -------------------
for name in fills[1:] + ['again', 'a1', 'a2', 'b1']:
    cli('hw container del %s' % name)
check(hw_list() == {}, 'containers left: %s' % sorted(hw_list()))
check(sorted(ethtool_n(t.nic)) == [USER_LOC],
      'entries left on %s: %s' % (t.nic, sorted(ethtool_n(t.nic))))
check(ethtool_n(t2.nic) == {}, 'entries left on %s' % t2.nic)
cli('hw container add a1 dev %s ip 10.1.0.1' % t.nic)
check(locs('a1') == [CAP - 2], 'a1 anew at %s, want [%d]' % (locs('a1'), CAP - 2))
cli('hw container del a1')
try:
    ntuple_del(t.nic, USER_LOC)
except OSError as e:
    fail('deleting the user\'s entry at %d with no container left: %s' % (USER_LOC, e))
check(ethtool_n(t.nic) == {}, 'the user\'s entry is still there')
log('the last container gone, the band is the user\'s again')

# ---- a NIC that reports its table's size in GRXCLSRLALL only (mlx5 on 6.1) ---
# debugfs table_size_in 1: GRXCLSRLCNT's data is 0, GRXCLSRLALL's the size
# without RX_CLS_LOC_SPECIAL. hw.c takes the size from GRXCLSRLALL, as
# ethtool(8) does; with no size anywhere (2) the NIC is refused.
def size_in(mode):
    t.write_debugfs('table_size_in', str(mode))


at_exit(lambda: os.path.exists(t.debugfs('table_size_in')) and size_in(0))
size_in(1)
cli('hw container add m1 dev %s ip 10.1.0.1 cpus 0' % t.nic)
cli('hw rule add m1 allow proto udp dport 7000')
check(locs('m1', 'drop') == [CAP - 1] and locs('m1', 'allow') == [BAND],
      'm1 on a NIC sized by GRXCLSRLALL: drop %s allow %s, want [%d] [%d]' %
      (locs('m1', 'drop'), locs('m1', 'allow'), CAP - 1, BAND))
check(sorted(ethtool_n(t.nic)) == [BAND, CAP - 1],
      'ethtool -n %s: %s' % (t.nic, sorted(ethtool_n(t.nic))))
cli('hw container del m1')
size_in(2)
rc, out = cli('hw container add m1 dev %s ip 10.1.0.1' % t.nic, ok=False)
check(rc == 1 and 'no fixed size' in out,
      'a NIC that reports no table size: exit %d: %s' % (rc, out.strip()))
size_in(0)
check(hw_list() == {} and ethtool_n(t.nic) == {},
      'the refusal left %s, ethtool -n %s' % (hw_list(), ethtool_n(t.nic)))
log('a NIC sized by GRXCLSRLALL alone takes containers; one with no size is refused')
log('PASS')
