/* SPDX-License-Identifier: MIT */
/*
 * store_pg_int.h - the PostgreSQL store's state, shared by its files and
 * private to them (the rest of the controller sees store.h):
 *
 *   store_pg.c       the statements, how they are sent, and the store's
 *                    operations (zt_store_ops)
 *   store_pg_open.c  connecting, and the schema's migrations
 *   store_pg_lead.c  several controllers on one database: the leadership
 *                    and the changes they tell each other
 */
#ifndef ZT_CONTROLLER_STORE_PG_INT_H
#define ZT_CONTROLLER_STORE_PG_INT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "controller/store.h"

/* Advisory lock keys: "zt" in ASCII, then which lock. */
#define KEY_LEAD    INT64_C(0x7a74000000000001)
#define KEY_WRITE   INT64_C(0x7a74000000000002)
#define KEY_MIGRATE INT64_C(0x7a74000000000003)
#define CHANNEL     "zt_changed"

struct pg_store {
	struct zt_store base;
	PGconn *c;
	int depth; /* >0 inside a caller's begin/commit */
	bool leading;
	char begin_sql[96]; /* BEGIN and the write lock, one round trip */
};

static inline struct pg_store *zt_store_pg_of(struct zt_store *s)
{
	return (struct pg_store *)s;
}

/* Every statement the store runs once it is open, prepared when it opens
 * (named "zt" and the index): the server parses and plans each one once
 * per connection instead of on every call (planning took longer than
 * running for the lookups: make ctl-bench DB=pg shows the profile). */
enum stmt {
	S_NET_GET,
	S_NET_PUT,
	S_NET_DELETE,
	S_NET_LIST,
	S_MEMBER_GET,
	S_MEMBER_PUT,
	S_MEMBER_DELETE,
	S_MEMBER_LIST,
	S_IDS_ALL, /* S_IDS_ALL + enum zt_store_which */
	S_IDS_AUTHORIZED,
	S_IDS_BRIDGES,
	S_REVISIONS,
	S_IP_OWNER,
	S_COUNT_NETWORKS,
	S_COUNT_MEMBERS,
	S_INVITE_PUT,
	S_INVITE_USE,
	S_AUDIT_PUT,
	S_AUDIT_LIST,
	S_AUDIT_PRUNE_TIME,
	S_AUDIT_PRUNE_ROWS,
	S_INVITE_LIST,
	S_INVITE_DELETE,
	S_USER_PUT,
	S_USER_GET,
	S_USER_DELETE,
	S_USER_COUNT,
	S_TRY_LEAD,
	S_NOTIFY,
	S_N
};
_Static_assert(S_IDS_BRIDGES - S_IDS_ALL == ZT_STORE_BRIDGES &&
                   S_IDS_AUTHORIZED - S_IDS_ALL == ZT_STORE_AUTHORIZED,
               "member_ids picks its statement by enum zt_store_which");

/* Parameters: n of them, text unless len[i] > 0 (binary of that length). */
struct params {
	int n;
	const char *v[8];
	int len[8];
	int fmt[8];
};

extern const struct zt_store_ops zt_store_pg_ops;

/* A statement without parameters (schema, transaction control). */
int zt_store_pg_exec(PGconn *c, const char *sql);
/* Add a parameter: text, binary (len bytes), or a number (as text in
 * buf, which must live as long as p). */
void zt_store_pg_param_text(struct params *p, const char *v);
void zt_store_pg_param_bin(struct params *p, const void *v, int len);
void zt_store_pg_param_int(struct params *p, char *buf, size_t cap, int64_t v);
/* A statement that is not prepared (the migration's: the tables the
 * prepared ones name may not exist yet). */
PGresult *zt_store_pg_run_sql(struct pg_store *s, const char *sql, const struct params *p);
/* A write's result, cleared; *changed (if given) the rows it touched. */
int zt_store_pg_written(PGresult *res, uint64_t *changed);
/* The first column of a result's first row, malloc'd, the result cleared;
 * ZT_ENOTFOUND: no row. */
int zt_store_pg_first_text(PGresult *res, char **out);
/* zt_store_pg_first_text of prepared statement st. */
int zt_store_pg_get_text(struct pg_store *s, enum stmt st, const struct params *p, char **out);
/* Prepare every statement on this connection (prepared statements are
 * the session's: a new connection prepares them again). */
int zt_store_pg_prepare(struct pg_store *s);

#endif
