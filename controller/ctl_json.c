/* SPDX-License-Identifier: MIT */
/*
 * ctl_json.c - controller objects (see ctl_json.h).
 */
#include "controller/ctl_json.h"
#include "controller/ctl_rules.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BODY_MAX  65536
#define DEPTH_MAX ZT_CTL_JSON_DEPTH_MAX

int64_t zt_ctl_int(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

bool zt_ctl_bool(const json_t *obj, const char *key)
{
	return json_is_true(json_object_get(obj, key));
}

static int depth_from(const json_t *j, int d)
{
	const char *k;
	json_t *v;
	size_t i;
	int m = d;

	if (d > DEPTH_MAX)
		return d;
	if (json_is_object(j)) {
		json_object_foreach((json_t *)j, k, v)
		{
			int x = depth_from(v, d + 1);
			if (x > m)
				m = x;
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
		{
			int x = depth_from(v, d + 1);
			if (x > m)
				m = x;
		}
	}
	return m;
}

int zt_ctl_json_depth(const json_t *j)
{
	return depth_from(j, 0);
}

int zt_ctl_parse_body(const char *body, size_t len, json_t **out, char *err, size_t errcap)
{
	json_error_t je;
	json_t *j;

	*out = NULL;
	if (len > BODY_MAX) {
		snprintf(err, errcap, "request body larger than %d bytes", BODY_MAX);
		return -EFBIG;
	}
	while (len > 0 && (*body == ' ' || *body == '\n' || *body == '\r' || *body == '\t')) {
		body++;
		len--;
	}
	if (len == 0) {
		*out = json_object();
		if (*out == NULL) {
			snprintf(err, errcap, "out of memory");
			return -ENOMEM;
		}
		return 0;
	}
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL) {
		snprintf(err, errcap, "invalid JSON at line %d column %d: %s", je.line, je.column,
		         je.text);
		return -EINVAL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		snprintf(err, errcap, "the request body must be a JSON object");
		return -EINVAL;
	}
	if (zt_ctl_json_depth(j) > DEPTH_MAX) {
		json_decref(j);
		snprintf(err, errcap, "the request body nests deeper than %d", DEPTH_MAX);
		return -EINVAL;
	}
	*out = j;
	return 0;
}

/* ---- addresses ---- */

int zt_ctl_parse_ip(const char *s, struct zt_inetaddr *out)
{
	memset(out, 0, sizeof *out);
	if (strchr(s, ':') != NULL) {
		if (inet_pton(AF_INET6, s, out->ip) != 1)
			return -EINVAL;
		out->family = 6;
		out->bits = 128;
	} else {
		if (inet_pton(AF_INET, s, out->ip) != 1)
			return -EINVAL;
		out->family = 4;
		out->bits = 32;
	}
	return 0;
}

int zt_ctl_parse_cidr(const char *s, struct zt_inetaddr *out)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	char *end;
	long bits;
	size_t n;

	if (slash == NULL || (n = (size_t)(slash - s)) >= sizeof buf)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (zt_ctl_parse_ip(buf, out) < 0 || slash[1] < '0' || slash[1] > '9')
		return -EINVAL;
	bits = strtol(slash + 1, &end, 10);
	if (*end != '\0' || bits < 0 || bits > (out->family == 4 ? 32 : 128))
		return -EINVAL;
	out->bits = (uint8_t)bits;
	return 0;
}

void zt_ctl_ip_text(const struct zt_inetaddr *a, bool cidr, char *out, size_t cap)
{
	char ip[64];
	if (inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->ip, ip, sizeof ip) == NULL)
		snprintf(ip, sizeof ip, "?");
	if (cidr)
		snprintf(out, cap, "%s/%u", ip, a->bits);
	else
		snprintf(out, cap, "%s", ip);
}

/* ---- field validation ---- */

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		snprintf(err, errcap, __VA_ARGS__);                                                \
		return -EINVAL;                                                                    \
	} while (0)

/* A boolean as ZeroTier reads one: true or false, a number (nonzero is
 * true), or a string (true if it starts with t, T or 1, as web forms send
 * "true" and "false"). */
