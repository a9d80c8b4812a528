/* SPDX-License-Identifier: MIT */
/*
 * ctl_ui_test.c - the web UI's sign-in pieces (uisess.c) and its server
 * side (ui.c over the admin API and an in-memory store):
 *   - the cookie parser on good, odd and malformed Cookie headers;
 *   - sessions: found by their token only, ended by idle time, by their
 *     lifetime and by sign-out; the least recently used goes when full;
 *   - CSRF tokens compared exactly;
 *   - the sign-in backoff per address and the global bucket;
 *   - ui.c: a wrong password and an unknown name refused alike, the right
 *     one answered with an HttpOnly SameSite=Strict cookie, a change
 *     without or with a wrong CSRF token refused, the user's name in the
 *     audit trail, a new password ending the sessions, every reply
 *     carrying the Content-Security-Policy;
 *   - the admin API's /controller/user refusing what is not a hash.
 */
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/capi.h"
#include "controller/ctl.h"
#include "controller/ui.h"
#include "controller/uisess.h"
#include "test.h"

#define CTL_ADDR UINT64_C(0x8056c2e21c)

static int64_t clock_ms = 1700000000000;
static uint8_t rnd_next = 1;

static int64_t fake_now(void *ctx)
{
	(void)ctx;
	return clock_ms;
}

static void fake_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	memset(buf, rnd_next++, len);
}

