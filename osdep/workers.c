/* SPDX-License-Identifier: MIT */
/*
 * workers.c - the crypto pipeline (see workers.h).
 */
#include "osdep/workers.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Below this many jobs the hand-over costs more than it saves. */
#define MIN_SPLIT 8
/* Spin this long for the other side before sleeping: a wake-up across
 * cores costs several microseconds on a VM. */
#define SPINS 1000

struct zt_workers {
	pthread_t th;
	bool started;
	_Atomic uint32_t go;   /* bumped by the I/O thread: work is there */
	_Atomic uint32_t done; /* set to go's value by the worker: finished */
	_Atomic int stop;
	struct zt_crypto_job *jobs; /* published by the release store to go */
	size_t count;
};

static void futex_wait(_Atomic uint32_t *addr, uint32_t val)
{
	(void)syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *addr)
{
	(void)syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *worker(void *arg)
{
	struct zt_workers *w = arg;
	uint32_t seen = 0;

	for (;;) {
		uint32_t g;
		int spins = 0;

		while ((g = atomic_load_explicit(&w->go, memory_order_acquire)) == seen) {
			if (atomic_load_explicit(&w->stop, memory_order_acquire))
				return NULL;
			if (++spins > SPINS)
				futex_wait(&w->go, seen);
		}
		seen = g;
		if (atomic_load_explicit(&w->stop, memory_order_acquire))
			return NULL;
		for (size_t i = 0; i < w->count; i++)
			zt_crypto_job_run(&w->jobs[i]);
		atomic_store_explicit(&w->done, g, memory_order_release);
		futex_wake(&w->done);
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
		atomic_fetch_add_explicit(&w->go, 1, memory_order_release);
		futex_wake(&w->go);
		pthread_join(w->th, NULL);
	}
	free(w);
}

void zt_workers_run(struct zt_workers *w, struct zt_crypto_job *jobs, size_t count)
{
	size_t half;
	uint32_t g;
	int spins = 0;

	if (!w || !w->started || count < MIN_SPLIT) {
		for (size_t i = 0; i < count; i++)
			zt_crypto_job_run(&jobs[i]);
		return;
	}
	half = count / 2;
	w->jobs = jobs + half;
	w->count = count - half;
	g = atomic_load_explicit(&w->go, memory_order_relaxed) + 1;
	atomic_store_explicit(&w->go, g, memory_order_release);
	futex_wake(&w->go);
	for (size_t i = 0; i < half; i++)
		zt_crypto_job_run(&jobs[i]);
	for (;;) {
		uint32_t d = atomic_load_explicit(&w->done, memory_order_acquire);

		if (d == g)
			break;
		if (++spins > SPINS)
			futex_wait(&w->done, d);
	}
}
