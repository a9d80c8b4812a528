/* SPDX-License-Identifier: MIT */
/*
 * netconf_test.c - network configs and certificates of membership
 * (node/netconf.c): round trip of the codec, every truncation refused,
 * signatures that catch any flipped byte and the wrong key, and the
 * certificate window (COMs agree within max_delta and not beyond).
 */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "node/netconf.h"
#include "node/wire.h"
#include "test.h"

#define NWID UINT64_C(0x8056c2e21c000001)

static struct zt_identity ctl, other;

static void make_ids(void)
{
	struct test_rng r;
	test_rng_seed(&r, 33);
	CHECK_EQ(zt_identity_generate(&ctl, test_rng_bytes, &r), ZT_OK);
	CHECK_EQ(zt_identity_generate(&other, test_rng_bytes, &r), ZT_OK);
}

static void sample(struct zt_netconf *c)
{
	memset(c, 0, sizeof *c);
	c->nwid = NWID;
	c->issued_to = 0x0102030405;
	c->timestamp = 1700000000000;
	c->revision = 42;
	c->flags = ZT_NETCONF_F_PRIVATE | ZT_NETCONF_F_BROADCAST;
	c->mtu = 2800;
	c->multicast_limit = 32;
	strcpy(c->name, "lab");
	c->addr_count = 2;
	c->addrs[0].family = 4;
	c->addrs[0].bits = 24;
	memcpy(c->addrs[0].ip, "\x0a\x09\x00\x0b", 4);
	c->addrs[1].family = 6;
	c->addrs[1].bits = 88;
	c->addrs[1].ip[0] = 0xfd;
	c->route_count = 2;
	c->routes[0].target = c->addrs[0];
	c->routes[1].target.family = 4;
	c->routes[1].via.family = 4;
	memcpy(c->routes[1].via.ip, "\x0a\x09\x00\x01", 4);
	strcpy(c->dns_domain, "lab.zt");
	c->dns_count = 1;
	c->dns[0] = c->addrs[0];
	/* accept ipprotocol tcp and dport 22; drop; and a capability, tags. */
	c->rule_count = 4;
	c->rules[0].t = ZT_RULE_IP_PROTOCOL;
	c->rules[0].v.ip_protocol = 6;
	c->rules[1].t = ZT_RULE_DPORT;
	c->rules[1].v.range[0] = c->rules[1].v.range[1] = 22;
	c->rules[2].t = ZT_RULE_ACCEPT;
	c->rules[3].t = ZT_RULE_DROP;
	c->cap_count = 1;
	c->caps[0].id = 7;
	c->caps[0].rule_count = 2;
	c->caps[0].rules[0].t = ZT_RULE_IPV6_DEST | ZT_RULE_NOT;
	c->caps[0].rules[0].v.ip.ip[0] = 0xfd;
	c->caps[0].rules[0].v.ip.bits = 8;
	c->caps[0].rules[1].t = ZT_RULE_ACCEPT;
	memset(c->caps[0].sig, 0x5a, 64);
	c->tag_count = 2;
	c->tags[0].id = 1;
	c->tags[0].value = 100;
	c->tags[1].id = 9;
	c->tags[1].value = 0xffffffffu;
	memset(c->tags[1].sig, 0xa5, 64);
	c->bridge_count = 2;
	c->bridges[0] = 0x1122334455ULL;
	c->bridges[1] = c->issued_to;
	c->com.nwid = NWID;
	c->com.issued_to = c->issued_to;
	c->com.timestamp = c->timestamp;
	c->com.max_delta = ZT_COM_MAX_DELTA;
}

