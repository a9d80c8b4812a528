/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ui.c - libFuzzer target for the controller's web UI as a whole:
 * the bytes are an HTTP request, parsed by osdep/http.c and answered by
 * controller/ui.c (its cookie parser, query decoding, JSON bodies, the
 * sessions of uisess.c) over the admin API and an in-memory SQLite store.
 *
 * The harness signs in once per store (the clock and the random bytes are
 * fixed: the session's cookie is 000102...1f, its CSRF token 202122...3f),
 * so that inputs with "Cookie: zt_session=000102..." reach the signed-in
 * paths.  Beyond "no crash": every answer is a status 200-599 carrying
 * the Content-Security-Policy; an /ui/api/ answer is JSON; and nothing
 * changes the database unless the input carries the CSRF token (a dump
 * before and after compares equal).
 */
#include <jansson.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/capi.h"
#include "controller/ctl.h"
#include "controller/ui.h"
#include "osdep/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct zt_ctl ctl;
static struct zt_capi api;
static struct zt_ui ui;
static unsigned runs;
static uint8_t rnd;
static char csrf[ZT_UISESS_TOKEN_HEX + 1];

static int64_t fake_now(void *ctx)
{
	(void)ctx;
	return 1700000000000;
}

/* Counting bytes: after rnd = 0, the sign-in's 64 are 0x00..0x3f. */
static void fake_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = rnd++;
}

static void setup(void)
{
	static const char signin[] = "POST /ui/api/signin HTTP/1.1\r\nContent-Length: 38\r\n\r\n"
	                             "{\"name\":\"alice\",\"password\":\"hunter22\"}";
	char err[256], hash[crypto_pwhash_STRBYTES];
	struct zt_http_request req;
	struct zt_httpd_reply reply;

	if (sodium_init() < 0)
		abort();
	zt_ui_cleanup(&ui);
	zt_ctl_cleanup(&ctl);
	zt_store_close(ctl.store);
	memset(&ctl, 0, sizeof ctl);
	if (zt_store_sqlite_open(&ctl.store, ":memory:", err, sizeof err) != ZT_OK)
		abort();
	ctl.address = UINT64_C(0x8056c2e21c);
	if (crypto_pwhash_str(hash, "hunter22", 8, crypto_pwhash_OPSLIMIT_MIN,
	                      crypto_pwhash_MEMLIMIT_MIN) != 0 ||
	    ctl.store->ops->user_put(ctl.store, "alice", hash, 1) != ZT_OK ||
	    ctl.store->ops->net_put(
	        ctl.store, UINT64_C(0x8056c2e21c000001),
	        "{\"id\":\"8056c2e21c000001\",\"revision\":1,\"private\":true}") != ZT_OK ||
	    ctl.store->ops->member_put(ctl.store, UINT64_C(0x8056c2e21c000001), 0x0102030405,
	                               "{\"authorized\":false,\"revision\":1,\"name\":\"box\"}") !=
	        ZT_OK)
		abort();
	api.ctl = &ctl;
	api.token = "t";
	api.public_identity = "";
	api.now = fake_now;
	api.random = fake_random;
	if (zt_ui_init(&ui, &api, NULL, false) != ZT_OK)
		abort();
	rnd = 0;
	if (zt_http_parse_request(signin, sizeof signin - 1, &req) != ZT_HTTP_COMPLETE)
		abort();
	memset(&reply, 0, sizeof reply);
	zt_ui_handle(&ui, &req, &reply);
	if (reply.status != 200)
		abort();
	free(reply.body);
	for (size_t i = 0; i < ZT_UISESS_TOKEN_LEN; i++)
		snprintf(csrf + 2 * i, 3, "%02x", (unsigned)(ZT_UISESS_TOKEN_LEN + i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zt_http_request req;
	struct zt_httpd_reply reply;
	char *before = NULL, *after = NULL;
	bool has_csrf = false;

	if (runs++ % 512 == 0)
		setup();
	if (zt_http_parse_request((const char *)data, size, &req) != ZT_HTTP_COMPLETE)
		return 0;
	for (size_t i = 0; i + ZT_UISESS_TOKEN_HEX <= size && !has_csrf; i++)
		has_csrf = memcmp(data + i, csrf, ZT_UISESS_TOKEN_HEX) == 0;
	if (ctl.store->ops->dump(ctl.store, &before) != ZT_OK)
		abort();
	memset(&reply, 0, sizeof reply);
	zt_ui_handle(&ui, &req, &reply);
	if (reply.status < 200 || reply.status > 599 || reply.extra_headers == NULL ||
	    strstr(reply.extra_headers, "Content-Security-Policy: default-src 'none'") == NULL)
		abort();
	if (req.path.len >= 7 && memcmp(req.path.p, "/ui/api", 7) == 0) {
		json_t *j =
		    reply.body != NULL ? json_loadb(reply.body, reply.body_len, 0, NULL) : NULL;
		if (j == NULL)
			abort();
		json_decref(j);
	}
	if (ctl.store->ops->dump(ctl.store, &after) != ZT_OK)
		abort();
	if (!has_csrf && strcmp(before, after) != 0)
		abort();
	free(before);
	free(after);
	free(reply.body);
	return 0;
}
