/* SPDX-License-Identifier: MIT */
/*
 * ctlpush.c - the controller's pushes and config answers at scale, in one
 * process (make ctl-bench): the controller logic zt-controller runs
 * (controller/ctl.c over a SQLite file, or a PostgreSQL database when
 * DB is a postgres:// URI) on a node of the simulator
 * (test/sim: real zt_nodes, two roots, a virtual network with 10 ms
 * links), TOTAL members in NETS networks of which REAL are simulated
 * nodes and the others stored members that are offline.
 *
 * Measured, in wall-clock time of this process (which also runs every
 * member and both roots: a member's own work, done on its own machine in
 * real life, is counted here too):
 *   1. the REAL members authorized one by one through the admin path
 *      (load, update, assign, save, queue the push) until every one holds
 *      a config with its pool address;
 *   2. config answers per second: the controller's work for one config
 *      request (network and member from the store, policy, bridges) for
 *      members drawn at random from all TOTAL (the signature and
 *      encryption of the answer are not in it: they are in 3.);
 *   3. every network renamed at once: the time until every REAL member
 *      holds the config with the new name (pushes to all TOTAL members,
 *      sent by zt_ctl_work in slices between turns of the event loop,
 *      as zt-controller's loop does).
 *
 *   ctlpush DB [REAL [TOTAL [NETS]]]   (defaults 1000 10000 100)
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "controller/ctl.h"
#include "controller/ctl_json.h"
#include "test/sim/world.h"

/* test/sim/main.c's: the backstop counter the simulator's hosts use. */
unsigned long long sim_randombytes_calls;

struct bench {
	struct sim_world *w;
	struct sim_host *ctl_host;
	struct zt_ctl ctl;
	uint64_t *nwids;
	unsigned nets, real;
	char want_name[64]; /* the name every member must show ("" none) */
};

/* This process's CPU seconds: on a shared machine the wall clock also
 * counts other processes' turns. */
