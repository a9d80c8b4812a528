#!/bin/bash
# SPDX-License-Identifier: MIT
# t_api_schema: ZeroTier's service and controller APIs, field for field and
# value for value.  Every object ztd and zt-controller answer is checked
# against the key/type sets of test/schema/ (ZeroTier 1.14's); the
# controller is driven with the requests the third-party web UIs send
# (ztncui, ZeroUI, ztnet: string booleans, partial objects, numbers as
# strings, activeBridge as a string) and must act on them.
#
#   root0 203.0.113.2 (zt-root)     ctl 198.18.1.2 (zt-controller)
#   a 198.18.2.2   b 198.18.3.2 (ztd; ad-hoc $NWID, and the managed network)
set -u
. "$(dirname "$0")/lib.sh"
SCHEMA=$TOP/test/schema
CHECK="python3 $E2E_DIR/apischema.py"

lab_init
lab_ctl a b
start_ztd a
# a token file from an older zt, with a line end: ztd rewrites it without
mkdir -p "$T/b"
printf 'oldstyletoken0123456789\n' >"$T/b/authtoken.secret"
chmod 600 "$T/b/authtoken.secret"
start_ztd b
wait_online a b
for m in a b; do join_net "$m" "$NWID" "10.9.0.$([ $m = a ] && echo 1 || echo 2)/24"; done

# api NAME METHOD PATH [BODY [AUTH]]: NAME's API (ztd's or the
# controller's); prints "<status> <body>"
api() {
	local n=$1 home=$T/$1 tok
	tok=${5-$(cat "$home/authtoken.secret")}
	x "$n" timeout 10 $PROBE http "$2" "http://127.0.0.1:$(cat "$home/ztd.port")$3" "$tok" "${4:-}"
}
# fits NAME SCHEMA [--each] METHOD PATH [BODY]: a 200 answer that fits
fits() {
	local n=$1 s=$2 each="" out why
	shift 2
	[ "$1" = --each ] && { each=--each; shift; }
	out=$(api "$n" "$@")
	case $out in "200 "*) ;; *) fail "$s" "$n: $1 $2: '$out'" ;; esac
	why=$(echo "${out#200 }" | $CHECK "$SCHEMA/$s.json" $each) ||
		fail "$s" "$n: $1 $2 does not fit test/schema/$s.json: $(echo "$why" | head -n 5 | tr '\n' ';') in ${out:0:400}"
	LAST=${out#200 }
}
# error_fits NAME STATUS METHOD PATH [BODY [AUTH]]: an error of that status
# in ZeroTier's shape
error_fits() {
	local n=$1 st=$2 out why
	shift 2
	out=$(api "$n" "$@")
	case $out in "$st "*) ;; *) fail error "$n: $1 $2: '$out', want $st" ;; esac
	why=$(echo "${out#"$st" }" | $CHECK "$SCHEMA/service_error.json") ||
		fail error "$n: $1 $2 ($st): $why: ${out:0:300}"
	[ "$(echo "${out#"$st" }" | jq .error)" = "$st" ] || fail error "$n: .error is not $st: $out"
}

# ---- a managed network, made the way the web UIs make one ----
# ZeroUI: the whole config at once, with its default rules
out=$(api ctl POST "/controller/network/${CTL}______" '{"name":"new-net-1","private":true,
	"v6AssignMode":{"rfc4193":false,"6plane":false,"zt":false},"v4AssignMode":{"zt":true},
	"routes":[{"target":"10.8.0.0/24","via":null,"flags":0,"metric":0}],
	"ipAssignmentPools":[{"ipRangeStart":"10.8.0.10","ipRangeEnd":"10.8.0.250"}],
	"enableBroadcast":true,"rules":[{"type":"MATCH_ETHERTYPE","not":true,"or":false,
	"etherType":2048},{"type":"ACTION_DROP"},{"type":"ACTION_ACCEPT"}]}')
case $out in "200 "*) ;; *) fail ui_create "ZeroUI's create: $out" ;; esac
NW=$(echo "${out#200 }" | jq -r .id)
# ztncui: the name alone, then its "easy setup" and its forms
fits ctl controller_network POST "/controller/network/${CTL}______" '{"name":"ztncui"}'
NW2=$(echo "$LAST" | jq -r .id)
fits ctl controller_network POST "/controller/network/$NW2" '{"ipAssignmentPools":[{"ipRangeStart":"10.7.0.1","ipRangeEnd":"10.7.0.9"}],"routes":[{"target":"10.7.0.0/24","via":null}],"v4AssignMode":{"zt":true}}'
fits ctl controller_network POST "/controller/network/$NW2" '{"v4AssignMode":{}}'
[ "$(echo "$LAST" | jq .v4AssignMode.zt)" = false ] || fail ui_modes "ztncui's unchecked box did not turn v4AssignMode.zt off: $LAST"
fits ctl controller_network POST "/controller/network/$NW2" '{"v4AssignMode":{"zt":"true"},"v6AssignMode":{"rfc4193":"true"},"private":"false"}'
[ "$(echo "$LAST" | jq -c '[.v4AssignMode.zt, .v6AssignMode.rfc4193, .v6AssignMode["6plane"], .private]')" = '[true,true,false,false]' ] ||
	fail ui_modes "ztncui's string booleans: $LAST"
