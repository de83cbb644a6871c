#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Who may program the NIC through the rxlane genetlink family: changes and
dumps need CAP_NET_ADMIN over the caller's network namespace
(GENL_UNS_ADMIN_PERM). The root of a user namespace programs a NIC in a
network namespace it owns; over a NIC it does not own it finds nothing; a
user without capabilities gets EPERM; a container's namespace must be one
the caller administers; every namespace sees only its own containers. Notifications: container
new/del arrive on the "containers" group of the container's own namespace
only, as rxlane hw monitor prints them (text and -j). The CLI's own
containers ('container add ... nic NIC hw') under 'ip netns exec NS' with
the NIC in NS are in that NIC and NS's only; without CAP_NET_ADMIN the
command is refused and leaves no record."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

need_root_and_module()
CLI = os.path.join(TOP, 'user', 'rxlane')
t = Topo(queues=2)
tag = str(os.getpid() % 100000)
OTHER = 'rxho' + tag
NOBODY = 'setpriv --reuid=65534 --regid=65534 --clear-groups'


def outside_chroot():
    """A prefix that runs a command outside the chroot scripts/vm-init
    runs tests in: the kernel refuses to make or join a user namespace from
    a chroot (EPERM, which unshare -Urn would report as if rxlane had
    refused). From pid 1's root, in a private mount namespace, the chroot's
    root is moved onto / and entered: then it is the namespace's root."""
    root, init_root = os.stat('/'), os.stat('/proc/1/root')
    if (root.st_dev, root.st_ino) == (init_root.st_dev, init_root.st_ino):
        return ''
    r = os.stat('/proc/1/root/newroot')
    check((r.st_dev, r.st_ino) == (root.st_dev, root.st_ino),
          'a chroot other than vm-init\'s /newroot')
    return ('nsenter -t 1 -r -w /bin/busybox unshare -m /bin/busybox sh -c '
            '\'mount --make-rprivate / && cd /newroot && mount --move . / && '
            'exec chroot . "$@"\' unchroot')


UNCH = outside_chroot()


def cli(args, ok=True, pre=''):
    rc, out = sh_rc('%s %s %s' % (pre, CLI, args))
    if ok:
        check(rc == 0, '%s rxlane %s: exit %d: %s' % (pre, args, rc, out.strip()))
    return rc, out


def names(pre=''):
    _, out = cli('-j hw list', pre=pre)
    return sorted(c['name'] for c in json.loads(out)['containers'])


def refused(pre, args, why):
    rc, out = cli(args, ok=False, pre=pre)
    check(rc == 1 and why in out,
          '%s rxlane %s: exit %d, want "%s": %s' % (pre, args, rc, why, out.strip()))


