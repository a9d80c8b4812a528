/* SPDX-License-Identifier: MIT */
/*
 * api_json.c - JSON for the local API (see api_json.h).
 *
 * Builders collect allocation failures in one flag instead of checking
 * every jansson call, and give up (NULL) at the end if any failed.
 */
#include "service/api_json.h"

#include <errno.h>
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osdep/rulesjson.h"

#define TEXT_MAX 64

struct builder {
	json_t *obj;
	bool failed;
};

static void put(struct builder *b, const char *key, json_t *v)
{
	if (!v || !b->obj || json_object_set_new(b->obj, key, v) < 0)
		b->failed = true;
}

static void put_str(struct builder *b, const char *key, const char *s)
{
	put(b, key, json_string(s));
}

static void put_int(struct builder *b, const char *key, int64_t v)
{
	put(b, key, json_integer((json_int_t)v));
}

static json_t *finish(struct builder *b)
{
	if (b->failed) {
		json_decref(b->obj);
		return NULL;
	}
	return b->obj;
}

/* An array member; *arr stays borrowed by the object. */
static json_t *put_array(struct builder *b, const char *key)
{
	json_t *a = json_array();

	put(b, key, a);
	return b->failed ? NULL : a;
}

static void append(struct builder *b, json_t *arr, json_t *v)
{
	if (!v || !arr || json_array_append_new(arr, v) < 0)
		b->failed = true;
}

static void endpoint_text(const struct zt_endpoint *ep, char *out, size_t cap)
{
	if (zt_endpoint_to_text(ep, out, cap) != ZT_OK)
		snprintf(out, cap, "-");
}

void zt_api_json_mac(const uint8_t mac[6], char *out, size_t cap)
{
	snprintf(out, cap, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
	         mac[5]);
}

const char *zt_api_json_status_name(enum zt_net_status s)
{
	switch (s) {
	case ZT_NET_REQUESTING_CONFIGURATION: return "REQUESTING_CONFIGURATION";
	case ZT_NET_OK: return "OK";
	case ZT_NET_ACCESS_DENIED: return "ACCESS_DENIED";
	case ZT_NET_NOT_FOUND: return "NOT_FOUND";
	}
	return "UNKNOWN";
}

const char *zt_api_json_type_name(enum zt_net_type t)
{
	return t == ZT_NET_PUBLIC ? "PUBLIC" : "PRIVATE";
}

/* A counter as a JSON integer: those are signed 64-bit here; a counter
 * never gets that far, but must not wrap if one did. */
static json_t *counter(uint64_t v)
{
	return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

json_t *zt_api_json_status(const struct zt_api_status *s)
{
	struct builder b = {zt_apijson_status(&s->node), false};
	char ep[TEXT_MAX];
	json_t *arr, *counters;

	if (!b.obj)
		return NULL;
	put_str(&b, "natType", zt_nat_type_name(s->nat_type));
	put_str(&b, "portMapping", s->portmap ? s->portmap : "");
	put_int(&b, "keepaliveMs", s->keepalive_ms);
	arr = put_array(&b, "reflectedAddresses");
	for (size_t i = 0; i < s->node.reflected_count && !b.failed; i++) {
		endpoint_text(&s->node.reflected[i], ep, sizeof ep);
		append(&b, arr, json_string(ep));
	}

	{
		const struct zt_api_datapath *dp = &s->datapath;
		json_t *o = json_object();
		const struct {
			const char *name;
			uint64_t v;
		} v[] = {{"tapWrites", dp->tap_writes},
		         {"tapTcpSuperFrames", dp->tap_super_tcp},
		         {"tapUdpSuperFrames", dp->tap_super_udp},
		         {"tapUdpDatagramsJoined", dp->tap_udp_joined},
		         {"tapWriteDrops", dp->tap_write_drops},
		         {"tapWriteErrors", dp->tap_write_errors},
		         {"tapUnusableReads", dp->tap_unusable_reads},
		         {"udpSendDrops", dp->udp_send_drops}};

		put(&b, "dataPath", o);
		for (size_t i = 0; i < sizeof v / sizeof v[0] && !b.failed; i++)
			if (json_object_set_new(o, v[i].name, counter(v[i].v)) < 0)
				b.failed = true;
	}

	counters = json_object();
	put(&b, "counters", counters);
	for (int c = 0; c < ZT_CTR_COUNT && !b.failed && s->counters; c++) {
		const char *name = zt_counter_name((enum zt_counter)c);

		if (name && json_object_set_new(counters, name, counter(s->counters[c])) < 0)
			b.failed = true;
	}
	return finish(&b);
}

/* "10.1.2.3" or with "/bits". */
static void inet_text(const struct zt_inetaddr *a, bool bits, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];
	if (inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->ip, ip, sizeof ip) == NULL)
		snprintf(ip, sizeof ip, "?");
	if (bits)
		snprintf(out, cap, "%s/%u", ip, a->bits);
	else
		snprintf(out, cap, "%s", ip);
}

