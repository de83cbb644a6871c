#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Per-container hardware filters (rxlane hw, the rxlane genetlink family):
a container's entries are in ethtool -n in the container band; allowed
traffic reaches the container on the queues of its CPU set only, refused
traffic is dropped by the NIC; port ranges become the fewest masked entries
(an independent count); a full band or a driver refusal part-way leaves
nothing installed; a namespace sees only its own containers (permissions:
hwfilter_ns.py); a fuzz loop of malformed messages gets clean errors; the
entries go with the container's namespace, the lower device, and rmmod."""
import errno
import json
import os
import random
import re
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403
from rxl import ethtool_n as rxl_ethtool_n  # noqa: E402

need_root_and_module()
if os.cpu_count() < 2:
    skip('needs two CPUs (two CPU sets)')
CAP = 128                        # band: CAP/2 .. CAP-1
set_param('ntuple_capacity', CAP)
EXPAND = os.path.join(HERE, 'hwfilter_expand')
SEED = int(os.environ.get('HW_SEED', time.time_ns() % 100000))
rnd = random.Random(SEED)
log('seed %d (HW_SEED=%d to repeat)' % (SEED, SEED))
T0 = time.monotonic()
# Random and malformed messages of the fuzz loop (issue 15: 10,000 at least).
FUZZ = int(os.environ.get('HW_FUZZ', 10000))


def section(name):
    log('%6.1f s: %s' % (time.monotonic() - T0, name))

t = Topo(queues=4)
for q in range(4):
    t.set_queue_cpu(q, q % 2)    # queues 0, 2 on CPU 0; 1, 3 on CPU 1
tag = str(os.getpid() % 100000)
CTR, CTR2, OTHER = 'rxhc' + tag, 'rxhd' + tag, 'rxho' + tag
MV = 'rxhmv' + tag
CIP = '10.77.0.10'


cli = rxlane                     # rxl.py
hw_list = hw_containers


def ethtool_n():
    return rxl_ethtool_n(t.nic)


