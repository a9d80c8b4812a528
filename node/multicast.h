/* SPDX-License-Identifier: MIT */
/*
 * multicast.h - multicast subscriptions (doc/PROTOCOL.md "Multicast").
 *
 * A group is (MAC, ADI): a multicast MAC, or the broadcast MAC with an
 * IPv4 address as ADI (the "ARP group" of that address, as in ZeroTier).
 * Each member learns its host's groups by snooping the IGMP/MLD reports
 * and ARP packets its host writes into the TAP (mcsnoop.h; the core also
 * sends IGMP and MLD general queries into the TAP, so the host re-reports
 * every group it has; nothing is polled), announces them to the other
 * members with MC_LIKE, and so every member knows who subscribes to what
 * (mctable.h).
 */
#ifndef ZT_NODE_MULTICAST_H
#define ZT_NODE_MULTICAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zt_netconf;
struct zt_network;
struct zt_node;
struct zt_peer;

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
/* A session with member p came up (initiator: our handshake completed;
 * else: p used the keys we answered with).  Before anything queued goes
 * out: the initiator sends its full set (with its bridge flag) asking for
 * the other's, and a responder that bridges sends its own, so that each
 * knows the other's bridge status before the first frame from its LAN
 * (doc/PROTOCOL.md "Bridging"). */
void zt_mc_session_up(struct zt_node *n, int64_t now, struct zt_peer *p, bool initiator);
/* A private network's member whose COM we have just verified (it was not,
 * or no longer, valid): our full set to it, asking for its own. */
void zt_mc_member_verified(struct zt_node *n, int64_t now, struct zt_network *net,
                           uint64_t address);
void zt_mc_background(struct zt_node *n, int64_t now, struct zt_network *net);
/* A managed network's config sets the Ethernet behaviour. */
void zt_mc_apply_conf(struct zt_node *n, int64_t now, struct zt_network *net,
                      const struct zt_netconf *c);

#endif
