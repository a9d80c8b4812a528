/* SPDX-License-Identifier: MIT */
/*
 * ctl_api_test.c - the controller's admin API (capi.c over ctl_json.c and
 * an in-memory store) and its policy (policy.c):
 *   - the ZeroTier flows: create a network (also with a random id),
 *     update it, add and authorize a member, list, delete;
 *   - a list of malformed requests, each answered 4xx with a JSON error,
 *     with the database dump unchanged afterwards;
 *   - the policy: access denied, pool assignment, route prefixes, rfc4193
 *     and 6plane addresses, invites authorizing once.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/capi.h"
#include "controller/ctl.h"
#include "controller/ctl_json.h"
#include "controller/policy.h"
#include "test.h"

#define CTL_ADDR UINT64_C(0x8056c2e21c)
#define NWID     UINT64_C(0x8056c2e21c000001)
#define MEMBER   UINT64_C(0x0102030405)

static const char TOKEN[] = "sekrit-token-0123456789ab";
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

/* Send a raw request; returns the status, body in *body (caller frees). */
static int call_raw(struct fixture *f, const char *raw, size_t len, char **body)
{
	struct zt_http_request req;
	struct zt_httpd_reply reply;
	enum zt_http_parse_result r = zt_http_parse_request(raw, len, &req);

	*body = NULL;
	if (r != ZT_HTTP_COMPLETE)
		return r == ZT_HTTP_ERROR ? req.error_status : -1;
	memset(&reply, 0, sizeof reply);
	zt_capi_handle(&f->api, &req, &reply);
	*body = reply.body;
	return reply.status;
}

static int call(struct fixture *f, const char *method, const char *path, const char *data,
                const char *auth, char **body)
{
	char raw[70000];
	size_t dl = data ? strlen(data) : 0;
	int n = snprintf(
	    raw, sizeof raw, "%s %s HTTP/1.1\r\nHost: x\r\n%s%s%sContent-Length: %zu\r\n\r\n",
	    method, path, auth ? "X-ZT1-Auth: " : "", auth ? auth : "", auth ? "\r\n" : "", dl);
	if (n < 0 || (size_t)n + dl >= sizeof raw)
		return -1;
	memcpy(raw + n, data ? data : "", dl);
	return call_raw(f, raw, (size_t)n + dl, body);
}

static json_t *call_json(struct fixture *f, const char *method, const char *path, const char *data,
                         int want)
{
	char *body = NULL;
	int st = call(f, method, path, data, TOKEN, &body);
	json_t *j = body ? json_loads(body, 0, NULL) : NULL;
	if (st != want)
		printf("  %s %s -> %d (want %d): %s\n", method, path, st, want, body ? body : "");
	CHECK_EQ(st, want);
	free(body);
	return j;
}

static char *dump(struct fixture *f)
{
	char *t = NULL;
	CHECK_EQ(f->ctl.store->ops->dump(f->ctl.store, &t), ZT_OK);
	return t;
}

