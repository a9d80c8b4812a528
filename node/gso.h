/* SPDX-License-Identifier: MIT */
/*
 * gso.h - TCP segmentation of the TAP's super-frames (public part in zt.h:
 * "offload helpers for the host"), and the Internet checksums and frame
 * parsers the core shares (pure: no syscalls).
 *
 * zt_gso_split cuts a super-frame into ordinary Ethernet frames that each
 * fit one datagram, as a NIC's TSO would: headers copied, IPv4
 * length/id/checksum and IPv6 payload length rewritten, TCP sequence
 * numbers advanced, FIN/PSH only on the last segment and CWR only on the
 * first, every TCP checksum complete.  The result is valid on any
 * receiver, offloads or not.
 */
#ifndef ZT_NODE_GSO_H
#define ZT_NODE_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zt.h"

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

/* Parse an Ethernet frame carrying IPv4 (no fragment) or IPv6 (TCP as the
 * first next header) and TCP into a struct zt_tcp_frame (zt.h).  false if
 * it is anything else or malformed. */
bool zt_tcp_frame_parse(const uint8_t *frame, size_t len, struct zt_tcp_frame *out);
/* Is the TCP checksum of such a frame correct? */
bool zt_tcp_csum_ok(const uint8_t *frame, const struct zt_tcp_frame *t);

/* The same for UDP (hlen = l4 + 8; the UDP length field is not checked). */
bool zt_udp_frame_parse(const uint8_t *frame, size_t len, struct zt_tcp_frame *out);
/* Does such a frame carry a UDP checksum (not zero) and is it correct? */
bool zt_udp_csum_ok(const uint8_t *frame, const struct zt_tcp_frame *t);

#endif
