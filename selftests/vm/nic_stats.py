#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What `ip -s link` and drop monitors see of the NIC's drops, and the
ring size through ethtool -g/-G.

One queue, IPv6 off, static neighbours: every frame on the wire is one the
test sent, and each check is exact.

- an ntuple drop rule: rx_filter_drops and rx_dropped rise by the frames
  sent;
- an XDP_DROP program: rx0_xdp_drop, rx0_drops and rx_dropped rise by the
  frames sent;
- the NIC down: rx_dropped rises by the frames sent;
- ethtool -g shows the ring (max 65536, current 1024), -G refuses what is
  out of range (extack) and sets the ring of this device only (the
  ring_size parameter sizes NICs created afterwards); with the
  NIC's open held (debugfs open_delay_ms, NAPI not polling yet) a ring of
  N holds exactly N frames, the rest are rx0_ring_full drops counted in
  rx_missed_errors, for two sizes;
- the XDP error paths: a redirect into a devmap slot whose device is
  down, frames too big for a page and copies that get no page (a packet
  tap on the lower makes the NIC copy; debugfs fail_alloc) are drops in
  rx0_drops and rx_dropped;
- each of these drops is seen by the skb:kfree_skb tracepoint with its
  reason: TC_INGRESS, XDP (XDP_DROP and the failed redirect), DEV_READY,
  FULL_RING, PKT_TOO_BIG, NOMEM (exact counts);
- resizing the ring under traffic leaves a clean kernel log (vm-run's
  verdict) and the NIC delivering.

