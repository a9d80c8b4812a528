/* SPDX-License-Identifier: MIT */
/*
 * peer.c - the peer table, per-peer paths and handshake state (the keypairs
 * are in peer_keypair.c).
 *
 * A peer has at most ZT_PEER_MAX_PATHS direct paths: endpoints it was heard
 * from (confirmed: last_rx set) and candidates learnt from a root (WHOIS,
 * RENDEZVOUS) that are probed until they answer or are forgotten.  Relaying
 * is not a path of the peer: it is "send to the best root", decided at send
 * time.
 *
 * Memory (a root holds one peer per registered node): the path array is
 * allocated by need and trimmed when paths are forgotten; the previous and
 * next keypairs exist only around a rekey.  When an allocation fails the
 * state is not kept (a path not learnt, a keypair not kept) and counted in
 * ZT_CTR_NO_MEMORY; the peer goes on with what it has.
 */
#include <sodium.h>
#include <string.h>

#include "batch.h"
#include "host.h"
#include "mem.h"
#include "member.h"
#include "nat.h"
#include "node.h"
#include "noise.h"
#include "peer.h"
#include "pmtu.h"
#include "session.h"
#include "switch.h"
#include "tcpmap.h"
#include "timers.h"
#include "util.h"
#include "wire.h"

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
	struct zt_peer **nb = zt_mem_calloc(&n->mem, nc, sizeof *nb);
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
	zt_mem_free(&n->mem, old);
}

struct zt_peer *zt_peer_get(struct zt_node *n, int64_t now, uint64_t address)
{
	struct zt_peer *p = zt_peer_find(n, address);
	size_t b;

	if (p != NULL)
		return p;
	if (n->peer_count >= n->max_peers || address == n->id.address)
		return NULL;
	p = zt_mem_calloc(&n->mem, 1, sizeof *p);
	if (p == NULL)
		return NULL;
	p->mem = &n->mem;
	p->address = address;
	p->created = now;
	if (n->peer_count >= n->bucket_count * 2)
		grow(n);
	b = bucket_of(n, address);
	p->hnext = n->buckets[b];
	n->buckets[b] = p;
	n->peer_count++;
	return p;
}

/* When p was last authenticated (if never, when it was made). */
static int64_t last_auth(const struct zt_peer *p)
{
	return p->last_rx > p->created ? p->last_rx : p->created;
}

/* Kept when the table is full: roots, the controllers of our networks and
 * their members (with a COM that agrees, where the network needs one).  A
 * root has none of the last two: among its peers, one that keeps
 * registering stays and one that went silent goes. */
static bool peer_protected(struct zt_node *n, const struct zt_peer *p)
{
	if (p->is_root)
		return true;
	for (unsigned i = 0; i < ZT_MAX_NETWORKS; i++) {
		struct zt_network *net = &n->networks[i];
		const struct zt_member *m;
		if (!net->used)
			continue;
		if (!zt_nwid_is_adhoc(net->nwid) && zt_nwid_controller(net->nwid) == p->address)
			return true;
		m = zt_switch_member(net, p->address);
		if (m != NULL && (!zt_member_needs_com(net) || zt_member_com_ok(net, m)))
			return true;
	}
	return false;
}

/* One pass over the table: the ZT_PEER_EVICT_BATCH least recently
 * authenticated peers that may go, for the next evictions.  (Membership is
 * looked up only for a peer old enough to join them.) */
static void evict_gather(struct zt_node *n)
{
	unsigned count = 0, newest = 0;

	for (size_t b = 0; b < n->bucket_count; b++) {
		for (struct zt_peer *p = n->buckets[b]; p != NULL; p = p->hnext) {
			int64_t at = last_auth(p);
			unsigned slot = count;
			if (count == ZT_PEER_EVICT_BATCH) {
				if (at >= n->evict[newest].at)
					continue;
				slot = newest;
			}
			if (peer_protected(n, p))
				continue;
			n->evict[slot].address = p->address;
			n->evict[slot].at = at;
			if (slot == count)
				count++;
			if (count == ZT_PEER_EVICT_BATCH) {
				newest = 0;
				for (unsigned i = 1; i < count; i++)
					if (n->evict[i].at > n->evict[newest].at)
						newest = i;
			}
		}
	}
	n->nevict = count;
}

/* Evict the oldest gathered peer that is still as it was (not heard from
 * since, still not protected); false if none is. */
