/* SPDX-License-Identifier: MIT */
/*
 * world.c - build and run a simulated deployment (see world.h).
 */
#include "world.h"

#include "nat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- fabric hooks ---- */

static void hook_deliver(void *ctx, int host, int64_t sock, const struct zt_endpoint *from,
                         const void *pkt, size_t len)
{
	struct sim_world *w = ctx;
	if (host >= 0 && (unsigned)host < w->nby_index && w->by_index[host] != NULL)
		sim_host_wire_in(w->by_index[host], sock, from, pkt, len);
}

static void hook_observe(void *ctx, enum sim_fate fate, const struct sim_dgram *d)
{
	struct sim_world *w = ctx;
	int node = fate == SIM_DELIVERED ? d->dst_host : d->src_host;
	sim_trace_add(&w->trace, w->clock.now, node, SIM_TR_WIRE, (unsigned)fate, d->data, d->len);
	if (w->tap != NULL)
		w->tap(w->tap_ctx, fate, d);
}

static bool hook_filter(void *ctx, const struct sim_dgram *d)
{
	struct sim_world *w = ctx;
	return w->filter == NULL || w->filter(w->filter_ctx, d);
}

/* ---- building ---- */

static int push_host(struct sim_world *w, struct sim_host *h)
{
	if (w->nhosts == w->caphosts) {
		unsigned ncap = w->caphosts ? w->caphosts * 2 : 64;
		struct sim_host **nh = realloc(w->hosts, ncap * sizeof *nh);
		if (nh == NULL)
			return -1;
		w->hosts = nh;
		w->caphosts = ncap;
	}
	/* Host indices come from the fabric, which also has hosts that are
	 * no node: deliveries find the node through by_index. */
	if (h->index < 0)
		return -1;
	if ((unsigned)h->index >= w->nby_index) {
		unsigned n = (unsigned)h->index + 1;
		struct sim_host **nb = realloc(w->by_index, n * sizeof *nb);
		if (nb == NULL)
			return -1;
		memset(nb + w->nby_index, 0, (n - w->nby_index) * sizeof *nb);
		w->by_index = nb;
		w->nby_index = n;
	}
	w->by_index[h->index] = h;
	w->hosts[w->nhosts++] = h;
	return 0;
}

static int make_roots_file(struct sim_world *w, char *err, size_t errlen)
{
	struct zt_roots def;
	char text[8192];
	int rc;

	memset(&def, 0, sizeof def);
	rc = zt_identity_generate(&w->signer, sim_rng_bytes, &w->rng);
	if (rc != ZT_OK) {
		snprintf(err, errlen, "signer identity: %s", zt_strerror(rc));
		return rc;
	}
	def.timestamp = w->clock.now;
	for (unsigned i = 0; i < w->nroots; i++) {
		const struct sim_host *r = w->hosts[i];
		const struct sim_iface *ifc = sim_fabric_iface(&w->fabric, r->index, SIM_SOCK);
		struct zt_root_def *rd = &def.roots[def.count++];
		rd->id = r->id;
		memset(rd->id.sk, 0, sizeof rd->id.sk);
		rd->id.has_secret = false;
		rd->endpoints[0] = ifc->ep;
		rd->endpoint_count = 1;
	}
	rc = zt_roots_write(&def, &w->signer, text, sizeof text);
	if (rc < 0) {
		snprintf(err, errlen, "zt_roots_write: %s", zt_strerror(rc));
		return rc;
	}
	rc = zt_roots_parse(&w->roots, text, (size_t)rc, w->signer.pk);
	if (rc != ZT_OK) {
		snprintf(err, errlen, "zt_roots_parse of our own file: %s", zt_strerror(rc));
		return rc;
	}
	if (w->roots.count != w->nroots) {
		snprintf(err, errlen, "roots file round trip: %u roots, wanted %u", w->roots.count,
		         w->nroots);
		return ZT_EINVAL;
	}
	for (unsigned i = 0; i < w->nroots; i++) {
		if (w->roots.roots[i].id.address != w->hosts[i]->id.address ||
		    w->roots.roots[i].endpoint_count != 1) {
			snprintf(err, errlen, "roots file round trip changed root %u", i);
			return ZT_EINVAL;
		}
	}
	return ZT_OK;
}

