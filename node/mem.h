/* SPDX-License-Identifier: MIT */
/*
 * mem.h - every allocation of the core (mem.c).  Memory comes from the
 * allocator the host gave (struct zt_mem, zt.h), or from libc's malloc and
 * free when it gave none; mem.c is the one file of node/ that calls libc's
 * allocator (test/check-layering.sh holds the others to it).  The node
 * keeps its allocator in struct zt_node; the tables that have no node
 * pointer (MAC and group tables, the TCP map, reassembly) keep a pointer to
 * it, given at init.
 */
#ifndef ZT_NODE_MEM_H
#define ZT_NODE_MEM_H

#include <stddef.h>

#include "zt.h"

/* `size` bytes (uninitialised, aligned for any object), or NULL. */
void *zt_mem_alloc(const struct zt_mem *m, size_t size);
/* count * size zeroed bytes, or NULL (also if the product overflows). */
void *zt_mem_calloc(const struct zt_mem *m, size_t count, size_t size);
/* A block of new_size bytes holding the first min(old_size, new_size)
 * bytes of ptr (which may be NULL with old_size 0); ptr is freed.  NULL on
 * failure, and ptr stays as it was. */
void *zt_mem_realloc(const struct zt_mem *m, void *ptr, size_t old_size, size_t new_size);
/* Free what the functions above returned (NULL: nothing). */
void zt_mem_free(const struct zt_mem *m, void *ptr);

#endif
