/* SPDX-License-Identifier: MIT */
/*
 * ctl_rulessrc_test.c - a network's rulesSource through the controller's
 * admin API (capi.c over rulesc.c, ctl_json.c and an in-memory store):
 *   - a script is compiled: the network stores it and its rules,
 *     capabilities and tags (the script's win over any in the same
 *     request), and GET shows them;
 *   - a script with an error is answered 400 with ZeroTier's error shape,
 *     its line and column, and the database is unchanged; so is a
 *     rulesSource that is not a string, and a script whose rules are too
 *     large to deliver;
 *   - an empty script clears the text and keeps the rules;
 *   - the network shows the names the script gives its tags (their enums
 *     and flags) and capabilities, as ZeroTier Central does
 *     (tagsByName, capabilitiesByName): derived from the script, never
 *     taken from a request, empty without a script.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/capi.h"
#include "controller/ctl.h"
#include "controller/ctl_json.h"
#include "controller/rulesc.h"
#include "test.h"

#define CTL_ADDR UINT64_C(0x8056c2e21c)
#define NET_PATH "/controller/network/8056c2e21c000001"

static const char TOKEN[] = "sekrit-token-0123456789ab";

static int64_t fake_now(void *ctx)
{
	(void)ctx;
	return 1700000000000;
}

static void fake_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	memset(buf, 7, len);
}

struct fixture {
	struct zt_ctl ctl;
	struct zt_capi api;
};

static int setup(struct fixture *f)
{
	char err[256];

	memset(f, 0, sizeof *f);
	if (zt_store_sqlite_open(&f->ctl.store, ":memory:", err, sizeof err) != ZT_OK) {
		printf("  store: %s\n", err);
		return -1;
	}
	f->ctl.address = CTL_ADDR;
	f->api.ctl = &f->ctl;
	f->api.token = TOKEN;
	f->api.public_identity = "8056c2e21c:00";
	f->api.now = fake_now;
	f->api.random = fake_random;
	return 0;
}

static void teardown(struct fixture *f)
{
	zt_ctl_cleanup(&f->ctl);
	zt_store_close(f->ctl.store);
}

/* POST or GET with a JSON body given as a json_t (so that scripts need no
 * escaping here); the answer parsed, its status checked. */
static json_t *call(struct fixture *f, const char *method, const json_t *body, int want)
{
	static char raw[140000];
	struct zt_http_request req;
	struct zt_httpd_reply reply;
	char *data = body ? json_dumps(body, JSON_COMPACT) : NULL;
	size_t dl = data ? strlen(data) : 0;
	json_t *j = NULL;
	int n = snprintf(raw, sizeof raw,
	                 "%s " NET_PATH " HTTP/1.1\r\nHost: x\r\nX-ZT1-Auth: %s\r\n"
	                 "Content-Length: %zu\r\n\r\n",
	                 method, TOKEN, dl);

	if (n < 0 || (size_t)n + dl >= sizeof raw) {
		free(data);
		CHECK(0);
		return NULL;
	}
	memcpy(raw + n, data ? data : "", dl);
	free(data);
	if (zt_http_parse_request(raw, (size_t)n + dl, &req) != ZT_HTTP_COMPLETE) {
		CHECK(0);
		return NULL;
	}
	memset(&reply, 0, sizeof reply);
	zt_capi_handle(&f->api, &req, &reply);
	if (reply.status != want)
		printf("  %s -> %d (want %d): %s\n", method, reply.status, want,
		       reply.body ? reply.body : "");
	CHECK_EQ(reply.status, want);
	if (reply.body != NULL)
		j = json_loads(reply.body, 0, NULL);
	free(reply.body);
	return j;
}

static json_t *post_source(struct fixture *f, const char *src, int want)
{
	json_t *b = json_pack("{s:s}", "rulesSource", src), *j = call(f, "POST", b, want);

	json_decref(b);
	return j;
}

static char *dump(struct fixture *f)
{
	char *t = NULL;

	CHECK_EQ(f->ctl.store->ops->dump(f->ctl.store, &t), ZT_OK);
	return t;
}

static const char policy[] = "# a team's policy\n"
                             "tag role id 1 enum 0 staff enum 1 contractor default staff;\n"
                             "drop not ethertype ipv4 and not ethertype arp;\n"
                             "accept tseq role staff;\n"
                             "accept ipprotocol tcp and dport 443;\n"
                             "cap admin id 10 accept dport 22; ;\n"
                             "break chr tcp_syn and not chr tcp_ack;\n"
                             "accept;\n";

