/* SPDX-License-Identifier: MIT */
/*
 * rulesrate.c - what the rules engine costs per frame (node/rules.c): a
 * 50-entry network list that a TCP frame walks to its end (16 UDP port
 * rules and a tag comparison that do not match), then one capability that
 * accepts it, as a receiver judges it; and the controller's default list
 * ("accept;"), which the switch skips (zt_netrules_active) but is timed
 * here through the evaluator for comparison; the stateful allow-list
 * "accept ipprotocol tcp and dport 443; accept established; drop;" on a
 * reply frame found in a full flow table (4096 flows), its flow refreshed
 * as netrules.c does; and the list of `make bench`'s zt_rules row
 * (bench/run.sh) on its 64-byte UDP datagrams.  Prints ns per frame.
 *
 *   make build/bench/rulesrate
 *   build/bench/rulesrate [frames [list|accept|established|row [walk|flood]]]
 *
 * judges the frames as the switch does, with the lists' index
 * (zt_rules_filter_fast); `walk` walks them instead (zt_rules_filter, the
 * reference); `flood` (row only) gives every frame another destination
 * port, a flow of its own, so that the index's memo never answers.
 * (a small count, e.g. 100000, for valgrind --tool=callgrind, whose
 * instruction counts are steadier than the clock on a loaded machine)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/flow.h"
#include "node/rules.h"

static int FRAMES = 5000000;

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* With the index (zt_rules_filter_fast, as the switch judges frames), or
 * walking the lists (zt_rules_filter, the reference); flood: the frame's
 * destination port, changed before every frame. */
static bool walk, flood;
static uint8_t *flood_port;

static double per_frame(const struct zt_rules_ctx *c, const struct zt_rule *r, unsigned n,
                        const struct zt_cap *cap, unsigned ncap, unsigned *passed)
{
	static uint64_t ib[8192], cb[8192];
	struct zt_rules_index *idx = (struct zt_rules_index *)ib,
	                      *cidx = (struct zt_rules_index *)cb;
	struct zt_rules_list l = {r, n}, cl[1] = {{cap != NULL ? cap->rules : NULL,
	                                           cap != NULL ? cap->rule_count : 0}};
	struct zt_rules_result res;
	double t0;

	if (zt_rules_index_build(&l, 1, idx, sizeof ib) > sizeof ib ||
	    zt_rules_index_build(cl, ncap, cidx, sizeof cb) > sizeof cb)
		return -1;
	t0 = now_s();
	*passed = 0;
	for (int i = 0; i < FRAMES; i++) {
		if (flood_port != NULL) {
			unsigned port = 2000 + (unsigned)i % 60000;
			flood_port[0] = (uint8_t)(port >> 8);
			flood_port[1] = (uint8_t)port;
		}
		*passed += walk ? zt_rules_filter(c, r, n, cap, ncap, &res)
		                : zt_rules_filter_fast(c, r, n, idx, cap, ncap, cidx, &res);
	}
	return (now_s() - t0) * 1e9 / FRAMES;
}

/* The allow-list on replies (b:443 -> a:40000) of a flow a opened, in a
 * table filled with 4095 other flows: the filter and the refresh. */