The rx_/tx_ counters are read from /sys/class/net/NIC/statistics, which
like ip -s link reads dev_get_stats(): no process per poll."""
import collections
import os
import re
import socket
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

OBJ = os.path.join(HERE, 'xdp_probe.bpf.o')
FILTER_PORT, XDP_PORT, RING_PORT, DOWN_PORT, BLAST_PORT = 9401, 7701, 9402, 9403, 9404
N_FILTER, N_XDP, N_DOWN = 11, 13, 7
N_REDIR, N_BIG, N_NOMEM = 9, 5, 4
REDIR_PORT, BIG_PORT, NOMEM_PORT = 7702, 7703, 7704
REASONS = ('TC_INGRESS', 'XDP', 'DEV_READY', 'FULL_RING', 'PKT_TOO_BIG', 'NOMEM')

need_root_and_module()
t = Topo(queues=1)
expect = collections.Counter()      # drop reason -> frames the test caused

# Sockets for the frames the NIC delivers: a datagram to a closed port
# would make the NIC answer with an ICMP error, and, its neighbours flushed
# by `ip link set down`, ask for the wire's address first: the ARP reply
# would be one frame the test did not send.
for port in (RING_PORT, DOWN_PORT):
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind((t.nic_ip, port))
    at_exit(sink.close)


def snapshot():
    return t.stats(), link_stats(t.nic)


def grew(before, after=None):
    """Deltas since before: ({ethtool name: n}, {rx_/tx_ name: n})."""
    st, ln = after or snapshot()
    d_st = {k: v - before[0].get(k, 0) for k, v in st.items()}
    d_ln = {k: v - before[1][k] for k, v in ln.items()}
    return d_st, d_ln


def wait_stat(before, name, n, what):
    d = poll(lambda: grew(before)[0][name] >= n and grew(before), 30)
    if not d:
        fail('%s: waited 30 s for %s to grow by %d, it grew by %d' %
             (what, name, n, grew(before)[0][name]))
    return d


def expect_link(d_ln, what, **want):
    for k, v in want.items():
        check(d_ln[k] == v, '%s: ip -s link %s grew by %d, want %d (ethtool -S and '
              'ip -s link must agree)' % (what, k, d_ln[k], v))


# ---- the tracepoint, in a tracing instance of our own ----------------------
drops = DropTrace()
if drops is None:
    skip_case('drop_reasons', 'no tracefs in this kernel')

# ---- filter drops ------------------------------------------------------------
b = snapshot()
sh('ethtool -N %s flow-type udp4 dst-port %d action -1 loc 1' % (t.nic, FILTER_PORT))
t.send_udp(41000, FILTER_PORT, N_FILTER)
d_st, d_ln = wait_stat(b, 'rx_filter_drops', N_FILTER, 'ntuple drop rule')
check(d_st['rx_filter_drops'] == N_FILTER, 'rx_filter_drops grew by %d, want %d' %
      (d_st['rx_filter_drops'], N_FILTER))
expect_link(d_ln, 'ntuple drop rule', rx_dropped=N_FILTER, rx_missed_errors=0,
            rx_packets=0)
sh('ethtool -N %s delete 1' % t.nic)
expect['TC_INGRESS'] += N_FILTER
log('filter drops: rx_dropped +%d' % d_ln['rx_dropped'])

# ---- XDP drops ---------------------------------------------------------------
sh('ip link set dev %s xdpdrv obj %s program xdp_drop' % (t.nic, OBJ))
at_exit(lambda: sh('ip link set dev %s xdpdrv off' % t.nic, check=False))
b = snapshot()
t.send_udp(41001, XDP_PORT, N_XDP)
d_st, d_ln = wait_stat(b, 'rx0_xdp_drop', N_XDP, 'XDP_DROP')
check(d_st['rx0_xdp_drop'] == N_XDP and d_st['rx0_drops'] == N_XDP,
      'XDP_DROP of %d frames: rx0_xdp_drop +%d, rx0_drops +%d' %
      (N_XDP, d_st['rx0_xdp_drop'], d_st['rx0_drops']))
expect_link(d_ln, 'XDP_DROP', rx_dropped=N_XDP, rx_missed_errors=0)
sh('ip link set dev %s xdpdrv off' % t.nic)
expect['XDP'] += N_XDP
log('XDP drops: rx_dropped +%d' % d_ln['rx_dropped'])

# ---- XDP error paths ---------------------------------------------------------


def xdp_error(what, port, n, size=64):
    """Send n frames of size bytes to port: each must be an XDP drop."""
    b = snapshot()
    t.send_udp(41003, port, n, size)
    d_st, d_ln = wait_stat(b, 'rx0_drops', n, what)
    check(d_st['rx0_drops'] == n, '%s: rx0_drops grew by %d, want %d' %
          (what, d_st['rx0_drops'], n))
    expect_link(d_ln, what, rx_dropped=n, rx_missed_errors=0, rx_packets=0)
    log('%s: rx0_drops +%d, rx_dropped +%d' % (what, n, d_ln['rx_dropped']))


# A redirect into a devmap slot whose device is down fails in
# xdp_do_redirect() (-ENETDOWN).
down = 'rxld%d' % os.getpid()
sh('ip link add %s type veth peer name %sp' % (down, down))
at_exit(lambda: sh('ip link del %s 2>/dev/null' % down, check=False))
sh('ip link set dev %s xdpdrv obj %s program xdp_redirect' % (t.nic, OBJ))
prog = json.loads(sh('ip -j -d link show dev %s' % t.nic))[0]['xdp']['prog']['id']
with open('/sys/class/net/%s/ifindex' % down) as f:
    devmap_set(prog_maps(prog)['tx_port'], int(f.read()))
xdp_error('redirect to a device that is down', REDIR_PORT, N_REDIR)
expect['XDP'] += N_REDIR
sh('ip link set dev %s xdpdrv off' % t.nic)

# A packet tap on the lower holds a clone of each frame: the NIC copies
# the frame into a page of its pool, which a frame above the page's room
# does not fit in, and which fail_alloc takes away. Checksums are filled in
# by the sender: skb_checksum_help() would give a CHECKSUM_PARTIAL clone a
# private head first, run on in place (as in xdp_inplace.py).
sh('ip netns exec %s ethtool -K %s tx off' % (t.ns, t.peer))
tap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
tap.bind((t.lower, 0))
at_exit(tap.close)
sh('ip -n %s link set %s mtu 9000 && ip link set %s mtu 9000' % (t.ns, t.peer, t.lower))
sh('ip link set dev %s xdpdrv obj %s program xdp_count' % (t.nic, OBJ))
xdp_error('a frame too big for a page', BIG_PORT, N_BIG, 4000)
expect['PKT_TOO_BIG'] += N_BIG
t.write_debugfs('fail_alloc', str(N_NOMEM))
xdp_error('no page for the copy (fail_alloc)', NOMEM_PORT, N_NOMEM)
check(t.read_debugfs('fail_alloc').strip() == '0', 'fail_alloc not consumed')
expect['NOMEM'] += N_NOMEM
sh('ip link set dev %s xdpdrv off' % t.nic)
tap.close()
sh('ip -n %s link set %s mtu 1500 && ip link set %s mtu 1500' % (t.ns, t.peer, t.lower))
sh('ip netns exec %s ethtool -K %s tx on' % (t.ns, t.peer))

# ---- NIC down ------------------------------------------------------------------
sh('ip link set %s down' % t.nic)
b = snapshot()
t.send_udp(41002, DOWN_PORT, N_DOWN)
d = poll(lambda: grew(b)[1]['rx_dropped'] >= N_DOWN and grew(b), 30)
d_st, d_ln = d or grew(b)
expect_link(d_ln, 'NIC down', rx_dropped=N_DOWN, rx_missed_errors=0, rx_packets=0)
sh('ip link set %s up' % t.nic)
expect['DEV_READY'] += N_DOWN
log('down drops: rx_dropped +%d' % d_ln['rx_dropped'])

# ---- ethtool -g / -G -----------------------------------------------------------


def ring_param():
    """(max rx, current rx) from ethtool -g."""
    out = sh('ethtool -g %s' % t.nic)
    rx = [int(m) for m in re.findall(r'^RX:\s+(\d+)', out, re.M)]
    check(len(rx) == 2, 'ethtool -g %s:\n%s' % (t.nic, out))
    return tuple(rx)


rp = ring_param()
check(rp == (65536, 1024), 'ethtool -g: (max, current) rx %s, want (65536, 1024)' % (rp,))
for bad, why in (('rx 65537', 'exceeds maximum'), ('tx 16', '')):
    rc, out = sh_rc('ethtool -G %s %s' % (t.nic, bad))
    check(rc != 0, 'ethtool -G %s accepted' % bad)
    check(why in out, 'ethtool -G %s refused without saying why: %s' % (bad, out.strip()))
check(ring_param()[1] == 1024, 'a refused ethtool -G changed the ring')


def ring_len():
    """Frames on queue 0's ring (debugfs queues, column 2): no RTNL needed."""
    return int(t.read_debugfs('queues').splitlines()[1].split()[2])


