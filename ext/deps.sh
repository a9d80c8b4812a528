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
have_pc libpq || missing="$missing libpq-dev"
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
	# the controller on PostgreSQL (ctl_store_test, t_ctl_pg): a real
	# server started by the test in a temporary directory
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
	# t_ui: the controller's web UI in a real browser (headless chromium
	# driven through chromedriver by Debian's python3 and its selenium)
	[ -x /usr/bin/chromium ] || missing="$missing chromium"
	[ -x /usr/bin/chromedriver ] || missing="$missing chromium-driver"
	/usr/bin/python3 -c 'import selenium' >/dev/null 2>&1 || missing="$missing python3-selenium"
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
	# shellcost-rules-bench drives zt-controller's API
	for t in jq:jq curl:curl; do
		command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t#*:}"
	done
fi
if [ "$want" = cross ] || [ "$want" = cross-dyn ]; then
	arch=${ARCH:-mipsel}
	gnu=
	case $arch in
	mipsel) gnu=mipsel-linux-gnu deb=mipsel qemu=qemu-mipsel ;;
	mips) gnu=mips-linux-gnu deb=mips qemu=qemu-mips ;;
	arm) gnu=arm-linux-gnueabihf deb=armhf qemu=qemu-arm ;;
	aarch64) gnu=aarch64-linux-gnu deb=arm64 qemu=qemu-aarch64 ;;
	x86_64) [ "$want" = cross ] || { echo "deps: cross-dyn: ARCH=mipsel mips arm or aarch64" >&2; exit 2; } ;;
	*) echo "deps: ARCH=$arch: one of mipsel mips arm aarch64 x86_64" >&2; exit 2 ;;
	esac
	if [ -n "$gnu" ]; then
		command -v "$gnu-gcc" >/dev/null 2>&1 || missing="$missing gcc-$gnu"
		[ -f "/usr/$gnu/include/linux/netlink.h" ] && [ -f "/usr/$gnu/include/stdio.h" ] ||
			missing="$missing libc6-dev-$deb-cross"
		command -v "$qemu" >/dev/null 2>&1 || missing="$missing qemu-user"
	fi
fi
if [ "$want" = cross-dyn ]; then
	# make cross ARCH=... LINK=dynamic: the build an OpenWrt package makes,
	# linked against shared libraries: Debian's own ones for the target
	# (multiarch: libsodium-dev:mipsel and so on, found by pkg-config in
	# /usr/lib/$gnu/pkgconfig), run under qemu-user with the target's
	# glibc, loader and libatomic from the same archive (libc6:mipsel).
	# SQLite for the controller's code in the unit tests and the simulator:
	# its runtime library alone, with the build machine's sqlite3.h (the
	# same version: libsqlite3-0 is Multi-Arch: same, and the build
	# machine's libsqlite3-dev wants its exact version).  libsqlite3-dev:mipsel
	# would pull in libc6-dev:mipsel and linux-libc-dev:mipsel, which
	# must then equal the build machine's version, and the security
	# archive's kernel headers are often newer than the target's.
	for p in libsodium-dev libjansson-dev libminiupnpc-dev libnatpmp-dev libsqlite3-0 libatomic1; do
		dpkg-query -W -f='${db:Status-Status}' "$p:$deb" 2>/dev/null | grep -qx installed ||
			missing="$missing $p:$deb"
	done
	# A fresh machine knows only its own architecture: apt needs the
	# target's package lists before it can install any of these.
	case " $missing " in
	*":$deb "*)
		if ! dpkg --print-foreign-architectures | grep -qx "$deb" &&
			[ -z "${ZT_DEPS_CHECK:-}" ] && [ "$(id -u)" = 0 ]; then
			dpkg --add-architecture "$deb"
		fi
		;;
	esac
fi
if [ "$want" = cross ]; then
	# make test-cross ARCH=...: the cross compiler, qemu-user to run what it
	# builds, and the tools that build musl and the libraries zt links from
	# Debian's source packages (ext/musl.sh, ext/libs.sh: apt-get source,
	# for which a deb-src entry is added for the archive apt uses; autoconf
	# for jansson, tclsh for SQLite's amalgamation).  musl is built for the
	# target with the cross gcc, so every architecture gets it (Debian's
	# musl-dev exists for a few, not big-endian mips); the cross glibc's
	# package brings the kernel headers musl borrows.  ARCH=x86_64: Debian's
	# own musl-gcc (musl-tools), natively.
	[ -n "$gnu" ] || command -v musl-gcc >/dev/null 2>&1 || missing="$missing musl-tools"
	for t in dpkg-source:dpkg-dev autoreconf:autoconf automake:automake libtoolize:libtool \
		 tclsh:tcl make:make; do
		command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t#*:}"
	done
	if [ -z "${ZT_DEPS_CHECK:-}" ] && [ "$(id -u)" = 0 ]; then
		if ! grep -rqs '^\(Types:.*deb-src\|deb-src \)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
			# the same archive as apt's deb lines, for apt-get source
			for f in /etc/apt/sources.list.d/*.sources; do
				[ -f "$f" ] && sed 's/^Types: deb$/Types: deb-src/' "$f" \
					>"/etc/apt/sources.list.d/zt-src-$(basename "$f")"
			done
			if [ -f /etc/apt/sources.list ]; then
				sed -n 's/^deb \(.*\)$/deb-src \1/p' /etc/apt/sources.list \
					>/etc/apt/sources.list.d/zt-src.list
			fi
			apt_update=1
		fi
	fi
fi
[ -z "$missing" ] && [ -z "${apt_update:-}" ] && exit 0
if [ -z "$missing" ]; then
	apt-get update -qq >/dev/null 2>&1 || true
	exit 0
fi
if [ "${ZT_DEPS_CHECK:-0}" = 1 ]; then
	echo "deps: missing:$missing -- run make deps DEPS=$want${arch:+ ARCH=$arch} (or apt-get install$missing)" >&2
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
