#!/bin/bash
# SPDX-License-Identifier: MIT
# t_basic: two members on different underlay subnets, one root, one ad-hoc
# network: both come ONLINE, ping each other over the overlay both ways, and
# each sees the other over a DIRECT path within 5 s of the first reply.
#
#            root0  203.0.113.2 (zt-root)
#              | r0
#   inet  router (ip_forward=1, no NAT, no filter)
#       | m1                       | m2
#   a  198.18.1.2 (ztd)         b  198.18.2.2 (ztd)
#      tap 10.9.0.1/24  <== ff00000000000001 ==>  tap 10.9.0.2/24
set -u
. "$(dirname "$0")/lib.sh"

lab_init
lab_basic a b
pass online "a and b ONLINE, joined, TAPs up after $(elapsed)"

ADDR_A=$(zt_addr a)
ADDR_B=$(zt_addr b)
[ -n "$ADDR_A" ] && [ -n "$ADDR_B" ] || fail addr "zt-cli info gives no address (a='$ADDR_A' b='$ADDR_B')"

wait_until 20 ping_ok a 10.9.0.2 ||
	fail ping_ab "no echo reply 10.9.0.1 -> 10.9.0.2 within 20 s; a's peers: $(cli a listpeers 2>&1 | tr '\n' ' ')"
t_reply=$(now_ms)
pass ping_ab "first reply after $(elapsed)"

wait_until 20 ping_ok b 10.9.0.1 || fail ping_ba "no echo reply 10.9.0.2 -> 10.9.0.1 within 20 s"
pass ping_ba

direct_both() { path_is a "$ADDR_B" DIRECT && path_is b "$ADDR_A" DIRECT; }
left=$(( 5000 - ($(now_ms) - t_reply) ))
[ $left -lt 1000 ] && left=1000
wait_until "$(( (left + 999) / 1000 ))" direct_both ||
	fail direct "not DIRECT within 5 s of the first reply: a sees b as '$(peer_path a "$ADDR_B")', b sees a as '$(peer_path b "$ADDR_A")'; a: $(cli a listpeers 2>&1 | tr '\n' ' ')"
pass direct "DIRECT both ways $(( $(now_ms) - t_reply )) ms after the first reply"

# the DIRECT entry must name the other member's underlay endpoint
ep=$(cli a listpeers | awk -v p="$ADDR_B" '$3 == p { print $5 }')
case $ep in "${IP[b]}/"*) ;; *) fail endpoint "a lists b's direct endpoint as '$ep', expected ${IP[b]}/port" ;; esac
pass endpoint "a reaches b at $ep"

# a 20-echo burst over the established path: no loss expected on a clean lab
loss=$(x a ping -n -c 20 -i 0.05 -W 1 -q 10.9.0.2 | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p')
[ "$loss" = 0 ] || fail burst "20 echoes a -> b: ${loss:-?}% loss"
pass burst "20 echoes, 0% loss"
