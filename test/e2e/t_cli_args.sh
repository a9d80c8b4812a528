#!/bin/bash
# SPDX-License-Identifier: MIT
# t_cli_args: zt-cli's argument handling. Every command listed by --help
# is accepted; a command given too many or too few arguments is refused
# with one line naming it and the usage that --help shows for it, exit
# status 1, and nothing changed on ztd; `set` on a network that is not
# joined is refused without joining it; the accepted forms still print
# zerotier-cli's shapes.  The file tools: zt-root refuses endpoints no
# peer can send to (0.0.0.0, broadcast, multicast, port 0, twice) with one
# line and writes nothing; mkroots/identity -o FILE replace FILE only on
# success; an invalid roots file is named with its line; each line of a
# networks.d entry that ztd ignores is logged once with file and line, and
# so is an identity.public that does not match the secret.
#
#            root0  203.0.113.2 (zt-root)
#              | r0
#   inet  router
#       | m1
#   a  198.18.1.2 (ztd), tap 10.9.0.1/24 on ff00000000000001
. "$(dirname "$0")/lib.sh"

NW2=ff00000000000002

lab_init

# ---- the command list, from --help (no ztd needed) ----
HELP=$("$ZTCLI" --help) || fail help "zt-cli --help exits non-zero"
# the rows under "commands:": "  <name> [args]  <what it does>"
CMDS=$(echo "$HELP" | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }' | sort -u)
for c in info join leave listnetworks listpeers peers set help; do
	echo "$CMDS" | grep -qx "$c" || fail help "--help does not list '$c': $(echo "$CMDS" | tr '\n' ' ')"
done
pass help "$(echo "$CMDS" | tr '\n' ' ')"

lab_basic a
pass setup "a online and joined after $(elapsed)"

# What a refused command must leave as it was: the networks, their saved
# entries and the TAPs.
state() {
	cli a listnetworks
	cli a -j listnetworks | grep -E '"(nwid|bridge|allow[A-Za-z]*)"'
	(cd "${HOME_OF[a]}/networks.d" && for f in *; do echo "$f $(md5sum <"$f")"; done)
	ip -n "$P-a" -o link show | awk '{ print $2 }' | sort
}
BEFORE=$(state)
echo "$BEFORE" | grep -q " $NWID " || fail setup "state lacks $NWID: $BEFORE"

# usage_err NAME CMD ARGV...: zt-cli ARGV... exits with status 1, one line
# on stderr and none on stdout, naming CMD and its usage as --help shows it
usage_err() {
	local name=$1 cmd=$2 out err rc use
	shift 2
	out=$(cli a "$@" 2>"$T/err")
	rc=$?
	err=$(cat "$T/err")
	[ $rc = 1 ] || fail "$name" "zt-cli $*: exit status $rc, want 1 (stdout '$out', stderr '$err')"
	[ -z "$out" ] || fail "$name" "zt-cli $*: printed '$out' on stdout"
	[ "$(echo "$err" | wc -l)" = 1 ] || fail "$name" "zt-cli $*: not one line: $err"
	case $err in "zt-cli: $cmd: "*"(usage: zt-cli $cmd"*")") ;;
	*) fail "$name" "zt-cli $*: '$err' does not name '$cmd' and its usage" ;; esac
	use=${err##*(usage: zt-cli }
	use=${use%)}
	echo "$HELP" | grep -qF "  $use  " || fail "$name" "usage '$use' is not the one --help shows"
	pass "$name" "$err"
}

# ---- too many arguments: refused, nothing done ----
for c in $CMDS; do
	case $c in
	join | leave) usage_err "extra_$c" "$c" "$c" "$NW2" junk ;;
	set) usage_err extra_set set set "$NWID" bridge=1 junk ;;
	*) usage_err "extra_$c" "$c" "$c" extra junk ;;
	esac
done
usage_err extra_leave_joined leave leave "$NWID" junk
usage_err extra_j info -j info extra

# ---- too few ----
usage_err missing_join join join
usage_err missing_leave leave leave
usage_err missing_set set set "$NWID"
usage_err missing_set_both set set
[ "$(state)" = "$BEFORE" ] || fail unchanged "a refused command changed ztd: $(diff <(echo "$BEFORE") <(state))"
pass unchanged "networks, saved entries and TAPs as before"

# ---- set on a network not joined ----
for kv in bridge=1 allowManaged=0 mssClamp=1200; do
	out=$(cli a set "$NW2" "$kv" 2>&1)
	rc=$?
	[ $rc = 1 ] || fail set_not_joined "set $NW2 $kv: exit status $rc, want 1: $out"
	[ "$out" = "zt-cli: not joined: zt-cli join $NW2 first" ] ||
		fail set_not_joined "set $NW2 $kv: '$out'"
