/* SPDX-License-Identifier: MIT */
/*
 * rules.c - the rules engine (see rules.h): ZeroTier's flow rules with its
 * meanings, so that a list made for ZeroTier means the same here.
 *
 * The payload that IP, port, size and integer matches read is what follows
 * the Ethernet header (and one 802.1Q tag, whose id, PCP and DEI the VLAN
 * matches read), as ZeroTier counts it.  Every read of the frame is
 * bounds-checked: a match whose field the frame does not have fails.
 *
 * A match has three outcomes, as in ZeroTier: it holds, it does not, or it
 * "cannot apply" (an IPv4 match on an ARP frame, a tag the sender did not
 * show): the last fails whether or not the entry says `not`.
 */
#include "rules.h"

#include <string.h>

#include "eth.h"
#include "flow.h"
#include "ndp.h"
#include "rules_index.h"
#include "util.h"

#define IPPROTO_ICMP4   1
#define IPPROTO_TCP     6
#define IPPROTO_UDP     17
#define IPPROTO_ICMP6   58
#define IPPROTO_SCTP    132
#define IPPROTO_UDPLITE 136
#define MAX_EXT_HDRS    8
#define QOS_DEFAULT     4

/* The frame as the matches see it, parsed once. */
struct pkt {
	const uint8_t *dst, *src; /* MACs */
	const uint8_t *p;         /* payload */
	size_t len;
	uint16_t ethertype, vlan_id;
	uint8_t pcp, dei;
	/* IPv4 and IPv6: the transport header (l4 0: none found). */
	size_t l4;
	int proto; /* -1: not IP, or IPv6 whose headers do not parse */
	/* CHARACTERISTICS, worked out at the first such match (ipauth walks
	 * the sender's addresses): the same for every list of one filter. */
	bool chr_known;
	uint64_t chr;
	/* The index's fields (ethertype, IP protocol, source and destination
	 * port), worked out at the first indexed list. */
	bool idx_known;
	int idx_v[4];
	uint64_t idx_key; /* the four packed (idx_fields) */
};

static bool ipv4(const struct pkt *k)
{
	return k->ethertype == ZT_ETH_P_IPV4 && k->len >= 20;
}
static bool ipv6(const struct pkt *k)
{
	return k->ethertype == ZT_ETH_P_IPV6 && k->len >= 40;
}

/* Walk IPv6 extension headers as ZeroTier does (hop-by-hop, routing,
 * destination options, mobility), at most MAX_EXT_HDRS of them. */
static void parse_l4(struct pkt *k)
{
	k->proto = -1;
	k->l4 = 0;
	if (ipv4(k)) {
		size_t ihl = (size_t)(k->p[0] & 0xf) * 4;
		k->proto = k->p[9];
		if (ihl >= 20 && ihl <= k->len)
			k->l4 = ihl;
	} else if (ipv6(k)) {
		size_t pos = 40;
		unsigned next = k->p[6];
		for (int i = 0; i <= MAX_EXT_HDRS; i++) {
			if (next != 0 && next != 43 && next != 60 && next != 135) {
				k->proto = (int)next;
				k->l4 = pos;
				return;
			}
			if (pos + 8 > k->len)
				return;
			next = k->p[pos];
			pos += (size_t)k->p[pos + 1] * 8 + 8;
		}
	}
}

