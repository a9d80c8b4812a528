#!/bin/bash
# SPDX-License-Identifier: MIT
# pktpath.sh [BIN] [FRAMES] [MODE]: the core's instructions per packet on
# the data path (bench/pktpath.c) under callgrind, which counts
# instructions exactly, so that two builds compare on a busy machine.  MODE
# (rules, accept: a managed network with make bench's zt_rules list, or
# with "accept;") as pktpath takes it.  Prints
#   instructions/packet N (FRAMES frames, sender and receiver together)
set -eu
BIN=${1:-build/bench/pktpath}
FRAMES=${2:-20000}
MODE=${3:-}
command -v valgrind >/dev/null || { echo "pktpath: valgrind missing (apt-get install valgrind)" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
valgrind --tool=callgrind --toggle-collect='measure*' --callgrind-out-file="$out/cg" \
	"$BIN" "$FRAMES" $MODE >"$out/stdout" 2>"$out/stderr" || {
	cat "$out/stdout" "$out/stderr" >&2
	exit 1
}
cat "$out/stdout"
ir=$(sed -n 's/^totals: \([0-9]*\).*/\1/p' "$out/cg")
echo "instructions/packet $((ir / FRAMES)) ($FRAMES frames, sender and receiver together)"
if [ -n "${PKTPATH_TOP:-}" ]; then
	callgrind_annotate --inclusive=no "$out/cg" 2>/dev/null | sed -n '1,/^$/d;p' | head -n "$PKTPATH_TOP"
fi
