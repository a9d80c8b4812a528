#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/run.sh - zt side by side with the L2/L3 mesh VPNs Debian ships, on one
# machine, in one run (see bench/README.md for how to read the output).
#
# Two network namespaces A and B joined by one veth pair (underlay
# 198.18.0.1/24 <-> 198.18.0.2/24, MTU 1500, default TSO/GSO/GRO).  For each
# system a tunnel is set up between A and B (overlay 198.19.0.1/24 <->
# 198.19.0.2/24, only inside the namespaces) and measured through it:
#   - TCP: iperf3 -t $T, $REPS single-stream runs (median) and one -P 4 run
#   - UDP: iperf3 -u -b 0 -l 64 -t $T, datagrams received per second
#   - ping -c 200 -i 0.01 over the underlay and the overlay (added RTT:
#     difference of the medians)
#   - daemon CPU (utime+stime from /proc/PID/stat) during the TCP runs, per GB
#   - idle VmRSS of the daemons, binary size (stripped)
# The method is the one of the project's performance baselines
# (perf-baselines.md): same addresses, same iperf3 invocations.
# zt alone then gets: relay throughput through a root (A and B can reach
# only the root's namespace, which does not forward), the handshake rate of
# a root (bench/hsrate, in process), and the time from `zt-cli join` to the
# first ping reply.
#
# Nothing leaves the namespaces (no default route, no link to the root
# namespace); everything is named zb<pid>-*, torn down at the end and on
# Ctrl-C.  Systems run one after another.
#
# Usage: sudo bench/run.sh [system ...]   (default: all, in the order below)
#   systems: veth zt zt_rules zt_1thread zt_2thread zt_nooffload wireguard_go tinc fastd n2n nebula rtt_ab zt_extra
# Environment:
#   BENCH_T     seconds per load test (default 10)
#   BENCH_REPS  single-stream TCP runs (default 3)
#   BENCH_WORK  work dir (default ${TMPDIR:-/tmp}/zt-bench)
#   BENCH_OUT   also write the tables (markdown) to this file
#   RTT_ROUNDS  rounds of 100 pings in rtt_ab (default 10)
#   B           zt build dir (default build)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$TOP/$B ;; esac
WORK=${BENCH_WORK:-${TMPDIR:-/tmp}/zt-bench}
T=${BENCH_T:-10}
REPS=${BENCH_REPS:-3}
P=zb$$
NSA=$P-a NSB=$P-b NSR=$P-r
UA=198.18.0.1 UB=198.18.0.2
OA=198.19.0.1 OB=198.19.0.2
NWID=ff00000000000001
PIDS=() PNAMES=() PBINS=() ROLES=()
D=""

log() { echo "[$(date +%T)] $*" >&2; }
a() { ip netns exec "$NSA" "$@"; }
b() { ip netns exec "$NSB" "$@"; }

# ---------------------------------------------------------------- lab ----------
lab_up() {
	lab_down
	ip netns add "$NSA" && ip netns add "$NSB" || exit 1
	ip link add zbveth0 netns "$NSA" type veth peer name zbveth1 netns "$NSB" || exit 1
	a ip addr add $UA/24 dev zbveth0
	b ip addr add $UB/24 dev zbveth1
	for ns in $NSA $NSB; do ip netns exec "$ns" ip link set lo up; done
	a ip link set zbveth0 up
	b ip link set zbveth1 up
	a ping -c 1 -W 2 $UB >/dev/null || { log "underlay broken"; exit 1; }
}

