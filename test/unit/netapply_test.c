/* SPDX-License-Identifier: MIT */
/*
 * netapply_test.c - what ztd puts on a managed network's TAP
 * (service/netapply.c, zt_netapply_want): allowManaged, allowGlobal,
 * allowDefault (a default route as two halves, never via ourselves).
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
	CHECK_EQ(w.addr_count, 2);  /* no global address */
	CHECK_EQ(w.route_count, 1); /* the on-link private route only */
	CHECK_EQ(w.routes[0].target.bits, 24);
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
	CHECK_EQ(w.route_count, 3); /* on-link + the two halves of the default */
	CHECK_EQ(w.routes[1].target.bits, 1);
	CHECK_EQ(w.routes[1].target.ip[0], 0);
	CHECK_EQ(w.routes[2].target.bits, 1);
	CHECK_EQ(w.routes[2].target.ip[0], 0x80);
	CHECK_EQ(w.routes[2].via.ip[3], 1);
	s.allow_global = true;
	zt_netapply_want(&c, &s, &w);
	CHECK_EQ(w.addr_count, 3);
	CHECK_EQ(w.route_count, 4);
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

int main(void)
{
	RUN(test_defaults);
	RUN(test_allow);
	RUN(test_bridge_dev);
	TEST_EXIT();
}
