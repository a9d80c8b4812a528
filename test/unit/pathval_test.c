/* SPDX-License-Identifier: MIT */
/*
 * pathval_test.c - path validation (doc/PROTOCOL.md §8 "Path
 * validation"), seen from outside a member node: the test plays a peer
 * with the core's own primitives (Noise handshake, DATA seal/open) and
 * reads the member's wire.  A peer with a session that forges its UDP
 * source makes the member send the forged endpoint no more bytes than
 * claimed to come from it, and no traffic; a peer that really moved is
 * challenged at once and, once it answers, gets its traffic at the new
 * endpoint.
 */
#include <sodium.h>
#include <string.h>

#include "cookie.h"
#include "identity.h"
#include "node.h"
#include "noise.h"
#include "peer.h"
#include "replay.h"
#include "send.h"
#include "session.h"
#include "test.h"
#include "util.h"
#include "wire.h"

#define T0       1700000000000LL
#define SENT_MAX 1024

struct sent {
	struct zt_endpoint to;
	size_t len;
	uint8_t data[ZT_UDP_MAX];
};

static struct sent sent[SENT_MAX];
static unsigned nsent;
static struct test_rng node_rng;

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
	test_rng_bytes(&node_rng, buf, len);
}

static struct zt_identity node_id, leaf_id;
static struct zt_keypair leaf_kp;
static struct zt_node *node;
static int64_t now;

static struct zt_endpoint ep4(uint8_t last, uint16_t port)
{
	struct zt_endpoint e;
	memset(&e, 0, sizeof e);
	e.family = 4;
	e.ip[0] = 198;
	e.ip[1] = 51;
	e.ip[2] = 100;
	e.ip[3] = last;
	e.port = port;
	return e;
}

static void wire(const struct zt_endpoint *from, const uint8_t *pkt, size_t len)
{
	int64_t dl;
	CHECK_EQ(zt_node_process_wire(node, now, 1, from, pkt, len, &dl), ZT_OK);
}

/* The leaf's handshake with the node from `from`, then a keepalive with
 * the new keys (which validates `from`: it got our HS_RESP there). */
static bool connect_leaf(const struct zt_endpoint *from)
{
	uint8_t pkt[ZT_HS_INIT_LEN], e_seed[32], payload[ZT_NOISE_INIT_PAYLOAD], key[32];
	uint8_t rpay[ZT_NOISE_RESP_PAYLOAD], k1[32], k2[32], msg = ZT_MSG_KEEPALIVE;
	uint8_t data[64];
	struct zt_hdr hd = {ZT_PT_HS_INIT, 0, node_id.address, leaf_id.address};
	struct zt_noise_hs hs;
	size_t mac1_off = ZT_HS_INIT_LEN - 2 * ZT_MAC_LEN;
	uint32_t idx = 0x4242;
	unsigned before = nsent;

	memset(e_seed, 7, sizeof e_seed);
	zt_put_u64(payload, (uint64_t)now);
	zt_put_u32(payload + 8, 0);
	zt_wire_hdr_encode(pkt, &hd);
	zt_put_u32(pkt + ZT_HDR_LEN, idx);
	if (zt_noise_init_create(&hs, &leaf_id, node_id.pk, e_seed, payload,
	                         pkt + ZT_HDR_LEN + 4) != ZT_OK)
		return false;
	zt_cookie_mac1_key(key, node_id.pk);
	zt_cookie_mac(pkt + mac1_off, key, 32, pkt, mac1_off);
	memset(pkt + mac1_off + 16, 0, 16);
	wire(from, pkt, sizeof pkt);
	for (unsigned i = before; i < nsent; i++) {
		struct sent *s = &sent[i % SENT_MAX];
		if (s->len != ZT_HS_RESP_LEN || (s->data[0] & 15) != ZT_PT_HS_RESP)
			continue;
		if (zt_noise_resp_consume(&hs, &leaf_id, s->data + ZT_HDR_LEN + 8, rpay) != ZT_OK)
			return false;
		zt_noise_split(&hs, k1, k2);
		memset(&leaf_kp, 0, sizeof leaf_kp);
		leaf_kp.valid = true;
		leaf_kp.local_index = idx;
		leaf_kp.remote_index = zt_get_u32(s->data + ZT_HDR_LEN);
		memcpy(leaf_kp.send_key, k1, 32);
		memcpy(leaf_kp.recv_key, k2, 32);
		zt_replay_init(&leaf_kp.replay);
		wire(from, data,
		     zt_session_seal(&leaf_kp, node_id.address, leaf_id.address, &msg, 1, data));
		return true;
	}
	return false;
}

/* An inner message from the leaf, from any source it claims; its size on
 * the wire. */
static size_t send_from(const struct zt_endpoint *from, const uint8_t *msg, size_t len)
{
	uint8_t pkt[ZT_UDP_MAX];
	size_t n = zt_session_seal(&leaf_kp, node_id.address, leaf_id.address, msg, len, pkt);
	wire(from, pkt, n);
	return n;
}

/* Bytes the node sent to `to` since datagram `since`. */
static size_t bytes_to(const struct zt_endpoint *to, unsigned since)
{
	size_t total = 0;
	for (unsigned i = since; i < nsent; i++)
		if (zt_endpoint_eq(&sent[i % SENT_MAX].to, to))
			total += sent[i % SENT_MAX].len;
	return total;
}

