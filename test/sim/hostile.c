/* SPDX-License-Identifier: MIT */
/*
 * hostile.c - the attacker's toolkit (see hostile.h).
 */
#include "hostile.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"

#define SIM_STREAM_HOSTILE 0x300000000ull /* + fabric host index */
#define SIM_STREAM_POOL    4ull
#define POOL_SEED          0x5b11ull /* the pool does not depend on the run's seed */

/* ---- bytes ---- */

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static void nonce_of(uint8_t nonce[12], uint64_t ctr)
{
	memset(nonce, 0, 4);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(ctr >> (8 * i));
}

/* ---- the sybil pool ---- */

static struct zt_identity *pool;
static unsigned npool, cappool;
static struct sim_rng pool_rng;

const struct zt_identity *sim_pool_identity(unsigned i)
{
	if (npool == 0 && cappool == 0)
		sim_rng_init(&pool_rng, POOL_SEED, SIM_STREAM_POOL);
	while (npool <= i) {
		if (npool == cappool) {
			unsigned nc = cappool ? cappool * 2 : 64;
			struct zt_identity *np = realloc(pool, nc * sizeof *np);
			if (np == NULL)
				return NULL;
			pool = np;
			cappool = nc;
		}
		if (zt_identity_generate(&pool[npool], sim_rng_bytes, &pool_rng) != ZT_OK)
			return NULL;
		npool++;
	}
	return &pool[i];
}

/* ---- receiving ---- */

static void on_recv(void *ctx, int64_t sock, const struct zt_endpoint *from, const void *pkt,
                    size_t len);

struct sim_hostile *sim_hostile_new(struct sim_world *w, const struct zt_endpoint *ep)
{
	struct sim_hostile *a = calloc(1, sizeof *a);
	struct zt_identity id;
	memset(&id, 0, sizeof id);
	if (a == NULL)
		return NULL;
	a->w = w;
	a->ep = *ep;
	a->host = sim_fabric_add_host(&w->fabric, &w->member_link);
	if (a->host < 0 || sim_fabric_add_iface(&w->fabric, a->host, SIM_SOCK, 0, ep) != 0)
		goto fail;
	sim_rng_init(&a->rng, w->seed, SIM_STREAM_HOSTILE + (uint64_t)a->host);
	if (zt_identity_generate(&id, sim_rng_bytes, &a->rng) != ZT_OK ||
	    sim_hostile_add_identity(a, &id) != 0)
		goto fail;
	zt_identity_wipe(&id);
	sim_fabric_set_receiver(&w->fabric, a->host, on_recv, a);
	return a;
fail:
	zt_identity_wipe(&id);
	sim_hostile_free(a);
	return NULL;
}

void sim_hostile_free(struct sim_hostile *a)
{
	if (a == NULL)
		return;
	/* The world is gone (or never was): its tap and the fabric's
	 * receiver pointing here died with it. */
	if (a->ids != NULL)
		sodium_memzero(a->ids, a->capids * sizeof *a->ids);
	if (a->sess != NULL)
		sodium_memzero(a->sess, a->capsess * sizeof *a->sess);
	free(a->ids);
	free(a->sess);
	free(a->captured);
	free(a);
}

int sim_hostile_add_identity(struct sim_hostile *a, const struct zt_identity *id)
{
	if (a->nids == a->capids) {
		unsigned nc = a->capids ? a->capids * 2 : 8;
		struct zt_identity *n = realloc(a->ids, nc * sizeof *n);
		if (n == NULL)
			return -1;
		a->ids = n;
		a->capids = nc;
	}
	a->ids[a->nids] = *id;
	return (int)a->nids++;
}

int sim_hostile_sybils(struct sim_hostile *a, unsigned first, unsigned count)
{
	int idx = -1;
	for (unsigned i = 0; i < count; i++) {
		const struct zt_identity *id = sim_pool_identity(first + i);
		int k = id != NULL ? sim_hostile_add_identity(a, id) : -1;
		if (k < 0)
			return -1;
		if (i == 0)
			idx = k;
	}
	return idx;
}

