#!/bin/bash
# SPDX-License-Identifier: MIT
# nat-matrix.sh - every pair of NAT kinds in the NAT lab, with the real
# binaries: which path each pair reaches (direct, relay-udp, relay-tcp), the
# time to the first packet and the time to a direct path.  Prints a
# markdown report (make nat-matrix; doc/nat-matrix.md is its last output).
# Exits 1 if a pair where a direct path is physically possible does not
# reach it and keep it, or if a pair cannot talk at all.  Keeping it: once
# both ends list DIRECT, a ping every 100 ms for STRICT seconds loses
# nothing and none of it passes a root (big packets from a root address,
# counted on the Internet router: a root sends big packets only when it
# relays; members' path MTU probes go the other way).
#
# Kinds (two sites of each, one host per site, so that a pair of the same
# kind sits behind two different NATs):
#   cone      port-preserving masquerade, port-restricted filtering
#   sym       masquerade random (a new port per destination)
#   cgnat     a cone home NAT behind a cone carrier NAT (100.64.0.0/10)
#   udpblock  cone, but the router drops all UDP (TCP to the root's 443 only)
#   upnp      cone + miniupnpd; ztd maps its port over UPnP-IGD
#   natpmp    cone + miniupnpd; ztd maps its port over NAT-PMP
# and, each only against sym and cone:
#   fullcone  endpoint-independent mapping and filtering (full cone)
#   rcone     endpoint-independent mapping, address-dependent filtering
#   symseq    symmetric with sequential ports (predictable)
# plus same-LAN: two hosts behind one cone NAT without hairpinning.
# Each pair starts from cold: both daemons are started for it and stopped
# after; time 0 is the moment both have joined the network.
# NAT_MATRIX_ONLY="sym-upnp cone-cone" runs only those pairs (KIND_A-KIND_B as
# the table orders them, "lan" for same-LAN), to chase one row;
# NAT_MATRIX_PCAP=1 also keeps each pair's member-to-member UDP, seen on the
# Internet router, in pair-A-B.pcap (with KEEP_LOGS=1).
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TNAME=nat-matrix
. "$HERE/../e2e/lib.sh"
. "$HERE/netlab.sh"

WINDOW=${NAT_MATRIX_WINDOW:-20} # seconds after the first packet to wait for DIRECT
STRICT=${NAT_MATRIX_STRICT:-10} # seconds of pings that must all go direct after that
ONLY=${NAT_MATRIX_ONLY:-}        # space-separated KIND_A-KIND_B pairs; empty: all
KINDS="cone sym cgnat udpblock upnp natpmp"
EXTRA="fullcone rcone symseq"

lab_init
# Keep state under build/ (this run takes minutes; /tmp may be swept meanwhile)
T2=$(mktemp -d "$B/nat-matrix.XXXXXX") || fail setup "mktemp in $B"
rm -rf "$T"
T=$T2
command -v miniupnpd >/dev/null 2>&1 || fail setup "miniupnpd missing (apt-get install miniupnpd-nftables)"
nl_root root0 0
nl_root root1 1
nl_stun root0
declare -A HOST_OF PMAP OVIP
idx=1
site_for() { # KIND N -> builds the site, sets HOST_OF[KIND.N]
	local k=$1 n=$2 s h
	case $k in
	symseq) s=sq$n ;;
	rcone) s=rc$n ;;
	*) s=${k:0:2}$n ;;
	esac
	h=h$s
	case $k in
	cgnat)
		nl_isp "i$n" "$idx"; idx=$((idx + 1))
		nl_site "$s" "$idx" "i$n" ;;
	*) nl_site "$s" "$idx" ;;
	esac
	idx=$((idx + 1))
	nl_host "$h" "$s" 0
	case $k in
	sym) nl_nat "$s" sym ;;
	symseq) nl_nat "$s" symseq ;;
	fullcone) nl_nat "$s" cone fullcone ;;
	rcone) nl_nat "$s" cone rcone ;;
	udpblock) nl_nat "$s" cone udpblock ;;
	upnp | natpmp) nl_upnp "$s" start ;;
	esac
	PMAP[$h]=off
	[ "$k" = upnp ] && PMAP[$h]=upnp
	[ "$k" = natpmp ] && PMAP[$h]=natpmp
	HOST_OF[$k.$n]=$h
}
for k in $KINDS; do site_for "$k" 1; site_for "$k" 2; done
for k in $EXTRA; do site_for "$k" 1; done
nl_site lan "$idx"; nl_host hl1 lan 0; nl_host hl2 lan 1
PMAP[hl1]=off; PMAP[hl2]=off
start_root root0
start_root root1
make_roots "$T/roots" root0 root1
i=1
for h in "${HOST_OF[@]}" hl1 hl2; do OVIP[$h]=10.9.$((i / 250)).$((i % 250 + 1)); i=$((i + 1)); done

