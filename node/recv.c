/* SPDX-License-Identifier: MIT */
/*
 * recv.c - what arrives from the wire: the outer header checked, packets
 * for others relayed (roots) or dropped, fragments reassembled, handshake
 * packets passed to handshake.c, DATA packets opened and their inner
 * messages dispatched to the module each belongs to.
 *
 * Hostile input is dropped and counted, never returned as an error
 * (doc/PROTOCOL.md §3-§5).
 */
#include <sodium.h>
#include <string.h>

#include "frag.h"
#include "handshake.h"
#include "host.h"
#include "identity.h"
#include "member.h"
#include "multicast.h"
#include "nat.h"
#include "node.h"
#include "peer.h"
#include "pmtu.h"
#include "recv.h"
#include "relay.h"
#include "send.h"
#include "session.h"
#include "swver.h"
#include "switch.h"
#include "util.h"
#include "wire.h"

static void handle_whois_ok(struct zt_node *n, int64_t now, const uint8_t *msg, size_t len)
{
	struct zt_peer *q;
	size_t off;
	unsigned count;
	uint64_t a;

	if (len < 39) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	a = zt_get_u40(msg + 1);
	q = zt_peer_get(n, now, a);
	if (q == NULL)
		return;
	if (!q->has_identity) {
		/* Roots are not trusted with identities: check it ourselves
		 * (or remember that we did). */
		if (!zt_hs_identity_ok(n, now, a, msg + 6)) {
			n->counters[ZT_CTR_HS_REJECTED]++;
			return;
		}
		memcpy(q->pk, msg + 6, 32);
		q->has_identity = true;
	} else if (sodium_memcmp(q->pk, msg + 6, 32) != 0) {
		return;
	}
	count = msg[38];
	if (count > 4)
		count = 4; /* roots send at most 4: no amplification by a root */
	off = 39;
	for (unsigned i = 0; i < count; i++) {
		struct zt_endpoint ep;
		size_t used = zt_endpoint_decode(&ep, msg + off, len - off);
		if (used == 0) {
			n->counters[ZT_CTR_RX_MALFORMED]++;
			break;
		}
		off += used;
		(void)zt_peer_add_candidate(n, q, now, &ep);
	}
	if (q->qcount > 0)
		zt_send_want_peer(n, now, q);
}

static void handle_rendezvous(struct zt_node *n, int64_t now, const uint8_t *msg, size_t len)
{
	struct zt_peer *q;
	struct zt_peer_reach *rc;
	size_t off = 7;
	unsigned count;

	if (len < 7) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	q = zt_peer_get(n, now, zt_get_u40(msg + 1));
	if (q == NULL)
		return;
	count = msg[6];
	/* Without it (out of memory, counted) the candidates are still tried,
	 * only not punched at. */
	rc = zt_peer_reach(n, q);
	if (rc != NULL) {
		if (now >= rc->punch_until)
			rc->punch_since = now;
		rc->punch_until = now + ZT_PUNCH_TIME;
	}
	for (unsigned i = 0; i < count; i++) {
		struct zt_endpoint ep;
		struct zt_path *x;
		size_t used = zt_endpoint_decode(&ep, msg + off, len - off);
		if (used == 0) {
			n->counters[ZT_CTR_RX_MALFORMED]++;
			return;
		}
		off += used;
		/* At most the first ZT_RENDEZVOUS_MAX_EPS (roots send no more;
		 * the rest are read past): a root cannot make us probe many
		 * addresses. */
		if (i >= ZT_RENDEZVOUS_MAX_EPS)
			continue;
		if (i == 0 && rc != NULL)
			rc->pub = ep; /* the freshest public endpoint comes first */
		x = zt_peer_add_candidate(n, q, now, &ep);
		/* Punch now: both ends got the rendezvous at about the same
		 * time.  Once a second per endpoint at most, however many
		 * rendezvous come (zt_send_echo takes the punch budget). */
		if (x != NULL && !x->validated && zt_peer_send_keypair(q, now) != NULL &&
		    (x->last_echo == 0 || now - x->last_echo >= ZT_PUNCH_INTERVAL))
			zt_send_echo(n, now, q, x);
	}
	/* A newer root appends the peer's NAT type. */
	if (off < len)
		q->nat_type = msg[off] <= ZT_NAT_SYMMETRIC ? msg[off] : ZT_NAT_UNKNOWN;
	if (zt_peer_send_keypair(q, now) == NULL)
		zt_send_want_peer(n, now, q);
	else
		zt_nat_maybe_birthday(n, now, q);
}

