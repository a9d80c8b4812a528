/* SPDX-License-Identifier: MIT */
/*
 * frag.h - fragmentation of packets larger than a datagram, and bounded,
 * time-limited reassembly.  Fragments are not authenticated one by one: the
 * reassembled packet is (it is a whole DATA or handshake packet), so a
 * forged fragment can only waste a slot until it expires or is evicted.
 *
 * The ZT_FRAG_SLOTS slots are shared fairly, so that forged fragments
 * cannot evict an honest peer's packet in reassembly: one source (the
 * endpoint a fragment came from, and for fragments one of our roots
 * relayed, the sender it vouches for) holds at most ZT_FRAG_PER_SRC slots
 * and recycles its own oldest beyond that; when every slot is busy the
 * source holding the most gives up its oldest.  Sources no authenticated
 * packet came from are evicted first, and never evict a known one.
 */
#ifndef ZT_NODE_FRAG_H
#define ZT_NODE_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"
#include "zt.h"

/* Who a fragment came from, as far as the receiver can tell (the caller
 * fills it in). */
struct zt_frag_src {
	struct zt_endpoint ep; /* where the datagram came from */
	uint64_t relayed; /* relayed by one of our roots: the sender it vouches for; 0: direct */
	bool known;       /* an authenticated packet came from ep: a path of the claimed sender
	                     with a session, or one of our roots */
};

struct zt_frag_slot {
	bool used;
	uint64_t src;
	uint32_t id;
	uint8_t count, have, hops;
	uint8_t held; /* slots in use by this slot's source, this one included */
	int64_t born;
	struct zt_frag_src from; /* of the first fragment */
	uint16_t lens[ZT_FRAG_MAX];
	uint8_t *buf; /* ZT_FRAG_MAX * ZT_UDP_MAX, allocated while in use */
};

struct zt_frag {
	struct zt_frag_slot slots[ZT_FRAG_SLOTS];
	uint64_t dropped;
	const struct zt_mem *mem; /* the node's */
};

void zt_frag_init(struct zt_frag *f, const struct zt_mem *mem);
void zt_frag_cleanup(struct zt_frag *f);

/* Add one FRAG datagram (whole, with its outer header) from `from`.
 * Returns 1 and the packet in out (cap >= ZT_PACKET_MAX) when complete, 0
 * while incomplete (or dropped for want of a slot it may take, counted in
 * dropped), ZT_EINVAL if malformed, ZT_ENOMEM if no buffer could be had. */
int zt_frag_add(struct zt_frag *f, int64_t now, const struct zt_frag_src *from, const uint8_t *pkt,
                size_t len, uint8_t *out, size_t *out_len);
/* Drop partial packets older than ZT_FRAG_TIMEOUT. */
void zt_frag_expire(struct zt_frag *f, int64_t now);

/* How many fragments a packet of `len` bytes needs with datagrams of at
 * most `udp_max` bytes (1 = send whole). */
unsigned zt_frag_count(size_t len, size_t udp_max);
/* Build fragment i of `count` into out (cap >= udp_max); returns its length. */
size_t zt_frag_build(const uint8_t *pkt, size_t len, size_t udp_max, uint32_t id, unsigned i,
                     unsigned count, uint8_t *out);

#endif
