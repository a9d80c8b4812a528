/* SPDX-License-Identifier: MIT */
/*
 * mctable.h - a table of multicast subscriptions: (group, member, expiry)
 * entries, a group being (MAC, ADI) as multicast.h says.  A sorted array,
 * so that the subscribers of one group are one range; bounded (an add to
 * a full table fails).  A network keeps two: who subscribes to what, and
 * its own host's groups (member 0).
 */
#ifndef ZT_NODE_MCTABLE_H
#define ZT_NODE_MCTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zt.h"

struct zt_mcsub {
	uint8_t mac[6];
	uint32_t adi;
	uint64_t address; /* subscriber (0 in the local table) */
	int64_t expires;
};

struct zt_mctable {
	struct zt_mcsub *v;
	size_t n, cap;
	size_t max;               /* entries at most */
	const struct zt_mem *mem; /* the node's */
};

void zt_mctable_init(struct zt_mctable *t, size_t max, const struct zt_mem *mem);
void zt_mctable_free(struct zt_mctable *t);
/* Add or refresh; 1 if it was new, 0 if refreshed, ZT_EFULL / ZT_ENOMEM. */
int zt_mctable_add(struct zt_mctable *t, const uint8_t mac[6], uint32_t adi, uint64_t address,
                   int64_t expires);
bool zt_mctable_remove(struct zt_mctable *t, const uint8_t mac[6], uint32_t adi, uint64_t address);
/* Remove every entry of `address`; returns how many. */
size_t zt_mctable_remove_member(struct zt_mctable *t, uint64_t address);
size_t zt_mctable_count_member(const struct zt_mctable *t, uint64_t address);
/* Remove entries with expires <= now; returns how many. */
size_t zt_mctable_expire(struct zt_mctable *t, int64_t now);
/* The entries of group (mac, adi): *first and the count (expired ones
 * included: callers compare `expires` themselves). */
size_t zt_mctable_find(const struct zt_mctable *t, const uint8_t mac[6], uint32_t adi,
                       size_t *first);
bool zt_mctable_has(const struct zt_mctable *t, const uint8_t mac[6], uint32_t adi,
                    uint64_t address, int64_t now);

#endif
