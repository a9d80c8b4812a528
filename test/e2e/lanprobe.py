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
  arp-claim DEV DSTMAC DSTIP IP COUNT  unsolicited ARP replies from DEV's
                                    MAC to DSTMAC/DSTIP: "IP is at my MAC"
  udp-recv HOST PORT                print every datagram, one a line
  udp-gso-send HOST PORT            2000 numbered 1000-byte datagrams in
                                    UDP_SEGMENT sends of 20
  udp-gso-sink HOST PORT            count them: "<distinct> <corrupt>"
  useq tx|rx FAMILY ADDR PORT [MAX] 3000 datagrams in runs of mixed sizes;
  useq tap - TAPNAME PORT [MAX]     rx/tap check bytes and order (tap: also
                                    checksums and IPv4 ids)
  tcp-sink PORT                     hash a TCP stream, answer "<bytes> <sha256>"
  tcp-send HOST PORT BYTES|@FILE    send BYTES of a pattern (or FILE's
                                    contents), check the sink's hash
  tcp-echo PORT                     echo a TCP stream back (no delay)
  tcp-rr HOST PORT SIZE COUNT       COUNT requests of SIZE bytes, one at a
                                    time (each a lone segment), echoed intact
  replay raw|port PCAP SRCADDR      resend a capture's IPv4/UDP packets
  http METHOD URL [AUTH [BODY]]     one request; print "<status> <body>"
                                    (AUTH "Bearer ..." or an X-ZT1-Auth token)
"""
import fcntl
import hashlib
import os
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


def arp_claim(dev, dst_mac, dst_ip, ip, count):
    """Tell DST_MAC (DST_IP) COUNT times that IP is at DEV's own MAC: an
    unsolicited ARP reply, the frame of ARP spoofing."""
    mac = lambda m: bytes(int(x, 16) for x in m.split(":"))
    with open("/sys/class/net/%s/address" % dev) as f:
        me = mac(f.read().strip())
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + me + socket.inet_aton(ip) + \
        mac(dst_mac) + socket.inet_aton(dst_ip)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    for _ in range(int(count)):
        s.send(mac(dst_mac) + me + b"\x08\x06" + arp + bytes(18))
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
    for c in tcp_clients(port):
        h = hashlib.sha256()
        n = 0
        while True:
            b = c.recv(1 << 20)
            if not b:
                break
            h.update(b)
            n += len(b)
        c.sendall(("%d %s\n" % (n, h.hexdigest())).encode())
        c.close()


def tcp_send(host, port, what):
    """Send NBYTES of a known pattern, or @FILE's contents; the sink's hash
    must match."""
    if what.startswith("@"):
        f = open(what[1:], "rb")
        blocks = iter(lambda: f.read(1 << 20), b"")
    else:
        block = bytes((i * 31 + 7) & 0xFF for i in range(65536))
        full, rest = divmod(int(what), len(block))
        blocks = [block] * full + [block[:rest]]
    h = hashlib.sha256()
    c = socket.create_connection((host, int(port)), timeout=30)
    t0 = time.time()
    n = 0
    for b in blocks:
        c.sendall(b)
        h.update(b)
        n += len(b)
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


def udp_recv(host, port):
    """Print every datagram that arrives, one a line (until killed)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, int(port)))
    while True:
        data, _ = s.recvfrom(65535)
        print(data.decode(errors="replace").replace("\n", " "), flush=True)


# ---- UDP GSO from the application: numbered 1000-byte datagrams ----

GSO_COUNT = 2000


def gso_body(n):
    h = n.to_bytes(4, "big")
    return h + (hashlib.sha256(h).digest() * 32)[:996]


