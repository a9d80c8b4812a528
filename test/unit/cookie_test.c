/* SPDX-License-Identifier: MIT */
/*
 * cookie_test.c - handshake MACs and cookies: mac1 (with known answers from
 * Python's hashlib.blake2b), mac2 bound to the source endpoint, sealing the
 * cookie for the reply, and rotation of the cookie secret; and at a node:
 * a source over its budget is asked for a cookie however quiet the node
 * is otherwise, and a cookie does not lift that source's budget (the
 * X25519 work is counted through linker wrappers, hsattack.h).
 */
#include <sodium.h>
#include <string.h>

#include "cookie.h"
#include "hsattack.h"
#include "test.h"
#include "util.h"
#include "wire.h"

#define T0 1700000000000LL

static void unhex(const char *s, uint8_t *out, size_t len)
{
	if (zt_hex_decode(s, strlen(s), out, len) != ZT_OK)
		CHECK(!"bad hex");
}

static void ep4(struct zt_endpoint *e, uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
	memset(e, 0, sizeof *e);
	e->family = 4;
	e->ip[0] = a;
	e->ip[1] = b;
	e->ip[2] = c;
	e->ip[3] = d;
	e->port = port;
}

/* Known answers computed with hashlib (see the comments for the recipe). */
static void test_known_answers(void)
{
	uint8_t pk[32], key[32], want[32], pkt[32], mac[16], wmac[16];

	for (int i = 0; i < 32; i++)
		pk[i] = (uint8_t)i;
	/* blake2b(b"zt-mac1" + pk, digest_size=32) */
	zt_cookie_mac1_key(key, pk);
	unhex("88e98d447de1bd6a9b756a69ed1a832332f96ffce20bb3ef8d071e5c1179531f", want, 32);
	CHECK(memcmp(key, want, 32) == 0);
	/* blake2b(b"zt-cookie" + pk, digest_size=32) */
	{
		uint8_t ck[32];
		zt_cookie_cookie_key(ck, pk);
		unhex("77b059f8cd3d792b237501bfc6b13f89fd444a41121fdc5087eef08d378a3eea", want, 32);
		CHECK(memcmp(ck, want, 32) == 0);
	}
	/* blake2b(header with hops zeroed + body, key=mac1 key, digest_size=16)
	 * over 11 03 0102030405 0a0b0c0d0e 00..13 */
	unhex("11030102030405", pkt, 7);
	unhex("0a0b0c0d0e", pkt + 7, 5);
	for (int i = 0; i < 20; i++)
		pkt[12 + i] = (uint8_t)i;
	zt_cookie_mac(mac, key, 32, pkt, sizeof pkt);
	unhex("8ef501e4daac45255f1bcac80d0b8c02", wmac, 16);
	CHECK(memcmp(mac, wmac, 16) == 0);
	/* The cookie: blake2b(endpoint as on the wire, key=secret, 16). */
	{
		struct zt_cookie_checker c;
		struct zt_endpoint e;
		uint8_t fresh[32], cookie[16];
		memset(fresh, 0x42, sizeof fresh);
		zt_cookie_checker_init(&c, pk);
		ep4(&e, 192, 0, 2, 1, 9993);
		zt_cookie_make(&c, T0, fresh, &e, cookie);
		unhex("0626c41b0b64a620dd927da270627278", wmac, 16);
		CHECK(memcmp(cookie, wmac, 16) == 0);
		CHECK_EQ(zt_endpoint_parse("2001:db8::1/1", &e), ZT_OK);
		zt_cookie_make(&c, T0, fresh, &e, cookie);
		unhex("a69c81a6d4b08199292ce4eab02873bc", wmac, 16);
		CHECK(memcmp(cookie, wmac, 16) == 0);
	}
}

/* An initiation-sized packet with mac1 for responder `pk`. */
static void make_init(uint8_t pkt[ZT_HS_INIT_LEN], const uint8_t pk[32])
{
	struct zt_hdr h = {ZT_PT_HS_INIT, 0, 0x0102030405ULL, 0x0a0b0c0d0eULL};
	uint8_t key[32];
	size_t off = ZT_HS_INIT_LEN - 2 * ZT_MAC_LEN;

	for (size_t i = 0; i < ZT_HS_INIT_LEN; i++)
		pkt[i] = (uint8_t)(i * 7);
	zt_wire_hdr_encode(pkt, &h);
	zt_cookie_mac1_key(key, pk);
	zt_cookie_mac(pkt + off, key, 32, pkt, off);
	memset(pkt + off + 16, 0, 16);
}

