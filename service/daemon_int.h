/* SPDX-License-Identifier: MIT */
/*
 * daemon_int.h - ztd's state, shared by the daemon's files and private to
 * them (the API reads it through daemon.h):
 *
 *   daemon.c       start-up from the home directory, the loop, stop
 *   daemon_tap.c   the joined networks' TAP devices: open, read, write
 *   daemon_join.c  joining, leaving and the settings of networks
 *   daemon_host.c  the core's host callbacks
 *   daemon_net.c   the underlay: UDP and probing sockets, TCP to roots,
 *                  local addresses, port mapping
 *
 * Never calls the core from inside a core callback (zt.h forbids it):
 * what a callback cannot finish (leaving a network whose TAP failed) is
 * marked and done by zt_daemon_after_core_call().
 */
#ifndef ZT_SERVICE_DAEMON_INT_H
#define ZT_SERVICE_DAEMON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/zt.h"
#include "osdep/nodeudp.h"
#include "osdep/portmap.h"
#include "osdep/state.h"
#include "osdep/tap.h"
#include "osdep/tcp.h"
#include "service/daemon.h"
#include "service/netapply.h"

#define ZT_DAEMON_MAX_DIRECT 64   /* direct peer endpoints remembered */
#define ZT_DAEMON_MAX_MTU    9000 /* the largest MTU set on a TAP */
#define ZT_DAEMON_MAX_EXTRA  264  /* probing sockets open at once */
/* HOMEDIR/roots.invite: the roots an invite brought (daemon_join.c). */
#define ZT_DAEMON_INVITE_ROOTS "roots.invite"

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
	/* The device `applied` is on: the TAP, or the Linux bridge the TAP
	 * belongs to (set.bridge_dev), where the host's address lives. */
	char applied_dev[ZT_TAP_NAME_MAX];
	/* The names responder (daemon_dns.c): its socket (-1: none), the
	 * address it is bound to, and what it answers. */
	int dns_fd;
	struct zt_inetaddr dns_addr;
	bool dns_warned; /* a bind on dns_addr failed and was logged */
	struct zt_dns_zone *dns_zone;
};

struct zt_evloop;
struct zt_httpd;
struct zt_dns_zone;
struct zt_workers;

struct zt_daemon {
	struct zt_daemon_config cfg;
	struct zt_evloop *loop;
	struct zt_node *node;
	struct zt_identity id;
	char public_text[ZT_IDENTITY_PUBLIC_TEXT];
	char token[ZT_STATE_TOKEN_MAX + 1];
	/* metricstoken.secret's: it reads GET /metrics only */
	char metrics_token[ZT_STATE_TOKEN_MAX + 1];
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

/* ---- daemon.c ---- */
/* Keep the core's answer to a call from the loop: its deadline, a debug
 * line if it failed (what names the call), then what its callbacks left
 * to do (pending leaves, TCP closes). */
void zt_daemon_core_result(struct zt_daemon *d, int r, int64_t deadline, const char *what);

/* ---- daemon_tap.c ---- */
struct zt_daemon_net *zt_daemon_tap_find(struct zt_daemon *d, uint64_t nwid);
/* A free slot for nwid (its TAP not open yet), or NULL if all are used. */
struct zt_daemon_net *zt_daemon_tap_alloc(struct zt_daemon *d, uint64_t nwid);
/* Open the network's TAP with mac and mtu and watch it; the reason of a
 * failure goes to err. */
int zt_daemon_tap_open(struct zt_daemon_net *net, const uint8_t mac[6], unsigned mtu, char *err,
                       size_t errcap);
void zt_daemon_tap_close(struct zt_daemon_net *net);
/* Close the TAP and free the slot. */
void zt_daemon_tap_free(struct zt_daemon_net *net);
/* Put the open TAP into its Linux bridge (set.bridge_dev), if it has one,
 * and bring it up; a missing bridge is logged, the TAP stays as it is. */
void zt_daemon_tap_bridge(struct zt_daemon_net *net);
/* Make the TAP show the config in force (conf NULL: none). */
void zt_daemon_tap_apply(struct zt_daemon_net *net, const struct zt_netconf *conf);
/* Re-add the addresses that went missing from the TAPs (every 30 s). */
void zt_daemon_tap_check_all(struct zt_daemon *d);
/* daemon_dns.c: answer the config's names on this member's address (or
 * stop); the address the responder is bound to (NULL: none); close. */
void zt_daemon_dns_apply(struct zt_daemon_net *net, const struct zt_netconf *conf);
const struct zt_inetaddr *zt_daemon_dns_addr(const struct zt_daemon_net *net);
void zt_daemon_dns_close(struct zt_daemon_net *net);
/* Write what GRO holds to every TAP (after each batch the core took). */
void zt_daemon_tap_flush_all(struct zt_daemon *d);

/* ---- daemon_join.c ---- */
/* The roots kept from an invite (HOMEDIR/roots.invite), if any. */
bool zt_daemon_join_invite_roots(const char *home, struct zt_roots *out);
/* Join the networks of networks.d again (at start). */
void zt_daemon_rejoin(struct zt_daemon *d);

/* ---- daemon_host.c ---- */
/* The host callbacks of ztd's node. */
void zt_daemon_host_init(struct zt_daemon *d, struct zt_host *host);

/* ---- daemon_net.c ---- */
/* Open and watch the UDP sockets (cfg.udp_port, cfg.bind_addr). */
int zt_daemon_net_start(struct zt_daemon *d, char *err, size_t errcap);
/* Set up the TCP connections to roots (their hooks). */
void zt_daemon_net_tcp_init(struct zt_daemon *d);
/* Is sock one of ours (UDP, probing, TCP)? */
bool zt_daemon_net_is_ours(const struct zt_daemon *d, int64_t sock);
/* A probing socket of family on an ephemeral port, watched: its fd or
 * -errno.  zt_daemon_net_probe_close closes one (an unknown sock is
 * ignored). */
int zt_daemon_net_probe_open(struct zt_daemon *d, int family);
void zt_daemon_net_probe_close(struct zt_daemon *d, int64_t sock);
/* Give the core our interface addresses (at start and every 30 s). */
void zt_daemon_net_locals(struct zt_daemon *d, int64_t now);
/* Hand the port-mapping worker's news to the core. */
void zt_daemon_net_portmap(struct zt_daemon *d);

#endif
