/* SPDX-License-Identifier: MIT */
/*
 * fabric.h - the simulated underlay: hosts, their UDP endpoints, links with
 * latency, jitter, loss and duplication, and NAT boxes.
 *
 * Address space is divided into realms.  Realm 0 is the public Internet;
 * every NAT box joins an outside realm (its public address lives there) to
 * a new inside realm.  A datagram is routed hop by hop:
 *
 *   - in its current realm, an endpoint owned by a host: deliver there;
 *   - in its current realm, the public address of a NAT box: travel to the
 *     box, which on arrival translates `to` (inbound) or drops, and the
 *     datagram continues in the box's inside realm;
 *   - otherwise, if the realm is a NAT's inside: the box translates `from`
 *     (outbound) and the datagram continues in the outside realm;
 *   - otherwise it is dropped (no route).
 *
 * Every element crossed (the sender's access link, each box, the receiver's
 * access link) adds its latency plus uniform jitter and may lose the packet.
 * Inbound translation runs when the datagram reaches the box, so a hole
 * punched by an outbound packet must be open by then, as on a real NAT.
 * Nothing is delivered synchronously: sim_fabric_send only schedules, so a
 * node's wire_send callback never re-enters a node.
 */
#ifndef ZT_SIM_FABRIC_H
#define ZT_SIM_FABRIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acct.h"
#include "rng.h"
#include "vclock.h"
#include "zt.h"

/* One element's link characteristics. */
struct sim_link {
	int latency_ms;    /* one way */
	int jitter_ms;     /* plus uniform 0..jitter_ms (reorders packets) */
	uint32_t loss_ppm; /* parts per million lost */
	uint32_t dup_ppm;  /* parts per million duplicated (sender side) */
};

/* A NAT model plugs in through these operations (see nat.h). */
struct sim_nat_ops {
	const char *name;
	/* A datagram from inside endpoint *from to outside `to` leaves
	 * through the box: rewrite *from to the public mapping.  Return false
	 * to drop it. */
	bool (*outbound)(void *state, int64_t now, struct zt_endpoint *from,
	                 const struct zt_endpoint *to);
	/* A datagram from outside `from` reached the box's public address
	 * *to: rewrite *to to the inside endpoint, or return false to drop. */
	bool (*inbound)(void *state, int64_t now, const struct zt_endpoint *from,
	                struct zt_endpoint *to);
	void (*free)(void *state);
};

/* What happened to a datagram (trace and counters). */
enum sim_fate {
	SIM_SENT = 0,
	SIM_DELIVERED,
	SIM_LOST,       /* link loss */
	SIM_NO_ROUTE,   /* nobody has that address */
	SIM_NAT_DROP,   /* a NAT refused it (filtering, no mapping, hairpin) */
	SIM_HOST_DOWN,  /* sender or receiver is down */
	SIM_FILTERED,   /* the scenario's filter dropped it */
	SIM_DUPLICATED, /* an extra copy was made */
	SIM_FATE_COUNT
};

/* The fabric's view of a datagram, for the observer and the filter. */
struct sim_dgram {
	int src_host;
	int dst_host;                /* -1 until known */
	struct zt_endpoint from, to; /* as currently rewritten */
	const uint8_t *data;
	size_t len;
};

struct sim_fabric_hooks {
	void *ctx;
	/* Hand a datagram to host's socket `sock` (called from an event). */
	void (*deliver)(void *ctx, int host, int64_t sock, const struct zt_endpoint *from,
	                const void *pkt, size_t len);
	/* Optional: see every datagram's fate. */
	void (*observe)(void *ctx, enum sim_fate fate, const struct sim_dgram *d);
	/* Optional: return false to drop a datagram about to be delivered. */
	bool (*filter)(void *ctx, const struct sim_dgram *d);
};

/* A host that is no simulated node (test/sim/hostile.c) receives its
 * datagrams here instead of through the hooks' deliver. */
