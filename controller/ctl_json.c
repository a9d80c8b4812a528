/* SPDX-License-Identifier: MIT */
/*
 * ctl_json.c - controller objects (see ctl_json.h).
 */
#include "controller/ctl_json.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BODY_MAX  65536
#define DEPTH_MAX 32

int64_t zt_ctl_int(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

bool zt_ctl_bool(const json_t *obj, const char *key)
{
	return json_is_true(json_object_get(obj, key));
}

static int depth(const json_t *j, int d)
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
			int x = depth(v, d + 1);
			if (x > m)
				m = x;
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
		{
			int x = depth(v, d + 1);
			if (x > m)
				m = x;
		}
	}
	return m;
}

json_t *zt_ctl_parse_body(const char *body, size_t len, char *err, size_t errcap)
{
	json_error_t je;
	json_t *j;

	if (len > BODY_MAX) {
		snprintf(err, errcap, "request body larger than %d bytes", BODY_MAX);
		return NULL;
	}
	while (len > 0 && (*body == ' ' || *body == '\n' || *body == '\r' || *body == '\t')) {
		body++;
		len--;
	}
	if (len == 0)
		return json_object();
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL) {
		snprintf(err, errcap, "invalid JSON at line %d column %d: %s", je.line, je.column,
		         je.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		snprintf(err, errcap, "the request body must be a JSON object");
		return NULL;
	}
	if (depth(j, 0) > DEPTH_MAX) {
		json_decref(j);
		snprintf(err, errcap, "the request body nests deeper than %d", DEPTH_MAX);
		return NULL;
	}
	return j;
}

/* ---- addresses ---- */

int zt_ctl_parse_ip(const char *s, struct zt_inetaddr *out)
{
	memset(out, 0, sizeof *out);
	if (strchr(s, ':') != NULL) {
		if (inet_pton(AF_INET6, s, out->ip) != 1)
			return ZT_EINVAL;
		out->family = 6;
		out->bits = 128;
	} else {
		if (inet_pton(AF_INET, s, out->ip) != 1)
			return ZT_EINVAL;
		out->family = 4;
		out->bits = 32;
	}
	return ZT_OK;
}

int zt_ctl_parse_cidr(const char *s, struct zt_inetaddr *out)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	char *end;
	long bits;
	size_t n;

	if (slash == NULL || (n = (size_t)(slash - s)) >= sizeof buf)
		return ZT_EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (zt_ctl_parse_ip(buf, out) != ZT_OK || slash[1] < '0' || slash[1] > '9')
		return ZT_EINVAL;
	bits = strtol(slash + 1, &end, 10);
	if (*end != '\0' || bits < 0 || bits > (out->family == 4 ? 32 : 128))
		return ZT_EINVAL;
	out->bits = (uint8_t)bits;
	return ZT_OK;
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
		return -1;                                                                         \
	} while (0)

static int want_bool(const json_t *v, const char *k, char *err, size_t errcap)
{
	if (!json_is_boolean(v))
		FAIL("field '%s': expected true or false", k);
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

static int want_int(const json_t *v, const char *k, int64_t lo, int64_t hi, char *err,
                    size_t errcap)
{
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		FAIL("field '%s': expected an integer %" PRId64 "-%" PRId64, k, lo, hi);
	return 0;
}

static int want_ip(const json_t *v, const char *k, struct zt_inetaddr *a, char *err, size_t errcap)
{
	if (!json_is_string(v) || zt_ctl_parse_ip(json_string_value(v), a) != ZT_OK)
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
			return -1;
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
		    zt_ctl_parse_cidr(json_string_value(jt), &t) != ZT_OK)
			FAIL("field 'routes[%zu].target': expected \"address/bits\"", i);
		if (jv != NULL && !json_is_null(jv)) {
			if (want_ip(jv, "via", &via, err, errcap))
				return -1;
			if (via.family != t.family)
				FAIL("field 'routes[%zu].via': not the family of its target", i);
		}
	}
	return 0;
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
		return -1;
	if (s != NULL) {
		if (!json_is_array(s) || json_array_size(s) > ZT_NETCONF_MAX_DNS)
			FAIL("field 'dns.servers': expected an array of at most %d addresses",
			     ZT_NETCONF_MAX_DNS);
		json_array_foreach(s, i, x)
		{
			if (want_ip(x, "dns.servers", &a, err, errcap))
				return -1;
		}
	}
	return 0;
}

