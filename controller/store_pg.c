/* SPDX-License-Identifier: MIT */
/*
 * store_pg.c - the controller's store on PostgreSQL (see store.h), for a
 * team that runs several zt-controller processes on one database.
 *
 * The same tables, migrations and semantics as store_sqlite.c: every
 * write is its own transaction unless the caller holds one, and a write
 * that returned ZT_OK is committed with synchronous_commit on (on the
 * server's disk, and on its synchronous standbys if it has any).  Every
 * statement is parameterised; ids travel as text, hashes and addresses as
 * binary bytea.  The statements are prepared once per connection, when the
 * store opens (see stmts[] below), and a call is as few round trips as it
 * can be: each one waits for the server, and with the commit's flush they
 * are what an admin call waits for.
 *
 * Writers are serialised as SQLite's BEGIN IMMEDIATE serialises them: a
 * transaction takes a transaction-scoped advisory lock first, so that a
 * read-then-write (picking a free address) by one controller cannot
 * interleave with another's.  Leadership is a session advisory lock on
 * another key: held by one connection until it ends, so the database
 * gives it to a standby as soon as the leader's process dies.
 *
 * The schema version lives in the table zt_schema, raised one migration
 * at a time under a third advisory lock (two controllers started at once
 * migrate once).
 */
#include "controller/store.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Migration i brings the schema from version i to i+1, as store_sqlite.c's
 * (the member index of 2 -> 3 needs no backfill here: a PostgreSQL store
 * is created by a build that already writes the index). */
