#!/bin/bash
# SPDX-License-Identifier: MIT
# t_routes: a managed network's addresses and routes never break the host.
#
#   root0 203.0.113.2 (zt-root)     ctl 198.18.1.2 (zt-controller)
#   a 198.18.2.2 (ztd), and a LAN of its own: lan0 192.168.3.2/24, its
#     gateway 192.168.3.1 in namespace lan
#   b 198.18.3.2 (ztd, the ad-hoc network only)
#   c 198.18.4.2 (ztd, the managed network only)
#
# addresses: the controller changes a's ipAssignments between two
# addresses of one subnet in every order (primary removed, secondary
# removed, swapped, cleared, re-added): a's TAP holds exactly the assigned
# set each time, as zt-cli shows it, and c reaches what is left ->
# routes: the controller pushes a route equal to a's LAN (192.168.3.0/24)
# and one equal to its default route: a still reaches its LAN gateway, its
# own routes keep their place, ztd's sit beside them at metric 5000; with
# allowDefault=1 (the halves) a still reaches its gateway and its root;
# withdrawn: a's LAN and default routes are intact, a route put by hand is
# never removed -> the README's steps 3 and 4 on one subnet: an ad-hoc
# network with 10.9.0.1/24 by hand, then the managed network on 10.9.0.0/24
# (a is in both): the ad-hoc route keeps the subnet, so a reaches b; the
# managed network works through its device (a -> c with ping -I); after
# leave the ad-hoc network still has its route.  (A host in two networks
# on one subnet routes the subnet to one of them: the host's own route,
# not ztd's at metric 5000.)
set -u
TNAME=t_routes
. "$(dirname "$0")/lib.sh"
ADHOC=ff0000000000b2b2

lab_init
lab_ctl a b c
lab_ns lan
ip link add lan0 netns "$P-a" type veth peer name g0 netns "$P-lan" || fail setup "veth lan0"
x a sysctl -qw net.ipv6.conf.lan0.disable_ipv6=1
ip -n "$P-a" addr add 192.168.3.2/24 dev lan0
ip -n "$P-lan" addr add 192.168.3.1/24 dev g0
ip -n "$P-a" link set lan0 up
ip -n "$P-lan" link set g0 up

# (no pool: the addresses are the members' ipAssignments alone)
ctl_ok create POST "/controller/network/${CTL}______" '{"name":"lab","routes":[{"target":"10.9.0.0/24"}],"v4AssignMode":{"zt":false}}'
NW=$(echo "$CTL_BODY" | jq -r .id)

start_ztd a; start_ztd b; start_ztd c
wait_online a b c
declare -A ZA
ctl_join a c
for m in a c; do ZA[$m]=$(zt_addr "$m"); done
ctl_ok authorize POST "/controller/network/$NW/member/${ZA[c]}" '{"authorized":true,"ipAssignments":["10.9.0.30"]}'
ctl_ok authorize POST "/controller/network/$NW/member/${ZA[a]}" '{"authorized":true,"ipAssignments":["10.9.0.10"]}'

# tap_v4 NAME NWID: the TAP's global IPv4 addresses, sorted, comma-joined
declare -A TAPC
tap_v4() {
	[ -n "${TAPC[$1$2]:-}" ] && ip -n "$P-$1" link show dev "${TAPC[$1$2]}" >/dev/null 2>&1 ||
		TAPC[$1$2]=$(tap_of "$1" "$2")
	ip -n "$P-$1" -4 -o addr show dev "${TAPC[$1$2]}" scope global 2>/dev/null |
		awk '{ print $4 }' | sort | paste -sd, -
}
cli_ips() { # NAME NWID: what listnetworks shows, sorted, comma-joined
	cli "$1" listnetworks 2>/dev/null | awk -v nw="$2" '$1 == "200" && $3 == nw { print $9; exit }' |
		tr , '\n' | grep -v '^-$' | sort | paste -sd, -
}
holds() { [ "$(tap_v4 "$1" "$NW")" = "$2" ] && [ "$(cli_ips "$1" "$NW")" = "$2" ]; }
wait_until 20 holds c 10.9.0.30/24 || fail assigned "c: '$(tap_v4 c "$NW")' on its TAP, want 10.9.0.30/24"
wait_until 20 holds a 10.9.0.10/24 || fail assigned "a: '$(tap_v4 a "$NW")' on its TAP, want 10.9.0.10/24"
TA=$(tap_of a "$NW")
pass assigned "a 10.9.0.10, c 10.9.0.30 on their TAPs"
expect_err managed_ip "its controller assigns the addresses" cli a set "$NW" ip=10.9.0.5/24

