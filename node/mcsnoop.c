/* SPDX-License-Identifier: MIT */
/*
 * mcsnoop.c - the IGMP/MLD/ARP snooper and its general queries (see
 * mcsnoop.h).  Every read of a frame is bounds-checked: whatever the host
 * (or a LAN it bridges) writes into the TAP comes here.
 */
#include "mcsnoop.h"

#include <string.h>

#include "csum.h"
#include "eth.h"
#include "util.h"
#include "wire.h"

static size_t push(struct zt_mcsnoop_event *ev, size_t n, size_t cap, bool join,
                   const uint8_t mac[6], uint32_t adi)
{
	if (n >= cap || zt_eth_is_implicit_group(mac))
		return n;
	ev[n].join = join;
	memcpy(ev[n].mac, mac, 6);
	ev[n].adi = adi;
	return n + 1;
}

/* IGMPv3 / MLDv2 record types: which mean "I listen to this group". */
static int record_state(unsigned type, unsigned nsrc)
{
	switch (type) {
	case 2: /* MODE_IS_EXCLUDE */
	case 4: /* CHANGE_TO_EXCLUDE */ return 1;
	case 1: /* MODE_IS_INCLUDE */
	case 3: /* CHANGE_TO_INCLUDE */ return nsrc > 0 ? 1 : 0;
	case 5: /* ALLOW_NEW_SOURCES */ return nsrc > 0 ? 1 : -1;
	default: return -1; /* BLOCK_OLD_SOURCES, unknown: no change */
	}
}

/* Is `a` an IPv4 (224/4) or IPv6 (ff00::/8) group address?  Its MAC. */
static bool group_mac(const uint8_t *a, bool v6, uint8_t mac[6])
{
	if (v6 ? a[0] != 0xff : (a[0] & 0xf0) != 0xe0)
		return false;
	if (v6)
		zt_eth_group_of_ip6(a, mac);
	else
		zt_eth_group_of_ip4(a, mac);
	return true;
}

/* The group records of an IGMPv3 or MLDv2 report m (len bytes), from
 * offset 8: type, aux data length (in words), number of sources, the
 * group address, the sources, the aux data. */
static size_t records(const uint8_t *m, size_t len, bool v6, struct zt_mcsnoop_event *ev, size_t n,
                      size_t cap)
{
	size_t alen = v6 ? 16 : 4, nrec = zt_get_u16(m + 6), off = 8;
	uint8_t mac[6];

	for (size_t r = 0; r < nrec; r++) {
		size_t nsrc, aux, rl;
		int st;
		if (off + 4 + alen > len)
			break;
		nsrc = zt_get_u16(m + off + 2);
		aux = m[off + 1];
		rl = 4 + alen + alen * nsrc + 4 * aux;
		if (off + rl > len)
			break;
		st = record_state(m[off], (unsigned)nsrc);
		if (st >= 0 && group_mac(m + off + 4, v6, mac))
			n = push(ev, n, cap, st == 1, mac, 0);
		off += rl;
	}
	return n;
}

static size_t snoop_ipv4(const uint8_t *ip, size_t len, struct zt_mcsnoop_event *ev, size_t cap,
                         bool *consume)
{
	size_t ihl, tot, n = 0;
	const uint8_t *g;
	uint8_t mac[6];

	if (len < ZT_IP4_HLEN || (ip[0] >> 4) != 4 || ip[ZT_IP4_PROTO] != ZT_IPPROTO_IGMP)
		return 0;
	ihl = (size_t)(ip[0] & 15) * 4;
	tot = zt_get_u16(ip + ZT_IP4_LEN);
	if (ihl < ZT_IP4_HLEN || tot < ihl + 8 || tot > len)
		return 0;
	g = ip + ihl;
	len = tot - ihl;
	switch (g[0]) {
	case ZT_IGMP_V1_REPORT:
	case ZT_IGMP_V2_REPORT:
	case ZT_IGMP_LEAVE:
		*consume = true;
		if (group_mac(g + 4, false, mac))
			n = push(ev, n, cap, g[0] != ZT_IGMP_LEAVE, mac, 0);
		break;
	case ZT_IGMP_V3_REPORT:
		*consume = true;
		n = records(g, len, false, ev, n, cap);
		break;
	default: return 0;
	}
	/* The report's source is the host's address: its ARP group. */
	if (n < cap && zt_get_u32(ip + ZT_IP4_SRC) != 0)
		n = push(ev, n, cap, true, zt_eth_broadcast(), zt_get_u32(ip + ZT_IP4_SRC));
	return n;
}

