/* SPDX-License-Identifier: MIT */
/*
 * ctl_hostile_test.c - the controller under strangers' config requests
 * (controller/ctl.c over an in-memory store that counts what it is asked):
 *   - denied requesters leave no member row; the admin still sees them
 *     (authorized: false) in a bounded, expiring list, and authorizing one
 *     keeps the key it asked with;
 *   - per-requester and global rate limits: excess requests touch no store;
 *   - one answer for "no such network" and "not allowed", no write in either;
 *   - a member's key pinned on first sight;
 *   - an invite used against another network spends no use.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/capi.h"
#include "controller/ctl.h"
#include "controller/ctl_json.h"
#include "test.h"

#define CTL_ADDR UINT64_C(0x8056c2e21c)
#define NWID     UINT64_C(0x8056c2e21c000001)
#define MEMBER   UINT64_C(0x0102030405)

static const char TOKEN[] = "sekrit-token-0123456789ab";
static int64_t clock_ms = 1700000000000;

/* ---- a store that counts the calls it forwards ---- */

struct counting {
	struct zt_store base;
	struct zt_store *inner;
	unsigned reads, writes, begins, invite_uses;
	unsigned lists; /* member_list: every member of a network read */
};

#define INNER(s) (((struct counting *)(s))->inner)
#define CNT(s)   ((struct counting *)(s))

static void c_close(struct zt_store *s)
{
	zt_store_close(INNER(s));
}
static int c_begin(struct zt_store *s)
{
	CNT(s)->begins++;
	return INNER(s)->ops->begin(INNER(s));
}
static int c_commit(struct zt_store *s)
{
	return INNER(s)->ops->commit(INNER(s));
}
static void c_rollback(struct zt_store *s)
{
	INNER(s)->ops->rollback(INNER(s));
}
static int c_net_get(struct zt_store *s, uint64_t nwid, char **json)
{
	CNT(s)->reads++;
	return INNER(s)->ops->net_get(INNER(s), nwid, json);
}
static int c_net_put(struct zt_store *s, uint64_t nwid, const char *json)
{
	CNT(s)->writes++;
	return INNER(s)->ops->net_put(INNER(s), nwid, json);
}
static int c_net_delete(struct zt_store *s, uint64_t nwid)
{
	CNT(s)->writes++;
	return INNER(s)->ops->net_delete(INNER(s), nwid);
}
static int c_net_list(struct zt_store *s, zt_store_each_fn fn, void *ctx)
{
	CNT(s)->reads++;
	return INNER(s)->ops->net_list(INNER(s), fn, ctx);
}
static int c_member_get(struct zt_store *s, uint64_t nwid, uint64_t addr, char **json)
{
	CNT(s)->reads++;
	return INNER(s)->ops->member_get(INNER(s), nwid, addr, json);
}
static int c_member_put(struct zt_store *s, uint64_t nwid, uint64_t addr, const char *json)
{
	CNT(s)->writes++;
	return INNER(s)->ops->member_put(INNER(s), nwid, addr, json);
}
static int c_member_delete(struct zt_store *s, uint64_t nwid, uint64_t addr)
{
	CNT(s)->writes++;
	return INNER(s)->ops->member_delete(INNER(s), nwid, addr);
}
static int c_member_list(struct zt_store *s, uint64_t nwid, zt_store_each_fn fn, void *ctx)
{
	CNT(s)->reads++;
	CNT(s)->lists++;
	return INNER(s)->ops->member_list(INNER(s), nwid, fn, ctx);
}
static int c_member_ids(struct zt_store *s, uint64_t nwid, enum zt_store_which which,
                        uint64_t after, uint64_t *out, size_t cap, size_t *n)
{
	CNT(s)->reads++;
	return INNER(s)->ops->member_ids(INNER(s), nwid, which, after, out, cap, n);
}
static int c_member_revisions(struct zt_store *s, uint64_t nwid, uint64_t after, uint64_t *out,
                              int64_t *rev, size_t cap, size_t *n)
{
	CNT(s)->reads++;
	return INNER(s)->ops->member_revisions(INNER(s), nwid, after, out, rev, cap, n);
}
static int c_ip_owner(struct zt_store *s, uint64_t nwid, const struct zt_inetaddr *ip,
                      uint64_t *owner)
{
	CNT(s)->reads++;
	return INNER(s)->ops->ip_owner(INNER(s), nwid, ip, owner);
}
static int c_count(struct zt_store *s, uint64_t *networks, uint64_t *members)
{
	CNT(s)->reads++;
	return INNER(s)->ops->count(INNER(s), networks, members);
}
static int c_audit_put(struct zt_store *s, const struct zt_store_audit *e)
{
	CNT(s)->writes++;
	return INNER(s)->ops->audit_put(INNER(s), e);
}
static int c_audit_list(struct zt_store *s, int64_t before, unsigned limit, zt_store_audit_fn fn,
                        void *ctx)
{
	CNT(s)->reads++;
	return INNER(s)->ops->audit_list(INNER(s), before, limit, fn, ctx);
}
static int c_audit_prune(struct zt_store *s, int64_t older_than, uint64_t max_rows,
                         uint64_t *deleted)
{
	CNT(s)->writes++;
	return INNER(s)->ops->audit_prune(INNER(s), older_than, max_rows, deleted);
}
static int c_invite_put(struct zt_store *s, const uint8_t hash[32], uint64_t nwid, unsigned uses,
                        int64_t expires, int64_t now)
{
	CNT(s)->writes++;
	return INNER(s)->ops->invite_put(INNER(s), hash, nwid, uses, expires, now);
}
static int c_invite_use(struct zt_store *s, const uint8_t hash[32], uint64_t nwid, int64_t now)
{
	CNT(s)->invite_uses++; /* a write only if it takes a use */
	return INNER(s)->ops->invite_use(INNER(s), hash, nwid, now);
}
static int c_dump(struct zt_store *s, char **text)
{
	return INNER(s)->ops->dump(INNER(s), text);
}