json_t *zt_api_json_network(const struct zt_network_info *n, const struct zt_api_net_local *l)
{
	struct builder b = {json_object(), false};
	char id[ZT_NWID_TEXT], mac[24];
	const char *name = n->conf ? n->conf->name : "";

	snprintf(id, sizeof id, "%016" PRIx64, n->nwid);
	zt_api_json_mac(n->mac, mac, sizeof mac);
	put_str(&b, "id", id);
	put_str(&b, "nwid", id);
	/* No controller names an ad-hoc network (nor a managed one before
	 * its config): its id is its name, so that the columns of a text
	 * listing never shift. */
	put_str(&b, "name", name[0] ? name : id);
	put_str(&b, "mac", mac);
	put_str(&b, "status", zt_api_json_status_name(n->status));
	put_str(&b, "type", zt_api_json_type_name(n->type));
	put_int(&b, "mtu", n->mtu);
	put_str(&b, "portDeviceName", l->dev ? l->dev : "");
	/* zt assigns no address by DHCP and never fails a port after the
	 * join (a join whose TAP cannot be made fails instead). */
	put(&b, "dhcp", json_false());
	put_int(&b, "portError", 0);
	put(&b, "allowManaged", json_boolean(l->allow_managed));
	put(&b, "allowGlobal", json_boolean(l->allow_global));
	put(&b, "allowDefault", json_boolean(l->allow_default));
	put(&b, "allowDNS", json_boolean(l->allow_dns));
	{
		json_t *groups = put_array(&b, "multicastSubscriptions");

		for (size_t i = 0; groups && i < l->group_count; i++) {
			zt_api_json_mac(l->groups[i].mac, mac, sizeof mac);
			append(&b, groups,
			       json_pack("{s:s, s:I}", "mac", mac, "adi",
			                 (json_int_t)l->groups[i].adi));
		}
	}
	{
		json_t *addrs = put_array(&b, "assignedAddresses");
		json_t *routes = put_array(&b, "routes");
		json_t *dns = json_object(), *servers = json_array();
		const struct zt_netconf *c = n->conf;
		char t[INET6_ADDRSTRLEN + 8], v[INET6_ADDRSTRLEN + 8];

		for (unsigned i = 0; c && addrs && i < c->addr_count; i++) {
			inet_text(&c->addrs[i], true, t, sizeof t);
			if (json_array_append_new(addrs, json_string(t)) < 0)
				b.failed = true;
		}
		for (size_t i = 0; addrs && i < l->ip_count; i++) {
			inet_text(&l->ips[i], true, t, sizeof t);
			if (json_array_append_new(addrs, json_string(t)) < 0)
				b.failed = true;
		}
		for (unsigned i = 0; c && routes && i < c->route_count; i++) {
			inet_text(&c->routes[i].target, true, t, sizeof t);
			if (c->routes[i].via.family)
				inet_text(&c->routes[i].via, false, v, sizeof v);
			if (json_array_append_new(
			        routes,
			        json_pack("{s:s, s:o, s:i, s:i}", "target", t, "via",
			                  c->routes[i].via.family ? json_string(v) : json_null(),
			                  "flags", c->routes[i].flags, "metric",
			                  c->routes[i].metric)) < 0)
				b.failed = true;
		}
		for (unsigned i = 0; c && servers && i < c->dns_count; i++) {
			inet_text(&c->dns[i], false, t, sizeof t);
			if (json_array_append_new(servers, json_string(t)) < 0)
				b.failed = true;
		}
		if (dns && servers) {
			json_object_set_new(dns, "domain", json_string(c ? c->dns_domain : ""));
			json_object_set_new(dns, "servers", servers);
			servers = NULL;
		}
		json_decref(servers);
		put(&b, "dns", dns);
		put_int(&b, "netconfRevision", c ? (json_int_t)c->revision : 0);
	}
	put(&b, "inviteRefused", json_boolean(n->invite_refused));
	put(&b, "invitePending", json_boolean(n->invite_pending));
	put(&b, "adhoc", json_boolean(n->adhoc));
	put_int(&b, "membersKnown", n->members_known);
	put(&b, "bridge", json_boolean(n->active_bridge));
	put(&b, "bridgeDevice", json_string(l->bridge_dev ? l->bridge_dev : ""));
	put(&b, "broadcastEnabled", json_boolean(n->enable_broadcast));
	put_int(&b, "multicastLimit", n->multicast_limit);
	/* Frames the network's rules dropped, and by which rule (its index
	 * in the network's list; "none": no rule or capability accepted). */
	put_int(&b, "rulesDroppedIn", (json_int_t)n->rules_dropped_in);
	put_int(&b, "rulesDroppedOut", (json_int_t)n->rules_dropped_out);
	{
		json_t *by = json_object();
		for (unsigned i = 0; by != NULL && n->rules_dropped_by != NULL && i <= ZT_RULES_MAX;
		     i++) {
			char k[16];
			if (n->rules_dropped_by[i] == 0)
				continue;
			if (i == ZT_RULES_MAX)
				snprintf(k, sizeof k, "none");
			else
				snprintf(k, sizeof k, "%u", i);
			json_object_set_new(by, k, json_integer(n->rules_dropped_by[i]));
		}
		put(&b, "rulesDroppedBy", by);
	}
	/* The `established` flow table (all 0 while the rules use none). */
	put_int(&b, "flows", n->flows);
	put_int(&b, "flowsMax", n->flows_max);
	put_int(&b, "flowsInserted", (json_int_t)n->flows_inserted);
	put_int(&b, "flowsExpired", (json_int_t)n->flows_expired);
	put_int(&b, "flowsEvicted", (json_int_t)n->flows_evicted);
	/* The rules in force as the controller sent them (ZeroTier's JSON),
	 * with the capabilities and tags it gave this member; none on a
	 * network without a config (ad-hoc: every frame passes). */
	if (b.obj != NULL && n->conf != NULL && zt_rulesjson_conf(b.obj, n->conf) < 0)
		b.failed = true;
	return finish(&b);
}

