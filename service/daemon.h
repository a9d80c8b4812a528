/* SPDX-License-Identifier: MIT */
/*
 * daemon.h - ztd at run time: the core, its UDP sockets, one TAP per
 * joined network, the local API, all in one event loop.  Single-threaded:
 * every zt_node_* call comes from the loop, so none can overlap.
 */
#ifndef ZT_SERVICE_DAEMON_H
#define ZT_SERVICE_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/zt.h"
#include "osdep/tap.h"
#include "osdep/portmap.h"
#include "osdep/tcp.h"
#include "osdep/nodeudp.h"
#include "osdep/udp.h"
#include "service/netapply.h"
#include "service/netfile.h"
#include "osdep/state.h"

#define ZT_DAEMON_MAX_NETWORKS 32
#define ZT_DAEMON_MAX_DIRECT   64 /* direct peer endpoints remembered */
#define ZT_DAEMON_DEFAULT_MTU  2800
/* Frames read from a TAP: the largest MTU we set plus an Ethernet header
 * with a VLAN tag. */
#define ZT_DAEMON_MAX_MTU   9000
#define ZT_DAEMON_FRAME_MAX (ZT_DAEMON_MAX_MTU + 18)

#define ZT_DAEMON_MAX_EXTRA 264

struct zt_daemon_config {
	const char *home;
	const char *bind_addr;  /* NULL: all addresses */
	const char *roots_file; /* NULL: HOMEDIR/roots if present */
	uint16_t udp_port;
	int api_port; /* -1: the UDP port */
};

struct zt_daemon_net {
	bool used;
	uint64_t nwid;
	struct zt_tap tap; /* tap.fd < 0: no device */
	/* Set from inside a core callback, which must not re-enter the core:
	 * the network is left right after the core call returns. */
	bool leave_pending;
	struct zt_daemon *d;
	struct zt_gro gro; /* received TCP segments joined for the TAP */
	int64_t tap_woke;  /* when its last read wake-up was (ms) */
	/* Managed networks: the settings and what is applied to the TAP. */
	struct zt_net_settings set;
	struct zt_netapply applied;
};

struct zt_evloop;
struct zt_httpd;
struct zt_udp_batch;
struct zt_udp_txq;
struct zt_workers;

struct zt_daemon {
	struct zt_daemon_config cfg;
	struct zt_evloop *loop;
	struct zt_node *node;
	struct zt_identity id;
	char public_text[ZT_IDENTITY_PUBLIC_TEXT];
	char token[ZT_STATE_TOKEN_MAX + 1];
	struct zt_nodeudp u;        /* the sockets, their batches and send queue */
	struct zt_workers *workers; /* crypto pipeline (NULL: single-threaded) */
	/* ZT_THREADS unset: the worker is used only while it pays (sampled
	 * every second, zt_workers_worth_it). */
	bool workers_auto;
	unsigned workers_on_count;
	int64_t cpu_at; /* last sample: when, and the CPU seconds then */
	double cpu_io, cpu_worker, cpu_idle;
	bool cpu_base; /* cpu_worker and cpu_idle were read at cpu_at */
	struct zt_httpd *httpd;
	uint16_t api_port;
	int lock_fd;
	bool have_roots;
	struct zt_roots roots; /* in use (for the exit-node bypass routes) */
	/* Endpoints of peers seen on direct paths (ditto), most recent. */
	struct zt_endpoint direct_eps[ZT_DAEMON_MAX_DIRECT];
	unsigned direct_count, direct_next;
	struct zt_roots invite_roots; /* from HOMEDIR/roots.invite */
	int64_t deadline;             /* the core's: call process_background by then */
	bool pending;                 /* some net has leave_pending */
	struct zt_daemon_net nets[ZT_DAEMON_MAX_NETWORKS];
	/* Offloads (environment ZT_OFFLOAD: "off", or any of "notap",
	 * "nogso", "nogro", "nouso"): TAP TSO/checksum, UDP GSO, UDP GRO,
	 * USO on the TAP (UDP super-frames both ways). */
	bool off_tap, off_gso, off_gro, off_uso;
	uint8_t *frame;   /* a TAP read: vnet header + up to 64 KiB */
	uint8_t *scratch; /* one segment being cut from it */
	uint64_t tap_write_drops, tap_gso_errors;
	/* Frames written to TAPs; of them TCP and UDP super-frames, and the
	 * datagrams the UDP ones hold (shown by GET /status, "dataPath"). */
	uint64_t tap_writes, tap_super_tcp, tap_super_udp, tap_udp_joined, tap_write_errors;
	/* Extra sockets the core asked for (birthday probing). */
	int extra[ZT_DAEMON_MAX_EXTRA];
	unsigned nextra;
	int64_t locals_at; /* when the interface addresses were last given */
	/* TCP connections to roots (fallback when UDP is blocked); closes the
	 * core asks for wait until its call returns. */
	struct zt_tcp_set tcp;
	/* Port mapping on the home router (UPnP, NAT-PMP): a worker thread. */
	struct zt_portmap *portmap;
	unsigned portmap_gen;
	bool portmap_have;
	struct zt_endpoint portmap_ep;
	const char *portmap_how;
	int64_t tcp_closing[ZT_MAX_ROOTS];
	unsigned ntcp_closing;
};

/* Run ztd until SIGINT/SIGTERM; returns the process exit status.  Errors
 * at start are printed as one line on stderr. */
int zt_daemon_run(const struct zt_daemon_config *cfg);

/* Join nwid: create its TAP, tell the core, remember it in networks.d
 * (if persist).  0, or -1 with a one-line reason in err. */
int zt_daemon_join(struct zt_daemon *d, uint64_t nwid, bool persist, char *err, size_t errcap);
/* Change the settings of a joined network (only those jr has) and apply
 * them; an invite token in jr is handed to the core.  0 or -1 + err. */
struct zt_api_join_req;
int zt_daemon_set(struct zt_daemon *d, uint64_t nwid, const struct zt_api_join_req *jr, char *err,
                  size_t errcap);
/* The settings of a joined network, or NULL. */
const struct zt_net_settings *zt_daemon_settings(const struct zt_daemon *d, uint64_t nwid);
/* Leave nwid: -ENOENT if not joined (message in err). */
int zt_daemon_leave(struct zt_daemon *d, uint64_t nwid, char *err, size_t errcap);

/* The TAP device name of a joined network, "" if it has none. */
const char *zt_daemon_dev(const struct zt_daemon *d, uint64_t nwid);

/* The TAP name of a network: "zt" + the nwid folded to 40 bits in
 * base32 (see daemon.c). */
void zt_daemon_tap_name(uint64_t nwid, char out[ZT_TAP_NAME_MAX]);

/* Tell the daemon that the core was called outside the loop's own
 * paths (the API): run background work soon and act on pending leaves. */
void zt_daemon_after_core_call(struct zt_daemon *d);

#endif
