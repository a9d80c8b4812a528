/* SPDX-License-Identifier: MIT */
/*
 * ipguard.c - a member's IP addresses belong to it (see ipguard.h).
 *
 * Every read of the frame is bounds-checked; a frame that is not a well
 * formed IPv4, ARP or IPv6 packet (as a host's stack would take it) names
 * no address and passes: what a host drops cannot poison it.
 */
#include "ipguard.h"

#include <stdbool.h>
#include <string.h>

#include "eth.h"
#include "ndp.h"
#include "util.h"
#include "zt.h"

#define MAX_VLAN_TAGS 2 /* 802.1ad outer + 802.1Q inner */
#define MAX_EXT_HDRS  8 /* IPv6 extension headers walked before ICMPv6 */

/* ICMPv6 neighbour discovery (RFC 4861): message types, where each one's
 * options begin, and the link-layer address options. */
#define ND_RS         133
#define ND_RA         134
#define ND_TARGET     8
#define ND_OPT_SLLA   1
#define ND_OPT_TLLA   2
#define ND_RS_OPTIONS 8
#define ND_RA_OPTIONS 16
#define ND_NS_OPTIONS 24

/* One frame and who sends it. */
struct guard {
	const struct zt_netconf *conf; /* ours */
	uint64_t sender;
	bool outgoing;      /* from our TAP: conf lists what the sender may use */
	bool bridged;       /* a host behind a bridge (source MAC not the sender's) */
	const uint8_t *src; /* the frame's source MAC */
	uint8_t first;      /* the first octet of the network's derived MACs */
};

static bool is_ours(const struct zt_netconf *c, unsigned family, const uint8_t *ip)
{
	size_t alen = family == 4 ? 4 : 16;
	for (unsigned i = 0; i < c->addr_count && i < ZT_NETCONF_MAX_ADDRS; i++)
		if (c->addrs[i].family == family && memcmp(c->addrs[i].ip, ip, alen) == 0)
			return true;
	return false;
}

static bool has_family(const struct zt_netconf *c, unsigned family)
{
	for (unsigned i = 0; i < c->addr_count && i < ZT_NETCONF_MAX_ADDRS; i++)
		if (c->addrs[i].family == family)
			return true;
	return false;
}

static bool in_prefix(const struct zt_inetaddr *net, unsigned family, const uint8_t *ip)
{
	unsigned bits = net->bits, whole = bits / 8;

	if (net->family != family || bits > (family == 4 ? 32u : 128u))
		return false;
	if (memcmp(net->ip, ip, whole) != 0)
		return false;
	return bits % 8 == 0 ||
	       ((net->ip[whole] ^ ip[whole]) & (uint8_t)(0xff << (8 - bits % 8))) == 0;
}

/* Inside a route whose gateway is one of our addresses: we forward for
 * that target (an exit node forwards for the whole Internet). */
static bool routed_via_us(const struct zt_netconf *c, unsigned family, const uint8_t *ip)
{
	for (unsigned i = 0; i < c->route_count && i < ZT_NETCONF_MAX_ROUTES; i++) {
		const struct zt_route *r = &c->routes[i];
		if (r->via.family == family && is_ours(c, family, r->via.ip) &&
		    in_prefix(&r->target, family, ip))
			return true;
	}
	return false;
}

static bool claim4(const struct guard *g, const uint8_t ip[4])
{
	static const uint8_t any[4];

	if (memcmp(ip, any, 4) == 0) /* DHCP, ARP probes: no address yet */
		return true;
	if (!g->outgoing)
		return !is_ours(g->conf, 4, ip);
	if (g->bridged || !has_family(g->conf, 4))
		return true;
	return is_ours(g->conf, 4, ip) || routed_via_us(g->conf, 4, ip);
}

static bool claim6(const struct guard *g, const uint8_t ip[16])
{
	static const uint8_t any[16];
	uint64_t owner;

	if (memcmp(ip, any, 16) == 0) /* duplicate address detection */
		return true;
	/* An rfc4193 / 6plane address names its owner, for everyone; a
	 * bridge may hand its own 6plane /80 to the hosts behind it. */
	owner = zt_ndp_owner(g->conf->nwid, ip);
	if (owner != 0)
		return owner == g->sender;
	if (!g->outgoing)
		return !is_ours(g->conf, 6, ip);
	/* Link-local addresses are the host's own (no controller assigns
	 * them): not enforceable, and neighbour discovery needs them. */
	if (g->bridged || !has_family(g->conf, 6) || (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80))
		return true;
	return is_ours(g->conf, 6, ip) || routed_via_us(g->conf, 6, ip);
}

/* A MAC the frame says its sender has (ARP, ND options). */
static bool lladdr_ok(const struct guard *g, const uint8_t mac[6])
{
	if (memcmp(mac, g->src, 6) == 0)
		return true;
	if (!g->bridged)
		return false;
	/* A bridged host may not name a member's MAC.  Its own source MAC
	 * may be in the members' range (the switch let it through: it names
	 * no member the switch knows); any other MAC in that range it names
	 * is refused, as this check knows no members. */
	return mac[0] != g->first;
}

