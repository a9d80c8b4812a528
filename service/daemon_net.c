/* SPDX-License-Identifier: MIT */
/*
 * daemon_net.c - ztd's underlay (see daemon_int.h): the UDP sockets and the
 * probing ones, TCP connections to roots, our interface addresses, the
 * router's port mapping.
 */
#include "service/daemon_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "osdep/clock.h"
#include "osdep/evloop.h"
#include "osdep/log.h"

bool zt_daemon_net_is_ours(const struct zt_daemon *d, int64_t sock)
{
	if (zt_tcp_is_tcp(sock) || zt_nodeudp_has(&d->u, sock))
		return true;
	for (unsigned i = 0; i < d->nextra; i++)
		if (d->extra[i] == sock)
			return true;
	return false;
}

static void tcp_datagram(void *ctx, int64_t sock, const struct zt_endpoint *from, const void *pkt,
                         size_t len)
{
	struct zt_daemon *d = ctx;
	int64_t dl = d->deadline;
	int r = zt_node_process_wire(d->node, zt_clock_now(), sock, from, pkt, len, &dl);

	zt_daemon_core_result(d, r, dl, "process_wire (tcp)");
	zt_daemon_tap_flush_all(d);
	zt_nodeudp_flush(&d->u);
}

static void tcp_closed(void *ctx, int64_t sock)
{
	struct zt_daemon *d = ctx;

	zt_log_info("tcp: connection to a root closed");
	zt_node_tcp_closed(d->node, zt_clock_now(), sock);
	d->deadline = zt_clock_now();
}

void zt_daemon_net_tcp_init(struct zt_daemon *d)
{
	struct zt_tcp_hooks th = {d, tcp_datagram, tcp_closed};

	zt_tcp_init(&d->tcp, d->loop, &th);
}

/* The core shares our LAN addresses with peers behind the same NAT. */
void zt_daemon_net_locals(struct zt_daemon *d, int64_t now)
{
	struct zt_endpoint eps[ZT_MAX_LOCAL_ENDPOINTS];
	size_t n;

	d->locals_at = now;
	n = zt_udp_local_endpoints(d->u.udp.port, d->u.udp.count > 1, eps, ZT_MAX_LOCAL_ENDPOINTS);
	if (d->cfg.bind_addr)
		return; /* bound to one address: only that one is reachable */
	(void)zt_node_set_local_endpoints(d->node, eps,
	                                  n < ZT_MAX_LOCAL_ENDPOINTS ? n : ZT_MAX_LOCAL_ENDPOINTS);
}

/* A batch from one of the main sockets into the core. */
static void on_batch(void *ctx, const struct zt_wire_pkt *pkts, size_t n)
{
	struct zt_daemon *d = ctx;
	int64_t dl = d->deadline;
	int r = zt_node_process_wire_batch(d->node, zt_clock_now(), pkts, n, &dl);

	zt_daemon_core_result(d, r, dl, "process_wire_batch");
	zt_daemon_tap_flush_all(d);
}

/* A probing socket (birthday): plain datagrams, no GRO. */
static void on_probe(void *ctx, int fd, unsigned events)
{
	struct zt_daemon *d = ctx;
	struct zt_udp_sock probe;

	(void)events;
	if (!zt_daemon_net_is_ours(d, fd))
		return;
	memset(&probe, 0, sizeof probe);
	probe.fd = fd;
	probe.family = 4;
	zt_nodeudp_recv(&d->u, &probe);
}

int zt_daemon_net_start(struct zt_daemon *d, char *err, size_t errcap)
{
	return zt_nodeudp_open(&d->u, d->loop, d->cfg.bind_addr, d->cfg.udp_port, !d->off_gso,
	                       !d->off_gro, on_batch, d, err, errcap);
}

int zt_daemon_net_probe_open(struct zt_daemon *d, int family)
{
	int fd, r;

	if (d->nextra >= ZT_DAEMON_MAX_EXTRA)
		return -EMFILE;
	fd = zt_udp_open_ephemeral(family, d->cfg.bind_addr);
	if (fd < 0)
		return fd;
	r = zt_evloop_add(d->loop, fd, ZT_EV_READ, on_probe, d);
	if (r < 0) {
		close(fd);
		return r;
	}
	d->extra[d->nextra++] = fd;
	return fd;
}

void zt_daemon_net_probe_close(struct zt_daemon *d, int64_t sock)
{
	for (unsigned i = 0; i < d->nextra; i++) {
		if (d->extra[i] != sock)
			continue;
		zt_evloop_del(d->loop, d->extra[i]);
		close(d->extra[i]);
		d->extra[i] = d->extra[--d->nextra];
		return;
	}
}

/* The port-mapping worker's news goes to the core (never from the worker
 * thread: the core is not thread-safe). */
void zt_daemon_net_portmap(struct zt_daemon *d)
{
	struct zt_endpoint ep;
	const char *how = NULL;
	unsigned gen = d->portmap_gen;
	bool have = zt_portmap_get(d->portmap, &ep, &how, &gen);
	char text[64];

	if (gen == d->portmap_gen)
		return;
	d->portmap_gen = gen;
	d->portmap_have = have;
	if (have) {
		d->portmap_ep = ep;
		d->portmap_how = how;
		if (zt_endpoint_to_text(&ep, text, sizeof text) != ZT_OK)
			snprintf(text, sizeof text, "?");
		zt_log_info("portmap: %s mapping %s -> UDP port %u", how, text, d->u.udp.port);
	} else {
		zt_log_info("portmap: no mapping on the router any more");
	}
	(void)zt_node_set_mapped_endpoints(d->node, &ep, have ? 1 : 0);
	d->deadline = zt_clock_now();
}
