/* SPDX-License-Identifier: MIT */
/*
 * store_sqlite.c - the controller's store on SQLite (see store.h): its
 * operations.  store_sqlite_open.c opens a database.
 *
 * WAL journal with synchronous=FULL: a committed transaction is on disk
 * before the call returns, so an acknowledged API change survives kill -9
 * and power loss, and a crash at any moment leaves the last committed
 * state (SQLite's journal does the atomicity; we only never write outside
 * a transaction).  The schema version lives in PRAGMA user_version and is
 * raised one migration at a time, each migration in its own transaction.
 */
#include "controller/store_sqlite_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct sq_store *sq(struct zt_store *s)
{
	return (struct sq_store *)s;
}

static void id_text(uint64_t v, int digits, char *out, size_t cap)
{
	snprintf(out, cap, "%0*" PRIx64, digits, v);
}

int zt_store_sqlite_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? ZT_OK : ZT_ECALLBACK;
}

/* A single write: its own transaction unless the caller holds one. */
static int step_write(struct sq_store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	(void)s;
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? ZT_OK : ZT_ECALLBACK;
}

static int sq_begin(struct zt_store *b)
{
	struct sq_store *s = sq(b);
	if (s->depth++ > 0)
		return ZT_OK;
	/* IMMEDIATE: take the write lock now, so a read-then-write inside
	 * the transaction cannot fail half way on a busy database. */
	if (zt_store_sqlite_exec(s->db, "BEGIN IMMEDIATE") != ZT_OK) {
		s->depth--;
		return ZT_ECALLBACK;
	}
	return ZT_OK;
}

static int sq_commit(struct zt_store *b)
{
	struct sq_store *s = sq(b);
	if (s->depth == 0)
		return ZT_EINVAL;
	if (--s->depth > 0)
		return ZT_OK;
	if (zt_store_sqlite_exec(s->db, "COMMIT") != ZT_OK) {
		(void)zt_store_sqlite_exec(s->db, "ROLLBACK");
		return ZT_ECALLBACK;
	}
	return ZT_OK;
}

static void sq_rollback(struct zt_store *b)
{
	struct sq_store *s = sq(b);
	if (s->depth == 0)
		return;
	s->depth = 0;
	(void)zt_store_sqlite_exec(s->db, "ROLLBACK");
}

static int prepare(struct sq_store *s, const char *sql, sqlite3_stmt **st)
{
	return sqlite3_prepare_v2(s->db, sql, -1, st, NULL) == SQLITE_OK ? ZT_OK : ZT_ECALLBACK;
}

static int get_text(sqlite3_stmt *st, char **out)
{
	int rc = sqlite3_step(st), r;
	*out = NULL;
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		*out = strdup(t != NULL ? (const char *)t : "");
		r = *out != NULL ? ZT_OK : ZT_ENOMEM;
	} else {
		r = rc == SQLITE_DONE ? ZT_ENOTFOUND : ZT_ECALLBACK;
	}
	sqlite3_finalize(st);
	return r;
}

static int sq_net_get(struct zt_store *b, uint64_t nwid, char **json)
{
	struct sq_store *s = sq(b);
	sqlite3_stmt *st;
	char id[24];

	*json = NULL;
	if (prepare(s, "SELECT json FROM network WHERE id = ?", &st) != ZT_OK)
		return ZT_ECALLBACK;
	id_text(nwid, 16, id, sizeof id);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	return get_text(st, json);
}

static int sq_net_put(struct zt_store *b, uint64_t nwid, const char *json)
{
	struct sq_store *s = sq(b);
	sqlite3_stmt *st;
	char id[24];

	if (prepare(s,
	            "INSERT INTO network (id, json) VALUES (?, ?) "
	            "ON CONFLICT(id) DO UPDATE SET json = excluded.json",
	            &st) != ZT_OK)
		return ZT_ECALLBACK;
	id_text(nwid, 16, id, sizeof id);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, json, -1, SQLITE_TRANSIENT);
	return step_write(s, st);
}

