/* SPDX-License-Identifier: MIT */
/*
 * rulesc_test.c - the rules language compiler (controller/rulesc.c):
 *   - every example of ZeroTier's public rules documentation (the manual's
 *     "Rules Engine" page, the rules FAQ pages, the example shipped with
 *     ZeroTier's rule compiler), each compiled to the JSON derived here
 *     from ZeroTier's semantics (the raw JSON of the manual where it shows
 *     one);
 *   - every match and action keyword against the JSON it must give;
 *   - malformed scripts, each error at the line and column it names;
 *   - the bounds: entries, includes nested and expanded, script size.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/rulesc.h"
#include "test.h"

static json_t *compile(const char *src, struct zt_rulesc_error *e)
{
	json_t *j = NULL;
	int r = zt_rulesc_compile(src, strlen(src), &j, e);

	if (r < 0) {
		printf("  compile failed at %u:%u: %s\n", e->line, e->column, e->msg);
		CHECK(j == NULL);
		return NULL;
	}
	return j;
}

/*
 * The expected JSON is written with ' for " (no script here has a '), and
 * a match object without "not" or "or" has them false: the compiler must
 * give both, always.
 */
static json_t *expected_json(const char *text, json_error_t *je)
{
	char *t = strdup(text);
	json_t *j, *x, *y;
	size_t i, k;

	if (t == NULL)
		return NULL;
	for (char *p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	j = json_loads(t, 0, je);
	free(t);
	json_array_foreach(j, i, x)
	{
		json_t *list = json_object_get(x, "rules") ? json_object_get(x, "rules") : NULL;

		json_array_foreach(list ? list : j, k, y)
		{
			const char *type = json_string_value(json_object_get(y, "type"));

			if (type == NULL || strncmp(type, "MATCH_", 6) != 0)
				continue;
			if (json_object_get(y, "not") == NULL)
				json_object_set_new(y, "not", json_false());
			if (json_object_get(y, "or") == NULL)
				json_object_set_new(y, "or", json_false());
		}
		if (list == NULL)
			break; /* a rule list: done in one pass */
	}
	return j;
}

/* Compare a part of the output with JSON text (objects by key). */
static void same(const json_t *got, const char *want_text, const char *what)
{
	json_error_t je;
	json_t *want = expected_json(want_text, &je);

	if (want == NULL) {
		printf("  bad expected JSON (%s) at %d: %s\n", what, je.column, je.text);
		CHECK(0);
		return;
	}
	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_COMPACT);
		printf("  %s differs:\n    got  %s\n    want %s\n", what, g ? g : "(null)",
		       want_text);
		free(g);
		CHECK(0);
	}
	json_decref(want);
}

/* src compiles to rules (and, when not NULL, capabilities and tags). */
static void expect(const char *src, const char *rules, const char *caps, const char *tags)
{
	struct zt_rulesc_error e;
	json_t *j = compile(src, &e);

	CHECK(j != NULL);
	if (j == NULL)
		return;
	same(json_object_get(j, "rules"), rules, "rules");
	same(json_object_get(j, "capabilities"), caps ? caps : "[]", "capabilities");
	same(json_object_get(j, "tags"), tags ? tags : "[]", "tags");
	json_decref(j);
}

/* src fails at line:col with a message containing part. */
static void expect_error(const char *src, unsigned line, unsigned col, const char *part)
{
	struct zt_rulesc_error e;
	json_t *j = (json_t *)1;
	int r = zt_rulesc_compile(src, strlen(src), &j, &e);

	CHECK_EQ(r, -EINVAL);
	CHECK(j == NULL);
	if (r == 0)
		json_decref(j);
	if (e.line != line || e.column != col || strstr(e.msg, part) == NULL) {
		printf("  for <<%s>>\n    got  %u:%u: %s\n    want %u:%u: ...%s...\n", src, e.line,
		       e.column, e.msg, line, col, part);
		CHECK(0);
	}
}

/* ---- the manual's raw rule sets, written as scripts ---- */

static void test_manual_raw(void)
{
	/* "Rule Sets and Rule Evaluation": only IPv4, ARP and IPv6. */
	expect("drop not ethertype 2048 not ethertype 2054 not ethertype 34525;\naccept;",
	       "[{'type':'MATCH_ETHERTYPE','not':true,'etherType':2048},"
	       " {'type':'MATCH_ETHERTYPE','not':true,'etherType':2054},"
	       " {'type':'MATCH_ETHERTYPE','not':true,'etherType':34525},"
	       " {'type':'ACTION_DROP'},"
	       " {'type':'ACTION_ACCEPT'}]",
	       NULL, NULL);
	/* "Capabilities": the same with break, and wake-on-LAN as a
	 * capability. */
	expect("break not ethertype ipv4 and not ethertype arp and not ethertype ipv6;\n"
	       "cap wol\n  id 1\n  accept ethertype 2114;\n;\naccept;\n",
	       "[{'type':'MATCH_ETHERTYPE','not':true,'etherType':2048},"
	       " {'type':'MATCH_ETHERTYPE','not':true,'etherType':2054},"
	       " {'type':'MATCH_ETHERTYPE','not':true,'etherType':34525},"
	       " {'type':'ACTION_BREAK'},"
	       " {'type':'ACTION_ACCEPT'}]",
	       "[{'id':1,'default':false,'rules':["
	       "   {'type':'MATCH_ETHERTYPE','etherType':2114},"
	       "   {'type':'ACTION_ACCEPT'}]}]",
	       NULL);
	/* "Tags": CIFS between members of the same department (tag id 100). */
	expect("tag department id 100;\n"
	       "accept dport 139 or dport 445 and ipprotocol 6 and tdiff department 0;\n",
	       "[{'type':'MATCH_IP_DEST_PORT_RANGE','start':139,'end':139},"
	       " {'type':'MATCH_IP_DEST_PORT_RANGE','or':true,'start':445,'end':445},"
	       " {'type':'MATCH_IP_PROTOCOL','ipProtocol':6},"
	       " {'type':'MATCH_TAGS_DIFFERENCE','id':100,'value':0},"
	       " {'type':'ACTION_ACCEPT'}]",
	       NULL, "[{'id':100,'default':null}]");
}

