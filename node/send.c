/* SPDX-License-Identifier: MIT */
/*
 * send.c - everything that leaves for a peer: inner messages sealed with
 * the current keys (or queued while there are none), the path they take
 * (direct, or through the best root), FRAG cutting at the path's MTU, and
 * the small requests a member sends its roots (REGISTER, WHOIS,
 * RENDEZVOUS_REQ) and its peers' paths (ECHO).
 */
#include <string.h>

#include "batch.h"
#include "frag.h"
#include "handshake.h"
#include "host.h"
#include "mem.h"
#include "nat.h"
#include "node.h"
#include "peer.h"
#include "pmtu.h"
#include "send.h"
#include "session.h"
#include "timers.h"
#include "util.h"
#include "wire.h"

/* Send a packet, cut into FRAG datagrams of at most `mtu` bytes: ZT_OK,
 * or ZT_ECALLBACK if the host failed to send one of them. */
static int raw_send_mtu(struct zt_node *n, int64_t sock, const struct zt_endpoint *to,
                        const uint8_t *pkt, size_t len, size_t mtu)
{
	unsigned count;
	uint8_t frag[ZT_UDP_MAX];
	uint32_t id;
	int r = ZT_OK;

	if (mtu > ZT_UDP_MAX)
		mtu = ZT_UDP_MAX;
	count = zt_frag_count(len, mtu);
	if (count == 1)
		return zt_host_wire_send(n, sock, to, pkt, len);
	if (count > ZT_FRAG_MAX)
		return ZT_OK; /* cannot happen: packets are at most ZT_PACKET_MAX */
	n->counters[ZT_CTR_TX_FRAGMENTED]++;
	id = n->next_frag_id++;
	for (unsigned i = 0; i < count; i++) {
		size_t fl = zt_frag_build(pkt, len, mtu, id, i, count, frag);
		if (zt_host_wire_send(n, sock, to, frag, fl) != ZT_OK)
			r = ZT_ECALLBACK;
	}
	return r;
}

/* The path MTU of the direct path to `to`, if it is one of p's. */
static size_t path_mtu(const struct zt_peer *p, int64_t sock, const struct zt_endpoint *to)
{
	for (unsigned i = 0; p != NULL && i < p->npaths; i++)
		if (p->paths[i].used && p->paths[i].sock == sock &&
		    zt_endpoint_eq(&p->paths[i].ep, to))
			return zt_pmtu_of(&p->paths[i]);
	return ZT_PMTU_MIN;
}

/* Handshakes, cookies and replies to unknown senders are small; anything
 * else goes through raw_send_mtu with the path's MTU. */
int zt_send_raw(struct zt_node *n, int64_t sock, const struct zt_endpoint *to, const uint8_t *pkt,
                size_t len)
{
	return raw_send_mtu(n, sock, to, pkt, len, ZT_PMTU_MIN);
}

/* Send a whole packet to p: direct if a path is alive, else via a root. */
int zt_send_packet(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *pkt,
                   size_t len)
{
	struct zt_path *path = zt_peer_best_path(n, p, now);
	int r = ZT_OK;

	if (path != NULL) {
		r = raw_send_mtu(n, path->sock, &path->ep, pkt, len, zt_pmtu_of(path));
		zt_timers_path_sent(path, now);
	} else if (p->is_root) {
		/* Not heard yet: try every endpoint the roots file gives. */
		for (unsigned i = 0; i < p->npaths; i++) {
			if (p->paths[i].used) {
				if (zt_send_raw(n, p->paths[i].sock, &p->paths[i].ep, pkt, len) !=
				    ZT_OK)
					r = ZT_ECALLBACK;
				zt_timers_path_sent(&p->paths[i], now);
			}
		}
	} else {
		struct zt_peer *root = zt_peer_best_root(n, now);
		struct zt_path *rp = root != NULL ? zt_peer_best_path(n, root, now) : NULL;
		if (rp == NULL) {
			n->counters[ZT_CTR_FRAMES_DROPPED]++;
			return ZT_OK;
		}
		r = zt_send_raw(n, rp->sock, &rp->ep, pkt, len);
		zt_timers_relayed(n, now, root);
	}
	zt_timers_packet_sent(p, now);
	p->tx_packets++;
	return r;
}

