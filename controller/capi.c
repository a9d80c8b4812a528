/* SPDX-License-Identifier: MIT */
/*
 * capi.c - the controller's admin API (see capi.h).  Requests are checked
 * completely before the store is touched; a write is one transaction.
 */
#include "controller/capi.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "controller/ctl_json.h"
#include "controller/rulesc.h"
#include "controller/zimport.h"
#include "osdep/apijson.h"

#define SEG_MAX 80
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
static void shown(const char *s, char *out, size_t cap)
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
		shown(seg, sh, sizeof sh);
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

static int list_nets_each(void *ctx, const char *id, const char *json)
{
	(void)json;
	return json_array_append_new(ctx, json_string(id)) < 0;
}

static int list_members_each(void *ctx, uint64_t address, int64_t revision)
{
	char id[16];

	snprintf(id, sizeof id, "%010" PRIx64, address);
	return json_object_set_new(ctx, id, json_integer(revision)) < 0 ? -ENOMEM : 0;
}

/* A member's software version, as its node told ours (VERSION, see
 * doc/PROTOCOL.md): ZeroTier's controller shows the version of the last
 * request; ours is the connected peer's, and -1 while it is not one. */
static void member_versions(struct zt_capi *a, json_t *m)
{
	const char *id = json_string_value(json_object_get(m, "address"));
	struct zt_peer_info p;
	uint64_t addr;

	if (a->ctl->node == NULL || id == NULL || zt_address_parse(id, &addr) != ZT_OK ||
	    zt_node_peer(a->ctl->node, a->now(a->ctx), addr, &p) != ZT_OK || p.version[0] < 0)
		return;
	json_object_set_new(m, "vMajor", json_integer(p.version[0]));
	json_object_set_new(m, "vMinor", json_integer(p.version[1]));
	json_object_set_new(m, "vRev", json_integer(p.version[2]));
}

/* ZeroTier's /unstable lists: whole objects in "data", counts in "meta". */
struct full_list {
	json_t *data;
	json_int_t total, authorized;
	struct zt_capi *a;
};

static int full_members_each(void *ctx, const char *id, const char *json)
{
	struct full_list *l = ctx;
	json_t *m = json_loads(json, 0, NULL);

	(void)id;
	if (m == NULL)
		return 0; /* a row the store could not give back whole: not listed */
	zt_ctl_member_fill(m);
	member_versions(l->a, m);
	l->total++;
	if (zt_ctl_bool(m, "authorized"))
		l->authorized++;
	return json_array_append_new(l->data, m) < 0 ? -ENOMEM : 0;
}

/* The members of nwid into l (l->data an array); 0 or -1. */
static int full_members(struct zt_capi *a, uint64_t nwid, struct full_list *l)
{
	l->total = l->authorized = 0;
	l->a = a;
	return zt_ctl_member_list(a->ctl, nwid, a->now(a->ctx), full_members_each, l) == ZT_OK ? 0
	                                                                                       : -1;
}

struct full_nets {
	struct zt_capi *a;
	json_t *data;
};

static int full_nets_each(void *ctx, const char *id, const char *json)
{
	struct full_nets *n = ctx;
	struct full_list l = {json_array(), 0, 0, NULL};
	json_t *net = json_loads(json, 0, NULL);
	uint64_t nwid;
	int r = 0;

	if (net == NULL || l.data == NULL || zt_nwid_parse(id, &nwid) != 0)
		goto out;
	if (full_members(n->a, nwid, &l) < 0) {
		r = -EIO;
		goto out;
	}
	zt_ctl_net_fill(net);
	json_object_set_new(net, "meta",
	                    json_pack("{s:I, s:I}", "totalMemberCount", l.total,
	                              "authorizedMemberCount", l.authorized));
	r = json_array_append(n->data, net) < 0 ? -ENOMEM : 0;
out:
	json_decref(l.data);
	json_decref(net);
	return r;
}

/* GET /unstable/controller/network and .../<nwid>/member, as ZeroTier's
 * controller answers them (the web UIs list with one request). */
static void unstable(struct zt_capi *a, const struct zt_http_request *req, const char *rest,
                     struct zt_httpd_reply *reply)
{
	char msg[ERR_MAX], sh[40];
	uint64_t nwid;
	json_t *net;

