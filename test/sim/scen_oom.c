/* SPDX-License-Identifier: MIT */
/*
 * scen_oom.c - the out-of-memory mode (curl's torture tests are the
 * model): a workload runs once to count the allocations its nodes make
 * (simalloc.h), then again failing the Nth one, for every N or for an
 * evenly spread sample of them (at most ZT_SIM_OOM_MAX runs per workload,
 * default 40; 0: every N).  After each run the nodes must be consistent:
 *
 *   - no crash and no sanitizer report (the SAN=1 build runs this too);
 *   - the only API error is ZT_ENOMEM, and creating the world may fail
 *     only with it;
 *   - the tables agree with their counts (peer table and hash chains,
 *     paths, queues, keypairs, networks and their member, group and MAC
 *     tables, reassembly slots, the TCP map: check_node);
 *   - the nodes still work once the failure is behind them: every member
 *     online, every pair exchanges frames, intact and never twice (the
 *     allocation fails only during the workload, never during this check);
 *   - nothing leaks: after zt_node_free the allocator has every byte back.
 *
 * Workloads: an ad-hoc network (handshakes, relaying, direct paths,
 * broadcast, leave and rejoin), a managed one (config requests,
 * certificates of membership, a revocation, a push), and members behind
 * NATs (relaying, hole punching, birthday probing from a symmetric NAT,
 * frames cut into fragments).
 */
#include "scenarios.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "member.h"
#include "nat.h"
#include "network.h"
#include "node.h"
#include "peer.h"
#include "scenlib.h"
#include "simalloc.h"
#include "traffic.h"
#include "wire.h"

#define OOM_MAX_DEFAULT 40

/* ---- invariants of one node (its internals: this is the core's test) ---- */

static bool check_node(struct sim_result *r, const struct sim_host *h)
{
	const struct zt_node *n = h->node;
	size_t peers = 0;

	for (size_t b = 0; b < n->bucket_count; b++) {
		for (const struct zt_peer *p = n->buckets[b]; p != NULL; p = p->hnext) {
			peers++;
			if (zt_peer_find(n, p->address) != p) {
				sim_fail(r, "%s: peer %010llx is in the wrong hash chain", h->name,
				         (unsigned long long)p->address);
				return false;
			}
			if ((p->paths == NULL) != (p->npaths == 0) ||
			    p->npaths > ZT_PEER_MAX_PATHS) {
				sim_fail(r, "%s: peer %010llx has %u path slots at %p", h->name,
				         (unsigned long long)p->address, p->npaths,
				         (const void *)p->paths);
				return false;
			}
			if (p->qcount > ZT_PEER_QUEUE || (p->qcount > 0 && p->queue == NULL)) {
				sim_fail(r, "%s: peer %010llx queues %u messages without a queue",
				         h->name, (unsigned long long)p->address, p->qcount);
				return false;
			}
			for (unsigned q = 0; q < p->qcount; q++) {
				if (p->queue[(p->qhead + q) % ZT_PEER_QUEUE].data == NULL) {
					sim_fail(
					    r, "%s: peer %010llx has a queued message without data",
					    h->name, (unsigned long long)p->address);
					return false;
				}
			}
			if (p->hs_pending && p->hs == NULL) {
				sim_fail(
				    r, "%s: peer %010llx has a handshake pending without its state",
				    h->name, (unsigned long long)p->address);
				return false;
			}
			if (p->is_root && p->root == NULL) {
				/* allowed: zt_peer_root_link failed, retried */
			}
		}
	}
	if (peers != n->peer_count || peers > n->max_peers) {
		sim_fail(r, "%s: %zu peers in the table, peer_count says %zu (max %zu)", h->name,
		         peers, n->peer_count, n->max_peers);
		return false;
	}
	if (n->tcpmap.count * 2 > n->tcpmap.cap && n->tcpmap.count != 0) {
		sim_fail(r, "%s: the TCP map holds %zu in %zu slots", h->name, n->tcpmap.count,
		         n->tcpmap.cap);
		return false;
	}
	for (size_t i = 0; i < ZT_FRAG_SLOTS; i++) {
		if (n->frag.slots[i].used && n->frag.slots[i].buf == NULL) {
			sim_fail(r, "%s: reassembly slot %zu in use without a buffer", h->name, i);
			return false;
		}
	}
	for (size_t i = 0; i < ZT_MAX_NETWORKS; i++) {
		const struct zt_network *net = &n->networks[i];
		if (!net->used)
			continue;
		if (net->member_count > net->member_cap ||
		    (net->members == NULL) != (net->member_cap == 0)) {
			sim_fail(r, "%s: network %016llx has %u members in %u slots at %p", h->name,
			         (unsigned long long)net->nwid, net->member_count, net->member_cap,
			         (const void *)net->members);
			return false;
		}
		if (!zt_nwid_is_adhoc(net->nwid) && net->status == ZT_NET_OK && net->conf == NULL) {
			sim_fail(r, "%s: network %016llx is OK without a config", h->name,
			         (unsigned long long)net->nwid);
			return false;
		}
		const struct zt_mctable *mt[2] = {&net->subs, &net->local};
		for (int k = 0; k < 2; k++) {
			if (mt[k]->n > mt[k]->cap || mt[k]->cap > mt[k]->max ||
			    (mt[k]->v == NULL) != (mt[k]->cap == 0)) {
				sim_fail(r, "%s: a group table holds %zu in %zu (max %zu)", h->name,
				         mt[k]->n, mt[k]->cap, mt[k]->max);
				return false;
			}
		}
		const struct zt_mactable *ma[2] = {&net->macs, &net->lanmacs};
		for (int k = 0; k < 2; k++) {
			if (ma[k]->n > ma[k]->cap || ma[k]->cap > ma[k]->max ||
			    (ma[k]->v == NULL) != (ma[k]->cap == 0)) {
				sim_fail(r, "%s: a MAC table holds %zu in %zu (max %zu)", h->name,
				         ma[k]->n, ma[k]->cap, ma[k]->max);
				return false;
			}
		}
	}
	return true;
}

