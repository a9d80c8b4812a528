#!/bin/sh
# SPDX-License-Identifier: MIT
# package-test.sh (make package-test): the Debian packages as a user gets
# them, without systemd and without a chroot.  Builds the .debs from a copy
# of the tree, runs lintian, installs them into a scratch root with
# dpkg --root (the maintainer scripts run outside it with DPKG_ROOT set, as
# debhelper's and systemd-sysusers' snippets allow), checks files, modes,
# users, unit files (systemd-analyze verify) and --version from the
# installed paths, makes the identities, upgrades to a rebuilt version (a
# changelog entry on top), removes (identities kept) and purges (gone).
# Prints PASS/FAIL lines; exit status 1 on any failure.  Root: dpkg --root
# writes root-owned files.
#   ZT_PKG_KEEP=1   keep the scratch directory
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/zt-pkgtest.XXXXXX)
R=$work/root
fails=0
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	if [ "${ZT_PKG_KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
pids=""
trap cleanup EXIT
trap 'exit 1' INT TERM
pass() { echo "PASS package/$1"; }
fail() { echo "FAIL package/$1: $2"; fails=$((fails + 1)); }
die() { echo "FAIL package/$1: $2"; exit 1; }
now() { date +%s.%N; }
since() { echo "$(now) $1" | awk '{printf "%.1f", $1 - $2}'; }

[ "$(id -u)" = 0 ] || die setup "needs root (dpkg --root writes root-owned files)"
for t in dpkg-buildpackage dh lintian fakeroot systemd-analyze systemd-sysusers; do
	command -v $t >/dev/null 2>&1 || die setup "$t missing: make deps DEPS=package"
done
host_passwd=$(cat /etc/passwd /etc/group | cksum)
host_state=$(ls -d /var/lib/zt /var/lib/zt-root /var/lib/zt-controller 2>/dev/null)

# ---- build: the tree's version, then the same with one changelog entry on top ----
mkdir -p "$work/src" "$work/v1" "$work/v2"
(cd "$top" && tar -cf - --exclude=./build --exclude=./build-san --exclude=./build-fuzz \
	--exclude=./build-tsan --exclude=./.git .) | tar -C "$work/src" -xf - ||
	die build "cannot copy the tree"
v1=$(dpkg-parsechangelog -l "$work/src/debian/changelog" -S Version)
v2="$v1+1"
export DEB_BUILD_OPTIONS="nocheck parallel=2"
t0=$(now)
(cd "$work/src" && dpkg-buildpackage -us -uc -b) >"$work/build1.log" 2>&1 ||
	die build "dpkg-buildpackage failed: $(tail -n 20 "$work/build1.log")"
mv "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$work/v1/"
echo "build: $v1 in $(since "$t0") s"
{
	printf 'zt (%s) unstable; urgency=medium\n\n  * A rebuild to test the upgrade.\n\n' "$v2"
	printf ' -- zt developers <zt@example.org>  %s\n\n' "$(date -R)"
	cat "$work/src/debian/changelog"
} >"$work/changelog" && mv "$work/changelog" "$work/src/debian/changelog"
t0=$(now)
# -nc: the objects of the first build stay; version.o and the links redo.
(cd "$work/src" && dpkg-buildpackage -us -uc -b -nc) >"$work/build2.log" 2>&1 ||
	die build "the rebuild failed: $(tail -n 20 "$work/build2.log")"
mv "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$work/v2/"
echo "rebuild: $v2 in $(since "$t0") s"
for d in "$work"/v1/*.deb; do echo "deb: $(basename "$d") $(stat -c %s "$d") bytes"; done
# The three packages (their -dbgsym companions are not installed).
debs() { ls "$1"/zt_*.deb "$1"/zt-root_*.deb "$1"/zt-controller_*.deb 2>/dev/null; }
n=$(debs "$work/v1" | wc -l)
[ "$n" = 3 ] && pass build || fail build "expected 3 .debs (zt, zt-root, zt-controller), got $n"

# ---- lintian: no error or warning (each override says why) ----
t0=$(now)
lintian --fail-on error,warning --display-info --pedantic "$work"/v1/*.changes >"$work/lintian.log" 2>&1
rc=$?
sed 's/^/lintian| /' "$work/lintian.log"
echo "lintian: $(since "$t0") s"
[ $rc = 0 ] && pass lintian || fail lintian "lintian reports errors or warnings (above)"

# ---- a scratch root whose dpkg database is the host's (so the shared
# libraries and systemd the packages depend on count as installed: they are
# the host's, which the installed programs run with) ----
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/usr/sbin" "$R/etc"
cp /var/lib/dpkg/status "$R/var/lib/dpkg/status"
: >"$R/var/lib/dpkg/available"
# No service starts or stops: deb-systemd-invoke asks $DPKG_ROOT's policy.
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
chmod 0755 "$R/usr/sbin/policy-rc.d"
DPKG="dpkg --root=$R --force-script-chrootless --log=$work/dpkg.log"
q() { dpkg-query --admindir="$R/var/lib/dpkg" -W -f '${db:Status-Abbrev} ${Version}' "$1" 2>/dev/null; }

t0=$(now)
$DPKG -i $(debs "$work/v1") >"$work/install.log" 2>&1 ||
	die install "dpkg -i failed: $(tail -n 20 "$work/install.log")"
echo "install: $(since "$t0") s"
for p in zt zt-root zt-controller; do
	[ "$(q $p)" = "ii  $v1" ] || fail install "$p is '$(q $p)', not 'ii  $v1'"
done

# ---- files, modes, users ----
units=""
for d in lib/systemd/system usr/lib/systemd/system; do
	[ -f "$R/$d/zt.service" ] && units=$d
done
ok=1
for f in usr/sbin/ztd usr/bin/zt-cli usr/sbin/zt-root usr/sbin/zt-controller; do
	m=$(stat -c '%a %U:%G' "$R/$f" 2>/dev/null)
	[ "$m" = "755 root:root" ] || { fail files "$f: '$m', not '755 root:root'"; ok=0; }
done
for f in usr/share/man/man8/ztd.8.gz usr/share/man/man1/zt-cli.1.gz \
	usr/share/man/man8/zt-root.8.gz usr/share/man/man8/zt-controller.8.gz \
	usr/share/doc/zt/copyright usr/lib/sysusers.d/zt.conf usr/lib/sysusers.d/zt-root.conf \
	usr/lib/sysusers.d/zt-controller.conf "$units/zt.service" "$units/zt-root.service" \
	"$units/zt-controller.service"; do
	m=$(stat -c '%a %U:%G' "$R/$f" 2>/dev/null)
	[ "$m" = "644 root:root" ] || { fail files "$f: '$m', not '644 root:root'"; ok=0; }
done
[ $ok = 1 ] && pass files
ok=1
for u in zt zt-root zt-controller; do
	line=$(grep "^$u:" "$R/etc/passwd")
	case $line in
	"$u:x:"*":/var/lib/$u:/usr/sbin/nologin") ;;
	*) fail users "no system user $u in the root's /etc/passwd ('$line')"; ok=0 ;;
	esac
	uid=$(echo "$line" | cut -d: -f3)
	[ -n "$uid" ] && [ "$uid" -lt 1000 ] || { fail users "$u has uid '$uid'"; ok=0; }
done
[ $ok = 1 ] && pass users
ok=1
for u in zt zt-root zt-controller; do
	[ -L "$R/etc/systemd/system/multi-user.target.wants/$u.service" ] ||
		{ fail units "$u.service is not enabled in the root"; ok=0; }
done

# ---- the unit files: systemd's own check, and the hardening they promise ----
# systemd-analyze verify --root needs systemd's own units (the targets ours
# hang on): a copy of the host's, with ours and their programs.
V=$work/verify
mkdir -p "$V/lib/systemd" "$V/usr/sbin" "$V/usr/bin" "$V/etc/systemd/system" &&
	cp -a /lib/systemd/system "$V/lib/systemd/" &&
	cp "$R/$units"/zt*.service "$V/lib/systemd/system/" &&
	cp "$R"/usr/sbin/zt* "$V/usr/sbin/" && cp "$R/usr/bin/zt-cli" "$V/usr/bin/" ||
	fail units "cannot make the root for systemd-analyze"
for u in zt zt-root zt-controller; do
	out=$(systemd-analyze verify --root="$V" --man=no "$u.service" 2>&1) ||
		{ fail units "systemd-analyze verify $u.service: $out"; ok=0; }
	[ -z "$out" ] || { fail units "systemd-analyze verify $u.service says: $out"; ok=0; }
	for k in "User=$u" "StateDirectory=$u" ProtectSystem=strict ProtectHome=yes \
		NoNewPrivileges=yes RestrictAddressFamilies= CapabilityBoundingSet=; do
		grep -q "^$k" "$R/$units/$u.service" || { fail units "$u.service has no $k"; ok=0; }
	done
done
grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE' "$R/$units/zt.service" &&
	grep -qx 'AmbientCapabilities=CAP_NET_ADMIN CAP_NET_BIND_SERVICE' "$R/$units/zt.service" ||
	{ fail units "zt.service does not keep exactly CAP_NET_ADMIN and CAP_NET_BIND_SERVICE"; ok=0; }
[ $ok = 1 ] && pass units

# ---- the installed programs run ----
ok=1
for p in usr/bin/zt-cli usr/sbin/ztd usr/sbin/zt-root usr/sbin/zt-controller; do
	out=$("$R/$p" --version 2>&1)
	[ "$out" = "$(basename $p) $v1" ] || { fail version "$p --version: '$out'"; ok=0; }
done
[ $ok = 1 ] && pass version

# ---- identities, made by the installed programs in the package's homes ----
wait_file() { # file: up to 10 s
	i=0
	while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$1" ]
}
"$R/usr/sbin/ztd" -p 0 -P 0 "$R/var/lib/zt" >"$work/ztd.log" 2>&1 &
pids="$pids $!"
wait_file "$R/var/lib/zt/identity.secret" || fail identity "ztd made no identity: $(cat "$work/ztd.log")"
"$R/usr/sbin/zt-controller" -p 0 -P 0 "$R/var/lib/zt-controller" >"$work/ctl.log" 2>&1 &
pids="$pids $!"
wait_file "$R/var/lib/zt-controller/identity.secret" ||
	fail identity "zt-controller made no identity: $(cat "$work/ctl.log")"
for p in $pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
pids=""
"$R/usr/sbin/zt-root" identity "$R/var/lib/zt-root" >/dev/null 2>"$work/root.log" ||
	fail identity "zt-root identity: $(cat "$work/root.log")"
ids() { cat "$R"/var/lib/zt/identity.secret "$R"/var/lib/zt-root/identity.secret \
	"$R"/var/lib/zt-controller/identity.secret 2>/dev/null | cksum; }
id0=$(ids)
[ "$(ls "$R"/var/lib/zt*/identity.secret 2>/dev/null | wc -l)" = 3 ] && pass identity

