/* SPDX-License-Identifier: MIT */
/*
 * session.c - the transport: DATA packets sealed with ChaCha20-Poly1305
 * (IETF) or, when both ends negotiated it, AES-256-GCM; nonce = 32 zero
 * bits || 64-bit little-endian counter, associated data = outer header
 * (hops zeroed) || receiver index || counter.
 */
#include <sodium.h>
#include <string.h>

#include "mem.h"
#include "replay.h"
#include "session.h"
#include "util.h"
#include "wire.h"

static void make_nonce(uint8_t nonce[12], uint64_t counter)
{
	memset(nonce, 0, 4);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(counter >> (8 * i));
}

void zt_session_set_keys(const struct zt_mem *mem, struct zt_keypair *kp, uint8_t cipher,
                         const uint8_t send_key[32], const uint8_t recv_key[32])
{
	kp->cipher = cipher;
	memcpy(kp->send_key, send_key, 32);
	memcpy(kp->recv_key, recv_key, 32);
	kp->aes = NULL;
	if (cipher != ZT_CIPHER_AES256GCM)
		return;
	/* Expanded once per keypair: libsodium's one-shot AES-GCM expands
	 * the key (and the GHASH powers) on every call.  The allocator gives
	 * the 16-byte alignment the state needs (as malloc does: zt_mem). */
	kp->aes = zt_mem_alloc(mem, sizeof *kp->aes);
	if (kp->aes == NULL)
		return; /* works without: slower */
	crypto_aead_aes256gcm_beforenm(&kp->aes->send, send_key);
	crypto_aead_aes256gcm_beforenm(&kp->aes->recv, recv_key);
}

void zt_session_wipe(const struct zt_mem *mem, struct zt_keypair *kp)
{
	if (kp->aes != NULL) {
		sodium_memzero(kp->aes, sizeof *kp->aes);
		zt_mem_free(mem, kp->aes);
	}
	sodium_memzero(kp, sizeof *kp);
}

size_t zt_session_seal(struct zt_keypair *kp, uint64_t dst, uint64_t src, const uint8_t *msg,
                       size_t len, uint8_t *out)
{
	struct zt_hdr h = {ZT_PT_DATA, 0, dst, src};
	uint8_t nonce[12];
	uint64_t ctr = kp->send_counter++;
	unsigned long long clen = 0;

	zt_wire_hdr_encode(out, &h);
	zt_put_u32(out + ZT_HDR_LEN, kp->remote_index);
	zt_put_u64(out + ZT_HDR_LEN + 4, ctr);
	make_nonce(nonce, ctr);
	if (kp->cipher == ZT_CIPHER_AES256GCM && kp->aes != NULL)
		crypto_aead_aes256gcm_encrypt_afternm(out + ZT_DATA_HDR_LEN, &clen, msg, len, out,
		                                      ZT_DATA_HDR_LEN, NULL, nonce, &kp->aes->send);
	else if (kp->cipher == ZT_CIPHER_AES256GCM)
		crypto_aead_aes256gcm_encrypt(out + ZT_DATA_HDR_LEN, &clen, msg, len, out,
		                              ZT_DATA_HDR_LEN, NULL, nonce, kp->send_key);
	else
		crypto_aead_chacha20poly1305_ietf_encrypt(out + ZT_DATA_HDR_LEN, &clen, msg, len,
		                                          out, ZT_DATA_HDR_LEN, NULL, nonce,
		                                          kp->send_key);
	return ZT_DATA_HDR_LEN + (size_t)clen;
}

int zt_session_open(struct zt_keypair *kp, const uint8_t *pkt, size_t len, uint8_t *out,
                    size_t *out_len)
{
	uint8_t ad[ZT_DATA_HDR_LEN], nonce[12];
	uint64_t ctr;
	unsigned long long mlen = 0;
	int r;

	*out_len = 0;
	if (len < ZT_DATA_OVERHEAD)
		return ZT_EINVAL;
	ctr = zt_get_u64(pkt + ZT_HDR_LEN + 4);
	if (!zt_replay_check(&kp->replay, ctr))
		return ZT_EINVAL;
	zt_wire_hdr_auth(ad, pkt);
	memcpy(ad + ZT_HDR_LEN, pkt + ZT_HDR_LEN, 12);
	make_nonce(nonce, ctr);
	if (kp->cipher == ZT_CIPHER_AES256GCM && kp->aes != NULL)
		r = crypto_aead_aes256gcm_decrypt_afternm(out, &mlen, NULL, pkt + ZT_DATA_HDR_LEN,
		                                          len - ZT_DATA_HDR_LEN, ad, sizeof ad,
		                                          nonce, &kp->aes->recv);
	else if (kp->cipher == ZT_CIPHER_AES256GCM)
		r = crypto_aead_aes256gcm_decrypt(out, &mlen, NULL, pkt + ZT_DATA_HDR_LEN,
		                                  len - ZT_DATA_HDR_LEN, ad, sizeof ad, nonce,
		                                  kp->recv_key);
	else
		r = crypto_aead_chacha20poly1305_ietf_decrypt(
		    out, &mlen, NULL, pkt + ZT_DATA_HDR_LEN, len - ZT_DATA_HDR_LEN, ad, sizeof ad,
		    nonce, kp->recv_key);
	if (r != 0)
		return ZT_ECRYPTO;
	/* Only now may the window move: a forged counter never advances it. */
	if (!zt_replay_update(&kp->replay, ctr))
		return ZT_EINVAL;
	*out_len = (size_t)mlen;
	return ZT_OK;
}

