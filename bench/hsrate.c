/* SPDX-License-Identifier: MIT */
/*
 * hsrate.c - a root's handshake rate and memory per registered peer, in one
 * process (the core is pure, so a root and its clients can share a process
 * and an in-memory "network"; only the root's own calls are timed, in
 * thread CPU time).
 *
 *   hs_new    handshakes + REGISTER per second of root CPU from nodes it has
 *             never seen (includes the memory-hard identity check, once per
 *             node)
 *   hs_known  the same for rekeys of nodes it knows (the steady state)
 *   hs_bytes_per_peer  heap bytes per registered node (glibc mallinfo2),
 *             first with the real clients, then with 100,000 registrations
 *             (the real clients' state cloned under new addresses, since
 *             making 100,000 identities takes minutes of Argon2id)
 *
 * Virtual time advances 20 ms per handshake, below the rates at which a
 * root starts asking for cookies (wire.h, ZT_HS_*_RATE), and each client
 * has a /24 of its own: this measures the work per handshake, not the
 * cookie defence.  Usage: hsrate [clients (default 300)] [peers
 * for the memory run (default 100000)]
 */
#include <malloc.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/node.h"
#include "node/peer.h"
#include "node/session.h"
#include "node/wire.h"
#include "node/zt.h"

#define QMAX 4096

struct pkt {
	int from, to;
	unsigned len;
	uint8_t data[1500];
};

static struct pkt q[QMAX];
static int qh, qt;
static struct zt_node **nodes;
static int count;
static int64_t now = 1700000000000LL;
static double root_cpu;
static unsigned long long rng_ctr;

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Node i at 10.(i >> 8).(i & 255).1: each in a /24 of its own, as clients
 * on the Internet mostly are (a root's budgets for handshakes are per
 * /24, doc/PROTOCOL.md §4: this measures the work, not the budgets). */
static void ep_of(int i, struct zt_endpoint *ep)
{
	memset(ep, 0, sizeof *ep);
	ep->family = 4;
	ep->ip[0] = 10;
	ep->ip[1] = (uint8_t)(i >> 8);
	ep->ip[2] = (uint8_t)i;
	ep->ip[3] = 1;
	ep->port = 9993;
}

static int h_send(void *ctx, int64_t sock, const struct zt_endpoint *to, const void *pkt,
                  size_t len)
{
	int from = (int)(intptr_t)ctx, dst = to->ip[1] << 8 | to->ip[2];
	(void)sock;
	if (len > 1500 || dst >= count || (qt + 1) % QMAX == qh)
		return -1;
	q[qt].from = from;
	q[qt].to = dst;
	q[qt].len = (unsigned)len;
	memcpy(q[qt].data, pkt, len);
	qt = (qt + 1) % QMAX;
	return 0;
}

static void h_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	/* deterministic and fast: a BLAKE2b counter stream */
	uint8_t *p = buf;
	while (len > 0) {
		uint8_t block[64], in[8];
		size_t n = len < 64 ? len : 64;
		for (int i = 0; i < 8; i++)
			in[i] = (uint8_t)(rng_ctr >> (8 * i));
		rng_ctr++;
		crypto_generichash(block, sizeof block, in, sizeof in, NULL, 0);
		memcpy(p, block, n);
		p += n;
		len -= n;
	}
}

static void deliver(void)
{
	while (qh != qt) {
		struct pkt *p = &q[qh];
		struct zt_endpoint from;
		int64_t dl;
		double t0 = 0;
		qh = (qh + 1) % QMAX;
		ep_of(p->from, &from);
		if (p->to == 0)
			t0 = cpu_now();
		zt_node_process_wire(nodes[p->to], now, 1, &from, p->data, p->len, &dl);
		if (p->to == 0)
			root_cpu += cpu_now() - t0;
	}
}

static struct zt_node *make_node(int idx, struct zt_identity *id, unsigned flags)
{
	struct zt_host host;
	struct zt_node *n = NULL;
	memset(&host, 0, sizeof host);
	host.version = ZT_HOST_VERSION;
	host.ctx = (void *)(intptr_t)idx;
	host.wire_send = h_send;
	host.random = h_random;
	if (zt_identity_generate(id, h_random, NULL) != ZT_OK ||
	    zt_node_new(&n, &host, id, flags, now) != ZT_OK ||
	    zt_node_add_socket(n, 1, 4) != ZT_OK) {
		fprintf(stderr, "hsrate: cannot make node %d\n", idx);
		exit(1);
	}
	return n;
}

