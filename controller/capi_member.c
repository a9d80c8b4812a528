/* SPDX-License-Identifier: MIT */
/*
 * capi_member.c - a network's members in the admin API (see capi.h): the
 * list of their revisions, and GET, POST (create or update) and DELETE of
 * .../member/<address>, each change told to the members it concerns.
 */
#include "controller/capi.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "controller/ctl_json.h"
#include "controller/zimport.h"

#define ERR_MAX 512

static int list_members_each(void *ctx, uint64_t address, int64_t revision)
{
	char id[16];

	snprintf(id, sizeof id, "%010" PRIx64, address);
	return json_object_set_new(ctx, id, json_integer(revision)) < 0 ? -ENOMEM : 0;
}

/* A member's software version, as its node told ours (VERSION, see
 * doc/PROTOCOL.md): ZeroTier's controller shows the version of the last
 * request; ours is the connected peer's, and -1 while it is not one. */
void zt_capi_member_versions(struct zt_capi *a, json_t *m)
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

static void member_post(struct zt_capi *a, const struct zt_http_request *req, uint64_t nwid,
                        uint64_t addr, struct zt_httpd_reply *reply)
{
	char err[ERR_MAX], object[64];
	int64_t now = a->now(a->ctx);
	json_t *body, *m, *old = NULL;
	bool was, was_bridge, existed;
	int r = zt_ctl_parse_body(req->body.p, req->body.len, &body, err, sizeof err);

	if (r < 0) {
		zt_capi_reply_error(reply, r == -ENOMEM ? 500 : r == -EFBIG ? 413 : 400, err);
		return;
	}
	/* Read, changed and written in one transaction, under the store's
	 * write lock: another zt-controller on the same PostgreSQL may be
	 * storing this member's first config (its key, lastSeen, a pool
	 * address) at this moment, and a member read before the lock would
	 * be written back without it.  The address is picked under the same
	 * lock: nobody can pick the same one at the same moment. */
	if (zt_capi_begin(a) != ZT_OK) {
		json_decref(body);
		zt_capi_reply_error(reply, 500, "the database refused the write (see the log)");
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
		zt_capi_rollback(a);
		json_decref(body);
		json_decref(m);
		json_decref(old);
		zt_capi_reply_error(reply, 500, "out of memory");
		return;
	}
	snprintf(object, sizeof object, "network/%016" PRIx64 "/member/%010" PRIx64, nwid, addr);
	was = zt_ctl_bool(m, "authorized");
	was_bridge = was && zt_ctl_bool(m, "activeBridge");
	if (zt_ctl_member_update(m, body, now, err, sizeof err) < 0) {
		zt_capi_rollback(a);
		zt_capi_reply_error(reply, 400, err);
		goto out;
	}
	/* Authorized, a reservation would be listed (as a bridge, say) as a
	 * member that no node can be: it is claimed with its invite. */
	if (zt_zimport_is_reservation(m) && zt_ctl_bool(m, "authorized")) {
		zt_capi_rollback(a);
		zt_capi_reply_error(
		    reply, 400,
		    "field 'authorized': a reservation of a member imported from ZeroTier "
		    "is not authorized but claimed with its invite (zt-controller invite "
		    "-m ADDRESS NWID)");
		goto out;
	}
	zt_ctl_assign(a->ctl, nwid, addr, m, now);
	if (zt_ctl_save_member(a->ctl, nwid, addr, m) != ZT_OK) {
		zt_capi_rollback(a);
		zt_capi_reply_error(reply, 500, "the database refused the write (see the log)");
	} else if (zt_capi_commit_audited(a, now, existed ? "update" : "create", object, old, m) !=
	           ZT_OK) {
		zt_capi_reply_error(reply, 500, "the database refused the write (see the log)");
	} else {
		zt_ctl_changed(a->ctl, now, nwid, addr, was && !zt_ctl_bool(m, "authorized"));
		/* Every member's config lists the bridges: a new or former
		 * bridge concerns them all. */
		if (was_bridge != (zt_ctl_bool(m, "authorized") && zt_ctl_bool(m, "activeBridge")))
			zt_ctl_changed(a->ctl, now, nwid, 0, false);
		/* Every member's config lists the names too. */
		zt_ctl_names_changed(a->ctl, now, nwid, addr, old, m);
		zt_capi_changed(a);
		zt_capi_member_versions(a, m); /* the answer's, not the stored record's */
		zt_capi_reply_json(reply, 200, json_incref(m));
	}
out:
	json_decref(body);
	json_decref(m);
	json_decref(old);
}

