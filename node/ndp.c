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
#include <string.h>

#include "csum.h"
#include "node_int.h"
#include "util.h"

#define ETH 14
#define IP6 40
#define NS  135
#define NA  136

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
	const uint8_t *ip = frame + ETH, *icmp = ip + IP6;
	uint8_t *oip = out + ETH, *o = oip + IP6;
	static const uint8_t unspec[16];
	uint64_t owner;
	const size_t olen = ETH + IP6 + 32;

	/* Ethernet/IPv6, no extension headers, ICMPv6 NS, hop limit 255. */
	if (len < ETH + IP6 + 24 || cap < olen || zt_get_u16(frame + 12) != 0x86dd ||
	    (ip[0] >> 4) != 6 || ip[6] != 58 || ip[7] != 255 || icmp[0] != NS || icmp[1] != 0 ||
	    zt_get_u16(ip + 4) < 24 || (size_t)zt_get_u16(ip + 4) + ETH + IP6 > len)
		return 0;
	/* Duplicate address detection (from ::) is the owner's business. */
	if (memcmp(ip + 8, unspec, 16) == 0)
		return 0;
	owner = zt_ndp_owner(nwid, icmp + 8);
	if (owner == 0 || owner == self || owner > 0xffffffffffULL)
		return 0;
	memset(out, 0, olen);
	memcpy(out, frame + 6, 6); /* to the asker */
	zt_mac_from_address(nwid, owner, out + 6);
	zt_put_u16(out + 12, 0x86dd);
	oip[0] = 0x60;
	zt_put_u16(oip + 4, 32);
	oip[6] = 58;
	oip[7] = 255;
	memcpy(oip + 8, icmp + 8, 16); /* from the target */
	memcpy(oip + 24, ip + 8, 16);  /* to the asker's address */
	o[0] = NA;
	o[4] = 0x60; /* solicited, override */
	memcpy(o + 8, icmp + 8, 16);
	o[24] = 2; /* target link-layer address */
	o[25] = 1;
	memcpy(o + 26, out + 6, 6);
	zt_csum_store(o + 2, zt_csum_add(zt_csum_pseudo_ip(oip, true, 58, 32), o, 32));
	return olen;
}
