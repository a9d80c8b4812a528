#!/bin/sh
# SPDX-License-Identifier: MIT
# The router builds' tests (`make ci-cross`): static with musl, and the
# OpenWrt package's dynamic build, under qemu-user.  What they need (the
# cross compilers, qemu-user, the multiarch libraries) is installed first by
# `make deps DEPS=cross ARCH=mipsel`, `DEPS=cross-dyn ARCH=mipsel` and
# `DEPS=cross ARCH=mips` (.ci/run does): make itself never runs apt.
set -u
cd "$(dirname "$0")/.." || exit 1
# Three builds, under qemu-user:
# - static mipsel (musl), the router build: EVERY unit test and the whole
#   simulator, as natively.  Under emulation the public-key work and
#   Argon2id are ~25 times slower: about 25 minutes on one core, so it
#   runs in the background, on the other core from the two below;
# - the OpenWrt package's build (make test-cross ARCH=mipsel LINK=dynamic:
#   glibc, Debian's shared mipsel libraries, -Os, LTO, zt's code in
#   MIPS16e), whose code is generated differently (link-time inlining, the
#   16-bit encoding), which is where undefined behaviour would show;
# - big-endian mips (static, musl), where byte-order bugs would show.
# The last two run a named subset (doc/footprint.md, "Tests under
# qemu-user"): every unit test but roots_test (its byte-by-byte mutations
# of signed roots files take minutes), and the simulator's scenarios below
# (the ones that take under 2.5 s of CPU natively: controller, rules, NAT
# kinds, loss, MTU, the attacks' checks).
CROSS_SKIP_UNIT="roots_test"
CROSS_SIM="selftest,sim_deterministic,sim_loss,sim_direct,sim_mtu,sim_bridge_restart,sim_pmtu"
CROSS_SIM="$CROSS_SIM,sim_nat_,sim_attack_b,sim_attack_root_reflect,sim_attack_init_replay"
CROSS_SIM="$CROSS_SIM,sim_attack_private_leak,sim_ctl,sim_rules,sim_randombytes"
ZT_DEPS_CHECK=1 ARCH=mipsel sh ext/deps.sh cross || exit 1
ZT_DEPS_CHECK=1 ARCH=mipsel sh ext/deps.sh cross-dyn || exit 1
ZT_DEPS_CHECK=1 ARCH=mips sh ext/deps.sh cross || exit 1

full_log=$(mktemp /tmp/zt-ci-cross.XXXXXX)
start=$(date +%s)
make -s test-cross ARCH=mipsel CROSS_LIBS="libsodium jansson miniupnpc sqlite3" \
	>"$full_log" 2>&1 &
full=$!

rc=0
echo "== mipsel, the OpenWrt package's build (dynamic, LTO, MIPS16e) under qemu-user: the subset"
ZT_SKIP_UNIT=$CROSS_SKIP_UNIT ZT_SIM_ONLY=$CROSS_SIM \
	make -s test-cross ARCH=mipsel LINK=dynamic || rc=1
echo "== mips (big endian, static, musl) under qemu-user: the subset"
ZT_SKIP_UNIT=$CROSS_SKIP_UNIT ZT_SIM_ONLY=$CROSS_SIM \
	make -s test-cross ARCH=mips CROSS_LIBS="libsodium jansson miniupnpc sqlite3" || rc=1

wait "$full" || rc=1
echo "== mipsel (static, musl) under qemu-user: every unit test and the whole simulator ($(( $(date +%s) - start )) s)"
cat "$full_log"
rm -f "$full_log"
exit "$rc"