static void test_flow(void)
{
	struct fixture f;
	json_t *j;
	char path[128];

	if (setup(&f) < 0) {
		CHECK(0);
		return;
	}
	j = call_json(&f, "GET", "/controller", NULL, 200);
	CHECK(json_is_true(json_object_get(j, "controller")));
	json_decref(j);
	j = call_json(&f, "GET", "/status", NULL, 200);
	CHECK(strcmp(json_string_value(json_object_get(j, "address")), "8056c2e21c") == 0);
	json_decref(j);
	j = call_json(&f, "POST", "/controller/network/8056c2e21c000001",
	              "{\"name\":\"lab\",\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.9.0.10\","
	              "\"ipRangeEnd\":\"10.9.0.250\"}],\"routes\":[{\"target\":\"10.9.0.0/24\"}],"
	              "\"v4AssignMode\":{\"zt\":true}}",
	              200);
	CHECK(strcmp(json_string_value(json_object_get(j, "name")), "lab") == 0);
	CHECK(json_is_true(json_object_get(j, "private")));
	CHECK_EQ(zt_ctl_int(j, "revision"), 2);
	json_decref(j);
	/* A partial update keeps what it does not name. */
	j = call_json(&f, "POST", "/controller/network/8056c2e21c000001",
	              "{\"mtu\":1400,\"v6AssignMode\":{\"rfc4193\":true}}", 200);
	CHECK_EQ(zt_ctl_int(j, "mtu"), 1400);
	CHECK(strcmp(json_string_value(json_object_get(j, "name")), "lab") == 0);
	CHECK(json_is_true(json_object_get(json_object_get(j, "v6AssignMode"), "rfc4193")));
	CHECK(json_is_false(json_object_get(json_object_get(j, "v6AssignMode"), "6plane")));
	json_decref(j);
	/* A random id under our address. */
	j = call_json(&f, "POST", "/controller/network/8056c2e21c______", "{\"name\":\"r\"}", 200);
	CHECK(j != NULL &&
	      strncmp(json_string_value(json_object_get(j, "id")), "8056c2e21c", 10) == 0);
	json_decref(j);
	j = call_json(&f, "GET", "/controller/network", NULL, 200);
	CHECK_EQ(json_array_size(j), 2);
	json_decref(j);
	snprintf(path, sizeof path, "/controller/network/8056c2e21c000001/member/0102030405");
	j = call_json(&f, "POST", path, "{\"authorized\":true,\"name\":\"laptop\"}", 200);
	CHECK(json_is_true(json_object_get(j, "authorized")));
	CHECK_EQ(zt_ctl_int(j, "lastAuthorizedTime"), clock_ms);
	{
		/* The list shows each member's revision (from the index). */
		int64_t rev = zt_ctl_int(j, "revision");
		json_decref(j);
		j = call_json(&f, "GET", "/controller/network/8056c2e21c000001/member", NULL, 200);
		CHECK(rev > 0 && zt_ctl_int(j, "0102030405") == rev);
	}
	json_decref(j);
	/* ZeroTier's one-request lists (/unstable), as the web UIs read them. */
	j = call_json(&f, "GET", "/unstable/controller/network/8056c2e21c000001/member", NULL, 200);
	CHECK_EQ(json_array_size(json_object_get(j, "data")), 1);
	CHECK(json_is_true(
	    json_object_get(json_array_get(json_object_get(j, "data"), 0), "authorized")));
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(j, "meta"), "totalCount")), 1);
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(j, "meta"), "authorizedCount")),
	         1);
	json_decref(j);
	j = call_json(&f, "GET", "/unstable/controller/network", NULL, 200);
	CHECK_EQ(json_array_size(json_object_get(j, "data")), 2);
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(j, "meta"), "networkCount")),
	         2);
	json_decref(j);
	j = call_json(&f, "GET", "/unstable/controller/network/8056c2e21c000009/member", NULL, 404);
	json_decref(j);
	/* POST /controller/network: a new network with a random id. */
	j = call_json(&f, "POST", "/controller/network", "{\"name\":\"n3\"}", 200);
	CHECK(j != NULL &&
	      strncmp(json_string_value(json_object_get(j, "id")), "8056c2e21c", 10) == 0);
	json_decref(j);
	/* PUT is POST, as ZeroTier's controller takes it. */
	j = call_json(&f, "PUT", path, "{\"name\":\"desk\"}", 200);
	CHECK(strcmp(json_string_value(json_object_get(j, "name")), "desk") == 0);
	CHECK(json_is_true(json_object_get(j, "authorized")));
	json_decref(j);
	clock_ms += 1000;
	j = call_json(&f, "POST", path, "{\"authorized\":false}", 200);
	CHECK_EQ(zt_ctl_int(j, "lastDeauthorizedTime"), clock_ms);
	json_decref(j);
	j = call_json(&f, "DELETE", path, NULL, 200);
	json_decref(j);
	j = call_json(&f, "GET", path, NULL, 404);
	CHECK_EQ(json_integer_value(json_object_get(j, "error")), 404);
	CHECK(json_is_string(json_object_get(j, "description")));
	json_decref(j);
	j = call_json(&f, "DELETE", "/controller/network/8056c2e21c000001", NULL, 200);
	json_decref(j);
	j = call_json(&f, "GET", "/controller/network/8056c2e21c000001", NULL, 404);
	json_decref(j);
	zt_ctl_cleanup(&f.ctl);
	zt_store_close(f.ctl.store);
}

