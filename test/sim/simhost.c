/* SPDX-License-Identifier: MIT */
/*
 * simhost.c - the zt_host implementation for a simulated node.
 */
#include "simhost.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the callbacks the node sees ---- */

static int cb_wire_send(void *ctx, int64_t sock, const struct zt_endpoint *to, const void *pkt,
                        size_t len)
{
	struct sim_host *h = ctx;
	if (h->dead)
		return 0;
	return sim_fabric_send(h->fabric, h->index, sock, to, pkt, len) == 0 ? 0 : -1;
}

static void cb_frame_out(void *ctx, uint64_t nwid, const uint8_t *frame, size_t len)
{
	struct sim_host *h = ctx;
	sim_trace_add(h->trace, h->clock->now, h->index, SIM_TR_FRAME_RECV, 0, frame, len);
	if (h->nframes == h->capframes) {
		size_t ncap = h->capframes ? h->capframes * 2 : 64;
		struct sim_frame_rec *nf = realloc(h->frames, ncap * sizeof *nf);
		if (nf == NULL)
			goto oom;
		h->frames = nf;
		h->capframes = ncap;
	}
	struct sim_frame_rec *r = &h->frames[h->nframes];
	r->data = malloc(len ? len : 1);
	if (r->data == NULL)
		goto oom;
	memcpy(r->data, frame, len);
	r->at = h->clock->now;
	r->nwid = nwid;
	r->len = len;
	h->nframes++;
	return;
oom:
	fprintf(stderr, "sim: out of memory recording a frame\n");
	abort();
}

static void cb_net_update(void *ctx, enum zt_net_op op, const struct zt_network_info *info)
{
	struct sim_host *h = ctx;
	unsigned char rec[8 + 1];
	for (int i = 0; i < 8; i++)
		rec[i] = (unsigned char)(info->nwid >> (8 * i));
	rec[8] = (unsigned char)info->status;
	sim_trace_add(h->trace, h->clock->now, h->index, SIM_TR_NET, (unsigned)op, rec, sizeof rec);
	if (h->nnets == h->capnets) {
		size_t ncap = h->capnets ? h->capnets * 2 : 8;
		struct sim_net_rec *nn = realloc(h->nets, ncap * sizeof *nn);
		if (nn == NULL) {
			fprintf(stderr, "sim: out of memory recording a network update\n");
			abort();
		}
		h->nets = nn;
		h->capnets = ncap;
	}
	h->nets[h->nnets].at = h->clock->now;
	h->nets[h->nnets].op = op;
	h->nets[h->nnets].info = *info;
	h->nnets++;
}

static void cb_random(void *ctx, void *buf, size_t len)
{
	struct sim_host *h = ctx;
	sim_rng_bytes(&h->rng, buf, len);
}

static void cb_event(void *ctx, enum zt_event ev, const void *info)
{
	struct sim_host *h = ctx;
	unsigned char rec[5] = {0};
	size_t n = 0;
	if ((ev == ZT_EVENT_PATH_DIRECT || ev == ZT_EVENT_PATH_RELAY) && info != NULL) {
		const struct zt_peer_info *p = info;
		for (int i = 0; i < 5; i++)
			rec[i] = (unsigned char)(p->address >> (8 * (4 - i)));
		n = sizeof rec;
	}
	sim_trace_add(h->trace, h->clock->now, h->index, SIM_TR_EVENT, (unsigned)ev, rec, n);
	if ((unsigned)ev < SIM_EVENT_KINDS)
		h->events[ev]++;
}

static void cb_log(void *ctx, enum zt_log_level level, const char *msg)
{
	struct sim_host *h = ctx;
	if (h->log)
		printf("  [%lld.%03lld %s L%d] %s\n",
		       (long long)((h->clock->now - SIM_EPOCH) / 1000),
		       (long long)((h->clock->now - SIM_EPOCH) % 1000), h->name, (int)level, msg);
}

