/* SPDX-License-Identifier: MIT */
/*
 * relay.c - what a root does beyond being a node: forward packets for
 * others by their clear destination address (it cannot read or forge
 * them), answer REGISTER with the endpoint it sees (address reflection),
 * answer WHOIS, introduce peers to each other (RENDEZVOUS), and keep the
 * directory of who announced which ad-hoc network.
 *
 * Memory per registered peer is one struct zt_peer; the directory holds
 * 13 bytes per announcement.  Both are bounded (ZT_ROOT_MAX_PEERS,
 * ZT_NET_MAX_MEMBERS per network) and expire when not refreshed.
 */
#include <string.h>

#include "host.h"
#include "mem.h"
#include "network.h"
#include "node.h"
#include "peer.h"
#include "relay.h"
#include "send.h"
#include "util.h"
#include "wire.h"

/* A node joins at most ZT_MAX_NETWORKS networks, so a root keeps no more
 * announcements than that per peer, and no more networks than this. */
#define DIR_MAX_NETS 65536

static size_t dir_bucket(const struct zt_node *n, const uint8_t h[8])
{
	return (size_t)zt_get_u64(h) & (n->dir_buckets - 1);
}

static struct zt_dir_net *dir_find(struct zt_node *n, const uint8_t h[8], bool create)
{
	struct zt_dir_net *d;
	size_t b;

	if (n->dir == NULL) {
		if (!create)
			return NULL;
		n->dir_buckets = 1024;
		n->dir = zt_mem_calloc(&n->mem, n->dir_buckets, sizeof *n->dir);
		if (n->dir == NULL)
			return NULL;
	}
	b = dir_bucket(n, h);
	for (d = n->dir[b]; d != NULL; d = d->next)
		if (memcmp(d->nethash, h, 8) == 0)
			return d;
	if (!create || n->dir_nets >= DIR_MAX_NETS)
		return NULL;
	d = zt_mem_calloc(&n->mem, 1, sizeof *d);
	if (d == NULL)
		return NULL;
	memcpy(d->nethash, h, 8);
	d->next = n->dir[b];
	n->dir[b] = d;
	n->dir_nets++;
	return d;
}

static bool dir_has(const struct zt_dir_net *d, uint64_t a)
{
	for (unsigned i = 0; i < d->count; i++)
		if (d->members[i].address == a)
			return true;
	return false;
}

static void dir_uncount(struct zt_node *n, uint64_t a)
{
	struct zt_peer *p = zt_peer_find(n, a);
	if (p != NULL && p->dir_count > 0)
		p->dir_count--;
}

/* Add a to the entry (or refresh it); true if it is new there.  A full
 * entry (ZT_NET_MAX_MEMBERS) makes room by dropping the announcement
 * heard longest ago, and that peer's count of announced networks goes
 * down with it: a count that only ever grew would leave a peer evicted
 * often enough ignored on every network for good. */
static bool dir_add(struct zt_node *n, struct zt_dir_net *d, uint64_t a, int64_t now)
{
	unsigned oldest = 0;
	struct zt_member *m;

	for (unsigned i = 0; i < d->count; i++) {
		if (d->members[i].address == a) {
			d->members[i].last_seen = now;
			return false;
		}
		if (d->members[i].last_seen < d->members[oldest].last_seen)
			oldest = i;
	}
	if (d->count == ZT_NET_MAX_MEMBERS) {
		dir_uncount(n, d->members[oldest].address);
		m = &d->members[oldest];
	} else {
		if (d->count == d->cap) {
			unsigned nc = d->cap != 0 ? d->cap * 2 : 16;
			if (nc > ZT_NET_MAX_MEMBERS)
				nc = ZT_NET_MAX_MEMBERS;
			m = zt_mem_realloc(&n->mem, d->members, d->cap * sizeof *m, nc * sizeof *m);
			if (m == NULL)
				return false;
			d->members = m;
			d->cap = nc;
		}
		m = &d->members[d->count++];
	}
	memset(m, 0, sizeof *m);
	m->address = a;
	m->last_seen = now;
	return true;
}

static void dir_remove(struct zt_node *n, struct zt_dir_net *d, uint64_t a)
{
	for (unsigned i = 0; i < d->count; i++) {
		if (d->members[i].address == a) {
			d->members[i] = d->members[--d->count];
			dir_uncount(n, a);
			return;
		}
	}
}

