/* SPDX-License-Identifier: MIT */
/*
 * traffic.h - Ethernet frames between members, and the bookkeeping that
 * proves each one arrived exactly once, intact, at the right member.
 *
 * A test frame is dst MAC, src MAC (the members' MACs from
 * zt_mac_from_address), ethertype 0x0800, and a payload:
 *
 *   "ZTSIM1" round(2) from(2) to(2) try(2) len(2) " from <addr> to <addr>"
 *   then filler bytes that depend on (round, from, to, try)
 *
 * so a receiver can rebuild the exact frame it should have got and compare
 * every byte.  `to` is 0xffff for a broadcast.
 */
#ifndef ZT_SIM_TRAFFIC_H
#define ZT_SIM_TRAFFIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "world.h"

#define SIM_BROADCAST 0xffffu
#define SIM_FRAME_MAX 2800

struct sim_traffic {
	struct sim_world *w;
	uint64_t nwid;
	unsigned n;     /* members */
	unsigned round; /* frames of other rounds are counted as stale */
	size_t min_payload, max_payload;
	uint8_t *want;             /* [from * n + to]: a frame of this round was sent */
	uint16_t *got;             /* [from * n + to]: copies received this round */
	uint16_t *tries;           /* [from * n + to]: sends this round */
	int64_t *sent_at, *got_at; /* first send, first receipt */
	uint16_t *bcast;           /* [to]: this round's broadcasts received */
	size_t *cursor;            /* per member: frames already examined */
	uint64_t corrupt, misdelivered, stale, foreign;
	char first_problem[160];
	/* resend pending pairs every `retry_ms` up to `max_tries` (0: off),
	 * only those retry_pick allows if it is set */
	int64_t retry_ms;
	unsigned max_tries;
	bool (*retry_pick)(unsigned from, unsigned to);
};

int sim_traffic_init(struct sim_traffic *t, struct sim_world *w, uint64_t nwid);
void sim_traffic_destroy(struct sim_traffic *t);

/* Start a new round: forget this round's counts (problems are kept). */
void sim_traffic_new_round(struct sim_traffic *t);

/* Build the test frame (round, from, to, try) into buf; returns length. */
size_t sim_traffic_frame(const struct sim_traffic *t, unsigned round, unsigned from, unsigned to,
                         unsigned try_no, uint8_t *buf, size_t cap);

/* Send now from member `from` to member `to` (or SIM_BROADCAST). */
void sim_traffic_send(struct sim_traffic *t, unsigned from, unsigned to);
/* Send at virtual time `at` (absolute); the pair counts as pending now. */
void sim_traffic_send_at(struct sim_traffic *t, int64_t at, unsigned from, unsigned to);
/* Start resending: every retry_ms, every wanted pair not yet received is
 * sent again (new try number), up to max_tries sends in all. */
void sim_traffic_start_retries(struct sim_traffic *t, int64_t retry_ms, unsigned max_tries);

/* Examine the frames members received since the last call. */
void sim_traffic_collect(struct sim_traffic *t);

/* Pairs wanted this round and not yet received. */
size_t sim_traffic_pending(struct sim_traffic *t);
/* Wanted pairs received more than once (without a resend explaining it). */
size_t sim_traffic_duplicates(const struct sim_traffic *t);
/* Members other than `from` that have not received its broadcast. */
size_t sim_traffic_bcast_missing(const struct sim_traffic *t, unsigned from);
/* Worst first-send to first-receipt latency this round (ms), -1 if none. */
int64_t sim_traffic_worst_latency(const struct sim_traffic *t);

/* Problems that must never happen: corrupt, misdelivered, foreign. */
bool sim_traffic_clean(const struct sim_traffic *t);

/* Describe up to `max` pending pairs into buf (for a FAIL line). */
void sim_traffic_describe_pending(struct sim_traffic *t, char *buf, size_t len, unsigned max);

#endif
