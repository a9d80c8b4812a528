/* SPDX-License-Identifier: MIT */
/*
 * gro.c - TCP segment and UDP datagram coalescing for the TAP (see gro.h).
 */
#include "gro.h"

#include <string.h>

#include "csum.h"
#include "eth.h"
#include "mem.h"
#include "util.h"

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
	uint16_t c;

	if (s->len == 0)
		return;
	if (s->count == 1) {
		out_plain(g, f, s->len); /* untouched: its checksums are valid */
		s->len = 0;
		return;
	}
	/* The IP header as the kernel's GRO leaves it: the whole length; the
	 * IPv4 id stays the first one's (segmentation counts up from it). */
	if (t->v6) {
		zt_put_u16(f + t->l3 + ZT_IP6_PLEN, (uint16_t)(s->len - t->l3 - ZT_IP6_HLEN));
	} else {
		zt_put_u16(f + t->l3 + ZT_IP4_LEN, (uint16_t)(s->len - t->l3));
		memset(f + t->l3 + ZT_IP4_CSUM, 0, 2);
		zt_csum_store(f + t->l3 + ZT_IP4_CSUM, zt_csum_add(0, f + t->l3, t->l4 - t->l3));
	}
	/* NEEDS_CSUM: the field holds the pseudo-header sum, not inverted;
	 * segmentation adjusts it to each piece's length. */
	memset(&vh, 0, sizeof vh);
	vh.flags = ZT_VNET_F_NEEDS_CSUM;
	vh.gso_size = (uint16_t)s->seg;
	vh.csum_start = (uint16_t)t->l4;
	if (s->udp) {
		/* as udp_gro_complete */
		zt_put_u16(f + t->l4 + ZT_UDP_LEN, (uint16_t)(s->len - t->l4));
		c = zt_csum_fold(zt_csum_pseudo_ip(f + t->l3, t->v6, ZT_IPPROTO_UDP,
		                                   (uint32_t)(s->len - t->l4)));
		memcpy(f + t->l4 + ZT_UDP_CSUM, &c, 2);
		vh.gso_type = ZT_VNET_GSO_UDP_L4;
		vh.hdr_len = (uint16_t)(t->l4 + ZT_UDP_HLEN);
		vh.csum_offset = ZT_UDP_CSUM;
		g->super_udp++;
	} else {
		c = zt_csum_fold(zt_csum_pseudo_ip(f + t->l3, t->v6, ZT_IPPROTO_TCP,
		                                   (uint32_t)(s->len - t->l4)));
		memcpy(f + t->l4 + ZT_TCP_CSUM, &c, 2);
		vh.gso_type = t->v6 ? ZT_VNET_GSO_TCPV6 : ZT_VNET_GSO_TCPV4;
		vh.hdr_len = (uint16_t)t->hlen;
		vh.csum_offset = ZT_TCP_CSUM;
		g->super_tcp++;
	}
	g->joined += s->count;
	g->frames_out++;
	g->out(g->ctx, &vh, f, s->len);
	s->len = 0;
}

/* Same flow: protocol, addresses and ports.  Compared at each frame's own
 * offsets, so that a frame of the flow with other IP options still counts
 * as the flow's (and flushes it: order is kept). */
static bool same_flow(const struct zt_gro_slot *s, const uint8_t *f, const struct zt_tcp_frame *t,
                      bool udp)
{
	const uint8_t *h = s->buf;
	size_t alen = t->v6 ? 32 : 8, aoff = t->v6 ? ZT_IP6_SRC : ZT_IP4_SRC;

	if (s->len == 0 || s->udp != udp || s->t.v6 != t->v6)
		return false;
	return memcmp(h + s->t.l3 + aoff, f + t->l3 + aoff, alen) == 0 &&
	       memcmp(h + s->t.l4, f + t->l4, 4) == 0;
}

/* The header bytes segmentation copies from the first frame to every
 * piece: Ethernet; IPv6 version, class, flow label, next header, hop
 * limit; IPv4 version/ihl/tos, flags/fragment (DF), ttl, protocol. */
