/* SPDX-License-Identifier: MIT */
/*
 * noise_test.c - the handshake against known answers from an independent
 * implementation (test/vectors/noise_ref.py, Python `cryptography`), plus
 * the ways a handshake must fail.
 *
 * The vectors live in test/vectors/noise_ik.txt, read at run time so that
 * the file and the test cannot drift apart.  Regenerate with
 *   python3 test/vectors/noise_ref.py > test/vectors/noise_ik.txt
 * The file is looked up as $ZT_VECTORS, then test/vectors/noise_ik.txt from
 * the current directory (test/run.sh runs from the top), then relative to
 * the binary (build/test/noise_test -> ../../test/vectors/).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "identity.h"
#include "noise.h"
#include "util.h"
#include "test.h"

/* ---- the vectors file ---- */

#define MAX_FIELDS 24
#define MAX_VAL    512

struct field {
	char name[32];
	uint8_t val[MAX_VAL];
	size_t len;
};

struct block {
	char kind[32]; /* "vector N", "hmac", "hkdf" */
	struct field f[MAX_FIELDS];
	int count;
};

#define MAX_BLOCKS 32
static struct block blocks[MAX_BLOCKS];
static int block_count;
static int parse_errors;

static int hexnib(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void parse_line(struct block **cur, char *line)
{
	size_t n = strlen(line);
	char *eq;

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
		line[--n] = '\0';
	if (n == 0 || line[0] == '#')
		return;
	if (*cur == NULL) {
		if (block_count == MAX_BLOCKS || n >= sizeof blocks[0].kind) {
			parse_errors++;
			return;
		}
		*cur = &blocks[block_count++];
		memset(*cur, 0, sizeof **cur);
		memcpy((*cur)->kind, line, n + 1);
		return;
	}
	if (strcmp(line, "end") == 0) {
		*cur = NULL;
		return;
	}
	/* "name = hex"; an empty value may have lost its trailing space. */
	eq = strstr(line, " =");
	if (eq == NULL || (*cur)->count == MAX_FIELDS || (size_t)(eq - line) >= 32) {
		parse_errors++;
		return;
	}
	{
		struct field *f = &(*cur)->f[(*cur)->count++];
		const char *hex = eq[2] == ' ' ? eq + 3 : eq + 2;
		size_t hl = strlen(hex);
		memcpy(f->name, line, (size_t)(eq - line));
		f->name[eq - line] = '\0';
		if (hl % 2 != 0 || hl / 2 > MAX_VAL) {
			parse_errors++;
			return;
		}
		for (size_t i = 0; i < hl / 2; i++) {
			int hi = hexnib(hex[2 * i]), lo = hexnib(hex[2 * i + 1]);
			if (hi < 0 || lo < 0) {
				parse_errors++;
				return;
			}
			f->val[i] = (uint8_t)(hi << 4 | lo);
		}
		f->len = hl / 2;
	}
}

static int load_vectors(const char *argv0)
{
	char path[4096];
	const char *env = getenv("ZT_VECTORS");
	FILE *fp = NULL;
	char line[2048];
	struct block *cur = NULL;

	if (env != NULL)
		fp = fopen(env, "r");
	if (fp == NULL)
		fp = fopen("test/vectors/noise_ik.txt", "r");
	if (fp == NULL && argv0 != NULL) {
		const char *slash = strrchr(argv0, '/');
		size_t dl = slash != NULL ? (size_t)(slash - argv0) : 0;
		if (dl + 40 < sizeof path) {
			memcpy(path, argv0, dl);
			snprintf(path + dl, sizeof path - dl, "%s../../test/vectors/noise_ik.txt",
			         dl ? "/" : "");
			fp = fopen(path, "r");
		}
	}
	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof line, fp) != NULL)
		parse_line(&cur, line);
	fclose(fp);
	if (cur != NULL)
		parse_errors++; /* a block without "end" */
	return 0;
}

/* A field of a block; a missing one is a test failure (and a zero value). */
static const uint8_t *get(const struct block *b, const char *name, size_t want)
{
	static const uint8_t zero[MAX_VAL];
	for (int i = 0; i < b->count; i++) {
		if (strcmp(b->f[i].name, name) == 0) {
			if (want != 0 && b->f[i].len != want) {
				printf("  %s: %s has %zu bytes, want %zu\n", b->kind, name,
				       b->f[i].len, want);
				test_case_failed = 1;
				return zero;
			}
			return b->f[i].val;
		}
	}
	printf("  %s: no field %s\n", b->kind, name);
	test_case_failed = 1;
	return zero;
}

