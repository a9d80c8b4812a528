/* SPDX-License-Identifier: MIT */
/*
 * relay_test.c - what a root does for others (node/relay.c), seen from
 * outside: the test plays two leaves with the core's own primitives (Noise
 * handshake, DATA seal/open) against a real root node, and reads the root's
 * replies off its wire.  Address reflection, relaying only for registered
 * sources and within the hop limit, WHOIS, RENDEZVOUS, the network
 * directory, and that the directory stays bounded per peer.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "identity.h"
#include "node.h"
#include "noise.h"
#include "peer.h"
#include "relay.h"
#include "replay.h"
#include "session.h"
#include "test.h"
#include "util.h"
#include "wire.h"

#define T0       1700000000000LL
#define SENT_MAX 4096

struct sent {
	struct zt_endpoint to;
	size_t len;
	uint8_t data[ZT_UDP_MAX];
};

static struct sent sent[SENT_MAX];
static unsigned nsent;
static struct test_rng root_rng;

static int h_send(void *ctx, int64_t sock, const struct zt_endpoint *to, const void *pkt,
                  size_t len)
{
	struct sent *s = &sent[nsent % SENT_MAX];
	(void)ctx;
	(void)sock;
	s->to = *to;
	s->len = len;
	memcpy(s->data, pkt, len);
	nsent++;
	return 0;
}

static void h_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	test_rng_bytes(&root_rng, buf, len);
}

/* A leaf played by the test. */
struct leaf {
	struct zt_identity id;
	struct zt_endpoint ep;
	struct zt_keypair kp;
	bool up;
};

static struct zt_identity root_id;
static struct leaf L[3];
static struct zt_node *root;
static int64_t now;

static void ep(struct zt_endpoint *e, int i, uint16_t port)
{
	memset(e, 0, sizeof *e);
	e->family = 4;
	e->ip[0] = 192;
	e->ip[2] = 2;
	e->ip[3] = (uint8_t)i;
	e->port = port;
}

static void wire(const struct zt_endpoint *from, const uint8_t *pkt, size_t len)
{
	int64_t dl;
	CHECK_EQ(zt_node_process_wire(root, now, 1, from, pkt, len, &dl), ZT_OK);
}

/* The leaf's handshake with the root (the root verifies its identity as on
 * first contact), then a keepalive so that the root may send. */
static bool connect_leaf(struct leaf *l, uint64_t ts)
{
	uint8_t pkt[ZT_HS_INIT_LEN], e_seed[32], payload[ZT_NOISE_INIT_PAYLOAD], key[32];
	uint8_t rpay[ZT_NOISE_RESP_PAYLOAD], k1[32], k2[32], msg = ZT_MSG_KEEPALIVE;
	uint8_t data[64];
	struct zt_hdr hd = {ZT_PT_HS_INIT, 0, root_id.address, l->id.address};
	struct zt_noise_hs hs;
	size_t mac1_off = ZT_HS_INIT_LEN - 2 * ZT_MAC_LEN;
	uint32_t idx = 0x100u + (uint32_t)l->ep.ip[3];
	unsigned before = nsent;

	l->up = false;
	memset(e_seed, l->ep.ip[3], sizeof e_seed);
	zt_put_u64(payload, ts);
	zt_put_u32(payload + 8, 0);
	zt_wire_hdr_encode(pkt, &hd);
	zt_put_u32(pkt + ZT_HDR_LEN, idx);
	if (zt_noise_init_create(&hs, &l->id, root_id.pk, e_seed, payload, pkt + ZT_HDR_LEN + 4) !=
	    ZT_OK)
		return false;
	zt_cookie_mac1_key(key, root_id.pk);
	zt_cookie_mac(pkt + mac1_off, key, 32, pkt, mac1_off);
	memset(pkt + mac1_off + 16, 0, 16);
	wire(&l->ep, pkt, sizeof pkt);
	for (unsigned i = before; i < nsent; i++) {
		struct sent *s = &sent[i % SENT_MAX];
		if (s->len != ZT_HS_RESP_LEN || (s->data[0] & 15) != ZT_PT_HS_RESP ||
		    zt_get_u32(s->data + ZT_HDR_LEN + 4) != idx)
			continue;
		CHECK(zt_endpoint_eq(&s->to, &l->ep));
		if (zt_noise_resp_consume(&hs, &l->id, s->data + ZT_HDR_LEN + 8, rpay) != ZT_OK)
			return false;
		zt_noise_split(&hs, k1, k2);
		memset(&l->kp, 0, sizeof l->kp);
		l->kp.valid = true;
		l->kp.local_index = idx;
		l->kp.remote_index = zt_get_u32(s->data + ZT_HDR_LEN);
		memcpy(l->kp.send_key, k1, 32);
		memcpy(l->kp.recv_key, k2, 32);
		zt_replay_init(&l->kp.replay);
		l->up = true;
		break;
	}
	if (!l->up)
		return false;
	wire(&l->ep, data, zt_session_seal(&l->kp, root_id.address, l->id.address, &msg, 1, data));
	return true;
}

