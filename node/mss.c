/* SPDX-License-Identifier: MIT */
/*
 * mss.c - optional TCP MSS clamping per network (the network's mssClamp):
 * the MSS option of a SYN that crosses the switch, in either direction, is
 * lowered to the clamp, with the TCP checksum updated incrementally
 * (RFC 1624), so that both ends send segments that fit a path the
 * administrator knows to be small.
 */
#include "mss.h"

#include "csum.h"
#include "eth.h"
#include "util.h"

bool zt_mss_clamp(uint8_t *frame, size_t len, unsigned clamp)
{
	size_t off = ZT_ETH_HLEN, tcp, hl, end;
	unsigned et;

	if (clamp == 0 || len < off + ZT_IP4_HLEN)
		return false;
	et = zt_get_u16(frame + ZT_ETH_TYPE);
	if (et == ZT_ETH_P_IPV4) {
		const uint8_t *ip = frame + off;
		size_t ihl = (size_t)(ip[0] & 15) * 4;
		if ((ip[0] >> 4) != 4 || ihl < ZT_IP4_HLEN || ip[ZT_IP4_PROTO] != ZT_IPPROTO_TCP ||
		    (zt_get_u16(ip + ZT_IP4_FRAG) & ZT_IP4_FRAG_MASK) != 0)
			return false; /* not TCP, or a fragment */
		tcp = off + ihl;
	} else if (et == ZT_ETH_P_IPV6) {
		if (len < off + ZT_IP6_HLEN || frame[off + ZT_IP6_NEXT] != ZT_IPPROTO_TCP)
			return false; /* not TCP right after the header */
		tcp = off + ZT_IP6_HLEN;
	} else {
		return false;
	}
	if (len < tcp + ZT_TCP_HLEN || !(frame[tcp + ZT_TCP_FLAGS] & ZT_TCP_SYN))
		return false;
	hl = (size_t)(frame[tcp + ZT_TCP_DOFF] >> 4) * 4;
	if (hl < ZT_TCP_HLEN || tcp + hl > len)
		return false;
	end = tcp + hl;
	for (size_t o = tcp + ZT_TCP_HLEN; o < end;) {
		unsigned kind = frame[o];
		if (kind == ZT_TCPOPT_EOL)
			break;
		if (kind == ZT_TCPOPT_NOP) {
			o++;
			continue;
		}
		if (o + 1 >= end || frame[o + 1] < 2 || o + frame[o + 1] > end)
			break;
		if (kind == ZT_TCPOPT_MSS && frame[o + 1] == ZT_TCPOLEN_MSS) {
			uint16_t mss = zt_get_u16(frame + o + 2), ck;
			if (mss <= clamp)
				return false;
			uint16_t nw = (uint16_t)clamp;
			ck = zt_get_u16(frame + tcp + ZT_TCP_CSUM);
			zt_put_u16(frame + o + 2, nw);
			/* The checksum adds 16-bit words from the segment's
			 * start: a value at an odd offset counts byte-swapped. */
			if ((o + 2 - tcp) & 1) {
				mss = (uint16_t)(mss << 8 | mss >> 8);
				nw = (uint16_t)(nw << 8 | nw >> 8);
			}
			zt_put_u16(frame + tcp + ZT_TCP_CSUM, zt_csum_replace(ck, mss, nw));
			return true;
		}
		o += frame[o + 1];
	}
	return false;
}