static size_t get_len(const struct block *b, const char *name)
{
	for (int i = 0; i < b->count; i++)
		if (strcmp(b->f[i].name, name) == 0)
			return b->f[i].len;
	return 0;
}

static int same(const char *what, const struct block *b, const uint8_t *got, const uint8_t *want,
                size_t len)
{
	if (memcmp(got, want, len) == 0)
		return 1;
	printf("  %s: %s differs\n    got  ", b->kind, what);
	for (size_t i = 0; i < len; i++)
		printf("%02x", got[i]);
	printf("\n    want ");
	for (size_t i = 0; i < len; i++)
		printf("%02x", want[i]);
	printf("\n");
	test_case_failed = 1;
	return 0;
}

static void identity_from_seed(struct zt_identity *id, const uint8_t seed[32], uint64_t address)
{
	memset(id, 0, sizeof *id);
	crypto_sign_seed_keypair(id->pk, id->sk, seed);
	id->has_secret = true;
	/* zt_noise_* never looks at the address. */
	id->address = address;
}

/* ---- known answers ---- */

static void test_vectors_present(void)
{
	int vectors = 0, hmacs = 0, hkdfs = 0;
	CHECK_EQ(parse_errors, 0);
	for (int i = 0; i < block_count; i++) {
		if (strncmp(blocks[i].kind, "vector ", 7) == 0)
			vectors++;
		else if (strcmp(blocks[i].kind, "hmac") == 0)
			hmacs++;
		else if (strcmp(blocks[i].kind, "hkdf") == 0)
			hkdfs++;
		else
			CHECK(!"unknown block kind");
	}
	/* Guards against a truncated file passing vacuously. */
	CHECK(vectors >= 3);
	CHECK(hmacs >= 4);
	CHECK(hkdfs >= 2);
}

static void check_vector(const struct block *b)
{
	struct zt_identity ini, res;
	struct zt_noise_hs ihs, rhs;
	uint8_t x[32], init[ZT_NOISE_INIT_LEN], resp[ZT_NOISE_RESP_LEN];
	uint8_t ipay[ZT_NOISE_INIT_PAYLOAD], rpay[ZT_NOISE_RESP_PAYLOAD];
	uint8_t ik1[32], ik2[32], rk1[32], rk2[32];

	identity_from_seed(&ini, get(b, "init_seed", 32), 0x1111111111ULL);
	identity_from_seed(&res, get(b, "resp_seed", 32), 0x2222222222ULL);
	same("init_ed_pk", b, ini.pk, get(b, "init_ed_pk", 32), 32);
	same("resp_ed_pk", b, res.pk, get(b, "resp_ed_pk", 32), 32);

	/* The Ed25519 -> X25519 conversion, both halves, both sides. */
	CHECK_EQ(zt_identity_x25519_pk(ini.pk, x), ZT_OK);
	same("init_x_pk", b, x, get(b, "init_x_pk", 32), 32);
	CHECK_EQ(zt_identity_x25519_sk(&ini, x), ZT_OK);
	same("init_x_sk", b, x, get(b, "init_x_sk", 32), 32);
	CHECK_EQ(zt_identity_x25519_pk(res.pk, x), ZT_OK);
	same("resp_x_pk", b, x, get(b, "resp_x_pk", 32), 32);
	CHECK_EQ(zt_identity_x25519_sk(&res, x), ZT_OK);
	same("resp_x_sk", b, x, get(b, "resp_x_sk", 32), 32);

	/* Initiation. */
	CHECK_EQ(zt_noise_init_create(&ihs, &ini, res.pk, get(b, "init_eph", 32),
	                              get(b, "init_payload", 12), init),
	         ZT_OK);
	same("initiation", b, init, get(b, "initiation", ZT_NOISE_INIT_LEN), ZT_NOISE_INIT_LEN);

	/* The responder consumes the reference's bytes, not ours. */
	CHECK_EQ(zt_noise_init_consume(&rhs, &res, get(b, "initiation", ZT_NOISE_INIT_LEN), ipay),
	         ZT_OK);
	same("initiation payload", b, ipay, get(b, "init_payload", 12), 12);
	same("initiator key carried by s", b, rhs.rs_ed, ini.pk, 32);
	same("h after initiation", b, rhs.h, ihs.h, ZT_NOISE_HASHLEN);

	/* Response. */
	CHECK_EQ(
	    zt_noise_resp_create(&rhs, get(b, "resp_eph", 32), get(b, "resp_payload", 4), resp),
	    ZT_OK);
	same("response", b, resp, get(b, "response", ZT_NOISE_RESP_LEN), ZT_NOISE_RESP_LEN);
	same("responder handshake_hash", b, rhs.h, get(b, "handshake_hash", 64), 64);
	CHECK_EQ(zt_noise_resp_consume(&ihs, &ini, get(b, "response", ZT_NOISE_RESP_LEN), rpay),
	         ZT_OK);
	same("response payload", b, rpay, get(b, "resp_payload", 4), 4);
	same("initiator handshake_hash", b, ihs.h, get(b, "handshake_hash", 64), 64);

	/* Transport keys. */
	zt_noise_split(&ihs, ik1, ik2);
	zt_noise_split(&rhs, rk1, rk2);
	same("k1 (initiator)", b, ik1, get(b, "k1", 32), 32);
	same("k2 (initiator)", b, ik2, get(b, "k2", 32), 32);
	same("k1 (responder)", b, rk1, get(b, "k1", 32), 32);
	same("k2 (responder)", b, rk2, get(b, "k2", 32), 32);
	/* Split wipes the handshake state. */
	{
		static const struct zt_noise_hs zero;
		CHECK(memcmp(&ihs, &zero, sizeof zero) == 0);
		CHECK(memcmp(&rhs, &zero, sizeof zero) == 0);
	}
}

