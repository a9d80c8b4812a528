/* SPDX-License-Identifier: MIT */
/*
 * rules_codec.c - rule lists on the wire (see rules.h): each entry its
 * type byte (with the not and or bits) and the value its type has, so
 * that configs and capabilities carry them compactly; an unknown type's
 * value is kept and passed on unchanged.  The evaluator is rules.c.
 */
#include "rules.h"

#include <string.h>

#include "util.h"

/* The value's length on the wire for a type, -1 for a type this version
 * does not know: its value (up to 16 bytes) is kept as it came, in
 * v.ip.ip with its length in v.ip.bits, so that it is passed on unchanged
 * (and the match fails, the action does nothing). */
#define UNKNOWN_MAX 16
static int value_len(unsigned type)
{
	switch (type) {
	case ZT_RULE_DROP:
	case ZT_RULE_ACCEPT:
	case ZT_RULE_BREAK:
	case ZT_RULE_ESTABLISHED: return 0;
	case ZT_RULE_TEE:
	case ZT_RULE_WATCH:
	case ZT_RULE_REDIRECT: return 11;
	case ZT_RULE_PRIORITY: return 1;
	case ZT_RULE_ZT_SRC:
	case ZT_RULE_ZT_DEST: return 5;
	case ZT_RULE_VLAN_ID: return 2;
	case ZT_RULE_VLAN_PCP:
	case ZT_RULE_VLAN_DEI: return 1;
	case ZT_RULE_MAC_SRC:
	case ZT_RULE_MAC_DEST: return 6;
	case ZT_RULE_IPV4_SRC:
	case ZT_RULE_IPV4_DEST: return 5;
	case ZT_RULE_IPV6_SRC:
	case ZT_RULE_IPV6_DEST: return 17;
	case ZT_RULE_IP_TOS: return 3;
	case ZT_RULE_IP_PROTOCOL: return 1;
	case ZT_RULE_ETHERTYPE: return 2;
	case ZT_RULE_ICMP: return 3;
	case ZT_RULE_SPORT:
	case ZT_RULE_DPORT:
	case ZT_RULE_FRAME_SIZE: return 4;
	case ZT_RULE_CHARACTERISTICS: return 8;
	case ZT_RULE_RANDOM: return 4;
	case ZT_RULE_TAGS_DIFFERENCE:
	case ZT_RULE_TAGS_AND:
	case ZT_RULE_TAGS_OR:
	case ZT_RULE_TAGS_XOR:
	case ZT_RULE_TAGS_EQUAL:
	case ZT_RULE_TAG_SENDER:
	case ZT_RULE_TAG_RECEIVER: return 8;
	case ZT_RULE_INT_RANGE: return 15;
	default: return -1;
	}
}

static void put_value(const struct zt_rule *r, uint8_t *v)
{
	switch (ZT_RULE_TYPE(r->t)) {
	case ZT_RULE_TEE:
	case ZT_RULE_WATCH:
	case ZT_RULE_REDIRECT:
		zt_put_u40(v, r->v.fwd.address);
		zt_put_u32(v + 5, r->v.fwd.flags);
		zt_put_u16(v + 9, r->v.fwd.length);
		break;
	case ZT_RULE_PRIORITY: v[0] = r->v.qos; break;
	case ZT_RULE_ZT_SRC:
	case ZT_RULE_ZT_DEST: zt_put_u40(v, r->v.zt); break;
	case ZT_RULE_VLAN_ID: zt_put_u16(v, r->v.vlan_id); break;
	case ZT_RULE_VLAN_PCP: v[0] = r->v.vlan_pcp; break;
	case ZT_RULE_VLAN_DEI: v[0] = r->v.vlan_dei; break;
	case ZT_RULE_MAC_SRC:
	case ZT_RULE_MAC_DEST: memcpy(v, r->v.mac, 6); break;
	case ZT_RULE_IPV4_SRC:
	case ZT_RULE_IPV4_DEST:
		memcpy(v, r->v.ip.ip, 4);
		v[4] = r->v.ip.bits;
		break;
	case ZT_RULE_IPV6_SRC:
	case ZT_RULE_IPV6_DEST:
		memcpy(v, r->v.ip.ip, 16);
		v[16] = r->v.ip.bits;
		break;
	case ZT_RULE_IP_TOS:
		v[0] = r->v.tos.mask;
		v[1] = r->v.tos.start;
		v[2] = r->v.tos.end;
		break;
	case ZT_RULE_IP_PROTOCOL: v[0] = r->v.ip_protocol; break;
	case ZT_RULE_ETHERTYPE: zt_put_u16(v, r->v.ethertype); break;
	case ZT_RULE_ICMP:
		v[0] = r->v.icmp.type;
		v[1] = r->v.icmp.code;
		v[2] = r->v.icmp.match_code ? 1 : 0;
		break;
	case ZT_RULE_SPORT:
	case ZT_RULE_DPORT:
	case ZT_RULE_FRAME_SIZE:
		zt_put_u16(v, r->v.range[0]);
		zt_put_u16(v + 2, r->v.range[1]);
		break;
	case ZT_RULE_CHARACTERISTICS: zt_put_u64(v, r->v.characteristics); break;
	case ZT_RULE_RANDOM: zt_put_u32(v, r->v.probability); break;
	case ZT_RULE_INT_RANGE:
		zt_put_u64(v, r->v.intr.start);
		zt_put_u32(v + 8, r->v.intr.end);
		zt_put_u16(v + 12, r->v.intr.idx);
		v[14] = r->v.intr.format;
		break;
	case ZT_RULE_TAGS_DIFFERENCE:
	case ZT_RULE_TAGS_AND:
	case ZT_RULE_TAGS_OR:
	case ZT_RULE_TAGS_XOR:
	case ZT_RULE_TAGS_EQUAL:
	case ZT_RULE_TAG_SENDER:
	case ZT_RULE_TAG_RECEIVER:
		zt_put_u32(v, r->v.tag.id);
		zt_put_u32(v + 4, r->v.tag.value);
		break;
	default: break; /* no value */
	}
}

