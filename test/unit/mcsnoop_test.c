/* SPDX-License-Identifier: MIT */
/*
 * mcsnoop_test.c - the IGMP/MLD/ARP snooper on hand-built reports; the
 * general queries' checksums (summed here independently of csum.c).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eth.h"
#include "mcsnoop.h"
#include "test.h"
#include "zt.h"

static uint8_t frame[2048];

static size_t eth(const uint8_t dst[6], unsigned et)
{
	static const uint8_t src[6] = {0x02, 1, 2, 3, 4, 5};
	memcpy(frame, dst, 6);
	memcpy(frame + 6, src, 6);
	frame[12] = (uint8_t)(et >> 8);
	frame[13] = (uint8_t)et;
	return 14;
}

static void test_snoop_igmpv3(void)
{
	static const uint8_t dst[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x16};
	size_t off = eth(dst, 0x0800);
	uint8_t *ip = frame + off, *g;
	struct zt_mcsnoop_event ev[8];
	bool consume;
	size_t n;

	memset(ip, 0, 200);
	ip[0] = 0x46;
	ip[9] = 2;
	ip[12] = 10, ip[13] = 1, ip[14] = 2, ip[15] = 3; /* source: the host */
	g = ip + 24;
	g[0] = 0x22;
	g[7] = 3; /* three records */
	/* EXCLUDE {} 239.1.2.3: joined */
	g[8] = 4, g[12] = 239, g[13] = 1, g[14] = 2, g[15] = 3;
	/* TO_INCLUDE {} 224.0.0.251: left */
	g[16] = 3, g[20] = 224, g[21] = 0, g[22] = 0, g[23] = 251;
	/* ALLOW {1 source} 232.1.1.1: joined (SSM) */
	g[24] = 5, g[27] = 1, g[28] = 232, g[29] = 1, g[30] = 1, g[31] = 1;
	size_t glen = 8 + 8 + 8 + 12;
	ip[2] = 0, ip[3] = (uint8_t)(24 + glen);
	n = zt_mcsnoop_frame(frame, off + 24 + glen, ev, 8, &consume);
	CHECK(consume);
	CHECK_EQ(n, 4);
	if (n != 4)
		return;
	CHECK(ev[0].join && ev[0].mac[3] == 1 && ev[0].mac[4] == 2 && ev[0].mac[5] == 3);
	CHECK(!ev[1].join && ev[1].mac[5] == 251);
	CHECK(ev[2].join && ev[2].mac[3] == 1 && ev[2].mac[5] == 1);
	/* and the host's address, as its ARP group */
	CHECK(ev[3].join && ev[3].mac[0] == 0xff && ev[3].adi == 0x0a010203);

	/* A record that runs past the end: nothing read beyond it. */
	g[7] = 4;
	n = zt_mcsnoop_frame(frame, off + 24 + glen, ev, 8, &consume);
	CHECK_EQ(n, 4);
	/* A truncated IP header: nothing. */
	n = zt_mcsnoop_frame(frame, off + 10, ev, 8, &consume);
	CHECK_EQ(n, 0);
	/* The all-hosts group is implicit: never an event. */
	g[7] = 1, g[8] = 2, g[12] = 224, g[13] = 0, g[14] = 0, g[15] = 1;
	ip[3] = (uint8_t)(24 + 16);
	n = zt_mcsnoop_frame(frame, off + 24 + 16, ev, 8, &consume);
	CHECK_EQ(n, 1); /* only the ARP group */
}

