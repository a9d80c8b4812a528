/* SPDX-License-Identifier: MIT */
/*
 * swver.h - peers tell each other their software version, once per
 * session (swver.c, doc/PROTOCOL.md §5 VERSION).
 */
#ifndef ZT_NODE_SWVER_H
#define ZT_NODE_SWVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zt_node;
struct zt_peer;

/* Parse "major.minor.rev" (each 0..65535; anything after the third number
 * is ignored: "1.2.3~rc1").  true on success. */
bool zt_swver_parse(const char *s, uint16_t out[3]);

/* A session with p just came up (its current keypair is new): tell it our
 * version, asking for its own while we do not know it. */
void zt_swver_session_up(struct zt_node *n, int64_t now, struct zt_peer *p);

/* A VERSION message from p (msg[0] is the type). */
void zt_swver_handle(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg,
                     size_t len);

#endif
