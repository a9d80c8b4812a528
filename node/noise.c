/* SPDX-License-Identifier: MIT */
/*
 * noise.c - Noise_IK_25519_ChaChaPoly_BLAKE2b (see noise.h).
 * Every temporary that held key material is wiped before return.
 */
#include "noise.h"

#include <sodium.h>
#include <string.h>

#include "identity.h"

static const char protocol_name[] = "Noise_IK_25519_ChaChaPoly_BLAKE2b";
static const char prologue[] = "zt v1";

#define BLOCKLEN 128

void zt_noise_hmac(uint8_t out[ZT_NOISE_HASHLEN], const uint8_t *key, size_t key_len,
                   const uint8_t *data, size_t data_len)
{
	uint8_t k[BLOCKLEN], pad[BLOCKLEN], inner[ZT_NOISE_HASHLEN];
	crypto_generichash_state st;

	memset(k, 0, sizeof k);
	if (key_len > BLOCKLEN)
		crypto_generichash(k, ZT_NOISE_HASHLEN, key, key_len, NULL, 0);
	else
		memcpy(k, key, key_len);
	for (int i = 0; i < BLOCKLEN; i++)
		pad[i] = k[i] ^ 0x36;
	crypto_generichash_init(&st, NULL, 0, ZT_NOISE_HASHLEN);
	crypto_generichash_update(&st, pad, BLOCKLEN);
	crypto_generichash_update(&st, data, data_len);
	crypto_generichash_final(&st, inner, ZT_NOISE_HASHLEN);
	for (int i = 0; i < BLOCKLEN; i++)
		pad[i] = k[i] ^ 0x5c;
	crypto_generichash_init(&st, NULL, 0, ZT_NOISE_HASHLEN);
	crypto_generichash_update(&st, pad, BLOCKLEN);
	crypto_generichash_update(&st, inner, ZT_NOISE_HASHLEN);
	crypto_generichash_final(&st, out, ZT_NOISE_HASHLEN);
	sodium_memzero(k, sizeof k);
	sodium_memzero(pad, sizeof pad);
	sodium_memzero(inner, sizeof inner);
	sodium_memzero(&st, sizeof st);
}

void zt_noise_hkdf2(uint8_t o1[ZT_NOISE_HASHLEN], uint8_t o2[ZT_NOISE_HASHLEN],
                    const uint8_t ck[ZT_NOISE_HASHLEN], const uint8_t *ikm, size_t ikm_len)
{
	uint8_t temp[ZT_NOISE_HASHLEN], buf[ZT_NOISE_HASHLEN + 1];

	zt_noise_hmac(temp, ck, ZT_NOISE_HASHLEN, ikm, ikm_len);
	buf[0] = 0x01;
	zt_noise_hmac(o1, temp, sizeof temp, buf, 1);
	memcpy(buf, o1, ZT_NOISE_HASHLEN);
	buf[ZT_NOISE_HASHLEN] = 0x02;
	zt_noise_hmac(o2, temp, sizeof temp, buf, sizeof buf);
	sodium_memzero(temp, sizeof temp);
	sodium_memzero(buf, sizeof buf);
}

static void mix_hash(struct zt_noise_hs *hs, const uint8_t *data, size_t len)
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, ZT_NOISE_HASHLEN);
	crypto_generichash_update(&st, hs->h, ZT_NOISE_HASHLEN);
	crypto_generichash_update(&st, data, len);
	crypto_generichash_final(&st, hs->h, ZT_NOISE_HASHLEN);
}

/* MixKey: ck, k = HKDF(ck, dh).  k is the first 32 bytes of output 2. */
static void mix_key(struct zt_noise_hs *hs, uint8_t k[32], const uint8_t *ikm, size_t len)
{
	uint8_t o1[ZT_NOISE_HASHLEN], o2[ZT_NOISE_HASHLEN];
	zt_noise_hkdf2(o1, o2, hs->ck, ikm, len);
	memcpy(hs->ck, o1, ZT_NOISE_HASHLEN);
	memcpy(k, o2, 32);
	sodium_memzero(o1, sizeof o1);
	sodium_memzero(o2, sizeof o2);
}