static const char *const migrations[] = {
    /* 0 -> 1: networks and members, as JSON objects.  Ids compare as
     * bytes ("C"), as SQLite's, so that pages come in address order. */
    "CREATE TABLE network (id TEXT COLLATE \"C\" PRIMARY KEY NOT NULL, json TEXT NOT NULL);"
    "CREATE TABLE member (nwid TEXT COLLATE \"C\" NOT NULL REFERENCES network(id)"
    " ON DELETE CASCADE, address TEXT COLLATE \"C\" NOT NULL, json TEXT NOT NULL,"
    " PRIMARY KEY (nwid, address));",
    /* 1 -> 2: invites, by the hash of their token. */
    "CREATE TABLE invite (hash BYTEA PRIMARY KEY NOT NULL,"
    " nwid TEXT COLLATE \"C\" NOT NULL REFERENCES network(id) ON DELETE CASCADE,"
    " uses_left BIGINT NOT NULL, expires BIGINT NOT NULL, created BIGINT NOT NULL);",
    /* 2 -> 3: the members' index (store.h). */
    "ALTER TABLE member ADD COLUMN authorized INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE member ADD COLUMN bridge INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE member ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;"
    "CREATE INDEX member_authorized ON member (nwid, authorized, address);"
    "CREATE INDEX member_bridge ON member (nwid, bridge, address);"
    "CREATE TABLE member_ip (nwid TEXT COLLATE \"C\" NOT NULL,"
    " address TEXT COLLATE \"C\" NOT NULL, ip BYTEA NOT NULL,"
    " PRIMARY KEY (nwid, address, ip), FOREIGN KEY (nwid, address)"
    " REFERENCES member (nwid, address) ON DELETE CASCADE);"
    "CREATE INDEX member_ip_ip ON member_ip (nwid, ip, address);",
    /* 3 -> 4: the audit trail of admin changes (store.h). */
    "CREATE TABLE audit (id BIGSERIAL PRIMARY KEY, time BIGINT NOT NULL,"
    " who TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL, old TEXT, new TEXT);"
    "CREATE INDEX audit_time ON audit (time);",
    /* 4 -> 5: the web UI's administrators (ui.c); invites by network. */
    "CREATE TABLE admin_user (name TEXT COLLATE \"C\" PRIMARY KEY NOT NULL,"
    " hash TEXT NOT NULL, created BIGINT NOT NULL);"
    "CREATE INDEX invite_nwid ON invite (nwid, created);",
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

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

static const char *const stmts[S_N] = {
    [S_NET_GET] = "SELECT json FROM network WHERE id = $1",
    [S_NET_PUT] = "INSERT INTO network (id, json) VALUES ($1, $2) "
                  "ON CONFLICT (id) DO UPDATE SET json = excluded.json",
    [S_NET_DELETE] = "DELETE FROM network WHERE id = $1",
    [S_NET_LIST] = "SELECT id, json FROM network ORDER BY id",
    [S_MEMBER_GET] = "SELECT json FROM member WHERE nwid = $1 AND address = $2",
    /* The row and its index rows in one statement, one round trip: $7
     * the member's addresses as hex text; those it no longer has are
     * deleted, the new ones added.  The foreign keys are checked at the
     * statement's end, when the member's row is there: a member of a
     * network that does not exist fails on them. */
    [S_MEMBER_PUT] =
        "WITH m AS (INSERT INTO member (nwid, address, json, authorized, bridge, revision) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (nwid, address) DO UPDATE SET "
        "json = excluded.json, authorized = excluded.authorized, bridge = excluded.bridge, "
        "revision = excluded.revision RETURNING nwid, address), "
        "ips AS (SELECT DISTINCT decode(unnest($7::text[]), 'hex') AS ip), "
        "gone AS (DELETE FROM member_ip WHERE nwid = $1 AND address = $2 "
        "AND ip NOT IN (SELECT ip FROM ips)) "
        "INSERT INTO member_ip (nwid, address, ip) SELECT m.nwid, m.address, ips.ip "
        "FROM m, ips ON CONFLICT DO NOTHING",
    [S_MEMBER_DELETE] = "DELETE FROM member WHERE nwid = $1 AND address = $2",
    [S_MEMBER_LIST] = "SELECT address, json FROM member WHERE nwid = $1 ORDER BY address",
    [S_IDS_ALL] = "SELECT address FROM member WHERE nwid = $1 AND address > $2 "
                  "ORDER BY address LIMIT $3",
    [S_IDS_AUTHORIZED] = "SELECT address FROM member WHERE nwid = $1 AND authorized = 1 "
                         "AND address > $2 ORDER BY address LIMIT $3",
    [S_IDS_BRIDGES] = "SELECT address FROM member WHERE nwid = $1 AND bridge = 1 "
                      "AND address > $2 ORDER BY address LIMIT $3",
    [S_REVISIONS] = "SELECT address, revision FROM member WHERE nwid = $1 AND address > $2 "
                    "ORDER BY address LIMIT $3",
    [S_IP_OWNER] = "SELECT address FROM member_ip WHERE nwid = $1 AND ip = $2 "
                   "ORDER BY address LIMIT 1",
    [S_COUNT_NETWORKS] = "SELECT count(*) FROM network",
    [S_COUNT_MEMBERS] = "SELECT count(*) FROM member",
    [S_INVITE_PUT] = "INSERT INTO invite (hash, nwid, uses_left, expires, created) "
                     "VALUES ($1, $2, $3, $4, $5)",
    /* One statement, matched on the network too (as store_sqlite.c). */
    [S_INVITE_USE] = "UPDATE invite SET uses_left = uses_left - 1 "
                     "WHERE hash = $1 AND nwid = $2 AND uses_left > 0 AND expires > $3",
    [S_AUDIT_PUT] = "INSERT INTO audit (time, who, action, object, old, new) "
                    "VALUES ($1, $2, $3, $4, $5, $6)",
    [S_AUDIT_LIST] = "SELECT id, time, who, action, object, old, new FROM audit WHERE id < $1 "
                     "ORDER BY id DESC LIMIT $2",
    [S_AUDIT_PRUNE_TIME] = "DELETE FROM audit WHERE time < $1",
    /* The newest $1 stay (as store_sqlite.c). */
    [S_AUDIT_PRUNE_ROWS] = "DELETE FROM audit WHERE id <= (SELECT id FROM audit "
                           "ORDER BY id DESC LIMIT 1 OFFSET $1)",
    /* hash as hex text: the other columns are text too. */
    [S_INVITE_LIST] = "SELECT encode(hash, 'hex'), uses_left, expires, created FROM invite "
                      "WHERE nwid = $1 ORDER BY created DESC, hash LIMIT $2",
    [S_INVITE_DELETE] = "DELETE FROM invite WHERE hash = $1 AND nwid = $2",
    [S_USER_PUT] = "INSERT INTO admin_user (name, hash, created) VALUES ($1, $2, $3) "
                   "ON CONFLICT (name) DO UPDATE SET hash = excluded.hash",
    [S_USER_GET] = "SELECT hash FROM admin_user WHERE name = $1",
    [S_USER_DELETE] = "DELETE FROM admin_user WHERE name = $1",
    [S_USER_COUNT] = "SELECT count(*) FROM admin_user",
    [S_TRY_LEAD] = "SELECT pg_try_advisory_lock($1::bigint)::text",
    [S_NOTIFY] = "SELECT pg_notify('" CHANNEL "', $1)::text",
};

static struct pg_store *pg(struct zt_store *s)
{
	return (struct pg_store *)s;
}

static void id_text(uint64_t v, int digits, char *out, size_t cap)
{
	snprintf(out, cap, "%0*" PRIx64, digits, v);
}

/* A statement without parameters (schema, transaction control). */
static int exec(PGconn *c, const char *sql)
{
	PGresult *res = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(res);
	PQclear(res);
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? ZT_OK : ZT_ECALLBACK;
}

/* Parameters: n of them, text unless len[i] > 0 (binary of that length). */
struct params {
	int n;
	const char *v[8];
	int len[8];
	int fmt[8];
};

static void p_text(struct params *p, const char *v)
{
	p->v[p->n] = v;
	p->len[p->n] = 0;
	p->fmt[p->n++] = 0;
}

static void p_bin(struct params *p, const void *v, int len)
{
	p->v[p->n] = v;
	p->len[p->n] = len;
	p->fmt[p->n++] = 1;
}

/* Numbers go as text: the server converts them to the column's type. */
static void p_int(struct params *p, char *buf, size_t cap, int64_t v)
{
	snprintf(buf, cap, "%" PRId64, v);
	p_text(p, buf);
}

static void stmt_name(int st, char *out, size_t cap)
{
	snprintf(out, cap, "zt%d", st);
}

/* A prepared statement (stmts[st]). */
static PGresult *run(struct pg_store *s, enum stmt st, const struct params *p)
{
	char name[16];

	stmt_name((int)st, name, sizeof name);
	return PQexecPrepared(s->c, name, p->n, p->v, p->len, p->fmt, 0);
}

/* A statement that is not prepared (the migration's: the tables the
 * prepared ones name may not exist yet). */
static PGresult *run_sql(struct pg_store *s, const char *sql, const struct params *p)
{
	return PQexecParams(s->c, sql, p->n, NULL, p->v, p->len, p->fmt, 0);
}

/* A write's result, cleared; *changed (if given) the rows it touched. */
static int written(PGresult *res, uint64_t *changed)
{
	int r = PQresultStatus(res) == PGRES_COMMAND_OK ? ZT_OK : ZT_ECALLBACK;

	if (r == ZT_OK && changed != NULL)
		*changed = strtoull(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return r;
}

static int write1(struct pg_store *s, enum stmt st, const struct params *p, uint64_t *changed)
{
	return written(run(s, st, p), changed);
}

/* The first column of a result's first row, malloc'd, the result cleared;
 * ZT_ENOTFOUND: no row. */
static int first_text(PGresult *res, char **out)
{
	int r;

	*out = NULL;
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		r = ZT_ECALLBACK;
	else if (PQntuples(res) == 0)
		r = ZT_ENOTFOUND;
	else
		r = (*out = strdup(PQgetvalue(res, 0, 0))) != NULL ? ZT_OK : ZT_ENOMEM;
	PQclear(res);
	return r;
}

static int get_text(struct pg_store *s, enum stmt st, const struct params *p, char **out)
{
	return first_text(run(s, st, p), out);
}

static int pg_begin(struct zt_store *b)
{
	struct pg_store *s = pg(b);
	PGresult *res;
	int r;

	if (s->depth++ > 0)
		return ZT_OK;
	/* The write lock first (see the top of the file), released by the
	 * commit or rollback; sent with the BEGIN, in one round trip. */
	res = PQexec(s->c, s->begin_sql);
	r = PQresultStatus(res) == PGRES_TUPLES_OK ? ZT_OK : ZT_ECALLBACK;
	PQclear(res);
	if (r != ZT_OK) {
		if (PQtransactionStatus(s->c) != PQTRANS_IDLE)
			(void)exec(s->c, "ROLLBACK");
		s->depth--;
		return ZT_ECALLBACK;
	}
	return ZT_OK;
}

static int pg_commit(struct zt_store *b)
{
	struct pg_store *s = pg(b);
	PGresult *res;
	int r;

	if (s->depth == 0)
		return ZT_EINVAL;
	if (--s->depth > 0)
		return ZT_OK;
	/* A transaction in which a statement failed answers COMMIT with
	 * ROLLBACK: that is a failed commit. */
	res = PQexec(s->c, "COMMIT");
	r = PQresultStatus(res) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(res), "COMMIT") == 0
	        ? ZT_OK
	        : ZT_ECALLBACK;
	PQclear(res);
	if (r != ZT_OK && PQtransactionStatus(s->c) != PQTRANS_IDLE)
		(void)exec(s->c, "ROLLBACK");
	return r;
}

static void pg_rollback(struct zt_store *b)
{
	struct pg_store *s = pg(b);
	if (s->depth == 0)
		return;
	s->depth = 0;
	(void)exec(s->c, "ROLLBACK");
}

static int pg_net_get(struct zt_store *b, uint64_t nwid, char **json)
{
	struct params p = {0};
	char id[24];

	id_text(nwid, 16, id, sizeof id);
	p_text(&p, id);
	return get_text(pg(b), S_NET_GET, &p, json);
}

static int pg_net_put(struct zt_store *b, uint64_t nwid, const char *json)
{
	struct params p = {0};
	char id[24];

	id_text(nwid, 16, id, sizeof id);
	p_text(&p, id);
	p_text(&p, json);
	return write1(pg(b), S_NET_PUT, &p, NULL);
}

static int deleted(struct pg_store *s, enum stmt st, const struct params *p)
{
	uint64_t n = 0;
	int r = write1(s, st, p, &n);
	return r == ZT_OK && n == 0 ? ZT_ENOTFOUND : r;
}

static int pg_net_delete(struct zt_store *b, uint64_t nwid)
{
	struct params p = {0};
	char id[24];

	id_text(nwid, 16, id, sizeof id);
	p_text(&p, id);
	return deleted(pg(b), S_NET_DELETE, &p);
}

static int each(struct pg_store *s, enum stmt st, const struct params *p, zt_store_each_fn fn,
                void *ctx)
{
	PGresult *res = run(s, st, p);
	int r = ZT_OK;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		r = ZT_ECALLBACK;
	for (int i = 0; r == ZT_OK && i < PQntuples(res); i++)
		if (fn(ctx, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1)) != 0)
			break;
	PQclear(res);
	return r;
}

