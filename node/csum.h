/* SPDX-License-Identifier: MIT */
/*
 * csum.h - the Internet checksum (RFC 1071) for every frame the core or
 * the shells build or check: IPv4 headers, TCP, UDP, ICMPv6 and IGMP.
 *
 * Sums are of the bytes in memory order, 32 bits at a time: the one's
 * complement sum does not depend on the byte order it is taken in, as long
 * as the folded result is stored back in the same order (zt_csum_store).
 * Every buffer summed in one chain but the last must have an even length.
 */
#ifndef ZT_NODE_CSUM_H
#define ZT_NODE_CSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One's complement sum of buf added to sum (not folded). */
uint64_t zt_csum_add(uint64_t sum, const void *buf, size_t len);
/* Fold to 16 bits (not complemented), in memory byte order. */
uint16_t zt_csum_fold(uint64_t sum);
/* The TCP/UDP/ICMPv6 pseudo-header sum of an IPv4 (alen 4) or IPv6
 * (alen 16) packet: addresses at src/dst, protocol, L4 length. */
uint64_t zt_csum_pseudo(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto,
                        uint32_t l4len);
/* The same, of the IPv4 (v6 false) or IPv6 header at ip. */
uint64_t zt_csum_pseudo_ip(const uint8_t *ip, bool v6, uint8_t proto, uint32_t l4len);
/* Store the checksum of `sum` (folded, complemented) at p[0..1]. */
void zt_csum_store(uint8_t *p, uint64_t sum);
/* The same for UDP, where 0 means "no checksum": a result of 0 is
 * stored as 0xffff (the same value in one's complement). */
void zt_csum_store_udp(uint8_t *p, uint64_t sum);
/* Does data whose sum (checksum field included) is `sum` check out? */
bool zt_csum_valid(uint64_t sum);
/* The checksum `check` after one 16-bit word of the summed data changed
 * from old to new_, without summing again (RFC 1624 eqn. 3); all three in
 * one byte order. */
uint16_t zt_csum_replace(uint16_t check, uint16_t old, uint16_t new_);

#endif