static void test_malformed(void)
{
	static const struct {
		const char *method, *path, *body;
	} bad[] = {
	    {"POST", "/controller/network/8056c2e21c000001", "{"},
	    {"POST", "/controller/network/8056c2e21c000001", "[1,2]"},
	    {"POST", "/controller/network/8056c2e21c000001", "\"str\""},
	    {"POST", "/controller/network/8056c2e21c000001", "{\"a\":1,\"a\":2}"},
	    {"POST", "/controller/network/8056c2e21c000001", "{\"name\":5}"},
	    {"POST", "/controller/network/8056c2e21c000001", "{\"mtu\":100}"},
	    {"POST", "/controller/network/8056c2e21c000001", "{\"mtu\":1e3}"},
	    {"POST", "/controller/network/8056c2e21c000001", "{\"multicastLimit\":-1}"},
	    {"POST", "/controller/network/8056c2e21c000001", "{\"routes\":{}}"},
	    {"POST", "/controller/network/8056c2e21c000001",
	     "{\"routes\":[{\"target\":\"10.0.0.0\"}]}"},
	    {"POST", "/controller/network/8056c2e21c000001",
	     "{\"routes\":[{\"target\":\"10.0.0.0/33\"}]}"},
	    {"POST", "/controller/network/8056c2e21c000001",
	     "{\"routes\":[{\"target\":\"0.0.0.0/0\",\"via\":\"fd00::1\"}]}"},
	    {"POST", "/controller/network/8056c2e21c000001",
	     "{\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.0.0.9\",\"ipRangeEnd\":\"10.0.0.1\"}]"
	     "}"},
	    {"POST", "/controller/network/8056c2e21c000001",
	     "{\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.0.0.1\",\"ipRangeEnd\":\"fd00::1\"}]"
	     "}"},
	    {"POST", "/controller/network/8056c2e21c000001",
	     "{\"ipAssignmentPools\":[{\"ipRangeStart\":\"x\",\"ipRangeEnd\":\"10.0.0.1\"}]}"},
	    {"POST", "/controller/network/8056c2e21c000001", "{\"v6AssignMode\":true}"},
	    {"POST", "/controller/network/8056c2e21c000001", "{\"private\":null}"},
	    {"POST", "/controller/network/8056c2e21c000001", "{\"enableBroadcast\":[true]}"},
	    {"POST", "/controller/network/8056c2e21c000001", "{\"mtu\":\"15x0\"}"},
	    {"POST", "/controller/network/8056c2e21c000001", "{\"mtu\":\"-1500\"}"},
	    {"POST", "/controller/network/8056c2e21c000001", "{\"multicastLimit\":1.5}"},
	    {"POST", "/controller/network/8056c2e21c000001", "{\"v6AssignMode\":{\"rfc4193\":{}}}"},
	    {"POST", "/controller/network/8056c2e21c000001", "{\"dns\":{\"servers\":[\"nope\"]}}"},
	    {"POST", "/controller/network/8056c2e21c000001", "{\"dns\":{\"domain\":7}}"},
	    {"POST", "/controller/network/8056c2e21c000001", "{\"rules\":\"drop\"}"},
	    /* a valid field with a bad one: nothing of it may stick */
	    {"POST", "/controller/network/8056c2e21c000001", "{\"name\":\"new\",\"mtu\":\"big\"}"},
	    {"POST", "/controller/network/8056c2e21c00000g", "{}"},
	    {"POST", "/controller/network/8056c2e21c", "{}"},
	    {"POST", "/controller/network/1111111111000001", "{}"}, /* not ours */
	    {"POST", "/controller/network/1111111111______", "{}"},
	    {"GET", "/controller/network/8056c2e21c000009", NULL},
	    {"GET", "/controller/network/8056c2e21c000001/member/0102", NULL},
	    {"GET", "/controller/network/8056c2e21c000001/member/0102030499", NULL},
	    {"POST", "/controller/network/8056c2e21c000009/member/0102030405", "{}"},
	    {"POST", "/controller/network/8056c2e21c000001/member/0102030405",
	     "{\"authorized\":{\"x\":1}}"},
	    {"POST", "/controller/network/8056c2e21c000001/member/0102030405",
	     "{\"activeBridge\":null}"},
	    {"POST", "/controller/network/8056c2e21c000001/member/0102030405",
	     "{\"ipAssignments\":[\"10.0.0.300\"]}"},
	    {"POST", "/controller/network/8056c2e21c000001/member/0102030405",
	     "{\"ipAssignments\":\"10.0.0.3\"}"},
	    {"POST", "/controller/network/8056c2e21c000001/member/zzzzzzzzzz", "{}"},
	    {"POST", "/controller/network/8056c2e21c000001/member/0000000000", "{}"},
	    {"POST", "/controller/network/8056c2e21c000001/invite", "{\"uses\":0}"},
	    {"POST", "/controller/network/8056c2e21c000001/invite", "{\"ttl\":\"1d\"}"},
	    {"PATCH", "/controller/network/8056c2e21c000001", "{}"},
	    {"DELETE", "/controller", NULL},
	    {"GET", "/controller/network/8056c2e21c000001/nothing", NULL},
	    {"GET", "/nothing", NULL},
	    {"DELETE", "/controller/network/8056c2e21c000009", NULL},
	};
	struct fixture f;
	char *before, *after, *body = NULL;
	json_t *j;
	char big[70000];
	int st;

	if (setup(&f) < 0) {
		CHECK(0);
		return;
	}
	j = call_json(&f, "POST", "/controller/network/8056c2e21c000001", "{\"name\":\"lab\"}",
	              200);
	json_decref(j);
	j = call_json(&f, "POST", "/controller/network/8056c2e21c000001/member/0102030405",
	              "{\"authorized\":true}", 200);
	json_decref(j);
	before = dump(&f);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		st = call(&f, bad[i].method, bad[i].path, bad[i].body, TOKEN, &body);
		j = body ? json_loads(body, 0, NULL) : NULL;
		if (st < 400 || st > 499 || json_integer_value(json_object_get(j, "error")) != st ||
		    !json_is_string(json_object_get(j, "description")))
			printf("  %s %s %s -> %d %s\n", bad[i].method, bad[i].path,
			       bad[i].body ? bad[i].body : "", st, body ? body : "");
		CHECK(st >= 400 && st <= 499);
		/* ZeroTier's error shape: the status and a description. */
		CHECK_EQ(json_integer_value(json_object_get(j, "error")), st);
		CHECK(json_is_string(json_object_get(j, "description")));
		json_decref(j);
		free(body);
	}
	/* Without or with a wrong token: 401, for reads too. */
	st = call(&f, "GET", "/controller/network", NULL, NULL, &body);
	CHECK_EQ(st, 401);
	free(body);
	st = call(&f, "POST", "/controller/network/8056c2e21c000001", "{}", "wrong", &body);
	CHECK_EQ(st, 401);
	free(body);
	/* Oversize bodies are refused by the parser (413). */
	memset(big, ' ', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	{
		char raw[200];
		int n = snprintf(raw, sizeof raw,
		                 "POST /controller/network/8056c2e21c000001 HTTP/1.1\r\n"
		                 "X-ZT1-Auth: %s\r\nContent-Length: 100000\r\n\r\n",
		                 TOKEN);
		struct zt_http_request req;
		CHECK_EQ(zt_http_parse_request(raw, (size_t)n, &req), ZT_HTTP_ERROR);
		CHECK_EQ(req.error_status, 413);
	}
	after = dump(&f);
	CHECK(before != NULL && after != NULL && strcmp(before, after) == 0);
	free(before);
	free(after);
	zt_ctl_cleanup(&f.ctl);
	zt_store_close(f.ctl.store);
}

/* Values as ZeroTier reads them, as web UIs send them: string and number
 * booleans, numbers as strings, the old string form of the assign modes;
 * objects answered with every field ZeroTier shows, old records too. */
