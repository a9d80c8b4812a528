/* SPDX-License-Identifier: MIT */
/*
 * peer_test.c - the peer's memory layout (peer.c): keypairs allocated only
 * around a rekey, the path array grown by need up to ZT_PEER_MAX_PATHS and
 * trimmed, LAN endpoints sized by need, and what happens when an
 * allocation fails (nothing kept, counted, no crash); and the table when it
 * is full: the least recently authenticated stranger makes room, roots,
 * controllers and members never do.
 *
 * Linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc (Makefile):
 * every allocation of the core goes through the wrappers below, which fail
 * on demand.
 */
#include <stdlib.h>
#include <string.h>

#include "network.h"
#include "node.h"
#include "peer.h"
#include "replay.h"
#include "session.h"
#include "switch.h"
#include "test.h"
#include "wire.h"
#include "zt.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t nmemb, size_t size);
void *__real_realloc(void *ptr, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t nmemb, size_t size);
void *__wrap_realloc(void *ptr, size_t size);

static bool fail_alloc; /* every allocation fails while set */
static unsigned allocs; /* allocations asked for (failed or not) */

void *__wrap_malloc(size_t size)
{
	allocs++;
	return fail_alloc ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t nmemb, size_t size)
{
	allocs++;
	return fail_alloc ? NULL : __real_calloc(nmemb, size);
}

void *__wrap_realloc(void *ptr, size_t size)
{
	allocs++;
	return fail_alloc ? NULL : __real_realloc(ptr, size);
}

static struct test_rng rng;
static struct zt_identity id;
static struct zt_node *node;
static const int64_t T0 = 1700000000000LL;

static void h_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	test_rng_bytes(&rng, buf, len);
}

static void setup(void)
{
	struct zt_host host;
	memset(&host, 0, sizeof host);
	host.version = ZT_HOST_VERSION;
	host.random = h_random;
	test_rng_seed(&rng, 7);
	CHECK_EQ(zt_identity_generate(&id, test_rng_bytes, &rng), ZT_OK);
	CHECK_EQ(zt_node_new(&node, &host, &id, ZT_NODE_ROOT, T0), ZT_OK);
	CHECK_EQ(zt_node_add_socket(node, 1, 4), ZT_OK);
}

static void teardown(void)
{
	zt_node_free(node);
	zt_identity_wipe(&id);
	node = NULL;
}

static void ep_n(struct zt_endpoint *ep, int i)
{
	memset(ep, 0, sizeof *ep);
	ep->family = 4;
	ep->ip[0] = 198;
	ep->ip[1] = 18;
	ep->ip[2] = 7;
	ep->ip[3] = (uint8_t)(10 + i);
	ep->port = 9993;
}

static struct zt_keypair make_kp(uint32_t idx, int64_t born)
{
	struct zt_keypair kp;
	memset(&kp, 0, sizeof kp);
	kp.valid = true;
	kp.initiator = true;
	kp.confirmed = true;
	kp.local_index = idx;
	kp.remote_index = idx + 1000;
	memset(kp.send_key, (int)idx, 32);
	kp.born = born;
	return kp;
}

/* The previous keys go once the peer has switched to the current ones and
 * nothing arrived with the old for ZT_PREV_KEEP_TIME; while the peer still
 * sends with them (after simultaneous initiations it may, even when it was
 * heard with the current ones too) they stay. */
