/* SPDX-License-Identifier: MIT */
/*
 * mem.c - the core's allocations through the host's allocator (mem.h).
 *
 * The default (a zero struct zt_mem) is libc's malloc and free, here and
 * nowhere else in node/: a host that brings no allocator (the daemons, the
 * tests, the fuzzers) needs no boilerplate, and check-layering can still
 * prove that every allocation of the core passes through these four
 * functions, so that a host that does bring one (the simulator's
 * out-of-memory mode) sees them all.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

void *zt_mem_alloc(const struct zt_mem *m, size_t size)
{
	/* Never ask for 0 bytes: malloc(0) may return NULL, which every caller
	 * would take for a failure. */
	if (size == 0)
		size = 1;
	if (m->alloc != NULL)
		return m->alloc(m->ctx, size);
	return malloc(size);
}

void *zt_mem_calloc(const struct zt_mem *m, size_t count, size_t size)
{
	void *p;

	if (size != 0 && count > SIZE_MAX / size)
		return NULL;
	/* The C library's calloc knows fresh pages from the kernel are zero
	 * and leaves them untouched: the node (about 350 KB, most of it tables
	 * that fill as peers come) then costs resident memory only as it is
	 * used, where a memset would make every page resident at start. */
	if (m->alloc == NULL)
		return calloc(count == 0 || size == 0 ? 1 : count, size == 0 ? 1 : size);
	p = zt_mem_alloc(m, count * size);
	if (p != NULL)
		memset(p, 0, count * size);
	return p;
}

void *zt_mem_realloc(const struct zt_mem *m, void *ptr, size_t old_size, size_t new_size)
{
	void *p;

	if (new_size == 0)
		new_size = 1;
	if (m->alloc == NULL)
		return realloc(ptr, new_size);
	/* The host's allocator has no realloc (one callback fewer to get
	 * right): a new block and a copy.  What grows is small (a peer's
	 * paths) or doubles (the tables), so the copies cost little. */
	p = m->alloc(m->ctx, new_size);
	if (p == NULL)
		return NULL;
	if (ptr != NULL)
		memcpy(p, ptr, old_size < new_size ? old_size : new_size);
	zt_mem_free(m, ptr);
	return p;
}

void zt_mem_free(const struct zt_mem *m, void *ptr)
{
	if (ptr == NULL)
		return;
	if (m->free != NULL)
		m->free(m->ctx, ptr);
	else
		free(ptr);
}