static int pg_net_list(struct zt_store *b, zt_store_each_fn fn, void *ctx)
{
	struct params p = {0};
	return each(pg(b), S_NET_LIST, &p, fn, ctx);
}

static int pg_member_get(struct zt_store *b, uint64_t nwid, uint64_t addr, char **json)
{
	struct params p = {0};
	char id[24], a[16];

	id_text(nwid, 16, id, sizeof id);
	id_text(addr, 10, a, sizeof a);
	p_text(&p, id);
	p_text(&p, a);
	return get_text(pg(b), S_MEMBER_GET, &p, json);
}

static int ip_len(const struct zt_inetaddr *ip)
{
	return ip->family == 4 ? 4 : 16;
}

static int pg_member_put(struct zt_store *b, uint64_t nwid, uint64_t addr, const char *json)
{
	static const char hex[] = "0123456789abcdef";
	struct zt_store_member_index ix;
	struct params p = {0};
	/* "{" 32 hex digits "," ... "}": an array of the addresses as hex. */
	char id[24], a[16], au[4], br[4], rev[24], ips[ZT_STORE_MEMBER_IPS * 33 + 3];
	size_t n = 0;

	zt_store_member_index(json, &ix);
	ips[n++] = '{';
	for (unsigned i = 0; i < ix.ip_count; i++) {
		if (i > 0)
			ips[n++] = ',';
		for (int k = 0; k < ip_len(&ix.ips[i]); k++) {
			ips[n++] = hex[ix.ips[i].ip[k] >> 4];
			ips[n++] = hex[ix.ips[i].ip[k] & 15];
		}
	}
	ips[n++] = '}';
	ips[n] = '\0';
	id_text(nwid, 16, id, sizeof id);
	id_text(addr, 10, a, sizeof a);
	p_text(&p, id);
	p_text(&p, a);
	p_text(&p, json);
	p_int(&p, au, sizeof au, ix.authorized);
	p_int(&p, br, sizeof br, ix.bridge);
	p_int(&p, rev, sizeof rev, ix.revision);
	p_text(&p, ips);
	/* The row and its index commit together: one statement, so it needs
	 * no transaction of its own beyond the write lock's (store.h). */
	if (pg_begin(b) != ZT_OK)
		return ZT_ECALLBACK;
	if (write1(pg(b), S_MEMBER_PUT, &p, NULL) != ZT_OK) {
		pg_rollback(b);
		return ZT_ECALLBACK;
	}
	return pg_commit(b);
}

