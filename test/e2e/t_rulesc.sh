#!/bin/bash
# SPDX-License-Identifier: MIT
# t_rulesc: the rules language with the real zt-controller (doc/rules.md).
#
#   ctl (zt-controller, loopback only)
#
# `zt-controller rules compile FILE` prints the JSON of a team's policy
# (also from stdin); a script with an error prints FILE:LINE:COLUMN: what
# was expected, on stderr alone, exit status 1 -> through the admin API a
# network POSTed with the policy as rulesSource stores it and what it
# compiles to, and shows the names it gives (tagsByName,
# capabilitiesByName) -> the same with an error is a 400 with its line and column,
# even with other fields in the request, and the network GETs exactly as
# before.
set -u
. "$(dirname "$0")/lib.sh"
[ -x "$ZTCTL" ] || { echo "FAIL $TNAME: $ZTCTL not built (run make)"; exit 1; }

lab_init
lab_ns ctl

cat >"$T/team.rules" <<'EOF'
tag role id 1 enum 0 staff enum 1 contractor default staff;  # a member: "tags": [[1, 1]]
cap admin id 10 accept; ;                                    # a member: "capabilities": [10]
drop not ethertype ipv4 and not ethertype arp or not chr ipauth;  # IPv4 from assigned IPs only
accept ethertype arp;
accept tseq role staff and treq role staff;                  # staff to staff: anything
accept ipprotocol tcp and dport 443;                         # anyone opens HTTPS
accept ipprotocol tcp and dport 22 and tseq role staff;      # only staff open SSH
break chr tcp_syn and not chr tcp_ack;                       # no other new connection (an admin may)
accept ipprotocol tcp;                                       # the rest of allowed connections
EOF
sed 's/dport 22 /dport 22x /' "$T/team.rules" >"$T/bad.rules"
WANT_ERR="expected a port or port range (0-65535) after 'dport', found '22x'"

# ---- the command ----
out=$("$ZTCTL" rules compile "$T/team.rules") || fail compile "exit status $?: $out"
[ "$(echo "$out" | jq '.rules | length')" = 21 ] || fail compile "not 21 rules: $out"
[ "$(echo "$out" | jq -c '[.rules[0], .rules[3], .rules[20]]')" = \
	'[{"type":"MATCH_ETHERTYPE","not":true,"or":false,"etherType":2048},{"type":"ACTION_DROP"},{"type":"ACTION_ACCEPT"}]' ] ||
	fail compile "rules: $(echo "$out" | jq -c .rules)"
[ "$(echo "$out" | jq -c '[.capabilities, .tags]')" = \
	'[[{"id":10,"default":false,"rules":[{"type":"ACTION_ACCEPT"}]}],[{"id":1,"default":0}]]' ] ||
	fail compile "capabilities, tags: $(echo "$out" | jq -c '[.capabilities, .tags]')"
[ "$("$ZTCTL" rules compile - <"$T/team.rules")" = "$out" ] || fail compile "stdin gives other JSON"
pass compile "21 rules, 1 capability, 1 tag"

"$ZTCTL" rules compile "$T/bad.rules" >"$T/out" 2>"$T/err"
rc=$?
[ $rc = 1 ] || fail error "exit status $rc, want 1"
[ ! -s "$T/out" ] || fail error "printed on stdout: $(cat "$T/out")"
[ "$(cat "$T/err")" = "$T/bad.rules:7:33: $WANT_ERR" ] || fail error "stderr: $(cat "$T/err")"
pass error "$(cat "$T/err")"

# ---- the admin API ----
start_ctl ctl
NW=${CTL}000001
body() { cut -d' ' -f2-; }

out=$(ctl_api POST "/controller/network/$NW" "$(jq -cn --rawfile s "$T/team.rules" '{name: "team", rulesSource: $s}')")
case $out in "200 "*) ;; *) fail post "$out" ;; esac
[ "$(echo "$out" | body | jq '.rules | length')" = 21 ] || fail post "not 21 rules: $out"
[ "$(echo "$out" | body | jq -r .rulesSource)" = "$(cat "$T/team.rules")" ] ||
	fail post "rulesSource not kept as written"
[ "$(echo "$out" | body | jq -Sc '[.rules, .capabilities, .tags]')" = \
	"$("$ZTCTL" rules compile "$T/team.rules" | jq -Sc '[.rules, .capabilities, .tags]')" ] ||
	fail post "what was stored is not what the command prints"
# the names beside it, as ZeroTier Central shows them
[ "$(echo "$out" | body | jq -Sc '[.tagsByName, (.capabilitiesByName | map_values(.id))]')" = \
	'[{"role":{"default":0,"enums":{"contractor":1,"staff":0},"flags":{},"id":1}},{"admin":10}]' ] ||
	fail post "tagsByName, capabilitiesByName: $(echo "$out" | body | jq -c '[.tagsByName, .capabilitiesByName]')"
pass post "network $NW: rulesSource and its 21 rules stored, tags and capabilities by name"

before=$(ctl_api GET "/controller/network/$NW")
out=$(ctl_api POST "/controller/network/$NW" "$(jq -cn --rawfile s "$T/bad.rules" '{name: "renamed", mtu: 1400, rulesSource: $s}')")
case $out in "400 "*) ;; *) fail refused "not a 400: $out" ;; esac
[ "$(echo "$out" | body | jq -c '[.error, .line, .column]')" = '[400,7,33]' ] ||
	fail refused "error, line, column: $out"
[ "$(echo "$out" | body | jq -r .description)" = "field 'rulesSource': line 7 column 33: $WANT_ERR" ] ||
	fail refused "description: $out"
after=$(ctl_api GET "/controller/network/$NW")
[ "$before" = "$after" ] || fail unchanged "the network changed: $before -> $after"
pass refused "400 at line 7 column 33, the network unchanged (revision $(echo "$after" | body | jq .revision))"
