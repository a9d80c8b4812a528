/* SPDX-License-Identifier: MIT */
/*
 * rules_test.c - the rules engine (node/rules.c) against a reference table:
 * every match (with `not`, `or` and the matches that cannot apply) and
 * every action on frames built here, the capabilities after a list that
 * falls through, the byte codec (round trip, truncations, values no
 * encoder makes), and the tag and capability credentials (a flipped byte
 * or another key is refused).
 */
#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "node/rules.h"
#include "test.h"

#define SELF  UINT64_C(0x1111111111)
#define PEER  UINT64_C(0x2222222222)
#define THIRD UINT64_C(0x3333333333)
#define NWID  UINT64_C(0x8056c2e21c000001)

static const uint8_t MAC_A[6] = {0x32, 0x11, 0x22, 0x33, 0x44, 0x55};
static const uint8_t MAC_B[6] = {0x32, 0x66, 0x77, 0x88, 0x99, 0xaa};

enum frame_kind {
	F_TCP4,   /* 10.0.0.1:40000 -> 10.0.0.2:22, SYN, TOS 0x10, 10 bytes of data */
	F_UDP4,   /* 10.0.0.66:5353 -> 10.9.9.9:53 (a source not the sender's) */
	F_ICMP4,  /* echo request 10.0.0.1 -> 10.0.0.2 */
	F_ARP,    /* who-has 10.0.0.2 tell 10.0.0.1, broadcast */
	F_TCP6,   /* fd00::1 -> fd00::2 port 80, ACK|PSH, TC 0x20, behind a hop-by-hop header */
	F_NS6,    /* a neighbour solicitation */
	F_VLAN,   /* 802.1Q vid 42, PCP 5, DEI 1, around F_UDP4's packet */
	F_MCAST4, /* UDP 10.0.0.1 -> 239.1.1.1 to 01:00:5e:01:01:01 */
};

static size_t eth(uint8_t *f, const uint8_t *dst, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, MAC_A, 6);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
	return 14;
}

static size_t ipv4(uint8_t *p, uint8_t proto, const char *src, const char *dst, size_t l4len)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	p[1] = 0x10;
	p[2] = (uint8_t)((20 + l4len) >> 8);
	p[3] = (uint8_t)(20 + l4len);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	return 20;
}

static size_t build(enum frame_kind k, uint8_t *f)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t mc[6] = {0x01, 0x00, 0x5e, 0x01, 0x01, 0x01};
	size_t o;
	uint8_t *p;

	memset(f, 0, 256);
	switch (k) {
	case F_TCP4:
		o = eth(f, MAC_B, 0x0800);
		o += ipv4(f + o, 6, "\x0a\x00\x00\x01", "\x0a\x00\x00\x02", 30);
		p = f + o;
		p[0] = 40000 >> 8, p[1] = 40000 & 0xff, p[2] = 0, p[3] = 22;
		p[12] = 0x50;
		p[13] = 0x02; /* SYN */
		return o + 30;
	case F_UDP4:
		o = eth(f, MAC_B, 0x0800);
		o += ipv4(f + o, 17, "\x0a\x00\x00\x42", "\x0a\x09\x09\x09", 8);
		p = f + o;
		p[0] = 5353 >> 8, p[1] = 5353 & 0xff, p[2] = 0, p[3] = 53;
		return o + 8;
	case F_ICMP4:
		o = eth(f, MAC_B, 0x0800);
		o += ipv4(f + o, 1, "\x0a\x00\x00\x01", "\x0a\x00\x00\x02", 8);
		f[o] = 8;
		return o + 8;
	case F_ARP:
		o = eth(f, bcast, 0x0806);
		p = f + o;
		p[1] = 1, p[2] = 8, p[4] = 6, p[5] = 4, p[7] = 1;
		memcpy(p + 8, MAC_A, 6);
		memcpy(p + 14, "\x0a\x00\x00\x01", 4);
		memcpy(p + 24, "\x0a\x00\x00\x02", 4);
		return o + 28;
	case F_TCP6:
		o = eth(f, MAC_B, 0x86dd);
		p = f + o;
		p[0] = 0x62; /* version 6, traffic class 0x20 */
		p[4] = 0, p[5] = 8 + 20;
		p[6] = 0; /* hop-by-hop */
		p[7] = 64;
		p[8] = 0xfd, p[23] = 1;
		p[24] = 0xfd, p[39] = 2;
		p[40] = 6, p[41] = 0; /* next: TCP, 8 bytes */
		p[48] = 1234 >> 8, p[49] = 1234 & 0xff, p[50] = 0, p[51] = 80;
		p[48 + 12] = 0x50;
		p[48 + 13] = 0x18; /* ACK|PSH */
		return o + 48 + 20;
	case F_NS6:
		o = eth(f, MAC_B, 0x86dd);
		p = f + o;
		p[0] = 0x60, p[5] = 24, p[6] = 58, p[7] = 255;
		p[24] = 0xff, p[25] = 0x02;
		p[40] = 135;
		p[48] = 0xfd, p[63] = 2;
		return o + 64;
	case F_VLAN:
		o = eth(f, MAC_B, 0x8100);
		f[o] = (5 << 5) | (1 << 4) | 0; /* PCP 5, DEI 1, vid 42 */
		f[o + 1] = 42;
		f[o + 2] = 0x08, f[o + 3] = 0x00;
		o += 4;
		o += ipv4(f + o, 17, "\x0a\x00\x00\x01", "\x0a\x09\x09\x09", 8);
		return o + 8;
	case F_MCAST4:
		o = eth(f, mc, 0x0800);
		o += ipv4(f + o, 17, "\x0a\x00\x00\x01", "\xef\x01\x01\x01", 8);
		return o + 8;
	}
	return 0;
}

static uint32_t fixed_random(void *arg)
{
	return *(uint32_t *)arg;
}