static void test_compiled(void)
{
	struct fixture f;
	struct zt_rulesc_error e;
	json_t *j, *want = NULL;
	const json_t *v;

	if (setup(&f) < 0) {
		CHECK(0);
		return;
	}
	CHECK_EQ(zt_rulesc_compile(policy, strlen(policy), &want, &e), 0);
	/* A body with both: the script's rules win over the request's. */
	{
		json_t *b = json_pack("{s:s, s:s, s:[{s:s}]}", "name", "team", "rulesSource",
		                      policy, "rules", "type", "ACTION_DROP");
		j = call(&f, "POST", b, 200);
		json_decref(b);
	}
	CHECK(j != NULL && want != NULL);
	if (j != NULL && want != NULL) {
		CHECK(strcmp(json_string_value(json_object_get(j, "rulesSource")), policy) == 0);
		CHECK(json_equal(json_object_get(j, "rules"), json_object_get(want, "rules")));
		CHECK(json_equal(json_object_get(j, "capabilities"),
		                 json_object_get(want, "capabilities")));
		CHECK(json_equal(json_object_get(j, "tags"), json_object_get(want, "tags")));
		CHECK_EQ(json_array_size(json_object_get(j, "rules")), 12);
		CHECK(strcmp(json_string_value(json_object_get(j, "name")), "team") == 0);
	}
	json_decref(j);
	/* GET shows the script and what it compiled to. */
	j = call(&f, "GET", NULL, 200);
	v = json_object_get(j, "rulesSource");
	CHECK(json_is_string(v) && strcmp(json_string_value(v), policy) == 0);
	CHECK(want != NULL &&
	      json_equal(json_object_get(j, "tags"), json_object_get(want, "tags")));
	CHECK_EQ(zt_ctl_int(json_array_get(json_object_get(j, "tags"), 0), "id"), 1);
	json_decref(j);
	/* An empty script clears the text and keeps the rules. */
	j = post_source(&f, "", 200);
	CHECK(strcmp(json_string_value(json_object_get(j, "rulesSource")), "") == 0);
	CHECK(want != NULL &&
	      json_equal(json_object_get(j, "rules"), json_object_get(want, "rules")));
	json_decref(j);
	json_decref(want);
	teardown(&f);
}

static void test_error_leaves_network(void)
{
	struct fixture f;
	char *before, *after;
	json_t *j, *b;

	if (setup(&f) < 0) {
		CHECK(0);
		return;
	}
	j = post_source(&f, policy, 200);
	json_decref(j);
	before = dump(&f);
	/* An error on line 3, column 14: 400, ZeroTier's error shape with the
	 * place, nothing changed. */
	j = post_source(&f, "accept;\n# ports\naccept dport 99999;\n", 400);
	CHECK_EQ(json_integer_value(json_object_get(j, "error")), 400);
	CHECK_EQ(json_integer_value(json_object_get(j, "line")), 3);
	CHECK_EQ(json_integer_value(json_object_get(j, "column")), 14);
	CHECK(json_is_string(json_object_get(j, "description")) &&
	      strstr(json_string_value(json_object_get(j, "description")),
	             "field 'rulesSource': line 3 column 14: expected a port") != NULL);
	json_decref(j);
	/* With other fields in the same request: none of them applied. */
	b = json_pack("{s:s, s:s, s:i}", "name", "renamed", "rulesSource", "cap c id 1 accept;",
	              "mtu", 1400);
	j = call(&f, "POST", b, 400);
	CHECK_EQ(json_integer_value(json_object_get(j, "line")), 1);
	CHECK_EQ(json_integer_value(json_object_get(j, "column")), 19);
	json_decref(j);
	json_decref(b);
	/* Not a string. */
	b = json_pack("{s:i}", "rulesSource", 5);
	j = call(&f, "POST", b, 400);
	CHECK(strstr(json_string_value(json_object_get(j, "description")), "rulesSource") != NULL);
	json_decref(j);
	json_decref(b);
	/* More rules than a member takes: refused by the compiler, at the
	 * entry that does not fit. */
	{
		size_t cap = 60000, n = 0;
		char *s = malloc(cap);

		CHECK(s != NULL);
		for (int k = 0; s != NULL && k < 300; k++)
			n += (size_t)snprintf(s + n, cap - n, "accept dport %d;\n", k);
		j = s ? post_source(&f, s, 400) : NULL;
		CHECK(j != NULL && strstr(json_string_value(json_object_get(j, "description")),
		                          "the base rule set holds at most") != NULL);
		CHECK(j != NULL && json_integer_value(json_object_get(j, "line")) == 129);
		json_decref(j);
		free(s);
	}
	after = dump(&f);
	CHECK(before != NULL && after != NULL && strcmp(before, after) == 0);
	free(before);
	free(after);
	/* And GET still shows the policy. */
	j = call(&f, "GET", NULL, 200);
	CHECK(strcmp(json_string_value(json_object_get(j, "rulesSource")), policy) == 0);
	json_decref(j);
	teardown(&f);
}

