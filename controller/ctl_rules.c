/* SPDX-License-Identifier: MIT */
/*
 * ctl_rules.c - rules, capabilities and tags in ZeroTier's JSON (see
 * ctl_rules.h).
 */
#include "controller/ctl_rules.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ctl_json.h"

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		snprintf(err, errcap, __VA_ARGS__);                                                \
		return -EINVAL;                                                                    \
	} while (0)

static const struct {
	const char *name;
	unsigned type;
} types[] = {
    {"ACTION_DROP", ZT_RULE_DROP},
    {"ACTION_ACCEPT", ZT_RULE_ACCEPT},
    {"ACTION_TEE", ZT_RULE_TEE},
    {"ACTION_WATCH", ZT_RULE_WATCH},
    {"ACTION_REDIRECT", ZT_RULE_REDIRECT},
    {"ACTION_BREAK", ZT_RULE_BREAK},
    {"ACTION_PRIORITY", ZT_RULE_PRIORITY},
    {"MATCH_SOURCE_ZEROTIER_ADDRESS", ZT_RULE_ZT_SRC},
    {"MATCH_DEST_ZEROTIER_ADDRESS", ZT_RULE_ZT_DEST},
    {"MATCH_VLAN_ID", ZT_RULE_VLAN_ID},
    {"MATCH_VLAN_PCP", ZT_RULE_VLAN_PCP},
    {"MATCH_VLAN_DEI", ZT_RULE_VLAN_DEI},
    {"MATCH_MAC_SOURCE", ZT_RULE_MAC_SRC},
    {"MATCH_MAC_DEST", ZT_RULE_MAC_DEST},
    {"MATCH_IPV4_SOURCE", ZT_RULE_IPV4_SRC},
    {"MATCH_IPV4_DEST", ZT_RULE_IPV4_DEST},
    {"MATCH_IPV6_SOURCE", ZT_RULE_IPV6_SRC},
    {"MATCH_IPV6_DEST", ZT_RULE_IPV6_DEST},
    {"MATCH_IP_TOS", ZT_RULE_IP_TOS},
    {"MATCH_IP_PROTOCOL", ZT_RULE_IP_PROTOCOL},
    {"MATCH_ETHERTYPE", ZT_RULE_ETHERTYPE},
    {"MATCH_ICMP", ZT_RULE_ICMP},
    {"MATCH_IP_SOURCE_PORT_RANGE", ZT_RULE_SPORT},
    {"MATCH_IP_DEST_PORT_RANGE", ZT_RULE_DPORT},
    {"MATCH_CHARACTERISTICS", ZT_RULE_CHARACTERISTICS},
    {"MATCH_FRAME_SIZE_RANGE", ZT_RULE_FRAME_SIZE},
    {"MATCH_RANDOM", ZT_RULE_RANDOM},
    {"MATCH_TAGS_DIFFERENCE", ZT_RULE_TAGS_DIFFERENCE},
    {"MATCH_TAGS_BITWISE_AND", ZT_RULE_TAGS_AND},
    {"MATCH_TAGS_BITWISE_OR", ZT_RULE_TAGS_OR},
    {"MATCH_TAGS_BITWISE_XOR", ZT_RULE_TAGS_XOR},
    {"MATCH_TAGS_EQUAL", ZT_RULE_TAGS_EQUAL},
    {"MATCH_TAG_SENDER", ZT_RULE_TAG_SENDER},
    {"MATCH_TAG_RECEIVER", ZT_RULE_TAG_RECEIVER},
    {"INTEGER_RANGE", ZT_RULE_INT_RANGE},
    {"MATCH_ESTABLISHED", ZT_RULE_ESTABLISHED}, /* zt's (doc/rules.md) */
};

static const char *type_name(unsigned t)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (types[i].type == t)
			return types[i].name;
	return NULL;
}

/* An unsigned integer field as ZeroTier reads one (a number, or a string
 * of decimal digits); absent: def, or an error when def is -1. */