def fill_ring(size):
    """Hold the open (NAPI not polling), send until frames reach the ring,
    then size + 5 more: exactly size frames stay, the rest are ring-full
    drops; once the open returns the ring's frames are delivered. Frames
    sent before the device ran are dropped as down (rx_dropped)."""
    tx = t.udp_sender(42000 + size)
    for attempt in range(3):
        sh('ip link set %s down' % t.nic)
        b = snapshot()
        t.write_debugfs('open_delay_ms', str(4000 * (attempt + 1)))
        opener = subprocess.Popen(['ip', 'link', 'set', t.nic, 'up'])
        sent, full = 0, False
        while opener.poll() is None and not ring_len():
            tx.sendto(b'r', (t.nic_ip, RING_PORT))
            sent += 1
            poll(ring_len, 0.2, 0.02)
        if opener.poll() is None:
            for _ in range(size + 5):
                tx.sendto(b'r', (t.nic_ip, RING_PORT))
            sent += size + 5
            full = poll(lambda: ring_len() == size and opener.poll() is None, 2, 0.02)
        rc = opener.wait()
        t.write_debugfs('open_delay_ms', '0')
        check(rc == 0, 'ip link set %s up: exit %d' % (t.nic, rc))

        def accounted():
            d_st, d_ln = grew(b)
            n = d_st['rx0_packets'] + d_st['rx0_ring_full'] + d_ln['rx_dropped']
            return n >= sent and not ring_len() and (d_st, d_ln)
        d = poll(accounted, 30)
        d_st, d_ln = d or grew(b)
        check(d and sum((d_st['rx0_packets'], d_st['rx0_ring_full'], d_ln['rx_dropped'])) == sent,
              'ring of %d: %d sent, after 30 s %d delivered, %d ring-full, %d dropped '
              'while down, %d on the ring' % (size, sent, d_st['rx0_packets'],
                                              d_st['rx0_ring_full'], d_ln['rx_dropped'],
                                              ring_len()))
        expect['FULL_RING'] += d_st['rx0_ring_full']
        expect['DEV_READY'] += d_ln['rx_dropped']
        expect_link(d_ln, 'ring of %d' % size, rx_missed_errors=d_st['rx0_ring_full'])
        if full:
            break
        log('attempt %d: the open returned before the ring held %d frames' % (attempt, size))
    check(full, 'ring of %d: never saw it hold %d frames while the open waited '
          '(3 attempts, last ring length %d)' % (size, size, ring_len()))
    check(d_st['rx0_packets'] == size, 'ring of %d: %d frames delivered after the open' %
          (size, d_st['rx0_packets']))
    log('ring of %d: %d sent, %d down drops, %d ring-full (rx_missed_errors +%d)' %
        (size, sent, d_ln['rx_dropped'], d_st['rx0_ring_full'], d_ln['rx_missed_errors']))


