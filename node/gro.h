/* SPDX-License-Identifier: MIT */
/*
 * gro.h - coalescing received TCP segments and UDP datagrams into
 * super-frames for a TAP opened with IFF_VNET_HDR (pure: used by the
 * shells).
 *
 * What the kernel's GRO does for a NIC, done on the frames a peer sent us:
 * in-order segments of one TCP flow with identical headers (except the IP
 * length/id/checksum, the sequence number and the TCP checksum), equal
 * sizes (the last may be shorter) and only ACK (PSH on the last) are
 * joined into one frame of up to 64 KiB, written with a virtio header
 * (GSO TCPV4/TCPV6, NEEDS_CSUM) so that the receiving stack handles one
 * packet instead of dozens.  Only segments whose TCP (and IPv4 header) checksums are correct
 * are joined (the joined frame's checksum is left to the kernel, which
 * must not turn a corrupt segment into a valid one).  Everything else
 * passes through unchanged, in order within its flow.
 *
 * With `udp` set (only when the TAP accepts GSO_UDP_L4, i.e. USO: Linux
 * 6.2+), consecutive UDP datagrams of one flow are joined the same way into
 * a GSO_UDP_L4 super-frame, which the kernel cuts back into exactly the
 * datagrams it was made of (for a local socket in udp_rcv_segment, when
 * forwarded or bridged by GSO on egress).  The rules make that
 * re-segmentation byte-exact: identical Ethernet and IP headers (IPv4
 * without options, IPv6 without extension headers) except lengths and the
 * IPv4 id and checksum, IPv4 ids consecutive (segmentation numbers them so),
 * no Ethernet padding, UDP length equal to the IP payload, equal payload
 * sizes except a shorter last one, at most ZT_GRO_UDP_MAX_SEGS datagrams,
 * and a UDP checksum that is present and correct.
 */
#ifndef ZT_NODE_GRO_H
#define ZT_NODE_GRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gso.h"

#define ZT_GRO_SLOTS 4 /* flows held at once */
/* Datagrams per UDP super-frame: the kernel refuses a GSO_UDP_L4 frame of
 * more than UDP_MAX_SEGMENTS gso_size pieces (64 in older kernels, 128 in
 * newer ones), and its own UDP GRO stops at 64. */
#define ZT_GRO_UDP_MAX_SEGS 64

struct zt_gro_slot {
	uint8_t *buf; /* ZT_GSO_MAX_FRAME bytes, allocated on first use */
	size_t len;   /* 0: empty */
	struct zt_tcp_frame t;
	unsigned count;
	size_t seg; /* payload bytes of the first segment */
	uint32_t next_seq;
	bool udp;         /* a UDP flow (else TCP) */
	uint16_t next_id; /* UDP over IPv4: the IP id the next datagram must have */
	bool closed;      /* a short or PSH segment ended it */
	uint64_t used;
};

typedef void (*zt_gro_out_fn)(void *ctx, const struct zt_vnet_hdr *vh, const uint8_t *frame,
                              size_t len);

struct zt_gro {
	struct zt_gro_slot slots[ZT_GRO_SLOTS];
	uint64_t tick;
	zt_gro_out_fn out;
	void *ctx;
	bool udp; /* join UDP datagrams too (set after zt_gro_init; off by default) */
	uint64_t frames_in, frames_out, bad_csum;
	/* super-frames written (TCP, UDP) and the frames they were made of */
	uint64_t super_tcp, super_udp, joined;
};

void zt_gro_init(struct zt_gro *g, zt_gro_out_fn out, void *ctx);
/* Offer one received frame; it goes out now or joins a held flow. */
void zt_gro_add(struct zt_gro *g, const uint8_t *frame, size_t len);
/* Send everything held (call after each batch of received datagrams). */
void zt_gro_flush(struct zt_gro *g);
/* Flush, then free the buffers. */
void zt_gro_free(struct zt_gro *g);

#endif
