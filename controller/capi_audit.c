/* SPDX-License-Identifier: MIT */
/*
 * capi_audit.c - the audit trail in the admin API (see capi.h): GET
 * /controller/audit, a page of entries at a time, newest first.  The
 * entries are written with each change (zt_capi_commit_audited, capi.c).
 */
#include "controller/capi.h"

#include <stdint.h>
#include <string.h>

/* ?name=<decimal> in the query: 1 with *out, 0 if absent, -1 if not a
 * number in [1, max]. */
static int query_int(const struct zt_http_str *q, const char *name, int64_t max, int64_t *out)
{
	struct zt_http_str v;
	int64_t n = 0;

	if (!zt_http_query_param(q, name, &v))
		return 0;
	if (v.len == 0 || v.len > 18)
		return -1;
	for (size_t k = 0; k < v.len; k++) {
		if (v.p[k] < '0' || v.p[k] > '9')
			return -1;
		n = n * 10 + (v.p[k] - '0');
	}
	if (n < 1 || n > max)
		return -1;
	*out = n;
	return 1;
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
void zt_capi_audit(struct zt_capi *a, const struct zt_http_request *req,
                   struct zt_httpd_reply *reply)
{
	struct audit_page p = {NULL, 0, 0};
	int64_t limit = ZT_CAPI_AUDIT_PAGE, before = 0;
	json_t *out;

	if (!zt_capi_method(req, "GET")) {
		zt_capi_bad_method(reply, "GET");
		return;
	}
	if (query_int(&req->query, "limit", ZT_CAPI_AUDIT_PAGE_MAX, &limit) < 0) {
		zt_capi_reply_error(reply, 400, "limit: expected a number 1-1000");
		return;
	}
	if (query_int(&req->query, "before", INT64_MAX, &before) < 0) {
		zt_capi_reply_error(reply, 400, "before: expected an entry id (a positive number)");
		return;
	}
	p.entries = json_array();
	if (p.entries == NULL ||
	    a->ctl->store->ops->audit_list(a->ctl->store, before, (unsigned)limit, audit_each,
	                                   &p) != ZT_OK) {
		json_decref(p.entries);
		zt_capi_reply_error(reply, 500, "the database could not be read");
		return;
	}
	out = json_pack("{s:o, s:o}", "entries", p.entries, "next",
	                p.n == (unsigned)limit && p.last_id > 1 ? json_integer(p.last_id)
	                                                        : json_null());
	zt_capi_reply_json(reply, out != NULL ? 200 : 500, out);
}