static int check_modes(const json_t *v, const char *k, const char *const *names, char *err,
                       size_t errcap)
{
	const char *key;
	json_t *x;

	if (!json_is_object(v))
		FAIL("field '%s': expected an object of booleans", k);
	json_object_foreach((json_t *)v, key, x)
	{
		bool known = false;
		for (const char *const *n = names; *n; n++)
			known = known || strcmp(*n, key) == 0;
		if (known && !json_is_boolean(x))
			FAIL("field '%s.%s': expected true or false", k, key);
	}
	return 0;
}

static int check_array(const json_t *v, const char *k, size_t max_text, char *err, size_t errcap)
{
	char *t;
	size_t n;

	if (!json_is_array(v))
		FAIL("field '%s': expected an array", k);
	t = json_dumps(v, JSON_COMPACT);
	n = t ? strlen(t) : max_text + 1;
	free(t);
	if (n > max_text)
		FAIL("field '%s': larger than %zu bytes", k, max_text);
	return 0;
}

/* Copy the known members of req that pass the check into obj. */
static int set(json_t *obj, const json_t *req, const char *k)
{
	return json_object_set(obj, k, json_object_get(req, k));
}

static void bump_revision(json_t *obj)
{
	json_object_set_new(obj, "revision", json_integer(zt_ctl_int(obj, "revision") + 1));
}

/* ---- networks ---- */

json_t *zt_ctl_net_new(uint64_t nwid, int64_t now)
{
	char id[24];
	snprintf(id, sizeof id, "%016" PRIx64, nwid);
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:I, s:b, s:b, s:I, s:I, s:I, s:{s:b}, s:{s:b, s:b, s:b}, s:[], "
	    "s:[], s:[{s:s}], s:[], s:[], s:{s:s, s:[]}, s:n, s:i}",
	    "id", id, "nwid", id, "objtype", "network", "name", "", "creationTime", (json_int_t)now,
	    "private", 1, "enableBroadcast", 1, "mtu", (json_int_t)2800, "multicastLimit",
	    (json_int_t)32, "revision", (json_int_t)1, "v4AssignMode", "zt", 0, "v6AssignMode",
	    "zt", 0, "rfc4193", 0, "6plane", 0, "ipAssignmentPools", "routes", "rules", "type",
	    "ACTION_ACCEPT", "capabilities", "tags", "dns", "domain", "", "servers",
	    "remoteTraceTarget", "remoteTraceLevel", 0);
}

int zt_ctl_net_update(json_t *net, const json_t *req, char *err, size_t errcap)
{
	static const char *const v4names[] = {"zt", NULL};
	static const char *const v6names[] = {"zt", "rfc4193", "6plane", NULL};
	json_t *v;

	if (!json_is_object(req))
		FAIL("the request body must be a JSON object");
	/* Check every field first, so that nothing is half applied. */
	if ((v = json_object_get(req, "name")) &&
	    want_string(v, "name", ZT_CTL_NAME_MAX, err, errcap))
		return -1;
	if ((v = json_object_get(req, "private")) && want_bool(v, "private", err, errcap))
		return -1;
	if ((v = json_object_get(req, "enableBroadcast")) &&
	    want_bool(v, "enableBroadcast", err, errcap))
		return -1;
	if ((v = json_object_get(req, "mtu")) && want_int(v, "mtu", 1280, 9000, err, errcap))
		return -1;
	if ((v = json_object_get(req, "multicastLimit")) &&
	    want_int(v, "multicastLimit", 0, 65535, err, errcap))
		return -1;
	if ((v = json_object_get(req, "v4AssignMode")) &&
	    check_modes(v, "v4AssignMode", v4names, err, errcap))
		return -1;
	if ((v = json_object_get(req, "v6AssignMode")) &&
	    check_modes(v, "v6AssignMode", v6names, err, errcap))
		return -1;
	if ((v = json_object_get(req, "ipAssignmentPools")) && check_pools(v, err, errcap))
		return -1;
	if ((v = json_object_get(req, "routes")) && check_routes(v, err, errcap))
		return -1;
	if ((v = json_object_get(req, "dns")) && check_dns(v, err, errcap))
		return -1;
	if ((v = json_object_get(req, "rules")) &&
	    check_array(v, "rules", ZT_CTL_RULES_MAX, err, errcap))
		return -1;
	if ((v = json_object_get(req, "capabilities")) &&
	    check_array(v, "capabilities", 65536, err, errcap))
		return -1;
	if ((v = json_object_get(req, "tags")) && check_array(v, "tags", 65536, err, errcap))
		return -1;

	static const char *const plain[] = {"name",
	                                    "private",
	                                    "enableBroadcast",
	                                    "mtu",
	                                    "multicastLimit",
	                                    "ipAssignmentPools",
	                                    "routes",
	                                    "rules",
	                                    "capabilities",
	                                    "tags",
	                                    NULL};
	for (const char *const *k = plain; *k; k++)
		if (json_object_get(req, *k) != NULL)
			(void)set(net, req, *k);
	/* Modes and dns merge key by key (ZeroTier does the same). */
	static const char *const merged[] = {"v4AssignMode", "v6AssignMode", "dns", NULL};
	for (const char *const *k = merged; *k; k++) {
		json_t *rv = json_object_get(req, *k), *cur = json_object_get(net, *k);
		if (rv == NULL)
			continue;
		if (!json_is_object(cur)) {
			json_object_set_new(net, *k, json_object());
			cur = json_object_get(net, *k);
		}
		(void)json_object_update(cur, rv);
	}
	bump_revision(net);
	return 0;
}

