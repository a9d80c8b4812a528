/* SPDX-License-Identifier: MIT */
/*
 * store.h - the controller's persistent state behind a small interface, so
 * that a PostgreSQL store for teams with several controllers can follow the
 * SQLite one (store_sqlite.c, the only SQLite user).
 *
 * Networks and members are stored as JSON objects (ZeroTier's controller
 * field names, see ctl_json.h) keyed by their ids; the store does not look
 * inside them.  Every write is its own transaction unless the caller wraps
 * several in begin/commit.  A write that returned ZT_OK is durable: it
 * survives kill -9 and power loss.
 *
 * Ids are the 16/10 lower-case hex digit text forms.  Returned strings are
 * malloc'd; the caller frees them.  Errors are enum zt_err values.
 */
#ifndef ZT_CONTROLLER_STORE_H
#define ZT_CONTROLLER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "node/zt.h"

struct zt_store;

/* Called once per object of a listing; a non-zero return stops it. */
typedef int (*zt_store_each_fn)(void *ctx, const char *id, const char *json);

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

	/* Invites: hash is a hash of the token (the token itself is never
	 * stored).  invite_use takes one use of a valid, unexpired invite for
	 * network nwid: ZT_ENOTFOUND (unknown, for another network, spent or
	 * expired) takes nothing. */
	int (*invite_put)(struct zt_store *s, const uint8_t hash[32], uint64_t nwid, unsigned uses,
	                  int64_t expires, int64_t now);
	int (*invite_use)(struct zt_store *s, const uint8_t hash[32], uint64_t nwid, int64_t now);

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

static inline void zt_store_close(struct zt_store *s)
{
	if (s != NULL)
		s->ops->close(s);
}

#endif
