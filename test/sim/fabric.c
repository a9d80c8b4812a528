/* SPDX-License-Identifier: MIT */
/*
 * fabric.c - the simulated underlay: routing between realms, links, NAT
 * boxes.  See fabric.h for the model.
 */
#include "fabric.h"

#include <stdlib.h>
#include <string.h>

enum stage {
	AT_HOST,    /* reached the destination host's socket */
	AT_NAT_OUT, /* reached a box from its inside, on the way out */
	AT_NAT_IN,  /* reached a box's public address from outside */
};

struct pkt {
	struct sim_fabric *f;
	enum stage stage;
	int src_host;
	int dst_host;
	int64_t dst_sock;
	unsigned realm;   /* realm the datagram is travelling in */
	int nat;          /* box for AT_NAT_*, else -1 */
	int last_out_nat; /* box it last left through (hairpin check) */
	struct zt_endpoint from, to;
	size_t len;
	uint8_t data[];
};

static const char *const fate_names[SIM_FATE_COUNT] = {
    [SIM_SENT] = "sent",         [SIM_DELIVERED] = "delivered",   [SIM_LOST] = "lost",
    [SIM_NO_ROUTE] = "no-route", [SIM_NAT_DROP] = "nat-drop",     [SIM_HOST_DOWN] = "host-down",
    [SIM_FILTERED] = "filtered", [SIM_DUPLICATED] = "duplicated",
};

const char *sim_fate_name(enum sim_fate fate)
{
	return (unsigned)fate < SIM_FATE_COUNT ? fate_names[fate] : "?";
}

struct zt_endpoint sim_ep4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
	struct zt_endpoint ep;
	memset(&ep, 0, sizeof ep);
	ep.family = 4;
	ep.port = port;
	ep.ip[0] = a;
	ep.ip[1] = b;
	ep.ip[2] = c;
	ep.ip[3] = d;
	return ep;
}

static size_t ip_len(const struct zt_endpoint *ep)
{
	return ep->family == 6 ? 16 : 4;
}

static bool same_ip(const struct zt_endpoint *a, const struct zt_endpoint *b)
{
	return a->family == b->family && a->family != 0 && memcmp(a->ip, b->ip, ip_len(a)) == 0;
}

static bool same_ep(const struct zt_endpoint *a, const struct zt_endpoint *b)
{
	return same_ip(a, b) && a->port == b->port;
}

void sim_fabric_init(struct sim_fabric *f, struct sim_clock *clock, uint64_t seed,
                     const struct sim_fabric_hooks *hooks)
{
	memset(f, 0, sizeof *f);
	f->clock = clock;
	f->hooks = *hooks;
	sim_rng_init(&f->rng, seed, SIM_STREAM_FABRIC);
	sim_acct_init(&f->acct);
}

void sim_fabric_destroy(struct sim_fabric *f)
{
	for (size_t i = 0; i < f->nnats; i++)
		if (f->nats[i].ops->free != NULL)
			f->nats[i].ops->free(f->nats[i].state);
	free(f->nats);
	free(f->ifaces);
	free(f->hosts);
	sim_acct_free(&f->acct);
	/* Datagrams still in the clock's queue are released by their
	 * events' cancel path. */
	f->nats = NULL;
	f->ifaces = NULL;
	f->hosts = NULL;
}

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *p = realloc(*arr, ncap * elem);
	if (p == NULL)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

int sim_fabric_add_host(struct sim_fabric *f, const struct sim_link *link)
{
	if (grow((void **)&f->hosts, &f->caphosts, f->nhosts, sizeof *f->hosts) != 0)
		return -1;
	struct sim_fhost *h = &f->hosts[f->nhosts];
	memset(h, 0, sizeof *h);
	h->link = *link;
	return (int)f->nhosts++;
}

static struct sim_iface *find_iface(struct sim_fabric *f, unsigned realm,
                                    const struct zt_endpoint *ep)
{
	for (size_t i = 0; i < f->nifaces; i++)
		if (f->ifaces[i].realm == realm && same_ep(&f->ifaces[i].ep, ep))
			return &f->ifaces[i];
	return NULL;
}

static int find_nat_public(const struct sim_fabric *f, unsigned realm, const struct zt_endpoint *ep)
{
	for (size_t i = 0; i < f->nnats; i++)
		if (f->nats[i].outside == realm && same_ip(&f->nats[i].pub, ep))
			return (int)i;
	return -1;
}

const struct sim_iface *sim_fabric_iface(const struct sim_fabric *f, int host, int64_t sock)
{
	for (size_t i = 0; i < f->nifaces; i++)
		if (f->ifaces[i].host == host && f->ifaces[i].sock == sock)
			return &f->ifaces[i];
	return NULL;
}

