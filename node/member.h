/* SPDX-License-Identifier: MIT */
/*
 * member.h - managed networks in the core (member.c): the config state
 * machine and the certificates of membership members show each other.
 */
#ifndef ZT_NODE_MEMBER_H
#define ZT_NODE_MEMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "network.h"
#include "zt.h"

struct zt_peer;

/* Managed networks: what we know of a member's certificate (allocated
 * only on managed networks; roots' directories never have one). */
struct zt_memcom {
	struct zt_com com;    /* its newest verified COM; timestamp 0: none */
	int64_t revoked_upto; /* its COMs up to this timestamp are revoked */
	int64_t com_sent, com_sent_ts, com_asked;
	/* One frame held while we wait for a newer COM of a member whose
	 * last one we know is stale (usually a peer that was idle). */
	uint8_t *held;
	uint16_t held_len;
	int64_t held_at;
	struct zt_memcreds *creds; /* its tags and capabilities (netrules.c), or NULL */
	int64_t creds_sent_ts;     /* the config timestamp of the ones we showed it */
	int64_t creds_sent;        /* ... and when */
	int64_t creds_asked;       /* when we last asked for its */
	/* One frame from it held until its credentials come (netrules.c). */
	uint8_t *in_held;
	uint16_t in_held_len;
	int in_held_rule;
	int64_t in_held_at;
};

/* Member side: request / refresh configs (from switch background). */
void zt_member_background(struct zt_node *n, int64_t now, struct zt_network *net);
/* Handle 0x20-0x24; false if msg is none of them. */
bool zt_member_handle_msg(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg,
                          size_t len);
/* Does the network need COMs (managed, private, configured)? */
bool zt_member_needs_com(const struct zt_network *net);
/* May we exchange frames with member m now (its COM agrees with ours)?
 * On false the caller drops the frame. */
bool zt_member_com_ok(const struct zt_network *net, const struct zt_member *m);
/* If m has not seen our current COM, write the head of a FRAME_COM
 * message (type, flags, COM) into msg and return its length, else 0. */
size_t zt_member_attach_com(struct zt_node *n, int64_t now, struct zt_network *net,
                            struct zt_member *m, uint8_t *msg);
/* Sending to m whose COM we know is stale: hold the frame (one, the
 * latest) until it shows a newer one, unless it is revoked. */
void zt_member_hold(struct zt_node *n, int64_t now, struct zt_member *m, const uint8_t *frame,
                    size_t len);
void zt_memcom_free(const struct zt_mem *mem, struct zt_memcom *mc);
/* A COM a member showed: msg is flags u8 | COM (ZT_COM_LEN bytes). */
void zt_member_take_com(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg);
/* Show our COM to p if it has not seen the current one (ask for its
 * COM too if we lack it). */
void zt_member_show_com(struct zt_node *n, int64_t now, struct zt_network *net, struct zt_member *m,
                        struct zt_peer *p);

#endif