static int pg_member_delete(struct zt_store *b, uint64_t nwid, uint64_t addr)
{
	struct params p = {0};
	char id[24], a[16];

	id_text(nwid, 16, id, sizeof id);
	id_text(addr, 10, a, sizeof a);
	p_text(&p, id);
	p_text(&p, a);
	return deleted(pg(b), S_MEMBER_DELETE, &p);
}

static int pg_member_list(struct zt_store *b, uint64_t nwid, zt_store_each_fn fn, void *ctx)
{
	struct params p = {0};
	char id[24];

	id_text(nwid, 16, id, sizeof id);
	p_text(&p, id);
	return each(pg(b), S_MEMBER_LIST, &p, fn, ctx);
}

/* A page of addresses (column 0) and, with rev, revisions (column 1). */
static int page(struct pg_store *s, enum stmt st, uint64_t nwid, uint64_t after, size_t cap,
                uint64_t *out, int64_t *rev, size_t *n)
{
	struct params p = {0};
	char id[24], a[16], lim[24];
	PGresult *res;
	int r = ZT_OK;

	*n = 0;
	if (cap == 0)
		return ZT_OK;
	id_text(nwid, 16, id, sizeof id);
	id_text(after, 10, a, sizeof a);
	p_text(&p, id);
	p_text(&p, a);
	p_int(&p, lim, sizeof lim, (int64_t)cap);
	res = run(s, st, &p);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		r = ZT_ECALLBACK;
	for (int i = 0; r == ZT_OK && i < PQntuples(res) && *n < cap; i++) {
		if (zt_address_parse(PQgetvalue(res, i, 0), &out[*n]) != ZT_OK)
			continue;
		if (rev != NULL)
			rev[*n] = strtoll(PQgetvalue(res, i, 1), NULL, 10);
		++*n;
	}
	PQclear(res);
	return r;
}

static int pg_member_ids(struct zt_store *b, uint64_t nwid, enum zt_store_which which,
                         uint64_t after, uint64_t *out, size_t cap, size_t *n)
{
	*n = 0;
	if ((unsigned)which > ZT_STORE_BRIDGES)
		return ZT_ECALLBACK;
	return page(pg(b), S_IDS_ALL + which, nwid, after, cap, out, NULL, n);
}

