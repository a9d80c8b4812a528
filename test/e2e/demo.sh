#!/bin/bash
# SPDX-License-Identifier: MIT
# demo.sh (make demo): a root and two members in network namespaces on two
# different underlay subnets, one ad-hoc network, a ping across the overlay,
# and what zt-cli shows about it.  Everything is torn down at the end.
#
#            root0  203.0.113.2 (zt-root)
#              |
#   inet  router
#       |                          |
#   a  198.18.1.2 (ztd)         b  198.18.2.2 (ztd)
#      10.9.0.1/24  <== ff00000000000001 ==>  10.9.0.2/24
[ -z "${BASH_VERSION:-}" ] && exec bash "$0" "$@"
TNAME=demo
. "$(dirname "$0")/lib.sh"

if [ -t 1 ]; then H=$'\e[1;36m' C=$'\e[1;33m' D=$'\e[2m' N=$'\e[0m'; else H="" C="" D="" N=""; fi
# (the pause is for the person watching a terminal: a fixed time on purpose)
step() { [ -t 1 ] && sleep 0.7; echo; echo "${H}==> $*${N}"; }
note() { echo "${D}    $*${N}"; }
run() { # NS CMD...: show the command, then its output, indented
	local n=$1; shift
	local line="$*"
	line=${line//"$B/"/}
	line=${line//"$T"/\$T}
	echo "${C}[$n]\$ $line${N}"
	x "$n" "$@" 2>&1 | sed 's/^/    /'
}
demo_fail() { echo "demo: $*" >&2; FAILED=1; exit 1; }

[ "$(id -u)" = 0 ] || { echo "demo: needs root (it builds network namespaces)"; exit 1; }
lab_init

step "Building the lab: an 'internet' router, a root host and two member hosts"
lab_root_ns root0 0
lab_member_ns a 1
lab_member_ns b 2
cat <<EOF
            root0  ${IP[root0]}   (runs zt-root)
              |
    inet  a plain router between the subnets (namespace $P-inet)
       |                           |
    a  ${IP[a]}  (ztd)        b  ${IP[b]}  (ztd)
EOF
note "every box is a network namespace; nothing leaves this machine"
note "homes and logs: \$T = $T"

step "Starting the root and writing a signed roots file"
start_root root0
note "zt-root's identity: ${ROOTID[root0]:0:40}..."
make_roots "$T/roots" root0
note "roots file: ${ROOTID[root0]%%:*}@${IP[root0]}/$ZT_PORT, signed by $(cut -c1-10 "$T/signer.public")"

step "Starting ztd on a and b (each has its own home dir and identity)"
start_ztd a
start_ztd b
wait_until 20 is_online a || demo_fail "a did not come ONLINE"
wait_until 20 is_online b || demo_fail "b did not come ONLINE"
run a "$ZTCLI" -D "$T/a" info
run b "$ZTCLI" -D "$T/b" info
note "ONLINE = the node has a session with the root"

step "Joining the ad-hoc network $NWID on both (ad-hoc ids start with ff: no controller)"
for m in a b; do
	x "$m" "$ZTCLI" -D "$T/$m" join "$NWID" | sed 's/^/    /'
done
wait_until 15 tap_exists a "$NWID" || demo_fail "no TAP on a"
wait_until 15 tap_exists b "$NWID" || demo_fail "no TAP on b"
TAP[a]=$(tap_of a "$NWID")
TAP[b]=$(tap_of b "$NWID")
run a "$ZTCLI" -D "$T/a" listnetworks
note "the MAC is derived from the node's address and the network id; the TAP is the"
note "network's Ethernet device in this namespace"

step "Giving the TAPs addresses: 10.9.0.1 on a, 10.9.0.2 on b"
ip -n "$P-a" addr add 10.9.0.1/24 dev "${TAP[a]}" && ip -n "$P-a" link set "${TAP[a]}" up
ip -n "$P-b" addr add 10.9.0.2/24 dev "${TAP[b]}" && ip -n "$P-b" link set "${TAP[b]}" up
run a ip -br addr show dev "${TAP[a]}"

step "Pinging b from a across the overlay"
wait_until 20 ping_ok a 10.9.0.2 || demo_fail "no echo reply from 10.9.0.2"
run a ping -n -c 4 -i 0.3 10.9.0.2
note "ARP, ICMP and everything else travel as Ethernet frames, encrypted end to end"

step "Peers as a sees them"
wait_until 5 path_is a "$(zt_addr b)" DIRECT
run a "$ZTCLI" -D "$T/a" listpeers
note "DIRECT = straight to the peer's UDP endpoint; RELAY would read via:<root address>"
note "role: PLANET (a root: rendezvous and relay) or LEAF (a member); since: seconds on this path"
note "the first packet went through the root, which told both sides where the other is;"
note "then they punched through to each other and talked directly"

step "Tearing everything down"
ON_CLEAN_MSG="    stopped every process the demo started, deleted its namespaces: done in $(elapsed)"
