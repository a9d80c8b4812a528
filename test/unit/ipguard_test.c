/* SPDX-License-Identifier: MIT */
/*
 * ipguard_test.c - the source checks of a managed network's frames: a
 * member's own frames may name only its addresses (IPv4 and IPv6 sources,
 * ARP sender, NA target, link-layer options), a receiver refuses claims on
 * its own addresses and on rfc4193 / 6plane addresses of someone else,
 * routes via a member let it forward, bridged hosts are not IP-checked but
 * may not name a member's MAC, and what is not a well-formed packet passes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ipguard.h"
#include "test.h"
#include "zt.h"

#define NWID  UINT64_C(0x8056c2e21c000001)
#define SELF  UINT64_C(0x1111111111)
#define OTHER UINT64_C(0x23456789ab)

static const uint8_t LAN_MAC[6] = {0x00, 0x16, 0x3e, 0x01, 0x02, 0x03};

static struct zt_netconf conf;

static void ip4(uint8_t *ip, unsigned a, unsigned b, unsigned c, unsigned d)
{
	ip[0] = (uint8_t)a, ip[1] = (uint8_t)b, ip[2] = (uint8_t)c, ip[3] = (uint8_t)d;
}

static void rfc4193(uint64_t a, uint8_t ip[16])
{
	memset(ip, 0, 16);
	ip[0] = 0xfd;
	for (int i = 0; i < 8; i++)
		ip[1 + i] = (uint8_t)(NWID >> (56 - 8 * i));
	ip[9] = 0x99, ip[10] = 0x93;
	for (int i = 0; i < 5; i++)
		ip[11 + i] = (uint8_t)(a >> (32 - 8 * i));
}

static void global6(uint8_t ip[16], uint8_t last)
{
	memset(ip, 0, 16);
	ip[0] = 0x20, ip[1] = 0x01, ip[2] = 0x0d, ip[3] = 0xb8;
	ip[15] = last;
}

/* SELF has 10.9.0.10/24 and 2001:db8::10, and is the gateway of
 * 192.168.50.0/24; everyone reaches 10.9.0.0/24 on the network. */
static void setup_conf(void)
{
	memset(&conf, 0, sizeof conf);
	conf.nwid = NWID;
	conf.issued_to = SELF;
	conf.addr_count = 2;
	conf.addrs[0].family = 4;
	conf.addrs[0].bits = 24;
	ip4(conf.addrs[0].ip, 10, 9, 0, 10);
	conf.addrs[1].family = 6;
	conf.addrs[1].bits = 64;
	global6(conf.addrs[1].ip, 0x10);
	conf.route_count = 2;
	conf.routes[0].target.family = 4;
	conf.routes[0].target.bits = 24;
	ip4(conf.routes[0].target.ip, 10, 9, 0, 0);
	conf.routes[1].target.family = 4;
	conf.routes[1].target.bits = 24;
	ip4(conf.routes[1].target.ip, 192, 168, 50, 0);
	conf.routes[1].via.family = 4;
	ip4(conf.routes[1].via.ip, 10, 9, 0, 10);
}

static void eth(uint8_t *f, const uint8_t src[6], unsigned type)
{
	memset(f, 0xff, 6);
	memcpy(f + 6, src, 6);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
}

static size_t ipv4_frame(uint8_t *f, const uint8_t src_mac[6], const uint8_t src[4])
{
	uint8_t *ip = f + 14;
	memset(f, 0, 14 + 28);
	eth(f, src_mac, 0x0800);
	ip[0] = 0x45;
	ip[3] = 28;
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, src, 4);
	ip4(ip + 16, 10, 9, 0, 99);
	return 14 + 28;
}

static size_t arp_frame(uint8_t *f, const uint8_t src_mac[6], const uint8_t sha[6],
                        const uint8_t spa[4])
{
	uint8_t *a = f + 14;
	memset(f, 0, 14 + 28);
	eth(f, src_mac, 0x0806);
	a[1] = 1;
	a[2] = 0x08;
	a[4] = 6;
	a[5] = 4;
	a[7] = 2; /* reply */
	memcpy(a + 8, sha, 6);
	memcpy(a + 14, spa, 4);
	memcpy(a + 24, spa, 4); /* gratuitous */
	return 14 + 28;
}

static size_t ipv6_frame(uint8_t *f, const uint8_t src_mac[6], const uint8_t src[16])
{
	uint8_t *ip = f + 14;
	memset(f, 0, 14 + 48);
	eth(f, src_mac, 0x86dd);
	ip[0] = 0x60;
	ip[5] = 8;
	ip[6] = 17;
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	ip[24] = 0xff, ip[25] = 0x02, ip[39] = 1;
	return 14 + 48;
}

