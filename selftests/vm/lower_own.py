#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The lower device keeps what macvlan leaves to its lower: frames for its
own MAC address (when the NIC has another) and broadcast/multicast, so that
`ip link add ... link eth0 type rxlane` does not blind the host's stack on
eth0 (Documentation/nic.rst, "What the lower device receives").

The NIC gets an address of its own; the lower keeps an IPv4 address in
another subnet. Both are in one namespace, so both run with arp_ignore=1
(neither answers ARP for the other's address, as with macvlan):

- the wire pings the lower (ARP broadcast, then unicast to the lower's
  MAC) and resolves it to the lower's MAC, with the NIC up and down;
- UDP to the lower's address reaches a socket bound to the lower device,
  and the NIC never sees it: an ntuple drop rule for that port on the NIC
  counts nothing;
- frames to the NIC's address still reach the NIC only;
- a broadcast reaches both: a socket bound to each device receives it."""
import os
import random
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rxl import *  # noqa: E402,F403

LOWER_IP, WIRE_IP2 = '10.78.0.1', '10.78.0.2'
UPORT, BPORT = 9501, 9502
N = 20

need_root_and_module()
t = Topo(queues=2, up=False)
nic_mac = '02:%02x:%02x:%02x:%02x:%02x' % tuple(random.randrange(256) for _ in range(5))
sh('ip link set %s address %s' % (t.nic, nic_mac))
t.up()
lower_mac = Topo.mac(t.lower)
check(lower_mac != nic_mac, 'the NIC kept the lower address')
for dev in (t.nic, t.lower):
    sh('sysctl -qw net.ipv4.conf.%s.arp_ignore=1' % dev)
sh('ip addr add %s/24 dev %s' % (LOWER_IP, t.lower))
sh('ip -n %s addr add %s/24 dev %s' % (t.ns, WIRE_IP2, t.peer))


def ping_lower(what):
    rc, out = sh_rc('ip netns exec %s ping -c 3 -i 0.2 -w 60 %s' % (t.ns, LOWER_IP))
    check(rc == 0, '%s: the wire cannot ping the lower (%s):\n%s' % (what, LOWER_IP, out))
    neigh = json.loads(sh('ip -n %s -j neigh show %s dev %s' % (t.ns, LOWER_IP, t.peer)))
    mac = neigh[0].get('lladdr') if neigh else None
    check(mac == lower_mac, '%s: the wire resolved %s to %s, want the lower\'s %s' %
          (what, LOWER_IP, mac, lower_mac))
    log(what, ': the lower answers ping at', mac)


def bound_socket(dev, addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
    s.bind((addr, port))
    s.settimeout(30)
    at_exit(s.close)
    return s


def receive(s, n, what):
    got = 0
    try:
        while got < n:
            s.recv(2048)
            got += 1
    except socket.timeout:
        pass
    check(got == n, '%s: %d of %d datagrams arrived (waited 30 s for the next)' %
          (what, got, n))


# ARP and ping: broadcast and unicast to the lower's own address.
ping_lower('NIC up')

# UDP to the lower's address: the lower's socket gets it, the NIC sees none.
sh('ethtool -N %s flow-type udp4 dst-port %d action -1 loc 1' % (t.nic, UPORT))
rx = bound_socket(t.lower, LOWER_IP, UPORT)
drops0 = t.stats()['rx_filter_drops']
with netns(t.ns):
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
at_exit(tx.close)
tx.bind((WIRE_IP2, 0))
for i in range(N):
    tx.sendto(b'lower%d' % i, (LOWER_IP, UPORT))
receive(rx, N, 'UDP to the lower\'s MAC')
check(t.stats()['rx_filter_drops'] == drops0,
      'the NIC saw %d of the frames to the lower\'s MAC (its drop rule for port %d counted '
      'them)' % (t.stats()['rx_filter_drops'] - drops0, UPORT))

# Frames to the NIC's address still reach the NIC.
before = queue_counts(t.stats())
t.send_udp(41500, UPORT + 10, 5)
t.wait_packets(before, 5, timeout=60)

# A broadcast reaches both devices.
rx_lower = bound_socket(t.lower, '', BPORT)
rx_nic = bound_socket(t.nic, '', BPORT)
with netns(t.ns):
    bc = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
at_exit(bc.close)
bc.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
bc.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, t.peer.encode())
for i in range(5):
    bc.sendto(b'bcast%d' % i, ('255.255.255.255', BPORT))
receive(rx_lower, 5, 'broadcast on the lower')
receive(rx_nic, 5, 'broadcast on the NIC')

# The NIC down: the lower still has its frames (ARP again from scratch).
sh('ip link set %s down' % t.nic)
sh('ip -n %s neigh flush dev %s' % (t.ns, t.peer))
ping_lower('NIC down')
sh('ip link set %s up' % t.nic)

print('PASS: the lower keeps its own MAC and broadcast; the NIC its own')