static const struct zt_store_ops counting_ops = {
    .close = c_close,
    .begin = c_begin,
    .commit = c_commit,
    .rollback = c_rollback,
    .net_get = c_net_get,
    .net_put = c_net_put,
    .net_delete = c_net_delete,
    .net_list = c_net_list,
    .member_get = c_member_get,
    .member_put = c_member_put,
    .member_delete = c_member_delete,
    .member_list = c_member_list,
    .member_ids = c_member_ids,
    .member_revisions = c_member_revisions,
    .ip_owner = c_ip_owner,
    .count = c_count,
    .audit_put = c_audit_put,
    .audit_list = c_audit_list,
    .audit_prune = c_audit_prune,
    .invite_put = c_invite_put,
    .invite_use = c_invite_use,
    .dump = c_dump,
};

/* ---- the fixture: ctl + admin API over the counting store ---- */

struct fixture {
	struct counting store;
	struct zt_ctl ctl;
	struct zt_capi api;
	struct zt_netconf conf;
};

static int64_t fake_now(void *ctx)
{
	(void)ctx;
	return clock_ms;
}

static void fake_random(void *ctx, void *buf, size_t len)
{
	static uint8_t next = 1;
	(void)ctx;
	memset(buf, next++, len);
}

static int setup(struct fixture *f)
{
	char err[256];
	memset(f, 0, sizeof *f);
	if (zt_store_sqlite_open(&f->store.inner, ":memory:", err, sizeof err) != ZT_OK) {
		printf("  store: %s\n", err);
		return -1;
	}
	f->store.base.ops = &counting_ops;
	f->ctl.store = &f->store.base;
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
	zt_store_close(&f->store.base);
}

static json_t *api(struct fixture *f, const char *method, const char *path, const char *data,
                   int want)
{
	char raw[4096];
	size_t dl = data ? strlen(data) : 0;
	struct zt_http_request req;
	struct zt_httpd_reply reply;
	json_t *j = NULL;
	int n =
	    snprintf(raw, sizeof raw,
	             "%s %s HTTP/1.1\r\nHost: x\r\nX-ZT1-Auth: %s\r\nContent-Length: %zu\r\n\r\n%s",
	             method, path, TOKEN, dl, data ? data : "");

	memset(&reply, 0, sizeof reply);
	if (n < 0 || (size_t)n >= sizeof raw ||
	    zt_http_parse_request(raw, (size_t)n, &req) != ZT_HTTP_COMPLETE) {
		CHECK(0);
		return NULL;
	}
	zt_capi_handle(&f->api, &req, &reply);
	if (reply.status != want)
		printf("  %s %s -> %d (want %d): %s\n", method, path, reply.status, want,
		       reply.body ? reply.body : "");
	CHECK_EQ(reply.status, want);
	if (reply.body != NULL)
		j = json_loads(reply.body, 0, NULL);
	free(reply.body);
	return j;
}