static json_t *drop_json(const struct zt_rules_drop *d)
{
	struct builder b = {json_object(), false};
	char t[INET6_ADDRSTRLEN], mac[24];

	put_int(&b, "time", d->time);
	put_str(&b, "direction", d->inbound ? "in" : "out");
	snprintf(t, sizeof t, "%010" PRIx64, d->peer);
	put_str(&b, "peer", t);
	put(&b, "rule", d->rule >= 0 ? json_integer(d->rule) : json_null());
	put_int(&b, "length", d->len);
	snprintf(t, sizeof t, "0x%04x", d->ethertype);
	put_str(&b, "etherType", t);
	zt_api_json_mac(d->src_mac, mac, sizeof mac);
	put_str(&b, "srcMac", mac);
	zt_api_json_mac(d->dst_mac, mac, sizeof mac);
	put_str(&b, "dstMac", mac);
	if (d->ip_family != 0) {
		int af = d->ip_family == 4 ? AF_INET : AF_INET6;
		put_int(&b, "ipProtocol", d->ip_proto);
		put_str(&b, "srcIp", inet_ntop(af, d->src_ip, t, sizeof t) ? t : "");
		put_str(&b, "dstIp", inet_ntop(af, d->dst_ip, t, sizeof t) ? t : "");
		if (d->sport != 0 || d->dport != 0) {
			put_int(&b, "srcPort", d->sport);
			put_int(&b, "dstPort", d->dport);
		}
		if (d->ip_proto == 1 || d->ip_proto == 58) {
			put_int(&b, "icmpType", d->icmp_type);
			put_int(&b, "icmpCode", d->icmp_code);
		}
	}
	return finish(&b);
}

