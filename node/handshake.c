/* SPDX-License-Identifier: MIT */
/*
 * handshake.c - sessions: our initiations (Noise IK, noise.c) and their
 * retries, the responder's side, and the keys each side installs
 * (doc/PROTOCOL.md §4).
 *
 * A stranger's initiation meets the cheap checks before any public-key
 * work, in this order: mac1; the cache of initiations consumed before (an
 * exact replay is dropped); a token bucket for its source and one for the
 * node, in front of the two X25519 (a source without a valid mac2 that is
 * over either gets a COOKIE; one with a valid mac2 is dropped).  Then, for
 * an identity we do not know, the cache of identities checked before and,
 * if it is new, the same two buckets in front of the Argon2id that checks
 * its address.  A replayed initiation that got through (timestamp not
 * newer than the last accepted) is dropped.
 */
#include <sodium.h>
#include <string.h>

#include "cookie.h"
#include "handshake.h"
#include "multicast.h"
#include "host.h"
#include "hsbudget.h"
#include "hscache.h"
#include "identity.h"
#include "node.h"
#include "noise.h"
#include "peer.h"
#include "replay.h"
#include "send.h"
#include "session.h"
#include "swver.h"
#include "timers.h"
#include "util.h"
#include "wire.h"

void zt_hs_resend(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	uint8_t pkt[ZT_HS_INIT_LEN], e_seed[32], payload[ZT_NOISE_INIT_PAYLOAD], key[32];
	struct zt_hdr h = {ZT_PT_HS_INIT, 0, p->address, n->id.address};
	size_t mac1_off = ZT_HS_INIT_LEN - 2 * ZT_MAC_LEN;

	if (p->hs == NULL)
		return;
	p->hs->index = zt_node_random_u32(n);
	p->hs->bad_resps = 0;
	zt_host_random(n, e_seed, sizeof e_seed);
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
	zt_timers_handshake_initiated(p, now);
	zt_send_packet(n, now, p, pkt, sizeof pkt);
out:
	sodium_memzero(e_seed, sizeof e_seed);
}

void zt_hs_start(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	if (p->hs_pending || !p->has_identity)
		return;
	if (!zt_peer_hs_begin(p)) {
		n->counters[ZT_CTR_NO_MEMORY]++;
		return;
	}
	zt_timers_handshake_started(p, now);
	zt_hs_resend(n, now, p);
}

void zt_hs_restart(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	if (!p->has_identity) {
		zt_send_want_peer(n, now, p);
		return;
	}
	/* The peer no longer knows these keys (it restarted): drop them, so
	 * that what we send next waits for the new session and goes out the
	 * moment it is up. */
	zt_peer_keypairs_wipe(p);
	zt_hs_start(n, now, p);
}

void zt_hs_init(struct zt_node *n)
{
	uint8_t key[3 * 16];

	zt_host_random(n, key, sizeof key);
	zt_hsb_init(&n->hs_budget, key);
	zt_hscache_init(&n->hs_seen, n->hs_seen_e, ZT_HS_SEEN_ENTRIES, key + 16);
	zt_hscache_init(&n->id_seen, n->id_seen_e, ZT_HS_ID_ENTRIES, key + 32);
	sodium_memzero(key, sizeof key);
}

static struct zt_hsc_tag identity_tag(const struct zt_node *n, uint64_t address,
                                      const uint8_t pk[32])
{
	uint8_t a[5 + 32];
	zt_put_u40(a, address);
	memcpy(a + 5, pk, 32);
	return zt_hscache_tag(&n->id_seen, a, sizeof a);
}