	if (!method(req, "GET")) {
		bad_method(reply, "GET");
		return;
	}
	if (rest[0] == '\0' || strcmp(rest, "/") == 0) {
		struct full_nets n = {a, json_array()};

		if (a->ctl->store->ops->net_list(a->ctl->store, full_nets_each, &n) != ZT_OK) {
			json_decref(n.data);
			reply_error(reply, 500, "the database could not be read");
			return;
		}
		reply_json(reply, 200,
		           json_pack("{s:o, s:{s:I}}", "data", n.data, "meta", "networkCount",
		                     (json_int_t)json_array_size(n.data)));
		return;
	}
	if (rest[0] != '/' || strlen(rest) < 17 ||
	    (strcmp(rest + 17, "/member") != 0 && strcmp(rest + 17, "/member/") != 0)) {
		reply_error(reply, 404,
		            "no such API path: try /unstable/controller/network or "
		            "/unstable/controller/network/<nwid>/member");
		return;
	}
	memcpy(sh, rest + 1, 16);
	sh[16] = '\0';
	if (zt_nwid_parse(sh, &nwid) != 0 || (net = zt_ctl_load_net(a->ctl, nwid)) == NULL) {
		shown(sh, sh, sizeof sh);
		snprintf(msg, sizeof msg, "no network %s", sh);
		reply_error(reply, 404, msg);
		return;
	}
	json_decref(net);
	{
		struct full_list l = {json_array(), 0, 0, NULL};

		if (l.data == NULL || full_members(a, nwid, &l) < 0) {
			json_decref(l.data);
			reply_error(reply, 500, "the database could not be read");
			return;
		}
		reply_json(reply, 200,
		           json_pack("{s:o, s:{s:I, s:I}}", "data", l.data, "meta", "totalCount",
		                     l.total, "authorizedCount", l.authorized));
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

/* A fresh network id of ours that is not in use: 0, or -ENOSPC when 64
 * random tries all hit one. */
static int random_nwid(struct zt_capi *a, uint64_t *out)
{
	for (int tries = 0; tries < 64; tries++) {
		uint8_t b[3];
		uint64_t n;
		json_t *j;
		a->random(a->ctx, b, sizeof b);
		n = (a->ctl->address << 24) | ((uint64_t)b[0] << 16) | ((uint64_t)b[1] << 8) | b[2];
		if ((n & 0xffffff) == 0)
			continue;
		j = zt_ctl_load_net(a->ctl, n);
		if (j == NULL) {
			*out = n;
			return 0;
		}
		json_decref(j);
	}
	return -ENOSPC;
}

/*
 * A network's rulesSource, a rule script (doc/rules.md), is compiled here:
 * its rules, capabilities and tags replace any in the request, so that
 * what is stored is what the script says.  An error in the script is
 * answered 400 with its line and column (ZeroTier's error shape plus
 * "line" and "column") and changes nothing.  An empty script only clears
 * the text.  0, or -1 when the reply is made.
 */
static int rules_source(json_t *body, struct zt_httpd_reply *reply)
{
	const json_t *v = json_object_get(body, "rulesSource");
	struct zt_rulesc_error e;
	char msg[ERR_MAX];
	json_t *out, *j;
	int r;

	/* Not a string: zt_ctl_net_update refuses it. */
	if (!json_is_string(v) || json_string_length(v) == 0)
		return 0;
	r = zt_rulesc_compile(json_string_value(v), json_string_length(v), &out, &e);
	if (r < 0) {
		int status = r == -ENOMEM ? 500 : r == -EFBIG ? 413 : 400;

		snprintf(msg, sizeof msg, "field 'rulesSource': line %u column %u: %s", e.line,
		         e.column, e.msg);
		j = zt_apijson_error(status, e.line > 0 ? msg : e.msg);
		if (j != NULL && e.line > 0) {
			json_object_set_new(j, "line", json_integer(e.line));
			json_object_set_new(j, "column", json_integer(e.column));
		}
		reply_json(reply, status, j);
		return -1;
	}
	r = json_object_update(body, out);
	json_decref(out);
	if (r < 0) {
		reply_error(reply, 500, "out of memory");
		return -1;
	}
	return 0;
}

/* fresh: nwid was picked by random_nwid, a network that must not exist. */
static void network_post(struct zt_capi *a, const struct zt_http_request *req, uint64_t nwid,
                         bool fresh, struct zt_httpd_reply *reply)
{
	char err[ERR_MAX], msg[ERR_MAX + 64], object[40];
	int64_t now = a->now(a->ctx);
	json_t *body, *net, *old = NULL;
	bool existed;
	int r = zt_ctl_parse_body(req->body.p, req->body.len, &body, err, sizeof err);

	if (r < 0) {
		reply_error(reply, r == -ENOMEM ? 500 : r == -EFBIG ? 413 : 400, err);
		return;
	}
	if (rules_source(body, reply) < 0) {
		json_decref(body);
		return;
	}
	/* Read, changed and written in one transaction, under the store's
	 * write lock, as a member POST is: another zt-controller on the same
	 * PostgreSQL may be changing this network at this moment (one admin
	 * renames it, another adds a route), and a network read before the
	 * lock would be written back without the other's change. */
	if (begin(a) != ZT_OK) {
		json_decref(body);
		reply_error(reply, 500, "the database refused the write (see the log)");
		return;
	}
	net = zt_ctl_load_net(a->ctl, nwid);
	existed = net != NULL;
	if (existed && fresh) {
		/* Taken since random_nwid looked, by the other controller. */
		rollback(a);
		json_decref(body);
		json_decref(net);
		reply_error(reply, 409,
		            "the new network's random id was taken at the same "
		            "moment: try again");
		return;
	}
	if (net == NULL)
		net = zt_ctl_net_new(nwid, now);
	else
		zt_ctl_net_fill(net);
	if (net != NULL && existed)
		old = json_deep_copy(net);
	if (net == NULL || (existed && old == NULL)) {
		rollback(a);
		json_decref(body);
		json_decref(net);
		json_decref(old);
		reply_error(reply, 500, "out of memory");
		return;
	}
	snprintf(object, sizeof object, "network/%016" PRIx64, nwid);
	if (zt_ctl_net_update(net, body, err, sizeof err) < 0) {
		rollback(a);
		/* Say so when the rules at fault came from the script. */
		if (json_string_length(json_object_get(body, "rulesSource")) > 0 &&
		    (strncmp(err, "field 'rules", 12) == 0 ||
		     strncmp(err, "field 'capabilities", 19) == 0 ||
		     strncmp(err, "field 'tags", 11) == 0))
			snprintf(msg, sizeof msg, "field 'rulesSource' compiles, but: %s", err);
		else
			snprintf(msg, sizeof msg, "%s", err);
		reply_error(reply, 400, msg);
	} else if (zt_ctl_save_net(a->ctl, nwid, net) != ZT_OK) {
		rollback(a);
		reply_error(reply, 500, "the database refused the write (see the log)");
	} else if (commit_audited(a, now, existed ? "update" : "create", object, old, net) !=
	           ZT_OK) {
		reply_error(reply, 500, "the database refused the write (see the log)");
	} else {
		zt_ctl_changed(a->ctl, now, nwid, 0, false);
		changed(a);
		reply_json(reply, 200, json_incref(net));
	}
	json_decref(body);
	json_decref(net);
	json_decref(old);
}

static void member_post(struct zt_capi *a, const struct zt_http_request *req, uint64_t nwid,
                        uint64_t addr, struct zt_httpd_reply *reply)
{
	char err[ERR_MAX], object[64];
	int64_t now = a->now(a->ctx);
	json_t *body, *m, *old = NULL;
	bool was, was_bridge, existed;
	int r = zt_ctl_parse_body(req->body.p, req->body.len, &body, err, sizeof err);

	if (r < 0) {
		reply_error(reply, r == -ENOMEM ? 500 : r == -EFBIG ? 413 : 400, err);
		return;
	}
	/* Read, changed and written in one transaction, under the store's
	 * write lock: another zt-controller on the same PostgreSQL may be
	 * storing this member's first config (its key, lastSeen, a pool
	 * address) at this moment, and a member read before the lock would
	 * be written back without it.  The address is picked under the same
	 * lock: nobody can pick the same one at the same moment. */
	if (begin(a) != ZT_OK) {
		json_decref(body);
		reply_error(reply, 500, "the database refused the write (see the log)");
		return;
	}
	/* A pending member (asked, denied, not stored) was there to see:
	 * its change is an update of what GET showed. */
	m = zt_ctl_load_member(a->ctl, nwid, addr);
	existed = m != NULL;
	if (m == NULL)
		m = zt_ctl_member_new(nwid, addr, now);
	else
		zt_ctl_member_fill(m);
	if (m != NULL && existed)
		old = json_deep_copy(m);
	if (m == NULL || (existed && old == NULL)) {
		rollback(a);
		json_decref(body);
		json_decref(m);
		json_decref(old);
		reply_error(reply, 500, "out of memory");
		return;
	}
	snprintf(object, sizeof object, "network/%016" PRIx64 "/member/%010" PRIx64, nwid, addr);
	was = zt_ctl_bool(m, "authorized");
	was_bridge = was && zt_ctl_bool(m, "activeBridge");
	if (zt_ctl_member_update(m, body, now, err, sizeof err) < 0) {
		rollback(a);
		reply_error(reply, 400, err);
		goto out;
	}
	/* Authorized, a reservation would be listed (as a bridge, say) as a
	 * member that no node can be: it is claimed with its invite. */
	if (zt_zimport_is_reservation(m) && zt_ctl_bool(m, "authorized")) {
		rollback(a);
		reply_error(reply, 400,
		            "field 'authorized': a reservation of a member imported from ZeroTier "
		            "is not authorized but claimed with its invite (zt-controller invite "
		            "-m ADDRESS NWID)");
		goto out;
	}
	zt_ctl_assign(a->ctl, nwid, addr, m, now);
	if (zt_ctl_save_member(a->ctl, nwid, addr, m) != ZT_OK) {
		rollback(a);
		reply_error(reply, 500, "the database refused the write (see the log)");
	} else if (commit_audited(a, now, existed ? "update" : "create", object, old, m) != ZT_OK) {
		reply_error(reply, 500, "the database refused the write (see the log)");
	} else {
		zt_ctl_changed(a->ctl, now, nwid, addr, was && !zt_ctl_bool(m, "authorized"));
		/* Every member's config lists the bridges: a new or former
		 * bridge concerns them all. */
		if (was_bridge != (zt_ctl_bool(m, "authorized") && zt_ctl_bool(m, "activeBridge")))
			zt_ctl_changed(a->ctl, now, nwid, 0, false);
		/* Every member's config lists the names too. */
		zt_ctl_names_changed(a->ctl, now, nwid, addr, old, m);
		changed(a);
		member_versions(a, m); /* the answer's, not the stored record's */
		reply_json(reply, 200, json_incref(m));
	}
out:
	json_decref(body);
	json_decref(m);
	json_decref(old);
}

/* /controller/network/<nwid>[/member[/<addr>]|/invite] */
static void network_path(struct zt_capi *a, const struct zt_http_request *req, const char *rest,
                         struct zt_httpd_reply *reply)
{
	char seg[SEG_MAX], msg[ERR_MAX], sh[40];
	const char *slash = strchr(rest, '/');
	size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
	uint64_t nwid, addr;
	json_t *net;

	if (n >= sizeof seg)
		n = sizeof seg - 1;
	memcpy(seg, rest, n);
	seg[n] = '\0';
	/* <our address>______ : a new network with a random id. */
	if (slash == NULL && n == 16 && strcmp(seg + 10, "______") == 0) {
		char a10[11];
		memcpy(a10, seg, 10);
		a10[10] = '\0';
		if (zt_address_parse(a10, &addr) != ZT_OK || addr != a->ctl->address) {
			shown(seg, sh, sizeof sh);
			snprintf(msg, sizeof msg,
			         "'%s': the first 10 digits must be this controller's address "
			         "%010" PRIx64,
			         sh, a->ctl->address);
			reply_error(reply, 400, msg);
			return;
		}
		if (!method(req, "POST")) {
			bad_method(reply, "POST, PUT");
			return;
		}
		if (random_nwid(a, &nwid) < 0) {
			reply_error(reply, 500, "no free network id found");
			return;
		}
		network_post(a, req, nwid, true, reply);
		return;
	}
	if (zt_nwid_parse(seg, &nwid) != ZT_OK) {
		shown(seg, sh, sizeof sh);
		snprintf(msg, sizeof msg, "invalid network id '%s': expected 16 hex digits", sh);
		reply_error(reply, 400, msg);
		return;
	}
	if (zt_nwid_controller(nwid) != a->ctl->address) {
		snprintf(msg, sizeof msg,
		         "network %016" PRIx64 " does not belong to this controller (%010" PRIx64
		         "): its first 10 digits must be the controller's address",
		         nwid, a->ctl->address);
		reply_error(reply, method(req, "GET") || method(req, "DELETE") ? 404 : 400, msg);
		return;
	}
	net = zt_ctl_load_net(a->ctl, nwid);
	if (slash == NULL) {
		if (method(req, "GET") || method(req, "DELETE")) {
			if (net == NULL) {
				snprintf(msg, sizeof msg, "no network %016" PRIx64, nwid);
				reply_error(reply, 404, msg);
				return;
			}
			if (method(req, "DELETE")) {
				uint64_t *list = NULL;
				int cnt = 0;
				int64_t now = a->now(a->ctx);
				char object[40];
				int r = begin(a);
				/* The network and its members are read again under
				 * the write lock: the trail's old value and the
				 * members told are those deleted, whatever the other
				 * zt-controller changed since the reading above. */
				json_decref(net);
				net = NULL;
				if (r == ZT_OK && (net = zt_ctl_load_net(a->ctl, nwid)) == NULL) {
					rollback(a);
					snprintf(msg, sizeof msg, "no network %016" PRIx64, nwid);
					reply_error(reply, 404, msg);
					return;
				}
				if (r == ZT_OK)
					cnt = zt_ctl_members(a->ctl, nwid, true, &list);
				snprintf(object, sizeof object, "network/%016" PRIx64, nwid);
				if (r == ZT_OK && (r = a->ctl->store->ops->net_delete(
				                       a->ctl->store, nwid)) != ZT_OK)
					rollback(a);
				if (r == ZT_OK)
					r = commit_audited(a, now, "delete", object, net, NULL);
				if (r != ZT_OK) {
					free(list);
					json_decref(net);
					reply_error(reply, 500, "the database refused the delete");
					return;
				}
				zt_ctl_forget_net(a->ctl, nwid);
				if (cnt > 0)
					zt_ctl_push_list(a->ctl, a->now(a->ctx), nwid, list,
					                 (size_t)cnt);
				free(list);
				changed(a);
			}
			zt_ctl_net_fill(net);
			reply_json(reply, 200, net);
		} else if (method(req, "POST")) {
			json_decref(net);
			network_post(a, req, nwid, false, reply);
		} else {
			json_decref(net);
			bad_method(reply, "GET, POST, PUT, DELETE");
		}
		return;
	}
	if (net == NULL) {
		snprintf(msg, sizeof msg, "no network %016" PRIx64, nwid);
		reply_error(reply, 404, msg);
		return;
	}
	json_decref(net);
	rest = slash + 1;
	if (strcmp(rest, "invite") == 0 || strncmp(rest, "invite/", 7) == 0) {
		zt_capi_invites(a, req, nwid, rest[6] == '/' ? rest + 7 : NULL, reply);
		return;
	}
	if (strcmp(rest, "member") == 0 || strcmp(rest, "member/") == 0) {
		json_t *o;
		if (!method(req, "GET")) {
			bad_method(reply, "GET");
			return;
		}
		/* Stored members and those only pending (asked, denied). */
		o = json_object();
		if (zt_ctl_member_revisions(a->ctl, nwid, a->now(a->ctx), list_members_each, o) !=
		    ZT_OK) {
			json_decref(o);
			reply_error(reply, 500, "the database could not be read");
			return;
		}
		reply_json(reply, 200, o);
		return;
	}
	if (strncmp(rest, "member/", 7) != 0) {
		reply_error(reply, 404, "no such API path: try .../member or .../member/<address>");
		return;
	}
	if (zt_address_parse(rest + 7, &addr) != ZT_OK || addr == 0) {
		shown(rest + 7, sh, sizeof sh);
		snprintf(msg, sizeof msg, "invalid member address '%s': expected 10 hex digits",
		         sh);
		reply_error(reply, 400, msg);
		return;
	}
	if (method(req, "POST")) {
		member_post(a, req, nwid, addr, reply);
	} else if (method(req, "GET") || method(req, "DELETE")) {
		json_t *m = zt_ctl_load_member(a->ctl, nwid, addr);
		if (m == NULL) {
			snprintf(msg, sizeof msg, "no member %010" PRIx64 " in network %016" PRIx64,
			         addr, nwid);
			reply_error(reply, 404, msg);
			return;
		}
		if (method(req, "DELETE")) {
			char object[64];
			int r = begin(a);
			snprintf(object, sizeof object, "network/%016" PRIx64 "/member/%010" PRIx64,
			         nwid, addr);
			if (r == ZT_OK && (r = zt_ctl_delete_member(a->ctl, nwid, addr)) != ZT_OK)
				rollback(a);
			if (r == ZT_OK)
				r = commit_audited(a, a->now(a->ctx), "delete", object, m, NULL);
			if (r != ZT_OK) {
				json_decref(m);
				reply_error(reply, 500, "the database refused the delete");
				return;
			}
			zt_ctl_changed(a->ctl, a->now(a->ctx), nwid, addr,
			               zt_ctl_bool(m, "authorized"));
			zt_ctl_names_changed(a->ctl, a->now(a->ctx), nwid, addr, m, NULL);
			changed(a);
		}
		zt_ctl_member_fill(m);
		member_versions(a, m);
		reply_json(reply, 200, m);
	} else {
		bad_method(reply, "GET, POST, PUT, DELETE");
	}
}

/* ?name=<decimal> in the query: 1 with *out, 0 if absent, -1 if not a
 * number in [1, max]. */
static int query_int(const struct zt_http_str *q, const char *name, int64_t max, int64_t *out)
{
	size_t nl = strlen(name), i = 0;

	while (i < q->len) {
		size_t end = i;
		while (end < q->len && q->p[end] != '&')
			end++;
		if (end - i > nl && memcmp(q->p + i, name, nl) == 0 && q->p[i + nl] == '=') {
			int64_t v = 0;
			size_t k = i + nl + 1;
			if (k == end || end - k > 18)
				return -1;
			for (; k < end; k++) {
				if (q->p[k] < '0' || q->p[k] > '9')
					return -1;
				v = v * 10 + (q->p[k] - '0');
			}
			if (v < 1 || v > max)
				return -1;
			*out = v;
			return 1;
		}
		i = end + 1;
	}
	return 0;
}

static json_t *json_or_null(const char *text)
{
	json_t *j = text != NULL ? json_loads(text, 0, NULL) : NULL;
	return j != NULL ? j : json_null();
}

struct audit_page {
	json_t *entries;
	int64_t last_id;
	unsigned n;
};

static int audit_each(void *ctx, const struct zt_store_audit *e)
{
	struct audit_page *p = ctx;
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:o}", "id", (json_int_t)e->id,
	                      "time", (json_int_t)e->time, "who", e->who ? e->who : "", "action",
	                      e->action ? e->action : "", "object", e->object ? e->object : "",
	                      "old", json_or_null(e->old_json), "new", json_or_null(e->new_json));

