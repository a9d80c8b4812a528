/* SPDX-License-Identifier: MIT */
/*
 * bridge.h - a network's list of bridges (doc/PROTOCOL.md "Bridging"):
 * the members that may send and receive frames with foreign source MACs
 * (a LAN segment behind them).  On managed networks the config lists them
 * (they never expire); on ad-hoc networks each member says in its MC_LIKE
 * whether it bridges, and that lasts as long as its groups do.  Bounded by
 * ZT_NET_MAX_BRIDGES.  The MACs behind them are in mactable.h.
 */
#ifndef ZT_NODE_BRIDGE_H
#define ZT_NODE_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zt_network;

/* Is `address` one of the network's bridges now? */
bool zt_bridge_member(const struct zt_network *net, uint64_t address, int64_t now);
/* Replace the list by the configured bridges (never expire); ZT_ERANGE
 * if there are more than ZT_NET_MAX_BRIDGES. */
int zt_bridge_set(struct zt_network *net, const uint64_t *addresses, size_t count);
/* A member said it bridges, until `expires`: add it, or extend it (an
 * expired entry makes room; a full list ignores it). */
void zt_bridge_learn(struct zt_network *net, uint64_t address, int64_t now, int64_t expires);
/* A member said it no longer bridges (configured bridges stay). */
void zt_bridge_forget(struct zt_network *net, uint64_t address);

/* The name node.c still calls zt_bridge_set by, until its call site moves. */
#define zt_mc_set_bridges zt_bridge_set

#endif
