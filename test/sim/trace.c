/* SPDX-License-Identifier: MIT */
/*
 * trace.c - the running trace hash (see trace.h).
 */
#include "trace.h"

#include <stdlib.h>
#include <string.h>

static void put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

void sim_trace_init(struct sim_trace *t, const char *label)
{
	memset(t, 0, sizeof *t);
	crypto_generichash_init(&t->st, NULL, 0, crypto_generichash_BYTES);
	const char *path = getenv("ZT_SIM_TRACE");
	if (path != NULL && *path != '\0') {
		t->dump = fopen(path, "a");
		if (t->dump != NULL)
			fprintf(t->dump, "# run %s\n", label ? label : "");
	}
}

void sim_trace_close(struct sim_trace *t)
{
	if (t->dump != NULL)
		fclose(t->dump);
	t->dump = NULL;
}

void sim_trace_add(struct sim_trace *t, int64_t now, int node, enum sim_trace_kind kind,
                   unsigned sub, const void *data, size_t len)
{
	unsigned char rec[8 + 4 + 1 + 4 + 4 + SIM_TRACE_PREFIX];
	size_t n = len < SIM_TRACE_PREFIX ? len : SIM_TRACE_PREFIX;
	put_le(rec, (uint64_t)now, 8);
	put_le(rec + 8, (uint32_t)node, 4);
	rec[12] = (unsigned char)kind;
	put_le(rec + 13, sub, 4);
	put_le(rec + 17, (uint32_t)len, 4);
	if (n > 0)
		memcpy(rec + 21, data, n);
	crypto_generichash_update(&t->st, rec, 21 + n);
	t->records++;
	if (t->dump != NULL) {
		fprintf(t->dump, "%lld %d %d %u %zu ", (long long)now, node, (int)kind, sub, len);
		for (size_t i = 0; i < n; i++)
			fprintf(t->dump, "%02x", ((const unsigned char *)data)[i]);
		fputc('\n', t->dump);
	}
}

void sim_trace_digest(const struct sim_trace *t, unsigned char out[crypto_generichash_BYTES])
{
	crypto_generichash_state copy = t->st;
	crypto_generichash_final(&copy, out, crypto_generichash_BYTES);
}

void sim_trace_hex(const struct sim_trace *t, char out[SIM_TRACE_HEX])
{
	unsigned char d[crypto_generichash_BYTES];
	sim_trace_digest(t, d);
	sodium_bin2hex(out, SIM_TRACE_HEX, d, sizeof d);
}
