#!/bin/bash
# SPDX-License-Identifier: MIT
# t_bridge_managed: a bridged site on a managed network.
#
#   root0 203.0.113.2          ctl 198.18.1.2 (zt-controller)
#   m 198.18.2.2: br0 = TAP + lan-h, 10.9.0.5/24 on br0 (the host's own)
#        |
#      h 10.9.0.101 (a LAN host)            p 198.18.3.2 (member, pool address)
#
# m is bridged with `set bridge=br0`; the controller assigns it 10.9.0.5
# (where the user has it: on br0) and pushes the route 10.9.0.0/24:
#   - the address and the route go onto br0, none onto the TAP, and the
#     bridge keeps its own on-link route (the kernel's, never replaced);
#   - h and p reach each other through the bridge, though h's MAC has the
#     first byte of the members' derived MACs;
#   - after ztd restarts (SIGTERM), br0 still has its address and route the
#     whole time, the TAP is back in br0, and h reaches p within 3 s of ztd
#     answering its API.
set -u
. "$(dirname "$0")/lib.sh"

lab_init
lab_ctl m p
ctl_network lab '{"ipAssignmentPools":[{"ipRangeStart":"10.9.0.10","ipRangeEnd":"10.9.0.99"}]}'

# m's LAN: br0 with the host's address and a LAN host
ip -n "$P-m" link add br0 type bridge || fail setup "bridge on m"
ip -n "$P-m" link set br0 type bridge stp_state 0
for k in iptables ip6tables arptables; do x m sysctl -qw "net.bridge.bridge-nf-call-$k=0" 2>/dev/null; done
ip -n "$P-m" addr add 10.9.0.5/24 dev br0
ip -n "$P-m" link set br0 up
lab_ns h
ip link add lan-h netns "$P-m" type veth peer name eth0 netns "$P-h" || fail setup "veth m/h"
# A randomized (locally administered) MAC with the first byte of the
# members' derived MACs on this network, as one in 64 random MACs has: it
# names no member, so h is a LAN host like any other.
HMAC=$(printf '%02x:5a:c3:91:0e:7d' $(( (16#${NW:14:2} & 0xfe) | 2 )))
ip -n "$P-h" link set eth0 address "$HMAC"
ip -n "$P-m" link set lan-h master br0
ip -n "$P-m" link set lan-h up
ip -n "$P-h" addr add 10.9.0.101/24 dev eth0
ip -n "$P-h" link set eth0 up

start_ztd m
start_ztd p
wait_online m p
ctl_join m p
out=$(cli m set "$NW" bridge=br0 2>&1) || fail bridge "m: zt-cli set bridge=br0 on a managed network: $out"
ctl_authorize m '{"authorized":true,"activeBridge":true,"ipAssignments":["10.9.0.5"]}'
ctl_authorize p

# m's address is on br0, not on the TAP (wait_assigned's check)
ok_with_ip() { [ "$(status_of "$1")" = OK ] && [ -n "$(ips_of "$1")" ] && [ "$(ips_of "$1")" != - ]; }
wait_until 20 ok_with_ip m || fail assigned "m: not OK with an address within 20 s: $(cli m listnetworks | tr '\n' ' ')"
wait_assigned p
PIP=${ZIP[p]}
TAPM=$(tap_of m "$NW")

# where the address and route are: br0, never the TAP
on_bridge() {
	ip -n "$P-m" -4 addr show dev br0 | grep -q "inet 10.9.0.5/24" &&
		[ -z "$(ip -n "$P-m" -4 addr show dev "$TAPM" | grep inet)" ] &&
		[ -n "$(ip -n "$P-m" -4 route show 10.9.0.0/24 dev br0 proto kernel)" ] &&
		! ip -n "$P-m" -4 route show 10.9.0.0/24 | grep -q "dev $TAPM" &&
		ip -n "$P-m" link show dev "$TAPM" | grep -q "master br0"
}
wait_until 10 on_bridge ||
	fail placement "m: br0: $(ip -n "$P-m" -4 -br addr show dev br0); TAP: $(ip -n "$P-m" -4 -br addr show dev "$TAPM"); routes: $(ip -n "$P-m" -4 route | tr '\n' ';')"
pass placement "10.9.0.5/24 and 10.9.0.0/24 on br0 (the kernel's route kept), nothing on $TAPM, which is in br0: $(ip -n "$P-m" -4 route show 10.9.0.0/24 | tr '\n' ';')"

wait_until 20 ping_ok h "$PIP" || fail ping "h (behind m) cannot ping p ($PIP) within 20 s; m: $(counters_all m)"
wait_until 10 ping_ok p 10.9.0.101 || fail ping "p cannot ping h within 10 s"
wait_until 10 ping_ok p 10.9.0.5 || fail ping "p cannot ping m's own address on br0 within 10 s"
[ "$(cli p listnetworks | awk -v nw="$NW" '$1 == "200" && $3 == nw { print substr($5, 1, 2) }')" = "${HMAC:0:2}" ] ||
	fail ping "h's MAC $HMAC does not share the first byte of p's MAC on the network"
pass ping "h ($HMAC, the members' first byte) <-> p through the bridge, p -> m's address on br0"

# restart m: the bridge keeps its address and on-link route throughout
bg m routewatch bash -c 'while :; do ip -4 route show 10.9.0.0/24 dev br0 proto kernel | grep -q . || echo "gone ${EPOCHREALTIME}"; ip -4 addr show dev br0 | grep -q "inet 10.9.0.5/24" || echo "addr gone ${EPOCHREALTIME}"; sleep 0.05; done'
watch=$LAST_PID
bg h ping stdbuf -oL ping -D -n -i 0.1 -W 1 "$PIP"
pinger=$LAST_PID
f0=$(counter p forged_src_mac)
p0=${ZPID[m]}
kill -TERM "$p0"
wait_exit "$p0" 5 || fail restart "ztd m still running 5 s after SIGTERM"
start_ztd m
wait_until 10 cli m info || fail restart "ztd m's API not up within 10 s"
tup=$(now_ms)
# the first reply h gets after that
first_reply() {
	awk -v t="$1" '/bytes from/ { gsub(/[][]/, "", $1); split($1, p, "."); us = p[1] * 1000000 + substr(p[2] "000000", 1, 6); if (us > t) { print p[1] substr(p[2] "000000", 1, 6); exit } }' "$T/ping.log"
}
replied() { [ -n "$(first_reply "$1")" ]; }
wait_until 6 replied $((tup * 1000)) ||
	fail restart "h cannot reach p within 6 s of ztd m's API being up"
back=$(( $(first_reply $((tup * 1000))) / 1000 - tup ))
stop_capture "$pinger"
wait_until 10 on_bridge || fail restart "m: address or route not on br0, or TAP not in br0 after the restart"
kill "$watch" 2>/dev/null
[ ! -s "$T/routewatch.log" ] || fail restart "br0 lost its address or route during the restart: $(head -n 3 "$T/routewatch.log" | tr '\n' ' ')"
fm=$(counter m forged_src_mac); fp=$(counter p forged_src_mac)
[ "$fm" = 0 ] && [ "$fp" = "$f0" ] || fail restart "frames dropped as forged: m $fm, p +$((fp - f0))"
[ "$back" -le 3000 ] || fail restart "h reached p only $back ms after ztd m's API was up (want <= 3000)"
pass restart "br0 kept its address and route; h reaches p $back ms after ztd m's API is up; nothing dropped as forged"