void zt_relay_cleanup(struct zt_node *n)
{
	/* (The request buckets exist without a directory: a root asked
	 * WHOIS but never told of a network.) */
	zt_rate_table_free(&n->rate_sources);
	if (n->dir == NULL)
		return;
	for (size_t i = 0; i < n->dir_buckets; i++) {
		struct zt_dir_net *d = n->dir[i], *next;
		for (; d != NULL; d = next) {
			next = d->next;
			zt_mem_free(&n->mem, d->members);
			zt_mem_free(&n->mem, d);
		}
	}
	zt_mem_free(&n->mem, n->dir);
	n->dir = NULL;
	n->dir_nets = 0;
}

void zt_relay_background(struct zt_node *n, int64_t now)
{
	if (n->dir == NULL)
		return;
	for (size_t i = 0; i < n->dir_buckets; i++) {
		struct zt_dir_net **dp = &n->dir[i];
		while (*dp != NULL) {
			struct zt_dir_net *d = *dp;
			for (unsigned j = 0; j < d->count;) {
				if (now - d->members[j].last_seen >= ZT_NET_MEMBER_EXPIRE) {
					dir_uncount(n, d->members[j].address);
					d->members[j] = d->members[--d->count];
				} else {
					j++;
				}
			}
			if (d->count == 0) {
				*dp = d->next;
				zt_mem_free(&n->mem, d->members);
				zt_mem_free(&n->mem, d);
				n->dir_nets--;
			} else {
				dp = &d->next;
			}
		}
	}
}

/* The validated path a registered peer was last heard on: a source it
 * only claimed (not validated) gets nothing relayed, and is nobody's
 * endpoint in WHOIS or RENDEZVOUS. */
static struct zt_path *freshest_path(struct zt_peer *p)
{
	struct zt_path *best = NULL;
	for (unsigned i = 0; i < p->npaths; i++) {
		struct zt_path *x = &p->paths[i];
		if (x->used && x->validated && x->last_rx != 0 &&
		    (best == NULL || x->last_rx > best->last_rx))
			best = x;
	}
	return best;
}

void zt_relay_forward(struct zt_node *n, int64_t now, const struct zt_hdr *h, int64_t sock,
                      const struct zt_endpoint *from, uint8_t *pkt, size_t len)
{
	struct zt_peer *src, *dst;
	struct zt_path *to;
	bool src_ok = false;
	(void)sock;

	if (h->hops >= ZT_MAX_HOPS) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	/* Relay only for registered peers, and only from where they were
	 * heard: a root is no anonymous reflector for spoofed sources. */
	src = zt_peer_find(n, h->src);
	dst = zt_peer_find(n, h->dst);
	if (src != NULL) {
		for (unsigned i = 0; i < src->npaths; i++) {
			const struct zt_path *x = &src->paths[i];
			if (x->used && x->last_rx != 0 && now - x->last_rx < ZT_ROOT_PEER_EXPIRE &&
			    zt_endpoint_eq(&x->ep, from))
				src_ok = true;
		}
	}
	if (!src_ok || dst == NULL || (to = freshest_path(dst)) == NULL ||
	    now - to->last_rx >= ZT_ROOT_PEER_EXPIRE) {
		n->counters[ZT_CTR_FRAMES_DROPPED]++;
		return;
	}
	pkt[1] = (uint8_t)((pkt[1] & ~ZT_HOPS_MASK) | (h->hops + 1));
	n->counters[ZT_CTR_RELAYED]++;
	n->counters[ZT_CTR_RELAYED_BYTES] += len;
	(void)zt_host_wire_send(n, to->sock, &to->ep, pkt, len);
}