done
[ "$(state)" = "$BEFORE" ] || fail set_not_joined "set joined or changed: $(diff <(echo "$BEFORE") <(state))"
[ -e "${HOME_OF[a]}/networks.d/$NW2.conf" ] && fail set_not_joined "$NW2 saved"
pass set_not_joined "$out"

# ---- the accepted forms keep their shapes and work ----
out=$(cli a info) && [[ $out =~ ^200\ info\ [0-9a-f]{10}\ 0\.1\.0\ ONLINE$ ]] || fail info "'$out'"
out=$(cli a set "$NWID" bridge=1) && [ "$out" = "200 set bridge=1" ] || fail set "'$out'"
cli a -j listnetworks | grep -q '"bridge": true' || fail set "bridge=1 not shown by -j listnetworks"
out=$(cli a set "$NWID" bridge=false) && [ "$out" = "200 set bridge=0" ] || fail set "'$out'"
[ "$(state)" = "$BEFORE" ] || fail set "bridge=0 did not restore the state: $(diff <(echo "$BEFORE") <(state))"
out=$(cli a -j set "$NWID" bridge=0) && echo "$out" | grep -q "\"nwid\": \"$NWID\"" || fail set_j "'$out'"
pass set "200 set bridge=1, then 0"

out=$(cli a join "$NW2") && [ "$out" = "200 join OK" ] || fail join "'$out'"
wait_until 15 tap_exists a "$NW2" || fail join "no TAP for $NW2"
out=$(cli a set "$NW2" allowManaged=0) && [ "$out" = "200 set allowManaged=0" ] || fail join "set after join: '$out'"
out=$(cli a leave "$NW2") && [ "$out" = "200 leave OK" ] || fail leave "'$out'"
[ "$(state)" = "$BEFORE" ] || fail leave "join + leave did not restore the state: $(diff <(echo "$BEFORE") <(state))"
pass join_leave "$NW2 joined, set, left"

out=$(cli a help) && [ "$out" = "$HELP" ] || fail help_cmd "zt-cli help differs from --help"
for c in listpeers peers; do
	out=$(cli a $c | head -n 1) &&
		[ "$out" = "200 listpeers <ztaddr> <path> <link> <latency> <version> <role> <since>" ] ||
		fail shapes "$c: '$out'"
done
pass shapes

# ---- zt-root: endpoints no peer can send to are refused, nothing written ----
# (one line naming the endpoint and what to give instead, exit status 1)
ID=${ROOTID[root0]}
cp "$T/roots" "$T/roots.keep"
for ep in 0.0.0.0/9993 255.255.255.255/9993 224.0.0.251/9993 239.1.2.3/9993 203.0.113.2/0 \
	::/9993 ff02::1/9993 fe80::1/9993 203.0.113.2 "203.0.113.2/9993,203.0.113.2/9993"; do
	out=$("$ZTROOT" mkroots -s "$T/signer.secret" -o "$T/roots" "$ID@$ep" 2>&1)
	rc=$?
	[ $rc = 1 ] || fail bad_endpoint "mkroots ...@$ep: exit status $rc, want 1: $out"
	[ "$(echo "$out" | wc -l)" = 1 ] || fail bad_endpoint "mkroots ...@$ep: not one line: $out"
	case $out in "zt-root: root ${ID%%:*} endpoint "*": "*) ;; *) fail bad_endpoint "mkroots ...@$ep: '$out'" ;; esac
	case $out in *"give "* | *"expected IP/PORT"*) ;; *) fail bad_endpoint "mkroots ...@$ep: '$out' does not say what to give" ;; esac
	cmp -s "$T/roots" "$T/roots.keep" || fail bad_endpoint "mkroots ...@$ep -o: the file changed"
done
for ep in 0.0.0.0/9993 255.255.255.255/9993 224.0.0.1/9993 203.0.113.2/0; do
	out=$(timeout 5 "$ZTROOT" -p 0 -e "$ep" "$T/rootx" 2>&1)
	rc=$?
	[ $rc = 1 ] || fail bad_endpoint "zt-root -e $ep: exit status $rc, want 1: $out"
	case $out in "zt-root: -e $ep: "*"give "*) ;; *) fail bad_endpoint "zt-root -e $ep: '$out'" ;; esac