static const struct zt_inetaddr MY_ADDRS[1] = {{4, 24, {10, 0, 0, 1}}};
static const struct zt_tag LOCAL_TAGS[2] = {{1, 100, {0}}, {2, 0x0f, {0}}};
static const struct zt_tag REMOTE_TAGS[2] = {{1, 103, {0}}, {2, 0xf0, {0}}};

/* How the context differs from "we send to PEER, knowing its tags". */
enum variant { V_OUT = 0, V_IN, V_OUT_NO_REMOTE_TAGS, V_IN_NO_REMOTE_TAGS, V_BRIDGE };

static uint32_t random_value = 5;
static uint8_t frame_buf[256];

static void make_ctx(enum frame_kind fk, enum variant v, struct zt_rules_ctx *c)
{
	memset(c, 0, sizeof *c);
	c->frame = frame_buf;
	c->len = build(fk, frame_buf);
	c->nwid = NWID;
	c->self = SELF;
	c->src = SELF;
	c->dst = PEER;
	c->sender_mac = MAC_A;
	c->sender_addrs = MY_ADDRS;
	c->sender_addr_count = 1;
	c->local_tags = LOCAL_TAGS;
	c->local_tag_count = 2;
	c->remote_tags = REMOTE_TAGS;
	c->remote_tag_count = 2;
	c->random = fixed_random;
	c->random_arg = &random_value;
	if (v == V_IN || v == V_IN_NO_REMOTE_TAGS) {
		c->inbound = true;
		c->src = PEER;
		c->dst = SELF;
	}
	if (v == V_OUT_NO_REMOTE_TAGS || v == V_IN_NO_REMOTE_TAGS) {
		c->remote_tags = NULL;
		c->remote_tag_count = 0;
	}
	c->sender_is_bridge = v == V_BRIDGE;
}

#define R(type, ...)                                                                               \
	{                                                                                          \
		.t = (type), .v = { __VA_ARGS__ }                                                  \
	}
#define NOT(type, ...)                                                                             \
	{                                                                                          \
		.t = (type) | ZT_RULE_NOT, .v = { __VA_ARGS__ }                                    \
	}
#define OR(type, ...)                                                                              \
	{                                                                                          \
		.t = (type) | ZT_RULE_OR, .v = { __VA_ARGS__ }                                     \
	}
#define ACCEPT                                                                                     \
	{                                                                                          \
		.t = ZT_RULE_ACCEPT                                                                \
	}
#define DROP                                                                                       \
	{                                                                                          \
		.t = ZT_RULE_DROP                                                                  \
	}
#define V4(a, b, c, d, n) .ip = {.ip = {a, b, c, d}, .bits = n}
#define RANGE(a, b)       .range = {a, b}
#define CHR(x)            .characteristics = (x)
#define TAG(i, val)       .tag = {i, val}

/* A match tried alone: [match, ACCEPT, DROP] accepts (rule 1) when it
 * holds and drops (rule 2) when it does not. */
struct mcase {
	const char *what;
	struct zt_rule m;
	enum frame_kind f;
	enum variant v;
	bool holds;
};

