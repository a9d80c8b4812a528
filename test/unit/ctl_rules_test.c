/* SPDX-License-Identifier: MIT */
/*
 * ctl_rules_test.c - rules, capabilities and tags in ZeroTier's controller
 * JSON (controller/ctl_rules.c): every rule type as ZeroTier's tooling
 * writes it parses to what it means and renders back as ZeroTier renders
 * it; bad entries are refused with their index named and the network
 * unchanged; a member's config gets the network's rules, the capabilities
 * it holds and its tags (the network's defaults for the rest).
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "controller/ctl_json.h"
#include "controller/ctl_rules.h"
#include "node/rules.h"
#include "test.h"

/* One of each, in the shape ZeroTier's rule compiler emits (or its
 * controller renders). */
static const char *const ZT_RULES =
    "["
    "{\"type\":\"MATCH_ETHERTYPE\",\"not\":true,\"or\":false,\"etherType\":2048},"
    "{\"type\":\"MATCH_ETHERTYPE\",\"not\":true,\"or\":false,\"etherType\":2054},"
    "{\"type\":\"ACTION_DROP\"},"
    "{\"type\":\"MATCH_SOURCE_ZEROTIER_ADDRESS\",\"not\":false,\"or\":false,\"zt\":\"0102030405\"},"
    "{\"type\":\"MATCH_DEST_ZEROTIER_ADDRESS\",\"not\":false,\"or\":true,\"zt\":\"a0b0c0d0e0\"},"
    "{\"type\":\"MATCH_VLAN_ID\",\"not\":false,\"or\":false,\"vlanId\":42},"
    "{\"type\":\"MATCH_VLAN_PCP\",\"not\":false,\"or\":false,\"vlanPcp\":5},"
    "{\"type\":\"MATCH_VLAN_DEI\",\"not\":false,\"or\":false,\"vlanDei\":1},"
    "{\"type\":\"MATCH_MAC_SOURCE\",\"not\":false,\"or\":false,\"mac\":\"32:11:22:33:44:55\"},"
    "{\"type\":\"MATCH_MAC_DEST\",\"not\":false,\"or\":false,\"mac\":\"ff:ff:ff:ff:ff:ff\"},"
    "{\"type\":\"MATCH_IPV4_SOURCE\",\"not\":false,\"or\":false,\"ip\":\"10.0.0.0/8\"},"
    "{\"type\":\"MATCH_IPV4_DEST\",\"not\":false,\"or\":false,\"ip\":\"10.1.2.3/32\"},"
    "{\"type\":\"MATCH_IPV6_SOURCE\",\"not\":false,\"or\":false,\"ip\":\"fd00::/8\"},"
    "{\"type\":\"MATCH_IPV6_DEST\",\"not\":false,\"or\":false,\"ip\":\"fd00::1/128\"},"
    "{\"type\":\"MATCH_IP_TOS\",\"not\":false,\"or\":false,\"mask\":252,\"start\":16,\"end\":32},"
    "{\"type\":\"MATCH_IP_PROTOCOL\",\"not\":false,\"or\":false,\"ipProtocol\":6},"
    "{\"type\":\"MATCH_ICMP\",\"not\":false,\"or\":false,\"icmpType\":8,\"icmpCode\":null},"
    "{\"type\":\"MATCH_ICMP\",\"not\":false,\"or\":false,\"icmpType\":3,\"icmpCode\":4},"
    "{\"type\":\"MATCH_IP_SOURCE_PORT_RANGE\",\"not\":false,\"or\":false,\"start\":1024,"
    "\"end\":65535},"
    "{\"type\":\"MATCH_IP_DEST_PORT_RANGE\",\"not\":false,\"or\":false,\"start\":22,\"end\":22},"
    "{\"type\":\"MATCH_CHARACTERISTICS\",\"not\":false,\"or\":false,"
    "\"mask\":\"1000000000000002\"},"
    "{\"type\":\"MATCH_FRAME_SIZE_RANGE\",\"not\":false,\"or\":false,\"start\":0,\"end\":1500},"
    "{\"type\":\"MATCH_RANDOM\",\"not\":false,\"or\":false,\"probability\":2147483647},"
    "{\"type\":\"MATCH_TAGS_DIFFERENCE\",\"not\":false,\"or\":false,\"id\":1,\"value\":5},"
    "{\"type\":\"MATCH_TAGS_BITWISE_AND\",\"not\":false,\"or\":false,\"id\":2,\"value\":1},"
    "{\"type\":\"MATCH_TAGS_BITWISE_OR\",\"not\":false,\"or\":false,\"id\":2,\"value\":3},"
    "{\"type\":\"MATCH_TAGS_BITWISE_XOR\",\"not\":false,\"or\":false,\"id\":2,\"value\":2},"
    "{\"type\":\"MATCH_TAGS_EQUAL\",\"not\":false,\"or\":false,\"id\":1,\"value\":100},"
    "{\"type\":\"MATCH_TAG_SENDER\",\"not\":false,\"or\":false,\"id\":1,\"value\":100},"
    "{\"type\":\"MATCH_TAG_RECEIVER\",\"not\":true,\"or\":false,\"id\":1,\"value\":200},"
    "{\"type\":\"INTEGER_RANGE\",\"start\":\"0000000000000005\",\"end\":\"0000000000000009\","
    "\"idx\":0,\"little\":false,\"bits\":4,\"not\":false,\"or\":false},"
    "{\"type\":\"ACTION_TEE\",\"address\":\"0a0b0c0d0e\",\"flags\":0,\"length\":128},"
    "{\"type\":\"ACTION_WATCH\",\"address\":\"0a0b0c0d0e\",\"flags\":0,\"length\":0},"
    "{\"type\":\"ACTION_REDIRECT\",\"address\":\"0a0b0c0d0f\",\"flags\":0},"
    "{\"type\":\"ACTION_PRIORITY\",\"qosBucket\":2},"
    "{\"type\":\"ACTION_BREAK\"},"
    "{\"type\":\"MATCH_ESTABLISHED\",\"not\":true,\"or\":false},"
    "{\"type\":\"ACTION_ACCEPT\"}"
    "]";

