#!/bin/bash
# SPDX-License-Identifier: MIT
# t_offload: 200 MB over TCP across the overlay arrive byte for byte (sha256)
# with every combination the fast data path has: TAP TSO + UDP GSO/GRO on
# both ends, everything off (ZT_OFFLOAD=off: plain TAP, one sendto-sized
# datagram per send, plain 2800-byte TCP frames cut to the path), TAP offload with UDP GSO
# and GRO forced off (the fallbacks), and the mixes between them; then UDP:
# datagrams sent with UDP_SEGMENT, and runs of mixed-size datagrams that the
# receiving ztd joins into USO super-frames for its TAP (or not: nouso),
# delivered locally and forwarded into a plain TAP (the kernel cuts and
# checksums them; every checksum and IPv4 id checked).  b runs
# its crypto worker thread on every batch (ZT_THREADS=always; by default
# it is used only when a core is idle, which a loaded test machine rarely
# has), so the threaded pipeline carries real traffic too.
#
#            root0  203.0.113.2
#              | r0
#   inet  router
#     | m1          | m2          | m3                | m4
#   a (all on)    b (all on,    c (ZT_OFFLOAD=off)   d (nogso,nogro)
#                 2 threads)
#   10.9.0.1      10.9.0.2      10.9.0.3             10.9.0.4
set -u
. "$(dirname "$0")/lib.sh"

MB=${ZT_OFFLOAD_MB:-200}

lab_init
lab_root_ns root0 0
lab_member_ns a 1
lab_member_ns b 2
lab_member_ns c 3
lab_member_ns d 4
start_root root0
make_roots "$T/roots" root0
start_ztd a
ZT_THREADS=always start_ztd b
ZT_OFFLOAD=off start_ztd c
ZT_OFFLOAD=nogso,nogro,nouso start_ztd d
wait_online a b c d
join_net a "$NWID" 10.9.0.1/24
join_net b "$NWID" 10.9.0.2/24
join_net c "$NWID" 10.9.0.3/24
join_net d "$NWID" 10.9.0.4/24
grep -q 'checksum offload)' "$T/a.log" || fail offload_on "a did not get TAP offloads: $(grep device "$T/a.log")"
grep -q 'checksum offload)' "$T/c.log" && fail offload_off "c has TAP offloads despite ZT_OFFLOAD=off"
grep -q 'checksum offload)' "$T/d.log" || fail offload_tap "d (nogso,nogro,nouso) did not get TAP offloads"
pass setup "4 members joined, offloads as configured ($(elapsed))"

# the data: one file, its hash
head -c $((MB * 1000000)) /dev/urandom >"$T/data" || fail setup "cannot write $T/data"
want=$(sha256sum "$T/data" | cut -d' ' -f1)

# recv NAME IP PORT: a one-shot TCP sink printing "<bytes> <sha256>"
cat >"$T/sink.py" <<'EOF'
import hashlib, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
s.settimeout(60)
c, _ = s.accept()
c.settimeout(60)
h, n = hashlib.sha256(), 0
while True:
    b = c.recv(1 << 20)
    if not b:
        break
    h.update(b)
    n += len(b)
print(n, h.hexdigest())
EOF
cat >"$T/src.py" <<'EOF'
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=60)
with open(sys.argv[3], "rb") as f:
    while True:
        b = f.read(1 << 20)
        if not b:
            break
        c.sendall(b)
c.shutdown(socket.SHUT_WR)
c.recv(1)
c.close()
EOF

