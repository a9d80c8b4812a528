/* SPDX-License-Identifier: MIT */
/*
 * flow_test.c - the flow table behind `established` (node/flow.c): both
 * directions, TCP states and their timeouts, UDP and ICMP idle times, the
 * bound and which flow gives way, frames no flow can hold; and the rules
 * engine with `established` at both ends of a connection, the allow-list
 * "accept ipprotocol tcp and dport 443; accept established; drop;".
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/flow.h"
#include "node/rules.h"
#include "test.h"

#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define ACK 0x10

#define S 1000 /* ms */

static const uint8_t MAC_A[6] = {0x32, 0x11, 0x22, 0x33, 0x44, 0x55};
static const uint8_t MAC_B[6] = {0x32, 0x66, 0x77, 0x88, 0x99, 0xaa};
static const uint8_t IP_A[4] = {10, 0, 0, 1}, IP_B[4] = {10, 0, 0, 2};

/* An IPv4 frame from (src, sp) to (dst, dp): TCP with flags, UDP, or an
 * ICMP message of type `flags` whose id is sp. */
static size_t frame4(uint8_t *f, uint8_t proto, const uint8_t *src, uint16_t sp, const uint8_t *dst,
                     uint16_t dp, uint8_t flags)
{
	uint8_t *p = f + 14, *l4 = p + 20;
	size_t l4len = proto == 6 ? 20 : 8;

	memset(f, 0, 14 + 20 + l4len);
	memcpy(f, src == IP_A ? MAC_B : MAC_A, 6);
	memcpy(f + 6, src == IP_A ? MAC_A : MAC_B, 6);
	f[12] = 0x08;
	p[0] = 0x45;
	p[3] = (uint8_t)(20 + l4len);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	if (proto == 1) {
		l4[0] = flags;
		l4[4] = (uint8_t)(sp >> 8);
		l4[5] = (uint8_t)sp;
	} else {
		l4[0] = (uint8_t)(sp >> 8);
		l4[1] = (uint8_t)sp;
		l4[2] = (uint8_t)(dp >> 8);
		l4[3] = (uint8_t)dp;
		if (proto == 6) {
			l4[12] = 0x50;
			l4[13] = flags;
		}
	}
	return 14 + 20 + l4len;
}

/* TCP A:40000 <-> B:443 with flags, a->b when out. */
static size_t tcp(uint8_t *f, bool out, uint8_t flags)
{
	return out ? frame4(f, 6, IP_A, 40000, IP_B, 443, flags)
	           : frame4(f, 6, IP_B, 443, IP_A, 40000, flags);
}

static struct zt_flowtab *table(void)
{
	struct zt_flowtab *t = malloc(sizeof *t);
	uint8_t key[16];

	randombytes_buf(key, sizeof key);
	if (t != NULL)
		zt_flow_init(t, key);
	return t;
}

static int state_of(const struct zt_flowtab *t, int64_t now, const uint8_t *f, size_t n)
{
	const struct zt_flow *fl = zt_flow_find(t, now, f, n);
	return fl != NULL ? fl->state : -1;
}

