/* SPDX-License-Identifier: MIT */
/*
 * switch.h - one virtual switch per joined network: frames from the TAP
 * to members and back, the member list, and the network's announcements
 * to the roots (doc/PROTOCOL.md "The virtual switch").
 */
#ifndef ZT_NODE_SWITCH_H
#define ZT_NODE_SWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zt_member;
struct zt_network;
struct zt_network_info;
struct zt_node;
struct zt_peer;

struct zt_network *zt_switch_find(struct zt_node *n, uint64_t nwid);
void zt_switch_info(const struct zt_network *net, struct zt_network_info *out);
int zt_switch_frame_from_tap(struct zt_node *n, int64_t now, struct zt_network *net,
                             const uint8_t *frame, size_t len);
void zt_switch_frame_from_peer(struct zt_node *n, int64_t now, struct zt_peer *p,
                               const uint8_t *msg, size_t len);
/* Add or refresh a member; returns its entry and whether it was not there
 * before in *added (may be NULL).  A full list (ZT_NET_MAX_MEMBERS) evicts
 * the entry heard from longest ago; on a private network strangers (no
 * verified COM) first and at most a quarter of the list, never one whose
 * revocation still matters.  NULL: out of memory, or nothing evictable. */
struct zt_member *zt_switch_add_member(struct zt_network *net, uint64_t address, int64_t now,
                                       bool *added);
/* The same for an address someone named to us or that spoke to us itself
 * (not one we only send to): its derived MAC is a member's from now on
 * (struct zt_member's heard). */
struct zt_member *zt_switch_heard(struct zt_network *net, uint64_t address, int64_t now,
                                  bool *added);
/* The member entry of `address`, or NULL. */
struct zt_member *zt_switch_member(struct zt_network *net, uint64_t address);
/* Free a network's member list and what hangs off it. */
void zt_switch_free_members(struct zt_network *net);
/* Send m's held frame now (its COM became good). */
void zt_switch_send_held(struct zt_node *n, int64_t now, struct zt_network *net,
                         struct zt_member *m, struct zt_peer *p);
void zt_switch_announce(struct zt_node *n, int64_t now, struct zt_network *net, bool leaving);
void zt_switch_members_msg(struct zt_node *n, int64_t now, struct zt_peer *root, const uint8_t *msg,
                           size_t len);
void zt_switch_background(struct zt_node *n, int64_t now);

#endif
