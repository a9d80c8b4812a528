/* SPDX-License-Identifier: MIT */
/*
 * rulesidx_test.c - the rules' index (node/rules.c) against the walk: on
 * randomized rule lists and capabilities (every match and action, with
 * `not` and `or`, the index's fields much more often than chance would
 * make them) and randomized frames (IPv4, IPv6 behind extension headers,
 * ARP, VLAN, truncated at every length; a frame again with a few bytes
 * changed, in another context), zt_rules_filter_fast must give what
 * zt_rules_filter gives: the verdict, the deciding entry, the copies
 * and redirect, the queue, and the same draws of the random source.
 */
#include <stdint.h>
#include <string.h>

#include "node/rules.h"
#include "test.h"

#define SELF  UINT64_C(0x1111111111)
#define PEER  UINT64_C(0x2222222222)
#define THIRD UINT64_C(0x3333333333)
#define NWID  UINT64_C(0x8056c2e21c000001)

/* xorshift64*: the test's own stream, reproducible from the seed. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}
static unsigned below(unsigned n)
{
	return n == 0 ? 0 : rnd() % n;
}

/* The rules' random source: a counter, so that both evaluations see the
 * same numbers if and only if they draw as often. */
struct draws {
	uint32_t next;
	unsigned count;
};
static uint32_t draw(void *arg)
{
	struct draws *d = arg;
	d->count++;
	d->next = d->next * 1103515245u + 12345u;
	return d->next;
}

static const uint16_t ETHERTYPES[] = {0x0800, 0x86dd, 0x0806, 0x8100, 0x88cc, 0x0801};
static const uint8_t PROTOS[] = {6, 17, 1, 58, 132, 136, 99, 0, 43, 255};
static const uint16_t PORTS[] = {0, 1, 22, 53, 80, 443, 1000, 1001, 1014, 5201, 65534, 65535};

static uint16_t some_port(void)
{
	return below(4) == 0 ? (uint16_t)rnd() : PORTS[below(sizeof PORTS / sizeof PORTS[0])];
}

static uint64_t some_address(void)
{
	static const uint64_t a[] = {0, SELF, PEER, THIRD};
	return a[below(4)];
}