for size in (3, 8):
    sh('ethtool -G %s rx %d' % (t.nic, size))
    rp = ring_param()
    check(rp == (65536, size), 'after ethtool -G rx %d: ethtool -g %s' % (size, rp))
    fill_ring(size)
with open('/sys/module/rxlane/parameters/ring_size') as f:
    check(f.read().strip() == '1024', 'ethtool -G changed the ring_size parameter')
# The parameter sizes the rings of NICs created afterwards, and only those.
set_param('ring_size', 77)
lo2, nic2 = t.lower + 'b', t.nic + 'b'
sh('ip link add %s type veth peer name %sp' % (lo2, lo2))
at_exit(lambda: sh('ip link del %s 2>/dev/null' % lo2, check=False))
sh('ip link add %s link %s type rxlane' % (nic2, lo2))
at_exit(lambda: sh('ip link del %s 2>/dev/null' % nic2, check=False))
out = sh('ethtool -g %s' % nic2)
check(re.findall(r'^RX:\s+(\d+)', out, re.M) == ['65536', '77'],
      'a NIC created with ring_size 77: ethtool -g\n%s' % out)
rp = ring_param()
check(rp == (65536, 8), 'ring_size 77 for new NICs changed this one: %s' % (rp,))

# ---- the drop reasons ------------------------------------------------------------
if drops:
    seen = drops.reasons()
    got = {r: seen[r] for r in REASONS}
    check(got == dict(expect), 'skb:kfree_skb reasons %s, want %s' % (got, dict(expect)))
    log('drop reasons seen by skb:kfree_skb:', got)

# ---- resize under traffic --------------------------------------------------------
stop = threading.Event()
blaster = t.udp_sender(43000)


def blast():
    while not stop.is_set():
        try:
            blaster.sendto(b'b' * 64, (t.nic_ip, BLAST_PORT))
        except OSError:
            pass


th = threading.Thread(target=blast)
th.start()
at_exit(stop.set)
try:
    for i in range(6):
        for size in (1, 4096, 0, 16, 65536):
            set_rx_ring(t.nic, size)
finally:
    stop.set()
    th.join()
sh('ethtool -G %s rx 1024' % t.nic)
b = snapshot()
t.send_udp(43001, BLAST_PORT, 5)
wait_stat(b, 'rx0_packets', 5, 'after resizing under traffic')

print('PASS: ip -s link counts filter, XDP, down and ring-full drops; drop reasons; '
      'ethtool -g/-G')
