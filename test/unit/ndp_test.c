/* SPDX-License-Identifier: MIT */
/*
 * ndp_test.c - neighbour solicitations for rfc4193 and 6plane addresses
 * answered locally: the advertisement names the owner's MAC, carries a
 * correct ICMPv6 checksum, and nothing else is answered (DAD, foreign
 * prefixes, our own address).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ndp.h"
#include "test.h"
#include "zt.h"

#define NWID UINT64_C(0x8056c2e21c000001)
#define SELF UINT64_C(0x1111111111)
#define PEER UINT64_C(0x23456789ab)

static size_t make_ns(uint8_t *f, const uint8_t target[16], bool dad)
{
	uint8_t *ip = f + 14, *m = ip + 40;
	memset(f, 0, 14 + 40 + 32);
	f[0] = 0x33, f[1] = 0x33, f[2] = 0xff;
	memcpy(f + 3, target + 13, 3);
	zt_mac_from_address(NWID, SELF, f + 6);
	f[12] = 0x86, f[13] = 0xdd;
	ip[0] = 0x60;
	ip[5] = 32;
	ip[6] = 58;
	ip[7] = 255;
	if (!dad) {
		ip[8] = 0xfe, ip[9] = 0x80, ip[23] = 1;
	}
	ip[24] = 0xff, ip[25] = 0x02, ip[35] = 1, ip[36] = 0xff;
	memcpy(ip + 37, target + 13, 3);
	m[0] = 135;
	memcpy(m + 8, target, 16);
	m[24] = 1, m[25] = 1; /* source link-layer option */
	memcpy(m + 26, f + 6, 6);
	return 14 + 40 + 32;
}

static void rfc4193(uint64_t a, uint8_t ip[16])
{
	memset(ip, 0, 16);
	ip[0] = 0xfd;
	for (int i = 0; i < 8; i++)
		ip[1 + i] = (uint8_t)(NWID >> (56 - 8 * i));
	ip[9] = 0x99, ip[10] = 0x93;
	for (int i = 0; i < 5; i++)
		ip[11 + i] = (uint8_t)(a >> (32 - 8 * i));
}

static unsigned csum_ok(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14;
	uint32_t s = 0;
	size_t pl = len - 54;
	uint8_t ph[8] = {0, 0, 0, (uint8_t)pl, 0, 0, 0, 58};
	for (size_t i = 0; i < 32; i += 2)
		s += (uint32_t)(ip[8 + i] << 8 | ip[9 + i]);
	for (size_t i = 0; i < 8; i += 2)
		s += (uint32_t)(ph[i] << 8 | ph[i + 1]);
	for (size_t i = 0; i < pl; i += 2)
		s += (uint32_t)(ip[40 + i] << 8 | ip[41 + i]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s == 0xffff;
}

static void test_rfc4193(void)
{
	uint8_t t[16], ns[128], na[128], mac[6];
	size_t n, l;

	rfc4193(PEER, t);
	CHECK_EQ(zt_ndp_owner(NWID, t), PEER);
	n = make_ns(ns, t, false);
	l = zt_ndp_answer(NWID, SELF, ns, n, na, sizeof na);
	CHECK_EQ(l, 86);
	zt_mac_from_address(NWID, PEER, mac);
	CHECK(memcmp(na, ns + 6, 6) == 0);                /* to the asker */
	CHECK(memcmp(na + 6, mac, 6) == 0);               /* from the owner */
	CHECK(na[14 + 40] == 136 && na[14 + 44] == 0x60); /* NA, solicited + override */
	CHECK(memcmp(na + 14 + 8, t, 16) == 0);           /* source: the target */
	CHECK(memcmp(na + 14 + 24, ns + 14 + 8, 16) == 0);
	CHECK(memcmp(na + 14 + 40 + 8, t, 16) == 0);
	CHECK(na[14 + 40 + 24] == 2 && memcmp(na + 14 + 40 + 26, mac, 6) == 0);
	CHECK(csum_ok(na, l));
	CHECK_EQ(na[14 + 7], 255);

	/* DAD, our own address, another network's, truncated: no answer. */
	n = make_ns(ns, t, true);
	CHECK_EQ(zt_ndp_answer(NWID, SELF, ns, n, na, sizeof na), 0);
	rfc4193(SELF, t);
	n = make_ns(ns, t, false);
	CHECK_EQ(zt_ndp_answer(NWID, SELF, ns, n, na, sizeof na), 0);
	rfc4193(PEER, t);
	t[3] ^= 1;
	n = make_ns(ns, t, false);
	CHECK_EQ(zt_ndp_answer(NWID, SELF, ns, n, na, sizeof na), 0);
	rfc4193(PEER, t);
	n = make_ns(ns, t, false);
	CHECK_EQ(zt_ndp_answer(NWID, SELF, ns, n - 1, na, sizeof na), 0);
	CHECK_EQ(zt_ndp_answer(NWID, SELF, ns, n, na, 60), 0);
}

static void test_6plane(void)
{
	uint8_t t[16], ns[128], na[128];
	uint32_t h = (uint32_t)(NWID >> 32) ^ (uint32_t)NWID;
	size_t n;

	memset(t, 0, 16);
	t[0] = 0xfc;
	for (int i = 0; i < 4; i++)
		t[1 + i] = (uint8_t)(h >> (24 - 8 * i));
	for (int i = 0; i < 5; i++)
		t[5 + i] = (uint8_t)(PEER >> (32 - 8 * i));
	t[15] = 0x42; /* anywhere in the member's /80 */
	CHECK_EQ(zt_ndp_owner(NWID, t), PEER);
	n = make_ns(ns, t, false);
	CHECK_EQ(zt_ndp_answer(NWID, SELF, ns, n, na, sizeof na), 86);
	CHECK(csum_ok(na, 86));
	t[0] = 0xfe;
	CHECK_EQ(zt_ndp_owner(NWID, t), 0);
}

int main(void)
{
	RUN(test_rfc4193);
	RUN(test_6plane);
	TEST_EXIT();
}