static bool evict_pop(struct zt_node *n, int64_t now)
{
	while (n->nevict > 0) {
		unsigned oldest = 0;
		struct zt_evict e;
		struct zt_peer *p;

		for (unsigned i = 1; i < n->nevict; i++)
			if (n->evict[i].at < n->evict[oldest].at)
				oldest = i;
		e = n->evict[oldest];
		n->evict[oldest] = n->evict[--n->nevict];
		p = zt_peer_find(n, e.address);
		if (p == NULL || last_auth(p) != e.at || peer_protected(n, p))
			continue;
		/* Deferred packets may point at it: out they go first. */
		zt_batch_flush(n, now);
		zt_node_log_peer(n, ZT_LOG_DEBUG, "peer table full: evicted", p->address);
		zt_peer_free(n, p);
		n->counters[ZT_CTR_PEER_EVICTED]++;
		return true;
	}
	return false;
}

struct zt_peer *zt_peer_get_evict(struct zt_node *n, int64_t now, uint64_t address)
{
	if (n->peer_count >= n->max_peers && address != n->id.address &&
	    zt_peer_find(n, address) == NULL && !evict_pop(n, now)) {
		evict_gather(n);
		(void)evict_pop(n, now);
	}
	return zt_peer_get(n, now, address);
}

bool zt_peer_hs_begin(struct zt_peer *p)
{
	if (p->hs == NULL) {
		p->hs = zt_mem_calloc(p->mem, 1, sizeof *p->hs);
		if (p->hs == NULL)
			return false;
	}
	p->hs_pending = true;
	return true;
}

void zt_peer_hs_end(struct zt_peer *p)
{
	p->hs_pending = false;
	if (p->hs == NULL)
		return;
	zt_noise_wipe(&p->hs->noise);
	/* A cookie stays useful for the next initiation (ZT_COOKIE_VALID):
	 * then the block stays, zt_peer_hs_expire frees it. */
	if (p->hs->has_cookie)
		return;
	sodium_memzero(p->hs, sizeof *p->hs);
	zt_mem_free(p->mem, p->hs);
	p->hs = NULL;
}

void zt_peer_hs_expire(struct zt_peer *p, int64_t now)
{
	if (p->hs == NULL || p->hs_pending ||
	    (p->hs->has_cookie && now - p->hs->cookie_at < ZT_COOKIE_VALID))
		return;
	sodium_memzero(p->hs, sizeof *p->hs);
	zt_mem_free(p->mem, p->hs);
	p->hs = NULL;
}

void zt_peer_clear_queue(struct zt_peer *p)
{
	for (unsigned i = 0; p->queue != NULL && i < ZT_PEER_QUEUE; i++) {
		zt_mem_free(p->mem, p->queue[i].data);
		p->queue[i].data = NULL;
	}
	zt_mem_free(p->mem, p->queue);
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
	if (p->hs != NULL) {
		sodium_memzero(p->hs, sizeof *p->hs);
		zt_mem_free(&n->mem, p->hs);
	}
	zt_peer_keypairs_wipe(p);
	zt_mem_free(&n->mem, p->paths);
	zt_mem_free(&n->mem, p->reach);
	zt_mem_free(&n->mem, p->root);
	zt_mem_free(&n->mem, p->eps);
	/* Keys and handshake state die with the peer. */
	sodium_memzero(p, sizeof *p);
	zt_mem_free(&n->mem, p);
}

void zt_peer_free_all(struct zt_node *n)
{
	for (size_t i = 0; i < n->bucket_count; i++) {
		while (n->buckets[i] != NULL)
			zt_peer_free(n, n->buckets[i]);
	}
}

bool zt_peer_is_active(const struct zt_peer *p, int64_t now)
{
	return p->last_frame != 0 && now - p->last_frame < ZT_PEER_ACTIVE;
}

static struct zt_path *path_find(struct zt_peer *p, const struct zt_endpoint *ep)
{
	for (unsigned i = 0; i < p->npaths; i++)
		if (p->paths[i].used && zt_endpoint_eq(&p->paths[i].ep, ep))
			return &p->paths[i];
	return NULL;
}

/* Which of two paths goes first when a slot is needed: one not validated
 * before a validated one (a flood of new endpoints, such as the mappings
 * of a birthday attempt, must not push out the path in use), then the one
 * never heard or heard longest ago. */
static bool less_useful(const struct zt_path *x, const struct zt_path *y)
{
	if (x->validated != y->validated)
		return !x->validated;
	return x->last_rx < y->last_rx ||
	       (x->last_rx == y->last_rx && x->discovered < y->discovered);
}

