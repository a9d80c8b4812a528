/* SPDX-License-Identifier: MIT */
/*
 * daemon.c - ztd's run time (see daemon.h): start-up from the home
 * directory, the host callbacks of the core, the event loop.
 *
 * Never calls the core from inside a core callback (zt.h forbids it):
 * what a callback cannot finish (leaving a network whose TAP failed) is
 * marked and done by zt_daemon_after_core_call().
 */
#include "service/daemon.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "osdep/clock.h"
#include "osdep/evloop.h"
#include "osdep/home.h"
#include "osdep/idfile.h"
#include "osdep/log.h"
#include "osdep/nodeudp.h"
#include "osdep/workers.h"
#include "service/api.h"
#include "service/api_json.h"
#include "osdep/httpd.h"

/* Frames read from one TAP, datagrams batches from one socket, per
 * wake-up: bounded so that one busy descriptor cannot starve the others. */
#define TAP_READS_PER_WAKE 64
/* Never sleep longer than this, whatever the core's deadline says. */
#define MAX_SLEEP_MS 1000
/* Interface addresses are looked at this often (DHCP, roaming). */
#define LOCALS_EVERY_MS 30000
/* How often the crypto worker policy looks at CPU use. */
#define CPU_SAMPLE_MS 1000

/*
 * The TAP of network nwid is "zt" followed by 8 lowercase RFC 4648 base32
 * characters (a-z, 2-7), most significant first, of the 40-bit fold
 * (nwid ^ (nwid >> 40)) & 0xffffffffff.  Deterministic, so that scripts
 * and firewall rules can name it before the join; 10 characters fit
 * IFNAMSIZ.  The fold keeps networks of one controller apart: they differ
 * only in the low 24 bits, which the fold maps one-to-one.
 * Example: ff00000000000001 -> "zt" + base32(0x0000ff0001) = "ztaaap6aab".
 */
void zt_daemon_tap_name(uint64_t nwid, char out[ZT_TAP_NAME_MAX])
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	uint64_t f = (nwid ^ (nwid >> 40)) & UINT64_C(0xffffffffff);

	out[0] = 'z';
	out[1] = 't';
	for (int i = 0; i < 8; i++)
		out[2 + i] = b32[(f >> (35 - 5 * i)) & 31];
	out[10] = '\0';
}

static struct zt_daemon_net *net_find(struct zt_daemon *d, uint64_t nwid)
{
	for (size_t i = 0; i < ZT_DAEMON_MAX_NETWORKS; i++)
		if (d->nets[i].used && d->nets[i].nwid == nwid)
			return &d->nets[i];
	return NULL;
}

static struct zt_daemon_net *net_alloc(struct zt_daemon *d, uint64_t nwid)
{
	for (size_t i = 0; i < ZT_DAEMON_MAX_NETWORKS; i++) {
		struct zt_daemon_net *net = &d->nets[i];

		if (!net->used) {
			memset(net, 0, sizeof *net);
			net->used = true;
			net->nwid = nwid;
			net->tap.fd = -1;
			net->d = d;
			zt_net_settings_default(&net->set);
			return net;
		}
	}
	return NULL;
}

static void net_close_tap(struct zt_daemon_net *net)
{
	if (net->tap.fd < 0)
		return;
	zt_gro_flush(&net->gro);
	zt_evloop_del(net->d->loop, net->tap.fd);
	zt_log_info("network %016" PRIx64 ": removed device %s", net->nwid, net->tap.name);
	zt_tap_close(&net->tap);
}

/* Make the TAP show the config in force (conf NULL: none). */
static void net_apply(struct zt_daemon_net *net, const struct zt_netconf *conf)
{
	struct zt_netapply want;

	if (net->tap.fd < 0)
		return;
	zt_netapply_want(conf, &net->set, &want);
	{
		/* The underlay endpoints that must not follow a default
		 * route into the overlay: the roots' and direct peers'. */
		struct zt_endpoint pin[ZT_MAX_ROOTS * ZT_MAX_ROOT_ENDPOINTS + ZT_DAEMON_MAX_DIRECT];
		size_t npin = 0;
		const struct zt_daemon *d = net->d;
		for (unsigned i = 0; d->have_roots && i < d->roots.count; i++)
			for (unsigned k = 0; k < d->roots.roots[i].endpoint_count; k++)
				pin[npin++] = d->roots.roots[i].endpoints[k];
		for (unsigned i = 0; i < d->direct_count; i++)
			pin[npin++] = d->direct_eps[i];
		zt_netapply_sync(net->nwid, net->tap.name, &net->applied, &want, pin, npin);
	}
	zt_netapply_dns(net->nwid, net->tap.name, &net->applied, conf, &net->set);
}

static void net_free(struct zt_daemon_net *net)
{
	net_close_tap(net);
	zt_gro_free(&net->gro);
	net->used = false;
}

const char *zt_daemon_dev(const struct zt_daemon *d, uint64_t nwid)
{
	for (size_t i = 0; i < ZT_DAEMON_MAX_NETWORKS; i++)
		if (d->nets[i].used && d->nets[i].nwid == nwid && d->nets[i].tap.fd >= 0)
			return d->nets[i].tap.name;
	return "";
}

/* ---- the core's results ---- */