/* A neighbour advertisement (from src, for target, with a target
 * link-layer option) or, with na false, a solicitation (with a source
 * link-layer option); hop_by_hop puts an empty hop-by-hop header first. */
static size_t nd_frame(uint8_t *f, const uint8_t src_mac[6], const uint8_t src[16],
                       const uint8_t target[16], const uint8_t ll[6], bool na, bool hop_by_hop)
{
	uint8_t *ip = f + 14, *m = ip + 40;
	size_t ext = hop_by_hop ? 8 : 0;
	memset(f, 0, 14 + 40 + 8 + 32);
	eth(f, src_mac, 0x86dd);
	ip[0] = 0x60;
	ip[5] = (uint8_t)(32 + ext);
	ip[6] = hop_by_hop ? 0 : 58;
	ip[7] = 255;
	memcpy(ip + 8, src, 16);
	ip[24] = 0xff, ip[25] = 0x02, ip[39] = 1;
	if (hop_by_hop) {
		m[0] = 58; /* next: ICMPv6; length 0: 8 bytes */
		m[2] = 1;  /* PadN */
		m[3] = 4;
		m += 8;
	}
	m[0] = na ? 136 : 135;
	memcpy(m + 8, target, 16);
	m[24] = na ? 2 : 1;
	m[25] = 1;
	memcpy(m + 26, ll, 6);
	return 14 + 40 + ext + 32;
}

static enum zt_ipguard_verdict check(uint64_t sender, const uint8_t *f, size_t len)
{
	return zt_ipguard_check(&conf, sender, f, len);
}

/* Our own frames (from the TAP): only our addresses. */
static void test_outgoing_ipv4_arp(void)
{
	uint8_t f[128], mine[6], theirs[6], a[4];
	size_t len;

	setup_conf();
	zt_mac_from_address(NWID, SELF, mine);
	zt_mac_from_address(NWID, OTHER, theirs);

	ip4(a, 10, 9, 0, 10);
	CHECK_EQ(check(SELF, f, ipv4_frame(f, mine, a)), ZT_IPGUARD_OK);
	ip4(a, 10, 9, 0, 11); /* another member's */
	CHECK_EQ(check(SELF, f, ipv4_frame(f, mine, a)), ZT_IPGUARD_SRC_IP);
	ip4(a, 0, 0, 0, 0); /* DHCP */
	CHECK_EQ(check(SELF, f, ipv4_frame(f, mine, a)), ZT_IPGUARD_OK);
	ip4(a, 192, 168, 50, 7); /* we are that subnet's gateway */
	CHECK_EQ(check(SELF, f, ipv4_frame(f, mine, a)), ZT_IPGUARD_OK);
	ip4(a, 192, 168, 51, 7);
	CHECK_EQ(check(SELF, f, ipv4_frame(f, mine, a)), ZT_IPGUARD_SRC_IP);

	ip4(a, 10, 9, 0, 10);
	CHECK_EQ(check(SELF, f, arp_frame(f, mine, mine, a)), ZT_IPGUARD_OK);
	ip4(a, 10, 9, 0, 11); /* gratuitous ARP for another's address */
	CHECK_EQ(check(SELF, f, arp_frame(f, mine, mine, a)), ZT_IPGUARD_SRC_IP);
	ip4(a, 10, 9, 0, 10); /* our address, someone else's MAC */
	CHECK_EQ(check(SELF, f, arp_frame(f, mine, theirs, a)), ZT_IPGUARD_LLADDR);
	ip4(a, 0, 0, 0, 0); /* an ARP probe */
	CHECK_EQ(check(SELF, f, arp_frame(f, mine, mine, a)), ZT_IPGUARD_OK);

	/* Inside a VLAN tag, the same. */
	ip4(a, 10, 9, 0, 11);
	len = arp_frame(f + 4, mine, mine, a);
	memmove(f, f + 4, 12);
	f[12] = 0x81, f[13] = 0x00, f[14] = 0x00, f[15] = 0x05;
	f[16] = 0x08, f[17] = 0x06;
	CHECK_EQ(check(SELF, f, len + 4), ZT_IPGUARD_SRC_IP);

	/* Truncated or not IPv4: nothing a host would take, nothing named. */
	ip4(a, 10, 9, 0, 11);
	len = ipv4_frame(f, mine, a);
	CHECK_EQ(check(SELF, f, 14 + 19), ZT_IPGUARD_OK);
	f[14] = 0x65;
	CHECK_EQ(check(SELF, f, len), ZT_IPGUARD_OK);

	/* No IPv4 assignment: IPv4 sources are not ours to check. */
	conf.addr_count = 1;
	conf.addrs[0] = conf.addrs[1];
	CHECK_EQ(check(SELF, f, ipv4_frame(f, mine, a)), ZT_IPGUARD_OK);
}

