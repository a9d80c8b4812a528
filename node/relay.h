/* SPDX-License-Identifier: MIT */
/*
 * relay.h - what a root does for others (relay.c): forwarding, REGISTER,
 * WHOIS, RENDEZVOUS and the network directory.
 */
#ifndef ZT_NODE_RELAY_H
#define ZT_NODE_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"
#include "zt.h"

struct zt_peer;
struct zt_member;

/* Roots keep, per announced network hash, who announced it. */
struct zt_dir_net {
	struct zt_dir_net *next;
	uint8_t nethash[8];
	struct zt_member *members;
	unsigned count, cap;
};

void zt_relay_forward(struct zt_node *n, int64_t now, const struct zt_hdr *h, int64_t sock,
                      const struct zt_endpoint *from, uint8_t *pkt, size_t len);
/* Handle a root-only inner message from p; false if not a root message. */
bool zt_relay_handle_msg(struct zt_node *n, int64_t now, struct zt_peer *p, int64_t sock,
                         const struct zt_endpoint *from, const uint8_t *msg, size_t len);
void zt_relay_background(struct zt_node *n, int64_t now);
void zt_relay_cleanup(struct zt_node *n);

#endif