# ZeroUI's text fields: numbers as strings
fits ctl controller_network POST "/controller/network/$NW2" '{"multicastLimit":"64","mtu":"2800"}'
[ "$(echo "$LAST" | jq -c '[.multicastLimit, .mtu]')" = '[64,2800]' ] || fail ui_numbers "$LAST"
# ztnet: create with name, private and the pools in one body
fits ctl controller_network POST "/controller/network/${CTL}______" '{"name":"ztnet","private":true,"ipAssignmentPools":[{"ipRangeStart":"10.6.0.1","ipRangeEnd":"10.6.0.254"}],"routes":[{"target":"10.6.0.0/24"}],"v4AssignMode":{"zt":true}}'
pass ui_networks "ZeroUI's, ztncui's and ztnet's network requests accepted and applied (string booleans, partial objects, numbers as strings)"

# ---- members: ztncui's string booleans must take effect ----
for m in a b; do out=$(cli "$m" join "$NW" 2>&1) || fail join "$m: $out"; done
ADDR_A=$(zt_addr a)
ADDR_B=$(zt_addr b)
st_is() { [ "$(status_of "$1")" = "$2" ]; }
wait_until 20 st_is a ACCESS_DENIED || fail member "a not ACCESS_DENIED before authorization: $(cli a listnetworks | tr '\n' ' ')"
fits ctl controller_member POST "/controller/network/$NW/member/$ADDR_A" '{"authorized":"true"}'
[ "$(echo "$LAST" | jq .authorized)" = true ] || fail ui_authorize "$LAST"
wait_until 15 st_is a OK || fail ui_authorize "a not OK after {\"authorized\":\"true\"}: $(cli a listnetworks | tr '\n' ' ')"
fits ctl controller_member POST "/controller/network/$NW/member/$ADDR_A" '{"activeBridge":"true"}'
[ "$(echo "$LAST" | jq -c '[.authorized, .activeBridge]')" = '[true,true]' ] || fail ui_bridge "$LAST"
wait_until 10 eval "cli a -j listnetworks | jq -e '.[] | select(.nwid == \"$NW\") | .bridge == true'" ||
	fail ui_bridge "a's network does not show bridge=true after {\"activeBridge\":\"true\"}"
fits ctl controller_member POST "/controller/network/$NW/member/$ADDR_B" '{"authorized":1}'
wait_until 15 st_is b OK || fail ui_authorize "b not OK after {\"authorized\":1}"
fits ctl controller_member POST "/controller/network/$NW/member/$ADDR_B" '{"authorized":"false"}'
wait_until 20 eval '! st_is b OK' || fail ui_deauthorize "b still OK after {\"authorized\":\"false\"}"
# ZeroUI deletes a member and posts its defaults back
out=$(api ctl DELETE "/controller/network/$NW/member/$ADDR_B")
case $out in "200 "*) ;; *) fail ui_delete "$out" ;; esac
fits ctl controller_member POST "/controller/network/$NW/member/$ADDR_B" '{"authorized":false,"ipAssignments":[],"capabilities":[],"tags":[]}'
pass ui_members "string and number booleans authorize, bridge and deauthorize members"

