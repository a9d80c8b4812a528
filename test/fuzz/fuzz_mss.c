/* SPDX-License-Identifier: MIT */
/*
 * fuzz_mss.c - MSS clamping fed arbitrary frames: no read or write outside
 * the frame, and nothing but the MSS value and the checksum may change.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/mss.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *f = malloc(size ? size : 1);
	size_t diff = 0;

	if (f == NULL)
		return 0;
	memcpy(f, data, size);
	if (zt_mss_clamp(f, size, 536)) {
		for (size_t i = 0; i < size; i++)
			diff += f[i] != data[i];
		if (diff == 0 || diff > 4)
			abort();
	} else if (memcmp(f, data, size) != 0) {
		abort();
	}
	free(f);
	return 0;
}