/* An ECHO is answered where it came from, with the endpoint it came from
 * (reflection); to an endpoint not validated yet only as much as came from
 * there: without the endpoint (as big as the ECHO) or not at all. */
static void handle_echo(struct zt_node *n, int64_t now, struct zt_peer *p, int64_t sock,
                        const struct zt_endpoint *from, unsigned hops, const uint8_t *msg,
                        size_t len)
{
	uint8_t reply[13 + 19];
	size_t rl;

	if (len != 13) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	memcpy(reply, msg, 13);
	reply[0] = ZT_MSG_ECHO_REPLY;
	if (hops != 0) {
		/* Relayed: the source is a root's, and says nothing of ours. */
		(void)zt_send_msg(n, now, p, reply, 13);
		return;
	}
	rl = 13 + zt_endpoint_encode(from, reply + 13);
	if (!zt_peer_path_spend(p, from, rl + ZT_DATA_OVERHEAD)) {
		rl = 13;
		if (!zt_peer_path_spend(p, from, rl + ZT_DATA_OVERHEAD)) {
			n->counters[ZT_CTR_PATH_UNPROVEN]++;
			return;
		}
	}
	(void)zt_send_msg_to(n, now, p, sock, from, reply, rl);
}

/* An ECHO_REPLY from `from`: the answer to the path's challenge validates
 * it (doc/PROTOCOL.md §8 "Path validation"); any other gives its RTT. */
static void handle_echo_reply(struct zt_node *n, int64_t now, struct zt_peer *p,
                              const struct zt_endpoint *from, const uint8_t *msg)
{
	struct zt_path *x = zt_peer_path_to(p, from);
	int64_t sent;
	int s;

	if (x == NULL)
		return;
	if (!x->validated) {
		if (x->challenge_sent == 0 ||
		    sodium_memcmp(msg + 1, x->challenge, sizeof x->challenge) != 0)
			return;
		x->validated = true;
		x->credit = 0;
		sent = x->challenge_sent;
		if (zt_host_can_log(n)) {
			char buf[96];
			struct zt_strbuf sb = {buf, sizeof buf, 0};
			zt_strbuf_put(&sb, "path validated to ");
			zt_strbuf_hex(&sb, p->address, 10);
			zt_strbuf_put(&sb, " at ");
			zt_strbuf_ep(&sb, from);
			zt_host_log(n, ZT_LOG_DEBUG, buf);
		}
	} else {
		sent = (int64_t)zt_get_u64(msg + 5);
	}
	if (sent > now || now - sent >= 60000)
		return;
	s = (int)(now - sent);
	x->rtt = x->rtt < 0 ? s : (x->rtt * 7 + s) / 8;
}

/* Our NAT moved us (the root we ask for introductions reflects another
 * endpoint).  A root lists an endpoint only once it validated it, so the
 * rendezvous asked for when the direct paths were lost may have named the
 * old one: ask again for every peer in use that is relayed.  The REGISTER
 * that this answers carried our answer to its challenge before. */
static void rendezvous_again(struct zt_node *n, int64_t now)
{
	for (size_t b = 0; b < n->bucket_count; b++)
		for (struct zt_peer *q = n->buckets[b]; q != NULL; q = q->hnext)
			if (!q->is_root && q->kind == ZT_PATH_RELAY && zt_peer_is_active(q, now))
				zt_send_rendezvous_req(n, now, q);
}

