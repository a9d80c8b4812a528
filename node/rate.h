/* SPDX-License-Identifier: MIT */
/*
 * rate.h - token buckets for what a root answers (rate.c): per peer, and
 * per source address in a bounded table.
 */
#ifndef ZT_NODE_RATE_H
#define ZT_NODE_RATE_H

#include <stdbool.h>
#include <stdint.h>

#include "zt.h"

/* The requests a root rate-limits (doc/PROTOCOL.md §7 "Rate limits"). */
enum zt_rate_kind {
	ZT_RATE_ANNOUNCE,   /* NET_ANNOUNCE */
	ZT_RATE_WHOIS,      /* WHOIS */
	ZT_RATE_RENDEZVOUS, /* RENDEZVOUS_REQ */
	ZT_RATE_KINDS
};

/* One bucket per kind, refilled together: levels in thousandths of a
 * token. */
struct zt_rate {
	int64_t at; /* last refill (0: never used: full) */
	uint32_t level[ZT_RATE_KINDS];
};

/* Source addresses (IPv4, IPv6 /64): a fixed table, allocated on first use. */
#define ZT_RATE_SOURCES 4096
struct zt_rate_source {
	uint64_t key; /* 0: free */
	struct zt_rate rate;
};

struct zt_rate_table {
	struct zt_rate_source *slots;
};

/* Take one token of kind k from a peer's buckets and from its source
 * address's (both must have one); false: over the rate. */
bool zt_rate_take(struct zt_rate_table *t, struct zt_rate *peer, const struct zt_endpoint *src,
                  int64_t now, enum zt_rate_kind k);
void zt_rate_table_free(struct zt_rate_table *t);

#endif
