# SPDX-License-Identifier: GPL-2.0
"""Native XDP benchmark (VM, one boot), run through bench_nic.py:

    bench_nic.py xdp SECONDS KO...   rounds over the module builds KO...
    bench_nic.py xdp-one SECONDS     one measurement, the module loaded

Frames per second delivered to IP, all on CPU 0 (sender, softirq, NAPI),
through a bare veth with the XDP program xdp_count (xdp_probe.bpf.o) and
through an rxlane NIC over a veth (one queue, on CPU 0) with the same
program, interleaved case by case. Two senders in the wire namespace:

afpacket  bench/e2e_send (AF_PACKET, sendmmsg, qdisc bypass): private,
          linear skbs whose headroom follows the device's needed_headroom
pktgen    pktgen keeps a reference to each skb it sent until it builds the
          next one, so its frames are shared when received: copied by veth
          and by rxlane alike

"xdp" loads each build in turn (insmod/rmmod), ROUNDS times, runs
"xdp-one" for each and prints the table with the CPU model and the
vulnerability mitigations beside it. perf stat cycles per frame are
reported when the guest counts cycles (TCG has no PMU: it prints why not).
"""
import json
import os
import socket
import statistics
import struct
import subprocess
import sys
import time

from rxl import *  # noqa: F403

OBJ = os.path.join(HERE, 'xdp_probe.bpf.o')  # noqa: F405
SEND = os.path.join(TOP, 'build', 'bench', 'e2e_send')  # noqa: F405
ROUNDS = int(os.environ.get('ROUNDS', 3))
REPS = int(os.environ.get('REPS', 3))
PKTGEN_COUNT = int(os.environ.get('PKTGEN_COUNT', 200000))
VULNS = ('spec_rstack_overflow', 'retbleed', 'spectre_v2')


def ip_in_receives():
    with open('/proc/net/snmp') as f:
        lines = [line.split() for line in f if line.startswith('Ip:')]
    return int(lines[1][lines[0].index('InReceives')])


def wait_drained():
    last = -1
    while ip_in_receives() != last:
        last = ip_in_receives()
        time.sleep(0.05)


def udp_frame(dst_mac, src_mac, src_ip, dst_ip):
    """A 60-byte Ethernet/IPv4/UDP frame to port 7700 (xdp_count counts it)."""
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 46, 0, 0x4000, 64, 17, 0,
                     socket.inet_aton(src_ip), socket.inet_aton(dst_ip))
    c = sum(struct.unpack('!10H', ip))
    while c >> 16:
        c = (c & 0xffff) + (c >> 16)
    ip = ip[:10] + struct.pack('!H', ~c & 0xffff) + ip[12:]
    udp = struct.pack('!HHHH', 1000, 7700, 26, 0) + b'b' * 18
    mac = lambda m: bytes.fromhex(m.replace(':', ''))  # noqa: E731
    return mac(dst_mac) + mac(src_mac) + b'\x08\x00' + ip + udp


class Perf:
    """perf stat -e cycles on CPU 0 around a run, when the guest counts."""
    reason = None

    @classmethod
    def probe(cls):
        r = subprocess.run('perf stat -x, -e cycles -C 0 -- sleep 0.2', shell=True,
                           capture_output=True, text=True)
        line = (r.stderr.strip().splitlines() or [''])[-1]
        if r.returncode or not line.split(',')[0].isdigit():
            cls.reason = 'perf stat -e cycles: %s' % (line or 'exit %d' % r.returncode)
        return cls.reason is None

    def __init__(self):
        self.p = None
        if self.reason is None:
            self.p = subprocess.Popen('exec perf stat -x, -e cycles -C 0', shell=True,
                                      stderr=subprocess.PIPE, text=True)

    def stop(self):
        if not self.p:
            return None
        self.p.send_signal(2)
        err = self.p.communicate()[1].strip().splitlines()
        try:
            return int(err[-1].split(',')[0])
        except (IndexError, ValueError):
            return None


def run_afpacket(ns, dev, frame, secs):
    before = ip_in_receives()
    perf = Perf()
    sent = int(sh('ip netns exec %s taskset -c 0 %s %s %s %s' %  # noqa: F405
                  (ns, SEND, dev, secs, frame.hex())).split()[-1])
    cycles = perf.stop()
    wait_drained()
    got = ip_in_receives() - before
    return {'pps': got / float(secs), 'sent': sent, 'delivered': got,
            'cycles_per_frame': cycles / got if cycles and got else None}