static void test_roundtrip(void)
{
	static struct zt_netconf a, b;
	uint8_t buf[8192];
	int n;

	make_ids();
	sample(&a);
	CHECK_EQ(zt_com_sign(&a.com, &ctl), ZT_OK);
	n = zt_netconf_encode(&a, buf, sizeof buf);
	CHECK(n > 0);
	CHECK_EQ(zt_netconf_decode(&b, buf, (size_t)n), ZT_OK);
	CHECK(memcmp(&a, &b, sizeof a) == 0);
	/* Every shorter prefix and a longer input are refused. */
	for (int i = 0; i < n; i++)
		CHECK_EQ(zt_netconf_decode(&b, buf, (size_t)i), ZT_EINVAL);
	buf[n] = 0;
	CHECK_EQ(zt_netconf_decode(&b, buf, (size_t)n + 1), ZT_EINVAL);
	/* Too small an output buffer. */
	CHECK_EQ(zt_netconf_encode(&a, buf, 10), ZT_ERANGE);
	/* A COM about someone else inside the config. */
	a.com.issued_to++;
	n = zt_netconf_encode(&a, buf, sizeof buf);
	CHECK_EQ(zt_netconf_decode(&b, buf, (size_t)n), ZT_EINVAL);
}

/* What the decoder refuses in the rules, capabilities and tags; and a
 * config from an older controller (rules as JSON text, never enforced)
 * read as "accept". */
static void test_rules_fields(void)
{
	static struct zt_netconf a, b;
	static uint8_t buf[16384], v1[16384];
	int n;
	size_t at;

	make_ids();
	sample(&a);
	a.tags[0].id = 10; /* not sorted */
	n = zt_netconf_encode(&a, buf, sizeof buf);
	CHECK(n > 0);
	CHECK_EQ(zt_netconf_decode(&b, buf, (size_t)n), ZT_EINVAL);
	sample(&a);
	a.cap_count = 2;
	a.caps[1] = a.caps[0]; /* the same id twice */
	n = zt_netconf_encode(&a, buf, sizeof buf);
	CHECK_EQ(zt_netconf_decode(&b, buf, (size_t)n), ZT_EINVAL);
	/* More capability entries in all than a member may hold. */
	sample(&a);
	a.cap_count = ZT_CAPS_MAX;
	for (unsigned i = 0; i < ZT_CAPS_MAX; i++) {
		a.caps[i].id = i;
		a.caps[i].rule_count = ZT_CAP_RULES_MAX;
		for (unsigned j = 0; j < ZT_CAP_RULES_MAX; j++)
			a.caps[i].rules[j].t = ZT_RULE_ACCEPT;
	}
	CHECK_EQ(zt_netconf_encode(&a, buf, sizeof buf), ZT_ERANGE);
	/* The largest config that may be sent fits a message. */
	a.cap_count = ZT_CAP_RULES_TOTAL / ZT_CAP_RULES_MAX;
	a.rule_count = ZT_RULES_MAX;
	for (unsigned j = 0; j < ZT_RULES_MAX; j++) {
		a.rules[j].t = ZT_RULE_IPV6_SRC;
		a.rules[j].v.ip.bits = 64;
	}
	for (unsigned i = 0; i < a.cap_count; i++)
		for (unsigned j = 0; j < ZT_CAP_RULES_MAX; j++) {
			a.caps[i].rules[j].t = ZT_RULE_IPV6_DEST;
			a.caps[i].rules[j].v.ip.bits = 64;
		}
	n = zt_netconf_encode(&a, buf, sizeof buf);
	CHECK(n > 0 && n < ZT_PACKET_MAX - 1 - 64 - ZT_DATA_OVERHEAD);
	CHECK_EQ(zt_netconf_decode(&b, buf, (size_t)n), ZT_OK);

	/* Version 1: no rules, capabilities, tags, address signature or
	 * bridges: the JSON text where version 2 has its counts. */
	sample(&a);
	a.rule_count = a.cap_count = a.tag_count = a.bridge_count = 0;
	n = zt_netconf_encode(&a, buf, sizeof buf);
	at = (size_t)n - ZT_COM_LEN - 1 - 64 - 1 - 1 - 2;
	memcpy(v1, buf, at);
	v1[0] = 1;
	memcpy(v1 + at, "\x00\x05hello\x00", 8);
	memcpy(v1 + at + 8, buf + (size_t)n - ZT_COM_LEN, ZT_COM_LEN);
	CHECK_EQ(zt_netconf_decode(&b, v1, at + 8 + ZT_COM_LEN), ZT_OK);
	CHECK_EQ(b.rule_count, 1);
	CHECK_EQ(b.rules[0].t, ZT_RULE_ACCEPT);
	CHECK_EQ(b.nwid, a.nwid);
	v1[0] = 3;
	CHECK_EQ(zt_netconf_decode(&b, v1, at + 8 + ZT_COM_LEN), ZT_EINVAL);
}

