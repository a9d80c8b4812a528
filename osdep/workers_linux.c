/* SPDX-License-Identifier: MIT */
/*
 * workers_linux.c - the crypto pipeline (see workers.h).
 */
#include "osdep/workers.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Below this many jobs the hand-over costs more than it saves. */
#define MIN_SPLIT 8
/* Jobs taken at a time: one atomic operation per CLAIM jobs, and at
 * most CLAIM jobs for the I/O thread to wait for at the end. */
#define CLAIM 4
/* Spin this long for the other side before sleeping: a wake-up across
 * cores costs several microseconds on a VM. */
#define SPINS 1000

struct zt_workers {
	pthread_t th;
	bool started;
	uint32_t cur; /* the I/O thread's batch number */
	/* The batch in one word: its number (low 24 bits of `cur`) in bits
	 * 40-63, its job count in bits 20-39 and the next job nobody has
	 * taken yet in bits 0-19.  Both threads take jobs by compare-and-swap
	 * on it.  The count must be in the same word: read separately, a
	 * late taker could pair a finished batch's index with the next
	 * batch's (larger) count and take jobs past the end of the batch it
	 * thinks it is in.  A batch number that moved on makes a late
	 * taker's swap fail, so no job is run twice or for a finished batch. */
	_Atomic uint64_t state;
	_Atomic(struct zt_crypto_job *) jobs; /* written before state */
	_Atomic uint32_t gen;      /* futex word: a new batch (the worker sleeps on it) */
	_Atomic uint32_t finished; /* futex word: jobs the worker finished in this batch */
	_Atomic int worker_sleeping, io_waiting;
	_Atomic int stop;
	_Atomic uint64_t worker_jobs; /* statistics: jobs run on the worker */
	bool enabled;                 /* the I/O thread's: hand out jobs at all */
};

