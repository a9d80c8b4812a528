/* SPDX-License-Identifier: MIT */
/*
 * ctld.h - zt-controller at run time: a node (its own identity in HOMEDIR,
 * the roots, UDP) that answers config requests from the store, and the
 * admin API, in one event loop.  The API listens on 127.0.0.1 only (the
 * shared httpd binds loopback); reach it remotely through an SSH tunnel or
 * a reverse proxy that adds TLS.
 */
#ifndef ZT_CONTROLLER_CTLD_H
#define ZT_CONTROLLER_CTLD_H

#include <stdbool.h>
#include <stdint.h>

struct zt_ctld_config {
	const char *home;
	const char *db;         /* NULL: HOMEDIR/controller.db */
	const char *bind_addr;  /* UDP; NULL: all */
	const char *roots_file; /* NULL: HOMEDIR/roots */
	uint16_t udp_port;
	int api_port;             /* -1: the UDP port */
	const char *metrics_addr; /* --metrics IP:PORT; NULL: no metrics listener */
	const char *ui_addr;      /* --ui IP:PORT; NULL: no web UI (ui.h) */
	bool ui_secure_cookie;    /* --ui-secure-cookie: behind a TLS proxy */
	/* The audit trail keeps entries this many days (0: no age limit)
	 * and at most this many (the newest). */
	unsigned audit_days;
	uint64_t audit_rows;
};

#define ZT_CTLD_AUDIT_DAYS 90
#define ZT_CTLD_AUDIT_ROWS 1000000

/* Run until SIGINT/SIGTERM; returns the exit status. */
int zt_ctld_run(const struct zt_ctld_config *cfg);

#endif
