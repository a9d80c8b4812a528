/* SPDX-License-Identifier: MIT */
/*
 * evloop.h - a small epoll loop: file descriptors with callbacks, a
 * timeout chosen by the caller (the core's deadline), SIGINT/SIGTERM
 * turned into a stop flag through a signalfd.
 *
 * Level-triggered: a callback that leaves data unread is called again on
 * the next wait.  Callbacks may add and remove descriptors (their own or
 * others) at any time; an event for a descriptor removed earlier in the
 * same round is not delivered.  Errors are negative errno values.
 */
#ifndef ZT_OSDEP_EVLOOP_H
#define ZT_OSDEP_EVLOOP_H

#include <stdbool.h>
#include <stdint.h>

#define ZT_EV_READ  0x1u
#define ZT_EV_WRITE 0x2u
#define ZT_EV_ERROR 0x4u /* error or hang-up; always reported */

struct zt_evloop;

typedef void (*zt_evloop_fn)(void *ctx, int fd, unsigned events);

int zt_evloop_new(struct zt_evloop **out);
/* Frees the loop; does not close the registered descriptors. */
void zt_evloop_free(struct zt_evloop *l);

/* Watch fd for `events` (ZT_EV_READ|ZT_EV_WRITE); fn(ctx, fd, what) runs
 * from zt_evloop_wait.  -EEXIST if fd is already watched. */
int zt_evloop_add(struct zt_evloop *l, int fd, unsigned events, zt_evloop_fn fn, void *ctx);
int zt_evloop_mod(struct zt_evloop *l, int fd, unsigned events);
/* Stop watching fd (call before closing it). */
int zt_evloop_del(struct zt_evloop *l, int fd);

/* Block SIGINT and SIGTERM for the process and deliver them through the
 * loop: after one arrives, zt_evloop_stopped() returns its number. */
int zt_evloop_catch_signals(struct zt_evloop *l);
int zt_evloop_stopped(const struct zt_evloop *l);
void zt_evloop_stop(struct zt_evloop *l, int why);

/* Wait up to timeout_ms (0: poll, <0: forever) and run the callbacks of
 * the descriptors that are ready.  Returns how many ran, or -errno. */
int zt_evloop_wait(struct zt_evloop *l, int timeout_ms);

#endif