static void test_mac1(void)
{
	uint8_t pk[32], other[32], pkt[ZT_HS_INIT_LEN];
	struct zt_cookie_checker c, c2;
	size_t off = ZT_HS_INIT_LEN - 2 * ZT_MAC_LEN;
	int rejected = 0;

	memset(pk, 0x11, sizeof pk);
	memset(other, 0x12, sizeof other);
	zt_cookie_checker_init(&c, pk);
	zt_cookie_checker_init(&c2, other);
	make_init(pkt, pk);
	CHECK(zt_cookie_mac1_ok(&c, pkt, off));
	/* Only the responder it was made for accepts it. */
	CHECK(!zt_cookie_mac1_ok(&c2, pkt, off));
	/* A root may change the hops bits: still good. */
	for (int hops = 0; hops <= ZT_HOPS_MASK; hops++) {
		pkt[1] = (uint8_t)hops;
		CHECK(zt_cookie_mac1_ok(&c, pkt, off));
	}
	pkt[1] = 0;
	/* Every other bit before and in mac1 matters (mac2 is not covered). */
	for (size_t i = 0; i < off + 16; i++) {
		for (int b = 0; b < 8; b++) {
			if (i == 1 && b < 3)
				continue; /* the hops bits */
			pkt[i] ^= (uint8_t)(1 << b);
			rejected += !zt_cookie_mac1_ok(&c, pkt, off);
			pkt[i] ^= (uint8_t)(1 << b);
		}
	}
	CHECK_EQ(rejected, (int)((off + 16) * 8 - 3));
	pkt[off + 20] ^= 1; /* in mac2 */
	CHECK(zt_cookie_mac1_ok(&c, pkt, off));
}

static void add_mac2(uint8_t pkt[ZT_HS_INIT_LEN], const uint8_t cookie[16])
{
	size_t off = ZT_HS_INIT_LEN - ZT_MAC_LEN;
	zt_cookie_mac(pkt + off, cookie, 16, pkt, off);
}

static void test_mac2(void)
{
	uint8_t pk[32], fresh[32], cookie[16], pkt[ZT_HS_INIT_LEN];
	struct zt_cookie_checker c;
	struct zt_endpoint a, b;
	size_t off = ZT_HS_INIT_LEN - ZT_MAC_LEN;

	memset(pk, 0x21, sizeof pk);
	memset(fresh, 0x99, sizeof fresh);
	zt_cookie_checker_init(&c, pk);
	ep4(&a, 198, 51, 100, 1, 4000);
	make_init(pkt, pk);
	/* No secret yet: nothing has a valid mac2, not even all zeros. */
	CHECK(!zt_cookie_mac2_ok(&c, T0, &a, pkt, off));

	zt_cookie_make(&c, T0, fresh, &a, cookie);
	add_mac2(pkt, cookie);
	CHECK(zt_cookie_mac2_ok(&c, T0, &a, pkt, off));
	CHECK(zt_cookie_mac2_ok(&c, T0 + ZT_COOKIE_SECRET_LIFE - 1, &a, pkt, off));
	/* The cookie is bound to the source endpoint: port, address, family. */
	b = a;
	b.port++;
	CHECK(!zt_cookie_mac2_ok(&c, T0, &b, pkt, off));
	b = a;
	b.ip[3] ^= 1;
	CHECK(!zt_cookie_mac2_ok(&c, T0, &b, pkt, off));
	CHECK_EQ(zt_endpoint_parse("::ffff:198.51.100.1/4000", &b), ZT_OK);
	CHECK(!zt_cookie_mac2_ok(&c, T0, &b, pkt, off));
	/* mac2 covers mac1 and everything before it, hops aside. */
	pkt[1] = 2;
	CHECK(zt_cookie_mac2_ok(&c, T0, &a, pkt, off));
	pkt[1] = 0;
	for (size_t i = 0; i < ZT_HS_INIT_LEN; i++) {
		if (i == 1)
			continue;
		pkt[i] ^= 0x08;
		if (zt_cookie_mac2_ok(&c, T0, &a, pkt, off))
			CHECK(!"mac2 accepted a changed packet");
		pkt[i] ^= 0x08;
	}
	/* Once the secret is too old, nothing passes until a new one. */
	CHECK(!zt_cookie_mac2_ok(&c, T0 + ZT_COOKIE_SECRET_LIFE, &a, pkt, off));
}