static void send_msg(struct leaf *l, const uint8_t *msg, size_t len)
{
	uint8_t pkt[ZT_UDP_MAX];
	size_t n = zt_session_seal(&l->kp, root_id.address, l->id.address, msg, len, pkt);
	wire(&l->ep, pkt, n);
}

/* The next inner message of type `type` the root sent to leaf l since
 * datagram `*pos`; its length, or 0. */
static size_t recv_msg(struct leaf *l, unsigned *pos, uint8_t type, uint8_t *out,
                       struct zt_endpoint *to)
{
	for (; *pos < nsent; (*pos)++) {
		struct sent *s = &sent[*pos % SENT_MAX];
		size_t len = 0;
		if ((s->data[0] & 15) != ZT_PT_DATA || zt_get_u40(s->data + 2) != l->id.address)
			continue;
		if (zt_session_open(&l->kp, s->data, s->len, out, &len) != ZT_OK)
			continue;
		if (len > 0 && out[0] == type) {
			if (to != NULL)
				*to = s->to;
			(*pos)++;
			return len;
		}
	}
	return 0;
}

static void setup(void)
{
	struct test_rng rng;
	struct zt_host host;

	test_rng_seed(&rng, 77);
	CHECK_EQ(zt_identity_generate(&root_id, test_rng_bytes, &rng), ZT_OK);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(zt_identity_generate(&L[i].id, test_rng_bytes, &rng), ZT_OK);
		ep(&L[i].ep, 10 + i, 9993);
	}
	test_rng_seed(&root_rng, 78);
	memset(&host, 0, sizeof host);
	host.version = ZT_HOST_VERSION;
	host.wire_send = h_send;
	host.random = h_random;
	now = T0;
	CHECK_EQ(zt_node_new(&root, &host, &root_id, ZT_NODE_ROOT, now), ZT_OK);
	CHECK_EQ(zt_node_add_socket(root, 1, 4), ZT_OK);
	CHECK(connect_leaf(&L[0], (uint64_t)now));
	CHECK(connect_leaf(&L[1], (uint64_t)now));
}