static void test_prev_dropped_once_superseded(void)
{
	struct zt_peer *p;
	struct zt_keypair kp;
	int64_t t1 = T0 + ZT_REKEY_AFTER_TIME, t;
	uint64_t ctr = 0;
	setup();
	p = zt_peer_get(node, T0, 0x1122334466ULL);
	if (p == NULL) {
		CHECK(p != NULL);
		teardown();
		return;
	}
	kp = make_kp(1, T0);
	CHECK(zt_peer_keypair_install(p, &kp));
	CHECK(zt_replay_update(&p->kp_cur.replay, ctr++)); /* in use */
	zt_peer_keypairs_expire(p, T0 + 1000);
	kp = make_kp(2, t1);
	CHECK(zt_peer_keypair_install(p, &kp));
	CHECK(p->kp_prev != NULL);
	/* heard once with the new keys, then (crossed) only with the old:
	 * they stay to the end, through idle gaps too */
	CHECK(zt_replay_update(&p->kp_cur.replay, 0));
	for (t = t1; t < T0 + ZT_REJECT_AFTER_TIME && p->kp_prev != NULL; t += 1000) {
		if (t < t1 + 20000 || t > t1 + 45000) /* 25 s of silence */
			CHECK(zt_replay_update(&p->kp_prev->replay, ctr++));
		zt_peer_keypairs_expire(p, t);
	}
	CHECK(p->kp_prev != NULL);
	CHECK(zt_peer_keypair_by_index(p, 1) != NULL);
	zt_peer_keypairs_expire(p, T0 + ZT_REJECT_AFTER_TIME);
	CHECK(p->kp_prev == NULL);

	/* the next rekey, the usual way: a straggler with the old keys, then
	 * the peer is heard with the new ones only */
	t1 += ZT_REKEY_AFTER_TIME;
	kp = make_kp(3, t1);
	CHECK(zt_peer_keypair_install(p, &kp));
	CHECK(p->kp_prev != NULL && p->kp_prev->local_index == 2);
	zt_peer_keypairs_expire(p, t1 + 500);
	CHECK(zt_replay_update(&p->kp_prev->replay, 5)); /* straggler */
	zt_peer_keypairs_expire(p, t1 + 1000);
	CHECK(zt_replay_update(&p->kp_cur.replay, 0)); /* switched */
	zt_peer_keypairs_expire(p, t1 + 2000);
	zt_peer_keypairs_expire(p, t1 + 1000 + ZT_PREV_KEEP_TIME - 1);
	CHECK(p->kp_prev != NULL);
	zt_peer_keypairs_expire(p, t1 + 1000 + ZT_PREV_KEEP_TIME);
	CHECK(p->kp_prev == NULL);
	CHECK(zt_peer_keypair_by_index(p, 2) == NULL);
	CHECK(zt_peer_keypair_by_index(p, 3) == &p->kp_cur);
	CHECK(zt_peer_send_keypair(p, t1 + 1000 + ZT_PREV_KEEP_TIME) == &p->kp_cur);

	/* and never sooner than ZT_PREV_KEEP_TIME after the rekey */
	t1 += ZT_REKEY_AFTER_TIME;
	kp = make_kp(4, t1);
	CHECK(zt_peer_keypair_install(p, &kp));
	CHECK(zt_replay_update(&p->kp_cur.replay, 0));
	zt_peer_keypairs_expire(p, t1 + 100);
	zt_peer_keypairs_expire(p, t1 + ZT_PREV_KEEP_TIME - 1);
	CHECK(p->kp_prev != NULL);
	zt_peer_keypairs_expire(p, t1 + ZT_PREV_KEEP_TIME);
	CHECK(p->kp_prev == NULL);
	teardown();
}

/* A new peer carries one inline keypair and nothing allocated. */
static void test_fresh_peer_is_small(void)
{
	struct zt_peer *p;
	setup();
	p = zt_peer_get(node, T0, 0x1122334455ULL);
	CHECK(p != NULL);
	if (p != NULL) {
		CHECK(p->kp_prev == NULL && p->kp_next == NULL);
		CHECK(p->paths == NULL && p->npaths == 0);
		CHECK(p->hs == NULL && p->root == NULL && p->eps == NULL && p->queue == NULL);
		CHECK(!p->kp_cur.valid);
	}
	/* the bound the root's memory per registered node rests on */
	CHECK(sizeof(struct zt_peer) <= 640);
	teardown();
}

/* Initiator side: the old current keypair moves to an allocated previous
 * one, stays found by its index until it expires, and is then freed. */
