/* SPDX-License-Identifier: MIT */
/*
 * recv.h - packets from the wire (recv.c).
 */
#ifndef ZT_NODE_RECV_H
#define ZT_NODE_RECV_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"
#include "zt.h"

struct zt_peer;
struct zt_keypair;

/* One datagram, whatever it is (zt_node_process_wire without the timers;
 * batch.c sends everything but DATA for us here). */
void zt_recv_wire_one(struct zt_node *n, int64_t now, int64_t sock, const struct zt_endpoint *from,
                      const void *pkt, size_t len);

/* DATA packets in two steps, for batch.c: the keypair a packet is for
 * (counted and NULL if none; *pp its peer), and, once it opened with kp,
 * what follows: keys promoted, path learnt, message dispatched. */
struct zt_keypair *zt_recv_data_keypair(struct zt_node *n, int64_t now, const struct zt_hdr *h,
                                        const uint8_t *pkt, size_t len, struct zt_peer **pp);
void zt_recv_data_deliver(struct zt_node *n, int64_t now, struct zt_peer *p, struct zt_keypair *kp,
                          int64_t sock, const struct zt_endpoint *from, const struct zt_hdr *h,
                          const uint8_t *msg, size_t mlen);

#endif
