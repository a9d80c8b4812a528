/* SPDX-License-Identifier: MIT */
/*
 * store.h - the controller's persistent state behind a small interface, so
 * that the SQLite one (store_sqlite.c, the only SQLite user) and the
 * PostgreSQL one for teams with several controllers (store_pg.c, the only
 * libpq user) are one to the controller.
 *
 * Networks and members are stored as JSON objects (ZeroTier's controller
 * field names, see ctl_json.h) keyed by their ids.  The store looks inside
 * a member only to index it (zt_store_member_index in store_index.c:
 * authorized, activeBridge, revision, ipAssignments), in the same transaction as the
 * member, so that picking a free address, listing a network's bridges or
 * the members to push to never reads and parses every member.  Every
 * write is its own transaction unless the caller wraps several in
 * begin/commit.  A write that returned ZT_OK is durable: it survives
 * kill -9 and power loss.
 *
 * Ids are the 16/10 lower-case hex digit text forms.  Returned strings are
 * malloc'd; the caller frees them.  Errors are enum zt_err values.
 */
#ifndef ZT_CONTROLLER_STORE_H
#define ZT_CONTROLLER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/zt.h"

struct zt_store;

/* Called once per object of a listing; a non-zero return stops it. */
typedef int (*zt_store_each_fn)(void *ctx, const char *id, const char *json);

/* What the store indexes of a member (store_index.c fills it from the
 * member's JSON; every implementation uses that one reading). */
#define ZT_STORE_MEMBER_IPS ZT_NETCONF_MAX_ADDRS
struct zt_store_member_index {
	bool authorized;
	bool bridge; /* authorized and activeBridge */
	int64_t revision;
	unsigned ip_count;
	struct zt_inetaddr ips[ZT_STORE_MEMBER_IPS]; /* bits unused */
};
void zt_store_member_index(const char *json, struct zt_store_member_index *out);

/* One entry of the audit trail: a change made through the admin API.
 * old_json / new_json are the object before and after (NULL: it did not
 * exist / was deleted); id is given by the store (ascending). */
struct zt_store_audit {
	int64_t id;
	int64_t time;       /* ms */
	const char *who;    /* the API token's name ("admin") */
	const char *action; /* "create", "update", "delete" */
	const char *object; /* "network/<nwid>", "network/<nwid>/member/<addr>", ... */
	const char *old_json, *new_json;
};
typedef int (*zt_store_audit_fn)(void *ctx, const struct zt_store_audit *e);

/* One invite of a listing: the hash of its token (never the token). */
struct zt_store_invite {
	uint8_t hash[32];
	int64_t uses_left;
	int64_t expires, created; /* ms */
};
typedef int (*zt_store_invite_fn)(void *ctx, const struct zt_store_invite *inv);

/* The web UI's administrators (controller/ui.c): a name and its
 * crypto_pwhash_str() hash; names are 1-ZT_STORE_USER_MAX characters of
 * [A-Za-z0-9._-] (checked by the caller). */
#define ZT_STORE_USER_MAX 64

/* Which members member_ids lists. */
enum zt_store_which {
	ZT_STORE_ALL,
	ZT_STORE_AUTHORIZED,
	ZT_STORE_BRIDGES, /* authorized with activeBridge */
};

struct zt_store_ops {
	void (*close)(struct zt_store *s);
	int (*begin)(struct zt_store *s);
	int (*commit)(struct zt_store *s);
	void (*rollback)(struct zt_store *s);

	int (*net_get)(struct zt_store *s, uint64_t nwid, char **json);
	int (*net_put)(struct zt_store *s, uint64_t nwid, const char *json);
	/* Deletes its members and invites too. */
	int (*net_delete)(struct zt_store *s, uint64_t nwid);
	int (*net_list)(struct zt_store *s, zt_store_each_fn fn, void *ctx);

	int (*member_get)(struct zt_store *s, uint64_t nwid, uint64_t addr, char **json);
	int (*member_put)(struct zt_store *s, uint64_t nwid, uint64_t addr, const char *json);
	int (*member_delete)(struct zt_store *s, uint64_t nwid, uint64_t addr);
	int (*member_list)(struct zt_store *s, uint64_t nwid, zt_store_each_fn fn, void *ctx);
	/* From the index, without reading the members: up to cap addresses
	 * of nwid's members above `after`, in ascending order, into out[]
	 * (*n of them; fewer than cap: the last page). */
	int (*member_ids)(struct zt_store *s, uint64_t nwid, enum zt_store_which which,
	                  uint64_t after, uint64_t *out, size_t cap, size_t *n);
	/* The same pages of all members with each one's revision in rev[]
	 * (the admin's member list, without reading the members). */
	int (*member_revisions)(struct zt_store *s, uint64_t nwid, uint64_t after, uint64_t *out,
	                        int64_t *rev, size_t cap, size_t *n);
	/* A member of nwid that has ip among its ipAssignments: ZT_OK with
	 * its address in *owner (the lowest if several), or ZT_ENOTFOUND. */
	int (*ip_owner)(struct zt_store *s, uint64_t nwid, const struct zt_inetaddr *ip,
	                uint64_t *owner);
	/* How many networks and members there are. */
	int (*count)(struct zt_store *s, uint64_t *networks, uint64_t *members);

