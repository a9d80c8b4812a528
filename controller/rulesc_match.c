/* SPDX-License-Identifier: MIT */
/*
 * rulesc_match.c - one match of a rule (see rulesc_int.h): its keyword,
 * its arguments and their values (addresses, numbers and ranges, names of
 * ethertypes, IP protocols and characteristics, a tag's names), checked
 * and rendered as ZeroTier's controller renders the match.
 */
#include "controller/rulesc_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The text of a word token, NUL-terminated, in buf (words are at most
 * ZT_RULESC_WORD_MAX bytes). */
static const char *word(const struct rc *c, uint32_t i, char *buf)
{
	memcpy(buf, c->text + c->t[i].off, c->t[i].len);
	buf[c->t[i].len] = '\0';
	return buf;
}

struct named {
	const char *name;
	unsigned value;
};

static const struct named ethertypes[] = {
    {"ipv4", 0x0800},  {"arp", 0x0806},  {"wol", 0x0842},   {"rarp", 0x8035},  {"ipv6", 0x86dd},
    {"atalk", 0x809b}, {"aarp", 0x80f3}, {"ipx_a", 0x8137}, {"ipx_b", 0x8138}, {NULL, 0}};

static const struct named ip_protocols[] = {
    {"icmp", 0x01}, {"icmp4", 0x01},   {"icmpv4", 0x01}, {"igmp", 0x02},   {"ipip", 0x04},
    {"tcp", 0x06},  {"egp", 0x08},     {"igp", 0x09},    {"udp", 0x11},    {"rdp", 0x1b},
    {"esp", 0x32},  {"ah", 0x33},      {"icmp6", 0x3a},  {"icmpv6", 0x3a}, {"l2tp", 0x73},
    {"sctp", 0x84}, {"udplite", 0x88}, {NULL, 0}};

/* Bit numbers of the characteristics (ZeroTier's, 0 the least
 * significant). */
static const struct named characteristics[] = {
    {"inbound", 63}, {"multicast", 62}, {"broadcast", 61}, {"ipauth", 60}, {"macauth", 59},
    {"tcp_fin", 0},  {"tcp_syn", 1},    {"tcp_rst", 2},    {"tcp_psh", 3}, {"tcp_ack", 4},
    {"tcp_urg", 5},  {"tcp_ece", 6},    {"tcp_cwr", 7},    {"tcp_ns", 8},  {"tcp_rs2", 9},
    {"tcp_rs1", 10}, {"tcp_rs0", 11},   {NULL, 0}};

static bool lookup(const struct rc *c, uint32_t i, const struct named *tab, uint64_t *out)
{
	for (; tab->name; tab++)
		if (zt_rulesc_tok_is(c, i, tab->name)) {
			*out = tab->value;
			return true;
		}
	return false;
}

enum mk {
	M_ZT,
	M_NUM,
	M_ETHERTYPE,
	M_IPPROTO,
	M_MAC,
	M_IP,
	M_TOS,
	M_ICMP,
	M_RANGE,
	M_CHR,
	M_RANDOM,
	M_TAG,
	M_NONE /* no argument */
};

struct mdef {
	const char *kw;
	enum mk kind;
	const char *type, *type6; /* type6: for an IPv6 address */
	const char *field;
	uint32_t max;
	const char *what;
};

