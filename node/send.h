/* SPDX-License-Identifier: MIT */
/*
 * send.h - sending to peers (send.c): inner messages, the path they take,
 * and the requests to roots and probes of paths.
 */
#ifndef ZT_NODE_SEND_H
#define ZT_NODE_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "zt.h"

struct zt_peer;
struct zt_path;

/* Encrypt an inner message for `p` and send it on the best path; queue it
 * and start a handshake when there is no session.  ZT_ERANGE if it cannot
 * fit a packet. */
int zt_send_msg(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg, size_t len);
/* Same, but to a specific endpoint (path probes and replies); ZT_ENOTFOUND
 * without a session. */
int zt_send_msg_to(struct zt_node *n, int64_t now, struct zt_peer *p, int64_t sock,
                   const struct zt_endpoint *to, const uint8_t *msg, size_t len);
/* Send the queued messages while there are keys to send them with. */
void zt_send_flush_queue(struct zt_node *n, int64_t now, struct zt_peer *p);

/* A whole sealed packet to p: direct if a path is alive, else via a root. */
void zt_send_packet(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *pkt,
                    size_t len);
/* A small packet (handshakes, cookies) to one endpoint, never cut. */
void zt_send_raw(struct zt_node *n, int64_t sock, const struct zt_endpoint *to, const uint8_t *pkt,
                 size_t len);

/* ECHO on one path (or any socket/endpoint: probes). */
void zt_send_echo(struct zt_node *n, int64_t now, struct zt_peer *p, struct zt_path *x);
void zt_send_echo_to(struct zt_node *n, int64_t now, struct zt_peer *p, int64_t sock,
                     const struct zt_endpoint *to);

/* Requests to the roots: REGISTER with root r, WHOIS p (rate-limited),
 * RENDEZVOUS_REQ for p through the best root. */
/* REGISTER: the message (at most ZT_REGISTER_MAX bytes, padded to
 * ZT_REGISTER_MIN), and sending it to root r. */
size_t zt_send_register_build(struct zt_node *n, int64_t now, uint8_t *msg);
void zt_send_register(struct zt_node *n, int64_t now, struct zt_peer *r);
void zt_send_whois(struct zt_node *n, int64_t now, struct zt_peer *p);
void zt_send_rendezvous_req(struct zt_node *n, int64_t now, struct zt_peer *p);
/* Peer `p` is wanted: make sure we know its identity and have a session. */
void zt_send_want_peer(struct zt_node *n, int64_t now, struct zt_peer *p);

#endif
