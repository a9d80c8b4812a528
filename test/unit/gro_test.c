/* SPDX-License-Identifier: MIT */
/*
 * gro_test.c - UDP coalescing (node/gro.c with udp on) against a naive
 * reference: random UDP flows (IPv4 and IPv6, random sizes, runs of equal
 * sizes, interleaved flows, IP id gaps, corrupt and zero UDP checksums,
 * corrupt IPv4 header checksums, IPv4
 * options, Ethernet and IP padding, header changes) with TCP and non-IP
 * frames mixed in are fed to zt_gro_add/zt_gro_flush; every UDP
 * super-frame is cut back into datagrams the way the kernel's GSO does
 * (written here from scratch: lengths, IPv4 ids counted up from the
 * first, IPv4 header checksum, full UDP checksum) and each flow must come
 * out exactly as it went in, byte for byte and in order.  The checksum
 * arithmetic is an RFC 1071 big-endian reference sharing no code with the
 * module.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gro.h"
#include "gso.h"
#include "test.h"

static struct test_rng rng;

static uint32_t rnd(uint32_t n) /* 0 .. n-1 */
{
	uint32_t v;
	test_rng_bytes(&rng, &v, sizeof v);
	return n ? v % n : 0;
}

/* ---- reference arithmetic ---- */

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

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void set16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ---- building frames ---- */

struct uflow {
	bool v6;
	uint8_t src[16], dst[16];
	uint16_t sport, dport, id;
	uint8_t tos, ttl;
	bool df;
	uint32_t label; /* IPv6 flow label */
	size_t size;    /* the current run's payload size */
};

enum { CS_GOOD, CS_BAD, CS_ZERO, CS_BAD_IP };

struct uopts {
	size_t ipopt;   /* IPv4 option bytes (multiple of 4) */
	size_t pad;     /* Ethernet padding after the IP packet */
	size_t ip_tail; /* bytes inside the IP packet after the UDP datagram */
	int csum;
};

/* l3 offset of IPv4/IPv6 addresses, and their length */
static size_t addr_off(bool v6)
{
	return v6 ? 8 : 12;
}

static uint32_t ref_pseudo(const uint8_t *f, bool v6, uint32_t ulen)
{
	size_t alen = v6 ? 16 : 4;
	return ref_sum(0, f + 14 + addr_off(v6), 2 * alen) + 17 + ulen;
}

static void ref_ip_csum(uint8_t *f, size_t ihl)
{
	uint16_t c;
	f[14 + 10] = f[14 + 11] = 0;
	c = (uint16_t)~ref_fold(ref_sum(0, f + 14, ihl));
	set16(f + 14 + 10, c);
}

/* A UDP datagram's full checksum as a sender computes it (0 -> 0xffff). */
static uint16_t ref_udp_csum(const uint8_t *f, bool v6, size_t l4, size_t ulen)
{
	uint8_t tmp[8];
	uint32_t sum;
	uint16_t c;

	memcpy(tmp, f + l4, 8);
	tmp[6] = tmp[7] = 0;
	sum = ref_sum(ref_pseudo(f, v6, (uint32_t)ulen), tmp, 8);
	sum = ref_sum(sum, f + l4 + 8, ulen - 8);
	c = (uint16_t)~ref_fold(sum);
	return c ? c : 0xffff;
}

