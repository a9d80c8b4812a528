/* SPDX-License-Identifier: MIT */
/*
 * daemon_join.c - joining and leaving networks, their settings, and the roots an
 * invite brings (see daemon_int.h).
 */
#include "service/daemon_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osdep/clock.h"
#include "osdep/home.h"
#include "osdep/log.h"
#include "osdep/netlink.h"
#include "service/api_json.h"
#include "service/netfile.h"

/* An ad-hoc network's Ethernet settings to the core (managed networks get
 * theirs from the controller). */
static void apply_ethernet(struct zt_daemon *d, uint64_t nwid, const struct zt_net_settings *s)
{
	struct zt_ethernet e;
	int r;

	if (!zt_nwid_is_adhoc(nwid) || zt_node_get_ethernet(d->node, nwid, &e) != ZT_OK)
		return;
	e.active_bridge = s->bridge;
	e.enable_broadcast = s->broadcast;
	e.multicast_limit = s->multicast_limit;
	e.mac_age_s = s->mac_age_s;
	e.mss_clamp = s->mss_clamp;
	r = zt_node_set_ethernet(d->node, zt_clock_now(), nwid, &e);
	if (r != ZT_OK)
		zt_log_warn("network %016" PRIx64 ": Ethernet settings refused: %s", nwid,
		            zt_strerror(r));
}

int zt_daemon_join(struct zt_daemon *d, uint64_t nwid, bool persist, char *err, size_t errcap)
{
	struct zt_daemon_net *net = zt_daemon_tap_find(d, nwid);
	uint8_t mac[6];
	int r;

	if (net)
		return 0;
	net = zt_daemon_tap_alloc(d, nwid);
	if (!net) {
		snprintf(err, errcap, "cannot join network %016" PRIx64 ": already in %d networks",
		         nwid, ZT_DAEMON_MAX_NETWORKS);
		return -ENOSPC;
	}
	zt_netfile_load(d->cfg.home, nwid, &net->set);
	/* The TAP first, with the MAC the core will give us: a failure here
	 * is reported to the caller and the core never hears of the network. */
	zt_mac_from_address(nwid, zt_node_address(d->node), mac);
	r = zt_daemon_tap_open(net, mac, ZT_DAEMON_DEFAULT_MTU, err, errcap);
	if (r < 0) {
		zt_daemon_tap_free(net);
		return r;
	}
	r = zt_node_join(d->node, zt_clock_now(), nwid);
	if (r < 0 && r != ZT_EEXIST) {
		snprintf(err, errcap, "cannot join network %016" PRIx64 ": %s", nwid,
		         zt_strerror(r));
		zt_daemon_tap_free(net);
		zt_daemon_after_core_call(d);
		return -EINVAL;
	}
	if (net->leave_pending) {
		/* The core brought it up with settings the TAP refused. */
		snprintf(err, errcap,
		         "cannot join network %016" PRIx64 ": the device failed (see the ztd log)",
		         nwid);
		zt_daemon_after_core_call(d);
		return -ENODEV;
	}
	r = persist ? zt_netfile_save(d->cfg.home, nwid, &net->set, err, errcap) : 0;
	if (r < 0) {
		(void)zt_node_leave(d->node, zt_clock_now(), nwid);
		zt_daemon_tap_free(net);
		zt_daemon_after_core_call(d);
		return r;
	}
	apply_ethernet(d, nwid, &net->set);
	zt_log_info("joined network %016" PRIx64, nwid);
	zt_daemon_after_core_call(d);
	return 0;
}

/* Roots from an invite, for a ztd started without any: the identities are
 * verified (address from key) and kept in HOMEDIR/roots.invite, one
 * "<address>:<key hex> <ip/port>" per line, used at start while there is
 * no signed roots file. */
