/* SPDX-License-Identifier: MIT */
/*
 * ctl.h - the controller's logic between the core, the store and the admin
 * API: answering config requests (the core's netconf_request callback),
 * pushing changes to members, revoking deauthorized members, invites.
 *
 * No clock, no sockets: time comes in as arguments, so the simulator runs
 * this with an in-memory store exactly as zt-controller does.
 */
#ifndef ZT_CONTROLLER_CTL_H
#define ZT_CONTROLLER_CTL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "controller/store.h"
#include "node/zt.h"

#define ZT_CTL_TOKEN_LEN 16 /* invite tokens: random bytes */

#define ZT_CTL_BRIDGE_CACHE 16

struct zt_ctl {
	struct zt_store *store;
	struct zt_node *node; /* NULL: no pushes (API tests) */
	uint64_t address;     /* the controller's; top 40 bits of its nwids */
	uint64_t store_errors;
	/* Each network's bridges (authorized members with activeBridge), for
	 * every config: kept here rather than read from every member at every
	 * request (a member asks every 15 s); cleared on any change. */
	struct {
		bool valid;
		uint64_t nwid;
		unsigned count;
		uint64_t addr[ZT_NETCONF_MAX_BRIDGES];
	} bridges[ZT_CTL_BRIDGE_CACHE];
	unsigned bridges_next;
	/* Each network's assigned addresses, so that picking a free one from
	 * a pool does not parse every member for every candidate; cleared on
	 * any change, grown as the controller assigns. */
	struct {
		bool valid;
		uint64_t nwid;
		size_t n, cap;
		struct zt_inetaddr *ips;
	} used[ZT_CTL_BRIDGE_CACHE];
	unsigned used_next;
};

/* Free what the caches hold (the store is the caller's). */
void zt_ctl_cleanup(struct zt_ctl *c);

/* The host callback (ctx is the struct zt_ctl). */
enum zt_netconf_verdict zt_ctl_netconf_request(void *ctx, int64_t now,
                                               const struct zt_netconf_request *req,
                                               struct zt_netconf *conf);

/* After the admin changed network nwid (member 0) or one member: push the
 * new configs; a member that lost its authorization is revoked at every
 * authorized member.  Must not run inside a core callback. */
void zt_ctl_changed(struct zt_ctl *c, int64_t now, uint64_t nwid, uint64_t member,
                    bool deauthorized);
/* Push to every member of nwid in `members` (a list taken before the
 * network was deleted). */
void zt_ctl_push_list(struct zt_ctl *c, int64_t now, uint64_t nwid, const uint64_t *members,
                      size_t count);

/* Members of nwid (addresses), malloc'd into *out; returns the count or
 * a negative zt error.  authorized_only filters. */
int zt_ctl_members(struct zt_ctl *c, uint64_t nwid, bool authorized_only, uint64_t **out);

/* Create an invite for nwid good for `uses` joins until `expires` (ms):
 * token (ZT_CTL_TOKEN_LEN random bytes, from the caller) is stored hashed. */
int zt_ctl_invite_create(struct zt_ctl *c, uint64_t nwid, const uint8_t *token, unsigned uses,
                         int64_t expires, int64_t now);

/* Load an object; NULL if absent (or on a store error). */
json_t *zt_ctl_load_net(struct zt_ctl *c, uint64_t nwid);
json_t *zt_ctl_load_member(struct zt_ctl *c, uint64_t nwid, uint64_t address);
int zt_ctl_save_net(struct zt_ctl *c, uint64_t nwid, const json_t *net);
int zt_ctl_save_member(struct zt_ctl *c, uint64_t nwid, uint64_t address, const json_t *m);

#endif