static void test_values(void)
{
	static const char *const path = "/controller/network/8056c2e21c000001";
	static const char *const mpath = "/controller/network/8056c2e21c000001/member/0102030405";
	struct fixture f;
	json_t *j, *o;

	if (setup(&f) < 0) {
		CHECK(0);
		return;
	}
	j = call_json(&f, "POST", path,
	              "{\"private\":\"false\",\"enableBroadcast\":0,\"mtu\":\"1500\","
	              "\"multicastLimit\":\"64\",\"v4AssignMode\":{\"zt\":\"true\"},"
	              "\"v6AssignMode\":\"rfc4193,6plane\"}",
	              200);
	CHECK(json_is_false(json_object_get(j, "private")));
	CHECK(json_is_false(json_object_get(j, "enableBroadcast")));
	CHECK_EQ(zt_ctl_int(j, "mtu"), 1500);
	CHECK_EQ(zt_ctl_int(j, "multicastLimit"), 64);
	CHECK(json_is_true(json_object_get(json_object_get(j, "v4AssignMode"), "zt")));
	o = json_object_get(j, "v6AssignMode");
	CHECK(json_is_true(json_object_get(o, "rfc4193")) &&
	      json_is_true(json_object_get(o, "6plane")) &&
	      json_is_false(json_object_get(o, "zt")));
	CHECK(json_is_string(json_object_get(j, "rulesSource")) &&
	      json_is_false(json_object_get(j, "ssoEnabled")));
	json_decref(j);
	/* A form's unchecked box leaves the mode out: it is off (replaced, as
	 * ZeroTier does); "True" and "1" are true, anything else false. */
	j = call_json(&f, "POST", path,
	              "{\"v4AssignMode\":{},\"v6AssignMode\":{\"zt\":\"1\"},\"private\":"
	              "\"True\",\"enableBroadcast\":\"yes\"}",
	              200);
	CHECK(json_is_false(json_object_get(json_object_get(j, "v4AssignMode"), "zt")));
	o = json_object_get(j, "v6AssignMode");
	CHECK(json_is_true(json_object_get(o, "zt")) &&
	      json_is_false(json_object_get(o, "rfc4193")));
	CHECK(json_is_true(json_object_get(j, "private")));
	CHECK(json_is_false(json_object_get(j, "enableBroadcast")));
	json_decref(j);
	j = call_json(&f, "POST", mpath, "{\"authorized\":\"true\",\"activeBridge\":\"true\"}",
	              200);
	CHECK(json_is_true(json_object_get(j, "authorized")));
	CHECK(json_is_true(json_object_get(j, "activeBridge")));
	CHECK(strcmp(json_string_value(json_object_get(j, "lastAuthorizedCredentialType")),
	             "api") == 0);
	CHECK_EQ(zt_ctl_int(j, "vMajor"), -1);
	json_decref(j);
	j = call_json(&f, "POST", mpath, "{\"authorized\":\"false\",\"noAutoAssignIps\":2}", 200);
	CHECK(json_is_false(json_object_get(j, "authorized")));
	CHECK(json_is_true(json_object_get(j, "noAutoAssignIps")));
	json_decref(j);
	/* A record of an older zt-controller gains the fields when shown. */
	CHECK_EQ(f.ctl.store->ops->member_put(f.ctl.store, UINT64_C(0x8056c2e21c000001),
	                                      0x0a0b0c0d0e,
	                                      "{\"id\":\"0a0b0c0d0e\",\"authorized\":true,"
	                                      "\"revision\":3}"),
	         ZT_OK);
	j = call_json(&f, "GET", "/controller/network/8056c2e21c000001/member/0a0b0c0d0e", NULL,
	              200);
	CHECK(json_is_false(json_object_get(j, "ssoExempt")));
	CHECK(json_is_null(json_object_get(j, "lastAuthorizedCredential")));
	CHECK_EQ(zt_ctl_int(j, "vProto"), -1);
	json_decref(j);
	/* The controller's node answers /peer (no node here: no peers). */
	j = call_json(&f, "GET", "/peer", NULL, 200);
	CHECK(json_is_array(j) && json_array_size(j) == 0);
	json_decref(j);
	/* An unknown peer: ZeroTier's 200 {}. */
	j = call_json(&f, "GET", "/peer/0102030405", NULL, 200);
	CHECK(json_is_object(j) && json_object_size(j) == 0);
	json_decref(j);
	zt_ctl_cleanup(&f.ctl);
	zt_store_close(f.ctl.store);
}

/* ---- policy ---- */

struct used {
	struct zt_inetaddr ips[8];
	int n;
};

static bool is_used(void *ctx, const struct zt_inetaddr *ip)
{
	struct used *u = ctx;
	for (int i = 0; i < u->n; i++)
		if (memcmp(u->ips[i].ip, ip->ip, 16) == 0 && u->ips[i].family == ip->family)
			return true;
	return false;
}