class Monitor:
    """rxlane [-j] hw monitor under @pre, from when it listens."""

    def __init__(self, pre, json_out=True):
        self.what = '%s rxlane hw monitor' % pre
        self.json = json_out
        base = '/tmp/rxhmon%s.%d' % (tag, len(monitors))
        self.out, self.err = base + '.out', base + '.err'
        self.p = subprocess.Popen('exec %s %s %s hw monitor' %
                                  (pre, CLI, '-j' if json_out else ''), shell=True,
                                  stdout=open(self.out, 'w'), stderr=open(self.err, 'w'))
        monitors.append(self)
        at_exit(self.stop)
        if not poll(lambda: 'listening' in self.errors() or self.p.poll() is not None, 60):
            fail('waited 60 s for "%s" to print "listening"' % self.what)

    def errors(self):
        return open(self.err).read()

    def events(self):
        """[(event, container name)] so far."""
        out = open(self.out).read()
        if self.json:
            return [(d['event'], d['containers'][0]['name'])
                    for d in map(json.loads, out.splitlines())]
        return [tuple(line.split()[:2]) for line in out.splitlines()
                if line.startswith(('new ', 'del '))]

    def wait(self, want):
        if not poll(lambda: self.events() == want, 30, 0.1):
            fail('waited 30 s for %s to print %s; it printed %s' %
                 (self.what, want, self.events()))

    def stop(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        for f in (self.out, self.err):
            if os.path.exists(f):
                os.unlink(f)


monitors = []
sh('ip netns add %s' % OTHER)
at_exit(lambda: sh('ip netns del %s' % OTHER, check=False))
mon_init = Monitor('')
mon_text = Monitor('', json_out=False)
mon_other = Monitor('ip netns exec %s' % OTHER)
rc, out = sh_rc('%s %s hw monitor' % (NOBODY, CLI))
check(rc == 1 and 'Operation not permitted' in out,
      'hw monitor without CAP_NET_ADMIN: exit %d: %s' % (rc, out.strip()))
cli('hw container add c1 dev %s ip 10.77.0.10 cpus 0' % t.nic)
mon_init.wait([('new', 'c1')])
nic_ifindex = int(open('/sys/class/net/%s/ifindex' % t.nic).read())

# ---- no capabilities: EPERM for every operation, reads included -------------
# The kernel's refusal, whatever an earlier test of the boot left in the
# CLI's pin directory (a 0700 directory nobody cannot open would refuse
# first): no pin directory, so the CLI asks the kernel.
NOPINS = NOBODY + ' env RXLANE_PIN_DIR=/run/rxl-hwns-no-pins'
for args in ('hw list', 'hw container del c1', 'hw rule add c1 allow proto udp dport 9',
             'hw container add x dev %s ip 10.1.1.1' % t.nic):
    refused(NOPINS, args, 'Operation not permitted')

# ---- another namespace of the same owner: sees and changes nothing ----------
ON = 'ip netns exec %s' % OTHER
check(names(ON) == [], 'namespace %s sees %s' % (OTHER, names(ON)))
refused(ON, 'hw container del c1', 'no container of that name')
refused(ON, 'hw container add x dev %d ip 10.1.1.1' % nic_ifindex,
        'no such device in this namespace')

# ---- user namespaces (Debian's kernel; the debug kernel has none) ----------
rc, out = sh_rc(UNCH + ' unshare -Urn true')
USERNS = rc == 0
if not USERNS:
    check('Invalid argument' in out, 'unshare -Urn: %s' % out.strip())
    skip_case('userns', 'kernel without CONFIG_USER_NS (unshare: EINVAL)')


def foreign_userns():
    """The root of a new user namespace, over a NIC it does not own."""
    UN = UNCH + ' unshare -Urn'
    check(names(UN) == [], 'unshare -Urn sees %s' % names(UN))
    refused(UN, 'hw container del c1', 'no container of that name')
    refused(UN, 'hw rule add c1 allow proto udp dport 9', 'no container of that name')
    refused(UN, 'hw container add x dev %d ip 10.1.1.1' % nic_ifindex,
            'no such device in this namespace')


def owned_userns():
    """The root of a user namespace over a NIC in a namespace it owns."""
    # A process in a new user + network namespace; the init side makes an
    # rxlane NIC over one of its veths inside that namespace (the NIC is
    # netns-local: it is created there rather than moved).
    owner = subprocess.Popen('exec %s unshare -Urn sleep 600' % UNCH, shell=True)
    at_exit(lambda: (owner.kill(), owner.wait()))
    own_ns = '/proc/%d/ns/net' % owner.pid
    if not poll(lambda: os.readlink(own_ns) != os.readlink('/proc/self/ns/net'), 30):
        fail('waited 30 s for unshare -Urn (pid %d) to enter its namespace' % owner.pid)
    UNIC, ULOW = 'rxun' + tag, 'rxul' + tag
    sh('ip link add %s type veth peer name %sp' % (ULOW, ULOW))
    at_exit(lambda: sh('ip link del %s' % ULOW, check=False))
    sh('ip link add %s link %s netns %d numrxqueues 2 numtxqueues 2 type rxlane' %
       (UNIC, ULOW, owner.pid))
    IN = '%s nsenter -t %d -U -n' % (UNCH, owner.pid)
    sh('%s ip link set %s up' % (IN, UNIC))
    mon_owner = Monitor(IN)
    cli('hw container add u1 dev %s ip 10.55.0.1 cpus 0' % UNIC, pre=IN)
    _, out = cli('-j hw rule add u1 allow proto udp dport 6000-6003', pre=IN)
    check(json.loads(out)['containers'][0]['rules'][0]['entries'] == 1,
          'the user namespace root: rule add: %s' % out.strip())
    rules = sh('%s ethtool -n %s' % (IN, UNIC))
    check(rules.count('Filter:') == 2, 'ethtool -n in the owned namespace:\n%s' % rules)
    # Dumps are namespace-local both ways.
    check(names(IN) == ['u1'], 'the owned namespace sees %s' % names(IN))
    check(names() == ['c1'], 'the initial namespace sees %s' % names())
    refused(IN, 'hw container del c1', 'no container of that name')
    # Its containers may live only in namespaces it administers.
    refused(IN, 'hw container add u2 dev %s ip 10.55.0.2 netns %s' % (UNIC, OTHER),
            'no CAP_NET_ADMIN over that network namespace')
    cli('hw container del u1', pre=IN)
    check(names(IN) == [] and 'Filter:' not in sh('%s ethtool -n %s' % (IN, UNIC)),
          'container del in the owned namespace left %s' % names(IN))
    check(names() == ['c1'], 'the initial namespace lost c1: %s' % names())
    return mon_owner


mon_owner = None
if USERNS:
    foreign_userns()
    mon_owner = owned_userns()
cli('hw container del c1')

# ---- notifications: each namespace's own group, text and -j -----------------
if mon_owner:
    mon_owner.wait([('new', 'u1'), ('del', 'u1')])
mon_init.wait([('new', 'c1'), ('del', 'c1')])
mon_text.wait([('new', 'c1'), ('del', 'c1')])
text = open(mon_text.out).read()
check(re.search(r'^new c1 dev %s cpus 0 .*10\.77\.0\.10' % t.nic, text, re.M),
      'hw monitor text: %s' % text)
# Delivered to every member in the sending call: the other namespace's
# monitor would have its copy by now.
check(mon_other.events() == [], 'namespace %s was told %s' % (OTHER, mon_other.events()))
for m in monitors:
    check(m.p.poll() is None and 'lost' not in m.errors(),
          '%s: exit %s: %s' % (m.what, m.p.poll(), m.errors().strip()))
log('permissions: nobody EPERM, foreign namespaces see nothing, the owner programs its NIC; notifications in the own namespace only')

# ---- the CLI's containers in a namespace's NIC ('container add ... hw') ----
# Under 'ip netns exec NS', with the NIC in NS: the container is in that
# NIC and that namespace's; another namespace's dump does not show it.
NS3, NLOW, NNIC = 'rxhn' + tag, 'rxnl' + tag, 'rxnn' + tag
sh('ip netns add %s' % NS3)
at_exit(lambda: sh('ip netns del %s' % NS3, check=False))
sh('ip -n %s link add %s type veth peer name %sp' % (NS3, NLOW, NLOW))
sh('ip -n %s link add %s link %s numrxqueues 2 numtxqueues 2 type rxlane' %
   (NS3, NNIC, NLOW))
sh('ip -n %s link set %s up && ip -n %s link set %s up' % (NS3, NLOW, NS3, NNIC))
IN3 = 'ip netns exec %s' % NS3
cli('attach %s' % NNIC, pre=IN3)         # a CLI container needs its fast path
_, out = cli('-j container add web ip 10.56.0.2 default drop nic %s hw' % NNIC,
             pre=IN3)
check(json.loads(out)['container'].get('hw') == 'nic',
      'container add ... hw under %s: %s' % (IN3, out.strip()))
cli('fw add web allow proto udp dport 6000', pre=IN3)
rules = sh('%s ethtool -n %s' % (IN3, NNIC))
check(rules.count('Filter:') == 2, 'ethtool -n in %s after container add and fw add:\n%s' %
      (NS3, rules))
check(names(IN3) == ['web'], 'namespace %s sees %s' % (NS3, names(IN3)))
check(names() == [] and names(ON) == [], 'the container of %s is seen from %s' %
      (NS3, 'the initial namespace' if names() else OTHER))
cli('container del web', pre=IN3)
check(names(IN3) == [] and 'Filter:' not in sh('%s ethtool -n %s' % (IN3, NNIC)),
      'container del under %s left %s' % (IN3, names(IN3)))
cli('detach %s' % NNIC, pre=IN3)
log('ok: container add ... nic NIC hw under ip netns exec: in that NIC, that namespace\'s only')

# Without CAP_NET_ADMIN: refused with a message, no record left.
cli('attach %s' % t.nic)                 # what root would need, in place
at_exit(lambda: cli('detach %s' % t.nic, ok=False))
rc, why = sh_rc('%s %s container add nob ip 10.56.0.9 nic %s hw' % (NOBODY, CLI, t.nic))
check(rc == 1 and ('Operation not permitted' in why or 'Permission denied' in why),
      'container add ... hw as nobody: exit %d: %s' % (rc, why.strip()))
_, out = cli('-j container list')
check(json.loads(out)['containers'] == [], 'container add as nobody left %s' % out.strip())
check(names() == [], 'container add as nobody left a kernel container: %s' % names())
log('ok: container add ... hw without CAP_NET_ADMIN: exit 1: %s' % why.strip())
