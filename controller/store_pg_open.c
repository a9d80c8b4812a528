/* SPDX-License-Identifier: MIT */
/*
 * store_pg_open.c - connecting the PostgreSQL store (see store.h): the
 * connection's defaults (keepalives, durable commits), the schema, raised
 * to this build's version under an advisory lock, and the statements
 * prepared (store_pg.c).
 */
#include "controller/store_pg_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int migrate(struct pg_store *s, const char *what, char *err, size_t errcap)
{
	struct params p = {0};
	char key[24], *t = NULL;
	int v, r;

	/* One migrator at a time: the lock is the transaction's, and the
	 * version is read under it. */
	zt_store_pg_param_int(&p, key, sizeof key, KEY_MIGRATE);
	if (zt_store_pg_exec(s->c, "BEGIN") != ZT_OK)
		goto fail;
	if (zt_store_pg_first_text(
	        zt_store_pg_run_sql(s, "SELECT pg_advisory_xact_lock($1::bigint)::text", &p), &t) !=
	    ZT_OK)
		goto fail;
	free(t);
	t = NULL;
	if (zt_store_pg_exec(
	        s->c, "CREATE TABLE IF NOT EXISTS zt_schema (version INTEGER NOT NULL)") != ZT_OK)
		goto fail;
	p.n = 0;
	r = zt_store_pg_first_text(zt_store_pg_run_sql(s, "SELECT version FROM zt_schema", &p), &t);
	if (r == ZT_ENOTFOUND)
		r = zt_store_pg_exec(s->c, "INSERT INTO zt_schema (version) VALUES (0)");
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
		(void)zt_store_pg_exec(s->c, "ROLLBACK");
		return ZT_EINVAL;
	}
	/* Each step and its version commit together; the lock holds across
	 * the steps, so they run in this one transaction. */
	for (; v < SCHEMA_VERSION; v++) {
		char ver[24];
		if (zt_store_pg_exec(s->c, migrations[v]) != ZT_OK)
			goto fail;
		p.n = 0;
		zt_store_pg_param_int(&p, ver, sizeof ver, v + 1);
		if (zt_store_pg_written(
		        zt_store_pg_run_sql(s, "UPDATE zt_schema SET version = $1", &p), NULL) !=
		    ZT_OK)
			goto fail;
	}
	if (zt_store_pg_exec(s->c, "COMMIT") != ZT_OK)
		goto fail;
	return ZT_OK;
fail:
	snprintf(err, errcap, "%s: migrating the schema to version %d failed: %s", what,
	         SCHEMA_VERSION, PQerrorMessage(s->c));
	err[strcspn(err, "\n")] = '\0';
	free(t);
	(void)zt_store_pg_exec(s->c, "ROLLBACK");
	return ZT_ECALLBACK;
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
	s->base.ops = &zt_store_pg_ops;
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
	if (zt_store_pg_exec(s->c, "SET synchronous_commit = on") != ZT_OK ||
	    zt_store_pg_exec(s->c, "SET client_min_messages = warning") != ZT_OK) {
		snprintf(err, errcap, "%s: %s", what, PQerrorMessage(s->c));
		err[strcspn(err, "\n")] = '\0';
		r = ZT_ECALLBACK;
		goto fail;
	}
	r = migrate(s, what, err, errcap);
	if (r == ZT_OK && (r = zt_store_pg_prepare(s)) != ZT_OK) {
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
