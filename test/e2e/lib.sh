# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# lib.sh - helpers for zt's end-to-end tests: real binaries (build/ztd,
# build/zt-cli, build/zt-root) in network namespaces that the test builds
# and tears down itself.  Sourced by test/e2e/t_*.sh and demo.sh.
#
# What a test gets:
#   - a prefix unique to this run ($P = zte<pid>), used for every namespace
#     name; veths are created directly inside their namespaces, so their
#     (short, fixed) names never appear in the host namespace and cannot
#     clash with another run or with anything else on the machine;
#   - an "internet" router namespace ($P-inet, ip_forward=1, no NAT) with
#     members on 198.18.<n>.0/24 and roots on 203.0.113.<16k>/28;
#   - zt-root / ztd started in namespaces, each with its own home dir and
#     log under $T (a temp dir, printed with the logs when a test fails);
#   - bounded waits (wait_until TIMEOUT CMD... polls every 0.2 s): a test
#     waits for the state it needs (a listener bound, a counter reached,
#     a packet captured), never for a fixed time, unless letting time pass
#     is the point (and then a comment says so);
#   - the LAN and traffic programs in lanprobe.py ($PROBE), JSON read with
#     jq;
#   - a zt-controller and its managed network (start_ctl, ctl_api,
#     ctl_network, ctl_authorize, wait_assigned, ctl_members);
#   - pass / fail printing "PASS <name>" / "FAIL <name>: why";
#   - cleanup on EXIT/INT/TERM: kills only the PIDs it started (and
#     whatever is still running inside the namespaces it created), deletes
#     only the namespaces it created, even when the test fails.
#
# Underlay addresses:
#   member n (1..)  198.18.n.2/24, gateway 198.18.n.1 (on $P-inet, dev m<n>)
#   root k (0..)    203.0.113.(16k+2)/28, gateway 203.0.113.(16k+1) (dev r<k>)
# Every program listens on UDP 9993 in its own namespace; ztd's API is on
# 127.0.0.1:9993 (TCP) of its namespace's own loopback.
#
# Run one test by hand (as root, from the top of the tree):
#   B=build bash test/e2e/t_basic.sh        # B=build-san: sanitizer build;
#   KEEP_LOGS=1 B=build bash test/e2e/...   # keep $T even when it passes
# A daemon's log that shows an ASan/UBSan/LSan report fails the test.
set -u

