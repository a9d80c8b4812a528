/* SPDX-License-Identifier: MIT */
/*
 * mss.c - optional TCP MSS clamping per network (the network's mssClamp):
 * the MSS option of a SYN that crosses the switch, in either direction, is
 * lowered to the clamp, with the TCP checksum updated incrementally
 * (RFC 1624), so that both ends send segments that fit a path the
 * administrator knows to be small.
 */
#include "csum.h"
#include "node_int.h"
#include "util.h"

bool zt_mss_clamp(uint8_t *frame, size_t len, unsigned clamp)
{
	size_t off = 14, tcp, hl, end;
	unsigned et;

	if (clamp == 0 || len < off + 20)
		return false;
	et = zt_get_u16(frame + 12);
	if (et == 0x0800) {
		const uint8_t *ip = frame + off;
		size_t ihl = (size_t)(ip[0] & 15) * 4;
		if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 6 ||
		    (zt_get_u16(ip + 6) & 0x3fff) != 0)
			return false; /* not TCP, or a fragment */
		tcp = off + ihl;
	} else if (et == 0x86dd) {
		if (len < off + 40 || frame[off + 6] != 6)
			return false; /* not TCP right after the header */
		tcp = off + 40;
	} else {
		return false;
	}
	if (len < tcp + 20 || !(frame[tcp + 13] & 0x02)) /* SYN */
		return false;
	hl = (size_t)(frame[tcp + 12] >> 4) * 4;
	if (hl < 20 || tcp + hl > len)
		return false;
	end = tcp + hl;
	for (size_t o = tcp + 20; o < end;) {
		unsigned kind = frame[o];
		if (kind == 0)
			break;
		if (kind == 1) {
			o++;
			continue;
		}
		if (o + 1 >= end || frame[o + 1] < 2 || o + frame[o + 1] > end)
			break;
		if (kind == 2 && frame[o + 1] == 4) {
			uint16_t mss = zt_get_u16(frame + o + 2), ck;
			if (mss <= clamp)
				return false;
			uint16_t nw = (uint16_t)clamp;
			ck = zt_get_u16(frame + tcp + 16);
			zt_put_u16(frame + o + 2, nw);
			/* The checksum adds 16-bit words from the segment's
			 * start: a value at an odd offset counts byte-swapped. */
			if ((o + 2 - tcp) & 1) {
				mss = (uint16_t)(mss << 8 | mss >> 8);
				nw = (uint16_t)(nw << 8 | nw >> 8);
			}
			zt_put_u16(frame + tcp + 16, zt_csum_replace(ck, mss, nw));
			return true;
		}
		o += frame[o + 1];
	}
	return false;
}
