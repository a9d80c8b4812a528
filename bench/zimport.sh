#!/bin/bash
# SPDX-License-Identifier: MIT
# zimport.sh - how long `zt-controller import-zerotier` and `export` take
# for a ZeroTier controller.d of NETS networks with MEMBERS members each
# (default 100 x 100 = 10,000 members), made up here in ZeroTier's shapes
# (as test/data/zerotier).  Not part of `make test`:
#   B=build bash bench/zimport.sh [NETS] [MEMBERS]
set -eu
B=${B:-build}
NETS=${1:-100}
MEMBERS=${2:-100}
T=$(mktemp -d "${TMPDIR:-/tmp}/zimport.XXXXXX")
trap 'rm -rf "$T"' EXIT
python3 - "$T/zt/controller.d/network" "$NETS" "$MEMBERS" <<'PY'
import json, os, sys
base, nets, members = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for n in range(nets):
    nw = "a1b2c3d4e5%06x" % (n + 1)
    os.makedirs("%s/%s/member" % (base, nw))
    with open("%s/%s.json" % (base, nw), "w") as f:
        json.dump({"id": nw, "nwid": nw, "objtype": "network", "name": "net%d" % n,
                   "private": True, "v4AssignMode": {"zt": True}, "dns": [],
                   "ipAssignmentPools": [{"ipRangeStart": "10.%d.0.1" % (n % 256),
                                          "ipRangeEnd": "10.%d.255.254" % (n % 256)}],
                   "routes": [{"target": "10.%d.0.0/16" % (n % 256), "via": None}],
                   "rules": [{"type": "ACTION_ACCEPT", "not": False, "or": False}]}, f)
    for m in range(members):
        a = "%010x" % (0x1000000000 + n * members + m)
        with open("%s/%s/member/%s.json" % (base, nw, a), "w") as f:
            json.dump({"id": a, "address": a, "nwid": nw, "objtype": "member",
                       "name": "m%d" % m, "authorized": True,
                       "ipAssignments": ["10.%d.%d.%d" % (n % 256, m // 250, m % 250 + 1)],
                       "identity": a + ":0:" + "ab" * 64}, f)
PY
echo "$NETS networks x $MEMBERS members (load: $(cut -d' ' -f1-3 /proc/loadavg))"
/usr/bin/time -f "import: %e s, max RSS %M KiB" "$B/zt-controller" import-zerotier \
	-D "$T/home" "$T/zt" >/dev/null
/usr/bin/time -f "export: %e s, max RSS %M KiB" "$B/zt-controller" export -D "$T/home" \
	"$T/out" >/dev/null
