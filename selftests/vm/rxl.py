# SPDX-License-Identifier: GPL-2.0
"""Helpers for the rxlane VM tests: topology, traffic, counters, Toeplitz.

A test builds a Topo: a "wire" namespace holding one end of a veth pair,
the other end (the lower device) in the root namespace, and an rxlane
device over it. IPv6 is off and neighbours are static on both sides so
that no background traffic disturbs the counters. Everything a test
creates is removed at exit.
"""
import atexit
import ctypes
import fcntl
import json
import os
import re
import socket
import struct
import subprocess
import sys
import time

KSFT_PASS, KSFT_FAIL, KSFT_SKIP = 0, 1, 4
TOP = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    '..', '..'))
KO = os.path.join(TOP, 'rxlane.ko')
HERE = os.path.dirname(os.path.abspath(__file__))
DEBUGFS = '/sys/kernel/debug/rxlane'

_cleanups = []


def log(*a):
    print('#', *a, flush=True)


def fail(msg):
    print('FAIL:', msg, flush=True)
    sys.exit(KSFT_FAIL)


def skip(msg):
    print('SKIP:', msg, flush=True)
    sys.exit(KSFT_SKIP)


def skip_case(name, reason):
    """Report that sub-case name (one word) cannot run here and go on: a
    nested TAP skip that scripts/check.sh counts and holds against
    selftests/expected-skips."""
    print('ok 1 %s # SKIP %s' % (name, reason), flush=True)


def check(cond, msg):
    if not cond:
        fail(msg)


def sh(cmd, check=True):
    """Run a shell command; return its stdout (fail the test on error)."""
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if check and r.returncode:
        fail('%s: exit %d: %s' % (cmd, r.returncode, r.stderr.strip()))
    return r.stdout


def sh_rc(cmd):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def at_exit(fn):
    _cleanups.append(fn)


# What a cleanup found wrong (a module that cannot be removed): the test
# fails even when everything before passed.
_cleanup_failures = []


def _run_cleanups():
    while _cleanups:
        fn = _cleanups.pop()
        try:
            fn()
        except Exception as e:  # cleanup must go on
            print('# cleanup:', e)


def _exit_cleanups():
    """At exit: run the cleanups, then fail the test if one of them found
    a failure. An atexit handler cannot change the exit status that
    sys.exit() or the end of the script set, so it ends the process with
    os._exit(KSFT_FAIL) after flushing the output."""
    _run_cleanups()
    if _cleanup_failures:
        for msg in _cleanup_failures:
            print('FAIL:', msg, flush=True)
        sys.stderr.flush()
        os._exit(KSFT_FAIL)


atexit.register(_exit_cleanups)


def poll(fn, timeout=60.0, step=0.05):
    """Call fn until it returns a true value or the deadline passes. The
    default deadline is for waits on a condition that must come: generous,
    since a loaded TCG guest may run a NAPI or a timer seconds late."""
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() > end:
            return v
        time.sleep(step)


def need_root_and_module():
    if os.geteuid() != 0:
        skip('needs root')
    if not os.path.exists('/proc/modules'):
        skip('kernel without module support (run in the VM)')
    if not os.path.exists(KO):
        fail('%s not built' % KO)
    sh('modprobe veth')
    if not module_loaded():
        sh('insmod %s' % KO)
        at_exit(rmmod_at_exit)


def module_refcount():
    """The module's reference count, None when it is not loaded."""
    with open('/proc/modules') as f:
        for line in f:
            if line.startswith('rxlane '):
                return int(line.split()[2])
    return None


def module_loaded():
    return module_refcount() is not None


def rmmod_at_exit(timeout=30):
    """Remove the module the test loaded, after everything else is gone.
    A reference left behind (a device, an open file) is a leak: it fails
    the test. Deletions finish asynchronously (a namespace is dismantled
    by a worker), so the reference count may take a moment to drop."""
    if not module_loaded():
        return
    poll(lambda: module_refcount() == 0, timeout, 0.1)
    rc, out = sh_rc('rmmod rxlane')
    if rc:
        _cleanup_failures.append('rmmod rxlane: %s (reference count %s after '
                                 'waiting %d s for it to reach 0)' %
                                 (out.strip(), module_refcount(), timeout))


