#!/bin/bash
# SPDX-License-Identifier: MIT
# t_adhoc_ip: an ad-hoc network keeps its addresses (zt-cli set <nwid> ip=).
#
#   root0 203.0.113.2 (zt-root)     a 198.18.1.2   b 198.18.2.2   (ztd each)
#
# a and b join an ad-hoc network and set ip= -> the TAP holds exactly those
# addresses, listnetworks shows them, a and b ping -> two addresses on a,
# the primary removed, re-added, the secondary removed: the TAP always
# holds exactly the set (promote_secondaries) -> with promote_secondaries
# turned off by hand, ztd's read-back re-adds the secondary that Linux
# removed with the primary -> a's ztd restarts (SIGTERM,
# then SIGKILL): the new TAP has the addresses again, ping works -> ip=
# clears them; an address added by hand is never ztd's to remove -> a bad
# address is refused and changes nothing.
set -u
TNAME=t_adhoc_ip
. "$(dirname "$0")/lib.sh"
NW=ff0000000000a1a1

lab_init
lab_root_ns root0 0
lab_member_ns a 1
lab_member_ns b 2
start_root root0
make_roots "$T/roots" root0
start_ztd a; start_ztd b
wait_online a b

for m in a b; do
	out=$(cli "$m" join "$NW" 2>&1) || fail join "$m: zt-cli join $NW: $out"
	wait_until 15 tap_exists "$m" "$NW" || fail join "$m: no TAP for $NW within 15 s"
done
# tap_v4 NAME: the TAP's global IPv4 addresses, sorted, comma-joined
tap_v4() {
	ip -n "$P-$1" -4 -o addr show dev "$(tap_of "$1" "$NW")" scope global 2>/dev/null |
		awk '{ print $4 }' | sort | paste -sd, -
}
# cli_ips NAME: the addresses listnetworks shows, sorted, comma-joined
cli_ips() {
	cli "$1" listnetworks 2>/dev/null | awk -v nw="$NW" '$1 == "200" && $3 == nw { print $9; exit }' |
		tr , '\n' | grep -v '^-$' | sort | paste -sd, -
}
# holds NAME WANT [WANT_CLI]: the TAP holds exactly WANT (sorted,
# comma-joined) and listnetworks shows WANT_CLI (default: the same)
holds() { [ "$(tap_v4 "$1")" = "$2" ] && [ "$(cli_ips "$1")" = "${3-$2}" ]; }
# setip NAME STEP LIST WANT [WANT_CLI]: zt-cli set ip=LIST, then wait until
# the TAP holds WANT
setip() {
	local out n=$1 step=$2 list=$3
	shift 3
	out=$(cli "$n" set "$NW" "ip=$list" 2>&1) || fail "$step" "zt-cli set $NW ip=$list: $out"
	wait_until 5 holds "$n" "$@" ||
		fail "$step" "after ip=$list the TAP of $n holds '$(tap_v4 "$n")', zt-cli shows '$(cli_ips "$n")', want '$*'"
}

setip a set "10.9.0.1/24" "10.9.0.1/24"
setip b set "10.9.0.2/24" "10.9.0.2/24"
wait_until 20 ping_ok a 10.9.0.2 || fail ping "a -> b (10.9.0.2) no reply within 20 s"
grep -qx 'ip=10.9.0.1/24' "$T/a/networks.d/$NW.conf" ||
	fail saved "networks.d/$NW.conf lacks ip=10.9.0.1/24: $(tr '\n' ' ' <"$T/a/networks.d/$NW.conf")"
pass set "ip= on the TAPs, shown by listnetworks, saved in networks.d; a pings b"

# Two addresses on one subnet: Linux drops the secondaries with the primary
# unless promote_secondaries is set.
setip a two "10.9.0.1/24,10.9.0.11/24" "10.9.0.1/24,10.9.0.11/24"
setip a rm-primary "10.9.0.11/24" "10.9.0.11/24"
wait_until 10 ping_ok b 10.9.0.11 || fail rm-primary "b -> 10.9.0.11 no reply after the primary went"
setip a readd "10.9.0.11/24,10.9.0.1/24" "10.9.0.1/24,10.9.0.11/24"
setip a rm-secondary "10.9.0.11/24" "10.9.0.11/24"
setip a readd2 "10.9.0.1/24,10.9.0.11/24" "10.9.0.1/24,10.9.0.11/24"
pass matrix "two addresses -> primary removed -> re-added -> secondary removed -> re-added: the TAP held exactly the set each time"
TA=$(tap_of a "$NW")
[ "$(x a sysctl -n "net.ipv4.conf.$TA.promote_secondaries")" = 1 ] ||
	fail promote "promote_secondaries is not 1 on $TA"