uint64_t sim_hostile_address(const struct sim_hostile *a, unsigned id)
{
	return id < a->nids ? a->ids[id].address : 0;
}

static int our_id(const struct sim_hostile *a, uint64_t address)
{
	for (unsigned i = 0; i < a->nids; i++)
		if (a->ids[i].address == address)
			return (int)i;
	return -1;
}

static struct sim_hsess *new_sess(struct sim_hostile *a, int *idx)
{
	if (a->nsess == a->capsess) {
		unsigned nc = a->capsess ? a->capsess * 2 : 16;
		struct sim_hsess *n = realloc(a->sess, nc * sizeof *n);
		if (n == NULL)
			return NULL;
		a->sess = n;
		a->capsess = nc;
	}
	*idx = (int)a->nsess;
	memset(&a->sess[a->nsess], 0, sizeof a->sess[0]);
	return &a->sess[a->nsess++];
}

static void send_pkt(struct sim_hostile *a, const struct zt_endpoint *from,
                     const struct zt_endpoint *to, const void *pkt, size_t len)
{
	if (from == NULL)
		(void)sim_fabric_send(&a->w->fabric, a->host, SIM_SOCK, to, pkt, len);
	else
		(void)sim_fabric_send_as(&a->w->fabric, a->host, SIM_SOCK, from, to, pkt, len);
}

/* Responder: an initiation to one of our identities.  We take any
 * initiator (an attacker has no reason to check) and answer with
 * ChaCha20-Poly1305 keys. */
static void handle_init(struct sim_hostile *a, const struct zt_endpoint *from,
                        const struct zt_hdr *h, const uint8_t *pkt, size_t len)
{
	struct zt_noise_hs hs;
	uint8_t payload[ZT_NOISE_INIT_PAYLOAD], rpayload[ZT_NOISE_RESP_PAYLOAD] = {0};
	uint8_t e_seed[32], k1[32], k2[32], key[32], out[ZT_HS_RESP_LEN];
	struct zt_hdr rh = {ZT_PT_HS_RESP, h->hops, h->src, h->dst};
	size_t rmac1 = ZT_HS_RESP_LEN - 2 * ZT_MAC_LEN;
	struct sim_hsess *s = NULL;
	int id = our_id(a, h->dst), idx = -1;

	memset(&hs, 0, sizeof hs);
	if (id < 0 || len != ZT_HS_INIT_LEN ||
	    zt_noise_init_consume(&hs, &a->ids[id], pkt + ZT_HDR_LEN + 4, payload) != ZT_OK)
		goto out;
	sim_rng_bytes(&a->rng, e_seed, sizeof e_seed);
	if (zt_noise_resp_create(&hs, e_seed, rpayload, out + ZT_HDR_LEN + 8) != ZT_OK)
		goto out;
	/* A new session replaces ours with that peer. */
	for (unsigned i = 0; i < a->nsess && s == NULL; i++)
		if (a->sess[i].id == (unsigned)id && a->sess[i].peer == h->src)
			s = &a->sess[i];
	if (s == NULL && (s = new_sess(a, &idx)) == NULL)
		goto out;
	(void)idx;
	memset(s, 0, sizeof *s);
	s->id = (unsigned)id;
	s->peer = h->src;
	memcpy(s->peer_pk, hs.rs_ed, 32);
	s->to = *from;
	s->hops = 0;
	s->local_index = (uint32_t)sim_rng_u64(&a->rng);
	s->remote_index = get32(pkt + ZT_HDR_LEN);
	zt_noise_split(&hs, k1, k2);
	memcpy(s->send_key, k2, 32);
	memcpy(s->recv_key, k1, 32);
	s->up = true;
	zt_wire_hdr_encode(out, &rh);
	put32(out + ZT_HDR_LEN, s->local_index);
	put32(out + ZT_HDR_LEN + 4, s->remote_index);
	zt_cookie_mac1_key(key, s->peer_pk);
	zt_cookie_mac(out + rmac1, key, 32, out, rmac1);
	memset(out + rmac1 + 16, 0, 16);
	send_pkt(a, NULL, from, out, sizeof out);
out:
	zt_noise_wipe(&hs);
	sodium_memzero(e_seed, sizeof e_seed);
	sodium_memzero(k1, sizeof k1);
	sodium_memzero(k2, sizeof k2);
}

