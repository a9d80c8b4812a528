#!/bin/bash
# SPDX-License-Identifier: MIT
# t_bridge_restart: two bridged sites survive restarts of their ztd.
#
#   root0 -- inet -- a                       b
#                    br0: tap + lan-h1       br0: tap + lan-h2 + lan-h3
#                    10.9.0.1                10.9.0.2
#                      |                       |
#                    h1 10.9.0.101           h2 10.9.0.102 (pings h1)
#                    (DHCP server; its MAC   h3 (DHCP client of h1)
#                    has the members' first byte)
#
# Each site is bridged with two commands (join, set bridge=br0).  Each
# site's ztd is stopped with SIGTERM and with SIGKILL and started again
# while h2 pings h1 every 0.1 s and h3 runs DHCP exchanges with h1
# (DISCOVER/OFFER/REQUEST/ACK) back to back:
#   - ztd stops within 1 s while its port mapping waits on a router that
#     hangs (upnp_hang.py), and a restart begun right after SIGTERM waits
#     for it rather than being refused;
#   - the TAP is back in br0 with the member's MAC;
#   - pings and DHCP work again within 3 s of ztd answering its API;
#   - no frame is dropped as forged (forged_src_mac stays 0 at the
#     restarted ztd, and does not move at the other one).
set -u
. "$(dirname "$0")/lib.sh"

command -v busybox >/dev/null 2>&1 || skip "busybox missing (apt-get install busybox)"
lab_init
lab_root_ns root0 0
lab_member_ns a 1
lab_member_ns b 2
# The sites' router: its UPnP gateway answers the discovery, then hangs.
bg inet upnp python3 "$E2E_DIR/upnp_hang.py" 198.18.1.1 198.18.2.1
wait_until 10 grep -q listening "$T/upnp.log" || fail setup "the UPnP router did not start"
export ZT_PORTMAP=upnp
held() { grep -c "^held ${IP[$1]}\$" "$T/upnp.log"; }
asked() { [ "$(held "$1")" -gt "${HELD0[$1]}" ]; } # since its last start
start_root root0
make_roots "$T/roots" root0
declare -A HELD0
for s in a b; do HELD0[$s]=$(held "$s"); start_ztd "$s"; done
wait_online a b

# The LAN side of a site: br0 with the host's address, the way a router or
# hypervisor has it before zt comes along.
site_bridge() { # SITE IP
	local s=$1
	ip -n "$P-$s" link add br0 type bridge || fail setup "bridge on $s"
	ip -n "$P-$s" link set br0 type bridge stp_state 0
	for k in iptables ip6tables arptables; do
		x "$s" sysctl -qw "net.bridge.bridge-nf-call-$k=0" 2>/dev/null
	done
	ip -n "$P-$s" addr add "$2/24" dev br0
	ip -n "$P-$s" link set br0 up
}
lan_host() { # HOST SITE [IP]
	local h=$1 s=$2
	lab_ns "$h"
	ip link add "lan-$h" netns "$P-$s" type veth peer name eth0 netns "$P-$h" ||
		fail setup "veth $s/$h"
	# A NIC's globally administered MAC; h1 (the DHCP server, pinged) has
	# a randomized one with the first byte of the members' derived MACs, as
	# one random MAC in 64 has: it names no member, so it is bridged too.
	if [ "$h" = h1 ]; then
		ip -n "$P-$h" link set eth0 address "$(printf '%02x:5a:c3:91:0e:7d' $(( (16#${NWID:14:2} & 0xfe) | 2 )))"
	else
		ip -n "$P-$h" link set eth0 address "00:16:3e:00:01:$(printf %02x "${h#h}")"
	fi
	ip -n "$P-$s" link set "lan-$h" master br0
	ip -n "$P-$s" link set "lan-$h" up
	[ -n "${3:-}" ] && ip -n "$P-$h" addr add "$3/24" dev eth0
	ip -n "$P-$h" link set eth0 up
}
site_bridge a 10.9.0.1
site_bridge b 10.9.0.2
lan_host h1 a 10.9.0.101
lan_host h2 b 10.9.0.102
lan_host h3 b

# The two commands of the README.
for s in a b; do
	out=$(cli "$s" join "$NWID" 2>&1) || fail bridge "$s: zt-cli join: $out"
	out=$(cli "$s" set "$NWID" bridge=br0 2>&1) || fail bridge "$s: zt-cli set bridge=br0: $out"
done
in_bridge() { # SITE: its TAP is a port of br0 and br0 wears the TAP's MAC
	local t mt mb
	t=$(tap_of "$1" "$NWID")
	[ -n "$t" ] && [ "$t" != - ] || return 1
	ip -n "$P-$1" link show dev "$t" 2>/dev/null | grep -q "master br0" || return 1
	mt=$(ip -n "$P-$1" -br link show dev "$t" | awk '{ print $3 }')
	mb=$(ip -n "$P-$1" -br link show dev br0 | awk '{ print $3 }')
	[ "$mt" = "$mb" ]
}
for s in a b; do
	wait_until 10 in_bridge "$s" ||
		fail bridge "$s: the TAP is not in br0 with br0 wearing its MAC: $(ip -n "$P-$s" -br link | tr '\n' ';')"
done
grep -q '^bridgeDevice=br0$' "$T/a/networks.d/$NWID.conf" ||
	fail bridge "networks.d has no bridgeDevice=br0: $(tr '\n' ' ' <"$T/a/networks.d/$NWID.conf")"
out=$(cli a set "$NWID" bridge=nosuchbr 2>&1) && fail bridge "bridge=nosuchbr was accepted"
case $out in *"no bridge nosuchbr"*) ;; *) fail bridge "bridge=nosuchbr: unclear error '$out'" ;; esac
pass bridge "join + set bridge=br0 on both sites: TAPs in br0 with the member MAC; a missing bridge is refused: '$out'"

