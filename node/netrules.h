/* SPDX-License-Identifier: MIT */
/*
 * netrules.h - the network's rules applied by the switch (netrules.c): on
 * every frame we send (before it is sealed) and every frame a member sends
 * us (after it is opened), the copies and redirects rules ask for, and the
 * tags and capabilities members show each other as signed credentials
 * (doc/PROTOCOL.md "Rules").
 */
#ifndef ZT_NODE_NETRULES_H
#define ZT_NODE_NETRULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "network.h"
#include "zt.h"

struct zt_peer;

/* A member's tags and capabilities as it showed them, verified. */
struct zt_memcreds {
	int64_t ts; /* the config they came with (its COM's timestamp) */
	unsigned tag_count, cap_count, addr_count;
	struct zt_tag tags[ZT_TAGS_MAX];
	struct zt_inetaddr addrs[ZT_NETCONF_MAX_ADDRS]; /* its assigned addresses */
	/* The index of its capabilities' lists (rules.h), in the same
	 * allocation after caps; NULL: they are walked. */
	struct zt_rules_index *caps_idx;
	struct zt_cap caps[]; /* cap_count of them */
};

/* Do the network's rules filter anything?  No config (ad-hoc networks),
 * or a list whose first entry accepts everything: no (the fast path). */
static inline bool zt_netrules_active(const struct zt_network *net)
{
	const struct zt_netconf *c = net->conf;
	return c != NULL && !(c->rule_count > 0 && c->rules[0].t == ZT_RULE_ACCEPT);
}

/* A new config replaces old (NULL: none) on net: flows are recorded only
 * if the new rules use them, and forgotten if the rules changed (what was
 * let through before may not be now).  net->conf is still old. */
void zt_netrules_new_conf(struct zt_node *n, struct zt_network *net, const struct zt_netconf *next);
/* The network is left: its flows and the indexes of its rules go. */
void zt_netrules_free(struct zt_node *n, struct zt_network *net);

enum zt_netrules_out { ZT_NETRULES_PASS = 0, ZT_NETRULES_DROP, ZT_NETRULES_REDIRECTED };

/* A frame from our TAP for member dst (group frames: each recipient).
 * PASS: send it; DROP: dropped and counted; REDIRECTED: sent elsewhere by
 * a REDIRECT, not to dst. */
enum zt_netrules_out zt_netrules_out(struct zt_node *n, int64_t now, struct zt_network *net,
                                     uint64_t dst, const uint8_t *frame, size_t len);
/* A frame from member p for us: true to deliver it, false if dropped
 * (counted) or redirected. */
bool zt_netrules_in(struct zt_node *n, int64_t now, struct zt_network *net, struct zt_peer *p,
                    const uint8_t *frame, size_t len);

/* FRAME_FWD and NET_CREDS messages from p. */
void zt_netrules_fwd_msg(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg,
                         size_t len);
void zt_netrules_creds_msg(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg,
                           size_t len);
/* Show p our tags and capabilities if it has not seen the current ones
 * (called where our COM is shown). */
void zt_netrules_show_creds(struct zt_node *n, int64_t now, struct zt_network *net,
                            struct zt_member *m, struct zt_peer *p, bool force);

#endif