static unsigned stateful(uint8_t *f, size_t len)
{
	static const struct zt_rule allow[] = {
	    {.t = ZT_RULE_IP_PROTOCOL, .v.ip_protocol = 6},
	    {.t = ZT_RULE_DPORT, .v.range = {443, 443}},
	    {.t = ZT_RULE_ACCEPT},
	    {.t = ZT_RULE_ESTABLISHED},
	    {.t = ZT_RULE_ACCEPT},
	    {.t = ZT_RULE_DROP},
	};
	struct zt_flowtab *t = malloc(sizeof *t);
	uint8_t key[16] = {1}, *p = f + 14;
	struct zt_rules_result res;
	struct zt_rules_ctx c;
	unsigned passed = 0;
	double t0;

	if (t == NULL)
		return 0;
	zt_flow_init(t, key);
	/* a (10.0.0.1) opens 4096 connections to b:443, ports 40000...;
	 * the last one's replies are timed. */
	p[12] = 10, p[15] = 1, p[16] = 10, p[19] = 2;
	p[22] = 443 >> 8, p[23] = 443 & 0xff, p[33] = 0x02;
	for (unsigned i = 0; i < ZT_FLOW_MAX; i++) {
		p[20] = (uint8_t)((40000 + i) >> 8), p[21] = (uint8_t)(40000 + i);
		zt_flow_note(t, 1, f, len);
	}
	p[15] = 2, p[19] = 1;
	p[22] = p[20], p[23] = p[21];
	p[20] = 443 >> 8, p[21] = 443 & 0xff, p[33] = 0x10;
	memset(&c, 0, sizeof c);
	c.frame = f;
	c.len = len;
	c.self = c.dst = 1;
	c.src = 2;
	c.inbound = true;
	c.flows = t;
	c.now = 2;
	t0 = now_s();
	for (int i = 0; i < FRAMES; i++)
		if (zt_rules_filter(&c, allow, 6, NULL, 0, &res)) {
			zt_flow_note(t, 2, f, len);
			passed++;
		}
	printf("rules_established_4096_flows_ns_per_frame %.1f (%u of %d passed)\n",
	       (now_s() - t0) * 1e9 / FRAMES, passed, FRAMES);
	free(t);
	return passed;
}

/* bench/rules50.zt as the compiler makes it: 50 entries and
 * the capability `bench`; a 64-byte UDP datagram to iperf3's port walks
 * all of them (15 UDP rules hold for the protocol, not the port). */
static double row(unsigned *passed)
{
	static struct zt_rule r[64];
	static struct zt_cap cap;
	static uint8_t f[14 + 20 + 8 + 64] = {0x32, 1, 1, 1, 1, 1, 0x32, 2, 2, 2, 2, 2, 0x08, 0x00};
	struct zt_tag t[1] = {{1, 100, {0}}};
	struct zt_rules_ctx c;
	uint8_t *p = f + 14;
	unsigned n = 0;

	r[n].t = ZT_RULE_ETHERTYPE;
	r[n++].v.ethertype = 0x0806;
	r[n++].t = ZT_RULE_ACCEPT;
	for (uint16_t i = 0; i < 15; i++) {
		r[n].t = ZT_RULE_IP_PROTOCOL;
		r[n++].v.ip_protocol = 17;
		r[n].t = ZT_RULE_DPORT;
		r[n].v.range[0] = r[n].v.range[1] = (uint16_t)(1000 + i);
		n++;
		r[n++].t = ZT_RULE_ACCEPT;
	}
	r[n].t = ZT_RULE_TAGS_DIFFERENCE;
	r[n].v.tag.id = 1;
	r[n++].v.tag.value = 50;
	r[n].t = ZT_RULE_IP_PROTOCOL;
	r[n++].v.ip_protocol = 99;
	r[n++].t = ZT_RULE_ACCEPT;
	cap.rule_count = 6;
	for (unsigned i = 0; i < 3; i++) {
		cap.rules[2 * i].t = ZT_RULE_IP_PROTOCOL;
		cap.rules[2 * i].v.ip_protocol = (uint8_t)(i == 0 ? 6 : i == 1 ? 17 : 1);
		cap.rules[2 * i + 1].t = ZT_RULE_ACCEPT;
	}
	p[0] = 0x45, p[9] = 17, p[12] = 198, p[13] = 19, p[15] = 1, p[16] = 198, p[17] = 19;
	p[19] = 2, p[20] = 0xc3, p[21] = 0x50, p[22] = 0x14, p[23] = 0x51; /* 50000 -> 5201 */
	memset(&c, 0, sizeof c);
	c.frame = f;
	c.len = sizeof f;
	c.self = c.dst = 1;
	c.src = 2;
	c.inbound = true;
	c.local_tags = t;
	c.local_tag_count = 1;
	c.remote_tags = t;
	c.remote_tag_count = 1;
	if (flood)
		flood_port = p + 22; /* the UDP destination port */
	return per_frame(&c, r, n, &cap, 1, passed);
}

