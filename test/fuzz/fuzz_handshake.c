/* SPDX-License-Identifier: MIT */
/*
 * fuzz_handshake.c - sessions under a hostile network, after OpenSSH's
 * kex_fuzz: a root and two leaves, A and B, in one process; every datagram
 * they send goes through a queue, and the input decides each one's fate:
 * deliver, duplicate, reorder, delay, replay an old one, or (if the first
 * byte allows tampering) drop, flip a bit, truncate, rebind its source
 * port, misdeliver it, or inject a datagram of its own.
 *
 * A sends B a frame at the start.  Properties checked beyond "no crash":
 *   - without tampering, that frame reaches B exactly once;
 *   - with or without, once the network turns honest the two recover: a
 *     new frame each way arrives within a minute of (simulated) time.
 */
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NWID 0xff00000000000042ULL
#define NN   3 /* 0: the root, 1: A, 2: B */
#define QMAX 256
#define HIST 32
#define PORT 9993

struct qpkt {
	uint8_t from, to;
	uint16_t from_port;
	uint16_t len;
	uint8_t data[ZT_UDP_MAX + 64];
};

struct world;
struct wnode {
	struct world *w;
	int idx;
	struct zt_node *n;
	struct fz_rng rng;
	uint16_t port; /* the source port its datagrams appear from */
};

struct world {
	struct wnode node[NN];
	struct qpkt q[QMAX];
	unsigned qh, qn; /* ring: head, count */
	struct qpkt hist[HIST];
	unsigned nhist;
	int64_t now;
	unsigned tagged[NN][4]; /* frames with tag k received by node i */
};

static struct world W;

static const struct zt_identity *ident(int i)
{
	return &fz_id[1 + i]; /* fz_id[1] root, [2] A, [3] B */
}

static bool q_push(struct world *w, const struct qpkt *p)
{
	if (w->qn == QMAX)
		return false;
	w->q[(w->qh + w->qn) % QMAX] = *p;
	w->qn++;
	return true;
}

static bool q_push_front(struct world *w, const struct qpkt *p)
{
	if (w->qn == QMAX)
		return false;
	w->qh = (w->qh + QMAX - 1) % QMAX;
	w->q[w->qh] = *p;
	w->qn++;
	return true;
}

static bool q_pop(struct world *w, struct qpkt *p)
{
	if (w->qn == 0)
		return false;
	*p = w->q[w->qh];
	w->qh = (w->qh + 1) % QMAX;
	w->qn--;
	return true;
}

static int h_send(void *ctx, int64_t sock, const struct zt_endpoint *to, const void *pkt,
                  size_t len)
{
	struct wnode *wn = ctx;
	struct qpkt p;
	(void)sock;
	FZ_ASSERT(len <= ZT_UDP_MAX);
	/* Route by the address's third octet, whatever the port. */
	if (to->family != 4 || to->ip[0] != 10 || to->ip[2] >= NN)
		return 0;
	p.from = (uint8_t)wn->idx;
	p.to = to->ip[2];
	p.from_port = wn->port;
	p.len = (uint16_t)len;
	memcpy(p.data, pkt, len);
	(void)q_push(wn->w, &p); /* a full network drops */
	return 0;
}

static void h_frame(void *ctx, uint64_t nwid, const uint8_t *frame, size_t len)
{
	struct wnode *wn = ctx;
	FZ_ASSERT(nwid == NWID);
	FZ_ASSERT(len >= 14 && len <= ZT_ETH_MAX);
	if (len >= 24 && memcmp(frame + 14, "zt-fuzz", 7) == 0 && frame[21] < 4)
		wn->w->tagged[wn->idx][frame[21]]++;
}

static void h_random(void *ctx, void *buf, size_t len)
{
	struct wnode *wn = ctx;
	fz_rng_bytes(&wn->rng, buf, len);
}

static void deliver(struct world *w, const struct qpkt *p)
{
	struct zt_endpoint from;
	int64_t dl;
	fz_ep(&from, p->from, p->from_port);
	zt_node_process_wire(w->node[p->to].n, w->now, 1, &from, p->data, p->len, &dl);
	w->hist[w->nhist++ % HIST] = *p;
}

