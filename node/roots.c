/* SPDX-License-Identifier: MIT */
/*
 * roots.c - the signed roots file: which roots a deployment has and where
 * they listen.  A line-based text format (doc/PROTOCOL.md, "Roots file"):
 *
 *   zt-roots 1
 *   timestamp <ms since epoch>
 *   signer <ed25519 public key, 64 hex>
 *   root <identity public text> <ip/port> [<ip/port> ...]
 *   signature <ed25519 signature, 128 hex>
 *
 * The signature covers every byte before the "signature" line.  Lines
 * starting with '#' are comments (and are signed like the rest).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "identity.h"
#include "util.h"

#define ROOTS_MAX_FILE 16384
#define ROOTS_MAX_LINE 512

/* Split a line into at most `max` space-separated tokens (in place). */
static int split(char *line, char **tok, int max)
{
	int n = 0;
	char *p = line;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		if (n == max)
			return -1;
		tok[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	return n;
}

static int parse_u64_dec(const char *s, int64_t *out)
{
	int64_t v = 0;
	if (!*s || strlen(s) > 18)
		return ZT_EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return ZT_EINVAL;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return ZT_OK;
}

int zt_roots_parse(struct zt_roots *out, const char *text, size_t len, const uint8_t *pinned_signer)
{
	unsigned line;

	return zt_roots_parse_at(out, text, len, pinned_signer, &line);
}

int zt_roots_parse_at(struct zt_roots *out, const char *text, size_t len,
                      const uint8_t *pinned_signer, unsigned *lineno)
{
	char line[ROOTS_MAX_LINE];
	char *tok[2 + ZT_MAX_ROOT_ENDPOINTS + 1];
	uint8_t sig[64];
	size_t pos = 0, signed_len = 0;
	bool have_magic = false, have_ts = false, have_signer = false, have_sig = false;
	int r = ZT_EINVAL;

	memset(out, 0, sizeof *out);
	*lineno = 0;
	if (len > ROOTS_MAX_FILE)
		return ZT_ERANGE;
	while (pos < len && !have_sig) {
		size_t start = pos, ll;
		int n;
		/* A failure inside this loop is this line's. */
		++*lineno;
		while (pos < len && text[pos] != '\n')
			pos++;
		ll = pos - start;
		if (pos < len)
			pos++; /* the newline */
		if (ll >= sizeof line)
			goto out;
		memcpy(line, text + start, ll);
		line[ll] = '\0';
		if (ll > 0 && line[ll - 1] == '\r')
			line[--ll] = '\0';
		if (memchr(line, '\0', ll) != NULL)
			goto out;
		if (line[0] == '#' || ll == 0)
			continue;
		n = split(line, tok, (int)ZT_ARRAY_LEN(tok));
		if (n <= 0)
			goto out;
		if (!have_magic) {
			if (n != 2 || strcmp(tok[0], "zt-roots") != 0 || strcmp(tok[1], "1") != 0)
				goto out;
			have_magic = true;
		} else if (strcmp(tok[0], "timestamp") == 0) {
			if (n != 2 || have_ts || parse_u64_dec(tok[1], &out->timestamp) != ZT_OK)
				goto out;
			have_ts = true;
		} else if (strcmp(tok[0], "signer") == 0) {
			if (n != 2 || have_signer ||
			    zt_hex_decode(tok[1], strlen(tok[1]), out->signer, 32) != ZT_OK)
				goto out;
			have_signer = true;
		} else if (strcmp(tok[0], "root") == 0) {
			struct zt_root_def *rd;
			/* tok[] has room for one token more than a root line may
			 * have, so that too many endpoints are seen, not stored
			 * past endpoints[]. */
			if (n < 3 || n > 2 + ZT_MAX_ROOT_ENDPOINTS || out->count >= ZT_MAX_ROOTS)
				goto out;
			rd = &out->roots[out->count];
			if (zt_identity_from_text(&rd->id, tok[1], strlen(tok[1])) != ZT_OK ||
			    rd->id.has_secret)
				goto out;
			for (int i = 2; i < n; i++) {
				if (zt_endpoint_parse(tok[i], &rd->endpoints[rd->endpoint_count]) !=
				    ZT_OK)
					goto out;
				rd->endpoint_count++;
			}
			for (unsigned i = 0; i < out->count; i++)
				if (out->roots[i].id.address == rd->id.address)
					goto out;
			out->count++;
		} else if (strcmp(tok[0], "signature") == 0) {
			if (n != 2 || zt_hex_decode(tok[1], strlen(tok[1]), sig, 64) != ZT_OK)
				goto out;
			signed_len = start;
			have_sig = true;
		} else {
			goto out;
		}
	}
	*lineno = 0;
	if (!have_magic || !have_ts || !have_signer || !have_sig || out->count == 0)
		goto out;
	/* Only blank lines may follow the signature. */
	for (; pos < len; pos++)
		if (text[pos] != '\n' && text[pos] != '\r' && text[pos] != ' ')
			goto out;
	if (crypto_sign_verify_detached(sig, (const unsigned char *)text, signed_len,
	                                out->signer) != 0) {
		r = ZT_ESIG;
		goto out;
	}
	if (pinned_signer != NULL && sodium_memcmp(pinned_signer, out->signer, 32) != 0) {
		r = ZT_ESIG;
		goto out;
	}
	r = ZT_OK;
out:
	if (r != ZT_OK)
		memset(out, 0, sizeof *out);
	return r;
}

int zt_roots_write(struct zt_roots *roots, const struct zt_identity *signer, char *out, size_t cap)
{
	struct zt_strbuf sb = {out, cap, 0};
	char idtext[ZT_IDENTITY_PUBLIC_TEXT];
	char hex[129];
	uint8_t sig[64];

	if (!signer->has_secret || roots->count == 0 || roots->count > ZT_MAX_ROOTS || cap < 64)
		return ZT_EINVAL;
	memcpy(roots->signer, signer->pk, 32);
	zt_strbuf_put(&sb, "# zt roots file: who the roots are and where they listen.\n");
	zt_strbuf_put(&sb, "zt-roots 1\ntimestamp ");
	zt_strbuf_dec(&sb, roots->timestamp);
	zt_strbuf_put(&sb, "\nsigner ");
	zt_hex_encode(roots->signer, 32, hex);
	zt_strbuf_put(&sb, hex);
	zt_strbuf_put(&sb, "\n");
	for (unsigned i = 0; i < roots->count; i++) {
		const struct zt_root_def *rd = &roots->roots[i];
		if (rd->endpoint_count == 0 || rd->endpoint_count > ZT_MAX_ROOT_ENDPOINTS)
			return ZT_EINVAL;
		if (zt_identity_to_text(&rd->id, false, idtext, sizeof idtext) != ZT_OK)
			return ZT_EINVAL;
		zt_strbuf_put(&sb, "root ");
		zt_strbuf_put(&sb, idtext);
		for (unsigned j = 0; j < rd->endpoint_count; j++) {
			zt_strbuf_put(&sb, " ");
			zt_strbuf_ep(&sb, &rd->endpoints[j]);
		}
		zt_strbuf_put(&sb, "\n");
	}
	if (sb.len + 11 + 128 + 2 >= cap)
		return ZT_ERANGE;
	crypto_sign_detached(sig, NULL, (const unsigned char *)out, sb.len, signer->sk);
	zt_hex_encode(sig, 64, hex);
	zt_strbuf_put(&sb, "signature ");
	zt_strbuf_put(&sb, hex);
	zt_strbuf_put(&sb, "\n");
	return (int)sb.len;
}

/* ---- rollback ---- */

void zt_roots_seen_of(struct zt_roots_seen *out, const struct zt_roots *roots)
{
	crypto_generichash_state st;
	uint8_t b[8];

	memset(out, 0, sizeof *out);
	memcpy(out->signer, roots->signer, 32);
	out->timestamp = roots->timestamp;
	/* Only what the file says counts (an IPv4 endpoint's unused bytes do
	 * not): the same file always gives the same digest. */
	crypto_generichash_init(&st, (const uint8_t *)"zt-roots-seen-v1", 16, 32);
	b[0] = (uint8_t)roots->count;
	crypto_generichash_update(&st, b, 1);
	for (unsigned i = 0; i < roots->count && i < ZT_MAX_ROOTS; i++) {
		const struct zt_root_def *rd = &roots->roots[i];
		zt_put_u64(b, rd->id.address);
		crypto_generichash_update(&st, b, 8);
		crypto_generichash_update(&st, rd->id.pk, 32);
		b[0] = (uint8_t)rd->endpoint_count;
		crypto_generichash_update(&st, b, 1);
		for (unsigned j = 0; j < rd->endpoint_count && j < ZT_MAX_ROOT_ENDPOINTS; j++) {
			const struct zt_endpoint *ep = &rd->endpoints[j];
			b[0] = ep->family;
			zt_put_u16(b + 1, ep->port);
			crypto_generichash_update(&st, b, 3);
			crypto_generichash_update(&st, ep->ip, ep->family == 4 ? 4 : 16);
		}
	}
	crypto_generichash_final(&st, out->digest, 32);
}

int zt_roots_check_seen(const struct zt_roots_seen *seen, const struct zt_roots *next)
{
	struct zt_roots_seen n;

	if (sodium_memcmp(seen->signer, next->signer, 32) != 0 || next->timestamp > seen->timestamp)
		return ZT_OK;
	if (next->timestamp < seen->timestamp)
		return ZT_ESTALE;
	zt_roots_seen_of(&n, next);
	return sodium_memcmp(n.digest, seen->digest, 32) == 0 ? ZT_OK : ZT_ESTALE;
}

int zt_roots_seen_to_text(const struct zt_roots_seen *seen, char *out, size_t cap)
{
	struct zt_strbuf sb = {out, cap, 0};
	char hex[65];

	if (cap < ZT_ROOTS_SEEN_TEXT || seen->timestamp < 0)
		return ZT_ERANGE;
	zt_hex_encode(seen->signer, 32, hex);
	zt_strbuf_put(&sb, hex);
	zt_strbuf_put(&sb, " ");
	zt_strbuf_dec(&sb, seen->timestamp);
	zt_strbuf_put(&sb, " ");
	zt_hex_encode(seen->digest, 32, hex);
	zt_strbuf_put(&sb, hex);
	zt_strbuf_put(&sb, "\n");
	return (int)sb.len;
}

int zt_roots_seen_from_text(struct zt_roots_seen *out, const char *text, size_t len)
{
	char line[ZT_ROOTS_SEEN_TEXT];
	char *tok[4];
	int r = ZT_EINVAL;

	memset(out, 0, sizeof *out);
	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (len >= sizeof line || memchr(text, '\0', len) != NULL)
		goto out;
	memcpy(line, text, len);
	line[len] = '\0';
	if (split(line, tok, (int)ZT_ARRAY_LEN(tok)) != 3 ||
	    zt_hex_decode(tok[0], strlen(tok[0]), out->signer, 32) != ZT_OK ||
	    parse_u64_dec(tok[1], &out->timestamp) != ZT_OK ||
	    zt_hex_decode(tok[2], strlen(tok[2]), out->digest, 32) != ZT_OK)
		goto out;
	r = ZT_OK;
out:
	if (r != ZT_OK)
		memset(out, 0, sizeof *out);
	return r;
}
