/* SPDX-License-Identifier: MIT */
/*
 * capi.c - the controller's admin API (see capi.h): the token, the paths
 * to each part, the replies and the audited transaction the parts share,
 * and the controller as a node (/status, /peer).  Requests are checked
 * completely before the store is touched; a write is one transaction.
 */
#include "controller/capi.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osdep/apijson.h"

#define ERR_MAX 512

static void dispatch(struct zt_capi *a, const struct zt_http_request *req,
                     struct zt_httpd_reply *reply);

static void reply_json(struct zt_httpd_reply *reply, int status, json_t *j)
{
	reply->status = status;
	reply->body = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (!reply->body) {
		reply->status = 500;
		reply->body = strdup("{\"error\":500,\"description\":\"out of memory\"}");
	}
	reply->body_len = reply->body ? strlen(reply->body) : 0;
}

static void reply_error(struct zt_httpd_reply *reply, int status, const char *msg)
{
	reply_json(reply, status, zt_apijson_error(status, msg));
}

static bool method(const struct zt_http_request *req, const char *m)
{
	/* ZeroTier's controller takes PUT wherever it takes POST. */
	if (strcmp(m, "POST") == 0 && zt_http_str_eq(&req->method, "PUT"))
		return true;
	return zt_http_str_eq(&req->method, m);
}

static void bad_method(struct zt_httpd_reply *reply, const char *allow)
{
	static char hdr[64];
	snprintf(hdr, sizeof hdr, "Allow: %s\r\n", allow);
	reply->extra_headers = hdr;
	reply_error(reply, 405, "method not allowed");
}

/* Printable copy of a client-sent segment for a message. */
void zt_capi_shown(const char *s, char *out, size_t cap)
{
	size_t i;
	for (i = 0; s[i] && i + 1 < cap && i < 32; i++)
		out[i] = (s[i] < ' ' || s[i] > '~') ? '?' : s[i];
	out[i] = '\0';
}

/* The controller as a node, in the shape of ZeroTier's GET /status (its
 * controller lives inside a node, so tools ask the same port). */
static void get_status(struct zt_capi *a, struct zt_httpd_reply *reply)
{
	struct zt_node *node = a->ctl->node;
	struct zt_endpoint refl[ZT_CAPI_MAX_REFLECTED];
	struct zt_apijson_node st;
	size_t nrefl = node ? zt_node_reflected(node, refl, ZT_CAPI_MAX_REFLECTED) : 0;
	json_t *j;

	memset(&st, 0, sizeof st);
	st.address = a->ctl->address;
	st.public_identity = a->public_identity;
	st.online = node && zt_node_online(node);
	st.clock = a->now(a->ctx);
	st.primary_port = a->udp_port;
	st.home = a->home;
	st.bind_addr = a->bind_addr;
	st.tcp_fallback = zt_apijson_tcp_fallback(node, st.clock);
	st.roots_stamp = a->roots_stamp;
	st.reflected = refl;
	st.reflected_count = nrefl < ZT_CAPI_MAX_REFLECTED ? nrefl : ZT_CAPI_MAX_REFLECTED;
	j = zt_apijson_status(&st);
	if (j != NULL && json_object_set_new(j, "controller", json_true()) < 0) {
		json_decref(j);
		j = NULL;
	}
	reply_json(reply, 200, j);
}

/* GET /peer and /peer/<address>: the controller's own peers (its members
 * and its roots), as ztd shows its peers. */
static void get_peers(struct zt_capi *a, const struct zt_http_request *req, const char *seg,
                      struct zt_httpd_reply *reply)
{
	char msg[ERR_MAX], sh[40];
	uint64_t addr = 0;
	json_t *out;
	int r;

	if (!method(req, "GET")) {
		bad_method(reply, "GET");
		return;
	}
	if (seg && zt_address_parse(seg, &addr) != ZT_OK) {
		zt_capi_shown(seg, sh, sizeof sh);
		snprintf(msg, sizeof msg, "invalid address '%s': expected 10 hex digits", sh);
		reply_error(reply, 400, msg);
		return;
	}
	r = zt_apijson_peers(a->ctl->node, a->now(a->ctx), seg != NULL, addr, a->udp_port, &out);
	if (r == -ENOENT) {
		/* As ZeroTier's node answers an unknown peer. */
		reply_json(reply, 200, json_object());
	} else if (r < 0) {
		reply_error(reply, 500, "out of memory");
	} else {
		reply_json(reply, 200, out);
	}
}

static void changed(struct zt_capi *a)
{
	if (a->after_change)
		a->after_change(a->ctx);
}

/* Who made a change, for the audit trail: the API has one token
 * (authtoken.secret), the controller's administrator's ("admin"); the web
 * UI's requests carry their signed-in user's name (zt_capi_handle_as). */
static const char *who(const struct zt_capi *a)
{
	return a->who != NULL ? a->who : "admin";
}

/* The audit trail (store.h): a change and its record commit in one
 * transaction, opened by begin() before the change is written. */
static int begin(struct zt_capi *a)
{
	return a->ctl->store->ops->begin(a->ctl->store);
}

static void rollback(struct zt_capi *a)
{
	a->ctl->store->ops->rollback(a->ctl->store);
}

