/* SPDX-License-Identifier: MIT */
/*
 * apijson.h - the objects of ZeroTier's service API that ztd and
 * zt-controller both answer (ZeroTier's controller lives inside a node, so
 * tools ask its port for /status and /peer too): the node status, the peer
 * objects and the error body, with every field ZeroTier 1.14 documents and
 * the same JSON types (test/schema/).  Where zt has no such value, the
 * field holds the value ZeroTier itself reports for "unknown" (-1 for a
 * version, false, 0, "").  Callers add their own extra fields.
 *
 * No sockets and no state: only node/zt.h and jansson, so the fuzz targets
 * link it.
 */
#ifndef ZT_OSDEP_APIJSON_H
#define ZT_OSDEP_APIJSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/zt.h"

#define ZT_APIJSON_MAX_PEERS 4096

/* What GET /status shows of a node (borrowed for the call). */
struct zt_apijson_node {
	uint64_t address;
	const char *public_identity;
	bool online;
	int64_t clock;
	unsigned primary_port; /* the UDP port */
	const char *home;      /* the home directory ("" if none) */
	const char *bind_addr; /* the UDP socket's address, NULL: all */
	bool tcp_fallback;     /* a root is reached over TCP right now */
	bool portmap_enabled;  /* asks the router for a port mapping */
	int64_t roots_stamp;   /* the roots file's timestamp, 0 unknown */
	const struct zt_endpoint *reflected;
	size_t reflected_count;
};

/* The /status object: ZeroTier's fields. NULL when out of memory. */
json_t *zt_apijson_status(const struct zt_apijson_node *s);

/* Does any peer's path in use (or the way to its relaying root) go over
 * the TCP fallback?  What ZeroTier calls tcpFallbackActive. */
bool zt_apijson_tcp_fallback(struct zt_node *node, int64_t now);

/* One peer object; local_port is the UDP port its paths leave from. */
json_t *zt_apijson_peer(const struct zt_peer_info *p, unsigned local_port);

/*
 * GET /peer (has_only false: an array of every peer) or GET /peer/<only>
 * (the one peer).  0 with *out set, -ENOENT if `only` is not known,
 * -ENOMEM.  A NULL node has no peers.
 */
int zt_apijson_peers(struct zt_node *node, int64_t now, bool has_only, uint64_t only,
                     unsigned local_port, json_t **out);

/* The error body: {"error": status, "description": msg}, the shape of
 * ZeroTier's own error answers. */
json_t *zt_apijson_error(int status, const char *msg);

/* Names as ZeroTier's API spells them. */
const char *zt_apijson_role_name(enum zt_peer_role r);
const char *zt_apijson_path_name(enum zt_path_kind k);

#endif
