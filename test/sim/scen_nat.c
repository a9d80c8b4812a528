/* SPDX-License-Identifier: MIT */
/*
 * scen_nat.c - scenarios with members behind NATs: hole punching through
 * cone NATs (the relay is abandoned for a direct path), keepalives against
 * mapping timeouts, and relaying between symmetric NATs.
 */
#include "scenarios.h"

#include <stdio.h>
#include <string.h>

#include "nat.h"
#include "scenlib.h"

static struct sim_world *build_natted(struct sim_result *r, const char *name, uint64_t seed,
                                      unsigned members, const struct sim_nat_cfg *nat)
{
	struct sim_link link = {.latency_ms = 5, .jitter_ms = 2};
	struct sim_link lan = {.latency_ms = 1};
	struct sim_world *w = sim_build(r, name, seed, 0, &link);
	if (w == NULL)
		return NULL;
	w->member_link = lan;
	for (unsigned i = 0; i < members; i++) {
		if (sim_world_add_natted_member(w, nat, &link) == NULL) {
			char e[160];
			sim_world_api_errors(w, e, sizeof e);
			sim_fail(r, "adding member %u behind a %s NAT: %s", i,
			         sim_nat_kind_name(nat->kind), e);
			sim_world_free(w);
			return NULL;
		}
	}
	return w;
}

/* Every member behind its own port-restricted cone NAT (60 s mapping
 * timeout): frames flow at once (relayed), then every pair goes direct
 * through punched holes, and stays direct across 3 idle minutes. */
void sim_nat_cone(struct sim_result *r, uint64_t seed)
{
	const unsigned members = 6;
	struct sim_nat_cfg nat = {.kind = SIM_NAT_PORT_RESTRICTED, .timeout_ms = 60000};
	struct sim_traffic t;
	struct sim_world *w = build_natted(r, "sim_nat_cone", seed, members, &nat);
	if (w == NULL)
		return;
	if (sim_traffic_init(&t, w, NWID) != ZT_OK) {
		sim_fail(r, "out of memory");
		sim_world_free(w);
		return;
	}
	if (!sim_settle(r, w, 10000, 2000))
		goto out;
	sim_send_pairs(&t, w->clock.now, 10, NULL);
	if (!sim_wait_pairs(r, &t, 10000, "all pairs behind cone NATs"))
		goto out;
	if (!sim_wait_direct(r, w, NULL, 10000))
		goto out;
	sim_world_run_for(w, 2000);
	if (!sim_check_frames(r, &t, "cone"))
		goto out;
	/* Idle for 3 minutes: keepalives must hold the mappings open. */
	sim_world_run_for(w, 180000);
	sim_traffic_new_round(&t);
	sim_send_pairs(&t, w->clock.now, 10, NULL);
	if (!sim_wait_pairs(r, &t, 10000, "after 3 idle minutes"))
		goto out;
	sim_world_run_for(w, 2000);
	if (!sim_check_frames(r, &t, "after idle") || !sim_check_api(r, w))
		goto out;
	if (!sim_wait_direct(r, w, NULL, 0)) /* they must still be direct */
		goto out;
	sim_show_fabric(w);
out:
	sim_world_free(w);
	sim_traffic_destroy(&t);
}

/* Every member behind a symmetric NAT with random ports: no hole can be
 * predicted, so frames must flow through a root, reliably. */
void sim_nat_symmetric(struct sim_result *r, uint64_t seed)
{
	const unsigned members = 4;
	struct sim_nat_cfg nat = {
	    .kind = SIM_NAT_SYMMETRIC, .timeout_ms = 60000, .random_ports = true};
	struct sim_traffic t;
	struct sim_world *w = build_natted(r, "sim_nat_symmetric", seed, members, &nat);
	if (w == NULL)
		return;
	if (sim_traffic_init(&t, w, NWID) != ZT_OK) {
		sim_fail(r, "out of memory");
		sim_world_free(w);
		return;
	}
	if (!sim_settle(r, w, 10000, 2000))
		goto out;
	sim_send_pairs(&t, w->clock.now, 10, NULL);
	if (!sim_wait_pairs(r, &t, 10000, "all pairs behind symmetric NATs"))
		goto out;
	/* Keep talking for a minute: the relay must keep working. */
	for (int k = 0; k < 6; k++) {
		sim_world_run_for(w, 10000);
		sim_traffic_new_round(&t);
		sim_send_pairs(&t, w->clock.now, 10, NULL);
		if (!sim_wait_pairs(r, &t, 5000, "relayed, later"))
			goto out;
	}
	sim_world_run_for(w, 2000);
	if (!sim_check_frames(r, &t, "symmetric") || !sim_check_api(r, w))
		goto out;
	for (unsigned i = 0; i < members; i++) {
		for (unsigned j = 0; j < members; j++) {
			struct zt_peer_info p;
			if (i == j)
				continue;
			if (!sim_host_peer(sim_world_member(w, i),
			                   sim_host_address(sim_world_member(w, j)), &p) ||
			    p.path == ZT_PATH_NONE) {
				sim_fail(r, "member %u has no path to member %u", i, j);
				sim_show_pair(w, i, j);
				goto out;
			}
		}
	}
	sim_show_fabric(w);
out:
	sim_world_free(w);
	sim_traffic_destroy(&t);
}
