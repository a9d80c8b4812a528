/* SPDX-License-Identifier: MIT */
/*
 * scen_ctl.c - managed networks: one controller (controller/ctl.c and its
 * pure policy over an in-memory SQLite store, the same code zt-controller
 * runs), two roots, 50 members.
 *
 *   join -> ACCESS_DENIED; authorize all -> every member OK with its own
 *   address (pushed, not polled); frames flow between members (COMs
 *   exchanged); a deauthorized member that never hears of it (its
 *   controller traffic is dropped) and keeps sending is refused at once
 *   with a revocation, and within the stated bound (ZT_NETCONF_REFRESH +
 *   ZT_COM_MAX_DELTA) by certificate expiry alone; a changed pool reaches
 *   every member.
 */
#include "scenarios.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ctl.h"
#include "controller/ctl_json.h"
#include "peer.h"
#include "scenlib.h"
#include "send.h"
#include "util.h"
#include "wire.h"

#define MEMBERS 50

struct ctl_world {
	struct sim_world *w;
	struct sim_host *ctl_host;
	struct zt_ctl ctl;
	uint64_t nwid;
	uint64_t cut_off; /* drop controller -> this member (0: none) */
	bool no_revoke;
	struct sim_host *outsider; /* knows the network id, never authorized */
	/* The outsider's config requests as the controller saw them. */
	uint64_t hostile_asked, hostile_answered;
};

/* The controller host's netconf_request: the real controller logic. */
static enum zt_netconf_verdict answer(void *ctx, int64_t now, const struct zt_netconf_request *req,
                                      struct zt_netconf *conf)
{
	struct ctl_world *cw = ctx;
	enum zt_netconf_verdict v = zt_ctl_netconf_request(&cw->ctl, now, req, conf);
	if (cw->outsider != NULL && req->member == sim_host_address(cw->outsider) &&
	    !req->is_push) {
		cw->hostile_asked++;
		cw->hostile_answered += v != ZT_NETCONF_IGNORE;
	}
	return v;
}

/* The outsider floods the controller with config requests, for the
 * network and for one that does not exist, as fast as its session goes. */
static void flood(struct ctl_world *cw, unsigned count)
{
	struct zt_peer *p = zt_peer_find(cw->outsider->node, cw->ctl.address);
	uint8_t msg[18];

	if (p == NULL)
		return;
	for (unsigned i = 0; i < count; i++) {
		msg[0] = ZT_MSG_NETCONF_REQ;
		zt_put_u64(msg + 1, cw->nwid + (i & 1));
		zt_put_u64(msg + 9, 0);
		msg[17] = 0;
		(void)zt_send_msg(cw->outsider->node, cw->w->clock.now, p, msg, sizeof msg);
	}
}

static enum zt_net_status status_of(struct sim_host *h, uint64_t nwid)
{
	struct zt_network_info ni;
	return zt_node_network(h->node, nwid, &ni) == ZT_OK ? ni.status
	                                                    : ZT_NET_REQUESTING_CONFIGURATION;
}

/* The member being cut off hears nothing from its controller, so it keeps
 * its old config and certificate and goes on sending (a member that does
 * not cooperate). */
static bool filter(void *ctx, const struct sim_dgram *d)
{
	struct ctl_world *cw = ctx;
	uint64_t dst, src;
	if (cw->cut_off == 0 || d->len < ZT_HDR_LEN)
		return true;
	dst = zt_get_u40(d->data + 2);
	src = zt_get_u40(d->data + 7);
	return !(dst == cw->cut_off && src == cw->ctl.address);
}

static struct sim_host *member(struct ctl_world *cw, unsigned i)
{
	return sim_world_member(cw->w, i + 1); /* member 0 is the controller */
}

static bool all_status(void *ctx)
{
	struct ctl_world *cw = ctx;
	for (unsigned i = 0; i < MEMBERS; i++) {
		struct zt_network_info ni;
		if (zt_node_network(member(cw, i)->node, cw->nwid, &ni) != ZT_OK)
			return false;
		if (ni.status != ZT_NET_ACCESS_DENIED)
			return false;
	}
	return true;
}