static void test_tcp_states(void)
{
	struct zt_flowtab *t = table();
	uint8_t f[128];
	size_t n;
	int64_t now = 1000 * S;

	CHECK(t != NULL);
	if (t == NULL)
		return;
	n = tcp(f, false, SYN | ACK);
	CHECK_EQ(zt_flow_established(t, now, f, n), 0); /* nothing yet */
	CHECK_EQ(zt_flow_established(NULL, now, f, n), 0);

	n = tcp(f, true, SYN);
	zt_flow_note(t, now, f, n);
	CHECK_EQ(t->count, 1u);
	CHECK_EQ(state_of(t, now, f, n), ZT_FLOW_SYN_SENT);
	n = tcp(f, false, SYN | ACK); /* the reply direction matches */
	CHECK_EQ(zt_flow_established(t, now, f, n), 1);
	/* Unanswered, a SYN_SENT flow lasts 120 s. */
	CHECK_EQ(zt_flow_established(t, now + ZT_FLOW_TCP_SYN_SENT - 1, f, n), 1);
	CHECK_EQ(zt_flow_established(t, now + ZT_FLOW_TCP_SYN_SENT, f, n), 0);

	zt_flow_note(t, now, f, n);
	CHECK_EQ(state_of(t, now, f, n), ZT_FLOW_SYN_RECV);
	CHECK(zt_flow_find(t, now, f, n)->replied);
	n = tcp(f, true, ACK);
	zt_flow_note(t, now, f, n);
	CHECK_EQ(state_of(t, now, f, n), ZT_FLOW_ESTABLISHED);
	CHECK_EQ(t->count, 1u); /* one flow for both directions */
	/* Established: 2 h idle, refreshed by every frame. */
	now += ZT_FLOW_TCP_ESTABLISHED - 1;
	CHECK_EQ(zt_flow_established(t, now, f, n), 1);
	n = tcp(f, false, ACK);
	zt_flow_note(t, now, f, n);
	CHECK_EQ(zt_flow_established(t, now + ZT_FLOW_TCP_ESTABLISHED - 1, f, n), 1);
	CHECK_EQ(zt_flow_established(t, now + ZT_FLOW_TCP_ESTABLISHED, f, n), 0);

	/* One FIN: 120 s; both: 10 s. */
	n = tcp(f, true, FIN | ACK);
	zt_flow_note(t, now, f, n);
	CHECK_EQ(state_of(t, now, f, n), ZT_FLOW_FIN_WAIT);
	CHECK_EQ(zt_flow_established(t, now + ZT_FLOW_TCP_FIN_WAIT, f, n), 0);
	n = tcp(f, false, FIN | ACK);
	zt_flow_note(t, now, f, n);
	CHECK_EQ(state_of(t, now, f, n), ZT_FLOW_CLOSE);
	CHECK_EQ(zt_flow_established(t, now + ZT_FLOW_TCP_CLOSE - 1, f, n), 1);
	CHECK_EQ(zt_flow_established(t, now + ZT_FLOW_TCP_CLOSE, f, n), 0);
	/* The ports used again: a new SYN opens it again. */
	n = tcp(f, true, SYN);
	zt_flow_note(t, now + 1, f, n);
	CHECK_EQ(state_of(t, now + 1, f, n), ZT_FLOW_SYN_SENT);
	/* A reset closes it in 10 s. */
	n = tcp(f, false, RST | ACK);
	zt_flow_note(t, now + 2, f, n);
	CHECK_EQ(state_of(t, now + 2, f, n), ZT_FLOW_CLOSE);
	CHECK_EQ(zt_flow_established(t, now + 2 + ZT_FLOW_TCP_CLOSE, f, n), 0);
	/* Expired, the next frame starts a new flow in its own direction. */
	n = tcp(f, true, ACK);
	zt_flow_note(t, now + 3 * ZT_FLOW_TCP_CLOSE, f, n);
	CHECK_EQ(t->count, 1u);
	CHECK_EQ(state_of(t, now + 3 * ZT_FLOW_TCP_CLOSE, f, n), ZT_FLOW_SYN_SENT);
	/* Picked up mid-stream, the answer makes it established. */
	n = tcp(f, false, ACK);
	zt_flow_note(t, now + 3 * ZT_FLOW_TCP_CLOSE, f, n);
	CHECK_EQ(state_of(t, now + 3 * ZT_FLOW_TCP_CLOSE, f, n), ZT_FLOW_ESTABLISHED);
	free(t);
}

