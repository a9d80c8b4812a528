/* SPDX-License-Identifier: MIT */
/*
 * replay.c - the anti-replay window.  Check before decrypting (cheap
 * reject), update only after authentication, so a forged counter can never
 * advance the window.
 */
#include "replay.h"

#include <string.h>

void zt_replay_init(struct zt_replay *r)
{
	memset(r, 0, sizeof *r);
}

bool zt_replay_check(const struct zt_replay *r, uint64_t counter)
{
	uint64_t c = counter + 1; /* shift so that 0 means "nothing seen" */
	if (c == 0)
		return false; /* counter UINT64_MAX is never used */
	if (c > r->top)
		return true;
	if (r->top - c >= ZT_REPLAY_WINDOW)
		return false;
	return !((r->bits[(c >> 6) % ZT_REPLAY_WORDS] >> (c & 63)) & 1);
}

bool zt_replay_update(struct zt_replay *r, uint64_t counter)
{
	uint64_t c = counter + 1;
	uint64_t *w;

	if (!zt_replay_check(r, counter))
		return false;
	if (c > r->top) {
		uint64_t cur = r->top >> 6, next = c >> 6;
		uint64_t steps = next - cur;
		if (steps > ZT_REPLAY_WORDS)
			steps = ZT_REPLAY_WORDS;
		/* Words between the old top and the new one are now empty. */
		for (uint64_t i = 1; i <= steps; i++)
			r->bits[(cur + i) % ZT_REPLAY_WORDS] = 0;
		r->top = c;
	}
	w = &r->bits[(c >> 6) % ZT_REPLAY_WORDS];
	*w |= (uint64_t)1 << (c & 63);
	return true;
}
