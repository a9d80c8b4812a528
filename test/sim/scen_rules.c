/* SPDX-License-Identifier: MIT */
/*
 * scen_rules.c - the rules engine between real members: one controller
 * (the same code zt-controller runs), two roots, 50 members in a hub and
 * spoke network written in ZeroTier's JSON:
 *
 *   tag "role" (id 1): hubs 1, spokes 2 (the default);
 *   accept treq role 1;  accept tseq role 1;   (falls through: drop)
 *   capability "ssh" (id 22): accept ipprotocol tcp and dport 22;
 *
 * Hubs and spokes talk both ways; spokes do not reach each other (the
 * receiver drops the first frame, the sender the next, once it knows the
 * receiver's tag); a spoke holding "ssh" reaches another spoke on port 22
 * and nothing else, until the capability is taken away; a spoke that lies
 * about its tag (a credential it altered, or a hub's) and sends past its
 * own filter is refused by the receiver; with "drop not chr ipauth", a
 * member sending from another's address past its own filter is too; tee
 * and redirect; and a stateful allow-list (`established`) lets the
 * replies of a connection through, and nothing else.
 */
#include "scenarios.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ctl.h"
#include "controller/ctl_json.h"
#include "flow.h"
#include "peer.h"
#include "rules.h"
#include "scenlib.h"
#include "send.h"
#include "util.h"
#include "wire.h"

#define MEMBERS 50
#define HUBS    2
#define SSH     2  /* the spoke that holds "ssh" */
#define LIAR    11 /* the spoke that lies about its tag */

struct rules_world {
	struct sim_world *w;
	struct sim_host *ctl_host;
	struct zt_ctl ctl;
	uint64_t nwid;
};

static enum zt_netconf_verdict answer(void *ctx, int64_t now, const struct zt_netconf_request *req,
                                      struct zt_netconf *conf)
{
	struct rules_world *rw = ctx;
	return zt_ctl_netconf_request(&rw->ctl, now, req, conf);
}

static struct sim_host *member(struct rules_world *rw, unsigned i)
{
	return sim_world_member(rw->w, i + 1); /* member 0 is the controller */
}

static const struct zt_netconf *conf_of(struct rules_world *rw, unsigned i)
{
	struct zt_network_info ni;
	if (zt_node_network(member(rw, i)->node, rw->nwid, &ni) != ZT_OK || ni.status != ZT_NET_OK)
		return NULL;
	return ni.conf;
}

static bool all_ok(void *ctx)
{
	struct rules_world *rw = ctx;
	for (unsigned i = 0; i < MEMBERS; i++) {
		const struct zt_netconf *c = conf_of(rw, i);
		if (c == NULL || c->addr_count != 1 || c->rule_count != 4)
			return false;
	}
	return true;
}

static bool admin(struct sim_result *r, struct rules_world *rw, int i, const char *body)
{
	char err[256];
	json_t *req = json_loads(body, 0, NULL), *o;
	uint64_t a = i >= 0 ? sim_host_address(member(rw, (unsigned)i)) : 0;
	bool ok;

	if (i < 0) {
		o = zt_ctl_load_net(&rw->ctl, rw->nwid);
		if (o == NULL)
			o = zt_ctl_net_new(rw->nwid, rw->w->clock.now);
		ok = req != NULL && zt_ctl_net_update(o, req, err, sizeof err) == 0 &&
		     zt_ctl_save_net(&rw->ctl, rw->nwid, o) == ZT_OK;
	} else {
		o = zt_ctl_load_member(&rw->ctl, rw->nwid, a);
		if (o == NULL)
			o = zt_ctl_member_new(rw->nwid, a, rw->w->clock.now);
		ok = req != NULL &&
		     zt_ctl_member_update(o, req, rw->w->clock.now, err, sizeof err) == 0 &&
		     zt_ctl_save_member(&rw->ctl, rw->nwid, a, o) == ZT_OK;
		if (ok)
			zt_ctl_changed(&rw->ctl, rw->w->clock.now, rw->nwid, a, false);
	}
	/* The pushes are queued: send them now (ztd's loop would). */
	zt_ctl_flush(&rw->ctl, rw->w->clock.now);
	if (!ok)
		sim_fail(r, "admin update (%d) failed: %s", i, req == NULL ? "bad JSON" : err);
	json_decref(o);
	json_decref(req);
	return ok;
}

