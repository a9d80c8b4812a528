/* SPDX-License-Identifier: MIT */
/*
 * policy.c - the controller's decisions (see policy.h).
 */
#include "controller/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ctl_json.h"
#include "controller/ctl_rules.h"

/* Pools are searched this far from a member's starting point; a larger
 * pool is fine, it is only not searched exhaustively. */
#define POOL_PROBES 65536

void zt_policy_rfc4193(uint64_t nwid, uint64_t address, struct zt_inetaddr *out)
{
	memset(out, 0, sizeof *out);
	out->family = 6;
	out->bits = 88;
	out->ip[0] = 0xfd;
	for (int i = 0; i < 8; i++)
		out->ip[1 + i] = (uint8_t)(nwid >> (56 - 8 * i));
	out->ip[9] = 0x99;
	out->ip[10] = 0x93;
	for (int i = 0; i < 5; i++)
		out->ip[11 + i] = (uint8_t)(address >> (32 - 8 * i));
}

void zt_policy_6plane(uint64_t nwid, uint64_t address, struct zt_inetaddr *out)
{
	uint32_t h = (uint32_t)(nwid >> 32) ^ (uint32_t)nwid;
	memset(out, 0, sizeof *out);
	out->family = 6;
	out->bits = 40;
	out->ip[0] = 0xfc;
	for (int i = 0; i < 4; i++)
		out->ip[1 + i] = (uint8_t)(h >> (24 - 8 * i));
	for (int i = 0; i < 5; i++)
		out->ip[5 + i] = (uint8_t)(address >> (32 - 8 * i));
	out->ip[15] = 1;
}

/* The low 64 bits of an address as a number (IPv4: all of it). */
static uint64_t low64(const struct zt_inetaddr *a)
{
	uint64_t v = 0;
	int off = a->family == 4 ? 0 : 8, n = a->family == 4 ? 4 : 8;
	for (int i = 0; i < n; i++)
		v = (v << 8) | a->ip[off + i];
	return v;
}

static void set_low64(struct zt_inetaddr *a, uint64_t v)
{
	int off = a->family == 4 ? 0 : 8, n = a->family == 4 ? 4 : 8;
	for (int i = n - 1; i >= 0; i--) {
		a->ip[off + i] = (uint8_t)v;
		v >>= 8;
	}
}

/* Prefix length for an assigned address: the narrowest route target of
 * the network that contains it, else a host route. */
static uint8_t bits_for(const struct zt_netconf *c, const struct zt_inetaddr *a)
{
	int best = -1;
	for (unsigned i = 0; i < c->route_count; i++) {
		const struct zt_inetaddr *t = &c->routes[i].target;
		unsigned bits = t->bits, full = bits / 8, rest = bits % 8;
		if (t->family != a->family || c->routes[i].via.family != 0)
			continue;
		if (memcmp(t->ip, a->ip, full) != 0)
			continue;
		if (rest && ((t->ip[full] ^ a->ip[full]) & (uint8_t)(0xff << (8 - rest))))
			continue;
		if ((int)bits > best)
			best = (int)bits;
	}
	return best >= 0 ? (uint8_t)best : (a->family == 4 ? 32 : 128);
}

static void add_addr(struct zt_netconf *c, const struct zt_inetaddr *a)
{
	if (c->addr_count < ZT_NETCONF_MAX_ADDRS)
		c->addrs[c->addr_count++] = *a;
}

/* Pick a free address of family fam from the pools, starting at a point
 * derived from the member's address so that members spread out. */
static bool pick(const json_t *pools, int fam, uint64_t address, zt_policy_ip_used_fn used,
                 void *ctx, struct zt_inetaddr *out)
{
	size_t i;
	json_t *p;

	json_array_foreach(pools, i, p)
	{
		struct zt_inetaddr s, e;
		uint64_t lo, hi, span;
		if (zt_ctl_parse_ip(json_string_value(json_object_get(p, "ipRangeStart")), &s) ||
		    zt_ctl_parse_ip(json_string_value(json_object_get(p, "ipRangeEnd")), &e) ||
		    s.family != fam || e.family != fam)
			continue;
		/* IPv6 pools are searched in their low 64 bits, with the
		 * high 64 of the start. */
		if (fam == 6 && memcmp(s.ip, e.ip, 8) != 0)
			memcpy(e.ip, s.ip, 8), memset(e.ip + 8, 0xff, 8);
		lo = low64(&s);
		hi = low64(&e);
		if (hi < lo)
			continue;
		span = hi - lo;
		for (uint64_t k = 0; k < POOL_PROBES && k <= span; k++) {
			uint64_t off =
			    span == UINT64_MAX ? address + k : (address + k) % (span + 1);
			struct zt_inetaddr c = s;
			set_low64(&c, lo + off);
			/* Skip network and broadcast-looking IPv4 addresses. */
			if (fam == 4 && (c.ip[3] == 0 || c.ip[3] == 255))
				continue;
			if (used == NULL || !used(ctx, &c)) {
				*out = c;
				return true;
			}
		}
	}
	return false;
}