static void test_udp_icmp_other(void)
{
	struct zt_flowtab *t = table();
	uint8_t f[128], g[128];
	size_t n, m;
	int64_t now = 5 * S;

	if (t == NULL)
		return;
	/* UDP: 30 s unanswered, 180 s once answered. */
	n = frame4(f, 17, IP_A, 5000, IP_B, 53, 0);
	m = frame4(g, 17, IP_B, 53, IP_A, 5000, 0);
	zt_flow_note(t, now, f, n);
	CHECK_EQ(zt_flow_established(t, now + ZT_FLOW_UDP - 1, g, m), 1);
	CHECK_EQ(zt_flow_established(t, now + ZT_FLOW_UDP, g, m), 0);
	zt_flow_note(t, now + 1, g, m);
	CHECK_EQ(zt_flow_established(t, now + ZT_FLOW_UDP_REPLIED, f, n), 1);
	CHECK_EQ(zt_flow_established(t, now + 1 + ZT_FLOW_UDP_REPLIED, f, n), 0);
	/* Another port, or another host: not the flow. */
	m = frame4(g, 17, IP_B, 54, IP_A, 5000, 0);
	CHECK_EQ(zt_flow_established(t, now + 2, g, m), 0);
	m = frame4(g, 17, IP_B, 53, IP_A, 5001, 0);
	CHECK_EQ(zt_flow_established(t, now + 2, g, m), 0);
	m = frame4(g, 6, IP_B, 53, IP_A, 5000, ACK); /* TCP, not UDP */
	CHECK_EQ(zt_flow_established(t, now + 2, g, m), 0);

	/* ICMP echo: keyed by its id, 30 s. */
	n = frame4(f, 1, IP_A, 77, IP_B, 0, 8);
	m = frame4(g, 1, IP_B, 77, IP_A, 0, 0);
	zt_flow_note(t, now, f, n);
	CHECK_EQ(zt_flow_established(t, now + ZT_FLOW_ICMP - 1, g, m), 1);
	CHECK_EQ(zt_flow_established(t, now + ZT_FLOW_ICMP, g, m), 0);
	m = frame4(g, 1, IP_B, 78, IP_A, 0, 0); /* another echo id */
	CHECK_EQ(zt_flow_established(t, now + 1, g, m), 0);

	/* What no flow holds: not IP, a later IPv4 fragment, a truncated
	 * TCP header. */
	memset(f, 0, sizeof f);
	f[12] = 0x08;
	f[13] = 0x06; /* ARP */
	CHECK_EQ(zt_flow_established(t, now, f, 60), -1);
	n = frame4(f, 17, IP_A, 5000, IP_B, 53, 0);
	f[14 + 7] = 0x10; /* fragment offset 16 */
	CHECK_EQ(zt_flow_established(t, now, f, n), -1);
	n = tcp(f, true, SYN);
	CHECK_EQ(zt_flow_established(t, now, f, 14 + 20 + 10), -1);
	CHECK_EQ(zt_flow_established(t, now, f, 10), -1);
	free(t);
}

static void test_ipv6(void)
{
	struct zt_flowtab *t = table();
	uint8_t f[128], g[128];
	uint8_t *p;

	if (t == NULL)
		return;
	memset(f, 0, sizeof f);
	f[12] = 0x86;
	f[13] = 0xdd;
	p = f + 14;
	p[0] = 0x60;
	p[5] = 8;
	p[6] = 17;
	p[7] = 64;
	p[8] = 0xfd;
	p[23] = 1;
	p[24] = 0xfd;
	p[39] = 2;
	p[40] = 0x13;
	p[41] = 0x88; /* 5000 */
	p[43] = 53;
	memcpy(g, f, sizeof g);
	/* The reply: addresses and ports swapped. */
	memcpy(g + 14 + 8, f + 14 + 24, 16);
	memcpy(g + 14 + 24, f + 14 + 8, 16);
	memcpy(g + 14 + 40, f + 14 + 42, 2);
	memcpy(g + 14 + 42, f + 14 + 40, 2);
	zt_flow_note(t, 0, f, 14 + 48);
	CHECK_EQ(zt_flow_established(t, 1, g, 14 + 48), 1);
	g[14 + 39] = 3; /* another host */
	CHECK_EQ(zt_flow_established(t, 1, g, 14 + 48), 0);
	free(t);
}

/* The bound: at most ZT_FLOW_MAX flows; when full the oldest idle one
 * gives way, and one kept busy stays. */
