#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/ctl.sh - make ctl-bench: a real zt-controller (SQLite, no roots, no
# members online) under bench/ctlapi: NETS networks with a pool each, then
# MEMBERS members authorized one by one through the admin API, each
# answered before the next is sent; then the in-process push and config
# request measurements (bench/ctlpush).  No root needed; everything in a
# temporary directory removed at the end.
#
#   bash bench/ctl.sh                 # 10,000 members in 100 networks
#   CTL_MEMBERS=2000 bash bench/ctl.sh
#   ZTCTL=/path/to/other/zt-controller bash bench/ctl.sh   # compare builds
set -eu
B=${B:-build}
ZTCTL=${ZTCTL:-$B/zt-controller}
MEMBERS=${CTL_MEMBERS:-10000}
NETS=${CTL_NETS:-100}
PORT=${CTL_PORT:-29994}
W=$(mktemp -d /tmp/zt-ctlbench.XXXXXX)
CPID=
cleanup() {
	[ -n "$CPID" ] && kill "$CPID" 2>/dev/null && wait "$CPID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

"$ZTCTL" -p "$PORT" -P "$PORT" -b 127.0.0.1 "$W/home" >"$W/out" 2>"$W/log" &
CPID=$!
for _ in $(seq 100); do
	[ -s "$W/out" ] && [ -s "$W/home/authtoken.secret" ] && break
	sleep 0.1
done
ADDR=$(head -n 1 "$W/out")
[ -n "$ADDR" ] || { echo "zt-controller did not start: $(cat "$W/log")"; exit 1; }
echo "# zt-controller $("$ZTCTL" --help >/dev/null 2>&1; echo "$ZTCTL"), $MEMBERS members in $NETS networks"
"$B/bench/ctlapi" "$PORT" "$(cat "$W/home/authtoken.secret")" "$ADDR" "$MEMBERS" "$NETS"
echo "controller CPU (user+sys, s): $(awk '{printf "%.1f", ($14+$15)/100}' /proc/$CPID/stat)"
echo "database: $(du -k "$W/home/controller.db" | cut -f1) KiB"