static void api_drop(struct fixture *f, const char *method, const char *path, const char *data,
                     int want)
{
	json_decref(api(f, method, path, data, want));
}

/* A config request from member `addr` whose key is 32 bytes of pk_byte. */
static enum zt_netconf_verdict ask_tok(struct fixture *f, uint64_t nwid, uint64_t addr,
                                       uint8_t pk_byte, const uint8_t *token, size_t token_len)
{
	struct zt_netconf_request req;
	uint8_t pk[32];
	memset(pk, pk_byte, sizeof pk);
	memset(&req, 0, sizeof req);
	req.nwid = nwid;
	req.member = addr;
	req.member_pk = pk;
	req.token = token;
	req.token_len = token_len;
	return zt_ctl_netconf_request(&f->ctl, clock_ms, &req, &f->conf);
}

static enum zt_netconf_verdict ask(struct fixture *f, uint64_t nwid, uint64_t addr, uint8_t pk)
{
	return ask_tok(f, nwid, addr, pk, NULL, 0);
}

static unsigned member_rows(struct fixture *f)
{
	char *d = NULL, *p;
	unsigned n = 0;
	CHECK_EQ(f->store.inner->ops->dump(f->store.inner, &d), ZT_OK);
	for (p = d; p != NULL && (p = strstr(p, "member ")) != NULL; p++)
		n++;
	free(d);
	return n;
}

static void member_path(char *out, size_t cap, uint64_t nwid, uint64_t addr)
{
	snprintf(out, cap, "/controller/network/%016llx/member/%010llx", (unsigned long long)nwid,
	         (unsigned long long)addr);
}

/* ---- 1. strangers leave no row ---- */

static void test_denied_no_row(void)
{
	struct fixture f;
	char path[128], want_id[ZT_IDENTITY_PUBLIC_TEXT];
	unsigned writes;
	int64_t seen3 = 0;
	json_t *j;

	if (setup(&f) < 0) {
		CHECK(0);
		return;
	}
	api_drop(&f, "POST", "/controller/network/8056c2e21c000001", "{}", 200);
	writes = f.store.writes;
	for (unsigned i = 0; i < 40; i++) {
		clock_ms += 100;
		CHECK_EQ(ask(&f, NWID, MEMBER + i, (uint8_t)(i + 1)), ZT_NETCONF_ACCESS_DENIED);
		if (i == 3)
			seen3 = clock_ms;
	}
	/* Asked again: still nothing written. */
	clock_ms += 5000;
	CHECK_EQ(ask(&f, NWID, MEMBER, 1), ZT_NETCONF_ACCESS_DENIED);
	CHECK_EQ(f.store.writes - writes, 0);
	CHECK_EQ(member_rows(&f), 0);

	/* The admin sees them, unauthorized, with the key they asked with. */
	j = api(&f, "GET", "/controller/network/8056c2e21c000001/member", NULL, 200);
	CHECK_EQ(json_object_size(j), 40);
	CHECK(json_object_get(j, "0102030408") != NULL);
	json_decref(j);
	member_path(path, sizeof path, NWID, MEMBER + 3);
	{
		struct zt_identity id;
		memset(&id, 0, sizeof id);
		id.address = MEMBER + 3;
		memset(id.pk, 4, sizeof id.pk);
		CHECK_EQ(zt_identity_to_text(&id, false, want_id, sizeof want_id), ZT_OK);
	}
	j = api(&f, "GET", path, NULL, 200);
	CHECK(json_is_false(json_object_get(j, "authorized")));
	CHECK(json_is_string(json_object_get(j, "identity")) &&
	      strcmp(json_string_value(json_object_get(j, "identity")), want_id) == 0);
	CHECK_EQ(zt_ctl_int(j, "lastSeen"), seen3);
	json_decref(j);

	/* Authorized by the admin: now a row, with the key it was seen with. */
	j = api(&f, "POST", path, "{\"authorized\":true}", 200);
	CHECK(json_is_true(json_object_get(j, "authorized")));
	CHECK(strcmp(json_string_value(json_object_get(j, "identity")), want_id) == 0);
	json_decref(j);
	CHECK_EQ(member_rows(&f), 1);
	CHECK_EQ(ask(&f, NWID, MEMBER + 3, 4), ZT_NETCONF_OK);
	j = api(&f, "GET", "/controller/network/8056c2e21c000001/member", NULL, 200);
	CHECK_EQ(json_object_size(j), 40); /* the same 40: one stored, 39 pending */
	json_decref(j);

	/* Deleting a pending one forgets it. */
	member_path(path, sizeof path, NWID, MEMBER + 5);
	api_drop(&f, "DELETE", path, NULL, 200);
	api_drop(&f, "GET", path, NULL, 404);
	teardown(&f);
}