static int pg_member_revisions(struct zt_store *b, uint64_t nwid, uint64_t after, uint64_t *out,
                               int64_t *rev, size_t cap, size_t *n)
{
	return page(pg(b), S_REVISIONS, nwid, after, cap, out, rev, n);
}

static int pg_ip_owner(struct zt_store *b, uint64_t nwid, const struct zt_inetaddr *ip,
                       uint64_t *owner)
{
	struct params p = {0};
	char id[24];
	char *t = NULL;
	int r;

	id_text(nwid, 16, id, sizeof id);
	p_text(&p, id);
	p_bin(&p, ip->ip, ip_len(ip));
	r = get_text(pg(b), S_IP_OWNER, &p, &t);
	if (r == ZT_OK && zt_address_parse(t, owner) != ZT_OK)
		r = ZT_ECALLBACK;
	free(t);
	return r;
}

static int count_rows(struct pg_store *s, enum stmt st, uint64_t *out)
{
	struct params p = {0};
	char *t = NULL;
	int r = get_text(s, st, &p, &t);

	*out = r == ZT_OK ? strtoull(t, NULL, 10) : 0;
	free(t);
	return r == ZT_OK ? ZT_OK : ZT_ECALLBACK;
}

static int pg_count(struct zt_store *b, uint64_t *networks, uint64_t *members)
{
	if (count_rows(pg(b), S_COUNT_NETWORKS, networks) != ZT_OK)
		return ZT_ECALLBACK;
	return count_rows(pg(b), S_COUNT_MEMBERS, members);
}

static int pg_invite_put(struct zt_store *b, const uint8_t hash[32], uint64_t nwid, unsigned uses,
                         int64_t expires, int64_t now)
{
	struct params p = {0};
	char id[24], u[24], e[24], c[24];

	id_text(nwid, 16, id, sizeof id);
	p_bin(&p, hash, 32);
	p_text(&p, id);
	p_int(&p, u, sizeof u, uses);
	p_int(&p, e, sizeof e, expires);
	p_int(&p, c, sizeof c, now);
	return write1(pg(b), S_INVITE_PUT, &p, NULL);
}

static int pg_invite_use(struct zt_store *b, const uint8_t hash[32], uint64_t nwid, int64_t now)
{
	struct params p = {0};
	char id[24], t[24];

	id_text(nwid, 16, id, sizeof id);
	p_bin(&p, hash, 32);
	p_text(&p, id);
	p_int(&p, t, sizeof t, now);
	return deleted(pg(b), S_INVITE_USE, &p);
}

static int pg_invite_list(struct zt_store *b, uint64_t nwid, unsigned limit, zt_store_invite_fn fn,
                          void *ctx)
{
	struct params p = {0};
	char id[24], lim[24];
	PGresult *res;
	int r = ZT_OK;

	id_text(nwid, 16, id, sizeof id);
	p_text(&p, id);
	p_int(&p, lim, sizeof lim, limit);
	res = run(pg(b), S_INVITE_LIST, &p);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		r = ZT_ECALLBACK;
	for (int i = 0; r == ZT_OK && i < PQntuples(res); i++) {
		struct zt_store_invite inv;
		size_t n = 0;

		if (sodium_hex2bin(inv.hash, 32, PQgetvalue(res, i, 0), 64, NULL, &n, NULL) != 0 ||
		    n != 32)
			continue; /* not one of ours */
		inv.uses_left = strtoll(PQgetvalue(res, i, 1), NULL, 10);
		inv.expires = strtoll(PQgetvalue(res, i, 2), NULL, 10);
		inv.created = strtoll(PQgetvalue(res, i, 3), NULL, 10);
		if (fn(ctx, &inv) != 0)
			break;
	}
	PQclear(res);
	return r;
}

static int pg_invite_delete(struct zt_store *b, const uint8_t hash[32], uint64_t nwid)
{
	struct params p = {0};
	char id[24];

	id_text(nwid, 16, id, sizeof id);
	p_bin(&p, hash, 32);
	p_text(&p, id);
	return deleted(pg(b), S_INVITE_DELETE, &p);
}

static int pg_user_put(struct zt_store *b, const char *name, const char *hash, int64_t now)
{
	struct params p = {0};
	char t[24];

	p_text(&p, name);
	p_text(&p, hash);
	p_int(&p, t, sizeof t, now);
	return write1(pg(b), S_USER_PUT, &p, NULL);
}

static int pg_user_get(struct zt_store *b, const char *name, char **hash)
{
	struct params p = {0};

	p_text(&p, name);
	return get_text(pg(b), S_USER_GET, &p, hash);
}

static int pg_user_delete(struct zt_store *b, const char *name)
{
	struct params p = {0};

	p_text(&p, name);
	return deleted(pg(b), S_USER_DELETE, &p);
}

