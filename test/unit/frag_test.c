/* SPDX-License-Identifier: MIT */
/*
 * frag_test.c - fragmentation and reassembly: random sizes in random
 * order, duplicates, expiry of incomplete packets, eviction when every slot
 * is busy, each source's share of the slots and a forger's flood, malformed
 * and mismatched fragments, and the hop count.
 */
#include <stdlib.h>
#include <string.h>

#include "frag.h"
#include "test.h"
#include "util.h"

/* A zero allocator: libc's malloc and free (mem.h). */
static const struct zt_mem libc_mem;

#define T0 1700000000000LL

static struct test_rng rng;
static uint8_t out[ZT_PACKET_MAX + 64];

/* A source: endpoint 192.0.2.x/port (x from the high bits of n), known
 * (an authenticated packet came from it) or not, direct or relayed. */
static struct zt_frag_src source(unsigned n, bool known, uint64_t relayed)
{
	struct zt_frag_src s = {.ep = {.family = 4, .port = (uint16_t)(1000 + (n & 0xfff))},
	                        .relayed = relayed,
	                        .known = known};
	s.ep.ip[0] = 192;
	s.ep.ip[2] = 2;
	s.ep.ip[3] = (uint8_t)(n >> 12);
	return s;
}

/* The honest peer most tests use. */
static struct zt_frag_src peer;

static unsigned rnd(unsigned n)
{
	uint8_t b[4];
	test_rng_bytes(&rng, b, sizeof b);
	return zt_get_u32(b) % n;
}

/* A plausible packet: a DATA header from src to dst and random bytes. */
static void make_packet(uint8_t *pkt, size_t len, uint64_t dst, uint64_t src)
{
	struct zt_hdr h = {ZT_PT_DATA, 0, dst, src};
	test_rng_bytes(&rng, pkt, len);
	zt_wire_hdr_encode(pkt, &h);
}

struct frags {
	unsigned count;
	uint8_t f[ZT_FRAG_MAX][ZT_UDP_MAX];
	size_t len[ZT_FRAG_MAX];
};

static void split(struct frags *fr, const uint8_t *pkt, size_t len, uint32_t id)
{
	fr->count = zt_frag_count(len, ZT_UDP_MAX);
	for (unsigned i = 0; i < fr->count && i < ZT_FRAG_MAX; i++)
		fr->len[i] = zt_frag_build(pkt, len, ZT_UDP_MAX, id, i, fr->count, fr->f[i]);
}

static int add(struct zt_frag *f, int64_t now, const struct frags *fr, unsigned i, size_t *olen)
{
	return zt_frag_add(f, now, &peer, fr->f[i], fr->len[i], out, olen);
}

static void test_count_and_build(void)
{
	static uint8_t pkt[ZT_PACKET_MAX];
	uint8_t frag[ZT_UDP_MAX];
	size_t chunk = ZT_UDP_MAX - ZT_FRAG_HDR_LEN;
	struct zt_hdr h;

	CHECK_EQ(zt_frag_count(ZT_HDR_LEN, ZT_UDP_MAX), 1);
	CHECK_EQ(zt_frag_count(ZT_UDP_MAX, ZT_UDP_MAX), 1);
	CHECK_EQ(zt_frag_count(ZT_UDP_MAX + 1, ZT_UDP_MAX), 2);
	CHECK_EQ(zt_frag_count(2 * chunk, ZT_UDP_MAX), 2);
	CHECK_EQ(zt_frag_count(2 * chunk + 1, ZT_UDP_MAX), 3);
	/* The largest packet fits in ZT_FRAG_MAX fragments. */
	CHECK(zt_frag_count(ZT_PACKET_MAX, ZT_UDP_MAX) <= ZT_FRAG_MAX);

	make_packet(pkt, 3000, 0x1122334455ULL, 0x6677889900ULL);
	pkt[1] = 2; /* hops are not copied into fragments */
	CHECK_EQ(zt_frag_build(pkt, 3000, ZT_UDP_MAX, 0xdeadbeef, 1, 3, frag), ZT_UDP_MAX);
	CHECK(zt_wire_hdr_decode(&h, frag, ZT_UDP_MAX));
	CHECK_EQ(h.type, ZT_PT_FRAG);
	CHECK_EQ(h.hops, 0);
	CHECK_EQ(h.dst, 0x1122334455ULL);
	CHECK_EQ(h.src, 0x6677889900ULL);
	CHECK_EQ(zt_get_u32(frag + ZT_HDR_LEN), 0xdeadbeef);
	CHECK_EQ(frag[ZT_HDR_LEN + 4], 1);
	CHECK_EQ(frag[ZT_HDR_LEN + 5], 3);
	CHECK(memcmp(frag + ZT_FRAG_HDR_LEN, pkt + chunk, chunk) == 0);
	/* The last one carries the rest. */
	CHECK_EQ(zt_frag_build(pkt, 3000, ZT_UDP_MAX, 0xdeadbeef, 2, 3, frag),
	         ZT_FRAG_HDR_LEN + 3000 - 2 * chunk);
}

