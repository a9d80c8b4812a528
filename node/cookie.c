/* SPDX-License-Identifier: MIT */
/* cookie.c - handshake MACs and cookies (see cookie.h). */
#include "cookie.h"

#include <sodium.h>
#include <string.h>

#include "util.h"
#include "wire.h"

static void label_key(uint8_t key[32], const char *label, const uint8_t pk[32])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
	crypto_generichash_update(&st, pk, 32);
	crypto_generichash_final(&st, key, 32);
}

void zt_cookie_mac1_key(uint8_t key[32], const uint8_t pk[32])
{
	label_key(key, "zt-mac1", pk);
}

void zt_cookie_cookie_key(uint8_t key[32], const uint8_t pk[32])
{
	label_key(key, "zt-cookie", pk);
}

void zt_cookie_checker_init(struct zt_cookie_checker *c, const uint8_t our_pk[32])
{
	memset(c, 0, sizeof *c);
	zt_cookie_mac1_key(c->mac1_key, our_pk);
	zt_cookie_cookie_key(c->cookie_key, our_pk);
	c->secret_born = -1;
}

void zt_cookie_mac(uint8_t out[16], const uint8_t key[], size_t key_len, const uint8_t *msg,
                   size_t len)
{
	crypto_generichash_state st;
	uint8_t hdr[ZT_HDR_LEN];

	zt_wire_hdr_auth(hdr, msg);
	crypto_generichash_init(&st, key, key_len, 16);
	crypto_generichash_update(&st, hdr, ZT_HDR_LEN);
	crypto_generichash_update(&st, msg + ZT_HDR_LEN, len - ZT_HDR_LEN);
	crypto_generichash_final(&st, out, 16);
}

bool zt_cookie_mac1_ok(const struct zt_cookie_checker *c, const uint8_t *pkt, size_t mac1_off)
{
	uint8_t m[16];
	zt_cookie_mac(m, c->mac1_key, 32, pkt, mac1_off);
	return sodium_memcmp(m, pkt + mac1_off, 16) == 0;
}

static void cookie_for(const struct zt_cookie_checker *c, const struct zt_endpoint *src,
                       uint8_t cookie[16])
{
	uint8_t buf[19];
	size_t n = zt_endpoint_encode(src, buf);
	crypto_generichash(cookie, 16, buf, n, c->secret, sizeof c->secret);
}

bool zt_cookie_secret_due(const struct zt_cookie_checker *c, int64_t now)
{
	return c->secret_born < 0 || now - c->secret_born >= ZT_COOKIE_SECRET_LIFE;
}

void zt_cookie_make(struct zt_cookie_checker *c, int64_t now, const uint8_t fresh[32],
                    const struct zt_endpoint *src, uint8_t cookie[16])
{
	if (zt_cookie_secret_due(c, now)) {
		memcpy(c->secret, fresh, 32);
		c->secret_born = now;
	}
	cookie_for(c, src, cookie);
}

bool zt_cookie_mac2_ok(struct zt_cookie_checker *c, int64_t now, const struct zt_endpoint *src,
                       const uint8_t *pkt, size_t mac2_off)
{
	uint8_t cookie[16], m[16];
	if (zt_cookie_secret_due(c, now))
		return false;
	cookie_for(c, src, cookie);
	zt_cookie_mac(m, cookie, 16, pkt, mac2_off);
	return sodium_memcmp(m, pkt + mac2_off, 16) == 0;
}

void zt_cookie_seal(uint8_t out[32], const uint8_t nonce[24], const uint8_t cookie[16],
                    const uint8_t key[32], const uint8_t mac1[16])
{
	crypto_aead_xchacha20poly1305_ietf_encrypt(out, NULL, cookie, 16, mac1, 16, NULL, nonce,
	                                           key);
}

int zt_cookie_open(uint8_t cookie[16], const uint8_t nonce[24], const uint8_t sealed[32],
                   const uint8_t key[32], const uint8_t mac1[16])
{
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(cookie, NULL, NULL, sealed, 32, mac1, 16,
	                                               nonce, key) != 0)
		return ZT_ECRYPTO;
	return ZT_OK;
}