def set_param(name, value):
    path = '/sys/module/rxlane/parameters/' + name
    with open(path) as f:
        old = f.read().strip()
    with open(path, 'w') as f:
        f.write(str(value))
    at_exit(lambda: open(path, 'w').write(old))


# ---- namespaces ------------------------------------------------------------
_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


class netns:
    """with netns('name'): sockets made inside live in that namespace."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.orig = os.open('/proc/self/ns/net', os.O_RDONLY)
        fd = os.open('/run/netns/' + self.name, os.O_RDONLY)
        try:
            if _libc.setns(fd, CLONE_NEWNET):
                fail('setns %s: errno %d' % (self.name, ctypes.get_errno()))
        finally:
            os.close(fd)
        return self

    def __exit__(self, *a):
        _libc.setns(self.orig, CLONE_NEWNET)
        os.close(self.orig)


# ---- ethtool counters through the ioctl (no process start) ---------------
SIOCETHTOOL = 0x8946
ETHTOOL_GSTRINGS = 0x1b
ETHTOOL_GSTATS = 0x1d
ETHTOOL_GSSET_INFO = 0x37
ETH_SS_STATS = 1


def _ethtool_ioctl(ifname, buf):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        ifr = struct.pack('16sP', ifname.encode(), ctypes.addressof(buf))
        ifr += b'\0' * (40 - len(ifr))
        fcntl.ioctl(s.fileno(), SIOCETHTOOL, ifr)
    finally:
        s.close()


def ethtool_stats(ifname):
    """ethtool -S as a dict."""
    buf = ctypes.create_string_buffer(struct.pack('IIQI', ETHTOOL_GSSET_INFO,
                                                  0, 1 << ETH_SS_STATS, 0))
    _ethtool_ioctl(ifname, buf)
    n = struct.unpack_from('I', buf.raw, 16)[0]
    sbuf = ctypes.create_string_buffer(struct.pack('III', ETHTOOL_GSTRINGS,
                                                   ETH_SS_STATS, n) + b'\0' * 32 * n)
    _ethtool_ioctl(ifname, sbuf)
    names = [sbuf.raw[12 + 32 * i:12 + 32 * (i + 1)].split(b'\0')[0].decode()
             for i in range(n)]
    vbuf = ctypes.create_string_buffer(struct.pack('II', ETHTOOL_GSTATS, n) +
                                       b'\0' * 8 * n)
    _ethtool_ioctl(ifname, vbuf)
    vals = struct.unpack_from('%dQ' % n, vbuf.raw, 8)
    return dict(zip(names, vals))


# ntuple rules and the RSS table through the same ioctls ethtool -N/-X use,
# for tests that change them many times (each ethtool start costs up to a
# second under TCG). ntuple.py and rss.py drive the ethtool binary itself.
ETHTOOL_SRXCLSRLDEL = 0x31
ETHTOOL_SRXCLSRLINS = 0x32
ETHTOOL_GRXFHINDIR = 0x38
ETHTOOL_SRXFHINDIR = 0x39
UDP_V4_FLOW = 0x02
RX_CLS_FLOW_DISC = 0xffffffffffffffff
_RXNFC_FS = 16                  # struct ethtool_rxnfc: fs after cmd, flow_type, data
_RXNFC_SIZE = 192              # sizeof(struct ethtool_rxnfc)


def ntuple_udp4_add(ifname, dport, queue, loc):
    """ethtool -N IF flow-type udp4 dst-port DPORT action QUEUE loc LOC;
    queue -1 drops."""
    b = bytearray(_RXNFC_SIZE)
    struct.pack_into('I', b, 0, ETHTOOL_SRXCLSRLINS)
    fs = _RXNFC_FS
    struct.pack_into('I', b, fs, UDP_V4_FLOW)
    struct.pack_into('!H', b, fs + 4 + 10, dport)           # h_u.udp_ip4_spec.pdst
    struct.pack_into('!H', b, fs + 4 + 52 + 20 + 10, 0xffff)  # m_u: same field
    struct.pack_into('QI', b, fs + 152,
                     RX_CLS_FLOW_DISC if queue < 0 else queue, loc)
    _ethtool_ioctl(ifname, ctypes.create_string_buffer(bytes(b), len(b)))


def ntuple_del(ifname, loc):
    """ethtool -N IF delete LOC."""
    b = bytearray(_RXNFC_SIZE)
    struct.pack_into('I', b, 0, ETHTOOL_SRXCLSRLDEL)
    struct.pack_into('I', b, _RXNFC_FS + 160, loc)
    _ethtool_ioctl(ifname, ctypes.create_string_buffer(bytes(b), len(b)))


def rss_set_indir(ifname, weights):
    """ethtool -X IF weight W0 W1 ... (equal N is N weights of 1): the
    table spread over the queues in proportion to their weights, as
    ethtool fills it."""
    buf = ctypes.create_string_buffer(struct.pack('II', ETHTOOL_GRXFHINDIR, 0))
    _ethtool_ioctl(ifname, buf)
    size = struct.unpack_from('I', buf.raw, 4)[0]
    total, table, acc = sum(weights), [], 0
    for q, w in enumerate(weights):
        acc += w
        while len(table) < size * acc // total:
            table.append(q)
    buf = ctypes.create_string_buffer(struct.pack('II%dI' % size,
                                                  ETHTOOL_SRXFHINDIR, size, *table))
    _ethtool_ioctl(ifname, buf)
    return table


def queue_counts(stats, field='packets'):
    out = {}
    for k, v in stats.items():
        if k.startswith('rx') and k.endswith('_' + field) and k[2:-len(field) - 1].isdigit():
            out[int(k[2:-len(field) - 1])] = v
    return out


def spread_ports(start, n):
    """n source ports from start on that differ in many bits. Toeplitz
    is linear: consecutive ports differ in their low bits only, which
    reach the queue bits through a few key bits, and for about one random
    key in 64 all of them hash to one queue."""
    return [1024 + (start - 1024 + k * 1931) % 64000 for k in range(n)]


def delta(after, before):
    return {k: after[k] - before.get(k, 0) for k in after}


# ---- RSS -------------------------------------------------------------------
def toeplitz(key, data):
    """Toeplitz hash of data under key (Microsoft RSS), independent of C."""
    k = int.from_bytes(key, 'big')
    klen = len(key) * 8
    h = 0
    for i in range(len(data) * 8):
        if data[i // 8] & (0x80 >> (i % 8)):
            h ^= (k >> (klen - 32 - i)) & 0xffffffff
    return h


def rss_input_v4(src, dst, sport=None, dport=None):
    b = socket.inet_aton(src) + socket.inet_aton(dst)
    if sport is not None:
        b += struct.pack('!HH', sport, dport)
    return b


def rss_input_v6(src, dst, sport=None, dport=None):
    b = socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst)
    if sport is not None:
        b += struct.pack('!HH', sport, dport)
    return b


def ethtool_n(ifname):
    """{location: text of the entry} as ethtool -n shows them."""
    out = sh('ethtool -n %s' % ifname)
    return {int(m.group(1)): m.group(2)
            for m in re.finditer(r'^Filter: (\d+)\n(.*?)(?=^Filter:|\Z)', out,
                                 re.M | re.S)}


def udp_sinks(ns, ports):
    """{port: a non-blocking UDP socket bound to it in namespace ns},
    closed at exit; udp_drain() counts what arrived."""
    socks = {}
    with netns(ns):
        for port in ports:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(('0.0.0.0', port))
            s.setblocking(False)
            socks[port] = s
            at_exit(s.close)
    return socks


def udp_drain(sock):
    """Datagrams waiting on sock, read and counted."""
    n = 0
    while True:
        try:
            sock.recv(2048)
            n += 1
        except BlockingIOError:
            return n


def ethtool_x(ifname, ctx=None):
    """(key bytes, indirection list) as ethtool -x shows them."""
    out = sh('ethtool -x %s%s' % (ifname, ' context %d' % ctx if ctx else ''))
    indir, key, lines = [], None, out.splitlines()
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith('RSS hash key'):
            key = bytes(int(x, 16) for x in lines[i + 1].strip().split(':'))
            break
        if ':' in s and s.split(':')[0].strip().isdigit():
            indir += [int(x) for x in s.split(':', 1)[1].split()]
    return key, indir


# ---- CPU hotplug ------------------------------------------------------------
CPU1_ONLINE = '/sys/devices/system/cpu/cpu1/online'


def cpu1_online():
    with open(CPU1_ONLINE) as f:
        return f.read().strip() == '1'


def set_cpu1_online(v):
    with open(CPU1_ONLINE, 'w') as f:
        f.write(str(v))


def need_cpu1_hotplug():
    """Skip unless CPU 1 can go offline; bring it back at exit."""
    if os.cpu_count() < 2 or not os.path.exists(CPU1_ONLINE):
        skip('needs a CPU 1 that can go offline (scripts/vm-run --smp 2)')
    at_exit(lambda: cpu1_online() or set_cpu1_online(1))


# ---- XDP programs of xdp_probe.bpf.o -----------------------------------------
XDP_PROBE = os.path.join(HERE, 'xdp_probe.bpf.o')
PROBE_MAX_CPUS = 16     # as in xdp_probe.bpf.c: hits[queue * MAX_CPUS + cpu]


def xdp_attach(dev, sec, ns=None, obj=XDP_PROBE):
    """Attach program sec of obj to dev in native mode (detached at exit);
    return {map name: map id} of the program."""
    pre = 'ip -n %s ' % ns if ns else 'ip '
    sh(pre + 'link set dev %s xdpdrv obj %s program %s' % (dev, obj, sec))
    at_exit(lambda: sh(pre + 'link set dev %s xdpdrv off' % dev, check=False))
    info = json.loads(sh(pre + '-j -d link show dev %s' % dev))[0]
    xdp = info.get('xdp', {})
    check(xdp.get('mode') == 1, '%s: not attached in native mode: %s' % (dev, xdp))
    prog = json.loads(sh('bpftool -j prog show id %d' % xdp['prog']['id']))
    maps = {}
    for mid in prog.get('map_ids', []):
        maps[json.loads(sh('bpftool -j map show id %d' % mid))['name']] = mid
    return maps


def read_hits(mid):
    """{(queue, cpu): frames} from xdp_probe's hits map."""
    out = {}
    for e in json.loads(sh('bpftool -j map dump id %d' % mid)):
        if 'formatted' in e:
            k, v = e['formatted']['key'], e['formatted']['value']
        else:
            k = int.from_bytes(bytes(int(x, 16) for x in e['key']), 'little')
            v = int.from_bytes(bytes(int(x, 16) for x in e['value']), 'little')
        if v:
            out[(k // PROBE_MAX_CPUS, k % PROBE_MAX_CPUS)] = v
    return out


def devmap_set(mid, ifindex):
    """Slot 0 of a devmap (xdp_probe's tx_port) -> ifindex."""
    v = ' '.join(str(b) for b in struct.pack('<I', ifindex))
    sh('bpftool map update id %d key 0 0 0 0 value %s' % (mid, v))


# ---- topology --------------------------------------------------------------
def udp_burst(ns, src, dst, count, payload=b'x' * 64):
    """Send count datagrams from src (addr, port) to dst (addr, port),
    from a socket made in namespace ns (None: this one). payload is
    bytes, or a function of the datagram's index returning bytes."""
    fam = socket.AF_INET6 if ':' in src[0] else socket.AF_INET
    if ns:
        with netns(ns):
            s = socket.socket(fam, socket.SOCK_DGRAM)
    else:
        s = socket.socket(fam, socket.SOCK_DGRAM)
    try:
        s.bind(src)
        for i in range(count):
            s.sendto(payload(i) if callable(payload) else payload, dst)
    finally:
        s.close()


class Topo:
    """wire namespace <-veth-> lower (root ns) <- rxlane device."""

    def __init__(self, queues=None, tag=None, nic_ip='10.77.0.1',
                 wire_ip='10.77.0.2', up=True):
        tag = tag or str(os.getpid() % 100000)
        self.ns = 'rxlw' + tag
        self.lower = 'rxlo' + tag
        self.nic = 'rxn' + tag
        self.peer = 'rxpeer'
        self.nic_ip, self.wire_ip = nic_ip, wire_ip
        sh('ip netns add %s' % self.ns)
        at_exit(lambda: sh('ip netns del %s' % self.ns, check=False))
        sh('ip link add %s type veth peer name %s netns %s' %
           (self.lower, self.peer, self.ns))
        at_exit(lambda: sh('ip link del %s 2>/dev/null' % self.lower, check=False))
        q = ' numrxqueues %d numtxqueues %d' % (queues, queues) if queues else ''
        sh('ip link add %s link %s%s type rxlane' % (self.nic, self.lower, q))
        at_exit(lambda: sh('ip link del %s 2>/dev/null' % self.nic, check=False))
        for dev, ns in ((self.lower, None), (self.nic, None), (self.peer, self.ns)):
            pre = 'ip netns exec %s ' % ns if ns else ''
            sh(pre + 'sysctl -qw net.ipv6.conf.%s.disable_ipv6=1' % dev)
        if up:
            self.up()

    def up(self):
        sh('ip link set %s up && ip link set %s up' % (self.lower, self.nic))
        sh('ip addr add %s/24 dev %s' % (self.nic_ip, self.nic))
        sh('ip -n %s link set lo up && ip -n %s link set %s up' %
           (self.ns, self.ns, self.peer))
        sh('ip -n %s addr add %s/24 dev %s' % (self.ns, self.wire_ip, self.peer))
        nic_mac = self.mac(self.nic)
        peer_mac = self.mac(self.peer, self.ns)
        sh('ip neigh replace %s lladdr %s dev %s nud permanent' %
           (self.wire_ip, peer_mac, self.nic))
        sh('ip -n %s neigh replace %s lladdr %s dev %s nud permanent' %
           (self.ns, self.nic_ip, nic_mac, self.peer))

    def enable_ipv6(self, nic_ip6='fd00:77::1', wire_ip6='fd00:77::2'):
        """IPv6 on the NIC and the wire end, without background traffic:
        no link-local address, no DAD, static neighbours, and the wire end
        drops what it would send to multicast (MLD reports, solicitations)
        so that only the test's frames reach the NIC."""
        self.nic_ip6, self.wire_ip6 = nic_ip6, wire_ip6
        sh('ip netns exec %s tc qdisc add dev %s clsact' % (self.ns, self.peer))
        sh('ip netns exec %s tc filter add dev %s egress protocol ipv6 u32 '
           'match ip6 dst ff00::/8 action drop' % (self.ns, self.peer))
        for dev, ns in ((self.nic, None), (self.peer, self.ns)):
            pre = 'ip netns exec %s ' % ns if ns else ''
            for k, v in (('addr_gen_mode', 1), ('accept_dad', 0), ('accept_ra', 0),
                         ('router_solicitations', 0), ('disable_ipv6', 0)):
                sh(pre + 'sysctl -qw net.ipv6.conf.%s.%s=%d' % (dev, k, v))
        sh('ip addr add %s/64 dev %s nodad' % (nic_ip6, self.nic))
        sh('ip -n %s addr add %s/64 dev %s nodad' % (self.ns, wire_ip6, self.peer))
        sh('ip neigh replace %s lladdr %s dev %s nud permanent' %
           (wire_ip6, self.mac(self.peer, self.ns), self.nic))
        sh('ip -n %s neigh replace %s lladdr %s dev %s nud permanent' %
           (self.ns, nic_ip6, self.mac(self.nic), self.peer))

    def send_udp6(self, sport, dport, count, size=64):
        udp_burst(self.ns, (self.wire_ip6, sport), (self.nic_ip6, dport), count,
                  b'x' * size)

    def macvlan_ns(self, mv, ns, ip):
        """A container behind the NIC: macvlan mv (bridge mode) on the NIC,
        moved into namespace ns (made by the caller), ip/24 on it, IPv6 off;
        the wire end reaches ip at mv's MAC. Returns that MAC."""
        sh('modprobe macvlan')
        sh('ip link add %s link %s type macvlan mode bridge' % (mv, self.nic))
        sh('ip link set %s netns %s' % (mv, ns))
        sh('ip netns exec %s sysctl -qw net.ipv6.conf.all.disable_ipv6=1' % ns)
        sh('ip -n %s link set lo up && ip -n %s link set %s up' % (ns, ns, mv))
        sh('ip -n %s addr add %s/24 dev %s' % (ns, ip, mv))
        mac = self.mac(mv, ns)
        sh('ip -n %s neigh replace %s lladdr %s dev %s nud permanent' %
           (self.ns, ip, mac, self.peer))
        return mac

    @staticmethod
    def mac(dev, ns=None):
        pre = 'ip -n %s ' % ns if ns else 'ip '
        out = json.loads(sh(pre + '-j link show %s' % dev))
        return out[0]['address']

    def stats(self):
        return ethtool_stats(self.nic)

    def debugfs(self, name):
        return os.path.join(DEBUGFS, self.nic, name)

    def read_debugfs(self, name):
        with open(self.debugfs(name)) as f:
            return f.read()

    def write_debugfs(self, name, value):
        with open(self.debugfs(name), 'w') as f:
            f.write(value)

    def set_queue_cpu(self, queue, cpu):
        self.write_debugfs('queue_cpu', '%d %d' % (queue, cpu))

    def udp_sender(self, sport, ns=None):
        """A UDP socket in the wire namespace bound to sport."""
        with netns(ns or self.ns):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((self.wire_ip, sport))
        at_exit(s.close)
        return s

    def send_udp(self, sport, dport, count, size=64):
        udp_burst(self.ns, (self.wire_ip, sport), (self.nic_ip, dport), count,
                  b'x' * size)

    def wait_packets(self, before, n, field='packets', timeout=60):
        """Wait until the per-queue counters grew by n in total (a loaded
        TCG guest may run a queue's NAPI seconds after the frame came)."""
        def grown():
            d = delta(queue_counts(self.stats(), field), before)
            return d if sum(d.values()) >= n else None
        d = poll(grown, timeout)
        if d is None:
            d = delta(queue_counts(self.stats(), field), before)
            fail('expected %d more %s, got %s' % (n, field, d))
        return d


# ---- BPF maps and tc programs without a process per read ------------------
_NR_BPF = 321           # x86_64
_BPF_MAP_LOOKUP_ELEM, _BPF_PROG_GET_FD_BY_ID = 1, 13
_BPF_MAP_GET_FD_BY_ID, _BPF_OBJ_GET_INFO_BY_FD = 14, 15


def _bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    r = _libc.syscall(_NR_BPF, cmd, buf, 128)
    if r < 0:
        fail('bpf(%d): errno %d' % (cmd, ctypes.get_errno()))
    return r, buf


def _bpf_info(fd, size):
    info = ctypes.create_string_buffer(size)
    _bpf(_BPF_OBJ_GET_INFO_BY_FD, struct.pack('IIQ', fd, size, ctypes.addressof(info)))
    return info


def prog_maps(prog_id):
    """{map name: map id} of a loaded program, read with bpf(2)."""
    pfd, _ = _bpf(_BPF_PROG_GET_FD_BY_ID, struct.pack('I', prog_id))
    try:
        nr = struct.unpack_from('I', _bpf_info(pfd, 232).raw, 52)[0]
        ids = (ctypes.c_uint32 * max(nr, 1))()
        info = ctypes.create_string_buffer(232)
        struct.pack_into('I', info, 52, nr)
        struct.pack_into('Q', info, 56, ctypes.addressof(ids))
        _bpf(_BPF_OBJ_GET_INFO_BY_FD, struct.pack('IIQ', pfd, 232, ctypes.addressof(info)))
    finally:
        os.close(pfd)
    out = {}
    for mid in ids[:nr]:
        mfd, _ = _bpf(_BPF_MAP_GET_FD_BY_ID, struct.pack('I', mid))
        try:
            name = _bpf_info(mfd, 88).raw[24:40].split(b'\0')[0].decode()
        finally:
            os.close(mfd)
        out[name] = mid
    return out


class U64Array:
    """An ARRAY map of __u64 (xdp_probe's counters), read with bpf(2): a
    poll loop costs no bpftool process per read."""

    def __init__(self, map_id):
        self.fd, _ = _bpf(_BPF_MAP_GET_FD_BY_ID, struct.pack('I', map_id))
        at_exit(lambda: os.close(self.fd))

    def get(self, key):
        k, v = ctypes.c_uint32(key), ctypes.c_uint64(0)
        _bpf(_BPF_MAP_LOOKUP_ELEM, struct.pack('IIQQ', self.fd, 0, ctypes.addressof(k),
                                               ctypes.addressof(v)))
        return v.value


def tc_attach(dev, sec, ns=None, direction='ingress', obj=XDP_PROBE):
    """Program sec of obj on dev's tc direction, on a clsact qdisc removed
    at exit; return {map name: map id} of the program."""
    import re
    pre = 'ip netns exec %s ' % ns if ns else ''
    sh("printf 'qdisc add dev %s clsact\\nfilter add dev %s %s bpf da obj %s sec %s\\n' "
       "| %stc -b -" % (dev, dev, direction, obj, sec, pre))
    at_exit(lambda: sh(pre + 'tc qdisc del dev %s clsact' % dev, check=False))
    out = sh(pre + 'tc filter show dev %s %s' % (dev, direction))
    ids = [int(i) for i in re.findall(r'\bid (\d+)', out)]
    check(ids, '%s: no program on tc %s after attaching %s: %r' % (dev, direction, sec, out))
    return prog_maps(ids[-1])


class DropTrace:
    """The skb:kfree_skb tracepoint in a tracing instance of the test's own
    (removed at exit): reasons() counts the drops since the last clear()
    by reason. None when the kernel has no tracefs (the caller reports a
    skipped sub-case). 6.1 prints the location hashed (%p), and turning
    the instance's hash-ptr option off empties its reason field, so the
    trace tells drops apart by reason only; where the kernel has hist
    triggers, locations() names the function that dropped them (a hist
    key's .sym modifier resolves the raw pointer)."""
    TRACING = '/sys/kernel/tracing'
    HIST = 'hist:keys=location.sym,reason'

    def __new__(cls):
        if not os.path.isdir(os.path.join(cls.TRACING, 'instances')):
            return None
        return super().__new__(cls)

    def __init__(self):
        self.dir = os.path.join(self.TRACING, 'instances', 'rxl-drops-%d' % os.getpid())
        os.mkdir(self.dir)
        at_exit(lambda: os.rmdir(self.dir))
        self._enable('1')
        at_exit(lambda: self._enable('0'))
        self.hist = os.path.exists(self._event('hist'))
        if self.hist:
            self._trigger(self.HIST)
            at_exit(lambda: self._trigger('!' + self.HIST))

    def _event(self, name):
        return os.path.join(self.dir, 'events/skb/kfree_skb', name)

    def _enable(self, v):
        with open(self._event('enable'), 'w') as f:
            f.write(v)

    def _trigger(self, cmd):
        with open(self._event('trigger'), 'a') as f:
            f.write(cmd)

    def clear(self):
        open(os.path.join(self.dir, 'trace'), 'w').close()
        if self.hist:
            self._trigger(self.HIST + ':clear')

    def locations(self, reason):
        """Drops of reason (a name, e.g. 'OTHERHOST') since the last
        clear(), counted by the symbol of their location, e.g.
        {'rxlane_rx_handler+0x1a4/0x5e0 [rxlane]': 10}. Needs self.hist."""
        import collections
        import re
        with open(self._event('format')) as f:
            names = dict((n, int(v)) for v, n in
                         re.findall(r'\{ (\d+), "(\w+)" \}', f.read()))
        want = names[reason]
        got = collections.Counter()
        with open(self._event('hist')) as f:
            for m in re.finditer(r'location:\s*\[[0-9a-f]+\]\s*(.*?),?\s*reason:\s*(\d+)'
                                 r'\s*\}\s*hitcount:\s*(\d+)', f.read()):
                if int(m.group(2)) == want:
                    got[m.group(1).strip()] += int(m.group(3))
        return got

    def reasons(self):
        import collections
        import re
        with open(os.path.join(self.dir, 'trace')) as f:
            return collections.Counter(re.findall(r'reason: (\w+)', f.read()))


ETHTOOL_GRINGPARAM, ETHTOOL_SRINGPARAM = 0x10, 0x11


def set_rx_ring(ifname, n):
    """ethtool -G IFNAME rx N through the ioctl (no process start)."""
    buf = ctypes.create_string_buffer(struct.pack('9I', ETHTOOL_GRINGPARAM, *[0] * 8))
    _ethtool_ioctl(ifname, buf)
    ring = list(struct.unpack('9I', buf.raw[:36]))
    ring[0], ring[5] = ETHTOOL_SRINGPARAM, n
    _ethtool_ioctl(ifname, ctypes.create_string_buffer(struct.pack('9I', *ring)))


def link_stats(ifname):
    """The counters of ip -s -s link (dev_get_stats(), which both read) from
    sysfs: {'rx_packets': n, 'rx_dropped': n, ...}."""
    d = '/sys/class/net/%s/statistics' % ifname
    out = {}
    for name in os.listdir(d):
        with open(os.path.join(d, name)) as f:
            out[name] = int(f.read())
    return out


# ---- the rxlane generic netlink family, raw (benchmarks, crafted requests) --
class Genl:
    """A generic netlink socket resolved to the rxlane family: request()
    sends one message built from (type, payload) attributes and returns
    the errno of its ACK (0: done). Payloads that are lists are nests."""
    NLM_F_REQUEST, NLM_F_ACK, NLA_F_NESTED = 1, 4, 0x8000

    def __init__(self):
        self.sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
        self.sk.settimeout(30)
        self.sk.bind((0, 0))
        self.sk.setsockopt(270, 10, 1)          # NETLINK_CAP_ACK
        self.seq = 0
        self.fam = 0x10                         # GENL_ID_CTRL, for the lookup
        reply = self._send(3, [(2, b'rxlane\0')], ack=False)
        off = 20
        while off + 4 <= len(reply):
            ln, typ = struct.unpack_from('=HH', reply, off)
            if typ == 1:
                self.fam = struct.unpack_from('=H', reply, off + 4)[0]
            off += (ln + 3) & ~3
        check(self.fam != 0x10, 'no family id for rxlane')

    @classmethod
    def attrs(cls, items):
        out = b''
        for typ, payload in items:
            if isinstance(payload, list):
                typ, payload = typ | cls.NLA_F_NESTED, cls.attrs(payload)
            b = struct.pack('=HH', 4 + len(payload), typ) + payload
            out += b + b'\0' * (-len(b) % 4)
        return out

    def _send(self, cmd, items, ack=True):
        """items: (type, payload) attributes, or bytes attrs() made."""
        self.seq += 1
        body = struct.pack('=BBH', cmd, 1, 0) + (
            items if isinstance(items, bytes) else self.attrs(items))
        flags = self.NLM_F_REQUEST | (self.NLM_F_ACK if ack else 0)
        self.sk.send(struct.pack('=IHHII', 16 + len(body), self.fam, flags,
                                 self.seq, 0) + body)
        return self.sk.recv(65536)

    def request(self, cmd, items):
        """The errno of the request's ACK (0 when it succeeded)."""
        data = self._send(cmd, items)
        while True:
            off = 0
            while off + 16 <= len(data):
                ln, typ, _, seq = struct.unpack_from('=IHHI', data, off)
                if typ == 2 and seq == self.seq:        # NLMSG_ERROR
                    return -struct.unpack_from('=i', data, off + 16)[0]
                off += (ln + 3) & ~3
            data = self.sk.recv(65536)

    def close(self):
        self.sk.close()


def hw_fill_band(nic, cap, add):
    """Fill the container band of nic (locations cap/2 .. cap-1) with
    containers fill0, fill1, ... of 8 IPv4 addresses (10.99.N.1-8), each
    made by add(name, 'ADDR,ADDR,...'), until fewer than 8 entries are
    free. Returns (their names, the entries left free)."""
    free = cap // 2 - len([1 for loc in ethtool_n(nic) if loc >= cap // 2])
    names = []
    while free >= 8:
        n = len(names)
        names.append('fill%d' % n)
        add(names[-1], ','.join('10.99.%d.%d' % (n, i) for i in range(1, 9)))
        free -= 8
    return names, free


def rxlane(args, ok=True, ns=None):
    """'rxlane ARGS' (inside network namespace ns): (exit status, output
    with stderr). With ok, a failure fails the test."""
    pre = 'ip netns exec %s ' % ns if ns else ''
    rc, out = sh_rc('%s%s %s' % (pre, os.path.join(TOP, 'user', 'rxlane'), args))
    if ok:
        check(rc == 0, 'rxlane %s: exit %d: %s' % (args, rc, out.strip()))
    return rc, out


def hw_containers():
    """The kernel's containers of this namespace, by name, as
    'rxlane -j hw list' shows them."""
    _, out = rxlane('-j hw list')
    return {c['name']: c for c in json.loads(out)['containers']}
