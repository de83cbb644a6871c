#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The CNI plugin's 'hw': true on rxlane's NIC (issue 15, cni.rst,
hwfilter.rst): rxlane-cni run as a runtime runs it (the CNI environment,
the network config on stdin; no podman in the guest) for a container
behind a macvlan on the NIC, with the NIC as the config's 'device'. ADD
puts the container in the NIC (its entries in ethtool -n, 'hw nic' in
its record) under its CNI name of 31 characters; a refused port is
dropped by the NIC and an allowed one arrives; DEL removes its entries,
and so does its network namespace going (the plugin passes CNI_NETNS to
the kernel as NETNS_FD), also after check --repair or container set made
it anew (the record keeps CNI_NETNS). runtimeConfig's 'cpus' is the CPU
set of its RSS context. The record keeps the namespace's cookie too: once
the path is bound to another namespace, check reports it, and neither
check --repair nor container set ties the container there (a fallback)."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403
from rxl import ethtool_n as rxl_ethtool_n  # noqa: E402

need_root_and_module()
set_param('ntuple_capacity', 32)
CLI = os.path.join(TOP, 'user', 'rxlane')
CNI = os.path.join(TOP, 'user', 'rxlane-cni')
tag = str(os.getpid() % 100000)
PIN = '/sys/fs/bpf/rxlhn' + tag
os.environ['RXLANE_PIN_DIR'] = PIN
at_exit(lambda: sh('rm -rf %s' % PIN, check=False))

t = Topo(queues=2)
CTR, MV = 'rxhnc' + tag, 'rxhnm' + tag
CIP = '10.77.0.10'
CID = 'c0ffee%s0123456789abcdef' % tag
# "default.webserver-" (18) + "-" + 12 of the id: the longest CNI name.
NAME = 'default.webserver--' + CID[:12]
ARGS = 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=webserver-deploy-7'

sh('ip netns add %s' % CTR)
at_exit(lambda: sh('ip netns del %s' % CTR, check=False))
mv_mac = t.macvlan_ns(MV, CTR, CIP)


def conf(cmd):
    c = {'cniVersion': '1.0.0', 'name': 'rxlhw' + tag, 'type': 'rxlane-cni',
         'pinDir': PIN, 'device': t.nic, 'hw': True,
         'policy': {'default': 'drop',
                    'rules': [{'action': 'allow', 'proto': 'udp', 'dport': 6000}]}}
    if cmd != 'DEL':
        c['runtimeConfig'] = {'cpus': '1'}     # the runtime's CPU list
        c['prevResult'] = {
            'cniVersion': '1.0.0',
            'interfaces': [{'name': MV, 'mac': mv_mac,
                            'sandbox': '/run/netns/%s' % CTR}],
            'ips': [{'address': CIP + '/24', 'interface': 0}]}
    return json.dumps(c)


