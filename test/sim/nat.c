/* SPDX-License-Identifier: MIT */
/*
 * nat.c - cone and symmetric NAT translation tables (see nat.h).
 *
 * The table is a flat array of sessions, scanned linearly: a simulated NAT
 * holds a handful of hosts, and clarity beats speed here.
 */
#include "nat.h"

#include <stdlib.h>
#include <string.h>

struct session {
	struct zt_endpoint inner;  /* inside endpoint */
	struct zt_endpoint remote; /* outside endpoint it talks to */
	uint16_t port;             /* public port */
	int64_t last;              /* last packet either way */
};

struct nat {
	struct sim_nat_cfg cfg;
	struct zt_endpoint pub; /* the box's public address (port unused) */
	struct sim_rng rng;
	uint16_t next_port;
	struct session *s;
	size_t n, cap;
	/* A port forward (UPnP-IGD, NAT-PMP): anyone may send to fwd_port,
	 * and it reaches fwd_inner.  fwd_port 0: none. */
	struct zt_endpoint fwd_inner;
	uint16_t fwd_port;
};

static bool ep_eq(const struct zt_endpoint *a, const struct zt_endpoint *b)
{
	size_t l = a->family == 6 ? 16 : 4;
	return a->family == b->family && a->port == b->port && memcmp(a->ip, b->ip, l) == 0;
}

static bool ip_eq(const struct zt_endpoint *a, const struct zt_endpoint *b)
{
	size_t l = a->family == 6 ? 16 : 4;
	return a->family == b->family && memcmp(a->ip, b->ip, l) == 0;
}

static void expire(struct nat *t, int64_t now)
{
	size_t w = 0;
	for (size_t i = 0; i < t->n; i++)
		if (now - t->s[i].last < t->cfg.timeout_ms)
			t->s[w++] = t->s[i];
	t->n = w;
}

static bool port_used(const struct nat *t, uint16_t port)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->s[i].port == port)
			return true;
	return false;
}

/* A public port no live session holds, or 0 if the range is exhausted. */
static uint16_t alloc_port(struct nat *t, uint16_t inside_port)
{
	if (t->cfg.preserve_ports && inside_port != 0 && !port_used(t, inside_port))
		return inside_port;
	for (int tries = 0; tries < 64512; tries++) {
		uint16_t p;
		if (t->cfg.random_ports) {
			p = (uint16_t)(1024 + sim_rng_below(&t->rng, 64512));
		} else {
			p = t->next_port;
			t->next_port = (uint16_t)(t->next_port == 65535 ? 1024 : t->next_port + 1);
		}
		if (!port_used(t, p))
			return p;
	}
	return 0;
}

static struct session *add_session(struct nat *t)
{
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		struct session *ns = realloc(t->s, ncap * sizeof *ns);
		if (ns == NULL)
			return NULL;
		t->s = ns;
		t->cap = ncap;
	}
	return &t->s[t->n++];
}

static bool nat_outbound(void *state, int64_t now, struct zt_endpoint *from,
                         const struct zt_endpoint *to)
{
	struct nat *t = state;
	expire(t, now);
	uint16_t port = 0;
	for (size_t i = 0; i < t->n; i++) {
		struct session *s = &t->s[i];
		if (!ep_eq(&s->inner, from))
			continue;
		if (ep_eq(&s->remote, to)) {
			s->last = now;
			port = s->port;
			goto rewrite;
		}
		/* Endpoint-independent mapping: reuse the inside endpoint's
		 * public port for a new remote. */
		if (t->cfg.kind != SIM_NAT_SYMMETRIC)
			port = s->port;
	}
	if (port == 0 && t->fwd_port != 0 && ep_eq(from, &t->fwd_inner))
		port = t->fwd_port; /* the forwarded port is the inside port's own */
	if (port == 0)
		port = alloc_port(t, from->port);
	if (port == 0)
		return false; /* every port is live: a real NAT drops too */
	struct session *s = add_session(t);
	if (s == NULL)
		return false;
	s->inner = *from;
	s->remote = *to;
	s->port = port;
	s->last = now;
rewrite:
	*from = t->pub;
	from->port = port;
	return true;
}

