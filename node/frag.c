/* SPDX-License-Identifier: MIT */
/* frag.c - fragmentation and reassembly (see frag.h). */
#include "frag.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void zt_frag_init(struct zt_frag *f)
{
	memset(f, 0, sizeof *f);
}

static void slot_free(struct zt_frag_slot *s)
{
	free(s->buf);
	memset(s, 0, sizeof *s);
}

void zt_frag_cleanup(struct zt_frag *f)
{
	for (size_t i = 0; i < ZT_FRAG_SLOTS; i++)
		slot_free(&f->slots[i]);
}

void zt_frag_expire(struct zt_frag *f, int64_t now)
{
	for (size_t i = 0; i < ZT_FRAG_SLOTS; i++) {
		struct zt_frag_slot *s = &f->slots[i];
		if (s->used && now - s->born >= ZT_FRAG_TIMEOUT) {
			slot_free(s);
			f->dropped++;
		}
	}
}

int zt_frag_add(struct zt_frag *f, int64_t now, const uint8_t *pkt, size_t len, uint8_t *out,
                size_t *out_len)
{
	struct zt_hdr h, inner;
	struct zt_frag_slot *s = NULL, *oldest = NULL;
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
		for (size_t i = 0; i < ZT_FRAG_SLOTS; i++) {
			struct zt_frag_slot *c = &f->slots[i];
			if (!c->used) {
				s = c;
				break;
			}
			if (oldest == NULL || c->born < oldest->born)
				oldest = c;
		}
		if (s == NULL) {
			/* All busy: the oldest partial packet makes room. */
			slot_free(oldest);
			f->dropped++;
			s = oldest;
		}
		s->buf = malloc((size_t)ZT_FRAG_MAX * ZT_UDP_MAX);
		if (s->buf == NULL)
			return ZT_ENOMEM;
		s->used = true;
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
			slot_free(s);
			return ZT_EINVAL;
		}
		memcpy(out + total, s->buf + (size_t)i * ZT_UDP_MAX, s->lens[i]);
		total += s->lens[i];
	}
	/* The packet inside must be the one the fragments claimed to carry,
	 * and it keeps the hop count the fragments arrived with. */
	if (!zt_wire_hdr_decode(&inner, out, total) || inner.type == ZT_PT_FRAG ||
	    inner.dst != h.dst || inner.src != h.src) {
		slot_free(s);
		return ZT_EINVAL;
	}
	out[1] = (uint8_t)((out[1] & ~ZT_HOPS_MASK) | s->hops);
	slot_free(s);
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
