#!/bin/bash
# SPDX-License-Identifier: MIT
# t_replay: captured underlay packets replayed at a member are rejected:
# b's rx_replay counter goes up, no replayed frame reaches b's TAP, b keeps
# a's real endpoint as the path, and the session keeps working.
#
#            root0  203.0.113.2 (zt-root)
#              | r0
#   inet  router   <-- tcpdump -i m2: a -> b UDP while a pings b 10 times
#       | m1                       | m2
#   a  198.18.1.2 (ztd)         b  198.18.2.2 (ztd)  <-- tcpdump on the TAP:
#      replayer (lanprobe.py)       echo requests during the replay must be 0
#
# Two replays, both sent from inside a's namespace:
#   raw   the captured IP packets byte for byte (raw socket, IP_HDRINCL), so
#         source address and port are a's real ones: a pure replay;
#   port  the captured UDP payloads from a socket on a's address but another
#         port: a replay that also tries to move b's path to a new endpoint.
set -u
. "$(dirname "$0")/lib.sh"

lab_init
lab_basic a b
ADDR_A=$(zt_addr a)
ADDR_B=$(zt_addr b)
direct_both() { ping_ok a 10.9.0.2 && path_is a "$ADDR_B" DIRECT && path_is b "$ADDR_A" DIRECT; }
wait_until 30 direct_both || fail direct "a <-> b not DIRECT within 30 s"
ep_before=$(cli b listpeers | awk -v p="$ADDR_A" '$3 == p { print $5 }')
pass direct "DIRECT, b reaches a at $ep_before ($(elapsed))"

# 1. capture a's packets to b while a pings b (10 echoes)
capture inet m2 "$T/a2b.pcap" udp and src host "${IP[a]}" and dst host "${IP[b]}"
CAP=$LAST_PID
ping_all a 10 -i 0.2 -W 1 10.9.0.2 >"$T/ping1.log" ||
	fail ping "10 echoes a -> b did not all come back: $(tail -n 2 "$T/ping1.log" | tr '\n' ' ')"
# (10 requests sent, 10 replies came: the requests are in the capture or
# about to be written)
wait_until 5 pcap_has "$T/a2b.pcap" 10
stop_capture "$CAP"
N=$(pcap_count "$T/a2b.pcap")
[ "$N" -ge 5 ] || fail capture "only $N a -> b packets captured for 10 echoes"
pass capture "$N encrypted a -> b packets captured"

sum_drops() { # COUNTERS_LINE: every rejecting counter added up
	echo "$1" | tr ' ' '\n' | awk -F= '$1 ~ /^(rx_replay|rx_auth_fail|rx_no_session|rx_malformed|rx_unknown_peer|hs_rejected)$/ { s += $2 } END { print s + 0 }'
}
# replay MODE: run one replay, check its effect on b
replay() {
	local mode=$1 r0 r1 c0 c1 echoes out
	r0=$(counter b rx_replay)
	[ "$r0" -ge 0 ] || fail "replay_$mode" "b's /status has no counters.rx_replay: $(counters_all b)"
	c0=$(counters_all b)
	capture b "${TAP[b]}" "$T/tap-$mode.pcap" icmp and 'icmp[icmptype] == icmp-echo'
	local cap=$LAST_PID
	out=$(x a timeout 30 $PROBE replay "$mode" "$T/a2b.pcap" "${IP[a]}" 2>&1) ||
		fail "replay_$mode" "replayer failed: $out"
	# b has turned away all N (as replays or otherwise) before its TAP
	# capture and its counters are read
	wait_until 5 eval '[ $(( $(sum_drops "$(counters_all b)") - $(sum_drops "$c0") )) -ge $N ]'
	stop_capture "$cap"
	r1=$(counter b rx_replay)
	c1=$(counters_all b)
	echoes=$(pcap_count "$T/tap-$mode.pcap")
	say "$mode: $(echo "$out" | tr '\n' ' ')"
	say "$mode: b counters before: $c0"
	say "$mode: b counters after:  $c1"
	[ "$echoes" = 0 ] || fail "replay_$mode" "$echoes replayed echo requests reached b's TAP"
	[ $((r1 - r0)) -ge 5 ] ||
		fail "replay_$mode" "rx_replay went $r0 -> $r1 for $N replayed packets (10 echoes among them); rejections $(sum_drops "$c0") -> $(sum_drops "$c1")"
	pass "replay_$mode" "$N replayed: rx_replay +$((r1 - r0)), all rejections +$(( $(sum_drops "$c1") - $(sum_drops "$c0") )), 0 echo requests on b's TAP"
}

replay raw
replay port
ep_after=$(cli b listpeers | awk -v p="$ADDR_A" '$3 == p { print $5 }')
[ "$ep_after" = "$ep_before" ] ||
	fail path "b's path to a moved from $ep_before to '$ep_after' after the replays"
pass path "b still reaches a at $ep_before"

ping_all a 3 -i 0.2 -W 1 10.9.0.2 >"$T/ping2.log" ||
	fail after "a -> b after the replays: $(tail -n 2 "$T/ping2.log" | tr '\n' ' ')"
dups=$(grep -c DUP "$T/ping1.log" "$T/ping2.log" | awk -F: '{ s += $2 } END { print s + 0 }')
[ "$dups" = 0 ] || fail after "ping reported $dups duplicate replies"
pass after "session still works after the replays, no duplicate replies"