static enum zt_netconf_verdict
cb_netconf(void *ctx, int64_t now, const struct zt_netconf_request *req, struct zt_netconf *conf)
{
	struct sim_host *h = ctx;
	if (h->netconf == NULL)
		return ZT_NETCONF_IGNORE;
	h->netconf_requests++;
	return h->netconf(h->netconf_ctx, now, req, conf);
}

/* Extra sockets: same address as the host's first socket, the next
 * ephemeral ports, ids from 100 up. */
static unsigned cb_sockets_open(void *ctx, int family, unsigned count, int64_t *out)
{
	struct sim_host *h = ctx;
	const struct sim_iface *base = sim_fabric_iface(h->fabric, h->index, 1);
	struct sim_iface first;
	unsigned got = 0;

	if (base == NULL || base->ep.family != family)
		return 0;
	/* A copy: adding interfaces may move the fabric's array. */
	first = *base;
	base = &first;
	if (h->next_sock == 0) {
		h->next_sock = 100;
		h->next_port = 40000;
	}
	while (got < count) {
		struct zt_endpoint ep = base->ep;
		ep.port = h->next_port++;
		if (h->next_port < 40000)
			h->next_port = 40000;
		if (sim_fabric_add_iface(h->fabric, h->index, h->next_sock, base->realm, &ep) != 0)
			break;
		out[got++] = h->next_sock++;
	}
	h->extra_open += got;
	h->extra_opened += got;
	return got;
}

static void cb_socket_close(void *ctx, int64_t sock)
{
	struct sim_host *h = ctx;
	if (sim_fabric_del_iface(h->fabric, h->index, sock) == 0)
		h->extra_open--;
}

static int64_t cb_tcp_open(void *ctx, const struct zt_endpoint *to)
{
	struct sim_host *h = ctx;
	(void)to;
	h->tcp_opens++;
	return -1;
}

/* ---- background timer ---- */

struct bg_ev {
	struct sim_host *h;
	int64_t at;
};

static void schedule_bg(struct sim_host *h, int64_t deadline);
static int make_node(struct sim_host *h, unsigned flags);

static void on_bg(struct sim_clock *c, void *arg, bool cancelled)
{
	struct bg_ev *e = arg;
	struct sim_host *h = e->h;
	int64_t at = e->at;
	free(e);
	if (cancelled || h->dead || at != h->bg_at)
		return; /* superseded by an earlier deadline */
	h->bg_at = INT64_MAX;
	h->bg_calls++;
	int64_t next = 0;
	struct sim_pk mark = sim_pk_total;
	int rc = zt_node_process_background(h->node, c->now, &next);
	sim_pk_charge(&h->pk, &mark);
	unsigned char rec[8];
	for (int i = 0; i < 8; i++)
		rec[i] = (unsigned char)((uint64_t)(next - c->now) >> (8 * i));
	sim_trace_add(h->trace, c->now, h->index, SIM_TR_BACKGROUND, (unsigned)-rc, rec,
	              sizeof rec);
	if (rc != ZT_OK) {
		h->api_errors++;
		h->last_error = rc;
		h->last_error_call = "zt_node_process_background";
	}
	schedule_bg(h, next);
}

static void schedule_bg(struct sim_host *h, int64_t deadline)
{
	if (h->dead)
		return;
	int64_t min = h->clock->now + 1;
	if (deadline < min)
		deadline = min;
	if (deadline >= h->bg_at)
		return; /* an earlier (or the same) call is already due */
	struct bg_ev *e = malloc(sizeof *e);
	if (e == NULL || sim_clock_at(h->clock, deadline, on_bg, e) != 0) {
		fprintf(stderr, "sim: out of memory scheduling a timer\n");
		abort();
	}
	e->h = h;
	e->at = deadline;
	h->bg_at = deadline;
}

static int after_call(struct sim_host *h, const char *call, int rc, int64_t deadline)
{
	if (rc != ZT_OK) {
		h->api_errors++;
		h->last_error = rc;
		h->last_error_call = call;
	}
	schedule_bg(h, deadline);
	return rc;
}

