/* SPDX-License-Identifier: MIT */
/*
 * gso.c - TCP segmentation of TAP super-frames (see gso.h).  Every read of the frame is
 * bounds-checked: the frame comes from the local kernel, but a bridged TAP may carry anything.
 */
#include "gso.h"

#include <string.h>

#include "csum.h"
#include "eth.h"
#include "util.h"

/* The virtio header of a TAP is in the host's byte order (no TUNSETVNETLE). */
void zt_vnet_hdr_decode(struct zt_vnet_hdr *h, const uint8_t in[ZT_VNET_HDR_LEN])
{
	h->flags = in[0];
	h->gso_type = in[1];
	memcpy(&h->hdr_len, in + 2, 2);
	memcpy(&h->gso_size, in + 4, 2);
	memcpy(&h->csum_start, in + 6, 2);
	memcpy(&h->csum_offset, in + 8, 2);
}

void zt_vnet_hdr_encode(uint8_t out[ZT_VNET_HDR_LEN], const struct zt_vnet_hdr *h)
{
	out[0] = h->flags;
	out[1] = h->gso_type;
	memcpy(out + 2, &h->hdr_len, 2);
	memcpy(out + 4, &h->gso_size, 2);
	memcpy(out + 6, &h->csum_start, 2);
	memcpy(out + 8, &h->csum_offset, 2);
}

/* Ethernet + IPv4 (not a fragment) or IPv6 (proto as the first next
 * header) carrying `proto`: fills l3, l4, v6, iplen. */
static bool parse_ip(const uint8_t *f, size_t len, uint8_t proto, size_t minl4,
                     struct zt_tcp_frame *t)
{
	uint16_t type;

	memset(t, 0, sizeof *t);
	if (len < ZT_ETH_HLEN)
		return false;
	type = zt_get_u16(f + ZT_ETH_TYPE);
	t->l3 = ZT_ETH_HLEN;
	if (type == ZT_ETH_P_IPV4) {
		size_t ihl;
		if (len < t->l3 + ZT_IP4_HLEN || (f[t->l3] >> 4) != 4)
			return false;
		ihl = (size_t)(f[t->l3] & 0x0f) * 4;
		t->iplen = zt_get_u16(f + t->l3 + ZT_IP4_LEN);
		/* no MF, offset 0 */
		if (ihl < ZT_IP4_HLEN || f[t->l3 + ZT_IP4_PROTO] != proto ||
		    (zt_get_u16(f + t->l3 + ZT_IP4_FRAG) & ZT_IP4_FRAG_MASK) != 0)
			return false;
		if (t->iplen < ihl + minl4 || t->iplen > len - t->l3)
			return false;
		t->l4 = t->l3 + ihl;
	} else if (type == ZT_ETH_P_IPV6) {
		if (len < t->l3 + ZT_IP6_HLEN || (f[t->l3] >> 4) != 6 ||
		    f[t->l3 + ZT_IP6_NEXT] != proto)
			return false;
		t->v6 = true;
		t->iplen = ZT_IP6_HLEN + (size_t)zt_get_u16(f + t->l3 + ZT_IP6_PLEN);
		if (t->iplen < ZT_IP6_HLEN + minl4 || t->iplen > len - t->l3)
			return false;
		t->l4 = t->l3 + ZT_IP6_HLEN;
	} else {
		return false;
	}
	return true;
}

bool zt_tcp_frame_parse(const uint8_t *f, size_t len, struct zt_tcp_frame *t)
{
	size_t doff;

	if (!parse_ip(f, len, ZT_IPPROTO_TCP, ZT_TCP_HLEN, t))
		return false;
	doff = (size_t)(f[t->l4 + ZT_TCP_DOFF] >> 4) * 4;
	if (doff < ZT_TCP_HLEN || t->l4 + doff > t->l3 + t->iplen)
		return false;
	t->hlen = t->l4 + doff;
	return true;
}

bool zt_udp_frame_parse(const uint8_t *f, size_t len, struct zt_tcp_frame *t)
{
	if (!parse_ip(f, len, ZT_IPPROTO_UDP, ZT_UDP_HLEN, t))
		return false;
	t->hlen = t->l4 + ZT_UDP_HLEN;
	return true;
}

/* Cut a UDP super-frame (USO, gso_type UDP_L4) into datagrams of gso_size
 * payload bytes, each with its own UDP length and checksum. */
