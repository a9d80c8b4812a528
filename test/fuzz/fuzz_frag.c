/* SPDX-License-Identifier: MIT */
/*
 * fuzz_frag.c - fragment reassembly fed arbitrary datagrams, and a
 * differential mode: a packet made from the input, fragmented, delivered
 * in the order (with duplicates and foreign fragments) the input says,
 * must come out whole and unchanged.
 *
 * Input: a mode byte.  Mode bit 0 clear: records of (time step u8, source
 * u8, length u16, bytes) fed to zt_frag_add.  Set: a packet length u16, the
 * order of fragments as bytes, then junk datagrams (from a forger's
 * endpoint), then the packet's body.  Every slot's count of its source's
 * slots is checked against a recount, and no source holds more than its
 * share.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frag.h"
#include "util.h"
#include "wire.h"

/* A zero allocator: libc's malloc and free (mem.h). */
static const struct zt_mem libc_mem;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ASSERT(c)                                                                                  \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "assertion failed: %s (%s:%d)\n", #c, __FILE__, __LINE__); \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static uint8_t out[ZT_PACKET_MAX];
static uint8_t pkt[ZT_PACKET_MAX];

/* One of 16 sources: 4 endpoints, known or not, direct or relayed. */
static struct zt_frag_src source(uint8_t b)
{
	struct zt_frag_src s = {.ep = {.family = 4, .port = (uint16_t)(1 + (b & 3))},
	                        .relayed = (b & 4) ? 0x0102030405ULL + (b & 8) : 0,
	                        .known = (b & 0x10) != 0};
	s.ep.ip[0] = 10;
	return s;
}

static void check_slots(const struct zt_frag *f)
{
	for (int i = 0; i < ZT_FRAG_SLOTS; i++) {
		const struct zt_frag_slot *s = &f->slots[i];
		unsigned held = 0;
		if (!s->used) {
			ASSERT(s->buf == NULL);
			continue;
		}
		ASSERT(s->count >= 2 && s->count <= ZT_FRAG_MAX);
		ASSERT(s->have < s->count);
		ASSERT(s->hops <= ZT_HOPS_MASK);
		for (int j = 0; j < ZT_FRAG_SLOTS; j++) {
			const struct zt_frag_slot *c = &f->slots[j];
			held += c->used && c->from.relayed == s->from.relayed &&
			        zt_endpoint_eq(&c->from.ep, &s->from.ep);
		}
		ASSERT(s->held == held);
		ASSERT(held <= ZT_FRAG_PER_SRC);
	}
}

/* Everything reassembly hands out is a well-formed, non-FRAG packet. */
static void check_out(int r, size_t olen, const uint8_t *frag, size_t flen)
{
	struct zt_hdr h, fh;
	ASSERT(r == 1 || r == 0 || r == ZT_EINVAL || r == ZT_ENOMEM);
	if (r != 1) {
		ASSERT(olen == 0);
		return;
	}
	ASSERT(olen >= ZT_HDR_LEN && olen <= ZT_PACKET_MAX);
	ASSERT(zt_wire_hdr_decode(&h, out, olen));
	ASSERT(zt_wire_hdr_decode(&fh, frag, flen));
	ASSERT(h.type != ZT_PT_FRAG);
	ASSERT(h.dst == fh.dst && h.src == fh.src);
}

static void raw(const uint8_t *data, size_t size)
{
	struct zt_frag f;
	int64_t now = 1700000000000LL;
	size_t off = 0;

	zt_frag_init(&f, &libc_mem);
	while (off + 4 <= size) {
		uint8_t step = data[off];
		struct zt_frag_src src = source(data[off + 1]);
		size_t len = zt_get_u16(data + off + 2), olen = 12345;
		int r;
		off += 4;
		if (len > size - off)
			len = size - off;
		now += step * 50;
		if (step & 1)
			zt_frag_expire(&f, now);
		r = zt_frag_add(&f, now, &src, data + off, len, out, &olen);
		check_out(r, olen, data + off, len);
		off += len;
		check_slots(&f);
	}
	zt_frag_cleanup(&f);
	for (int i = 0; i < ZT_FRAG_SLOTS; i++)
		ASSERT(!f.slots[i].used && f.slots[i].buf == NULL);
}

static void differential(const uint8_t *data, size_t size)
{
	struct zt_frag f;
	struct zt_hdr h = {ZT_PT_DATA, 0, 0x0102030405ULL, 0x0a0b0c0d0eULL};
	uint8_t frag[ZT_UDP_MAX];
	size_t len, off = 0, olen;
	unsigned count, delivered = 0, got = 0;
	bool sent[ZT_FRAG_MAX] = {false};
	struct zt_frag_src peer = source(0x11), forger = source(0x02);
	uint8_t hops = 0;

	if (size < 4)
		return;
	len = ZT_UDP_MAX + 1 + zt_get_u16(data) % (ZT_PACKET_MAX - ZT_UDP_MAX);
	hops = data[2] & ZT_HOPS_MASK;
	off = 3;
	/* The packet: a header and the input's bytes, repeated. */
	memset(pkt, 0, sizeof pkt);
	for (size_t i = ZT_HDR_LEN; i < len; i++)
		pkt[i] = size > 3 ? data[3 + (i % (size - 3))] : 0;
	zt_wire_hdr_encode(pkt, &h);
	count = zt_frag_count(len, ZT_UDP_MAX);
	ASSERT(count >= 2 && count <= ZT_FRAG_MAX);

	zt_frag_init(&f, &libc_mem);
	/* Fragments in the input's order; bytes >= 0xf0 inject a forged
	 * fragment of another packet id, or a duplicate. */
	while (off < size && delivered < count) {
		uint8_t b = data[off++];
		unsigned i = b % count;
		int r;
		size_t fl;
		if (b >= 0xf0) {
			fl = zt_frag_build(pkt, len, ZT_UDP_MAX, 0x999 + (b & 3), i, count, frag);
			frag[ZT_FRAG_HDR_LEN] ^= 0xff;
			r = zt_frag_add(&f, 1000, &forger, frag, fl, out, &olen);
			check_out(r, olen, frag, fl);
			continue;
		}
		fl = zt_frag_build(pkt, len, ZT_UDP_MAX, 7, i, count, frag);
		frag[1] = hops;
		r = zt_frag_add(&f, 1000, &peer, frag, fl, out, &olen);
		if (!sent[i]) {
			sent[i] = true;
			delivered++;
		}
		if (r == 1) {
			got++;
			ASSERT(delivered == count);
			ASSERT(olen == len);
			ASSERT(out[1] == hops);
			out[1] = 0;
			ASSERT(memcmp(out, pkt, len) == 0);
		} else {
			ASSERT(r == 0);
		}
	}
	ASSERT(got == (delivered == count ? 1u : 0u));
	zt_frag_cleanup(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		differential(data + 1, size - 1);
	else
		raw(data + 1, size - 1);
	return 0;
}
