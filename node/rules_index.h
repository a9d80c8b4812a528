/* SPDX-License-Identifier: MIT */
/*
 * rules_index.h - the rules index's layout, shared by rules_index.c, which
 * builds it, and rules.c, which reads it for every frame (private to node/).
 */
#ifndef ZT_RULES_INDEX_H
#define ZT_RULES_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#include "rules.h"

/* The index.
 *
 * A list is a run of blocks: matches and the action they guard (matches
 * after the last action are a block of their own).  Every block starts
 * with the matches holding, so a block the frame cannot take may be
 * passed over without changing what the others do, provided that looking
 * at it would have had no effect either.  The index finds such blocks
 * from four fields of the frame (ethertype, IP protocol, source and
 * destination port) at the cost of a few lookups instead of a walk.
 *
 * A match "guards" its block when its failing proves the block is not
 * taken and nothing in it ran that has effects of its own: it is ANDed,
 * no OR follows it in the block (an OR could make the matches hold
 * again), and no entry before it in the block has effects (a tag match,
 * which may excuse a DROP that follows it, if one does; random, which
 * draws a number).  A block whose action is TEE, WATCH or REDIRECT is
 * never passed over (not taken, inbound, it may still name us), nor is the
 * last one if it has no action.
 *
 * Per field, the values a frame can have fall into intervals (and two
 * special values: the field "cannot apply", or the frame has no ports)
 * within which every guard says the same; each interval has a bit mask of
 * the blocks that may be taken.  A frame ANDs the masks of its four
 * intervals and runs the blocks that remain, in order, as the walk would
 * (blocks that follow each other in one run; a block whose matches are
 * all guards, alone, just its action).  When only such blocks remain, the
 * four fields decided the result by themselves: the list's memo keeps it
 * for the next frame with the same fields (the index is rebuilt, and the
 * memo with it, whenever the lists change).
 */

enum { DIM_ETHERTYPE = 0, DIM_PROTO, DIM_SPORT, DIM_DPORT, DIMS };
#define IDX_WORDS_MAX 4 /* (ZT_RULES_MAX + 63) / 64 */
_Static_assert(IDX_WORDS_MAX * 64 >= ZT_RULES_MAX, "a bit per block");
#define V_CANNOT (-2) /* the match cannot apply (not IP, ...) */
#define V_NOPORT (-1) /* IP without ports (or a truncated header) */

/* The four fields of a frame packed in a key (struct pkt's idx_key):
 * ethertype (16 bits), protocol + 2 (9 bits), source port + 2, destination
 * port + 2 (17 bits each); a list's memo compares the fields it reads. */
#define KEY_SHIFT_PROTO 16
#define KEY_SHIFT_SPORT 25
#define KEY_SHIFT_DPORT 42

struct idx_dim {
	uint32_t bounds; /* offset of uint16_t[nb]: where intervals start, ascending */
	uint32_t masks;  /* offset of uint64_t[(2 + nb + 1) * words] */
	uint16_t nb;
};

struct idx_list {
	uint16_t count;  /* the list's entries */
	uint16_t blocks; /* (0: no index, the whole list is walked) */
	uint16_t words;
	uint8_t dims;   /* bit per field that some guard reads */
	uint32_t ends;  /* offset of uint16_t[blocks]: one past each block's action */
	uint32_t exact; /* offset of uint64_t[words]: the blocks that are all guards */
	struct idx_dim dim[DIMS];
	/* A memo: the fields of the last frame whose result they alone
	 * decided (no block left to run but blocks of guards alone), and that
	 * result.  A flow's next frames take it without the lookups; a frame
	 * with other fields costs one comparison more than without it. */
	bool memo_ok;
	int8_t memo_verdict;
	uint8_t memo_qos;
	int16_t memo_rule;
	uint64_t memo_key; /* the fields (packed as struct pkt's idx_key) ... */
	uint64_t key_mask; /* ... that the guards read */
};

struct zt_rules_index {
	uint32_t size;
	uint32_t lists;
	uint32_t list[]; /* offsets of struct idx_list */
};

/* TEE, WATCH and REDIRECT: actions after which the walk goes on. */
static inline bool zt_rules_is_fwd(unsigned type)
{
	return type == ZT_RULE_TEE || type == ZT_RULE_WATCH || type == ZT_RULE_REDIRECT;
}

#endif
