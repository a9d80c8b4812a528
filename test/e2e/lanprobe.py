#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""lanprobe.py - the LAN programs the Ethernet e2e tests run inside
namespaces: a LAN game's broadcast discovery, a multicast DNS responder and
querier (real mDNS packets), an IPv6 router advertiser (for SLAAC) and a
UDP datagram echo.  Standard library only.

  game-server DEV                   answer discovery broadcasts by unicast
  game-client DEV BCAST SECS        broadcast to 255.255.255.255 and BCAST
                                    every second; print each answer
  mdns-responder DEV INSTANCE       announce INSTANCE._ztgame._udp.local
  mdns-query DEV 4|6 SECS           ask for _ztgame._udp.local; print PTRs
  ra DEV PREFIX SECS                router advertisements for PREFIX/64
  udp-echo PORT                     echo every datagram back
  udp-send HOST PORT SIZE           send SIZE bytes, wait for the echo
  raw-send DEV SRC DST COUNT        write raw Ethernet frames SRC -> DST
  tcp-sink PORT                     hash a TCP stream, answer "<bytes> <sha256>"
  tcp-send HOST PORT BYTES          send BYTES, check the sink's hash
  tcp-echo PORT                     echo a TCP stream back (no delay)
  tcp-rr HOST PORT SIZE COUNT       COUNT requests of SIZE bytes, one at a
                                    time (each a lone segment), echoed intact
