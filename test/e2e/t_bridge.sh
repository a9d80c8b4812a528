#!/bin/bash
# SPDX-License-Identifier: MIT
# t_bridge: two sites bridge a LAN segment each into one ad-hoc network.
#
#   root0 -- inet -- a (bridge)        b (bridge)        c (member)
#                    br0: tap + lan0   br0: tap + lan0   tap 10.9.0.3
#                    10.9.0.1          10.9.0.2
#                      |                 |
#                    h1 10.9.0.101     h2 10.9.0.102     (hosts behind the bridges)
#
#   - h1 and h2 reach each other and every member by ARP and ping, with
#     full 1500-byte frames;
#   - c (not a bridge) forging a source MAC gets nothing through, and does
#     not receive unknown unicast meant for the LANs;
#   - h1 moves from a's segment to b's and is reachable again within seconds;
#   - 802.1Q-tagged frames (VLAN 100) pass unchanged from LAN to LAN;
#   - a deliberate loop (a veth joining both LAN segments: two bridges on
#     one segment) does not melt the network, and traffic still flows.
set -u
. "$(dirname "$0")/lib.sh"

lab_init
lab_basic a b c
pass online "a, b, c ONLINE and joined after $(elapsed)"

# make_bridge SITE IP: the site's TAP and a LAN veth into br0; the site's
# own address moves to br0, which takes the TAP's MAC (its member MAC).
make_bridge() {
	local s=$1 ip=$2 mac
	cli "$s" set "$NWID" bridge=1 >/dev/null || fail setup "zt-cli set bridge=1 on $s"
	for k in iptables ip6tables arptables; do
		x "$s" sysctl -qw "net.bridge.bridge-nf-call-$k=0" 2>/dev/null
	done
	mac=$(x "$s" cat "/sys/class/net/${TAP[$s]}/address" 2>/dev/null ||
		ip -n "$P-$s" link show dev "${TAP[$s]}" | awk '/link\/ether/ { print $2 }')
	ip -n "$P-$s" link add br0 type bridge || fail setup "bridge on $s"
	ip -n "$P-$s" link set br0 address "$mac" type bridge stp_state 0
	ip -n "$P-$s" addr del "$ip/24" dev "${TAP[$s]}"
	ip -n "$P-$s" link set "${TAP[$s]}" master br0
	ip -n "$P-$s" addr add "$ip/24" dev br0
	ip -n "$P-$s" link set br0 up
}
# lan_host HOST SITE IP MAC: a host on SITE's LAN segment (port lan-HOST)
lan_host() {
	local h=$1 s=$2 ip=$3 mac=$4
	ip link add "lan-$h" netns "$P-$s" type veth peer name eth0 netns "$P-$h" ||
		fail setup "veth $s/$h"
	ip -n "$P-$h" link set eth0 address "$mac"
	ip -n "$P-$s" link set "lan-$h" master br0
	ip -n "$P-$s" link set "lan-$h" up
	ip -n "$P-$h" addr add "$ip/24" dev eth0 2>/dev/null
	ip -n "$P-$h" link set eth0 up
}
MAC_H1=52:54:00:00:01:01
MAC_H2=52:54:00:00:02:02
lab_ns h1
lab_ns h2
make_bridge a 10.9.0.1
make_bridge b 10.9.0.2
lan_host h1 a 10.9.0.101 $MAC_H1
lan_host h2 b 10.9.0.102 $MAC_H2

# ---- hosts behind bridges reach each other and every member ----
wait_until 20 ping_ok h1 10.9.0.102 ||
	fail lan_lan "h1 cannot ping h2 (behind two bridges) within 20 s; a: $(counters_all a)"
pass lan_lan "h1 -> h2 across two bridges after $(elapsed)"
for pair in "h1 10.9.0.3" "h2 10.9.0.3" "h1 10.9.0.2" "h2 10.9.0.1" "c 10.9.0.101" "c 10.9.0.102" "a 10.9.0.102"; do
	set -- $pair
	wait_until 10 ping_ok "$1" "$2" || fail reach "$1 cannot ping $2 within 10 s"
done
pass reach "LAN hosts, bridges and member c all reach each other"
ping_all h1 3 -W 2 -q -M do -s 1472 10.9.0.102 >/dev/null ||
	fail full_frames "1500-byte packets (DF) h1 -> h2 do not all cross"
ping_all h1 3 -W 2 -q -M do -s 1472 10.9.0.3 >/dev/null ||
	fail full_frames "1500-byte packets (DF) h1 -> c do not all cross"
pass full_frames "full 1500-byte frames from the bridged LAN cross to a LAN and to a member"

# ---- a non-bridge member cannot forge, nor receive others' unicast ----
capture h1 eth0 "$T/forge-h1.pcap" ether src 52:54:00:66:66:66
cap1=$LAST_PID
before=$(counter c forged_src_mac)
x c timeout 20 $PROBE raw-send "${TAP[c]}" 52:54:00:66:66:66 ff:ff:ff:ff:ff:ff 20
# c's switch has seen (and dropped) all 20 before anything checks h1
wait_until 5 counter_ge c forged_src_mac $((before + 20))
stop_capture "$cap1"
after=$(counter c forged_src_mac)
n=$(pcap_count "$T/forge-h1.pcap")
[ "$n" = 0 ] || fail forge "h1 received $n frames c forged"
[ $((after - before)) -ge 20 ] || fail forge "c's forged_src_mac went $before -> $after, expected +20"
pass forge "20 forged frames from c: dropped at c (forged_src_mac +$((after - before))), none arrived"