static const struct mdef mdefs[] = {
    {"ztsrc", M_ZT, "MATCH_SOURCE_ZEROTIER_ADDRESS", NULL, "zt", 0,
     "a ZeroTier address (10 hex digits)"},
    {"ztdest", M_ZT, "MATCH_DEST_ZEROTIER_ADDRESS", NULL, "zt", 0,
     "a ZeroTier address (10 hex digits)"},
    {"vlan", M_NUM, "MATCH_VLAN_ID", NULL, "vlanId", 4095, "a VLAN id (0-4095)"},
    {"vlanpcp", M_NUM, "MATCH_VLAN_PCP", NULL, "vlanPcp", 7, "a VLAN priority (0-7)"},
    {"vlandei", M_NUM, "MATCH_VLAN_DEI", NULL, "vlanDei", 1, "a VLAN DEI bit (0 or 1)"},
    {"ethertype", M_ETHERTYPE, "MATCH_ETHERTYPE", NULL, "etherType", 0xffff,
     "an ethertype (0-65535, or ipv4, arp, ipv6, wol, rarp, atalk, aarp, ipx_a, ipx_b)"},
    {"macsrc", M_MAC, "MATCH_MAC_SOURCE", NULL, "mac", 0, "a MAC address (12 hex digits)"},
    {"macdest", M_MAC, "MATCH_MAC_DEST", NULL, "mac", 0, "a MAC address (12 hex digits)"},
    {"ipsrc", M_IP, "MATCH_IPV4_SOURCE", "MATCH_IPV6_SOURCE", "ip", 0,
     "an IPv4 or IPv6 address or network (address/bits)"},
    {"ipdest", M_IP, "MATCH_IPV4_DEST", "MATCH_IPV6_DEST", "ip", 0,
     "an IPv4 or IPv6 address or network (address/bits)"},
    {"iptos", M_TOS, "MATCH_IP_TOS", NULL, NULL, 0xff, "a TOS mask (0-255)"},
    {"ipprotocol", M_IPPROTO, "MATCH_IP_PROTOCOL", NULL, "ipProtocol", 0xff,
     "an IP protocol (0-255, or tcp, udp, icmp, icmp6, ...)"},
    {"icmp", M_ICMP, "MATCH_ICMP", NULL, NULL, 0xff, "an ICMP type (0-255)"},
    {"sport", M_RANGE, "MATCH_IP_SOURCE_PORT_RANGE", NULL, NULL, 0xffff,
     "a port or port range (0-65535)"},
    {"dport", M_RANGE, "MATCH_IP_DEST_PORT_RANGE", NULL, NULL, 0xffff,
     "a port or port range (0-65535)"},
    {"framesize", M_RANGE, "MATCH_FRAME_SIZE_RANGE", NULL, NULL, 0xffff,
     "a frame size or size range (0-65535)"},
    {"chr", M_CHR, "MATCH_CHARACTERISTICS", NULL, "mask", 0,
     "a characteristic (tcp_syn, inbound, ipauth, ... or a bit 0-63)"},
    {"random", M_RANDOM, "MATCH_RANDOM", NULL, "probability", 0, "a probability from 0.0 to 1.0"},
    {"tand", M_TAG, "MATCH_TAGS_BITWISE_AND", NULL, NULL, 0, "a tag name or id"},
    {"tor", M_TAG, "MATCH_TAGS_BITWISE_OR", NULL, NULL, 0, "a tag name or id"},
    {"txor", M_TAG, "MATCH_TAGS_BITWISE_XOR", NULL, NULL, 0, "a tag name or id"},
    {"tdiff", M_TAG, "MATCH_TAGS_DIFFERENCE", NULL, NULL, 0, "a tag name or id"},
    {"teq", M_TAG, "MATCH_TAGS_EQUAL", NULL, NULL, 0, "a tag name or id"},
    {"tseq", M_TAG, "MATCH_TAG_SENDER", NULL, NULL, 0, "a tag name or id"},
    {"treq", M_TAG, "MATCH_TAG_RECEIVER", NULL, NULL, 0, "a tag name or id"},
    /* zt's: the frame belongs to a flow an accept let through. */
    {"established", M_NONE, "MATCH_ESTABLISHED", NULL, NULL, 0, NULL},
};

#define NMDEFS (sizeof mdefs / sizeof mdefs[0])

static const struct mdef *find_mdef(const struct rc *c, uint32_t i)
{
	for (size_t k = 0; k < NMDEFS; k++)
		if (zt_rulesc_tok_is(c, i, mdefs[k].kw))
			return &mdefs[k];
	return NULL;
}

bool zt_rulesc_match_keyword(const struct rc *c, uint32_t i)
{
	return find_mdef(c, i) != NULL;
}

static int set_int(struct rc *c, json_t *o, const char *k, json_int_t v)
{
	return json_object_set_new(o, k, json_integer(v)) < 0 ? zt_rulesc_oom(c) : 0;
}

