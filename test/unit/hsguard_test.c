/* SPDX-License-Identifier: MIT */
/*
 * hsguard_test.c - what a stranger may cost us before a handshake is
 * authenticated: the token buckets (hsbudget.c) and the caches of
 * initiations and identities (hscache.c) on their own, then at a node
 * (handshake.c): a replayed initiation costs no public-key work, an
 * identity costs one Argon2id however often it comes back, new identities
 * from one source only within its budget, forged responses only a few
 * X25519, and sybils that fill the peer table do not lock a newcomer out.
 * The node's X25519 and Argon2id calls are counted through linker
 * wrappers (hsattack.h).
 */
#include <sodium.h>
#include <string.h>

#include "handshake.h"
#include "hsattack.h"
#include "hsbudget.h"
#include "hscache.h"
#include "node.h"
#include "peer.h"
#include "test.h"
#include "util.h"
#include "wire.h"

static void parse(const char *text, struct zt_endpoint *ep)
{
	CHECK_EQ(zt_endpoint_parse(text, ep), ZT_OK);
}

static bool src_eq(const char *a, const char *b)
{
	struct zt_endpoint ea, eb;
	struct zt_hsb_src sa, sb;
	parse(a, &ea);
	parse(b, &eb);
	zt_hsb_src_prefix(&sa, &ea);
	zt_hsb_src_prefix(&sb, &eb);
	return memcmp(&sa, &sb, sizeof sa) == 0;
}

/* A source is its IPv4 /24 or IPv6 /48; a relayed sender its address. */
static void test_rl_sources(void)
{
	struct zt_hsb_src a, b;

	CHECK(src_eq("198.51.100.1/1", "198.51.100.254/2"));
	CHECK(!src_eq("198.51.100.1/1", "198.51.101.1/1"));
	CHECK(src_eq("::ffff:198.51.100.9/1", "198.51.100.1/1"));
	CHECK(src_eq("2001:db8:1::1/1", "2001:db8:1:ffff::2/1"));
	CHECK(!src_eq("2001:db8:1::1/1", "2001:db8:2::1/1"));
	CHECK(!src_eq("::c633:6401/1", "198.51.100.1/1"));
	zt_hsb_src_relayed(&a, 0x1122334455ULL);
	zt_hsb_src_relayed(&b, 0x1122334456ULL);
	CHECK(memcmp(&a, &b, sizeof a) != 0);
}

/* Each source gets its burst, then its rate; the node as a whole its own;
 * the kinds of work do not share. */
static void test_rl_buckets(void)
{
	static struct zt_hsb rl;
	uint8_t key[16] = {1, 2, 3};
	struct zt_endpoint ep;
	struct zt_hsb_src s, t;
	int64_t now = HS_T0;
	unsigned got = 0;

	zt_hsb_init(&rl, key);
	parse("198.51.100.1/1", &ep);
	zt_hsb_src_prefix(&s, &ep);
	for (int i = 0; i < 1000; i++)
		got += zt_hsb_take(&rl, now, &s, ZT_HSB_DH);
	CHECK_EQ(got, ZT_HS_DH_SRC_BURST);
	/* One token per period comes back, never more than the burst. */
	CHECK(!zt_hsb_take(&rl, now + 1000 / ZT_HS_DH_SRC_RATE - 1, &s, ZT_HSB_DH));
	CHECK(zt_hsb_take(&rl, now + 1000 / ZT_HS_DH_SRC_RATE, &s, ZT_HSB_DH));
	CHECK(!zt_hsb_take(&rl, now + 1000 / ZT_HS_DH_SRC_RATE, &s, ZT_HSB_DH));
	now += 3600 * 1000;
	got = 0;
	for (int i = 0; i < 1000; i++)
		got += zt_hsb_take(&rl, now, &s, ZT_HSB_DH);
	CHECK_EQ(got, ZT_HS_DH_SRC_BURST);
	/* Other kinds are other buckets. */
	CHECK(zt_hsb_take(&rl, now, &s, ZT_HSB_DH_PROVEN));
	CHECK(zt_hsb_take(&rl, now, &s, ZT_HSB_ID));

	/* Many sources: the node's bucket bounds them all, and the table
	 * does not grow (it is a fixed array). */
	now += 3600 * 1000;
	got = 0;
	for (unsigned i = 0; i < 5000; i++) {
		ep.ip[1] = (uint8_t)(i >> 8);
		ep.ip[2] = (uint8_t)i;
		zt_hsb_src_prefix(&t, &ep);
		got += zt_hsb_take(&rl, now, &t, ZT_HSB_DH);
	}
	CHECK_EQ(got, ZT_HS_DH_BURST);
	/* Refused by the node's bucket, a source is not charged. */
	now += 1000 / ZT_HS_DH_RATE;
	CHECK(zt_hsb_take(&rl, now, &s, ZT_HSB_DH));
}