def pg(ns, path, cmd):
    sh("ip netns exec %s sh -c 'echo \"%s\" > /proc/net/pktgen/%s'" % (ns, cmd, path))  # noqa: F405


def run_pktgen(ns, dev, dst_ip, dst_mac):
    pg(ns, 'kpktgend_0', 'rem_device_all')
    pg(ns, 'kpktgend_0', 'add_device %s' % dev)
    for c in ('count %d' % PKTGEN_COUNT, 'clone_skb 0', 'pkt_size 64', 'delay 0',
              'dst %s' % dst_ip, 'dst_mac %s' % dst_mac, 'udp_dst_min 7700',
              'udp_dst_max 7700', 'udp_src_min 1000', 'udp_src_max 1000'):
        pg(ns, dev, c)
    before = ip_in_receives()
    perf = Perf()
    t0 = time.monotonic()
    pg(ns, 'pgctrl', 'start')
    wait_drained()
    dt = time.monotonic() - t0
    cycles = perf.stop()
    got = ip_in_receives() - before
    pg(ns, 'kpktgend_0', 'rem_device_all')
    return {'pps': got / dt, 'sent': PKTGEN_COUNT, 'delivered': got,
            'cycles_per_frame': cycles / got if cycles and got else None}


def xdp_on(dev, ns=None):
    pre = 'ip -n %s ' % ns if ns else 'ip '
    sh(pre + 'link set dev %s xdpdrv obj %s program xdp_count' % (dev, OBJ))  # noqa: F405
    at_exit(lambda: sh(pre + 'link set dev %s xdpdrv off' % dev, check=False))  # noqa: F405


def one(secs):
    """Measure every case REPS times, interleaved; print JSON medians."""
    need_root_and_module()  # noqa: F405
    sh('modprobe pktgen')  # noqa: F405
    Perf.probe()
    ns = 'rxlx%d' % os.getpid()
    sh('ip netns add %s' % ns)  # noqa: F405
    at_exit(lambda: sh('ip netns del %s' % ns, check=False))  # noqa: F405
    sh('ip link add rxlx0 type veth peer name rxlx1 netns %s' % ns)  # noqa: F405
    at_exit(lambda: sh('ip link del rxlx0 2>/dev/null', check=False))  # noqa: F405
    sh('sysctl -qw net.ipv6.conf.rxlx0.disable_ipv6=1')  # noqa: F405
    sh('ip netns exec %s sysctl -qw net.ipv6.conf.rxlx1.disable_ipv6=1' % ns)  # noqa: F405
    sh('ip addr add 10.66.0.1/24 dev rxlx0 && ip link set rxlx0 up')  # noqa: F405
    sh('ip -n %s link set rxlx1 up && ip -n %s addr add 10.66.0.2/24 dev rxlx1' % (ns, ns))  # noqa: F405
    xdp_on('rxlx0')
    t = Topo(queues=1, tag='x%d' % (os.getpid() % 1000))  # noqa: F405
    t.set_queue_cpu(0, 0)
    xdp_on(t.nic)
    veth_mac, nic_mac = Topo.mac('rxlx0'), Topo.mac(t.nic)  # noqa: F405
    cases = {
        'afpacket veth': lambda: run_afpacket(
            ns, 'rxlx1', udp_frame(veth_mac, Topo.mac('rxlx1', ns), '10.66.0.2',  # noqa: F405
                                   '10.66.0.1'), secs),
        'afpacket nic': lambda: run_afpacket(
            t.ns, t.peer, udp_frame(nic_mac, Topo.mac(t.peer, t.ns), t.wire_ip,  # noqa: F405
                                    t.nic_ip), secs),
        'pktgen veth': lambda: run_pktgen(ns, 'rxlx1', '10.66.0.1', veth_mac),
        'pktgen nic': lambda: run_pktgen(t.ns, t.peer, t.nic_ip, nic_mac),
    }
    st0 = t.stats()
    runs = {c: [] for c in cases}
    for _ in range(REPS):
        for c, fn in cases.items():
            runs[c].append(fn())
    st = t.stats()
    out = {'perf': Perf.reason, 'counters': 'rx0_xdp_inplace' in st}
    for c, v in runs.items():
        cyc = [x['cycles_per_frame'] for x in v if x['cycles_per_frame']]
        out[c] = {'pps': statistics.median(x['pps'] for x in v),
                  'runs': [round(x['pps']) for x in v],
                  'sent': [x['sent'] for x in v],
                  'cycles_per_frame': statistics.median(cyc) if cyc else None}
    out['nic_xdp_inplace'] = st.get('rx0_xdp_inplace', 0) - st0.get('rx0_xdp_inplace', 0)
    out['nic_xdp_copy'] = st.get('rx0_xdp_copy', 0) - st0.get('rx0_xdp_copy', 0)
    out['nic_xdp_pass'] = st['rx0_xdp_pass'] - st0['rx0_xdp_pass']
    print(json.dumps(out), flush=True)
    return 0


