/* SPDX-License-Identifier: MIT */
/*
 * daemon_host.c - the core's host callbacks in ztd (see daemon_int.h).  They
 * run inside a zt_node_* call: none calls the core back; what must wait
 * for the call to return is marked (leave_pending, tcp_closing).
 */
#include "service/daemon_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "osdep/clock.h"
#include "osdep/log.h"
#include "osdep/workers.h"

static int host_wire_send(void *ctx, int64_t sock, const struct zt_endpoint *to, const void *pkt,
                          size_t len)
{
	struct zt_daemon *d = ctx;
	int r;

	/* One lookup per datagram (this runs for every packet): the main
	 * sockets first, the probing ones only when it is none of those. */
	if (zt_tcp_is_tcp(sock))
		r = zt_tcp_send(&d->tcp, sock, pkt, len);
	else if (zt_nodeudp_has(&d->u, sock))
		/* Queued: sent at the end of this turn of the loop, in one
		 * sendmmsg (and UDP_SEGMENT trains) with its neighbours. */
		r = zt_nodeudp_send(&d->u, sock, to, pkt, len);
	else if (zt_daemon_net_is_ours(d, sock))
		r = zt_udp_send((int)sock, to, pkt, len); /* a probing socket */
	else
		return -EBADF;
	if (r == -EAGAIN) {
		/* A full queue or socket buffer drops the datagram, as a
		 * congested link would; not the core's problem. */
		d->u.send_drops++;
		return 0;
	}
	if (r < 0) {
		char ep[64];

		if (zt_endpoint_to_text(to, ep, sizeof ep) != ZT_OK)
			snprintf(ep, sizeof ep, "?");
		zt_log_debug("udp: send to %s: %s", ep, strerror(-r));
	}
	return r;
}

static unsigned host_sockets_open(void *ctx, int family, unsigned count, int64_t *out)
{
	struct zt_daemon *d = ctx;
	unsigned got = 0;

	while (got < count && d->nextra < ZT_DAEMON_MAX_EXTRA) {
		int fd = zt_daemon_net_probe_open(d, family);

		if (fd < 0) {
			zt_log_debug("udp: extra socket: %s", strerror(-fd));
			break;
		}
		out[got++] = fd;
	}
	zt_log_debug("udp: opened %u extra sockets for probing", got);
	return got;
}

static void host_socket_close(void *ctx, int64_t sock)
{
	zt_daemon_net_probe_close(ctx, sock);
}

static int64_t host_tcp_open(void *ctx, const struct zt_endpoint *to)
{
	struct zt_daemon *d = ctx;
	char ep[64];
	int64_t r = zt_tcp_connect(&d->tcp, to);

	if (zt_endpoint_to_text(to, ep, sizeof ep) != ZT_OK)
		snprintf(ep, sizeof ep, "?");
	if (r < 0)
		zt_log_warn("tcp: cannot connect to %s: %s", ep, strerror((int)-r));
	else
		zt_log_info("tcp: connecting to root at %s (no UDP answer)", ep);
	return r;
}

/* The core's AEAD jobs: half on the worker thread, half here. */
static void host_crypto_run(void *ctx, struct zt_crypto_job *jobs, size_t count)
{
	struct zt_daemon *d = ctx;

	zt_workers_run(d->workers, jobs, count);
}

static void host_tcp_close(void *ctx, int64_t sock)
{
	struct zt_daemon *d = ctx;

	/* Not now: the connection may be the one being read. */
	if (d->ntcp_closing < ZT_MAX_ROOTS)
		d->tcp_closing[d->ntcp_closing++] = sock;
	else
		zt_tcp_close(&d->tcp, sock);
}

static void host_frame_out(void *ctx, uint64_t nwid, const uint8_t *frame, size_t len)
{
	struct zt_daemon *d = ctx;
	struct zt_daemon_net *net = zt_daemon_tap_find(d, nwid);
	int r;

	if (!net || net->tap.fd < 0)
		return;
	if (net->tap.offload) {
		zt_gro_add(&net->gro, frame, len); /* written at the end of the batch */
		return;
	}
	r = zt_tap_write(&net->tap, frame, len);
	if (r == 0) {
		d->tap_writes++;
	} else if (r == -EAGAIN) {
		d->tap_write_drops++;
	} else if (r < 0) {
		d->tap_write_errors++;
		zt_log_debug("network %016" PRIx64 ": write to %s: %s", nwid, net->tap.name,
		             strerror(-r));
	}
}