static void test_install_keeps_prev_until_expiry(void)
{
	struct zt_peer *p;
	struct zt_keypair kp;
	setup();
	p = zt_peer_get(node, T0, 0x1122334455ULL);
	if (p == NULL) {
		CHECK(p != NULL);
		teardown();
		return;
	}
	kp = make_kp(1, T0);
	CHECK(zt_peer_keypair_install(p, &kp));
	CHECK(!kp.valid); /* taken */
	CHECK(p->kp_cur.valid && p->kp_cur.local_index == 1);
	CHECK(p->kp_prev == NULL); /* nothing to keep */

	kp = make_kp(2, T0 + ZT_REKEY_AFTER_TIME);
	CHECK(zt_peer_keypair_install(p, &kp));
	CHECK_EQ(p->kp_cur.local_index, 2);
	CHECK(p->kp_prev != NULL);
	if (p->kp_prev != NULL)
		CHECK_EQ(p->kp_prev->local_index, 1);
	CHECK(zt_peer_keypair_by_index(p, 1) == p->kp_prev);
	CHECK(zt_peer_keypair_by_index(p, 2) == &p->kp_cur);
	CHECK(zt_peer_keypair_by_index(p, 3) == NULL);
	CHECK(zt_peer_send_keypair(p, T0 + ZT_REKEY_AFTER_TIME) == &p->kp_cur);

	/* just before the old keys' end: still there */
	zt_peer_keypairs_expire(p, T0 + ZT_REJECT_AFTER_TIME - 1);
	CHECK(zt_peer_keypair_by_index(p, 1) != NULL);
	/* at their end: wiped and freed; the current ones stay */
	zt_peer_keypairs_expire(p, T0 + ZT_REJECT_AFTER_TIME);
	CHECK(p->kp_prev == NULL);
	CHECK(zt_peer_keypair_by_index(p, 1) == NULL);
	CHECK(zt_peer_keypair_by_index(p, 2) == &p->kp_cur);
	/* a third rekey allocates again */
	kp = make_kp(3, T0 + 2 * ZT_REKEY_AFTER_TIME);
	CHECK(zt_peer_keypair_install(p, &kp));
	CHECK(p->kp_prev != NULL && p->kp_prev->local_index == 2);
	teardown();
}

/* Responder side: next is allocated, not used for sending, promoted on
 * confirmation (its block then holds the previous keys). */
static void test_next_promoted_on_confirmation(void)
{
	struct zt_peer *p;
	struct zt_keypair kp, *next;
	setup();
	p = zt_peer_get(node, T0, 0x1122334455ULL);
	if (p == NULL) {
		CHECK(p != NULL);
		teardown();
		return;
	}
	kp = make_kp(1, T0);
	CHECK(zt_peer_keypair_install(p, &kp));
	next = zt_peer_keypair_next(p);
	CHECK(next != NULL && next == p->kp_next);
	if (next == NULL) {
		teardown();
		return;
	}
	*next = make_kp(5, T0 + 1000);
	next->initiator = false;
	next->confirmed = false;
	CHECK(zt_peer_keypair_by_index(p, 5) == next);
	/* not confirmed: the current keys are still the ones to send with */
	CHECK(zt_peer_send_keypair(p, T0 + 1000) == &p->kp_cur);
	CHECK_EQ(p->kp_cur.local_index, 1);
	zt_peer_keypair_promote(p);
	CHECK(p->kp_next == NULL);
	CHECK_EQ(p->kp_cur.local_index, 5);
	CHECK(p->kp_cur.confirmed);
	CHECK(p->kp_prev == next); /* the same block, now the old keys */
	CHECK_EQ(p->kp_prev->local_index, 1);
	CHECK(zt_peer_send_keypair(p, T0 + 1000) == &p->kp_cur);
	/* a next keypair that is never confirmed expires and is freed */
	next = zt_peer_keypair_next(p);
	CHECK(next != NULL);
	if (next != NULL)
		*next = make_kp(6, T0 + 2000);
	zt_peer_keypairs_expire(p, T0 + 2000 + ZT_REJECT_AFTER_TIME);
	CHECK(p->kp_next == NULL && p->kp_prev == NULL && !p->kp_cur.valid);
	/* wiping everything frees everything */
	next = zt_peer_keypair_next(p);
	CHECK(next != NULL);
	zt_peer_keypairs_wipe(p);
	CHECK(p->kp_next == NULL && p->kp_prev == NULL);
	teardown();
}

/* Paths: one slot per path found, up to ZT_PEER_MAX_PATHS; then the least
 * useful is replaced; forgotten paths are compacted away and reused. */