/* An IPv4 TCP frame from member `from` (its own address) to `to`. */
static size_t tcp_segment(struct rules_world *rw, unsigned from, unsigned to, unsigned sport,
                          unsigned dport, uint8_t flags, uint8_t *f)
{
	const struct zt_netconf *a = conf_of(rw, from), *b = conf_of(rw, to);
	uint8_t *p = f + 14;

	memset(f, 0, 64);
	zt_mac_from_address(rw->nwid, sim_host_address(member(rw, to)), f);
	zt_mac_from_address(rw->nwid, sim_host_address(member(rw, from)), f + 6);
	f[12] = 0x08;
	p[0] = 0x45, p[3] = 40, p[8] = 64, p[9] = 6;
	if (a != NULL)
		memcpy(p + 12, a->addrs[0].ip, 4);
	if (b != NULL)
		memcpy(p + 16, b->addrs[0].ip, 4);
	p[20] = (uint8_t)(sport >> 8), p[21] = (uint8_t)sport;
	p[22] = (uint8_t)(dport >> 8), p[23] = (uint8_t)dport;
	p[32] = 0x50, p[33] = flags;
	return 64;
}

/* A SYN from port 49153. */
static size_t tcp_frame(struct rules_world *rw, unsigned from, unsigned to, unsigned dport,
                        uint8_t *f)
{
	return tcp_segment(rw, from, to, 0xc001, dport, 0x02, f);
}

static unsigned got_from(struct rules_world *rw, unsigned to, unsigned from, size_t since)
{
	struct sim_host *h = member(rw, to);
	uint8_t mac[6];
	unsigned n = 0;
	zt_mac_from_address(rw->nwid, sim_host_address(member(rw, from)), mac);
	for (size_t k = since; k < h->nframes; k++)
		if (h->frames[k].len >= 14 && memcmp(h->frames[k].data + 6, mac, 6) == 0)
			n++;
	return n;
}

/* Send one frame from -> to (dport) and tell whether it arrived. */
static bool reaches(struct rules_world *rw, unsigned from, unsigned to, unsigned dport)
{
	uint8_t f[64];
	size_t before = member(rw, to)->nframes;
	sim_host_send_frame(member(rw, from), rw->nwid, f, tcp_frame(rw, from, to, dport, f));
	sim_world_run_for(rw->w, 1500);
	return got_from(rw, to, from, before) > 0;
}

/* The same with ports and flags of our choosing. */
static bool segment_reaches(struct rules_world *rw, unsigned from, unsigned to, unsigned sport,
                            unsigned dport, uint8_t flags)
{
	uint8_t f[64];
	size_t before = member(rw, to)->nframes;
	sim_host_send_frame(member(rw, from), rw->nwid, f,
	                    tcp_segment(rw, from, to, sport, dport, flags, f));
	sim_world_run_for(rw->w, 1500);
	return got_from(rw, to, from, before) > 0;
}

static uint64_t drops(struct rules_world *rw, unsigned i, bool inbound)
{
	struct zt_network_info ni;
	if (zt_node_network(member(rw, i)->node, rw->nwid, &ni) != ZT_OK)
		return 0;
	return inbound ? ni.rules_dropped_in : ni.rules_dropped_out;
}

/* The liar shows `victim` a tag credential saying role 1 (`how`: 0 its
 * own, altered; 1 hub 0's, genuine), then sends a frame past its own
 * filter.  Delivered? */