int main(int argc, char **argv)
{
	static struct zt_rule r[64];
	static struct zt_cap cap;
	static uint8_t f[1514] = {0x32, 1, 1, 1, 1, 1, 0x32, 2, 2, 2, 2, 2, 0x08, 0x00};
	struct zt_rule accept = {.t = ZT_RULE_ACCEPT};
	struct zt_tag lt[1] = {{1, 100, {0}}}, rt[1] = {{1, 103, {0}}};
	struct zt_rules_ctx c;
	uint8_t *p = f + 14;
	unsigned n = 0, passed = 0;
	double ns;
	const char *only = argc > 2 ? argv[2] : "";
	bool all = only[0] == '\0';

	if (argc > 1 && atoi(argv[1]) > 0)
		FRAMES = atoi(argv[1]);
	walk = argc > 3 && strcmp(argv[3], "walk") == 0;
	flood = argc > 3 && strcmp(argv[3], "flood") == 0;
	for (uint16_t i = 0; i < 16; i++) {
		r[n].t = ZT_RULE_IP_PROTOCOL;
		r[n++].v.ip_protocol = 17;
		r[n].t = ZT_RULE_DPORT;
		r[n].v.range[0] = r[n].v.range[1] = (uint16_t)(1000 + i);
		n++;
		r[n++].t = ZT_RULE_ACCEPT;
	}
	r[n].t = ZT_RULE_TAGS_DIFFERENCE;
	r[n].v.tag.id = 1;
	r[n++].v.tag.value = 1;
	r[n++].t = ZT_RULE_ACCEPT;
	cap.rule_count = 3;
	cap.rules[0].t = ZT_RULE_IP_PROTOCOL;
	cap.rules[0].v.ip_protocol = 6;
	cap.rules[1].t = ZT_RULE_DPORT;
	cap.rules[1].v.range[0] = cap.rules[1].v.range[1] = 22;
	cap.rules[2].t = ZT_RULE_ACCEPT;

	p[0] = 0x45, p[9] = 6, p[12] = 10, p[15] = 1, p[16] = 10, p[19] = 2;
	p[23] = 22, p[32] = 0x50, p[33] = 0x10;
	memset(&c, 0, sizeof c);
	c.frame = f;
	c.len = sizeof f;
	c.self = c.dst = 1;
	c.src = 2;
	c.inbound = true;
	c.local_tags = lt;
	c.local_tag_count = 1;
	c.remote_tags = rt;
	c.remote_tag_count = 1;

	if (all || strcmp(only, "list") == 0) {
		ns = per_frame(&c, r, n, &cap, 1, &passed);
		printf("rules_%u_plus_capability_ns_per_frame %.1f (%u of %d passed)\n", n, ns,
		       passed, FRAMES);
		if (passed != (unsigned)FRAMES)
			return 1;
	}
	if (all || strcmp(only, "accept") == 0) {
		ns = per_frame(&c, &accept, 1, NULL, 0, &passed);
		printf("rules_accept_ns_per_frame %.1f (%u of %d passed)\n", ns, passed, FRAMES);
		if (passed != (unsigned)FRAMES)
			return 1;
	}
	if ((all || strcmp(only, "established") == 0) && stateful(f, sizeof f) != (unsigned)FRAMES)
		return 1;
	if (all || strcmp(only, "row") == 0) {
		ns = row(&passed);
		printf("bench_zt_rules_udp64_ns_per_frame %.1f (%u of %d passed)\n", ns, passed,
		       FRAMES);
		if (passed != (unsigned)FRAMES)
			return 1;
	}
	return 0;
}