static void test_register_reflection(void)
{
	uint8_t msg[9] = {ZT_MSG_REGISTER}, out[256];
	unsigned pos = nsent;
	struct zt_endpoint to, refl;
	size_t n;

	zt_put_u64(msg + 1, 0x1122334455667788ULL);
	send_msg(&L[0], msg, sizeof msg);
	n = recv_msg(&L[0], &pos, ZT_MSG_REGISTER_OK, out, &to);
	CHECK_EQ(n, 9 + 7);
	CHECK_EQ(zt_get_u64(out + 1), 0x1122334455667788ULL);
	CHECK_EQ(zt_endpoint_decode(&refl, out + 9, n - 9), 7);
	CHECK(zt_endpoint_eq(&refl, &L[0].ep));
	CHECK(zt_endpoint_eq(&to, &L[0].ep));
	/* From another port (NAT rebinding, or a forged source): the
	 * endpoint is not validated yet.  A short REGISTER's answer is larger
	 * than it: it goes to the validated endpoint, and still says where the
	 * REGISTER came from. */
	{
		struct zt_endpoint moved = L[0].ep;
		uint8_t pkt[256], padded[ZT_REGISTER_MIN], chal[64];
		size_t len, in;
		unsigned since = nsent, cpos;
		moved.port = 40000;
		len = zt_session_seal(&L[0].kp, root_id.address, L[0].id.address, msg, sizeof msg,
		                      pkt);
		wire(&moved, pkt, len);
		n = recv_msg(&L[0], &pos, ZT_MSG_REGISTER_OK, out, &to);
		CHECK_EQ(n, 16);
		CHECK(zt_endpoint_eq(&to, &L[0].ep));
		CHECK_EQ(zt_endpoint_decode(&refl, out + 9, n - 9), 7);
		CHECK(zt_endpoint_eq(&refl, &moved));
		in = len;
		/* A REGISTER padded as nodes send it pays for the root's
		 * challenge and its answer, both to the new endpoint. */
		memset(padded, 0, sizeof padded);
		memcpy(padded, msg, sizeof msg);
		len = zt_session_seal(&L[0].kp, root_id.address, L[0].id.address, padded,
		                      sizeof padded, pkt);
		wire(&moved, pkt, len);
		in += len;
		cpos = since;
		CHECK_EQ(recv_msg(&L[0], &cpos, ZT_MSG_ECHO, chal, &to), 13);
		CHECK(zt_endpoint_eq(&to, &moved));
		n = recv_msg(&L[0], &pos, ZT_MSG_REGISTER_OK, out, &to);
		CHECK_EQ(n, 16);
		CHECK(zt_endpoint_eq(&to, &moved));
		{
			size_t total = 0;
			for (unsigned i = since; i < nsent; i++)
				if (zt_endpoint_eq(&sent[i % SENT_MAX].to, &moved))
					total += sent[i % SENT_MAX].len;
			CHECK(total <= in);
		}
		/* The leaf answers the challenge from there, then moves back:
		 * a REGISTER from its old endpoint is answered there. */
		chal[0] = ZT_MSG_ECHO_REPLY;
		len = zt_session_seal(&L[0].kp, root_id.address, L[0].id.address, chal, 13, pkt);
		wire(&moved, pkt, len);
		send_msg(&L[0], padded, sizeof padded);
		n = recv_msg(&L[0], &pos, ZT_MSG_REGISTER_OK, out, &to);
		CHECK(zt_endpoint_eq(&to, &L[0].ep));
	}
}

/* An opaque packet from leaf 0 to leaf 1: roots relay without reading. */
static size_t opaque(uint8_t *pkt, uint64_t dst, uint64_t src, unsigned hops)
{
	struct zt_hdr h = {ZT_PT_DATA, (uint8_t)hops, dst, src};
	for (int i = 0; i < 60; i++)
		pkt[i] = (uint8_t)(i * 13);
	zt_wire_hdr_encode(pkt, &h);
	return 60;
}

static void test_relay(void)
{
	uint8_t pkt[64];
	unsigned before;
	uint64_t relayed = zt_node_counter(root, ZT_CTR_RELAYED);
	uint64_t bytes = zt_node_counter(root, ZT_CTR_RELAYED_BYTES);
	size_t len;

	/* From where leaf 0 was heard: forwarded to where leaf 1 was heard,
	 * hops + 1, nothing else changed. */
	len = opaque(pkt, L[1].id.address, L[0].id.address, 0);
	before = nsent;
	wire(&L[0].ep, pkt, len);
	CHECK_EQ(nsent, before + 1);
	if (nsent == before + 1) {
		struct sent *s = &sent[before % SENT_MAX];
		CHECK(zt_endpoint_eq(&s->to, &L[1].ep));
		CHECK_EQ(s->len, len);
		CHECK_EQ(s->data[1], 1);
		CHECK(s->data[0] == pkt[0] && memcmp(s->data + 2, pkt + 2, len - 2) == 0);
	}
	CHECK_EQ(zt_node_counter(root, ZT_CTR_RELAYED), relayed + 1);
	CHECK_EQ(zt_node_counter(root, ZT_CTR_RELAYED_BYTES), bytes + len);
	/* One more hop is allowed, then no more. */
	len = opaque(pkt, L[1].id.address, L[0].id.address, ZT_MAX_HOPS - 1);
	before = nsent;
	wire(&L[0].ep, pkt, len);
	CHECK_EQ(nsent, before + 1);
	CHECK_EQ(sent[before % SENT_MAX].data[1], ZT_MAX_HOPS);
	len = opaque(pkt, L[1].id.address, L[0].id.address, ZT_MAX_HOPS);
	before = nsent;
	wire(&L[0].ep, pkt, len);
	CHECK_EQ(nsent, before);
	/* A spoofed source: not from where leaf 0 was heard. */
	{
		struct zt_endpoint spoof;
		ep(&spoof, 99, 9993);
		len = opaque(pkt, L[1].id.address, L[0].id.address, 0);
		before = nsent;
		wire(&spoof, pkt, len);
		CHECK_EQ(nsent, before);
	}
	/* An unregistered source or destination. */
	len = opaque(pkt, L[1].id.address, L[2].id.address, 0);
	before = nsent;
	wire(&L[2].ep, pkt, len);
	CHECK_EQ(nsent, before);
	len = opaque(pkt, L[2].id.address, L[0].id.address, 0);
	wire(&L[0].ep, pkt, len);
	CHECK_EQ(nsent, before);
}