/* ---- lifecycle ---- */

static void *cb_alloc(void *ctx, size_t size)
{
	struct sim_host *h = ctx;
	return sim_alloc_get(h->alloc, size);
}

static void cb_free(void *ctx, void *ptr)
{
	struct sim_host *h = ctx;
	sim_alloc_put(h->alloc, ptr);
}

int sim_host_new(struct sim_host **out, struct sim_clock *clock, struct sim_fabric *fabric,
                 struct sim_trace *trace, uint64_t seed, unsigned flags,
                 const struct sim_link *link, struct sim_alloc *alloc)
{
	*out = NULL;
	struct sim_host *h = calloc(1, sizeof *h);
	if (h == NULL)
		return ZT_ENOMEM;
	h->index = sim_fabric_add_host(fabric, link);
	if (h->index < 0) {
		free(h);
		return ZT_ENOMEM;
	}
	h->clock = clock;
	h->fabric = fabric;
	h->trace = trace;
	h->is_root = (flags & ZT_NODE_ROOT) != 0;
	h->bg_at = INT64_MAX;
	h->alloc = alloc;
	const char *lg = getenv("ZT_SIM_LOG");
	h->log = lg != NULL && *lg != '\0' && *lg != '0';
	sim_rng_init(&h->rng, seed, SIM_STREAM_NODE + (uint64_t)h->index);
	int rc = zt_identity_generate(&h->id, sim_rng_bytes, &h->rng);
	if (rc != ZT_OK) {
		free(h);
		return rc;
	}
	snprintf(h->name, sizeof h->name, "%s%d", h->is_root ? "r" : "n", h->index);
	rc = make_node(h, flags);
	if (rc != ZT_OK) {
		zt_identity_wipe(&h->id);
		free(h);
		return rc;
	}
	schedule_bg(h, clock->now);
	*out = h;
	return ZT_OK;
}

/* The node of h, with h's identity and callbacks. */
static int make_node(struct sim_host *h, unsigned flags)
{
	struct zt_host host = {
	    .version = ZT_HOST_VERSION,
	    .ctx = h,
	    .wire_send = cb_wire_send,
	    .frame_out = cb_frame_out,
	    .net_update = cb_net_update,
	    .random = cb_random,
	    .event = cb_event,
	    .log = cb_log,
	    .netconf_request = cb_netconf,
	    .sockets_open = cb_sockets_open,
	    .socket_close = cb_socket_close,
	    .alloc = h->alloc != NULL ? cb_alloc : NULL,
	    .free = h->alloc != NULL ? cb_free : NULL,
	    .tcp_open = cb_tcp_open,
	};
	return zt_node_new(&h->node, &host, &h->id, flags, h->clock->now);
}

int sim_host_restart(struct sim_host *h, int64_t sock, const struct zt_endpoint *ep,
                     const struct zt_roots *roots)
{
	int rc;

	zt_node_free(h->node);
	h->node = NULL;
	rc = make_node(h, h->is_root ? ZT_NODE_ROOT : 0);
	if (rc != ZT_OK)
		return rc;
	h->bg_at = INT64_MAX; /* the old node's timer is superseded */
	rc = zt_node_add_socket(h->node, sock, ep->family);
	if (rc == ZT_OK)
		rc = zt_node_set_local_endpoints(h->node, ep, 1);
	if (rc == ZT_OK)
		rc = zt_node_set_roots(h->node, h->clock->now, roots);
	return after_call(h, "sim_host_restart", rc, h->clock->now);
}

void sim_host_free(struct sim_host *h)
{
	if (h == NULL)
		return;
	zt_node_free(h->node);
	for (size_t i = 0; i < h->nframes; i++)
		free(h->frames[i].data);
	free(h->frames);
	free(h->nets);
	zt_identity_wipe(&h->id);
	free(h);
}