static int adopt_roots(struct zt_daemon *d, const struct zt_roots *in, char *err, size_t errcap)
{
	struct zt_roots roots = *in;
	char path[ZT_HOME_PATH_MAX], text[ZT_MAX_ROOTS * 160];
	size_t used = 0;
	int r;

	for (unsigned i = 0; i < roots.count; i++) {
		char idt[ZT_IDENTITY_PUBLIC_TEXT], ep[64];
		struct zt_identity id;
		if (zt_identity_to_text(&roots.roots[i].id, false, idt, sizeof idt) != ZT_OK ||
		    zt_identity_from_text(&id, idt, strlen(idt)) != ZT_OK ||
		    zt_endpoint_to_text(&roots.roots[i].endpoints[0], ep, sizeof ep) != ZT_OK) {
			snprintf(err, errcap,
			         "the invite's root %u is not a valid identity: ask for a "
			         "new invite",
			         i);
			return -EINVAL;
		}
		used += (size_t)snprintf(text + used, sizeof text - used, "%s %s\n", idt, ep);
	}
	r = zt_node_set_roots(d->node, zt_clock_now(), &roots);
	if (r < 0) {
		snprintf(err, errcap, "the node refused the invite's roots: %s", zt_strerror(r));
		return -EINVAL;
	}
	d->have_roots = true;
	d->roots = roots;
	zt_log_info("using %u root%s from the invite (kept in %s/" ZT_DAEMON_INVITE_ROOTS ")",
	            roots.count, roots.count == 1 ? "" : "s", d->cfg.home);
	if (zt_home_path(path, sizeof path, d->cfg.home, ZT_DAEMON_INVITE_ROOTS) == 0 &&
	    (r = zt_home_write(path, text, used, 0644)) < 0)
		zt_log_warn("cannot write %s: %s (the invite's roots are lost at restart)", path,
		            strerror(-r));
	return 0;
}

/* The roots kept from an invite, if any. */
bool zt_daemon_join_invite_roots(const char *home, struct zt_roots *out)
{
	char path[ZT_HOME_PATH_MAX], buf[ZT_MAX_ROOTS * 160];
	unsigned no = 0;
	size_t len;
	int r;

	memset(out, 0, sizeof *out);
	if (zt_home_path(path, sizeof path, home, ZT_DAEMON_INVITE_ROOTS) < 0)
		return false;
	r = zt_home_read(path, buf, sizeof buf, &len);
	if (r < 0) {
		if (r != -ENOENT)
			zt_log_warn("%s: %s: not used", path,
			            r == -EFBIG ? "too large" : strerror(-r));
		return false;
	}
	for (char *line = buf, *next; line && *line && out->count < ZT_MAX_ROOTS; line = next) {
		struct zt_root_def *rd = &out->roots[out->count];
		char *sp;

		no++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] == '\0')
			continue;
		sp = strchr(line, ' ');
		if (sp)
			*sp = '\0';
		if (!sp || zt_identity_from_text(&rd->id, line, strlen(line)) != ZT_OK ||
		    zt_endpoint_parse(sp + 1, &rd->endpoints[0]) != ZT_OK) {
			zt_log_warn("%s:%u: ignoring '%.40s': expected '<root identity> <ip/port>'",
			            path, no, line);
			continue;
		}
		rd->endpoint_count = 1;
		out->count++;
	}
	return out->count > 0;
}

const struct zt_net_settings *zt_daemon_settings(const struct zt_daemon *d, uint64_t nwid)
{
	for (size_t i = 0; i < ZT_DAEMON_MAX_NETWORKS; i++)
		if (d->nets[i].used && d->nets[i].nwid == nwid)
			return &d->nets[i].set;
	return NULL;
}

_Static_assert(ZT_API_MAX_IPS <= ZT_NET_MAX_IPS, "an API request's addresses fit the settings");

/* An ad-hoc network's addresses from a request (all or nothing: one bad
 * address changes nothing); the same one twice counts once. */
