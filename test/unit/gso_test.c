/* SPDX-License-Identifier: MIT */
/*
 * gso_test.c - segmentation (node/gso.c) and coalescing (node/gro.c)
 * against naive references on random TCP streams: IPv4 and IPv6, random
 * option lengths, payload and segment sizes, PSH/FIN/CWR, out-of-order
 * segments, retransmits, interleaved flows, pure ACKs, non-TCP frames and
 * corrupt checksums.  Every checksum is checked with an RFC 1071
 * big-endian reference that shares no code with the module.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gro.h"
#include "gso.h"
#include "test.h"

#define ZT_FRAME_MAX_TEST 1600

static struct test_rng rng;

static uint32_t rnd(uint32_t n) /* 0 .. n-1 */
{
	uint32_t v;
	test_rng_bytes(&rng, &v, sizeof v);
	return n ? v % n : 0;
}

/* ---- the naive reference ---- */

static uint32_t ref_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

struct spec {
	bool v6;
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t sport, dport, window, id;
	size_t optlen; /* multiple of 4, <= 40 */
	uint8_t opts[40];
	uint8_t src[16], dst[16];
};

static size_t l3len(const struct spec *s)
{
	return s->v6 ? 40 : 20;
}

static size_t hdrlen(const struct spec *s)
{
	return 14 + l3len(s) + 20 + s->optlen;
}

static uint32_t ref_pseudo(const struct spec *s, size_t l4len)
{
	size_t alen = s->v6 ? 16 : 4;
	uint32_t sum = ref_sum(0, s->src, alen);
	sum = ref_sum(sum, s->dst, alen);
	return sum + 6 + (uint32_t)l4len;
}

