/* SPDX-License-Identifier: MIT */
/*
 * timers.h - the node's timers (timers.c).
 */
#ifndef ZT_NODE_TIMERS_H
#define ZT_NODE_TIMERS_H

#include <stdint.h>

#include "zt.h"

/* Run the timers if a scan is due (deferred packets are sent first). */
void zt_timers_tick(struct zt_node *n, int64_t now);
/* When the host should call zt_node_process_background next. */
void zt_timers_deadline(const struct zt_node *n, int64_t *next_deadline);
/* Make the next tick run the timers (a new node, new roots). */
void zt_timers_expedite(struct zt_node *n, int64_t now);

#endif
