/* SPDX-License-Identifier: MIT */
/*
 * clock.c - monotone epoch milliseconds for the core (see clock.h).
 */
#include "osdep/clock.h"

#include <stdbool.h>
#include <time.h>

/* Set at the first call; the programs are single-threaded. */
static bool clock_started;
static int64_t clock_wall_base;
static int64_t clock_mono_base;

static int64_t ts_ms(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
}

int64_t zt_clock_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts_ms(&ts);
}

int64_t zt_clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (!clock_started) {
		clock_wall_base = zt_clock_wall();
		clock_mono_base = ts_ms(&ts);
		clock_started = true;
	}
	return clock_wall_base + (ts_ms(&ts) - clock_mono_base);
}

int64_t zt_clock_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double zt_clock_thread_cpu(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