static int sq_net_delete(struct zt_store *b, uint64_t nwid)
{
	struct sq_store *s = sq(b);
	sqlite3_stmt *st;
	char id[24];
	int r;

	if (prepare(s, "DELETE FROM network WHERE id = ?", &st) != ZT_OK)
		return ZT_ECALLBACK;
	id_text(nwid, 16, id, sizeof id);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	r = step_write(s, st);
	if (r == ZT_OK && sqlite3_changes(s->db) == 0)
		r = ZT_ENOTFOUND;
	return r;
}

static int each(sqlite3_stmt *st, zt_store_each_fn fn, void *ctx)
{
	int rc, r = ZT_OK;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *id = sqlite3_column_text(st, 0);
		const unsigned char *js = sqlite3_column_text(st, 1);
		if (fn(ctx, id != NULL ? (const char *)id : "",
		       js != NULL ? (const char *)js : "") != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = ZT_ECALLBACK;
	sqlite3_finalize(st);
	return r;
}

static int sq_net_list(struct zt_store *b, zt_store_each_fn fn, void *ctx)
{
	struct sq_store *s = sq(b);
	sqlite3_stmt *st;
	if (prepare(s, "SELECT id, json FROM network ORDER BY id", &st) != ZT_OK)
		return ZT_ECALLBACK;
	return each(st, fn, ctx);
}

static int sq_member_get(struct zt_store *b, uint64_t nwid, uint64_t addr, char **json)
{
	struct sq_store *s = sq(b);
	sqlite3_stmt *st;
	char id[24], a[16];

	*json = NULL;
	if (prepare(s, "SELECT json FROM member WHERE nwid = ? AND address = ?", &st) != ZT_OK)
		return ZT_ECALLBACK;
	id_text(nwid, 16, id, sizeof id);
	id_text(addr, 10, a, sizeof a);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, a, -1, SQLITE_TRANSIENT);
	return get_text(st, json);
}

static int ip_len(const struct zt_inetaddr *ip)
{
	return ip->family == 4 ? 4 : 16;
}

