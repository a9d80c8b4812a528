/* SPDX-License-Identifier: MIT */
/*
 * ctl_store_test.c - the controller's SQLite store: objects, transactions,
 * migrations from an older schema, invites (hashed, counted, expiring), and
 * crash safety: a child writing in a loop is killed with SIGKILL, then the
 * database must open, pass SQLite's integrity check and hold every write
 * the child saw acknowledged, and no part of an unfinished transaction.
 *
 * Two controllers on one database: a member's config request and another
 * controller's admin change between its reading and its writing.
 *
 * The same tests (but the SQLite file's own: lock, migration from a file,
 * modes) then run on PostgreSQL (store_pg.c), on a private server that
 * test/pgtmp.sh starts (or the one ZT_TEST_PG names), with its leadership
 * and change notifications, and a crash of the server (every acknowledged
 * write there after its WAL replay); SKIP only without PostgreSQL's binaries.
 */
#ifndef ZT_NO_PG
#include <libpq-fe.h>
#endif
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "controller/capi.h"
#include "controller/ctl.h"
#include "controller/ctl_json.h"
#include "controller/store.h"
#include "test.h"

#define NWID UINT64_C(0x1122334455000001)

static char dir[64];
static char path[128];
static const char *pg_uri; /* set: the tests run on PostgreSQL */

/* An empty database: a new file, or PostgreSQL's schema dropped. */
static void fresh_path(const char *name)
{
	snprintf(path, sizeof path, "%s/%s", dir, name);
	unlink(path);
#ifndef ZT_NO_PG
	if (pg_uri != NULL) {
		PGconn *c = PQconnectdb(pg_uri);
		PGresult *r = PQexec(c, "SET client_min_messages = warning; DROP SCHEMA public "
		                        "CASCADE; CREATE SCHEMA public");
		CHECK_EQ(PQresultStatus(r), PGRES_COMMAND_OK);
		PQclear(r);
		PQfinish(c);
	}
#endif
}

static struct zt_store *open_store(void)
{
	struct zt_store *s = NULL;
	char err[256] = "";
	int r = pg_uri != NULL ? zt_store_pg_open(&s, pg_uri, err, sizeof err)
	                       : zt_store_sqlite_open(&s, path, err, sizeof err);
	if (r != ZT_OK)
		printf("  open %s: %s\n", path, err);
	return s;
}

static void test_objects(void)
{
	struct zt_store *s;
	char *j = NULL;

	fresh_path("objects.db");
	s = open_store();
	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK_EQ(s->ops->net_get(s, NWID, &j), ZT_ENOTFOUND);
	CHECK_EQ(s->ops->member_put(s, NWID, 0x0102030405, "{}"), ZT_ECALLBACK); /* no network */
	CHECK_EQ(s->ops->net_put(s, NWID, "{\"name\":\"a\"}"), ZT_OK);
	CHECK_EQ(s->ops->net_put(s, NWID, "{\"name\":\"b\"}"), ZT_OK);
	CHECK_EQ(s->ops->net_get(s, NWID, &j), ZT_OK);
	CHECK(j != NULL && strcmp(j, "{\"name\":\"b\"}") == 0);
	free(j);
	CHECK_EQ(s->ops->member_put(s, NWID, 0x0102030405, "{\"m\":1}"), ZT_OK);
	CHECK_EQ(s->ops->member_get(s, NWID, 0x0102030405, &j), ZT_OK);
	CHECK(j != NULL && strcmp(j, "{\"m\":1}") == 0);
	free(j);
	CHECK_EQ(s->ops->member_delete(s, NWID, 0x0102030405), ZT_OK);
	CHECK_EQ(s->ops->member_delete(s, NWID, 0x0102030405), ZT_ENOTFOUND);
	CHECK_EQ(s->ops->member_put(s, NWID, 0x0102030406, "{}"), ZT_OK);
	/* Deleting the network takes its members along. */
	CHECK_EQ(s->ops->net_delete(s, NWID), ZT_OK);
	CHECK_EQ(s->ops->member_get(s, NWID, 0x0102030406, &j), ZT_ENOTFOUND);
	CHECK_EQ(s->ops->net_delete(s, NWID), ZT_ENOTFOUND);
	zt_store_close(s);
}

static struct zt_inetaddr ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct zt_inetaddr x;
	memset(&x, 0, sizeof x);
	x.family = 4;
	x.ip[0] = a, x.ip[1] = b, x.ip[2] = c, x.ip[3] = d;
	return x;
}

/* The members' index (store.h): assigned addresses, authorized members
 * and bridges, paged in address order, kept true by every write and
 * delete, and counts. */
