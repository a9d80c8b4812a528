/* SPDX-License-Identifier: MIT */
/*
 * peer.c - the peer table, per-peer paths and keypairs.
 *
 * A peer has at most ZT_PEER_MAX_PATHS direct paths: endpoints it was heard
 * from (confirmed: last_rx set) and candidates learnt from a root (WHOIS,
 * RENDEZVOUS) that are probed until they answer or are forgotten.  Relaying
 * is not a path of the peer: it is "send to the best root", decided at send
 * time.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "node_int.h"
#include "util.h"

static size_t bucket_of(const struct zt_node *n, uint64_t address)
{
	/* Addresses are hash outputs already: the low bits are uniform. */
	return (size_t)(address * 0x9e3779b97f4a7c15ULL >> 20) & (n->bucket_count - 1);
}

struct zt_peer *zt_peer_find(const struct zt_node *n, uint64_t address)
{
	struct zt_peer *p = n->buckets[bucket_of(n, address)];
	while (p != NULL && p->address != address)
		p = p->hnext;
	return p;
}

static void grow(struct zt_node *n)
{
	size_t nc = n->bucket_count * 2;
	struct zt_peer **nb = calloc(nc, sizeof *nb);
	struct zt_peer **old = n->buckets;
	size_t oc = n->bucket_count;

	if (nb == NULL)
		return; /* keep the old table; chains just get longer */
	n->buckets = nb;
	n->bucket_count = nc;
	for (size_t i = 0; i < oc; i++) {
		struct zt_peer *p = old[i], *next;
		for (; p != NULL; p = next) {
			size_t b = bucket_of(n, p->address);
			next = p->hnext;
			p->hnext = nb[b];
			nb[b] = p;
		}
	}
	free(old);
}

struct zt_peer *zt_peer_get(struct zt_node *n, int64_t now, uint64_t address)
{
	struct zt_peer *p = zt_peer_find(n, address);
	size_t b;

	if (p != NULL)
		return p;
	if (n->peer_count >= n->max_peers || address == n->id.address)
		return NULL;
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return NULL;
	p->address = address;
	p->created = now;
	p->rtt = -1;
	p->tcp_sock = -1;
	if (n->peer_count >= n->bucket_count * 2)
		grow(n);
	b = bucket_of(n, address);
	p->hnext = n->buckets[b];
	n->buckets[b] = p;
	n->peer_count++;
	return p;
}

void zt_keypair_wipe(struct zt_keypair *kp)
{
	if (kp->aes != NULL) {
		sodium_memzero(kp->aes, sizeof *kp->aes);
		free(kp->aes);
	}
	sodium_memzero(kp, sizeof *kp);
}

bool zt_peer_hs_begin(struct zt_peer *p)
{
	if (p->hs == NULL) {
		p->hs = calloc(1, sizeof *p->hs);
		if (p->hs == NULL)
			return false;
	}
	p->hs_pending = true;
	return true;
}

void zt_peer_hs_end(struct zt_peer *p)
{
	p->hs_pending = false;
	if (p->hs != NULL) {
		zt_noise_wipe(p->hs);
		free(p->hs);
		p->hs = NULL;
	}
}

void zt_peer_clear_queue(struct zt_peer *p)
{
	for (unsigned i = 0; p->queue != NULL && i < ZT_PEER_QUEUE; i++) {
		free(p->queue[i].data);
		p->queue[i].data = NULL;
	}
	free(p->queue);
	p->queue = NULL;
	p->qcount = 0;
	p->qhead = 0;
}

void zt_peer_free(struct zt_node *n, struct zt_peer *p)
{
	struct zt_peer **pp = &n->buckets[bucket_of(n, p->address)];
	while (*pp != NULL && *pp != p)
		pp = &(*pp)->hnext;
	if (*pp == p)
		*pp = p->hnext;
	n->peer_count--;
	zt_peer_clear_queue(p);
	zt_peer_hs_end(p);
	zt_keypair_wipe(&p->kp_cur);
	zt_keypair_wipe(&p->kp_prev);
	zt_keypair_wipe(&p->kp_next);
	/* Keys and handshake state die with the peer. */
	sodium_memzero(p, sizeof *p);
	free(p);
}

void zt_peer_free_all(struct zt_node *n)
{
	for (size_t i = 0; i < n->bucket_count; i++) {
		while (n->buckets[i] != NULL)
			zt_peer_free(n, n->buckets[i]);
	}
}

static bool kp_usable(const struct zt_keypair *kp, int64_t now)
{
	return kp->valid && (kp->initiator || kp->confirmed) &&
	       now - kp->born < ZT_REJECT_AFTER_TIME && kp->send_counter < ZT_REJECT_AFTER_MESSAGES;
}