static void handle_msg(struct zt_node *n, int64_t now, struct zt_peer *p, int64_t sock,
                       const struct zt_endpoint *from, unsigned hops, const uint8_t *msg,
                       size_t len)
{
	if (len == 0) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	if (n->is_root && zt_relay_handle_msg(n, now, p, sock, from, msg, len))
		return;
	if (!n->is_root && (msg[0] & 0xf0) == 0x20 && zt_member_handle_msg(n, now, p, msg, len))
		return;
	switch (msg[0]) {
	case ZT_MSG_KEEPALIVE: break;
	case ZT_MSG_FRAME: zt_switch_frame_from_peer(n, now, p, msg, len); break;
	case ZT_MSG_ECHO: handle_echo(n, now, p, sock, from, hops, msg, len); break;
	case ZT_MSG_ECHO_REPLY:
		if (len < 13)
			goto bad;
		if (hops == 0)
			handle_echo_reply(n, now, p, from, msg);
		break;
	case ZT_MSG_REGISTER_OK: {
		int64_t sent;
		struct zt_endpoint ep;
		if (!p->is_root || p->root == NULL || len < 9)
			goto bad;
		sent = (int64_t)zt_get_u64(msg + 1);
		if (sent <= now && now - sent < 60000) {
			int s = (int)(now - sent);
			int *rtt = &p->root->rtt;
			*rtt = *rtt < 0 ? s : (*rtt * 7 + s) / 8;
			for (unsigned i = 0; i < p->npaths; i++)
				if (p->paths[i].used && zt_endpoint_eq(&p->paths[i].ep, from))
					p->paths[i].rtt = *rtt;
		}
		if (zt_endpoint_decode(&ep, msg + 9, len - 9) != 0) {
			bool moved = p->root->reflected.family != 0 &&
			             !zt_endpoint_eq(&p->root->reflected, &ep);
			p->root->reflected = ep;
			if (moved && p == zt_peer_best_root(n, now))
				rendezvous_again(n, now);
		}
		break;
	}
	case ZT_MSG_WHOIS_OK:
		if (!p->is_root)
			goto bad;
		handle_whois_ok(n, now, msg, len);
		break;
	case ZT_MSG_WHOIS_NONE: break;
	case ZT_MSG_RENDEZVOUS:
		if (!p->is_root)
			goto bad;
		handle_rendezvous(n, now, msg, len);
		break;
	case ZT_MSG_LATE:
		if (!p->is_root)
			goto bad;
		zt_nat_late(n, now, p);
		break;
	case ZT_MSG_BIRTHDAY:
		if (p->is_root)
			goto bad;
		zt_nat_birthday_msg(n, now, p, msg, len);
		break;
	case ZT_MSG_NET_MEMBERS:
		if (!p->is_root)
			goto bad;
		zt_switch_members_msg(n, now, p, msg, len);
		break;
	case ZT_MSG_MC_LIKE:
	case ZT_MSG_MC_UNLIKE: zt_mc_handle_msg(n, now, p, msg, len); break;
	case ZT_MSG_PMTU_PROBE:
	case ZT_MSG_PMTU_ACK: zt_pmtu_handle(n, now, p, sock, from, hops, msg, len); break;
	case ZT_MSG_VERSION: zt_swver_handle(n, now, p, msg, len); break;
	default:
		/* Unknown messages are ignored, so newer nodes can add some. */
		break;
	}
	return;
bad:
	n->counters[ZT_CTR_RX_MALFORMED]++;
}

struct zt_keypair *zt_recv_data_keypair(struct zt_node *n, int64_t now, const struct zt_hdr *h,
                                        const uint8_t *pkt, size_t len, struct zt_peer **pp)
{
	struct zt_peer *p;
	struct zt_keypair *kp = NULL;
	uint32_t idx;

	*pp = NULL;
	if (len < ZT_DATA_OVERHEAD) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return NULL;
	}
	p = zt_peer_find(n, h->src);
	idx = zt_get_u32(pkt + ZT_HDR_LEN);
	if (p != NULL)
		kp = zt_peer_keypair_by_index(p, idx);
	if (kp == NULL || now - kp->born >= ZT_REJECT_AFTER_TIME) {
		n->counters[ZT_CTR_RX_NO_SESSION]++;
		return NULL;
	}
	*pp = p;
	return kp;
}

static void handle_data(struct zt_node *n, int64_t now, int64_t sock,
                        const struct zt_endpoint *from, const struct zt_hdr *h, const uint8_t *pkt,
                        size_t len)
{
	struct zt_peer *p;
	struct zt_keypair *kp = zt_recv_data_keypair(n, now, h, pkt, len, &p);
	size_t mlen;
	int r;

	if (kp == NULL)
		return;
	r = zt_session_open(kp, pkt, len, n->pkt2, &mlen);
	if (r == ZT_EINVAL) {
		n->counters[ZT_CTR_RX_REPLAY]++;
		return;
	}
	if (r != ZT_OK) {
		n->counters[ZT_CTR_RX_AUTH_FAIL]++;
		return;
	}
	zt_recv_data_deliver(n, now, p, kp, sock, from, h, n->pkt2, mlen);
}

