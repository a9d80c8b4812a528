/* SPDX-License-Identifier: MIT */
/*
 * capi_network.c - networks in the admin API (see capi.h): GET, POST
 * (create or update) and DELETE of /controller/network/<nwid>, a new
 * network with a random id, the list of ids, and a network's rulesSource
 * compiled into its rules (and, in each answer, into the names it gives
 * tags and capabilities).  The paths under a network go to their parts
 * (capi_member.c, capi_invite.c).
 */
#include "controller/capi.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ctl_json.h"
#include "controller/rulesc.h"
#include "osdep/apijson.h"

#define SEG_MAX 80
#define ERR_MAX 512

static int list_nets_each(void *ctx, const char *id, const char *json)
{
	(void)json;
	return json_array_append_new(ctx, json_string(id)) < 0;
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
 * the text.  0, or -1 when the reply is made; *names: the script's
 * tagsByName and capabilitiesByName for the answer (by_name), NULL when
 * the request has no script.
 */
static int rules_source(json_t *body, json_t **names, struct zt_httpd_reply *reply)
{
	const json_t *v = json_object_get(body, "rulesSource");
	struct zt_rulesc_error e;
	char msg[ERR_MAX];
	json_t *out, *j;
	int r;

	/* Not a string: zt_ctl_net_update refuses it. */
	if (!json_is_string(v) || json_string_length(v) == 0)
		return 0;
	r = zt_rulesc_compile_named(json_string_value(v), json_string_length(v), &out, names, &e);
	if (r < 0) {
		int status = r == -ENOMEM ? 500 : r == -EFBIG ? 413 : 400;

		snprintf(msg, sizeof msg, "field 'rulesSource': line %u column %u: %s", e.line,
		         e.column, e.msg);
		j = zt_apijson_error(status, e.line > 0 ? msg : e.msg);
		if (j != NULL && e.line > 0) {
			json_object_set_new(j, "line", json_integer(e.line));
			json_object_set_new(j, "column", json_integer(e.column));
		}
		zt_capi_reply_json(reply, status, j);
		return -1;
	}
	r = json_object_update(body, out);
	json_decref(out);
	if (r < 0) {
		json_decref(*names);
		*names = NULL;
		zt_capi_reply_error(reply, 500, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * The names a network's rulesSource gives its tags and capabilities, as
 * ZeroTier Central shows them: "tagsByName" and "capabilitiesByName",
 * compiled again from the script at each answer rather than stored, so
 * that they are never out of step with it (and a POST that sends them
 * changes nothing: they are not fields of the stored network).  Empty
 * objects when there is no script, or when a stored one no longer
 * compiles (a network imported from ZeroTier with a script this compiler
 * refuses keeps its rules, and shows no names).  names: what a POST's
 * script compiled to (rules_source), which is the stored script now;
 * NULL: compile the stored one.
 */
static void by_name(json_t *net, json_t *names)
{
	const json_t *v = json_object_get(net, "rulesSource");
	struct zt_rulesc_error e;
	json_t *out = NULL, *compiled = NULL;

	if (names == NULL && json_string_length(v) > 0 &&
	    zt_rulesc_compile_named(json_string_value(v), json_string_length(v), &out, &compiled,
	                            &e) == 0)
		names = compiled;
	if (names == NULL || json_object_update(net, names) < 0) {
		json_object_set_new(net, "tagsByName", json_object());
		json_object_set_new(net, "capabilitiesByName", json_object());
	}
	json_decref(out);
	json_decref(compiled);
}

/* fresh: nwid was picked by random_nwid, a network that must not exist. */
static void network_post(struct zt_capi *a, const struct zt_http_request *req, uint64_t nwid,
                         bool fresh, struct zt_httpd_reply *reply)
{
	char err[ERR_MAX], msg[ERR_MAX + 64], object[40];
	int64_t now = a->now(a->ctx);
	json_t *body, *net, *old = NULL, *names = NULL;
	bool existed;
	int r = zt_ctl_parse_body(req->body.p, req->body.len, &body, err, sizeof err);

	if (r < 0) {
		zt_capi_reply_error(reply, r == -ENOMEM ? 500 : r == -EFBIG ? 413 : 400, err);
		return;
	}
	if (rules_source(body, &names, reply) < 0) {
		json_decref(body);
		return;
	}
	/* Read, changed and written in one transaction, under the store's
	 * write lock, as a member POST is: another zt-controller on the same
	 * PostgreSQL may be changing this network at this moment (one admin
	 * renames it, another adds a route), and a network read before the
	 * lock would be written back without the other's change. */
	if (zt_capi_begin(a) != ZT_OK) {
		json_decref(body);
		json_decref(names);
		zt_capi_reply_error(reply, 500, "the database refused the write (see the log)");
		return;
	}
	net = zt_ctl_load_net(a->ctl, nwid);
	existed = net != NULL;
	if (existed && fresh) {
		/* Taken since random_nwid looked, by the other controller. */
		zt_capi_rollback(a);
		json_decref(body);
		json_decref(names);
		json_decref(net);
		zt_capi_reply_error(reply, 409,
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
		zt_capi_rollback(a);
		json_decref(body);
		json_decref(names);
		json_decref(net);
		json_decref(old);
		zt_capi_reply_error(reply, 500, "out of memory");
		return;
	}
	snprintf(object, sizeof object, "network/%016" PRIx64, nwid);
	if (zt_ctl_net_update(net, body, err, sizeof err) < 0) {
		zt_capi_rollback(a);
		/* Say so when the rules at fault came from the script. */
		if (json_string_length(json_object_get(body, "rulesSource")) > 0 &&
		    (strncmp(err, "field 'rules", 12) == 0 ||
		     strncmp(err, "field 'capabilities", 19) == 0 ||
		     strncmp(err, "field 'tags", 11) == 0))
			snprintf(msg, sizeof msg, "field 'rulesSource' compiles, but: %s", err);
		else
			snprintf(msg, sizeof msg, "%s", err);
		zt_capi_reply_error(reply, 400, msg);
	} else if (zt_ctl_save_net(a->ctl, nwid, net) != ZT_OK) {
		zt_capi_rollback(a);
		zt_capi_reply_error(reply, 500, "the database refused the write (see the log)");
	} else if (zt_capi_commit_audited(a, now, existed ? "update" : "create", object, old,
	                                  net) != ZT_OK) {
		zt_capi_reply_error(reply, 500, "the database refused the write (see the log)");
	} else {
		zt_ctl_changed(a->ctl, now, nwid, 0, false);
		zt_capi_changed(a);
		by_name(net, names);
		zt_capi_reply_json(reply, 200, json_incref(net));
	}
	json_decref(names);
	json_decref(body);
	json_decref(net);
	json_decref(old);
}

void zt_capi_network_create(struct zt_capi *a, const struct zt_http_request *req,
                            struct zt_httpd_reply *reply)
{
	uint64_t nwid;

	if (random_nwid(a, &nwid) < 0)
		zt_capi_reply_error(reply, 500, "no free network id found");
	else
		network_post(a, req, nwid, true, reply);
}

void zt_capi_network_list(struct zt_capi *a, struct zt_httpd_reply *reply)
{
	json_t *arr = json_array();

	if (a->ctl->store->ops->net_list(a->ctl->store, list_nets_each, arr) != ZT_OK) {
		json_decref(arr);
		zt_capi_reply_error(reply, 500, "the database could not be read");
		return;
	}
	zt_capi_reply_json(reply, 200, arr);
}

/* /controller/network/<nwid>[/member[/<addr>]|/invite] */
void zt_capi_network(struct zt_capi *a, const struct zt_http_request *req, const char *rest,
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
			zt_capi_shown(seg, sh, sizeof sh);
			snprintf(msg, sizeof msg,
			         "'%s': the first 10 digits must be this controller's address "
			         "%010" PRIx64,
			         sh, a->ctl->address);
			zt_capi_reply_error(reply, 400, msg);
			return;
		}
		if (!zt_capi_method(req, "POST")) {
			zt_capi_bad_method(reply, "POST, PUT");
			return;
		}
		zt_capi_network_create(a, req, reply);
		return;
	}
	if (zt_nwid_parse(seg, &nwid) != ZT_OK) {
		zt_capi_shown(seg, sh, sizeof sh);
		snprintf(msg, sizeof msg, "invalid network id '%s': expected 16 hex digits", sh);
		zt_capi_reply_error(reply, 400, msg);
		return;
	}
	if (zt_nwid_controller(nwid) != a->ctl->address) {
		snprintf(msg, sizeof msg,
		         "network %016" PRIx64 " does not belong to this controller (%010" PRIx64
		         "): its first 10 digits must be the controller's address",
		         nwid, a->ctl->address);
		zt_capi_reply_error(
		    reply, zt_capi_method(req, "GET") || zt_capi_method(req, "DELETE") ? 404 : 400,
		    msg);
		return;
	}
	net = zt_ctl_load_net(a->ctl, nwid);
	if (slash == NULL) {
		if (zt_capi_method(req, "GET") || zt_capi_method(req, "DELETE")) {
			if (net == NULL) {
				snprintf(msg, sizeof msg, "no network %016" PRIx64, nwid);
				zt_capi_reply_error(reply, 404, msg);
				return;
			}
			if (zt_capi_method(req, "DELETE")) {
				uint64_t *list = NULL;
				int cnt = 0;
				int64_t now = a->now(a->ctx);
				char object[40];
				int r = zt_capi_begin(a);
				/* The network and its members are read again under
				 * the write lock: the trail's old value and the
				 * members told are those deleted, whatever the other
				 * zt-controller changed since the reading above. */
				json_decref(net);
				net = NULL;
				if (r == ZT_OK && (net = zt_ctl_load_net(a->ctl, nwid)) == NULL) {
					zt_capi_rollback(a);
					snprintf(msg, sizeof msg, "no network %016" PRIx64, nwid);
					zt_capi_reply_error(reply, 404, msg);
					return;
				}
				if (r == ZT_OK)
					cnt = zt_ctl_members(a->ctl, nwid, true, &list);
				snprintf(object, sizeof object, "network/%016" PRIx64, nwid);
				if (r == ZT_OK && (r = a->ctl->store->ops->net_delete(
				                       a->ctl->store, nwid)) != ZT_OK)
					zt_capi_rollback(a);
				if (r == ZT_OK)
					r = zt_capi_commit_audited(a, now, "delete", object, net,
					                           NULL);
				if (r != ZT_OK) {
					free(list);
					json_decref(net);
					zt_capi_reply_error(reply, 500,
					                    "the database refused the delete");
					return;
				}
				zt_ctl_forget_net(a->ctl, nwid);
				if (cnt > 0)
					zt_ctl_push_list(a->ctl, a->now(a->ctx), nwid, list,
					                 (size_t)cnt);
				free(list);
				zt_capi_changed(a);
			}
			zt_ctl_net_fill(net);
			by_name(net, NULL);
			zt_capi_reply_json(reply, 200, net);
		} else if (zt_capi_method(req, "POST")) {
			json_decref(net);
			network_post(a, req, nwid, false, reply);
		} else {
			json_decref(net);
			zt_capi_bad_method(reply, "GET, POST, PUT, DELETE");
		}
		return;
	}
	if (net == NULL) {
		snprintf(msg, sizeof msg, "no network %016" PRIx64, nwid);
		zt_capi_reply_error(reply, 404, msg);
		return;
	}
	json_decref(net);
	rest = slash + 1;
	if (strcmp(rest, "invite") == 0 || strncmp(rest, "invite/", 7) == 0) {
		zt_capi_invites(a, req, nwid, rest[6] == '/' ? rest + 7 : NULL, reply);
		return;
	}
	zt_capi_members(a, req, nwid, rest, reply);
}