/* Leave the networks a callback marked (their TAP failed). */
static void flush_pending(struct zt_daemon *d)
{
	int64_t now = zt_clock_now();

	if (!d->pending)
		return;
	d->pending = false;
	for (size_t i = 0; i < ZT_DAEMON_MAX_NETWORKS; i++) {
		struct zt_daemon_net *net = &d->nets[i];

		if (!net->used || !net->leave_pending)
			continue;
		zt_log_error("network %016" PRIx64 ": leaving it (no device; see above)",
		             net->nwid);
		(void)zt_node_leave(d->node, now, net->nwid);
		(void)zt_netfile_remove(d->cfg.home, net->nwid);
		net_free(net);
	}
}

void zt_daemon_after_core_call(struct zt_daemon *d)
{
	flush_pending(d);
	/* join, leave and set_roots return no deadline: let the core look at
	 * its timers on the next turn of the loop. */
	d->deadline = zt_clock_now();
}

static void core_result(struct zt_daemon *d, int r, int64_t deadline, const char *what)
{
	if (r < 0)
		zt_log_debug("core: %s: %s", what, zt_strerror(r));
	d->deadline = deadline;
	flush_pending(d);
	while (d->ntcp_closing > 0)
		zt_tcp_close(&d->tcp, d->tcp_closing[--d->ntcp_closing]);
}

/* ---- TAP ---- */

struct seg_ctx {
	struct zt_daemon *d;
	struct zt_daemon_net *net;
	int64_t now;
};

/* One frame (or one segment of a super-frame) into the core. */
static void frame_to_core(void *ctx, const uint8_t *frame, size_t len)
{
	struct seg_ctx *c = ctx;
	int64_t dl = c->d->deadline;
	int r = zt_node_process_frame(c->d->node, c->now, c->net->nwid, frame, len, &dl);

	core_result(c->d, r, dl, "process_frame");
}

static void on_tap(void *ctx, int fd, unsigned events)
{
	struct zt_daemon_net *net = ctx;
	struct zt_daemon *d = net->d;

	(void)fd;
	(void)events;
	/* The segments' encryption is deferred and done in batches (on the
	 * worker thread too, if there is one); see zt_node_frames_begin. */
	int64_t now = zt_clock_now();
	/* Woken again within a millisecond: traffic is flowing, read until
	 * the device is empty (batches).  Otherwise read one frame and go
	 * back to the poll, which comes straight back if there is more: a
	 * lone frame (a ping, a game's packet) does not wait for a read that
	 * can only say "empty". */
	int reads = now - net->tap_woke <= 1 ? TAP_READS_PER_WAKE : 1;

	net->tap_woke = now;
	zt_node_frames_begin(d->node);
	for (int i = 0; i < reads && net->used && net->tap.fd >= 0; i++) {
		ssize_t n = zt_tap_read(&net->tap, d->frame, ZT_VNET_HDR_LEN + ZT_GSO_MAX_FRAME);
		struct seg_ctx c = {d, net, i == 0 ? now : zt_clock_now()};
		struct zt_vnet_hdr vh;
		size_t off = net->tap.vnet ? ZT_VNET_HDR_LEN : 0, max_frame, len;
		unsigned type;

		if (n == 0)
			break;
		if (n < 0) {
			/* The device is gone (ip link del) or broken: reading
			 * again would fail forever, so stop watching it. */
			zt_log_error("network %016" PRIx64 ": reading %s: %s; the network has no "
			             "device now (leave and join it again to recreate it)",
			             net->nwid, net->tap.name, strerror((int)-n));
			net_close_tap(net);
			break;
		}
		if ((size_t)n <= off)
			continue;
		/* TCP is cut into segments that each fit one datagram on the
		 * path to its destination (no fragmentation; doc/PROTOCOL.md
		 * section 11): super-frames (TSO), and plain frames larger than
		 * the narrowest path takes (a lone full-size segment, or any
		 * frame from a TAP without offloads).  UDP ones (USO) are the
		 * application's datagrams: zt_gso_split never cuts those. */
		if (net->tap.vnet)
			zt_vnet_hdr_decode(&vh, d->frame);
		else
			memset(&vh, 0, sizeof vh);
		type = vh.gso_type & ~ZT_VNET_GSO_ECN;
		len = (size_t)n - off;
		max_frame = ZT_FRAME_UNFRAGMENTED;
		if (len >= 6 && type != ZT_VNET_GSO_UDP_L4 &&
		    (type != ZT_VNET_GSO_NONE || len > ZT_FRAME_MIN_UNFRAGMENTED))
			max_frame = zt_node_frame_max(d->node, c.now, net->nwid, d->frame + off);
		if (zt_gso_split(&vh, d->frame + off, len, max_frame, d->scratch, frame_to_core,
		                 &c) < 0)
			d->tap_gso_errors++;
	}
	{
		int64_t dl = d->deadline;
		int r = zt_node_frames_end(d->node, zt_clock_now(), &dl);

		core_result(d, r, dl, "frames_end");
	}
	zt_nodeudp_flush(&d->u);
}

