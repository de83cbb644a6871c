#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""XDP_TX in place leaves without the receive checksum state (issue 12).

xdp_tx_poke sends each UDP frame back to its sender with its first
payload byte changed, fixing the UDP checksum ("good" frames) or not
("bad" frames), on the skb's own buffer (rxN_xdp_inplace). The frame goes
out through the lower veth to the sender's namespace, whose stack must
deliver every good datagram and count every bad one in Udp InCsumErrors,
whatever checksum state the frame had when the lower received it:

  none         CHECKSUM_NONE (the sender filled in its checksums);
  unnecessary  CHECKSUM_UNNECESSARY, set by tc/csum_mark on the lower's
               ingress (a NIC that verified them): kept on transmit, the
               peer would trust the broken checksum of a bad frame;
  complete     CHECKSUM_COMPLETE, left by act_ct on the lower's ingress
               (conntrack verifies the UDP checksum in software and keeps
               the sum): kept, the peer would find a sum that no longer
               matches the frame and drop good datagrams.

No "hw csum failure" may appear in the kernel log.

    xdp_tx_csum.py [none|unnecessary|complete ...]   (default: all cases)
"""
import errno
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

N = 10
SPORT, DPORT = 42010, 7710
SIZE = 200      # above CHECKSUM_BREAK (76): a CHECKSUM_COMPLETE sum is trusted
CASES = sys.argv[1:] or ['none', 'unnecessary', 'complete']

need_root_and_module()
if not os.path.exists(XDP_PROBE):
    fail('%s not built (make -C selftests/vm)' % XDP_PROBE)
t = Topo(queues=1)
# Checksums computed by the sender (CHECKSUM_NONE on the wire, not PARTIAL).
sh('ip netns exec %s ethtool -K %s tx off' % (t.ns, t.peer))
xdp_attach(t.nic, 'xdp_tx_poke')
sock = t.udp_sender(SPORT)
sock.setblocking(False)
kmsg = os.open('/dev/kmsg', os.O_RDONLY | os.O_NONBLOCK)
at_exit(lambda: os.close(kmsg))
os.lseek(kmsg, 0, os.SEEK_END)


def udp_csum_errors():
    with netns(t.ns):
        with open('/proc/thread-self/net/snmp') as f:
            rows = [line.split() for line in f if line.startswith('Udp:')]
    return int(rows[1][rows[0].index('InCsumErrors')])


def inplace():
    return t.stats()['rx0_xdp_inplace']


def send_round(case, kind):
    """Send N frames of kind (good/bad); return (payloads delivered back,
    InCsumErrors growth, frames run in place)."""
    payload = b'x' + (b'f' if kind == 'good' else b'b') + b'y' * (SIZE - 2)
    e0, i0 = udp_csum_errors(), inplace()
    for _ in range(N):
        sock.sendto(payload, (t.nic_ip, DPORT))
    got = []

    def done():
        while True:
            try:
                got.append(sock.recv(2048))
            except BlockingIOError:
                break
        return len(got) + udp_csum_errors() - e0 >= N
    ok = poll(done, 60)
    errs = udp_csum_errors() - e0
    check(ok, '%s/%s: waited 60 s for %d datagrams back or counted in InCsumErrors, '
          'got %d back and %d errors' % (case, kind, N, len(got), errs))
    want = b'X' + payload[1:]
    check(all(p == want for p in got), '%s/%s: datagrams back not as xdp_tx_poke left them: %s'
          % (case, kind, set(p[:4] for p in got)))
    return len(got), errs, inplace() - i0


def run_case(case):
    for kind in ('good', 'bad'):
        back, errs, inpl = send_round(case, kind)
        check(inpl == N, '%s/%s: %d of %d frames ran in place (rx0_xdp_inplace)' %
              (case, kind, inpl, N))
        if kind == 'good':
            check(back == N and errs == 0,
                  '%s/%s: the sender got %d of %d datagrams whose checksum XDP fixed, '
                  'Udp InCsumErrors +%d (want all delivered, no error: a stale receive '
                  'checksum state went out with the frame)' % (case, kind, back, N, errs))
        else:
            check(back == 0 and errs == N,
                  '%s/%s: the sender got %d of %d datagrams XDP broke the checksum of, '
                  'Udp InCsumErrors +%d (want none delivered, %d errors: the receive '
                  'verdict went out with the frame and the peer trusted it)' %
                  (case, kind, back, N, errs, N))
    log('%s: %d good frames delivered, %d bad ones counted as checksum errors' % (case, N, N))


if 'none' in CASES:
    run_case('none')

if 'unnecessary' in CASES:
    tc_attach(t.lower, 'tc/csum_mark')
    run_case('unnecessary')
    sh('tc qdisc del dev %s clsact' % t.lower)

if 'complete' in CASES:
    rc, out = sh_rc("printf 'qdisc add dev %s clsact\\nfilter add dev %s ingress protocol ip "
                    "matchall action ct\\n' | tc -b -" % (t.lower, t.lower))
    if rc:
        skip_case('complete', 'tc action ct (act_ct, nf_conntrack) unavailable: %s' %
                  out.strip())
    else:
        at_exit(lambda: sh('tc qdisc del dev %s clsact' % t.lower, check=False))
        run_case('complete')

reports = []
while True:
    try:
        line = os.read(kmsg, 8192).decode(errors='replace')
    except OSError as e:
        if e.errno == errno.EAGAIN:
            break
        if e.errno == errno.EPIPE:      # overwritten records: read on
            continue
        raise
    if 'hw csum failure' in line:
        reports.append(line.strip())
check(not reports, 'the kernel log reports %s' % reports[:2])
print('PASS: XDP_TX in place sends frames without their receive checksum state')
