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
#   CTL_PG=1 bash bench/ctl.sh   # on PostgreSQL (make ctl-bench DB=pg): a
#                                # private server started by test/pgtmp.sh in
#                                # /tmp (fsync on), --db its URI; both parts
#                                # run on it, each followed by the server's
#                                # profile (pg_stat_statements, pg_stat_wal)
# After the API part: the controller's own time per store call (its
# zt_controller_db_seconds metrics: round trips and commits included).
set -eu
B=${B:-build}
ZTCTL=${ZTCTL:-$B/zt-controller}
MEMBERS=${CTL_MEMBERS:-10000}
NETS=${CTL_NETS:-100}
PORT=${CTL_PORT:-29994}
MPORT=$((PORT + 1))
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
	# beside $W, not in it: the server's user must reach it.  The server
	# counts each statement's calls and time, planning included, and the
	# time its WAL writes and flushes take.
	PGD=$W-pg
	DB=$(PGTMP_OPTS="-c shared_preload_libraries=pg_stat_statements \
		-c pg_stat_statements.track_planning=on -c track_wal_io_timing=on" \
		sh "$(dirname "$0")/../test/pgtmp.sh" start "$PGD")
	psql "$DB" -qc "CREATE EXTENSION pg_stat_statements"
	# ctlpush's own database: it starts empty, as the API part's did
	psql "$DB" -qc "CREATE DATABASE push"
	PUSHDB=$(echo "$DB" | sed 's|///zt?|///push?|')
fi
# pg_profile TITLE: where the server's time went since the last call
pg_profile() {
	[ -n "$PGD" ] || return 0
	echo "# PostgreSQL, $1: statements by total time (ms; plan: planning;" \
		"mean: both per call)"
	psql "$DB" -q -P pager=off -P footer=off -c "
		SELECT calls, round(total_exec_time::numeric) AS exec_ms,
		       round(total_plan_time::numeric) AS plan_ms,
		       round(((total_exec_time + total_plan_time) / calls)::numeric, 3) AS mean_ms,
		       left(regexp_replace(query, '\s+', ' ', 'g'), 72) AS statement
		FROM pg_stat_statements
		WHERE query NOT LIKE '%pg_stat_%' AND query NOT LIKE 'CREATE %'
		ORDER BY total_exec_time + total_plan_time DESC LIMIT 16"
	psql "$DB" -q -P pager=off -P footer=off -c "
		SELECT wal_records, pg_size_pretty(wal_bytes) AS wal, wal_write, wal_sync,
		       round(wal_write_time::numeric) AS write_ms,
		       round(wal_sync_time::numeric) AS sync_ms
		FROM pg_stat_wal"
	psql "$DB" -qAt -c "SELECT pg_stat_statements_reset(); SELECT pg_stat_reset_shared('wal')" \
		>/dev/null
}
# The controller's time per store call, from its metrics: count, mean and
# the histogram bucket that holds the 99th percentile.
db_ops() {
	command -v curl >/dev/null || return 0
	echo "# the controller's store calls (client side): count, mean ms, p99 at most ms"
	curl -s "http://127.0.0.1:$MPORT/metrics" | awk '
		/^zt_controller_db_seconds/ {
			match($0, /op="[a-z_]+"/); op = substr($0, RSTART + 4, RLENGTH - 5) }
		/^zt_controller_db_seconds_sum/ { sum[op] = $NF }
		/^zt_controller_db_seconds_count/ { cnt[op] = $NF }
		/^zt_controller_db_seconds_bucket/ {
			match($0, /le="[^"]+"/); le = substr($0, RSTART + 4, RLENGTH - 5)
			nb[op]++; b[op, nb[op]] = le; c[op, nb[op]] = $NF }
		END { for (op in cnt) if (cnt[op] > 0) {
			p99 = "-"
			for (i = 1; i <= nb[op]; i++)
				if (c[op, i] >= 0.99 * cnt[op]) { p99 = b[op, i] * 1e3; break }
			printf "  %-18s %8d  %7.3f  %s\n", op, cnt[op], sum[op] * 1e3 / cnt[op], p99 } }' |
		sort -k2 -n -r
}
"$ZTCTL" -p "$PORT" -P "$PORT" -b 127.0.0.1 --db "$DB" --metrics "127.0.0.1:$MPORT" "$W/home" \
	>"$W/out" 2>"$W/log" &
CPID=$!
for _ in $(seq 100); do
	[ -s "$W/out" ] && [ -s "$W/home/authtoken.secret" ] && break
	sleep 0.1
done
ADDR=$(head -n 1 "$W/out")
[ -n "$ADDR" ] || { echo "zt-controller did not start: $(cat "$W/log")"; exit 1; }
# Others' jobs on the machine inflate wall times: say how busy it was.
load() { echo "# $(date -u +%H:%M:%S) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"; }
echo "# $ZTCTL, $MEMBERS members in $NETS networks, database $DB"
load
"$B/bench/ctlapi" "$PORT" "$(cat "$W/home/authtoken.secret")" "$ADDR" "$MEMBERS" "$NETS"
echo "controller CPU (user+sys, s): $(awk '{printf "%.1f", ($14+$15)/100}' /proc/$CPID/stat)"
db_ops
[ -n "$PGD" ] && echo "database: $(du -sk "$PGD/data" | cut -f1) KiB (the server's data directory)" ||
	echo "database: $(du -k "$DB" | cut -f1) KiB"
kill "$CPID"
wait "$CPID" || true
CPID=
load
pg_profile "the admin API part"
# The in-process part: pushes and config answers (bench/ctlpush.c);
# CTL_PUSH=0 skips it (comparing zt-controller builds).
[ "${CTL_PUSH:-1}" = 0 ] && exit 0
"$B/bench/ctlpush" "${PUSHDB:-$W/push.db}" "${CTL_REAL:-1000}" "$MEMBERS" "$NETS"
load
pg_profile "the in-process part"