static struct sim_hsess *sess_by_index(struct sim_hostile *a, uint64_t dst, uint32_t idx,
                                       unsigned *which)
{
	for (unsigned i = 0; i < a->nsess; i++) {
		struct sim_hsess *s = &a->sess[i];
		if (s->local_index == idx && a->ids[s->id].address == dst) {
			*which = i;
			return s;
		}
	}
	return NULL;
}

static void handle_resp(struct sim_hostile *a, const struct zt_hdr *h, const uint8_t *pkt,
                        size_t len)
{
	uint8_t payload[ZT_NOISE_RESP_PAYLOAD], k1[32], k2[32], ka = ZT_MSG_KEEPALIVE;
	unsigned which;
	struct sim_hsess *s;

	if (len != ZT_HS_RESP_LEN)
		return;
	s = sess_by_index(a, h->dst, get32(pkt + ZT_HDR_LEN + 4), &which);
	if (s == NULL || !s->pending || s->peer != h->src)
		return;
	if (zt_noise_resp_consume(&s->hs, &a->ids[s->id], pkt + ZT_HDR_LEN + 8, payload) != ZT_OK)
		return;
	zt_noise_split(&s->hs, k1, k2);
	memcpy(s->send_key, k1, 32);
	memcpy(s->recv_key, k2, 32);
	s->remote_index = get32(pkt + ZT_HDR_LEN);
	s->send_ctr = 0;
	s->pending = false;
	s->up = true;
	sodium_memzero(k1, sizeof k1);
	sodium_memzero(k2, sizeof k2);
	/* The responder may use the keys once we did. */
	(void)sim_hostile_send(a, which, &ka, 1);
}

static int send_init(struct sim_hostile *a, struct sim_hsess *s);

static void handle_cookie(struct sim_hostile *a, const struct zt_hdr *h, const uint8_t *pkt,
                          size_t len)
{
	uint8_t key[32];
	unsigned which;
	struct sim_hsess *s;

	if (len != ZT_COOKIE_LEN)
		return;
	s = sess_by_index(a, h->dst, get32(pkt + ZT_HDR_LEN), &which);
	if (s != NULL && s->pending) {
		/* Ours: retry at once with mac2, as a node would. */
		zt_cookie_cookie_key(key, s->peer_pk);
		if (zt_cookie_open(s->cookie, pkt + ZT_HDR_LEN + 4, pkt + ZT_HDR_LEN + 28, key,
		                   s->mac1) == ZT_OK) {
			s->has_cookie = true;
			(void)send_init(a, s);
		}
		return;
	}
	/* An answer to a forged initiation. */
	zt_cookie_cookie_key(key, a->forged_pk);
	if (zt_cookie_open(a->cookie, pkt + ZT_HDR_LEN + 4, pkt + ZT_HDR_LEN + 28, key,
	                   a->forged_mac1) == ZT_OK) {
		a->has_cookie = true;
		a->cookie_at = a->w->clock.now;
	}
}

static void handle_msg(struct sim_hostile *a, unsigned which, const uint8_t *msg, size_t len)
{
	if (len == 0)
		return;
	a->rx_msgs[msg[0]]++;
	a->sess[which].rx_msgs++;
	if (a->on_msg != NULL)
		a->on_msg(a->on_msg_ctx, a, which, msg, len);
}

