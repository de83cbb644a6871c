#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""GSO super-frames through native XDP: a TCP sender in the wire
namespace with TSO and GSO on writes 64 KB at a time, so its veth hands
the lower device skbs of up to 64 KB, and the rxlane NIC has an XDP
program attached natively. The NIC must segment them before the program
runs (a frame must fit in one page). Checked: every byte arrives intact
(sha256), the lower device got fewer skbs than the program saw frames
(the super-frames really crossed and the NIC segmented them), the
program saw no frame longer than 1514 bytes and at least all the payload
(xdp_count_tcp's counters), and every frame it passed was counted in
rxN_xdp_pass."""
import hashlib
import json
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

OBJ = os.path.join(HERE, 'xdp_probe.bpf.o')
SIZE = 8 << 20
WRITE = 64 << 10
PORT = 7750  # xdp_count_tcp counts TCP to 7700..7799

need_root_and_module()
if not os.path.exists(OBJ):
    fail('%s not built (make -C selftests/vm)' % OBJ)
t = Topo(queues=2)
sh('ip netns exec %s ethtool -K %s tso on gso on' % (t.ns, t.peer))
feat = sh('ip netns exec %s ethtool -k %s' % (t.ns, t.peer))
check('tcp-segmentation-offload: on' in feat and 'generic-segmentation-offload: on' in feat,
      'TSO/GSO not on at the sender:\n' + feat)

sh('ip link set dev %s xdpdrv obj %s program xdp_count_tcp' % (t.nic, OBJ))
at_exit(lambda: sh('ip link set dev %s xdpdrv off' % t.nic, check=False))
xdp = json.loads(sh('ip -j -d link show dev %s' % t.nic))[0].get('xdp', {})
check(xdp.get('mode') == 1, 'not attached in native mode: %s' % xdp)
prog = json.loads(sh('bpftool -j prog show id %d' % xdp['prog']['id']))
seen_id = [m for m in prog['map_ids']
           if json.loads(sh('bpftool -j map show id %d' % m))['name'] == 'tcp_seen']
check(len(seen_id) == 1, 'xdp_count_tcp has no tcp_seen map: %s' % prog)


def tcp_seen():
    """[frames, payload bytes, frames over 1514 bytes] the program saw."""
    out = [0, 0, 0]
    for e in json.loads(sh('bpftool -j map dump id %d' % seen_id[0])):
        if 'formatted' in e:
            out[e['formatted']['key']] = e['formatted']['value']
        else:
            k = int.from_bytes(bytes(int(x, 16) for x in e['key']), 'little')
            out[k] = int.from_bytes(bytes(int(x, 16) for x in e['value']), 'little')
    return out


def peer_tx():
    """(skbs, bytes) the sender's veth passed to the lower device."""
    s = json.loads(sh('ip -n %s -j -s link show dev %s' % (t.ns, t.peer)))[0]['stats64']['tx']
    return s['packets'], s['bytes']


data = bytes((i * 13 + (i >> 9)) & 0xff for i in range(SIZE))
want = hashlib.sha256(data).hexdigest()

srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind((t.nic_ip, PORT))
srv.listen(1)
with netns(t.ns):
    cl = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
cl.connect((t.nic_ip, PORT))
conn, _ = srv.accept()
conn.settimeout(120)
got, n = hashlib.sha256(), 0


def receive():
    global n
    while n < SIZE:
        chunk = conn.recv(1 << 16)
        if not chunk:
            break
        got.update(chunk)
        n += len(chunk)


seen0, tx0, pass0 = tcp_seen(), peer_tx(), sum(queue_counts(t.stats(), 'xdp_pass').values())
rx = threading.Thread(target=receive)
rx.start()
for off in range(0, SIZE, WRITE):
    cl.sendall(data[off:off + WRITE])
rx.join(300)
check(not rx.is_alive(), 'waited 300 s for the data: %d of %d bytes arrived' % (n, SIZE))
cl.close()
conn.close()
srv.close()
check(n == SIZE and got.hexdigest() == want,
      'received %d of %d bytes, sha256 %s' % (n, SIZE, 'equal' if got.hexdigest() == want
                                               else 'differs'))

seen = [a - b for a, b in zip(tcp_seen(), seen0)]
skbs, nbytes = [a - b for a, b in zip(peer_tx(), tx0)]
passed = sum(queue_counts(t.stats(), 'xdp_pass').values()) - pass0
log('sender: %d skbs, %d bytes (%d per skb); XDP saw %d frames, %d payload bytes, '
    '%d over 1514; rxN_xdp_pass grew by %d' % (skbs, nbytes, nbytes // max(skbs, 1),
                                              seen[0], seen[1], seen[2], passed))
check(nbytes // max(skbs, 1) > 2 * 1514,
      'the sender passed %d skbs for %d bytes: no GSO super-frames crossed the veth' %
      (skbs, nbytes))
check(seen[0] > skbs, 'the program saw %d frames for %d skbs: the NIC did not segment' %
      (seen[0], skbs))
check(seen[2] == 0, 'the program saw %d frames longer than 1514 bytes' % seen[2])
check(seen[1] >= SIZE, 'the program saw %d payload bytes of %d sent' % (seen[1], SIZE))
check(passed >= seen[0], 'rxN_xdp_pass grew by %d, the program passed %d' % (passed, seen[0]))
print('PASS: 64 KB GSO writes through native XDP: segmented, seen, intact')