static void test_cookie(void)
{
	static const struct {
		const char *hdr;
		const char *want; /* NULL: not found */
	} cases[] = {
	    {"zt_session=abc", "abc"},
	    {"a=1; zt_session=abc; b=2", "abc"},
	    {"  zt_session=abc  ", "abc"},
	    {"zt_session=\"abc\"", "abc"},
	    {"xzt_session=abc", NULL},
	    {"zt_sessionx=abc", NULL},
	    {"zt_session", NULL},
	    {"", NULL},
	    {";;;", NULL},
	    {"zt_session=a b", NULL},  /* a blank inside: malformed */
	    {"zt_session=a\\b", NULL}, /* a backslash: not a cookie octet */
	    {"zt_session=", ""},
	    {"a=1;zt_session=x;zt_session=y", "x"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *v = NULL;
		size_t n = 0;
		bool ok =
		    zt_uisess_cookie(cases[i].hdr, strlen(cases[i].hdr), "zt_session", &v, &n);

		CHECK_EQ(ok, cases[i].want != NULL);
		if (ok && cases[i].want != NULL)
			CHECK(n == strlen(cases[i].want) && memcmp(v, cases[i].want, n) == 0);
	}
}

static void test_sessions(void)
{
	static struct zt_uisess u;
	char tok[ZT_UISESS_TOKEN_HEX + 1], csrf[ZT_UISESS_TOKEN_HEX + 1], t1[sizeof tok];
	uint8_t rnd[2 * ZT_UISESS_TOKEN_LEN];
	struct zt_uisess_entry *e;
	int64_t now = 1000000;

	zt_uisess_init(&u);
	randombytes_buf(rnd, sizeof rnd);
	e = zt_uisess_create(&u, now, "alice", rnd, tok, csrf);
	CHECK(e != NULL && strcmp(e->user, "alice") == 0);
	CHECK_EQ(strlen(tok), ZT_UISESS_TOKEN_HEX);
	CHECK(strcmp(tok, csrf) != 0);
	CHECK(zt_uisess_find(&u, now, tok, strlen(tok)) == e);
	/* Another token, a prefix, the CSRF token: nothing. */
	memcpy(t1, tok, sizeof tok);
	t1[0] = t1[0] == 'a' ? 'b' : 'a';
	CHECK(zt_uisess_find(&u, now, t1, strlen(t1)) == NULL);
	CHECK(zt_uisess_find(&u, now, tok, strlen(tok) - 1) == NULL);
	CHECK(zt_uisess_find(&u, now, csrf, strlen(csrf)) == NULL);
	/* CSRF: exactly the session's token. */
	CHECK(zt_uisess_csrf_ok(e, csrf, strlen(csrf)));
	CHECK(!zt_uisess_csrf_ok(e, csrf, strlen(csrf) - 1));
	CHECK(!zt_uisess_csrf_ok(e, tok, strlen(tok)));
	CHECK(!zt_uisess_csrf_ok(e, NULL, 0));
	CHECK(!zt_uisess_csrf_ok(NULL, csrf, strlen(csrf)));
	/* Used within the idle time, it lives on; past it, it is gone. */
	now += ZT_UISESS_IDLE_MS - 1;
	CHECK(zt_uisess_find(&u, now, tok, strlen(tok)) == e);
	now += ZT_UISESS_IDLE_MS;
	CHECK(zt_uisess_find(&u, now, tok, strlen(tok)) == NULL);
	/* A session in use still ends at its lifetime. */
	e = zt_uisess_create(&u, now, "alice", rnd, tok, csrf);
	for (int64_t t = 0; t < ZT_UISESS_LIFE_MS; t += ZT_UISESS_IDLE_MS / 2)
		CHECK(zt_uisess_find(&u, now + t, tok, strlen(tok)) == e);
	CHECK(zt_uisess_find(&u, now + ZT_UISESS_LIFE_MS, tok, strlen(tok)) == NULL);
	/* Sign-out. */
	e = zt_uisess_create(&u, now, "bob", rnd, tok, csrf);
	zt_uisess_end(e);
	CHECK(zt_uisess_find(&u, now, tok, strlen(tok)) == NULL);
	/* Full: the least recently used goes, the others stay. */
	{
		static char toks[ZT_UISESS_MAX + 1][ZT_UISESS_TOKEN_HEX + 1];
		for (int i = 0; i <= ZT_UISESS_MAX; i++) {
			rnd[0] = (uint8_t)i;
			rnd[1] = 0x5a;
			zt_uisess_create(&u, now + i, i == 0 ? "first" : "x", rnd, toks[i], csrf);
			if (i == 2) /* the first is used again: the second is the oldest */
				CHECK(zt_uisess_find(&u, now + i, toks[0], ZT_UISESS_TOKEN_HEX) !=
				      NULL);
		}
		CHECK(zt_uisess_find(&u, now + 100, toks[0], ZT_UISESS_TOKEN_HEX) != NULL);
		CHECK(zt_uisess_find(&u, now + 100, toks[1], ZT_UISESS_TOKEN_HEX) == NULL);
		CHECK(zt_uisess_find(&u, now + 100, toks[ZT_UISESS_MAX], ZT_UISESS_TOKEN_HEX) !=
		      NULL);
		zt_uisess_end_user(&u, "x");
		CHECK(zt_uisess_find(&u, now + 100, toks[ZT_UISESS_MAX], ZT_UISESS_TOKEN_HEX) ==
		      NULL);
		CHECK(zt_uisess_find(&u, now + 100, toks[0], ZT_UISESS_TOKEN_HEX) != NULL);
	}
	zt_uisess_wipe(&u);
}

static void test_backoff(void)
{
	static struct zt_uisess u;
	int64_t now = 5000000;

	zt_uisess_init(&u);
	/* Free failures, then 1 s, 2 s, 4 s. */
	for (int i = 0; i < ZT_UISESS_FREE_FAILS - 1; i++) {
		CHECK_EQ(zt_uisess_signin_wait(&u, now, "192.0.2.1"), 0);
		zt_uisess_signin_result(&u, now, "192.0.2.1", false);
	}
	CHECK_EQ(zt_uisess_signin_wait(&u, now, "192.0.2.1"), 0);
	zt_uisess_signin_result(&u, now, "192.0.2.1", false);
	CHECK_EQ(zt_uisess_signin_wait(&u, now, "192.0.2.1"), 1000);
	CHECK_EQ(zt_uisess_signin_wait(&u, now, "192.0.2.2"), 0); /* another address */
	now += 1000;
	CHECK_EQ(zt_uisess_signin_wait(&u, now, "192.0.2.1"), 0);
	zt_uisess_signin_result(&u, now, "192.0.2.1", false);
	CHECK_EQ(zt_uisess_signin_wait(&u, now, "192.0.2.1"), 2000);
	now += 2000;
	CHECK_EQ(zt_uisess_signin_wait(&u, now, "192.0.2.1"), 0);
	zt_uisess_signin_result(&u, now, "192.0.2.1", false);
	CHECK_EQ(zt_uisess_signin_wait(&u, now, "192.0.2.1"), 4000);
	/* Many failures wait at most the cap. */
	for (int i = 0; i < 40; i++)
		zt_uisess_signin_result(&u, now, "192.0.2.1", false);
	CHECK_EQ(zt_uisess_signin_wait(&u, now, "192.0.2.1"), ZT_UISESS_MAX_WAIT_MS);
	/* A success clears it. */
	now += ZT_UISESS_MAX_WAIT_MS;
	CHECK_EQ(zt_uisess_signin_wait(&u, now, "192.0.2.1"), 0);
	zt_uisess_signin_result(&u, now, "192.0.2.1", true);
	zt_uisess_signin_result(&u, now, "192.0.2.1", false);
	CHECK_EQ(zt_uisess_signin_wait(&u, now, "192.0.2.1"), 0);
	/* The global bucket: a burst, then ZT_UISESS_CHECKS_PER_SEC. */
	zt_uisess_init(&u);
	now += 100000;
	for (int i = 0; i < ZT_UISESS_CHECKS_BURST; i++) {
		char a[32];
		snprintf(a, sizeof a, "198.51.100.%d", i);
		CHECK_EQ(zt_uisess_signin_wait(&u, now, a), 0);
	}
	CHECK(zt_uisess_signin_wait(&u, now, "203.0.113.9") > 0);
	now += 1000 / ZT_UISESS_CHECKS_PER_SEC;
	CHECK_EQ(zt_uisess_signin_wait(&u, now, "203.0.113.9"), 0);
	CHECK(zt_uisess_signin_wait(&u, now, "203.0.113.9") > 0);
}

/* ---- ui.c ---- */

struct fixture {
	struct zt_ctl ctl;
	struct zt_capi api;
	struct zt_ui ui;
	char cookie[128], csrf[128];
};

static int setup(struct fixture *f)
{
	char err[256];

	memset(f, 0, sizeof *f);
	if (zt_store_sqlite_open(&f->ctl.store, ":memory:", err, sizeof err) != ZT_OK)
		return -1;
	f->ctl.address = CTL_ADDR;
	f->api.ctl = &f->ctl;
	f->api.token = "tok-0123456789";
	f->api.public_identity = "8056c2e21c:00";
	f->api.now = fake_now;
	f->api.random = fake_random;
	return zt_ui_init(&f->ui, &f->api, NULL, false) == ZT_OK ? 0 : -1;
}

static void teardown(struct fixture *f)
{
	zt_ui_cleanup(&f->ui);
	zt_ctl_cleanup(&f->ctl);
	zt_store_close(f->ctl.store);
}

/* A request to the UI (with the fixture's cookie and csrf if set):
 * status, body and the reply's extra headers. */
static int ui(struct fixture *f, const char *method, const char *path, const char *data,
              bool with_csrf, char **body, const char **headers)
{
	char raw[8192];
	struct zt_http_request req;
	struct zt_httpd_reply reply;
	size_t dl = data ? strlen(data) : 0;
	int n = snprintf(raw, sizeof raw,
	                 "%s %s HTTP/1.1\r\nHost: x\r\n%s%s%s%s%s%sContent-Length: %zu\r\n\r\n%s",
	                 method, path, f->cookie[0] ? "Cookie: " : "", f->cookie,
	                 f->cookie[0] ? "\r\n" : "", with_csrf ? "X-CSRF-Token: " : "",
	                 with_csrf ? f->csrf : "", with_csrf ? "\r\n" : "", dl, data ? data : "");

	CHECK(n > 0 && (size_t)n < sizeof raw);
	CHECK_EQ(zt_http_parse_request(raw, (size_t)n, &req), ZT_HTTP_COMPLETE);
	snprintf(req.peer, sizeof req.peer, "192.0.2.7");
	memset(&reply, 0, sizeof reply);
	zt_ui_handle(&f->ui, &req, &reply);
	*body = reply.body;
	if (headers)
		*headers = reply.extra_headers;
	CHECK(reply.extra_headers != NULL &&
	      strstr(reply.extra_headers, "Content-Security-Policy: default-src 'none'; "
	                                  "script-src 'self'") != NULL);
	return reply.status;
}

static void set_password(struct fixture *f, const char *user, const char *pw)
{
	char hash[crypto_pwhash_STRBYTES], body[256], path[64], *out = NULL;
	struct zt_http_request req;
	struct zt_httpd_reply reply;
	char raw[1024];
	int n;

	/* The smallest limits: the test's time, not a real password's. */
	CHECK_EQ(crypto_pwhash_str(hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_MIN,
	                           crypto_pwhash_MEMLIMIT_MIN),
	         0);
	snprintf(body, sizeof body, "{\"passwordHash\":\"%s\"}", hash);
	snprintf(path, sizeof path, "/controller/user/%s", user);
	n = snprintf(
	    raw, sizeof raw,
	    "POST %s HTTP/1.1\r\nX-ZT1-Auth: tok-0123456789\r\nContent-Length: %zu\r\n\r\n%s", path,
	    strlen(body), body);
	CHECK_EQ(zt_http_parse_request(raw, (size_t)n, &req), ZT_HTTP_COMPLETE);
	memset(&reply, 0, sizeof reply);
	zt_capi_handle(&f->api, &req, &reply);
	out = reply.body;
	CHECK_EQ(reply.status, 200);
	free(out);
}

static int signin(struct fixture *f, const char *name, const char *pw)
{
	char data[256], *body = NULL;
	const char *hdr = NULL, *c;
	int st;

	snprintf(data, sizeof data, "{\"name\":\"%s\",\"password\":\"%s\"}", name, pw);
	f->cookie[0] = '\0';
	st = ui(f, "POST", "/ui/api/signin", data, false, &body, &hdr);
	if (st == 200) {
		json_t *j = json_loads(body, 0, NULL);
		const char *e;

		CHECK((c = strstr(hdr, "Set-Cookie: zt_session=")) != NULL);
		CHECK(strstr(hdr, "; Path=/; HttpOnly; SameSite=Strict\r\n") != NULL);
		CHECK(strstr(hdr, "Secure") == NULL);
		c += strlen("Set-Cookie: ");
		e = strchr(c, ';');
		snprintf(f->cookie, sizeof f->cookie, "%.*s", (int)(e - c), c);
		snprintf(f->csrf, sizeof f->csrf, "%s",
		         json_string_value(json_object_get(j, "csrf")));
		json_decref(j);
	}
	free(body);
	return st;
}

static void test_ui(void)
{
	static struct fixture f;
	char *body = NULL, saved[128];
	json_t *j;
	int st;

	CHECK_EQ(setup(&f), 0);
	/* No users: the page is told so (it shows how to make one). */
	st = ui(&f, "GET", "/ui/api/session", NULL, false, &body, NULL);
	CHECK_EQ(st, 401);
	CHECK(strstr(body, "\"noUsers\":true") != NULL);
	free(body);
	set_password(&f, "alice", "correct horse");
	/* Wrong password, unknown name, bad JSON: refused alike. */
	CHECK_EQ(signin(&f, "alice", "wrong horse"), 401);
	CHECK_EQ(signin(&f, "mallory", "correct horse"), 401);
	CHECK_EQ(signin(&f, "../etc", "correct horse"), 401);
	st = ui(&f, "POST", "/ui/api/signin", "{\"name\":1}", false, &body, NULL);
	CHECK_EQ(st, 400);
	free(body);
	/* Three failures from this address: it waits now, even with the
	 * right password. */
	CHECK_EQ(signin(&f, "alice", "correct horse"), 429);
	clock_ms += 1000;
	CHECK_EQ(signin(&f, "alice", "correct horse"), 200);
	/* The session answers; the page's API calls work. */
	st = ui(&f, "GET", "/ui/api/session", NULL, false, &body, NULL);
	CHECK_EQ(st, 200);
	CHECK(strstr(body, "\"name\":\"alice\"") != NULL);
	free(body);
	/* A change needs the CSRF token. */
	st = ui(&f, "POST", "/ui/api/controller/network", "{\"name\":\"n\"}", false, &body, NULL);
	CHECK_EQ(st, 403);
	free(body);
	snprintf(saved, sizeof saved, "%s", f.csrf);
	f.csrf[0] = f.csrf[0] == '0' ? '1' : '0';
	st = ui(&f, "POST", "/ui/api/controller/network", "{\"name\":\"n\"}", true, &body, NULL);
	CHECK_EQ(st, 403);
	free(body);
	snprintf(f.csrf, sizeof f.csrf, "%s", saved);
	st = ui(&f, "POST", "/ui/api/controller/network", "{\"name\":\"n\"}", true, &body, NULL);
	CHECK_EQ(st, 200);
	free(body);
	/* Only that one change is in the trail, as alice's. */
	st = ui(&f, "GET", "/ui/api/controller/audit", NULL, false, &body, NULL);
	CHECK_EQ(st, 200);
	j = json_loads(body, 0, NULL);
	free(body);
	CHECK_EQ(json_array_size(json_object_get(j, "entries")), 2); /* user/alice, network */
	CHECK(strcmp(json_string_value(
	                 json_object_get(json_array_get(json_object_get(j, "entries"), 0), "who")),
	             "alice") == 0);
	json_decref(j);
	/* The admin API's paths outside /controller are not the UI's. */
	st = ui(&f, "GET", "/ui/api/peer", NULL, false, &body, NULL);
	CHECK_EQ(st, 404);
	free(body);
	/* The page itself. */
	{
		const char *hdr = NULL;
		snprintf(saved, sizeof saved, "%s", f.cookie);
		f.cookie[0] = '\0';
		st = ui(&f, "GET", "/", NULL, false, &body, &hdr);
		CHECK_EQ(st, 200);
		CHECK(strstr(body, "<script src=\"/ui.js\"") != NULL);
		free(body);
		st = ui(&f, "GET", "/nope.js", NULL, false, &body, NULL);
		CHECK_EQ(st, 404);
		free(body);
		snprintf(f.cookie, sizeof f.cookie, "%s", saved);
	}
	/* A new password ends the session. */
	set_password(&f, "alice", "battery staple");
	st = ui(&f, "GET", "/ui/api/session", NULL, false, &body, NULL);
	CHECK_EQ(st, 401);
	free(body);
	CHECK_EQ(signin(&f, "alice", "battery staple"), 200);
	/* Sign-out ends it on the server. */
	st = ui(&f, "POST", "/ui/api/signout", "", true, &body, NULL);
	CHECK_EQ(st, 200);
	free(body);
	st = ui(&f, "GET", "/ui/api/session", NULL, false, &body, NULL);
	CHECK_EQ(st, 401);
	free(body);
	teardown(&f);
}

/* /controller/user takes a hash, never a password or junk. */
static void test_user_api(void)
{
	static const char *const bad[] = {
	    "{\"passwordHash\":\"hunter22\"}",
	    "{\"passwordHash\":\"$argon2id$v=19$m=65536,t=2,p=1$junk\"}",
	    "{\"password\":\"hunter22\"}",
	    "{\"passwordHash\":7}",
	};
	static struct fixture f;

	CHECK_EQ(setup(&f), 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char raw[512];
		struct zt_http_request req;
		struct zt_httpd_reply reply;
		int n = snprintf(raw, sizeof raw,
		                 "POST /controller/user/alice HTTP/1.1\r\nX-ZT1-Auth: "
		                 "tok-0123456789\r\nContent-Length: %zu\r\n\r\n%s",
		                 strlen(bad[i]), bad[i]);

		CHECK_EQ(zt_http_parse_request(raw, (size_t)n, &req), ZT_HTTP_COMPLETE);
		memset(&reply, 0, sizeof reply);
		zt_capi_handle(&f.api, &req, &reply);
		CHECK_EQ(reply.status, 400);
		free(reply.body);
	}
	CHECK(!zt_capi_user_name_ok(""));
	CHECK(!zt_capi_user_name_ok("-x"));
	CHECK(!zt_capi_user_name_ok("a/b"));
	CHECK(!zt_capi_user_name_ok("admin"));
	CHECK(zt_capi_user_name_ok("alice.b_c-1"));
	teardown(&f);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(test_cookie);
	RUN(test_sessions);
	RUN(test_backoff);
	RUN(test_ui);
	RUN(test_user_api);
	TEST_EXIT();
}
