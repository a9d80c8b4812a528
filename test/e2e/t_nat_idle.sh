#!/bin/bash
# SPDX-License-Identifier: MIT
# t_nat_idle: a member behind a NAT that forgets idle UDP mappings after 8 s
# (conntrack timeouts of its router set to 8 s; some carriers do this) finds
# out through a root (LATER/LATE) and keeps its mappings alive with shorter
# keepalives; its peer behind an ordinary NAT keeps 25 s.  After idling,
# the pair is still DIRECT and the first ping gets through.
#
#   root0 203.0.113.2   root1 203.0.113.18
#   na (cone, default timeouts)  ha1        nb (cone, UDP timeout 8 s)  hb1
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../netlab/netlab.sh"

lab_init
nl_root root0 0
nl_root root1 1
nl_site na 1; nl_host ha1 na 0
nl_site nb 2; nl_host hb1 nb 0; nl_nat nb cone timeout=8
start_root root0
start_root root1
make_roots "$T/roots" root0 root1
start_ztd ha1
start_ztd hb1
wait_online ha1 hb1
join_net ha1 "$NWID" 10.9.0.1/24
join_net hb1 "$NWID" 10.9.0.2/24
A=$(zt_addr ha1)
Bz=$(zt_addr hb1)
direct_both() { ping_ok ha1 10.9.0.2 && path_is ha1 "$Bz" DIRECT && path_is hb1 "$A" DIRECT; }
wait_until 20 direct_both || fail direct "ha1 <-> hb1 not DIRECT within 20 s"
ka() { info_json "$1" '.keepaliveMs // -1'; }
short() { local k; k=$(ka hb1); [ "$k" -ge 5000 ] && [ "$k" -lt 8000 ]; }
t0=$(now_ms)
wait_until 120 short || fail keepalive "hb1's keepalive is $(ka hb1) ms after 120 s behind an 8 s NAT (want 5000..7999)"
[ "$(ka ha1)" = 25000 ] || fail keepalive_home "ha1's keepalive changed to $(ka ha1) ms behind an ordinary NAT"
pass keepalive "hb1 measured its NAT: keepalive $(ka hb1) ms after $(($(now_ms) - t0)) ms; ha1 keeps $(ka ha1) ms"
# idle (no overlay traffic) well past the NAT's timeout, then the first
# ping must get through on the direct path.  A fixed time on purpose: the
# idling is what is tested (mappings the keepalives failed to refresh would
# have expired by then).
sleep 20
path_is ha1 "$Bz" DIRECT && path_is hb1 "$A" DIRECT ||
	fail idle_direct "not DIRECT after 20 idle s: ha1 sees '$(peer_path ha1 "$Bz")', hb1 sees '$(peer_path hb1 "$A")'"
x ha1 ping -n -c 1 -W 2 -q 10.9.0.2 >/dev/null 2>&1 || fail idle_ping "the first ping after 20 idle s got no answer"
pass idle "still DIRECT after 20 idle s, first ping answered"
