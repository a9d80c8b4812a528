/* SPDX-License-Identifier: MIT */
/*
 * identity_test.c - identities: generation, text forms, tampering, and the
 * address derivation pinned to vectors from an independent implementation
 * (test/vectors/identity_ref.py, Python `cryptography` Argon2id): an
 * address is a persistent name, so the derivation must never change.
 */
#include <sodium.h>
#include <string.h>

#include "identity.h"
#include "test.h"
#include "util.h"
#include "zt.h"

struct id_vector {
	const char *seed, *pk;
	uint64_t address;
};

/* From `python3 test/vectors/identity_ref.py`. */
static const struct id_vector id_vectors[] = {
    {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
     "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8", 0x9d1030fcd3ULL},
    {"0000000000000000000000000000000000000000000000000000000000000000",
     "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29", 0x079d208115ULL},
    {"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "76a1592044a6e4f511265bca73a604d90b0529d1df602be30a19a9257660d1f5", 0x2e146679eaULL},
};
/* A seed whose address is reserved (starts with 0xff). */
static const struct id_vector reserved = {
    "d208adef5e8eab4043913a4d232b5c5f57876757426d36fa42bf994f45054e16",
    "14f9f6984d2bf66e357b3b8c149322b1914ef312ccf87438d93366e8ab7c85ed", 0xfff1d07c01ULL};

static void unhex(const char *s, uint8_t *out, size_t len)
{
	if (zt_hex_decode(s, strlen(s), out, len) != ZT_OK)
		CHECK(!"bad hex in test vector");
}

static int all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < len; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

static void test_address_vectors(void)
{
	for (size_t i = 0; i < ZT_ARRAY_LEN(id_vectors); i++) {
		const struct id_vector *v = &id_vectors[i];
		uint8_t seed[32], pk[32], want_pk[32], sk[64];
		uint64_t a = 0;
		unhex(v->seed, seed, 32);
		unhex(v->pk, want_pk, 32);
		crypto_sign_seed_keypair(pk, sk, seed);
		CHECK(memcmp(pk, want_pk, 32) == 0);
		CHECK_EQ(zt_identity_derive_address(pk, &a), ZT_OK);
		CHECK_EQ(a, v->address);
	}
	{
		uint8_t pk[32];
		uint64_t a = 0;
		unhex(reserved.pk, pk, 32);
		CHECK_EQ(zt_identity_derive_address(pk, &a), ZT_OK);
		CHECK_EQ(a, reserved.address);
		CHECK(!zt_identity_address_valid(a));
	}
}

static void test_address_valid(void)
{
	CHECK(!zt_identity_address_valid(0));
	CHECK(zt_identity_address_valid(1));
	CHECK(zt_identity_address_valid(0xfeffffffffULL));
	CHECK(!zt_identity_address_valid(0xff00000000ULL));
	CHECK(!zt_identity_address_valid(0xffffffffffULL));
	CHECK(!zt_identity_address_valid(0x10000000000ULL)); /* 41 bits */
	CHECK(!zt_identity_address_valid(UINT64_MAX));
	CHECK(zt_identity_address_valid(0x0000000001ULL));
}

static void test_generate(void)
{
	struct test_rng rng;
	struct zt_identity a, b, c;

	test_rng_seed(&rng, 1);
	CHECK_EQ(zt_identity_generate(&a, test_rng_bytes, &rng), ZT_OK);
	CHECK(a.has_secret);
	CHECK(zt_identity_address_valid(a.address));
	CHECK_EQ(zt_identity_verify(&a), ZT_OK);
	/* sk is seed || pk, as libsodium lays it out. */
	CHECK(memcmp(a.sk + 32, a.pk, 32) == 0);
	CHECK_EQ(zt_identity_generate(&b, test_rng_bytes, &rng), ZT_OK);
	CHECK(a.address != b.address);
	CHECK(memcmp(a.pk, b.pk, 32) != 0);
	/* Deterministic in the randomness. */
	test_rng_seed(&rng, 1);
	CHECK_EQ(zt_identity_generate(&c, test_rng_bytes, &rng), ZT_OK);
	CHECK_EQ(c.address, a.address);
	CHECK(memcmp(c.sk, a.sk, 64) == 0);
	zt_identity_wipe(&a);
	CHECK(all_zero(&a, sizeof a));
	zt_identity_wipe(&b);
	zt_identity_wipe(&c);
}

/* A random source that always gives the same seed. */
static void fixed_random(void *ctx, void *buf, size_t len)
{
	uint8_t seed[32];
	unhex(ctx, seed, 32);
	memset(buf, 0, len);
	memcpy(buf, seed, len < 32 ? len : 32);
}

static int calls;
static void counting_random(void *ctx, void *buf, size_t len)
{
	calls++;
	fixed_random(ctx, buf, len);
}

static void test_generate_skips_reserved(void)
{
	struct zt_identity id;
	/* Only reserved addresses on offer: the loop is bounded and fails
	 * cleanly instead of returning an identity with a reserved address. */
	calls = 0;
	memset(&id, 0xa5, sizeof id);
	CHECK_EQ(zt_identity_generate(&id, counting_random, (void *)reserved.seed), ZT_EIDENTITY);
	CHECK(calls > 1);
	CHECK(calls <= 64);
	CHECK(all_zero(&id, sizeof id));
	/* A good seed is taken at once. */
	calls = 0;
	CHECK_EQ(zt_identity_generate(&id, counting_random, (void *)id_vectors[0].seed), ZT_OK);
	CHECK_EQ(calls, 1);
	CHECK_EQ(id.address, id_vectors[0].address);
}

static void fixed_identity(struct zt_identity *id, const struct id_vector *v)
{
	uint8_t seed[32];
	memset(id, 0, sizeof *id);
	unhex(v->seed, seed, 32);
	crypto_sign_seed_keypair(id->pk, id->sk, seed);
	id->address = v->address;
	id->has_secret = true;
}

static void test_text_round_trip(void)
{
	struct zt_identity id, back;
	char pub[ZT_IDENTITY_PUBLIC_TEXT], sec[ZT_IDENTITY_SECRET_TEXT];
	char want[ZT_IDENTITY_SECRET_TEXT];

	fixed_identity(&id, &id_vectors[0]);
	CHECK_EQ(zt_identity_to_text(&id, false, pub, sizeof pub), ZT_OK);
	CHECK_EQ(zt_identity_to_text(&id, true, sec, sizeof sec), ZT_OK);
	/* The exact text form. */
	snprintf(want, sizeof want, "9d1030fcd3:%s", id_vectors[0].pk);
	CHECK(strcmp(pub, want) == 0);
	snprintf(want, sizeof want, "9d1030fcd3:%s:%s", id_vectors[0].pk, id_vectors[0].seed);
	CHECK(strcmp(sec, want) == 0);
	CHECK_EQ(strlen(pub), ZT_IDENTITY_PUBLIC_TEXT - 1);
	CHECK_EQ(strlen(sec), ZT_IDENTITY_SECRET_TEXT - 1);

	CHECK_EQ(zt_identity_from_text(&back, sec, strlen(sec)), ZT_OK);
	CHECK(back.has_secret);
	CHECK_EQ(back.address, id.address);
	CHECK(memcmp(back.pk, id.pk, 32) == 0);
	CHECK(memcmp(back.sk, id.sk, 64) == 0);

	CHECK_EQ(zt_identity_from_text(&back, pub, strlen(pub)), ZT_OK);
	CHECK(!back.has_secret);
	CHECK_EQ(back.address, id.address);
	CHECK(memcmp(back.pk, id.pk, 32) == 0);
	CHECK(all_zero(back.sk, 64));
	/* A public-only identity has no secret text. */
	CHECK_EQ(zt_identity_to_text(&back, true, sec, sizeof sec), ZT_ERANGE);

	/* Files end with a newline; trailing whitespace is fine. */
	{
		char buf[ZT_IDENTITY_SECRET_TEXT + 8];
		snprintf(buf, sizeof buf, "%s\r\n \t\n", pub);
		CHECK_EQ(zt_identity_from_text(&back, buf, strlen(buf)), ZT_OK);
		CHECK_EQ(back.address, id.address);
	}
	/* Upper-case hex is read too (hand-edited files). */
	{
		char up[ZT_IDENTITY_PUBLIC_TEXT];
		memcpy(up, pub, sizeof up);
		for (char *p = up; *p; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char)(*p - 'a' + 'A');
		CHECK_EQ(zt_identity_from_text(&back, up, strlen(up)), ZT_OK);
		CHECK_EQ(back.address, id.address);
	}
	/* Buffers that are too small. */
	CHECK_EQ(zt_identity_to_text(&id, false, pub, sizeof pub - 1), ZT_ERANGE);
	CHECK_EQ(zt_identity_to_text(&id, true, sec, sizeof sec - 1), ZT_ERANGE);
	zt_identity_wipe(&id);
	zt_identity_wipe(&back);
}

static void test_generated_round_trip(void)
{
	struct test_rng rng;
	test_rng_seed(&rng, 7);
	for (int i = 0; i < 4; i++) {
		struct zt_identity id, back;
		char sec[ZT_IDENTITY_SECRET_TEXT];
		CHECK_EQ(zt_identity_generate(&id, test_rng_bytes, &rng), ZT_OK);
		CHECK_EQ(zt_identity_to_text(&id, true, sec, sizeof sec), ZT_OK);
		CHECK_EQ(zt_identity_from_text(&back, sec, strlen(sec)), ZT_OK);
		CHECK(memcmp(&id, &back, sizeof id) == 0);
	}
}

static void test_tamper_rejected(void)
{
	struct zt_identity id, back;
	char sec[ZT_IDENTITY_SECRET_TEXT], t[ZT_IDENTITY_SECRET_TEXT + 2];
	size_t len;
	int accepted = 0;

	fixed_identity(&id, &id_vectors[1]);
	CHECK_EQ(zt_identity_to_text(&id, true, sec, sizeof sec), ZT_OK);
	len = strlen(sec);
	/* Every position changed to another hex digit (or a colon to a digit)
	 * must be rejected: the address, the key, or the seed's key would no
	 * longer match.  The only exception is a case change. */
	for (size_t i = 0; i < len; i++) {
		char c = sec[i] == 'f'   ? '0'
		         : sec[i] == ':' ? '0'
		                         : (char)(sec[i] == '9' ? 'a' : sec[i] + 1);
		int r;
		memcpy(t, sec, len + 1);
		t[i] = c;
		r = zt_identity_from_text(&back, t, len);
		if (r == ZT_OK) {
			accepted++;
			printf("  accepted with char %zu changed\n", i);
		}
		CHECK(r != ZT_OK);
		CHECK(all_zero(&back, sizeof back));
		/* The public part alone, too. */
		if (i < ZT_IDENTITY_PUBLIC_TEXT - 1) {
			r = zt_identity_from_text(&back, t, ZT_IDENTITY_PUBLIC_TEXT - 1);
			CHECK(r != ZT_OK);
		}
	}
	CHECK_EQ(accepted, 0);

	/* The right shape, a wrong seed. */
	memcpy(t, sec, len + 1);
	memcpy(t + 76, id_vectors[0].seed, 64);
	CHECK_EQ(zt_identity_from_text(&back, t, len), ZT_EIDENTITY);
	/* The right key, the address of another. */
	memcpy(t, sec, len + 1);
	memcpy(t, "9d1030fcd3", 10);
	CHECK_EQ(zt_identity_from_text(&back, t, len), ZT_EIDENTITY);
	/* A reserved address is refused even with its true key. */
	snprintf(t, sizeof t, "fff1d07c01:%s", reserved.pk);
	CHECK_EQ(zt_identity_from_text(&back, t, strlen(t)), ZT_EIDENTITY);

	/* Shapes. */
	CHECK_EQ(zt_identity_from_text(&back, sec, len - 1), ZT_EINVAL);
	CHECK_EQ(zt_identity_from_text(&back, sec, 0), ZT_EINVAL);
	CHECK_EQ(zt_identity_from_text(&back, sec, ZT_IDENTITY_PUBLIC_TEXT), ZT_EINVAL);
	memcpy(t, sec, len + 1);
	t[10] = '-';
	CHECK_EQ(zt_identity_from_text(&back, t, len), ZT_EINVAL);
	memcpy(t, sec, len + 1);
	t[75] = ' ';
	CHECK_EQ(zt_identity_from_text(&back, t, len), ZT_EINVAL);
	memcpy(t, sec, len + 1);
	t[20] = 'g';
	CHECK_EQ(zt_identity_from_text(&back, t, len), ZT_EINVAL);
	/* Leading whitespace is not trailing whitespace. */
	t[0] = ' ';
	memcpy(t + 1, sec, len + 1);
	CHECK(zt_identity_from_text(&back, t, len + 1) != ZT_OK);
	/* An embedded NUL. */
	memcpy(t, sec, len + 1);
	t[40] = '\0';
	CHECK(zt_identity_from_text(&back, t, len) != ZT_OK);
}

static void test_verify(void)
{
	struct zt_identity id;
	fixed_identity(&id, &id_vectors[2]);
	CHECK_EQ(zt_identity_verify(&id), ZT_OK);
	id.address ^= 1;
	CHECK_EQ(zt_identity_verify(&id), ZT_EIDENTITY);
	id.address ^= 1;
	id.pk[5] ^= 0x10;
	CHECK_EQ(zt_identity_verify(&id), ZT_EIDENTITY);
	id.address = 0;
	CHECK_EQ(zt_identity_verify(&id), ZT_EIDENTITY);
}

static void test_x25519_conversion(void)
{
	struct zt_identity id, pub;
	uint8_t xs[32], xp[32], xp2[32];

	fixed_identity(&id, &id_vectors[0]);
	CHECK_EQ(zt_identity_x25519_sk(&id, xs), ZT_OK);
	CHECK_EQ(zt_identity_x25519_pk(id.pk, xp), ZT_OK);
	/* The converted secret's public key is the converted public key. */
	crypto_scalarmult_base(xp2, xs);
	CHECK(memcmp(xp, xp2, 32) == 0);
	pub = id;
	pub.has_secret = false;
	memset(pub.sk, 0, 64);
	CHECK_EQ(zt_identity_x25519_sk(&pub, xs), ZT_EINVAL);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(test_address_vectors);
	RUN(test_address_valid);
	RUN(test_generate);
	RUN(test_generate_skips_reserved);
	RUN(test_text_round_trip);
	RUN(test_generated_round_trip);
	RUN(test_tamper_rejected);
	RUN(test_verify);
	RUN(test_x25519_conversion);
	TEST_EXIT();
}
