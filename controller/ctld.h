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

#include <stdint.h>

struct zt_ctld_config {
	const char *home;
	const char *db;         /* NULL: HOMEDIR/controller.db */
	const char *bind_addr;  /* UDP; NULL: all */
	const char *roots_file; /* NULL: HOMEDIR/roots */
	uint16_t udp_port;
	int api_port;             /* -1: the UDP port */
	const char *metrics_addr; /* --metrics IP:PORT; NULL: no metrics listener */
};

/* Run until SIGINT/SIGTERM; returns the exit status. */
int zt_ctld_run(const struct zt_ctld_config *cfg);

#endif
