/* SPDX-License-Identifier: MIT */
/*
 * hsbudget.h - token buckets in front of the handshake's public-key work
 * (hsbudget.c): what a source, and all sources together, may make us
 * spend on X25519 and Argon2id per second (the rates are in wire.h).
 *
 * A source is an IPv4 /24 or an IPv6 /48 (one attacker usually holds a
 * whole prefix, and a spoofer can pick any address in it), or, for an
 * initiation one of our roots relayed, the sender's address (the root
 * relays only from where that sender is registered).  The per-source
 * buckets live in a bounded table; a source that finds its set full takes
 * the entry of the one that has been idle longest, so a flood of sources
 * cannot grow it, and the node-wide bucket bounds what they all get.
 * (rate.c is the other kind: what a root answers peers with a session.)
 */
#ifndef ZT_NODE_HSBUDGET_H
#define ZT_NODE_HSBUDGET_H

#include <stdbool.h>
#include <stdint.h>

#include "wire.h"
#include "zt.h"

enum zt_hsb_kind {
	ZT_HSB_DH = 0,    /* X25519 for an initiation from an unproven source */
	ZT_HSB_DH_PROVEN, /* ... from one with a valid mac2, or relayed by a root */
	ZT_HSB_ID,        /* Argon2id for an identity new to us, unproven source */
	ZT_HSB_ID_PROVEN, /* ... proven source */
	ZT_HSB_COOKIE,    /* COOKIE replies (per source only) */
	ZT_HSB_KINDS
};

/* Who is charged (zt_hsb_src_*): a tag byte then the prefix or address. */
struct zt_hsb_src {
	uint8_t key[8];
};

struct zt_hsb_entry {
	uint8_t key[8];            /* key[0] == 0: unused */
	int64_t tat[ZT_HSB_KINDS]; /* GCRA: when each bucket is full again (us) */
};

#define ZT_HSB_WAYS 4

struct zt_hsb {
	uint8_t hash_key[16]; /* SipHash key: nobody can aim at one set */
	int64_t global[ZT_HSB_KINDS];
	struct zt_hsb_entry table[ZT_HS_BUDGET_SOURCES];
};

/* rl all zero (the node is calloc'd: the table's pages stay untouched
 * until sources come); hash_key: 16 random bytes. */
void zt_hsb_init(struct zt_hsb *rl, const uint8_t hash_key[16]);
/* The source of a packet from `ep` (an IPv4-mapped IPv6 address counts
 * as its IPv4 /24). */
void zt_hsb_src_prefix(struct zt_hsb_src *s, const struct zt_endpoint *ep);
/* The source of a packet a root relayed from `address`. */
void zt_hsb_src_relayed(struct zt_hsb_src *s, uint64_t address);
/* One unit of `kind` for src at `now` (ms): true if both src's bucket and
 * the node's have it (both are charged), false if either is empty
 * (neither is charged). */
bool zt_hsb_take(struct zt_hsb *rl, int64_t now, const struct zt_hsb_src *src,
                 enum zt_hsb_kind kind);

#endif