static void test_every_type(void)
{
	json_error_t je;
	json_t *in = json_loads(ZT_RULES, 0, &je), *out;
	static struct zt_rule r[ZT_RULES_MAX];
	unsigned n = 0;
	char err[256];

	CHECK(in != NULL);
	if (in == NULL)
		return;
	CHECK_EQ(zt_ctl_rules_parse(in, "rules", r, ZT_RULES_MAX, &n, err, sizeof err), 0);
	CHECK_EQ(n, (unsigned)json_array_size(in));
	CHECK_EQ(r[0].t, ZT_RULE_ETHERTYPE | ZT_RULE_NOT);
	CHECK_EQ(r[0].v.ethertype, 0x0800);
	CHECK_EQ(r[3].v.zt, UINT64_C(0x0102030405));
	CHECK_EQ(r[4].t, ZT_RULE_ZT_DEST | ZT_RULE_OR);
	CHECK_EQ(r[8].v.mac[5], 0x55);
	CHECK(r[10].v.ip.bits == 8 && r[10].v.ip.ip[0] == 10);
	CHECK(r[13].v.ip.bits == 128 && r[13].v.ip.ip[15] == 1);
	CHECK(r[14].v.tos.mask == 252 && r[14].v.tos.end == 32);
	CHECK(!r[16].v.icmp.match_code && r[17].v.icmp.match_code && r[17].v.icmp.code == 4);
	CHECK(r[19].v.range[0] == 22 && r[19].v.range[1] == 22);
	CHECK_EQ(r[20].v.characteristics, ZT_RULE_CHR_IPAUTH | 0x2);
	CHECK_EQ(r[22].v.probability, 2147483647u);
	CHECK(r[29].t == (ZT_RULE_TAG_RECEIVER | ZT_RULE_NOT) && r[29].v.tag.value == 200);
	CHECK(r[30].v.intr.start == 5 && r[30].v.intr.end == 4 && r[30].v.intr.format == 3);
	CHECK(r[31].v.fwd.address == UINT64_C(0x0a0b0c0d0e) && r[31].v.fwd.length == 128);
	CHECK_EQ(r[34].v.qos, 2);
	CHECK_EQ(r[n - 2].t, ZT_RULE_ESTABLISHED | ZT_RULE_NOT); /* zt's own */
	/* Rendered as it came (ZeroTier's rendering is its tooling's shape). */
	out = zt_ctl_rules_normalized(in, ZT_RULES_MAX);
	CHECK(out != NULL && json_equal(in, out));
	json_decref(out);
	json_decref(in);
}