static int pg_user_count(struct zt_store *b, uint64_t *n)
{
	return count_rows(pg(b), S_USER_COUNT, n);
}

static int pg_audit_put(struct zt_store *b, const struct zt_store_audit *e)
{
	struct params p = {0};
	char t[24];

	p_int(&p, t, sizeof t, e->time);
	p_text(&p, e->who != NULL ? e->who : "");
	p_text(&p, e->action != NULL ? e->action : "");
	p_text(&p, e->object != NULL ? e->object : "");
	p_text(&p, e->old_json); /* NULL: SQL NULL */
	p_text(&p, e->new_json);
	return write1(pg(b), S_AUDIT_PUT, &p, NULL);
}

static const char *col(PGresult *res, int row, int i)
{
	return PQgetisnull(res, row, i) ? NULL : PQgetvalue(res, row, i);
}

static int pg_audit_list(struct zt_store *b, int64_t before, unsigned limit, zt_store_audit_fn fn,
                         void *ctx)
{
	struct params p = {0};
	char bf[24], lim[24];
	PGresult *res;
	int r = ZT_OK;

	p_int(&p, bf, sizeof bf, before > 0 ? before : INT64_MAX);
	p_int(&p, lim, sizeof lim, limit);
	res = run(pg(b), S_AUDIT_LIST, &p);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		r = ZT_ECALLBACK;
	for (int i = 0; r == ZT_OK && i < PQntuples(res); i++) {
		struct zt_store_audit e = {strtoll(PQgetvalue(res, i, 0), NULL, 10),
		                           strtoll(PQgetvalue(res, i, 1), NULL, 10),
		                           col(res, i, 2),
		                           col(res, i, 3),
		                           col(res, i, 4),
		                           col(res, i, 5),
		                           col(res, i, 6)};
		if (fn(ctx, &e) != 0)
			break;
	}
	PQclear(res);
	return r;
}

static int pg_audit_prune(struct zt_store *b, int64_t older_than, uint64_t max_rows,
                          uint64_t *deleted_out)
{
	struct pg_store *s = pg(b);
	struct params p = {0};
	char t[24];
	uint64_t n = 0;

	*deleted_out = 0;
	if (pg_begin(b) != ZT_OK)
		return ZT_ECALLBACK;
	p_int(&p, t, sizeof t, older_than);
	if (write1(s, S_AUDIT_PRUNE_TIME, &p, &n) != ZT_OK)
		goto fail;
	*deleted_out += n;
	p.n = 0;
	p_int(&p, t, sizeof t, (int64_t)(max_rows > INT64_MAX ? INT64_MAX : max_rows));
	if (write1(s, S_AUDIT_PRUNE_ROWS, &p, &n) != ZT_OK)
		goto fail;
	*deleted_out += n;
	return pg_commit(b);
fail:
	pg_rollback(b);
	*deleted_out = 0;
	return ZT_ECALLBACK;
}

static int pg_dump(struct zt_store *b, char **text)
{
	/* The same text as store_sqlite.c's dump (hex in upper case). */
	static const char *const queries[] = {
	    "SELECT 'network ' || id || ' ' || json FROM network ORDER BY id",
	    "SELECT 'member ' || nwid || ' ' || address || ' ' || json FROM member "
	    "ORDER BY nwid, address",
	    "SELECT 'invite ' || upper(encode(hash, 'hex')) || ' ' || nwid || ' ' || uses_left "
	    "|| ' ' || expires FROM invite ORDER BY hash",
	};
	struct pg_store *s = pg(b);
	char *out = NULL;
	size_t len = 0, cap = 0;
	int r = ZT_OK;

	*text = NULL;
	for (size_t q = 0; q < sizeof queries / sizeof queries[0] && r == ZT_OK; q++) {
		PGresult *res = PQexec(s->c, queries[q]);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			r = ZT_ECALLBACK;
		for (int i = 0; r == ZT_OK && i < PQntuples(res); i++) {
			const char *t = PQgetvalue(res, i, 0);
			size_t n = strlen(t);
			if (len + n + 2 > cap) {
				size_t nc = (cap + n + 2) * 2;
				char *np = realloc(out, nc);
				if (np == NULL) {
					r = ZT_ENOMEM;
					break;
				}
				out = np;
				cap = nc;
			}
			memcpy(out + len, t, n);
			len += n;
			out[len++] = '\n';
			out[len] = '\0';
		}
		PQclear(res);
	}
	if (r == ZT_OK && out == NULL && (out = calloc(1, 1)) == NULL)
		r = ZT_ENOMEM;
	if (r != ZT_OK) {
		free(out);
		return r;
	}
	*text = out;
	return ZT_OK;
}

static void pg_close(struct zt_store *b)
{
	struct pg_store *s = pg(b);
	if (s->depth > 0)
		pg_rollback(b);
	/* Ending the session releases the leadership. */
	PQfinish(s->c);
	free(s);
}

