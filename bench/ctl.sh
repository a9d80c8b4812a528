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
#   CTL_REAL=1000   simulated members of ctlpush (the others are offline)
#   CTL_DB=/dev/shm/ctl.db bash bench/ctl.sh   # the database on tmpfs: no fsync
#                                              # cost (not durable; to compare)
#   CTL_PG=1 bash bench/ctl.sh   # on PostgreSQL: a private server started by
#                                # test/pgtmp.sh in /tmp (fsync on), --db its URI
set -eu
B=${B:-build}
ZTCTL=${ZTCTL:-$B/zt-controller}
MEMBERS=${CTL_MEMBERS:-10000}
NETS=${CTL_NETS:-100}
PORT=${CTL_PORT:-29994}
W=$(mktemp -d /tmp/zt-ctlbench.XXXXXX)
DB=${CTL_DB:-$W/home/controller.db}
PGD=
CPID=
cleanup() {
	[ -n "$CPID" ] && kill "$CPID" 2>/dev/null && wait "$CPID" 2>/dev/null
	[ -z "$PGD" ] || sh "$(dirname "$0")/../test/pgtmp.sh" stop "$PGD"
	rm -rf "$W"
	[ -n "${CTL_DB:-}" ] && rm -f "$DB" "$DB-wal" "$DB-shm" "$DB-lock"
	return 0
}
trap cleanup EXIT INT TERM

mkdir -p "$W/home"
if [ "${CTL_PG:-0}" = 1 ]; then
	# beside $W, not in it: the server's user must reach it
	PGD=$W-pg
	DB=$(sh "$(dirname "$0")/../test/pgtmp.sh" start "$PGD")
fi
"$ZTCTL" -p "$PORT" -P "$PORT" -b 127.0.0.1 --db "$DB" "$W/home" >"$W/out" 2>"$W/log" &
CPID=$!
for _ in $(seq 100); do
	[ -s "$W/out" ] && [ -s "$W/home/authtoken.secret" ] && break
	sleep 0.1
done
ADDR=$(head -n 1 "$W/out")
[ -n "$ADDR" ] || { echo "zt-controller did not start: $(cat "$W/log")"; exit 1; }
echo "# $ZTCTL, $MEMBERS members in $NETS networks, database $DB"
"$B/bench/ctlapi" "$PORT" "$(cat "$W/home/authtoken.secret")" "$ADDR" "$MEMBERS" "$NETS"
echo "controller CPU (user+sys, s): $(awk '{printf "%.1f", ($14+$15)/100}' /proc/$CPID/stat)"
[ -n "$PGD" ] && echo "database: $(du -sk "$PGD/data" | cut -f1) KiB (the server's data directory)" ||
	echo "database: $(du -k "$DB" | cut -f1) KiB"
kill "$CPID"
wait "$CPID" || true
CPID=
# The in-process part: pushes and config answers (bench/ctlpush.c);
# CTL_PUSH=0 skips it (comparing zt-controller builds).
[ "${CTL_PUSH:-1}" = 0 ] && exit 0
"$B/bench/ctlpush" "$W/push.db" "${CTL_REAL:-1000}" "$MEMBERS" "$NETS"