int sim_fabric_add_iface(struct sim_fabric *f, int host, int64_t sock, unsigned realm,
                         const struct zt_endpoint *ep)
{
	if (host < 0 || (size_t)host >= f->nhosts || realm > f->nnats)
		return -1;
	if (sim_fabric_iface(f, host, sock) != NULL || find_iface(f, realm, ep) != NULL)
		return -1;
	if (grow((void **)&f->ifaces, &f->capifaces, f->nifaces, sizeof *f->ifaces) != 0)
		return -1;
	struct sim_iface *i = &f->ifaces[f->nifaces++];
	i->host = host;
	i->sock = sock;
	i->realm = realm;
	i->ep = *ep;
	return 0;
}

int sim_fabric_move_iface(struct sim_fabric *f, int host, int64_t sock, unsigned realm,
                          const struct zt_endpoint *ep)
{
	struct sim_iface *i = (struct sim_iface *)sim_fabric_iface(f, host, sock);
	if (i == NULL || realm > f->nnats)
		return -1;
	struct sim_iface *other = find_iface(f, realm, ep);
	if (other != NULL && other != i)
		return -1;
	i->realm = realm;
	i->ep = *ep;
	return 0;
}

int sim_fabric_del_iface(struct sim_fabric *f, int host, int64_t sock)
{
	struct sim_iface *i = (struct sim_iface *)sim_fabric_iface(f, host, sock);
	if (i == NULL)
		return -1;
	*i = f->ifaces[--f->nifaces];
	return 0;
}

void sim_fabric_set_down(struct sim_fabric *f, int host, bool down)
{
	if (host >= 0 && (size_t)host < f->nhosts)
		f->hosts[host].down = down;
}

void sim_fabric_set_link(struct sim_fabric *f, int host, const struct sim_link *link)
{
	if (host >= 0 && (size_t)host < f->nhosts)
		f->hosts[host].link = *link;
}

void sim_fabric_set_receiver(struct sim_fabric *f, int host, sim_recv_fn recv, void *ctx)
{
	if (host >= 0 && (size_t)host < f->nhosts) {
		f->hosts[host].recv = recv;
		f->hosts[host].recv_ctx = ctx;
	}
}

unsigned sim_fabric_add_nat(struct sim_fabric *f, unsigned outside, const struct zt_endpoint *pub,
                            const struct sim_link *link, bool hairpin,
                            const struct sim_nat_ops *ops, void *state)
{
	if (outside > f->nnats || find_nat_public(f, outside, pub) >= 0)
		return 0;
	if (grow((void **)&f->nats, &f->capnats, f->nnats, sizeof *f->nats) != 0)
		return 0;
	struct sim_natbox *b = &f->nats[f->nnats++];
	b->outside = outside;
	b->inside = (unsigned)f->nnats;
	b->pub = *pub;
	b->link = *link;
	b->hairpin = hairpin;
	b->ops = ops;
	b->state = state;
	return b->inside;
}

/* ---- the datagram's journey ---- */

static void view(const struct pkt *p, struct sim_dgram *d)
{
	d->src_host = p->src_host;
	d->dst_host = p->dst_host;
	d->from = p->from;
	d->to = p->to;
	d->data = p->data;
	d->len = p->len;
}

static void observe(struct sim_fabric *f, enum sim_fate fate, const struct pkt *p)
{
	f->count[fate]++;
	if (f->hooks.observe != NULL) {
		struct sim_dgram d;
		view(p, &d);
		f->hooks.observe(f->hooks.ctx, fate, &d);
	}
}

static void drop(struct pkt *p, enum sim_fate fate)
{
	struct sim_fabric *f = p->f;
	observe(f, fate, p);
	f->in_flight--;
	free(p);
}

/* Cross one element's link: false if it lost the datagram, else the
 * delay it adds. */
static bool cross(struct sim_fabric *f, const struct sim_link *l, int64_t *t)
{
	if (sim_rng_chance(&f->rng, l->loss_ppm))
		return false;
	*t += l->latency_ms;
	if (l->jitter_ms > 0)
		*t += (int64_t)sim_rng_below(&f->rng, (uint64_t)l->jitter_ms + 1);
	return true;
}

static void on_event(struct sim_clock *c, void *arg, bool cancelled);

static void schedule(struct pkt *p, enum stage stage, int64_t t)
{
	p->stage = stage;
	if (sim_clock_at(p->f->clock, t, on_event, p) != 0)
		drop(p, SIM_LOST); /* out of memory: the network lost it */
}