static size_t snoop_ipv6(const uint8_t *ip, size_t len, struct zt_mcsnoop_event *ev, size_t cap,
                         bool *consume)
{
	size_t off = ZT_IP6_HLEN, plen, n = 0;
	unsigned nh;
	const uint8_t *m;
	uint8_t mac[6];

	if (len < ZT_IP6_HLEN || (ip[0] >> 4) != 6)
		return 0;
	plen = zt_get_u16(ip + ZT_IP6_PLEN);
	if (ZT_IP6_HLEN + plen > len)
		return 0;
	len = ZT_IP6_HLEN + plen;
	nh = ip[ZT_IP6_NEXT];
	/* MLD comes after a hop-by-hop header (router alert). */
	if (nh == ZT_IPPROTO_HOPOPTS) {
		if (off + 8 > len)
			return 0;
		nh = ip[off];
		off += 8 + (size_t)ip[off + 1] * 8;
	}
	if (nh != ZT_IPPROTO_ICMPV6 || off + 8 > len)
		return 0;
	m = ip + off;
	len -= off;
	switch (m[0]) {
	case ZT_MLD_V1_REPORT:
	case ZT_MLD_DONE:
		if (len < 24)
			return 0;
		*consume = true;
		if (group_mac(m + 8, true, mac))
			n = push(ev, n, cap, m[0] == ZT_MLD_V1_REPORT, mac, 0);
		break;
	case ZT_MLD_V2_REPORT:
		*consume = true;
		n = records(m, len, true, ev, n, cap);
		break;
	default: return 0;
	}
	return n;
}

size_t zt_mcsnoop_frame(const uint8_t *frame, size_t len, struct zt_mcsnoop_event *ev, size_t cap,
                        bool *consume)
{
	unsigned et;
	size_t off = ZT_ETH_HLEN;

	*consume = false;
	if (len < ZT_ETH_HLEN || cap == 0)
		return 0;
	et = zt_get_u16(frame + ZT_ETH_TYPE);
	if (et == ZT_ETH_P_VLAN && len >= ZT_ETH_HLEN + 4) { /* tagged: not ours to snoop */
		return 0;
	}
	switch (et) {
	case ZT_ETH_P_ARP: {
		const uint8_t *a = frame + off;
		/* Ethernet/IPv4 ARP: the sender's protocol address. */
		if (len < off + ZT_ARP_LEN || zt_get_u16(a + ZT_ARP_HTYPE) != ZT_ARP_HW_ETHER ||
		    zt_get_u16(a + ZT_ARP_PTYPE) != ZT_ETH_P_IPV4 || a[ZT_ARP_HLEN] != 6 ||
		    a[ZT_ARP_PLEN] != 4 || zt_get_u32(a + ZT_ARP_SPA) == 0)
			return 0;
		return push(ev, 0, cap, true, zt_eth_broadcast(), zt_get_u32(a + ZT_ARP_SPA));
	}
	case ZT_ETH_P_IPV4: return snoop_ipv4(frame + off, len - off, ev, cap, consume);
	case ZT_ETH_P_IPV6: return snoop_ipv6(frame + off, len - off, ev, cap, consume);
	default: return 0;
	}
}

/* A query's frame of len bytes: zeroed, the Ethernet header filled in. */
static void query_frame(uint8_t *out, size_t len, const uint8_t dst[6], const uint8_t src[6],
                        uint16_t type)
{
	memset(out, 0, len);
	memcpy(out, dst, 6);
	memcpy(out + ZT_ETH_SRC, src, 6);
	zt_put_u16(out + ZT_ETH_TYPE, type);
}

