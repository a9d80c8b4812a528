/* SPDX-License-Identifier: MIT */
/*
 * cli_rules.c - zt-cli's rules and trace: a network's rules, capabilities
 * and tags in force, written back in the rules language, and the frames
 * the rules dropped lately.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/cli.h"
#include "service/cli_api.h"
#include "service/cli_net.h"
#include "service/cli_rules.h"

/* A range as the language writes it: "22", or "1000-2000". */
static void range_text(const json_t *m, char *out, size_t cap)
{
	long long a = zt_cli_num(m, "start", 0), b = zt_cli_num(m, "end", 0);

	if (a == b)
		snprintf(out, cap, "%lld", a);
	else
		snprintf(out, cap, "%lld-%lld", a, b);
}

/* A characteristics mask as the language's names (a bit without a name
 * as its number). */
static void chr_text(const char *hexmask, char *out, size_t cap)
{
	static const char *const low[12] = {"tcp_fin", "tcp_syn", "tcp_rst", "tcp_psh",
	                                    "tcp_ack", "tcp_urg", "tcp_ece", "tcp_cwr",
	                                    "tcp_ns",  "tcp_rs2", "tcp_rs1", "tcp_rs0"};
	static const char *const high[5] = {"inbound", "multicast", "broadcast", "ipauth",
	                                    "macauth"};
	unsigned long long mask = strtoull(hexmask, NULL, 16);
	size_t used = 0;

	out[0] = '\0';
	for (int bit = 63; bit >= 0; bit--) {
		char num_[8];
		const char *name = NULL;
		int w;

		if (!(mask & (1ULL << bit)))
			continue;
		if (bit < 12)
			name = low[bit];
		else if (bit >= 59)
			name = high[63 - bit];
		snprintf(num_, sizeof num_, "%d", bit);
		w = snprintf(out + used, cap - used, "%s%s", used ? "," : "", name ? name : num_);
		if (w < 0 || (size_t)w >= cap - used)
			break;
		used += (size_t)w;
	}
}

/* One match as the language writes it (the compiler reads it back, tag
 * names being their ids). */
static void match_text(const json_t *m, char *out, size_t cap)
{
	const char *t = zt_cli_str(m, "type", "");
	char r[64];

	if (strcmp(t, "MATCH_SOURCE_ZEROTIER_ADDRESS") == 0)
		snprintf(out, cap, "ztsrc %s", zt_cli_str(m, "zt", "?"));
	else if (strcmp(t, "MATCH_DEST_ZEROTIER_ADDRESS") == 0)
		snprintf(out, cap, "ztdest %s", zt_cli_str(m, "zt", "?"));
	else if (strcmp(t, "MATCH_VLAN_ID") == 0)
		snprintf(out, cap, "vlan %lld", zt_cli_num(m, "vlanId", 0));
	else if (strcmp(t, "MATCH_VLAN_PCP") == 0)
		snprintf(out, cap, "vlanpcp %lld", zt_cli_num(m, "vlanPcp", 0));
	else if (strcmp(t, "MATCH_VLAN_DEI") == 0)
		snprintf(out, cap, "vlandei %lld", zt_cli_num(m, "vlanDei", 0));
	else if (strncmp(t, "MATCH_MAC_", 10) == 0) {
		char mac[13] = "";
		const char *s = zt_cli_str(m, "mac", "");
		for (size_t i = 0, o = 0; s[i] && o < 12; i++)
			if (s[i] != ':')
				mac[o++] = s[i];
		snprintf(out, cap, "mac%s %s", strcmp(t + 10, "SOURCE") == 0 ? "src" : "dest", mac);
	} else if (strncmp(t, "MATCH_IPV", 9) == 0)
		snprintf(out, cap, "ip%s %s", strstr(t, "SOURCE") ? "src" : "dest",
		         zt_cli_str(m, "ip", "?"));
	else if (strcmp(t, "MATCH_IP_TOS") == 0) {
		range_text(m, r, sizeof r);
		snprintf(out, cap, "iptos %lld %s", zt_cli_num(m, "mask", 0), r);
	} else if (strcmp(t, "MATCH_IP_PROTOCOL") == 0) {
		long long p = zt_cli_num(m, "ipProtocol", 0);
		if (p == 1 || p == 6 || p == 17)
			snprintf(out, cap, "ipprotocol %s",
			         p == 1   ? "icmp"
			         : p == 6 ? "tcp"
			                  : "udp");
		else
			snprintf(out, cap, "ipprotocol %lld", p);
	} else if (strcmp(t, "MATCH_ETHERTYPE") == 0) {
		long long e = zt_cli_num(m, "etherType", 0);
		if (e == 0x0800 || e == 0x0806 || e == 0x86dd)
			snprintf(out, cap, "ethertype %s",
			         e == 0x0800   ? "ipv4"
			         : e == 0x0806 ? "arp"
			                       : "ipv6");
		else
			snprintf(out, cap, "ethertype 0x%04llx", e);
	} else if (strcmp(t, "MATCH_ICMP") == 0)
		snprintf(out, cap, "icmp %lld %lld", zt_cli_num(m, "icmpType", 0),
		         zt_cli_num(m, "icmpCode", -1));
	else if (strcmp(t, "MATCH_IP_SOURCE_PORT_RANGE") == 0 ||
	         strcmp(t, "MATCH_IP_DEST_PORT_RANGE") == 0 ||
	         strcmp(t, "MATCH_FRAME_SIZE_RANGE") == 0) {
		range_text(m, r, sizeof r);
		snprintf(out, cap, "%s %s",
		         t[9] == 'S'   ? "sport"
		         : t[9] == 'D' ? "dport"
		                       : "framesize",
		         r);
	} else if (strcmp(t, "MATCH_CHARACTERISTICS") == 0) {
		char c[256];
		chr_text(zt_cli_str(m, "mask", "0"), c, sizeof c);
		snprintf(out, cap, "chr %s", c);
	} else if (strcmp(t, "MATCH_ESTABLISHED") == 0)
		snprintf(out, cap, "established");
	else if (strcmp(t, "MATCH_RANDOM") == 0)
		snprintf(out, cap, "random %.6f",
		         (double)zt_cli_num(m, "probability", 0) / 4294967295.0);
	else if (strncmp(t, "MATCH_TAG", 9) == 0) {
		static const char *const kw[][2] = {
		    {"MATCH_TAGS_DIFFERENCE", "tdiff"}, {"MATCH_TAGS_BITWISE_AND", "tand"},
		    {"MATCH_TAGS_BITWISE_OR", "tor"},   {"MATCH_TAGS_BITWISE_XOR", "txor"},
		    {"MATCH_TAGS_EQUAL", "teq"},        {"MATCH_TAG_SENDER", "tseq"},
		    {"MATCH_TAG_RECEIVER", "treq"}};
		const char *k = t;
		for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
			if (strcmp(t, kw[i][0]) == 0)
				k = kw[i][1];
		snprintf(out, cap, "%s %lld %lld", k, zt_cli_num(m, "id", 0),
		         zt_cli_num(m, "value", 0));
	} else
		/* No word for it in the language (INTEGER_RANGE, or a type
		 * this zt-cli does not know): its JSON. */
		snprintf(out, cap, "%s", t);
}