/* ---- the manual's "An Introductory Example" ---- */

static const char intro[] =
    "# Whitelist only IPv4 (/ARP) and IPv6 traffic and allow only assigned IPs\n"
    "drop                      # drop cannot be overridden by capabilities\n"
    "  not ethertype ipv4      # frame is not ipv4\n"
    "  and not ethertype arp   # AND is not ARP\n"
    "  and not ethertype ipv6  # AND is not ipv6\n"
    "  or not chr ipauth       # OR IP addresses are not authenticated\n"
    ";\n"
    "\n"
    "# Allow SSH, HTTP, and HTTPS\n"
    "accept\n"
    "  dport 22 or dport 80 or dport 443\n"
    "  and ipprotocol tcp\n"
    ";\n"
    "\n"
    "tag department\n"
    "  id 1000\n"
    "  enum 100 sales\n"
    "  enum 200 engineering\n"
    "  enum 300 support\n"
    "  enum 400 manufacturing\n"
    "  default 0\n"
    ";\n"
    "\n"
    "accept\n"
    "  dport 139 or dport 445\n"
    "  and ipprotocol tcp\n"
    "  and tdiff department 0\n"
    ";\n"
    "\n"
    "break\n"
    "  chr tcp_syn\n"
    "  and not chr tcp_ack\n"
    ";\n"
    "\n"
    "cap superuser\n"
    "  id 1000\n"
    "  accept;\n"
    ";\n"
    "\n"
    "accept;\n";

static void test_manual_intro(void)
{
	expect(intro,
	       "[{'type':'MATCH_ETHERTYPE','not':true,'etherType':2048},"
	       " {'type':'MATCH_ETHERTYPE','not':true,'etherType':2054},"
	       " {'type':'MATCH_ETHERTYPE','not':true,'etherType':34525},"
	       " {'type':'MATCH_CHARACTERISTICS','not':true,'or':true,'mask':'1000000000000000'},"
	       " {'type':'ACTION_DROP'},"
	       " {'type':'MATCH_IP_DEST_PORT_RANGE','start':22,'end':22},"
	       " {'type':'MATCH_IP_DEST_PORT_RANGE','or':true,'start':80,'end':80},"
	       " {'type':'MATCH_IP_DEST_PORT_RANGE','or':true,'start':443,'end':443},"
	       " {'type':'MATCH_IP_PROTOCOL','ipProtocol':6},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'MATCH_IP_DEST_PORT_RANGE','start':139,'end':139},"
	       " {'type':'MATCH_IP_DEST_PORT_RANGE','or':true,'start':445,'end':445},"
	       " {'type':'MATCH_IP_PROTOCOL','ipProtocol':6},"
	       " {'type':'MATCH_TAGS_DIFFERENCE','id':1000,'value':0},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'MATCH_CHARACTERISTICS','mask':'0000000000000002'},"
	       " {'type':'MATCH_CHARACTERISTICS','not':true,'mask':'0000000000000010'},"
	       " {'type':'ACTION_BREAK'},"
	       " {'type':'ACTION_ACCEPT'}]",
	       "[{'id':1000,'default':false,'rules':["
	       "   {'type':'ACTION_ACCEPT'}]}]",
	       "[{'id':1000,'default':0}]");
}

/* ---- the manual's macros and design patterns ---- */

static void test_manual_macros(void)
{
	expect("macro allowtcp($port)\n"
	       "  accept\n"
	       "    ipprotocol tcp\n"
	       "    and dport $port\n"
	       "  ;\n"
	       ";\n"
	       "include allowtcp(80)\n"
	       "include allowtcp(443)\n"
	       "include allowtcp(8080)\n",
	       "[{'type':'MATCH_IP_PROTOCOL','ipProtocol':6},"
	       " {'type':'MATCH_IP_DEST_PORT_RANGE','start':80,'end':80},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'MATCH_IP_PROTOCOL','ipProtocol':6},"
	       " {'type':'MATCH_IP_DEST_PORT_RANGE','start':443,'end':443},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'MATCH_IP_PROTOCOL','ipProtocol':6},"
	       " {'type':'MATCH_IP_DEST_PORT_RANGE','start':8080,'end':8080},"
	       " {'type':'ACTION_ACCEPT'}]",
	       NULL, NULL);
}

static void test_manual_tcp_whitelisting(void)
{
	expect("# Allow TCP port 80 (HTTP)\n"
	       "accept ipprotocol tcp and dport 80;\n"
	       "# Block TCP SYN,!ACK\n"
	       "break chr tcp_syn and not chr tcp_ack;\n",
	       "[{'type':'MATCH_IP_PROTOCOL','ipProtocol':6},"
	       " {'type':'MATCH_IP_DEST_PORT_RANGE','start':80,'end':80},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'MATCH_CHARACTERISTICS','mask':'0000000000000002'},"
	       " {'type':'MATCH_CHARACTERISTICS','not':true,'mask':'0000000000000010'},"
	       " {'type':'ACTION_BREAK'}]",
	       NULL, NULL);
}

