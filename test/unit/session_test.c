/* SPDX-License-Identifier: MIT */
/*
 * session_test.c - DATA packets: seal/open round trips, a known answer from
 * Python's ChaCha20Poly1305, what the AEAD covers (the outer header except
 * the hops a root rewrites, the receiver index, the counter), replay, and
 * that forgeries never move the replay window.
 */
#include <sodium.h>
#include <string.h>

#include "replay.h"
#include "session.h"
#include "test.h"
#include "util.h"
#include "wire.h"

#define DST 0x0102030405ULL
#define SRC 0x0a0b0c0d0eULL

static void pair(struct zt_keypair *a, struct zt_keypair *b)
{
	memset(a, 0, sizeof *a);
	memset(b, 0, sizeof *b);
	for (int i = 0; i < 32; i++) {
		a->send_key[i] = b->recv_key[i] = (uint8_t)i;
		a->recv_key[i] = b->send_key[i] = (uint8_t)(0x80 + i);
	}
	a->valid = b->valid = true;
	a->remote_index = b->local_index = 0xdeadbeef;
	b->remote_index = a->local_index = 0x12345678;
	zt_replay_init(&a->replay);
	zt_replay_init(&b->replay);
}

static void test_known_answer(void)
{
	/* ChaCha20Poly1305(key=bytes(range(32))).encrypt(
	 *     nonce = 4 zero bytes + counter as u64 LE,
	 *     data = b"\x01hello, zt",
	 *     ad = header (hops 0) + receiver index u32 BE + counter u64 BE) */
	static const char want_hex[] = "140001020304050a0b0c0d0edeadbeef0000000000000005"
	                               "2260f366294a6b1ef1de8fa1750c47111854cb2f037d514dc279";
	static const uint8_t msg[] = "\x01hello, zt";
	struct zt_keypair a, b;
	uint8_t want[64], out[64], pt[64];
	size_t len, plen = 0;

	pair(&a, &b);
	a.send_counter = 5;
	len = zt_session_seal(&a, DST, SRC, msg, sizeof msg - 1, out);
	CHECK_EQ(len, ZT_DATA_OVERHEAD + sizeof msg - 1);
	CHECK_EQ(zt_hex_decode(want_hex, strlen(want_hex), want, len), ZT_OK);
	CHECK(memcmp(out, want, len) == 0);
	CHECK_EQ(a.send_counter, 6);
	CHECK_EQ(zt_session_open(&b, want, len, pt, &plen), ZT_OK);
	CHECK_EQ(plen, sizeof msg - 1);
	CHECK(memcmp(pt, msg, plen) == 0);
}

static void test_round_trip(void)
{
	static uint8_t msg[ZT_PACKET_MAX], out[ZT_PACKET_MAX + 64], pt[ZT_PACKET_MAX];
	struct zt_keypair a, b;
	struct test_rng rng;
	size_t sizes[] = {0, 1, 15, 16, 17, 1400, ZT_PACKET_MAX - ZT_DATA_OVERHEAD};

	pair(&a, &b);
	test_rng_seed(&rng, 3);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t len, plen = 99;
		struct zt_hdr h;
		test_rng_bytes(&rng, msg, sizes[i]);
		len = zt_session_seal(&a, DST, SRC, msg, sizes[i], out);
		CHECK_EQ(len, sizes[i] + ZT_DATA_OVERHEAD);
		CHECK(zt_wire_hdr_decode(&h, out, len));
		CHECK(h.type == ZT_PT_DATA && h.hops == 0 && h.dst == DST && h.src == SRC);
		CHECK_EQ(zt_get_u32(out + ZT_HDR_LEN), 0xdeadbeef);
		CHECK_EQ(zt_get_u64(out + ZT_HDR_LEN + 4), i);
		CHECK_EQ(zt_session_open(&b, out, len, pt, &plen), ZT_OK);
		CHECK_EQ(plen, sizes[i]);
		CHECK(memcmp(pt, msg, sizes[i]) == 0);
	}
	/* And the other direction with the other key. */
	{
		size_t len, plen;
		len = zt_session_seal(&b, SRC, DST, msg, 100, out);
		CHECK_EQ(zt_get_u32(out + ZT_HDR_LEN), 0x12345678);
		CHECK_EQ(zt_session_open(&a, out, len, pt, &plen), ZT_OK);
		/* A packet is not accepted by its own sender's receive key. */
		len = zt_session_seal(&a, DST, SRC, msg, 100, out);
		CHECK_EQ(zt_session_open(&a, out, len, pt, &plen), ZT_ECRYPTO);
	}
}

/* Open `pkt` with a copy of b, so each variant starts from the same window. */
static int try_open(const struct zt_keypair *b, const uint8_t *pkt, size_t len)
{
	struct zt_keypair c = *b;
	uint8_t pt[256];
	size_t plen;
	return zt_session_open(&c, pkt, len, pt, &plen);
}

