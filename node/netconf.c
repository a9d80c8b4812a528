/* SPDX-License-Identifier: MIT */
/*
 * netconf.c - network configs and certificates of membership: the byte
 * codec, Ed25519 signing and verification (doc/PROTOCOL.md, "Managed
 * networks").  Pure: no state, no I/O.  The decoder takes hostile bytes:
 * every read is bounds-checked and every count capped.
 */
#include <sodium.h>
#include <string.h>

#include "netconf.h"
#include "rules.h"
#include "util.h"
#include "wire.h"

/* 2: the rules as entries, capabilities and tags (1 carried the rules as
 * JSON text, which members stored and did not enforce). */
#define NETCONF_VERSION            2
#define NETCONF_VERSION_JSON_RULES 1

uint64_t zt_nwid_controller(uint64_t nwid)
{
	return nwid >> 24;
}

/* ---- writer / reader ---- */

struct wr {
	uint8_t *p;
	size_t len, cap;
	bool full;
};

static uint8_t *wr_take(struct wr *w, size_t n)
{
	uint8_t *at;
	if (w->full || w->cap - w->len < n) {
		w->full = true;
		return NULL;
	}
	at = w->p + w->len;
	w->len += n;
	return at;
}
static void wr_u8(struct wr *w, uint8_t v)
{
	uint8_t *a = wr_take(w, 1);
	if (a)
		a[0] = v;
}
static void wr_u16(struct wr *w, uint16_t v)
{
	uint8_t *a = wr_take(w, 2);
	if (a)
		zt_put_u16(a, v);
}
static void wr_u32(struct wr *w, uint32_t v)
{
	uint8_t *a = wr_take(w, 4);
	if (a)
		zt_put_u32(a, v);
}
static void wr_u40(struct wr *w, uint64_t v)
{
	uint8_t *a = wr_take(w, 5);
	if (a)
		zt_put_u40(a, v);
}
static void wr_u64(struct wr *w, uint64_t v)
{
	uint8_t *a = wr_take(w, 8);
	if (a)
		zt_put_u64(a, v);
}
static void wr_bytes(struct wr *w, const void *b, size_t n)
{
	uint8_t *a = wr_take(w, n);
	if (a && n)
		memcpy(a, b, n);
}