/* ---- the same in steps, for parallel crypto (zt_host.crypto_run) ---- */

static void job_key(struct zt_crypto_job *j, const struct zt_keypair *kp, bool send)
{
	if (kp->cipher != ZT_CIPHER_AES256GCM) {
		j->cipher = ZT_CRYPTO_CHACHA20POLY1305;
		j->key = send ? kp->send_key : kp->recv_key;
	} else if (kp->aes == NULL) {
		j->cipher = ZT_CRYPTO_AES256GCM;
		j->key = send ? kp->send_key : kp->recv_key;
	} else {
		j->cipher = ZT_CRYPTO_AES256GCM_STATE;
		j->key = send ? (const void *)&kp->aes->send : (const void *)&kp->aes->recv;
	}
}

size_t zt_session_seal_job(struct zt_keypair *kp, uint64_t dst, uint64_t src, const uint8_t *msg,
                           size_t len, uint8_t *plain, uint8_t *out, struct zt_crypto_job *j)
{
	struct zt_hdr h = {ZT_PT_DATA, 0, dst, src};
	uint64_t ctr = kp->send_counter++;

	zt_wire_hdr_encode(out, &h);
	zt_put_u32(out + ZT_HDR_LEN, kp->remote_index);
	zt_put_u64(out + ZT_HDR_LEN + 4, ctr);
	memcpy(j->ad, out, ZT_DATA_HDR_LEN);
	memcpy(plain, msg, len);
	make_nonce(j->nonce, ctr);
	j->op = ZT_CRYPTO_SEAL;
	job_key(j, kp, true);
	j->in = plain;
	j->in_len = len;
	j->out = out + ZT_DATA_HDR_LEN;
	j->out_len = 0;
	j->result = 0;
	return ZT_DATA_HDR_LEN + len + 16;
}

int zt_session_open_job(const struct zt_keypair *kp, const uint8_t *pkt, size_t len, uint8_t *out,
                        struct zt_crypto_job *j)
{
	uint64_t ctr;

	if (len < ZT_DATA_OVERHEAD)
		return ZT_EINVAL;
	ctr = zt_get_u64(pkt + ZT_HDR_LEN + 4);
	if (!zt_replay_check(&kp->replay, ctr))
		return ZT_EINVAL;
	zt_wire_hdr_auth(j->ad, pkt);
	memcpy(j->ad + ZT_HDR_LEN, pkt + ZT_HDR_LEN, 12);
	make_nonce(j->nonce, ctr);
	j->op = ZT_CRYPTO_OPEN;
	job_key(j, kp, false);
	j->in = pkt + ZT_DATA_HDR_LEN;
	j->in_len = len - ZT_DATA_HDR_LEN;
	j->out = out;
	j->out_len = 0;
	j->result = -1;
	return ZT_OK;
}

int zt_session_open_finish(struct zt_keypair *kp, const struct zt_crypto_job *j)
{
	uint64_t ctr = 0;

	if (j->result != 0)
		return ZT_ECRYPTO;
	for (int i = 0; i < 8; i++)
		ctr |= (uint64_t)j->nonce[4 + i] << (8 * i);
	/* Only now may the window move (a duplicate in the same batch was
	 * checked against the same window: the second one stops here). */
	if (!zt_replay_update(&kp->replay, ctr))
		return ZT_EINVAL;
	return ZT_OK;
}

void zt_crypto_job_run(struct zt_crypto_job *j)
{
	unsigned long long l = 0;
	int r = 0;

	if (j->op == ZT_CRYPTO_SEAL) {
		if (j->cipher == ZT_CRYPTO_AES256GCM_STATE)
			crypto_aead_aes256gcm_encrypt_afternm(j->out, &l, j->in, j->in_len, j->ad,
			                                      sizeof j->ad, NULL, j->nonce, j->key);
		else if (j->cipher == ZT_CRYPTO_AES256GCM)
			crypto_aead_aes256gcm_encrypt(j->out, &l, j->in, j->in_len, j->ad,
			                              sizeof j->ad, NULL, j->nonce, j->key);
		else
			crypto_aead_chacha20poly1305_ietf_encrypt(j->out, &l, j->in, j->in_len,
			                                          j->ad, sizeof j->ad, NULL,
			                                          j->nonce, j->key);
	} else {
		if (j->cipher == ZT_CRYPTO_AES256GCM_STATE)
			r = crypto_aead_aes256gcm_decrypt_afternm(j->out, &l, NULL, j->in,
			                                          j->in_len, j->ad, sizeof j->ad,
			                                          j->nonce, j->key);
		else if (j->cipher == ZT_CRYPTO_AES256GCM)
			r = crypto_aead_aes256gcm_decrypt(j->out, &l, NULL, j->in, j->in_len, j->ad,
			                                  sizeof j->ad, j->nonce, j->key);
		else
			r = crypto_aead_chacha20poly1305_ietf_decrypt(
			    j->out, &l, NULL, j->in, j->in_len, j->ad, sizeof j->ad, j->nonce,
			    j->key);
	}
	j->result = r == 0 ? 0 : -1;
	j->out_len = (size_t)l;
}
