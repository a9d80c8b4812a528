/* SPDX-License-Identifier: MIT */
/*
 * test.h - the unit-test harness: each case prints "PASS name" or
 * "FAIL name: why"; test/run.sh adds them up.  No sleeping, no clock:
 * tests use literal timestamps.
 */
#ifndef ZT_TEST_TEST_H
#define ZT_TEST_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failed_total;
static int test_case_failed;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("  check failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);         \
			test_case_failed = 1;                                                      \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long _a = (long long)(a), _b = (long long)(b);                                \
		if (_a != _b) {                                                                    \
			printf("  check failed: %s == %s (%lld != %lld) (%s:%d)\n", #a, #b, _a,    \
			       _b, __FILE__, __LINE__);                                            \
			test_case_failed = 1;                                                      \
		}                                                                                  \
	} while (0)

#define RUN(fn)                                                                                    \
	do {                                                                                       \
		test_case_failed = 0;                                                              \
		fn();                                                                              \
		printf("%s %s\n", test_case_failed ? "FAIL" : "PASS", #fn);                        \
		fflush(stdout);                                                                    \
		test_failed_total += test_case_failed;                                             \
	} while (0)

#define TEST_EXIT() return test_failed_total ? 1 : 0

/* Deterministic "random" source for tests: a counter-mode BLAKE2b stream. */
#include <sodium.h>
struct test_rng {
	unsigned char key[32];
	unsigned long long ctr;
};
static inline void test_rng_bytes(void *ctx, void *buf, size_t len)
{
	struct test_rng *r = ctx;
	unsigned char *p = buf;
	while (len > 0) {
		unsigned char block[64];
		unsigned char in[8];
		for (int i = 0; i < 8; i++)
			in[i] = (unsigned char)(r->ctr >> (8 * i));
		r->ctr++;
		crypto_generichash(block, sizeof block, in, sizeof in, r->key, sizeof r->key);
		size_t n = len < sizeof block ? len : sizeof block;
		memcpy(p, block, n);
		p += n;
		len -= n;
	}
}
static inline void test_rng_seed(struct test_rng *r, unsigned long long seed)
{
	memset(r, 0, sizeof *r);
	for (int i = 0; i < 8; i++)
		r->key[i] = (unsigned char)(seed >> (8 * i));
}

#endif
