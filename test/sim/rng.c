/* SPDX-License-Identifier: MIT */
/*
 * rng.c - deterministic random streams (BLAKE2b in counter mode).
 */
#include "rng.h"

#include <sodium.h>
#include <string.h>

void sim_rng_init(struct sim_rng *r, uint64_t seed, uint64_t stream)
{
	memset(r, 0, sizeof *r);
	for (int i = 0; i < 8; i++) {
		r->key[i] = (unsigned char)(seed >> (8 * i));
		r->key[8 + i] = (unsigned char)(stream >> (8 * i));
	}
	memcpy(r->key + 16, "zt-sim-rng-v1\0\0\0", 16);
	r->pos = sizeof r->block;
}

static void refill(struct sim_rng *r)
{
	unsigned char in[8];
	for (int i = 0; i < 8; i++)
		in[i] = (unsigned char)(r->ctr >> (8 * i));
	r->ctr++;
	crypto_generichash(r->block, sizeof r->block, in, sizeof in, r->key, sizeof r->key);
	r->pos = 0;
}

void sim_rng_bytes(void *ctx, void *buf, size_t len)
{
	struct sim_rng *r = ctx;
	unsigned char *p = buf;
	while (len > 0) {
		if (r->pos == sizeof r->block)
			refill(r);
		size_t n = sizeof r->block - r->pos;
		if (n > len)
			n = len;
		memcpy(p, r->block + r->pos, n);
		r->pos += n;
		p += n;
		len -= n;
	}
}

uint64_t sim_rng_u64(struct sim_rng *r)
{
	unsigned char b[8];
	uint64_t v = 0;
	sim_rng_bytes(r, b, sizeof b);
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

uint64_t sim_rng_below(struct sim_rng *r, uint64_t n)
{
	if (n == 0)
		return 0;
	/* Rejection sampling keeps it exactly uniform. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t v;
	do
		v = sim_rng_u64(r);
	while (v >= limit);
	return v % n;
}

int sim_rng_chance(struct sim_rng *r, uint32_t ppm)
{
	if (ppm == 0)
		return 0;
	return sim_rng_below(r, 1000000) < ppm;
}