bool zt_hs_identity_ok(struct zt_node *n, int64_t now, uint64_t address, const uint8_t pk[32])
{
	struct zt_hsc_tag tag = identity_tag(n, address, pk);
	enum zt_hsc_verdict v = zt_hscache_get(&n->id_seen, now, tag);
	struct zt_identity claimed;
	int r;

	if (v != ZT_HSC_NONE)
		return v == ZT_HSC_VERIFIED;
	memset(&claimed, 0, sizeof claimed);
	claimed.address = address;
	memcpy(claimed.pk, pk, 32);
	n->counters[ZT_CTR_ID_VERIFY]++;
	r = zt_identity_verify(&claimed);
	/* Out of memory for Argon2id says nothing about the identity. */
	if (r == ZT_OK || r == ZT_EIDENTITY)
		zt_hscache_put(&n->id_seen, now, tag,
		               r == ZT_OK ? ZT_HSC_VERIFIED : ZT_HSC_REJECTED);
	return r == ZT_OK;
}

/* Did `from` carry an authenticated packet of one of our roots lately? */
static bool from_a_root(const struct zt_node *n, int64_t now, const struct zt_endpoint *from)
{
	for (unsigned i = 0; i < n->roots.count; i++) {
		const struct zt_peer *r = n->root_peers[i];
		for (unsigned k = 0; r != NULL && k < r->npaths; k++) {
			const struct zt_path *x = &r->paths[k];
			if (x->used && x->last_rx != 0 && now - x->last_rx < ZT_ROOT_DEAD_AFTER &&
			    zt_endpoint_eq(&x->ep, from))
				return true;
		}
	}
	return false;
}

/* Whom an initiation is charged to, and whether its source proved that it
 * receives there: relayed by one of our roots, it is the sender's address,
 * proven (a root relays only from where that sender registered); else the
 * prefix of `from`, proven by a valid mac2 (a cookie bound to `from`). */
static bool init_source(struct zt_node *n, int64_t now, const struct zt_endpoint *from,
                        const struct zt_hdr *h, const uint8_t *pkt, struct zt_hsb_src *src)
{
	if (h->hops > 0 && from_a_root(n, now, from)) {
		zt_hsb_src_relayed(src, h->src);
		return true;
	}
	zt_hsb_src_prefix(src, from);
	return zt_cookie_mac2_ok(&n->cookies, now, from, pkt, ZT_HS_INIT_LEN - ZT_MAC_LEN);
}

static void send_cookie(struct zt_node *n, int64_t now, int64_t sock,
                        const struct zt_endpoint *from, const uint8_t *init)
{
	uint8_t pkt[ZT_COOKIE_LEN], fresh[32], cookie[16];
	struct zt_hdr h = {ZT_PT_COOKIE, 0, zt_get_u40(init + 7), n->id.address};
	const uint8_t *mac1 = init + ZT_HS_INIT_LEN - 2 * ZT_MAC_LEN;

	/* Fresh bytes only when the secret is renewed: a COOKIE must stay
	 * cheap (a flood past its budgets may get one per packet, as far as
	 * its source's COOKIE budget goes). */
	memset(fresh, 0, sizeof fresh);
	if (zt_cookie_secret_due(&n->cookies, now))
		zt_host_random(n, fresh, sizeof fresh);
	zt_cookie_make(&n->cookies, now, fresh, from, cookie);
	zt_wire_hdr_encode(pkt, &h);
	memcpy(pkt + ZT_HDR_LEN, init + ZT_HDR_LEN, 4); /* their sender index */
	zt_host_random(n, pkt + ZT_HDR_LEN + 4, 24);
	zt_cookie_seal(pkt + ZT_HDR_LEN + 28, pkt + ZT_HDR_LEN + 4, cookie, n->cookies.cookie_key,
	               mac1);
	sodium_memzero(fresh, sizeof fresh);
	n->counters[ZT_CTR_HS_COOKIE_SENT]++;
	zt_send_raw(n, sock, from, pkt, sizeof pkt);
}

/* An initiation over its source's budget: a source that has not proven it
 * receives where it claims to be gets a COOKIE (its retry, with mac2, is
 * charged to the proven buckets), while its COOKIE budget lasts; one that
 * has is dropped. */