/* Print a list: one line per action, as the language writes it (the
 * action, then its matches), each with the index of its action in the
 * list: the index `trace` and rulesDroppedBy name. */
static void print_rules(const json_t *list, const char *indent)
{
	char line[2048];
	size_t used = 0, i;
	unsigned matches = 0;
	json_t *e;

	line[0] = '\0';
	json_array_foreach(list, i, e)
	{
		const char *t = zt_cli_str(e, "type", "");
		char m[512];
		int w;

		if (strncmp(t, "ACTION_", 7) != 0) {
			match_text(e, m, sizeof m);
			w = snprintf(line + used, sizeof line - used, "%s%s%s",
			             matches == 0                             ? ""
			             : json_is_true(json_object_get(e, "or")) ? " or "
			                                                      : " and ",
			             json_is_true(json_object_get(e, "not")) ? "not " : "", m);
			if (w > 0 && (size_t)w < sizeof line - used)
				used += (size_t)w;
			matches++;
			continue;
		}
		if (strcmp(t, "ACTION_TEE") == 0 || strcmp(t, "ACTION_WATCH") == 0)
			snprintf(m, sizeof m, "%s %lld %s", t[7] == 'T' ? "tee" : "watch",
			         zt_cli_num(e, "length", 0) == 0 ? -1 : zt_cli_num(e, "length", 0),
			         zt_cli_str(e, "address", "?"));
		else if (strcmp(t, "ACTION_REDIRECT") == 0)
			snprintf(m, sizeof m, "redirect %s", zt_cli_str(e, "address", "?"));
		else if (strcmp(t, "ACTION_PRIORITY") == 0)
			snprintf(m, sizeof m, "priority %lld", zt_cli_num(e, "qosBucket", 0));
		else {
			snprintf(m, sizeof m, "%s", t + 7);
			for (char *p = m; *p; p++)
				*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
		}
		printf("%s%-4zu %s%s%s;\n", indent, i, m, matches ? " " : "", line);
		line[0] = '\0';
		used = 0;
		matches = 0;
	}
	if (matches > 0)
		printf("%s     (matches without an action: %s)\n", indent, line);
}