static void *dup_mem(const void *src, size_t len)
{
	void *d = malloc(len);
	if (d != NULL)
		memcpy(d, src, len);
	return d;
}

/* Make p (fresh from zt_peer_get) a copy of registration t, with its own
 * copies of what t allocated (paths, LAN endpoints...) but no previous or
 * next keypair and no handshake or queue: a registration between rekeys. */
static bool clone_peer(struct zt_peer *p, const struct zt_peer *t)
{
	struct zt_peer *next = p->hnext;
	uint64_t a = p->address;
	memcpy(p, t, sizeof *p);
	p->hnext = next;
	p->address = a;
	p->kp_prev = p->kp_next = NULL;
	p->kp_cur.aes = NULL; /* roots use ChaCha20-Poly1305 */
	p->hs = NULL;
	p->hs_pending = false;
	p->queue = NULL;
	p->qcount = p->qhead = 0;
	p->paths = t->paths != NULL ? dup_mem(t->paths, t->npaths * sizeof *t->paths) : NULL;
	p->root = t->root != NULL ? dup_mem(t->root, sizeof *t->root) : NULL;
	p->eps = NULL;
	if (t->eps != NULL)
		p->eps = dup_mem(t->eps, sizeof *t->eps + (t->eps->nlocals + t->eps->nmapped) *
		                                              sizeof(struct zt_endpoint));
	return (t->paths == NULL || p->paths != NULL) && (t->root == NULL || p->root != NULL) &&
	       (t->eps == NULL || p->eps != NULL);
}

