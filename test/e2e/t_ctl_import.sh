#!/bin/bash
# SPDX-License-Identifier: MIT
# t_ctl_import: a ZeroTier controller's networks and members move to
# zt-controller (doc/migrate.md).
#
#   root0 203.0.113.2 (zt-root)    ctl 198.18.1.2 (zt-controller)
#   a 198.18.2.2   b 198.18.3.2    (ztd each)
#
# a copy with a bad member file is refused (file and field named, nothing
# stored) -> test/data/zerotier (a ZeroTier home: identity.public,
# controller.d with two networks and four members in ZeroTier's JSON
# shapes) is imported ->
# the admin API shows both networks under ctl's address with ZeroTier's
# last 6 hex digits and every field, the members as reservations -> a and
# b join with the invites of "laptop" and "nas": each gets that member's
# name, addresses, tags, bridge flag and authorization, the reservations
# are gone, a pings b at nas's address -> b joins the other network with
# a new invite for "bench" (zt-controller invite -m) -> a second import is refused (the
# controller running; then stopped: the networks exist) -> export writes
# ZeroTier's shape back, field for field what ZeroTier wrote.
set -u
. "$(dirname "$0")/lib.sh"
[ -x "$ZTCTL" ] || { echo "FAIL $TNAME: $ZTCTL not built (run make)"; exit 1; }
ZTDATA=$TOP/test/data/zerotier
OLD1=a1b2c3d4e5000001
OLD2=a1b2c3d4e5abcdef

lab_init
lab_root_ns root0 0
lab_member_ns ctl 1
lab_member_ns a 2
lab_member_ns b 3
start_root root0
make_roots "$T/roots" root0
mkdir -p "$T/ctl"
cp "$T/roots" "$T/ctl/roots" # the invite codes carry the roots
cp -r "$ZTDATA" "$T/zt"

# ---- a bad file: refused with its name and field, nothing written ----
cp -r "$ZTDATA" "$T/bad"
BADF=$T/bad/controller.d/network/$OLD2/member/4455667788.json
sed -i 's/"172.30.0.10"/"172.30.0.300"/' "$BADF"
out=$(x ctl "$ZTCTL" import-zerotier -D "$T/ctl" "$T/bad" 2>&1) && fail bad_file "imported: $out"
[ "$out" = "zt-controller import-zerotier: $BADF: field 'ipAssignments': expected an IPv4 or IPv6 address" ] ||
	fail bad_file "unclear: $out"
[ -e "$T/ctl/zerotier-import.json" ] && fail bad_file "a mapping file was written"
pass bad_file "$out"

# ---- import (the first network of the bad folder was not kept: no
# "exists here already") ----
out=$(x ctl "$ZTCTL" import-zerotier -D "$T/ctl" "$T/zt" 2>&1) ||
	fail import "zt-controller import-zerotier: $out"
CTL=$(cut -c1-10 "$T/ctl/identity.public")
NW1=$CTL${OLD1:10}
NW2=$CTL${OLD2:10}
echo "$out" | grep -q "^network $OLD1 -> $NW1 \"office\" (3 members)" ||
	fail import "no mapping line for $OLD1 -> $NW1: $out"
echo "$out" | grep -q "imported 2 networks and 4 members" || fail import "summary: $out"
MAP=$T/ctl/zerotier-import.json
[ "$(stat -c %a "$MAP")" = 600 ] || fail import "$MAP has mode $(stat -c %a "$MAP"), want 600"
code_of() { # OLDNWID OLDADDR: the invite code of that member
	jq -r --arg n "$1" --arg m "$2" \
		'.networks[] | select(.zerotier == $n) | .members[] | select(.zerotier == $m) | .invite' "$MAP"
}
CODE_LAPTOP=$(code_of $OLD1 1122334455)
CODE_NAS=$(code_of $OLD1 2233445566)
case $CODE_LAPTOP$CODE_NAS in zti1*zti1*) ;; *) fail import "no invite codes in $MAP" ;; esac
pass import "2 networks, 4 members: $OLD1 -> $NW1, $OLD2 -> $NW2"

start_ctl ctl
# gets PATH...: GET each from the admin API, one "<status> <body>" line
# each (one python start for all: it costs seconds on a loaded machine)
gets() {
	x ctl timeout 20 python3 -c '
import sys, urllib.error, urllib.request
for p in sys.argv[3:]:
    req = urllib.request.Request("http://127.0.0.1:%s%s" % (sys.argv[1], p),
                                 headers={"X-ZT1-Auth": sys.argv[2]})
    try:
        r = urllib.request.urlopen(req, timeout=5)
        print(r.status, r.read().decode().replace("\n", " "))
    except urllib.error.HTTPError as e:
        print(e.code, e.read().decode().replace("\n", " "))
' "$(cat "$T/ctl/ztd.port")" "$(cat "$T/ctl/authtoken.secret")" "$@"
}
line() { sed -n "$1p" <<<"$2" | cut -d' ' -f2-; } # N TEXT: body of line N