static void test_bound(void)
{
	struct zt_flowtab *t = table();
	uint8_t f[128], busy[128];
	size_t n, bn;
	int64_t now = 0;

	if (t == NULL)
		return;
	bn = frame4(busy, 17, IP_A, 1, IP_B, 1, 0);
	zt_flow_note(t, now, busy, bn);
	for (unsigned i = 0; i < 2 * ZT_FLOW_MAX; i++) {
		n = frame4(f, 17, IP_A, (uint16_t)(1000 + i), IP_B, 53, 0);
		zt_flow_note(t, ++now, f, n);
		if (i % 1000 == 0)
			zt_flow_note(t, now, busy, bn); /* keeps it among the newest */
		CHECK(t->count <= ZT_FLOW_MAX);
	}
	CHECK_EQ(t->count, (unsigned)ZT_FLOW_MAX);
	CHECK_EQ(zt_flow_established(t, now, busy, bn), 1);
	/* The newest ZT_FLOW_MAX - 1 are there, the ones before gone. */
	n = frame4(f, 17, IP_A, (uint16_t)(1000 + 2 * ZT_FLOW_MAX - 1), IP_B, 53, 0);
	CHECK_EQ(zt_flow_established(t, now, f, n), 1);
	n = frame4(f, 17, IP_A, (uint16_t)(1000 + ZT_FLOW_MAX + 2), IP_B, 53, 0);
	CHECK_EQ(zt_flow_established(t, now, f, n), 1);
	n = frame4(f, 17, IP_A, (uint16_t)(1000 + ZT_FLOW_MAX), IP_B, 53, 0);
	CHECK_EQ(zt_flow_established(t, now, f, n), 0);
	n = frame4(f, 17, IP_A, 1000, IP_B, 53, 0);
	CHECK_EQ(zt_flow_established(t, now, f, n), 0);
	CHECK(t->evicted >= ZT_FLOW_MAX);
	/* Every flow reachable through its bucket, the idle list whole. */
	{
		unsigned seen = 0, chained = 0;
		for (unsigned i = t->oldest; i != 0 && seen <= ZT_FLOW_MAX; i = t->f[i - 1].newer)
			seen++;
		for (unsigned b = 0; b < ZT_FLOW_BUCKETS; b++)
			for (unsigned i = t->bucket[b]; i != 0 && chained <= ZT_FLOW_MAX;
			     i = t->f[i - 1].hnext)
				chained++;
		CHECK_EQ(seen, (unsigned)ZT_FLOW_MAX);
		CHECK_EQ(chained, (unsigned)ZT_FLOW_MAX);
	}
	free(t);
}

/* The counters: flows made, taken out after their timeout (by the timer's
 * walk, or when the frame of an expired flow comes again, or when a full
 * table needs the slot of an expired one) and evicted while live. */
static void test_counters(void)
{
	struct zt_flowtab *t = table();
	uint8_t f[128], busy[128];
	size_t n, bn;
	int64_t now = 0;

	if (t == NULL)
		return;
	CHECK_EQ(zt_flow_expire(t, now), 0);
	CHECK(t->inserted == 0 && t->expired == 0 && t->evicted == 0 && t->count == 0);
	/* 100 UDP flows, one of them answered (its timeout is longer), one
	 * TCP flow established. */
	for (unsigned i = 0; i < 100; i++) {
		n = frame4(f, 17, IP_A, (uint16_t)(1000 + i), IP_B, 53, 0);
		zt_flow_note(t, now, f, n);
		zt_flow_note(t, now, f, n); /* the same flow: not made again */
	}
	n = frame4(f, 17, IP_B, 53, IP_A, 1000, 0);
	zt_flow_note(t, now, f, n);
	n = tcp(f, true, SYN);
	zt_flow_note(t, now, f, n);
	n = tcp(f, false, SYN | ACK);
	zt_flow_note(t, now, f, n);
	n = tcp(f, true, ACK);
	zt_flow_note(t, now, f, n);
	CHECK_EQ(t->inserted, 101);
	CHECK_EQ(t->count, 101u);
	/* Nothing expires before its time. */
	now = ZT_FLOW_UDP - 1;
	CHECK_EQ(zt_flow_expire(t, now), 0);
	CHECK_EQ(t->count, 101u);
	/* The 99 unanswered UDP flows expire; the answered one and TCP stay. */
	now = ZT_FLOW_UDP;
	CHECK_EQ(zt_flow_expire(t, now), 99);
	CHECK_EQ(t->expired, 99);
	CHECK_EQ(t->count, 2u);
	n = frame4(f, 17, IP_A, 1000, IP_B, 53, 0);
	CHECK_EQ(zt_flow_established(t, now, f, n), 1);
	n = tcp(f, true, ACK);
	CHECK_EQ(zt_flow_established(t, now, f, n), 1);
	/* Every flow reachable still: the idle list and the buckets whole. */
	{
		unsigned seen = 0, chained = 0;
		for (unsigned i = t->oldest; i != 0 && seen <= ZT_FLOW_MAX; i = t->f[i - 1].newer)
			seen++;
		for (unsigned b = 0; b < ZT_FLOW_BUCKETS; b++)
			for (unsigned i = t->bucket[b]; i != 0 && chained <= ZT_FLOW_MAX;
			     i = t->f[i - 1].hnext)
				chained++;
		CHECK_EQ(seen, 2u);
		CHECK_EQ(chained, 2u);
	}
	/* An expired flow whose frame comes again (no timer walk between):
	 * taken out, and made anew. */
	now += ZT_FLOW_UDP_REPLIED;
	n = frame4(f, 17, IP_A, 1000, IP_B, 53, 0);
	zt_flow_note(t, now, f, n);
	CHECK_EQ(t->expired, 100);
	CHECK_EQ(t->inserted, 102);
	CHECK_EQ(t->evicted, 0);
	/* Full: live flows give way (capacity), expired ones are taken as
	 * expired. */
	bn = frame4(busy, 17, IP_A, 7, IP_B, 7, 0);
	zt_flow_note(t, now, busy, bn);
	for (unsigned i = 0; i < ZT_FLOW_MAX + 10; i++) {
		n = frame4(f, 17, IP_A, (uint16_t)(20000 + i), IP_B, 53, 0);
		zt_flow_note(t, now, f, n);
	}
	CHECK_EQ(t->count, (unsigned)ZT_FLOW_MAX);
	CHECK_EQ(t->inserted, 103 + ZT_FLOW_MAX + 10);
	CHECK_EQ(t->evicted, 13); /* the TCP flow, 1000, busy, and the first 10 */
	CHECK_EQ(t->inserted - t->expired - t->evicted, (uint64_t)t->count);
	free(t);
}