def udp_gso_send(host, port):
    """GSO_COUNT datagrams in sends of 20 (UDP_SEGMENT 1000), paced."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_UDP, 103, 1000)  # UDP_SEGMENT
    for k in range(GSO_COUNT // 20):
        s.sendto(b"".join(gso_body(k * 20 + i) for i in range(20)), (host, int(port)))
        time.sleep(0.002)  # pacing: the receiver's socket buffer is finite


def udp_gso_sink(host, port):
    """Receive until all have come or 5 s pass in silence; print
    "<distinct numbers seen> <corrupt datagrams>"."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((host, int(port)))
    s.settimeout(5)
    seen, bad = set(), 0
    try:
        while len(seen) < GSO_COUNT:
            b = s.recv(65536)
            n = int.from_bytes(b[:4], "big")
            if len(b) != 1000 or b != gso_body(n):
                bad += 1
            else:
                seen.add(n)
    except socket.timeout:
        pass
    print(len(seen), bad)


# ---- useq: runs of equal-sized datagrams of mixed sizes, in order ----

USEQ_RUNS = [(64, 40), (30, 1), (1000, 20), (1, 1), (200, 69), (1300, 10), (2000, 8),
             (64, 100), (513, 3), (8, 1), (1400, 30), (700, 2), (100, 64), (100, 65)]
USEQ_COUNT = 3000


def csum16(b):
    """The ones' complement sum (not yet inverted) of b."""
    if len(b) % 2:
        b += b"\0"
    v = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while v >> 16:
        v = (v & 0xFFFF) + (v >> 16)
    return v


def useq(mode, fam, addr, port, cap="2000"):
    """tx: send the sequence from a connected socket (consecutive IPv4 ids),
    in bursts of 50; rx: receive it, print "<got> <good> <first bad>";
    tap: read it from a new plain TAP named ADDR (what the kernel forwarded
    into it was cut and checksummed by its GSO), and also check every IPv4
    header and UDP checksum and that the IPv4 ids are consecutive; print
    "<got> <good> <first bad> <bad checksums> <bad ids>"."""
    port, cap = int(port), int(cap)
    sizes = []
    while len(sizes) < USEQ_COUNT:
        for size, n in USEQ_RUNS:
            sizes += [min(size, cap)] * n
    sizes = sizes[:USEQ_COUNT]

    def body(k):
        h = k.to_bytes(4, "big")
        return (h + hashlib.sha256(h).digest() * 70)[:sizes[k]]

    if mode == "tap":
        fd = os.open("/dev/net/tun", os.O_RDWR)
        # TUNSETIFF, IFF_TAP | IFF_NO_PI
        fcntl.ioctl(fd, 0x400454CA, struct.pack("16sH", addr.encode(), 0x0002 | 0x1000))
        print("ready", flush=True)
        got = good = bad_csum = bad_id = 0
        first_bad, id0 = -1, None
        while got < USEQ_COUNT:
            if not select.select([fd], [], [], 5)[0]:
                break
            f = os.read(fd, 65536)
            if len(f) < 42 or f[12:14] != b"\x08\x00" or f[23] != 17:
                continue
            u = 14 + (f[14] & 15) * 4
            if struct.unpack("!H", f[u + 2:u + 4])[0] != port:
                continue
            ulen = struct.unpack("!H", f[u + 4:u + 6])[0]
            ip_id = struct.unpack("!H", f[18:20])[0]
            if id0 is None:
                id0 = ip_id
            if ip_id != (id0 + got) & 0xFFFF:
                bad_id += 1
            pseudo = f[26:34] + struct.pack("!BBH", 0, 17, ulen)
            if (csum16(f[14:u]) != 0xFFFF or f[u + 6:u + 8] == b"\0\0" or
                    csum16(pseudo + f[u:u + ulen]) != 0xFFFF):
                bad_csum += 1
            if len(f) >= u + ulen and f[u + 8:u + ulen] == body(got):
                good += 1
            elif first_bad < 0:
                first_bad = got
            got += 1
        print(got, good, first_bad, bad_csum, bad_id)
        return 0
    s = socket.socket(socket.AF_INET6 if fam == "6" else socket.AF_INET, socket.SOCK_DGRAM)
    if mode == "tx":
        s.connect((addr, port))
        for k in range(USEQ_COUNT):
            s.send(body(k))
            if k % 50 == 49:
                time.sleep(0.002)  # pacing, as above
        return 0
    s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE (root)
    s.bind((addr, port))
    s.settimeout(5)
    got, good, first_bad = 0, 0, -1
    try:
        while got < USEQ_COUNT:
            b = s.recv(65536)
            if b == body(got):
                good += 1
            elif first_bad < 0:
                first_bad = got
            got += 1
    except socket.timeout:
        pass
    print(got, good, first_bad)
    return 0