static void test_policy(void)
{
	json_t *net = zt_ctl_net_new(NWID, 1000), *m = zt_ctl_member_new(NWID, MEMBER, 1000), *req;
	struct zt_netconf *c = calloc(1, sizeof *c);
	struct used u;
	char err[256], text[64];
	bool changed;

	if (c == NULL || net == NULL || m == NULL) {
		CHECK(0);
		return;
	}
	req =
	    json_loads("{\"name\":\"lab\",\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.9.0.10\","
	               "\"ipRangeEnd\":\"10.9.0.12\"}],\"routes\":[{\"target\":\"10.9.0.0/24\"},"
	               "{\"target\":\"0.0.0.0/0\",\"via\":\"10.9.0.1\"}],\"v4AssignMode\":{\"zt\":"
	               "true},\"v6AssignMode\":{\"rfc4193\":true,\"6plane\":true},\"dns\":{"
	               "\"domain\":\"lab.zt\",\"servers\":[\"10.9.0.1\"]}}",
	               0, NULL);
	CHECK_EQ(zt_ctl_net_update(net, req, err, sizeof err), 0);
	json_decref(req);
	CHECK_EQ(zt_policy_decide(net, m, MEMBER, false, 2000, NULL, NULL, c, &changed),
	         ZT_NETCONF_ACCESS_DENIED);
	/* An invite authorizes. */
	CHECK_EQ(zt_policy_decide(net, m, MEMBER, true, 2000, NULL, NULL, c, &changed),
	         ZT_NETCONF_OK);
	CHECK(changed && zt_ctl_bool(m, "authorized"));
	CHECK(strcmp(c->name, "lab") == 0);
	CHECK(c->flags & ZT_NETCONF_F_PRIVATE);
	CHECK_EQ(c->route_count, 2);
	CHECK_EQ(c->routes[1].via.family, 4);
	CHECK_EQ(c->dns_count, 1);
	CHECK(strcmp(c->dns_domain, "lab.zt") == 0);
	CHECK_EQ(c->addr_count, 3); /* pool + rfc4193 + 6plane */
	zt_ctl_ip_text(&c->addrs[0], true, text, sizeof text);
	CHECK(strncmp(text, "10.9.0.1", 8) == 0 && strstr(text, "/24") != NULL);
	CHECK_EQ(json_array_size(json_object_get(m, "ipAssignments")), 1);
	zt_ctl_ip_text(&c->addrs[1], true, text, sizeof text);
	CHECK(strcmp(text, "fd80:56c2:e21c:0:199:9301:203:405/88") == 0);
	zt_ctl_ip_text(&c->addrs[2], true, text, sizeof text);
	CHECK(strcmp(text, "fc9c:56c2:e301:203:405::1/40") == 0);
	/* Asked again: the same address, nothing to store. */
	CHECK_EQ(zt_policy_decide(net, m, MEMBER, false, 3000, NULL, NULL, c, &changed),
	         ZT_NETCONF_OK);
	CHECK(!changed);
	/* Another member gets a free one: .10 .11 .12 minus the used. */
	{
		json_t *m2 = zt_ctl_member_new(NWID, MEMBER + 1, 1000);
		json_object_set_new(m2, "authorized", json_true());
		memset(&u, 0, sizeof u);
		u.n = 2;
		CHECK_EQ(zt_ctl_parse_ip("10.9.0.10", &u.ips[0]), ZT_OK);
		CHECK_EQ(zt_ctl_parse_ip("10.9.0.11", &u.ips[1]), ZT_OK);
		CHECK_EQ(
		    zt_policy_decide(net, m2, MEMBER + 1, false, 3000, is_used, &u, c, &changed),
		    ZT_NETCONF_OK);
		zt_ctl_ip_text(&c->addrs[0], false, text, sizeof text);
		CHECK(strcmp(text, "10.9.0.12") == 0);
		json_decref(m2);
	}
	json_decref(net);
	json_decref(m);
	free(c);
}

/* The controller end to end without a node: a request through ctl.c with
 * an invite token: authorized once, the token spent after its uses. */
static void test_invite(void)
{
	struct fixture f;
	struct zt_netconf *c = calloc(1, sizeof *c);
	struct zt_netconf_request req;
	uint8_t token[ZT_CTL_TOKEN_LEN], pk[32];
	json_t *j;
	char *d = NULL;

	if (c == NULL || setup(&f) < 0) {
		CHECK(0);
		free(c);
		return;
	}
	j = call_json(&f, "POST", "/controller/network/8056c2e21c000001", "{}", 200);
	json_decref(j);
	memset(token, 0x5a, sizeof token);
	memset(pk, 3, sizeof pk);
	CHECK_EQ(zt_ctl_invite_create(&f.ctl, NWID, token, 1, clock_ms + 60000, clock_ms), ZT_OK);
	CHECK_EQ(zt_ctl_invite_create(&f.ctl, NWID + 5, token, 1, clock_ms + 60000, clock_ms),
	         ZT_ENOTFOUND);
	/* The token itself is not in the database, only its hash. */
	CHECK_EQ(f.ctl.store->ops->dump(f.ctl.store, &d), ZT_OK);
	CHECK(d != NULL && strstr(d, "5A5A5A5A") == NULL && strstr(d, "5a5a5a5a") == NULL);
	free(d);
	memset(&req, 0, sizeof req);
	req.nwid = NWID;
	req.member = MEMBER;
	req.member_pk = pk;
	CHECK_EQ(zt_ctl_netconf_request(&f.ctl, clock_ms, &req, c), ZT_NETCONF_ACCESS_DENIED);
	req.token = token;
	req.token_len = sizeof token;
	CHECK_EQ(zt_ctl_netconf_request(&f.ctl, clock_ms, &req, c), ZT_NETCONF_OK);
	/* Spent: another member with the same token is refused, and told why. */
	req.member = MEMBER + 1;
	CHECK_EQ(zt_ctl_netconf_request(&f.ctl, clock_ms, &req, c), ZT_NETCONF_BAD_INVITE);
	req.token_len = 0;
	req.token = NULL;
	CHECK_EQ(zt_ctl_netconf_request(&f.ctl, clock_ms, &req, c), ZT_NETCONF_ACCESS_DENIED);
	req.token = token;
	req.token_len = sizeof token;
	/* A push to a member with no record does not make one. */
	req.is_push = true;
	req.member = MEMBER + 9;
	CHECK_EQ(zt_ctl_netconf_request(&f.ctl, clock_ms, &req, c), ZT_NETCONF_BAD_INVITE);
	req.token = NULL;
	req.token_len = 0;
	CHECK_EQ(zt_ctl_netconf_request(&f.ctl, clock_ms, &req, c), ZT_NETCONF_ACCESS_DENIED);
	j = call_json(&f, "GET", "/controller/network/8056c2e21c000001/member/010203040e", NULL,
	              404);
	json_decref(j);
	req.is_push = false;
	req.token = token;
	req.token_len = sizeof token;
	/* Unknown network: answered as a refused invite, not "not found"
	 * (which would tell strangers which networks exist). */
	req.nwid = NWID + 7;
	CHECK_EQ(zt_ctl_netconf_request(&f.ctl, clock_ms, &req, c), ZT_NETCONF_BAD_INVITE);
	j = call_json(&f, "GET", "/controller/network/8056c2e21c000001/member/0102030405", NULL,
	              200);
	CHECK(json_is_true(json_object_get(j, "authorized")));
	CHECK_EQ(zt_ctl_int(j, "lastSeen"), clock_ms);
	json_decref(j);
	/* The API's invite: a token of 32 hex digits. */
	j = call_json(&f, "POST", "/controller/network/8056c2e21c000001/invite",
	              "{\"uses\":3,\"ttl\":60}", 200);
	CHECK(j != NULL && strlen(json_string_value(json_object_get(j, "token"))) == 32);
	json_decref(j);
	zt_ctl_cleanup(&f.ctl);
	zt_store_close(f.ctl.store);
	free(c);
}

