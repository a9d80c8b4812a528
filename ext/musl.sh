#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the musl C library for a router's architecture with Debian's cross
# compiler, from Debian's own musl source package, and installs it with its
# gcc wrapper into PREFIX:
#
#   sh ext/musl.sh CROSS PREFIX [WORKDIR]
#   sh ext/musl.sh mipsel-linux-gnu- build-mipsel/musl
#
# PREFIX/bin/musl-gcc then runs CROSSgcc with musl's specs file (headers,
# crt files and libc.a from PREFIX instead of the cross glibc's): the
# compiler ext/libs.sh and the Makefile's cross builds use.  Debian ships
# musl-dev for a few architectures only (not big-endian mips); built from
# the source package, every architecture the cross compilers reach gets the
# same C library, of the release apt points at.  Static only (a router's
# programs carry their libc): --disable-shared.  -Os and one section per
# function, so that --gc-sections keeps only what zt calls.
# PREFIX/.done marks it built: a second run does nothing.
set -eu
# Called from make with ARCH=... on its command line: make passes that on
# to every make below it (MAKEFLAGS) and in the environment, and musl's own Makefile reads ARCH
# (musl's picked arch/mipsel, which does not exist, instead of arch/mips).
unset MAKEFLAGS MFLAGS MAKELEVEL ARCH
[ $# -ge 2 ] || { echo "usage: ext/musl.sh CROSS PREFIX [WORKDIR]" >&2; exit 2; }
cross=$1
mkdir -p "$2"
prefix=$(cd "$2" && pwd)
[ -f "$prefix/.done" ] && exit 0
work=${3:-$prefix/../src}
mkdir -p "$work"
work=$(cd "$work" && pwd)
command -v "${cross}gcc" >/dev/null 2>&1 || { echo "musl: no ${cross}gcc" >&2; exit 1; }
log=$work/musl.log
: >"$log"
d=$(find "$work" -maxdepth 1 -type d -name "musl-[0-9]*" | head -n 1)
if [ -z "$d" ]; then
	(cd "$work" && apt-get source -qq musl >>"$log" 2>&1) || {
		echo "musl: apt-get source musl failed (is there a deb-src entry? ext/deps.sh cross adds one)" >&2
		exit 1
	}
	d=$(find "$work" -maxdepth 1 -type d -name "musl-[0-9]*" | head -n 1)
fi
# One build directory per target: musl builds out of tree.
b=$work/musl-build-${cross%-}
rm -rf "$b"
mkdir -p "$b"
echo "musl: $(basename "$d") for ${cross%-}" >&2
(cd "$b" && "$d/configure" --target="${cross%-}" CC="${cross}gcc" CROSS_COMPILE="$cross" \
	--prefix="$prefix" --syslibdir="$prefix/lib" --disable-shared --enable-wrapper=gcc \
	CFLAGS="-Os -ffunction-sections -fdata-sections" >>"$log" 2>&1 &&
	make -j"${ZT_JOBS:-2}" >>"$log" 2>&1 && make install >>"$log" 2>&1) || {
	echo "musl: build failed, see $log" >&2
	tail -n 20 "$log" >&2
	exit 1
}
touch "$prefix/.done"
