/* SPDX-License-Identifier: MIT */
/*
 * mactable.h - the MAC table of bridged LAN segments (doc/PROTOCOL.md
 * "Bridging").  Each entry says behind which member a MAC was last seen
 * and when; entries age out and move when the MAC shows up elsewhere.
 * A sorted array with binary search: lookups are on the data path, the
 * table is bounded, and an insert into a full table evicts the oldest.
 * A network keeps two: the MACs behind other members' bridges, and (when
 * it bridges) those seen on its own LAN segment.
 */
#ifndef ZT_NODE_MACTABLE_H
#define ZT_NODE_MACTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zt.h"

struct zt_macent {
	uint8_t mac[6];
	uint64_t address; /* the member it is behind (0: our own LAN) */
	int64_t seen;
};

struct zt_mactable {
	struct zt_macent *v;
	size_t n, cap, max;
	const struct zt_mem *mem; /* the node's */
};

void zt_mactable_init(struct zt_mactable *t, size_t max, const struct zt_mem *mem);
void zt_mactable_free(struct zt_mactable *t);
/* Learn that `mac` is behind `address` now.  Returns the address it was
 * behind before (0 if it was unknown), or -1 (as uint64) on no memory. */
uint64_t zt_mactable_learn(struct zt_mactable *t, const uint8_t mac[6], uint64_t address,
                           int64_t now);
/* The entry for mac if seen within `age` ms of now, else NULL. */
const struct zt_macent *zt_mactable_lookup(const struct zt_mactable *t, const uint8_t mac[6],
                                           int64_t now, int64_t age);
/* Drop entries older than `age`; returns how many. */
size_t zt_mactable_age(struct zt_mactable *t, int64_t now, int64_t age);

/* The names node.c still calls these by, until its call sites move. */
#define zt_mact_init zt_mactable_init
#define zt_mact_free zt_mactable_free

#endif
