/* SPDX-License-Identifier: MIT */
/*
 * node_int.h - what is left of the old all-in-one internal header, for the
 * files that still include it (switch.c, multicast.c, bridge.c): the
 * module headers they use, the one switch.c function switch.h does not
 * declare yet, and the old name of zt_send_msg.  Everything else lives in
 * one header per module (node.h, peer.h, session.h, send.h, ...).
 */
#ifndef ZT_NODE_NODE_INT_H
#define ZT_NODE_NODE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "bridge.h"
#include "mactable.h"
#include "mctable.h"
#include "member.h"
#include "mss.h"
#include "multicast.h"
#include "nat.h"
#include "ndp.h"
#include "network.h"
#include "node.h"
#include "peer.h"
#include "pmtu.h"
#include "send.h"
#include "switch.h"
#include "zt.h"

/* ---- switch.c ---- */
/* Send m's held frame now (its COM became good). */
void zt_switch_send_held(struct zt_node *n, int64_t now, struct zt_network *net,
                         struct zt_member *m, struct zt_peer *p);

/* switch.c and multicast.c still call the send function by its old name. */
static inline int zt_node_send_msg(struct zt_node *n, int64_t now, struct zt_peer *p,
                                   const uint8_t *msg, size_t len)
{
	return zt_send_msg(n, now, p, msg, len);
}

#endif
