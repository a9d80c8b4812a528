#!/bin/sh
# SPDX-License-Identifier: MIT
# The router builds' tests (`make ci-cross`, as root: it installs the cross
# compilers and qemu-user): static with musl, and the OpenWrt package's
# dynamic build, under qemu-user.
set -u
cd "$(dirname "$0")/.." || exit 1
# The router builds: static with musl, under qemu-user.  Under emulation
# the public-key work and Argon2id are ~25 times slower, so CI runs a named
# subset (doc/footprint.md, "Tests under qemu-user"): every unit test but
# roots_test (its byte-by-byte mutations of signed roots files take minutes),
# and the simulator's scenarios below (the ones that take under 2.5 s of CPU
# natively: controller, rules, NAT kinds, loss, MTU, the attacks' checks);
# big-endian mips runs the same (the simulator is the core on a virtual
# network: whole-network behaviour in the other byte order; none of these
# tests calls getifaddrs, which hangs under qemu-mips: doc/footprint.md).
# The OpenWrt package's build
# (make test-cross ARCH=mipsel LINK=dynamic: glibc, Debian's shared mipsel
# libraries, -Os, LTO, zt's code in MIPS16e) runs the same subset as the
# static mipsel: its code is generated differently (link-time inlining,
# the 16-bit encoding), which is where undefined behaviour would show.
# Its build is 3 minutes of CPU (one LTO link per test program): -j2 puts
# it on both cores.
CROSS_SKIP_UNIT="roots_test"
CROSS_SIM="selftest,sim_deterministic,sim_loss,sim_direct,sim_mtu,sim_bridge_restart,sim_pmtu"
CROSS_SIM="$CROSS_SIM,sim_nat_,sim_attack_b,sim_attack_root_reflect,sim_attack_init_replay"
CROSS_SIM="$CROSS_SIM,sim_attack_private_leak,sim_ctl,sim_rules,sim_randombytes"
echo "== mipsel (static, musl) under qemu-user: unit tests and the simulator's subset"
ARCH=mipsel sh ext/deps.sh cross || exit 1
ZT_SKIP_UNIT=$CROSS_SKIP_UNIT ZT_SIM_ONLY=$CROSS_SIM \
	make -s test-cross ARCH=mipsel CROSS_LIBS="libsodium jansson miniupnpc sqlite3" || exit 1
echo "== mipsel, the OpenWrt package's build (dynamic, LTO, MIPS16e) under qemu-user: the same subset"
ARCH=mipsel sh ext/deps.sh cross-dyn || exit 1
ZT_SKIP_UNIT=$CROSS_SKIP_UNIT ZT_SIM_ONLY=$CROSS_SIM \
	make -s -j2 test-cross ARCH=mipsel LINK=dynamic || exit 1
echo "== mips (big endian, static, musl) under qemu-user: unit tests and the simulator's subset"
ARCH=mips sh ext/deps.sh cross || exit 1
ZT_SKIP_UNIT=$CROSS_SKIP_UNIT ZT_SIM_ONLY=$CROSS_SIM \
	make -s test-cross ARCH=mips CROSS_LIBS="libsodium jansson miniupnpc sqlite3" || exit 1