def minimal_blocks(lo, hi, base=0, size=65536):
    """The fewest prefix blocks covering [lo, hi]: a binary split of the
    port space, computed apart from the kernel's greedy walk."""
    if hi < base or lo > base + size - 1:
        return 0
    if lo <= base and base + size - 1 <= hi:
        return 1
    return (minimal_blocks(lo, hi, base, size // 2) +
            minimal_blocks(lo, hi, base + size // 2, size // 2))


# ---- the container namespace behind a macvlan on the NIC --------------------
for ns in (CTR, CTR2, OTHER):
    sh('ip netns add %s' % ns)
    at_exit(lambda ns=ns: sh('ip netns del %s' % ns, check=False))
t.macvlan_ns(MV, CTR, CIP)

# ---- container add: its RSS context and its entries ------------------------
section('container add')
before = ethtool_n()
cli('hw container add c1 dev %s ip %s cpus 1 netns %s' % (t.nic, CIP, CTR))
cli('hw container add c2 dev %s ip 10.77.0.11,fd00:77::11 cpus 0' % t.nic)
_, out = cli('-j hw rule add c1 allow proto udp dport 6000-6003')
c1 = json.loads(out)['containers'][0]
check(c1['rules'][0]['entries'] == 1,
      'dport 6000-6003 took %s entries, want 1' % c1['rules'][0]['entries'])
hw = hw_list()
check(set(hw) == {'c1', 'c2'}, 'hw list shows %s' % sorted(hw))
rules = ethtool_n()
ours = {e['loc']: e['kind'] for c in hw.values() for e in c['entries']}
check(set(rules) - set(before) == set(ours),
      'ethtool -n gained %s, hw list says %s' %
      (sorted(set(rules) - set(before)), sorted(ours)))
check(all(CAP // 2 <= loc < CAP for loc in ours),
      'entries %s outside the container band %d-%d' % (sorted(ours), CAP // 2, CAP - 1))
allow = [loc for loc, k in ours.items() if k == 'allow']
tails = [loc for loc, k in ours.items() if k != 'allow']
check(len(allow) == 1 and len(tails) == 3, 'entries %s: want 1 allow, 3 drop' % ours)
check(max(allow) < min(tails), 'an allow entry %s below a drop entry %s' % (allow, tails))
a = rules[allow[0]]
check('UDP over IPv4' in a and 'Dest IP addr: %s mask: 0.0.0.0' % CIP in a and
      'Dest port: 6000 mask: 0x3' in a and
      'RSS Context ID: %d' % c1['rss_context'] in a,
      'allow entry at %d is not udp4 %s dport 6000/0xfffc to context %d:\n%s' %
      (allow[0], CIP, c1['rss_context'], a))
for loc in tails:
    check('Action: Drop' in rules[loc], 'tail entry %d does not drop:\n%s' % (loc, rules[loc]))
check(any('Raw IPv6' in rules[loc] and 'fd00:77::11' in rules[loc] for loc in tails),
      'no IPv6 drop entry for c2')
ctx1, ctx2 = c1['rss_context'], hw['c2']['rss_context']
check(ctx1 != ctx2, 'two CPU sets share RSS context %d' % ctx1)
for ctx, qs in ((ctx1, {1, 3}), (ctx2, {0, 2})):
    _, indir = ethtool_x(t.nic, ctx)
    check(set(indir) == qs, 'context %d spreads over %s, want %s' % (ctx, set(indir), qs))

# The user's band stays above: automatic placement lands below CAP/2, an
# explicit location in the band is refused.
out = sh('ethtool -N %s flow-type udp4 dst-port 9 action 0' % t.nic)
m = re.search(r'ID (\d+)', out)
check(m and int(m.group(1)) < CAP // 2, 'ethtool -N without loc: %s' % out.strip())
sh('ethtool -N %s delete %s' % (t.nic, m.group(1)))
rc, out = sh_rc('ethtool -N %s flow-type udp4 dst-port 9 action 0 loc %d' % (t.nic, CAP - 1))
check(rc != 0 or 'Cannot' in out, 'ethtool -N loc %d in the band accepted' % (CAP - 1))
rc, out = sh_rc('ethtool -N %s delete %d' % (t.nic, tails[0]))
check(rc != 0 and tails[0] in ethtool_n(), 'ethtool -N delete removed a container entry')

# ---- traffic: allowed on c1's queues only, refused dropped by the NIC ------
section('traffic')
socks = udp_sinks(CTR, range(5999, 6005))


def received(port):
    return udp_drain(socks[port])


def send(dport, sports):
    for sport in sports:
        s = t.udp_sender(sport)
        s.sendto(b'x' * 32, (CIP, dport))
        s.close()


sports = spread_ports(41000, 4)
q0 = queue_counts(t.stats())
for dport in range(6000, 6004):
    send(dport, sports)
d = t.wait_packets(q0, 16)
check(set(q for q, v in d.items() if v) <= {1, 3},
      'allowed traffic of c1 (CPU 1) landed on queues %s' % d)
got = {p: 0 for p in range(6000, 6004)}


def all_in():
    for p in got:
        got[p] += received(p)
    return all(v == 4 for v in got.values())


poll(all_in, 20)
check(all(got[p] == 4 for p in range(6000, 6004)),
      'c1 received %s of 4 per port 6000-6003' % got)

drops0 = t.stats()['rx_filter_drops']
q0 = queue_counts(t.stats())
for dport in (5999, 6004):
    send(dport, sports[:3])
if not poll(lambda: t.stats()['rx_filter_drops'] - drops0 >= 6, 20):
    fail('waited 20 s for 6 NIC drops of ports 5999/6004, saw %d' %
         (t.stats()['rx_filter_drops'] - drops0))
time.sleep(0.2)
check(t.stats()['rx_filter_drops'] - drops0 == 6, 'NIC drops %d, want 6' %
      (t.stats()['rx_filter_drops'] - drops0))
check(sum(delta(queue_counts(t.stats()), q0).values()) == 0,
      'refused traffic reached a queue: %s' % delta(queue_counts(t.stats()), q0))
check(received(5999) + received(6004) == 0, 'refused traffic reached c1')

# ---- range expansion: random ranges against an independent count -----------
section('ranges')
n0 = len(ethtool_n())
cases = [(1, 65535), (6000, 6003)] + [
    (lo, lo + rnd.randrange(1 if i % 2 else 65536 - lo))
    for i, lo in enumerate(rnd.randrange(1, 65536) for _ in range(6))]
for lo, hi in cases:
    _, out = cli('-j hw rule add c1 allow proto tcp dport %d-%d' % (lo, hi))
    r = json.loads(out)['containers'][0]['rules'][-1]
    want = minimal_blocks(lo, hi)
    check(r['entries'] == want, 'dport %d-%d: %d entries, the minimal cover is %d' %
          (lo, hi, r['entries'], want))
    check(len(ethtool_n()) == n0 + want, 'dport %d-%d: ethtool -n has %d entries, want %d' %
          (lo, hi, len(ethtool_n()), n0 + want))
    cli('hw rule del c1 %d' % r['id'])
check(len(ethtool_n()) == n0, 'rule del left entries')
log('%d ranges: entry counts are the minimal covers' % len(cases))
rc, out = sh_rc('%s %d' % (EXPAND, SEED))
check(rc == 0, 'hwfilter_expand: %s' % out.strip())

# ---- all or nothing ---------------------------------------------------------
section('all or nothing')
# A driver refusal part-way: rxlane holds 32 mask shapes; 1-65535 from a
# prefix needs 16 new ones on top of the 16 + tails in use.
cli('hw rule add c1 allow proto tcp dport 1-65535')
state = (ethtool_n(), hw_list())
rc, out = cli('hw rule add c1 allow proto tcp dport 1-65535 from 10.0.0.0/8', ok=False)
check(rc == 1 and 'the NIC refused an entry' in out,
      'a rule the NIC refuses part-way: exit %d: %s' % (rc, out.strip()))
check((ethtool_n(), hw_list()) == state, 'a refused rule left entries behind')

# A full band: containers of 8 addresses until fewer than 8 slots are free,
# then one more address than is free; it needs a new RSS context too.
fills, free = hw_fill_band(t.nic, CAP, lambda name, ips: cli(
    'hw container add %s dev %s ip %s cpus 1' % (name, t.nic, ips)))
state = (ethtool_n(), hw_list())
ips = ','.join('10.98.0.%d' % i for i in range(1, free + 2))
rc, out = cli('hw container add full dev %s ip %s' % (t.nic, ips), ok=False)
check(rc == 1 and 'too few free entries' in out,
      'a container beyond the band: exit %d: %s' % (rc, out.strip()))
check((ethtool_n(), hw_list()) == state, 'a refused container left entries behind')
ctxs = {c['rss_context'] for c in hw_list().values()}
rc, _ = sh_rc('ethtool -x %s context %d' % (t.nic, max(ctxs) + 1))
check(rc != 0, 'a refused container left RSS context %d' % (max(ctxs) + 1))
for name in fills:
    cli('hw container del %s' % name)

# ---- namespaces ---------------------------------------------------------------
# (permissions: hwfilter_ns.py)
section('namespaces')
_, out = cli('-j hw list', ns=OTHER)
check(json.loads(out)['containers'] == [], 'another namespace sees %s' % out.strip())
rc, out = cli('hw container del c1', ok=False, ns=OTHER)
check(rc == 1 and 'no container of that name' in out,
      'another namespace deleted c1: exit %d: %s' % (rc, out.strip()))
check(set(hw_list()) == {'c1', 'c2'}, 'containers changed by another namespace')

# ---- malformed messages -------------------------------------------------------
section('fuzz')
NETLINK_GENERIC, GENL_ID_CTRL, NLMSG_ERROR, NLMSG_DONE = 16, 0x10, 2, 3
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
NLA_F_NESTED = 0x8000


def nla(typ, payload):
    b = struct.pack('=HH', 4 + len(payload), typ) + payload
    return b + b'\0' * (-len(b) % 4)


def nlmsg(typ, flags, seq, cmd, attrs, version=1, reserved=0):
    body = struct.pack('=BBH', cmd, version, reserved) + attrs
    return struct.pack('=IHHII', 16 + len(body), typ, flags, seq, 0) + body


def talk(sk, msg):
    """Send one message; the errno of its answer (0: ACK or DONE)."""
    sk.send(msg)
    while True:
        data = sk.recv(65536)
        off = 0
        while off + 16 <= len(data):
            ln, typ, _, _, _ = struct.unpack_from('=IHHII', data, off)
            if ln < 16:
                return None
            if typ == NLMSG_ERROR:
                return -struct.unpack_from('=i', data, off + 16)[0]
            if typ == NLMSG_DONE:
                return -struct.unpack_from('=i', data, off + 16)[0]
            off += (ln + 3) & ~3


sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
sk.settimeout(10)
sk.bind((0, 0))
sk.send(nlmsg(GENL_ID_CTRL, NLM_F_REQUEST, 1, 3, nla(2, b'rxlane\0')))
reply = sk.recv(65536)
fam = None
off = 20
while off + 4 <= len(reply):
    ln, typ = struct.unpack_from('=HH', reply, off)
    if typ == 1:
        fam = struct.unpack_from('=H', reply, off + 4)[0]
    off += (ln + 3) & ~3
check(fam, 'no family id for rxlane')
ifindex = int(open('/sys/class/net/%s/ifindex' % t.nic).read())


def rand_attrs(depth=0):
    out = b''
    for _ in range(rnd.randrange(0, 5)):
        typ = rnd.randrange(0, 20)
        if depth < 12 and rnd.random() < 0.3:
            out += nla(typ | NLA_F_NESTED * rnd.randrange(2), rand_attrs(depth + 1))
        else:
            out += nla(typ, os.urandom(rnd.choice((0, 1, 2, 4, 8, 16, 17, 40))))
    if rnd.random() < 0.1 and out:
        out = out[:rnd.randrange(len(out))]        # truncated
    return out


def template():
    """A valid CONT_NEW / RULE_NEW for container fz, one thing changed."""
    addrs = nla(RXL_ADDRS | NLA_F_NESTED, nla(1, socket.inet_aton('10.66.0.1')))
    rule = nla(8 | NLA_F_NESTED, nla(1, b'\x11') + nla(2, struct.pack('=H', 7)) +
               nla(3, struct.pack('=H', rnd.randrange(7, 70000) & 0xffff)))
    parts = [nla(2, b'fz\0'), nla(3, struct.pack('=I', ifindex)), addrs,
             nla(6, struct.pack('=Q', rnd.randrange(1 << 64))),
             nla(7, bytes([rnd.randrange(4)])), rule]
    i = rnd.randrange(len(parts))
    how = rnd.randrange(4)
    if how == 0:
        parts[i] = parts[i][:rnd.randrange(len(parts[i]))]
    elif how == 1:
        parts[i] = rand_attrs()
    elif how == 2:
        parts.insert(i, parts[i])
    else:
        parts[i] = nla(rnd.randrange(20), parts[i][4:])
    return b''.join(parts)


RXL_ADDRS = 5

# ---- CONT_NEW with its rules: allow entries first, all or nothing -----------
section('CONT_NEW with rules')
SOL_NETLINK, NETLINK_CAP_ACK, NETLINK_EXT_ACK = 270, 10, 11
RXL_CONT_NEW, RXL_RULE, RXL_RULES = 1, 8, 11
sk.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
sk.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)


def talk_ext(msg):
    """Send one request, skip its reply; (errno, the extack message or '')
    of its ACK."""
    sk.send(msg)
    while True:
        data = sk.recv(65536)
        off = 0
        while off + 16 <= len(data):
            ln, typ = struct.unpack_from('=IH', data, off)
            if typ == NLMSG_ERROR:
                err, why = -struct.unpack_from('=i', data, off + 16)[0], ''
                a = off + 36                # capped: error + request header
                while a + 4 <= off + ln:
                    alen, atyp = struct.unpack_from('=HH', data, a)
                    if atyp == 1:
                        why = data[a + 4:a + alen].rstrip(b'\0').decode()
                    a += (alen + 3) & ~3
                return err, why
            off += (ln + 3) & ~3


def rule_nest(proto, lo, hi, src=None, plen=None):
    body = nla(1, bytes([proto])) + nla(2, struct.pack('=H', lo)) + \
        nla(3, struct.pack('=H', hi))
    if src:
        v6 = ':' in src
        body += nla(5 if v6 else 4, socket.inet_pton(socket.AF_INET6 if v6 else
                                                      socket.AF_INET, src))
        body += nla(6, bytes([plen]))
    return nla(RXL_RULE | NLA_F_NESTED, body)


def cont_new(name, ips, rules, cpus=3):
    addrs = b''.join(nla(2, socket.inet_pton(socket.AF_INET6, ip)) if ':' in ip
                     else nla(1, socket.inet_aton(ip)) for ip in ips)
    attrs = (nla(2, name.encode() + b'\0') + nla(3, struct.pack('=I', ifindex)) +
             nla(RXL_ADDRS | NLA_F_NESTED, addrs) + nla(6, struct.pack('=Q', cpus)) +
             nla(RXL_RULES | NLA_F_NESTED, b''.join(rules)))
    return talk_ext(nlmsg(fam, NLM_F_REQUEST | NLM_F_ACK, 7, RXL_CONT_NEW, attrs))


before = (ethtool_n(), hw_list())
ctxs = {c['rss_context'] for c in hw_list().values()}
good = [rule_nest(17, 6000, 6003), rule_nest(6, 80, 80, '10.0.0.0', 8)]
err, why = cont_new('cr', ('10.66.1.1', 'fd00:66::1'), good)
check(err == 0, 'CONT_NEW with 2 rules: errno %d: %s' % (err, why))
cr = hw_list()['cr']
check([(r['id'], r['entries']) for r in cr['rules']] == [(1, 2), (2, 1)],
      'CONT_NEW with rules: rules %s, want ids 1, 2 with 2 and 1 entries' % cr['rules'])
allow = [e['loc'] for e in cr['entries'] if e['kind'] == 'allow']
tails = [e['loc'] for e in cr['entries'] if e['kind'] != 'allow']
check(len(allow) == 3 and len(tails) == 2 and max(allow) < min(tails),
      'CONT_NEW with rules: entries %s' % cr['entries'])
check(set(ethtool_n()) - set(before[0]) == set(allow + tails),
      'ethtool -n gained %s, the container holds %s' %
      (sorted(set(ethtool_n()) - set(before[0])), sorted(allow + tails)))
# Each address gets the allow entries of the rules its family can take:
# udp 6000-6003 for both, tcp 80 from 10.0.0.0/8 for the IPv4 one only.
text = ethtool_n()
dsts = sorted('v6' if 'Dest IP addr: fd00:66::1 ' in text[loc] else
              'v4' if 'Dest IP addr: 10.66.1.1 ' in text[loc] else text[loc]
              for loc in allow)
check(dsts == ['v4', 'v4', 'v6'],
      'CONT_NEW with rules: allow entries for %s, want v4, v4, v6' % dsts)
# The order of the inserts inside that one CONT_NEW: every allow entry
# went into the NIC before the first drop entry (no window in which the
# container's traffic meets its drops alone). The NIC numbers its inserts
# (debugfs ntuple, 'seq N').
seq = {int(m.group(1)): int(m.group(2)) for m in
       re.finditer(r'^loc (\d+) .* seq (\d+)$', t.read_debugfs('ntuple'), re.M)}
check(all(loc in seq for loc in allow + tails) and
      max(seq[loc] for loc in allow) < min(seq[loc] for loc in tails),
      'CONT_NEW inserted out of order: allow entries at %s, drop entries at %s' %
      ({loc: seq.get(loc) for loc in allow}, {loc: seq.get(loc) for loc in tails}))
_, out = cli('-j hw rule add cr allow proto udp dport 53')
check(json.loads(out)['containers'][0]['rules'][-1]['id'] == 3,
      'the rule after CONT_NEW\'s 2 did not get id 3: %s' % out)
cli('hw container del cr')
check((ethtool_n(), hw_list()) == before, 'hw container del cr left entries')

# A refused rule refuses the container: nothing of it is left.
many = rule_nest(6, 1, 65535)           # 16 entries per address
bad_cases = (
    ([rule_nest(17, 7000, 7000), rule_nest(17, 6003, 6000)], errno.EINVAL,
     'the last port is below the first'),
    ([rule_nest(17, 7000, 7000), rule_nest(6, 1, 1, 'fd00::', 16)], errno.EINVAL,
     'source family matches none'),
    ([rule_nest(17, 7000, 7000), nla(RXL_RULE, nla(1, b'\x11'))], errno.EINVAL,
     'NLA_F_NESTED is missing'),
    ([rule_nest(17, 7000, 7000), nla(9 | NLA_F_NESTED, b'')], errno.EINVAL,
     'RULES holds RULE nests only'),
    ([rule_nest(17, 7000, 7000)] * 65, errno.E2BIG, 'too many rules'),
    ([many] * 3, errno.E2BIG, 'too many NIC entries'),
)
for rules, want, msg in bad_cases:
    err, why = cont_new('cbad', ['10.66.2.%d' % i for i in range(1, 7)], rules)
    check(err == want and msg in why,
          'CONT_NEW with a bad rule (%s): errno %d: %s' % (msg, err, why))
    check((ethtool_n(), hw_list()) == before,
          'CONT_NEW refused (%s) left entries or a container' % msg)
    rc, _ = sh_rc('ethtool -x %s context %d' % (t.nic, max(ctxs) + 1))
    check(rc != 0, 'CONT_NEW refused (%s) left RSS context %d' % (msg, max(ctxs) + 1))
log('CONT_NEW: rules go in with the container, allow entries below its drops; '
    '%d bad rule sets left nothing' % len(bad_cases))

sent, answers = 0, {}
dmesg0 = sh('dmesg | wc -l')
t_fuzz = time.monotonic()
for i in range(FUZZ):
    cmd = rnd.randrange(0, 8)
    flags = NLM_F_REQUEST | rnd.choice((NLM_F_ACK, NLM_F_ACK, NLM_F_DUMP,
                                        NLM_F_ACK | rnd.choice((0x100, 0x200, 0x400, 0x800, 8))))
    attrs = template() if i % 2 else rand_attrs()
    msg = nlmsg(fam, flags, i + 2, cmd, attrs, version=rnd.randrange(3),
                reserved=rnd.choice((0, 0, 0, rnd.randrange(1, 65536))))
    err = talk(sk, msg)
    check(err is not None, 'message %d got a malformed answer' % i)
    answers[err] = answers.get(err, 0) + 1
    sent += 1
sk.close()
log('%d malformed messages in %.1f s, answers by errno: %s' %
    (sent, time.monotonic() - t_fuzz, sorted(answers.items())))
cli('hw container del fz', ok=False)
check(set(hw_list()) == {'c1', 'c2'}, 'the fuzz loop changed containers: %s' % sorted(hw_list()))
# The core's own rate-limited notes on malformed attributes ("netlink:
# ... invalid length", "... bytes leftover", and the rate limit's own
# "callbacks suppressed" once there are many) are expected; anything else
# is not.
new = [line for line in sh('dmesg | tail -n +%d' % (int(dmesg0) + 1)).splitlines()
       if not re.search(r"\] netlink: ('python3': attribute type \d+ has an invalid length|"
                        r"\d+ bytes leftover after parsing attributes in process)|"
                        r"\] (validate_nla|__nla_validate_parse): \d+ callbacks suppressed",
                        line)]
check(not new, 'the fuzz loop left in the kernel log:\n%s' % '\n'.join(new))

# ---- lifetime: the container's namespace, the lower, the module -------------
section('lifetime')
cli('hw container add c3 dev %s ip 10.77.0.12 netns %s' % (t.nic, CTR2))
locs3 = [e['loc'] for e in hw_list()['c3']['entries']]
sh('ip netns del %s' % CTR2)
if not poll(lambda: 'c3' not in hw_list(), 30, 0.2):
    fail('waited 30 s for c3 to go with its namespace; hw list: %s' % sorted(hw_list()))
check(not set(locs3) & set(ethtool_n()), 'entries %s of c3 left in ethtool -n' % locs3)

sh('ip link del %s' % t.lower)          # the NIC goes with its lower
if not poll(lambda: not hw_list(), 30, 0.2):
    fail('waited 30 s for the containers to go with the NIC; hw list: %s' % sorted(hw_list()))

t2 = Topo(queues=2, tag=tag + 'b')
cli('hw container add c4 dev %s ip 10.77.0.13' % t2.nic)
if not poll(lambda: module_refcount() == 0, 30, 0.1):
    fail('rxlane refcount %s with a container' % module_refcount())
rc, out = sh_rc('rmmod rxlane')
check(rc == 0, 'rmmod with a container: %s' % out.strip())
rc, out = cli('hw list', ok=False)
check(rc == 1 and 'no generic netlink family' in out, 'after rmmod: %s' % out.strip())
sh('insmod %s' % KO)                     # as it was: the cleanups restore it
section('done')
