/* SPDX-License-Identifier: MIT */
/*
 * node_test.c - one root and a few nodes wired together in-process through
 * a FIFO "network" with zero delay: sessions, relay, rendezvous, direct
 * paths, replay rejection and frames end to end.
 */
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "network.h"
#include "node.h"
#include "mactable.h"
#include "member.h"
#include "switch.h"
#include "peer.h"
#include "send.h"
#include "test.h"
#include "util.h"
#include "wire.h"
#include "zt.h"

/* A zero allocator: libc's malloc and free (mem.h). */
static const struct zt_mem libc_mem;

#define MAXN 4
#define QMAX 4096

struct pkt {
	int from, to;
	unsigned len;
	uint8_t data[1500];
};

struct net {
	struct zt_node *node[MAXN];
	struct test_rng rng[MAXN];
	struct zt_identity id[MAXN];
	int count;
	struct pkt q[QMAX];
	int qh, qt;
	int64_t now;
	bool block_direct; /* drop node<->node packets that are not via the root */
	int frames[MAXN];
	uint8_t last_frame[MAXN][64];
	struct pkt last_data[MAXN]; /* last DATA datagram each node received */
	bool hold_1to2;             /* keep the next DATA from 1 to 2 in held */
	struct pkt held;
	int small;           /* node behind a small path (0: none) ... */
	size_t small_limit;  /* ... that silently drops datagrams larger than this */
	unsigned sent[MAXN]; /* datagrams each node's core emitted */
};

struct hctx {
	struct net *net;
	int idx;
};
static struct hctx hctx[MAXN];
static unsigned extra_flags[MAXN];   /* node options per index (test_cipher) */
static const char *sw_version[MAXN]; /* software version per index (NULL: not told) */

static void ep_of(int i, struct zt_endpoint *ep)
{
	memset(ep, 0, sizeof *ep);
	ep->family = 4;
	ep->ip[0] = 198;
	ep->ip[1] = 18;
	ep->ip[2] = (uint8_t)i;
	ep->ip[3] = 2;
	ep->port = 9993;
}

static int idx_of(const struct zt_endpoint *ep)
{
	return ep->ip[2];
}

static int h_send(void *ctx, int64_t sock, const struct zt_endpoint *to, const void *pkt,
                  size_t len)
{
	struct hctx *h = ctx;
	struct net *net = h->net;
	int dst = idx_of(to);
	(void)sock;
	net->sent[h->idx]++;
	if (len > 1500 || dst >= net->count)
		return -1;
	if (net->block_direct && h->idx != 0 && dst != 0)
		return 0;
	if (net->small != 0 && (h->idx == net->small || dst == net->small) &&
	    len > net->small_limit)
		return 0;
	if (net->hold_1to2 && h->idx == 1 && dst == 2 && (((const uint8_t *)pkt)[0] & 0x0f) == 4) {
		net->hold_1to2 = false;
		net->held.from = 1;
		net->held.to = 2;
		net->held.len = (unsigned)len;
		memcpy(net->held.data, pkt, len);
		return 0;
	}
	if ((net->qt + 1) % QMAX == net->qh)
		return -1;
	net->q[net->qt].from = h->idx;
	net->q[net->qt].to = dst;
	net->q[net->qt].len = (unsigned)len;
	memcpy(net->q[net->qt].data, pkt, len);
	net->qt = (net->qt + 1) % QMAX;
	return 0;
}

static void h_frame(void *ctx, uint64_t nwid, const uint8_t *frame, size_t len)
{
	struct hctx *h = ctx;
	uint8_t querier[6];
	/* The switch's IGMP/MLD general queries (from the MAC of address 0)
	 * are not frames from the network. */
	zt_mac_from_address(nwid, 0, querier);
	if (len >= 12 && memcmp(frame + 6, querier, 6) == 0)
		return;
	h->net->frames[h->idx]++;
	memcpy(h->net->last_frame[h->idx], frame, len < 64 ? len : 64);
}

static void h_random(void *ctx, void *buf, size_t len)
{
	struct hctx *h = ctx;
	test_rng_bytes(&h->net->rng[h->idx], buf, len);
}

/* Parallel-crypto mode (test_jobs): the host runs the core's AEAD jobs
 * itself, last first (any order must do), and packets arrive in batches. */
static bool use_jobs;
static unsigned jobs_run;

static void h_crypto_run(void *ctx, struct zt_crypto_job *jobs, size_t count)
{
	(void)ctx;
	for (size_t i = count; i-- > 0;)
		zt_crypto_job_run(&jobs[i]);
	jobs_run += (unsigned)count;
}

static void deliver_batches(struct net *net)
{
	int guard = 0;
	while (net->qh != net->qt && guard++ < 100000) {
		struct zt_wire_pkt b[64];
		static struct pkt copy[64];
		int to = net->q[net->qh].to;
		size_t n = 0;
		int64_t dl;
		while (net->qh != net->qt && n < 64 && net->q[net->qh].to == to) {
			copy[n] = net->q[net->qh];
			net->qh = (net->qh + 1) % QMAX;
			if (copy[n].len > 0 && (copy[n].data[0] & 0x0f) == 4)
				net->last_data[to] = copy[n];
			b[n].sock = 1;
			ep_of(copy[n].from, &b[n].from);
			b[n].data = copy[n].data;
			b[n].len = copy[n].len;
			n++;
		}
		zt_node_process_wire_batch(net->node[to], net->now, b, n, &dl);
	}
}

static void deliver(struct net *net)
{
	int guard = 0;
	if (use_jobs) {
		deliver_batches(net);
		return;
	}
	while (net->qh != net->qt && guard++ < 100000) {
		struct pkt *p = &net->q[net->qh];
		struct zt_endpoint from;
		int64_t dl;
		net->qh = (net->qh + 1) % QMAX;
		ep_of(p->from, &from);
		if (p->len > 0 && (p->data[0] & 0x0f) == 4)
			net->last_data[p->to] = *p;
		zt_node_process_wire(net->node[p->to], net->now, 1, &from, p->data, p->len, &dl);
	}
}

static void run(struct net *net, int64_t ms)
{
	int64_t end = net->now + ms;
	while (net->now < end) {
		net->now += 100;
		for (int i = 0; i < net->count; i++) {
			int64_t dl;
			zt_node_process_background(net->node[i], net->now, &dl);
		}
		deliver(net);
	}
}

