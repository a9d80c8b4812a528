#!/bin/bash
# SPDX-License-Identifier: MIT
# t_upnp: ztd asks the home router (miniupnpd) for a port mapping, over
# UPnP-IGD (ha1) and over NAT-PMP (ha2, ZT_PORTMAP=natpmp); both mappings
# appear in miniupnpd's rules, the mapped endpoint is offered to peers (a
# member behind a symmetric NAT reaches ha1 DIRECT through it), and both
# mappings are gone once the daemons exit.
#
#   root0 203.0.113.2 (+ .3: STUN for miniupnpd)      one root only: no NAT
#        |                                            type, no birthday probing
#   inet +-----------------------+
#        na (cone, miniupnpd)    nb (symmetric)
#        ha1 10.9.0.1  ha2 .2    hb1 10.9.0.3
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../netlab/netlab.sh"

lab_init
command -v miniupnpd >/dev/null 2>&1 || skip "miniupnpd missing (apt-get install miniupnpd-nftables)"
nl_root root0 0
nl_stun root0
nl_site na 1; nl_host ha1 na 0; nl_host ha2 na 1
nl_site nb 2; nl_host hb1 nb 0; nl_nat nb sym
nl_upnp na start
start_root root0
make_roots "$T/roots" root0
ZT_PORTMAP=upnp start_ztd ha1
ZT_PORTMAP=natpmp start_ztd ha2
start_ztd hb1
wait_online ha1 ha2 hb1
pmap() { info_json "$1" '.portMapping // ""'; }
mapped() { case $(pmap "$1") in "$2 198.18.1.2/"*) return 0 ;; esac; return 1; }
wait_until 30 mapped ha1 UPnP || fail upnp "ha1 has no UPnP mapping within 30 s: '$(pmap ha1)'; miniupnpd: $(tail -n 3 "$T/upnp-na.log" | tr '\n' ' ')"
wait_until 30 mapped ha2 NAT-PMP || fail natpmp "ha2 has no NAT-PMP mapping within 30 s: '$(pmap ha2)'"
in_router() { nl_upnp_list na | grep -q -- "-> $1:9993"; }
in_router 192.168.1.10 && in_router 192.168.1.11 ||
	fail router "miniupnpd's rules do not show both: $(nl_upnp_list na | tr '\n' ';')"
pass mapped "ha1 '$(pmap ha1)', ha2 '$(pmap ha2)'; miniupnpd: $(nl_upnp_list na | tr '\n' ';')"

join_net ha1 "$NWID" 10.9.0.1/24
join_net hb1 "$NWID" 10.9.0.3/24
A=$(zt_addr ha1)
Bz=$(zt_addr hb1)
direct_both() { ping_ok hb1 10.9.0.1 && path_is hb1 "$A" DIRECT && path_is ha1 "$Bz" DIRECT; }
wait_until 30 direct_both ||
	fail mapped_path "hb1 (symmetric NAT) <-> ha1 (UPnP) not DIRECT within 30 s: hb1 sees ha1 '$(peer_path hb1 "$A")'"
pass mapped_path "hb1 behind a symmetric NAT reaches ha1 DIRECT at $(cli hb1 listpeers | awk -v a="$A" '$3 == a { print $5 }')"

kill_proc ha1 TERM
kill_proc ha2 TERM
gone() { ! in_router 192.168.1.10 && ! in_router 192.168.1.11; }
wait_until 5 gone || fail removed "mappings still in miniupnpd after ztd exit: $(nl_upnp_list na | tr '\n' ';')"
pass removed "both mappings removed on ztd exit"