static void test_whois(void)
{
	uint8_t msg[6] = {ZT_MSG_WHOIS}, out[256];
	unsigned pos = nsent;
	size_t n;
	struct zt_endpoint e;

	zt_put_u40(msg + 1, L[1].id.address);
	send_msg(&L[0], msg, sizeof msg);
	n = recv_msg(&L[0], &pos, ZT_MSG_WHOIS_OK, out, NULL);
	CHECK(n >= 39);
	CHECK_EQ(zt_get_u40(out + 1), L[1].id.address);
	CHECK(memcmp(out + 6, L[1].id.pk, 32) == 0);
	CHECK(out[38] >= 1);
	CHECK_EQ(zt_endpoint_decode(&e, out + 39, n - 39), 7);
	CHECK(zt_endpoint_eq(&e, &L[1].ep));
	/* Someone it does not know. */
	zt_put_u40(msg + 1, L[2].id.address);
	send_msg(&L[0], msg, sizeof msg);
	n = recv_msg(&L[0], &pos, ZT_MSG_WHOIS_NONE, out, NULL);
	CHECK_EQ(n, 6);
	CHECK_EQ(zt_get_u40(out + 1), L[2].id.address);
}

static void test_rendezvous(void)
{
	uint8_t msg[6] = {ZT_MSG_RENDEZVOUS_REQ}, out[256];
	unsigned p0 = nsent, p1 = nsent;
	struct zt_endpoint e;
	size_t n;

	now += 2000;
	zt_put_u40(msg + 1, L[1].id.address);
	send_msg(&L[0], msg, sizeof msg);
	/* Each side learns where the other is. */
	n = recv_msg(&L[0], &p0, ZT_MSG_RENDEZVOUS, out, NULL);
	CHECK(n >= 7 + 7);
	CHECK_EQ(zt_get_u40(out + 1), L[1].id.address);
	CHECK(zt_endpoint_decode(&e, out + 7, n - 7) == 7 && zt_endpoint_eq(&e, &L[1].ep));
	n = recv_msg(&L[1], &p1, ZT_MSG_RENDEZVOUS, out, NULL);
	CHECK(n >= 7 + 7);
	CHECK_EQ(zt_get_u40(out + 1), L[0].id.address);
	CHECK(zt_endpoint_decode(&e, out + 7, n - 7) == 7 && zt_endpoint_eq(&e, &L[0].ep));
	/* At most ZT_RENDEZVOUS_PER_SEC introductions per requester per
	 * second (one is used above). */
	for (int i = 1; i < ZT_RENDEZVOUS_PER_SEC; i++) {
		send_msg(&L[0], msg, sizeof msg);
		CHECK(recv_msg(&L[0], &p0, ZT_MSG_RENDEZVOUS, out, NULL) > 0);
	}
	send_msg(&L[0], msg, sizeof msg);
	CHECK_EQ(recv_msg(&L[0], &p0, ZT_MSG_RENDEZVOUS, out, NULL), 0);
	now += 1000;
	send_msg(&L[0], msg, sizeof msg);
	CHECK(recv_msg(&L[0], &p0, ZT_MSG_RENDEZVOUS, out, NULL) > 0);
}

