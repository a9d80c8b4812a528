/* SPDX-License-Identifier: MIT */
/*
 * udp.h - the underlay: one UDP socket per address family, batched
 * receive (recvmmsg), conversion to and from struct zt_endpoint.
 *
 * A socket's id towards the core (zt_node_add_socket, wire_send) is its
 * file descriptor.  Errors are negative errno values.
 */
#ifndef ZT_OSDEP_UDP_H
#define ZT_OSDEP_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "node/zt.h"

#define ZT_UDP_BATCH         32    /* datagrams per recvmmsg */
#define ZT_UDP_GRO_BATCH     16    /* 64 KiB GRO trains per recvmmsg */
#define ZT_UDP_GSO_MAX_SEGS  64    /* the kernel's UDP_MAX_SEGMENTS */
#define ZT_UDP_GSO_MAX_BYTES 65000 /* payload of one UDP_SEGMENT send */
#define ZT_UDP_TXQ_LEN       128   /* datagrams queued before a flush */
#define ZT_UDP_TXQ_DGRAM     1500  /* larger ones are sent alone */
#define ZT_UDP_MAX_DATAGRAM  9216  /* jumbo frame; longer ones are dropped */
#define ZT_UDP_SOCKBUF       (4 * 1024 * 1024)

struct zt_udp_sock {
	int fd;
	int family; /* 4 or 6 */
	bool gso;   /* UDP_SEGMENT works (cleared when a send refuses it) */
	bool gro;   /* UDP_GRO is on: reads may hold trains of datagrams */
};

struct zt_udp {
	struct zt_udp_sock socks[2];
	unsigned count;
	uint16_t port; /* the bound port (useful when 0 was asked for) */
	int v6_error;  /* why there is no IPv6 socket (-errno), 0 if there is one */
};

/*
 * Bind the sockets on `port` (0: any free port, the same for both
 * families).  bind_addr NULL (or "") binds the wildcard of both families,
 * IPv6 with IPV6_V6ONLY; an unavailable IPv6 stack is not an error, the
 * node then runs IPv4 only (u->v6_error says why).  A literal bind_addr
 * binds one socket of its family.  Sockets are non-blocking with large
 * buffers.  Returns 0, -EADDRINUSE, -EADDRNOTAVAIL, -EINVAL (bind_addr is
 * not an IP address) or another -errno; on error nothing stays open.
 */
int zt_udp_open(struct zt_udp *u, const char *bind_addr, uint16_t port);
void zt_udp_close(struct zt_udp *u);

/* Receive buffers for one batch, heap allocated (about 300 KiB). */
struct zt_udp_batch;
int zt_udp_batch_new(struct zt_udp_batch **out);
void zt_udp_batch_free(struct zt_udp_batch *b);

/*
 * Receive up to ZT_UDP_BATCH datagrams from fd without blocking.  Returns
 * how many (0: nothing waiting) or -errno; *pkts then points at that many
 * entries (sock = fd, borrowed from b until the next call).  Truncated
 * datagrams and unknown address families are skipped.
 */
int zt_udp_recv(const struct zt_udp_sock *s, struct zt_udp_batch *b,
                const struct zt_wire_pkt **pkts);
/* Did the last zt_udp_recv empty the socket's queue?  Then calling it again
 * right away would only return 0: a level-triggered poll says when more
 * arrives (one system call less per wake-up, on the latency path). */
bool zt_udp_batch_drained(const struct zt_udp_batch *b);

/* Turn UDP GSO (UDP_SEGMENT on send) and GRO (UDP_GRO on receive) on where
 * the kernel has them; false for either forces it off.  Without them every
 * datagram costs its own trip through the stack, nothing else changes. */
void zt_udp_offload(struct zt_udp *u, bool gso, bool gro);

/*
 * The send queue: datagrams are copied in by zt_udp_txq_add and go out at
 * zt_udp_txq_flush (or when the queue is full) with one sendmmsg per
 * socket; consecutive datagrams to one destination with equal sizes (the
 * last may be shorter) travel as one UDP_SEGMENT message when the socket
 * has GSO.  A GSO send the kernel refuses turns GSO off for that socket and
 * is sent again one by one.  Full socket buffers drop, as a link would.
 */
struct zt_udp_txq;
int zt_udp_txq_new(struct zt_udp_txq **out);
void zt_udp_txq_free(struct zt_udp_txq *q);
int zt_udp_txq_add(struct zt_udp_txq *q, struct zt_udp *u, int fd, const struct zt_endpoint *to,
                   const void *buf, size_t len);
void zt_udp_txq_flush(struct zt_udp_txq *q, struct zt_udp *u);
bool zt_udp_txq_empty(const struct zt_udp_txq *q);
void zt_udp_txq_stats(const struct zt_udp_txq *q, uint64_t *sent, uint64_t *dropped,
                      uint64_t *gso_msgs);

/* Send one datagram: 0, or -errno (-EAGAIN when the socket buffer is
 * full: the datagram is dropped, as the network might). */
int zt_udp_send(int fd, const struct zt_endpoint *to, const void *buf, size_t len);

/* One extra socket on an ephemeral port (birthday probing): non-blocking,
 * default buffers, bound to bind_addr (NULL: the wildcard).  Returns the
 * descriptor or -errno. */
int zt_udp_open_ephemeral(int family, const char *bind_addr);

/* Our interface addresses (up, not loopback, not IPv6 link-local), each
 * with `port`; IPv6 ones only if v6.  Returns how many were found (at most
 * cap are filled). */
size_t zt_udp_local_endpoints(uint16_t port, bool v6, struct zt_endpoint *out, size_t cap);

/* Conversions.  IPv4-mapped IPv6 addresses become family 4. */
int zt_udp_to_sockaddr(const struct zt_endpoint *ep, struct sockaddr_storage *ss, socklen_t *len);
int zt_udp_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct zt_endpoint *ep);

#endif
