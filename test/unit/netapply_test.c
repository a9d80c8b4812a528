/* SPDX-License-Identifier: MIT */
/*
 * netapply_test.c - what ztd puts on a managed network's TAP
 * (service/netapply.c, zt_netapply_want): allowManaged, allowGlobal,
 * allowDefault (a default route as two halves, never via ourselves), the
 * managed addresses' prefix routes, an ad-hoc network's own addresses.
 */
#include <arpa/inet.h>
#include <string.h>

#include "service/netapply.h"
#include "test.h"

static struct zt_inetaddr ip(const char *s, unsigned bits)
{
	struct zt_inetaddr a;
	memset(&a, 0, sizeof a);
	if (strchr(s, ':')) {
		a.family = 6;
		(void)inet_pton(AF_INET6, s, a.ip);
	} else {
		a.family = 4;
		(void)inet_pton(AF_INET, s, a.ip);
	}
	a.bits = (uint8_t)bits;
	return a;
}

static void sample(struct zt_netconf *c)
{
	memset(c, 0, sizeof *c);
	c->addr_count = 3;
	c->addrs[0] = ip("10.9.0.5", 24);
	c->addrs[1] = ip("fd00::5", 88);
	c->addrs[2] = ip("198.51.100.7", 24); /* a global address */
	c->route_count = 4;
	c->routes[0].target = ip("10.9.0.0", 24);
	c->routes[1].target = ip("0.0.0.0", 0);
	c->routes[1].via = ip("10.9.0.1", 32);
	c->routes[2].target = ip("203.0.113.0", 24); /* global */
	c->routes[3].target = ip("192.168.7.0", 24);
	c->routes[3].via = ip("10.9.0.5", 32); /* via ourselves: we are the gateway */
}

static void test_defaults(void)
{
	static struct zt_netconf c;
	static struct zt_netapply w;
	struct zt_net_settings s;

	sample(&c);
	zt_net_settings_default(&s);
	zt_netapply_want(&c, &s, &w);
	CHECK_EQ(w.addr_count, 2); /* no global address */
	CHECK_EQ(w.addr_flags[0], ZT_NETAPPLY_A_MANAGED);
	/* The on-link private route, which is also 10.9.0.5/24's (once),
	 * and fd00::5/88's: ztd adds the managed addresses' prefix routes
	 * itself, at its metric. */
	CHECK_EQ(w.route_count, 2);
	CHECK_EQ(w.routes[0].target.bits, 24);
	CHECK_EQ(w.routes[1].target.family, 6);
	CHECK_EQ(w.routes[1].target.bits, 88);
	CHECK_EQ(w.routes[1].target.ip[15], 0); /* the network, not fd00::5 */
	zt_netapply_want(NULL, &s, &w);
	CHECK_EQ(w.addr_count + w.route_count, 0);
}

static void test_allow(void)
{
	static struct zt_netconf c;
	static struct zt_netapply w;
	struct zt_net_settings s;

	sample(&c);
	zt_net_settings_default(&s);
	s.allow_default = true;
	zt_netapply_want(&c, &s, &w);
	CHECK_EQ(w.route_count, 4); /* on-link, the two halves of the default, fd00::/88 */
	CHECK_EQ(w.routes[1].target.bits, 1);
	CHECK_EQ(w.routes[1].target.ip[0], 0);
	CHECK_EQ(w.routes[2].target.bits, 1);
	CHECK_EQ(w.routes[2].target.ip[0], 0x80);
	CHECK_EQ(w.routes[2].via.ip[3], 1);
	s.allow_global = true;
	zt_netapply_want(&c, &s, &w);
	CHECK_EQ(w.addr_count, 3);
	CHECK_EQ(w.route_count, 6); /* ... 203.0.113.0/24 and 198.51.100.0/24 */
	s.allow_managed = false;
	zt_netapply_want(&c, &s, &w);
	CHECK_EQ(w.addr_count + w.route_count, 0);
}

/* bridge=<name> reaches netlink and sysfs paths: only plain names pass. */
static void test_bridge_dev(void)
{
	CHECK(zt_net_bridge_dev_valid("br0"));
	CHECK(zt_net_bridge_dev_valid("lan-bridge.10"));
	CHECK(zt_net_bridge_dev_valid("abcdefghijklmno")); /* 15: IFNAMSIZ - 1 */
	CHECK(!zt_net_bridge_dev_valid("abcdefghijklmnop"));
	CHECK(!zt_net_bridge_dev_valid(""));
	CHECK(!zt_net_bridge_dev_valid("."));
	CHECK(!zt_net_bridge_dev_valid(".."));
	CHECK(!zt_net_bridge_dev_valid("../x"));
	CHECK(!zt_net_bridge_dev_valid("br 0"));
	CHECK(!zt_net_bridge_dev_valid("br:0"));
	CHECK(!zt_net_bridge_dev_valid("br\"0"));
	CHECK(!zt_net_bridge_dev_valid("br\n"));
}

/* An ad-hoc network's own addresses (ip=): on the device whatever
 * allowManaged says, with the kernel's prefix route (no route of ztd's). */
static void test_own_ips(void)
{
	static struct zt_netapply w;
	struct zt_net_settings s;

	zt_net_settings_default(&s);
	s.ip_count = 2;
	s.ips[0] = ip("10.9.0.1", 24);
	s.ips[1] = ip("10.9.0.1", 24);
	s.allow_managed = false;
	zt_netapply_want(NULL, &s, &w);
	CHECK_EQ(w.addr_count, 1); /* the same address once */
	CHECK_EQ(w.addr_flags[0], 0);
	CHECK_EQ(w.route_count, 0);
}

static void test_parse(void)
{
	struct zt_inetaddr a;

	CHECK_EQ(zt_netapply_parse_addr("10.9.0.1/24", &a), 0);
	CHECK_EQ(a.family, 4);
	CHECK_EQ(a.bits, 24);
	CHECK_EQ(a.ip[3], 1);
	CHECK_EQ(zt_netapply_parse_addr("fd00::1/64", &a), 0);
	CHECK_EQ(a.family, 6);
	CHECK_EQ(a.bits, 64);
	CHECK_EQ(zt_netapply_parse_addr("10.9.0.1/32", &a), 0);
	CHECK(zt_netapply_parse_addr("10.9.0.1", &a) < 0);      /* no prefix */
	CHECK(zt_netapply_parse_addr("10.9.0.1/33", &a) < 0);   /* too long */
	CHECK(zt_netapply_parse_addr("10.9.0.1/0", &a) < 0);    /* no subnet */
	CHECK(zt_netapply_parse_addr("10.9.0.1/24x", &a) < 0);  /* junk */
	CHECK(zt_netapply_parse_addr("10.9.0.300/24", &a) < 0); /* not an address */
	CHECK(zt_netapply_parse_addr("224.0.0.1/24", &a) < 0);  /* multicast */
	CHECK(zt_netapply_parse_addr("0.0.0.0/8", &a) < 0);     /* unspecified */
	CHECK(zt_netapply_parse_addr("ff02::1/64", &a) < 0);    /* multicast */
	CHECK(zt_netapply_parse_addr("::/64", &a) < 0);         /* unspecified */
	CHECK(zt_netapply_parse_addr("fd00::1/129", &a) < 0);
	CHECK(zt_netapply_parse_addr("/24", &a) < 0);
}

int main(void)
{
	RUN(test_defaults);
	RUN(test_allow);
	RUN(test_bridge_dev);
	RUN(test_own_ips);
	RUN(test_parse);
	TEST_EXIT();
}