/* A frame (plain or coalesced) from the receive side into the TAP. */
static void gro_out(void *ctx, const struct zt_vnet_hdr *vh, const uint8_t *frame, size_t len)
{
	struct zt_daemon_net *net = ctx;
	uint8_t hdr[ZT_VNET_HDR_LEN];
	int r;

	if (net->tap.fd < 0)
		return;
	zt_vnet_hdr_encode(hdr, vh);
	r = zt_tap_write_vnet(&net->tap, hdr, frame, len);
	if (r == 0) {
		struct zt_daemon *d = net->d;

		d->tap_writes++;
		if (vh->gso_type == ZT_VNET_GSO_UDP_L4) {
			d->tap_super_udp++;
			if (vh->gso_size > 0 && len > vh->hdr_len)
				d->tap_udp_joined +=
				    (len - vh->hdr_len + vh->gso_size - 1) / vh->gso_size;
		} else if (vh->gso_type != ZT_VNET_GSO_NONE) {
			d->tap_super_tcp++;
		}
	} else if (r == -EAGAIN) {
		net->d->tap_write_drops++;
	} else if (r < 0) {
		net->d->tap_write_errors++;
		zt_log_debug("network %016" PRIx64 ": write to %s: %s", net->nwid, net->tap.name,
		             strerror(-r));
	}
}

static void flush_taps(struct zt_daemon *d)
{
	for (size_t i = 0; i < ZT_DAEMON_MAX_NETWORKS; i++)
		if (d->nets[i].used)
			zt_gro_flush(&d->nets[i].gro);
}

/* Open the TAP of a network; on failure the message goes to err. */
static int net_open_tap(struct zt_daemon_net *net, const uint8_t mac[6], unsigned mtu, char *err,
                        size_t errcap)
{
	char name[ZT_TAP_NAME_MAX], macs[24];
	int r;

	zt_daemon_tap_name(net->nwid, name);
	if (mtu > ZT_DAEMON_MAX_MTU)
		mtu = ZT_DAEMON_MAX_MTU;
	zt_gro_free(&net->gro);
	zt_gro_init(&net->gro, gro_out, net);
	r = zt_tap_open_ex(&net->tap, name, mac, mtu, !net->d->off_tap, !net->d->off_uso);
	if (r < 0) {
		snprintf(err, errcap, "cannot create TAP device %s for network %016" PRIx64 ": %s",
		         name, net->nwid, zt_tap_strerror(r));
		return r;
	}
	/* A TAP that takes USO takes UDP super-frames: join datagrams too. */
	net->gro.udp = net->tap.uso;
	r = zt_evloop_add(net->d->loop, net->tap.fd, ZT_EV_READ, on_tap, net);
	if (r < 0) {
		snprintf(err, errcap, "cannot watch TAP device %s: %s", name, strerror(-r));
		zt_tap_close(&net->tap);
		return r;
	}
	snprintf(macs, sizeof macs, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
	         mac[4], mac[5]);
	zt_log_info("network %016" PRIx64 ": device %s mac %s mtu %u%s%s", net->nwid, name, macs,
	            mtu,
	            net->tap.offload
	                ? (net->tap.uso ? " (TSO/USO/checksum offload)" : " (TSO/checksum offload)")
	                : "",
	            net->tap.running ? "" : " (not RUNNING after 1 s; continuing)");
	return 0;
}

/* ---- host callbacks ---- */

static bool is_our_sock(const struct zt_daemon *d, int64_t sock)
{
	if (zt_tcp_is_tcp(sock) || zt_nodeudp_has(&d->u, sock))
		return true;
	for (unsigned i = 0; i < d->nextra; i++)
		if (d->extra[i] == sock)
			return true;
	return false;
}