# Without promote_secondaries (turned off by hand) Linux takes the
# secondary with the primary: ztd's read-back puts it back.
setip a primary "10.9.0.1/24" "10.9.0.1/24"
setip a secondary "10.9.0.1/24,10.9.0.11/24" "10.9.0.1/24,10.9.0.11/24"
x a sysctl -qw "net.ipv4.conf.$TA.promote_secondaries=0"
setip a repair "10.9.0.11/24" "10.9.0.11/24"
grep -q '10.9.0.11/24 on .* (was missing: repaired)' "$T/a.log" ||
	fail repair "no repair of 10.9.0.11/24 in a's log"
x a sysctl -qw "net.ipv4.conf.$TA.promote_secondaries=1"
setip a readd3 "10.9.0.1/24,10.9.0.11/24" "10.9.0.1/24,10.9.0.11/24"
pass repair "promote_secondaries=1 on $TA; with it off by hand the secondary went with the primary and ztd re-added it"

for sig in TERM KILL; do
	kill_proc a "$sig"
	start_ztd a
	wait_online a
	wait_until 15 holds a "10.9.0.1/24,10.9.0.11/24" ||
		fail restart "after SIG$sig and a new start the TAP holds '$(tap_v4 a)', zt-cli '$(cli_ips a)'"
	wait_until 20 ping_ok b 10.9.0.11 || fail restart "b -> a (10.9.0.11) no reply within 20 s of the SIG$sig restart"
	pass restart "SIG$sig, restart: the addresses are back on the new TAP, b pings a"
done

# IPv6 too (no DAD: usable at once)
v6_on() { ip -n "$P-$1" -6 -o addr show dev "$(tap_of "$1" "$NW")" scope global | grep -q "inet6 $2 "; }
setip b v6 "10.9.0.2/24,fd00:9::2/64" "10.9.0.2/24" "10.9.0.2/24,fd00:9::2/64"
wait_until 5 v6_on b fd00:9::2/64 || fail v6 "fd00:9::2/64 not on b's TAP"
setip a v6 "10.9.0.1/24,10.9.0.11/24,fd00:9::1/64" "10.9.0.1/24,10.9.0.11/24" "10.9.0.1/24,10.9.0.11/24,fd00:9::1/64"
wait_until 5 v6_on a fd00:9::1/64 || fail v6 "fd00:9::1/64 not on a's TAP"
wait_until 10 x a ping -6 -n -c 1 -W 1 -q fd00:9::2 || fail v6 "a -> b (fd00:9::2) no reply"
setip a v6-off "10.9.0.1/24,10.9.0.11/24" "10.9.0.1/24,10.9.0.11/24"
v6_on a fd00:9::1/64 && fail v6 "fd00:9::1/64 stayed on a's TAP"
pass v6 "fd00:9::1/64 and fd00:9::2/64 by ip=, a pings b over IPv6, removed again"

# An address the user put there by hand stays when ip= changes.
ip -n "$P-a" addr add 10.9.0.99/24 dev "$(tap_of a "$NW")" || fail setup "ip addr add by hand"
setip a clear "" "10.9.0.99/24" ""
grep -qx 'ip=' "$T/a/networks.d/$NW.conf" || fail clear "networks.d still has addresses"
pass clear "ip= removed ztd's addresses only (10.9.0.99 added by hand stays)"

expect_err bad "invalid address" cli a set "$NW" ip=10.9.0.300/24
[ "$(tap_v4 a)" = 10.9.0.99/24 ] || fail bad "the TAP changed: $(tap_v4 a)"
expect_err bad-text "is not ip/bits" cli a set "$NW" 'ip=10.9.0.1/24,"x'
pass done "$(elapsed)"