struct zt_keypair *zt_peer_send_keypair(struct zt_peer *p, int64_t now)
{
	if (kp_usable(&p->kp_cur, now))
		return &p->kp_cur;
	/* Right after a rekey the previous keys still work for a while. */
	if (kp_usable(&p->kp_prev, now))
		return &p->kp_prev;
	return NULL;
}

bool zt_peer_is_active(const struct zt_peer *p, int64_t now)
{
	return p->last_frame != 0 && now - p->last_frame < ZT_PEER_ACTIVE;
}

static struct zt_path *path_find(struct zt_peer *p, const struct zt_endpoint *ep)
{
	for (int i = 0; i < ZT_PEER_MAX_PATHS; i++)
		if (p->paths[i].used && zt_endpoint_eq(&p->paths[i].ep, ep))
			return &p->paths[i];
	return NULL;
}

/* A free slot, or the least useful path (never heard, else heard longest ago). */
static struct zt_path *path_slot(struct zt_peer *p)
{
	struct zt_path *victim = NULL;
	for (int i = 0; i < ZT_PEER_MAX_PATHS; i++) {
		struct zt_path *x = &p->paths[i];
		if (!x->used)
			return x;
		if (victim == NULL || x->last_rx < victim->last_rx ||
		    (x->last_rx == victim->last_rx && x->discovered < victim->discovered))
			victim = x;
	}
	return victim;
}

int64_t zt_node_pick_socket(const struct zt_node *n, int family)
{
	for (unsigned i = 0; i < n->socket_count; i++)
		if (n->sockets[i].family == family)
			return n->sockets[i].sock;
	return -1;
}

struct zt_path *zt_peer_add_path(struct zt_node *n, struct zt_peer *p, int64_t now, int64_t sock,
                                 const struct zt_endpoint *ep)
{
	struct zt_path *x = path_find(p, ep);
	(void)n;
	if (x == NULL) {
		x = path_slot(p);
		memset(x, 0, sizeof *x);
		x->used = true;
		x->ep = *ep;
		x->discovered = now;
		x->rtt = -1;
	}
	x->sock = sock;
	return x;
}

struct zt_path *zt_peer_add_candidate(struct zt_node *n, struct zt_peer *p, int64_t now,
                                      const struct zt_endpoint *ep)
{
	struct zt_path *x = path_find(p, ep);
	int64_t sock;

	if (x != NULL)
		return x;
	sock = zt_node_pick_socket(n, ep->family);
	if (sock < 0)
		return NULL; /* no socket of that family */
	x = path_slot(p);
	memset(x, 0, sizeof *x);
	x->used = true;
	x->ep = *ep;
	x->sock = sock;
	x->discovered = now;
	x->rtt = -1;
	return x;
}

void zt_peer_learn_path(struct zt_node *n, struct zt_peer *p, int64_t now, int64_t sock,
                        const struct zt_endpoint *from, unsigned hops)
{
	struct zt_path *x;

	p->last_rx = now;
	p->rx_packets++;
	if (hops != 0)
		return; /* relayed: says nothing about a direct path */
	if (n->burst.active)
		zt_nat_sock_heard(n, sock);
	x = path_find(p, from);
	if (x == NULL) {
		x = path_slot(p);
		memset(x, 0, sizeof *x);
		x->used = true;
		x->ep = *from;
		x->discovered = now;
		x->rtt = -1;
	}
	/* Roaming: an authenticated packet from a new endpoint is a new
	 * path at once, and it is the freshest. */
	x->sock = sock;
	x->last_rx = now;
	x->unanswered = 0;
	(void)n;
}

static int64_t alive_window(const struct zt_peer *p, int64_t now)
{
	if (p->is_root)
		return ZT_ROOT_DEAD_AFTER;
	return zt_peer_is_active(p, now) ? ZT_PATH_ALIVE_ACTIVE : ZT_PATH_ALIVE_IDLE;
}

struct zt_path *zt_peer_best_path(const struct zt_node *n, const struct zt_peer *p, int64_t now)
{
	const struct zt_path *best = NULL;
	int64_t window = alive_window(p, now);
	(void)n;

