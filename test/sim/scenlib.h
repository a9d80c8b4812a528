/* SPDX-License-Identifier: MIT */
/*
 * scenlib.h - helpers shared by the scenarios (scenlib.c).  Functions that
 * check something take the scenario's result, record a failure with a
 * reason, print what the nodes saw, and return false.
 */
#ifndef ZT_SIM_SCENLIB_H
#define ZT_SIM_SCENLIB_H

#include <stdbool.h>
#include <stdint.h>

#include "scenarios.h"
#include "traffic.h"
#include "world.h"

/* An ad-hoc network: no controller (zt_nwid_is_adhoc). */
#define NWID UINT64_C(0xff00000000000001)

const char *sim_path_name(enum zt_path_kind k);
/* Seconds since the epoch for an absolute time; -1 for 0 ("never"). */
double sim_secs(int64_t t);

/* Diagnostics (lines indented two or four spaces). */
void sim_show_view(const struct sim_world *w, const char *label, unsigned a, uint64_t b_addr);
void sim_show_counters(const struct sim_host *h);
void sim_show_pair(const struct sim_world *w, unsigned i, unsigned j);
void sim_show_pending(struct sim_traffic *t, unsigned max);
void sim_show_fabric(const struct sim_world *w);

/* Two roots and `members` public members on NWID, every link `link`. */
struct sim_world *sim_build(struct sim_result *r, const char *name, uint64_t seed, unsigned members,
                            const struct sim_link *link);
bool sim_check_api(struct sim_result *r, const struct sim_world *w);
/* Run up to limit_ms until every member is online, then rest_ms more. */
bool sim_settle(struct sim_result *r, struct sim_world *w, int64_t limit_ms, int64_t rest_ms);

/* Member i sends to every j that pick allows (NULL: all) at start + i*step. */
unsigned sim_send_pairs(struct sim_traffic *t, int64_t start, int64_t step,
                        bool (*pick)(unsigned i, unsigned j));
/* Run in 50 ms steps until nothing is pending or limit_ms passed. */
bool sim_deliver_all(struct sim_traffic *t, int64_t limit_ms);
bool sim_wait_pairs(struct sim_result *r, struct sim_traffic *t, int64_t limit_ms,
                    const char *what);
bool sim_wait_broadcast(struct sim_result *r, struct sim_traffic *t, unsigned from,
                        int64_t limit_ms);
/* Intact, right member, no more copies than sends. */
bool sim_check_frames(struct sim_result *r, struct sim_traffic *t, const char *what);
/* Both ends see each other on a direct path at the other's address as
 * the Internet sees it (its own, or its NAT's public address). */
bool sim_check_direct(struct sim_result *r, struct sim_world *w, unsigned i, unsigned j);
/* Poll every 500 ms for up to limit_ms until every pair that pick allows
 * (either way round; NULL: all) is direct both ways at the same moment. */
bool sim_wait_direct(struct sim_result *r, struct sim_world *w,
                     bool (*pick)(unsigned i, unsigned j), int64_t limit_ms);

#endif
