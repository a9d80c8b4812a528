/* SPDX-License-Identifier: MIT */
/*
 * ctl_store_test.c - the controller's SQLite store: objects, transactions,
 * migrations from an older schema, invites (hashed, counted, expiring), and
 * crash safety: a child writing in a loop is killed with SIGKILL, then the
 * database must open, pass SQLite's integrity check and hold every write
 * the child saw acknowledged, and no part of an unfinished transaction.
 */
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "controller/store.h"
#include "test.h"

#define NWID UINT64_C(0x1122334455000001)

static char dir[64];
static char path[128];

static void fresh_path(const char *name)
{
	snprintf(path, sizeof path, "%s/%s", dir, name);
	unlink(path);
}

static struct zt_store *open_store(void)
{
	struct zt_store *s = NULL;
	char err[256] = "";
	int r = zt_store_sqlite_open(&s, path, err, sizeof err);
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

	CHECK_EQ(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	CHECK_EQ(sqlite3_step(st), SQLITE_ROW);
	CHECK(strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0);
	sqlite3_finalize(st);
	sqlite3_close(db);

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
	RUN(test_crash);
	RUN(test_modes);
	{
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("  could not remove %s\n", dir);
	}
	TEST_EXIT();
}