/* ---- members ---- */

json_t *zt_ctl_member_new(uint64_t nwid, uint64_t address, int64_t now)
{
	char id[24], a[16];
	snprintf(id, sizeof id, "%016" PRIx64, nwid);
	snprintf(a, sizeof a, "%010" PRIx64, address);
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:[], s:s, s:I, s:I, s:I, s:I, "
	                 "s:I, s:s, s:[], s:[], s:n, s:i}",
	                 "id", a, "address", a, "nwid", id, "objtype", "member", "authorized", 0,
	                 "activeBridge", 0, "noAutoAssignIps", 0, "ipAssignments", "name", "",
	                 "revision", (json_int_t)1, "creationTime", (json_int_t)now,
	                 "lastAuthorizedTime", (json_int_t)0, "lastDeauthorizedTime", (json_int_t)0,
	                 "lastSeen", (json_int_t)0, "identity", "", "capabilities", "tags",
	                 "remoteTraceTarget", "remoteTraceLevel", 0);
}

int zt_ctl_member_update(json_t *m, const json_t *req, int64_t now, char *err, size_t errcap)
{
	json_t *v, *x;
	size_t i;
	bool was, is;

	if (!json_is_object(req))
		FAIL("the request body must be a JSON object");
	if ((v = json_object_get(req, "authorized")) && want_bool(v, "authorized", err, errcap))
		return -1;
	if ((v = json_object_get(req, "activeBridge")) && want_bool(v, "activeBridge", err, errcap))
		return -1;
	if ((v = json_object_get(req, "noAutoAssignIps")) &&
	    want_bool(v, "noAutoAssignIps", err, errcap))
		return -1;
	if ((v = json_object_get(req, "name")) &&
	    want_string(v, "name", ZT_CTL_NAME_MAX, err, errcap))
		return -1;
	if ((v = json_object_get(req, "ipAssignments"))) {
		if (!json_is_array(v) || json_array_size(v) > ZT_NETCONF_MAX_ADDRS - 2)
			FAIL("field 'ipAssignments': expected an array of at most %d addresses",
			     ZT_NETCONF_MAX_ADDRS - 2);
		json_array_foreach(v, i, x)
		{
			struct zt_inetaddr a;
			if (want_ip(x, "ipAssignments", &a, err, errcap))
				return -1;
		}
	}
	if ((v = json_object_get(req, "capabilities")) &&
	    check_array(v, "capabilities", 65536, err, errcap))
		return -1;
	if ((v = json_object_get(req, "tags")) && check_array(v, "tags", 65536, err, errcap))
		return -1;

	was = zt_ctl_bool(m, "authorized");
	static const char *const plain[] = {"authorized",
	                                    "activeBridge",
	                                    "noAutoAssignIps",
	                                    "name",
	                                    "ipAssignments",
	                                    "capabilities",
	                                    "tags",
	                                    NULL};
	for (const char *const *k = plain; *k; k++)
		if (json_object_get(req, *k) != NULL)
			(void)set(m, req, *k);
	is = zt_ctl_bool(m, "authorized");
	if (is && !was)
		json_object_set_new(m, "lastAuthorizedTime", json_integer(now));
	if (!is && was)
		json_object_set_new(m, "lastDeauthorizedTime", json_integer(now));
	bump_revision(m);
	return 0;
}
