/* SPDX-License-Identifier: MIT */
/* simalloc.c - the counting, failing allocator of the nodes (simalloc.h). */
#include "simalloc.h"

#include <stdlib.h>

/* Each block starts with its size, padded to the alignment malloc gives
 * (the core keeps AES state that needs 16 bytes). */
union hdr {
	size_t size;
	max_align_t align;
};

void *sim_alloc_get(struct sim_alloc *a, size_t size)
{
	union hdr *h;

	a->count++;
	if (a->count == a->fail_at) {
		a->failed++;
		a->failed_at_time = a->now != NULL ? *a->now : 0;
		return NULL;
	}
	if (size > SIZE_MAX - sizeof *h || (h = malloc(sizeof *h + size)) == NULL)
		return NULL;
	h->size = size;
	a->live += size;
	a->blocks++;
	return h + 1;
}

void sim_alloc_put(struct sim_alloc *a, void *ptr)
{
	union hdr *h = (union hdr *)ptr - 1;

	a->live -= h->size;
	a->blocks--;
	free(h);
}