static struct zt_hsc_tag tag(uint64_t lo)
{
	struct zt_hsc_tag t = {lo, ~lo};
	return t;
}

/* Four ways a set, least recently used out; a rejected identity never
 * pushes out a verified one. */
static void test_hscache(void)
{
	static struct zt_hsc_entry e[8]; /* two sets */
	struct zt_hscache c;
	uint8_t key[16] = {7};

	memset(e, 0, sizeof e);
	zt_hscache_init(&c, e, 8, key);
	CHECK_EQ(zt_hscache_get(&c, 1, tag(0)), ZT_HSC_NONE);
	for (uint64_t i = 0; i < 4; i++)
		zt_hscache_put(&c, (int64_t)i, tag(2 * i), ZT_HSC_SEEN); /* set 0 */
	zt_hscache_put(&c, 4, tag(1), ZT_HSC_SEEN);                      /* set 1 */
	CHECK_EQ(zt_hscache_get(&c, 5, tag(0)), ZT_HSC_SEEN);            /* used again */
	zt_hscache_put(&c, 6, tag(8), ZT_HSC_SEEN);
	CHECK_EQ(zt_hscache_get(&c, 7, tag(2)), ZT_HSC_NONE); /* the oldest went */
	CHECK_EQ(zt_hscache_get(&c, 7, tag(0)), ZT_HSC_SEEN);
	CHECK_EQ(zt_hscache_get(&c, 7, tag(8)), ZT_HSC_SEEN);
	CHECK_EQ(zt_hscache_get(&c, 7, tag(1)), ZT_HSC_SEEN);
	/* Only the full tag matches. */
	CHECK_EQ(zt_hscache_get(&c, 7, (struct zt_hsc_tag){8, 0}), ZT_HSC_NONE);

	memset(e, 0, sizeof e);
	zt_hscache_init(&c, e, 8, key);
	for (uint64_t i = 0; i < 4; i++)
		zt_hscache_put(&c, (int64_t)i, tag(2 * i), ZT_HSC_VERIFIED);
	zt_hscache_put(&c, 10, tag(10), ZT_HSC_REJECTED);
	CHECK_EQ(zt_hscache_get(&c, 11, tag(10)), ZT_HSC_NONE);
	for (uint64_t i = 0; i < 4; i++)
		CHECK_EQ(zt_hscache_get(&c, 11, tag(2 * i)), ZT_HSC_VERIFIED);
	zt_hscache_put(&c, 12, tag(0), ZT_HSC_REJECTED); /* a known tag changes */
	zt_hscache_put(&c, 13, tag(10), ZT_HSC_REJECTED);
	CHECK_EQ(zt_hscache_get(&c, 14, tag(10)), ZT_HSC_REJECTED);
	CHECK_EQ(zt_hscache_get(&c, 14, tag(0)), ZT_HSC_NONE);
	/* A verified identity pushes out a rejected one first, else the
	 * verified one used longest ago. */
	zt_hscache_put(&c, 15, tag(12), ZT_HSC_VERIFIED);
	CHECK_EQ(zt_hscache_get(&c, 16, tag(10)), ZT_HSC_NONE);
	CHECK_EQ(zt_hscache_get(&c, 16, tag(4)), ZT_HSC_VERIFIED);
	CHECK_EQ(zt_hscache_get(&c, 16, tag(6)), ZT_HSC_VERIFIED);
	CHECK_EQ(zt_hscache_get(&c, 16, tag(12)), ZT_HSC_VERIFIED);
	zt_hscache_put(&c, 17, tag(14), ZT_HSC_VERIFIED);
	CHECK_EQ(zt_hscache_get(&c, 18, tag(2)), ZT_HSC_NONE);
	CHECK_EQ(zt_hscache_get(&c, 18, tag(14)), ZT_HSC_VERIFIED);
	/* Keyed: another key, other tags. */
	{
		struct zt_hscache d;
		uint8_t key2[16] = {8};
		struct zt_hsc_tag a = zt_hscache_tag(&c, "abcd", 4);
		struct zt_hsc_tag b = zt_hscache_tag(&c, "abcd", 4);
		CHECK(a.lo == b.lo && a.hi == b.hi);
		b = zt_hscache_tag(&c, "abce", 4);
		CHECK(a.lo != b.lo && a.hi != b.hi);
		zt_hscache_init(&d, e, 8, key2);
		b = zt_hscache_tag(&d, "abcd", 4);
		CHECK(a.lo != b.lo && a.hi != b.hi);
	}
}