/* ---- the rules with `established`, at both ends ---- */

#define R(type)                                                                                    \
	{                                                                                          \
		.t = (type)                                                                        \
	}
#define NOT(type)                                                                                  \
	{                                                                                          \
		.t = (type) | ZT_RULE_NOT                                                          \
	}
#define PROTO(p)                                                                                   \
	{                                                                                          \
		.t = ZT_RULE_IP_PROTOCOL, .v.ip_protocol = (p)                                     \
	}
#define DPORT(a, b)                                                                                \
	{                                                                                          \
		.t = ZT_RULE_DPORT, .v.range = {(a), (b) }                                         \
	}

/* accept ipprotocol tcp and dport 443; accept established; drop; */
static const struct zt_rule ALLOW443[] = {
    PROTO(6),          DPORT(443, 443), R(ZT_RULE_ACCEPT), R(ZT_RULE_ESTABLISHED),
    R(ZT_RULE_ACCEPT), R(ZT_RULE_DROP),
};
#define NALLOW (sizeof ALLOW443 / sizeof ALLOW443[0])

struct end {
	uint64_t self;
	struct zt_flowtab *t;
};

/* What netrules does with a frame at one end: filter, and record the
 * flow of what passes. */
static bool pass(struct end *e, uint64_t peer, bool inbound, int64_t now, const uint8_t *f,
                 size_t n)
{
	struct zt_rules_ctx c;
	struct zt_rules_result r;
	bool ok;

	memset(&c, 0, sizeof c);
	c.frame = f;
	c.len = n;
	c.nwid = 1;
	c.self = e->self;
	c.src = inbound ? peer : e->self;
	c.dst = inbound ? e->self : peer;
	c.inbound = inbound;
	c.flows = e->t;
	c.now = now;
	ok = zt_rules_filter(&c, ALLOW443, NALLOW, NULL, 0, &r);
	if (ok)
		zt_flow_note(e->t, now, f, n);
	return ok;
}

/* A frame from one end to the other: both filters must pass it. */
static bool send_frame(struct end *from, struct end *to, int64_t now, const uint8_t *f, size_t n)
{
	return pass(from, to->self, false, now, f, n) && pass(to, from->self, true, now, f, n);
}

