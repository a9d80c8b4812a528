#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""upnp_hang.py GATEWAY_IP...: a home router whose UPnP-IGD answers the
discovery (SSDP, with the LOCATION of its description on the gateway
address of the asker's subnet, port 5000) and then hangs: it accepts the
HTTP connection and never finishes its answer (one byte of an endless
header a second, so the client's read timeouts never fire).  Prints
"listening" once ready and "held <client ip>" for each connection it
holds, so a test knows the client is waiting on it."""
import socket
import sys
import threading
import time

GROUP = "239.255.255.250"
ST = "urn:schemas-upnp-org:device:InternetGatewayDevice:1"


def trickle(c):
    try:
        c.sendall(b"HTTP/1.1 200 OK\r\nX-Wait: ")
        while True:
            time.sleep(1)
            c.sendall(b"z")
    except OSError:
        c.close()


def http():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", 5000))
    srv.listen(16)
    while True:
        c, (ip, _) = srv.accept()
        print("held", ip, flush=True)
        threading.Thread(target=trickle, args=(c,), daemon=True).start()


def main():
    gws = sys.argv[1:]
    threading.Thread(target=http, daemon=True).start()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", 1900))
    for gw in gws:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                     socket.inet_aton(GROUP) + socket.inet_aton(gw))
    print("listening", flush=True)
    while True:
        req, (ip, port) = s.recvfrom(2048)
        if not req.startswith(b"M-SEARCH"):
            continue
        net = ip.rsplit(".", 1)[0]
        gw = next((g for g in gws if g.rsplit(".", 1)[0] == net), gws[0])
        s.sendto(("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: %s\r\n"
                  "USN: uuid:zt-test::%s\r\nLOCATION: http://%s:5000/rootDesc.xml\r\n\r\n"
                  % (ST, ST, gw)).encode(), (ip, port))


main()