struct sim_host *sim_world_add_member(struct sim_world *w, unsigned realm,
                                      const struct zt_endpoint *ep)
{
	struct sim_host *h;
	unsigned m = w->nhosts - w->nroots;
	struct zt_endpoint auto_ep =
	    sim_ep4(198, (uint8_t)(18 + m / 50000), (uint8_t)(m / 200 % 250),
	            (uint8_t)(m % 200 + 1), SIM_PORT);
	if (sim_host_new(&h, &w->clock, &w->fabric, &w->trace, w->seed, 0, &w->member_link,
	                 w->alloc) != ZT_OK)
		return NULL;
	if (push_host(w, h) != 0) {
		sim_host_free(h);
		return NULL;
	}
	if (sim_host_add_socket(h, SIM_SOCK, realm, ep ? ep : &auto_ep) != ZT_OK)
		return NULL;
	if (sim_host_set_roots(h, &w->roots) != ZT_OK)
		return NULL;
	if (w->nwid != 0 && sim_host_join(h, w->nwid) != ZT_OK)
		return NULL;
	return h;
}

struct sim_host *sim_world_add_natted_member(struct sim_world *w, const struct sim_nat_cfg *cfg,
                                             const struct sim_link *nat_link)
{
	unsigned k = (unsigned)w->fabric.nnats;
	struct zt_endpoint pub = sim_ep4(198, 19, (uint8_t)(k / 250), (uint8_t)(k % 250 + 1), 0);
	struct zt_endpoint inside = sim_ep4(10, 0, 0, 2, SIM_PORT);
	unsigned realm = sim_nat_add(&w->fabric, 0, &pub, nat_link, cfg, w->seed);
	if (realm == 0)
		return NULL;
	return sim_world_add_member(w, realm, &inside);
}

int sim_world_new(struct sim_world **out, const struct sim_world_cfg *cfg, char *err, size_t errlen)
{
	struct sim_world *w = calloc(1, sizeof *w);
	int rc;

	*out = NULL;
	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return ZT_ENOMEM;
	}
	snprintf(w->name, sizeof w->name, "%s", cfg->name ? cfg->name : "sim");
	w->seed = cfg->seed;
	w->nwid = cfg->nwid;
	w->member_link = cfg->member_link;
	w->alloc = cfg->alloc;
	if (w->alloc != NULL)
		w->alloc->now = &w->clock.now; /* to stamp a failure */
	sim_clock_init(&w->clock, SIM_EPOCH);
	struct sim_fabric_hooks hooks = {
	    .ctx = w,
	    .deliver = hook_deliver,
	    .observe = hook_observe,
	    .filter = hook_filter,
	};
	sim_fabric_init(&w->fabric, &w->clock, cfg->seed, &hooks);
	char label[64];
	snprintf(label, sizeof label, "%s seed=%llu", w->name, (unsigned long long)cfg->seed);
	sim_trace_init(&w->trace, label);
	sim_rng_init(&w->rng, cfg->seed, SIM_STREAM_WORLD);

	if (cfg->roots == 0 || cfg->roots > ZT_MAX_ROOTS) {
		snprintf(err, errlen, "roots must be 1..%d", ZT_MAX_ROOTS);
		rc = ZT_EINVAL;
		goto fail;
	}
	for (unsigned i = 0; i < cfg->roots; i++) {
		struct sim_host *h;
		struct zt_endpoint ep = sim_ep4(203, 0, 113, (uint8_t)(i + 1), SIM_PORT);
		rc = sim_host_new(&h, &w->clock, &w->fabric, &w->trace, cfg->seed, ZT_NODE_ROOT,
		                  &cfg->root_link, w->alloc);
		if (rc != ZT_OK) {
			snprintf(err, errlen, "root %u: %s", i, zt_strerror(rc));
			goto fail;
		}
		if (push_host(w, h) != 0) {
			sim_host_free(h);
			snprintf(err, errlen, "out of memory");
			rc = ZT_ENOMEM;
			goto fail;
		}
		rc = sim_host_add_socket(h, SIM_SOCK, 0, &ep);
		if (rc != ZT_OK) {
			snprintf(err, errlen, "root %u socket: %s", i, zt_strerror(rc));
			goto fail;
		}
		w->nroots++;
	}
	rc = make_roots_file(w, err, errlen);
	if (rc != ZT_OK)
		goto fail;
	if (cfg->set_roots_on_roots) {
		for (unsigned i = 0; i < w->nroots; i++) {
			rc = sim_host_set_roots(w->hosts[i], &w->roots);
			if (rc != ZT_OK) {
				snprintf(err, errlen, "root %u set_roots: %s", i, zt_strerror(rc));
				goto fail;
			}
		}
	}
	for (unsigned i = 0; i < cfg->members; i++) {
		if (sim_world_add_member(w, 0, NULL) == NULL) {
			char e[96];
			sim_world_api_errors(w, e, sizeof e);
			snprintf(err, errlen, "member %u: %s", i, e[0] ? e : "could not create");
			rc = ZT_EINVAL;
			goto fail;
		}
	}
	*out = w;
	return ZT_OK;