void zt_recv_data_deliver(struct zt_node *n, int64_t now, struct zt_peer *p, struct zt_keypair *kp,
                          int64_t sock, const struct zt_endpoint *from, const struct zt_hdr *h,
                          const uint8_t *msg, size_t mlen)
{
	struct zt_path *x;

	if (zt_nat_sock_deaf(n, sock))
		return; /* (batched DATA comes here without zt_recv_wire_one) */
	if (kp == p->kp_next) {
		/* The initiator used the new keys: it got our HS_RESP, so the
		 * endpoint that went to is its own; they become current. */
		zt_peer_path_resp_confirmed(p, kp->local_index);
		zt_peer_keypair_promote(p);
		zt_mc_session_up(n, now, p, false);
		zt_swver_session_up(n, now, p);
		if (p->qcount > 0)
			zt_send_flush_queue(n, now, p);
	}
	x = zt_peer_learn_path(n, p, now, sock, from, h->hops, mlen + ZT_DATA_OVERHEAD);
	/* A new endpoint (roaming, or a forged source): challenge it at
	 * once, so that a real move is validated within a round trip (not
	 * on an ECHO_REPLY: that may be the answer). */
	if (x != NULL && !x->validated && mlen > 0 && msg[0] != ZT_MSG_ECHO_REPLY &&
	    (x->challenge_sent == 0 || now - x->challenge_sent >= ZT_PATH_CHALLENGE))
		zt_send_echo(n, now, p, x);
	handle_msg(n, now, p, sock, from, h->hops, msg, mlen);
}

/* Whether p (with a session) proved that it sends and receives at `from`. */
static bool heard_from(const struct zt_peer *p, const struct zt_endpoint *from)
{
	if (p == NULL || !p->kp_cur.valid)
		return false;
	for (unsigned i = 0; i < p->npaths; i++)
		if (p->paths[i].used && p->paths[i].last_rx != 0 && p->paths[i].validated &&
		    zt_endpoint_eq(&p->paths[i].ep, from))
			return true;
	return false;
}

/* Who a fragment comes from, for fair reassembly (frag.h): the endpoint,
 * known if its claimed sender was heard there, or if one of our roots was
 * (relayed, the root vouches for the sender: it relays only from where
 * that sender's session is). */
static struct zt_frag_src frag_source(const struct zt_node *n, const struct zt_hdr *h,
                                      const struct zt_endpoint *from)
{
	struct zt_frag_src s = {.ep = *from};

	s.known = heard_from(zt_peer_find(n, h->src), from);
	for (unsigned i = 0; !s.known && h->hops > 0 && i < n->roots.count; i++)
		if (heard_from(n->root_peers[i], from)) {
			s.known = true;
			s.relayed = h->src;
		}
	return s;
}

static void process_packet(struct zt_node *n, int64_t now, int64_t sock,
                           const struct zt_endpoint *from, uint8_t *pkt, size_t len, bool inner)
{
	struct zt_hdr h;

	if (!zt_wire_hdr_decode(&h, pkt, len)) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	if (h.dst != n->id.address) {
		if (n->is_root && !inner)
			zt_relay_forward(n, now, &h, sock, from, pkt, len);
		else
			n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	if (h.src == n->id.address || !zt_identity_address_valid(h.src)) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	switch (h.type) {
	case ZT_PT_HS_INIT: zt_hs_handle_init(n, now, sock, from, &h, pkt, len); break;
	case ZT_PT_HS_RESP: zt_hs_handle_resp(n, now, sock, from, &h, pkt, len); break;
	case ZT_PT_COOKIE: zt_hs_handle_cookie(n, now, &h, pkt, len); break;
	case ZT_PT_DATA: handle_data(n, now, sock, from, &h, pkt, len); break;
	case ZT_PT_FRAG: {
		uint8_t *whole = n->rbuf;
		size_t wlen = 0;
		struct zt_frag_src fs;
		int r;
		if (inner) {
			n->counters[ZT_CTR_RX_MALFORMED]++;
			break;
		}
		fs = frag_source(n, &h, from);
		r = zt_frag_add(&n->frag, now, &fs, pkt, len, whole, &wlen);
		if (r < 0)
			n->counters[ZT_CTR_RX_MALFORMED]++;
		else if (r == 1)
			process_packet(n, now, sock, from, whole, wlen, true);
		break;
	}
	default: n->counters[ZT_CTR_RX_MALFORMED]++; break;
	}
}

void zt_recv_wire_one(struct zt_node *n, int64_t now, int64_t sock, const struct zt_endpoint *from,
                      const void *pkt, size_t len)
{
	if (len > ZT_UDP_MAX + 64 || len < ZT_HDR_LEN) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	/* A birthday socket that lost hears nothing: the peer must learn
	 * only the winner's mapping (nat.c). */
	if (zt_nat_sock_deaf(n, sock))
		return;
	/* Work on a copy: a root rewrites the hop count in place. */
	memcpy(n->pktin, pkt, len);
	process_packet(n, now, sock, from, n->pktin, len, false);
}
