#!/bin/bash
# SPDX-License-Identifier: MIT
# t_nat: members behind real (nftables) NATs in the NAT lab (test/netlab):
# which pairs reach a DIRECT path, which stay relayed but work, and that
# a NAT rebinding (mapping loss) and a lossy, jittery link are survived.
#
#   root0 203.0.113.2   root1 203.0.113.18            (zt-root x 2)
#      |                  |
#   inet ----+-----------+-----------+-----------+------------+
#         na (cone)   nb (cone)   nc (sym)    nd (sym)     ni (CGNAT, cone)
#        198.18.1.2  198.18.2.2  198.18.3.2  198.18.4.2   198.18.5.2
#         |     |       |           |           |          100.64.5.0/24
#        ha1   ha2     hb1         hc1         hd1          ne (cone) 100.64.5.7
#        .1    .2      .3          .4          .5            |
#                                                           he1 .6
# (overlay 10.9.0.N/24; na has no hairpinning, like most home routers)
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../netlab/netlab.sh"

lab_init
command -v conntrack >/dev/null 2>&1 || skip "conntrack missing (apt-get install conntrack)"
nl_root root0 0
nl_root root1 1
nl_site na 1; nl_host ha1 na 0; nl_host ha2 na 1
nl_site nb 2; nl_host hb1 nb 0
nl_site nc 3; nl_host hc1 nc 0; nl_nat nc sym
nl_site nd 4; nl_host hd1 nd 0; nl_nat nd sym
nl_isp ni 5; nl_site ne 6 ni; nl_host he1 ne 0
start_root root0
start_root root1
make_roots "$T/roots" root0 root1
HOSTS="ha1 ha2 hb1 hc1 hd1 he1"
# shellcheck disable=SC2086
for h in $HOSTS; do start_ztd "$h"; done
# shellcheck disable=SC2086
wait_online $HOSTS
i=1
declare -A OV ADDR
for h in $HOSTS; do
	join_net "$h" "$NWID" "10.9.0.$i/24"
	OV[$h]=10.9.0.$i
	ADDR[$h]=$(zt_addr "$h")
	i=$((i + 1))
done
pass setup "8 namespaces of NATs, 2 roots, 6 members online and joined after $(elapsed)"

# pair A B KIND BOUND: pings A -> B until both list each other with path KIND
pair_is() { ping_ok "$1" "${OV[$2]}" && path_is "$1" "${ADDR[$2]}" "$3" && path_is "$2" "${ADDR[$1]}" "$3"; }
pair() {
	local a=$1 b=$2 kind=$3 bound=$4 t0
	t0=$(now_ms)
	wait_until "$bound" pair_is "$a" "$b" "$kind" || {
		for r in "${NL_SITE_OF[$a]}" "${NL_SITE_OF[$b]}" ni; do
			echo "conntrack $r:"; x "$r" conntrack -L -p udp 2>/dev/null | grep -v 203.0.113 | sed 's/^/  /'
		done
		fail "${a}_$b" "$a <-> $b not $kind within $bound s: $a sees $b '$(peer_path "$a" "${ADDR[$b]}")', $b sees $a '$(peer_path "$b" "${ADDR[$a]}")'; $a: $(cli "$a" listpeers 2>&1 | grep "${ADDR[$b]}")"; }
	pass "${a}_$b" "$kind after $(($(now_ms) - t0)) ms ($(cli "$a" listpeers | awk -v p="${ADDR[$b]}" '$3 == p { print $5 }'))"
}

# NAT types as the two roots' reflections show them (zt-cli -j info)
nat_type() { info_json "$1" '.natType // "-"'; }
types_ok() { [ "$(nat_type ha1)" = CONE ] && [ "$(nat_type hc1)" = SYMMETRIC ] && [ "$(nat_type he1)" = CONE ]; }
wait_until 15 types_ok || fail nat_type "natType: ha1 $(nat_type ha1) (want CONE), hc1 $(nat_type hc1) (want SYMMETRIC), he1 $(nat_type he1) (want CONE)"
pass nat_type "ha1 CONE, hc1 SYMMETRIC, he1 (CGNAT) CONE"