static void test_manual_udp(void)
{
	expect("tag udpserver\n  id 1000\n  default 0\n;\n\n"
	       "accept\n  ipprotocol udp\n  and tor udpserver 1\n  or chr multicast\n;\n\n"
	       "break ipprotocol udp;\n",
	       "[{'type':'MATCH_IP_PROTOCOL','ipProtocol':17},"
	       " {'type':'MATCH_TAGS_BITWISE_OR','id':1000,'value':1},"
	       " {'type':'MATCH_CHARACTERISTICS','or':true,'mask':'4000000000000000'},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'MATCH_IP_PROTOCOL','ipProtocol':17},"
	       " {'type':'ACTION_BREAK'}]",
	       NULL, "[{'id':1000,'default':0}]");
}

static void test_manual_observation(void)
{
	/* -1 (the whole frame) is kept as ZeroTier's controller keeps it:
	 * 16 bits. */
	expect("# Send a copy of EVERY packet to deadbeef11.\ntee -1 deadbeef11;\n",
	       "[{'type':'ACTION_TEE','address':'deadbeef11','flags':0,'length':65535}]", NULL,
	       NULL);
	expect("tee 128 deadbeef11\n"
	       "  chr inbound\n"
	       "  and chr tcp_syn or chr tcp_rst or chr tcp_fin\n"
	       "  or random 0.1\n"
	       ";\n\n"
	       "tee 128 deadbeef22\n"
	       "  not chr inbound\n"
	       "  and chr tcp_syn or chr tcp_rst or chr tcp_fin\n"
	       "  or random 0.1\n"
	       ";\n",
	       "[{'type':'MATCH_CHARACTERISTICS','mask':'8000000000000000'},"
	       " {'type':'MATCH_CHARACTERISTICS','mask':'0000000000000002'},"
	       " {'type':'MATCH_CHARACTERISTICS','or':true,'mask':'0000000000000004'},"
	       " {'type':'MATCH_CHARACTERISTICS','or':true,'mask':'0000000000000001'},"
	       " {'type':'MATCH_RANDOM','or':true,'probability':429496729},"
	       " {'type':'ACTION_TEE','address':'deadbeef11','flags':0,'length':128},"
	       " {'type':'MATCH_CHARACTERISTICS','not':true,'mask':'8000000000000000'},"
	       " {'type':'MATCH_CHARACTERISTICS','mask':'0000000000000002'},"
	       " {'type':'MATCH_CHARACTERISTICS','or':true,'mask':'0000000000000004'},"
	       " {'type':'MATCH_CHARACTERISTICS','or':true,'mask':'0000000000000001'},"
	       " {'type':'MATCH_RANDOM','or':true,'probability':429496729},"
	       " {'type':'ACTION_TEE','address':'deadbeef22','flags':0,'length':128}]",
	       NULL, NULL);
	expect("redirect deadbeef11\n  dport 80 or sport 80\n  and ipprotocol tcp\n;\n",
	       "[{'type':'MATCH_IP_DEST_PORT_RANGE','start':80,'end':80},"
	       " {'type':'MATCH_IP_SOURCE_PORT_RANGE','or':true,'start':80,'end':80},"
	       " {'type':'MATCH_IP_PROTOCOL','ipProtocol':6},"
	       " {'type':'ACTION_REDIRECT','address':'deadbeef11','flags':0}]",
	       NULL, NULL);
}

static void test_manual_classified(void)
{
	/* Flags are bit masks (flag 2 = 4); "default no" names an enum. */
	expect("tag classified\n  id 2\n  enum 0 no\n  enum 1 secret\n  enum 2 top\n"
	       "  default no\n;\n\n"
	       "tag clearance\n  id 1\n  default 0\n  flag 0 staging\n  flag 1 production\n"
	       "  flag 2 financial\n  flag 3 security\n  flag 4 executive\n;\n\n"
	       "break\n  not tor classified 0\n  and tand clearance 0\n;\n",
	       "[{'type':'MATCH_TAGS_BITWISE_OR','not':true,'id':2,'value':0},"
	       " {'type':'MATCH_TAGS_BITWISE_AND','id':1,'value':0},"
	       " {'type':'ACTION_BREAK'}]",
	       NULL,
	       "[{'id':1,'default':0},"
	       " {'id':2,'default':0}]");
	/* The same tags matched by name. */
	expect("tag clearance id 1 flag 0 staging flag 1 production flag 0,1 both "
	       "flag staging,2 odd;\n"
	       "accept tand clearance production;\naccept teq clearance both;\n"
	       "accept tseq clearance odd;\n",
	       "[{'type':'MATCH_TAGS_BITWISE_AND','id':1,'value':2},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'MATCH_TAGS_EQUAL','id':1,'value':3},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'MATCH_TAG_SENDER','id':1,'value':5},"
	       " {'type':'ACTION_ACCEPT'}]",
	       NULL, "[{'id':1,'default':null}]");
}

/* ---- the rules FAQ pages ---- */

static void test_faq_client_isolation(void)
{
	expect("accept ethertype arp;\n\n"
	       "tag server\n  id 2\n  enum 0 No\n  enum 1 Yes\n  default No;\n\n"
	       "# if neither member is a \"server\", break\n"
	       "break not tor server 1;\n\n"
	       "# This is required because the default action is 'drop'.\naccept;\n",
	       "[{'type':'MATCH_ETHERTYPE','etherType':2054},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'MATCH_TAGS_BITWISE_OR','not':true,'id':2,'value':1},"
	       " {'type':'ACTION_BREAK'},"
	       " {'type':'ACTION_ACCEPT'}]",
	       NULL, "[{'id':2,'default':0}]");
	/* The page's code block also holds a line of prose: an error where it
	 * starts. */
	expect_error("accept;\nSee the \"Tags Matrix\" below.\n", 2, 1,
	             "expected a rule (drop, accept, break");
}

static void test_faq_block_all(void)
{
	expect("drop;\n", "[{'type':'ACTION_DROP'}]", NULL, NULL);
}