static bool parse(const uint8_t *frame, size_t len, struct pkt *k)
{
	/* Field by field, not memset: the lazy parts (chr, idx_*) are read
	 * only once their flag says they are known. */
	k->chr_known = false;
	k->idx_known = false;
	k->vlan_id = 0;
	k->pcp = k->dei = 0;
	if (len < ZT_ETH_HLEN)
		return false;
	k->dst = frame;
	k->src = frame + ZT_ETH_SRC;
	k->ethertype = zt_get_u16(frame + ZT_ETH_TYPE);
	k->p = frame + ZT_ETH_HLEN;
	k->len = len - ZT_ETH_HLEN;
	if (k->ethertype == ZT_ETH_P_VLAN && len >= ZT_ETH_VLAN_HLEN) {
		uint16_t tci = zt_get_u16(frame + ZT_ETH_HLEN);
		k->vlan_id = tci & 0xfff;
		k->pcp = (uint8_t)(tci >> 13);
		k->dei = (uint8_t)((tci >> 12) & 1);
		k->ethertype = zt_get_u16(frame + ZT_ETH_HLEN + 2);
		k->p = frame + ZT_ETH_VLAN_HLEN;
		k->len = len - ZT_ETH_VLAN_HLEN;
	}
	parse_l4(k);
	return true;
}