static void test_paths_grow_and_trim(void)
{
	struct zt_peer *p;
	struct zt_endpoint ep;
	setup();
	p = zt_peer_get(node, T0, 0x1122334455ULL);
	if (p == NULL) {
		CHECK(p != NULL);
		teardown();
		return;
	}
	for (int i = 0; i < ZT_PEER_MAX_PATHS; i++) {
		ep_n(&ep, i);
		zt_peer_learn_path(node, p, T0 + i, 1, &ep, 0, 64);
		CHECK_EQ(p->npaths, i + 1);
	}
	for (int i = 0; i < ZT_PEER_MAX_PATHS; i++) {
		ep_n(&ep, i);
		CHECK(p->paths[i].used && zt_endpoint_eq(&p->paths[i].ep, &ep));
	}
	/* a known endpoint is refreshed, not added */
	ep_n(&ep, 3);
	zt_peer_learn_path(node, p, T0 + 100, 1, &ep, 0, 64);
	CHECK_EQ(p->npaths, ZT_PEER_MAX_PATHS);
	CHECK_EQ(p->paths[3].last_rx, T0 + 100);
	/* a ninth replaces the one heard longest ago (index 0) */
	ep_n(&ep, 20);
	zt_peer_learn_path(node, p, T0 + 200, 1, &ep, 0, 64);
	CHECK_EQ(p->npaths, ZT_PEER_MAX_PATHS);
	CHECK(zt_endpoint_eq(&p->paths[0].ep, &ep));
	/* forget 0, 2 and 7: the rest keep their order */
	memset(&p->paths[0], 0, sizeof p->paths[0]);
	memset(&p->paths[2], 0, sizeof p->paths[2]);
	memset(&p->paths[7], 0, sizeof p->paths[7]);
	zt_peer_paths_trim(p);
	CHECK_EQ(p->npaths, 5);
	{
		int want[5] = {1, 3, 4, 5, 6};
		for (int i = 0; i < 5; i++) {
			ep_n(&ep, want[i]);
			CHECK(p->paths[i].used && zt_endpoint_eq(&p->paths[i].ep, &ep));
		}
	}
	CHECK_EQ(p->paths[1].last_rx, T0 + 100);
	/* a new path grows the array again */
	ep_n(&ep, 30);
	CHECK(zt_peer_add_candidate(node, p, T0 + 300, &ep) != NULL);
	CHECK_EQ(p->npaths, 6);
	/* learnt paths carry traffic once validated (an answered challenge) */
	CHECK(zt_peer_best_path(node, p, T0 + 300) == NULL);
	p->paths[1].validated = true;
	CHECK(zt_peer_best_path(node, p, T0 + 300) == &p->paths[1]);
	/* all forgotten: no array at all */
	for (int i = 0; i < p->npaths; i++)
		memset(&p->paths[i], 0, sizeof p->paths[i]);
	zt_peer_paths_trim(p);
	CHECK(p->paths == NULL && p->npaths == 0);
	CHECK(zt_peer_best_path(node, p, T0 + 300) == NULL);
	teardown();
}

/* Roots: a registered node's LAN endpoints and mappings, sized by need. */
static void test_eps_sized_by_need(void)
{
	struct zt_peer *p;
	struct zt_endpoint l[2], m[1];
	setup();
	p = zt_peer_get(node, T0, 0x1122334455ULL);
	if (p == NULL) {
		CHECK(p != NULL);
		teardown();
		return;
	}
	ep_n(&l[0], 1);
	ep_n(&l[1], 2);
	ep_n(&m[0], 3);
	allocs = 0;
	CHECK(zt_peer_set_eps(p, l, 2, m, 1));
	CHECK(allocs > 0); /* the counter does count (for the check below) */
	CHECK(p->eps != NULL);
	if (p->eps != NULL) {
		CHECK_EQ(p->eps->nlocals, 2);
		CHECK_EQ(p->eps->nmapped, 1);
		CHECK(zt_endpoint_eq(&p->eps->ep[1], &l[1]));
		CHECK(zt_endpoint_eq(&p->eps->ep[2], &m[0]));
	}
	/* the same count again (every REGISTER): no new allocation */
	allocs = 0;
	CHECK(zt_peer_set_eps(p, m, 1, l, 2));
	CHECK_EQ(allocs, 0);
	CHECK(p->eps != NULL && p->eps->nlocals == 1 && p->eps->nmapped == 2);
	CHECK(zt_peer_set_eps(p, l, 0, m, 0));
	CHECK(p->eps == NULL);
	teardown();
}