static size_t build_udp(uint8_t *f, const struct uflow *u, const struct uopts *o,
                        const uint8_t *payload, size_t plen)
{
	size_t l3 = 14, ihl = u->v6 ? 40 : 20 + o->ipopt, l4 = l3 + ihl, ulen = 8 + plen;
	size_t iplen = ihl + ulen + o->ip_tail;

	memset(f, 0, l4 + 8);
	memcpy(f, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	if (u->v6) {
		f[12] = 0x86;
		f[13] = 0xdd;
		f[l3] = (uint8_t)(0x60 | u->tos >> 4);
		f[l3 + 1] = (uint8_t)(u->tos << 4 | ((u->label >> 16) & 0x0f));
		set16(f + l3 + 2, u->label & 0xffff);
		set16(f + l3 + 4, iplen - 40);
		f[l3 + 6] = 17;
		f[l3 + 7] = u->ttl;
		memcpy(f + l3 + 8, u->src, 16);
		memcpy(f + l3 + 24, u->dst, 16);
	} else {
		f[12] = 0x08;
		f[l3] = (uint8_t)(0x40 | ihl / 4);
		f[l3 + 1] = u->tos;
		set16(f + l3 + 2, iplen);
		set16(f + l3 + 4, u->id);
		f[l3 + 6] = u->df ? 0x40 : 0;
		f[l3 + 8] = u->ttl;
		f[l3 + 9] = 17;
		memcpy(f + l3 + 12, u->src, 4);
		memcpy(f + l3 + 16, u->dst, 4);
		for (size_t i = 0; i < o->ipopt; i++)
			f[l3 + 20 + i] = 1; /* NOP */
		ref_ip_csum(f, ihl);
	}
	set16(f + l4, u->sport);
	set16(f + l4 + 2, u->dport);
	set16(f + l4 + 4, ulen);
	memcpy(f + l4 + 8, payload, plen);
	memset(f + l4 + ulen, 0x5a, o->ip_tail + o->pad);
	if (o->csum == CS_ZERO) {
		f[l4 + 6] = f[l4 + 7] = 0;
	} else {
		set16(f + l4 + 6, ref_udp_csum(f, u->v6, l4, ulen));
		if (o->csum == CS_BAD)
			f[l4 + 8 + rnd((uint32_t)plen)] ^= (uint8_t)(1 + rnd(255));
		if (o->csum == CS_BAD_IP && !u->v6)
			f[l3 + 10] ^= (uint8_t)(1 + rnd(255)); /* the IPv4 header's */
	}
	return l3 + iplen + o->pad;
}

/* A TCP segment with a correct checksum (flags ACK). */
static size_t build_tcp(uint8_t *f, bool v6, const uint8_t *src, const uint8_t *dst, uint16_t sport,
                        uint32_t seq, const uint8_t *payload, size_t plen)
{
	size_t l3 = 14, l4 = l3 + (v6 ? 40 : 20), tl = 20 + plen;
	size_t alen = v6 ? 16 : 4;
	uint32_t sum;

	memset(f, 0, l4 + 20);
	memcpy(f, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	if (v6) {
		f[12] = 0x86;
		f[13] = 0xdd;
		f[l3] = 0x60;
		set16(f + l3 + 4, tl);
		f[l3 + 6] = 6;
		f[l3 + 7] = 64;
	} else {
		f[12] = 0x08;
		f[l3] = 0x45;
		set16(f + l3 + 2, 20 + tl);
		f[l3 + 6] = 0x40;
		f[l3 + 8] = 64;
		f[l3 + 9] = 6;
	}
	memcpy(f + l3 + addr_off(v6), src, alen);
	memcpy(f + l3 + addr_off(v6) + alen, dst, alen);
	if (!v6)
		ref_ip_csum(f, 20);
	set16(f + l4, sport);
	set16(f + l4 + 2, 80);
	for (int i = 0; i < 4; i++)
		f[l4 + 4 + i] = (uint8_t)(seq >> (24 - 8 * i));
	f[l4 + 12] = 5 << 4;
	f[l4 + 13] = 0x10;
	set16(f + l4 + 14, 1000);
	memcpy(f + l4 + 20, payload, plen);
	sum = ref_sum(0, f + l3 + addr_off(v6), 2 * alen) + 6 + (uint32_t)tl;
	set16(f + l4 + 16, (uint16_t)~ref_fold(ref_sum(sum, f + l4, tl)));
	return l4 + tl;
}

/* ---- what went in, what came out: frames per stream ---- */

#define STREAMS  8 /* 0..4 UDP flows, 5 TCP, 6 other (non-IP) */
#define S_TCP    5
#define S_OTHER  6
#define BUF_CAP  (6u << 20)
#define MAX_SEGS 8000

struct stream {
	uint8_t *buf;
	size_t used;
	size_t off[MAX_SEGS], len[MAX_SEGS];
	unsigned n;
};

static void stream_put(struct stream *s, const uint8_t *f, size_t len)
{
	if (s->n >= MAX_SEGS || s->used + len > BUF_CAP)
		abort(); /* the test sizes its input below these */
	memcpy(s->buf + s->used, f, len);
	s->off[s->n] = s->used;
	s->len[s->n++] = len;
	s->used += len;
}

struct result {
	struct stream *out; /* [STREAMS] */
	bool hdr_ok;        /* every super-frame's virtio header and fields right */
	unsigned frames, udp_super, tcp_super, udp_joined, max_segs;
	bool udp_on;
};

/* Which stream a frame belongs to: by the test's own parse. */
static int stream_of(const uint8_t *f, size_t len)
{
	size_t l3 = 14, l4;
	uint8_t proto;
	bool v6;

	if (len < 14 + 20)
		return S_OTHER;
	if (f[12] == 0x08 && f[13] == 0x00) {
		v6 = false;
		l4 = l3 + (size_t)(f[l3] & 0x0f) * 4;
		proto = f[l3 + 9];
	} else if (f[12] == 0x86 && f[13] == 0xdd) {
		v6 = true;
		l4 = l3 + 40;
		proto = f[l3 + 6];
	} else {
		return S_OTHER;
	}
	(void)v6;
	if (len < l4 + 8)
		return S_OTHER;
	if (proto == 6)
		return S_TCP;
	if (proto != 17)
		return S_OTHER;
	return (int)(get16(f + l4) - 2000);
}

/* The kernel's GSO for GSO_UDP_L4, naively: every piece gets the headers,
 * its lengths, the first id plus its index (IPv4) with a new header
 * checksum, and a full UDP checksum. */
static void ref_segment_udp(struct result *r, const struct zt_vnet_hdr *vh, const uint8_t *f,
                            size_t len)
{
	static uint8_t piece[70000];
	bool v6 = f[12] == 0x86;
	size_t l3 = 14, l4 = vh->csum_start, hl = l4 + 8, plen, off = 0;
	size_t gso = vh->gso_size;
	unsigned k = 0;
	int st = stream_of(f, len);

	/* what the header and the joined frame must say */
	if (vh->flags != ZT_VNET_F_NEEDS_CSUM || vh->csum_offset != 6 || vh->hdr_len != hl ||
	    gso == 0 || len <= hl + gso || (v6 ? l4 != l3 + 40 : l4 != l3 + 20) || st < 0 ||
	    st >= S_TCP) {
		r->hdr_ok = false;
		return;
	}
	plen = len - hl;
	if ((plen + gso - 1) / gso > ZT_GRO_UDP_MAX_SEGS)
		r->hdr_ok = false;
	if (v6 ? get16(f + l3 + 4) != len - l3 - 40
	       : get16(f + l3 + 2) != len - l3 || ref_fold(ref_sum(0, f + l3, 20)) != 0xffff)
		r->hdr_ok = false;
	if (get16(f + l4 + 4) != len - l4)
		r->hdr_ok = false;
	/* NEEDS_CSUM: the pseudo-header sum, not inverted */
	if (get16(f + l4 + 6) != ref_fold(ref_pseudo(f, v6, (uint32_t)(len - l4))))
		r->hdr_ok = false;
	while (off < plen) {
		size_t n = plen - off < gso ? plen - off : gso;

		memcpy(piece, f, hl);
		memcpy(piece + hl, f + hl + off, n);
		if (v6) {
			set16(piece + l3 + 4, 8 + n);
		} else {
			set16(piece + l3 + 2, 28 + n);
			set16(piece + l3 + 4, (uint16_t)(get16(f + l3 + 4) + k));
			ref_ip_csum(piece, 20);
		}
		set16(piece + l4 + 4, 8 + n);
		set16(piece + l4 + 6, ref_udp_csum(piece, v6, l4, 8 + n));
		stream_put(&r->out[st], piece, hl + n);
		off += n;
		k++;
	}
	r->udp_joined += k;
	if (k > r->max_segs)
		r->max_segs = k;
}

static void collect(void *ctx, const struct zt_vnet_hdr *vh, const uint8_t *f, size_t len)
{
	struct result *r = ctx;
	int st = stream_of(f, len);

	r->frames++;
	if (st < 0 || st >= STREAMS) {
		r->hdr_ok = false;
		return;
	}
	if (vh->gso_type == ZT_VNET_GSO_UDP_L4) {
		r->udp_super++;
		if (!r->udp_on)
			r->hdr_ok = false;
		ref_segment_udp(r, vh, f, len);
		return;
	}
	if (vh->gso_type == ZT_VNET_GSO_TCPV4 || vh->gso_type == ZT_VNET_GSO_TCPV6) {
		/* TCP keeps its own tests (gso_test.c); here: its payload */
		r->tcp_super++;
		stream_put(&r->out[S_TCP], f + vh->hdr_len, len - vh->hdr_len);
		return;
	}
	if (vh->gso_type != ZT_VNET_GSO_NONE || vh->flags != 0)
		r->hdr_ok = false;
	if (st == S_TCP) {
		size_t l4 = 14 + (f[12] == 0x86 ? 40 : 20);
		stream_put(&r->out[S_TCP], f + l4 + 20, len - l4 - 20);
		return;
	}
	stream_put(&r->out[st], f, len);
}

static struct stream in_s[STREAMS], out_s[STREAMS];

static void streams_reset(void)
{
	for (int i = 0; i < STREAMS; i++) {
		if (in_s[i].buf == NULL) {
			in_s[i].buf = malloc(BUF_CAP);
			out_s[i].buf = malloc(BUF_CAP);
			if (in_s[i].buf == NULL || out_s[i].buf == NULL)
				abort();
		}
		in_s[i].used = out_s[i].used = 0;
		in_s[i].n = out_s[i].n = 0;
	}
}

static void streams_free(void)
{
	for (int i = 0; i < STREAMS; i++) {
		free(in_s[i].buf);
		free(out_s[i].buf);
		in_s[i].buf = out_s[i].buf = NULL;
	}
}

/* Each stream came out exactly as it went in. */
static bool streams_equal(void)
{
	for (int i = 0; i < STREAMS; i++) {
		if (i == S_TCP) {
			/* TCP: the byte stream (segment boundaries may move) */
			if (in_s[i].used != out_s[i].used ||
			    memcmp(in_s[i].buf, out_s[i].buf, in_s[i].used) != 0) {
				printf("  tcp stream differs: %zu bytes in, %zu out\n",
				       in_s[i].used, out_s[i].used);
				return false;
			}
			continue;
		}
		if (in_s[i].n != out_s[i].n) {
			printf("  stream %d: %u frames in, %u out\n", i, in_s[i].n, out_s[i].n);
			return false;
		}
		for (unsigned k = 0; k < in_s[i].n; k++)
			if (in_s[i].len[k] != out_s[i].len[k] ||
			    memcmp(in_s[i].buf + in_s[i].off[k], out_s[i].buf + out_s[i].off[k],
			           in_s[i].len[k]) != 0) {
				printf("  stream %d frame %u differs (len %zu in, %zu out)\n", i, k,
				       in_s[i].len[k], out_s[i].len[k]);
				return false;
			}
	}
	return true;
}

static void random_flow(struct uflow *u, int i)
{
	memset(u, 0, sizeof *u);
	u->v6 = rnd(2);
	test_rng_bytes(&rng, u->src, 16);
	test_rng_bytes(&rng, u->dst, 16);
	u->sport = (uint16_t)(2000 + i);
	u->dport = (uint16_t)(1 + rnd(65535));
	u->id = (uint16_t)rnd(65536); /* wraps past 65535 now and then */
	u->tos = (uint8_t)rnd(256);
	u->ttl = (uint8_t)(1 + rnd(255));
	u->df = rnd(2);
	u->label = rnd(1u << 20);
	u->size = 1 + rnd(1400);
}

static void test_udp_random(void)
{
	static uint8_t frame[4000], payload[4000];
	uint64_t total_super = 0, total_bad = 0;

	for (int iter = 0; iter < 80; iter++) {
		struct uflow fl[5];
		struct zt_gro g;
		struct result r;
		uint8_t tsrc[16], tdst[16];
		bool tv6 = rnd(2);
		uint32_t tseq = rnd(0xffffffffu);
		unsigned nflows = 1 + rnd(5), events = 300 + rnd(1500), bad = 0;

		streams_reset();
		memset(&r, 0, sizeof r);
		r.out = out_s;
		r.hdr_ok = true;
		r.udp_on = true;
		for (unsigned i = 0; i < nflows; i++) {
			random_flow(&fl[i], (int)i);
			if (i > 0 && rnd(2)) {
				/* the same hosts and destination port: only the
				 * source port tells the flows apart */
				fl[i].v6 = fl[0].v6;
				memcpy(fl[i].src, fl[0].src, 16);
				memcpy(fl[i].dst, fl[0].dst, 16);
				fl[i].dport = fl[0].dport;
			}
		}
		test_rng_bytes(&rng, tsrc, sizeof tsrc);
		test_rng_bytes(&rng, tdst, sizeof tdst);
		zt_gro_init(&g, collect, &r);
		g.udp = true;
		for (unsigned e = 0; e < events; e++) {
			unsigned which = rnd(20), ev = rnd(100);
			struct uopts o;
			struct uflow u;
			size_t len, plen;

			if (which == 0) {
				/* TCP mixed in: in-order MSS segments */
				size_t n = 100 + rnd(1300);
				test_rng_bytes(&rng, payload, n);
				len = build_tcp(frame, tv6, tsrc, tdst, 7000, tseq, payload, n);
				tseq += (uint32_t)n;
				stream_put(&in_s[S_TCP], payload, n);
				zt_gro_add(&g, frame, len);
				continue;
			}
			if (which == 1) {
				/* not IP at all */
				len = 42 + rnd(100);
				memset(frame, 0xab, len);
				frame[12] = 0x08;
				frame[13] = 0x06;
				stream_put(&in_s[S_OTHER], frame, len);
				zt_gro_add(&g, frame, len);
				continue;
			}
			/* mostly one flow, so that runs form; others interleave */
			which = rnd(3) ? 0 : rnd(nflows);
			memset(&o, 0, sizeof o);
			if (ev < 8)
				fl[which].size = 1 + rnd(1400); /* a new run */
			else if (ev < 10)
				fl[which].size = 1 + rnd(2700); /* a large one (MTU 2800) */
			u = fl[which];
			plen = u.size;
			if (ev >= 10 && ev < 16)
				plen = 1 + rnd((uint32_t)plen); /* a short one: ends a run */
			else if (ev == 16)
				u.id = (uint16_t)(u.id + 1 + rnd(100)); /* an id gap */
			else if (ev == 17)
				o.csum = CS_BAD;
			else if (ev == 18)
				o.csum = CS_ZERO;
			else if (ev == 19)
				u.ttl ^= 1; /* one datagram with another TTL */
			else if (ev == 20)
				u.tos ^= 4;
			else if (ev == 21 && !u.v6)
				o.ipopt = 4 * (1 + rnd(10));
			else if (ev == 22)
				o.pad = 1 + rnd(20); /* Ethernet padding */
			else if (ev == 23)
				o.ip_tail = 1 + rnd(8);
			else if (ev == 24 && !u.v6)
				u.df = !u.df;
			else if (ev == 25 && u.v6)
				u.label ^= 1;
			else if (ev == 26 && !u.v6)
				o.csum = CS_BAD_IP;
			test_rng_bytes(&rng, payload, plen);
			len = build_udp(frame, &u, &o, payload, plen);
			if (o.csum == CS_BAD || o.csum == CS_BAD_IP)
				bad++;
			/* the id moves on from what was sent */
			fl[which].id = (uint16_t)(u.id + 1);
			stream_put(&in_s[which], frame, len);
			zt_gro_add(&g, frame, len);
			if (rnd(40) == 0)
				zt_gro_flush(&g); /* end of a receive batch */
		}
		zt_gro_free(&g);
		CHECK(r.hdr_ok);
		CHECK(streams_equal());
		CHECK(r.max_segs <= ZT_GRO_UDP_MAX_SEGS);
		CHECK_EQ(g.bad_csum, bad);
		CHECK_EQ(g.super_udp, r.udp_super);
		CHECK_EQ(g.frames_out, r.frames);
		total_super += r.udp_super;
		total_bad += bad;
		if (test_case_failed) {
			printf("  iter %d: %u flows, %u events, %u frames out, %u UDP super\n",
			       iter, nflows, events, r.frames, r.udp_super);
			break;
		}
	}
	/* the test exercised what it claims to */
	CHECK(total_super > 100);
	CHECK(total_bad > 10);
}

/* Helpers for the directed cases: one flow, frames of given sizes. */
static struct result run;
static struct zt_gro rg;

static void run_start(bool udp)
{
	streams_reset();
	memset(&run, 0, sizeof run);
	run.out = out_s;
	run.hdr_ok = true;
	run.udp_on = udp;
	zt_gro_init(&rg, collect, &run);
	rg.udp = udp;
}

static void run_add(struct uflow *u, size_t plen, int csum)
{
	static uint8_t frame[70000], payload[70000];
	struct uopts o;
	size_t len;

	memset(&o, 0, sizeof o);
	o.csum = csum;
	test_rng_bytes(&rng, payload, plen);
	len = build_udp(frame, u, &o, payload, plen);
	u->id++;
	stream_put(&in_s[u->sport - 2000], frame, len);
	zt_gro_add(&rg, frame, len);
}

static void run_end(void)
{
	zt_gro_free(&rg);
	CHECK(run.hdr_ok);
	CHECK(streams_equal());
}

/* 200 datagrams of 64 bytes: 64 to a super-frame (the kernel's limit). */
static void test_udp_bulk(void)
{
	struct uflow u;

	for (int v6 = 0; v6 < 2; v6++) {
		random_flow(&u, 0);
		u.v6 = v6;
		run_start(true);
		for (int i = 0; i < 200; i++)
			run_add(&u, 64, CS_GOOD);
		run_end();
		CHECK_EQ(run.frames, 4); /* 64 + 64 + 64 + 8 */
		CHECK_EQ(run.udp_super, 4);
		CHECK_EQ(run.max_segs, 64);
	}
}

/* Large datagrams: the 64 KiB IP limit ends a super-frame first. */
static void test_udp_size_limit(void)
{
	struct uflow u;

	random_flow(&u, 0);
	u.v6 = false;
	run_start(true);
	for (int i = 0; i < 100; i++)
		run_add(&u, 1472, CS_GOOD);
	run_end();
	/* (65535 - 20 - 8) / 1472 = 44 per super-frame */
	CHECK_EQ(run.max_segs, 44);
	CHECK_EQ(run.frames, 3);
}

/* A shorter datagram closes its super-frame; a longer one starts a new. */
static void test_udp_sizes(void)
{
	struct uflow u;

	random_flow(&u, 0);
	run_start(true);
	run_add(&u, 100, CS_GOOD);
	run_add(&u, 100, CS_GOOD);
	run_add(&u, 50, CS_GOOD); /* joins and closes: 1 super-frame */
	run_add(&u, 100, CS_GOOD);
	run_add(&u, 200, CS_GOOD); /* cannot join: 100 goes out alone */
	run_add(&u, 200, CS_GOOD);
	zt_gro_flush(&rg); /* 200 + 200 */
	run_end();
	CHECK_EQ(run.frames, 3);
	CHECK_EQ(run.udp_super, 2);
	CHECK_EQ(run.udp_joined, 5);
}

/* Not joined: id gaps, zero and bad checksums; off by default. */
static void test_udp_not_joined(void)
{
	struct uflow u;

	random_flow(&u, 0);
	u.v6 = false;
	run_start(true);
	for (int i = 0; i < 10; i++) {
		u.id = (uint16_t)(u.id + 1); /* every id skips one */
		run_add(&u, 80, CS_GOOD);
	}
	for (int i = 0; i < 10; i++)
		run_add(&u, 80, CS_ZERO);
	for (int i = 0; i < 10; i++)
		run_add(&u, 80, CS_BAD);
	run_end();
	CHECK_EQ(run.udp_super, 0);
	CHECK_EQ(run.frames, 30);
	CHECK_EQ(rg.bad_csum, 10);

	random_flow(&u, 0);
	run_start(false); /* zt_gro_init alone: UDP passes as it came */
	for (int i = 0; i < 50; i++)
		run_add(&u, 80, CS_GOOD);
	run_end();
	CHECK_EQ(run.udp_super, 0);
	CHECK_EQ(run.frames, 50);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_rng_seed(&rng, 61);
	RUN(test_udp_random);
	RUN(test_udp_bulk);
	RUN(test_udp_size_limit);
	RUN(test_udp_sizes);
	RUN(test_udp_not_joined);
	streams_free();
	TEST_EXIT();
}
