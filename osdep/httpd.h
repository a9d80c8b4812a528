/* SPDX-License-Identifier: MIT */
/*
 * httpd.h - the local API's HTTP server: a non-blocking TCP listener on
 * 127.0.0.1 driven by the event loop.  One request per connection
 * (Connection: close), at most ZT_HTTPD_MAX_CONNS at once, each bounded
 * in size (http.h) and in time (ZT_HTTPD_TIMEOUT_MS), so a stuck or
 * hostile local client cannot hold the daemon.  When all are taken, a
 * new connection replaces the oldest: holding connections open locks
 * nobody out.  Running out of descriptors pauses accepting (acceptor.h).
 */
#ifndef ZT_OSDEP_HTTPD_H
#define ZT_OSDEP_HTTPD_H

#include <stddef.h>
#include <stdint.h>

#include "osdep/http.h"

#define ZT_HTTPD_MAX_CONNS  16
#define ZT_HTTPD_TIMEOUT_MS 5000

struct zt_evloop;
struct zt_httpd;

/* What a handler answers: a status, a body (malloc'd; the server frees
 * it), JSON unless content_type says otherwise (static), and optional
 * extra header lines ending in "\r\n" (static). */
struct zt_httpd_reply {
	int status;
	char *body;
	size_t body_len;
	const char *extra_headers;
	const char *content_type; /* NULL: application/json */
};

/* Called for each complete request; req and its strings are borrowed
 * for the call. */
typedef void (*zt_httpd_handler_fn)(void *ctx, const struct zt_http_request *req,
                                    struct zt_httpd_reply *reply);

/* Listen on 127.0.0.1:port.  Returns 0, -EADDRINUSE, -EADDRNOTAVAIL
 * (loopback down) or another -errno. */
int zt_httpd_new(struct zt_httpd **out, struct zt_evloop *loop, uint16_t port,
                 zt_httpd_handler_fn fn, void *ctx);
/* Listen on any address (a metrics listener, osdep/metrics.h); the same
 * limits apply.  Returns 0 or a negative errno. */
struct sockaddr;
int zt_httpd_listen(struct zt_httpd **out, struct zt_evloop *loop, const struct sockaddr *addr,
                    unsigned addr_len, zt_httpd_handler_fn fn, void *ctx);
/* Closes the listener and every connection. */
void zt_httpd_free(struct zt_httpd *h);

/* Close connections whose time is up, and resume accepting after a pause.
 * Returns the next time (in zt_clock_now() ms) this must be called, or
 * INT64_MAX if never. */
int64_t zt_httpd_expire(struct zt_httpd *h, int64_t now);

#endif