/* false: a value no encoder makes (the decoder refuses it). */
static bool get_value(struct zt_rule *r, const uint8_t *v)
{
	switch (ZT_RULE_TYPE(r->t)) {
	case ZT_RULE_TEE:
	case ZT_RULE_WATCH:
	case ZT_RULE_REDIRECT:
		r->v.fwd.address = zt_get_u40(v);
		r->v.fwd.flags = zt_get_u32(v + 5);
		r->v.fwd.length = zt_get_u16(v + 9);
		return true;
	case ZT_RULE_PRIORITY: r->v.qos = v[0]; return v[0] <= ZT_RULES_QOS_MAX;
	case ZT_RULE_ZT_SRC:
	case ZT_RULE_ZT_DEST: r->v.zt = zt_get_u40(v); return true;
	case ZT_RULE_VLAN_ID: r->v.vlan_id = zt_get_u16(v); return r->v.vlan_id < 4096;
	case ZT_RULE_VLAN_PCP: r->v.vlan_pcp = v[0]; return v[0] < 8;
	case ZT_RULE_VLAN_DEI: r->v.vlan_dei = v[0]; return v[0] < 2;
	case ZT_RULE_MAC_SRC:
	case ZT_RULE_MAC_DEST: memcpy(r->v.mac, v, 6); return true;
	case ZT_RULE_IPV4_SRC:
	case ZT_RULE_IPV4_DEST:
		memcpy(r->v.ip.ip, v, 4);
		r->v.ip.bits = v[4];
		return v[4] <= 32;
	case ZT_RULE_IPV6_SRC:
	case ZT_RULE_IPV6_DEST:
		memcpy(r->v.ip.ip, v, 16);
		r->v.ip.bits = v[16];
		return v[16] <= 128;
	case ZT_RULE_IP_TOS:
		r->v.tos.mask = v[0];
		r->v.tos.start = v[1];
		r->v.tos.end = v[2];
		return true;
	case ZT_RULE_IP_PROTOCOL: r->v.ip_protocol = v[0]; return true;
	case ZT_RULE_ETHERTYPE: r->v.ethertype = zt_get_u16(v); return true;
	case ZT_RULE_ICMP:
		r->v.icmp.type = v[0];
		r->v.icmp.code = v[1];
		r->v.icmp.match_code = v[2] & 1;
		return v[2] < 2;
	case ZT_RULE_SPORT:
	case ZT_RULE_DPORT:
	case ZT_RULE_FRAME_SIZE:
		r->v.range[0] = zt_get_u16(v);
		r->v.range[1] = zt_get_u16(v + 2);
		return true;
	case ZT_RULE_CHARACTERISTICS: r->v.characteristics = zt_get_u64(v); return true;
	case ZT_RULE_RANDOM: r->v.probability = zt_get_u32(v); return true;
	case ZT_RULE_INT_RANGE:
		r->v.intr.start = zt_get_u64(v);
		r->v.intr.end = zt_get_u32(v + 8);
		r->v.intr.idx = zt_get_u16(v + 12);
		r->v.intr.format = v[14];
		return (v[14] & 0x40) == 0;
	case ZT_RULE_TAGS_DIFFERENCE:
	case ZT_RULE_TAGS_AND:
	case ZT_RULE_TAGS_OR:
	case ZT_RULE_TAGS_XOR:
	case ZT_RULE_TAGS_EQUAL:
	case ZT_RULE_TAG_SENDER:
	case ZT_RULE_TAG_RECEIVER:
		r->v.tag.id = zt_get_u32(v);
		r->v.tag.value = zt_get_u32(v + 4);
		return true;
	default: return true; /* no value */
	}
}

int zt_rules_encode(const struct zt_rule *rules, unsigned count, uint8_t *out, size_t cap)
{
	size_t off = 0;

	for (unsigned i = 0; i < count; i++) {
		int vl = value_len(ZT_RULE_TYPE(rules[i].t));
		bool unknown = vl < 0;
		if (unknown)
			vl = rules[i].v.ip.bits <= UNKNOWN_MAX ? rules[i].v.ip.bits : UNKNOWN_MAX;
		if (cap - off < 2 + (size_t)vl)
			return -1;
		out[off] = rules[i].t;
		out[off + 1] = (uint8_t)vl;
		if (unknown)
			memcpy(out + off + 2, rules[i].v.ip.ip, (size_t)vl);
		else
			put_value(&rules[i], out + off + 2);
		off += 2 + (size_t)vl;
	}
	return (int)off;
}

int zt_rules_decode(const uint8_t *in, size_t len, unsigned count, struct zt_rule *rules,
                    unsigned max)
{
	size_t off = 0;

	if (count > max)
		return -1;
	for (unsigned i = 0; i < count; i++) {
		struct zt_rule *r = &rules[i];
		size_t vl;
		int want;

		if (len - off < 2)
			return -1;
		memset(r, 0, sizeof *r);
		r->t = in[off];
		vl = in[off + 1];
		want = value_len(ZT_RULE_TYPE(r->t));
		if (len - off - 2 < vl)
			return -1;
		if (want >= 0) {
			if (vl != (size_t)want || !get_value(r, in + off + 2))
				return -1;
		} else if (vl > UNKNOWN_MAX) {
			return -1;
		} else {
			memcpy(r->v.ip.ip, in + off + 2, vl);
			r->v.ip.bits = (uint8_t)vl;
		}
		off += 2 + vl;
	}
	return (int)off;
}