"""
import select
import socket
import struct
import sys
import time

GAME_PORT = 27015
SO_BINDTODEVICE = 25


def bind_dev(s, dev):
    s.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, dev.encode())


def game_server(dev):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    bind_dev(s, dev)
    s.bind(("0.0.0.0", GAME_PORT))
    me = socket.gethostname()
    while True:
        data, addr = s.recvfrom(2048)
        if data.startswith(b"ZTGAME? "):
            kind = data.split()[1]
            s.sendto(b"ZTGAME! " + kind + b" " + me.encode(), addr)


def game_client(dev, bcast, secs):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    bind_dev(s, dev)
    s.bind(("0.0.0.0", 0))
    end = time.time() + float(secs)
    nxt = 0.0
    seen = set()
    while time.time() < end:
        now = time.time()
        if now >= nxt:
            s.sendto(b"ZTGAME? limited", ("255.255.255.255", GAME_PORT))
            s.sendto(b"ZTGAME? subnet", (bcast, GAME_PORT))
            nxt = now + 1.0
        r, _, _ = select.select([s], [], [], 0.2)
        if r:
            data, addr = s.recvfrom(2048)
            parts = data.split()
            if len(parts) == 3 and parts[0] == b"ZTGAME!":
                key = (parts[1].decode(), addr[0])
                if key not in seen:
                    seen.add(key)
                    print("ANSWER %s %s" % key, flush=True)


# ---- multicast DNS (RFC 6762), just enough for one PTR record ----

SERVICE = "_ztgame._udp.local"


def dns_name(name):
    out = b""
    for label in name.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def read_name(pkt, off):
    labels = []
    jumped = False
    end = off
    for _ in range(64):
        n = pkt[off]
        if n == 0:
            off += 1
            break
        if n & 0xC0 == 0xC0:
            if not jumped:
                end = off + 2
            off = ((n & 0x3F) << 8) | pkt[off + 1]
            jumped = True
            continue
        labels.append(pkt[off + 1:off + 1 + n].decode(errors="replace"))
        off += 1 + n
    return ".".join(labels), (end if jumped else off)


def mdns_sockets(dev, fams):
    socks = []
    ifindex = socket.if_nametoindex(dev)
    if "4" in fams:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        bind_dev(s, dev)
        s.bind(("0.0.0.0", 5353))
        mreq = struct.pack("4s4si", socket.inet_aton("224.0.0.251"),
                           socket.inet_aton("0.0.0.0"), ifindex)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                     struct.pack("4s4si", socket.inet_aton("224.0.0.251"),
                                 socket.inet_aton("0.0.0.0"), ifindex))
        socks.append((s, ("224.0.0.251", 5353)))
    if "6" in fams:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        bind_dev(s, dev)
        s.bind(("::", 5353))
        mreq = socket.inet_pton(socket.AF_INET6, "ff02::fb") + struct.pack("@I", ifindex)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
        socks.append((s, ("ff02::fb", 5353, 0, ifindex)))
    return socks


def mdns_responder(dev, instance):
    socks = mdns_sockets(dev, "46")
    target = dns_name(instance + "." + SERVICE)
    while True:
        r, _, _ = select.select([s for s, _ in socks], [], [], 1.0)
        for s, group in socks:
            if s not in r:
                continue
            pkt, _ = s.recvfrom(9000)
            if len(pkt) < 12 or pkt[2] & 0x80:
                continue  # a response, not a query
            qd = struct.unpack("!H", pkt[4:6])[0]
            off = 12
            ask = False
            for _ in range(qd):
                name, off = read_name(pkt, off)
                qtype = struct.unpack("!H", pkt[off:off + 2])[0]
                off += 4
                if name.lower() == SERVICE and qtype in (12, 255):
                    ask = True
            if not ask:
                continue
            ans = (dns_name(SERVICE) + struct.pack("!HHIH", 12, 1, 120, len(target)) +
                   target)
            resp = struct.pack("!HHHHHH", 0, 0x8400, 0, 1, 0, 0) + ans
            s.sendto(resp, group)


def mdns_query(dev, fam, secs):
    socks = mdns_sockets(dev, fam)
    q = struct.pack("!HHHHHH", 0, 0, 1, 0, 0, 0) + dns_name(SERVICE) + struct.pack("!HH", 12, 1)
    end = time.time() + float(secs)
    nxt = 0.0
    while time.time() < end:
        if time.time() >= nxt:
            for s, group in socks:
                s.sendto(q, group)
            nxt = time.time() + 1.0
        r, _, _ = select.select([s for s, _ in socks], [], [], 0.2)
        for s, _ in socks:
            if s not in r:
                continue
            pkt, addr = s.recvfrom(9000)
            if len(pkt) < 12 or not pkt[2] & 0x80:
                continue
            an = struct.unpack("!H", pkt[6:8])[0]
            off = 12
            for _ in range(struct.unpack("!H", pkt[4:6])[0]):
                _, off = read_name(pkt, off)
                off += 4
            for _ in range(an):
                name, off = read_name(pkt, off)
                rtype, _, _, rdlen = struct.unpack("!HHIH", pkt[off:off + 10])
                off += 10
                if rtype == 12 and name.lower() == SERVICE:
                    inst, _ = read_name(pkt, off)
                    print("FOUND %s from %s" % (inst, addr[0]), flush=True)
                    return 0
                off += rdlen
    return 1


def ra(dev, prefix, secs):
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    bind_dev(s, dev)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
    ifindex = socket.if_nametoindex(dev)
    pfx = socket.inet_pton(socket.AF_INET6, prefix)
    # type 134, code 0, checksum (kernel), hop limit 64, flags 0, router
    # lifetime 0 (not a default router), reachable 0, retrans 0;
    # prefix information: /64, on-link + autonomous, 1 h / 30 min.
    msg = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 0, 0, 0)
    msg += struct.pack("!BBBBIII", 3, 4, 64, 0xC0, 3600, 1800, 0) + pfx
    end = time.time() + float(secs)
    while time.time() < end:
        s.sendto(msg, ("ff02::1", 0, 0, ifindex))
        time.sleep(1.0)


def udp_echo(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(port)))
    while True:
        data, addr = s.recvfrom(65535)
        s.sendto(data, addr)


def udp_send(host, port, size):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    data = bytes((i * 7) & 0xFF for i in range(int(size)))
    for _ in range(10):
        s.sendto(data, (host, int(port)))
        r, _, _ = select.select([s], [], [], 1.0)
        if r:
            back, _ = s.recvfrom(65535)
            if back == data:
                print("ECHO %d bytes intact" % len(back))
                return 0
            print("ECHO %d bytes differ" % len(back))
            return 1
    print("NO ECHO")
    return 1


def raw_send(dev, src, dst, count, ethertype="88b5"):
    """Write COUNT Ethernet frames from SRC to DST straight onto DEV."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    mac = lambda m: bytes(int(x, 16) for x in m.split(":"))
    frame = mac(dst) + mac(src) + bytes.fromhex(ethertype) + b"ZTFORGED" + bytes(50)
    for _ in range(int(count)):
        s.send(frame)
        time.sleep(0.05)