static int want_u(const json_t *obj, const char *k, int64_t lo, int64_t hi, int64_t def,
                  int64_t *out, char *err, size_t errcap)
{
	const json_t *v = json_object_get(obj, k);
	int64_t x;

	if (v == NULL || json_is_null(v)) {
		if (def == -1 && lo >= 0)
			FAIL("'%s' is missing", k);
		*out = def;
		return 0;
	}
	if (json_is_integer(v)) {
		x = (int64_t)json_integer_value(v);
	} else if (json_is_real(v) && json_real_value(v) == (double)(int64_t)json_real_value(v) &&
	           json_real_value(v) > -1e15 && json_real_value(v) < 1e15) {
		x = (int64_t)json_real_value(v);
	} else if (json_is_string(v) && json_string_value(v)[0] != '\0' &&
	           strspn(json_string_value(v), "0123456789") == strlen(json_string_value(v)) &&
	           strlen(json_string_value(v)) <= 15) {
		x = strtoll(json_string_value(v), NULL, 10);
	} else {
		FAIL("'%s' must be a number", k);
	}
	if (x < lo || x > hi)
		FAIL("'%s' must be within %" PRId64 "..%" PRId64, k, lo, hi);
	*out = x;
	return 0;
}

/* A hex string of at most `digits` digits (a leading "0x" allowed), or a
 * number when numbers_ok. */
static int want_hex(const json_t *obj, const char *k, unsigned digits, bool numbers_ok,
                    uint64_t *out, char *err, size_t errcap)
{
	const json_t *v = json_object_get(obj, k);
	const char *s;
	uint64_t x = 0;
	size_t n;

	if (numbers_ok && json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		FAIL("'%s' must be a hex string", k);
	s = json_string_value(v);
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	n = strlen(s);
	if (n == 0 || n > digits || strspn(s, "0123456789abcdefABCDEF") != n)
		FAIL("'%s' must be at most %u hex digits", k, digits);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		unsigned d = c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
		x = (x << 4) | d;
	}
	*out = x;
	return 0;
}

static bool truthy(const json_t *v)
{
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		return s[0] == 't' || s[0] == 'T' || s[0] == '1';
	}
	return json_is_true(v) || (json_is_integer(v) && json_integer_value(v) != 0);
}

/* "aa:bb:cc:dd:ee:ff", "aa-bb-...", or 12 hex digits. */
static int want_mac(const json_t *obj, uint8_t mac[6], char *err, size_t errcap)
{
	const json_t *v = json_object_get(obj, "mac");
	const char *s = json_string_value(v);
	unsigned n = 0;

	if (s == NULL)
		FAIL("'mac' must be a MAC address");
	for (; *s != '\0'; s++) {
		char c = *s;
		unsigned d;
		if (c == ':' || c == '-' || c == '.')
			continue;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (unsigned)((c | 0x20) - 'a' + 10);
		else
			FAIL("'mac' must be a MAC address");
		if (n >= 12)
			FAIL("'mac' must be a MAC address");
		mac[n / 2] = (uint8_t)(n % 2 ? (mac[n / 2] | d) : d << 4);
		n++;
	}
	if (n != 12)
		FAIL("'mac' must be a MAC address");
	return 0;
}

/* "10.0.0.0/8" (a bare address is the address alone: /32, /128). */
static int want_ip(const json_t *obj, unsigned family, struct zt_rule *r, char *err, size_t errcap)
{
	const char *s = json_string_value(json_object_get(obj, "ip"));
	struct zt_inetaddr a;

	if (s == NULL ||
	    (strchr(s, '/') != NULL ? zt_ctl_parse_cidr(s, &a) : zt_ctl_parse_ip(s, &a)) != 0 ||
	    a.family != family)
		FAIL("'ip' must be an IPv%u address with /bits", family);
	memcpy(r->v.ip.ip, a.ip, family == 4 ? 4 : 16);
	r->v.ip.bits = a.bits;
	return 0;
}

static unsigned lookup(const char *name)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(types[i].name, name) == 0)
			return types[i].type;
	return 64;
}

