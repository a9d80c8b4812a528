#!/bin/sh
# SPDX-License-Identifier: MIT
# Install what the build (and, with "test", the test suite) needs, on Debian,
# only when it is missing.  Libraries are looked up with pkg-config first;
# apt-get runs only when something is not found and we are root.
set -eu
want=${1:-build}
missing=""
have_pc() { pkg-config --exists "$1" 2>/dev/null; }
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
command -v cc >/dev/null 2>&1 || missing="$missing gcc"
have_pc libsodium || missing="$missing libsodium-dev"
have_pc jansson || missing="$missing libjansson-dev"
# port mappings on the home router (UPnP-IGD, NAT-PMP)
have_pc miniupnpc || [ -f /usr/include/miniupnpc/miniupnpc.h ] || missing="$missing libminiupnpc-dev"
[ -f /usr/include/natpmp.h ] || missing="$missing libnatpmp-dev"
have_pc sqlite3 || missing="$missing libsqlite3-dev"
if [ "$want" = test ] || [ "$want" = demo ]; then
	for t in ip:iproute2 nft:nftables tcpdump:tcpdump ping:iputils-ping \
		 python3:python3 timeout:coreutils jq:jq; do
		command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t#*:}"
	done
fi
if [ "$want" = test ]; then
	command -v clang >/dev/null 2>&1 || missing="$missing clang"
	# the NAT lab (test/netlab): NFQUEUE delay helper, conntrack, miniupnpd;
	# busybox: udhcpd/udhcpc for DHCP across bridged sites (t_bridge_restart)
	have_pc libnetfilter_queue || missing="$missing libnetfilter-queue-dev"
	# t_metrics: a real Prometheus scrapes ztd, zt-root and zt-controller
	# (19 MB download, 96 MB installed with its web UI's JS libraries);
	# promtool, in the same package, checks the text format
	for t in conntrack:conntrack iptables:iptables miniupnpd:miniupnpd-nftables \
		 upnpc:miniupnpc natpmpc:natpmp-utils prometheus:prometheus promtool:prometheus \
		 curl:curl busybox:busybox; do
		command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t#*:}"
	done
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing:$missing -- install them (apt-get install$missing) or run as root" >&2
	exit 1
fi
echo "deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
