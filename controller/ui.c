/* SPDX-License-Identifier: MIT */
/*
 * ui.c - the web UI's server side (see ui.h).
 *
 * Why the admin API's own HTTP server (osdep/httpd.c) and not a library
 * such as libmicrohttpd: the controller is one event loop without
 * threads, so that a member's config request and an admin's write never
 * overlap (ctld.c); httpd.c is that loop's, bounded in connections, size
 * and time, and fuzzed (fuzz_http).  libmicrohttpd would bring its own
 * threads or its own select loop, and locks around the store.  What the
 * UI adds to parse is small and fuzzed here (fuzz_ui): one cookie, a
 * percent-encoded search word, and JSON bodies that jansson reads.
 */
#include "controller/ui.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "controller/ctl_json.h"
#include "controller/ui_assets.h"
#include "controller/zimport.h"

#define SECURITY_HEADERS                                                                           \
	"Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "       \
	"connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; "            \
	"form-action 'none'\r\n"                                                                   \
	"X-Frame-Options: DENY\r\n"                                                                \
	"X-Content-Type-Options: nosniff\r\n"                                                      \
	"Referrer-Policy: no-referrer\r\n"                                                         \
	"Cross-Origin-Opener-Policy: same-origin\r\n"

#define PASSWORD_MAX 1024
#define QUERY_MAX    64