static void test_handshake_vectors(void)
{
	int n = 0;
	for (int i = 0; i < block_count; i++) {
		if (strncmp(blocks[i].kind, "vector ", 7) == 0) {
			check_vector(&blocks[i]);
			n++;
		}
	}
	CHECK(n >= 3);
}

static void test_hmac_vectors(void)
{
	int n = 0;
	for (int i = 0; i < block_count; i++) {
		const struct block *b = &blocks[i];
		uint8_t out[64];
		if (strcmp(b->kind, "hmac") != 0)
			continue;
		zt_noise_hmac(out, get(b, "key", 0), get_len(b, "key"), get(b, "msg", 0),
		              get_len(b, "msg"));
		same("hmac", b, out, get(b, "out", 64), 64);
		n++;
	}
	CHECK(n >= 4);
	/* The example from the brief, independent of the file. */
	{
		uint8_t key[64], out[64];
		static const char msg[] = "zt hmac test vector";
		for (int i = 0; i < 64; i++)
			key[i] = (uint8_t)i;
		zt_noise_hmac(out, key, sizeof key, (const uint8_t *)msg, sizeof msg - 1);
		CHECK(out[0] == 0x99 && out[1] == 0xb3 && out[2] == 0x83 && out[3] == 0xbd);
	}
}

static void test_hkdf_vectors(void)
{
	int n = 0;
	for (int i = 0; i < block_count; i++) {
		const struct block *b = &blocks[i];
		uint8_t o1[64], o2[64];
		if (strcmp(b->kind, "hkdf") != 0)
			continue;
		zt_noise_hkdf2(o1, o2, get(b, "ck", 64), get(b, "ikm", 0), get_len(b, "ikm"));
		same("hkdf o1", b, o1, get(b, "o1", 64), 64);
		same("hkdf o2", b, o2, get(b, "o2", 64), 64);
		n++;
	}
	CHECK(n >= 2);
}

/* ---- failures ---- */

static const struct block *first_vector(void)
{
	for (int i = 0; i < block_count; i++)
		if (strncmp(blocks[i].kind, "vector ", 7) == 0)
			return &blocks[i];
	return NULL;
}

