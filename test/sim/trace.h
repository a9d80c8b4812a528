/* SPDX-License-Identifier: MIT */
/*
 * trace.h - the simulation's event trace, folded into a running BLAKE2b
 * hash.  Every datagram's fate, every frame in or out, every network
 * update, node event and background call adds one record
 * (time, node index, kind, length, first bytes).  The same seed must give
 * the same hash; a different hash means behaviour changed.
 *
 * With ZT_SIM_TRACE=<file> set, records are also written out as text, so two
 * runs can be diffed to find where they diverge.
 */
#ifndef ZT_SIM_TRACE_H
#define ZT_SIM_TRACE_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum sim_trace_kind {
	SIM_TR_WIRE = 1,   /* a datagram's fate; node = sender or receiver */
	SIM_TR_FRAME_SENT, /* a frame handed to zt_node_process_frame */
	SIM_TR_FRAME_RECV, /* a frame from the frame_out callback */
	SIM_TR_NET,        /* net_update */
	SIM_TR_EVENT,      /* the event callback */
	SIM_TR_BACKGROUND, /* zt_node_process_background and its deadline */
	SIM_TR_SCENARIO,   /* a scenario's own marker */
};

#define SIM_TRACE_PREFIX 32 /* bytes of each record's data that are hashed */
#define SIM_TRACE_HEX    (2 * crypto_generichash_BYTES + 1)

struct sim_trace {
	crypto_generichash_state st;
	uint64_t records;
	FILE *dump; /* optional text copy */
};

/* `label` names the run in the text copy (may be NULL). */
void sim_trace_init(struct sim_trace *t, const char *label);
void sim_trace_close(struct sim_trace *t);
/* `sub` refines the kind (a fate, an op, an event number). */
void sim_trace_add(struct sim_trace *t, int64_t now, int node, enum sim_trace_kind kind,
                   unsigned sub, const void *data, size_t len);
/* The hash of everything so far (the trace can continue). */
void sim_trace_digest(const struct sim_trace *t, unsigned char out[crypto_generichash_BYTES]);
void sim_trace_hex(const struct sim_trace *t, char out[SIM_TRACE_HEX]);

#endif