static void announce(struct leaf *l, const uint8_t h[8], bool leaving)
{
	uint8_t msg[10] = {ZT_MSG_NET_ANNOUNCE};
	memcpy(msg + 1, h, 8);
	msg[9] = leaving ? 1 : 0;
	send_msg(l, msg, sizeof msg);
}

static void test_directory(void)
{
	uint8_t h[8], out[ZT_PACKET_MAX];
	unsigned p0 = nsent, p1 = nsent;
	size_t n;

	zt_wire_nethash(0xff000000000000feULL, h);
	announce(&L[0], h, false);
	/* The first announcer hears of nobody else. */
	n = recv_msg(&L[0], &p0, ZT_MSG_NET_MEMBERS, out, NULL);
	CHECK_EQ(n, 11);
	CHECK(memcmp(out + 1, h, 8) == 0);
	CHECK_EQ(zt_get_u16(out + 9), 0);
	announce(&L[1], h, false);
	n = recv_msg(&L[1], &p1, ZT_MSG_NET_MEMBERS, out, NULL);
	CHECK_EQ(n, 16);
	CHECK_EQ(zt_get_u16(out + 9), 1);
	CHECK_EQ(zt_get_u40(out + 11), L[0].id.address);
	/* Leaving takes leaf 0 out. */
	announce(&L[0], h, true);
	announce(&L[1], h, false);
	n = recv_msg(&L[1], &p1, ZT_MSG_NET_MEMBERS, out, NULL);
	CHECK_EQ(n, 11);
	/* Announcements expire unless refreshed. */
	announce(&L[0], h, false);
	now += ZT_NET_MEMBER_EXPIRE + 1000;
	{
		int64_t dl;
		zt_node_process_background(root, now, &dl);
	}
	CHECK(connect_leaf(&L[1], (uint64_t)now)); /* its session may have aged */
	p1 = nsent;
	announce(&L[1], h, false);
	n = recv_msg(&L[1], &p1, ZT_MSG_NET_MEMBERS, out, NULL);
	CHECK_EQ(n, 11);
}

static size_t dir_entries(const struct zt_node *n)
{
	size_t count = 0;
	if (n->dir == NULL)
		return 0;
	for (size_t b = 0; b < n->dir_buckets; b++)
		for (const struct zt_dir_net *d = n->dir[b]; d != NULL; d = d->next)
			count++;
	return count;
}

/*
 * A node joins at most ZT_MAX_NETWORKS networks, so a root needs to keep
 * no more announcements than that per peer.  Without a bound, one
 * registered peer sending NET_ANNOUNCEs with fresh hashes grows the root's
 * directory without limit (each entry a calloc plus a member array, for
 * ZT_NET_MEMBER_EXPIRE), and its fixed 1024 hash buckets turn into long
 * chains that every announce walks.
 */
static void test_directory_bounded_per_peer(void)
{
	size_t before, after;
	CHECK(connect_leaf(&L[0], (uint64_t)now + 1));
	before = dir_entries(root);
	for (uint64_t i = 0; i < 4 * ZT_MAX_NETWORKS; i++) {
		uint8_t h[8];
		zt_put_u64(h, 0x5eed000000000000ULL + i);
		announce(&L[0], h, false);
	}
	after = dir_entries(root);
	if (after - before > ZT_MAX_NETWORKS)
		printf("  one peer made %zu directory entries\n", after - before);
	CHECK(after - before <= ZT_MAX_NETWORKS);
	/* ... and up to the bound they were kept (the root did read them). */
	CHECK_EQ(after - before, ZT_MAX_NETWORKS);
}

/*
 * A full network's directory makes room by dropping the announcement
 * heard longest ago, and that peer's count of announced networks goes down
 * with it: otherwise a peer evicted 64 times would be ignored on every
 * network for good.
 */
