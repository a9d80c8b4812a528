/* SPDX-License-Identifier: MIT */
/*
 * iptext.h - IPv4 and IPv6 addresses to and from text, in the core itself:
 * node/ includes no networking header of the system (it must build for any
 * target, a router's libc or none).  The texts read and written are exactly
 * those of inet_pton and inet_ntop (glibc's, RFC 5952 with "::" for the
 * first longest run of two or more zero groups, and the last 32 bits as a
 * dotted quad for ::a.b.c.d and ::ffff:a.b.c.d).
 */
#ifndef ZT_NODE_IPTEXT_H
#define ZT_NODE_IPTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "a.b.c.d" (four decimal numbers 0-255, no leading zeros) into out[4]. */
bool zt_iptext_parse4(const char *s, uint8_t out[4]);

/* An IPv6 address in text ("2001:db8::1", "::ffff:1.2.3.4") into out[16]. */
bool zt_iptext_parse6(const char *s, uint8_t out[16]);

/* The longest texts and their NUL. */
#define ZT_IPTEXT4_MAX 16 /* "255.255.255.255" */
#define ZT_IPTEXT6_MAX 46 /* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" */

/* The text of ip into out (cap bytes): false when it does not fit. */
bool zt_iptext_format4(const uint8_t ip[4], char *out, size_t cap);
bool zt_iptext_format6(const uint8_t ip[16], char *out, size_t cap);

#endif
