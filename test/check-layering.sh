#!/bin/sh
# SPDX-License-Identifier: MIT
# The core must stay pure (DESIGN.md): node/ objects may call only memory,
# string and a few formatting functions of libc plus libsodium, and must
# define no writable globals; libc's allocator is called from node/mem.c
# alone (every other allocation goes through the host's, mem.h).  Fails
# with the offending symbols.  Then check-includes.sh: which folder may
# include which.
lib=${1:-build/libztnode.a}
defined=$(nm -g --defined-only "$lib" 2>/dev/null | awk 'NF == 3 {print $3}' | sort -u)
undef=$(nm -u "$lib" 2>/dev/null | awk 'NF >= 2 {print $2}' | sort -u)
external=$(printf '%s\n' "$undef" | grep -vxF "$defined")
bad=$(printf '%s\n' "$external" | grep -v '^$' | grep -vE \
 '^(mem(cpy|set|cmp|move|chr)|str(len|cmp|chr|rchr|ncmp)|snprintf|malloc|calloc|realloc|free|__stack_chk_fail|__assert_fail|(sodium|crypto)_[a-z0-9_]+)$' |
 grep -vE '^(randombytes_|sodium_init)' | grep -vE '^_' )
rnd=$(printf '%s\n' "$external" | grep -E 'randombytes_|sodium_init' || true)
globals=$(nm "$lib" | awk '$2 ~ /^[BD]$/ {print $3}')
# "lib.a:member.o: U symbol" for every member but mem.o that calls libc's allocator.
alloc=$(nm -A -u "$lib" 2>/dev/null | awk '$NF ~ /^(malloc|calloc|realloc|free)$/' |
 grep -v ':mem\.o:' || true)
# Host callbacks are called through node/host.c alone (one function each).
cb=$(grep -nE 'host(\.|->)[a-z_]+\(' "$(dirname "$0")"/../node/*.c | grep -v '/node/host\.c:' || true)
ok=1
if [ -n "$cb" ]; then echo "check-layering: node/ calls host callbacks outside host.c:"; echo "$cb" | sed 's/^/  /'; ok=0; fi
if [ -n "$bad" ]; then echo "check-layering: node/ calls outside its allowlist:"; echo "$bad" | sed 's/^/  /'; ok=0; fi
if [ -n "$rnd" ]; then echo "check-layering: node/ must take randomness from the host:"; echo "$rnd"; ok=0; fi
if [ -n "$alloc" ]; then echo "check-layering: node/ allocates outside mem.c (use zt_mem_*):"; echo "$alloc" | sed 's/^/  /'; ok=0; fi
if [ -n "$globals" ]; then echo "check-layering: node/ defines writable globals:"; echo "$globals" | sed 's/^/  /'; ok=0; fi
[ $ok = 1 ] && echo "check-layering: ok (node/ is pure)"
sh "$(dirname "$0")/check-includes.sh" || ok=0
[ $ok = 1 ]
