#!/bin/bash
# SPDX-License-Identifier: MIT
# t_marker: overlay traffic is encrypted on the wire.  A random marker
# string is sent through the overlay (in ICMP echo payloads and in UDP
# datagrams); the underlay capture in the router carries the overlay
# traffic but contains the marker 0 times, while the receiver's TAP
# capture and a UDP listener on b see it in clear (the positive control).
#
#            root0  203.0.113.2 (zt-root)
#              | r0
#   inet  router   <-- tcpdump -i any udp (underlay: marker must be absent)
#       | m1                       | m2
#   a  198.18.1.2 (ztd)         b  198.18.2.2 (ztd)
#      tap 10.9.0.1  ==== overlay ====>  tap 10.9.0.2  <-- tcpdump (marker present)
#      ping -p MARKER, UDP sender         UDP listener 10.9.0.2:5555
set -u
. "$(dirname "$0")/lib.sh"

lab_init
lab_basic a b
wait_until 20 ping_ok a 10.9.0.2 || fail ping "no overlay echo a -> b within 20 s"
pass ping "overlay up ($(elapsed))"

MARK=ZTMK$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')      # 12 characters, new each run
HEX=$(printf %s "${MARK:0:8}" | od -An -tx1 | tr -d ' \n')    # ping -p takes at most 16 bytes
PMARK=${MARK:0:8}                                             # what the echo payload carries

capture inet any "$T/underlay.pcap" udp
CAP_U=$LAST_PID
capture b "${TAP[b]}" "$T/overlay.pcap"
CAP_O=$LAST_PID

bg b listener python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(15)
print("ready", flush=True)
with open(sys.argv[3], "ab") as out:
    try:
        while True:
            d, a = s.recvfrom(65535)
            out.write(d + b"\n")
            out.flush()
    except socket.timeout:
        pass
' 10.9.0.2 5555 "$T/received.bin"
wait_until 10 grep -q ready "$T/listener.log" || fail listener "UDP listener on b did not start"

x a ping -n -c 5 -i 0.2 -W 1 -s 200 -p "$HEX" 10.9.0.2 >"$T/ping-marker.log" 2>&1 ||
	fail ping_marker "echoes with the marker pattern did not all come back: $(tail -n 2 "$T/ping-marker.log" | tr '\n' ' ')"
x a python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5):
    s.sendto(("%s datagram %d over the overlay" % (sys.argv[1], i)).encode(), (sys.argv[2], 5555))
    time.sleep(0.1)
' "$MARK" 10.9.0.2
wait_until 5 grep -q "$MARK" "$T/received.bin" || fail udp "the UDP listener on b got no datagram with the marker"
stop_capture "$CAP_U"
stop_capture "$CAP_O"

count_in() { python3 -c 'import sys; print(open(sys.argv[1], "rb").read().count(sys.argv[2].encode()))' "$1" "$2"; }
n_under=$(pcap_count "$T/underlay.pcap" "udp and host ${IP[a]} and host ${IP[b]}")
n_relay=$(pcap_count "$T/underlay.pcap" "udp and host ${IP[root0]}")
m_under=$(( $(count_in "$T/underlay.pcap" "$PMARK") + $(count_in "$T/underlay.pcap" "$MARK") ))
m_over=$(count_in "$T/overlay.pcap" "$PMARK")
m_rx=$(grep -c "$MARK" "$T/received.bin")
say "underlay: $n_under a<->b packets, $n_relay to/from root; marker hits underlay=$m_under overlay=$m_over listener=$m_rx"

# the capture really saw the overlay traffic: 5 echoes + 5 replies + 5 datagrams
# (tcpdump -i any sees each forwarded packet twice)
[ $((n_under + n_relay)) -ge 15 ] ||
	fail underlay "the underlay capture holds only $n_under member and $n_relay root packets: it missed the overlay traffic"
pass underlay "underlay carried the test traffic ($n_under a<->b, $n_relay root packets)"
[ "$m_over" -gt 0 ] || fail control "the marker is not in the TAP capture on b: the positive control failed"
[ "$m_rx" -ge 5 ] || fail control "the listener on b got $m_rx/5 marker datagrams"
pass control "marker seen in clear on b's TAP ($m_over times) and by the listener ($m_rx/5)"
[ "$m_under" = 0 ] || fail cleartext "the marker appears $m_under times in the underlay capture"
pass encrypted "marker appears 0 times on the wire"