# ---- the address matrix ----
# assign LIST WANT: a's ipAssignments become LIST (JSON strings); its TAP
# and zt-cli must show exactly WANT
step=0
assign() {
	step=$((step + 1))
	ctl_ok matrix POST "/controller/network/$NW/member/${ZA[a]}" "{\"ipAssignments\":[$1]}"
	wait_until 10 holds a "$2" ||
		fail matrix "step $step, ipAssignments [$1]: a's TAP holds '$(tap_v4 a "$NW")', zt-cli shows '$(cli_ips a "$NW")', want '$2'"
}
A='"10.9.0.10"' B='"10.9.0.11"' SA=10.9.0.10/24 SB=10.9.0.11/24
t0=$(now_ms)
assign "$A,$B" "$SA,$SB"   # A primary
assign "$B" "$SB"          # the primary removed
wait_until 10 ping_ok c 10.9.0.11 || fail matrix "c -> 10.9.0.11 no reply after a's primary address went"
assign "$B,$A" "$SA,$SB"   # B primary, A secondary
assign "$A" "$SA"          # the primary removed
assign "$A,$B" "$SA,$SB"   # A primary, B secondary
assign "$A" "$SA"          # the secondary removed
assign "$B" "$SB"          # swapped
assign "$A,$B" "$SA,$SB"   # B primary, A secondary
assign "$B" "$SB"          # the secondary removed
assign "" ""               # none
assign "$A,$B" "$SA,$SB"   # both again
wait_until 10 ping_ok c 10.9.0.10 && wait_until 10 ping_ok c 10.9.0.11 ||
	fail matrix "c does not reach both of a's addresses at the end: a's routes $(ip -n "$P-a" route | tr '\n' ';')"
pass matrix "$step changes of a's two addresses (primary or secondary removed, swapped, cleared, re-added) in $(( $(now_ms) - t0 )) ms: the TAP held exactly the assigned set each time"

# ---- route collisions ----
lan_route_ok() { ip -n "$P-a" route show 192.168.3.0/24 dev lan0 | grep -q 'scope link'; }
lan_first() { ip -n "$P-a" route get 192.168.3.1 | grep -q 'dev lan0'; }
def_ok() { [ "$(ip -n "$P-a" route show default)" = "$DEF" ]; }
ztd_route() { ip -n "$P-a" route show "$1" dev "$TA" | grep -q 'metric 5000'; }
DEF=$(ip -n "$P-a" route show default)
# a route of the user's on the TAP, at ztd's metric, equal to one pushed later
ip -n "$P-a" route add 172.16.5.0/24 dev "$TA" metric 5000 || fail setup "route by hand"
ctl_ok lan POST "/controller/network/$NW" '{"routes":[{"target":"10.9.0.0/24"},{"target":"192.168.3.0/24"},{"target":"172.16.5.0/24"},{"target":"0.0.0.0/0","via":"10.9.0.30"}]}'
on_tap() { [ -n "$(ip -n "$P-a" route show "$1" dev "$TA")" ]; }
wait_until 10 on_tap 192.168.3.0/24 ||
	fail lan "no 192.168.3.0/24 on $TA: $(ip -n "$P-a" route | tr '\n' ';')"
lan_route_ok || fail lan "a's own route 192.168.3.0/24 dev lan0 is gone: $(ip -n "$P-a" route | tr '\n' ';')"
lan_first || fail lan "a routes its LAN gateway into the overlay: $(ip -n "$P-a" route get 192.168.3.1)"
ping_ok a 192.168.3.1 || fail lan "a cannot reach its LAN gateway 192.168.3.1"
ztd_route 192.168.3.0/24 || fail lan "192.168.3.0/24 on $TA is not at metric 5000: $(ip -n "$P-a" route show 192.168.3.0/24 | tr '\n' ';')"
def_ok || fail default "a's default route changed: '$(ip -n "$P-a" route show default)', was '$DEF'"
ip -n "$P-a" route | grep -q '^0.0.0.0/1' && fail default "0.0.0.0/1 installed with allowDefault=0"
pass lan "a pushed 192.168.3.0/24 sits beside a's LAN route at metric 5000; a reaches its gateway 192.168.3.1; default route untouched"