	/* Invites: hash is a hash of the token (the token itself is never
	 * stored).  invite_use takes one use of a valid, unexpired invite for
	 * network nwid: ZT_ENOTFOUND (unknown, for another network, spent or
	 * expired) takes nothing. */
	int (*invite_put)(struct zt_store *s, const uint8_t hash[32], uint64_t nwid, unsigned uses,
	                  int64_t expires, int64_t now);
	int (*invite_use)(struct zt_store *s, const uint8_t hash[32], uint64_t nwid, int64_t now);
	/* Up to limit invites of nwid, the newest first (spent and expired
	 * ones too, until deleted); invite_delete revokes one:
	 * ZT_ENOTFOUND if nwid has no invite of that hash. */
	int (*invite_list)(struct zt_store *s, uint64_t nwid, unsigned limit, zt_store_invite_fn fn,
	                   void *ctx);
	int (*invite_delete)(struct zt_store *s, const uint8_t hash[32], uint64_t nwid);

	/* Administrators: user_put creates or replaces name's hash;
	 * user_get gives it (ZT_ENOTFOUND: no such user); user_delete
	 * (ZT_ENOTFOUND); user_count how many there are. */
	int (*user_put)(struct zt_store *s, const char *name, const char *hash, int64_t now);
	int (*user_get)(struct zt_store *s, const char *name, char **hash);
	int (*user_delete)(struct zt_store *s, const char *name);
	int (*user_count)(struct zt_store *s, uint64_t *n);

	/* The audit trail: audit_put adds e (its id ignored), in the
	 * caller's transaction so that a change and its record commit
	 * together; audit_list gives up to limit entries with id < before
	 * (0: from the newest), newest first; audit_prune deletes the
	 * entries older than `older_than` (ms) and the oldest beyond
	 * max_rows, and says how many went in *deleted. */
	int (*audit_put)(struct zt_store *s, const struct zt_store_audit *e);
	int (*audit_list)(struct zt_store *s, int64_t before, unsigned limit, zt_store_audit_fn fn,
	                  void *ctx);
	int (*audit_prune)(struct zt_store *s, int64_t older_than, uint64_t max_rows,
	                   uint64_t *deleted);

	/* A canonical text of everything stored (tests compare two). */
	int (*dump)(struct zt_store *s, char **text);
};

struct zt_store {
	const struct zt_store_ops *ops;
};

/* Open (creating and migrating) the SQLite store at path; ":memory:" for a
 * private in-memory one (tests, the simulator).  On failure *out is NULL
 * and err says why in one line. */
int zt_store_sqlite_open(struct zt_store **out, const char *path, char *err, size_t errcap);
/* The schema version a store opened by this build has. */
int zt_store_sqlite_schema_version(void);

/* PostgreSQL (store_pg.c), for several controllers on one database:
 * db is a libpq URI, postgres://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?...]
 * (or postgresql://); zt_store_is_pg says whether --db names one. */
bool zt_store_is_pg(const char *db);
int zt_store_pg_open(struct zt_store **out, const char *uri, char *err, size_t errcap);
int zt_store_pg_schema_version(void);
/* Leadership: one controller per database answers members and pushes.
 * Tries to take the database's lead (a session advisory lock: the
 * database releases it when this connection ends, e.g. when the process
 * dies); *leading says whether this store holds it.  Once held, it is
 * kept until close; ZT_ECALLBACK: the connection is lost (and with it
 * the lead). */
int zt_store_pg_try_lead(struct zt_store *s, bool *leading);
/* Changes between controllers: notify sends (nwid, member, deauthorized)
 * on the database's zt_changed channel (member 0: the whole network), to
 * be pushed by the leader; listen subscribes this connection, and
 * changes calls fn for each change received from another connection
 * (after the connection's socket turned readable).  ZT_ECALLBACK: the
 * connection is lost. */
typedef void (*zt_store_change_fn)(void *ctx, uint64_t nwid, uint64_t member, bool deauthorized);
int zt_store_pg_socket(struct zt_store *s);
int zt_store_pg_listen(struct zt_store *s);
int zt_store_pg_notify(struct zt_store *s, uint64_t nwid, uint64_t member, bool deauthorized);
int zt_store_pg_changes(struct zt_store *s, zt_store_change_fn fn, void *ctx);

static inline void zt_store_close(struct zt_store *s)
{
	if (s != NULL)
		s->ops->close(s);
}

#endif