int zt_ctl_rule_parse(const json_t *j, struct zt_rule *r, char *err, size_t errcap)
{
	const char *tn = json_string_value(json_object_get(j, "type"));
	unsigned t;
	int64_t a = 0, b = 0;
	uint64_t h = 0, h2 = 0;
	int rc = 0;

	memset(r, 0, sizeof *r);
	if (!json_is_object(j))
		FAIL("expected an object");
	if (tn == NULL)
		FAIL("'type' is missing");
	t = lookup(tn);
	if (t == 64)
		FAIL("unknown type \"%.40s\"", tn);
	r->t = (uint8_t)t;
	if (t > ZT_RULE_ACTION_MAX) {
		if (truthy(json_object_get(j, "not")))
			r->t |= ZT_RULE_NOT;
		if (truthy(json_object_get(j, "or")))
			r->t |= ZT_RULE_OR;
	}
	switch (t) {
	case ZT_RULE_DROP:
	case ZT_RULE_ACCEPT:
	case ZT_RULE_BREAK:
	case ZT_RULE_ESTABLISHED: break;
	case ZT_RULE_TEE:
	case ZT_RULE_WATCH:
	case ZT_RULE_REDIRECT:
		if ((rc = want_hex(j, "address", 10, false, &h, err, errcap)) != 0 ||
		    (rc = want_u(j, "flags", 0, UINT32_MAX, 0, &a, err, errcap)) != 0 ||
		    (rc = want_u(j, "length", -1, 65535, 0, &b, err, errcap)) != 0)
			return rc;
		if (h == 0)
			FAIL("'address' must be a member's address");
		r->v.fwd.address = h;
		r->v.fwd.flags = (uint32_t)a;
		/* ZeroTier's compiler writes -1 for "the whole frame". */
		r->v.fwd.length = b < 0 ? 0 : (uint16_t)b;
		break;
	case ZT_RULE_PRIORITY:
		if ((rc = want_u(j, "qosBucket", 0, 8, 4, &a, err, errcap)) != 0)
			return rc;
		r->v.qos = (uint8_t)a;
		break;
	case ZT_RULE_ZT_SRC:
	case ZT_RULE_ZT_DEST:
		if ((rc = want_hex(j, "zt", 10, false, &h, err, errcap)) != 0)
			return rc;
		r->v.zt = h;
		break;
	case ZT_RULE_VLAN_ID:
		if ((rc = want_u(j, "vlanId", 0, 4095, -1, &a, err, errcap)) != 0)
			return rc;
		r->v.vlan_id = (uint16_t)a;
		break;
	case ZT_RULE_VLAN_PCP:
		if ((rc = want_u(j, "vlanPcp", 0, 7, -1, &a, err, errcap)) != 0)
			return rc;
		r->v.vlan_pcp = (uint8_t)a;
		break;
	case ZT_RULE_VLAN_DEI:
		if ((rc = want_u(j, "vlanDei", 0, 1, -1, &a, err, errcap)) != 0)
			return rc;
		r->v.vlan_dei = (uint8_t)a;
		break;
	case ZT_RULE_MAC_SRC:
	case ZT_RULE_MAC_DEST: return want_mac(j, r->v.mac, err, errcap);
	case ZT_RULE_IPV4_SRC:
	case ZT_RULE_IPV4_DEST: return want_ip(j, 4, r, err, errcap);
	case ZT_RULE_IPV6_SRC:
	case ZT_RULE_IPV6_DEST: return want_ip(j, 6, r, err, errcap);
	case ZT_RULE_IP_TOS:
		if ((rc = want_u(j, "mask", 0, 255, -1, &a, err, errcap)) != 0)
			return rc;
		r->v.tos.mask = (uint8_t)a;
		if ((rc = want_u(j, "start", 0, 255, -1, &a, err, errcap)) != 0 ||
		    (rc = want_u(j, "end", 0, 255, a, &b, err, errcap)) != 0)
			return rc;
		if (b < a)
			FAIL("'end' is below 'start'");
		r->v.tos.start = (uint8_t)a;
		r->v.tos.end = (uint8_t)b;
		break;
	case ZT_RULE_IP_PROTOCOL:
		if ((rc = want_u(j, "ipProtocol", 0, 255, -1, &a, err, errcap)) != 0)
			return rc;
		r->v.ip_protocol = (uint8_t)a;
		break;
	case ZT_RULE_ETHERTYPE:
		if ((rc = want_u(j, "etherType", 0, 65535, -1, &a, err, errcap)) != 0)
			return rc;
		r->v.ethertype = (uint16_t)a;
		break;
	case ZT_RULE_ICMP:
		if ((rc = want_u(j, "icmpType", 0, 255, -1, &a, err, errcap)) != 0)
			return rc;
		r->v.icmp.type = (uint8_t)a;
		/* null (or absent): any code. */
		if ((rc = want_u(j, "icmpCode", 0, 255, 256, &b, err, errcap)) != 0)
			return rc;
		r->v.icmp.match_code = b != 256;
		r->v.icmp.code = b != 256 ? (uint8_t)b : 0;
		break;
	case ZT_RULE_SPORT:
	case ZT_RULE_DPORT:
	case ZT_RULE_FRAME_SIZE:
		if ((rc = want_u(j, "start", 0, 65535, -1, &a, err, errcap)) != 0 ||
		    (rc = want_u(j, "end", 0, 65535, a, &b, err, errcap)) != 0)
			return rc;
		if (b < a)
			FAIL("'end' is below 'start'");
		r->v.range[0] = (uint16_t)a;
		r->v.range[1] = (uint16_t)b;
		break;
	case ZT_RULE_CHARACTERISTICS:
		if ((rc = want_hex(j, "mask", 16, true, &h, err, errcap)) != 0)
			return rc;
		r->v.characteristics = h;
		break;
	case ZT_RULE_RANDOM:
		if ((rc = want_u(j, "probability", 0, UINT32_MAX, -1, &a, err, errcap)) != 0)
			return rc;
		r->v.probability = (uint32_t)a;
		break;
	case ZT_RULE_INT_RANGE:
		if ((rc = want_hex(j, "start", 16, true, &h, err, errcap)) != 0 ||
		    (rc = want_hex(j, "end", 16, true, &h2, err, errcap)) != 0 ||
		    (rc = want_u(j, "idx", 0, 65535, 0, &a, err, errcap)) != 0 ||
		    (rc = want_u(j, "bits", 1, 64, 1, &b, err, errcap)) != 0)
			return rc;
		if (h2 < h || h2 - h > UINT32_MAX)
			FAIL("'end' must be within 2^32 above 'start'");
		r->v.intr.start = h;
		r->v.intr.end = (uint32_t)(h2 - h);
		r->v.intr.idx = (uint16_t)a;
		r->v.intr.format =
		    (uint8_t)((b - 1) | (truthy(json_object_get(j, "little")) ? 0x80 : 0));
		break;
	default: /* the tag matches */
		if ((rc = want_u(j, "id", 0, UINT32_MAX, -1, &a, err, errcap)) != 0 ||
		    (rc = want_u(j, "value", 0, UINT32_MAX, -1, &b, err, errcap)) != 0)
			return rc;
		r->v.tag.id = (uint32_t)a;
		r->v.tag.value = (uint32_t)b;
		break;
	}
	return 0;
}

