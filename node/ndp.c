/* SPDX-License-Identifier: MIT */
/*
 * ndp.c - neighbour discovery answered locally for the computed IPv6
 * address modes (doc/PROTOCOL.md "IPv6 on the overlay").
 *
 * In the rfc4193 mode a member's address is fd<nwid>9993<address>, in the
 * 6plane mode it owns fc<hash(nwid)><address>::/80: the member, and so its
 * MAC, follows from the address.  A neighbour solicitation from our host
 * for such an address is answered by the switch itself with a neighbour
 * advertisement written into the TAP: nothing crosses the network.
 */
#include "ndp.h"

#include <string.h>

#include "csum.h"
#include "eth.h"
#include "util.h"

/* An NS or NA: type, code, checksum, flags (4), the target (16), then
 * options; ours carries one, the target's link-layer address (8). */
#define ND_TARGET  8
#define ND_OPTIONS 24
#define ND_NA_LEN  32

/* The member that owns `ip` in the rfc4193 or 6plane mode of nwid, or 0. */
uint64_t zt_ndp_owner(uint64_t nwid, const uint8_t ip[16])
{
	uint64_t a = 0;

	if (ip[0] == 0xfd) {
		for (int i = 0; i < 8; i++)
			if (ip[1 + i] != (uint8_t)(nwid >> (56 - 8 * i)))
				return 0;
		if (ip[9] != 0x99 || ip[10] != 0x93)
			return 0;
		for (int i = 0; i < 5; i++)
			a = (a << 8) | ip[11 + i];
		return a;
	}
	if (ip[0] == 0xfc) {
		uint32_t h = (uint32_t)(nwid >> 32) ^ (uint32_t)nwid;
		for (int i = 0; i < 4; i++)
			if (ip[1 + i] != (uint8_t)(h >> (24 - 8 * i)))
				return 0;
		for (int i = 0; i < 5; i++)
			a = (a << 8) | ip[5 + i];
		return a;
	}
	return 0;
}

size_t zt_ndp_answer(uint64_t nwid, uint64_t self, const uint8_t *frame, size_t len, uint8_t *out,
                     size_t cap)
{
	const uint8_t *ip = frame + ZT_ETH_HLEN, *icmp = ip + ZT_IP6_HLEN;
	uint8_t *oip = out + ZT_ETH_HLEN, *o = oip + ZT_IP6_HLEN;
	static const uint8_t unspec[16];
	uint64_t owner;
	const size_t olen = ZT_ETH_HLEN + ZT_IP6_HLEN + ND_NA_LEN;

	/* Ethernet/IPv6, no extension headers, ICMPv6 NS, hop limit 255. */
	if (len < ZT_ETH_HLEN + ZT_IP6_HLEN + ND_OPTIONS || cap < olen ||
	    zt_get_u16(frame + ZT_ETH_TYPE) != ZT_ETH_P_IPV6 || (ip[0] >> 4) != 6 ||
	    ip[ZT_IP6_NEXT] != ZT_IPPROTO_ICMPV6 || ip[ZT_IP6_HLIM] != 255 || icmp[0] != ZT_ND_NS ||
	    icmp[1] != 0 || zt_get_u16(ip + ZT_IP6_PLEN) < ND_OPTIONS ||
	    (size_t)zt_get_u16(ip + ZT_IP6_PLEN) + ZT_ETH_HLEN + ZT_IP6_HLEN > len)
		return 0;
	/* Duplicate address detection (from ::) is the owner's business. */
	if (memcmp(ip + ZT_IP6_SRC, unspec, 16) == 0)
		return 0;
	owner = zt_ndp_owner(nwid, icmp + ND_TARGET);
	if (owner == 0 || owner == self || owner > 0xffffffffffULL)
		return 0;
	memset(out, 0, olen);
	memcpy(out, frame + ZT_ETH_SRC, 6); /* to the asker */
	zt_mac_from_address(nwid, owner, out + ZT_ETH_SRC);
	zt_put_u16(out + ZT_ETH_TYPE, ZT_ETH_P_IPV6);
	oip[0] = 0x60;
	zt_put_u16(oip + ZT_IP6_PLEN, ND_NA_LEN);
	oip[ZT_IP6_NEXT] = ZT_IPPROTO_ICMPV6;
	oip[ZT_IP6_HLIM] = 255;
	memcpy(oip + ZT_IP6_SRC, icmp + ND_TARGET, 16); /* from the target */
	memcpy(oip + ZT_IP6_DST, ip + ZT_IP6_SRC, 16);  /* to the asker's address */
	o[0] = ZT_ND_NA;
	o[4] = 0x60; /* solicited, override */
	memcpy(o + ND_TARGET, icmp + ND_TARGET, 16);
	o[ND_OPTIONS] = 2; /* target link-layer address */
	o[ND_OPTIONS + 1] = 1;
	memcpy(o + ND_OPTIONS + 2, out + ZT_ETH_SRC, 6);
	zt_csum_store(o + 2, zt_csum_add(zt_csum_pseudo_ip(oip, true, ZT_IPPROTO_ICMPV6, ND_NA_LEN),
	                                 o, ND_NA_LEN));
	return olen;
}
