/* SPDX-License-Identifier: MIT */
/*
 * mactable.c - the MAC table behind bridges (see mactable.h).
 */
#include "mactable.h"

#include <string.h>

#include "mem.h"

void zt_mactable_init(struct zt_mactable *t, size_t max, const struct zt_mem *mem)
{
	memset(t, 0, sizeof *t);
	t->max = max;
	t->mem = mem;
}

void zt_mactable_free(struct zt_mactable *t)
{
	zt_mem_free(t->mem, t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

static size_t lower_bound(const struct zt_mactable *t, const uint8_t mac[6])
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(t->v[mid].mac, mac, 6) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint64_t zt_mactable_learn(struct zt_mactable *t, const uint8_t mac[6], uint64_t address,
                           int64_t now)
{
	size_t i = lower_bound(t, mac);

	if (i < t->n && memcmp(t->v[i].mac, mac, 6) == 0) {
		uint64_t old = t->v[i].address;
		t->v[i].address = address; /* a host that moved moves here */
		t->v[i].seen = now;
		return old;
	}
	if (t->n >= t->max) {
		/* Full: the entry seen longest ago makes room. */
		size_t o = 0;
		if (t->n == 0)
			return 0;
		for (size_t j = 1; j < t->n; j++)
			if (t->v[j].seen < t->v[o].seen)
				o = j;
		memmove(&t->v[o], &t->v[o + 1], (t->n - o - 1) * sizeof *t->v);
		t->n--;
		i = lower_bound(t, mac);
	}
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 16;
		struct zt_macent *v;
		if (nc > t->max)
			nc = t->max;
		v = zt_mem_realloc(t->mem, t->v, t->cap * sizeof *v, nc * sizeof *v);
		if (v == NULL)
			return (uint64_t)-1;
		t->v = v;
		t->cap = nc;
	}
	memmove(&t->v[i + 1], &t->v[i], (t->n - i) * sizeof *t->v);
	memcpy(t->v[i].mac, mac, 6);
	t->v[i].address = address;
	t->v[i].seen = now;
	t->n++;
	return 0;
}

const struct zt_macent *zt_mactable_lookup(const struct zt_mactable *t, const uint8_t mac[6],
                                           int64_t now, int64_t age)
{
	size_t i = lower_bound(t, mac);
	if (i < t->n && memcmp(t->v[i].mac, mac, 6) == 0 && now - t->v[i].seen < age)
		return &t->v[i];
	return NULL;
}

size_t zt_mactable_age(struct zt_mactable *t, int64_t now, int64_t age)
{
	size_t j = 0, removed;
	for (size_t i = 0; i < t->n; i++)
		if (now - t->v[i].seen < age)
			t->v[j++] = t->v[i];
	removed = t->n - j;
	t->n = j;
	return removed;
}
