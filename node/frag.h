/* SPDX-License-Identifier: MIT */
/*
 * frag.h - fragmentation of packets larger than a datagram, and bounded,
 * time-limited reassembly.  Fragments are not authenticated one by one: the
 * reassembled packet is (it is a whole DATA or handshake packet), so a
 * forged fragment can only waste one of ZT_FRAG_SLOTS slots until it
 * expires or is evicted.
 */
#ifndef ZT_NODE_FRAG_H
#define ZT_NODE_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

struct zt_frag_slot {
	bool used;
	uint64_t src;
	uint32_t id;
	uint8_t count, have, hops;
	int64_t born;
	uint16_t lens[ZT_FRAG_MAX];
	uint8_t *buf; /* ZT_FRAG_MAX * ZT_UDP_MAX, allocated while in use */
};

struct zt_frag {
	struct zt_frag_slot slots[ZT_FRAG_SLOTS];
	uint64_t dropped;
};

void zt_frag_init(struct zt_frag *f);
void zt_frag_cleanup(struct zt_frag *f);

/* Add one FRAG datagram (whole, with its outer header).  Returns 1 and the
 * packet in out (cap >= ZT_PACKET_MAX) when complete, 0 while incomplete,
 * ZT_EINVAL if malformed, ZT_ENOMEM if no buffer could be had. */
int zt_frag_add(struct zt_frag *f, int64_t now, const uint8_t *pkt, size_t len, uint8_t *out,
                size_t *out_len);
/* Drop partial packets older than ZT_FRAG_TIMEOUT. */
void zt_frag_expire(struct zt_frag *f, int64_t now);

/* How many fragments a packet of `len` bytes needs with datagrams of at
 * most `udp_max` bytes (1 = send whole). */
unsigned zt_frag_count(size_t len, size_t udp_max);
/* Build fragment i of `count` into out (cap >= udp_max); returns its length. */
size_t zt_frag_build(const uint8_t *pkt, size_t len, size_t udp_max, uint32_t id, unsigned i,
                     unsigned count, uint8_t *out);

#endif
