/* SPDX-License-Identifier: MIT */
/*
 * daemon_tap.c - the TAP device of each joined network (see daemon_int.h):
 * frames read from it go to the core in segments that fit the path,
 * frames from the core are joined (GRO) and written to it.
 */
#include "service/daemon_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "osdep/clock.h"
#include "osdep/evloop.h"
#include "osdep/log.h"
#include "osdep/netlink.h"

/* Frames read from one TAP, datagrams batches from one socket, per
 * wake-up: bounded so that one busy descriptor cannot starve the others. */
#define TAP_READS_PER_WAKE 64

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

struct zt_daemon_net *zt_daemon_tap_find(struct zt_daemon *d, uint64_t nwid)
{
	for (size_t i = 0; i < ZT_DAEMON_MAX_NETWORKS; i++)
		if (d->nets[i].used && d->nets[i].nwid == nwid)
			return &d->nets[i];
	return NULL;
}

struct zt_daemon_net *zt_daemon_tap_alloc(struct zt_daemon *d, uint64_t nwid)
{
	for (size_t i = 0; i < ZT_DAEMON_MAX_NETWORKS; i++) {
		struct zt_daemon_net *net = &d->nets[i];

		if (!net->used) {
			memset(net, 0, sizeof *net);
			net->used = true;
			net->nwid = nwid;
			net->tap.fd = -1;
			net->dns_fd = -1;
			net->d = d;
			zt_net_settings_default(&net->set);
			return net;
		}
	}
	return NULL;
}

/* The device the addresses and routes are on: the TAP, or its bridge. */
static const char *applied_dev(const struct zt_daemon_net *net)
{
	return net->applied_dev[0] != '\0' ? net->applied_dev : net->tap.name;
}

/* Take back what ztd put on the device and elsewhere for it (the
 * exit-node pins on the underlay), and start from nothing: a device made
 * again later gets everything anew.  On a bridge only what ztd added
 * goes: the host's own address there (and the kernel's route for it)
 * stays, so the LAN keeps it while ztd restarts. */
static void tap_withdraw(struct zt_daemon_net *net)
{
	struct zt_netapply none;

	memset(&none, 0, sizeof none);
	zt_netapply_sync(net->nwid, applied_dev(net), &net->applied, &none, NULL, 0);
	memset(&net->applied, 0, sizeof net->applied);
	net->applied_dev[0] = '\0';
}

void zt_daemon_tap_close(struct zt_daemon_net *net)
{
	zt_daemon_dns_close(net);
	if (net->tap.fd < 0)
		return;
	tap_withdraw(net);
	zt_gro_flush(&net->gro);
	zt_evloop_del(net->d->loop, net->tap.fd);
	zt_log_info("network %016" PRIx64 ": removed device %s", net->nwid, net->tap.name);
	zt_tap_close(&net->tap);
}

void zt_daemon_tap_bridge(struct zt_daemon_net *net)
{
	const char *br = net->set.bridge_dev;
	int r;

	if (net->tap.fd < 0 || br[0] == '\0')
		return;
	r = zt_nl_is_bridge(br);
	if (r == 0)
		r = zt_nl_set_master(net->tap.name, br);
	/* The bridge wears the member's MAC: the host's own frames then come
	 * from the member, and its MAC stays the same whichever ports come and
	 * go (a bridge takes the lowest port MAC unless one is set). */
	if (r == 0 && (r = zt_nl_set_mac(br, net->tap.mac)) < 0) {
		zt_log_warn("network %016" PRIx64 ": cannot give bridge %s the member's MAC: %s",
		            net->nwid, br, strerror(-r));
		r = 0;
	}
	if (r == -ENODEV || r == -ENOTDIR)
		zt_log_error("network %016" PRIx64 ": cannot put %s into bridge %s: %s (create it "
		             "with: ip link add %s type bridge; or: zt-cli set %016" PRIx64
		             " bridge=)",
		             net->nwid, net->tap.name, br,
		             r == -ENODEV ? "no such device" : "not a bridge", br, net->nwid);
	else if (r < 0)
		zt_log_error("network %016" PRIx64 ": cannot put %s into bridge %s: %s", net->nwid,
		             net->tap.name, br, strerror(-r));
	else
		zt_log_info("network %016" PRIx64 ": device %s is in bridge %s", net->nwid,
		            net->tap.name, br);
}

void zt_daemon_tap_check_all(struct zt_daemon *d)
{
	for (size_t i = 0; i < ZT_DAEMON_MAX_NETWORKS; i++) {
		struct zt_daemon_net *net = &d->nets[i];
		if (net->used && net->tap.fd >= 0 &&
		    net->applied.addr_count + net->applied.route_count > 0)
			(void)zt_netapply_check(net->nwid, applied_dev(net), &net->applied, NULL);
	}
}

/* Make the TAP show the config in force (conf NULL: none). */
void zt_daemon_tap_apply(struct zt_daemon_net *net, const struct zt_netconf *conf)
{
	struct zt_netapply want;
	/* Bridged, the addresses and routes go onto the bridge: the host's
	 * address on that segment is there, and a port of a bridge (the
	 * TAP) takes no IP traffic of its own. */
	const char *dev = net->set.bridge_dev[0] != '\0' ? net->set.bridge_dev : net->tap.name;

	if (net->tap.fd < 0)
		return;
	if (net->applied_dev[0] != '\0' && strcmp(net->applied_dev, dev) != 0) {
		/* The bridge setting changed: take ours off the old device. */
		struct zt_netapply none;
		memset(&none, 0, sizeof none);
		zt_netapply_sync(net->nwid, net->applied_dev, &net->applied, &none, NULL, 0);
	}
	snprintf(net->applied_dev, sizeof net->applied_dev, "%s", dev);
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
		zt_netapply_sync(net->nwid, dev, &net->applied, &want, pin, npin);
	}
	zt_daemon_dns_apply(net, conf);
	/* The link resolved sends the domain's queries on: where our address
	 * is (the bridge, when bridged). */
	zt_netapply_dns(net->nwid, dev, &net->applied, conf, &net->set, zt_daemon_dns_addr(net));
}

void zt_daemon_tap_free(struct zt_daemon_net *net)
{
	zt_daemon_tap_close(net);
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

	zt_daemon_core_result(c->d, r, dl, "process_frame");
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
			zt_daemon_tap_close(net);
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

		zt_daemon_core_result(d, r, dl, "frames_end");
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

void zt_daemon_tap_flush_all(struct zt_daemon *d)
{
	for (size_t i = 0; i < ZT_DAEMON_MAX_NETWORKS; i++)
		if (d->nets[i].used)
			zt_gro_flush(&d->nets[i].gro);
}

/* Open the TAP of a network; on failure the message goes to err. */
int zt_daemon_tap_open(struct zt_daemon_net *net, const uint8_t mac[6], unsigned mtu, char *err,
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
	zt_netapply_prepare(net->nwid, name);
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
	zt_daemon_tap_bridge(net);
	return 0;
}
