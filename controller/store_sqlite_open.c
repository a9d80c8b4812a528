/* SPDX-License-Identifier: MIT */
/*
 * store_sqlite_open.c - opening the SQLite store (see store.h): the
 * database file, created private and locked for one controller, the
 * connection's settings (WAL, synchronous=FULL, foreign keys), and the
 * schema, raised to this build's version one migration at a time.  The
 * store's operations are store_sqlite.c's.
 */
#include "controller/store_sqlite_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int backfill_index(sqlite3 *db);

/* Migration i brings the schema from version i to i+1: its SQL, then its
 * C part (NULL: none), in one transaction. */
static const struct migration {
	const char *sql;
	int (*fn)(sqlite3 *db);
} migrations[] = {
    /* 0 -> 1: networks and members, as JSON objects. */
    {"CREATE TABLE network (id TEXT PRIMARY KEY NOT NULL, json TEXT NOT NULL);"
     "CREATE TABLE member (nwid TEXT NOT NULL REFERENCES network(id) ON DELETE CASCADE,"
     " address TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (nwid, address));",
     NULL},
    /* 1 -> 2: invites, by the hash of their token. */
    {"CREATE TABLE invite (hash BLOB PRIMARY KEY NOT NULL,"
     " nwid TEXT NOT NULL REFERENCES network(id) ON DELETE CASCADE,"
     " uses_left INTEGER NOT NULL, expires INTEGER NOT NULL, created INTEGER NOT NULL);",
     NULL},
    /* 2 -> 3: the members' index (store.h): authorized and bridge flags,
     * the revision, and every assigned address (4 or 16 bytes) with its member. */
    {"ALTER TABLE member ADD COLUMN authorized INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE member ADD COLUMN bridge INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE member ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;"
     "CREATE INDEX member_authorized ON member (nwid, authorized, address);"
     "CREATE INDEX member_bridge ON member (nwid, bridge, address);"
     "CREATE TABLE member_ip (nwid TEXT NOT NULL, address TEXT NOT NULL, ip BLOB NOT NULL,"
     " PRIMARY KEY (nwid, address, ip), FOREIGN KEY (nwid, address)"
     " REFERENCES member (nwid, address) ON DELETE CASCADE);"
     "CREATE INDEX member_ip_ip ON member_ip (nwid, ip, address);",
     backfill_index},
    /* 3 -> 4: the audit trail of admin changes (store.h). */
    {"CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL,"
     " who TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL, old TEXT, new TEXT);"
     "CREATE INDEX audit_time ON audit (time);",
     NULL},
    /* 4 -> 5: the web UI's administrators (ui.c), with crypto_pwhash_str
     * hashes; invites listed per network, newest first. */
    {"CREATE TABLE admin_user (name TEXT PRIMARY KEY NOT NULL, hash TEXT NOT NULL,"
     " created INTEGER NOT NULL);"
     "CREATE INDEX invite_nwid ON invite (nwid, created);",
     NULL},
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

int zt_store_sqlite_schema_version(void)
{
	return SCHEMA_VERSION;
}

static int user_version(sqlite3 *db, int *v)
{
	sqlite3_stmt *st;
	int rc;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return ZT_ECALLBACK;
	rc = sqlite3_step(st);
	*v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? ZT_OK : ZT_ECALLBACK;
}

/* Migration 2 -> 3: index the members written before the index existed,
 * each row written again through put_member.  One row per query, after
 * the last one done: the table is not written while a query walks it. */
static int backfill_index(sqlite3 *db)
{
	char id[24] = "", a[16] = "";
	int r = ZT_OK;

	while (r == ZT_OK) {
		sqlite3_stmt *st;
		char *json;
		int rc;

		if (sqlite3_prepare_v2(
		        db,
		        "SELECT nwid, address, json FROM member WHERE (nwid, address) "
		        "> (?, ?) ORDER BY nwid, address LIMIT 1",
		        -1, &st, NULL) != SQLITE_OK)
			return ZT_ECALLBACK;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, a, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW) {
			sqlite3_finalize(st);
			return rc == SQLITE_DONE ? ZT_OK : ZT_ECALLBACK;
		}
		snprintf(id, sizeof id, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(a, sizeof a, "%s", (const char *)sqlite3_column_text(st, 1));
		json = strdup((const char *)sqlite3_column_text(st, 2));
		sqlite3_finalize(st);
		r = json != NULL ? zt_store_sqlite_put_member(db, id, a, json) : ZT_ENOMEM;
		free(json);
	}
	return r;
}

static int migrate(sqlite3 *db, const char *path, char *err, size_t errcap)
{
	int v;

	if (user_version(db, &v) != ZT_OK) {
		snprintf(err, errcap, "%s: cannot read the schema version: %s", path,
		         sqlite3_errmsg(db));
		return ZT_ECALLBACK;
	}
	if (v > SCHEMA_VERSION) {
		snprintf(err, errcap,
		         "%s has schema version %d, newer than this zt-controller knows (%d): "
		         "use a newer zt-controller",
		         path, v, SCHEMA_VERSION);
		return ZT_EINVAL;
	}
	for (; v < SCHEMA_VERSION; v++) {
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		/* The schema change and the version bump commit together. */
		if (zt_store_sqlite_exec(db, "BEGIN IMMEDIATE") != ZT_OK ||
		    zt_store_sqlite_exec(db, migrations[v].sql) != ZT_OK ||
		    (migrations[v].fn != NULL && migrations[v].fn(db) != ZT_OK) ||
		    zt_store_sqlite_exec(db, sql) != ZT_OK ||
		    zt_store_sqlite_exec(db, "COMMIT") != ZT_OK) {
			snprintf(err, errcap, "%s: migrating the schema to version %d failed: %s",
			         path, v + 1, sqlite3_errmsg(db));
			(void)zt_store_sqlite_exec(db, "ROLLBACK");
			return ZT_ECALLBACK;
		}
	}
	return ZT_OK;
}

/* The database holds every member and the invites' hashes: a new one is
 * created 0600 whatever the umask (SQLite would make it 0644 & ~umask, and
 * --db may name a file outside the home dir).  SQLite gives the -wal and
 * -shm files the database's mode.  An existing file keeps its owner's. */
static int create_private(const char *path, char *err, size_t errcap)
{
	int fd;

	if (strcmp(path, ":memory:") == 0 || path[0] == '\0')
		return ZT_OK;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return ZT_OK; /* there already, or SQLite says why it cannot be */
	if (fchmod(fd, 0600) != 0) {
		snprintf(err, errcap, "cannot make %s private (mode 0600): %s", path,
		         strerror(errno));
		close(fd);
		unlink(path);
		return ZT_ECALLBACK;
	}
	close(fd);
	return ZT_OK;
}

/* One controller per database: it answers for the networks in it, and a
 * second one on the same file would answer for them too, with its own
 * identity.  An flock on PATH-lock (not on the database itself: closing
 * any other descriptor of it would drop SQLite's own POSIX locks) held
 * until close; the file says who holds it.  The kernel drops the lock
 * when the holder dies, so a kill -9 leaves nothing to clean up. */
static int lock_db(const char *path, int *fd_out, char *err, size_t errcap)
{
	char lpath[4096], pid[32] = "";
	int fd, n;
	ssize_t got;

	*fd_out = -1;
	if (strcmp(path, ":memory:") == 0 || path[0] == '\0')
		return ZT_OK;
	if (snprintf(lpath, sizeof lpath, "%s-lock", path) >= (int)sizeof lpath) {
		snprintf(err, errcap, "database path too long: %s", path);
		return ZT_EINVAL;
	}
	fd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errcap, "cannot open %s: %s", lpath, strerror(errno));
		return ZT_ECALLBACK;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		got = pread(fd, pid, sizeof pid - 1, 0);
		pid[got > 0 ? got : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		close(fd);
		if (e == EWOULDBLOCK)
			snprintf(err, errcap,
			         "database %s is in use by another zt-controller (pid %s): one "
			         "database serves one controller; stop that one or give this one "
			         "its own --db",
			         path, pid[0] ? pid : "unknown");
		else
			snprintf(err, errcap, "cannot lock %s: %s", lpath, strerror(e));
		return ZT_EINVAL;
	}
	/* Who holds it, for the next one's message (the lock holds without). */
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	got = ftruncate(fd, 0) == 0 ? pwrite(fd, pid, (size_t)n, 0) : -1;
	(void)got;
	*fd_out = fd;
	return ZT_OK;
}