pair ha1 hb1 DIRECT 20     # cone <-> cone
pair he1 hb1 DIRECT 20     # CGNAT (cone behind cone) <-> cone
pair ha1 ha2 DIRECT 20     # one NAT without hairpinning: over the LAN
case $(cli ha1 listpeers | awk -v p="${ADDR[ha2]}" '$3 == p { print $5 }') in
192.168.1.*) ;; *) fail lan_path "ha1 reaches ha2 at '$(cli ha1 listpeers | awk -v p="${ADDR[ha2]}" '$3 == p { print $5 }')', not a LAN address" ;;
esac
pair hc1 hb1 DIRECT 30     # symmetric <-> cone: birthday probing
pair hc1 hd1 RELAY 20      # symmetric <-> symmetric: relayed, and it works
loss=$(x hc1 ping -n -c 10 -i 0.1 -W 1 -q "${OV[hd1]}" | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p')
[ "$loss" = 0 ] || fail sym_sym_burst "10 echoes hc1 -> hd1 over the relay: ${loss:-?}% loss"
pass sym_sym_burst "10/10 echoes over the relay"

# mapping loss: nb's NAT rebinds (new port range + conntrack flush) while
# ha1 pings hb1; traffic must resume by itself, without a new handshake
# handshakes between ha1 and hb1 so far (debug log lines name the peer)
hs_count() { grep -c "handshake: .*${ADDR[$2]}" "$T/$1.log"; }
hs_before=$(hs_count hb1 ha1)
hs_before_a=$(hs_count ha1 hb1)
bg ha1 ping-rebind ping -n -i 0.2 -W 1 -c 150 "${OV[hb1]}"
ping_pid=$LAST_PID
# the ongoing pings get answers before the rebinding
answered() { [ "$(grep -c 'bytes from' "$T/ping-rebind.log")" -ge "$1" ]; }
wait_until 10 answered 3 || fail rebind "the ongoing pings ha1 -> hb1 get no answers before the rebinding"
nl_nat nb ports=30000-30999
t_rebind=$(now_ms)
# (nl_nat returns with the new rules in place and the old mappings gone:
# any echo that comes back from now on went through the new mapping)
resumed() { x ha1 ping -n -c 1 -W 1 -q "${OV[hb1]}" >/dev/null 2>&1; }
wait_until 30 resumed || fail rebind "no echo ha1 -> hb1 within 30 s of nb's rebinding"
t_resume=$(($(now_ms) - t_rebind))
[ "$(hs_count hb1 ha1)" = "$hs_before" ] && [ "$(hs_count ha1 hb1)" = "$hs_before_a" ] ||
	fail rebind_session "a new handshake was needed after the rebinding (hb1: $hs_before -> $(hs_count hb1 ha1), ha1: $hs_before_a -> $(hs_count ha1 hb1))"
[ "$t_resume" -le 10000 ] || fail rebind_time "traffic resumed only $t_resume ms after the rebinding (want <= 10 s)"
pass rebind "traffic resumed $t_resume ms after nb rebound, session kept"
wait_until 30 pair_is ha1 hb1 DIRECT ||
	fail rebind_direct "ha1 <-> hb1 not DIRECT again within 30 s of the rebinding: $(peer_path ha1 "${ADDR[hb1]}")"
pass rebind_direct "DIRECT again $(($(now_ms) - t_rebind)) ms after the rebinding"
kill "$ping_pid" 2>/dev/null

# 10% loss each way + up to 50 ms jitter on nb's link: a TCP transfer
# across the overlay (ha1 -> hb1) completes
nl_impair nb loss=10 delay=0,50
bg hb1 tcp-recv timeout 120 $PROBE tcp-sink 5001
wait_until 10 tcp_listening hb1 5001 || fail tcp_setup "receiver not listening on hb1:5001 within 10 s"
t_tcp=$(now_ms)
out=$(x ha1 timeout 100 $PROBE tcp-send "${OV[hb1]}" 5001 524288 2>&1)
case $out in *intact*) ;; *)
	fail tcp_lossy "sending 512 KiB ha1 -> hb1 over a 10%-loss, 50 ms-jitter link failed: $out" ;;
esac
pass tcp_lossy "512 KiB over the overlay in $(($(now_ms) - t_tcp)) ms with 10% loss + 50 ms jitter"
nl_impair nb off
