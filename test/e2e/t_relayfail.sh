#!/bin/bash
# SPDX-License-Identifier: MIT
# t_relayfail: relayed traffic survives the death of the root that relays
# it.  Two roots; member <-> member UDP is blocked so a and b talk through a
# root; the root that a relays through is killed (SIGKILL); within 30 s
# a -> b works again, relayed by the surviving root.
#
#   root0 203.0.113.2           root1 203.0.113.18
#              | r0                 | r1        (the one a relays through is killed)
#   inet  router; nft drops udp 198.18.1.2 <-> 198.18.2.2 (member <-> root untouched)
#       | m1                       | m2
#   a  198.18.1.2 (ztd)         b  198.18.2.2 (ztd)
#      tap 10.9.0.1/24  <== ff00000000000001 ==>  tap 10.9.0.2/24
set -u
. "$(dirname "$0")/lib.sh"

lab_init
lab_root_ns root0 0
lab_root_ns root1 1
lab_member_ns a 1
lab_member_ns b 2
start_root root0
start_root root1
make_roots "$T/roots" root0 root1
start_ztd a
start_ztd b
wait_online a b
join_net a "$NWID" 10.9.0.1/24
join_net b "$NWID" 10.9.0.2/24
ADDR_A=$(zt_addr a)
ADDR_B=$(zt_addr b)
declare -A NAME_OF=(["${ROOTID[root0]%%:*}"]=root0 ["${ROOTID[root1]%%:*}"]=root1)

x inet nft -f - <<EOF || fail block "nft rejected the block ruleset"
table inet zteblock {
	chain forward {
		type filter hook forward priority filter; policy accept;
		ip saddr ${IP[a]} ip daddr ${IP[b]} meta l4proto udp drop
		ip saddr ${IP[b]} ip daddr ${IP[a]} meta l4proto udp drop
	}
}
EOF
sees() { cli "$1" listpeers 2>/dev/null | awk -v p="$2" '$3 == p { print $4, $5 }'; }
relayed() { ping_ok a 10.9.0.2 && [ "$(sees a "$ADDR_B" | cut -d' ' -f1)" = RELAY ] && [ "$(sees b "$ADDR_A" | cut -d' ' -f1)" = RELAY ]; }
wait_until 30 relayed ||
	fail relay "a <-> b not relayed within 30 s with the direct path blocked: a sees b '$(sees a "$ADDR_B")', b sees a '$(sees b "$ADDR_A")'"
via=$(sees a "$ADDR_B" | sed -n 's/^RELAY via://p')
victim=${NAME_OF[$via]:-}
[ -n "$victim" ] || fail relay "a relays through '$via', which is neither root"
pass relay "a -> b relayed via $victim ($via), b -> a via $(sees b "$ADDR_A" | cut -d' ' -f2) ($(elapsed))"

{
	kill -KILL "${ZPID[$victim]}"
	wait_exit "${ZPID[$victim]}" 5 || fail kill "$victim still alive after SIGKILL"
	wait "${ZPID[$victim]}"
} 2>/dev/null
t_kill=$(now_ms)
say "$victim ($via), the root relaying a -> b, killed with SIGKILL"

if wait_until 30 ping_ok a 10.9.0.2; then
	pass failover "a -> b relayed again $(( $(now_ms) - t_kill )) ms after the kill, a sees b '$(sees a "$ADDR_B")'"
else
	# for the report: when (if at all) does it recover?
	state="a sees b '$(sees a "$ADDR_B")'"
	if wait_until 40 ping_ok a 10.9.0.2; then
		late="recovered only $(( $(now_ms) - t_kill )) ms after the kill ($(sees a "$ADDR_B"))"
	else
		late="still broken 70 s after the kill ($(sees a "$ADDR_B"))"
	fi
	fail failover "a -> b: no overlay echo within 30 s of killing the relaying root ($state at 30 s); $late"
fi
[ "$(sees a "$ADDR_B")" != "RELAY via:$via" ] || fail failover "a still lists the dead root as b's relay"