static void test_faq_rdp_only(void)
{
	expect("accept ethertype arp; # so nodes can find each other\n"
	       "drop not ipprotocol tcp;\n"
	       "accept dport 3389; # Destination is RDP\n"
	       "drop chr tcp_syn and not chr tcp_ack; # No new TCP connections (except RDP)\n"
	       "accept; # Accept what's left, returning RDP traffic\n",
	       "[{'type':'MATCH_ETHERTYPE','etherType':2054},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'MATCH_IP_PROTOCOL','not':true,'ipProtocol':6},"
	       " {'type':'ACTION_DROP'},"
	       " {'type':'MATCH_IP_DEST_PORT_RANGE','start':3389,'end':3389},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'MATCH_CHARACTERISTICS','mask':'0000000000000002'},"
	       " {'type':'MATCH_CHARACTERISTICS','not':true,'mask':'0000000000000010'},"
	       " {'type':'ACTION_DROP'},"
	       " {'type':'ACTION_ACCEPT'}]",
	       NULL, NULL);
	/* Its page starts the block with a sentence: an error at 1:1. */
	expect_error("Check the manual for more information.\naccept ethertype arp;\n", 1, 1,
	             "found 'Check'");
}

static void test_faq_gradual(void)
{
	expect("tag admin # employee workstations\n  id 1\n  flag 0 yes\n  default 0\n  ;\n\n"
	       "accept ethertype arp and tor admin 1; \n"
	       "accept ipprotocol icmp4 and tor admin 1; \n\n"
	       "accept chr tcp_ack;\n\n"
	       "accept dport 22 and ipprotocol tcp and tseq admin 1; \n\n"
	       "cap approved\n  id 1\n  accept;\n;\n\n"
	       "break; \n",
	       "[{'type':'MATCH_ETHERTYPE','etherType':2054},"
	       " {'type':'MATCH_TAGS_BITWISE_OR','id':1,'value':1},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'MATCH_IP_PROTOCOL','ipProtocol':1},"
	       " {'type':'MATCH_TAGS_BITWISE_OR','id':1,'value':1},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'MATCH_CHARACTERISTICS','mask':'0000000000000010'},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'MATCH_IP_DEST_PORT_RANGE','start':22,'end':22},"
	       " {'type':'MATCH_IP_PROTOCOL','ipProtocol':6},"
	       " {'type':'MATCH_TAG_SENDER','id':1,'value':1},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'ACTION_BREAK'}]",
	       "[{'id':1,'default':false,'rules':["
	       "   {'type':'ACTION_ACCEPT'}]}]",
	       "[{'id':1,'default':0}]");
}

/* ZeroTier's rule-compiler/examples/capabilities-and-tags.ztrules. */
static void test_compiler_example(void)
{
	expect("drop\n\tnot ethertype 0x0800 # IPv4\n\tnot ethertype 0x0806 # IPv4 ARP\n"
	       "\tnot ethertype 0x86dd # IPv6\n;\n\n"
	       "cap ssh\n\tid 1000\n\taccept\n\t\tipprotocol tcp\n\t\tdport 22\n\t;\n;\n\n"
	       "tag department\n\tid 1000\n\tenum 100 sales\n\tenum 200 marketing\n"
	       "\tenum 300 accounting\n\tenum 400 engineering\n;\n\n"
	       "accept\n\ttdiff department 0\n;\n\naccept;\n",
	       "[{'type':'MATCH_ETHERTYPE','not':true,'etherType':2048},"
	       " {'type':'MATCH_ETHERTYPE','not':true,'etherType':2054},"
	       " {'type':'MATCH_ETHERTYPE','not':true,'etherType':34525},"
	       " {'type':'ACTION_DROP'},"
	       " {'type':'MATCH_TAGS_DIFFERENCE','id':1000,'value':0},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'ACTION_ACCEPT'}]",
	       "[{'id':1000,'default':false,'rules':["
	       "   {'type':'MATCH_IP_PROTOCOL','ipProtocol':6},"
	       "   {'type':'MATCH_IP_DEST_PORT_RANGE','start':22,'end':22},"
	       "   {'type':'ACTION_ACCEPT'}]}]",
	       "[{'id':1000,'default':null}]");
}

/* README's and doc/rules.md's team policy. */
static void test_team_policy(void)
{
	expect("tag role id 1 enum 0 staff enum 1 contractor default staff;  # \"tags\": [[1, 1]]\n"
	       "cap admin id 10 accept; ;\n"
	       "drop not ethertype ipv4 and not ethertype arp or not chr ipauth;\n"
	       "accept ethertype arp;\n"
	       "accept tseq role staff and treq role staff;\n"
	       "accept ipprotocol tcp and dport 443;\n"
	       "accept ipprotocol tcp and dport 22 and tseq role staff;\n"
	       "break chr tcp_syn and not chr tcp_ack;\n"
	       "accept ipprotocol tcp;\n",
	       "[{'type':'MATCH_ETHERTYPE','not':true,'etherType':2048},"
	       " {'type':'MATCH_ETHERTYPE','not':true,'etherType':2054},"
	       " {'type':'MATCH_CHARACTERISTICS','not':true,'or':true,'mask':'1000000000000000'},"
	       " {'type':'ACTION_DROP'},"
	       " {'type':'MATCH_ETHERTYPE','etherType':2054},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'MATCH_TAG_SENDER','id':1,'value':0},"
	       " {'type':'MATCH_TAG_RECEIVER','id':1,'value':0},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'MATCH_IP_PROTOCOL','ipProtocol':6},"
	       " {'type':'MATCH_IP_DEST_PORT_RANGE','start':443,'end':443},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'MATCH_IP_PROTOCOL','ipProtocol':6},"
	       " {'type':'MATCH_IP_DEST_PORT_RANGE','start':22,'end':22},"
	       " {'type':'MATCH_TAG_SENDER','id':1,'value':0},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'MATCH_CHARACTERISTICS','mask':'0000000000000002'},"
	       " {'type':'MATCH_CHARACTERISTICS','not':true,'mask':'0000000000000010'},"
	       " {'type':'ACTION_BREAK'},"
	       " {'type':'MATCH_IP_PROTOCOL','ipProtocol':6},"
	       " {'type':'ACTION_ACCEPT'}]",
	       "[{'id':10,'default':false,'rules':["
	       "   {'type':'ACTION_ACCEPT'}]}]",
	       "[{'id':1,'default':0}]");
}

