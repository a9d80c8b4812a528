#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/shellcost.sh - ztd's whole per-packet instruction cost (shell and
# core, every thread), counted by callgrind, so that two builds compare on a
# busy machine where wall-clock rates do not.
#
# The lab of bench/run.sh: namespaces A and B joined by a veth, zt-root in
# A, one ztd in A and one in B, both under `valgrind --tool=callgrind`, an
# ad-hoc network between them.  A sender in A puts $SC_PKTS UDP datagrams
# of 64 bytes into the overlay towards a receiver in B, in bursts of
# $SC_BURST with a pause after each (slow enough that callgrind's ztd drops
# nothing, bursty enough that ztd's batches are not all of one packet).
# Each ztd's counters are zeroed (callgrind_control -z) before the sending
# starts and dumped (-d) once the receiver has them all; then again for an
# idle period of the same length, whose instructions (timers, the loop's
# wake-ups) are subtracted.  Prints, per ztd:
#   sender   instructions/packet N (P packets, idle I per s)
#   receiver instructions/packet N (P packets, idle I per s)
# The sender ztd reads the frames from its TAP, encrypts and sends them;
# the receiver ztd receives, decrypts and writes them to its TAP.
#
# With `rules` the same two ztd are measured three times in one run, one
# network joined at a time: the ad-hoc network; a network of a zt-controller
# (in A, port 9995, not under callgrind) with no rules ("accept;"); and one
# with bench/rules50.zt, the rule set of `make bench`'s zt_rules row, whose
# tag and capability both members hold.  Prints a row per network and the
# ratios between them.
#
# Usage: sudo bench/shellcost.sh [rules] [BUILD_DIR]    (default: build)
# Environment: SC_PKTS (20000), SC_BURST (32), SC_GAP_MS (50) pause after
#   each burst, SC_WORK (${TMPDIR:-/tmp}/zt-shellcost), SC_TOP (0): also
#   print the top N functions of each ztd (callgrind_annotate, exclusive).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
MODE=plain
if [ "${1:-}" = rules ]; then
	MODE=rules
	shift
