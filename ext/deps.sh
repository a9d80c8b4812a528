#!/bin/sh
# SPDX-License-Identifier: MIT
# Install what the build (and, with "test", the test suite; with "package",
# the Debian package's build and its test) needs, on Debian, only when it is
# missing.  Libraries are looked up with pkg-config first; apt-get runs only
# when something is not found and we are root.  ZT_DEPS_CHECK=1: only say
# what is missing and fail (the make targets that may not install).
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
# ztd's names responder (service/dns.c)
have_pc ldns || missing="$missing libldns-dev"
if [ "$want" = test ] || [ "$want" = demo ]; then
	for t in ip:iproute2 nft:nftables tcpdump:tcpdump ping:iputils-ping \
		 python3:python3 timeout:coreutils jq:jq curl:curl dig:dnsutils; do
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
if [ "$want" = bench ]; then
	# make bench: the VPNs zt is measured against, and iperf3
	for t in iperf3:iperf3 wireguard-go:wireguard-go wg:wireguard-tools tincd:tinc \
		 fastd:fastd edge:n2n supernode:n2n nebula:nebula nebula-cert:nebula \
		 strip:binutils ip:iproute2 ping:iputils-ping; do
		command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t#*:}"
	done
	# n2n and nebula give two programs each: name each package once
	# shellcheck disable=SC2086
	[ -z "$missing" ] || missing=" $(printf '%s\n' $missing | sort -u | xargs)"
fi
if [ "$want" = package ]; then
	# dpkg-buildpackage, debhelper (compat 13, dh_installsysusers), lintian;
	# systemd-analyze verify and systemd-sysusers check the units and users.
	for t in dpkg-buildpackage:dpkg-dev dh:debhelper fakeroot:fakeroot lintian:lintian \
		 systemd-analyze:systemd systemd-sysusers:systemd; do
		command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t#*:}"
	done
fi
# make pktpath-bench, make shellcost-bench: instruction counts
if [ "$want" = pktpath ]; then
	command -v valgrind >/dev/null 2>&1 || missing="$missing valgrind"
fi
[ -z "$missing" ] && exit 0
if [ "${ZT_DEPS_CHECK:-0}" = 1 ]; then
	echo "deps: missing:$missing -- run make deps DEPS=$want (or apt-get install$missing)" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing:$missing -- install them (apt-get install$missing) or run as root" >&2
	exit 1
fi
echo "deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
