#!/bin/bash
# SPDX-License-Identifier: MIT
# test/compat/zerotier-cli.sh: ZeroTier One's own zerotier-cli (1.14),
# unchanged, against ztd.  Every command of its help that talks to the
# service is run once, with -D<ztd home> (and -p/-T, -j where they apply),
# and its exit status and output are checked against what the same command
# prints against ZeroTier One; the last lines are a PASS/FAIL table.
#
#   ZEROTIER_CLI=/path/to/zerotier-cli make compat     (as root)
#
# Not part of `make test`: the real CLI is C++ from ZeroTier's tree and is
# not built here.  Build it from ZeroTier One's source (1.14.x):
#   make -j2 one ZT_SSO_SUPPORTED=0     (the zerotier-cli symlink it makes)
#
#   root0 203.0.113.2 (zt-root)     ctl 198.18.1.2 (zt-controller)
#   a 198.18.2.2 (ztd, where zerotier-cli runs)    b 198.18.3.2 (ztd)
set -u
TNAME=compat_zerotier_cli
. "$(dirname "$0")/../e2e/lib.sh"
ZTCTL=$B/zt-controller
[ -n "${ZEROTIER_CLI:-}" ] && [ -x "$ZEROTIER_CLI" ] ||
	{ echo "FAIL $TNAME: set ZEROTIER_CLI to ZeroTier One's zerotier-cli"; exit 1; }
[ -x "$ZTCTL" ] || { echo "FAIL $TNAME: $ZTCTL not built (run make)"; exit 1; }

lab_init
# zerotier-one picks its personality from argv[0]: call it zerotier-cli
mkdir -p "$T/bin" "$T/dump" "$T/empty"
ln -s "$(readlink -f "$ZEROTIER_CLI")" "$T/bin/zerotier-cli"
ZC=$T/bin/zerotier-cli
"$ZC" -v >"$T/zc-version" 2>&1 || fail setup "$ZEROTIER_CLI -v: $(cat "$T/zc-version")"
say "zerotier-cli $(cat "$T/zc-version")"

lab_root_ns root0 0
lab_member_ns ctl 1
lab_member_ns a 2
lab_member_ns b 3
start_root root0
make_roots "$T/roots" root0
mkdir -p "$T/ctl"
bg ctl ctl "$ZTCTL" -p "$ZT_PORT" -r "$T/roots" -v "$T/ctl"
ZPID["ctl"]=$LAST_PID
wait_until 15 test -s "$T/ctl/ztd.port" ||
	fail setup "zt-controller did not start: $(tail -n 3 "$T/ctl.log")"
CTL=$(cut -c1-10 "$T/ctl/identity.public")
start_ztd a
start_ztd b
wait_online a b
A=$(zt_addr a)
B_ADDR=$(zt_addr b)
ROOT=${ROOTID[root0]%%:*}
TOKEN=$(cat "$T/a/authtoken.secret")

# ctl METHOD PATH [BODY]: the controller's API, "<status> <body>"
ctl() {
	x ctl timeout 10 $PROBE http "$1" "http://127.0.0.1:$(cat "$T/ctl/ztd.port")$2" \
		"$(cat "$T/ctl/authtoken.secret")" "${3:-}"
}
out=$(ctl POST "/controller/network/${CTL}______" '{"name":"compat","private":true,
	"v4AssignMode":{"zt":true},"routes":[{"target":"10.8.0.0/24"}],
	"ipAssignmentPools":[{"ipRangeStart":"10.8.0.10","ipRangeEnd":"10.8.0.250"}]}')
case $out in "200 "*) ;; *) fail setup "create the network: $out" ;; esac
NW=$(echo "${out#200 }" | jq -r .id)
ADHOC=$NWID