/* Out of memory: nothing is kept, it is counted, nothing breaks. */
static void test_allocation_failures(void)
{
	struct zt_peer *p;
	struct zt_endpoint ep;
	struct zt_keypair kp;
	uint64_t before;
	setup();
	p = zt_peer_get(node, T0, 0x1122334455ULL);
	if (p == NULL) {
		CHECK(p != NULL);
		teardown();
		return;
	}
	before = zt_node_counter(node, ZT_CTR_NO_MEMORY);
	fail_alloc = true;
	/* a path cannot be learnt: counted, the peer has none */
	ep_n(&ep, 1);
	zt_peer_learn_path(node, p, T0, 1, &ep, 0, 64);
	CHECK(p->npaths == 0 && p->paths == NULL);
	CHECK_EQ(zt_node_counter(node, ZT_CTR_NO_MEMORY), before + 1);
	CHECK(zt_peer_add_candidate(node, p, T0, &ep) == NULL);
	CHECK(zt_peer_add_path(node, p, T0, 1, &ep) == NULL);
	/* no next keypair for the responder */
	CHECK(zt_peer_keypair_next(p) == NULL);
	/* the initiator's new keys are installed; the old ones cannot be kept */
	fail_alloc = false;
	kp = make_kp(1, T0);
	CHECK(zt_peer_keypair_install(p, &kp));
	fail_alloc = true;
	kp = make_kp(2, T0 + 1);
	CHECK(!zt_peer_keypair_install(p, &kp));
	CHECK(p->kp_prev == NULL);
	CHECK_EQ(p->kp_cur.local_index, 2);
	CHECK(zt_peer_keypair_by_index(p, 1) == NULL);
	/* no LAN endpoints kept */
	CHECK(!zt_peer_set_eps(p, &ep, 1, NULL, 0));
	CHECK(p->eps == NULL);
	/* no new peer, no root link */
	CHECK(zt_peer_get(node, T0, 0x1122334466ULL) == NULL);
	CHECK(!zt_peer_root_link(p));
	/* with a path array full, a failing growth is no failure at all */
	fail_alloc = false;
	for (int i = 0; i < 3; i++) {
		ep_n(&ep, i);
		zt_peer_learn_path(node, p, T0 + i, 1, &ep, 0, 64);
	}
	CHECK_EQ(p->npaths, 3);
	fail_alloc = true;
	before = zt_node_counter(node, ZT_CTR_NO_MEMORY);
	ep_n(&ep, 9);
	zt_peer_learn_path(node, p, T0 + 10, 1, &ep, 0, 64);
	CHECK_EQ(p->npaths, 3); /* could not grow: the oldest was replaced */
	CHECK(zt_endpoint_eq(&p->paths[0].ep, &ep));
	CHECK_EQ(zt_node_counter(node, ZT_CTR_NO_MEMORY), before + 1);
	/* trimming with a failing realloc keeps the old array */
	memset(&p->paths[2], 0, sizeof p->paths[2]);
	zt_peer_paths_trim(p);
	CHECK(p->paths != NULL);
	CHECK_EQ(p->npaths, 2);
	CHECK(p->paths[0].used && p->paths[1].used);
	fail_alloc = false;
	teardown();
}

/* A peer last heard at `heard` (0: never; made at `made`). */
static struct zt_peer *peer_at(uint64_t a, int64_t made, int64_t heard)
{
	struct zt_peer *p = zt_peer_get(node, made, a);
	CHECK(p != NULL);
	if (p != NULL)
		p->last_rx = heard;
	return p;
}

/* Full table: the peer authenticated least recently goes (never heard:
 * since it was made), one at a time, in that order; one heard again since
 * the candidates were gathered is skipped; a root never goes. */