/* Configs list the network's bridges: authorized members with
 * activeBridge, as the admin changes them. */
static void test_bridges(void)
{
	struct fixture f;
	struct zt_netconf *c = calloc(1, sizeof *c);
	struct zt_netconf_request req;
	json_t *j;

	if (c == NULL || setup(&f) < 0) {
		CHECK(0);
		free(c);
		return;
	}
	j = call_json(&f, "POST", "/controller/network/8056c2e21c000001", "{}", 200);
	json_decref(j);
	j = call_json(&f, "POST", "/controller/network/8056c2e21c000001/member/0102030405",
	              "{\"authorized\":true}", 200);
	json_decref(j);
	j = call_json(&f, "POST", "/controller/network/8056c2e21c000001/member/0a0b0c0d0e",
	              "{\"authorized\":true,\"activeBridge\":true}", 200);
	json_decref(j);
	j = call_json(&f, "POST", "/controller/network/8056c2e21c000001/member/0a0b0c0d0f",
	              "{\"authorized\":false,\"activeBridge\":true}", 200);
	json_decref(j);
	memset(&req, 0, sizeof req);
	req.nwid = NWID;
	req.member = MEMBER;
	CHECK_EQ(zt_ctl_netconf_request(&f.ctl, clock_ms, &req, c), ZT_NETCONF_OK);
	CHECK_EQ(c->bridge_count, 1); /* the unauthorized one does not count */
	CHECK_EQ(c->bridges[0], UINT64_C(0x0a0b0c0d0e));
	j = call_json(&f, "POST", "/controller/network/8056c2e21c000001/member/0a0b0c0d0e",
	              "{\"activeBridge\":false}", 200);
	json_decref(j);
	CHECK_EQ(zt_ctl_netconf_request(&f.ctl, clock_ms, &req, c), ZT_NETCONF_OK);
	CHECK_EQ(c->bridge_count, 0);
	zt_ctl_cleanup(&f.ctl);
	zt_store_close(f.ctl.store);
	free(c);
}

static void post_member(struct fixture *f, uint64_t addr, const char *body)
{
	char path[96];
	json_t *j;
	snprintf(path, sizeof path, "/controller/network/8056c2e21c000001/member/%010" PRIx64,
	         addr);
	j = call_json(f, "POST", path, body, 200);
	json_decref(j);
}

/* Names: every authorized member with a usable name and an address, as a
 * DNS label, in address order, the first of two with one name; none
 * without a dns.domain; a rename reaches the next config; bounded. */
