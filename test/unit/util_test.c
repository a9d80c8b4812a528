/* SPDX-License-Identifier: MIT */
/*
 * util_test.c - the helpers every module leans on: hex, addresses and
 * network ids, member MACs, endpoints (text and wire), the bounded string
 * buffer.
 */
#include <string.h>

#include "test.h"
#include "util.h"
#include "zt.h"

static void test_hex(void)
{
	uint8_t in[4] = {0x00, 0x9f, 0xa0, 0xff}, out[4];
	char s[9];
	zt_hex_encode(in, 4, s);
	CHECK(strcmp(s, "009fa0ff") == 0);
	CHECK_EQ(zt_hex_decode(s, 8, out, 4), ZT_OK);
	CHECK(memcmp(in, out, 4) == 0);
	CHECK_EQ(zt_hex_decode("009FA0FF", 8, out, 4), ZT_OK);
	CHECK(memcmp(in, out, 4) == 0);
	CHECK_EQ(zt_hex_decode(s, 7, out, 4), ZT_EINVAL);
	CHECK_EQ(zt_hex_decode(s, 9, out, 4), ZT_EINVAL);
	CHECK_EQ(zt_hex_decode("009fa0fg", 8, out, 4), ZT_EINVAL);
	CHECK_EQ(zt_hex_decode("009fa0f ", 8, out, 4), ZT_EINVAL);
	CHECK_EQ(zt_hex_decode("", 0, out, 0), ZT_OK);
}

static void test_ids(void)
{
	uint64_t v;
	CHECK_EQ(zt_address_parse("0123456789", &v), ZT_OK);
	CHECK_EQ(v, 0x0123456789ULL);
	CHECK_EQ(zt_address_parse("abcdefABCD", &v), ZT_OK);
	CHECK_EQ(v, 0xabcdefabcdULL);
	CHECK(zt_address_parse("012345678", &v) != ZT_OK);
	CHECK(zt_address_parse("01234567890", &v) != ZT_OK);
	CHECK(zt_address_parse("012345678g", &v) != ZT_OK);
	CHECK(zt_address_parse("-123456789", &v) != ZT_OK);
	CHECK(zt_address_parse(NULL, &v) != ZT_OK);
	CHECK_EQ(zt_nwid_parse("ff00000000000001", &v), ZT_OK);
	CHECK_EQ(v, 0xff00000000000001ULL);
	CHECK(zt_nwid_parse("ff0000000000001", &v) != ZT_OK);
	CHECK(zt_nwid_parse("0xff000000000001", &v) != ZT_OK);
	CHECK(zt_nwid_is_adhoc(0xff00000000000001ULL));
	CHECK(zt_nwid_is_adhoc(0xffffffffffffffffULL));
	CHECK(!zt_nwid_is_adhoc(0xfe00000000000001ULL));
	CHECK(!zt_nwid_is_adhoc(0x8056c2e21c000001ULL));
}

static void test_mac(void)
{
	struct test_rng rng;
	test_rng_seed(&rng, 9);
	for (int i = 0; i < 1000; i++) {
		uint8_t r[16], m[6], m2[6];
		uint64_t nwid, a, back = 0;
		test_rng_bytes(&rng, r, sizeof r);
		nwid = zt_get_u64(r);
		a = zt_get_u40(r + 8);
		zt_mac_from_address(nwid, a, m);
		/* Unicast and locally administered, whatever the id. */
		CHECK_EQ(m[0] & 1, 0);
		CHECK_EQ(m[0] & 2, 2);
		/* Reversible: the address comes back out. */
		for (int j = 1; j < 6; j++)
			back = (back << 8) | m[j];
		CHECK_EQ((back ^ (nwid >> 8)) & 0xffffffffffULL, a);
		/* One address, one MAC per network; another address, another MAC. */
		zt_mac_from_address(nwid, a ^ 1, m2);
		CHECK(memcmp(m, m2, 6) != 0);
	}
	{
		uint8_t m[6];
		zt_mac_from_address(0xff00000000000001ULL, 0x0102030405ULL, m);
		static const uint8_t want[6] = {0x02, 0x01, 0x02, 0x03, 0x04, 0x05};
		CHECK(memcmp(m, want, 6) == 0);
	}
}