int zt_store_sqlite_put_member(sqlite3 *db, const char *id, const char *a, const char *json)
{
	struct zt_store_member_index ix;
	sqlite3_stmt *st = NULL;
	int r = ZT_ECALLBACK;

	zt_store_member_index(json, &ix);
	if (sqlite3_prepare_v2(
	        db,
	        "INSERT INTO member (nwid, address, json, authorized, bridge, revision) "
	        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(nwid, address) DO UPDATE SET "
	        "json = excluded.json, authorized = excluded.authorized, "
	        "bridge = excluded.bridge, revision = excluded.revision",
	        -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, a, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, json, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, ix.authorized);
	sqlite3_bind_int(st, 5, ix.bridge);
	sqlite3_bind_int64(st, 6, ix.revision);
	/* A member of a network that does not exist fails the foreign key. */
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "DELETE FROM member_ip WHERE nwid = ? AND address = ?", -1, &st,
	                       NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, a, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	if (ix.ip_count == 0) {
		r = ZT_OK;
		goto out;
	}
	if (sqlite3_prepare_v2(
	        db, "INSERT OR IGNORE INTO member_ip (nwid, address, ip) VALUES (?, ?, ?)", -1, &st,
	        NULL) != SQLITE_OK)
		goto out;
	for (unsigned i = 0; i < ix.ip_count; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, a, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(st, 3, ix.ips[i].ip, ip_len(&ix.ips[i]), SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	r = ZT_OK;
out:
	sqlite3_finalize(st);
	return r;
}

static int sq_member_put(struct zt_store *b, uint64_t nwid, uint64_t addr, const char *json)
{
	struct sq_store *s = sq(b);
	char id[24], a[16];
	int r;

	id_text(nwid, 16, id, sizeof id);
	id_text(addr, 10, a, sizeof a);
	/* The row and its index commit together. */
	if (sq_begin(b) != ZT_OK)
		return ZT_ECALLBACK;
	r = zt_store_sqlite_put_member(s->db, id, a, json);
	if (r != ZT_OK) {
		sq_rollback(b);
		return r;
	}
	return sq_commit(b);
}

static int sq_member_delete(struct zt_store *b, uint64_t nwid, uint64_t addr)
{
	struct sq_store *s = sq(b);
	sqlite3_stmt *st;
	char id[24], a[16];
	int r;

	if (prepare(s, "DELETE FROM member WHERE nwid = ? AND address = ?", &st) != ZT_OK)
		return ZT_ECALLBACK;
	id_text(nwid, 16, id, sizeof id);
	id_text(addr, 10, a, sizeof a);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, a, -1, SQLITE_TRANSIENT);
	r = step_write(s, st);
	if (r == ZT_OK && sqlite3_changes(s->db) == 0)
		r = ZT_ENOTFOUND;
	return r;
}

static int sq_member_list(struct zt_store *b, uint64_t nwid, zt_store_each_fn fn, void *ctx)
{
	struct sq_store *s = sq(b);
	sqlite3_stmt *st;
	char id[24];
	if (prepare(s, "SELECT address, json FROM member WHERE nwid = ? ORDER BY address", &st) !=
	    ZT_OK)
		return ZT_ECALLBACK;
	id_text(nwid, 16, id, sizeof id);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	return each(st, fn, ctx);
}

static int sq_member_ids(struct zt_store *b, uint64_t nwid, enum zt_store_which which,
                         uint64_t after, uint64_t *out, size_t cap, size_t *n)
{
	static const char *const sql[] = {
	    [ZT_STORE_ALL] = "SELECT address FROM member WHERE nwid = ? AND address > ? "
	                     "ORDER BY address LIMIT ?",
	    [ZT_STORE_AUTHORIZED] = "SELECT address FROM member WHERE nwid = ? AND authorized = 1 "
	                            "AND address > ? ORDER BY address LIMIT ?",
	    [ZT_STORE_BRIDGES] = "SELECT address FROM member WHERE nwid = ? AND bridge = 1 "
	                         "AND address > ? ORDER BY address LIMIT ?",
	};
	struct sq_store *s = sq(b);
	sqlite3_stmt *st;
	char id[24], a[16];
	int rc = SQLITE_DONE; /* cap 0: nothing to read */

	*n = 0;
	if ((unsigned)which > ZT_STORE_BRIDGES || prepare(s, sql[which], &st) != ZT_OK)
		return ZT_ECALLBACK;
	id_text(nwid, 16, id, sizeof id);
	id_text(after, 10, a, sizeof a);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, a, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)cap);
	while (*n < cap && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		if (t != NULL && zt_address_parse((const char *)t, &out[*n]) == ZT_OK)
			++*n;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? ZT_OK : ZT_ECALLBACK;
}

static int sq_member_revisions(struct zt_store *b, uint64_t nwid, uint64_t after, uint64_t *out,
                               int64_t *rev, size_t cap, size_t *n)
{
	struct sq_store *s = sq(b);
	sqlite3_stmt *st;
	char id[24], a[16];
	int rc = SQLITE_DONE; /* cap 0: nothing to read */

	*n = 0;
	if (prepare(s,
	            "SELECT address, revision FROM member WHERE nwid = ? AND address > ? "
	            "ORDER BY address LIMIT ?",
	            &st) != ZT_OK)
		return ZT_ECALLBACK;
	id_text(nwid, 16, id, sizeof id);
	id_text(after, 10, a, sizeof a);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, a, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)cap);
	while (*n < cap && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		if (t != NULL && zt_address_parse((const char *)t, &out[*n]) == ZT_OK)
			rev[(*n)++] = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? ZT_OK : ZT_ECALLBACK;
}

