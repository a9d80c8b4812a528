#!/bin/bash
# SPDX-License-Identifier: MIT
# t_rules_state: a stateful allow-list (`established`, doc/rules.md
# "Stateful rules") with real traffic and the real zt-controller.
#
#   root0 203.0.113.2 (zt-root)          ctl 198.18.1.2 (zt-controller)
#   a 198.18.2.2   b 198.18.3.2   (ztd each)
#
# "accept ethertype arp; accept ipprotocol tcp and dport 443; accept
# established; drop;": a opens b:443 and the replies come back; b reaches
# no other port of a, nor a b's (their connections are dropped), ping
# passes neither way. The same rules without `accept established` let no
# connection through: the replies are what it lets pass.
set -u
. "$(dirname "$0")/lib.sh"

lab_init
lab_ctl a b

STATEFUL='accept ethertype arp;
accept ipprotocol tcp and dport 443;
accept established;
drop;'
ctl_network state "$(jq -cn --arg s "$STATEFUL" '{rulesSource: $s}')"
echo "$NET_JSON" | jq -e '[.rules[] | select(.type == "MATCH_ESTABLISHED")] | length == 1' \
	>/dev/null || fail create "MATCH_ESTABLISHED not in the compiled rules: $NET_JSON"
pass create "network $NW: $(echo "$NET_JSON" | jq -c '[.rules[].type]')"

start_ztd a; start_ztd b
wait_online a b
ctl_members a b
pass assigned "a ${ZIP[a]}, b ${ZIP[b]}"

for m in a b; do
	for port in 443 5555; do
		bg "$m" "echo-$m-$port" $PROBE tcp-echo "$port"
	done
done
wait_until 20 tcp_listening a 5555 || fail setup "echo servers did not start: $(cat "$T"/echo-a-5555.log)"
nd() { cli "$1" -j listnetworks 2>/dev/null | jq -r ".[] | select(.id == \"$NW\") | $2"; }
# conn FROM TO PORT [SECONDS]: a TCP exchange (3 round trips) within the time
conn() { x "$1" timeout "${4:-4}" $PROBE tcp-rr "${ZIP[$2]}" "$3" 100 3 >/dev/null 2>&1; }
drops() { echo "a $(nd a '[.rulesDroppedOut,.rulesDroppedIn,.rulesDroppedBy] | tostring')" \
	"b $(nd b '[.rulesDroppedOut,.rulesDroppedIn,.rulesDroppedBy] | tostring')"; }

wait_until 20 conn a b 443 || fail allowed "a -> b:443 does not pass within 20 s: $(drops)"
conn b a 443 || fail allowed "b -> a:443 refused: $(drops)"
pass allowed "a -> b:443 and b -> a:443: the connections and their replies pass"

# The flow table's counters (GET /network/<nwid>): a new connection (a new
# source port) is a new flow at both ends.
flows() { echo "a $(nd a '[.flows,.flowsMax,.flowsInserted,.flowsExpired,.flowsEvicted] | tostring')" \
	"b $(nd b '[.flows,.flowsMax,.flowsInserted,.flowsExpired,.flowsEvicted] | tostring')"; }
fa0=$(nd a .flowsInserted); fb0=$(nd b .flowsInserted)
conn a b 443 || fail flows "a -> b:443 refused: $(drops)"
fa1=$(nd a .flowsInserted); fb1=$(nd b .flowsInserted)
[ "$fa1" -gt "$fa0" ] && [ "$fb1" -gt "$fb0" ] && [ "$(nd a .flows)" -ge 1 ] &&
	[ "$(nd b .flows)" -ge 1 ] && [ "$(nd a .flowsMax)" = 4096 ] ||
	fail flows "a connection made no flow: inserted a $fa0 -> $fa1, b $fb0 -> $fb1; [flows,max,inserted,expired,evicted] $(flows)"
pass flows "one more connection: flows inserted a $fa0 -> $fa1, b $fb0 -> $fb1; [flows,max,inserted,expired,evicted] $(flows)"
# The same counters in Prometheus's text (GET /metrics, doc/API.md).
metric() { # metric NODE FAMILY: its value for the network
	x "$1" curl -s -m 5 -H "Authorization: Bearer $(cat "${HOME_OF[$1]}/authtoken.secret")" \
		"http://127.0.0.1:$ZT_PORT/metrics" |
		awk -v k="$2{network_id=\"$NW\"}" '$1 == k { print $2 }'
}
mi=$(metric a zt_network_flows_inserted_total); mm=$(metric a zt_network_flows_max)
mf=$(metric a zt_network_flows)
[ -n "$mi" ] && [ "$mi" -ge "$fa1" ] && [ "$mm" = 4096 ] && [ "${mf:-0}" -ge 1 ] ||
	fail metrics "a's /metrics: flows_inserted_total '$mi' (API $fa1), flows_max '$mm', flows '$mf'"
pass metrics "a's /metrics agrees: zt_network_flows_inserted_total $mi, zt_network_flows $mf, zt_network_flows_max $mm"

d0=$(( $(nd a .rulesDroppedOut) + $(nd a .rulesDroppedIn) + $(nd b .rulesDroppedOut) + $(nd b .rulesDroppedIn) ))
conn b a 5555 3 && fail refused "b -> a:5555 passed (a connection from the other side)"
conn a b 5555 3 && fail refused "a -> b:5555 passed"
ping_ok a "${ZIP[b]}" && fail refused "ping a -> b passed"
ping_ok b "${ZIP[a]}" && fail refused "ping b -> a passed"
d1=$(( $(nd a .rulesDroppedOut) + $(nd a .rulesDroppedIn) + $(nd b .rulesDroppedOut) + $(nd b .rulesDroppedIn) ))
[ "$d1" -gt "$d0" ] || fail refused "no drops counted ($d0 -> $d1)"
conn a b 443 || fail refused "a -> b:443 broken afterwards: $(drops)"
pass refused "5555 both ways and ping refused ($((d1 - d0)) frames dropped by rule); 443 still passes"

# Without `accept established` the replies (source port 443) match no rule.
out=$(ctl_api POST "/controller/network/$NW" "$(jq -cn --arg s 'accept ethertype arp;
accept ipprotocol tcp and dport 443;
drop;' '{rulesSource: $s}')")
case $out in "200 "*) ;; *) fail stateless "POST rulesSource: $out" ;; esac
refused443() { ! conn a b 443 3; }
wait_until 20 refused443 ||
	fail stateless "a -> b:443 still passes 20 s after 'accept established' was taken out: $(drops)"
[ "$(nd a .flowsMax)" = 0 ] && [ "$(nd a .flows)" = 0 ] ||
	fail stateless "a still has a flow table without 'accept established': $(flows)"
pass stateless "without 'accept established' a -> b:443 is refused (dropped out, in, by rule: $(drops)); no flow table"
