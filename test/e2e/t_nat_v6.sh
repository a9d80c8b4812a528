#!/bin/bash
# SPDX-License-Identifier: MIT
# t_nat_v6: an IPv6-only underlay (no IPv4 address anywhere but loopback),
# each member behind a stateful IPv6 firewall that drops unsolicited
# inbound packets (what a home router does for IPv6: no NAT, but a hole
# must still be punched).  Both reach the root, meet through its
# rendezvous, punch, and go DIRECT over IPv6.
#
#   root0 [2001:db8:ff::2]:9993
#        |
#   inet6 router (forwarding, no filter)
#        |                        |
#   fwa (drops new inbound)   fwb (drops new inbound)
#        |                        |
#   a [2001:db8:a::10]        b [2001:db8:b::10]
set -u
. "$(dirname "$0")/lib.sh"

lab_init
x inet sysctl -qw net.ipv6.conf.all.forwarding=1
v6link() { # NS1 IF1 NS2 IF2
	ip link add "$2" netns "$P-$1" type veth peer name "$4" netns "$P-$3" || fail setup "veth $2"
	ip -n "$P-$1" link set "$2" up
	ip -n "$P-$3" link set "$4" up
}
lab_ns root0
v6link root0 zeth0 inet r0
ip -n "$P-inet" -6 addr add 2001:db8:ff::1/64 dev r0 nodad
ip -n "$P-root0" -6 addr add 2001:db8:ff::2/64 dev zeth0 nodad
ip -n "$P-root0" -6 route add default via 2001:db8:ff::1
IP[root0]=2001:db8:ff::2
for s in a b; do
	lab_ns "fw$s"
	x "fw$s" sysctl -qw net.ipv6.conf.all.forwarding=1
	v6link "fw$s" zwan inet "w$s"
	ip -n "$P-inet" -6 addr add "2001:db8:f$s::1/64" dev "w$s" nodad
	ip -n "$P-fw$s" -6 addr add "2001:db8:f$s::2/64" dev zwan nodad
	ip -n "$P-fw$s" -6 route add default via "2001:db8:f$s::1"
	ip -n "$P-inet" -6 route add "2001:db8:$s::/64" via "2001:db8:f$s::2"
	lab_ns "$s"
	v6link "$s" zeth0 "fw$s" zlan
	ip -n "$P-fw$s" -6 addr add "2001:db8:$s::1/64" dev zlan nodad
	ip -n "$P-$s" -6 addr add "2001:db8:$s::10/64" dev zeth0 nodad
	ip -n "$P-$s" -6 route add default via "2001:db8:$s::1"
	IP[$s]=2001:db8:$s::10
	x "fw$s" nft -f - <<EOF || fail setup "firewall $s"
table inet zfw6 {
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "zwan" ct state established,related accept
		iifname "zwan" meta l4proto ipv6-icmp accept
		iifname "zwan" counter drop
	}
}
table inet zfw6 {
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "zwan" ct state established,related accept
		iifname "zwan" meta l4proto ipv6-icmp accept
		iifname "zwan" counter drop
	}
}
EOF
done
start_root root0
make_roots "$T/roots" root0
start_ztd a
start_ztd b
wait_online a b
join_net a "$NWID" 10.9.0.1/24
join_net b "$NWID" 10.9.0.2/24
A=$(zt_addr a)
Bz=$(zt_addr b)
[ -z "$(ip -n "$P-a" -4 addr show dev zeth0)" ] || fail v6only "a has an IPv4 underlay address"
direct_both() { ping_ok a 10.9.0.2 && path_is a "$Bz" DIRECT && path_is b "$A" DIRECT; }
t0=$(now_ms)
wait_until 20 direct_both ||
	fail direct "a <-> b not DIRECT over IPv6 within 20 s: a sees b '$(cli a listpeers | awk -v p="$Bz" '$3 == p { print $4, $5 }')'"
ep=$(cli a listpeers | awk -v p="$Bz" '$3 == p { print $5 }')
case $ep in 2001:db8:b::10/*) ;; *) fail direct_ep "a reaches b at '$ep', want [2001:db8:b::10]" ;; esac
drops=$(x fwb nft list table inet zfw6 | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' | head -n 1)
pass direct "DIRECT over IPv6 at $ep $(($(now_ms) - t0)) ms after joining (fwb dropped ${drops:-0} unsolicited packets)"
loss=$(x a ping -n -c 10 -i 0.1 -W 1 -q 10.9.0.2 | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p')
[ "$loss" = 0 ] || fail burst "10 echoes over the IPv6 path: ${loss:-?}% loss"
pass burst "10/10 echoes"