static bool outsider_refused(void *ctx)
{
	struct ctl_world *cw = ctx;
	return status_of(cw->outsider, cw->nwid) == ZT_NET_ACCESS_DENIED &&
	       status_of(cw->outsider, cw->nwid + 1) == ZT_NET_ACCESS_DENIED;
}

/* Every member OK with exactly one IPv4 address in 10.<net>.0.0/24. */
static unsigned char want_net;
static bool all_ok(void *ctx)
{
	struct ctl_world *cw = ctx;
	for (unsigned i = 0; i < MEMBERS; i++) {
		struct zt_network_info ni;
		if (zt_node_network(member(cw, i)->node, cw->nwid, &ni) != ZT_OK ||
		    ni.status != ZT_NET_OK || ni.conf == NULL || ni.conf->addr_count != 1 ||
		    ni.conf->addrs[0].family != 4 || ni.conf->addrs[0].ip[1] != want_net)
			return false;
	}
	return true;
}

static bool distinct_addresses(struct ctl_world *cw)
{
	uint8_t seen[256] = {0};
	for (unsigned i = 0; i < MEMBERS; i++) {
		struct zt_network_info ni;
		if (zt_node_network(member(cw, i)->node, cw->nwid, &ni) != ZT_OK || ni.conf == NULL)
			return false;
		if (seen[ni.conf->addrs[0].ip[3]]++)
			return false;
	}
	return true;
}