static void handle_data(struct sim_hostile *a, const struct zt_hdr *h, const uint8_t *pkt,
                        size_t len)
{
	static uint8_t plain[ZT_PACKET_MAX];
	uint8_t ad[ZT_DATA_HDR_LEN], nonce[12];
	unsigned long long mlen = 0;
	unsigned which;
	struct sim_hsess *s;

	if (len < ZT_DATA_OVERHEAD || len - ZT_DATA_OVERHEAD > sizeof plain)
		return;
	s = sess_by_index(a, h->dst, get32(pkt + ZT_HDR_LEN), &which);
	if (s == NULL || !s->up) {
		a->rx_undecrypted++;
		return;
	}
	zt_wire_hdr_auth(ad, pkt);
	memcpy(ad + ZT_HDR_LEN, pkt + ZT_HDR_LEN, 12);
	nonce_of(nonce, get64(pkt + ZT_HDR_LEN + 4));
	if (crypto_aead_chacha20poly1305_ietf_decrypt(plain, &mlen, NULL, pkt + ZT_DATA_HDR_LEN,
	                                              len - ZT_DATA_HDR_LEN, ad, sizeof ad, nonce,
	                                              s->recv_key) != 0) {
		a->rx_undecrypted++;
		return;
	}
	handle_msg(a, which, plain, (size_t)mlen);
}

static void dispatch(struct sim_hostile *a, const struct zt_endpoint *from, const uint8_t *pkt,
                     size_t len, bool inner);

/* Fragments: kept per (source, packet id) until all are there. */
static void handle_frag(struct sim_hostile *a, const struct zt_endpoint *from,
                        const struct zt_hdr *h, const uint8_t *pkt, size_t len)
{
	static uint8_t whole[ZT_PACKET_MAX];
	struct sim_hfrag *f = NULL;
	uint32_t id;
	unsigned idx, count;
	size_t total = 0;

	if (len <= ZT_FRAG_HDR_LEN)
		return;
	id = get32(pkt + ZT_HDR_LEN);
	idx = pkt[ZT_HDR_LEN + 4];
	count = pkt[ZT_HDR_LEN + 5];
	if (count < 2 || count > ZT_FRAG_MAX || idx >= count)
		return;
	for (unsigned i = 0; i < SIM_HOSTILE_FRAGS && f == NULL; i++)
		if (a->frags[i].used && a->frags[i].src == h->src && a->frags[i].id == id)
			f = &a->frags[i];
	if (f == NULL) {
		f = &a->frags[a->frag_next++ % SIM_HOSTILE_FRAGS];
		memset(f, 0, sizeof *f);
		f->used = true;
		f->src = h->src;
		f->id = id;
		f->count = count;
	}
	if (f->count != count || f->len[idx] != 0)
		return;
	f->len[idx] = len - ZT_FRAG_HDR_LEN;
	memcpy(f->data[idx], pkt + ZT_FRAG_HDR_LEN, f->len[idx]);
	if (++f->have < f->count)
		return;
	for (unsigned i = 0; i < f->count; i++) {
		if (total + f->len[i] > sizeof whole)
			return;
		memcpy(whole + total, f->data[i], f->len[i]);
		total += f->len[i];
	}
	f->used = false;
	dispatch(a, from, whole, total, true);
}

static void dispatch(struct sim_hostile *a, const struct zt_endpoint *from, const uint8_t *pkt,
                     size_t len, bool inner)
{
	struct zt_hdr h;
	if (!zt_wire_hdr_decode(&h, pkt, len))
		return;
	a->rx_type[h.type & 15]++;
	switch (h.type) {
	case ZT_PT_HS_INIT: handle_init(a, from, &h, pkt, len); break;
	case ZT_PT_HS_RESP: handle_resp(a, &h, pkt, len); break;
	case ZT_PT_COOKIE: handle_cookie(a, &h, pkt, len); break;
	case ZT_PT_DATA: handle_data(a, &h, pkt, len); break;
	case ZT_PT_FRAG:
		if (!inner)
			handle_frag(a, from, &h, pkt, len);
		break;
	default: break;
	}
}

