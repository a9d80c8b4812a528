/* SPDX-License-Identifier: MIT */
/*
 * gro.c - TCP segment coalescing for the TAP (see gro.h).
 */
#include "gro.h"

#include <stdlib.h>
#include <string.h>

#define TCP_ACK 0x10
#define TCP_PSH 0x08
#define IP_MAX  65535

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

void zt_gro_init(struct zt_gro *g, zt_gro_out_fn out, void *ctx)
{
	memset(g, 0, sizeof *g);
	g->out = out;
	g->ctx = ctx;
}

static void out_plain(struct zt_gro *g, const uint8_t *frame, size_t len)
{
	struct zt_vnet_hdr vh;
	memset(&vh, 0, sizeof vh);
	g->frames_out++;
	g->out(g->ctx, &vh, frame, len);
}

static void flush_slot(struct zt_gro *g, struct zt_gro_slot *s)
{
	struct zt_vnet_hdr vh;
	uint8_t *f = s->buf;
	const struct zt_tcp_frame *t = &s->t;
	uint64_t sum;
	uint16_t c;

	if (s->len == 0)
		return;
	if (s->count == 1) {
		out_plain(g, f, s->len); /* untouched: its checksums are valid */
		s->len = 0;
		return;
	}
	if (t->v6) {
		put_be16(f + t->l3 + 4, (uint16_t)(s->len - t->l3 - 40));
		sum = zt_csum_pseudo(f + t->l3 + 8, f + t->l3 + 24, 16, 6,
		                     (uint32_t)(s->len - t->l4));
	} else {
		put_be16(f + t->l3 + 2, (uint16_t)(s->len - t->l3));
		memset(f + t->l3 + 10, 0, 2);
		c = (uint16_t)~zt_csum_fold(zt_csum_add(0, f + t->l3, t->l4 - t->l3));
		memcpy(f + t->l3 + 10, &c, 2);
		sum = zt_csum_pseudo(f + t->l3 + 12, f + t->l3 + 16, 4, 6,
		                     (uint32_t)(s->len - t->l4));
	}
	/* NEEDS_CSUM: the field holds the pseudo-header sum, not inverted. */
	c = zt_csum_fold(sum);
	memcpy(f + t->l4 + 16, &c, 2);
	memset(&vh, 0, sizeof vh);
	vh.flags = ZT_VNET_F_NEEDS_CSUM;
	vh.gso_type = t->v6 ? ZT_VNET_GSO_TCPV6 : ZT_VNET_GSO_TCPV4;
	vh.hdr_len = (uint16_t)t->hlen;
	vh.gso_size = (uint16_t)s->seg;
	vh.csum_start = (uint16_t)t->l4;
	vh.csum_offset = 16;
	g->frames_out++;
	g->out(g->ctx, &vh, f, s->len);
	s->len = 0;
}

/* Same flow: addresses and ports. */
static bool same_flow(const struct zt_gro_slot *s, const uint8_t *f, const struct zt_tcp_frame *t)
{
	const uint8_t *h = s->buf;
	size_t alen = t->v6 ? 32 : 8, aoff = t->v6 ? 8 : 12;

	if (s->len == 0 || s->t.v6 != t->v6 || s->t.l4 != t->l4)
		return false;
	return memcmp(h + t->l3 + aoff, f + t->l3 + aoff, alen) == 0 &&
	       memcmp(h + t->l4, f + t->l4, 4) == 0;
}