/* rules <nwid>: the network's rules, capabilities and tags in force. */
void zt_cli_rules_show(const struct zt_cli *c, char **args)
{
	char path[64];
	json_t *j, *rules, *caps, *tags, *x;
	size_t i;

	zt_cli_net_path(args[0], path, sizeof path);
	j = zt_cli_api_call(c, "GET", path, NULL);
	rules = json_object_get(j, "rules");
	caps = json_object_get(j, "capabilities");
	tags = json_object_get(j, "tags");
	if (c->json) {
		json_t *o = json_pack("{s:O?, s:O?, s:O?}", "rules", rules, "capabilities", caps,
		                      "tags", tags);
		if (o == NULL)
			zt_cli_die("out of memory");
		zt_cli_print_json(o);
		json_decref(o);
		zt_cli_release(j);
		return;
	}
	if (!json_is_array(rules)) {
		printf("200 rules %s none: no config from a controller (an ad-hoc network), every "
		       "frame passes\n",
		       zt_cli_str(j, "nwid", args[0]));
		zt_cli_release(j);
		return;
	}
	printf("200 rules %s %zu entries, %zu capabilities, %zu tags (each line: the index "
	       "`trace` names, the rule)\n",
	       zt_cli_str(j, "nwid", args[0]), json_array_size(rules), json_array_size(caps),
	       json_array_size(tags));
	print_rules(rules, "");
	json_array_foreach(caps, i, x)
	{
		printf("cap %lld: (this member's: its frames pass if the rules end without a "
		       "verdict and this accepts)\n",
		       zt_cli_num(x, "id", 0));
		print_rules(json_object_get(x, "rules"), "  ");
	}
	json_array_foreach(tags, i, x)
	    printf("tag %lld = %lld\n", (long long)json_integer_value(json_array_get(x, 0)),
	           (long long)json_integer_value(json_array_get(x, 1)));
	zt_cli_release(j);
}

/* trace <nwid>: the frames the network's rules dropped lately, oldest
 * first, one a line: how long ago, which way, the member, the rule (its
 * index in the network's list, as `zt-cli rules` numbers them; "none": no
 * rule or capability accepted), and what the frame was. */
void zt_cli_rules_trace(const struct zt_cli *c, char **args)
{
	char path[80];
	json_t *j, *d;
	long long clock;
	size_t i;

	zt_cli_net_path(args[0], path, sizeof path - 8);
	strcat(path, "/trace");
	j = zt_cli_api_call(c, "GET", path, NULL);
	if (zt_cli_json_done(c, j))
		return;
	clock = zt_cli_num(j, "clock", 0);
	printf("200 trace <ago> <dir> <peer> <rule> <len> <what>\n");
	json_array_foreach(json_object_get(j, "drops"), i, d)
	{
		char rule[16], what[192];
		long long proto = zt_cli_num(d, "ipProtocol", -1);

		if (json_is_integer(json_object_get(d, "rule")))
			snprintf(rule, sizeof rule, "%lld", zt_cli_num(d, "rule", -1));
		else
			snprintf(rule, sizeof rule, "none");
		if (proto < 0)
			snprintf(what, sizeof what, "ethertype %s %s > %s",
			         zt_cli_str(d, "etherType", "-"), zt_cli_str(d, "srcMac", "-"),
			         zt_cli_str(d, "dstMac", "-"));
		else if (json_object_get(d, "srcPort") != NULL)
			snprintf(what, sizeof what, "ipproto %lld %s:%lld > %s:%lld", proto,
			         zt_cli_str(d, "srcIp", "-"), zt_cli_num(d, "srcPort", 0),
			         zt_cli_str(d, "dstIp", "-"), zt_cli_num(d, "dstPort", 0));
		else if (json_object_get(d, "icmpType") != NULL)
			snprintf(what, sizeof what, "ipproto %lld %s > %s icmp type %lld code %lld",
			         proto, zt_cli_str(d, "srcIp", "-"), zt_cli_str(d, "dstIp", "-"),
			         zt_cli_num(d, "icmpType", 0), zt_cli_num(d, "icmpCode", 0));
		else
			snprintf(what, sizeof what, "ipproto %lld %s > %s", proto,
			         zt_cli_str(d, "srcIp", "-"), zt_cli_str(d, "dstIp", "-"));
		printf("200 trace %llds %s %s %s %lld %s\n",
		       clock > zt_cli_num(d, "time", 0) ? (clock - zt_cli_num(d, "time", 0)) / 1000
		                                        : 0,
		       zt_cli_str(d, "direction", "-"), zt_cli_str(d, "peer", "-"), rule,
		       zt_cli_num(d, "length", 0), what);
	}
	zt_cli_release(j);
}