out=$(cli a set "$NW" allowDefault=1 2>&1) || fail default "zt-cli set allowDefault=1: $out"
wait_until 10 ztd_route 0.0.0.0/1 || fail default "no 0.0.0.0/1 on $TA with allowDefault=1: $(ip -n "$P-a" route | tr '\n' ';')"
def_ok || fail default "a's default route changed with allowDefault=1: '$(ip -n "$P-a" route show default)'"
ping_ok a 198.18.2.1 || fail default "a cannot reach its underlay gateway 198.18.2.1 with the default on the overlay"
ping_ok a 192.168.3.1 || fail default "a cannot reach its LAN gateway with the default on the overlay"
ping_ok a "${IP[root0]}" || fail default "a cannot reach its root with the default on the overlay"
out=$(cli a set "$NW" allowDefault=0 2>&1) || fail default "zt-cli set allowDefault=0: $out"
wait_until 10 eval '! ztd_route 0.0.0.0/1' || fail default "0.0.0.0/1 stayed after allowDefault=0"
def_ok || fail default "a's default route changed after allowDefault=0"
[ -z "$(ip -n "$P-a" route show "${IP[root0]}")" ] || fail default "the pinned route to the root stayed"
pass default "a pushed default route: the halves only with allowDefault=1, a's own default, gateways and root reachable throughout"

ctl_ok withdraw POST "/controller/network/$NW" '{"routes":[{"target":"10.9.0.0/24"}]}'
wait_until 10 eval '! ztd_route 192.168.3.0/24' || fail withdraw "192.168.3.0/24 stayed on $TA after the controller withdrew it"
lan_route_ok || fail withdraw "a's LAN route is gone after the withdrawal: $(ip -n "$P-a" route | tr '\n' ';')"
ping_ok a 192.168.3.1 || fail withdraw "a cannot reach its LAN gateway after the withdrawal"
def_ok || fail withdraw "a's default route changed after the withdrawal"
ztd_route 172.16.5.0/24 || fail withdraw "the route added by hand (172.16.5.0/24 metric 5000 on $TA) was removed"
pass withdraw "withdrawn: a's LAN and default routes intact, the route added by hand kept"

# ---- the README's steps 3 and 4 on one subnet ----
out=$(cli a leave "$NW" 2>&1) || fail leave "a: $out"
NWID=$ADHOC
join_net a "$ADHOC" 10.9.0.1/24
join_net b "$ADHOC" 10.9.0.2/24
wait_until 20 ping_ok a 10.9.0.2 || fail adhoc "a -> b over the ad-hoc network before the managed one"
out=$(cli a join "$NW" 2>&1) || fail join "a: zt-cli join $NW again: $out"
wait_until 20 holds a "$SA,$SB" || fail both "a: '$(tap_v4 a "$NW")' on its managed TAP after joining again"
TA=$(tap_of a "$NW")
wait_until 10 eval '[ -n "$(ip -n "$P-a" route show 10.9.0.0/24 dev "$TA")" ]' || fail both "no 10.9.0.0/24 on $TA"
ping_ok a 10.9.0.2 || ping_ok a 10.9.0.2 || fail both "a -> b over the ad-hoc network broke when the managed network came: $(ip -n "$P-a" route show 10.9.0.0/24 | tr '\n' ';')"
ztd_route 10.9.0.0/24 || fail both "10.9.0.0/24 on $TA is not at metric 5000"
wait_until 10 x a ping -n -c 1 -W 1 -q -I "$TA" 10.9.0.30 ||
	fail both "a -> c over the managed network (ping -I $TA 10.9.0.30) does not work"
pass both "ad-hoc 10.9.0.1/24 by hand and managed 10.9.0.0/24: the ad-hoc network keeps its route, the managed one works through $TA"
out=$(cli a leave "$NW" 2>&1) || fail leave "a: $out"
ip -n "$P-a" route show 10.9.0.0/24 | grep -q "dev ${TAP[a]} " ||
	fail leave "a's ad-hoc route 10.9.0.0/24 dev ${TAP[a]} is gone after leaving the managed network: $(ip -n "$P-a" route show 10.9.0.0/24 | tr '\n' ';')"
ping_ok a 10.9.0.2 || ping_ok a 10.9.0.2 || fail leave "a -> b over the ad-hoc network broken after leaving the managed network"
pass leave "after leave the ad-hoc network keeps its route and works ($(elapsed))"