static int set_str(struct rc *c, json_t *o, const char *k, const char *v)
{
	return json_object_set_new(o, k, json_string(v)) < 0 ? zt_rulesc_oom(c) : 0;
}

/* An IP match's value into o (NULL: check only). */
static int ip_value(struct rc *c, const struct mdef *d, uint32_t i, json_t *o)
{
	char buf[ZT_RULESC_WORD_MAX + 1], out[INET6_ADDRSTRLEN + 8];
	unsigned char a[16];
	char *slash;
	uint64_t bits;
	bool v6;

	word(c, i, buf);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	v6 = strchr(buf, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, a) != 1 ||
	    (slash != NULL &&
	     !zt_rulesc_tok_num_text(slash + 1, strlen(slash + 1), v6 ? 128 : 32, &bits)))
		return zt_rulesc_expected(c, i, "%s after '%s'", d->what, d->kw);
	if (slash == NULL) /* a lone address is a host */
		bits = v6 ? 128 : 32;
	if (o == NULL)
		return 0;
	inet_ntop(v6 ? AF_INET6 : AF_INET, a, out, INET6_ADDRSTRLEN);
	snprintf(out + strlen(out), 8, "/%u", (unsigned)bits);
	if (set_str(c, o, "type", v6 ? d->type6 : d->type) < 0)
		return -ENOMEM;
	return set_str(c, o, d->field, out);
}

static int mac_value(struct rc *c, const struct mdef *d, uint32_t i, json_t *o)
{
	const char *s = c->text + c->t[i].off;
	char out[18];
	unsigned n = 0;

	/* 12 hex digits, in any grouping by ':', '-' or '.'. */
	for (uint32_t k = 0; k < c->t[i].len; k++) {
		char ch = s[k];
		if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')) {
			if (n == 12)
				return zt_rulesc_expected(c, i, "%s after '%s'", d->what, d->kw);
			out[n / 2 * 3 + n % 2] = ch;
			if (n % 2 == 1 && n < 11)
				out[n / 2 * 3 + 2] = ':';
			n++;
		} else if (ch != ':' && ch != '-' && ch != '.') {
			return zt_rulesc_expected(c, i, "%s after '%s'", d->what, d->kw);
		}
	}
	if (n != 12)
		return zt_rulesc_expected(c, i, "%s after '%s'", d->what, d->kw);
	out[17] = '\0';
	return o ? set_str(c, o, d->field, out) : 0;
}

static int random_value(struct rc *c, const struct mdef *d, uint32_t i, json_t *o)
{
	char buf[ZT_RULESC_WORD_MAX + 1];
	unsigned digits = 0, dots = 0, other = 0;
	double p;

	word(c, i, buf);
	for (char *s = buf; *s; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (*s == '.')
			dots++;
		else
			other++;
	}
	/* strtod: the programs keep the C locale, so '.' is the point. */
	p = (digits > 0 && digits < 40 && dots <= 1 && other == 0) ? strtod(buf, NULL) : -1.0;
	if (!(p >= 0.0 && p <= 1.0))
		return zt_rulesc_expected(c, i, "%s after '%s'", d->what, d->kw);
	/* As ZeroTier's compiler: the chance out of 2^32-1. */
	return o ? set_int(c, o, d->field, (json_int_t)(4294967295.0 * p)) : 0;
}

/* The value of a tag match: a number, or a flag or enum name of tg (a
 * flag first, as ZeroTier's compiler looks them up; a default looks for an
 * enum first). */