	for (int i = 0; i < ZT_PEER_MAX_PATHS; i++) {
		const struct zt_path *x = &p->paths[i];
		if (!x->used || x->last_rx == 0 || now - x->last_rx >= window)
			continue;
		/* Probes keep going unanswered: the NAT lost the mapping (or
		 * the link died); fall back to relaying within seconds. */
		if (!p->is_root && x->unanswered >= ZT_PATH_PROBES_LOST)
			continue;
		/* A root path we keep sending on without an answer (UDP got
		 * blocked): let the others (TCP) carry the traffic. */
		if (p->is_root && now - x->last_rx >= ZT_ROOT_PATH_SILENT &&
		    x->last_tx - x->last_rx >= ZT_ROOT_PATH_SILENT &&
		    now - x->tx_since_rx >= ZT_ROOT_PATH_SILENT)
			continue;
		if (best == NULL) {
			best = x;
			continue;
		}
		/* UDP beats TCP whenever it works. */
		if (zt_sock_is_tcp(x->sock) != zt_sock_is_tcp(best->sock)) {
			if (zt_sock_is_tcp(best->sock))
				best = x;
			continue;
		}
		/* Lowest known RTT wins (with 20% hysteresis); else the freshest. */
		if (x->rtt >= 0 && best->rtt >= 0) {
			if (x->rtt * 5 < best->rtt * 4)
				best = x;
		} else if (x->rtt >= 0 && best->rtt < 0) {
			best = x;
		} else if (x->rtt < 0 && best->rtt < 0 && x->last_rx > best->last_rx) {
			best = x;
		}
	}
	return (struct zt_path *)best;
}

void zt_peer_update_kind(struct zt_node *n, struct zt_peer *p, int64_t now)
{
	struct zt_path *best = zt_peer_best_path(n, p, now);
	enum zt_path_kind kind;
	uint64_t via = 0;

	if (best != NULL) {
		kind = ZT_PATH_DIRECT;
	} else if (p->last_rx != 0 && !p->is_root) {
		struct zt_peer *r = zt_node_best_root(n, now);
		kind = ZT_PATH_RELAY;
		via = r != NULL ? r->address : 0;
	} else {
		kind = ZT_PATH_NONE;
	}
	if (kind != p->kind) {
		struct zt_peer_info info;
		p->kind = kind;
		p->kind_since = now;
		p->via = via;
		zt_peer_info(n, p, now, &info);
		if (n->host.event != NULL && kind != ZT_PATH_NONE)
			n->host.event(n->host.ctx,
			              kind == ZT_PATH_DIRECT ? ZT_EVENT_PATH_DIRECT
			                                     : ZT_EVENT_PATH_RELAY,
			              &info);
		if (n->host.log != NULL) {
			char buf[128];
			struct zt_strbuf sb = {buf, sizeof buf, 0};
			zt_strbuf_put(&sb, "peer ");
			zt_strbuf_hex(&sb, p->address, 10);
			zt_strbuf_put(&sb, kind == ZT_PATH_DIRECT  ? " path DIRECT "
			                   : kind == ZT_PATH_RELAY ? " path RELAY via "
			                                           : " path NONE");
			if (kind == ZT_PATH_DIRECT)
				zt_strbuf_ep(&sb, &best->ep);
			else if (kind == ZT_PATH_RELAY)
				zt_strbuf_hex(&sb, via, 10);
			zt_node_log(n, ZT_LOG_INFO, buf);
		}
	} else if (kind == ZT_PATH_RELAY) {
		struct zt_peer *r = zt_node_best_root(n, now);
		p->via = r != NULL ? r->address : 0;
	}
}

void zt_peer_info(const struct zt_node *n, const struct zt_peer *p, int64_t now,
                  struct zt_peer_info *out)
{
	struct zt_path *best = zt_peer_best_path(n, p, now);

	memset(out, 0, sizeof *out);
	out->address = p->address;
	out->role = p->is_root ? ZT_ROLE_ROOT : ZT_ROLE_LEAF;
	out->path = p->kind;
	out->via = p->via;
	out->path_since = p->kind_since;
	out->last_rx = p->last_rx;
	out->last_tx = p->last_tx;
	out->latency_ms = -1;
	out->session = p->kp_cur.valid && now - p->kp_cur.born < ZT_REJECT_AFTER_TIME;
	out->rx_packets = p->rx_packets;
	out->tx_packets = p->tx_packets;
	for (int i = 0; i < ZT_PEER_MAX_PATHS; i++)
		if (p->paths[i].used)
			out->direct_paths++;
	out->path_mtu = (unsigned)zt_pmtu_of(best);
	if (best != NULL) {
		out->endpoint = best->ep;
		out->tcp = zt_sock_is_tcp(best->sock);
		out->latency_ms = best->rtt;
		if (p->is_root && p->rtt >= 0)
			out->latency_ms = p->rtt;
	} else if (p->kind == ZT_PATH_RELAY && p->via != 0) {
		const struct zt_peer *r = zt_peer_find(n, p->via);
		const struct zt_path *rp = r != NULL ? zt_peer_best_path(n, r, now) : NULL;
		if (rp != NULL) {
			out->endpoint = rp->ep;
			out->tcp = zt_sock_is_tcp(rp->sock);
			out->latency_ms = rp->rtt >= 0 ? rp->rtt : r->rtt;
		}
	}
}