/* The next inner message of `type` the node sent the leaf since `*pos`. */
static size_t recv_msg(unsigned *pos, uint8_t type, uint8_t *out, struct zt_endpoint *to)
{
	for (; *pos < nsent; (*pos)++) {
		struct sent *s = &sent[*pos % SENT_MAX];
		size_t len = 0;
		if ((s->data[0] & 15) != ZT_PT_DATA || zt_get_u40(s->data + 2) != leaf_id.address)
			continue;
		if (zt_session_open(&leaf_kp, s->data, s->len, out, &len) != ZT_OK)
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

/* Where a message the node sends the leaf now goes (KEEPALIVE). */
static bool next_send_goes_to(struct zt_endpoint *to)
{
	uint8_t ka = ZT_MSG_KEEPALIVE, out[64];
	unsigned pos = nsent;
	struct zt_peer *p = zt_peer_find(node, leaf_id.address);
	if (p == NULL || zt_send_msg(node, now, p, &ka, 1) != ZT_OK)
		return false;
	return recv_msg(&pos, ZT_MSG_KEEPALIVE, out, to) == 1;
}

static void setup(void)
{
	struct test_rng rng;
	struct zt_host host;

	test_rng_seed(&rng, 91);
	CHECK_EQ(zt_identity_generate(&node_id, test_rng_bytes, &rng), ZT_OK);
	CHECK_EQ(zt_identity_generate(&leaf_id, test_rng_bytes, &rng), ZT_OK);
	test_rng_seed(&node_rng, 92);
	memset(&host, 0, sizeof host);
	host.version = ZT_HOST_VERSION;
	host.wire_send = h_send;
	host.random = h_random;
	now = T0;
	CHECK_EQ(zt_node_new(&node, &host, &node_id, 0, now), ZT_OK);
	CHECK_EQ(zt_node_add_socket(node, 1, 4), ZT_OK);
}

/*
 * A peer with a session sends ECHOs, keepalives and larger messages from a
 * victim's endpoint.  The member answers there no more than came (an ECHO
 * answered at all only without the reflected endpoint), and its traffic
 * for the peer keeps going where the peer proved it receives.
 */
static void test_forged_source(void)
{
	struct zt_endpoint home = ep4(10, 9993), victim = ep4(77, 9), to;
	uint8_t echo[13] = {ZT_MSG_ECHO}, big[200], ka = ZT_MSG_KEEPALIVE;
	unsigned since = nsent;
	size_t in = 0, out;

	CHECK(connect_leaf(&home));
	CHECK(next_send_goes_to(&to) && zt_endpoint_eq(&to, &home));
	memset(big, 0, sizeof big);
	big[0] = 0x7f; /* unknown: ignored, but authenticated */
	since = nsent;
	/* ECHOs alone: each asks for an answer larger than itself. */
	for (int i = 0; i < 20; i++) {
		now += 100;
		zt_put_u32(echo + 1, (uint32_t)i);
		in += send_from(&victim, echo, sizeof echo);
	}
	out = bytes_to(&victim, since);
	if (out > in)
		printf("  the member sent %zu bytes to the forged endpoint for %zu\n", out, in);
	CHECK(out <= in);
	CHECK(zt_node_counter(node, ZT_CTR_PATH_UNPROVEN) > 0);
	/* Then anything else authenticated from there. */
	for (int i = 0; i < 20; i++) {
		now += 100;
		in += send_from(&victim, &ka, 1);
		if (i % 5 == 0)
			in += send_from(&victim, big, sizeof big);
	}
	CHECK(bytes_to(&victim, since) <= in);
	/* Its traffic for the peer did not follow the forged source. */
	CHECK(next_send_goes_to(&to) && zt_endpoint_eq(&to, &home));
	/* An answer to the challenge that is not the challenge: nothing. */
	{
		uint8_t reply[13] = {ZT_MSG_ECHO_REPLY};
		memset(reply + 1, 0x5a, 12);
		send_from(&victim, reply, sizeof reply);
		CHECK(next_send_goes_to(&to) && zt_endpoint_eq(&to, &home));
	}
}

/*
 * The peer's NAT moved it: its next packet comes from a new endpoint.  The
 * member challenges it at once (within what came), the peer echoes the
 * challenge from there, and the member's traffic follows it.
 */
static void test_roaming(void)
{
	struct zt_endpoint home = ep4(10, 9993), moved = ep4(10, 41000), to;
	uint8_t msg[100], out[64];
	unsigned pos;
	size_t in, chal;

	now += 60000;
	CHECK(connect_leaf(&home));
	memset(msg, 0, sizeof msg);
	msg[0] = 0x7f;
	pos = nsent;
	in = send_from(&moved, msg, sizeof msg);
	chal = recv_msg(&pos, ZT_MSG_ECHO, out, &to);
	CHECK_EQ(chal, 13);
	CHECK(zt_endpoint_eq(&to, &moved));
	CHECK(bytes_to(&moved, 0) <= in);
	/* Not validated yet: traffic stays where it was. */
	CHECK(next_send_goes_to(&to) && zt_endpoint_eq(&to, &home));
	if (chal == 13) {
		out[0] = ZT_MSG_ECHO_REPLY;
		now += 30;
		send_from(&moved, out, 13);
	}
	CHECK(next_send_goes_to(&to) && zt_endpoint_eq(&to, &moved));
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(setup);
	RUN(test_forged_source);
	RUN(test_roaming);
	zt_node_free(node);
	TEST_EXIT();
}