typedef void (*sim_recv_fn)(void *ctx, int64_t sock, const struct zt_endpoint *from,
                            const void *pkt, size_t len);

struct sim_fhost {
	struct sim_link link;
	bool down;
	sim_recv_fn recv;
	void *recv_ctx;
};

struct sim_iface {
	int host;
	int64_t sock;
	unsigned realm;
	struct zt_endpoint ep;
};

struct sim_natbox {
	unsigned outside, inside; /* realms */
	struct zt_endpoint pub;   /* public address (port ignored) */
	struct sim_link link;
	bool hairpin;
	const struct sim_nat_ops *ops;
	void *state;
};

struct sim_fabric {
	struct sim_clock *clock;
	struct sim_rng rng;
	struct sim_fabric_hooks hooks;
	struct sim_fhost *hosts;
	size_t nhosts, caphosts;
	struct sim_iface *ifaces;
	size_t nifaces, capifaces;
	struct sim_natbox *nats; /* nats[k] owns realm k + 1 */
	size_t nnats, capnats;
	uint64_t count[SIM_FATE_COUNT];
	size_t in_flight;     /* datagrams scheduled, not yet delivered or dropped */
	struct sim_acct acct; /* bytes and packets per flow (acct.h) */
};

void sim_fabric_init(struct sim_fabric *f, struct sim_clock *clock, uint64_t seed,
                     const struct sim_fabric_hooks *hooks);
void sim_fabric_destroy(struct sim_fabric *f);

/* Add a host with access link `link`; returns its index or -1. */
int sim_fabric_add_host(struct sim_fabric *f, const struct sim_link *link);
/* Give host a UDP socket bound to `ep` in `realm`.  0, or -1 if the
 * address is taken in that realm or memory ran out. */
int sim_fabric_add_iface(struct sim_fabric *f, int host, int64_t sock, unsigned realm,
                         const struct zt_endpoint *ep);
/* Move an existing socket to a new address (roaming); 0 or -1. */
int sim_fabric_move_iface(struct sim_fabric *f, int host, int64_t sock, unsigned realm,
                          const struct zt_endpoint *ep);
/* Remove a socket (closed by its host); 0 or -1. */
int sim_fabric_del_iface(struct sim_fabric *f, int host, int64_t sock);
const struct sim_iface *sim_fabric_iface(const struct sim_fabric *f, int host, int64_t sock);
void sim_fabric_set_down(struct sim_fabric *f, int host, bool down);
void sim_fabric_set_link(struct sim_fabric *f, int host, const struct sim_link *link);
/* Deliver host's datagrams to recv(ctx, ...) rather than the hooks. */
void sim_fabric_set_receiver(struct sim_fabric *f, int host, sim_recv_fn recv, void *ctx);

/* Put a NAT box with public address `pub` into realm `outside`; returns
 * the new inside realm (> 0), or 0 on failure.  The box owns `state` and
 * frees it with ops->free. */
unsigned sim_fabric_add_nat(struct sim_fabric *f, unsigned outside, const struct zt_endpoint *pub,
                            const struct sim_link *link, bool hairpin,
                            const struct sim_nat_ops *ops, void *state);

/* Send a datagram from host's socket.  Returns 0 (even if the network
 * then drops it), or -1 if the host has no such socket or memory ran out. */
int sim_fabric_send(struct sim_fabric *f, int host, int64_t sock, const struct zt_endpoint *to,
                    const void *pkt, size_t len);
/* The same with a source address of the sender's choosing (spoofing): it
 * leaves through the socket's realm and links, but says it comes from
 * `from`; the books mark it spoofed unless `from` is the socket's own. */
int sim_fabric_send_as(struct sim_fabric *f, int host, int64_t sock, const struct zt_endpoint *from,
                       const struct zt_endpoint *to, const void *pkt, size_t len);

/* An IPv4 endpoint a.b.c.d:port. */
struct zt_endpoint sim_ep4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port);
const char *sim_fate_name(enum sim_fate fate);

#endif
