/* SPDX-License-Identifier: MIT */
/*
 * tcpclose_test.c - a closed TCP connection (zt_node_tcp_closed) costs the
 * core the same whatever the number of peers: a root with thousands of
 * peers, each registered over its own connection, looks at a bounded
 * number of peers per close (counted, not timed), and drops exactly the
 * paths that used that connection.
 */
#include <string.h>

#include "node.h"
#include "peer.h"
#include "test.h"
#include "zt.h"

#define NPEERS 3000

static struct test_rng rng;
static struct zt_identity id;
static struct zt_node *node;
static const int64_t T0 = 1700000000000LL;

static void h_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	test_rng_bytes(&rng, buf, len);
}

static void setup(unsigned flags)
{
	struct zt_host host;
	memset(&host, 0, sizeof host);
	host.version = ZT_HOST_VERSION;
	host.random = h_random;
	test_rng_seed(&rng, 11);
	CHECK_EQ(zt_identity_generate(&id, test_rng_bytes, &rng), ZT_OK);
	CHECK_EQ(zt_node_new(&node, &host, &id, flags, T0), ZT_OK);
	CHECK_EQ(zt_node_add_socket(node, 1, 4), ZT_OK);
}

static void teardown(void)
{
	zt_node_free(node);
	zt_identity_wipe(&id);
	node = NULL;
}

static void ep_n(struct zt_endpoint *ep, unsigned i)
{
	memset(ep, 0, sizeof *ep);
	ep->family = 4;
	ep->ip[0] = 198;
	ep->ip[1] = 51;
	ep->ip[2] = (uint8_t)(i >> 8);
	ep->ip[3] = (uint8_t)i;
	ep->port = (uint16_t)(40000 + i % 1000);
}

static uint64_t addr_n(unsigned i)
{
	return 0x1100000000ULL + i;
}

static int64_t sock_n(unsigned i)
{
	return ZT_SOCK_TCP | (int64_t)(100 + i);
}

/* Paths of p that go over sock. */
static unsigned paths_on(const struct zt_peer *p, int64_t sock)
{
	unsigned k = 0;
	for (unsigned i = 0; i < p->npaths; i++)
		if (p->paths[i].used && p->paths[i].sock == sock)
			k++;
	return k;
}

/* NPEERS peers, each heard over its own connection (and peer 0 also over
 * UDP). */
static void populate(void)
{
	for (unsigned i = 0; i < NPEERS; i++) {
		struct zt_peer *p = zt_peer_get(node, T0, addr_n(i));
		struct zt_endpoint ep;
		CHECK(p != NULL);
		if (p == NULL)
			return;
		ep_n(&ep, i);
		zt_peer_learn_path(node, p, T0 + 1, sock_n(i), &ep, 0, 64);
		CHECK_EQ(paths_on(p, sock_n(i)), 1);
	}
	{
		struct zt_endpoint ep;
		ep_n(&ep, 60000);
		zt_peer_learn_path(node, zt_peer_find(node, addr_n(0)), T0 + 1, 1, &ep, 0, 64);
	}
}

static void test_close_costs_the_same_for_any_peer_count(void)
{
	uint64_t before, worst = 0;

	setup(ZT_NODE_ROOT);
	populate();
	for (unsigned i = 0; i < NPEERS; i += 97) {
		before = node->tcp_close_visits;
		zt_node_tcp_closed(node, T0 + 2, sock_n(i));
		if (node->tcp_close_visits - before > worst)
			worst = node->tcp_close_visits - before;
		CHECK_EQ(paths_on(zt_peer_find(node, addr_n(i)), sock_n(i)), 0);
	}
	/* The peers the connection carried (one here) and the roots, not the
	 * peer table. */
	CHECK(worst <= 1 + ZT_MAX_ROOTS);
	/* An unknown connection costs nothing either. */
	before = node->tcp_close_visits;
	zt_node_tcp_closed(node, T0 + 2, ZT_SOCK_TCP | 99999);
	CHECK(node->tcp_close_visits - before <= ZT_MAX_ROOTS);
	teardown();
}

static void test_close_drops_only_that_connection(void)
{
	struct zt_peer *p0;

	setup(ZT_NODE_ROOT);
	populate();
	zt_node_tcp_closed(node, T0 + 2, sock_n(0));
	p0 = zt_peer_find(node, addr_n(0));
	CHECK_EQ(paths_on(p0, sock_n(0)), 0);
	CHECK_EQ(paths_on(p0, 1), 1); /* its UDP path stays */
	for (unsigned i = 1; i < NPEERS; i++)
		CHECK_EQ(paths_on(zt_peer_find(node, addr_n(i)), sock_n(i)), 1);
	teardown();
}

/* The shell reuses descriptors: once closed, a connection id may come
 * back for another peer, and closing that one must not touch the first. */
