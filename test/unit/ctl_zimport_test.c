/* SPDX-License-Identifier: MIT */
/*
 * ctl_zimport_test.c - a ZeroTier controller's objects into this
 * controller's (controller/zimport.c):
 *   - the reader: malformed, too large, too deep files refused with the
 *     reason;
 *   - the mapper: a network under this controller's address with
 *     ZeroTier's last 6 hex digits and every field carried over; a member
 *     as an unauthorized reservation that remembers its authorization;
 *     bad fields named;
 *   - the claim, through ctl.c as a member's config request: the invite's
 *     token hands the reservation's name, addresses, tags, capabilities
 *     and authorization to the new member, once; the old address itself
 *     is refused; a reservation of an unauthorized member stays
 *     unauthorized; a deleted reservation lets nobody in;
 *   - export: a reservation is the ZeroTier member it was.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/capi.h"
#include "controller/ctl.h"
#include "controller/ctl_json.h"
#include "controller/zimport.h"
#include "test.h"

#define CTL_ADDR UINT64_C(0x8056c2e21c)
#define OLD_NWID UINT64_C(0xa1b2c3d4e5000001)
#define NWID     UINT64_C(0x8056c2e21c000001)
#define OLD_M    UINT64_C(0x1122334455)
#define NEW_M    UINT64_C(0x0102030405)

static const int64_t now = 1700000000000;

static const char net_text[] =
    "{\"id\":\"a1b2c3d4e5000001\",\"nwid\":\"a1b2c3d4e5000001\",\"objtype\":\"network\","
    "\"name\":\"office\",\"private\":true,\"creationTime\":1650000000000,\"mtu\":2800,"
    "\"multicastLimit\":64,\"enableBroadcast\":false,\"v4AssignMode\":{\"zt\":true},"
    "\"v6AssignMode\":{\"rfc4193\":true,\"zt\":false,\"6plane\":false},"
    "\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.147.17.1\",\"ipRangeEnd\":\"10.147.17.254\"}],"
    "\"routes\":[{\"target\":\"10.147.17.0/24\",\"via\":null}],"
    "\"dns\":{\"domain\":\"office.example\",\"servers\":[\"10.147.17.53\"]},"
    "\"rules\":[{\"type\":\"ACTION_ACCEPT\",\"not\":false,\"or\":false}],"
    "\"capabilities\":[{\"id\":1,\"default\":false,\"rules\":[{\"type\":\"ACTION_ACCEPT\"}]}],"
    "\"tags\":[{\"id\":1000,\"default\":1}],\"rulesSource\":\"accept;\","
    "\"authTokens\":[null],\"revision\":9,\"ssoEnabled\":false}";

static const char member_text[] =
    "{\"id\":\"1122334455\",\"address\":\"1122334455\",\"nwid\":\"a1b2c3d4e5000001\","
    "\"objtype\":\"member\",\"name\":\"laptop\",\"authorized\":true,"
    "\"ipAssignments\":[\"10.147.17.5\"],\"activeBridge\":true,\"noAutoAssignIps\":true,"
    "\"tags\":[[1000,2]],\"capabilities\":[1],\"identity\":\"1122334455:0:abcd\","
    "\"creationTime\":1650000001000,\"revision\":3,\"vMajor\":1}";

static json_t *parse(const char *text)
{
	char err[256];
	json_t *j = NULL;
	CHECK_EQ(zt_zimport_parse(text, strlen(text), &j, err, sizeof err), 0);
	return j;
}

static void test_reader(void)
{
	static const char *const bad[] = {"", "[]", "{\"a\":1,\"a\":2}", "{\"a\":", "\"x\"", NULL};
	char err[256], *big, *deep;
	json_t *j = (json_t *)1;

	for (const char *const *b = bad; *b; b++) {
		err[0] = '\0';
		CHECK_EQ(zt_zimport_parse(*b, strlen(*b), &j, err, sizeof err), -EINVAL);
		CHECK(j == NULL && err[0] != '\0');
	}
	big = calloc(1, ZT_ZIMPORT_FILE_MAX + 2);
	deep = calloc(1, 200);
	if (big == NULL || deep == NULL) {
		CHECK(0);
		goto out;
	}
	memset(big, ' ', ZT_ZIMPORT_FILE_MAX + 1);
	big[0] = '{';
	big[ZT_ZIMPORT_FILE_MAX] = '}';
	CHECK_EQ(zt_zimport_parse(big, ZT_ZIMPORT_FILE_MAX + 1, &j, err, sizeof err), -EFBIG);
	CHECK(j == NULL);
	/* 40 nested arrays in an object: deeper than 32. */
	strcpy(deep, "{\"a\":");
	for (int i = 0; i < 40; i++)
		strcat(deep, "[");
	for (int i = 0; i < 40; i++)
		strcat(deep, "]");
	strcat(deep, "}");
	CHECK_EQ(zt_zimport_parse(deep, strlen(deep), &j, err, sizeof err), -EINVAL);
	CHECK(strstr(err, "nesting") != NULL);
