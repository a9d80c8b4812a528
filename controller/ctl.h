/* SPDX-License-Identifier: MIT */
/*
 * ctl.h - the controller's logic between the core, the store and the admin
 * API: answering config requests (the core's netconf_request callback),
 * pushing changes to members, revoking deauthorized members, invites.
 *
 * No clock, no sockets: time comes in as arguments, so the simulator runs
 * this with an in-memory store exactly as zt-controller does.
 *
 * ctl.c has the store's rows, config requests and pushes; ctl_cache.c
 * what every config carries of the whole network (its bridges, its
 * names); ctl_rate.c the rate limits of requests.
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

/* An admin's change is answered before anyone is told of it: the pushes
 * (and revocations) are queued as jobs and sent from the event loop by
 * zt_ctl_work, a page of ZT_CTL_PUSH_PAGE members read from the store's
 * index at a time, so that a change to a network of 10,000 members costs
 * the API call one queued job and the loop a bounded slice per turn. */
#define ZT_CTL_JOBS      1024
#define ZT_CTL_PUSH_PAGE 256

enum zt_ctl_job_kind {
	ZT_CTL_JOB_ONE,    /* push to one member */
	ZT_CTL_JOB_ALL,    /* push to every authorized member */
	ZT_CTL_JOB_REVOKE, /* revoke member at every authorized one, then push to it */
	ZT_CTL_JOB_LIST,   /* push to the members of a list (a deleted network) */
};

struct zt_ctl_job {
	enum zt_ctl_job_kind kind;
	uint64_t nwid, member;
	int64_t at;     /* ZT_CTL_JOB_REVOKE: certificates up to then */
	uint64_t after; /* members done, up to this address */
	bool started;
	uint64_t *list; /* ZT_CTL_JOB_LIST, malloc'd */
	size_t n, pos;
};

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
	/* Set: changes are not pushed from here but handed to notify (a
	 * standby controller tells the leader, ctld.c). */
	void (*notify)(void *ctx, uint64_t nwid, uint64_t member, bool deauthorized);
	void *notify_ctx;
	uint64_t address; /* the controller's; top 40 bits of its nwids */
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
	/* Pushes waiting for the event loop (zt_ctl_work): a ring of
	 * ZT_CTL_JOBS, allocated on first use. */
	struct zt_ctl_job *jobs;
	size_t job_head, job_count;
	/* While zt_ctl_work sends: the network its pushes carry, read once
	 * per call rather than once per member (a push to 10,000 members was
	 * 10,000 reads of the same network). */
	bool pushing;
	uint64_t push_nwid;
	json_t *push_net;
	uint64_t pushes; /* configs pushed, revocations sent */
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

/* After the admin changed network nwid (member 0) or one member: queue
 * the pushes of the new configs; a member that lost its authorization is
 * revoked at every authorized member.  Nothing is sent here (see
 * zt_ctl_work); a job already waiting for the same pushes is not queued
 * twice.  Must not run inside a core callback. */
void zt_ctl_changed(struct zt_ctl *c, int64_t now, uint64_t nwid, uint64_t member,
                    bool deauthorized);
/* Queue a push to every member of nwid in `members` (a list taken before
 * the network was deleted; copied). */
void zt_ctl_push_list(struct zt_ctl *c, int64_t now, uint64_t nwid, const uint64_t *members,
                      size_t count);
/* Send up to `budget` queued pushes and revocations (the event loop, not
 * a core callback); true while jobs remain. */
bool zt_ctl_work(struct zt_ctl *c, int64_t now, unsigned budget);
/* Send everything queued (tests, the simulator). */
void zt_ctl_flush(struct zt_ctl *c, int64_t now);

/* The admin changed member `address` of nwid from `before` to `after`
 * (NULL: it did not exist / was deleted): when that changes the names of
 * a network with a dns.domain (a name, an authorization, addresses), push
 * the network's configs to every member, so all of them resolve the new
 * name at once.  Must not run inside a core callback. */
void zt_ctl_names_changed(struct zt_ctl *c, int64_t now, uint64_t nwid, uint64_t address,
                          const json_t *before, const json_t *after);

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
/* Before an admin's change to member m is stored: an authorized member
 * gets its pool addresses now (as its next config request would give
 * them), so that authorizing is one write, and the push that follows
 * finds nothing left to store.  m is changed in place. */
void zt_ctl_assign(struct zt_ctl *c, uint64_t nwid, uint64_t address, json_t *m, int64_t now);
/* Delete a stored or pending member: ZT_ENOTFOUND if it was neither. */
int zt_ctl_delete_member(struct zt_ctl *c, uint64_t nwid, uint64_t address);
/* Every member of nwid, stored ones first, then pending ones (as their
 * JSON text), for the admin's list. */
int zt_ctl_member_list(struct zt_ctl *c, uint64_t nwid, int64_t now, zt_store_each_fn fn,
                       void *ctx);
/* The same list as address and revision (the admin's member list), from
 * the store's index: no member is read. */
typedef int (*zt_ctl_rev_fn)(void *ctx, uint64_t address, int64_t revision);
int zt_ctl_member_revisions(struct zt_ctl *c, uint64_t nwid, int64_t now, zt_ctl_rev_fn fn,
                            void *ctx);
/* The pending members of nwid (asked, denied, not stored): up to cap
 * addresses into out; returns how many. */
size_t zt_ctl_pending_ids(struct zt_ctl *c, uint64_t nwid, int64_t now, uint64_t *out, size_t cap);
/* After network nwid was deleted: forget its pending members. */
void zt_ctl_forget_net(struct zt_ctl *c, uint64_t nwid);

#endif