static void test_outgoing_ipv6_nd(void)
{
	uint8_t f[160], mine[6], theirs[6], a[16], t[16], ll[16];

	setup_conf();
	zt_mac_from_address(NWID, SELF, mine);
	zt_mac_from_address(NWID, OTHER, theirs);
	memset(ll, 0, 16);
	ll[0] = 0xfe, ll[1] = 0x80, ll[15] = 7;

	global6(a, 0x10);
	CHECK_EQ(check(SELF, f, ipv6_frame(f, mine, a)), ZT_IPGUARD_OK);
	global6(a, 0x11);
	CHECK_EQ(check(SELF, f, ipv6_frame(f, mine, a)), ZT_IPGUARD_SRC_IP);
	CHECK_EQ(check(SELF, f, ipv6_frame(f, mine, ll)), ZT_IPGUARD_OK);
	rfc4193(SELF, a);
	CHECK_EQ(check(SELF, f, ipv6_frame(f, mine, a)), ZT_IPGUARD_OK);
	rfc4193(OTHER, a);
	CHECK_EQ(check(SELF, f, ipv6_frame(f, mine, a)), ZT_IPGUARD_SRC_IP);

	/* An advertisement for another member's address, from our
	 * link-local one; one for ours with someone else's MAC. */
	rfc4193(OTHER, t);
	CHECK_EQ(check(SELF, f, nd_frame(f, mine, ll, t, mine, true, false)), ZT_IPGUARD_SRC_IP);
	CHECK_EQ(check(SELF, f, nd_frame(f, mine, ll, t, mine, true, true)), ZT_IPGUARD_SRC_IP);
	rfc4193(SELF, t);
	CHECK_EQ(check(SELF, f, nd_frame(f, mine, ll, t, mine, true, false)), ZT_IPGUARD_OK);
	CHECK_EQ(check(SELF, f, nd_frame(f, mine, ll, t, theirs, true, false)), ZT_IPGUARD_LLADDR);
	CHECK_EQ(check(SELF, f, nd_frame(f, mine, ll, t, theirs, true, true)), ZT_IPGUARD_LLADDR);
	/* A solicitation asks about someone else's address: fine, but its
	 * source link-layer option is ours. */
	rfc4193(OTHER, t);
	CHECK_EQ(check(SELF, f, nd_frame(f, mine, ll, t, mine, false, false)), ZT_IPGUARD_OK);
	CHECK_EQ(check(SELF, f, nd_frame(f, mine, ll, t, theirs, false, false)), ZT_IPGUARD_LLADDR);
}

/* Frames from another member (off the wire). */
static void test_incoming(void)
{
	uint8_t f[160], mine[6], theirs[6], a[16], t[16], ll[16];

	setup_conf();
	zt_mac_from_address(NWID, SELF, mine);
	zt_mac_from_address(NWID, OTHER, theirs);
	memset(ll, 0, 16);
	ll[0] = 0xfe, ll[1] = 0x80, ll[15] = 9;

	/* Its own addresses (we cannot know them) pass; ours do not. */
	ip4(a, 10, 9, 0, 11);
	CHECK_EQ(check(OTHER, f, ipv4_frame(f, theirs, a)), ZT_IPGUARD_OK);
	CHECK_EQ(check(OTHER, f, arp_frame(f, theirs, theirs, a)), ZT_IPGUARD_OK);
	ip4(a, 10, 9, 0, 10);
	CHECK_EQ(check(OTHER, f, ipv4_frame(f, theirs, a)), ZT_IPGUARD_SRC_IP);
	CHECK_EQ(check(OTHER, f, arp_frame(f, theirs, theirs, a)), ZT_IPGUARD_SRC_IP);
	/* ARP naming a MAC other than the frame's own. */
	ip4(a, 10, 9, 0, 11);
	CHECK_EQ(check(OTHER, f, arp_frame(f, theirs, mine, a)), ZT_IPGUARD_LLADDR);

	global6(a, 0x10);
	CHECK_EQ(check(OTHER, f, ipv6_frame(f, theirs, a)), ZT_IPGUARD_SRC_IP);
	global6(a, 0x77);
	CHECK_EQ(check(OTHER, f, ipv6_frame(f, theirs, a)), ZT_IPGUARD_OK);
	rfc4193(OTHER, a);
	CHECK_EQ(check(OTHER, f, ipv6_frame(f, theirs, a)), ZT_IPGUARD_OK);
	rfc4193(SELF, a);
	CHECK_EQ(check(OTHER, f, ipv6_frame(f, theirs, a)), ZT_IPGUARD_SRC_IP);
	rfc4193(UINT64_C(0x3333333333), a); /* a third member's */
	CHECK_EQ(check(OTHER, f, ipv6_frame(f, theirs, a)), ZT_IPGUARD_SRC_IP);
	rfc4193(UINT64_C(0x3333333333), t);
	CHECK_EQ(check(OTHER, f, nd_frame(f, theirs, ll, t, theirs, true, false)),
	         ZT_IPGUARD_SRC_IP);
	rfc4193(OTHER, t);
	CHECK_EQ(check(OTHER, f, nd_frame(f, theirs, ll, t, theirs, true, false)), ZT_IPGUARD_OK);
	CHECK_EQ(check(OTHER, f, nd_frame(f, theirs, ll, t, mine, true, false)), ZT_IPGUARD_LLADDR);
}