static void tick(struct world *w, int64_t ms)
{
	w->now += ms;
	for (int i = 0; i < NN; i++) {
		int64_t dl;
		zt_node_process_background(w->node[i].n, w->now, &dl);
		FZ_ASSERT(dl > w->now - 10000);
	}
}

/* The honest network: everything in flight arrives, time moves on. */
static void run_honest(struct world *w, int64_t ms)
{
	int64_t end = w->now + ms;
	while (w->now < end) {
		struct qpkt p;
		int guard = 0;
		tick(w, 100);
		while (guard++ < 4 * QMAX && q_pop(w, &p))
			deliver(w, &p);
	}
}

/* Honest until node `who` has a frame tagged `tag`, at most `ms`. */
static void run_honest_until(struct world *w, int64_t ms, int who, int tag)
{
	int64_t end = w->now + ms;
	while (w->now < end && w->tagged[who][tag] == 0)
		run_honest(w, 100);
}

static void send_frame(struct world *w, int from, int to, uint8_t tag)
{
	uint8_t f[64];
	int64_t dl;
	memset(f, 0, sizeof f);
	zt_mac_from_address(NWID, ident(to)->address, f);
	zt_mac_from_address(NWID, ident(from)->address, f + 6);
	f[12] = 0x08;
	memcpy(f + 14, "zt-fuzz", 7);
	f[21] = tag;
	FZ_ASSERT(zt_node_process_frame(w->node[from].n, w->now, NWID, f, sizeof f, &dl) == ZT_OK);
}

static void setup(struct world *w)
{
	struct zt_roots roots;

	memset(w, 0, sizeof *w);
	w->now = FZ_T0;
	memset(&roots, 0, sizeof roots);
	roots.count = 1;
	roots.roots[0].id = fz_public(ident(0));
	fz_ep(&roots.roots[0].endpoints[0], 0, PORT);
	roots.roots[0].endpoint_count = 1;
	for (int i = 0; i < NN; i++) {
		struct wnode *wn = &w->node[i];
		struct zt_host host;
		memset(&host, 0, sizeof host);
		wn->w = w;
		wn->idx = i;
		wn->port = PORT;
		fz_rng_seed(&wn->rng, 100 + (uint64_t)i);
		host.version = ZT_HOST_VERSION;
		host.ctx = wn;
		host.wire_send = h_send;
		host.frame_out = h_frame;
		host.random = h_random;
		FZ_ASSERT(zt_node_new(&wn->n, &host, ident(i), i == 0 ? ZT_NODE_ROOT : 0, w->now) ==
		          ZT_OK);
		FZ_ASSERT(zt_node_add_socket(wn->n, 1, 4) == ZT_OK);
	}
	/* Who knows whom, as after earlier verification (saves Argon2id). */
	fz_know(w->node[0].n, w->now, ident(1));
	fz_know(w->node[0].n, w->now, ident(2));
	fz_know(w->node[1].n, w->now, ident(2));
	fz_know(w->node[2].n, w->now, ident(1));
	for (int i = 1; i < NN; i++) {
		FZ_ASSERT(zt_node_set_roots(w->node[i].n, w->now, &roots) == ZT_OK);
		FZ_ASSERT(zt_node_join(w->node[i].n, w->now, NWID) == ZT_OK);
	}
}

