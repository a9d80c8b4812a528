#!/bin/bash
# SPDX-License-Identifier: MIT
# t_mtu: b's underlay path has an MTU of 1280 and the router drops the ICMP
# "fragmentation needed" it would send (a PMTU black hole).  With no MTU
# setting anywhere (the overlay keeps 2800), a 10 MB TCP transfer and a
# 2000-byte UDP datagram cross the overlay both ways, because zt probes the
# path (doc/PROTOCOL.md "Path MTU") and cuts its datagrams to fit.
#
#   root0 -- inet --m1-- a 198.18.1.2 (1500)
#                 --m2-- b 198.18.2.2 (1280 on both ends of the veth)
set -u
. "$(dirname "$0")/lib.sh"

lab_init
lab_root_ns root0 0
lab_member_ns a 1
lab_member_ns b 2
ip -n "$P-b" link set zeth0 mtu 1280
ip -n "$P-inet" link set m2 mtu 1280
x inet nft -f - <<'NFT' || fail setup "nft"
table inet zt_mtu {
	chain out {
		type filter hook output priority filter; policy accept;
		icmp type destination-unreachable icmp code frag-needed drop
	}
}
NFT
start_root root0
make_roots "$T/roots" root0
start_ztd a
start_ztd b
wait_online a b
join_net a "$NWID" 10.9.0.1/24
join_net b "$NWID" 10.9.0.2/24
pass online "a, b ONLINE; b's underlay MTU 1280, ICMP frag-needed dropped"
[ "$(ip -n "$P-a" -o link show dev "${TAP[a]}" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')" = 2800 ] ||
	fail setup "a's TAP MTU is not 2800"

wait_until 20 ping_ok a 10.9.0.2 || fail ping "no reply a -> b within 20 s"
# a DF ping that needs a 2000-byte overlay frame
ping_all a 3 -W 2 -q -M do -s 1972 10.9.0.2 >/dev/null ||
	fail big_ping "2000-byte DF pings a -> b do not all cross"
pass big_ping "2000-byte packets cross a 1280-byte path"

ADDR_B=$(zt_addr b)
pmtu_of() { cli a -j listpeers | jq -r --arg a "$1" '.[] | select(.address == $a) | .pathMtu // 0'; }
# the search ends within 8 bytes of the 1252 that fit (1280 - 28)
pmtu_found() { local m; m=$(pmtu_of "$ADDR_B"); [ -n "$m" ] && [ "$m" -le 1252 ] && [ "$m" -ge 1244 ]; }
t_probe=$(now_ms)
wait_until 30 pmtu_found || fail pmtu "a probed b's path at '$(pmtu_of "$ADDR_B")' bytes after 30 s, expected 1244..1252"
pass pmtu "path probed to $(pmtu_of "$ADDR_B")-byte datagrams towards b (search done within $(( $(now_ms) - t_probe )) ms of the first ping reply)"

bg b echo-b $PROBE udp-echo 7000
wait_until 10 udp_bound b 7000 || fail udp "no UDP echo on b"
out=$(x a timeout 20 $PROBE udp-send 10.9.0.2 7000 2000 2>&1)
[ "$out" = "ECHO 2000 bytes intact" ] || fail udp "2000-byte UDP datagram a -> b -> a: $out"
pass udp "a 2000-byte UDP datagram crossed both ways intact"

bg b sink-b $PROBE tcp-sink 7001
bg a sink-a $PROBE tcp-sink 7001
for m in a b; do wait_until 10 tcp_listening "$m" 7001 || fail tcp_ab "no TCP sink on $m"; done
# ztd cuts TCP super-frames to the probed path (zt_node_frame_max): the
# sender's segments each fit one ~1250-byte datagram, so (almost) no
# packet is cut into FRAG datagrams (tx_fragmented).
frag_mark a
t0=$(now_ms)
out=$(x a timeout 90 $PROBE tcp-send 10.9.0.2 7001 10000000 2>&1)
case $out in *intact*) ;; *) fail tcp_ab "10 MB a -> b: $out" ;; esac
frag_ratio_ok a 1001 tcp_ab
pass tcp_ab "$out in $(( $(now_ms) - t0 )) ms, segments fit the path"
frag_mark b
t0=$(now_ms)
out=$(x b timeout 90 $PROBE tcp-send 10.9.0.1 7001 10000000 2>&1)
case $out in *intact*) ;; *) fail tcp_ba "10 MB b -> a: $out" ;; esac
frag_ratio_ok b 1001 tcp_ba
pass tcp_ba "$out in $(( $(now_ms) - t0 )) ms, segments fit the path"

# Request/response: each 2000-byte request and answer is a lone segment
# (the MSS is 2760: the kernel sends it as one plain frame, not GSO), too
# big for the path.  ztd cuts such a frame into segments as it cuts
# super-frames, so none goes as FRAG datagrams (a lost fragment would cost
# the whole frame and the receiver would have to reassemble).
bg b echo-tcp-b $PROBE tcp-echo 7002
wait_until 10 tcp_listening b 7002 || fail tcp_rr "no TCP echo on b"
frag_mark a
frag_mark b
out=$(x a timeout 60 $PROBE tcp-rr 10.9.0.2 7002 2000 300 2>&1)
case $out in *intact*) ;; *) fail tcp_rr "300 x 2000 bytes a -> b -> a: $out" ;; esac
frag_ratio_ok a 600 tcp_rr
fa=$FRAG_N oa=$FRAG_OUT
frag_ratio_ok b 600 tcp_rr
pass tcp_rr "$out; $fa + $FRAG_N of $oa + $FRAG_OUT frames fragmented"

# optional MSS clamping (ad-hoc network setting on a only): the SYN a sends
# and the SYN-ACK it receives both carry MSS 1000 at the hosts' TAPs
out=$(cli a set "$NWID" mssClamp=1000 2>&1) || fail mss "zt-cli set mssClamp=1000: $out"
capture b "${TAP[b]}" "$T/mss-b.pcap" "tcp[tcpflags] & tcp-syn != 0"
capb=$LAST_PID
capture a "${TAP[a]}" "$T/mss-a.pcap" "tcp[tcpflags] & tcp-syn != 0"
capa=$LAST_PID
out=$(x a timeout 30 $PROBE tcp-send 10.9.0.2 7001 100000 2>&1)
# the SYN at b's TAP and the SYN-ACK at a's were both on the way to the
# hosts before the transfer could start
wait_until 5 pcap_has "$T/mss-b.pcap" 1 "tcp[tcpflags] == tcp-syn"
wait_until 5 pcap_has "$T/mss-a.pcap" 1 "tcp[tcpflags] == tcp-syn|tcp-ack"
stop_capture "$capb"
stop_capture "$capa"
case $out in *intact*) ;; *) fail mss "100 kB with MSS clamping: $out" ;; esac
syn_b=$(tcpdump -n -r "$T/mss-b.pcap" 2>/dev/null | grep "Flags \[S\]" | grep -o "mss [0-9]*" | head -1)
synack_a=$(tcpdump -n -r "$T/mss-a.pcap" 2>/dev/null | grep "Flags \[S\.\]" | grep -o "mss [0-9]*" | head -1)
[ "$syn_b" = "mss 1000" ] || fail mss "b's host saw a's SYN with '$syn_b', expected mss 1000"
[ "$synack_a" = "mss 1000" ] || fail mss "a's host saw b's SYN-ACK with '$synack_a', expected mss 1000"
pass mss "mssClamp=1000: SYN and SYN-ACK clamped in both directions, transfer intact"
