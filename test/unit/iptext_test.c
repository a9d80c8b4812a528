/* SPDX-License-Identifier: MIT */
/*
 * iptext_test.c - the core's own IP text conversions (iptext.c) against
 * the system's inet_pton and inet_ntop: fixed cases, then many random
 * addresses (zero groups made likely) and random strings over the
 * characters an address is written with; every parse must be the libc's.
 * IPv6 text is checked against ref_format6 below (RFC 5952), not against
 * the libc's inet_ntop: C libraries differ there (musl shortens the last of
 * two equally long runs of zeros, and writes ::1.2.3.4 as ::102:304), and
 * the tests run on musl too (make test-cross).  IPv4 text is the libc's.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "iptext.h"
#include "test.h"

static struct test_rng rng = {{7}, 0};

static unsigned rnd(unsigned n)
{
	uint32_t v;

	test_rng_bytes(&rng, &v, sizeof v);
	return v % n;
}

/* iptext's answer for s is the libc's: accepted alike, the same bytes. */
static int same_parse(const char *s)
{
	uint8_t a4[4], b4[4], a6[16], b6[16];
	bool ok4 = zt_iptext_parse4(s, a4), ok6 = zt_iptext_parse6(s, a6);
	int lib4 = inet_pton(AF_INET, s, b4), lib6 = inet_pton(AF_INET6, s, b6);

	if (ok4 != (lib4 == 1) || ok6 != (lib6 == 1) || (ok4 && memcmp(a4, b4, 4) != 0) ||
	    (ok6 && memcmp(a6, b6, 16) != 0)) {
		printf("  parse '%s': iptext %d/%d, libc %d/%d\n", s, ok4, ok6, lib4, lib6);
		return 0;
	}
	return 1;
}

/* RFC 5952: lower-case hex without leading zeros, the longest run of two
 * or more zero groups as "::" (the first of equally long ones), and the
 * mapped (::ffff:a.b.c.d) and compatible (::a.b.c.d, with a non-zero
 * seventh group) forms ending in a dotted quad, as glibc writes them. */
static void ref_format6(const uint8_t ip[16], char *out, size_t cap)
{
	unsigned w[8];
	int best = -1, best_len = 0, dotted, len = 0;

	for (int i = 0; i < 8; i++)
		w[i] = (unsigned)ip[2 * i] << 8 | ip[2 * i + 1];
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && w[j] == 0)
			j++;
		if (j - i > best_len && j - i >= 2) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	dotted = best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff));
	for (int i = 0; i < (dotted ? 6 : 8); i++) {
		if (i == best) {
			len += snprintf(out + len, cap - (size_t)len, "::");
			i += best_len - 1;
			continue;
		}
		len += snprintf(out + len, cap - (size_t)len, "%s%x",
		                len > 0 && out[len - 1] != ':' ? ":" : "", w[i]);
	}
	if (dotted)
		snprintf(out + len, cap - (size_t)len, "%s%u.%u.%u.%u",
		         out[len - 1] != ':' ? ":" : "", ip[12], ip[13], ip[14], ip[15]);
}

static int same_format6(const uint8_t ip[16])
{
	char a[ZT_IPTEXT6_MAX], b[64];

	ref_format6(ip, b, sizeof b);
	if (!zt_iptext_format6(ip, a, sizeof a) || strcmp(a, b) != 0) {
		printf("  format6: iptext '%s', RFC 5952 '%s'\n", a, b);
		return 0;
	}
	return same_parse(a);
}