static int host_wire_send(void *ctx, int64_t sock, const struct zt_endpoint *to, const void *pkt,
                          size_t len)
{
	struct zt_daemon *d = ctx;
	int r;

	if (!is_our_sock(d, sock))
		return -EBADF;
	if (zt_tcp_is_tcp(sock))
		r = zt_tcp_send(&d->tcp, sock, pkt, len);
	else if (zt_nodeudp_has(&d->u, sock))
		/* Queued: sent at the end of this turn of the loop, in one
		 * sendmmsg (and UDP_SEGMENT trains) with its neighbours. */
		r = zt_nodeudp_send(&d->u, sock, to, pkt, len);
	else
		r = zt_udp_send((int)sock, to, pkt, len); /* a probing socket */
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

static void on_probe(void *ctx, int fd, unsigned events);

static unsigned host_sockets_open(void *ctx, int family, unsigned count, int64_t *out)
{
	struct zt_daemon *d = ctx;
	unsigned got = 0;

	while (got < count && d->nextra < ZT_DAEMON_MAX_EXTRA) {
		int fd = zt_udp_open_ephemeral(family, d->cfg.bind_addr);
		if (fd < 0) {
			zt_log_debug("udp: extra socket: %s", strerror(-fd));
			break;
		}
		if (zt_evloop_add(d->loop, fd, ZT_EV_READ, on_probe, d) < 0) {
			close(fd);
			break;
		}
		d->extra[d->nextra++] = fd;
		out[got++] = fd;
	}
	zt_log_debug("udp: opened %u extra sockets for probing", got);
	return got;
}

static void host_socket_close(void *ctx, int64_t sock)
{
	struct zt_daemon *d = ctx;

	for (unsigned i = 0; i < d->nextra; i++) {
		if (d->extra[i] != sock)
			continue;
		zt_evloop_del(d->loop, d->extra[i]);
		close(d->extra[i]);
		d->extra[i] = d->extra[--d->nextra];
		return;
	}
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

static void tcp_datagram(void *ctx, int64_t sock, const struct zt_endpoint *from, const void *pkt,
                         size_t len)
{
	struct zt_daemon *d = ctx;
	int64_t dl = d->deadline;
	int r = zt_node_process_wire(d->node, zt_clock_now(), sock, from, pkt, len, &dl);

	core_result(d, r, dl, "process_wire (tcp)");
	flush_taps(d);
	zt_nodeudp_flush(&d->u);
}

static void tcp_closed(void *ctx, int64_t sock)
{
	struct zt_daemon *d = ctx;

	zt_log_info("tcp: connection to a root closed");
	zt_node_tcp_closed(d->node, zt_clock_now(), sock);
	d->deadline = zt_clock_now();
}

/* The core shares our LAN addresses with peers behind the same NAT. */
static void give_locals(struct zt_daemon *d, int64_t now)
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

static void host_frame_out(void *ctx, uint64_t nwid, const uint8_t *frame, size_t len)
{
	struct zt_daemon *d = ctx;
	struct zt_daemon_net *net = net_find(d, nwid);
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
	struct zt_daemon_net *net = net_find(d, info->nwid);
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
			net = net_alloc(d, info->nwid);
			if (!net) {
				zt_log_error("network %016" PRIx64 ": more than %d networks",
				             info->nwid, ZT_DAEMON_MAX_NETWORKS);
				return;
			}
		}
		if (net->tap.fd < 0) {
			if (net_open_tap(net, info->mac, mtu, err, sizeof err) < 0) {
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
		net_apply(net, info->conf);
		return;
	case ZT_NET_DOWN:
		if (net)
			net_close_tap(net);
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

/* ---- join / leave ---- */

/* An ad-hoc network's Ethernet settings to the core (managed networks get
 * theirs from the controller). */
static void apply_ethernet(struct zt_daemon *d, uint64_t nwid, const struct zt_net_settings *s)
{
	struct zt_ethernet e;
	int r;

	if (!zt_nwid_is_adhoc(nwid) || zt_node_get_ethernet(d->node, nwid, &e) != ZT_OK)
		return;
	e.active_bridge = s->bridge;
	e.enable_broadcast = s->broadcast;
	e.multicast_limit = s->multicast_limit;
	e.mac_age_s = s->mac_age_s;
	e.mss_clamp = s->mss_clamp;
	r = zt_node_set_ethernet(d->node, zt_clock_now(), nwid, &e);
	if (r != ZT_OK)
		zt_log_warn("network %016" PRIx64 ": Ethernet settings refused: %s", nwid,
		            zt_strerror(r));
}

int zt_daemon_join(struct zt_daemon *d, uint64_t nwid, bool persist, char *err, size_t errcap)
{
	struct zt_daemon_net *net = net_find(d, nwid);
	uint8_t mac[6];
	int r;

	if (net)
		return 0;
	net = net_alloc(d, nwid);
	if (!net) {
		snprintf(err, errcap, "cannot join network %016" PRIx64 ": already in %d networks",
		         nwid, ZT_DAEMON_MAX_NETWORKS);
		return -1;
	}
	zt_netfile_load(d->cfg.home, nwid, &net->set);
	/* The TAP first, with the MAC the core will give us: a failure here
	 * is reported to the caller and the core never hears of the network. */
	zt_mac_from_address(nwid, zt_node_address(d->node), mac);
	if (net_open_tap(net, mac, ZT_DAEMON_DEFAULT_MTU, err, errcap) < 0) {
		net_free(net);
		return -1;
	}
	r = zt_node_join(d->node, zt_clock_now(), nwid);
	if (r < 0 && r != ZT_EEXIST) {
		snprintf(err, errcap, "cannot join network %016" PRIx64 ": %s", nwid,
		         zt_strerror(r));
		net_free(net);
		zt_daemon_after_core_call(d);
		return -1;
	}
	if (net->leave_pending) {
		/* The core brought it up with settings the TAP refused. */
		snprintf(err, errcap,
		         "cannot join network %016" PRIx64 ": the device failed (see the ztd log)",
		         nwid);
		zt_daemon_after_core_call(d);
		return -1;
	}
	if (persist && zt_netfile_save(d->cfg.home, nwid, &net->set, err, errcap) < 0) {
		(void)zt_node_leave(d->node, zt_clock_now(), nwid);
		net_free(net);
		zt_daemon_after_core_call(d);
		return -1;
	}
	apply_ethernet(d, nwid, &net->set);
	zt_log_info("joined network %016" PRIx64, nwid);
	zt_daemon_after_core_call(d);
	return 0;
}

#define INVITE_ROOTS "roots.invite"

/* Roots from an invite, for a ztd started without any: the identities are
 * verified (address from key) and kept in HOMEDIR/roots.invite, one
 * "<address>:<key hex> <ip/port>" per line, used at start while there is
 * no signed roots file. */
static int adopt_roots(struct zt_daemon *d, const struct zt_roots *in, char *err, size_t errcap)
{
	struct zt_roots roots = *in;
	char path[ZT_HOME_PATH_MAX], text[ZT_MAX_ROOTS * 160];
	size_t used = 0;
	int r;

	for (unsigned i = 0; i < roots.count; i++) {
		char idt[ZT_IDENTITY_PUBLIC_TEXT], ep[64];
		struct zt_identity id;
		if (zt_identity_to_text(&roots.roots[i].id, false, idt, sizeof idt) != ZT_OK ||
		    zt_identity_from_text(&id, idt, strlen(idt)) != ZT_OK ||
		    zt_endpoint_to_text(&roots.roots[i].endpoints[0], ep, sizeof ep) != ZT_OK) {
			snprintf(err, errcap,
			         "the invite's root %u is not a valid identity: ask for a "
			         "new invite",
			         i);
			return -1;
		}
		used += (size_t)snprintf(text + used, sizeof text - used, "%s %s\n", idt, ep);
	}
	r = zt_node_set_roots(d->node, zt_clock_now(), &roots);
	if (r < 0) {
		snprintf(err, errcap, "the node refused the invite's roots: %s", zt_strerror(r));
		return -1;
	}
	d->have_roots = true;
	d->roots = roots;
	zt_log_info("using %u root%s from the invite (kept in %s/" INVITE_ROOTS ")", roots.count,
	            roots.count == 1 ? "" : "s", d->cfg.home);
	if (zt_home_path(path, sizeof path, d->cfg.home, INVITE_ROOTS) == 0 &&
	    (r = zt_home_write(path, text, used, 0644)) < 0)
		zt_log_warn("cannot write %s: %s (the invite's roots are lost at restart)", path,
		            strerror(-r));
	return 0;
}

/* The roots kept from an invite, if any. */
static bool load_invite_roots(const char *home, struct zt_roots *out)
{
	char path[ZT_HOME_PATH_MAX], buf[ZT_MAX_ROOTS * 160];
	size_t len;

	memset(out, 0, sizeof *out);
	if (zt_home_path(path, sizeof path, home, INVITE_ROOTS) < 0 ||
	    zt_home_read(path, buf, sizeof buf, &len) < 0)
		return false;
	for (char *line = strtok(buf, "\n"); line && out->count < ZT_MAX_ROOTS;
	     line = strtok(NULL, "\n")) {
		char *sp = strchr(line, ' ');
		struct zt_root_def *rd = &out->roots[out->count];
		if (!sp)
			continue;
		*sp = '\0';
		if (zt_identity_from_text(&rd->id, line, strlen(line)) != ZT_OK ||
		    zt_endpoint_parse(sp + 1, &rd->endpoints[0]) != ZT_OK) {
			zt_log_warn("ignoring a bad line in %s", path);
			continue;
		}
		rd->endpoint_count = 1;
		out->count++;
	}
	return out->count > 0;
}

const struct zt_net_settings *zt_daemon_settings(const struct zt_daemon *d, uint64_t nwid)
{
	for (size_t i = 0; i < ZT_DAEMON_MAX_NETWORKS; i++)
		if (d->nets[i].used && d->nets[i].nwid == nwid)
			return &d->nets[i].set;
	return NULL;
}

int zt_daemon_set(struct zt_daemon *d, uint64_t nwid, const struct zt_api_join_req *jr, char *err,
                  size_t errcap)
{
	struct zt_daemon_net *net = net_find(d, nwid);
	struct zt_network_info info;
	struct zt_net_settings old;

	if (!net) {
		snprintf(err, errcap, "not a member of network %016" PRIx64, nwid);
		return -1;
	}
	if ((jr->has_bridge || jr->has_broadcast || jr->has_mlimit || jr->has_mac_age ||
	     jr->has_mss) &&
	    !zt_nwid_is_adhoc(nwid)) {
		snprintf(err, errcap,
		         "network %016" PRIx64 " is managed: its controller sets bridge, broadcast "
		         "and multicast settings",
		         nwid);
		return -1;
	}
	if (jr->has_mss && jr->mss_clamp != 0 && jr->mss_clamp < 536) {
		snprintf(err, errcap, "mssClamp %u is too small: use 0 (off) or 536..65535",
		         jr->mss_clamp);
		return -1;
	}
	old = net->set;
	if (jr->has_bridge)
		net->set.bridge = jr->active_bridge;
	if (jr->has_broadcast)
		net->set.broadcast = jr->enable_broadcast;
	if (jr->has_mlimit)
		net->set.multicast_limit = jr->multicast_limit;
	if (jr->has_mac_age)
		net->set.mac_age_s = jr->mac_age_s;
	if (jr->has_mss)
		net->set.mss_clamp = jr->mss_clamp;
	if (jr->has_managed)
		net->set.allow_managed = jr->allow_managed;
	if (jr->has_global)
		net->set.allow_global = jr->allow_global;
	if (jr->has_default)
		net->set.allow_default = jr->allow_default;
	if (jr->has_dns)
		net->set.allow_dns = jr->allow_dns;
	if (memcmp(&old, &net->set, sizeof old) != 0) {
		if (zt_netfile_save(d->cfg.home, nwid, &net->set, err, errcap) < 0) {
			net->set = old;
			return -1;
		}
		zt_log_info("network %016" PRIx64
		            ": allowManaged=%d allowGlobal=%d allowDefault=%d "
		            "allowDNS=%d",
		            nwid, net->set.allow_managed, net->set.allow_global,
		            net->set.allow_default, net->set.allow_dns);
		if (zt_node_network(d->node, nwid, &info) == ZT_OK)
			net_apply(net, info.conf);
		apply_ethernet(d, nwid, &net->set);
		zt_daemon_after_core_call(d);
	}
	if (jr->roots.count > 0 && !d->have_roots && adopt_roots(d, &jr->roots, err, errcap) < 0)
		return -1;
	if (jr->token_len > 0) {
		int r = zt_node_join_token(d->node, zt_clock_now(), nwid, jr->token, jr->token_len);
		if (r < 0) {
			snprintf(err, errcap, "network %016" PRIx64 ": the invite was refused: %s",
			         nwid, zt_strerror(r));
			zt_daemon_after_core_call(d);
			return -1;
		}
		zt_daemon_after_core_call(d);
	}
	return 0;
}

int zt_daemon_leave(struct zt_daemon *d, uint64_t nwid, char *err, size_t errcap)
{
	struct zt_daemon_net *net = net_find(d, nwid);
	int r;

	if (!net) {
		snprintf(err, errcap, "not a member of network %016" PRIx64, nwid);
		return -ENOENT;
	}
	r = zt_node_leave(d->node, zt_clock_now(), nwid);
	if (r < 0 && r != ZT_ENOTFOUND)
		zt_log_warn("network %016" PRIx64 ": the core says %s on leave", nwid,
		            zt_strerror(r));
	net_free(net);
	r = zt_netfile_remove(d->cfg.home, nwid);
	if (r < 0)
		zt_log_warn("network %016" PRIx64 ": cannot remove its file: %s (it will be "
		            "rejoined at the next start)",
		            nwid, strerror(-r));
	zt_log_info("left network %016" PRIx64, nwid);
	zt_daemon_after_core_call(d);
	return 0;
}

/* ---- UDP ---- */

/* A batch from one of the main sockets into the core. */
static void on_batch(void *ctx, const struct zt_wire_pkt *pkts, size_t n)
{
	struct zt_daemon *d = ctx;
	int64_t dl = d->deadline;
	int r = zt_node_process_wire_batch(d->node, zt_clock_now(), pkts, n, &dl);

	core_result(d, r, dl, "process_wire_batch");
	flush_taps(d);
}

/* A probing socket (birthday): plain datagrams, no GRO. */
static void on_probe(void *ctx, int fd, unsigned events)
{
	struct zt_daemon *d = ctx;
	struct zt_udp_sock probe;

	(void)events;
	if (!is_our_sock(d, fd))
		return;
	memset(&probe, 0, sizeof probe);
	probe.fd = fd;
	probe.family = 4;
	zt_nodeudp_recv(&d->u, &probe);
}

/* ---- start, loop, stop ---- */

static int start_files(struct zt_daemon *d, struct zt_roots *roots, bool *have_roots, char *err,
                       size_t errcap)
{
	const char *home = d->cfg.home;
	bool created;
	int r;

	r = zt_state_lock_home(home, "ztd.pid", "ztd", &d->lock_fd, err, errcap);
	if (r < 0)
		return r;
	/* Roots first: a bad -r file is refused before anything is created. */
	r = zt_state_roots(home, d->cfg.roots_file, roots, have_roots, err, errcap);
	if (r < 0)
		return r;
	r = zt_idfile_load_home(home, &d->id, &created);
	if (r == -EINVAL) {
		snprintf(err, errcap,
		         "%s/" ZT_IDFILE_SECRET " is not a valid identity: restore it from a "
		         "backup, or move it away to make a new one (with a new address)",
		         home);
		return r;
	}
	if (r < 0) {
		snprintf(err, errcap, "cannot read or create %s/" ZT_IDFILE_SECRET ": %s", home,
		         strerror(-r));
		return r;
	}
	if (zt_identity_to_text(&d->id, false, d->public_text, sizeof d->public_text) != ZT_OK) {
		snprintf(err, errcap, "cannot format the identity of %s", home);
		return -EINVAL;
	}
	zt_log_info("%s identity %010" PRIx64, created ? "created" : "loaded", d->id.address);
	r = zt_state_token(home, d->token, sizeof d->token, err, errcap);
	if (r < 0)
		return r;
	return 0;
}

static int start_api(struct zt_daemon *d, char *err, size_t errcap)
{
	int r;

	d->api_port = d->cfg.api_port < 0 ? d->u.udp.port : (uint16_t)d->cfg.api_port;
	r = zt_httpd_new(&d->httpd, d->loop, d->api_port, zt_api_handle, d);
	if (r == -EADDRINUSE)
		snprintf(err, errcap,
		         "API port %u (TCP on 127.0.0.1) is already in use: choose another "
		         "with -P",
		         d->api_port);
	else if (r == -EADDRNOTAVAIL)
		snprintf(err, errcap,
		         "cannot listen on 127.0.0.1:%u: the loopback interface is down "
		         "(ip link set lo up)",
		         d->api_port);
	else if (r < 0)
		snprintf(err, errcap, "cannot listen on 127.0.0.1:%u: %s", d->api_port,
		         strerror(-r));
	if (r < 0)
		return r;
	return zt_state_write_port(d->cfg.home, d->api_port, err, errcap);
}

static int start_node(struct zt_daemon *d, const struct zt_roots *roots, bool have_roots, char *err,
                      size_t errcap)
{
	struct zt_host host;
	int64_t now = zt_clock_now();
	int r;

	zt_nodeudp_host(&host, d);
	host.wire_send = host_wire_send;
	host.frame_out = host_frame_out;
	host.net_update = host_net_update;
	host.event = host_event;
	host.sockets_open = host_sockets_open;
	host.socket_close = host_socket_close;
	host.tcp_open = host_tcp_open;
	host.tcp_close = host_tcp_close;
	if (d->workers)
		host.crypto_run = host_crypto_run;
	/* ZT_CIPHER=chacha: never AES-256-GCM (for tests and measurements). */
	r = zt_nodeudp_node_new(
	    &d->u, &d->node, &host, &d->id,
	    getenv("ZT_CIPHER") && strcmp(getenv("ZT_CIPHER"), "chacha") == 0 ? ZT_NODE_NO_AES : 0,
	    now, err, errcap);
	if (r < 0)
		return r;
	if (!have_roots && load_invite_roots(d->cfg.home, &d->invite_roots)) {
		roots = &d->invite_roots;
		have_roots = true;
		zt_log_info("using the roots from an invite (%s/" INVITE_ROOTS ")", d->cfg.home);
	}
	d->have_roots = have_roots;
	if (have_roots) {
		d->roots = *roots;
		r = zt_node_set_roots(d->node, now, roots);
		if (r < 0) {
			snprintf(err, errcap, "the node refused the roots: %s", zt_strerror(r));
			return r;
		}
		zt_log_info("%u root%s, signed at %" PRId64, roots->count,
		            roots->count == 1 ? "" : "s", roots->timestamp);
	} else {
		zt_log_warn("no roots: pass -r ROOTSFILE (made with zt-root mkroots); until "
		            "then no peer can be reached");
	}
	give_locals(d, now);
	d->deadline = now;
	return 0;
}

static void rejoin(struct zt_daemon *d)
{
	uint64_t ids[ZT_DAEMON_MAX_NETWORKS];
	char err[ZT_STATE_ERR_MAX];
	size_t n = zt_netfile_list(d->cfg.home, ids, ZT_DAEMON_MAX_NETWORKS);

	if (n > ZT_DAEMON_MAX_NETWORKS) {
		zt_log_warn("%zu networks in %s/networks.d: rejoining the first %d", n, d->cfg.home,
		            ZT_DAEMON_MAX_NETWORKS);
		n = ZT_DAEMON_MAX_NETWORKS;
	}
	for (size_t i = 0; i < n; i++) {
		/* A failure leaves the file in place: the cause (no tun
		 * module yet, say) may be gone at the next start. */
		if (zt_daemon_join(d, ids[i], false, err, sizeof err) < 0)
			zt_log_error("%s (still in networks.d: retried at the next start)", err);
	}
}

/* The port-mapping worker's news goes to the core (never from the worker
 * thread: the core is not thread-safe). */
static void poll_portmap(struct zt_daemon *d)
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

/* Once a second: use the crypto worker only while this thread is busy
 * and the machine has a core to spare (see zt_workers_worth_it).  While
 * the worker is off and this thread is far from busy (nearly always) that
 * costs one clock read; /proc/stat is read only when it could matter. */
static void sample_cpu(struct zt_daemon *d, int64_t now)
{
	double io, wk = 0, idle = 0, secs = (double)(now - d->cpu_at) / 1000.0;
	bool on, want, had = d->cpu_base;

	if (!d->workers_auto || now - d->cpu_at < CPU_SAMPLE_MS)
		return;
	io = zt_clock_thread_cpu();
	on = zt_workers_enabled(d->workers);
	d->cpu_base = false;
	if (d->cpu_at != 0 && (on || (io - d->cpu_io) / secs >= 0.7)) {
		if (zt_workers_cpu(d->workers, &wk) < 0 || zt_workers_machine_idle(&idle) < 0) {
			d->workers_auto = false; /* cannot tell: stay as we are */
			return;
		}
		if (had) {
			double dwk = (wk - d->cpu_worker) / secs;
			double demand = (io - d->cpu_io) / secs + dwk;
			double spare = (idle - d->cpu_idle) / secs + dwk;

			want = zt_workers_worth_it(on, demand, spare);
			if (want != on) {
				zt_workers_enable(d->workers, want);
				d->workers_on_count += want;
				zt_log_debug("crypto thread %s (busy %.2f, spare %.2f CPU)",
				             want ? "on" : "off", demand, spare);
			}
		}
		d->cpu_base = true;
	}
	d->cpu_at = now;
	d->cpu_io = io;
	d->cpu_worker = wk;
	d->cpu_idle = idle;
}

static void run_loop(struct zt_daemon *d)
{
	while (!zt_evloop_stopped(d->loop)) {
		int64_t now = zt_clock_now(), next, api_next;
		int64_t timeout;
		int r;

		if (now - d->locals_at >= LOCALS_EVERY_MS)
			give_locals(d, now);
		sample_cpu(d, now);
		poll_portmap(d);
		if (now >= d->deadline) {
			int64_t dl = now + MAX_SLEEP_MS;

			r = zt_node_process_background(d->node, now, &dl);
			core_result(d, r, dl, "process_background");
			/* A deadline in the past would spin the loop. */
			if (d->deadline <= now)
				d->deadline = now + 1;
		}
		api_next = zt_httpd_expire(d->httpd, now);
		next = d->deadline < api_next ? d->deadline : api_next;
		timeout = next - now;
		if (timeout < 0)
			timeout = 0;
		if (timeout > MAX_SLEEP_MS)
			timeout = MAX_SLEEP_MS;
		zt_nodeudp_flush(&d->u);
		r = zt_evloop_wait(d->loop, (int)timeout);
		if (r < 0) {
			zt_log_error("event loop: %s", strerror(-r));
			break;
		}
	}
}

/* ZT_OFFLOAD=off turns every offload off; "notap", "nogso", "nogro",
 * "nouso" (comma separated) single ones: for tests and for measuring. */
static void offload_config(struct zt_daemon *d)
{
	const char *e = getenv("ZT_OFFLOAD");
	bool off = e && strcmp(e, "off") == 0, gso, gro;

	zt_nodeudp_offload_env(&gso, &gro);
	d->off_gso = !gso;
	d->off_gro = !gro;
	d->off_tap = off || (e && strstr(e, "notap"));
	d->off_uso = off || (e && strstr(e, "nouso"));
}

static void stop(struct zt_daemon *d)
{
	if (d->u.txq) {
		uint64_t sent, dropped, gso;

		zt_udp_txq_stats(d->u.txq, &sent, &dropped, &gso);
		zt_log_info("udp: %" PRIu64 " datagrams sent (%" PRIu64 " in GSO trains), %" PRIu64
		            " dropped (socket buffer full); TAP: %" PRIu64
		            " frames written (%" PRIu64 " TCP and %" PRIu64
		            " UDP super-frames), %" PRIu64 " dropped on write, %" PRIu64
		            " unusable reads",
		            sent, gso, dropped, d->tap_writes, d->tap_super_tcp, d->tap_super_udp,
		            d->tap_write_drops, d->tap_gso_errors);
	}
	if (d->workers && d->u.txq) /* (not for a ztd that never started) */
		zt_log_info("crypto thread: %llu jobs (%s; turned on %u times)",
		            zt_workers_worker_jobs(d->workers),
		            d->workers_auto ? "used while it pays" : "always used",
		            d->workers_on_count);
	for (size_t i = 0; i < ZT_DAEMON_MAX_NETWORKS; i++)
		if (d->nets[i].used)
			net_free(&d->nets[i]);
	zt_httpd_free(d->httpd);
	/* Remove the router's mapping before we go (bounded wait). */
	zt_portmap_stop(d->portmap);
	zt_node_free(d->node); /* closes the extra sockets through the callback */
	zt_workers_free(d->workers);
	zt_tcp_free(&d->tcp);
	while (d->nextra > 0)
		host_socket_close(d, d->extra[d->nextra - 1]);
	zt_nodeudp_close(&d->u);
	free(d->frame);
	free(d->scratch);
	zt_evloop_free(d->loop);
	zt_identity_wipe(&d->id);
	sodium_memzero(d->token, sizeof d->token);
	if (d->lock_fd >= 0)
		close(d->lock_fd);
}

int zt_daemon_run(const struct zt_daemon_config *cfg)
{
	struct zt_daemon *d;
	struct zt_roots roots;
	bool have_roots = false;
	char err[ZT_STATE_ERR_MAX] = "";
	int r, sig;

	d = calloc(1, sizeof *d);
	if (!d) {
		fprintf(stderr, "ztd: out of memory\n");
		return 1;
	}
	d->cfg = *cfg;
	d->lock_fd = -1;
	offload_config(d);
	d->frame = malloc(ZT_VNET_HDR_LEN + ZT_GSO_MAX_FRAME);
	d->scratch = malloc(ZT_GSO_SCRATCH);
	if (!d->frame || !d->scratch) {
		fprintf(stderr, "ztd: out of memory\n");
		free(d->frame);
		free(d->scratch);
		free(d);
		return 1;
	}
	/* One crypto worker when there is a second CPU, used while it pays
	 * (ZT_THREADS=0: none; ZT_THREADS=always: used for every batch). */
	{
		const char *t = getenv("ZT_THREADS");
		unsigned threads = sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 1 : 0;

		if (t && strcmp(t, "0") == 0)
			threads = 0;
		if (threads > 0 && zt_workers_new(&d->workers, threads) < 0) {
			zt_log_warn("cannot start a crypto thread: running single-threaded");
			d->workers = NULL;
		}
		d->workers_auto = d->workers && !(t && strcmp(t, "always") == 0);
		if (d->workers_auto)
			zt_workers_enable(d->workers, false);
	}
	r = zt_evloop_new(&d->loop);
	if (r == 0)
		r = zt_evloop_catch_signals(d->loop);
	if (r < 0) {
		snprintf(err, sizeof err, "cannot create the event loop: %s", strerror(-r));
		goto out;
	}
	{
		struct zt_tcp_hooks th = {d, tcp_datagram, tcp_closed};
		zt_tcp_init(&d->tcp, d->loop, &th);
	}
	r = start_files(d, &roots, &have_roots, err, sizeof err);
	if (r < 0)
		goto out;
	r = zt_nodeudp_open(&d->u, d->loop, cfg->bind_addr, cfg->udp_port, !d->off_gso, !d->off_gro,
	                    on_batch, d, err, sizeof err);
	if (r < 0)
		goto out;
	r = start_api(d, err, sizeof err);
	if (r < 0)
		goto out;
	r = start_node(d, &roots, have_roots, err, sizeof err);
	if (r < 0)
		goto out;
	r = zt_portmap_start(&d->portmap, d->u.udp.port);
	if (r < 0)
		zt_log_warn("portmap: cannot start the worker: %s (no UPnP/NAT-PMP)", strerror(-r));
	zt_log_info("ztd " ZT_VERSION_STRING " address %010" PRIx64 ", UDP port %u%s, API "
	            "127.0.0.1:%u, home %s",
	            d->id.address, d->u.udp.port, d->u.udp.count > 1 ? " (IPv4+IPv6)" : "",
	            d->api_port, cfg->home);
	rejoin(d);
	run_loop(d);
	sig = zt_evloop_stopped(d->loop);
	zt_log_info("stopping (%s)", sig > 0 ? strsignal(sig) : "error");
	r = 0;
out:
	if (r < 0)
		fprintf(stderr, "ztd: %s\n", err);
	stop(d);
	free(d);
	return r < 0 ? 1 : 0;
}
