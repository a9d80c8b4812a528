/* SPDX-License-Identifier: MIT */
/*
 * mactable_test.c - the bridge MAC table against a naive reference (an
 * unsorted list) over random learn / lookup / age operations, including a
 * full table (the entry seen longest ago makes room) and hosts that move.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mactable.h"
#include "test.h"

/* A zero allocator: libc's malloc and free (mem.h). */
static const struct zt_mem libc_mem;

#define REF_MAX 1024

struct ref {
	struct zt_macent v[REF_MAX];
	size_t n;
};

static long ref_find(const struct ref *r, const uint8_t mac[6])
{
	for (size_t i = 0; i < r->n; i++)
		if (memcmp(r->v[i].mac, mac, 6) == 0)
			return (long)i;
	return -1;
}

static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

static void test_table_vs_reference(void)
{
	static struct ref ref;
	struct zt_mactable t;
	uint64_t seed = 99;
	int64_t now = 5000;
	const size_t max = 64;
	/* how often each outcome came up: a branch never taken checks nothing */
	unsigned moved = 0, evicted = 0, hits = 0, stale = 0, aged = 0;

	zt_mactable_init(&t, max, &libc_mem);
	ref.n = 0;
	for (int step = 0; step < 300000 && !test_case_failed; step++) {
		uint8_t mac[6] = {
		    0x52, 0x54, 0, 0, (uint8_t)(rnd(&seed) % 2), (uint8_t)(rnd(&seed) % 50)};
		uint64_t a = 1 + rnd(&seed) % 5;
		unsigned op = rnd(&seed) % 100;
		int64_t age = 1 + rnd(&seed) % 400;
		now += 1 + rnd(&seed) % 3; /* strictly increasing: "oldest" is unique */
		if (op < 45) {
			long i = ref_find(&ref, mac);
			uint64_t want = 0;
			if (i >= 0) {
				want = ref.v[i].address;
				moved += want != a;
				ref.v[i].address = a;
				ref.v[i].seen = now;
			} else {
				if (ref.n >= max) {
					size_t o = 0;
					evicted++;
					for (size_t j = 1; j < ref.n; j++)
						if (ref.v[j].seen < ref.v[o].seen)
							o = j;
					ref.v[o] = ref.v[--ref.n];
				}
				memcpy(ref.v[ref.n].mac, mac, 6);
				ref.v[ref.n].address = a;
				ref.v[ref.n].seen = now;
				ref.n++;
			}
			CHECK_EQ(zt_mactable_learn(&t, mac, a, now), want);
		} else if (op < 95) {
			long i = ref_find(&ref, mac);
			const struct zt_macent *e = zt_mactable_lookup(&t, mac, now, age);
			bool want = i >= 0 && now - ref.v[i].seen < age;
			hits += want;
			stale += i >= 0 && !want;
			CHECK_EQ(e != NULL, want);
			if (e != NULL && want)
				CHECK(e->address == ref.v[i].address && e->seen == ref.v[i].seen);
		} else {
			size_t c = 0;
			for (size_t i = 0; i < ref.n;)
				if (now - ref.v[i].seen >= age) {
					ref.v[i] = ref.v[--ref.n];
					c++;
				} else
					i++;
			aged += c > 0;
			CHECK_EQ(zt_mactable_age(&t, now, age), c);
		}
		CHECK_EQ(t.n, ref.n);
		for (size_t i = 1; i < t.n; i++)
			CHECK(memcmp(t.v[i - 1].mac, t.v[i].mac, 6) < 0);
	}
	printf("  moved %u, evicted %u, hits %u, stale %u, aged %u\n", moved, evicted, hits, stale,
	       aged);
	CHECK(moved > 0 && evicted > 0 && hits > 0 && stale > 0 && aged > 0);
	zt_mactable_free(&t);
}

static void test_move_and_age(void)
{
	static const uint8_t h[6] = {0x52, 0x54, 0, 1, 2, 3};
	struct zt_mactable t;
	zt_mactable_init(&t, 8, &libc_mem);
	CHECK_EQ(zt_mactable_learn(&t, h, 0x1111111111ULL, 1000), 0);
	CHECK(zt_mactable_lookup(&t, h, 1000, 300000)->address == 0x1111111111ULL);
	/* The host shows up behind another bridge: it moves. */
	CHECK_EQ(zt_mactable_learn(&t, h, 0x2222222222ULL, 2000), 0x1111111111ULL);
	CHECK(zt_mactable_lookup(&t, h, 2000, 300000)->address == 0x2222222222ULL);
	/* 300 s later it is gone. */
	CHECK(zt_mactable_lookup(&t, h, 2000 + 300000, 300000) == NULL);
	CHECK_EQ(zt_mactable_age(&t, 2000 + 300000, 300000), 1);
	CHECK_EQ(t.n, 0);
	zt_mactable_free(&t);
}

int main(void)
{
	RUN(test_table_vs_reference);
	RUN(test_move_and_age);
	TEST_EXIT();
}