# the link column of A's listpeers line for B: "DIRECT ip/port", "RELAY via:x/tcp"
link_of() { cli "$1" listpeers 2>/dev/null | awk -v p="$2" '$3 == p { print $4, $5 }'; }

# keeps_direct A B: STRICT s of pings from A to B (1000 bytes, every 100 ms)
# right after both listed DIRECT; sets LOST (pings unanswered) and VIA_ROOT
# (big packets from a root meanwhile: overlay traffic relayed)
keeps_direct() {
	local a=$1 b=$2 f=$T/strict-$1-$2.pcap n pid out got
	n=$((STRICT * 10))
	capture inet any "$f" udp and greater 1000 and '(' src host "${IP[root0]}" or src host "${IP[root1]}" ')'
	pid=$LAST_PID
	out=$(x "$a" ping -n -q -i 0.1 -c "$n" -W 1 -s 1000 "${OVIP[$b]}" 2>&1)
	stop_capture "$pid"
	got=$(echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p' | head -n 1)
	LOST=$((n - ${got:-0}))
	VIA_ROOT=$(pcap_count "$f")
}

# wanted KEY: true if the pair KEY (KIND_A-KIND_B) is to run
wanted() { [ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* ]]; }

ROWS=()
BAD=0
run_pair() { # LABEL A B EXPECT
	local label=$1 a=$2 b=$3 expect=$4 t0 tf="" td="" la lb path aa ab end kept="-" cap=""
	LOST=0 VIA_ROOT=0
	if [ -n "${NAT_MATRIX_PCAP:-}" ]; then
		capture inet any "$T/pair-$a-$b.pcap" udp and not host "${IP[root0]}" and not host "${IP[root1]}"
		cap=$LAST_PID
	fi
	for h in "$a" "$b"; do
		ZT_PORTMAP=${PMAP[$h]} start_ztd "$h"
	done
	wait_online "$a" "$b"
	join_net "$a" "$NWID" "${OVIP[$a]}/16"
	join_net "$b" "$NWID" "${OVIP[$b]}/16"
	aa=$(zt_addr "$a")
	ab=$(zt_addr "$b")
	t0=$(now_ms)
	end=$((t0 + 30000))
	while [ "$(now_ms)" -lt "$end" ]; do
		if x "$a" ping -n -c 1 -W 1 -q "${OVIP[$b]}" >/dev/null 2>&1; then
			tf=$(($(now_ms) - t0))
			break
		fi
	done
	if [ -n "$tf" ]; then
		end=$(($(now_ms) + WINDOW * 1000))
		while [ "$(now_ms)" -lt "$end" ]; do
			ping_ok "$a" "${OVIP[$b]}"
			if path_is "$a" "$ab" DIRECT && path_is "$b" "$aa" DIRECT; then
				td=$(($(now_ms) - t0))
				break
			fi
			sleep 0.25
		done
	fi
	if [ -n "$td" ]; then
		keeps_direct "$a" "$b"
		kept="$LOST lost, $VIA_ROOT via a root"
	fi
	la=$(link_of "$a" "$ab")
	lb=$(link_of "$b" "$aa")
	if [ -z "$tf" ]; then
		path="none"
	elif [ -n "$td" ]; then
		path="direct"
	elif [[ "$la $lb" == */tcp* ]]; then
		path="relay-tcp"
	else
		path="relay-udp"
	fi
	local ok=yes
	if [ "$expect" = direct ] && [ "$path" != direct ]; then ok="**NO**"; BAD=1; fi
	if [ "$path" = direct ] && { [ "$LOST" != 0 ] || [ "$VIA_ROOT" != 0 ]; }; then ok="**NO**"; BAD=1; fi
	if [ "$path" = none ]; then ok="**NO**"; BAD=1; fi
	ROWS+=("| $label | $expect | $path | ${tf:--} | ${td:--} | $kept | $ok | ${la:--} |")
	echo "# $label: $path first=${tf:--} direct=${td:--} then $kept ($la)" >&2
	kill_proc "$a" TERM
	kill_proc "$b" TERM
	[ -z "$cap" ] || stop_capture "$cap"
	# the next pair starts from fresh NAT state
	for s in "${NL_SITE_OF[$a]}" "${NL_SITE_OF[$b]}"; do nl_flush "$s"; done
}

