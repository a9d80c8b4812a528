/* SPDX-License-Identifier: MIT */
/*
 * capi_invite.c - a network's invites in the admin API (see capi.h):
 * create (the token is answered once and stored hashed), list (the
 * hashes' hex is each invite's id; a token cannot be had from it) and
 * revoke.  Each change is audited, never with a token.
 */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "controller/capi.h"
#include "controller/ctl_json.h"
#include "controller/zimport.h"

#define ERR_MAX         512
#define INVITE_MAX_USES 1000000
#define INVITE_MAX_TTL  (366LL * 24 * 3600) /* seconds */
#define INVITE_LIST_MAX 200                 /* the newest of a network */

static void invite_post(struct zt_capi *a, const struct zt_http_request *req, uint64_t nwid,
                        struct zt_httpd_reply *reply)
{
	char err[ERR_MAX], hex[2 * ZT_ZIMPORT_TOKEN_LEN + 1], id[24];
	uint8_t token[ZT_ZIMPORT_TOKEN_LEN], rnd[ZT_CTL_TOKEN_LEN];
	size_t tlen = ZT_CTL_TOKEN_LEN;
	uint64_t resv = 0;
	int64_t now = a->now(a->ctx), uses = 1, ttl = 86400;
	json_t *body, *v;
	int r = zt_ctl_parse_body(req->body.p, req->body.len, &body, err, sizeof err);

	if (r < 0) {
		zt_capi_reply_error(reply, r == -ENOMEM ? 500 : r == -EFBIG ? 413 : 400, err);
		return;
	}
	if ((v = json_object_get(body, "uses")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > INVITE_MAX_USES) {
			json_decref(body);
			zt_capi_reply_error(reply, 400,
			                    "field 'uses': expected an integer 1-1000000");
			return;
		}
		uses = json_integer_value(v);
	}
	if ((v = json_object_get(body, "ttl")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > INVITE_MAX_TTL) {
			json_decref(body);
			zt_capi_reply_error(reply, 400,
			                    "field 'ttl': expected seconds, 1 to a year");
			return;
		}
		ttl = json_integer_value(v);
	}
	/* A claim invite for a member imported from ZeroTier (zimport.h). */
	if ((v = json_object_get(body, "reservation")) != NULL &&
	    (!json_is_string(v) || zt_address_parse(json_string_value(v), &resv) != ZT_OK)) {
		json_decref(body);
		zt_capi_reply_error(reply, 400, "field 'reservation': expected a member address");
		return;
	}
	json_decref(body);
	a->random(a->ctx, rnd, sizeof rnd);
	memcpy(token, rnd, sizeof rnd);
	/* The trail says an invite was made, for how many and how long;
	 * never its token. */
	snprintf(id, sizeof id, "%016" PRIx64, nwid);
	snprintf(err, sizeof err, "network/%s/invite", id);
	if (resv != 0)
		uses = 1; /* the claim takes the reservation */
	v = json_pack("{s:I, s:I}", "uses", (json_int_t)uses, "expires",
	              (json_int_t)(now + ttl * 1000));
	if (v != NULL && resv != 0)
		(void)json_object_set_new(v, "reservation", json_sprintf("%010" PRIx64, resv));
	if (v == NULL || zt_capi_begin(a) != ZT_OK) {
		json_decref(v);
		sodium_memzero(token, sizeof token);
		zt_capi_reply_error(reply, 500, "the database refused the write (see the log)");
		return;
	}
	if (resv != 0) {
		tlen = ZT_ZIMPORT_TOKEN_LEN;
		r = zt_zimport_invite(a->ctl->store, nwid, resv, rnd, now + ttl * 1000, now, token);
	} else {
		r = zt_ctl_invite_create(a->ctl, nwid, token, (unsigned)uses, now + ttl * 1000,
		                         now);
	}
	sodium_memzero(rnd, sizeof rnd);
	if (r != ZT_OK) {
		zt_capi_rollback(a);
		/* The network was there when the path was read; read again
		 * under the write lock, it may be gone (deleted at the same
		 * moment by the other zt-controller). */
		if (r == ZT_ENOTFOUND) {
			sodium_memzero(token, sizeof token);
			zt_capi_reply_error(reply, 404,
			                    resv != 0
			                        ? "no such reservation (claimed already?)"
			                        : "no such network (deleted at the same moment)");
			json_decref(v);
			return;
		}
		r = ZT_ECALLBACK;
	} else {
		r = zt_capi_commit_audited(a, now, "create", err, NULL, v);
	}
	json_decref(v);
	if (r != ZT_OK) {
		sodium_memzero(token, sizeof token);
		zt_capi_reply_error(reply, 500, "the database refused the write (see the log)");
		return;
	}
	zt_capi_changed(a);
	for (size_t i = 0; i < tlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", token[i]);
	sodium_memzero(token, sizeof token);
	zt_capi_reply_json(reply, 200,
	                   json_pack("{s:s, s:s, s:I, s:I}", "nwid", id, "token", hex, "uses",
	                             (json_int_t)uses, "expires", (json_int_t)(now + ttl * 1000)));
	sodium_memzero(hex, sizeof hex);
}

static int list_each(void *ctx, const struct zt_store_invite *inv)
{
	char id[65];
	json_t *o;

	sodium_bin2hex(id, sizeof id, inv->hash, sizeof inv->hash);
	o = json_pack("{s:s, s:I, s:I, s:I}", "id", id, "usesLeft", (json_int_t)inv->uses_left,
	              "expires", (json_int_t)inv->expires, "created", (json_int_t)inv->created);
	return o == NULL || json_array_append_new(ctx, o) < 0 ? -1 : 0;
}

static void invite_list(struct zt_capi *a, uint64_t nwid, struct zt_httpd_reply *reply)
{
	struct zt_store *st = a->ctl->store;
	json_t *arr = json_array();

	if (arr == NULL ||
	    st->ops->invite_list(st, nwid, INVITE_LIST_MAX, list_each, arr) != ZT_OK) {
		json_decref(arr);
		zt_capi_reply_error(reply, 500, "the database could not be read");
		return;
	}
	zt_capi_reply_json(reply, 200, arr);
}

static void invite_delete(struct zt_capi *a, uint64_t nwid, const char *id,
                          struct zt_httpd_reply *reply)
{
	struct zt_store *st = a->ctl->store;
	uint8_t hash[32];
	size_t n = 0;
	char object[64];
	json_t *old;
	int r;