/* A forged initiation (a key that does not give the address it claims)
 * sent again and again costs two X25519 and one Argon2id once; a
 * legitimate one replayed costs nothing after the first.  Slowly, so no
 * budget is involved. */
static void test_replay_costs_nothing(void)
{
	struct zt_endpoint src = hs_ep4(198, 51, 100, 7, 4444);
	struct zt_identity f, a;
	uint8_t init[ZT_HS_INIT_LEN], key[32];
	size_t mac1 = ZT_HS_INIT_LEN - 2 * ZT_MAC_LEN;
	unsigned long x;

	hs_setup(0, 21);
	zt_cookie_mac1_key(key, hs_id.pk);
	hs_forger(&f, 5);
	hs_make_init(init, &f, 0x12345abcdeULL, hs_now, NULL);
	for (int i = 0; i < 20; i++) {
		hs_deliver(&src, init, sizeof init);
		/* ... whatever its hops, sender index or mac2 (mac1 made
		 * again: anyone can) */
		init[1] = (uint8_t)(i & 1);
		init[ZT_HDR_LEN] ^= 1;
		zt_cookie_mac(init + mac1, key, 32, init, mac1);
		init[ZT_HS_INIT_LEN - 1] ^= 1;
		hs_now += 1000;
	}
	CHECK_EQ(hs_argon, 1);
	CHECK_EQ(hs_x25519, 2);
	CHECK_EQ(hs_out[ZT_PT_HS_RESP].count, 0);

	hs_identity(&a, 6);
	hs_make_init(init, &a, a.address, hs_now, NULL);
	hs_deliver(&src, init, sizeof init);
	CHECK_EQ(hs_out[ZT_PT_HS_RESP].count, 1);
	x = hs_x25519;
	for (int i = 0; i < 20; i++) {
		hs_now += 1000;
		hs_deliver(&src, init, sizeof init);
	}
	CHECK_EQ(hs_x25519, x);
	CHECK_EQ(hs_out[ZT_PT_HS_RESP].count, 1);
	CHECK_EQ(zt_node_counter(hs_node, ZT_CTR_HS_REPLAY_DROP), 19 + 20);
	zt_identity_wipe(&f);
	zt_identity_wipe(&a);
	hs_teardown();
}

/* An identity is checked once: a peer that comes back after it was freed
 * costs no Argon2id, nor does a forgery under a new ephemeral key. */