fi
B=${1:-${B:-build}}
case $B in /*) ;; *) B=$TOP/$B ;; esac
PKTS=${SC_PKTS:-20000}
BURST=${SC_BURST:-32}
GAP_MS=${SC_GAP_MS:-50}
W=${SC_WORK:-${TMPDIR:-/tmp}/zt-shellcost}
P=zsc$$
NSA=$P-a NSB=$P-b
UA=198.18.0.1 UB=198.18.0.2
NWID=ff00000000000001
PORT=5299
CPORT=9995
PIDS=()

log() { echo "[$(date +%T)] $*" >&2; }
die() {
	log "shellcost: $*"
	exit 1
}
a() { ip netns exec "$NSA" "$@"; }
b() { ip netns exec "$NSB" "$@"; }

cleanup() {
	local p ns i alive
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	# callgrind writes its last dump on the way out: give it a moment
	for i in $(seq 50); do
		alive=0
		for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for ns in $NSA $NSB; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v valgrind >/dev/null && command -v callgrind_control >/dev/null ||
	die "valgrind missing (apt-get install valgrind)"
command -v python3 >/dev/null || die "python3 missing"
[ $MODE = plain ] || { command -v curl >/dev/null && command -v jq >/dev/null; } ||
	die "curl and jq missing"
[ -x "$B/ztd" ] || die "$B/ztd not built"
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"

rm -rf "$W"
mkdir -p "$W/root" "$W/a" "$W/b" "$W/ctl"

# ---- lab ----
ip netns add "$NSA" && ip netns add "$NSB" || die "netns"
ip link add "$P"0 netns "$NSA" type veth peer name "$P"1 netns "$NSB" || die "veth"
a ip addr add $UA/24 dev "$P"0
b ip addr add $UB/24 dev "$P"1
for ns in $NSA $NSB; do ip netns exec "$ns" ip link set lo up; done
a ip link set "$P"0 up
b ip link set "$P"1 up

out=$("$B/zt-root" identity "$W/root" 2>&1) || die "zt-root identity: $out"
rid=$(echo "$out" | tail -n 1)
"$B/zt-root" genid "$W/signer.secret" >/dev/null 2>&1 &&
	"$B/zt-root" mkroots -s "$W/signer.secret" "$rid@$UA/9994" >"$W/roots" 2>"$W/mkroots.err" ||
	die "mkroots: $(cat "$W/mkroots.err")"
ip netns exec "$NSA" "$B/zt-root" -p 9994 -b $UA "$W/root" >"$W/root.log" 2>&1 &
PIDS+=($!)
# --vgdb=yes lets callgrind_control reach the process.
for s in a b; do
	if [ $s = a ]; then ns=$NSA ua=$UA; else ns=$NSB ua=$UB; fi
	ip netns exec "$ns" valgrind --tool=callgrind --vgdb=yes \
		--callgrind-out-file="$W/cg.$s" \
		"$B/ztd" -p 9993 -b "$ua" -r "$W/roots" "$W/$s" >"$W/ztd_$s.log" 2>&1 &
	PIDS+=($!)
done
VPID_A=${PIDS[1]} VPID_B=${PIDS[2]}

online() { # NS HOME
	ip netns exec "$1" "$B/zt-cli" -D "$2" info 2>/dev/null | grep -q ONLINE
}
for i in $(seq 600); do
	online "$NSA" "$W/a" && online "$NSB" "$W/b" && break
	[ "$i" = 600 ] && die "ztd not ONLINE within 120 s"
	sleep 0.2
done
ctl_api() { # METHOD PATH [BODY]: the controller's admin API from A
	a curl -sf -X "$1" -H "X-ZT1-Auth: $(cat "$W/ctl/authtoken.secret")" \
		${3:+-d "$3"} "http://127.0.0.1:$CPORT$2"
}
ctl_net() { # RULES_SOURCE: a new network of the controller; prints its id
	local out
	out=$(ctl_api POST "/controller/network/$(cut -c1-10 "$W/ctl/identity.public")______" \
		"$(jq -nc --arg s "$1" '{name: "shellcost", rulesSource: $s}')") || return 1
	echo "$out" | jq -r .id
}
# use_net NWID SUBNET [MEMBER_JSON]: A and B leave the network they are on
# and join NWID (authorized by the controller with MEMBER_JSON if given);
# their TAPs get SUBNET.1 and SUBNET.2; sets OB, the receiver's address.
CUR=""
use_net() {
	local nw=$1 net=$2 s ns o tap addr i
	for s in a b; do
		if [ $s = a ]; then ns=$NSA; else ns=$NSB; fi
		if [ -n "$CUR" ]; then
			ip netns exec "$ns" "$B/zt-cli" -D "$W/$s" leave "$CUR" >/dev/null || die "leave $CUR"
		fi
		ip netns exec "$ns" "$B/zt-cli" -D "$W/$s" join "$nw" >/dev/null || die "join $nw"
		if [ -n "${3:-}" ]; then
			addr=$(ip netns exec "$ns" "$B/zt-cli" -D "$W/$s" info | awk '{print $3}')
			ctl_api POST "/controller/network/$nw/member/$addr" "$3" >/dev/null ||
				die "authorize $addr on $nw"
		fi
	done
	CUR=$nw
	for s in a b; do
		if [ $s = a ]; then ns=$NSA o=$net.1; else ns=$NSB o=$net.2; fi
		tap=""
		for i in $(seq 300); do
			tap=$(ip netns exec "$ns" "$B/zt-cli" -D "$W/$s" listnetworks |
				awk -v nw="$nw" '$3 == nw && $6 == "OK" {print $8}')
			[ -n "$tap" ] && [ "$tap" != - ] && ip -n "$ns" link show "$tap" >/dev/null 2>&1 && break
			sleep 0.2
		done
		ip -n "$ns" addr add "$o/24" dev "$tap" || die "no TAP for $nw in $ns"
		ip -n "$ns" link set "$tap" up
	done
	OB=$net.2
	for i in $(seq 120); do
		a ping -c 1 -W 1 "$OB" >/dev/null 2>&1 && break
		[ "$i" = 120 ] && die "no ping through $nw"
	done
	# Let the pair settle on its direct path (and neighbour entries) first.
	for i in $(seq 60); do
		a "$B/zt-cli" -D "$W/a" listpeers 2>/dev/null | grep -q DIRECT && break
		sleep 0.5
	done
	a ping -c 5 -i 0.2 "$OB" >/dev/null 2>&1
}

# ---- traffic ----
cat >"$W/recv.py" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.bind((sys.argv[1], int(sys.argv[2])))
want = int(sys.argv[3])
open(sys.argv[4], "w").write("ready\n")
n = 0
s.settimeout(30)
try:
    while n < want:
        s.recv(2048)
        n += 1
        s.settimeout(5)
except socket.timeout:
    pass
print(n)
EOF
cat >"$W/send.py" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dst = (sys.argv[1], int(sys.argv[2]))
n, burst, gap = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]) / 1000
payload = bytes(64)
sent = 0
while sent < n:
    for _ in range(min(burst, n - sent)):
        s.sendto(payload, dst)
        sent += 1
    time.sleep(gap)
print(sent)
EOF

cg() { # WHAT PID...: callgrind_control WHAT for each
	local w=$1 p
	shift
	for p in "$@"; do callgrind_control "$w" "$p" >/dev/null 2>&1 || die "callgrind_control $w $p"; done
}
# dump N of a ztd (callgrind numbers them from 1) and its total Ir; waits
# for it to be written.
dump_file() { echo "$W/cg.$1.$2"; }
dump_total() { # a|b N
	local f i
	f=$(dump_file "$1" "$2")
	for i in $(seq 100); do
		grep -q '^totals:' "$f" 2>/dev/null && break
		sleep 0.1
	done
	sed -n 's/^totals: \([0-9]*\).*/\1/p' "$f"
}