static unsigned listed(struct fixture *f, const char *nwid)
{
	char path[96];
	json_t *j;
	unsigned n;
	snprintf(path, sizeof path, "/controller/network/%s/member", nwid);
	j = api(f, "GET", path, NULL, 200);
	n = (unsigned)json_object_size(j);
	json_decref(j);
	return n;
}

/* The pending list is bounded per network and in all, evicts the least
 * recently seen, and forgets those that stopped asking. */
static void test_pending_bounded(void)
{
	struct fixture f;
	char path[128];

	if (setup(&f) < 0) {
		CHECK(0);
		return;
	}
	api_drop(&f, "POST", "/controller/network/8056c2e21c000001", "{}", 200);
	api_drop(&f, "POST", "/controller/network/8056c2e21c000002", "{}", 200);
	/* A patient member of network 2 that keeps asking. */
	CHECK_EQ(ask(&f, NWID + 1, MEMBER, 1), ZT_NETCONF_ACCESS_DENIED);
	for (unsigned i = 0; i < ZT_CTL_PENDING_PER_NET + 50; i++) {
		clock_ms += 100;
		CHECK_EQ(ask(&f, NWID, MEMBER + 1 + i, 1), ZT_NETCONF_ACCESS_DENIED);
	}
	CHECK_EQ(listed(&f, "8056c2e21c000001"), ZT_CTL_PENDING_PER_NET);
	/* The oldest went, the newest stayed; network 2 was not touched. */
	member_path(path, sizeof path, NWID, MEMBER + 1);
	api_drop(&f, "GET", path, NULL, 404);
	member_path(path, sizeof path, NWID, MEMBER + ZT_CTL_PENDING_PER_NET + 50);
	api_drop(&f, "GET", path, NULL, 200);
	CHECK_EQ(listed(&f, "8056c2e21c000002"), 1);
	/* A whole table of strangers over many networks evicts the least
	 * recently seen of all, not a member that keeps asking. */
	for (uint64_t n = 3; n < 3 + ZT_CTL_PENDING_MAX / ZT_CTL_PENDING_PER_NET; n++) {
		snprintf(path, sizeof path, "/controller/network/8056c2e21c%06llx",
		         (unsigned long long)n);
		api_drop(&f, "POST", path, "{}", 200);
	}
	for (unsigned i = 0; i < ZT_CTL_PENDING_MAX; i++) {
		uint64_t n = NWID + 2 + i / ZT_CTL_PENDING_PER_NET;
		if (i % 64 == 0) {
			clock_ms += 1000;
			CHECK_EQ(ask(&f, NWID + 1, MEMBER, 1), ZT_NETCONF_ACCESS_DENIED);
		}
		CHECK_EQ(ask(&f, n, MEMBER + 1000 + i, 1), ZT_NETCONF_ACCESS_DENIED);
	}
	CHECK_EQ(listed(&f, "8056c2e21c000002"), 1);
	CHECK(listed(&f, "8056c2e21c000001") < ZT_CTL_PENDING_PER_NET);
	/* Nobody asks for an hour: all forgotten. */
	clock_ms += ZT_CTL_PENDING_TTL;
	CHECK_EQ(listed(&f, "8056c2e21c000002"), 0);
	CHECK_EQ(member_rows(&f), 0);
	teardown(&f);
}

