/* SPDX-License-Identifier: MIT */
/*
 * tcp.h - the TCP fallback underlay (doc/PROTOCOL.md "TCP relay"): when
 * UDP is blocked, a node reaches its roots over TCP (port 443 passes most
 * firewalls).  The stream carries the same datagrams, each prefixed with
 * its length (u16, big-endian).
 *
 * A set of connections, each watched by the event loop; the core knows a
 * connection by the socket id ZT_SOCK_TCP | fd.  Writes are buffered (up to
 * ZT_TCP_WBUF bytes; more is dropped, as a congested link would), reads are
 * reassembled into whole datagrams and handed to a callback.
 */
#ifndef ZT_OSDEP_TCP_H
#define ZT_OSDEP_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/zt.h"

#define ZT_TCP_MAX_CONNS 1024
#define ZT_TCP_PER_ADDR  16 /* connections one address may hold (listener) */
#define ZT_TCP_WBUF      (256 * 1024)
#define ZT_TCP_FRAME_MAX 9216

struct zt_evloop;

struct zt_tcp_conn {
	int fd;
	bool connecting; /* non-blocking connect still in progress */
	struct zt_endpoint peer;
	size_t rlen, wlen;
	uint8_t rbuf[2 + ZT_TCP_FRAME_MAX];
	uint8_t *wbuf; /* ZT_TCP_WBUF bytes */
};

/* What a set reports: a whole datagram arrived on a connection, or the
 * connection is gone (closed by the other end, reset, connect failed; the
 * set has already closed it). */
struct zt_tcp_hooks {
	void *ctx;
	void (*datagram)(void *ctx, int64_t sock, const struct zt_endpoint *from, const void *pkt,
	                 size_t len);
	void (*closed)(void *ctx, int64_t sock);
};

struct zt_tcp_set {
	struct zt_evloop *loop;
	struct zt_tcp_hooks hooks;
	int listen_fd; /* -1: none */
	struct zt_tcp_conn *conns[ZT_TCP_MAX_CONNS];
	unsigned count;
	uint64_t dropped; /* datagrams not sent: write buffer full */
};

void zt_tcp_init(struct zt_tcp_set *s, struct zt_evloop *loop, const struct zt_tcp_hooks *hooks);
/* Close everything. */
void zt_tcp_free(struct zt_tcp_set *s);
/* Accept connections on bind_addr (NULL: every address) : port.  0 or -errno. */
int zt_tcp_listen(struct zt_tcp_set *s, const char *bind_addr, uint16_t port);
/* Start connecting to `to`; returns the socket id (ZT_SOCK_TCP | fd) or -errno.
 * Datagrams sent before the connection is up wait in its buffer. */
int64_t zt_tcp_connect(struct zt_tcp_set *s, const struct zt_endpoint *to);
/* Queue one datagram on connection `sock`: 0, -EAGAIN (buffer full: dropped),
 * -EBADF (no such connection). */
int zt_tcp_send(struct zt_tcp_set *s, int64_t sock, const void *pkt, size_t len);
/* Close one connection (no `closed` callback). */
void zt_tcp_close(struct zt_tcp_set *s, int64_t sock);
bool zt_tcp_is_tcp(int64_t sock);

#endif