static int set_ips(struct zt_net_settings *s, const struct zt_api_join_req *jr, char *err,
                   size_t errcap)
{
	struct zt_inetaddr ips[ZT_NET_MAX_IPS];
	unsigned n = 0;

	for (unsigned i = 0; i < jr->ip_count && i < ZT_API_MAX_IPS; i++) {
		struct zt_inetaddr a;
		bool dup = false;
		if (zt_netapply_parse_addr(jr->ips[i], &a) < 0) {
			snprintf(err, errcap,
			         "invalid address '%.48s': expected ip/bits, e.g. 10.9.0.1/24 or "
			         "fd00::1/64",
			         jr->ips[i]);
			return -EINVAL;
		}
		for (unsigned k = 0; k < n; k++)
			dup = dup || (ips[k].family == a.family && ips[k].bits == a.bits &&
			              memcmp(ips[k].ip, a.ip, 16) == 0);
		if (!dup)
			ips[n++] = a;
	}
	memset(s->ips, 0, sizeof s->ips);
	memcpy(s->ips, ips, n * sizeof ips[0]);
	s->ip_count = n;
	return 0;
}

int zt_daemon_set(struct zt_daemon *d, uint64_t nwid, const struct zt_api_join_req *jr, char *err,
                  size_t errcap)
{
	struct zt_daemon_net *net = zt_daemon_tap_find(d, nwid);
	struct zt_network_info info;
	struct zt_net_settings old;
	int r;

	if (!net) {
		snprintf(err, errcap, "not a member of network %016" PRIx64, nwid);
		return -ENOENT;
	}
	if ((jr->has_bridge || jr->has_broadcast || jr->has_mlimit || jr->has_mac_age ||
	     jr->has_mss) &&
	    !zt_nwid_is_adhoc(nwid)) {
		snprintf(err, errcap,
		         "network %016" PRIx64 " is managed: its controller sets bridge, broadcast "
		         "and multicast settings",
		         nwid);
		return -EPERM;
	}
	if (jr->has_ips && !zt_nwid_is_adhoc(nwid)) {
		snprintf(err, errcap,
		         "network %016" PRIx64 " is managed: its controller assigns the addresses",
		         nwid);
		return -EPERM;
	}
	if (jr->has_mss && jr->mss_clamp != 0 && jr->mss_clamp < 536) {
		snprintf(err, errcap, "mssClamp %u is too small: use 0 (off) or 536..65535",
		         jr->mss_clamp);
		return -EINVAL;
	}
	if (jr->has_bridge_dev && jr->bridge_dev[0] != '\0') {
		/* Refused while there is no such bridge: nothing changes and
		 * the user learns what to do now, not from a log line later. */
		r = zt_net_bridge_dev_valid(jr->bridge_dev) ? zt_nl_is_bridge(jr->bridge_dev)
		                                            : -EINVAL;
		if (r < 0) {
			snprintf(err, errcap,
			         r == -EINVAL ? "'%.15s' is not a device name"
			         : r == -ENOTDIR
			             ? "%.15s is not a bridge: give a Linux bridge (ip -d link "
			               "show type bridge)"
			             : "no bridge %.15s: create it first (ip link add %.15s type "
			               "bridge)",
			         jr->bridge_dev, jr->bridge_dev);
			return r == -EINVAL ? -EINVAL : -ENODEV;
		}
	}
	old = net->set;
	if (jr->has_bridge_dev) {
		snprintf(net->set.bridge_dev, sizeof net->set.bridge_dev, "%s", jr->bridge_dev);
		/* On an ad-hoc network naming a bridge also declares the member
		 * a bridge (and "" undeclares it), so bridging is one setting;
		 * on managed networks the controller decides that. */
		if (zt_nwid_is_adhoc(nwid) && !jr->has_bridge)
			net->set.bridge = jr->bridge_dev[0] != '\0';
	}
	if (jr->has_ips && set_ips(&net->set, jr, err, errcap) < 0)
		return -EINVAL;
	if (jr->has_bridge)
		net->set.bridge = jr->active_bridge;
	if (jr->has_broadcast)
		net->set.broadcast = jr->enable_broadcast;
	if (jr->has_mlimit)
		net->set.multicast_limit = jr->multicast_limit;
	if (jr->has_mac_age)
		net->set.mac_age_s = jr->mac_age_s;
	if (jr->has_mss)
		net->set.mss_clamp = jr->mss_clamp;
	if (jr->has_managed)
		net->set.allow_managed = jr->allow_managed;
	if (jr->has_global)
		net->set.allow_global = jr->allow_global;
	if (jr->has_default)
		net->set.allow_default = jr->allow_default;
	if (jr->has_dns)
		net->set.allow_dns = jr->allow_dns;
	if (memcmp(&old, &net->set, sizeof old) != 0) {
		r = zt_netfile_save(d->cfg.home, nwid, &net->set, err, errcap);
		if (r < 0) {
			net->set = old;
			return r;
		}
		zt_log_info(
		    "network %016" PRIx64 ": allowManaged=%d allowGlobal=%d allowDefault=%d "
		    "allowDNS=%d bridgeDevice=%s",
		    nwid, net->set.allow_managed, net->set.allow_global, net->set.allow_default,
		    net->set.allow_dns, net->set.bridge_dev[0] ? net->set.bridge_dev : "-");
		if (strcmp(old.bridge_dev, net->set.bridge_dev) != 0 && net->tap.fd >= 0) {
			if (old.bridge_dev[0] != '\0' && net->set.bridge_dev[0] == '\0' &&
			    (r = zt_nl_set_master(net->tap.name, NULL)) < 0)
				zt_log_warn("network %016" PRIx64 ": cannot take %s out of %s: %s",
				            nwid, net->tap.name, old.bridge_dev, strerror(-r));
			zt_daemon_tap_bridge(net);
		}
		if (zt_node_network(d->node, nwid, &info) == ZT_OK)
			zt_daemon_tap_apply(net, info.conf);
		apply_ethernet(d, nwid, &net->set);
		zt_daemon_after_core_call(d);
	}
	if (jr->roots.count > 0 && !d->have_roots) {
		r = adopt_roots(d, &jr->roots, err, errcap);
		if (r < 0)
			return r;
	}
	if (jr->token_len > 0) {
		r = zt_node_join_token(d->node, zt_clock_now(), nwid, jr->token, jr->token_len);
		if (r < 0) {
			snprintf(err, errcap, "network %016" PRIx64 ": the invite was refused: %s",
			         nwid, zt_strerror(r));
			zt_daemon_after_core_call(d);
			return -EACCES;
		}
		zt_daemon_after_core_call(d);
	}
	return 0;
}