static json_t *hex16(uint64_t v)
{
	char t[24];
	snprintf(t, sizeof t, "%016" PRIx64, v);
	return json_string(t);
}

static json_t *address_text(uint64_t a)
{
	char t[16];
	snprintf(t, sizeof t, "%010" PRIx64, (uint64_t)(a & 0xffffffffffULL));
	return json_string(t);
}

json_t *zt_ctl_rule_render(const struct zt_rule *r)
{
	unsigned t = ZT_RULE_TYPE(r->t);
	const char *name = type_name(t);
	json_t *j;
	char tmp[64];

	if (name == NULL || (j = json_object()) == NULL)
		return NULL;
	json_object_set_new(j, "type", json_string(name));
	switch (t) {
	case ZT_RULE_TEE:
	case ZT_RULE_WATCH:
	case ZT_RULE_REDIRECT:
		json_object_set_new(j, "address", address_text(r->v.fwd.address));
		json_object_set_new(j, "flags", json_integer(r->v.fwd.flags));
		if (t != ZT_RULE_REDIRECT)
			json_object_set_new(j, "length", json_integer(r->v.fwd.length));
		break;
	case ZT_RULE_PRIORITY: json_object_set_new(j, "qosBucket", json_integer(r->v.qos)); break;
	case ZT_RULE_ZT_SRC:
	case ZT_RULE_ZT_DEST: json_object_set_new(j, "zt", address_text(r->v.zt)); break;
	case ZT_RULE_VLAN_ID: json_object_set_new(j, "vlanId", json_integer(r->v.vlan_id)); break;
	case ZT_RULE_VLAN_PCP:
		json_object_set_new(j, "vlanPcp", json_integer(r->v.vlan_pcp));
		break;
	case ZT_RULE_VLAN_DEI:
		json_object_set_new(j, "vlanDei", json_integer(r->v.vlan_dei));
		break;
	case ZT_RULE_MAC_SRC:
	case ZT_RULE_MAC_DEST:
		snprintf(tmp, sizeof tmp, "%02x:%02x:%02x:%02x:%02x:%02x", r->v.mac[0], r->v.mac[1],
		         r->v.mac[2], r->v.mac[3], r->v.mac[4], r->v.mac[5]);
		json_object_set_new(j, "mac", json_string(tmp));
		break;
	case ZT_RULE_IPV4_SRC:
	case ZT_RULE_IPV4_DEST:
	case ZT_RULE_IPV6_SRC:
	case ZT_RULE_IPV6_DEST: {
		struct zt_inetaddr a;
		memset(&a, 0, sizeof a);
		a.family = t == ZT_RULE_IPV4_SRC || t == ZT_RULE_IPV4_DEST ? 4 : 6;
		memcpy(a.ip, r->v.ip.ip, a.family == 4 ? 4 : 16);
		a.bits = r->v.ip.bits;
		zt_ctl_ip_text(&a, true, tmp, sizeof tmp);
		json_object_set_new(j, "ip", json_string(tmp));
		break;
	}
	case ZT_RULE_IP_TOS:
		json_object_set_new(j, "mask", json_integer(r->v.tos.mask));
		json_object_set_new(j, "start", json_integer(r->v.tos.start));
		json_object_set_new(j, "end", json_integer(r->v.tos.end));
		break;
	case ZT_RULE_IP_PROTOCOL:
		json_object_set_new(j, "ipProtocol", json_integer(r->v.ip_protocol));
		break;
	case ZT_RULE_ETHERTYPE:
		json_object_set_new(j, "etherType", json_integer(r->v.ethertype));
		break;
	case ZT_RULE_ICMP:
		json_object_set_new(j, "icmpType", json_integer(r->v.icmp.type));
		json_object_set_new(j, "icmpCode",
		                    r->v.icmp.match_code ? json_integer(r->v.icmp.code)
		                                         : json_null());
		break;
	case ZT_RULE_SPORT:
	case ZT_RULE_DPORT:
	case ZT_RULE_FRAME_SIZE:
		json_object_set_new(j, "start", json_integer(r->v.range[0]));
		json_object_set_new(j, "end", json_integer(r->v.range[1]));
		break;
	case ZT_RULE_CHARACTERISTICS:
		json_object_set_new(j, "mask", hex16(r->v.characteristics));
		break;
	case ZT_RULE_RANDOM:
		json_object_set_new(j, "probability", json_integer(r->v.probability));
		break;
	case ZT_RULE_INT_RANGE:
		json_object_set_new(j, "start", hex16(r->v.intr.start));
		json_object_set_new(j, "end", hex16(r->v.intr.start + r->v.intr.end));
		json_object_set_new(j, "idx", json_integer(r->v.intr.idx));
		json_object_set_new(j, "little", json_boolean(r->v.intr.format & 0x80));
		json_object_set_new(j, "bits", json_integer((r->v.intr.format & 63) + 1));
		break;
	case ZT_RULE_DROP:
	case ZT_RULE_ACCEPT:
	case ZT_RULE_BREAK:
	case ZT_RULE_ESTABLISHED: break;
	default:
		json_object_set_new(j, "id", json_integer(r->v.tag.id));
		json_object_set_new(j, "value", json_integer(r->v.tag.value));
		break;
	}
	if (t > ZT_RULE_ACTION_MAX) {
		json_object_set_new(j, "not", json_boolean(r->t & ZT_RULE_NOT));
		json_object_set_new(j, "or", json_boolean(r->t & ZT_RULE_OR));
	}
	return j;
}

