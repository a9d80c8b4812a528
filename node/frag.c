/* SPDX-License-Identifier: MIT */
/* frag.c - fragmentation and reassembly (see frag.h). */
#include "frag.h"

#include <string.h>

#include "mem.h"
#include "util.h"

void zt_frag_init(struct zt_frag *f, const struct zt_mem *mem)
{
	memset(f, 0, sizeof *f);
	f->mem = mem;
}

static bool same_src(const struct zt_frag_src *a, const struct zt_frag_src *b)
{
	return a->relayed == b->relayed && zt_endpoint_eq(&a->ep, &b->ep);
}

/* Free a slot; the other slots of its source now hold one fewer. */
static void slot_free(struct zt_frag *f, struct zt_frag_slot *s)
{
	if (s->used)
		for (size_t i = 0; i < ZT_FRAG_SLOTS; i++) {
			struct zt_frag_slot *c = &f->slots[i];
			if (c != s && c->used && same_src(&c->from, &s->from))
				c->held--;
		}
	zt_mem_free(f->mem, s->buf);
	memset(s, 0, sizeof *s);
}

void zt_frag_cleanup(struct zt_frag *f)
{
	for (size_t i = 0; i < ZT_FRAG_SLOTS; i++)
		slot_free(f, &f->slots[i]);
}

void zt_frag_expire(struct zt_frag *f, int64_t now)
{
	for (size_t i = 0; i < ZT_FRAG_SLOTS; i++) {
		struct zt_frag_slot *s = &f->slots[i];
		if (s->used && now - s->born >= ZT_FRAG_TIMEOUT) {
			slot_free(f, s);
			f->dropped++;
		}
	}
}

/* Whether slot a should go before slot b: the source holding more first,
 * then the older. */
static bool evict_before(const struct zt_frag_slot *a, const struct zt_frag_slot *b)
{
	return b == NULL || a->held > b->held || (a->held == b->held && a->born < b->born);
}

/* The slot a new packet from `src` takes, freed if need be: its own oldest
 * if it holds its share already, else a free one, else the oldest of the
 * source holding the most (the newcomer included).  Slots of unknown
 * sources go first; known ones only to a known newcomer.  NULL: none it
 * may take. */
static struct zt_frag_slot *slot_take(struct zt_frag *f, const struct zt_frag_src *src)
{
	struct zt_frag_slot *free_slot = NULL, *own = NULL, *stranger = NULL, *known = NULL;
	struct zt_frag_slot *s;
	unsigned mine = 0;

	for (size_t i = 0; i < ZT_FRAG_SLOTS; i++) {
		struct zt_frag_slot *c = &f->slots[i];
		if (!c->used) {
			if (free_slot == NULL)
				free_slot = c;
		} else if (same_src(&c->from, src)) {
			mine++;
			if (own == NULL || c->born < own->born)
				own = c;
		} else if (!c->from.known) {
			if (evict_before(c, stranger))
				stranger = c;
		} else if (evict_before(c, known)) {
			known = c;
		}
	}
	if (mine >= ZT_FRAG_PER_SRC)
		s = own;
	else if (free_slot != NULL)
		s = free_slot;
	else if (src->known)
		s = stranger != NULL                          ? stranger
		    : own != NULL && evict_before(own, known) ? own
		                                              : known;
	else
		s = own != NULL && evict_before(own, stranger) ? own : stranger;
	if (s == NULL)
		return NULL;
	if (s->used) {
		if (s == own)
			mine--;
		slot_free(f, s);
		f->dropped++;
	}
	/* This source now holds one more slot. */
	for (size_t i = 0; i < ZT_FRAG_SLOTS; i++) {
		struct zt_frag_slot *c = &f->slots[i];
		if (c->used && same_src(&c->from, src))
			c->held = (uint8_t)(mine + 1);
	}
	s->used = true;
	s->held = (uint8_t)(mine + 1);
	s->from = *src;
	return s;
}