static void idents(struct zt_identity *ini, struct zt_identity *res)
{
	uint8_t s1[32], s2[32];
	memset(s1, 0x11, sizeof s1);
	memset(s2, 0x22, sizeof s2);
	identity_from_seed(ini, s1, 0x1111111111ULL);
	identity_from_seed(res, s2, 0x2222222222ULL);
}

static const uint8_t e1[32] = {1, 2, 3}, e2[32] = {4, 5, 6};
static const uint8_t ipay_in[12] = {0, 0, 1, 0x8b, 0, 0, 0, 1, 0, 0, 0, 0};
static const uint8_t rpay_in[4] = {0};

static void test_init_bitflips_rejected(void)
{
	struct zt_identity ini, res;
	struct zt_noise_hs ihs, rhs;
	uint8_t init[ZT_NOISE_INIT_LEN], pay[12];
	int rejected = 0, total = 0;
	static const struct zt_noise_hs zero;

	idents(&ini, &res);
	CHECK_EQ(zt_noise_init_create(&ihs, &ini, res.pk, e1, ipay_in, init), ZT_OK);
	/* Every bit of every part: e (0..31), encrypted s (32..79),
	 * encrypted payload (80..107). */
	for (size_t i = 0; i < ZT_NOISE_INIT_LEN; i++) {
		for (int bit = 0; bit < 8; bit++) {
			init[i] ^= (uint8_t)(1 << bit);
			total++;
			if (zt_noise_init_consume(&rhs, &res, init, pay) != ZT_OK) {
				rejected++;
				/* A failed consume leaves nothing behind. */
				if (memcmp(&rhs, &zero, sizeof zero) != 0)
					CHECK(!"state not wiped after failure");
			} else {
				printf("  accepted with bit %d of byte %zu flipped\n", bit, i);
			}
			init[i] ^= (uint8_t)(1 << bit);
		}
	}
	CHECK_EQ(rejected, total);
	CHECK_EQ(total, ZT_NOISE_INIT_LEN * 8);
	/* And the untouched message still works. */
	CHECK_EQ(zt_noise_init_consume(&rhs, &res, init, pay), ZT_OK);
	CHECK(memcmp(pay, ipay_in, 12) == 0);
}

static void test_resp_bitflips_rejected(void)
{
	struct zt_identity ini, res;
	struct zt_noise_hs ihs, rhs, before;
	uint8_t init[ZT_NOISE_INIT_LEN], resp[ZT_NOISE_RESP_LEN], pay[12], rpay[4];
	uint8_t ik1[32], ik2[32], rk1[32], rk2[32];
	int rejected = 0, total = 0;

	idents(&ini, &res);
	CHECK_EQ(zt_noise_init_create(&ihs, &ini, res.pk, e1, ipay_in, init), ZT_OK);
	CHECK_EQ(zt_noise_init_consume(&rhs, &res, init, pay), ZT_OK);
	CHECK_EQ(zt_noise_resp_create(&rhs, e2, rpay_in, resp), ZT_OK);
	before = ihs;
	for (size_t i = 0; i < ZT_NOISE_RESP_LEN; i++) {
		for (int bit = 0; bit < 8; bit++) {
			resp[i] ^= (uint8_t)(1 << bit);
			total++;
			if (zt_noise_resp_consume(&ihs, &ini, resp, rpay) != ZT_OK)
				rejected++;
			else
				printf("  accepted with bit %d of byte %zu flipped\n", bit, i);
			/* A forged response must leave the pending handshake
			 * exactly as it was. */
			if (memcmp(&ihs, &before, sizeof before) != 0) {
				CHECK(!"pending handshake changed by a forged response");
				ihs = before;
			}
			resp[i] ^= (uint8_t)(1 << bit);
		}
	}
	CHECK_EQ(rejected, total);
	/* The genuine response still completes the handshake. */
	CHECK_EQ(zt_noise_resp_consume(&ihs, &ini, resp, rpay), ZT_OK);
	zt_noise_split(&ihs, ik1, ik2);
	zt_noise_split(&rhs, rk1, rk2);
	CHECK(memcmp(ik1, rk1, 32) == 0);
	CHECK(memcmp(ik2, rk2, 32) == 0);
	CHECK(memcmp(ik1, ik2, 32) != 0);
}

