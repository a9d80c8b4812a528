/* SPDX-License-Identifier: MIT */
/*
 * iptext.c - IP addresses to and from text without the system's inet_pton
 * and inet_ntop, which would tie the core to a POSIX networking header.
 * The rules follow glibc's resolv/inet_pton.c and inet_ntop.c step by step
 * so that every text the daemons accepted and printed before stays the
 * same (iptext_test compares the two on random input).
 */
#include "iptext.h"

#include "util.h"

#include <string.h>

/* Stops at the NUL or at end, whichever comes first. */
static bool parse4(const char *s, const char *end, uint8_t out[4])
{
	uint8_t tmp[4] = {0};
	int octets = 0;
	bool saw_digit = false;
	size_t i = 0;

	for (; s < end && *s; s++) {
		char ch = *s;

		if (ch >= '0' && ch <= '9') {
			unsigned v = tmp[i] * 10u + (unsigned)(ch - '0');

			/* "01" is refused: a leading zero reads as octal elsewhere. */
			if (saw_digit && tmp[i] == 0)
				return false;
			if (v > 255)
				return false;
			tmp[i] = (uint8_t)v;
			if (!saw_digit) {
				if (++octets > 4)
					return false;
				saw_digit = true;
			}
		} else if (ch == '.' && saw_digit) {
			if (octets == 4)
				return false;
			tmp[++i] = 0;
			saw_digit = false;
		} else {
			return false;
		}
	}
	if (octets < 4)
		return false;
	memcpy(out, tmp, 4);
	return true;
}

bool zt_iptext_parse4(const char *s, uint8_t out[4])
{
	return parse4(s, s + strlen(s), out);
}

bool zt_iptext_parse6(const char *s, uint8_t out[16])
{
	uint8_t tmp[16] = {0};
	size_t tp = 0, colonp = 0, xdigits = 0;
	bool have_colonp = false;
	const char *end = s + strlen(s), *curtok;
	unsigned val = 0;

	if (s == end)
		return false;
	/* A leading ':' must be the start of "::". */
	if (*s == ':') {
		s++;
		if (s == end || *s != ':')
			return false;
	}
	curtok = s;
	while (s < end) {
		char ch = *s++;
		int d = zt_hex_digit(ch);

		if (d >= 0) {
			if (xdigits == 4)
				return false;
			val = (val << 4) | (unsigned)d;
			xdigits++;
			continue;
		}
		if (ch == ':') {
			curtok = s;
			if (xdigits == 0) {
				if (have_colonp)
					return false;
				have_colonp = true;
				colonp = tp;
				continue;
			}
			if (s == end || tp + 2 > sizeof tmp)
				return false;
			tmp[tp++] = (uint8_t)(val >> 8);
			tmp[tp++] = (uint8_t)val;
			xdigits = 0;
			val = 0;
			continue;
		}
		/* The last 32 bits as a dotted quad: it runs to the end. */
		if (ch == '.' && tp + 4 <= sizeof tmp && parse4(curtok, end, tmp + tp)) {
			tp += 4;
			xdigits = 0;
			break;
		}
		return false;
	}
	if (xdigits > 0) {
		if (tp + 2 > sizeof tmp)
			return false;
		tmp[tp++] = (uint8_t)(val >> 8);
		tmp[tp++] = (uint8_t)val;
	}
	if (have_colonp) {
		size_t n = tp - colonp;

		/* "::" must stand for at least one zero group. */
		if (tp == sizeof tmp)
			return false;
		memmove(tmp + sizeof tmp - n, tmp + colonp, n);
		memset(tmp + colonp, 0, sizeof tmp - n - colonp);
		tp = sizeof tmp;
	}
	if (tp != sizeof tmp)
		return false;
	memcpy(out, tmp, 16);
	return true;
}

/* Appends the decimal v (0-255) at out + *n; the caller has the room. */
static void put_dec(char *out, size_t *n, unsigned v)
{
	if (v >= 100)
		out[(*n)++] = (char)('0' + v / 100);
	if (v >= 10)
		out[(*n)++] = (char)('0' + v / 10 % 10);
	out[(*n)++] = (char)('0' + v % 10);
}

/* Appends v (0-0xffff) in lower-case hex without leading zeros. */
static void put_hex(char *out, size_t *n, unsigned v)
{
	static const char digits[] = "0123456789abcdef";
	bool started = false;

	for (int shift = 12; shift >= 0; shift -= 4) {
		unsigned d = (v >> shift) & 15;

		if (d != 0 || started || shift == 0) {
			out[(*n)++] = digits[d];
			started = true;
		}
	}
}

static void dotted(const uint8_t ip[4], char *out, size_t *n)
{
	for (int i = 0; i < 4; i++) {
		if (i > 0)
			out[(*n)++] = '.';
		put_dec(out, n, ip[i]);
	}
}

/* Both formats build the text in a buffer of the longest size, then copy
 * it out only if it fits with its NUL. */
static bool copy_out(const char *tmp, size_t n, char *out, size_t cap)
{
	if (n + 1 > cap)
		return false;
	memcpy(out, tmp, n);
	out[n] = '\0';
	return true;
}

bool zt_iptext_format4(const uint8_t ip[4], char *out, size_t cap)
{
	char tmp[ZT_IPTEXT4_MAX];
	size_t n = 0;

	dotted(ip, tmp, &n);
	return copy_out(tmp, n, out, cap);
}

bool zt_iptext_format6(const uint8_t ip[16], char *out, size_t cap)
{
	char tmp[ZT_IPTEXT6_MAX];
	unsigned words[8];
	int best_base = -1, best_len = 0, cur_base = -1, cur_len = 0;
	size_t n = 0;

	for (int i = 0; i < 8; i++)
		words[i] = (unsigned)ip[2 * i] << 8 | ip[2 * i + 1];
	/* The first longest run of zero groups becomes "::" (two or more). */
	for (int i = 0; i < 8; i++) {
		if (words[i] == 0) {
			if (cur_base == -1) {
				cur_base = i;
				cur_len = 1;
			} else {
				cur_len++;
			}
		} else if (cur_base != -1) {
			if (best_base == -1 || cur_len > best_len) {
				best_base = cur_base;
				best_len = cur_len;
			}
			cur_base = -1;
		}
	}
	if (cur_base != -1 && (best_base == -1 || cur_len > best_len)) {
		best_base = cur_base;
		best_len = cur_len;
	}
	if (best_base != -1 && best_len < 2)
		best_base = -1;
	for (int i = 0; i < 8; i++) {
		if (best_base != -1 && i >= best_base && i < best_base + best_len) {
			if (i == best_base)
				tmp[n++] = ':';
			continue;
		}
		if (i != 0)
			tmp[n++] = ':';
		/* ::a.b.c.d and ::ffff:a.b.c.d end in a dotted quad. */
		if (i == 6 && best_base == 0 &&
		    (best_len == 6 || (best_len == 5 && words[5] == 0xffff))) {
			dotted(ip + 12, tmp, &n);
			break;
		}
		put_hex(tmp, &n, words[i]);
	}
	if (best_base != -1 && best_base + best_len == 8)
		tmp[n++] = ':';
	return copy_out(tmp, n, out, cap);
}