static void over_budget(struct zt_node *n, int64_t now, int64_t sock,
                        const struct zt_endpoint *from, const uint8_t *pkt, bool proven,
                        const struct zt_hsb_src *src)
{
	if (!proven && zt_hsb_take(&n->hs_budget, now, src, ZT_HSB_COOKIE))
		send_cookie(n, now, sock, from, pkt);
	else
		n->counters[ZT_CTR_HS_OVER_BUDGET]++;
}

void zt_hs_handle_init(struct zt_node *n, int64_t now, int64_t sock, const struct zt_endpoint *from,
                       const struct zt_hdr *h, const uint8_t *pkt, size_t len)
{
	struct zt_noise_hs hs;
	uint8_t payload[ZT_NOISE_INIT_PAYLOAD], rpayload[ZT_NOISE_RESP_PAYLOAD];
	uint8_t e_seed[32], k1[32], k2[32], key[32];
	uint8_t out[ZT_HS_RESP_LEN];
	struct zt_hdr rh = {ZT_PT_HS_RESP, 0, h->src, n->id.address};
	struct zt_peer *p;
	struct zt_keypair *kp;
	struct zt_hsb_src src;
	struct zt_hsc_tag seen;
	const uint8_t *body = pkt + ZT_HDR_LEN + 4;
	bool proven;
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
	/* The Noise message consumed before (whatever the header, sender
	 * index or macs around it): it would fail or be refused again. */
	seen = zt_hscache_tag(&n->hs_seen, body, ZT_NOISE_INIT_LEN);
	if (zt_hscache_get(&n->hs_seen, now, seen) != ZT_HSC_NONE) {
		n->counters[ZT_CTR_HS_REPLAY_DROP]++;
		return;
	}
	proven = init_source(n, now, from, h, pkt, &src);
	if (!zt_hsb_take(&n->hs_budget, now, &src, proven ? ZT_HSB_DH_PROVEN : ZT_HSB_DH)) {
		over_budget(n, now, sock, from, pkt, proven, &src);
		return;
	}
	zt_hscache_put(&n->hs_seen, now, seen, ZT_HSC_SEEN);
	n->counters[ZT_CTR_HS_DH]++;
	if (zt_noise_init_consume(&hs, &n->id, body, payload) != ZT_OK) {
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
		 * (the memory-hard check, once per identity: the cache
		 * remembers both answers). */
		enum zt_hsc_verdict v =
		    zt_hscache_get(&n->id_seen, now, identity_tag(n, h->src, hs.rs_ed));
		if (v == ZT_HSC_NONE &&
		    !zt_hsb_take(&n->hs_budget, now, &src, proven ? ZT_HSB_ID_PROVEN : ZT_HSB_ID)) {
			over_budget(n, now, sock, from, pkt, proven, &src);
			goto out;
		}
		if (v == ZT_HSC_REJECTED || !zt_hs_identity_ok(n, now, h->src, hs.rs_ed)) {
			n->counters[ZT_CTR_HS_REJECTED]++;
			goto out;
		}
		/* A full table makes room (least recently authenticated
		 * first): sybils cannot lock a newcomer out. */
		if (p == NULL)
			p = zt_peer_get_evict(n, now, h->src);
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

	zt_host_random(n, e_seed, sizeof e_seed);
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
	kp->local_index = zt_node_random_u32(n);
	kp->remote_index = zt_get_u32(pkt + ZT_HDR_LEN);
	zt_session_set_keys(&n->mem, kp,
	                    (zt_get_u32(rpayload) & ZT_HS_FLAG_AES256GCM)
	                        ? ZT_CIPHER_AES256GCM
	                        : ZT_CIPHER_CHACHA20POLY1305,
	                    k2, k1);
	zt_timers_session_derived(kp, now);
	zt_replay_init(&kp->replay);

	zt_wire_hdr_encode(out, &rh);
	zt_put_u32(out + ZT_HDR_LEN, kp->local_index);
	zt_put_u32(out + ZT_HDR_LEN + 4, kp->remote_index);
	zt_cookie_mac1_key(key, p->pk);
	zt_cookie_mac(out + rmac1_off, key, 32, out, rmac1_off);
	memset(out + rmac1_off + 16, 0, 16);
	(void)zt_peer_learn_path(n, p, now, sock, from, h->hops, len);
	/* Answer the way it came: a relayed initiation goes back through the
	 * same root, which forwards by destination address. */
	zt_send_raw(n, sock, from, out, sizeof out);
	zt_peer_path_resp_sent(p, from, kp->local_index, sizeof out);
	zt_timers_packet_sent(p, now);
	zt_node_log_peer(n, ZT_LOG_DEBUG, "handshake: responded to", p->address);
out:
	zt_noise_wipe(&hs);
	sodium_memzero(e_seed, sizeof e_seed);
	sodium_memzero(k1, sizeof k1);
	sodium_memzero(k2, sizeof k2);
}

void zt_hs_handle_resp(struct zt_node *n, int64_t now, int64_t sock, const struct zt_endpoint *from,
                       const struct zt_hdr *h, const uint8_t *pkt, size_t len)
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
	/* Anyone who saw our initiation can answer it: each forged answer
	 * costs us two X25519, so only a few are tried per initiation. */
	if (p->hs->bad_resps >= ZT_HS_RESP_BAD_MAX) {
		n->counters[ZT_CTR_HS_OVER_BUDGET]++;
		return;
	}
	n->counters[ZT_CTR_HS_DH]++;
	saved = p->hs->noise;
	if (zt_noise_resp_consume(&p->hs->noise, &n->id, pkt + ZT_HDR_LEN + 8, payload) != ZT_OK) {
		n->counters[ZT_CTR_RX_AUTH_FAIL]++;
		p->hs->bad_resps++;
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
	zt_session_set_keys(&n->mem, &kp,
	                    (n->aes_ok && (zt_get_u32(payload) & ZT_HS_FLAG_AES256GCM))
	                        ? ZT_CIPHER_AES256GCM
	                        : ZT_CIPHER_CHACHA20POLY1305,
	                    k1, k2);
	zt_timers_session_derived(&kp, now);
	zt_replay_init(&kp.replay);
	if (!zt_peer_keypair_install(p, &kp)) /* takes kp (and kp.aes) */
		n->counters[ZT_CTR_NO_MEMORY]++;
	sodium_memzero(k1, sizeof k1);
	sodium_memzero(k2, sizeof k2);
	zt_peer_hs_end(p);
	(void)zt_peer_learn_path(n, p, now, sock, from, h->hops, len);
	zt_node_log_peer(n, ZT_LOG_DEBUG, "handshake: session up with", p->address);

	/* Our bridge status and groups before any frame, asking for the
	 * peer's: a frame from its LAN must not find it unknown as a bridge. */
	zt_mc_session_up(n, now, p, true);
	/* The responder may send only once it has heard from us with the new
	 * keys: say something at once. */
	if (p->is_root) {
		zt_send_register(n, now, p);
	} else if (p->qcount > 0) {
		zt_send_flush_queue(n, now, p);
	} else {
		uint8_t ka = ZT_MSG_KEEPALIVE;
		(void)zt_send_msg(n, now, p, &ka, 1);
	}
	/* Our software version, asking for the peer's (swver.c). */
	zt_swver_session_up(n, now, p);
	zt_send_flush_queue(n, now, p);
	zt_peer_update_kind(n, p, now);
}

void zt_hs_handle_cookie(struct zt_node *n, int64_t now, const struct zt_hdr *h, const uint8_t *pkt,
                         size_t len)
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
	zt_timers_cookie_received(p, now);
}
