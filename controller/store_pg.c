/* SPDX-License-Identifier: MIT */
/*
 * store_pg.c - the controller's store on PostgreSQL (see store.h), for a
 * team that runs several zt-controller processes on one database: its
 * statements and operations (store_pg_int.h lists the other files).
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
#include "controller/store_pg_int.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void id_text(uint64_t v, int digits, char *out, size_t cap)
{
	snprintf(out, cap, "%0*" PRIx64, digits, v);
}

int zt_store_pg_exec(PGconn *c, const char *sql)
{
	PGresult *res = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(res);
	PQclear(res);
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? ZT_OK : ZT_ECALLBACK;
}

void zt_store_pg_param_text(struct params *p, const char *v)
{
	p->v[p->n] = v;
	p->len[p->n] = 0;
	p->fmt[p->n++] = 0;
}

void zt_store_pg_param_bin(struct params *p, const void *v, int len)
{
	p->v[p->n] = v;
	p->len[p->n] = len;
	p->fmt[p->n++] = 1;
}

/* Numbers go as text: the server converts them to the column's type. */
void zt_store_pg_param_int(struct params *p, char *buf, size_t cap, int64_t v)
{
	snprintf(buf, cap, "%" PRId64, v);
	zt_store_pg_param_text(p, buf);
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

PGresult *zt_store_pg_run_sql(struct pg_store *s, const char *sql, const struct params *p)
{
	return PQexecParams(s->c, sql, p->n, NULL, p->v, p->len, p->fmt, 0);
}

int zt_store_pg_written(PGresult *res, uint64_t *changed)
{
	int r = PQresultStatus(res) == PGRES_COMMAND_OK ? ZT_OK : ZT_ECALLBACK;

	if (r == ZT_OK && changed != NULL)
		*changed = strtoull(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return r;
}

static int write1(struct pg_store *s, enum stmt st, const struct params *p, uint64_t *changed)
{
	return zt_store_pg_written(run(s, st, p), changed);
}

int zt_store_pg_first_text(PGresult *res, char **out)
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

int zt_store_pg_get_text(struct pg_store *s, enum stmt st, const struct params *p, char **out)
{
	return zt_store_pg_first_text(run(s, st, p), out);
}

static int pg_begin(struct zt_store *b)
{
	struct pg_store *s = zt_store_pg_of(b);
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
			(void)zt_store_pg_exec(s->c, "ROLLBACK");
		s->depth--;
		return ZT_ECALLBACK;
	}
	return ZT_OK;
}

static int pg_commit(struct zt_store *b)
{
	struct pg_store *s = zt_store_pg_of(b);
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
		(void)zt_store_pg_exec(s->c, "ROLLBACK");
	return r;
}

static void pg_rollback(struct zt_store *b)
{
	struct pg_store *s = zt_store_pg_of(b);
	if (s->depth == 0)
		return;
	s->depth = 0;
	(void)zt_store_pg_exec(s->c, "ROLLBACK");
}

static int pg_net_get(struct zt_store *b, uint64_t nwid, char **json)
{
	struct params p = {0};
	char id[24];

	id_text(nwid, 16, id, sizeof id);
	zt_store_pg_param_text(&p, id);
	return zt_store_pg_get_text(zt_store_pg_of(b), S_NET_GET, &p, json);
}

static int pg_net_put(struct zt_store *b, uint64_t nwid, const char *json)
{
	struct params p = {0};
	char id[24];

	id_text(nwid, 16, id, sizeof id);
	zt_store_pg_param_text(&p, id);
	zt_store_pg_param_text(&p, json);
	return write1(zt_store_pg_of(b), S_NET_PUT, &p, NULL);
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
	zt_store_pg_param_text(&p, id);
	return deleted(zt_store_pg_of(b), S_NET_DELETE, &p);
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
	return each(zt_store_pg_of(b), S_NET_LIST, &p, fn, ctx);
}

static int pg_member_get(struct zt_store *b, uint64_t nwid, uint64_t addr, char **json)
{
	struct params p = {0};
	char id[24], a[16];

	id_text(nwid, 16, id, sizeof id);
	id_text(addr, 10, a, sizeof a);
	zt_store_pg_param_text(&p, id);
	zt_store_pg_param_text(&p, a);
	return zt_store_pg_get_text(zt_store_pg_of(b), S_MEMBER_GET, &p, json);
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
	zt_store_pg_param_text(&p, id);
	zt_store_pg_param_text(&p, a);
	zt_store_pg_param_text(&p, json);
	zt_store_pg_param_int(&p, au, sizeof au, ix.authorized);
	zt_store_pg_param_int(&p, br, sizeof br, ix.bridge);
	zt_store_pg_param_int(&p, rev, sizeof rev, ix.revision);
	zt_store_pg_param_text(&p, ips);
	/* The row and its index commit together: one statement, so it needs
	 * no transaction of its own beyond the write lock's (store.h). */
	if (pg_begin(b) != ZT_OK)
		return ZT_ECALLBACK;
	if (write1(zt_store_pg_of(b), S_MEMBER_PUT, &p, NULL) != ZT_OK) {
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
	zt_store_pg_param_text(&p, id);
	zt_store_pg_param_text(&p, a);
	return deleted(zt_store_pg_of(b), S_MEMBER_DELETE, &p);
}

static int pg_member_list(struct zt_store *b, uint64_t nwid, zt_store_each_fn fn, void *ctx)
{
	struct params p = {0};
	char id[24];

	id_text(nwid, 16, id, sizeof id);
	zt_store_pg_param_text(&p, id);
	return each(zt_store_pg_of(b), S_MEMBER_LIST, &p, fn, ctx);
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
	zt_store_pg_param_text(&p, id);
	zt_store_pg_param_text(&p, a);
	zt_store_pg_param_int(&p, lim, sizeof lim, (int64_t)cap);
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
	return page(zt_store_pg_of(b), S_IDS_ALL + which, nwid, after, cap, out, NULL, n);
}

static int pg_member_revisions(struct zt_store *b, uint64_t nwid, uint64_t after, uint64_t *out,
                               int64_t *rev, size_t cap, size_t *n)
{
	return page(zt_store_pg_of(b), S_REVISIONS, nwid, after, cap, out, rev, n);
}

static int pg_ip_owner(struct zt_store *b, uint64_t nwid, const struct zt_inetaddr *ip,
                       uint64_t *owner)
{
	struct params p = {0};
	char id[24];
	char *t = NULL;
	int r;

	id_text(nwid, 16, id, sizeof id);
	zt_store_pg_param_text(&p, id);
	zt_store_pg_param_bin(&p, ip->ip, ip_len(ip));
	r = zt_store_pg_get_text(zt_store_pg_of(b), S_IP_OWNER, &p, &t);
	if (r == ZT_OK && zt_address_parse(t, owner) != ZT_OK)
		r = ZT_ECALLBACK;
	free(t);
	return r;
}

static int count_rows(struct pg_store *s, enum stmt st, uint64_t *out)
{
	struct params p = {0};
	char *t = NULL;
	int r = zt_store_pg_get_text(s, st, &p, &t);

	*out = r == ZT_OK ? strtoull(t, NULL, 10) : 0;
	free(t);
	return r == ZT_OK ? ZT_OK : ZT_ECALLBACK;
}

static int pg_count(struct zt_store *b, uint64_t *networks, uint64_t *members)
{
	if (count_rows(zt_store_pg_of(b), S_COUNT_NETWORKS, networks) != ZT_OK)
		return ZT_ECALLBACK;
	return count_rows(zt_store_pg_of(b), S_COUNT_MEMBERS, members);
}

static int pg_invite_put(struct zt_store *b, const uint8_t hash[32], uint64_t nwid, unsigned uses,
                         int64_t expires, int64_t now)
{
	struct params p = {0};
	char id[24], u[24], e[24], c[24];

	id_text(nwid, 16, id, sizeof id);
	zt_store_pg_param_bin(&p, hash, 32);
	zt_store_pg_param_text(&p, id);
	zt_store_pg_param_int(&p, u, sizeof u, uses);
	zt_store_pg_param_int(&p, e, sizeof e, expires);
	zt_store_pg_param_int(&p, c, sizeof c, now);
	return write1(zt_store_pg_of(b), S_INVITE_PUT, &p, NULL);
}

static int pg_invite_use(struct zt_store *b, const uint8_t hash[32], uint64_t nwid, int64_t now)
{
	struct params p = {0};
	char id[24], t[24];

	id_text(nwid, 16, id, sizeof id);
	zt_store_pg_param_bin(&p, hash, 32);
	zt_store_pg_param_text(&p, id);
	zt_store_pg_param_int(&p, t, sizeof t, now);
	return deleted(zt_store_pg_of(b), S_INVITE_USE, &p);
}

static int pg_invite_list(struct zt_store *b, uint64_t nwid, unsigned limit, zt_store_invite_fn fn,
                          void *ctx)
{
	struct params p = {0};
	char id[24], lim[24];
	PGresult *res;
	int r = ZT_OK;

	id_text(nwid, 16, id, sizeof id);
	zt_store_pg_param_text(&p, id);
	zt_store_pg_param_int(&p, lim, sizeof lim, limit);
	res = run(zt_store_pg_of(b), S_INVITE_LIST, &p);
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
	zt_store_pg_param_bin(&p, hash, 32);
	zt_store_pg_param_text(&p, id);
	return deleted(zt_store_pg_of(b), S_INVITE_DELETE, &p);
}

static int pg_user_put(struct zt_store *b, const char *name, const char *hash, int64_t now)
{
	struct params p = {0};
	char t[24];

	zt_store_pg_param_text(&p, name);
	zt_store_pg_param_text(&p, hash);
	zt_store_pg_param_int(&p, t, sizeof t, now);
	return write1(zt_store_pg_of(b), S_USER_PUT, &p, NULL);
}

static int pg_user_get(struct zt_store *b, const char *name, char **hash)
{
	struct params p = {0};

	zt_store_pg_param_text(&p, name);
	return zt_store_pg_get_text(zt_store_pg_of(b), S_USER_GET, &p, hash);
}

static int pg_user_delete(struct zt_store *b, const char *name)
{
	struct params p = {0};

	zt_store_pg_param_text(&p, name);
	return deleted(zt_store_pg_of(b), S_USER_DELETE, &p);
}

static int pg_user_count(struct zt_store *b, uint64_t *n)
{
	return count_rows(zt_store_pg_of(b), S_USER_COUNT, n);
}

static int pg_audit_put(struct zt_store *b, const struct zt_store_audit *e)
{
	struct params p = {0};
	char t[24];

	zt_store_pg_param_int(&p, t, sizeof t, e->time);
	zt_store_pg_param_text(&p, e->who != NULL ? e->who : "");
	zt_store_pg_param_text(&p, e->action != NULL ? e->action : "");
	zt_store_pg_param_text(&p, e->object != NULL ? e->object : "");
	zt_store_pg_param_text(&p, e->old_json); /* NULL: SQL NULL */
	zt_store_pg_param_text(&p, e->new_json);
	return write1(zt_store_pg_of(b), S_AUDIT_PUT, &p, NULL);
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

	zt_store_pg_param_int(&p, bf, sizeof bf, before > 0 ? before : INT64_MAX);
	zt_store_pg_param_int(&p, lim, sizeof lim, limit);
	res = run(zt_store_pg_of(b), S_AUDIT_LIST, &p);
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
	struct pg_store *s = zt_store_pg_of(b);
	struct params p = {0};
	char t[24];
	uint64_t n = 0;

	*deleted_out = 0;
	if (pg_begin(b) != ZT_OK)
		return ZT_ECALLBACK;
	zt_store_pg_param_int(&p, t, sizeof t, older_than);
	if (write1(s, S_AUDIT_PRUNE_TIME, &p, &n) != ZT_OK)
		goto fail;
	*deleted_out += n;
	p.n = 0;
	zt_store_pg_param_int(&p, t, sizeof t,
	                      (int64_t)(max_rows > INT64_MAX ? INT64_MAX : max_rows));
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
	struct pg_store *s = zt_store_pg_of(b);
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
	struct pg_store *s = zt_store_pg_of(b);
	if (s->depth > 0)
		pg_rollback(b);
	/* Ending the session releases the leadership. */
	PQfinish(s->c);
	free(s);
}

const struct zt_store_ops zt_store_pg_ops = {
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

/* Every statement of stmts[]. */
int zt_store_pg_prepare(struct pg_store *s)
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