int zt_frag_add(struct zt_frag *f, int64_t now, const struct zt_frag_src *from, const uint8_t *pkt,
                size_t len, uint8_t *out, size_t *out_len)
{
	struct zt_hdr h, inner;
	struct zt_frag_slot *s = NULL;
	uint32_t id;
	unsigned idx, count;
	size_t plen, total = 0;

	*out_len = 0;
	if (len <= ZT_FRAG_HDR_LEN || len > ZT_UDP_MAX + 64 || !zt_wire_hdr_decode(&h, pkt, len))
		return ZT_EINVAL;
	id = zt_get_u32(pkt + ZT_HDR_LEN);
	idx = pkt[ZT_HDR_LEN + 4];
	count = pkt[ZT_HDR_LEN + 5];
	plen = len - ZT_FRAG_HDR_LEN;
	if (count < 2 || count > ZT_FRAG_MAX || idx >= count)
		return ZT_EINVAL;
	for (size_t i = 0; i < ZT_FRAG_SLOTS; i++) {
		struct zt_frag_slot *c = &f->slots[i];
		if (c->used && c->src == h.src && c->id == id) {
			s = c;
			break;
		}
	}
	if (s == NULL) {
		s = slot_take(f, from);
		if (s == NULL) {
			f->dropped++;
			return 0;
		}
		s->buf = zt_mem_alloc(f->mem, (size_t)ZT_FRAG_MAX * ZT_UDP_MAX);
		if (s->buf == NULL) {
			slot_free(f, s);
			return ZT_ENOMEM;
		}
		s->src = h.src;
		s->id = id;
		s->count = (uint8_t)count;
		s->born = now;
	}
	if (s->count != count || plen > ZT_UDP_MAX)
		return ZT_EINVAL;
	if (s->lens[idx] != 0)
		return 0; /* duplicate */
	memcpy(s->buf + (size_t)idx * ZT_UDP_MAX, pkt + ZT_FRAG_HDR_LEN, plen);
	s->lens[idx] = (uint16_t)plen;
	if (h.hops > s->hops)
		s->hops = h.hops;
	if (++s->have < s->count)
		return 0;
	for (unsigned i = 0; i < s->count; i++) {
		if (total + s->lens[i] > ZT_PACKET_MAX) {
			slot_free(f, s);
			return ZT_EINVAL;
		}
		memcpy(out + total, s->buf + (size_t)i * ZT_UDP_MAX, s->lens[i]);
		total += s->lens[i];
	}
	/* The packet inside must be the one the fragments claimed to carry,
	 * and it keeps the hop count the fragments arrived with. */
	if (!zt_wire_hdr_decode(&inner, out, total) || inner.type == ZT_PT_FRAG ||
	    inner.dst != h.dst || inner.src != h.src) {
		slot_free(f, s);
		return ZT_EINVAL;
	}
	out[1] = (uint8_t)((out[1] & ~ZT_HOPS_MASK) | s->hops);
	slot_free(f, s);
	*out_len = total;
	return 1;
}

unsigned zt_frag_count(size_t len, size_t udp_max)
{
	size_t chunk = udp_max - ZT_FRAG_HDR_LEN;
	if (len <= udp_max)
		return 1;
	return (unsigned)((len + chunk - 1) / chunk);
}

size_t zt_frag_build(const uint8_t *pkt, size_t len, size_t udp_max, uint32_t id, unsigned i,
                     unsigned count, uint8_t *out)
{
	size_t chunk = udp_max - ZT_FRAG_HDR_LEN;
	size_t off = (size_t)i * chunk;
	size_t n = len - off < chunk ? len - off : chunk;

	memcpy(out, pkt, ZT_HDR_LEN);
	out[0] = (uint8_t)((ZT_WIRE_VERSION << 4) | ZT_PT_FRAG);
	out[1] = 0;
	zt_put_u32(out + ZT_HDR_LEN, id);
	out[ZT_HDR_LEN + 4] = (uint8_t)i;
	out[ZT_HDR_LEN + 5] = (uint8_t)count;
	memcpy(out + ZT_FRAG_HDR_LEN, pkt + off, n);
	return ZT_FRAG_HDR_LEN + n;
}
