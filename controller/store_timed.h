/* SPDX-License-Identifier: MIT */
/*
 * store_timed.h - a store that times every call of another (the
 * controller's database latency, by operation, for its metrics): the
 * calls and their results pass through unchanged.
 */
#ifndef ZT_CONTROLLER_STORE_TIMED_H
#define ZT_CONTROLLER_STORE_TIMED_H

#include "controller/store.h"

struct zt_metrics;

/* Wrap inner (owned from now on: closing the wrapper closes it).  ZT_OK
 * or ZT_ENOMEM (inner is then closed). */
int zt_store_timed_wrap(struct zt_store **out, struct zt_store *inner);
/* The histogram family zt_controller_db_seconds{op} of s (made by
 * zt_store_timed_wrap). */
void zt_store_timed_metrics(const struct zt_store *s, struct zt_metrics *m);

#endif