json_t *zt_api_json_trace(uint64_t nwid, const struct zt_rules_drop *d, size_t count, int64_t now)
{
	struct builder b = {json_object(), false};
	char id[24];
	json_t *arr;

	snprintf(id, sizeof id, "%016" PRIx64, nwid);
	put_str(&b, "nwid", id);
	put_int(&b, "clock", now);
	arr = put_array(&b, "drops");
	for (size_t i = 0; arr != NULL && i < count; i++)
		append(&b, arr, drop_json(&d[i]));
	return finish(&b);
}

json_t *zt_api_json_result(void)
{
	struct builder b = {json_object(), false};

	put(&b, "result", json_true());
	return finish(&b);
}

static bool only_blanks(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

static int get_bool(json_t *obj, const char *key, bool *out, bool *has, char *err, size_t errcap)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	*has = true;
	if (!json_is_boolean(v)) {
		snprintf(err, errcap, "invalid request body: \"%s\" must be true or false", key);
		return -EINVAL;
	}
	*out = json_is_true(v);
	return 0;
}

/* Hex digits (even count) to bytes; -EINVAL on a non-hex digit. */
static int hex_bytes(const char *h, size_t hl, uint8_t *out)
{
	for (size_t i = 0; i < hl; i++) {
		char c = h[i];
		int v = c >= '0' && c <= '9'   ? c - '0'
		        : c >= 'a' && c <= 'f' ? c - 'a' + 10
		        : c >= 'A' && c <= 'F' ? c - 'A' + 10
		                               : -1;
		if (v < 0)
			return -EINVAL;
		if (i % 2 == 0)
			out[i / 2] = (uint8_t)(v << 4);
		else
			out[i / 2] |= (uint8_t)v;
	}
	return 0;
}

static int get_uint(json_t *obj, const char *key, bool *has, unsigned *out, unsigned max, char *err,
                    size_t errcap)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max) {
		snprintf(err, errcap, "invalid request body: \"%s\" must be an integer 0..%u", key,
		         max);
		return -EINVAL;
	}
	*has = true;
	*out = (unsigned)json_integer_value(v);
	return 0;
}