static size_t put_endpoints(struct zt_peer *p, uint8_t *out, size_t cap, int64_t now, unsigned max)
{
	size_t off = 1;
	unsigned count = 0;
	/* Freshest first, at most `max`. */
	struct zt_path *sorted[ZT_PEER_MAX_PATHS];
	unsigned ns = 0;
	for (unsigned i = 0; i < p->npaths; i++) {
		struct zt_path *x = &p->paths[i];
		/* A TCP client's address is no endpoint for UDP punching; one
		 * not validated may be anyone's (a forged source). */
		if (x->used && x->validated && x->last_rx != 0 &&
		    now - x->last_rx < ZT_ROOT_PEER_EXPIRE && !zt_sock_is_tcp(x->sock))
			sorted[ns++] = x;
	}
	for (unsigned i = 1; i < ns; i++)
		for (unsigned j = i; j > 0 && sorted[j]->last_rx > sorted[j - 1]->last_rx; j--) {
			struct zt_path *t = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	for (unsigned i = 0; i < ns && count < max; i++) {
		if (off + zt_endpoint_wire_len(&sorted[i]->ep) > cap)
			break;
		off += zt_endpoint_encode(&sorted[i]->ep, out + off);
		count++;
	}
	out[0] = (uint8_t)count;
	return off;
}

/* Both were last heard from the same public address: one NAT (or one
 * host), so their LAN endpoints may reach each other directly. */
static bool same_site(struct zt_peer *a, struct zt_peer *b)
{
	struct zt_path *x = freshest_path(a), *y = freshest_path(b);
	return x != NULL && y != NULL && x->ep.family == y->ep.family &&
	       memcmp(x->ep.ip, y->ep.ip, x->ep.family == 6 ? 16 : 4) == 0;
}

/* A port mapping the node reported (REGISTER) is passed on only if it is
 * on an address we hear the node from: then its router's address is the
 * one the Internet sees (a mapping behind a second NAT would not work
 * anyway), and a node cannot make its peers probe somebody else's. */
static bool mapping_observed(struct zt_peer *p, const struct zt_endpoint *ep, int64_t now)
{
	for (unsigned i = 0; i < p->npaths; i++) {
		const struct zt_path *x = &p->paths[i];
		if (x->used && x->validated && x->last_rx != 0 &&
		    now - x->last_rx < ZT_ROOT_PEER_EXPIRE && !zt_sock_is_tcp(x->sock) &&
		    x->ep.family == ep->family &&
		    memcmp(x->ep.ip, ep->ip, ep->family == 6 ? 16 : 4) == 0)
			return true;
	}
	return false;
}

/* Append ep to a RENDEZVOUS being built (msg[6] counts them), if it fits
 * and the count is below ZT_RENDEZVOUS_MAX_EPS. */
static void put_extra(uint8_t *msg, size_t *len, size_t cap, const struct zt_endpoint *ep)
{
	if (msg[6] >= ZT_RENDEZVOUS_MAX_EPS || *len + zt_endpoint_wire_len(ep) > cap)
		return;
	*len += zt_endpoint_encode(ep, msg + *len);
	msg[6]++;
}

/*
 * What `to` learns about `about`: at most ZT_RENDEZVOUS_MAX_EPS endpoints,
 * each one we observed or validated.  Its public endpoints (we heard it
 * there; freshest first, at most 2: one per family, usually), then, when
 * both are behind one public address (one NAT, which may not hairpin),
 * its LAN endpoints (they reach only that LAN), then its port mappings on
 * an address we hear it from (mapping_observed).
 */
static void send_rendezvous(struct zt_node *n, int64_t now, struct zt_peer *to,
                            struct zt_peer *about)
{
	uint8_t msg[6 + 1 + ZT_RENDEZVOUS_MAX_EPS * 19 + 1];
	const struct zt_peer_eps *e = about->eps;
	size_t len, cap = sizeof msg - 1; /* (the NAT type byte) */
	msg[0] = ZT_MSG_RENDEZVOUS;
	zt_put_u40(msg + 1, about->address);
	len = 6 + put_endpoints(about, msg + 6, cap - 6, now, 2);
	if (msg[6] == 0)
		return;
	if (e != NULL && same_site(to, about))
		for (unsigned i = 0; i < e->nlocals; i++)
			put_extra(msg, &len, cap, &e->ep[i]);
	for (unsigned i = 0; e != NULL && i < e->nmapped; i++) {
		const struct zt_endpoint *ep = &e->ep[e->nlocals + i];
		if (mapping_observed(about, ep, now))
			put_extra(msg, &len, cap, ep);
	}
	msg[len++] = about->nat_type;
	(void)zt_send_msg(n, now, to, msg, len);
}

static void send_members(struct zt_node *n, int64_t now, struct zt_peer *to,
                         const struct zt_dir_net *d)
{
	uint8_t msg[11 + 5 * ZT_NET_MEMBERS_PER_MSG];
	unsigned count = 0;

	msg[0] = ZT_MSG_NET_MEMBERS;
	memcpy(msg + 1, d->nethash, 8);
	/* The most recently announced first would be nicer; the list is
	 * bounded either way and refreshed every announce interval. */
	for (unsigned i = 0; i < d->count && count < ZT_NET_MEMBERS_PER_MSG; i++) {
		if (d->members[i].address == to->address)
			continue;
		zt_put_u40(msg + 11 + 5 * count, d->members[i].address);
		count++;
	}
	zt_put_u16(msg + 9, (uint16_t)count);
	(void)zt_send_msg(n, now, to, msg, 11 + 5 * (size_t)count);
}

/* A member new to the directory: tell the others at once (a NET_MEMBERS
 * with just its address), so that members that joined earlier learn of it
 * now rather than at their next announcement (switch.c then exchanges
 * multicast subscriptions with it).  Bounded: at most
 * ZT_NET_MEMBERS_PER_MSG others, each one small message. */
static void announce_newcomer(struct zt_node *n, int64_t now, uint64_t a,
                              const struct zt_dir_net *d)
{
	uint8_t msg[11 + 5];
	unsigned sent = 0;

	msg[0] = ZT_MSG_NET_MEMBERS;
	memcpy(msg + 1, d->nethash, 8);
	zt_put_u16(msg + 9, 1);
	zt_put_u40(msg + 11, a);
	for (unsigned i = 0; i < d->count && sent < ZT_NET_MEMBERS_PER_MSG; i++) {
		struct zt_peer *q;
		if (d->members[i].address == a)
			continue;
		q = zt_peer_find(n, d->members[i].address);
		if (q == NULL || zt_peer_send_keypair(q, now) == NULL)
			continue;
		(void)zt_send_msg(n, now, q, msg, sizeof msg);
		sent++;
	}
}

/* Over its rate (rate.c)?  Counted against the peer and against the
 * address it proved it receives at, where the answer goes; a peer with no
 * validated path has nowhere to be answered. */
static bool over_rate(struct zt_node *n, int64_t now, struct zt_peer *p, enum zt_rate_kind k)
{
	const struct zt_path *x = zt_peer_best_path(n, p, now);

	if (x != NULL && zt_rate_take(&n->rate_sources, &p->rate, &x->ep, now, k))
		return false;
	n->counters[ZT_CTR_RATE_LIMITED]++;
	return true;
}

bool zt_relay_handle_msg(struct zt_node *n, int64_t now, struct zt_peer *p, int64_t sock,
                         const struct zt_endpoint *from, const uint8_t *msg, size_t len)
{
	switch (msg[0]) {
	case ZT_MSG_REGISTER: {
		uint8_t reply[9 + 19];
		size_t off;
		if (len < 9)
			break;
		/* The optional tail: NAT type and LAN endpoints. */
		if (len >= 11) {
			struct zt_endpoint locals[ZT_MAX_LOCAL_ENDPOINTS];
			struct zt_endpoint mapped[ZT_MAX_MAPPED_ENDPOINTS];
			unsigned count = msg[10], nlocals = 0, nmapped = 0;
			size_t in = 11;
			p->nat_type = msg[9] <= ZT_NAT_SYMMETRIC ? msg[9] : ZT_NAT_UNKNOWN;
			for (unsigned i = 0; i < count; i++) {
				struct zt_endpoint ep;
				size_t used = zt_endpoint_decode(&ep, msg + in, len - in);
				if (used == 0) {
					n->counters[ZT_CTR_RX_MALFORMED]++;
					break;
				}
				in += used;
				if (nlocals < ZT_MAX_LOCAL_ENDPOINTS)
					locals[nlocals++] = ep;
			}
			/* Then its port mappings (UPnP, NAT-PMP). */
			if (in < len) {
				count = msg[in++];
				for (unsigned i = 0; i < count; i++) {
					struct zt_endpoint ep;
					size_t used = zt_endpoint_decode(&ep, msg + in, len - in);
					if (used == 0) {
						n->counters[ZT_CTR_RX_MALFORMED]++;
						break;
					}
					in += used;
					if (nmapped < ZT_MAX_MAPPED_ENDPOINTS)
						mapped[nmapped++] = ep;
				}
			}
			/* Kept sized by need (most nodes have one or two). */
			if (!zt_peer_set_eps(p, locals, nlocals, mapped, nmapped))
				n->counters[ZT_CTR_NO_MEMORY]++;
		}
		reply[0] = ZT_MSG_REGISTER_OK;
		memcpy(reply + 1, msg + 1, 8);
		off = 9 + zt_endpoint_encode(from, reply + 9);
		/* Reply where it came from: that is what reflection means.  An
		 * endpoint not validated yet (a move, or a forged source) gets
		 * it only within what came from there (a node pads its
		 * REGISTER for that); else it goes on the validated path. */
		if (zt_peer_path_spend(p, from, off + ZT_DATA_OVERHEAD))
			(void)zt_send_msg_to(n, now, p, sock, from, reply, off);
		else
			(void)zt_send_msg(n, now, p, reply, off);
		return true;
	}
	case ZT_MSG_WHOIS: {
		uint8_t reply[6 + 32 + 1 + 4 * 19];
		struct zt_peer *q;
		size_t off;
		if (len != 6)
			break;
		if (over_rate(n, now, p, ZT_RATE_WHOIS))
			return true;
		q = zt_peer_find(n, zt_get_u40(msg + 1));
		if (q == NULL || !q->has_identity) {
			reply[0] = ZT_MSG_WHOIS_NONE;
			memcpy(reply + 1, msg + 1, 5);
			(void)zt_send_msg(n, now, p, reply, 6);
			return true;
		}
		reply[0] = ZT_MSG_WHOIS_OK;
		memcpy(reply + 1, msg + 1, 5);
		memcpy(reply + 6, q->pk, 32);
		off = 38 + put_endpoints(q, reply + 38, sizeof reply - 38, now, 4);
		(void)zt_send_msg(n, now, p, reply, off);
		return true;
	}
	case ZT_MSG_RENDEZVOUS_REQ: {
		struct zt_peer *q;
		if (len != 6)
			break;
		/* Each sends a third party a message: ZT_RENDEZVOUS_PER_SEC
		 * per requester (a node meeting a whole network asks for many
		 * at once). */
		if (over_rate(n, now, p, ZT_RATE_RENDEZVOUS))
			return true;
		q = zt_peer_find(n, zt_get_u40(msg + 1));
		if (q == NULL || !q->has_identity || q == p)
			return true;
		send_rendezvous(n, now, p, q);
		send_rendezvous(n, now, q, p);
		return true;
	}
	case ZT_MSG_LATER: {
		unsigned d;
		if (len != 3)
			break;
		d = zt_get_u16(msg + 1);
		/* Bounded: one pending per peer, at most ZT_LATER_MAX s. */
		if (d > 0 && d <= ZT_LATER_MAX)
			p->later_at = now + (int64_t)d * 1000;
		return true;
	}
	case ZT_MSG_NET_ANNOUNCE: {
		struct zt_dir_net *d;
		if (len != 10)
			break;
		/* Each costs a NET_MEMBERS, and a newcomer a message to up to
		 * ZT_NET_MEMBERS_PER_MSG others. */
		if (over_rate(n, now, p, ZT_RATE_ANNOUNCE))
			return true;
		if (msg[9] & 1) {
			d = dir_find(n, msg + 1, false);
			if (d != NULL)
				dir_remove(n, d, p->address);
			return true;
		}
		d = dir_find(n, msg + 1, false);
		if ((d == NULL || !dir_has(d, p->address)) && p->dir_count >= ZT_MAX_NETWORKS)
			return true; /* more networks than a node can join */
		if (d == NULL)
			d = dir_find(n, msg + 1, true);
		if (d == NULL)
			return true;
		if (dir_add(n, d, p->address, now)) {
			p->dir_count++;
			announce_newcomer(n, now, p->address, d);
		}
		send_members(n, now, p, d);
		return true;
	}
	default: return false;
	}
	n->counters[ZT_CTR_RX_MALFORMED]++;
	return true;
}
