#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the libraries zt links (libsodium, jansson, miniupnpc, ldns, libnatpmp and,
# for the controller and the simulator, SQLite) as static libraries for
# another C library or architecture, from Debian's own source packages:
#
#   sh ext/libs.sh CC PREFIX [WORKDIR]
#   sh ext/libs.sh build-mipsel/musl/bin/musl-gcc build-mipsel/deps
#
# CC is a musl compiler: ext/musl.sh's wrapper around Debian's cross gcc, or
# Debian's musl-gcc (musl-tools) for the build machine itself.
# ZT_LIBS="libsodium jansson": build only these (the unit tests and the
# simulator need libsodium, jansson, miniupnpc and SQLite; ztd adds ldns and
# libnatpmp).  ZT_LIBS_OPT: the -O (default -O2; the router builds use -Os).
# The sources come from `apt-get source` (the deb-src entry ext/deps.sh cross
# adds points at the same archive as apt's deb lines), with Debian's patches
# applied, so the versions are those of the Debian release the build runs on.
# They are unpacked in WORKDIR (default PREFIX/../src), never in the tree.
# Headers and libraries land in PREFIX/include and PREFIX/lib, with .pc files
# in PREFIX/lib/pkgconfig (libnatpmp ships none: -lnatpmp is used as is).
# PREFIX/.done-NAME marks what is built: a second run builds nothing.
set -eu
# Called from make with ARCH=... on its command line: make passes that on
# to every make below it (MAKEFLAGS) and in the environment, and a library's Makefile may read ARCH
# (musl's picked arch/mipsel, which does not exist, instead of arch/mips).
unset MAKEFLAGS MFLAGS MAKELEVEL ARCH
[ $# -ge 2 ] || { echo "usage: ext/libs.sh CC PREFIX [WORKDIR]" >&2; exit 2; }
cc=$1
mkdir -p "$2"
prefix=$(cd "$2" && pwd)
work=${3:-$prefix/../src}
mkdir -p "$work"
work=$(cd "$work" && pwd)
host=$($cc -dumpmachine)
# The compiler's name says the cross prefix (mipsel-linux-musl-gcc ->
# mipsel-linux-musl-); ar and ranlib are binutils' of the same target.
# musl-gcc and the musl wrappers reuse the GNU binutils of their machine.
case $host in
*-linux-musl*) bu=$(echo "$host" | sed 's/-linux-musl.*$/-linux-gnu/') ;;
*) bu=$host ;;
esac
ar=$bu-ar
ranlib=$bu-ranlib
command -v "$ar" >/dev/null 2>&1 || { ar="ar" ranlib="ranlib"; }
jobs=${ZT_JOBS:-2}
cflags="${ZT_LIBS_OPT:--O2} -fPIC -ffunction-sections -fdata-sections"
log=$work/build.log
: >"$log"

src() { # package -> the unpacked source directory
	pkg=$1
	d=$(find "$work" -maxdepth 1 -type d -name "$pkg-[0-9]*" | head -n 1)
	if [ -z "$d" ]; then
		(cd "$work" && apt-get source -qq "$pkg" >>"$log" 2>&1) || {
			echo "libs: apt-get source $pkg failed (is there a deb-src entry? ext/deps.sh cross adds one)" >&2
			return 1
		}
		d=$(find "$work" -maxdepth 1 -type d -name "$pkg-[0-9]*" | head -n 1)
	fi
	[ -n "$d" ] && echo "$d"
}

autotools() { # dir configure-args...
	d=$1; shift
	# Debian's orig tarballs may lack configure: Debian runs autoreconf too.
	[ -x "$d/configure" ] || (cd "$d" && autoreconf -fi >>"$log" 2>&1)
	# shellcheck disable=SC2086 # MAKEARGS, cflags: lists of words
	(cd "$d" && CC=$cc AR=$ar RANLIB=$ranlib CFLAGS=$cflags ./configure -q --host="$host" \
		--prefix="$prefix" --disable-shared --enable-static "$@" >>"$log" 2>&1 &&
		make -j"$jobs" ${MAKEARGS:-} >>"$log" 2>&1 && make ${MAKEARGS:-} install >>"$log" 2>&1)
}

step() { # name: build it unless done
	[ -f "$prefix/.done-$1" ] || [ -f "$prefix/.none-$1" ] && return 0
	echo "libs: $1 for $host" >&2
	rc=0
	"build_$1" || rc=$?
	if [ "$rc" = 3 ]; then
		echo "libs: no $1: building without it" >&2
		touch "$prefix/.none-$1"
		return 0
	fi
	[ "$rc" = 0 ] || { echo "libs: $1 failed, see $log" >&2; tail -n 20 "$log" >&2; exit 1; }
	touch "$prefix/.done-$1"
}