static void random_match(struct zt_rule *r)
{
	static const uint8_t common[] = {ZT_RULE_ETHERTYPE, ZT_RULE_IP_PROTOCOL, ZT_RULE_SPORT,
	                                 ZT_RULE_DPORT};
	static const uint8_t other[] = {ZT_RULE_ZT_SRC,
	                                ZT_RULE_ZT_DEST,
	                                ZT_RULE_VLAN_ID,
	                                ZT_RULE_VLAN_PCP,
	                                ZT_RULE_VLAN_DEI,
	                                ZT_RULE_MAC_SRC,
	                                ZT_RULE_MAC_DEST,
	                                ZT_RULE_IPV4_SRC,
	                                ZT_RULE_IPV4_DEST,
	                                ZT_RULE_IPV6_SRC,
	                                ZT_RULE_IPV6_DEST,
	                                ZT_RULE_IP_TOS,
	                                ZT_RULE_ICMP,
	                                ZT_RULE_CHARACTERISTICS,
	                                ZT_RULE_FRAME_SIZE,
	                                ZT_RULE_RANDOM,
	                                ZT_RULE_TAGS_DIFFERENCE,
	                                ZT_RULE_TAGS_AND,
	                                ZT_RULE_TAGS_OR,
	                                ZT_RULE_TAGS_XOR,
	                                ZT_RULE_TAGS_EQUAL,
	                                ZT_RULE_TAG_SENDER,
	                                ZT_RULE_TAG_RECEIVER,
	                                ZT_RULE_INT_RANGE,
	                                ZT_RULE_ESTABLISHED,
	                                62 /* a type this version does not know */};
	unsigned type = below(3) != 0 ? common[below(4)] : other[below(sizeof other)];

	memset(r, 0, sizeof *r);
	r->t = (uint8_t)type;
	if (below(4) == 0)
		r->t |= ZT_RULE_NOT;
	if (below(5) == 0)
		r->t |= ZT_RULE_OR;
	switch (type) {
	case ZT_RULE_ETHERTYPE:
		r->v.ethertype = below(5) == 0 ? (uint16_t)rnd() : ETHERTYPES[below(6)];
		break;
	case ZT_RULE_IP_PROTOCOL: r->v.ip_protocol = PROTOS[below(sizeof PROTOS)]; break;
	case ZT_RULE_SPORT:
	case ZT_RULE_DPORT:
	case ZT_RULE_FRAME_SIZE:
		r->v.range[0] = some_port();
		r->v.range[1] = below(2) ? r->v.range[0] : some_port();
		break;
	case ZT_RULE_ZT_SRC:
	case ZT_RULE_ZT_DEST: r->v.zt = some_address(); break;
	case ZT_RULE_VLAN_ID: r->v.vlan_id = below(2) ? 42 : (uint16_t)below(4096); break;
	case ZT_RULE_VLAN_PCP: r->v.vlan_pcp = (uint8_t)below(8); break;
	case ZT_RULE_VLAN_DEI: r->v.vlan_dei = (uint8_t)below(2); break;
	case ZT_RULE_MAC_SRC:
	case ZT_RULE_MAC_DEST:
		r->v.mac[0] = 0x32;
		r->v.mac[5] = (uint8_t)below(3);
		break;
	case ZT_RULE_IPV4_SRC:
	case ZT_RULE_IPV4_DEST:
	case ZT_RULE_IPV6_SRC:
	case ZT_RULE_IPV6_DEST:
		r->v.ip.ip[0] = 10;
		r->v.ip.ip[3] = (uint8_t)below(3);
		r->v.ip.bits = (uint8_t)below(129);
		break;
	case ZT_RULE_IP_TOS:
		r->v.tos.mask = (uint8_t)rnd();
		r->v.tos.start = (uint8_t)below(64);
		r->v.tos.end = (uint8_t)(r->v.tos.start + below(64));
		break;
	case ZT_RULE_ICMP:
		r->v.icmp.type = below(2) ? 8 : (uint8_t)below(256);
		r->v.icmp.code = (uint8_t)below(2);
		r->v.icmp.match_code = below(2);
		break;
	case ZT_RULE_CHARACTERISTICS: r->v.characteristics = (uint64_t)1 << below(64); break;
	case ZT_RULE_RANDOM: r->v.probability = rnd(); break;
	case ZT_RULE_INT_RANGE:
		r->v.intr.idx = (uint16_t)below(80);
		r->v.intr.format = (uint8_t)(below(64) | (below(2) ? 0x80 : 0));
		r->v.intr.start = below(256);
		r->v.intr.end = below(1000);
		break;
	case ZT_RULE_ESTABLISHED: break;
	default: /* tags */
		r->v.tag.id = 1 + below(3);
		r->v.tag.value = below(3) == 0 ? rnd() : 100 + below(8);
		break;
	}
}

static void random_action(struct zt_rule *r)
{
	static const uint8_t a[] = {
	    ZT_RULE_DROP,     ZT_RULE_ACCEPT,
	    ZT_RULE_ACCEPT,   ZT_RULE_DROP,
	    ZT_RULE_BREAK,    ZT_RULE_TEE,
	    ZT_RULE_WATCH,    ZT_RULE_REDIRECT,
	    ZT_RULE_PRIORITY, 12 /* an action this version does not know */};

	memset(r, 0, sizeof *r);
	r->t = a[below(sizeof a)];
	switch (r->t) {
	case ZT_RULE_TEE:
	case ZT_RULE_WATCH:
	case ZT_RULE_REDIRECT:
		r->v.fwd.address = below(3) == 0 ? 0x4444444444ULL : some_address();
		r->v.fwd.length = (uint16_t)below(3);
		break;
	case ZT_RULE_PRIORITY: r->v.qos = (uint8_t)below(10); break;
	default: break;
	}
}

/* A list: blocks of 0-4 matches and an action, sometimes a tail of
 * matches, rarely an action alone. */