out:
	free(big);
	free(deep);
}

/* A network file with one field replaced: the error names it. */
static void net_refused(const char *key, const char *value, const char *want)
{
	json_t *zt = parse(net_text), *v = json_loads(value, JSON_DECODE_ANY, NULL), *out;
	char err[256] = "";
	uint64_t old;

	CHECK(zt != NULL && v != NULL);
	json_object_set_new(zt, key, v);
	CHECK_EQ(zt_zimport_net(zt, CTL_ADDR, now, &out, &old, err, sizeof err), -EINVAL);
	CHECK(out == NULL);
	if (strstr(err, want) == NULL)
		printf("  %s=%s: '%s' lacks '%s'\n", key, value, err, want);
	CHECK(strstr(err, want) != NULL);
	json_decref(zt);
}

static void test_net(void)
{
	json_t *zt = parse(net_text), *net = NULL, *x;
	char err[256];
	uint64_t old = 0;

	CHECK_EQ(zt_zimport_net(zt, CTL_ADDR, now, &net, &old, err, sizeof err), 0);
	CHECK_EQ(old, OLD_NWID);
	CHECK(strcmp(json_string_value(json_object_get(net, "id")), "8056c2e21c000001") == 0);
	CHECK(strcmp(json_string_value(json_object_get(net, "name")), "office") == 0);
	CHECK_EQ(zt_ctl_int(net, "creationTime"), 1650000000000);
	CHECK_EQ(zt_ctl_int(net, "multicastLimit"), 64);
	CHECK(json_is_false(json_object_get(net, "enableBroadcast")));
	CHECK(json_is_true(json_object_get(json_object_get(net, "v6AssignMode"), "rfc4193")));
	CHECK(
	    strcmp(json_string_value(json_object_get(
	               json_array_get(json_object_get(net, "ipAssignmentPools"), 0), "ipRangeEnd")),
	           "10.147.17.254") == 0);
	CHECK(strcmp(json_string_value(json_object_get(json_object_get(net, "dns"), "domain")),
	             "office.example") == 0);
	CHECK_EQ(json_array_size(json_object_get(net, "capabilities")), 1);
	CHECK_EQ(zt_ctl_int(json_array_get(json_object_get(net, "tags"), 0), "default"), 1);
	/* ZeroTier's rules language is not ours: kept aside, not compiled. */
	CHECK(json_string_length(json_object_get(net, "rulesSource")) == 0);
	x = zt_zimport_export_net(net);
	CHECK(strcmp(json_string_value(json_object_get(x, "rulesSource")), "accept;") == 0);
	CHECK(json_object_get(x, "zerotier") == NULL);
	CHECK(
	    json_is_false(json_object_get(json_array_get(json_object_get(x, "rules"), 0), "not")));
	json_decref(x);
	json_decref(net);
	json_decref(zt);

	net_refused("mtu", "100", "'mtu'");
	net_refused("id", "\"a1b2\"", "'id'");
	net_refused("nwid", "\"a1b2c3d4e5000002\"", "'nwid'");
	net_refused("objtype", "\"member\"", "'objtype'");
	net_refused("ipAssignmentPools", "[{\"ipRangeStart\":\"x\"}]", "ipRangeStart");
	net_refused("rules", "[{\"type\":\"MATCH_NOPE\"}]", "rules");
	net_refused("name", "7", "'name'");
}

static json_t *reservation(void)
{
	json_t *zt = parse(member_text), *m = NULL;
	char err[256];
	uint64_t old = 0;

	CHECK_EQ(zt_zimport_member(zt, OLD_NWID, NWID, now, &m, &old, err, sizeof err), 0);
	CHECK_EQ(old, OLD_M);
	json_decref(zt);
	return m;
}