	if (strlen(id) != 64 || sodium_hex2bin(hash, sizeof hash, id, 64, NULL, &n, NULL) != 0 ||
	    n != sizeof hash) {
		zt_capi_reply_error(reply, 400, "invalid invite id: expected 64 hex digits");
		return;
	}
	snprintf(object, sizeof object, "network/%016" PRIx64 "/invite", nwid);
	old = json_pack("{s:s}", "id", id);
	if (old == NULL || zt_capi_begin(a) != ZT_OK) {
		json_decref(old);
		zt_capi_reply_error(reply, 500, "the database refused the delete");
		return;
	}
	r = st->ops->invite_delete(st, hash, nwid);
	if (r != ZT_OK)
		zt_capi_rollback(a);
	else
		r = zt_capi_commit_audited(a, a->now(a->ctx), "delete", object, old, NULL);
	if (r == ZT_ENOTFOUND) {
		json_decref(old);
		zt_capi_reply_error(reply, 404, "no such invite in this network");
		return;
	}
	if (r != ZT_OK) {
		json_decref(old);
		zt_capi_reply_error(reply, 500, "the database refused the delete");
		return;
	}
	zt_capi_changed(a);
	zt_capi_reply_json(reply, 200, old);
}

void zt_capi_invites(struct zt_capi *a, const struct zt_http_request *req, uint64_t nwid,
                     const char *id, struct zt_httpd_reply *reply)
{
	if (id == NULL) {
		if (zt_capi_method(req, "POST"))
			invite_post(a, req, nwid, reply);
		else if (zt_capi_method(req, "GET"))
			invite_list(a, nwid, reply);
		else
			zt_capi_bad_method(reply, "GET, POST, PUT");
	} else if (zt_capi_method(req, "DELETE")) {
		invite_delete(a, nwid, id, reply);
	} else {
		zt_capi_bad_method(reply, "DELETE");
	}
}