static void test_allow_list(void)
{
	struct end a = {0x1111111111, table()}, b = {0x2222222222, table()};
	uint8_t f[128];
	size_t n;
	int64_t now = 100 * S;

	if (a.t == NULL || b.t == NULL)
		goto out;
	CHECK(zt_rules_use_flows(ALLOW443, NALLOW));
	CHECK(!zt_rules_use_flows(ALLOW443, 3));
	/* B opens A:40000 first (a port no rule allows): dropped by B's own
	 * filter, and by A's as well were B to skip its own. */
	n = frame4(f, 6, IP_B, 443, IP_A, 40000, SYN);
	CHECK(!send_frame(&b, &a, now, f, n));
	CHECK(!pass(&a, b.self, true, now, f, n));
	/* A opens B:443: the handshake and the data pass both ways. */
	n = tcp(f, true, SYN);
	CHECK(send_frame(&a, &b, now, f, n));
	n = tcp(f, false, SYN | ACK);
	CHECK(send_frame(&b, &a, now, f, n));
	n = tcp(f, true, ACK);
	CHECK(send_frame(&a, &b, now, f, n));
	n = tcp(f, false, ACK);
	CHECK(send_frame(&b, &a, now + 60 * S, f, n));
	CHECK_EQ(state_of(a.t, now, f, n), ZT_FLOW_ESTABLISHED);
	CHECK_EQ(state_of(b.t, now, f, n), ZT_FLOW_ESTABLISHED);
	/* Nothing else from B: another port of A, UDP, ICMP. */
	n = frame4(f, 6, IP_B, 443, IP_A, 40001, SYN);
	CHECK(!send_frame(&b, &a, now, f, n));
	n = frame4(f, 6, IP_B, 5555, IP_A, 40000, ACK);
	CHECK(!send_frame(&b, &a, now, f, n));
	n = frame4(f, 17, IP_B, 443, IP_A, 40000, 0);
	CHECK(!send_frame(&b, &a, now, f, n));
	n = frame4(f, 1, IP_B, 1, IP_A, 0, 8);
	CHECK(!send_frame(&b, &a, now, f, n));
	/* After the connection closes and its time runs out, a reply no
	 * longer passes. */
	n = tcp(f, true, FIN | ACK);
	CHECK(send_frame(&a, &b, now + 61 * S, f, n));
	n = tcp(f, false, FIN | ACK);
	CHECK(send_frame(&b, &a, now + 61 * S, f, n));
	n = tcp(f, false, ACK);
	CHECK(!send_frame(&b, &a, now + 61 * S + ZT_FLOW_TCP_CLOSE, f, n));
	/* `not established` holds for a frame of no flow; neither holds for
	 * a frame no flow can hold (ARP: the match cannot apply). */
	{
		static const struct zt_rule NOTEST[] = {NOT(ZT_RULE_ESTABLISHED), R(ZT_RULE_DROP),
		                                        R(ZT_RULE_ACCEPT)};
		struct zt_rules_ctx c;
		struct zt_rules_result r;
		uint8_t arp[60] = {0};

		memset(&c, 0, sizeof c);
		c.flows = a.t;
		c.now = now;
		c.frame = f;
		c.len = frame4(f, 17, IP_B, 9, IP_A, 9, 0);
		zt_rules_eval(&c, NOTEST, 3, &r);
		CHECK_EQ(r.verdict, ZT_RULES_DROP);
		memset(arp, 0xff, 6);
		arp[12] = 0x08;
		arp[13] = 0x06;
		c.frame = arp;
		c.len = sizeof arp;
		zt_rules_eval(&c, NOTEST, 3, &r);
		CHECK_EQ(r.verdict, ZT_RULES_ACCEPT);
	}
out:
	free(a.t);
	free(b.t);
}

/* The codec carries it with no value: a member that does not know type
 * 63 keeps it as an unknown match (which fails there). */
static void test_codec(void)
{
	struct zt_rule in[2] = {NOT(ZT_RULE_ESTABLISHED), R(ZT_RULE_ACCEPT)}, out[2];
	uint8_t b[16];
	int n = zt_rules_encode(in, 2, b, sizeof b);

	CHECK_EQ(n, 4);
	CHECK_EQ(b[0], ZT_RULE_ESTABLISHED | ZT_RULE_NOT);
	CHECK_EQ(b[1], 0);
	CHECK_EQ(zt_rules_decode(b, (size_t)n, 2, out, 2), 4);
	CHECK_EQ(out[0].t, in[0].t);
	b[1] = 1; /* a value where there is none */
	CHECK_EQ(zt_rules_decode(b, (size_t)n, 2, out, 2), -1);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	fprintf(stderr, "flow table: %zu bytes\n", sizeof(struct zt_flowtab));
	RUN(test_tcp_states);
	RUN(test_udp_icmp_other);
	RUN(test_ipv6);
	RUN(test_bound);
	RUN(test_counters);
	RUN(test_allow_list);
	RUN(test_codec);
	TEST_EXIT();
}
