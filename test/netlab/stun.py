#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""stun.py - a small STUN Binding responder for the NAT lab (RFC 5389, with
the RFC 5780 CHANGE-REQUEST / OTHER-ADDRESS subset): miniupnpd refuses a
WAN address in 198.18.0.0/15 ("reserved") unless STUN shows it reachable
(netlab.md, section 3), and it wants answers from a second address and port.

    stun.py IP_A IP_B [LIFETIME_S]      listens on both addresses, ports 3478 + 3479

Bounded: exits after LIFETIME_S (default 600).  Prints "stun: up" when ready.
"""
import select, socket, struct, sys, time

MAGIC = 0x2112A442


def addr_attr(atype, ip, port, xor=False):
    ipb = socket.inet_aton(ip)
    if xor:
        port ^= MAGIC >> 16
        ipb = bytes(a ^ b for a, b in zip(ipb, struct.pack("!I", MAGIC)))
    return struct.pack("!HHBBH", atype, 8, 0, 1, port) + ipb


def parse(pkt):
    """(tid, cookie, change_ip, change_port) of a Binding request, else None."""
    if len(pkt) < 20:
        return None
    mtype, mlen, cookie = struct.unpack("!HHI", pkt[:8])
    if mtype != 0x0001 or 20 + mlen > len(pkt):
        return None
    chg_ip = chg_port = False
    p = 20
    while p + 4 <= 20 + mlen:
        at, al = struct.unpack("!HH", pkt[p:p + 4])
        if at == 0x0003 and al >= 4 and p + 8 <= len(pkt):
            flags = struct.unpack("!I", pkt[p + 4:p + 8])[0]
            chg_ip, chg_port = bool(flags & 4), bool(flags & 2)
        p += 4 + ((al + 3) & ~3)
    return pkt[8:20], cookie, chg_ip, chg_port


def reply(tid, cookie, src, origin, other):
    a = addr_attr(0x0001, *src)
    if cookie == MAGIC:
        a += addr_attr(0x0020, *src, xor=True) + addr_attr(0x802B, *origin) + addr_attr(0x802C, *other)
    else:
        a += addr_attr(0x0004, *origin) + addr_attr(0x0005, *other)
    return struct.pack("!HHI", 0x0101, len(a), cookie) + tid + a


def main():
    ip_a, ip_b = sys.argv[1], sys.argv[2]
    life = float(sys.argv[3]) if len(sys.argv) > 3 else 600
    socks = {}
    for ip in (ip_a, ip_b):
        for port in (3478, 3479):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((ip, port))
            socks[(ip, port)] = s
    other_ip = {ip_a: ip_b, ip_b: ip_a}
    other_port = {3478: 3479, 3479: 3478}
    print("stun: up", flush=True)
    end = time.monotonic() + life
    while time.monotonic() < end:
        r, _, _ = select.select(list(socks.values()), [], [], 0.5)
        for s in r:
            pkt, src = s.recvfrom(2048)
            here = s.getsockname()
            st = parse(pkt)
            if not st:
                continue
            tid, cookie, ci, cp = st
            out = socks[(other_ip[here[0]] if ci else here[0], other_port[here[1]] if cp else here[1])]
            out.sendto(reply(tid, cookie, src, out.getsockname(), (other_ip[here[0]], other_port[here[1]])), src)


if __name__ == "__main__":
    main()