static void make_frame(struct ctl_world *cw, unsigned from, unsigned to, uint8_t *f, size_t *len)
{
	memset(f, 0, 64);
	zt_mac_from_address(cw->nwid, sim_host_address(member(cw, to)), f);
	zt_mac_from_address(cw->nwid, sim_host_address(member(cw, from)), f + 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memcpy(f + 14, "zt-sim managed", 14);
	*len = 64;
}

/* Frames `to` received from `from` since index `since` of its record. */
static unsigned frames_from(struct ctl_world *cw, unsigned to, unsigned from, size_t since)
{
	struct sim_host *h = member(cw, to);
	uint8_t mac[6];
	unsigned n = 0;
	zt_mac_from_address(cw->nwid, sim_host_address(member(cw, from)), mac);
	for (size_t k = since; k < h->nframes; k++)
		if (h->frames[k].len >= 14 && memcmp(h->frames[k].data + 6, mac, 6) == 0)
			n++;
	return n;
}

static void send(struct ctl_world *cw, unsigned from, unsigned to)
{
	uint8_t f[64];
	size_t len;
	make_frame(cw, from, to, f, &len);
	sim_host_send_frame(member(cw, from), cw->nwid, f, len);
}

static int count_each(void *ctx, const char *id, const char *json)
{
	(void)id;
	(void)json;
	(*(unsigned *)ctx)++;
	return 0;
}

/* Members of the network: stored rows, and those the admin would list
 * (stored and pending). */
static unsigned stored_members(struct ctl_world *cw)
{
	unsigned n = 0;
	(void)cw->ctl.store->ops->member_list(cw->ctl.store, cw->nwid, count_each, &n);
	return n;
}

static unsigned listed_members(struct ctl_world *cw)
{
	unsigned n = 0;
	(void)zt_ctl_member_list(&cw->ctl, cw->nwid, cw->w->clock.now, count_each, &n);
	return n;
}

static bool admin_member(struct sim_result *r, struct ctl_world *cw, unsigned i, const char *body)
{
	char err[256];
	uint64_t a = sim_host_address(member(cw, i));
	json_t *m = zt_ctl_load_member(&cw->ctl, cw->nwid, a), *req = json_loads(body, 0, NULL);
	bool was;
	if (m == NULL)
		m = zt_ctl_member_new(cw->nwid, a, cw->w->clock.now);
	was = zt_ctl_bool(m, "authorized");
	if (req == NULL || zt_ctl_member_update(m, req, cw->w->clock.now, err, sizeof err) < 0 ||
	    zt_ctl_save_member(&cw->ctl, cw->nwid, a, m) != ZT_OK) {
		sim_fail(r, "admin update of member %u failed", i);
		json_decref(m);
		json_decref(req);
		return false;
	}
	if (cw->no_revoke && was && !zt_ctl_bool(m, "authorized"))
		zt_ctl_changed(&cw->ctl, cw->w->clock.now, cw->nwid, a, false); /* push only */
	else
		zt_ctl_changed(&cw->ctl, cw->w->clock.now, cw->nwid, a,
		               was && !zt_ctl_bool(m, "authorized"));
	/* What zt-controller's loop does on its next turn. */
	zt_ctl_flush(&cw->ctl, cw->w->clock.now);
	json_decref(m);
	json_decref(req);
	return true;
}

static bool admin_net(struct sim_result *r, struct ctl_world *cw, const char *body)
{
	char err[256];
	json_t *net = zt_ctl_load_net(&cw->ctl, cw->nwid), *req = json_loads(body, 0, NULL);
	if (net == NULL)
		net = zt_ctl_net_new(cw->nwid, cw->w->clock.now);
	if (req == NULL || zt_ctl_net_update(net, req, err, sizeof err) < 0 ||
	    zt_ctl_save_net(&cw->ctl, cw->nwid, net) != ZT_OK) {
		sim_fail(r, "admin update of the network failed: %s", err);
		json_decref(net);
		json_decref(req);
		return false;
	}
	json_decref(net);
	json_decref(req);
	return true;
}

/* A cut-off member X keeps sending to Y every second; returns the time
 * (ms after start) of the last frame Y accepted, or -1 if Y still accepts
 * at the end of limit_ms. */
static int64_t refused_after(struct ctl_world *cw, unsigned x, unsigned y, int64_t limit_ms)
{
	int64_t start = cw->w->clock.now, last = -1;
	for (int64_t t = 0; t < limit_ms; t += 1000) {
		size_t before = member(cw, y)->nframes;
		send(cw, x, y);
		sim_world_run_for(cw->w, 1000);
		if (frames_from(cw, y, x, before) > 0)
			last = cw->w->clock.now - start;
	}
	/* Still accepted in the last 5 s: not cut off. */
	if (last > limit_ms - 5000)
		return -1;
	return last < 0 ? 0 : last;
}

/* X sends a frame to every other member: how many accept it? */
static unsigned accepted_by(struct ctl_world *cw, unsigned x)
{
	size_t before[MEMBERS];
	unsigned n = 0;
	for (unsigned y = 0; y < MEMBERS; y++) {
		before[y] = member(cw, y)->nframes;
		if (y != x)
			send(cw, x, y);
	}
	sim_world_run_for(cw->w, 2000);
	for (unsigned y = 0; y < MEMBERS; y++)
		if (y != x && frames_from(cw, y, x, before[y]) > 0)
			n++;
	return n;
}

void sim_ctl(struct sim_result *r, uint64_t seed)
{
	struct sim_link link = {.latency_ms = 10, .jitter_ms = 3};
	struct sim_world_cfg cfg = {
	    .name = "sim_ctl", .seed = seed, .roots = 2, .root_link = link, .member_link = link};
	struct ctl_world cw;
	char err[256];
	int64_t t0, cut;

	memset(&cw, 0, sizeof cw);
	if (sim_world_new(&cw.w, &cfg, err, sizeof err) != ZT_OK) {
		sim_fail(r, "building the world: %s", err);
		return;
	}
	cw.ctl_host = sim_world_add_member(cw.w, 0, NULL);
	if (cw.ctl_host == NULL ||
	    zt_store_sqlite_open(&cw.ctl.store, ":memory:", err, sizeof err) != ZT_OK) {
		sim_fail(r, "the controller: %s", cw.ctl_host ? err : "cannot add its host");
		goto out;
	}
	cw.ctl.address = sim_host_address(cw.ctl_host);
	cw.ctl.node = cw.ctl_host->node;
	cw.ctl_host->netconf = answer;
	cw.ctl_host->netconf_ctx = &cw;
	cw.nwid = (cw.ctl.address << 24) | 1;
	cw.w->filter = filter;
	cw.w->filter_ctx = &cw;
	if (!admin_net(r, &cw,
	               "{\"name\":\"sim\",\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.9.0.10\","
	               "\"ipRangeEnd\":\"10.9.0.250\"}],\"routes\":[{\"target\":\"10.9.0.0/24\"}],"
	               "\"v4AssignMode\":{\"zt\":true}}"))
		goto out;
	for (unsigned i = 0; i < MEMBERS; i++) {
		struct sim_host *h = sim_world_add_member(cw.w, 0, NULL);
		if (h == NULL || sim_host_join(h, cw.nwid) != ZT_OK) {
			sim_fail(r, "adding member %u", i);
			goto out;
		}
	}

	/* Someone who knows the network id and joins, but is never
	 * authorized: the roots list it as a member of the network like
	 * anyone who announces it. */
	cw.outsider = sim_world_add_member(cw.w, 0, NULL);
	if (cw.outsider == NULL || sim_host_join(cw.outsider, cw.nwid) != ZT_OK ||
	    sim_host_join(cw.outsider, cw.nwid + 1) != ZT_OK) {
		sim_fail(r, "adding the outsider");
		goto out;
	}

	/* 1. Nobody is authorized yet. */
	if (!sim_world_run_until(cw.w, 30000, all_status, &cw)) {
		sim_fail(r, "not every member saw ACCESS_DENIED within 30 s");
		goto out;
	}
	sim_note("all %d members ACCESS_DENIED at %.1f s (%llu requests)\n", MEMBERS,
	         (double)sim_world_elapsed(cw.w) / 1000,
	         (unsigned long long)cw.ctl_host->netconf_requests);
	/* Denied requesters cost the controller no rows; the admin still
	 * sees every one (and the outsider), to authorize. */
	if (stored_members(&cw) != 0 || listed_members(&cw) != MEMBERS + 1) {
		sim_fail(r, "after denials: %u member rows stored (want 0), %u listed (want %d)",
		         stored_members(&cw), listed_members(&cw), MEMBERS + 1);
		goto out;
	}

	/* The network that does not exist looks like the one that refuses. */
	(void)sim_world_run_until(cw.w, 10000, outsider_refused, &cw);
	if (status_of(cw.outsider, cw.nwid) != ZT_NET_ACCESS_DENIED ||
	    status_of(cw.outsider, cw.nwid + 1) != ZT_NET_ACCESS_DENIED) {
		sim_fail(r,
		         "the outsider tells the networks apart: status %d and %d (want both %d)",
		         (int)status_of(cw.outsider, cw.nwid),
		         (int)status_of(cw.outsider, cw.nwid + 1), (int)ZT_NET_ACCESS_DENIED);
		goto out;
	}

	/* 2. Authorize everyone: pushed configs, so seconds, not a refresh,
	 * while the outsider floods the controller with requests (2000/s). */
	for (unsigned i = 0; i < MEMBERS; i++)
		if (!admin_member(r, &cw, i, "{\"authorized\":true}"))
			goto out;
	want_net = 9;
	t0 = cw.w->clock.now;
	cw.hostile_asked = cw.hostile_answered = 0;
	while (!all_ok(&cw) && cw.w->clock.now - t0 < 5000) {
		flood(&cw, 200);
		sim_world_run_for(cw.w, 100);
	}
	if (!all_ok(&cw)) {
		sim_fail(r, "not every member OK with one 10.9.0.x address within 5 s of being "
		            "authorized (under a flood of requests)");
		goto out;
	}
	sim_note("all OK %.2f s after authorization\n", (double)(cw.w->clock.now - t0) / 1000);
	/* Keep flooding for 5 s: the controller answers the outsider its burst
	 * and one a second, and stores nothing of it. */
	t0 = cw.w->clock.now;
	while (cw.w->clock.now - t0 < 5000) {
		flood(&cw, 200);
		sim_world_run_for(cw.w, 100);
	}
	sim_world_run_for(cw.w, 1000);
	{
		int64_t secs = (cw.w->clock.now - t0) / 1000 + 1;
		if (cw.hostile_asked < 10000 ||
		    cw.hostile_answered >
		        ZT_CTL_RATE_BURST + (uint64_t)secs * ZT_CTL_RATE_PER_SEC ||
		    stored_members(&cw) != MEMBERS) {
			sim_fail(
			    r,
			    "flood: %llu requests, %llu answered (bound %lld), %u rows (want %d)",
			    (unsigned long long)cw.hostile_asked,
			    (unsigned long long)cw.hostile_answered,
			    (long long)(ZT_CTL_RATE_BURST + secs * ZT_CTL_RATE_PER_SEC),
			    stored_members(&cw), MEMBERS);
			goto out;
		}
		sim_note("outsider's flood: %llu requests, %llu answered\n",
		         (unsigned long long)cw.hostile_asked,
		         (unsigned long long)cw.hostile_answered);
	}
	if (!distinct_addresses(&cw)) {
		sim_fail(r, "two members got the same address");
		goto out;
	}

	/* 3. Frames between members (certificates shown and checked). */
	for (unsigned i = 0; i < 10; i++)
		send(&cw, i, i + 10);
	sim_world_run_for(cw.w, 3000);
	for (unsigned i = 0; i < 10; i++) {
		if (frames_from(&cw, i + 10, i, 0) != 1) {
			sim_fail(r, "member %u -> %u: %u frames delivered, want 1", i, i + 10,
			         frames_from(&cw, i + 10, i, 0));
			sim_show_counters(member(&cw, i));
			sim_show_counters(member(&cw, i + 10));
			goto out;
		}
	}

	/* Everyone takes a frame from an authorized member it never met. */
	{
		unsigned n = accepted_by(&cw, 5);
		if (n != MEMBERS - 1) {
			sim_fail(r, "only %u of %d members accept an authorized member's frame", n,
			         MEMBERS - 1);
			goto out;
		}
	}

	/* A broadcast reaches the members, and no frame reaches the outsider
	 * (it is in the roots' directory, but it has no certificate). */
	{
		uint8_t f[64];
		size_t len, before[MEMBERS], got = 0;
		uint64_t leaked = zt_node_counter(cw.outsider->node, ZT_CTR_FRAMES_DROPPED) +
		                  zt_node_counter(cw.outsider->node, ZT_CTR_FRAMES_IN);
		for (unsigned y = 0; y < MEMBERS; y++)
			before[y] = member(&cw, y)->nframes;
		make_frame(&cw, 7, 8, f, &len);
		memset(f, 0xff, 6);
		sim_host_send_frame(member(&cw, 7), cw.nwid, f, len);
		sim_world_run_for(cw.w, 3000);
		for (unsigned y = 0; y < MEMBERS; y++)
			if (y != 7 && frames_from(&cw, y, 7, before[y]) == 1)
				got++;
		leaked = zt_node_counter(cw.outsider->node, ZT_CTR_FRAMES_DROPPED) +
		         zt_node_counter(cw.outsider->node, ZT_CTR_FRAMES_IN) - leaked;
		if (got != MEMBERS - 1 || leaked != 0) {
			sim_fail(r,
			         "a broadcast reached %zu of %d members and %llu frames reached "
			         "an unauthorized node",
			         got, MEMBERS - 1, (unsigned long long)leaked);
			goto out;
		}
	}

	/* 4. Deauthorize member 0 with a revocation; it never hears of it. */
	for (unsigned k = 0; k < 3; k++) {
		send(&cw, 0, 1);
		sim_world_run_for(cw.w, 1000);
	}
	if (frames_from(&cw, 1, 0, 0) < 3) {
		sim_fail(r, "member 0 -> 1 does not work before the deauthorization");
		goto out;
	}
	cw.cut_off = sim_host_address(member(&cw, 0));
	if (!admin_member(r, &cw, 0, "{\"authorized\":false}"))
		goto out;
	cut = refused_after(&cw, 0, 1, 20000);
	if (cut < 0 || cut > 2000) {
		sim_fail(r, "a revoked member was still accepted %lld ms after its revocation",
		         (long long)cut);
		goto out;
	}
	sim_note("revoked member refused after %lld ms\n", (long long)cut);
	if (accepted_by(&cw, 0) != 0) {
		sim_fail(r, "%u members still accept the revoked member", accepted_by(&cw, 0));
		goto out;
	}

	/* 5. Deauthorize member 2 without a revocation: certificate expiry
	 * alone must cut it off within the bound. */
	cw.no_revoke = true;
	for (unsigned k = 0; k < 3; k++) {
		send(&cw, 2, 3);
		sim_world_run_for(cw.w, 1000);
	}
	cw.cut_off = sim_host_address(member(&cw, 2));
	if (!admin_member(r, &cw, 2, "{\"authorized\":false}"))
		goto out;
	cut = refused_after(&cw, 2, 3, 90000);
	if (cut < 0 || cut > ZT_NETCONF_REFRESH + ZT_COM_MAX_DELTA + 5000) {
		sim_fail(r, "a deauthorized member was still accepted %lld ms later (bound %d ms)",
		         (long long)cut, ZT_NETCONF_REFRESH + ZT_COM_MAX_DELTA);
		goto out;
	}
	if (accepted_by(&cw, 2) != 0) {
		sim_fail(r, "%u members still accept the deauthorized member after the bound",
		         accepted_by(&cw, 2));
		goto out;
	}
	sim_note("deauthorized member (no revocation) refused after %lld ms (bound %d ms)\n",
	         (long long)cut, ZT_NETCONF_REFRESH + ZT_COM_MAX_DELTA);
	cw.cut_off = 0;
	/* Honest members still talk to each other. */
	{
		size_t before = member(&cw, 5)->nframes;
		send(&cw, 4, 5);
		sim_world_run_for(cw.w, 2000);
		if (frames_from(&cw, 5, 4, before) != 1) {
			sim_fail(r, "members 4 -> 5 stopped working");
			goto out;
		}
	}
	/* Both deauthorized members learn it once they hear again. */
	sim_world_run_for(cw.w, ZT_NETCONF_REFRESH + 2000);
	{
		struct zt_network_info ni;
		if (zt_node_network(member(&cw, 0)->node, cw.nwid, &ni) != ZT_OK ||
		    ni.status != ZT_NET_ACCESS_DENIED || ni.conf != NULL) {
			sim_fail(r, "the deauthorized member 0 does not show ACCESS_DENIED");
			goto out;
		}
	}

	/* 6. A new pool, addresses cleared: every authorized member moves. */
	if (!admin_net(r, &cw,
	               "{\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.10.0.10\",\"ipRangeEnd\":"
	               "\"10.10.0.250\"}],\"routes\":[{\"target\":\"10.10.0.0/24\"}]}"))
		goto out;
	for (unsigned i = 0; i < MEMBERS; i++)
		if (!admin_member(r, &cw, i, "{\"authorized\":true,\"ipAssignments\":[]}"))
			goto out;
	want_net = 10;
	t0 = cw.w->clock.now;
	if (!sim_world_run_until(cw.w, 10000, all_ok, &cw)) {
		sim_fail(r, "not every member moved to the new pool within 10 s");
		goto out;
	}
	sim_note("new pool everywhere %.2f s after the change\n",
	         (double)(cw.w->clock.now - t0) / 1000);
	if (!distinct_addresses(&cw)) {
		sim_fail(r, "two members got the same address from the new pool");
		goto out;
	}
	if (cw.ctl.store_errors != 0) {
		sim_fail(r, "%llu store errors", (unsigned long long)cw.ctl.store_errors);
		goto out;
	}
	(void)sim_check_api(r, cw.w);
out:
	sim_world_free(cw.w);
	zt_ctl_cleanup(&cw.ctl);
	zt_store_close(cw.ctl.store);
}