static void setup(struct net *net, int count)
{
	struct zt_roots roots;
	memset(net, 0, sizeof *net);
	net->count = count;
	net->now = 1700000000000LL;
	for (int i = 0; i < count; i++) {
		struct zt_host host = {0};
		hctx[i].net = net;
		hctx[i].idx = i;
		test_rng_seed(&net->rng[i], 1000 + (unsigned)i);
		CHECK_EQ(zt_identity_generate(&net->id[i], test_rng_bytes, &net->rng[i]), ZT_OK);
		host.version = ZT_HOST_VERSION;
		host.ctx = &hctx[i];
		host.wire_send = h_send;
		host.frame_out = h_frame;
		host.random = h_random;
		host.software_version = sw_version[i];
		if (use_jobs)
			host.crypto_run = h_crypto_run;
		CHECK_EQ(zt_node_new(&net->node[i], &host, &net->id[i],
		                     (i == 0 ? ZT_NODE_ROOT : 0) | extra_flags[i], net->now),
		         ZT_OK);
		CHECK_EQ(zt_node_add_socket(net->node[i], 1, 4), ZT_OK);
	}
	memset(&roots, 0, sizeof roots);
	roots.count = 1;
	roots.roots[0].id = net->id[0];
	roots.roots[0].id.has_secret = false;
	memset(roots.roots[0].id.sk, 0, 64);
	ep_of(0, &roots.roots[0].endpoints[0]);
	roots.roots[0].endpoint_count = 1;
	for (int i = 1; i < count; i++)
		CHECK_EQ(zt_node_set_roots(net->node[i], net->now, &roots), ZT_OK);
}

static void teardown(struct net *net)
{
	for (int i = 0; i < net->count; i++) {
		zt_node_free(net->node[i]);
		zt_identity_wipe(&net->id[i]);
	}
}

static void send_frame(struct net *net, int from, int to, uint64_t nwid, const char *text)
{
	uint8_t f[64];
	int64_t dl;
	memset(f, 0, sizeof f);
	zt_mac_from_address(nwid, net->id[to].address, f);
	zt_mac_from_address(nwid, net->id[from].address, f + 6);
	f[12] = 0x08;
	memcpy(f + 14, text, strlen(text));
	CHECK_EQ(zt_node_process_frame(net->node[from], net->now, nwid, f, sizeof f, &dl), ZT_OK);
	deliver(net);
}

static enum zt_path_kind path_to(struct net *net, int from, int to)
{
	struct zt_peer_info info[8];
	size_t n = zt_node_peers(net->node[from], net->now, info, 8);
	for (size_t i = 0; i < n && i < 8; i++)
		if (info[i].address == net->id[to].address)
			return info[i].path;
	return ZT_PATH_NONE;
}

static struct net g;

static void test_online_and_frames(void)
{
	uint64_t nwid = 0xff00000000000001ULL;
	setup(&g, 3);
	run(&g, 2000);
	CHECK(zt_node_online(g.node[1]));
	CHECK(zt_node_online(g.node[2]));
	CHECK_EQ(zt_node_join(g.node[1], g.now, nwid), ZT_OK);
	CHECK_EQ(zt_node_join(g.node[2], g.now, nwid), ZT_OK);
	run(&g, 1000);
	send_frame(&g, 1, 2, nwid, "hello-1-to-2");
	run(&g, 1000);
	CHECK_EQ(g.frames[2], 1);
	CHECK(memcmp(g.last_frame[2] + 14, "hello-1-to-2", 12) == 0);
	send_frame(&g, 2, 1, nwid, "hello-2-to-1");
	run(&g, 500);
	CHECK_EQ(g.frames[1], 1);
	run(&g, 5000);
	CHECK_EQ(path_to(&g, 1, 2), ZT_PATH_DIRECT);
	CHECK_EQ(path_to(&g, 2, 1), ZT_PATH_DIRECT);
	{
		struct zt_endpoint refl[4];
		CHECK_EQ(zt_node_reflected(g.node[1], refl, 4), 1);
		CHECK_EQ(refl[0].ip[2], 1);
	}
}

static void test_replay_rejected(void)
{
	uint64_t nwid = 0xff00000000000001ULL;
	struct pkt saved;
	struct zt_endpoint from;
	int64_t dl;
	uint64_t before;
	int frames;

	send_frame(&g, 1, 2, nwid, "replay-me");
	saved = g.last_data[2];
	CHECK(saved.len > 0);
	frames = g.frames[2];
	before = zt_node_counter(g.node[2], ZT_CTR_RX_REPLAY);
	ep_of(saved.from, &from);
	zt_node_process_wire(g.node[2], g.now, 1, &from, saved.data, saved.len, &dl);
	CHECK_EQ(zt_node_counter(g.node[2], ZT_CTR_RX_REPLAY), before + 1);
	CHECK_EQ(g.frames[2], frames);
	/* A flipped bit fails authentication. */
	saved.data[saved.len - 1] ^= 1;
	saved.data[20] ^= 0x40; /* new counter, so it is not just a replay */
	before = zt_node_counter(g.node[2], ZT_CTR_RX_AUTH_FAIL);
	zt_node_process_wire(g.node[2], g.now, 1, &from, saved.data, saved.len, &dl);
	CHECK_EQ(zt_node_counter(g.node[2], ZT_CTR_RX_AUTH_FAIL), before + 1);
}

static void test_broadcast(void)
{
	uint8_t f[60];
	int64_t dl;
	int before = g.frames[2];
	memset(f, 0xff, 6);
	zt_mac_from_address(0xff00000000000001ULL, g.id[1].address, f + 6);
	f[12] = 0x08;
	f[13] = 0x06;
	zt_node_process_frame(g.node[1], g.now, 0xff00000000000001ULL, f, sizeof f, &dl);
	deliver(&g);
	CHECK_EQ(g.frames[2], before + 1);
}

static void test_relay_fallback(void)
{
	uint64_t nwid = 0xff00000000000001ULL;
	int before;
	g.block_direct = true;
	run(&g, 15000);
	before = g.frames[2];
	for (int i = 0; i < 5; i++) {
		send_frame(&g, 1, 2, nwid, "via-root");
		run(&g, 1000);
	}
	CHECK(g.frames[2] >= before + 4);
	CHECK_EQ(path_to(&g, 1, 2), ZT_PATH_RELAY);
	CHECK(zt_node_counter(g.node[0], ZT_CTR_RELAYED) > 0);
	g.block_direct = false;
	for (int i = 0; i < 15; i++) {
		send_frame(&g, 1, 2, nwid, "direct-again");
		run(&g, 1000);
	}
	CHECK_EQ(path_to(&g, 1, 2), ZT_PATH_DIRECT);
}

static void test_rekey(void)
{
	uint64_t nwid = 0xff00000000000001ULL;
	struct zt_node *n1 = g.node[1];
	struct zt_peer *p = zt_peer_find(n1, g.id[2].address);
	uint32_t first;
	int before;
	CHECK(p != NULL);
	if (p == NULL)
		return;
	first = p->kp_cur.local_index;
	/* Keep traffic flowing for longer than the rekey time. */
	for (int i = 0; i < 150; i++) {
		send_frame(&g, 1, 2, nwid, "keep-going");
		send_frame(&g, 2, 1, nwid, "and-back");
		run(&g, 1000);
	}
	CHECK(p->kp_cur.local_index != first);
	CHECK(g.now - p->kp_cur.born < ZT_REKEY_AFTER_TIME + 20000);
	before = g.frames[2];
	send_frame(&g, 1, 2, nwid, "after-rekey");
	run(&g, 200);
	CHECK_EQ(g.frames[2], before + 1);
	teardown(&g);
}

