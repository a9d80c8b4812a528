/* SPDX-License-Identifier: MIT */
/*
 * gro.h - coalescing received TCP segments into super-frames for a TAP
 * opened with IFF_VNET_HDR (pure: used by the shells).
 *
 * What the kernel's GRO does for a NIC, done on the frames a peer sent us:
 * in-order segments of one TCP flow with identical headers (except the IP
 * length/id/checksum, the sequence number and the TCP checksum), equal
 * sizes (the last may be shorter) and only ACK (PSH on the last) are
 * joined into one frame of up to 64 KiB, written with a virtio header
 * (GSO TCPV4/TCPV6, NEEDS_CSUM) so that the receiving stack handles one
 * packet instead of dozens.  Only segments whose TCP checksum is correct
 * are joined (the joined frame's checksum is left to the kernel, which
 * must not turn a corrupt segment into a valid one).  Everything else
 * passes through unchanged, in order within its flow.
 */
#ifndef ZT_NODE_GRO_H
#define ZT_NODE_GRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gso.h"

#define ZT_GRO_SLOTS 4 /* flows held at once */

struct zt_gro_slot {
	uint8_t *buf; /* ZT_GSO_MAX_FRAME bytes, allocated on first use */
	size_t len;   /* 0: empty */
	struct zt_tcp_frame t;
	unsigned count;
	size_t seg; /* payload bytes of the first segment */
	uint32_t next_seq;
	bool closed; /* a short or PSH segment ended it */
	uint64_t used;
};

typedef void (*zt_gro_out_fn)(void *ctx, const struct zt_vnet_hdr *vh, const uint8_t *frame,
                              size_t len);

struct zt_gro {
	struct zt_gro_slot slots[ZT_GRO_SLOTS];
	uint64_t tick;
	zt_gro_out_fn out;
	void *ctx;
	uint64_t frames_in, frames_out, bad_csum;
};

void zt_gro_init(struct zt_gro *g, zt_gro_out_fn out, void *ctx);
/* Offer one received frame; it goes out now or joins a held flow. */
void zt_gro_add(struct zt_gro *g, const uint8_t *frame, size_t len);
/* Send everything held (call after each batch of received datagrams). */
void zt_gro_flush(struct zt_gro *g);
/* Flush, then free the buffers. */
void zt_gro_free(struct zt_gro *g);

#endif