static bool prefix_has(const uint8_t *net, unsigned bits, unsigned max, const uint8_t *ip)
{
	unsigned whole, rest;

	if (bits > max)
		bits = max;
	whole = bits / 8;
	rest = bits % 8;
	if (memcmp(net, ip, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((net[whole] ^ ip[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static const struct zt_tag *tag_find(const struct zt_tag *t, unsigned n, uint32_t id)
{
	for (unsigned i = 0; i < n; i++)
		if (t[i].id == id)
			return &t[i];
	return NULL;
}

/* The address the frame names as its sender's (IPv4 source, ARP sender,
 * IPv6 source or a neighbour advertisement's target).  0: none; 2: a
 * neighbour solicitation, which names none that can be checked and counts
 * as authenticated, as ZeroTier does. */
static int named_source(const struct pkt *k, unsigned *family, const uint8_t **ip)
{
	if (ipv4(k)) {
		*family = 4;
		*ip = k->p + 12;
		return 1;
	}
	if (k->ethertype == ZT_ETH_P_ARP && k->len >= 28) {
		*family = 4;
		*ip = k->p + 14;
		return 1;
	}
	if (ipv6(k)) {
		*family = 6;
		if (k->len >= 40 + 8 + 16 && k->p[6] == IPPROTO_ICMP6 &&
		    (k->p[40] == 135 || k->p[40] == 136)) {
			if (k->p[40] == 135)
				return 2;
			*ip = k->p + 48;
			return 1;
		}
		*ip = k->p + 8;
		return 1;
	}
	return 0;
}

static bool ip_authenticated(const struct zt_rules_ctx *c, const struct pkt *k)
{
	unsigned fam = 0;
	const uint8_t *ip = NULL;
	int r = named_source(k, &fam, &ip);

	if (r != 1)
		return r == 2;
	for (unsigned i = 0; i < c->sender_addr_count; i++)
		if (c->sender_addrs[i].family == fam &&
		    memcmp(c->sender_addrs[i].ip, ip, fam == 4 ? 4 : 16) == 0)
			return true;
	/* rfc4193 and 6plane addresses name their owner. */
	return fam == 6 && zt_ndp_owner(c->nwid, ip) == c->src;
}

static uint64_t characteristics(const struct zt_rules_ctx *c, const struct pkt *k)
{
	uint64_t cf = c->inbound ? ZT_RULE_CHR_INBOUND : 0;

	if (k->dst[0] & 1)
		cf |= ZT_RULE_CHR_MULTICAST;
	if (memcmp(k->dst, "\xff\xff\xff\xff\xff\xff", 6) == 0)
		cf |= ZT_RULE_CHR_BROADCAST;
	if (ip_authenticated(c, k))
		cf |= ZT_RULE_CHR_IPAUTH;
	if (c->sender_mac != NULL && memcmp(k->src, c->sender_mac, 6) == 0)
		cf |= ZT_RULE_CHR_MACAUTH;
	if (c->sender_is_bridge)
		cf |= ZT_RULE_CHR_BRIDGE;
	if (k->proto == IPPROTO_TCP && k->l4 != 0 && k->l4 + 14 <= k->len)
		cf |= (uint64_t)k->p[k->l4 + 13] | ((uint64_t)(k->p[k->l4 + 12] & 0x0f) << 8);
	return cf;
}

/* What a match says. */
enum m { M_NO = 0, M_YES = 1, M_CANNOT, M_ALWAYS };

static enum m port_match(const struct pkt *k, const struct zt_rule *r, bool dest)
{
	unsigned port;

	if (k->proto < 0 || !(ipv4(k) || ipv6(k)))
		return M_CANNOT;
	if (k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP && k->proto != IPPROTO_SCTP &&
	    k->proto != IPPROTO_UDPLITE)
		return M_NO;
	if (k->l4 == 0 || k->l4 + 4 > k->len)
		return M_NO;
	port = zt_get_u16(k->p + k->l4 + (dest ? 2 : 0));
	return port >= r->v.range[0] && port <= r->v.range[1] ? M_YES : M_NO;
}

static enum m icmp_match(const struct pkt *k, const struct zt_rule *r)
{
	bool is_icmp = (ipv4(k) && k->proto == IPPROTO_ICMP4) ||
	               (k->ethertype == ZT_ETH_P_IPV6 && k->proto == IPPROTO_ICMP6);

	if (!is_icmp || k->l4 == 0 || k->l4 + 2 > k->len || k->p[k->l4] != r->v.icmp.type)
		return M_CANNOT;
	if (!r->v.icmp.match_code)
		return M_ALWAYS;
	return k->p[k->l4 + 1] == r->v.icmp.code ? M_YES : M_NO;
}

static uint64_t int_at(const struct pkt *k, const struct zt_rule *r)
{
	unsigned bits = (r->v.intr.format & 63) + 1, bytes = (bits + 7) / 8;
	size_t idx = r->v.intr.idx;
	uint64_t x = 0;

	/* Outside the payload reads as 0, as ZeroTier reads it. */
	if (idx + bytes > k->len)
		return 0;
	if (r->v.intr.format & 0x80) {
		for (unsigned i = bytes; i-- > 0;)
			x = (x << 8) | k->p[idx + i];
	} else {
		for (unsigned i = 0; i < bytes; i++)
			x = (x << 8) | k->p[idx + i];
	}
	return bits == 64 ? x : x & ((1ULL << bits) - 1);
}

struct state {
	bool super_accept; /* we are a TEE/WATCH/REDIRECT target (inbound) */
	bool skip_drop;    /* a tag we could not know: the next DROP is not taken */
};

static enum m tags_match(const struct zt_rules_ctx *c, const struct zt_rule *r, struct state *s)
{
	const struct zt_tag *mine = tag_find(c->local_tags, c->local_tag_count, r->v.tag.id);
	const struct zt_tag *theirs = tag_find(c->remote_tags, c->remote_tag_count, r->v.tag.id);
	uint32_t a, b, want = r->v.tag.value;
	unsigned type = ZT_RULE_TYPE(r->t);

	if (type == ZT_RULE_TAG_SENDER || type == ZT_RULE_TAG_RECEIVER) {
		bool remote = (type == ZT_RULE_TAG_SENDER) == c->inbound;
		if (s->super_accept) {
			s->skip_drop = true;
			return M_ALWAYS;
		}
		if (!remote)
			return mine == NULL ? M_CANNOT : mine->value == want ? M_YES : M_NO;
		if (theirs != NULL)
			return theirs->value == want ? M_YES : M_NO;
		/* Sending, we may not know the receiver's tags yet: it
		 * checks them itself. */
		if (type == ZT_RULE_TAG_RECEIVER) {
			s->skip_drop = true;
			return M_ALWAYS;
		}
		return M_CANNOT;
	}
	if (mine == NULL)
		return M_CANNOT;
	if (theirs == NULL) {
		if (c->inbound && !s->super_accept)
			return M_CANNOT;
		s->skip_drop = true;
		return M_ALWAYS;
	}
	a = mine->value;
	b = theirs->value;
	switch (type) {
	case ZT_RULE_TAGS_DIFFERENCE: return (a > b ? a - b : b - a) <= want ? M_YES : M_NO;
	case ZT_RULE_TAGS_AND: return (a & b) == want ? M_YES : M_NO;
	case ZT_RULE_TAGS_OR: return (a | b) == want ? M_YES : M_NO;
	case ZT_RULE_TAGS_XOR: return (a ^ b) == want ? M_YES : M_NO;
	default: return a == want && b == want ? M_YES : M_NO; /* TAGS_EQUAL */
	}
}

static enum m match(const struct zt_rules_ctx *c, struct pkt *k, const struct zt_rule *r,
                    struct state *s)
{
	switch (ZT_RULE_TYPE(r->t)) {
	case ZT_RULE_ZT_SRC: return r->v.zt == c->src ? M_YES : M_NO;
	case ZT_RULE_ZT_DEST: return r->v.zt == c->dst ? M_YES : M_NO;
	case ZT_RULE_VLAN_ID: return r->v.vlan_id == k->vlan_id ? M_YES : M_NO;
	case ZT_RULE_VLAN_PCP: return r->v.vlan_pcp == k->pcp ? M_YES : M_NO;
	case ZT_RULE_VLAN_DEI: return r->v.vlan_dei == k->dei ? M_YES : M_NO;
	case ZT_RULE_MAC_SRC: return memcmp(r->v.mac, k->src, 6) == 0 ? M_YES : M_NO;
	case ZT_RULE_MAC_DEST: return memcmp(r->v.mac, k->dst, 6) == 0 ? M_YES : M_NO;
	case ZT_RULE_IPV4_SRC:
	case ZT_RULE_IPV4_DEST:
		if (!ipv4(k))
			return M_CANNOT;
		return prefix_has(r->v.ip.ip, r->v.ip.bits, 32,
		                  k->p + (ZT_RULE_TYPE(r->t) == ZT_RULE_IPV4_SRC ? 12 : 16))
		           ? M_YES
		           : M_NO;
	case ZT_RULE_IPV6_SRC:
	case ZT_RULE_IPV6_DEST:
		if (!ipv6(k))
			return M_CANNOT;
		return prefix_has(r->v.ip.ip, r->v.ip.bits, 128,
		                  k->p + (ZT_RULE_TYPE(r->t) == ZT_RULE_IPV6_SRC ? 8 : 24))
		           ? M_YES
		           : M_NO;
	case ZT_RULE_IP_TOS: {
		uint8_t tos;
		if (ipv4(k))
			tos = k->p[1];
		else if (ipv6(k))
			tos = (uint8_t)((k->p[0] << 4) | (k->p[1] >> 4));
		else
			return M_CANNOT;
		tos &= r->v.tos.mask;
		return tos >= r->v.tos.start && tos <= r->v.tos.end ? M_YES : M_NO;
	}
	case ZT_RULE_IP_PROTOCOL:
		if (k->proto < 0)
			return M_CANNOT;
		return (int)r->v.ip_protocol == k->proto ? M_YES : M_NO;
	case ZT_RULE_ETHERTYPE: return r->v.ethertype == k->ethertype ? M_YES : M_NO;
	case ZT_RULE_ICMP: return icmp_match(k, r);
	case ZT_RULE_SPORT: return port_match(k, r, false);
	case ZT_RULE_DPORT: return port_match(k, r, true);
	case ZT_RULE_CHARACTERISTICS:
		if (!k->chr_known) {
			k->chr = characteristics(c, k);
			k->chr_known = true;
		}
		return (k->chr & r->v.characteristics) != 0 ? M_YES : M_NO;
	case ZT_RULE_FRAME_SIZE:
		return k->len >= r->v.range[0] && k->len <= r->v.range[1] ? M_YES : M_NO;
	case ZT_RULE_RANDOM:
		return c->random != NULL && c->random(c->random_arg) <= r->v.probability ? M_YES
		                                                                         : M_NO;
	case ZT_RULE_TAGS_DIFFERENCE:
	case ZT_RULE_TAGS_AND:
	case ZT_RULE_TAGS_OR:
	case ZT_RULE_TAGS_XOR:
	case ZT_RULE_TAGS_EQUAL:
	case ZT_RULE_TAG_SENDER:
	case ZT_RULE_TAG_RECEIVER: return tags_match(c, r, s);
	case ZT_RULE_INT_RANGE: {
		uint64_t x = int_at(k, r);
		return x >= r->v.intr.start && x - r->v.intr.start <= r->v.intr.end ? M_YES : M_NO;
	}
	case ZT_RULE_ESTABLISHED: {
		int e = zt_flow_established(c->flows, c->now, c->frame, c->len);
		return e < 0 ? M_CANNOT : e > 0 ? M_YES : M_NO;
	}
	default:
		/* A match this version does not know fails (ZeroTier's
		 * default for an unsupported match). */
		return M_NO;
	}
}

/* Entries from..end-1 of a list, the matches before `from` holding (none:
 * they do): true if an action decided (out says what), false if the run
 * ended undecided (a TEE may have set out->tee).  A whole list is one run;
 * the index (below) runs only the blocks a frame can take. */
static bool run(const struct zt_rules_ctx *ctx, struct pkt *k, const struct zt_rule *rules,
                unsigned from, unsigned end, struct state *st, struct zt_rules_result *out)
{
	struct state s = *st;
	bool set = true; /* the matches so far hold (none: they do) */
	bool decided = true;

	for (unsigned i = from; i < end; i++) {
		const struct zt_rule *r = &rules[i];
		unsigned type = ZT_RULE_TYPE(r->t);
		enum m m;
		bool yes;

		if (type <= ZT_RULE_ACTION_MAX) {
			if (!set) {
				/* Not taken; but inbound, being named its
				 * target makes us accept what we would not. */
				if (zt_rules_is_fwd(type) && ctx->inbound &&
				    r->v.fwd.address == ctx->self)
					s.super_accept = true;
				set = true;
				continue;
			}
			out->rule = (int)i;
			switch (type) {
			case ZT_RULE_PRIORITY:
				out->qos = r->v.qos <= ZT_RULES_QOS_MAX ? r->v.qos : QOS_DEFAULT;
				out->verdict = ZT_RULES_ACCEPT;
				goto out;
			case ZT_RULE_DROP:
				if (s.skip_drop) {
					s.skip_drop = false;
					continue;
				}
				out->verdict = ZT_RULES_DROP;
				goto out;
			case ZT_RULE_ACCEPT:
				out->verdict =
				    s.super_accept ? ZT_RULES_SUPER_ACCEPT : ZT_RULES_ACCEPT;
				goto out;
			case ZT_RULE_TEE:
			case ZT_RULE_WATCH:
			case ZT_RULE_REDIRECT: {
				uint64_t to = r->v.fwd.address;
				if (to == ctx->src || to == 0)
					continue; /* it has the frame anyway */
				if (to == ctx->self) {
					if (ctx->inbound) {
						out->verdict = ZT_RULES_SUPER_ACCEPT;
						goto out;
					}
					continue;
				}
				if (to == ctx->dst)
					continue;
				if (type == ZT_RULE_REDIRECT) {
					out->redirect = to;
					out->verdict = ZT_RULES_REDIRECT;
					goto out;
				}
				out->tee = to;
				out->tee_len = r->v.fwd.length;
				out->watch = type == ZT_RULE_WATCH;
				continue;
			}
			case ZT_RULE_BREAK:
				out->rule = -1; /* nothing decided: on to the capabilities */
				out->verdict = ZT_RULES_NO_MATCH;
				goto out;
			default: continue; /* an action this version does not know */
			}
		}
		/* false AND anything is false: skip the work. */
		if (!set && !(r->t & ZT_RULE_OR))
			continue;
		m = match(ctx, k, r, &s);
		if (m == M_CANNOT)
			yes = false;
		else if (m == M_ALWAYS)
			yes = true;
		else
			yes = (m == M_YES) != ((r->t & ZT_RULE_NOT) != 0);
		if (r->t & ZT_RULE_OR)
			set = set || yes;
		else
			set = set && yes;
	}
	decided = false;
out:
	*st = s;
	return decided;
}

static void result_init(struct zt_rules_result *out)
{
	*out =
	    (struct zt_rules_result){.verdict = ZT_RULES_NO_MATCH, .rule = -1, .qos = QOS_DEFAULT};
}

/* One list on a frame parsed already (k: a filter parses it once for the
 * network's list and every capability). */
static void eval(const struct zt_rules_ctx *ctx, struct pkt *k, const struct zt_rule *rules,
                 unsigned count, struct zt_rules_result *out)
{
	struct state s = {false, false};

	result_init(out);
	if (run(ctx, k, rules, 0, count, &s, out))
		return;
	out->rule = -1;
	out->verdict = ZT_RULES_NO_MATCH;
}

void zt_rules_eval(const struct zt_rules_ctx *ctx, const struct zt_rule *rules, unsigned count,
                   struct zt_rules_result *out)
{
	struct pkt k;

	if (!parse(ctx->frame, ctx->len, &k)) {
		result_init(out);
		out->verdict = ZT_RULES_DROP;
		return;
	}
	eval(ctx, &k, rules, count, out);
}

bool zt_rules_filter(const struct zt_rules_ctx *ctx, const struct zt_rule *rules, unsigned count,
                     const struct zt_cap *caps, unsigned cap_count, struct zt_rules_result *out)
{
	struct pkt k;

	if (!parse(ctx->frame, ctx->len, &k)) {
		zt_rules_eval(ctx, rules, count, out); /* the same verdict: DROP */
		return false;
	}
	eval(ctx, &k, rules, count, out);
	switch (out->verdict) {
	case ZT_RULES_DROP: return false;
	case ZT_RULES_NO_MATCH: break;
	default: return true;
	}
	for (unsigned i = 0; i < cap_count; i++) {
		struct zt_rules_result cr;
		unsigned n =
		    caps[i].rule_count < ZT_CAP_RULES_MAX ? caps[i].rule_count : ZT_CAP_RULES_MAX;
		eval(ctx, &k, caps[i].rules, n, &cr);
		/* A DROP in a capability only ends that capability. */
		if (cr.verdict != ZT_RULES_DROP && cr.verdict != ZT_RULES_NO_MATCH) {
			*out = cr;
			return true;
		}
	}
	out->rule = -1;
	out->verdict = ZT_RULES_DROP;
	return false;
}

/* ---- reading the index (rules_index.h; rules_index.c builds it) ---- */

/* The ports as the index reads them (as port_match() sees them). */
static void port_values(const struct pkt *k, int *sport, int *dport)
{
	if (k->proto < 0) {
		*sport = *dport = V_CANNOT;
	} else if ((k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP &&
	            k->proto != IPPROTO_SCTP && k->proto != IPPROTO_UDPLITE) ||
	           k->l4 == 0 || k->l4 + 4 > k->len) {
		*sport = *dport = V_NOPORT;
	} else {
		*sport = zt_get_u16(k->p + k->l4);
		*dport = zt_get_u16(k->p + k->l4 + 2);
	}
}

static const uint64_t *dim_mask(const uint8_t *base, const struct idx_dim *d, int x, unsigned words)
{
	const uint64_t *m = (const uint64_t *)(const void *)(base + d->masks);
	const uint16_t *b = (const uint16_t *)(const void *)(base + d->bounds);
	unsigned lo = 0, hi = d->nb;

	if (x < 0)
		return m + (unsigned)(x - V_CANNOT) * words;
	if (hi <= 8) {
		/* a few boundaries (an ethertype or two): a scan is cheaper */
		while (lo < hi && b[lo] <= (unsigned)x)
			lo++;
		return m + (2 + lo) * words;
	}
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (b[mid] <= (unsigned)x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return m + (2 + lo) * words;
}

/* The index's fields of the frame, worked out once (the key: see
 * key_masks). */
static void idx_fields(struct pkt *k)
{
	if (k->idx_known)
		return;
	k->idx_v[DIM_ETHERTYPE] = k->ethertype;
	k->idx_v[DIM_PROTO] = k->proto < 0 ? V_CANNOT : k->proto;
	port_values(k, &k->idx_v[DIM_SPORT], &k->idx_v[DIM_DPORT]);
	k->idx_key = (uint64_t)k->idx_v[DIM_ETHERTYPE] |
	             (uint64_t)(k->idx_v[DIM_PROTO] - V_CANNOT) << KEY_SHIFT_PROTO |
	             (uint64_t)(k->idx_v[DIM_SPORT] - V_CANNOT) << KEY_SHIFT_SPORT |
	             (uint64_t)(k->idx_v[DIM_DPORT] - V_CANNOT) << KEY_SHIFT_DPORT;
	k->idx_known = true;
}

/* eval() with the index l of the list (its memo missed): only the blocks
 * the frame can take are run. */
__attribute__((noinline)) static void eval_idx(const struct zt_rules_ctx *ctx, struct pkt *k,
                                               const struct zt_rule *rules, const uint8_t *base,
                                               struct idx_list *l, struct zt_rules_result *out)
{
	const uint16_t *ends = (const uint16_t *)(const void *)(base + l->ends);
	const uint64_t *exact = (const uint64_t *)(const void *)(base + l->exact);
	uint64_t cand[IDX_WORDS_MAX] = {~0ULL, ~0ULL, ~0ULL, ~0ULL};
	struct state s = {false, false};
	bool pure = true;          /* only blocks of guards alone are left */
	unsigned from = 0, to = 0; /* the entries to run next (to 0: none) */

	result_init(out);
	for (unsigned dims = l->dims; dims != 0; dims &= dims - 1) {
		unsigned d = (unsigned)__builtin_ctz(dims);
		const uint64_t *m = dim_mask(base, &l->dim[d], k->idx_v[d], l->words);
		cand[0] &= m[0]; /* most lists have at most 64 blocks */
		for (unsigned w = 1; w < l->words; w++)
			cand[w] &= m[w];
	}
	for (unsigned w = 0; w < l->words; w++) {
		uint64_t bits = cand[w];
		while (bits != 0) {
			/* A run of blocks that follow each other is run in one
			 * go (a list that leaves them all costs what the walk
			 * costs); a lone block of guards alone that passed is
			 * taken: only its action is run. */
			unsigned b = (unsigned)__builtin_ctzll(bits);
			uint64_t rest = ~(bits >> b);
			unsigned len = rest == 0 ? 64 - b : (unsigned)__builtin_ctzll(rest);
			uint64_t mask = len == 64 ? ~0ULL : ((1ULL << len) - 1) << b;
			unsigned first = w * 64 + b, last = first + len - 1, start;
			bits &= ~mask;
			if (first >= l->blocks)
				break;
			if (last >= l->blocks)
				last = l->blocks - 1u;
			pure = pure && (exact[w] & mask) == mask;
			start = len == 1 && ((exact[w] >> b) & 1) ? ends[first] - 1u
			        : first == 0                      ? 0
			                                          : ends[first - 1];
			if (to != 0 && start == to) {
				to = ends[last];
				continue;
			}
			if (to != 0 && run(ctx, k, rules, from, to, &s, out))
				goto done;
			from = start;
			to = ends[last];
		}
	}
	if (to != 0 && run(ctx, k, rules, from, to, &s, out))
		goto done;
	out->rule = -1;
	out->verdict = ZT_RULES_NO_MATCH;
done:
	/* Blocks of guards alone neither read nor change anything but the
	 * fields: the same fields, the same result. */
	if (pure) {
		l->memo_key = k->idx_key & l->key_mask;
		l->memo_verdict = (int8_t)out->verdict;
		l->memo_rule = (int16_t)out->rule;
		l->memo_qos = out->qos;
		l->memo_ok = true;
	}
}

/* List i of the index, if it is that of a list of `count` entries. */
static struct idx_list *idx_list(struct zt_rules_index *idx, unsigned i, unsigned count)
{
	struct idx_list *l;

	if (idx == NULL || i >= idx->lists)
		return NULL;
	l = (struct idx_list *)(void *)((uint8_t *)idx + idx->list[i]);
	return l->count == count && (l->blocks > 0 || count == 0) ? l : NULL;
}

static void eval_any(const struct zt_rules_ctx *ctx, struct pkt *k, const struct zt_rule *rules,
                     unsigned count, struct zt_rules_index *idx, unsigned i,
                     struct zt_rules_result *out)
{
	struct idx_list *l = idx_list(idx, i, count);

	if (l == NULL || l->dims == 0) {
		/* no index, or one that passes over nothing */
		eval(ctx, k, rules, count, out);
		return;
	}
	idx_fields(k);
	if (l->memo_ok && (k->idx_key & l->key_mask) == l->memo_key) {
		*out = (struct zt_rules_result){.verdict = (enum zt_rules_verdict)l->memo_verdict,
		                                .rule = l->memo_rule,
		                                .qos = l->memo_qos};
		return;
	}
	eval_idx(ctx, k, rules, (const uint8_t *)idx, l, out);
}

bool zt_rules_filter_fast(const struct zt_rules_ctx *ctx, const struct zt_rule *rules,
                          unsigned count, struct zt_rules_index *idx, const struct zt_cap *caps,
                          unsigned cap_count, struct zt_rules_index *cap_idx,
                          struct zt_rules_result *out)
{
	struct pkt k;

	if (!parse(ctx->frame, ctx->len, &k)) {
		zt_rules_eval(ctx, rules, count, out); /* the same verdict: DROP */
		return false;
	}
	eval_any(ctx, &k, rules, count, idx, 0, out);
	switch (out->verdict) {
	case ZT_RULES_DROP: return false;
	case ZT_RULES_NO_MATCH: break;
	default: return true;
	}
	for (unsigned i = 0; i < cap_count; i++) {
		struct zt_rules_result cr;
		unsigned n =
		    caps[i].rule_count < ZT_CAP_RULES_MAX ? caps[i].rule_count : ZT_CAP_RULES_MAX;
		eval_any(ctx, &k, caps[i].rules, n, cap_idx, i, &cr);
		/* A DROP in a capability only ends that capability. */
		if (cr.verdict != ZT_RULES_DROP && cr.verdict != ZT_RULES_NO_MATCH) {
			*out = cr;
			return true;
		}
	}
	out->rule = -1;
	out->verdict = ZT_RULES_DROP;
	return false;
}

bool zt_rules_trivial(const struct zt_rule *rules, unsigned count)
{
	/* An empty list drops everything (as in ZeroTier): not trivial. */
	return count >= 1 && rules[0].t == ZT_RULE_ACCEPT;
}

bool zt_rules_use_flows(const struct zt_rule *rules, unsigned count)
{
	for (unsigned i = 0; i < count; i++)
		if (ZT_RULE_TYPE(rules[i].t) == ZT_RULE_ESTABLISHED)
			return true;
	return false;
}
