/* SPDX-License-Identifier: MIT */
/*
 * replay_test.c - the anti-replay window: a numbered table of cases (after
 * WireGuard's counter selftest), the window edges exactly, and a
 * differential test against a deliberately naive reference (a set of every
 * counter ever accepted) over random sequences with reordering, duplicates
 * and jumps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"
#include "test.h"

#define W ZT_REPLAY_WINDOW

static struct zt_replay rp;
static int test_num;

/* Case `test_num`: counter n is accepted exactly when `want`; and check()
 * agrees with update() without changing anything itself. */
static void T(uint64_t n, int want)
{
	struct zt_replay before = rp;
	bool c = zt_replay_check(&rp, n);
	test_num++;
	if (memcmp(&before, &rp, sizeof rp) != 0) {
		printf("  case %d: check(%llu) changed the window\n", test_num,
		       (unsigned long long)n);
		test_case_failed = 1;
	}
	bool u = zt_replay_update(&rp, n);
	if (u != (want != 0) || c != u) {
		printf("  case %d: counter %llu: check %d update %d, want %d\n", test_num,
		       (unsigned long long)n, c, u, want);
		test_case_failed = 1;
	}
	if (!u && memcmp(&before, &rp, sizeof rp) != 0) {
		printf("  case %d: a rejected counter changed the window\n", test_num);
		test_case_failed = 1;
	}
}

static void reset(void)
{
	zt_replay_init(&rp);
}

static void test_window_size(void)
{
	CHECK_EQ(W, 2048);
	CHECK_EQ(ZT_REPLAY_WORDS, 33);
}

static void test_table(void)
{
	reset();
	test_num = 0;
	T(0, 1);                  /*  1 */
	T(1, 1);                  /*  2 */
	T(1, 0);                  /*  3 */
	T(9, 1);                  /*  4 */
	T(8, 1);                  /*  5 */
	T(7, 1);                  /*  6 */
	T(7, 0);                  /*  7 */
	T(W, 1);                  /*  8 */
	T(W - 1, 1);              /*  9 */
	T(W - 1, 0);              /* 10 */
	T(W - 2, 1);              /* 11 */
	T(2, 1);                  /* 12: highest W, so 1..W still in the window */
	T(2, 0);                  /* 13 */
	T(W + 16, 1);             /* 14 */
	T(3, 0);                  /* 15: W+16 - 3 >= W: too old */
	T(W + 16, 0);             /* 16 */
	T(W * 4, 1);              /* 17: a jump of many words */
	T(W * 4 - (W - 1), 1);    /* 18: the oldest still in the window */
	T(10, 0);                 /* 19 */
	T(W * 4 - W, 0);          /* 20: one older than that */
	T(W * 4 - (W - 1), 0);    /* 21 */
	T(W * 4 - 1, 1);          /* 22 */
	T(0, 0);                  /* 23 */
	T(W * 4 - 2, 1);          /* 24: bits of the old words were cleared */
	T(W * 4 - W + 64, 1);     /* 25 */
	T(W * 4 + 1, 1);          /* 26 */
	T(W * 4 - W + 1, 0);      /* 27: exactly W behind the new top */
	T(W * 4 - W + 2, 1);      /* 28: exactly W-1 behind */
	T(UINT64_MAX, 0);         /* 29: never a valid counter */
	T(UINT64_MAX - 1, 1);     /* 30: the largest valid counter */
	T(UINT64_MAX - 1, 0);     /* 31 */
	T(UINT64_MAX - 2, 1);     /* 32 */
	T(UINT64_MAX - W, 1);     /* 33: exactly W-1 behind the top */
	T(UINT64_MAX - W - 1, 0); /* 34 */
	T(UINT64_MAX, 0);         /* 35 */
	T(0, 0);                  /* 36 */

	/* Fill the window completely, in order: 1..W-1 then 0 is the oldest
	 * still inside. */
	reset();
	for (uint64_t i = 1; i <= W - 1; i++)
		T(i, 1);
	T(0, 1);
	T(0, 0);
	for (uint64_t i = 0; i <= W - 1; i++)
		T(i, 0);

	/* One more pushes 0 out. */
	reset();
	for (uint64_t i = 1; i <= W; i++)
		T(i, 1);
	T(0, 0);

	/* Descending: the first is the highest, then everything behind it that
	 * is still in the window. */
	reset();
	for (uint64_t i = W + 1; i >= 2; i--)
		T(i, 1);
	T(1, 0);
	T(0, 0);

	/* Ascending with gaps, then the gaps filled backwards. */
	reset();
	for (uint64_t i = 0; i < 2 * W; i += 2)
		T(i, 1);
	for (uint64_t i = 2 * W - 1; i >= W + 1; i -= 2)
		T(i, 1);
	T(W - 1, 0); /* highest 2W-1: W-1 is exactly W behind */
	T(W - 3, 0);
	for (uint64_t i = W + 1; i < 2 * W; i += 2)
		T(i, 0);

	/* Exactly one window jump, at and around word boundaries. */
	for (uint64_t base = 0; base < 200; base += 61) {
		reset();
		T(base, 1);
		T(base + W - 1, 1);
		T(base, 0);
		T(base + 1, 1);
		T(base + W, 1);
		T(base + 1, 0); /* now W-1 behind, but already seen */
		T(base + 2, 1);
		T(base, 0);
	}
}

/* ---- the naive reference: a set of everything accepted ---- */