# ---- every object of the controller fits ZeroTier's ----
fits ctl controller_status GET /controller
fits ctl controller_network GET "/controller/network/$NW"
fits ctl controller_member GET "/controller/network/$NW/member/$ADDR_A"
fits ctl controller_member_list GET "/controller/network/$NW/member"
# ZeroTier's one-request lists (/unstable), which ztnet and others read:
# every object in "data" fits as it does alone, counts in "meta"
out=$(api ctl GET "/unstable/controller/network/$NW/member")
case $out in "200 "*) ;; *) fail unstable "GET /unstable/.../member: $out" ;; esac
echo "${out#200 }" | jq -c .data | $CHECK "$SCHEMA/controller_member.json" --each >/dev/null ||
	fail unstable "a member in /unstable/.../member does not fit: ${out:0:300}"
echo "${out#200 }" | jq -e '(.data | length) == .meta.totalCount and .meta.authorizedCount >= 1' >/dev/null ||
	fail unstable "meta does not count the members: ${out:0:300}"
out=$(api ctl GET /unstable/controller/network)
echo "${out#200 }" | jq -c '[.data[] | del(.meta)]' | $CHECK "$SCHEMA/controller_network.json" --each >/dev/null ||
	fail unstable "a network in /unstable/controller/network does not fit: ${out:0:300}"
echo "${out#200 }" | jq -e --arg nw "$NW" '.meta.networkCount == (.data | length) and
	([.data[] | select(.id == $nw) | .meta.totalMemberCount] == [2])' >/dev/null ||
	fail unstable "networks or members not counted: ${out:0:400}"
fits ctl service_status GET /status
[ "$(echo "$LAST" | jq -r .address)" = "$CTL" ] || fail ctl_status "$LAST"
has_peer() { api ctl GET "/peer/$1" | grep -q '^200 {.*"address"'; }
wait_until 10 has_peer "$ADDR_A" || fail ctl_peer "the controller does not list its member a: $(api ctl GET /peer)"
fits ctl service_peer --each GET /peer
fits ctl service_peer GET "/peer/$ADDR_A"
[ "$(echo "$LAST" | jq -r '.role')" = LEAF ] || fail ctl_peer "a's role on the controller: $LAST"
echo "$LAST" | jq -e '.latency >= 0 and (.paths | length) == 1 and .paths[0].active' >/dev/null ||
	fail ctl_peer "a on the controller has no latency or path: $LAST"
# peers tell each other their software version (VERSION, doc/PROTOCOL.md §5)
VER=$("$ZTD" --version | awk '{print $2}' | grep -oE '^[0-9]+\.[0-9]+\.[0-9]+')
[ -n "$VER" ] || fail version "ztd --version is not three numbers: $("$ZTD" --version)"
# version_is NAME PEER: NAME's /peer/PEER carries our version, in both forms
version_is() {
	api "$1" GET "/peer/$2" | sed 's/^200 //' | jq -e --arg v "$VER" \
		'.versionMajor >= 0 and .versionMinor >= 0 and .versionRev >= 0 and .version == $v and
		 .version == "\(.versionMajor).\(.versionMinor).\(.versionRev)"' >/dev/null 2>&1
}
wait_until 10 version_is ctl "$ADDR_A" || fail ctl_version "the controller does not know a's version $VER: $(api ctl GET "/peer/$ADDR_A")"
# ... and shows it in the member object (vMajor/vMinor/vRev), as ZeroTier's does
api ctl GET "/controller/network/$NW/member/$ADDR_A" | sed 's/^200 //' | jq -e --arg v "$VER" \
	'"\(.vMajor).\(.vMinor).\(.vRev)" == $v' >/dev/null ||
	fail ctl_member_version "a's member object does not carry version $VER: $(api ctl GET "/controller/network/$NW/member/$ADDR_A")"
error_fits ctl 404 GET "/controller/network/${CTL}999999"
error_fits ctl 400 POST "/controller/network/$NW" '{"mtu":"big"}'
error_fits ctl 401 GET /controller "" ""
# zerotier-cli listnetworks / listmoons -D<the controller's home>
for l in /network /moon; do
	api ctl GET $l | grep -qx '200 \[\]' || fail ctl_lists "GET $l on the controller: $(api ctl GET $l)"
done
error_fits ctl 404 GET "/network/$NW"
pass controller "status, peers (members with latency, paths and version), networks, members and errors fit test/schema"

