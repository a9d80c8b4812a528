/* SPDX-License-Identifier: MIT */
/*
 * node.c - the node: entry points, handshakes, packet dispatch and timers.
 *
 * Pure: time arrives as `now`, packets as arguments, and everything leaves
 * through the host callbacks.  Hostile input is dropped and counted, never
 * returned as an error.  See doc/PROTOCOL.md for the state machines.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "node_int.h"
#include "util.h"

#define SCAN_INTERVAL 500

static const char *const counter_names[ZT_CTR_COUNT] = {
    [ZT_CTR_RX_PACKETS] = "rx_packets",
    [ZT_CTR_RX_MALFORMED] = "rx_malformed",
    [ZT_CTR_RX_AUTH_FAIL] = "rx_auth_fail",
    [ZT_CTR_RX_REPLAY] = "rx_replay",
    [ZT_CTR_RX_NO_SESSION] = "rx_no_session",
    [ZT_CTR_RX_UNKNOWN_PEER] = "rx_unknown_peer",
    [ZT_CTR_HS_INIT_RX] = "hs_init_rx",
    [ZT_CTR_HS_COOKIE_SENT] = "hs_cookie_sent",
    [ZT_CTR_HS_REJECTED] = "hs_rejected",
    [ZT_CTR_FRAG_DROPPED] = "frag_dropped",
    [ZT_CTR_RELAYED] = "relayed",
    [ZT_CTR_FRAMES_IN] = "frames_in",
    [ZT_CTR_FRAMES_OUT] = "frames_out",
    [ZT_CTR_FRAMES_DROPPED] = "frames_dropped",
    [ZT_CTR_FORGED_SRC_MAC] = "forged_src_mac",
    [ZT_CTR_COM_REJECTED] = "com_rejected",
    [ZT_CTR_NETCONF_BAD] = "netconf_bad",
    [ZT_CTR_PUNCH_PROBES] = "punch_probes",
    [ZT_CTR_PATH_LOST] = "path_lost",
    [ZT_CTR_MC_REFUSED] = "mc_refused",
    [ZT_CTR_MC_UNWANTED] = "mc_unwanted",
    [ZT_CTR_BRIDGE_LOOP] = "bridge_loop",
    [ZT_CTR_NOT_FOR_US] = "not_for_us",
    [ZT_CTR_PMTU_PROBES] = "pmtu_probes",
    [ZT_CTR_NO_MEMORY] = "no_memory",
    [ZT_CTR_TX_FRAGMENTED] = "tx_fragmented",
};

const char *zt_counter_name(enum zt_counter c)
{
	if ((int)c < 0 || c >= ZT_CTR_COUNT)
		return "unknown";
	return counter_names[c];
}

uint64_t zt_node_counter(const struct zt_node *n, enum zt_counter c)
{
	if ((int)c < 0 || c >= ZT_CTR_COUNT)
		return 0;
	if (c == ZT_CTR_FRAG_DROPPED)
		return n->counters[c] + n->frag.dropped;
	return n->counters[c];
}

void zt_node_log(struct zt_node *n, enum zt_log_level lvl, const char *msg)
{
	if (n->host.log != NULL)
		n->host.log(n->host.ctx, lvl, msg);
}

void zt_node_random(struct zt_node *n, void *buf, size_t len)
{
	n->host.random(n->host.ctx, buf, len);
}

static uint32_t random_u32(struct zt_node *n)
{
	uint8_t b[4];
	zt_node_random(n, b, sizeof b);
	return zt_get_u32(b);
}

static void log_peer(struct zt_node *n, enum zt_log_level lvl, const char *what, uint64_t addr)
{
	char buf[96];
	struct zt_strbuf sb = {buf, sizeof buf, 0};
	if (n->host.log == NULL)
		return;
	zt_strbuf_put(&sb, what);
	zt_strbuf_put(&sb, " ");
	zt_strbuf_hex(&sb, addr, 10);
	zt_node_log(n, lvl, buf);
}

/* ---- sending ---- */

