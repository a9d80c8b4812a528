/* SPDX-License-Identifier: MIT */
/*
 * netlink.h - addresses and routes on an interface through rtnetlink
 * (Linux), for the configs of managed networks.  One request per call,
 * acknowledged synchronously on a fresh NETLINK_ROUTE socket, so that an
 * error is the kernel's answer to exactly that change.  Errors are
 * negative errno values; adding what exists is 0, removing what is
 * absent is 0 (both are the state asked for).
 */
#ifndef ZT_OSDEP_NETLINK_H
#define ZT_OSDEP_NETLINK_H

#include <stdbool.h>
#include <stdint.h>

#include "node/zt.h"

/* Add or remove ip/bits on interface ifname. */
int zt_nl_addr(const char *ifname, const struct zt_inetaddr *a, bool add);
/* Add or remove the route target (network/bits) via `via` (family 0: on
 * the link) on ifname, with metric. */
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
