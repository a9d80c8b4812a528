/* SPDX-License-Identifier: MIT */
/*
 * fuzz_mcsnoop.c - the IGMP/MLD/ARP snooper fed arbitrary frames: it must
 * never read outside the frame, never return more events than asked for,
 * and only ever return group addresses.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth.h"
#include "mcsnoop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zt_mcsnoop_event ev[16];
	bool consume;
	/* A copy of exactly `size` bytes, so ASan sees any over-read. */
	uint8_t *f = malloc(size ? size : 1);
	size_t cap, n;

	if (f == NULL)
		return 0;
	memcpy(f, data, size);
	cap = size ? (size_t)(data[0] % 17) : 16;
	n = zt_mcsnoop_frame(f, size, ev, cap, &consume);
	if (n > cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!(ev[i].mac[0] & 1) || zt_eth_is_implicit_group(ev[i].mac))
			abort();
	free(f);
	return 0;
}
