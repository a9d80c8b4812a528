# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# netlab.sh - a NAT lab in network namespaces for zt's end-to-end tests.
# Sourced after test/e2e/lib.sh (which gives the unique prefix $P, x, bg,
# lab_ns, cleanup on exit even on failure, bounded waits).  Recipes are the
# ones proven in the NAT lab notes (netlab.md): every NAT is nftables in its
# own namespace; this kernel has no netem, so delay and jitter come from our
# own NFQUEUE program (test/netlab/ztqdelay.c, built by the Makefile).
#
#   nl_root NAME K                 a root host 203.0.113.(16K+2) on inet (lib.sh)
#   nl_site SITE IDX [UPSTREAM]    a home NAT router: WAN 198.18.IDX.2 on inet,
#                                  or 100.64.U.(IDX+1) behind the CGNAT router
#                                  UPSTREAM (made with nl_isp); LAN bridge
#                                  192.168.IDX.1/24
#   nl_isp SITE IDX                a CGNAT router: WAN 198.18.IDX.2, inside
#                                  100.64.IDX.1/24 (a bridge sites attach to)
#   nl_host NAME SITE K            a LAN host 192.168.IDX.(10+K) behind SITE
#   nl_nat SITE MODE...            (re)program SITE's NAT (modes below)
#   nl_flush SITE                  conntrack -F in SITE (mapping loss)
#   nl_impair SITE MODE...         on inet's side of SITE's WAN link:
#                                  loss=PCT | delay=MS[,JITTER] | mtu=BYTES | off
#   nl_upnp SITE start|stop        miniupnpd (UPnP-IGD + NAT-PMP) on SITE's LAN
#   nl_stun ROOTNS                 STUN responder (RFC 5780 subset) on a root
#                                  host, for miniupnpd's ext_perform_stun
#
# NAT modes (mapping modes are exclusive):
#   cone       masquerade: port-preserving, endpoint-independent mapping,
#              address-and-port-dependent filtering (port-restricted cone)
#   sym        masquerade random: a new random port per destination
#   symseq     UDP snat to sequential ports 20000.. per new flow (predictable)
#   fullcone   + endpoint-independent filtering for UDP: anyone may send to
#              a mapping (Linux has none: an nft map learns the mappings)
#   rcone      + address-dependent filtering for UDP (restricted cone): a
#              mapping takes packets from any port of an address it sent to
#   ports=L-H  masquerade to :L-H (switch to it to force a rebinding)
#   hairpin    + hairpinning for UDP (off by default: most routers lack it)
#   udpblock   + forward drops all UDP (TCP still passes)
#   timeout=N  conntrack UDP timeouts of SITE's namespace = N seconds
# Every router drops unsolicited packets to itself on its WAN (real routers
# do; without it an early punch steals the port, netlab.md pitfall 1), and
# every bridge has br_netfilter off (pitfall 2).
set -u

NL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
declare -A NL_WAN NL_LAN NL_LANNET NL_UP NL_IDX NL_SITE_OF NL_INETIF

# a veth pair created directly inside two namespaces
nl_veth() { # NS1 IF1 NS2 IF2
	ip link add "$2" netns "$P-$1" type veth peer name "$4" netns "$P-$3" ||
		fail setup "veth $1/$2 - $3/$4"
	x "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1" 2>/dev/null
	x "$3" sysctl -qw "net.ipv6.conf.$4.disable_ipv6=1" 2>/dev/null
	ip -n "$P-$1" link set "$2" up
	ip -n "$P-$3" link set "$4" up
}

nl_bridge() { # NS CIDR
	ip -n "$P-$1" link add znbr0 type bridge || fail setup "bridge in $1"
	x "$1" sysctl -qw net.bridge.bridge-nf-call-iptables=0 \
		net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-arptables=0 2>/dev/null
	x "$1" sysctl -qw net.ipv6.conf.znbr0.disable_ipv6=1 2>/dev/null
	ip -n "$P-$1" addr add "$2" dev znbr0
	ip -n "$P-$1" link set znbr0 up
}

nl_root() { lab_root_ns "$@"; }

