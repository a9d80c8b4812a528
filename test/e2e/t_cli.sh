#!/bin/bash
# SPDX-License-Identifier: MIT
# t_cli: the user-facing surface of ztd, zt-cli and zt-root: zerotier-cli
# output shapes, the JSON API (auth, 400/401/404/405/413), one-line errors
# (bad id, wrong token, ztd not running, TAP cannot be created), networks
# rejoined after a restart, leave removing the TAP and the saved network.
#
#            root0  203.0.113.2 (zt-root)
#              | r0
#   inet  router
#       | m1                       | m2
#   a  198.18.1.2 (ztd)         b  198.18.2.2 (ztd)
#      tap 10.9.0.1/24  <== ff00000000000001 ==>  tap 10.9.0.2/24
. "$(dirname "$0")/lib.sh"

NW2=ff00000000000002

lab_init
for p in "$ZTD" "$ZTCLI" "$ZTROOT"; do
	"$p" --help >/dev/null 2>&1 || fail help "$(basename "$p") --help exits non-zero"
done
pass help

lab_basic a b
pass setup "a and b online and joined after $(elapsed)"

# ---- zerotier-cli shapes ----
out=$(cli a info)
[[ $out =~ ^200\ info\ [0-9a-f]{10}\ 0\.1\.0\ ONLINE$ ]] || fail info "zt-cli info: '$out'"
pass info "$out"

out=$(cli a listnetworks)
[ "$(echo "$out" | head -n 1)" = "200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>" ] ||
	fail listnetworks "header: '$(echo "$out" | head -n 1)'"
row=$(echo "$out" | sed -n 2p)
[[ $row =~ ^200\ listnetworks\ $NWID\ $NWID\ ([0-9a-f]{2}:){5}[0-9a-f]{2}\ OK\ PUBLIC\ zt[a-z2-7]{8}\ -$ ]] ||
	fail listnetworks "row: '$row'"
pass listnetworks "$row"

ADDR_B=$(zt_addr b)
wait_until 10 path_is a "$ADDR_B" DIRECT || fail listpeers "b not DIRECT from a"
out=$(cli a listpeers)
[ "$(echo "$out" | head -n 1)" = "200 listpeers <ztaddr> <path> <link> <latency> <version> <role> <since>" ] ||
	fail listpeers "header: '$(echo "$out" | head -n 1)'"
echo "$out" | grep -Eq "^200 listpeers [0-9a-f]{10} DIRECT ${IP[root0]}/$ZT_PORT -?[0-9]+ [0-9]+\.[0-9]+\.[0-9]+ PLANET [0-9]+$" ||
	fail listpeers "no PLANET line for root0: $(echo "$out" | tr '\n' '|')"
echo "$out" | grep -Eq "^200 listpeers $ADDR_B DIRECT ${IP[b]}/[0-9]+ -?[0-9]+ [0-9]+\.[0-9]+\.[0-9]+ LEAF [0-9]+$" ||
	fail listpeers "no LEAF line for b: $(echo "$out" | tr '\n' '|')"
pass listpeers

# -j: the API's JSON, with ZeroTier's field names
# json_ok WHAT FILTER CMD...: CMD's JSON satisfies FILTER (jq -e: true)
json_ok() {
	local what=$1 f=$2 out
	shift 2
	out=$("$@" 2>&1) || fail json "$what: $out"
	echo "$out" | jq -e "$f" >/dev/null || fail json "$what: not ($f): $(echo "$out" | tr -d '\n\t' | head -c 300)"
}
json_ok "listnetworks fields" '.[0] | has("id", "nwid", "name", "mac", "status", "type", "mtu",
	"portDeviceName", "assignedAddresses", "routes", "adhoc", "membersKnown")' cli a -j listnetworks