static void test_directory_eviction_uncounts(void)
{
	uint8_t h[8];
	struct zt_dir_net *d;
	struct zt_peer *p0;
	unsigned before;

	/* The earlier tests' announcements expire first. */
	now += ZT_NET_MEMBER_EXPIRE + 1000;
	{
		int64_t dl;
		zt_node_process_background(root, now, &dl);
	}
	CHECK(connect_leaf(&L[0], (uint64_t)now));
	CHECK(connect_leaf(&L[1], (uint64_t)now));
	zt_wire_nethash(0xff000000000000fdULL, h);
	announce(&L[0], h, false);
	p0 = zt_peer_find(root, L[0].id.address);
	d = NULL;
	for (size_t b = 0; root->dir != NULL && b < root->dir_buckets; b++)
		for (struct zt_dir_net *x = root->dir[b]; x != NULL; x = x->next)
			if (memcmp(x->nethash, h, 8) == 0)
				d = x;
	if (p0 == NULL || d == NULL || d->count != 1) {
		CHECK(p0 != NULL && d != NULL && d->count == 1);
		return;
	}
	before = p0->dir_count;
	/* Fill it with announcements newer than leaf 0's (others' nodes). */
	now += 10;
	{
		struct zt_member *m = realloc(d->members, ZT_NET_MAX_MEMBERS * sizeof *m);
		if (m == NULL)
			return;
		d->members = m;
		d->cap = ZT_NET_MAX_MEMBERS;
		for (unsigned i = 1; i < ZT_NET_MAX_MEMBERS; i++) {
			memset(&m[i], 0, sizeof m[i]);
			m[i].address = 0x7700000000ULL + i;
			m[i].last_seen = now;
		}
		d->count = ZT_NET_MAX_MEMBERS;
	}
	announce(&L[1], h, false); /* takes leaf 0's place */
	CHECK_EQ(d->count, ZT_NET_MAX_MEMBERS);
	CHECK_EQ(p0->dir_count, before - 1);
	announce(&L[0], h, false); /* back in: counted once */
	CHECK_EQ(p0->dir_count, before);
}

/*
 * NET_ANNOUNCE and WHOIS cost a root a lookup and messages: a registered
 * node gets a burst and then a steady rate of each, the rest is dropped
 * and counted.
 */
static void test_rate_limits(void)
{
	uint8_t h[8], msg[6] = {ZT_MSG_WHOIS}, out[ZT_PACKET_MAX];
	unsigned pos, got = 0;
	uint64_t limited = zt_node_counter(root, ZT_CTR_RATE_LIMITED);

	now += 3600000;
	CHECK(connect_leaf(&L[0], (uint64_t)now));
	CHECK(connect_leaf(&L[1], (uint64_t)now));
	zt_wire_nethash(0xff000000000000fcULL, h);
	pos = nsent;
	for (int i = 0; i < 500; i++)
		announce(&L[0], h, false);
	while (recv_msg(&L[0], &pos, ZT_MSG_NET_MEMBERS, out, NULL) > 0)
		got++;
	if (got > 100)
		printf("  %u NET_MEMBERS for 500 NET_ANNOUNCE at once\n", got);
	CHECK(got >= ZT_MAX_NETWORKS && got <= 100);
	/* A second later: a few more. */
	now += 1000;
	got = 0;
	for (int i = 0; i < 50; i++)
		announce(&L[0], h, false);
	while (recv_msg(&L[0], &pos, ZT_MSG_NET_MEMBERS, out, NULL) > 0)
		got++;
	CHECK(got >= 1 && got <= 10);
	/* WHOIS likewise. */
	zt_put_u40(msg + 1, L[0].id.address);
	pos = nsent;
	got = 0;
	for (int i = 0; i < 2000; i++)
		send_msg(&L[1], msg, sizeof msg);
	while (recv_msg(&L[1], &pos, ZT_MSG_WHOIS_OK, out, NULL) > 0)
		got++;
	if (got > 300)
		printf("  %u WHOIS_OK for 2000 WHOIS at once\n", got);
	CHECK(got >= 64 && got <= 300);
	CHECK(zt_node_counter(root, ZT_CTR_RATE_LIMITED) > limited);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(setup); /* a case of its own: its checks count */
	RUN(test_register_reflection);
	RUN(test_relay);
	RUN(test_whois);
	RUN(test_rendezvous);
	RUN(test_directory);
	RUN(test_directory_bounded_per_peer);
	RUN(test_directory_eviction_uncounts);
	RUN(test_rate_limits);
	zt_node_free(root);
	TEST_EXIT();
}