static const struct mcase MATCHES[] = {
    {"ztsrc ours", R(ZT_RULE_ZT_SRC, .zt = SELF), F_TCP4, V_OUT, true},
    {"ztsrc other", R(ZT_RULE_ZT_SRC, .zt = THIRD), F_TCP4, V_OUT, false},
    {"ztsrc inbound", R(ZT_RULE_ZT_SRC, .zt = PEER), F_TCP4, V_IN, true},
    {"not ztsrc", NOT(ZT_RULE_ZT_SRC, .zt = THIRD), F_TCP4, V_OUT, true},
    {"ztdest", R(ZT_RULE_ZT_DEST, .zt = PEER), F_TCP4, V_OUT, true},
    {"ztdest inbound is us", R(ZT_RULE_ZT_DEST, .zt = SELF), F_TCP4, V_IN, true},
    {"vlan 42", R(ZT_RULE_VLAN_ID, .vlan_id = 42), F_VLAN, V_OUT, true},
    {"vlan 42 untagged", R(ZT_RULE_VLAN_ID, .vlan_id = 42), F_UDP4, V_OUT, false},
    {"vlan 0 untagged", R(ZT_RULE_VLAN_ID, .vlan_id = 0), F_UDP4, V_OUT, true},
    {"vlanpcp 5", R(ZT_RULE_VLAN_PCP, .vlan_pcp = 5), F_VLAN, V_OUT, true},
    {"vlanpcp 4", R(ZT_RULE_VLAN_PCP, .vlan_pcp = 4), F_VLAN, V_OUT, false},
    {"vlandei 1", R(ZT_RULE_VLAN_DEI, .vlan_dei = 1), F_VLAN, V_OUT, true},
    {"vlandei 1 untagged", R(ZT_RULE_VLAN_DEI, .vlan_dei = 1), F_TCP4, V_OUT, false},
    {"macsrc", R(ZT_RULE_MAC_SRC, .mac = {0x32, 0x11, 0x22, 0x33, 0x44, 0x55}), F_TCP4, V_OUT,
     true},
    {"macsrc other", R(ZT_RULE_MAC_SRC, .mac = {0x32, 0x11, 0x22, 0x33, 0x44, 0x56}), F_TCP4, V_OUT,
     false},
    {"macdest broadcast", R(ZT_RULE_MAC_DEST, .mac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), F_ARP,
     V_OUT, true},
    {"ipsrc 10.0.0.0/24", R(ZT_RULE_IPV4_SRC, V4(10, 0, 0, 0, 24)), F_TCP4, V_OUT, true},
    {"ipsrc 10.0.1.0/24", R(ZT_RULE_IPV4_SRC, V4(10, 0, 1, 0, 24)), F_TCP4, V_OUT, false},
    {"ipsrc 0/0", R(ZT_RULE_IPV4_SRC, V4(99, 0, 0, 0, 0)), F_TCP4, V_OUT, true},
    {"ipdest 10.0.0.2/32", R(ZT_RULE_IPV4_DEST, V4(10, 0, 0, 2, 32)), F_TCP4, V_OUT, true},
    {"ipdest 10.0.0.3/32", R(ZT_RULE_IPV4_DEST, V4(10, 0, 0, 3, 32)), F_TCP4, V_OUT, false},
    {"ipdest 10.0.0.0/31", R(ZT_RULE_IPV4_DEST, V4(10, 0, 0, 3, 31)), F_TCP4, V_OUT, true},
    /* An IPv4 match on ARP cannot apply: `not` does not make it hold. */
    {"ipsrc on arp", R(ZT_RULE_IPV4_SRC, V4(10, 0, 0, 1, 32)), F_ARP, V_OUT, false},
    {"not ipsrc on arp", NOT(ZT_RULE_IPV4_SRC, V4(10, 0, 0, 9, 32)), F_ARP, V_OUT, false},
    {"ipv6 src fd00::/8", R(ZT_RULE_IPV6_SRC, .ip = {.ip = {0xfd}, .bits = 8}), F_TCP6, V_OUT,
     true},
    {"ipv6 dest fd00::1/128", R(ZT_RULE_IPV6_DEST, .ip = {.ip = {0xfd, [15] = 1}, .bits = 128}),
     F_TCP6, V_OUT, false},
    {"ipv6 dest fd00::2/128", R(ZT_RULE_IPV6_DEST, .ip = {.ip = {0xfd, [15] = 2}, .bits = 128}),
     F_TCP6, V_OUT, true},
    {"ipv6 src on ipv4", R(ZT_RULE_IPV6_SRC, .ip = {.bits = 0}), F_TCP4, V_OUT, false},
    {"iptos 0xfc 0x10", R(ZT_RULE_IP_TOS, .tos = {0xfc, 0x10, 0x10}), F_TCP4, V_OUT, true},
    {"iptos 0xfc 0x20-0x30", R(ZT_RULE_IP_TOS, .tos = {0xfc, 0x20, 0x30}), F_TCP4, V_OUT, false},
    {"iptos ipv6 class", R(ZT_RULE_IP_TOS, .tos = {0xff, 0x20, 0x20}), F_TCP6, V_OUT, true},
    {"iptos on arp", NOT(ZT_RULE_IP_TOS, .tos = {0xff, 0x20, 0x20}), F_ARP, V_OUT, false},
    {"ipprotocol tcp", R(ZT_RULE_IP_PROTOCOL, .ip_protocol = 6), F_TCP4, V_OUT, true},
    {"ipprotocol udp on tcp", R(ZT_RULE_IP_PROTOCOL, .ip_protocol = 17), F_TCP4, V_OUT, false},
    {"ipprotocol tcp past hop-by-hop", R(ZT_RULE_IP_PROTOCOL, .ip_protocol = 6), F_TCP6, V_OUT,
     true},
    {"not ipprotocol on arp", NOT(ZT_RULE_IP_PROTOCOL, .ip_protocol = 6), F_ARP, V_OUT, false},
    {"ethertype ipv4", R(ZT_RULE_ETHERTYPE, .ethertype = 0x0800), F_TCP4, V_OUT, true},
    {"ethertype arp", R(ZT_RULE_ETHERTYPE, .ethertype = 0x0806), F_TCP4, V_OUT, false},
    {"ethertype inside vlan", R(ZT_RULE_ETHERTYPE, .ethertype = 0x0800), F_VLAN, V_OUT, true},
    {"not ethertype ipv4 on arp", NOT(ZT_RULE_ETHERTYPE, .ethertype = 0x0800), F_ARP, V_OUT, true},
    {"icmp 8 any code", R(ZT_RULE_ICMP, .icmp = {8, 0, false}), F_ICMP4, V_OUT, true},
    {"icmp 8 code 0", R(ZT_RULE_ICMP, .icmp = {8, 0, true}), F_ICMP4, V_OUT, true},
    {"icmp 8 code 1", R(ZT_RULE_ICMP, .icmp = {8, 1, true}), F_ICMP4, V_OUT, false},
    {"not icmp 8 code 1", NOT(ZT_RULE_ICMP, .icmp = {8, 1, true}), F_ICMP4, V_OUT, true},
    {"icmp 0", R(ZT_RULE_ICMP, .icmp = {0, 0, false}), F_ICMP4, V_OUT, false},
    {"not icmp 0 (another type cannot apply)", NOT(ZT_RULE_ICMP, .icmp = {0, 0, false}), F_ICMP4,
     V_OUT, false},
    {"icmp on tcp", NOT(ZT_RULE_ICMP, .icmp = {8, 0, false}), F_TCP4, V_OUT, false},
    {"icmpv6 135", R(ZT_RULE_ICMP, .icmp = {135, 0, false}), F_NS6, V_OUT, true},
    {"dport 22", R(ZT_RULE_DPORT, RANGE(22, 22)), F_TCP4, V_OUT, true},
    {"dport 80-443 on 22", R(ZT_RULE_DPORT, RANGE(80, 443)), F_TCP4, V_OUT, false},
    {"dport 80 ipv6", R(ZT_RULE_DPORT, RANGE(80, 80)), F_TCP6, V_OUT, true},
    {"dport 53 udp", R(ZT_RULE_DPORT, RANGE(53, 53)), F_UDP4, V_OUT, true},
    {"sport 1024-65535", R(ZT_RULE_SPORT, RANGE(1024, 65535)), F_TCP4, V_OUT, true},
    {"sport 0-1023", R(ZT_RULE_SPORT, RANGE(0, 1023)), F_TCP4, V_OUT, false},
    /* ZeroTier: a port match on an IPv4 packet without ports fails
     * softly (`not` holds), on a non-IP frame it cannot apply. */
    {"not dport 22 on icmp", NOT(ZT_RULE_DPORT, RANGE(22, 22)), F_ICMP4, V_OUT, true},
    {"not dport 22 on arp", NOT(ZT_RULE_DPORT, RANGE(22, 22)), F_ARP, V_OUT, false},
    {"chr tcp_syn", R(ZT_RULE_CHARACTERISTICS, CHR(0x2)), F_TCP4, V_OUT, true},
    {"chr tcp_ack on syn", R(ZT_RULE_CHARACTERISTICS, CHR(0x10)), F_TCP4, V_OUT, false},
    {"chr tcp_ack ipv6", R(ZT_RULE_CHARACTERISTICS, CHR(0x10)), F_TCP6, V_OUT, true},
    {"not chr tcp_syn,tcp_ack on ack", NOT(ZT_RULE_CHARACTERISTICS, CHR(0x12)), F_TCP6, V_OUT,
     false},
    {"chr inbound out", R(ZT_RULE_CHARACTERISTICS, CHR(ZT_RULE_CHR_INBOUND)), F_TCP4, V_OUT, false},
    {"chr inbound in", R(ZT_RULE_CHARACTERISTICS, CHR(ZT_RULE_CHR_INBOUND)), F_TCP4, V_IN, true},
    {"chr multicast", R(ZT_RULE_CHARACTERISTICS, CHR(ZT_RULE_CHR_MULTICAST)), F_MCAST4, V_OUT,
     true},
    {"chr multicast on broadcast", R(ZT_RULE_CHARACTERISTICS, CHR(ZT_RULE_CHR_MULTICAST)), F_ARP,
     V_OUT, true},
    {"chr broadcast", R(ZT_RULE_CHARACTERISTICS, CHR(ZT_RULE_CHR_BROADCAST)), F_ARP, V_OUT, true},
    {"chr broadcast on multicast", R(ZT_RULE_CHARACTERISTICS, CHR(ZT_RULE_CHR_BROADCAST)), F_MCAST4,
     V_OUT, false},
    {"chr ipauth", R(ZT_RULE_CHARACTERISTICS, CHR(ZT_RULE_CHR_IPAUTH)), F_TCP4, V_OUT, true},
    {"chr ipauth arp sender", R(ZT_RULE_CHARACTERISTICS, CHR(ZT_RULE_CHR_IPAUTH)), F_ARP, V_OUT,
     true},
    {"chr ipauth foreign source", R(ZT_RULE_CHARACTERISTICS, CHR(ZT_RULE_CHR_IPAUTH)), F_UDP4,
     V_OUT, false},
    {"chr ipauth neighbour solicitation", R(ZT_RULE_CHARACTERISTICS, CHR(ZT_RULE_CHR_IPAUTH)),
     F_NS6, V_OUT, true},
    {"chr macauth", R(ZT_RULE_CHARACTERISTICS, CHR(ZT_RULE_CHR_MACAUTH)), F_TCP4, V_OUT, true},
    {"chr bridge no", R(ZT_RULE_CHARACTERISTICS, CHR(ZT_RULE_CHR_BRIDGE)), F_TCP4, V_OUT, false},
    {"chr bridge", R(ZT_RULE_CHARACTERISTICS, CHR(ZT_RULE_CHR_BRIDGE)), F_TCP4, V_BRIDGE, true},
    {"framesize 50", R(ZT_RULE_FRAME_SIZE, RANGE(50, 50)), F_TCP4, V_OUT, true},
    {"framesize 0-49", R(ZT_RULE_FRAME_SIZE, RANGE(0, 49)), F_TCP4, V_OUT, false},
    {"random never", R(ZT_RULE_RANDOM, .probability = 4), F_TCP4, V_OUT, false},
    {"random 5 of 2^32", R(ZT_RULE_RANDOM, .probability = 5), F_TCP4, V_OUT, true},
    {"tdiff 1 <= 3", R(ZT_RULE_TAGS_DIFFERENCE, TAG(1, 3)), F_TCP4, V_OUT, true},
    {"tdiff 1 <= 2", R(ZT_RULE_TAGS_DIFFERENCE, TAG(1, 2)), F_TCP4, V_OUT, false},
    {"tand 2 == 0", R(ZT_RULE_TAGS_AND, TAG(2, 0)), F_TCP4, V_OUT, true},
    {"tand 2 == 1", R(ZT_RULE_TAGS_AND, TAG(2, 1)), F_TCP4, V_OUT, false},
    {"tor 2 == 0xff", R(ZT_RULE_TAGS_OR, TAG(2, 0xff)), F_TCP4, V_IN, true},
    {"txor 1 == 3", R(ZT_RULE_TAGS_XOR, TAG(1, 100 ^ 103)), F_TCP4, V_IN, true},
    {"teq 1 100 (the other has 103)", R(ZT_RULE_TAGS_EQUAL, TAG(1, 100)), F_TCP4, V_OUT, false},
    {"tdiff unknown tag id", R(ZT_RULE_TAGS_DIFFERENCE, TAG(7, 1000)), F_TCP4, V_OUT, false},
    {"not tdiff unknown tag id", NOT(ZT_RULE_TAGS_DIFFERENCE, TAG(7, 0)), F_TCP4, V_OUT, false},
    /* Receiving, a tag the sender did not show is absent: no match. */
    {"tdiff inbound, none shown", R(ZT_RULE_TAGS_DIFFERENCE, TAG(1, 1000)), F_TCP4,
     V_IN_NO_REMOTE_TAGS, false},
    {"not tdiff inbound, none shown", NOT(ZT_RULE_TAGS_DIFFERENCE, TAG(1, 0)), F_TCP4,
     V_IN_NO_REMOTE_TAGS, false},
    /* Sending, it holds (the receiver checks). */
    {"tdiff outbound, none known", R(ZT_RULE_TAGS_DIFFERENCE, TAG(1, 0)), F_TCP4,
     V_OUT_NO_REMOTE_TAGS, true},
    {"tseq out (ours)", R(ZT_RULE_TAG_SENDER, TAG(1, 100)), F_TCP4, V_OUT, true},
    {"tseq in (theirs)", R(ZT_RULE_TAG_SENDER, TAG(1, 103)), F_TCP4, V_IN, true},
    {"tseq in, ours does not count", R(ZT_RULE_TAG_SENDER, TAG(1, 100)), F_TCP4, V_IN, false},
    {"tseq in, none shown", NOT(ZT_RULE_TAG_SENDER, TAG(1, 5)), F_TCP4, V_IN_NO_REMOTE_TAGS, false},
    {"treq out (theirs)", R(ZT_RULE_TAG_RECEIVER, TAG(1, 103)), F_TCP4, V_OUT, true},
    {"treq out, none known", R(ZT_RULE_TAG_RECEIVER, TAG(1, 5)), F_TCP4, V_OUT_NO_REMOTE_TAGS,
     true},
    {"treq in (ours)", R(ZT_RULE_TAG_RECEIVER, TAG(2, 0x0f)), F_TCP4, V_IN, true},
    {"treq in, we lack it", R(ZT_RULE_TAG_RECEIVER, TAG(9, 0)), F_TCP4, V_IN, false},
    /* The IPv4 header's first byte, low nibble (IHL 5), big-endian. */
    {"int range ihl", R(ZT_RULE_INT_RANGE, .intr = {5, 0, 0, 3}), F_TCP4, V_OUT, true},
    {"int range ihl 6-9", R(ZT_RULE_INT_RANGE, .intr = {6, 3, 0, 3}), F_TCP4, V_OUT, false},
    /* Total length (50) as a 16-bit big-endian integer at 2, and the
     * same bytes little-endian (0x3200). */
    {"int range total length", R(ZT_RULE_INT_RANGE, .intr = {40, 20, 2, 15}), F_TCP4, V_OUT, true},
    {"int range little-endian", R(ZT_RULE_INT_RANGE, .intr = {0x3200, 0, 2, 0x80 | 15}), F_TCP4,
     V_OUT, true},
    {"int range past the end reads 0", R(ZT_RULE_INT_RANGE, .intr = {0, 0, 4000, 7}), F_TCP4, V_OUT,
     true},
    {"int range 64 bits", R(ZT_RULE_INT_RANGE, .intr = {0x4510003200000000ULL, 0, 0, 63}), F_TCP4,
     V_OUT, true},
};

