/* SPDX-License-Identifier: MIT */
/*
 * rate_test.c - the root's request buckets (node/rate.c): a burst, then a
 * steady rate per peer; peers behind one source address share its bucket
 * (sybils gain nothing by numbers), other addresses are not affected, and
 * a full source table never locks a newcomer out.
 */
#include <string.h>

#include "rate.h"
#include "test.h"
#include "wire.h"

#define T0 1700000000000LL

static struct zt_endpoint src(uint32_t ip)
{
	struct zt_endpoint e;
	memset(&e, 0, sizeof e);
	e.family = 4;
	e.ip[0] = (uint8_t)(ip >> 24);
	e.ip[1] = (uint8_t)(ip >> 16);
	e.ip[2] = (uint8_t)(ip >> 8);
	e.ip[3] = (uint8_t)ip;
	e.port = 9993;
	return e;
}

static unsigned take_n(struct zt_rate_table *t, struct zt_rate *p, const struct zt_endpoint *e,
                       int64_t now, enum zt_rate_kind k, unsigned n)
{
	unsigned ok = 0;
	for (unsigned i = 0; i < n; i++)
		ok += zt_rate_take(t, p, e, now, k);
	return ok;
}

static void test_peer_burst_and_rate(void)
{
	struct zt_rate_table t = {0};
	struct zt_rate p = {0};
	struct zt_endpoint e = src(0xc6336401);

	CHECK_EQ(take_n(&t, &p, &e, T0, ZT_RATE_RENDEZVOUS, 100), ZT_RENDEZVOUS_PER_SEC);
	/* 250 ms later: a quarter of a second's worth */
	CHECK_EQ(take_n(&t, &p, &e, T0 + 250, ZT_RATE_RENDEZVOUS, 100), ZT_RENDEZVOUS_PER_SEC / 4);
	/* kinds are separate */
	CHECK(zt_rate_take(&t, &p, &e, T0 + 250, ZT_RATE_WHOIS));
	/* refill in small steps adds up (no rounding lost per call) */
	{
		unsigned got = 0;
		for (int ms = 1; ms <= 1000; ms++)
			got += zt_rate_take(&t, &p, &e, T0 + 250 + ms, ZT_RATE_RENDEZVOUS);
		CHECK(got >= ZT_RENDEZVOUS_PER_SEC - 1 && got <= ZT_RENDEZVOUS_PER_SEC);
	}
	zt_rate_table_free(&t);
}

static void test_source_shared(void)
{
	struct zt_rate_table t = {0};
	struct zt_rate sybil[8];
	struct zt_endpoint one = src(0xcb007101), other = src(0xcb007102);
	unsigned total = 0;
	struct zt_rate q = {0};

	memset(sybil, 0, sizeof sybil);
	/* Eight peers behind one address ask WHOIS as fast as they may: each
	 * has its own 256, but the address has 1024 for all of them. */
	for (int i = 0; i < 8; i++)
		total += take_n(&t, &sybil[i], &one, T0, ZT_RATE_WHOIS, 1000);
	CHECK_EQ(total, 1024);
	/* Another address is not affected. */
	CHECK_EQ(take_n(&t, &q, &other, T0, ZT_RATE_WHOIS, 1000), 256);
	zt_rate_table_free(&t);
}

static void test_table_full(void)
{
	struct zt_rate_table t = {0};
	struct zt_rate p = {0}, late = {0};
	struct zt_endpoint e;

	/* More sources than slots: every newcomer still gets its burst. */
	for (uint32_t i = 0; i < 3 * ZT_RATE_SOURCES; i++) {
		memset(&p, 0, sizeof p);
		e = src(0x0a000000u + i);
		CHECK(zt_rate_take(&t, &p, &e, T0 + i, ZT_RATE_ANNOUNCE));
	}
	e = src(0x0b000001);
	CHECK_EQ(take_n(&t, &late, &e, T0 + 3 * ZT_RATE_SOURCES, ZT_RATE_ANNOUNCE, 200), 80);
	zt_rate_table_free(&t);
}

int main(void)
{
	RUN(test_peer_burst_and_rate);
	RUN(test_source_shared);
	RUN(test_table_full);
	TEST_EXIT();
}