static void test_rotation(void)
{
	uint8_t pk[32], f1[32], f2[32], c1[16], c1b[16], c2[16], pkt[ZT_HS_INIT_LEN];
	struct zt_cookie_checker c;
	struct zt_endpoint a;
	size_t off = ZT_HS_INIT_LEN - ZT_MAC_LEN;

	memset(pk, 0x31, sizeof pk);
	memset(f1, 1, sizeof f1);
	memset(f2, 2, sizeof f2);
	zt_cookie_checker_init(&c, pk);
	ep4(&a, 203, 0, 113, 5, 9993);
	zt_cookie_make(&c, T0, f1, &a, c1);
	CHECK_EQ(c.secret_born, T0);
	/* Within the secret's life the fresh bytes are not used: the same
	 * endpoint gets the same cookie. */
	zt_cookie_make(&c, T0 + ZT_COOKIE_SECRET_LIFE - 1, f2, &a, c1b);
	CHECK(memcmp(c1, c1b, 16) == 0);
	CHECK_EQ(c.secret_born, T0);
	/* Then it rotates. */
	zt_cookie_make(&c, T0 + ZT_COOKIE_SECRET_LIFE, f2, &a, c2);
	CHECK(memcmp(c1, c2, 16) != 0);
	CHECK_EQ(c.secret_born, T0 + ZT_COOKIE_SECRET_LIFE);
	make_init(pkt, pk);
	add_mac2(pkt, c1);
	CHECK(!zt_cookie_mac2_ok(&c, T0 + ZT_COOKIE_SECRET_LIFE, &a, pkt, off));
	add_mac2(pkt, c2);
	CHECK(zt_cookie_mac2_ok(&c, T0 + ZT_COOKIE_SECRET_LIFE, &a, pkt, off));
	/* The cookie an initiator holds stays usable for ZT_COOKIE_VALID,
	 * which must be shorter than the secret's life. */
	CHECK(ZT_COOKIE_VALID < ZT_COOKIE_SECRET_LIFE);
	/* init resets the secret. */
	zt_cookie_checker_init(&c, pk);
	CHECK(!zt_cookie_mac2_ok(&c, T0 + ZT_COOKIE_SECRET_LIFE, &a, pkt, off));
}

static void test_seal_open(void)
{
	uint8_t key[32], key2[32], nonce[24], cookie[16], mac1[16], sealed[32], got[16];
	int rejected = 0;

	memset(key, 0x41, sizeof key);
	memset(key2, 0x42, sizeof key2);
	for (int i = 0; i < 24; i++)
		nonce[i] = (uint8_t)(i * 3);
	for (int i = 0; i < 16; i++) {
		cookie[i] = (uint8_t)(0xc0 + i);
		mac1[i] = (uint8_t)(0x10 + i);
	}
	zt_cookie_seal(sealed, nonce, cookie, key, mac1);
	CHECK(memcmp(sealed, cookie, 16) != 0);
	CHECK_EQ(zt_cookie_open(got, nonce, sealed, key, mac1), ZT_OK);
	CHECK(memcmp(got, cookie, 16) == 0);
	/* The wrong key (another responder's), the wrong mac1 (a reply to an
	 * initiation we did not send), the wrong nonce: all refused. */
	CHECK_EQ(zt_cookie_open(got, nonce, sealed, key2, mac1), ZT_ECRYPTO);
	mac1[0] ^= 1;
	CHECK_EQ(zt_cookie_open(got, nonce, sealed, key, mac1), ZT_ECRYPTO);
	mac1[0] ^= 1;
	nonce[23] ^= 0x80;
	CHECK_EQ(zt_cookie_open(got, nonce, sealed, key, mac1), ZT_ECRYPTO);
	nonce[23] ^= 0x80;
	for (int i = 0; i < 32; i++) {
		for (int b = 0; b < 8; b++) {
			sealed[i] ^= (uint8_t)(1 << b);
			rejected += zt_cookie_open(got, nonce, sealed, key, mac1) == ZT_ECRYPTO;
			sealed[i] ^= (uint8_t)(1 << b);
		}
	}
	CHECK_EQ(rejected, 256);
	CHECK_EQ(zt_cookie_open(got, nonce, sealed, key, mac1), ZT_OK);
}

/* New forged initiations from one source, 1 ms apart, at a node that
 * hears nothing else: past the source's burst it answers COOKIE, not
 * X25519 (at a total of 60 a second the node as a whole is far from any
 * load).  Returns the last initiation that got a COOKIE. */