static void test_signatures(void)
{
	struct zt_com com, copy;
	uint8_t enc[ZT_COM_LEN];

	memset(&com, 0, sizeof com);
	com.nwid = NWID;
	com.issued_to = 0x0102030405;
	com.timestamp = 1000;
	com.max_delta = ZT_COM_MAX_DELTA;
	CHECK_EQ(zt_com_sign(&com, &ctl), ZT_OK);
	CHECK_EQ(zt_com_verify(&com, ctl.pk), ZT_OK);
	CHECK_EQ(zt_com_verify(&com, other.pk), ZT_ESIG);
	zt_com_encode(&com, enc);
	for (size_t i = 0; i < sizeof enc; i++) {
		uint8_t t[ZT_COM_LEN];
		memcpy(t, enc, sizeof t);
		t[i] ^= 0x20;
		if (zt_com_decode(&copy, t, sizeof t) == ZT_OK)
			CHECK(zt_com_verify(&copy, ctl.pk) != ZT_OK);
	}
	CHECK_EQ(zt_com_decode(&copy, enc, sizeof enc - 1), ZT_EINVAL);
	{
		struct zt_identity pub = ctl;
		memset(pub.sk, 0, sizeof pub.sk);
		pub.has_secret = false;
		CHECK_EQ(zt_com_sign(&com, &pub), ZT_EINVAL);
	}
}

static void test_com_window(void)
{
	struct zt_com a, b;

	memset(&a, 0, sizeof a);
	a.nwid = NWID;
	a.timestamp = 100000;
	a.max_delta = ZT_COM_MAX_DELTA;
	b = a;
	CHECK(zt_com_agree(&a, &b));
	b.timestamp = a.timestamp + ZT_COM_MAX_DELTA;
	CHECK(zt_com_agree(&a, &b) && zt_com_agree(&b, &a));
	/* One ms beyond the window: the older member has expired for us. */
	b.timestamp = a.timestamp + ZT_COM_MAX_DELTA + 1;
	CHECK(!zt_com_agree(&a, &b) && !zt_com_agree(&b, &a));
	/* The stricter window of the two applies. */
	b.timestamp = a.timestamp + 1000;
	b.max_delta = 500;
	CHECK(!zt_com_agree(&a, &b));
	/* Other network, or no certificate. */
	b = a;
	b.nwid++;
	CHECK(!zt_com_agree(&a, &b));
	b = a;
	b.timestamp = 0;
	CHECK(!zt_com_agree(&a, &b));
	CHECK_EQ(zt_nwid_controller(NWID), UINT64_C(0x8056c2e21c));
}

static void add_name(struct zt_netconf *c, uint64_t member, const char *label, uint8_t last)
{
	struct zt_netconf_name *e = &c->names[c->name_count++];
	memset(e, 0, sizeof *e);
	e->member = member;
	snprintf(e->label, sizeof e->label, "%s", label);
	e->addr_count = 2;
	e->addrs[0].family = 4;
	e->addrs[0].bits = 24;
	memcpy(e->addrs[0].ip, "\x0a\x09\x00", 3);
	e->addrs[0].ip[3] = last;
	e->addrs[1].family = 6;
	e->addrs[1].bits = 88;
	e->addrs[1].ip[0] = 0xfd;
	e->addrs[1].ip[15] = last;
}

/* The names after the COM: absent when empty (the same bytes as a config
 * from before names), round trip, bounded by count and bytes, and only DNS
 * labels. */
