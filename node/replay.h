/* SPDX-License-Identifier: MIT */
/*
 * replay.h - sliding anti-replay window over 64-bit packet counters
 * (RFC 6479 style bitmap): accepts each counter at most once, and rejects
 * counters more than ZT_REPLAY_WINDOW behind the highest seen.
 */
#ifndef ZT_NODE_REPLAY_H
#define ZT_NODE_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define ZT_REPLAY_WORDS  33 /* one word more than the window, for word-wise clearing */
#define ZT_REPLAY_WINDOW ((ZT_REPLAY_WORDS - 1) * 64) /* 2048 packets */

struct zt_replay {
	uint64_t top; /* highest counter accepted + 1 (0: none yet) */
	uint64_t bits[ZT_REPLAY_WORDS];
};

void zt_replay_init(struct zt_replay *r);
/* Would `counter` be accepted?  (Does not change the window.) */
bool zt_replay_check(const struct zt_replay *r, uint64_t counter);
/* Mark `counter` seen; call only after the packet authenticated.
 * Returns false if it was a replay after all. */
bool zt_replay_update(struct zt_replay *r, uint64_t counter);

#endif