size_t zt_mcsnoop_igmp_query(const uint8_t src[6], uint8_t *out, size_t cap)
{
	static const uint8_t dst[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
	uint8_t *ip = out + ZT_ETH_HLEN, *g = ip + 24;
	size_t len = ZT_ETH_HLEN + 24 + 12;

	if (cap < len)
		return 0;
	query_frame(out, len, dst, src, ZT_ETH_P_IPV4);
	ip[0] = 0x46; /* IPv4, 24-byte header: router alert */
	ip[1] = 0xc0;
	zt_put_u16(ip + ZT_IP4_LEN, 24 + 12);
	ip[ZT_IP4_TTL] = 1;
	ip[ZT_IP4_PROTO] = ZT_IPPROTO_IGMP;
	/* source 0.0.0.0 (a snooping switch's proxy query, RFC 4541) */
	ip[ZT_IP4_DST] = 224;
	ip[ZT_IP4_DST + 3] = 1;
	ip[20] = 0x94;
	ip[21] = 0x04;
	zt_csum_store(ip + ZT_IP4_CSUM, zt_csum_add(0, ip, 24));
	g[0] = ZT_IGMP_QUERY;
	g[1] = 10; /* max response: 1 s */
	g[9] = 2;  /* QRV */
	g[10] = ZT_MC_QUERY_INTERVAL / 1000;
	zt_csum_store(g + 2, zt_csum_add(0, g, 12));
	return len;
}

size_t zt_mcsnoop_mld_query(const uint8_t src[6], uint8_t *out, size_t cap)
{
	static const uint8_t dst[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};
	uint8_t *ip = out + ZT_ETH_HLEN, *h = ip + ZT_IP6_HLEN, *m = h + 8;
	size_t mlen = 28, len = ZT_ETH_HLEN + ZT_IP6_HLEN + 8 + mlen;

	if (cap < len)
		return 0;
	query_frame(out, len, dst, src, ZT_ETH_P_IPV6);
	ip[0] = 0x60;
	zt_put_u16(ip + ZT_IP6_PLEN, (uint16_t)(8 + mlen));
	ip[ZT_IP6_NEXT] = ZT_IPPROTO_HOPOPTS;
	ip[ZT_IP6_HLIM] = 1;
	/* fe80::/64 with the modified EUI-64 of src: MLD queries must come
	 * from a link-local address. */
	ip[ZT_IP6_SRC] = 0xfe;
	ip[ZT_IP6_SRC + 1] = 0x80;
	ip[ZT_IP6_SRC + 8] = src[0] ^ 2;
	ip[ZT_IP6_SRC + 9] = src[1];
	ip[ZT_IP6_SRC + 10] = src[2];
	ip[ZT_IP6_SRC + 11] = 0xff;
	ip[ZT_IP6_SRC + 12] = 0xfe;
	ip[ZT_IP6_SRC + 13] = src[3];
	ip[ZT_IP6_SRC + 14] = src[4];
	ip[ZT_IP6_SRC + 15] = src[5];
	ip[ZT_IP6_DST] = 0xff; /* ff02::1 */
	ip[ZT_IP6_DST + 1] = 0x02;
	ip[ZT_IP6_DST + 15] = 1;
	h[0] = ZT_IPPROTO_ICMPV6;
	h[1] = 0;
	h[2] = 5; /* router alert: MLD */
	h[3] = 2;
	h[6] = 1; /* PadN */
	h[7] = 0;
	m[0] = ZT_MLD_QUERY;
	zt_put_u16(m + 4, 1000); /* max response: 1 s */
	m[24] = 2;               /* QRV */
	m[25] = ZT_MC_QUERY_INTERVAL / 1000;
	zt_csum_store(
	    m + 2,
	    zt_csum_add(zt_csum_pseudo_ip(ip, true, ZT_IPPROTO_ICMPV6, (uint32_t)mlen), m, mlen));
	return len;
}