static void queue_msg(struct zt_peer *p, const uint8_t *msg, size_t len)
{
	struct zt_qmsg *q;
	uint8_t *copy = zt_mem_alloc(p->mem, len);

	if (copy == NULL)
		return;
	if (p->queue == NULL) {
		p->queue = zt_mem_calloc(p->mem, ZT_PEER_QUEUE, sizeof *p->queue);
		if (p->queue == NULL) {
			zt_mem_free(p->mem, copy);
			return;
		}
	}
	memcpy(copy, msg, len);
	if (p->qcount == ZT_PEER_QUEUE) {
		/* Full: the oldest message goes. */
		q = &p->queue[p->qhead];
		zt_mem_free(p->mem, q->data);
		p->qhead = (p->qhead + 1) % ZT_PEER_QUEUE;
		p->qcount--;
	}
	q = &p->queue[(p->qhead + p->qcount) % ZT_PEER_QUEUE];
	q->data = copy;
	q->len = (uint16_t)len;
	p->qcount++;
}

int zt_send_msg(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg, size_t len)
{
	struct zt_keypair *kp;
	size_t plen;
	int r = ZT_OK;

	if (len + ZT_DATA_OVERHEAD > ZT_PACKET_MAX)
		return ZT_ERANGE;
	kp = zt_peer_send_keypair(p, now);
	if (kp == NULL) {
		queue_msg(p, msg, len);
		zt_send_want_peer(n, now, p);
		return ZT_OK;
	}
	if (n->deferring) {
		if (!zt_batch_seal(n, now, p, kp, msg, len)) {
			/* too big for a job: send it now, after what came first */
			zt_batch_flush(n, now);
			plen = zt_session_seal(kp, p->address, n->id.address, msg, len, n->pkt);
			r = zt_send_packet(n, now, p, n->pkt, plen);
		}
	} else {
		plen = zt_session_seal(kp, p->address, n->id.address, msg, len, n->pkt);
		r = zt_send_packet(n, now, p, n->pkt, plen);
	}
	zt_timers_data_sent(n, now, p, kp);
	return r;
}

int zt_send_msg_to(struct zt_node *n, int64_t now, struct zt_peer *p, int64_t sock,
                   const struct zt_endpoint *to, const uint8_t *msg, size_t len)
{
	struct zt_keypair *kp = zt_peer_send_keypair(p, now);
	size_t plen;
	int r;

	if (kp == NULL)
		return ZT_ENOTFOUND;
	if (len + ZT_DATA_OVERHEAD > ZT_PACKET_MAX)
		return ZT_ERANGE;
	plen = zt_session_seal(kp, p->address, n->id.address, msg, len, n->pkt);
	/* A probe is exactly as big as it must be: never cut it. */
	r = raw_send_mtu(n, sock, to, n->pkt, plen,
	                 msg[0] == ZT_MSG_PMTU_PROBE ? ZT_UDP_MAX : path_mtu(p, sock, to));
	zt_timers_packet_sent(p, now);
	p->tx_packets++;
	return r;
}

void zt_send_flush_queue(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	while (p->qcount > 0 && zt_peer_send_keypair(p, now) != NULL) {
		struct zt_qmsg q = p->queue[p->qhead];
		p->queue[p->qhead].data = NULL;
		p->qhead = (p->qhead + 1) % ZT_PEER_QUEUE;
		p->qcount--;
		(void)zt_send_msg(n, now, p, q.data, q.len);
		zt_mem_free(&n->mem, q.data);
	}
}

void zt_send_echo_to(struct zt_node *n, int64_t now, struct zt_peer *p, int64_t sock,
                     const struct zt_endpoint *to)
{
	uint8_t msg[13];
	msg[0] = ZT_MSG_ECHO;
	zt_put_u32(msg + 1, zt_node_random_u32(n));
	zt_put_u64(msg + 5, (uint64_t)now);
	(void)zt_send_msg_to(n, now, p, sock, to, msg, sizeof msg);
}

void zt_send_echo(struct zt_node *n, int64_t now, struct zt_peer *p, struct zt_path *x)
{
	uint8_t msg[13];

	if (zt_peer_send_keypair(p, now) == NULL)
		return;
	if (!x->validated) {
		/* A challenge (doc/PROTOCOL.md §8 "Path validation"): 96 random
		 * bits, the same until answered, that only a receiver at that
		 * endpoint can echo back.  Punching probes a root's candidates
		 * (within the punch budget); an endpoint learnt from a source
		 * gets no more than came from it. */
		if (!x->vouched && !zt_peer_path_spend(p, &x->ep, sizeof msg + ZT_DATA_OVERHEAD)) {
			n->counters[ZT_CTR_PATH_UNPROVEN]++;
			return;
		}
		/* A punch probe to a root's candidate: from the node's punch
		 * budget (nat.c), however many peers and candidates there are. */
		if (x->vouched && zt_nat_punch_take(n, now, 1) == 0)
			return;
		if (x->challenge_sent == 0)
			zt_host_random(n, x->challenge, sizeof x->challenge);
		x->challenge_sent = now;
		msg[0] = ZT_MSG_ECHO;
		memcpy(msg + 1, x->challenge, sizeof x->challenge);
	} else {
		msg[0] = ZT_MSG_ECHO;
		zt_put_u32(msg + 1, zt_node_random_u32(n));
		zt_put_u64(msg + 5, (uint64_t)now);
	}
	if (x->last_rx == 0)
		n->counters[ZT_CTR_PUNCH_PROBES]++;
	zt_timers_echo_sent(x, now);
	(void)zt_send_msg_to(n, now, p, x->sock, &x->ep, msg, sizeof msg);
	zt_timers_path_sent(x, now);
}