static void test_index(void)
{
	struct zt_store *s;
	struct zt_inetaddr a = ip4(10, 0, 0, 5), b = ip4(10, 0, 0, 6), v6;
	uint64_t owner = 0, ids[8], nets = 0, members = 0;
	size_t n = 9;

	memset(&v6, 0, sizeof v6);
	v6.family = 6;
	v6.ip[0] = 0xfd;
	v6.ip[15] = 1;
	fresh_path("index.db");
	s = open_store();
	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK_EQ(s->ops->net_put(s, NWID, "{}"), ZT_OK);
	CHECK_EQ(s->ops->net_put(s, NWID + 1, "{}"), ZT_OK);
	CHECK_EQ(s->ops->member_put(
	             s, NWID, 0x0102030405,
	             "{\"authorized\":true,\"ipAssignments\":[\"10.0.0.5\",\"fd00::1\"]}"),
	         ZT_OK);
	CHECK_EQ(s->ops->member_put(s, NWID, 0x0102030406,
	                            "{\"authorized\":true,\"activeBridge\":true,"
	                            "\"ipAssignments\":[\"bogus\",\"10.0.0.6\"]}"),
	         ZT_OK);
	CHECK_EQ(s->ops->member_put(s, NWID, 0x0102030407, "{\"activeBridge\":true}"), ZT_OK);
	CHECK_EQ(s->ops->member_put(s, NWID + 1, 0x0102030408,
	                            "{\"authorized\":true,\"ipAssignments\":[\"10.0.0.6\"]}"),
	         ZT_OK);
	CHECK_EQ(s->ops->ip_owner(s, NWID, &a, &owner), ZT_OK);
	CHECK_EQ(owner, 0x0102030405);
	CHECK_EQ(s->ops->ip_owner(s, NWID, &v6, &owner), ZT_OK);
	CHECK_EQ(s->ops->ip_owner(s, NWID, &b, &owner), ZT_OK);
	CHECK_EQ(owner, 0x0102030406);
	CHECK_EQ(s->ops->ip_owner(s, NWID + 1, &b, &owner), ZT_OK); /* per network */
	CHECK_EQ(owner, 0x0102030408);
	CHECK_EQ(s->ops->ip_owner(s, NWID + 1, &a, &owner), ZT_ENOTFOUND);
	/* Lists, in pages. */
	CHECK_EQ(s->ops->member_ids(s, NWID, ZT_STORE_ALL, 0, ids, 8, &n), ZT_OK);
	CHECK_EQ(n, 3);
	CHECK_EQ(s->ops->member_ids(s, NWID, ZT_STORE_ALL, 0, ids, 2, &n), ZT_OK);
	CHECK(n == 2 && ids[0] == 0x0102030405 && ids[1] == 0x0102030406);
	CHECK_EQ(s->ops->member_ids(s, NWID, ZT_STORE_ALL, ids[1], ids, 2, &n), ZT_OK);
	CHECK(n == 1 && ids[0] == 0x0102030407);
	CHECK_EQ(s->ops->member_ids(s, NWID, ZT_STORE_AUTHORIZED, 0, ids, 8, &n), ZT_OK);
	CHECK(n == 2 && ids[1] == 0x0102030406);
	/* Revisions come from the index, in the same pages. */
	CHECK_EQ(
	    s->ops->member_put(s, NWID, 0x0102030407, "{\"activeBridge\":true,\"revision\":7}"),
	    ZT_OK);
	{
		int64_t rev[8];
		CHECK_EQ(s->ops->member_revisions(s, NWID, 0x0102030405, ids, rev, 8, &n), ZT_OK);
		CHECK(n == 2 && ids[1] == 0x0102030407 && rev[1] == 7 && rev[0] == 0);
	}
	/* A bridge counts only when authorized. */
	CHECK_EQ(s->ops->member_ids(s, NWID, ZT_STORE_BRIDGES, 0, ids, 8, &n), ZT_OK);
	CHECK(n == 1 && ids[0] == 0x0102030406);
	/* A rewrite replaces the member's index rows; a delete drops them. */
	CHECK_EQ(s->ops->member_put(s, NWID, 0x0102030405, "{\"ipAssignments\":[\"10.0.0.7\"]}"),
	         ZT_OK);
	CHECK_EQ(s->ops->ip_owner(s, NWID, &a, &owner), ZT_ENOTFOUND);
	CHECK_EQ(s->ops->member_ids(s, NWID, ZT_STORE_AUTHORIZED, 0, ids, 8, &n), ZT_OK);
	CHECK(n == 1 && ids[0] == 0x0102030406);
	/* One kept, one added, one named twice; then none. */
	CHECK_EQ(s->ops->member_put(s, NWID, 0x0102030405,
	                            "{\"ipAssignments\":[\"10.0.0.7\",\"10.0.0.5\",\"10.0.0.5\"]}"),
	         ZT_OK);
	CHECK_EQ(s->ops->ip_owner(s, NWID, &a, &owner), ZT_OK);
	CHECK_EQ(owner, 0x0102030405);
	{
		struct zt_inetaddr c = ip4(10, 0, 0, 7);
		owner = 0;
		CHECK_EQ(s->ops->ip_owner(s, NWID, &c, &owner), ZT_OK);
		CHECK_EQ(owner, 0x0102030405);
		CHECK_EQ(s->ops->member_put(s, NWID, 0x0102030405, "{\"ipAssignments\":[]}"),
		         ZT_OK);
		CHECK_EQ(s->ops->ip_owner(s, NWID, &c, &owner), ZT_ENOTFOUND);
		CHECK_EQ(s->ops->ip_owner(s, NWID, &a, &owner), ZT_ENOTFOUND);
	}
	CHECK_EQ(s->ops->member_delete(s, NWID, 0x0102030406), ZT_OK);
	CHECK_EQ(s->ops->ip_owner(s, NWID, &b, &owner), ZT_ENOTFOUND);
	CHECK_EQ(s->ops->count(s, &nets, &members), ZT_OK);
	CHECK(nets == 2 && members == 3);
	/* A rolled back write leaves no index rows behind. */
	CHECK_EQ(s->ops->begin(s), ZT_OK);
	CHECK_EQ(s->ops->member_put(s, NWID, 0x0102030409, "{\"ipAssignments\":[\"10.0.0.5\"]}"),
	         ZT_OK);
	s->ops->rollback(s);
	CHECK_EQ(s->ops->ip_owner(s, NWID, &a, &owner), ZT_ENOTFOUND);
	/* A deleted network takes its members' index rows along. */
	CHECK_EQ(s->ops->net_delete(s, NWID + 1), ZT_OK);
	CHECK_EQ(s->ops->ip_owner(s, NWID + 1, &b, &owner), ZT_ENOTFOUND);
	CHECK_EQ(s->ops->count(s, &nets, &members), ZT_OK);
	CHECK(nets == 1 && members == 2);
	zt_store_close(s);
}

/* One database, one controller: a second open of the same file is
 * refused with who holds it, until the first closes. */
static void test_lock(void)
{
	struct zt_store *s, *t = NULL;
	char err[256] = "", want[64];
	struct stat st;
	char lp[200];

	fresh_path("lock.db");
	s = open_store();
	CHECK(s != NULL);
	CHECK(zt_store_sqlite_open(&t, path, err, sizeof err) != ZT_OK);
	CHECK(t == NULL);
	snprintf(want, sizeof want, "(pid %ld)", (long)getpid());
	CHECK(strstr(err, "in use by another zt-controller") != NULL && strstr(err, want) != NULL);
	CHECK(strchr(err, '\n') == NULL);
	snprintf(lp, sizeof lp, "%s-lock", path);
	CHECK(stat(lp, &st) == 0 && (st.st_mode & 07777) == 0600);
	zt_store_close(s);
	t = open_store();
	CHECK(t != NULL);
	zt_store_close(t);
	/* An in-memory store is nobody's file. */
	CHECK_EQ(zt_store_sqlite_open(&s, ":memory:", err, sizeof err), ZT_OK);
	CHECK_EQ(zt_store_sqlite_open(&t, ":memory:", err, sizeof err), ZT_OK);
	zt_store_close(s);
	zt_store_close(t);
}

static void test_transactions(void)
{
	struct zt_store *s;
	char *j = NULL;

	fresh_path("txn.db");
	s = open_store();
	if (s == NULL) {
		CHECK(0);
		return;
	}
	CHECK_EQ(s->ops->begin(s), ZT_OK);
	CHECK_EQ(s->ops->net_put(s, NWID, "{}"), ZT_OK);
	CHECK_EQ(s->ops->net_put(s, NWID + 1, "{}"), ZT_OK);
	s->ops->rollback(s);
	CHECK_EQ(s->ops->net_get(s, NWID, &j), ZT_ENOTFOUND);
	CHECK_EQ(s->ops->begin(s), ZT_OK);
	CHECK_EQ(s->ops->begin(s), ZT_OK); /* nested: one transaction */
	CHECK_EQ(s->ops->net_put(s, NWID, "{}"), ZT_OK);
	CHECK_EQ(s->ops->commit(s), ZT_OK);
	CHECK_EQ(s->ops->net_put(s, NWID + 1, "{}"), ZT_OK);
	CHECK_EQ(s->ops->commit(s), ZT_OK);
	zt_store_close(s);
	/* Committed means on disk: a new connection sees both. */
	s = open_store();
	if (s == NULL) {
		CHECK(0);
		return;
	}
	CHECK_EQ(s->ops->net_get(s, NWID, &j), ZT_OK);
	free(j);
	CHECK_EQ(s->ops->net_get(s, NWID + 1, &j), ZT_OK);
	free(j);
	CHECK_EQ(s->ops->commit(s), ZT_EINVAL); /* no transaction open */
	zt_store_close(s);
}