static void test_wrong_responder_rejected(void)
{
	struct zt_identity ini, res, other;
	struct zt_noise_hs ihs, rhs;
	uint8_t init[ZT_NOISE_INIT_LEN], resp[ZT_NOISE_RESP_LEN], pay[12], rpay[4], seed[32];

	idents(&ini, &res);
	memset(seed, 0x33, sizeof seed);
	identity_from_seed(&other, seed, 0x3333333333ULL);
	/* Meant for res: another node cannot read it. */
	CHECK_EQ(zt_noise_init_create(&ihs, &ini, res.pk, e1, ipay_in, init), ZT_OK);
	CHECK_EQ(zt_noise_init_consume(&rhs, &other, init, pay), ZT_ECRYPTO);
	/* Meant for other, answered by other: the initiator who expected
	 * res (a different pre-message) must not accept it. */
	{
		struct zt_noise_hs ohs, xhs;
		uint8_t init2[ZT_NOISE_INIT_LEN];
		CHECK_EQ(zt_noise_init_create(&ohs, &ini, other.pk, e1, ipay_in, init2), ZT_OK);
		CHECK_EQ(zt_noise_init_consume(&xhs, &other, init2, pay), ZT_OK);
		CHECK_EQ(zt_noise_resp_create(&xhs, e2, rpay_in, resp), ZT_OK);
		CHECK_EQ(zt_noise_resp_consume(&ihs, &ini, resp, rpay), ZT_ECRYPTO);
		zt_noise_wipe(&ohs);
		zt_noise_wipe(&xhs);
	}
	/* A response consumed with the wrong local identity (se differs). */
	CHECK_EQ(zt_noise_init_consume(&rhs, &res, init, pay), ZT_OK);
	CHECK_EQ(zt_noise_resp_create(&rhs, e2, rpay_in, resp), ZT_OK);
	CHECK_EQ(zt_noise_resp_consume(&ihs, &other, resp, rpay), ZT_ECRYPTO);
	CHECK_EQ(zt_noise_resp_consume(&ihs, &ini, resp, rpay), ZT_OK);
	/* A public-only identity cannot take part. */
	{
		struct zt_identity pub = ini;
		memset(pub.sk, 0, sizeof pub.sk);
		pub.has_secret = false;
		CHECK(zt_noise_init_create(&ihs, &pub, res.pk, e1, ipay_in, init) != ZT_OK);
		CHECK(zt_noise_init_consume(&rhs, &pub, init, pay) != ZT_OK);
	}
}

/* X25519 points of small order (with and without the ignored top bit). */
static const uint8_t low_order[][32] = {
    {0},
    {1},
    {0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3,
     0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32,
     0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00},
    {0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1,
     0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c,
     0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57},
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
};

static void test_low_order_ephemeral_rejected(void)
{
	struct zt_identity ini, res;
	struct zt_noise_hs ihs, rhs, before;
	uint8_t init[ZT_NOISE_INIT_LEN], resp[ZT_NOISE_RESP_LEN], pay[12], rpay[4];

	idents(&ini, &res);
	CHECK_EQ(zt_noise_init_create(&ihs, &ini, res.pk, e1, ipay_in, init), ZT_OK);
	CHECK_EQ(zt_noise_init_consume(&rhs, &res, init, pay), ZT_OK);
	CHECK_EQ(zt_noise_resp_create(&rhs, e2, rpay_in, resp), ZT_OK);
	before = ihs;
	for (size_t i = 0; i < ZT_ARRAY_LEN(low_order); i++) {
		for (int hi = 0; hi < 2; hi++) {
			uint8_t bad_init[ZT_NOISE_INIT_LEN], bad_resp[ZT_NOISE_RESP_LEN];
			memcpy(bad_init, init, sizeof init);
			memcpy(bad_init, low_order[i], 32);
			bad_init[31] = (uint8_t)(bad_init[31] | (hi << 7));
			CHECK_EQ(zt_noise_init_consume(&rhs, &res, bad_init, pay), ZT_ECRYPTO);
			memcpy(bad_resp, resp, sizeof resp);
			memcpy(bad_resp, low_order[i], 32);
			bad_resp[31] = (uint8_t)(bad_resp[31] | (hi << 7));
			CHECK_EQ(zt_noise_resp_consume(&ihs, &ini, bad_resp, rpay), ZT_ECRYPTO);
			CHECK(memcmp(&ihs, &before, sizeof before) == 0);
		}
	}
	CHECK_EQ(zt_noise_resp_consume(&ihs, &ini, resp, rpay), ZT_OK);
	zt_noise_wipe(&ihs);
	zt_noise_wipe(&rhs);
}