# transfer FROM TO DSTIP: MB megabytes FROM -> TO, compared by sha256
transfer() {
	local from=$1 to=$2 ip=$3 port=$((5000 + RANDOM % 1000)) t0 out got n ms
	wait_until 20 ping_ok "$from" "$ip" || fail "$from$to" "no ping $from -> $ip within 20 s"
	bg "$to" "sink-$from$to" timeout 90 python3 "$T/sink.py" "$ip" "$port"
	local sink=$LAST_PID
	wait_until 10 eval "x $to ss -Hltn 'sport = :$port' | grep -q ."
	t0=$(now_ms)
	x "$from" timeout 90 python3 "$T/src.py" "$ip" "$port" "$T/data" >"$T/src-$from$to.log" 2>&1 ||
		fail "$from$to" "sender failed: $(tail -n 2 "$T/src-$from$to.log")"
	wait_exit "$sink" 30 || fail "$from$to" "receiver did not finish"
	ms=$(( $(now_ms) - t0 ))
	out=$(tail -n 1 "$T/sink-$from$to.log")
	n=${out%% *}
	got=${out##* }
	[ "$n" = $((MB * 1000000)) ] || fail "$from$to" "received $n bytes, sent $((MB * 1000000)): $out"
	[ "$got" = "$want" ] || fail "$from$to" "sha256 differs: sent $want, received $got"
	pass "$from$to" "$MB MB $from -> $to, sha256 equal, $ms ms"
}

transfer a b 10.9.0.2   # all on -> all on: TSO, GSO, GRO, coalescing
# all off -> on: c's TAP hands it plain 2800-byte TCP frames, which ztd cuts
# into segments that fit one datagram (no FRAG datagrams), then a coalesces
frag_mark c
transfer c a 10.9.0.1
frag_ratio_ok c $((MB * 500)) ca_cut  # 100,000 frames for 200 MB; ~1,090 sent per MB
pass ca_cut "c's plain 2800-byte frames went as $FRAG_OUT one-datagram segments ($FRAG_N fragmented)"
transfer a c 10.9.0.3   # on -> off: segments into a plain TAP
transfer d b 10.9.0.2   # TAP offload, GSO/GRO forced off -> on
transfer b d 10.9.0.4   # on -> GRO off (trains split by nobody: plain datagrams)

# UDP with GSO from the application (USO on the TAP where the kernel has
# it): 2000 datagrams of 1000 bytes in sends of 20, paced; every one must
# arrive intact (each carries its number and a pattern derived from it)
cat >"$T/usink.py" <<'EOF'
import hashlib, socket, sys
def body(n):
    h = n.to_bytes(4, "big")
    d = hashlib.sha256(h).digest()
    return h + (d * 32)[:996]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(5)
seen, bad = set(), 0
try:
    while len(seen) < 2000:
        b = s.recv(65536)
        n = int.from_bytes(b[:4], "big")
        if len(b) != 1000 or b != body(n):
            bad += 1
        seen.add(n)
except socket.timeout:
    pass
print(len(seen), bad)
EOF
cat >"$T/usrc.py" <<'EOF'
import hashlib, socket, sys, time
def body(n):
    h = n.to_bytes(4, "big")
    d = hashlib.sha256(h).digest()
    return h + (d * 32)[:996]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(17, 103, 1000)  # UDP_SEGMENT
for k in range(100):
    s.sendto(b"".join(body(k * 20 + i) for i in range(20)), (sys.argv[1], int(sys.argv[2])))
    time.sleep(0.002)
EOF
bg b usink timeout 30 python3 "$T/usink.py" 10.9.0.2 6000
usink=$LAST_PID
wait_until 10 eval "x b ss -Hlun 'sport = :6000' | grep -q ."
x a timeout 30 python3 "$T/usrc.py" 10.9.0.2 6000 >"$T/usrc.log" 2>&1 ||
	fail uso "UDP GSO sender failed: $(tail -n 2 "$T/usrc.log")"
wait_exit "$usink" 20 || fail uso "UDP receiver did not finish"
read -r got bad < <(tail -n 1 "$T/usink.log")
uso=no
grep -q 'TSO/USO/checksum' "$T/a.log" && uso=yes
[ "${bad:-1}" = 0 ] || fail uso "$bad corrupt datagrams"
[ "${got:-0}" -ge 1990 ] || fail uso "only ${got:-0} of 2000 datagrams arrived (USO on a: $uso)"
pass uso "$got of 2000 UDP GSO datagrams intact (USO on the TAP: $uso)"

# UDP coalescing on receive: where the TAP takes USO, ztd joins runs of
# equal-sized datagrams of a flow into GSO_UDP_L4 super-frames, which the
# receiving kernel cuts back.  3000 datagrams in runs of mixed sizes (1 to
# 2000 bytes, the large ones fragmented across the overlay), from a
# connected socket (consecutive IPv4 ids), paced in bursts of 50: each must
# arrive intact and in order, over IPv4 and IPv6, into b (joining on) and
# into d (ZT_OFFLOAD=...,nouso: joining off; nothing may be joined).
cat >"$T/useq.py" <<'EOF'
import fcntl, hashlib, os, select, socket, struct, sys, time
# useq.py tx|rx FAMILY ADDR PORT [MAXSIZE]   or   useq.py tap - TAPNAME PORT [MAXSIZE]
mode, fam, addr, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
cap = int(sys.argv[5]) if len(sys.argv) > 5 else 2000
RUNS = [(64, 40), (30, 1), (1000, 20), (1, 1), (200, 69), (1300, 10), (2000, 8),
        (64, 100), (513, 3), (8, 1), (1400, 30), (700, 2), (100, 64), (100, 65)]
N = 3000
sizes = []
while len(sizes) < N:
    for s, n in RUNS:
        sizes += [min(s, cap)] * n
sizes = sizes[:N]
def body(k):
    h = k.to_bytes(4, "big")
    return (h + hashlib.sha256(h).digest() * 70)[:sizes[k]]
if mode == "tap":
    # a plain TAP (no offloads): what the kernel forwards into it was cut
    # and checksummed by its GSO; check every datagram as it left the sender
    def csum(b):
        if len(b) % 2:
            b += b"\0"
        v = sum(struct.unpack("!%dH" % (len(b) // 2), b))
        while v >> 16:
            v = (v & 0xffff) + (v >> 16)
        return v
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, 0x400454CA, struct.pack("16sH", addr.encode(), 0x0002 | 0x1000))
    print("ready", flush=True)
    got = good = bad_csum = bad_id = 0
    first_bad, id0 = -1, None
    while got < N:
        if not select.select([fd], [], [], 5)[0]:
            break
        f = os.read(fd, 65536)
        if len(f) < 42 or f[12:14] != b"\x08\x00" or f[23] != 17:
            continue
        ihl = (f[14] & 15) * 4
        u = 14 + ihl
        if struct.unpack("!H", f[u + 2:u + 4])[0] != port:
            continue
        ulen = struct.unpack("!H", f[u + 4:u + 6])[0]
        ip_id = struct.unpack("!H", f[18:20])[0]
        if id0 is None:
            id0 = ip_id
        if ip_id != (id0 + got) & 0xffff:
            bad_id += 1
        pseudo = f[26:34] + struct.pack("!BBH", 0, 17, ulen)
        if csum(f[14:u]) != 0xffff or f[u + 6:u + 8] == b"\0\0" or csum(pseudo + f[u:u + ulen]) != 0xffff:
            bad_csum += 1
        if f[u + 8:u + ulen] == body(got) and len(f) >= u + ulen:
            good += 1
        elif first_bad < 0:
            first_bad = got
        got += 1
    print(got, good, first_bad, bad_csum, bad_id)
    sys.exit(0)
s = socket.socket(socket.AF_INET6 if fam == "6" else socket.AF_INET, socket.SOCK_DGRAM)
if mode == "tx":
    s.connect((addr, port))
    for k in range(N):
        s.send(body(k))
        if k % 50 == 49:
            time.sleep(0.002)
    sys.exit(0)
s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE (root)
s.bind((addr, port))
s.settimeout(5)
got, good, first_bad = 0, 0, -1
try:
    while got < N:
        b = s.recv(65536)
        if b == body(got):
            good += 1
        elif first_bad < 0:
            first_bad = got
        got += 1
except socket.timeout:
    pass
print(got, good, first_bad)
EOF
datapath() { # NAME KEY: a counter from /status "dataPath"
	cli "$1" -j info 2>/dev/null | python3 -c '
import json, sys
print(int(json.load(sys.stdin).get("dataPath", {}).get(sys.argv[1], -1)))' "$2"
}
# useq NAME FROM TO FAMILY DSTIP BINDIP: the sequence FROM -> TO; sets JOINED
# (the datagrams TO's ztd wrote to its TAP inside UDP super-frames meanwhile)
useq() {
	local name=$1 from=$2 to=$3 fam=$4 dst=$5 bind=$6 port=$((7000 + RANDOM % 1000))
	local j0 got good first rx
	wait_until 20 x "$from" ping -"$fam" -n -c 1 -W 1 -q "$dst" ||
		fail "$name" "no ping $from -> $dst within 20 s"
	j0=$(datapath "$to" tapUdpDatagramsJoined)
	bg "$to" "useq-$name" timeout 30 python3 "$T/useq.py" rx "$fam" "$bind" "$port"
	rx=$LAST_PID
	wait_until 10 eval "x $to ss -Hlun 'sport = :$port' | grep -q ."
	x "$from" timeout 30 python3 "$T/useq.py" tx "$fam" "$dst" "$port" >"$T/useq-tx-$name.log" 2>&1 ||
		fail "$name" "sender failed: $(tail -n 2 "$T/useq-tx-$name.log")"
	wait_exit "$rx" 20 || fail "$name" "receiver did not finish"
	read -r got good first < <(tail -n 1 "$T/useq-$name.log")
	JOINED=$(($(datapath "$to" tapUdpDatagramsJoined) - j0))
	[ "${got:-0}" = 3000 ] || fail "$name" "${got:-0} of 3000 datagrams arrived ($JOINED joined on $to)"
	[ "${good:-0}" = 3000 ] ||
		fail "$name" "only ${good:-0} of 3000 intact and in order, first wrong: #$first ($JOINED joined on $to)"
}
ip -n "$P-a" -6 addr add 2001:db8:9::1/64 dev "${TAP[a]}" nodad || fail udp_join "no IPv6 on a"
ip -n "$P-b" -6 addr add 2001:db8:9::2/64 dev "${TAP[b]}" nodad || fail udp_join "no IPv6 on b"
useq udp_join4 a b 4 10.9.0.2 10.9.0.2
j4=$JOINED
useq udp_join6 a b 6 2001:db8:9::2 ::
j6=$JOINED
errs=$(datapath b tapWriteErrors)
[ "$errs" = 0 ] || fail udp_join "b: $errs TAP writes refused"
if grep -q 'TSO/USO/checksum' "$T/b.log"; then
	[ "$j4" -gt 0 ] || fail udp_join "b's TAP has USO but no IPv4 datagram was joined"
	[ "$j6" -gt 0 ] || fail udp_join "b's TAP has USO but no IPv6 datagram was joined"
	pass udp_join "3000 datagrams a -> b intact and in order over IPv4 ($j4 joined into UDP super-frames) and IPv6 ($j6)"
else
	pass udp_join "3000 datagrams a -> b intact and in order over IPv4 and IPv6 (no USO on this kernel: $j4/$j6 joined)"
fi
grep -q 'TSO/USO/checksum' "$T/d.log" && fail udp_nouso "d has USO on its TAP despite ZT_OFFLOAD=nouso"
useq udp_nouso a d 4 10.9.0.4 10.9.0.4
[ "$JOINED" = 0 ] || fail udp_nouso "d joined $JOINED datagrams despite ZT_OFFLOAD=nouso"
pass udp_nouso "3000 datagrams a -> d intact and in order, none joined (ZT_OFFLOAD=nouso)"

# The same datagrams (at most 1400 bytes) forwarded by b into a plain TAP
# (no offloads), so that b's kernel cuts the super-frames and computes every
# checksum itself, as it would for a NIC without USO: a reader on that TAP
# checks each datagram's IPv4 header and UDP checksums, that the IPv4 ids
# are consecutive as the sender made them, and the bytes and order.
x b sysctl -qw net.ipv4.ip_forward=1
bg b useq-fwd timeout 30 python3 "$T/useq.py" tap - zfwd0 7999 1400
fwd=$LAST_PID
wait_until 10 x b ip link show dev zfwd0 || fail udp_forward "no TAP zfwd0 in b"
x b sysctl -qw net.ipv6.conf.zfwd0.disable_ipv6=1
x b ip link set zfwd0 mtu 2800 up
x b ip addr add 198.18.201.1/24 dev zfwd0
x b ip neigh replace 198.18.201.2 lladdr 02:00:00:00:20:01 dev zfwd0
x a ip route add 198.18.201.0/24 via 10.9.0.2
j0=$(datapath b tapUdpDatagramsJoined)
x a timeout 30 python3 "$T/useq.py" tx 4 198.18.201.2 7999 1400 >"$T/useq-tx-fwd.log" 2>&1 ||
	fail udp_forward "sender failed: $(tail -n 2 "$T/useq-tx-fwd.log")"
wait_exit "$fwd" 20 || fail udp_forward "TAP reader did not finish"
read -r got good first bad_csum bad_id < <(tail -n 1 "$T/useq-fwd.log")
jf=$(($(datapath b tapUdpDatagramsJoined) - j0))
[ "${got:-0}" = 3000 ] || fail udp_forward "${got:-0} of 3000 datagrams forwarded ($jf joined on b)"
[ "${bad_csum:-1}" = 0 ] || fail udp_forward "$bad_csum datagrams with a wrong checksum ($jf joined on b)"
[ "${bad_id:-1}" = 0 ] || fail udp_forward "$bad_id datagrams with an IPv4 id out of sequence ($jf joined on b)"
[ "${good:-0}" = 3000 ] || fail udp_forward "only ${good:-0} of 3000 intact and in order, first wrong: #$first"
if grep -q 'TSO/USO/checksum' "$T/b.log"; then
	[ "$jf" -gt 0 ] || fail udp_forward "b's TAP has USO but no datagram was joined"
fi
pass udp_forward "3000 datagrams a -> b -> plain TAP: checksums, ids, bytes and order as sent ($jf joined on b, cut by b's kernel)"

# nothing hostile happened: no authentication failures anywhere
for n in a b c d; do
	v=$(counter "$n" rx_auth_fail)
	[ "$v" = 0 ] || fail counters "$n: rx_auth_fail=$v"
done
pass counters "no authentication failures"

# b's worker thread did take part (it says so when it stops)
kill_proc b TERM
jobs=$(sed -n 's/.*crypto thread: \([0-9]*\) jobs.*/\1/p' "$T/b.log" | tail -n 1)
[ "${jobs:-0}" -gt 0 ] || fail threads "b's crypto thread ran no jobs: $(grep 'crypto thread' "$T/b.log")"
pass threads "b's crypto thread ran $jobs of its AEAD jobs"