json_ok listnetworks '.[0] | .mtu == 2800 and .adhoc == true and .membersKnown >= 1' cli a -j listnetworks
# The version is the file VERSION's, in the API and in every --version.
V=$(cat "$TOP/VERSION")
IFS=. read -r VMAJ VMIN VREV <<<"$V"
json_ok info ".online == true and .version == \"$V\" and .versionMajor == $VMAJ and
	.versionMinor == $VMIN and .versionRev == ${VREV%%[!0-9]*} and
	.config.settings.primaryPort == 9993 and (.counters | has(\"rx_packets\")) and
	.reflectedAddresses == [\"198.18.1.2/9993\"]" cli a -j info
for p in "$ZTD" "$ZTCLI" "$ZTROOT" "$B/zt-controller"; do
	out=$("$p" --version 2>&1)
	[ "$out" = "$(basename "$p") $V" ] || fail version "$p --version: '$out', want '$(basename "$p") $V'"
done
pass version "$V in /status and every --version"
json_ok listpeers '[.[] | select(.role == "PLANET")] | length == 1 and
	(.[0] | .pathType == "DIRECT" and .paths[0].active == true)' cli a -j listpeers
pass json

# ---- one-line errors, exit status 1 ----
expect_err bad_nwid "invalid network id 'ff0000000000001': expected 16 hex digits" cli a join ff0000000000001
expect_err bad_token "ztd refused the auth token" cli a -T wrongtoken info
expect_err not_running "cannot connect to ztd at 127.0.0.1:9" cli a -p 9 info
# leaving a network never joined: ZeroTier's 200 {} and "200 leave OK",
# with a note on stderr
out=$(cli a leave $NW2 2>"$T/leave.err") && [ "$out" = "200 leave OK" ] ||
	fail not_member "leave $NW2 (not joined): '$out'"
[ "$(cat "$T/leave.err")" = "zt-cli: was not a member of network $NW2: nothing to leave" ] ||
	fail not_member "stderr: '$(cat "$T/leave.err")'"
pass not_member "$(cat "$T/leave.err")"

# ---- the API directly ----
api() { # METHOD PATH TOKEN BODY -> "status body"
	x a timeout 10 $PROBE http "$1" "http://127.0.0.1:9993$2" "$3" "$4"
}
TOK=$(cat "${HOME_OF[a]}/authtoken.secret")
check_api() { # NAME WANT_STATUS WANT_SUBSTRING METHOD PATH TOKEN [BODY]
	local name=$1 st=$2 want=$3 out
	shift 3
	out=$(api "$1" "$2" "$3" "${4:-}" 2>&1)
	case $out in "$st "*"$want"*) ;; *) fail "$name" "$1 $2: '$out', want $st ...$want..." ;; esac
	pass "$name" "$out"
}
check_api api_401 401 '"error"' GET /status ""
check_api api_token 200 '"address"' GET /status "$TOK"
check_api api_bearer 200 '"address"' GET /status "Bearer $TOK"
check_api api_401_wrong 401 '"error"' GET /status "Bearer x$TOK"
check_api api_404 404 '"error"' GET /nosuch "$TOK"
check_api api_405 405 '"error"' PUT /status "$TOK"
# ZeroTier 1.14's answers to an unknown peer and to leaving a network not
# joined: 200 and an empty object
for q in "GET /peer/0102030405" "DELETE /network/$NW2"; do
	# shellcheck disable=SC2086 # method and path
	out=$(api $q "$TOK" "" 2>&1)
	[ "$out" = "200 {}" ] || fail api_200_empty "$q: '$out', want '200 {}'"
done
pass api_200_empty "GET /peer/<unknown>, DELETE /network/<not joined>: 200 {}"
out=$(api GET /moon/0102030405 "$TOK" "" 2>&1) && [ "$out" = "200 {}" ] || fail api_moon "GET /moon/<id>: '$out'"
check_api api_deorbit 200 '"result":true' DELETE /moon/0102030405 "$TOK"
check_api api_orbit 404 'roots come from the signed roots file' POST /moon/0102030405 "$TOK" '{"seed":"0102030405"}'
check_api api_put 200 '"allowDNS":false' PUT /network/$NWID "$TOK" '{"allowDNS":false}'
check_api api_400_id 400 "invalid network id 'zz': expected 16 hex digits" GET /network/zz "$TOK"
check_api api_400_json 400 'invalid request body' POST /network/$NW2 "$TOK" '{"allowManaged": 1}'
check_api api_413 413 '"error"' POST /network/$NW2 "$TOK" "$(head -c 70000 /dev/zero | tr '\0' ' ')"
check_api api_network 200 "\"portDeviceName\":\"${TAP[a]}\"" GET /network/$NWID "$TOK"
cli a listnetworks | grep -q " $NW2 " && fail api_400_json "a bad body joined $NW2 anyway"

# ---- a join whose TAP cannot be created fails cleanly ----
# The TAP name is deterministic; a device of that name already exists.
# (zt + the 40-bit fold of the network id in base32: the same as ztd's)
tap_name() { # NWID
	local n=$((16#$1)) f i out=zt b32=abcdefghijklmnopqrstuvwxyz234567
	f=$(( (n ^ ((n >> 40) & 0xffffff)) & 0xffffffffff ))
	for i in 0 1 2 3 4 5 6 7; do out+=${b32:$(( (f >> (35 - 5 * i)) & 31 )):1}; done
	echo "$out"
}
[ "$(tap_name $NWID)" = "${TAP[a]}" ] || fail tap_busy "tap_name gives $(tap_name $NWID) for $NWID, ztd named it ${TAP[a]}"
dev2=$(tap_name $NW2)
x a ip tuntap add dev "$dev2" mode tap || fail tap_busy "ip tuntap add $dev2"
expect_err tap_busy "cannot create TAP device $dev2 for network $NW2" cli a join $NW2
cli a listnetworks | grep -q " $NW2 " && fail tap_busy "$NW2 listed after a failed join"
[ -e "${HOME_OF[a]}/networks.d/$NW2.conf" ] && fail tap_busy "$NW2 saved after a failed join"
x a ip tuntap del dev "$dev2" mode tap
out=$(cli a join $NW2) || fail tap_free "join after the device is gone: $out"
[ "$(tap_of a $NW2)" = "$dev2" ] || fail tap_free "device '$(tap_of a $NW2)', want $dev2"
pass tap_free "$dev2"

# ---- restart: both networks come back, the overlay works again ----
kill_proc a TERM
ip -n "$P-a" link show dev "${TAP[a]}" >/dev/null 2>&1 && fail restart "TAP ${TAP[a]} left after ztd stopped"
start_ztd a
wait_online a
wait_until 10 tap_exists a $NWID || fail restart "$NWID not rejoined"
wait_until 10 tap_exists a $NW2 || fail restart "$NW2 not rejoined"
ip -n "$P-a" addr add 10.9.0.1/24 dev "${TAP[a]}"
wait_until 20 ping_ok a 10.9.0.2 || fail restart "no echo reply a -> b after the restart"
pass restart "rejoined both, ping ok after $(elapsed)"

# ---- leave ----
out=$(cli a leave $NW2)
[ "$out" = "200 leave OK" ] || fail leave "'$out'"
ip -n "$P-a" link show dev "$dev2" >/dev/null 2>&1 && fail leave "$dev2 still exists"
[ -e "${HOME_OF[a]}/networks.d/$NW2.conf" ] && fail leave "$NW2.conf still saved"
cli a listnetworks | grep -q " $NW2 " && fail leave "$NW2 still listed"
pass leave

# ---- second daemon on the same home; roots signed by another key ----
expect_err home_locked "another ztd (pid ${ZPID[a]}) is using ${HOME_OF[a]}" x a timeout 10 "$ZTD" -p 9999 "${HOME_OF[a]}"
"$ZTROOT" genid "$T/other.secret" >/dev/null
"$ZTROOT" mkroots -s "$T/other.secret" "${ROOTID[root0]}@${IP[root0]}/$ZT_PORT" >"$T/roots.other"
mkdir -p "$T/pinned"
cp "${HOME_OF[b]}/roots.signer" "$T/pinned/" || fail roots_pinned "b pinned no roots signer"
expect_err roots_pinned "delete $T/pinned/roots.signer to trust the new signer" \
	x b timeout 10 "$ZTD" -p 9998 -r "$T/roots.other" "$T/pinned"
sed 's/^timestamp .*/timestamp 1/' "$T/roots.other" >"$T/roots.bad"
expect_err roots_tampered "is not a valid roots file" "$ZTROOT" verifyroots "$T/roots.bad"
