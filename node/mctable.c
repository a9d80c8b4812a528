/* SPDX-License-Identifier: MIT */
/*
 * mctable.c - the sorted table of multicast subscriptions (see mctable.h).
 */
#include "mctable.h"

#include <string.h>

#include "mem.h"
#include "zt.h"

void zt_mctable_init(struct zt_mctable *t, size_t max, const struct zt_mem *mem)
{
	memset(t, 0, sizeof *t);
	t->max = max;
	t->mem = mem;
}

void zt_mctable_free(struct zt_mctable *t)
{
	zt_mem_free(t->mem, t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

static int cmp_key(const uint8_t mac[6], uint32_t adi, uint64_t address, const struct zt_mcsub *e)
{
	int c = memcmp(mac, e->mac, 6);
	if (c != 0)
		return c;
	if (adi != e->adi)
		return adi < e->adi ? -1 : 1;
	if (address != e->address)
		return address < e->address ? -1 : 1;
	return 0;
}

/* First index whose key is >= (mac, adi, address). */
static size_t lower_bound(const struct zt_mctable *t, const uint8_t mac[6], uint32_t adi,
                          uint64_t address)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_key(mac, adi, address, &t->v[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int zt_mctable_add(struct zt_mctable *t, const uint8_t mac[6], uint32_t adi, uint64_t address,
                   int64_t expires)
{
	size_t i = lower_bound(t, mac, adi, address);

	if (i < t->n && cmp_key(mac, adi, address, &t->v[i]) == 0) {
		if (expires > t->v[i].expires)
			t->v[i].expires = expires;
		return 0;
	}
	if (t->n >= t->max)
		return ZT_EFULL;
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 16;
		struct zt_mcsub *v;
		if (nc > t->max)
			nc = t->max;
		v = zt_mem_realloc(t->mem, t->v, t->cap * sizeof *v, nc * sizeof *v);
		if (v == NULL)
			return ZT_ENOMEM;
		t->v = v;
		t->cap = nc;
	}
	memmove(&t->v[i + 1], &t->v[i], (t->n - i) * sizeof *t->v);
	memcpy(t->v[i].mac, mac, 6);
	t->v[i].adi = adi;
	t->v[i].address = address;
	t->v[i].expires = expires;
	t->n++;
	return 1;
}

bool zt_mctable_remove(struct zt_mctable *t, const uint8_t mac[6], uint32_t adi, uint64_t address)
{
	size_t i = lower_bound(t, mac, adi, address);

	if (i >= t->n || cmp_key(mac, adi, address, &t->v[i]) != 0)
		return false;
	memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof *t->v);
	t->n--;
	return true;
}

/* Keep the entries for which drop() is false, in order. */
static size_t filter(struct zt_mctable *t, bool (*drop)(const struct zt_mcsub *e, const void *arg),
                     const void *arg)
{
	size_t j = 0, removed;
	for (size_t i = 0; i < t->n; i++)
		if (!drop(&t->v[i], arg))
			t->v[j++] = t->v[i];
	removed = t->n - j;
	t->n = j;
	return removed;
}

static bool drop_member(const struct zt_mcsub *e, const void *arg)
{
	return e->address == *(const uint64_t *)arg;
}

static bool drop_expired(const struct zt_mcsub *e, const void *arg)
{
	return e->expires <= *(const int64_t *)arg;
}

size_t zt_mctable_remove_member(struct zt_mctable *t, uint64_t address)
{
	return filter(t, drop_member, &address);
}

size_t zt_mctable_count_member(const struct zt_mctable *t, uint64_t address)
{
	size_t c = 0;
	for (size_t i = 0; i < t->n; i++)
		c += t->v[i].address == address;
	return c;
}

size_t zt_mctable_expire(struct zt_mctable *t, int64_t now)
{
	return filter(t, drop_expired, &now);
}

size_t zt_mctable_find(const struct zt_mctable *t, const uint8_t mac[6], uint32_t adi,
                       size_t *first)
{
	size_t i = lower_bound(t, mac, adi, 0), j = i;
	while (j < t->n && memcmp(t->v[j].mac, mac, 6) == 0 && t->v[j].adi == adi)
		j++;
	*first = i;
	return j - i;
}

bool zt_mctable_has(const struct zt_mctable *t, const uint8_t mac[6], uint32_t adi,
                    uint64_t address, int64_t now)
{
	size_t i = lower_bound(t, mac, adi, address);
	return i < t->n && cmp_key(mac, adi, address, &t->v[i]) == 0 && t->v[i].expires > now;
}