/* No node keeps a keypair that has expired (the timer frees them). */
static void check_no_stale_keys(struct net *net)
{
	for (int i = 0; i < net->count; i++) {
		struct zt_node *n = net->node[i];
		for (size_t b = 0; b < n->bucket_count; b++)
			for (struct zt_peer *p = n->buckets[b]; p != NULL; p = p->hnext) {
				CHECK(p->kp_prev == NULL ||
				      net->now - p->kp_prev->born < ZT_REJECT_AFTER_TIME + 1000);
				CHECK(p->kp_next == NULL ||
				      net->now - p->kp_next->born < ZT_REJECT_AFTER_TIME + 1000);
			}
	}
}

/* Around a rekey: the previous keypair is allocated, still opens a packet
 * sealed before the rekey (delayed in the network) until it expires, and
 * is freed then; the new keys carry the traffic. */
static void test_rekey_prev_keys(void)
{
	uint64_t nwid = 0xff00000000000001ULL;
	struct zt_peer *p21, *r1;
	struct zt_endpoint from;
	uint32_t old_idx;
	int64_t dl, old_born;
	int before;
	uint64_t replays;

	setup(&g, 3);
	run(&g, 2000);
	CHECK_EQ(zt_node_join(g.node[1], g.now, nwid), ZT_OK);
	CHECK_EQ(zt_node_join(g.node[2], g.now, nwid), ZT_OK);
	run(&g, 1000);
	send_frame(&g, 1, 2, nwid, "first");
	run(&g, 1000);
	p21 = zt_peer_find(g.node[2], g.id[1].address);
	r1 = zt_peer_find(g.node[0], g.id[1].address);
	CHECK(p21 != NULL && r1 != NULL);
	if (p21 == NULL || r1 == NULL) {
		teardown(&g);
		return;
	}
	/* the root keeps one keypair and one path for a registered node */
	CHECK(r1->kp_cur.valid && r1->kp_prev == NULL && r1->kp_next == NULL);
	CHECK(r1->hs == NULL && r1->npaths == 1);
	/* a frame delayed in the network */
	g.hold_1to2 = true;
	send_frame(&g, 1, 2, nwid, "delayed");
	CHECK(!g.hold_1to2 && g.held.len > 0);
	old_idx = zt_get_u32(g.held.data + ZT_HDR_LEN);
	CHECK(zt_peer_keypair_by_index(p21, old_idx) == &p21->kp_cur);
	old_born = p21->kp_cur.born;
	for (int i = 0; i < 130; i++) {
		send_frame(&g, 1, 2, nwid, "keep-going");
		send_frame(&g, 2, 1, nwid, "and-back");
		run(&g, 1000);
		check_no_stale_keys(&g);
	}
	CHECK(p21->kp_cur.local_index != old_idx);
	CHECK(p21->kp_prev != NULL);
	if (p21->kp_prev != NULL)
		CHECK_EQ(p21->kp_prev->local_index, old_idx);
	CHECK(p21->kp_next == NULL);
	/* the delayed frame still opens with the previous keys, once */
	before = g.frames[2];
	ep_of(1, &from);
	zt_node_process_wire(g.node[2], g.now, 1, &from, g.held.data, g.held.len, &dl);
	CHECK_EQ(g.frames[2], before + 1);
	replays = zt_node_counter(g.node[2], ZT_CTR_RX_REPLAY);
	zt_node_process_wire(g.node[2], g.now, 1, &from, g.held.data, g.held.len, &dl);
	CHECK_EQ(zt_node_counter(g.node[2], ZT_CTR_RX_REPLAY), replays + 1);
	CHECK_EQ(g.frames[2], before + 1);
	/* the root's registration of node 1 was rekeyed too */
	CHECK(r1->kp_cur.born > old_born);
	/* once the old keys are ZT_REJECT_AFTER_TIME old they are gone */
	run(&g, old_born + ZT_REJECT_AFTER_TIME - g.now + 1000);
	CHECK(p21->kp_prev == NULL);
	check_no_stale_keys(&g);
	replays = zt_node_counter(g.node[2], ZT_CTR_RX_NO_SESSION);
	zt_node_process_wire(g.node[2], g.now, 1, &from, g.held.data, g.held.len, &dl);
	CHECK_EQ(zt_node_counter(g.node[2], ZT_CTR_RX_NO_SESSION), replays + 1);
	/* and the session goes on */
	before = g.frames[2];
	send_frame(&g, 1, 2, nwid, "after");
	run(&g, 200);
	CHECK_EQ(g.frames[2], before + 1);
	teardown(&g);
}

/* The same traffic with the AEAD work handed out as jobs: frames sent in
 * batches (frames_begin/end) arrive complete and in order, replayed
 * packets are still refused, rekeys still work. */
static void test_jobs(void)
{
	uint64_t nwid = 0xff00000000000001ULL;
	int64_t dl;
	uint8_t f[64];

	use_jobs = true;
	jobs_run = 0;
	setup(&g, 3);
	run(&g, 2000);
	CHECK_EQ(zt_node_join(g.node[1], g.now, nwid), ZT_OK);
	CHECK_EQ(zt_node_join(g.node[2], g.now, nwid), ZT_OK);
	run(&g, 1000);
	send_frame(&g, 1, 2, nwid, "first");
	run(&g, 2000);
	CHECK_EQ(g.frames[2], 1);
	/* 40 frames in one batch, each carrying its number */
	zt_node_frames_begin(g.node[1]);
	for (int i = 0; i < 40; i++) {
		memset(f, 0, sizeof f);
		zt_mac_from_address(nwid, g.id[2].address, f);
		zt_mac_from_address(nwid, g.id[1].address, f + 6);
		f[12] = 0x08;
		f[14] = (uint8_t)i;
		CHECK_EQ(zt_node_process_frame(g.node[1], g.now, nwid, f, sizeof f, &dl), ZT_OK);
	}
	CHECK_EQ(zt_node_frames_end(g.node[1], g.now, &dl), ZT_OK);
	deliver(&g);
	CHECK_EQ(g.frames[2], 41);
	CHECK_EQ(g.last_frame[2][14], 39); /* the last one came last */
	CHECK(jobs_run >= 80);             /* 40 seals + 40 opens, at least */
	/* a replayed DATA packet, as a batch, is refused */
	{
		uint64_t before = zt_node_counter(g.node[2], ZT_CTR_RX_REPLAY);
		struct zt_wire_pkt b[2];
		struct zt_endpoint from;
		ep_of(1, &from);
		for (int i = 0; i < 2; i++) {
			b[i].sock = 1;
			b[i].from = from;
			b[i].data = g.last_data[2].data;
			b[i].len = g.last_data[2].len;
		}
		zt_node_process_wire_batch(g.node[2], g.now, b, 2, &dl);
		CHECK_EQ(zt_node_counter(g.node[2], ZT_CTR_RX_REPLAY), before + 2);
		CHECK_EQ(g.frames[2], 41);
	}
	/* keep going past a rekey */
	for (int i = 0; i < 130; i++) {
		send_frame(&g, 1, 2, nwid, "keep");
		send_frame(&g, 2, 1, nwid, "back");
		run(&g, 1000);
	}
	CHECK_EQ(g.frames[2], 41 + 130);
	CHECK_EQ(g.frames[1], 130);
	teardown(&g);
	use_jobs = false;
}

