/* SPDX-License-Identifier: MIT */
/*
 * util.h - byte order, hex and small helpers shared by the core modules.
 * Pure functions: no allocation, no I/O.
 */
#ifndef ZT_NODE_UTIL_H
#define ZT_NODE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "zt.h"

#define ZT_MUST_CHECK   __attribute__((warn_unused_result))
#define ZT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static inline void zt_put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void zt_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}
static inline void zt_put_u40(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 5; i++)
		p[i] = (uint8_t)(v >> (8 * (4 - i)));
}
static inline void zt_put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * (7 - i)));
}
static inline uint16_t zt_get_u16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t zt_get_u32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint64_t zt_get_u40(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 5; i++)
		v = (v << 8) | p[i];
	return v;
}
static inline uint64_t zt_get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/* Lower-case hex of `len` bytes into out (2*len+1 bytes). */
/* The value of one hex digit (either case); -1 if c is not one. */
int zt_hex_digit(char c);
void zt_hex_encode(const uint8_t *in, size_t len, char *out);
/* Exactly 2*len hex digits -> len bytes.  0 or ZT_EINVAL. */
int zt_hex_decode(const char *in, size_t in_len, uint8_t *out, size_t len);

/* Encoded size of an endpoint on the wire: family(1) port(2) ip(4|16). */
size_t zt_endpoint_wire_len(const struct zt_endpoint *ep);
size_t zt_endpoint_encode(const struct zt_endpoint *ep, uint8_t *out);
/* Decode one endpoint; returns bytes consumed or 0 if malformed. */
size_t zt_endpoint_decode(struct zt_endpoint *ep, const uint8_t *in, size_t len);
/* A hash of an endpoint (for tables keyed by it). */
uint32_t zt_endpoint_hash(const struct zt_endpoint *ep);

/* Fixed-capacity text append used for log lines (never overflows). */
struct zt_strbuf {
	char *buf;
	size_t cap, len;
};
void zt_strbuf_put(struct zt_strbuf *sb, const char *s);
void zt_strbuf_hex(struct zt_strbuf *sb, uint64_t v, int digits);
void zt_strbuf_dec(struct zt_strbuf *sb, int64_t v);
void zt_strbuf_ep(struct zt_strbuf *sb, const struct zt_endpoint *ep);

#endif