static int split_udp(const struct zt_vnet_hdr *vh, const uint8_t *frame, size_t len,
                     size_t max_frame, uint8_t *scratch,
                     void (*emit)(void *ctx, const uint8_t *f, size_t l), void *ctx)
{
	struct zt_tcp_frame t;
	size_t plen, mss, off = 0;
	uint16_t id;
	int count = 0;

	if (!zt_udp_frame_parse(frame, len, &t) || vh->gso_size == 0)
		return ZT_GSO_EINVAL;
	plen = t.l3 + t.iplen - t.hlen;
	/* Datagram boundaries belong to the application: a datagram that does
	 * not fit one of our frames is not cut smaller but sent as it is (the
	 * core fragments it). */
	(void)max_frame;
	mss = vh->gso_size;
	if (t.hlen + mss > ZT_GSO_SCRATCH)
		return ZT_GSO_EINVAL;
	id = t.v6 ? 0 : zt_get_u16(frame + t.l3 + ZT_IP4_ID);
	do {
		size_t n = plen - off < mss ? plen - off : mss;
		uint8_t *ip = scratch + t.l3, *udp = scratch + t.l4;
		uint64_t sum;

		memcpy(scratch, frame, t.hlen);
		memcpy(scratch + t.hlen, frame + t.hlen + off, n);
		if (t.v6) {
			zt_put_u16(ip + ZT_IP6_PLEN, (uint16_t)(ZT_UDP_HLEN + n));
		} else {
			zt_put_u16(ip + ZT_IP4_LEN, (uint16_t)(t.hlen - t.l3 + n));
			zt_put_u16(ip + ZT_IP4_ID, (uint16_t)(id + count));
			memset(ip + ZT_IP4_CSUM, 0, 2);
			zt_csum_store(ip + ZT_IP4_CSUM, zt_csum_add(0, ip, t.l4 - t.l3));
		}
		zt_put_u16(udp + ZT_UDP_LEN, (uint16_t)(ZT_UDP_HLEN + n));
		memset(udp + ZT_UDP_CSUM, 0, 2);
		sum = zt_csum_pseudo_ip(ip, t.v6, ZT_IPPROTO_UDP, (uint32_t)(ZT_UDP_HLEN + n));
		zt_csum_store_udp(udp + ZT_UDP_CSUM, zt_csum_add(sum, udp, ZT_UDP_HLEN + n));
		emit(ctx, scratch, t.hlen + n);
		count++;
		off += n;
	} while (off < plen);
	return count;
}

bool zt_tcp_csum_ok(const uint8_t *f, const struct zt_tcp_frame *t)
{
	size_t l4len = t->l3 + t->iplen - t->l4;
	uint64_t sum = zt_csum_pseudo_ip(f + t->l3, t->v6, ZT_IPPROTO_TCP, (uint32_t)l4len);
	return zt_csum_valid(zt_csum_add(sum, f + t->l4, l4len));
}

bool zt_udp_csum_ok(const uint8_t *f, const struct zt_tcp_frame *t)
{
	size_t l4len = t->l3 + t->iplen - t->l4;

	uint64_t sum = zt_csum_pseudo_ip(f + t->l3, t->v6, ZT_IPPROTO_UDP, (uint32_t)l4len);

	if (f[t->l4 + ZT_UDP_CSUM] == 0 && f[t->l4 + ZT_UDP_CSUM + 1] == 0)
		return false; /* none (IPv4) or invalid (IPv6) */
	return zt_csum_valid(zt_csum_add(sum, f + t->l4, l4len));
}

/* Complete a partial checksum as the kernel's skb_checksum_help does: the
 * field holds the pseudo-header sum, the rest is summed from csum_start. */
static int finish_csum(const struct zt_vnet_hdr *vh, uint8_t *frame, size_t len)
{
	size_t at = (size_t)vh->csum_start + vh->csum_offset;

	if (vh->csum_start >= len || at + 2 > len)
		return ZT_GSO_EINVAL;
	/* (as UDP's: 0 would mean "no checksum") */
	zt_csum_store_udp(frame + at, zt_csum_add(0, frame + vh->csum_start, len - vh->csum_start));
	return 0;
}

/* A plain (non-GSO) TCP frame larger than max_frame: a lone full-size
 * segment the kernel sent without GSO, or any frame from a TAP without
 * offloads, on a path narrower than the network's MTU.  Cut as a TSO
 * would cut it, it arrives as segments the receiver takes as they are,
 * not as fragments it must hold and reassemble (a lost fragment costing
 * the whole frame).  Only where that is exactly what the sender could
 * have sent: no SYN, RST or URG (their meaning is tied to the one
 * segment); IPv4 only with DF (its id is the only one the sender reserved,
 * and without DF it may be fragmented anyway) and a right header
 * checksum; the TCP checksum partial (NEEDS_CSUM at the TCP field) or
 * complete and right (cutting gives every piece a valid checksum, so a
 * corrupted frame would come out looking whole).  Fills *cut with the
 * header a TSO frame would have had. */
