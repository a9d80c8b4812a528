/* SPDX-License-Identifier: MIT */
/*
 * nodeudp.h - what ztd, zt-root and zt-controller each do around their
 * node: open the UDP sockets (with one-line messages for what a user can
 * fix), watch them in the event loop, hand each received batch to the
 * program, queue the core's datagrams and send them in batches, and fill
 * the struct zt_host fields that every program sets alike.
 *
 * Errors are negative errno values with a message in err (doc/HACKING.md).
 */
#ifndef ZT_OSDEP_NODEUDP_H
#define ZT_OSDEP_NODEUDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/zt.h"
#include "osdep/udp.h"

struct zt_evloop;

/* A batch of datagrams from one socket (borrowed for the call): the
 * program gives it to its core (zt_node_process_wire_batch) and keeps the
 * deadline.  The queued replies go out right after it returns. */
typedef void (*zt_nodeudp_batch_fn)(void *ctx, const struct zt_wire_pkt *pkts, size_t n);

struct zt_nodeudp {
	struct zt_udp udp;
	struct zt_udp_batch *batch;
	struct zt_udp_txq *txq; /* datagrams the core sent, flushed per turn */
	struct zt_evloop *loop;
	zt_nodeudp_batch_fn on_batch;
	void *ctx;
	/* Datagrams a full queue or socket buffer dropped, as a congested
	 * link would (the program adds its own, TCP's say). */
	uint64_t send_drops;
	/* Datagrams (and their bytes) received from and queued to u's
	 * sockets, for the metrics (osdep/metrics.h). */
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
};

/* Which offloads to ask for: ZT_OFFLOAD=off turns both off, "nogso" or
 * "nogro" (in a comma-separated list) one of them. */
void zt_nodeudp_offload_env(bool *gso, bool *gro);

/*
 * Bind the sockets on port (0: any) and bind_addr (NULL: every address),
 * turn on the offloads asked for, and watch the sockets in loop: each
 * received batch goes to on_batch(ctx, ...).  On error nothing stays open.
 */
int zt_nodeudp_open(struct zt_nodeudp *u, struct zt_evloop *loop, const char *bind_addr,
                    uint16_t port, bool gso, bool gro, zt_nodeudp_batch_fn on_batch, void *ctx,
                    char *err, size_t errcap);
/* Stop watching and close the sockets, free the buffers (u may be zeroed
 * or half opened). */
void zt_nodeudp_close(struct zt_nodeudp *u);

/* The fields of a struct zt_host every program fills alike: version, ctx,
 * random (libsodium) and log (to osdep/log.h as "core: ...").  The rest
 * is zeroed for the program to fill. */
void zt_nodeudp_host(struct zt_host *host, void *ctx);

/* zt_node_new, then every socket of u added to the node.  On error *out
 * is NULL. */
int zt_nodeudp_node_new(struct zt_nodeudp *u, struct zt_node **out, const struct zt_host *host,
                        const struct zt_identity *id, unsigned flags, int64_t now, char *err,
                        size_t errcap);

/* Is sock one of u's sockets? */
bool zt_nodeudp_has(const struct zt_nodeudp *u, int64_t sock);

/* The core's wire_send on one of u's sockets: queued until the next
 * flush (one sendmmsg per socket, UDP_SEGMENT trains where the socket has
 * GSO).  A drop (queue or socket buffer full) is counted and returns 0;
 * -EBADF if sock is not u's. */
int zt_nodeudp_send(struct zt_nodeudp *u, int64_t sock, const struct zt_endpoint *to,
                    const void *pkt, size_t len);
/* Send what is queued. */
void zt_nodeudp_flush(struct zt_nodeudp *u);

/* Read what waits on sock (up to a few batches: one busy socket must not
 * starve the others) into on_batch, flushing after each.  The watcher of
 * u's own sockets calls it; a program calls it for other sockets it reads
 * the same way. */
void zt_nodeudp_recv(struct zt_nodeudp *u, const struct zt_udp_sock *sock);

#endif