static bool same_copied_headers(const uint8_t *h, const uint8_t *f, const struct zt_tcp_frame *t)
{
	if (memcmp(h, f, ZT_ETH_HLEN) != 0)
		return false;
	if (t->v6)
		return memcmp(h + t->l3, f + t->l3, 4) == 0 &&
		       memcmp(h + t->l3 + ZT_IP6_NEXT, f + t->l3 + ZT_IP6_NEXT, 2) == 0;
	return memcmp(h + t->l3, f + t->l3, 2) == 0 &&
	       memcmp(h + t->l3 + ZT_IP4_FRAG, f + t->l3 + ZT_IP4_FRAG, 4) == 0;
}

/* May segment f (of the slot's TCP flow) be appended? */
static bool can_append(const struct zt_gro_slot *s, const uint8_t *f, const struct zt_tcp_frame *t,
                       size_t plen)
{
	const uint8_t *h = s->buf;

	if (s->closed || s->t.l4 != t->l4 || s->t.hlen != t->hlen || plen > s->seg ||
	    zt_get_u32(f + t->l4 + ZT_TCP_SEQ) != s->next_seq ||
	    s->len + plen - t->l3 > ZT_IP_MAX || s->len + plen > ZT_GSO_MAX_FRAME)
		return false;
	/* and the IPv4 options */
	if (!same_copied_headers(h, f, t) ||
	    (!t->v6 && memcmp(h + t->l3 + ZT_IP4_HLEN, f + t->l3 + ZT_IP4_HLEN,
	                      t->l4 - t->l3 - ZT_IP4_HLEN) != 0))
		return false;
	/* ack; offset and flags (PSH may differ); window; urgent; options */
	if (memcmp(h + t->l4 + ZT_TCP_ACKNO, f + t->l4 + ZT_TCP_ACKNO, 4) != 0 ||
	    h[t->l4 + ZT_TCP_DOFF] != f[t->l4 + ZT_TCP_DOFF] ||
	    (h[t->l4 + ZT_TCP_FLAGS] | ZT_TCP_PSH) != (f[t->l4 + ZT_TCP_FLAGS] | ZT_TCP_PSH) ||
	    memcmp(h + t->l4 + ZT_TCP_WIN, f + t->l4 + ZT_TCP_WIN, 2) != 0 ||
	    memcmp(h + t->l4 + ZT_TCP_URP, f + t->l4 + ZT_TCP_URP, t->hlen - t->l4 - ZT_TCP_URP) !=
	        0)
		return false;
	return true;
}

/* May a UDP datagram be part of a super-frame at all?  Only if cutting
 * the super-frame gives it back unchanged: IPv4 without options (IPv6
 * extension headers never parse as UDP), no Ethernet padding, a UDP
 * length that is the IP payload (padding inside IP would be lost), and
 * some payload. */
static bool udp_joinable(const uint8_t *f, size_t len, const struct zt_tcp_frame *t, size_t plen)
{
	return (t->v6 || t->l4 == t->l3 + ZT_IP4_HLEN) && len == t->l3 + t->iplen &&
	       zt_get_u16(f + t->l4 + ZT_UDP_LEN) == t->l3 + t->iplen - t->l4 && plen > 0;
}

/* Both checksums right: the UDP one (present), and the IPv4 header's,
 * which joining would replace by a valid one. */
static bool udp_csums_ok(const uint8_t *f, const struct zt_tcp_frame *t)
{
	if (!t->v6 && !zt_csum_valid(zt_csum_add(0, f + t->l3, ZT_IP4_HLEN)))
		return false;
	return zt_udp_csum_ok(f, t);
}

/* May datagram f (of the slot's UDP flow) be appended?  Every header byte
 * segmentation copies from the first datagram must be the same, and the
 * IPv4 id must be the next one: segmentation numbers the pieces' ids
 * consecutively. */