static void test_zt_forms(void)
{
	/* What else ZeroTier accepts: numbers as strings, a MAC without
	 * colons, tee length -1, a characteristics mask as a number, an
	 * INTEGER_RANGE with numbers, "not"/"or" absent. */
	static const char *const forms[] = {
	    "{\"type\":\"MATCH_IP_PROTOCOL\",\"ipProtocol\":\"17\"}",
	    "{\"type\":\"MATCH_MAC_SOURCE\",\"mac\":\"321122334455\"}",
	    "{\"type\":\"ACTION_TEE\",\"address\":\"0a0b0c0d0e\",\"length\":-1}",
	    "{\"type\":\"MATCH_CHARACTERISTICS\",\"mask\":2}",
	    "{\"type\":\"INTEGER_RANGE\",\"start\":5,\"end\":9,\"bits\":8}",
	    "{\"type\":\"MATCH_IP_DEST_PORT_RANGE\",\"start\":80}",
	    "{\"type\":\"MATCH_IPV4_DEST\",\"ip\":\"10.0.0.1\"}",
	};
	char err[256];
	struct zt_rule r;
	json_error_t je;

	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		json_t *j = json_loads(forms[i], 0, &je);
		CHECK(j != NULL);
		CHECK_EQ(zt_ctl_rule_parse(j, &r, err, sizeof err), 0);
		if (i == 2)
			CHECK_EQ(r.v.fwd.length, 0);
		if (i == 5)
			CHECK(r.v.range[0] == 80 && r.v.range[1] == 80);
		if (i == 6)
			CHECK_EQ(r.v.ip.bits, 32);
		json_decref(j);
	}
}