static void flood_one_source(const struct zt_endpoint *src, unsigned count,
                             uint8_t last[ZT_HS_INIT_LEN])
{
	struct zt_identity f;
	uint8_t init[ZT_HS_INIT_LEN];

	hs_forger(&f, 99);
	for (unsigned i = 0; i < count; i++) {
		unsigned before = hs_out[ZT_PT_COOKIE].count;
		hs_make_init(init, &f, 0x12345abcdeULL, hs_now, NULL);
		hs_deliver(src, init, sizeof init);
		if (hs_out[ZT_PT_COOKIE].count > before)
			memcpy(last, init, sizeof init);
		hs_now += 1;
	}
	zt_identity_wipe(&f);
}

static void test_node_cookie_over_source_budget(void)
{
	struct zt_endpoint src = hs_ep4(198, 51, 100, 7, 4444);
	uint8_t last[ZT_HS_INIT_LEN], cookie[16];

	hs_setup(0, 11);
	flood_one_source(&src, 60, last);
	/* The burst, and a token or so that came back meanwhile. */
	CHECK(hs_x25519 <= 2 * (ZT_HS_DH_SRC_BURST + 2));
	CHECK(hs_out[ZT_PT_COOKIE].count >= 60 - (ZT_HS_DH_SRC_BURST + 2));
	CHECK(zt_endpoint_eq(&hs_out[ZT_PT_COOKIE].to, &src));
	/* A COOKIE is smaller than what asked for it. */
	CHECK(ZT_COOKIE_LEN < ZT_HS_INIT_LEN);
	CHECK(hs_cookie_of(last, cookie));
	/* The identity was checked once: the rest were known forgeries. */
	CHECK_EQ(hs_argon, 1);
	hs_teardown();
}

/* With the cookie in mac2 the source has proven it receives there, and
 * gets the larger proven budget: no more than that however many it sends
 * (the over-budget ones are dropped, with no COOKIE: it has one). */
static void test_node_cookie_keeps_budget(void)
{
	struct zt_endpoint src = hs_ep4(198, 51, 100, 7, 4444);
	struct zt_identity f;
	uint8_t last[ZT_HS_INIT_LEN], cookie[16], init[ZT_HS_INIT_LEN];
	const unsigned n = ZT_HS_DHP_SRC_BURST + 2 * ZT_HS_DHP_SRC_RATE;
	unsigned cookies;

	hs_setup(ZT_NODE_ROOT, 12);
	flood_one_source(&src, 60, last);
	CHECK(hs_cookie_of(last, cookie));
	cookies = hs_out[ZT_PT_COOKIE].count;
	hs_forger(&f, 99);
	hs_x25519 = 0;
	/* One a millisecond: more than the burst and what comes back. */
	for (unsigned i = 0; i < n; i++) {
		hs_make_init(init, &f, 0x12345abcdeULL, hs_now, cookie);
		hs_deliver(&src, init, sizeof init);
		hs_now += 1;
	}
	CHECK(hs_x25519 <= 2 * (ZT_HS_DHP_SRC_BURST + ZT_HS_DHP_SRC_RATE * n / 1000 + 1));
	CHECK(hs_x25519 >= 2 * ZT_HS_DHP_SRC_BURST);
	CHECK_EQ(hs_out[ZT_PT_COOKIE].count, cookies);
	/* Another source of the prefix, with a cookie of its own, shares
	 * that budget: what came back in the 60 ms it took to get one. */
	src.ip[3] = 8;
	flood_one_source(&src, 60, last);
	CHECK(zt_endpoint_eq(&hs_out[ZT_PT_COOKIE].to, &src));
	CHECK(hs_cookie_of(last, cookie));
	hs_x25519 = 0;
	for (unsigned i = 0; i < 40; i++) {
		hs_make_init(init, &f, 0x12345abcdeULL, hs_now, cookie);
		hs_deliver(&src, init, sizeof init);
	}
	CHECK(hs_x25519 <= 2 * (60 * ZT_HS_DHP_SRC_RATE / 1000 + 1));
	zt_identity_wipe(&f);
	hs_teardown();
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(test_known_answers);
	RUN(test_mac1);
	RUN(test_mac2);
	RUN(test_rotation);
	RUN(test_seal_open);
	RUN(test_node_cookie_over_source_budget);
	RUN(test_node_cookie_keeps_budget);
	TEST_EXIT();
}
