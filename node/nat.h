/* SPDX-License-Identifier: MIT */
/*
 * nat.h - our NAT and birthday probing (nat.c).
 */
#ifndef ZT_NODE_NAT_H
#define ZT_NODE_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"
#include "zt.h"

struct zt_peer;

/* A birthday attempt through a symmetric NAT (nat.c): the hard side (our
 * NAT is symmetric) opens many sockets and sends from each to the peer's
 * public endpoint; the easy side sprays probes at random ports of the
 * peer's public address until one lands in a mapping the hard side made.
 * The first socket the peer is heard on wins: the others are deaf from
 * then on and closed, so that the peer learns exactly one path. */
struct zt_burst {
	bool active;
	bool won; /* socks[winner] heard the peer first */
	unsigned winner;
	uint64_t peer;
	int64_t started, last_round;
	struct zt_endpoint target;
	int64_t socks[ZT_BIRTHDAY_SOCKETS];
	unsigned nsocks;
};
/* The easy side of one attempt (a few at once: they cost no sockets). */
struct zt_spray {
	bool active;
	uint64_t peer;
	int64_t started;
	struct zt_endpoint target;
	unsigned sent;
};
#define ZT_KEPT_SOCKETS 8
/* A kept socket stays while the peer was heard on it within this long,
 * whatever our own path to it says (as long as a path may stay alive
 * unheard). */
#define ZT_KEPT_HEARD ZT_PATH_ALIVE_IDLE

/* The punch budget: a token bucket for probes to endpoints not proven to
 * receive. */
struct zt_punch {
	int64_t refilled;
	uint32_t tokens;
};

/* Take up to `want` probes from the global punch budget; returns how many
 * may be sent. */
unsigned zt_nat_punch_take(struct zt_node *n, int64_t now, unsigned want);
/* Drop what comes in on a birthday socket that lost (true: drop it). */
bool zt_nat_sock_deaf(const struct zt_node *n, int64_t sock);
/* Start a birthday attempt with p if our NATs call for one. */
void zt_nat_maybe_birthday(struct zt_node *n, int64_t now, struct zt_peer *p);
/* An authenticated packet from p came in on `sock`: a birthday hit, or a
 * kept socket the peer still uses?  (Call it only while n->burst.active
 * or n->nkept: it costs a scan.) */
void zt_nat_sock_heard(struct zt_node *n, int64_t now, int64_t sock, const struct zt_peer *p);
/* A peer's ZT_MSG_BIRTHDAY: spray probes at its public address, if a
 * root introduced it as symmetric and observed that address. */
void zt_nat_birthday_msg(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg,
                         size_t len);
/* Timers: probe rounds, end of attempts, closing unused sockets. */
void zt_nat_background(struct zt_node *n, int64_t now);
/* The mapping-timeout probe (nodes): start one when due; true while a
 * LATER is pending with root r (send nothing to it then). */
void zt_nat_probe_tick(struct zt_node *n, int64_t now);
bool zt_nat_probe_silent(const struct zt_node *n, const struct zt_peer *r);
void zt_nat_late(struct zt_node *n, int64_t now, struct zt_peer *r);
/* Close every extra socket (node teardown). */
void zt_nat_cleanup(struct zt_node *n);

#endif