static void test_names(void)
{
	struct fixture f;
	struct zt_netconf *c = calloc(1, sizeof *c);
	struct zt_netconf_request req;
	char text[64];
	json_t *j;

	if (c == NULL || setup(&f) < 0) {
		CHECK(0);
		free(c);
		return;
	}
	j = call_json(&f, "POST", "/controller/network/8056c2e21c000001", "{}", 200);
	json_decref(j);
	post_member(&f, MEMBER,
	            "{\"authorized\":true,\"name\":\"Laptop\","
	            "\"ipAssignments\":[\"10.9.0.5\",\"fd00::5\"]}");
	post_member(&f, 0x0a0b0c0d0e,
	            "{\"authorized\":true,\"name\":\" Bob's  Phone_2 \","
	            "\"ipAssignments\":[\"10.9.0.6\"]}");
	post_member(&f, 0x0a0b0c0d0f,
	            "{\"authorized\":true,\"name\":\"laptop\","
	            "\"ipAssignments\":[\"10.9.0.7\"]}");
	post_member(&f, 0x0a0b0c0d10,
	            "{\"authorized\":false,\"name\":\"guest\","
	            "\"ipAssignments\":[\"10.9.0.8\"]}");
	post_member(&f, 0x0a0b0c0d11, "{\"authorized\":true,\"name\":\"noip\"}");
	post_member(&f, 0x0a0b0c0d12,
	            "{\"authorized\":true,\"name\":\"---\","
	            "\"ipAssignments\":[\"10.9.0.9\"]}");
	memset(&req, 0, sizeof req);
	req.nwid = NWID;
	req.member = MEMBER;
	/* No dns.domain: no names. */
	CHECK_EQ(zt_ctl_netconf_request(&f.ctl, clock_ms, &req, c), ZT_NETCONF_OK);
	CHECK_EQ(c->name_count, 0);
	j = call_json(&f, "POST", "/controller/network/8056c2e21c000001",
	              "{\"dns\":{\"domain\":\"lab.zt\",\"servers\":[]}}", 200);
	json_decref(j);
	CHECK_EQ(zt_ctl_netconf_request(&f.ctl, clock_ms, &req, c), ZT_NETCONF_OK);
	CHECK_EQ(c->name_count, 2);
	CHECK(c->names[0].member == MEMBER && strcmp(c->names[0].label, "laptop") == 0);
	CHECK_EQ(c->names[0].addr_count, 2);
	zt_ctl_ip_text(&c->names[0].addrs[1], true, text, sizeof text);
	CHECK(strcmp(text, "fd00::5/128") == 0);
	CHECK(strcmp(c->names[1].label, "bob-s-phone-2") == 0);
	/* A rename is in the next config (the cache is cleared). */
	post_member(&f, MEMBER, "{\"name\":\"desk\"}");
	CHECK_EQ(zt_ctl_netconf_request(&f.ctl, clock_ms, &req, c), ZT_NETCONF_OK);
	CHECK_EQ(c->name_count, 3); /* 0a0b0c0d0f's "laptop" is free now */
	CHECK(strcmp(c->names[0].label, "desk") == 0 && strcmp(c->names[2].label, "laptop") == 0);
	/* Bounded: the first ZT_NETCONF_MAX_NAMES by address. */
	for (unsigned i = 0; i < ZT_NETCONF_MAX_NAMES + 20; i++) {
		char body[128];
		snprintf(
		    body, sizeof body,
		    "{\"authorized\":true,\"name\":\"m%u\",\"ipAssignments\":[\"10.10.%u.%u\"]}", i,
		    i / 200, 1 + i % 200);
		post_member(&f, 0x0b00000000ULL + i, body);
	}
	CHECK_EQ(zt_ctl_netconf_request(&f.ctl, clock_ms, &req, c), ZT_NETCONF_OK);
	CHECK_EQ(c->name_count, ZT_NETCONF_MAX_NAMES);
	CHECK(strcmp(c->names[ZT_NETCONF_MAX_NAMES - 1].label, "m252") == 0);
	{
		static uint8_t buf[16384];
		int n = zt_netconf_encode(c, buf, sizeof buf);
		CHECK(n > 0 && n < 16384 - 100);
	}
	zt_ctl_cleanup(&f.ctl);
	zt_store_close(f.ctl.store);
	free(c);
}

/* The audit trail: every change through the API with who, when, what,
 * before and after, newest first, in pages; refused requests leave no
 * entry, an invite's token is never in it; kept across a restart of the
 * store; trimmed by age and by count. */
