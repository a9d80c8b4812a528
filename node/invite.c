/* SPDX-License-Identifier: MIT */
/*
 * invite.c - invite codes: one line a member pastes into `zt-cli join`,
 * carrying the network id, an invite token, and the roots (address, key,
 * one endpoint each) through which it reaches the controller.  Pure codec:
 * the text is "zti1" + lowercase RFC 4648 base32 (no padding) of
 *
 *   version u8 (1) | nwid u64 | tlen u8 (1..64) | token
 *   | n u8 (0..8) | n × (address u40 | Ed25519 pk (32) | endpoint)
 *
 * with endpoints as on the wire (family u8, port u16, 4 or 16 bytes).
 */
#include <string.h>

#include "util.h"
#include "zt.h"

#define INVITE_VERSION 1
#define INVITE_PREFIX  "zti1"
#define INVITE_BIN_MAX (1 + 8 + 1 + ZT_NETCONF_TOKEN_MAX + 1 + ZT_MAX_ROOTS * (5 + 32 + 19))

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

int zt_invite_encode(const struct zt_invite *inv, char *out, size_t cap)
{
	uint8_t bin[INVITE_BIN_MAX];
	size_t n = 0, o = 0, bits = 0;
	uint32_t acc = 0;

	if (inv->token_len == 0 || inv->token_len > ZT_NETCONF_TOKEN_MAX ||
	    inv->root_count > ZT_MAX_ROOTS)
		return ZT_EINVAL;
	bin[n++] = INVITE_VERSION;
	zt_put_u64(bin + n, inv->nwid);
	n += 8;
	bin[n++] = (uint8_t)inv->token_len;
	memcpy(bin + n, inv->token, inv->token_len);
	n += inv->token_len;
	bin[n++] = (uint8_t)inv->root_count;
	for (unsigned i = 0; i < inv->root_count; i++) {
		zt_put_u40(bin + n, inv->roots[i].address);
		n += 5;
		memcpy(bin + n, inv->roots[i].pk, 32);
		n += 32;
		if (inv->roots[i].endpoint.family != 4 && inv->roots[i].endpoint.family != 6)
			return ZT_EINVAL;
		n += zt_endpoint_encode(&inv->roots[i].endpoint, bin + n);
	}
	if (cap < sizeof INVITE_PREFIX)
		return ZT_ERANGE;
	memcpy(out, INVITE_PREFIX, sizeof INVITE_PREFIX - 1);
	o = sizeof INVITE_PREFIX - 1;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | bin[i];
		bits += 8;
		while (bits >= 5) {
			if (o + 1 >= cap)
				return ZT_ERANGE;
			out[o++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0) {
		if (o + 1 >= cap)
			return ZT_ERANGE;
		out[o++] = b32[(acc << (5 - bits)) & 31];
	}
	out[o] = '\0';
	return (int)o;
}

int zt_invite_decode(struct zt_invite *inv, const char *text, size_t len)
{
	uint8_t bin[INVITE_BIN_MAX];
	size_t n = 0, off = 0, bits = 0, pl = sizeof INVITE_PREFIX - 1;
	uint32_t acc = 0;

	memset(inv, 0, sizeof *inv);
	if (len < pl || memcmp(text, INVITE_PREFIX, pl) != 0)
		return ZT_EINVAL;
	for (size_t i = pl; i < len; i++) {
		char c = text[i];
		int v = c >= 'a' && c <= 'z'   ? c - 'a'
		        : c >= 'A' && c <= 'Z' ? c - 'A'
		        : c >= '2' && c <= '7' ? c - '2' + 26
		                               : -1;
		if (v < 0)
			return ZT_EINVAL;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			if (n == sizeof bin)
				return ZT_EINVAL;
			bin[n++] = (uint8_t)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	/* Leftover bits are padding: fewer than 5, all zero. */
	if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
		return ZT_EINVAL;
	if (n < 11 || bin[0] != INVITE_VERSION)
		return ZT_EINVAL;
	inv->nwid = zt_get_u64(bin + 1);
	inv->token_len = bin[9];
	off = 10;
	if (inv->token_len == 0 || inv->token_len > ZT_NETCONF_TOKEN_MAX ||
	    n - off < inv->token_len + 1)
		return ZT_EINVAL;
	memcpy(inv->token, bin + off, inv->token_len);
	off += inv->token_len;
	inv->root_count = bin[off++];
	if (inv->root_count > ZT_MAX_ROOTS)
		return ZT_EINVAL;
	for (unsigned i = 0; i < inv->root_count; i++) {
		size_t used;
		if (n - off < 37)
			return ZT_EINVAL;
		inv->roots[i].address = zt_get_u40(bin + off);
		memcpy(inv->roots[i].pk, bin + off + 5, 32);
		off += 37;
		used = zt_endpoint_decode(&inv->roots[i].endpoint, bin + off, n - off);
		if (used == 0)
			return ZT_EINVAL;
		off += used;
	}
	return off == n && !zt_nwid_is_adhoc(inv->nwid) && inv->nwid != 0 ? ZT_OK : ZT_EINVAL;
}