# ---- upgrade to the rebuilt version: new programs, the same identities ----
t0=$(now)
$DPKG -i $(debs "$work/v2") >"$work/upgrade.log" 2>&1 ||
	fail upgrade "dpkg -i of $v2 failed: $(tail -n 20 "$work/upgrade.log")"
echo "upgrade: $(since "$t0") s"
ok=1
for p in zt zt-root zt-controller; do
	[ "$(q $p)" = "ii  $v2" ] || { fail upgrade "$p is '$(q $p)', not 'ii  $v2'"; ok=0; }
done
out=$("$R/usr/bin/zt-cli" --version 2>&1)
[ "$out" = "zt-cli $v2" ] || { fail upgrade "zt-cli --version after the upgrade: '$out'"; ok=0; }
[ "$(ids)" = "$id0" ] || { fail upgrade "the identities changed"; ok=0; }
[ $ok = 1 ] && pass upgrade

# ---- remove: the programs go, the identities stay ----
$DPKG -r zt zt-root zt-controller >"$work/remove.log" 2>&1 ||
	fail remove "dpkg -r failed: $(tail -n 20 "$work/remove.log")"
ok=1
for f in usr/sbin/ztd usr/bin/zt-cli usr/sbin/zt-root usr/sbin/zt-controller; do
	[ ! -e "$R/$f" ] || { fail remove "$f is still there"; ok=0; }