static int want_bool(const json_t *v, const char *k, bool *out, char *err, size_t errcap)
{
	const char *s;

	if (json_is_boolean(v)) {
		*out = json_is_true(v);
	} else if (json_is_integer(v)) {
		*out = json_integer_value(v) != 0;
	} else if (json_is_real(v)) {
		*out = json_real_value(v) != 0.0;
	} else if (json_is_string(v)) {
		s = json_string_value(v);
		*out = s[0] == 't' || s[0] == 'T' || s[0] == '1';
	} else {
		FAIL("field '%s': expected true or false", k);
	}
	return 0;
}

static int want_string(const json_t *v, const char *k, size_t max, char *err, size_t errcap)
{
	if (!json_is_string(v))
		FAIL("field '%s': expected a string", k);
	if (json_string_length(v) > max || strlen(json_string_value(v)) != json_string_length(v))
		FAIL("field '%s': at most %zu bytes, no NUL", k, max);
	return 0;
}

/* An integer lo..hi; as ZeroTier, also a whole number written as a
 * string of decimal digits ("1500", as web forms send it) or as a real
 * without fraction. */
static int want_int(const json_t *v, const char *k, int64_t lo, int64_t hi, int64_t *out, char *err,
                    size_t errcap)
{
	int64_t x = 0;
	bool ok = false;

	if (json_is_integer(v)) {
		x = (int64_t)json_integer_value(v);
		ok = true;
	} else if (json_is_real(v)) {
		double d = json_real_value(v);

		ok = d >= -1e15 && d <= 1e15 && d == (double)(int64_t)d;
		x = ok ? (int64_t)d : 0;
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = strlen(s);

		ok = n > 0 && n <= 15 && n == json_string_length(v);
		for (size_t i = 0; ok && i < n; i++) {
			ok = s[i] >= '0' && s[i] <= '9';
			x = x * 10 + (s[i] - '0');
		}
	}
	if (!ok || x < lo || x > hi)
		FAIL("field '%s': expected an integer %" PRId64 "-%" PRId64, k, lo, hi);
	*out = x;
	return 0;
}

static int want_ip(const json_t *v, const char *k, struct zt_inetaddr *a, char *err, size_t errcap)
{
	if (!json_is_string(v) || zt_ctl_parse_ip(json_string_value(v), a) < 0)
		FAIL("field '%s': expected an IPv4 or IPv6 address", k);
	return 0;
}

static int cmp_ip(const struct zt_inetaddr *a, const struct zt_inetaddr *b)
{
	return memcmp(a->ip, b->ip, a->family == 4 ? 4 : 16);
}

static int check_pools(const json_t *v, char *err, size_t errcap)
{
	size_t i;
	json_t *p;

	if (!json_is_array(v) || json_array_size(v) > ZT_CTL_MAX_POOLS)
		FAIL("field 'ipAssignmentPools': expected an array of at most %d "
		     "{\"ipRangeStart\",\"ipRangeEnd\"}",
		     ZT_CTL_MAX_POOLS);
	json_array_foreach(v, i, p)
	{
		struct zt_inetaddr a, b;
		if (!json_is_object(p))
			FAIL("field 'ipAssignmentPools[%zu]': expected an object", i);
		if (want_ip(json_object_get(p, "ipRangeStart"), "ipRangeStart", &a, err, errcap) ||
		    want_ip(json_object_get(p, "ipRangeEnd"), "ipRangeEnd", &b, err, errcap))
			return -EINVAL;
		if (a.family != b.family || cmp_ip(&a, &b) > 0)
			FAIL("field 'ipAssignmentPools[%zu]': ipRangeStart must not be after "
			     "ipRangeEnd, in the same family",
			     i);
	}
	return 0;
}

static int check_routes(const json_t *v, char *err, size_t errcap)
{
	size_t i;
	json_t *r;

	if (!json_is_array(v) || json_array_size(v) > ZT_NETCONF_MAX_ROUTES)
		FAIL("field 'routes': expected an array of at most %d {\"target\",\"via\"}",
		     ZT_NETCONF_MAX_ROUTES);
	json_array_foreach(v, i, r)
	{
		struct zt_inetaddr t, via;
		const json_t *jt = json_object_get(r, "target"), *jv = json_object_get(r, "via");
		if (!json_is_object(r) || !json_is_string(jt) ||
		    zt_ctl_parse_cidr(json_string_value(jt), &t) < 0)
			FAIL("field 'routes[%zu].target': expected \"address/bits\"", i);
		if (jv != NULL && !json_is_null(jv)) {
			if (want_ip(jv, "via", &via, err, errcap))
				return -EINVAL;
			if (via.family != t.family)
				FAIL("field 'routes[%zu].via': not the family of its target", i);
		}
	}
	return 0;
}