# ---- every object of ztd fits ZeroTier's ----
fits a service_status GET /status
fits a service_network --each GET /network
[ "$(echo "$LAST" | jq length)" = 2 ] || fail networks "a lists $(echo "$LAST" | jq length) networks, want 2"
fits a service_network GET "/network/$NWID"
[ "$(echo "$LAST" | jq -r .name)" = "$NWID" ] || fail adhoc_name "an ad-hoc network is named '$(echo "$LAST" | jq -r .name)', want its id"
echo "$LAST" | jq -e '.multicastSubscriptions | length > 0' >/dev/null ||
	fail groups "a's TAP joined no multicast group (IPv6 all-nodes at least): $LAST"
fits a service_network GET "/network/$NW"
[ "$(echo "$LAST" | jq -r .name)" = new-net-1 ] || fail managed_name "$LAST"
fits a service_peer --each GET /peer
fits a service_peer GET "/peer/$ADDR_B"
fits a service_peer GET "/peer/${ROOTID[root0]%%:*}"
[ "$(echo "$LAST" | jq -r .role)" = PLANET ] || fail role "the root's role is $(echo "$LAST" | jq .role), want PLANET"
for p in "$ADDR_B" "${ROOTID[root0]%%:*}" "$CTL"; do
	wait_until 10 version_is a "$p" || fail version "a does not know $p's version $VER: $(api a GET "/peer/$p")"
done
# zerotier-cli / zt-cli listpeers: the version column
out=$(cli a listpeers | awk -v b="$ADDR_B" '$1 == "200" && $2 == "listpeers" && $3 == b { print $7 }')
[ "$out" = "$VER" ] || fail version "zt-cli listpeers shows b's version as '$out', want $VER: $(cli a listpeers | tr '\n' ';')"
fits a service_network POST "/network/$NWID" '{"allowDNS":false}'
api a GET /moon | grep -qx '200 \[\]' || fail moon "GET /moon: $(api a GET /moon)"
error_fits a 401 GET /status "" ""
error_fits a 404 GET /network/ff000000000000ee
error_fits a 404 GET /nosuch
error_fits a 400 POST "/network/$NWID" '{"allowManaged":"x"}'
error_fits a 405 PUT /status
# zerotier-cli bond <peer> show|rotate: ZeroTier without bonding says 400
error_fits a 400 GET "/bond/show/$ADDR_B"
error_fits a 400 POST "/bond/rotate/$ADDR_B" '{}'
# (refused by the HTTP parser before any handler)
error_fits a 413 POST "/network/$NWID" "$(head -c 70000 /dev/zero | tr '\0' ' ')"
pass ztd "status, networks, peers, /moon, /bond and errors fit test/schema; the root is PLANET; the ad-hoc network is named $NWID; peers (root, controller) show version $VER, in listpeers too"

# ---- what zerotier-cli needs to find and reach ztd ----
[ "$(cat "$T/a/zerotier-one.port" 2>/dev/null)" = "$(cat "$T/a/ztd.port")" ] ||
	fail port_file "HOMEDIR/zerotier-one.port missing or not the API port"
TOK=$(cat "$T/a/authtoken.secret")
out=$(x a timeout 10 $PROBE http GET "http://127.0.0.1:$ZT_PORT/status?auth=$TOK")
case $out in "200 "*) ;; *) fail auth_query "GET /status?auth=<token>: $out" ;; esac
out=$(x a timeout 10 $PROBE http GET "http://127.0.0.1:$ZT_PORT/status?auth=x$TOK")
case $out in "401 "*) ;; *) fail auth_query "a wrong ?auth= was not refused: $out" ;; esac
# zerotier-cli sends authtoken.secret's bytes as they are in X-ZT1-Auth: a
# line end there ends the headers and cuts the body of `set` (POST)
for m in a b; do
	[ "$(wc -c <"$T/$m/authtoken.secret")" = "$(tr -d '\n' <"$T/$m/authtoken.secret" | wc -c)" ] ||
		fail token_file "$m's authtoken.secret ends in a line end: $(od -c "$T/$m/authtoken.secret" | head -n 2)"
done
[ "$(cat "$T/b/authtoken.secret")" = oldstyletoken0123456789 ] ||
	fail token_file "b's old token was not kept: $(cat "$T/b/authtoken.secret")"
pass zerotier_cli "HOMEDIR/zerotier-one.port written; ?auth=<token> accepted, a wrong one refused; authtoken.secret without a line end (an old one rewritten)"
