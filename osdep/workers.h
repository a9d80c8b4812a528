/* SPDX-License-Identifier: MIT */
/*
 * workers.h - the shell's crypto pipeline: extra threads that run part of
 * each list of AEAD jobs the core hands to zt_host.crypto_run.
 *
 * The I/O thread gives the second half of a list to a worker through two
 * atomic sequence words (no lock on the hot path; a futex only to sleep),
 * runs the first half itself and waits for the worker before returning
 * to the core, so the core's single-threaded contract holds and every
 * job's key and buffers stay valid while it runs.
 */
#ifndef ZT_OSDEP_WORKERS_H
#define ZT_OSDEP_WORKERS_H

#include <stddef.h>

#include "node/zt.h"

struct zt_workers;

/* threads: worker threads to start (0: everything runs inline).
 * Returns 0 or -errno. */
int zt_workers_new(struct zt_workers **out, unsigned threads);
void zt_workers_free(struct zt_workers *w);
/* Run `count` jobs, some on the worker; returns when all are done. */
void zt_workers_run(struct zt_workers *w, struct zt_crypto_job *jobs, size_t count);

#endif