static size_t heap(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

int main(int argc, char **argv)
{
	int clients = argc > 1 ? atoi(argv[1]) : 300;
	long big = argc > 2 ? atol(argv[2]) : 100000;
	struct zt_identity *ids;
	struct zt_roots roots;
	size_t h0, h1, h2;
	double t;
	int64_t dl;
	unsigned registered = 0, rekeyed = 0;
	int64_t *born;

	if (sodium_init() < 0 || clients < 1 || clients > 60000 || big < 0)
		return 1;
	count = clients + 1;
	nodes = calloc((size_t)count, sizeof *nodes);
	ids = calloc((size_t)count, sizeof *ids);
	born = calloc((size_t)count, sizeof *born);
	if (!nodes || !ids || !born)
		return 1;
	nodes[0] = make_node(0, &ids[0], ZT_NODE_ROOT);
	memset(&roots, 0, sizeof roots);
	roots.count = 1;
	roots.roots[0].id = ids[0];
	roots.roots[0].id.has_secret = false;
	memset(roots.roots[0].id.sk, 0, sizeof roots.roots[0].id.sk);
	ep_of(0, &roots.roots[0].endpoints[0]);
	roots.roots[0].endpoint_count = 1;
	for (int i = 1; i < count; i++)
		nodes[i] = make_node(i, &ids[i], 0);

	/* 1. first contact: handshake + REGISTER from each client */
	zt_node_process_background(nodes[0], now, &dl);
	h0 = heap();
	root_cpu = 0;
	for (int i = 1; i < count; i++) {
		now += 20;
		born[i] = now;
		zt_node_set_roots(nodes[i], now, &roots);
		zt_node_process_background(nodes[i], now, &dl);
		deliver();
	}
	now += 1000;
	for (int i = 1; i < count; i++) {
		zt_node_process_background(nodes[i], now, &dl);
		deliver();
		registered += zt_node_online(nodes[i]);
	}
	t = root_cpu;
	h1 = heap();
	printf("clients %d, registered %u\n", clients, registered);
	printf("hs_new %.0f/s (%.1f us of root CPU per new node: handshake + identity check + "
	       "REGISTER)\n",
	       clients / t, t / clients * 1e6);

	/* 2. rekeys: the clients' keys age (they keep registering, so the
	 * root keeps them) until each passes ZT_REKEY_AFTER_TIME in turn */
	while (now + 10000 < born[1] + ZT_REKEY_AFTER_TIME) {
		now += 10000;
		for (int i = 0; i < count; i++) {
			zt_node_process_background(nodes[i], now, &dl);
			deliver();
		}
	}
	root_cpu = 0;
	for (int i = 1; i < count; i++) {
		if (now < born[i] + ZT_REKEY_AFTER_TIME + 1)
			now = born[i] + ZT_REKEY_AFTER_TIME + 1;
		zt_node_process_background(nodes[i], now, &dl);
		deliver();
	}
	t = root_cpu;
	for (int i = 1; i < count; i++) {
		struct zt_peer *rp = zt_peer_find(nodes[i], ids[0].address);
		rekeyed += rp != NULL && rp->kp_cur.valid && rp->kp_cur.born > born[i] + 60000;
	}
	printf("rekeyed %u of %d\n", rekeyed, clients);
	printf("hs_known %.0f/s (%.1f us of root CPU per rekey of a known node, with the "
	       "REGISTER that follows)\n",
	       clients / t, t / clients * 1e6);
	printf("root heap %zu bytes for %u registered (%.0f bytes/peer, sizeof(struct zt_peer) "
	       "%zu)\n",
	       h1 - h0, registered, (double)(h1 - h0) / registered, sizeof(struct zt_peer));

	/* 3. scale: clone the registrations to `big` peers.  Between rekeys a
	 * registration has one keypair; after each rekey (every
	 * ZT_REKEY_AFTER_TIME) the previous one is kept for ZT_PREV_KEEP_TIME
	 * (the node is heard with the new keys at once: it sends its REGISTER
	 * with them), so a share PREV_KEEP / REKEY of them has two: measured
	 * both ways, the steady state is the mix. */
	if (big > 0) {
		struct zt_node *r = nodes[0];
		struct zt_peer *tmpl = zt_peer_find(r, ids[1].address);
		struct zt_peer **clones;
		const struct zt_keypair *prev;
		double t0, one, two, share, steady;
		size_t h3;
		if (tmpl == NULL) {
			fprintf(stderr, "hsrate: no registration to clone\n");
			return 1;
		}
		clones = calloc((size_t)big, sizeof *clones);
		if (clones == NULL)
			return 1;
		/* the template's previous keys, else its current ones */
		prev = tmpl->kp_prev != NULL ? tmpl->kp_prev : &tmpl->kp_cur;
		h1 = heap();
		for (long k = 0; k < big; k++) {
			uint64_t a = 0x1000000000ULL + (uint64_t)k * 7919;
			struct zt_peer *p = zt_peer_get(r, now, a);
			if (p == NULL || !clone_peer(p, tmpl)) {
				fprintf(stderr, "hsrate: root refused peer %ld\n", k);
				return 1;
			}
			clones[k] = p;
		}
		h2 = heap();
		for (long k = 0; k < big; k++) {
			clones[k]->kp_prev = dup_mem(prev, sizeof *prev);
			if (clones[k]->kp_prev == NULL)
				return 1;
		}
		h3 = heap();
		one = (double)(h2 - h1) / big;
		two = (double)(h3 - h1) / big;
		share = (double)ZT_PREV_KEEP_TIME / ZT_REKEY_AFTER_TIME;
		steady = one + (two - one) * share;
		t0 = cpu_now();
		now += 1000;
		zt_node_process_background(r, now, &dl);
		printf("hs_bytes_per_peer %.0f bytes (%ld registered peers, steady state: %.0f "
		       "between rekeys, %.0f while the previous keys live, %.0f%% of the time; "
		       "%.1f MiB of root heap; one timer scan over them %.1f ms)\n",
		       steady, big, one, two, share * 100, steady * big / 1048576.0,
		       (cpu_now() - t0) * 1e3);
		printf("sizeof(struct zt_peer) %zu, struct zt_path %zu, struct zt_keypair %zu\n",
		       sizeof(struct zt_peer), sizeof(struct zt_path), sizeof(struct zt_keypair));
		free(clones);
	}
	for (int i = 0; i < count; i++) {
		zt_node_free(nodes[i]);
		zt_identity_wipe(&ids[i]);
	}
	free(nodes);
	free(ids);
	free(born);
	return 0;
}
