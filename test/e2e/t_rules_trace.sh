#!/bin/bash
# SPDX-License-Identifier: MIT
# t_rules_trace: seeing why a frame was dropped.
#
#   root0 203.0.113.2 (zt-root)   ctl 198.18.1.2 (zt-controller)
#   a 198.18.2.2   b 198.18.3.2   (ztd each)
#
# "accept ethertype arp; drop ipprotocol icmp; accept;": a ping from a to b
# is dropped by a's rule 3 (the drop), and `zt-cli trace` on a shows it
# with that rule, its direction, b, and its addresses; b's trace stays
# empty (the sender dropped it); TCP still passes.  `zt-cli rules` shows
# the list, a's capability and tag as the rules language writes them, and
# -j the controller's JSON unchanged.
set -u
. "$(dirname "$0")/lib.sh"

lab_init
lab_ctl a b

RULES='[{"type":"MATCH_ETHERTYPE","etherType":2054},{"type":"ACTION_ACCEPT"},
{"type":"MATCH_IP_PROTOCOL","ipProtocol":1},{"type":"ACTION_DROP"},{"type":"ACTION_ACCEPT"}]'
ctl_network trace '{"rules":'"$RULES"',"capabilities":[{"id":7,"rules":[{"type":"MATCH_IP_PROTOCOL","ipProtocol":6},{"type":"MATCH_IP_DEST_PORT_RANGE","start":22,"end":22,"not":true,"or":true},{"type":"ACTION_ACCEPT"}]}],"tags":[{"id":1,"default":5}]}'
CTLRULES=$(echo "$NET_JSON" | jq -cS .rules)

start_ztd a; start_ztd b
wait_online a b
ctl_join a b
ctl_authorize a '{"authorized":true,"capabilities":[7],"tags":[[1,3]]}'
ctl_authorize b
wait_assigned a
wait_assigned b

bg b echo-b-22 $PROBE tcp-echo 22
wait_until 10 tcp_listening b 22 || fail setup "echo server did not start"
conn() { x "$1" timeout 4 $PROBE tcp-rr "${ZIP[$2]}" "$3" 100 3 >/dev/null 2>&1; }
wait_until 20 conn a b 22 || fail setup "a -> b:22 does not pass within 20 s"
tr_json() { cli "$1" -j trace "$NW" 2>/dev/null; }
[ "$(tr_json a | jq '.drops | length')" = 0 ] || fail empty "a's trace before any drop: $(tr_json a)"
pass empty "TCP passes, nothing traced"

ping_ok a "${ZIP[b]}" && fail trace "ping a -> b passed"
ICMP=".drops[] | select(.ipProtocol == 1 and .dstIp == \"${ZIP[b]}\")"
d=$(tr_json a | jq -c "[$ICMP] | last")
[ -n "$d" ] && [ "$d" != null ] || fail trace "the dropped ping is not in a's trace: $(tr_json a)"
want="{\"direction\":\"out\",\"peer\":\"$(zt_addr b)\",\"rule\":3,\"srcIp\":\"${ZIP[a]}\",\"icmpType\":8}"
got=$(echo "$d" | jq -c '{direction, peer, rule, srcIp, icmpType}')
[ "$got" = "$want" ] || fail trace "a's entry: $got (want $want): $d"
line=$(cli a trace "$NW" | grep " out $(zt_addr b) 3 " | grep "${ZIP[a]} > ${ZIP[b]} icmp type 8" | tail -n 1)
[ -n "$line" ] || fail trace "zt-cli trace shows no such line: $(cli a trace "$NW")"
by=$(cli a -j listnetworks | jq -c ".[] | select(.id == \"$NW\") | .rulesDroppedBy")
[ "$(echo "$by" | jq '."3"')" -ge 1 ] || fail trace "listnetworks rulesDroppedBy: $by"
[ "$(tr_json b | jq '.drops | length')" = 0 ] || fail trace "b traced what a dropped: $(tr_json b)"
pass trace "$line; rulesDroppedBy $by"

# The rules in force, as text and as the controller's JSON.
wait_until 10 eval '[ "$(cli a rules "$NW" | grep -c "^tag 1 = 3")" = 1 ]' ||
	fail rules "a's tag not shown: $(cli a rules "$NW")"
text=$(cli a rules "$NW")
want="1    accept ethertype arp;
3    drop ipprotocol icmp;
4    accept;
cap 7:
  2    accept ipprotocol tcp or not dport 22;
tag 1 = 3"
got=$(echo "$text" | grep -v '^200 rules' | sed 's/^\(cap [0-9]*:\).*/\1/')
[ "$got" = "$want" ] || fail rules "zt-cli rules on a: $text"
[ "$(cli a -j rules "$NW" | jq -cS .rules)" = "$CTLRULES" ] ||
	fail rules "-j rules: $(cli a -j rules "$NW" | jq -c .rules) (the controller's: $CTLRULES)"
[ "$(cli b -j rules "$NW" | jq -c '[.capabilities, .tags]')" = '[[],[[1,5]]]' ] ||
	fail rules "b holds no capability and the default tag: $(cli b -j rules "$NW")"
pass rules "$(echo "$text" | head -n 1)"

# A network not joined: 404, said plainly.
out=$(cli a trace 0123456789abcdef 2>&1) && fail notjoined "zt-cli trace on a network not joined: $out"
echo "$out" | grep -q "not a member" || fail notjoined "$out"
pass notjoined "$out"
