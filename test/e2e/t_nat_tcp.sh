#!/bin/bash
# SPDX-License-Identifier: MIT
# t_nat_tcp: a member whose firewall drops all UDP reaches the roots over
# TCP port 443 and talks to a member elsewhere through a root relaying over
# that connection; when UDP passes again it goes back to UDP and to a
# DIRECT path by itself.
#
#   root0 203.0.113.2   root1 203.0.113.18     (zt-root, UDP 9993 + TCP 443)
#        |                 |
#   inet +--------+--------+
#        na (cone)          nb (cone + udpblock: forward drops all UDP)
#        ha1 10.9.0.1       hb1 10.9.0.2
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../netlab/netlab.sh"

lab_init
nl_root root0 0
nl_root root1 1
nl_site na 1; nl_host ha1 na 0
nl_site nb 2; nl_host hb1 nb 0; nl_nat nb cone udpblock
start_root root0
start_root root1
make_roots "$T/roots" root0 root1
start_ztd ha1
start_ztd hb1
t0=$(now_ms)
wait_online ha1 hb1
pass online "hb1 ONLINE through TCP after $(($(now_ms) - t0)) ms (UDP blocked)"
ROOT0=${ROOTID[root0]%%:*}
ROOT1=${ROOTID[root1]%%:*}
root_link() { cli "$1" listpeers | awk -v a="$2" '$3 == a { print $5 }'; }
case "$(root_link hb1 "$ROOT0") $(root_link hb1 "$ROOT1")" in
*/tcp*) ;;
*) fail root_tcp "hb1 lists its roots as '$(root_link hb1 "$ROOT0")' and '$(root_link hb1 "$ROOT1")', want a /tcp one" ;;
esac
pass root_tcp "hb1's roots: $(root_link hb1 "$ROOT0"), $(root_link hb1 "$ROOT1")"
join_net ha1 "$NWID" 10.9.0.1/24
join_net hb1 "$NWID" 10.9.0.2/24
A=$(zt_addr ha1)
Bz=$(zt_addr hb1)
wait_until 30 ping_ok hb1 10.9.0.1 ||
	fail relay_tcp "no echo hb1 -> ha1 within 30 s; hb1: $(cli hb1 listpeers 2>&1 | tr '\n' ' ')"
wait_until 10 ping_ok ha1 10.9.0.2 || fail relay_tcp "no echo ha1 -> hb1"
link=$(cli hb1 listpeers | awk -v a="$A" '$3 == a { print $4, $5 }')
case $link in "RELAY via:"*/tcp) ;; *) fail relay_tcp "hb1 lists ha1 as '$link', want RELAY via:<root>/tcp" ;; esac
loss=$(x hb1 ping -n -c 10 -i 0.1 -W 1 -q 10.9.0.1 | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p')
[ "$loss" = 0 ] || fail relay_tcp_burst "10 echoes over the TCP relay: ${loss:-?}% loss"
pass relay_tcp "hb1 <-> ha1 work, hb1 sees '$link', 10/10 echoes"
drops=$(x nb nft list table inet znfw | sed -n 's/.*udp.*packets \([0-9]*\) .*/\1/p' | head -n 1)
[ "${drops:-0}" -gt 0 ] || fail udp_tried "nb's firewall dropped no UDP: did hb1 ever try UDP?"

# UDP passes again: back to UDP, then DIRECT
nl_nat nb cone
t_lift=$(now_ms)
direct_both() { ping_ok hb1 10.9.0.1 && path_is hb1 "$A" DIRECT && path_is ha1 "$Bz" DIRECT; }
wait_until 40 direct_both ||
	fail back_direct "not DIRECT within 40 s of unblocking UDP: hb1 sees ha1 '$(cli hb1 listpeers | awk -v a="$A" '$3 == a { print $4, $5 }')'"
pass back_direct "DIRECT $(($(now_ms) - t_lift)) ms after UDP was unblocked"
udp_roots() { ! root_link hb1 "$ROOT0" | grep -q /tcp && ! root_link hb1 "$ROOT1" | grep -q /tcp; }
wait_until 20 udp_roots || fail back_udp "hb1 still reaches its roots over TCP: $(root_link hb1 "$ROOT0") $(root_link hb1 "$ROOT1")"
pass back_udp "roots over UDP again: $(root_link hb1 "$ROOT0"), $(root_link hb1 "$ROOT1")"