static void test_matches(void)
{
	for (size_t i = 0; i < sizeof MATCHES / sizeof MATCHES[0]; i++) {
		const struct mcase *t = &MATCHES[i];
		struct zt_rule list[3] = {t->m, ACCEPT, DROP};
		struct zt_rules_ctx c;
		struct zt_rules_result r;

		make_ctx(t->f, t->v, &c);
		zt_rules_eval(&c, list, 3, &r);
		if (r.verdict != (t->holds ? ZT_RULES_ACCEPT : ZT_RULES_DROP) ||
		    r.rule != (t->holds ? 1 : 2))
			fprintf(stderr, "  case \"%s\": verdict %d rule %d\n", t->what, r.verdict,
			        r.rule);
		CHECK_EQ(r.verdict, t->holds ? ZT_RULES_ACCEPT : ZT_RULES_DROP);
		CHECK_EQ(r.rule, t->holds ? 1 : 2);
	}
}

/* Lists: AND, OR, NOT combined; every action. */
struct lcase {
	const char *what;
	struct zt_rule rules[6];
	unsigned n;
	enum frame_kind f;
	enum variant v;
	enum zt_rules_verdict verdict;
	int rule;
};

static const struct lcase LISTS[] = {
    {"empty list falls through", {ACCEPT}, 0, F_TCP4, V_OUT, ZT_RULES_NO_MATCH, -1},
    {"accept", {ACCEPT}, 1, F_TCP4, V_OUT, ZT_RULES_ACCEPT, 0},
    {"drop", {DROP}, 1, F_TCP4, V_OUT, ZT_RULES_DROP, 0},
    /* ZeroTier's default: drop not ethertype ipv4 and not arp and not ipv6; accept. */
    {"default rules, ipv6",
     {NOT(ZT_RULE_ETHERTYPE, .ethertype = 0x0800), NOT(ZT_RULE_ETHERTYPE, .ethertype = 0x0806),
      DROP, ACCEPT},
     4,
     F_TCP6,
     V_OUT,
     ZT_RULES_DROP,
     2},
    {"default rules, arp",
     {NOT(ZT_RULE_ETHERTYPE, .ethertype = 0x0800), NOT(ZT_RULE_ETHERTYPE, .ethertype = 0x0806),
      DROP, ACCEPT},
     4,
     F_ARP,
     V_OUT,
     ZT_RULES_ACCEPT,
     3},
    {"or",
     {R(ZT_RULE_ETHERTYPE, .ethertype = 0x86dd), OR(ZT_RULE_ETHERTYPE, .ethertype = 0x0806), ACCEPT,
      DROP},
     4,
     F_ARP,
     V_OUT,
     ZT_RULES_ACCEPT,
     2},
    {"or, neither",
     {R(ZT_RULE_ETHERTYPE, .ethertype = 0x86dd), OR(ZT_RULE_ETHERTYPE, .ethertype = 0x0806), ACCEPT,
      DROP},
     4,
     F_TCP4,
     V_OUT,
     ZT_RULES_DROP,
     3},
    /* (false AND x) OR true: the OR revives the set. */
    {"and then or",
     {R(ZT_RULE_ETHERTYPE, .ethertype = 0x86dd), R(ZT_RULE_DPORT, RANGE(22, 22)),
      OR(ZT_RULE_IP_PROTOCOL, .ip_protocol = 6), ACCEPT, DROP},
     5,
     F_TCP4,
     V_OUT,
     ZT_RULES_ACCEPT,
     3},
    {"accept tcp 22 only, udp",
     {R(ZT_RULE_IP_PROTOCOL, .ip_protocol = 6), R(ZT_RULE_DPORT, RANGE(22, 22)), ACCEPT, DROP},
     4,
     F_UDP4,
     V_OUT,
     ZT_RULES_DROP,
     3},
    {"a set resets after an action not taken",
     {R(ZT_RULE_ETHERTYPE, .ethertype = 0x0806), DROP, R(ZT_RULE_ETHERTYPE, .ethertype = 0x0800),
      ACCEPT},
     4,
     F_TCP4,
     V_OUT,
     ZT_RULES_ACCEPT,
     3},
    {"break", {{.t = ZT_RULE_BREAK}, ACCEPT}, 2, F_TCP4, V_OUT, ZT_RULES_NO_MATCH, -1},
    {"priority", {{.t = ZT_RULE_PRIORITY, .v.qos = 2}, DROP}, 2, F_TCP4, V_OUT, ZT_RULES_ACCEPT, 0},
    {"redirect",
     {{.t = ZT_RULE_REDIRECT, .v.fwd = {THIRD, 0, 0}}, DROP},
     2,
     F_TCP4,
     V_OUT,
     ZT_RULES_REDIRECT,
     0},
    {"redirect to the destination is a no-op",
     {{.t = ZT_RULE_REDIRECT, .v.fwd = {PEER, 0, 0}}, DROP},
     2,
     F_TCP4,
     V_OUT,
     ZT_RULES_DROP,
     1},
    {"tee goes on",
     {{.t = ZT_RULE_TEE, .v.fwd = {THIRD, 0, 64}}, ACCEPT},
     2,
     F_TCP4,
     V_OUT,
     ZT_RULES_ACCEPT,
     1},
    {"tee to us, inbound",
     {{.t = ZT_RULE_TEE, .v.fwd = {SELF, 0, 0}}, DROP},
     2,
     F_TCP4,
     V_IN,
     ZT_RULES_SUPER_ACCEPT,
     0},
    {"tee to us not taken, inbound, then accept",
     {R(ZT_RULE_ETHERTYPE, .ethertype = 0x0806), {.t = ZT_RULE_TEE, .v.fwd = {SELF, 0, 0}}, ACCEPT},
     3,
     F_TCP4,
     V_IN,
     ZT_RULES_SUPER_ACCEPT,
     2},
    {"tee to us, outbound is a no-op",
     {{.t = ZT_RULE_TEE, .v.fwd = {SELF, 0, 0}}, DROP},
     2,
     F_TCP4,
     V_OUT,
     ZT_RULES_DROP,
     1},
    /* A tag the receiver has not shown us yet skips the next DROP. */
    {"unknown receiver tag skips one drop",
     {NOT(ZT_RULE_TAGS_EQUAL, TAG(1, 100)), DROP, ACCEPT},
     3,
     F_TCP4,
     V_OUT_NO_REMOTE_TAGS,
     ZT_RULES_ACCEPT,
     2},
    {"known receiver tag: the drop is taken",
     {NOT(ZT_RULE_TAGS_EQUAL, TAG(1, 100)), DROP, ACCEPT},
     3,
     F_TCP4,
     V_OUT,
     ZT_RULES_DROP,
     1},
    {"an action this version does not know does nothing",
     {{.t = 12}, ACCEPT},
     2,
     F_TCP4,
     V_OUT,
     ZT_RULES_ACCEPT,
     1},
    {"a match this version does not know fails",
     {{.t = 60}, ACCEPT, DROP},
     3,
     F_TCP4,
     V_OUT,
     ZT_RULES_DROP,
     2},
};