done
out=$(timeout 5 "$ZTROOT" -p 0 -e 203.0.113.2/9993 -e 203.0.113.2/9993 "$T/rootx" 2>&1)
[ $? = 1 ] && [ "$out" = "zt-root: -e 203.0.113.2/9993: given twice (give each endpoint once, at most 16)" ] ||
	fail dup_endpoint "zt-root -e twice: '$out'"
# two roots on one endpoint
"$ZTROOT" genid "$T/other.secret" >"$T/other.public" || fail dup_endpoint "genid"
out=$("$ZTROOT" mkroots -s "$T/signer.secret" -o "$T/roots" "$ID@203.0.113.2/9993" \
	"$(cat "$T/other.public")@203.0.113.2/9993" 2>&1) && fail dup_endpoint "two roots on one endpoint accepted"
case $out in *"both give endpoint 203.0.113.2/9993"*) ;; *) fail dup_endpoint "'$out'" ;; esac
cmp -s "$T/roots" "$T/roots.keep" || fail dup_endpoint "the file changed"
pass bad_endpoint "$out"

# ---- -o FILE: written whole on success, left as it was on failure ----
out=$("$ZTROOT" mkroots -s "$T/nosuch.secret" -o "$T/roots" "$ID@203.0.113.2/9993" 2>&1) &&
	fail output "mkroots with a missing signer succeeded"
cmp -s "$T/roots" "$T/roots.keep" || fail output "a failed mkroots -o changed the file"
"$ZTROOT" mkroots -s "$T/signer.secret" -o "$T/roots.new" "$ID@203.0.113.2/9993" >"$T/mk.out" 2>&1 ||
	fail output "mkroots -o: $(cat "$T/mk.out")"
[ -s "$T/mk.out" ] && fail output "mkroots -o also printed: $(cat "$T/mk.out")"
"$ZTROOT" verifyroots "$T/roots.new" >/dev/null || fail output "mkroots -o wrote an invalid file"
[ "$(stat -c %a "$T/roots.new")" = 644 ] || fail output "roots file mode $(stat -c %a "$T/roots.new")"
"$ZTROOT" identity -o "$T/id.out" "$T/root0" || fail output "identity -o"
[ "$(cat "$T/id.out")" = "$ID" ] || fail output "identity -o wrote '$(cat "$T/id.out")'"
ls "$T" | grep -q '\.tmp$' && fail output "a temp file was left: $(ls "$T" | grep '\.tmp$')"
pass output "mkroots -o, identity -o"

# ---- an invalid roots file names its line ----
sed '3s/.*/timestamp soon/' "$T/roots.keep" >"$T/roots.bad"
out=$("$ZTROOT" verifyroots "$T/roots.bad" 2>&1) && fail roots_line "a bad roots file verified"
case $out in "zt-root: $T/roots.bad:3: "*) ;; *) fail roots_line "'$out' does not name line 3" ;; esac
pass roots_line "$out"

# ---- a networks.d entry: each line ztd ignores is logged once, with its
# file and line; the valid lines still apply ----
F=${HOME_OF[a]}/networks.d/$NWID.conf
kill_proc a TERM
printf 'bogus=1\nallowDNS=yes\nmssClamp=-5\n\n# a comment\ngarbage\nbridge=1\n' >>"$F"
N=$(wc -l <"$F")
PUB=${HOME_OF[a]}/identity.public
ID_A=$(cat "$PUB")
echo "0102030405:junk" >"$PUB"
start_ztd a
wait_online a
wait_until 10 tap_exists a "$NWID" || fail netfile "$NWID not rejoined"
for w in "$((N - 6)): ignoring 'bogus=1': unknown key" "$((N - 5)): ignoring 'allowDNS=yes': expected 0 or 1" \
	"$((N - 4)): ignoring 'mssClamp=-5': expected a number 0-86400" "$((N - 1)): ignoring 'garbage': not key=value"; do
	[ "$(grep -cF "$F:$w" "$T/a.log")" = 1 ] || fail netfile "'$F:$w' not logged once: $(grep -F "$F" "$T/a.log")"
done
[ "$(grep -cF "$F:" "$T/a.log")" = 4 ] || fail netfile "other lines logged: $(grep -F "$F:" "$T/a.log")"
cli a -j listnetworks | grep -q '"bridge": true' || fail netfile "bridge=1 on the last line not applied"
[ "$(grep -cF "$PUB:1: not the public form of" "$T/a.log")" = 1 ] || fail netfile "a wrong $PUB not logged once"
[ "$(cat "$PUB")" = "$ID_A" ] || fail netfile "$PUB not rewritten: $(cat "$PUB")"
pass netfile "4 lines logged with $F:<line>; a wrong identity.public logged and rewritten"
