#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every test program and script; each prints "PASS name" / "FAIL name"
# lines (a program that exits non-zero without a FAIL line counts as one
# failure).  The last line is "N passed, N failed".
#   ZT_SKIP_E2E=1   skip the network-namespace tests (they need root)
#   ZT_SKIP_FUZZ=1  skip the fuzz smoke pass
#   ZT_ONLY=unit|sim|e2e|fuzz   run one group
#   ZT_RUN=qemu-mipsel  run the unit tests and the simulator through it
#                       (make test-cross: another architecture's programs)
#   ZT_SKIP_UNIT="roots_test gso_test"   skip these unit tests (SKIP lines;
#                       .ci/run under qemu-user, where a few take minutes)
B=${B:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
log=$(mktemp -d /tmp/zt-test.XXXXXX)
pass=0
fail=0
skip=0

run_one() { # name cmd...
	name=$1; shift
	out="$log/$(echo "$name" | tr '/ ' '__').log"
	start=$(date +%s)
	"$@" >"$out" 2>&1
	rc=$?
	t=$(( $(date +%s) - start ))
	p=$(grep -c '^PASS ' "$out")
	f=$(grep -c '^FAIL ' "$out")
	s=$(grep -c '^SKIP ' "$out")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
		echo "FAIL $name: exited with $rc" >>"$out"
	fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	if [ "$f" != 0 ]; then
		echo "== $name: $p passed, $f failed (${t}s) =="
		grep -E '^(FAIL|  )' "$out" | head -40
		echo "   (full log: $out)"
	else
		if [ "$s" != 0 ]; then
			echo "== $name: $p passed, $s skipped (${t}s)"
		else
			echo "== $name: $p passed (${t}s)"
		fi
	fi
}

want() { [ -z "${ZT_ONLY:-}" ] || [ "$ZT_ONLY" = "$1" ]; }

if want unit; then
	for t in "$B"/test/*_test; do
		case " ${ZT_SKIP_UNIT:-} " in
		*" $(basename "$t") "*)
			echo "SKIP unit/$(basename "$t") (ZT_SKIP_UNIT)"
			skip=$((skip + 1))
			continue
			;;
		esac
		# shellcheck disable=SC2086
		[ -x "$t" ] && run_one "unit/$(basename "$t")" ${ZT_RUN:-} "$t"
	done
fi
if want sim && [ -x "$B/test/zt-sim" ]; then
	# shellcheck disable=SC2086
	run_one sim ${ZT_RUN:-} "$B/test/zt-sim"
fi
if want fuzz && [ -z "${ZT_SKIP_FUZZ:-}" ] && [ -d build-fuzz ]; then
	for f in build-fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		n=$(basename "$f")
		# New inputs go to build-fuzz/ (the first corpus dir), never into the tree.
		mkdir -p "build-fuzz/corpus/$n"
		# The seeds in the tree, where a target has some (libFuzzer
		# refuses a corpus directory that does not exist).
		seeds=""
		[ -d "test/fuzz/corpus/$n" ] && seeds="test/fuzz/corpus/$n"
		run_one "fuzz/$n" sh -c "'$f' -max_total_time=${ZT_FUZZ_SECONDS:-10} -max_len=4096 build-fuzz/corpus/$n $seeds >/dev/null 2>&1 && echo 'PASS $n'"
	done
fi
if want e2e && [ -z "${ZT_SKIP_E2E:-}" ]; then
	if [ "$(id -u)" = 0 ]; then
		for t in test/e2e/t_*.sh; do
			[ -f "$t" ] && run_one "e2e/$(basename "$t" .sh)" env B="$B" timeout 600 bash "$t"
		done
	else
		echo "SKIP e2e: not root"; skip=$((skip + 1))
	fi
fi
[ "$fail" = 0 ] && rm -rf "$log" 2>/dev/null
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
