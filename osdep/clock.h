/* SPDX-License-Identifier: MIT */
/*
 * clock.h - the one place the programs read time.  The core never does:
 * the shells pass zt_clock_now() into every zt_node_* call.
 */
#ifndef ZT_OSDEP_CLOCK_H
#define ZT_OSDEP_CLOCK_H

#include <stdint.h>

/*
 * Milliseconds, roughly since the Unix epoch, that never go backwards:
 * the wall clock read once (at the first call) plus CLOCK_MONOTONIC time
 * elapsed since.  A wall-clock step (NTP, the admin) after start does not
 * move it, which is what the core's timers need.
 */
int64_t zt_clock_now(void);

/* The wall clock in milliseconds since the Unix epoch (may jump). */
int64_t zt_clock_wall(void);

/* CLOCK_MONOTONIC in nanoseconds, for measuring how long something took
 * (a database call) where milliseconds are too coarse. */
int64_t zt_clock_mono_ns(void);
/* CPU seconds the calling thread has used. */
double zt_clock_thread_cpu(void);

#endif
