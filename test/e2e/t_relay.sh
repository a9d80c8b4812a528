#!/bin/bash
# SPDX-License-Identifier: MIT
# t_relay: when the underlay stops carrying UDP between two members (but
# each still reaches the root), the overlay keeps working through the root
# (listpeers shows RELAY), and when the block is lifted the members go back
# to a DIRECT path by themselves.
#
#            root0  203.0.113.2 (zt-root: relays a <-> b while blocked)
#              | r0
#   inet  router; nft: drop udp 198.18.1.2 <-> 198.18.2.2 (step 2 only)
#       | m1                       | m2
#   a  198.18.1.2 (ztd)         b  198.18.2.2 (ztd)
#      tap 10.9.0.1/24  <== ff00000000000001 ==>  tap 10.9.0.2/24
set -u
. "$(dirname "$0")/lib.sh"

lab_init
lab_basic a b
ADDR_A=$(zt_addr a)
ADDR_B=$(zt_addr b)
[ -n "$ADDR_A" ] && [ -n "$ADDR_B" ] || fail addr "zt-cli info gives no address"

# 1. the normal case first: direct
direct_both() { ping_ok a 10.9.0.2 && path_is a "$ADDR_B" DIRECT && path_is b "$ADDR_A" DIRECT; }
wait_until 30 direct_both ||
	fail direct "a <-> b not DIRECT within 30 s: a sees b '$(peer_path a "$ADDR_B")', b sees a '$(peer_path b "$ADDR_A")'"
pass direct "DIRECT before the block ($(elapsed))"

# 2. block member <-> member UDP in the router; member <-> root untouched
x inet nft -f - <<EOF || fail block "nft rejected the block ruleset"
table inet zteblock {
	chain forward {
		type filter hook forward priority filter; policy accept;
		ip saddr ${IP[a]} ip daddr ${IP[b]} meta l4proto udp counter drop
		ip saddr ${IP[b]} ip daddr ${IP[a]} meta l4proto udp counter drop
	}
}
EOF
t_block=$(now_ms)
say "blocked UDP ${IP[a]} <-> ${IP[b]} in the router"

relayed() { ping_ok a 10.9.0.2 && path_is a "$ADDR_B" RELAY && path_is b "$ADDR_A" RELAY; }
wait_until 30 relayed ||
	fail relay "no relayed overlay within 30 s of the block: ping a->b $(ping_ok a 10.9.0.2 && echo ok || echo fails), a sees b '$(peer_path a "$ADDR_B")', b sees a '$(peer_path b "$ADDR_A")'; a: $(cli a listpeers 2>&1 | tr '\n' ' ')"
pass relay "pings flow again and both show RELAY $(( $(now_ms) - t_block )) ms after the block"

ping_ok b 10.9.0.1 || wait_until 5 ping_ok b 10.9.0.1 || fail relay_ba "b -> a does not get through while relayed"
# the relay entry names the root: "via:<root address>"
ROOT0=${ROOTID[root0]%%:*}
via=$(cli a listpeers | awk -v p="$ADDR_B" '$3 == p { print $5 }')
[ "$via" = "via:$ROOT0" ] || fail relay_via "a lists b's path as '$via', expected via:$ROOT0"
# the block really was in the way (the members kept trying direct)
drops=$(x inet nft list table inet zteblock | sed -n 's/.*packets \([0-9]*\) .*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
[ "$drops" -gt 0 ] || fail relay_block "the block dropped nothing: were a and b ever direct?"
loss=$(x a ping -n -c 10 -i 0.1 -W 1 -q 10.9.0.2 | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p')
[ "$loss" = 0 ] || fail relay_burst "10 echoes over the relay: ${loss:-?}% loss"
pass relay_path "b -> a works too, path via:$ROOT0, $drops direct packets dropped by the block, 10/10 echoes"

# 3. lift the block: back to DIRECT
x inet nft delete table inet zteblock || fail unblock "nft delete table"
t_lift=$(now_ms)
wait_until 30 direct_both ||
	fail redirect "not DIRECT again within 30 s of lifting the block: a sees b '$(peer_path a "$ADDR_B")', b sees a '$(peer_path b "$ADDR_A")'"
ep=$(cli a listpeers | awk -v p="$ADDR_B" '$3 == p { print $5 }')
case $ep in "${IP[b]}/"*) ;; *) fail redirect_ep "a lists b's direct endpoint as '$ep'" ;; esac
pass redirect "DIRECT again $(( $(now_ms) - t_lift )) ms after lifting the block (b at $ep)"