static void test_identity_cache(void)
{
	struct zt_endpoint src = hs_ep4(198, 51, 100, 8, 4444);
	struct zt_identity f, a;
	uint8_t init[ZT_HS_INIT_LEN];

	hs_setup(ZT_NODE_ROOT, 22);
	hs_identity(&a, 7);
	hs_make_init(init, &a, a.address, hs_now, NULL);
	hs_deliver(&src, init, sizeof init);
	CHECK_EQ(hs_argon, 1);
	CHECK(zt_peer_find(hs_node, a.address) != NULL);
	zt_peer_free(hs_node, zt_peer_find(hs_node, a.address));
	hs_now += 5000;
	hs_make_init(init, &a, a.address, hs_now, NULL);
	hs_deliver(&src, init, sizeof init);
	CHECK_EQ(hs_argon, 1);
	CHECK_EQ(hs_out[ZT_PT_HS_RESP].count, 2);

	hs_forger(&f, 8);
	for (int i = 0; i < 5; i++) {
		hs_now += 1000;
		hs_make_init(init, &f, a.address ^ 1, hs_now, NULL);
		hs_deliver(&src, init, sizeof init);
	}
	CHECK_EQ(hs_argon, 2);
	CHECK_EQ(hs_out[ZT_PT_HS_RESP].count, 2);
	CHECK_EQ(zt_node_counter(hs_node, ZT_CTR_ID_VERIFY), 2);
	zt_identity_wipe(&f);
	zt_identity_wipe(&a);
	hs_teardown();
}

/* New keys, each claiming an address it does not give, from one source:
 * Argon2id only within the source's budget, a COOKIE past it (within the
 * source's COOKIE budget). */
static void test_identity_budget(void)
{
	struct zt_endpoint src = hs_ep4(198, 51, 100, 9, 4444);
	uint8_t init[ZT_HS_INIT_LEN];

	hs_setup(0, 23);
	for (unsigned i = 0; i < 100; i++) {
		struct zt_identity f;
		hs_forger(&f, 1000 + i);
		hs_make_init(init, &f, 0x1000000000ULL + i, hs_now, NULL);
		hs_deliver(&src, init, sizeof init);
		zt_identity_wipe(&f);
		hs_now += 5;
	}
	CHECK(hs_argon <= ZT_HS_ID_SRC_BURST + 500 * ZT_HS_ID_SRC_RATE / 1000 + 1);
	CHECK(hs_argon >= ZT_HS_ID_SRC_BURST);
	/* COOKIEs too, as far as the source's COOKIE budget goes; past it,
	 * nothing at all. */
	CHECK(hs_out[ZT_PT_COOKIE].count >= ZT_HS_COOKIE_SRC_BURST);
	CHECK(hs_out[ZT_PT_COOKIE].count <=
	      ZT_HS_COOKIE_SRC_BURST + 500 * ZT_HS_COOKIE_SRC_RATE / 1000 + 1);
	CHECK(zt_node_counter(hs_node, ZT_CTR_HS_OVER_BUDGET) > 0);
	CHECK_EQ(zt_node_counter(hs_node, ZT_CTR_ID_VERIFY), hs_argon);
	hs_teardown();
}

/* Unproven initiations from many sources: the node's own bucket. */
static void test_node_budget(void)
{
	struct zt_identity f;
	uint8_t init[ZT_HS_INIT_LEN];
	const unsigned n = ZT_HS_DH_BURST + 100;

	hs_setup(ZT_NODE_ROOT, 24);
	hs_forger(&f, 9);
	for (unsigned i = 0; i < n; i++) {
		struct zt_endpoint src = hs_ep4(100, (uint8_t)(64 + i / 256), (uint8_t)i, 1, 4444);
		hs_make_init(init, &f, 0x12345abcdeULL, hs_now, NULL);
		hs_deliver(&src, init, sizeof init);
	}
	CHECK_EQ(hs_x25519, 2 * ZT_HS_DH_BURST);
	CHECK_EQ(hs_out[ZT_PT_COOKIE].count, n - ZT_HS_DH_BURST);
	CHECK_EQ(zt_node_counter(hs_node, ZT_CTR_HS_DH), ZT_HS_DH_BURST);
	zt_identity_wipe(&f);
	hs_teardown();
}