# ---- where things are ----------------------------------------------------
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$E2E_DIR/../.." && pwd)
B=${B:-build}
case $B in /*) ;; *) if [ -d "$B" ]; then B=$(cd "$B" && pwd); else B=$TOP/$B; fi ;; esac
ZTD=$B/ztd
ZTCLI=$B/zt-cli
ZTROOT=$B/zt-root
ZTCTL=$B/zt-controller
TNAME=${TNAME:-$(basename "$0" .sh)}
# shellcheck disable=SC2034 # used by the scripts that source this
PROBE="python3 $E2E_DIR/lanprobe.py"
NWID=${NWID:-ff00000000000001}
ZT_PORT=9993
# No UPnP/NAT-PMP worker unless a test wants one (t_upnp, the NAT matrix):
# there is no router to ask in most labs, and asking costs seconds at exit.
export ZT_PORTMAP=${ZT_PORTMAP:-off}

# ---- output --------------------------------------------------------------
FAILED=0
say() { echo "# $*"; }                            # progress (not a PASS/FAIL line)
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
T0=$(now_ms)
elapsed() { local d=$(( $(now_ms) - T0 )); printf '%d.%01ds' $((d / 1000)) $(((d % 1000) / 100)); }
pass() { echo "PASS $TNAME.$1${2:+ ($2)}"; }
# fail WHAT WHY: print the FAIL line and stop the test (cleanup prints the logs)
fail() { FAILED=1; echo "FAIL $TNAME.$1: $2"; exit 1; }
# expect_err NAME EXPECTED_SUBSTRING CMD...: CMD fails with exit status 1
# and one line that contains EXPECTED_SUBSTRING
expect_err() {
	local name=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	[ $rc = 1 ] || fail "$name" "exit status $rc, want 1: $out"
	[ "$(echo "$out" | wc -l)" = 1 ] || fail "$name" "not one line: $out"
	case $out in *"$want"*) ;; *) fail "$name" "'$out' lacks '$want'" ;; esac
	pass "$name" "$out"
}
skip() { echo "SKIP $TNAME: $*"; SKIPPED=1; exit 0; }
SKIPPED=0

# ---- dependencies --------------------------------------------------------
lab_deps() {
	local missing="" t
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	for t in ip:iproute2 nft:nftables tcpdump:tcpdump python3:python3 ping:iputils-ping \
		timeout:coreutils jq:jq; do
		command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t#*:}"
	done
	if [ -n "$missing" ]; then
		say "installing:$missing"
		export DEBIAN_FRONTEND=noninteractive
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1 ||
			{ apt-get update -qq >/dev/null 2>&1;
			  apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1; }
		for t in ip nft tcpdump python3 ping timeout jq; do
			command -v "$t" >/dev/null 2>&1 || { echo "FAIL $TNAME: missing tool $t (apt-get install$missing)"; exit 1; }
		done
	fi
	[ -e /dev/net/tun ] || { echo "FAIL $TNAME: /dev/net/tun missing"; exit 1; }
	for t in "$ZTD" "$ZTCLI" "$ZTROOT"; do
		[ -x "$t" ] || { echo "FAIL $TNAME: $t not built (run make)"; exit 1; }
	done
}

# ---- state and cleanup ---------------------------------------------------
P=zte$$                 # unique per run; namespace names are $P-<name>
T=""                    # temp dir: homes, logs, captures
PIDS=()                 # every background process we started
NSS=()                  # every namespace we created
KEEP_LOGS=${KEEP_LOGS:-0}

show_logs() {
	local f
	echo "  logs and state kept in $T"
	for f in "$T"/*.log; do
		[ -f "$f" ] || continue
		echo "log| ==== $(basename "$f") (last 40 lines)"
		tail -n 40 "$f" | sed 's/^/log| /'
	done
}

cleanup() {
	local rc=$? p ns i
	trap - EXIT INT TERM
	[ "$FAILED" = 1 ] && rc=1
	if [ -n "$T" ] && [ "$rc" != 0 ] && [ "$SKIPPED" = 0 ]; then
		[ "$FAILED" = 1 ] || echo "FAIL $TNAME: exited with status $rc"
		show_logs
	fi
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for i in $(seq 20); do
		local alive=0
		for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	# whatever still runs inside our own namespaces was started by this test
	for ns in "${NSS[@]}"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	done
	for ns in "${NSS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	# a sanitizer build (B=build-san) reports into the daemons' logs
	if [ -n "$T" ] && [ "$rc" = 0 ] &&
		grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T"/*.log >/dev/null 2>&1; then
		echo "FAIL $TNAME.sanitizer: $(grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T"/*.log | xargs -n1 basename | tr '\n' ' ')"
		grep -hE -A12 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T"/*.log | head -n 40 | sed 's/^/  /'
		rc=1
		show_logs
	fi
	if [ -n "$T" ] && [ "$rc" = 0 ] && [ "$KEEP_LOGS" = 0 ]; then rm -rf "$T"; fi
	[ "$rc" = 0 ] && [ -n "${ON_CLEAN_MSG:-}" ] && echo "$ON_CLEAN_MSG"
	exit "$rc"
}

lab_init() {
	lab_deps
	T=$(mktemp -d "${TMPDIR:-/tmp}/$P.XXXXXX") || { echo "FAIL $TNAME: mktemp"; exit 1; }
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	lab_ns inet
	x inet sysctl -qw net.ipv4.ip_forward=1
}

# ---- namespaces and links ------------------------------------------------
x() { local n=$1; shift; ip netns exec "$P-$n" "$@"; }

lab_ns() { # NAME
	ip netns add "$P-$1" || fail setup "ip netns add $P-$1"
	NSS+=("$P-$1")
	ip -n "$P-$1" link set lo up
	return 0
}

# a veth between NS (dev $2) and inet (dev $3), created inside the namespaces.
# The underlay is IPv4-only (no IPv6 noise on the veths); the overlay TAPs
# keep IPv6, it is a real Ethernet.
lab_link() { # NS IFNAME INET_IFNAME HOST_CIDR GW_CIDR
	local gw=${5%/*}
	ip link add "$2" netns "$P-$1" type veth peer name "$3" netns "$P-inet" ||
		fail setup "veth $1/$2"
	x "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
	x inet sysctl -qw "net.ipv6.conf.$3.disable_ipv6=1"
	ip -n "$P-$1" addr add "$4" dev "$2"
	ip -n "$P-inet" addr add "$5" dev "$3"
	ip -n "$P-$1" link set "$2" up
	ip -n "$P-inet" link set "$3" up
	ip -n "$P-$1" route add default via "$gw"
}

declare -A IP HOME_OF
member_ip() { echo "198.18.$1.2"; }
root_ip() { echo "203.0.113.$((16 * $1 + 2))"; }

lab_member_ns() { # NAME N    (N = 1.., its subnet 198.18.N.0/24)
	lab_ns "$1"
	lab_link "$1" zeth0 "m$2" "198.18.$2.2/24" "198.18.$2.1/24"
	IP[$1]=198.18.$2.2
}
lab_root_ns() { # NAME K     (K = 0.., its subnet 203.0.113.16K/28)
	lab_ns "$1"
	lab_link "$1" zeth0 "r$2" "203.0.113.$((16 * $2 + 2))/28" "203.0.113.$((16 * $2 + 1))/28"
	IP[$1]=203.0.113.$((16 * $2 + 2))
}

# ---- background processes ------------------------------------------------
LAST_PID=""
# bg NS LOGNAME CMD...: run CMD in namespace NS, output to $T/LOGNAME.log
bg() {
	local n=$1 lg=$2; shift 2
	ip netns exec "$P-$n" "$@" >>"$T/$lg.log" 2>&1 &
	LAST_PID=$!
	PIDS+=("$LAST_PID")
}

# ---- waiting -------------------------------------------------------------
# wait_until TIMEOUT_S CMD...: poll CMD every 0.2 s until it succeeds; 1 on timeout
wait_until() {
	local to=$1; shift
	local end=$(( $(now_ms) + ${to%.*} * 1000 ))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(now_ms)" -ge "$end" ] && return 1
		sleep 0.2
	done
}
# wait_exit PID TIMEOUT_S: wait for a process to end; 1 if still alive
wait_exit() {
	local end=$(( $(now_ms) + $2 * 1000 ))
	while kill -0 "$1" 2>/dev/null; do
		[ "$(now_ms)" -ge "$end" ] && return 1
		sleep 0.1
	done
	return 0
}

# ---- zt-root -------------------------------------------------------------
declare -A ZPID ROOTID
# udp_bound / tcp_listening NS PORT: a socket is bound / listening there
udp_bound() { [ -n "$(x "$1" ss -Hlun "sport = :$2" 2>/dev/null)" ]; }
tcp_listening() { [ -n "$(x "$1" ss -Hltn "sport = :$2" 2>/dev/null)" ]; }
start_root() { # NAME [extra zt-root args...]
	local n=$1 out
	shift
	HOME_OF[$n]=$T/$n
	mkdir -p "$T/$n"
	# the identity first (created on first use), so that nothing depends on
	# when the daemon flushes its stdout
	out=$("$ZTROOT" identity "$T/$n" 2>&1) || fail setup "zt-root identity $n: $out"
	ROOTID[$n]=$(echo "$out" | tail -n 1)
	[ -n "${ROOTID[$n]}" ] || fail setup "zt-root identity $n printed nothing"
	bg "$n" "$n" "$ZTROOT" -p "$ZT_PORT" -b "${IP[$n]}" "$@" "$T/$n"
	ZPID[$n]=$LAST_PID
	wait_until 15 udp_bound "$n" "$ZT_PORT" ||
		fail setup "zt-root $n not listening on UDP $ZT_PORT within 15 s: $(tail -n 3 "$T/$n.log")"
	kill -0 "$LAST_PID" 2>/dev/null || fail setup "zt-root $n exited: $(tail -n 3 "$T/$n.log")"
}

# make_roots FILE ROOTNAME...: a roots file signed by a fresh signer
make_roots() {
	local f=$1 spec=() r
	shift
	"$ZTROOT" genid "$T/signer.secret" >"$T/signer.public" 2>>"$T/mkroots.log" ||
		fail setup "zt-root genid failed: $(tail -n 3 "$T/mkroots.log")"
	for r in "$@"; do spec+=("${ROOTID[$r]}@${IP[$r]}/$ZT_PORT"); done
	"$ZTROOT" mkroots -s "$T/signer.secret" "${spec[@]}" >"$f" 2>>"$T/mkroots.log" ||
		fail setup "zt-root mkroots failed: $(tail -n 3 "$T/mkroots.log")"
	"$ZTROOT" verifyroots "$f" >>"$T/mkroots.log" 2>&1 ||
		fail setup "zt-root verifyroots rejects the file mkroots wrote"
}

# ---- ztd / zt-cli --------------------------------------------------------
start_ztd() { # NAME [extra ztd args...]
	local n=$1
	shift
	HOME_OF[$n]=$T/$n
	mkdir -p "$T/$n"
	echo "---- ztd start $(date +%T.%N)" >>"$T/$n.log"
	bg "$n" "$n" "$ZTD" -p "$ZT_PORT" -r "$T/roots" -v "$@" "$T/$n"
	ZPID[$n]=$LAST_PID
}
# (bounded: a daemon that stops answering must not hang the test)
cli() { local n=$1; shift; x "$n" timeout 10 "$ZTCLI" -D "${HOME_OF[$n]}" "$@"; }
is_online() { cli "$1" info 2>/dev/null | grep -q '^200 info .* ONLINE'; }
zt_addr() { cli "$1" info 2>/dev/null | awk '$1 == "200" && $2 == "info" { print $3; exit }'; }

# wait_online NAME...: each answers `info` with ONLINE within 20 s
wait_online() {
	local n
	for n in "$@"; do
		wait_until 20 is_online "$n" ||
			fail online "$n not ONLINE within 20 s: zt-cli info says '$(cli "$n" info 2>&1 | head -n 2 | tr '\n' ' ')'"
	done
}

# tap_of NAME NWID: the TAP device name from `zt-cli listnetworks`
tap_of() {
	cli "$1" listnetworks 2>/dev/null |
		awk -v nw="$2" '$1 == "200" && $2 == "listnetworks" && $3 == nw { print $8; exit }'
}
tap_exists() { local t; t=$(tap_of "$1" "$2"); [ -n "$t" ] && [ "$t" != - ] && ip -n "$P-$1" link show dev "$t" >/dev/null 2>&1; }

# status_of NAME [NWID] / ips_of NAME [NWID]: the network's status (OK,
# ACCESS_DENIED, ...) / its assigned addresses ("10.9.0.12/24,..." or "-")
# in `zt-cli listnetworks`; NWID defaults to $NW, the managed network
status_of() {
	cli "$1" listnetworks 2>/dev/null |
		awk -v nw="${2:-$NW}" '$1 == "200" && $2 == "listnetworks" && $3 == nw { print $6; exit }'
}
ips_of() {
	cli "$1" listnetworks 2>/dev/null |
		awk -v nw="${2:-$NW}" '$1 == "200" && $2 == "listnetworks" && $3 == nw { print $9; exit }'
}

declare -A TAP
# join_net NAME NWID OVERLAY_CIDR: join, wait for the TAP, put the address on
join_net() {
	local n=$1 nw=$2 cidr=$3 out
	out=$(cli "$n" join "$nw" 2>&1) || fail join "$n: zt-cli join $nw: $out"
	wait_until 15 tap_exists "$n" "$nw" ||
		fail join "$n: no TAP for $nw within 15 s; listnetworks: $(cli "$n" listnetworks 2>&1 | tr '\n' ' ')"
	TAP[$n]=$(tap_of "$n" "$nw")
	ip -n "$P-$n" addr add "$cidr" dev "${TAP[$n]}" ||
		fail join "$n: ip addr add $cidr dev ${TAP[$n]}"
	ip -n "$P-$n" link set "${TAP[$n]}" up
}

# peer_path NAME PEERADDR: DIRECT | RELAY | NONE | "" (not listed)
peer_path() {
	cli "$1" listpeers 2>/dev/null |
		awk -v a="$2" '$1 == "200" && $2 == "listpeers" && $3 == a { print $4; exit }'
}
path_is() { [ "$(peer_path "$1" "$2")" = "$3" ]; }

# counter NAME CTR: a counter from /status (zt-cli -j info), e.g. rx_replay
counter() { info_json "$1" ".counters.$2 // -1"; }
# info_json NAME FILTER: a jq filter applied to NAME's /status (zt-cli -j info)
info_json() { cli "$1" -j info 2>/dev/null | jq -r "$2"; }
# What a node sends as FRAG datagrams (tx_fragmented of frames_out):
# frag_mark NAME remembers both counters; frag_ratio_ok NAME MIN WHAT fails
# WHAT unless NAME has sent at least MIN frames since and at most 2 % of
# them were cut into FRAG datagrams (ztd cuts TCP to fit the path).  Sets
# FRAG_N and FRAG_OUT to the two counts.
declare -A FRAG0 OUT0
frag_mark() {
	FRAG0[$1]=$(counter "$1" tx_fragmented)
	OUT0[$1]=$(counter "$1" frames_out)
}
frag_ratio_ok() {
	FRAG_N=$(( $(counter "$1" tx_fragmented) - FRAG0[$1] ))
	FRAG_OUT=$(( $(counter "$1" frames_out) - OUT0[$1] ))
	say "$3: $FRAG_N of $FRAG_OUT frames $1 sent were fragmented"
	[ "$FRAG_OUT" -ge "$2" ] && [ $((FRAG_N * 50)) -le "$FRAG_OUT" ] ||
		fail "$3" "$FRAG_N of $FRAG_OUT frames $1 sent were fragmented (want >= $2 frames, <= 2% fragmented: TCP cut to the path)"
}
counters_all() { # NAME: every counter, one line
	info_json "$1" '.counters // {} | to_entries | sort_by(.key) | map("\(.key)=\(.value)") | join(" ")'
}
# counter_ge NAME CTR MIN: the counter has reached MIN
counter_ge() { local v; v=$(counter "$1" "$2"); [ -n "$v" ] && [ "$v" -ge "$3" ]; }

# ping_ok NAME DST: one echo, 1 s timeout
ping_ok() { x "$1" ping -n -c 1 -W 1 -q "$2" >/dev/null 2>&1; }
# ping_all NAME COUNT [PING OPTIONS...] DST: COUNT echoes, every one answered
# (ping itself exits 0 when any one is); prints ping's output
ping_all() {
	local n=$1 c=$2 out got
	shift 2
	out=$(x "$n" ping -n -c "$c" "$@" 2>&1)
	echo "$out"
	got=$(echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	[ "${got:-0}" = "$c" ]
}

# kill_ztd NAME SIGNAL: stop a daemon we started, wait (5 s) until it is gone
kill_proc() {
	local n=$1 sig=$2 p=${ZPID[$1]}
	kill "-$sig" "$p" 2>/dev/null
	wait_exit "$p" 5 || fail stop "$n (pid $p) still running 5 s after SIG$sig"
	wait "$p" 2>/dev/null
	return 0
}

# capture NS IFACE FILE FILTER...: tcpdump in the background (at most 120 s),
# returns when it is listening; the pid is in LAST_PID.  Immediate mode:
# each packet is written as it comes (not when a ring block fills or times
# out), so a test can poll the file for what it expects (pcap_has).
capture() {
	local n=$1 dev=$2 f=$3 lg
	shift 3
	lg=tcpdump-$n-$(basename "$f" .pcap)
	bg "$n" "$lg" timeout 120 tcpdump -n -U --immediate-mode -i "$dev" -w "$f" "$@"
	local pid=$LAST_PID
	wait_until 10 grep -q 'listening on' "$T/$lg.log" ||
		fail capture "tcpdump in $n on $dev did not start: $(tail -n 2 "$T/$lg.log")"
	LAST_PID=$pid
}
# stop_capture PID: let tcpdump flush and exit.  Wait for what a capture
# must hold with pcap_has first; the short sleep here is for what it must
# not hold: "nothing more arrived" is no event to poll for, so frames still
# on their way get a moment to be read before tcpdump stops.
stop_capture() {
	sleep 0.3
	kill -TERM "$1" 2>/dev/null   # (background jobs ignore SIGINT)
	wait_exit "$1" 5 || kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}
# pcap_count FILE FILTER...: number of packets matching a tcpdump filter
pcap_count() { local f=$1; shift; tcpdump -n -r "$f" "$@" 2>/dev/null | wc -l; }
# pcap_has FILE MIN FILTER...: at least MIN such packets (also while tcpdump
# is still writing FILE)
pcap_has() { local f=$1 m=$2; shift 2; [ "$(pcap_count "$f" "$@")" -ge "$m" ]; }

# ---- zt-controller and a managed network ---------------------------------
# The controller's admin API is on 127.0.0.1 of its namespace, its port in
# HOME/ztd.port (written once it listens), its token in
# HOME/authtoken.secret.  CTL_NS is the namespace start_ctl last used, CTL
# its address (the first 10 hex digits of its networks' ids), NW the
# network ctl_network last made, NET_JSON that network as the API answered.
CTL_NS=""
CTL=""
NW=""
NET_JSON=""
# start_ctl NAME [extra zt-controller args...]: zt-controller in NAME's
# namespace (home $T/NAME, the roots in $T/roots if there are), up within
# 15 s; also the way to restart it (after kill_proc NAME ...)
start_ctl() {
	local n=$1 roots=()
	shift
	[ -x "$ZTCTL" ] || fail setup "$ZTCTL not built (run make)"
	[ -f "$T/roots" ] && roots=(-r "$T/roots")
	HOME_OF[$n]=$T/$n
	mkdir -p "$T/$n"
	rm -f "$T/$n/ztd.port" # so that the wait sees this start's
	bg "$n" "$n" "$ZTCTL" -p "$ZT_PORT" "${roots[@]}" -v "$@" "$T/$n"
	ZPID[$n]=$LAST_PID
	wait_until 15 test -s "$T/$n/ztd.port" ||
		fail setup "zt-controller $n did not start within 15 s: $(tail -n 3 "$T/$n.log")"
	CTL_NS=$n
	CTL=$(cut -c1-10 "$T/$n/identity.public")
}
# ctl_api METHOD PATH [BODY]: the admin API of the controller in $CTL_NS;
# prints "<status> <body>" (curl if there is one: it starts faster than
# python)
ctl_api() {
	local home=$T/$CTL_NS url tok out
	url="http://127.0.0.1:$(cat "$home/ztd.port")$2"
	tok=$(cat "$home/authtoken.secret")
	if ! command -v curl >/dev/null 2>&1; then
		x "$CTL_NS" timeout 10 $PROBE http "$1" "$url" "$tok" "${3:-}"
		return
	fi
	out=$(x "$CTL_NS" curl -s -m 10 -w '\n%{http_code}' -X "$1" -H "X-ZT1-Auth: $tok" \
		${3:+--data-binary "$3"} "$url")
	echo "${out##*$'\n'} ${out%$'\n'*}"
}
# ctl_ok WHAT METHOD PATH [BODY]: ctl_api, which must answer 200 (else
# fail WHAT); the body in CTL_BODY
ctl_ok() {
	local what=$1 out
	shift
	out=$(ctl_api "$@")
	case $out in "200 "*) ;; *) fail "$what" "$1 $2: $out" ;; esac
	CTL_BODY=${out#200 }
}
# The pool most managed networks assign from, and its route.
CTL_POOL='{"ipAssignmentPools":[{"ipRangeStart":"10.9.0.10","ipRangeEnd":"10.9.0.250"}],
	"routes":[{"target":"10.9.0.0/24"}],"v4AssignMode":{"zt":true}}'
# ctl_network NAME [CONFIG]: a new network of the controller's named NAME,
# with the pool above and CONFIG (a JSON object; its keys win); sets NW
# and NET_JSON.  A test that wants no pool makes its network with ctl_ok.
ctl_network() {
	local conf extra=${2:-}
	[ -n "$extra" ] || extra='{}'
	conf=$(jq -cn --arg name "$1" --argjson pool "$CTL_POOL" --argjson c "$extra" \
		'{name: $name} + $pool + $c') || fail create "not a JSON object: $extra"
	ctl_ok create POST "/controller/network/${CTL}______" "$conf"
	NET_JSON=$CTL_BODY
	NW=$(echo "$NET_JSON" | jq -r .id)
	[ -n "$NW" ] && [ "$NW" != null ] || fail create "no network id in: $NET_JSON"
}
# ctl_join NAME...: each joins $NW (zt-cli join)
ctl_join() {
	local n out
	for n in "$@"; do
		out=$(cli "$n" join "$NW" 2>&1) || fail join "$n: zt-cli join $NW: $out"
	done
}
# ctl_authorize NAME [MEMBER]: NAME's node becomes a member of $NW with the
# config MEMBER (a JSON object, {"authorized":true} if not given)
ctl_authorize() {
	local a member=${2:-}
	[ -n "$member" ] || member='{"authorized":true}'
	a=$(zt_addr "$1")
	[ -n "$a" ] || fail authorize "$1: no address from zt-cli info"
	ctl_ok authorize POST "/controller/network/$NW/member/$a" "$member"
}
# wait_assigned NAME [SECONDS]: within SECONDS (20) NAME has $NW with
# status OK and its first assigned address on the TAP; ZIP[NAME] is that
# address, TAP[NAME] the TAP
declare -A ZIP
assigned_on_tap() {
	local ip tap
	ip=$(ips_of "$1")
	ip=${ip%%,*}
	[ -n "$ip" ] && [ "$ip" != - ] && [ "$(status_of "$1")" = OK ] || return 1
	tap=$(tap_of "$1" "$NW")
	[ -n "$tap" ] && [ "$tap" != - ] &&
		ip -n "$P-$1" -4 addr show dev "$tap" 2>/dev/null | grep -q "inet ${ip%%/*}/"
}
wait_assigned() {
	local ip
	wait_until "${2:-20}" assigned_on_tap "$1" ||
		fail assigned "$1: no address from the pool on its TAP within ${2:-20} s: status '$(status_of "$1")', addresses '$(ips_of "$1")', TAP '$(tap_of "$1" "$NW")'"
	ip=$(ips_of "$1")
	ip=${ip%%,*}
	ZIP[$1]=${ip%%/*}
	TAP[$1]=$(tap_of "$1" "$NW")
}
# ctl_members NAME...: each (started and online) joins $NW, is authorized
# and holds its address (wait_assigned)
ctl_members() {
	local n
	ctl_join "$@"
	for n in "$@"; do ctl_authorize "$n"; done
	for n in "$@"; do wait_assigned "$n"; done
}

# lab_ctl MEMBERS...: the common topology below with a controller: root0,
# ctl (zt-controller, 198.18.1.2) and the named members' namespaces
# (subnets 2, 3, ...); the root and the controller started, the members'
# ztd left to the test (start_ztd)
lab_ctl() {
	local i=2 m
	lab_root_ns root0 0
	lab_member_ns ctl 1
	for m in "$@"; do lab_member_ns "$m" "$i"; i=$((i + 1)); done
	start_root root0
	make_roots "$T/roots" root0
	start_ctl ctl
}

# ---- the common topology -------------------------------------------------
#   root0 (203.0.113.2) --r0-- inet --m1-- a (198.18.1.2)
#                                   --m2-- b (198.18.2.2)
# lab_basic MEMBERS...: one root, the named members (subnets 1, 2, ...),
# all started, online, joined to $NWID with 10.9.0.<i>/24.
lab_basic() {
	local i=1 m
	lab_root_ns root0 0
	for m in "$@"; do lab_member_ns "$m" "$i"; i=$((i + 1)); done
	start_root root0
	make_roots "$T/roots" root0
	for m in "$@"; do start_ztd "$m"; done
	wait_online "$@"
	i=1
	for m in "$@"; do join_net "$m" "$NWID" "10.9.0.$i/24"; i=$((i + 1)); done
}