int zt_ctl_rules_parse(const json_t *arr, const char *field, struct zt_rule *out, unsigned max,
                       unsigned *count, char *err, size_t errcap)
{
	const json_t *x;
	size_t i;
	char why[160];

	*count = 0;
	if (!json_is_array(arr))
		FAIL("field '%s': expected an array of rules", field);
	if (json_array_size(arr) > max)
		FAIL("field '%s': more than %u rules", field, max);
	json_array_foreach(arr, i, x)
	{
		if (zt_ctl_rule_parse(x, &out[i], why, sizeof why) != 0)
			FAIL("field '%s': rule %zu: %s", field, i, why);
	}
	*count = (unsigned)json_array_size(arr);
	return 0;
}

json_t *zt_ctl_rules_normalized(const json_t *arr, unsigned max)
{
	const json_t *x;
	json_t *out = json_array();
	size_t i;
	char why[160];

	if (out == NULL || !json_is_array(arr) || json_array_size(arr) > max)
		goto bad;
	json_array_foreach(arr, i, x)
	{
		struct zt_rule r;
		if (zt_ctl_rule_parse(x, &r, why, sizeof why) != 0 ||
		    json_array_append_new(out, zt_ctl_rule_render(&r)) != 0)
			goto bad;
	}
	return out;
bad:
	json_decref(out);
	return NULL;
}