static void test_errors(void)
{
	static const struct {
		const char *body, *says;
	} bad[] = {
	    {"{\"rules\":\"drop\"}", "field 'rules': expected an array"},
	    {"{\"rules\":[{\"type\":\"ACTION_ACCEPT\"},{\"type\":\"MATCH_NOPE\"}]}",
	     "field 'rules': rule 1: unknown type \"MATCH_NOPE\""},
	    {"{\"rules\":[{\"type\":\"MATCH_IP_DEST_PORT_RANGE\",\"start\":80,\"end\":22}]}",
	     "rule 0: 'end' is below 'start'"},
	    {"{\"rules\":[{\"type\":\"ACTION_DROP\"},{\"type\":\"MATCH_IPV4_SOURCE\","
	     "\"ip\":\"10.0.0.0/33\"}]}",
	     "rule 1: 'ip' must be an IPv4 address"},
	    {"{\"rules\":[{\"type\":\"MATCH_VLAN_PCP\",\"vlanPcp\":8}]}",
	     "rule 0: 'vlanPcp' must be"},
	    {"{\"rules\":[{\"type\":\"MATCH_ETHERTYPE\"}]}", "rule 0: 'etherType' is missing"},
	    {"{\"rules\":[{\"type\":\"MATCH_SOURCE_ZEROTIER_ADDRESS\",\"zt\":\"xyz\"}]}",
	     "rule 0: 'zt' must be"},
	    {"{\"rules\":[7]}", "rule 0: expected an object"},
	    {"{\"capabilities\":[{\"id\":1,\"rules\":[{\"type\":\"ACTION_ACCEPT\"}]},"
	     "{\"id\":1}]}",
	     "entry 1: id 1 appears twice"},
	    {"{\"capabilities\":[{\"id\":1,\"rules\":[{\"type\":\"X\"}]}]}",
	     "field 'capabilities[0].rules': rule 0: unknown type"},
	    {"{\"tags\":[{\"id\":-1}]}", "field 'tags': entry 0: 'id' must be within"},
	};
	char err[256];
	json_error_t je;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *net = zt_ctl_net_new(UINT64_C(0x8056c2e21c000001), 1);
		json_t *req = json_loads(bad[i].body, 0, &je), *before = json_deep_copy(net);
		err[0] = '\0';
		CHECK(zt_ctl_net_update(net, req, err, sizeof err) != 0);
		if (strstr(err, bad[i].says) == NULL)
			fprintf(stderr, "  %s -> \"%s\"\n", bad[i].body, err);
		CHECK(strstr(err, bad[i].says) != NULL);
		CHECK(json_equal(net, before)); /* unchanged */
		json_decref(req);
		json_decref(net);
		json_decref(before);
	}
	{
		/* A member's tags and capabilities. */
		json_t *m = zt_ctl_member_new(UINT64_C(0x8056c2e21c000001), 0x0102030405, 1);
		json_t *req = json_loads("{\"tags\":[[1]]}", 0, &je);
		CHECK(zt_ctl_member_update(m, req, 1, err, sizeof err) != 0);
		CHECK(strstr(err, "field 'tags': entry 0") != NULL);
		json_decref(req);
		req = json_loads("{\"capabilities\":[\"x\"]}", 0, &je);
		CHECK(zt_ctl_member_update(m, req, 1, err, sizeof err) != 0);
		CHECK(strstr(err, "field 'capabilities': entry 0") != NULL);
		json_decref(req);
		json_decref(m);
	}
}

static void test_member_config(void)
{
	json_error_t je;
	json_t *net = zt_ctl_net_new(UINT64_C(0x8056c2e21c000001), 1);
	json_t *m = zt_ctl_member_new(UINT64_C(0x8056c2e21c000001), 0x0102030405, 1);
	json_t *req = json_loads(
	    "{\"rules\":[{\"type\":\"MATCH_TAGS_DIFFERENCE\",\"id\":1000,\"value\":0},"
	    "{\"type\":\"ACTION_ACCEPT\"},{\"type\":\"ACTION_DROP\"}],"
	    "\"capabilities\":[{\"id\":9,\"rules\":[{\"type\":\"ACTION_ACCEPT\"}]},"
	    "{\"id\":3,\"rules\":[{\"type\":\"MATCH_IP_DEST_PORT_RANGE\",\"start\":22,\"end\":22},"
	    "{\"type\":\"ACTION_ACCEPT\"}]},{\"id\":4,\"default\":true,\"rules\":[]}],"
	    "\"tags\":[{\"id\":1000,\"default\":100},{\"id\":7,\"default\":null}]}",
	    0, &je);
	json_t *mreq =
	    json_loads("{\"tags\":[[7,\"70\"],[2000,5],[7,71]],\"capabilities\":[3,3,1]}", 0, &je);
	static struct zt_netconf c;
	char err[256];

	CHECK_EQ(zt_ctl_net_update(net, req, err, sizeof err), 0);
	CHECK_EQ(zt_ctl_member_update(m, mreq, 1, err, sizeof err), 0);
	/* Stored sorted by id, as ZeroTier keeps them. */
	CHECK_EQ(zt_ctl_int(json_array_get(json_object_get(net, "capabilities"), 0), "id"), 3);
	CHECK_EQ(zt_ctl_int(json_array_get(json_object_get(net, "tags"), 0), "id"), 7);
	CHECK(json_is_null(
	    json_object_get(json_array_get(json_object_get(net, "tags"), 0), "default")));
	CHECK_EQ(json_array_size(json_object_get(m, "tags")), 2);
	CHECK_EQ(
	    json_integer_value(json_array_get(json_array_get(json_object_get(m, "tags"), 0), 1)),
	    71);
	CHECK_EQ(json_array_size(json_object_get(m, "capabilities")), 2);

	memset(&c, 0, sizeof c);
	zt_ctl_rules_fill(net, m, &c);
	CHECK_EQ(c.rule_count, 3);
	CHECK_EQ(c.rules[0].t, ZT_RULE_TAGS_DIFFERENCE);
	/* It holds 3 (listed) and 4 (default), not 9; 1 does not exist. */
	CHECK_EQ(c.cap_count, 2);
	CHECK(c.caps[0].id == 3 && c.caps[0].rule_count == 2 && c.caps[1].id == 4);
	/* Its tags 7 and 2000, and 1000 by default (7's default is null). */
	CHECK_EQ(c.tag_count, 3);
	CHECK(c.tags[0].id == 7 && c.tags[0].value == 71);
	CHECK(c.tags[1].id == 2000 && c.tags[2].id == 1000 && c.tags[2].value == 100);
	json_decref(req);
	json_decref(mreq);
	json_decref(net);
	json_decref(m);
}