bool zt_policy_label(const json_t *member, char out[ZT_NETCONF_LABEL_MAX])
{
	const char *s = json_string_value(json_object_get(member, "name"));
	size_t n = 0;

	out[0] = '\0';
	if (s == NULL)
		return false;
	for (; *s != '\0' && n < ZT_NETCONF_LABEL_MAX - 1; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch >= 'A' && ch <= 'Z')
			ch = (unsigned char)(ch - 'A' + 'a');
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
			ch = '-';
		if (ch == '-' && (n == 0 || out[n - 1] == '-'))
			continue;
		out[n++] = (char)ch;
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	return zt_netconf_label_ok(out);
}

bool zt_policy_name_entry(const json_t *net, const json_t *member, uint64_t address,
                          struct zt_netconf_name *out)
{
	const json_t *v6 = json_object_get(net, "v6AssignMode"), *x;
	uint64_t nwid = 0;
	size_t i;

	memset(out, 0, sizeof *out);
	if (!zt_ctl_bool(member, "authorized") || !zt_policy_label(member, out->label))
		return false;
	out->member = address;
	json_array_foreach(json_object_get(member, "ipAssignments"), i, x)
	{
		struct zt_inetaddr a;
		if (out->addr_count < ZT_NETCONF_NAME_ADDRS && json_is_string(x) &&
		    zt_ctl_parse_ip(json_string_value(x), &a) == ZT_OK)
			out->addrs[out->addr_count++] = a;
	}
	if (json_is_string(json_object_get(net, "id")))
		(void)zt_nwid_parse(json_string_value(json_object_get(net, "id")), &nwid);
	if (out->addr_count < ZT_NETCONF_NAME_ADDRS && zt_ctl_bool(v6, "rfc4193"))
		zt_policy_rfc4193(nwid, address, &out->addrs[out->addr_count++]);
	if (out->addr_count < ZT_NETCONF_NAME_ADDRS && zt_ctl_bool(v6, "6plane"))
		zt_policy_6plane(nwid, address, &out->addrs[out->addr_count++]);
	for (unsigned k = 0; k < out->addr_count; k++)
		out->addrs[k].bits = out->addrs[k].family == 4 ? 32 : 128;
	return out->addr_count > 0;
}

static void fill(const json_t *net, const json_t *member, struct zt_netconf *c)
{
	const json_t *v, *x;
	size_t i;

	snprintf(c->name, sizeof c->name, "%s",
	         json_is_string(json_object_get(net, "name"))
	             ? json_string_value(json_object_get(net, "name"))
	             : "");
	c->revision =
	    (uint64_t)zt_ctl_int(net, "revision") + (uint64_t)zt_ctl_int(member, "revision");
	c->flags = 0;
	if (!json_is_false(json_object_get(net, "private")))
		c->flags |= ZT_NETCONF_F_PRIVATE;
	if (!json_is_false(json_object_get(net, "enableBroadcast")))
		c->flags |= ZT_NETCONF_F_BROADCAST;
	if (zt_ctl_bool(member, "activeBridge"))
		c->flags |= ZT_NETCONF_F_BRIDGE;
	c->mtu = (uint16_t)(zt_ctl_int(net, "mtu") ? zt_ctl_int(net, "mtu") : 2800);
	c->multicast_limit = (uint32_t)zt_ctl_int(net, "multicastLimit");

	v = json_object_get(net, "routes");
	json_array_foreach(v, i, x)
	{
		struct zt_route r;
		const json_t *via = json_object_get(x, "via");
		memset(&r, 0, sizeof r);
		if (c->route_count >= ZT_NETCONF_MAX_ROUTES ||
		    zt_ctl_parse_cidr(json_string_value(json_object_get(x, "target")), &r.target))
			continue;
		if (json_is_string(via) && zt_ctl_parse_ip(json_string_value(via), &r.via) != ZT_OK)
			continue;
		c->routes[c->route_count++] = r;
	}
	v = json_object_get(net, "dns");
	if (json_is_string(json_object_get(v, "domain")))
		snprintf(c->dns_domain, sizeof c->dns_domain, "%s",
		         json_string_value(json_object_get(v, "domain")));
	json_array_foreach(json_object_get(v, "servers"), i, x)
	{
		if (c->dns_count < ZT_NETCONF_MAX_DNS && json_is_string(x) &&
		    zt_ctl_parse_ip(json_string_value(x), &c->dns[c->dns_count]) == ZT_OK)
			c->dns_count++;
	}
	zt_ctl_rules_fill(net, member, c);
}

