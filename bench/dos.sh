#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/dos.sh - a real zt-root under attack, each flood side by side with
# an unattacked run (see bench/README.md, "make dos-bench", for how to read
# the table).
#
# Three network namespaces: R runs zt-root (UDP 9993, TCP 443, on
# 198.18.0.1); L holds the legitimate nodes (bench/rekeyer, 198.18.0.2, one
# veth to R); A the attacker (bench/dosgen, 198.18.1.2, its own veth to R).
# R routes the spoofed sources 198.19.0.0/16 and the attacker's TCP
# addresses 203.0.113.0/24 to A; A takes the /24 as local (it connects from
# any of them) and drops whatever R sends to the spoofed /16 (they are
# victims that do not answer).  nft counters in R count what the root
# receives from and sends to each of these sources.  Nothing leaves the
# namespaces.
#
# For every row a fresh root is started, the legitimate nodes rekey at a
# fixed offered rate, and after their warm-up the flood (if any) runs for
# DOS_T seconds; the root's CPU time, RSS, socket drops and the counters
# are read before and after it.
#
# Usage: sudo bench/dos.sh [row ...]   (default: all, in the order below;
#   the unattacked row "none" always runs first)
#   rows: none forged-fresh forged-replay cookie-replay cookie-forged junk
#         tcp-churn tcp-idle auth-echo auth-register auth-whois
#         auth-rendezvous auth-announce
# Environment:
#   DOS_T           seconds per flood (default 10; at least 3)
#   DOS_PPS         packets/s of the UDP floods (default 100000)
#   DOS_TCP_RATE    connection attempts/s of tcp-churn (default 20000)
#   DOS_IDLE_CONNS  connections tcp-idle opens and holds (default 4000, at
#                   DOS_IDLE_RATE, default 2000/s)
#   DOS_IDS         legitimate identities (default 64)
#   DOS_REKEY_RATE  rekeys/s they offer (default 200)
#   DOS_REKEY_TIMEOUT  ms before a rekey is given up (default 1000)
#   DOS_POOL        distinct forged Noise bodies of forged-fresh (default 4096)
#   DOS_PIN         1 (default with 2+ CPUs): zt-root on the last CPU, the
#                   flooder and the legitimate nodes on CPU 0 (so the root
#                   has one core, and both kinds of traffic reach its socket
#                   the same way, through CPU 0's receive work); 0: let the
#                   scheduler place them
#   DOS_WORK        work dir (default ${TMPDIR:-/tmp}/zt-dos)
#   DOS_OUT         write the section to this file (default doc/security.md
#                   when all rows run; empty: do not write)
#   B               zt build dir (default build)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$TOP/$B ;; esac
WORK=${DOS_WORK:-${TMPDIR:-/tmp}/zt-dos}
T=${DOS_T:-10}
PPS=${DOS_PPS:-100000}
TCP_RATE=${DOS_TCP_RATE:-20000}
IDLE_CONNS=${DOS_IDLE_CONNS:-4000}
IDLE_RATE=${DOS_IDLE_RATE:-2000}
NIDS=${DOS_IDS:-64}
REKEY_RATE=${DOS_REKEY_RATE:-200}
REKEY_TIMEOUT=${DOS_REKEY_TIMEOUT:-1000}
POOL=${DOS_POOL:-4096}
PIN=${DOS_PIN:-1}
NCPU=$(nproc)
ROOT_CPU="" GEN_CPU=""
if [ "$PIN" = 1 ] && [ "$NCPU" -ge 2 ]; then
	ROOT_CPU="taskset -c $((NCPU - 1))" GEN_CPU="taskset -c 0"
fi
P=zd$$
NSR=$P-r NSL=$P-l NSA=$P-a
ROOT_IP=198.18.0.1 L_IP=198.18.0.2 RA_IP=198.18.1.1 A_IP=198.18.1.2
SPOOF=198.19.0.0/16 TCPNET=203.0.113.0/24
UDP_PORT=9993 TCP_PORT=443
ROOT_PID="" REKEY_PID="" GEN_PID=""
ROOT_ID=""
D=""

log() { echo "[$(date +%T)] $*" >&2; }
r() { ip netns exec "$NSR" "$@"; }

