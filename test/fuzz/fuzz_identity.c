/* SPDX-License-Identifier: MIT */
/*
 * fuzz_identity.c - identity text (zt_identity_from_text) and the other
 * small text and wire parsers an identity file or a roots file leans on
 * (addresses, network ids, endpoints).
 *
 * Properties beyond "no crash":
 *   - a rejected identity leaves the output wiped;
 *   - an accepted one is valid, prints back to the input (trimmed, lower
 *     case) and parses again to the same identity;
 *   - an accepted endpoint prints to text that parses to the same endpoint,
 *     and its wire form decodes to it.
 */
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "util.h"
#include "zt.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ASSERT(c)                                                                                  \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "assertion failed: %s (%s:%d)\n", #c, __FILE__, __LINE__); \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	return 0;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void identity(const char *text, size_t len)
{
	struct zt_identity id, again;
	char out[ZT_IDENTITY_SECRET_TEXT];
	int r;

	memset(&id, 0x5a, sizeof id);
	r = zt_identity_from_text(&id, text, len);
	if (r != ZT_OK) {
		ASSERT(all_zero(&id, sizeof id));
		return;
	}
	ASSERT(zt_identity_address_valid(id.address));
	ASSERT(zt_identity_to_text(&id, id.has_secret, out, sizeof out) == ZT_OK);
	/* What we print is what we read, up to trailing space and case. */
	{
		size_t n = strlen(out);
		ASSERT(n <= len);
		for (size_t i = 0; i < n; i++) {
			char c = text[i];
			if (c >= 'A' && c <= 'F')
				c = (char)(c - 'A' + 'a');
			ASSERT(c == out[i]);
		}
	}
	ASSERT(zt_identity_from_text(&again, out, strlen(out)) == ZT_OK);
	ASSERT(memcmp(&id, &again, sizeof id) == 0);
	if (id.has_secret) {
		uint8_t x[32];
		ASSERT(zt_identity_x25519_sk(&id, x) == ZT_OK);
	}
	zt_identity_wipe(&id);
	zt_identity_wipe(&again);
}

static void endpoint(const char *s, const uint8_t *data, size_t size)
{
	struct zt_endpoint e, e2;
	char t[64];
	uint8_t w[32];
	uint64_t v;

	(void)zt_address_parse(s, &v);
	(void)zt_nwid_parse(s, &v);
	if (zt_endpoint_parse(s, &e) == ZT_OK) {
		ASSERT(e.family == 4 || e.family == 6);
		ASSERT(e.port != 0);
		ASSERT(zt_endpoint_to_text(&e, t, sizeof t) == ZT_OK);
		ASSERT(zt_endpoint_parse(t, &e2) == ZT_OK);
		ASSERT(zt_endpoint_eq(&e, &e2));
		ASSERT(zt_endpoint_encode(&e, w) == zt_endpoint_wire_len(&e));
		ASSERT(zt_endpoint_decode(&e2, w, sizeof w) == zt_endpoint_wire_len(&e));
		ASSERT(zt_endpoint_eq(&e, &e2));
	}
	/* The wire form, from the raw bytes. */
	{
		size_t used = zt_endpoint_decode(&e, data, size);
		ASSERT(used <= size);
		if (used > 0) {
			ASSERT(used == zt_endpoint_wire_len(&e));
			ASSERT(zt_endpoint_encode(&e, w) == used);
			ASSERT(memcmp(w, data, used) == 0);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > 4096)
		return 0;
	/* A NUL-terminated copy: the text parsers take C strings too. */
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	identity(s, size);
	endpoint(s, data, size);
	free(s);
	return 0;
}