static void test_snoop_mldv2_and_arp(void)
{
	static const uint8_t dst[6] = {0x33, 0x33, 0, 0, 0, 0x16};
	static const uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	size_t off = eth(dst, 0x86dd);
	uint8_t *ip = frame + off, *h = ip + 40, *m = h + 8;
	struct zt_mcsnoop_event ev[8];
	bool consume;
	size_t n;

	memset(ip, 0, 200);
	ip[0] = 0x60;
	ip[6] = 0; /* hop-by-hop */
	h[0] = 58;
	m[0] = 143;
	m[7] = 2;
	/* EXCLUDE {} ff02::1:ff12:3456 (solicited-node) */
	m[8] = 2, m[12] = 0xff, m[13] = 0x02, m[23] = 1, m[24] = 0xff, m[25] = 0x12, m[26] = 0x34,
	m[27] = 0x56;
	/* EXCLUDE {} ff02::fb (mDNS) */
	uint8_t *r2 = m + 8 + 20;
	r2[0] = 4, r2[4] = 0xff, r2[5] = 0x02, r2[19] = 0xfb;
	size_t mlen = 8 + 20 + 20;
	ip[4] = 0, ip[5] = (uint8_t)(8 + mlen);
	n = zt_mcsnoop_frame(frame, off + 40 + 8 + mlen, ev, 8, &consume);
	CHECK(consume);
	CHECK_EQ(n, 2);
	if (n == 2) {
		static const uint8_t sn[6] = {0x33, 0x33, 0xff, 0x12, 0x34, 0x56};
		static const uint8_t fb[6] = {0x33, 0x33, 0, 0, 0, 0xfb};
		CHECK(ev[0].join && memcmp(ev[0].mac, sn, 6) == 0);
		CHECK(ev[1].join && memcmp(ev[1].mac, fb, 6) == 0);
		CHECK(zt_eth_is_solicited_group(ev[0].mac) &&
		      !zt_eth_is_solicited_group(ev[1].mac));
	}
	/* Payload length beyond the frame: nothing. */
	ip[5] = 200;
	CHECK_EQ(zt_mcsnoop_frame(frame, off + 40 + 8 + mlen, ev, 8, &consume), 0);

	/* ARP: the sender's address joins its ARP group; not consumed. */
	off = eth(bc, 0x0806);
	memset(frame + off, 0, 28);
	frame[off + 1] = 1, frame[off + 2] = 8, frame[off + 4] = 6, frame[off + 5] = 4;
	frame[off + 7] = 1;
	frame[off + 14] = 192, frame[off + 15] = 168, frame[off + 16] = 1, frame[off + 17] = 9;
	n = zt_mcsnoop_frame(frame, off + 28, ev, 8, &consume);
	CHECK(!consume);
	CHECK_EQ(n, 1);
	CHECK(n == 1 && ev[0].join && memcmp(ev[0].mac, bc, 6) == 0 && ev[0].adi == 0xc0a80109);
	CHECK_EQ(zt_mcsnoop_frame(frame, off + 27, ev, 8, &consume), 0);
}

static uint16_t sum(const uint8_t *p, size_t len, uint32_t s)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void test_queries(void)
{
	static const uint8_t src[6] = {0x02, 9, 8, 7, 6, 5};
	uint8_t q[128];
	size_t len = zt_mcsnoop_igmp_query(src, q, sizeof q);
	CHECK_EQ(len, 14 + 24 + 12);
	/* A correct checksum sums to 0xffff. */
	CHECK_EQ(sum(q + 14, 24, 0), 0xffff);
	CHECK_EQ(sum(q + 38, 12, 0), 0xffff);
	CHECK_EQ(q[38], 0x11);

	len = zt_mcsnoop_mld_query(src, q, sizeof q);
	CHECK_EQ(len, 14 + 40 + 8 + 28);
	{
		uint8_t ph[8] = {0, 0, 0, 28, 0, 0, 0, 58};
		uint32_t s = sum(q + 14 + 8, 32, 0);
		s = sum(ph, 8, s);
		CHECK_EQ(sum(q + 14 + 48, 28, s), 0xffff);
	}
	CHECK_EQ(q[14 + 48], 130);
	CHECK(q[14 + 8] == 0xfe && q[14 + 9] == 0x80); /* link-local source */
	CHECK_EQ(zt_mcsnoop_mld_query(src, q, 50), 0);
	/* The snooper does not mistake a query for a report. */
	{
		struct zt_mcsnoop_event ev[4];
		bool consume;
		CHECK_EQ(zt_mcsnoop_frame(q, len, ev, 4, &consume), 0);
	}
}

int main(void)
{
	RUN(test_snoop_igmpv3);
	RUN(test_snoop_mldv2_and_arp);
	RUN(test_queries);
	TEST_EXIT();
}
