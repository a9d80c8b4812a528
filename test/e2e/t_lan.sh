#!/bin/bash
# SPDX-License-Identifier: MIT
# t_lan: three sites on one ad-hoc network behave like one Ethernet segment:
#   - a LAN game on a broadcasts discovery to 255.255.255.255 and to the
#     subnet broadcast 10.9.0.255 every second; the servers on b and c hear
#     both and answer by unicast;
#   - a multicast DNS responder on a (224.0.0.251 and ff02::fb, real mDNS
#     packets) is discovered from b over IPv4 and from c over IPv6; the
#     groups were learnt from the hosts' own IGMP/MLD reports;
#   - IPv6: ping by link-local address, and by SLAAC address after a's
#     router advertisement;
#   - ARP for b's address goes to b only: c's TAP never sees it.
#
#   root0 -- inet -- a 198.18.1.2 (10.9.0.1)  b 198.18.2.2 (10.9.0.2)  c 198.18.3.2 (10.9.0.3)
set -u
. "$(dirname "$0")/lib.sh"

lab_init
lab_basic a b c
pass online "a, b, c ONLINE and joined after $(elapsed)"

wait_until 20 ping_ok a 10.9.0.2 || fail ping "no reply a -> b within 20 s"
wait_until 20 ping_ok a 10.9.0.3 || fail ping "no reply a -> c within 20 s"

# ---- LAN game: broadcast discovery, unicast answers ----
bg b game-b $PROBE game-server "${TAP[b]}"
bg c game-c $PROBE game-server "${TAP[c]}"
for m in b c; do wait_until 10 udp_bound "$m" 27015 || fail game "no game server on $m"; done
x a timeout 30 $PROBE game-client "${TAP[a]}" 10.9.0.255 8 >"$T/game-a.out" 2>&1
for k in "limited 10.9.0.2" "limited 10.9.0.3" "subnet 10.9.0.2" "subnet 10.9.0.3"; do
	grep -q "^ANSWER $k\$" "$T/game-a.out" ||
		fail game "no answer '$k' to a's broadcasts within 8 s; got: $(tr '\n' ' ' <"$T/game-a.out")"
done
pass game "broadcasts to 255.255.255.255 and 10.9.0.255 heard at b and c, answered by unicast"

# ---- mDNS over IPv4 and IPv6 ----
bg a mdns-a $PROBE mdns-responder "${TAP[a]}" printer-a
wait_until 10 udp_bound a 5353 || fail mdns4 "no mDNS responder on a"
x b timeout 30 $PROBE mdns-query "${TAP[b]}" 4 15 >"$T/mdns-b.out" 2>&1 ||
	fail mdns4 "b did not discover the service over 224.0.0.251 within 15 s: $(cat "$T/mdns-b.out"); a: $(counters_all a)"
grep -q "^FOUND printer-a._ztgame._udp.local from 10.9.0.1" "$T/mdns-b.out" ||
	fail mdns4 "unexpected answer: $(cat "$T/mdns-b.out")"
pass mdns4 "b found printer-a over 224.0.0.251:5353"
x c timeout 30 $PROBE mdns-query "${TAP[c]}" 6 15 >"$T/mdns-c.out" 2>&1 ||
	fail mdns6 "c did not discover the service over ff02::fb within 15 s: $(cat "$T/mdns-c.out")"
grep -q "^FOUND printer-a._ztgame._udp.local from fe80:" "$T/mdns-c.out" ||
	fail mdns6 "unexpected answer: $(cat "$T/mdns-c.out")"
pass mdns6 "c found printer-a over [ff02::fb]:5353"
subs=$(cli a -j listnetworks | jq -r '.[0].multicastSubscriptions | length')
[ "${subs:-0}" -ge 2 ] || fail mdns_groups "a reports ${subs:-?} snooped groups"
pass mdns_groups "a's switch learnt $subs groups from its host's IGMP/MLD reports"

# ---- IPv6: link-local, then SLAAC ----
ll_of() { ip -n "$P-$1" -6 addr show dev "${TAP[$1]}" scope link | awk '/inet6/ { sub("/.*", "", $2); print $2; exit }'; }
LL_C=$(ll_of c)
[ -n "$LL_C" ] || fail ipv6_ll "c has no link-local address"
ping6_ok() { x "$1" ping -6 -n -c 1 -W 1 -q "$2" >/dev/null 2>&1; }
wait_until 15 ping6_ok b "$LL_C%${TAP[b]}" || fail ipv6_ll "b cannot ping c at $LL_C within 15 s"
pass ipv6_ll "b pings c at $LL_C"

bg a ra-a $PROBE ra "${TAP[a]}" fd00:9:0:1:: 60
slaac_of() { ip -n "$P-$1" -6 addr show dev "${TAP[$1]}" scope global | awk '/inet6 fd00:9:0:1:/ && !/tentative/ { sub("/.*", "", $2); print $2; exit }'; }
has_slaac() { [ -n "$(slaac_of "$1")" ]; }
wait_until 20 has_slaac c || fail slaac "c got no SLAAC address in fd00:9:0:1::/64 within 20 s"
wait_until 20 has_slaac b || fail slaac "b got no SLAAC address in fd00:9:0:1::/64 within 20 s"
SL_C=$(slaac_of c)
wait_until 15 ping6_ok b "$SL_C" || fail slaac "b cannot ping c's SLAAC address $SL_C within 15 s"
pass slaac "b pings c at its SLAAC address $SL_C"

# ---- ARP is targeted: a request for b's address reaches b, not c ----
capture c "${TAP[c]}" "$T/arp-c.pcap" arp
capb=$LAST_PID
capture b "${TAP[b]}" "$T/arp-b.pcap" arp
capb2=$LAST_PID
x a ip neigh del 10.9.0.2 dev "${TAP[a]}" >/dev/null 2>&1
wait_until 10 ping_ok a 10.9.0.2 || fail arp "a cannot reach b after flushing its ARP cache"
# b answered the request: it is in b's capture (or arrives there now)
wait_until 5 pcap_has "$T/arp-b.pcap" 1 "arp[6:2] = 1 and arp dst host 10.9.0.2"
stop_capture "$capb"
stop_capture "$capb2"
nb=$(pcap_count "$T/arp-b.pcap" "arp[6:2] = 1 and arp dst host 10.9.0.2")
nc=$(pcap_count "$T/arp-c.pcap" "arp[6:2] = 1 and arp dst host 10.9.0.2")
[ "$nb" -ge 1 ] || fail arp "b's TAP saw no ARP request for 10.9.0.2"
[ "$nc" = 0 ] || fail arp "c's TAP saw $nc ARP requests for b's address (ARP is flooded)"
pass arp "ARP request for 10.9.0.2 reached b ($nb) and not c"