# ---------------------------------------------------------------- lab ----------
lab_up() {
	lab_down
	ip netns add "$NSR" && ip netns add "$NSL" && ip netns add "$NSA" || return 1
	ip link add "${P}l0" netns "$NSR" type veth peer name "${P}l1" netns "$NSL" || return 1
	ip link add "${P}a0" netns "$NSR" type veth peer name "${P}a1" netns "$NSA" || return 1
	local ns
	for ns in $NSR $NSL $NSA; do ip -n "$ns" link set lo up; done
	ip -n "$NSR" addr add $ROOT_IP/24 dev "${P}l0"
	ip -n "$NSR" addr add $RA_IP/24 dev "${P}a0"
	ip -n "$NSL" addr add $L_IP/24 dev "${P}l1"
	ip -n "$NSA" addr add $A_IP/24 dev "${P}a1"
	ip -n "$NSR" link set "${P}l0" up
	ip -n "$NSR" link set "${P}a0" up
	ip -n "$NSL" link set "${P}l1" up
	ip -n "$NSA" link set "${P}a1" up
	ip -n "$NSA" route add $ROOT_IP/32 via $RA_IP
	ip -n "$NSR" route add $SPOOF via $A_IP
	ip -n "$NSR" route add $TCPNET via $A_IP
	# A connects from any address of the /24 (AnyIP) ...
	ip -n "$NSA" route add local $TCPNET dev lo
	# ... and the spoofed victims are silent (no ICMP back to R).
	ip netns exec "$NSA" nft -f - <<-EOF || return 1
		table ip zdsink {
			chain pre {
				type filter hook prerouting priority -300; policy accept;
				ip daddr $SPOOF drop
			}
		}
	EOF
	for ns in $NSR $NSA; do
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	done
	r sysctl -qw net.ipv4.ip_forward=0
	counters_up || return 1
	ip netns exec "$NSL" ping -c 1 -W 2 $ROOT_IP >/dev/null &&
		ip netns exec "$NSA" ping -c 1 -W 2 $ROOT_IP >/dev/null || {
		log "lab: no underlay"
		return 1
	}
}

# nft counters in R: what the root receives from (in_X) and sends to
# (out_X) each source X, all protocols, and what it sends from its UDP port
# by zt packet type (the low nibble of the first payload byte).
counters_up() {
	local x net t
	{
		echo "table ip zdos {"
		for x in spoof atk tcp legit; do
			echo "counter in_$x { }"
			echo "counter out_$x { }"
			for t in 1 2 3 4 5; do echo "counter out_${x}_t$t { }"; done
		done
		echo "chain in { type filter hook input priority 0; policy accept;"
		for x in spoof atk tcp legit; do
			net=$(src_of $x)
			echo "ip saddr $net counter name in_$x"
		done
		echo "}"
		echo "chain out { type filter hook output priority 0; policy accept;"
		for x in spoof atk tcp legit; do
			net=$(src_of $x)
			echo "ip daddr $net counter name out_$x"
			for t in 1 2 3 4 5; do
				echo "ip daddr $net udp sport $UDP_PORT @th,68,4 $t counter name out_${x}_t$t"
			done
		done
		echo "}"
		echo "}"
	} | r nft -f -
}

src_of() {
	case $1 in
	spoof) echo $SPOOF ;;
	atk) echo $A_IP ;;
	tcp) echo $TCPNET ;;
	legit) echo $L_IP ;;
	esac
}

stop_pid() { # PID: TERM, then KILL after 3 s
	local p=$1 i
	[ -n "$p" ] || return 0
	kill "$p" 2>/dev/null
	for i in $(seq 30); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	return 0
}