static void test_random_sizes_any_order(void)
{
	static uint8_t pkt[ZT_PACKET_MAX];
	static struct frags fr;
	struct zt_frag f;
	int ok = 0;

	test_rng_seed(&rng, 1);
	zt_frag_init(&f, &libc_mem);
	for (int iter = 0; iter < 300; iter++) {
		size_t len = ZT_UDP_MAX + 1 + rnd(ZT_PACKET_MAX - ZT_UDP_MAX);
		unsigned order[ZT_FRAG_MAX];
		size_t olen = 0;
		int r = 0;

		if (iter < 4) /* the edges first */
			len = (size_t[]){ZT_UDP_MAX + 1, ZT_PACKET_MAX,
			                 2 * (ZT_UDP_MAX - ZT_FRAG_HDR_LEN),
			                 2 * (ZT_UDP_MAX - ZT_FRAG_HDR_LEN) + 1}[iter];
		make_packet(pkt, len, 0x0a0a0a0a0aULL, 0x0b0b0b0b00ULL + (uint64_t)(iter % 7));
		split(&fr, pkt, len, (uint32_t)iter * 7919u);
		CHECK(fr.count >= 2 && fr.count <= ZT_FRAG_MAX);
		for (unsigned i = 0; i < fr.count; i++)
			order[i] = i;
		for (unsigned i = fr.count - 1; i > 0; i--) {
			unsigned j = rnd(i + 1), t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		for (unsigned k = 0; k < fr.count; k++) {
			r = add(&f, T0 + iter, &fr, order[k], &olen);
			if (k + 1 < fr.count)
				CHECK_EQ(r, 0);
		}
		CHECK_EQ(r, 1);
		CHECK_EQ(olen, len);
		if (r == 1 && olen == len && memcmp(out, pkt, len) == 0)
			ok++;
	}
	CHECK_EQ(ok, 300);
	/* Every slot was released on completion. */
	for (int i = 0; i < ZT_FRAG_SLOTS; i++)
		CHECK(!f.slots[i].used);
	CHECK_EQ(f.dropped, 0);
	zt_frag_cleanup(&f);
}

static void test_interleaved_packets(void)
{
	static uint8_t pkt[3][8000];
	static struct frags fr[3];
	struct zt_frag f;
	size_t olen;
	int done = 0;

	test_rng_seed(&rng, 2);
	zt_frag_init(&f, &libc_mem);
	/* Same id from different sources, and different ids from one source,
	 * are different packets. */
	make_packet(pkt[0], 5000, 0x0a0a0a0a0aULL, 0x0101010101ULL);
	make_packet(pkt[1], 6000, 0x0a0a0a0a0aULL, 0x0202020202ULL);
	make_packet(pkt[2], 7000, 0x0a0a0a0a0aULL, 0x0101010101ULL);
	split(&fr[0], pkt[0], 5000, 42);
	split(&fr[1], pkt[1], 6000, 42);
	split(&fr[2], pkt[2], 7000, 43);
	for (unsigned i = 0; i < ZT_FRAG_MAX; i++) {
		for (int p = 0; p < 3; p++) {
			if (i >= fr[p].count)
				continue;
			int r = add(&f, T0, &fr[p], fr[p].count - 1 - i, &olen);
			if (r == 1) {
				size_t want = p == 0 ? 5000 : p == 1 ? 6000 : 7000;
				CHECK_EQ(olen, want);
				CHECK(memcmp(out, pkt[p], want) == 0);
				done++;
			} else {
				CHECK_EQ(r, 0);
			}
		}
	}
	CHECK_EQ(done, 3);
	zt_frag_cleanup(&f);
}

static void test_duplicates(void)
{
	static uint8_t pkt[5000];
	static struct frags fr;
	struct zt_frag f;
	size_t olen;

	test_rng_seed(&rng, 3);
	zt_frag_init(&f, &libc_mem);
	make_packet(pkt, sizeof pkt, 0x0a0a0a0a0aULL, 0x0b0b0b0b0bULL);
	split(&fr, pkt, sizeof pkt, 7);
	CHECK_EQ(fr.count, 4);
	CHECK_EQ(add(&f, T0, &fr, 0, &olen), 0);
	CHECK_EQ(add(&f, T0, &fr, 0, &olen), 0);
	CHECK_EQ(add(&f, T0, &fr, 2, &olen), 0);
	/* A duplicate with other contents does not replace the first. */
	{
		uint8_t forged[ZT_UDP_MAX];
		memcpy(forged, fr.f[2], fr.len[2]);
		forged[ZT_FRAG_HDR_LEN + 5] ^= 0xff;
		CHECK_EQ(zt_frag_add(&f, T0, &peer, forged, fr.len[2], out, &olen), 0);
	}
	CHECK_EQ(add(&f, T0, &fr, 1, &olen), 0);
	CHECK_EQ(add(&f, T0, &fr, 1, &olen), 0);
	CHECK_EQ(add(&f, T0, &fr, 3, &olen), 1);
	CHECK_EQ(olen, sizeof pkt);
	CHECK(memcmp(out, pkt, sizeof pkt) == 0);
	/* A late duplicate after completion starts a new partial packet that
	 * can only expire (the reassembled packet's replay protection is what
	 * stops a second delivery). */
	CHECK_EQ(add(&f, T0 + 1, &fr, 3, &olen), 0);
	CHECK_EQ(olen, 0);
	zt_frag_expire(&f, T0 + 1 + ZT_FRAG_TIMEOUT);
	CHECK_EQ(f.dropped, 1);
	zt_frag_cleanup(&f);
}

static void test_expiry(void)
{
	static uint8_t pkt[4000];
	static struct frags fr;
	struct zt_frag f;
	size_t olen;

	test_rng_seed(&rng, 4);
	zt_frag_init(&f, &libc_mem);
	make_packet(pkt, sizeof pkt, 0x0a0a0a0a0aULL, 0x0b0b0b0b0bULL);
	split(&fr, pkt, sizeof pkt, 9);
	CHECK_EQ(fr.count, 3);

	/* Just inside the timeout the missing fragment still completes it. */
	CHECK_EQ(add(&f, T0, &fr, 0, &olen), 0);
	CHECK_EQ(add(&f, T0 + 10, &fr, 2, &olen), 0);
	zt_frag_expire(&f, T0 + ZT_FRAG_TIMEOUT - 1);
	CHECK_EQ(f.dropped, 0);
	CHECK_EQ(add(&f, T0 + ZT_FRAG_TIMEOUT - 1, &fr, 1, &olen), 1);
	CHECK(olen == sizeof pkt && memcmp(out, pkt, sizeof pkt) == 0);

	/* At the timeout it is gone: the late fragment alone completes
	 * nothing.  The age counts from the first fragment, not the last. */
	CHECK_EQ(add(&f, T0, &fr, 0, &olen), 0);
	CHECK_EQ(add(&f, T0 + 2999, &fr, 2, &olen), 0);
	zt_frag_expire(&f, T0 + ZT_FRAG_TIMEOUT);
	CHECK_EQ(f.dropped, 1);
	for (int i = 0; i < ZT_FRAG_SLOTS; i++)
		CHECK(!f.slots[i].used);
	CHECK_EQ(add(&f, T0 + ZT_FRAG_TIMEOUT, &fr, 1, &olen), 0);
	CHECK_EQ(olen, 0);
	zt_frag_cleanup(&f);
	for (int i = 0; i < ZT_FRAG_SLOTS; i++)
		CHECK(!f.slots[i].used && f.slots[i].buf == NULL);
}

/* A partial packet of `len` bytes from `src`: its first fragment added. */
static void start(struct zt_frag *f, int64_t now, const struct zt_frag_src *src, struct frags *fr,
                  uint32_t id)
{
	static uint8_t pkt[3000];
	size_t olen;
	make_packet(pkt, sizeof pkt, 0x0a0a0a0a0aULL, 0x0b0b0b0b0bULL);
	split(fr, pkt, sizeof pkt, id);
	CHECK_EQ(zt_frag_add(f, now, src, fr->f[0], fr->len[0], out, &olen), 0);
}

/* The rest of a packet start() began: 1 if it completes. */
static int finish(struct zt_frag *f, int64_t now, const struct zt_frag_src *src, struct frags *fr)
{
	size_t olen;
	int r = 0;
	for (unsigned i = 1; i < fr->count; i++)
		r = zt_frag_add(f, now, src, fr->f[i], fr->len[i], out, &olen);
	return r;
}

static unsigned slots_used(const struct zt_frag *f)
{
	unsigned used = 0;
	for (int i = 0; i < ZT_FRAG_SLOTS; i++)
		used += f->slots[i].used;
	return used;
}

/* A junk fragment claiming to be from src, packet id `id`. */
static int junk(struct zt_frag *f, int64_t now, const struct zt_frag_src *from, uint64_t src,
                uint32_t id)
{
	uint8_t j[100];
	struct zt_hdr h = {ZT_PT_FRAG, 0, 0x0a0a0a0a0aULL, src};
	size_t olen;
	memset(j, 0x5a, sizeof j);
	zt_wire_hdr_encode(j, &h);
	zt_put_u32(j + ZT_HDR_LEN, id);
	j[ZT_HDR_LEN + 4] = 0;
	j[ZT_HDR_LEN + 5] = 2;
	return zt_frag_add(f, now, from, j, sizeof j, out, &olen);
}

/* Every slot busy, each with another source: the oldest makes room. */
static void test_slot_exhaustion(void)
{
	static struct frags fr[ZT_FRAG_SLOTS + 1];
	struct zt_frag_src src[ZT_FRAG_SLOTS + 1];
	struct zt_frag f;

	test_rng_seed(&rng, 5);
	zt_frag_init(&f, &libc_mem);
	for (uint32_t i = 0; i <= ZT_FRAG_SLOTS; i++)
		src[i] = source(i, true, 0);
	for (uint32_t i = 0; i < ZT_FRAG_SLOTS; i++)
		start(&f, T0 + i, &src[i], &fr[i], 1000 + i);
	CHECK_EQ(fr[0].count, 3);
	CHECK_EQ(slots_used(&f), ZT_FRAG_SLOTS);
	CHECK_EQ(f.dropped, 0);
	/* One more: the oldest makes room. */
	start(&f, T0 + 100, &src[ZT_FRAG_SLOTS], &fr[ZT_FRAG_SLOTS], 1000 + ZT_FRAG_SLOTS);
	CHECK_EQ(f.dropped, 1);
	/* The evicted packet cannot complete any more (its new partial
	 * evicts fr[1]); the next oldest and the newcomer can. */
	CHECK_EQ(finish(&f, T0 + 101, &src[0], &fr[0]), 0);
	CHECK_EQ(f.dropped, 2);
	CHECK_EQ(finish(&f, T0 + 102, &src[2], &fr[2]), 1);
	CHECK_EQ(finish(&f, T0 + 103, &src[ZT_FRAG_SLOTS], &fr[ZT_FRAG_SLOTS]), 1);
	CHECK_EQ(slots_used(&f), ZT_FRAG_SLOTS - 2);
	zt_frag_cleanup(&f);
}

/* One source holds at most ZT_FRAG_PER_SRC slots, recycling its own oldest,
 * even with the table empty; a relayed sender is a source of its own. */
static void test_per_source_share(void)
{
	static struct frags fr[3 * ZT_FRAG_PER_SRC];
	struct zt_frag_src one = source(1, true, 0), root = source(2, true, 0);
	struct zt_frag_src via_a = source(2, true, 0x0d0d0d0d01ULL);
	struct zt_frag_src via_b = source(2, true, 0x0d0d0d0d02ULL);
	struct zt_frag f;
	int done = 0;

	test_rng_seed(&rng, 10);
	zt_frag_init(&f, &libc_mem);
	for (uint32_t i = 0; i < 3 * ZT_FRAG_PER_SRC; i++)
		start(&f, T0 + i, &one, &fr[i], 2000 + i);
	CHECK_EQ(slots_used(&f), ZT_FRAG_PER_SRC);
	CHECK_EQ(f.dropped, 2 * ZT_FRAG_PER_SRC);
	for (int i = 0; i < ZT_FRAG_SLOTS; i++)
		if (f.slots[i].used)
			CHECK_EQ(f.slots[i].held, ZT_FRAG_PER_SRC);
	/* The newest ZT_FRAG_PER_SRC complete, the older do not. */
	for (uint32_t i = 2 * ZT_FRAG_PER_SRC; i < 3 * ZT_FRAG_PER_SRC; i++)
		done += finish(&f, T0 + 100, &one, &fr[i]) == 1;
	CHECK_EQ(done, ZT_FRAG_PER_SRC);
	for (uint32_t i = 0; i < 2 * ZT_FRAG_PER_SRC; i++)
		CHECK_EQ(finish(&f, T0 + 100, &one, &fr[i]), 0);
	zt_frag_cleanup(&f);

	/* Through one root: each sender it relays for has its own share, and
	 * the root's own packets theirs. */
	zt_frag_init(&f, &libc_mem);
	for (uint32_t i = 0; i < 3 * ZT_FRAG_PER_SRC; i++)
		start(&f, T0 + i,
		      i % 3 == 0   ? &root
		      : i % 3 == 1 ? &via_a
		                   : &via_b,
		      &fr[i], 3000 + i);
	CHECK_EQ(slots_used(&f), 3 * ZT_FRAG_PER_SRC);
	CHECK_EQ(f.dropped, 0);
	zt_frag_cleanup(&f);
}

/* A forger's fragments (any claimed sender, any packet id, from one
 * endpoint or from many) must not evict an honest peer's packet in
 * reassembly, however many it sends. */
static void test_spoofed_flood(void)
{
	static struct frags honest, relayed, late;
	struct zt_frag_src forger = source(7, false, 0), member = source(8, true, 0);
	struct zt_frag_src root = source(9, true, 0x0e0e0e0e0eULL);
	struct zt_frag f;
	int64_t t = T0;

	test_rng_seed(&rng, 9);
	zt_frag_init(&f, &libc_mem);
	peer = source(3, true, 0);
	start(&f, t, &peer, &honest, 0x5eed);
	start(&f, t, &root, &relayed, 0x5eee);
	/* One endpoint, half the fragments claiming the honest peer's
	 * address: it holds no more than its share. */
	for (uint32_t i = 0; i < 4 * ZT_FRAG_SLOTS; i++) {
		CHECK_EQ(junk(&f, ++t, &forger, i % 2 ? 0x0b0b0b0b0bULL : 0x0c0c0c0000ULL + i,
		              0x70000000u + i),
		         0);
		CHECK(slots_used(&f) <= 2 + ZT_FRAG_PER_SRC);
	}
	/* Spoofed from ever new endpoints: they fill the table, and take
	 * nothing from known sources. */
	for (uint32_t i = 0; i < 4 * ZT_FRAG_SLOTS; i++) {
		struct zt_frag_src s = source(0x10000 + i, false, 0);
		CHECK_EQ(junk(&f, ++t, &s, 0x0b0b0b0b0bULL, 0x71000000u + i), 0);
	}
	CHECK_EQ(slots_used(&f), ZT_FRAG_SLOTS);
	/* A known source still gets a slot (a stranger's) mid-flood. */
	start(&f, ++t, &peer, &late, 0x5eef);
	CHECK_EQ(junk(&f, ++t, &forger, 0x0b0b0b0b0bULL, 0x72000000u), 0);
	/* A member flooding from its own (known) endpoint: its own share. */
	for (uint32_t i = 0; i < 4 * ZT_FRAG_SLOTS; i++)
		CHECK_EQ(junk(&f, ++t, &member, 0x0b0b0b0b0bULL, 0x73000000u + i), 0);
	CHECK(t - T0 < ZT_FRAG_TIMEOUT);
	CHECK_EQ(finish(&f, ++t, &peer, &honest), 1);
	CHECK_EQ(finish(&f, ++t, &root, &relayed), 1);
	CHECK_EQ(finish(&f, ++t, &peer, &late), 1);
	{
		unsigned held = 0;
		for (int i = 0; i < ZT_FRAG_SLOTS; i++)
			held += f.slots[i].used && f.slots[i].from.ep.port == member.ep.port &&
			        f.slots[i].from.ep.ip[3] == member.ep.ip[3];
		CHECK_EQ(held, ZT_FRAG_PER_SRC);
	}
	zt_frag_cleanup(&f);
	peer = source(0, true, 0);
}

static void test_malformed(void)
{
	static uint8_t pkt[4000];
	static struct frags fr;
	struct zt_frag f;
	uint8_t t[ZT_UDP_MAX + 64];
	size_t olen;

	test_rng_seed(&rng, 6);
	zt_frag_init(&f, &libc_mem);
	make_packet(pkt, sizeof pkt, 0x0a0a0a0a0aULL, 0x0b0b0b0b0bULL);
	split(&fr, pkt, sizeof pkt, 11);

	/* Too short (no payload), too long, another version, reserved bits. */
	CHECK_EQ(zt_frag_add(&f, T0, &peer, fr.f[0], ZT_FRAG_HDR_LEN, out, &olen), ZT_EINVAL);
	CHECK_EQ(zt_frag_add(&f, T0, &peer, fr.f[0], 5, out, &olen), ZT_EINVAL);
	memcpy(t, fr.f[0], fr.len[0]);
	t[0] = (uint8_t)((2 << 4) | ZT_PT_FRAG);
	CHECK_EQ(zt_frag_add(&f, T0, &peer, t, fr.len[0], out, &olen), ZT_EINVAL);
	memcpy(t, fr.f[0], fr.len[0]);
	t[1] = 0x08;
	CHECK_EQ(zt_frag_add(&f, T0, &peer, t, fr.len[0], out, &olen), ZT_EINVAL);
	memset(t, 0, sizeof t);
	memcpy(t, fr.f[0], fr.len[0]);
	CHECK_EQ(zt_frag_add(&f, T0, &peer, t, ZT_UDP_MAX + 65, out, &olen), ZT_EINVAL);
	/* Index and count out of range. */
	for (int c = 0; c < 256; c++) {
		memcpy(t, fr.f[0], fr.len[0]);
		t[ZT_HDR_LEN + 5] = (uint8_t)c;
		t[ZT_HDR_LEN + 4] = 0;
		if (c < 2 || c > ZT_FRAG_MAX)
			CHECK_EQ(zt_frag_add(&f, T0, &peer, t, fr.len[0], out, &olen), ZT_EINVAL);
		t[ZT_HDR_LEN + 4] = (uint8_t)c;
		CHECK_EQ(zt_frag_add(&f, T0, &peer, t, fr.len[0], out, &olen), ZT_EINVAL);
	}
	for (int i = 0; i < ZT_FRAG_SLOTS; i++)
		CHECK(!f.slots[i].used);

	/* A fragment that disagrees with the slot about the count. */
	CHECK_EQ(add(&f, T0, &fr, 0, &olen), 0);
	memcpy(t, fr.f[1], fr.len[1]);
	t[ZT_HDR_LEN + 5] = 4;
	CHECK_EQ(zt_frag_add(&f, T0, &peer, t, fr.len[1], out, &olen), ZT_EINVAL);
	/* A payload longer than a datagram's worth. */
	memset(t, 0, sizeof t);
	memcpy(t, fr.f[1], fr.len[1]);
	CHECK_EQ(zt_frag_add(&f, T0, &peer, t, ZT_UDP_MAX + 64, out, &olen), ZT_EINVAL);
	/* The slot is intact: the right fragments still complete it. */
	CHECK_EQ(add(&f, T0, &fr, 1, &olen), 0);
	CHECK_EQ(add(&f, T0, &fr, 2, &olen), 1);
	CHECK(olen == sizeof pkt && memcmp(out, pkt, sizeof pkt) == 0);
	zt_frag_cleanup(&f);
}

/* The packet inside must be the one the fragments claim to carry. */
static void test_inner_header_mismatch(void)
{
	static uint8_t pkt[4000];
	static struct frags fr;
	struct zt_frag f;
	size_t olen;
	struct {
		const char *what;
		size_t off;
		uint8_t xor ;
	} cases[] = {
	    {"inner dst", 2, 0x01},           {"inner src", 11, 0x80},
	    {"inner version", 0, 0x30},       {"inner type FRAG", 0, ZT_PT_DATA ^ ZT_PT_FRAG},
	    {"inner reserved bits", 1, 0x10},
	};

	test_rng_seed(&rng, 7);
	zt_frag_init(&f, &libc_mem);
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		int r = 0;
		make_packet(pkt, sizeof pkt, 0x0a0a0a0a0aULL, 0x0b0b0b0b0bULL);
		pkt[cases[c].off] ^= cases[c].xor ;
		split(&fr, pkt, sizeof pkt, 20 + (uint32_t)c);
		/* Outer header of each fragment from the genuine header. */
		for (unsigned i = 0; i < fr.count; i++) {
			struct zt_hdr h = {ZT_PT_FRAG, 0, 0x0a0a0a0a0aULL, 0x0b0b0b0b0bULL};
			zt_wire_hdr_encode(fr.f[i], &h);
		}
		for (unsigned i = 0; i < fr.count; i++)
			r = add(&f, T0, &fr, i, &olen);
		if (r != ZT_EINVAL)
			printf("  %s: %d\n", cases[c].what, r);
		CHECK_EQ(r, ZT_EINVAL);
		CHECK_EQ(olen, 0);
	}
	/* A too-short inner packet. */
	{
		uint8_t a[ZT_UDP_MAX], b[ZT_UDP_MAX];
		struct zt_hdr h = {ZT_PT_FRAG, 0, 0x0a0a0a0a0aULL, 0x0b0b0b0b0bULL};
		zt_wire_hdr_encode(a, &h);
		zt_wire_hdr_encode(b, &h);
		zt_put_u32(a + ZT_HDR_LEN, 99);
		zt_put_u32(b + ZT_HDR_LEN, 99);
		a[ZT_HDR_LEN + 4] = 0;
		b[ZT_HDR_LEN + 4] = 1;
		a[ZT_HDR_LEN + 5] = b[ZT_HDR_LEN + 5] = 2;
		a[ZT_FRAG_HDR_LEN] = 0x14;
		b[ZT_FRAG_HDR_LEN] = 0;
		CHECK_EQ(zt_frag_add(&f, T0, &peer, a, ZT_FRAG_HDR_LEN + 1, out, &olen), 0);
		CHECK_EQ(zt_frag_add(&f, T0, &peer, b, ZT_FRAG_HDR_LEN + 1, out, &olen), ZT_EINVAL);
	}
	/* Twelve full fragments make more than ZT_PACKET_MAX. */
	{
		static uint8_t big[ZT_FRAG_MAX * (ZT_UDP_MAX - ZT_FRAG_HDR_LEN)];
		int r = 0;
		make_packet(big, sizeof big, 0x0a0a0a0a0aULL, 0x0b0b0b0b0bULL);
		split(&fr, big, sizeof big, 77);
		CHECK_EQ(fr.count, ZT_FRAG_MAX);
		for (unsigned i = 0; i < fr.count; i++)
			r = add(&f, T0, &fr, i, &olen);
		CHECK_EQ(r, ZT_EINVAL);
	}
	for (int i = 0; i < ZT_FRAG_SLOTS; i++)
		CHECK(!f.slots[i].used);
	zt_frag_cleanup(&f);
}

