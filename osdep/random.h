/* SPDX-License-Identifier: MIT */
/*
 * random.h - the shells' source of randomness (libsodium).  Shaped like
 * struct zt_host's random callback so it can be handed to the core.
 */
#ifndef ZT_OSDEP_RANDOM_H
#define ZT_OSDEP_RANDOM_H

#include <stddef.h>

/* Fill buf with len cryptographically secure random bytes; ctx unused.
 * sodium_init() must have succeeded first. */
void zt_random_fill(void *ctx, void *buf, size_t len);

#endif
