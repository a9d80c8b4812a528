/* SPDX-License-Identifier: MIT */
/*
 * identity.c - generate, verify, print and parse identities.
 * Randomness comes from the caller; nothing here reads the OS.
 */
#include "identity.h"

#include <sodium.h>
#include <string.h>

#include "util.h"

static const uint8_t addr_salt[crypto_pwhash_SALTBYTES] = "zt-address-v1...";

bool zt_identity_address_valid(uint64_t address)
{
	return address != 0 && (address >> 32) != 0xff && address <= 0xffffffffffULL;
}

int zt_identity_derive_address(const uint8_t pk[32], uint64_t *address)
{
	uint8_t out[32];
	int r = ZT_OK;

	if (crypto_pwhash(out, sizeof out, (const char *)pk, 32, addr_salt, ZT_ID_PWHASH_OPS,
	                  ZT_ID_PWHASH_MEM, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		r = ZT_ENOMEM;
		goto out;
	}
	*address = zt_get_u40(out);
out:
	sodium_memzero(out, sizeof out);
	return r;
}

int zt_identity_verify(const struct zt_identity *id)
{
	uint64_t a;
	int r;

	if (!zt_identity_address_valid(id->address))
		return ZT_EIDENTITY;
	r = zt_identity_derive_address(id->pk, &a);
	if (r != ZT_OK)
		return r;
	return a == id->address ? ZT_OK : ZT_EIDENTITY;
}

int zt_identity_generate(struct zt_identity *out, void (*random)(void *ctx, void *buf, size_t len),
                         void *ctx)
{
	uint8_t seed[32];
	int r = ZT_EIDENTITY;

	memset(out, 0, sizeof *out);
	/* ~1 in 128 keys gives a reserved address; bound the loop anyway. */
	for (int tries = 0; tries < 64; tries++) {
		random(ctx, seed, sizeof seed);
		crypto_sign_seed_keypair(out->pk, out->sk, seed);
		r = zt_identity_derive_address(out->pk, &out->address);
		if (r != ZT_OK)
			break;
		if (zt_identity_address_valid(out->address)) {
			out->has_secret = true;
			r = ZT_OK;
			break;
		}
		r = ZT_EIDENTITY;
	}
	sodium_memzero(seed, sizeof seed);
	if (r != ZT_OK)
		zt_identity_wipe(out);
	return r;
}

void zt_identity_wipe(struct zt_identity *id)
{
	sodium_memzero(id, sizeof *id);
}

int zt_identity_to_text(const struct zt_identity *id, bool with_secret, char *out, size_t cap)
{
	size_t need = with_secret ? ZT_IDENTITY_SECRET_TEXT : ZT_IDENTITY_PUBLIC_TEXT;
	struct zt_strbuf sb = {out, cap, 0};

	if (cap < need || (with_secret && !id->has_secret))
		return ZT_ERANGE;
	zt_strbuf_hex(&sb, id->address, 10);
	zt_strbuf_put(&sb, ":");
	zt_hex_encode(id->pk, 32, out + sb.len);
	sb.len += 64;
	if (with_secret) {
		out[sb.len++] = ':';
		/* The secret half is the 32-byte seed (the first half of sk). */
		zt_hex_encode(id->sk, 32, out + sb.len);
		sb.len += 64;
	}
	out[sb.len] = '\0';
	return ZT_OK;
}

int zt_identity_from_text(struct zt_identity *out, const char *text, size_t len)
{
	char addr[11];
	uint8_t seed[32];
	uint8_t pk2[32];
	int r = ZT_EINVAL;

	memset(out, 0, sizeof *out);
	/* Tolerate trailing whitespace (files end with a newline). */
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ' ||
	                   text[len - 1] == '\t'))
		len--;
	if (len != ZT_IDENTITY_PUBLIC_TEXT - 1 && len != ZT_IDENTITY_SECRET_TEXT - 1)
		goto out;
	if (text[10] != ':')
		goto out;
	memcpy(addr, text, 10);
	addr[10] = '\0';
	if (zt_address_parse(addr, &out->address) != ZT_OK)
		goto out;
	if (zt_hex_decode(text + 11, 64, out->pk, 32) != ZT_OK)
		goto out;
	if (len == ZT_IDENTITY_SECRET_TEXT - 1) {
		if (text[75] != ':' || zt_hex_decode(text + 76, 64, seed, 32) != ZT_OK)
			goto out;
		crypto_sign_seed_keypair(pk2, out->sk, seed);
		if (sodium_memcmp(pk2, out->pk, 32) != 0) {
			r = ZT_EIDENTITY;
			goto out;
		}
		out->has_secret = true;
	}
	r = zt_identity_verify(out);
out:
	sodium_memzero(seed, sizeof seed);
	if (r != ZT_OK)
		zt_identity_wipe(out);
	return r;
}

int zt_identity_x25519_pk(const uint8_t ed_pk[32], uint8_t x_pk[32])
{
	return crypto_sign_ed25519_pk_to_curve25519(x_pk, ed_pk) == 0 ? ZT_OK : ZT_ECRYPTO;
}

int zt_identity_x25519_sk(const struct zt_identity *id, uint8_t x_sk[32])
{
	if (!id->has_secret)
		return ZT_EINVAL;
	return crypto_sign_ed25519_sk_to_curve25519(x_sk, id->sk) == 0 ? ZT_OK : ZT_ECRYPTO;
}