/* .../member and .../member/<addr> (rest, after the network's "<nwid>/"). */
void zt_capi_members(struct zt_capi *a, const struct zt_http_request *req, uint64_t nwid,
                     const char *rest, struct zt_httpd_reply *reply)
{
	char msg[ERR_MAX], sh[40];
	uint64_t addr;

	if (strcmp(rest, "member") == 0 || strcmp(rest, "member/") == 0) {
		json_t *o;
		if (!zt_capi_method(req, "GET")) {
			zt_capi_bad_method(reply, "GET");
			return;
		}
		/* Stored members and those only pending (asked, denied). */
		o = json_object();
		if (zt_ctl_member_revisions(a->ctl, nwid, a->now(a->ctx), list_members_each, o) !=
		    ZT_OK) {
			json_decref(o);
			zt_capi_reply_error(reply, 500, "the database could not be read");
			return;
		}
		zt_capi_reply_json(reply, 200, o);
		return;
	}
	if (strncmp(rest, "member/", 7) != 0) {
		zt_capi_reply_error(reply, 404,
		                    "no such API path: try .../member or .../member/<address>");
		return;
	}
	if (zt_address_parse(rest + 7, &addr) != ZT_OK || addr == 0) {
		zt_capi_shown(rest + 7, sh, sizeof sh);
		snprintf(msg, sizeof msg, "invalid member address '%s': expected 10 hex digits",
		         sh);
		zt_capi_reply_error(reply, 400, msg);
		return;
	}
	if (zt_capi_method(req, "POST")) {
		member_post(a, req, nwid, addr, reply);
	} else if (zt_capi_method(req, "GET") || zt_capi_method(req, "DELETE")) {
		json_t *m = zt_ctl_load_member(a->ctl, nwid, addr);
		if (m == NULL) {
			snprintf(msg, sizeof msg, "no member %010" PRIx64 " in network %016" PRIx64,
			         addr, nwid);
			zt_capi_reply_error(reply, 404, msg);
			return;
		}
		if (zt_capi_method(req, "DELETE")) {
			char object[64];
			int r = zt_capi_begin(a);
			snprintf(object, sizeof object, "network/%016" PRIx64 "/member/%010" PRIx64,
			         nwid, addr);
			if (r == ZT_OK && (r = zt_ctl_delete_member(a->ctl, nwid, addr)) != ZT_OK)
				zt_capi_rollback(a);
			if (r == ZT_OK)
				r = zt_capi_commit_audited(a, a->now(a->ctx), "delete", object, m,
				                           NULL);
			if (r != ZT_OK) {
				json_decref(m);
				zt_capi_reply_error(reply, 500, "the database refused the delete");
				return;
			}
			zt_ctl_changed(a->ctl, a->now(a->ctx), nwid, addr,
			               zt_ctl_bool(m, "authorized"));
			zt_ctl_names_changed(a->ctl, a->now(a->ctx), nwid, addr, m, NULL);
			zt_capi_changed(a);
		}
		zt_ctl_member_fill(m);
		zt_capi_member_versions(a, m);
		zt_capi_reply_json(reply, 200, m);
	} else {
		zt_capi_bad_method(reply, "GET, POST, PUT, DELETE");
	}
}