# ---- the table ------------------------------------------------------------
ROWS=()
NFAIL=0
OUT=""
RC=0
# zc ARGS...: zerotier-cli in a's namespace with -D<a's home>; OUT, RC
zc() {
	OUT=$(x a timeout 20 "$ZC" "-D$T/a" "$@" 2>&1)
	RC=$?
}
# row COMMAND WANT_RC CHECK WHAT: one line of the table.  CHECK is a shell
# condition on $OUT (and $RC), run after the command; WHAT says what was
# expected.
row() {
	local cmd=$1 want=$2 check=$3 what=$4 res=OK first
	if [ "$RC" != "$want" ] || ! eval "$check" >/dev/null 2>&1; then
		res=FAIL
		NFAIL=$((NFAIL + 1))
		echo "FAIL $TNAME.$(echo "$cmd" | tr -c 'a-zA-Z0-9=\n' _): rc $RC (want $want), want $what; got: $(echo "$OUT" | head -n 6 | tr '\n' '|' | cut -c1-400)"
	else
		echo "PASS $TNAME.$(echo "$cmd" | tr -c 'a-zA-Z0-9=\n' _)"
	fi
	first=$(echo "$OUT" | grep -v '^$' | head -n 1 | cut -c1-70)
	ROWS+=("$(printf '%-40s %3s %-4s %s' "$cmd" "$RC" "$res" "$first")")
}
# line_of PATTERN: the first line of $OUT that awk PATTERN selects
line_of() { echo "$OUT" | awk "$1" | head -n 1; }
# the value of a field in the line of $OUT whose field K is V
field() { echo "$OUT" | awk -v k="$1" -v v="$2" -v f="$3" '$k == v { print $f; exit }'; }

# ---- status ----
zc info
row "info" 0 '[[ $OUT =~ ^200\ info\ $A\ [0-9]+\.[0-9]+\.[0-9]+\ ONLINE$ ]]' "200 info $A <version> ONLINE"
zc status
row "status" 0 '[[ $OUT =~ ^200\ info\ $A\ .*\ ONLINE$ ]]' "as info"
zc -j info
row "-j info" 0 'echo "$OUT" | jq -e --arg a "$A" ".address == \$a and .online == true and .tcpFallbackActive == false"' "/status as JSON"
zc /status
row "/status (raw GET)" 0 'echo "$OUT" | jq -e --arg a "$A" ".address == \$a"' "the body of GET /status"
OUT=$(x a timeout 20 "$ZC" "-D$T/empty" -p"$ZT_PORT" -T"$TOKEN" info 2>&1); RC=$?
row "-p9993 -T<token> info (no -D files)" 0 '[[ $OUT =~ ^200\ info\ $A\  ]]' "info found with the port and token given"
zc -Twrongtoken info
row "-T<wrong token> info" 1 '[[ $OUT == "401 info "* ]]' "401 info <error body>"

# ---- networks ----
zc join "$NW"
row "join <managed nwid>" 0 '[ "$OUT" = "200 join OK" ]' "200 join OK"
zc -j join "$ADHOC"
row "-j join <ad-hoc nwid>" 0 'echo "$OUT" | jq -e --arg n "$ADHOC" ".nwid == \$n and .id == \$n"' "the network object"
ctl POST "/controller/network/$NW/member/$A" '{"authorized":true}' | grep -q '^200 ' || fail setup "authorize a"
out=$(cli b join "$NW" 2>&1) || fail setup "b join: $out"
ctl POST "/controller/network/$NW/member/$B_ADDR" '{"authorized":true}' | grep -q '^200 ' || fail setup "authorize b"
ip4_of() { cli "$1" -j listnetworks 2>/dev/null | jq -r --arg n "$NW" '.[] | select(.nwid == $n) | .assignedAddresses[] | select(test("\\.")) | sub("/.*"; "")' | head -n 1; }
has_ip4() { [ -n "$(ip4_of "$1")" ]; }
wait_until 20 has_ip4 a || fail setup "a got no address on $NW: $(cli a listnetworks | tr '\n' ' ')"
wait_until 20 has_ip4 b || fail setup "b got no address on $NW"
IPA=$(ip4_of a)
IPB=$(ip4_of b)
wait_until 15 ping_ok a "$IPB" || fail setup "a cannot ping b ($IPB) on $NW"
wait_until 15 path_is a "$B_ADDR" DIRECT || fail setup "no direct path a -> b"
DEV=$(tap_of a "$NW")

zc listnetworks
hdr='200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>'
row "listnetworks" 0 '[ "$(echo "$OUT" | head -n 1)" = "$hdr" ] &&
	[ "$(line_of "\$3 == \"$NW\" { print NF, \$4, \$6, \$7, \$8 }")" = "9 compat OK PRIVATE $DEV" ] &&
	[[ $(field 3 "$NW" 9) == *"$IPA"/24* ]] &&
	[ "$(line_of "\$3 == \"$ADHOC\" { print NF, \$4, \$6, \$7 }")" = "9 $ADHOC OK PUBLIC" ]' \
	"the header, then 9 columns a network (name, OK, PRIVATE/PUBLIC, dev, ips)"