#define SET_BITS 20
#define SET_SIZE (1u << SET_BITS)
static uint64_t set_keys[SET_SIZE];
static uint8_t set_used[SET_SIZE];
static size_t set_count;

static size_t set_slot(uint64_t k)
{
	size_t i = (size_t)((k * 0x9e3779b97f4a7c15ULL) >> (64 - SET_BITS));
	while (set_used[i] && set_keys[i] != k)
		i = (i + 1) & (SET_SIZE - 1);
	return i;
}

struct naive {
	bool any;
	uint64_t max;
};

static void naive_reset(struct naive *nv)
{
	memset(set_used, 0, sizeof set_used);
	set_count = 0;
	nv->any = false;
	nv->max = 0;
}

static bool naive_accept(struct naive *nv, uint64_t c)
{
	size_t s;
	if (c == UINT64_MAX)
		return false;
	s = set_slot(c);
	if (set_used[s])
		return false;
	if (nv->any && c < nv->max && nv->max - c >= W)
		return false;
	set_used[s] = 1;
	set_keys[s] = c;
	set_count++;
	if (!nv->any || c > nv->max)
		nv->max = c;
	nv->any = true;
	return true;
}

static uint64_t sm_state;
static uint64_t rnd(void)
{
	uint64_t z = (sm_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Offsets that sit on the window's and the words' edges. */
static const int64_t edges[] = {W - 1, W, W + 1, W - 64, W + 64,  64,          63,
                                65,    1, 0,     2 * W,  33 * 64, 33 * 64 + 1, 32 * 64 - 1};
#define NEDGES (sizeof edges / sizeof edges[0])

struct delayed {
	uint64_t key, counter;
};

static int cmp_delayed(const void *a, const void *b)
{
	const struct delayed *x = a, *y = b;
	return x->key < y->key ? -1 : x->key > y->key;
}

static void test_differential(void)
{
	static uint64_t seq[8192];
	static struct delayed d[8192];
	const size_t n = sizeof seq / sizeof seq[0];
	struct naive nv;
	long mismatches = 0, accepted = 0, total = 0;

	sm_state = 12345;
	for (int round = 0; round < 60 && mismatches < 5; round++) {
		/* Mostly reordering within the window, sometimes well past it. */
		uint64_t spread = rnd() % (round % 4 == 3 ? 3 * W : W / 2) + 1, off = 0, top, base;

		/* A sender's counters, in order but for skips (lost packets, or
		 * jumps of exactly the window's and the words' sizes)... */
		for (size_t i = 0; i < n; i++) {
			uint64_t r = rnd() % 4000;
			if (r < 8)
				off += (uint64_t)edges[rnd() % NEDGES];
			else if (r == 8)
				off += rnd() % (1u << 20);
			seq[i] = i + off;
		}
		/* ...placed low, in the middle, or ending at the last valid
		 * counter, UINT64_MAX - 1... */
		top = seq[n - 1];
		base = round % 3 == 0 ? 0 : round % 3 == 1 ? rnd() >> 1 : UINT64_MAX - 1 - top;
		/* ...each delayed by up to `spread` packets' time (reordering,
		 * some of it past the window)... */
		for (size_t i = 0; i < n; i++) {
			d[i].key = i + rnd() % spread;
			d[i].counter = base + seq[i];
		}
		qsort(d, n, sizeof d[0], cmp_delayed);
		for (size_t i = 0; i < n; i++)
			seq[i] = d[i].counter;
		/* ...with duplicates, stale packets at the window's edges, and
		 * the one counter that is never valid. */
		for (size_t i = 1; i < n; i++) {
			uint64_t r = rnd() % 100, e = (uint64_t)edges[rnd() % NEDGES];
			if (r < 5)
				seq[i] = seq[rnd() % i];
			else if (r < 8 && seq[i - 1] >= e)
				seq[i] = seq[i - 1] - e;
			else if (r == 8 && round % 3 == 2)
				seq[i] = UINT64_MAX;
		}
		zt_replay_init(&rp);
		naive_reset(&nv);
		for (size_t i = 0; i < n; i++) {
			bool want = naive_accept(&nv, seq[i]);
			bool c = zt_replay_check(&rp, seq[i]);
			bool got = zt_replay_update(&rp, seq[i]);
			total++;
			accepted += want;
			if (got != want || c != got) {
				if (mismatches++ < 5)
					printf("  round %d step %zu: counter %llu (max %llu): got "
					       "%d/%d "
					       "want %d\n",
					       round, i, (unsigned long long)seq[i],
					       (unsigned long long)nv.max, c, got, want);
			}
		}
	}
	CHECK_EQ(mismatches, 0);
	printf("  %ld counters, %ld accepted\n", total, accepted);
	/* The sequences exercise both outcomes plentifully. */
	CHECK(accepted > total / 3);
	CHECK(total - accepted > total / 20);
}

/* Only authenticated packets advance the window: a check alone never does,
 * so a forged huge counter cannot push genuine ones out. */
static void test_check_is_pure(void)
{
	reset();
	CHECK(zt_replay_update(&rp, 100));
	CHECK(zt_replay_check(&rp, 1000000));
	CHECK(zt_replay_check(&rp, 99));
	CHECK(zt_replay_update(&rp, 99));
	CHECK(!zt_replay_check(&rp, 99));
}

int main(void)
{
	RUN(test_window_size);
	RUN(test_table);
	RUN(test_differential);
	RUN(test_check_is_pure);
	TEST_EXIT();
}