/* The datagram is in p->realm at time t, headed for p->to. */
static void forward(struct pkt *p, int64_t t)
{
	struct sim_fabric *f = p->f;
	struct sim_iface *i = find_iface(f, p->realm, &p->to);
	if (i != NULL) {
		p->dst_host = i->host;
		p->dst_sock = i->sock;
		if (!cross(f, &f->hosts[i->host].link, &t)) {
			drop(p, SIM_LOST);
			return;
		}
		schedule(p, AT_HOST, t);
		return;
	}
	int k = find_nat_public(f, p->realm, &p->to);
	if (k >= 0) {
		if (k == p->last_out_nat && !f->nats[k].hairpin) {
			drop(p, SIM_NAT_DROP);
			return;
		}
		if (!cross(f, &f->nats[k].link, &t)) {
			drop(p, SIM_LOST);
			return;
		}
		p->nat = k;
		schedule(p, AT_NAT_IN, t);
		return;
	}
	if (p->realm != 0) {
		p->nat = (int)p->realm - 1;
		schedule(p, AT_NAT_OUT, t);
		return;
	}
	drop(p, SIM_NO_ROUTE);
}

static void on_event(struct sim_clock *c, void *arg, bool cancelled)
{
	struct pkt *p = arg;
	struct sim_fabric *f = p->f;
	if (cancelled) {
		f->in_flight--;
		free(p);
		return;
	}
	struct sim_natbox *b = p->nat >= 0 ? &f->nats[p->nat] : NULL;
	switch (p->stage) {
	case AT_NAT_OUT: {
		if (!b->ops->outbound(b->state, c->now, &p->from, &p->to)) {
			drop(p, SIM_NAT_DROP);
			return;
		}
		p->last_out_nat = p->nat;
		p->realm = b->outside;
		int64_t t = c->now;
		if (!cross(f, &b->link, &t)) {
			drop(p, SIM_LOST);
			return;
		}
		p->nat = -1;
		forward(p, t);
		return;
	}
	case AT_NAT_IN:
		if (!b->ops->inbound(b->state, c->now, &p->from, &p->to)) {
			drop(p, SIM_NAT_DROP);
			return;
		}
		p->realm = b->inside;
		p->nat = -1;
		forward(p, c->now);
		return;
	case AT_HOST: break;
	}
	if (f->hosts[p->dst_host].down) {
		drop(p, SIM_HOST_DOWN);
		return;
	}
	struct sim_dgram d;
	view(p, &d);
	if (f->hooks.filter != NULL && !f->hooks.filter(f->hooks.ctx, &d)) {
		drop(p, SIM_FILTERED);
		return;
	}
	observe(f, SIM_DELIVERED, p);
	f->in_flight--;
	/* The handler may send (and so schedule) but the datagram is ours
	 * until it returns. */
	if (f->hosts[p->dst_host].recv != NULL)
		f->hosts[p->dst_host].recv(f->hosts[p->dst_host].recv_ctx, p->dst_sock, &p->from,
		                           p->data, p->len);
	else
		f->hooks.deliver(f->hooks.ctx, p->dst_host, p->dst_sock, &p->from, p->data, p->len);
	free(p);
}

static int launch(struct sim_fabric *f, const struct sim_iface *src, const struct zt_endpoint *to,
                  const void *pkt, size_t len, bool is_dup, bool spoofed)
{
	struct pkt *p = malloc(sizeof *p + len);
	if (p == NULL)
		return -1;
	p->f = f;
	p->src_host = src->host;
	p->dst_host = -1;
	p->dst_sock = -1;
	p->realm = src->realm;
	p->nat = -1;
	p->last_out_nat = -1;
	p->from = src->ep;
	p->to = *to;
	p->len = len;
	if (len > 0)
		memcpy(p->data, pkt, len);
	f->in_flight++;
	sim_acct_add(&f->acct, src->host, spoofed, &src->ep, to, len);
	observe(f, is_dup ? SIM_DUPLICATED : SIM_SENT, p);
	if (f->hosts[src->host].down) {
		drop(p, SIM_HOST_DOWN);
		return 0;
	}
	int64_t t = f->clock->now;
	if (!cross(f, &f->hosts[src->host].link, &t)) {
		drop(p, SIM_LOST);
		return 0;
	}
	forward(p, t);
	return 0;
}

int sim_fabric_send(struct sim_fabric *f, int host, int64_t sock, const struct zt_endpoint *to,
                    const void *pkt, size_t len)
{
	const struct sim_iface *src = sim_fabric_iface(f, host, sock);
	if (src == NULL)
		return -1;
	if (launch(f, src, to, pkt, len, false, false) != 0)
		return -1;
	if (sim_rng_chance(&f->rng, f->hosts[host].link.dup_ppm))
		(void)launch(f, src, to, pkt, len, true, false);
	return 0;
}

int sim_fabric_send_as(struct sim_fabric *f, int host, int64_t sock, const struct zt_endpoint *from,
                       const struct zt_endpoint *to, const void *pkt, size_t len)
{
	const struct sim_iface *real = sim_fabric_iface(f, host, sock);
	struct sim_iface src;
	if (real == NULL)
		return -1;
	src = *real;
	src.ep = *from;
	return launch(f, &src, to, pkt, len, false, !same_ep(from, &real->ep));
}