# the WAN side of a router: on inet (a routed /24) or on an ISP's bridge
nl_router_wan() { # SITE IDX UPSTREAM
	local s=$1 i=$2 up=${3:-}
	lab_ns "$s"
	x "$s" sysctl -qw net.ipv4.ip_forward=1
	NL_IDX[$s]=$i
	if [ -z "$up" ]; then
		nl_veth "$s" znwan inet "s$i"
		ip -n "$P-inet" addr add "198.18.$i.1/24" dev "s$i"
		ip -n "$P-$s" addr add "198.18.$i.2/24" dev znwan
		ip -n "$P-$s" route add default via "198.18.$i.1"
		NL_WAN[$s]=198.18.$i.2
		NL_INETIF[$s]=s$i
	else
		local ui=${NL_IDX[$up]}
		nl_veth "$s" znwan "$up" "p$i"
		ip -n "$P-$up" link set "p$i" master znbr0
		ip -n "$P-$s" addr add "100.64.$ui.$((i + 1))/24" dev znwan
		ip -n "$P-$s" route add default via "100.64.$ui.1"
		NL_WAN[$s]=100.64.$ui.$((i + 1))
		NL_INETIF[$s]=${NL_INETIF[$up]}
	fi
	NL_UP[$s]=$up
}

nl_site() { # SITE IDX [UPSTREAM]
	nl_router_wan "$1" "$2" "${3:-}"
	nl_bridge "$1" "192.168.$2.1/24"
	NL_LAN[$1]=192.168.$2.1
	NL_LANNET[$1]=192.168.$2.0/24
	nl_nat "$1" cone
}

nl_isp() { # SITE IDX
	nl_router_wan "$1" "$2" ""
	nl_bridge "$1" "100.64.$2.1/24"
	NL_LAN[$1]=100.64.$2.1
	NL_LANNET[$1]=100.64.$2.0/24
	nl_nat "$1" cone
}

nl_host() { # NAME SITE K
	local h=$1 s=$2 k=$3 i=${NL_IDX[$2]}
	lab_ns "$h"
	nl_veth "$s" "h$k" "$h" zeth0
	ip -n "$P-$s" link set "h$k" master znbr0
	ip -n "$P-$h" addr add "192.168.$i.$((10 + k))/24" dev zeth0
	ip -n "$P-$h" route add default via "192.168.$i.1"
	IP[$h]=192.168.$i.$((10 + k))
	NL_SITE_OF[$h]=$s
}

nl_nat() { # SITE MODE...
	local s=$1 m masq="masquerade" hairpin=0 udpblock=0 to="" filt=""
	shift
	local ext=${NL_WAN[$s]}
	for m in "$@"; do
		case $m in
		cone) masq="masquerade" ;;
		sym) masq="masquerade random" ;;
		symseq)
			masq="meta l4proto udp snat ip to $ext : numgen inc mod 256 map { $(
				for i in $(seq 0 255); do printf '%d : %d, ' "$i" $((20000 + i)); done) }
		oifname \"znwan\" masquerade" ;;
		ports=*) masq="meta l4proto { tcp, udp } masquerade to :${m#ports=}
		oifname \"znwan\" masquerade" ;;
		hairpin) hairpin=1 ;;
		fullcone) filt="iifname \"znwan\" ip daddr $ext dnat ip to udp dport map @fc" ;;
		rcone) filt="iifname \"znwan\" ip daddr $ext udp dport . ip saddr @adf dnat ip to udp dport map @fc" ;;
		udpblock) udpblock=1 ;;
		timeout=*) to=${m#timeout=} ;;
		*) fail setup "nl_nat: unknown mode $m" ;;
		esac
	done
	{
		echo "table ip znnat"; echo "delete table ip znnat"
		echo "table inet znfw"; echo "delete table inet znfw"
		cat <<EOF
table ip znnat {
	map fc { type inet_service : ipv4_addr . inet_service; flags dynamic,timeout; timeout 300s; }
	set adf { type inet_service . ipv4_addr; flags dynamic,timeout; timeout 300s; }
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
$([ $hairpin = 1 ] && echo "		iifname \"znbr0\" ip daddr $ext dnat ip to udp dport map @fc")
$([ -n "$filt" ] && echo "		$filt")
	}
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
$([ $hairpin = 1 ] && echo "		iifname \"znbr0\" oifname \"znbr0\" ct status dnat snat ip to $ext")
		oifname "znwan" $masq
	}
	chain learn {
		type filter hook postrouting priority 200; policy accept;
		oifname "znwan" meta l4proto udp update @fc { udp sport timeout 300s : ct original ip saddr . ct original proto-src }
		oifname "znwan" meta l4proto udp update @adf { udp sport . ip daddr timeout 300s }
	}
}
table inet znfw {
	chain input {
		type filter hook input priority filter; policy accept;
		iifname "znwan" ct state established,related accept
		iifname "znwan" meta l4proto icmp accept
		iifname "znwan" udp sport { 3478, 3479 } accept
		iifname "znwan" drop
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
$([ $udpblock = 1 ] && echo "		meta l4proto udp counter drop")
		iifname "znwan" ct state established,related accept
		iifname "znwan" ct status dnat accept
		iifname "znwan" drop
	}
}
EOF
	} | x "$s" nft -f - || fail setup "nft ruleset for $s ($*)"
	if [ -n "$to" ]; then
		x "$s" sysctl -qw net.netfilter.nf_conntrack_udp_timeout="$to" \
			net.netfilter.nf_conntrack_udp_timeout_stream="$to"
	fi
	x "$s" conntrack -F >/dev/null 2>&1 || true
	return 0
}

