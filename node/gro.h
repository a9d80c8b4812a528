/* SPDX-License-Identifier: MIT */
/*
 * gro.h - coalescing received TCP segments and UDP datagrams into
 * super-frames for a TAP opened with IFF_VNET_HDR (pure; the API the host
 * calls, struct zt_gro and zt_gro_*, is in zt.h: "offload helpers for the
 * host").
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

#include "gso.h"
#include "zt.h"

#endif