/* ---- every keyword ---- */

static void one(const char *match, const char *want)
{
	char src[256], rules[1024];

	snprintf(src, sizeof src, "accept %s;", match);
	snprintf(rules, sizeof rules, "[%s,{'type':'ACTION_ACCEPT'}]", want);
	expect(src, rules, NULL, NULL);
}

static void test_matches(void)
{
	one("ztsrc 89e92ceee5", "{'type':'MATCH_SOURCE_ZEROTIER_ADDRESS','zt':'89e92ceee5'}");
	one("ztdest 00DEADBEEF", "{'type':'MATCH_DEST_ZEROTIER_ADDRESS','zt':'00deadbeef'}");
	one("vlan 4095", "{'type':'MATCH_VLAN_ID','vlanId':4095}");
	one("vlanpcp 7", "{'type':'MATCH_VLAN_PCP','vlanPcp':7}");
	one("vlandei 1", "{'type':'MATCH_VLAN_DEI','vlanDei':1}");
	one("ethertype 0x88cc", "{'type':'MATCH_ETHERTYPE','etherType':35020}");
	one("ethertype wol", "{'type':'MATCH_ETHERTYPE','etherType':2114}");
	one("ethertype IPX_B", "{'type':'MATCH_ETHERTYPE','etherType':33080}");
	one("macsrc 00:11:22:aa:bb:cc", "{'type':'MATCH_MAC_SOURCE','mac':'00:11:22:aa:bb:cc'}");
	one("macdest 0011.22AA.BBCC", "{'type':'MATCH_MAC_DEST','mac':'00:11:22:aa:bb:cc'}");
	one("ipsrc 10.1.2.0/24", "{'type':'MATCH_IPV4_SOURCE','ip':'10.1.2.0/24'}");
	one("ipdest 10.1.2.3", "{'type':'MATCH_IPV4_DEST','ip':'10.1.2.3/32'}");
	one("ipsrc FD00:0:0::1/64", "{'type':'MATCH_IPV6_SOURCE','ip':'fd00::1/64'}");
	one("ipdest ::1", "{'type':'MATCH_IPV6_DEST','ip':'::1/128'}");
	one("iptos 0xfc 0x10-0x20", "{'type':'MATCH_IP_TOS','mask':252,'start':16,'end':32}");
	one("iptos 255 8", "{'type':'MATCH_IP_TOS','mask':255,'start':8,'end':8}");
	one("ipprotocol udplite", "{'type':'MATCH_IP_PROTOCOL','ipProtocol':136}");
	one("ipprotocol icmp", "{'type':'MATCH_IP_PROTOCOL','ipProtocol':1}");
	one("ipprotocol icmp6", "{'type':'MATCH_IP_PROTOCOL','ipProtocol':58}");
	one("ipprotocol 47", "{'type':'MATCH_IP_PROTOCOL','ipProtocol':47}");
	one("icmp 8 -1", "{'type':'MATCH_ICMP','icmpType':8,'icmpCode':null}");
	one("icmp 3 4", "{'type':'MATCH_ICMP','icmpType':3,'icmpCode':4}");
	one("sport 1024-65535", "{'type':'MATCH_IP_SOURCE_PORT_RANGE','start':1024,'end':65535}");
	one("dport 0", "{'type':'MATCH_IP_DEST_PORT_RANGE','start':0,'end':0}");
	one("framesize 64-1500", "{'type':'MATCH_FRAME_SIZE_RANGE','start':64,'end':1500}");
	one("chr tcp_syn,tcp_ack", "{'type':'MATCH_CHARACTERISTICS','mask':'0000000000000012'}");
	one("chr broadcast, macauth,tcp_rs0 , 40",
	    "{'type':'MATCH_CHARACTERISTICS','mask':'2800010000000800'}");
	one("chr tcp_fin,tcp_psh,tcp_urg,tcp_ece,tcp_cwr,tcp_ns,tcp_rs2,tcp_rs1",
	    "{'type':'MATCH_CHARACTERISTICS','mask':'00000000000007e9'}");
	one("random 0", "{'type':'MATCH_RANDOM','probability':0}");
	one("random 1.0", "{'type':'MATCH_RANDOM','probability':4294967295}");
	one("random .5", "{'type':'MATCH_RANDOM','probability':2147483647}");
	one("tand 7 0x10", "{'type':'MATCH_TAGS_BITWISE_AND','id':7,'value':16}");
	one("tor 7 1", "{'type':'MATCH_TAGS_BITWISE_OR','id':7,'value':1}");
	one("txor 7 1", "{'type':'MATCH_TAGS_BITWISE_XOR','id':7,'value':1}");
	one("tdiff 7 4294967295", "{'type':'MATCH_TAGS_DIFFERENCE','id':7,'value':4294967295}");
	one("teq 7 1", "{'type':'MATCH_TAGS_EQUAL','id':7,'value':1}");
	one("tseq 7 1", "{'type':'MATCH_TAG_SENDER','id':7,'value':1}");
	one("treq 4294967295 1", "{'type':'MATCH_TAG_RECEIVER','id':4294967295,'value':1}");
	one("established", "{'type':'MATCH_ESTABLISHED'}"); /* zt's own: no argument */
	/* not / or / and, in every combination ZeroTier combines. */
	one("not vlan 1 or vlan 2 and vlan 3 or not vlan 4",
	    "{'type':'MATCH_VLAN_ID','not':true,'vlanId':1},{'type':'MATCH_VLAN_ID','or':true,'"
	    "vlanId':2},{'type':'MATCH_VLAN_ID','vlanId':3},{'type':'MATCH_VLAN_ID','not':true,'or'"
	    ":true,'vlanId':4}");
	one("and vlan 1", "{'type':'MATCH_VLAN_ID','vlanId':1}");
}