static void test_audit(void)
{
	struct fixture f;
	char dir[] = "/tmp/zt-ctl-audit.XXXXXX", path[96], url[160], *body = NULL;
	json_t *j, *e, *tok;
	int64_t next;
	uint64_t gone = 0;

	if (mkdtemp(dir) == NULL) {
		CHECK(0);
		return;
	}
	snprintf(path, sizeof path, "%s/ctl.db", dir);
	memset(&f, 0, sizeof f);
	if (setup(&f) < 0) {
		CHECK(0);
		return;
	}
	zt_store_close(f.ctl.store);
	CHECK_EQ(zt_store_sqlite_open(&f.ctl.store, path, url, sizeof url), ZT_OK);
	json_decref(
	    call_json(&f, "POST", "/controller/network/8056c2e21c000001", "{\"name\":\"a\"}", 200));
	json_decref(
	    call_json(&f, "POST", "/controller/network/8056c2e21c000001", "{\"name\":\"b\"}", 200));
	json_decref(call_json(&f, "POST", "/controller/network/8056c2e21c000001", "{\"mtu\":7}",
	                      400)); /* refused: no entry */
	json_decref(call_json(&f, "POST", "/controller/network/8056c2e21c000001/member/0102030405",
	                      "{\"authorized\":true}", 200));
	tok = call_json(&f, "POST", "/controller/network/8056c2e21c000001/invite", "{\"uses\":3}",
	                200);
	clock_ms += 1000;
	json_decref(call_json(&f, "DELETE",
	                      "/controller/network/8056c2e21c000001/member/0102030405", NULL, 200));
	CHECK_EQ(call(&f, "GET", "/controller/audit", NULL, NULL, &body), 401);
	free(body);
	CHECK_EQ(call(&f, "POST", "/controller/audit", "{}", TOKEN, &body), 405);
	free(body);
	CHECK_EQ(call(&f, "GET", "/controller/audit?limit=0", NULL, TOKEN, &body), 400);
	free(body);
	CHECK_EQ(call(&f, "GET", "/controller/audit?limit=1001", NULL, TOKEN, &body), 400);
	free(body);
	CHECK_EQ(call(&f, "GET", "/controller/audit?before=x1", NULL, TOKEN, &body), 400);
	free(body);

	/* Newest first: the delete, the invite, the member, two network writes. */
	CHECK_EQ(call(&f, "GET", "/controller/audit", NULL, TOKEN, &body), 200);
	CHECK(body != NULL && strstr(body, json_string_value(json_object_get(tok, "token"))) ==
	                          NULL); /* the token is never stored */
	j = body ? json_loads(body, 0, NULL) : NULL;
	free(body);
	e = json_object_get(j, "entries");
	CHECK_EQ(json_array_size(e), 5);
	CHECK(json_is_null(json_object_get(j, "next")));
	if (json_array_size(e) == 5) {
		json_t *d = json_array_get(e, 0), *inv = json_array_get(e, 1),
		       *m = json_array_get(e, 2), *up = json_array_get(e, 3),
		       *cr = json_array_get(e, 4);
		CHECK(strcmp(json_string_value(json_object_get(d, "action")), "delete") == 0);
		CHECK(strcmp(json_string_value(json_object_get(d, "object")),
		             "network/8056c2e21c000001/member/0102030405") == 0);
		CHECK(strcmp(json_string_value(json_object_get(d, "who")), "admin") == 0);
		CHECK_EQ(zt_ctl_int(d, "time"), clock_ms);
		CHECK(zt_ctl_bool(json_object_get(d, "old"), "authorized"));
		CHECK(json_is_null(json_object_get(d, "new")));
		CHECK(strcmp(json_string_value(json_object_get(inv, "object")),
		             "network/8056c2e21c000001/invite") == 0);
		CHECK_EQ(zt_ctl_int(json_object_get(inv, "new"), "uses"), 3);
		CHECK(strcmp(json_string_value(json_object_get(m, "action")), "create") == 0);
		CHECK(json_is_null(json_object_get(m, "old")));
		CHECK(zt_ctl_bool(json_object_get(m, "new"), "authorized"));
		CHECK_EQ(zt_ctl_int(m, "time"), clock_ms - 1000);
		CHECK(strcmp(json_string_value(json_object_get(up, "action")), "update") == 0);
		CHECK(strcmp(json_string_value(json_object_get(json_object_get(up, "old"), "name")),
		             "a") == 0);
		CHECK(strcmp(json_string_value(json_object_get(json_object_get(up, "new"), "name")),
		             "b") == 0);
		CHECK(strcmp(json_string_value(json_object_get(cr, "action")), "create") == 0);
		CHECK(zt_ctl_int(cr, "id") < zt_ctl_int(up, "id"));
	}
	json_decref(j);
	json_decref(tok);

	/* Pages of 2: 2, 2, 1. */
	j = call_json(&f, "GET", "/controller/audit?limit=2", NULL, 200);
	CHECK_EQ(json_array_size(json_object_get(j, "entries")), 2);
	next = zt_ctl_int(j, "next");
	CHECK(next > 0);
	json_decref(j);
	snprintf(url, sizeof url, "/controller/audit?before=%lld&limit=2", (long long)next);
	j = call_json(&f, "GET", url, NULL, 200);
	CHECK_EQ(json_array_size(json_object_get(j, "entries")), 2);
	CHECK(zt_ctl_int(json_array_get(json_object_get(j, "entries"), 0), "id") < next);
	next = zt_ctl_int(j, "next");
	json_decref(j);
	snprintf(url, sizeof url, "/controller/audit?limit=2&before=%lld", (long long)next);
	j = call_json(&f, "GET", url, NULL, 200);
	CHECK_EQ(json_array_size(json_object_get(j, "entries")), 1);
	CHECK(json_is_null(json_object_get(j, "next")));
	json_decref(j);

	/* Kept across a restart. */
	zt_ctl_cleanup(&f.ctl);
	zt_store_close(f.ctl.store);
	CHECK_EQ(zt_store_sqlite_open(&f.ctl.store, path, url, sizeof url), ZT_OK);
	j = call_json(&f, "GET", "/controller/audit", NULL, 200);
	CHECK_EQ(json_array_size(json_object_get(j, "entries")), 5);
	json_decref(j);

	/* Retention: by count (the newest stay), then by age. */
	CHECK_EQ(f.ctl.store->ops->audit_prune(f.ctl.store, 0, 3, &gone), ZT_OK);
	CHECK_EQ(gone, 2);
	j = call_json(&f, "GET", "/controller/audit", NULL, 200);
	CHECK_EQ(json_array_size(json_object_get(j, "entries")), 3);
	CHECK(strcmp(json_string_value(json_object_get(
	                 json_array_get(json_object_get(j, "entries"), 0), "action")),
	             "delete") == 0);
	json_decref(j);
	CHECK_EQ(f.ctl.store->ops->audit_prune(f.ctl.store, clock_ms, 1000, &gone), ZT_OK);
	CHECK_EQ(gone, 2); /* older than the delete, which stays */
	j = call_json(&f, "GET", "/controller/audit", NULL, 200);
	CHECK_EQ(json_array_size(json_object_get(j, "entries")), 1);
	json_decref(j);
	zt_ctl_cleanup(&f.ctl);
	zt_store_close(f.ctl.store);
	snprintf(url, sizeof url, "rm -rf %s", dir);
	CHECK_EQ(system(url), 0);
}

int main(void)
{
	RUN(test_flow);
	RUN(test_audit);
	RUN(test_malformed);
	RUN(test_values);
	RUN(test_policy);
	RUN(test_invite);
	RUN(test_bridges);
	RUN(test_names);
	TEST_EXIT();
}