static void test_member(void)
{
	json_t *m = reservation(), *zt, *out, *x;
	char err[256];
	uint64_t old, a = 0;

	CHECK(zt_zimport_is_reservation(m));
	CHECK(json_is_false(json_object_get(m, "authorized")));
	CHECK(json_is_true(json_object_get(json_object_get(m, "zerotier"), "authorized")));
	CHECK(strcmp(json_string_value(json_object_get(m, "id")), "1122334455") == 0);
	CHECK(strcmp(json_string_value(json_object_get(m, "nwid")), "8056c2e21c000001") == 0);
	CHECK(strcmp(json_string_value(json_object_get(m, "name")), "laptop") == 0);
	CHECK(json_is_true(json_object_get(m, "activeBridge")));
	CHECK(json_is_true(json_object_get(m, "noAutoAssignIps")));
	CHECK_EQ(json_array_size(json_object_get(m, "tags")), 1);
	/* Exported, it is the member ZeroTier had. */
	out = zt_zimport_export_member(m, &a);
	CHECK_EQ(a, OLD_M);
	CHECK(json_is_true(json_object_get(out, "authorized")));
	CHECK(strcmp(json_string_value(json_object_get(out, "identity")), "1122334455:0:abcd") ==
	      0);
	CHECK(json_object_get(out, "reservation") == NULL);
	json_decref(out);
	json_decref(m);

	/* A member in the wrong folder, a bad address, a bad field. */
	zt = parse(member_text);
	CHECK_EQ(zt_zimport_member(zt, OLD_NWID + 1, NWID, now, &m, &old, err, sizeof err),
	         -EINVAL);
	CHECK(strstr(err, "'nwid'") != NULL && m == NULL);
	json_object_set_new(zt, "ipAssignments", json_pack("[s]", "10.1.2"));
	CHECK_EQ(zt_zimport_member(zt, OLD_NWID, NWID, now, &m, &old, err, sizeof err), -EINVAL);
	CHECK(strstr(err, "ipAssignments") != NULL);
	x = json_pack("{s:s}", "id", "11223344");
	CHECK_EQ(zt_zimport_member(x, OLD_NWID, NWID, now, &m, &old, err, sizeof err), -EINVAL);
	CHECK(strstr(err, "'id'") != NULL);
	json_decref(x);
	json_decref(zt);
}

static void put(struct zt_store *s, uint64_t nwid, uint64_t addr, const json_t *j)
{
	char *t = json_dumps(j, JSON_COMPACT);
	CHECK_EQ(addr ? s->ops->member_put(s, nwid, addr, t) : s->ops->net_put(s, nwid, t), ZT_OK);
	free(t);
}

/* The reservation for old, its invite, and the token into token. */
static void reserve(struct zt_ctl *ctl, json_t *m, uint64_t old, uint8_t *token, uint8_t fill)
{
	uint8_t rnd[ZT_CTL_TOKEN_LEN], h[32];

	json_object_set_new(m, "id", json_sprintf("%010" PRIx64, old));
	put(ctl->store, NWID, old, m);
	memset(rnd, fill, sizeof rnd);
	zt_zimport_token(token, rnd, old);
	crypto_generichash(h, sizeof h, token, ZT_ZIMPORT_TOKEN_LEN, NULL, 0);
	CHECK_EQ(ctl->store->ops->invite_put(ctl->store, h, NWID, 1, now + 60000, now), ZT_OK);
}

/* Has the store a record of member addr (not just a pending one)? */
static bool stored(struct zt_ctl *ctl, uint64_t addr)
{
	char *t = NULL;
	int r = ctl->store->ops->member_get(ctl->store, NWID, addr, &t);
	free(t);
	return r == ZT_OK;
}