size_t zt_send_register_build(struct zt_node *n, int64_t now, uint8_t *msg)
{
	size_t off = 11;
	msg[0] = ZT_MSG_REGISTER;
	zt_put_u64(msg + 1, (uint64_t)now);
	/* Our NAT type and LAN endpoints: the root passes them on to peers
	 * (the LAN ones only to peers behind the same public address). */
	msg[9] = (uint8_t)zt_node_nat_type(n);
	msg[10] = (uint8_t)n->nlocals;
	for (unsigned i = 0; i < n->nlocals; i++)
		off += zt_endpoint_encode(&n->locals[i], msg + off);
	/* ... and the port mappings our router gave us (for every peer). */
	msg[off++] = (uint8_t)n->nmapped;
	for (unsigned i = 0; i < n->nmapped; i++)
		off += zt_endpoint_encode(&n->mapped[i], msg + off);
	/* Padded so that a root that sees it come from an endpoint it has
	 * not validated (our NAT moved us) can answer there with both its
	 * challenge and REGISTER_OK without sending more than came. */
	if (off < ZT_REGISTER_MIN) {
		memset(msg + off, 0, ZT_REGISTER_MIN - off);
		off = ZT_REGISTER_MIN;
	}
	return off;
}

void zt_send_register(struct zt_node *n, int64_t now, struct zt_peer *r)
{
	uint8_t msg[ZT_REGISTER_MAX];
	size_t len = zt_send_register_build(n, now, msg);
	zt_timers_register_sent(r, now);
	(void)zt_send_msg(n, now, r, msg, len);
}

/* A question for the roots: asked of every root that is up (the first
 * answer wins, and a dead root costs nothing), or of all when none is. */
static void send_to_roots(struct zt_node *n, int64_t now, const uint8_t *msg, size_t len)
{
	bool any_up = zt_peer_best_root(n, now) != NULL;
	for (unsigned i = 0; i < n->roots.count; i++) {
		struct zt_peer *r = n->root_peers[i];
		if (r == NULL || (any_up && !zt_peer_root_is_up(n, r, now)) ||
		    (any_up && zt_nat_probe_silent(n, r)))
			continue;
		zt_timers_root_asked(r, now);
		(void)zt_send_msg(n, now, r, msg, len);
	}
}

void zt_send_whois(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	uint8_t msg[6];
	struct zt_peer_reach *rc = zt_peer_reach(n, p);
	if (rc == NULL || (rc->whois_sent != 0 && now - rc->whois_sent < ZT_WHOIS_RETRY))
		return;
	msg[0] = ZT_MSG_WHOIS;
	zt_put_u40(msg + 1, p->address);
	rc->whois_sent = now;
	send_to_roots(n, now, msg, sizeof msg);
}

void zt_send_rendezvous_req(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	uint8_t msg[6];
	struct zt_peer *r = zt_peer_best_root(n, now);
	struct zt_peer_reach *rc;
	if (r == NULL || (rc = zt_peer_reach(n, p)) == NULL)
		return;
	msg[0] = ZT_MSG_RENDEZVOUS_REQ;
	zt_put_u40(msg + 1, p->address);
	rc->rendezvous_sent = now;
	(void)zt_send_msg(n, now, r, msg, sizeof msg);
}

void zt_send_want_peer(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	if (!p->has_identity) {
		if (!n->is_root)
			zt_send_whois(n, now, p);
		return;
	}
	if (zt_peer_send_keypair(p, now) == NULL) {
		zt_hs_start(n, now, p);
		if (!p->is_root && !n->is_root && zt_peer_best_path(n, p, now) == NULL &&
		    (zt_peer_reach_of(p)->rendezvous_sent == 0 ||
		     now - zt_peer_reach_of(p)->rendezvous_sent >= 1000))
			zt_send_rendezvous_req(n, now, p);
	}
}
