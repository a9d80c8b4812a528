/* SPDX-License-Identifier: MIT */
/*
 * hscache.h - what the handshake has checked already (hscache.c): a
 * bounded cache of 128-bit tags, each with a verdict.  The node keeps two:
 * the initiations it did X25519 for (a replay is dropped before any
 * public-key work) and the identities it checked with Argon2id, verified
 * or rejected (a returning peer, or a forgery sent again under a new
 * ephemeral key, costs no Argon2id).
 *
 * A tag is a keyed 128-bit SipHash of what is remembered (as fast as a
 * table lookup, next to the X25519 it saves), so nobody can make entries
 * collide or aim them at one set.  The cache is 4-way set
 * associative; within a set the entry used longest ago goes first, except
 * that a rejected identity never pushes out a verified one (forgeries are
 * cheap to make, verified identities cost their maker an Argon2id each).
 */
#ifndef ZT_NODE_HSCACHE_H
#define ZT_NODE_HSCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "zt.h"

enum zt_hsc_verdict {
	ZT_HSC_NONE = 0, /* not in the cache (an empty entry) */
	ZT_HSC_SEEN,     /* an initiation we did the X25519 for */
	ZT_HSC_VERIFIED, /* an identity whose key gives its address */
	ZT_HSC_REJECTED, /* an identity whose key does not */
};

struct zt_hsc_tag {
	uint64_t lo, hi;
};

struct zt_hsc_entry {
	struct zt_hsc_tag tag;
	int64_t used;
	uint8_t verdict;
};

#define ZT_HSC_WAYS 4

struct zt_hscache {
	uint8_t key[16];
	size_t sets;
	struct zt_hsc_entry *e; /* sets * ZT_HSC_WAYS, the caller's storage */
};

/* Use `storage` (entries, all zero: a multiple of ZT_HSC_WAYS, a power of
 * two sets) with a 16-byte random key. */
void zt_hscache_init(struct zt_hscache *c, struct zt_hsc_entry *storage, size_t entries,
                     const uint8_t key[16]);
/* The tag of len bytes. */
struct zt_hsc_tag zt_hscache_tag(const struct zt_hscache *c, const void *data, size_t len);
/* The verdict for tag (ZT_HSC_NONE if unknown); a hit counts as a use. */
enum zt_hsc_verdict zt_hscache_get(struct zt_hscache *c, int64_t now, struct zt_hsc_tag tag);
/* Remember tag with verdict (replacing what it had). */
void zt_hscache_put(struct zt_hscache *c, int64_t now, struct zt_hsc_tag tag,
                    enum zt_hsc_verdict verdict);

#endif
