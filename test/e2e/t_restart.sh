#!/bin/bash
# SPDX-License-Identifier: MIT
# t_restart: a member's ztd stopped with SIGTERM and started again on the
# same home dir keeps its address, rejoins its network by itself (listnetworks
# shows it, the TAP comes back) and the overlay works again.
#
#            root0  203.0.113.2 (zt-root)
#              | r0
#   inet  router (ip_forward=1, no NAT, no filter)
#       | m1                       | m2
#   a  198.18.1.2 (ztd)         b  198.18.2.2 (ztd: SIGTERM, then started again)
#      tap 10.9.0.1/24  <== ff00000000000001 ==>  tap 10.9.0.2/24
set -u
. "$(dirname "$0")/lib.sh"

lab_init
lab_basic a b
wait_until 20 ping_ok a 10.9.0.2 || fail ping "no overlay echo a -> b within 20 s"
ADDR_B=$(zt_addr b)
pub_before=$(cat "$T/b/identity.public" 2>/dev/null)
tap_before=${TAP[b]}
pass before "a <-> b up, b is $ADDR_B on $tap_before ($(elapsed))"

# stop b: SIGTERM, it must exit by itself within 5 s
pid=${ZPID[b]}
kill -TERM "$pid"
wait_exit "$pid" 5 || fail stop "ztd b (pid $pid) still running 5 s after SIGTERM"
wait "$pid" 2>/dev/null
rc=$?
[ "$rc" = 0 ] || fail stop "ztd b exited with status $rc after SIGTERM (expected a clean exit, 0)"
ping_ok a 10.9.0.2 && fail stop "10.9.0.2 still answers with b's ztd stopped"
if ip -n "$P-b" link show dev "$tap_before" >/dev/null 2>&1; then
	say "TAP $tap_before is still there after the stop (persistent TAP)"
else
	say "TAP $tap_before went away with ztd"
fi
pass stop "b's ztd exited cleanly on SIGTERM, overlay to b down"

# start it again on the same home dir
t_start=$(now_ms)
start_ztd b
wait_until 20 is_online b || fail online "restarted b not ONLINE within 20 s: $(cli b info 2>&1 | tr '\n' ' ')"
addr2=$(zt_addr b)
[ "$addr2" = "$ADDR_B" ] || fail address "b's address changed across the restart: $ADDR_B -> $addr2"
pub_after=$(cat "$T/b/identity.public" 2>/dev/null)
[ "$pub_after" = "$pub_before" ] || fail address "identity.public changed across the restart"
pass address "same address $ADDR_B, ONLINE $(( $(now_ms) - t_start )) ms after the start"

wait_until 15 tap_exists b "$NWID" ||
	fail rejoin "restarted b did not rejoin $NWID within 15 s; listnetworks: $(cli b listnetworks 2>&1 | tr '\n' ' ')"
TAP[b]=$(tap_of b "$NWID")
# addresses go on by hand; a TAP that survived the restart may still have it
ip -n "$P-b" addr replace 10.9.0.2/24 dev "${TAP[b]}" || fail rejoin "ip addr replace on ${TAP[b]}"
ip -n "$P-b" link set "${TAP[b]}" up
pass rejoin "listnetworks shows $NWID on ${TAP[b]} again"

t_ping=$(now_ms)
wait_until 30 ping_ok a 10.9.0.2 ||
	fail ping_again "a -> b: no overlay echo within 30 s of the rejoin; a's peers: $(cli a listpeers 2>&1 | tr '\n' ' '); b's peers: $(cli b listpeers 2>&1 | tr '\n' ' ')"
wait_until 10 ping_ok b 10.9.0.1 || fail ping_again "b -> a: no overlay echo within 10 s"
pass ping_again "a <-> b again $(( $(now_ms) - t_ping )) ms after the rejoin"