# ---- the admin API sees what ZeroTier had ----
all=$(gets "/controller/network/$NW1" "/controller/network/$NW2" \
	"/controller/network/$NW1/member" "/controller/network/$NW1/member/1122334455" \
	"/controller/audit?limit=20")
n1=$(line 1 "$all")
want='office|true|64|2800|office.example|10.147.17.1-10.147.17.254|10.147.17.0/24|true|true|5|1|1000'
got=$(echo "$n1" | jq -r '[.name, .private, .multicastLimit, .mtu, .dns.domain,
	(.ipAssignmentPools[0] | "\(.ipRangeStart)-\(.ipRangeEnd)"), .routes[0].target,
	.v4AssignMode.zt, .v6AssignMode.rfc4193, (.rules | length), (.capabilities | length),
	.tags[0].id] | map(tostring) | join("|")')
[ "$got" = "$want" ] || fail api_network "$NW1: got $got, want $want"
got=$(line 2 "$all" | jq -r '[.name, .private, .enableBroadcast, .mtu,
	(.routes | length), .routes[1].via] | map(tostring) | join("|")')
[ "$got" = "lab|false|false|1400|2|172.30.0.10" ] || fail api_network "$NW2: got $got"
got=$(line 3 "$all" | jq -r 'keys | join(" ")')
[ "$got" = "1122334455 2233445566 3344556677" ] || fail api_network "$NW1's members: $got"
got=$(line 4 "$all" | jq -r '[.reservation, .authorized,
	.name, .ipAssignments[0], .zerotier.authorized] | map(tostring) | join("|")')
[ "$got" = "true|false|laptop|10.147.17.5|true" ] || fail api_network "laptop's reservation: $got"
got=$(line 5 "$all" | jq -r '[.entries[] | select(.who == "import-zerotier" and .action == "create")] | length')
[ "$got" = 6 ] || fail api_network "audit: $got import-zerotier entries, want 6 (2 networks, 4 members)"
pass api_network "both networks with every field, the members as reservations, 6 audit entries"

# ---- members come back with their invites ----
start_ztd a
start_ztd b
wait_online a b
out=$(cli a join "$CODE_LAPTOP" 2>&1) || fail claim "a: zt-cli join <laptop's code>: $out"
out=$(cli b join "$CODE_NAS" 2>&1) || fail claim "b: zt-cli join <nas's code>: $out"
has_ip() { case ",$(ips_of "$1" "$NW1")," in *",$2/"*) return 0 ;; esac; return 1; }
wait_until 20 has_ip a 10.147.17.5 || fail claim "a has not laptop's 10.147.17.5 within 20 s: $(cli a listnetworks | tr '\n' ' ')"
wait_until 20 has_ip b 10.147.17.20 || fail claim "b has not nas's 10.147.17.20 within 20 s: $(cli b listnetworks | tr '\n' ' ')"
A=$(zt_addr a)
B2=$(zt_addr b)
all=$(gets "/controller/network/$NW1/member/$A" "/controller/network/$NW1/member/$B2" \
	"/controller/network/$NW1/member/1122334455" "/controller/network/$NW1/member/2233445566")
got=$(line 1 "$all" | jq -r '[.name, .authorized, .ipAssignments[0],
	(.tags | tostring), (.capabilities | tostring), .zerotier.address, .reservation] |
	map(tostring) | join("|")')
[ "$got" = "laptop|true|10.147.17.5|[[1000,2]]|[1]|1122334455|null" ] || fail claim "a's record: $got"
got=$(line 2 "$all" | jq -r '[.name, .authorized, .activeBridge,
	.noAutoAssignIps, (.ipAssignments | join(","))] | map(tostring) | join("|")')
[ "$got" = "nas|true|true|true|10.147.17.20,fd00:1234::20" ] || fail claim "b's record: $got"
st=$(sed -n 3,4p <<<"$all" | cut -d' ' -f1 | tr '\n' ' ')
[ "$st" = "404 404 " ] || fail claim "reservations still there after their claims ($st)"
wait_until 20 ping_ok a 10.147.17.20 || fail claim "a -> b (10.147.17.20): no reply"
pass claim "a is laptop ($A, 10.147.17.5), b is nas ($B2, bridge), reservations gone, a pings b"

# ---- a new invite for a reservation whose code was lost ----
out=$(x ctl "$ZTCTL" invite -D "$T/ctl" -m 1122334455 "$NW1" 2>&1) && fail reissue "an invite for a claimed reservation: $out"
case $out in *"no such reservation"*) ;; *) fail reissue "unclear refusal: $out" ;; esac
code=$(x ctl "$ZTCTL" invite -D "$T/ctl" -m 4455667788 "$NW2" 2>"$T/invite.err") ||
	fail reissue "zt-controller invite -m 4455667788: $(cat "$T/invite.err")"
