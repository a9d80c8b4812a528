/* SPDX-License-Identifier: MIT */
/*
 * timers.h - the node's timers (timers.c), as WireGuard's timers.h: the
 * code that sends, receives and makes handshakes reports what happened
 * through the events below, and the scan in timers.c alone decides what
 * follows (keepalives, rekeys, retries, giving paths and peers up).
 */
#ifndef ZT_NODE_TIMERS_H
#define ZT_NODE_TIMERS_H

#include <stdint.h>

#include "zt.h"

struct zt_peer;
struct zt_path;
struct zt_keypair;

/* ---- events ---- */

/* Any packet went out to p (direct or relayed). */
void zt_timers_packet_sent(struct zt_peer *p, int64_t now);
/* A datagram went out on direct path x. */
void zt_timers_path_sent(struct zt_path *x, int64_t now);
/* An ECHO is about to go out on x (it counts the unanswered ones). */
void zt_timers_echo_sent(struct zt_path *x, int64_t now);
/* An inner message to p was sealed with kp (may start a rekey). */
void zt_timers_data_sent(struct zt_node *n, int64_t now, struct zt_peer *p,
                         const struct zt_keypair *kp);
/* A packet was relayed through root r (a quiet one gets a REGISTER). */
void zt_timers_relayed(struct zt_node *n, int64_t now, struct zt_peer *r);
/* Root r was asked something it always answers (WHOIS); a REGISTER. */
void zt_timers_root_asked(struct zt_peer *r, int64_t now);
void zt_timers_register_sent(struct zt_peer *r, int64_t now);
/* Our handshake with p began; one of its initiations went out; a cookie
 * came back for it. */
void zt_timers_handshake_started(struct zt_peer *p, int64_t now);
void zt_timers_handshake_initiated(struct zt_peer *p, int64_t now);
void zt_timers_cookie_received(struct zt_peer *p, int64_t now);
/* Keys were derived into kp (either side of a handshake). */
void zt_timers_session_derived(struct zt_keypair *kp, int64_t now);
/* An authenticated packet came from p; and (hops 0) on its path x. */
void zt_timers_any_authenticated_packet_received(struct zt_peer *p, int64_t now);
void zt_timers_path_heard(struct zt_path *x, int64_t now);

/* ---- the scan ---- */

/* Run the timers if a scan is due (deferred packets are sent first). */
void zt_timers_tick(struct zt_node *n, int64_t now);
/* When the host should call zt_node_process_background next. */
void zt_timers_deadline(const struct zt_node *n, int64_t *next_deadline);
/* Make the next tick run the timers (a new node, new roots). */
void zt_timers_expedite(struct zt_node *n, int64_t now);

#endif