static void test_lists(void)
{
	for (size_t i = 0; i < sizeof LISTS / sizeof LISTS[0]; i++) {
		const struct lcase *t = &LISTS[i];
		struct zt_rules_ctx c;
		struct zt_rules_result r;

		make_ctx(t->f, t->v, &c);
		zt_rules_eval(&c, t->rules, t->n, &r);
		if (r.verdict != t->verdict || r.rule != t->rule)
			fprintf(stderr, "  case \"%s\": verdict %d rule %d\n", t->what, r.verdict,
			        r.rule);
		CHECK_EQ(r.verdict, t->verdict);
		CHECK_EQ(r.rule, t->rule);
	}
}

static void test_action_details(void)
{
	struct zt_rules_ctx c;
	struct zt_rules_result r;
	struct zt_rule prio[] = {{.t = ZT_RULE_PRIORITY, .v.qos = 2}};
	struct zt_rule bad_prio[] = {{.t = ZT_RULE_PRIORITY, .v.qos = 200}};
	struct zt_rule tee[] = {{.t = ZT_RULE_WATCH, .v.fwd = {THIRD, 0, 64}}, ACCEPT};
	struct zt_rule redir[] = {{.t = ZT_RULE_REDIRECT, .v.fwd = {THIRD, 0, 0}}};

	make_ctx(F_TCP4, V_OUT, &c);
	zt_rules_eval(&c, prio, 1, &r);
	CHECK_EQ(r.qos, 2);
	zt_rules_eval(&c, bad_prio, 1, &r);
	CHECK_EQ(r.qos, 4);
	zt_rules_eval(&c, tee, 2, &r);
	CHECK_EQ(r.tee, THIRD);
	CHECK_EQ(r.tee_len, 64);
	CHECK(r.watch);
	zt_rules_eval(&c, redir, 1, &r);
	CHECK_EQ(r.redirect, THIRD);
	/* A frame too short for an Ethernet header is dropped. */
	c.len = 13;
	zt_rules_eval(&c, prio, 1, &r);
	CHECK_EQ(r.verdict, ZT_RULES_DROP);
	/* Every truncation of every frame is read safely (the sanitizer
	 * build catches a read past the end). */
	for (int k = F_TCP4; k <= F_MCAST4; k++) {
		size_t full;
		make_ctx((enum frame_kind)k, V_IN, &c);
		full = c.len;
		for (size_t l = 0; l <= full; l++) {
			for (size_t m = 0; m < sizeof MATCHES / sizeof MATCHES[0]; m++) {
				struct zt_rule list[2] = {MATCHES[m].m, ACCEPT};
				c.len = l;
				zt_rules_eval(&c, list, 2, &r);
			}
		}
	}
}