static void test_endpoint_text(void)
{
	static const char *good[] = {"1.2.3.4/9993", "255.255.255.255/65535",
	                             "0.0.0.0/1",    "2001:db8::1/9993",
	                             "::1/443",      "::ffff:1.2.3.4/5"};
	static const char *bad[] = {
	    "1.2.3.4",       "1.2.3.4/",   "/9993",      "1.2.3.4/0",      "1.2.3.4/65536",
	    "1.2.3.4/99999", "1.2.3.4/1x", "1.2.3.4/+1", "1.2.3/1",        "host/1",
	    "1.2.3.4/-1",    "[::1]/1",    "::1%lo/1",   "1.2.3.4/000001", ""};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct zt_endpoint e, e2;
		char t[64];
		CHECK_EQ(zt_endpoint_parse(good[i], &e), ZT_OK);
		CHECK_EQ(zt_endpoint_to_text(&e, t, sizeof t), ZT_OK);
		CHECK(strcmp(t, good[i]) == 0);
		CHECK_EQ(zt_endpoint_parse(t, &e2), ZT_OK);
		CHECK(zt_endpoint_eq(&e, &e2));
		/* Too small a buffer is an error, never an overflow. */
		CHECK_EQ(zt_endpoint_to_text(&e, t, strlen(good[i])), ZT_ERANGE);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct zt_endpoint e;
		int r = zt_endpoint_parse(bad[i], &e);
		if (r == ZT_OK)
			printf("  accepted \"%s\"\n", bad[i]);
		CHECK(r != ZT_OK);
	}
	{
		struct zt_endpoint e;
		char t[64];
		memset(&e, 0, sizeof e);
		CHECK_EQ(zt_endpoint_to_text(&e, t, sizeof t), ZT_EINVAL);
		CHECK_EQ(zt_endpoint_to_text(&e, t, 0), ZT_ERANGE);
	}
}

static void test_endpoint_wire(void)
{
	struct zt_endpoint e, d;
	uint8_t b[32];

	CHECK_EQ(zt_endpoint_parse("192.0.2.1/9993", &e), ZT_OK);
	CHECK_EQ(zt_endpoint_wire_len(&e), 7);
	CHECK_EQ(zt_endpoint_encode(&e, b), 7);
	CHECK(b[0] == 4 && b[1] == 0x27 && b[2] == 0x09 && b[3] == 192 && b[6] == 1);
	CHECK_EQ(zt_endpoint_decode(&d, b, 7), 7);
	CHECK(zt_endpoint_eq(&e, &d));
	CHECK_EQ(zt_endpoint_decode(&d, b, 6), 0);
	CHECK_EQ(zt_endpoint_decode(&d, b, 0), 0);
	CHECK_EQ(zt_endpoint_parse("2001:db8::7/1", &e), ZT_OK);
	CHECK_EQ(zt_endpoint_encode(&e, b), 19);
	CHECK_EQ(zt_endpoint_decode(&d, b, 19), 19);
	CHECK(zt_endpoint_eq(&e, &d));
	CHECK_EQ(zt_endpoint_decode(&d, b, 18), 0);
	b[0] = 5;
	CHECK_EQ(zt_endpoint_decode(&d, b, 19), 0);
	b[0] = 6;
	b[1] = b[2] = 0; /* port 0 */
	CHECK_EQ(zt_endpoint_decode(&d, b, 19), 0);
	/* IPv4 equality ignores the unused bytes of ip[]. */
	{
		struct zt_endpoint x, y;
		CHECK_EQ(zt_endpoint_parse("192.0.2.1/9993", &x), ZT_OK);
		y = x;
		y.ip[10] = 0xee;
		CHECK(zt_endpoint_eq(&x, &y));
		CHECK_EQ(zt_endpoint_hash(&x), zt_endpoint_hash(&y));
		y.port++;
		CHECK(!zt_endpoint_eq(&x, &y));
	}
}

static void test_strbuf(void)
{
	char buf[8];
	struct zt_strbuf sb = {buf, sizeof buf, 0};
	memset(buf, 'x', sizeof buf);
	zt_strbuf_put(&sb, "hello, world");
	CHECK_EQ(sb.len, 7);
	CHECK(strcmp(buf, "hello, ") == 0);
	zt_strbuf_put(&sb, "more");
	CHECK_EQ(sb.len, 7);
	sb.len = 0;
	zt_strbuf_hex(&sb, 0xabc, 5);
	CHECK(strcmp(buf, "00abc") == 0);
	sb.len = 0;
	zt_strbuf_dec(&sb, -12345678901LL);
	CHECK(strcmp(buf, "-123456") == 0);
	{
		struct zt_strbuf z = {buf, 0, 0};
		zt_strbuf_put(&z, "x"); /* zero capacity: nothing written */
		CHECK_EQ(z.len, 0);
	}
	for (int e = 0; e >= -12; e--)
		CHECK(zt_strerror(e) != NULL && zt_strerror(e)[0] != '\0');
}

int main(void)
{
	RUN(test_hex);
	RUN(test_ids);
	RUN(test_mac);
	RUN(test_endpoint_text);
	RUN(test_endpoint_wire);
	RUN(test_strbuf);
	TEST_EXIT();
}
