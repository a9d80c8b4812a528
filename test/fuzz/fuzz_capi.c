/* SPDX-License-Identifier: MIT */
/*
 * fuzz_capi.c - libFuzzer target for the controller's admin API as a
 * whole: the bytes are an HTTP request, parsed by osdep/http.c and
 * answered by controller/capi.c over an in-memory SQLite store.
 *
 * Beyond "no crash": every answer is a status 200-599 with a JSON body,
 * and an answer of 400 or more left the database exactly as it was (a
 * dump before and after compares equal).  The store is renewed every 512
 * inputs so that it stays small.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "controller/capi.h"
#include "controller/ctl.h"
#include "osdep/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct zt_ctl ctl;
static struct zt_capi api;
static unsigned runs;
static uint8_t rnd;

static int64_t fake_now(void *ctx)
{
	(void)ctx;
	return 1700000000000;
}

static void fake_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	memset(buf, ++rnd, len);
}

static void setup(void)
{
	char err[256];
	zt_ctl_cleanup(&ctl);
	zt_store_close(ctl.store);
	memset(&ctl, 0, sizeof ctl);
	if (zt_store_sqlite_open(&ctl.store, ":memory:", err, sizeof err) != ZT_OK)
		abort();
	ctl.address = UINT64_C(0x8056c2e21c);
	/* A network and a member to find, so paths get past the 404s. */
	if (ctl.store->ops->net_put(
	        ctl.store, UINT64_C(0x8056c2e21c000001),
	        "{\"id\":\"8056c2e21c000001\",\"revision\":1,\"private\":true}") != ZT_OK ||
	    ctl.store->ops->member_put(ctl.store, UINT64_C(0x8056c2e21c000001), 0x0102030405,
	                               "{\"authorized\":false,\"revision\":1}") != ZT_OK)
		abort();
	api.ctl = &ctl;
	api.token = "t";
	api.public_identity = "";
	api.now = fake_now;
	api.random = fake_random;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zt_http_request req;
	struct zt_httpd_reply reply;
	char *before = NULL, *after = NULL;
	json_t *j;

	if (runs++ % 512 == 0)
		setup();
	if (zt_http_parse_request((const char *)data, size, &req) != ZT_HTTP_COMPLETE)
		return 0;
	if (ctl.store->ops->dump(ctl.store, &before) != ZT_OK)
		abort();
	memset(&reply, 0, sizeof reply);
	zt_capi_handle(&api, &req, &reply);
	if (reply.status < 200 || reply.status > 599 || reply.body == NULL ||
	    reply.body_len != strlen(reply.body))
		abort();
	j = json_loads(reply.body, 0, NULL);
	if (j == NULL)
		abort();
	json_decref(j);
	if (ctl.store->ops->dump(ctl.store, &after) != ZT_OK)
		abort();
	if (reply.status >= 400 && strcmp(before, after) != 0)
		abort();
	free(before);
	free(after);
	free(reply.body);
	return 0;
}