/* May segment f (of the slot's flow) be appended? */
static bool can_append(const struct zt_gro_slot *s, const uint8_t *f, const struct zt_tcp_frame *t,
                       size_t plen)
{
	const uint8_t *h = s->buf;

	if (s->closed || s->t.hlen != t->hlen || plen > s->seg ||
	    be32(f + t->l4 + 4) != s->next_seq || s->len + plen - t->l3 > IP_MAX ||
	    s->len + plen > ZT_GSO_MAX_FRAME)
		return false;
	if (memcmp(h, f, 14) != 0)
		return false;
	if (t->v6) {
		/* version, class, flow label; next header, hop limit */
		if (memcmp(h + t->l3, f + t->l3, 4) != 0 ||
		    memcmp(h + t->l3 + 6, f + t->l3 + 6, 2) != 0)
			return false;
	} else {
		/* ver/ihl/tos; flags/fragment, ttl, protocol; options */
		if (memcmp(h + t->l3, f + t->l3, 2) != 0 ||
		    memcmp(h + t->l3 + 6, f + t->l3 + 6, 4) != 0 ||
		    memcmp(h + t->l3 + 20, f + t->l3 + 20, t->l4 - t->l3 - 20) != 0)
			return false;
	}
	/* ack; offset and flags (PSH may differ); window; urgent; options */
	if (memcmp(h + t->l4 + 8, f + t->l4 + 8, 4) != 0 || h[t->l4 + 12] != f[t->l4 + 12] ||
	    (h[t->l4 + 13] | TCP_PSH) != (f[t->l4 + 13] | TCP_PSH) ||
	    memcmp(h + t->l4 + 14, f + t->l4 + 14, 2) != 0 ||
	    memcmp(h + t->l4 + 18, f + t->l4 + 18, t->hlen - t->l4 - 18) != 0)
		return false;
	return true;
}

void zt_gro_add(struct zt_gro *g, const uint8_t *frame, size_t len)
{
	struct zt_tcp_frame t;
	struct zt_gro_slot *s = NULL;
	size_t plen;
	bool ok;

	g->frames_in++;
	g->tick++;
	if (!zt_tcp_frame_parse(frame, len, &t)) {
		out_plain(g, frame, len);
		return;
	}
	plen = t.l3 + t.iplen - t.hlen;
	/* data with ACK (and maybe PSH) only; no Ethernet padding */
	ok = plen > 0 && (frame[t.l4 + 13] & (uint8_t)~TCP_PSH) == TCP_ACK && len == t.l3 + t.iplen;
	if (ok && !zt_tcp_csum_ok(frame, &t)) {
		g->bad_csum++;
		ok = false;
	}
	for (unsigned i = 0; i < ZT_GRO_SLOTS && s == NULL; i++)
		if (same_flow(&g->slots[i], frame, &t))
			s = &g->slots[i];
	if (s != NULL) {
		if (ok && can_append(s, frame, &t, plen)) {
			memcpy(s->buf + s->len, frame + t.hlen, plen);
			s->len += plen;
			s->next_seq += (uint32_t)plen;
			s->count++;
			s->used = g->tick;
			if (frame[t.l4 + 13] & TCP_PSH) {
				s->buf[t.l4 + 13] |= TCP_PSH;
				s->closed = true;
			} else if (plen < s->seg) {
				s->closed = true;
			}
			if (s->closed || s->len + s->seg - t.l3 > IP_MAX)
				flush_slot(g, s);
			return;
		}
		flush_slot(g, s); /* keep the flow's order */
	}
	if (!ok) {
		out_plain(g, frame, len);
		return;
	}
	if (s == NULL) {
		for (unsigned i = 0; i < ZT_GRO_SLOTS; i++) {
			struct zt_gro_slot *c = &g->slots[i];
			if (c->len == 0) {
				s = c;
				break;
			}
			if (s == NULL || c->used < s->used)
				s = c;
		}
		flush_slot(g, s);
	}
	if (s->buf == NULL) {
		s->buf = malloc(ZT_GSO_MAX_FRAME);
		if (s->buf == NULL) {
			out_plain(g, frame, len);
			return;
		}
	}
	memcpy(s->buf, frame, len);
	s->len = len;
	s->t = t;
	s->count = 1;
	s->seg = plen;
	s->next_seq = be32(frame + t.l4 + 4) + (uint32_t)plen;
	s->closed = (frame[t.l4 + 13] & TCP_PSH) != 0;
	s->used = g->tick;
	if (s->closed)
		flush_slot(g, s);
}

void zt_gro_flush(struct zt_gro *g)
{
	for (unsigned i = 0; i < ZT_GRO_SLOTS; i++)
		flush_slot(g, &g->slots[i]);
}

void zt_gro_free(struct zt_gro *g)
{
	zt_gro_flush(g);
	for (unsigned i = 0; i < ZT_GRO_SLOTS; i++) {
		free(g->slots[i].buf);
		g->slots[i].buf = NULL;
	}
}