# busybox udhcpd on h1; h3 runs DHCP exchanges back to back, one line each
cat >"$T/udhcpd.conf" <<EOF
start 10.9.0.150
end 10.9.0.160
interface eth0
lease_file $T/udhcpd.leases
pidfile $T/udhcpd.pid
option subnet 255.255.255.0
EOF
: >"$T/udhcpd.leases"
bg h1 udhcpd busybox udhcpd -f "$T/udhcpd.conf"
cat >"$T/dhcploop.sh" <<'EOF'
while :; do
	if busybox udhcpc -i eth0 -n -q -t 10 -T 1 -s /bin/true >/dev/null 2>&1
	then echo "ok ${EPOCHREALTIME/./}"; else echo "fail ${EPOCHREALTIME/./}"; fi
	sleep 0.2
done
EOF
bg h3 dhcp bash "$T/dhcploop.sh"
bg h2 ping stdbuf -oL ping -D -n -i 0.1 -W 1 10.9.0.101
wait_until 20 ping_ok h2 10.9.0.101 || fail lan "h2 cannot ping h1 across the sites within 20 s; a: $(counters_all a); b: $(counters_all b)"
wait_until 20 grep -q '^ok' "$T/dhcp.log" ||
	fail lan "h3 got no DHCP lease from h1 within 20 s: $(tail -n 3 "$T/udhcpd.log" | tr '\n' ' '); a: $(counters_all a); b: $(counters_all b)"
pass lan "ping h2 -> h1 and DHCP h3 <-> h1 across the sites after $(elapsed)"

# ztd stops within 1 s; a sanitizer build spends longer in its exit (the
# leak check) and gets 2 s
STOP_MAX=1000
case $B in *-san*) STOP_MAX=2000 ;; esac
api_up() { cli "$1" info >/dev/null 2>&1; }
# first_after FILE T_US: microseconds of the first ping reply / DHCP lease
# logged after T_US (empty if none)
first_ping_after() {
	awk -v t="$2" '/bytes from/ { gsub(/[][]/, "", $1); split($1, p, "."); us = p[1] * 1000000 + substr(p[2] "000000", 1, 6); if (us > t) { print p[1] substr(p[2] "000000", 1, 6); exit } }' "$1"
}
first_dhcp_after() { awk -v t="$2" '$1 == "ok" && $2 > t { print $2; exit }' "$1"; }

