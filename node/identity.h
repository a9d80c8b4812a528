/* SPDX-License-Identifier: MIT */
/*
 * identity.h - node identities: Ed25519 key pairs whose 40-bit address is
 * derived from the public key through a memory-hard function.
 */
#ifndef ZT_NODE_IDENTITY_H
#define ZT_NODE_IDENTITY_H

#include <stdbool.h>
#include <stdint.h>

#include "zt.h"

/*
 * Address derivation: Argon2id (libsodium crypto_pwhash) over the 32-byte
 * Ed25519 public key with a fixed salt, ZT_ID_PWHASH_OPS passes over
 * ZT_ID_PWHASH_MEM bytes; the address is the first 40 bits of the output.
 * Forging a key for a given address needs ~2^40 such evaluations.
 */
#define ZT_ID_PWHASH_OPS 2
#define ZT_ID_PWHASH_MEM (2u * 1024u * 1024u)

/* An address is reserved (invalid) if it is zero or starts with 0xff: ids
 * starting with 0xff are ad-hoc network ids, not controllers. */
bool zt_identity_address_valid(uint64_t address);

/* Compute the address of a public key (the memory-hard step, ~1 ms). */
int zt_identity_derive_address(const uint8_t pk[32], uint64_t *address);

/* Check that id->address is the address of id->pk. */
int zt_identity_verify(const struct zt_identity *id);

/* The X25519 keys for key agreement, derived from the Ed25519 keys. */
int zt_identity_x25519_pk(const uint8_t ed_pk[32], uint8_t x_pk[32]);
int zt_identity_x25519_sk(const struct zt_identity *id, uint8_t x_sk[32]);

#endif