static void test_fixed(void)
{
	static const char *texts[] = {"0.0.0.0",
	                              "1.2.3.4",
	                              "255.255.255.255",
	                              "256.1.1.1",
	                              "01.2.3.4",
	                              "1.2.3",
	                              "1.2.3.4.",
	                              "1.2.3.4.5",
	                              ".1.2.3",
	                              "1..2.3",
	                              "1.2.3.04",
	                              " 1.2.3.4",
	                              "1.2.3.4 ",
	                              "",
	                              "::",
	                              "::1",
	                              "1::",
	                              ":::",
	                              "1:::2",
	                              ":1::2",
	                              "1::2:",
	                              "2001:db8::1",
	                              "2001:DB8:0:0:0:0:0:1",
	                              "2001:db8:0:0:1:0:0:1",
	                              "1:2:3:4:5:6:7:8",
	                              "1:2:3:4:5:6:7:8:9",
	                              "1:2:3:4:5:6:7::",
	                              "::2:3:4:5:6:7:8",
	                              "1:2:3:4:5:6:7::8",
	                              "12345::",
	                              "0000:0000::",
	                              "::ffff:1.2.3.4",
	                              "::1.2.3.4",
	                              "1::1.2.3.4",
	                              "1:2:3:4:5:6:1.2.3.4",
	                              "1:2:3:4:5:6:7:1.2.3.4",
	                              "::1.2.3",
	                              "::1.2.3.4:5",
	                              "::a.2.3.4",
	                              "fe80::1%eth0",
	                              "g::1",
	                              "::ffff:256.1.1.1",
	                              "1:2:3:4:5:6:7:8::"};
	static const uint8_t v4[][4] = {
	    {0, 0, 0, 0}, {1, 2, 3, 4}, {10, 0, 100, 9}, {255, 255, 255, 255}};
	char a[ZT_IPTEXT4_MAX], b[INET_ADDRSTRLEN];
	uint8_t ip[16];

	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		CHECK(same_parse(texts[i]));
	for (size_t i = 0; i < sizeof v4 / sizeof v4[0]; i++) {
		CHECK(zt_iptext_format4(v4[i], a, sizeof a));
		CHECK(inet_ntop(AF_INET, v4[i], b, sizeof b) != NULL);
		CHECK(strcmp(a, b) == 0);
	}
	/* Too small a buffer is refused, not cut short. */
	CHECK(!zt_iptext_format4(v4[3], a, 15));
	CHECK(zt_iptext_format4(v4[3], a, 16));
	memset(ip, 0xff, sizeof ip);
	CHECK(!zt_iptext_format6(ip, a, 39));
	{
		char c[ZT_IPTEXT6_MAX];
		CHECK(zt_iptext_format6(ip, c, 40));
		CHECK(strcmp(c, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") == 0);
	}
	/* The mapped and compatible forms end in a dotted quad. */
	memset(ip, 0, sizeof ip);
	ip[10] = ip[11] = 0xff;
	ip[12] = 1;
	ip[15] = 4;
	CHECK(same_format6(ip));
	ip[10] = ip[11] = 0;
	CHECK(same_format6(ip));
	memset(ip, 0, sizeof ip);
	CHECK(same_format6(ip));
}

static void test_random_addresses(void)
{
	int bad = 0;

	for (int n = 0; n < 30000 && bad < 5; n++) {
		uint8_t ip[16];

		/* Each group is zero, 0xffff, small or anything, so that runs of
		 * zeros of every length and place come up. */
		for (int g = 0; g < 8; g++) {
			unsigned kind = rnd(4), w = kind == 0   ? 0
			                            : kind == 1 ? 0xffff
			                            : kind == 2 ? rnd(16)
			                                        : rnd(0x10000);
			ip[2 * g] = (uint8_t)(w >> 8);
			ip[2 * g + 1] = (uint8_t)w;
		}
		bad += !same_format6(ip);
	}
	CHECK_EQ(bad, 0);
}

static void test_random_strings(void)
{
	static const char alphabet[] = "0123456789abcdefABCDEFg:.:.:%";
	int bad = 0;

	for (int n = 0; n < 50000 && bad < 5; n++) {
		char s[48];
		size_t len = rnd(sizeof s - 1);

		for (size_t i = 0; i < len; i++)
			s[i] = alphabet[rnd(sizeof alphabet - 1)];
		s[len] = '\0';
		bad += !same_parse(s);
	}
	CHECK_EQ(bad, 0);
}

/* Random strings rarely make a valid address; texts of real addresses,
 * edited by one character, test the edges of the grammar. */
static void test_edited_addresses(void)
{
	static const char alphabet[] = "0123456789abcdef:.";
	int bad = 0;

	for (int n = 0; n < 30000 && bad < 5; n++) {
		uint8_t ip[16];
		char s[ZT_IPTEXT6_MAX + 2];
		size_t len;

		for (int g = 0; g < 8; g++) {
			unsigned w = rnd(3) == 0 ? 0 : rnd(0x10000);
			ip[2 * g] = (uint8_t)(w >> 8);
			ip[2 * g + 1] = (uint8_t)w;
		}
		if (rnd(4) == 0) {
			memset(ip, 0, 10);
			ip[10] = ip[11] = rnd(2) ? 0xff : 0;
		}
		if (!zt_iptext_format6(ip, s, sizeof s - 1)) {
			bad++;
			continue;
		}
		len = strlen(s);
		switch (rnd(3)) {
		case 0: s[rnd((unsigned)len)] = alphabet[rnd(sizeof alphabet - 1)]; break;
		case 1:
			memmove(s + 1, s, len + 1);
			s[0] = alphabet[rnd(sizeof alphabet - 1)];
			break;
		default: s[len - 1 - rnd((unsigned)len)] = '\0'; break;
		}
		bad += !same_parse(s);
	}
	CHECK_EQ(bad, 0);
}

int main(void)
{
	RUN(test_fixed);
	RUN(test_random_addresses);
	RUN(test_random_strings);
	RUN(test_edited_addresses);
	TEST_EXIT();
}