/* Anyone who saw our initiation may answer it; each forged answer costs
 * two X25519, so only ZT_HS_RESP_BAD_MAX are tried per initiation. */
static void test_forged_responses(void)
{
	struct zt_endpoint src = hs_ep4(198, 51, 100, 10, 9993);
	struct zt_identity b;
	struct zt_peer *p;
	uint8_t resp[ZT_HS_RESP_LEN], key[32];
	uint32_t index;
	size_t mac1 = ZT_HS_RESP_LEN - 2 * ZT_MAC_LEN;

	hs_setup(0, 25);
	hs_identity(&b, 10);
	p = zt_peer_get(hs_node, hs_now, b.address);
	CHECK(p != NULL);
	if (p == NULL)
		goto out;
	memcpy(p->pk, b.pk, 32);
	p->has_identity = true;
	zt_hs_start(hs_node, hs_now, p);
	CHECK(p->hs_pending);
	if (!p->hs_pending)
		goto out;
	index = p->hs->index;
	zt_cookie_mac1_key(key, hs_id.pk);
	hs_x25519 = 0;
	for (int i = 0; i < 10; i++) {
		struct zt_hdr h = {ZT_PT_HS_RESP, 0, hs_id.address, b.address};
		zt_wire_hdr_encode(resp, &h);
		test_rng_bytes(&hs_rng, resp + ZT_HDR_LEN, sizeof resp - ZT_HDR_LEN);
		zt_put_u32(resp + ZT_HDR_LEN + 4, index);
		zt_cookie_mac(resp + mac1, key, 32, resp, mac1);
		hs_deliver(&src, resp, sizeof resp);
	}
	CHECK(hs_x25519 <= 2 * ZT_HS_RESP_BAD_MAX);
	CHECK_EQ(zt_node_counter(hs_node, ZT_CTR_HS_OVER_BUDGET), 10 - ZT_HS_RESP_BAD_MAX);
	/* The handshake is still pending: the real answer would do. */
	CHECK(p->hs_pending);
out:
	zt_identity_wipe(&b);
	hs_teardown();
}

/* A member's peer table full of strangers that each completed a handshake
 * (one Argon2id each, as it should): a newcomer still gets its answer,
 * the stranger heard from longest ago makes room. */
static void test_table_full_of_sybils(void)
{
	struct zt_identity s[4];
	uint8_t init[ZT_HS_INIT_LEN];

	hs_setup(0, 26);
	hs_node->max_peers = hs_node->peer_count + 3;
	for (unsigned i = 0; i < 4; i++) {
		struct zt_endpoint src = hs_ep4(198, 51, (uint8_t)(100 + i), 11, 9993);
		hs_identity(&s[i], 100 + i);
		hs_make_init(init, &s[i], s[i].address, hs_now, NULL);
		hs_deliver(&src, init, sizeof init);
		CHECK_EQ(hs_out[ZT_PT_HS_RESP].count, i + 1);
		hs_now += 1000;
	}
	CHECK(zt_peer_find(hs_node, s[0].address) == NULL);
	for (unsigned i = 1; i < 4; i++)
		CHECK(zt_peer_find(hs_node, s[i].address) != NULL);
	CHECK_EQ(zt_node_counter(hs_node, ZT_CTR_PEER_EVICTED), 1);
	for (unsigned i = 0; i < 4; i++)
		zt_identity_wipe(&s[i]);
	hs_teardown();
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(test_rl_sources);
	RUN(test_rl_buckets);
	RUN(test_hscache);
	RUN(test_replay_costs_nothing);
	RUN(test_identity_cache);
	RUN(test_identity_budget);
	RUN(test_node_budget);
	RUN(test_forged_responses);
	RUN(test_table_full_of_sybils);
	TEST_EXIT();
}