echo "$OUT" | sed "s/^/#   /"
zc -j listnetworks
row "-j listnetworks" 0 'echo "$OUT" | jq -e --arg n "$NW" "length == 2 and any(.[]; .nwid == \$n and .id == \$n and .status == \"OK\")"' "both networks as JSON"

# ---- peers ----
zc listpeers
row "listpeers" 0 '[ "$(echo "$OUT" | head -n 1)" = "200 listpeers <ztaddr> <path> <latency> <version> <role>" ] &&
	[[ $(field 3 "$B_ADDR" 4) =~ ^198\.18\.3\.2/$ZT_PORT\;[0-9]+\;[0-9]+$ ]] &&
	[ "$(field 3 "$B_ADDR" 7)" = LEAF ] && [ "$(field 3 "$B_ADDR" 5)" -ge 0 ] &&
	[ "$(field 3 "$ROOT" 7)" = PLANET ]' "b LEAF with its direct path, the root PLANET"
echo "$OUT" | sed "s/^/#   /"
zc peers
row "peers" 0 '[ "$(echo "$OUT" | sed -n 2p)" = "<ztaddr>   <ver>  <role> <lat> <link>   <lastTX> <lastRX> <path>" ] &&
	[ "$(field 1 "$B_ADDR" 3),$(field 1 "$B_ADDR" 5),$(field 1 "$B_ADDR" 8)" = "LEAF,DIRECT,198.18.3.2/$ZT_PORT" ] &&
	[ "$(field 1 "$ROOT" 3)" = PLANET ] && ! echo "$OUT" | grep -q NOTE' "b LEAF DIRECT with its path, the root PLANET"
echo "$OUT" | sed "s/^/#   /"
zc -j peers
row "-j peers" 0 'echo "$OUT" | jq -e --arg b "$B_ADDR" "any(.[]; .address == \$b and .paths[0].preferred)"' "/peer as JSON"
zc -j listpeers
row "-j listpeers" 0 'echo "$OUT" | jq -e --arg r "$ROOT" "any(.[]; .address == \$r and .role == \"PLANET\")"' "/peer as JSON"

# ---- set / get ----
for s in allowManaged allowGlobal allowDefault allowDNS; do
	order="1 0"
	[ $s = allowManaged ] && order="0 1"   # on by default: off first
	for v in $order; do
		jv=$([ $v = 1 ] && echo true || echo false)
		zc set "$NW" "$s=$v"
		row "set <nwid> $s=$v" 0 'echo "$OUT" | jq -e --arg n "$NW" ".id == \$n and .$s == $jv"' "the network object with $s $jv"
		zc get "$NW" "$s"
		row "get <nwid> $s" 0 '[ "$OUT" = "$v" ]' "$v"
	done
done
# allowManaged went off and on: the address must be back
wait_until 10 has_ip4 a || fail set "a's managed address is not back after allowManaged=1"
for g in "name compat" "status OK" "type PRIVATE" "portDeviceName $DEV" "nwid $NW" "mtu 2800"; do
	zc get "$NW" "${g%% *}"
	row "get <nwid> ${g%% *}" 0 '[ "$OUT" = "${g#* }" ]' "${g#* }"
done
zc get "$NW" mac
row "get <nwid> mac" 0 '[[ $OUT =~ ^([0-9a-f]{2}:){5}[0-9a-f]{2}$ ]]' "a MAC"
zc get "$NW" ip
row "get <nwid> ip" 0 '[ "$OUT" = "$IPA" ]' "$IPA"
zc get "$NW" ip4
row "get <nwid> ip4" 0 '[ "$OUT" = "$IPA" ]' "$IPA"
zc get "$NW" ip6
row "get <nwid> ip6" 0 '[ -z "$OUT" ]' "nothing (no IPv6 assigned)"
for g in ip6plane ip6prefix; do
	zc get "$NW" $g
	row "get <nwid> $g" 0 '[ -z "$OUT" ]' "nothing (no 6PLANE address)"
