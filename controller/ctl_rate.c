/* SPDX-License-Identifier: MIT */
/*
 * ctl_rate.c - the rate limits of config requests (ctl.h says which).
 */
#include "controller/ctl_rate.h"

#include <stdlib.h>
#include <string.h>

#define RATE_WAYS 8

static void bucket_fill(struct zt_ctl_bucket *b, int64_t now, int64_t burst)
{
	b->tokens = burst * 1000;
	b->at = now;
}

/* Take one token (a thousand thousandths) if there is one. */
static bool bucket_take(struct zt_ctl_bucket *b, int64_t now, int64_t per_sec, int64_t burst)
{
	if (now > b->at) {
		/* per_sec tokens a second are per_sec thousandths a ms; an
		 * hour refills any bucket, and keeps the product small. */
		int64_t ms = now - b->at < 3600000 ? now - b->at : 3600000;
		b->tokens += ms * per_sec;
		if (b->tokens > burst * 1000)
			b->tokens = burst * 1000;
	}
	b->at = now; /* a clock set back only delays the refill */
	if (b->tokens < 1000)
		return false;
	b->tokens -= 1000;
	return true;
}

/* The requester's slot: its own, else a free one of its set, else the
 * set's least recently seen stranger, else its least recently seen
 * member.  Addresses come from a memory-hard function of the key, so
 * nobody can cheaply aim many requesters at one set. */
static struct zt_ctl_rate *rate_slot(struct zt_ctl *c, uint64_t address, int64_t now)
{
	uint64_t h = (address * UINT64_C(0x9e3779b97f4a7c15)) >> 32;
	struct zt_ctl_rate *set = &c->rate[(h % (ZT_CTL_RATE_SLOTS / RATE_WAYS)) * RATE_WAYS];
	struct zt_ctl_rate *pick = NULL;

	for (unsigned i = 0; i < RATE_WAYS; i++) {
		struct zt_ctl_rate *e = &set[i];
		if (e->address == address)
			return e;
		if (pick == NULL || pick->address != 0) {
			if (e->address == 0 || pick == NULL || (pick->member && !e->member) ||
			    (pick->member == e->member && e->b.at < pick->b.at))
				pick = e;
		}
	}
	memset(pick, 0, sizeof *pick);
	pick->address = address;
	bucket_fill(&pick->b, now, ZT_CTL_RATE_BURST);
	return pick;
}

struct zt_ctl_rate *zt_ctl_rate_take(struct zt_ctl *c, uint64_t address, int64_t now)
{
	struct zt_ctl_rate *e;
	bool ok;

	if (c->rate == NULL) {
		c->rate = calloc(ZT_CTL_RATE_SLOTS, sizeof *c->rate);
		if (c->rate == NULL)
			return NULL;
		bucket_fill(&c->strangers, now, ZT_CTL_STRANGER_BURST);
		bucket_fill(&c->members, now, ZT_CTL_MEMBER_BURST);
	}
	e = rate_slot(c, address, now);
	if (!bucket_take(&e->b, now, ZT_CTL_RATE_PER_SEC, ZT_CTL_RATE_BURST)) {
		c->rate_limited++;
		return NULL;
	}
	ok = e->member
	         ? bucket_take(&c->members, now, ZT_CTL_MEMBER_PER_SEC, ZT_CTL_MEMBER_BURST)
	         : bucket_take(&c->strangers, now, ZT_CTL_STRANGER_PER_SEC, ZT_CTL_STRANGER_BURST);
	if (!ok) {
		e->b.tokens += 1000; /* not its fault: it keeps its own share */
		c->rate_limited++;
		return NULL;
	}
	return e;
}
