/* SPDX-License-Identifier: MIT */
/*
 * workers_test.c - the crypto pipeline (osdep/workers_linux.c) against running
 * the same jobs inline: seal and open, ChaCha20-Poly1305 and AES-256-GCM
 * (expanded keys), lists of every length, forged packets failing.  Built
 * as usual and, by `make tsan`, with ThreadSanitizer: the hand-over
 * between the I/O thread and the worker must be race-free.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>

#include "osdep/workers_linux.c" /* the shell module under test, in this program */
#include "test.h"

#define N 96

static struct test_rng rng;
static uint8_t key[32];
static crypto_aead_aes256gcm_state aes;
static uint8_t plain[N][1400], sealed_a[N][1500], sealed_b[N][1500], opened[N][1500];
static struct zt_crypto_job ja[N], jb[N];

static void make_seal(struct zt_crypto_job *j, int i, enum zt_crypto_cipher cipher, uint8_t *out)
{
	memset(j, 0, sizeof *j);
	j->op = ZT_CRYPTO_SEAL;
	j->cipher = cipher;
	j->key = cipher == ZT_CRYPTO_AES256GCM_STATE ? (const void *)&aes : (const void *)key;
	memset(j->nonce, 0, sizeof j->nonce);
	j->nonce[4] = (uint8_t)i;
	j->nonce[5] = (uint8_t)(i >> 8);
	test_rng_bytes(&rng, j->ad, sizeof j->ad);
	j->in = plain[i];
	j->in_len = 1 + (size_t)(i * 37) % 1399;
	j->out = out;
}

static void test_pipeline_matches_inline(void)
{
	struct zt_workers *w = NULL;

	CHECK_EQ(zt_workers_new(&w, 1), 0);
	for (int round = 0; round < 300 && !test_case_failed; round++) {
		size_t count = (size_t)round % (N + 1);
		enum zt_crypto_cipher cipher = (enum zt_crypto_cipher)(round % 3);
		if (cipher != ZT_CRYPTO_CHACHA20POLY1305 && !crypto_aead_aes256gcm_is_available())
			cipher = ZT_CRYPTO_CHACHA20POLY1305;
		for (size_t i = 0; i < count; i++) {
			test_rng_bytes(&rng, plain[i], sizeof plain[i]);
			make_seal(&ja[i], (int)i, cipher, sealed_a[i]);
			jb[i] = ja[i];
			jb[i].out = sealed_b[i];
		}
		for (size_t i = 0; i < count; i++)
			zt_crypto_job_run(&ja[i]);
		zt_workers_run(w, jb, count);
		for (size_t i = 0; i < count; i++) {
			/* both sealed (not both failed alike): the tag added */
			CHECK_EQ(ja[i].result, 0);
			CHECK_EQ(ja[i].out_len, ja[i].in_len + 16);
			CHECK_EQ(jb[i].out_len, ja[i].out_len);
			CHECK(memcmp(sealed_a[i], sealed_b[i], ja[i].out_len) == 0);
		}
		/* open them again through the pipeline; every 7th is forged */
		for (size_t i = 0; i < count; i++) {
			struct zt_crypto_job *j = &jb[i];
			j->op = ZT_CRYPTO_OPEN;
			j->in = sealed_b[i];
			j->in_len = ja[i].out_len;
			j->out = opened[i];
			if (i % 7 == 3)
				sealed_b[i][i % j->in_len] ^= 0x40;
		}
		zt_workers_run(w, jb, count);
		for (size_t i = 0; i < count; i++) {
			if (i % 7 == 3) {
				CHECK_EQ(jb[i].result, -1);
			} else {
				CHECK_EQ(jb[i].result, 0);
				CHECK_EQ(jb[i].out_len, ja[i].in_len);
				CHECK(memcmp(opened[i], plain[i], ja[i].in_len) == 0);
			}
		}
		if (test_case_failed)
			printf("  round %d: %zu jobs, cipher %u\n", round, count, cipher);
	}
	zt_workers_free(w);
}

/* Every job of every list runs, whoever takes it, and the
 * worker does take some (given half a second of lists to take from). */
static void test_every_job_runs(void)
{
	struct zt_workers *w = NULL;
	unsigned long long before;

	CHECK_EQ(zt_workers_new(&w, 1), 0);
	before = zt_workers_worker_jobs(w);
	for (int round = 0; round < 20000 && !test_case_failed; round++) {
		size_t count = 8 + (size_t)round % (N - 7);
		for (size_t i = 0; i < count; i++) {
			/* an empty AD-only open that fails: cheap, and it
			 * overwrites result, which we reset to a marker */
			memset(&jb[i], 0, sizeof jb[i]);
			jb[i].op = ZT_CRYPTO_OPEN;
			jb[i].key = key;
			jb[i].in = sealed_b[0];
			jb[i].in_len = 0;
			jb[i].out = opened[i];
			jb[i].result = 7;
		}
		zt_workers_run(w, jb, count);
		for (size_t i = 0; i < count; i++)
			CHECK_EQ(jb[i].result, -1);
		if (test_case_failed)
			printf("  round %d: %zu jobs\n", round, count);
	}
	CHECK(zt_workers_worker_jobs(w) > before);
	zt_workers_free(w);
}