static bool liar_reaches(struct rules_world *rw, unsigned victim, int how)
{
	struct sim_host *liar = member(rw, LIAR);
	const struct zt_netconf *lc = conf_of(rw, LIAR), *hc = conf_of(rw, 0);
	struct zt_peer *p = zt_peer_find(liar->node, sim_host_address(member(rw, victim)));
	uint8_t msg[16 + ZT_TAG_CRED_LEN + 1], f[9 + 64];
	struct zt_tag t;
	size_t before = member(rw, victim)->nframes;
	int n;

	if (p == NULL || lc == NULL || hc == NULL || lc->tag_count != 1 || hc->tag_count != 1) {
		sim_note("the liar cannot even try (no session, or no tag)\n");
		return true; /* counted as a failure */
	}
	msg[0] = ZT_MSG_NET_CREDS;
	zt_put_u64(msg + 1, rw->nwid);
	msg[9] = 0;
	msg[10] = 1;
	if (how == 0) {
		t = lc->tags[0];
		t.value = 1;
		n = zt_tag_cred_encode(&t, rw->nwid, sim_host_address(liar), lc->timestamp,
		                       msg + 11, sizeof msg - 11);
	} else {
		n = zt_tag_cred_encode(&hc->tags[0], rw->nwid, sim_host_address(member(rw, 0)),
		                       hc->timestamp, msg + 11, sizeof msg - 11);
	}
	if (n < 0)
		return true;
	msg[11 + n] = 0;
	(void)zt_send_msg(liar->node, rw->w->clock.now, p, msg, 12 + (size_t)n);
	f[0] = ZT_MSG_FRAME;
	zt_put_u64(f + 1, rw->nwid);
	(void)tcp_frame(rw, LIAR, victim, 80, f + 9);
	(void)zt_send_msg(liar->node, rw->w->clock.now, p, f, sizeof f);
	sim_world_run_for(rw->w, 1500);
	return got_from(rw, victim, LIAR, before) > 0;
}