/* ---- 2. rate limits ---- */

static void test_rate_limits(void)
{
	struct fixture f;
	unsigned answered = 0, reads;
	const uint64_t stranger = MEMBER + 100, m = MEMBER;

	if (setup(&f) < 0) {
		CHECK(0);
		return;
	}
	api_drop(&f, "POST", "/controller/network/8056c2e21c000001", "{}", 200);
	api_drop(&f, "POST", "/controller/network/8056c2e21c000001/member/0102030405",
	         "{\"authorized\":true}", 200);
	CHECK_EQ(ask(&f, NWID, m, 1), ZT_NETCONF_OK);

	/* One requester, 100 requests in one millisecond: its burst is
	 * answered, the rest cost no store call at all. */
	clock_ms += 1000;
	reads = f.store.reads;
	for (unsigned i = 0; i < 100; i++)
		if (ask(&f, NWID, stranger, 9) != ZT_NETCONF_IGNORE)
			answered++;
	CHECK_EQ(answered, ZT_CTL_RATE_BURST);
	CHECK(f.store.reads - reads <= 2 * answered);
	CHECK_EQ(f.ctl.rate_limited, 100 - ZT_CTL_RATE_BURST);
	/* A second later, one more. */
	clock_ms += 1000;
	CHECK(ask(&f, NWID, stranger, 9) != ZT_NETCONF_IGNORE);
	CHECK_EQ(ask(&f, NWID, stranger, 9), ZT_NETCONF_IGNORE);

	/* Many strangers at once: the strangers' budget, then silence, and
	 * the member is still answered. */
	clock_ms += 10000;
	answered = 0;
	reads = f.store.reads;
	for (unsigned i = 0; i < 3 * ZT_CTL_STRANGER_BURST; i++) {
		if (ask(&f, NWID, MEMBER + 1000 + i, 9) != ZT_NETCONF_IGNORE)
			answered++;
		if (i % 500 == 0)
			CHECK_EQ(ask(&f, NWID, m, 1), ZT_NETCONF_OK);
	}
	CHECK_EQ(answered, ZT_CTL_STRANGER_BURST);
	CHECK(f.store.reads - reads <= 2 * answered + 4 * 6);
	CHECK_EQ(ask(&f, NWID, m, 1), ZT_NETCONF_OK);
	/* Refilled with time. */
	clock_ms += 1000;
	answered = 0;
	for (unsigned i = 0; i < 3 * ZT_CTL_STRANGER_BURST; i++)
		if (ask(&f, NWID, MEMBER + 100000 + i, 9) != ZT_NETCONF_IGNORE)
			answered++;
	CHECK_EQ(answered, ZT_CTL_STRANGER_PER_SEC);

	/* More requesters than the table holds: it stays bounded and a
	 * member that keeps asking keeps its place. */
	for (unsigned i = 0; i < 2 * ZT_CTL_RATE_SLOTS; i++) {
		if (i % 1000 == 0) {
			clock_ms += 2000;
			CHECK_EQ(ask(&f, NWID, m, 1), ZT_NETCONF_OK);
		}
		(void)ask(&f, NWID, MEMBER + 200000 + i, 9);
	}
	teardown(&f);
}

/* ---- 3. one answer for "no such network" and "not allowed" ---- */

