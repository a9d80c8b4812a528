/* SPDX-License-Identifier: MIT */
/*
 * capi.h - the controller's admin HTTP API, with ZeroTier's controller
 * paths and JSON field names (doc/API.md):
 *
 *   GET          /status                              the controller as a node
 *   GET          /peer, /peer/<address>               its peers (members, roots)
 *   GET          /controller                          {"controller":true,...}
 *   GET          /controller/network                  ["<nwid>", ...]
 *   GET|POST|DELETE /controller/network/<nwid>        one network (POST creates/updates)
 *   POST         /controller/network/<addr>______     create with a random id
 *   GET          /controller/network/<nwid>/member    {"<addr>": revision, ...}
 *   GET|POST|DELETE /controller/network/<nwid>/member/<addr>
 *   POST         /controller/network/<nwid>/invite    {"uses":N,"ttl":seconds} -> token
 *   GET          /controller/audit[?limit=N&before=ID] the audit trail, newest first
 *
 * Every change (POST, DELETE, invite) is written with its entry in the
 * audit trail (store.h) in one transaction: who, when, what, the object
 * before and after.
 * Every request needs the token (X-ZT1-Auth, ?auth= or Authorization:
 * Bearer).  Every bad request is answered 4xx {"error": status,
 * "description": "..."} (ZeroTier's error shape) and changes nothing.
 */
#ifndef ZT_CONTROLLER_CAPI_H
#define ZT_CONTROLLER_CAPI_H

#include <stdint.h>

#include "controller/ctl.h"
#include "osdep/httpd.h"

#define ZT_CAPI_MAX_REFLECTED  8
#define ZT_CAPI_AUDIT_PAGE     100 /* entries per page by default */
#define ZT_CAPI_AUDIT_PAGE_MAX 1000

struct zt_capi {
	struct zt_ctl *ctl;
	const char *token;           /* the API token */
	const char *public_identity; /* text form, for /status */
	/* For /status: the UDP port and its address (NULL: all), the home
	 * directory, the roots file's timestamp (0 unknown). */
	unsigned udp_port;
	const char *bind_addr;
	const char *home;
	int64_t roots_stamp;
	int64_t (*now)(void *ctx); /* the clock (ms) */
	void (*random)(void *ctx, void *buf, size_t len);
	void *ctx;
	/* Optional: called after a request that changed something. */
	void (*after_change)(void *ctx);
};

/* A zt_httpd_handler_fn; ctx is the struct zt_capi. */
void zt_capi_handle(void *ctx, const struct zt_http_request *req, struct zt_httpd_reply *reply);

#endif
