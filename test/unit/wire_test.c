/* SPDX-License-Identifier: MIT */
/*
 * wire_test.c - the outer header codec (layout, hops masking, version and
 * reserved bits), the sizes wire.h documents, and the network hash pinned
 * to Python hashlib.blake2b.
 */
#include <sodium.h>
#include <string.h>

#include "test.h"
#include "util.h"
#include "wire.h"

static void test_sizes(void)
{
	/* The layouts in wire.h's comment, byte for byte. */
	CHECK_EQ(ZT_HDR_LEN, 12);
	CHECK_EQ(ZT_NOISE_INIT_LEN, 108);
	CHECK_EQ(ZT_NOISE_RESP_LEN, 52);
	CHECK_EQ(ZT_HS_INIT_LEN, 156);
	CHECK_EQ(ZT_HS_RESP_LEN, 104);
	CHECK_EQ(ZT_COOKIE_LEN, 72);
	CHECK_EQ(ZT_DATA_HDR_LEN, 24);
	CHECK_EQ(ZT_DATA_OVERHEAD, 40);
	CHECK_EQ(ZT_FRAG_HDR_LEN, 18);
	/* The largest packet must fit in ZT_FRAG_MAX fragments, and frames of
	 * the default MTU in the largest packet. */
	CHECK((size_t)ZT_FRAG_MAX * (ZT_UDP_MAX - ZT_FRAG_HDR_LEN) >= ZT_PACKET_MAX);
	CHECK(ZT_ETH_MAX + 9 + ZT_DATA_OVERHEAD <= ZT_PACKET_MAX);
	CHECK(ZT_MAX_HOPS <= ZT_HOPS_MASK);
}

static void test_layout(void)
{
	struct zt_hdr h = {ZT_PT_DATA, 3, 0x0102030405ULL, 0xa0b0c0d0e0ULL};
	uint8_t b[ZT_HDR_LEN];
	static const uint8_t want[ZT_HDR_LEN] = {0x14, 0x03, 0x01, 0x02, 0x03, 0x04,
	                                         0x05, 0xa0, 0xb0, 0xc0, 0xd0, 0xe0};
	zt_wire_hdr_encode(b, &h);
	CHECK(memcmp(b, want, sizeof want) == 0);
}

static void test_round_trip(void)
{
	struct test_rng rng;
	test_rng_seed(&rng, 1);
	for (int i = 0; i < 2000; i++) {
		uint8_t r[16], b[ZT_HDR_LEN + 4];
		struct zt_hdr h, d;
		test_rng_bytes(&rng, r, sizeof r);
		h.type = r[0] & 0x0f;
		h.hops = r[1] & ZT_HOPS_MASK;
		h.dst = zt_get_u40(r + 2);
		h.src = zt_get_u40(r + 7);
		zt_wire_hdr_encode(b, &h);
		CHECK(zt_wire_hdr_decode(&d, b, ZT_HDR_LEN));
		CHECK(d.type == h.type && d.hops == h.hops && d.dst == h.dst && d.src == h.src);
		CHECK_EQ(b[0] >> 4, ZT_WIRE_VERSION);
	}
}

static void test_masking(void)
{
	struct zt_hdr h = {0xff, 0xff, 0x0102030405ULL, 0x0607080910ULL}, d;
	uint8_t b[ZT_HDR_LEN], a[ZT_HDR_LEN];

	/* Out-of-range fields cannot spill into their neighbours. */
	zt_wire_hdr_encode(b, &h);
	CHECK_EQ(b[0], (ZT_WIRE_VERSION << 4) | 0x0f);
	CHECK_EQ(b[1], ZT_HOPS_MASK);
	h.dst = 0xffff0102030405ULL; /* more than 40 bits: the low 40 go out */
	zt_wire_hdr_encode(b, &h);
	CHECK(zt_wire_hdr_decode(&d, b, sizeof b));
	CHECK_EQ(d.dst, 0x0102030405ULL);

	/* The authenticated form zeroes the hops bits, nothing else. */
	for (int v = 0; v < 256; v++) {
		b[1] = (uint8_t)v;
		zt_wire_hdr_auth(a, b);
		CHECK_EQ(a[1], v & ~ZT_HOPS_MASK);
		CHECK(a[0] == b[0] && memcmp(a + 2, b + 2, ZT_HDR_LEN - 2) == 0);
	}
}

static void test_decode_rejects(void)
{
	struct zt_hdr h = {ZT_PT_HS_INIT, 1, 0x0102030405ULL, 0x0607080910ULL}, d;
	uint8_t b[ZT_HDR_LEN];

	zt_wire_hdr_encode(b, &h);
	for (size_t len = 0; len < ZT_HDR_LEN; len++)
		CHECK(!zt_wire_hdr_decode(&d, b, len));
	CHECK(zt_wire_hdr_decode(&d, b, ZT_HDR_LEN));
	CHECK(zt_wire_hdr_decode(&d, b, 1000)); /* a body may follow */
	/* Every other version. */
	for (int v = 0; v < 16; v++) {
		b[0] = (uint8_t)((v << 4) | ZT_PT_HS_INIT);
		CHECK_EQ(zt_wire_hdr_decode(&d, b, ZT_HDR_LEN), v == ZT_WIRE_VERSION);
	}
	b[0] = (uint8_t)((ZT_WIRE_VERSION << 4) | ZT_PT_HS_INIT);
	/* Reserved bits of byte 1 must be zero; all hop counts decode. */
	for (int v = 0; v < 256; v++) {
		b[1] = (uint8_t)v;
		CHECK_EQ(zt_wire_hdr_decode(&d, b, ZT_HDR_LEN), (v & ~ZT_HOPS_MASK) == 0);
		if ((v & ~ZT_HOPS_MASK) == 0)
			CHECK_EQ(d.hops, v);
	}
}

static void test_nethash(void)
{
	/* blake2b(nwid as u64 BE, key=b"zt-nethash-v1", digest_size=16)[:8] */
	static const struct {
		uint64_t nwid;
		const char *hex;
	} v[] = {
	    {0xff00000000000001ULL, "abcf591715044fb7"},
	    {0x8056c2e21c000001ULL, "53260c3c792d3e32"},
	    {0x0000000000000000ULL, "2310f4bdadff413c"},
	    {0xffffffffffffffffULL, "37eb89b1d6a5c7bc"},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint8_t got[8], want[8];
		CHECK_EQ(zt_hex_decode(v[i].hex, 16, want, 8), ZT_OK);
		zt_wire_nethash(v[i].nwid, got);
		CHECK(memcmp(got, want, 8) == 0);
	}
	/* Neighbouring ids hash apart. */
	{
		uint8_t a[8], b[8];
		zt_wire_nethash(0xff00000000000001ULL, a);
		zt_wire_nethash(0xff00000000000002ULL, b);
		CHECK(memcmp(a, b, 8) != 0);
	}
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(test_sizes);
	RUN(test_layout);
	RUN(test_round_trip);
	RUN(test_masking);
	RUN(test_decode_rejects);
	RUN(test_nethash);
	TEST_EXIT();
}