static double cpu(void)
{
	return (double)clock() / CLOCKS_PER_SEC;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum zt_netconf_verdict answer(void *ctx, int64_t now, const struct zt_netconf_request *req,
                                      struct zt_netconf *conf)
{
	return zt_ctl_netconf_request(&((struct bench *)ctx)->ctl, now, req, conf);
}

static uint64_t nwid_of(struct bench *b, unsigned i)
{
	return b->nwids[i % b->nets];
}

/* Every REAL member holds a config (with the wanted name, if any). */
static bool all_hold(struct bench *b)
{
	for (unsigned i = 0; i < b->real; i++) {
		struct zt_network_info ni;
		struct sim_host *h = sim_world_member(b->w, i + 1);
		if (zt_node_network(h->node, nwid_of(b, i), &ni) != ZT_OK ||
		    ni.status != ZT_NET_OK || ni.conf == NULL || ni.conf->addr_count < 1)
			return false;
		if (b->want_name[0] != '\0' && strncmp(ni.conf->name, b->want_name, 5) != 0)
			return false;
	}
	return true;
}

/* Every REAL member has heard from the controller (denied). */
static bool all_denied(void *ctx)
{
	struct bench *b = ctx;
	for (unsigned i = 0; i < b->real; i++) {
		struct zt_network_info ni;
		struct sim_host *h = sim_world_member(b->w, i + 1);
		if (zt_node_network(h->node, nwid_of(b, i), &ni) != ZT_OK ||
		    ni.status != ZT_NET_ACCESS_DENIED)
			return false;
	}
	return true;
}

/* zt-controller's loop: a slice of pushes, then the network's turn. */
static bool run_until_all_hold(struct bench *b, int64_t limit_ms, double *wall, double *virt,
                               double *cpus)
{
	double t0 = mono(), c0 = cpu();
	int64_t v0 = b->w->clock.now;
	unsigned turns = 0;

	while (b->w->clock.now - v0 < limit_ms) {
		bool more = zt_ctl_work(&b->ctl, b->w->clock.now, 128);
		sim_world_run_for(b->w, more ? 1 : 5);
		if (++turns % 20 == 0 && !more && all_hold(b))
			break;
	}
	*wall = mono() - t0;
	*cpus = cpu() - c0;
	*virt = (double)(b->w->clock.now - v0) / 1000;
	return all_hold(b);
}

static int admin_member(struct bench *b, uint64_t nwid, uint64_t a, bool push)
{
	char err[256];
	json_t *m = zt_ctl_load_member(&b->ctl, nwid, a),
	       *req = json_pack("{s:b}", "authorized", 1);
	int r = -1;

	if (m == NULL)
		m = zt_ctl_member_new(nwid, a, b->w->clock.now);
	if (m != NULL && req != NULL &&
	    zt_ctl_member_update(m, req, b->w->clock.now, err, sizeof err) == 0) {
		zt_ctl_assign(&b->ctl, nwid, a, m, b->w->clock.now);
		r = zt_ctl_save_member(&b->ctl, nwid, a, m) == ZT_OK ? 0 : -1;
		if (r == 0 && push)
			zt_ctl_changed(&b->ctl, b->w->clock.now, nwid, a, false);
	}
	json_decref(m);
	json_decref(req);
	return r;
}

static int admin_rename(struct bench *b, uint64_t nwid, const char *name)
{
	char err[256];
	json_t *net = zt_ctl_load_net(&b->ctl, nwid), *req = json_pack("{s:s}", "name", name);
	int r = -1;

	if (net != NULL && req != NULL && zt_ctl_net_update(net, req, err, sizeof err) == 0 &&
	    zt_ctl_save_net(&b->ctl, nwid, net) == ZT_OK) {
		zt_ctl_changed(&b->ctl, b->w->clock.now, nwid, 0, false);
		r = 0;
	}
	json_decref(net);
	json_decref(req);
	return r;
}

int main(int argc, char **argv)
{
	struct sim_link link = {.latency_ms = 10, .jitter_ms = 3};
	struct sim_world_cfg cfg = {
	    .name = "ctlpush", .seed = 7, .roots = 2, .root_link = link, .member_link = link};
	struct bench b;
	char err[256];
	unsigned total;
	double t0, c0, wall, virt, cpus;
	int rc = 1;

	memset(&b, 0, sizeof b);
	if (argc < 2) {
		fprintf(stderr, "usage: ctlpush DB [REAL [TOTAL [NETS]]]\n");
		return 2;
	}
	b.real = argc > 2 ? (unsigned)atoi(argv[2]) : 1000;
	total = argc > 3 ? (unsigned)atoi(argv[3]) : 10000;
	b.nets = argc > 4 ? (unsigned)atoi(argv[4]) : 100;
	if (b.nets == 0 || b.nets > 250 || b.real > total || sodium_init() < 0)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	b.nwids = calloc(b.nets, sizeof *b.nwids);
	if (b.nwids == NULL || sim_world_new(&b.w, &cfg, err, sizeof err) != ZT_OK) {
		fprintf(stderr, "ctlpush: the world: %s\n", err);
		return 1;
	}
	b.ctl_host = sim_world_add_member(b.w, 0, NULL);
	if (b.ctl_host == NULL ||
	    (zt_store_is_pg(argv[1])
	         ? zt_store_pg_open(&b.ctl.store, argv[1], err, sizeof err)
	         : zt_store_sqlite_open(&b.ctl.store, argv[1], err, sizeof err)) != ZT_OK) {
		fprintf(stderr, "ctlpush: the controller: %s\n", err);
		goto out;
	}
	b.ctl.address = sim_host_address(b.ctl_host);
	b.ctl.node = b.ctl_host->node;
	b.ctl_host->netconf = answer;
	b.ctl_host->netconf_ctx = &b;

	/* The networks, and the offline members (one transaction). */
	t0 = mono();
	for (unsigned i = 0; i < b.nets; i++) {
		char body[256];
		json_t *net, *req;
		b.nwids[i] = (b.ctl.address << 24) | (i + 1);
		net = zt_ctl_net_new(b.nwids[i], b.w->clock.now);
		snprintf(body, sizeof body,
		         "{\"name\":\"n%u\",\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.%u.0.1\","
		         "\"ipRangeEnd\":\"10.%u.255.254\"}],\"routes\":[{\"target\":"
		         "\"10.%u.0.0/16\"}],\"v4AssignMode\":{\"zt\":true}}",
		         i, i, i, i);
		req = json_loads(body, 0, NULL);
		if (net == NULL || req == NULL ||
		    zt_ctl_net_update(net, req, err, sizeof err) != 0 ||
		    zt_ctl_save_net(&b.ctl, b.nwids[i], net) != ZT_OK) {
			fprintf(stderr, "ctlpush: network %u\n", i);
			goto out;
		}
		json_decref(net);
		json_decref(req);
	}
	(void)b.ctl.store->ops->begin(b.ctl.store);
	for (unsigned i = b.real; i < total; i++) {
		uint64_t a = 0x2000000000ULL + (uint64_t)i * 0x3b9aca07ULL % 0xd000000000ULL;
		if (admin_member(&b, nwid_of(&b, i), a, false) != 0) {
			fprintf(stderr, "ctlpush: offline member %u\n", i);
			goto out;
		}
	}
	if (b.ctl.store->ops->commit(b.ctl.store) != ZT_OK)
		goto out;
	/* The simulated members, each joining its network (denied). */
	for (unsigned i = 0; i < b.real; i++) {
		struct sim_host *h = sim_world_add_member(b.w, 0, NULL);
		if (h == NULL || sim_host_join(h, nwid_of(&b, i)) != ZT_OK) {
			fprintf(stderr, "ctlpush: member %u\n", i);
			goto out;
		}
	}
	if (!sim_world_run_until(b.w, 60000, all_denied, &b)) {
		fprintf(stderr, "ctlpush: not every member was denied within 60 s\n");
		goto out;
	}
	printf("setup: %u networks, %u offline members stored, %u simulated members joined "
	       "(%.1f s)\n",
	       b.nets, total - b.real, b.real, mono() - t0);

	/* 1. Authorize the simulated members one by one. */
	t0 = mono();
	c0 = cpu();
	for (unsigned i = 0; i < b.real; i++) {
		struct sim_host *h = sim_world_member(b.w, i + 1);
		if (admin_member(&b, nwid_of(&b, i), sim_host_address(h), true) != 0) {
			fprintf(stderr, "ctlpush: authorizing member %u\n", i);
			goto out;
		}
	}
	wall = mono() - t0;
	printf("1. %u members authorized through the admin path: %.2f s, %.2f s CPU (%.2f ms "
	       "each)\n",
	       b.real, wall, cpu() - c0, wall * 1e3 / (b.real ? b.real : 1));
	if (!run_until_all_hold(&b, 60000, &wall, &virt, &cpus)) {
		printf("   not every member holds a config after 60 s\n");
		goto out;
	}
	printf("   every member holds its config %.2f s later, %.2f s CPU (%.2f s simulated)\n",
	       wall, cpus, virt);

	/* 2. Config answers per second (the controller's side). */
	{
		struct zt_netconf *conf = malloc(sizeof *conf);
		unsigned n = 20000, ok = 0;
		uint32_t x = 12345;
		if (conf == NULL)
			goto out;
		t0 = mono();
		c0 = cpu();
		for (unsigned k = 0; k < n; k++) {
			struct zt_netconf_request req;
			unsigned i;
			x = x * 1103515245u + 12345u;
			i = (x >> 8) % total;
			memset(&req, 0, sizeof req);
			req.nwid = nwid_of(&b, i);
			req.member = i < b.real ? sim_host_address(sim_world_member(b.w, i + 1))
			                        : 0x2000000000ULL +
			                              (uint64_t)i * 0x3b9aca07ULL % 0xd000000000ULL;
			/* As a push: the same store and policy work, past the
			 * per-requester rate limit a benchmark would hit. */
			req.is_push = true;
			ok += zt_ctl_netconf_request(&b.ctl, b.w->clock.now, &req, conf) ==
			      ZT_NETCONF_OK;
		}
		wall = mono() - t0;
		cpus = cpu() - c0;
		free(conf);
		printf("2. config answers: %u in %.2f s, %.2f s CPU: %.0f/s (%.0f per CPU second; "
		       "%u OK)\n",
		       n, wall, cpus, n / wall, n / cpus, ok);
	}

	/* 3. Every network changed at once. */
	snprintf(b.want_name, sizeof b.want_name, "moved");
	t0 = mono();
	c0 = cpu();
	for (unsigned i = 0; i < b.nets; i++) {
		char name[32];
		snprintf(name, sizeof name, "moved%u", i);
		if (admin_rename(&b, b.nwids[i], name) != 0)
			goto out;
	}
	printf("3. %u networks renamed (%u members): the admin calls took %.1f ms\n", b.nets, total,
	       (mono() - t0) * 1e3);
	if (!run_until_all_hold(&b, 60000, &wall, &virt, &cpus)) {
		printf("   not every member holds the new config after 60 s\n");
		goto out;
	}
	printf("   every simulated member holds the new config %.2f s after the first "
	       "change, %.2f s CPU (%.2f s simulated); %" PRIu64 " pushes sent in all\n",
	       mono() - t0, cpu() - c0, virt, b.ctl.pushes);
	rc = 0;
out:
	zt_ctl_cleanup(&b.ctl);
	zt_store_close(b.ctl.store);
	sim_world_free(b.w);
	free(b.nwids);
	return rc;
}
