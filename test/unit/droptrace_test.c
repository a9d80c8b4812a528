/* SPDX-License-Identifier: MIT */
/*
 * droptrace_test.c - the ring of dropped frames: what it reads from a
 * frame (IPv4 TCP, IPv6 UDP, ICMP, a VLAN tag, ARP, a later fragment, a
 * runt), that it keeps the newest ZT_RULES_DROPS_MAX oldest first, and that
 * a short read gives the newest.
 */
#include <stdint.h>
#include <string.h>

#include "droptrace.h"
#include "test.h"

static const struct zt_mem libc_mem;

/* An Ethernet frame with an IPv4 header (proto) and 8 payload bytes. */
static size_t ipv4_frame(uint8_t *f, uint8_t proto, uint16_t frag, bool vlan)
{
	size_t o = 12;

	memset(f, 0, 128);
	memcpy(f, "\x02\x00\x00\x00\x00\x01", 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x02", 6);
	if (vlan) {
		f[o] = 0x81;
		f[o + 2] = 0x00;
		f[o + 3] = 0x07; /* vlan 7 */
		o += 4;
	}
	f[o] = 0x08;
	f[o + 1] = 0x00;
	o += 2;
	f[o] = 0x45;
	f[o + 6] = (uint8_t)(frag >> 8);
	f[o + 7] = (uint8_t)frag;
	f[o + 9] = proto;
	memcpy(f + o + 12, "\x0a\x09\x00\x01", 4);
	memcpy(f + o + 16, "\x0a\x09\x00\x02", 4);
	f[o + 20] = 0x30; /* sport 0x3039 = 12345 / ICMP type 48 */
	f[o + 21] = 0x39;
	f[o + 22] = 0x00; /* dport 22 */
	f[o + 23] = 0x16;
	return o + 28;
}

static void test_describe(void)
{
	uint8_t f[128];
	struct zt_rules_drop e;
	size_t len;

	memset(&e, 0, sizeof e);
	len = ipv4_frame(f, 6, 0, false);
	zt_droptrace_describe(f, len, &e);
	CHECK_EQ(e.len, len);
	CHECK_EQ(e.ethertype, 0x0800);
	CHECK_EQ(e.ip_family, 4);
	CHECK_EQ(e.ip_proto, 6);
	CHECK(memcmp(e.src_ip, "\x0a\x09\x00\x01", 4) == 0);
	CHECK(memcmp(e.dst_ip, "\x0a\x09\x00\x02", 4) == 0);
	CHECK(memcmp(e.dst_mac, "\x02\x00\x00\x00\x00\x01", 6) == 0);
	CHECK(memcmp(e.src_mac, "\x02\x00\x00\x00\x00\x02", 6) == 0);
	CHECK_EQ(e.sport, 12345);
	CHECK_EQ(e.dport, 22);

	/* Behind a VLAN tag, the same. */
	memset(&e, 0, sizeof e);
	len = ipv4_frame(f, 17, 0, true);
	zt_droptrace_describe(f, len, &e);
	CHECK_EQ(e.ethertype, 0x0800);
	CHECK_EQ(e.ip_proto, 17);
	CHECK_EQ(e.dport, 22);

	/* ICMP: type and code, no ports. */
	memset(&e, 0, sizeof e);
	len = ipv4_frame(f, 1, 0, false);
	zt_droptrace_describe(f, len, &e);
	CHECK_EQ(e.icmp_type, 0x30);
	CHECK_EQ(e.icmp_code, 0x39);
	CHECK_EQ(e.sport, 0);

	/* A later fragment: addresses, no ports. */
	memset(&e, 0, sizeof e);
	len = ipv4_frame(f, 6, 0x0010, false);
	zt_droptrace_describe(f, len, &e);
	CHECK_EQ(e.ip_family, 4);
	CHECK_EQ(e.sport, 0);
	CHECK_EQ(e.dport, 0);

	/* IPv6 UDP. */
	memset(f, 0, sizeof f);
	f[12] = 0x86;
	f[13] = 0xdd;
	f[14] = 0x60;
	f[14 + 6] = 17;
	f[14 + 8] = 0xfd;
	f[14 + 24] = 0xfe;
	f[14 + 40 + 3] = 53;
	memset(&e, 0, sizeof e);
	zt_droptrace_describe(f, 14 + 48, &e);
	CHECK_EQ(e.ip_family, 6);
	CHECK_EQ(e.ip_proto, 17);
	CHECK_EQ(e.src_ip[0], 0xfd);
	CHECK_EQ(e.dst_ip[0], 0xfe);
	CHECK_EQ(e.dport, 53);
	/* Cut inside the IPv6 header: not IP at all. */
	memset(&e, 0, sizeof e);
	zt_droptrace_describe(f, 14 + 39, &e);
	CHECK_EQ(e.ethertype, 0x86dd);
	CHECK_EQ(e.ip_family, 0);

	/* ARP: the ethertype, nothing of IP. */
	memset(f, 0, sizeof f);
	f[12] = 0x08;
	f[13] = 0x06;
	memset(&e, 0, sizeof e);
	zt_droptrace_describe(f, 42, &e);
	CHECK_EQ(e.ethertype, 0x0806);
	CHECK_EQ(e.ip_family, 0);

	/* A runt: its length, nothing else. */
	memset(&e, 0, sizeof e);
	zt_droptrace_describe(f, 5, &e);
	CHECK_EQ(e.len, 5);
	CHECK_EQ(e.ethertype, 0);
}

static void test_ring(void)
{
	struct zt_droptrace *t = NULL;
	struct zt_rules_drop out[ZT_RULES_DROPS_MAX + 8];
	uint8_t f[128];
	size_t len = ipv4_frame(f, 6, 0, false), n;

	CHECK_EQ(zt_droptrace_read(t, out, 8), 0);
	for (int i = 0; i < 3; i++)
		zt_droptrace_note(&t, &libc_mem, 1000 + i, i & 1, 0x1122334455ULL, i, f, len);
	CHECK(t != NULL);
	n = zt_droptrace_read(t, out, ZT_RULES_DROPS_MAX + 8);
	CHECK_EQ(n, 3);
	for (size_t i = 0; i < n; i++) {
		CHECK_EQ(out[i].time, 1000 + (int64_t)i);
		CHECK_EQ(out[i].rule, (int)i);
		CHECK_EQ(out[i].inbound, (i & 1) != 0);
		CHECK_EQ(out[i].peer, 0x1122334455ULL);
		CHECK_EQ(out[i].dport, 22);
	}
	/* Past its size it keeps the newest, oldest first. */
	for (int i = 3; i < ZT_RULES_DROPS_MAX + 10; i++)
		zt_droptrace_note(&t, &libc_mem, 1000 + i, false, 1, i == 70 ? -1 : i, f, len);
	n = zt_droptrace_read(t, out, ZT_RULES_DROPS_MAX + 8);
	CHECK_EQ(n, ZT_RULES_DROPS_MAX);
	for (size_t i = 0; i < n; i++)
		CHECK_EQ(out[i].time, 1000 + 10 + (int64_t)i);
	CHECK_EQ(out[70 - 10].rule, -1);
	/* A short read: the newest, oldest first. */
	n = zt_droptrace_read(t, out, 4);
	CHECK_EQ(n, 4);
	for (size_t i = 0; i < n; i++)
		CHECK_EQ(out[i].time, 1000 + ZT_RULES_DROPS_MAX + 10 - 4 + (int64_t)i);
	zt_droptrace_free(&t, &libc_mem);
	CHECK(t == NULL);
}

int main(void)
{
	RUN(test_describe);
	RUN(test_ring);
	TEST_EXIT();
}