static bool plain_tcp_cut(const struct zt_vnet_hdr *vh, const uint8_t *frame, size_t len,
                          size_t max_frame, struct zt_vnet_hdr *cut)
{
	struct zt_tcp_frame t;
	size_t mss;

	/* (max_frame > hlen also means there is payload to cut) */
	if (!zt_tcp_frame_parse(frame, len, &t) || t.l3 + t.iplen <= max_frame ||
	    max_frame <= t.hlen)
		return false;
	if (frame[t.l4 + ZT_TCP_FLAGS] & (ZT_TCP_SYN | ZT_TCP_RST | ZT_TCP_URG))
		return false;
	if (!t.v6 && (!(frame[t.l3 + ZT_IP4_FRAG] & ZT_IP4_DF) ||
	              !zt_csum_valid(zt_csum_add(0, frame + t.l3, t.l4 - t.l3))))
		return false;
	if (vh->flags & ZT_VNET_F_NEEDS_CSUM) {
		if (vh->csum_start != t.l4 || vh->csum_offset != ZT_TCP_CSUM)
			return false;
	} else if (!zt_tcp_csum_ok(frame, &t)) {
		return false;
	}
	mss = max_frame - t.hlen;
	memset(cut, 0, sizeof *cut);
	cut->flags = vh->flags;
	cut->gso_type = t.v6 ? ZT_VNET_GSO_TCPV6 : ZT_VNET_GSO_TCPV4;
	cut->hdr_len = (uint16_t)t.hlen;
	cut->gso_size = (uint16_t)(mss > 0xffff ? 0xffff : mss);
	cut->csum_start = (uint16_t)t.l4;
	cut->csum_offset = ZT_TCP_CSUM;
	return true;
}

int zt_gso_split(const struct zt_vnet_hdr *vh, uint8_t *frame, size_t len, size_t max_frame,
                 uint8_t *scratch, void (*emit)(void *ctx, const uint8_t *f, size_t l), void *ctx)
{
	struct zt_tcp_frame t;
	struct zt_vnet_hdr cut;
	uint8_t type = vh->gso_type & (uint8_t)~ZT_VNET_GSO_ECN;
	size_t plen, mss, off, l4hdr;
	uint32_t seq;
	uint16_t id;
	uint8_t flags;
	int count = 0;

	if (type == ZT_VNET_GSO_NONE && len > max_frame &&
	    plain_tcp_cut(vh, frame, len, max_frame, &cut)) {
		vh = &cut;
		type = cut.gso_type;
	} else if (type == ZT_VNET_GSO_NONE) {
		if ((vh->flags & ZT_VNET_F_NEEDS_CSUM) && finish_csum(vh, frame, len) != 0)
			return ZT_GSO_EINVAL;
		emit(ctx, frame, len);
		return 1;
	}
	if (type == ZT_VNET_GSO_UDP_L4)
		return split_udp(vh, frame, len, max_frame, scratch, emit, ctx);
	if (type != ZT_VNET_GSO_TCPV4 && type != ZT_VNET_GSO_TCPV6)
		return ZT_GSO_EUNSUPP;
	if (!zt_tcp_frame_parse(frame, len, &t) || t.v6 != (type == ZT_VNET_GSO_TCPV6) ||
	    vh->gso_size == 0 || max_frame <= t.hlen)
		return ZT_GSO_EINVAL;
	plen = t.l3 + t.iplen - t.hlen;
	mss = max_frame - t.hlen;
	if (mss > vh->gso_size)
		mss = vh->gso_size;
	l4hdr = t.hlen - t.l4;
	seq = zt_get_u32(frame + t.l4 + ZT_TCP_SEQ);
	flags = frame[t.l4 + ZT_TCP_FLAGS];
	id = t.v6 ? 0 : zt_get_u16(frame + t.l3 + ZT_IP4_ID);
	off = 0;
	do {
		size_t n = plen - off < mss ? plen - off : mss;
		bool last = off + n >= plen;
		uint8_t f = flags;
		uint8_t *ip = scratch + t.l3, *tcp = scratch + t.l4;
		uint64_t sum;

		memcpy(scratch, frame, t.hlen);
		memcpy(scratch + t.hlen, frame + t.hlen + off, n);
		if (t.v6) {
			zt_put_u16(ip + ZT_IP6_PLEN, (uint16_t)(t.hlen - t.l3 - ZT_IP6_HLEN + n));
		} else {
			zt_put_u16(ip + ZT_IP4_LEN, (uint16_t)(t.hlen - t.l3 + n));
			zt_put_u16(ip + ZT_IP4_ID, (uint16_t)(id + count));
			memset(ip + ZT_IP4_CSUM, 0, 2);
			zt_csum_store(ip + ZT_IP4_CSUM, zt_csum_add(0, ip, t.l4 - t.l3));
		}
		zt_put_u32(tcp + ZT_TCP_SEQ, seq + (uint32_t)off);
		if (!last)
			f &= (uint8_t) ~(ZT_TCP_FIN | ZT_TCP_PSH);
		if (count > 0)
			f &= (uint8_t)~ZT_TCP_CWR;
		tcp[ZT_TCP_FLAGS] = f;
		memset(tcp + ZT_TCP_CSUM, 0, 2);
		sum = zt_csum_pseudo_ip(ip, t.v6, ZT_IPPROTO_TCP, (uint32_t)(l4hdr + n));
		zt_csum_store(tcp + ZT_TCP_CSUM, zt_csum_add(sum, tcp, l4hdr + n));
		emit(ctx, scratch, t.hlen + n);
		count++;
		off += n;
	} while (off < plen);
	return count;
}
