/* SPDX-License-Identifier: MIT */
/*
 * portmap.h - port mappings on the home router: UPnP-IGD (miniupnpc) and
 * NAT-PMP (libnatpmp), in a worker thread so that the event loop never
 * waits on a router.
 *
 * The worker asks for a UDP mapping of our port (UPnP first; NAT-PMP if
 * UPnP finds no gateway or fails), renews it at half its lease, retries
 * every ZT_PORTMAP_RETRY_S after a failure, and removes it when stopped.
 * The main loop polls zt_portmap_get() and gives the mapped endpoint to the
 * core, which offers it to peers as a path.
 *
 * ZT_PORTMAP (environment): "off", "upnp" or "natpmp" (only that one);
 * unset: both, UPnP first.
 */
#ifndef ZT_OSDEP_PORTMAP_H
#define ZT_OSDEP_PORTMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "node/zt.h"

#define ZT_PORTMAP_LEASE_S 3600
#define ZT_PORTMAP_RETRY_S 60

struct zt_portmap;

/* Start the worker for local UDP port `port`.  0 or -errno. */
int zt_portmap_start(struct zt_portmap **out, uint16_t port);
/* Stop the worker and remove the mapping (bounded: 0.4 s at most when the
 * router does not answer).  NULL is fine. */
void zt_portmap_stop(struct zt_portmap *pm);

/* The current mapping: true, with the endpoint and how ("UPnP" or "NAT-PMP"), if there is
 * one.  *gen changes whenever the answer changes. */
bool zt_portmap_get(struct zt_portmap *pm, struct zt_endpoint *ep, const char **how, unsigned *gen);

#endif
