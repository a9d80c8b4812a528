/* SPDX-License-Identifier: MIT */
/*
 * capi_user.c - the web UI's administrators in the admin API (see
 * capi.h): POST /controller/user/<name> {"passwordHash": "..."} creates
 * one or sets a new password, DELETE removes one.  The hash is made by
 * `zt-controller adduser` (crypto_pwhash_str), so the password never
 * reaches the controller and the event loop does no memory-hard work for
 * it; the controller checks that the hash is one crypto_pwhash_str_verify
 * takes.  The audit trail records the name, never the hash.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "controller/capi.h"
#include "controller/ctl_json.h"

#define ERR_MAX  512
#define HASH_MAX 256 /* crypto_pwhash_STRBYTES is 128 */

bool zt_capi_user_name_ok(const char *name)
{
	size_t n = strlen(name);

	/* "admin" is the API token's name in the audit trail. */
	if (n == 0 || n > ZT_STORE_USER_MAX || name[0] == '.' || name[0] == '-' ||
	    strcmp(name, "admin") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* A hash this libsodium verifies: Argon2id or Argon2i in the text form,
 * printable, no longer than HASH_MAX.  needs_rehash answers -1 for a
 * string that is not a valid hash of its algorithms. */
static bool hash_ok(const char *h)
{
	size_t n = strlen(h);

	if (n == 0 || n >= HASH_MAX ||
	    (strncmp(h, "$argon2id$", 10) != 0 && strncmp(h, "$argon2i$", 9) != 0))
		return false;
	for (size_t i = 0; i < n; i++)
		if (h[i] <= ' ' || h[i] > '~')
			return false;
	return crypto_pwhash_str_needs_rehash(h, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                                      crypto_pwhash_MEMLIMIT_INTERACTIVE) >= 0;
}

static void user_post(struct zt_capi *a, const struct zt_http_request *req, const char *name,
                      const char *object, struct zt_httpd_reply *reply)
{
	struct zt_store *st = a->ctl->store;
	char err[ERR_MAX], *old_hash = NULL;
	json_t *body, *info = NULL;
	const char *h;
	bool existed;
	int r = zt_ctl_parse_body(req->body.p, req->body.len, &body, err, sizeof err);

	if (r < 0) {
		zt_capi_reply_error(reply, r == -ENOMEM ? 500 : r == -EFBIG ? 413 : 400, err);
		return;
	}
	h = json_string_value(json_object_get(body, "passwordHash"));
	if (h == NULL || !hash_ok(h)) {
		zt_capi_reply_error(reply, 400,
		                    "field 'passwordHash': expected a crypto_pwhash_str hash "
		                    "($argon2id$...; zt-controller adduser makes one)");
		goto out;
	}
	r = st->ops->user_get(st, name, &old_hash);
	existed = r == ZT_OK;
	free(old_hash);
	info = json_pack("{s:s}", "name", name);
	if ((r != ZT_OK && r != ZT_ENOTFOUND) || info == NULL || zt_capi_begin(a) != ZT_OK) {
		zt_capi_reply_error(reply, 500, "the database refused the write (see the log)");
		goto out;
	}
	if (st->ops->user_put(st, name, h, a->now(a->ctx)) != ZT_OK) {
		zt_capi_rollback(a);
		r = ZT_ECALLBACK;
	} else {
		/* A new password is an update: the old one is not shown. */
		r = zt_capi_commit_audited(a, a->now(a->ctx), existed ? "update" : "create", object,
		                           existed ? info : NULL, info);
	}
	if (r != ZT_OK) {
		zt_capi_reply_error(reply, 500, "the database refused the write (see the log)");
		goto out;
	}
	zt_capi_reply_json(reply, 200, json_pack("{s:s, s:b}", "name", name, "created", !existed));
out:
	json_decref(info);
	json_decref(body);
}

static void user_delete(struct zt_capi *a, const char *name, const char *object,
                        struct zt_httpd_reply *reply)
{
	struct zt_store *st = a->ctl->store;
	json_t *info = json_pack("{s:s}", "name", name);
	int r;

	if (info == NULL || zt_capi_begin(a) != ZT_OK) {
		json_decref(info);
		zt_capi_reply_error(reply, 500, "the database refused the delete");
		return;
	}
	r = st->ops->user_delete(st, name);
	if (r != ZT_OK)
		zt_capi_rollback(a);
	else
		r = zt_capi_commit_audited(a, a->now(a->ctx), "delete", object, info, NULL);
	if (r == ZT_ENOTFOUND)
		zt_capi_reply_error(reply, 404, "no such user");
	else if (r != ZT_OK)
		zt_capi_reply_error(reply, 500, "the database refused the delete");
	else
		zt_capi_reply_json(reply, 200, json_incref(info));
	json_decref(info);
}

void zt_capi_user(struct zt_capi *a, const struct zt_http_request *req, const char *name,
                  struct zt_httpd_reply *reply)
{
	char object[16 + ZT_STORE_USER_MAX];

	if (!zt_capi_user_name_ok(name)) {
		zt_capi_reply_error(reply, 400,
		                    "invalid user name: 1-64 letters, digits, '.', '_' or '-', "
		                    "not starting with '.' or '-', and not 'admin' (the API "
		                    "token's name in the audit trail)");
		return;
	}
	snprintf(object, sizeof object, "user/%s", name);
	if (zt_capi_method(req, "POST"))
		user_post(a, req, name, object, reply);
	else if (zt_capi_method(req, "DELETE"))
		user_delete(a, name, object, reply);
	else
		zt_capi_bad_method(reply, "POST, PUT, DELETE");
}
