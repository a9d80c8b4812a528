#!/bin/bash
# SPDX-License-Identifier: MIT
# t_root_tcp: strangers who open TCP connections to a root's fallback port
# and to a member's local API cannot hold them or make the daemon spin
# (doc/PROTOCOL.md "TCP relay", doc/API.md):
#   idle     connections that never carry a datagram are closed after
#            ZT_TCP_HELLO_MS (10 s), while a member reaching the root over
#            TCP keeps its connection and stays ONLINE
#   per_addr one address holds at most ZT_TCP_PER_ADDR (16) connections
#   emfile   a root out of file descriptors (ulimit -n 48) stays idle
#            (utime+stime over 3 s) and accepts again once they are freed
#   api      connections held open on ztd's API do not lock out zt-cli
#
#   root0 203.0.113.2 (TCP 443)    root1 203.0.113.18 (TCP 443, ulimit -n 48)
#        |                              |
#   inet +-------------+----------------+
#        nb (cone + udpblock)     evil 198.18.5.0/24 (many source addresses)
#        hb1 (ztd: reaches root0 over TCP)
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../netlab/netlab.sh"

HELLO_S=10     # ZT_TCP_HELLO_MS
PER_ADDR=16    # ZT_TCP_PER_ADDR
ROOT1_FDS=48

lab_init
nl_root root0 0
nl_root root1 1
nl_site nb 2; nl_host hb1 nb 0; nl_nat nb cone udpblock
lab_member_ns evil 5
for i in $(seq 3 60); do x evil ip addr add "198.18.5.$i/24" dev zeth0; done

# hold.py DST PORT SECONDS RECONNECT SRC:COUNT...: open COUNT connections
# from each SRC and hold them, silent; print "ready" once all are tried,
# then "open N" whenever the number still open changes.  RECONNECT=1
# replaces each one the server closes at once (a hog).
cat >"$T/hold.py" <<'EOF'
import socket, sys, time
dst, port, dur, reconnect = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == "1"
def conn(src):
    s = socket.socket()
    s.settimeout(3)
    try:
        s.bind((src, 0))
        s.connect((dst, port))
    except OSError:
        s.close()
        return None
    s.setblocking(False)
    return s
socks = []
for spec in sys.argv[5:]:
    src, n = spec.split(":")
    for _ in range(int(n)):
        socks.append([src, conn(src)])
print("ready", flush=True)
end, last = time.time() + dur, -1
while time.time() < end:
    n = 0
    for e in socks:
        s = e[1]
        if s is not None:
            try:
                if s.recv(1, socket.MSG_PEEK) != b"":
                    n += 1
                    continue
            except BlockingIOError:
                n += 1
                continue
            except OSError:
                pass
            s.close()
            e[1] = None
        if reconnect:
            e[1] = conn(e[0])
            n += e[1] is not None
    if n != last:
        print("open", n, flush=True)
        last = n
    time.sleep(0.2)
EOF
# hold NS LOG DST PORT SECONDS RECONNECT SRC:COUNT...: in the background;
# returns once it is ready
hold() {
	local n=$1 lg=$2
	shift 2
	bg "$n" "$lg" python3 -u "$T/hold.py" "$@"
	HOLD_PID=$LAST_PID
	wait_until 60 grep -q '^ready' "$T/$lg.log" || fail setup "$lg: connections not made"
}
still_open() { sed -n 's/^open //p' "$T/$1.log" | tail -n 1; }
open_is() { [ "$(still_open "$1")" = "$2" ]; }
# accepted NS [FILTER]: established connections to port 443 a zt-root owns
# (queued ones that it has not accepted have no owner)
accepted() {
	x "$1" ss -Htnp state established "( sport = :443 ${2:+and $2} )" 2>/dev/null |
		grep -c zt-root
}
accepted_is() { [ "$(accepted "$1" "${3:-}")" = "$2" ]; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

start_root root0
# root1 with few descriptors (as start_root, under ulimit -n)
HOME_OF[root1]=$T/root1
mkdir -p "$T/root1"
ROOTID[root1]=$("$ZTROOT" identity "$T/root1" 2>&1 | tail -n 1)
bg root1 root1 bash -c "ulimit -n $ROOT1_FDS && exec \"\$0\" \"\$@\"" \
	"$ZTROOT" -p "$ZT_PORT" -b "${IP[root1]}" -v "$T/root1"
ZPID[root1]=$LAST_PID
wait_until 15 tcp_listening root1 443 || fail setup "root1 not listening on TCP 443"
make_roots "$T/roots" root0
start_ztd hb1
wait_online hb1
ROOT0=${ROOTID[root0]%%:*}
link=$(cli hb1 listpeers | awk -v a="$ROOT0" '$3 == a { print $5 }')
case $link in */tcp) ;; *) fail setup "hb1 reaches root0 as '$link', want /tcp" ;; esac
pass online "hb1 ONLINE, root0 over $link"

