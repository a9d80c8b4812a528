/* SPDX-License-Identifier: MIT */
/*
 * fuzz_roots.c - the roots file parser (zt_roots_parse).
 *
 * Mutated files almost never keep a valid signature, so the first input
 * byte picks a mode: bit 0 clear, the rest is parsed as it is (with and
 * without a pinned signer); set, the rest is taken as the body of a file
 * and signed with a fixed key first, so that the fuzzer reaches everything
 * after the signature check too.
 *
 * Properties beyond "no crash": a rejected file leaves the output zeroed;
 * an accepted one respects every limit, its roots are public identities
 * with valid addresses, writing it again (re-signed) parses back to the
 * same content, and its rollback record (zt_roots_seen_*) round-trips.
 * Unsigned inputs also go to the record's parser.
 */
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init_ids();
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

static bool same(const struct zt_roots *a, const struct zt_roots *b)
{
	if (a->timestamp != b->timestamp || a->count != b->count ||
	    memcmp(a->signer, b->signer, 32) != 0)
		return false;
	for (unsigned i = 0; i < a->count; i++) {
		const struct zt_root_def *x = &a->roots[i], *y = &b->roots[i];
		if (x->id.address != y->id.address || memcmp(x->id.pk, y->id.pk, 32) != 0 ||
		    x->endpoint_count != y->endpoint_count)
			return false;
		for (unsigned j = 0; j < x->endpoint_count; j++)
			if (!zt_endpoint_eq(&x->endpoints[j], &y->endpoints[j]))
				return false;
	}
	return true;
}

static void check(const char *text, size_t len, const uint8_t *pinned)
{
	/* The guard sees writes past the struct even where ASan cannot. */
	struct {
		struct zt_roots r;
		uint8_t guard[32];
	} g;
	int res;

	memset(g.guard, 0xa5, sizeof g.guard);
	res = zt_roots_parse(&g.r, text, len, pinned);
	for (size_t i = 0; i < sizeof g.guard; i++)
		FZ_ASSERT(g.guard[i] == 0xa5);
	if (res != ZT_OK) {
		FZ_ASSERT(res == ZT_EINVAL || res == ZT_ESIG || res == ZT_ERANGE);
		FZ_ASSERT(all_zero(&g.r, sizeof g.r));
		return;
	}
	FZ_ASSERT(g.r.count >= 1 && g.r.count <= ZT_MAX_ROOTS);
	FZ_ASSERT(g.r.timestamp >= 0);
	if (pinned != NULL)
		FZ_ASSERT(memcmp(pinned, g.r.signer, 32) == 0);
	for (unsigned i = 0; i < g.r.count; i++) {
		const struct zt_root_def *d = &g.r.roots[i];
		FZ_ASSERT(d->endpoint_count >= 1 && d->endpoint_count <= ZT_MAX_ROOT_ENDPOINTS);
		FZ_ASSERT(!d->id.has_secret && all_zero(d->id.sk, sizeof d->id.sk));
		FZ_ASSERT(zt_identity_address_valid(d->id.address));
		for (unsigned j = 0; j < i; j++)
			FZ_ASSERT(g.r.roots[j].id.address != d->id.address);
		for (unsigned j = 0; j < d->endpoint_count; j++)
			FZ_ASSERT(d->endpoints[j].family == 4 || d->endpoints[j].family == 6);
	}
	/* Its rollback record reads back the same, and it may follow itself
	 * but not a newer one of its signer. */
	{
		struct zt_roots_seen seen, back;
		char text[ZT_ROOTS_SEEN_TEXT];
		int n;
		zt_roots_seen_of(&seen, &g.r);
		n = zt_roots_seen_to_text(&seen, text, sizeof text);
		FZ_ASSERT(n > 0 && (size_t)n < sizeof text);
		FZ_ASSERT(zt_roots_seen_from_text(&back, text, (size_t)n) == ZT_OK);
		FZ_ASSERT(memcmp(&seen, &back, sizeof seen) == 0);
		FZ_ASSERT(zt_roots_check_seen(&seen, &g.r) == ZT_OK);
		seen.timestamp++;
		FZ_ASSERT(zt_roots_check_seen(&seen, &g.r) == ZT_ESTALE);
	}
	/* Our own signer can write it again; it must read back the same. */
	if (memcmp(g.r.signer, fz_id[0].pk, 32) == 0) {
		static char buf[32768];
		struct zt_roots back;
		int n = zt_roots_write(&g.r, &fz_id[0], buf, sizeof buf);
		FZ_ASSERT(n > 0);
		FZ_ASSERT(zt_roots_parse(&back, buf, (size_t)n, fz_id[0].pk) == ZT_OK);
		FZ_ASSERT(same(&g.r, &back));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char file[20000];
	const char *body = (const char *)data + 1;
	size_t blen;

	if (size < 1 || size > 17000)
		return 0;
	blen = size - 1;
	if (!(data[0] & 1)) {
		struct zt_roots_seen seen;
		check(body, blen, NULL);
		check(body, blen, fz_id[0].pk);
		/* The rollback record's parser, too. */
		if (zt_roots_seen_from_text(&seen, body, blen) != ZT_OK)
			FZ_ASSERT(all_zero(&seen, sizeof seen));
		else
			FZ_ASSERT(seen.timestamp >= 0);
		return 0;
	}
	/* Signed by fz_id[0]: the body, a newline if it lacks one, then the
	 * signature line. */
	{
		uint8_t sig[64];
		char hex[129];
		size_t n = blen;
		memcpy(file, body, blen);
		if (n == 0 || file[n - 1] != '\n')
			file[n++] = '\n';
		crypto_sign_detached(sig, NULL, (const unsigned char *)file, n, fz_id[0].sk);
		zt_hex_encode(sig, 64, hex);
		n += (size_t)snprintf(file + n, sizeof file - n, "signature %s\n", hex);
		check(file, n, fz_id[0].pk);
	}
	return 0;
}