# restart SITE SIG OTHER: stop the site's ztd, start it, measure
restart() {
	local s=$1 sig=$2 o=$3 t0 t1 p f0 fs fo tup end back_ping back_dhcp d_ping d_dhcp
	wait_until 10 asked "$s" ||
		fail "portmap_$s" "ztd $s did not ask the router within 10 s: $(tail -n 2 "$T/upnp.log" | tr '\n' ' ')"
	f0=$(counter "$o" forged_src_mac)
	p=${ZPID[$s]}
	t0=$(now_ms)
	kill "-$sig" "$p" 2>/dev/null
	# after SIGTERM the new ztd starts at once, inside the old one's stop:
	# it must wait for it, not be refused
	HELD0[$s]=$(held "$s")
	[ "$sig" = TERM ] && start_ztd "$s"
	wait_exit "$p" 5 || fail "stop_${s}_$sig" "ztd $s still running 5 s after SIG$sig"
	wait "$p" 2>/dev/null
	t1=$(now_ms)
	[ "$sig" = KILL ] || [ $((t1 - t0)) -le "$STOP_MAX" ] ||
		fail "stop_${s}_$sig" "ztd $s took $((t1 - t0)) ms to stop (want <= $STOP_MAX)"
	[ "$sig" = KILL ] && start_ztd "$s"
	wait_until 10 api_up "$s" || fail "restart_${s}_$sig" "ztd $s's API is not up within 10 s: $(tail -n 3 "$T/$s.log" | tr '\n' ' ')"
	tup=$(now_ms)
	kill -0 "${ZPID[$s]}" 2>/dev/null || fail "restart_${s}_$sig" "the new ztd $s exited: $(tail -n 3 "$T/$s.log" | tr '\n' ' ')"
	wait_until 10 in_bridge "$s" || fail "restart_${s}_$sig" "$s: the TAP is not back in br0"
	# back: a ping reply and a DHCP lease after the restart, within 3 s
	end=$((tup + 6000))
	while :; do
		back_ping=$(first_ping_after "$T/ping.log" $((tup * 1000)))
		back_dhcp=$(first_dhcp_after "$T/dhcp.log" $((tup * 1000)))
		[ -n "$back_ping" ] && [ -n "$back_dhcp" ] && break
		[ "$(now_ms)" -ge "$end" ] && break
		sleep 0.2
	done
	[ -n "$back_ping" ] || fail "back_${s}_$sig" "no ping reply h2 -> h1 within 6 s of ztd $s's API being up; $s: $(counters_all "$s")"
	[ -n "$back_dhcp" ] || fail "back_${s}_$sig" "no DHCP lease h3 <- h1 within 6 s of ztd $s's API being up; $s: $(counters_all "$s")"
	d_ping=$((back_ping / 1000 - tup))
	d_dhcp=$((back_dhcp / 1000 - tup))
	sleep 1 # frames in flight reach the counters
	fs=$(counter "$s" forged_src_mac)
	fo=$(counter "$o" forged_src_mac)
	say "SIG$sig $s: stopped in $((t1 - t0)) ms, API up $((tup - t1)) ms after; ping back after $d_ping ms, DHCP after $d_dhcp ms; forged_src_mac $s=$fs, $o +$((fo - f0))"
	[ "$fs" = 0 ] && [ "$fo" = "$f0" ] ||
		fail "forged_${s}_$sig" "frames dropped as forged: $fs at the restarted $s, $((fo - f0)) at $o"
	[ "$d_ping" -le 3000 ] && [ "$d_dhcp" -le 3000 ] ||
		fail "back_${s}_$sig" "site $s back too late: ping after $d_ping ms, DHCP after $d_dhcp ms of the API being up (want <= 3000)"
	pass "restart_${s}_$sig" "stopped in $((t1 - t0)) ms; ping back after $d_ping ms, DHCP after $d_dhcp ms; nothing dropped as forged"
}
restart a TERM b
restart b TERM a
restart a KILL b
restart b KILL a
