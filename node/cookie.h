/* SPDX-License-Identifier: MIT */
/*
 * cookie.h - handshake MACs and the stateless cookie reply (after
 * WireGuard).  mac1 proves the sender knows our public key (cheap filter);
 * under load a responder answers initiations that lack a valid mac2 with a
 * COOKIE instead of doing public-key work; the initiator retries with mac2
 * keyed by that cookie, which proves it receives at its source endpoint.
 */
#ifndef ZT_NODE_COOKIE_H
#define ZT_NODE_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zt.h"

struct zt_cookie_checker {
	uint8_t mac1_key[32];   /* H("mac1" || our pk) */
	uint8_t cookie_key[32]; /* H("cookie" || our pk) */
	uint8_t secret[32];     /* rotates every ZT_COOKIE_SECRET_LIFE */
	int64_t secret_born;
};

void zt_cookie_checker_init(struct zt_cookie_checker *c, const uint8_t our_pk[32]);
/* The mac1 key for sending to a responder with public key pk. */
void zt_cookie_mac1_key(uint8_t key[32], const uint8_t pk[32]);
void zt_cookie_cookie_key(uint8_t key[32], const uint8_t pk[32]);

/* mac over `msg` (len bytes, the packet up to the mac; the outer header's
 * hops are masked).  */
void zt_cookie_mac(uint8_t out[16], const uint8_t key[], size_t key_len, const uint8_t *msg,
                   size_t len);
bool zt_cookie_mac1_ok(const struct zt_cookie_checker *c, const uint8_t *pkt, size_t mac1_off);

/* Is the secret missing or older than ZT_COOKIE_SECRET_LIFE (then no mac2
 * is valid, and the next zt_cookie_make takes fresh bytes)? */
bool zt_cookie_secret_due(const struct zt_cookie_checker *c, int64_t now);
/* The cookie for a source endpoint; `fresh` (32 random bytes) becomes the
 * secret when it is due, and is not read otherwise. */
void zt_cookie_make(struct zt_cookie_checker *c, int64_t now, const uint8_t fresh[32],
                    const struct zt_endpoint *src, uint8_t cookie[16]);
bool zt_cookie_mac2_ok(struct zt_cookie_checker *c, int64_t now, const struct zt_endpoint *src,
                       const uint8_t *pkt, size_t mac2_off);

/* Seal/open the cookie for the reply: XChaCha20-Poly1305 keyed by the
 * responder's cookie key, with the triggering mac1 as associated data. */
void zt_cookie_seal(uint8_t out[32], const uint8_t nonce[24], const uint8_t cookie[16],
                    const uint8_t key[32], const uint8_t mac1[16]);
int zt_cookie_open(uint8_t cookie[16], const uint8_t nonce[24], const uint8_t sealed[32],
                   const uint8_t key[32], const uint8_t mac1[16]);

#endif
