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
 *   GET          /controller/network/<nwid>/invite    its invites (never their tokens)
 *   DELETE       /controller/network/<nwid>/invite/<id>  revoke one
 *   GET          /controller/audit[?limit=N&before=ID] the audit trail, newest first
 *   POST|DELETE  /controller/user/<name>              a web UI administrator
 *                                                     ({"passwordHash": "$argon2id$..."})
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

#include <stdbool.h>
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
	/* Who the request being answered is from, for the audit trail
	 * (NULL: "admin", the token's); set by zt_capi_handle_as only. */
	const char *who;
};

/* A zt_httpd_handler_fn; ctx is the struct zt_capi. */
void zt_capi_handle(void *ctx, const struct zt_http_request *req, struct zt_httpd_reply *reply);
/* The same request on behalf of `user`, a web UI administrator whom the
 * caller (ui.c) has signed in: no token is asked for, and the audit trail
 * records user as "who". */
void zt_capi_handle_as(struct zt_capi *a, const char *user, const struct zt_http_request *req,
                       struct zt_httpd_reply *reply);

/* For the API's other parts (capi_*.c): replies in ZeroTier's shapes, a
 * printable copy of a client-sent path segment for a message, and a write
 * with its audit entry in one transaction (begin, the write,
 * commit_audited; rollback if the write fails). */
void zt_capi_reply_json(struct zt_httpd_reply *reply, int status, json_t *j);
void zt_capi_reply_error(struct zt_httpd_reply *reply, int status, const char *msg);
bool zt_capi_method(const struct zt_http_request *req, const char *m);
void zt_capi_bad_method(struct zt_httpd_reply *reply, const char *allow);
int zt_capi_begin(struct zt_capi *a);
void zt_capi_rollback(struct zt_capi *a);
int zt_capi_commit_audited(struct zt_capi *a, int64_t now, const char *action, const char *object,
                           const json_t *old, const json_t *new_obj);
void zt_capi_changed(struct zt_capi *a);
void zt_capi_shown(const char *s, char *out, size_t cap);

/* capi_network.c: /controller/network/<rest>, rest the network id and
 * what follows it. */
void zt_capi_network(struct zt_capi *a, const struct zt_http_request *req, const char *rest,
                     struct zt_httpd_reply *reply);
/* A new network with a random id of ours, from the request's body. */
void zt_capi_network_create(struct zt_capi *a, const struct zt_http_request *req,
                            struct zt_httpd_reply *reply);
/* GET /controller/network: the networks' ids. */
void zt_capi_network_list(struct zt_capi *a, struct zt_httpd_reply *reply);
/* capi_member.c: .../network/<nwid>/<rest> of a network that exists, rest
 * "member" or "member/<address>" (anything else is answered 404). */
void zt_capi_members(struct zt_capi *a, const struct zt_http_request *req, uint64_t nwid,
                     const char *rest, struct zt_httpd_reply *reply);
/* Add a member's software version (vMajor, vMinor, vRev) to m, the
 * answer's copy, when its node is a peer of ours. */
void zt_capi_member_versions(struct zt_capi *a, json_t *m);
/* capi_unstable.c: /unstable/controller/network<rest>. */
void zt_capi_unstable(struct zt_capi *a, const struct zt_http_request *req, const char *rest,
                      struct zt_httpd_reply *reply);
/* capi_audit.c: /controller/audit. */
void zt_capi_audit(struct zt_capi *a, const struct zt_http_request *req,
                   struct zt_httpd_reply *reply);

/* capi_invite.c: .../network/<nwid>/invite (id NULL) and .../invite/<id>
 * of a network that exists. */
void zt_capi_invites(struct zt_capi *a, const struct zt_http_request *req, uint64_t nwid,
                     const char *id, struct zt_httpd_reply *reply);
/* capi_user.c: /controller/user/<name>. */
void zt_capi_user(struct zt_capi *a, const struct zt_http_request *req, const char *name,
                  struct zt_httpd_reply *reply);
/* Is name a valid administrator's name (1-64 of [A-Za-z0-9._-], not
 * starting with '.' or '-', not "admin": the API token's in the audit
 * trail)? */
bool zt_capi_user_name_ok(const char *name);

#endif
