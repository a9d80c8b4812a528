/* SPDX-License-Identifier: MIT */
/*
 * random.c - randombytes_buf() behind the core's random callback shape.
 */
#include "osdep/random.h"

#include <sodium.h>

void zt_random_fill(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	randombytes_buf(buf, len);
}
