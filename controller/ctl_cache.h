/* SPDX-License-Identifier: MIT */
/*
 * ctl_cache.h - what every member's config carries of its whole network:
 * the network's active bridges (authorized members with activeBridge) and
 * its names (networks with a dns.domain), kept per network in struct
 * zt_ctl (ZT_CTL_BRIDGE_CACHE, ZT_CTL_NAMES_CACHE networks) rather than
 * read from the store at every request, and forgotten on any change.
 */
#ifndef ZT_CONTROLLER_CTL_CACHE_H
#define ZT_CONTROLLER_CTL_CACHE_H

#include <jansson.h>
#include <stdint.h>

#include "controller/ctl.h"
#include "node/zt.h"

/* The network's bridges into conf, from the cache or the store's index
 * (a store error: none, counted in store_errors, and not cached). */
void zt_ctl_cache_bridges_fill(struct zt_ctl *c, uint64_t nwid, struct zt_netconf *conf);
/* The network's names into conf, from the cache or the store (net: the
 * network's config, for its domain). */
void zt_ctl_cache_names_fill(struct zt_ctl *c, uint64_t nwid, const json_t *net,
                             struct zt_netconf *conf);
/* Forget every network's bridges / names: they are read again. */
void zt_ctl_cache_bridges_forget(struct zt_ctl *c);
void zt_ctl_cache_names_forget(struct zt_ctl *c);

#endif