static bool check_nodes(struct sim_result *r, const struct sim_world *w)
{
	for (unsigned i = 0; i < w->nhosts; i++)
		if (!check_node(r, w->hosts[i]))
			return false;
	return true;
}

/* API errors: ZT_ENOMEM is the one a failed allocation may cause. */
static bool check_api(struct sim_result *r, const struct sim_world *w)
{
	for (unsigned i = 0; i < w->nhosts; i++) {
		const struct sim_host *h = w->hosts[i];
		if (h->api_errors > 0 && h->last_error != ZT_ENOMEM) {
			sim_fail(r, "%s: %s returned %s", h->name,
			         h->last_error_call ? h->last_error_call : "?",
			         zt_strerror(h->last_error));
			return false;
		}
	}
	return true;
}

struct online_ctx {
	struct sim_world *w;
	unsigned first; /* members before this one are not counted */
};

static bool all_online(void *ctx)
{
	struct online_ctx *o = ctx;
	for (unsigned i = o->first; i < sim_world_members(o->w); i++)
		if (!zt_node_online(sim_world_member(o->w, i)->node))
			return false;
	return true;
}

/* What must work once the failure is behind: every member online, every
 * pair that pick allows exchanges a frame (resent while not through). */
static bool check_works(struct sim_result *r, struct sim_world *w, uint64_t nwid,
                        bool (*pick)(unsigned i, unsigned j))
{
	struct online_ctx o = {w, 0};
	struct sim_traffic t;
	bool ok = false;

	if (!sim_world_run_until(w, 60000, all_online, &o)) {
		sim_fail(r, "only %u of %u members online 60 s after the workload",
		         sim_world_online(w), sim_world_members(w));
		return false;
	}
	/* (the workload's frames are not this check's) */
	for (unsigned i = 0; i < w->nhosts; i++)
		sim_host_clear_frames(w->hosts[i]);
	if (sim_traffic_init(&t, w, nwid) != ZT_OK) {
		sim_fail(r, "out of memory (the simulator's)");
		return false;
	}
	sim_traffic_start_retries(&t, 1000, 30);
	(void)sim_send_pairs(&t, w->clock.now, 10, pick);
	if (!sim_wait_pairs(r, &t, 30000, "after the workload"))
		goto out;
	sim_world_run_for(w, 1000);
	ok = sim_check_frames(r, &t, "after the workload");
out:
	sim_traffic_destroy(&t);
	return ok;
}

