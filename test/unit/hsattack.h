/* SPDX-License-Identifier: MIT */
/*
 * hsattack.h - one node under test and an attacker who speaks the
 * handshake to it, for the tests of what a stranger may cost us
 * (cookie_test.c, hsguard_test.c).
 *
 * The test binary is linked with -Wl,--wrap=crypto_pwhash,--wrap=
 * crypto_scalarmult (Makefile): the wrappers here count the Argon2id and
 * X25519 work done, and hs_deliver() charges what the node did while it
 * handled a packet to hs_argon / hs_x25519, so the attacker's own work
 * (making initiations) is not counted.
 */
#ifndef ZT_TEST_HSATTACK_H
#define ZT_TEST_HSATTACK_H

#include <sodium.h>
#include <string.h>

#include "cookie.h"
#include "noise.h"
#include "test.h"
#include "util.h"
#include "wire.h"
#include "zt.h"

int __real_crypto_pwhash(unsigned char *const out, unsigned long long outlen,
                         const char *const passwd, unsigned long long passwdlen,
                         const unsigned char *const salt, unsigned long long opslimit,
                         size_t memlimit, int alg);
int __wrap_crypto_pwhash(unsigned char *const out, unsigned long long outlen,
                         const char *const passwd, unsigned long long passwdlen,
                         const unsigned char *const salt, unsigned long long opslimit,
                         size_t memlimit, int alg);
int __real_crypto_scalarmult(unsigned char *q, const unsigned char *n, const unsigned char *p);
int __wrap_crypto_scalarmult(unsigned char *q, const unsigned char *n, const unsigned char *p);

static unsigned long hs_pwhash_calls, hs_scalarmult_calls;

int __wrap_crypto_pwhash(unsigned char *const out, unsigned long long outlen,
                         const char *const passwd, unsigned long long passwdlen,
                         const unsigned char *const salt, unsigned long long opslimit,
                         size_t memlimit, int alg)
{
	hs_pwhash_calls++;
	return __real_crypto_pwhash(out, outlen, passwd, passwdlen, salt, opslimit, memlimit, alg);
}

int __wrap_crypto_scalarmult(unsigned char *q, const unsigned char *n, const unsigned char *p)
{
	hs_scalarmult_calls++;
	return __real_crypto_scalarmult(q, n, p);
}

#define HS_T0 1700000000000LL

/* What the node sent, by packet type, and the last packet of each type. */
struct hs_sent {
	unsigned count;
	struct zt_endpoint to;
	size_t len;
	uint8_t data[256];
};

static struct zt_node *hs_node;
static struct zt_identity hs_id; /* the node's */
static struct test_rng hs_rng;
static int64_t hs_now;
static struct hs_sent hs_out[16];
static unsigned long hs_argon, hs_x25519; /* charged to the node */

static int hs_h_send(void *ctx, int64_t sock, const struct zt_endpoint *to, const void *pkt,
                     size_t len)
{
	const uint8_t *b = pkt;
	struct hs_sent *s;
	(void)ctx;
	(void)sock;
	if (len < ZT_HDR_LEN)
		return 0;
	s = &hs_out[b[0] & 0x0f];
	s->count++;
	s->to = *to;
	s->len = len < sizeof s->data ? len : sizeof s->data;
	memcpy(s->data, pkt, s->len);
	return 0;
}

static void hs_h_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	test_rng_bytes(&hs_rng, buf, len);
}

static inline struct zt_endpoint hs_ep4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
	struct zt_endpoint e;
	memset(&e, 0, sizeof e);
	e.family = 4;
	e.ip[0] = a;
	e.ip[1] = b;
	e.ip[2] = c;
	e.ip[3] = d;
	e.port = port;
	return e;
}

/* A fresh node (a root with ZT_NODE_ROOT) and clean books. */
static inline void hs_setup(unsigned flags, unsigned long long seed)
{
	struct zt_host host;
	memset(&host, 0, sizeof host);
	host.version = ZT_HOST_VERSION;
	host.wire_send = hs_h_send;
	host.random = hs_h_random;
	test_rng_seed(&hs_rng, seed);
	CHECK_EQ(zt_identity_generate(&hs_id, test_rng_bytes, &hs_rng), ZT_OK);
	CHECK_EQ(zt_node_new(&hs_node, &host, &hs_id, flags, HS_T0), ZT_OK);
	CHECK_EQ(zt_node_add_socket(hs_node, 1, 4), ZT_OK);
	hs_now = HS_T0;
	memset(hs_out, 0, sizeof hs_out);
	hs_argon = hs_x25519 = 0;
}