int zt_api_json_parse_join(const char *body, size_t len, struct zt_api_join_req *out, char *err,
                           size_t errcap)
{
	json_error_t je;
	json_t *j;
	int r = -EINVAL;

	memset(out, 0, sizeof *out);
	/* ZeroTier's defaults: managed addresses on, the rest off. */
	out->allow_managed = true;
	if (len == 0 || only_blanks(body, len))
		return 0;
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		snprintf(err, errcap, "invalid request body: %s (line %d)", je.text, je.line);
		return -EINVAL;
	}
	if (!json_is_object(j)) {
		snprintf(err, errcap, "invalid request body: expected a JSON object");
		goto out;
	}
	if (get_bool(j, "allowManaged", &out->allow_managed, &out->has_managed, err, errcap) < 0 ||
	    get_bool(j, "allowGlobal", &out->allow_global, &out->has_global, err, errcap) < 0 ||
	    get_bool(j, "allowDefault", &out->allow_default, &out->has_default, err, errcap) < 0 ||
	    get_bool(j, "allowDNS", &out->allow_dns, &out->has_dns, err, errcap) < 0 ||
	    get_bool(j, "bridge", &out->active_bridge, &out->has_bridge, err, errcap) < 0 ||
	    get_bool(j, "activeBridge", &out->active_bridge, &out->has_bridge, err, errcap) < 0 ||
	    get_bool(j, "broadcastEnabled", &out->enable_broadcast, &out->has_broadcast, err,
	             errcap) < 0 ||
	    get_bool(j, "enableBroadcast", &out->enable_broadcast, &out->has_broadcast, err,
	             errcap) < 0 ||
	    get_uint(j, "multicastLimit", &out->has_mlimit, &out->multicast_limit, 1024, err,
	             errcap) < 0 ||
	    get_uint(j, "macAgeSeconds", &out->has_mac_age, &out->mac_age_s, 86400, err, errcap) <
	        0 ||
	    get_uint(j, "mssClamp", &out->has_mss, &out->mss_clamp, 65535, err, errcap) < 0)
		goto out;
	{
		json_t *t = json_object_get(j, "bridgeDevice");
		const char *v = json_string_value(t);
		if (t != NULL && (v == NULL || strlen(v) >= sizeof out->bridge_dev)) {
			snprintf(err, errcap,
			         "invalid request body: \"bridgeDevice\" must be a device name "
			         "(at most %zu characters) or \"\"",
			         sizeof out->bridge_dev - 1);
			goto out;
		}
		if (v != NULL) {
			out->has_bridge_dev = true;
			snprintf(out->bridge_dev, sizeof out->bridge_dev, "%s", v);
		}
	}
	{
		json_t *ips = json_object_get(j, "assignedAddresses"), *x;
		size_t i;
		if (ips != NULL && (!json_is_array(ips) || json_array_size(ips) > ZT_API_MAX_IPS)) {
			snprintf(err, errcap,
			         "invalid request body: \"assignedAddresses\" must be an array of "
			         "at most %d addresses",
			         ZT_API_MAX_IPS);
			goto out;
		}
		out->has_ips = ips != NULL;
		json_array_foreach(ips, i, x)
		{
			const char *a = json_string_value(x);
			if (a == NULL || strlen(a) >= ZT_API_IP_TEXT) {
				snprintf(err, errcap,
				         "invalid request body: \"assignedAddresses\"[%zu] must be "
				         "\"ip/bits\"",
				         i);
				goto out;
			}
			memcpy(out->ips[i], a, strlen(a) + 1);
			out->ip_count++;
		}
	}
	{
		json_t *t = json_object_get(j, "inviteToken");
		const char *h = json_string_value(t);
		size_t hl = h ? strlen(h) : 0;
		if (t != NULL &&
		    (!json_is_string(t) || hl == 0 || hl % 2 != 0 ||
		     hl / 2 > ZT_NETCONF_TOKEN_MAX || hex_bytes(h, hl, out->token) < 0)) {
			snprintf(err, errcap,
			         "invalid request body: \"inviteToken\" must be hex, at most %d "
			         "bytes",
			         ZT_NETCONF_TOKEN_MAX);
			goto out;
		}
		out->token_len = hl / 2;
	}
	{
		json_t *rs = json_object_get(j, "inviteRoots"), *x;
		size_t i;
		if (rs != NULL && (!json_is_array(rs) || json_array_size(rs) > ZT_MAX_ROOTS)) {
			snprintf(err, errcap,
			         "invalid request body: \"inviteRoots\" must be an array "
			         "of at most %d roots",
			         ZT_MAX_ROOTS);
			goto out;
		}
		json_array_foreach(rs, i, x)
		{
			struct zt_root_def *rd = &out->roots.roots[i];
			const char *a = json_string_value(json_object_get(x, "address"));
			const char *pk = json_string_value(json_object_get(x, "publicKey"));
			const char *ep = json_string_value(json_object_get(x, "endpoint"));
			if (!a || !pk || !ep || zt_address_parse(a, &rd->id.address) != 0 ||
			    strlen(pk) != 64 || hex_bytes(pk, 64, rd->id.pk) < 0 ||
			    zt_endpoint_parse(ep, &rd->endpoints[0]) != 0) {
				snprintf(err, errcap,
				         "invalid request body: \"inviteRoots\"[%zu] needs "
				         "\"address\", \"publicKey\" (64 hex) and \"endpoint\"",
				         i);
				goto out;
			}
			rd->endpoint_count = 1;
			out->roots.count++;
		}
	}
	r = 0;
out:
	json_decref(j);
	return r;
}

char *zt_api_json_dump(const json_t *j, size_t *len)
{
	char *s = json_dumps(j, JSON_COMPACT);

	*len = s ? strlen(s) : 0;
	return s;
}