/* A free slot (the array grows by one while below ZT_PEER_MAX_PATHS), or
 * the least useful path; returned blank.  NULL only if the peer has no
 * slot and none can be allocated. */
static struct zt_path *path_slot(struct zt_node *n, struct zt_peer *p)
{
	struct zt_path *victim = NULL;
	for (unsigned i = 0; i < p->npaths; i++) {
		struct zt_path *x = &p->paths[i];
		if (!x->used) {
			victim = x;
			break;
		}
		if (victim == NULL || less_useful(x, victim))
			victim = x;
	}
	if ((victim == NULL || victim->used) && p->npaths < ZT_PEER_MAX_PATHS) {
		struct zt_path *grown = zt_mem_realloc(&n->mem, p->paths, p->npaths * sizeof *grown,
		                                       (p->npaths + 1u) * sizeof *grown);
		if (grown != NULL) {
			p->paths = grown;
			victim = &p->paths[p->npaths++];
		} else {
			n->counters[ZT_CTR_NO_MEMORY]++; /* evict, or do without */
		}
	}
	if (victim != NULL)
		memset(victim, 0, sizeof *victim);
	return victim;
}

void zt_peer_paths_trim(struct zt_peer *p)
{
	unsigned used = 0;
	/* Compact (order kept: it breaks ties in best_path), then shrink. */
	for (unsigned i = 0; i < p->npaths; i++) {
		if (!p->paths[i].used)
			continue;
		if (i != used)
			p->paths[used] = p->paths[i];
		used++;
	}
	if (used == p->npaths)
		return;
	if (used == 0) {
		zt_mem_free(p->mem, p->paths);
		p->paths = NULL;
	} else {
		struct zt_path *shrunk = zt_mem_realloc(
		    p->mem, p->paths, p->npaths * sizeof *shrunk, used * sizeof *shrunk);
		if (shrunk != NULL)
			p->paths = shrunk; /* else the bigger array stays, partly unused */
	}
	p->npaths = (uint8_t)used;
}

struct zt_path *zt_peer_add_path(struct zt_node *n, struct zt_peer *p, int64_t now, int64_t sock,
                                 const struct zt_endpoint *ep)
{
	struct zt_path *x;
	if (zt_sock_is_tcp(sock) && !zt_tcpmap_add(&n->tcpmap, sock, p->address))
		return NULL;
	x = path_find(p, ep);
	if (x == NULL) {
		x = path_slot(n, p);
		if (x == NULL)
			return NULL;
		x->used = true;
		x->ep = *ep;
		x->discovered = now;
		x->rtt = -1;
	}
	x->sock = sock;
	/* Our own connection: its handshake proved the address. */
	x->validated = true;
	return x;
}

struct zt_path *zt_peer_add_candidate(struct zt_node *n, struct zt_peer *p, int64_t now,
                                      const struct zt_endpoint *ep)
{
	struct zt_path *x = path_find(p, ep);
	int64_t sock;

	if (x == NULL) {
		sock = zt_node_pick_socket(n, ep->family);
		if (sock < 0)
			return NULL; /* no socket of that family */
		x = path_slot(n, p);
		if (x == NULL)
			return NULL;
		x->used = true;
		x->ep = *ep;
		x->sock = sock;
		x->discovered = now;
		x->rtt = -1;
	}
	/* Probes may go to it (punching); traffic once it answers one. */
	x->vouched = true;
	/* A root's endpoints come from the signed roots file. */
	if (p->is_root)
		x->validated = true;
	return x;
}

struct zt_path *zt_peer_learn_path(struct zt_node *n, struct zt_peer *p, int64_t now, int64_t sock,
                                   const struct zt_endpoint *from, unsigned hops, size_t len)
{
	struct zt_path *x;

	zt_timers_any_authenticated_packet_received(p, now);
	p->rx_packets++;
	if (hops != 0)
		return NULL; /* relayed: says nothing about a direct path */
	if (n->burst.active || n->nkept > 0)
		zt_nat_sock_heard(n, now, sock, p);
	/* Listed under its connection, so that the close finds it; a
	 * connection that claims more peers gets no more paths. */
	if (zt_sock_is_tcp(sock) && !zt_tcpmap_add(&n->tcpmap, sock, p->address))
		return NULL;
	x = path_find(p, from);
	if (x == NULL) {
		x = path_slot(n, p);
		if (x == NULL)
			return NULL; /* counted: relaying still works */
		x->used = true;
		x->ep = *from;
		x->discovered = now;
		x->rtt = -1;
		/* A TCP connection's address was proven by its own handshake;
		 * a UDP source may be anyone's. */
		x->validated = zt_sock_is_tcp(sock);
	}
	/* Roaming: an authenticated packet from a new endpoint is a new
	 * path at once, and it is the freshest; it carries traffic once it
	 * is validated (recv.c challenges it at once). */
	x->sock = sock;
	if (!x->validated)
		x->credit = len > UINT32_MAX - x->credit ? UINT32_MAX : x->credit + (uint32_t)len;
	zt_timers_path_heard(x, now);
	return x;
}