/* A team's policy in ZeroTier's JSON (servers take SSH and HTTPS from everyone
 * and anything from each other, replies go back, an admin holds "ssh
 * anywhere"), judged at both ends: it does what it says. */
static const char *const TEAM_NET =
    "{\"tags\":[{\"id\":1,\"default\":0}],\"rules\":["
    "{\"type\":\"MATCH_ETHERTYPE\",\"etherType\":2054},{\"type\":\"ACTION_ACCEPT\"},"
    "{\"type\":\"MATCH_IP_DEST_PORT_RANGE\",\"start\":22,\"end\":22},"
    "{\"type\":\"MATCH_IP_DEST_PORT_RANGE\",\"start\":443,\"end\":443,\"or\":true},"
    "{\"type\":\"MATCH_TAG_RECEIVER\",\"id\":1,\"value\":1},{\"type\":\"ACTION_ACCEPT\"},"
    "{\"type\":\"MATCH_IP_SOURCE_PORT_RANGE\",\"start\":22,\"end\":22},"
    "{\"type\":\"MATCH_IP_SOURCE_PORT_RANGE\",\"start\":443,\"end\":443,\"or\":true},"
    "{\"type\":\"MATCH_CHARACTERISTICS\",\"mask\":\"0000000000000010\"},"
    "{\"type\":\"ACTION_ACCEPT\"},"
    "{\"type\":\"MATCH_TAGS_EQUAL\",\"id\":1,\"value\":1},{\"type\":\"ACTION_ACCEPT\"}],"
    "\"capabilities\":[{\"id\":7,\"rules\":[{\"type\":\"MATCH_IP_DEST_PORT_RANGE\","
    "\"start\":22,\"end\":22},{\"type\":\"ACTION_ACCEPT\"}]}]}";

enum who { SERVER, LAPTOP, ADMIN };

static struct zt_netconf rconf[3];

/* A TCP frame from `from` to `to`, ports and flags; both ends judge it as
 * the switch does (sender: its capabilities; receiver: the sender's). */