# ---- idle + per_addr: 8 addresses x 16 silent connections, and one
# address trying 40
srcs=()
for i in $(seq 3 10); do srcs+=("198.18.5.$i:$PER_ADDR"); done
t0=$(now_ms)
hold evil idle "${IP[root0]}" 443 60 0 "${srcs[@]}"
hold evil peraddr "${IP[root0]}" 443 60 0 198.18.5.30:40
wait_until 5 open_is peraddr "$PER_ADDR" ||
	fail per_addr "one address holds $(still_open peraddr) connections, want $PER_ADDR"
wait_until 5 accepted_is root0 "$PER_ADDR" "dst 198.18.5.30" ||
	fail per_addr "root0 holds $(accepted root0 "dst 198.18.5.30") connections of one address"
pass per_addr "40 tried from one address: $PER_ADDR held"
n=$(accepted root0 "dst 198.18.5.0/24")
[ "$n" -ge $((8 * PER_ADDR)) ] || fail idle "root0 accepted only $n of $((8 * PER_ADDR + PER_ADDR)) silent connections"
wait_until $((HELLO_S + 10)) open_is idle 0 ||
	fail idle "$(still_open idle) silent connections still open $(( ($(now_ms) - t0) / 1000 )) s on"
t_idle=$(( $(now_ms) - t0 ))
[ "$t_idle" -ge $(( (HELLO_S - 1) * 1000 )) ] || fail idle "closed after $t_idle ms, before the timeout"
wait_until 5 open_is peraddr 0 || fail idle "the per-address ones are still open"
is_online hb1 || fail idle "hb1 went offline"
link=$(cli hb1 listpeers | awk -v a="$ROOT0" '$3 == a { print $5 }')
case $link in */tcp) ;; *) fail idle "hb1 now reaches root0 as '$link'" ;; esac
[ "$(accepted root0)" -ge 1 ] || fail idle "root0 closed hb1's connection too"
pass idle "$n silent connections closed after $t_idle ms; hb1 still ONLINE over $link"

# ---- emfile: 8 addresses x 10 connections against 48 descriptors
srcs=()
for i in $(seq 40 47); do srcs+=("198.18.5.$i:10"); done
hold evil emfile "${IP[root1]}" 443 60 0 "${srcs[@]}"
EMFILE_PID=$HOLD_PID
wait_until 10 grep -q 'out of file descriptors' "$T/root1.log" ||
	fail emfile "root1 never ran out of descriptors ($(accepted root1) accepted)"
pid=$(pgrep -f "zt-root .*$T/root1" | head -n 1)
[ -n "$pid" ] || fail emfile "no root1 process"
c0=$(cpu_ticks "$pid")
sleep 3 # the point: CPU used over a stretch of time
c1=$(cpu_ticks "$pid")
[ $((c1 - c0)) -le 30 ] || fail emfile "root1 used $((c1 - c0)) ticks of CPU in 3 s out of descriptors"
pass emfile_cpu "$(accepted root1) accepted, $((c1 - c0)) ticks of CPU in 3 s at the limit"
kill "$EMFILE_PID" 2>/dev/null
wait_until 10 accepted_is root1 0 || fail emfile "root1 still holds $(accepted root1) connections"
hold evil later "${IP[root1]}" 443 30 0 198.18.5.50:1
wait_until 5 accepted_is root1 1 "dst 198.18.5.50" || fail emfile "root1 does not accept again"
pass emfile_recover "root1 accepts again once descriptors are free"

# ---- api: a local hog keeps 24 connections open on ztd's API
hold hb1 hog 127.0.0.1 "$ZT_PORT" 40 1 127.0.0.1:24
for i in 1 2 3 4 5; do
	out=$(cli hb1 info 2>&1) || fail api "zt-cli info #$i failed with the API hogged: $out"
	case $out in "200 info"*) ;; *) fail api "zt-cli info #$i: $out" ;; esac
done
pass api "5/5 zt-cli info answered while 24 connections hog the API"