/* Send a packet, cut into FRAG datagrams of at most `mtu` bytes. */
static void raw_send_mtu(struct zt_node *n, int64_t sock, const struct zt_endpoint *to,
                         const uint8_t *pkt, size_t len, size_t mtu)
{
	unsigned count;
	uint8_t frag[ZT_UDP_MAX];
	uint32_t id;

	if (n->host.wire_send == NULL)
		return;
	if (mtu > ZT_UDP_MAX)
		mtu = ZT_UDP_MAX;
	count = zt_frag_count(len, mtu);
	if (count == 1) {
		(void)n->host.wire_send(n->host.ctx, sock, to, pkt, len);
		return;
	}
	if (count > ZT_FRAG_MAX)
		return;
	n->counters[ZT_CTR_TX_FRAGMENTED]++;
	id = n->next_frag_id++;
	for (unsigned i = 0; i < count; i++) {
		size_t fl = zt_frag_build(pkt, len, mtu, id, i, count, frag);
		(void)n->host.wire_send(n->host.ctx, sock, to, frag, fl);
	}
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
static void raw_send(struct zt_node *n, int64_t sock, const struct zt_endpoint *to,
                     const uint8_t *pkt, size_t len)
{
	raw_send_mtu(n, sock, to, pkt, len, ZT_PMTU_MIN);
}

bool zt_node_root_is_up(const struct zt_node *n, const struct zt_peer *r, int64_t now)
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

/* We sent a root something it always answers (REGISTER, WHOIS). */
static void root_request_sent(struct zt_peer *r, int64_t now)
{
	if (r->root != NULL &&
	    (r->root->awaiting_since == 0 || r->last_rx >= r->root->awaiting_since))
		r->root->awaiting_since = now;
}

struct zt_peer *zt_node_best_root(struct zt_node *n, int64_t now)
{
	struct zt_peer *best = NULL;
	int best_rtt = 0;

	for (unsigned i = 0; i < n->roots.count; i++) {
		struct zt_peer *r = n->root_peers[i];
		int rtt;
		if (r == NULL || !zt_node_root_is_up(n, r, now))
			continue;
		rtt = r->root->rtt >= 0 ? r->root->rtt : 100000;
		if (best == NULL || rtt < best_rtt) {
			best = r;
			best_rtt = rtt;
		}
	}
	return best;
}

static void send_register(struct zt_node *n, int64_t now, struct zt_peer *r);

/* Send a whole packet to p: direct if a path is alive, else via a root. */
static void transmit(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *pkt,
                     size_t len)
{
	struct zt_path *path = zt_peer_best_path(n, p, now);

	if (path != NULL) {
		raw_send_mtu(n, path->sock, &path->ep, pkt, len, zt_pmtu_of(path));
		zt_path_sent(path, now);
	} else if (p->is_root) {
		/* Not heard yet: try every endpoint the roots file gives. */
		for (unsigned i = 0; i < p->npaths; i++) {
			if (p->paths[i].used) {
				raw_send(n, p->paths[i].sock, &p->paths[i].ep, pkt, len);
				zt_path_sent(&p->paths[i], now);
			}
		}
	} else {
		struct zt_peer *r = zt_node_best_root(n, now);
		struct zt_path *rp = r != NULL ? zt_peer_best_path(n, r, now) : NULL;
		if (rp == NULL) {
			n->counters[ZT_CTR_FRAMES_DROPPED]++;
			return;
		}
		raw_send(n, rp->sock, &rp->ep, pkt, len);
		/* Relaying through a root that has been quiet: ask it something,
		 * so that a dead root is noticed within seconds. */
		if (now - r->last_rx > 5000 && now - r->root->register_sent > 1000)
			send_register(n, now, r);
	}
	p->last_tx = now;
	p->tx_packets++;
}

static void queue_msg(struct zt_peer *p, const uint8_t *msg, size_t len)
{
	struct zt_qmsg *q;
	uint8_t *copy = malloc(len);

	if (copy == NULL)
		return;
	if (p->queue == NULL) {
		p->queue = calloc(ZT_PEER_QUEUE, sizeof *p->queue);
		if (p->queue == NULL) {
			free(copy);
			return;
		}
	}
	memcpy(copy, msg, len);
	if (p->qcount == ZT_PEER_QUEUE) {
		/* Full: the oldest message goes. */
		q = &p->queue[p->qhead];
		free(q->data);
		p->qhead = (p->qhead + 1) % ZT_PEER_QUEUE;
		p->qcount--;
	}
	q = &p->queue[(p->qhead + p->qcount) % ZT_PEER_QUEUE];
	q->data = copy;
	q->len = (uint16_t)len;
	p->qcount++;
}

static void start_handshake(struct zt_node *n, int64_t now, struct zt_peer *p);

int zt_node_send_msg(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg,
                     size_t len)
{
	struct zt_keypair *kp;
	size_t plen;

	if (len + ZT_DATA_OVERHEAD > ZT_PACKET_MAX)
		return ZT_ERANGE;
	kp = zt_peer_send_keypair(p, now);
	if (kp == NULL) {
		queue_msg(p, msg, len);
		zt_node_want_peer(n, now, p);
		return ZT_OK;
	}
	if (n->deferring) {
		if (!zt_batch_seal(n, now, p, kp, msg, len)) {
			/* too big for a job: send it now, after what came first */
			zt_batch_flush(n, now);
			plen = zt_session_seal(kp, p->address, n->id.address, msg, len, n->pkt);
			transmit(n, now, p, n->pkt, plen);
		}
	} else {
		plen = zt_session_seal(kp, p->address, n->id.address, msg, len, n->pkt);
		transmit(n, now, p, n->pkt, plen);
	}
	/* The initiator rekeys when its keys get old or well used. */
	if (kp == &p->kp_cur && kp->initiator && !p->hs_pending &&
	    (now - kp->born >= ZT_REKEY_AFTER_TIME || kp->send_counter >= ZT_REKEY_AFTER_MESSAGES))
		start_handshake(n, now, p);
	return ZT_OK;
}

int zt_node_send_msg_to(struct zt_node *n, int64_t now, struct zt_peer *p, int64_t sock,
                        const struct zt_endpoint *to, const uint8_t *msg, size_t len)
{
	struct zt_keypair *kp = zt_peer_send_keypair(p, now);
	size_t plen;

	if (kp == NULL)
		return ZT_ENOTFOUND;
	if (len + ZT_DATA_OVERHEAD > ZT_PACKET_MAX)
		return ZT_ERANGE;
	plen = zt_session_seal(kp, p->address, n->id.address, msg, len, n->pkt);
	/* A probe is exactly as big as it must be: never cut it. */
	raw_send_mtu(n, sock, to, n->pkt, plen,
	             msg[0] == ZT_MSG_PMTU_PROBE ? ZT_UDP_MAX : path_mtu(p, sock, to));
	p->last_tx = now;
	p->tx_packets++;
	return ZT_OK;
}

static void flush_queue(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	while (p->qcount > 0 && zt_peer_send_keypair(p, now) != NULL) {
		struct zt_qmsg q = p->queue[p->qhead];
		p->queue[p->qhead].data = NULL;
		p->qhead = (p->qhead + 1) % ZT_PEER_QUEUE;
		p->qcount--;
		(void)zt_node_send_msg(n, now, p, q.data, q.len);
		free(q.data);
	}
}

void zt_node_send_echo_to(struct zt_node *n, int64_t now, struct zt_peer *p, int64_t sock,
                          const struct zt_endpoint *to)
{
	uint8_t msg[13];
	msg[0] = ZT_MSG_ECHO;
	zt_put_u32(msg + 1, random_u32(n));
	zt_put_u64(msg + 5, (uint64_t)now);
	(void)zt_node_send_msg_to(n, now, p, sock, to, msg, sizeof msg);
}

void zt_node_send_echo(struct zt_node *n, int64_t now, struct zt_peer *p, struct zt_path *x)
{
	if (zt_peer_send_keypair(p, now) == NULL)
		return;
	if (x->last_rx == 0)
		n->counters[ZT_CTR_PUNCH_PROBES]++;
	/* An ECHO is always answered: count the ones that are not. */
	if (x->last_echo > x->last_rx)
		x->unanswered++;
	x->last_echo = now;
	zt_node_send_echo_to(n, now, p, x->sock, &x->ep);
	zt_path_sent(x, now);
}

static void send_register(struct zt_node *n, int64_t now, struct zt_peer *r)
{
	uint8_t msg[12 + (ZT_MAX_LOCAL_ENDPOINTS + ZT_MAX_MAPPED_ENDPOINTS) * 19];
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
	if (r->root != NULL)
		r->root->register_sent = now;
	root_request_sent(r, now);
	(void)zt_node_send_msg(n, now, r, msg, off);
}

/* A question for the roots: asked of every root that is up (the first
 * answer wins, and a dead root costs nothing), or of all when none is. */
static void send_to_roots(struct zt_node *n, int64_t now, const uint8_t *msg, size_t len)
{
	bool any_up = zt_node_best_root(n, now) != NULL;
	for (unsigned i = 0; i < n->roots.count; i++) {
		struct zt_peer *r = n->root_peers[i];
		if (r == NULL || (any_up && !zt_node_root_is_up(n, r, now)) ||
		    (any_up && zt_nat_probe_silent(n, r)))
			continue;
		root_request_sent(r, now);
		(void)zt_node_send_msg(n, now, r, msg, len);
	}
}

static void send_whois(struct zt_node *n, int64_t now, struct zt_peer *p)
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

static void send_rendezvous_req(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	uint8_t msg[6];
	struct zt_peer *r = zt_node_best_root(n, now);
	struct zt_peer_reach *rc;
	if (r == NULL || (rc = zt_peer_reach(n, p)) == NULL)
		return;
	msg[0] = ZT_MSG_RENDEZVOUS_REQ;
	zt_put_u40(msg + 1, p->address);
	rc->rendezvous_sent = now;
	(void)zt_node_send_msg(n, now, r, msg, sizeof msg);
}

void zt_node_want_peer(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	if (!p->has_identity) {
		if (!n->is_root)
			send_whois(n, now, p);
		return;
	}
	if (zt_peer_send_keypair(p, now) == NULL) {
		start_handshake(n, now, p);
		if (!p->is_root && !n->is_root && zt_peer_best_path(n, p, now) == NULL &&
		    (zt_peer_reach_of(p)->rendezvous_sent == 0 ||
		     now - zt_peer_reach_of(p)->rendezvous_sent >= 1000))
			send_rendezvous_req(n, now, p);
	}
}

/* ---- handshakes ---- */

static void send_initiation(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	uint8_t pkt[ZT_HS_INIT_LEN], e_seed[32], payload[ZT_NOISE_INIT_PAYLOAD], key[32];
	struct zt_hdr h = {ZT_PT_HS_INIT, 0, p->address, n->id.address};
	size_t mac1_off = ZT_HS_INIT_LEN - 2 * ZT_MAC_LEN;

	if (p->hs == NULL)
		return;
	p->hs->index = random_u32(n);
	zt_node_random(n, e_seed, sizeof e_seed);
	zt_put_u64(payload, (uint64_t)now);
	zt_put_u32(payload + 8, n->aes_ok ? ZT_HS_FLAG_AES256GCM : 0);
	zt_wire_hdr_encode(pkt, &h);
	zt_put_u32(pkt + ZT_HDR_LEN, p->hs->index);
	if (zt_noise_init_create(&p->hs->noise, &n->id, p->pk, e_seed, payload,
	                         pkt + ZT_HDR_LEN + 4) != ZT_OK)
		goto out;
	zt_cookie_mac1_key(key, p->pk);
	zt_cookie_mac(pkt + mac1_off, key, 32, pkt, mac1_off);
	memcpy(p->hs->mac1, pkt + mac1_off, 16);
	if (p->hs->has_cookie && now - p->hs->cookie_at < ZT_COOKIE_VALID)
		zt_cookie_mac(pkt + mac1_off + 16, p->hs->cookie, 16, pkt, mac1_off + 16);
	else
		memset(pkt + mac1_off + 16, 0, 16);
	p->hs->last_sent = now;
	transmit(n, now, p, pkt, sizeof pkt);
out:
	sodium_memzero(e_seed, sizeof e_seed);
}

static void start_handshake(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	if (p->hs_pending || !p->has_identity)
		return;
	if (!zt_peer_hs_begin(p)) {
		n->counters[ZT_CTR_NO_MEMORY]++;
		return;
	}
	p->hs->started = now;
	send_initiation(n, now, p);
}

void zt_node_rehandshake(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	if (!p->has_identity) {
		zt_node_want_peer(n, now, p);
		return;
	}
	/* The peer no longer knows these keys (it restarted): drop them, so
	 * that what we send next waits for the new session and goes out the
	 * moment it is up. */
	zt_peer_keypairs_wipe(p);
	start_handshake(n, now, p);
}

static bool under_load(struct zt_node *n, int64_t now)
{
	if (now - n->load_window_start >= 1000) {
		n->load_window_start = now;
		n->load_inits = 0;
	}
	return ++n->load_inits > ZT_HS_LOAD_PER_SEC;
}

static void send_cookie(struct zt_node *n, int64_t now, int64_t sock,
                        const struct zt_endpoint *from, const uint8_t *init)
{
	uint8_t pkt[ZT_COOKIE_LEN], fresh[32], cookie[16];
	struct zt_hdr h = {ZT_PT_COOKIE, 0, zt_get_u40(init + 7), n->id.address};
	const uint8_t *mac1 = init + ZT_HS_INIT_LEN - 2 * ZT_MAC_LEN;

	zt_node_random(n, fresh, sizeof fresh);
	zt_cookie_make(&n->cookies, now, fresh, from, cookie);
	zt_wire_hdr_encode(pkt, &h);
	memcpy(pkt + ZT_HDR_LEN, init + ZT_HDR_LEN, 4); /* their sender index */
	zt_node_random(n, pkt + ZT_HDR_LEN + 4, 24);
	zt_cookie_seal(pkt + ZT_HDR_LEN + 28, pkt + ZT_HDR_LEN + 4, cookie, n->cookies.cookie_key,
	               mac1);
	sodium_memzero(fresh, sizeof fresh);
	n->counters[ZT_CTR_HS_COOKIE_SENT]++;
	raw_send(n, sock, from, pkt, sizeof pkt);
}

static void handle_init(struct zt_node *n, int64_t now, int64_t sock,
                        const struct zt_endpoint *from, const struct zt_hdr *h, const uint8_t *pkt,
                        size_t len)
{
	struct zt_noise_hs hs;
	uint8_t payload[ZT_NOISE_INIT_PAYLOAD], rpayload[ZT_NOISE_RESP_PAYLOAD];
	uint8_t e_seed[32], k1[32], k2[32], key[32];
	uint8_t out[ZT_HS_RESP_LEN];
	struct zt_hdr rh = {ZT_PT_HS_RESP, 0, h->src, n->id.address};
	struct zt_peer *p;
	struct zt_keypair *kp;
	uint64_t ts;
	size_t mac1_off = ZT_HS_INIT_LEN - 2 * ZT_MAC_LEN;
	size_t rmac1_off = ZT_HS_RESP_LEN - 2 * ZT_MAC_LEN;

	memset(&hs, 0, sizeof hs);
	if (len != ZT_HS_INIT_LEN) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	if (!zt_cookie_mac1_ok(&n->cookies, pkt, mac1_off)) {
		n->counters[ZT_CTR_HS_REJECTED]++;
		return;
	}
	if (under_load(n, now) &&
	    !zt_cookie_mac2_ok(&n->cookies, now, from, pkt, mac1_off + ZT_MAC_LEN)) {
		send_cookie(n, now, sock, from, pkt);
		return;
	}
	if (zt_noise_init_consume(&hs, &n->id, pkt + ZT_HDR_LEN + 4, payload) != ZT_OK) {
		n->counters[ZT_CTR_RX_AUTH_FAIL]++;
		return;
	}
	p = zt_peer_find(n, h->src);
	if (p != NULL && p->has_identity) {
		if (sodium_memcmp(p->pk, hs.rs_ed, 32) != 0) {
			n->counters[ZT_CTR_HS_REJECTED]++;
			goto out;
		}
	} else {
		/* First contact: the address must be the one its key gives
		 * (the memory-hard check, done once per peer). */
		struct zt_identity claimed;
		memset(&claimed, 0, sizeof claimed);
		claimed.address = h->src;
		memcpy(claimed.pk, hs.rs_ed, 32);
		if (zt_identity_verify(&claimed) != ZT_OK) {
			n->counters[ZT_CTR_HS_REJECTED]++;
			goto out;
		}
		if (p == NULL)
			p = zt_peer_get(n, now, h->src);
		if (p == NULL) {
			n->counters[ZT_CTR_HS_REJECTED]++;
			goto out;
		}
		memcpy(p->pk, hs.rs_ed, 32);
		p->has_identity = true;
	}
	ts = zt_get_u64(payload);
	if (ts <= p->last_init_ts) {
		/* A replayed (or stale) initiation. */
		n->counters[ZT_CTR_RX_REPLAY]++;
		goto out;
	}
	p->last_init_ts = ts;
	n->counters[ZT_CTR_HS_INIT_RX]++;

	zt_node_random(n, e_seed, sizeof e_seed);
	memset(rpayload, 0, sizeof rpayload);
	/* AES-256-GCM if both can; the payloads are encrypted and bound to
	 * the handshake hash, so nobody on the path can downgrade this. */
	if (n->aes_ok && (zt_get_u32(payload + 8) & ZT_HS_FLAG_AES256GCM))
		zt_put_u32(rpayload, ZT_HS_FLAG_AES256GCM);
	if (zt_noise_resp_create(&hs, e_seed, rpayload, out + ZT_HDR_LEN + 8) != ZT_OK) {
		n->counters[ZT_CTR_HS_REJECTED]++;
		goto out;
	}
	kp = zt_peer_keypair_next(p);
	if (kp == NULL) {
		n->counters[ZT_CTR_NO_MEMORY]++; /* it retries in 3 s */
		goto out;
	}
	zt_noise_split(&hs, k1, k2);
	kp->valid = true;
	kp->initiator = false;
	kp->confirmed = false;
	kp->local_index = random_u32(n);
	kp->remote_index = zt_get_u32(pkt + ZT_HDR_LEN);
	zt_session_set_keys(kp,
	                    (zt_get_u32(rpayload) & ZT_HS_FLAG_AES256GCM)
	                        ? ZT_CIPHER_AES256GCM
	                        : ZT_CIPHER_CHACHA20POLY1305,
	                    k2, k1);
	kp->born = now;
	zt_replay_init(&kp->replay);

	zt_wire_hdr_encode(out, &rh);
	zt_put_u32(out + ZT_HDR_LEN, kp->local_index);
	zt_put_u32(out + ZT_HDR_LEN + 4, kp->remote_index);
	zt_cookie_mac1_key(key, p->pk);
	zt_cookie_mac(out + rmac1_off, key, 32, out, rmac1_off);
	memset(out + rmac1_off + 16, 0, 16);
	zt_peer_learn_path(n, p, now, sock, from, h->hops);
	/* Answer the way it came: a relayed initiation goes back through the
	 * same root, which forwards by destination address. */
	raw_send(n, sock, from, out, sizeof out);
	p->last_tx = now;
	log_peer(n, ZT_LOG_DEBUG, "handshake: responded to", p->address);
out:
	zt_noise_wipe(&hs);
	sodium_memzero(e_seed, sizeof e_seed);
	sodium_memzero(k1, sizeof k1);
	sodium_memzero(k2, sizeof k2);
}

static void handle_resp(struct zt_node *n, int64_t now, int64_t sock,
                        const struct zt_endpoint *from, const struct zt_hdr *h, const uint8_t *pkt,
                        size_t len)
{
	struct zt_peer *p;
	struct zt_noise_hs saved;
	uint8_t payload[ZT_NOISE_RESP_PAYLOAD], k1[32], k2[32];
	struct zt_keypair kp;
	size_t mac1_off = ZT_HS_RESP_LEN - 2 * ZT_MAC_LEN;

	if (len != ZT_HS_RESP_LEN) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	if (!zt_cookie_mac1_ok(&n->cookies, pkt, mac1_off)) {
		n->counters[ZT_CTR_HS_REJECTED]++;
		return;
	}
	p = zt_peer_find(n, h->src);
	if (p == NULL || !p->hs_pending || zt_get_u32(pkt + ZT_HDR_LEN + 4) != p->hs->index) {
		n->counters[ZT_CTR_RX_NO_SESSION]++;
		return;
	}
	saved = p->hs->noise;
	if (zt_noise_resp_consume(&p->hs->noise, &n->id, pkt + ZT_HDR_LEN + 8, payload) != ZT_OK) {
		n->counters[ZT_CTR_RX_AUTH_FAIL]++;
		p->hs->noise = saved; /* a forged response must not spoil the real one */
		sodium_memzero(&saved, sizeof saved);
		return;
	}
	sodium_memzero(&saved, sizeof saved);
	zt_noise_split(&p->hs->noise, k1, k2);
	memset(&kp, 0, sizeof kp);
	kp.valid = true;
	kp.initiator = true;
	kp.confirmed = true;
	kp.local_index = p->hs->index;
	kp.remote_index = zt_get_u32(pkt + ZT_HDR_LEN);
	/* The responder chose; it may only choose what we offered. */
	zt_session_set_keys(&kp,
	                    (n->aes_ok && (zt_get_u32(payload) & ZT_HS_FLAG_AES256GCM))
	                        ? ZT_CIPHER_AES256GCM
	                        : ZT_CIPHER_CHACHA20POLY1305,
	                    k1, k2);
	kp.born = now;
	zt_replay_init(&kp.replay);
	if (!zt_peer_keypair_install(p, &kp)) /* takes kp (and kp.aes) */
		n->counters[ZT_CTR_NO_MEMORY]++;
	sodium_memzero(k1, sizeof k1);
	sodium_memzero(k2, sizeof k2);
	zt_peer_hs_end(p);
	zt_peer_learn_path(n, p, now, sock, from, h->hops);
	log_peer(n, ZT_LOG_DEBUG, "handshake: session up with", p->address);

	/* The responder may send only once it has heard from us with the new
	 * keys: say something at once. */
	if (p->is_root) {
		send_register(n, now, p);
	} else if (p->qcount > 0) {
		flush_queue(n, now, p);
	} else {
		uint8_t ka = ZT_MSG_KEEPALIVE;
		(void)zt_node_send_msg(n, now, p, &ka, 1);
	}
	flush_queue(n, now, p);
	zt_peer_update_kind(n, p, now);
}

static void handle_cookie(struct zt_node *n, int64_t now, const struct zt_hdr *h,
                          const uint8_t *pkt, size_t len)
{
	struct zt_peer *p;
	uint8_t key[32], cookie[16];

	if (len != ZT_COOKIE_LEN) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	p = zt_peer_find(n, h->src);
	if (p == NULL || !p->hs_pending || !p->has_identity ||
	    zt_get_u32(pkt + ZT_HDR_LEN) != p->hs->index) {
		n->counters[ZT_CTR_RX_NO_SESSION]++;
		return;
	}
	zt_cookie_cookie_key(key, p->pk);
	if (zt_cookie_open(cookie, pkt + ZT_HDR_LEN + 4, pkt + ZT_HDR_LEN + 28, key, p->hs->mac1) !=
	    ZT_OK) {
		n->counters[ZT_CTR_RX_AUTH_FAIL]++;
		return;
	}
	memcpy(p->hs->cookie, cookie, 16);
	p->hs->has_cookie = true;
	p->hs->cookie_at = now;
	/* Retry at the next timer tick, now with mac2. */
	p->hs->last_sent = now - ZT_REKEY_TIMEOUT + 200;
}

/* ---- inner messages ---- */

static void handle_whois_ok(struct zt_node *n, int64_t now, const uint8_t *msg, size_t len)
{
	struct zt_identity claimed;
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
		memset(&claimed, 0, sizeof claimed);
		claimed.address = a;
		memcpy(claimed.pk, msg + 6, 32);
		/* Roots are not trusted with identities: check it ourselves. */
		if (zt_identity_verify(&claimed) != ZT_OK) {
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
		zt_node_want_peer(n, now, q);
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
	if (count > ZT_RENDEZVOUS_MAX_EPS)
		count = ZT_RENDEZVOUS_MAX_EPS; /* roots send at most that: no amplification */
	/* Without it (out of memory, counted) the candidates are still tried,
	 * only not punched at. */
	rc = zt_peer_reach(n, q);
	if (rc != NULL)
		rc->punch_until = now + ZT_PUNCH_TIME;
	for (unsigned i = 0; i < count; i++) {
		struct zt_endpoint ep;
		struct zt_path *x;
		size_t used = zt_endpoint_decode(&ep, msg + off, len - off);
		if (used == 0) {
			n->counters[ZT_CTR_RX_MALFORMED]++;
			break;
		}
		off += used;
		if (i == 0 && rc != NULL)
			rc->pub = ep; /* the freshest public endpoint comes first */
		x = zt_peer_add_candidate(n, q, now, &ep);
		/* Punch now: both ends got the rendezvous at about the same time. */
		if (x != NULL && zt_peer_send_keypair(q, now) != NULL)
			zt_node_send_echo(n, now, q, x);
	}
	/* A newer root appends the peer's NAT type. */
	if (off < len)
		q->nat_type = msg[off] <= ZT_NAT_SYMMETRIC ? msg[off] : ZT_NAT_UNKNOWN;
	if (zt_peer_send_keypair(q, now) == NULL)
		zt_node_want_peer(n, now, q);
	else
		zt_nat_maybe_birthday(n, now, q);
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
	case ZT_MSG_ECHO: {
		uint8_t reply[13 + 19];
		size_t rl;
		if (len != 13)
			goto bad;
		memcpy(reply, msg, 13);
		reply[0] = ZT_MSG_ECHO_REPLY;
		rl = 13 + zt_endpoint_encode(from, reply + 13);
		(void)zt_node_send_msg_to(n, now, p, sock, from, reply, rl);
		break;
	}
	case ZT_MSG_ECHO_REPLY: {
		int64_t sent;
		if (len < 13)
			goto bad;
		sent = (int64_t)zt_get_u64(msg + 5);
		if (hops == 0 && sent <= now && now - sent < 60000) {
			for (unsigned i = 0; i < p->npaths; i++) {
				struct zt_path *x = &p->paths[i];
				int s = (int)(now - sent);
				if (!x->used || !zt_endpoint_eq(&x->ep, from))
					continue;
				x->rtt = x->rtt < 0 ? s : (x->rtt * 7 + s) / 8;
			}
		}
		break;
	}
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
		if (zt_endpoint_decode(&ep, msg + 9, len - 9) != 0)
			p->root->reflected = ep;
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
	default:
		/* Unknown messages are ignored, so newer nodes can add some. */
		break;
	}
	return;
bad:
	n->counters[ZT_CTR_RX_MALFORMED]++;
}

struct zt_keypair *zt_node_data_keypair(struct zt_node *n, int64_t now, const struct zt_hdr *h,
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
	struct zt_keypair *kp = zt_node_data_keypair(n, now, h, pkt, len, &p);
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
	zt_node_data_deliver(n, now, p, kp, sock, from, h, n->pkt2, mlen);
}

void zt_node_data_deliver(struct zt_node *n, int64_t now, struct zt_peer *p, struct zt_keypair *kp,
                          int64_t sock, const struct zt_endpoint *from, const struct zt_hdr *h,
                          const uint8_t *msg, size_t mlen)
{
	if (kp == p->kp_next) {
		/* The initiator used the new keys: they become current. */
		zt_peer_keypair_promote(p);
		if (p->qcount > 0)
			flush_queue(n, now, p);
	}
	zt_peer_learn_path(n, p, now, sock, from, h->hops);
	handle_msg(n, now, p, sock, from, h->hops, msg, mlen);
}

/* Whether an authenticated packet from p came from `from`. */
static bool heard_from(const struct zt_peer *p, const struct zt_endpoint *from)
{
	if (p == NULL || !p->kp_cur.valid)
		return false;
	for (unsigned i = 0; i < p->npaths; i++)
		if (p->paths[i].used && p->paths[i].last_rx != 0 &&
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
	case ZT_PT_HS_INIT: handle_init(n, now, sock, from, &h, pkt, len); break;
	case ZT_PT_HS_RESP: handle_resp(n, now, sock, from, &h, pkt, len); break;
	case ZT_PT_COOKIE: handle_cookie(n, now, &h, pkt, len); break;
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

/* ---- timers ---- */

static void path_lost(struct zt_node *n, int64_t now, struct zt_peer *p);

static void peer_background(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	bool active = zt_peer_is_active(p, now);
	bool warm = p->last_frame != 0 && now - p->last_frame < ZT_PEER_EXPIRE;
	const struct zt_peer_reach *reach = zt_peer_reach_of(p);
	struct zt_keypair *skp;

	/* Roots: a LATE that is due (the node measures its NAT). */
	if (n->is_root && p->later_at != 0 && now >= p->later_at) {
		uint8_t late = ZT_MSG_LATE;
		p->later_at = 0;
		(void)zt_node_send_msg(n, now, p, &late, 1);
	}

	zt_peer_keypairs_expire(p, now);
	zt_peer_hs_expire(p, now);

	if (p->hs_pending) {
		if (now - p->hs->started >= ZT_REKEY_ATTEMPT_TIME) {
			zt_peer_hs_end(p);
			zt_peer_clear_queue(p);
		} else if (now - p->hs->last_sent >= ZT_REKEY_TIMEOUT) {
			send_initiation(n, now, p);
		}
	}
	if (!p->has_identity && p->qcount > 0 && !n->is_root)
		send_whois(n, now, p);

	/* Rekey: the initiator after REKEY_AFTER_TIME; the responder a bit
	 * later, so that both never start at once but keys never run out. */
	if (p->kp_cur.valid && !p->hs_pending && (active || p->is_root) && !n->is_root) {
		int64_t age = now - p->kp_cur.born;
		if (age >= ZT_REKEY_AFTER_TIME + (p->kp_cur.initiator ? 0 : 15000))
			start_handshake(n, now, p);
	}

	skp = zt_peer_send_keypair(p, now);
	/* We keep sending but hear nothing: the peer may have restarted and
	 * lost the session.  A fresh handshake costs little and heals it. */
	if (skp != NULL && !p->is_root && !n->is_root && !p->hs_pending && active &&
	    p->last_tx - p->last_rx >= ZT_PEER_SILENT && now - p->kp_cur.born >= ZT_PEER_SILENT)
		start_handshake(n, now, p);
	if (skp != NULL && !p->is_root && (active || warm || now < reach->punch_until)) {
		for (unsigned i = 0; i < p->npaths; i++) {
			struct zt_path *x = &p->paths[i];
			int64_t interval = active ? ZT_ECHO_ACTIVE : n->keepalive;
			if (!x->used)
				continue;
			/* Right after a rendezvous: punch every second, so
			 * that one side's probe finds the other's hole. */
			if (x->last_rx == 0 && now < reach->punch_until)
				interval = ZT_PUNCH_INTERVAL;
			/* A path in use that went quiet: find out fast whether
			 * the NAT lost its mapping. */
			if (active && x->last_rx != 0 && now - x->last_rx >= ZT_PATH_QUIET)
				interval = ZT_PATH_PROBE_INTERVAL;
			if (now - x->last_echo >= interval)
				zt_node_send_echo(n, now, p, x);
			zt_pmtu_background(n, now, p, x);
		}
		if (now < reach->punch_until)
			zt_nat_maybe_birthday(n, now, p);
	}
	for (unsigned i = 0; i < p->npaths; i++) {
		struct zt_path *x = &p->paths[i];
		int64_t heard = x->last_rx != 0 ? x->last_rx : x->discovered;
		if (x->used && !p->is_root && now - heard >= ZT_PATH_FORGET)
			memset(x, 0, sizeof *x);
	}
	zt_peer_paths_trim(p);
	if (!n->is_root && !p->is_root && active && skp != NULL &&
	    zt_peer_best_path(n, p, now) == NULL &&
	    (reach->rendezvous_sent == 0 ||
	     now - reach->rendezvous_sent >= (now - reach->kind_since < ZT_PUNCH_TIME
	                                          ? ZT_RENDEZVOUS_FAST
	                                          : ZT_RENDEZVOUS_RETRY)))
		send_rendezvous_req(n, now, p);
	if (!n->is_root) {
		enum zt_path_kind was = p->kind;
		zt_peer_update_kind(n, p, now);
		if (was == ZT_PATH_DIRECT && p->kind == ZT_PATH_RELAY)
			path_lost(n, now, p);
	}
}

/* The direct path died (probes unanswered).  Maybe our own NAT rebound:
 * tell every root where we are now (their relaying needs it, and their
 * answer reflects the new mapping), and ask for a fresh rendezvous. */
static void path_lost(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	n->counters[ZT_CTR_PATH_LOST]++;
	log_peer(n, ZT_LOG_INFO, "direct path lost to", p->address);
	for (unsigned i = 0; i < n->roots.count; i++) {
		struct zt_peer *r = n->root_peers[i];
		if (r != NULL && now - r->root->register_sent >= 1000)
			send_register(n, now, r);
	}
	send_rendezvous_req(n, now, p);
}

static bool peer_expired(const struct zt_node *n, const struct zt_peer *p, int64_t now)
{
	int64_t last = p->created;
	if (p->is_root || p->hs_pending || p->qcount > 0)
		return false;
	if (p->last_rx > last)
		last = p->last_rx;
	if (n->is_root)
		return now - last >= ZT_ROOT_PEER_EXPIRE;
	if (p->last_frame > last)
		last = p->last_frame;
	if (p->last_tx > last)
		last = p->last_tx;
	return now - last >= ZT_PEER_EXPIRE;
}

/* When this root was last heard over UDP (0: never). */
static int64_t udp_heard(const struct zt_peer *r)
{
	int64_t t = 0;
	for (unsigned i = 0; i < r->npaths; i++)
		if (r->paths[i].used && !zt_sock_is_tcp(r->paths[i].sock) &&
		    r->paths[i].last_rx > t)
			t = r->paths[i].last_rx;
	return t;
}

static void tcp_drop(struct zt_node *n, struct zt_peer *r)
{
	struct zt_root_link *rl = r->root;
	for (unsigned i = 0; i < r->npaths; i++)
		if (r->paths[i].used && r->paths[i].sock == rl->tcp_sock)
			memset(&r->paths[i], 0, sizeof r->paths[i]);
	if (n->host.tcp_close != NULL)
		n->host.tcp_close(n->host.ctx, rl->tcp_sock);
	/* The shell reports no close we asked for. */
	(void)zt_tcpmap_take(&n->tcpmap, rl->tcp_sock, NULL);
	rl->tcp_sock = -1;
}

/*
 * The TCP fallback (doc/PROTOCOL.md "TCP relay"): a root that has not
 * answered over UDP for ZT_TCP_AFTER while it is down gets a TCP
 * connection to port 443 of its address; while traffic goes over TCP a
 * REGISTER tries UDP every ZT_TCP_UDP_RETRY, and once UDP carries the
 * traffic again the connection is closed after ZT_TCP_LINGER.
 */
static void tcp_background(struct zt_node *n, int64_t now, unsigned i, struct zt_peer *r)
{
	const struct zt_root_def *rd = &n->roots.roots[i];
	struct zt_path *best;
	struct zt_root_link *rl = r->root;
	int64_t heard = udp_heard(r);

	if (n->host.tcp_open == NULL || rd->endpoint_count == 0)
		return;
	if (rl->tcp_sock < 0) {
		struct zt_endpoint ep = rd->endpoints[0];
		int64_t sock;
		if (zt_node_root_is_up(n, r, now) ||
		    now - (heard ? heard : n->created) < ZT_TCP_AFTER ||
		    (rl->tcp_tried != 0 && now - rl->tcp_tried < ZT_TCP_RETRY))
			return;
		rl->tcp_tried = now;
		ep.port = ZT_TCP_PORT;
		sock = n->host.tcp_open(n->host.ctx, &ep);
		if (sock < 0 || !zt_sock_is_tcp(sock))
			return;
		rl->tcp_sock = sock;
		(void)zt_peer_add_path(n, r, now, sock, &ep);
		log_peer(n, ZT_LOG_INFO, "no UDP answer: trying TCP to root", r->address);
		/* Over the new connection at once (a session survives). */
		if (zt_peer_send_keypair(r, now) != NULL)
			send_register(n, now, r);
		return;
	}
	best = zt_peer_best_path(n, r, now);
	if (best != NULL && zt_sock_is_tcp(best->sock)) {
		/* On TCP: does UDP work again? */
		if (now - rl->udp_probe_at >= ZT_TCP_UDP_RETRY &&
		    zt_peer_send_keypair(r, now) != NULL) {
			uint8_t msg[9];
			msg[0] = ZT_MSG_REGISTER;
			zt_put_u64(msg + 1, (uint64_t)now);
			rl->udp_probe_at = now;
			for (unsigned k = 0; k < r->npaths; k++) {
				struct zt_path *x = &r->paths[k];
				if (x->used && !zt_sock_is_tcp(x->sock) &&
				    zt_node_send_msg_to(n, now, r, x->sock, &x->ep, msg,
				                        sizeof msg) == ZT_OK)
					zt_path_sent(x, now);
			}
		}
		return;
	}
	for (unsigned k = 0; k < r->npaths; k++) {
		struct zt_path *x = &r->paths[k];
		if (x->used && x->sock == rl->tcp_sock && best != NULL &&
		    now - x->last_tx >= ZT_TCP_LINGER && now - heard < ZT_TCP_LINGER) {
			log_peer(n, ZT_LOG_INFO, "UDP works again: closing TCP to root",
			         r->address);
			tcp_drop(n, r);
			return;
		}
	}
}

/* O(1) in the number of peers: the connection's own peers come from the
 * map (tcpmap.h), and a node's links to its roots are few. */
void zt_node_tcp_closed(struct zt_node *n, int64_t now, int64_t sock)
{
	uint64_t peers[ZT_TCPMAP_PEERS];
	unsigned count = zt_tcpmap_take(&n->tcpmap, sock, peers);

	(void)now;
	for (unsigned k = 0; k < count; k++) {
		struct zt_peer *p = zt_peer_find(n, peers[k]);
		n->tcp_close_visits++;
		if (p == NULL)
			continue; /* freed since */
		for (unsigned i = 0; i < p->npaths; i++)
			if (p->paths[i].used && p->paths[i].sock == sock)
				memset(&p->paths[i], 0, sizeof p->paths[i]);
	}
	for (unsigned i = 0; i < n->roots.count; i++) {
		struct zt_peer *r = n->root_peers[i];
		n->tcp_close_visits++;
		if (r != NULL && r->root != NULL && r->root->tcp_sock == sock)
			r->root->tcp_sock = -1;
	}
}

static void roots_background(struct zt_node *n, int64_t now)
{
	bool online = false;
	uint8_t nat = (uint8_t)zt_node_nat_type(n);
	/* Our NAT type (or LAN addresses) changed: the roots pass it on in
	 * rendezvous, so tell them now rather than at the next REGISTER. */
	bool tell = nat != n->nat_reported || n->locals_changed;

	n->nat_reported = nat;
	n->locals_changed = false;

	for (unsigned i = 0; i < n->roots.count; i++) {
		struct zt_peer *r = n->root_peers[i];
		bool up;
		if (r == NULL)
			continue;
		/* Endpoints from the roots file are always candidates. */
		for (unsigned j = 0; j < n->roots.roots[i].endpoint_count; j++)
			(void)zt_peer_add_candidate(n, r, now, &n->roots.roots[i].endpoints[j]);
		up = zt_node_root_is_up(n, r, now);
		if (zt_peer_send_keypair(r, now) == NULL) {
			start_handshake(n, now, r);
		} else if (!up && !r->hs_pending && r->root->awaiting_since != 0 &&
		           r->last_rx < r->root->awaiting_since &&
		           now - r->root->awaiting_since >= ZT_ROOT_REHANDSHAKE) {
			/* It may have restarted and lost our session. */
			start_handshake(n, now, r);
		} else if (zt_nat_probe_silent(n, r)) {
			/* Measuring how long our NAT keeps a silent mapping. */
		} else if (now - r->root->register_sent >=
		               (up ? (n->keepalive < ZT_REGISTER_INTERVAL ? n->keepalive
		                                                          : ZT_REGISTER_INTERVAL)
		                   : ZT_ROOT_RETRY) ||
		           (tell && up)) {
			send_register(n, now, r);
		}
		tcp_background(n, now, i, r);
		online = online || up;
	}
	if (online != n->online) {
		n->online = online;
		zt_node_log(n, online ? ZT_LOG_INFO : ZT_LOG_WARN,
		            online ? "online: a root answers" : "offline: no root answers");
		if (n->host.event != NULL)
			n->host.event(n->host.ctx, online ? ZT_EVENT_ONLINE : ZT_EVENT_OFFLINE,
			              NULL);
	}
}

static void background(struct zt_node *n, int64_t now)
{
	n->last_scan = now;
	if (!n->is_root) {
		roots_background(n, now);
		zt_nat_probe_tick(n, now);
	}
	for (size_t b = 0; b < n->bucket_count; b++) {
		struct zt_peer *p = n->buckets[b], *next;
		for (; p != NULL; p = next) {
			next = p->hnext;
			if (peer_expired(n, p, now)) {
				zt_peer_free(n, p);
				continue;
			}
			peer_background(n, now, p);
		}
	}
	zt_frag_expire(&n->frag, now);
	if (n->is_root) {
		zt_relay_background(n, now);
	} else {
		zt_switch_background(n, now);
		zt_nat_background(n, now);
	}
}

static void set_deadline(const struct zt_node *n, int64_t *next_deadline)
{
	if (next_deadline != NULL)
		*next_deadline = n->last_scan + (n->is_root ? 2 * SCAN_INTERVAL : SCAN_INTERVAL);
}

static void maybe_background(struct zt_node *n, int64_t now)
{
	if (now - n->last_scan >= (n->is_root ? 2 * SCAN_INTERVAL : SCAN_INTERVAL)) {
		/* Timers may wipe keys and free peers that deferred packets
		 * still use: those go out first. */
		zt_batch_flush(n, now);
		background(n, now);
	}
}

void zt_node_transmit(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *pkt,
                      size_t len)
{
	transmit(n, now, p, pkt, len);
}

void zt_node_wire_one(struct zt_node *n, int64_t now, int64_t sock, const struct zt_endpoint *from,
                      const void *pkt, size_t len)
{
	if (len > ZT_UDP_MAX + 64 || len < ZT_HDR_LEN) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	/* Work on a copy: a root rewrites the hop count in place. */
	memcpy(n->pktin, pkt, len);
	process_packet(n, now, sock, from, n->pktin, len, false);
}

void zt_node_frames_begin(struct zt_node *n)
{
	n->deferring = n->host.crypto_run != NULL;
}

int zt_node_frames_end(struct zt_node *n, int64_t now, int64_t *next_deadline)
{
	zt_batch_flush(n, now);
	n->deferring = false;
	maybe_background(n, now);
	set_deadline(n, next_deadline);
	return ZT_OK;
}

/* ---- API ---- */

int zt_node_new(struct zt_node **out, const struct zt_host *host, const struct zt_identity *id,
                unsigned flags, int64_t now)
{
	struct zt_node *n = NULL;
	int r;

	*out = NULL;
	if (host == NULL || host->version != ZT_HOST_VERSION || host->random == NULL ||
	    id == NULL || !id->has_secret || !zt_identity_address_valid(id->address))
		return ZT_EINVAL;
	n = calloc(1, sizeof *n);
	if (n == NULL)
		return ZT_ENOMEM;
	n->host = *host;
	n->id = *id;
	n->flags = flags;
	n->created = now;
	n->keepalive = ZT_ECHO_IDLE;
	n->is_root = (flags & ZT_NODE_ROOT) != 0;
	/* Roots keep a session with every registered node and carry little
	 * traffic on it: the expanded AES keys (1 KiB) are not worth it. */
	n->aes_ok = !n->is_root && (flags & ZT_NODE_NO_AES) == 0 &&
	            crypto_aead_aes256gcm_is_available() == 1;
	n->max_peers = n->is_root ? ZT_ROOT_MAX_PEERS : ZT_NODE_MAX_PEERS;
	n->bucket_count = n->is_root ? 4096 : 256;
	n->buckets = calloc(n->bucket_count, sizeof *n->buckets);
	n->rbuf = malloc(ZT_PACKET_MAX + 64);
	if (n->buckets == NULL || n->rbuf == NULL) {
		r = ZT_ENOMEM;
		goto err;
	}
	zt_cookie_checker_init(&n->cookies, n->id.pk);
	zt_frag_init(&n->frag);
	n->next_frag_id = random_u32(n);
	n->last_scan = now - SCAN_INTERVAL * 4;
	n->load_window_start = now;
	*out = n; /* owned by the caller */
	return ZT_OK;
err:
	free(n->buckets);
	free(n->rbuf);
	sodium_memzero(n, sizeof *n);
	free(n);
	return r;
}

void zt_node_free(struct zt_node *n)
{
	if (n == NULL)
		return;
	zt_batch_free(n); /* nothing is pending outside frames_begin/end */
	zt_nat_cleanup(n);
	zt_peer_free_all(n);
	for (size_t i = 0; i < ZT_MAX_NETWORKS; i++) {
		/* Everything zt_node_leave frees, for networks still joined. */
		zt_switch_free_members(&n->networks[i]);
		free(n->networks[i].conf);
		zt_mc_net_free(&n->networks[i]);
		zt_mact_free(&n->networks[i].macs);
		zt_mact_free(&n->networks[i].lanmacs);
	}
	zt_relay_cleanup(n);
	zt_frag_cleanup(&n->frag);
	zt_tcpmap_free(&n->tcpmap);
	free(n->buckets);
	free(n->rbuf);
	sodium_memzero(n, sizeof *n);
	free(n);
}

int zt_node_add_socket(struct zt_node *n, int64_t sock, int family)
{
	if (family != 4 && family != 6)
		return ZT_EINVAL;
	if (n->socket_count >= ZT_ARRAY_LEN(n->sockets))
		return ZT_EFULL;
	n->sockets[n->socket_count].sock = sock;
	n->sockets[n->socket_count].family = family;
	n->socket_count++;
	return ZT_OK;
}

int zt_node_set_local_endpoints(struct zt_node *n, const struct zt_endpoint *eps, size_t count)
{
	struct zt_endpoint old[ZT_MAX_LOCAL_ENDPOINTS];
	unsigned had = n->nlocals;

	memcpy(old, n->locals, sizeof old);
	n->nlocals = 0;
	for (size_t i = 0; i < count && n->nlocals < ZT_MAX_LOCAL_ENDPOINTS; i++)
		if (eps[i].family == 4 || eps[i].family == 6)
			n->locals[n->nlocals++] = eps[i];
	if (had != n->nlocals || memcmp(old, n->locals, had * sizeof old[0]) != 0)
		n->locals_changed = true;
	return ZT_OK;
}

int zt_node_set_mapped_endpoints(struct zt_node *n, const struct zt_endpoint *eps, size_t count)
{
	struct zt_endpoint old[ZT_MAX_MAPPED_ENDPOINTS];
	unsigned had = n->nmapped;

	memcpy(old, n->mapped, sizeof old);
	n->nmapped = 0;
	for (size_t i = 0; i < count && n->nmapped < ZT_MAX_MAPPED_ENDPOINTS; i++)
		if (eps[i].family == 4 || eps[i].family == 6)
			n->mapped[n->nmapped++] = eps[i];
	if (had != n->nmapped || memcmp(old, n->mapped, had * sizeof old[0]) != 0)
		n->locals_changed = true;
	return ZT_OK;
}

int zt_node_set_roots(struct zt_node *n, int64_t now, const struct zt_roots *roots)
{
	static const uint8_t unsigned_roots[32];

	if (roots->count > ZT_MAX_ROOTS)
		return ZT_EINVAL;
	/* No rollback of signed roots (an invite's roots have no signer). */
	if (n->roots.count > 0 && sodium_memcmp(n->roots.signer, unsigned_roots, 32) != 0) {
		struct zt_roots_seen seen;
		zt_roots_seen_of(&seen, &n->roots);
		if (zt_roots_check_seen(&seen, roots) != ZT_OK)
			return ZT_ESTALE;
	}
	zt_batch_flush(n, now);
	/* Roots no longer listed become ordinary peers (and expire). */
	for (unsigned i = 0; i < n->roots.count; i++)
		if (n->root_peers[i] != NULL)
			n->root_peers[i]->is_root = false;
	memset(n->root_peers, 0, sizeof n->root_peers);
	n->roots = *roots;
	for (unsigned i = 0; i < roots->count; i++) {
		const struct zt_root_def *rd = &roots->roots[i];
		struct zt_peer *p;
		if (rd->id.address == n->id.address)
			continue; /* a root listing itself */
		p = zt_peer_get(n, now, rd->id.address);
		if (p == NULL)
			return ZT_ENOMEM;
		if (!zt_peer_root_link(p))
			return ZT_ENOMEM;
		if (p->has_identity && sodium_memcmp(p->pk, rd->id.pk, 32) != 0) {
			/* The roots file is signed: it wins over what we learnt. */
			zt_peer_keypairs_wipe(p);
			zt_peer_hs_end(p);
		}
		memcpy(p->pk, rd->id.pk, 32);
		p->has_identity = true;
		p->is_root = true;
		for (unsigned j = 0; j < rd->endpoint_count; j++)
			(void)zt_peer_add_candidate(n, p, now, &rd->endpoints[j]);
		n->root_peers[i] = p;
	}
	n->last_scan = now - SCAN_INTERVAL * 4;
	return ZT_OK;
}

int zt_node_process_wire(struct zt_node *n, int64_t now, int64_t sock,
                         const struct zt_endpoint *from, const void *pkt, size_t len,
                         int64_t *next_deadline)
{
	zt_batch_flush(n, now);
	n->counters[ZT_CTR_RX_PACKETS]++;
	zt_node_wire_one(n, now, sock, from, pkt, len);
	maybe_background(n, now);
	set_deadline(n, next_deadline);
	return ZT_OK;
}

int zt_node_process_wire_batch(struct zt_node *n, int64_t now, const struct zt_wire_pkt *pkts,
                               size_t count, int64_t *next_deadline)
{
	if (n->host.crypto_run != NULL) {
		zt_batch_flush(n, now);
		zt_batch_process_wire(n, now, pkts, count);
	} else {
		for (size_t i = 0; i < count; i++)
			(void)zt_node_process_wire(n, now, pkts[i].sock, &pkts[i].from,
			                           pkts[i].data, pkts[i].len, NULL);
	}
	maybe_background(n, now);
	set_deadline(n, next_deadline);
	return ZT_OK;
}

int zt_node_process_frame(struct zt_node *n, int64_t now, uint64_t nwid, const uint8_t *frame,
                          size_t len, int64_t *next_deadline)
{
	struct zt_network *net = zt_switch_find(n, nwid);
	int r = ZT_ENOTFOUND;

	if (net != NULL)
		r = zt_switch_frame_from_tap(n, now, net, frame, len);
	maybe_background(n, now);
	set_deadline(n, next_deadline);
	return r;
}

int zt_node_process_background(struct zt_node *n, int64_t now, int64_t *next_deadline)
{
	maybe_background(n, now);
	set_deadline(n, next_deadline);
	return ZT_OK;
}

int zt_node_join(struct zt_node *n, int64_t now, uint64_t nwid)
{
	struct zt_network *net = zt_switch_find(n, nwid);
	struct zt_network_info info;

	if (net != NULL)
		return ZT_OK;
	if (nwid == 0 || n->is_root)
		return ZT_EINVAL;
	for (size_t i = 0; i < ZT_MAX_NETWORKS && net == NULL; i++)
		if (!n->networks[i].used)
			net = &n->networks[i];
	if (net == NULL)
		return ZT_EFULL;
	memset(net, 0, sizeof *net);
	net->used = true;
	net->nwid = nwid;
	zt_mac_from_address(nwid, n->id.address, net->mac);
	zt_wire_nethash(nwid, net->nethash);
	net->mtu = ZT_DEFAULT_MTU;
	zt_mc_net_init(net);
	zt_mact_init(&net->macs, ZT_BRIDGE_MAX_MACS);
	zt_mact_init(&net->lanmacs, ZT_BRIDGE_MAX_MACS);
	net->mc_query_at = now + 1000;
	if (zt_nwid_is_adhoc(nwid)) {
		/* Ad-hoc: no controller, anyone who knows the id is a member. */
		net->status = ZT_NET_OK;
		net->type = ZT_NET_PUBLIC;
	} else {
		/* Managed networks wait for their controller's config. */
		net->status = ZT_NET_REQUESTING_CONFIGURATION;
		net->type = ZT_NET_PRIVATE;
	}
	zt_switch_info(net, &info);
	if (n->host.net_update != NULL)
		n->host.net_update(n->host.ctx, ZT_NET_UP, &info);
	if (n->online)
		zt_switch_announce(n, now, net, false);
	return ZT_OK;
}

int zt_node_leave(struct zt_node *n, int64_t now, uint64_t nwid)
{
	struct zt_network *net = zt_switch_find(n, nwid);
	struct zt_network_info info;

	if (net == NULL)
		return ZT_ENOTFOUND;
	if (n->online)
		zt_switch_announce(n, now, net, true);
	zt_switch_info(net, &info);
	info.conf = NULL;
	zt_switch_free_members(net);
	free(net->conf);
	zt_mc_net_free(net);
	zt_mact_free(&net->macs);
	zt_mact_free(&net->lanmacs);
	memset(net, 0, sizeof *net);
	if (n->host.net_update != NULL)
		n->host.net_update(n->host.ctx, ZT_NET_DOWN, &info);
	return ZT_OK;
}

size_t zt_node_networks(const struct zt_node *n, struct zt_network_info *out, size_t cap)
{
	size_t count = 0;
	for (size_t i = 0; i < ZT_MAX_NETWORKS; i++) {
		if (!n->networks[i].used)
			continue;
		if (count < cap)
			zt_switch_info(&n->networks[i], &out[count]);
		count++;
	}
	return count;
}

int zt_node_network(const struct zt_node *n, uint64_t nwid, struct zt_network_info *out)
{
	for (size_t i = 0; i < ZT_MAX_NETWORKS; i++) {
		if (n->networks[i].used && n->networks[i].nwid == nwid) {
			zt_switch_info(&n->networks[i], out);
			return ZT_OK;
		}
	}
	return ZT_ENOTFOUND;
}

int zt_node_get_ethernet(const struct zt_node *n, uint64_t nwid, struct zt_ethernet *out)
{
	const struct zt_network *net = zt_switch_find((struct zt_node *)n, nwid);
	if (net == NULL)
		return ZT_ENOTFOUND;
	memset(out, 0, sizeof *out);
	out->multicast_limit = net->multicast_limit;
	out->enable_broadcast = net->enable_broadcast;
	out->active_bridge = net->active_bridge;
	out->mac_age_s = (unsigned)((net->mac_age > 0 ? net->mac_age : ZT_BRIDGE_AGE) / 1000);
	out->mss_clamp = net->mss_clamp;
	return ZT_OK;
}

int zt_node_set_ethernet(struct zt_node *n, int64_t now, uint64_t nwid, const struct zt_ethernet *e)
{
	struct zt_network *net = zt_switch_find(n, nwid);
	bool was_bridge;
	if (net == NULL)
		return ZT_ENOTFOUND;
	if (e->multicast_limit > ZT_NET_MAX_MEMBERS || e->mac_age_s > 86400 ||
	    (e->mss_clamp != 0 && (e->mss_clamp < 536 || e->mss_clamp > 65535)))
		return ZT_ERANGE;
	if (e->bridges != NULL && zt_mc_set_bridges(net, e->bridges, e->bridge_count) != ZT_OK)
		return ZT_ERANGE;
	was_bridge = net->active_bridge;
	net->multicast_limit = e->multicast_limit;
	net->enable_broadcast = e->enable_broadcast;
	net->active_bridge = e->active_bridge;
	net->mac_age = e->mac_age_s > 0 ? (int64_t)e->mac_age_s * 1000 : ZT_BRIDGE_AGE;
	net->mss_clamp = e->mss_clamp;
	if (was_bridge != net->active_bridge)
		net->mc_like_at = now; /* tell the others at the next turn */
	return ZT_OK;
}

uint64_t zt_node_address(const struct zt_node *n)
{
	return n->id.address;
}

const struct zt_identity *zt_node_identity(const struct zt_node *n)
{
	return &n->id;
}

int64_t zt_node_keepalive(const struct zt_node *n)
{
	return n->keepalive;
}

bool zt_node_online(const struct zt_node *n)
{
	return n->online;
}

size_t zt_node_reflected(const struct zt_node *n, struct zt_endpoint *out, size_t cap)
{
	size_t count = 0;
	for (unsigned i = 0; i < n->roots.count; i++) {
		const struct zt_peer *r = n->root_peers[i];
		bool dup = false;
		if (r == NULL || r->root->reflected.family == 0)
			continue;
		for (size_t j = 0; j < count && j < cap; j++)
			dup = dup || zt_endpoint_eq(&out[j], &r->root->reflected);
		if (dup)
			continue;
		if (count < cap)
			out[count] = r->root->reflected;
		count++;
	}
	return count;
}

size_t zt_node_peers(const struct zt_node *n, int64_t now, struct zt_peer_info *out, size_t cap)
{
	size_t count = 0;
	for (size_t b = 0; b < n->bucket_count; b++) {
		for (const struct zt_peer *p = n->buckets[b]; p != NULL; p = p->hnext) {
			if (count < cap)
				zt_peer_info(n, p, now, &out[count]);
			count++;
		}
	}
	return count;
}
