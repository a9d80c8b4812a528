/* SPDX-License-Identifier: MIT */
/*
 * knobs.c - the settings of knobs.h, through the core's internal header:
 * the one file of the simulator that reaches into struct zt_node.
 */
#include "knobs.h"

#include "node.h"

void sim_knob_max_peers(struct zt_node *n, size_t max)
{
	n->max_peers = max;
}
