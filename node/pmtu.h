/* SPDX-License-Identifier: MIT */
/*
 * pmtu.h - path MTU probing (pmtu.c).
 */
#ifndef ZT_NODE_PMTU_H
#define ZT_NODE_PMTU_H

#include <stddef.h>
#include <stdint.h>

#include "zt.h"

struct zt_peer;
struct zt_path;

/* The datagram size to use on path x (NULL: a relayed packet). */
size_t zt_pmtu_of(const struct zt_path *x);
void zt_pmtu_background(struct zt_node *n, int64_t now, struct zt_peer *p, struct zt_path *x);
/* PMTU_PROBE / PMTU_ACK from p. */
void zt_pmtu_handle(struct zt_node *n, int64_t now, struct zt_peer *p, int64_t sock,
                    const struct zt_endpoint *from, unsigned hops, const uint8_t *msg, size_t len);

#endif
