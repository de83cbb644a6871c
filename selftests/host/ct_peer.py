#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# ct_peer.py - both ends of the connection tracking tests' traffic
# (ct_e2e.sh on the host, selftests/vm/ct_nic.sh on rxlane's NIC):
#
#   serve ADDR...           on each ADDR: TCP echo 9000, UDP echo 9001,
#                           a TCP server that resets 9002
#   udpecho ADDR PORT       one more UDP echo (datagrams up to 64 KiB)
#   tcp ADDR PORT           one echo over a new connection: exit 0 when
#                           it came back
#   udp ADDR PORT WAIT [SIZE]
#                           one datagram of SIZE bytes (1: 'x'), exit 0
#                           when its echo came back within WAIT seconds
#                           (SIZE 8000 is six IPv4 fragments on an MTU
#                           of 1500)
#   hold ADDR PORT DIR      one connection held open: for each DIR/req.N
#                           one echo, DIR/ok.N or DIR/fail.N after it
#                           (lib.sh: rxl_hold_step)
#   rst ADDR                a connection to ADDR:9002, which resets it;
#                           prints its local port
import os, socket, struct, sys, threading, time

def tcp_echo(fam, addr, port):
    s = socket.socket(fam)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(64)
    def serve(c):
        try:
            for line in c.makefile('rb'):
                c.sendall(line)
        except OSError:
            pass
        c.close()
    while True:
        c = s.accept()[0]
        threading.Thread(target=serve, args=(c,), daemon=True).start()

def tcp_rst(fam, addr, port):
    s = socket.socket(fam)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(64)
    while True:
        c = s.accept()[0]
        c.recv(100)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack('ii', 1, 0))
        c.close()

def udp_echo(fam, addr, port):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((addr, port))
    while True:
        d, a = s.recvfrom(65536)
        s.sendto(d, a)

def fam_of(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET

cmd = sys.argv[1]
if cmd == 'serve':		# serve ADDR...: 9000 echo, 9001 udp, 9002 rst
    for a in sys.argv[2:]:
        f = fam_of(a)
        for fn, p in ((tcp_echo, 9000), (udp_echo, 9001), (tcp_rst, 9002)):
            threading.Thread(target=fn, args=(f, a, p), daemon=True).start()
    while True:
        time.sleep(3600)
elif cmd == 'udpecho':		# udpecho ADDR PORT
    udp_echo(fam_of(sys.argv[2]), sys.argv[2], int(sys.argv[3]))
elif cmd == 'tcp':		# tcp ADDR PORT: one echo over a new connection
    s = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=10)
    s.sendall(b'x\n')
    sys.exit(0 if s.makefile('rb').readline() == b'x\n' else 1)
elif cmd == 'udp':		# udp ADDR PORT WAIT [SIZE]: a datagram, its echo
    size = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    q = b'x' if size == 1 else os.urandom(size)
    s = socket.socket(fam_of(sys.argv[2]), socket.SOCK_DGRAM)
    s.settimeout(float(sys.argv[4]))
    s.sendto(q, (sys.argv[2], int(sys.argv[3])))
    try:
        sys.exit(0 if s.recv(65536) == q else 1)
    except socket.timeout:
        sys.exit(1)
elif cmd == 'hold':		# hold ADDR PORT DIR: echo once per DIR/req.N
    d = sys.argv[4]
    s = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=10)
    s.settimeout(5)
    f = s.makefile('rb')
    open(d + '/connected', 'w').close()
    n = 1
    while not os.path.exists(d + '/stop'):
        if not os.path.exists('%s/req.%d' % (d, n)):
            time.sleep(0.05)
            continue
        s.sendall(b'%d\n' % n)
        try:
            ok = f.readline() == b'%d\n' % n
        except OSError:
            ok = False
        open('%s/%s.%d' % (d, 'ok' if ok else 'fail', n), 'w').close()
        if not ok:
            break
        n += 1
elif cmd == 'rst':		# rst ADDR: a connection the server resets
    s = socket.create_connection((sys.argv[2], 9002), timeout=10)
    print(s.getsockname()[1], flush=True)
    s.sendall(b'x\n')
    try:
        s.settimeout(10)
        s.recv(100)
    except OSError:
        pass
