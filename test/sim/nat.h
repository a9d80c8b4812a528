/* SPDX-License-Identifier: MIT */
/*
 * nat.h - NAT models for the fabric (RFC 4787 terms).
 *
 *   kind                 mapping                      filtering
 *   SIM_NAT_FULL_CONE    endpoint-independent         endpoint-independent
 *   SIM_NAT_RESTRICTED   endpoint-independent         address-dependent
 *   SIM_NAT_PORT_RESTR.  endpoint-independent         address-and-port-dependent
 *   SIM_NAT_SYMMETRIC    address-and-port-dependent   address-and-port-dependent
 *
 * A mapping lives while any of its sessions (inside endpoint, remote
 * endpoint) saw traffic within `timeout_ms`; outbound packets and accepted
 * inbound packets both refresh it, as Linux conntrack does.  Public ports
 * are either preserved (when free) or allocated sequentially from a random
 * start, or drawn at random (`random_ports`), which defeats port prediction.
 */
#ifndef ZT_SIM_NAT_H
#define ZT_SIM_NAT_H

#include <stdbool.h>
#include <stdint.h>

#include "fabric.h"

enum sim_nat_kind {
	SIM_NAT_FULL_CONE = 0,
	SIM_NAT_RESTRICTED,
	SIM_NAT_PORT_RESTRICTED,
	SIM_NAT_SYMMETRIC,
};

struct sim_nat_cfg {
	enum sim_nat_kind kind;
	int64_t timeout_ms;  /* idle mapping lifetime; 0 = 120 s */
	bool preserve_ports; /* try the inside port first */
	bool random_ports;   /* else sequential */
	bool hairpin;
};

/* The operations for sim_fabric_add_nat. */
extern const struct sim_nat_ops sim_nat_ops;

/* Make a NAT's state for a box at public address `pub` (free it with
 * sim_nat_ops.free, or let the fabric).  `seed` and `index` pick its port
 * stream. */
void *sim_nat_new(const struct sim_nat_cfg *cfg, const struct zt_endpoint *pub, uint64_t seed,
                  unsigned index);

/* Put a NAT of this kind with public address `pub` into realm `outside`;
 * returns the inside realm, 0 on failure. */
unsigned sim_nat_add(struct sim_fabric *f, unsigned outside, const struct zt_endpoint *pub,
                     const struct sim_link *link, const struct sim_nat_cfg *cfg, uint64_t seed);

/* A port forward, as a router makes for UPnP-IGD or NAT-PMP: from now on
 * anyone outside may send to the returned public endpoint *pub and reach
 * `inner` (its public port is the one inner's mappings already use, so a
 * cone NAT keeps a single mapping for it).  false if no port was free. */
bool sim_nat_forward(void *state, int64_t now, const struct zt_endpoint *inner,
                     struct zt_endpoint *pub);
/* Live mappings (sessions) right now, for tests of the model itself. */
unsigned sim_nat_sessions(void *state, int64_t now);
/* The box loses every mapping (reboot, conntrack flush); with
 * preserve_ports off, new mappings get new ports: a rebinding. */
void sim_nat_flush(void *state);
const char *sim_nat_kind_name(enum sim_nat_kind kind);

#endif