static void futex_wait(_Atomic uint32_t *addr, uint32_t val)
{
	(void)syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *addr)
{
	(void)syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

#define BATCH_BITS 20
#define BATCH_MAX  ((1u << BATCH_BITS) - 1)
#define GEN_MASK   0xffffffu

static uint64_t state_of(uint32_t g, size_t count, size_t next)
{
	return (uint64_t)(g & GEN_MASK) << 40 | (uint64_t)count << BATCH_BITS | (uint64_t)next;
}

/* Take up to CLAIM jobs of batch g; returns how many (0: none left). */
static size_t claim(struct zt_workers *w, uint32_t g, size_t *first)
{
	uint64_t s = atomic_load_explicit(&w->state, memory_order_acquire);

	for (;;) {
		size_t count = (size_t)(s >> BATCH_BITS) & BATCH_MAX;
		size_t i = (size_t)s & BATCH_MAX, n;

		if ((uint32_t)(s >> 40) != (g & GEN_MASK) || i >= count)
			return 0;
		n = count - i < CLAIM ? count - i : CLAIM;
		if (atomic_compare_exchange_weak_explicit(
		        &w->state, &s, s + n, memory_order_acq_rel, memory_order_acquire)) {
			*first = i;
			return n;
		}
	}
}

static void *worker(void *arg)
{
	struct zt_workers *w = arg;
	uint32_t seen = 0;

	for (;;) {
		uint32_t g;
		size_t first, n;
		int spins = 0;

		/* Sleeping: the flag first, then the futex's own check of the
		 * word, so that the I/O thread either sees the flag (and
		 * wakes us) or we see its new batch (both sequentially
		 * consistent). */
		while ((g = atomic_load(&w->gen)) == seen) {
			if (atomic_load_explicit(&w->stop, memory_order_acquire))
				return NULL;
			if (++spins > SPINS) {
				atomic_store(&w->worker_sleeping, 1);
				futex_wait(&w->gen, seen);
				atomic_store(&w->worker_sleeping, 0);
			}
		}
		seen = g;
		if (atomic_load_explicit(&w->stop, memory_order_acquire))
			return NULL;
		while ((n = claim(w, g, &first)) > 0) {
			struct zt_crypto_job *jobs =
			    atomic_load_explicit(&w->jobs, memory_order_relaxed);

			for (size_t i = 0; i < n; i++)
				zt_crypto_job_run(&jobs[first + i]);
			atomic_fetch_add_explicit(&w->worker_jobs, n, memory_order_relaxed);
			atomic_fetch_add(&w->finished, (uint32_t)n);
			if (atomic_load(&w->io_waiting))
				futex_wake(&w->finished);
		}
	}
}

int zt_workers_new(struct zt_workers **out, unsigned threads)
{
	struct zt_workers *w = calloc(1, sizeof *w);
	int r;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	if (threads > 0) {
		sigset_t all, old;

		/* Signals are the I/O thread's (ztd takes them through its
		 * event loop): the worker starts with all of them blocked. */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		r = pthread_create(&w->th, NULL, worker, w);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (r != 0) {
			free(w);
			return -r;
		}
		w->started = true;
		w->enabled = true;
	}
	*out = w;
	return 0;
}

void zt_workers_free(struct zt_workers *w)
{
	if (!w)
		return;
	if (w->started) {
		atomic_store_explicit(&w->stop, 1, memory_order_release);
		atomic_fetch_add(&w->gen, 1);
		futex_wake(&w->gen);
		pthread_join(w->th, NULL);
	}
	free(w);
}

void zt_workers_enable(struct zt_workers *w, bool on)
{
	if (w)
		w->enabled = on && w->started;
}

bool zt_workers_enabled(const struct zt_workers *w)
{
	return w && w->enabled;
}

bool zt_workers_worth_it(bool on, double demand, double spare)
{
	/* Off -> on: the crypto thread's work fills (nearly) a core and
	 * another core sat idle.  On -> off: the two together no longer need
	 * more than one core, or the worker's share came out of other
	 * programs' time rather than idle time.  The gap between the two
	 * thresholds keeps it from flapping. */
	if (!on)
		return demand >= 0.90 && spare >= 0.60;
	return demand >= 0.70 && spare >= 0.40;
}

int zt_workers_cpu(struct zt_workers *w, double *seconds)
{
	clockid_t c;
	struct timespec ts;
	int r;

	*seconds = 0;
	if (!w || !w->started)
		return 0;
	r = pthread_getcpuclockid(w->th, &c);
	if (r != 0)
		return -r;
	if (clock_gettime(c, &ts) < 0)
		return -errno;
	*seconds = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	return 0;
}

int zt_workers_machine_idle(double *seconds)
{
	/* "cpu  user nice system idle iowait ..." in clock ticks */
	char buf[256];
	unsigned long long v[5] = {0};
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "re");
	int r = -EIO;

	*seconds = 0;
	if (!f)
		return -errno;
	if (hz > 0 && fgets(buf, sizeof buf, f) &&
	    sscanf(buf, "cpu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4]) == 5) {
		*seconds = (double)(v[3] + v[4]) / (double)hz;
		r = 0;
	}
	fclose(f);
	return r;
}

unsigned long long zt_workers_worker_jobs(struct zt_workers *w)
{
	return w ? atomic_load_explicit(&w->worker_jobs, memory_order_relaxed) : 0;
}

void zt_workers_run(struct zt_workers *w, struct zt_crypto_job *jobs, size_t count)
{
	size_t first, n, mine = 0;
	uint32_t g;
	int spins = 0;

	if (!w || !w->enabled || count < MIN_SPLIT || count > BATCH_MAX) {
		for (size_t i = 0; i < count; i++)
			zt_crypto_job_run(&jobs[i]);
		return;
	}
	g = ++w->cur;
	atomic_store_explicit(&w->jobs, jobs, memory_order_relaxed);
	atomic_store_explicit(&w->finished, 0, memory_order_relaxed);
	atomic_store_explicit(&w->state, state_of(g, count, 0), memory_order_release);
	atomic_store(&w->gen, g);
	if (atomic_load(&w->worker_sleeping))
		futex_wake(&w->gen);
	/* Both threads take jobs until none are left: if the worker is late
	 * (its core busy with something else) this thread simply does more
	 * of them, instead of waiting for a fixed half. */
	while ((n = claim(w, g, &first)) > 0) {
		for (size_t i = 0; i < n; i++)
			zt_crypto_job_run(&jobs[first + i]);
		mine += n;
	}
	/* Left: the few jobs the worker took and is running now. */
	for (;;) {
		uint32_t f = atomic_load(&w->finished);

		if (mine + f >= count)
			break;
		if (++spins > SPINS) {
			atomic_store(&w->io_waiting, 1);
			futex_wait(&w->finished, f);
			atomic_store(&w->io_waiting, 0);
		}
	}
}