static bool nat_inbound(void *state, int64_t now, const struct zt_endpoint *from,
                        struct zt_endpoint *to)
{
	struct nat *t = state;
	expire(t, now);
	struct session *hit = NULL;
	for (size_t i = 0; i < t->n && hit == NULL; i++) {
		struct session *s = &t->s[i];
		if (s->port != to->port)
			continue;
		switch (t->cfg.kind) {
		case SIM_NAT_FULL_CONE: hit = s; break;
		case SIM_NAT_RESTRICTED:
			if (ip_eq(&s->remote, from))
				hit = s;
			break;
		case SIM_NAT_PORT_RESTRICTED:
		case SIM_NAT_SYMMETRIC:
			if (ep_eq(&s->remote, from))
				hit = s;
			break;
		}
	}
	if (hit == NULL && t->fwd_port != 0 && to->port == t->fwd_port) {
		/* The forward lets anyone in; the flow then has its session,
		 * as conntrack keeps one for a DNAT'd flow. */
		hit = add_session(t);
		if (hit == NULL)
			return false;
		hit->inner = t->fwd_inner;
		hit->remote = *from;
		hit->port = t->fwd_port;
	}
	if (hit == NULL)
		return false;
	hit->last = now;
	*to = hit->inner;
	return true;
}

static void nat_free(void *state)
{
	struct nat *t = state;
	if (t == NULL)
		return;
	free(t->s);
	free(t);
}

const struct sim_nat_ops sim_nat_ops = {
    .name = "nat",
    .outbound = nat_outbound,
    .inbound = nat_inbound,
    .free = nat_free,
};

void *sim_nat_new(const struct sim_nat_cfg *cfg, const struct zt_endpoint *pub, uint64_t seed,
                  unsigned index)
{
	struct nat *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	t->cfg = *cfg;
	if (t->cfg.timeout_ms <= 0)
		t->cfg.timeout_ms = 120000;
	t->pub = *pub;
	t->pub.port = 0;
	sim_rng_init(&t->rng, seed, SIM_STREAM_NAT + index);
	t->next_port = (uint16_t)(20000 + sim_rng_below(&t->rng, 20000));
	return t;
}

unsigned sim_nat_add(struct sim_fabric *f, unsigned outside, const struct zt_endpoint *pub,
                     const struct sim_link *link, const struct sim_nat_cfg *cfg, uint64_t seed)
{
	void *t = sim_nat_new(cfg, pub, seed, (unsigned)f->nnats);
	if (t == NULL)
		return 0;
	unsigned realm = sim_fabric_add_nat(f, outside, pub, link, cfg->hairpin, &sim_nat_ops, t);
	if (realm == 0)
		nat_free(t);
	return realm;
}

bool sim_nat_forward(void *state, int64_t now, const struct zt_endpoint *inner,
                     struct zt_endpoint *pub)
{
	struct nat *t = state;
	uint16_t port = 0;

	expire(t, now);
	for (size_t i = 0; i < t->n && port == 0; i++)
		if (ep_eq(&t->s[i].inner, inner))
			port = t->s[i].port;
	if (port == 0)
		port = alloc_port(t, inner->port);
	if (port == 0)
		return false;
	t->fwd_inner = *inner;
	t->fwd_port = port;
	*pub = t->pub;
	pub->port = port;
	return true;
}

unsigned sim_nat_sessions(void *state, int64_t now)
{
	struct nat *t = state;
	expire(t, now);
	return (unsigned)t->n;
}

void sim_nat_flush(void *state)
{
	struct nat *t = state;
	t->n = 0;
}

const char *sim_nat_kind_name(enum sim_nat_kind kind)
{
	switch (kind) {
	case SIM_NAT_FULL_CONE: return "full-cone";
	case SIM_NAT_RESTRICTED: return "restricted-cone";
	case SIM_NAT_PORT_RESTRICTED: return "port-restricted-cone";
	case SIM_NAT_SYMMETRIC: return "symmetric";
	}
	return "?";
}