def tcp_clients(port):
    """Listen on PORT; yield each accepted connection in turn."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(port)))
    s.listen(1)
    while True:
        c, _ = s.accept()
        yield c


def tcp_sink(port):
    """Accept one connection, hash everything until EOF, send the hash."""
    import hashlib
    for c in tcp_clients(port):
        h = hashlib.sha256()
        n = 0
        while True:
            b = c.recv(65536)
            if not b:
                break
            h.update(b)
            n += len(b)
        c.sendall(("%d %s\n" % (n, h.hexdigest())).encode())
        c.close()


def tcp_send(host, port, nbytes):
    """Send NBYTES of a known pattern; the sink's hash must match."""
    import hashlib
    n = int(nbytes)
    block = bytes((i * 31 + 7) & 0xFF for i in range(65536))
    h = hashlib.sha256()
    c = socket.create_connection((host, int(port)), timeout=30)
    t0 = time.time()
    left = n
    while left > 0:
        b = block[:min(left, len(block))]
        c.sendall(b)
        h.update(b)
        left -= len(b)
    c.shutdown(socket.SHUT_WR)
    reply = b""
    while not reply.endswith(b"\n"):
        b = c.recv(200)
        if not b:
            break
        reply += b
    dt = time.time() - t0
    want = "%d %s" % (n, h.hexdigest())
    ok = reply.decode().strip() == want
    print("TCP %d bytes in %.2f s (%.1f Mbit/s) %s" % (n, dt, n * 8 / dt / 1e6,
                                                     "intact" if ok else "MISMATCH " + reply.decode().strip()))
    return 0 if ok else 1


def tcp_echo(port):
    """Echo each connection's bytes back as they come (TCP_NODELAY)."""
    for c in tcp_clients(port):
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            b = c.recv(65536)
            if not b:
                break
            c.sendall(b)
        c.close()


def tcp_rr(host, port, size, count):
    """COUNT request/response rounds of SIZE bytes: each request is written
    at once with TCP_NODELAY after the previous answer, so with an MSS
    above SIZE it leaves as one plain (non-GSO) segment."""
    size, count = int(size), int(count)
    c = socket.create_connection((host, int(port)), timeout=30)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    t0 = time.time()
    for i in range(count):
        msg = bytes(((i + j) * 13) & 0xFF for j in range(size))
        c.sendall(msg)
        back = b""
        while len(back) < size:
            b = c.recv(size - len(back))
            if not b:
                print("TCP RR closed after %d of %d" % (i, count))
                return 1
            back += b
        if back != msg:
            print("TCP RR round %d: echo differs" % i)
            return 1
    dt = time.time() - t0
    print("TCP RR %d x %d bytes intact, %.2f ms per round" % (count, size, dt * 1000 / count))
    return 0


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    a = argv[2:]
    if cmd == "game-server":
        return game_server(*a)
    if cmd == "game-client":
        return game_client(*a)
    if cmd == "mdns-responder":
        return mdns_responder(*a)
    if cmd == "mdns-query":
        return mdns_query(*a)
    if cmd == "ra":
        return ra(*a)
    if cmd == "udp-echo":
        return udp_echo(*a)
    if cmd == "tcp-sink":
        return tcp_sink(*a)
    if cmd == "tcp-send":
        return tcp_send(*a)
    if cmd == "tcp-echo":
        return tcp_echo(*a)
    if cmd == "tcp-rr":
        return tcp_rr(*a)
    if cmd == "raw-send":
        return raw_send(*a)
    if cmd == "udp-send":
        return udp_send(*a)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv) or 0)