static unsigned random_list(struct zt_rule *r, unsigned max)
{
	unsigned n = 0, want = below(4) == 0 ? below(max + 1) : below(max < 40 ? max + 1 : 41);

	while (n < want) {
		unsigned m = below(5);
		for (unsigned j = 0; j < m && n < want; j++)
			random_match(&r[n++]);
		if (n < want && below(12) != 0)
			random_action(&r[n++]);
	}
	return n;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A frame: Ethernet (maybe 802.1Q), then IPv4, IPv6 (maybe behind
 * extension headers), ARP or anything, then a transport header with
 * ports; cut at a random length now and then. */
static size_t random_frame(uint8_t *f, size_t cap)
{
	size_t off = 12, len;
	uint16_t type = ETHERTYPES[below(3)];
	unsigned proto = PROTOS[below(sizeof PROTOS)];

	for (size_t i = 0; i < cap; i++)
		f[i] = (uint8_t)rnd();
	f[0] = below(4) == 0 ? 0xff : 0x32;
	f[5] = (uint8_t)below(3);
	f[6] = 0x32;
	f[11] = (uint8_t)below(3);
	if (below(6) == 0) {
		put16(f + off, 0x8100);
		put16(f + off + 2, (uint16_t)(below(2) ? 42 : rnd()));
		off += 4;
	}
	if (below(8) == 0)
		type = (uint16_t)rnd();
	put16(f + off, type);
	off += 2;
	if (type == 0x0800) {
		f[off] = below(6) == 0 ? (uint8_t)rnd() : 0x45;
		f[off + 9] = (uint8_t)proto;
		f[off + 12] = 10, f[off + 15] = (uint8_t)below(3);
		f[off + 16] = 10, f[off + 19] = (uint8_t)below(3);
		off += 20;
	} else if (type == 0x86dd) {
		unsigned ext = below(3);
		f[off + 6] = ext > 0 ? (below(2) ? 0 : 60) : (uint8_t)proto;
		f[off + 8] = 10, f[off + 23] = (uint8_t)below(3);
		f[off + 24] = 10, f[off + 39] = (uint8_t)below(3);
		off += 40;
		for (unsigned i = 0; i < ext; i++) {
			f[off] = i + 1 < ext ? 43 : (uint8_t)proto;
			f[off + 1] = (uint8_t)below(2);
			off += 8 + f[off + 1] * 8u;
		}
	}
	put16(f + off, some_port());
	put16(f + off + 2, some_port());
	len = off + 4 + below(60);
	if (below(4) == 0)
		len = below((unsigned)len + 1);
	return len < cap ? len : cap;
}

static bool same(const struct zt_rules_result *a, const struct zt_rules_result *b)
{
	return a->verdict == b->verdict && a->rule == b->rule && a->tee == b->tee &&
	       a->tee_len == b->tee_len && a->watch == b->watch && a->redirect == b->redirect &&
	       a->qos == b->qos;
}

/* Build the index of n lists into buf (words of 8 bytes): NULL if it
 * does not fit. */
static struct zt_rules_index *index_into(const struct zt_rules_list *l, unsigned n, uint64_t *buf,
                                         size_t words)
{
	size_t need = zt_rules_index_build(l, n, NULL, 0);

	CHECK(need > 0 && need <= words * 8);
	if (need == 0 || need > words * 8)
		return NULL;
	CHECK_EQ(zt_rules_index_build(l, n, (struct zt_rules_index *)buf, words * 8), need);
	return (struct zt_rules_index *)buf;
}

static void test_differential(void)
{
	static struct zt_rule rules[ZT_RULES_MAX];
	static struct zt_cap caps[3];
	static uint64_t listbuf[1 << 15], capbuf[1 << 15];
	struct zt_tag lt[3] = {{1, 100, {0}}, {2, 101, {0}}, {3, 7, {0}}};
	struct zt_tag rt[3] = {{1, 103, {0}}, {2, 101, {0}}, {3, 900, {0}}};
	struct zt_inetaddr addrs[1] = {{.family = 4, .bits = 24, .ip = {10, 0, 0, 1}}};
	uint8_t smac[6] = {0x32, 0, 0, 0, 0, 1};
	unsigned lists = 4000, frames = 40, differ = 0, decided = 0, by_caps = 0;

	for (unsigned it = 0; it < lists; it++) {
		struct zt_rules_list cl[3];
		unsigned n = random_list(rules, it % 50 == 0 ? ZT_RULES_MAX : 80);
		unsigned ncap = below(4);
		struct zt_rules_list l = {rules, n};
		struct zt_rules_index *idx, *cidx;

		for (unsigned c = 0; c < ncap; c++) {
			caps[c].rule_count = random_list(caps[c].rules, ZT_CAP_RULES_MAX);
			cl[c].rules = caps[c].rules;
			cl[c].count = caps[c].rule_count;
		}
		idx = index_into(&l, 1, listbuf, sizeof listbuf / 8);
		cidx = index_into(cl, ncap, capbuf, sizeof capbuf / 8);
		CHECK(idx != NULL && cidx != NULL);
		static uint8_t f[200];
		size_t flen = 0;
		for (unsigned fi = 0; fi < frames; fi++) {
			struct zt_rules_ctx c;
			struct zt_rules_result ra, rb;
			struct draws da = {rnd(), 0}, db = da;
			bool pa, pb;

			/* Half the time the last frame again, a few bytes
			 * changed (its addresses, TOS, payload, or the fields
			 * the index reads), and another context: the index's
			 * memo must not answer for what it did not see. */
			if (fi == 0 || below(2) == 0)
				flen = random_frame(f, sizeof f);
			else
				for (unsigned j = below(4); j > 0 && flen > 0; j--)
					f[below((unsigned)flen)] = (uint8_t)rnd();
			memset(&c, 0, sizeof c);
			c.len = flen;
			c.frame = f;
			c.nwid = NWID;
			c.self = SELF;
			c.inbound = below(2);
			c.src = c.inbound ? (below(4) ? PEER : THIRD) : SELF;
			c.dst = c.inbound ? SELF : (below(4) ? some_address() : PEER);
			c.sender_is_bridge = below(4) == 0;
			c.sender_mac = below(2) ? smac : NULL;
			c.sender_addrs = addrs;
			c.sender_addr_count = below(2);
			c.local_tags = lt;
			c.local_tag_count = below(4);
			c.remote_tags = below(5) ? rt : NULL;
			c.remote_tag_count = c.remote_tags != NULL ? below(4) : 0;
			c.random = draw;
			c.random_arg = &da;
			pa = zt_rules_filter(&c, rules, n, caps, ncap, &ra);
			c.random_arg = &db;
			pb = zt_rules_filter_fast(&c, rules, n, idx, caps, ncap, cidx, &rb);
			if (pa != pb || !same(&ra, &rb) || da.count != db.count) {
				if (differ++ < 5)
					printf("  list %u frame %u (%zu bytes): walk %d/%d rule %d "
					       "draws %u, index %d/%d rule %d draws %u\n",
					       it, fi, c.len, pa, ra.verdict, ra.rule, da.count, pb,
					       rb.verdict, rb.rule, db.count);
			}
			decided += ra.rule >= 0;
			by_caps += pa && ra.rule >= 0 && ncap > 0;
		}
	}
	CHECK_EQ(differ, 0);
	/* The lists decided often enough to mean something. */
	CHECK(decided > lists * frames / 4);
	CHECK(by_caps > 0);
}

/* bench/run.sh's zt_rules list: the index passes over what a UDP datagram
 * to another port cannot take, and still finds what one to a listed port,
 * an ARP frame or a TCP segment (through the capability) is due. */
static void test_bench_list(void)
{
	struct zt_rule r[64];
	struct zt_cap cap;
	struct zt_tag t[1] = {{1, 100, {0}}};
	struct zt_rules_list l = {r, 0}, cl = {cap.rules, 0};
	static uint64_t b1[4096], b2[4096];
	struct zt_rules_index *idx = (struct zt_rules_index *)b1,
	                      *cidx = (struct zt_rules_index *)b2;
	unsigned n = 0;

	memset(r, 0, sizeof r);
	memset(&cap, 0, sizeof cap);
	r[n].t = ZT_RULE_ETHERTYPE;
	r[n++].v.ethertype = 0x0806;
	r[n++].t = ZT_RULE_ACCEPT;
	for (uint16_t i = 0; i < 15; i++) {
		r[n].t = ZT_RULE_IP_PROTOCOL;
		r[n++].v.ip_protocol = 17;
		r[n].t = ZT_RULE_DPORT;
		r[n].v.range[0] = r[n].v.range[1] = (uint16_t)(1000 + i);
		n++;
		r[n++].t = ZT_RULE_ACCEPT;
	}
	r[n].t = ZT_RULE_TAGS_DIFFERENCE;
	r[n].v.tag.id = 1;
	r[n++].v.tag.value = 50;
	r[n].t = ZT_RULE_IP_PROTOCOL;
	r[n++].v.ip_protocol = 99;
	r[n++].t = ZT_RULE_ACCEPT;
	for (unsigned i = 0; i < 3; i++) {
		cap.rules[2 * i].t = ZT_RULE_IP_PROTOCOL;
		cap.rules[2 * i].v.ip_protocol = (uint8_t)(i == 0 ? 6 : i == 1 ? 17 : 1);
		cap.rules[2 * i + 1].t = ZT_RULE_ACCEPT;
	}
	cap.rule_count = 6;
	l.count = n;
	cl.count = 6;
	CHECK(zt_rules_index_build(&l, 1, idx, sizeof b1) <= sizeof b1);
	CHECK(zt_rules_index_build(&cl, 1, cidx, sizeof b2) <= sizeof b2);

	struct {
		uint16_t type;
		uint8_t proto;
		uint16_t dport;
		bool pass;
		int rule; /* the deciding entry: the list's, or the capability's */
	} cases[] = {
	    {0x0800, 17, 5201, true, 3},  /* the capability's "accept ipprotocol udp" */
	    {0x0800, 17, 1007, true, 25}, /* the list's accept for dport 1007 */
	    {0x0800, 6, 1007, true, 1},   /* TCP: the capability's first accept */
	    {0x0806, 0, 0, true, 1},      /* ARP */
	    {0x0800, 47, 0, false, -1},   /* GRE: nothing accepts it */
	    {0x86dd, 17, 1014, true, 46},
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t f[14 + 40 + 8] = {0x32, 1, 1, 1, 1, 1, 0x32, 2, 2, 2, 2, 2};
		size_t ip = cases[i].type == 0x86dd ? 40 : 20;
		struct zt_rules_ctx c;
		struct zt_rules_result ra, rb;
		bool pa, pb;

		put16(f + 12, cases[i].type);
		if (cases[i].type == 0x0800) {
			f[14] = 0x45;
			f[14 + 9] = cases[i].proto;
		} else if (cases[i].type == 0x86dd) {
			f[14] = 0x60;
			f[14 + 6] = cases[i].proto;
		}
		put16(f + 14 + ip, 50000);
		put16(f + 14 + ip + 2, cases[i].dport);
		memset(&c, 0, sizeof c);
		c.frame = f;
		c.len = 14 + ip + 8;
		c.self = c.dst = SELF;
		c.src = PEER;
		c.inbound = true;
		c.local_tags = c.remote_tags = t;
		c.local_tag_count = c.remote_tag_count = 1;
		pa = zt_rules_filter(&c, r, n, &cap, 1, &ra);
		pb = zt_rules_filter_fast(&c, r, n, idx, &cap, 1, cidx, &rb);
		CHECK_EQ(pa, cases[i].pass);
		CHECK_EQ(ra.rule, cases[i].rule);
		CHECK_EQ(pb, pa);
		CHECK(same(&ra, &rb));
	}
	/* An index of another list (another length) is not used. */
	{
		struct zt_rules_result ra, rb;
		struct zt_rules_ctx c;
		uint8_t f[60] = {0x32, 1, 1, 1, 1, 1, 0x32, 2, 2, 2, 2, 2, 0x08, 0x06};
		memset(&c, 0, sizeof c);
		c.frame = f;
		c.len = sizeof f;
		c.self = c.dst = SELF;
		c.src = PEER;
		CHECK_EQ(zt_rules_filter_fast(&c, r + 2, n - 2, idx, NULL, 0, NULL, &rb),
		         zt_rules_filter(&c, r + 2, n - 2, NULL, 0, &ra));
		CHECK(same(&ra, &rb));
	}
	/* Too little room: the size, nothing written. */
	CHECK_EQ(zt_rules_index_build(&l, 1, idx, 8), zt_rules_index_build(&l, 1, NULL, 0));
}

int main(void)
{
	RUN(test_bench_list);
	RUN(test_differential);
	TEST_EXIT();
}
