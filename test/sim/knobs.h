/* SPDX-License-Identifier: MIT */
/*
 * knobs.h - settings the core's API does not offer, for tests that must
 * reach a limit the real size of which a simulation cannot fill (a peer
 * table of 65,536 sybils costs as many Argon2id evaluations).  The same
 * code runs with a smaller number.
 */
#ifndef ZT_SIM_KNOBS_H
#define ZT_SIM_KNOBS_H

#include <stddef.h>

#include "zt.h"

/* The most peers node n keeps (ZT_NODE_MAX_PEERS, ZT_ROOT_MAX_PEERS). */
void sim_knob_max_peers(struct zt_node *n, size_t max);

#endif
