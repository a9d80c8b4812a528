#!/bin/bash
# SPDX-License-Identifier: MIT
# t_controller: a managed network with the real zt-controller.
#
#   root0 203.0.113.2 (zt-root)          ctl 198.18.1.2 (zt-controller, SQLite)
#   a 198.18.2.2   b 198.18.3.2   c 198.18.4.2   d 198.18.5.2   (ztd each)
#
# create a network through the admin API -> a second zt-controller on the
# same database is refused -> a, b, c join: ACCESS_DENIED ->
# authorized: OK, a pool address on each TAP, ping by those addresses ->
# a's ARP claims on b's address are dropped (c's neighbour table keeps b) ->
# c's controller traffic is dropped (so it keeps its config and goes on
# sending) and c is deauthorized: a and b refuse it within the bound ->
# the controller restarts: everything persists and changes still reach the
# members -> d, without roots of its own, joins with an invite code (which
# brings the roots), a spent code is refused -> a default route via a (exit
# node) appears on b only with allowDefault=1.
set -u
. "$(dirname "$0")/lib.sh"

lab_init
lab_ctl a b c d

# jget FILTER: jq -r FILTER on the body of an api answer on stdin
jget() { cut -d' ' -f2- | jq -r "$1"; }

ctl_network lab '{"dns":{"domain":"lab.zt","servers":["10.9.0.53"]}}'
pass create "network $NW (controller $CTL)"

# One database, one controller: a second zt-controller (its own home and
# ports) on ctl's database says so in one line and exits non-zero at once.
mkdir -p "$T/ctl2"
out=$(x ctl timeout 10 "$ZTCTL" -p 9995 -P 9996 --db "$T/ctl/controller.db" "$T/ctl2" 2>&1)
rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail one_db "a second zt-controller on the database: exit $rc: $out"
[ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q "in use by another zt-controller (pid [0-9]" ||
	fail one_db "a second zt-controller on the database: $out"
pass one_db "$out"

start_ztd a; start_ztd b; start_ztd c
wait_online a b c
st_is() { [ "$(status_of "$1")" = "$2" ]; }
ctl_join a b c
for m in a b c; do
	wait_until 20 st_is "$m" ACCESS_DENIED ||
		fail denied "$m: not ACCESS_DENIED within 20 s: $(cli "$m" listnetworks | tr '\n' ' ')"
done
pass denied "a, b, c ACCESS_DENIED before authorization"

declare -A ZA
for m in a b c; do
	ZA[$m]=$(zt_addr "$m")
	ctl_authorize "$m"
done
t0=$(now_ms)
for m in a b c; do wait_assigned "$m" 15; done
pass assigned "OK with ${ZIP[a]} ${ZIP[b]} ${ZIP[c]} on the TAPs $(( $(now_ms) - t0 )) ms after authorization"
cli a -j listnetworks | grep -q '"domain": "lab.zt"' || fail dns "listnetworks -j does not show the pushed DNS domain"
pass dns "pushed DNS shown (allowDNS=0: not applied)"

for p in a:b b:c c:a; do
	f=${p%:*} t=${p#*:}
	wait_until 20 ping_ok "$f" "${ZIP[$t]}" || fail ping "$f -> $t (${ZIP[$t]}) no reply within 20 s"
done
pass ping "a, b, c ping each other by their assigned addresses"

# ARP spoofing between members: a tells c, in unsolicited ARP replies from
# its own MAC, that b's address is at a's MAC.  a's switch drops them
# (forged_src_ip): c still resolves b's address to b's MAC.  (c's locktime
# 0: without the guard, the first reply would take over c's entry.)
mac_of() { ip -n "$P-$1" link show dev "${TAP[$1]}" | awk '/link\/ether/ { print $2 }'; }
lla_of() { # NAME IP: the MAC NAME's neighbour table has for IP
	x "$1" ip -4 neigh show "$2" dev "${TAP[$1]}" |
		awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'
}
wait_until 20 ping_ok c "${ZIP[b]}" || fail spoof "c -> b (${ZIP[b]}) no reply within 20 s"
x c sysctl -qw "net.ipv4.neigh.${TAP[c]}.locktime=0" || fail setup "locktime on c"
[ "$(lla_of c "${ZIP[b]}")" = "$(mac_of b)" ] ||
	fail spoof "before: c has ${ZIP[b]} at '$(lla_of c "${ZIP[b]}")', b's MAC is $(mac_of b)"
f0=$(counter a forged_src_ip)
x a timeout 10 $PROBE arp-claim "${TAP[a]}" "$(mac_of c)" "${ZIP[c]}" "${ZIP[b]}" 5 ||
	fail spoof "arp-claim in a failed"
wait_until 10 counter_ge a forged_src_ip $((f0 + 5)) ||
	fail spoof "a's switch did not drop its host's 5 ARP claims on b's address (forged_src_ip $f0 -> $(counter a forged_src_ip)); c has ${ZIP[b]} at $(lla_of c "${ZIP[b]}")"
ping_ok c "${ZIP[b]}" || fail spoof "c -> b broken after the claims"
[ "$(lla_of c "${ZIP[b]}")" = "$(mac_of b)" ] ||
	fail spoof "c has ${ZIP[b]} at '$(lla_of c "${ZIP[b]}")' after a's claims, b's MAC is $(mac_of b)"
pass spoof "a's ARP claims on b's address dropped by a's switch; c still has ${ZIP[b]} at b's MAC"

# c stops hearing its controller (the overlay source address, bytes 7-11 of
# every zt datagram, is the controller's): it keeps its config and its
# certificate and goes on sending.  Then the admin deauthorizes it.
x c nft -f - <<EOF2 || fail setup "nft in c"
table inet ztblock {
	chain in {
		type filter hook input priority 0;
		udp dport $ZT_PORT @th,120,40 0x$CTL drop
	}
}
EOF2
out=$(ctl_api POST "/controller/network/$NW/member/${ZA[c]}" '{"authorized":false}')
case $out in "200 "*) ;; *) fail deauthorize "$out" ;; esac
t0=$(now_ms)
c_cut() { ! ping_ok c "${ZIP[a]}" && ! ping_ok c "${ZIP[b]}"; }
wait_until 60 c_cut || fail cutoff "c still reaches a or b 60 s after its deauthorization"
cut_ms=$(( $(now_ms) - t0 ))
kill -0 "${ZPID[c]}" || fail cutoff "c's ztd is not running"
[ "$(status_of c)" = OK ] || fail cutoff "c learnt of its deauthorization (the block failed): $(status_of c)"
ping_ok a "${ZIP[b]}" || wait_until 10 ping_ok a "${ZIP[b]}" || fail cutoff "a no longer reaches b"
pass cutoff "deauthorized c (ztd running, config kept) cut off by a and b after ${cut_ms} ms (bound 45 s)"
rej=$(counter a com_rejected)
say "a: com_rejected=$rej"