static const struct zt_store_ops pg_ops = {
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .net_get = pg_net_get,
    .net_put = pg_net_put,
    .net_delete = pg_net_delete,
    .net_list = pg_net_list,
    .member_get = pg_member_get,
    .member_put = pg_member_put,
    .member_delete = pg_member_delete,
    .member_list = pg_member_list,
    .member_ids = pg_member_ids,
    .member_revisions = pg_member_revisions,
    .ip_owner = pg_ip_owner,
    .count = pg_count,
    .audit_put = pg_audit_put,
    .audit_list = pg_audit_list,
    .audit_prune = pg_audit_prune,
    .invite_put = pg_invite_put,
    .invite_use = pg_invite_use,
    .invite_list = pg_invite_list,
    .invite_delete = pg_invite_delete,
    .user_put = pg_user_put,
    .user_get = pg_user_get,
    .user_delete = pg_user_delete,
    .user_count = pg_user_count,
    .dump = pg_dump,
};

static int migrate(struct pg_store *s, const char *what, char *err, size_t errcap)
{
	struct params p = {0};
	char key[24], *t = NULL;
	int v, r;

	/* One migrator at a time: the lock is the transaction's, and the
	 * version is read under it. */
	p_int(&p, key, sizeof key, KEY_MIGRATE);
	if (exec(s->c, "BEGIN") != ZT_OK)
		goto fail;
	if (first_text(run_sql(s, "SELECT pg_advisory_xact_lock($1::bigint)::text", &p), &t) !=
	    ZT_OK)
		goto fail;
	free(t);
	t = NULL;
	if (exec(s->c, "CREATE TABLE IF NOT EXISTS zt_schema (version INTEGER NOT NULL)") != ZT_OK)
		goto fail;
	p.n = 0;
	r = first_text(run_sql(s, "SELECT version FROM zt_schema", &p), &t);
	if (r == ZT_ENOTFOUND)
		r = exec(s->c, "INSERT INTO zt_schema (version) VALUES (0)");
	if (r != ZT_OK)
		goto fail;
	v = t != NULL ? atoi(t) : 0;
	free(t);
	t = NULL;
	if (v > SCHEMA_VERSION) {
		snprintf(err, errcap,
		         "%s has schema version %d, newer than this zt-controller knows (%d): "
		         "use a newer zt-controller",
		         what, v, SCHEMA_VERSION);
		(void)exec(s->c, "ROLLBACK");
		return ZT_EINVAL;
	}
	/* Each step and its version commit together; the lock holds across
	 * the steps, so they run in this one transaction. */
	for (; v < SCHEMA_VERSION; v++) {
		char ver[24];
		if (exec(s->c, migrations[v]) != ZT_OK)
			goto fail;
		p.n = 0;
		p_int(&p, ver, sizeof ver, v + 1);
		if (written(run_sql(s, "UPDATE zt_schema SET version = $1", &p), NULL) != ZT_OK)
			goto fail;
	}
	if (exec(s->c, "COMMIT") != ZT_OK)
		goto fail;
	return ZT_OK;
fail:
	snprintf(err, errcap, "%s: migrating the schema to version %d failed: %s", what,
	         SCHEMA_VERSION, PQerrorMessage(s->c));
	err[strcspn(err, "\n")] = '\0';
	free(t);
	(void)exec(s->c, "ROLLBACK");
	return ZT_ECALLBACK;
}

/* Every statement of stmts[], on this connection (prepared statements
 * are the session's: a new connection prepares them again). */
static int prepare(struct pg_store *s)
{
	for (int i = 0; i < S_N; i++) {
		char name[16];
		PGresult *res;
		bool ok;

		stmt_name(i, name, sizeof name);
		res = PQprepare(s->c, name, stmts[i], 0, NULL);
		ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		PQclear(res);
		if (!ok)
			return ZT_ECALLBACK;
	}
	return ZT_OK;
}

static void no_notice(void *ctx, const char *message)
{
	(void)ctx;
	(void)message;
}

bool zt_store_is_pg(const char *db)
{
	return db != NULL &&
	       (strncmp(db, "postgres://", 11) == 0 || strncmp(db, "postgresql://", 13) == 0);
}

int zt_store_pg_schema_version(void)
{
	return SCHEMA_VERSION;
}

/* The URI without its password, for messages. */
static void safe_uri(const char *uri, char *out, size_t cap)
{
	const char *at = strchr(uri, '@'), *scheme = strstr(uri, "://");
	if (at != NULL && scheme != NULL && at > scheme)
		snprintf(out, cap, "%.*s://…%s", (int)(scheme - uri), uri, at);
	else
		snprintf(out, cap, "%s", uri);
}