static void test_names(void)
{
	static struct zt_netconf a, b;
	static uint8_t buf[32768], plain[8192];
	int n, np;

	make_ids();
	sample(&a);
	CHECK_EQ(zt_com_sign(&a.com, &ctl), ZT_OK);
	np = zt_netconf_encode(&a, plain, sizeof plain);
	CHECK(np > 0);
	add_name(&a, 0x1111111111ULL, "laptop", 11);
	add_name(&a, 0x2222222222ULL, "web-1", 12);
	n = zt_netconf_encode(&a, buf, sizeof buf);
	CHECK(n > np && memcmp(buf, plain, (size_t)np) == 0);
	CHECK_EQ(zt_netconf_decode(&b, buf, (size_t)n), ZT_OK);
	CHECK(memcmp(&a, &b, sizeof a) == 0);
	CHECK_EQ(b.name_count, 2u);
	CHECK(strcmp(b.names[1].label, "web-1") == 0 && b.names[1].addrs[0].ip[3] == 12);
	/* Cut inside the names: refused (cut at their start, it is a config
	 * without names, which the message's signature then refuses). */
	for (int i = np + 1; i < n; i++)
		CHECK_EQ(zt_netconf_decode(&b, buf, (size_t)i), ZT_EINVAL);
	/* An empty section is not canonical (absent is). */
	memcpy(buf, plain, (size_t)np);
	buf[np] = 0;
	buf[np + 1] = 0;
	CHECK_EQ(zt_netconf_decode(&b, buf, (size_t)np + 2), ZT_EINVAL);
	/* Not a label: left out by the encoder, refused by the decoder. */
	CHECK(zt_netconf_label_ok("a") && zt_netconf_label_ok("x-1") && !zt_netconf_label_ok("") &&
	      !zt_netconf_label_ok("-a") && !zt_netconf_label_ok("a-") &&
	      !zt_netconf_label_ok("A") && !zt_netconf_label_ok("a.b") &&
	      !zt_netconf_label_ok("a b") &&
	      zt_netconf_label_ok(
	          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") &&
	      !zt_netconf_label_ok(
	          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	strcpy(a.names[0].label, "Laptop");
	n = zt_netconf_encode(&a, buf, sizeof buf);
	CHECK_EQ(zt_netconf_decode(&b, buf, (size_t)n), ZT_OK);
	CHECK(b.name_count == 1 && strcmp(b.names[0].label, "web-1") == 0);
	buf[np + 2 + 5 + 1] = 'W'; /* "web-1" -> "Web-1" */
	CHECK_EQ(zt_netconf_decode(&b, buf, (size_t)n), ZT_EINVAL);
	/* 256 long names do not fit ZT_NETCONF_NAMES_BYTES: as many as fit go,
	 * in order, and the whole stays within its bounds. */
	a.name_count = 0;
	for (unsigned i = 0; i < ZT_NETCONF_MAX_NAMES; i++) {
		char l[ZT_NETCONF_LABEL_MAX];
		snprintf(l, sizeof l, "member-%03u-%s", i,
		         "a-long-name-that-fills-most-of-the-label-xxxxxxxxx");
		add_name(&a, 0x3000000000ULL + i, l, (uint8_t)i);
	}
	n = zt_netconf_encode(&a, buf, sizeof buf);
	CHECK(n > np && n - np <= ZT_NETCONF_NAMES_BYTES);
	CHECK_EQ(zt_netconf_decode(&b, buf, (size_t)n), ZT_OK);
	CHECK(b.name_count > 50 && b.name_count < ZT_NETCONF_MAX_NAMES);
	CHECK(b.names[b.name_count - 1].member == 0x3000000000ULL + b.name_count - 1);
	/* A buffer that only just holds the config without names: no names,
	 * not a failure. */
	n = zt_netconf_encode(&a, buf, (size_t)np + 10);
	CHECK_EQ(n, np);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(test_roundtrip);
	RUN(test_rules_fields);
	RUN(test_signatures);
	RUN(test_com_window);
	RUN(test_names);
	TEST_EXIT();
}
