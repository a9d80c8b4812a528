#!/bin/bash
# SPDX-License-Identifier: MIT
# t_roots: with two roots in the roots file, losing one (SIGKILL) loses
# nothing: an ongoing ping keeps going, a new ping session works, and a
# member that starts only after the kill comes ONLINE through the surviving
# root and reaches members it never talked to before.  (Relaying through
# the surviving root is t_relayfail.)  Last, no rollback: an older roots
# file from the same signer is refused, given with -r or put in the home;
# signing the old roots again takes them back.
#
#   root0 203.0.113.2 (killed)   root1 203.0.113.18
#              | r0                 | r1
#   inet  router (ip_forward=1, no NAT, no filter)
#       | m1              | m2              | m3
#   a  198.18.1.2      b  198.18.2.2      c  198.18.3.2 (ztd started after the kill)
#      10.9.0.1           10.9.0.2           10.9.0.3     (ff00000000000001)
set -u
. "$(dirname "$0")/lib.sh"

lab_init
lab_root_ns root0 0
lab_root_ns root1 1
lab_member_ns a 1
lab_member_ns b 2
lab_member_ns c 3
start_root root0
start_root root1
make_roots "$T/roots" root0 root1
start_ztd a
start_ztd b
wait_online a b
join_net a "$NWID" 10.9.0.1/24
join_net b "$NWID" 10.9.0.2/24
R0=${ROOTID[root0]%%:*}
R1=${ROOTID[root1]%%:*}

# every node keeps a session with every root
role_of() { cli "$1" listpeers 2>/dev/null | awk -v p="$2" '$3 == p { print $8 }'; }
both_roots() { [ "$(role_of "$1" "$R0")" = PLANET ] && [ "$(role_of "$1" "$R1")" = PLANET ]; }
for m in a b; do
	wait_until 15 both_roots "$m" ||
		fail roots "$m does not list both roots ($R0, $R1) as PLANET: $(cli "$m" listpeers 2>&1 | tr '\n' ' ')"
done
pass roots "a and b each list both roots as PLANET"

wait_until 20 ping_ok a 10.9.0.2 || fail ping "no overlay echo a -> b within 20 s"
wait_until 10 ping_ok b 10.9.0.1 || fail ping "no overlay echo b -> a within 10 s"
pass ping "a <-> b before the kill ($(elapsed))"

# an ongoing ping session across the kill: 40 echoes, 0.25 s apart (10 s)
x a ping -n -c 40 -i 0.25 -W 1 10.9.0.2 >"$T/ping-across-kill.log" 2>&1 &
PING_PID=$!
PIDS+=("$PING_PID")
# the session is under way (answered) before the kill
answered() { [ "$(grep -c 'bytes from' "$T/ping-across-kill.log")" -ge "$1" ]; }
wait_until 5 answered 4 || fail ongoing "the ping session got no answers before the kill"
{
	kill -KILL "${ZPID[root0]}"
	wait_exit "${ZPID[root0]}" 5 || fail kill "root0 still alive after SIGKILL"
	wait "${ZPID[root0]}"
} 2>/dev/null
say "root0 ($R0) killed with SIGKILL"
wait_exit "$PING_PID" 20 || fail ongoing "the 10 s ping session did not end within 20 s"
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$T/ping-across-kill.log")
[ "${got:-0}" -ge 37 ] ||
	fail ongoing "ongoing ping across the kill: ${got:-0}/40 replies: $(tail -n 2 "$T/ping-across-kill.log" | tr '\n' ' ')"
pass ongoing "$got/40 echoes of a session running across the kill"

# a new session between members that had talked before
wait_until 10 ping_ok b 10.9.0.1 || fail new_session "no overlay echo b -> a within 10 s after the kill"
pass new_session "fresh ping b -> a after the kill"

# the nodes stay ONLINE with one root left
for m in a b; do is_online "$m" || fail online "$m OFFLINE after losing one of two roots"; done
pass online "a and b still ONLINE"