static void teardown(struct world *w)
{
	for (int i = 0; i < NN; i++)
		zt_node_free(w->node[i].n);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init_ids();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct world *w = &W;
	struct fz_in in = {data, size};
	bool tamper = fz_u8(&in) & 1;
	/* Without tampering, delays stay well inside the handshake's retry
	 * budget (ZT_REKEY_ATTEMPT_TIME), so nothing may be lost. */
	int64_t time_cap = FZ_T0 + (tamper ? 600000 : 20000);
	bool tampered = false;

	setup(w);
	send_frame(w, 1, 2, 0);

	while (in.left > 0) {
		struct qpkt p;
		uint8_t op = fz_u8(&in), k = op & 15;

		if (!q_pop(w, &p)) {
			if (w->now >= time_cap)
				break;
			tick(w, 100);
			continue;
		}
		if (!tamper && k >= 10)
			k = 0;
		switch (k) {
		default: /* 0..5 */ deliver(w, &p); break;
		case 6: /* duplicate */
			deliver(w, &p);
			(void)q_push(w, &p);
			break;
		case 7: /* reorder: to the back of the queue */ (void)q_push(w, &p); break;
		case 8: /* delay: time passes while it is in flight */
			if (w->now < time_cap)
				tick(w, 250 * (int64_t)((op >> 4) + 1));
			/* Holding the queue this long is an outage: the handshake
			 * may rightly give up, and its queued frame with it. */
			if (w->now > FZ_T0 + 30000)
				tampered = true;
			(void)q_push_front(w, &p);
			break;
		case 9: /* replay an old datagram, then go on */
			if (w->nhist > 0) {
				unsigned n = w->nhist < HIST ? w->nhist : HIST;
				struct qpkt old = w->hist[fz_u8(&in) % n];
				deliver(w, &old);
			}
			(void)q_push_front(w, &p);
			break;
		case 10: /* drop */ tampered = true; break;
		case 11: { /* flip a bit */
			uint16_t pos = fz_u16(&in);
			p.data[pos % p.len] ^= (uint8_t)(1 << (op >> 5));
			tampered = true;
			deliver(w, &p);
			break;
		}
		case 12: { /* truncate or extend with zeros */
			uint16_t nl = (uint16_t)(fz_u16(&in) % (p.len + 32));
			if (nl > p.len)
				memset(p.data + p.len, 0, (size_t)(nl - p.len));
			p.len = nl;
			tampered = true;
			deliver(w, &p);
			break;
		}
		case 13: /* NAT rebinding: the sender's port changes from now on */
			w->node[p.from].port = (uint16_t)(10000 + (op >> 4));
			p.from_port = w->node[p.from].port;
			tampered = true;
			deliver(w, &p);
			break;
		case 14: /* misdelivered */
			p.to = (uint8_t)((p.to + 1 + ((op >> 4) & 1)) % NN);
			tampered = true;
			deliver(w, &p);
			break;
		case 15: { /* inject the input's own datagram */
			const uint8_t *b;
			struct qpkt x = p;
			x.len = (uint16_t)fz_bytes(&in, ZT_UDP_MAX + 64, &b);
			memcpy(x.data, b, x.len);
			x.to = (uint8_t)((op >> 4) % NN);
			tampered = true;
			deliver(w, &x);
			(void)q_push_front(w, &p);
			break;
		}
		}
	}

	/* The network turns honest.  Without tampering, frame 0 must arrive
	 * (then a second more, to see it is not delivered twice). */
	if (!tampered) {
		run_honest_until(w, 30000, 2, 0);
		run_honest(w, 1000);
		if (w->tagged[2][0] != 1)
			fprintf(stderr, "frame 0 reached B %u times\n", w->tagged[2][0]);
		FZ_ASSERT(w->tagged[2][0] == 1);
	}
	/* Recovery: a frame each way gets through within 90 s.  Datagrams are
	 * not retransmitted, so one lost while paths heal is sent again every
	 * 10 s, as an application would. */
	for (int round = 0; round < 9; round++) {
		if (w->tagged[2][1] == 0)
			send_frame(w, 1, 2, 1);
		if (w->tagged[1][2] == 0)
			send_frame(w, 2, 1, 2);
		for (int t = 0; t < 100 && (w->tagged[2][1] == 0 || w->tagged[1][2] == 0); t++)
			run_honest(w, 100);
		if (w->tagged[2][1] > 0 && w->tagged[1][2] > 0)
			break;
	}
	if (w->tagged[2][1] == 0 || w->tagged[1][2] == 0)
		fprintf(stderr, "after recovery: A->B %u, B->A %u (tampered %d)\n", w->tagged[2][1],
		        w->tagged[1][2], tampered);
	FZ_ASSERT(w->tagged[2][1] > 0);
	FZ_ASSERT(w->tagged[1][2] > 0);
	FZ_ASSERT(w->tagged[2][0] <= 1); /* never twice, whatever happened */
	teardown(w);
	return 0;
}