struct zt_path *zt_peer_path_to(struct zt_peer *p, const struct zt_endpoint *ep)
{
	return path_find(p, ep);
}

bool zt_peer_path_spend(struct zt_peer *p, const struct zt_endpoint *ep, size_t bytes)
{
	struct zt_path *x = path_find(p, ep);

	if (x == NULL)
		return false;
	if (x->validated)
		return true;
	if (x->credit < bytes)
		return false;
	x->credit -= (uint32_t)bytes;
	return true;
}

void zt_peer_path_resp_sent(struct zt_peer *p, const struct zt_endpoint *ep, uint32_t index,
                            size_t bytes)
{
	struct zt_path *x = path_find(p, ep);

	if (x == NULL)
		return;
	x->resp_index = index;
	/* (The HS_RESP is smaller than the HS_INIT that paid for it.) */
	x->credit = x->credit > bytes ? x->credit - (uint32_t)bytes : 0;
}

void zt_peer_path_resp_confirmed(struct zt_peer *p, uint32_t index)
{
	for (unsigned i = 0; i < p->npaths; i++) {
		struct zt_path *x = &p->paths[i];
		if (x->used && !x->validated && x->resp_index == index && x->last_rx != 0) {
			x->validated = true;
			x->credit = 0;
		}
	}
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
	/* While we measure our NAT's timeout with a root we send it nothing
	 * and expect nothing back: that silence is no sign of a dead path. */
	bool probing = p->is_root && zt_nat_probe_silent(n, p);

	for (unsigned i = 0; i < p->npaths; i++) {
		const struct zt_path *x = &p->paths[i];
		/* Not validated: the source may have been forged. */
		if (!x->used || !x->validated || x->last_rx == 0 || now - x->last_rx >= window)
			continue;
		/* Probes keep going unanswered: the NAT lost the mapping (or
		 * the link died); fall back to relaying within seconds. */
		if (!p->is_root && x->unanswered >= ZT_PATH_PROBES_LOST)
			continue;
		/* A root path we keep sending on without an answer (UDP got
		 * blocked): let the others (TCP) carry the traffic. */
		if (p->is_root && !probing && now - x->last_rx >= ZT_ROOT_PATH_SILENT &&
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

bool zt_peer_root_is_up(const struct zt_node *n, const struct zt_peer *r, int64_t now)
{
	struct zt_peer *rp = (struct zt_peer *)r;
	if (zt_peer_send_keypair(rp, now) == NULL || zt_peer_best_path(n, r, now) == NULL)
		return false;
	/* Heard recently is not enough: a root that died keeps looking alive
	 * for ZT_ROOT_DEAD_AFTER.  One that leaves a request unanswered for
	 * ZT_ROOT_REPLY_TIMEOUT is down at once, so failover takes seconds. */
	return r->root == NULL ||
	       !(r->root->awaiting_since != 0 && r->last_rx < r->root->awaiting_since &&
	         now - r->root->awaiting_since >= ZT_ROOT_REPLY_TIMEOUT);
}

struct zt_peer *zt_peer_best_root(struct zt_node *n, int64_t now)
{
	struct zt_peer *best = NULL;
	int best_rtt = 0;

	for (unsigned i = 0; i < n->roots.count; i++) {
		struct zt_peer *r = n->root_peers[i];
		int rtt;
		if (r == NULL || !zt_peer_root_is_up(n, r, now))
			continue;
		rtt = r->root->rtt >= 0 ? r->root->rtt : 100000;
		if (best == NULL || rtt < best_rtt) {
			best = r;
			best_rtt = rtt;
		}
	}
	return best;
}

void zt_peer_update_kind(struct zt_node *n, struct zt_peer *p, int64_t now)
{
	struct zt_path *best = zt_peer_best_path(n, p, now);
	enum zt_path_kind kind;
	uint64_t via = 0;

	if (best != NULL) {
		kind = ZT_PATH_DIRECT;
	} else if (p->last_rx != 0 && !p->is_root) {
		struct zt_peer *r = zt_peer_best_root(n, now);
		kind = ZT_PATH_RELAY;
		via = r != NULL ? r->address : 0;
	} else {
		kind = ZT_PATH_NONE;
	}
	if (kind != p->kind) {
		struct zt_peer_info info;
		struct zt_peer_reach *rc = zt_peer_reach(n, p);
		p->kind = kind;
		if (rc != NULL) {
			rc->kind_since = now;
			rc->via = via;
		}
		zt_peer_info(n, p, now, &info);
		if (kind != ZT_PATH_NONE)
			zt_host_event(
			    n, kind == ZT_PATH_DIRECT ? ZT_EVENT_PATH_DIRECT : ZT_EVENT_PATH_RELAY,
			    &info);
		if (zt_host_can_log(n)) {
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
			zt_host_log(n, ZT_LOG_INFO, buf);
		}
	} else if (kind == ZT_PATH_RELAY) {
		struct zt_peer *r = zt_peer_best_root(n, now);
		if (p->reach != NULL)
			p->reach->via = r != NULL ? r->address : 0;
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
	out->via = zt_peer_reach_of(p)->via;
	out->path_since = zt_peer_reach_of(p)->kind_since;
	out->last_rx = p->last_rx;
	out->last_tx = p->last_tx;
	out->latency_ms = -1;
	out->session = p->kp_cur.valid && now - p->kp_cur.born < ZT_REJECT_AFTER_TIME;
	out->rx_packets = p->rx_packets;
	out->tx_packets = p->tx_packets;
	for (unsigned i = 0; i < p->npaths; i++)
		if (p->paths[i].used)
			out->direct_paths++;
	out->path_mtu = (unsigned)zt_pmtu_of(best);
	for (int i = 0; i < 3; i++)
		out->version[i] = p->sw_version_known ? p->sw_version[i] : -1;
	if (best != NULL) {
		out->endpoint = best->ep;
		out->tcp = zt_sock_is_tcp(best->sock);
		out->latency_ms = best->rtt;
		if (p->root != NULL && p->is_root && p->root->rtt >= 0)
			out->latency_ms = p->root->rtt;
	} else if (p->kind == ZT_PATH_RELAY && out->via != 0) {
		const struct zt_peer *r = zt_peer_find(n, out->via);
		const struct zt_path *rp = r != NULL ? zt_peer_best_path(n, r, now) : NULL;
		if (rp != NULL) {
			out->endpoint = rp->ep;
			out->tcp = zt_sock_is_tcp(rp->sock);
			out->latency_ms = rp->rtt >= 0      ? rp->rtt
			                  : r->root != NULL ? r->root->rtt
			                                    : -1;
		}
	}
}

struct zt_peer_reach *zt_peer_reach(struct zt_node *n, struct zt_peer *p)
{
	if (p->reach == NULL) {
		p->reach = zt_mem_calloc(&n->mem, 1, sizeof *p->reach);
		if (p->reach == NULL)
			n->counters[ZT_CTR_NO_MEMORY]++;
	}
	return p->reach;
}

bool zt_peer_root_link(struct zt_peer *p)
{
	if (p->root != NULL)
		return true;
	p->root = zt_mem_calloc(p->mem, 1, sizeof *p->root);
	if (p->root == NULL)
		return false;
	p->root->rtt = -1;
	p->root->tcp_sock = -1;
	return true;
}

bool zt_peer_set_eps(struct zt_peer *p, const struct zt_endpoint *locals, unsigned nlocals,
                     const struct zt_endpoint *mapped, unsigned nmapped)
{
	unsigned total = nlocals + nmapped;

	if (total == 0) {
		zt_mem_free(p->mem, p->eps);
		p->eps = NULL;
		return true;
	}
	/* A REGISTER every 20 s usually repeats the same endpoints: keep the
	 * allocation when the count is the same. */
	if (p->eps == NULL || p->eps->nlocals + p->eps->nmapped != total) {
		/* (the endpoints are all rewritten below: nothing to copy) */
		zt_mem_free(p->mem, p->eps);
		p->eps = zt_mem_alloc(p->mem, sizeof *p->eps + total * sizeof(struct zt_endpoint));
		if (p->eps == NULL)
			return false;
	}
	p->eps->nlocals = (uint8_t)nlocals;
	p->eps->nmapped = (uint8_t)nmapped;
	memcpy(p->eps->ep, locals, nlocals * sizeof *locals);
	memcpy(p->eps->ep + nlocals, mapped, nmapped * sizeof *mapped);
	return true;
}
