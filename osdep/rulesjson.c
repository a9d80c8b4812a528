/* SPDX-License-Identifier: MIT */
/*
 * rulesjson.c - rules as ZeroTier's JSON (see rulesjson.h).  The names and
 * value forms are ZeroTier's, as controller/ctl_rules.c parses them.
 */
#include "osdep/rulesjson.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static const char *const names[64] = {
    [ZT_RULE_DROP] = "ACTION_DROP",
    [ZT_RULE_ACCEPT] = "ACTION_ACCEPT",
    [ZT_RULE_TEE] = "ACTION_TEE",
    [ZT_RULE_WATCH] = "ACTION_WATCH",
    [ZT_RULE_REDIRECT] = "ACTION_REDIRECT",
    [ZT_RULE_BREAK] = "ACTION_BREAK",
    [ZT_RULE_PRIORITY] = "ACTION_PRIORITY",
    [ZT_RULE_ZT_SRC] = "MATCH_SOURCE_ZEROTIER_ADDRESS",
    [ZT_RULE_ZT_DEST] = "MATCH_DEST_ZEROTIER_ADDRESS",
    [ZT_RULE_VLAN_ID] = "MATCH_VLAN_ID",
    [ZT_RULE_VLAN_PCP] = "MATCH_VLAN_PCP",
    [ZT_RULE_VLAN_DEI] = "MATCH_VLAN_DEI",
    [ZT_RULE_MAC_SRC] = "MATCH_MAC_SOURCE",
    [ZT_RULE_MAC_DEST] = "MATCH_MAC_DEST",
    [ZT_RULE_IPV4_SRC] = "MATCH_IPV4_SOURCE",
    [ZT_RULE_IPV4_DEST] = "MATCH_IPV4_DEST",
    [ZT_RULE_IPV6_SRC] = "MATCH_IPV6_SOURCE",
    [ZT_RULE_IPV6_DEST] = "MATCH_IPV6_DEST",
    [ZT_RULE_IP_TOS] = "MATCH_IP_TOS",
    [ZT_RULE_IP_PROTOCOL] = "MATCH_IP_PROTOCOL",
    [ZT_RULE_ETHERTYPE] = "MATCH_ETHERTYPE",
    [ZT_RULE_ICMP] = "MATCH_ICMP",
    [ZT_RULE_SPORT] = "MATCH_IP_SOURCE_PORT_RANGE",
    [ZT_RULE_DPORT] = "MATCH_IP_DEST_PORT_RANGE",
    [ZT_RULE_CHARACTERISTICS] = "MATCH_CHARACTERISTICS",
    [ZT_RULE_FRAME_SIZE] = "MATCH_FRAME_SIZE_RANGE",
    [ZT_RULE_RANDOM] = "MATCH_RANDOM",
    [ZT_RULE_TAGS_DIFFERENCE] = "MATCH_TAGS_DIFFERENCE",
    [ZT_RULE_TAGS_AND] = "MATCH_TAGS_BITWISE_AND",
    [ZT_RULE_TAGS_OR] = "MATCH_TAGS_BITWISE_OR",
    [ZT_RULE_TAGS_XOR] = "MATCH_TAGS_BITWISE_XOR",
    [ZT_RULE_TAGS_EQUAL] = "MATCH_TAGS_EQUAL",
    [ZT_RULE_TAG_SENDER] = "MATCH_TAG_SENDER",
    [ZT_RULE_TAG_RECEIVER] = "MATCH_TAG_RECEIVER",
    [ZT_RULE_INT_RANGE] = "INTEGER_RANGE",
    [ZT_RULE_ESTABLISHED] = "MATCH_ESTABLISHED", /* zt's (doc/rules.md) */
};

/* Set key on o; a failed allocation is counted in *bad. */
static void set(json_t *o, const char *key, json_t *v, int *bad)
{
	if (v == NULL || json_object_set_new(o, key, v) < 0)
		*bad = 1;
}

/* A ZeroTier address (10 hex digits) or a 64-bit value (16). */
static json_t *hex(uint64_t v, bool address)
{
	char t[24];
	if (address)
		snprintf(t, sizeof t, "%010" PRIx64, (uint64_t)(v & 0xffffffffffULL));
	else
		snprintf(t, sizeof t, "%016" PRIx64, v);
	return json_string(t);
}