/* Disabled, the worker takes nothing; enabled again, it does. */
static void test_enable(void)
{
	struct zt_workers *w = NULL;
	unsigned long long before;

	CHECK_EQ(zt_workers_new(&w, 1), 0);
	CHECK(zt_workers_enabled(w));
	zt_workers_enable(w, false);
	CHECK(!zt_workers_enabled(w));
	before = zt_workers_worker_jobs(w);
	for (int round = 0; round < 200; round++) {
		for (int i = 0; i < N; i++) {
			test_rng_bytes(&rng, plain[i], sizeof plain[i]);
			make_seal(&jb[i], i, 0, sealed_b[i]);
			jb[i].result = 7;
		}
		zt_workers_run(w, jb, N);
		for (int i = 0; i < N; i++)
			CHECK_EQ(jb[i].result, 0);
	}
	CHECK_EQ(zt_workers_worker_jobs(w), before);
	zt_workers_enable(w, true);
	CHECK(zt_workers_enabled(w));
	/* ... and the worker takes jobs again (given lists to take from) */
	for (int round = 0; round < 20000 && zt_workers_worker_jobs(w) == before; round++) {
		for (int i = 0; i < N; i++) {
			make_seal(&jb[i], i, 0, sealed_b[i]);
			jb[i].result = 7;
		}
		zt_workers_run(w, jb, N);
		for (int i = 0; i < N; i++)
			CHECK_EQ(jb[i].result, 0);
	}
	CHECK(zt_workers_worker_jobs(w) > before);
	zt_workers_free(w);

	/* without a thread it cannot be enabled */
	CHECK_EQ(zt_workers_new(&w, 0), 0);
	CHECK(!zt_workers_enabled(w));
	zt_workers_enable(w, true);
	CHECK(!zt_workers_enabled(w));
	zt_workers_free(w);
}

/* The policy: on only with a busy I/O thread and an idle core, with a
 * gap between on and off; and the CPU readings it is fed exist. */
static void test_policy(void)
{
	struct zt_workers *w = NULL;
	double idle1 = 0, idle2 = 0, wk = -1;

	CHECK(!zt_workers_worth_it(false, 0.10, 1.00)); /* idle daemon */
	CHECK(!zt_workers_worth_it(false, 0.99, 0.05)); /* every core busy */
	CHECK(zt_workers_worth_it(false, 0.99, 0.95));  /* saturated, core free */
	CHECK(zt_workers_worth_it(true, 0.80, 0.50));   /* stays on in the gap */
	CHECK(!zt_workers_worth_it(false, 0.80, 0.50)); /* ... but does not turn on */
	CHECK(!zt_workers_worth_it(true, 0.50, 0.90));  /* load fell */
	CHECK(!zt_workers_worth_it(true, 1.20, 0.20));  /* took other programs' time */

	CHECK_EQ(zt_workers_machine_idle(&idle1), 0);
	CHECK_EQ(zt_workers_machine_idle(&idle2), 0);
	CHECK(idle1 > 0 && idle2 >= idle1);
	CHECK_EQ(zt_workers_new(&w, 1), 0);
	CHECK_EQ(zt_workers_cpu(w, &wk), 0);
	CHECK(wk >= 0);
	zt_workers_free(w);
}

static void test_inline_without_threads(void)
{
	struct zt_workers *w = NULL;

	CHECK_EQ(zt_workers_new(&w, 0), 0);
	for (int i = 0; i < 20; i++) {
		test_rng_bytes(&rng, plain[i], sizeof plain[i]);
		make_seal(&jb[i], i, 0, sealed_b[i]);
		jb[i].result = 7;
	}
	zt_workers_run(w, jb, 20);
	for (int i = 0; i < 20; i++)
		CHECK_EQ(jb[i].result, 0);
	zt_workers_free(w);
	zt_workers_run(NULL, jb, 0); /* no pipeline at all: a no-op */
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_rng_seed(&rng, 66);
	test_rng_bytes(&rng, key, sizeof key);
	if (crypto_aead_aes256gcm_is_available())
		crypto_aead_aes256gcm_beforenm(&aes, key);
	RUN(test_pipeline_matches_inline);
	RUN(test_every_job_runs);
	RUN(test_enable);
	RUN(test_policy);
	RUN(test_inline_without_threads);
	TEST_EXIT();
}
