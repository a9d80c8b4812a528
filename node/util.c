/* SPDX-License-Identifier: MIT */
/*
 * util.c - hex, endpoints, network ids and MACs, error strings.
 * Pure: no libc beyond mem/str and snprintf (addresses in text: iptext.c).
 */
#include "util.h"

#include <stdbool.h>
#include <stdio.h>

#include "iptext.h"
#include "zt.h"

const char *zt_strerror(int err)
{
	switch (err) {
	case ZT_OK: return "success";
	case ZT_EINVAL: return "invalid argument or malformed input";
	case ZT_ENOMEM: return "out of memory";
	case ZT_ERANGE: return "value out of range or buffer too small";
	case ZT_ENOTFOUND: return "not found";
	case ZT_EEXIST: return "already exists";
	case ZT_ECRYPTO: return "cryptographic verification failed";
	case ZT_EFULL: return "a configured limit was reached";
	case ZT_ECALLBACK: return "a host callback failed";
	case ZT_EIDENTITY: return "identity invalid (address does not match its key)";
	case ZT_ESIG: return "bad signature";
	case ZT_ESTALE: return "older than what was accepted before";
	default: return "unknown error";
	}
}

void zt_hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

int zt_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int zt_hex_decode(const char *in, size_t in_len, uint8_t *out, size_t len)
{
	if (in_len != 2 * len)
		return ZT_EINVAL;
	for (size_t i = 0; i < len; i++) {
		int hi = zt_hex_digit(in[2 * i]), lo = zt_hex_digit(in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return ZT_EINVAL;
		out[i] = (uint8_t)((hi << 4) | lo);
	}
	return ZT_OK;
}

static int parse_hex_u64(const char *s, size_t digits, uint64_t *out)
{
	uint64_t v = 0;
	if (s == NULL || strlen(s) != digits)
		return ZT_EINVAL;
	for (size_t i = 0; i < digits; i++) {
		int d = zt_hex_digit(s[i]);
		if (d < 0)
			return ZT_EINVAL;
		v = (v << 4) | (uint64_t)d;
	}
	*out = v;
	return ZT_OK;
}

int zt_address_parse(const char *s, uint64_t *out)
{
	return parse_hex_u64(s, 10, out);
}

int zt_nwid_parse(const char *s, uint64_t *out)
{
	return parse_hex_u64(s, 16, out);
}

bool zt_nwid_is_adhoc(uint64_t nwid)
{
	return (nwid >> 56) == 0xff;
}

/*
 * A member's MAC: the first octet comes from the network id (locally
 * administered, unicast), the other five are the address XOR the next 40
 * bits of the network id, so the mapping is reversible without a table.
 */
void zt_mac_from_address(uint64_t nwid, uint64_t address, uint8_t mac[6])
{
	uint8_t first = (uint8_t)(((nwid & 0xfe) | 0x02));
	uint64_t x = (address ^ (nwid >> 8)) & 0xffffffffffULL;
	/* Written out: called for every frame (the switch, the rules), and
	 * the loop was not unrolled. */
	mac[0] = first;
	mac[1] = (uint8_t)(x >> 32);
	mac[2] = (uint8_t)(x >> 24);
	mac[3] = (uint8_t)(x >> 16);
	mac[4] = (uint8_t)(x >> 8);
	mac[5] = (uint8_t)x;
}

int zt_endpoint_parse(const char *s, struct zt_endpoint *out)
{
	char host[64];
	const char *slash;
	size_t hl;
	unsigned long port = 0;

	memset(out, 0, sizeof *out);
	if (s == NULL)
		return ZT_EINVAL;
	slash = strrchr(s, '/');
	if (slash == NULL)
		return ZT_EINVAL;
	hl = (size_t)(slash - s);
	if (hl == 0 || hl >= sizeof host)
		return ZT_EINVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (slash[1] == '\0' || strlen(slash + 1) > 5)
		return ZT_EINVAL;
	for (const char *p = slash + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return ZT_EINVAL;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port == 0 || port > 65535)
		return ZT_EINVAL;
	if (zt_iptext_parse4(host, out->ip))
		out->family = 4;
	else if (zt_iptext_parse6(host, out->ip))
		out->family = 6;
	else
		return ZT_EINVAL;
	out->port = (uint16_t)port;
	return ZT_OK;
}

int zt_endpoint_to_text(const struct zt_endpoint *ep, char *out, size_t cap)
{
	char host[ZT_IPTEXT6_MAX];
	int n;
	if (cap == 0)
		return ZT_ERANGE;
	out[0] = '\0';
	if (ep->family == 4) {
		if (!zt_iptext_format4(ep->ip, host, sizeof host))
			return ZT_EINVAL;
	} else if (ep->family == 6) {
		if (!zt_iptext_format6(ep->ip, host, sizeof host))
			return ZT_EINVAL;
	} else {
		return ZT_EINVAL;
	}
	n = snprintf(out, cap, "%s/%u", host, (unsigned)ep->port);
	if (n < 0 || (size_t)n >= cap)
		return ZT_ERANGE;
	return ZT_OK;
}

bool zt_endpoint_eq(const struct zt_endpoint *a, const struct zt_endpoint *b)
{
	if (a->family != b->family || a->port != b->port)
		return false;
	return memcmp(a->ip, b->ip, a->family == 4 ? 4 : 16) == 0;
}

size_t zt_endpoint_wire_len(const struct zt_endpoint *ep)
{
	return ep->family == 6 ? 19 : 7;
}

size_t zt_endpoint_encode(const struct zt_endpoint *ep, uint8_t *out)
{
	size_t iplen = ep->family == 6 ? 16 : 4;
	out[0] = ep->family == 6 ? 6 : 4;
	zt_put_u16(out + 1, ep->port);
	memcpy(out + 3, ep->ip, iplen);
	return 3 + iplen;
}

size_t zt_endpoint_decode(struct zt_endpoint *ep, const uint8_t *in, size_t len)
{
	size_t iplen;
	memset(ep, 0, sizeof *ep);
	if (len < 1)
		return 0;
	if (in[0] == 4)
		iplen = 4;
	else if (in[0] == 6)
		iplen = 16;
	else
		return 0;
	if (len < 3 + iplen)
		return 0;
	ep->family = in[0];
	ep->port = zt_get_u16(in + 1);
	if (ep->port == 0)
		return 0;
	memcpy(ep->ip, in + 3, iplen);
	return 3 + iplen;
}

uint32_t zt_endpoint_hash(const struct zt_endpoint *ep)
{
	/* FNV-1a: tables keyed by endpoint are bounded, so a simple hash does. */
	uint32_t h = 2166136261u;
	size_t iplen = ep->family == 6 ? 16 : 4;
	h = (h ^ ep->family) * 16777619u;
	h = (h ^ (ep->port >> 8)) * 16777619u;
	h = (h ^ (ep->port & 0xff)) * 16777619u;
	for (size_t i = 0; i < iplen; i++)
		h = (h ^ ep->ip[i]) * 16777619u;
	return h;
}

void zt_strbuf_put(struct zt_strbuf *sb, const char *s)
{
	while (*s && sb->len + 1 < sb->cap)
		sb->buf[sb->len++] = *s++;
	if (sb->cap)
		sb->buf[sb->len] = '\0';
}

void zt_strbuf_hex(struct zt_strbuf *sb, uint64_t v, int digits)
{
	char tmp[17];
	static const char d[] = "0123456789abcdef";
	if (digits > 16)
		digits = 16;
	for (int i = 0; i < digits; i++)
		tmp[i] = d[(v >> (4 * (digits - 1 - i))) & 15];
	tmp[digits] = '\0';
	zt_strbuf_put(sb, tmp);
}

void zt_strbuf_dec(struct zt_strbuf *sb, int64_t v)
{
	char tmp[24];
	snprintf(tmp, sizeof tmp, "%lld", (long long)v);
	zt_strbuf_put(sb, tmp);
}

void zt_strbuf_ep(struct zt_strbuf *sb, const struct zt_endpoint *ep)
{
	char tmp[64];
	if (zt_endpoint_to_text(ep, tmp, sizeof tmp) != ZT_OK)
		zt_strbuf_put(sb, "?");
	else
		zt_strbuf_put(sb, tmp);
}