json_t *zt_rulesjson_rule(const struct zt_rule *r)
{
	unsigned t = ZT_RULE_TYPE(r->t);
	json_t *j = json_object();
	char tmp[INET6_ADDRSTRLEN + 8], ip[INET6_ADDRSTRLEN];
	int bad = 0;

	if (j == NULL)
		return NULL;
	if (names[t] != NULL) {
		set(j, "type", json_string(names[t]), &bad);
	} else {
		snprintf(tmp, sizeof tmp, "UNKNOWN_%u", t);
		set(j, "type", json_string(tmp), &bad);
	}
	switch (names[t] != NULL ? t : 64) {
	case ZT_RULE_TEE:
	case ZT_RULE_WATCH:
	case ZT_RULE_REDIRECT:
		set(j, "address", hex(r->v.fwd.address, true), &bad);
		set(j, "flags", json_integer(r->v.fwd.flags), &bad);
		if (t != ZT_RULE_REDIRECT)
			set(j, "length", json_integer(r->v.fwd.length), &bad);
		break;
	case ZT_RULE_PRIORITY: set(j, "qosBucket", json_integer(r->v.qos), &bad); break;
	case ZT_RULE_ZT_SRC:
	case ZT_RULE_ZT_DEST: set(j, "zt", hex(r->v.zt, true), &bad); break;
	case ZT_RULE_VLAN_ID: set(j, "vlanId", json_integer(r->v.vlan_id), &bad); break;
	case ZT_RULE_VLAN_PCP: set(j, "vlanPcp", json_integer(r->v.vlan_pcp), &bad); break;
	case ZT_RULE_VLAN_DEI: set(j, "vlanDei", json_integer(r->v.vlan_dei), &bad); break;
	case ZT_RULE_MAC_SRC:
	case ZT_RULE_MAC_DEST:
		snprintf(tmp, sizeof tmp, "%02x:%02x:%02x:%02x:%02x:%02x", r->v.mac[0], r->v.mac[1],
		         r->v.mac[2], r->v.mac[3], r->v.mac[4], r->v.mac[5]);
		set(j, "mac", json_string(tmp), &bad);
		break;
	case ZT_RULE_IPV4_SRC:
	case ZT_RULE_IPV4_DEST:
	case ZT_RULE_IPV6_SRC:
	case ZT_RULE_IPV6_DEST: {
		bool v4 = t == ZT_RULE_IPV4_SRC || t == ZT_RULE_IPV4_DEST;
		if (inet_ntop(v4 ? AF_INET : AF_INET6, r->v.ip.ip, ip, sizeof ip) == NULL)
			snprintf(ip, sizeof ip, "?");
		snprintf(tmp, sizeof tmp, "%s/%u", ip, r->v.ip.bits);
		set(j, "ip", json_string(tmp), &bad);
		break;
	}
	case ZT_RULE_IP_TOS:
		set(j, "mask", json_integer(r->v.tos.mask), &bad);
		set(j, "start", json_integer(r->v.tos.start), &bad);
		set(j, "end", json_integer(r->v.tos.end), &bad);
		break;
	case ZT_RULE_IP_PROTOCOL: set(j, "ipProtocol", json_integer(r->v.ip_protocol), &bad); break;
	case ZT_RULE_ETHERTYPE: set(j, "etherType", json_integer(r->v.ethertype), &bad); break;
	case ZT_RULE_ICMP:
		set(j, "icmpType", json_integer(r->v.icmp.type), &bad);
		set(j, "icmpCode",
		    r->v.icmp.match_code ? json_integer(r->v.icmp.code) : json_null(), &bad);
		break;
	case ZT_RULE_SPORT:
	case ZT_RULE_DPORT:
	case ZT_RULE_FRAME_SIZE:
		set(j, "start", json_integer(r->v.range[0]), &bad);
		set(j, "end", json_integer(r->v.range[1]), &bad);
		break;
	case ZT_RULE_CHARACTERISTICS: set(j, "mask", hex(r->v.characteristics, false), &bad); break;
	case ZT_RULE_RANDOM: set(j, "probability", json_integer(r->v.probability), &bad); break;
	case ZT_RULE_INT_RANGE:
		set(j, "start", hex(r->v.intr.start, false), &bad);
		set(j, "end", hex(r->v.intr.start + r->v.intr.end, false), &bad);
		set(j, "idx", json_integer(r->v.intr.idx), &bad);
		set(j, "little", json_boolean(r->v.intr.format & 0x80), &bad);
		set(j, "bits", json_integer((r->v.intr.format & 63) + 1), &bad);
		break;
	case ZT_RULE_TAGS_DIFFERENCE:
	case ZT_RULE_TAGS_AND:
	case ZT_RULE_TAGS_OR:
	case ZT_RULE_TAGS_XOR:
	case ZT_RULE_TAGS_EQUAL:
	case ZT_RULE_TAG_SENDER:
	case ZT_RULE_TAG_RECEIVER:
		set(j, "id", json_integer(r->v.tag.id), &bad);
		set(j, "value", json_integer(r->v.tag.value), &bad);
		break;
	default: break; /* DROP, ACCEPT, BREAK; or a type not known here */
	}
	if (t > ZT_RULE_ACTION_MAX) {
		set(j, "not", json_boolean(r->t & ZT_RULE_NOT), &bad);
		set(j, "or", json_boolean(r->t & ZT_RULE_OR), &bad);
	}
	if (bad) {
		json_decref(j);
		return NULL;
	}
	return j;
}

json_t *zt_rulesjson_list(const struct zt_rule *r, unsigned count)
{
	json_t *a = json_array();

	for (unsigned i = 0; a != NULL && i < count; i++) {
		json_t *j = zt_rulesjson_rule(&r[i]);
		if (j == NULL || json_array_append_new(a, j) < 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

int zt_rulesjson_conf(json_t *obj, const struct zt_netconf *c)
{
	json_t *caps = json_array(), *tags = json_array();
	int bad = 0;

	set(obj, "rules", zt_rulesjson_list(c->rules, c->rule_count), &bad);
	for (unsigned i = 0; caps != NULL && i < c->cap_count; i++) {
		unsigned n = c->caps[i].rule_count < ZT_CAP_RULES_MAX ? c->caps[i].rule_count
		                                                      : ZT_CAP_RULES_MAX;
		json_t *cap = json_pack("{s:I, s:o*}", "id", (json_int_t)c->caps[i].id, "rules",
		                        zt_rulesjson_list(c->caps[i].rules, n));
		if (cap != NULL && json_object_get(cap, "rules") == NULL) {
			json_decref(cap);
			cap = NULL;
		}
		if (cap == NULL || json_array_append_new(caps, cap) < 0)
			bad = 1;
	}
	for (unsigned i = 0; tags != NULL && i < c->tag_count; i++)
		if (json_array_append_new(tags, json_pack("[I, I]", (json_int_t)c->tags[i].id,
		                                          (json_int_t)c->tags[i].value)) < 0)
			bad = 1;
	set(obj, "capabilities", caps, &bad);
	set(obj, "tags", tags, &bad);
	return bad ? -1 : 0;
}