static int sq_ip_owner(struct zt_store *b, uint64_t nwid, const struct zt_inetaddr *ip,
                       uint64_t *owner)
{
	struct sq_store *s = sq(b);
	sqlite3_stmt *st;
	char id[24];
	char *t = NULL;
	int r;

	if (prepare(s,
	            "SELECT address FROM member_ip WHERE nwid = ? AND ip = ? ORDER BY address "
	            "LIMIT 1",
	            &st) != ZT_OK)
		return ZT_ECALLBACK;
	id_text(nwid, 16, id, sizeof id);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 2, ip->ip, ip_len(ip), SQLITE_TRANSIENT);
	r = get_text(st, &t);
	if (r == ZT_OK && zt_address_parse(t, owner) != ZT_OK)
		r = ZT_ECALLBACK;
	free(t);
	return r;
}

static int count_rows(struct sq_store *s, const char *sql, uint64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	*out = 0;
	if (prepare(s, sql, &st) != ZT_OK)
		return ZT_ECALLBACK;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? ZT_OK : ZT_ECALLBACK;
}

static int sq_count(struct zt_store *b, uint64_t *networks, uint64_t *members)
{
	struct sq_store *s = sq(b);

	if (count_rows(s, "SELECT count(*) FROM network", networks) != ZT_OK)
		return ZT_ECALLBACK;
	return count_rows(s, "SELECT count(*) FROM member", members);
}

static int sq_invite_put(struct zt_store *b, const uint8_t hash[32], uint64_t nwid, unsigned uses,
                         int64_t expires, int64_t now)
{
	struct sq_store *s = sq(b);
	sqlite3_stmt *st;
	char id[24];

	if (prepare(s,
	            "INSERT INTO invite (hash, nwid, uses_left, expires, created) "
	            "VALUES (?, ?, ?, ?, ?)",
	            &st) != ZT_OK)
		return ZT_ECALLBACK;
	id_text(nwid, 16, id, sizeof id);
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, uses);
	sqlite3_bind_int64(st, 4, expires);
	sqlite3_bind_int64(st, 5, now);
	return step_write(s, st);
}

static int sq_invite_use(struct zt_store *b, const uint8_t hash[32], uint64_t nwid, int64_t now)
{
	struct sq_store *s = sq(b);
	sqlite3_stmt *st;
	char id[24];
	int r;

	/* One statement, matched on the network too: an invite shown to
	 * another network is not spent. */
	if (prepare(s,
	            "UPDATE invite SET uses_left = uses_left - 1 "
	            "WHERE hash = ? AND nwid = ? AND uses_left > 0 AND expires > ?",
	            &st) != ZT_OK)
		return ZT_ECALLBACK;
	id_text(nwid, 16, id, sizeof id);
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now);
	r = step_write(s, st);
	if (r == ZT_OK && sqlite3_changes(s->db) == 0)
		r = ZT_ENOTFOUND;
	return r;
}

static int sq_invite_list(struct zt_store *b, uint64_t nwid, unsigned limit, zt_store_invite_fn fn,
                          void *ctx)
{
	struct sq_store *s = sq(b);
	sqlite3_stmt *st;
	char id[24];
	int rc;

	if (prepare(s,
	            "SELECT hash, uses_left, expires, created FROM invite WHERE nwid = ? "
	            "ORDER BY created DESC, hash LIMIT ?",
	            &st) != ZT_OK)
		return ZT_ECALLBACK;
	id_text(nwid, 16, id, sizeof id);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct zt_store_invite inv;

		if (sqlite3_column_bytes(st, 0) != 32)
			continue; /* not one of ours */
		memcpy(inv.hash, sqlite3_column_blob(st, 0), 32);
		inv.uses_left = sqlite3_column_int64(st, 1);
		inv.expires = sqlite3_column_int64(st, 2);
		inv.created = sqlite3_column_int64(st, 3);
		if (fn(ctx, &inv) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? ZT_OK : ZT_ECALLBACK;
}

static int sq_invite_delete(struct zt_store *b, const uint8_t hash[32], uint64_t nwid)
{
	struct sq_store *s = sq(b);
	sqlite3_stmt *st;
	char id[24];
	int r;

	if (prepare(s, "DELETE FROM invite WHERE hash = ? AND nwid = ?", &st) != ZT_OK)
		return ZT_ECALLBACK;
	id_text(nwid, 16, id, sizeof id);
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
	r = step_write(s, st);
	if (r == ZT_OK && sqlite3_changes(s->db) == 0)
		r = ZT_ENOTFOUND;
	return r;
}

static int sq_user_put(struct zt_store *b, const char *name, const char *hash, int64_t now)
{
	struct sq_store *s = sq(b);
	sqlite3_stmt *st;

	if (prepare(s,
	            "INSERT INTO admin_user (name, hash, created) VALUES (?, ?, ?) "
	            "ON CONFLICT (name) DO UPDATE SET hash = excluded.hash",
	            &st) != ZT_OK)
		return ZT_ECALLBACK;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now);
	return step_write(s, st);
}