enum zt_netconf_verdict zt_policy_decide(const json_t *net, json_t *member, uint64_t address,
                                         bool invited, int64_t now, zt_policy_ip_used_fn used,
                                         void *used_ctx, struct zt_netconf *c, bool *changed)
{
	const json_t *v4 = json_object_get(net, "v4AssignMode");
	const json_t *v6 = json_object_get(net, "v6AssignMode");
	json_t *ips = json_object_get(member, "ipAssignments"), *x;
	bool have4 = false, have6 = false;
	uint64_t nwid = 0;
	size_t i;

	*changed = false;
	if (net == NULL || !json_is_object(member))
		return ZT_NETCONF_NOT_FOUND;
	if (!zt_ctl_bool(member, "authorized") &&
	    (invited || json_is_false(json_object_get(net, "private")))) {
		/* An invite (or a public network) authorizes, as an admin's
		 * POST {"authorized": true} would. */
		json_object_set_new(member, "authorized", json_true());
		json_object_set_new(member, "lastAuthorizedTime", json_integer(now));
		json_object_set_new(member, "revision",
		                    json_integer(zt_ctl_int(member, "revision") + 1));
		*changed = true;
	}
	if (!zt_ctl_bool(member, "authorized"))
		return ZT_NETCONF_ACCESS_DENIED;

	memset(c, 0, sizeof *c);
	fill(net, member, c);
	if (!json_is_array(ips)) {
		json_object_set_new(member, "ipAssignments", json_array());
		ips = json_object_get(member, "ipAssignments");
	}
	json_array_foreach(ips, i, x)
	{
		struct zt_inetaddr a;
		if (json_is_string(x) && zt_ctl_parse_ip(json_string_value(x), &a) == ZT_OK) {
			a.bits = bits_for(c, &a);
			add_addr(c, &a);
			have4 = have4 || a.family == 4;
			have6 = have6 || a.family == 6;
		}
	}
	if (!zt_ctl_bool(member, "noAutoAssignIps")) {
		const json_t *pools = json_object_get(net, "ipAssignmentPools");
		int fams[2] = {4, 6};
		bool modes[2] = {zt_ctl_bool(v4, "zt"), zt_ctl_bool(v6, "zt")};
		bool have[2] = {have4, have6};
		for (int f = 0; f < 2; f++) {
			struct zt_inetaddr a;
			char text[64];
			if (!modes[f] || have[f] ||
			    !pick(pools, fams[f], address, used, used_ctx, &a))
				continue;
			zt_ctl_ip_text(&a, false, text, sizeof text);
			json_array_append_new(ips, json_string(text));
			json_object_set_new(member, "revision",
			                    json_integer(zt_ctl_int(member, "revision") + 1));
			c->revision++;
			*changed = true;
			a.bits = bits_for(c, &a);
			add_addr(c, &a);
		}
	}
	if (json_is_string(json_object_get(net, "id")))
		(void)zt_nwid_parse(json_string_value(json_object_get(net, "id")), &nwid);
	if (zt_ctl_bool(v6, "rfc4193")) {
		struct zt_inetaddr a;
		zt_policy_rfc4193(nwid, address, &a);
		add_addr(c, &a);
	}
	if (zt_ctl_bool(v6, "6plane")) {
		struct zt_inetaddr a;
		zt_policy_6plane(nwid, address, &a);
		add_addr(c, &a);
	}
	return ZT_NETCONF_OK;
}