struct rd {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

static const uint8_t *rd_take(struct rd *r, size_t n)
{
	const uint8_t *at;
	if (r->bad || r->len - r->off < n) {
		r->bad = true;
		return NULL;
	}
	at = r->p + r->off;
	r->off += n;
	return at;
}
static uint8_t rd_u8(struct rd *r)
{
	const uint8_t *a = rd_take(r, 1);
	return a ? a[0] : 0;
}
static uint16_t rd_u16(struct rd *r)
{
	const uint8_t *a = rd_take(r, 2);
	return a ? zt_get_u16(a) : 0;
}
static uint32_t rd_u32(struct rd *r)
{
	const uint8_t *a = rd_take(r, 4);
	return a ? zt_get_u32(a) : 0;
}
static uint64_t rd_u40(struct rd *r)
{
	const uint8_t *a = rd_take(r, 5);
	return a ? zt_get_u40(a) : 0;
}
static uint64_t rd_u64(struct rd *r)
{
	const uint8_t *a = rd_take(r, 8);
	return a ? zt_get_u64(a) : 0;
}

/* An address: family u8 (0, 4, 6) | bits u8 | 0, 4 or 16 bytes. */
static void wr_inet(struct wr *w, const struct zt_inetaddr *a)
{
	uint8_t fam = a->family == 4 || a->family == 6 ? a->family : 0;
	wr_u8(w, fam);
	wr_u8(w, a->bits);
	wr_bytes(w, a->ip, fam == 4 ? 4 : fam == 6 ? 16 : 0);
}
static void rd_inet(struct rd *r, struct zt_inetaddr *a)
{
	const uint8_t *ip;
	memset(a, 0, sizeof *a);
	a->family = rd_u8(r);
	a->bits = rd_u8(r);
	if (a->family == 0)
		return;
	if ((a->family != 4 && a->family != 6) || a->bits > (a->family == 4 ? 32 : 128)) {
		r->bad = true;
		return;
	}
	ip = rd_take(r, a->family == 4 ? 4 : 16);
	if (ip)
		memcpy(a->ip, ip, a->family == 4 ? 4 : 16);
}

/* Rules: as rules.c encodes them, one after the other. */
static void wr_rules(struct wr *w, const struct zt_rule *rules, unsigned n)
{
	int k;
	if (w->full)
		return;
	k = zt_rules_encode(rules, n, w->p + w->len, w->cap - w->len);
	if (k < 0)
		w->full = true;
	else
		w->len += (size_t)k;
}
static void rd_rules(struct rd *r, struct zt_rule *rules, unsigned n, unsigned max)
{
	int k;
	if (r->bad)
		return;
	k = zt_rules_decode(r->p + r->off, r->len - r->off, n, rules, max);
	if (k < 0)
		r->bad = true;
	else
		r->off += (size_t)k;
}

/* A string: len u8 | bytes (no NUL inside; fits cap with its NUL). */
static void wr_str(struct wr *w, const char *s, size_t cap)
{
	size_t n = 0;
	while (n < cap - 1 && s[n] != '\0')
		n++;
	if (n > 255)
		n = 255;
	wr_u8(w, (uint8_t)n);
	wr_bytes(w, s, n);
}
static void rd_str(struct rd *r, char *out, size_t cap)
{
	size_t n = rd_u8(r);
	const uint8_t *b = rd_take(r, n);
	out[0] = '\0';
	if (b == NULL)
		return;
	if (n >= cap || memchr(b, 0, n) != NULL) {
		r->bad = true;
		return;
	}
	memcpy(out, b, n);
	out[n] = '\0';
}

/* ---- certificates of membership ---- */

/* nwid u64 | issued_to u40 | timestamp u64 | max_delta u64 */
#define COM_BODY 29

static void com_body(const struct zt_com *c, uint8_t out[COM_BODY])
{
	zt_put_u64(out, c->nwid);
	zt_put_u40(out + 8, c->issued_to);
	zt_put_u64(out + 13, (uint64_t)c->timestamp);
	zt_put_u64(out + 21, (uint64_t)c->max_delta);
}

int zt_com_sign(struct zt_com *com, const struct zt_identity *controller)
{
	uint8_t body[COM_BODY];
	if (!controller->has_secret)
		return ZT_EINVAL;
	com_body(com, body);
	crypto_sign_detached(com->sig, NULL, body, sizeof body, controller->sk);
	return ZT_OK;
}

int zt_com_verify(const struct zt_com *com, const uint8_t controller_pk[32])
{
	uint8_t body[COM_BODY];
	com_body(com, body);
	if (com->max_delta < 0 || com->timestamp < 0)
		return ZT_EINVAL;
	return crypto_sign_verify_detached(com->sig, body, sizeof body, controller_pk) == 0
	           ? ZT_OK
	           : ZT_ESIG;
}

bool zt_com_agree(const struct zt_com *a, const struct zt_com *b)
{
	int64_t d, md;
	if (a->nwid != b->nwid || a->timestamp <= 0 || b->timestamp <= 0)
		return false;
	d = a->timestamp > b->timestamp ? a->timestamp - b->timestamp : b->timestamp - a->timestamp;
	/* The stricter of the two windows applies. */
	md = a->max_delta < b->max_delta ? a->max_delta : b->max_delta;
	return d <= md;
}

size_t zt_com_encode(const struct zt_com *c, uint8_t out[ZT_COM_LEN])
{
	com_body(c, out);
	memcpy(out + COM_BODY, c->sig, 64);
	return ZT_COM_LEN;
}

int zt_com_decode(struct zt_com *c, const uint8_t *in, size_t len)
{
	if (len < ZT_COM_LEN)
		return ZT_EINVAL;
	c->nwid = zt_get_u64(in);
	c->issued_to = zt_get_u40(in + 8);
	c->timestamp = (int64_t)zt_get_u64(in + 13);
	c->max_delta = (int64_t)zt_get_u64(in + 21);
	memcpy(c->sig, in + COM_BODY, 64);
	if (c->timestamp < 0 || c->max_delta < 0)
		return ZT_EINVAL;
	return ZT_OK;
}

/* ---- configs ---- */

bool zt_netconf_label_ok(const char *s)
{
	size_t n = 0;
	for (; s[n] != '\0'; n++) {
		char ch = s[n];
		if (n >= ZT_NETCONF_LABEL_MAX - 1 ||
		    !((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
			return false;
	}
	return n > 0 && s[0] != '-' && s[n - 1] != '-';
}

/* The names, after the COM (doc/PROTOCOL.md "Names"): absent when there
 * are none, so that a config without names is the same bytes as before
 * names existed.  As many entries as fit both the buffer and
 * ZT_NETCONF_NAMES_BYTES go; the rest are left out (the list is bounded,
 * not the network). */
static void wr_names(struct wr *w, const struct zt_netconf *c)
{
	unsigned n = c->name_count < ZT_NETCONF_MAX_NAMES ? c->name_count : ZT_NETCONF_MAX_NAMES;
	size_t start = w->len, budget;
	unsigned put = 0;
	uint8_t *count;

	if (n == 0 || w->full)
		return;
	budget =
	    w->cap - w->len < ZT_NETCONF_NAMES_BYTES ? w->cap - w->len : ZT_NETCONF_NAMES_BYTES;
	if (budget < 2)
		return;
	count = w->p + w->len;
	w->len += 2;
	for (unsigned i = 0; i < n; i++) {
		const struct zt_netconf_name *e = &c->names[i];
		unsigned na =
		    e->addr_count < ZT_NETCONF_NAME_ADDRS ? e->addr_count : ZT_NETCONF_NAME_ADDRS;
		size_t need = 5 + 1 + strlen(e->label) + 1;
		struct wr sub;
		if (!zt_netconf_label_ok(e->label) || na == 0)
			continue; /* the decoder would refuse it */
		for (unsigned k = 0; k < na; k++)
			need += 2 + (e->addrs[k].family == 4   ? 4
			             : e->addrs[k].family == 6 ? 16
			                                       : 0);
		if (need > budget - (w->len - start))
			break;
		sub = (struct wr){w->p, w->len, w->cap, false};
		wr_u40(&sub, e->member);
		wr_str(&sub, e->label, sizeof e->label);
		wr_u8(&sub, (uint8_t)na);
		for (unsigned k = 0; k < na; k++)
			wr_inet(&sub, &e->addrs[k]);
		w->len = sub.len;
		put++;
	}
	if (put == 0)
		w->len = start; /* none fitted: the section is absent */
	else
		zt_put_u16(count, (uint16_t)put);
}

static void rd_names(struct rd *r, struct zt_netconf *c)
{
	size_t start = r->off;
	unsigned n = rd_u16(r);

	if (n == 0 || n > ZT_NETCONF_MAX_NAMES) {
		r->bad = true; /* absent, not empty: the encoding is canonical */
		return;
	}
	c->name_count = n;
	for (unsigned i = 0; i < n && !r->bad; i++) {
		struct zt_netconf_name *e = &c->names[i];
		e->member = rd_u40(r);
		rd_str(r, e->label, sizeof e->label);
		e->addr_count = rd_u8(r);
		if (r->bad || !zt_netconf_label_ok(e->label) || e->addr_count == 0 ||
		    e->addr_count > ZT_NETCONF_NAME_ADDRS) {
			r->bad = true;
			return;
		}
		for (unsigned k = 0; k < e->addr_count && !r->bad; k++) {
			rd_inet(r, &e->addrs[k]);
			if (e->addrs[k].family == 0)
				r->bad = true;
		}
	}
	if (r->off - start > ZT_NETCONF_NAMES_BYTES)
		r->bad = true;
}

int zt_netconf_encode(const struct zt_netconf *c, uint8_t *out, size_t cap)
{
	struct wr w = {out, 0, cap, false};
	unsigned na = c->addr_count < ZT_NETCONF_MAX_ADDRS ? c->addr_count : ZT_NETCONF_MAX_ADDRS;
	unsigned nr =
	    c->route_count < ZT_NETCONF_MAX_ROUTES ? c->route_count : ZT_NETCONF_MAX_ROUTES;
	unsigned nd = c->dns_count < ZT_NETCONF_MAX_DNS ? c->dns_count : ZT_NETCONF_MAX_DNS;
	unsigned nrules = c->rule_count < ZT_RULES_MAX ? c->rule_count : ZT_RULES_MAX;
	unsigned ncaps = c->cap_count < ZT_CAPS_MAX ? c->cap_count : ZT_CAPS_MAX;
	unsigned ntags = c->tag_count < ZT_TAGS_MAX ? c->tag_count : ZT_TAGS_MAX;
	unsigned cap_rules = 0;
	unsigned nb =
	    c->bridge_count < ZT_NETCONF_MAX_BRIDGES ? c->bridge_count : ZT_NETCONF_MAX_BRIDGES;
	uint8_t com[ZT_COM_LEN];

	wr_u8(&w, NETCONF_VERSION);
	wr_u64(&w, c->nwid);
	wr_u40(&w, c->issued_to);
	wr_u64(&w, (uint64_t)c->timestamp);
	wr_u64(&w, c->revision);
	wr_u32(&w, c->flags);
	wr_u16(&w, c->mtu);
	wr_u32(&w, c->multicast_limit);
	wr_str(&w, c->name, sizeof c->name);
	wr_u8(&w, (uint8_t)na);
	for (unsigned i = 0; i < na; i++)
		wr_inet(&w, &c->addrs[i]);
	wr_u8(&w, (uint8_t)nr);
	for (unsigned i = 0; i < nr; i++) {
		wr_inet(&w, &c->routes[i].target);
		wr_inet(&w, &c->routes[i].via);
		wr_u16(&w, c->routes[i].flags);
		wr_u16(&w, c->routes[i].metric);
	}
	wr_str(&w, c->dns_domain, sizeof c->dns_domain);
	wr_u8(&w, (uint8_t)nd);
	for (unsigned i = 0; i < nd; i++)
		wr_inet(&w, &c->dns[i]);
	wr_u16(&w, (uint16_t)nrules);
	wr_rules(&w, c->rules, nrules);
	wr_u8(&w, (uint8_t)ncaps);
	for (unsigned i = 0; i < ncaps; i++) {
		const struct zt_cap *k = &c->caps[i];
		unsigned nk = k->rule_count < ZT_CAP_RULES_MAX ? k->rule_count : ZT_CAP_RULES_MAX;
		cap_rules += nk;
		wr_u32(&w, k->id);
		wr_u8(&w, (uint8_t)nk);
		wr_rules(&w, k->rules, nk);
		wr_bytes(&w, k->sig, 64);
	}
	if (cap_rules > ZT_CAP_RULES_TOTAL)
		return ZT_ERANGE;
	wr_u8(&w, (uint8_t)ntags);
	for (unsigned i = 0; i < ntags; i++) {
		wr_u32(&w, c->tags[i].id);
		wr_u32(&w, c->tags[i].value);
		wr_bytes(&w, c->tags[i].sig, 64);
	}
	wr_bytes(&w, c->addrs_sig, 64);
	wr_u8(&w, (uint8_t)nb);
	for (unsigned i = 0; i < nb; i++)
		wr_u40(&w, c->bridges[i]);
	zt_com_encode(&c->com, com);
	wr_bytes(&w, com, sizeof com);
	wr_names(&w, c);
	return w.full ? ZT_ERANGE : (int)w.len;
}

int zt_netconf_decode(struct zt_netconf *c, const uint8_t *in, size_t len)
{
	struct rd r = {in, len, 0, false};
	const uint8_t *b;
	unsigned n, version;

	memset(c, 0, sizeof *c);
	version = rd_u8(&r);
	if (version != NETCONF_VERSION && version != NETCONF_VERSION_JSON_RULES)
		return ZT_EINVAL;
	c->nwid = rd_u64(&r);
	c->issued_to = rd_u40(&r);
	c->timestamp = (int64_t)rd_u64(&r);
	c->revision = rd_u64(&r);
	c->flags = rd_u32(&r);
	c->mtu = rd_u16(&r);
	c->multicast_limit = rd_u32(&r);
	rd_str(&r, c->name, sizeof c->name);
	n = rd_u8(&r);
	if (n > ZT_NETCONF_MAX_ADDRS)
		return ZT_EINVAL;
	c->addr_count = n;
	for (unsigned i = 0; i < n && !r.bad; i++)
		rd_inet(&r, &c->addrs[i]);
	n = rd_u8(&r);
	if (n > ZT_NETCONF_MAX_ROUTES)
		return ZT_EINVAL;
	c->route_count = n;
	for (unsigned i = 0; i < n && !r.bad; i++) {
		rd_inet(&r, &c->routes[i].target);
		rd_inet(&r, &c->routes[i].via);
		c->routes[i].flags = rd_u16(&r);
		c->routes[i].metric = rd_u16(&r);
	}
	rd_str(&r, c->dns_domain, sizeof c->dns_domain);
	n = rd_u8(&r);
	if (n > ZT_NETCONF_MAX_DNS)
		return ZT_EINVAL;
	c->dns_count = n;
	for (unsigned i = 0; i < n && !r.bad; i++)
		rd_inet(&r, &c->dns[i]);
	n = rd_u16(&r);
	if (version == NETCONF_VERSION_JSON_RULES) {
		/* An older controller's config: its rules were never
		 * enforced, so they mean "accept" (as they did). */
		if (n >= 4096)
			return ZT_EINVAL;
		(void)rd_take(&r, n);
		c->rule_count = 1;
		c->rules[0].t = ZT_RULE_ACCEPT;
		goto bridges;
	}
	if (n > ZT_RULES_MAX)
		return ZT_EINVAL;
	c->rule_count = n;
	rd_rules(&r, c->rules, n, ZT_RULES_MAX);
	n = rd_u8(&r);
	if (n > ZT_CAPS_MAX)
		return ZT_EINVAL;
	c->cap_count = n;
	for (unsigned i = 0, total = 0; i < n && !r.bad; i++) {
		struct zt_cap *k = &c->caps[i];
		k->id = rd_u32(&r);
		k->rule_count = rd_u8(&r);
		total += k->rule_count;
		if (k->rule_count > ZT_CAP_RULES_MAX || total > ZT_CAP_RULES_TOTAL)
			return ZT_EINVAL;
		rd_rules(&r, k->rules, k->rule_count, ZT_CAP_RULES_MAX);
		b = rd_take(&r, 64);
		if (b != NULL)
			memcpy(k->sig, b, 64);
		/* Each id once: a member shows each capability once. */
		for (unsigned j = 0; j < i; j++)
			if (c->caps[j].id == k->id)
				return ZT_EINVAL;
	}
	n = rd_u8(&r);
	if (n > ZT_TAGS_MAX)
		return ZT_EINVAL;
	c->tag_count = n;
	for (unsigned i = 0; i < n && !r.bad; i++) {
		c->tags[i].id = rd_u32(&r);
		c->tags[i].value = rd_u32(&r);
		b = rd_take(&r, 64);
		if (b != NULL)
			memcpy(c->tags[i].sig, b, 64);
		if (i > 0 && c->tags[i].id <= c->tags[i - 1].id)
			return ZT_EINVAL; /* sorted, each id once */
	}
	b = rd_take(&r, 64);
	if (b != NULL)
		memcpy(c->addrs_sig, b, 64);
bridges:
	n = rd_u8(&r);
	if (n > ZT_NETCONF_MAX_BRIDGES)
		return ZT_EINVAL;
	c->bridge_count = n;
	for (unsigned i = 0; i < n && !r.bad; i++)
		c->bridges[i] = rd_u40(&r);
	b = rd_take(&r, ZT_COM_LEN);
	if (b != NULL && r.off < len)
		rd_names(&r, c);
	if (r.bad || r.off != len || b == NULL)
		return ZT_EINVAL;
	if (zt_com_decode(&c->com, b, ZT_COM_LEN) != ZT_OK || c->timestamp < 0)
		return ZT_EINVAL;
	/* The certificate must be about this config's member and network. */
	if (c->com.nwid != c->nwid || c->com.issued_to != c->issued_to)
		return ZT_EINVAL;
	return ZT_OK;
}
