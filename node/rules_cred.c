/* SPDX-License-Identifier: MIT */
/*
 * rules_cred.c - the signed credentials of the rules (see rules.h): a
 * member's tags, capabilities and assigned addresses, each signed by the
 * controller so that the member can show them to the others, who check
 * them against the controller's key.  The evaluator is rules.c.
 */
#include "rules.h"

#include <sodium.h>
#include <string.h>

#include "util.h"

#define CRED_TAG     1
#define CRED_CAP     2
#define CRED_ADDRS   3
#define CRED_HEAD    (8 + 5 + 8 + 4)
#define CAP_BODY_MAX (CRED_HEAD + 1 + ZT_CAP_RULES_MAX * 34)

static void cred_head(uint8_t *b, uint64_t nwid, uint64_t issued_to, int64_t ts, uint32_t id)
{
	zt_put_u64(b, nwid);
	zt_put_u40(b + 8, issued_to);
	zt_put_u64(b + 13, (uint64_t)ts);
	zt_put_u32(b + 21, id);
}

/* The signed message: kind u8 | body. */
static void cred_sign(uint8_t kind, uint8_t *buf, size_t body_len, uint8_t sig[64],
                      const uint8_t sk[64])
{
	buf[0] = kind;
	crypto_sign_detached(sig, NULL, buf, body_len + 1, sk);
}

static int tag_body(const struct zt_tag *t, uint64_t nwid, uint64_t issued_to, int64_t ts,
                    uint8_t *b)
{
	cred_head(b, nwid, issued_to, ts, t->id);
	zt_put_u32(b + CRED_HEAD, t->value);
	return CRED_HEAD + 4;
}

static int cap_body(const struct zt_cap *c, uint64_t nwid, uint64_t issued_to, int64_t ts,
                    uint8_t *b, size_t cap)
{
	int n;
	if (c->rule_count > ZT_CAP_RULES_MAX || cap < CRED_HEAD + 1)
		return -1;
	cred_head(b, nwid, issued_to, ts, c->id);
	b[CRED_HEAD] = (uint8_t)c->rule_count;
	n = zt_rules_encode(c->rules, c->rule_count, b + CRED_HEAD + 1, cap - CRED_HEAD - 1);
	return n < 0 ? -1 : CRED_HEAD + 1 + n;
}

int zt_tag_sign(struct zt_tag *t, uint64_t nwid, uint64_t issued_to, int64_t ts,
                const struct zt_identity *controller)
{
	uint8_t b[1 + CRED_HEAD + 4];
	if (!controller->has_secret)
		return ZT_EINVAL;
	cred_sign(CRED_TAG, b, (size_t)tag_body(t, nwid, issued_to, ts, b + 1), t->sig,
	          controller->sk);
	return ZT_OK;
}

int zt_cap_sign(struct zt_cap *c, uint64_t nwid, uint64_t issued_to, int64_t ts,
                const struct zt_identity *controller)
{
	uint8_t b[1 + CAP_BODY_MAX];
	int n;
	if (!controller->has_secret)
		return ZT_EINVAL;
	n = cap_body(c, nwid, issued_to, ts, b + 1, sizeof b - 1);
	if (n < 0)
		return ZT_ERANGE;
	cred_sign(CRED_CAP, b, (size_t)n, c->sig, controller->sk);
	return ZT_OK;
}

int zt_tag_cred_encode(const struct zt_tag *t, uint64_t nwid, uint64_t issued_to, int64_t ts,
                       uint8_t *out, size_t cap)
{
	if (cap < ZT_TAG_CRED_LEN)
		return -1;
	(void)tag_body(t, nwid, issued_to, ts, out);
	memcpy(out + CRED_HEAD + 4, t->sig, 64);
	return ZT_TAG_CRED_LEN;
}

int zt_cap_cred_encode(const struct zt_cap *c, uint64_t nwid, uint64_t issued_to, int64_t ts,
                       uint8_t *out, size_t cap)
{
	int n = cap_body(c, nwid, issued_to, ts, out, cap);
	if (n < 0 || cap - (size_t)n < 64)
		return -1;
	memcpy(out + n, c->sig, 64);
	return n + 64;
}

static void cred_fields(const uint8_t *in, uint64_t *nwid, uint64_t *issued_to, int64_t *ts,
                        uint32_t *id)
{
	*nwid = zt_get_u64(in);
	*issued_to = zt_get_u40(in + 8);
	*ts = (int64_t)zt_get_u64(in + 13);
	*id = zt_get_u32(in + 21);
}

static bool cred_verify(uint8_t kind, const uint8_t *body, size_t n, const uint8_t *sig,
                        const uint8_t pk[32])
{
	uint8_t b[1 + CAP_BODY_MAX];
	if (n > CAP_BODY_MAX)
		return false;
	b[0] = kind;
	memcpy(b + 1, body, n);
	return crypto_sign_verify_detached(sig, b, n + 1, pk) == 0;
}

