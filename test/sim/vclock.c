/* SPDX-License-Identifier: MIT */
/*
 * vclock.c - the discrete-event queue behind the simulator's virtual time.
 */
#include "vclock.h"

#include <stdlib.h>
#include <string.h>

static bool ev_before(const struct sim_event *a, const struct sim_event *b)
{
	if (a->at != b->at)
		return a->at < b->at;
	return a->seq < b->seq;
}

void sim_clock_init(struct sim_clock *c, int64_t epoch)
{
	memset(c, 0, sizeof *c);
	c->now = epoch;
}

void sim_clock_destroy(struct sim_clock *c)
{
	/* Handlers may not schedule while cancelled, so walking the array
	 * in place is safe; order does not matter for releasing. */
	for (size_t i = 0; i < c->len; i++)
		c->heap[i].fn(c, c->heap[i].arg, true);
	free(c->heap);
	c->heap = NULL;
	c->len = c->cap = 0;
}

int sim_clock_at(struct sim_clock *c, int64_t at, sim_event_fn fn, void *arg)
{
	if (c->len == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 256;
		struct sim_event *nh = realloc(c->heap, ncap * sizeof *nh);
		if (nh == NULL)
			return -1;
		c->heap = nh;
		c->cap = ncap;
	}
	struct sim_event ev = {
	    .at = at < c->now ? c->now : at,
	    .seq = c->next_seq++,
	    .fn = fn,
	    .arg = arg,
	};
	size_t i = c->len++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!ev_before(&ev, &c->heap[parent]))
			break;
		c->heap[i] = c->heap[parent];
		i = parent;
	}
	c->heap[i] = ev;
	return 0;
}

int64_t sim_clock_peek(const struct sim_clock *c)
{
	return c->len ? c->heap[0].at : INT64_MAX;
}

static struct sim_event pop(struct sim_clock *c)
{
	struct sim_event top = c->heap[0];
	struct sim_event last = c->heap[--c->len];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		const struct sim_event *best = &last;
		if (l < c->len && ev_before(&c->heap[l], best)) {
			m = l;
			best = &c->heap[l];
		}
		if (r < c->len && ev_before(&c->heap[r], best))
			m = r;
		if (m == i)
			break;
		c->heap[i] = c->heap[m];
		i = m;
	}
	if (c->len > 0)
		c->heap[i] = last;
	return top;
}

static void run_one(struct sim_clock *c)
{
	struct sim_event ev = pop(c);
	c->now = ev.at;
	c->executed++;
	ev.fn(c, ev.arg, false);
}

uint64_t sim_clock_run_until(struct sim_clock *c, int64_t until)
{
	uint64_t before = c->executed;
	while (c->len > 0 && c->heap[0].at <= until)
		run_one(c);
	if (until > c->now)
		c->now = until;
	return c->executed - before;
}

bool sim_clock_run_while(struct sim_clock *c, int64_t limit, bool (*done)(void *ctx), void *ctx)
{
	for (;;) {
		if (done(ctx))
			return true;
		if (c->len == 0 || c->heap[0].at > limit)
			break;
		run_one(c);
	}
	if (limit > c->now)
		c->now = limit;
	return done(ctx);
}