done
[ "$(ids)" = "$id0" ] || { fail remove "the identities did not survive remove"; ok=0; }
[ $ok = 1 ] && pass remove

# ---- purge: the state and the unit links go ----
$DPKG -P zt zt-root zt-controller >"$work/purge.log" 2>&1 ||
	fail purge "dpkg -P failed: $(tail -n 20 "$work/purge.log")"
ok=1
for p in zt zt-root zt-controller; do
	[ ! -e "$R/var/lib/$p" ] || { fail purge "/var/lib/$p is still there"; ok=0; }
	[ ! -e "$R/etc/systemd/system/multi-user.target.wants/$p.service" ] ||
		{ fail purge "$p.service is still enabled"; ok=0; }
	[ -z "$(q $p | grep -v '^un ')" ] || [ "$(q $p)" = "" ] ||
		{ fail purge "$p is '$(q $p)'"; ok=0; }
done
[ $ok = 1 ] && pass purge

# ---- the host was not touched ----
[ "$(cat /etc/passwd /etc/group | cksum)" = "$host_passwd" ] &&
	[ "$(ls -d /var/lib/zt /var/lib/zt-root /var/lib/zt-controller 2>/dev/null)" = "$host_state" ] &&
	pass host || fail host "the host's users or /var/lib/zt* changed"
[ $fails = 0 ]
