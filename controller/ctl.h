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
#define ZT_CTL_NAMES_CACHE  4 /* networks whose names are kept (38 KiB each) */

/* Requesters the controller has denied and has no record of: kept in
 * memory only (never written per request), so that the admin sees them
 * (authorized: false) and can authorize them, while strangers cannot grow
 * the database.  Bounded per network and in all, the least recently seen
 * evicted first, forgotten ZT_CTL_PENDING_TTL after their last request. */
#define ZT_CTL_PENDING_PER_NET 256
#define ZT_CTL_PENDING_MAX     4096
#define ZT_CTL_PENDING_TTL     3600000 /* ms */

/* Config requests are rate limited before any store work: a token bucket
 * per requester (in a table of ZT_CTL_RATE_SLOTS, 8-way by address, the
 * least recently seen stranger evicted first), and two global ones: one
 * for requesters whose last answer was a config (members), one for
 * everyone else (strangers), so a flood of strangers cannot starve the
 * members.  A request over a limit is not answered (the member asks again
 * in 2 s).  Pushes are not limited. */
#define ZT_CTL_RATE_SLOTS       16384
#define ZT_CTL_RATE_BURST       8 /* per requester */
#define ZT_CTL_RATE_PER_SEC     1
#define ZT_CTL_STRANGER_BURST   1000
#define ZT_CTL_STRANGER_PER_SEC 500
#define ZT_CTL_MEMBER_BURST     4000
#define ZT_CTL_MEMBER_PER_SEC   2000

struct zt_ctl_bucket {
	int64_t tokens; /* in thousandths */
	int64_t at;     /* ms of the last refill */
};

struct zt_ctl_rate {
	uint64_t address; /* 0: a free slot */
	struct zt_ctl_bucket b;
	bool member; /* its last answer was a config */
};

struct zt_ctl_pending {
	uint64_t nwid; /* 0: a free slot */
	uint64_t address;
	int64_t first_seen, last_seen;
	bool has_pk;
	uint8_t pk[32];
};

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
	/* Each network's names (zt_policy_name_entry, in address order, at
	 * most ZT_NETCONF_MAX_NAMES), for networks with a dns.domain, read
	 * from every member once rather than at every request; cleared on
	 * any change. */
	struct {
		bool valid;
		uint64_t nwid;
		unsigned count;
		struct zt_netconf_name *e; /* ZT_NETCONF_MAX_NAMES, allocated on first use */
	} names[ZT_CTL_NAMES_CACHE];
	unsigned names_next;
	/* Networks whose names changed inside a config request (a member got
	 * an address from a pool): their members get the new names by a push
	 * from zt_ctl_flush, outside the core's callback. */
	uint64_t names_push[ZT_CTL_NAMES_CACHE];
	unsigned names_push_count;
	/* ZT_CTL_PENDING_MAX slots, allocated on first use. */
	struct zt_ctl_pending *pending;
	/* ZT_CTL_RATE_SLOTS slots, allocated on first use. */
	struct zt_ctl_rate *rate;
	struct zt_ctl_bucket strangers, members;
	uint64_t rate_limited; /* requests not answered for a limit */
	/* Requests refused because their key is not the one the member was
	 * first seen with (its record, or its pending entry).  An address is
	 * a memory-hard hash of the key: a second key for it is an attack. */
	uint64_t key_refused;
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

/* The admin changed member `address` of nwid from `before` to `after`
 * (NULL: it did not exist / was deleted): when that changes the names of
 * a network with a dns.domain (a name, an authorization, addresses), push
 * the network's configs to every member, so all of them resolve the new
 * name at once.  Must not run inside a core callback. */
void zt_ctl_names_changed(struct zt_ctl *c, int64_t now, uint64_t nwid, uint64_t address,
                          const json_t *before, const json_t *after);

/* Run what config requests left for later (the names pushes above); the
 * daemon calls it outside core callbacks, once per loop. */
void zt_ctl_flush(struct zt_ctl *c, int64_t now);

/* Members of nwid (addresses), malloc'd into *out; returns the count or
 * a negative zt error.  authorized_only filters. */
int zt_ctl_members(struct zt_ctl *c, uint64_t nwid, bool authorized_only, uint64_t **out);

/* Create an invite for nwid good for `uses` joins until `expires` (ms):
 * token (ZT_CTL_TOKEN_LEN random bytes, from the caller) is stored hashed. */
int zt_ctl_invite_create(struct zt_ctl *c, uint64_t nwid, const uint8_t *token, unsigned uses,
                         int64_t expires, int64_t now);

/* Load an object; NULL if absent (or on a store error).  A member that is
 * only pending (denied, not stored) loads as a new unauthorized member with
 * the identity and lastSeen of its requests. */
json_t *zt_ctl_load_member(struct zt_ctl *c, uint64_t nwid, uint64_t address);
json_t *zt_ctl_load_net(struct zt_ctl *c, uint64_t nwid);
int zt_ctl_save_net(struct zt_ctl *c, uint64_t nwid, const json_t *net);
/* Saving a member (an admin's change, an invite) makes a pending one a
 * stored one. */
int zt_ctl_save_member(struct zt_ctl *c, uint64_t nwid, uint64_t address, const json_t *m);
/* Delete a stored or pending member: ZT_ENOTFOUND if it was neither. */
int zt_ctl_delete_member(struct zt_ctl *c, uint64_t nwid, uint64_t address);
/* Every member of nwid, stored ones first, then pending ones (as their
 * JSON text), for the admin's list. */
int zt_ctl_member_list(struct zt_ctl *c, uint64_t nwid, int64_t now, zt_store_each_fn fn,
                       void *ctx);
/* After network nwid was deleted: forget its pending members. */
void zt_ctl_forget_net(struct zt_ctl *c, uint64_t nwid);

#endif
