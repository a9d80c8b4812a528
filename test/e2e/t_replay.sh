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
#      replayer (python3)           echo requests during the replay must be 0
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
direct_both() { ping_ok a 10.9.0.2; path_is a "$ADDR_B" DIRECT && path_is b "$ADDR_A" DIRECT; }
wait_until 30 direct_both || fail direct "a <-> b not DIRECT within 30 s"
ep_before=$(cli b listpeers | awk -v p="$ADDR_A" '$3 == p { print $5 }')
pass direct "DIRECT, b reaches a at $ep_before ($(elapsed))"

# 1. capture a's packets to b while a pings b (10 echoes)
capture inet m2 "$T/a2b.pcap" udp and src host "${IP[a]}" and dst host "${IP[b]}"
CAP=$LAST_PID
x a ping -n -c 10 -i 0.2 -W 1 10.9.0.2 >"$T/ping1.log" 2>&1 ||
	fail ping "10 echoes a -> b did not all come back: $(tail -n 2 "$T/ping1.log" | tr '\n' ' ')"
stop_capture "$CAP"
N=$(pcap_count "$T/a2b.pcap")
[ "$N" -ge 5 ] || fail capture "only $N a -> b packets captured for 10 echoes"
pass capture "$N encrypted a -> b packets captured"

cat >"$T/replay.py" <<'EOF'
# replay.py raw|port PCAP: resend the IPv4/UDP packets of a capture
import socket, struct, sys, time

def packets(path):
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

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def fix_udp_csum(ip):
    # A capture on a veth holds the sender's packets before checksum offload
    # filled the UDP checksum in: put in the one the wire would carry (the
    # zt datagram itself stays byte for byte the captured one).
    ihl = (ip[0] & 15) * 4
    udp = bytearray(ip[ihl:])
    udp[6:8] = b"\0\0"
    c = csum(ip[12:20] + struct.pack("!BBH", 0, 17, len(udp)) + bytes(udp)) or 0xFFFF
    udp[6:8] = struct.pack("!H", c)
    return ip[:ihl] + bytes(udp)

mode, path = sys.argv[1], sys.argv[2]
pk = list(packets(path))
if mode == "raw":
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for ip in pk:
        s.sendto(fix_udp_csum(ip), (socket.inet_ntoa(ip[16:20]), 0))
        time.sleep(0.01)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[3], 0))
    for ip in pk:
        ihl = (ip[0] & 15) * 4
        dport = struct.unpack("!H", ip[ihl + 2:ihl + 4])[0]
        s.sendto(ip[ihl + 8:], (socket.inet_ntoa(ip[16:20]), dport))
        time.sleep(0.01)
    print("sent from %s:%d" % s.getsockname())
print("replayed", len(pk))
EOF

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
	out=$(x a python3 "$T/replay.py" "$mode" "$T/a2b.pcap" "${IP[a]}" 2>&1) ||
		fail "replay_$mode" "replayer failed: $out"
	sleep 1
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

x a ping -n -c 3 -i 0.2 -W 1 10.9.0.2 >"$T/ping2.log" 2>&1 ||
	fail after "a -> b after the replays: $(tail -n 2 "$T/ping2.log" | tr '\n' ' ')"
dups=$(grep -c DUP "$T/ping1.log" "$T/ping2.log" | awk -F: '{ s += $2 } END { print s + 0 }')
[ "$dups" = 0 ] || fail after "ping reported $dups duplicate replies"
pass after "session still works after the replays, no duplicate replies"
