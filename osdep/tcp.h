/* SPDX-License-Identifier: MIT */
/*
 * tcp.h - the TCP fallback underlay (doc/PROTOCOL.md "TCP relay"): when
 * UDP is blocked, a node reaches its roots over TCP (port 443 passes most
 * firewalls).  The stream carries the same datagrams, each prefixed with
 * its length (u16, big-endian).
 *
 * A set of connections, each watched by the event loop; the core knows a
 * connection by the socket id ZT_SOCK_TCP | fd.  Writes are buffered (up to
 * ZT_TCP_WBUF bytes, allocated on the first write; more is dropped, as a
 * congested link would), reads are reassembled into whole datagrams and
 * handed to a callback.
 *
 * A listener (a root) answers strangers, so what they can hold is bounded:
 * at most ZT_TCP_PER_ADDR connections per address (IPv6: per /64), a
 * connection that has carried no whole datagram after ZT_TCP_HELLO_MS or
 * none for ZT_TCP_IDLE_MS is closed (a node on TCP sends a REGISTER every
 * 20 s), and when all max_conns are taken a newcomer replaces the
 * connection silent longest if that one has been silent ZT_TCP_HELLO_MS.
 * Running out of descriptors pauses accepting (acceptor.h).  Every lookup
 * and close is O(1) (a table by descriptor).  The limits hold for accepted
 * connections only; the ones this end opened are the core's to close.
 */
#ifndef ZT_OSDEP_TCP_H
#define ZT_OSDEP_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/zt.h"
#include "osdep/acceptor.h"

#define ZT_TCP_MAX_CONNS 1024
#define ZT_TCP_PER_ADDR  16    /* connections one address may hold (listener) */
#define ZT_TCP_HELLO_MS  10000 /* accepted, and no whole datagram yet */
#define ZT_TCP_IDLE_MS   60000 /* accepted, and no datagram since */
#define ZT_TCP_WBUF      (256 * 1024)
#define ZT_TCP_FRAME_MAX 9216

struct zt_evloop;

struct zt_tcp_conn {
	int fd;
	unsigned idx;    /* in zt_tcp_set.conns */
	bool connecting; /* non-blocking connect still in progress */
	bool accepted;   /* from our listener: the limits above apply */
	bool heard;      /* a whole datagram arrived */
	int64_t active;  /* accepted at, or the last datagram */
	struct zt_endpoint peer;
	size_t rlen, wlen;
	uint8_t rbuf[2 + ZT_TCP_FRAME_MAX];
	uint8_t *wbuf; /* ZT_TCP_WBUF bytes, NULL until the first write */
};

/* What a set reports: a whole datagram arrived on a connection, or the
 * connection is gone (closed by the other end, reset, connect failed,
 * timed out, evicted; the set has already closed it). */
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
	struct zt_acceptor acc;
	struct zt_tcp_conn *conns[ZT_TCP_MAX_CONNS];
	unsigned count;
	unsigned max_conns;         /* ZT_TCP_MAX_CONNS unless lowered */
	struct zt_tcp_conn **by_fd; /* fd -> connection */
	size_t by_fd_cap;
	int64_t next_scan;                    /* when an accepted connection may time out */
	int64_t (*clock)(void);               /* zt_clock_now (tests replace it) */
	uint64_t dropped;                     /* datagrams not sent: write buffer full */
	uint64_t refused, timed_out, evicted; /* accepted connections ended by the limits */
	/* Datagrams (and their bytes, without framing) received and queued,
	 * for the metrics (osdep/metrics.h). */
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
};

void zt_tcp_init(struct zt_tcp_set *s, struct zt_evloop *loop, const struct zt_tcp_hooks *hooks);
/* Close everything. */
void zt_tcp_free(struct zt_tcp_set *s);
/* Accept connections on bind_addr (NULL: every address) : port.  0 or -errno. */
int zt_tcp_listen(struct zt_tcp_set *s, const char *bind_addr, uint16_t port);
/* Close accepted connections whose time is up (hooks.closed reports
 * each) and resume a paused listener.  Returns the next time (ms, on
 * s->clock) this must be called, INT64_MAX if never. */
int64_t zt_tcp_expire(struct zt_tcp_set *s, int64_t now);
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