static int mix_dh(struct zt_noise_hs *hs, uint8_t k[32], const uint8_t sk[32], const uint8_t pk[32])
{
	uint8_t dh[32];
	/* crypto_scalarmult fails on an all-zero result (low-order point). */
	if (crypto_scalarmult(dh, sk, pk) != 0) {
		sodium_memzero(dh, sizeof dh);
		return ZT_ECRYPTO;
	}
	mix_key(hs, k, dh, sizeof dh);
	sodium_memzero(dh, sizeof dh);
	return ZT_OK;
}

/* Each key is used for exactly one message in a handshake: nonce 0. */
static void encrypt_and_hash(struct zt_noise_hs *hs, const uint8_t k[32], const uint8_t *pt,
                             size_t len, uint8_t *ct)
{
	uint8_t nonce[12] = {0};
	crypto_aead_chacha20poly1305_ietf_encrypt(ct, NULL, pt, len, hs->h, ZT_NOISE_HASHLEN, NULL,
	                                          nonce, k);
	mix_hash(hs, ct, len + ZT_NOISE_TAGLEN);
}

static int decrypt_and_hash(struct zt_noise_hs *hs, const uint8_t k[32], const uint8_t *ct,
                            size_t len, uint8_t *pt)
{
	uint8_t nonce[12] = {0};
	if (crypto_aead_chacha20poly1305_ietf_decrypt(pt, NULL, NULL, ct, len + ZT_NOISE_TAGLEN,
	                                              hs->h, ZT_NOISE_HASHLEN, nonce, k) != 0)
		return ZT_ECRYPTO;
	mix_hash(hs, ct, len + ZT_NOISE_TAGLEN);
	return ZT_OK;
}

static void hs_start(struct zt_noise_hs *hs, const uint8_t responder_x[32])
{
	memset(hs, 0, sizeof *hs);
	/* The name is shorter than HASHLEN: h = name padded with zeros. */
	memcpy(hs->h, protocol_name, sizeof protocol_name - 1);
	memcpy(hs->ck, hs->h, ZT_NOISE_HASHLEN);
	mix_hash(hs, (const uint8_t *)prologue, sizeof prologue - 1);
	mix_hash(hs, responder_x, 32);
}

int zt_noise_init_create(struct zt_noise_hs *hs, const struct zt_identity *s,
                         const uint8_t rs_ed[32], const uint8_t e_seed[32],
                         const uint8_t payload[ZT_NOISE_INIT_PAYLOAD],
                         uint8_t out[ZT_NOISE_INIT_LEN])
{
	uint8_t k[32], s_x[32], rs_x[32];
	int r;

	if ((r = zt_identity_x25519_pk(rs_ed, rs_x)) != ZT_OK)
		return r;
	hs_start(hs, rs_x);
	memcpy(hs->rs_x, rs_x, 32);
	memcpy(hs->rs_ed, rs_ed, 32);
	/* e */
	memcpy(hs->e_sk, e_seed, 32);
	crypto_scalarmult_base(hs->e_pk, hs->e_sk);
	memcpy(out, hs->e_pk, 32);
	mix_hash(hs, hs->e_pk, 32);
	/* es */
	if ((r = mix_dh(hs, k, hs->e_sk, hs->rs_x)) != ZT_OK)
		goto out;
	/* s */
	encrypt_and_hash(hs, k, s->pk, 32, out + 32);
	/* ss */
	if ((r = zt_identity_x25519_sk(s, s_x)) != ZT_OK)
		goto out;
	if ((r = mix_dh(hs, k, s_x, hs->rs_x)) != ZT_OK)
		goto out;
	encrypt_and_hash(hs, k, payload, ZT_NOISE_INIT_PAYLOAD, out + 32 + 48);
out:
	sodium_memzero(k, sizeof k);
	sodium_memzero(s_x, sizeof s_x);
	if (r != ZT_OK)
		zt_noise_wipe(hs);
	return r;
}