/* Hosts behind a bridge: not IP-checked (the bridge cannot know their
 * addresses), but they may not name a member's MAC, our addresses, or
 * another member's rfc4193 address. */
static void test_bridged(void)
{
	uint8_t f[160], mine[6], theirs[6], a[16];

	setup_conf();
	zt_mac_from_address(NWID, SELF, mine);
	zt_mac_from_address(NWID, OTHER, theirs);

	/* We bridge: our LAN's hosts may use any IPv4. */
	ip4(a, 172, 16, 0, 5);
	CHECK_EQ(check(SELF, f, ipv4_frame(f, LAN_MAC, a)), ZT_IPGUARD_OK);
	CHECK_EQ(check(SELF, f, arp_frame(f, LAN_MAC, LAN_MAC, a)), ZT_IPGUARD_OK);
	CHECK_EQ(check(SELF, f, arp_frame(f, LAN_MAC, theirs, a)), ZT_IPGUARD_LLADDR);
	rfc4193(OTHER, a);
	CHECK_EQ(check(SELF, f, ipv6_frame(f, LAN_MAC, a)), ZT_IPGUARD_SRC_IP);
	rfc4193(SELF, a); /* our own prefix, handed to our LAN */
	CHECK_EQ(check(SELF, f, ipv6_frame(f, LAN_MAC, a)), ZT_IPGUARD_OK);

	/* Another member bridges. */
	ip4(a, 172, 16, 0, 5);
	CHECK_EQ(check(OTHER, f, arp_frame(f, LAN_MAC, LAN_MAC, a)), ZT_IPGUARD_OK);
	CHECK_EQ(check(OTHER, f, arp_frame(f, LAN_MAC, mine, a)), ZT_IPGUARD_LLADDR);
	ip4(a, 10, 9, 0, 10);
	CHECK_EQ(check(OTHER, f, arp_frame(f, LAN_MAC, LAN_MAC, a)), ZT_IPGUARD_SRC_IP);
	rfc4193(OTHER, a);
	CHECK_EQ(check(OTHER, f, ipv6_frame(f, LAN_MAC, a)), ZT_IPGUARD_OK);
	rfc4193(SELF, a);
	CHECK_EQ(check(OTHER, f, ipv6_frame(f, LAN_MAC, a)), ZT_IPGUARD_SRC_IP);

	/* A LAN host whose own MAC has the members' first octet (the switch
	 * let it through: the MAC names no member it knows) may name its own
	 * MAC, and still no other in that range. */
	{
		uint8_t odd[6] = {mine[0], 0x5a, 0xc3, 0x91, 0x0e, 0x7d};
		ip4(a, 172, 16, 0, 5);
		CHECK_EQ(check(SELF, f, arp_frame(f, odd, odd, a)), ZT_IPGUARD_OK);
		CHECK_EQ(check(OTHER, f, arp_frame(f, odd, odd, a)), ZT_IPGUARD_OK);
		CHECK_EQ(check(OTHER, f, arp_frame(f, odd, theirs, a)), ZT_IPGUARD_LLADDR);
		CHECK_EQ(check(OTHER, f, arp_frame(f, LAN_MAC, odd, a)), ZT_IPGUARD_LLADDR);
	}
}

/* No config (an ad-hoc network): nothing is checked. */
static void test_no_conf(void)
{
	uint8_t f[64], theirs[6], a[4];
	zt_mac_from_address(NWID, OTHER, theirs);
	ip4(a, 10, 9, 0, 10);
	CHECK_EQ(zt_ipguard_check(NULL, OTHER, f, arp_frame(f, theirs, theirs, a)), ZT_IPGUARD_OK);
	CHECK_EQ(zt_ipguard_check(NULL, OTHER, f, 10), ZT_IPGUARD_OK);
}

int main(void)
{
	RUN(test_outgoing_ipv4_arp);
	RUN(test_outgoing_ipv6_nd);
	RUN(test_incoming);
	RUN(test_bridged);
	RUN(test_no_conf);
	TEST_EXIT();
}