lab_down() {
	stop_daemons
	local ns p
	for ns in $NSA $NSB $NSR; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# start_d NAME ROLE NS BINARY ARGS...: a daemon in the foreground inside NS.
# ROLE is "edge" (one per host, counted in RSS) or "aux" (root, supernode).
start_d() {
	local name=$1 role=$2 ns=$3
	shift 3
	ip netns exec "$ns" "$@" >"$D/$name.log" 2>&1 &
	PIDS+=($!) PNAMES+=("$name") PBINS+=("$(command -v "$1")") ROLES+=("$role")
	log "started $name (pid $!): $*"
}

stop_daemons() {
	local p i
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for i in $(seq 30); do
		local alive=0
		for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	PIDS=() PNAMES=() PBINS=() ROLES=()
}

wait_link() { # NS IFNAME [secs]
	local i
	for i in $(seq $((${3:-20} * 10))); do
		ip netns exec "$1" ip link show "$2" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

wait_ping() { # DST [secs]
	local i
	for i in $(seq "${2:-30}"); do
		a ping -c 1 -W 1 "$1" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}

# -------------------------------------------------------------- probes ---------
cpu_snapshot() {
	awk '/^cpu /{busy=$2+$3+$4+$7+$8+$9; print "machine", busy, busy+$5+$6}' /proc/stat
	local i st
	for i in "${!PIDS[@]}"; do
		st=$(cat "/proc/${PIDS[$i]}/stat" 2>/dev/null) || { echo "${PNAMES[$i]} dead"; continue; }
		echo "${PNAMES[$i]} $(echo "${st##*) }" | awk '{print $12, $13}')"
	done
}

mem_snapshot() { # name role VmRSS VmHWM (kB)
	local i
	for i in "${!PIDS[@]}"; do
		echo "${PNAMES[$i]} ${ROLES[$i]} $(awk '/^VmRSS/{r=$2}/^VmHWM/{h=$2}END{print r, h}' "/proc/${PIDS[$i]}/status" 2>/dev/null)"
	done
}

meta() {
	local i bin sz
	{
		echo "date $(date -u +%FT%TZ)"
		echo "loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
		for i in "${!PIDS[@]}"; do
			[ "${ROLES[$i]}" = edge ] || continue
			bin=$(readlink -f "${PBINS[$i]}")
			sz=$(strip -o "$WORK/stripped.tmp" "$bin" 2>/dev/null && stat -c %s "$WORK/stripped.tmp" || stat -c %s "$bin")
			echo "binary $(basename "$bin") $sz"
			break
		done
	} >"$D/meta.txt"
}

# measure SYS OVERLAY_DST: the full measurement (daemons already started)
measure() {
	local sys=$1 dst=$2 i srv
	if ! wait_ping "$dst" 60; then
		log "$sys: no connectivity to $dst"
		echo "no ping through the tunnel within 30 s" >"$D/FAILED"
		return 1
	fi
	sleep 2
	meta
	mem_snapshot >"$D/mem_idle.txt"
	a ping -n -c 200 -i 0.01 $UB >"$D/ping_underlay.txt" 2>&1
	a ping -n -c 200 -i 0.01 "$dst" >"$D/ping_overlay.txt" 2>&1
	ip netns exec "$NSB" iperf3 -s -p 5201 >"$D/iperf3_server.log" 2>&1 &
	srv=$!
	sleep 1
	for i in $(seq "$REPS"); do
		cpu_snapshot >"$D/cpu_tcp$i.before"
		timeout $((T + 30)) ip netns exec "$NSA" iperf3 -c "$dst" -p 5201 -t "$T" -J >"$D/tcp$i.json" 2>"$D/tcp$i.err"
		cpu_snapshot >"$D/cpu_tcp$i.after"
		log "$sys: tcp run $i: $(grep -o '"bits_per_second":[^,]*' "$D/tcp$i.json" | tail -1)"
		sleep 1
	done
	timeout $((T + 30)) ip netns exec "$NSA" iperf3 -c "$dst" -p 5201 -t "$T" -P 4 -J >"$D/tcp_p4.json" 2>"$D/tcp_p4.err"
	sleep 1
	timeout $((T + 30)) ip netns exec "$NSA" iperf3 -c "$dst" -p 5201 -t "$T" -u -b 0 -l 64 -J >"$D/udp64.json" 2>"$D/udp64.err"
	mem_snapshot >"$D/mem_after.txt"
	kill $srv 2>/dev/null
	wait $srv 2>/dev/null
	log "$sys: done"
}

begin() {
	D=$WORK/raw/$1
	rm -rf "$D"
	mkdir -p "$D"
	log "=== $1 ==="
	lab_up
}

# ------------------------------------------------------------- systems ---------
sys_veth() {
	begin veth
	measure veth $UB
	lab_down
}

# zt_pair DIR: roots file with a root in A (port 9994), ztd in A and B
# (port 9993), both online; sets ZA_HOME ZB_HOME.  Extra environment for
# ztd comes from ZT_ENV (e.g. ZT_OFFLOAD=off).
zt_pair() {
	local c=$1 out rid i
	rm -rf "$c"
	mkdir -p "$c/root" "$c/a" "$c/b"
	out=$("$B/zt-root" identity "$c/root" 2>&1) || { log "zt-root identity: $out"; return 1; }
	rid=$(echo "$out" | tail -n 1)
	"$B/zt-root" genid "$c/signer.secret" >/dev/null 2>&1 &&
		"$B/zt-root" mkroots -s "$c/signer.secret" "$rid@$UA/9994" >"$c/roots" 2>"$c/mkroots.err" ||
		{ log "mkroots failed: $(cat "$c/mkroots.err")"; return 1; }
	start_d zt_root aux "$NSA" "$B/zt-root" -p 9994 -b $UA "$c/root"
	start_d ztd_a edge "$NSA" env ${ZT_ENV:-} "$B/ztd" -p 9993 -b $UA -r "$c/roots" "$c/a"
	start_d ztd_b edge "$NSB" env ${ZT_ENV:-} "$B/ztd" -p 9993 -b $UB -r "$c/roots" "$c/b"
	PBINS[1]=$B/ztd
	PBINS[2]=$B/ztd
	ZA_HOME=$c/a ZB_HOME=$c/b
	for i in $(seq 100); do
		a "$B/zt-cli" -D "$ZA_HOME" info 2>/dev/null | grep -q ONLINE &&
			b "$B/zt-cli" -D "$ZB_HOME" info 2>/dev/null | grep -q ONLINE && return 0
		sleep 0.2
	done
	log "zt: not ONLINE within 20 s"
	return 1
}

zt_join() { # NS HOME OVERLAY_IP
	local tap
	ip netns exec "$1" "$B/zt-cli" -D "$2" join $NWID >/dev/null || return 1
	tap=$(ip netns exec "$1" "$B/zt-cli" -D "$2" listnetworks | awk -v nw=$NWID '$3 == nw {print $8}')
	wait_link "$1" "$tap" 10 || return 1
	ip -n "$1" addr add "$3/24" dev "$tap"
	ip -n "$1" link set "$tap" up
}

zt_run() { # SYS
	local sys=$1 t0 t1 i
	begin "$sys"
	zt_pair "$WORK/cfg/$sys" || { echo "zt did not come up" >"$D/FAILED"; lab_down; return 1; }
	t0=${EPOCHREALTIME/./}
	zt_join "$NSA" "$ZA_HOME" $OA && zt_join "$NSB" "$ZB_HOME" $OB ||
		{ echo "join failed" >"$D/FAILED"; lab_down; return 1; }
	for i in $(seq 300); do
		a ping -c 1 -W 0.1 $OB >/dev/null 2>&1 && break
	done
	t1=${EPOCHREALTIME/./}
	echo "join_to_ping_ms $(((t1 - t0) / 1000))" >"$D/zt_extra.txt"
	measure "$sys" $OB
	a "$B/zt-cli" -D "$ZA_HOME" -j info >"$D/zt_info_a.json" 2>&1
	b "$B/zt-cli" -D "$ZB_HOME" -j info >"$D/zt_info_b.json" 2>&1
	lab_down
}
sys_zt() { ZT_ENV="" zt_run zt; }

# zt_rules: as zt, but on a network of a zt-controller (in A, port 9995)
# whose rules every frame walks at both ends: bench/rules50.zt (50 entries,
# the last of them the capability both members hold; the file says which).
ZT_RULES_SCRIPT=$(cat "$HERE/rules50.zt")
zt_ctl_api() { # METHOD PATH [BODY]: the controller's admin API from A
	a curl -sf -X "$1" -H "X-ZT1-Auth: $(cat "$ZC_HOME/authtoken.secret")" \
		${3:+-d "$3"} "http://127.0.0.1:9995$2"
}
sys_zt_rules() {
	local c=$WORK/cfg/zt_rules out nw m addr i
	begin zt_rules
	zt_pair "$c" || { echo "zt did not come up" >"$D/FAILED"; lab_down; return 1; }
	ZC_HOME=$c/ctl
	mkdir -p "$ZC_HOME"
	start_d zt_ctl aux "$NSA" "$B/zt-controller" -p 9995 -b $UA -r "$c/roots" "$ZC_HOME"
	for i in $(seq 100); do [ -s "$ZC_HOME/authtoken.secret" ] && zt_ctl_api GET /status >/dev/null && break; sleep 0.2; done
	out=$(zt_ctl_api POST "/controller/network/$(cut -c1-10 "$ZC_HOME/identity.public")______" \
		"$(jq -nc --arg s "$ZT_RULES_SCRIPT" '{name: "bench", rulesSource: $s}')") ||
		{ echo "the controller refused the network" >"$D/FAILED"; lab_down; return 1; }
	nw=$(echo "$out" | jq -r .id)
	echo "$out" | jq -c '{rules: (.rules | length), capabilities: [.capabilities[] | (.rules | length)], tags}' >"$D/zt_rules.txt"
	for m in a b; do
		local ns=$NSA home=$ZA_HOME ip=$OA
		[ $m = b ] && ns=$NSB home=$ZB_HOME ip=$OB
		ip netns exec "$ns" "$B/zt-cli" -D "$home" join "$nw" >/dev/null || { echo "join failed" >"$D/FAILED"; lab_down; return 1; }
		addr=$(ip netns exec "$ns" "$B/zt-cli" -D "$home" info | awk '{print $3}')
		zt_ctl_api POST "/controller/network/$nw/member/$addr" \
			'{"authorized":true,"tags":[[1,100]],"capabilities":[1]}' >/dev/null ||
			{ echo "authorize failed" >"$D/FAILED"; lab_down; return 1; }
	done
	for m in a b; do
		local ns=$NSA home=$ZA_HOME ip=$OA tap=""
		[ $m = b ] && ns=$NSB home=$ZB_HOME ip=$OB
		for i in $(seq 100); do
			tap=$(ip netns exec "$ns" "$B/zt-cli" -D "$home" listnetworks | awk -v nw="$nw" '$3 == nw && $6 == "OK" {print $8}')
			[ -n "$tap" ] && [ "$tap" != - ] && ip -n "$ns" link show "$tap" >/dev/null 2>&1 && break
			sleep 0.2
		done
		ip -n "$ns" addr add "$ip/24" dev "$tap" && ip -n "$ns" link set "$tap" up ||
			{ echo "no TAP for $nw" >"$D/FAILED"; lab_down; return 1; }
	done
	measure zt_rules $OB
	a "$B/zt-cli" -D "$ZA_HOME" -j listnetworks >"$D/zt_rules_a.json" 2>&1
	lab_down
}
sys_zt_nooffload() { ZT_ENV="ZT_OFFLOAD=off" zt_run zt_nooffload; }
sys_zt_1thread() { ZT_ENV="ZT_THREADS=0" zt_run zt_1thread; }
sys_zt_2thread() { ZT_ENV="ZT_THREADS=always" zt_run zt_2thread; }

# zt alone: relay throughput through a root.  A and B each have a veth to
# R only; R (the root) has ip_forward=0, so every packet goes through zt-root.
sys_zt_extra() {
	D=$WORK/raw/zt_extra
	rm -rf "$D"
	mkdir -p "$D"
	log "=== zt_extra (relay through a root, handshake rate) ==="
	lab_down
	local c=$WORK/cfg/zt_relay out rid i srv
	ip netns add "$NSA" && ip netns add "$NSB" && ip netns add "$NSR" || return 1
	for ns in $NSA $NSB $NSR; do ip netns exec "$ns" ip link set lo up; done
	ip link add zbra netns "$NSA" type veth peer name zbar netns "$NSR"
	ip link add zbrb netns "$NSB" type veth peer name zbbr netns "$NSR"
	a ip addr add 198.18.1.2/24 dev zbra
	b ip addr add 198.18.2.2/24 dev zbrb
	ip -n "$NSR" addr add 198.18.1.1/24 dev zbar
	ip -n "$NSR" addr add 198.18.2.1/24 dev zbbr
	ip -n "$NSR" addr add 203.0.113.1/32 dev lo
	a ip link set zbra up
	b ip link set zbrb up
	ip -n "$NSR" link set zbar up
	ip -n "$NSR" link set zbbr up
	ip netns exec "$NSR" sysctl -qw net.ipv4.ip_forward=0
	a ip route add 203.0.113.1/32 via 198.18.1.1
	b ip route add 203.0.113.1/32 via 198.18.2.1
	rm -rf "$c"
	mkdir -p "$c/root" "$c/a" "$c/b"
	out=$("$B/zt-root" identity "$c/root" 2>&1) || return 1
	rid=$(echo "$out" | tail -n 1)
	"$B/zt-root" genid "$c/signer.secret" >/dev/null 2>&1
	"$B/zt-root" mkroots -s "$c/signer.secret" "$rid@203.0.113.1/9993" >"$c/roots" 2>/dev/null || return 1
	start_d zt_root aux "$NSR" "$B/zt-root" -p 9993 -e 203.0.113.1/9993 "$c/root"
	start_d ztd_a edge "$NSA" "$B/ztd" -p 9993 -r "$c/roots" "$c/a"
	start_d ztd_b edge "$NSB" "$B/ztd" -p 9993 -r "$c/roots" "$c/b"
	for i in $(seq 100); do
		a "$B/zt-cli" -D "$c/a" info 2>/dev/null | grep -q ONLINE &&
			b "$B/zt-cli" -D "$c/b" info 2>/dev/null | grep -q ONLINE && break
		sleep 0.2
	done
	zt_join "$NSA" "$c/a" $OA && zt_join "$NSB" "$c/b" $OB || { echo "relay: join failed" >"$D/FAILED"; lab_down; return 1; }
	if wait_ping $OB 30; then
		ip netns exec "$NSB" iperf3 -s -p 5201 >"$D/iperf3_server.log" 2>&1 &
		srv=$!
		sleep 1
		for i in $(seq "$REPS"); do
			cpu_snapshot >"$D/cpu_relay$i.before"
			timeout $((T + 30)) ip netns exec "$NSA" iperf3 -c $OB -p 5201 -t "$T" -J >"$D/relay$i.json" 2>"$D/relay$i.err"
			cpu_snapshot >"$D/cpu_relay$i.after"
			log "relay run $i: $(grep -o '"bits_per_second":[^,]*' "$D/relay$i.json" | tail -1)"
			sleep 1
		done
		kill $srv 2>/dev/null
		wait $srv 2>/dev/null
		a "$B/zt-cli" -D "$c/a" listpeers >"$D/relay_peers.txt" 2>&1
		mem_snapshot >"$D/mem_after.txt"
	else
		echo "relay: no ping through the root" >"$D/FAILED"
	fi
	lab_down
	if [ -x "$B/bench/hsrate" ]; then
		"$B/bench/hsrate" 2>&1 | tee "$D/hsrate.txt"
	fi
}

sys_wireguard_go() {
	begin wireguard_go
	local c=$WORK/cfg/wg
	mkdir -p $c
	wg genkey >$c/a.key
	wg pubkey <$c/a.key >$c/a.pub
	wg genkey >$c/b.key
	wg pubkey <$c/b.key >$c/b.pub
	# distinct names: the UAPI socket dir (/var/run/wireguard) is not per namespace
	WG_PROCESS_FOREGROUND=1 start_d wg_a edge "$NSA" wireguard-go -f zbwga
	WG_PROCESS_FOREGROUND=1 start_d wg_b edge "$NSB" wireguard-go -f zbwgb
	wait_link "$NSA" zbwga && wait_link "$NSB" zbwgb || { echo "no zbwga/zbwgb" >"$D/FAILED"; lab_down; return 1; }
	sleep 0.5
	a wg set zbwga listen-port 51820 private-key $c/a.key peer "$(cat $c/b.pub)" endpoint $UB:51820 allowed-ips $OB/32
	b wg set zbwgb listen-port 51820 private-key $c/b.key peer "$(cat $c/a.pub)" endpoint $UA:51820 allowed-ips $OA/32
	a ip addr add $OA/24 dev zbwga
	a ip link set zbwga up
	b ip addr add $OB/24 dev zbwgb
	b ip link set zbwgb up
	measure wireguard_go $OB
	lab_down
}

tinc_node() { # DIR NAME MYADDR PEER OVERLAYIP
	local c=$1 n=$2 addr=$3 peer=$4 ip=$5
	mkdir -p $c/hosts
	cat >$c/tinc.conf <<EOF
Name = $n
Mode = switch
Interface = zbtinc0
AddressFamily = ipv4
BindToAddress = $addr
Port = 655
ConnectTo = $peer
EOF
	# tinc 1.0's default blowfish fails with OpenSSL 3 (and then silently
	# carries everything over TCP): AES-256-CBC + HMAC-SHA256.
	printf 'Address = %s\nPort = 655\nCipher = aes-256-cbc\nDigest = sha256\n' "$addr" >$c/hosts/$n
	printf '#!/bin/sh\nip link set "$INTERFACE" up\nip addr add %s/24 dev "$INTERFACE"\n' "$ip" >$c/tinc-up
	chmod +x $c/tinc-up
	tincd -c $c -K 2048 </dev/null >/dev/null 2>&1
}

sys_tinc() {
	begin tinc
	local c=$WORK/cfg/tinc
	rm -rf $c
	tinc_node $c/a a $UA b $OA
	tinc_node $c/b b $UB a $OB
	cp $c/a/hosts/a $c/b/hosts/a
	cp $c/b/hosts/b $c/a/hosts/b
	start_d tinc_a edge "$NSA" tincd -D -c $c/a --pidfile=$c/a/pid --logfile=$c/a/log -d1
	start_d tinc_b edge "$NSB" tincd -D -c $c/b --pidfile=$c/b/pid --logfile=$c/b/log -d1
	measure tinc $OB
	lab_down
}

# fastd_up OVERLAY_A OVERLAY_B: fastd in A and B (TAP zbfd0), as for the
# table.
fastd_up() {
	local c=$WORK/cfg/fastd sa sb pa pb n
	rm -rf $c
	mkdir -p $c
	sa=$(fastd --generate-key --machine-readable 2>/dev/null | head -1)
	sb=$(fastd --generate-key --machine-readable 2>/dev/null | head -1)
	pa=$(printf 'secret "%s";\n' "$sa" >$c/sa.conf; fastd --show-key --machine-readable --config $c/sa.conf)
	pb=$(printf 'secret "%s";\n' "$sb" >$c/sb.conf; fastd --show-key --machine-readable --config $c/sb.conf)
	for n in a b; do
		local addr=$UA ip=$1 sec=$sa peer=b ppub=$pb paddr=$UB
		[ $n = b ] && { addr=$UB ip=$2 sec=$sb peer=a ppub=$pa paddr=$UA; }
		cat >$c/$n.conf <<EOF
log level warn;
interface "zbfd0";
mode tap;
method "salsa2012+umac";
bind $addr:10000;
secret "$sec";
mtu 1426;
on up sync "ip link set \$INTERFACE up && ip addr add $ip/24 dev \$INTERFACE";
peer "$peer" {
    key "$ppub";
    remote $paddr:10000;
}
EOF
	done
	start_d fastd_a edge "$NSA" fastd --config $c/a.conf
	start_d fastd_b edge "$NSB" fastd --config $c/b.conf
}

sys_fastd() {
	begin fastd
	fastd_up $OA $OB
	measure fastd $OB
	lab_down
}

# rtt_ab: zt and fastd (the peer with the lowest RTT in every run so far)
# up side by side in one lab (zt on 198.19.0.0/24, fastd on 198.19.1.0/24),
# and RTT_ROUNDS rounds of 100 pings: underlay, zt, fastd, one after the
# other.  Measured one system after another, the added RTT moves with the
# machine's state (other systems' runs differ by more than the systems
# do); interleaved, all three see the same machine.
sys_rtt_ab() {
	local r FA=198.19.1.1 FB=198.19.1.2
	begin rtt_ab
	zt_pair "$WORK/cfg/rtt_ab" && zt_join "$NSA" "$ZA_HOME" $OA && zt_join "$NSB" "$ZB_HOME" $OB ||
		{ echo "zt did not come up" >"$D/FAILED"; lab_down; return 1; }
	fastd_up $FA $FB
	if ! wait_ping $OB 30 || ! wait_ping $FB 30; then
		echo "no ping through zt or fastd within 30 s" >"$D/FAILED"
		lab_down
		return 1
	fi
	sleep 2
	: >"$D/ping_underlay.txt"
	: >"$D/ping_zt.txt"
	: >"$D/ping_fastd.txt"
	for r in $(seq "${RTT_ROUNDS:-10}"); do
		a ping -n -c 100 -i 0.01 $UB >>"$D/ping_underlay.txt" 2>&1
		a ping -n -c 100 -i 0.01 $OB >>"$D/ping_zt.txt" 2>&1
		a ping -n -c 100 -i 0.01 $FB >>"$D/ping_fastd.txt" 2>&1
	done
	log "rtt_ab: done"
	lab_down
}

sys_n2n() {
	begin n2n
	start_d n2n_supernode aux "$NSA" supernode -l 7654
	sleep 0.5
	start_d n2n_edge_a edge "$NSA" edge -k zbbenchkey -d zbn2n0 -a $OA -s 255.255.255.0 -c zbcomm -l $UA:7654 -p 7655
	start_d n2n_edge_b edge "$NSB" edge -k zbbenchkey -d zbn2n0 -a $OB -s 255.255.255.0 -c zbcomm -l $UA:7654 -p 7655
	wait_link "$NSA" zbn2n0
	wait_link "$NSB" zbn2n0
	measure n2n $OB
	lab_down
}

sys_nebula() {
	begin nebula
	local c=$WORK/cfg/nebula n
	rm -rf $c
	mkdir -p $c
	(cd $c && nebula-cert ca -name zbbench -out-crt ca.crt -out-key ca.key &&
		nebula-cert sign -ca-crt ca.crt -ca-key ca.key -name a -ip $OA/24 -out-crt a.crt -out-key a.key &&
		nebula-cert sign -ca-crt ca.crt -ca-key ca.key -name b -ip $OB/24 -out-crt b.crt -out-key b.key) >"$D/certs.log" 2>&1
	for n in a b; do
		local addr=$UA lh=true hosts="[]"
		[ $n = b ] && { addr=$UB lh=false hosts="[\"$OA\"]"; }
		cat >$c/$n.yml <<EOF
pki: {ca: $c/ca.crt, cert: $c/$n.crt, key: $c/$n.key}
static_host_map: {"$OA": ["$UA:4242"]}
lighthouse: {am_lighthouse: $lh, interval: 60, hosts: $hosts}
listen: {host: $addr, port: 4242}
punchy: {punch: false}
tun: {disabled: false, dev: zbneb0, drop_local_broadcast: false, drop_multicast: false, tx_queue: 500, mtu: 1300}
logging: {level: warning, format: text}
cipher: aes
firewall:
  outbound: [{port: any, proto: any, host: any}]
  inbound: [{port: any, proto: any, host: any}]
EOF
	done
	start_d nebula_a edge "$NSA" nebula -config $c/a.yml
	start_d nebula_b edge "$NSB" nebula -config $c/b.yml
	measure nebula $OB
	lab_down
}

# ---------------------------------------------------------------- main ---------
# The peers come from Debian: make deps DEPS=bench installs them (make bench
# itself installs nothing).
install_deps() {
	ZT_DEPS_CHECK=1 sh "$(dirname "$0")/../ext/deps.sh" bench
}

ALL="veth zt zt_rules zt_1thread zt_2thread zt_nooffload wireguard_go tinc fastd n2n nebula rtt_ab zt_extra"
main() {
	[ "$(id -u)" = 0 ] || { echo "bench: run as root (network namespaces)" >&2; exit 1; }
	[ -x "$B/ztd" ] || { echo "bench: $B/ztd not built (run make)" >&2; exit 1; }
	install_deps || { echo "bench: the peers are missing (make deps DEPS=bench)" >&2; exit 1; }
	# a full run starts clean; a partial one keeps the other systems' results
	[ $# = 0 ] && rm -rf "$WORK/raw"
	mkdir -p "$WORK/raw" "$WORK/cfg"
	trap 'lab_down; exit 130' INT TERM
	local s
	for s in ${*:-$ALL}; do
		"sys_$s" || log "$s: FAILED"
		lab_down
	done
	{
		echo "# zt benchmarks"
		echo
		echo "Measured by \`make bench\` (bench/run.sh; BENCH_T=$T s per test, BENCH_REPS=$REPS single-stream runs) on $(date -u '+%Y-%m-%d %H:%M UTC')."
		echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) vCPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME"); zt $(git -C "$TOP" describe --always --dirty 2>/dev/null || echo '?')."
		echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine shows up as noise)."
		echo
		python3 "$HERE/summarize.py" "$WORK/raw"
	} | tee "${BENCH_OUT:-/dev/null}"
}
main "$@"
