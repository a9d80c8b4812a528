/* SPDX-License-Identifier: MIT */
/*
 * nodeudp.c - a node's UDP sockets and host set-up (see nodeudp.h).
 */
#include "osdep/nodeudp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osdep/evloop.h"
#include "osdep/log.h"
#include "osdep/random.h"
#include "osdep/version.h"

/* Batches read from one socket per wake-up. */
#define BATCHES_PER_WAKE 4

void zt_nodeudp_offload_env(bool *gso, bool *gro)
{
	const char *e = getenv("ZT_OFFLOAD");
	bool off = e && strcmp(e, "off") == 0;

	*gso = !(off || (e && strstr(e, "nogso")));
	*gro = !(off || (e && strstr(e, "nogro")));
}

static void on_readable(void *ctx, int fd, unsigned events)
{
	struct zt_nodeudp *u = ctx;

	(void)events;
	for (unsigned i = 0; i < u->udp.count; i++)
		if (u->udp.socks[i].fd == fd)
			zt_nodeudp_recv(u, &u->udp.socks[i]);
}

int zt_nodeudp_open(struct zt_nodeudp *u, struct zt_evloop *loop, const char *bind_addr,
                    uint16_t port, bool gso, bool gro, zt_nodeudp_batch_fn on_batch, void *ctx,
                    char *err, size_t errcap)
{
	const char *ba = bind_addr ? bind_addr : "";
	int r;

	memset(u, 0, sizeof *u);
	u->loop = loop;
	u->on_batch = on_batch;
	u->ctx = ctx;
	r = zt_udp_open(&u->udp, bind_addr, port);
	if (r == -EADDRINUSE)
		snprintf(err, errcap,
		         "UDP port %u is already in use (another ztd, zt-root or zt-controller?): "
		         "choose another with -p",
		         port);
	else if (r == -EINVAL)
		snprintf(err, errcap, "-b %s: not an IPv4 or IPv6 address", ba);
	else if (r == -EADDRNOTAVAIL)
		snprintf(err, errcap, "-b %s: no interface has that address", ba);
	else if (r < 0)
		snprintf(err, errcap, "cannot open UDP port %u%s%s: %s", port, *ba ? " on " : "",
		         ba, strerror(-r));
	if (r < 0)
		return r;
	if (!*ba && u->udp.v6_error)
		zt_log_info("IPv6 unavailable (%s): running on IPv4 only",
		            strerror(-u->udp.v6_error));
	zt_udp_offload(&u->udp, gso, gro);
	r = zt_udp_batch_new(&u->batch);
	if (r == 0)
		r = zt_udp_txq_new(&u->txq);
	if (r < 0) {
		snprintf(err, errcap, "out of memory");
		goto fail;
	}
	for (unsigned i = 0; i < u->udp.count; i++) {
		r = zt_evloop_add(loop, u->udp.socks[i].fd, ZT_EV_READ, on_readable, u);
		if (r < 0) {
			snprintf(err, errcap, "cannot watch the UDP socket: %s", strerror(-r));
			goto fail;
		}
	}
	return 0;
fail:
	zt_nodeudp_close(u);
	return r;
}

void zt_nodeudp_close(struct zt_nodeudp *u)
{
	if (u->loop)
		for (unsigned i = 0; i < u->udp.count; i++)
			zt_evloop_del(u->loop, u->udp.socks[i].fd);
	zt_udp_close(&u->udp);
	zt_udp_batch_free(u->batch);
	zt_udp_txq_free(u->txq);
	u->batch = NULL;
	u->txq = NULL;
	u->loop = NULL;
}

static void host_log(void *ctx, enum zt_log_level level, const char *msg)
{
	(void)ctx;
	zt_logf(level, "core: %s", msg);
}

void zt_nodeudp_host(struct zt_host *host, void *ctx)
{
	memset(host, 0, sizeof *host);
	host->version = ZT_HOST_VERSION;
	host->ctx = ctx;
	host->random = zt_random_fill;
	host->log = host_log;
	/* Peers learn our version (the local API shows it); a version that
	 * is not three numbers ("git") is not told rather than refused. */
	int major, minor, patch;
	zt_version_parts(&major, &minor, &patch);
	if (major >= 0 && minor >= 0 && patch >= 0 && major <= 65535 && minor <= 65535 &&
	    patch <= 65535)
		host->software_version = zt_version();
}

int zt_nodeudp_node_new(struct zt_nodeudp *u, struct zt_node **out, const struct zt_host *host,
                        const struct zt_identity *id, unsigned flags, int64_t now, char *err,
                        size_t errcap)
{
	struct zt_node *node = NULL;
	int r;

	*out = NULL;
	r = zt_node_new(&node, host, id, flags, now);
	if (r < 0) {
		snprintf(err, errcap, "cannot start the node: %s", zt_strerror(r));
		return -EINVAL;
	}
	for (unsigned i = 0; i < u->udp.count; i++) {
		r = zt_node_add_socket(node, u->udp.socks[i].fd, u->udp.socks[i].family);
		if (r < 0) {
			snprintf(err, errcap, "cannot add a socket to the node: %s",
			         zt_strerror(r));
			zt_node_free(node);
			return -EINVAL;
		}
	}
	*out = node;
	return 0;
}

bool zt_nodeudp_has(const struct zt_nodeudp *u, int64_t sock)
{
	for (unsigned i = 0; i < u->udp.count; i++)
		if (u->udp.socks[i].fd == sock)
			return true;
	return false;
}

int zt_nodeudp_send(struct zt_nodeudp *u, int64_t sock, const struct zt_endpoint *to,
                    const void *pkt, size_t len)
{
	int r;

	if (!zt_nodeudp_has(u, sock))
		return -EBADF;
	r = zt_udp_txq_add(u->txq, &u->udp, (int)sock, to, pkt, len);
	if (r == -EAGAIN) {
		u->send_drops++;
		return 0;
	}
	if (r == 0) {
		u->tx_packets++;
		u->tx_bytes += len;
	}
	return r;
}

void zt_nodeudp_flush(struct zt_nodeudp *u)
{
	if (u->txq)
		zt_udp_txq_flush(u->txq, &u->udp);
}

void zt_nodeudp_recv(struct zt_nodeudp *u, const struct zt_udp_sock *sock)
{
	for (int i = 0; i < BATCHES_PER_WAKE; i++) {
		const struct zt_wire_pkt *pkts;
		int n = zt_udp_recv(sock, u->batch, &pkts);

		if (n < 0)
			zt_log_debug("udp: receive: %s", strerror(-n));
		if (n <= 0)
			return;
		u->rx_packets += (uint64_t)n;
		for (int j = 0; j < n; j++)
			u->rx_bytes += pkts[j].len;
		u->on_batch(u->ctx, pkts, (size_t)n);
		zt_nodeudp_flush(u);
		if (zt_udp_batch_drained(u->batch))
			return;
	}
}