/* AES-256-GCM when both ends offer it (and the CPU has it), ChaCha20-
 * Poly1305 when either does not; roots always use ChaCha20-Poly1305. */
static void cipher_case(bool b_no_aes)
{
	uint64_t nwid = 0xff00000000000001ULL;
	struct zt_peer *p12, *p21, *root;
	uint8_t want = ZT_CIPHER_CHACHA20POLY1305;

	if (!b_no_aes && crypto_aead_aes256gcm_is_available())
		want = ZT_CIPHER_AES256GCM;
	memset(extra_flags, 0, sizeof extra_flags);
	extra_flags[2] = b_no_aes ? ZT_NODE_NO_AES : 0;
	setup(&g, 3);
	run(&g, 2000);
	CHECK_EQ(zt_node_join(g.node[1], g.now, nwid), ZT_OK);
	CHECK_EQ(zt_node_join(g.node[2], g.now, nwid), ZT_OK);
	run(&g, 1000);
	send_frame(&g, 1, 2, nwid, "cipher-1-to-2");
	run(&g, 1000);
	send_frame(&g, 2, 1, nwid, "cipher-2-to-1");
	run(&g, 500);
	CHECK_EQ(g.frames[2], 1);
	CHECK_EQ(g.frames[1], 1);
	p12 = zt_peer_find(g.node[1], g.id[2].address);
	p21 = zt_peer_find(g.node[2], g.id[1].address);
	root = zt_peer_find(g.node[1], g.id[0].address);
	CHECK(p12 != NULL && p21 != NULL && root != NULL);
	if (p12 && p21 && root) {
		CHECK_EQ(p12->kp_cur.cipher, want);
		CHECK_EQ(p21->kp_cur.cipher, want);
		CHECK_EQ(root->kp_cur.cipher, ZT_CIPHER_CHACHA20POLY1305);
		CHECK((p12->kp_cur.aes != NULL) == (want == ZT_CIPHER_AES256GCM));
	}
	teardown(&g);
	memset(extra_flags, 0, sizeof extra_flags);
}

static void test_cipher_negotiated(void)
{
	cipher_case(false);
}

static void test_cipher_fallback_chacha(void)
{
	cipher_case(true);
}

/* A frame of `len` bytes from node `from` to `dst`: how many datagrams the
 * core emitted for it (delivered afterwards). */
static unsigned send_big(struct net *net, int from, const uint8_t dst[6], uint64_t nwid, size_t len)
{
	static uint8_t f[2000];
	unsigned before = net->sent[from];
	int64_t dl;

	memset(f, 0x5a, len);
	memcpy(f, dst, 6);
	zt_mac_from_address(nwid, net->id[from].address, f + 6);
	f[12] = 0x08;
	f[13] = 0x00;
	CHECK_EQ(zt_node_process_frame(net->node[from], net->now, nwid, f, len, &dl), ZT_OK);
	before = net->sent[from] - before;
	deliver(net);
	return before;
}

static unsigned path_mtu_to(struct net *net, int from, int to)
{
	struct zt_peer_info info[8];
	size_t n = zt_node_peers(net->node[from], net->now, info, 8);
	for (size_t i = 0; i < n && i < 8; i++)
		if (info[i].address == net->id[to].address)
			return info[i].path_mtu;
	return 0;
}

/* zt_node_frame_max: node 2 sits behind a path that drops datagrams over
 * 1300 bytes (no ICMP), node 3 behind a clean one.  Once probed, a frame
 * of the size it gives for 2 crosses in one datagram and one byte more
 * does not; 3, broadcast, multicast, unknown MACs and networks get
 * ZT_FRAME_UNFRAGMENTED; a bridged MAC gets its bridge's size; an
 * unprobed or relayed path the floor, which fits one datagram too. */
