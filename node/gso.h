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

#include "csum.h" /* the checksum helpers its users share */
#include "zt.h"

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
