/* SPDX-License-Identifier: MIT */
/*
 * store_sqlite_int.h - the SQLite store's state, shared by its two files
 * and private to them (the rest of the controller sees store.h):
 *
 *   store_sqlite.c       the store's operations (zt_store_ops)
 *   store_sqlite_open.c  opening a database: its file's mode and lock, the
 *                        connection's settings, the schema's migrations
 */
#ifndef ZT_CONTROLLER_STORE_SQLITE_INT_H
#define ZT_CONTROLLER_STORE_SQLITE_INT_H

#include <sqlite3.h>

#include "controller/store.h"

struct sq_store {
	struct zt_store base;
	sqlite3 *db;
	int depth;   /* >0 inside a caller's begin/commit */
	int lock_fd; /* PATH-lock, held while open; -1 for :memory: */
};

extern const struct zt_store_ops zt_store_sqlite_ops;

/* A statement without parameters: ZT_OK or ZT_ECALLBACK. */
int zt_store_sqlite_exec(sqlite3 *db, const char *sql);
/* The member's row and its index rows (store.h), in the caller's
 * transaction: db only, so that a migration can use it too. */
int zt_store_sqlite_put_member(sqlite3 *db, const char *id, const char *a, const char *json);

#endif
