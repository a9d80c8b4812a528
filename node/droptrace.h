/* SPDX-License-Identifier: MIT */
/*
 * droptrace.h - the frames a network's rules dropped lately (droptrace.c):
 * a ring of the newest ZT_RULES_DROPS_MAX, kept so that `zt-cli trace`
 * can say which rule dropped what.  Written only when a frame is dropped,
 * so accepted frames pay nothing; allocated at the first drop.
 */
#ifndef ZT_NODE_DROPTRACE_H
#define ZT_NODE_DROPTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zt.h"

struct zt_droptrace {
	unsigned next;  /* where the next entry goes */
	unsigned count; /* entries held (at most ZT_RULES_DROPS_MAX) */
	struct zt_rules_drop e[ZT_RULES_DROPS_MAX];
};

/* Note one dropped frame in *t (allocated from mem the first time; if that
 * fails the frame goes unnoted, the counters still have it). */
void zt_droptrace_note(struct zt_droptrace **t, const struct zt_mem *mem, int64_t now, bool inbound,
                       uint64_t peer, int rule, const uint8_t *frame, size_t len);
/* What the frame says of itself, into e (time, peer, rule, inbound left
 * as they are). */
void zt_droptrace_describe(const uint8_t *frame, size_t len, struct zt_rules_drop *e);
/* Copy the newest entries (up to cap), oldest first; how many were copied. */
size_t zt_droptrace_read(const struct zt_droptrace *t, struct zt_rules_drop *out, size_t cap);
void zt_droptrace_free(struct zt_droptrace **t, const struct zt_mem *mem);

#endif