out=$(cli b join "$code" 2>&1) || fail reissue "b: zt-cli join <bench's new code>: $out"
has_ip2() { case ",$(ips_of b "$NW2")," in *",172.30.0.10/"*) return 0 ;; esac; return 1; }
wait_until 20 has_ip2 || fail reissue "b has not bench's 172.30.0.10 on $NW2 within 20 s: $(cli b listnetworks | tr '\n' ' ')"
got=$(gets "/controller/network/$NW2/member/$B2" | cut -d' ' -f2- | jq -r '[.name, .authorized] | map(tostring) | join("|")')
[ "$got" = "bench|true" ] || fail reissue "b's record on $NW2: $got"
pass reissue "b is bench on $NW2 too (172.30.0.10) with a code made by invite -m; none for a claimed one"

# ---- a second import is refused, with the reason ----
out=$(x ctl "$ZTCTL" import-zerotier -D "$T/ctl" "$T/zt" 2>&1) && fail reimport "accepted while the controller runs: $out"
case $out in *"stop it first"*) ;; *) fail reimport "unclear refusal while running: $out" ;; esac
kill_proc ctl TERM
sum=$(md5sum <"$MAP")
out=$(x ctl "$ZTCTL" import-zerotier -D "$T/ctl" -o "$T/map2.json" "$T/zt" 2>&1) && fail reimport "imported twice: $out"
case $out in *"exists here already"*) ;; *) fail reimport "unclear refusal: $out" ;; esac
[ "$(echo "$out" | wc -l)" = 1 ] && [ ! -e "$T/map2.json" ] && [ "$(md5sum <"$MAP")" = "$sum" ] ||
	fail reimport "more than one line, or files written: $out"
pass reimport "$out"

# ---- export: ZeroTier's shape, what ZeroTier wrote ----
out=$(x ctl "$ZTCTL" export -D "$T/ctl" "$T/out" 2>&1) || fail export "zt-controller export: $out"
out=$(python3 - "$ZTDATA/controller.d" "$T/out" "$CTL" "1122334455=$A" "2233445566=$B2" "4455667788=$B2" 2>&1 <<'EOF'
import json, os, sys
src, dst, ctl = sys.argv[1], sys.argv[2], sys.argv[3]
claimed = dict(a.split("=") for a in sys.argv[4:])
NET = ["name", "private", "enableBroadcast", "mtu", "multicastLimit", "v4AssignMode",
       "v6AssignMode", "ipAssignmentPools", "routes", "rules", "capabilities", "tags",
       "rulesSource", "creationTime"]
MEM = ["name", "authorized", "ipAssignments", "activeBridge", "noAutoAssignIps", "tags",
       "capabilities", "creationTime"]
def load(p):
    with open(p) as f:
        return json.load(f)
bad, n = [], 0
for f in sorted(os.listdir(os.path.join(src, "network"))):
    if not f.endswith(".json"):
        continue
    old = f[:-5]
    new = ctl + old[10:]
    a, b = load(os.path.join(src, "network", f)), load(os.path.join(dst, "network", new + ".json"))
    want_dns = a["dns"] if isinstance(a["dns"], dict) else {"domain": "", "servers": []}
    for k in NET:
        if a[k] != b.get(k):
            bad.append("%s %s: %r != %r" % (new, k, a[k], b.get(k)))
    if b.get("dns") != want_dns or b["id"] != new or b["nwid"] != new or b["objtype"] != "network":
        bad.append("%s: dns/id/objtype %r" % (new, b))
    mdir = os.path.join(src, "network", old, "member")
    out = sorted(os.listdir(os.path.join(dst, "network", new, "member")))
    if len(out) != len(os.listdir(mdir)):
        bad.append("%s: %d members exported" % (new, len(out)))
    for m in sorted(os.listdir(mdir)):
        addr = m[:-5]
        a = load(os.path.join(mdir, m))
        now = claimed.get(addr, addr)
        b = load(os.path.join(dst, "network", new, "member", now + ".json"))
        keys = MEM + ([] if addr in claimed else ["identity"])
        for k in keys:
            # ZeroTier writes no name until one is set
            want = a.get(k, "" if k == "name" else None)
            if want != b.get(k):
                bad.append("%s/%s %s: %r != %r" % (new, addr, k, want, b.get(k)))
        if b["id"] != now or b["address"] != now or b["nwid"] != new or b["objtype"] != "member":
            bad.append("%s/%s: id/nwid %r" % (new, addr, b))
        n += 1
print("\n".join(bad) if bad else "%d members" % n)
sys.exit(1 if bad else 0)
EOF
) || fail export "the round trip differs: $out"
pass export "every network field and $out as ZeroTier wrote them (claimed ones under their new address)"