static void test_frame_max(void)
{
	uint64_t nwid = 0xff00000000000002ULL;
	uint8_t mac2[6], mac3[6], self[6], mc[6] = {0x01, 0x00, 0x5e, 0, 0, 1};
	uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	/* LAN hosts' MACs: not in the members' range (first octet 0x02 here). */
	uint8_t lan[6] = {0x00, 0x16, 0x3e, 0x33, 0x44, 0x55},
	        lan2[6] = {0x00, 0x16, 0x3e, 9, 9, 9};
	struct zt_network *net1;
	struct zt_peer *p2;
	struct zt_path *x;
	size_t m2;
	unsigned mtu2;
	uint64_t frags;
	int before;

	setup(&g, 4);
	g.small = 2;
	g.small_limit = 1300;
	run(&g, 2000);
	for (int i = 1; i < 4; i++)
		CHECK_EQ(zt_node_join(g.node[i], g.now, nwid), ZT_OK);
	run(&g, 1000);
	zt_mac_from_address(nwid, g.id[2].address, mac2);
	zt_mac_from_address(nwid, g.id[3].address, mac3);
	zt_mac_from_address(nwid, g.id[1].address, self);
	send_frame(&g, 1, 2, nwid, "to-2");
	send_frame(&g, 2, 1, nwid, "to-1");
	send_frame(&g, 1, 3, nwid, "to-3");
	send_frame(&g, 3, 1, nwid, "to-1");
	run(&g, 10000);
	CHECK_EQ(path_to(&g, 1, 2), ZT_PATH_DIRECT);
	CHECK_EQ(path_to(&g, 1, 3), ZT_PATH_DIRECT);
	mtu2 = path_mtu_to(&g, 1, 2);
	CHECK(mtu2 <= 1300 && mtu2 >= 1300 - ZT_PMTU_STEP);
	CHECK_EQ(path_mtu_to(&g, 1, 3), ZT_UDP_MAX);

	m2 = zt_node_frame_max(g.node[1], g.now, nwid, mac2);
	CHECK_EQ(m2, mtu2 - 9 - ZT_DATA_OVERHEAD);
	CHECK(m2 < ZT_FRAME_UNFRAGMENTED && m2 >= ZT_FRAME_MIN_UNFRAGMENTED);
	CHECK_EQ(zt_node_frame_max(g.node[1], g.now, nwid, mac3), ZT_FRAME_UNFRAGMENTED);
	CHECK_EQ(zt_node_frame_max(g.node[1], g.now, nwid, bcast), ZT_FRAME_UNFRAGMENTED);
	CHECK_EQ(zt_node_frame_max(g.node[1], g.now, nwid, mc), ZT_FRAME_UNFRAGMENTED);
	CHECK_EQ(zt_node_frame_max(g.node[1], g.now, nwid, self), ZT_FRAME_UNFRAGMENTED);
	CHECK_EQ(zt_node_frame_max(g.node[1], g.now, nwid, lan2), ZT_FRAME_UNFRAGMENTED);
	CHECK_EQ(zt_node_frame_max(g.node[1], g.now, nwid + 1, mac2), ZT_FRAME_UNFRAGMENTED);

	/* The datagrams the core emits: one for m2, two for m2 + 1. */
	frags = zt_node_counter(g.node[1], ZT_CTR_TX_FRAGMENTED);
	before = g.frames[2];
	CHECK_EQ(send_big(&g, 1, mac2, nwid, m2), 1);
	CHECK_EQ(g.frames[2], before + 1);
	CHECK_EQ(zt_node_counter(g.node[1], ZT_CTR_TX_FRAGMENTED), frags);
	CHECK_EQ(send_big(&g, 1, mac2, nwid, m2 + 1), 2);
	CHECK_EQ(g.frames[2], before + 2);
	CHECK_EQ(zt_node_counter(g.node[1], ZT_CTR_TX_FRAGMENTED), frags + 1);
	before = g.frames[3];
	CHECK_EQ(send_big(&g, 1, mac3, nwid, ZT_FRAME_UNFRAGMENTED), 1);
	CHECK_EQ(g.frames[3], before + 1);

	/* A LAN host behind member 2 (bridged): member 2's path decides. */
	net1 = zt_switch_find(g.node[1], nwid);
	CHECK(net1 != NULL);
	if (net1 != NULL) {
		(void)zt_mactable_learn(&net1->macs, lan, g.id[2].address, g.now);
		CHECK_EQ(zt_node_frame_max(g.node[1], g.now, nwid, lan), m2);
	}

	/* A path whose MTU is not probed yet is sent on at ZT_PMTU_MIN. */
	p2 = zt_peer_find(g.node[1], g.id[2].address);
	x = p2 != NULL ? zt_peer_best_path(g.node[1], p2, g.now) : NULL;
	CHECK(x != NULL);
	if (x != NULL) {
		uint16_t saved = x->pmtu;
		x->pmtu = 0;
		CHECK_EQ(zt_node_frame_max(g.node[1], g.now, nwid, mac2),
		         ZT_FRAME_MIN_UNFRAGMENTED);
		CHECK_EQ(send_big(&g, 1, mac2, nwid, ZT_FRAME_MIN_UNFRAGMENTED), 1);
		CHECK_EQ(send_big(&g, 1, mac2, nwid, ZT_FRAME_MIN_UNFRAGMENTED + 1), 2);
		x->pmtu = saved;
	}

	/* Relayed through the root: the floor, in one datagram. */
	g.block_direct = true;
	run(&g, 15000);
	for (int i = 0; i < 5; i++) {
		send_frame(&g, 1, 2, nwid, "via-root");
		run(&g, 1000);
	}
	CHECK_EQ(path_to(&g, 1, 2), ZT_PATH_RELAY);
	CHECK_EQ(zt_node_frame_max(g.node[1], g.now, nwid, mac2), ZT_FRAME_MIN_UNFRAGMENTED);
	frags = zt_node_counter(g.node[1], ZT_CTR_TX_FRAGMENTED);
	before = g.frames[2];
	CHECK_EQ(send_big(&g, 1, mac2, nwid, ZT_FRAME_MIN_UNFRAGMENTED), 1);
	CHECK_EQ(g.frames[2], before + 1);
	CHECK_EQ(zt_node_counter(g.node[1], ZT_CTR_TX_FRAGMENTED), frags);
	teardown(&g);
}

/* A managed network's config handed to node i directly (no controller:
 * nwid's controller address is 0, so nobody is asked): 10.9.0.<host>/24,
 * or no address with host 0. */
static void give_conf(struct net *net, int i, uint64_t nwid, unsigned host)
{
	struct zt_network *nw = zt_switch_find(net->node[i], nwid);
	struct zt_netconf *c = calloc(1, sizeof *c);

	CHECK(nw != NULL && c != NULL);
	if (nw == NULL || c == NULL) {
		free(c);
		return;
	}
	c->nwid = nwid;
	c->issued_to = net->id[i].address;
	c->mtu = ZT_DEFAULT_MTU;
	c->rule_count = 1; /* "accept;", as a controller's default */
	c->rules[0].t = ZT_RULE_ACCEPT;
	if (host != 0) {
		c->addr_count = 1;
		c->addrs[0].family = 4;
		c->addrs[0].bits = 24;
		c->addrs[0].ip[0] = 10;
		c->addrs[0].ip[1] = 9;
		c->addrs[0].ip[3] = (uint8_t)host;
	}
	free(nw->conf);
	nw->conf = c;
	nw->status = ZT_NET_OK;
	nw->conf_received = net->now;
}

/* A frame from node `from` to node `to`'s MAC: IPv4 from 10.9.0.<host>,
 * or (arp) a gratuitous ARP reply saying 10.9.0.<host> is at `sha`
 * (NULL: the sender's own MAC). */
static void send_claim(struct net *net, int from, int to, uint64_t nwid, bool arp, unsigned host,
                       const uint8_t *sha)
{
	uint8_t f[64], *p = f + 14;
	int64_t dl;

	memset(f, 0, sizeof f);
	zt_mac_from_address(nwid, net->id[to].address, f);
	zt_mac_from_address(nwid, net->id[from].address, f + 6);
	f[12] = 0x08;
	if (arp) {
		f[13] = 0x06;
		p[1] = 1, p[2] = 0x08, p[4] = 6, p[5] = 4, p[7] = 2;
		memcpy(p + 8, sha != NULL ? sha : f + 6, 6);
		p[14] = 10, p[15] = 9, p[17] = (uint8_t)host;
		memcpy(p + 24, p + 14, 4);
	} else {
		p[0] = 0x45, p[3] = 40, p[8] = 64, p[9] = 17;
		p[12] = 10, p[13] = 9, p[15] = (uint8_t)host;
		p[16] = 10, p[17] = 9, p[19] = 99;
	}
	CHECK_EQ(zt_node_process_frame(net->node[from], net->now, nwid, f, sizeof f, &dl), ZT_OK);
	deliver(net);
}

