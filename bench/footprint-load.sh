#!/bin/bash
# SPDX-License-Identifier: MIT
# footprint-load: a router's ztd (another architecture's static build, run
# under qemu-user) among 10 members of one ad-hoc network and a root, with
# iperf3 through it (the router receives) for BENCH_T seconds; prints its
# memory idle, after joining, and at the peak under load (doc/footprint.md,
# "Memory").  The other members and the root are this machine's programs
# ($B).  As root:
#
#   ZT_ROUTER_ZTD=build-mipsel/ztd ZT_ROUTER_RUN=qemu-mipsel bash bench/footprint-load.sh
#
# Each figure is the qemu process's VmRSS (emulator included) and the
# resident pages inside the 32-bit guest's address space (what the
# router's kernel would count: bench/guestrss.py).
set -u
TNAME=footprint_load
. "$(dirname "$0")/../test/e2e/lib.sh"
RZTD=$(cd "$(dirname "${ZT_ROUTER_ZTD:?the router build, e.g. build-mipsel/ztd}")" && pwd)/$(basename "$ZT_ROUTER_ZTD")
RUN=${ZT_ROUTER_RUN:-qemu-mipsel}
BENCH_T=${BENCH_T:-120}
MEMBERS=(r m2 m3 m4 m5 m6 m7 m8 m9 m10)
command -v iperf3 >/dev/null 2>&1 || skip "iperf3 missing (make deps DEPS=bench)"
command -v "$RUN" >/dev/null 2>&1 || skip "$RUN missing (qemu-user)"

lab_init
lab_root_ns root0 0
i=1
for m in "${MEMBERS[@]}"; do lab_member_ns "$m" "$i"; i=$((i + 1)); done
start_root root0
make_roots "$T/roots" root0
# the router: ztd of the other architecture under qemu-user
HOME_OF[r]=$T/r
mkdir -p "$T/r"
bg r r "$RUN" "$RZTD" -p "$ZT_PORT" -r "$T/roots" -v "$T/r"
RPID=$LAST_PID
for m in "${MEMBERS[@]:1}"; do start_ztd "$m"; done
wait_online "${MEMBERS[@]}"

mem() { # the router's VmRSS and guest-resident kB
	local v g
	v=$(awk '/^VmRSS/ { print $2 }' "/proc/$RPID/status")
	g=$(python3 "$(dirname "$0")/guestrss.py" "$RPID" "$(basename "$RZTD")")
	echo "$v $g"
}
read -r v0 g0 <<<"$(mem)"
pass idle "VmRSS ${v0} kB, guest ${g0} kB (online, no network)"

i=1
for m in "${MEMBERS[@]}"; do join_net "$m" "$NWID" "10.9.0.$i/24"; i=$((i + 1)); done
for i in $(seq 2 10); do
	wait_until 30 ping_ok r "10.9.0.$i" || fail ping "router cannot reach 10.9.0.$i within 30 s"
done
read -r v1 g1 <<<"$(mem)"
pass joined "VmRSS ${v1} kB, guest ${g1} kB (9 peers reached on the network)"

x r iperf3 -s -1 -D -B 10.9.0.1 >/dev/null 2>&1
sleep 1
x m2 timeout $((BENCH_T + 30)) iperf3 -c 10.9.0.1 -t "$BENCH_T" -J >"$T/iperf.json" 2>&1 &
ip_pid=$!
PIDS+=("$ip_pid")
vmax=0 gmax=0
end=$(($(date +%s) + BENCH_T + 20))
while kill -0 "$ip_pid" 2>/dev/null && [ "$(date +%s)" -lt "$end" ]; do
	read -r v g <<<"$(mem)"
	[ "$v" -gt "$vmax" ] && vmax=$v
	[ "$g" -gt "$gmax" ] && gmax=$g
	sleep 2
done
wait "$ip_pid" 2>/dev/null
bps=$(jq -r '.end.sum_received.bits_per_second // 0' "$T/iperf.json" 2>/dev/null)
[ -n "$bps" ] && [ "${bps%.*}" -gt 0 ] || fail iperf "no iperf3 result: $(head -c 300 "$T/iperf.json")"
read -r v2 g2 <<<"$(mem)"
pass load "peak VmRSS ${vmax} kB, guest ${gmax} kB during ${BENCH_T} s of iperf3 at $(awk -v b="$bps" 'BEGIN { printf "%.1f", b / 1e6 }') Mbit/s; after: ${v2} kB, guest ${g2} kB"