int sim_host_add_socket(struct sim_host *h, int64_t sock, unsigned realm,
                        const struct zt_endpoint *ep)
{
	if (sim_fabric_add_iface(h->fabric, h->index, sock, realm, ep) != 0)
		return ZT_EEXIST;
	int rc = zt_node_add_socket(h->node, sock, ep->family);
	/* Its own address is what the shell would find on its interface. */
	if (rc == ZT_OK)
		rc = zt_node_set_local_endpoints(h->node, ep, 1);
	return after_call(h, "zt_node_add_socket", rc, h->clock->now);
}

/* ---- calls into the node ---- */

int sim_host_set_roots(struct sim_host *h, const struct zt_roots *roots)
{
	if (h->dead)
		return ZT_OK;
	struct sim_pk mark = sim_pk_total;
	int rc = zt_node_set_roots(h->node, h->clock->now, roots);
	sim_pk_charge(&h->pk, &mark);
	/* set_roots returns no deadline: have the node's timers look now. */
	return after_call(h, "zt_node_set_roots", rc, h->clock->now);
}

int sim_host_join(struct sim_host *h, uint64_t nwid)
{
	if (h->dead)
		return ZT_OK;
	struct sim_pk mark = sim_pk_total;
	int rc = zt_node_join(h->node, h->clock->now, nwid);
	sim_pk_charge(&h->pk, &mark);
	return after_call(h, "zt_node_join", rc, h->clock->now);
}

int sim_host_leave(struct sim_host *h, uint64_t nwid)
{
	if (h->dead)
		return ZT_OK;
	int rc = zt_node_leave(h->node, h->clock->now, nwid);
	return after_call(h, "zt_node_leave", rc, h->clock->now);
}

int sim_host_send_frame(struct sim_host *h, uint64_t nwid, const uint8_t *frame, size_t len)
{
	if (h->dead)
		return ZT_OK;
	sim_trace_add(h->trace, h->clock->now, h->index, SIM_TR_FRAME_SENT, 0, frame, len);
	int64_t next = INT64_MAX;
	struct sim_pk mark = sim_pk_total;
	int rc = zt_node_process_frame(h->node, h->clock->now, nwid, frame, len, &next);
	sim_pk_charge(&h->pk, &mark);
	return after_call(h, "zt_node_process_frame", rc, next);
}

void sim_host_wire_in(struct sim_host *h, int64_t sock, const struct zt_endpoint *from,
                      const void *pkt, size_t len)
{
	if (h->dead)
		return;
	int64_t next = INT64_MAX;
	struct sim_pk mark = sim_pk_total;
	int rc = zt_node_process_wire(h->node, h->clock->now, sock, from, pkt, len, &next);
	sim_pk_charge(&h->pk, &mark);
	after_call(h, "zt_node_process_wire", rc, next);
}

void sim_host_kill(struct sim_host *h)
{
	h->dead = true;
	h->bg_at = INT64_MAX;
	sim_fabric_set_down(h->fabric, h->index, true);
}

/* ---- inspection ---- */

bool sim_host_peer(const struct sim_host *h, uint64_t address, struct zt_peer_info *out)
{
	struct zt_peer_info buf[64];
	size_t n = zt_node_peers(h->node, h->clock->now, buf, 64);
	struct zt_peer_info *all = buf;
	if (n > 64) {
		all = calloc(n, sizeof *all);
		if (all == NULL)
			return false;
		n = zt_node_peers(h->node, h->clock->now, all, n);
	}
	bool found = false;
	for (size_t i = 0; i < n && !found; i++) {
		if (all[i].address == address) {
			*out = all[i];
			found = true;
		}
	}
	if (all != buf)
		free(all);
	return found;
}

uint64_t sim_host_address(const struct sim_host *h)
{
	return h->id.address;
}

void sim_host_clear_frames(struct sim_host *h)
{
	for (size_t i = 0; i < h->nframes; i++)
		free(h->frames[i].data);
	h->nframes = 0;
}