int zt_noise_init_consume(struct zt_noise_hs *hs, const struct zt_identity *s,
                          const uint8_t in[ZT_NOISE_INIT_LEN],
                          uint8_t payload[ZT_NOISE_INIT_PAYLOAD])
{
	uint8_t k[32], s_x[32], s_xpk[32];
	int r;

	if ((r = zt_identity_x25519_sk(s, s_x)) != ZT_OK)
		return r;
	if ((r = zt_identity_x25519_pk(s->pk, s_xpk)) != ZT_OK)
		goto out;
	hs_start(hs, s_xpk);
	memcpy(hs->re_pk, in, 32);
	mix_hash(hs, hs->re_pk, 32);
	if ((r = mix_dh(hs, k, s_x, hs->re_pk)) != ZT_OK)
		goto out;
	if ((r = decrypt_and_hash(hs, k, in + 32, 32, hs->rs_ed)) != ZT_OK)
		goto out;
	if ((r = zt_identity_x25519_pk(hs->rs_ed, hs->rs_x)) != ZT_OK)
		goto out;
	if ((r = mix_dh(hs, k, s_x, hs->rs_x)) != ZT_OK)
		goto out;
	r = decrypt_and_hash(hs, k, in + 32 + 48, ZT_NOISE_INIT_PAYLOAD, payload);
out:
	sodium_memzero(k, sizeof k);
	sodium_memzero(s_x, sizeof s_x);
	if (r != ZT_OK)
		zt_noise_wipe(hs);
	return r;
}

int zt_noise_resp_create(struct zt_noise_hs *hs, const uint8_t e_seed[32],
                         const uint8_t payload[ZT_NOISE_RESP_PAYLOAD],
                         uint8_t out[ZT_NOISE_RESP_LEN])
{
	uint8_t k[32];
	int r;

	memcpy(hs->e_sk, e_seed, 32);
	crypto_scalarmult_base(hs->e_pk, hs->e_sk);
	memcpy(out, hs->e_pk, 32);
	mix_hash(hs, hs->e_pk, 32);
	if ((r = mix_dh(hs, k, hs->e_sk, hs->re_pk)) != ZT_OK) /* ee */
		goto out;
	if ((r = mix_dh(hs, k, hs->e_sk, hs->rs_x)) != ZT_OK) /* se */
		goto out;
	encrypt_and_hash(hs, k, payload, ZT_NOISE_RESP_PAYLOAD, out + 32);
out:
	sodium_memzero(k, sizeof k);
	if (r != ZT_OK)
		zt_noise_wipe(hs);
	return r;
}

int zt_noise_resp_consume(struct zt_noise_hs *hs, const struct zt_identity *s,
                          const uint8_t in[ZT_NOISE_RESP_LEN],
                          uint8_t payload[ZT_NOISE_RESP_PAYLOAD])
{
	uint8_t k[32], s_x[32];
	struct zt_noise_hs saved = *hs;
	int r;

	memcpy(hs->re_pk, in, 32);
	mix_hash(hs, hs->re_pk, 32);
	if ((r = mix_dh(hs, k, hs->e_sk, hs->re_pk)) != ZT_OK) /* ee */
		goto out;
	if ((r = zt_identity_x25519_sk(s, s_x)) != ZT_OK)
		goto out;
	if ((r = mix_dh(hs, k, s_x, hs->re_pk)) != ZT_OK) /* se */
		goto out;
	r = decrypt_and_hash(hs, k, in + 32, ZT_NOISE_RESP_PAYLOAD, payload);
out:
	/* A forged response must not spoil the pending handshake. */
	if (r != ZT_OK)
		*hs = saved;
	sodium_memzero(&saved, sizeof saved);
	sodium_memzero(k, sizeof k);
	sodium_memzero(s_x, sizeof s_x);
	return r;
}

void zt_noise_split(struct zt_noise_hs *hs, uint8_t k1[32], uint8_t k2[32])
{
	uint8_t o1[ZT_NOISE_HASHLEN], o2[ZT_NOISE_HASHLEN];
	zt_noise_hkdf2(o1, o2, hs->ck, NULL, 0);
	memcpy(k1, o1, 32);
	memcpy(k2, o2, 32);
	sodium_memzero(o1, sizeof o1);
	sodium_memzero(o2, sizeof o2);
	zt_noise_wipe(hs);
}

void zt_noise_wipe(struct zt_noise_hs *hs)
{
	sodium_memzero(hs, sizeof *hs);
}