static void test_ad_coverage(void)
{
	struct zt_keypair a, b;
	uint8_t msg[40], pkt[128], t[128];
	size_t len;
	int failures = 0;

	pair(&a, &b);
	memset(msg, 0x5a, sizeof msg);
	len = zt_session_seal(&a, DST, SRC, msg, sizeof msg, pkt);
	CHECK_EQ(try_open(&b, pkt, len), ZT_OK);

	/* A root changes the hops: still authentic (each hop count). */
	for (int hops = 0; hops <= ZT_HOPS_MASK; hops++) {
		memcpy(t, pkt, len);
		t[1] = (uint8_t)hops;
		CHECK_EQ(try_open(&b, t, len), ZT_OK);
	}
	/* Anything else a root (or anyone) changes is not: every bit of every
	 * byte but the three hops bits, header, index, counter, ciphertext and
	 * tag alike. */
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			int r;
			if (i == 1 && bit < 3)
				continue;
			memcpy(t, pkt, len);
			t[i] ^= (uint8_t)(1 << bit);
			r = try_open(&b, t, len);
			if (r == ZT_OK) {
				printf("  accepted with bit %d of byte %zu flipped\n", bit, i);
				failures++;
			}
		}
	}
	CHECK_EQ(failures, 0);
	/* Specifically: a redirected (dst) or re-attributed (src) packet. */
	{
		struct zt_hdr h;
		memcpy(t, pkt, len);
		CHECK(zt_wire_hdr_decode(&h, t, len));
		h.dst = 0x0102030406ULL;
		zt_wire_hdr_encode(t, &h);
		CHECK_EQ(try_open(&b, t, len), ZT_ECRYPTO);
		h.dst = DST;
		h.src = 0x0a0b0c0d0fULL;
		zt_wire_hdr_encode(t, &h);
		CHECK_EQ(try_open(&b, t, len), ZT_ECRYPTO);
		h.src = SRC;
		h.hops = 2;
		zt_wire_hdr_encode(t, &h);
		CHECK_EQ(try_open(&b, t, len), ZT_OK);
	}
	/* Truncated or extended. */
	for (size_t l = 0; l < len; l++) {
		int r = try_open(&b, pkt, l);
		CHECK(r != ZT_OK);
		if (l < ZT_DATA_OVERHEAD)
			CHECK_EQ(r, ZT_EINVAL);
	}
	memcpy(t, pkt, len);
	t[len] = 0;
	CHECK_EQ(try_open(&b, t, len + 1), ZT_ECRYPTO);
}

static void test_replay(void)
{
	struct zt_keypair a, b;
	uint8_t msg[8] = {0}, pkts[3][64], pt[64];
	size_t len[3], plen;

	pair(&a, &b);
	for (int i = 0; i < 3; i++)
		len[i] = zt_session_seal(&a, DST, SRC, msg, sizeof msg, pkts[i]);
	CHECK_EQ(zt_session_open(&b, pkts[2], len[2], pt, &plen), ZT_OK);
	CHECK_EQ(zt_session_open(&b, pkts[2], len[2], pt, &plen), ZT_EINVAL);
	CHECK_EQ(zt_session_open(&b, pkts[0], len[0], pt, &plen), ZT_OK); /* reordered */
	CHECK_EQ(zt_session_open(&b, pkts[0], len[0], pt, &plen), ZT_EINVAL);
	/* A replay with the hops changed is still a replay. */
	pkts[0][1] = 1;
	CHECK_EQ(zt_session_open(&b, pkts[0], len[0], pt, &plen), ZT_EINVAL);
	CHECK_EQ(zt_session_open(&b, pkts[1], len[1], pt, &plen), ZT_OK);
	/* Far behind the window. */
	a.send_counter = 10000;
	len[0] = zt_session_seal(&a, DST, SRC, msg, sizeof msg, pkts[0]);
	CHECK_EQ(zt_session_open(&b, pkts[0], len[0], pt, &plen), ZT_OK);
	a.send_counter = 10000 - ZT_REPLAY_WINDOW;
	len[0] = zt_session_seal(&a, DST, SRC, msg, sizeof msg, pkts[0]);
	CHECK_EQ(zt_session_open(&b, pkts[0], len[0], pt, &plen), ZT_EINVAL);
	a.send_counter = 10000 - ZT_REPLAY_WINDOW + 1;
	len[0] = zt_session_seal(&a, DST, SRC, msg, sizeof msg, pkts[0]);
	CHECK_EQ(zt_session_open(&b, pkts[0], len[0], pt, &plen), ZT_OK);
}

/* A forged packet with a huge counter fails authentication and leaves the
 * window where it was: genuine packets keep flowing. */
static void test_forgery_does_not_move_window(void)
{
	struct zt_keypair a, b, before;
	uint8_t msg[8] = {1}, pkt[64], forged[64], pt[64];
	size_t len, plen;

	pair(&a, &b);
	len = zt_session_seal(&a, DST, SRC, msg, sizeof msg, pkt);
	memcpy(forged, pkt, len);
	zt_put_u64(forged + ZT_HDR_LEN + 4, 1000000);
	before = b;
	CHECK_EQ(zt_session_open(&b, forged, len, pt, &plen), ZT_ECRYPTO);
	CHECK_EQ(plen, 0);
	CHECK(memcmp(&before.replay, &b.replay, sizeof b.replay) == 0);
	CHECK_EQ(zt_session_open(&b, pkt, len, pt, &plen), ZT_OK);
	/* The counter UINT64_MAX is never accepted, even authentic. */
	a.send_counter = UINT64_MAX;
	len = zt_session_seal(&a, DST, SRC, msg, sizeof msg, pkt);
	CHECK_EQ(zt_session_open(&b, pkt, len, pt, &plen), ZT_EINVAL);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(test_known_answer);
	RUN(test_round_trip);
	RUN(test_ad_coverage);
	RUN(test_replay);
	RUN(test_forgery_does_not_move_window);
	TEST_EXIT();
}
