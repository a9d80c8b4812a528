/* SPDX-License-Identifier: MIT */
/*
 * store_nopg.c - store.h's PostgreSQL entry points in a controller built
 * without libpq (make PG=0, as a router's cross build is: libpq is not one
 * of the libraries ext/libs.sh builds).  --db postgres:// is refused with
 * the reason when the store is opened; no PostgreSQL store ever exists, so
 * the other calls are never reached and answer ZT_EINVAL.
 */
#include "controller/store.h"

#include <stdio.h>
#include <string.h>

bool zt_store_is_pg(const char *db)
{
	return db != NULL &&
	       (strncmp(db, "postgres://", 11) == 0 || strncmp(db, "postgresql://", 13) == 0);
}

int zt_store_pg_open(struct zt_store **out, const char *uri, char *err, size_t errcap)
{
	(void)uri;
	*out = NULL;
	snprintf(err, errcap,
	         "this zt-controller was built without PostgreSQL (make PG=0): give --db a "
	         "SQLite file, or use a build with libpq");
	return ZT_EINVAL;
}

int zt_store_pg_schema_version(void)
{
	return 0;
}

int zt_store_pg_try_lead(struct zt_store *s, bool *leading)
{
	(void)s;
	*leading = false;
	return ZT_EINVAL;
}

int zt_store_pg_socket(struct zt_store *s)
{
	(void)s;
	return -1;
}

int zt_store_pg_listen(struct zt_store *s)
{
	(void)s;
	return ZT_EINVAL;
}

int zt_store_pg_notify(struct zt_store *s, uint64_t nwid, uint64_t member, bool deauthorized)
{
	(void)s;
	(void)nwid;
	(void)member;
	(void)deauthorized;
	return ZT_EINVAL;
}

int zt_store_pg_changes(struct zt_store *s, zt_store_change_fn fn, void *ctx)
{
	(void)s;
	(void)fn;
	(void)ctx;
	return ZT_EINVAL;
}
