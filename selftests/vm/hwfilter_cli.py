#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The CLI's container model drives rxlane's NIC (issue 15, hwfilter.rst,
"The CLI's containers in the NIC"): 'rxlane container add ... nic NIC hw'
puts the container in the NIC (its entries in ethtool -n, 'hw nic' in the
listings), refused traffic is dropped by the NIC (its counter rises, the
XDP program's does not), 'fw add' adds an entry, a full container band
makes the next container fall back to XDP with the kernel's reason and
the same traffic result (XDP drops what the NIC would have), a veth NIC
falls back too, and 'container del' leaves nothing in the NIC."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403
from rxl import ethtool_n as rxl_ethtool_n  # noqa: E402

need_root_and_module()
CAP = 32                         # band: CAP/2 .. CAP-1, 16 entries
set_param('ntuple_capacity', CAP)
CLI = os.path.join(TOP, 'user', 'rxlane')
tag = str(os.getpid() % 100000)
os.environ['RXLANE_PIN_DIR'] = '/sys/fs/bpf/rxlhc' + tag
at_exit(lambda: sh('rm -rf %s' % os.environ['RXLANE_PIN_DIR'], check=False))

t = Topo(queues=2)
CTR, MV = 'rxhcc' + tag, 'rxhcm' + tag
CIP, FIP = '10.77.0.10', '10.77.0.20'


def cli(args, ok=True):
    # Under -j stdout is the document; a fallback's note goes to stderr.
    rc, out = sh_rc('%s %s %s' % (CLI, args, '2>/dev/null' if
                                  args.startswith('-j') else '2>&1'))
    if ok:
        check(rc == 0, 'rxlane %s: exit %d: %s' % (args, rc, out.strip()))
    return rc, out


def ethtool_n():
    return rxl_ethtool_n(t.nic)


def hw_list():
    _, out = cli('-j hw list')
    d = json.loads(out)
    return ({r['name']: r for r in d['records']},
            {c['name']: c for c in d['containers']})


def xdp_drops():
    _, out = cli('-j stats')
    return sum(json.loads(out)['drops'].values())


def nic_drops():
    return t.stats()['rx_filter_drops']


sh('ip netns add %s' % CTR)
at_exit(lambda: sh('ip netns del %s' % CTR, check=False))
mv_mac = t.macvlan_ns(MV, CTR, CIP)
sh('ip -n %s neigh replace %s lladdr %s dev %s nud permanent' %
   (t.ns, FIP, mv_mac, t.peer))
cli('attach %s mode native' % t.nic)
at_exit(lambda: cli('detach %s' % t.nic, ok=False))

socks = udp_sinks(CTR, (6000, 6001, 7000))


def received(port):
    return udp_drain(socks[port])


def send(dst, dport, n=3):
    for sport in spread_ports(42000, n):
        s = t.udp_sender(sport)
        s.sendto(b'x' * 32, (dst, dport))
        s.close()


def allowed(dst, dport, what):
    for p in socks:
        received(p)
    send(dst, dport)
    got = [0]

    def arrived():
        got[0] += received(dport)
        return got[0] >= 3
    check(poll(arrived, 20), '%s: %d of 3 datagrams to port %d arrived' %
          (what, got[0], dport))
    log('ok: %s' % what)


def refused_by(dst, dport, by, what):
    """3 datagrams to dst:dport are dropped by 'nic' or 'xdp', the other
    one's counter does not move, none arrives."""
    n0, x0 = nic_drops(), xdp_drops()
    send(dst, dport)
    rises = nic_drops if by == 'nic' else xdp_drops
    base = n0 if by == 'nic' else x0
    check(poll(lambda: rises() - base >= 3, 20),
          '%s: %s drops rose by %d, want 3' % (what, by, rises() - base))
    time.sleep(0.3)
    other = (xdp_drops() - x0) if by == 'nic' else (nic_drops() - n0)
    check(other == 0, '%s: the %s counter rose by %d too' %
          (what, 'xdp' if by == 'nic' else 'nic', other))
    check(received(dport) == 0, '%s: a datagram arrived' % what)
    log('ok: %s' % what)


# ---- in the NIC ---------------------------------------------------------------
before = ethtool_n()
_, out = cli('-j container add web ip %s default drop cpus 0 nic %s hw' %
             (CIP, t.nic))
c = json.loads(out)['container']
check(c.get('hw') == 'nic' and 'hw_reason' not in c, 'container add: %s' % c)
cli('fw add web allow proto udp dport 6000')
rec, kern = hw_list()
check(rec['web']['hw'] == 'nic' and rec['web']['nic'] == t.nic,
      'hw list records: %s' % rec)
check(set(kern) == {'web'} and len(kern['web']['rules']) == 1,
      'hw list containers: %s' % kern)
added = set(ethtool_n()) - set(before)
check(len(added) == 2, 'ethtool -n gained %s, want an allow and a drop' % sorted(added))
_, out = cli('container show web')
check(' cpus 0 nic %s hw nic' % t.nic in out, 'container show: %s' % out)
allowed(CIP, 6000, 'in the NIC: the allowed port arrives')
refused_by(CIP, 6001, 'nic', 'in the NIC: another port is dropped by the NIC, not XDP')

# fw add: one entry more; fw del: one less.
_, out = cli('-j fw add web allow proto udp dport 7000')
check(json.loads(out).get('hw') == 'nic', 'fw add -j: %s' % out)
check(len(ethtool_n()) == len(before) + 3, 'fw add: ethtool -n has %d entries, want %d' %
      (len(ethtool_n()), len(before) + 3))
allowed(CIP, 7000, 'fw add: the new port arrives')
cli('check')

# Out rules are the tc egress program's: the NIC filters what the container
# receives, so it takes none of them (an out allow would open that port to
# the container; an out drop would make it fall back), and web stays in it.
n_entries = len(ethtool_n())
out_handles = []
for rule in ('out allow proto udp to 10.0.0.53/32 dport 53', 'out drop proto icmp'):
    _, out = cli('-j fw add web ' + rule)
    check(json.loads(out).get('hw') == 'nic', 'fw add web %s: %s' % (rule, out))
    check(len(ethtool_n()) == n_entries, 'fw add web %s: ethtool -n has %d entries, want %d' %
          (rule, len(ethtool_n()), n_entries))
    out_handles.append(json.loads(out)['handle'])
cli('check')
rec, kern = hw_list()
check(len(kern['web']['rules']) == 2, 'out rules in the NIC: %s' % kern['web'])
for h in out_handles:
    _, out = cli('-j fw del web handle %d' % h)
    check(json.loads(out).get('hw') == 'nic', 'fw del web handle %d: %s' % (h, out))
check(len(ethtool_n()) == n_entries, 'out rules deleted: ethtool -n changed')

# No window at creation: a changed CPU set makes the kernel's container
# anew (CONT_DEL, CONT_NEW). CONT_NEW carries the rules and the NIC gets
# the drop entries last, so a flood to an allowed port meanwhile never
# meets a drop entry: the NIC's drop counter stays where it was.
FLOOD_STOP = '/tmp/rxl-hwcli-flood-stop.' + tag
at_exit(lambda: os.path.exists(FLOOD_STOP) and os.unlink(FLOOD_STOP))
flood = subprocess.Popen(
    ['ip', 'netns', 'exec', t.ns, sys.executable, '-c',
     'import os, socket, sys\n'
     's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n'
     's.bind((sys.argv[1], 42999))\n'
     'n = 0\n'
     'while n % 64 or not os.path.exists(sys.argv[3]):\n'
     '    s.sendto(b"x" * 32, (sys.argv[2], 6000))\n'
     '    n += 1\n'
     'print(n)\n', t.wire_ip, CIP, FLOOD_STOP], stdout=subprocess.PIPE)
at_exit(lambda: flood.poll() is None and flood.kill())
n0 = nic_drops()
ROUNDS = 16
for i in range(ROUNDS):
    _, out = cli('-j container set web cpus %d' % ((i + 1) % 2))
    check(json.loads(out).get('hw') == 'nic', 'container set web cpus: %s' % out)
open(FLOOD_STOP, 'w').close()
sent = int(flood.communicate(timeout=60)[0])
check(sent >= 10 * ROUNDS, 'the flood sent only %d datagrams' % sent)
check(nic_drops() == n0, '%d datagrams to the allowed port 6000 sent while web '
      'was made anew %d times: the NIC dropped %d' % (sent, ROUNDS, nic_drops() - n0))
rec, kern = hw_list()
check(kern['web']['cpus'] == '0' and len(kern['web']['rules']) == 2,
      'after %d changes of the CPU set: %s' % (ROUNDS, kern['web']))
log('ok: %d datagrams to an allowed port while web was made anew %d times: '
    'no NIC drop' % (sent, ROUNDS))
time.sleep(0.5)                  # the flood's last datagrams land
allowed(CIP, 6000, 'after the remakes: the allowed port arrives')

# A drop rule is more than the NIC can say: the container falls back whole.
_, out = cli('-j fw add web drop proto udp dport 7000 prio 1')
d = json.loads(out)
check(d.get('hw') == 'fallback' and 'drops' in d.get('hw_reason', ''),
      'a drop rule: %s' % d)
check(len(ethtool_n()) == len(before), 'fallback left NIC entries')
refused_by(CIP, 7000, 'xdp', 'fallback: the drop rule is enforced by XDP')
refused_by(CIP, 6001, 'xdp', 'fallback: the default drop is enforced by XDP')
cli('fw del web handle %d' % d['handle'])
rec, kern = hw_list()
check(rec['web']['hw'] == 'nic' and 'web' in kern,
      'fw del of the drop rule: back in the NIC: %s %s' % (rec, kern))
cli('check')

# The NIC loses the container behind the CLI's back: check finds it,
# --repair puts it back.
cli('hw container del web')
rc, out = cli('check', ok=False)
check(rc == 1 and "container 'web': the NIC does not hold it" in out,
      'check after the NIC lost web: exit %d: %s' % (rc, out.strip()))
cli('check --repair')
rec, kern = hw_list()
check(rec['web']['hw'] == 'nic' and len(kern['web']['rules']) == 2,
      'check --repair: %s %s' % (rec, kern))
cli('check')
log('ok: check finds a container the NIC lost, --repair puts it back')

# ---- a full band: the next container falls back, same traffic result ------
fills, free = hw_fill_band(t.nic, CAP, lambda name, ips: cli(
    'hw container add %s dev %s ip %s cpus 0' % (name, t.nic, ips)))
state = ethtool_n()
ips = ' '.join('ip 10.98.0.%d' % i for i in range(1, free + 1))
_, out = cli('-j container add full ip %s %s default drop nic %s hw' %
             (FIP, ips, t.nic))
c = json.loads(out)['container']
check(c.get('hw') == 'fallback' and 'too few free entries' in c.get('hw_reason', ''),
      'a container beyond the band: %s' % c)
check(ethtool_n() == state, 'the fallback left NIC entries')
refused_by(FIP, 6000, 'xdp', 'full band: the container is enforced by XDP')
_, out = cli('check')
rec, _ = hw_list()
check(rec['full']['hw'] == 'fallback', 'hw list: %s' % rec['full'])
for name in fills:
    cli('hw container del %s' % name)
# Room again: the next change of the container puts it in the NIC.
_, out = cli('-j container set full hw on')
check(json.loads(out).get('hw') == 'nic', 'container set hw on with room: %s' % out)
refused_by(FIP, 6000, 'nic', 'back in the NIC: dropped by the NIC')

# ---- a NIC without ntuple filters (the lower veth): fallback -------------
_, out = cli('-j container add onveth ip 10.97.0.1 nic %s hw' % t.lower)
c = json.loads(out)['container']
check(c.get('hw') == 'fallback' and 'no ntuple filters' in c.get('hw_reason', ''),
      'a veth NIC: %s' % c)

# ---- del leaves nothing ---------------------------------------------------------
for name in ('web', 'full', 'onveth'):
    cli('container del %s' % name)
rec, kern = hw_list()
check(not rec and not kern, 'after del: records %s, kernel %s' % (rec, kern))
check(ethtool_n() == before, 'after del: ethtool -n %s, want %s' %
      (sorted(ethtool_n()), sorted(before)))
cli('check')
log('PASS: the CLI puts containers in the NIC, falls back to XDP where it cannot')
