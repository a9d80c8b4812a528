#!/bin/bash
# SPDX-License-Identifier: MIT
# t_ctl_pg: two zt-controller processes on one PostgreSQL (a leader and a
# hot standby, one identity), and the leader killed with SIGKILL while
# members are being authorized.
#
#   root0 203.0.113.2 (zt-root)   ctl1 198.18.1.2, ctl2 198.18.6.2 (zt-controller)
#   a 198.18.2.2   b 198.18.3.2 (ztd each)       PostgreSQL: test/pgtmp.sh
#
# ctl1 leads, ctl2 (identity.secret copied) is standby -> a joins and is
# authorized through the standby's API: the leader pushes it (NOTIFY) ->
# authorizing POSTs go to ctl1 in a loop while ctl1 is killed -9 (then to
# ctl2) -> ctl2 leads within 10 s -> every acknowledged POST is in the
# database -> a gets a changed config from ctl2, b joins and is authorized.
set -u
. "$(dirname "$0")/lib.sh"
[ -x "$ZTCTL" ] || { echo "FAIL $TNAME: $ZTCTL not built (run make)"; exit 1; }
PGTMP="$(cd "$(dirname "$0")/.." && pwd)/pgtmp.sh"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 ||
	skip "no PostgreSQL server binaries (ext/deps.sh test installs postgresql)"

lab_init
# The server's directory is outside $T (0700, root's): its user reaches it.
PGD=$(mktemp -u "/tmp/$P-pg.XXXXXX")
trap 'rc=$?; sh "$PGTMP" stop "$PGD"; (exit $rc); cleanup' EXIT
DB=$(sh "$PGTMP" start "$PGD") || fail setup "test/pgtmp.sh could not start PostgreSQL"
pass postgres "a private PostgreSQL on $PGD"

lab_root_ns root0 0
lab_member_ns ctl1 1
lab_member_ns a 2
lab_member_ns b 3
lab_member_ns ctl2 6
start_root root0
make_roots "$T/roots" root0

mkdir -p "$T/ctl2"
start_ctl ctl1 --db "$DB"
wait_until 10 test -s "$T/ctl1/identity.secret" || fail setup "ctl1 wrote no identity"
# One identity for both: the networks' ids begin with its address.
cp "$T/ctl1/identity.secret" "$T/ctl1/identity.public" "$T/ctl2/"
start_ctl ctl2 --db "$DB"
grep -q 'standby' "$T/ctl2.log" || fail standby "ctl2 is not a standby: $(tail -n 2 "$T/ctl2.log")"
pass standby "ctl2 waits as standby"

# api NAME METHOD PATH [BODY]: "<status> <body>" from NAME's admin API
api() {
	x "$1" curl -s -m 5 -X "$2" -H "X-ZT1-Auth: $(cat "$T/$1/authtoken.secret")" \
		-w ' %{http_code}' ${4:+-d "$4"} "http://127.0.0.1:$(cat "$T/$1/ztd.port")$3" |
		awk '{ code = $NF; $NF = ""; print code " " $0 }'
}
jget() { cut -d' ' -f2- | jq -r "$1"; }

out=$(api ctl1 POST "/controller/network/${CTL}______" '{"name":"one","ipAssignmentPools":[{"ipRangeStart":"10.9.0.10","ipRangeEnd":"10.9.7.250"}],"routes":[{"target":"10.9.0.0/21"}],"v4AssignMode":{"zt":true}}')
case $out in "200 "*) ;; *) fail create "POST /controller/network/${CTL}______: $out" ;; esac
NW=$(echo "$out" | jget .id)
pass create "network $NW on the leader"

name_of() { cli "$1" listnetworks 2>/dev/null | awk -v nw="$NW" '$1 == "200" && $3 == nw { print $4; exit }'; }
st_is() { [ "$(status_of "$1")" = "$2" ]; }
name_is() { [ "$(name_of "$1")" = "$2" ]; }

start_ztd a
wait_online a
cli a join "$NW" >/dev/null 2>&1 || fail join "a: zt-cli join $NW"
wait_until 20 st_is a ACCESS_DENIED || fail denied "a: not ACCESS_DENIED within 20 s"
ZA=$(zt_addr a)
# A change through the standby's API: written to the database, told to
# the leader, pushed by it.
out=$(api ctl2 POST "/controller/network/$NW/member/$ZA" '{"authorized":true}')
case $out in "200 "*) ;; *) fail standby_write "POST on the standby: $out" ;; esac
wait_until 15 st_is a OK || fail standby_write "a not OK within 15 s of its authorization on the standby"
grep -q "$ZA changed on another controller" "$T/ctl1.log" ||
	fail standby_write "the leader was not told of the standby's change"