done
zc get "$NW" nosuchsetting
row "get <nwid> <unknown setting>" 0 '[ "$OUT" = "error, unknown property name" ]' "ZeroTier's 'error, unknown property name'"
zc get ffffffffffffff00 name
row "get <nwid not joined> name" 0 '[ "$OUT" = "unknown network ID, check that you are a member of the network" ]' "ZeroTier's 'unknown network ID'"

# ---- moons, bonds: ztd has neither ----
zc listmoons
row "listmoons" 0 '[ "$OUT" = "[]" ]' "[] (no moons)"
zc orbit deadbeef00 deadbeef00
row "orbit <id> <seed> (unsupported)" 1 '[[ $OUT == "404 orbit "*"moons"* ]]' "404 orbit with the reason (roots file, no moons)"
zc deorbit deadbeef00
row "deorbit <id>" 0 '[ "$OUT" = "200 deorbit OK" ]' "200 deorbit OK (as ZeroTier for a moon it does not orbit)"
zc listbonds
row "listbonds" 0 '[ "$(echo "$OUT" | sed -n 2p | tr -s " \t" " ")" = " NONE NONE NONE NONE" ]' "no bonds (NONE)"
zc bond list
row "bond list" 0 'echo "$OUT" | grep -q NONE' "no bonds (NONE)"
zc bond "$B_ADDR" show
row "bond <peer> show (unsupported)" 1 '[[ $OUT == "400 bond "*"bond"* ]]' "400 as ZeroTier without bonding, with the reason"
zc bond "$B_ADDR" rotate
row "bond <peer> rotate (unsupported)" 1 '[[ $OUT == "400 bond "*"bond"* ]]' "400 as ZeroTier without bonding, with the reason"

# ---- dump: writes zerotier_dump.txt in the current directory ----
OUT=$(cd "$T/dump" && x a timeout 20 "$ZC" "-D$T/a" dump 2>&1); RC=$?
row "dump" 0 '[ "$OUT" = "Writing dump to: $T/dump/zerotier_dump.txt" ] &&
	grep -q "\"address\":\"$A\"" "$T/dump/zerotier_dump.txt" &&
	grep -q "$NW" "$T/dump/zerotier_dump.txt" && grep -q "$B_ADDR" "$T/dump/zerotier_dump.txt"' \
	"the dump with status, networks and peers"

# ---- the controller's own port (ZeroTier's controller lives in a node) ----
zcc() { OUT=$(x ctl timeout 20 "$ZC" "-D$T/ctl" "$@" 2>&1); RC=$?; }
zcc info
row "info (zt-controller)" 0 '[[ $OUT =~ ^200\ info\ $CTL\ [0-9.]+\ ONLINE$ ]]' "200 info $CTL <version> ONLINE"
zcc listpeers
row "listpeers (zt-controller)" 0 '[ "$(field 3 "$A" 7)" = LEAF ] && [ "$(field 3 "$ROOT" 7)" = PLANET ]' "its members LEAF, the root PLANET"
zcc peers
row "peers (zt-controller)" 0 '[ "$(field 1 "$A" 3)" = LEAF ]' "its members LEAF"
zcc listnetworks
row "listnetworks (zt-controller)" 0 '[ "$OUT" = "$hdr" ]' "the header alone (it joins no network)"
zcc listmoons
row "listmoons (zt-controller)" 0 '[ "$OUT" = "[]" ]' "[]"

# ---- leave ----
zc leave "$ADHOC"
row "leave <nwid>" 0 '[ "$OUT" = "200 leave OK" ]' "200 leave OK"
zc listnetworks
row "listnetworks (after leave)" 0 '! echo "$OUT" | grep -q "$ADHOC" && echo "$OUT" | grep -q "$NW"' "the managed network alone"
zc leave "$ADHOC"
row "leave <nwid not joined>" 0 '[ "$OUT" = "200 leave OK" ]' "200 leave OK (as ZeroTier)"

echo
printf '%-40s %3s %-4s %s\n' "zerotier-cli $(cat "$T/zc-version") command" rc res "output (first line)"
printf '%s\n' "${ROWS[@]}"
echo "$(( ${#ROWS[@]} - NFAIL )) of ${#ROWS[@]} OK"
[ "$NFAIL" = 0 ] || { FAILED=1; exit 1; }