fail:
	sim_world_free(w);
	return rc;
}

void sim_world_free(struct sim_world *w)
{
	if (w == NULL)
		return;
	/* Clock first: cancelled events release their datagrams and timers
	 * without touching the hosts. */
	sim_clock_destroy(&w->clock);
	for (unsigned i = 0; i < w->nhosts; i++)
		sim_host_free(w->hosts[i]);
	free(w->hosts);
	free(w->by_index);
	sim_fabric_destroy(&w->fabric);
	sim_trace_close(&w->trace);
	zt_identity_wipe(&w->signer);
	free(w);
}

/* ---- access and running ---- */

unsigned sim_world_members(const struct sim_world *w)
{
	return w->nhosts - w->nroots;
}

struct sim_host *sim_world_member(const struct sim_world *w, unsigned i)
{
	return i < sim_world_members(w) ? w->hosts[w->nroots + i] : NULL;
}

struct sim_host *sim_world_root(const struct sim_world *w, unsigned i)
{
	return i < w->nroots ? w->hosts[i] : NULL;
}

int sim_world_member_by_address(const struct sim_world *w, uint64_t address)
{
	for (unsigned i = w->nroots; i < w->nhosts; i++)
		if (w->hosts[i]->id.address == address)
			return (int)(i - w->nroots);
	return -1;
}

void sim_world_run_for(struct sim_world *w, int64_t ms)
{
	sim_clock_run_until(&w->clock, w->clock.now + ms);
}

bool sim_world_run_until(struct sim_world *w, int64_t limit_ms, bool (*done)(void *ctx), void *ctx)
{
	return sim_clock_run_while(&w->clock, w->clock.now + limit_ms, done, ctx);
}

int64_t sim_world_elapsed(const struct sim_world *w)
{
	return w->clock.now - SIM_EPOCH;
}

uint64_t sim_world_api_errors(const struct sim_world *w, char *buf, size_t len)
{
	uint64_t total = 0;
	if (len > 0)
		buf[0] = '\0';
	for (unsigned i = 0; i < w->nhosts; i++) {
		const struct sim_host *h = w->hosts[i];
		if (h->api_errors > 0 && total == 0 && len > 0)
			snprintf(buf, len, "%s: %s returned %s", h->name,
			         h->last_error_call ? h->last_error_call : "?",
			         zt_strerror(h->last_error));
		total += h->api_errors;
	}
	return total;
}

unsigned sim_world_online(const struct sim_world *w)
{
	unsigned n = 0;
	for (unsigned i = w->nroots; i < w->nhosts; i++)
		if (zt_node_online(w->hosts[i]->node))
			n++;
	return n;
}
