#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""stream-check.py - byte streams through a tunnel, checked end to end.

  stream-check.py tcp-recv BIND PORT              one connection; prints "BYTES SHA256"
  stream-check.py tcp-send SRC DST PORT SIZE SEED  sends SIZE pseudo-random bytes in
                                                   writes of random sizes (1 B .. 200 KB,
                                                   so segments straddle the kernel's
                                                   super-packets); prints "BYTES SHA256"
  stream-check.py udp-recv BIND PORT COUNT        COUNT datagrams (or 5 s of silence);
                                                   prints "COUNT SHA256" over them in order
  stream-check.py udp-send SRC DST PORT COUNT SEED sends COUNT datagrams of varied sizes;
                                                   runs of ten equal ones in one UDP_SEGMENT
                                                   send where the kernel has it (the sender's
                                                   TUN then gets UDP super-packets); prints
                                                   "COUNT SHA256"

The sender and the receiver print the same line when every byte arrived
unchanged and in order. Exit status 0, 1 on a socket error or timeout.
"""
import hashlib
import random
import socket
import sys
import time

SOL_UDP = 17
UDP_SEGMENT = 103


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def tcp_recv(bind, port):
    s = socket.socket(family(bind), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((bind, port))
    s.listen(1)
    s.settimeout(60)
    c, _ = s.accept()
    c.settimeout(30)
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(1 << 20)
        if not b:
            break
        h.update(b)
        n += len(b)
    print(n, h.hexdigest())


def tcp_send(src, dst, port, size, seed):
    rnd = random.Random(seed)
    data = rnd.randbytes(size)
    s = socket.socket(family(dst), socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(30)
    for _ in range(50):  # the receiver may still be starting
        try:
            s.connect((dst, port))
            break
        except (ConnectionRefusedError, socket.timeout):
            time.sleep(0.2)
    else:
        raise SystemExit("connect failed")
    at = 0
    while at < size:
        n = rnd.choice((1, 7, 1000, 1400, 4096, 65536, 200000, rnd.randint(1, 100000)))
        s.sendall(data[at:at + n])
        at += n
    s.shutdown(socket.SHUT_WR)
    s.recv(1)  # wait until the receiver has everything and closes
    print(size, hashlib.sha256(data).hexdigest())


def datagrams(count, seed):
    """The datagrams to send, grouped into runs sent together."""
    rnd = random.Random(seed)
    runs, i = [], 0
    while i < count:
        size = rnd.choice((1, 100, 1000, 1200, 1300, rnd.randint(1, 1300)))
        k = min(10 if size >= 1000 else 1, count - i)
        runs.append([rnd.randbytes(size) for _ in range(k)])
        i += k
    return runs


def udp_send(src, dst, port, count, seed):
    s = socket.socket(family(dst), socket.SOCK_DGRAM)
    s.bind((src, 0))
    h = hashlib.sha256()
    gso = True
    for run in datagrams(count, seed):
        if len(run) > 1 and gso:
            try:
                s.setsockopt(SOL_UDP, UDP_SEGMENT, len(run[0]))
                s.sendto(b"".join(run), (dst, port))
                s.setsockopt(SOL_UDP, UDP_SEGMENT, 0)
            except OSError:
                gso = False
        if len(run) == 1 or not gso:
            for d in run:
                s.sendto(d, (dst, port))
        for d in run:
            h.update(len(d).to_bytes(2, "big") + d)
        time.sleep(0.002)  # paced: a datagram lost to a full queue would fail the test
    print(count, h.hexdigest())


def udp_recv(bind, port, count):
    s = socket.socket(family(bind), socket.SOCK_DGRAM)
    s.bind((bind, port))
    s.settimeout(5)
    h, n = hashlib.sha256(), 0
    try:
        while n < count:
            d = s.recv(65536)
            h.update(len(d).to_bytes(2, "big") + d)
            n += 1
    except socket.timeout:
        pass
    print(n, h.hexdigest())


def main(a):
    if len(a) == 3 and a[0] == "tcp-recv":
        tcp_recv(a[1], int(a[2]))
    elif len(a) == 6 and a[0] == "tcp-send":
        tcp_send(a[1], a[2], int(a[3]), int(a[4]), int(a[5]))
    elif len(a) == 4 and a[0] == "udp-recv":
        udp_recv(a[1], int(a[2]), int(a[3]))
    elif len(a) == 6 and a[0] == "udp-send":
        udp_send(a[1], a[2], int(a[3]), int(a[4]), int(a[5]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