static void test_hops_carried(void)
{
	static uint8_t pkt[4000];
	static struct frags fr;
	struct zt_frag f;
	size_t olen;

	test_rng_seed(&rng, 8);
	zt_frag_init(&f, &libc_mem);
	make_packet(pkt, sizeof pkt, 0x0a0a0a0a0aULL, 0x0b0b0b0b0bULL);
	pkt[1] = 0; /* what the sender sealed */
	split(&fr, pkt, sizeof pkt, 5);
	/* A root relayed some fragments (hops 1), one went through two. */
	fr.f[0][1] = 1;
	fr.f[1][1] = 2;
	CHECK_EQ(add(&f, T0, &fr, 0, &olen), 0);
	CHECK_EQ(add(&f, T0, &fr, 1, &olen), 0);
	CHECK_EQ(add(&f, T0, &fr, 2, &olen), 1);
	CHECK_EQ(out[1], 2);
	out[1] = 0;
	CHECK(memcmp(out, pkt, sizeof pkt) == 0);
	/* All direct: hops stay 0. */
	split(&fr, pkt, sizeof pkt, 6);
	for (unsigned i = 0; i < fr.count; i++)
		CHECK_EQ(add(&f, T0, &fr, i, &olen), i + 1 == fr.count);
	CHECK_EQ(olen, sizeof pkt);
	CHECK(memcmp(out, pkt, sizeof pkt) == 0); /* hops 0 included */
	zt_frag_cleanup(&f);
}

int main(void)
{
	peer = source(0, true, 0);
	RUN(test_count_and_build);
	RUN(test_random_sizes_any_order);
	RUN(test_interleaved_packets);
	RUN(test_duplicates);
	RUN(test_expiry);
	RUN(test_slot_exhaustion);
	RUN(test_per_source_share);
	RUN(test_spoofed_flood);
	RUN(test_malformed);
	RUN(test_inner_header_mismatch);
	RUN(test_hops_carried);
	TEST_EXIT();
}