static void test_capabilities(void)
{
	struct zt_rules_ctx c;
	struct zt_rules_result r;
	/* The network's list accepts ARP and falls through otherwise. */
	struct zt_rule net[] = {R(ZT_RULE_ETHERTYPE, .ethertype = 0x0806), ACCEPT};
	struct zt_rule net_drop[] = {R(ZT_RULE_ETHERTYPE, .ethertype = 0x0800), DROP};
	static struct zt_cap caps[2];

	memset(caps, 0, sizeof caps);
	caps[0].id = 1; /* an explicit drop ends only this capability */
	caps[0].rule_count = 1;
	caps[0].rules[0].t = ZT_RULE_DROP;
	caps[1].id = 2; /* ssh */
	caps[1].rule_count = 3;
	caps[1].rules[0] = (struct zt_rule)R(ZT_RULE_IP_PROTOCOL, .ip_protocol = 6);
	caps[1].rules[1] = (struct zt_rule)R(ZT_RULE_DPORT, RANGE(22, 22));
	caps[1].rules[2] = (struct zt_rule)ACCEPT;

	make_ctx(F_TCP4, V_IN, &c);
	CHECK(zt_rules_filter(&c, net, 2, caps, 2, &r));
	CHECK_EQ(r.verdict, ZT_RULES_ACCEPT);
	CHECK(!zt_rules_filter(&c, net, 2, caps, 1, &r));
	CHECK_EQ(r.rule, -1);
	CHECK(!zt_rules_filter(&c, net, 2, NULL, 0, &r));
	make_ctx(F_UDP4, V_IN, &c);
	CHECK(!zt_rules_filter(&c, net, 2, caps, 2, &r));
	CHECK_EQ(r.rule, -1);
	make_ctx(F_ARP, V_IN, &c);
	CHECK(zt_rules_filter(&c, net, 2, NULL, 0, &r));
	/* The network's explicit drop is final: no capability is asked. */
	make_ctx(F_TCP4, V_IN, &c);
	CHECK(!zt_rules_filter(&c, net_drop, 2, caps, 2, &r));
	CHECK_EQ(r.rule, 1);
	CHECK(zt_rules_trivial(net, 0) == false);
	CHECK(zt_rules_trivial((struct zt_rule[]){ACCEPT}, 1));
	CHECK(!zt_rules_trivial(net, 2));
}

