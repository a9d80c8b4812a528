/* SPDX-License-Identifier: MIT */
/*
 * gso.h - TCP segmentation of the TAP's super-frames, and Internet
 * checksums (pure: no syscalls; used by the shells).
 *
 * With IFF_VNET_HDR and TUNSETOFFLOAD(TSO4|TSO6|CSUM) the kernel hands a
 * TAP reader TCP "super-frames" of up to 64 KiB with a virtio-net header
 * saying how to cut them (gso_type, gso_size) and which checksum is still
 * to be done (NEEDS_CSUM, csum_start, csum_offset).  zt_gso_split cuts such
 * a frame into ordinary Ethernet frames that each fit one datagram, as a
 * NIC's TSO would: headers copied, IPv4 length/id/checksum and IPv6
 * payload length rewritten, TCP sequence numbers advanced, FIN/PSH only on
 * the last segment and CWR only on the first, every TCP checksum complete.
 * The result is valid on any receiver, offloads or not.
 */
#ifndef ZT_NODE_GSO_H
#define ZT_NODE_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* struct virtio_net_hdr (10 bytes, native byte order on a TAP). */
#define ZT_VNET_HDR_LEN      10
#define ZT_VNET_F_NEEDS_CSUM 1
#define ZT_VNET_F_DATA_VALID 2
#define ZT_VNET_GSO_NONE     0
#define ZT_VNET_GSO_TCPV4    1
#define ZT_VNET_GSO_UDP      3
#define ZT_VNET_GSO_TCPV6    4
#define ZT_VNET_GSO_UDP_L4   5
#define ZT_VNET_GSO_ECN      0x80
#define ZT_GSO_MAX_FRAME     65550 /* 64 KiB of IP plus an Ethernet header */
#define ZT_GSO_SCRATCH       9216  /* the scratch zt_gso_split needs */

struct zt_vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
};

void zt_vnet_hdr_decode(struct zt_vnet_hdr *h, const uint8_t in[ZT_VNET_HDR_LEN]);
void zt_vnet_hdr_encode(uint8_t out[ZT_VNET_HDR_LEN], const struct zt_vnet_hdr *h);

/* One's complement sum of buf added to sum (not folded).  The sum is of
 * the bytes in memory order, so it works on either byte order as long as
 * the result is folded and stored with zt_csum_fold/zt_csum_store. */
uint64_t zt_csum_add(uint64_t sum, const void *buf, size_t len);
/* Fold to 16 bits (not complemented), in memory byte order. */
uint16_t zt_csum_fold(uint64_t sum);
/* The TCP/UDP pseudo-header sum of an IPv4 (alen 4) or IPv6 (alen 16)
 * packet: addresses at src/dst, protocol, L4 length. */
uint64_t zt_csum_pseudo(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto,
                        uint32_t l4len);

/* Where the IP and TCP (or UDP) headers of an Ethernet frame are. */
struct zt_tcp_frame {
	size_t l3;   /* offset of the IP header */
	size_t l4;   /* offset of the TCP header */
	size_t hlen; /* offset of the payload (all headers) */
	bool v6;
	size_t iplen; /* IP packet length as its header says (<= frame length - l3) */
};
/* Parse an Ethernet frame carrying IPv4 (no fragment) or IPv6 (TCP as the
 * first next header) and TCP.  false if it is anything else or malformed. */
bool zt_tcp_frame_parse(const uint8_t *frame, size_t len, struct zt_tcp_frame *out);
/* Is the TCP checksum of such a frame correct? */
bool zt_tcp_csum_ok(const uint8_t *frame, const struct zt_tcp_frame *t);

/* The same for UDP (hlen = l4 + 8; the UDP length field is not checked). */
bool zt_udp_frame_parse(const uint8_t *frame, size_t len, struct zt_tcp_frame *out);
/* Does such a frame carry a UDP checksum (not zero) and is it correct? */
bool zt_udp_csum_ok(const uint8_t *frame, const struct zt_tcp_frame *t);

enum {
	ZT_GSO_EINVAL = -1, /* malformed frame or header (drop and count) */
	ZT_GSO_EUNSUPP = -2 /* a GSO type we did not ask for (drop and count) */
};

/*
 * Turn one frame read from the TAP into frames that fit max_frame bytes:
 * a TCP GSO frame is cut into segments of at most max_frame bytes, a UDP
 * one (USO) into its datagrams (gso_size each: an application's datagram
 * is never cut, so one larger than max_frame stays larger), a plain TCP
 * frame larger than max_frame is cut the same way as a TCP GSO frame where
 * that is what its sender could have sent (not SYN/RST/URG, IPv4 with DF,
 * checksums partial or right; see plain_tcp_cut), a frame with
 * NEEDS_CSUM gets its checksum completed, anything else passes as it is.
 * `frame` may be modified.  emit() gets each resulting frame (borrowed for
 * the call); scratch must hold ZT_GSO_SCRATCH bytes (and max_frame).  Returns the number of frames
 * emitted or a negative ZT_GSO_* error (nothing emitted).
 */
int zt_gso_split(const struct zt_vnet_hdr *vh, uint8_t *frame, size_t len, size_t max_frame,
                 uint8_t *scratch, void (*emit)(void *ctx, const uint8_t *f, size_t l), void *ctx);

#endif
