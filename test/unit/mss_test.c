/* SPDX-License-Identifier: MIT */
/*
 * mss_test.c - MSS clamping: SYNs over IPv4 and IPv6 get the clamp and a
 * checksum that a full recomputation agrees with; other segments, smaller
 * MSS values and fragments are left alone.
 */
#include <stdint.h>
#include <string.h>

#include "mss.h"
#include "test.h"

static uint32_t add(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* TCP checksum of the segment at f+tcp (len bytes) with its pseudo header. */
static uint16_t tcp_sum(const uint8_t *f, size_t tcp, size_t len, bool v6)
{
	uint8_t ph[8] = {0};
	uint32_t s;
	if (v6) {
		s = add(0, f + 14 + 8, 32);
		ph[2] = (uint8_t)(len >> 8), ph[3] = (uint8_t)len, ph[7] = 6;
		s = add(s, ph, 8);
	} else {
		s = add(0, f + 14 + 12, 8);
		ph[1] = 6, ph[2] = (uint8_t)(len >> 8), ph[3] = (uint8_t)len;
		s = add(s, ph, 4);
	}
	return fold(add(s, f + tcp, len));
}

/* A TCP segment with an MSS option after `nops` NOPs (1: the option's
 * value at an odd offset in the segment, 0: at an even one). */
static size_t syn_at(uint8_t *f, bool v6, uint16_t mss, uint8_t flags, size_t nops)
{
	size_t ip = 14, tcp = v6 ? 54 : 34, tl = 28;
	memset(f, 0, 128);
	f[12] = v6 ? 0x86 : 0x08, f[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		f[ip] = 0x60, f[ip + 5] = (uint8_t)tl, f[ip + 6] = 6, f[ip + 7] = 64;
		f[ip + 8] = 0xfd, f[ip + 23] = 1, f[ip + 24] = 0xfd, f[ip + 39] = 2;
	} else {
		f[ip] = 0x45, f[ip + 3] = (uint8_t)(20 + tl), f[ip + 8] = 64, f[ip + 9] = 6;
		f[ip + 12] = 10, f[ip + 15] = 1, f[ip + 16] = 10, f[ip + 19] = 2;
	}
	f[tcp] = 0x9c, f[tcp + 1] = 0x40, f[tcp + 3] = 80;
	f[tcp + 4] = 0x12, f[tcp + 7] = 0x34;
	f[tcp + 12] = 7 << 4; /* 28 bytes: 8 of options */
	f[tcp + 13] = flags;
	f[tcp + 14] = 0xff;
	for (size_t i = 0; i < 8; i++)
		f[tcp + 20 + i] = 1; /* NOPs around the option */
	{
		size_t o = tcp + 20 + nops;
		f[o] = 2, f[o + 1] = 4; /* MSS */
		f[o + 2] = (uint8_t)(mss >> 8), f[o + 3] = (uint8_t)mss;
	}
	f[tcp + 27] = 0;
	{
		uint16_t c = tcp_sum(f, tcp, tl, v6);
		f[tcp + 16] = (uint8_t)(c >> 8), f[tcp + 17] = (uint8_t)c;
	}
	return tcp + tl;
}

static size_t syn(uint8_t *f, bool v6, uint16_t mss, uint8_t flags)
{
	return syn_at(f, v6, mss, flags, 1);
}

static void one(bool v6)
{
	uint8_t f[128], g[128];
	size_t tcp = v6 ? 54 : 34, n;

	/* The option's value at an odd and at an even offset: the checksum
	 * update differs (bytes swapped or not). */
	for (size_t nops = 0; nops < 2; nops++) {
		size_t o = tcp + 20 + nops;
		n = syn_at(f, v6, 1460, 0x02, nops);
		CHECK_EQ(tcp_sum(f, tcp, n - tcp, v6), 0);
		memcpy(g, f, n);
		CHECK(zt_mss_clamp(f, n, 1200));
		CHECK_EQ(f[o + 2] << 8 | f[o + 3], 1200);
		CHECK_EQ(tcp_sum(f, tcp, n - tcp, v6), 0); /* still a valid checksum */
		/* Nothing else changed: only the MSS and the checksum. */
		memcpy(g + o + 2, f + o + 2, 2);
		memcpy(g + tcp + 16, f + tcp + 16, 2);
		CHECK(memcmp(f, g, n) == 0);
	}
	/* Already small enough, off, not a SYN: unchanged. */
	n = syn(f, v6, 1100, 0x12);
	memcpy(g, f, n);
	CHECK(!zt_mss_clamp(f, n, 1200));
	CHECK(!zt_mss_clamp(f, n, 0));
	CHECK(memcmp(f, g, n) == 0);
	n = syn(f, v6, 1460, 0x10);
	memcpy(g, f, n);
	CHECK(!zt_mss_clamp(f, n, 1200));
	CHECK(memcmp(f, g, n) == 0);
	/* Truncated inside the option: nothing read beyond the end, nothing
	 * written. */
	n = syn(f, v6, 1460, 0x02);
	memcpy(g, f, n);
	CHECK(!zt_mss_clamp(f, tcp + 22, 1200));
	CHECK(memcmp(f, g, n) == 0);
}

static void test_ipv4(void)
{
	one(false);
}

static void test_ipv6(void)
{
	one(true);
}

static void test_fragment_left_alone(void)
{
	uint8_t f[128], g[128];
	size_t n = syn(f, false, 1460, 0x02);
	f[14 + 6] = 0x20; /* more fragments */
	memcpy(g, f, n);
	CHECK(!zt_mss_clamp(f, n, 1200));
	CHECK(memcmp(f, g, n) == 0);
}

int main(void)
{
	RUN(test_ipv4);
	RUN(test_ipv6);
	RUN(test_fragment_left_alone);
	TEST_EXIT();
}