static void all_types(struct zt_rule *out, unsigned *n)
{
	unsigned k = 0;
	for (size_t i = 0; i < sizeof MATCHES / sizeof MATCHES[0]; i++)
		out[k++] = MATCHES[i].m;
	for (size_t i = 0; i < sizeof LISTS / sizeof LISTS[0]; i++)
		for (unsigned j = 0; j < LISTS[i].n && k < ZT_RULES_MAX; j++)
			out[k++] = LISTS[i].rules[j];
	/* An unknown match with a value, passed on unchanged. */
	memset(&out[k], 0, sizeof out[k]);
	out[k].t = 62 | ZT_RULE_OR;
	out[k].v.ip.bits = 3;
	memcpy(out[k].v.ip.ip, "abc", 3);
	k++;
	*n = k;
}

static void test_codec(void)
{
	static struct zt_rule a[ZT_RULES_MAX], b[ZT_RULES_MAX];
	static uint8_t buf[ZT_RULES_MAX * 19];
	unsigned n;
	int len;

	memset(a, 0, sizeof a);
	all_types(a, &n);
	/* The table's initializers leave union bytes unset: normalise
	 * through one round trip before comparing bytes. */
	len = zt_rules_encode(a, n, buf, sizeof buf);
	CHECK(len > 0);
	CHECK_EQ(zt_rules_decode(buf, (size_t)len, n, a, ZT_RULES_MAX), len);
	len = zt_rules_encode(a, n, buf, sizeof buf);
	CHECK_EQ(zt_rules_decode(buf, (size_t)len, n, b, ZT_RULES_MAX), len);
	CHECK(memcmp(a, b, n * sizeof a[0]) == 0);
	/* Each rule's bytes: at most 19. */
	CHECK((size_t)len <= n * 19);
	for (int i = 0; i < len; i++)
		CHECK_EQ(zt_rules_decode(buf, (size_t)i, n, b, ZT_RULES_MAX), -1);
	CHECK_EQ(zt_rules_decode(buf, (size_t)len, n, b, n - 1), -1);
	CHECK_EQ(zt_rules_encode(a, n, buf, (size_t)len - 1), -1);
	/* Values no encoder makes. */
	{
		static const uint8_t bad[][20] = {
		    {ZT_RULE_IPV4_SRC, 5, 10, 0, 0, 0, 33},
		    {ZT_RULE_VLAN_PCP, 1, 8},
		    {ZT_RULE_VLAN_DEI, 1, 2},
		    {ZT_RULE_VLAN_ID, 2, 0x10, 0x00},
		    {ZT_RULE_ICMP, 3, 8, 0, 2},
		    {ZT_RULE_INT_RANGE, 15, [16] = 0x40},
		    {ZT_RULE_PRIORITY, 1, 9},
		    {ZT_RULE_DPORT, 3, 0, 22, 0}, /* a length not the type's */
		    {60, 17},                     /* an unknown type's value too long */
		};
		struct zt_rule r;
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
			CHECK_EQ(zt_rules_decode(bad[i], sizeof bad[i], 1, &r, 1), -1);
	}
}