lab_down() {
	stop_pid "$GEN_PID"
	stop_pid "$REKEY_PID"
	stop_pid "$ROOT_PID"
	GEN_PID="" REKEY_PID="" ROOT_PID=""
	local ns p
	for ns in $NSR $NSL $NSA; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# -------------------------------------------------------------- probes ---------
# snap FILE: the root's CPU ticks and RSS, R's UDP drops, the counters.
snap() {
	local st
	st=$(cat "/proc/$ROOT_PID/stat" 2>/dev/null) || { echo "root_dead 1" >"$1"; return; }
	{
		echo "ticks $(echo "${st##*) }" | awk '{print $12 + $13}')"
		echo "clk_tck $(getconf CLK_TCK)"
		echo "rss_kb $(awk '/^VmRSS/{print $2}' "/proc/$ROOT_PID/status")"
		echo "time $EPOCHREALTIME"
		r awk '/^TcpExt:/ { if (!h) { split($0, k); h = 1 } else { for (i = 2; i <= NF; i++) if (k[i] == "ListenDrops") print "tcp_listen_drops", $i } }' /proc/net/netstat
		r awk '/^Udp:/ { if (!h) { split($0, k); h = 1 } else { for (i = 2; i <= NF; i++) print "udp_" k[i], $i } }' /proc/net/snmp
		r nft -j list counters | python3 -c '
import json, sys
for o in json.load(sys.stdin)["nftables"]:
    c = o.get("counter")
    if c:
        print("nft_%s_pkts %d" % (c["name"], c["packets"]))
        print("nft_%s_bytes %d" % (c["name"], c["bytes"]))'
	} >"$1"
}

# ---------------------------------------------------------------- rows ---------
root_up() {
	local c=$WORK/cfg i
	rm -rf "$c/root"
	mkdir -p "$c/root"
	ip netns exec "$NSR" $ROOT_CPU "$B/zt-root" -p $UDP_PORT -t $TCP_PORT -b $ROOT_IP "$c/root" >"$D/root.log" 2>&1 &
	ROOT_PID=$!
	for i in $(seq 50); do
		grep -q '^identity ' "$D/root.log" && break
		sleep 0.1
	done
	ROOT_ID=$(sed -n 's/^identity //p' "$D/root.log" | head -1)
	[ -n "$ROOT_ID" ] || { log "zt-root did not start: $(tail -3 "$D/root.log")"; return 1; }
}

# row NAME: one measurement (NAME is "none" or a dosgen mode).
row() {
	local name=$1 i target args
	D=$WORK/raw/$name
	rm -rf "$D"
	mkdir -p "$D"
	log "=== $name ==="
	root_up || { echo "zt-root did not start" >"$D/FAILED"; return 1; }
	ip netns exec "$NSL" $GEN_CPU "$B/bench/rekeyer" -r "$ROOT_ID" -d $ROOT_IP -p $UDP_PORT -b $L_IP \
		-n "$NIDS" -k "$WORK/cfg/legit.ids" -R "$REKEY_RATE" -t $((T - 1)) -D 500 \
		-o "$REKEY_TIMEOUT" >"$D/rekey.txt" 2>"$D/rekey.err" &
	REKEY_PID=$!
	for i in $(seq 300); do
		grep -q '^ready' "$D/rekey.txt" && break
		kill -0 $REKEY_PID 2>/dev/null || break
		sleep 0.1
	done
	grep -q '^ready' "$D/rekey.txt" || {
		echo "the legitimate nodes did not come up: $(cat "$D/rekey.err")" >"$D/FAILED"
		return 1
	}
	snap "$D/before.txt"
	if [ "$name" = none ]; then
		sleep "$T"
		echo "mode none" >"$D/gen.txt"
	else
		target=$(head -c 10 "$WORK/cfg/legit.ids")
		case $name in
		tcp-churn) args="-P $TCP_RATE" ;;
		tcp-idle) args="-P $IDLE_RATE -c $IDLE_CONNS" ;;
		*) args="-P $PPS" ;;
		esac
		ip netns exec "$NSA" $GEN_CPU "$B/bench/dosgen" "$name" -r "$ROOT_ID" -d $ROOT_IP -p $UDP_PORT \
			-T $TCP_PORT -t "$T" -S $A_IP -s $SPOOF -a $TCPNET -K "$POOL" -A "$target" \
			$args >"$D/gen.txt" 2>"$D/gen.err" &
		GEN_PID=$!
		wait $GEN_PID
		GEN_PID=""
	fi
	sleep 0.3 # what the root still had queued
	snap "$D/after.txt"
	wait $REKEY_PID
	REKEY_PID=""
	grep -q '^rekey_rate' "$D/rekey.txt" || echo "rekeyer: $(cat "$D/rekey.err")" >"$D/FAILED"
	[ -s "$D/gen.err" ] && log "$name: $(head -3 "$D/gen.err")"
	log "$name: $(grep -E '^(sent|rekey_rate) ' "$D/gen.txt" "$D/rekey.txt" | sed 's/.*://' | tr '\n' ' ')"
	stop_pid "$ROOT_PID"
	ROOT_PID=""
}

# ---------------------------------------------------------------- main ---------
ALL="none forged-fresh forged-replay cookie-replay cookie-forged junk tcp-churn tcp-idle auth-echo auth-register auth-whois auth-rendezvous auth-announce"
main() {
	[ "$(id -u)" = 0 ] || { echo "dos-bench: run as root (network namespaces)" >&2; exit 1; }
	local x
	for x in zt-root bench/rekeyer bench/dosgen; do
		[ -x "$B/$x" ] || { echo "dos-bench: $B/$x not built (make dos-bench builds it)" >&2; exit 1; }
	done
	command -v nft >/dev/null || { echo "dos-bench: needs nft (apt-get install nftables)" >&2; exit 1; }
	[ "$T" -ge 3 ] 2>/dev/null || { echo "dos-bench: DOS_T must be at least 3" >&2; exit 1; }
	local out=${DOS_OUT-}
	[ $# = 0 ] && [ -z "${DOS_OUT+x}" ] && out=$TOP/doc/security.md
	# Every run starts clean: the rows are read against this run's
	# unattacked one.
	rm -rf "$WORK/raw"
	mkdir -p "$WORK/raw" "$WORK/cfg"
	trap 'lab_down; exit 130' INT TERM
	trap 'lab_down' EXIT
	lab_up || { log "cannot set up the lab"; exit 1; }
	# The unattacked row always runs first: the others are read against it.
	local s rows="none"
	for s in ${*:-$ALL}; do
		[ "$s" = none ] || rows="$rows $s"
	done
	for s in $rows; do
		case " $ALL " in *" $s "*) ;; *) log "unknown row $s"; continue ;; esac
		row "$s" || log "$s: FAILED"
		stop_pid "$GEN_PID"
		stop_pid "$REKEY_PID"
		stop_pid "$ROOT_PID"
		GEN_PID="" REKEY_PID="" ROOT_PID=""
	done
	lab_down
	python3 "$HERE/dos_summary.py" --raw "$WORK/raw" --top "$TOP" --out "$out" \
		--t "$T" --pps "$PPS" --ids "$NIDS" --rate "$REKEY_RATE" --tcp-rate "$TCP_RATE" \
		--idle "$IDLE_CONNS" --pin "${ROOT_CPU:+root on CPU $((NCPU - 1)), flooder on CPU 0}"
}
main "$@"
