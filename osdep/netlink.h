/* SPDX-License-Identifier: MIT */
/*
 * netlink.h - addresses and routes on an interface through rtnetlink
 * (Linux), for the configs of managed networks.  One request per call,
 * acknowledged synchronously on a fresh NETLINK_ROUTE socket, so that an
 * error is the kernel's answer to exactly that change.  Errors are
 * negative errno values; removing what is absent is 0 (the state asked
 * for).  Adding never replaces: what exists already is -EEXIST, so that
 * the caller knows it is not its own and leaves it alone.
 */
#ifndef ZT_OSDEP_NETLINK_H
#define ZT_OSDEP_NETLINK_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "node/zt.h"

/* Add or remove ip/bits on interface ifname.  noprefix: without the
 * kernel's own route to the prefix (IFA_F_NOPREFIXROUTE; the caller adds
 * one at the metric it chooses). */
int zt_nl_addr(const char *ifname, const struct zt_inetaddr *a, bool add, bool noprefix);
/* The addresses on ifname (IPv4 and IPv6, link-local included): up to cap
 * into out; returns how many there are, or a negative errno. */
int zt_nl_addr_list(const char *ifname, struct zt_inetaddr *out, size_t cap);
/* Keep the other IPv4 addresses of a subnet when its primary address is
 * removed (net.ipv4.conf.<ifname>.promote_secondaries=1); Linux removes
 * them with it otherwise. */
int zt_nl_promote_secondaries(const char *ifname);
/* Add or remove the route target (network/bits) via `via` (family 0: on
 * the link) on ifname, with metric.  An added route goes after the routes
 * of the same prefix and metric that exist (it never takes their place);
 * removing names the metric, so only that route goes. */
int zt_nl_route(const char *ifname, const struct zt_inetaddr *target, const struct zt_inetaddr *via,
                unsigned metric, bool add);

/* Put interface ifname into bridge `master` (NULL or "": out of any) and
 * bring it up (RTM_NEWLINK with IFLA_MASTER and IFF_UP).  -ENODEV: one of
 * the two does not exist. */
int zt_nl_set_master(const char *ifname, const char *master);
/* Set the MAC of interface ifname (RTM_NEWLINK with IFLA_ADDRESS). */
int zt_nl_set_mac(const char *ifname, const uint8_t mac[6]);
/* Is ifname an existing Linux bridge?  0 yes, -ENODEV: no such device,
 * -ENOTDIR: a device that is not a bridge (sysfs). */
int zt_nl_is_bridge(const char *ifname);

/* The same on an interface given by index. */
int zt_nl_route_idx(int ifindex, const struct zt_inetaddr *target, const struct zt_inetaddr *via,
                    unsigned metric, bool add);
/* How the kernel routes to dst now: its gateway (family 0: on link) and
 * output interface index. */
int zt_nl_route_get(const struct zt_inetaddr *dst, struct zt_inetaddr *gw, int *oif);

#endif