nl_flush() { x "$1" conntrack -F >/dev/null 2>&1 || true; }

NL_QDELAY=${NL_QDELAY:-$B/test/ztqdelay}
# impairments on inet's side of SITE's WAN link (both directions)
nl_impair() { # SITE MODE...
	local s=$1 m dev
	shift
	dev=${NL_INETIF[$s]}
	local qn=$((100 + ${NL_IDX[$s]}))
	for m in "$@"; do
		case $m in
		off)
			x inet nft delete table inet "znimp_$dev" 2>/dev/null
			x inet iptables -D FORWARD -i "$dev" -j NFQUEUE --queue-num "$qn" --queue-bypass 2>/dev/null
			x inet iptables -D FORWARD -o "$dev" -j NFQUEUE --queue-num "$qn" --queue-bypass 2>/dev/null
			;;
		loss=*)
			x inet nft -f - <<EOF || fail setup "loss rule on $dev"
table inet znimp_$dev {
	chain loss {
		type filter hook forward priority filter - 10; policy accept;
		iifname "$dev" numgen random mod 100 < ${m#loss=} drop
		oifname "$dev" numgen random mod 100 < ${m#loss=} drop
	}
}
EOF
			;;
		delay=*)
			local d=${m#delay=} j=0
			case $d in *,*) j=${d#*,}; d=${d%,*} ;; esac
			[ -x "$NL_QDELAY" ] || fail setup "$NL_QDELAY not built (make $NL_QDELAY)"
			command -v iptables >/dev/null 2>&1 || fail setup "iptables missing (apt-get install iptables)"
			x inet iptables -A FORWARD -i "$dev" -j NFQUEUE --queue-num "$qn" --queue-bypass ||
				fail setup "iptables NFQUEUE on $dev"
			x inet iptables -A FORWARD -o "$dev" -j NFQUEUE --queue-num "$qn" --queue-bypass
			bg inet "qdelay-$dev" "$NL_QDELAY" -q "$qn" -d "$d" -j "$j" -t "${NL_IMPAIR_SECS:-300}"
			wait_until 5 grep -q 'ztqdelay: queue' "$T/qdelay-$dev.log" ||
				fail setup "ztqdelay did not start: $(tail -n 2 "$T/qdelay-$dev.log")"
			;;
		mtu=*)
			x inet ip link set "$dev" mtu "${m#mtu=}"
			ip -n "$P-$s" link set znwan mtu "${m#mtu=}"
			;;
		*) fail setup "nl_impair: unknown $m" ;;
		esac
	done
}

