/* SPDX-License-Identifier: MIT */
/* wire.c - outer header codec (the rest of the layouts are in wire.h). */
#include "wire.h"

#include <sodium.h>
#include <string.h>

#include "util.h"

void zt_wire_hdr_encode(uint8_t out[ZT_HDR_LEN], const struct zt_hdr *h)
{
	out[0] = (uint8_t)((ZT_WIRE_VERSION << 4) | (h->type & 0x0f));
	out[1] = h->hops & ZT_HOPS_MASK;
	zt_put_u40(out + 2, h->dst);
	zt_put_u40(out + 7, h->src);
}

bool zt_wire_hdr_decode(struct zt_hdr *h, const uint8_t *in, size_t len)
{
	if (len < ZT_HDR_LEN || (in[0] >> 4) != ZT_WIRE_VERSION)
		return false;
	if ((in[1] & ~ZT_HOPS_MASK) != 0)
		return false;
	h->type = in[0] & 0x0f;
	h->hops = in[1] & ZT_HOPS_MASK;
	h->dst = zt_get_u40(in + 2);
	h->src = zt_get_u40(in + 7);
	return true;
}

void zt_wire_hdr_auth(uint8_t out[ZT_HDR_LEN], const uint8_t *in)
{
	memcpy(out, in, ZT_HDR_LEN);
	out[1] &= (uint8_t)~ZT_HOPS_MASK;
}

void zt_wire_nethash(uint64_t nwid, uint8_t out[8])
{
	static const uint8_t key[] = "zt-nethash-v1";
	uint8_t in[8], h[16];
	zt_put_u64(in, nwid);
	crypto_generichash(h, sizeof h, in, sizeof in, key, sizeof key - 1);
	memcpy(out, h, 8);
}
