/* SPDX-License-Identifier: MIT */
/*
 * eth.h - Ethernet and IP as the switch, the snooper, NDP, MSS clamping
 * and segmentation read and write them: ethertypes, header lengths and
 * field offsets (from the start of each header), protocol numbers and
 * message types, and the group MACs that IP multicast maps to (RFC 1112,
 * RFC 2464).  Constants and one-line predicates only.
 */
#ifndef ZT_NODE_ETH_H
#define ZT_NODE_ETH_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Ethernet II */
#define ZT_ETH_ALEN      6  /* a MAC */
#define ZT_ETH_SRC       6  /* source MAC (the destination is at 0) */
#define ZT_ETH_TYPE      12 /* ethertype */
#define ZT_ETH_HLEN      14
#define ZT_ETH_VLAN_HLEN 18 /* with one 802.1Q tag */
#define ZT_ETH_P_IPV4    0x0800
#define ZT_ETH_P_ARP     0x0806
#define ZT_ETH_P_VLAN    0x8100 /* an 802.1Q tag in place of the ethertype */
#define ZT_ETH_P_QINQ    0x88a8 /* an 802.1ad (outer) tag */
#define ZT_ETH_P_IPV6    0x86dd

/* ARP for IPv4 over Ethernet (RFC 826) */
#define ZT_ARP_LEN        28
#define ZT_ARP_HTYPE      0 /* 1: Ethernet */
#define ZT_ARP_PTYPE      2 /* ZT_ETH_P_IPV4 */
#define ZT_ARP_HLEN       4 /* 6 */
#define ZT_ARP_PLEN       5 /* 4 */
#define ZT_ARP_OP         6
#define ZT_ARP_SPA        14 /* sender's IPv4 address */
#define ZT_ARP_TPA        24 /* target's IPv4 address */
#define ZT_ARP_HW_ETHER   1
#define ZT_ARP_SHA        8 /* sender's MAC */
#define ZT_ARP_OP_REQUEST 1

/* IPv4 (RFC 791) */
#define ZT_IP4_HLEN      20 /* without options */
#define ZT_IP4_LEN       2  /* total length */
#define ZT_IP4_ID        4
#define ZT_IP4_FRAG      6 /* flags and fragment offset */
#define ZT_IP4_TTL       8
#define ZT_IP4_PROTO     9
#define ZT_IP4_CSUM      10
#define ZT_IP4_SRC       12
#define ZT_IP4_DST       16
#define ZT_IP4_DF        0x40   /* in the byte at ZT_IP4_FRAG */
#define ZT_IP4_FRAG_MASK 0x3fff /* MF and the offset: nonzero in a fragment */
#define ZT_IP_MAX        65535  /* IPv4 total length, IPv6 payload length */

/* IPv6 (RFC 8200) */
#define ZT_IP6_HLEN 40
#define ZT_IP6_PLEN 4 /* payload length */
#define ZT_IP6_NEXT 6 /* next header */
#define ZT_IP6_HLIM 7 /* hop limit */
#define ZT_IP6_SRC  8
#define ZT_IP6_DST  24

/* IP protocol numbers (next headers) */
#define ZT_IPPROTO_HOPOPTS 0
#define ZT_IPPROTO_IGMP    2
#define ZT_IPPROTO_TCP     6
#define ZT_IPPROTO_UDP     17
#define ZT_IPPROTO_ICMPV6  58

/* TCP (RFC 9293) */
#define ZT_TCP_HLEN    20 /* without options */
#define ZT_TCP_SEQ     4
#define ZT_TCP_ACKNO   8
#define ZT_TCP_DOFF    12 /* data offset, in the high nibble */
#define ZT_TCP_FLAGS   13
#define ZT_TCP_WIN     14
#define ZT_TCP_CSUM    16
#define ZT_TCP_URP     18
#define ZT_TCP_FIN     0x01
#define ZT_TCP_SYN     0x02
#define ZT_TCP_RST     0x04
#define ZT_TCP_PSH     0x08
#define ZT_TCP_ACK     0x10
#define ZT_TCP_URG     0x20
#define ZT_TCP_CWR     0x80
#define ZT_TCPOPT_EOL  0
#define ZT_TCPOPT_NOP  1
#define ZT_TCPOPT_MSS  2
#define ZT_TCPOLEN_MSS 4

/* UDP (RFC 768) */
#define ZT_UDP_HLEN 8
#define ZT_UDP_LEN  4
#define ZT_UDP_CSUM 6

/* IGMP (RFC 2236, RFC 3376) */
#define ZT_IGMP_QUERY     0x11
#define ZT_IGMP_V1_REPORT 0x12
#define ZT_IGMP_V2_REPORT 0x16
#define ZT_IGMP_LEAVE     0x17
#define ZT_IGMP_V3_REPORT 0x22

/* ICMPv6: MLD (RFC 2710, RFC 3810) and neighbour discovery (RFC 4861) */
#define ZT_MLD_QUERY     130
#define ZT_MLD_V1_REPORT 131
#define ZT_MLD_DONE      132
#define ZT_ND_NS         135
#define ZT_ND_NA         136
#define ZT_MLD_V2_REPORT 143

static inline const uint8_t *zt_eth_broadcast(void)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	return bcast;
}

static inline bool zt_eth_is_broadcast(const uint8_t mac[6])
{
	return memcmp(mac, zt_eth_broadcast(), 6) == 0;
}

/* Group MACs that every host listens to without reporting them
 * (01:00:5e:00:00:01 all-hosts, 33:33:00:00:00:01 all-nodes). */
static inline bool zt_eth_is_implicit_group(const uint8_t mac[6])
{
	static const uint8_t all_hosts[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
	static const uint8_t all_nodes[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};
	return memcmp(mac, all_hosts, 6) == 0 || memcmp(mac, all_nodes, 6) == 0;
}

/* IPv6 solicited-node group (33:33:ff:xx:xx:xx): address resolution. */
static inline bool zt_eth_is_solicited_group(const uint8_t mac[6])
{
	return mac[0] == 0x33 && mac[1] == 0x33 && mac[2] == 0xff;
}

/* The group MAC of an IPv4 multicast address (RFC 1112: 01:00:5e and its
 * low 23 bits). */
static inline void zt_eth_group_of_ip4(const uint8_t ip[4], uint8_t mac[6])
{
	mac[0] = 0x01;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = ip[1] & 0x7f;
	mac[4] = ip[2];
	mac[5] = ip[3];
}

/* The group MAC of an IPv6 multicast address (RFC 2464: 33:33 and its low
 * 32 bits). */
static inline void zt_eth_group_of_ip6(const uint8_t ip[16], uint8_t mac[6])
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, ip + 12, 4);
}

#endif