/* An initiator whose s token is a small-order Ed25519 point: it knows the
 * responder's key, so it can encrypt anything there; the responder must
 * refuse to derive an X25519 key from it. */
static void test_low_order_static_rejected(void)
{
	struct zt_identity ini, res, evil;
	struct zt_noise_hs ihs, rhs;
	uint8_t init[ZT_NOISE_INIT_LEN], pay[12], x[32];
	/* The Ed25519 identity point (0, 1) and a point of order 4. */
	static const uint8_t ed_low[2][32] = {
	    {1},
	    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
	     0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
	     0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
	};

	idents(&ini, &res);
	for (int i = 0; i < 2; i++) {
		CHECK(zt_identity_x25519_pk(ed_low[i], x) != ZT_OK);
		evil = ini;
		memcpy(evil.pk, ed_low[i], 32);
		/* The initiator side happily builds it (ss uses its sk)... */
		if (zt_noise_init_create(&ihs, &evil, res.pk, e1, ipay_in, init) != ZT_OK) {
			CHECK(!"could not build the hostile initiation");
			continue;
		}
		/* ...the responder refuses it. */
		CHECK_EQ(zt_noise_init_consume(&rhs, &res, init, pay), ZT_ECRYPTO);
		zt_noise_wipe(&ihs);
	}
	/* Nor may anyone start a handshake towards such a key. */
	CHECK(zt_noise_init_create(&ihs, &ini, ed_low[0], e1, ipay_in, init) != ZT_OK);
}

/* Each handshake differs with fresh ephemerals, and keys are directional. */
static void test_fresh_ephemerals(void)
{
	struct zt_identity ini, res;
	struct zt_noise_hs ihs, rhs;
	uint8_t init[ZT_NOISE_INIT_LEN], resp[ZT_NOISE_RESP_LEN], pay[12], rpay[4];
	uint8_t k[3][2][32];
	const struct block *b = first_vector();

	CHECK(b != NULL);
	idents(&ini, &res);
	for (int i = 0; i < 3; i++) {
		uint8_t ie[32], re[32];
		memset(ie, 0x40 + i, sizeof ie);
		memset(re, 0x50 + (i == 2 ? 0 : i), sizeof re); /* 0 and 2 share re */
		CHECK_EQ(zt_noise_init_create(&ihs, &ini, res.pk, ie, ipay_in, init), ZT_OK);
		CHECK_EQ(zt_noise_init_consume(&rhs, &res, init, pay), ZT_OK);
		CHECK_EQ(zt_noise_resp_create(&rhs, re, rpay_in, resp), ZT_OK);
		CHECK_EQ(zt_noise_resp_consume(&ihs, &ini, resp, rpay), ZT_OK);
		zt_noise_split(&ihs, k[i][0], k[i][1]);
		zt_noise_wipe(&rhs);
	}
	CHECK(memcmp(k[0][0], k[1][0], 32) != 0);
	CHECK(memcmp(k[0][0], k[2][0], 32) != 0);
	CHECK(memcmp(k[0][1], k[2][1], 32) != 0);
	CHECK(memcmp(k[0][0], k[0][1], 32) != 0);
}

int main(int argc, char **argv)
{
	(void)argc;
	if (sodium_init() < 0)
		return 1;
	if (load_vectors(argv[0]) != 0) {
		printf("FAIL load_vectors: test/vectors/noise_ik.txt not found (set ZT_VECTORS)\n");
		return 1;
	}
	RUN(test_vectors_present);
	RUN(test_handshake_vectors);
	RUN(test_hmac_vectors);
	RUN(test_hkdf_vectors);
	RUN(test_init_bitflips_rejected);
	RUN(test_resp_bitflips_rejected);
	RUN(test_wrong_responder_rejected);
	RUN(test_low_order_ephemeral_rejected);
	RUN(test_low_order_static_rejected);
	RUN(test_fresh_ephemerals);
	TEST_EXIT();
}
