/* SPDX-License-Identifier: MIT */
/*
 * network.h - a joined network and its members: the state the switch
 * (switch.c), multicast.c, bridge.c and the managed-network code
 * (member.c) share.
 */
#ifndef ZT_NODE_NETWORK_H
#define ZT_NODE_NETWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mactable.h"
#include "mctable.h"
#include "wire.h"
#include "zt.h"

struct zt_droptrace;
struct zt_flowtab;
struct zt_memcom;

struct zt_member {
	uint64_t address;
	int64_t last_seen;
	struct zt_memcom *mc; /* NULL until needed */
	/* Someone told us of it (the roots' directory, the controller) or it
	 * spoke to us itself; not just an address we sent to.  Only then does
	 * its derived MAC count as a member's (switch.c). */
	bool heard;
};

struct zt_network {
	bool used;
	const struct zt_mem *mem; /* the node's */
	uint64_t nwid;
	uint8_t mac[6];
	uint8_t nethash[8];
	enum zt_net_status status;
	enum zt_net_type type;
	unsigned mtu;
	int64_t last_announce;
	struct zt_member *members;
	unsigned member_count, member_cap;
	/* Managed networks (netconf.c). */
	struct zt_netconf *conf; /* in force while status is OK */
	int64_t conf_requested, conf_received;
	int64_t conf_awaiting; /* first unanswered request (0: none) */
	uint8_t token[ZT_NETCONF_TOKEN_MAX];
	size_t token_len;
	/* Ethernet behaviour (multicast.c, bridge.c): defaults for ad-hoc
	 * networks, zt_node_set_ethernet() for the shell; on managed
	 * networks the controller's config is the authority. */
	unsigned multicast_limit;
	bool enable_broadcast;
	bool active_bridge;      /* we bridge a LAN segment into this network */
	bool was_bridge;         /* ... at the last full MC_LIKE (to say we stopped) */
	unsigned mss_clamp;      /* 0: off */
	int64_t mac_age;         /* ms */
	struct zt_mctable subs;  /* who subscribes to what */
	struct zt_mctable local; /* our host's (and LAN's) groups */
	struct {
		uint64_t address;
		int64_t expires; /* 0: configured */
	} bridges[ZT_NET_MAX_BRIDGES];
	unsigned bridge_count;
	struct zt_mactable macs;    /* MACs behind other members' bridges */
	struct zt_mactable lanmacs; /* MACs seen on our TAP (we bridge) */
	int64_t blocked_until;      /* bridge loop: we stand back until */
	int64_t mc_query_at, mc_like_at;
	unsigned mc_queries;
	bool invite_refused;
	/* The rules (netrules.c): frames dropped, and by which entry. */
	uint64_t rules_dropped_out, rules_dropped_in;
	uint32_t rules_dropped_by[ZT_RULES_MAX + 1];
	/* `established` (flow.h): only when the rules use it; the table is
	 * made at the first flow and dropped when the rules change. */
	bool use_flows;
	struct zt_flowtab *flows;
	/* The indexes (rules.h) of conf's list and of its capabilities (our
	 * own, for what we send); NULL: walked. */
	struct zt_rules_index *rules_idx, *caps_idx;
	struct zt_droptrace *drops; /* the latest of them (droptrace.c), NULL until one */
};

#endif