# ctl_cost DUMP: the control plane's instructions in a dump: handshakes
# (initiating, answering, completing) and the credentials members show each
# other (certificates of membership, tags, capabilities).  Sessions rekey
# every 2 minutes and credentials are re-shown every 30 s, at 0.4 to 3
# million instructions a time, whether frames flow or not; one that falls
# into the busy window and not the idle one (or the other way round) would
# move the per-packet count by hundreds, so both windows leave them out.
ctl_cost() {
	callgrind_annotate --threshold=100 --inclusive=yes --auto=no "$1" 2>/dev/null |
		awk '/:zt_(hs_start|hs_handle_init|hs_handle_resp|member_handle_msg) / {
			gsub(",", "", $1); n += $1 } END { print n + 0 }'
}

# measure: one busy and one idle window, dumps DUMP+1 and DUMP+2; sets
# PER_A PER_B (instructions per packet), IDLE_A IDLE_B (per s), GOT.
DUMP=0
measure() {
	local busy_a busy_b idle_a idle_b t0 t1 sent busy_us idle_us rpid hs s d
	rm -f "$W/ready"
	b python3 "$W/recv.py" "$OB" $PORT "$PKTS" "$W/ready" >"$W/received" &
	rpid=$!
	for i in $(seq 100); do [ -s "$W/ready" ] && break; sleep 0.1; done
	cg -z "$VPID_A" "$VPID_B"
	t0=${EPOCHREALTIME/./}
	a python3 "$W/send.py" "$OB" $PORT "$PKTS" "$BURST" "$GAP_MS" >"$W/sent" || die "sender"
	wait $rpid
	t1=${EPOCHREALTIME/./}
	cg -d "$VPID_A" "$VPID_B"
	DUMP=$((DUMP + 1))
	busy_a=$(dump_total a $DUMP) busy_b=$(dump_total b $DUMP)
	sent=$(cat "$W/sent") GOT=$(cat "$W/received")
	busy_us=$((t1 - t0))

	# ---- idle baseline, as long as the traffic took ----
	cg -z "$VPID_A" "$VPID_B"
	t0=${EPOCHREALTIME/./}
	sleep "$((busy_us / 1000000)).$(printf %06d $((busy_us % 1000000)))"
	t1=${EPOCHREALTIME/./}
	cg -d "$VPID_A" "$VPID_B"
	DUMP=$((DUMP + 1))
	idle_a=$(dump_total a $DUMP) idle_b=$(dump_total b $DUMP)
	idle_us=$((t1 - t0))

	log "sent $sent, received $GOT in $((busy_us / 1000)) ms; idle window $((idle_us / 1000)) ms"
	[ "$GOT" -gt 0 ] || die "nothing received"
	[ "$GOT" = "$sent" ] || log "warning: $((sent - GOT)) datagrams lost (lower SC_BURST or raise SC_GAP_MS)"
	[ -n "$busy_a" ] && [ -n "$busy_b" ] && [ -n "$idle_a" ] && [ -n "$idle_b" ] || die "no callgrind dump"
	HS=""
	for s in a b; do
		for d in $((DUMP - 1)) $DUMP; do
			hs=$(ctl_cost "$(dump_file $s $d)")
			HS="$HS $hs"
			case $s$((DUMP - d)) in
			a1) busy_a=$((busy_a - hs)) ;;
			a0) idle_a=$((idle_a - hs)) ;;
			b1) busy_b=$((busy_b - hs)) ;;
			b0) idle_b=$((idle_b - hs)) ;;
			esac
		done
	done
	log "control plane left out (sender busy, idle; receiver busy, idle):$HS"
	per_packet() { # busy idle
		awk -v b="$1" -v i="$2" -v bu=$busy_us -v iu=$idle_us -v n="$GOT" \
			'BEGIN { printf "%.0f", (b - i * bu / iu) / n }'
	}
	per_s() { awk -v i="$1" -v iu=$idle_us 'BEGIN { printf "%.0f", i / iu * 1e6 }'; }
	PER_A=$(per_packet "$busy_a" "$idle_a") PER_B=$(per_packet "$busy_b" "$idle_b")
	IDLE_A=$(per_s "$idle_a") IDLE_B=$(per_s "$idle_b")
}