static const char named[] = "tag Role id 1 enum 0 staff enum 5 Contractor default contractor;\n"
                            "tag dept id 2 flag 0 eng flag 3 ops flag eng,ops both;\n"
                            "tag plain id 3;\n"
                            "cap Admin id 10 default accept dport 22;;\n"
                            "cap web id 11 accept dport 443;;\n"
                            "accept tseq role staff;\n";

/* {"enums"|"flags": {NAME: v}} of tag t: v, or -1. */
static json_int_t named_value(const json_t *t, const char *kind, const char *name)
{
	const json_t *v = json_object_get(json_object_get(t, kind), name);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

static void test_by_name(void)
{
	struct fixture f;
	const json_t *tags, *caps, *t;
	json_t *j, *b;
	char *before, *after;

	if (setup(&f) < 0) {
		CHECK(0);
		return;
	}
	/* No script: empty objects. */
	b = json_pack("{s:s}", "name", "x");
	j = call(&f, "POST", b, 200);
	json_decref(b);
	CHECK(json_is_object(json_object_get(j, "tagsByName")) &&
	      json_object_size(json_object_get(j, "tagsByName")) == 0);
	CHECK(json_is_object(json_object_get(j, "capabilitiesByName")) &&
	      json_object_size(json_object_get(j, "capabilitiesByName")) == 0);
	json_decref(j);

	j = post_source(&f, named, 200);
	json_decref(j);
	j = call(&f, "GET", NULL, 200);
	tags = json_object_get(j, "tagsByName");
	caps = json_object_get(j, "capabilitiesByName");
	CHECK_EQ(json_object_size(tags), 3);
	CHECK_EQ(json_object_size(caps), 2);
	/* Names lowered, as the language is case-insensitive. */
	t = json_object_get(tags, "role");
	CHECK_EQ(zt_ctl_int(t, "id"), 1);
	CHECK_EQ(zt_ctl_int(t, "default"), 5);
	CHECK_EQ(named_value(t, "enums", "staff"), 0);
	CHECK_EQ(named_value(t, "enums", "contractor"), 5);
	CHECK_EQ(json_object_size(json_object_get(t, "enums")), 2);
	CHECK_EQ(json_object_size(json_object_get(t, "flags")), 0);
	/* Flags as masks (ZeroTier's form), a combined one included. */
	t = json_object_get(tags, "dept");
	CHECK_EQ(zt_ctl_int(t, "id"), 2);
	CHECK(json_is_null(json_object_get(t, "default")));
	CHECK_EQ(named_value(t, "flags", "eng"), 1);
	CHECK_EQ(named_value(t, "flags", "ops"), 8);
	CHECK_EQ(named_value(t, "flags", "both"), 9);
	CHECK_EQ(json_object_size(json_object_get(t, "enums")), 0);
	t = json_object_get(tags, "plain");
	CHECK_EQ(zt_ctl_int(t, "id"), 3);
	CHECK(json_is_object(json_object_get(t, "enums")) &&
	      json_is_object(json_object_get(t, "flags")));
	/* A capability with its rules, as the network's capabilities hold
	 * them. */
	t = json_object_get(caps, "admin");
	CHECK_EQ(zt_ctl_int(t, "id"), 10);
	CHECK(json_is_true(json_object_get(t, "default")));
	CHECK(json_equal(
	    json_object_get(t, "rules"),
	    json_object_get(json_array_get(json_object_get(j, "capabilities"), 0), "rules")));
	CHECK_EQ(json_array_size(json_object_get(t, "rules")), 2);
	t = json_object_get(caps, "web");
	CHECK_EQ(zt_ctl_int(t, "id"), 11);
	CHECK(json_is_false(json_object_get(t, "default")));
	json_decref(j);

	/* Read-only: a POST that sends them changes nothing stored, and the
	 * answer still shows the script's. */
	before = dump(&f);
	b = json_pack("{s:{s:{s:i}}, s:{}}", "tagsByName", "evil", "id", 99, "capabilitiesByName");
	j = call(&f, "POST", b, 200);
	json_decref(b);
	CHECK(json_object_get(json_object_get(j, "tagsByName"), "evil") == NULL);
	CHECK_EQ(json_object_size(json_object_get(j, "capabilitiesByName")), 2);
	json_decref(j);
	after = dump(&f);
	CHECK(before != NULL && after != NULL && strstr(after, "evil") == NULL &&
	      strstr(after, "tagsByName") == NULL);
	free(before);
	free(after);

	/* The script emptied: no names (the rules it compiled to stay). */
	j = post_source(&f, "", 200);
	CHECK_EQ(json_object_size(json_object_get(j, "tagsByName")), 0);
	CHECK_EQ(json_object_size(json_object_get(j, "capabilitiesByName")), 0);
	CHECK_EQ(json_array_size(json_object_get(j, "tags")), 3);
	json_decref(j);
	teardown(&f);
}

int main(void)
{
	RUN(test_compiled);
	RUN(test_error_leaves_network);
	RUN(test_by_name);
	TEST_EXIT();
}