set -- $KINDS
kinds=("$@")
for ((p = 0; p < ${#kinds[@]}; p++)); do
	for ((q = p; q < ${#kinds[@]}; q++)); do
		ka=${kinds[$p]} kb=${kinds[$q]}
		expect=direct
		[ "$ka" = sym ] && [ "$kb" = sym ] && expect=relay
		[ "$ka" = udpblock ] || [ "$kb" = udpblock ] && expect=relay
		wanted "$ka-$kb" || continue
		run_pair "$ka ↔ $kb" "${HOST_OF[$ka.1]}" "${HOST_OF[$kb.2]}" "$expect"
	done
done
for ka in $EXTRA; do
	for kb in sym cone; do
		expect=direct
		[ "$ka" = symseq ] && [ "$kb" = sym ] && expect=relay
		wanted "$ka-$kb" || continue
		run_pair "$ka ↔ $kb" "${HOST_OF[$ka.1]}" "${HOST_OF[$kb.2]}" "$expect"
	done
done
wanted lan && run_pair "same-LAN (one cone NAT, no hairpin)" hl1 hl2 direct

echo "# NAT matrix"
echo
echo "Generated by \`make nat-matrix\` (test/netlab/nat-matrix.sh) on $(date -u '+%Y-%m-%d %H:%M UTC'),"
echo "machine: $(uname -srm), $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)),"
echo "commit $(git -C "$HERE" rev-parse --short HEAD 2>/dev/null || echo '?')."
echo
echo "Each pair starts cold (both ztd started for it, two roots, real nftables NATs in"
echo "network namespaces). Times in ms from the moment both joined the network:"
echo "*first* = first overlay ping answered (small: joining already brings the sessions up,"
echo "through the relay, as the new TAP's first ARP/ND frames go to every member),"
echo "*direct* = both list each other DIRECT; *after DIRECT* = of ${STRICT} s of pings"
echo "(1000 bytes, every 100 ms) sent right after that, how many were lost and how many"
echo "big packets came from a root (relayed): *ok* needs both 0."
echo "A pair waits ${WINDOW} s after its first packet for a direct path. *expect*: direct"
echo "wherever it is physically possible (everything but symmetric↔symmetric and a side"
echo "without UDP)."
echo
echo "| pair | expect | reached | first (ms) | direct (ms) | after DIRECT | ok | A's view of B |"
echo "|---|---|---|---|---|---|---|---|"
for r in "${ROWS[@]}"; do echo "$r"; done
echo
echo "Kinds: cone = masquerade (port-preserving, port-restricted filtering); sym = masquerade"
echo "random; cgnat = cone home NAT behind a cone carrier NAT (100.64/10); udpblock = cone"
echo "whose router drops all UDP (TCP to the roots' port 443 only); upnp / natpmp = cone with"
echo "miniupnpd, ztd maps its port with UPnP-IGD / NAT-PMP; fullcone = cone that lets anyone"
echo "send to a mapping; rcone = cone that lets in any port of an address it sent to"
echo "(restricted cone); symseq = symmetric with sequential ports; same-LAN = two hosts"
echo "behind one cone NAT that does not hairpin. A of a pair is the first kind's host, B the"
echo "second's."
[ "$BAD" = 0 ] || FAILED=1
exit "$BAD"