# restart the controller: the database keeps everything
kill_proc ctl TERM
start_ctl ctl
out=$(ctl_api GET "/controller/network/$NW/member/${ZA[a]}")
[ "$(echo "$out" | jget .authorized)" = true ] || fail persist "a not authorized after the restart: $out"
out=$(ctl_api GET "/controller/network/$NW/member/${ZA[c]}")
[ "$(echo "$out" | jget .authorized)" = false ] || fail persist "c authorized after the restart: $out"
out=$(ctl_api GET "/controller/network/$NW")
[ "$(echo "$out" | jget .name)" = lab ] || fail persist "network lost its name: $out"
# a change after the restart still reaches the members (new sessions)
ctl_api POST "/controller/network/$NW" '{"name":"lab2","mtu":2000,"v6AssignMode":{"rfc4193":true}}' >/dev/null
name_is() { cli "$1" listnetworks | awk -v nw="$NW" '$3 == nw { print $4 }' | grep -qx lab2; }
wait_until 30 name_is a || fail persist "a did not get the renamed network within 30 s of the controller's restart"
mtu_is() { ip -n "$P-$1" link show dev "${TAP[$1]}" | grep -q "mtu $2 "; }
wait_until 10 mtu_is b 2000 || fail mtu "b's TAP did not get MTU 2000: $(ip -n "$P-b" link show dev "${TAP[b]}" | head -1)"
ping_ok a "${ZIP[b]}" || wait_until 10 ping_ok a "${ZIP[b]}" || fail persist "a -> b broken after the restart"
pass persist "controller restarted: members, authorization, network kept; pushes reach members (name, MTU 2000)"

# rfc4193: fd<nwid>9993<address>/88 on the TAPs, reachable over IPv6
v6_of() { ip -n "$P-$1" -6 addr show dev "${TAP[$1]}" | awk '$1 == "inet6" && $2 ~ /^fd/ { sub("/.*", "", $2); print $2; exit }'; }
has_v6() { [ -n "$(v6_of "$1")" ]; }
for m in a b; do wait_until 10 has_v6 "$m" || fail rfc4193 "no rfc4193 address on $m"; done
V6B=$(v6_of b)
# the expected address, written out in full (32 hex digits in 8 groups):
# ip reads it in any form and lists b's address only if it is that one
want=$(echo "fd${NW}9993$(zt_addr b)" | sed 's/..../&:/g; s/:$//')
[ -n "$(ip -n "$P-b" -6 addr show dev "${TAP[b]}" to "$want/128")" ] ||
	fail rfc4193 "b has $V6B, expected $want (fd + nwid + 9993 + address)"
