/* SPDX-License-Identifier: MIT */
/*
 * world.h - a whole simulated deployment: the virtual clock, the fabric,
 * the trace, a set of roots with their signed roots file, and members.
 *
 * Hosts are numbered in creation order: the roots first (0..roots-1), then
 * the members.  Roots listen on 203.0.113.x:9993; members added with
 * sim_world_add_member(w, 0, NULL) get 198.18.x.y:9993 on the public
 * Internet (realm 0).  Members can also be put behind a NAT (nat.h).
 */
#ifndef ZT_SIM_WORLD_H
#define ZT_SIM_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "fabric.h"
#include "simhost.h"
#include "trace.h"
#include "vclock.h"

#define SIM_PORT 9993
#define SIM_SOCK 1 /* every host's (first) socket id */

struct sim_world_cfg {
	const char *name;
	uint64_t seed;
	unsigned roots;
	unsigned members; /* public members made right away */
	struct sim_link root_link;
	struct sim_link member_link;
	uint64_t nwid;           /* joined by every member at birth; 0 none */
	bool set_roots_on_roots; /* also give the roots file to the roots */
	struct sim_alloc *alloc; /* every node's allocator (NULL: libc) */
};

struct sim_world {
	char name[32];
	uint64_t seed;
	struct sim_clock clock;
	struct sim_fabric fabric;
	struct sim_trace trace;
	struct sim_rng rng;
	struct sim_host **hosts; /* roots, then members */
	unsigned nhosts, caphosts;
	/* by fabric host index (hosts that are no node, see hostile.h, have
	 * fabric indices too: NULL here) */
	struct sim_host **by_index;
	unsigned nby_index;
	unsigned nroots;
	struct sim_link member_link;
	uint64_t nwid;
	struct sim_alloc *alloc;
	struct zt_identity signer;
	struct zt_roots roots; /* as parsed back from the signed file */
	/* Optional per-datagram filter a scenario installs (fabric.h). */
	bool (*filter)(void *ctx, const struct sim_dgram *d);
	void *filter_ctx;
	/* Optional: sees every datagram's fate, as the trace does (an
	 * eavesdropper's capture, hostile.h). */
	void (*tap)(void *ctx, enum sim_fate fate, const struct sim_dgram *d);
	void *tap_ctx;
};

/* Build the world at SIM_EPOCH.  On failure returns a zt error and puts a
 * reason in err. */
int sim_world_new(struct sim_world **out, const struct sim_world_cfg *cfg, char *err,
                  size_t errlen);
void sim_world_free(struct sim_world *w);

/* Add a member in `realm` at `ep` (NULL: the next public address); it
 * gets the roots and joins w->nwid.  Returns the host or NULL. */
struct sim_host *sim_world_add_member(struct sim_world *w, unsigned realm,
                                      const struct zt_endpoint *ep);

/* Add a member alone behind a new NAT box `cfg` (nat.h) whose public
 * address is the next 198.19.x.y; the member is 10.0.0.2:9993 inside. */
struct sim_nat_cfg;
struct sim_host *sim_world_add_natted_member(struct sim_world *w, const struct sim_nat_cfg *cfg,
                                             const struct sim_link *nat_link);

unsigned sim_world_members(const struct sim_world *w);
struct sim_host *sim_world_member(const struct sim_world *w, unsigned i);
struct sim_host *sim_world_root(const struct sim_world *w, unsigned i);
/* Member index of the host with this zt address, or -1. */
int sim_world_member_by_address(const struct sim_world *w, uint64_t address);

/* Advance virtual time by `ms`, running everything due. */
void sim_world_run_for(struct sim_world *w, int64_t ms);
/* Run until done(ctx) or `limit_ms` from now; true if done. */
bool sim_world_run_until(struct sim_world *w, int64_t limit_ms, bool (*done)(void *ctx), void *ctx);
/* Virtual ms since the epoch. */
int64_t sim_world_elapsed(const struct sim_world *w);

/* Sum of API errors over all hosts; the first one's description in buf. */
uint64_t sim_world_api_errors(const struct sim_world *w, char *buf, size_t len);
/* Members whose node says it is online. */
unsigned sim_world_online(const struct sim_world *w);

#endif
