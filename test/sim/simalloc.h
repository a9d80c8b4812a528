/* SPDX-License-Identifier: MIT */
/*
 * simalloc.h - the allocator the simulated hosts give their nodes
 * (struct zt_host's alloc and free) when a scenario asks for one: it
 * counts every allocation the nodes make, keeps the bytes and blocks still
 * out, and fails the allocation with a chosen number once (the
 * out-of-memory mode, scen_oom.c).  One allocator serves every node of a
 * world, so "the Nth allocation" is the Nth of the whole run.
 */
#ifndef ZT_SIM_SIMALLOC_H
#define ZT_SIM_SIMALLOC_H

#include <stddef.h>
#include <stdint.h>

struct sim_alloc {
	uint64_t count;         /* allocations asked for so far (failed or not) */
	uint64_t fail_at;       /* fail the allocation numbered this (1-based); 0: none */
	uint64_t failed;        /* allocations failed */
	int64_t failed_at_time; /* virtual time of the failure (0: none yet) */
	const int64_t *now;     /* the clock, to stamp the failure (may be NULL) */
	size_t live;            /* bytes allocated and not freed */
	uint64_t blocks;        /* blocks allocated and not freed */
};

void *sim_alloc_get(struct sim_alloc *a, size_t size);
void sim_alloc_put(struct sim_alloc *a, void *ptr);

#endif
