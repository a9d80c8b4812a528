#!/bin/bash
# SPDX-License-Identifier: MIT
# t_dns: names for members, with the real zt-controller.
#
#   root0 203.0.113.2 (zt-root)   ctl 198.18.1.2 (zt-controller)
#   a 198.18.2.2   b 198.18.3.2   (ztd each)
#
# a network with dns.domain lab.zt and a pool; a is named "desk", b
# "laptop" -> from b, over the overlay, `dig @<a's address>` answers
# laptop.lab.zt with b's address (A), its reverse name with laptop.lab.zt
# (PTR), an unknown name with NXDOMAIN, another domain with REFUSED ->
# b is renamed "server" through the admin API: a's responder answers the
# new name (timed, at most 5 s) and NXDOMAIN for the old one.
set -u
. "$(dirname "$0")/lib.sh"
P=ztdns$$ # this script's own namespace prefix
command -v dig >/dev/null 2>&1 ||
	{ echo "FAIL $TNAME: dig missing (make deps DEPS=test, or apt-get install dnsutils)"; exit 1; }

lab_init
lab_ctl a b
ctl_network lab '{"dns":{"domain":"lab.zt","servers":[]}}'

start_ztd a; start_ztd b
wait_online a b
ctl_join a b
declare -A ZA NAME=([a]=desk [b]=laptop)
for m in a b; do
	ZA[$m]=$(zt_addr "$m")
	ctl_authorize "$m" "{\"authorized\":true,\"name\":\"${NAME[$m]}\"}"
done
wait_assigned a
wait_assigned b

# q NAME ARGS...: dig from b, over the overlay, at a's responder
q() { x b timeout 5 dig +time=1 +tries=1 @"${ZIP[a]}" "$@" 2>/dev/null; }
short_is() { # WANT ARGS...
	local want=$1; shift
	[ "$(q +short "$@" | head -n 1)" = "$want" ]
}
status_is() { # WANT ARGS...
	local want=$1; shift
	q +noall +comments "$@" | grep -q "status: $want,"
}
# The first answer waits for the path between b and a and for a's config
# with b's name in it.
wait_until 20 short_is "${ZIP[b]}" laptop.lab.zt A ||
	fail a "dig @${ZIP[a]} laptop.lab.zt from b: '$(q +noall +comments +answer laptop.lab.zt A | tr '\n' ' ')', want ${ZIP[b]}; from a itself: '$(x a timeout 5 dig +time=1 +tries=1 +short @"${ZIP[a]}" laptop.lab.zt 2>&1)'"
pass a "dig @${ZIP[a]} laptop.lab.zt from b answers ${ZIP[b]} ($(elapsed) into the test)"
short_is "${ZIP[a]}" DESK.lab.zt A || fail a "DESK.lab.zt: '$(q +short DESK.lab.zt A)', want ${ZIP[a]}"
short_is laptop.lab.zt. -x "${ZIP[b]}" ||
	fail ptr "dig -x ${ZIP[b]}: '$(q +short -x "${ZIP[b]}")', want laptop.lab.zt."
pass ptr "dig -x ${ZIP[b]} @${ZIP[a]} answers laptop.lab.zt."
status_is NXDOMAIN nobody.lab.zt A || fail nxdomain "nobody.lab.zt: $(q +noall +comments nobody.lab.zt | grep status)"
status_is NXDOMAIN -x 10.9.0.251 || fail nxdomain "-x 10.9.0.251: $(q +noall +comments -x 10.9.0.251 | grep status)"
pass nxdomain "an unknown name and an unused address of the network: NXDOMAIN"
status_is REFUSED example.com A || fail refused "example.com: $(q +noall +comments example.com | grep status)"
status_is REFUSED -x 192.0.2.1 || fail refused "-x 192.0.2.1: $(q +noall +comments -x 192.0.2.1 | grep status)"
pass refused "another domain and a foreign reverse name: REFUSED"

# The rename: timed from the admin API's answer (the POST is stored and
# the configs pushed by then) to the first answer for the new name at a's
# responder (polled every 0.2 s); the API call itself is timed apart (its
# client is a program started in the namespace: a GET costs as much).
tg=$(now_ms); ctl_api GET "/controller/network/$NW/member/${ZA[b]}" >/dev/null; tg=$(( $(now_ms) - tg ))
t0=$(now_ms)
out=$(ctl_api POST "/controller/network/$NW/member/${ZA[b]}" '{"name":"server"}')
case $out in "200 "*) ;; *) fail rename "$out" ;; esac
t1=$(now_ms)
wait_until 5 short_is "${ZIP[b]}" server.lab.zt A ||
	fail rename "server.lab.zt not answered within 5 s of the rename: '$(q +short server.lab.zt)'"
t2=$(now_ms)
status_is NXDOMAIN laptop.lab.zt A || fail rename "the old name still answers: $(q +short laptop.lab.zt)"
short_is server.lab.zt. -x "${ZIP[b]}" || fail rename "PTR after the rename: '$(q +short -x "${ZIP[b]}")'"
pass rename "server.lab.zt answered $((t2 - t1)) ms after the API's answer to the rename ($((t2 - t0)) ms after it was sent; a GET takes ${tg} ms); laptop.lab.zt NXDOMAIN"
