/* SPDX-License-Identifier: MIT */
/*
 * capi_unstable.c - ZeroTier's /unstable lists in the admin API (see
 * capi.h): every network with its member counts, or every member of one,
 * as whole objects in one answer, which the web UIs list with.
 */
#include "controller/capi.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "controller/ctl_json.h"

#define ERR_MAX 512

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
	zt_capi_member_versions(l->a, m);
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
void zt_capi_unstable(struct zt_capi *a, const struct zt_http_request *req, const char *rest,
                      struct zt_httpd_reply *reply)
{
	char msg[ERR_MAX], sh[40];
	uint64_t nwid;
	json_t *net;

	if (!zt_capi_method(req, "GET")) {
		zt_capi_bad_method(reply, "GET");
		return;
	}
	if (rest[0] == '\0' || strcmp(rest, "/") == 0) {
		struct full_nets n = {a, json_array()};

		if (a->ctl->store->ops->net_list(a->ctl->store, full_nets_each, &n) != ZT_OK) {
			json_decref(n.data);
			zt_capi_reply_error(reply, 500, "the database could not be read");
			return;
		}
		zt_capi_reply_json(reply, 200,
		                   json_pack("{s:o, s:{s:I}}", "data", n.data, "meta",
		                             "networkCount", (json_int_t)json_array_size(n.data)));
		return;
	}
	if (rest[0] != '/' || strlen(rest) < 17 ||
	    (strcmp(rest + 17, "/member") != 0 && strcmp(rest + 17, "/member/") != 0)) {
		zt_capi_reply_error(reply, 404,
		                    "no such API path: try /unstable/controller/network or "
		                    "/unstable/controller/network/<nwid>/member");
		return;
	}
	memcpy(sh, rest + 1, 16);
	sh[16] = '\0';
	if (zt_nwid_parse(sh, &nwid) != 0 || (net = zt_ctl_load_net(a->ctl, nwid)) == NULL) {
		zt_capi_shown(sh, sh, sizeof sh);
		snprintf(msg, sizeof msg, "no network %s", sh);
		zt_capi_reply_error(reply, 404, msg);
		return;
	}
	json_decref(net);
	{
		struct full_list l = {json_array(), 0, 0, NULL};

		if (l.data == NULL || full_members(a, nwid, &l) < 0) {
			json_decref(l.data);
			zt_capi_reply_error(reply, 500, "the database could not be read");
			return;
		}
		zt_capi_reply_json(reply, 200,
		                   json_pack("{s:o, s:{s:I, s:I}}", "data", l.data, "meta",
		                             "totalCount", l.total, "authorizedCount",
		                             l.authorized));
	}
}