static void test_actions(void)
{
	expect("drop; accept; break;",
	       "[{'type':'ACTION_DROP'},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'ACTION_BREAK'}]",
	       NULL, NULL);
	expect("watch 0 0123456789 chr inbound;",
	       "[{'type':'MATCH_CHARACTERISTICS','mask':'8000000000000000'},"
	       " {'type':'ACTION_WATCH','address':'0123456789','flags':0,'length':0}]",
	       NULL, NULL);
	expect("TEE 65535 ABCDEF0123;",
	       "[{'type':'ACTION_TEE','address':'abcdef0123','flags':0,'length':65535}]", NULL,
	       NULL);
	expect("redirect deadbeef11;",
	       "[{'type':'ACTION_REDIRECT','address':'deadbeef11','flags':0}]", NULL, NULL);
	expect("priority 0 ipprotocol udp; priority 8;",
	       "[{'type':'MATCH_IP_PROTOCOL','ipProtocol':17},"
	       " {'type':'ACTION_PRIORITY','qosBucket':0},"
	       " {'type':'ACTION_PRIORITY','qosBucket':8}]",
	       NULL, NULL);
	/* The end of the script ends the last rule, as in ZeroTier. */
	expect("accept", "[{'type':'ACTION_ACCEPT'}]", NULL, NULL);
	expect("", "[]", NULL, NULL);
	expect("# nothing\n;;\n", "[]", NULL, NULL);
}

static void test_definitions(void)
{
	expect("macro none() drop; ;\ninclude none()\ninclude none;",
	       "[{'type':'ACTION_DROP'},"
	       " {'type':'ACTION_DROP'}]",
	       NULL, NULL);
	/* Definitions may follow their use; capabilities and tags are listed
	 * by id, as ZeroTier's controller lists them. */
	expect("accept teq late ok; include m(late)\n"
	       "cap b id 9 accept; ;\ncap a id 3 default include m(late) ;\n"
	       "macro m($t) drop treq $t 1; ;\n"
	       "tag late id 77 enum 5 ok default ok;\ntag early id 6;\n",
	       "[{'type':'MATCH_TAGS_EQUAL','id':77,'value':5},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'MATCH_TAG_RECEIVER','id':77,'value':1},"
	       " {'type':'ACTION_DROP'}]",
	       "[{'id':3,'default':true,'rules':["
	       "   {'type':'MATCH_TAG_RECEIVER','id':77,'value':1},"
	       "   {'type':'ACTION_DROP'}]},"
	       " {'id':9,'default':false,'rules':["
	       "   {'type':'ACTION_ACCEPT'}]}]",
	       "[{'id':6,'default':null},"
	       " {'id':77,'default':5}]");
	/* A name that is both a flag and an enum: a match takes the flag, a
	 * default the enum (ZeroTier's compiler's order). */
	expect("tag t id 5 enum 3 x flag 4 x default x;\naccept teq t x;",
	       "[{'type':'MATCH_TAGS_EQUAL','id':5,'value':16},{'type':'ACTION_ACCEPT'}]", NULL,
	       "[{'id':5,'default':3}]");
	/* Macros include macros; parameters pass through; names are
	 * case-insensitive. */
	expect("Macro Port($P, $proto) ACCEPT IPPROTOCOL $PROTO and DPORT $p; ;\n"
	       "macro web($x) include port($x,tcp) include PORT(443, tcp); ;\n"
	       "include web(80)\n",
	       "[{'type':'MATCH_IP_PROTOCOL','ipProtocol':6},"
	       " {'type':'MATCH_IP_DEST_PORT_RANGE','start':80,'end':80},"
	       " {'type':'ACTION_ACCEPT'},"
	       " {'type':'MATCH_IP_PROTOCOL','ipProtocol':6},"
	       " {'type':'MATCH_IP_DEST_PORT_RANGE','start':443,'end':443},"
	       " {'type':'ACTION_ACCEPT'}]",
	       NULL, NULL);
}

/* ---- errors: each names its line and column ---- */