static void on_recv(void *ctx, int64_t sock, const struct zt_endpoint *from, const void *pkt,
                    size_t len)
{
	struct sim_hostile *a = ctx;
	(void)sock;
	a->rx_packets++;
	a->rx_bytes += len;
	dispatch(a, from, pkt, len, false);
}

/* ---- sessions ---- */

/* (Re)send session s's initiation: fresh ephemeral and timestamp, mac2
 * if a cookie came. */
static int send_init(struct sim_hostile *a, struct sim_hsess *s)
{
	uint8_t pkt[ZT_HS_INIT_LEN], e_seed[32], payload[ZT_NOISE_INIT_PAYLOAD], key[32];
	struct zt_hdr h = {ZT_PT_HS_INIT, s->hops, s->peer, a->ids[s->id].address};
	size_t mac1 = ZT_HS_INIT_LEN - 2 * ZT_MAC_LEN;
	int rc;

	sim_rng_bytes(&a->rng, e_seed, sizeof e_seed);
	/* The timestamp must grow per (responder, initiator): now will do,
	 * plus a count for several in one millisecond. */
	put64(payload, (uint64_t)a->w->clock.now + a->inits++);
	put32(payload + 8, 0); /* no AES: ChaCha20-Poly1305 is all we speak */
	zt_wire_hdr_encode(pkt, &h);
	put32(pkt + ZT_HDR_LEN, s->local_index);
	rc = zt_noise_init_create(&s->hs, &a->ids[s->id], s->peer_pk, e_seed, payload,
	                          pkt + ZT_HDR_LEN + 4);
	sodium_memzero(e_seed, sizeof e_seed);
	if (rc != ZT_OK)
		return -1;
	zt_cookie_mac1_key(key, s->peer_pk);
	zt_cookie_mac(pkt + mac1, key, 32, pkt, mac1);
	memcpy(s->mac1, pkt + mac1, 16);
	if (s->has_cookie)
		zt_cookie_mac(pkt + mac1 + 16, s->cookie, 16, pkt, mac1 + 16);
	else
		memset(pkt + mac1 + 16, 0, 16);
	s->pending = true;
	send_pkt(a, NULL, &s->to, pkt, sizeof pkt);
	return 0;
}

int sim_hostile_connect(struct sim_hostile *a, unsigned id, uint64_t peer,
                        const uint8_t peer_pk[32], const struct zt_endpoint *to, unsigned hops)
{
	struct sim_hsess *s;
	int idx;

	if (id >= a->nids || (s = new_sess(a, &idx)) == NULL)
		return -1;
	s->id = id;
	s->peer = peer;
	memcpy(s->peer_pk, peer_pk, 32);
	s->to = *to;
	s->hops = (uint8_t)hops;
	s->initiator = true;
	s->local_index = (uint32_t)sim_rng_u64(&a->rng);
	if (send_init(a, s) != 0) {
		a->nsess--;
		return -1;
	}
	return idx;
}

int sim_hostile_connect_host(struct sim_hostile *a, unsigned id, const struct sim_host *h,
                             unsigned hops)
{
	const struct sim_iface *ifc = sim_fabric_iface(&a->w->fabric, h->index, SIM_SOCK);
	if (ifc == NULL)
		return -1;
	return sim_hostile_connect(a, id, h->id.address, h->id.pk, &ifc->ep, hops);
}

int sim_hostile_session(const struct sim_hostile *a, unsigned id, uint64_t peer)
{
	for (unsigned i = a->nsess; i-- > 0;)
		if (a->sess[i].id == id && a->sess[i].peer == peer && a->sess[i].up)
			return (int)i;
	return -1;
}

