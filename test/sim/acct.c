/* SPDX-License-Identifier: MIT */
/*
 * acct.c - per-flow byte and packet counts (see acct.h).
 */
#include "acct.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t ip_len(const struct zt_endpoint *ep)
{
	return ep->family == 6 ? 16 : 4;
}

static uint64_t mix(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ull; /* FNV-1a */
	return h;
}

static uint64_t ep_hash(uint64_t h, const struct zt_endpoint *ep)
{
	uint8_t fam = (uint8_t)ep->family;
	h = mix(h, &fam, 1);
	h = mix(h, &ep->port, sizeof ep->port);
	return mix(h, ep->ip, ip_len(ep));
}

static bool ep_same(const struct zt_endpoint *a, const struct zt_endpoint *b)
{
	return a->family == b->family && a->port == b->port && memcmp(a->ip, b->ip, ip_len(a)) == 0;
}

/* Does `ep` match the pattern `m` (family 0: anything; port 0: any port)? */
static bool ep_match(const struct zt_endpoint *m, const struct zt_endpoint *ep)
{
	if (m->family == 0)
		return true;
	return m->family == ep->family && (m->port == 0 || m->port == ep->port) &&
	       memcmp(m->ip, ep->ip, ip_len(m)) == 0;
}

void sim_acct_init(struct sim_acct *a)
{
	memset(a, 0, sizeof *a);
}

void sim_acct_free(struct sim_acct *a)
{
	free(a->v);
	memset(a, 0, sizeof *a);
}

static struct sim_flow *slot(struct sim_flow *v, size_t cap, int src_host, bool spoofed,
                             const struct zt_endpoint *from, const struct zt_endpoint *to)
{
	uint64_t h = 0xcbf29ce484222325ull;
	h = mix(h, &src_host, sizeof src_host);
	h = ep_hash(h, from);
	h = ep_hash(h, to);
	for (size_t i = (size_t)h & (cap - 1);; i = (i + 1) & (cap - 1)) {
		struct sim_flow *f = &v[i];
		if (!f->used || (f->src_host == src_host && f->spoofed == spoofed &&
		                 ep_same(&f->from, from) && ep_same(&f->to, to)))
			return f;
	}
}

static void grow(struct sim_acct *a)
{
	size_t ncap = a->cap ? a->cap * 2 : 1024;
	struct sim_flow *nv = calloc(ncap, sizeof *nv);
	if (nv == NULL) {
		fprintf(stderr, "sim: out of memory in the fabric's accounting\n");
		abort();
	}
	for (size_t i = 0; i < a->cap; i++) {
		const struct sim_flow *f = &a->v[i];
		if (f->used)
			*slot(nv, ncap, f->src_host, f->spoofed, &f->from, &f->to) = *f;
	}
	free(a->v);
	a->v = nv;
	a->cap = ncap;
}

void sim_acct_add(struct sim_acct *a, int src_host, bool spoofed, const struct zt_endpoint *from,
                  const struct zt_endpoint *to, size_t len)
{
	struct sim_flow *f;
	if (2 * (a->n + 1) > a->cap)
		grow(a);
	f = slot(a->v, a->cap, src_host, spoofed, from, to);
	if (!f->used) {
		f->used = true;
		f->spoofed = spoofed;
		f->src_host = src_host;
		f->from = *from;
		f->to = *to;
		a->n++;
	}
	f->packets++;
	f->bytes += len;
}

struct sim_flow_match sim_flow_any(void)
{
	struct sim_flow_match m;
	memset(&m, 0, sizeof m);
	m.src_host = -1;
	m.not_src_host = -1;
	m.spoofed = -1;
	return m;
}

uint64_t sim_acct_bytes(const struct sim_acct *a, const struct sim_flow_match *m, uint64_t *packets)
{
	uint64_t bytes = 0, pk = 0;
	for (size_t i = 0; i < a->cap; i++) {
		const struct sim_flow *f = &a->v[i];
		if (!f->used || (m->src_host >= 0 && f->src_host != m->src_host) ||
		    (m->not_src_host >= 0 && f->src_host == m->not_src_host) ||
		    (m->spoofed >= 0 && f->spoofed != (m->spoofed != 0)) ||
		    !ep_match(&m->from, &f->from) || !ep_match(&m->to, &f->to))
			continue;
		bytes += f->bytes;
		pk += f->packets;
	}
	if (packets != NULL)
		*packets = pk;
	return bytes;
}

bool sim_acct_validated(const struct sim_acct *a, const struct zt_endpoint *ep)
{
	for (size_t i = 0; i < a->cap; i++) {
		const struct sim_flow *f = &a->v[i];
		if (f->used && !f->spoofed && ep_match(ep, &f->from))
			return true;
	}
	return false;
}