static void test_claim(void)
{
	struct zt_ctl ctl;
	struct zt_netconf *c = calloc(1, sizeof *c);
	struct zt_netconf_request req;
	uint8_t token[ZT_ZIMPORT_TOKEN_LEN], token2[ZT_ZIMPORT_TOKEN_LEN], pk[32];
	json_t *zt = parse(net_text), *net = NULL, *m, *j;
	char err[256];
	uint64_t old;

	memset(&ctl, 0, sizeof ctl);
	ctl.address = CTL_ADDR;
	if (c == NULL || zt_store_sqlite_open(&ctl.store, ":memory:", err, sizeof err) != ZT_OK) {
		CHECK(0);
		goto out;
	}
	CHECK_EQ(zt_zimport_net(zt, CTL_ADDR, now, &net, &old, err, sizeof err), 0);
	put(ctl.store, NWID, 0, net);
	m = reservation();
	reserve(&ctl, m, OLD_M, token, 7);
	/* A second reservation, of a member ZeroTier had not authorized. */
	json_object_set_new(json_object_get(m, "zerotier"), "authorized", json_false());
	json_object_set_new(m, "ipAssignments", json_pack("[s]", "10.147.17.6"));
	json_object_set_new(m, "name", json_string("guest"));
	reserve(&ctl, m, OLD_M + 1, token2, 8);
	json_decref(m);

	memset(pk, 3, sizeof pk);
	memset(&req, 0, sizeof req);
	req.nwid = NWID;
	req.member_pk = pk;
	/* Nobody asks under the old address, invite or not. */
	req.member = OLD_M;
	CHECK_EQ(zt_ctl_netconf_request(&ctl, now, &req, c), ZT_NETCONF_ACCESS_DENIED);
	/* Another member's claim: the reservation's all. */
	req.member = NEW_M;
	req.token = token;
	req.token_len = sizeof token;
	CHECK_EQ(zt_ctl_netconf_request(&ctl, now, &req, c), ZT_NETCONF_OK);
	/* Its IPv4 address, and the rfc4193 one the network gives. */
	CHECK_EQ(c->addr_count, 2);
	CHECK(c->addrs[0].family == 4 && memcmp(c->addrs[0].ip, "\x0a\x93\x11\x05", 4) == 0);
	CHECK_EQ(c->tag_count, 1);
	CHECK(c->tag_count == 1 && c->tags[0].id == 1000 && c->tags[0].value == 2);
	CHECK_EQ(c->cap_count, 1);
	m = zt_ctl_load_member(&ctl, NWID, NEW_M);
	CHECK(strcmp(json_string_value(json_object_get(m, "name")), "laptop") == 0);
	CHECK(json_is_true(json_object_get(m, "authorized")));
	CHECK(json_is_true(json_object_get(m, "activeBridge")));
	CHECK(!zt_zimport_is_reservation(m));
	CHECK(strcmp(json_string_value(json_object_get(json_object_get(m, "zerotier"), "address")),
	             "1122334455") == 0);
	json_decref(m);
	/* The reservation is gone (its address is the new member's now),
	 * and the token spent. */
	CHECK(!stored(&ctl, OLD_M));
	req.member = NEW_M + 1;
	CHECK_EQ(zt_ctl_netconf_request(&ctl, now, &req, c), ZT_NETCONF_BAD_INVITE);
	CHECK(!stored(&ctl, NEW_M + 1));

	/* ZeroTier had not authorized the other one: claimed (named, its
	 * address kept for it), still not authorized. */
	req.token = token2;
	CHECK_EQ(zt_ctl_netconf_request(&ctl, now, &req, c), ZT_NETCONF_ACCESS_DENIED);
	m = zt_ctl_load_member(&ctl, NWID, NEW_M + 1);
	CHECK(m != NULL && strcmp(json_string_value(json_object_get(m, "name")), "guest") == 0);
	CHECK(json_is_false(json_object_get(m, "authorized")));
	CHECK(json_array_size(json_object_get(m, "ipAssignments")) == 1);
	j = zt_zimport_export_member(m, &old);
	CHECK_EQ(old, NEW_M + 1);
	CHECK(j != NULL && json_object_get(j, "zerotier") == NULL);
	json_decref(j);
	json_decref(m);
	CHECK(!stored(&ctl, OLD_M + 1));

	/* A new invite for a reservation (the import's was lost): it claims;
	 * none for a claimed one or an ordinary member. */
	{
		uint8_t rnd[ZT_CTL_TOKEN_LEN], t3[ZT_ZIMPORT_TOKEN_LEN];
		memset(rnd, 4, sizeof rnd);
		m = reservation();
		json_object_set_new(m, "id", json_string("1122334458"));
		put(ctl.store, NWID, OLD_M + 3, m);
		json_decref(m);
		CHECK_EQ(zt_zimport_invite(ctl.store, NWID, OLD_M, rnd, now + 1000, now, t3),
		         ZT_ENOTFOUND);
		CHECK_EQ(zt_zimport_invite(ctl.store, NWID, NEW_M, rnd, now + 1000, now, t3),
		         ZT_ENOTFOUND);
		CHECK_EQ(zt_zimport_invite(ctl.store, NWID, OLD_M + 3, rnd, now + 1000, now, t3),
		         ZT_OK);
		req.member = NEW_M + 3;
		req.token = t3;
		CHECK_EQ(zt_ctl_netconf_request(&ctl, now, &req, c), ZT_NETCONF_OK);
		CHECK(!stored(&ctl, OLD_M + 3) && stored(&ctl, NEW_M + 3));
		req.token = token;
	}

	/* A reservation an admin deleted: its token lets nobody in. */
	m = reservation();
	reserve(&ctl, m, OLD_M + 2, token, 9);
	json_decref(m);
	CHECK_EQ(ctl.store->ops->member_delete(ctl.store, NWID, OLD_M + 2), ZT_OK);
	req.member = NEW_M + 2;
	CHECK_EQ(zt_ctl_netconf_request(&ctl, now, &req, c), ZT_NETCONF_BAD_INVITE);
	CHECK(!stored(&ctl, NEW_M + 2));
out:
	zt_ctl_cleanup(&ctl);
	zt_store_close(ctl.store);
	json_decref(net);
	json_decref(zt);
	free(c);
}