def cpu_info():
    model = '?'
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                model = line.split(':', 1)[1].strip()
                break
    vul = {}
    for v in VULNS:
        try:
            with open('/sys/devices/system/cpu/vulnerabilities/' + v) as f:
                vul[v] = f.read().strip()
        except OSError:
            vul[v] = '(absent)'
    return model, vul


def rmmod():
    poll(lambda: module_refcount() == 0, 60, 0.1)  # noqa: F405
    sh('rmmod rxlane')  # noqa: F405


def driver(secs, kos):
    if module_loaded():  # noqa: F405
        fail('rxlane is loaded: the benchmark loads each build itself')  # noqa: F405
    if not os.access(SEND, os.X_OK):
        fail('%s not built (scripts/bench-nic-xdp.sh builds it)' % SEND)  # noqa: F405
    model, vul = cpu_info()
    print('guest CPU: %s; nproc %d' % (model, os.cpu_count()))
    for k, v in vul.items():
        print('guest vulnerabilities/%s: %s' % (k, v))
    res = {ko: [] for ko in kos}
    for r in range(ROUNDS):
        for ko in kos:
            sh('insmod %s' % ko)  # noqa: F405
            try:
                out = sh('%s %s xdp-one %s' % (sys.executable,  # noqa: F405
                                               os.path.join(HERE, 'bench_nic.py'), secs))  # noqa: F405
            finally:
                rmmod()
            res[ko].append(json.loads(out.strip().splitlines()[-1]))
            log('round %d %s: %s' % (r, ko, res[ko][-1]))  # noqa: F405
    perf = res[kos[0]][0]['perf']
    print('perf: %s' % ('cycles counted' if perf is None else perf + ' (cycles/frame not available)'))
    print('%-34s %-9s %12s %12s %7s %16s %14s' % ('module', 'sender', 'veth pps', 'nic pps',
                                                  'ratio', 'per-round ratios', 'nic in/copy'))
    for ko in kos:
        for snd in ('afpacket', 'pktgen'):
            v = [x['%s veth' % snd]['pps'] for x in res[ko]]
            n = [x['%s nic' % snd]['pps'] for x in res[ko]]
            ratios = [b / a for a, b in zip(v, n)]
            inpl = sum(x['nic_xdp_inplace'] for x in res[ko])
            cp = sum(x['nic_xdp_copy'] for x in res[ko])
            print('%-34s %-9s %12.0f %12.0f %7.2f %16s %14s' % (
                os.path.relpath(ko, TOP), snd, statistics.median(v), statistics.median(n),  # noqa: F405
                statistics.median(ratios), ' '.join('%.2f' % x for x in ratios),
                '%d/%d' % (inpl, cp) if res[ko][0]['counters'] else 'n/a'))
            cyc = [(x['%s veth' % snd]['cycles_per_frame'], x['%s nic' % snd]['cycles_per_frame'])
                   for x in res[ko]]
            if perf is None:
                print('%-34s %-9s cycles/frame veth %s nic %s' % ('', snd, *cyc[0]))
    return 0


def main(argv):
    if argv[0] == 'xdp-one':
        return one(float(argv[1]))
    if len(argv) < 3:
        fail('usage: bench_nic.py xdp SECONDS KO...')  # noqa: F405
    return driver(float(argv[1]), [os.path.realpath(k) for k in argv[2:]])