static int commit_audited(struct zt_capi *a, int64_t now, const char *action, const char *object,
                          const json_t *old, const json_t *new_obj)
{
	struct zt_store *st = a->ctl->store;
	char *o = old != NULL ? json_dumps(old, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	char *n = new_obj != NULL ? json_dumps(new_obj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	struct zt_store_audit e = {0, now, who(a), action, object, o, n};
	int r = ZT_ENOMEM;

	if ((old == NULL || o != NULL) && (new_obj == NULL || n != NULL))
		r = st->ops->audit_put(st, &e);
	if (r == ZT_OK)
		r = st->ops->commit(st); /* a failed commit rolls back */
	else
		st->ops->rollback(st);
	free(o);
	free(n);
	return r;
}

void zt_capi_reply_json(struct zt_httpd_reply *reply, int status, json_t *j)
{
	reply_json(reply, status, j);
}

void zt_capi_reply_error(struct zt_httpd_reply *reply, int status, const char *msg)
{
	reply_error(reply, status, msg);
}

bool zt_capi_method(const struct zt_http_request *req, const char *m)
{
	return method(req, m);
}

void zt_capi_bad_method(struct zt_httpd_reply *reply, const char *allow)
{
	bad_method(reply, allow);
}

int zt_capi_begin(struct zt_capi *a)
{
	return begin(a);
}

void zt_capi_rollback(struct zt_capi *a)
{
	rollback(a);
}

int zt_capi_commit_audited(struct zt_capi *a, int64_t now, const char *action, const char *object,
                           const json_t *old, const json_t *new_obj)
{
	return commit_audited(a, now, action, object, old, new_obj);
}

void zt_capi_changed(struct zt_capi *a)
{
	changed(a);
}

void zt_capi_handle(void *ctx, const struct zt_http_request *req, struct zt_httpd_reply *reply)
{
	struct zt_capi *a = ctx;

	if (!zt_http_token_ok(req, a->token)) {
		reply_error(reply, 401,
		            "missing or wrong auth token: send the token of authtoken.secret in "
		            "X-ZT1-Auth (or ?auth=)");
		return;
	}
	a->who = NULL;
	dispatch(a, req, reply);
}

void zt_capi_handle_as(struct zt_capi *a, const char *user, const struct zt_http_request *req,
                       struct zt_httpd_reply *reply)
{
	a->who = user;
	dispatch(a, req, reply);
	a->who = NULL;
}

static void dispatch(struct zt_capi *a, const struct zt_http_request *req,
                     struct zt_httpd_reply *reply)
{
	const struct zt_http_str *p = &req->path;
	char path[ZT_HTTP_MAX_TARGET + 1];

	if (p->len >= sizeof path || memchr(p->p, '\0', p->len) != NULL) {
		reply_error(reply, 400, "malformed path");
		return;
	}
	memcpy(path, p->p, p->len);
	path[p->len] = '\0';
	if (strncmp(path, "/unstable/controller/network", 28) == 0) {
		zt_capi_unstable(a, req, path + 28, reply);
		return;
	}
	if ((strcmp(path, "/controller/network") == 0 ||
	     strcmp(path, "/controller/network/") == 0) &&
	    method(req, "POST")) {
		/* ZeroTier's newer form of <address>______: a random id. */
		zt_capi_network_create(a, req, reply);
		return;
	}
	if (strcmp(path, "/status") == 0 || strcmp(path, "/controller") == 0 ||
	    strcmp(path, "/controller/") == 0 || strcmp(path, "/controller/network") == 0 ||
	    strcmp(path, "/controller/network/") == 0) {
		if (!method(req, "GET")) {
			bad_method(reply, "GET");
		} else if (path[1] == 's') {
			get_status(a, reply);
		} else if (strncmp(path, "/controller/network", 19) == 0) {
			zt_capi_network_list(a, reply);
		} else {
			/* The store answers or the request fails: it is ready. */
			reply_json(reply, 200,
			           json_pack("{s:b, s:i, s:I, s:b}", "controller", 1, "apiVersion",
			                     4, "clock", (json_int_t)a->now(a->ctx),
			                     "databaseReady", 1));
		}
		return;
	}
	if (strncmp(path, "/controller/network/", 20) == 0) {
		zt_capi_network(a, req, path + 20, reply);
		return;
	}
	if (strcmp(path, "/controller/audit") == 0) {
		zt_capi_audit(a, req, reply);
		return;
	}
	if (strncmp(path, "/controller/user/", 17) == 0) {
		zt_capi_user(a, req, path + 17, reply);
		return;
	}
	if (strcmp(path, "/peer") == 0 || strcmp(path, "/peer/") == 0) {
		get_peers(a, req, NULL, reply);
		return;
	}
	if (strncmp(path, "/peer/", 6) == 0) {
		get_peers(a, req, path + 6, reply);
		return;
	}
	if (strcmp(path, "/network") == 0 || strcmp(path, "/network/") == 0 ||
	    strcmp(path, "/moon") == 0 || strcmp(path, "/moon/") == 0) {
		/* ZeroTier's controller is a node, and tools (zerotier-cli
		 * listnetworks, listmoons -D<its home>) list its networks and
		 * moons: zt-controller is a member of none and orbits none. */
		if (!method(req, "GET"))
			bad_method(reply, "GET");
		else
			reply_json(reply, 200, json_array());
		return;
	}
	if (strncmp(path, "/network/", 9) == 0) {
		reply_error(reply, 404,
		            "zt-controller is a member of no network: its networks are under "
		            "/controller/network");
		return;
	}
	reply_error(
	    reply, 404,
	    "no such API path: try /status, /peer, /controller/network, /controller/audit or "
	    "/controller/user/<name>");
}
