/* SPDX-License-Identifier: MIT */
/*
 * fuzz_common.h - shared pieces of the libFuzzer targets that drive the core
 * (fuzz_wire.c, fuzz_handshake.c, fuzz_roots.c): a deterministic random
 * source, fixed identities made once per process (each costs an Argon2id,
 * ~1 ms), an input reader, and a "harness peer" that speaks the protocol
 * from outside a node with the core's own primitives, so that the fuzzer's
 * bytes can reach the handlers behind authentication.
 *
 * Everything is deterministic in the input: a crash reproduces from its
 * file alone.
 */
#ifndef ZT_FUZZ_COMMON_H
#define ZT_FUZZ_COMMON_H

#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "frag.h"
#include "identity.h"
#include "node.h"
#include "noise.h"
#include "peer.h"
#include "replay.h"
#include "session.h"
#include "util.h"
#include "wire.h"
#include "zt.h"

#define FZ_T0 1700000000000LL

/* Stop with a message: libFuzzer reports abort() as a crash. */
#define FZ_ASSERT(cond)                                                                            \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "assertion failed: %s (%s:%d)\n", #cond, __FILE__,         \
			        __LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* ---- deterministic randomness (BLAKE2b in counter mode) ---- */

struct fz_rng {
	uint8_t key[32];
	uint64_t ctr;
};

static inline void fz_rng_seed(struct fz_rng *r, uint64_t seed)
{
	memset(r, 0, sizeof *r);
	for (int i = 0; i < 8; i++)
		r->key[i] = (uint8_t)(seed >> (8 * i));
}

static inline void fz_rng_bytes(void *ctx, void *buf, size_t len)
{
	struct fz_rng *r = ctx;
	uint8_t *p = buf;
	while (len > 0) {
		uint8_t block[64], in[8];
		size_t n = len < sizeof block ? len : sizeof block;
		for (int i = 0; i < 8; i++)
			in[i] = (uint8_t)(r->ctr >> (8 * i));
		r->ctr++;
		crypto_generichash(block, sizeof block, in, sizeof in, r->key, sizeof r->key);
		memcpy(p, block, n);
		p += n;
		len -= n;
	}
}

/* ---- fixed identities ---- */

#define FZ_IDS 6
static struct zt_identity fz_id[FZ_IDS];
static bool fz_ids_ready;

static inline void fz_init_ids(void)
{
	if (fz_ids_ready)
		return;
	if (sodium_init() < 0)
		abort();
	for (int i = 0; i < FZ_IDS; i++) {
		struct fz_rng r;
		fz_rng_seed(&r, 0x5eed0000u + (uint64_t)i);
		if (zt_identity_generate(&fz_id[i], fz_rng_bytes, &r) != ZT_OK)
			abort();
	}
	fz_ids_ready = true;
}

static inline struct zt_identity fz_public(const struct zt_identity *id)
{
	struct zt_identity p = *id;
	memset(p.sk, 0, sizeof p.sk);
	p.has_secret = false;
	return p;
}

/* Endpoint 10.0.<i>.1/<port>: the third octet names a node in a world. */
static inline void fz_ep(struct zt_endpoint *e, int i, uint16_t port)
{
	memset(e, 0, sizeof *e);
	e->family = 4;
	e->ip[0] = 10;
	e->ip[2] = (uint8_t)i;
	e->ip[3] = 1;
	e->port = port;
}

/* ---- reading the input ---- */

struct fz_in {
	const uint8_t *p;
	size_t left;
};

