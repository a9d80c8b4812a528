/* SPDX-License-Identifier: MIT */
/*
 * vclock.h - the simulator's virtual clock: a discrete-event queue.
 *
 * Events are kept in a binary min-heap keyed by (time, sequence number); the
 * sequence number is taken from a counter at scheduling time, so two events
 * due at the same millisecond run in the order they were scheduled and a run
 * never depends on heap layout or pointer values.
 */
#ifndef ZT_SIM_VCLOCK_H
#define ZT_SIM_VCLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The fixed epoch every simulation starts at (ms since the Unix epoch). */
#define SIM_EPOCH INT64_C(1700000000000)

struct sim_clock;

/* An event handler.  `cancelled` is true when the queue is destroyed with
 * the event still pending: the handler must then only release `arg`. */
typedef void (*sim_event_fn)(struct sim_clock *c, void *arg, bool cancelled);

struct sim_event {
	int64_t at;
	uint64_t seq;
	sim_event_fn fn;
	void *arg;
};

struct sim_clock {
	int64_t now;
	uint64_t next_seq;
	struct sim_event *heap;
	size_t len, cap;
	uint64_t executed; /* events run so far */
};

void sim_clock_init(struct sim_clock *c, int64_t epoch);
/* Cancel (see sim_event_fn) and drop every pending event. */
void sim_clock_destroy(struct sim_clock *c);

/* Schedule fn(arg) at time `at`; a time in the past runs at `now`.
 * Returns 0, or -1 if memory ran out (the event is then not scheduled). */
int sim_clock_at(struct sim_clock *c, int64_t at, sim_event_fn fn, void *arg);

/* Time of the earliest pending event, or INT64_MAX when none. */
int64_t sim_clock_peek(const struct sim_clock *c);

/* Run every event due at or before `until`, in order (events scheduled
 * meanwhile included), then set now = until.  Returns events run. */
uint64_t sim_clock_run_until(struct sim_clock *c, int64_t until);

/* Run events until `done(ctx)` is true (checked before each event) or the
 * next event is after `limit`; now is left at the last event run (or at
 * `limit` if the queue drained first).  Returns true if done() held. */
bool sim_clock_run_while(struct sim_clock *c, int64_t limit, bool (*done)(void *ctx), void *ctx);

#endif