static enum zt_ipguard_verdict check_ip4(const struct guard *g, const uint8_t *ip, size_t len)
{
	if (len < ZT_IP4_HLEN || (ip[0] >> 4) != 4 || (ip[0] & 0x0f) < 5)
		return ZT_IPGUARD_OK;
	return claim4(g, ip + ZT_IP4_SRC) ? ZT_IPGUARD_OK : ZT_IPGUARD_SRC_IP;
}

static enum zt_ipguard_verdict check_arp(const struct guard *g, const uint8_t *arp, size_t len)
{
	if (len < ZT_ARP_LEN || zt_get_u16(arp + ZT_ARP_HTYPE) != ZT_ARP_HW_ETHER ||
	    zt_get_u16(arp + ZT_ARP_PTYPE) != ZT_ETH_P_IPV4 || arp[ZT_ARP_HLEN] != 6 ||
	    arp[ZT_ARP_PLEN] != 4)
		return ZT_IPGUARD_OK;
	if (!lladdr_ok(g, arp + ZT_ARP_SHA))
		return ZT_IPGUARD_LLADDR;
	return claim4(g, arp + ZT_ARP_SPA) ? ZT_IPGUARD_OK : ZT_IPGUARD_SRC_IP;
}

/* The link-layer address options of a neighbour discovery message. */
static enum zt_ipguard_verdict check_nd_options(const struct guard *g, const uint8_t *m, size_t len,
                                                size_t off)
{
	while (off + 2 <= len) {
		size_t olen = (size_t)m[off + 1] * 8;
		if (olen == 0 || off + olen > len)
			break; /* malformed: RFC 4861 hosts drop the message */
		if ((m[off] == ND_OPT_SLLA || m[off] == ND_OPT_TLLA) && olen >= 8 &&
		    !lladdr_ok(g, m + off + 2))
			return ZT_IPGUARD_LLADDR;
		off += olen;
	}
	return ZT_IPGUARD_OK;
}

static enum zt_ipguard_verdict check_ip6(const struct guard *g, const uint8_t *ip, size_t len)
{
	size_t end, off = ZT_IP6_HLEN;
	unsigned next;
	const uint8_t *m;

	if (len < ZT_IP6_HLEN || (ip[0] >> 4) != 6)
		return ZT_IPGUARD_OK;
	if (!claim6(g, ip + ZT_IP6_SRC))
		return ZT_IPGUARD_SRC_IP;
	end = ZT_IP6_HLEN + zt_get_u16(ip + ZT_IP6_PLEN);
	if (end > len)
		end = len;
	next = ip[ZT_IP6_NEXT];
	/* Hop-by-hop, routing and destination options may come first (MLD
	 * has a hop-by-hop header; ND has none, but a host would still take
	 * one that does). */
	for (int i = 0; i < MAX_EXT_HDRS && (next == 0 || next == 43 || next == 60); i++) {
		if (off + 8 > end)
			return ZT_IPGUARD_OK;
		next = ip[off];
		off += ((size_t)ip[off + 1] + 1) * 8;
	}
	if (next != ZT_IPPROTO_ICMPV6 || off + 8 > end)
		return ZT_IPGUARD_OK;
	m = ip + off;
	len = end - off;
	switch (m[0]) {
	case ND_RS: return check_nd_options(g, m, len, ND_RS_OPTIONS);
	case ND_RA: return check_nd_options(g, m, len, ND_RA_OPTIONS);
	case ZT_ND_NS: return check_nd_options(g, m, len, ND_NS_OPTIONS);
	case ZT_ND_NA:
		/* "I have this address": a claim like a source.  (An NS's
		 * target is the address asked about, nobody's claim.) */
		if (len < ND_NS_OPTIONS)
			return ZT_IPGUARD_OK;
		if (!claim6(g, m + ND_TARGET))
			return ZT_IPGUARD_SRC_IP;
		return check_nd_options(g, m, len, ND_NS_OPTIONS);
	default: return ZT_IPGUARD_OK;
	}
}

enum zt_ipguard_verdict zt_ipguard_check(const struct zt_netconf *conf, uint64_t sender,
                                         const uint8_t *frame, size_t len)
{
	struct guard g;
	uint8_t own[6];
	size_t off = ZT_ETH_TYPE;
	unsigned et;

	if (conf == NULL || len < ZT_ETH_HLEN)
		return ZT_IPGUARD_OK;
	zt_mac_from_address(conf->nwid, sender, own);
	g.conf = conf;
	g.sender = sender;
	g.outgoing = sender == conf->issued_to;
	g.src = frame + ZT_ETH_SRC;
	g.bridged = memcmp(g.src, own, 6) != 0;
	g.first = own[0];
	et = zt_get_u16(frame + off);
	/* The host behind a VLAN reads the addresses inside the tags. */
	for (int i = 0; i < MAX_VLAN_TAGS && (et == ZT_ETH_P_VLAN || et == ZT_ETH_P_QINQ); i++) {
		off += 4;
		if (off + 2 > len)
			return ZT_IPGUARD_OK;
		et = zt_get_u16(frame + off);
	}
	off += 2;
	switch (et) {
	case ZT_ETH_P_IPV4: return check_ip4(&g, frame + off, len - off);
	case ZT_ETH_P_ARP: return check_arp(&g, frame + off, len - off);
	case ZT_ETH_P_IPV6: return check_ip6(&g, frame + off, len - off);
	default: return ZT_IPGUARD_OK;
	}
}