static int64_t fake_now(void *ctx)
{
	(void)ctx;
	return now;
}

static void fake_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	memset(buf, 0x33, len);
}

/* One admin API request: its status, the body's JSON in *out. */
static int call(struct zt_capi *api, const char *method, const char *path, const char *data,
                json_t **out)
{
	char raw[4096];
	struct zt_http_request req;
	struct zt_httpd_reply reply;
	int n = snprintf(raw, sizeof raw,
	                 "%s %s HTTP/1.1\r\nHost: x\r\nX-ZT1-Auth: tok\r\n"
	                 "Content-Length: %zu\r\n\r\n%s",
	                 method, path, strlen(data), data);

	*out = NULL;
	if (n < 0 || (size_t)n >= sizeof raw ||
	    zt_http_parse_request(raw, (size_t)n, &req) != ZT_HTTP_COMPLETE)
		return -1;
	memset(&reply, 0, sizeof reply);
	zt_capi_handle(api, &req, &reply);
	*out = reply.body ? json_loads(reply.body, 0, NULL) : NULL;
	free(reply.body);
	return reply.status;
}

/* The admin API: a reservation is edited but never authorized; a new
 * claim invite for it (42 hex digits), none for other members. */
static void test_api(void)
{
	struct zt_ctl ctl;
	struct zt_capi api;
	json_t *zt = parse(net_text), *net = NULL, *m, *j = NULL;
	char err[256];
	uint64_t old;

	memset(&ctl, 0, sizeof ctl);
	memset(&api, 0, sizeof api);
	ctl.address = CTL_ADDR;
	api.ctl = &ctl;
	api.token = "tok";
	api.public_identity = "8056c2e21c:00";
	api.now = fake_now;
	api.random = fake_random;
	if (zt_store_sqlite_open(&ctl.store, ":memory:", err, sizeof err) != ZT_OK) {
		CHECK(0);
		goto out;
	}
	CHECK_EQ(zt_zimport_net(zt, CTL_ADDR, now, &net, &old, err, sizeof err), 0);
	put(ctl.store, NWID, 0, net);
	m = reservation();
	put(ctl.store, NWID, OLD_M, m);
	json_decref(m);
	CHECK_EQ(call(&api, "POST", "/controller/network/8056c2e21c000001/member/1122334455",
	              "{\"authorized\":true}", &j),
	         400);
	CHECK(strstr(json_string_value(json_object_get(j, "description")), "reservation") != NULL);
	json_decref(j);
	CHECK_EQ(call(&api, "POST", "/controller/network/8056c2e21c000001/member/1122334455",
	              "{\"name\":\"laptop2\"}", &j),
	         200);
	CHECK(json_is_false(json_object_get(j, "authorized")) &&
	      json_is_true(json_object_get(j, "reservation")));
	json_decref(j);
	CHECK_EQ(call(&api, "POST", "/controller/network/8056c2e21c000001/invite",
	              "{\"reservation\":\"1122334455\",\"uses\":5}", &j),
	         200);
	CHECK_EQ(json_string_length(json_object_get(j, "token")), 42);
	CHECK_EQ(zt_ctl_int(j, "uses"), 1);
	json_decref(j);
	CHECK_EQ(call(&api, "POST", "/controller/network/8056c2e21c000001/invite",
	              "{\"reservation\":\"0102030405\"}", &j),
	         404);
	json_decref(j);
	CHECK_EQ(call(&api, "POST", "/controller/network/8056c2e21c000001/invite",
	              "{\"reservation\":\"xyz\"}", &j),
	         400);
	json_decref(j);
out:
	zt_ctl_cleanup(&ctl);
	zt_store_close(ctl.store);
	json_decref(net);
	json_decref(zt);
}

int main(void)
{
	RUN(test_reader);
	RUN(test_net);
	RUN(test_member);
	RUN(test_claim);
	RUN(test_api);
	TEST_EXIT();
}