static void test_evict_least_recently_authenticated(void)
{
	struct zt_peer *p;

	setup();
	node->max_peers = node->peer_count + 5;
	(void)peer_at(0x1000000001ULL, T0, T0 + 4000);
	(void)peer_at(0x1000000002ULL, T0, T0 + 1000);
	(void)peer_at(0x1000000003ULL, T0, T0 + 3000);
	(void)peer_at(0x1000000004ULL, T0 + 2000, 0);
	p = peer_at(0x1000000005ULL, T0, T0 + 500);
	p->is_root = true;
	/* Without eviction, a full table refuses. */
	CHECK(zt_peer_get(node, T0 + 5000, 0x2000000001ULL) == NULL);

	CHECK(zt_peer_get_evict(node, T0 + 5000, 0x2000000001ULL) != NULL);
	CHECK(zt_peer_find(node, 0x1000000002ULL) == NULL);
	CHECK_EQ(zt_node_counter(node, ZT_CTR_PEER_EVICTED), 1);
	CHECK(zt_peer_get_evict(node, T0 + 5000, 0x2000000002ULL) != NULL);
	CHECK(zt_peer_find(node, 0x1000000004ULL) == NULL);
	/* 3 was next, but it was heard from since: 1 is older now. */
	zt_peer_find(node, 0x1000000003ULL)->last_rx = T0 + 6000;
	CHECK(zt_peer_get_evict(node, T0 + 6000, 0x2000000003ULL) != NULL);
	CHECK(zt_peer_find(node, 0x1000000001ULL) == NULL);
	CHECK(zt_peer_find(node, 0x1000000003ULL) != NULL);
	CHECK(zt_peer_find(node, 0x1000000005ULL) != NULL); /* the root */
	CHECK_EQ(zt_node_counter(node, ZT_CTR_PEER_EVICTED), 3);
	CHECK_EQ(node->peer_count, node->max_peers);
	/* A peer we know is found, never makes room. */
	CHECK(zt_peer_get_evict(node, T0 + 6000, 0x2000000003ULL) != NULL);
	CHECK_EQ(zt_node_counter(node, ZT_CTR_PEER_EVICTED), 3);
	teardown();
}

/* A member of a network we are in, and the controller of one, stay
 * however long they were silent; when only such peers are left the table
 * refuses newcomers. */
static void test_evict_keeps_members(void)
{
	const uint64_t adhoc = 0xff00000000000042ULL, managed = 0x1234567890000001ULL;
	struct zt_network *net = NULL;
	struct zt_host host;

	memset(&host, 0, sizeof host);
	host.version = ZT_HOST_VERSION;
	host.random = h_random;
	test_rng_seed(&rng, 8);
	CHECK_EQ(zt_identity_generate(&id, test_rng_bytes, &rng), ZT_OK);
	CHECK_EQ(zt_node_new(&node, &host, &id, 0, T0), ZT_OK);
	CHECK_EQ(zt_node_join(node, T0, adhoc), ZT_OK);
	CHECK_EQ(zt_node_join(node, T0, managed), ZT_OK);
	for (unsigned i = 0; i < ZT_MAX_NETWORKS; i++)
		if (node->networks[i].used && node->networks[i].nwid == adhoc)
			net = &node->networks[i];
	CHECK(net != NULL);
	if (net == NULL)
		goto out;
	(void)peer_at(0x1000000001ULL, T0, T0 + 100); /* a member */
	CHECK(zt_switch_add_member(net, 0x1000000001ULL, T0, NULL) != NULL);
	(void)peer_at(zt_nwid_controller(managed), T0, T0 + 200);
	(void)peer_at(0x1000000003ULL, T0, T0 + 300); /* a stranger */
	node->max_peers = node->peer_count;

	CHECK(zt_peer_get_evict(node, T0 + 1000, 0x2000000001ULL) != NULL);
	CHECK(zt_peer_find(node, 0x1000000003ULL) == NULL);
	CHECK(zt_peer_find(node, 0x1000000001ULL) != NULL);
	CHECK(zt_peer_find(node, zt_nwid_controller(managed)) != NULL);
	/* The newcomer is a stranger too; after it, nobody may go. */
	CHECK(zt_peer_get_evict(node, T0 + 2000, 0x2000000002ULL) != NULL);
	CHECK(zt_peer_find(node, 0x2000000001ULL) == NULL);
	CHECK(zt_switch_add_member(net, 0x2000000002ULL, T0 + 2000, NULL) != NULL);
	CHECK(zt_peer_get_evict(node, T0 + 3000, 0x2000000003ULL) == NULL);
	CHECK_EQ(zt_node_counter(node, ZT_CTR_PEER_EVICTED), 2);
out:
	teardown();
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(test_fresh_peer_is_small);
	RUN(test_install_keeps_prev_until_expiry);
	RUN(test_prev_dropped_once_superseded);
	RUN(test_next_promoted_on_confirmation);
	RUN(test_paths_grow_and_trim);
	RUN(test_eps_sized_by_need);
	RUN(test_allocation_failures);
	RUN(test_evict_least_recently_authenticated);
	RUN(test_evict_keeps_members);
	TEST_EXIT();
}