static void host_net_update(void *ctx, enum zt_net_op op, const struct zt_network_info *info)
{
	struct zt_daemon *d = ctx;
	struct zt_daemon_net *net = zt_daemon_tap_find(d, info->nwid);
	char err[ZT_STATE_ERR_MAX];
	unsigned mtu = info->mtu;
	int r;

	if (mtu > ZT_DAEMON_MAX_MTU)
		mtu = ZT_DAEMON_MAX_MTU;
	switch (op) {
	case ZT_NET_UP:
	case ZT_NET_UPDATE:
		if (!net) {
			/* Normally the TAP exists since zt_daemon_join; this is
			 * a network the core brought up on its own. */
			net = zt_daemon_tap_alloc(d, info->nwid);
			if (!net) {
				zt_log_error("network %016" PRIx64 ": more than %d networks",
				             info->nwid, ZT_DAEMON_MAX_NETWORKS);
				return;
			}
		}
		if (net->tap.fd < 0) {
			if (zt_daemon_tap_open(net, info->mac, mtu, err, sizeof err) < 0) {
				zt_log_error("%s", err);
				net->leave_pending = true;
				d->pending = true;
			}
			return;
		}
		if (memcmp(net->tap.mac, info->mac, 6) != 0) {
			r = zt_tap_set_mac(&net->tap, info->mac);
			if (r < 0)
				zt_log_warn("network %016" PRIx64 ": cannot set the MAC of %s: %s",
				            info->nwid, net->tap.name, strerror(-r));
		}
		if (mtu && net->tap.mtu != mtu) {
			r = zt_tap_set_mtu(&net->tap, mtu);
			if (r < 0)
				zt_log_warn("network %016" PRIx64 ": cannot set MTU %u on %s: %s",
				            info->nwid, mtu, net->tap.name, strerror(-r));
			else
				zt_log_info("network %016" PRIx64 ": mtu %u", info->nwid, mtu);
		}
		zt_daemon_tap_apply(net, info->conf);
		return;
	case ZT_NET_DOWN:
		if (net)
			zt_daemon_tap_close(net);
		return;
	}
}

/* The core logs these events itself; here they only go to the debug log,
 * a place for the daemon's own reactions later (hooks, metrics). */
static void host_event(void *ctx, enum zt_event ev, const void *info)
{
	const struct zt_peer_info *p = info;
	struct zt_daemon *d = ctx;

	switch (ev) {
	case ZT_EVENT_ONLINE:
	case ZT_EVENT_OFFLINE:
		zt_log_debug("event: %s", ev == ZT_EVENT_ONLINE ? "online" : "offline");
		return;
	case ZT_EVENT_PATH_DIRECT:
	case ZT_EVENT_PATH_RELAY:
		if (p)
			zt_log_debug("event: peer %010" PRIx64 " %s", p->address,
			             ev == ZT_EVENT_PATH_DIRECT ? "direct" : "relayed");
		if (p && ev == ZT_EVENT_PATH_DIRECT) {
			/* Remembered for the exit-node bypass routes (netapply). */
			unsigned i;
			for (i = 0; i < d->direct_count; i++)
				if (zt_endpoint_eq(&d->direct_eps[i], &p->endpoint))
					break;
			if (i == d->direct_count) {
				d->direct_eps[d->direct_next++ % ZT_DAEMON_MAX_DIRECT] =
				    p->endpoint;
				if (d->direct_count < ZT_DAEMON_MAX_DIRECT)
					d->direct_count++;
			}
		}
		return;
	}
}

void zt_daemon_host_init(struct zt_daemon *d, struct zt_host *host)
{
	zt_nodeudp_host(host, d);
	host->wire_send = host_wire_send;
	host->frame_out = host_frame_out;
	host->net_update = host_net_update;
	host->event = host_event;
	host->sockets_open = host_sockets_open;
	host->socket_close = host_socket_close;
	host->tcp_open = host_tcp_open;
	host->tcp_close = host_tcp_close;
	if (d->workers)
		host->crypto_run = host_crypto_run;
}
