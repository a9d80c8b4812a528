/* SPDX-License-Identifier: MIT */
/*
 * netapply.h - ztd applies a managed network's config to its TAP:
 * addresses and routes through netlink, DNS through resolvectl where the
 * system has it, filtered by the per-network settings ZeroTier users know
 * (zt-cli set <nwid> allowManaged|allowGlobal|allowDefault|allowDNS=0|1).
 *
 *   allowManaged (default 1)  addresses and routes from the controller
 *   allowGlobal  (default 0)  ... also those outside private ranges
 *   allowDefault (default 0)  a default route (an exit node), installed as
 *                             two halves (0.0.0.0/1 + 128.0.0.0/1, ::/1 +
 *                             8000::/1) so the underlay's own default stays,
 *                             with host routes to the roots and direct
 *                             peers the way they were reached before
 *   allowDNS     (default 0)  the pushed DNS servers and search domain
 *
 * ztd's routes never take the place of a route it did not make: they are
 * added beside the others at metric ZT_NETAPPLY_METRIC (plus the
 * controller's metric), never with replace semantics, and removed by
 * their exact key (prefix, device, gateway, metric) only if ztd added
 * them.  A managed address comes without the kernel's metric-0 prefix
 * route (which would win over a LAN route to the same subnet): ztd adds
 * that route itself at ZT_NETAPPLY_METRIC.  The addresses of an ad-hoc
 * network (zt-cli set <nwid> ip=...) are the user's, as if given with
 * `ip addr add`: the kernel's prefix route comes with them.
 */
#ifndef ZT_SERVICE_NETAPPLY_H
#define ZT_SERVICE_NETAPPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "node/zt.h"

#define ZT_NET_BRIDGE_DEV_MAX 16 /* IFNAMSIZ, including the NUL */
#define ZT_NET_MAX_IPS        8  /* addresses of an ad-hoc network (ip=) */
#define ZT_NETAPPLY_MAX_ADDRS (ZT_NETCONF_MAX_ADDRS + ZT_NET_MAX_IPS)
/* The config's routes, the halves of a default, a route per address. */
#define ZT_NETAPPLY_MAX_ROUTES (ZT_NETCONF_MAX_ROUTES + 2 + ZT_NETCONF_MAX_ADDRS)
/* The kernel metric of ztd's routes: above what DHCP clients, NetworkManager
 * (100, 600) and systemd-networkd (1024) give a LAN or default route, so
 * that a route of the host's to the same prefix always wins. */
#define ZT_NETAPPLY_METRIC 5000

struct zt_net_settings {
	bool allow_managed, allow_global, allow_default, allow_dns;
	/* Ethernet settings of an ad-hoc network (struct zt_ethernet); on
	 * managed networks the controller's config decides. */
	bool bridge, broadcast;
	unsigned multicast_limit, mac_age_s, mss_clamp;
	/* The Linux bridge the TAP belongs to ("" none; any network): ztd
	 * puts the TAP into it whenever it creates the TAP, and a managed
	 * network's addresses and routes go onto the bridge, where the
	 * host's address on that segment lives. */
	char bridge_dev[ZT_NET_BRIDGE_DEV_MAX];
	/* An ad-hoc network's own addresses (ip=), kept and re-applied. */
	unsigned ip_count;
	struct zt_inetaddr ips[ZT_NET_MAX_IPS];
};

#define ZT_NETAPPLY_MAX_PIN 128 /* underlay endpoints pinned under a default route */

/* addr_flags: an address from the controller (no kernel prefix route),
 * and one that ztd added (it is removed only then). */
#define ZT_NETAPPLY_A_MANAGED 0x1u
#define ZT_NETAPPLY_A_OURS    0x2u

/* What is (to be) on the device. */
struct zt_netapply {
	unsigned addr_count, route_count;
	struct zt_inetaddr addrs[ZT_NETAPPLY_MAX_ADDRS];
	uint8_t addr_flags[ZT_NETAPPLY_MAX_ADDRS];
	struct zt_route routes[ZT_NETAPPLY_MAX_ROUTES];
	bool route_ours[ZT_NETAPPLY_MAX_ROUTES]; /* ztd added it */
	bool dns;                                /* resolvectl was told about this link */
	/* With a default route on the overlay: a host route for each root
	 * and direct peer endpoint through the way it was reached before, so
	 * that the overlay's own traffic does not loop into the overlay. */
	unsigned bypass_count;
	struct {
		struct zt_inetaddr dst, gw;
		int oif;
	} bypass[ZT_NETAPPLY_MAX_PIN];
};

/* ZeroTier's defaults: managed addresses and routes on, the rest off. */
static inline void zt_net_settings_default(struct zt_net_settings *s)
{
	s->allow_managed = true;
	s->allow_global = false;
	s->allow_default = false;
	s->allow_dns = false;
	s->bridge = false;
	s->broadcast = true;
	s->multicast_limit = 32;
	s->mac_age_s = 300;
	s->mss_clamp = 0;
	s->bridge_dev[0] = '\0';
	s->ip_count = 0;
}

/* Is name usable as a bridge device name (1..15 characters, none of them
 * '/', ':', '"', '\\', blank or control, and not "." or "..")? */
bool zt_net_bridge_dev_valid(const char *name);

/* Pure: what the config asks for, filtered by the settings (conf NULL:
 * nothing from a controller), and the settings' own addresses (ip=). */
void zt_netapply_want(const struct zt_netconf *conf, const struct zt_net_settings *s,
                      struct zt_netapply *out);

/* Make the device match `want`: remove what ztd applied and is no longer
 * wanted, add what is missing, then read the device's addresses back and
 * repair (zt_netapply_check); *cur becomes what is on the device now.
 * Failures are logged (one line each) and the rest goes on. */
void zt_netapply_sync(uint64_t nwid, const char *dev, struct zt_netapply *cur,
                      const struct zt_netapply *want, const struct zt_endpoint *pin, size_t npin);

/* Read the device's addresses (netlink dump): add those of *cur that are
 * missing; remove those of *gone (NULL: none) that ztd added and that are
 * still there; add ztd's routes of *cur again where they went missing.
 * Returns how many it changed. */
unsigned zt_netapply_check(uint64_t nwid, const char *dev, struct zt_netapply *cur,
                           const struct zt_netapply *gone);

/* A new device: keep secondary IPv4 addresses when the primary goes. */
void zt_netapply_prepare(uint64_t nwid, const char *dev);

/* "10.9.0.1/24", "fd00::1/64": an interface address into *out.  -EINVAL
 * for anything else (no prefix, a multicast or unspecified address). */
int zt_netapply_parse_addr(const char *text, struct zt_inetaddr *out);
/* The text of an address with its prefix length. */
void zt_netapply_addr_text(const struct zt_inetaddr *a, char *out, size_t cap);

/* DNS: tell resolvectl (if present and allowed), or revert.  self: the
 * address ztd's names responder answers on (NULL: none), the link's first
 * server, for the config's domain alone when no servers are pushed. */
void zt_netapply_dns(uint64_t nwid, const char *dev, struct zt_netapply *cur,
                     const struct zt_netconf *conf, const struct zt_net_settings *s,
                     const struct zt_inetaddr *self);

#endif