int zt_ui_init(struct zt_ui *ui, struct zt_capi *api, const struct zt_roots *roots,
               bool secure_cookie)
{
	uint8_t pw[16];

	memset(ui, 0, sizeof *ui);
	ui->api = api;
	ui->secure_cookie = secure_cookie;
	zt_uisess_init(&ui->sess);
	for (unsigned i = 0; roots != NULL && i < roots->count && i < ZT_MAX_ROOTS; i++) {
		struct zt_invite *inv = &ui->roots;

		if (roots->roots[i].endpoint_count == 0)
			continue;
		inv->roots[inv->root_count].address = roots->roots[i].id.address;
		memcpy(inv->roots[inv->root_count].pk, roots->roots[i].id.pk, 32);
		inv->roots[inv->root_count].endpoint = roots->roots[i].endpoints[0];
		inv->root_count++;
	}
	/* A name nobody has is checked against this hash of a random
	 * password: a wrong name takes as long as a wrong password. */
	api->random(api->ctx, pw, sizeof pw);
	if (crypto_pwhash_str(ui->dummy_hash, (const char *)pw, sizeof pw,
	                      crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return ZT_ENOMEM;
	return ZT_OK;
}

void zt_ui_cleanup(struct zt_ui *ui)
{
	zt_uisess_wipe(&ui->sess);
}

/* Replies: every one with the security headers (and extra, static or in
 * ui->headers). */
static void reply_raw(struct zt_ui *ui, struct zt_httpd_reply *reply, int status, const char *type,
                      char *body, size_t len, const char *extra)
{
	snprintf(ui->headers, sizeof ui->headers, "%s%s", SECURITY_HEADERS, extra ? extra : "");
	reply->status = status;
	reply->body = body;
	reply->body_len = len;
	reply->content_type = type;
	reply->extra_headers = ui->headers;
}

static void reply_json(struct zt_ui *ui, struct zt_httpd_reply *reply, int status, json_t *j,
                       const char *extra)
{
	char *t = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	json_decref(j);
	if (t == NULL) {
		status = 500;
		t = strdup("{\"error\":500,\"description\":\"out of memory\"}");
	}
	reply_raw(ui, reply, status, NULL, t, t ? strlen(t) : 0, extra);
}

static void reply_error(struct zt_ui *ui, struct zt_httpd_reply *reply, int status, const char *msg,
                        const char *extra)
{
	reply_json(ui, reply, status, json_pack("{s:i, s:s}", "error", status, "description", msg),
	           extra);
}

static bool is_method(const struct zt_http_request *req, const char *m)
{
	return zt_http_str_eq(&req->method, m);
}

static bool path_is(const struct zt_http_request *req, const char *p)
{
	return zt_http_str_eq(&req->path, p);
}

/* The path after prefix as a C string into out; false if it does not
 * start with prefix or is too long. */
static bool path_rest(const struct zt_http_request *req, const char *prefix, char *out, size_t cap)
{
	size_t n = strlen(prefix);

	if (req->path.len < n || memcmp(req->path.p, prefix, n) != 0 || req->path.len - n >= cap ||
	    memchr(req->path.p, '\0', req->path.len) != NULL)
		return false;
	memcpy(out, req->path.p + n, req->path.len - n);
	out[req->path.len - n] = '\0';
	return true;
}

static void asset(struct zt_ui *ui, const struct zt_http_request *req, struct zt_httpd_reply *reply)
{
	for (const struct zt_ui_asset *a = zt_ui_assets; a->path != NULL; a++) {
		char *body;

		if (!path_is(req, a->path) &&
		    !(strcmp(a->path, "/") == 0 && path_is(req, "/index.html")))
			continue;
		if (!is_method(req, "GET")) {
			reply_error(ui, reply, 405, "method not allowed", "Allow: GET\r\n");
			return;
		}
		body = malloc(a->len ? a->len : 1);
		if (body == NULL) {
			reply_error(ui, reply, 500, "out of memory", NULL);
			return;
		}
		memcpy(body, a->data, a->len);
		reply_raw(ui, reply, 200, a->type, body, a->len, NULL);
		return;
	}
	reply_error(ui, reply, 404, "not found", NULL);
}

/* ---- sign-in ---- */

static struct zt_uisess_entry *session(struct zt_ui *ui, const struct zt_http_request *req)
{
	const struct zt_http_str *c = zt_http_header(req, "Cookie");
	const char *v;
	size_t n;

	if (c == NULL || !zt_uisess_cookie(c->p, c->len, ZT_UISESS_COOKIE, &v, &n))
		return NULL;
	return zt_uisess_find(&ui->sess, ui->api->now(ui->api->ctx), v, n);
}

static void pw_tag(const char *hash, uint8_t tag[16])
{
	crypto_generichash(tag, 16, (const unsigned char *)hash, strlen(hash), NULL, 0);
}

static void signin(struct zt_ui *ui, const struct zt_http_request *req,
                   struct zt_httpd_reply *reply)
{
	struct zt_store *st = ui->api->ctl->store;
	int64_t now = ui->api->now(ui->api->ctx), wait;
	char err[256], *hash = NULL, extra[96 + ZT_UISESS_TOKEN_HEX];
	char token[ZT_UISESS_TOKEN_HEX + 1], csrf[ZT_UISESS_TOKEN_HEX + 1];
	uint8_t rnd[2 * ZT_UISESS_TOKEN_LEN];
	const char *name, *pw;
	struct zt_uisess_entry *e;
	json_t *body = NULL;
	bool ok;
	int r;

	if (!is_method(req, "POST")) {
		reply_error(ui, reply, 405, "method not allowed", "Allow: POST\r\n");
		return;
	}
	if (zt_ctl_parse_body(req->body.p, req->body.len, &body, err, sizeof err) < 0) {
		reply_error(ui, reply, 400, err, NULL);
		return;
	}
	name = json_string_value(json_object_get(body, "name"));
	pw = json_string_value(json_object_get(body, "password"));
	if (name == NULL || pw == NULL ||
	    json_string_length(json_object_get(body, "password")) > PASSWORD_MAX) {
		reply_error(ui, reply, 400, "expected {\"name\": ..., \"password\": ...}", NULL);
		goto out;
	}
	wait = zt_uisess_signin_wait(&ui->sess, now, req->peer);
	if (wait > 0) {
		snprintf(err, sizeof err, "too many failed sign-ins: try again in %" PRId64 " s",
		         (wait + 999) / 1000);
		snprintf(extra, sizeof extra, "Retry-After: %" PRId64 "\r\n", (wait + 999) / 1000);
		reply_error(ui, reply, 429, err, extra);
		goto out;
	}
	r = zt_capi_user_name_ok(name) ? st->ops->user_get(st, name, &hash) : ZT_ENOTFOUND;
	if (r != ZT_OK && r != ZT_ENOTFOUND) {
		reply_error(ui, reply, 500, "the database could not be read", NULL);
		goto out;
	}
	/* The same work for an unknown name as for a wrong password. */
	ok = crypto_pwhash_str_verify(r == ZT_OK ? hash : ui->dummy_hash, pw, strlen(pw)) == 0 &&
	     r == ZT_OK;
	/* The wait counts from the answer: a check takes a while. */
	now = ui->api->now(ui->api->ctx);
	zt_uisess_signin_result(&ui->sess, now, req->peer, ok);
	if (!ok) {
		reply_error(ui, reply, 401, "wrong name or password", NULL);
		goto out;
	}
	ui->api->random(ui->api->ctx, rnd, sizeof rnd);
	e = zt_uisess_create(&ui->sess, now, name, rnd, token, csrf);
	pw_tag(hash, e->pw_tag);
	snprintf(extra, sizeof extra,
	         "Set-Cookie: " ZT_UISESS_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s\r\n",
	         token, ui->secure_cookie ? "; Secure" : "");
	reply_json(ui, reply, 200,
	           json_pack("{s:s, s:s, s:o}", "name", name, "csrf", csrf, "address",
	                     json_sprintf("%010" PRIx64, ui->api->ctl->address)),
	           extra);
	sodium_memzero(extra, sizeof extra);
	sodium_memzero(token, sizeof token);
	sodium_memzero(rnd, sizeof rnd);
out:
	free(hash);
	if (body != NULL) {
		/* The password's copy inside jansson is wiped before it goes. */
		json_t *p = json_object_get(body, "password");
		if (json_is_string(p))
			sodium_memzero((char *)json_string_value(p), json_string_length(p));
	}
	json_decref(body);
}

static const char clear_cookie[] =
    "Set-Cookie: " ZT_UISESS_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0\r\n";

/* ---- members: a page, searched on the server ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode %XX and '+' of a query value into out (NUL-terminated, at most
 * cap-1 bytes, lower case); false if malformed or too long. */
static bool query_value(const struct zt_http_str *q, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name), i = 0, o = 0;

	out[0] = '\0';
	while (i < q->len) {
		size_t end = i;

		while (end < q->len && q->p[end] != '&')
			end++;
		if (end - i > nl && memcmp(q->p + i, name, nl) == 0 && q->p[i + nl] == '=') {
			for (size_t k = i + nl + 1; k < end; k++) {
				int c = (unsigned char)q->p[k];

				if (c == '%') {
					if (k + 2 >= end)
						return false;
					int hi = hexval(q->p[k + 1]), lo = hexval(q->p[k + 2]);

					if (hi < 0 || lo < 0)
						return false;
					c = hi * 16 + lo;
					k += 2;
				} else if (c == '+') {
					c = ' ';
				}
				if (c < 0x20 || c == 0x7f || o + 1 >= cap)
					return false;
				out[o++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
			}
			out[o] = '\0';
			return true;
		}
		i = end + 1;
	}
	return true;
}

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return n == 0;
}

static bool member_matches(const json_t *m, const char *q)
{
	const json_t *ips = json_object_get(m, "ipAssignments"), *v;
	const char *name = json_string_value(json_object_get(m, "name"));
	size_t i;

	if (name != NULL && contains_ci(name, q))
		return true;
	json_array_foreach(ips, i, v) if (json_is_string(v) &&
	                                  contains_ci(json_string_value(v), q)) return true;
	return false;
}

/* The member as the API shows it, with what the controller knows of it
 * as a peer: "online", "lastSeen" (the later of its last request and its
 * last packet), "latency", "path", "physicalAddress". */
static json_t *member_view(struct zt_ui *ui, json_t *m, uint64_t addr, int64_t now)
{
	struct zt_node *node = ui->api->ctl->node;
	struct zt_peer_info p;
	bool online = false;

	zt_ctl_member_fill(m);
	if (node != NULL && zt_node_peer(node, now, addr, &p) == ZT_OK) {
		char ep[64];

		online = p.last_rx > 0 && now - p.last_rx < ZT_UI_ONLINE_MS;
		if (p.last_rx > zt_ctl_int(m, "lastSeen"))
			json_object_set_new(m, "lastSeen", json_integer(p.last_rx));
		json_object_set_new(m, "latency", json_integer(p.latency_ms));
		json_object_set_new(m, "path",
		                    json_string(p.path == ZT_PATH_DIRECT  ? "direct"
		                                : p.path == ZT_PATH_RELAY ? "relay"
		                                                          : "none"));
		if (zt_endpoint_to_text(&p.endpoint, ep, sizeof ep) == ZT_OK)
			json_object_set_new(m, "physicalAddress", json_string(ep));
		if (p.version[0] >= 0)
			json_object_set_new(
			    m, "version",
			    json_sprintf("%d.%d.%d", p.version[0], p.version[1], p.version[2]));
	}
	json_object_set_new(m, "online", json_boolean(online));
	return m;
}

/* How many members (which) nwid has, from the index alone. */
static int count_ids(struct zt_store *st, uint64_t nwid, enum zt_store_which which, json_int_t *out)
{
	uint64_t ids[ZT_CTL_PUSH_PAGE], after = 0;
	size_t n;

	*out = 0;
	do {
		if (st->ops->member_ids(st, nwid, which, after, ids, ZT_CTL_PUSH_PAGE, &n) != ZT_OK)
			return -1;
		*out += (json_int_t)n;
		if (n > 0)
			after = ids[n - 1];
	} while (n == ZT_CTL_PUSH_PAGE);
	return 0;
}

/* GET /ui/api/members/<nwid>?after=ADDR&q=TEXT&limit=N: a page of the
 * members above ADDR (ascending), read from the store's index a page at a
 * time; with q, only those whose address, name or an assigned address
 * contains it, reading at most ZT_UI_SCAN_MAX members ("next" says where
 * to go on).  The first page also lists the pending ones and the counts. */
static void members(struct zt_ui *ui, const struct zt_http_request *req, const char *rest,
                    struct zt_httpd_reply *reply)
{
	struct zt_ctl *ctl = ui->api->ctl;
	struct zt_store *st = ctl->store;
	int64_t now = ui->api->now(ui->api->ctx);
	uint64_t nwid, after = 0, ids[ZT_CTL_PUSH_PAGE], last = 0;
	char q[QUERY_MAX + 1], a[16], hex[16];
	unsigned limit = ZT_UI_PAGE, found = 0, scanned = 0;
	json_t *out = json_object(), *list = json_array(), *m;
	bool more = false;
	size_t n;

	if (!is_method(req, "GET")) {
		reply_error(ui, reply, 405, "method not allowed", "Allow: GET\r\n");
		goto out;
	}
	if (zt_nwid_parse(rest, &nwid) != ZT_OK || (m = zt_ctl_load_net(ctl, nwid)) == NULL) {
		reply_error(ui, reply, 404, "no such network", NULL);
		goto out;
	}
	json_decref(m);
	if (!query_value(&req->query, "after", a, sizeof a) ||
	    (a[0] != '\0' && zt_address_parse(a, &after) != ZT_OK)) {
		reply_error(ui, reply, 400, "after: expected a member address (10 hex digits)",
		            NULL);
		goto out;
	}
	if (!query_value(&req->query, "limit", a, sizeof a)) {
		reply_error(ui, reply, 400, "limit: expected a number 1-200", NULL);
		goto out;
	}
	if (a[0] != '\0') {
		char *end;
		unsigned long v = strtoul(a, &end, 10);
		if (*end != '\0' || v < 1 || v > ZT_UI_PAGE_MAX) {
			reply_error(ui, reply, 400, "limit: expected a number 1-200", NULL);
			goto out;
		}
		limit = (unsigned)v;
	}
	if (!query_value(&req->query, "q", q, sizeof q)) {
		reply_error(ui, reply, 400, "q: at most 64 printable characters", NULL);
		goto out;
	}
	if (out == NULL || list == NULL)
		goto oom;
	do {
		if (st->ops->member_ids(st, nwid, ZT_STORE_ALL, after, ids, ZT_CTL_PUSH_PAGE, &n) !=
		    ZT_OK) {
			reply_error(ui, reply, 500, "the database could not be read", NULL);
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			bool hit;

			if (found == limit || scanned == ZT_UI_SCAN_MAX) {
				more = true;
				break;
			}
			last = ids[i];
			scanned++;
			snprintf(hex, sizeof hex, "%010" PRIx64, ids[i]);
			m = zt_ctl_load_member(ctl, nwid, ids[i]);
			if (m == NULL)
				continue;
			hit = q[0] == '\0' || strstr(hex, q) != NULL || member_matches(m, q);
			if (hit &&
			    json_array_append_new(list, member_view(ui, m, ids[i], now)) == 0) {
				found++;
			} else if (!hit) {
				json_decref(m);
			}
		}
		if (n > 0)
			after = ids[n - 1];
	} while (!more && n == ZT_CTL_PUSH_PAGE);
	json_object_set_new(out, "members", list);
	list = NULL;
	if (more) {
		snprintf(hex, sizeof hex, "%010" PRIx64, last);
		json_object_set_new(out, "next", json_string(hex));
	} else {
		json_object_set_new(out, "next", json_null());
	}
	if (!query_value(&req->query, "after", a, sizeof a) || a[0] == '\0') {
		/* The first page: the counts and who asks to join. */
		uint64_t pend[ZT_CTL_PENDING_PER_NET];
		size_t np = zt_ctl_pending_ids(ctl, nwid, now, pend, ZT_CTL_PENDING_PER_NET);
		json_t *pl = json_array();
		json_int_t total, authorized;

		if (pl == NULL || count_ids(st, nwid, ZT_STORE_ALL, &total) < 0 ||
		    count_ids(st, nwid, ZT_STORE_AUTHORIZED, &authorized) < 0) {
			json_decref(pl);
			reply_error(ui, reply, 500, "the database could not be read", NULL);
			goto out;
		}
		for (size_t i = 0; i < np; i++) {
			m = zt_ctl_load_member(ctl, nwid, pend[i]);
			if (m != NULL)
				json_array_append_new(pl, member_view(ui, m, pend[i], now));
		}
		json_object_set_new(out, "pending", pl);
		json_object_set_new(out, "total", json_integer(total));
		json_object_set_new(out, "authorized", json_integer(authorized));
	}
	reply_json(ui, reply, 200, out, NULL);
	out = NULL;
	goto out;
oom:
	reply_error(ui, reply, 500, "out of memory", NULL);
out:
	json_decref(out);
	json_decref(list);
}

/* ---- the admin API on behalf of the signed-in user ---- */

/* Call the admin API at path (and the request's query, method and body)
 * as the session's user; the reply is the API's plus the UI's headers. */
static void forward(struct zt_ui *ui, const struct zt_uisess_entry *s,
                    const struct zt_http_request *req, const char *path,
                    struct zt_httpd_reply *reply)
{
	struct zt_http_request r = *req;

	r.path.p = path;
	r.path.len = strlen(path);
	zt_capi_handle_as(ui->api, s->user, &r, reply);
	if (reply->status != 0) {
		/* The API's extra header (Allow: on a 405) is static text. */
		snprintf(ui->headers, sizeof ui->headers, "%s%s", SECURITY_HEADERS,
		         reply->extra_headers != NULL ? reply->extra_headers : "");
		reply->extra_headers = ui->headers;
	}
}

/* POST /ui/api/invite/<nwid> {"uses","ttl"} (or {"reservation","ttl"}:
 * a claim invite for a member imported from ZeroTier, zimport.h): the
 * API's invite, plus its code with this controller's roots and the command
 * that joins with it. */
static void invite(struct zt_ui *ui, const struct zt_uisess_entry *s,
                   const struct zt_http_request *req, const char *rest,
                   struct zt_httpd_reply *reply)
{
	char path[64], code[ZT_INVITE_TEXT_MAX + 1];
	struct zt_invite inv = ui->roots;
	const char *tok;
	json_t *j;
	size_t n = 0;

	if (strlen(rest) != 16 || zt_nwid_parse(rest, &inv.nwid) != ZT_OK) {
		reply_error(ui, reply, 404, "no such network", NULL);
		return;
	}
	snprintf(path, sizeof path, "/controller/network/%.16s/invite", rest);
	forward(ui, s, req, path, reply);
	if (reply->status != 200 || !is_method(req, "POST"))
		return;
	j = json_loadb(reply->body, reply->body_len, 0, NULL);
	sodium_memzero(reply->body, reply->body_len);
	free(reply->body);
	reply->body = NULL;
	tok = json_string_value(json_object_get(j, "token"));
	if (tok == NULL ||
	    sodium_hex2bin(inv.token, sizeof inv.token, tok, strlen(tok), NULL, &n, NULL) != 0 ||
	    (n != ZT_CTL_TOKEN_LEN && n != ZT_ZIMPORT_TOKEN_LEN) ||
	    (inv.token_len = n, zt_invite_encode(&inv, code, sizeof code)) < 0) {
		json_decref(j);
		reply_error(ui, reply, 500, "the invite could not be encoded", NULL);
		goto out;
	}
	json_object_set_new(j, "code", json_string(code));
	json_object_set_new(j, "command", json_sprintf("zt-cli join %s", code));
	json_object_set_new(j, "roots", json_integer(inv.root_count));
	json_object_del(j, "token");
	reply_json(ui, reply, 200, j, NULL);
out:
	sodium_memzero(&inv, sizeof inv);
	sodium_memzero(code, sizeof code);
}

static bool changes(const struct zt_http_request *req)
{
	return !is_method(req, "GET") && !is_method(req, "HEAD");
}

static void api(struct zt_ui *ui, const struct zt_http_request *req, struct zt_httpd_reply *reply)
{
	const struct zt_http_str *h;
	struct zt_uisess_entry *s;
	char rest[ZT_HTTP_MAX_TARGET + 1], *hash = NULL;
	int r;

	if (path_is(req, "/ui/api/signin")) {
		signin(ui, req, reply);
		return;
	}
	s = session(ui, req);
	/* A deleted user's sessions, and those signed in with a password
	 * since replaced, end at their next request. */
	if (s != NULL) {
		uint8_t tag[16];

		r = ui->api->ctl->store->ops->user_get(ui->api->ctl->store, s->user, &hash);
		if (r == ZT_OK)
			pw_tag(hash, tag);
		free(hash);
		if (r == ZT_ENOTFOUND || (r == ZT_OK && sodium_memcmp(tag, s->pw_tag, 16) != 0)) {
			zt_uisess_end(s);
			r = ZT_ENOTFOUND;
		}
		if (r != ZT_OK)
			s = NULL;
	}
	if (s == NULL) {
		uint64_t users = 0;
		(void)ui->api->ctl->store->ops->user_count(ui->api->ctl->store, &users);
		reply_json(ui, reply, 401,
		           json_pack("{s:i, s:s, s:b}", "error", 401, "description",
		                     "not signed in (or the session has ended)", "noUsers",
		                     users == 0),
		           path_is(req, "/ui/api/session") ? NULL : clear_cookie);
		return;
	}
	/* Every change needs the session's CSRF token in a header, which
	 * only the page read from /ui/api/session or the sign-in can send:
	 * the cookie alone (a form posted from another site) is not enough.
	 * A browser that says the request comes from another site is refused
	 * before that. */
	if (changes(req)) {
		const struct zt_http_str *site = zt_http_header(req, "Sec-Fetch-Site");

		h = zt_http_header(req, "X-CSRF-Token");
		if ((site != NULL && zt_http_str_eq(site, "cross-site")) ||
		    !zt_uisess_csrf_ok(s, h ? h->p : NULL, h ? h->len : 0)) {
			reply_error(ui, reply, 403,
			            "missing or wrong CSRF token (reload the page and try again)",
			            NULL);
			return;
		}
	}
	if (path_is(req, "/ui/api/session")) {
		reply_json(ui, reply, 200,
		           json_pack("{s:s, s:s, s:o}", "name", s->user, "csrf", s->csrf, "address",
		                     json_sprintf("%010" PRIx64, ui->api->ctl->address)),
		           NULL);
		return;
	}
	if (path_is(req, "/ui/api/signout")) {
		if (!is_method(req, "POST")) {
			reply_error(ui, reply, 405, "method not allowed", "Allow: POST\r\n");
			return;
		}
		zt_uisess_end(s);
		reply_json(ui, reply, 200, json_object(), clear_cookie);
		return;
	}
	if (path_rest(req, "/ui/api/members/", rest, sizeof rest)) {
		members(ui, req, rest, reply);
		return;
	}
	if (path_rest(req, "/ui/api/invite/", rest, sizeof rest)) {
		invite(ui, s, req, rest, reply);
		return;
	}
	if (path_rest(req, "/ui/api", rest, sizeof rest) &&
	    (strncmp(rest, "/controller", 11) == 0 || strcmp(rest, "/status") == 0)) {
		forward(ui, s, req, rest, reply);
		return;
	}
	reply_error(ui, reply, 404, "no such UI endpoint", NULL);
}

void zt_ui_handle(void *ctx, const struct zt_http_request *req, struct zt_httpd_reply *reply)
{
	struct zt_ui *ui = ctx;

	if (req->path.len >= 7 && memcmp(req->path.p, "/ui/api", 7) == 0)
		api(ui, req, reply);
	else
		asset(ui, req, reply);
}