int zt_daemon_leave(struct zt_daemon *d, uint64_t nwid, char *err, size_t errcap)
{
	struct zt_daemon_net *net = zt_daemon_tap_find(d, nwid);
	int r;

	if (!net) {
		snprintf(err, errcap, "not a member of network %016" PRIx64, nwid);
		return -ENOENT;
	}
	r = zt_node_leave(d->node, zt_clock_now(), nwid);
	if (r < 0 && r != ZT_ENOTFOUND)
		zt_log_warn("network %016" PRIx64 ": the core says %s on leave", nwid,
		            zt_strerror(r));
	zt_daemon_tap_free(net);
	r = zt_netfile_remove(d->cfg.home, nwid);
	if (r < 0)
		zt_log_warn("network %016" PRIx64 ": cannot remove its file: %s (it will be "
		            "rejoined at the next start)",
		            nwid, strerror(-r));
	zt_log_info("left network %016" PRIx64, nwid);
	zt_daemon_after_core_call(d);
	return 0;
}

void zt_daemon_rejoin(struct zt_daemon *d)
{
	uint64_t ids[ZT_DAEMON_MAX_NETWORKS];
	char err[ZT_STATE_ERR_MAX];
	size_t n = zt_netfile_list(d->cfg.home, ids, ZT_DAEMON_MAX_NETWORKS);

	if (n > ZT_DAEMON_MAX_NETWORKS) {
		zt_log_warn("%zu networks in %s/networks.d: rejoining the first %d", n, d->cfg.home,
		            ZT_DAEMON_MAX_NETWORKS);
		n = ZT_DAEMON_MAX_NETWORKS;
	}
	for (size_t i = 0; i < n; i++) {
		/* A failure leaves the file in place: the cause (no tun
		 * module yet, say) may be gone at the next start. */
		if (zt_daemon_join(d, ids[i], false, err, sizeof err) < 0)
			zt_log_error("%s (still in networks.d: retried at the next start)", err);
	}
}