static int sq_user_get(struct zt_store *b, const char *name, char **hash)
{
	struct sq_store *s = sq(b);
	sqlite3_stmt *st;

	*hash = NULL;
	if (prepare(s, "SELECT hash FROM admin_user WHERE name = ?", &st) != ZT_OK)
		return ZT_ECALLBACK;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	return get_text(st, hash);
}

static int sq_user_delete(struct zt_store *b, const char *name)
{
	struct sq_store *s = sq(b);
	sqlite3_stmt *st;
	int r;

	if (prepare(s, "DELETE FROM admin_user WHERE name = ?", &st) != ZT_OK)
		return ZT_ECALLBACK;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	r = step_write(s, st);
	if (r == ZT_OK && sqlite3_changes(s->db) == 0)
		r = ZT_ENOTFOUND;
	return r;
}

static int sq_user_count(struct zt_store *b, uint64_t *n)
{
	return count_rows(sq(b), "SELECT count(*) FROM admin_user", n);
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *t)
{
	if (t != NULL)
		sqlite3_bind_text(st, i, t, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static int sq_audit_put(struct zt_store *b, const struct zt_store_audit *e)
{
	struct sq_store *s = sq(b);
	sqlite3_stmt *st;

	if (prepare(s,
	            "INSERT INTO audit (time, who, action, object, old, new) "
	            "VALUES (?, ?, ?, ?, ?, ?)",
	            &st) != ZT_OK)
		return ZT_ECALLBACK;
	sqlite3_bind_int64(st, 1, e->time);
	bind_text_or_null(st, 2, e->who != NULL ? e->who : "");
	bind_text_or_null(st, 3, e->action != NULL ? e->action : "");
	bind_text_or_null(st, 4, e->object != NULL ? e->object : "");
	bind_text_or_null(st, 5, e->old_json);
	bind_text_or_null(st, 6, e->new_json);
	return step_write(s, st);
}

static const char *col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int sq_audit_list(struct zt_store *b, int64_t before, unsigned limit, zt_store_audit_fn fn,
                         void *ctx)
{
	struct sq_store *s = sq(b);
	sqlite3_stmt *st;
	int rc;

	if (prepare(s,
	            "SELECT id, time, who, action, object, old, new FROM audit WHERE id < ? "
	            "ORDER BY id DESC LIMIT ?",
	            &st) != ZT_OK)
		return ZT_ECALLBACK;
	sqlite3_bind_int64(st, 1, before > 0 ? before : INT64_MAX);
	sqlite3_bind_int64(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct zt_store_audit e = {sqlite3_column_int64(st, 0),
		                           sqlite3_column_int64(st, 1),
		                           col(st, 2),
		                           col(st, 3),
		                           col(st, 4),
		                           col(st, 5),
		                           col(st, 6)};
		if (fn(ctx, &e) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? ZT_OK : ZT_ECALLBACK;
}

static int sq_audit_prune(struct zt_store *b, int64_t older_than, uint64_t max_rows,
                          uint64_t *deleted)
{
	struct sq_store *s = sq(b);
	sqlite3_stmt *st;
	int r;

	*deleted = 0;
	if (sq_begin(b) != ZT_OK)
		return ZT_ECALLBACK;
	if (prepare(s, "DELETE FROM audit WHERE time < ?", &st) != ZT_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, older_than);
	if (step_write(s, st) != ZT_OK)
		goto fail;
	*deleted += (uint64_t)sqlite3_changes(s->db);
	/* The newest max_rows stay: everything below the id of the
	 * (max_rows+1)-th newest goes, one indexed statement. */
	if (prepare(s,
	            "DELETE FROM audit WHERE id <= (SELECT id FROM audit ORDER BY id DESC "
	            "LIMIT 1 OFFSET ?)",
	            &st) != ZT_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(max_rows > INT64_MAX ? INT64_MAX : max_rows));
	if (step_write(s, st) != ZT_OK)
		goto fail;
	*deleted += (uint64_t)sqlite3_changes(s->db);
	r = sq_commit(b);
	return r;
fail:
	sq_rollback(b);
	*deleted = 0;
	return ZT_ECALLBACK;
}

/* Append to a growing string; false when out of memory. */
struct sbuf {
	char *p;
	size_t len, cap;
};
static bool sb_add(struct sbuf *b, const char *s)
{
	size_t n = strlen(s);
	if (b->len + n + 1 > b->cap) {
		size_t nc = (b->cap + n + 1) * 2;
		char *p = realloc(b->p, nc);
		if (p == NULL)
			return false;
		b->p = p;
		b->cap = nc;
	}
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
	return true;
}

static int sq_dump(struct zt_store *b, char **text)
{
	static const char *const queries[] = {
	    "SELECT 'network ' || id || ' ' || json FROM network ORDER BY id",
	    "SELECT 'member ' || nwid || ' ' || address || ' ' || json FROM member "
	    "ORDER BY nwid, address",
	    "SELECT 'invite ' || hex(hash) || ' ' || nwid || ' ' || uses_left || ' ' || expires "
	    "FROM invite ORDER BY hash",
	};
	struct sq_store *s = sq(b);
	struct sbuf sb = {NULL, 0, 0};
	int r = ZT_OK;

	*text = NULL;
	if (!sb_add(&sb, ""))
		return ZT_ENOMEM;
	for (size_t i = 0; i < sizeof queries / sizeof queries[0] && r == ZT_OK; i++) {
		sqlite3_stmt *st;
		int rc;
		if (prepare(s, queries[i], &st) != ZT_OK) {
			r = ZT_ECALLBACK;
			break;
		}
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const unsigned char *t = sqlite3_column_text(st, 0);
			if (!sb_add(&sb, t != NULL ? (const char *)t : "") || !sb_add(&sb, "\n")) {
				r = ZT_ENOMEM;
				break;
			}
		}
		if (r == ZT_OK && rc != SQLITE_DONE)
			r = ZT_ECALLBACK;
		sqlite3_finalize(st);
	}
	if (r != ZT_OK) {
		free(sb.p);
		return r;
	}
	*text = sb.p;
	return ZT_OK;
}

static void sq_close(struct zt_store *b)
{
	struct sq_store *s = sq(b);
	if (s->depth > 0)
		sq_rollback(b);
	sqlite3_close(s->db);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s);
}

const struct zt_store_ops zt_store_sqlite_ops = {
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .net_get = sq_net_get,
    .net_put = sq_net_put,
    .net_delete = sq_net_delete,
    .net_list = sq_net_list,
    .member_get = sq_member_get,
    .member_put = sq_member_put,
    .member_delete = sq_member_delete,
    .member_list = sq_member_list,
    .member_ids = sq_member_ids,
    .member_revisions = sq_member_revisions,
    .ip_owner = sq_ip_owner,
    .count = sq_count,
    .audit_put = sq_audit_put,
    .audit_list = sq_audit_list,
    .audit_prune = sq_audit_prune,
    .invite_put = sq_invite_put,
    .invite_use = sq_invite_use,
    .invite_list = sq_invite_list,
    .invite_delete = sq_invite_delete,
    .user_put = sq_user_put,
    .user_get = sq_user_get,
    .user_delete = sq_user_delete,
    .user_count = sq_user_count,
    .dump = sq_dump,
};