def cni(cmd):
    env = dict(os.environ, CNI_COMMAND=cmd, CNI_CONTAINERID=CID,
               CNI_NETNS='/run/netns/%s' % CTR, CNI_IFNAME=MV, CNI_ARGS=ARGS,
               CNI_PATH='/usr/lib/cni')
    p = subprocess.run([CNI], input=conf(cmd).encode(), env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.stdout.decode(), p.stderr.decode()
    check(p.returncode == 0, 'rxlane-cni %s: exit %d: %s %s' %
          (cmd, p.returncode, out.strip(), err.strip()))
    return out, err


def cli(args):
    rc, out = sh_rc('%s %s 2>&1' % (CLI, args))
    check(rc == 0, 'rxlane %s: exit %d: %s' % (args, rc, out.strip()))
    return out


def kern_list():
    return {c['name']: c for c in json.loads(cli('-j hw list'))['containers']}


def nic_drops():
    return t.stats()['rx_filter_drops']


socks = udp_sinks(CTR, (6000, 6001))


def send(dport, n=3):
    for sport in spread_ports(43000, n):
        s = t.udp_sender(sport)
        s.sendto(b'x' * 32, (CIP, dport))
        s.close()


# ---- ADD: in the NIC ---------------------------------------------------------
before = rxl_ethtool_n(t.nic)
_, err = cni('ADD')
check('enforced by XDP alone' not in err, 'ADD with hw fell back: %s' % err.strip())
cont = json.loads(cli('-j container show %s' % NAME))['container']
check(cont.get('hw') == 'nic' and cont.get('nic') == t.nic,
      'ADD with hw: the record %s' % cont)
kern = {c['name']: c for c in json.loads(cli('-j hw list'))['containers']}
check(set(kern) == {NAME} and len(kern[NAME]['rules']) == 1 and
      kern[NAME].get('cpus') == '1', 'hw list after ADD (runtimeConfig cpus 1): %s' % kern)
added = set(rxl_ethtool_n(t.nic)) - set(before)
check(len(added) == 2, 'ADD: ethtool -n gained %s, want an allow and a drop entry' %
      sorted(added))
log('ok: ADD with hw: %s (%d characters) is in the NIC, entries %s' %
    (NAME, len(NAME), sorted(added)))

# Traffic: the allowed port arrives, another is dropped by the NIC.
send(6000)
got = [0]


def arrived():
    got[0] += udp_drain(socks[6000])
    return got[0] >= 3


check(poll(arrived, 20), 'ADD with hw: %d of 3 datagrams to port 6000 arrived' % got[0])
n0 = nic_drops()
send(6001)
check(poll(lambda: nic_drops() - n0 >= 3, 20),
      'ADD with hw: the NIC dropped %d of 3 datagrams to port 6001' % (nic_drops() - n0))
time.sleep(0.3)
check(udp_drain(socks[6001]) == 0, 'ADD with hw: a datagram to port 6001 arrived')
log('ok: the allowed port arrives, another is dropped by the NIC')

# ---- DEL: nothing left in the NIC ---------------------------------------------
cni('DEL')
check(rxl_ethtool_n(t.nic) == before, 'DEL: ethtool -n %s, want %s' %
      (sorted(rxl_ethtool_n(t.nic)), sorted(before)))
check(json.loads(cli('-j hw list'))['containers'] == [], 'DEL left a kernel container')
cni('DEL')                               # idempotent
log('ok: DEL removes its entries, and DEL again is fine')

# ---- its namespace goes: its NIC entries go with it (NETNS_FD) ------------
cni('ADD')
check(len(rxl_ethtool_n(t.nic)) == len(before) + 2, 'the second ADD: ethtool -n %s' %
      sorted(rxl_ethtool_n(t.nic)))

# The NIC loses it, then a change makes it anew: each time the CLI passes
# the namespace its record keeps (CNI_NETNS), so it still goes with it.
NETNS = '/run/netns/%s' % CTR
rec = json.loads(cli('-j container show %s' % NAME))['container']
check(rec.get('netns') == NETNS, 'the record keeps netns %r, want %r' %
      (rec.get('netns'), NETNS))
cookie = kern_list()[NAME].get('netns_cookie')
check(cookie, 'ADD: the NIC\'s container has no namespace: %s' % kern_list()[NAME])
check(rec.get('netns_cookie') == cookie,
      'the record keeps cookie %r, the NIC\'s container has %r' %
      (rec.get('netns_cookie'), cookie))
sh('%s hw container del %s' % (CLI, NAME))
rc, out = sh_rc('%s check 2>&1' % CLI)
check(rc == 1 and 'the NIC does not hold it' in out,
      'check after the NIC lost it: exit %d: %s' % (rc, out.strip()))
cli('check --repair')
k = kern_list().get(NAME, {})
check(k.get('netns_cookie') == cookie and len(k.get('rules', [])) == 1,
      'check --repair made it anew without its namespace: %s (cookie want %s)' %
      (k, cookie))
cli('container set %s cpus 0' % NAME)      # another CPU set: CONT_DEL + CONT_NEW
k = kern_list().get(NAME, {})
check(k.get('cpus') == '0' and k.get('netns_cookie') == cookie,
      'container set made it anew without its namespace: %s' % k)
cli('check')
log('ok: check --repair and container set make it anew tied to %s' % NETNS)
for s in socks.values():                 # a socket would keep it alive
    s.close()
sh('ip netns del %s' % CTR)
if not poll(lambda: rxl_ethtool_n(t.nic) == before, 30, 0.2):
    fail('waited 30 s for the entries of %s to go with its namespace: ethtool -n %s' %
         (NAME, sorted(rxl_ethtool_n(t.nic))))
check(json.loads(cli('-j hw list'))['containers'] == [],
      'the kernel container outlived its namespace')
log('ok: its entries went with its namespace')

# ---- the path bound to another namespace: never tied to it (the cookie) ----
# The record still says 'hw nic'. The same path now names a new namespace.
sh('ip netns add %s' % CTR)
rc, out = sh_rc('%s check 2>&1' % CLI)
check(rc == 1 and 'the NIC does not hold it' in out and
      'is another namespace now' in out,
      'check, the NIC without it and its path rebound: exit %d: %s' % (rc, out.strip()))
# Tied by hand to the new namespace: check finds the other tie.
cli('hw container add %s dev %s ip %s cpus 0 netns %s' % (NAME, t.nic, CIP, CTR))
other = kern_list()[NAME].get('netns_cookie')
check(other and other != cookie, 'the new namespace\'s cookie %r, the old %r' %
      (other, cookie))
rc, out = sh_rc('%s check 2>&1' % CLI)
check(rc == 1 and 'the NIC ties it to another network namespace' in out,
      'check, the NIC\'s container in another namespace: exit %d: %s' % (rc, out.strip()))
# The repair removes that one and does not tie a new one there: fallback.
cli('check --repair')
check(NAME not in kern_list(), 'check --repair tied %s to the new namespace: %s' %
      (NAME, kern_list().get(NAME)))
rec = json.loads(cli('-j container show %s' % NAME))['container']
check(rec.get('hw') == 'fallback' and
      'is another namespace now' in rec.get('hw_reason', ''),
      'check --repair with the path rebound: the record %s' % rec)
check(rxl_ethtool_n(t.nic) == before, 'check --repair left entries: ethtool -n %s' %
      sorted(rxl_ethtool_n(t.nic)))
cli('check')
cli('container set %s cpus 1' % NAME)    # a remake: refused again
check(NAME not in kern_list(), 'container set tied %s to the new namespace' % NAME)
log('ok: a path bound to another namespace: check reports it, check --repair '
    'and container set fall back and tie nothing')
sh('ip netns del %s' % CTR)
cni('DEL')                               # the runtime's DEL after the netns went
check(json.loads(cli('-j container list'))['containers'] == [],
      'DEL after the namespace went left the container')
log('PASS: rxlane-cni with hw: true puts the container in the NIC, DEL or its '
    'namespace going removes it')