/* Members' addresses are theirs on a managed network: node 2 (10.9.0.2)
 * cannot send from node 3's address, in IPv4 or ARP, nor name another MAC
 * in its ARP (dropped at node 2); node 1 (no IPv4 assigned, so its own
 * switch lets IPv4 through) cannot claim node 3's address to node 3
 * (dropped at node 3).  Their own addresses go through. */
static void test_forged_addresses(void)
{
	uint64_t nwid = 0x0000000000000007ULL;
	uint8_t mac1[6];
	int before;

	setup(&g, 4);
	run(&g, 2000);
	for (int i = 1; i < 4; i++)
		CHECK_EQ(zt_node_join(g.node[i], g.now, nwid), ZT_OK);
	give_conf(&g, 1, nwid, 0);
	give_conf(&g, 2, nwid, 2);
	give_conf(&g, 3, nwid, 3);
	zt_mac_from_address(nwid, g.id[1].address, mac1);
	run(&g, 1000);
	send_claim(&g, 2, 3, nwid, false, 2, NULL);
	send_claim(&g, 1, 3, nwid, false, 1, NULL);
	run(&g, 1000);
	before = g.frames[3];
	send_claim(&g, 2, 3, nwid, false, 2, NULL);
	send_claim(&g, 2, 3, nwid, true, 2, NULL);
	send_claim(&g, 1, 3, nwid, true, 1, NULL);
	run(&g, 500);
	CHECK_EQ(g.frames[3], before + 3);

	/* At the sender. */
	before = g.frames[3];
	send_claim(&g, 2, 3, nwid, false, 3, NULL);
	send_claim(&g, 2, 3, nwid, true, 3, NULL);
	send_claim(&g, 2, 3, nwid, true, 1, NULL);
	run(&g, 500);
	CHECK_EQ(zt_node_counter(g.node[2], ZT_CTR_FORGED_SRC_IP), 3);
	send_claim(&g, 2, 3, nwid, true, 2, mac1);
	run(&g, 500);
	CHECK_EQ(zt_node_counter(g.node[2], ZT_CTR_FORGED_LLADDR), 1);
	CHECK_EQ(g.frames[3], before);

	/* At the receiver. */
	send_claim(&g, 1, 3, nwid, false, 3, NULL);
	send_claim(&g, 1, 3, nwid, true, 3, NULL);
	run(&g, 500);
	CHECK_EQ(zt_node_counter(g.node[1], ZT_CTR_FORGED_SRC_IP), 0);
	CHECK_EQ(zt_node_counter(g.node[3], ZT_CTR_FORGED_SRC_IP), 2);
	CHECK_EQ(g.frames[3], before);
	teardown(&g);
}

/* A bridge's frame from a member's MAC is dropped (not learnt), and a
 * member's MAC is never looked up in the MAC table: node 1's unicast to
 * node 2 stays node 2's. */
static void test_member_mac_not_shadowed(void)
{
	uint64_t nwid = 0xff00000000000003ULL;
	uint8_t mac2[6];
	struct zt_network *net1;
	int before;

	setup(&g, 4);
	run(&g, 2000);
	for (int i = 1; i < 4; i++)
		CHECK_EQ(zt_node_join(g.node[i], g.now, nwid), ZT_OK);
	run(&g, 1000);
	send_frame(&g, 1, 2, nwid, "warm-1-2");
	send_frame(&g, 1, 3, nwid, "warm-1-3");
	send_frame(&g, 3, 1, nwid, "warm-3-1");
	run(&g, 1000);
	zt_mac_from_address(nwid, g.id[2].address, mac2);
	net1 = zt_switch_find(g.node[1], nwid);
	CHECK(net1 != NULL);
	if (net1 == NULL)
		goto out;
	/* Node 3 is a bridge (ad-hoc: it says so) and sends node 1 a frame
	 * from node 2's MAC. */
	zt_bridge_learn(net1, g.id[3].address, g.now, g.now + 60000);
	{
		uint8_t msg[9 + 64];
		struct zt_peer *p3 = zt_peer_find(g.node[1], g.id[3].address);
		uint64_t forged = zt_node_counter(g.node[1], ZT_CTR_FORGED_SRC_MAC);
		CHECK(p3 != NULL);
		if (p3 == NULL)
			goto out;
		memset(msg, 0, sizeof msg);
		msg[0] = ZT_MSG_FRAME;
		zt_put_u64(msg + 1, nwid);
		zt_mac_from_address(nwid, g.id[1].address, msg + 9);
		memcpy(msg + 9 + 6, mac2, 6);
		msg[9 + 12] = 0x08;
		memcpy(msg + 9 + 14, "forged", 6);
		before = g.frames[1];
		zt_switch_frame_from_peer(g.node[1], g.now, p3, msg, sizeof msg);
		CHECK_EQ(g.frames[1], before);
		CHECK_EQ(zt_node_counter(g.node[1], ZT_CTR_FORGED_SRC_MAC), forged + 1);
		CHECK(zt_mactable_lookup(&net1->macs, mac2, g.now, 60000) == NULL);
	}
	before = g.frames[2];
	send_frame(&g, 1, 2, nwid, "to-2-not-3");
	run(&g, 500);
	CHECK_EQ(g.frames[2], before + 1);
	/* Even an entry put into the table directly is not consulted. */
	(void)zt_mactable_learn(&net1->macs, mac2, g.id[3].address, g.now);
	before = g.frames[2];
	send_frame(&g, 1, 2, nwid, "to-2-not-3");
	run(&g, 500);
	CHECK_EQ(g.frames[2], before + 1);
out:
	teardown(&g);
}

/* A frame from node `from`'s TAP: dst, src, then `text`. */
static void tap_frame(struct net *net, int from, uint64_t nwid, const uint8_t dst[6],
                      const uint8_t src[6], const char *text)
{
	uint8_t f[64];
	int64_t dl;

	memset(f, 0, sizeof f);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	memcpy(f + 14, text, strlen(text));
	CHECK_EQ(zt_node_process_frame(net->node[from], net->now, nwid, f, sizeof f, &dl), ZT_OK);
	deliver(net);
}

/* A LAN host behind a bridge whose (locally administered) MAC has the
 * first octet of the members' derived MACs, one random MAC in 64, is a LAN
 * host like any other as long as its MAC does not reverse to an address
 * the network knows: node 3 bridges it in, node 1 learns it behind node 3
 * and its unicast to it goes there.  A bridge still may not use a MAC
 * that names a known member (node 2's): its own switch refuses it from its
 * LAN and node 1 refuses it from the bridge. */
