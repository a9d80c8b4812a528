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

# the data: one file of random bytes
head -c $((MB * 1000000)) /dev/urandom >"$T/data" || fail setup "cannot write $T/data"

# transfer FROM TO DSTIP: MB megabytes FROM -> TO, compared by sha256
transfer() {
	local from=$1 to=$2 ip=$3 port=$((5000 + RANDOM % 1000)) t0 out ms
	wait_until 20 ping_ok "$from" "$ip" || fail "$from$to" "no ping $from -> $ip within 20 s"
	bg "$to" "sink-$from$to" timeout 120 $PROBE tcp-sink "$port"
	local sink=$LAST_PID
	wait_until 10 tcp_listening "$to" "$port" || fail "$from$to" "no TCP sink on $to:$port"
	t0=$(now_ms)
	# the sender hashes what it sends, the sink what it receives, and the
	# sender compares the two (bytes and sha256)
	out=$(x "$from" timeout 90 $PROBE tcp-send "$ip" "$port" "@$T/data" 2>&1)
	ms=$(( $(now_ms) - t0 ))
	kill "$sink" 2>/dev/null
	case $out in "TCP $((MB * 1000000)) bytes "*" intact") ;; *) fail "$from$to" "$out" ;; esac
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
bg b usink timeout 30 $PROBE udp-gso-sink 10.9.0.2 6000
usink=$LAST_PID
wait_until 10 udp_bound b 6000 || fail uso "no UDP receiver on b"
x a timeout 30 $PROBE udp-gso-send 10.9.0.2 6000 >"$T/usrc.log" 2>&1 ||
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
datapath() { info_json "$1" ".dataPath.$2 // -1"; } # NAME KEY: a counter from /status "dataPath"
# useq NAME FROM TO FAMILY DSTIP BINDIP: the sequence FROM -> TO; sets JOINED
# (the datagrams TO's ztd wrote to its TAP inside UDP super-frames meanwhile)
useq() {
	local name=$1 from=$2 to=$3 fam=$4 dst=$5 bind=$6 port=$((7000 + RANDOM % 1000))
	local j0 got good first rx
	wait_until 20 x "$from" ping -"$fam" -n -c 1 -W 1 -q "$dst" ||
		fail "$name" "no ping $from -> $dst within 20 s"
	j0=$(datapath "$to" tapUdpDatagramsJoined)
	bg "$to" "useq-$name" timeout 30 $PROBE useq rx "$fam" "$bind" "$port"
	rx=$LAST_PID
	wait_until 10 udp_bound "$to" "$port" || fail "$name" "no receiver on $to:$port"
	x "$from" timeout 30 $PROBE useq tx "$fam" "$dst" "$port" >"$T/useq-tx-$name.log" 2>&1 ||
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
bg b useq-fwd timeout 30 $PROBE useq tap - zfwd0 7999 1400
fwd=$LAST_PID
wait_until 10 x b ip link show dev zfwd0 || fail udp_forward "no TAP zfwd0 in b"
x b sysctl -qw net.ipv6.conf.zfwd0.disable_ipv6=1
x b ip link set zfwd0 mtu 2800 up
x b ip addr add 198.18.201.1/24 dev zfwd0
x b ip neigh replace 198.18.201.2 lladdr 02:00:00:00:20:01 dev zfwd0
x a ip route add 198.18.201.0/24 via 10.9.0.2
j0=$(datapath b tapUdpDatagramsJoined)
x a timeout 30 $PROBE useq tx 4 198.18.201.2 7999 1400 >"$T/useq-tx-fwd.log" 2>&1 ||
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