/* ---- the workloads ----
 * Each builds its world on allocator o->a and runs the workload, then
 * disarms the allocator (disarm: the checks that follow must not meet a
 * failure of their own) and checks the nodes.  The counting run learns
 * from o->armed how many allocations the workload made. */

struct oom_ctl {
	uint64_t nwid;
	uint64_t denied; /* a member the controller refuses */
};

static enum zt_netconf_verdict
ctl_answer(void *ctx, int64_t now, const struct zt_netconf_request *req, struct zt_netconf *conf)
{
	const struct oom_ctl *c = ctx;
	(void)now;
	if (req->nwid != c->nwid)
		return ZT_NETCONF_NOT_FOUND;
	if (req->member == c->denied)
		return ZT_NETCONF_ACCESS_DENIED;
	snprintf(conf->name, sizeof conf->name, "oom");
	conf->flags = ZT_NETCONF_F_PRIVATE | ZT_NETCONF_F_BROADCAST;
	conf->mtu = 2800;
	conf->multicast_limit = 32;
	conf->revision = 1;
	conf->rule_count = 1; /* "accept;", as a controller's default */
	conf->rules[0].t = ZT_RULE_ACCEPT;
	conf->addr_count = 1;
	conf->addrs[0].family = 4;
	conf->addrs[0].bits = 24;
	conf->addrs[0].ip[0] = 10;
	conf->addrs[0].ip[1] = 9;
	conf->addrs[0].ip[3] = (uint8_t)(req->member % 200 + 10);
	return ZT_NETCONF_OK;
}

static bool not_ctl(unsigned i, unsigned j)
{
	return i > 0 && j > 0 && i < 4 && j < 4; /* member 0 is the controller, 4 is refused */
}

struct oom_run {
	struct sim_alloc *a;
	uint64_t armed;   /* allocations the workload made (counting run) */
	bool world_built; /* false: creating the world failed (allowed if out of memory) */
};

static void disarm(struct oom_run *o)
{
	o->armed = o->a->count;
	o->a->fail_at = o->a->fail_at > o->a->count ? 0 : o->a->fail_at;
}

static void work_adhoc(struct sim_result *r, uint64_t seed, struct oom_run *o)
{
	struct sim_link link = {.latency_ms = 5, .jitter_ms = 2};
	struct sim_world_cfg cfg = {.name = "sim_oom_adhoc",
	                            .seed = seed,
	                            .roots = 1,
	                            .members = 4,
	                            .root_link = link,
	                            .member_link = link,
	                            .nwid = NWID,
	                            .alloc = o->a};
	struct sim_traffic t;
	struct sim_world *w;
	char err[160];

	if (sim_world_new(&w, &cfg, err, sizeof err) != ZT_OK) {
		if (o->a->failed == 0)
			sim_fail(r, "building the world: %s", err);
		disarm(o);
		return;
	}
	o->world_built = true;
	if (sim_traffic_init(&t, w, NWID) != ZT_OK) {
		sim_fail(r, "out of memory (the simulator's)");
		sim_world_free(w);
		return;
	}
	/* The workload: sessions through the root, then direct; a round of
	 * frames between all pairs and a broadcast; one member leaves and
	 * joins again. */
	sim_world_run_for(w, 3000);
	(void)sim_send_pairs(&t, w->clock.now, 10, NULL);
	sim_world_run_for(w, 2000);
	sim_traffic_send_at(&t, w->clock.now, 0, SIM_BROADCAST);
	sim_world_run_for(w, 1000);
	(void)sim_host_leave(sim_world_member(w, 3), NWID);
	sim_world_run_for(w, 500);
	(void)sim_host_join(sim_world_member(w, 3), NWID);
	sim_world_run_for(w, 2000);
	sim_traffic_destroy(&t);
	disarm(o);

	if (check_api(r, w) && check_nodes(r, w) && check_works(r, w, NWID, NULL))
		(void)check_nodes(r, w);
	sim_world_free(w);
}

