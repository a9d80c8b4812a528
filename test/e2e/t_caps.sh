#!/bin/bash
# SPDX-License-Identifier: MIT
# t_caps: ztd as the Debian package runs it (debian/zt.service): not root,
# no capability but CAP_NET_ADMIN (bounding, ambient and effective sets),
# no new privileges.  Member b's ztd creates its TAP (MAC, MTU, up) and
# carries pings to member a, whose ztd runs as root.  The unprivileged ztd
# needs /dev/net/tun readable and writable by everyone, as udev makes it:
# it gets such a node in a mount namespace of its own, whatever the host's
# mode is.
set -u
. "$(dirname "$0")/lib.sh"

lab_init
command -v setpriv >/dev/null 2>&1 || skip "setpriv (util-linux) missing"
command -v unshare >/dev/null 2>&1 || skip "unshare (util-linux) missing"
lab_root_ns root0 0
lab_member_ns a 1
lab_member_ns b 2
start_root root0
make_roots "$T/roots" root0
start_ztd a

# b: the home belongs to nobody, as /var/lib/zt to the package's user zt.
HOME_OF[b]=$T/b
# nobody must reach its home through the test's directory.
chmod 0711 "$T"
mkdir -p "$T/b" "$T/dev"
chown nobody "$T/b"
chmod 0700 "$T/b"
cp "$T/roots" "$T/b.roots"
chmod 0644 "$T/b.roots"
cat >"$T/b.sh" <<EOS
mount -t tmpfs -o mode=0755 none "$T/dev" &&
mknod -m 0666 "$T/dev/tun" c 10 200 &&
mount --bind "$T/dev/tun" /dev/net/tun &&
exec setpriv --reuid=nobody --regid=nogroup --clear-groups --no-new-privs \
	--bounding-set=-all,+net_admin --inh-caps=-all,+net_admin \
	--ambient-caps=-all,+net_admin "$ZTD" -p $ZT_PORT -r "$T/b.roots" -v "$T/b"
EOS
bg b b unshare -m sh "$T/b.sh"
ZPID[b]=$LAST_PID
wait_online a b

# The daemon itself: uid nobody, CAP_NET_ADMIN (bit 12) and nothing else.
ztd_pid() { x b pgrep -u nobody -x ztd | head -n 1; }
wait_until 5 ztd_pid || fail caps "no ztd of user nobody in b"
st=/proc/$(ztd_pid)/status
for s in CapEff CapPrm CapBnd CapAmb; do
	v=$(awk -v s="$s:" '$1 == s { print $2 }' "$st")
	[ "$v" = 0000000000001000 ] || fail caps "$s of b's ztd is '$v', want CAP_NET_ADMIN alone"
done
[ "$(awk '$1 == "NoNewPrivs:" { print $2 }' "$st")" = 1 ] || fail caps "b's ztd can gain privileges"
pass caps "b's ztd runs as nobody with CAP_NET_ADMIN alone"

join_net a "$NWID" 10.9.0.1/24
join_net b "$NWID" 10.9.0.2/24
mtu=$(ip -n "$P-b" -o link show dev "${TAP[b]}" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
[ "$mtu" = 2800 ] || fail tap "b's TAP ${TAP[b]} has MTU '$mtu', want 2800"
[ "$(stat -c %U "$T/b/identity.secret")" = nobody ] || fail tap "b's identity is not nobody's"
pass tap "b's ztd made ${TAP[b]} (MTU 2800) and its home files as nobody"

wait_until 20 ping_ok b 10.9.0.1 || fail ping "no echo reply b -> a within 20 s"
wait_until 10 ping_ok a 10.9.0.2 || fail ping "no echo reply a -> b within 10 s"
pass ping "both ways after $(elapsed)"