# ---- replay: resend the IPv4/UDP packets of a capture ----

def pcap_ipv4_udp(path):
    """The IPv4/UDP packets (whole, not truncated) of a pcap file."""
    d = open(path, "rb").read()
    e = "<" if d[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    lt = struct.unpack(e + "I", d[20:24])[0]
    off = {1: 14, 113: 16, 276: 20, 101: 0}[lt]  # Ethernet, SLL, SLL2, raw
    i = 24
    while i + 16 <= len(d):
        _, _, incl, orig = struct.unpack(e + "IIII", d[i:i + 16])
        i += 16
        fr = d[i:i + incl]
        i += incl
        ip = fr[off:]
        if incl == orig and len(ip) >= 28 and ip[0] >> 4 == 4 and ip[9] == 17:
            yield ip


def fix_udp_csum(ip):
    """A capture on a veth holds the sender's packets before checksum
    offload filled the UDP checksum in: put in the one the wire would carry
    (the zt datagram itself stays byte for byte the captured one)."""
    ihl = (ip[0] & 15) * 4
    udp = bytearray(ip[ihl:])
    udp[6:8] = b"\0\0"
    c = ~csum16(ip[12:20] + struct.pack("!BBH", 0, 17, len(udp)) + bytes(udp)) & 0xFFFF
    udp[6:8] = struct.pack("!H", c or 0xFFFF)
    return ip[:ihl] + bytes(udp)


def replay(mode, path, src):
    """raw: the packets byte for byte (raw socket, so from their own source
    address and port); port: their UDP payloads from a socket on SRC but
    another port."""
    pk = list(pcap_ipv4_udp(path))
    if mode == "raw":
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        for ip in pk:
            s.sendto(fix_udp_csum(ip), (socket.inet_ntoa(ip[16:20]), 0))
            time.sleep(0.01)  # pacing: one at a time, as they were sent
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((src, 0))
        for ip in pk:
            ihl = (ip[0] & 15) * 4
            dport = struct.unpack("!H", ip[ihl + 2:ihl + 4])[0]
            s.sendto(ip[ihl + 8:], (socket.inet_ntoa(ip[16:20]), dport))
            time.sleep(0.01)
        print("sent from %s:%d" % s.getsockname())
    print("replayed", len(pk))
    return 0


def http(method, url, auth="", body=""):
    """One HTTP request; print "<status> <body>" (errors too)."""
    import urllib.error
    import urllib.request
    h = {}
    if auth.startswith("Bearer "):
        h["Authorization"] = auth
    elif auth:
        h["X-ZT1-Auth"] = auth
    req = urllib.request.Request(url, method=method, headers=h,
                                 data=body.encode() if body else None)
    try:
        r = urllib.request.urlopen(req, timeout=5)
        print(r.status, r.read().decode())
    except urllib.error.HTTPError as e:
        print(e.code, e.read().decode())
    return 0


COMMANDS = {f.__name__: f for f in (
    game_server, game_client, mdns_responder, mdns_query, ra, udp_echo, udp_send, udp_recv,
    udp_gso_send, udp_gso_sink, useq, raw_send, arp_claim, tcp_sink, tcp_send, tcp_echo, tcp_rr, replay,
    http)}


def main(argv):
    cmd = argv[1].replace("-", "_") if len(argv) > 1 else ""
    fn = COMMANDS.get(cmd)
    if fn is not None:
        return fn(*argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv) or 0)