static void work_managed(struct sim_result *r, uint64_t seed, struct oom_run *o)
{
	struct sim_link link = {.latency_ms = 5, .jitter_ms = 2};
	struct sim_world_cfg cfg = {.name = "sim_oom_managed",
	                            .seed = seed,
	                            .roots = 1,
	                            .root_link = link,
	                            .member_link = link,
	                            .alloc = o->a};
	struct oom_ctl c;
	struct sim_host *ctl, *h[4];
	struct sim_world *w;
	char err[160];

	if (sim_world_new(&w, &cfg, err, sizeof err) != ZT_OK) {
		if (o->a->failed == 0)
			sim_fail(r, "building the world: %s", err);
		disarm(o);
		return;
	}
	o->world_built = true;
	ctl = sim_world_add_member(w, 0, NULL);
	if (ctl == NULL)
		goto cannot;
	memset(&c, 0, sizeof c);
	c.nwid = (sim_host_address(ctl) << 24) | 1;
	ctl->netconf = ctl_answer;
	ctl->netconf_ctx = &c;
	for (unsigned i = 0; i < 4; i++) {
		h[i] = sim_world_add_member(w, 0, NULL);
		if (h[i] == NULL)
			goto cannot;
		(void)sim_host_join(h[i], c.nwid);
	}
	c.denied = sim_host_address(h[3]);
	/* The workload: configs and COMs, frames between the members (each
	 * pair exchanges certificates first), the controller revokes one
	 * member's certificates and pushes its config again. */
	sim_world_run_for(w, 4000);
	{
		struct sim_traffic t;
		if (sim_traffic_init(&t, w, c.nwid) != ZT_OK) {
			sim_fail(r, "out of memory (the simulator's)");
			sim_world_free(w);
			return;
		}
		(void)sim_send_pairs(&t, w->clock.now, 10, not_ctl);
		sim_world_run_for(w, 2000);
		sim_traffic_destroy(&t);
	}
	{
		uint64_t notify[2] = {sim_host_address(h[1]), sim_host_address(h[2])};
		(void)zt_node_netconf_revoke(ctl->node, w->clock.now, c.nwid,
		                             sim_host_address(h[0]), notify, 2);
		/* re-admitted a second later: a newer certificate */
		sim_world_run_for(w, 1000);
		(void)zt_node_netconf_push(ctl->node, w->clock.now, c.nwid, sim_host_address(h[0]));
	}
	sim_world_run_for(w, 3000);
	disarm(o);

	if (check_api(r, w) && check_nodes(r, w) && check_works(r, w, c.nwid, not_ctl))
		(void)check_nodes(r, w);
	sim_world_free(w);
	return;
cannot:
	/* A node could not be made: only an allocation may refuse it. */
	if (o->a->failed == 0)
		sim_fail(r, "adding a member failed");
	disarm(o);
	sim_world_free(w);
}

static void work_nat(struct sim_result *r, uint64_t seed, struct oom_run *o)
{
	struct sim_link link = {.latency_ms = 8, .jitter_ms = 2};
	struct sim_nat_cfg cone = {.kind = SIM_NAT_PORT_RESTRICTED, .timeout_ms = 60000};
	struct sim_nat_cfg sym = {
	    .kind = SIM_NAT_SYMMETRIC, .timeout_ms = 60000, .random_ports = true};
	struct sim_world_cfg cfg = {.name = "sim_oom_nat",
	                            .seed = seed,
	                            .roots = 1,
	                            .root_link = link,
	                            .member_link = link,
	                            .nwid = NWID,
	                            .alloc = o->a};
	struct sim_traffic t;
	struct sim_world *w;
	char err[160];

	if (sim_world_new(&w, &cfg, err, sizeof err) != ZT_OK) {
		if (o->a->failed == 0)
			sim_fail(r, "building the world: %s", err);
		disarm(o);
		return;
	}
	o->world_built = true;
	for (unsigned i = 0; i < 3; i++) {
		if (sim_world_add_natted_member(w, i == 0 ? &sym : &cone, &link) == NULL) {
			if (o->a->failed == 0)
				sim_fail(r, "adding member %u failed", i);
			disarm(o);
			sim_world_free(w);
			return;
		}
	}
	if (sim_traffic_init(&t, w, NWID) != ZT_OK) {
		sim_fail(r, "out of memory (the simulator's)");
		sim_world_free(w);
		return;
	}
	/* The workload: relayed first, then punched (or probed: the
	 * symmetric member towards the cones); frames up to 2800 bytes, cut
	 * into fragments. */
	t.max_payload = 2700;
	sim_world_run_for(w, 3000);
	(void)sim_send_pairs(&t, w->clock.now, 10, NULL);
	sim_world_run_for(w, 6000);
	sim_traffic_new_round(&t);
	(void)sim_send_pairs(&t, w->clock.now, 10, NULL);
	sim_world_run_for(w, 3000);
	sim_traffic_destroy(&t);
	disarm(o);

	if (check_api(r, w) && check_nodes(r, w) && check_works(r, w, NWID, NULL))
		(void)check_nodes(r, w);
	sim_world_free(w);
}