static void test_errors(void)
{
	expect_error("accept dport 99999;", 1, 14, "expected a port or port range (0-65535)");
	expect_error("accept dport 90-80;", 1, 14, "port range");
	expect_error("accept ipprotocol tcp\naccept;", 2, 1,
	             "expected ';' to end the 'accept' rule begun at 1:1, found 'accept'");
	expect_error("drop not ethertype;", 1, 19, "expected an ethertype");
	expect_error("drop ethertype and;", 1, 16, "found 'and'");
	expect_error("drop not;", 1, 9, "expected a match condition");
	expect_error("accept established 5;", 1, 20, "expected a match condition");
	expect_error("accept or dport 80;", 1, 8, "'or' joins a match");
	expect_error("accept dport 80 xyz 1;", 1, 17, "found 'xyz'");
	expect_error("frobnicate;", 1, 1, "expected a rule");
	expect_error("  tee 128;", 1, 10, "expected a ZeroTier address");
	expect_error("tee 70000 deadbeef11;", 1, 5, "expected a length");
	expect_error("redirect deadbeef1;", 1, 10, "expected a ZeroTier address");
	expect_error("priority 9;", 1, 10, "expected a priority bucket (0-8)");
	expect_error("accept ztsrc 12345;", 1, 14, "ZeroTier address");
	expect_error("accept vlan 4096;", 1, 13, "VLAN id (0-4095)");
	expect_error("accept macsrc 00:11:22:33:44;", 1, 15, "MAC address");
	expect_error("accept macsrc 00:11:22:33:44:55:66;", 1, 15, "MAC address");
	expect_error("accept ipsrc 10.0.0.300/8;", 1, 14, "IPv4 or IPv6");
	expect_error("accept ipdest 10.0.0.0/33;", 1, 15, "IPv4 or IPv6");
	expect_error("accept ipdest fd00::/129;", 1, 15, "IPv4 or IPv6");
	expect_error("accept iptos 256 1;", 1, 14, "TOS mask");
	expect_error("accept iptos 3 1-300;", 1, 16, "TOS value");
	expect_error("accept icmp 8 -2;", 1, 15, "ICMP code");
	expect_error("accept icmp 256 0;", 1, 13, "ICMP type");
	expect_error("accept chr tcp_syn,bogus;", 1, 20, "characteristic");
	expect_error("accept chr 64;", 1, 12, "characteristic");
	expect_error("accept chr tcp_syn,;", 1, 20, "characteristic");
	expect_error("accept random 1.5;", 1, 15, "probability");
	expect_error("accept random 0.5.1;", 1, 15, "probability");
	expect_error("accept tseq bogus 1;", 1, 13, "no tag 'bogus'");
	expect_error("tag t id 1 enum 1 one;\naccept tseq t two;", 2, 15, "a value of tag 't'");
	/* Tags. */
	expect_error("tag t default 1;", 1, 5, "expected an 'id' in tag 't'");
	expect_error("tag t id 1 id 2;", 1, 12, "one 'id'");
	expect_error("tag t id x;", 1, 10, "an id");
	expect_error("tag accept id 1;", 1, 5, "a tag name");
	expect_error("tag 9t id 1;", 1, 5, "a tag name");
	expect_error("tag t id 1;\ntag t id 2;", 2, 5, "tag 't' is already defined");
	expect_error("tag t id 1;\ntag u id 1;", 2, 5, "a new id for tag 'u'");
	expect_error("tag t id 1 enum 1 a enum 2 a;", 1, 28, "a new enum name");
	expect_error("tag t id 1 flag 32 x;", 1, 17, "a bit (0-31)");
	expect_error("tag t id 1 flag 1 1x;", 1, 19, "a name for the flag");
	expect_error("tag t id 1 default nope;", 1, 20, "a default for tag 't'");
	expect_error("tag t\n  id 1\n  colour red;", 3, 3, "in tag 't' begun at 1:1");
	/* Capabilities. */
	expect_error("cap c accept;;", 1, 5, "expected an 'id' in capability 'c'");
	expect_error("cap c id 1 accept;", 1, 19,
	             "expected ';' to end capability 'c' begun at 1:1, found end of input");
	expect_error("cap c id 1 accept", 1, 18, "';' to end the 'accept' rule");
	expect_error("cap c id 1;\ncap d id 1;", 2, 5, "a new id for capability 'd'");
	expect_error("cap c id 1;\ncap c id 2;", 2, 5, "'c' is already defined");
	expect_error("cap c id 1 tag t id 2;;", 1, 12, "expected a rule");
	/* Macros. */
	expect_error("include foo(1)", 1, 9, "no macro 'foo'");
	expect_error("macro m($p) accept dport $p; ;\ninclude m(80,81)", 2, 9,
	             "expected 1 argument to macro 'm', found 2");
	expect_error("macro m($p) accept dport $p; ;\ninclude m(99999)", 2, 11,
	             "a port or port range");
	expect_error("macro m($p) accept dport $q; ;", 1, 26, "a parameter of macro 'm'");
	expect_error("accept dport $p;", 1, 14, "a macro parameter outside a macro");
	expect_error("macro m(p) accept; ;", 1, 9, "a parameter ($name)");
	expect_error("macro m($a,$a) accept; ;", 1, 12, "a new parameter name");
	expect_error("macro m accept dport 99999; ;", 1, 22, "port");
	expect_error("macro m accept;", 1, 16, "';' to end macro 'm' begun at 1:1");
	expect_error("macro m accept; ;\nmacro m drop; ;", 2, 7, "'m' is already defined");
	expect_error("include m(1 2)", 1, 13, "',' or ')'");
	/* The lexer. */
	expect_error("accept;\n\taccept\x01;", 2, 8, "control character 0x01");
	{
		char big[ZT_RULESC_WORD_MAX + 32];

		memset(big, 'a', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		memcpy(big, "drop ", 5);
		expect_error(big, 1, 6, "a word of at most");
	}
	/* A message cut to fit stays whole UTF-8 (the API sends it as JSON):
	 * a word shown cut at 40 bytes, a message cut at its size. */
	{
		struct zt_rulesc_error e;
		json_t *j, *m;
		char src[2][512] = {"accept tseq ", "tag "};

		for (int k = 0; k < 20; k++)
			strcat(src[0], "\xe2\x82\xac"); /* euro signs, 3 bytes each */
		strcat(src[0], " 1;\n");
		for (int k = 0; k < 80; k++)
			strcat(src[1], "\xe2\x82\xac");
		strcat(src[1], " id 1 default nope;\n");
		for (int k = 0; k < 2; k++) {
			CHECK_EQ(zt_rulesc_compile(src[k], strlen(src[k]), &j, &e), -EINVAL);
			CHECK(strlen(e.msg) > 150); /* long enough to be cut */
			m = json_string(e.msg);
			if (m == NULL)
				printf("  not UTF-8: %s\n", e.msg);
			CHECK(m != NULL);
			json_decref(m);
		}
	}
	/* Columns count characters, not bytes. */
	expect_error("tag d\xc3\xa9partement id 1;\ntag \xc3\xa9t\xc3\xa9 id 2 default x;", 2, 22,
	             "a default for tag");
	/* A name in UTF-8 is a name (a key of tagsByName); one that is not
	 * UTF-8 (a stray byte, an overlong form, a surrogate) is refused, by
	 * both ways of compiling. */
	{
		static const char *bad[] = {"tag contrac\x88or id 1;", "tag x\xc0\xafy id 1;",
		                            "tag x\xed\xa0\x80y id 1;", "cap caf\xc3 id 1 drop;"};
		static const char ok[] = "tag r\xc3\xb4le id 1 enum 2 \xe2\x82\xac;";
		struct zt_rulesc_error e;
		json_t *j, *names;

		CHECK_EQ(zt_rulesc_compile_named(ok, strlen(ok), &j, &names, &e), 0);
		CHECK(json_object_get(json_object_get(names, "tagsByName"), "r\xc3\xb4le") != NULL);
		json_decref(j);
		json_decref(names);
		for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
			CHECK_EQ(zt_rulesc_compile(bad[k], strlen(bad[k]), &j, &e), -EINVAL);
			CHECK_EQ(zt_rulesc_compile_named(bad[k], strlen(bad[k]), &j, &names, &e),
			         -EINVAL);
			CHECK(strstr(e.msg, "expected") != NULL);
		}
	}
}