/* ---- capabilities and tags ---- */

static int want_id(const json_t *obj, const char *field, size_t i, uint32_t *id, char *err,
                   size_t errcap)
{
	int64_t x;
	char why[120];
	if (want_u(obj, "id", 0, UINT32_MAX, -1, &x, why, sizeof why) != 0)
		FAIL("field '%s': entry %zu: %s", field, i, why);
	*id = (uint32_t)x;
	return 0;
}

int zt_ctl_caps_check(const json_t *arr, char *err, size_t errcap)
{
	static struct zt_rule tmp[ZT_CAP_RULES_MAX];
	uint32_t ids[ZT_CAPS_MAX];
	unsigned total = 0, n;
	const json_t *x;
	size_t i;
	char f[48];

	if (!json_is_array(arr) || json_array_size(arr) > ZT_CAPS_MAX)
		FAIL("field 'capabilities': expected an array of at most %d capabilities",
		     ZT_CAPS_MAX);
	json_array_foreach(arr, i, x)
	{
		if (!json_is_object(x))
			FAIL("field 'capabilities': entry %zu: expected an object", i);
		if (want_id(x, "capabilities", i, &ids[i], err, errcap) != 0)
			return -EINVAL;
		for (size_t k = 0; k < i; k++)
			if (ids[k] == ids[i])
				FAIL("field 'capabilities': entry %zu: id %u appears twice", i,
				     ids[i]);
		snprintf(f, sizeof f, "capabilities[%zu].rules", i);
		if (json_object_get(x, "rules") != NULL &&
		    zt_ctl_rules_parse(json_object_get(x, "rules"), f, tmp, ZT_CAP_RULES_MAX, &n,
		                       err, errcap) != 0)
			return -EINVAL;
		total += json_object_get(x, "rules") != NULL ? n : 0;
	}
	if (total > ZT_CAP_RULES_TOTAL)
		FAIL("field 'capabilities': more than %d rules in all", ZT_CAP_RULES_TOTAL);
	return 0;
}

/* Sort an array of objects by their "id" (few entries: insertion). */
static json_t *sorted_by_id(json_t *a)
{
	size_t n = json_array_size(a);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0; j--) {
			json_t *p = json_array_get(a, j - 1), *q = json_array_get(a, j);
			if (zt_ctl_int(p, "id") <= zt_ctl_int(q, "id"))
				break;
			json_incref(p);
			json_array_set(a, j - 1, q);
			json_array_set_new(a, j, p);
		}
	return a;
}

