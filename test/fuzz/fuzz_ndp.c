/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ndp.c - the local neighbour-discovery answerer fed arbitrary frames
 * (from a host or a bridged LAN): no read outside the frame, and an answer
 * only ever for a solicitation of another member's computed address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/ndp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[128];
	uint8_t *f = malloc(size ? size : 1);
	size_t n;

	if (f == NULL)
		return 0;
	memcpy(f, data, size);
	n = zt_ndp_answer(UINT64_C(0x8056c2e21c000001), UINT64_C(0x1111111111), f, size, out,
	                  sizeof out);
	if (n != 0 && (n != 86 || zt_ndp_owner(UINT64_C(0x8056c2e21c000001), out + 14 + 8) == 0))
		abort();
	free(f);
	return 0;
}