	if (o == NULL || json_array_append_new(p->entries, o) < 0)
		return -1;
	p->last_id = e->id;
	p->n++;
	return 0;
}

/* GET /controller/audit[?limit=N][&before=ID]: the newest changes first,
 * a page at a time; "next" is the before= of the next page (null: no
 * more). */
static void get_audit(struct zt_capi *a, const struct zt_http_request *req,
                      struct zt_httpd_reply *reply)
{
	struct audit_page p = {NULL, 0, 0};
	int64_t limit = ZT_CAPI_AUDIT_PAGE, before = 0;
	json_t *out;

	if (!method(req, "GET")) {
		bad_method(reply, "GET");
		return;
	}
	if (query_int(&req->query, "limit", ZT_CAPI_AUDIT_PAGE_MAX, &limit) < 0) {
		reply_error(reply, 400, "limit: expected a number 1-1000");
		return;
	}
	if (query_int(&req->query, "before", INT64_MAX, &before) < 0) {
		reply_error(reply, 400, "before: expected an entry id (a positive number)");
		return;
	}
	p.entries = json_array();
	if (p.entries == NULL ||
	    a->ctl->store->ops->audit_list(a->ctl->store, before, (unsigned)limit, audit_each,
	                                   &p) != ZT_OK) {
		json_decref(p.entries);
		reply_error(reply, 500, "the database could not be read");
		return;
	}
	out = json_pack("{s:o, s:o}", "entries", p.entries, "next",
	                p.n == (unsigned)limit && p.last_id > 1 ? json_integer(p.last_id)
	                                                        : json_null());
	reply_json(reply, out != NULL ? 200 : 500, out);
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
		unstable(a, req, path + 28, reply);
		return;
	}
	if ((strcmp(path, "/controller/network") == 0 ||
	     strcmp(path, "/controller/network/") == 0) &&
	    method(req, "POST")) {
		/* ZeroTier's newer form of <address>______: a random id. */
		uint64_t nwid;

		if (random_nwid(a, &nwid) < 0)
			reply_error(reply, 500, "no free network id found");
		else
			network_post(a, req, nwid, true, reply);
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
			json_t *arr = json_array();
			if (a->ctl->store->ops->net_list(a->ctl->store, list_nets_each, arr) !=
			    ZT_OK) {
				json_decref(arr);
				reply_error(reply, 500, "the database could not be read");
				return;
			}
			reply_json(reply, 200, arr);
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
		network_path(a, req, path + 20, reply);
		return;
	}
	if (strcmp(path, "/controller/audit") == 0) {
		get_audit(a, req, reply);
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