static bool can_append_udp(const struct zt_gro_slot *s, const uint8_t *f,
                           const struct zt_tcp_frame *t, size_t plen)
{
	const uint8_t *h = s->buf;

	if (s->closed || s->t.l4 != t->l4 || plen > s->seg || s->count >= ZT_GRO_UDP_MAX_SEGS ||
	    s->len + plen - t->l3 > ZT_IP_MAX || s->len + plen > ZT_GSO_MAX_FRAME)
		return false;
	if (!same_copied_headers(h, f, t))
		return false;
	return t->v6 || zt_get_u16(f + t->l3 + ZT_IP4_ID) == s->next_id;
}

void zt_gro_add(struct zt_gro *g, const uint8_t *frame, size_t len)
{
	struct zt_tcp_frame t;
	struct zt_gro_slot *s = NULL;
	size_t plen;
	bool ok, udp = false;

	g->frames_in++;
	g->tick++;
	if (zt_tcp_frame_parse(frame, len, &t)) {
		plen = t.l3 + t.iplen - t.hlen;
		/* data with ACK (and maybe PSH) only; no Ethernet padding */
		ok = plen > 0 &&
		     (frame[t.l4 + ZT_TCP_FLAGS] & (uint8_t)~ZT_TCP_PSH) == ZT_TCP_ACK &&
		     len == t.l3 + t.iplen;
		/* Both checksums right: the TCP one, and the IPv4 header's,
		 * which joining would replace by a valid one. */
		if (ok && (!zt_tcp_csum_ok(frame, &t) ||
		           (!t.v6 && !zt_csum_valid(zt_csum_add(0, frame + t.l3, t.l4 - t.l3))))) {
			g->bad_csum++;
			ok = false;
		}
	} else if (g->udp && zt_udp_frame_parse(frame, len, &t)) {
		udp = true;
		plen = t.l3 + t.iplen - t.hlen;
		ok = udp_joinable(frame, len, &t, plen);
		/* A zero checksum ("none" on IPv4) is not joined either: the
		 * pieces would come out with checksums the sender never set. */
		if (ok && !udp_csums_ok(frame, &t)) {
			if (frame[t.l4 + ZT_UDP_CSUM] != 0 || frame[t.l4 + ZT_UDP_CSUM + 1] != 0)
				g->bad_csum++;
			ok = false;
		}
	} else {
		out_plain(g, frame, len);
		return;
	}
	for (unsigned i = 0; i < ZT_GRO_SLOTS && s == NULL; i++)
		if (same_flow(&g->slots[i], frame, &t, udp))
			s = &g->slots[i];
	if (s != NULL) {
		if (ok &&
		    (udp ? can_append_udp(s, frame, &t, plen) : can_append(s, frame, &t, plen))) {
			memcpy(s->buf + s->len, frame + t.hlen, plen);
			s->len += plen;
			s->count++;
			s->used = g->tick;
			if (udp) {
				s->next_id++;
				/* a shorter datagram ends it, as in the kernel's GRO */
				s->closed = plen < s->seg || s->count >= ZT_GRO_UDP_MAX_SEGS;
			} else if (frame[t.l4 + ZT_TCP_FLAGS] & ZT_TCP_PSH) {
				s->next_seq += (uint32_t)plen;
				s->buf[t.l4 + ZT_TCP_FLAGS] |= ZT_TCP_PSH;
				s->closed = true;
			} else {
				s->next_seq += (uint32_t)plen;
				s->closed = plen < s->seg;
			}
			if (s->closed || s->len + s->seg - t.l3 > ZT_IP_MAX)
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
		s->buf = zt_mem_alloc(&g->mem, ZT_GSO_MAX_FRAME);
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
	s->udp = udp;
	if (udp) {
		s->next_seq = 0;
		s->next_id = t.v6 ? 0 : (uint16_t)(zt_get_u16(frame + t.l3 + ZT_IP4_ID) + 1);
		s->closed = false;
	} else {
		s->next_seq = zt_get_u32(frame + t.l4 + ZT_TCP_SEQ) + (uint32_t)plen;
		s->next_id = 0;
		s->closed = (frame[t.l4 + ZT_TCP_FLAGS] & ZT_TCP_PSH) != 0;
	}
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
		zt_mem_free(&g->mem, g->slots[i].buf);
		g->slots[i].buf = NULL;
	}
}