static void test_no_enumeration(void)
{
	struct fixture f;
	const uint8_t token[16] = {7};
	const uint64_t nets[2] = {NWID, NWID + 9}; /* exists, does not */
	enum zt_netconf_verdict plain[2], with_token[2];
	unsigned nreads[2];

	if (setup(&f) < 0) {
		CHECK(0);
		return;
	}
	api_drop(&f, "POST", "/controller/network/8056c2e21c000001", "{}", 200);
	for (int i = 0; i < 2; i++) {
		unsigned writes = f.store.writes, begins = f.store.begins;
		unsigned reads = f.store.reads, uses = f.store.invite_uses;
		clock_ms += 1000;
		plain[i] = ask(&f, nets[i], MEMBER + (uint64_t)i, 1);
		with_token[i] =
		    ask_tok(&f, nets[i], MEMBER + 2 + (uint64_t)i, 1, token, sizeof token);
		/* The same store calls either way, and no write. */
		CHECK_EQ(f.store.writes - writes, 0);
		CHECK_EQ(f.store.begins - begins, 1);
		CHECK_EQ(f.store.invite_uses - uses, 1);
		nreads[i] = f.store.reads - reads;
	}
	/* As many reads for a network that exists as for one that does not
	 * (how many is the config path's business: an invite's attempt
	 * reads the member and the network again under the write lock). */
	CHECK_EQ(nreads[0], nreads[1]);
	CHECK(nreads[0] >= 4 && nreads[0] <= 8);
	CHECK_EQ(plain[0], ZT_NETCONF_ACCESS_DENIED);
	CHECK_EQ(plain[1], ZT_NETCONF_ACCESS_DENIED);
	CHECK_EQ(with_token[0], ZT_NETCONF_BAD_INVITE);
	CHECK_EQ(with_token[1], ZT_NETCONF_BAD_INVITE);
	CHECK_EQ(member_rows(&f), 0);
	teardown(&f);
}

/* ---- 4. keys pinned on first sight ---- */

static const char *identity_of(struct fixture *f, uint64_t addr, char *out, size_t cap)
{
	char path[128];
	json_t *j;
	member_path(path, sizeof path, NWID, addr);
	j = api(f, "GET", path, NULL, 200);
	snprintf(out, cap, "%s",
	         json_is_string(json_object_get(j, "identity"))
	             ? json_string_value(json_object_get(j, "identity"))
	             : "");
	json_decref(j);
	return out;
}

static void test_key_pinned(void)
{
	struct fixture f;
	char before[ZT_IDENTITY_PUBLIC_TEXT], after[ZT_IDENTITY_PUBLIC_TEXT];
	uint8_t token[ZT_CTL_TOKEN_LEN];

	if (setup(&f) < 0) {
		CHECK(0);
		return;
	}
	api_drop(&f, "POST", "/controller/network/8056c2e21c000001", "{}", 200);
	/* A member the admin authorized before it ever asked: its first
	 * request pins its key. */
	api_drop(&f, "POST", "/controller/network/8056c2e21c000001/member/0102030405",
	         "{\"authorized\":true}", 200);
	CHECK_EQ(ask(&f, NWID, MEMBER, 1), ZT_NETCONF_OK);
	identity_of(&f, MEMBER, before, sizeof before);
	CHECK(strlen(before) > 11);
	clock_ms += 1000;
	CHECK_EQ(ask(&f, NWID, MEMBER, 2), ZT_NETCONF_ACCESS_DENIED);
	CHECK_EQ(f.ctl.key_refused, 1);
	CHECK(strcmp(identity_of(&f, MEMBER, after, sizeof after), before) == 0);
	clock_ms += 1000;
	CHECK_EQ(ask(&f, NWID, MEMBER, 1), ZT_NETCONF_OK);

	/* A pending requester: its first key is the one an admin or an
	 * invite lets in; another key with a valid invite spends nothing. */
	memset(token, 0x42, sizeof token);
	CHECK_EQ(zt_ctl_invite_create(&f.ctl, NWID, token, 1, clock_ms + 60000, clock_ms), ZT_OK);
	clock_ms += 1000;
	CHECK_EQ(ask(&f, NWID, MEMBER + 1, 5), ZT_NETCONF_ACCESS_DENIED);
	identity_of(&f, MEMBER + 1, before, sizeof before);
	clock_ms += 1000;
	CHECK(ask_tok(&f, NWID, MEMBER + 1, 6, token, sizeof token) != ZT_NETCONF_OK);
	CHECK_EQ(f.ctl.key_refused, 2);
	CHECK(strcmp(identity_of(&f, MEMBER + 1, after, sizeof after), before) == 0);
	clock_ms += 1000;
	CHECK_EQ(ask_tok(&f, NWID, MEMBER + 1, 5, token, sizeof token), ZT_NETCONF_OK);
	CHECK(strcmp(identity_of(&f, MEMBER + 1, after, sizeof after), before) == 0);
	teardown(&f);
}