static inline void hs_teardown(void)
{
	zt_node_free(hs_node);
	zt_identity_wipe(&hs_id);
	hs_node = NULL;
}

/* An identity made from a seed (one Argon2id, not charged to the node). */
static inline void hs_identity(struct zt_identity *id, unsigned long long seed)
{
	struct test_rng r;
	test_rng_seed(&r, seed);
	CHECK_EQ(zt_identity_generate(id, test_rng_bytes, &r), ZT_OK);
}

/* A key pair whose address we claim to be anything (no Argon2id). */
static inline void hs_forger(struct zt_identity *id, unsigned long long seed)
{
	uint8_t s[32];
	struct test_rng r;
	memset(id, 0, sizeof *id);
	test_rng_seed(&r, seed);
	test_rng_bytes(&r, s, sizeof s);
	crypto_sign_seed_keypair(id->pk, id->sk, s);
	id->has_secret = true;
}

/* An HS_INIT from `from`'s key to the node, claiming address `claimed`,
 * with timestamp ts, a fresh ephemeral key, and mac2 under cookie (if not
 * NULL). */
static inline void hs_make_init(uint8_t out[ZT_HS_INIT_LEN], const struct zt_identity *from,
                                uint64_t claimed, int64_t ts, const uint8_t *cookie)
{
	struct zt_noise_hs hs;
	struct zt_hdr h = {ZT_PT_HS_INIT, 0, hs_id.address, claimed};
	uint8_t e_seed[32], payload[ZT_NOISE_INIT_PAYLOAD], key[32];
	size_t mac1 = ZT_HS_INIT_LEN - 2 * ZT_MAC_LEN;

	memset(out, 0, ZT_HS_INIT_LEN);
	test_rng_bytes(&hs_rng, e_seed, sizeof e_seed);
	zt_put_u64(payload, (uint64_t)ts);
	zt_put_u32(payload + 8, 0);
	zt_wire_hdr_encode(out, &h);
	test_rng_bytes(&hs_rng, out + ZT_HDR_LEN, 4);
	CHECK_EQ(zt_noise_init_create(&hs, from, hs_id.pk, e_seed, payload, out + ZT_HDR_LEN + 4),
	         ZT_OK);
	zt_noise_wipe(&hs);
	zt_cookie_mac1_key(key, hs_id.pk);
	zt_cookie_mac(out + mac1, key, 32, out, mac1);
	if (cookie != NULL)
		zt_cookie_mac(out + mac1 + 16, cookie, 16, out, mac1 + 16);
}

/* Hand the node a datagram from `from`; what it did is charged to it. */
static inline void hs_deliver(const struct zt_endpoint *from, const uint8_t *pkt, size_t len)
{
	unsigned long a = hs_pwhash_calls, x = hs_scalarmult_calls;
	int64_t dl;
	CHECK_EQ(zt_node_process_wire(hs_node, hs_now, 1, from, pkt, len, &dl), ZT_OK);
	hs_argon += hs_pwhash_calls - a;
	hs_x25519 += hs_scalarmult_calls - x;
}

/* The cookie in the last COOKIE the node sent, answering `init`. */
static inline bool hs_cookie_of(const uint8_t *init, uint8_t cookie[16])
{
	const struct hs_sent *s = &hs_out[ZT_PT_COOKIE];
	uint8_t key[32];
	if (s->count == 0 || s->len != ZT_COOKIE_LEN)
		return false;
	zt_cookie_cookie_key(key, hs_id.pk);
	return zt_cookie_open(cookie, s->data + ZT_HDR_LEN + 4, s->data + ZT_HDR_LEN + 28, key,
	                      init + ZT_HS_INIT_LEN - 2 * ZT_MAC_LEN) == ZT_OK;
}

#endif