int zt_store_pg_open(struct zt_store **out, const char *uri, char *err, size_t errcap)
{
	struct pg_store *s;
	char what[256];
	int r;

	*out = NULL;
	safe_uri(uri, what, sizeof what);
	s = calloc(1, sizeof *s);
	if (s == NULL) {
		snprintf(err, errcap, "out of memory");
		return ZT_ENOMEM;
	}
	s->base.ops = &pg_ops;
	{
		/* Defaults the URI's own parameters override (they come
		 * later): a leader cut off from the server, or a server cut
		 * off from a dead leader's host, notices within about 11 s
		 * (keepalives at 5 s, then 3 probes 2 s apart, on both ends;
		 * unix sockets need none), so that the lead moves on. */
		static const char *const keys[] = {"application_name",
		                                   "connect_timeout",
		                                   "keepalives_idle",
		                                   "keepalives_interval",
		                                   "keepalives_count",
		                                   "tcp_user_timeout",
		                                   "options",
		                                   "dbname",
		                                   NULL};
		const char *vals[] = {"zt-controller",
		                      "10",
		                      "5",
		                      "2",
		                      "3",
		                      "11000",
		                      "-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 "
		                      "-c tcp_keepalives_count=3",
		                      uri,
		                      NULL};
		s->c = PQconnectdbParams(keys, vals, 1);
	}
	if (s->c == NULL || PQstatus(s->c) != CONNECTION_OK) {
		snprintf(err, errcap, "cannot connect to %s: %s", what,
		         s->c != NULL ? PQerrorMessage(s->c) : "out of memory");
		err[strcspn(err, "\n")] = '\0';
		r = ZT_ECALLBACK;
		goto fail;
	}
	/* Durable on return (whatever the server's default), in UTC, and
	 * without notices on stderr. */
	PQsetNoticeProcessor(s->c, no_notice, NULL);
	if (exec(s->c, "SET synchronous_commit = on") != ZT_OK ||
	    exec(s->c, "SET client_min_messages = warning") != ZT_OK) {
		snprintf(err, errcap, "%s: %s", what, PQerrorMessage(s->c));
		err[strcspn(err, "\n")] = '\0';
		r = ZT_ECALLBACK;
		goto fail;
	}
	r = migrate(s, what, err, errcap);
	if (r == ZT_OK && (r = prepare(s)) != ZT_OK) {
		snprintf(err, errcap, "%s: preparing the statements failed: %s", what,
		         PQerrorMessage(s->c));
		err[strcspn(err, "\n")] = '\0';
	}
	if (r != ZT_OK)
		goto fail;
	snprintf(s->begin_sql, sizeof s->begin_sql,
	         "BEGIN; SELECT pg_advisory_xact_lock(%" PRId64 ")", KEY_WRITE);
	*out = &s->base;
	return ZT_OK;
fail:
	PQfinish(s->c);
	free(s);
	return r;
}

int zt_store_pg_try_lead(struct zt_store *b, bool *leading)
{
	struct pg_store *s = pg(b);
	struct params p = {0};
	char key[24], *t = NULL;
	int r;

	*leading = s->leading;
	if (s->leading)
		return PQstatus(s->c) == CONNECTION_OK ? ZT_OK : ZT_ECALLBACK;
	p_int(&p, key, sizeof key, KEY_LEAD);
	r = get_text(s, S_TRY_LEAD, &p, &t);
	if (r == ZT_OK)
		s->leading = *leading = strcmp(t, "true") == 0;
	free(t);
	return r == ZT_OK ? ZT_OK : ZT_ECALLBACK;
}

int zt_store_pg_socket(struct zt_store *b)
{
	return PQsocket(pg(b)->c);
}

int zt_store_pg_listen(struct zt_store *b)
{
	return exec(pg(b)->c, "LISTEN " CHANNEL);
}

int zt_store_pg_notify(struct zt_store *b, uint64_t nwid, uint64_t member, bool deauthorized)
{
	struct params p = {0};
	char payload[64], *t = NULL;
	int r;

	snprintf(payload, sizeof payload, "%016" PRIx64 " %010" PRIx64 " %d", nwid, member,
	         deauthorized ? 1 : 0);
	p_text(&p, payload);
	r = get_text(pg(b), S_NOTIFY, &p, &t);
	free(t);
	return r == ZT_OK ? ZT_OK : ZT_ECALLBACK;
}

int zt_store_pg_changes(struct zt_store *b, zt_store_change_fn fn, void *ctx)
{
	struct pg_store *s = pg(b);
	PGnotify *n;

	if (PQconsumeInput(s->c) == 0 || PQstatus(s->c) != CONNECTION_OK)
		return ZT_ECALLBACK;
	while ((n = PQnotifies(s->c)) != NULL) {
		char nw[17], mb[11];
		int deauth = 0;
		uint64_t nwid, member;
		/* Ours (the leader's own changes are queued where they are
		 * made) and malformed ones are skipped. */
		if (n->be_pid != PQbackendPID(s->c) &&
		    sscanf(n->extra, "%16s %10s %d", nw, mb, &deauth) == 3 &&
		    zt_nwid_parse(nw, &nwid) == ZT_OK && zt_address_parse(mb, &member) == ZT_OK)
			fn(ctx, nwid, member, deauth != 0);
		PQfreemem(n);
	}
	return ZT_OK;
}