t0=$(now_ms)
out=$(api ctl2 POST "/controller/network/$NW" '{"name":"two"}')
wait_until 10 name_is a two || fail standby_push "a's config not renamed within 10 s of the standby's change"
pass standby_push "the standby's changes reach a through the leader (rename in $(( $(now_ms) - t0 )) ms)"

# Authorizing POSTs in a loop (member addresses that never ask): to ctl1
# while it answers, then to ctl2; the acknowledged ones are listed.
: >"$T/acked"
authorize_loop() {
	local i a code c=ctl1 tok port
	tok=$(cat "$T/ctl1/authtoken.secret"); port=$(cat "$T/ctl1/ztd.port")
	for i in $(seq 1 60); do
		a=$(printf '%010x' $((0x1000000000 + i)))
		while :; do
			code=$(x "$c" curl -s -o /dev/null -m 3 -w '%{http_code}' -X POST \
				-H "X-ZT1-Auth: $tok" -d '{"authorized":true}' \
				"http://127.0.0.1:$port/controller/network/$NW/member/$a")
			[ "$code" = 200 ] && { echo "$a $c" >>"$T/acked"; break; }
			# ctl1 is gone: from now on ctl2 (no answer: not acknowledged)
			[ "$c" = ctl2 ] && break
			c=ctl2; tok=$(cat "$T/ctl2/authtoken.secret"); port=$(cat "$T/ctl2/ztd.port")
		done
	done
}
authorize_loop &
LOOP=$!
PIDS+=("$LOOP")
acked_ge() { [ "$(wc -l <"$T/acked")" -ge "$1" ]; }
wait_until 20 acked_ge 20 || fail loop "fewer than 20 POSTs acknowledged in 20 s"
kill -9 "${ZPID[ctl1]}"
tk=$(now_ms)
leads() { grep -q 'leading: the previous leader is gone' "$T/ctl2.log"; }
wait_until 10 leads || fail failover "ctl2 did not take the lead within 10 s of the kill: $(tail -n 3 "$T/ctl2.log")"
failover=$(( $(now_ms) - tk ))
pass failover "ctl2 leads ${failover} ms after the kill -9 of ctl1"
wait_exit "$LOOP" 30 || fail loop "the POST loop did not end within 30 s"
n1=$(grep -c ' ctl1$' "$T/acked"); n2=$(grep -c ' ctl2$' "$T/acked")
[ "$n2" -gt 0 ] || fail loop "no POST acknowledged by ctl2 after the kill"

# No acknowledged change lost: each one authorized in the database (read
# with psql: one query rather than a GET each).
PSQL=$(ls /usr/lib/postgresql/*/bin/psql | sort -V | tail -1)
"$PSQL" -Atq "$DB" -c "SELECT address FROM member WHERE nwid = '$NW' AND authorized = 1" \
	>"$T/authorized" || fail durable "psql could not read the members"
lost=0
while read -r m c; do
	grep -qx "$m" "$T/authorized" || { lost=$((lost + 1)); echo "  lost: $m (acknowledged by $c)"; }
done <"$T/acked"
[ "$lost" = 0 ] || fail durable "$lost of $((n1 + n2)) acknowledged authorizations lost"
pass durable "all $((n1 + n2)) acknowledged authorizations in the database ($n1 by ctl1, $n2 by ctl2)"

# Members keep getting configs from the new leader.
t0=$(now_ms)
out=$(api ctl2 POST "/controller/network/$NW" '{"name":"three"}')
case $out in "200 "*) ;; *) fail rename "POST on the new leader: $out" ;; esac
wait_until 20 name_is a three || fail after "a's config not renamed within 20 s by the new leader"
ta=$(( $(now_ms) - t0 ))
start_ztd b
wait_online b
cli b join "$NW" >/dev/null 2>&1 || fail join "b: zt-cli join $NW"
wait_until 20 st_is b ACCESS_DENIED || fail after "b: not ACCESS_DENIED from the new leader within 20 s"
out=$(api ctl2 POST "/controller/network/$NW/member/$(zt_addr b)" '{"authorized":true}')
case $out in "200 "*) ;; *) fail after "authorizing b on the new leader: $out" ;; esac
wait_until 15 st_is b OK || fail after "b not OK within 15 s of its authorization on the new leader"
pass after "the new leader pushes a's change in $ta ms and serves b (joined, authorized, OK)"