# A STUN responder on root host ROOTNS (which gets a second address for
# RFC 5780's "other address"): miniupnpd needs it (netlab.md, section 3).
NL_STUN_IP=""
nl_stun() { # ROOTNS
	local r=$1 a=${IP[$1]} b
	b=${a%.*}.$((${a##*.} + 1))
	ip -n "$P-$r" addr add "$b/28" dev zeth0 || fail setup "second address on $r"
	bg "$r" stun python3 "$NL_DIR/stun.py" "$a" "$b" 900
	wait_until 10 grep -q 'stun: up' "$T/stun.log" || fail setup "stun.py did not start: $(tail -n 2 "$T/stun.log")"
	NL_STUN_IP=$a
}

# miniupnpd (UPnP-IGD + NAT-PMP) on SITE's LAN. It keeps its rules and
# lease file when it exits: stop removes both.
declare -A NL_UPNP_PID
nl_upnp() { # SITE start|stop
	local s=$1 conf=$T/upnp-$1.conf
	if [ "$2" = stop ]; then
		[ -n "${NL_UPNP_PID[$s]:-}" ] && kill "${NL_UPNP_PID[$s]}" 2>/dev/null
		wait_exit "${NL_UPNP_PID[$s]:-0}" 5 2>/dev/null
		x "$s" nft delete table inet znupnp 2>/dev/null
		rm -f "$T/upnp-$s.leases"
		return 0
	fi
	command -v miniupnpd >/dev/null 2>&1 || fail setup "miniupnpd missing (apt-get install miniupnpd-nftables)"
	[ -n "$NL_STUN_IP" ] || fail setup "nl_upnp needs nl_stun first"
	cat >"$conf" <<EOC
ext_ifname=znwan
listening_ip=znbr0
http_port=5000
enable_natpmp=yes
enable_upnp=yes
secure_mode=yes
system_uptime=yes
ipv6_disable=yes
uuid=3d3cec3a-8cf0-11e0-98ee-0000000000$(printf %02x "${NL_IDX[$s]}")
ext_perform_stun=yes
ext_stun_host=$NL_STUN_IP
ext_stun_port=3478
upnp_table_name=znupnp
upnp_nat_table_name=znupnp
upnp_forward_chain=miniupnpd
upnp_nat_chain=prerouting_miniupnpd
upnp_nat_postrouting_chain=postrouting_miniupnpd
lease_file=$T/upnp-$s.leases
allow 1024-65535 ${NL_LANNET[$s]} 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
EOC
	# miniupnpd only adds rules to chains that exist
	x "$s" nft -f - <<'EON' || fail setup "znupnp table in $s"
table inet znupnp {
	chain forward { type filter hook forward priority filter - 5; policy accept; jump miniupnpd; }
	chain miniupnpd { }
	chain prerouting { type nat hook prerouting priority dstnat; policy accept; jump prerouting_miniupnpd; }
	chain postrouting { type nat hook postrouting priority srcnat; policy accept; jump postrouting_miniupnpd; }
	chain prerouting_miniupnpd { }
	chain postrouting_miniupnpd { }
}
EON
	bg "$s" "upnp-$s" miniupnpd -f "$conf" -d -P "$T/upnp-$s.pid"
	NL_UPNP_PID[$s]=$LAST_PID
	wait_until 20 grep -q 'Listening for NAT-PMP' "$T/upnp-$s.log" ||
		fail setup "miniupnpd in $s did not come up: $(tail -n 3 "$T/upnp-$s.log")"
	grep -q 'Port forwarding is now enabled\|full-cone' "$T/upnp-$s.log" ||
		say "miniupnpd in $s: $(grep -i stun "$T/upnp-$s.log" | tail -n 1)"
}

# the port mappings miniupnpd holds now, one "PROTO EXTPORT -> IP:PORT" a line
nl_upnp_list() { # SITE
	x "$1" nft list chain inet znupnp prerouting_miniupnpd 2>/dev/null |
		sed -n 's/.*th dport \([0-9]*\) dnat ip to \([0-9.:]*\).*/\1 -> \2/p'
}