size_t sim_hostile_seal(struct sim_hostile *a, unsigned which, const uint8_t *msg, size_t len,
                        uint8_t *out)
{
	struct sim_hsess *s = &a->sess[which];
	struct zt_hdr h = {ZT_PT_DATA, s->hops, s->peer, a->ids[s->id].address};
	uint8_t ad[ZT_DATA_HDR_LEN], nonce[12];
	unsigned long long clen = 0;
	uint64_t ctr = s->send_ctr++;

	zt_wire_hdr_encode(out, &h);
	put32(out + ZT_HDR_LEN, s->remote_index);
	put64(out + ZT_HDR_LEN + 4, ctr);
	/* Authenticated with the hops bits zeroed, whatever we write. */
	zt_wire_hdr_auth(ad, out);
	memcpy(ad + ZT_HDR_LEN, out + ZT_HDR_LEN, 12);
	nonce_of(nonce, ctr);
	crypto_aead_chacha20poly1305_ietf_encrypt(out + ZT_DATA_HDR_LEN, &clen, msg, len, ad,
	                                          sizeof ad, NULL, nonce, s->send_key);
	return ZT_DATA_HDR_LEN + (size_t)clen;
}

int sim_hostile_send_as(struct sim_hostile *a, unsigned which, const struct zt_endpoint *from,
                        const uint8_t *msg, size_t len)
{
	static uint8_t pkt[ZT_PACKET_MAX];
	size_t n;
	if (which >= a->nsess || !a->sess[which].up || len + ZT_DATA_OVERHEAD > ZT_UDP_MAX)
		return -1;
	n = sim_hostile_seal(a, which, msg, len, pkt);
	send_pkt(a, from, &a->sess[which].to, pkt, n);
	return 0;
}

int sim_hostile_send(struct sim_hostile *a, unsigned which, const uint8_t *msg, size_t len)
{
	return sim_hostile_send_as(a, which, NULL, msg, len);
}

/* ---- raw packets ---- */

void sim_hostile_raw(struct sim_hostile *a, const struct zt_endpoint *from,
                     const struct zt_endpoint *to, const void *pkt, size_t len)
{
	send_pkt(a, from, to, pkt, len);
}

struct raw_ev {
	struct sim_hostile *a;
	bool spoof;
	struct zt_endpoint from, to;
	size_t len;
	uint8_t data[];
};

static void on_raw(struct sim_clock *c, void *arg, bool cancelled)
{
	struct raw_ev *e = arg;
	(void)c;
	if (!cancelled)
		send_pkt(e->a, e->spoof ? &e->from : NULL, &e->to, e->data, e->len);
	free(e);
}

void sim_hostile_raw_at(struct sim_hostile *a, int64_t at, const struct zt_endpoint *from,
                        const struct zt_endpoint *to, const void *pkt, size_t len)
{
	struct raw_ev *e = malloc(sizeof *e + len);
	if (e == NULL) {
		fprintf(stderr, "sim: out of memory scheduling a hostile packet\n");
		abort();
	}
	e->a = a;
	e->spoof = from != NULL;
	if (from != NULL)
		e->from = *from;
	e->to = *to;
	e->len = len;
	memcpy(e->data, pkt, len);
	if (sim_clock_at(&a->w->clock, at, on_raw, e) != 0) {
		free(e);
		fprintf(stderr, "sim: out of memory scheduling a hostile packet\n");
		abort();
	}
}