/* ---- bounds ---- */

static void test_bounds(void)
{
	struct zt_rulesc_error e;
	size_t cap = 64 * 1024, n = 0;
	char *s = malloc(cap);
	json_t *j = (json_t *)1;

	if (s == NULL) {
		CHECK(0);
		return;
	}
	/* ZT_RULESC_BASE_MAX entries (what a member accepts, ZT_RULES_MAX)
	 * fit the base rule set; one more does not. */
	for (int k = 0; k < ZT_RULESC_BASE_MAX / 2; k++)
		n += (size_t)snprintf(s + n, cap - n, "accept dport %d;\n", k);
	j = compile(s, &e);
	CHECK(j != NULL &&
	      json_array_size(json_object_get(j, "rules")) == (size_t)ZT_RULESC_BASE_MAX);
	json_decref(j);
	snprintf(s + n, cap - n, "drop;\n");
	{
		char want[64];
		snprintf(want, sizeof want, "the base rule set holds at most %d",
		         ZT_RULESC_BASE_MAX);
		expect_error(s, ZT_RULESC_BASE_MAX / 2 + 1, 1, want);
	}
	/* 64 in a capability. */
	n = (size_t)snprintf(s, cap, "cap c id 1\n");
	for (int k = 0; k < 32; k++)
		n += (size_t)snprintf(s + n, cap - n, "accept dport %d;\n", k);
	snprintf(s + n, cap - n, ";\n");
	j = compile(s, &e);
	CHECK(j != NULL);
	json_decref(j);
	snprintf(s + n, cap - n, "drop;\n;\n");
	expect_error(s, 34, 1, "capability 'c' holds at most 64");
	/* A macro that includes itself stops at the depth bound. */
	expect_error("macro a include b ; ;\nmacro b include a; ;\ninclude a\n", 2, 9,
	             "nest deeper than 16");
	/* Fan-out: 2^14 includes of an empty macro stop at the count. */
	n = (size_t)snprintf(s, cap, "macro m0 ;\n");
	for (int k = 1; k < 15; k++)
		n += (size_t)snprintf(s + n, cap - n, "macro m%d include m%d include m%d;\n", k,
		                      k - 1, k - 1);
	snprintf(s + n, cap - n, "include m14\n");
	CHECK_EQ(zt_rulesc_compile(s, strlen(s), &j, &e), -EINVAL);
	CHECK(strstr(e.msg, "more than 4096 includes") != NULL);
	/* Too many tags. */
	n = 0;
	for (int k = 0; k <= ZT_RULESC_TAGS_MAX; k++)
		n += (size_t)snprintf(s + n, cap - n, "tag t%d id %d;\n", k, k);
	expect_error(s, ZT_RULESC_TAGS_MAX + 1, 1, "too many tags");
	free(s);
	/* The script's size. */
	s = calloc(1, ZT_RULESC_SRC_MAX + 2);
	if (s == NULL) {
		CHECK(0);
		return;
	}
	memset(s, ' ', ZT_RULESC_SRC_MAX + 1);
	CHECK_EQ(zt_rulesc_compile(s, ZT_RULESC_SRC_MAX + 1, &j, &e), -EFBIG);
	CHECK(j == NULL && e.msg[0] != '\0');
	CHECK_EQ(zt_rulesc_compile(s, ZT_RULESC_SRC_MAX, &j, &e), 0);
	json_decref(j);
	free(s);
}

int main(void)
{
	RUN(test_manual_raw);
	RUN(test_manual_intro);
	RUN(test_manual_macros);
	RUN(test_manual_tcp_whitelisting);
	RUN(test_manual_udp);
	RUN(test_manual_observation);
	RUN(test_manual_classified);
	RUN(test_faq_client_isolation);
	RUN(test_faq_block_all);
	RUN(test_faq_rdp_only);
	RUN(test_faq_gradual);
	RUN(test_compiler_example);
	RUN(test_team_policy);
	RUN(test_matches);
	RUN(test_actions);
	RUN(test_definitions);
	RUN(test_errors);
	RUN(test_bounds);
	TEST_EXIT();
}