int zt_store_sqlite_open(struct zt_store **out, const char *path, char *err, size_t errcap)
{
	struct sq_store *s;
	int rc, r;

	*out = NULL;
	s = calloc(1, sizeof *s);
	if (s == NULL) {
		snprintf(err, errcap, "out of memory");
		return ZT_ENOMEM;
	}
	s->base.ops = &zt_store_sqlite_ops;
	r = lock_db(path, &s->lock_fd, err, errcap);
	if (r != ZT_OK) {
		free(s);
		return r;
	}
	r = create_private(path, err, errcap);
	if (r != ZT_OK) {
		if (s->lock_fd >= 0)
			close(s->lock_fd);
		free(s);
		return r;
	}
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errcap, "cannot open database %s: %s", path,
		         s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		r = ZT_ECALLBACK;
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	/* A file that is not a database fails here, before anything is
	 * written to it. */
	if (zt_store_sqlite_exec(s->db, "PRAGMA journal_mode = WAL") != ZT_OK ||
	    zt_store_sqlite_exec(s->db, "PRAGMA synchronous = FULL") != ZT_OK ||
	    zt_store_sqlite_exec(s->db, "PRAGMA foreign_keys = ON") != ZT_OK) {
		snprintf(err, errcap,
		         "%s is not a usable SQLite database (%s): move it away or give another "
		         "--db",
		         path, sqlite3_errmsg(s->db));
		r = ZT_EINVAL;
		goto fail;
	}
	r = migrate(s->db, path, err, errcap);
	if (r != ZT_OK)
		goto fail;
	*out = &s->base;
	return ZT_OK;
fail:
	sqlite3_close(s->db);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s);
	return r;
}
