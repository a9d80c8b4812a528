/* SPDX-License-Identifier: MIT */
/*
 * noise.h - the 1-RTT handshake: Noise_IK_25519_ChaChaPoly_BLAKE2b.
 *
 *   <- s
 *   ...
 *   -> e, es, s, ss    (initiation: the initiator's static key, encrypted)
 *   <- e, ee, se       (response)
 *
 * Static DH keys are the X25519 keys derived from the Ed25519 identities.
 * The `s` token carries the initiator's 32-byte Ed25519 public key (from
 * which the responder derives the X25519 key for es/ss and the address);
 * everything else is the Noise specification, revision 34.  Both sides mix
 * fresh ephemeral keys, so transport keys have forward secrecy.
 *
 * This module only does the cryptography over fixed-size byte strings; the
 * packet layout around it is in wire.h.
 */
#ifndef ZT_NODE_NOISE_H
#define ZT_NODE_NOISE_H

#include <stdint.h>

#include "zt.h"

#define ZT_NOISE_HASHLEN      64
#define ZT_NOISE_KEYLEN       32
#define ZT_NOISE_TAGLEN       16
#define ZT_NOISE_INIT_PAYLOAD 12 /* timestamp(8) flags(4) */
#define ZT_NOISE_RESP_PAYLOAD 4  /* flags(4) */

/* Initiation body: e(32) enc_s(32+16) enc_payload(12+16) = 108 bytes. */
#define ZT_NOISE_INIT_LEN (32 + 32 + 16 + ZT_NOISE_INIT_PAYLOAD + 16)
/* Response body: e(32) enc_payload(4+16) = 52 bytes. */
#define ZT_NOISE_RESP_LEN (32 + ZT_NOISE_RESP_PAYLOAD + 16)

struct zt_noise_hs {
	uint8_t h[ZT_NOISE_HASHLEN];
	uint8_t ck[ZT_NOISE_HASHLEN];
	uint8_t e_sk[32], e_pk[32]; /* our ephemeral */
	uint8_t re_pk[32];          /* their ephemeral */
	uint8_t rs_x[32];           /* their static X25519 */
	uint8_t rs_ed[32];          /* their Ed25519 identity key */
};

/* Initiator: build the initiation body for responder `rs_ed` from local
 * identity `s`; `e_seed` is 32 random bytes for the ephemeral key. */
int zt_noise_init_create(struct zt_noise_hs *hs, const struct zt_identity *s,
                         const uint8_t rs_ed[32], const uint8_t e_seed[32],
                         const uint8_t payload[ZT_NOISE_INIT_PAYLOAD],
                         uint8_t out[ZT_NOISE_INIT_LEN]);

/* Responder: consume an initiation; on success hs->rs_ed is the initiator's
 * Ed25519 key (not yet checked against its address: the caller does). */
int zt_noise_init_consume(struct zt_noise_hs *hs, const struct zt_identity *s,
                          const uint8_t in[ZT_NOISE_INIT_LEN],
                          uint8_t payload[ZT_NOISE_INIT_PAYLOAD]);

/* Responder: build the response after a successful consume. */
int zt_noise_resp_create(struct zt_noise_hs *hs, const uint8_t e_seed[32],
                         const uint8_t payload[ZT_NOISE_RESP_PAYLOAD],
                         uint8_t out[ZT_NOISE_RESP_LEN]);

/* Initiator: consume the response (needs the local identity for se). */
int zt_noise_resp_consume(struct zt_noise_hs *hs, const struct zt_identity *s,
                          const uint8_t in[ZT_NOISE_RESP_LEN],
                          uint8_t payload[ZT_NOISE_RESP_PAYLOAD]);

/* Split into transport keys: initiator sends with k1 and receives with k2;
 * the responder the other way round.  Wipes hs. */
void zt_noise_split(struct zt_noise_hs *hs, uint8_t k1[32], uint8_t k2[32]);

void zt_noise_wipe(struct zt_noise_hs *hs);

/* HMAC-BLAKE2b and the Noise HKDF, exposed for the known-answer tests. */
void zt_noise_hmac(uint8_t out[ZT_NOISE_HASHLEN], const uint8_t *key, size_t key_len,
                   const uint8_t *data, size_t data_len);
void zt_noise_hkdf2(uint8_t o1[ZT_NOISE_HASHLEN], uint8_t o2[ZT_NOISE_HASHLEN],
                    const uint8_t ck[ZT_NOISE_HASHLEN], const uint8_t *ikm, size_t ikm_len);

#endif