void sim_hostile_forge_init(struct sim_hostile *a, unsigned id, uint64_t claimed, uint64_t dst,
                            const uint8_t dst_pk[32], uint8_t out[ZT_HS_INIT_LEN])
{
	struct zt_noise_hs hs;
	uint8_t e_seed[32], payload[ZT_NOISE_INIT_PAYLOAD], key[32];
	struct zt_hdr h = {ZT_PT_HS_INIT, 0, dst, claimed};
	size_t mac1 = ZT_HS_INIT_LEN - 2 * ZT_MAC_LEN;

	memset(out, 0, ZT_HS_INIT_LEN);
	sim_rng_bytes(&a->rng, e_seed, sizeof e_seed);
	put64(payload, (uint64_t)a->w->clock.now);
	put32(payload + 8, 0);
	zt_wire_hdr_encode(out, &h);
	put32(out + ZT_HDR_LEN, (uint32_t)sim_rng_u64(&a->rng));
	(void)zt_noise_init_create(&hs, &a->ids[id], dst_pk, e_seed, payload, out + ZT_HDR_LEN + 4);
	zt_noise_wipe(&hs);
	sodium_memzero(e_seed, sizeof e_seed);
	zt_cookie_mac1_key(key, dst_pk);
	zt_cookie_mac(out + mac1, key, 32, out, mac1);
	memcpy(a->forged_mac1, out + mac1, 16);
	memcpy(a->forged_pk, dst_pk, 32);
	if (a->has_cookie)
		zt_cookie_mac(out + mac1 + 16, a->cookie, 16, out, mac1 + 16);
}

/* ---- capture ---- */

static void tap(void *ctx, enum sim_fate fate, const struct sim_dgram *d)
{
	struct sim_hostile *a = ctx;
	struct sim_capture *c;
	if (fate != SIM_SENT || a->pick == NULL || a->ncaptured >= SIM_HOSTILE_CAPTURES ||
	    d->len > sizeof c->data || !a->pick(a->pick_ctx, d))
		return;
	if (a->captured == NULL) {
		a->captured = calloc(SIM_HOSTILE_CAPTURES, sizeof *a->captured);
		if (a->captured == NULL)
			return;
	}
	c = &a->captured[a->ncaptured++];
	c->from = d->from;
	c->to = d->to;
	c->len = d->len;
	memcpy(c->data, d->data, d->len);
}

void sim_hostile_capture(struct sim_hostile *a, bool (*pick)(void *ctx, const struct sim_dgram *d),
                         void *ctx)
{
	a->pick = pick;
	a->pick_ctx = ctx;
	a->w->tap = tap;
	a->w->tap_ctx = a;
}

/* ---- inner messages ---- */

size_t sim_msg_endpoint(uint8_t *out, const struct zt_endpoint *ep)
{
	size_t n = ep->family == 6 ? 16 : 4;
	out[0] = ep->family;
	put16(out + 1, ep->port);
	memcpy(out + 3, ep->ip, n);
	return 3 + n;
}

size_t sim_msg_birthday(uint8_t *out, const struct zt_endpoint *ep)
{
	out[0] = ZT_MSG_BIRTHDAY;
	return 1 + sim_msg_endpoint(out + 1, ep);
}

size_t sim_msg_announce(uint8_t *out, uint64_t nwid, bool leaving)
{
	out[0] = ZT_MSG_NET_ANNOUNCE;
	zt_wire_nethash(nwid, out + 1);
	out[9] = leaving ? 1 : 0;
	return 10;
}

size_t sim_msg_mc_like(uint8_t *out, uint64_t nwid, unsigned flags, const uint8_t (*macs)[6],
                       const uint32_t *adis, unsigned n)
{
	out[0] = ZT_MSG_MC_LIKE;
	put64(out + 1, nwid);
	out[9] = (uint8_t)flags;
	put16(out + 10, n);
	for (unsigned i = 0; i < n; i++) {
		memcpy(out + 12 + 10 * i, macs[i], 6);
		put32(out + 12 + 10 * i + 6, adis[i]);
	}
	return 12 + 10 * (size_t)n;
}

size_t sim_msg_frame(uint8_t *out, uint64_t nwid, const uint8_t dst[6], const uint8_t src[6],
                     uint16_t ethertype, const void *payload, size_t plen)
{
	out[0] = ZT_MSG_FRAME;
	put64(out + 1, nwid);
	memcpy(out + 9, dst, 6);
	memcpy(out + 15, src, 6);
	put16(out + 21, ethertype);
	memcpy(out + 23, payload, plen);
	return 23 + plen;
}
