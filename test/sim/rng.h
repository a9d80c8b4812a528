/* SPDX-License-Identifier: MIT */
/*
 * rng.h - deterministic random streams for the simulator.
 *
 * A stream is BLAKE2b in counter mode keyed by (seed, stream id), the same
 * construction as test_rng in test/unit/test.h.  Every node's host->random,
 * the fabric's loss and jitter, and the NATs' port choices each get their
 * own stream, so adding a draw in one place never shifts another.
 */
#ifndef ZT_SIM_RNG_H
#define ZT_SIM_RNG_H

#include <stddef.h>
#include <stdint.h>

struct sim_rng {
	unsigned char key[32];
	uint64_t ctr;
	unsigned char block[64];
	size_t pos; /* bytes of block[] already used */
};

void sim_rng_init(struct sim_rng *r, uint64_t seed, uint64_t stream);
/* Has the signature of zt_host.random and zt_identity_generate's source. */
void sim_rng_bytes(void *ctx, void *buf, size_t len);
uint64_t sim_rng_u64(struct sim_rng *r);
/* Uniform in [0, n); 0 when n is 0. */
uint64_t sim_rng_below(struct sim_rng *r, uint64_t n);
/* True with probability ppm / 1e6. */
int sim_rng_chance(struct sim_rng *r, uint32_t ppm);

/* Stream ids, combined with a host index where one applies. */
#define SIM_STREAM_NODE    0x100000000ull /* + host index */
#define SIM_STREAM_FABRIC  1ull
#define SIM_STREAM_WORLD   2ull
#define SIM_STREAM_TRAFFIC 3ull
#define SIM_STREAM_NAT     0x200000000ull /* + nat index */

#endif