static void test_reused_id_belongs_to_the_new_peer(void)
{
	struct zt_peer *a, *b;
	struct zt_endpoint ea, eb;

	setup(ZT_NODE_ROOT);
	a = zt_peer_get(node, T0, addr_n(1));
	b = zt_peer_get(node, T0, addr_n(2));
	ep_n(&ea, 1);
	ep_n(&eb, 2);
	zt_peer_learn_path(node, a, T0, sock_n(7), &ea, 0, 64);
	zt_node_tcp_closed(node, T0 + 1, sock_n(7));
	CHECK_EQ(paths_on(a, sock_n(7)), 0);
	/* a roams to a new connection; b gets the old id. */
	zt_peer_learn_path(node, a, T0 + 2, sock_n(8), &ea, 0, 64);
	zt_peer_learn_path(node, b, T0 + 2, sock_n(7), &eb, 0, 64);
	zt_node_tcp_closed(node, T0 + 3, sock_n(7));
	CHECK_EQ(paths_on(b, sock_n(7)), 0);
	CHECK_EQ(paths_on(a, sock_n(8)), 1);
	zt_node_tcp_closed(node, T0 + 4, sock_n(8));
	CHECK_EQ(paths_on(a, sock_n(8)), 0);
	teardown();
}

/* A freed peer leaves nothing behind that a close could trip on. */
static void test_close_after_peer_gone(void)
{
	struct zt_peer *a;
	struct zt_endpoint ea;

	setup(ZT_NODE_ROOT);
	a = zt_peer_get(node, T0, addr_n(1));
	ep_n(&ea, 1);
	zt_peer_learn_path(node, a, T0, sock_n(3), &ea, 0, 64);
	/* Expired and freed by the scan (no session, nothing queued). */
	for (int64_t t = T0; t <= T0 + ZT_ROOT_PEER_EXPIRE + 2000; t += 1000) {
		int64_t dl = t + 1000;
		(void)zt_node_process_background(node, t, &dl);
	}
	CHECK(zt_peer_find(node, addr_n(1)) == NULL);
	zt_node_tcp_closed(node, T0 + ZT_ROOT_PEER_EXPIRE + 3000, sock_n(3));
	teardown();
}

/* A node sends only its own packets over its connection: a connection
 * that claims more than ZT_TCPMAP_PEERS identities gets no more paths. */
static void test_connection_carries_few_peers(void)
{
	setup(ZT_NODE_ROOT);
	for (unsigned i = 0; i <= ZT_TCPMAP_PEERS; i++) {
		struct zt_peer *p = zt_peer_get(node, T0, addr_n(i));
		struct zt_endpoint ep;
		ep_n(&ep, 5);
		zt_peer_learn_path(node, p, T0, sock_n(5), &ep, 0, 64);
		CHECK_EQ(paths_on(p, sock_n(5)), i < ZT_TCPMAP_PEERS ? 1 : 0);
	}
	zt_node_tcp_closed(node, T0 + 1, sock_n(5));
	for (unsigned i = 0; i < ZT_TCPMAP_PEERS; i++)
		CHECK_EQ(paths_on(zt_peer_find(node, addr_n(i)), sock_n(5)), 0);
	CHECK_EQ(node->tcpmap.count, 0);
	teardown();
}

/* The table itself under churn: every id added is found until taken,
 * whatever the order of removals (backward-shift deletion). */
static void test_map_churn(void)
{
	struct zt_tcpmap m;
	static bool in[4096];
	uint64_t out[ZT_TCPMAP_PEERS];

	memset(&m, 0, sizeof m);
	memset(in, 0, sizeof in);
	test_rng_seed(&rng, 5);
	for (unsigned round = 0; round < 40000; round++) {
		uint16_t r;
		test_rng_bytes(&rng, &r, sizeof r);
		r &= 4095;
		if (in[r]) {
			CHECK_EQ(zt_tcpmap_take(&m, ZT_SOCK_TCP | r, out), 1);
			CHECK_EQ(out[0], 1000u + r);
			in[r] = false;
		} else {
			CHECK(zt_tcpmap_add(&m, ZT_SOCK_TCP | r, 1000u + r));
			in[r] = true;
		}
	}
	for (unsigned r = 0; r < 4096; r++) {
		CHECK_EQ(zt_tcpmap_take(&m, ZT_SOCK_TCP | r, out), in[r] ? 1 : 0);
		if (in[r])
			CHECK_EQ(out[0], 1000u + r);
	}
	CHECK_EQ(m.count, 0);
	zt_tcpmap_free(&m);
}

int main(void)
{
	RUN(test_close_costs_the_same_for_any_peer_count);
	RUN(test_close_drops_only_that_connection);
	RUN(test_reused_id_belongs_to_the_new_peer);
	RUN(test_close_after_peer_gone);
	RUN(test_connection_carries_few_peers);
	RUN(test_map_churn);
	TEST_EXIT();
}