report() { # role per idle dump
	echo "$1 instructions/packet $2 ($GOT packets, idle $3 per s)"
	if [ "${SC_TOP:-0}" -gt 0 ]; then
		callgrind_annotate --inclusive=no --auto=no "$4" 2>/dev/null |
			grep -E '^ *[0-9,]+ \(' | grep -v 'PROGRAM TOTALS' | head -n "$SC_TOP"
	fi
}

if [ $MODE = plain ]; then
	use_net $NWID 198.19.0
	measure
	report sender "$PER_A" "$IDLE_A" "$(dump_file a 1)"
	report receiver "$PER_B" "$IDLE_B" "$(dump_file b 1)"
	exit 0
fi

# ---- rules: ad hoc, managed without rules, managed with rules50.zt ----
[ -r "$HERE/rules50.zt" ] || die "$HERE/rules50.zt missing"
ip netns exec "$NSA" "$B/zt-controller" -p $CPORT -b $UA -r "$W/roots" "$W/ctl" >"$W/ctl.log" 2>&1 &
PIDS+=($!)
for i in $(seq 100); do
	[ -s "$W/ctl/authtoken.secret" ] && ctl_api GET /status >/dev/null && break
	[ "$i" = 100 ] && die "zt-controller did not come up"
	sleep 0.2
done
NW_OPEN=$(ctl_net "accept;") || die "the controller refused the network without rules"
NW_RULES=$(ctl_net "$(cat "$HERE/rules50.zt")") || die "the controller refused rules50.zt"
NAMES=("ad hoc" "managed, no rules" "managed, 50 rules")
PA=() PB=()
row() { # INDEX
	report "${NAMES[$1]}: sender" "$PER_A" "$IDLE_A" "$(dump_file a $((DUMP - 1)))"
	report "${NAMES[$1]}: receiver" "$PER_B" "$IDLE_B" "$(dump_file b $((DUMP - 1)))"
	PA[$1]=$PER_A PB[$1]=$PER_B
}
use_net $NWID 198.19.0
measure
row 0
use_net "$NW_OPEN" 198.19.1 '{"authorized":true}'
measure
row 1
use_net "$NW_RULES" 198.19.2 '{"authorized":true,"tags":[[1,100]],"capabilities":[1]}'
measure
row 2
ratio() { awk -v x="$1" -v y="$2" 'BEGIN { printf "%+.1f %%", (x / y - 1) * 100 }'; }
echo "managed, no rules / ad hoc: sender $(ratio "${PA[1]}" "${PA[0]}"), receiver $(ratio "${PB[1]}" "${PB[0]}")"
echo "managed, 50 rules / ad hoc: sender $(ratio "${PA[2]}" "${PA[0]}"), receiver $(ratio "${PB[2]}" "${PB[0]}")"
echo "managed, 50 rules / no rules: sender $(ratio "${PA[2]}" "${PA[1]}"), receiver $(ratio "${PB[2]}" "${PB[1]}")"
