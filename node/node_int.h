/* SPDX-License-Identifier: MIT */
/*
 * node_int.h - what is left of the old all-in-one internal header: the
 * declarations of switch.c, multicast.c, ndp.c and mss.c, until those
 * modules have headers of their own.  Everything else has moved to one
 * header per module (node.h, peer.h, session.h, send.h, ...), included
 * here so that the files that still include this one compile.
 */
#ifndef ZT_NODE_NODE_INT_H
#define ZT_NODE_NODE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "member.h"
#include "nat.h"
#include "network.h"
#include "node.h"
#include "peer.h"
#include "pmtu.h"
#include "send.h"
#include "zt.h"

/* ---- switch.c ---- */
struct zt_network *zt_switch_find(struct zt_node *n, uint64_t nwid);
void zt_switch_info(const struct zt_network *net, struct zt_network_info *out);
int zt_switch_frame_from_tap(struct zt_node *n, int64_t now, struct zt_network *net,
                             const uint8_t *frame, size_t len);
void zt_switch_frame_from_peer(struct zt_node *n, int64_t now, struct zt_peer *p,
                               const uint8_t *msg, size_t len);
/* Add or refresh a member; returns its entry (NULL if out of memory) and
 * whether it was not there before in *added (may be NULL). */
struct zt_member *zt_switch_add_member(struct zt_network *net, uint64_t address, int64_t now,
                                       bool *added);
/* Free a network's member list and what hangs off it. */
void zt_switch_free_members(struct zt_network *net);
void zt_switch_announce(struct zt_node *n, int64_t now, struct zt_network *net, bool leaving);
void zt_switch_members_msg(struct zt_node *n, int64_t now, struct zt_peer *root, const uint8_t *msg,
                           size_t len);
void zt_switch_background(struct zt_node *n, int64_t now);
/* Send m's held frame now (its COM became good). */
void zt_switch_send_held(struct zt_node *n, int64_t now, struct zt_network *net,
                         struct zt_member *m, struct zt_peer *p);

/* ---- multicast.c ---- */
void zt_mc_net_init(struct zt_network *net);
void zt_mc_net_free(struct zt_network *net);
/* Snoop a frame from the TAP; true if it is a report to keep local. */
bool zt_mc_tap_frame(struct zt_node *n, int64_t now, struct zt_network *net, const uint8_t *frame,
                     size_t len);
/* Members a broadcast/multicast frame goes to (see PROTOCOL.md). */
size_t zt_mc_recipients(struct zt_node *n, int64_t now, struct zt_network *net,
                        const uint8_t *frame, size_t len, uint64_t *out, size_t cap);
/* Does this member want a group frame that arrived from the network? */
bool zt_mc_wanted(const struct zt_network *net, const uint8_t *frame, size_t len, int64_t now);
void zt_mc_handle_msg(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg,
                      size_t len);
void zt_mc_member_new(struct zt_node *n, int64_t now, struct zt_network *net, uint64_t address);
void zt_mc_background(struct zt_node *n, int64_t now, struct zt_network *net);
bool zt_bridge_member(const struct zt_network *net, uint64_t address, int64_t now);
int zt_mc_set_bridges(struct zt_network *net, const uint64_t *addresses, size_t count);
/* A managed network's config sets the Ethernet behaviour. */
void zt_mc_apply_conf(struct zt_node *n, int64_t now, struct zt_network *net,
                      const struct zt_netconf *c);

/* ---- ndp.c ---- */
/* The member owning an rfc4193 / 6plane address of nwid, or 0. */
uint64_t zt_ndp_owner(uint64_t nwid, const uint8_t ip[16]);
/* If frame is a neighbour solicitation for another member's rfc4193 or
 * 6plane address, build the advertisement into out and return its length
 * (cap >= 86); else 0. */
size_t zt_ndp_answer(uint64_t nwid, uint64_t self, const uint8_t *frame, size_t len, uint8_t *out,
                     size_t cap);

/* ---- mss.c ---- */
/* Lower the MSS option of a TCP SYN in frame to clamp (0: off); true if
 * the frame was changed (checksum updated). */
bool zt_mss_clamp(uint8_t *frame, size_t len, unsigned clamp);

/* switch.c and multicast.c still call the send function by its old name. */
static inline int zt_node_send_msg(struct zt_node *n, int64_t now, struct zt_peer *p,
                                   const uint8_t *msg, size_t len)
{
	return zt_send_msg(n, now, p, msg, len);
}

#endif