# a member that never talked to anyone: started now, with root0 dead
start_ztd c
wait_until 30 is_online c ||
	fail late_online "c not ONLINE within 30 s with root0 dead: $(cli c info 2>&1 | tr '\n' ' ')"
pass late_online "c ONLINE through root1 alone"
join_net c "$NWID" 10.9.0.3/24
t_join=$(now_ms)
wait_until 30 ping_ok c 10.9.0.1 ||
	fail new_pair "c -> a: no overlay echo within 30 s; c's peers: $(cli c listpeers 2>&1 | tr '\n' ' ')"
wait_until 10 ping_ok a 10.9.0.3 || fail new_pair "a -> c: no overlay echo within 10 s"
wait_until 10 ping_ok c 10.9.0.2 || fail new_pair "c -> b: no overlay echo within 10 s"
pass new_pair "c reaches a and b (new pairs) $(( $(now_ms) - t_join )) ms after joining"


# ---- no rollback to an older roots file (PROTOCOL.md §7) ----
# On a copy of a's home (a's ztd holds the lock on its own): its roots,
# signer pin and last accepted file.
ts=$(sed -n 's/^timestamp //p' "$T/roots")
old_ts=$((ts - 60000))
only0="${ROOTID[root0]}@${IP[root0]}/$ZT_PORT"
mkdir -p "$T/rollback"
cp "${HOME_OF[a]}/roots" "${HOME_OF[a]}/roots.signer" "${HOME_OF[a]}/roots.seen" "$T/rollback/" ||
	fail rollback_setup "a's home lacks roots, roots.signer or roots.seen: $(ls "${HOME_OF[a]}")"
grep -q " $ts " "$T/rollback/roots.seen" ||
	fail rollback_setup "roots.seen does not hold timestamp $ts: $(cat "$T/rollback/roots.seen")"
"$ZTROOT" mkroots -s "$T/signer.secret" -t "$old_ts" "$only0" >"$T/roots.older" ||
	fail rollback_setup "zt-root mkroots -t $old_ts failed"
"$ZTROOT" mkroots -s "$T/signer.secret" -t "$ts" "$only0" >"$T/roots.same_ts" ||
	fail rollback_setup "zt-root mkroots -t $ts failed"
expect_err rollback_arg "is older (timestamp $old_ts) than the one accepted before (timestamp $ts" \
	x a "$ZTD" -p 9997 -r "$T/roots.older" "$T/rollback"
expect_err rollback_same_ts "has the timestamp of the one accepted before ($ts" \
	x a "$ZTD" -p 9997 -r "$T/roots.same_ts" "$T/rollback"
# the copy in the home replaced behind ztd's back: refused at the restart
cp "$T/roots.older" "$T/rollback/roots"
expect_err rollback_home "roots file $T/rollback/roots is older (timestamp $old_ts)" \
	x a "$ZTD" -p 9997 "$T/rollback"
# on purpose: the old roots signed again (a newer timestamp) are taken
"$ZTROOT" mkroots -s "$T/signer.secret" "$only0" >"$T/roots.again" ||
	fail rollback_setup "zt-root mkroots failed"
new_ts=$(sed -n 's/^timestamp //p' "$T/roots.again")
[ "$new_ts" -gt "$ts" ] || fail rollback_again "mkroots gave timestamp $new_ts, not after $ts"
x a timeout 3 "$ZTD" -p 9997 -r "$T/roots.again" -v "$T/rollback" >"$T/rollback.log" 2>&1
rc=$?
[ $rc = 124 ] || fail rollback_again "ztd with the re-signed roots exited ($rc): $(tail -n 2 "$T/rollback.log")"
grep -q " $new_ts " "$T/rollback/roots.seen" ||
	fail rollback_again "roots.seen not moved to $new_ts: $(cat "$T/rollback/roots.seen")"
cmp -s "$T/roots.again" "$T/rollback/roots" || fail rollback_again "the home's roots is not the re-signed file"
pass rollback_again "the old roots signed again at $new_ts are taken"
