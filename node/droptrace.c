/* SPDX-License-Identifier: MIT */
/*
 * droptrace.c - the frames a network's rules dropped lately (see
 * droptrace.h).  Every read of the frame is bounds-checked: a field the
 * frame is too short to have is left 0.
 */
#include "droptrace.h"

#include <string.h>

#include "eth.h"
#include "mem.h"
#include "util.h"

static bool has_ports(unsigned proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 136;
}

/* The transport header at p (len bytes left): ports or ICMP type/code. */
static void describe_l4(const uint8_t *p, size_t len, struct zt_rules_drop *e)
{
	if (has_ports(e->ip_proto) && len >= 4) {
		e->sport = zt_get_u16(p);
		e->dport = zt_get_u16(p + 2);
	} else if ((e->ip_proto == 1 || e->ip_proto == 58) && len >= 2) {
		e->icmp_type = p[0];
		e->icmp_code = p[1];
	}
}

void zt_droptrace_describe(const uint8_t *frame, size_t len, struct zt_rules_drop *e)
{
	const uint8_t *p;
	size_t l;

	e->len = len <= UINT16_MAX ? (uint16_t)len : UINT16_MAX;
	if (len < ZT_ETH_HLEN)
		return;
	memcpy(e->dst_mac, frame, 6);
	memcpy(e->src_mac, frame + ZT_ETH_SRC, 6);
	e->ethertype = zt_get_u16(frame + ZT_ETH_TYPE);
	p = frame + ZT_ETH_HLEN;
	l = len - ZT_ETH_HLEN;
	if (e->ethertype == ZT_ETH_P_VLAN && len >= ZT_ETH_VLAN_HLEN) {
		e->ethertype = zt_get_u16(frame + ZT_ETH_HLEN + 2);
		p = frame + ZT_ETH_VLAN_HLEN;
		l = len - ZT_ETH_VLAN_HLEN;
	}
	if (e->ethertype == ZT_ETH_P_IPV4 && l >= 20 && (p[0] >> 4) == 4) {
		size_t ihl = (size_t)(p[0] & 0xf) * 4;
		e->ip_family = 4;
		e->ip_proto = p[9];
		memcpy(e->src_ip, p + 12, 4);
		memcpy(e->dst_ip, p + 16, 4);
		/* A later fragment has no transport header. */
		if (ihl >= 20 && ihl <= l && (zt_get_u16(p + 6) & 0x1fff) == 0)
			describe_l4(p + ihl, l - ihl, e);
	} else if (e->ethertype == ZT_ETH_P_IPV6 && l >= 40 && (p[0] >> 4) == 6) {
		/* The next header as it stands: extension headers are shown
		 * as the protocol, not walked. */
		e->ip_family = 6;
		e->ip_proto = p[6];
		memcpy(e->src_ip, p + 8, 16);
		memcpy(e->dst_ip, p + 24, 16);
		describe_l4(p + 40, l - 40, e);
	}
}

void zt_droptrace_note(struct zt_droptrace **t, const struct zt_mem *mem, int64_t now, bool inbound,
                       uint64_t peer, int rule, const uint8_t *frame, size_t len)
{
	struct zt_droptrace *d = *t;
	struct zt_rules_drop *e;

	if (d == NULL) {
		d = zt_mem_calloc(mem, 1, sizeof *d);
		if (d == NULL)
			return;
		*t = d;
	}
	e = &d->e[d->next];
	memset(e, 0, sizeof *e);
	e->time = now;
	e->peer = peer;
	e->rule = rule;
	e->inbound = inbound;
	zt_droptrace_describe(frame, len, e);
	d->next = (d->next + 1) % ZT_RULES_DROPS_MAX;
	if (d->count < ZT_RULES_DROPS_MAX)
		d->count++;
}

size_t zt_droptrace_read(const struct zt_droptrace *t, struct zt_rules_drop *out, size_t cap)
{
	size_t n, first;

	if (t == NULL)
		return 0;
	n = t->count < cap ? t->count : cap;
	/* The oldest of the newest n. */
	first = (t->next + ZT_RULES_DROPS_MAX - n) % ZT_RULES_DROPS_MAX;
	for (size_t i = 0; i < n; i++)
		out[i] = t->e[(first + i) % ZT_RULES_DROPS_MAX];
	return n;
}

void zt_droptrace_free(struct zt_droptrace **t, const struct zt_mem *mem)
{
	zt_mem_free(mem, *t);
	*t = NULL;
}
