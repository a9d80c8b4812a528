/* SPDX-License-Identifier: MIT */
/*
 * workers.h - the shell's crypto pipeline: extra threads that run part of
 * each list of AEAD jobs the core hands to zt_host.crypto_run.
 *
 * The I/O thread publishes a list and both it and the worker take jobs
 * from it a couple at a time with one compare-and-swap on a shared word
 * (no lock on the hot path; a futex only to sleep).  A worker whose core
 * is busy elsewhere just takes fewer jobs: the I/O thread never waits for
 * a fixed share, only for the jobs the worker is running at the end.
 * zt_workers_run returns when every job is done, so the core's
 * single-threaded contract holds and every job's key and buffers stay
 * valid while it runs.
 */
#ifndef ZT_OSDEP_WORKERS_H
#define ZT_OSDEP_WORKERS_H

#include <stdbool.h>
#include <stddef.h>

#include "node/zt.h"

struct zt_workers;

/* threads: worker threads to start (0: everything runs inline).
 * Returns 0 or -errno. */
int zt_workers_new(struct zt_workers **out, unsigned threads);
void zt_workers_free(struct zt_workers *w);
/* Run `count` jobs, some on the worker; returns when all are done. */
void zt_workers_run(struct zt_workers *w, struct zt_crypto_job *jobs, size_t count);
/* Hand jobs to the worker (the default when it started) or run them all
 * on the calling thread; the worker sleeps while it gets none. */
void zt_workers_enable(struct zt_workers *w, bool on);
bool zt_workers_enabled(const struct zt_workers *w);
/* The shell's policy, sampled about once a second: should the worker be
 * used?  on: whether it is now; demand: CPU seconds per second the I/O
 * thread and the worker used together; spare: idle CPU seconds per
 * second of the machine plus the worker's own (what the machine had to
 * give).  A second core only pays when it would otherwise be idle: when
 * both ends of a tunnel or other programs keep every core busy, handing
 * packets across cores costs more than it saves. */
bool zt_workers_worth_it(bool on, double demand, double spare);
/* CPU seconds the worker thread has used (0 without one). */
int zt_workers_cpu(struct zt_workers *w, double *seconds);
/* Idle (and I/O wait) CPU seconds of the whole machine since boot, from
 * /proc/stat. */
int zt_workers_machine_idle(double *seconds);
/* Jobs the worker thread has run so far (statistics, tests). */
unsigned long long zt_workers_worker_jobs(struct zt_workers *w);

#endif
