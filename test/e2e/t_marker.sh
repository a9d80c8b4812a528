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

bg b listener timeout 60 $PROBE udp-recv 10.9.0.2 5555
wait_until 10 udp_bound b 5555 || fail listener "UDP listener on b did not start"

ping_all a 5 -i 0.2 -W 1 -s 200 -p "$HEX" 10.9.0.2 >"$T/ping-marker.log" ||
	fail ping_marker "echoes with the marker pattern did not all come back: $(tail -n 2 "$T/ping-marker.log" | tr '\n' ' ')"
x a bash -c 'for i in 0 1 2 3 4; do echo "$1 datagram $i over the overlay" >/dev/udp/10.9.0.2/5555; done' - "$MARK"
got_all() { [ "$(grep -c "$MARK" "$T/listener.log")" -ge 5 ]; }
wait_until 5 got_all || fail udp "the UDP listener on b got $(grep -c "$MARK" "$T/listener.log") of 5 datagrams with the marker"
# both captures hold the test traffic before they stop: the 15 packets on
# b's TAP, and at least as many on the underlay (a <-> b or via the root)
wait_until 5 pcap_has "$T/overlay.pcap" 15 udp port 5555 or icmp ||
	fail control "b's TAP capture holds $(pcap_count "$T/overlay.pcap" udp port 5555 or icmp) of the 15 packets"
wait_until 5 pcap_has "$T/underlay.pcap" 15 "udp and (host ${IP[a]} and host ${IP[b]} or host ${IP[root0]})" ||
	fail underlay "the underlay capture holds $(pcap_count "$T/underlay.pcap" udp) packets"
stop_capture "$CAP_U"
stop_capture "$CAP_O"

count_in() { grep -a -o -F -- "$2" "$1" | wc -l; } # FILE STRING: occurrences
n_under=$(pcap_count "$T/underlay.pcap" "udp and host ${IP[a]} and host ${IP[b]}")
n_relay=$(pcap_count "$T/underlay.pcap" "udp and host ${IP[root0]}")
m_under=$(( $(count_in "$T/underlay.pcap" "$PMARK") + $(count_in "$T/underlay.pcap" "$MARK") ))
m_over=$(count_in "$T/overlay.pcap" "$PMARK")
m_rx=$(grep -c "$MARK" "$T/listener.log")
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
