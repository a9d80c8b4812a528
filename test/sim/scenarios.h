/* SPDX-License-Identifier: MIT */
/*
 * scenarios.h - the simulation scenarios run by test/sim/main.c.  Each one
 * builds its own world from the seed and reports PASS or FAIL with a
 * reason; diagnostic lines (two-space indent) say what the nodes saw.
 */
#ifndef ZT_SIM_SCENARIOS_H
#define ZT_SIM_SCENARIOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_result {
	bool failed;
	char why[480];
};

/* Record a failure (the first reason is kept; later ones are printed as
 * detail lines). */
void sim_fail(struct sim_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A scenario's commentary and diagnostics (one line per call, ending in
 * a newline).  main.c collects them per scenario with sim_note_begin and
 * sim_note_end (which returns a malloc'd string), and shows them under a
 * FAIL line, or as "# " comments after a PASS. */
void sim_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sim_note_begin(void);
char *sim_note_end(void);

/* The simulator's own parts, checked before anything leans on them
 * (selftest.c). */
void sim_selftest_vclock(struct sim_result *r, uint64_t seed);
void sim_selftest_nat(struct sim_result *r, uint64_t seed);

/* The foundation scenarios (scenarios.c). */
void sim_pairs(struct sim_result *r, uint64_t seed);
/* The out-of-memory mode (scen_oom.c). */
void sim_oom_adhoc(struct sim_result *r, uint64_t seed);
void sim_oom_managed(struct sim_result *r, uint64_t seed);
void sim_oom_nat(struct sim_result *r, uint64_t seed);
void sim_root_dies(struct sim_result *r, uint64_t seed);
void sim_deterministic(struct sim_result *r, uint64_t seed);
void sim_loss(struct sim_result *r, uint64_t seed);
void sim_direct(struct sim_result *r, uint64_t seed);
void sim_mtu(struct sim_result *r, uint64_t seed);

/* Ethernet: multicast, limits, ARP targeting (scen_eth.c). */
void sim_multicast(struct sim_result *r, uint64_t seed);
void sim_bridge_restart(struct sim_result *r, uint64_t seed);
void sim_bridge_lan_mac(struct sim_result *r, uint64_t seed);
void sim_pmtu(struct sim_result *r, uint64_t seed);

/* Members behind NATs (scen_nat.c). */
void sim_nat_cone(struct sim_result *r, uint64_t seed);
void sim_nat_symmetric(struct sim_result *r, uint64_t seed);
void sim_nat_birthday(struct sim_result *r, uint64_t seed);
void sim_nat_same_lan(struct sim_result *r, uint64_t seed);
void sim_nat_rebind(struct sim_result *r, uint64_t seed);
void sim_nat_short_timeout(struct sim_result *r, uint64_t seed);
void sim_nat_keep_direct(struct sim_result *r, uint64_t seed);
void sim_nat_upnp_midway(struct sim_result *r, uint64_t seed);
void sim_nat_mapping_checked(struct sim_result *r, uint64_t seed);
void sim_nat_rendezvous_four(struct sim_result *r, uint64_t seed);
void sim_nat_one_way(struct sim_result *r, uint64_t seed);
void sim_nat_probe_no_tcp(struct sim_result *r, uint64_t seed);

/* Managed networks with a controller (scen_ctl.c). */
void sim_ctl(struct sim_result *r, uint64_t seed);
/* The rules engine: hub and spoke, a capability, a lying member (scen_rules.c). */
void sim_rules(struct sim_result *r, uint64_t seed);

/* Attacks of issue 12 (scen_hostile.c): each asserts the safe behaviour
 * and is marked expected-to-fail in main.c until its point is fixed. */
void sim_attack_birthday_spray(struct sim_result *r, uint64_t seed); /* 12.1 */
void sim_attack_root_reflect(struct sim_result *r, uint64_t seed);   /* 12.2 */
void sim_attack_init_replay(struct sim_result *r, uint64_t seed);    /* 12.3 */
void sim_attack_bridge_mac(struct sim_result *r, uint64_t seed);     /* 12.5 */
void sim_attack_private_leak(struct sim_result *r, uint64_t seed);   /* 12.6 */
void sim_attack_dir_count(struct sim_result *r, uint64_t seed);      /* 12.7 */

/* Calls to libsodium's randombytes_* made after sodium_init (main.c
 * installs a counting backstop: the core must take randomness only from
 * host->random). */
extern unsigned long long sim_randombytes_calls;

#endif