/* ---- 5. an invite shown to another network is not spent ---- */

static void test_invite_other_network(void)
{
	struct fixture f;
	uint8_t token[ZT_CTL_TOKEN_LEN];

	if (setup(&f) < 0) {
		CHECK(0);
		return;
	}
	api_drop(&f, "POST", "/controller/network/8056c2e21c000001", "{}", 200);
	api_drop(&f, "POST", "/controller/network/8056c2e21c000002", "{}", 200);
	memset(token, 0x17, sizeof token);
	CHECK_EQ(zt_ctl_invite_create(&f.ctl, NWID, token, 1, clock_ms + 60000, clock_ms), ZT_OK);
	/* Shown to network 2 (and to one that does not exist): refused. */
	CHECK_EQ(ask_tok(&f, NWID + 1, MEMBER, 1, token, sizeof token), ZT_NETCONF_BAD_INVITE);
	CHECK_EQ(ask_tok(&f, NWID + 7, MEMBER, 1, token, sizeof token), ZT_NETCONF_BAD_INVITE);
	/* Its one use is still there for its own network. */
	CHECK_EQ(ask_tok(&f, NWID, MEMBER + 1, 2, token, sizeof token), ZT_NETCONF_OK);
	CHECK_EQ(ask_tok(&f, NWID, MEMBER + 2, 3, token, sizeof token), ZT_NETCONF_BAD_INVITE);
	teardown(&f);
}

/* ---- 7. no admin or config operation reads every member ---- */

/* Authorizing through the API assigns a free pool address in the same
 * write, found by index lookups: 38 members in a pool of 38 usable
 * addresses get 38 distinct ones, and neither the POSTs, the members'
 * config requests, a network change, the member list nor a delete read
 * the network's members (member_list is never called). */
static void test_no_member_scan(void)
{
	struct fixture f;
	char path[128], seen[64] = {0};
	unsigned distinct = 0;

	if (setup(&f) < 0) {
		CHECK(0);
		return;
	}
	api_drop(&f, "POST", "/controller/network/8056c2e21c000001",
	         "{\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.1.0.1\",\"ipRangeEnd\":"
	         "\"10.1.0.38\"}],\"v4AssignMode\":{\"zt\":true}}",
	         200);
	f.store.lists = 0;
	for (uint64_t i = 0; i < 38; i++) {
		json_t *m, *ip;
		unsigned last;
		member_path(path, sizeof path, NWID, 0x0a00000000 + i * 7919);
		m = api(&f, "POST", path, "{\"authorized\":true}", 200);
		ip = json_array_get(json_object_get(m, "ipAssignments"), 0);
		if (json_is_string(ip) && sscanf(json_string_value(ip), "10.1.0.%u", &last) == 1 &&
		    last >= 1 && last <= 38 && !seen[last]++)
			distinct++;
		json_decref(m);
		CHECK_EQ(ask(&f, NWID, 0x0a00000000 + i * 7919, (uint8_t)(i + 1)), ZT_NETCONF_OK);
	}
	CHECK_EQ(distinct, 38);
	/* The pool is full: the next one gets no address rather than a
	 * duplicate. */
	member_path(path, sizeof path, NWID, 0x0b00000000);
	{
		json_t *m = api(&f, "POST", path, "{\"authorized\":true}", 200);
		CHECK_EQ(json_array_size(json_object_get(m, "ipAssignments")), 0);
		json_decref(m);
	}
	api_drop(&f, "POST", "/controller/network/8056c2e21c000001", "{\"name\":\"x\"}", 200);
	api_drop(&f, "GET", "/controller/network/8056c2e21c000001/member", NULL, 200);
	api_drop(&f, "DELETE", path, NULL, 200);
	CHECK_EQ(f.store.lists, 0);
	teardown(&f);
}

int main(void)
{
	RUN(test_denied_no_row);
	RUN(test_pending_bounded);
	RUN(test_rate_limits);
	RUN(test_no_enumeration);
	RUN(test_key_pinned);
	RUN(test_invite_other_network);
	RUN(test_no_member_scan);
	TEST_EXIT();
}
