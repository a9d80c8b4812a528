#!/bin/bash
# SPDX-License-Identifier: MIT
# t_rules: the rules engine with real traffic, the real zt-controller and
# ZeroTier's rule JSON.
#
#   root0 203.0.113.2 (zt-root)          ctl 198.18.1.2 (zt-controller)
#   a 198.18.2.2   b 198.18.3.2   c 198.18.4.2   (ztd each)
#
# "drop not chr ipauth; accept ethertype arp; accept dport 22 or dport 80
# and ipprotocol tcp; accept sport 22 or sport 80 and ipprotocol tcp and chr
# tcp_ack;" (nothing else: the replies carry ACK, a new connection does not):
# SSH and HTTP pass both ways (a -> b and b -> a), port 443 and ping do not,
# and both ends count what they dropped and by which rule; c, which adds a
# foreign address on its TAP and sends from it, reaches nobody.
set -u
. "$(dirname "$0")/lib.sh"

lab_init
lab_ctl a b c

D='{"type":"MATCH_IP_DEST_PORT_RANGE","start":'
S='{"type":"MATCH_IP_SOURCE_PORT_RANGE","start":'
TCP='{"type":"MATCH_IP_PROTOCOL","ipProtocol":6}'
RULES='[{"type":"MATCH_CHARACTERISTICS","not":true,"mask":"1000000000000000"},{"type":"ACTION_DROP"},
{"type":"MATCH_ETHERTYPE","etherType":2054},{"type":"ACTION_ACCEPT"},
'"$D"'22,"end":22},'"$D"'80,"end":80,"or":true},'"$TCP"',{"type":"ACTION_ACCEPT"},
'"$S"'22,"end":22},'"$S"'80,"end":80,"or":true},'"$TCP"',{"type":"MATCH_CHARACTERISTICS","mask":"0000000000000010"},{"type":"ACTION_ACCEPT"}]'
ctl_network rules "{\"rules\":$RULES}"
[ "$(echo "$NET_JSON" | jq '.rules | length')" = 13 ] ||
	fail create "the rules were not stored: $NET_JSON"
# A bad rule is refused with its index, and nothing changes.
out=$(ctl_api POST "/controller/network/$NW" '{"rules":[{"type":"ACTION_ACCEPT"},{"type":"MATCH_NOPE"}]}')
case $out in "400 "*"rule 1: unknown type"*) ;; *) fail create "a bad rule: $out" ;; esac
pass create "network $NW with 13 rules; a bad rule refused: $(echo "$out" | cut -d' ' -f2- | jq -r .description)"

start_ztd a; start_ztd b; start_ztd c
wait_online a b c
ctl_members a b c
pass assigned "a ${ZIP[a]}, b ${ZIP[b]}, c ${ZIP[c]}"

for m in a b; do
	for port in 22 80 443; do
		bg "$m" "echo-$m-$port" $PROBE tcp-echo "$port"
	done
done
wait_until 20 tcp_listening b 443 || fail setup "echo servers did not start: $(cat "$T"/echo-b-443.log)"
nd() { cli "$1" -j listnetworks 2>/dev/null | jq -r ".[] | select(.id == \"$NW\") | $2"; }
# conn FROM TO PORT: a TCP exchange within 4 s
conn() { x "$1" timeout "${4:-4}" $PROBE tcp-rr "${ZIP[$2]}" "$3" 100 3 >/dev/null 2>&1; }
wait_until 20 conn a b 22 || fail allowed "a -> b:22 does not pass within 20 s: a $(nd a "[.rulesDroppedIn,.rulesDroppedOut,.rulesDroppedBy] | tostring") b $(nd b "[.rulesDroppedIn,.rulesDroppedOut,.rulesDroppedBy] | tostring") $(counters_all a) // $(counters_all b)"
for p in "a b 22" "a b 80" "b a 22" "b a 80"; do
	set -- $p
	conn "$1" "$2" "$3" || fail allowed "$1 -> $2:$3 refused"
done
pass allowed "TCP 22 and 80 pass both ways (a -> b, b -> a)"

in0=$(nd b .rulesDroppedIn); out0=$(nd a .rulesDroppedOut)
for p in "a b 443" "b a 443"; do
	set -- $p
	conn "$1" "$2" "$3" 3 && fail dropped "$1 -> $2:$3 passed"
done
ping_ok a "${ZIP[b]}" && fail dropped "ping a -> b passed"
ping_ok b "${ZIP[a]}" && fail dropped "ping b -> a passed"
in1=$(nd b .rulesDroppedIn); out1=$(nd a .rulesDroppedOut)
[ "$((in1 + out1))" -gt "$((in0 + out0))" ] ||
	fail dropped "no drops counted (b in $in0 -> $in1, a out $out0 -> $out1)"
by=$(nd a '.rulesDroppedBy | tostring')
echo "$by" | grep -q '"none"' || fail dropped "a's drops by rule: $by (want \"none\": no rule accepted)"
conn a b 22 || fail dropped "a -> b:22 broken afterwards"
pass dropped "443 and ping refused both ways; a dropped $((out1 - out0)) sent, b $((in1 - in0)) received; a by rule: $by"

# c sends from an address that is not its own.
# (Deleting the primary address must keep the secondary one.)
x c sysctl -qw "net.ipv4.conf.${TAP[c]}.promote_secondaries=1" || fail setup "sysctl on c"
x c ip addr add 10.9.0.249/24 dev "${TAP[c]}" || fail setup "address on c"
x c timeout 4 $PROBE tcp-rr "${ZIP[a]}" 22 100 1 >/dev/null 2>&1 ||
	fail ipauth "c -> a:22 from its own address refused"
f0=$(counter c forged_src_ip); d0=$(nd a .rulesDroppedIn)
x c ip addr del "${ZIP[c]}/24" dev "${TAP[c]}" || fail setup "address on c"
x c timeout 4 $PROBE tcp-rr "${ZIP[a]}" 22 100 1 >/dev/null 2>&1 &&
	fail ipauth "c -> a:22 from a foreign address passed"
f1=$(counter c forged_src_ip); d1=$(nd a .rulesDroppedIn)
[ "$((f1 + d1))" -gt "$((f0 + d0))" ] || fail ipauth "nothing counted (c forged_src_ip $f0 -> $f1, a rulesDroppedIn $d0 -> $d1)"
pass ipauth "c from 10.9.0.249 reaches nobody (its switch: forged_src_ip +$((f1 - f0)); a's rules: +$((d1 - d0)))"