capture c "${TAP[c]}" "$T/unk-c.pcap" ether dst 52:54:00:de:ad:01
capc=$LAST_PID
capture h2 eth0 "$T/unk-h2.pcap" ether dst 52:54:00:de:ad:01
caph=$LAST_PID
x h1 timeout 20 $PROBE raw-send eth0 $MAC_H1 52:54:00:de:ad:01 10 0800
# all 10 at the other LAN; had c been sent them, they would be there too
wait_until 5 pcap_has "$T/unk-h2.pcap" 10
stop_capture "$capc"
stop_capture "$caph"
nc=$(pcap_count "$T/unk-c.pcap")
nh=$(pcap_count "$T/unk-h2.pcap")
[ "$nc" = 0 ] || fail unknown_unicast "member c received $nc unknown-unicast frames"
[ "$nh" -ge 10 ] || fail unknown_unicast "the other bridge's LAN got $nh of 10 unknown-unicast frames"
pass unknown_unicast "unknown unicast went to the bridges only (h2 saw $nh, c saw 0)"

# ---- 802.1Q: tagged frames pass unchanged between the bridges ----
# (this kernel has no 8021q module: raw tagged frames, VLAN 100 / PCP 5,
# written on h1 and captured on h2)
capture h2 eth0 "$T/vlan-h2.pcap" vlan 100
capv=$LAST_PID
x h1 timeout 20 $PROBE raw-send eth0 $MAC_H1 $MAC_H2 5 8100a06488b5
x h1 timeout 20 $PROBE raw-send eth0 $MAC_H1 ff:ff:ff:ff:ff:ff 5 8100a06488b5
wait_until 5 pcap_has "$T/vlan-h2.pcap" 10 vlan 100
stop_capture "$capv"
nv=$(tcpdump -n -e -r "$T/vlan-h2.pcap" 2>/dev/null | grep -c "ethertype 802.1Q (0x8100), length [0-9]*: vlan 100, p 5, ethertype")
np=$(tcpdump -n -A -r "$T/vlan-h2.pcap" 2>/dev/null | grep -c ZTFORGED)
[ "$np" -ge 10 ] || fail vlan "h2 got $np of 10 tagged frames with their payload intact"
[ "$nv" -ge 10 ] || fail vlan "h2 got $nv of 10 frames tagged VLAN 100 (unicast and broadcast): $(tcpdump -n -e -r "$T/vlan-h2.pcap" 2>/dev/null | head -3 | tr '\n' ' ')"
pass vlan "10 tagged frames (VLAN 100, PCP 5, unicast and broadcast) arrived on the other LAN with their tags unchanged"

# ---- a host moves from a's segment to b's ----
ip -n "$P-a" link del lan-h1
t_move=$(now_ms)
lan_host h1 b 10.9.0.101 $MAC_H1
# a moved machine talks first (its link comes up; here: it pings c)
wait_until 15 ping_ok h1 10.9.0.3 || fail move "h1 cannot reach c within 15 s of moving"
wait_until 15 ping_ok c 10.9.0.101 || fail move "c cannot reach h1 within 15 s of the move"
wait_until 15 ping_ok a 10.9.0.101 || fail move "a cannot reach h1 within 15 s of the move"
pass move "h1 reachable again $(( $(now_ms) - t_move )) ms after moving segments"

# ---- a loop: both LAN segments joined (two bridges on one segment) ----
ip link add loop0 netns "$P-a" type veth peer name loop0 netns "$P-b" || fail loop "veth a/b"
ip -n "$P-a" link set loop0 master br0
ip -n "$P-b" link set loop0 master br0
capture c "${TAP[c]}" "$T/loop-c.pcap"
capl=$LAST_PID
out_a0=$(counter a frames_out)
out_b0=$(counter b frames_out)
ip -n "$P-a" link set loop0 up
ip -n "$P-b" link set loop0 up
# broadcasts from both sides: each would circle forever without protection
x h2 ping -n -b -c 5 -i 0.2 -W 1 10.9.0.255 >/dev/null 2>&1
x h1 ping -n -c 3 -i 0.2 -W 1 10.9.0.3 >/dev/null 2>&1
# A fixed time on purpose: a storm is counted over a window (a loop that
# is not broken goes on multiplying frames as long as one looks)
sleep 5
stop_capture "$capl"
out_a=$(( $(counter a frames_out) - out_a0 ))
out_b=$(( $(counter b frames_out) - out_b0 ))
nc=$(pcap_count "$T/loop-c.pcap")
say "loop: a sent $out_a frames, b sent $out_b, c's TAP saw $nc in ~7 s; loops broken: a $(counter a bridge_loop), b $(counter b bridge_loop)"
[ "$out_a" -lt 400 ] && [ "$out_b" -lt 400 ] && [ "$nc" -lt 400 ] ||
	fail loop "storm: a sent $out_a, b sent $out_b frames, c saw $nc in ~7 s"
wait_until 15 ping_ok c 10.9.0.102 || fail loop "c cannot reach h2 with the loop in place"
wait_until 15 ping_ok c 10.9.0.101 || fail loop "c cannot reach h1 with the loop in place"
wait_until 15 ping_ok h1 10.9.0.3 || fail loop "h1 cannot reach c with the loop in place"
pass loop "no storm (a sent $out_a, b sent $out_b frames; c saw $nc) and traffic still flows"