static int tag_value(struct rc *c, const struct tag *tg, uint32_t i, uint32_t kw, uint64_t *v)
{
	const struct name *nm;

	if (tg != NULL && ((nm = zt_rulesc_def_find_name(c, tg, i, true)) != NULL ||
	                   (nm = zt_rulesc_def_find_name(c, tg, i, false)) != NULL)) {
		*v = nm->value;
		return 0;
	}
	if (zt_rulesc_tok_num(c, i, UINT32_MAX, v))
		return 0;
	if (tg != NULL)
		return zt_rulesc_expected(
		    c, i,
		    "a value of tag '%.*s' after '%.*s' (a number, or one of its "
		    "enum or flag names)",
		    (int)c->t[tg->name].len, c->src + c->t[tg->name].off, (int)c->t[kw].len,
		    c->src + c->t[kw].off);
	return zt_rulesc_expected(c, i, "a tag value (0-4294967295) after '%.*s'",
	                          (int)c->t[kw].len, c->src + c->t[kw].off);
}

/* The characteristics list of chr at c->p: names or bits, comma separated. */
static int chr_list(struct rc *c, const struct env *env, uint32_t kw, const struct mdef *d,
                    uint64_t *mask, bool *unresolved)
{
	*mask = 0;
	*unresolved = false;
	for (unsigned n = 0;; n++) {
		uint32_t v;
		uint64_t bit;

		if (n == LIST_MAX)
			return zt_rulesc_expected(c, c->p, "at most %d characteristics", LIST_MAX);
		if (zt_rulesc_rule_arg(c, env, kw, d->what, &v) < 0)
			return -EINVAL;
		if (v == UNRESOLVED)
			*unresolved = true;
		else if (!lookup(c, v, characteristics, &bit) && !zt_rulesc_tok_num(c, v, 63, &bit))
			return zt_rulesc_expected(c, v, "%s after '%s'", d->what, d->kw);
		else
			*mask |= UINT64_C(1) << bit;
		if (c->t[c->p].kind != TK_COMMA)
			return 0;
		c->p++;
	}
}

/*
 * One match at c->p (its keyword) with its arguments; rendered into the
 * sink when there is one.  Values are checked when known: in check mode a
 * macro parameter is not, nor is a tag (it may be defined further on).
 */
