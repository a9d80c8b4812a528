#!/bin/sh
# SPDX-License-Identifier: MIT
# The house (DESIGN.md): which folder's files may #include "..." what.
#   node/                          node/ only
#   osdep/                         node/zt.h, osdep/
#   service/, root/, controller/   node/zt.h, osdep/, their own folder
#   service/cli*                   of service/, its own cli*.h only (zt-cli
#                                  and ztd are two programs: neither
#                                  includes the other's headers)
# Every quoted include in the shells names its folder ("osdep/udp.h"): the
# build's -Inode would otherwise let "gso.h" reach into the core.  Prints
# each violation as file:line: include, and fails if there is one.
cd "$(dirname "$0")/.." || exit 2
bad=0
# allowed FOLDER: a regular expression for what FOLDER's files may include.
allowed() {
	case $1 in
	node) echo '^(node/)?[A-Za-z0-9_.-]+$' ;;
	osdep) echo '^(node/zt\.h|osdep/[A-Za-z0-9_.-]+)$' ;;
	*) echo "^(node/zt\\.h|osdep/[A-Za-z0-9_.-]+|$1/[A-Za-z0-9_.-]+)\$" ;;
	esac
}
for dir in node osdep service root controller; do
	re=$(allowed "$dir")
	for f in "$dir"/*.c "$dir"/*.h; do
		[ -f "$f" ] || continue
		out=$(awk -v re="$re" -v f="$f" '
			/^[ \t]*#[ \t]*include[ \t]*"/ {
				s = $0
				sub(/^[^"]*"/, "", s)
				sub(/".*$/, "", s)
				if (s !~ re)
					printf "%s:%d: #include \"%s\"\n", f, FNR, s
			}' "$f")
		if [ -n "$out" ]; then
			[ $bad = 0 ] && echo "check-includes: includes the house does not allow (DESIGN.md, \"The house\"):"
			echo "$out" | sed 's/^/  /'
			bad=1
		fi
	done
done
# service/ holds two programs: zt-cli (cli*.c, cli*.h) and ztd (the rest).
two=$(grep -nE '^[ \t]*#[ \t]*include[ \t]*"service/' service/*.c service/*.h | awk -F: '
	{
		inc = $0
		sub(/^[^"]*"service\//, "", inc)
		sub(/".*$/, "", inc)
		file = $1
		sub(/^service\//, "", file)
		if ((file ~ /^cli/) != (inc ~ /^cli/))
			printf "%s:%s: #include \"service/%s\"\n", $1, $2, inc
	}')
if [ -n "$two" ]; then
	echo "check-includes: zt-cli (service/cli*) and ztd include each other's headers:"
	echo "$two" | sed 's/^/  /'
	bad=1
fi
# node/ builds for any target: of the system's headers only the C library's
# own (no POSIX networking header such as <arpa/inet.h>) and libsodium.
sys=$(grep -nE '^[ \t]*#[ \t]*include[ \t]*<' node/*.c node/*.h |
	grep -vE '<(std(bool|def|int|io|lib|arg|align|atomic|noreturn)|string|limits|inttypes|assert|errno)\.h>|<sodium\.h>' || true)
if [ -n "$sys" ]; then
	echo "check-includes: node/ includes system headers beyond the C library and libsodium:"
	echo "$sys" | sed 's/^/  /'
	bad=1
fi
[ $bad = 0 ] && echo "check-includes: ok (node/, osdep/, service/, root/, controller/ include what the house allows; zt-cli and ztd apart)"
[ $bad = 0 ]
