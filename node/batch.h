/* SPDX-License-Identifier: MIT */
/*
 * batch.h - parallel crypto through zt_host.crypto_run (batch.c).
 */
#ifndef ZT_NODE_BATCH_H
#define ZT_NODE_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zt.h"

struct zt_peer;
struct zt_keypair;
struct zt_jobs; /* batch.c */

#define ZT_JOB_MAX 64 /* jobs handed to crypto_run at once */

/* Sending between frames_begin/end: defer this message; false if it
 * cannot be (the caller sends it now, after zt_batch_flush). */
bool zt_batch_seal(struct zt_node *n, int64_t now, struct zt_peer *p, struct zt_keypair *kp,
                   const uint8_t *msg, size_t len);
/* Seal and send everything deferred, in order. */
void zt_batch_flush(struct zt_node *n, int64_t now);
/* zt_node_process_wire_batch with crypto_run. */
void zt_batch_process_wire(struct zt_node *n, int64_t now, const struct zt_wire_pkt *pkts,
                           size_t count);
void zt_batch_free(struct zt_node *n);

#endif