ping6_ok() { x "$1" ping -6 -n -c 1 -W 1 -q "$2" >/dev/null 2>&1; }
wait_until 15 ping6_ok a "$V6B" || fail rfc4193 "a cannot ping b's rfc4193 address $V6B"
pass rfc4193 "b has $V6B (fd + nwid + 9993 + address), a pings it"

# neighbour discovery for an rfc4193 address is answered by a's own switch
# (the address names its owner): no solicitation for b's address reaches b
x a ip -6 neigh flush dev "${TAP[a]}" >/dev/null 2>&1
capture b "${TAP[b]}" "$T/nd-b.pcap" icmp6
capnd=$LAST_PID
wait_until 10 ping6_ok a "$V6B" || fail ndp "a cannot ping $V6B after flushing its neighbour cache"
# a solicitation to b would come before the echo request it resolves for:
# once the request is in b's capture, so would the solicitation be
wait_until 5 pcap_has "$T/nd-b.pcap" 1 icmp6 and 'ip6[40] == 128' ||
	fail ndp "b's capture holds no echo request from a"
stop_capture "$capnd"
nsol=$(tcpdump -n -r "$T/nd-b.pcap" 2>/dev/null | grep -c "neighbor solicitation, who has $V6B")
[ "$nsol" = 0 ] || fail ndp "b's TAP saw $nsol solicitations for its rfc4193 address"
lla=$(x a ip -6 neigh show "$V6B" dev "${TAP[a]}" | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')
macb=$(ip -n "$P-b" link show dev "${TAP[b]}" | awk '/link\/ether/ { print $2 }')
[ "$lla" = "$macb" ] || fail ndp "a resolved $V6B to '$lla', b's MAC is $macb"
pass ndp "a resolved $V6B to b's MAC $macb locally; b saw no solicitation"

# invite: d joins with a code and is authorized without an admin step
code=$(x ctl "$ZTCTL" invite -D "$T/ctl" "$NW" 2>"$T/invite.err") ||
	fail invite "zt-controller invite: $(cat "$T/invite.err")"
case $code in zti1*) ;; *) fail invite "not an invite code: '$code'" ;; esac
# d starts with no roots file: the code tells it how to reach the roots
# shellcheck disable=SC2034 # read by cli() in lib.sh
HOME_OF["d"]=$T/d
mkdir -p "$T/d"
bg d d "$ZTD" -p "$ZT_PORT" -v "$T/d"
ZPID["d"]=$LAST_PID
wait_until 15 test -s "$T/d/ztd.port" || fail invite "ztd d (no roots) did not start: $(tail -n 3 "$T/d.log")"
is_online d && fail invite "d is ONLINE without any roots"
out=$(cli d join "$code" 2>&1) || fail invite "zt-cli join <code>: $out"
wait_online d
[ -s "$T/d/roots.invite" ] || fail invite "the invite's roots were not kept in roots.invite"
wait_until 15 assigned_on_tap d || fail invite "d not OK with an address within 15 s: $(cli d listnetworks | tr '\n' ' ')"
ZIP[d]=$(ips_of d); ZIP[d]=${ZIP[d]%%/*}
wait_until 20 ping_ok d "${ZIP[a]}" || fail invite "d -> a (${ZIP[a]}) no reply"
out=$(ctl_api GET "/controller/network/$NW/member/$(zt_addr d)")
[ "$(echo "$out" | jget .authorized)" = true ] || fail invite "d not authorized in the API: $out"
pass invite "d (no roots of its own) joined with a ${#code}-character code, got ${ZIP[d]}, pings a"
# the invite's roots survive a restart of d
kill_proc d TERM
bg d d "$ZTD" -p "$ZT_PORT" -v "$T/d"
ZPID["d"]=$LAST_PID
wait_online d
wait_until 15 assigned_on_tap d || fail invite_restart "d not OK again after its restart"
pass invite_restart "d back ONLINE and OK after a restart, with the roots from roots.invite"
# the code was good for one join: c (deauthorized, hearing its controller
# again) is told so
x c nft delete table inet ztblock || fail setup "nft delete in c"
out=$(cli c join "$code" 2>&1) && fail invite_spent "a spent invite was accepted: $out"
case $out in *"refused the invite"*"spent"*) ;; *) fail invite_spent "unclear error: $out" ;; esac
pass invite_spent "$out"
# a refused invite for a network the member was not in leaves nothing:
# not joined, no saved entry (ZeroTier keeps nothing of a failed join)
out=$(ctl_api POST "/controller/network/${CTL}______" '{"name":"other"}')
NW2=$(echo "$out" | jget .id)
x ctl "$ZTCTL" invite -D "$T/ctl" -t 1 -o "$T/code2" "$NW2" 2>"$T/invite.err" ||
	fail invite_refused "zt-controller invite -o: $(cat "$T/invite.err")"
[ "$(stat -c %a "$T/code2")" = 600 ] || fail invite_refused "-o FILE has mode $(stat -c %a "$T/code2"), want 600"
sleep 2 # the code expires
out=$(cli c join "$(cat "$T/code2")" 2>&1) && fail invite_refused "an expired invite was accepted: $out"
cli c listnetworks | grep -q "$NW2" && fail invite_refused "c still joined to $NW2: $(cli c listnetworks)"
[ -e "$T/c/networks.d/$NW2.conf" ] && fail invite_refused "c kept networks.d/$NW2.conf"
case $out in *"refused the invite"*"; not joined") ;; *) fail invite_refused "unclear error: $out" ;; esac
cli c listnetworks | grep -q " $NW " || fail invite_refused "c left $NW too"
pass invite_refused "$out"

# an exit node: 0.0.0.0/0 via a; b installs it only with allowDefault=1
ctl_api POST "/controller/network/$NW" "{\"routes\":[{\"target\":\"10.9.0.0/24\"},{\"target\":\"0.0.0.0/0\",\"via\":\"${ZIP[a]}\"}]}" >/dev/null
has_default() { ip -n "$P-$1" route show dev "${TAP[$1]}" | grep -q "^0.0.0.0/1 via ${ZIP[a]}"; }
routes_seen() { cli b -j listnetworks | grep -q '"0.0.0.0/0"'; }
wait_until 15 routes_seen || fail exit "b did not get the new routes within 15 s"
# (no wait: ztd puts a config's routes on the TAP before its API shows them)
has_default b && fail exit "b installed the default route with allowDefault=0"
out=$(cli b set "$NW" allowDefault=1 2>&1) || fail exit "zt-cli set allowDefault=1: $out"
wait_until 10 has_default b || fail exit "no 0.0.0.0/1 via ${ZIP[a]} on b with allowDefault=1: $(ip -n "$P-b" route | tr '\n' ';')"
# the way to the root stays on the underlay (a host route pinned before the
# halves went in), so b stays online and reaches a through the overlay
root_via_underlay() { ip -n "$P-b" route get "${IP[root0]}" | grep -q "dev zeth0"; }
root_via_underlay || fail exit "b routes its root ${IP[root0]} into the overlay: $(ip -n "$P-b" route get "${IP[root0]}")"
ping_ok b "${IP[root0]}" || fail exit "b cannot reach its root ${IP[root0]} over the underlay with the default route on the overlay"
is_online b || fail exit "b went OFFLINE with the default route on the overlay"
ping_ok b "${ZIP[a]}" || wait_until 10 ping_ok b "${ZIP[a]}" || fail exit "b cannot reach the exit node ${ZIP[a]}"
# a forwards and masquerades: b reaches a's underlay gateway through a
x a sysctl -qw net.ipv4.ip_forward=1
x a nft -f - <<EOF3 || fail setup "nft nat in a"
table ip ztexit {
	chain post {
		type nat hook postrouting priority 100;
		oifname "zeth0" masquerade
	}
}
EOF3
GW_A=198.18.2.1
ip -n "$P-b" route get "$GW_A" | grep -q "dev ${TAP[b]}" || fail exit "b does not route $GW_A into the overlay: $(ip -n "$P-b" route get "$GW_A")"
wait_until 10 ping_ok b "$GW_A" || fail exit "b cannot reach $GW_A through the exit node a"
out=$(cli b set "$NW" allowDefault=0 2>&1) || fail exit "zt-cli set allowDefault=0: $out"
wait_until 10 eval '! has_default b' || fail exit "the default route stayed after allowDefault=0"
[ -z "$(ip -n "$P-b" route show "${IP[root0]}")" ] || fail exit "the pinned route to the root stayed after allowDefault=0"
pass exit "default route via ${ZIP[a]} on b only while allowDefault=1; b reaches $GW_A through a; roots and direct peers stay on the underlay"
