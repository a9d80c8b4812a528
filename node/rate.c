/* SPDX-License-Identifier: MIT */
/*
 * rate.c - token buckets for the requests a root answers (NET_ANNOUNCE,
 * WHOIS, RENDEZVOUS_REQ): each costs the root a lookup and one or more
 * messages (NET_MEMBERS, RENDEZVOUS to a third party), so a registered node
 * gets a burst and a steady rate of each, and so do all the nodes behind
 * one source address together (sybils from one host share it; a company
 * behind one NAT gets room for many).
 *
 * The source is the address a peer proved it receives at (its validated
 * path), not a packet's claimed source: forging sources gets no fresh
 * buckets.  The source table is fixed (ZT_RATE_SOURCES slots, 4-way): a
 * newcomer takes the slot idle longest among its four, and a source that
 * loses its slot comes back with full buckets, so eviction never locks
 * anyone out; the per-peer buckets still bound each peer.
 */
#include <stdlib.h>
#include <string.h>

#include "rate.h"
#include "wire.h"

#define SCALE 1000 /* a level counts thousandths of a token: refill is exact per ms */
#define WAYS  4

struct limit {
	unsigned per_s, burst;
};

/* Per peer: a node announces every network it is in (at most 64) at
 * start and every 30 s; it asks WHOIS for the peers it meets (a whole
 * network at once); introductions as before (ZT_RENDEZVOUS_PER_SEC). */
static const struct limit per_peer[ZT_RATE_KINDS] = {
    [ZT_RATE_ANNOUNCE] = {4, 80},
    [ZT_RATE_WHOIS] = {32, 256},
    [ZT_RATE_RENDEZVOUS] = {ZT_RENDEZVOUS_PER_SEC, ZT_RENDEZVOUS_PER_SEC},
};

/* Per source address: the nodes behind one NAT together. */
static const struct limit per_source[ZT_RATE_KINDS] = {
    [ZT_RATE_ANNOUNCE] = {128, 1024},
    [ZT_RATE_WHOIS] = {256, 1024},
    [ZT_RATE_RENDEZVOUS] = {128, 512},
};

static void refill(struct zt_rate *r, const struct limit *lim, int64_t now)
{
	int64_t dt = now - r->at;

	if (r->at == 0 || dt < 0 || dt > 3600000) {
		/* New, or idle for an hour (or the clock went back): full. */
		for (unsigned k = 0; k < ZT_RATE_KINDS; k++)
			r->level[k] = lim[k].burst * SCALE;
		r->at = now;
		return;
	}
	for (unsigned k = 0; k < ZT_RATE_KINDS; k++) {
		int64_t lv = r->level[k] + dt * lim[k].per_s * SCALE / 1000;
		if (lv > (int64_t)lim[k].burst * SCALE)
			lv = (int64_t)lim[k].burst * SCALE;
		r->level[k] = (uint32_t)lv;
	}
	r->at = now;
}

static bool has(const struct zt_rate *r, enum zt_rate_kind k)
{
	return r->level[k] >= SCALE;
}

static uint64_t source_key(const struct zt_endpoint *ep)
{
	uint64_t key = ep->family;
	/* IPv4: the address; IPv6: its /64 (a host gets a whole one). */
	for (unsigned i = 0; i < (ep->family == 6 ? 8u : 4u); i++)
		key = key << 8 | ep->ip[i];
	return key | (uint64_t)1 << 63; /* never 0 (free) */
}

static struct zt_rate *source_rate(struct zt_rate_table *t, const struct zt_endpoint *ep)
{
	uint64_t key = source_key(ep);
	size_t base = (size_t)(key * 0x9e3779b97f4a7c15ULL >> 32) % (ZT_RATE_SOURCES / WAYS) * WAYS;
	struct zt_rate_source *victim = NULL;

	if (t->slots == NULL) {
		t->slots = calloc(ZT_RATE_SOURCES, sizeof *t->slots);
		if (t->slots == NULL)
			return NULL;
	}
	for (unsigned i = 0; i < WAYS; i++) {
		struct zt_rate_source *s = &t->slots[base + i];
		if (s->key == key)
			return &s->rate;
		if (victim == NULL || s->key == 0 ||
		    (victim->key != 0 && s->rate.at < victim->rate.at))
			victim = s;
	}
	memset(victim, 0, sizeof *victim);
	victim->key = key;
	return &victim->rate;
}

bool zt_rate_take(struct zt_rate_table *t, struct zt_rate *peer, const struct zt_endpoint *src,
                  int64_t now, enum zt_rate_kind k)
{
	struct zt_rate *s = source_rate(t, src);

	refill(peer, per_peer, now);
	if (s != NULL)
		refill(s, per_source, now);
	if (!has(peer, k) || (s != NULL && !has(s, k)))
		return false;
	peer->level[k] -= SCALE;
	if (s != NULL)
		s->level[k] -= SCALE;
	return true;
}

void zt_rate_table_free(struct zt_rate_table *t)
{
	free(t->slots);
	t->slots = NULL;
}