static void test_lan_mac_in_member_range(void)
{
	uint64_t nwid = 0xff00000000000004ULL;
	uint8_t lan[6] = {0, 0x5a, 0xc3, 0x91, 0x0e, 0x7d}, mac1[6], mac2[6];
	struct zt_network *net1;
	struct zt_ethernet e;
	uint64_t forged1, loop3;
	int before1, before2, before3;

	setup(&g, 4);
	run(&g, 2000);
	for (int i = 1; i < 4; i++)
		CHECK_EQ(zt_node_join(g.node[i], g.now, nwid), ZT_OK);
	run(&g, 1000);
	send_frame(&g, 1, 2, nwid, "warm-1-2");
	send_frame(&g, 1, 3, nwid, "warm-1-3");
	send_frame(&g, 3, 1, nwid, "warm-3-1");
	send_frame(&g, 3, 2, nwid, "warm-3-2");
	run(&g, 1000);
	CHECK_EQ(zt_node_get_ethernet(g.node[3], nwid, &e), ZT_OK);
	e.active_bridge = true;
	CHECK_EQ(zt_node_set_ethernet(g.node[3], g.now, nwid, &e), ZT_OK);
	run(&g, 1000);
	zt_mac_from_address(nwid, g.id[1].address, mac1);
	zt_mac_from_address(nwid, g.id[2].address, mac2);
	lan[0] = mac1[0];
	net1 = zt_switch_find(g.node[1], nwid);
	CHECK(net1 != NULL);
	if (net1 == NULL)
		goto out;

	/* LAN -> network: delivered and learnt, nothing counted. */
	forged1 = zt_node_counter(g.node[1], ZT_CTR_FORGED_SRC_MAC);
	loop3 = zt_node_counter(g.node[3], ZT_CTR_BRIDGE_LOOP);
	before1 = g.frames[1];
	tap_frame(&g, 3, nwid, mac1, lan, "from-lan");
	run(&g, 500);
	CHECK_EQ(g.frames[1], before1 + 1);
	CHECK(memcmp(g.last_frame[1] + 14, "from-lan", 8) == 0);
	CHECK_EQ(zt_node_counter(g.node[1], ZT_CTR_FORGED_SRC_MAC), forged1);
	CHECK_EQ(zt_node_counter(g.node[3], ZT_CTR_BRIDGE_LOOP), loop3);
	{
		const struct zt_macent *m = zt_mactable_lookup(&net1->macs, lan, g.now, 60000);
		CHECK(m != NULL && m->address == g.id[3].address);
	}

	/* Network -> LAN: node 1's unicast goes to the bridge, nowhere else. */
	before2 = g.frames[2];
	before3 = g.frames[3];
	tap_frame(&g, 1, nwid, lan, mac1, "to-lan");
	run(&g, 500);
	CHECK_EQ(g.frames[3], before3 + 1);
	CHECK(memcmp(g.last_frame[3] + 14, "to-lan", 6) == 0);
	CHECK_EQ(g.frames[2], before2);

	/* A known member's MAC from the bridge's LAN: a loop there ... */
	before1 = g.frames[1];
	tap_frame(&g, 3, nwid, mac1, mac2, "as-2");
	run(&g, 500);
	CHECK_EQ(zt_node_counter(g.node[3], ZT_CTR_BRIDGE_LOOP), loop3 + 1);
	CHECK_EQ(g.frames[1], before1);
	/* ... and forged at the receiver, even from a bridge. */
	{
		uint8_t msg[9 + 64];
		struct zt_peer *p3 = zt_peer_find(g.node[1], g.id[3].address);
		CHECK(p3 != NULL);
		if (p3 == NULL)
			goto out;
		memset(msg, 0, sizeof msg);
		msg[0] = ZT_MSG_FRAME;
		zt_put_u64(msg + 1, nwid);
		memcpy(msg + 9, mac1, 6);
		memcpy(msg + 9 + 6, mac2, 6);
		msg[9 + 12] = 0x08;
		zt_switch_frame_from_peer(g.node[1], g.now, p3, msg, sizeof msg);
		CHECK_EQ(g.frames[1], before1);
		CHECK_EQ(zt_node_counter(g.node[1], ZT_CTR_FORGED_SRC_MAC), forged1 + 1);
		CHECK(zt_mactable_lookup(&net1->macs, mac2, g.now, 60000) == NULL);
	}
out:
	teardown(&g);
}

/* A member not met yet (nobody has told us of it): unicast to its MAC
 * still finds it. */
static void test_unmet_member_mac(void)
{
	uint64_t nwid = 0xff00000000000005ULL;

	setup(&g, 3);
	run(&g, 2000);
	CHECK_EQ(zt_node_join(g.node[1], g.now, nwid), ZT_OK);
	CHECK_EQ(zt_node_join(g.node[2], g.now, nwid), ZT_OK);
	CHECK(zt_peer_find(g.node[1], g.id[2].address) == NULL);
	send_frame(&g, 1, 2, nwid, "first");
	run(&g, 2000);
	CHECK_EQ(g.frames[2], 1);
	CHECK(memcmp(g.last_frame[2] + 14, "first", 5) == 0);
	teardown(&g);
}

/* A private network's member list under 5000 strangers (no verified
 * COM): they hold at most a quarter of it, the members whose COMs were
 * verified stay, and so does a member's revocation while it matters (its
 * revoked COM could still agree with ours); after that it may go. */
static void test_member_list_strangers(void)
{
	const int64_t t = 1700000000000LL;
	const uint64_t base = UINT64_C(0x1000000000), revoked = base + 10;
	struct zt_network net;
	struct zt_netconf *c = calloc(1, sizeof *c);
	int64_t now = t;
	unsigned strangers = 0;

	CHECK(c != NULL);
	if (c == NULL)
		return;
	memset(&net, 0, sizeof net);
	net.mem = &libc_mem;
	net.used = true;
	net.nwid = 0x0000000000000007ULL;
	net.status = ZT_NET_OK;
	c->nwid = net.nwid;
	c->flags = ZT_NETCONF_F_PRIVATE;
	c->com.nwid = net.nwid;
	c->com.timestamp = t;
	c->com.max_delta = ZT_COM_MAX_DELTA;
	net.conf = c;
	for (uint64_t a = base; a <= revoked; a++) {
		struct zt_member *m = zt_switch_add_member(&net, a, now++, NULL);
		CHECK(m != NULL);
		if (m == NULL || (m->mc = calloc(1, sizeof *m->mc)) == NULL)
			goto out;
		m->mc->com = c->com;
		m->mc->com.issued_to = a;
		if (a == revoked)
			m->mc->revoked_upto = t;
	}
	for (uint64_t a = 0; a < 5000; a++)
		(void)zt_switch_add_member(&net, UINT64_C(0x2000000000) + a, now++, NULL);
	CHECK(net.member_count <= ZT_NET_MAX_MEMBERS);
	for (unsigned i = 0; i < net.member_count; i++)
		strangers += net.members[i].mc == NULL;
	CHECK(strangers <= ZT_NET_MAX_MEMBERS / 4);
	CHECK(strangers > 0);
	for (uint64_t a = base; a <= revoked; a++)
		CHECK(zt_switch_member(&net, a) != NULL);
	CHECK(zt_switch_member(&net, revoked) != NULL &&
	      zt_switch_member(&net, revoked)->mc->revoked_upto == t);
	/* Our COM moved past the revocation's window: its entry may go. */
	c->com.timestamp = t + ZT_COM_MAX_DELTA + 1;
	(void)zt_switch_add_member(&net, UINT64_C(0x3000000000), now++, NULL);
	CHECK(zt_switch_member(&net, revoked) == NULL);
	CHECK(zt_switch_member(&net, base) != NULL);
out:
	zt_switch_free_members(&net);
	free(c);
}