/* routes as ZeroTier stores them: {"target": "a.b.c.d/n", "via": ip or
 * null}, in canonical text (checked by check_routes). */
static json_t *routes_normalized(const json_t *v)
{
	json_t *out = json_array(), *r;
	size_t i;

	json_array_foreach(v, i, r)
	{
		struct zt_inetaddr t, via;
		const json_t *jv = json_object_get(r, "via");
		char tt[64], vt[64];

		if (out == NULL ||
		    zt_ctl_parse_cidr(json_string_value(json_object_get(r, "target")), &t) < 0)
			goto fail;
		zt_ctl_ip_text(&t, true, tt, sizeof tt);
		if (json_is_string(jv) && zt_ctl_parse_ip(json_string_value(jv), &via) == 0)
			zt_ctl_ip_text(&via, false, vt, sizeof vt);
		if (json_array_append_new(
		        out, json_pack("{s:s, s:o}", "target", tt, "via",
		                       json_is_string(jv) ? json_string(vt) : json_null())) < 0)
			goto fail;
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

/* ipAssignmentPools in canonical text (checked by check_pools). */
static json_t *pools_normalized(const json_t *v)
{
	json_t *out = json_array(), *p;
	size_t i;

	json_array_foreach(v, i, p)
	{
		struct zt_inetaddr a, b;
		char at[64], bt[64];

		if (out == NULL ||
		    zt_ctl_parse_ip(json_string_value(json_object_get(p, "ipRangeStart")), &a) <
		        0 ||
		    zt_ctl_parse_ip(json_string_value(json_object_get(p, "ipRangeEnd")), &b) < 0)
			goto fail;
		zt_ctl_ip_text(&a, false, at, sizeof at);
		zt_ctl_ip_text(&b, false, bt, sizeof bt);
		if (json_array_append_new(
		        out, json_pack("{s:s, s:s}", "ipRangeStart", at, "ipRangeEnd", bt)) < 0)
			goto fail;
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

static int check_dns(const json_t *v, char *err, size_t errcap)
{
	const json_t *d, *s;
	size_t i;
	json_t *x;
	struct zt_inetaddr a;

	if (!json_is_object(v))
		FAIL("field 'dns': expected {\"domain\": string, \"servers\": [addresses]}");
	d = json_object_get(v, "domain");
	s = json_object_get(v, "servers");
	if (d != NULL && want_string(d, "dns.domain", ZT_CTL_NAME_MAX, err, errcap))
		return -EINVAL;
	if (s != NULL) {
		if (!json_is_array(s) || json_array_size(s) > ZT_NETCONF_MAX_DNS)
			FAIL("field 'dns.servers': expected an array of at most %d addresses",
			     ZT_NETCONF_MAX_DNS);
		json_array_foreach(s, i, x)
		{
			if (want_ip(x, "dns.servers", &a, err, errcap))
				return -EINVAL;
		}
	}
	return 0;
}

/*
 * v4AssignMode / v6AssignMode as ZeroTier reads them: an object whose
 * named modes are booleans (read as want_bool does; a mode it does not
 * name is off), or the old form, a string listing the modes ("zt",
 * "rfc4193,6plane").  The result, in *out, names every mode of `names`.
 */
static int parse_modes(const json_t *v, const char *k, const char *const *names, json_t **out,
                       char *err, size_t errcap)
{
	json_t *o;

	*out = NULL;
	if (!json_is_object(v) && !json_is_string(v))
		FAIL("field '%s': expected an object of booleans", k);
	o = json_object();
	if (o == NULL)
		FAIL("out of memory");
	for (const char *const *n = names; *n; n++) {
		bool on = false;

		if (json_is_object(v)) {
			const json_t *x = json_object_get(v, *n);
			char key[48];

			snprintf(key, sizeof key, "%s.%s", k, *n);
			if (x != NULL && want_bool(x, key, &on, err, errcap) < 0) {
				json_decref(o);
				return -EINVAL;
			}
		} else {
			/* The comma-separated list of the old API. */
			const char *s = json_string_value(v), *p = s;
			size_t nl = strlen(*n);

			while (p && *p) {
				const char *e = strchr(p, ',');
				size_t len = e ? (size_t)(e - p) : strlen(p);

				on = on || (len == nl && memcmp(p, *n, nl) == 0);
				p = e ? e + 1 : NULL;
			}
		}
		if (json_object_set_new(o, *n, json_boolean(on)) < 0) {
			json_decref(o);
			FAIL("out of memory");
		}
	}
	*out = o;
	return 0;
}

static void bump_revision(json_t *obj)
{
	json_object_set_new(obj, "revision", json_integer(zt_ctl_int(obj, "revision") + 1));
}

/* Set obj[k] = v (consumed) in the update being built; false when out of
 * memory. */
static bool stage(json_t *upd, const char *k, json_t *v)
{
	return v != NULL && json_object_set_new(upd, k, v) == 0;
}

/* Say "out of memory" in err; true, for use in a condition. */
static bool oom(char *err, size_t errcap)
{
	snprintf(err, errcap, "out of memory");
	return true;
}

/* The booleans of `names` in req, read as ZeroTier reads them, into upd. */
static int stage_bools(json_t *upd, const json_t *req, const char *const *names, char *err,
                       size_t errcap)
{
	for (const char *const *k = names; *k; k++) {
		const json_t *v = json_object_get(req, *k);
		bool b;

		if (v == NULL)
			continue;
		if (want_bool(v, *k, &b, err, errcap) < 0)
			return -EINVAL;
		if (!stage(upd, *k, json_boolean(b)))
			FAIL("out of memory");
	}
	return 0;
}

/* Fields of the objects that ZeroTier 1.14 shows and zt has no use for:
 * their neutral values, so that tools find every field they read. */
static void fill(json_t *obj, const char *k, json_t *v)
{
	if (json_object_get(obj, k) == NULL)
		(void)json_object_set_new(obj, k, v);
	else
		json_decref(v);
}

/* ---- networks ---- */

void zt_ctl_net_fill(json_t *net)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(net, "routes"), i, r)
	{
		if (json_is_object(r))
			fill(r, "via", json_null());
	}
	fill(net, "objtype", json_string("network"));
	fill(net, "rulesSource", json_string(""));
	fill(net, "remoteTraceTarget", json_null());
	fill(net, "remoteTraceLevel", json_integer(0));
	fill(net, "ssoEnabled", json_false());
	fill(net, "clientId", json_string(""));
	fill(net, "authorizationEndpoint", json_string(""));
}

json_t *zt_ctl_net_new(uint64_t nwid, int64_t now)
{
	char id[24];
	json_t *net;

	snprintf(id, sizeof id, "%016" PRIx64, nwid);
	net = json_pack(
	    "{s:s, s:s, s:s, s:s, s:I, s:b, s:b, s:I, s:I, s:I, s:{s:b}, s:{s:b, s:b, s:b}, s:[], "
	    "s:[], s:[{s:s}], s:[], s:[], s:{s:s, s:[]}, s:n, s:i}",
	    "id", id, "nwid", id, "objtype", "network", "name", "", "creationTime", (json_int_t)now,
	    "private", 1, "enableBroadcast", 1, "mtu", (json_int_t)2800, "multicastLimit",
	    (json_int_t)32, "revision", (json_int_t)1, "v4AssignMode", "zt", 0, "v6AssignMode",
	    "zt", 0, "rfc4193", 0, "6plane", 0, "ipAssignmentPools", "routes", "rules", "type",
	    "ACTION_ACCEPT", "capabilities", "tags", "dns", "domain", "", "servers",
	    "remoteTraceTarget", "remoteTraceLevel", 0);
	if (net != NULL)
		zt_ctl_net_fill(net);
	return net;
}

int zt_ctl_net_update(json_t *net, const json_t *req, char *err, size_t errcap)
{
	static const char *const v4names[] = {"zt", NULL};
	static const char *const v6names[] = {"zt", "rfc4193", "6plane", NULL};
	static const char *const bools[] = {"private", "enableBroadcast", NULL};
	static const char *const plain[] = {"name", "ipAssignmentPools", "routes", NULL};
	json_t *v, *upd = json_object(), *modes;
	int64_t x;
	int r = -EINVAL;

	if (upd == NULL)
		FAIL("out of memory");
	if (!json_is_object(req)) {
		snprintf(err, errcap, "the request body must be a JSON object");
		goto out;
	}
	/* Check every field into upd first, so that nothing is half
	 * applied. */
	if ((v = json_object_get(req, "name")) &&
	    want_string(v, "name", ZT_CTL_NAME_MAX, err, errcap) < 0)
		goto out;
	/* The script is kept as written (the admin API compiled it into
	 * rules, capabilities and tags before this). */
	if ((v = json_object_get(req, "rulesSource")) &&
	    (want_string(v, "rulesSource", ZT_CTL_RULES_SOURCE_MAX, err, errcap) < 0 ||
	     (!stage(upd, "rulesSource", json_incref(v)) && oom(err, errcap))))
		goto out;
	if (stage_bools(upd, req, bools, err, errcap) < 0)
		goto out;
	if ((v = json_object_get(req, "mtu")) &&
	    (want_int(v, "mtu", 1280, 9000, &x, err, errcap) < 0 ||
	     (!stage(upd, "mtu", json_integer(x)) && oom(err, errcap))))
		goto out;
	if ((v = json_object_get(req, "multicastLimit")) &&
	    (want_int(v, "multicastLimit", 0, 65535, &x, err, errcap) < 0 ||
	     (!stage(upd, "multicastLimit", json_integer(x)) && oom(err, errcap))))
		goto out;
	if ((v = json_object_get(req, "v4AssignMode")) &&
	    (parse_modes(v, "v4AssignMode", v4names, &modes, err, errcap) < 0 ||
	     (!stage(upd, "v4AssignMode", modes) && oom(err, errcap))))
		goto out;
	if ((v = json_object_get(req, "v6AssignMode")) &&
	    (parse_modes(v, "v6AssignMode", v6names, &modes, err, errcap) < 0 ||
	     (!stage(upd, "v6AssignMode", modes) && oom(err, errcap))))
		goto out;
	if ((v = json_object_get(req, "ipAssignmentPools")) &&
	    (check_pools(v, err, errcap) < 0 ||
	     (!stage(upd, "ipAssignmentPools", pools_normalized(v)) && oom(err, errcap))))
		goto out;
	if ((v = json_object_get(req, "routes")) &&
	    (check_routes(v, err, errcap) < 0 ||
	     (!stage(upd, "routes", routes_normalized(v)) && oom(err, errcap))))
		goto out;
	if ((v = json_object_get(req, "dns")) && check_dns(v, err, errcap) < 0)
		goto out;
	if ((v = json_object_get(req, "rules")) != NULL) {
		static struct zt_rule tmp[ZT_RULES_MAX];
		unsigned n;
		if (zt_ctl_rules_parse(v, "rules", tmp, ZT_RULES_MAX, &n, err, errcap) != 0)
			goto out;
		/* Stored as ZeroTier stores them: each rule rendered from
		 * what it parsed to. */
		if (!stage(upd, "rules", zt_ctl_rules_normalized(v, ZT_RULES_MAX)) &&
		    oom(err, errcap))
			goto out;
	}
	if ((v = json_object_get(req, "capabilities")) != NULL &&
	    (zt_ctl_caps_check(v, err, errcap) != 0 ||
	     (!stage(upd, "capabilities", zt_ctl_caps_normalized(v)) && oom(err, errcap))))
		goto out;
	if ((v = json_object_get(req, "tags")) != NULL &&
	    (zt_ctl_tags_check(v, err, errcap) != 0 ||
	     (!stage(upd, "tags", zt_ctl_tags_normalized(v)) && oom(err, errcap))))
		goto out;

	for (const char *const *k = plain; *k; k++)
		if ((v = json_object_get(req, *k)) != NULL)
			(void)json_object_set(net, *k, v);
	/* The assign modes are replaced, as ZeroTier does: a mode the
	 * request does not name is off. */
	(void)json_object_update(net, upd);
	/* dns merges key by key: a request may change the domain alone. */
	if ((v = json_object_get(req, "dns")) != NULL) {
		json_t *cur = json_object_get(net, "dns");
		if (!json_is_object(cur)) {
			json_object_set_new(net, "dns", json_object());
			cur = json_object_get(net, "dns");
		}
		(void)json_object_update(cur, v);
	}
	bump_revision(net);
	r = 0;
out:
	json_decref(upd);
	return r;
}

/* ---- members ---- */

void zt_ctl_member_fill(json_t *m)
{
	fill(m, "objtype", json_string("member"));
	fill(m, "ssoExempt", json_false());
	fill(m, "lastAuthorizedCredentialType", json_null());
	fill(m, "lastAuthorizedCredential", json_null());
	fill(m, "authenticationExpiryTime", json_integer(0));
	/* zt's requests carry no software version: ZeroTier's "unknown". */
	fill(m, "vMajor", json_integer(-1));
	fill(m, "vMinor", json_integer(-1));
	fill(m, "vRev", json_integer(-1));
	fill(m, "vProto", json_integer(-1));
	fill(m, "remoteTraceTarget", json_null());
	fill(m, "remoteTraceLevel", json_integer(0));
}

json_t *zt_ctl_member_new(uint64_t nwid, uint64_t address, int64_t now)
{
	char id[24], a[16];
	json_t *m;

	snprintf(id, sizeof id, "%016" PRIx64, nwid);
	snprintf(a, sizeof a, "%010" PRIx64, address);
	m = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:[], s:s, s:I, s:I, s:I, s:I, "
	              "s:I, s:s, s:[], s:[], s:n, s:i}",
	              "id", a, "address", a, "nwid", id, "objtype", "member", "authorized", 0,
	              "activeBridge", 0, "noAutoAssignIps", 0, "ipAssignments", "name", "",
	              "revision", (json_int_t)1, "creationTime", (json_int_t)now,
	              "lastAuthorizedTime", (json_int_t)0, "lastDeauthorizedTime", (json_int_t)0,
	              "lastSeen", (json_int_t)0, "identity", "", "capabilities", "tags",
	              "remoteTraceTarget", "remoteTraceLevel", 0);
	if (m != NULL)
		zt_ctl_member_fill(m);
	return m;
}

int zt_ctl_member_update(json_t *m, const json_t *req, int64_t now, char *err, size_t errcap)
{
	static const char *const bools[] = {"authorized", "activeBridge", "noAutoAssignIps",
	                                    "ssoExempt", NULL};
	static const char *const plain[] = {"name", "ipAssignments", NULL};
	json_t *v, *x, *upd = json_object();
	size_t i;
	bool was, is;
	int r = -EINVAL;

	if (upd == NULL)
		FAIL("out of memory");
	if (!json_is_object(req)) {
		snprintf(err, errcap, "the request body must be a JSON object");
		goto out;
	}
	if (stage_bools(upd, req, bools, err, errcap) < 0)
		goto out;
	if ((v = json_object_get(req, "name")) &&
	    want_string(v, "name", ZT_CTL_NAME_MAX, err, errcap) < 0)
		goto out;
	if ((v = json_object_get(req, "ipAssignments"))) {
		if (!json_is_array(v) || json_array_size(v) > ZT_NETCONF_MAX_ADDRS - 2) {
			snprintf(err, errcap,
			         "field 'ipAssignments': expected an array of at most %d addresses",
			         ZT_NETCONF_MAX_ADDRS - 2);
			goto out;
		}
		json_array_foreach(v, i, x)
		{
			struct zt_inetaddr a;
			if (want_ip(x, "ipAssignments", &a, err, errcap) < 0)
				goto out;
		}
	}
	if ((v = json_object_get(req, "capabilities")) != NULL &&
	    (zt_ctl_member_caps_check(v, err, errcap) != 0 ||
	     (!stage(upd, "capabilities", zt_ctl_member_caps_normalized(v)) && oom(err, errcap))))
		goto out;
	if ((v = json_object_get(req, "tags")) != NULL &&
	    (zt_ctl_member_tags_check(v, err, errcap) != 0 ||
	     (!stage(upd, "tags", zt_ctl_member_tags_normalized(v)) && oom(err, errcap))))
		goto out;

	was = zt_ctl_bool(m, "authorized");
	for (const char *const *k = plain; *k; k++)
		if ((v = json_object_get(req, *k)) != NULL)
			(void)json_object_set(m, *k, v);
	(void)json_object_update(m, upd);
	is = zt_ctl_bool(m, "authorized");
	if (is && !was) {
		json_object_set_new(m, "lastAuthorizedTime", json_integer(now));
		/* What authorized it, in ZeroTier's words. */
		json_object_set_new(m, "lastAuthorizedCredentialType", json_string("api"));
		json_object_set_new(m, "lastAuthorizedCredential", json_null());
	}
	if (!is && was)
		json_object_set_new(m, "lastDeauthorizedTime", json_integer(now));
	bump_revision(m);
	r = 0;
out:
	json_decref(upd);
	return r;
}
