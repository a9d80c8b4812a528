#!/bin/bash
# SPDX-License-Identifier: MIT
# t_ui: zt-controller's web UI in a real browser (Debian's chromium,
# headless, driven by python3-selenium through chromidriver; uibrowser.py).
#
#   root0 203.0.113.2 (zt-root)   ctl 198.18.1.2 (zt-controller --ui, chromium)
#   a 198.18.2.2 (ztd)
#
# adduser -> sign in (a wrong password refused) -> a network with a pool
# -> an invite -> a joins with its command -> a shows online with a pool
# address -> settings saved, a rule script's error shown at its line -> a
# script naming a tag and a capability: a's tag set by name in its editor
# arrives in the API as the right number -> a
# deauthorized in the UI: its ztd says ACCESS_DENIED -> the audit trail
# names the UI user -> a missing or forged CSRF token and a cross-site
# request change nothing -> sign-out ends the session -> failed sign-ins
# back off.  ZT_UI_SHOTS=doc/ui refreshes the committed screenshots.
set -u
. "$(dirname "$0")/lib.sh"
[ -x "$ZTCTL" ] || { echo "FAIL $TNAME: $ZTCTL not built (run make)"; exit 1; }
# Debian's packages (ext/deps.sh test installs them); python3 is Debian's,
# which has the selenium module, whatever python3 comes first in PATH.
PY=/usr/bin/python3
for t in /usr/bin/chromium /usr/bin/chromedriver; do
	[ -x "$t" ] || skip "$t missing (make deps DEPS=test installs chromium chromium-driver)"
done
$PY -c 'import selenium' 2>/dev/null || skip "python3-selenium missing (make deps DEPS=test)"

lab_init
lab_root_ns root0 0
lab_member_ns ctl 1
lab_member_ns a 2
start_root root0
make_roots "$T/roots" root0
start_ctl ctl --ui 127.0.0.1:8080
wait_until 10 tcp_listening ctl 8080 || fail setup "the UI is not listening on 127.0.0.1:8080"

# adduser: the password from stdin; a short one is refused
expect_err adduser_short "at least 8 characters" \
	sh -c "printf 'short\n' | ip netns exec $P-ctl $ZTCTL adduser -D $T/ctl alice"
PW=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
out=$(printf '%s\n' "$PW" | x ctl "$ZTCTL" adduser -D "$T/ctl" alice 2>&1) ||
	fail adduser "zt-controller adduser alice: $out"
[ "$out" = "added alice" ] || fail adduser "adduser said: $out"
grep -q "$PW" "$T/ctl/controller.db" 2>/dev/null && fail adduser "the password is in the database"
pass adduser "$out; the database holds an Argon2id hash"

start_ztd a
wait_online a
MEMBER=$(zt_addr a)

export ZT_UI_URL=http://127.0.0.1:8080 ZT_UI_USER=alice ZT_UI_PASSWORD=$PW ZT_UI_MEMBER=$MEMBER
export ZT_UI_JOIN="ip netns exec $P-a timeout 10 $ZTCLI -D $T/a join \"\$1\""
export ZT_UI_STATUS="ip netns exec $P-a timeout 10 $ZTCLI -D $T/a listnetworks | awk -v nw=\"\$1\" '\$3 == nw { print \$6 }'"
export ZT_UI_SHOTS=${ZT_UI_SHOTS:-$T/shots}
# chromium in ctl's namespace: the UI listens on that loopback
x ctl timeout 120 env HOME="$T/chromium" $PY "$E2E_DIR/uibrowser.py" || fail browser "uibrowser.py failed (see above)"
say "done in $(elapsed)"