/* The peer's version as node `from` knows it. */
static void version_of(struct net *net, int from, int to, int out[3])
{
	struct zt_peer_info info[8];
	size_t n = zt_node_peers(net->node[from], net->now, info, 8);
	out[0] = out[1] = out[2] = -2; /* not listed */
	for (size_t i = 0; i < n && i < 8; i++)
		if (info[i].address == net->id[to].address)
			memcpy(out, info[i].version, sizeof info[i].version);
}

#define CHECK_VERSION(net, from, to, a, b, c)                                                      \
	do {                                                                                       \
		int v_[3];                                                                         \
		version_of(net, from, to, v_);                                                     \
		CHECK_EQ(v_[0], a);                                                                \
		CHECK_EQ(v_[1], b);                                                                \
		CHECK_EQ(v_[2], c);                                                                \
	} while (0)

/* Peers learn each other's software version once a session is up, the
 * root's too; a node that never tells (an older one) stays unknown; a
 * short VERSION is dropped; an ASK is answered at most once per session. */
static void test_software_version(void)
{
	uint64_t nwid = 0xff00000000000001ULL;
	struct zt_host bad = {0};
	struct zt_node *nb = NULL;
	struct zt_peer *p12, *p21;
	uint64_t malformed;
	unsigned sent;

	bad.version = ZT_HOST_VERSION;
	bad.random = h_random;
	bad.ctx = &hctx[0];
	bad.software_version = "1.2"; /* not three numbers */
	CHECK_EQ(zt_node_new(&nb, &bad, &g.id[1], 0, 0), ZT_EINVAL);
	CHECK(nb == NULL);

	sw_version[0] = "7.8.9";
	sw_version[1] = "1.2.3";
	sw_version[2] = "65535.0.44~rc1"; /* a suffix after the third number is not told */
	sw_version[3] = NULL;
	setup(&g, 4);
	run(&g, 2000);
	for (int i = 1; i < 4; i++)
		CHECK_EQ(zt_node_join(g.node[i], g.now, nwid), ZT_OK);
	run(&g, 1000);
	send_frame(&g, 1, 2, nwid, "v-1-to-2");
	send_frame(&g, 1, 3, nwid, "v-1-to-3");
	run(&g, 1000);
	CHECK_EQ(g.frames[2], 1);
	CHECK_EQ(g.frames[3], 1);
	CHECK_VERSION(&g, 1, 2, 65535, 0, 44);
	CHECK_VERSION(&g, 2, 1, 1, 2, 3);
	CHECK_VERSION(&g, 1, 0, 7, 8, 9);    /* the root's */
	CHECK_VERSION(&g, 0, 1, 1, 2, 3);    /* the root learns the node's */
	CHECK_VERSION(&g, 1, 3, -1, -1, -1); /* never told */
	CHECK_VERSION(&g, 3, 1, 1, 2, 3);    /* it still learns ours */
	CHECK_VERSION(&g, 3, 0, 7, 8, 9);

	p12 = zt_peer_find(g.node[1], g.id[2].address);
	p21 = zt_peer_find(g.node[2], g.id[1].address);
	CHECK(p12 != NULL && p21 != NULL);
	if (p12 == NULL || p21 == NULL)
		goto out;
	/* Each told the other on the session it uses. */
	CHECK(p12->kp_cur.told_version);
	CHECK(p21->kp_cur.told_version);

	/* A VERSION too short: counted, nothing learnt. */
	malformed = g.node[1]->counters[ZT_CTR_RX_MALFORMED];
	{
		const uint8_t shrt[5] = {ZT_MSG_VERSION, 0, 0, 9, 0};
		CHECK_EQ(zt_send_msg(g.node[2], g.now, p21, shrt, sizeof shrt), ZT_OK);
	}
	deliver(&g);
	CHECK_EQ(g.node[1]->counters[ZT_CTR_RX_MALFORMED], malformed + 1);
	CHECK_VERSION(&g, 1, 2, 65535, 0, 44);

	/* Asking again and again on the same session gets nothing: we told
	 * it already.  A longer one is read (a later version's fields). */
	sent = g.sent[1];
	for (int i = 0; i < 5; i++) {
		const uint8_t ask[10] = {
		    ZT_MSG_VERSION, ZT_VERSION_F_ASK, 0, 4, 0, 5, 0, 6, 0xaa, 0xbb};
		CHECK_EQ(zt_send_msg(g.node[2], g.now, p21, ask, sizeof ask), ZT_OK);
		deliver(&g);
	}
	CHECK_EQ(g.sent[1], sent);
	CHECK_VERSION(&g, 1, 2, 4, 5, 6);

	/* On a session where it did not tell us, an ASK is answered once. */
	p12->kp_cur.told_version = false;
	p21->sw_version_known = false;
	for (int i = 0; i < 3; i++) {
		const uint8_t ask[8] = {ZT_MSG_VERSION, ZT_VERSION_F_ASK, 0, 4, 0, 5, 0, 6};
		CHECK_EQ(zt_send_msg(g.node[2], g.now, p21, ask, sizeof ask), ZT_OK);
		deliver(&g);
	}
	CHECK_EQ(g.sent[1], sent + 1);
	CHECK_VERSION(&g, 2, 1, 1, 2, 3);
out:
	teardown(&g);
	for (int i = 0; i < MAXN; i++)
		sw_version[i] = NULL;
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(test_online_and_frames);
	RUN(test_replay_rejected);
	RUN(test_broadcast);
	RUN(test_relay_fallback);
	RUN(test_rekey);
	RUN(test_rekey_prev_keys);
	RUN(test_cipher_negotiated);
	RUN(test_jobs);
	RUN(test_cipher_fallback_chacha);
	RUN(test_frame_max);
	RUN(test_forged_addresses);
	RUN(test_member_mac_not_shadowed);
	RUN(test_lan_mac_in_member_range);
	RUN(test_unmet_member_mac);
	RUN(test_member_list_strangers);
	RUN(test_software_version);
	TEST_EXIT();
}
