/* SPDX-License-Identifier: MIT */
/*
 * ndp.h - neighbour discovery answered locally for the computed IPv6
 * address modes, rfc4193 and 6plane (doc/PROTOCOL.md "IPv6 on the
 * overlay").
 */
#ifndef ZT_NODE_NDP_H
#define ZT_NODE_NDP_H

#include <stddef.h>
#include <stdint.h>

/* The member owning an rfc4193 / 6plane address of nwid, or 0. */
uint64_t zt_ndp_owner(uint64_t nwid, const uint8_t ip[16]);
/* If frame is a neighbour solicitation for another member's rfc4193 or
 * 6plane address, build the advertisement into out and return its length
 * (cap >= 86); else 0. */
size_t zt_ndp_answer(uint64_t nwid, uint64_t self, const uint8_t *frame, size_t len, uint8_t *out,
                     size_t cap);

#endif
