/* SPDX-License-Identifier: MIT */
/*
 * handshake.h - sessions with peers (handshake.c).
 */
#ifndef ZT_NODE_HANDSHAKE_H
#define ZT_NODE_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"
#include "zt.h"

struct zt_peer;

/* The handshake's guards (token buckets, caches), keyed from the host's
 * random (zt_node_new). */
void zt_hs_init(struct zt_node *n);
/* Does pk give address?  Remembered either way (ZT_HS_ID_ENTRIES), so an
 * identity costs one Argon2id (counted: ZT_CTR_ID_VERIFY) until it falls
 * out of the cache. */
bool zt_hs_identity_ok(struct zt_node *n, int64_t now, uint64_t address, const uint8_t pk[32]);

/* Start a handshake with p unless one is pending (or its identity is
 * unknown). */
void zt_hs_start(struct zt_node *n, int64_t now, struct zt_peer *p);
/* Send our pending initiation again (a retry: new ephemeral key). */
void zt_hs_resend(struct zt_node *n, int64_t now, struct zt_peer *p);
/* Start a new session with p even if keys exist (the peer lost them). */
void zt_hs_restart(struct zt_node *n, int64_t now, struct zt_peer *p);

/* HS_INIT, HS_RESP and COOKIE packets addressed to us (h decoded). */
void zt_hs_handle_init(struct zt_node *n, int64_t now, int64_t sock, const struct zt_endpoint *from,
                       const struct zt_hdr *h, const uint8_t *pkt, size_t len);
void zt_hs_handle_resp(struct zt_node *n, int64_t now, int64_t sock, const struct zt_endpoint *from,
                       const struct zt_hdr *h, const uint8_t *pkt, size_t len);
void zt_hs_handle_cookie(struct zt_node *n, int64_t now, const struct zt_hdr *h, const uint8_t *pkt,
                         size_t len);

#endif