static void test_migration(void)
{
	sqlite3 *db;
	struct zt_store *s;
	char *j = NULL, *dump = NULL;
	uint8_t h[32];

	/* A database as schema version 1 left it. */
	fresh_path("v1.db");
	CHECK_EQ(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_EQ(sqlite3_exec(db,
	                      "CREATE TABLE network (id TEXT PRIMARY KEY NOT NULL, json TEXT NOT "
	                      "NULL);"
	                      "CREATE TABLE member (nwid TEXT NOT NULL REFERENCES network(id) ON "
	                      "DELETE CASCADE, address TEXT NOT NULL, json TEXT NOT NULL, PRIMARY "
	                      "KEY (nwid, address));"
	                      "INSERT INTO network VALUES ('1122334455000001', '{\"v\":1}');"
	                      "INSERT INTO member VALUES ('1122334455000001', '0102030405', "
	                      "'{\"authorized\":true,\"ipAssignments\":[\"10.0.0.5\"]}');"
	                      "PRAGMA user_version = 1;",
	                      NULL, NULL, NULL),
	         SQLITE_OK);
	sqlite3_close(db);
	s = open_store();
	if (s == NULL) {
		CHECK(0);
		return;
	}
	CHECK_EQ(s->ops->net_get(s, NWID, &j), ZT_OK);
	CHECK(j != NULL && strcmp(j, "{\"v\":1}") == 0);
	free(j);
	memset(h, 7, sizeof h);
	/* The invite table came with migration 2. */
	CHECK_EQ(s->ops->invite_put(s, h, NWID, 1, 5000, 1000), ZT_OK);
	CHECK_EQ(s->ops->invite_use(s, h, NWID, 2000), ZT_OK);
	CHECK_EQ(s->ops->dump(s, &dump), ZT_OK);
	CHECK(dump != NULL && strstr(dump, "invite 0707") != NULL);
	free(dump);
	/* Migration 3 indexed the member already there. */
	{
		struct zt_inetaddr a = ip4(10, 0, 0, 5);
		uint64_t owner = 0, ids[4];
		size_t n = 0;
		CHECK_EQ(s->ops->ip_owner(s, NWID, &a, &owner), ZT_OK);
		CHECK_EQ(owner, 0x0102030405);
		CHECK_EQ(s->ops->member_ids(s, NWID, ZT_STORE_AUTHORIZED, 0, ids, 4, &n), ZT_OK);
		CHECK_EQ(n, 1);
	}
	zt_store_close(s);
	CHECK_EQ(sqlite3_open(path, &db), SQLITE_OK);
	{
		sqlite3_stmt *st;
		CHECK_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
		CHECK_EQ(sqlite3_step(st), SQLITE_ROW);
		CHECK_EQ(sqlite3_column_int(st, 0), zt_store_sqlite_schema_version());
		sqlite3_finalize(st);
	}
	/* A database from a newer version is refused, not touched. */
	CHECK_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	{
		char err[256] = "";
		s = NULL;
		CHECK(zt_store_sqlite_open(&s, path, err, sizeof err) != ZT_OK);
		CHECK(s == NULL && strstr(err, "newer") != NULL);
	}
	/* Not a database at all. */
	fresh_path("junk.db");
	{
		FILE *f = fopen(path, "w");
		char err[256] = "";
		if (f) {
			fputs("this is not a database, it is a text file of some length......", f);
			fclose(f);
		}
		s = NULL;
		CHECK(zt_store_sqlite_open(&s, path, err, sizeof err) != ZT_OK);
		CHECK(s == NULL && err[0] != '\0');
	}
}

static void test_invites(void)
{
	struct zt_store *s;
	uint8_t h[32], other[32];

	fresh_path("invites.db");
	s = open_store();
	if (s == NULL) {
		CHECK(0);
		return;
	}
	memset(h, 1, sizeof h);
	memset(other, 2, sizeof other);
	CHECK_EQ(s->ops->invite_put(s, h, NWID, 2, 10000, 0), ZT_ECALLBACK); /* no network */
	CHECK_EQ(s->ops->net_put(s, NWID, "{}"), ZT_OK);
	CHECK_EQ(s->ops->invite_put(s, h, NWID, 2, 10000, 0), ZT_OK);
	CHECK_EQ(s->ops->invite_use(s, other, NWID, 1), ZT_ENOTFOUND);
	/* Shown to another network: refused, and its uses are all there. */
	CHECK_EQ(s->ops->net_put(s, NWID + 2, "{}"), ZT_OK);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(s->ops->invite_use(s, h, NWID + 2, 1), ZT_ENOTFOUND);
	CHECK_EQ(s->ops->invite_use(s, h, NWID, 1), ZT_OK);
	CHECK_EQ(s->ops->invite_use(s, h, NWID, 2), ZT_OK);
	CHECK_EQ(s->ops->invite_use(s, h, NWID, 3), ZT_ENOTFOUND); /* spent */
	CHECK_EQ(s->ops->invite_put(s, other, NWID, 5, 10000, 0), ZT_OK);
	CHECK_EQ(s->ops->invite_use(s, other, NWID, 10000), ZT_ENOTFOUND); /* expired */
	/* A failed use inside a caller's transaction leaves it open. */
	CHECK_EQ(s->ops->begin(s), ZT_OK);
	CHECK_EQ(s->ops->net_put(s, NWID + 1, "{}"), ZT_OK);
	CHECK_EQ(s->ops->invite_use(s, other, NWID, 20000), ZT_ENOTFOUND);
	CHECK_EQ(s->ops->commit(s), ZT_OK);
	{
		char *j = NULL;
		CHECK_EQ(s->ops->net_get(s, NWID + 1, &j), ZT_OK);
		free(j);
	}
	zt_store_close(s);
}

static int list_inv(void *ctx, const struct zt_store_invite *inv)
{
	uint8_t *seen = ctx;
	seen[seen[0] + 1] = inv->hash[0];
	seen[0]++;
	return 0;
}

/* The web UI's pieces: invites listed newest first and revoked; users. */
static void test_ui_tables(void)
{
	struct zt_store *s;
	uint8_t h[32], seen[8] = {0};
	char *hash = NULL;
	uint64_t n = 9;

	fresh_path("ui.db");
	s = open_store();
	if (s == NULL) {
		CHECK(0);
		return;
	}
	CHECK_EQ(s->ops->net_put(s, NWID, "{}"), ZT_OK);
	CHECK_EQ(s->ops->net_put(s, NWID + 1, "{}"), ZT_OK);
	for (int i = 1; i <= 3; i++) {
		memset(h, i, sizeof h);
		CHECK_EQ(s->ops->invite_put(s, h, i == 3 ? NWID + 1 : NWID, 1, 10000, i), ZT_OK);
	}
	CHECK_EQ(s->ops->invite_list(s, NWID, 10, list_inv, seen), ZT_OK);
	CHECK(seen[0] == 2 && seen[1] == 2 && seen[2] == 1);
	memset(seen, 0, sizeof seen);
	CHECK_EQ(s->ops->invite_list(s, NWID, 1, list_inv, seen), ZT_OK);
	CHECK(seen[0] == 1 && seen[1] == 2);
	memset(h, 3, sizeof h); /* another network's */
	CHECK_EQ(s->ops->invite_delete(s, h, NWID), ZT_ENOTFOUND);
	memset(h, 1, sizeof h);
	CHECK_EQ(s->ops->invite_delete(s, h, NWID), ZT_OK);
	CHECK_EQ(s->ops->invite_use(s, h, NWID, 5), ZT_ENOTFOUND); /* revoked */
	CHECK_EQ(s->ops->invite_delete(s, h, NWID), ZT_ENOTFOUND);

	CHECK_EQ(s->ops->user_count(s, &n), ZT_OK);
	CHECK_EQ(n, 0);
	CHECK_EQ(s->ops->user_get(s, "alice", &hash), ZT_ENOTFOUND);
	CHECK_EQ(s->ops->user_put(s, "alice", "$argon2id$1", 1), ZT_OK);
	CHECK_EQ(s->ops->user_put(s, "alice", "$argon2id$2", 2), ZT_OK); /* a new password */
	CHECK_EQ(s->ops->user_put(s, "bob", "$argon2id$3", 3), ZT_OK);
	CHECK_EQ(s->ops->user_get(s, "alice", &hash), ZT_OK);
	CHECK(hash != NULL && strcmp(hash, "$argon2id$2") == 0);
	free(hash);
	CHECK_EQ(s->ops->user_count(s, &n), ZT_OK);
	CHECK_EQ(n, 2);
	CHECK_EQ(s->ops->user_delete(s, "bob"), ZT_OK);
	CHECK_EQ(s->ops->user_delete(s, "bob"), ZT_ENOTFOUND);
	CHECK_EQ(s->ops->user_count(s, &n), ZT_OK);
	CHECK_EQ(n, 1);
	zt_store_close(s);
	/* Kept across a reopen. */
	s = open_store();
	CHECK(s != NULL);
	if (s != NULL) {
		CHECK_EQ(s->ops->user_get(s, "alice", &hash), ZT_OK);
		free(hash);
		zt_store_close(s);
	}
}

/* ---- crash safety ---- */

/* The child: batches of `per` networks, each batch one transaction, ids
 * base + batch*per + k; after each commit it writes the batch number to fd. */
static void child_writer(int fd, unsigned per)
{
	struct zt_store *s = open_store();
	char json[256];
	if (s == NULL)
		_exit(2);
	for (uint32_t b = 1;; b++) {
		if (s->ops->begin(s) != ZT_OK)
			_exit(3);
		for (unsigned k = 0; k < per; k++) {
			snprintf(json, sizeof json, "{\"batch\":%u,\"k\":%u,\"pad\":\"%0200u\"}", b,
			         k, b);
			if (s->ops->net_put(s, NWID + (uint64_t)b * per + k, json) != ZT_OK)
				_exit(4);
		}
		if (s->ops->commit(s) != ZT_OK)
			_exit(5);
		if (write(fd, &b, sizeof b) != sizeof b)
			_exit(6);
	}
}

static int count_cb(void *ctx, const char *id, const char *json)
{
	(void)id;
	(void)json;
	(*(unsigned *)ctx)++;
	return 0;
}

static void crash_once(unsigned per, unsigned kill_after)
{
	int fds[2];
	pid_t pid;
	uint32_t b, acked = 0;
	struct zt_store *s;
	sqlite3 *db;
	sqlite3_stmt *st;
	unsigned count = 0;

	fresh_path("crash.db");
	if (pipe(fds) != 0) {
		CHECK(0);
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		child_writer(fds[1], per);
	}
	close(fds[1]);
	while (acked < kill_after && read(fds[0], &b, sizeof b) == sizeof b)
		acked = b;
	/* It is in the middle of its next transaction now (or about to be). */
	kill(pid, SIGKILL);
	while (read(fds[0], &b, sizeof b) == sizeof b)
		acked = b; /* acknowledged before it died */
	close(fds[0]);
	waitpid(pid, NULL, 0);
	CHECK(acked >= kill_after);

	if (pg_uri != NULL)
		goto check; /* PostgreSQL checks its own pages */
	CHECK_EQ(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	CHECK_EQ(sqlite3_step(st), SQLITE_ROW);
	CHECK(strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
check:
	s = open_store();
	if (s == NULL) {
		CHECK(0);
		return;
	}
	CHECK_EQ(s->ops->net_list(s, count_cb, &count), ZT_OK);
	/* Whole batches only: every acknowledged one, at most one more (it
	 * may have committed without getting to say so). */
	CHECK(count % per == 0);
	CHECK(count / per == acked || count / per == acked + 1);
	for (uint32_t i = 1; i <= acked; i++) {
		char *j = NULL;
		CHECK_EQ(s->ops->net_get(s, NWID + (uint64_t)i * per + per - 1, &j), ZT_OK);
		free(j);
	}
	zt_store_close(s);
}

static void test_crash(void)
{
	/* Small and large transactions, killed early and later. */
	crash_once(1, 5);
	crash_once(1, 40);
	crash_once(50, 3);
	crash_once(50, 12);
}

/* ---- file modes ---- */

static unsigned mode_of(const char *suffix)
{
	char p[160];
	struct stat st;
	snprintf(p, sizeof p, "%s%s", path, suffix);
	if (stat(p, &st) != 0) {
		printf("  %s: not there\n", p);
		return 0;
	}
	return st.st_mode & 07777;
}

/* A database anywhere (--db outside the home dir) holds the invites'
 * hashes and every member: 0600 with its -wal and -shm, whatever the
 * umask; an existing file keeps the mode its owner gave it. */
static void test_modes(void)
{
	static const mode_t masks[] = {0, 022, 0277};
	for (size_t i = 0; i < sizeof masks / sizeof masks[0]; i++) {
		mode_t old = umask(masks[i]);
		struct zt_store *s;
		fresh_path("modes.db");
		s = open_store();
		if (s != NULL)
			CHECK_EQ(s->ops->net_put(s, NWID, "{}"), ZT_OK);
		CHECK_EQ(mode_of(""), 0600);
		CHECK_EQ(mode_of("-wal"), 0600);
		CHECK_EQ(mode_of("-shm"), 0600);
		zt_store_close(s);
		umask(old);
	}
	CHECK_EQ(chmod(path, 0640), 0);
	zt_store_close(open_store());
	CHECK_EQ(mode_of(""), 0640);
}

/* ---- PostgreSQL only (not in a PG=0 build: no libpq) ---- */
#ifndef ZT_NO_PG

static void sleep_10ms(void)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	nanosleep(&ts, NULL);
}

struct change {
	unsigned n;
	uint64_t nwid, member;
	bool deauth;
};

static void on_change(void *ctx, uint64_t nwid, uint64_t member, bool deauthorized)
{
	struct change *c = ctx;
	c->n++;
	c->nwid = nwid;
	c->member = member;
	c->deauth = deauthorized;
}

/* One leader per database, until its connection ends; changes sent by
 * one connection reach the others, once, and not the sender. */
static void test_pg_lead(void)
{
	struct zt_store *s, *t;
	struct change got = {0}, own = {0};
	bool a = false, b = true;

	fresh_path("lead");
	s = open_store();
	t = open_store(); /* a second controller migrates nothing again */
	if (s == NULL || t == NULL) {
		CHECK(0);
		zt_store_close(s);
		zt_store_close(t);
		return;
	}
	CHECK_EQ(zt_store_pg_try_lead(s, &a), ZT_OK);
	CHECK(a);
	CHECK_EQ(zt_store_pg_try_lead(t, &b), ZT_OK);
	CHECK(!b);
	CHECK_EQ(zt_store_pg_try_lead(s, &a), ZT_OK); /* kept */
	CHECK(a);
	CHECK_EQ(zt_store_pg_listen(s), ZT_OK);
	CHECK_EQ(zt_store_pg_listen(t), ZT_OK);
	CHECK_EQ(zt_store_pg_notify(t, NWID, 0x0102030405, true), ZT_OK);
	CHECK_EQ(zt_store_pg_notify(t, NWID + 1, 0, false), ZT_OK);
	/* Delivered asynchronously: wait for the second, at most 5 s. */
	for (int i = 0; i < 500 && got.n < 2; i++) {
		CHECK_EQ(zt_store_pg_changes(s, on_change, &got), ZT_OK);
		if (got.n < 2)
			sleep_10ms();
	}
	CHECK_EQ(got.n, 2);
	CHECK(got.nwid == NWID + 1 && got.member == 0 && !got.deauth);
	CHECK_EQ(zt_store_pg_changes(t, on_change, &own), ZT_OK);
	CHECK_EQ(own.n, 0);
	/* The leader's session ends: the lead is free. */
	zt_store_close(s);
	for (int i = 0; i < 500 && !b; i++) {
		CHECK_EQ(zt_store_pg_try_lead(t, &b), ZT_OK);
		if (!b)
			sleep_10ms();
	}
	CHECK(b);
	zt_store_close(t);
}
#endif /* ZT_NO_PG */

/* The audit trail: listed newest first in pages, pruned by age and count. */
static int audit_cb(void *ctx, const struct zt_store_audit *e)
{
	int64_t *ids = ctx;
	ids[ids[0] + 1] = e->id;
	ids[0]++;
	CHECK(e->old_json == NULL || strcmp(e->old_json, "{}") == 0);
	return 0;
}

static void test_audit(void)
{
	struct zt_store *s;
	struct zt_store_audit e = {0, 0, "admin", "create", "network/x", NULL, "{}"};
	int64_t ids[16];
	uint64_t gone = 0;

	fresh_path("audit.db");
	s = open_store();
	if (s == NULL) {
		CHECK(0);
		return;
	}
	for (int i = 0; i < 5; i++) {
		e.time = 1000 * (i + 1);
		e.old_json = i % 2 ? "{}" : NULL;
		CHECK_EQ(s->ops->audit_put(s, &e), ZT_OK);
	}
	memset(ids, 0, sizeof ids);
	CHECK_EQ(s->ops->audit_list(s, 0, 3, audit_cb, ids), ZT_OK);
	CHECK(ids[0] == 3 && ids[1] > ids[2] && ids[2] > ids[3]);
	{
		int64_t last = ids[3];
		memset(ids, 0, sizeof ids);
		CHECK_EQ(s->ops->audit_list(s, last, 10, audit_cb, ids), ZT_OK);
		CHECK(ids[0] == 2 && ids[1] < last);
	}
	CHECK_EQ(s->ops->audit_prune(s, 2500, 100, &gone), ZT_OK); /* times 1000, 2000 */
	CHECK_EQ(gone, 2);
	CHECK_EQ(s->ops->audit_prune(s, 0, 1, &gone), ZT_OK); /* the newest stays */
	CHECK_EQ(gone, 2);
	memset(ids, 0, sizeof ids);
	CHECK_EQ(s->ops->audit_list(s, 0, 10, audit_cb, ids), ZT_OK);
	CHECK_EQ(ids[0], 1);
	zt_store_close(s);
}

/* ---- two controllers on one database: a config request against the admin ---- */

/* The store of the controller that answers the config request is watched:
 * the first time it looks up whether an address is free outside a
 * transaction (where nothing keeps another controller from taking the
 * address before the answer is written), the other controller's admin
 * (race_admin) acts, right after the lookup said "free". */
static struct zt_store_ops race_ops;
static const struct zt_store_ops *race_inner;
static int race_depth;
static void (*race_admin)(void);
static void (*race_on_get)(void);   /* the same, after a member's reading */
static void (*race_on_begin)(void); /* the same, before a transaction's lock */
static unsigned race_unlocked_picks;

static int race_begin(struct zt_store *s)
{
	void (*then)(void) = race_on_begin;
	int r;

	if (race_depth == 0 && then != NULL) {
		race_on_begin = NULL;
		then();
	}
	r = race_inner->begin(s);
	race_depth += r == ZT_OK;
	return r;
}

static int race_commit(struct zt_store *s)
{
	race_depth--;
	return race_inner->commit(s);
}

static void race_rollback(struct zt_store *s)
{
	race_depth--;
	race_inner->rollback(s);
}

static int race_ip_owner(struct zt_store *s, uint64_t nwid, const struct zt_inetaddr *ip,
                         uint64_t *owner)
{
	int r = race_inner->ip_owner(s, nwid, ip, owner);
	void (*admin)(void) = race_admin;

	if (race_depth == 0) {
		race_unlocked_picks++;
		if (r == ZT_ENOTFOUND && admin != NULL) {
			race_admin = NULL; /* once */
			admin();
		}
	}
	return r;
}

static int race_member_get(struct zt_store *s, uint64_t nwid, uint64_t addr, char **json)
{
	int r = race_inner->member_get(s, nwid, addr, json);
	void (*then)(void) = race_on_get;

	if (race_depth == 0 && then != NULL) {
		race_on_get = NULL;
		then();
	}
	return r;
}

static void race_watch(struct zt_store *s)
{
	race_inner = s->ops;
	race_ops = *s->ops;
	race_ops.begin = race_begin;
	race_ops.commit = race_commit;
	race_ops.rollback = race_rollback;
	race_ops.ip_owner = race_ip_owner;
	race_ops.member_get = race_member_get;
	race_depth = 0;
	race_unlocked_picks = 0;
	s->ops = &race_ops;
}

#define RACE_M1  UINT64_C(0x0a00000001)
#define RACE_M2  UINT64_C(0x0a00000002)
#define RACE_NOW INT64_C(1700000000000)
#define RACE_IP  "10.0.0.7"
#define RACE_NET "/1122334455000001" /* NWID in a path */
static struct zt_ctl *race_a;        /* the controller that answers members */
static struct zt_ctl *race_b;        /* the other controller (a standby's admin API) */
static const uint8_t race_pk[32] = {7, 7, 7};

static void race_request_m1(void)
{
	struct zt_netconf *conf = calloc(1, sizeof *conf);
	struct zt_netconf_request req;

	memset(&req, 0, sizeof req);
	req.nwid = NWID;
	req.member = RACE_M1;
	req.member_pk = race_pk;
	CHECK(conf != NULL);
	if (conf != NULL)
		CHECK_EQ(zt_ctl_netconf_request(race_a, RACE_NOW + 2, &req, conf), ZT_NETCONF_OK);
	free(conf);
}

/* As the admin API's member POST does it (capi.c): in one transaction. */
static void race_admin_authorize_m2(void)
{
	json_t *m = zt_ctl_member_new(NWID, RACE_M2, RACE_NOW);

	CHECK(m != NULL);
	if (m == NULL)
		return;
	json_object_set_new(m, "authorized", json_true());
	CHECK_EQ(race_b->store->ops->begin(race_b->store), ZT_OK);
	zt_ctl_assign(race_b, NWID, RACE_M2, m, RACE_NOW);
	CHECK_EQ(zt_ctl_save_member(race_b, NWID, RACE_M2, m), ZT_OK);
	CHECK_EQ(race_b->store->ops->commit(race_b->store), ZT_OK);
	json_decref(m);
}

static int64_t race_now(void *ctx)
{
	(void)ctx;
	return RACE_NOW + 3;
}

static void race_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	memset(buf, 0x5a, len);
}

static void race_admin_deauthorize_m1(void)
{
	json_t *m;

	CHECK_EQ(race_b->store->ops->begin(race_b->store), ZT_OK);
	m = zt_ctl_load_member(race_b, NWID, RACE_M1);
	CHECK(m != NULL);
	if (m != NULL) {
		json_object_set_new(m, "authorized", json_false());
		CHECK_EQ(zt_ctl_save_member(race_b, NWID, RACE_M1, m), ZT_OK);
	}
	CHECK_EQ(race_b->store->ops->commit(race_b->store), ZT_OK);
	json_decref(m);
}

/* A request to the admin API of c under /controller/network (sub: the
 * rest, RACE_NET or RACE_NET "/member/..."): its status. */
static int admin_req(struct zt_ctl *c, const char *verb, const char *sub, const char *body)
{
	static const char token[] = "race-token-0123456789abcdef";
	struct zt_capi api;
	struct zt_http_request req;
	struct zt_httpd_reply reply;
	char raw[768];
	int n = snprintf(raw, sizeof raw,
	                 "%s /controller/network%s HTTP/1.1\r\nHost: x\r\nX-ZT1-Auth: "
	                 "%s\r\nContent-Length: %zu\r\n\r\n%s",
	                 verb, sub, token, strlen(body), body);

	memset(&api, 0, sizeof api);
	api.ctl = c;
	api.token = token;
	api.public_identity = "1122334455:00";
	api.now = race_now;
	api.random = race_random;
	memset(&reply, 0, sizeof reply);
	if (n < 0 || (size_t)n >= sizeof raw ||
	    zt_http_parse_request(raw, (size_t)n, &req) != ZT_HTTP_COMPLETE)
		return -1;
	zt_capi_handle(&api, &req, &reply);
	if (reply.status != 200)
		printf("  %s %s %s: %d %s\n", verb, sub, body, reply.status,
		       reply.body != NULL ? reply.body : "");
	free(reply.body);
	return reply.status;
}

/* A member POST through the admin API of c: its status. */
static int admin_post(struct zt_ctl *c, uint64_t addr, const char *body)
{
	char sub[48];

	snprintf(sub, sizeof sub, "/%016" PRIx64 "/member/%010" PRIx64, NWID, addr);
	return admin_req(c, "POST", sub, body);
}

/* Does member hold RACE_IP (-1: no such member)? */
static int race_holds(struct zt_ctl *c, uint64_t addr, bool *authorized)
{
	json_t *m = zt_ctl_load_member(c, NWID, addr), *x;
	size_t i;
	int n = 0;

	if (m == NULL)
		return -1;
	json_array_foreach(json_object_get(m, "ipAssignments"), i, x)
	{
		n += json_is_string(x) && strcmp(json_string_value(x), RACE_IP) == 0;
	}
	if (authorized != NULL)
		*authorized = zt_ctl_bool(m, "authorized");
	json_decref(m);
	return n;
}

static void race_admin_add_route(void)
{
	CHECK_EQ(admin_req(race_a, "POST", RACE_NET,
	                   "{\"routes\":[{\"target\":\"10.0.0.0/24\"},"
	                   "{\"target\":\"10.9.0.0/16\",\"via\":\"10.0.0.1\"}]}"),
	         200);
}

static void race_admin_rename_net(void)
{
	CHECK_EQ(admin_req(race_a, "POST", RACE_NET, "{\"name\":\"renamed\"}"), 200);
}

/* The id race_random gives a new network of race_a's. */
static void race_admin_take_random_id(void)
{
	CHECK_EQ(race_a->store->ops->net_put(race_a->store, (NWID & ~UINT64_C(0xffffff)) | 0x5a5a5a,
	                                     "{\"name\":\"theirs\"}"),
	         ZT_OK);
}

static void race_admin_delete_net(void)
{
	CHECK_EQ(admin_req(race_a, "DELETE", RACE_NET, ""), 200);
}

/* The newest entry of the audit trail: its action and old value. */
struct race_audit {
	char action[16], old[1024];
};

static int race_audit_cb(void *ctx, const struct zt_store_audit *e)
{
	struct race_audit *r = ctx;
	snprintf(r->action, sizeof r->action, "%s", e->action);
	snprintf(r->old, sizeof r->old, "%s", e->old_json != NULL ? e->old_json : "");
	return 0;
}

static int race_invite_cb(void *ctx, const struct zt_store_invite *inv)
{
	(void)inv;
	(*(unsigned *)ctx)++;
	return 0;
}

/* Two controllers (two handles) on one database, a pool of one address.
 * (1) A member asks controller A for its config on a public network while
 * the admin of controller B authorizes another member: the address goes
 * to one of them, never to both.  (2) A member asks A while B's admin
 * deauthorizes it: the deauthorization stands (A does not write back the
 * member as it read it before). */
static void test_race(void)
{
	struct zt_ctl a, b;
	struct zt_netconf *conf = calloc(1, sizeof *conf);
	struct zt_netconf_request req;
	json_t *m;
	bool auth = true, between;
	int h1, h2;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	fresh_path("race.db");
	a.store = open_store();
	/* A SQLite file serves one process (test_lock): there the admin acts
	 * through the same handle, between the same two steps. */
	b.store = pg_uri != NULL ? open_store() : a.store;
	CHECK(conf != NULL && a.store != NULL && b.store != NULL);
	if (conf == NULL || a.store == NULL || b.store == NULL)
		goto out;
	a.address = b.address = NWID >> 24;
	race_b = &b;
	CHECK_EQ(a.store->ops->net_put(a.store, NWID,
	                               "{\"id\":\"1122334455000001\",\"private\":false,"
	                               "\"v4AssignMode\":{\"zt\":true},\"ipAssignmentPools\":"
	                               "[{\"ipRangeStart\":\"" RACE_IP
	                               "\",\"ipRangeEnd\":\"" RACE_IP
	                               "\"}],\"routes\":[{\"target\":\"10.0.0.0/24\"}]}"),
	         ZT_OK);
	race_watch(a.store);
	b.store->ops = &race_ops;
	race_a = &a;

	memset(&req, 0, sizeof req);
	req.nwid = NWID;
	req.member = RACE_M1;
	race_admin = race_admin_authorize_m2;
	CHECK_EQ(zt_ctl_netconf_request(&a, RACE_NOW, &req, conf), ZT_NETCONF_OK);
	h1 = race_holds(&a, RACE_M1, NULL);
	h2 = race_holds(&a, RACE_M2, NULL);
	printf("  config request vs admin: %u unlocked pick(s), m1 holds %d, m2 holds %d\n",
	       race_unlocked_picks, h1, h2);
	CHECK(h1 >= 0 && h2 >= 0);
	CHECK(h1 + h2 <= 1); /* never both */
	if (race_unlocked_picks > 0)
		CHECK_EQ(h2, 1); /* the admin took it first, and kept it */

	/* (2): m1 authorized by the admin, without an address (the pool was
	 * full); m2 deleted, so that the address is free again. */
	CHECK_EQ(b.store->ops->member_delete(b.store, NWID, RACE_M2), ZT_OK);
	CHECK_EQ(a.store->ops->net_put(a.store, NWID,
	                               "{\"id\":\"1122334455000001\",\"private\":true,"
	                               "\"v4AssignMode\":{\"zt\":true},\"ipAssignmentPools\":"
	                               "[{\"ipRangeStart\":\"" RACE_IP
	                               "\",\"ipRangeEnd\":\"" RACE_IP
	                               "\"}],\"routes\":[{\"target\":\"10.0.0.0/24\"}]}"),
	         ZT_OK);
	m = zt_ctl_member_new(NWID, RACE_M1, RACE_NOW);
	CHECK(m != NULL);
	json_object_set_new(m, "authorized", json_true());
	CHECK_EQ(zt_ctl_save_member(&b, NWID, RACE_M1, m), ZT_OK);
	json_decref(m);
	zt_ctl_cleanup(&a); /* forget the caches of the first part */
	race_unlocked_picks = 0;
	race_admin = race_admin_deauthorize_m1;
	(void)zt_ctl_netconf_request(&a, RACE_NOW + 1, &req, conf);
	h1 = race_holds(&a, RACE_M1, &auth);
	printf("  config request vs deauthorization: %u unlocked pick(s), m1 %s, holds %d\n",
	       race_unlocked_picks, auth ? "authorized" : "deauthorized", h1);
	CHECK(!auth); /* the admin's change is not lost */
	CHECK_EQ(h1, 0);

	/* (3) The other way round: B's admin renames m1 (authorized again,
	 * never seen, no address) while m1 asks A, which pins its key and
	 * gives it the address: the admin's write keeps both. */
	m = zt_ctl_member_new(NWID, RACE_M1, RACE_NOW);
	CHECK(m != NULL);
	json_object_set_new(m, "authorized", json_true());
	CHECK_EQ(zt_ctl_save_member(&b, NWID, RACE_M1, m), ZT_OK);
	json_decref(m);
	zt_ctl_cleanup(&a);
	race_on_get = race_request_m1;
	CHECK_EQ(admin_post(&b, RACE_M1, "{\"name\":\"laptop\"}"), 200);
	between = race_on_get == NULL;
	if (!between) { /* the POST read nothing outside its transaction */
		race_on_get = NULL;
		race_request_m1();
	}
	m = zt_ctl_load_member(&a, NWID, RACE_M1);
	h1 = race_holds(&a, RACE_M1, &auth);
	printf("  admin rename vs config request (%s): m1 holds %d, identity '%.12s', name "
	       "'%s'\n",
	       between ? "between its reading and writing" : "after it", h1,
	       m != NULL ? json_string_value(json_object_get(m, "identity")) : "",
	       m != NULL ? json_string_value(json_object_get(m, "name")) : "");
	CHECK(auth);
	CHECK_EQ(h1, 1);
	CHECK(m != NULL && json_string_length(json_object_get(m, "identity")) > 0);
	CHECK(m != NULL && strcmp(json_string_value(json_object_get(m, "name")), "laptop") == 0);
	json_decref(m);

	/* (4) Two admins change one network, one on each controller: B's
	 * admin renames it while A's adds a route, just before B's write
	 * lock.  Neither change is lost, and the trail's old value of the
	 * rename is the network as it was renamed (with the route). */
	{
		struct race_audit au;
		json_t *net;
		unsigned invites = 0;

		memset(&au, 0, sizeof au);
		race_on_begin = race_admin_add_route;
		CHECK_EQ(admin_req(&b, "POST", RACE_NET, "{\"name\":\"office\"}"), 200);
		CHECK(race_on_begin == NULL);
		net = zt_ctl_load_net(&a, NWID);
		CHECK(net != NULL);
		printf("  network rename vs route: name '%s', %zu route(s)\n",
		       net != NULL ? json_string_value(json_object_get(net, "name")) : "",
		       json_array_size(json_object_get(net, "routes")));
		CHECK(net != NULL &&
		      strcmp(json_string_value(json_object_get(net, "name")), "office") == 0);
		CHECK_EQ(json_array_size(json_object_get(net, "routes")), 2);
		json_decref(net);
		CHECK_EQ(b.store->ops->audit_list(b.store, 0, 1, race_audit_cb, &au), ZT_OK);
		CHECK(strcmp(au.action, "update") == 0 && strstr(au.old, "10.9.0.0/16") != NULL);

		/* (5) B's admin deletes the network while A's renames it:
		 * the trail keeps what was deleted, the new name. */
		memset(&au, 0, sizeof au);
		race_on_begin = race_admin_rename_net;
		CHECK_EQ(admin_req(&b, "DELETE", RACE_NET, ""), 200);
		CHECK(race_on_begin == NULL);
		CHECK(zt_ctl_load_net(&a, NWID) == NULL);
		CHECK_EQ(b.store->ops->audit_list(b.store, 0, 1, race_audit_cb, &au), ZT_OK);
		printf("  network delete vs rename: trail '%s', old %s the new name\n", au.action,
		       strstr(au.old, "renamed") != NULL ? "with" : "without");
		CHECK(strcmp(au.action, "delete") == 0 && strstr(au.old, "renamed") != NULL);

		/* (6) B's admin makes an invite while A's deletes the network:
		 * no invite is left for a network that is gone, and the
		 * answer says the network is gone. */
		CHECK_EQ(a.store->ops->net_put(a.store, NWID, "{\"id\":\"1122334455000001\"}"),
		         ZT_OK);
		race_on_begin = race_admin_delete_net;
		CHECK_EQ(admin_req(&b, "POST", RACE_NET "/invite", "{}"), 404);
		CHECK(race_on_begin == NULL);
		CHECK_EQ(b.store->ops->invite_list(b.store, NWID, 10, race_invite_cb, &invites),
		         ZT_OK);
		printf("  invite vs network delete: %u invite(s) left\n", invites);
		CHECK_EQ(invites, 0);

		/* (7) B's admin makes a network with a random id while A's
		 * makes one with the same id: B's is refused (409), A's
		 * stays as it was made. */
		race_on_begin = race_admin_take_random_id;
		CHECK_EQ(admin_req(&b, "POST", "/1122334455______", "{\"name\":\"ours\"}"), 409);
		CHECK(race_on_begin == NULL);
		net = zt_ctl_load_net(&a, (NWID & ~UINT64_C(0xffffff)) | 0x5a5a5a);
		CHECK(net != NULL &&
		      strcmp(json_string_value(json_object_get(net, "name")), "theirs") == 0);
		json_decref(net);
	}
out:
	race_admin = NULL;
	race_on_get = NULL;
	race_on_begin = NULL;
	zt_ctl_cleanup(&a);
	zt_ctl_cleanup(&b);
	if (b.store != a.store)
		zt_store_close(b.store);
	zt_store_close(a.store);
	free(conf);
}

#ifndef ZT_NO_PG
/* Durable on return: what a store acknowledged survives a crash of the
 * server (pgtmp.sh crash: stopped without a checkpoint, the WAL replayed
 * at its next start).  pgdir: the private server's. */
static void test_pg_server_crash(const char *pgdir)
{
	struct zt_store *s;
	char cmd[256];
	unsigned count = 0;

	fresh_path("server-crash");
	s = open_store();
	if (s == NULL) {
		CHECK(0);
		return;
	}
	for (unsigned i = 0; i < 50; i++)
		CHECK_EQ(s->ops->net_put(s, NWID + i, "{\"acked\":true}"), ZT_OK);
	CHECK_EQ(s->ops->begin(s), ZT_OK);
	for (unsigned i = 0; i < 10; i++)
		CHECK_EQ(s->ops->member_put(s, NWID, 0x0100000000 + i, "{\"authorized\":true}"),
		         ZT_OK);
	CHECK_EQ(s->ops->commit(s), ZT_OK);
	snprintf(cmd, sizeof cmd, "sh test/pgtmp.sh crash '%s'", pgdir);
	CHECK_EQ(system(cmd), 0);
	/* The old connection is gone with the server. */
	CHECK(s->ops->net_put(s, NWID + 100, "{}") != ZT_OK);
	zt_store_close(s);
	s = open_store();
	if (s == NULL) {
		CHECK(0);
		return;
	}
	CHECK_EQ(s->ops->net_list(s, count_cb, &count), ZT_OK);
	CHECK_EQ(count, 50);
	{
		uint64_t ids[16];
		size_t n = 0;
		CHECK_EQ(s->ops->member_ids(s, NWID, ZT_STORE_AUTHORIZED, 0, ids, 16, &n), ZT_OK);
		CHECK_EQ(n, 10);
	}
	zt_store_close(s);
}

/* The same tests on a private PostgreSQL (test/pgtmp.sh). */
static void run_pg(void)
{
	char pgdir[128], cmd[512], uri[512] = "";
	const char *given = getenv("ZT_TEST_PG");
	FILE *f;
	int rc;

	/* Beside dir, not in it: the server's user must reach it. */
	snprintf(pgdir, sizeof pgdir, "%s-pg", dir);
	if (given == NULL || given[0] == '\0') {
		snprintf(cmd, sizeof cmd, "sh test/pgtmp.sh start '%s'", pgdir);
		f = popen(cmd, "r");
		if (f == NULL || fgets(uri, sizeof uri, f) == NULL)
			uri[0] = '\0';
		rc = f != NULL ? pclose(f) : -1;
		if (rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 77) {
			printf("SKIP ctl_store on PostgreSQL: no PostgreSQL server binaries "
			       "(ext/deps.sh test installs them)\n");
			return;
		}
		uri[strcspn(uri, "\n")] = '\0';
		if (rc != 0 || uri[0] == '\0') {
			printf("FAIL ctl_store: test/pgtmp.sh could not start PostgreSQL\n");
			test_failed_total++;
			return;
		}
		pg_uri = uri;
	} else {
		pg_uri = given;
	}
	printf("  on PostgreSQL: %s\n", pg_uri);
	RUN(test_objects);
	RUN(test_index);
	RUN(test_transactions);
	RUN(test_invites);
	RUN(test_ui_tables);
	RUN(test_audit);
	RUN(test_race);
	RUN(test_crash);
	RUN(test_pg_lead);
	if (given == NULL || given[0] == '\0') {
		printf("  the server crashes:\n");
		test_case_failed = 0;
		test_pg_server_crash(pgdir);
		printf("%s test_pg_server_crash\n", test_case_failed ? "FAIL" : "PASS");
		test_failed_total += test_case_failed;
		snprintf(cmd, sizeof cmd, "sh test/pgtmp.sh stop '%s'", pgdir);
		if (system(cmd) != 0)
			printf("  could not stop the PostgreSQL in %s\n", pgdir);
	}
	pg_uri = NULL;
}
#endif /* ZT_NO_PG */

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/zt-store-test.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		printf("FAIL ctl_store: cannot make a temporary directory\n");
		return 1;
	}
	RUN(test_objects);
	RUN(test_index);
	RUN(test_lock);
	RUN(test_transactions);
	RUN(test_migration);
	RUN(test_invites);
	RUN(test_ui_tables);
	RUN(test_crash);
	RUN(test_modes);
	RUN(test_audit);
	RUN(test_race);
#ifdef ZT_NO_PG
	printf("SKIP ctl_store on PostgreSQL: built with PG=0 (no libpq)\n");
#else
	run_pg();
#endif
	{
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("  could not remove %s\n", dir);
	}
	TEST_EXIT();
}