int zt_tag_cred_decode(const uint8_t *in, size_t len, const uint8_t controller_pk[32],
                       struct zt_tag *t, uint64_t *nwid, uint64_t *issued_to, int64_t *ts)
{
	if (len < ZT_TAG_CRED_LEN)
		return -1;
	memset(t, 0, sizeof *t);
	cred_fields(in, nwid, issued_to, ts, &t->id);
	t->value = zt_get_u32(in + CRED_HEAD);
	memcpy(t->sig, in + CRED_HEAD + 4, 64);
	if (*ts < 0 || !cred_verify(CRED_TAG, in, CRED_HEAD + 4, t->sig, controller_pk))
		return -1;
	return ZT_TAG_CRED_LEN;
}

int zt_cap_cred_decode(const uint8_t *in, size_t len, const uint8_t controller_pk[32],
                       struct zt_cap *c, uint64_t *nwid, uint64_t *issued_to, int64_t *ts)
{
	int n;
	if (len < CRED_HEAD + 1)
		return -1;
	memset(c, 0, sizeof *c);
	cred_fields(in, nwid, issued_to, ts, &c->id);
	c->rule_count = in[CRED_HEAD];
	n = zt_rules_decode(in + CRED_HEAD + 1, len - CRED_HEAD - 1, c->rule_count, c->rules,
	                    ZT_CAP_RULES_MAX);
	if (n < 0 || len - CRED_HEAD - 1 - (size_t)n < 64)
		return -1;
	n += CRED_HEAD + 1;
	memcpy(c->sig, in + n, 64);
	if (*ts < 0 || !cred_verify(CRED_CAP, in, (size_t)n, c->sig, controller_pk))
		return -1;
	return n + 64;
}

/* nwid | issued_to | timestamp | n u8 | n × (family, bits, ip): the body. */
static int addrs_body(const struct zt_inetaddr *a, unsigned n, uint64_t nwid, uint64_t issued_to,
                      int64_t ts, uint8_t *b, size_t cap)
{
	size_t off = 8 + 5 + 8 + 1;

	if (n > ZT_NETCONF_MAX_ADDRS || cap < off)
		return -1;
	zt_put_u64(b, nwid);
	zt_put_u40(b + 8, issued_to);
	zt_put_u64(b + 13, (uint64_t)ts);
	b[21] = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		size_t al = a[i].family == 4 ? 4 : 16;
		if (a[i].family != 4 && a[i].family != 6)
			return -1;
		if (cap - off < 2 + al)
			return -1;
		b[off] = a[i].family;
		b[off + 1] = a[i].bits;
		memcpy(b + off + 2, a[i].ip, al);
		off += 2 + al;
	}
	return (int)off;
}

#define ADDRS_BODY_MAX (8 + 5 + 8 + 1 + ZT_NETCONF_MAX_ADDRS * 18)

int zt_addrs_sign(const struct zt_inetaddr *a, unsigned n, uint64_t nwid, uint64_t issued_to,
                  int64_t ts, const struct zt_identity *controller, uint8_t sig[64])
{
	uint8_t b[1 + ADDRS_BODY_MAX];
	int k;
	if (!controller->has_secret)
		return ZT_EINVAL;
	k = addrs_body(a, n, nwid, issued_to, ts, b + 1, sizeof b - 1);
	if (k < 0)
		return ZT_EINVAL;
	cred_sign(CRED_ADDRS, b, (size_t)k, sig, controller->sk);
	return ZT_OK;
}

int zt_addrs_cred_encode(const struct zt_inetaddr *a, unsigned n, const uint8_t sig[64],
                         uint64_t nwid, uint64_t issued_to, int64_t ts, uint8_t *out, size_t cap)
{
	int k = addrs_body(a, n, nwid, issued_to, ts, out, cap);
	if (k < 0 || cap - (size_t)k < 64)
		return -1;
	memcpy(out + k, sig, 64);
	return k + 64;
}

int zt_addrs_cred_decode(const uint8_t *in, size_t len, const uint8_t controller_pk[32],
                         struct zt_inetaddr a[ZT_NETCONF_MAX_ADDRS], unsigned *n, uint64_t *nwid,
                         uint64_t *issued_to, int64_t *ts)
{
	size_t off = 22;

	if (len < off)
		return -1;
	*nwid = zt_get_u64(in);
	*issued_to = zt_get_u40(in + 8);
	*ts = (int64_t)zt_get_u64(in + 13);
	*n = in[21];
	if (*n > ZT_NETCONF_MAX_ADDRS)
		return -1;
	for (unsigned i = 0; i < *n; i++) {
		size_t al;
		if (len - off < 2)
			return -1;
		memset(&a[i], 0, sizeof a[i]);
		a[i].family = in[off];
		a[i].bits = in[off + 1];
		if ((a[i].family != 4 && a[i].family != 6) ||
		    a[i].bits > (a[i].family == 4 ? 32 : 128))
			return -1;
		al = a[i].family == 4 ? 4 : 16;
		if (len - off - 2 < al)
			return -1;
		memcpy(a[i].ip, in + off + 2, al);
		off += 2 + al;
	}
	if (len - off < 64 || *ts < 0 || !cred_verify(CRED_ADDRS, in, off, in + off, controller_pk))
		return -1;
	return (int)off + 64;
}
