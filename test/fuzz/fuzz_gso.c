/* SPDX-License-Identifier: MIT */
/*
 * fuzz_gso.c - libFuzzer target for the frame parsers of the offload path:
 * zt_gso_split (a TAP read: virtio header + frame, from the local kernel
 * or a bridge) and zt_gro_add (frames a peer sent us), TCP and UDP.
 *
 * Properties beyond "no crash": every emitted segment fits max_frame
 * unless it is the unchanged input (or a UDP datagram, which is never
 * cut); and a run of UDP datagrams derived from the input (its headers,
 * sizes, id gaps and corrupt or missing checksums chosen by the input),
 * coalesced and then cut back by zt_gso_split as the kernel would, comes
 * out exactly as it went in, byte for byte and in order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/gro.h"
#include "node/gso.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t max_frame, in_len;
static uint8_t scratch[ZT_GSO_SCRATCH];

static void emit(void *ctx, const uint8_t *f, size_t l)
{
	(void)ctx;
	(void)f;
	if (l > max_frame && l != in_len && !(f[12] == 0x08 && f[23] == 17) &&
	    !(f[12] == 0x86 && f[20] == 17))
		abort();
}

static void out(void *ctx, const struct zt_vnet_hdr *vh, const uint8_t *f, size_t l)
{
	size_t *total = ctx;
	(void)vh;
	(void)f;
	*total += l;
}

/* ---- UDP: coalesce, cut back, compare ---- */

#define UDP_RUN  80
#define UDP_PMAX 1400

static uint8_t run_buf[UDP_RUN][ZT_GSO_SCRATCH];
static size_t run_len[UDP_RUN];
static unsigned run_n, run_next;

static void cmp_emit(void *ctx, const uint8_t *f, size_t l)
{
	(void)ctx;
	if (run_next >= run_n || l != run_len[run_next] || memcmp(f, run_buf[run_next], l) != 0)
		abort(); /* lost, reordered or changed */
	run_next++;
}

static void udp_out(void *ctx, const struct zt_vnet_hdr *vh, const uint8_t *f, size_t l)
{
	static uint8_t copy[ZT_GSO_MAX_FRAME];
	(void)ctx;
	if (vh->gso_type == ZT_VNET_GSO_NONE) {
		if (vh->flags != 0)
			abort();
		cmp_emit(NULL, f, l);
		return;
	}
	if (vh->gso_type != ZT_VNET_GSO_UDP_L4 || vh->flags != ZT_VNET_F_NEEDS_CSUM ||
	    vh->csum_offset != 6 || vh->hdr_len != vh->csum_start + 8 || l > sizeof copy ||
	    l - vh->hdr_len > (size_t)vh->gso_size * ZT_GRO_UDP_MAX_SEGS)
		abort();
	memcpy(copy, f, l);
	if (zt_gso_split(vh, copy, l, 1403, scratch, cmp_emit, NULL) < 2)
		abort();
}

static void store16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Datagrams with the headers of frame t, sizes and faults from ctl. */
static void udp_run(const uint8_t *f, size_t len, const uint8_t *ctl, size_t nctl)
{
	struct zt_tcp_frame t;
	struct zt_gro g;
	size_t hl, psize = 1, ci = 0;
	uint16_t id;

	if (!zt_udp_frame_parse(f, len, &t) || t.hlen > 128 || nctl == 0)
		return;
	hl = t.hlen;
	id = t.v6 ? 0 : (uint16_t)(f[t.l3 + 4] << 8 | f[t.l3 + 5]);
	psize = 1 + ctl[0] * 5 % UDP_PMAX;
	run_n = run_next = 0;
	for (unsigned i = 0; i < UDP_RUN; i++) {
		uint8_t c = ctl[ci++ % nctl], *d = run_buf[i];
		size_t n = psize;
		uint64_t sum;
		uint16_t k;

		if ((c & 3) == 2)
			n = psize = 1 + (size_t)ctl[ci++ % nctl] * 7 % UDP_PMAX; /* a new run */
		else if ((c & 3) == 3)
			n = 1 + c % psize; /* a short one */
		memcpy(d, f, hl);
		for (size_t j = 0; j < n; j++)
			d[hl + j] = (uint8_t)(c + j);
		if (t.v6) {
			store16(d + t.l3 + 4, 8 + n);
		} else {
			if ((c & 0x1c) == 0x1c)
				id++; /* an id gap */
			store16(d + t.l3 + 2, hl - t.l3 + n);
			store16(d + t.l3 + 4, id++);
			memset(d + t.l3 + 10, 0, 2);
			k = (uint16_t)~zt_csum_fold(zt_csum_add(0, d + t.l3, t.l4 - t.l3));
			memcpy(d + t.l3 + 10, &k, 2);
		}
		store16(d + t.l4 + 4, 8 + n);
		memset(d + t.l4 + 6, 0, 2);
		sum = zt_csum_pseudo(d + t.l3 + (t.v6 ? 8 : 12), d + t.l3 + (t.v6 ? 24 : 16),
		                     t.v6 ? 16 : 4, 17, (uint32_t)(8 + n));
		k = (uint16_t)~zt_csum_fold(zt_csum_add(sum, d + t.l4, 8 + n));
		if (k == 0)
			k = 0xffff;
		if ((c & 0xe0) != 0xe0) /* else: no checksum */
			memcpy(d + t.l4 + 6, &k, 2);
		if ((c & 0xe0) == 0xc0)
			d[hl + n - 1] ^= 0x40; /* corrupt */
		run_len[i] = hl + n;
		run_n++;
	}
	zt_gro_init(&g, udp_out, NULL);
	g.udp = true;
	for (unsigned i = 0; i < run_n; i++) {
		zt_gro_add(&g, run_buf[i], run_len[i]);
		if (ctl[i % nctl] == 0x55)
			zt_gro_flush(&g); /* end of a receive batch */
	}
	zt_gro_free(&g);
	if (run_next != run_n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[ZT_GSO_MAX_FRAME];
	struct zt_vnet_hdr vh;
	struct zt_gro g;
	size_t total = 0, half;

	if (size < ZT_VNET_HDR_LEN + 2 || size - ZT_VNET_HDR_LEN > sizeof frame)
		return 0;
	zt_vnet_hdr_decode(&vh, data);
	max_frame = 100 + (data[ZT_VNET_HDR_LEN] % 8) * 200;
	in_len = size - ZT_VNET_HDR_LEN - 1;
	memcpy(frame, data + ZT_VNET_HDR_LEN + 1, in_len);
	(void)zt_gso_split(&vh, frame, in_len, max_frame, scratch, emit, NULL);

	/* The same bytes as two received frames, into the coalescer. */
	zt_gro_init(&g, out, &total);
	g.udp = (data[ZT_VNET_HDR_LEN] & 8) != 0;
	half = in_len / 2;
	zt_gro_add(&g, data + ZT_VNET_HDR_LEN + 1, half);
	zt_gro_add(&g, data + ZT_VNET_HDR_LEN + 1 + half, in_len - half);
	zt_gro_add(&g, data + ZT_VNET_HDR_LEN + 1, half);
	zt_gro_free(&g);

	/* The frame as the template of a UDP run; the virtio header bytes
	 * choose sizes and faults. */
	udp_run(data + ZT_VNET_HDR_LEN + 1, in_len, data, ZT_VNET_HDR_LEN);
	return 0;
}