int zt_rulesc_match(struct rc *c, const struct env *env, const struct sink *s, bool not_, bool or_)
{
	uint32_t kw = c->p, a0 = UNRESOLVED, a1 = UNRESOLVED;
	const struct mdef *d = find_mdef(c, kw);
	uint64_t x, y, mask = 0;
	int64_t code;
	bool unresolved = false;
	json_t *o = NULL;
	char hex[24];
	int r = -EINVAL;

	c->p++;
	if (d->kind == M_CHR) {
		if (chr_list(c, env, kw, d, &mask, &unresolved) < 0)
			return -EINVAL;
	} else if (d->kind != M_NONE) {
		if (zt_rulesc_rule_arg(c, env, kw, d->what, &a0) < 0)
			return -EINVAL;
		if (d->kind == M_TOS &&
		    zt_rulesc_rule_arg(c, env, kw, "a TOS value or range (0-255)", &a1) < 0)
			return -EINVAL;
		if (d->kind == M_ICMP &&
		    zt_rulesc_rule_arg(c, env, kw, "an ICMP code (0-255, or -1 for any)", &a1) < 0)
			return -EINVAL;
		if (d->kind == M_TAG &&
		    zt_rulesc_rule_arg(c, env, kw,
		                       "a tag value (a number, or an enum or flag name)", &a1) < 0)
			return -EINVAL;
		unresolved = a0 == UNRESOLVED ||
		             ((d->kind == M_TOS || d->kind == M_ICMP || d->kind == M_TAG) &&
		              a1 == UNRESOLVED);
	}
	if (unresolved || (s == NULL && d->kind == M_TAG))
		return 0;
	if (s != NULL) {
		o = json_pack("{s:s, s:b, s:b}", "type", d->type, "not", not_, "or", or_);
		if (o == NULL)
			return zt_rulesc_oom(c);
	}
	switch (d->kind) {
	case M_ZT:
		if (!zt_rulesc_tok_hex(c, a0, 10, &x)) {
			zt_rulesc_expected(c, a0, "%s after '%s'", d->what, d->kw);
			goto out;
		}
		snprintf(hex, sizeof hex, "%010" PRIx64, x);
		if (o && set_str(c, o, d->field, hex) < 0)
			goto out;
		break;
	case M_NUM:
	case M_ETHERTYPE:
	case M_IPPROTO:
		if (!(d->kind == M_ETHERTYPE && lookup(c, a0, ethertypes, &x)) &&
		    !(d->kind == M_IPPROTO && lookup(c, a0, ip_protocols, &x)) &&
		    !zt_rulesc_tok_num(c, a0, d->max, &x)) {
			zt_rulesc_expected(c, a0, "%s after '%s'", d->what, d->kw);
			goto out;
		}
		if (o && set_int(c, o, d->field, (json_int_t)x) < 0)
			goto out;
		break;
	case M_MAC:
		if (mac_value(c, d, a0, o) < 0)
			goto out;
		break;
	case M_IP:
		if (ip_value(c, d, a0, o) < 0)
			goto out;
		break;
	case M_TOS:
		if (!zt_rulesc_tok_num(c, a0, 0xff, &mask)) {
			zt_rulesc_expected(c, a0, "%s after '%s'", d->what, d->kw);
			goto out;
		}
		if (!zt_rulesc_tok_range(c, a1, 0xff, &x, &y)) {
			zt_rulesc_expected(c, a1, "a TOS value or range (0-255) after '%s %.*s'",
			                   d->kw, (int)c->t[a0].len, c->src + c->t[a0].off);
			goto out;
		}
		if (o && (set_int(c, o, "mask", (json_int_t)mask) < 0 ||
		          set_int(c, o, "start", (json_int_t)x) < 0 ||
		          set_int(c, o, "end", (json_int_t)y) < 0))
			goto out;
		break;
	case M_ICMP:
		if (!zt_rulesc_tok_num(c, a0, 0xff, &x)) {
			zt_rulesc_expected(c, a0, "%s after '%s'", d->what, d->kw);
			goto out;
		}
		if (!zt_rulesc_tok_num_or_minus1(c, a1, 0xff, &code)) {
			zt_rulesc_expected(c, a1,
			                   "an ICMP code (0-255, or -1 for any) after '%s %.*s'",
			                   d->kw, (int)c->t[a0].len, c->src + c->t[a0].off);
			goto out;
		}
		if (o && (set_int(c, o, "icmpType", (json_int_t)x) < 0 ||
		          json_object_set_new(o, "icmpCode",
		                              code < 0 ? json_null() : json_integer(code)) < 0))
			goto out;
		break;
	case M_RANGE:
		if (!zt_rulesc_tok_range(c, a0, d->max, &x, &y)) {
			zt_rulesc_expected(c, a0, "%s after '%s'", d->what, d->kw);
			goto out;
		}
		if (o && (set_int(c, o, "start", (json_int_t)x) < 0 ||
		          set_int(c, o, "end", (json_int_t)y) < 0))
			goto out;
		break;
	case M_CHR:
		snprintf(hex, sizeof hex, "%016" PRIx64, mask);
		if (o && set_str(c, o, d->field, hex) < 0)
			goto out;
		break;
	case M_RANDOM:
		if (random_value(c, d, a0, o) < 0)
			goto out;
		break;
	case M_NONE: break;
	case M_TAG: {
		/* Render mode only: every tag is defined by now. */
		const struct tag *tg = zt_rulesc_def_find_tag(c, a0);

		if (tg != NULL) {
			x = tg->id;
		} else if (!zt_rulesc_tok_num(c, a0, UINT32_MAX, &x)) {
			zt_rulesc_expected(
			    c, a0,
			    "a tag name or id (0-4294967295) after '%s' (no tag '%.*s' is "
			    "defined)",
			    d->kw, (int)c->t[a0].len, c->src + c->t[a0].off);
			goto out;
		}
		if (tag_value(c, tg, a1, kw, &y) < 0 || set_int(c, o, "id", (json_int_t)x) < 0 ||
		    set_int(c, o, "value", (json_int_t)y) < 0)
			goto out;
		break;
	}
	}
	if (o == NULL)
		return 0;
	r = zt_rulesc_rule_emit(c, s, kw, o);
	o = NULL;
out:
	json_decref(o);
	return r;
}