static void test_credentials(void)
{
	struct zt_identity ctl, other;
	struct test_rng rng;
	struct zt_tag t, t2;
	static struct zt_cap c, c2;
	uint8_t buf[2048];
	uint64_t nwid, to;
	int64_t ts;
	int len;

	test_rng_seed(&rng, 14);
	CHECK_EQ(zt_identity_generate(&ctl, test_rng_bytes, &rng), ZT_OK);
	CHECK_EQ(zt_identity_generate(&other, test_rng_bytes, &rng), ZT_OK);

	memset(&t, 0, sizeof t);
	t.id = 1;
	t.value = 2000;
	CHECK_EQ(zt_tag_sign(&t, NWID, PEER, 12345, &ctl), ZT_OK);
	len = zt_tag_cred_encode(&t, NWID, PEER, 12345, buf, sizeof buf);
	CHECK_EQ(len, ZT_TAG_CRED_LEN);
	CHECK_EQ(zt_tag_cred_decode(buf, (size_t)len, ctl.pk, &t2, &nwid, &to, &ts), len);
	CHECK(t2.id == 1 && t2.value == 2000 && nwid == NWID && to == PEER && ts == 12345);
	CHECK_EQ(zt_tag_cred_decode(buf, (size_t)len, other.pk, &t2, &nwid, &to, &ts), -1);
	CHECK_EQ(zt_tag_cred_decode(buf, (size_t)len - 1, ctl.pk, &t2, &nwid, &to, &ts), -1);
	for (int i = 0; i < len; i++) {
		buf[i] ^= 0x01;
		CHECK_EQ(zt_tag_cred_decode(buf, (size_t)len, ctl.pk, &t2, &nwid, &to, &ts), -1);
		buf[i] ^= 0x01;
	}
	/* A member that raises its own tag value: refused. */
	t.value = 9999;
	len = zt_tag_cred_encode(&t, NWID, PEER, 12345, buf, sizeof buf);
	CHECK_EQ(zt_tag_cred_decode(buf, (size_t)len, ctl.pk, &t2, &nwid, &to, &ts), -1);
	/* Signing needs the secret. */
	{
		struct zt_identity pub = ctl;
		memset(pub.sk, 0, sizeof pub.sk);
		pub.has_secret = false;
		CHECK_EQ(zt_tag_sign(&t, NWID, PEER, 1, &pub), ZT_EINVAL);
	}

	memset(&c, 0, sizeof c);
	c.id = 77;
	c.rule_count = 3;
	c.rules[0] = (struct zt_rule)R(ZT_RULE_IP_PROTOCOL, .ip_protocol = 6);
	c.rules[1] = (struct zt_rule)R(ZT_RULE_DPORT, RANGE(22, 22));
	c.rules[2] = (struct zt_rule)ACCEPT;
	CHECK_EQ(zt_cap_sign(&c, NWID, PEER, 555, &ctl), ZT_OK);
	len = zt_cap_cred_encode(&c, NWID, PEER, 555, buf, sizeof buf);
	CHECK(len > 0);
	CHECK_EQ(zt_cap_cred_decode(buf, (size_t)len, ctl.pk, &c2, &nwid, &to, &ts), len);
	CHECK(c2.id == 77 && c2.rule_count == 3 && ts == 555 && to == PEER);
	CHECK(c2.rules[1].v.range[0] == 22);
	for (int i = 0; i < len; i++) {
		buf[i] ^= 0x80;
		CHECK_EQ(zt_cap_cred_decode(buf, (size_t)len, ctl.pk, &c2, &nwid, &to, &ts), -1);
		buf[i] ^= 0x80;
	}
	for (int i = 0; i < len; i++)
		CHECK_EQ(zt_cap_cred_decode(buf, (size_t)i, ctl.pk, &c2, &nwid, &to, &ts), -1);
	CHECK_EQ(zt_cap_cred_encode(&c, NWID, PEER, 555, buf, (size_t)len - 1), -1);
	/* A tag signature does not pass as a capability's (the kind byte). */
	CHECK_EQ(zt_cap_cred_decode(buf, (size_t)len, other.pk, &c2, &nwid, &to, &ts), -1);

	/* The addresses credential. */
	{
		struct zt_inetaddr a[2] = {{4, 24, {10, 0, 0, 1}}, {6, 88, {0xfd, 1}}};
		struct zt_inetaddr back[ZT_NETCONF_MAX_ADDRS];
		uint8_t sig[64];
		unsigned n;
		CHECK_EQ(zt_addrs_sign(a, 2, NWID, PEER, 9, &ctl, sig), ZT_OK);
		len = zt_addrs_cred_encode(a, 2, sig, NWID, PEER, 9, buf, sizeof buf);
		CHECK_EQ(len, 22 + 6 + 18 + 64);
		CHECK_EQ(zt_addrs_cred_decode(buf, (size_t)len, ctl.pk, back, &n, &nwid, &to, &ts),
		         len);
		CHECK(n == 2 && memcmp(back, a, sizeof a) == 0 && to == PEER && ts == 9);
		for (int i = 0; i < len; i++) {
			buf[i] ^= 0x04;
			CHECK_EQ(zt_addrs_cred_decode(buf, (size_t)len, ctl.pk, back, &n, &nwid,
			                              &to, &ts),
			         -1);
			buf[i] ^= 0x04;
			CHECK_EQ(
			    zt_addrs_cred_decode(buf, (size_t)i, ctl.pk, back, &n, &nwid, &to, &ts),
			    -1);
		}
		/* Signed for another member: not ours to show. */
		len = zt_addrs_cred_encode(a, 2, sig, NWID, THIRD, 9, buf, sizeof buf);
		CHECK_EQ(zt_addrs_cred_decode(buf, (size_t)len, ctl.pk, back, &n, &nwid, &to, &ts),
		         -1);
	}
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(test_matches);
	RUN(test_lists);
	RUN(test_action_details);
	RUN(test_capabilities);
	RUN(test_codec);
	RUN(test_credentials);
	TEST_EXIT();
}