/* ---- the driver ---- */

static unsigned oom_max(void)
{
	const char *s = getenv("ZT_SIM_OOM_MAX");
	if (s == NULL || *s == '\0')
		return OOM_MAX_DEFAULT;
	return (unsigned)strtoul(s, NULL, 10);
}

/* One run failing allocation n (0: none); its failure in r. */
static void run_once(struct sim_result *r, uint64_t seed,
                     void (*work)(struct sim_result *, uint64_t, struct oom_run *), uint64_t n,
                     struct oom_run *o, struct sim_alloc *a)
{
	memset(a, 0, sizeof *a);
	memset(o, 0, sizeof *o);
	a->fail_at = n;
	o->a = a;
	work(r, seed, o);
	if (!r->failed && (a->live != 0 || a->blocks != 0))
		sim_fail(r, "%zu bytes in %llu blocks not freed after zt_node_free", a->live,
		         (unsigned long long)a->blocks);
	if (!r->failed && n != 0 && a->failed != 1)
		sim_fail(r, "allocation %llu failed %llu times (want once)", (unsigned long long)n,
		         (unsigned long long)a->failed);
}

static void sim_oom(struct sim_result *r, uint64_t seed,
                    void (*work)(struct sim_result *, uint64_t, struct oom_run *))
{
	struct sim_alloc a;
	struct oom_run o;
	unsigned max = oom_max(), runs = 0, refused = 0;
	uint64_t count;
	char *outer = sim_note_end(), *inner;

	/* Counting run: nothing fails; everything works and is freed. */
	sim_note_begin();
	run_once(r, seed, work, 0, &o, &a);
	inner = sim_note_end();
	count = o.armed;
	if (r->failed) {
		sim_note_begin();
		sim_note("%s", outer ? outer : "");
		sim_note("%s", inner ? inner : "");
		goto out;
	}
	free(inner);
	for (uint64_t k = 0; count > 0 && (max == 0 || k < max) && k < count; k++) {
		/* Every N, or max of them from the first to the last. */
		uint64_t n = max == 0 || count <= max ? k + 1 : 1 + k * (count - 1) / (max - 1);
		struct sim_result rr;
		memset(&rr, 0, sizeof rr);
		sim_note_begin();
		run_once(&rr, seed, work, n, &o, &a);
		inner = sim_note_end();
		runs++;
		refused += !o.world_built;
		if (rr.failed) {
			sim_fail(r, "allocation %llu of %llu failed (t=%.3f s): %s",
			         (unsigned long long)n, (unsigned long long)count,
			         (double)(a.failed_at_time - SIM_EPOCH) / 1000.0, rr.why);
			sim_note_begin();
			sim_note("%s", outer ? outer : "");
			sim_note("%s", inner ? inner : "");
			free(inner);
			goto out;
		}
		free(inner);
	}
	sim_note_begin();
	sim_note("%s", outer ? outer : "");
	sim_note("%llu allocations in the workload; %u runs each failing one of them (%u while "
	         "building the world): consistent, working, nothing leaked\n",
	         (unsigned long long)count, runs, refused);
out:
	free(outer);
}

void sim_oom_adhoc(struct sim_result *r, uint64_t seed)
{
	sim_oom(r, seed, work_adhoc);
}

void sim_oom_managed(struct sim_result *r, uint64_t seed)
{
	sim_oom(r, seed, work_managed);
}

void sim_oom_nat(struct sim_result *r, uint64_t seed)
{
	sim_oom(r, seed, work_nat);
}
