/* SPDX-License-Identifier: MIT */
/*
 * tcpmap.h - which peers each TCP connection carries (doc/PROTOCOL.md
 * "TCP relay"), so that a closed connection costs the core the same
 * whatever the size of its peer table: the close looks up the few peers
 * listed under the connection's socket id and drops their paths over it.
 *
 * A hash table keyed by socket id (open addressing, linear probing,
 * backward-shift deletion).  An entry lives from the first authenticated
 * packet a connection carries until the connection is gone; paths that
 * leave earlier (forgotten, replaced, their peer freed) leave a stale
 * address behind, which the close finds nothing for.  Bounded: a
 * connection lists at most ZT_TCPMAP_PEERS peers (a node sends only its
 * own packets over its connection: more is a lie, and refused), and the
 * table holds at most ZT_TCPMAP_MAX connections (the shells cap theirs far
 * below).
 */
#ifndef ZT_NODE_TCPMAP_H
#define ZT_NODE_TCPMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zt.h"

#define ZT_TCPMAP_PEERS 4
#define ZT_TCPMAP_MAX   65536

struct zt_tcpmap_entry {
	int64_t sock; /* 0: free (a TCP socket id always has ZT_SOCK_TCP set) */
	uint64_t peer[ZT_TCPMAP_PEERS];
	uint8_t count;
};

struct zt_tcpmap {
	struct zt_tcpmap_entry *slots;
	size_t cap, count;        /* cap: 0 or a power of two, at least twice count */
	const struct zt_mem *mem; /* the node's */
};

void zt_tcpmap_init(struct zt_tcpmap *m, const struct zt_mem *mem);
void zt_tcpmap_free(struct zt_tcpmap *m);
/* Peer `peer` uses connection `sock`.  False (nothing kept) when the
 * connection already lists ZT_TCPMAP_PEERS others, the table holds
 * ZT_TCPMAP_MAX connections, or memory ran out. */
bool zt_tcpmap_add(struct zt_tcpmap *m, int64_t sock, uint64_t peer);
/* Forget connection `sock`; copy the peers it listed to out (may be NULL)
 * and return how many. */
unsigned zt_tcpmap_take(struct zt_tcpmap *m, int64_t sock, uint64_t out[ZT_TCPMAP_PEERS]);

#endif
