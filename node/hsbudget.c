/* SPDX-License-Identifier: MIT */
/*
 * hsbudget.c - token buckets per source and for the node (see
 * hsbudget.h).
 *
 * Each bucket is one number, GCRA style: `tat`, the time at which the
 * bucket is full again.  Taking a token moves it one period later; a
 * bucket is empty when tat is more than (burst - 1) periods ahead of now.
 * A bucket at or behind now is full, so an entry whose every tat is behind
 * now says nothing and may be reused.  Times are microseconds, so rates up
 * to a million per second keep an exact period.
 */
#include "hsbudget.h"

#include <sodium.h>
#include <string.h>

#include "util.h"

struct rate {
	int64_t src_rate, src_burst, rate, burst;
};

static const struct rate rates[ZT_HSB_KINDS] = {
    [ZT_HSB_DH] = {ZT_HS_DH_SRC_RATE, ZT_HS_DH_SRC_BURST, ZT_HS_DH_RATE, ZT_HS_DH_BURST},
    [ZT_HSB_DH_PROVEN] = {ZT_HS_DHP_SRC_RATE, ZT_HS_DHP_SRC_BURST, ZT_HS_DHP_RATE, ZT_HS_DHP_BURST},
    [ZT_HSB_ID] = {ZT_HS_ID_SRC_RATE, ZT_HS_ID_SRC_BURST, ZT_HS_ID_RATE, ZT_HS_ID_BURST},
    [ZT_HSB_ID_PROVEN] = {ZT_HS_IDP_SRC_RATE, ZT_HS_IDP_SRC_BURST, ZT_HS_IDP_RATE, ZT_HS_IDP_BURST},
    /* rate 0: per source only */
    [ZT_HSB_COOKIE] = {ZT_HS_COOKIE_SRC_RATE, ZT_HS_COOKIE_SRC_BURST, 0, 0},
};

#define SETS  (ZT_HS_BUDGET_SOURCES / ZT_HSB_WAYS)
#define TAG4  0x04 /* key[0]: an IPv4 /24 */
#define TAG6  0x06 /* an IPv6 /48 */
#define TAGRL 0x80 /* a relayed sender's address */

void zt_hsb_init(struct zt_hsb *rl, const uint8_t hash_key[16])
{
	memcpy(rl->hash_key, hash_key, sizeof rl->hash_key);
}

void zt_hsb_src_prefix(struct zt_hsb_src *s, const struct zt_endpoint *ep)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	memset(s, 0, sizeof *s);
	if (ep->family == 6 && memcmp(ep->ip, mapped, sizeof mapped) != 0) {
		s->key[0] = TAG6;
		memcpy(s->key + 1, ep->ip, 6);
	} else {
		s->key[0] = TAG4;
		memcpy(s->key + 1, ep->family == 6 ? ep->ip + 12 : ep->ip, 3);
	}
}

void zt_hsb_src_relayed(struct zt_hsb_src *s, uint64_t address)
{
	memset(s, 0, sizeof *s);
	s->key[0] = TAGRL;
	zt_put_u40(s->key + 1, address);
}

/* Would a token be there?  (No change.) */
static bool has_token(int64_t tat, int64_t now_us, int64_t rate, int64_t burst)
{
	int64_t period = 1000000 / rate;
	return (tat > now_us ? tat : now_us) - now_us <= (burst - 1) * period;
}

static void take(int64_t *tat, int64_t now_us, int64_t rate)
{
	*tat = (*tat > now_us ? *tat : now_us) + 1000000 / rate;
}

static int64_t newest(const struct zt_hsb_entry *e)
{
	int64_t t = e->tat[0];
	for (int k = 1; k < ZT_HSB_KINDS; k++)
		if (e->tat[k] > t)
			t = e->tat[k];
	return t;
}

/* src's entry: found, else a free one or the one idle longest in its set,
 * made src's with full buckets. */
static struct zt_hsb_entry *entry_of(struct zt_hsb *rl, const struct zt_hsb_src *src)
{
	uint8_t h[8];
	struct zt_hsb_entry *set, *victim = NULL;

	crypto_shorthash(h, src->key, sizeof src->key, rl->hash_key);
	set = &rl->table[(zt_get_u32(h) % SETS) * ZT_HSB_WAYS];
	for (int i = 0; i < ZT_HSB_WAYS; i++) {
		struct zt_hsb_entry *e = &set[i];
		if (e->key[0] != 0 && memcmp(e->key, src->key, sizeof e->key) == 0)
			return e;
		if (victim == NULL ||
		    (victim->key[0] != 0 && (e->key[0] == 0 || newest(e) < newest(victim))))
			victim = e;
	}
	/* Its buckets were refilling at most: the source that had them gets
	 * full ones when it comes back, as a new one would; the node's bucket
	 * still bounds them all. */
	memset(victim, 0, sizeof *victim);
	memcpy(victim->key, src->key, sizeof victim->key);
	return victim;
}

bool zt_hsb_take(struct zt_hsb *rl, int64_t now, const struct zt_hsb_src *src,
                 enum zt_hsb_kind kind)
{
	const struct rate *r = &rates[kind];
	int64_t now_us = now * 1000;
	struct zt_hsb_entry *e;

	if (r->rate != 0 && !has_token(rl->global[kind], now_us, r->rate, r->burst))
		return false;
	e = entry_of(rl, src);
	if (!has_token(e->tat[kind], now_us, r->src_rate, r->src_burst))
		return false;
	take(&e->tat[kind], now_us, r->src_rate);
	if (r->rate != 0)
		take(&rl->global[kind], now_us, r->rate);
	return true;
}
