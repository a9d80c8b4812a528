#!/bin/sh
# SPDX-License-Identifier: MIT
# A private PostgreSQL for the tests, from Debian's binaries:
#   pgtmp.sh start DIR   create DIR, initdb + pg_ctl start there, print the
#                        libpq URI of its database "zt" on stdout
#   pgtmp.sh crash DIR   stop it as a crash would (immediate: no checkpoint,
#                        the next start replays the WAL) and start it again
#   pgtmp.sh stop DIR    stop it (immediate) and remove DIR
# The server runs as an unprivileged user (nobody when started by root:
# PostgreSQL refuses to run as root), listens on a unix socket in DIR only
# (no TCP port, so parallel runs cannot collide), trusts local
# connections.  Exit 77: no PostgreSQL binaries (install: ext/deps.sh test).
# PGTMP_OPTS: more server options for start (bench/ctl.sh loads
# pg_stat_statements with it), e.g. "-c shared_preload_libraries=...".
set -eu
cmd=${1:-}
dir=${2:-}
[ -n "$dir" ] || { echo "usage: pgtmp.sh start|crash|stop DIR" >&2; exit 2; }
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
	echo "no PostgreSQL server binaries (apt-get install postgresql)" >&2
	exit 77
fi
as_user() {
	if [ "$(id -u)" = 0 ]; then
		(cd "$dir" && setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@")
	else
		(cd "$dir" && "$@")
	fi
}
case $cmd in
start)
	mkdir -m 0700 "$dir"
	[ "$(id -u)" != 0 ] || chown nobody:nogroup "$dir"
	as_user "$bin/initdb" -D "$dir/data" -U zt -A trust -E UTF8 --no-locale \
		--no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
	# fsync stays on: the tests check that a commit is durable.
	as_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
		-o "-c listen_addresses='' -k $dir -p 5432 -c max_connections=40 ${PGTMP_OPTS:-}" \
		start >/dev/null 2>&1 || { cat "$dir/server.log" >&2; exit 1; }
	as_user "$bin/createdb" -h "$dir" -p 5432 -U zt zt
	echo "postgresql:///zt?host=$dir&port=5432&user=zt"
	;;
crash)
	as_user "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1
	as_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
		-o "-c listen_addresses='' -k $dir -p 5432 -c max_connections=40 ${PGTMP_OPTS:-}" \
		start >/dev/null 2>&1 || { cat "$dir/server.log" >&2; exit 1; }
	;;
stop)
	if [ -d "$dir/data" ]; then
		as_user "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
			true
	fi
	rm -rf "$dir"
	;;
*) echo "usage: pgtmp.sh start|crash|stop DIR" >&2; exit 2 ;;
esac