json_t *zt_ctl_caps_normalized(const json_t *arr)
{
	json_t *out = json_array(), *x;
	size_t i;

	if (out == NULL)
		return NULL;
	json_array_foreach(arr, i, x)
	{
		const json_t *rules = json_object_get(x, "rules");
		json_t *c =
		    json_pack("{s:I, s:b, s:o}", "id", (json_int_t)zt_ctl_int(x, "id"), "default",
		              truthy(json_object_get(x, "default")), "rules",
		              rules != NULL ? zt_ctl_rules_normalized(rules, ZT_CAP_RULES_MAX)
		                            : json_array());
		if (c == NULL || json_array_append_new(out, c) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return sorted_by_id(out);
}

int zt_ctl_tags_check(const json_t *arr, char *err, size_t errcap)
{
	uint32_t ids[ZT_TAGS_MAX];
	const json_t *x;
	size_t i;

	if (!json_is_array(arr) || json_array_size(arr) > ZT_TAGS_MAX)
		FAIL("field 'tags': expected an array of at most %d tags", ZT_TAGS_MAX);
	json_array_foreach(arr, i, x)
	{
		int64_t d;
		char why[120];
		if (!json_is_object(x))
			FAIL("field 'tags': entry %zu: expected an object", i);
		if (want_id(x, "tags", i, &ids[i], err, errcap) != 0)
			return -EINVAL;
		for (size_t k = 0; k < i; k++)
			if (ids[k] == ids[i])
				FAIL("field 'tags': entry %zu: id %u appears twice", i, ids[i]);
		if (want_u(x, "default", 0, UINT32_MAX, 0, &d, why, sizeof why) != 0)
			FAIL("field 'tags': entry %zu: %s", i, why);
	}
	return 0;
}

json_t *zt_ctl_tags_normalized(const json_t *arr)
{
	json_t *out = json_array(), *x;
	size_t i;

	if (out == NULL)
		return NULL;
	json_array_foreach(arr, i, x)
	{
		const json_t *d = json_object_get(x, "default");
		int64_t v = 0;
		char why[8];
		json_t *t;
		if (d != NULL && !json_is_null(d))
			(void)want_u(x, "default", 0, UINT32_MAX, 0, &v, why, sizeof why);
		t = json_pack("{s:I, s:o}", "id", (json_int_t)zt_ctl_int(x, "id"), "default",
		              d == NULL || json_is_null(d) ? json_null() : json_integer(v));
		if (t == NULL || json_array_append_new(out, t) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return sorted_by_id(out);
}

/* A member's tag: [id, value], each a number or a string of digits. */
static int member_tag(const json_t *x, uint32_t *id, uint32_t *value)
{
	json_t *o;
	int64_t a, b;
	char why[8];
	int r = -1;

	if (!json_is_array(x) || json_array_size(x) != 2)
		return -1;
	o = json_pack("{s:O, s:O}", "i", json_array_get(x, 0), "v", json_array_get(x, 1));
	if (o != NULL && want_u(o, "i", 0, UINT32_MAX, -1, &a, why, sizeof why) == 0 &&
	    want_u(o, "v", 0, UINT32_MAX, -1, &b, why, sizeof why) == 0) {
		*id = (uint32_t)a;
		*value = (uint32_t)b;
		r = 0;
	}
	json_decref(o);
	return r;
}

int zt_ctl_member_tags_check(const json_t *arr, char *err, size_t errcap)
{
	const json_t *x;
	size_t i;

	if (!json_is_array(arr) || json_array_size(arr) > ZT_TAGS_MAX)
		FAIL("field 'tags': expected an array of at most %d [id, value] pairs",
		     ZT_TAGS_MAX);
	json_array_foreach(arr, i, x)
	{
		uint32_t id, v;
		if (member_tag(x, &id, &v) != 0)
			FAIL("field 'tags': entry %zu: expected [id, value] with 32-bit numbers",
			     i);
	}
	return 0;
}

json_t *zt_ctl_member_tags_normalized(const json_t *arr)
{
	json_t *out = json_array(), *x;
	size_t i;

	if (out == NULL)
		return NULL;
	/* Sorted by id, the last value of an id kept (as ZeroTier's map
	 * keeps it). */
	json_array_foreach(arr, i, x)
	{
		uint32_t id, v;
		size_t k, n = json_array_size(out);
		if (member_tag(x, &id, &v) != 0)
			continue;
		for (k = 0; k < n; k++)
			if (json_integer_value(json_array_get(json_array_get(out, k), 0)) >= id)
				break;
		if (k < n && json_integer_value(json_array_get(json_array_get(out, k), 0)) == id)
			json_array_remove(out, k);
		json_array_insert_new(out, k, json_pack("[I, I]", (json_int_t)id, (json_int_t)v));
	}
	return out;
}

int zt_ctl_member_caps_check(const json_t *arr, char *err, size_t errcap)
{
	const json_t *x;
	size_t i;

	if (!json_is_array(arr) || json_array_size(arr) > ZT_CAPS_MAX)
		FAIL("field 'capabilities': expected an array of at most %d ids", ZT_CAPS_MAX);
	json_array_foreach(arr, i, x)
	{
		int64_t id;
		char why[120];
		json_t *o = json_pack("{s:O}", "id", x);
		int r = o != NULL ? want_u(o, "id", 0, UINT32_MAX, -1, &id, why, sizeof why) : -1;
		json_decref(o);
		if (r != 0)
			FAIL("field 'capabilities': entry %zu: expected a 32-bit id", i);
	}
	return 0;
}

json_t *zt_ctl_member_caps_normalized(const json_t *arr)
{
	json_t *out = json_array(), *x;
	size_t i;

	if (out == NULL)
		return NULL;
	/* Sorted, each id once (as ZeroTier keeps them). */
	json_array_foreach(arr, i, x)
	{
		int64_t id;
		char why[8];
		size_t k, n = json_array_size(out);
		json_t *o = json_pack("{s:O}", "id", x);
		int r = o != NULL ? want_u(o, "id", 0, UINT32_MAX, -1, &id, why, sizeof why) : -1;
		json_decref(o);
		if (r != 0)
			continue;
		for (k = 0; k < n; k++)
			if (json_integer_value(json_array_get(out, k)) >= id)
				break;
		if (k < n && json_integer_value(json_array_get(out, k)) == id)
			continue;
		json_array_insert_new(out, k, json_integer(id));
	}
	return out;
}

/* ---- a member's config ---- */

void zt_ctl_rules_fill(const json_t *net, const json_t *member, struct zt_netconf *c)
{
	const json_t *rules = json_object_get(net, "rules"), *x, *y;
	const json_t *mcaps = json_object_get(member, "capabilities");
	size_t i, k;
	unsigned total = 0;
	char why[160];

	c->rule_count = 0;
	json_array_foreach(rules, i, x)
	{
		if (c->rule_count < ZT_RULES_MAX &&
		    zt_ctl_rule_parse(x, &c->rules[c->rule_count], why, sizeof why) == 0)
			c->rule_count++;
	}
	/* The capabilities the member holds, in the network's order (sorted
	 * by id): the order in which they are tried. */
	c->cap_count = 0;
	json_array_foreach(json_object_get(net, "capabilities"), i, x)
	{
		int64_t id = zt_ctl_int(x, "id");
		/* A default capability is every member's (zt keeps no
		 * per-member copy of it). */
		bool held = json_is_true(json_object_get(x, "default"));
		struct zt_cap *cap;
		json_array_foreach(mcaps, k, y)
		{
			if (json_is_integer(y) && json_integer_value(y) == id)
				held = true;
		}
		if (!held || c->cap_count >= ZT_CAPS_MAX)
			continue;
		cap = &c->caps[c->cap_count];
		memset(cap, 0, sizeof *cap);
		cap->id = (uint32_t)id;
		json_array_foreach(json_object_get(x, "rules"), k, y)
		{
			if (cap->rule_count < ZT_CAP_RULES_MAX && total < ZT_CAP_RULES_TOTAL &&
			    zt_ctl_rule_parse(y, &cap->rules[cap->rule_count], why, sizeof why) ==
			        0) {
				cap->rule_count++;
				total++;
			}
		}
		c->cap_count++;
	}
	/* Its tags, then the network's defaults for the ids it lacks. */
	c->tag_count = 0;
	json_array_foreach(json_object_get(member, "tags"), i, x)
	{
		uint32_t id, v;
		if (c->tag_count < ZT_TAGS_MAX && member_tag(x, &id, &v) == 0) {
			c->tags[c->tag_count].id = id;
			c->tags[c->tag_count].value = v;
			c->tag_count++;
		}
	}
	json_array_foreach(json_object_get(net, "tags"), i, x)
	{
		const json_t *d = json_object_get(x, "default");
		uint32_t id = (uint32_t)zt_ctl_int(x, "id");
		bool have = false;
		if (!json_is_integer(d) || c->tag_count >= ZT_TAGS_MAX)
			continue;
		for (unsigned t = 0; t < c->tag_count; t++)
			have = have || c->tags[t].id == id;
		if (!have) {
			c->tags[c->tag_count].id = id;
			c->tags[c->tag_count].value = (uint32_t)json_integer_value(d);
			c->tag_count++;
		}
	}
}
