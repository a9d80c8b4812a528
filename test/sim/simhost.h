/* SPDX-License-Identifier: MIT */
/*
 * simhost.h - one simulated machine: a zt_node and the zt_host it sees.
 *
 * The host gives the node a deterministic random stream of its own, sends
 * its datagrams into the fabric, records every frame it outputs and every
 * network update, and calls zt_node_process_background at the deadline the
 * node last asked for (never sooner than 1 ms ahead, so a node that keeps
 * asking for "now" cannot stall virtual time).
 */
#ifndef ZT_SIM_SIMHOST_H
#define ZT_SIM_SIMHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fabric.h"
#include "pkcount.h"
#include "rng.h"
#include "simalloc.h"
#include "trace.h"
#include "vclock.h"
#include "zt.h"

struct sim_frame_rec {
	int64_t at;
	uint64_t nwid;
	size_t len;
	uint8_t *data;
};

struct sim_net_rec {
	int64_t at;
	enum zt_net_op op;
	struct zt_network_info info;
};

#define SIM_EVENT_KINDS 8

struct sim_host {
	int index; /* fabric host index; also the trace's node index */
	char name[16];
	bool is_root;
	struct sim_clock *clock;
	struct sim_fabric *fabric;
	struct sim_trace *trace;
	struct sim_rng rng;
	struct zt_identity id;
	struct zt_node *node;
	bool dead;     /* removed: no more calls into the node */
	int64_t bg_at; /* background call scheduled for; INT64_MAX none */
	uint64_t bg_calls;

	struct sim_frame_rec *frames; /* frames the node output, in order */
	size_t nframes, capframes;
	struct sim_net_rec *nets; /* net_update calls, in order */
	size_t nnets, capnets;
	uint64_t events[SIM_EVENT_KINDS]; /* by enum zt_event */

	/* API calls that returned an error (a core bug or a sim bug). */
	uint64_t api_errors;
	int last_error;
	const char *last_error_call;
	bool log; /* print the node's log lines (ZT_SIM_LOG=1) */
	/* A controller's answers (netconf_request), if this host is one. */
	enum zt_netconf_verdict (*netconf)(void *ctx, int64_t now,
	                                   const struct zt_netconf_request *req,
	                                   struct zt_netconf *conf);
	void *netconf_ctx;
	uint64_t netconf_requests;
	/* Public-key and Argon2id work done inside this node's calls. */
	struct sim_pk pk;
	/* Extra sockets the node asked for (birthday probing). */
	int64_t next_sock;
	uint16_t next_port;
	unsigned extra_open, extra_opened;
	/* The node's allocator (NULL: libc's, the core's default). */
	struct sim_alloc *alloc;
	/* TCP connections the node asked for (the fallback to a root); the
	 * simulator has no TCP, so each attempt fails. */
	unsigned tcp_opens;
};

/* Create a host on the fabric with access link `link`, generate its
 * identity from (seed, index) and start its node, whose memory comes from
 * `alloc` (NULL: libc).  0 or a zt error. */
int sim_host_new(struct sim_host **out, struct sim_clock *clock, struct sim_fabric *fabric,
                 struct sim_trace *trace, uint64_t seed, unsigned flags,
                 const struct sim_link *link, struct sim_alloc *alloc);
/* Release the node and everything recorded.  Call after the clock is
 * destroyed or while no background event can still fire for it. */
void sim_host_free(struct sim_host *h);

/* Bind socket `sock` at `ep` in `realm` and tell the node about it. */
int sim_host_add_socket(struct sim_host *h, int64_t sock, unsigned realm,
                        const struct zt_endpoint *ep);

/* Calls into the node at the clock's current time.  They record errors in
 * api_errors and keep the background timer scheduled. */
int sim_host_set_roots(struct sim_host *h, const struct zt_roots *roots);
/* Stop and start again, as ztd does across a restart: the node is freed
 * (sessions, tables, everything in memory gone) and made again with the
 * same identity, socket and roots; joining is the caller's. */
int sim_host_restart(struct sim_host *h, int64_t sock, const struct zt_endpoint *ep,
                     const struct zt_roots *roots);
int sim_host_join(struct sim_host *h, uint64_t nwid);
int sim_host_leave(struct sim_host *h, uint64_t nwid);
int sim_host_send_frame(struct sim_host *h, uint64_t nwid, const uint8_t *frame, size_t len);
/* The fabric delivered a datagram to this host. */
void sim_host_wire_in(struct sim_host *h, int64_t sock, const struct zt_endpoint *from,
                      const void *pkt, size_t len);

/* Take the host off the network for good: the fabric drops everything to
 * and from it and the node is not called again (it stays inspectable). */
void sim_host_kill(struct sim_host *h);

/* The node's view of peer `address`; false if it has none. */
bool sim_host_peer(const struct sim_host *h, uint64_t address, struct zt_peer_info *out);
uint64_t sim_host_address(const struct sim_host *h);
/* Drop the recorded frames (between phases of a scenario). */
void sim_host_clear_frames(struct sim_host *h);

#endif