void sim_rules(struct sim_result *r, uint64_t seed)
{
	struct sim_link link = {.latency_ms = 10, .jitter_ms = 3};
	struct sim_world_cfg cfg = {
	    .name = "sim_rules", .seed = seed, .roots = 2, .root_link = link, .member_link = link};
	struct rules_world rw;
	char err[256];
	uint64_t in0, out0, rejected0;
	unsigned ok = 0;

	memset(&rw, 0, sizeof rw);
	if (sim_world_new(&rw.w, &cfg, err, sizeof err) != ZT_OK) {
		sim_fail(r, "building the world: %s", err);
		return;
	}
	rw.ctl_host = sim_world_add_member(rw.w, 0, NULL);
	if (rw.ctl_host == NULL ||
	    zt_store_sqlite_open(&rw.ctl.store, ":memory:", err, sizeof err) != ZT_OK) {
		sim_fail(r, "the controller: %s", rw.ctl_host ? err : "cannot add its host");
		goto out;
	}
	rw.ctl.address = sim_host_address(rw.ctl_host);
	rw.ctl.node = rw.ctl_host->node;
	rw.ctl_host->netconf = answer;
	rw.ctl_host->netconf_ctx = &rw;
	rw.nwid = (rw.ctl.address << 24) | 1;
	if (!admin(r, &rw, -1,
	           "{\"name\":\"hubspoke\",\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.7.0.10\","
	           "\"ipRangeEnd\":\"10.7.0.250\"}],\"routes\":[{\"target\":\"10.7.0.0/24\"}],"
	           "\"v4AssignMode\":{\"zt\":true},"
	           "\"rules\":[{\"type\":\"MATCH_TAG_RECEIVER\",\"not\":false,\"or\":false,"
	           "\"id\":1,\"value\":1},{\"type\":\"ACTION_ACCEPT\"},"
	           "{\"type\":\"MATCH_TAG_SENDER\",\"not\":false,\"or\":false,\"id\":1,"
	           "\"value\":1},{\"type\":\"ACTION_ACCEPT\"}],"
	           "\"capabilities\":[{\"id\":22,\"default\":false,\"rules\":["
	           "{\"type\":\"MATCH_IP_PROTOCOL\",\"not\":false,\"or\":false,\"ipProtocol\":6},"
	           "{\"type\":\"MATCH_IP_DEST_PORT_RANGE\",\"not\":false,\"or\":false,\"start\":22,"
	           "\"end\":22},{\"type\":\"ACTION_ACCEPT\"}]}],"
	           "\"tags\":[{\"id\":1,\"default\":2}]}"))
		goto out;
	for (unsigned i = 0; i < MEMBERS; i++) {
		struct sim_host *h = sim_world_add_member(rw.w, 0, NULL);
		if (h == NULL || sim_host_join(h, rw.nwid) != ZT_OK) {
			sim_fail(r, "adding member %u", i);
			goto out;
		}
	}
	sim_world_run_for(rw.w, 3000);
	for (unsigned i = 0; i < MEMBERS; i++) {
		const char *body = i < HUBS   ? "{\"authorized\":true,\"tags\":[[1,1]]}"
		                   : i == SSH ? "{\"authorized\":true,\"capabilities\":[22]}"
		                              : "{\"authorized\":true}";
		if (!admin(r, &rw, (int)i, body))
			goto out;
	}
	if (!sim_world_run_until(rw.w, 10000, all_ok, &rw)) {
		sim_fail(r, "not every member OK with its address and the 4 rules within 10 s");
		goto out;
	}

	/* 1. Hubs and spokes, both ways. */
	for (unsigned s = HUBS; s < MEMBERS; s++) {
		if (!reaches(&rw, 0, s, 80) || !reaches(&rw, s, 1, 443)) {
			sim_fail(r, "hub <-> spoke %u does not pass", s);
			sim_show_counters(member(&rw, s));
			goto out;
		}
		ok += 2;
	}
	sim_note("hub <-> spoke: %u frames of %u delivered\n", ok, 2 * (MEMBERS - HUBS));

	/* 2. Spoke to spoke: the receiver drops the first, the sender the
	 * next (it has seen the receiver's tag by then). */
	in0 = drops(&rw, 4, true);
	out0 = drops(&rw, 3, false);
	if (reaches(&rw, 3, 4, 80) || reaches(&rw, 3, 4, 80) || reaches(&rw, 4, 3, 80)) {
		sim_fail(r, "a spoke reached another spoke");
		goto out;
	}
	if (drops(&rw, 4, true) < in0 + 1 || drops(&rw, 3, false) < out0 + 1) {
		sim_fail(r,
		         "spoke -> spoke: %llu dropped by the receiver, %llu by the sender "
		         "(want at least 1 each)",
		         (unsigned long long)(drops(&rw, 4, true) - in0),
		         (unsigned long long)(drops(&rw, 3, false) - out0));
		goto out;
	}
	sim_note("spoke -> spoke: dropped %llu at the receiver, %llu at the sender\n",
	         (unsigned long long)(drops(&rw, 4, true) - in0),
	         (unsigned long long)(drops(&rw, 3, false) - out0));

	/* 3. The capability: port 22 to a spoke, nothing else. */
	if (!reaches(&rw, SSH, 5, 22) || reaches(&rw, SSH, 5, 80) || reaches(&rw, 6, 5, 22)) {
		sim_fail(r,
		         "capability ssh: 22 from its holder %s, 80 %s, 22 from a spoke without "
		         "it %s",
		         "must pass", "must not", "must not");
		goto out;
	}

	/* 4. The liar: it has met the victim honestly (its frame dropped,
	 * its real tag shown), then shows a forged one. */
	if (reaches(&rw, LIAR, 7, 80)) {
		sim_fail(r, "spoke %d reached spoke 7", LIAR);
		goto out;
	}
	rejected0 = zt_node_counter(member(&rw, 7)->node, ZT_CTR_CREDS_REJECTED);
	in0 = drops(&rw, 7, true);
	for (int how = 0; how < 2; how++) {
		if (liar_reaches(&rw, 7, how)) {
			sim_fail(r, "a spoke lying about its tag (%s) reached another spoke",
			         how == 0 ? "its own credential, altered" : "a hub's credential");
			sim_show_counters(member(&rw, 7));
			goto out;
		}
	}
	if (zt_node_counter(member(&rw, 7)->node, ZT_CTR_CREDS_REJECTED) < rejected0 + 2 ||
	    drops(&rw, 7, true) < in0 + 2) {
		sim_fail(r, "the liar's credentials: %llu refused (want 2), %llu frames dropped",
		         (unsigned long long)(zt_node_counter(member(&rw, 7)->node,
		                                              ZT_CTR_CREDS_REJECTED) -
		                              rejected0),
		         (unsigned long long)(drops(&rw, 7, true) - in0));
		goto out;
	}
	sim_note("the liar: 2 forged credentials refused, its frames dropped by the receiver\n");

	/* 5. The capability taken away reaches the holder within seconds. */
	if (!admin(r, &rw, SSH, "{\"capabilities\":[]}"))
		goto out;
	sim_world_run_for(rw.w, 3000);
	if (reaches(&rw, SSH, 5, 22)) {
		sim_fail(r, "port 22 still passes 3 s after the capability was revoked");
		goto out;
	}
	/* 6. ipauth: "drop not chr ipauth; accept;".  A member sending from
	 * another member's address, past its own filter, is refused by the
	 * receiver, which knows the sender's addresses from its credential. */
	if (!admin(r, &rw, -1,
	           "{\"rules\":[{\"type\":\"MATCH_CHARACTERISTICS\",\"not\":true,\"or\":false,"
	           "\"mask\":\"1000000000000000\"},{\"type\":\"ACTION_DROP\"},"
	           "{\"type\":\"ACTION_ACCEPT\"}]}"))
		goto out;
	for (unsigned i = 0; i < MEMBERS; i++)
		if (!admin(r, &rw, (int)i, "{}")) /* pushes the new rules */
			goto out;
	sim_world_run_for(rw.w, 3000);
	if (!reaches(&rw, 3, 4, 80) || !reaches(&rw, 4, 3, 5432)) {
		sim_fail(r, "ipauth: members sending from their own addresses are refused");
		goto out;
	}
	{
		struct sim_host *liar = member(&rw, LIAR);
		struct zt_peer *p = zt_peer_find(liar->node, sim_host_address(member(&rw, 7)));
		const struct zt_netconf *hc = conf_of(&rw, 0);
		uint8_t f[9 + 64];
		size_t before = member(&rw, 7)->nframes;
		in0 = drops(&rw, 7, true);
		f[0] = ZT_MSG_FRAME;
		zt_put_u64(f + 1, rw.nwid);
		(void)tcp_frame(&rw, LIAR, 7, 80, f + 9);
		if (p == NULL || hc == NULL) {
			sim_fail(r, "ipauth: the liar has no session with member 7");
			goto out;
		}
		memcpy(f + 9 + 14 + 12, hc->addrs[0].ip, 4); /* hub 0's address */
		(void)zt_send_msg(liar->node, rw.w->clock.now, p, f, sizeof f);
		sim_world_run_for(rw.w, 1500);
		if (got_from(&rw, 7, LIAR, before) != 0 || drops(&rw, 7, true) != in0 + 1) {
			sim_fail(r, "ipauth: a frame from a foreign address %s (dropped %llu)",
			         got_from(&rw, 7, LIAR, before) ? "was delivered"
			                                        : "was not counted",
			         (unsigned long long)(drops(&rw, 7, true) - in0));
			goto out;
		}
	}
	sim_note("ipauth: a member's frame from another member's address dropped by the "
	         "receiver\n");

	/* 7. tee and redirect: "tee -1 <hub 1>; redirect <hub 0> dport 8080;
	 * accept;".  Every frame's copy reaches hub 1 (its own rules name it
	 * the target), frames to port 8080 go to hub 0 instead. */
	{
		char body[512];
		snprintf(body, sizeof body,
		         "{\"rules\":[{\"type\":\"ACTION_TEE\",\"address\":\"%010llx\",\"flags\":0,"
		         "\"length\":-1},{\"type\":\"MATCH_IP_DEST_PORT_RANGE\",\"start\":8080,"
		         "\"end\":8080},{\"type\":\"ACTION_REDIRECT\",\"address\":\"%010llx\","
		         "\"flags\":0},{\"type\":\"ACTION_ACCEPT\"}]}",
		         (unsigned long long)sim_host_address(member(&rw, 1)),
		         (unsigned long long)sim_host_address(member(&rw, 0)));
		if (!admin(r, &rw, -1, body))
			goto out;
	}
	for (unsigned i = 0; i < MEMBERS; i++)
		if (!admin(r, &rw, (int)i, "{}"))
			goto out;
	sim_world_run_for(rw.w, 3000);
	{
		size_t tee0 = member(&rw, 1)->nframes, red0 = member(&rw, 0)->nframes;
		bool to4 = reaches(&rw, 3, 4, 80);
		unsigned copies = got_from(&rw, 1, 3, tee0);
		bool redirected_away = reaches(&rw, 3, 4, 8080);
		unsigned at_hub0 = got_from(&rw, 0, 3, red0);
		/* The sender tees and so does the receiver (as ZeroTier's
		 * members do): one or two copies. */
		if (!to4 || copies < 1 || copies > 2 || redirected_away || at_hub0 != 1) {
			sim_fail(r,
			         "tee/redirect: 3 -> 4:80 %s, copies at hub 1: %u (want 1-2), 3 -> "
			         "4:8080 "
			         "%s, at hub 0: %u (want 1)",
			         to4 ? "passed" : "lost", copies,
			         redirected_away ? "reached 4" : "did not reach 4", at_hub0);
			sim_show_counters(member(&rw, 1));
			goto out;
		}
	}
	sim_note("tee: a copy at the observer; redirect: the frame at the target, not at its "
	         "destination\n");

	/* 8. A stateful allow-list: "accept ipprotocol tcp and dport 443;
	 * accept established;" (then drop).  3 opens 4:443 and 4's replies
	 * pass (both ends recorded the flow); nothing else from 4 does, nor
	 * a "reply" of a connection nobody opened. */
	if (!admin(r, &rw, -1,
	           "{\"rules\":[{\"type\":\"MATCH_IP_PROTOCOL\",\"ipProtocol\":6},"
	           "{\"type\":\"MATCH_IP_DEST_PORT_RANGE\",\"start\":443,\"end\":443},"
	           "{\"type\":\"ACTION_ACCEPT\"},{\"type\":\"MATCH_ESTABLISHED\"},"
	           "{\"type\":\"ACTION_ACCEPT\"}]}"))
		goto out;
	for (unsigned i = 0; i < MEMBERS; i++)
		if (!admin(r, &rw, (int)i, "{}"))
			goto out;
	sim_world_run_for(rw.w, 3000);
	{
		uint64_t d0 = drops(&rw, 3, false) + drops(&rw, 3, true) + drops(&rw, 4, false) +
		              drops(&rw, 4, true);
		bool before_open = segment_reaches(&rw, 4, 3, 443, 0xc001, 0x12);
		bool open = segment_reaches(&rw, 3, 4, 0xc001, 443, 0x02);
		bool synack = segment_reaches(&rw, 4, 3, 443, 0xc001, 0x12);
		bool ack = segment_reaches(&rw, 3, 4, 0xc001, 443, 0x10);
		bool data = segment_reaches(&rw, 4, 3, 443, 0xc001, 0x18);
		bool other_port = segment_reaches(&rw, 4, 3, 443, 0xc002, 0x12);
		bool from_other = segment_reaches(&rw, 4, 3, 5555, 0xc001, 0x02);
		bool stranger = segment_reaches(&rw, 5, 3, 443, 0xc001, 0x12);
		uint64_t d1 = drops(&rw, 3, false) + drops(&rw, 3, true) + drops(&rw, 4, false) +
		              drops(&rw, 4, true);
		if (before_open || !open || !synack || !ack || !data || other_port || from_other ||
		    stranger || d1 < d0 + 3) {
			sim_fail(r,
			         "established: a reply before the connection %d (want 0), SYN %d, "
			         "SYN-ACK %d, ACK %d, data %d (want 1 each), to another port %d, "
			         "from another port %d, from another member %d (want 0 each); "
			         "%llu drops",
			         before_open, open, synack, ack, data, other_port, from_other,
			         stranger, (unsigned long long)(d1 - d0));
			sim_show_counters(member(&rw, 3));
			goto out;
		}
		sim_note("established: the replies of 3's connection to 4:443 pass, 4 reaches "
		         "nothing else of 3 (%llu frames dropped by rule)\n",
		         (unsigned long long)(d1 - d0));
	}
	/* Both ends hold the connection's flow, and their API says so. */
	for (unsigned i = 3; i <= 4; i++) {
		struct zt_network_info ni;
		memset(&ni, 0, sizeof ni);
		if (zt_node_network(member(&rw, i)->node, rw.nwid, &ni) != ZT_OK || ni.flows != 1 ||
		    ni.flows_inserted != 1 || ni.flows_max != ZT_FLOW_MAX ||
		    ni.flows_expired != 0 || ni.flows_evicted != 0) {
			sim_fail(r,
			         "established: member %u's flow table: %u of %u flows, %llu made, "
			         "%llu expired, %llu evicted (want 1 of %u, 1, 0, 0)",
			         i, ni.flows, ni.flows_max, (unsigned long long)ni.flows_inserted,
			         (unsigned long long)ni.flows_expired,
			         (unsigned long long)ni.flows_evicted, ZT_FLOW_MAX);
			goto out;
		}
	}

	/* 9. A config refresh that changes no rule (a new timestamp, so new
	 * signatures on 3's capability) keeps 3's flows: a connection 3
	 * opened before it still gets its replies after it. */
	if (!admin(r, &rw, 3, "{\"capabilities\":[22]}"))
		goto out;
	sim_world_run_for(rw.w, 3000);
	{
		bool open = segment_reaches(&rw, 3, 4, 0xc003, 443, 0x02);
		bool before = segment_reaches(&rw, 4, 3, 443, 0xc003, 0x12);
		int64_t ts = conf_of(&rw, 3) != NULL ? conf_of(&rw, 3)->timestamp : 0;
		bool after;
		if (!admin(r, &rw, 3, "{}"))
			goto out;
		sim_world_run_for(rw.w, 3000);
		after = segment_reaches(&rw, 4, 3, 443, 0xc003, 0x18);
		if (!open || !before || conf_of(&rw, 3) == NULL ||
		    conf_of(&rw, 3)->timestamp == ts || !after) {
			sim_fail(
			    r,
			    "refresh: SYN %d, SYN-ACK %d before a new config (%s), data %d after "
			    "it (want 1 each)",
			    open, before,
			    conf_of(&rw, 3) != NULL && conf_of(&rw, 3)->timestamp != ts ? "came"
			                                                                : "none",
			    after);
			sim_show_counters(member(&rw, 3));
			goto out;
		}
		sim_note("refresh: a new config with the same rules keeps 3's flows\n");
	}
	(void)sim_check_api(r, rw.w);
out:
	sim_world_free(rw.w);
	zt_ctl_cleanup(&rw.ctl);
	zt_store_close(rw.ctl.store);
}