static inline uint8_t fz_u8(struct fz_in *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

static inline uint16_t fz_u16(struct fz_in *in)
{
	uint16_t hi = fz_u8(in);
	return (uint16_t)(hi << 8 | fz_u8(in));
}

/* Up to `max` bytes: the length comes from the input. */
static inline size_t fz_bytes(struct fz_in *in, size_t max, const uint8_t **out)
{
	size_t n = fz_u16(in);
	if (n > max)
		n = max;
	if (n > in->left)
		n = in->left;
	*out = in->p;
	in->p += n;
	in->left -= n;
	return n;
}

/* ---- a node's host: records what it sends ---- */

#define FZ_SENT_MAX 64
struct fz_sent {
	struct zt_endpoint to;
	size_t len;
	uint8_t data[ZT_UDP_MAX + 64];
};

struct fz_host {
	struct fz_rng rng;
	struct fz_sent sent[FZ_SENT_MAX]; /* a ring of the latest datagrams */
	unsigned nsent;                   /* total ever sent */
	unsigned frames;                  /* frames delivered to the TAP */
	uint8_t last_frame[64];
	size_t last_frame_len;
};

static inline int fz_h_send(void *ctx, int64_t sock, const struct zt_endpoint *to, const void *pkt,
                            size_t len)
{
	struct fz_host *h = ctx;
	struct fz_sent *s = &h->sent[h->nsent % FZ_SENT_MAX];
	(void)sock;
	FZ_ASSERT(len <= ZT_UDP_MAX); /* the core never sends more */
	FZ_ASSERT(to->family == 4 || to->family == 6);
	s->to = *to;
	s->len = len;
	memcpy(s->data, pkt, len);
	h->nsent++;
	return 0;
}

static inline void fz_h_frame(void *ctx, uint64_t nwid, const uint8_t *frame, size_t len)
{
	struct fz_host *h = ctx;
	(void)nwid;
	FZ_ASSERT(len >= 14 && len <= ZT_ETH_MAX);
	h->frames++;
	h->last_frame_len = len < sizeof h->last_frame ? len : sizeof h->last_frame;
	memcpy(h->last_frame, frame, h->last_frame_len);
}

static inline void fz_h_random(void *ctx, void *buf, size_t len)
{
	struct fz_host *h = ctx;
	fz_rng_bytes(&h->rng, buf, len);
}

static inline struct zt_host fz_make_host(struct fz_host *h, uint64_t seed)
{
	struct zt_host host;
	memset(h, 0, sizeof *h);
	fz_rng_seed(&h->rng, seed);
	memset(&host, 0, sizeof host);
	host.version = ZT_HOST_VERSION;
	host.ctx = h;
	host.wire_send = fz_h_send;
	host.frame_out = fz_h_frame;
	host.random = fz_h_random;
	return host;
}

/* Tell node n about a peer's identity as if it had been verified before
 * (white box: the Argon2id check would cost 1 ms per input). */
static inline void fz_know(struct zt_node *n, int64_t now, const struct zt_identity *id)
{
	struct zt_peer *p = zt_peer_get(n, now, id->address);
	FZ_ASSERT(p != NULL);
	memcpy(p->pk, id->pk, 32);
	p->has_identity = true;
}

/* ---- the harness peer: a session with a node, from outside ---- */

struct fz_peer {
	const struct zt_identity *id;
	struct zt_endpoint ep;
	bool up;
	struct zt_keypair kp; /* send_key/remote_index towards the node */
};

/* Run a handshake with node n as the initiator; true if a session is up.
 * The node's reply is taken from its host's record of sent datagrams. */
static inline bool fz_peer_connect(struct fz_peer *pe, struct zt_node *n, struct fz_host *h,
                                   int64_t now)
{
	uint8_t pkt[ZT_HS_INIT_LEN], e_seed[32], payload[ZT_NOISE_INIT_PAYLOAD], key[32];
	uint8_t rpay[ZT_NOISE_RESP_PAYLOAD], k1[32], k2[32];
	const struct zt_identity *nid = zt_node_identity(n);
	struct zt_hdr hd = {ZT_PT_HS_INIT, 0, nid->address, pe->id->address};
	struct zt_noise_hs hs;
	size_t mac1_off = ZT_HS_INIT_LEN - 2 * ZT_MAC_LEN;
	uint32_t my_index = 0x1000u + (uint32_t)(pe->id->address & 0xfff);
	unsigned before = h->nsent;
	int64_t dl;

	pe->up = false;
	memset(e_seed, 0x42, sizeof e_seed);
	e_seed[0] = (uint8_t)pe->id->address;
	zt_put_u64(payload, (uint64_t)now);
	zt_put_u32(payload + 8, 0);
	zt_wire_hdr_encode(pkt, &hd);
	zt_put_u32(pkt + ZT_HDR_LEN, my_index);
	if (zt_noise_init_create(&hs, pe->id, nid->pk, e_seed, payload, pkt + ZT_HDR_LEN + 4) !=
	    ZT_OK)
		return false;
	zt_cookie_mac1_key(key, nid->pk);
	zt_cookie_mac(pkt + mac1_off, key, 32, pkt, mac1_off);
	memset(pkt + mac1_off + 16, 0, 16);
	zt_node_process_wire(n, now, 1, &pe->ep, pkt, sizeof pkt, &dl);
	for (unsigned i = before; i < h->nsent; i++) {
		const struct fz_sent *s = &h->sent[i % FZ_SENT_MAX];
		struct zt_hdr rh;
		if (s->len != ZT_HS_RESP_LEN || !zt_wire_hdr_decode(&rh, s->data, s->len) ||
		    rh.type != ZT_PT_HS_RESP || rh.dst != pe->id->address ||
		    zt_get_u32(s->data + ZT_HDR_LEN + 4) != my_index)
			continue;
		if (zt_noise_resp_consume(&hs, pe->id, s->data + ZT_HDR_LEN + 8, rpay) != ZT_OK)
			break;
		zt_noise_split(&hs, k1, k2);
		memset(&pe->kp, 0, sizeof pe->kp);
		pe->kp.valid = true;
		pe->kp.initiator = true;
		pe->kp.local_index = my_index;
		pe->kp.remote_index = zt_get_u32(s->data + ZT_HDR_LEN);
		memcpy(pe->kp.send_key, k1, 32);
		memcpy(pe->kp.recv_key, k2, 32);
		zt_replay_init(&pe->kp.replay);
		pe->up = true;
		break;
	}
	zt_noise_wipe(&hs);
	return pe->up;
}

/* Seal an inner message as the peer; returns the DATA packet's length. */
static inline size_t fz_peer_seal(struct fz_peer *pe, uint64_t dst, const uint8_t *msg, size_t len,
                                  uint8_t *out)
{
	return zt_session_seal(&pe->kp, dst, pe->id->address, msg, len, out);
}

/* Send a whole packet to n from the peer's endpoint, fragmenting it like
 * the core does when it is larger than a datagram. */
static inline void fz_deliver(struct zt_node *n, int64_t now, const struct zt_endpoint *from,
                              const uint8_t *pkt, size_t len, unsigned hops)
{
	uint8_t frag[ZT_UDP_MAX];
	unsigned count = zt_frag_count(len, ZT_UDP_MAX);
	int64_t dl;

	if (count == 1) {
		uint8_t copy[ZT_UDP_MAX];
		memcpy(copy, pkt, len);
		if (len > 1)
			copy[1] = (uint8_t)((copy[1] & ~ZT_HOPS_MASK) | (hops & ZT_HOPS_MASK));
		zt_node_process_wire(n, now, 1, from, copy, len, &dl);
		return;
	}
	if (count > ZT_FRAG_MAX)
		return;
	for (unsigned i = 0; i < count; i++) {
		size_t fl = zt_frag_build(pkt, len, ZT_UDP_MAX, 0x77000000u + (uint32_t)len, i,
		                          count, frag);
		frag[1] = (uint8_t)(hops & ZT_HOPS_MASK);
		zt_node_process_wire(n, now, 1, from, frag, fl, &dl);
	}
}

#endif