#define SYN    0x02
#define ACK    0x10
#define SYNACK 0x12
static bool passes(enum who from, enum who to, unsigned sport, unsigned dport, uint8_t flags)
{
	uint8_t f[64] = {0x32, 1, 1, 1, 1, 1, 0x32, 2, 2, 2, 2, 2, 0x08, 0x00};
	uint8_t *p = f + 14;
	struct zt_rules_ctx c;
	struct zt_rules_result r;
	bool out, in;

	p[0] = 0x45, p[9] = 6;
	p[20] = (uint8_t)(sport >> 8), p[21] = (uint8_t)sport;
	p[22] = (uint8_t)(dport >> 8), p[23] = (uint8_t)dport;
	p[33] = flags;
	memset(&c, 0, sizeof c);
	c.frame = f;
	c.len = sizeof f;
	c.self = c.src = 10 + from;
	c.dst = 10 + to;
	c.local_tags = rconf[from].tags;
	c.local_tag_count = rconf[from].tag_count;
	c.remote_tags = rconf[to].tags;
	c.remote_tag_count = rconf[to].tag_count;
	out = zt_rules_filter(&c, rconf[from].rules, rconf[from].rule_count, rconf[from].caps,
	                      rconf[from].cap_count, &r);
	c.inbound = true;
	c.self = c.dst;
	c.local_tags = rconf[to].tags;
	c.local_tag_count = rconf[to].tag_count;
	c.remote_tags = rconf[from].tags;
	c.remote_tag_count = rconf[from].tag_count;
	in = zt_rules_filter(&c, rconf[to].rules, rconf[to].rule_count, rconf[from].caps,
	                     rconf[from].cap_count, &r);
	return out && in;
}

static void test_team_policy(void)
{
	static const char *const members[3] = {"{\"tags\":[[1,1]]}", "{}",
	                                       "{\"capabilities\":[7]}"};
	json_t *net = zt_ctl_net_new(UINT64_C(0x8056c2e21c000001), 1);
	json_t *req = json_loads(TEAM_NET, 0, NULL);
	char err[256];

	CHECK(req != NULL);
	CHECK_EQ(zt_ctl_net_update(net, req, err, sizeof err), 0);
	for (int i = 0; i < 3; i++) {
		json_t *m = zt_ctl_member_new(UINT64_C(0x8056c2e21c000001), 10 + (uint64_t)i, 1);
		json_t *mr = json_loads(members[i], 0, NULL);
		CHECK_EQ(zt_ctl_member_update(m, mr, 1, err, sizeof err), 0);
		memset(&rconf[i], 0, sizeof rconf[i]);
		zt_ctl_rules_fill(net, m, &rconf[i]);
		json_decref(mr);
		json_decref(m);
	}
	CHECK(passes(LAPTOP, SERVER, 40000, 22, SYN));
	CHECK(passes(LAPTOP, SERVER, 40000, 443, SYN));
	CHECK(!passes(LAPTOP, SERVER, 40000, 80, SYN));
	CHECK(passes(SERVER, LAPTOP, 22, 40000, SYNACK)); /* the replies */
	CHECK(passes(SERVER, LAPTOP, 443, 40000, ACK));
	CHECK(!passes(SERVER, LAPTOP, 22, 40000, SYN)); /* not a new connection */
	CHECK(!passes(SERVER, LAPTOP, 40000, 22, SYN)); /* a laptop takes no SSH */
	CHECK(!passes(LAPTOP, LAPTOP, 40000, 22, SYN));
	CHECK(passes(ADMIN, LAPTOP, 40000, 22, SYN)); /* ssh anywhere */
	CHECK(passes(LAPTOP, ADMIN, 22, 40000, SYNACK));
	CHECK(!passes(ADMIN, LAPTOP, 40000, 80, SYN));
	CHECK(passes(SERVER, SERVER, 40000, 5432, SYN));
	json_decref(req);
	json_decref(net);
}

int main(void)
{
	RUN(test_every_type);
	RUN(test_zt_forms);
	RUN(test_errors);
	RUN(test_member_config);
	RUN(test_team_policy);
	TEST_EXIT();
}
