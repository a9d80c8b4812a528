/* SPDX-License-Identifier: MIT */
/* hscache.c - the handshake's caches of initiations and identities (see
 * hscache.h). */
#include "hscache.h"

#include <sodium.h>
#include <string.h>

#include "util.h"

void zt_hscache_init(struct zt_hscache *c, struct zt_hsc_entry *storage, size_t entries,
                     const uint8_t key[16])
{
	memcpy(c->key, key, sizeof c->key);
	c->sets = entries / ZT_HSC_WAYS;
	c->e = storage;
}

struct zt_hsc_tag zt_hscache_tag(const struct zt_hscache *c, const void *data, size_t len)
{
	uint8_t out[crypto_shorthash_siphashx24_BYTES];
	struct zt_hsc_tag t;

	crypto_shorthash_siphashx24(out, data, len, c->key);
	t.lo = zt_get_u64(out);
	t.hi = zt_get_u64(out + 8);
	return t;
}

static struct zt_hsc_entry *set_of(const struct zt_hscache *c, struct zt_hsc_tag tag)
{
	return &c->e[(tag.lo & (c->sets - 1)) * ZT_HSC_WAYS];
}

static struct zt_hsc_entry *find(const struct zt_hscache *c, struct zt_hsc_tag tag)
{
	struct zt_hsc_entry *set = set_of(c, tag);
	for (int i = 0; i < ZT_HSC_WAYS; i++)
		if (set[i].verdict != ZT_HSC_NONE && set[i].tag.lo == tag.lo &&
		    set[i].tag.hi == tag.hi)
			return &set[i];
	return NULL;
}

enum zt_hsc_verdict zt_hscache_get(struct zt_hscache *c, int64_t now, struct zt_hsc_tag tag)
{
	struct zt_hsc_entry *e = find(c, tag);
	if (e == NULL)
		return ZT_HSC_NONE;
	e->used = now;
	return (enum zt_hsc_verdict)e->verdict;
}

/* Which entry may go first: an empty one, then a rejected identity or a
 * seen initiation, then a verified identity; the least recently used of
 * the same kind. */
static int rank(const struct zt_hsc_entry *e)
{
	return e->verdict == ZT_HSC_NONE ? 0 : e->verdict == ZT_HSC_VERIFIED ? 2 : 1;
}

void zt_hscache_put(struct zt_hscache *c, int64_t now, struct zt_hsc_tag tag,
                    enum zt_hsc_verdict verdict)
{
	struct zt_hsc_entry *e = find(c, tag), *set = set_of(c, tag);

	if (e == NULL) {
		for (int i = 0; i < ZT_HSC_WAYS; i++)
			if (e == NULL || rank(&set[i]) < rank(e) ||
			    (rank(&set[i]) == rank(e) && set[i].used < e->used))
				e = &set[i];
		/* A forgery does not push out an identity that cost its maker
		 * an Argon2id. */
		if (verdict == ZT_HSC_REJECTED && e->verdict == ZT_HSC_VERIFIED)
			return;
	}
	e->tag = tag;
	e->used = now;
	e->verdict = (uint8_t)verdict;
}
