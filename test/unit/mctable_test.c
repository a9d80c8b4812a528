/* SPDX-License-Identifier: MIT */
/*
 * mctable_test.c - the subscription table against a naive reference (an
 * unsorted list searched linearly) over random operations.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mctable.h"
#include "test.h"
#include "zt.h"

/* A zero allocator: libc's malloc and free (mem.h). */
static const struct zt_mem libc_mem;

#define REF_MAX 4096
struct ref {
	struct zt_mcsub v[REF_MAX];
	size_t n;
};

static long ref_find(const struct ref *r, const uint8_t mac[6], uint32_t adi, uint64_t a)
{
	for (size_t i = 0; i < r->n; i++)
		if (memcmp(r->v[i].mac, mac, 6) == 0 && r->v[i].adi == adi && r->v[i].address == a)
			return (long)i;
	return -1;
}

static size_t ref_count(const struct ref *r, uint64_t a)
{
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++)
		k += r->v[i].address == a;
	return k;
}

static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

/* Random operations on a table of at most `max` entries, each checked
 * against the reference; `seen` counts the outcomes that came up. */
struct outcomes {
	unsigned full, added, removed, members, expired, found;
};

static void table_run(size_t max, uint64_t seed, struct outcomes *seen)
{
	static struct ref ref;
	struct zt_mctable t;
	int64_t now = 1000;

	zt_mctable_init(&t, max, &libc_mem);
	ref.n = 0;
	for (int step = 0; step < 200000 && !test_case_failed; step++) {
		uint8_t mac[6] = {0x01, 0x00, 0x5e, 0, 0, (uint8_t)(rnd(&seed) % 12)};
		uint32_t adi = rnd(&seed) % 3;
		uint64_t a = 1 + rnd(&seed) % 40;
		unsigned op = rnd(&seed) % 100;
		now += rnd(&seed) % 5;
		if (op < 50) {
			int64_t exp = now + 1 + rnd(&seed) % 200;
			long i = ref_find(&ref, mac, adi, a);
			int want;
			if (i >= 0) {
				if (exp > ref.v[i].expires)
					ref.v[i].expires = exp;
				want = 0;
			} else if (ref.n >= max) {
				want = ZT_EFULL;
				seen->full++;
			} else {
				memcpy(ref.v[ref.n].mac, mac, 6);
				ref.v[ref.n].adi = adi;
				ref.v[ref.n].address = a;
				ref.v[ref.n].expires = exp;
				ref.n++;
				want = 1;
				seen->added++;
			}
			CHECK_EQ(zt_mctable_add(&t, mac, adi, a, exp), want);
		} else if (op < 70) {
			long i = ref_find(&ref, mac, adi, a);
			if (i >= 0) {
				ref.v[i] = ref.v[--ref.n];
				seen->removed++;
			}
			CHECK_EQ(zt_mctable_remove(&t, mac, adi, a), i >= 0);
		} else if (op < 73) {
			size_t c = 0;
			for (size_t i = 0; i < ref.n;)
				if (ref.v[i].address == a) {
					ref.v[i] = ref.v[--ref.n];
					c++;
				} else
					i++;
			seen->members += c > 0;
			CHECK_EQ(zt_mctable_remove_member(&t, a), c);
		} else if (op < 78) {
			size_t c = 0;
			for (size_t i = 0; i < ref.n;)
				if (ref.v[i].expires <= now) {
					ref.v[i] = ref.v[--ref.n];
					c++;
				} else
					i++;
			seen->expired += c > 0;
			CHECK_EQ(zt_mctable_expire(&t, now), c);
		} else {
			/* The group's range holds exactly the reference's
			 * subscribers of that group, with their expiry. */
			size_t first, c = zt_mctable_find(&t, mac, adi, &first), want = 0;
			for (size_t i = 0; i < ref.n; i++)
				if (memcmp(ref.v[i].mac, mac, 6) == 0 && ref.v[i].adi == adi)
					want++;
			CHECK_EQ(c, want);
			seen->found += c > 1;
			for (size_t i = first; i < first + c; i++) {
				long j = ref_find(&ref, t.v[i].mac, t.v[i].adi, t.v[i].address);
				CHECK(memcmp(t.v[i].mac, mac, 6) == 0 && t.v[i].adi == adi);
				CHECK(j >= 0 && ref.v[j].expires == t.v[i].expires);
			}
			CHECK_EQ(zt_mctable_has(&t, mac, adi, a, now),
			         ref_find(&ref, mac, adi, a) >= 0 &&
			             ref.v[ref_find(&ref, mac, adi, a)].expires > now);
			CHECK_EQ(zt_mctable_count_member(&t, a), ref_count(&ref, a));
		}
		CHECK_EQ(t.n, ref.n);
	}
	zt_mctable_free(&t);
}

static void test_table_vs_reference(void)
{
	struct outcomes seen = {0};

	/* A roomy table (expiry keeps it from filling) and a small one that
	 * is full much of the time. */
	table_run(300, 12345, &seen);
	table_run(24, 54321, &seen);
	printf("  full %u, added %u, removed %u, members %u, expired %u, found %u\n", seen.full,
	       seen.added, seen.removed, seen.members, seen.expired, seen.found);
	/* Every outcome came up: no comparison above went unchecked. */
	CHECK(seen.full > 0 && seen.added > 0 && seen.removed > 0);
	CHECK(seen.members > 0 && seen.expired > 0 && seen.found > 0);
}

int main(void)
{
	RUN(test_table_vs_reference);
	TEST_EXIT();
}