build_libsodium() {
	d=$(src libsodium) || return 1
	# Not --enable-minimal: it leaves out crypto_shorthash_siphashx24,
	# which node/hscache.c uses; and what zt does not call, --gc-sections
	# drops from a static program anyway (doc/footprint.md).
	autotools "$d" --disable-pie
}

build_jansson() {
	d=$(src jansson) || return 1
	autotools "$d"
}

build_sqlite3() {
	d=$(src sqlite3) || return 1
	# The amalgamation is made by tclsh on the build machine; threads stay
	# on (the controller's store is used from one thread, but the default is
	# the safe one), extensions off (nothing loads one).  lemon and the other
	# generators run on the build machine: BUILD_CC.
	# Debian's Makefile.in would run the target's lemon: the build one.
	BUILD_CC=${BUILD_CC:-cc} MAKEARGS=LEMON_FOR_BUILD=lemon-for-build \
		autotools "$d" --disable-tcl --disable-readline --disable-load-extension \
		--enable-threadsafe
}

build_miniupnpc() {
	d=$(src miniupnpc) || return 1
	# miniupnpc's own Makefile (no configure): the static library only; it
	# writes build/libminiupnpc.a (older releases: libminiupnpc.a).
	lib=build/libminiupnpc.a
	# shellcheck disable=SC2016 # the Makefile's own text
	grep -q '^LIBRARY = \$(BUILD)' "$d/Makefile" || lib=libminiupnpc.a
	(cd "$d" && make -j"$jobs" CC="$cc" AR="$ar" CFLAGS="$cflags" "$lib" >>"$log" 2>&1 &&
		mkdir -p "$prefix/include/miniupnpc" "$prefix/lib/pkgconfig" &&
		if [ -d include ]; then cp include/*.h "$prefix/include/miniupnpc/"; else
			cp ./*.h "$prefix/include/miniupnpc/"; fi &&
		cp "$lib" "$prefix/lib/" &&
		printf 'Name: miniupnpc\nDescription: UPnP IGD client\nVersion: %s\nLibs: -L%s/lib -lminiupnpc\nCflags: -I%s/include\n' \
			"$(cat VERSION)" "$prefix" "$prefix" >"$prefix/lib/pkgconfig/miniupnpc.pc")
}

build_ldns() {
	d=$(src ldns) || return 1
	# ztd's names responder only parses and builds DNS messages: no
	# DNSSEC, so no OpenSSL, and none of ldns's programs.
	autotools "$d" --with-ssl=no --disable-sha2 --disable-dane --disable-gost --disable-ecdsa \
		--disable-ed25519 --disable-ed448 --disable-dsa --without-drill \
		--without-examples --without-pyldns --without-pyldnsx
}

# Optional: where its source cannot be fetched (the archive's pool may lack
# it), zt is built with make NATPMP=0 (UPnP-IGD only) and says so.
build_libnatpmp() {
	d=$(src libnatpmp) || return 3
	# shellcheck disable=SC2086
	(cd "$d" && "$cc" $cflags -DENABLE_STRNATPMPERR -c natpmp.c getgateway.c >>"$log" 2>&1 &&
		$ar rcs libnatpmp.a natpmp.o getgateway.o &&
		cp natpmp.h "$prefix/include/" &&
		{ [ ! -f natpmp_declspec.h ] || cp natpmp_declspec.h "$prefix/include/"; } &&
		cp libnatpmp.a "$prefix/lib/")
}

mkdir -p "$prefix/include" "$prefix/lib"
# A musl compiler has no Linux kernel headers of its own (Debian's musl-dev
# leaves them out): the cross glibc's (linux-libc-dev) are the same headers.
if ! echo '#include <linux/netlink.h>' | $cc -E -x c - >/dev/null 2>&1; then
	k=/usr/$bu/include
	[ -d "$k/linux" ] || k=/usr/include
	for h in linux asm-generic mtd; do
		[ -e "$prefix/include/$h" ] || ln -s "$k/$h" "$prefix/include/$h"
	done
	a=$k/asm
	[ -d "$a" ] || a=/usr/include/$bu/asm
	[ -e "$prefix/include/asm" ] || ln -s "$a" "$prefix/include/asm"
fi
for l in ${ZT_LIBS:-libsodium jansson miniupnpc ldns sqlite3 libnatpmp}; do
	step "$l"
done
