/* SPDX-License-Identifier: MIT */
/*
 * acct.h - the fabric's books: bytes and packets per flow, where a flow is
 * (sending host, source endpoint as written, destination endpoint), counted
 * when the datagram is launched (so also what a NAT or a missing route then
 * drops: what matters is what a host put on the wire).  A host behind a NAT
 * is booked with its inside address.
 *
 * A datagram is *spoofed* when its source is not the address of the socket
 * that sent it (sim_fabric_send_as).  An endpoint is *validated* once a host
 * that owns it has sent from it: only then has anyone proven that something
 * receives there.  An amplification check reads: bytes honest hosts sent to
 * an endpoint that never validated <= bytes the spoofer sent claiming it.
 */
#ifndef ZT_SIM_ACCT_H
#define ZT_SIM_ACCT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zt.h"

struct sim_flow {
	bool used;
	bool spoofed;
	int src_host;
	struct zt_endpoint from, to;
	uint64_t packets, bytes;
};

struct sim_acct {
	struct sim_flow *v; /* open addressing, power-of-two size */
	size_t n, cap;
};

void sim_acct_init(struct sim_acct *a);
void sim_acct_free(struct sim_acct *a);
/* Book one datagram (the fabric calls this on every launch). */
void sim_acct_add(struct sim_acct *a, int src_host, bool spoofed, const struct zt_endpoint *from,
                  const struct zt_endpoint *to, size_t len);

/* Which flows a sum covers.  An endpoint with family 0 matches any; with
 * port 0 it matches every port of that address. */
struct sim_flow_match {
	struct zt_endpoint from, to;
	int src_host;     /* -1: any */
	int not_src_host; /* -1: none excluded */
	int spoofed;      /* -1 any, 0 genuine only, 1 spoofed only */
};
/* A match that covers everything (then narrow the fields you need). */
struct sim_flow_match sim_flow_any(void);
/* Bytes (and packets, if wanted) over the matching flows. */
uint64_t sim_acct_bytes(const struct sim_acct *a, const struct sim_flow_match *m,
                        uint64_t *packets);
/* Did a host that owns `ep` (port 0: any port of it) send from it? */
bool sim_acct_validated(const struct sim_acct *a, const struct zt_endpoint *ep);

#endif