/* A frame with correct checksums, built field by field. */
static size_t ref_frame(uint8_t *f, const struct spec *s, const uint8_t *payload, size_t plen)
{
	size_t l3 = 14, l4 = l3 + l3len(s), hl = hdrlen(s), tl = hl - l4 + plen;
	uint16_t c;

	memset(f, 0, hl);
	memcpy(f, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	f[12] = s->v6 ? 0x86 : 0x08;
	f[13] = s->v6 ? 0xdd : 0x00;
	if (s->v6) {
		f[l3] = 0x60;
		f[l3 + 4] = (uint8_t)(tl >> 8);
		f[l3 + 5] = (uint8_t)tl;
		f[l3 + 6] = 6;
		f[l3 + 7] = 64;
		memcpy(f + l3 + 8, s->src, 16);
		memcpy(f + l3 + 24, s->dst, 16);
	} else {
		size_t il = 20 + tl;
		f[l3] = 0x45;
		f[l3 + 2] = (uint8_t)(il >> 8);
		f[l3 + 3] = (uint8_t)il;
		f[l3 + 4] = (uint8_t)(s->id >> 8);
		f[l3 + 5] = (uint8_t)s->id;
		f[l3 + 6] = 0x40; /* DF */
		f[l3 + 8] = 64;
		f[l3 + 9] = 6;
		memcpy(f + l3 + 12, s->src, 4);
		memcpy(f + l3 + 16, s->dst, 4);
		c = (uint16_t)~ref_fold(ref_sum(0, f + l3, 20));
		f[l3 + 10] = (uint8_t)(c >> 8);
		f[l3 + 11] = (uint8_t)c;
	}
	f[l4] = (uint8_t)(s->sport >> 8);
	f[l4 + 1] = (uint8_t)s->sport;
	f[l4 + 2] = (uint8_t)(s->dport >> 8);
	f[l4 + 3] = (uint8_t)s->dport;
	for (int i = 0; i < 4; i++) {
		f[l4 + 4 + i] = (uint8_t)(s->seq >> (24 - 8 * i));
		f[l4 + 8 + i] = (uint8_t)(s->ack >> (24 - 8 * i));
	}
	f[l4 + 12] = (uint8_t)(((20 + s->optlen) / 4) << 4);
	f[l4 + 13] = s->flags;
	f[l4 + 14] = (uint8_t)(s->window >> 8);
	f[l4 + 15] = (uint8_t)s->window;
	memcpy(f + l4 + 20, s->opts, s->optlen);
	memcpy(f + hl, payload, plen);
	c = (uint16_t)~ref_fold(ref_sum(ref_pseudo(s, tl), f + l4, tl));
	f[l4 + 16] = (uint8_t)(c >> 8);
	f[l4 + 17] = (uint8_t)c;
	return hl + plen;
}

/* Both checksums of a frame are right (reference arithmetic). */
static bool ref_valid(const uint8_t *f, size_t len, bool v6)
{
	size_t l3 = 14, l4 = l3 + (v6 ? 40 : 20);
	size_t tl = len - l4;
	uint32_t sum;
	size_t alen = v6 ? 16 : 4;
	const uint8_t *src = f + l3 + (v6 ? 8 : 12), *dst = src + alen;

	if (!v6 && ref_fold(ref_sum(0, f + l3, 20)) != 0xffff)
		return false;
	sum = ref_sum(0, src, alen);
	sum = ref_sum(sum, dst, alen) + 6 + (uint32_t)tl;
	return ref_fold(ref_sum(sum, f + l4, tl)) == 0xffff;
}

static void random_spec(struct spec *s)
{
	memset(s, 0, sizeof *s);
	s->v6 = rnd(2);
	s->seq = rnd(0xffffffffu);
	s->ack = rnd(0xffffffffu);
	s->sport = (uint16_t)(1024 + rnd(60000));
	s->dport = (uint16_t)(1024 + rnd(60000));
	s->window = (uint16_t)rnd(65536);
	s->id = (uint16_t)rnd(65536);
	s->optlen = 4 * rnd(11);
	test_rng_bytes(&rng, s->opts, s->optlen);
	test_rng_bytes(&rng, s->src, 16);
	test_rng_bytes(&rng, s->dst, 16);
	s->flags = 0x10;
}

/* ---- checksum ---- */

static void test_csum_matches_reference(void)
{
	static uint8_t buf[3000];
	for (int i = 0; i < 2000; i++) {
		size_t len = rnd(sizeof buf);
		uint16_t mine, want;
		test_rng_bytes(&rng, buf, len);
		mine = zt_csum_fold(zt_csum_add(0, buf, len));
		want = ref_fold(ref_sum(0, buf, len));
		/* mine is in memory order: its bytes must be want's, big-endian */
		uint8_t b[2];
		memcpy(b, &mine, 2);
		CHECK_EQ((b[0] << 8) | b[1], want);
	}
}

/* ---- segmentation ---- */

struct collect {
	uint8_t *buf; /* frames back to back */
	size_t used;
	size_t lens[1100];
	unsigned n;
};

static void collect_emit(void *ctx, const uint8_t *f, size_t l)
{
	struct collect *c = ctx;
	if (c->n >= 1100)
		return;
	memcpy(c->buf + c->used, f, l);
	c->lens[c->n++] = l;
	c->used += l;
}

/* The segments in c are what a TSO would cut from a frame of spec s with
 * this payload: mss bytes each (the last shorter), sequence numbers and
 * IPv4 ids advanced, FIN/PSH on the last only, CWR on the first only,
 * every checksum right.  Prints the first wrong segment. */
static bool segments_ok(const struct spec *s, const uint8_t *payload, size_t plen, size_t mss,
                        size_t max_frame, const struct collect *c)
{
	static uint8_t want[2000];
	size_t off = 0, pos = 0;

	for (unsigned i = 0; i < c->n; i++) {
		size_t seglen = plen - off < mss ? plen - off : mss;
		struct spec si = *s;
		size_t wl;

		si.seq = s->seq + (uint32_t)off;
		si.id = (uint16_t)(s->id + i);
		if (i + 1 < c->n)
			si.flags &= (uint8_t)~0x09;
		if (i > 0)
			si.flags &= (uint8_t)~0x80;
		wl = ref_frame(want, &si, payload + off, seglen);
		if (c->lens[i] != wl || c->lens[i] > max_frame ||
		    memcmp(c->buf + pos, want, wl) != 0 ||
		    !ref_valid(c->buf + pos, c->lens[i], s->v6)) {
			printf("  segment %u of %u wrong: v6=%d plen=%zu mss=%zu opt=%zu\n", i,
			       c->n, s->v6, plen, mss, s->optlen);
			return false;
		}
		off += seglen;
		pos += c->lens[i];
	}
	return off == plen;
}

static void test_split_random(void)
{
	static uint8_t super[70000], payload[65536], scratch[2000], out[400000];
	struct collect c = {out, 0, {0}, 0};
	int bad = 0;

	for (int iter = 0; iter < 400 && !bad; iter++) {
		struct spec s;
		struct zt_vnet_hdr vh;
		size_t hl, plen, max_frame, mss, gso_size, len;
		uint8_t flags;
		int n;

		random_spec(&s);
		hl = hdrlen(&s);
		plen = 1 + rnd(s.v6 ? 65535 - 60 - (uint32_t)s.optlen
		                    : 65535 - 40 - (uint32_t)s.optlen);
		if (plen > 63000)
			plen = 63000;
		test_rng_bytes(&rng, payload, plen);
		flags = (uint8_t)(0x10 | (rnd(2) ? 0x08 : 0) | (rnd(4) == 0 ? 0x01 : 0) |
		                  (rnd(4) == 0 ? 0x80 : 0));
		s.flags = flags;
		len = ref_frame(super, &s, payload, plen);
		/* the kernel leaves the TCP checksum partial: garbage here */
		super[14 + l3len(&s) + 16] ^= 0x5a;
		gso_size = 500 + rnd(2500);
		max_frame = hl + 64 + rnd((uint32_t)(ZT_FRAME_MAX_TEST - hl - 64));
		memset(&vh, 0, sizeof vh);
		vh.flags = ZT_VNET_F_NEEDS_CSUM;
		vh.gso_type = (uint8_t)((s.v6 ? ZT_VNET_GSO_TCPV6 : ZT_VNET_GSO_TCPV4) |
		                        ((flags & 0x80) ? ZT_VNET_GSO_ECN : 0));
		vh.gso_size = (uint16_t)gso_size;
		vh.hdr_len = (uint16_t)hl;
		vh.csum_start = (uint16_t)(14 + l3len(&s));
		vh.csum_offset = 16;
		c.used = 0;
		c.n = 0;
		n = zt_gso_split(&vh, super, len, max_frame, scratch, collect_emit, &c);
		mss = max_frame - hl < gso_size ? max_frame - hl : gso_size;
		CHECK_EQ(n, (int)((plen + mss - 1) / mss));
		CHECK_EQ(c.n, (unsigned)n);
		CHECK(segments_ok(&s, payload, plen, mss, max_frame, &c));
		if (test_case_failed) {
			printf("  iter %d\n", iter);
			bad = 1;
		}
	}
}

/* A plain frame with a partial checksum (TCP and UDP) gets it completed:
 * out comes the frame as the reference builds it, checksum and all. */
static size_t ref_udp(uint8_t *f, const struct spec *s, const uint8_t *payload, size_t plen);

static void test_split_needs_csum(void)
{
	static uint8_t f[1600], want[1600], scratch[1600], out[4000], payload[1400];
	struct collect c = {out, 0, {0}, 0};

	for (int iter = 0; iter < 400; iter++) {
		struct spec s;
		struct zt_vnet_hdr vh;
		size_t plen = rnd(1300), len, l4, at;
		bool udp = iter % 2 == 1;
		uint16_t part;

		random_spec(&s);
		test_rng_bytes(&rng, payload, plen);
		len = udp ? ref_udp(want, &s, payload, plen) : ref_frame(want, &s, payload, plen);
		memcpy(f, want, len);
		l4 = 14 + l3len(&s);
		at = l4 + (udp ? 6 : 16);
		/* as the kernel leaves it: the pseudo-header sum, not inverted */
		part = ref_fold(ref_pseudo(&s, len - l4) + (udp ? 17 - 6 : 0));
		f[at] = (uint8_t)(part >> 8);
		f[at + 1] = (uint8_t)part;
		memset(&vh, 0, sizeof vh);
		vh.flags = ZT_VNET_F_NEEDS_CSUM;
		vh.csum_start = (uint16_t)l4;
		vh.csum_offset = (uint16_t)(at - l4);
		c.used = 0;
		c.n = 0;
		/* max_frame above the frame: completed, never cut */
		CHECK_EQ(zt_gso_split(&vh, f, len, sizeof f, scratch, collect_emit, &c), 1);
		CHECK_EQ(c.n, 1u);
		CHECK_EQ(c.lens[0], len);
		if (c.n == 1 && memcmp(out, want, len) != 0) {
			printf("  iter %d: %s v6=%d plen=%zu: not the reference frame\n", iter,
			       udp ? "UDP" : "TCP", s.v6, plen);
			CHECK(!"checksum not completed as the reference");
		}
		if (test_case_failed)
			break;
	}
	/* out of bounds csum_start/offset: refused */
	{
		struct zt_vnet_hdr vh = {ZT_VNET_F_NEEDS_CSUM, 0, 0, 0, 1500, 16};
		c.n = 0;
		CHECK(zt_gso_split(&vh, f, 100, 1403, scratch, collect_emit, &c) < 0);
		CHECK_EQ(c.n, 0);
	}
}

/* A plain TCP frame larger than max_frame (no GSO header: a lone full-size
 * segment, or a TAP without offloads) is cut as a TSO would cut it when its
 * checksums are partial or right; anything that must not be cut passes
 * whole and unchanged. */
static void test_split_plain_tcp(void)
{
	static uint8_t f[9100], orig[9100], payload[9000], scratch[9216], out[20000];
	struct collect c = {out, 0, {0}, 0};
	int bad = 0;

	for (int iter = 0; iter < 600 && !bad; iter++) {
		struct spec s;
		struct zt_vnet_hdr vh;
		size_t hl, plen, len, max_frame, mss, l4;
		/* 0: complete checksum, 1: partial (NEEDS_CSUM), 2: bad
		 * checksum, 3: SYN, 4: RST, 5: URG, 6: IPv4 without DF,
		 * 7: fits max_frame, 8: bad IPv4 header checksum */
		unsigned kind = rnd(9);
		bool cut;
		int n;

		random_spec(&s);
		if (kind == 6 || kind == 8)
			s.v6 = false;
		hl = hdrlen(&s);
		max_frame = 1183 + rnd(1403 - 1183 + 1);
		plen = kind == 7 ? 1 + rnd((uint32_t)(max_frame - hl))
		                 : max_frame - hl + 1 + rnd((uint32_t)(8900 - max_frame));
		test_rng_bytes(&rng, payload, plen);
		s.flags = (uint8_t)(0x10 | (rnd(2) ? 0x08 : 0) | (rnd(4) == 0 ? 0x01 : 0) |
		                    (rnd(4) == 0 ? 0x80 : 0));
		if (kind == 3)
			s.flags |= 0x02;
		if (kind == 4)
			s.flags |= 0x04;
		if (kind == 5)
			s.flags |= 0x20;
		len = ref_frame(f, &s, payload, plen);
		l4 = 14 + l3len(&s);
		memset(&vh, 0, sizeof vh);
		if (kind == 1) {
			uint16_t part = ref_fold(ref_pseudo(&s, len - l4));
			f[l4 + 16] = (uint8_t)(part >> 8);
			f[l4 + 17] = (uint8_t)part;
			vh.flags = ZT_VNET_F_NEEDS_CSUM;
			vh.csum_start = (uint16_t)l4;
			vh.csum_offset = 16;
		}
		if (kind == 2)
			f[hl + rnd((uint32_t)plen)] ^= 0x01;
		if (kind == 6) {
			f[14 + 6] = 0; /* DF off: fix the header checksum */
			f[14 + 10] = f[14 + 11] = 0;
			uint16_t hc = (uint16_t)~ref_fold(ref_sum(0, f + 14, 20));
			f[14 + 10] = (uint8_t)(hc >> 8);
			f[14 + 11] = (uint8_t)hc;
		}
		if (kind == 8)
			f[14 + 8] ^= 0x01; /* ttl changed, header checksum now wrong */
		memcpy(orig, f, len);
		cut = kind <= 1;
		c.used = 0;
		c.n = 0;
		n = zt_gso_split(&vh, f, len, max_frame, scratch, collect_emit, &c);
		if (!cut) {
			CHECK_EQ(n, 1);
			CHECK_EQ(c.n, 1u);
			CHECK_EQ(c.lens[0], len);
			CHECK(memcmp(out, orig, len) == 0);
			if (test_case_failed) {
				printf("  iter %d kind %u\n", iter, kind);
				bad = 1;
			}
			continue;
		}
		mss = max_frame - hl;
		CHECK_EQ(n, (int)((plen + mss - 1) / mss));
		CHECK_EQ(c.n, (unsigned)n);
		CHECK(segments_ok(&s, payload, plen, mss, max_frame, &c));
		if (test_case_failed) {
			printf("  iter %d kind %u\n", iter, kind);
			bad = 1;
		}
	}
}

static void test_split_rejects(void)
{
	static uint8_t f[200], scratch[1600], out[4000];
	struct collect c = {out, 0, {0}, 0};
	struct zt_vnet_hdr vh = {0, ZT_VNET_GSO_UDP, 0, 1200, 34, 6}; /* UFO: never asked for */
	memset(f, 0, sizeof f);
	CHECK_EQ(zt_gso_split(&vh, f, sizeof f, 1403, scratch, collect_emit, &c), ZT_GSO_EUNSUPP);
	vh.gso_type = ZT_VNET_GSO_TCPV4; /* but not a TCP/IPv4 frame */
	CHECK_EQ(zt_gso_split(&vh, f, sizeof f, 1403, scratch, collect_emit, &c), ZT_GSO_EINVAL);
	CHECK_EQ(c.n, 0);
}

/* A UDP datagram with correct checksums, built field by field. */
static size_t ref_udp(uint8_t *f, const struct spec *s, const uint8_t *payload, size_t plen)
{
	size_t l3 = 14, l4 = l3 + l3len(s), ul = 8 + plen;
	uint32_t sum;
	uint16_t c;

	memset(f, 0, l4 + 8);
	memcpy(f, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	f[12] = s->v6 ? 0x86 : 0x08;
	f[13] = s->v6 ? 0xdd : 0x00;
	if (s->v6) {
		f[l3] = 0x60;
		f[l3 + 4] = (uint8_t)(ul >> 8);
		f[l3 + 5] = (uint8_t)ul;
		f[l3 + 6] = 17;
		f[l3 + 7] = 64;
		memcpy(f + l3 + 8, s->src, 16);
		memcpy(f + l3 + 24, s->dst, 16);
	} else {
		f[l3] = 0x45;
		f[l3 + 2] = (uint8_t)((20 + ul) >> 8);
		f[l3 + 3] = (uint8_t)(20 + ul);
		f[l3 + 4] = (uint8_t)(s->id >> 8);
		f[l3 + 5] = (uint8_t)s->id;
		f[l3 + 8] = 64;
		f[l3 + 9] = 17;
		memcpy(f + l3 + 12, s->src, 4);
		memcpy(f + l3 + 16, s->dst, 4);
		c = (uint16_t)~ref_fold(ref_sum(0, f + l3, 20));
		f[l3 + 10] = (uint8_t)(c >> 8);
		f[l3 + 11] = (uint8_t)c;
	}
	f[l4] = (uint8_t)(s->sport >> 8);
	f[l4 + 1] = (uint8_t)s->sport;
	f[l4 + 2] = (uint8_t)(s->dport >> 8);
	f[l4 + 3] = (uint8_t)s->dport;
	f[l4 + 4] = (uint8_t)(ul >> 8);
	f[l4 + 5] = (uint8_t)ul;
	memcpy(f + l4 + 8, payload, plen);
	sum = ref_sum(0, s->src, s->v6 ? 16 : 4);
	sum = ref_sum(sum, s->dst, s->v6 ? 16 : 4) + 17 + (uint32_t)ul;
	c = (uint16_t)~ref_fold(ref_sum(sum, f + l4, ul));
	if (c == 0)
		c = 0xffff;
	f[l4 + 6] = (uint8_t)(c >> 8);
	f[l4 + 7] = (uint8_t)c;
	return l4 + ul;
}

/* USO: a UDP super-frame becomes its datagrams, each exactly as the
 * reference builds it (lengths, IPv4 id and checksum, UDP checksum). */
static void test_split_udp(void)
{
	static uint8_t super[70000], payload[65536], want[ZT_GSO_SCRATCH], scratch[ZT_GSO_SCRATCH],
	    out[400000];
	struct collect c = {out, 0, {0}, 0};

	for (int iter = 0; iter < 200; iter++) {
		struct spec s;
		struct zt_vnet_hdr vh;
		size_t seg = 1 + rnd(2700), plen = 1 + rnd(60000), len, off = 0, pos = 0;
		int n;

		random_spec(&s);
		if (plen > seg * 64)
			plen = seg * 64; /* the kernel's UDP_MAX_SEGMENTS */
		test_rng_bytes(&rng, payload, plen);
		len = ref_udp(super, &s, payload, plen);
		memset(&vh, 0, sizeof vh);
		vh.flags = ZT_VNET_F_NEEDS_CSUM;
		vh.gso_type = ZT_VNET_GSO_UDP_L4;
		vh.gso_size = (uint16_t)seg;
		vh.csum_start = (uint16_t)(14 + l3len(&s));
		vh.csum_offset = 6;
		c.used = 0;
		c.n = 0;
		n = zt_gso_split(&vh, super, len, 1403, scratch, collect_emit, &c);
		CHECK_EQ(n, (int)((plen + seg - 1) / seg));
		CHECK_EQ(c.n, (unsigned)n); /* (the loop below checks what came) */
		for (unsigned i = 0; i < c.n && !test_case_failed; i++) {
			size_t m = plen - off < seg ? plen - off : seg;
			struct spec si = s;
			size_t wl;
			si.id = (uint16_t)(s.id + i);
			wl = ref_udp(want, &si, payload + off, m);
			CHECK_EQ(c.lens[i], wl);
			CHECK(memcmp(out + pos, want, wl) == 0);
			off += m;
			pos += c.lens[i];
		}
		CHECK_EQ(off, plen); /* every byte came out */
		if (test_case_failed) {
			printf("  iter %d: v6=%d seg=%zu plen=%zu\n", iter, s.v6, seg, plen);
			break;
		}
	}
}

/* ---- coalescing ---- */

struct seg {
	unsigned flow;
	uint32_t seq;
	size_t plen;
	size_t off; /* into the flow's payload */
};

struct gro_out {
	unsigned frames, coalesced;
	/* per flow: the (seq, bytes) stream the receiver sees, re-expanded */
	uint8_t *stream[3];
	size_t slen[3];
	uint32_t next[3];
	bool seq_ok;
	bool csum_ok;
	const struct spec *specs;
	unsigned other; /* non-TCP frames seen */
	unsigned invalid_plain;
};

static int flow_of(const struct gro_out *o, const uint8_t *f, size_t len)
{
	struct zt_tcp_frame t;
	if (!zt_tcp_frame_parse(f, len, &t))
		return -1;
	for (int i = 0; i < 3; i++) {
		const struct spec *s = &o->specs[i];
		uint16_t sp = (uint16_t)(f[t.l4] << 8 | f[t.l4 + 1]);
		if (s->v6 == t.v6 && sp == s->sport)
			return i;
	}
	return -1;
}

static void gro_collect(void *ctx, const struct zt_vnet_hdr *vh, const uint8_t *f, size_t len)
{
	struct gro_out *o = ctx;
	struct zt_tcp_frame t;
	int fl;
	uint32_t seq;
	size_t plen;

	o->frames++;
	fl = flow_of(o, f, len);
	if (fl < 0) {
		o->other++;
		return;
	}
	(void)zt_tcp_frame_parse(f, len, &t);
	seq = (uint32_t)f[t.l4 + 4] << 24 | (uint32_t)f[t.l4 + 5] << 16 |
	      (uint32_t)f[t.l4 + 6] << 8 | f[t.l4 + 7];
	plen = t.l3 + t.iplen - t.hlen;
	if (vh->gso_type != ZT_VNET_GSO_NONE) {
		/* coalesced: headers right, checksum partial = pseudo sum */
		uint8_t tmp[70000];
		uint16_t part;
		uint32_t ps;
		const struct spec *s = &o->specs[fl];
		o->coalesced++;
		if (vh->gso_type != (t.v6 ? ZT_VNET_GSO_TCPV6 : ZT_VNET_GSO_TCPV4) ||
		    vh->flags != ZT_VNET_F_NEEDS_CSUM || vh->csum_start != t.l4 ||
		    vh->csum_offset != 16 || vh->hdr_len != t.hlen || vh->gso_size == 0 ||
		    plen <= vh->gso_size || len != t.l3 + t.iplen)
			o->csum_ok = false;
		ps = ref_pseudo(s, len - t.l4);
		part = ref_fold(ps);
		if (((f[t.l4 + 16] << 8) | f[t.l4 + 17]) != part)
			o->csum_ok = false;
		/* complete it as the kernel would, then check it all */
		memcpy(tmp, f, len);
		tmp[t.l4 + 16] = tmp[t.l4 + 17] = 0;
		{
			uint16_t c = (uint16_t)~ref_fold(ref_sum(ps, tmp + t.l4, len - t.l4));
			tmp[t.l4 + 16] = (uint8_t)(c >> 8);
			tmp[t.l4 + 17] = (uint8_t)c;
		}
		if (!ref_valid(tmp, len, t.v6))
			o->csum_ok = false;
	} else if (!ref_valid(f, len, t.v6)) {
		o->invalid_plain++; /* must be exactly the ones the test corrupted */
	}
	if (plen == 0)
		return;
	/* the bytes must arrive in the order they were offered */
	if (seq != o->next[fl]) {
		/* a retransmit or reordering the test made: record it as is */
	}
	memcpy(o->stream[fl] + o->slen[fl], f + t.hlen, plen);
	o->slen[fl] += plen;
	o->next[fl] = seq + (uint32_t)plen;
}

static void test_coalesce_random(void)
{
	static uint8_t data[3][200000], frame[70000];
	static uint8_t want[3][400000], got[3][400000];
	struct spec specs[3];

	for (int iter = 0; iter < 60; iter++) {
		struct zt_gro g;
		struct gro_out o;
		size_t wlen[3] = {0, 0, 0};
		size_t off[3] = {0, 0, 0};
		size_t mss[3], total[3];
		unsigned nframes = 0, plain_other = 0, corrupted = 0;

		memset(&o, 0, sizeof o);
		o.seq_ok = o.csum_ok = true;
		o.specs = specs;
		for (int i = 0; i < 3; i++) {
			random_spec(&specs[i]);
			specs[i].sport = (uint16_t)(1000 + i); /* tells the flows apart */
			mss[i] = 200 + rnd(1300);
			total[i] = 1000 + rnd(150000);
			test_rng_bytes(&rng, data[i], total[i]);
			o.stream[i] = got[i];
		}
		zt_gro_init(&g, gro_collect, &o);
		while (off[0] < total[0] || off[1] < total[1] || off[2] < total[2]) {
			unsigned fl = rnd(rnd(4) == 0 ? 3 : 1); /* mostly flow 0 */
			struct spec s;
			size_t n, len, at;
			unsigned ev = rnd(40);

			if (off[fl] >= total[fl])
				continue;
			s = specs[fl];
			n = total[fl] - off[fl] < mss[fl] ? total[fl] - off[fl] : mss[fl];
			at = off[fl];
			if (ev == 0 && at > 0) {
				/* retransmit of something earlier */
				at = rnd((uint32_t)at);
				n = n < total[fl] - at ? n : total[fl] - at;
			} else if (ev == 1) {
				/* a pure ACK */
				n = 0;
			} else if (ev == 2) {
				/* a non-TCP frame */
				memset(frame, 0xab, 60);
				frame[12] = 0x08;
				frame[13] = 0x06;
				zt_gro_add(&g, frame, 60);
				plain_other++;
				continue;
			} else if (ev == 3) {
				/* a short segment (the sender had less) */
				n = 1 + rnd((uint32_t)n);
			} else if (ev == 4) {
				s.flags |= 0x08; /* PSH */
			} else if (ev == 5) {
				/* skip ahead: out of order (the gap is filled later
				 * only as a retransmit would; the stream just moves) */
				at += n;
				if (at >= total[fl])
					continue;
				n = total[fl] - at < n ? total[fl] - at : n;
			} else if (ev == 6) {
				s.window ^= 1; /* window change: cannot join */
			}
			s.seq = specs[fl].seq + (uint32_t)at;
			len = ref_frame(frame, &s, data[fl] + at, n);
			if (ev == 7 && n > 0) {
				frame[len - 1] ^= 1; /* corrupt: must not be joined */
				corrupted++;
			} else if (ev == 8 && n > 0 && !s.v6) {
				/* a bad IPv4 header checksum: joining would give
				 * the segment a valid header, so it must not be */
				frame[14 + 10] ^= 1;
				corrupted++;
			}
			memcpy(want[fl] + wlen[fl], frame + (len - n), n);
			wlen[fl] += n;
			zt_gro_add(&g, frame, len);
			nframes++;
			if (ev != 0)
				off[fl] = at + n;
			if (rnd(50) == 0)
				zt_gro_flush(&g); /* end of a receive batch */
		}
		zt_gro_free(&g);
		for (int i = 0; i < 3; i++) {
			CHECK_EQ(o.slen[i], wlen[i]);
			CHECK(memcmp(got[i], want[i], wlen[i]) == 0);
		}
		CHECK(o.csum_ok);
		CHECK_EQ(o.other, plain_other);
		CHECK_EQ(o.invalid_plain, corrupted);
		CHECK(o.coalesced > 0);
		CHECK(o.frames < nframes + plain_other);
		if (test_case_failed) {
			printf("  iter %d: frames %u in %u, coalesced %u\n", iter, o.frames,
			       nframes, o.coalesced);
			break;
		}
	}
}

/* In-order full segments of one flow become one frame per 64 KiB. */
static void test_coalesce_bulk(void)
{
	static uint8_t data[210000], frame[2000], got[210000];
	struct spec s;
	struct zt_gro g;
	struct gro_out o;
	struct spec specs[3];
	size_t mss = 1337, total = 150 * 1337;

	random_spec(&s);
	s.sport = 1000;
	specs[0] = specs[1] = specs[2] = s;
	test_rng_bytes(&rng, data, total);
	memset(&o, 0, sizeof o);
	o.csum_ok = true;
	o.specs = specs;
	o.stream[0] = got;
	zt_gro_init(&g, gro_collect, &o);
	for (size_t off = 0; off < total; off += mss) {
		struct spec x = s;
		x.seq = s.seq + (uint32_t)off;
		zt_gro_add(&g, frame, ref_frame(frame, &x, data + off, mss));
	}
	zt_gro_free(&g);
	CHECK_EQ(o.slen[0], total);
	CHECK(memcmp(got, data, total) == 0);
	for (size_t i = 0; i < total; i++)
		if (got[i] != data[i]) {
			printf("  first difference at %zu (v6=%d opt=%zu)\n", i, s.v6, s.optlen);
			break;
		}
	CHECK(o.csum_ok);
	/* 65535 - headers holds 48 or 49 segments of 1337 */
	CHECK(o.frames <= 4);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_rng_seed(&rng, 6);
	RUN(test_csum_matches_reference);
	RUN(test_split_random);
	RUN(test_split_needs_csum);
	RUN(test_split_plain_tcp);
	RUN(test_split_rejects);
	RUN(test_split_udp);
	RUN(test_coalesce_random);
	RUN(test_coalesce_bulk);
	TEST_EXIT();
}
